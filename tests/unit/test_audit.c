/* Unit tests for the audit (runtime/policy/audit.c), the policy step
 * (runtime/policy/policy.c) and the configs brig spec writes (runtime/config/spec.c).
 *
 * Each check is shown to fire on a config weakened in one place, and to
 * stay quiet on brig's hardened spec, so a check that cannot fail would be
 * noticed.  No root needed.  The last line printed is "N passed, N failed". */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/oci.h"
#include "brig/internal.h"
#include "brig/policy.h"
#include "brig/seccomp.h"
#include "brig/spec.h"
#include "unit.h"

struct brig_globals brig_g = {.policy = -1};

#define ERR brig_last_error()

/* ---- helpers ---- */

static struct brig_config *spec_cfg(enum brig_spec_profile profile, bool rootless, uid_t uid)
{
    struct brig_spec_opts o = {.profile = profile, .rootless = rootless, .uid = uid, .gid = uid};
    char *text = brig_spec_generate(&o);
    CHECK_MSG(text != NULL, "spec: %s", ERR);
    if (!text)
        exit(1);
    struct brig_config *cfg = NULL;
    if (brig_config_parse(text, strlen(text), &cfg) < 0) {
        UNIT_FAIL("the spec does not parse: %s", ERR);
        exit(1);
    }
    free(text);
    return cfg;
}

static struct brig_config *hardened(void)
{
    return spec_cfg(BRIG_SPEC_HARDENED, false, 0);
}

static void audit(const struct brig_config *cfg, enum brig_level level, struct brig_findings *f)
{
    brig_audit(cfg, NULL, level, f);
}

static size_t count(const struct brig_findings *f, const char *check)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        n += strcmp(f->v[i].check, check) == 0;
    return n;
}

static const struct brig_finding *find(const struct brig_findings *f, const char *check)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->v[i].check, check) == 0)
            return &f->v[i];
    return NULL;
}

static void dump(const struct brig_findings *f)
{
    for (size_t i = 0; i < f->n; i++)
        fprintf(stderr, "    %s %s %s: %s\n", brig_severity_name(f->v[i].severity), f->v[i].check,
                f->v[i].path, f->v[i].message);
}

/* Exactly the checks named (comma-separated), each once, and nothing else. */
static void expect_only(const struct brig_config *cfg, enum brig_level level, const char *checks)
{
    struct brig_findings f;
    audit(cfg, level, &f);
    size_t want = 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", checks);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        want++;
        CHECK_MSG(count(&f, t) == 1, "expected one %s finding, got %zu", t, count(&f, t));
    }
    CHECK_MSG(f.n == want, "expected %zu findings (%s), got %zu", want, checks, f.n);
    if (f.n != want)
        dump(&f);
    brig_findings_free(&f);
}

/* The single finding of CHECK: severity and path. */
static void expect_finding(const struct brig_config *cfg, enum brig_level level, const char *check,
                           enum brig_severity sev, const char *path)
{
    struct brig_findings f;
    audit(cfg, level, &f);
    const struct brig_finding *x = find(&f, check);
    CHECK_MSG(x != NULL, "no %s finding", check);
    if (x) {
        CHECK_STR(brig_severity_name(x->severity), brig_severity_name(sev));
        CHECK_STR(x->path, path);
        CHECK(x->fix && *x->fix && x->refs && *x->refs && x->message && *x->message);
    }
    if (!x || f.n != 1)
        dump(&f);
    CHECK_INT(f.n, 1);
    brig_findings_free(&f);
}

static void strv_set(struct brig_strv *s, const char *const *v)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    size_t n = 0;
    while (v[n])
        n++;
    s->v = brig_xcalloc(n + 1, sizeof *s->v);
    for (size_t i = 0; i < n; i++)
        s->v[i] = brig_xstrdup(v[i]);
    s->n = n;
}

#define STRV(...) ((const char *const[]){__VA_ARGS__, NULL})

static void add_mount(struct brig_config *cfg, const char *dest, const char *type, const char *src,
                      const char *const *opts)
{
    cfg->mounts = brig_xrealloc(cfg->mounts, (cfg->n_mounts + 1) * sizeof *cfg->mounts);
    struct brig_mount *m = &cfg->mounts[cfg->n_mounts++];
    memset(m, 0, sizeof *m);
    m->destination = brig_xstrdup(dest);
    m->type = brig_xstrdup(type);
    m->source = brig_xstrdup(src);
    strv_set(&m->options, opts);
}

static void remove_ns(struct brig_config *cfg, enum brig_ns_type t)
{
    struct brig_linux *l = cfg->linux_;
    for (size_t i = 0; i < l->n_namespaces; i++) {
        if (l->namespaces[i].type == t) {
            free(l->namespaces[i].path);
            l->namespaces[i] = l->namespaces[--l->n_namespaces];
            return;
        }
    }
}

static void set_ns_path(struct brig_config *cfg, enum brig_ns_type t, const char *path)
{
    struct brig_linux *l = cfg->linux_;
    for (size_t i = 0; i < l->n_namespaces; i++)
        if (l->namespaces[i].type == t) {
            free(l->namespaces[i].path);
            l->namespaces[i].path = brig_xstrdup(path);
        }
}

static void add_sysctl(struct brig_config *cfg, const char *k, const char *v)
{
    struct brig_map *m = &cfg->linux_->sysctl;
    m->v = brig_xrealloc(m->v, (m->n + 1) * sizeof *m->v);
    m->v[m->n].key = brig_xstrdup(k);
    m->v[m->n].value = brig_xstrdup(v);
    m->n++;
}

static uint64_t cap(const char *name)
{
    return 1ULL << brig_cap_from_name(name);
}

/* ---- brig spec ---- */

static void test_hardened_spec_has_no_findings(void)
{
    struct brig_config *cfg = hardened();
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    expect_only(cfg, BRIG_LEVEL_BASELINE, "");
    CHECK_INT(cfg->process->user.uid, 65534);
    CHECK(cfg->process->no_new_privileges);
    CHECK(cfg->root->readonly);
    CHECK(cfg->linux_->seccomp != NULL);
    CHECK_INT(cfg->linux_->resources->memory->limit.v, BRIG_SPEC_MEMORY_LIMIT);
    CHECK_INT(cfg->linux_->resources->pids_limit.v, BRIG_SPEC_PIDS_LIMIT);
    CHECK(brig_config_namespace(cfg, BRIG_NS_USER) == NULL);
    bool tmp = false;
    for (size_t i = 0; i < cfg->n_mounts; i++)
        tmp |= strcmp(cfg->mounts[i].destination, "/tmp") == 0 && strcmp(cfg->mounts[i].type, "tmpfs") == 0;
    CHECK(tmp);
    brig_config_free(cfg);
}

static void test_rootless_spec(void)
{
    struct brig_config *cfg = spec_cfg(BRIG_SPEC_HARDENED, true, 1000);
    /* Root in the user namespace is uid 1000 outside: no root-user.  No
     * cgroup limits: an unprivileged user cannot set them. */
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "limit-memory,limit-cpu,limit-pids");
    expect_only(cfg, BRIG_LEVEL_BASELINE, "");
    CHECK(brig_config_namespace(cfg, BRIG_NS_USER) != NULL);
    CHECK_INT(cfg->linux_->n_uid_mappings, 1);
    CHECK_INT(cfg->linux_->uid_mappings[0].host_id, 1000);
    CHECK_INT(cfg->linux_->uid_mappings[0].container_id, 0);
    brig_config_free(cfg);
    /* The same made by root maps root to root: the process and the map. */
    cfg = spec_cfg(BRIG_SPEC_HARDENED, true, 0);
    struct brig_findings f;
    audit(cfg, BRIG_LEVEL_RESTRICTED, &f);
    CHECK_INT(count(&f, "root-user"), 1);
    CHECK_INT(count(&f, "idmap-host-root"), 2); /* uidMappings[0], gidMappings[0] */
    CHECK_INT(f.n, 6);                          /* and the three limits */
    brig_findings_free(&f);
    brig_config_free(cfg);
    /* Host root anywhere in the map, not only where the process runs. */
    cfg = spec_cfg(BRIG_SPEC_HARDENED, true, 1000);
    cfg->linux_->gid_mappings[0].host_id = 0;
    expect_only(cfg, BRIG_LEVEL_BASELINE, "idmap-host-root");
    brig_config_free(cfg);
}

