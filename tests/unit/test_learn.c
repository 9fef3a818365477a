/* Unit tests for the learned seccomp profile (seccomp/learn_profile.c):
 * recording, the always-allowed calls, merging (union), the JSON written
 * (sorted, stable, read back the same), what an existing file must be to
 * be merged with (errors name the JSON path), and brig check's verdict on
 * a learned profile (runtime/policy/audit_seccomp.c). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/error.h"
#include "brig/internal.h"
#include "brig/learn.h"
#include "brig/oci.h"
#include "brig/policy.h"
#include "brig/seccomp.h"
#include "brig/spec.h"
#include "unit.h"

struct brig_globals brig_g = {.policy = -1};

static bool has(const struct brig_learned *l, const char *name)
{
    for (size_t i = 0; i < l->n_names; i++)
        if (strcmp(l->names[i], name) == 0)
            return true;
    return false;
}

static bool sorted(char *const *v, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (strcmp(v[i - 1], v[i]) >= 0)
            return false;
    return true;
}

static void test_add_sorts_and_dedups(void)
{
    struct brig_learned l;
    brig_learned_init(&l);
    brig_learned_add(&l, "SCMP_ARCH_X86_64", "write", 0);
    brig_learned_add(&l, "SCMP_ARCH_X86_64", "read", 0);
    brig_learned_add(&l, "SCMP_ARCH_X86", "read", 0);
    brig_learned_add(&l, "SCMP_ARCH_X86_64", "openat", 0);
    brig_learned_add(&l, NULL, "read", 0);
    CHECK_INT(l.n_names, 3);
    CHECK(sorted(l.names, l.n_names));
    CHECK_STR(l.names[0], "openat");
    CHECK_INT(l.n_arches, 2);
    CHECK_STR(l.arches[0], "SCMP_ARCH_X86");
    CHECK_STR(l.arches[1], "SCMP_ARCH_X86_64");
    brig_learned_free(&l);
}

static void test_clone_and_clone3(void)
{
    struct brig_learned l;
    brig_learned_init(&l);
    /* fork's flags: no namespace, clone stays conditional */
    brig_learned_add(&l, "SCMP_ARCH_X86_64", "clone", 0x1200011);
    CHECK(l.clone_plain && !has(&l, "clone"));
    brig_learned_add(&l, "SCMP_ARCH_X86_64", "clone3", 0);
    CHECK(l.clone3 && !has(&l, "clone3"));
    char *j = brig_learned_json(&l);
    CHECK_STR_CONTAINS(j, "\"SCMP_CMP_MASKED_EQ\"");
    CHECK_STR_CONTAINS(j, "\"errnoRet\": 38");
    free(j);
    /* CLONE_NEWUSER: the workload made namespaces, clone is allowed as is */
    brig_learned_add(&l, "SCMP_ARCH_X86_64", "clone", 0x10000000 | 17);
    CHECK(has(&l, "clone"));
    j = brig_learned_json(&l);
    CHECK(strstr(j, "SCMP_CMP_MASKED_EQ") == NULL);
    free(j);
    brig_learned_free(&l);
}

static void test_always_allowed(void)
{
    struct brig_learned l;
    brig_learned_init(&l);
    brig_learned_add(&l, "SCMP_ARCH_X86_64", "read", 0);
    brig_learned_add_always(&l);
    CHECK(has(&l, "exit_group") && has(&l, "exit") && has(&l, "rt_sigreturn") && has(&l, "write") &&
          has(&l, "sendmsg"));
    CHECK(!has(&l, "sigreturn"));
    brig_learned_add(&l, "SCMP_ARCH_X86", "read", 0);
    brig_learned_add_always(&l);
    CHECK(has(&l, "sigreturn"));
    CHECK(sorted(l.names, l.n_names));
    brig_learned_free(&l);
}