static void test_runc_spec_findings(void)
{
    struct brig_config *cfg = spec_cfg(BRIG_SPEC_RUNC, false, 0);
    /* runc's default passes baseline, not restricted. */
    expect_only(cfg, BRIG_LEVEL_BASELINE, "");
    struct brig_findings f;
    audit(cfg, BRIG_LEVEL_RESTRICTED, &f);
    CHECK_INT(count(&f, "capability-kept"), 2); /* AUDIT_WRITE, KILL; not NET_BIND_SERVICE */
    CHECK_INT(count(&f, "root-user"), 1);
    CHECK_INT(count(&f, "seccomp-missing"), 1);
    CHECK_INT(count(&f, "host-cgroup-namespace"), 1);
    CHECK_INT(count(&f, "masked-paths-extra"), 1);
    CHECK_INT(count(&f, "limit-memory") + count(&f, "limit-cpu") + count(&f, "limit-pids"), 3);
    CHECK_INT(f.n, 9);
    /* Most severe first. */
    for (size_t i = 1; i < f.n; i++)
        CHECK(f.v[i - 1].severity >= f.v[i].severity);
    CHECK(f.n && f.v[0].severity == BRIG_SEV_HIGH);
    brig_findings_free(&f);
    brig_config_free(cfg);
}

/* ---- each check ---- */

static void test_root_user(void)
{
    struct brig_config *cfg = hardened();
    cfg->process->user.uid = 0;
    expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "root-user", BRIG_SEV_HIGH, "process.user.uid");
    expect_only(cfg, BRIG_LEVEL_BASELINE, "");
    brig_config_free(cfg);
}

static void test_capabilities(void)
{
    struct brig_config *cfg = hardened();
    struct brig_caps *c = cfg->process->capabilities;
    c->bounding |= cap("CAP_SYS_ADMIN");
    c->effective |= cap("CAP_SYS_ADMIN");
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "capability-added", BRIG_SEV_CRITICAL,
                   "process.capabilities.bounding");
    c->bounding = c->effective = 0;
    c->ambient = cap("CAP_NET_RAW");
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "capability-added", BRIG_SEV_MEDIUM,
                   "process.capabilities.ambient");
    c->ambient = cap("CAP_SYS_NICE");
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "capability-added", BRIG_SEV_HIGH,
                   "process.capabilities.ambient");
    /* Docker's defaults: fine for baseline, not for restricted. */
    c->ambient = 0;
    c->permitted = cap("CAP_CHOWN");
    expect_only(cfg, BRIG_LEVEL_BASELINE, "");
    expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "capability-kept", BRIG_SEV_LOW,
                   "process.capabilities.permitted");
    /* The one restricted allows. */
    c->permitted = c->bounding = c->effective = cap("CAP_NET_BIND_SERVICE");
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    CHECK(!brig_config_privileged(cfg));
    c->bounding |= cap("CAP_SYS_ADMIN");
    CHECK(brig_config_privileged(cfg));
    /* No capabilities object: everything is kept. */
    free(cfg->process->capabilities);
    cfg->process->capabilities = NULL;
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "capabilities-unset", BRIG_SEV_HIGH, "process.capabilities");
    cfg->process->user.uid = 0;
    struct brig_findings f;
    audit(cfg, BRIG_LEVEL_BASELINE, &f);
    CHECK(find(&f, "capabilities-unset") && find(&f, "capabilities-unset")->severity == BRIG_SEV_CRITICAL);
    brig_findings_free(&f);
    brig_config_free(cfg);
}

static void test_no_new_privileges(void)
{
    struct brig_config *cfg = hardened();
    cfg->process->no_new_privileges = false;
    expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "no-new-privileges", BRIG_SEV_MEDIUM,
                   "process.noNewPrivileges");
    expect_only(cfg, BRIG_LEVEL_BASELINE, "");
    brig_config_free(cfg);
}

static void test_lsm(void)
{
    struct brig_config *cfg = hardened();
    cfg->process->apparmor_profile = brig_xstrdup("unconfined");
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "apparmor-unconfined", BRIG_SEV_HIGH,
                   "process.apparmorProfile");
    free(cfg->process->apparmor_profile);
    cfg->process->apparmor_profile = brig_xstrdup("docker-default");
    cfg->process->selinux_label = brig_xstrdup("system_u:system_r:container_t:s0:c1,c2");
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    free(cfg->process->selinux_label);
    cfg->process->selinux_label = brig_xstrdup("system_u:system_r:spc_t:s0");
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "selinux-type", BRIG_SEV_HIGH, "process.selinuxLabel");
    brig_config_free(cfg);
}

static void test_namespaces(void)
{
    struct brig_config *cfg = hardened();
    remove_ns(cfg, BRIG_NS_PID);
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "host-pid-namespace", BRIG_SEV_HIGH, "linux.namespaces");
    brig_config_free(cfg);

    cfg = hardened();
    set_ns_path(cfg, BRIG_NS_NETWORK, "/proc/1/ns/net");
    struct brig_findings f;
    audit(cfg, BRIG_LEVEL_BASELINE, &f);
    CHECK_INT(f.n, 1);
    CHECK(f.n == 1 && strcmp(f.v[0].check, "host-network-namespace") == 0 &&
          strncmp(f.v[0].path, "linux.namespaces[", 17) == 0 && strstr(f.v[0].path, "].path"));
    brig_findings_free(&f);
    /* Any spelling of the host's namespace is the host's: another pid of
     * the init namespace, the runtime's own, a symlink to it. */
    set_ns_path(cfg, BRIG_NS_NETWORK, "/proc/self/ns/net");
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "host-network-namespace", BRIG_SEV_HIGH, "linux.namespaces[1].path");
    char link[] = "/tmp/brig-audit-nsXXXXXX";
    CHECK(mkdtemp(link) != NULL);
    cleanup_free char *l = brig_xasprintf("%s/net", link);
    CHECK(symlink("/proc/self/ns/net", l) == 0);
    set_ns_path(cfg, BRIG_NS_NETWORK, l);
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "host-network-namespace", BRIG_SEV_HIGH, "linux.namespaces[1].path");
    unlink(l);
    rmdir(link);
    /* A path that cannot be examined cannot be proven another namespace;
     * nor can a file that is not a namespace. */
    set_ns_path(cfg, BRIG_NS_NETWORK, "/var/run/netns/cni-brig-absent-1234");
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "host-network-namespace", BRIG_SEV_HIGH, "linux.namespaces[1].path");
    set_ns_path(cfg, BRIG_NS_NETWORK, "/etc/hostname");
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "host-network-namespace", BRIG_SEV_HIGH, "linux.namespaces[1].path");
    /* A pod's sandbox namespace (another process's own) is not the host's. */
    int pfd[2];
    CHECK(pipe(pfd) == 0);
    pid_t child = fork();
    if (child == 0) {
        char c = unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0 ? 'y' : 'n';
        if (write(pfd[1], &c, 1) != 1)
            _exit(1);
        close(pfd[1]);
        pause();
        _exit(0);
    }
    close(pfd[1]);
    char c = 'n';
    CHECK(read(pfd[0], &c, 1) == 1);
    close(pfd[0]);
    struct stat init_ns;
    if (c == 'y' && stat("/proc/1/ns/net", &init_ns) == 0) {
        cleanup_free char *other = brig_xasprintf("/proc/%d/ns/net", (int)child);
        set_ns_path(cfg, BRIG_NS_NETWORK, other);
        expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    } else if (c == 'y') {
        /* The init's namespace cannot be examined here (no ptrace access
         * to pid 1): nothing can be proven not to be the host's. */
        cleanup_free char *other = brig_xasprintf("/proc/%d/ns/net", (int)child);
        set_ns_path(cfg, BRIG_NS_NETWORK, other);
        expect_finding(cfg, BRIG_LEVEL_BASELINE, "host-network-namespace", BRIG_SEV_HIGH, "linux.namespaces[1].path");
        fprintf(stderr, "    (/proc/1/ns/net cannot be examined here: the other-namespace case shows a finding)\n");
    } else {
        fprintf(stderr, "    (no user namespaces here: the other-namespace case is not checked)\n");
    }
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    set_ns_path(cfg, BRIG_NS_NETWORK, NULL);
    remove_ns(cfg, BRIG_NS_IPC);
    remove_ns(cfg, BRIG_NS_UTS);
    remove_ns(cfg, BRIG_NS_CGROUP);
    remove_ns(cfg, BRIG_NS_MOUNT);
    expect_only(cfg, BRIG_LEVEL_BASELINE, "host-ipc-namespace,host-mount-namespace");
    expect_only(cfg, BRIG_LEVEL_RESTRICTED,
                "host-ipc-namespace,host-mount-namespace,host-uts-namespace,host-cgroup-namespace");
    brig_config_free(cfg);
}

static struct brig_seccomp *profile(const char *json)
{
    struct brig_seccomp *sc = NULL;
    if (brig_seccomp_parse(json, strlen(json), &sc) < 0)
        UNIT_FAIL("profile %s: %s", json, ERR);
    return sc;
}

static void set_seccomp(struct brig_config *cfg, struct brig_seccomp *sc)
{
    brig_seccomp_free(cfg->linux_->seccomp);
    cfg->linux_->seccomp = sc;
}

static void test_seccomp(void)
{
    struct brig_config *cfg = hardened();
    set_seccomp(cfg, NULL);
    expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "seccomp-missing", BRIG_SEV_HIGH, "linux.seccomp");
    expect_only(cfg, BRIG_LEVEL_BASELINE, "");
    /* Explicitly unconfined: baseline forbids it. */
    set_seccomp(cfg, profile("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}"));
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "seccomp-unconfined", BRIG_SEV_HIGH,
                   "linux.seccomp.defaultAction");
    /* A deny list that blocks one thing is not unconfined, but lets the rest through. */
    set_seccomp(cfg, profile("{\"defaultAction\": \"SCMP_ACT_LOG\", \"syscalls\": [{\"names\": "
                             "[\"keyctl\"], \"action\": \"SCMP_ACT_ERRNO\"}]}"));
    expect_only(cfg, BRIG_LEVEL_BASELINE, "");
    struct brig_findings f;
    audit(cfg, BRIG_LEVEL_RESTRICTED, &f);
    CHECK_INT(f.n, 2);
    const struct brig_finding *x = find(&f, "seccomp-allows");
    CHECK(x && strcmp(x->path, "linux.seccomp.defaultAction") == 0 && strstr(x->message, "mount on") &&
          !strstr(x->message, "keyctl"));
    CHECK(find(&f, "seccomp-denylist") != NULL);
    brig_findings_free(&f);
    /* RuntimeDefault is clean; plus an unconditional mount and unshare, the
     * rule that allows them is named. */
    struct brig_seccomp *rd;
    CHECK(brig_seccomp_runtime_default(&rd) == 0);
    set_seccomp(cfg, rd);
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    rd->syscalls = brig_xrealloc(rd->syscalls, (rd->n_syscalls + 1) * sizeof *rd->syscalls);
    size_t n = rd->n_syscalls;
    struct brig_seccomp_syscall *r = &rd->syscalls[rd->n_syscalls++];
    memset(r, 0, sizeof *r);
    strv_set(&r->names, STRV("mount", "unshare"));
    r->action = BRIG_SECCOMP_ALLOW;
    char path[64];
    snprintf(path, sizeof path, "linux.seccomp.syscalls[%zu]", n);
    expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "seccomp-allows", BRIG_SEV_HIGH, path);
    audit(cfg, BRIG_LEVEL_RESTRICTED, &f);
    CHECK(f.n == 1 && strstr(f.v[0].message, "mount on x86_64") && strstr(f.v[0].message, "unshare(0x"));
    brig_findings_free(&f);
    /* A condition any namespace flag satisfies is an allow: arg0 >= 0, a
     * masked-eq that matches the flag; arg0 == 0 (no namespace) is not. */
    static const struct {
        enum brig_seccomp_op op;
        uint64_t value, value_two;
        bool allows;
    } conds[] = {
        {BRIG_SECCOMP_OP_GE, 0, 0, true},
        {BRIG_SECCOMP_OP_MASKED_EQ, 0x10000000, 0x10000000, true},
        {BRIG_SECCOMP_OP_NE, 0x10000000, 0, true},
        {BRIG_SECCOMP_OP_GT, 0x1000, 0, true},
        {BRIG_SECCOMP_OP_EQ, 0, 0, false},
        {BRIG_SECCOMP_OP_LT, 0x80, 0, false},
        {BRIG_SECCOMP_OP_MASKED_EQ, 0x7e020080, 0, false}, /* unshare takes CLONE_NEWTIME (0x80) */
    };
    strv_set(&r->names, STRV("unshare"));
    r->args = brig_xcalloc(1, sizeof *r->args);
    r->n_args = 1;
    snprintf(path, sizeof path, "linux.seccomp.syscalls[%zu].args[0]", n);
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(conds); i++) {
        r->args[0] = (struct brig_seccomp_arg){.index = 0, .op = conds[i].op, .value = conds[i].value,
                                               .value_two = conds[i].value_two};
        if (conds[i].allows)
            expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "seccomp-allows", BRIG_SEV_HIGH, path);
        else
            expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    }
    /* clone: flags without a namespace are fine, with one they are not. */
    strv_set(&r->names, STRV("clone"));
    r->args[0] = (struct brig_seccomp_arg){.index = 0, .op = BRIG_SECCOMP_OP_MASKED_EQ, .value = 0x10000000,
                                           .value_two = 0x10000000};
    expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "seccomp-allows", BRIG_SEV_HIGH, path);
    /* personality: the address-space bits are tricks, PER_LINUX32 is not. */
    strv_set(&r->names, STRV("personality"));
    r->args[0] = (struct brig_seccomp_arg){.index = 0, .op = BRIG_SECCOMP_OP_EQ, .value = 0x0040000};
    expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "seccomp-allows", BRIG_SEV_HIGH, path);
    r->args[0] = (struct brig_seccomp_arg){.index = 0, .op = BRIG_SECCOMP_OP_EQ, .value = 8};
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    /* A listener or a tracer can let a call through: NOTIFY and TRACE allow. */
    free(r->args);
    r->args = NULL;
    r->n_args = 0;
    strv_set(&r->names, STRV("bpf"));
    r->action = BRIG_SECCOMP_TRACE;
    snprintf(path, sizeof path, "linux.seccomp.syscalls[%zu]", n);
    expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "seccomp-allows", BRIG_SEV_HIGH, path);
    r->action = BRIG_SECCOMP_NOTIFY;
    rd->listener_path = brig_xstrdup("/run/agent.sock");
    expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "seccomp-allows", BRIG_SEV_HIGH, path);
    /* ptrace reaches other processes only with the host's PID namespace. */
    strv_set(&r->names, STRV("ptrace"));
    r->action = BRIG_SECCOMP_ALLOW;
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    /* An i386 entry point: "umount" exists on i386 only. */
    strv_set(&r->names, STRV("umount"));
    expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "seccomp-allows", BRIG_SEV_HIGH, path);
    audit(cfg, BRIG_LEVEL_RESTRICTED, &f);
    CHECK(f.n == 1 && strstr(f.v[0].message, "umount on i386"));
    brig_findings_free(&f);
    /* An allow-by-default profile that denies every dangerous call (each
     * namespace flag of clone, each risky personality bit) is a deny list. */
    set_seccomp(cfg, profile(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": \"SCMP_ACT_ERRNO\", "
        "\"names\": [\"clone3\", \"unshare\", \"setns\", \"mount\", \"umount\", \"umount2\", \"fsopen\", "
        "\"fsmount\", \"fsconfig\", \"fspick\", \"move_mount\", \"open_tree\", \"mount_setattr\", "
        "\"pivot_root\", \"bpf\", \"keyctl\", \"add_key\", \"request_key\", \"userfaultfd\", "
        "\"io_uring_setup\", \"io_uring_enter\", \"io_uring_register\", \"kexec_load\", "
        "\"kexec_file_load\", \"init_module\", \"finit_module\", \"delete_module\", \"perf_event_open\", "
        "\"open_by_handle_at\", \"reboot\", \"swapon\", \"swapoff\", \"iopl\", \"ioperm\", \"acct\", "
        "\"settimeofday\", \"clock_settime\", \"syslog\", \"quotactl\", \"lookup_dcookie\", \"vm86\", "
        "\"vm86old\"]}, "
        "{\"action\": \"SCMP_ACT_ERRNO\", \"names\": [\"clone\"], \"args\": ["
        "{\"index\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\", \"value\": 131072, \"valueTwo\": 131072},"
        "{\"index\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\", \"value\": 33554432, \"valueTwo\": 33554432},"
        "{\"index\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\", \"value\": 67108864, \"valueTwo\": 67108864},"
        "{\"index\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\", \"value\": 134217728, \"valueTwo\": 134217728},"
        "{\"index\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\", \"value\": 268435456, \"valueTwo\": 268435456},"
        "{\"index\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\", \"value\": 536870912, \"valueTwo\": 536870912},"
        "{\"index\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\", \"value\": 1073741824, \"valueTwo\": 1073741824}]}, "
        "{\"action\": \"SCMP_ACT_ERRNO\", \"names\": [\"personality\"], \"args\": ["
        "{\"index\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\", \"value\": 4194304, \"valueTwo\": 4194304},"
        "{\"index\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\", \"value\": 262144, \"valueTwo\": 262144},"
        "{\"index\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\", \"value\": 1048576, \"valueTwo\": 1048576},"
        "{\"index\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\", \"value\": 2097152, \"valueTwo\": 2097152}]}]}"));
    expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "seccomp-denylist", BRIG_SEV_LOW, "linux.seccomp.defaultAction");
    brig_config_free(cfg);
}