static void test_merge_is_a_union(void)
{
    struct brig_learned a, b;
    brig_learned_init(&a);
    brig_learned_init(&b);
    brig_learned_add(&a, "SCMP_ARCH_X86_64", "read", 0);
    brig_learned_add(&a, "SCMP_ARCH_X86_64", "clone", 0);
    brig_learned_add(&b, "SCMP_ARCH_X86", "getcpu", 0);
    brig_learned_add(&b, "SCMP_ARCH_X86", "read", 0);
    brig_learned_add(&b, "SCMP_ARCH_X86", "clone3", 0);
    b.default_action = BRIG_SECCOMP_KILL_PROCESS;
    brig_learned_merge(&a, &b);
    CHECK_INT(a.n_names, 2);
    CHECK(has(&a, "read") && has(&a, "getcpu"));
    CHECK_INT(a.n_arches, 2);
    CHECK(a.clone_plain && a.clone3);
    CHECK(a.default_action == BRIG_SECCOMP_ERRNO); /* the destination's */
    /* merging again changes nothing */
    char *once = brig_learned_json(&a);
    brig_learned_merge(&a, &b);
    char *twice = brig_learned_json(&a);
    CHECK_STR(once, twice);
    free(once);
    free(twice);
    brig_learned_free(&a);
    brig_learned_free(&b);
}

static void test_json_round_trip(void)
{
    struct brig_learned l, back;
    brig_learned_init(&l);
    brig_learned_add(&l, "SCMP_ARCH_X86_64", "write", 0);
    brig_learned_add(&l, "SCMP_ARCH_X32", "read", 0);
    brig_learned_add(&l, "SCMP_ARCH_X86_64", "clone", 0);
    brig_learned_add(&l, "SCMP_ARCH_X86_64", "clone3", 0);
    char *j = brig_learned_json(&l);
    CHECK(j && j[strlen(j) - 1] == '\n');
    CHECK_STR_CONTAINS(j, "\"defaultAction\": \"SCMP_ACT_ERRNO\"");
    CHECK_STR_CONTAINS(j, "\"defaultErrnoRet\": 1");
    CHECK_INT(brig_learned_parse(j, strlen(j), &back), 0);
    char *j2 = brig_learned_json(&back);
    CHECK_STR(j, j2);
    /* it is a profile brig compiles */
    struct brig_seccomp *sc = NULL;
    CHECK_INT(brig_seccomp_parse(j, strlen(j), &sc), 0);
    struct brig_bpf bpf;
    CHECK_MSG(brig_seccomp_compile_uncached(sc, &bpf) == 0, "compile: %s", brig_last_error());
    brig_bpf_free(&bpf);
    brig_seccomp_free(sc);
    free(j);
    free(j2);
    brig_learned_free(&l);
    brig_learned_free(&back);
    /* an empty learned set still writes a valid (deny-all) profile */
    brig_learned_init(&l);
    j = brig_learned_json(&l);
    CHECK_INT(brig_learned_parse(j, strlen(j), &back), 0);
    free(j);
    brig_learned_free(&back);
}

static void expect_refused(const char *json, const char *path)
{
    struct brig_learned l;
    brig_clear_error();
    CHECK_MSG(brig_learned_parse(json, strlen(json), &l) == -1, "took %s", json);
    CHECK_STR_CONTAINS(brig_last_error(), path);
    for (const char *p = brig_last_error(); *p; p++)
        CHECK(*p != '\n');
    brig_clear_error();
}