static void test_rootfs(void)
{
    /* The host's own directories are no rootfs; a relative path is taken
     * from the bundle. */
    struct brig_config *cfg = hardened();
    free(cfg->root->path);
    cfg->root->path = brig_xstrdup("/");
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "rootfs-host", BRIG_SEV_CRITICAL, "root.path");
    free(cfg->root->path);
    cfg->root->path = brig_xstrdup("../../../../../../../../etc");
    struct brig_findings f;
    brig_audit(cfg, "/tmp", BRIG_LEVEL_BASELINE, &f);
    CHECK(f.n == 1 && strcmp(f.v[0].check, "rootfs-host") == 0);
    brig_findings_free(&f);
    brig_config_free(cfg);

    cfg = hardened();
    cfg->root->readonly = false;
    expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "rootfs-writable", BRIG_SEV_MEDIUM, "root.readonly");
    expect_only(cfg, BRIG_LEVEL_BASELINE, "");
    brig_config_free(cfg);
}

static void test_mounts(void)
{
    struct brig_config *cfg = hardened();
    size_t n = cfg->n_mounts;
    char path[64];
    snprintf(path, sizeof path, "mounts[%zu].source", n);
    add_mount(cfg, "/var/run/docker.sock", "bind", "/var/run/docker.sock", STRV("rbind", "ro"));
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "mount-runtime-socket", BRIG_SEV_CRITICAL, path);
    brig_config_free(cfg);

    cfg = hardened();
    add_mount(cfg, "/host-etc", "none", "/etc/", STRV("rbind", "ro"));
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "mount-host-sensitive", BRIG_SEV_HIGH, path);
    free(cfg->mounts[n].source);
    cfg->mounts[n].source = brig_xstrdup("/proc/sys/kernel");
    strv_set(&cfg->mounts[n].options, STRV("bind"));
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "mount-host-sensitive", BRIG_SEV_CRITICAL, path);
    free(cfg->mounts[n].source);
    cfg->mounts[n].source = brig_xstrdup("/srv/data");
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "mount-host-path", BRIG_SEV_MEDIUM, path);
    strv_set(&cfg->mounts[n].options, STRV("bind", "ro"));
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "mount-host-path", BRIG_SEV_LOW, path);
    strv_set(&cfg->mounts[n].options, STRV("bind", "ro", "rshared"));
    expect_only(cfg, BRIG_LEVEL_BASELINE, "mount-host-path,mount-propagation-shared");
    brig_config_free(cfg);

    /* What engines mount for each container is theirs, not a host path. */
    cfg = hardened();
    add_mount(cfg, "/etc/hosts", "bind", "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/abc/hosts",
              STRV("rbind", "rw"));
    add_mount(cfg, "/etc/resolv.conf", "bind",
              "/var/lib/containers/storage/overlay-containers/abc/userdata/resolv.conf", STRV("rbind"));
    add_mount(cfg, "/run/.containerenv", "bind",
              "/run/user/1000/containers/overlay-containers/abc/userdata/.containerenv", STRV("bind"));
    add_mount(cfg, "/var/run/secrets/kubernetes.io/serviceaccount", "bind",
              "/var/lib/kubelet/pods/0a-1b/volumes/kubernetes.io~projected/kube-api-access-x", STRV("rbind", "ro"));
    add_mount(cfg, "/etc/hostname", "bind", "/var/lib/docker/containers/abc/hostname", STRV("rbind"));
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    /* ... but not their whole state, nor a way out of a container's directory. */
    add_mount(cfg, "/k", "bind", "/var/lib/kubelet/pods", STRV("rbind"));
    add_mount(cfg, "/d", "bind", "/var/lib/docker/containers/../../../etc", STRV("rbind"));
    add_mount(cfg, "/p", "bind", "/var/lib/containers/storage/overlay-containers/abc", STRV("rbind"));
    struct brig_findings ef;
    audit(cfg, BRIG_LEVEL_BASELINE, &ef);
    CHECK_INT(count(&ef, "mount-host-sensitive"), 3);
    CHECK_INT(ef.n, 3);
    brig_findings_free(&ef);
    brig_config_free(cfg);

    /* A tmpfs is no host path. */
    cfg = hardened();
    add_mount(cfg, "/run", "tmpfs", "tmpfs", STRV("nosuid"));
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    /* sysfs and cgroup: read-only or a finding. */
    for (size_t i = 0; i < cfg->n_mounts; i++)
        if (strcmp(cfg->mounts[i].type, "sysfs") == 0 || strcmp(cfg->mounts[i].type, "cgroup") == 0)
            strv_set(&cfg->mounts[i].options, STRV("nosuid", "noexec", "nodev"));
    expect_only(cfg, BRIG_LEVEL_BASELINE, "mount-sysfs-writable,mount-cgroup-writable");
    brig_config_free(cfg);

    cfg = hardened();
    cfg->linux_->rootfs_propagation = brig_xstrdup("rshared");
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "mount-propagation-shared", BRIG_SEV_MEDIUM,
                   "linux.rootfsPropagation");
    brig_config_free(cfg);

    /* New file systems: an allow-list of types, each where it belongs. */
    const struct {
        const char *dest, *type, *src, *check, *field;
        const char *const *opts;
    } bad[] = {
        {"/hostproc", "proc", "proc", "mount-proc", "destination", STRV("nosuid")},
        {"/proc", "proc", "proc", "mount-proc", "destination", STRV("nosuid")}, /* a second one */
        {"/hostsys", "sysfs", "sysfs", "mount-sysfs", "destination", STRV("ro")},
        {"/disk", "ext4", "/dev/sda1", "mount-type", "type", STRV("ro")},
        {"/ovl", "overlay", "overlay", "mount-type", "type", STRV("lowerdir=/etc")},
        {"/b", "binfmt_misc", "binfmt_misc", "mount-type", "type", STRV("ro")},
        {"/d", "debugfs", "debugfs", "mount-type", "type", STRV("ro")},
        {"/t", "tracefs", "tracefs", "mount-type", "type", STRV("ro")},
        {"/s", "securityfs", "securityfs", "mount-type", "type", STRV("ro")},
        {"/bpf", "bpf", "bpf", "mount-type", "type", STRV("ro")},
        {"/c", "configfs", "configfs", "mount-type", "type", STRV("ro")},
        {"/f", "fusectl", "fusectl", "mount-type", "type", STRV("ro")},
        {"/n", "nfs", "host:/export", "mount-type", "type", STRV("ro")},
        {"/n", "cifs", "//host/share", "mount-type", "type", STRV("ro")},
        {"/x", NULL, "something", "mount-type", "type", STRV("ro")},
        /* "remount" changes what is there (the host's rootfs file system). */
        {"/etc", "none", "none", "mount-remount", "options", STRV("remount", "nosuid")},
        {"/etc", "bind", "/srv", "mount-remount", "options", STRV("remount", "ro")},
        /* Option spellings that make any type a bind of a host path. */
        {"/p", "proc", "/proc", "mount-host-sensitive", "source", STRV("rbind", "ro")},
        {"/p", "tmpfs", "/srv/../etc", "mount-host-sensitive", "source", STRV("bind", "ro")},
        {"/p", "none", "/proc/self/ns/net", "mount-host-sensitive", "source", STRV("rbind", "ro")},
        {"/p", "bind", "/dev/kmsg", "mount-host-device", "source", STRV("bind")},
    };
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(bad); i++) {
        cfg = hardened();
        add_mount(cfg, bad[i].dest, bad[i].type ? bad[i].type : "x", bad[i].src, bad[i].opts);
        if (!bad[i].type) {
            free(cfg->mounts[n].type);
            cfg->mounts[n].type = NULL;
        }
        char p[64];
        snprintf(p, sizeof p, "mounts[%zu].%s", n, bad[i].field);
        struct brig_findings g;
        audit(cfg, BRIG_LEVEL_BASELINE, &g);
        const struct brig_finding *x = find(&g, bad[i].check);
        CHECK_MSG(x && strcmp(x->path, p) == 0, "%s at %s: no %s finding at %s", bad[i].type ? bad[i].type : "(none)",
                  bad[i].dest, bad[i].check, p);
        if (!x)
            dump(&g);
        brig_findings_free(&g);
        brig_config_free(cfg);
    }
    /* "rrw" after "ro" leaves sysfs writable. */
    cfg = hardened();
    for (size_t i = 0; i < cfg->n_mounts; i++)
        if (strcmp(cfg->mounts[i].type, "sysfs") == 0)
            strv_set(&cfg->mounts[i].options, STRV("ro", "rrw"));
    expect_only(cfg, BRIG_LEVEL_BASELINE, "mount-sysfs-writable");
    brig_config_free(cfg);
    /* What a container needs passes. */
    cfg = hardened();
    add_mount(cfg, "/run", "tmpfs", "tmpfs", STRV("nosuid", "nodev"));
    add_mount(cfg, "/dev/mqueue2", "mqueue", "mqueue", STRV("nosuid"));
    add_mount(cfg, "/sys/fs/cgroup2", "cgroup2", "cgroup2", STRV("ro"));
    add_mount(cfg, "/dev/pts2", "devpts", "devpts", STRV("newinstance"));
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    brig_config_free(cfg);
}

static void test_kernel_paths(void)
{
    struct brig_config *cfg = hardened();
    strv_set(&cfg->linux_->masked_paths, STRV("/proc/kcore"));
    struct brig_findings f;
    audit(cfg, BRIG_LEVEL_RESTRICTED, &f);
    const struct brig_finding *x = find(&f, "masked-paths");
    CHECK(x && x->severity == BRIG_SEV_HIGH && strstr(x->message, "/proc/keys") &&
          !strstr(x->message, "/proc/kcore"));
    CHECK(find(&f, "masked-paths-extra") != NULL);
    CHECK_INT(f.n, 2);
    brig_findings_free(&f);
    /* A directory masks what is under it. */
    strv_set(&cfg->linux_->masked_paths, STRV("/proc", "/sys"));
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    /* Without a proc or sysfs mount there is nothing to mask. */
    strv_set(&cfg->linux_->masked_paths, STRV("/nothing"));
    strv_set(&cfg->linux_->readonly_paths, STRV("/nothing"));
    for (size_t i = 0; i < cfg->n_mounts; i++)
        if (strcmp(cfg->mounts[i].type, "proc") == 0 || strcmp(cfg->mounts[i].type, "sysfs") == 0) {
            free(cfg->mounts[i].type);
            cfg->mounts[i].type = brig_xstrdup("tmpfs");
        }
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    brig_config_free(cfg);

    cfg = hardened();
    strv_set(&cfg->linux_->readonly_paths, STRV("/proc/bus", "/proc/fs", "/proc/irq"));
    audit(cfg, BRIG_LEVEL_BASELINE, &f);
    x = find(&f, "readonly-paths");
    CHECK(x && strcmp(x->message, "kernel paths are writable: /proc/sys, /proc/sysrq-trigger") == 0);
    CHECK_INT(f.n, 1);
    brig_findings_free(&f);
    brig_config_free(cfg);
}

static void test_sysctls(void)
{
    struct brig_config *cfg = hardened();
    add_sysctl(cfg, "net.ipv4.tcp_syncookies", "1");
    add_sysctl(cfg, "kernel.shm_rmid_forced", "1");
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    add_sysctl(cfg, "net.ipv4.ip_forward", "1");
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "sysctl-unsafe", BRIG_SEV_MEDIUM,
                   "linux.sysctl[\"net.ipv4.ip_forward\"]");
    brig_config_free(cfg);

    cfg = hardened();
    add_sysctl(cfg, "kernel/panic", "1");
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "sysctl-host", BRIG_SEV_HIGH, "linux.sysctl[\"kernel/panic\"]");
    brig_config_free(cfg);

    /* Any spelling create would accept is read as create reads it. */
    static const char *const host[] = {"kernel/core_pattern", "kernel.core_pattern", "fs/binfmt_misc/status",
                                       "kernel.shm_next_id", "vm.overcommit_memory"};
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(host); i++) {
        cfg = hardened();
        add_sysctl(cfg, host[i], "1");
        char p[96];
        snprintf(p, sizeof p, "linux.sysctl[\"%s\"]", host[i]);
        expect_finding(cfg, BRIG_LEVEL_BASELINE, "sysctl-host", BRIG_SEV_HIGH, p);
        brig_config_free(cfg);
    }
    cfg = hardened();
    add_sysctl(cfg, "net/ipv4/../../kernel/core_pattern", "1");
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "sysctl-invalid", BRIG_SEV_HIGH,
                   "linux.sysctl[\"net/ipv4/../../kernel/core_pattern\"]");
    brig_config_free(cfg);

    /* A safe sysctl of a namespace the container shares with the host. */
    cfg = hardened();
    remove_ns(cfg, BRIG_NS_NETWORK);
    add_sysctl(cfg, "net.ipv4.tcp_syncookies", "1");
    expect_only(cfg, BRIG_LEVEL_BASELINE, "host-network-namespace,sysctl-host");
    brig_config_free(cfg);
}