static void test_what_can_be_merged_with(void)
{
    /* hand edits that keep the shape are fine: a kill default, other names */
    struct brig_learned l;
    const char *ok = "{\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\", \"architectures\": [\"SCMP_ARCH_X86_64\"],"
                     " \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},"
                     " {\"names\": [\"write\", \"close\"], \"action\": \"SCMP_ACT_ALLOW\"}]}";
    CHECK_MSG(brig_learned_parse(ok, strlen(ok), &l) == 0, "%s", brig_last_error());
    CHECK(l.default_action == BRIG_SECCOMP_KILL_PROCESS && l.n_names == 3 && has(&l, "close"));
    char *j = brig_learned_json(&l);
    CHECK(strstr(j, "defaultErrnoRet") == NULL);
    free(j);
    brig_learned_free(&l);

    expect_refused("not json", "seccomp");
    expect_refused("[]", "seccomp");
    expect_refused("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", "defaultAction");
    expect_refused("{\"defaultAction\": \"SCMP_ACT_LOG\"}", "defaultAction");
    expect_refused("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"]}", "flags");
    expect_refused("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"listenerPath\": \"/x\"}", "listenerPath");
    expect_refused("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_NOPE\"]}",
                   "architectures[0]");
    expect_refused("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
                   "\"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"x\"], \"action\": \"SCMP_ACT_LOG\"}]}",
                   "syscalls[1]");
    expect_refused("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
                   "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
                   "\"SCMP_CMP_EQ\"}]}]}",
                   "syscalls[0]");
    expect_refused("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\", "
                   "\"Bad\\nName\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
                   "syscalls[0].names[1]");
    expect_refused("{\"defaultAction\": \"SCMP_ACT_KILL\", \"defaultErrnoRet\": 1}", "defaultErrnoRet");
}

/* brig check on a learned profile: clean without dangerous calls; the
 * learned rule and the call when the workload made one. */
static void test_check_of_a_learned_profile(void)
{
    struct brig_spec_opts o = {.profile = BRIG_SPEC_HARDENED, .uid = 65534, .gid = 65534};
    char *text = brig_spec_generate(&o);
    struct brig_config *cfg = NULL;
    CHECK(text && brig_config_parse(text, strlen(text), &cfg) == 0);
    free(text);
    if (!cfg)
        return;
    struct brig_learned l;
    brig_learned_init(&l);
    static const char *const calls[] = {"read", "write", "openat", "close", "execve", "mmap", "brk",
                                        "exit_group", "wait4", "fstat", "rt_sigaction"};
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(calls); i++)
        brig_learned_add(&l, "SCMP_ARCH_X86_64", calls[i], 0);
    brig_learned_add(&l, "SCMP_ARCH_X86_64", "clone", 0x1200011);
    brig_learned_add(&l, "SCMP_ARCH_X86_64", "clone3", 0);
    for (int round = 0; round < 2; round++) {
        char *j = brig_learned_json(&l);
        struct brig_seccomp *sc = NULL;
        CHECK(brig_seccomp_parse(j, strlen(j), &sc) == 0);
        free(j);
        brig_seccomp_free(cfg->linux_->seccomp);
        cfg->linux_->seccomp = sc;
        struct brig_findings f;
        brig_audit(cfg, NULL, BRIG_LEVEL_RESTRICTED, &f);
        size_t sec = 0;
        const struct brig_finding *hit = NULL;
        for (size_t i = 0; i < f.n; i++)
            if (strncmp(f.v[i].check, "seccomp", 7) == 0) {
                sec++;
                hit = &f.v[i];
            }
        if (round == 0) {
            CHECK_MSG(sec == 0, "a learned profile without dangerous calls has %zu seccomp findings", sec);
        } else {
            CHECK_INT(sec, 1);
            if (hit) {
                CHECK_STR(hit->check, "seccomp-allows");
                CHECK_STR(hit->path, "linux.seccomp.syscalls[0]");
                CHECK_STR_CONTAINS(hit->message, "mount on x86_64");
            }
        }
        brig_findings_free(&f);
        /* the workload mounted something: that is what check must say */
        brig_learned_add(&l, "SCMP_ARCH_X86_64", "mount", 0);
    }
    brig_learned_free(&l);
    brig_config_free(cfg);
}

static char tmpdir[64];

static char *tpath(const char *name)
{
    return brig_xasprintf("%s/%s", tmpdir, name);
}

static void put(const char *name, const char *text)
{
    char *p = tpath(name);
    FILE *f = fopen(p, "w");
    CHECK(f && fputs(text, f) >= 0 && fclose(f) == 0);
    free(p);
}