static void add_device(struct brig_config *cfg, const char *path, char type, int64_t major, int64_t minor)
{
    struct brig_linux *l = cfg->linux_;
    l->devices = brig_xrealloc(l->devices, (l->n_devices + 1) * sizeof *l->devices);
    struct brig_device *d = &l->devices[l->n_devices++];
    memset(d, 0, sizeof *d);
    d->path = brig_xstrdup(path);
    d->type = type;
    d->major = major;
    d->minor = minor;
}

static void add_rule(struct brig_config *cfg, bool allow, char type, int64_t major, int64_t minor,
                     const char *access)
{
    struct brig_resources *r = cfg->linux_->resources;
    r->devices = brig_xrealloc(r->devices, (r->n_devices + 1) * sizeof *r->devices);
    struct brig_device_rule *d = &r->devices[r->n_devices++];
    memset(d, 0, sizeof *d);
    d->allow = allow;
    d->type = type;
    if (major >= 0)
        d->major = (brig_opt_i64){true, major};
    if (minor >= 0)
        d->minor = (brig_opt_i64){true, minor};
    d->access = brig_xstrdup(access);
}

static void test_devices(void)
{
    struct brig_config *cfg = hardened();
    add_device(cfg, "/dev/fuse-like-null", 'c', 1, 3);
    add_device(cfg, "/dev/fifo", 'p', 0, 0);
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    add_device(cfg, "/dev/sda", 'b', 8, 0);
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "device-host", BRIG_SEV_HIGH, "linux.devices[2]");
    brig_config_free(cfg);

    cfg = hardened();
    add_device(cfg, "/dev/mem", 'c', 1, 1);
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "device-host", BRIG_SEV_CRITICAL, "linux.devices[0]");
    brig_config_free(cfg);

    cfg = hardened();
    add_rule(cfg, true, 'c', 1, 3, "rwm");
    add_rule(cfg, true, 'c', 136, -1, "rwm");
    add_rule(cfg, true, 'b', -1, -1, "m"); /* mknod only */
    add_rule(cfg, false, 'a', -1, -1, "rwm");
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    add_rule(cfg, true, 'a', -1, -1, "rwm");
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "device-cgroup", BRIG_SEV_CRITICAL,
                   "linux.resources.devices[5]");
    brig_config_free(cfg);

    cfg = hardened();
    add_rule(cfg, true, 'c', 10, 200, "rw");
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "device-cgroup", BRIG_SEV_MEDIUM, "linux.resources.devices[1]");
    brig_config_free(cfg);

    /* The node and its path are judged together: a safe number at a path
     * outside /dev (or spelled with ..) is a finding; the host console
     * (5:1) is no tty; fuse only at restricted. */
    static const char *const bad_paths[] = {"/etc/passwd", "/dev/../etc/shadow", "dev/null", "/dev"};
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(bad_paths); i++) {
        cfg = hardened();
        add_device(cfg, bad_paths[i], 'c', 1, 3);
        expect_finding(cfg, BRIG_LEVEL_BASELINE, "device-path", BRIG_SEV_CRITICAL, "linux.devices[0].path");
        brig_config_free(cfg);
    }
    cfg = hardened();
    add_device(cfg, "/dev/console2", 'c', 5, 1);
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "device-host", BRIG_SEV_MEDIUM, "linux.devices[0]");
    brig_config_free(cfg);
    cfg = hardened();
    add_device(cfg, "/dev/fuse", 'c', 10, 229);
    expect_only(cfg, BRIG_LEVEL_BASELINE, "");
    expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "device-host", BRIG_SEV_LOW, "linux.devices[0]");
    brig_config_free(cfg);
    /* In a user namespace brig binds the host's file of the path: it must
     * be the node the config describes. */
    cfg = hardened();
    struct brig_linux *l = cfg->linux_;
    l->namespaces = brig_xrealloc(l->namespaces, (l->n_namespaces + 1) * sizeof *l->namespaces);
    l->namespaces[l->n_namespaces++] = (struct brig_namespace){.type = BRIG_NS_USER};
    l->uid_mappings = brig_xcalloc(1, sizeof *l->uid_mappings);
    l->uid_mappings[0] = (struct brig_idmap){0, 100000, 65536};
    l->n_uid_mappings = 1;
    add_device(cfg, "/dev/null", 'c', 1, 3);
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    add_device(cfg, "/dev/zero", 'c', 1, 3); /* the host's /dev/zero is 1:5 */
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "device-bind", BRIG_SEV_CRITICAL, "linux.devices[1].path");
    brig_config_free(cfg);
}

static void add_hook(struct brig_hook_list *l, const char *path)
{
    l->v = brig_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    memset(&l->v[l->n], 0, sizeof l->v[l->n]);
    l->v[l->n++].path = brig_xstrdup(path);
}

/* Hooks that run as the runtime on the host, real-time scheduling and I/O,
 * personality, a populated cgroup. */
static void test_host_reaching_process_settings(void)
{
    struct brig_config *cfg = hardened();
    cfg->hooks = brig_xcalloc(1, sizeof *cfg->hooks);
    add_hook(&cfg->hooks->start_container, "/usr/bin/in-container");
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    add_hook(&cfg->hooks->poststop, "/usr/bin/cleanup");
    expect_only(cfg, BRIG_LEVEL_BASELINE, "");
    expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "hook-host", BRIG_SEV_HIGH, "hooks.poststop[0]");
    add_hook(&cfg->hooks->prestart, "/usr/bin/a");
    add_hook(&cfg->hooks->create_runtime, "/usr/bin/b");
    add_hook(&cfg->hooks->poststart, "/usr/bin/c");
    add_hook(&cfg->hooks->create_container, "/usr/bin/d"); /* before pivot_root: the host's files */
    struct brig_findings f;
    audit(cfg, BRIG_LEVEL_RESTRICTED, &f);
    CHECK_INT(count(&f, "hook-host"), 5);
    brig_findings_free(&f);
    brig_config_free(cfg);

    static const char *const rt[] = {"SCHED_FIFO", "SCHED_RR", "SCHED_DEADLINE"};
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(rt); i++) {
        cfg = hardened();
        cfg->process->scheduler = brig_xcalloc(1, sizeof *cfg->process->scheduler);
        cfg->process->scheduler->policy = brig_xstrdup(rt[i]);
        expect_finding(cfg, BRIG_LEVEL_BASELINE, "scheduler-realtime", BRIG_SEV_HIGH, "process.scheduler.policy");
        free(cfg->process->scheduler->policy);
        cfg->process->scheduler->policy = brig_xstrdup("SCHED_BATCH");
        expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
        brig_config_free(cfg);
    }
    cfg = hardened();
    cfg->process->io_priority = brig_xcalloc(1, sizeof *cfg->process->io_priority);
    cfg->process->io_priority->class_name = brig_xstrdup("IOPRIO_CLASS_RT");
    cfg->process->io_priority->class_value = 1;
    expect_finding(cfg, BRIG_LEVEL_BASELINE, "io-priority-realtime", BRIG_SEV_MEDIUM, "process.ioPriority.class");
    cfg->process->io_priority->class_value = 2;
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    brig_config_free(cfg);

    cfg = hardened();
    cfg->linux_->personality = brig_xcalloc(1, sizeof *cfg->linux_->personality);
    cfg->linux_->personality->domain = brig_xstrdup("LINUX32");
    expect_only(cfg, BRIG_LEVEL_BASELINE, "");
    expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "personality", BRIG_SEV_LOW, "linux.personality.domain");
    brig_config_free(cfg);

    /* cgroupsPath ".." names the parent of this process's cgroup: it has
     * at least one child (ours), unless ours is the root. */
    cleanup_free char *self = NULL;
    CHECK(brig_read_file("/proc/self/cgroup", &self, NULL) == 0);
    cfg = hardened();
    cfg->linux_->cgroups_path = brig_xstrdup("..");
    audit(cfg, BRIG_LEVEL_BASELINE, &f);
    CHECK_MSG(f.n == 1 && (strcmp(f.v[0].check, "cgroup-populated") == 0 || strcmp(f.v[0].check, "cgroup-path") == 0) &&
                  strcmp(f.v[0].path, "linux.cgroupsPath") == 0,
              "%zu findings", f.n);
    dump(&f);
    brig_findings_free(&f);
    /* A fresh leaf is fine. */
    free(cfg->linux_->cgroups_path);
    cfg->linux_->cgroups_path = brig_xstrdup("/brig-audit-test-no-such-cgroup/leaf");
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    brig_config_free(cfg);
}