static size_t entries(void)
{
    size_t n = 0;
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

/* brig_learn_target_open's refusals and brig_learn_write's merge, in a
 * scratch directory (no privilege needed). */
static void test_target_and_writer(void)
{
    struct brig_learn_target t;
    char *rootfs = tpath("rootfs");
    CHECK(mkdir(rootfs, 0755) == 0);
    char *in_root = tpath("rootfs/p.json");
    char *file = tpath("p.json");
    char *noext = tpath("profile");

    brig_clear_error();
    CHECK(brig_learn_target_open("p.json", rootfs, "--seccomp-learn", false, &t) == -1);
    CHECK_STR_CONTAINS(brig_last_error(), "not an absolute path");
    CHECK(brig_learn_target_open(in_root, rootfs, "--seccomp-learn", false, &t) == -1);
    CHECK_STR_CONTAINS(brig_last_error(), "root filesystem");
    CHECK(brig_learn_target_open(noext, rootfs, "annotations[\"x\"]", true, &t) == -1);
    CHECK_STR_CONTAINS(brig_last_error(), ".json");
    char *nodir = tpath("nope/p.json");
    CHECK(brig_learn_target_open(nodir, rootfs, "--seccomp-learn", false, &t) == -1);
    free(nodir);

    /* a file that is not a learned profile: refused, left alone */
    put("p.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
    CHECK(brig_learn_target_open(file, rootfs, "--seccomp-learn", false, &t) == -1);
    CHECK_STR_CONTAINS(brig_last_error(), "not a learned profile");
    CHECK(unlink(file) == 0);
    /* a symlink in its place is not followed */
    put("victim", "keep");
    CHECK(symlink("victim", file) == 0);
    CHECK(brig_learn_target_open(file, rootfs, "--seccomp-learn", false, &t) == -1);
    CHECK(unlink(file) == 0);

    /* two writes add up; nothing but the file is left in the directory */
    size_t before = entries();
    CHECK_MSG(brig_learn_target_open(file, rootfs, "--seccomp-learn", false, &t) == 0, "%s", brig_last_error());
    struct brig_learned a, b, back;
    brig_learned_init(&a);
    brig_learned_init(&b);
    brig_learned_add(&a, "SCMP_ARCH_X86_64", "read", 0);
    brig_learned_add(&b, "SCMP_ARCH_X86_64", "getcpu", 0);
    CHECK_MSG(brig_learn_write(&t, &a) == 0, "%s", brig_last_error());
    CHECK_MSG(brig_learn_write(&t, &b) == 0, "%s", brig_last_error());
    CHECK_INT(entries(), before + 1);
    char *text = NULL;
    size_t len = 0;
    CHECK(brig_read_file(file, &text, &len) == 0);
    CHECK(text && brig_learned_parse(text, len, &back) == 0);
    CHECK(has(&back, "read") && has(&back, "getcpu"));
    struct stat st;
    CHECK(stat(file, &st) == 0 && (st.st_mode & 0777) == 0644);
    free(text);
    brig_learned_free(&back);
    /* the file turned into something else meanwhile: not overwritten */
    put("p.json", "hello");
    CHECK(brig_learn_write(&t, &a) == -1);
    CHECK(brig_read_file(file, &text, &len) == 0 && strcmp(text, "hello") == 0);
    free(text);
    brig_learn_target_close(&t);
    brig_learned_free(&a);
    brig_learned_free(&b);

    char *victim = tpath("victim");
    unlink(victim);
    unlink(file);
    rmdir(rootfs);
    free(victim);
    free(rootfs);
    free(in_root);
    free(file);
    free(noext);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/brig-test-learn.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    brig_seccomp_set_cache_dir(NULL);
    RUN(test_add_sorts_and_dedups);
    RUN(test_clone_and_clone3);
    RUN(test_always_allowed);
    RUN(test_merge_is_a_union);
    RUN(test_json_round_trip);
    RUN(test_what_can_be_merged_with);
    RUN(test_check_of_a_learned_profile);
    RUN(test_target_and_writer);
    rmdir(tmpdir);
    return unit_finish();
}