static void test_limits(void)
{
    struct brig_config *cfg = hardened();
    struct brig_resources *r = cfg->linux_->resources;
    r->memory->limit.set = false;
    expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "limit-memory", BRIG_SEV_MEDIUM, "linux.resources.memory.limit");
    r->memory->limit = (brig_opt_i64){true, 1 << 20};
    r->pids_limit.v = -1; /* unlimited */
    expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "limit-pids", BRIG_SEV_MEDIUM, "linux.resources.pids.limit");
    r->pids_limit.v = 10;
    r->cpu->shares.set = r->cpu->quota.set = false;
    expect_finding(cfg, BRIG_LEVEL_RESTRICTED, "limit-cpu", BRIG_SEV_LOW, "linux.resources.cpu");
    r->cpu->cpus = brig_xstrdup("0");
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    brig_resources_free(cfg->linux_->resources);
    cfg->linux_->resources = NULL;
    expect_only(cfg, BRIG_LEVEL_BASELINE, "");
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "limit-memory,limit-cpu,limit-pids");
    brig_config_free(cfg);
}

static void test_no_process(void)
{
    struct brig_config *cfg = hardened();
    brig_process_free(cfg->process);
    cfg->process = NULL;
    expect_only(cfg, BRIG_LEVEL_RESTRICTED, "");
    brig_config_free(cfg);
}

/* ---- the policy step ---- */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        UNIT_FAIL("write %s: %s", path, strerror(errno));
}

/* BUNDLE/config.json = TEXT, parsed. */
static struct brig_config *bundle_cfg(const char *text)
{
    write_file("config.json", text);
    struct brig_config *cfg = NULL;
    if (brig_config_load(tmpdir, &cfg) < 0)
        UNIT_FAIL("load: %s", ERR);
    return cfg;
}

static const char *ann(const struct brig_config *cfg, const char *k)
{
    for (size_t i = 0; i < cfg->annotations.n; i++)
        if (strcmp(cfg->annotations.v[i].key, k) == 0)
            return cfg->annotations.v[i].value;
    return NULL;
}

#define MINIMAL_HEAD "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, "
#define MINIMAL_PROC "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 1, \"gid\": 1}"

static void test_policy_default_fills_what_is_absent(void)
{
    brig_g.policy = BRIG_POLICY_DEFAULT;
    /* Nothing said: everything filled in, and recorded. */
    struct brig_config *cfg = bundle_cfg(MINIMAL_HEAD MINIMAL_PROC ", \"capabilities\": {}}}");
    CHECK(brig_policy_apply(cfg, tmpdir) == 0);
    CHECK_STR(ann(cfg, BRIG_POLICY_ADDED_ANNOTATION), "seccomp,noNewPrivileges,maskedPaths,readonlyPaths");
    CHECK(cfg->linux_ && cfg->linux_->seccomp && cfg->process->no_new_privileges);
    CHECK_INT(cfg->linux_->masked_paths.n, brig_n_default_masked_paths);
    CHECK_INT(cfg->linux_->readonly_paths.n, brig_n_default_readonly_paths);
    brig_config_free(cfg);

    /* "noNewPrivileges": false is a choice; so are empty path lists. */
    cfg = bundle_cfg(MINIMAL_HEAD MINIMAL_PROC ", \"noNewPrivileges\": false}, \"annotations\": {\"a\": \"b\"},"
                     "\"linux\": {\"maskedPaths\": [], \"readonlyPaths\": []}}");
    CHECK(brig_policy_apply(cfg, tmpdir) == 0);
    CHECK_STR(ann(cfg, BRIG_POLICY_ADDED_ANNOTATION), "seccomp");
    CHECK_STR(ann(cfg, "a"), "b");
    CHECK(!cfg->process->no_new_privileges);
    CHECK_INT(cfg->linux_->masked_paths.n, 0);
    brig_config_free(cfg);

    /* Masked paths but no seccomp (a Kubernetes pod without a profile):
     * RuntimeDefault, but no_new_privs stays as written (Go omits false). */
    cfg = bundle_cfg(MINIMAL_HEAD MINIMAL_PROC "}, \"linux\": {\"maskedPaths\": [\"/proc/kcore\"]}}");
    CHECK(brig_policy_apply(cfg, tmpdir) == 0);
    CHECK_STR(ann(cfg, BRIG_POLICY_ADDED_ANNOTATION), "seccomp,readonlyPaths");
    CHECK(!cfg->process->no_new_privileges);
    CHECK_INT(cfg->linux_->masked_paths.n, 1);
    brig_config_free(cfg);

    /* A bundle with its own seccomp profile (every engine's) keeps its
     * no_new_privs as written, even when Go left the false out. */
    cfg = bundle_cfg(MINIMAL_HEAD MINIMAL_PROC "}, \"linux\": {\"seccomp\": {\"defaultAction\": "
                     "\"SCMP_ACT_ALLOW\"}, \"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\"]}}");
    CHECK(brig_policy_apply(cfg, tmpdir) == 0);
    CHECK_STR(ann(cfg, BRIG_POLICY_ADDED_ANNOTATION), NULL);
    CHECK(!cfg->process->no_new_privileges);
    CHECK(cfg->linux_->seccomp->default_action == BRIG_SECCOMP_ALLOW);
    brig_config_free(cfg);

    /* Privileged: left alone (engines never confine those). */
    cfg = bundle_cfg(MINIMAL_HEAD MINIMAL_PROC ", \"capabilities\": {\"bounding\": [\"CAP_SYS_ADMIN\"]}}}");
    CHECK(brig_policy_apply(cfg, tmpdir) == 0);
    CHECK_STR(ann(cfg, BRIG_POLICY_ADDED_ANNOTATION), NULL);
    CHECK(!cfg->linux_ || !cfg->linux_->seccomp);
    brig_config_free(cfg);

    /* The bundle opts out of the default mode. */
    cfg = bundle_cfg(MINIMAL_HEAD MINIMAL_PROC "}, \"annotations\": {\"org.brig.policy\": \"off\", "
                     "\"org.brig.policy.added\": \"forged\"}}");
    CHECK(brig_policy_apply(cfg, tmpdir) == 0);
    CHECK(!cfg->linux_ || !cfg->linux_->seccomp);
    CHECK_STR(ann(cfg, BRIG_POLICY_ADDED_ANNOTATION), NULL);
    brig_config_free(cfg);

    /* No process: nothing to confine. */
    cfg = bundle_cfg(MINIMAL_HEAD "\"linux\": {}}");
    CHECK(brig_policy_apply(cfg, tmpdir) == 0);
    CHECK(!cfg->linux_->seccomp);
    brig_config_free(cfg);

    /* --policy off: as written. */
    brig_g.policy = BRIG_POLICY_OFF;
    cfg = bundle_cfg(MINIMAL_HEAD MINIMAL_PROC "}}");
    CHECK(brig_policy_apply(cfg, tmpdir) == 0);
    CHECK(!cfg->linux_ || !cfg->linux_->seccomp);
    CHECK(!cfg->process->no_new_privileges);
    brig_config_free(cfg);
    brig_g.policy = -1;
}

static void test_policy_reapply(void)
{
    brig_g.policy = BRIG_POLICY_DEFAULT;
    struct brig_config *cfg = bundle_cfg(MINIMAL_HEAD MINIMAL_PROC "}}");
    CHECK(brig_policy_apply(cfg, tmpdir) == 0);
    struct brig_config *again = bundle_cfg(MINIMAL_HEAD MINIMAL_PROC "}}");
    CHECK(brig_policy_reapply(again, &cfg->annotations) == 0);
    CHECK(again->linux_->seccomp && again->process->no_new_privileges &&
          again->linux_->masked_paths.n == brig_n_default_masked_paths);
    brig_config_free(cfg);
    brig_config_free(again);
    brig_g.policy = -1;
}

static void test_policy_enforced(void)
{
    brig_g.policy = BRIG_POLICY_RESTRICTED;
    struct brig_config *cfg = bundle_cfg(MINIMAL_HEAD MINIMAL_PROC "}}");
    CHECK(brig_policy_apply(cfg, tmpdir) < 0);
    CHECK_STR_PREFIX(ERR, "policy restricted refuses this bundle (");
    CHECK_STR_CONTAINS(ERR, "linux.seccomp: no seccomp filter");
    CHECK_STR_CONTAINS(ERR, "process.noNewPrivileges:");
    CHECK_STR_CONTAINS(ERR, "[host-pid-namespace]");
    CHECK(!strchr(ERR, '\n'));
    brig_config_free(cfg);

    /* The hardened spec passes; runc's passes baseline only. */
    struct brig_spec_opts o = {.profile = BRIG_SPEC_HARDENED};
    char *text = brig_spec_generate(&o);
    cfg = bundle_cfg(text);
    free(text);
    CHECK_MSG(brig_policy_apply(cfg, tmpdir) == 0, "%s", ERR);
    brig_config_free(cfg);
    o.profile = BRIG_SPEC_RUNC;
    text = brig_spec_generate(&o);
    cfg = bundle_cfg(text);
    CHECK(brig_policy_apply(cfg, tmpdir) < 0);
    CHECK_STR_CONTAINS(ERR, "(9 violations;");
    brig_config_free(cfg);
    brig_g.policy = BRIG_POLICY_BASELINE;
    cfg = bundle_cfg(text);
    CHECK_MSG(brig_policy_apply(cfg, tmpdir) == 0, "%s", ERR);
    brig_config_free(cfg);
    free(text);

    /* A bundle may tighten the host's policy, never loosen it. */
    text = brig_spec_generate(&o);
    char *marked = brig_xasprintf("{\"annotations\": {\"org.brig.policy\": \"off\"}, %s", text + 1);
    cfg = bundle_cfg(marked);
    CHECK(brig_policy_apply(cfg, tmpdir) == 0); /* baseline: passes */
    brig_config_free(cfg);
    brig_g.policy = BRIG_POLICY_RESTRICTED;
    cfg = bundle_cfg(marked);
    CHECK(brig_policy_apply(cfg, tmpdir) < 0);
    brig_config_free(cfg);
    free(marked);
    marked = brig_xasprintf("{\"annotations\": {\"org.brig.policy\": \"restricted\"}, %s", text + 1);
    brig_g.policy = BRIG_POLICY_DEFAULT;
    cfg = bundle_cfg(marked);
    CHECK(brig_policy_apply(cfg, tmpdir) < 0);
    brig_config_free(cfg);
    free(marked);
    marked = brig_xasprintf("{\"annotations\": {\"org.brig.policy\": \"lax\"}, %s", text + 1);
    cfg = bundle_cfg(marked);
    CHECK(brig_policy_apply(cfg, tmpdir) < 0);
    CHECK_STR_CONTAINS(ERR, "annotations[\"org.brig.policy\"]: unknown policy \"lax\"");
    brig_config_free(cfg);
    free(marked);
    free(text);
    brig_g.policy = -1;
}

static void test_policy_config_file(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/brig.json", tmpdir);
    setenv("BRIG_CONFIG", path, 1);
    enum brig_policy_mode m = BRIG_POLICY_RESTRICTED;
    unlink(path);
    CHECK(brig_policy_mode(&m) == 0 && m == BRIG_POLICY_DEFAULT);
    write_file("brig.json", "{\"policy\": \"restricted\"}");
    CHECK(brig_policy_mode(&m) == 0 && m == BRIG_POLICY_RESTRICTED);
    write_file("brig.json", "{\"other\": 1}");
    CHECK(brig_policy_mode(&m) == 0 && m == BRIG_POLICY_DEFAULT);
    write_file("brig.json", "\n");
    m = BRIG_POLICY_OFF;
    CHECK(brig_policy_mode(&m) == 0 && m == BRIG_POLICY_DEFAULT);
    /* --policy wins over the file. */
    write_file("brig.json", "{\"policy\": \"restricted\"}");
    brig_g.policy = BRIG_POLICY_OFF;
    CHECK(brig_policy_mode(&m) == 0 && m == BRIG_POLICY_OFF);
    brig_g.policy = -1;
    /* A broken file is an error, never a silent fallback. */
    write_file("brig.json", "{\"policy\": \"strict\"}");
    CHECK(brig_policy_mode(&m) < 0);
    CHECK_STR_CONTAINS(ERR, "brig.json: policy: unknown policy \"strict\"");
    write_file("brig.json", "{\"policy\": ");
    CHECK(brig_policy_mode(&m) < 0);
    CHECK_STR_CONTAINS(ERR, "invalid JSON");
    write_file("brig.json", "{\"policy\": 3}");
    CHECK(brig_policy_mode(&m) < 0);
    unlink(path);
    unsetenv("BRIG_CONFIG");
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/brig-test-audit.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_hardened_spec_has_no_findings);
    RUN(test_rootless_spec);
    RUN(test_runc_spec_findings);
    RUN(test_root_user);
    RUN(test_capabilities);
    RUN(test_no_new_privileges);
    RUN(test_lsm);
    RUN(test_namespaces);
    RUN(test_seccomp);
    RUN(test_rootfs);
    RUN(test_mounts);
    RUN(test_kernel_paths);
    RUN(test_sysctls);
    RUN(test_devices);
    RUN(test_limits);
    RUN(test_host_reaching_process_settings);
    RUN(test_no_process);
    RUN(test_policy_default_fills_what_is_absent);
    RUN(test_policy_reapply);
    RUN(test_policy_enforced);
    RUN(test_policy_config_file);
    char path[256];
    snprintf(path, sizeof path, "%s/config.json", tmpdir);
    unlink(path);
    rmdir(tmpdir);
    return unit_finish();
}
