/* Unit tests for the config.json parser (runtime/config/).
 *
 * JSON in this file is written with single quotes for readability; j()
 * turns them into double quotes (no test needs a literal single quote). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "brig/oci.h"
#include "brig/error.h"
#include "brig/internal.h"
#include "unit.h"

#ifndef BRIG_SRCDIR
#define BRIG_SRCDIR "."
#endif

/* ---- helpers ---- */

static char *j(const char *s)
{
    char *d = brig_xstrdup(s);
    for (char *p = d; *p; p++)
        if (*p == '\'')
            *p = '"';
    return d;
}

static struct brig_config *parse_ok_at(const char *file, int line, const char *sq)
{
    char *text = j(sq);
    struct brig_config *c = NULL;
    brig_clear_error();
    unit_checks++;
    if (brig_config_parse(text, strlen(text), &c) < 0) {
        unit_case_failures++;
        unit_check_failures++;
        fprintf(stderr, "FAIL %s (%s:%d): parse failed: %s\n    for %s\n", unit_case, file, line,
                brig_last_error(), text);
        c = NULL;
    }
    free(text);
    return c;
}
#define parse_ok(sq) parse_ok_at(__FILE__, __LINE__, sq)

static void parse_err_at(const char *file, int line, const char *sq, const char *expected, bool prefix)
{
    char *text = j(sq);
    struct brig_config *c = (struct brig_config *)(uintptr_t)1;
    brig_clear_error();
    int r = brig_config_parse(text, strlen(text), &c);
    unit_checks++;
    const char *got = brig_last_error();
    bool match = prefix ? strncmp(got, expected, strlen(expected)) == 0 : strcmp(got, expected) == 0;
    if (r != -1 || c != NULL || !match) {
        unit_case_failures++;
        unit_check_failures++;
        fprintf(stderr, "FAIL %s (%s:%d): r=%d out=%p\n    got      \"%s\"\n    expected %s\"%s\"\n    for %s\n",
                unit_case, file, line, r, (void *)c, r == 0 ? "(success)" : got,
                prefix ? "prefix " : "", expected, text);
        if (r == 0)
            brig_config_free(c);
    }
    free(text);
}
#define parse_err(sq, expected) parse_err_at(__FILE__, __LINE__, sq, expected, false)
#define parse_err_prefix(sq, expected) parse_err_at(__FILE__, __LINE__, sq, expected, true)

/* Building blocks: a minimal valid document with one part to vary. */
#define BASE "{'ociVersion':'1.0.2','root':{'path':'rootfs'}"
#define DOC(x) BASE "," x "}"
#define PROC(x) BASE ",'process':{'cwd':'/','args':['sh'],'user':{'uid':0,'gid':0}" x "}}"
#define LINUX(x) BASE ",'linux':{" x "}}"
#define RES(x) LINUX("'resources':{" x "}")
#define SECCOMP(x) LINUX("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW'" x "}")
#define SYSCALL(x) SECCOMP(",'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW'},{" x "}]")

static char *read_text(const char *path, size_t *len)
{
    char *text = NULL;
    if (brig_read_file(path, &text, len) < 0)
        return NULL;
    return text;
}

/* ---- good documents ---- */

static void test_minimal(void)
{
    struct brig_config *c = parse_ok("{'ociVersion':'1.0.0'}");
    if (!c)
        return;
    CHECK_STR(c->oci_version, "1.0.0");
    CHECK(c->root == NULL);
    CHECK(c->process == NULL);
    CHECK(c->linux_ == NULL);
    CHECK(c->hooks == NULL);
    CHECK(c->mounts == NULL && c->n_mounts == 0);
    CHECK(c->annotations.n == 0);
    CHECK(brig_config_namespace(c, BRIG_NS_PID) == NULL);
    brig_config_free(c);

    c = parse_ok(PROC(""));
    if (!c)
        return;
    CHECK_STR(c->root->path, "rootfs");
    CHECK(!c->root->readonly);
    CHECK_STR(c->process->cwd, "/");
    CHECK_INT(c->process->args.n, 1);
    CHECK_STR(c->process->args.v[0], "sh");
    CHECK(c->process->args.v[1] == NULL);
    CHECK(c->process->env.v == NULL);
    CHECK(!c->process->terminal);
    CHECK(c->process->capabilities == NULL);
    CHECK(!c->process->oom_score_adj.set);
    CHECK(!c->process->user.umask.set);
    brig_config_free(c);
}

static struct brig_config *load_full(void)
{
    size_t len;
    char *text = read_text(BRIG_SRCDIR "/tests/unit/fixtures/full.json", &len);
    CHECK_MSG(text != NULL, "read full.json: %s", brig_last_error());
    if (!text)
        return NULL;
    struct brig_config *c = NULL;
    int r = brig_config_parse(text, len, &c);
    CHECK_MSG(r == 0, "parse full.json: %s", brig_last_error());
    free(text);
    return r == 0 ? c : NULL;
}

static void test_full_top(void)
{
    struct brig_config *c = load_full();
    if (!c)
        return;
    CHECK_STR(c->oci_version, "1.2.0");
    CHECK_STR(c->root->path, "rootfs");
    CHECK(c->root->readonly);
    CHECK_STR(c->hostname, "brig-test");
    CHECK_STR(c->domainname, "example.test");

    CHECK_INT(c->n_mounts, 3);
    CHECK_STR(c->mounts[0].destination, "/proc");
    CHECK_STR(c->mounts[0].type, "proc");
    CHECK_STR(c->mounts[0].source, "proc");
    CHECK(c->mounts[0].options.v == NULL);
    CHECK_INT(c->mounts[1].options.n, 4);
    CHECK_STR(c->mounts[1].options.v[3], "size=65536k");
    CHECK_INT(c->mounts[2].n_uid_mappings, 1);
    CHECK_UINT(c->mounts[2].uid_mappings[0].host_id, 100000);
    CHECK_UINT(c->mounts[2].uid_mappings[0].size, 65536);
    CHECK_INT(c->mounts[2].n_gid_mappings, 1);
    CHECK_UINT(c->mounts[2].gid_mappings[0].host_id, 200000);

    CHECK_INT(c->annotations.n, 2);
    CHECK_STR(c->annotations.v[0].key, "org.example.a");
    CHECK_STR(c->annotations.v[0].value, "1");
    CHECK_STR(c->annotations.v[1].key, "org.example.b");
    CHECK_STR(c->annotations.v[1].value, "two");

    struct brig_hooks *h = c->hooks;
    CHECK(h != NULL);
    if (h) {
        CHECK_INT(h->prestart.n, 1);
        CHECK_STR(h->prestart.v[0].path, "/usr/bin/prestart");
        CHECK_INT(h->prestart.v[0].args.n, 2);
        CHECK_STR(h->prestart.v[0].args.v[1], "a");
        CHECK_STR(h->prestart.v[0].env.v[0], "K=V");
        CHECK(!h->prestart.v[0].timeout.set);
        CHECK_INT(h->create_runtime.n, 2);
        CHECK_STR(h->create_runtime.v[1].path, "/usr/bin/cr2");
        CHECK(h->create_runtime.v[1].timeout.set);
        CHECK_INT(h->create_runtime.v[1].timeout.v, 5);
        CHECK_STR(h->create_container.v[0].path, "/usr/bin/cc");
        CHECK_STR(h->start_container.v[0].path, "/usr/bin/sc");
        CHECK_INT(h->poststart.v[0].timeout.v, INT32_MAX);
        CHECK_STR(h->poststop.v[0].args.v[1], "-f");
    }
    brig_config_free(c);
}

static void test_full_process(void)
{
    struct brig_config *c = load_full();
    if (!c)
        return;
    struct brig_process *p = c->process;
    CHECK(p->terminal);
    CHECK(p->has_console_size);
    CHECK_UINT(p->console_height, 25);
    CHECK_UINT(p->console_width, 80);
    CHECK_UINT(p->user.uid, 1000);
    CHECK_UINT(p->user.gid, 1001);
    CHECK(p->user.umask.set);
    CHECK_UINT(p->user.umask.v, 18);
    CHECK_INT(p->user.n_additional_gids, 2);
    CHECK_UINT(p->user.additional_gids[1], UINT32_MAX);
    CHECK_STR(p->user.username, "tester");
    CHECK_INT(p->args.n, 3);
    CHECK_STR(p->args.v[2], "echo hi");
    CHECK_INT(p->env.n, 2);
    CHECK_STR(p->env.v[1], "TERM=xterm");
    CHECK_STR(p->cwd, "/home/tester");

    struct brig_caps *caps = p->capabilities;
    CHECK(caps != NULL);
    if (caps) {
        CHECK(caps->has_bounding && caps->has_effective && caps->has_inheritable &&
              caps->has_permitted && caps->has_ambient);
        CHECK_UINT(caps->bounding, (1ULL << 0) | (1ULL << 5) | (1ULL << 10) | (1ULL << 40));
        CHECK_UINT(caps->effective, (1ULL << 0) | (1ULL << 5));
        CHECK_UINT(caps->inheritable, 0);
        CHECK_UINT(caps->permitted, (1ULL << 0) | (1ULL << 5) | (1ULL << 10));
        CHECK_UINT(caps->ambient, 1ULL << 10);
    }

    CHECK_INT(p->n_rlimits, 3);
    CHECK_STR(p->rlimits[0].type, "RLIMIT_NOFILE");
    CHECK_INT(p->rlimits[0].resource, RLIMIT_NOFILE);
    CHECK_UINT(p->rlimits[0].soft, 1024);
    CHECK_UINT(p->rlimits[0].hard, 4096);
    CHECK_INT(p->rlimits[1].resource, RLIMIT_CORE);
    CHECK_UINT(p->rlimits[1].soft, UINT64_MAX);
    CHECK_UINT(p->rlimits[1].hard, UINT64_MAX);
    CHECK_INT(p->rlimits[2].resource, RLIMIT_MEMLOCK);
    CHECK_UINT(p->rlimits[2].hard, 9223372036854775808ULL);

    CHECK(p->no_new_privileges);
    CHECK_STR(p->apparmor_profile, "brig-default");
    CHECK(p->oom_score_adj.set);
    CHECK_INT(p->oom_score_adj.v, -500);
    CHECK_STR(p->selinux_label, "system_u:system_r:container_t:s0");
    CHECK(p->io_priority != NULL);
    if (p->io_priority) {
        CHECK_STR(p->io_priority->class_name, "IOPRIO_CLASS_BE");
        CHECK_INT(p->io_priority->class_value, 2);
        CHECK_INT(p->io_priority->priority, 4);
    }
    CHECK(p->scheduler != NULL);
    if (p->scheduler) {
        CHECK_STR(p->scheduler->policy, "SCHED_DEADLINE");
        CHECK_INT(p->scheduler->policy_value, 6);
        CHECK(p->scheduler->nice.set);
        CHECK_INT(p->scheduler->nice.v, -5);
        CHECK(p->scheduler->priority.set);
        CHECK_INT(p->scheduler->flags.n, 1);
        CHECK_UINT(p->scheduler->runtime.v, 10000000);
        CHECK_UINT(p->scheduler->deadline.v, 20000000);
        CHECK(p->scheduler->period.set);
        CHECK_UINT(p->scheduler->period.v, UINT64_MAX);
    }
    CHECK_STR(p->exec_cpu_affinity_initial, "0-3,7");
    CHECK_STR(p->exec_cpu_affinity_final, "0");
    brig_config_free(c);
}

static void test_full_linux(void)
{
    struct brig_config *c = load_full();
    if (!c)
        return;
    struct brig_linux *l = c->linux_;
    CHECK_INT(l->n_uid_mappings, 1);
    CHECK_UINT(l->uid_mappings[0].host_id, 1000);
    CHECK_UINT(l->uid_mappings[0].size, 32000);
    CHECK_INT(l->n_gid_mappings, 2);
    CHECK_UINT(l->gid_mappings[1].container_id, 16000);
    CHECK_UINT(l->gid_mappings[1].host_id, UINT32_MAX);
    CHECK_INT(l->sysctl.n, 2);
    CHECK_STR(l->sysctl.v[1].key, "kernel.shmmax");
    CHECK_STR(l->sysctl.v[1].value, "4096");
    CHECK_STR(l->cgroups_path, "/brig/test");

    /* Every namespace type, with its clone flag. */
    static const struct {
        enum brig_ns_type t;
        int flag;
        const char *name;
    } ns[] = {
        {BRIG_NS_PID, CLONE_NEWPID, "pid"},        {BRIG_NS_NETWORK, CLONE_NEWNET, "network"},
        {BRIG_NS_MOUNT, CLONE_NEWNS, "mount"},     {BRIG_NS_IPC, CLONE_NEWIPC, "ipc"},
        {BRIG_NS_UTS, CLONE_NEWUTS, "uts"},        {BRIG_NS_USER, CLONE_NEWUSER, "user"},
        {BRIG_NS_CGROUP, CLONE_NEWCGROUP, "cgroup"}, {BRIG_NS_TIME, 0x80, "time"},
    };
    CHECK_INT(l->n_namespaces, 8);
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(ns); i++) {
        const struct brig_namespace *n = brig_config_namespace(c, ns[i].t);
        CHECK_MSG(n != NULL, "namespace %s missing", ns[i].name);
        if (!n)
            continue;
        CHECK_INT(n->type, ns[i].t);
        CHECK_INT(n->clone_flag, ns[i].flag);
        CHECK_STR(brig_ns_type_name(ns[i].t), ns[i].name);
        CHECK(n == &l->namespaces[i]);
    }
    CHECK_STR(brig_config_namespace(c, BRIG_NS_NETWORK)->path, "/var/run/netns/test");
    CHECK(brig_config_namespace(c, BRIG_NS_PID)->path == NULL);
    CHECK(brig_config_namespace(c, BRIG_NS_TIME)->path == NULL); /* "" means new */
    CHECK(brig_ns_type_name(BRIG_NS_COUNT) == NULL);

    CHECK_INT(l->n_devices, 3);
    CHECK_STR(l->devices[0].path, "/dev/fuse");
    CHECK_INT(l->devices[0].type, 'c');
    CHECK_INT(l->devices[0].major, 10);
    CHECK_INT(l->devices[0].minor, 229);
    CHECK(l->devices[0].file_mode.set);
    CHECK_UINT(l->devices[0].file_mode.v, 0666);
    CHECK(l->devices[0].uid.set && l->devices[0].gid.set);
    CHECK_INT(l->devices[1].type, 'b');
    CHECK(!l->devices[1].file_mode.set);
    CHECK_INT(l->devices[2].type, 'p');

    CHECK_STR(l->rootfs_propagation, "rslave");
    CHECK_INT(l->masked_paths.n, 2);
    CHECK_STR(l->masked_paths.v[1], "/proc/keys");
    CHECK_STR(l->readonly_paths.v[0], "/proc/sys");
    CHECK_STR(l->mount_label, "system_u:object_r:container_file_t:s0");
    CHECK(l->personality != NULL);
    if (l->personality) {
        CHECK_STR(l->personality->domain, "LINUX32");
        CHECK_INT(l->personality->flags.n, 0);
    }
    CHECK(l->time_monotonic.set);
    CHECK_INT(l->time_monotonic.secs, -172800);
    CHECK_UINT(l->time_monotonic.nanosecs, UINT32_MAX);
    CHECK(l->time_boottime.set);
    CHECK_INT(l->time_boottime.secs, 604800);
    CHECK_UINT(l->time_boottime.nanosecs, 0);
    CHECK_INT(l->net_devices.n, 2);
    CHECK_STR(l->net_devices.v[0].key, "eth5");
    CHECK_STR(l->net_devices.v[0].value, "ctr0");
    CHECK_STR(l->net_devices.v[1].key, "dummy0");
    CHECK_STR(l->net_devices.v[1].value, "dummy0");
    brig_config_free(c);
}

static void test_full_resources(void)
{
    struct brig_config *c = load_full();
    if (!c)
        return;
    struct brig_resources *r = c->linux_->resources;
    CHECK_INT(r->n_devices, 3);
    CHECK(!r->devices[0].allow);
    CHECK_INT(r->devices[0].type, 'a');
    CHECK(!r->devices[0].major.set && !r->devices[0].minor.set);
    CHECK_STR(r->devices[0].access, "rwm");
    CHECK(r->devices[1].allow);
    CHECK_INT(r->devices[1].type, 'c');
    CHECK_INT(r->devices[1].major.v, 10);
    CHECK_INT(r->devices[1].minor.v, 229);
    CHECK(r->devices[2].major.set && !r->devices[2].minor.set);

    struct brig_memory *m = r->memory;
    CHECK_INT(m->limit.v, 536870912);
    CHECK_INT(m->reservation.v, 268435456);
    CHECK(m->swap.set);
    CHECK_INT(m->swap.v, -1);
    CHECK_INT(m->kernel.v, -1);
    CHECK_INT(m->kernel_tcp.v, INT64_MIN);
    CHECK_UINT(m->swappiness.v, 60);
    CHECK(m->disable_oom_killer.set && m->disable_oom_killer.v);
    CHECK(m->use_hierarchy.set && !m->use_hierarchy.v);
    CHECK(!m->check_before_update.set);

    struct brig_cpu *cpu = r->cpu;
    CHECK_UINT(cpu->shares.v, 1024);
    CHECK_INT(cpu->quota.v, 100000);
    CHECK_UINT(cpu->burst.v, 1000);
    CHECK_UINT(cpu->period.v, 100000);
    CHECK_INT(cpu->realtime_runtime.v, 950000);
    CHECK_UINT(cpu->realtime_period.v, 1000000);
    CHECK_STR(cpu->cpus, "0-1");
    CHECK_STR(cpu->mems, "0");
    CHECK(cpu->idle.set);
    CHECK_INT(cpu->idle.v, 1);
    CHECK(r->pids_limit.set);
    CHECK_INT(r->pids_limit.v, 32771);

    struct brig_blkio *b = r->block_io;
    CHECK_UINT(b->weight.v, 10);
    CHECK_UINT(b->leaf_weight.v, 65535);
    CHECK_INT(b->n_weight_device, 2);
    CHECK_UINT(b->weight_device[0].leaf_weight.v, 300);
    CHECK(!b->weight_device[1].leaf_weight.set);
    CHECK_INT(b->weight_device[1].minor, 16);
    CHECK_INT(b->n_throttle_read_bps, 1);
    CHECK_UINT(b->throttle_read_bps[0].rate, UINT64_MAX);
    CHECK_UINT(b->throttle_write_bps[0].rate, 1);
    CHECK_UINT(b->throttle_read_iops[0].rate, 2);
    CHECK_UINT(b->throttle_write_iops[0].rate, 300);

    CHECK_INT(r->n_hugepage_limits, 2);
    CHECK_STR(r->hugepage_limits[0].page_size, "2MB");
    CHECK_UINT(r->hugepage_limits[0].limit, 9223372036854772000ULL);
    CHECK_STR(r->hugepage_limits[1].page_size, "1GB");
    CHECK(r->net_class_id.set);
    CHECK_UINT(r->net_class_id.v, 1048577);
    CHECK_INT(r->n_net_priorities, 2);
    CHECK_STR(r->net_priorities[1].name, "eth1");
    CHECK_UINT(r->net_priorities[1].priority, 1000);
    CHECK_INT(r->n_rdma, 2);
    CHECK_STR(r->rdma[0].device, "mlx5_1");
    CHECK_UINT(r->rdma[0].hca_handles.v, 3);
    CHECK_UINT(r->rdma[0].hca_objects.v, 10000);
    CHECK(!r->rdma[1].hca_handles.set);
    CHECK_INT(r->unified.n, 2);
    CHECK_STR(r->unified.v[0].key, "memory.high");
    CHECK_STR(r->unified.v[0].value, "max");
    CHECK_STR(r->unified.v[1].value, "default 100");
    brig_config_free(c);
}

static void test_full_seccomp(void)
{
    struct brig_config *c = load_full();
    if (!c)
        return;
    struct brig_seccomp *s = c->linux_->seccomp;
    CHECK_INT(s->default_action, BRIG_SECCOMP_ERRNO);
    CHECK(s->default_errno_ret.set);
    CHECK_UINT(s->default_errno_ret.v, 1);
    CHECK_INT(s->architectures.n, 3);
    CHECK_STR(s->architectures.v[0], "SCMP_ARCH_X86_64");
    CHECK_INT(s->flags.n, 2);
    CHECK_STR(s->flags.v[1], "SECCOMP_FILTER_FLAG_SPEC_ALLOW");
    CHECK_STR(s->listener_path, "/run/agent.sock");
    CHECK_STR(s->listener_metadata, "meta");
    CHECK_INT(s->n_syscalls, 6);
    CHECK_INT(s->syscalls[0].names.n, 3);
    CHECK_STR(s->syscalls[0].names.v[2], "exit_group");
    CHECK_INT(s->syscalls[0].action, BRIG_SECCOMP_ALLOW);
    CHECK(!s->syscalls[0].errno_ret.set);
    CHECK_INT(s->syscalls[1].n_args, 2);
    CHECK_UINT(s->syscalls[1].args[0].index, 0);
    CHECK_UINT(s->syscalls[1].args[0].value, 4294967295u);
    CHECK_UINT(s->syscalls[1].args[0].value_two, 0);
    CHECK_INT(s->syscalls[1].args[0].op, BRIG_SECCOMP_OP_EQ);
    CHECK_UINT(s->syscalls[1].args[1].index, 5);
    CHECK_UINT(s->syscalls[1].args[1].value, UINT64_MAX);
    CHECK_UINT(s->syscalls[1].args[1].value_two, UINT64_MAX - 1);
    CHECK_INT(s->syscalls[1].args[1].op, BRIG_SECCOMP_OP_MASKED_EQ);
    CHECK_INT(s->syscalls[2].action, BRIG_SECCOMP_ERRNO);
    CHECK_UINT(s->syscalls[2].errno_ret.v, 38);
    CHECK_INT(s->syscalls[3].action, BRIG_SECCOMP_TRACE);
    CHECK_INT(s->syscalls[4].action, BRIG_SECCOMP_NOTIFY);
    CHECK_INT(s->syscalls[5].action, BRIG_SECCOMP_KILL_PROCESS);
    CHECK_INT(s->syscalls[5].args[0].op, BRIG_SECCOMP_OP_NE);
    CHECK_INT(s->syscalls[5].args[1].op, BRIG_SECCOMP_OP_LT);
    CHECK_INT(s->syscalls[5].args[2].op, BRIG_SECCOMP_OP_LE);
    CHECK_INT(s->syscalls[5].args[3].op, BRIG_SECCOMP_OP_GE);
    CHECK_INT(s->syscalls[5].args[4].op, BRIG_SECCOMP_OP_GT);
    brig_config_free(c);
}

static void test_every_action(void)
{
    static const struct {
        const char *name;
        enum brig_seccomp_action a;
    } acts[] = {
        {"SCMP_ACT_KILL", BRIG_SECCOMP_KILL},
        {"SCMP_ACT_KILL_PROCESS", BRIG_SECCOMP_KILL_PROCESS},
        {"SCMP_ACT_KILL_THREAD", BRIG_SECCOMP_KILL_THREAD},
        {"SCMP_ACT_TRAP", BRIG_SECCOMP_TRAP},
        {"SCMP_ACT_ERRNO", BRIG_SECCOMP_ERRNO},
        {"SCMP_ACT_TRACE", BRIG_SECCOMP_TRACE},
        {"SCMP_ACT_ALLOW", BRIG_SECCOMP_ALLOW},
        {"SCMP_ACT_LOG", BRIG_SECCOMP_LOG},
        {"SCMP_ACT_NOTIFY", BRIG_SECCOMP_NOTIFY},
    };
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(acts); i++) {
        char *text = brig_xasprintf("{\"defaultAction\":\"%s\",\"syscalls\":[{\"names\":[\"x\"],"
                                    "\"action\":\"%s\"}]}",
                                    acts[i].name, acts[i].name);
        struct brig_seccomp *s = NULL;
        int r = brig_seccomp_parse(text, strlen(text), &s);
        CHECK_MSG(r == 0, "%s: %s", acts[i].name, brig_last_error());
        if (r == 0) {
            CHECK_INT(s->default_action, acts[i].a);
            CHECK_INT(s->syscalls[0].action, acts[i].a);
        }
        brig_seccomp_free(s);
        free(text);
    }
}

static void test_every_rlimit(void)
{
    static const struct {
        const char *name;
        int res;
    } rl[] = {
        {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_CORE", RLIMIT_CORE},
        {"RLIMIT_CPU", RLIMIT_CPU},       {"RLIMIT_DATA", RLIMIT_DATA},
        {"RLIMIT_FSIZE", RLIMIT_FSIZE},   {"RLIMIT_LOCKS", RLIMIT_LOCKS},
        {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
        {"RLIMIT_NICE", RLIMIT_NICE},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
        {"RLIMIT_NPROC", RLIMIT_NPROC},   {"RLIMIT_RSS", RLIMIT_RSS},
        {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},
        {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
    };
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(rl); i++) {
        char *text = brig_xasprintf("{\"cwd\":\"/\",\"args\":[\"a\"],\"user\":{\"uid\":0,\"gid\":0},"
                                    "\"rlimits\":[{\"type\":\"%s\",\"soft\":1,\"hard\":2}]}",
                                    rl[i].name);
        struct brig_process *p = NULL;
        int r = brig_process_parse(text, strlen(text), &p);
        CHECK_MSG(r == 0, "%s: %s", rl[i].name, brig_last_error());
        if (r == 0)
            CHECK_INT(p->rlimits[0].resource, rl[i].res);
        brig_process_free(p);
        free(text);
    }
}

static void test_enums(void)
{
    static const char *const policies[] = {"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
                                           "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE"};
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(policies); i++) {
        char *sq = brig_xasprintf(PROC(",'scheduler':{'policy':'%s'}"), policies[i]);
        struct brig_config *c = parse_ok(sq);
        if (c) {
            CHECK_STR(c->process->scheduler->policy, policies[i]);
            CHECK_INT(c->process->scheduler->policy_value, (int)i);
            CHECK(!c->process->scheduler->nice.set);
        }
        brig_config_free(c);
        free(sq);
    }
    static const char *const classes[] = {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"};
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(classes); i++) {
        char *sq = brig_xasprintf(PROC(",'ioPriority':{'class':'%s','priority':7}"), classes[i]);
        struct brig_config *c = parse_ok(sq);
        if (c) {
            CHECK_INT(c->process->io_priority->class_value, (int)i + 1);
            CHECK_INT(c->process->io_priority->priority, 7);
        }
        brig_config_free(c);
        free(sq);
    }
    static const char *const props[] = {"private", "rprivate", "shared", "rshared",
                                        "slave", "rslave", "unbindable", "runbindable", ""};
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(props); i++) {
        char *sq = brig_xasprintf(LINUX("'rootfsPropagation':'%s'"), props[i]);
        struct brig_config *c = parse_ok(sq);
        if (c)
            CHECK_STR(c->linux_->rootfs_propagation, props[i]);
        brig_config_free(c);
        free(sq);
    }
}

static void test_caps_api(void)
{
    CHECK_INT(brig_cap_from_name("CAP_CHOWN"), 0);
    CHECK_INT(brig_cap_from_name("cap_chown"), 0);
    CHECK_INT(brig_cap_from_name("CAP_SYS_ADMIN"), 21);
    CHECK_INT(brig_cap_from_name("CAP_AUDIT_READ"), 37);
    CHECK_INT(brig_cap_from_name("CAP_PERFMON"), 38);
    CHECK_INT(brig_cap_from_name("CAP_BPF"), 39);
    CHECK_INT(brig_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
    CHECK_INT(brig_cap_from_name("CHOWN"), -1);
    CHECK_INT(brig_cap_from_name("21"), -1);
    CHECK_INT(brig_cap_from_name("CAP_"), -1);
    CHECK_INT(brig_cap_from_name("CAP_CHOWN "), -1);
    CHECK_INT(brig_cap_from_name(""), -1);
    CHECK_INT(brig_cap_from_name(NULL), -1);
    CHECK_STR(brig_cap_name(0), "CAP_CHOWN");
    CHECK_STR(brig_cap_name(40), "CAP_CHECKPOINT_RESTORE");
    CHECK(brig_cap_name(-1) == NULL);
    CHECK(brig_cap_name(64) == NULL);
    CHECK(brig_cap_last() >= 40 && brig_cap_last() < 64);
    CHECK(brig_cap_name(brig_cap_last()) != NULL);
    CHECK(brig_cap_name(brig_cap_last() + 1) == NULL);
    for (int i = 0; i <= brig_cap_last(); i++) {
        const char *n = brig_cap_name(i);
        CHECK_MSG(n && strncmp(n, "CAP_", 4) == 0, "cap %d has no name", i);
        if (n)
            CHECK_INT(brig_cap_from_name(n), i);
    }
    /* the kernel's last capability, as /proc/sys/kernel/cap_last_cap says */
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    int kl = -1;
    if (f) {
        CHECK(fscanf(f, "%d", &kl) == 1);
        fclose(f);
        CHECK_INT(brig_cap_kernel_last(), kl);
    }
}

/* The state's "created": UTC by hand (util.c), checked against gmtime_r. */
static void test_rfc3339(void)
{
    {
        char *t = brig_rfc3339(0, 0);
        CHECK_STR(t, "1970-01-01T00:00:00.000000000Z");
        free(t);
    }
    {
        char *t = brig_rfc3339(-1, 5);
        CHECK_STR(t, "1969-12-31T23:59:59.000000005Z");
        free(t);
    }
    {
        char *t = brig_rfc3339(951782400, 123456789);
        CHECK_STR(t, "2000-02-29T00:00:00.123456789Z");
        free(t);
    }
    {
        char *t = brig_rfc3339(253402300799LL, 0);
        CHECK_STR(t, "9999-12-31T23:59:59.000000000Z");
        free(t);
    }
    for (long long s = -5000000000LL; s < 20000000000LL; s += 86400LL * 11 + 3607) {
        time_t t = (time_t)s;
        struct tm tm;
        char want[64];
        gmtime_r(&t, &tm);
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.000000042Z", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        char *got = brig_rfc3339(s, 42);
        CHECK_MSG(strcmp(got, want) == 0, "%lld: %s, want %s", s, got, want);
        free(got);
    }
}

/* ---- versions ---- */

static void test_versions(void)
{
    static const char *const good[] = {
        "1.0.0", "1.0.1", "1.0.2", "1.0.2-dev", "1.0.0-rc1", "1.0.0-rc.5", "1.1.0",
        "1.1.0-rc.1", "1.1.0+dev", "1.2.0", "1.2.1", "1.3.0", "1.3.0-rc.1+build.5", "1.3.9",
        "1.10.0", "1.0.0-0.3.7", "1.0.0-x-y-z.--",
    };
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(good); i++) {
        char *sq = brig_xasprintf("{'ociVersion':'%s'}", good[i]);
        struct brig_config *c = parse_ok(sq);
        if (c)
            CHECK_STR(c->oci_version, good[i]);
        brig_config_free(c);
        free(sq);
    }
    static const char *const unsupported[] = {"2.0.0", "0.5.0-dev", "0.1.0", "3.1.4", "10.0.0"};
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(unsupported); i++) {
        char *sq = brig_xasprintf("{'ociVersion':'%s'}", unsupported[i]);
        char *msg = brig_xasprintf("ociVersion: unsupported version \"%s\" (brig supports 1.x)",
                                   unsupported[i]);
        parse_err(sq, msg);
        free(sq);
        free(msg);
    }
    static const char *const malformed[] = {
        "", "1", "1.0", "v1.0.0", "1.0.0-", "1.0.0+", "01.0.0", "1.00.0", "1.0.0 ", " 1.0.0",
        "1.0.0.0", "garbage", "1.0.0-dev..1", "1.0.x", "1..0", "1.0.0_dev", "1.0.0-\u00e9",
    };
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(malformed); i++) {
        char *sq = brig_xasprintf("{'ociVersion':'%s'}", malformed[i]);
        char *msg = brig_xasprintf(
            "ociVersion: malformed version \"%s\" (expected SemVer such as 1.0.2)", malformed[i]);
        parse_err(sq, msg);
        free(sq);
        free(msg);
    }
    parse_err("{}", "ociVersion: required");
    parse_err("{'ociVersion':null}", "ociVersion: required");
    parse_err("{'ociVersion':1}", "ociVersion: expected a string");
    parse_err("{'ociVersion':['1.0.0']}", "ociVersion: expected a string");
}

/* ---- malformed documents ---- */

static void test_invalid_json(void)
{
    parse_err_prefix("{]", "config.json: invalid JSON: ");
    parse_err_prefix("", "config.json: invalid JSON: ");
    parse_err_prefix("{'ociVersion':'1.0.0'", "config.json: invalid JSON: ");
    parse_err_prefix("{'ociVersion':'1.0.0'} {}", "config.json: invalid JSON: ");
    parse_err_prefix("{'ociVersion':'1.0.0',}", "config.json: invalid JSON: ");
    parse_err_prefix("{'ociVersion':'1.0.0' /* c */}", "config.json: invalid JSON: ");
    parse_err("{'ociVersion':'1.0.0'} // c", "config.json: invalid JSON: comments are not allowed");
    parse_err("{'ociVersion':'1.0.0','hostname':'a\\u0000b'}",
              "config.json: invalid JSON: \\u0000 in a string");
    parse_err_prefix("{'ociVersion':'1.0.0','hostname':'\xff'}", "config.json: invalid JSON: ");
    parse_err("[]", "config.json: expected an object");
    parse_err("'1.0.0'", "config.json: expected an object");
    parse_err("null", "config.json: expected an object");
    parse_err("42", "config.json: expected an object");

    /* The error is one line: yajl's picture of the text is dropped. */
    struct brig_config *c = NULL;
    CHECK(brig_config_parse("{]", 2, &c) == -1);
    CHECK(strchr(brig_last_error(), '\n') == NULL);

    /* len is authoritative: no reading past it, and NUL bytes are refused. */
    static const char doc[] = "{\"ociVersion\":\"1.0.0\"}";
    CHECK(brig_config_parse(doc, sizeof doc - 2, &c) == -1);
    CHECK(c == NULL);
    CHECK(brig_config_parse(doc, sizeof doc, &c) == -1); /* includes the NUL */
    CHECK_STR(brig_last_error(), "config.json: invalid JSON: NUL byte in the text");
    CHECK(brig_config_parse(doc, sizeof doc - 1, &c) == 0);
    brig_config_free(c);
    c = NULL;
    CHECK(brig_config_parse(NULL, 0, &c) == -1);
    CHECK(c == NULL);

    /* Nesting: CFG_MAX_DEPTH (64) levels are fine, 65 are not. */
    for (int depth = 63; depth <= 65; depth++) {
        size_t n = (size_t)depth;
        char *text = brig_xmalloc(64 + 2 * n);
        int off = sprintf(text, "{\"ociVersion\":\"1.0.0\",\"x\":");
        /* the outer object is level 1, then depth-1 arrays */
        for (size_t i = 0; i + 1 < n; i++)
            text[off++] = '[';
        for (size_t i = 0; i + 1 < n; i++)
            text[off++] = ']';
        text[off++] = '}';
        text[off] = '\0';
        int r = brig_config_parse(text, (size_t)off, &c);
        if (depth <= 64) {
            CHECK_MSG(r == 0, "depth %d: %s", depth, brig_last_error());
            brig_config_free(c);
        } else {
            CHECK(r == -1);
            CHECK_STR(brig_last_error(), "config.json: invalid JSON: nested deeper than 64 levels");
        }
        free(text);
    }
    /* Brackets inside strings do not count. */
    c = parse_ok("{'ociVersion':'1.0.0','hostname':'[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\\'}");
    brig_config_free(c);
    /* A deep document (hostile input) is refused without a crash. */
    size_t big = 200000;
    char *deep = brig_xmalloc(big + 1);
    memset(deep, '[', big);
    deep[big] = '\0';
    CHECK(brig_config_parse(deep, big, &c) == -1);
    free(deep);
}

static void test_numbers(void)
{
    /* uint64: the whole range, nothing outside it. */
    struct brig_config *c = parse_ok(PROC(",'rlimits':[{'type':'RLIMIT_CORE','soft':0,"
                                          "'hard':18446744073709551615}]"));
    if (c)
        CHECK_UINT(c->process->rlimits[0].hard, UINT64_MAX);
    brig_config_free(c);
    parse_err(PROC(",'rlimits':[{'type':'RLIMIT_CORE','soft':0,'hard':18446744073709551616}]"),
              "process.rlimits[0].hard: 18446744073709551616 out of range (0..18446744073709551615)");
    parse_err(PROC(",'rlimits':[{'type':'RLIMIT_CORE','soft':0,'hard':99999999999999999999999}]"),
              "process.rlimits[0].hard: 99999999999999999999999 out of range (0..18446744073709551615)");
    parse_err(PROC(",'rlimits':[{'type':'RLIMIT_CORE','soft':-1,'hard':1}]"),
              "process.rlimits[0].soft: -1 out of range (0..18446744073709551615)");
    parse_err(PROC(",'rlimits':[{'type':'RLIMIT_CORE','soft':1.5,'hard':1}]"),
              "process.rlimits[0].soft: expected an integer, got 1.5");
    parse_err(PROC(",'rlimits':[{'type':'RLIMIT_CORE','soft':1.0,'hard':1}]"),
              "process.rlimits[0].soft: expected an integer, got 1.0");
    parse_err(PROC(",'rlimits':[{'type':'RLIMIT_CORE','soft':1e3,'hard':1}]"),
              "process.rlimits[0].soft: expected an integer, got 1e3");
    parse_err(PROC(",'rlimits':[{'type':'RLIMIT_CORE','soft':1,'hard':'1'}]"),
              "process.rlimits[0].hard: expected a number");
    parse_err(PROC(",'rlimits':[{'type':'RLIMIT_CORE','soft':1,'hard':true}]"),
              "process.rlimits[0].hard: expected a number");
    c = parse_ok(PROC(",'rlimits':[{'type':'RLIMIT_CORE','soft':-0,'hard':0}]"));
    if (c)
        CHECK_UINT(c->process->rlimits[0].soft, 0);
    brig_config_free(c);

    /* int64: both ends, including INT64_MIN, which yajl cannot represent. */
    c = parse_ok(RES("'memory':{'limit':9223372036854775807,'swap':-9223372036854775808}"));
    if (c) {
        CHECK_INT(c->linux_->resources->memory->limit.v, INT64_MAX);
        CHECK_INT(c->linux_->resources->memory->swap.v, INT64_MIN);
    }
    brig_config_free(c);
    parse_err(RES("'memory':{'limit':9223372036854775808}"),
              "linux.resources.memory.limit: 9223372036854775808 out of range "
              "(-9223372036854775808..9223372036854775807)");
    parse_err(RES("'memory':{'swap':-9223372036854775809}"),
              "linux.resources.memory.swap: -9223372036854775809 out of range "
              "(-9223372036854775808..9223372036854775807)");

    /* uint32, int32 and uint16 are range-checked. */
    c = parse_ok(BASE ",'process':{'cwd':'/','args':['sh'],'user':{'uid':4294967295,'gid':0}}}");
    if (c)
        CHECK_UINT(c->process->user.uid, UINT32_MAX);
    brig_config_free(c);
    parse_err(BASE ",'process':{'cwd':'/','args':['sh'],'user':{'uid':4294967296,'gid':0}}}",
              "process.user.uid: 4294967296 out of range (0..4294967295)");
    parse_err(BASE ",'process':{'cwd':'/','args':['sh'],'user':{'uid':0,'gid':-1}}}",
              "process.user.gid: -1 out of range (0..4294967295)");
    parse_err(PROC(",'scheduler':{'policy':'SCHED_OTHER','nice':2147483648}"),
              "process.scheduler.nice: 2147483648 out of range (-2147483648..2147483647)");
    parse_err(PROC(",'scheduler':{'policy':'SCHED_OTHER','priority':-2147483649}"),
              "process.scheduler.priority: -2147483649 out of range (-2147483648..2147483647)");
    parse_err(RES("'blockIO':{'weight':65536}"),
              "linux.resources.blockIO.weight: 65536 out of range (0..65535)");
    parse_err(RES("'blockIO':{'weightDevice':[{'major':8,'minor':0,'leafWeight':70000}]}"),
              "linux.resources.blockIO.weightDevice[0].leafWeight: 70000 out of range (0..65535)");
    parse_err(PROC(",'oomScoreAdj':1001"), "process.oomScoreAdj: 1001 out of range (-1000..1000)");
    parse_err(PROC(",'oomScoreAdj':-1001"), "process.oomScoreAdj: -1001 out of range (-1000..1000)");
    parse_err(PROC(",'ioPriority':{'class':'IOPRIO_CLASS_RT','priority':8}"),
              "process.ioPriority.priority: 8 out of range (0..7)");
    /* A long number is cut in the message. */
    parse_err_prefix(PROC(",'oomScoreAdj':1"
                          "0000000000000000000000000000000000000000000000000000000000000000000000"
                          "0000000000000000000000000000000000000000000000000000000000000000000000"),
                     "process.oomScoreAdj: 1000000000");
}

/* One case per field kind: the message names the JSON path. */
static void test_type_errors_top(void)
{
    parse_err(DOC("'root':'rootfs'"), "root: expected an object");
    parse_err(DOC("'root':{}"), "root.path: required");
    parse_err(DOC("'root':{'path':''}"), "root.path: must not be empty");
    parse_err(DOC("'root':{'path':1}"), "root.path: expected a string");
    parse_err(DOC("'root':{'path':'r','readonly':'yes'}"), "root.readonly: expected a boolean");
    parse_err(DOC("'hostname':1"), "hostname: expected a string");
    parse_err(DOC("'domainname':{}"), "domainname: expected a string");
    parse_err(DOC("'mounts':{}"), "mounts: expected an array");
    parse_err(DOC("'mounts':[1]"), "mounts[0]: expected an object");
    parse_err(DOC("'mounts':[{'destination':'/a'},{}]"), "mounts[1].destination: required");
    parse_err(DOC("'mounts':[{'destination':'/a','source':2}]"), "mounts[0].source: expected a string");
    parse_err(DOC("'mounts':[{'destination':'/a','type':[]}]"), "mounts[0].type: expected a string");
    parse_err(DOC("'mounts':[{'destination':'/a','options':'ro'}]"),
              "mounts[0].options: expected an array of strings");
    parse_err(DOC("'mounts':[{'destination':'/a','options':['ro',1]}]"),
              "mounts[0].options[1]: expected a string");
    parse_err(DOC("'mounts':[{'destination':'/a','uidMappings':[{'containerID':0,'hostID':1}]}]"),
              "mounts[0].uidMappings[0].size: required");
    parse_err(DOC("'mounts':[{'destination':'/a','gidMappings':{}}]"),
              "mounts[0].gidMappings: expected an array");
    parse_err(DOC("'annotations':[]"), "annotations: expected an object of strings");
    parse_err(DOC("'annotations':{'a':'1','b.c':2}"), "annotations[\"b.c\"]: expected a string");
    parse_err(DOC("'annotations':{'a':null}"), "annotations[\"a\"]: expected a string");
    parse_err(DOC("'process':[]"), "process: expected an object");
    parse_err(DOC("'linux':'x'"), "linux: expected an object");
    parse_err(DOC("'hooks':[]"), "hooks: expected an object");
}

static void test_type_errors_process(void)
{
    parse_err(DOC("'process':{'args':['sh'],'user':{'uid':0,'gid':0}}"), "process.cwd: required");
    parse_err(DOC("'process':{'cwd':'tmp','args':['sh'],'user':{'uid':0,'gid':0}}"),
              "process.cwd: must be an absolute path, got \"tmp\"");
    parse_err(DOC("'process':{'cwd':1,'args':['sh'],'user':{'uid':0,'gid':0}}"),
              "process.cwd: expected a string");
    parse_err(DOC("'process':{'cwd':'/','args':['sh']}"), "process.user: required");
    parse_err(DOC("'process':{'cwd':'/','args':['sh'],'user':[]}"), "process.user: expected an object");
    parse_err(DOC("'process':{'cwd':'/','args':['sh'],'user':{'gid':0}}"), "process.user.uid: required");
    parse_err(DOC("'process':{'cwd':'/','args':['sh'],'user':{'uid':0}}"), "process.user.gid: required");
    parse_err(DOC("'process':{'cwd':'/','args':['sh'],'user':{'uid':'0','gid':0}}"),
              "process.user.uid: expected a number");
    parse_err(DOC("'process':{'cwd':'/','args':['sh'],'user':{'uid':0,'gid':0,'umask':'022'}}"),
              "process.user.umask: expected a number");
    parse_err(DOC("'process':{'cwd':'/','args':['sh'],'user':{'uid':0,'gid':0,'additionalGids':[1,'x']}}"),
              "process.user.additionalGids[1]: expected a number");
    parse_err(DOC("'process':{'cwd':'/','args':['sh'],'user':{'uid':0,'gid':0,'username':0}}"),
              "process.user.username: expected a string");
    parse_err(DOC("'process':{'cwd':'/','user':{'uid':0,'gid':0}}"), "process.args: required");
    parse_err(DOC("'process':{'cwd':'/','args':[],'user':{'uid':0,'gid':0}}"),
              "process.args: must not be empty");
    parse_err(DOC("'process':{'cwd':'/','args':'sh','user':{'uid':0,'gid':0}}"),
              "process.args: expected an array of strings");
    parse_err(DOC("'process':{'cwd':'/','args':['sh',null],'user':{'uid':0,'gid':0}}"),
              "process.args[1]: expected a string");
    parse_err(PROC(",'env':'A=B'"), "process.env: expected an array of strings");
    parse_err(PROC(",'env':['A=B',{}]"), "process.env[1]: expected a string");
    parse_err(PROC(",'terminal':'true'"), "process.terminal: expected a boolean");
    parse_err(PROC(",'terminal':1"), "process.terminal: expected a boolean");
    parse_err(PROC(",'consoleSize':{'height':1}"), "process.consoleSize.width: required");
    parse_err(PROC(",'consoleSize':[1,2]"), "process.consoleSize: expected an object");
    parse_err(PROC(",'commandLine':[]"), "process.commandLine: expected a string");
    parse_err(PROC(",'noNewPrivileges':'yes'"), "process.noNewPrivileges: expected a boolean");
    parse_err(PROC(",'apparmorProfile':1"), "process.apparmorProfile: expected a string");
    parse_err(PROC(",'selinuxLabel':false"), "process.selinuxLabel: expected a string");
    parse_err(PROC(",'oomScoreAdj':'1'"), "process.oomScoreAdj: expected a number");

    parse_err(PROC(",'capabilities':[]"), "process.capabilities: expected an object");
    parse_err(PROC(",'capabilities':{'bounding':'CAP_KILL'}"),
              "process.capabilities.bounding: expected an array of strings");
    parse_err(PROC(",'capabilities':{'effective':['CAP_CHOWN',7]}"),
              "process.capabilities.effective[1]: expected a string");
    /* Unknown names are a warning and are ignored (runtime-spec 1.3). */
    {
        struct brig_config *c = parse_ok(PROC(",'capabilities':{'bounding':['CAP_CHOWN','CAP_KILL','CAP_FOO'],"
                                              "'inheritable':['KILL'],'permitted':['CAP_64'],'ambient':['']}"));
        if (c) {
            CHECK(c->process->capabilities->bounding == ((UINT64_C(1) << 0) | (UINT64_C(1) << 5)));
            CHECK(c->process->capabilities->has_inheritable && c->process->capabilities->inheritable == 0);
            CHECK(c->process->capabilities->permitted == 0 && c->process->capabilities->ambient == 0);
            brig_config_free(c);
        }
    }

    parse_err(PROC(",'rlimits':{}"), "process.rlimits: expected an array");
    parse_err(PROC(",'rlimits':['RLIMIT_CORE']"), "process.rlimits[0]: expected an object");
    parse_err(PROC(",'rlimits':[{'type':'RLIMIT_FOO','soft':1,'hard':1}]"),
              "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"");
    parse_err(PROC(",'rlimits':[{'type':'rlimit_core','soft':1,'hard':1}]"),
              "process.rlimits[0].type: unknown rlimit \"rlimit_core\"");
    parse_err(PROC(",'rlimits':[{'soft':1,'hard':1}]"), "process.rlimits[0].type: required");
    parse_err(PROC(",'rlimits':[{'type':'RLIMIT_CORE','hard':1}]"), "process.rlimits[0].soft: required");
    parse_err(PROC(",'rlimits':[{'type':'RLIMIT_CORE','soft':1,'hard':1},"
                   "{'type':'RLIMIT_NOFILE','soft':1,'hard':'x'}]"),
              "process.rlimits[1].hard: expected a number");
    parse_err(PROC(",'rlimits':[{'type':'RLIMIT_CORE','soft':1,'hard':1},"
                   "{'type':'RLIMIT_CORE','soft':2,'hard':2}]"),
              "process.rlimits[1].type: duplicate rlimit \"RLIMIT_CORE\"");

    parse_err(PROC(",'ioPriority':{'priority':1}"), "process.ioPriority.class: required");
    parse_err(PROC(",'ioPriority':{'class':'IOPRIO_CLASS_NONE'}"),
              "process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\"");
    parse_err(PROC(",'scheduler':{}"), "process.scheduler.policy: required");
    parse_err(PROC(",'scheduler':{'policy':'SCHED_FAST'}"),
              "process.scheduler.policy: unknown scheduler policy \"SCHED_FAST\"");
    parse_err(PROC(",'scheduler':{'policy':'SCHED_RR','flags':['SCHED_FLAG_RECLAIM','X']}"),
              "process.scheduler.flags[1]: unknown scheduler flag \"X\"");
    parse_err(PROC(",'scheduler':{'policy':'SCHED_RR','runtime':-1}"),
              "process.scheduler.runtime: -1 out of range (0..18446744073709551615)");
    parse_err(PROC(",'execCPUAffinity':{'initial':'0-3;rm'}"),
              "process.execCPUAffinity.initial: invalid CPU list \"0-3;rm\"");
    parse_err(PROC(",'execCPUAffinity':{'final':3}"), "process.execCPUAffinity.final: expected a string");
}

static void test_type_errors_hooks(void)
{
    parse_err(DOC("'hooks':{'prestart':{}}"), "hooks.prestart: expected an array");
    parse_err(DOC("'hooks':{'createRuntime':[{'path':'/bin/a'},{}]}"), "hooks.createRuntime[1].path: required");
    parse_err(DOC("'hooks':{'createContainer':[{'path':'bin/a'}]}"),
              "hooks.createContainer[0].path: must be an absolute path, got \"bin/a\"");
    parse_err(DOC("'hooks':{'startContainer':['/bin/a']}"), "hooks.startContainer[0]: expected an object");
    parse_err(DOC("'hooks':{'poststart':[{'path':'/a','args':'x'}]}"),
              "hooks.poststart[0].args: expected an array of strings");
    parse_err(DOC("'hooks':{'poststop':[{'path':'/a','env':[1]}]}"), "hooks.poststop[0].env[0]: expected a string");
    parse_err(DOC("'hooks':{'poststop':[{'path':'/a','timeout':0}]}"),
              "hooks.poststop[0].timeout: 0 out of range (1..2147483647)");
    parse_err(DOC("'hooks':{'poststop':[{'path':'/a','timeout':'5'}]}"),
              "hooks.poststop[0].timeout: expected a number");
}

static void test_type_errors_linux(void)
{
    parse_err(LINUX("'namespaces':{}"), "linux.namespaces: expected an array");
    parse_err(LINUX("'namespaces':['pid']"), "linux.namespaces[0]: expected an object");
    parse_err(LINUX("'namespaces':[{'path':'/proc/1/ns/pid'}]"), "linux.namespaces[0].type: required");
    parse_err(LINUX("'namespaces':[{'type':'pid'},{'type':'mount'},{'type':'foo'}]"),
              "linux.namespaces[2].type: unknown namespace type \"foo\"");
    parse_err(LINUX("'namespaces':[{'type':'pid'},{'type':'PID'}]"),
              "linux.namespaces[1].type: unknown namespace type \"PID\"");
    parse_err(LINUX("'namespaces':[{'type':'pid'},{'type':'net'}]"),
              "linux.namespaces[1].type: unknown namespace type \"net\"");
    parse_err(LINUX("'namespaces':[{'type':'pid'},{'type':'ipc'},{'type':'pid','path':'/proc/1/ns/pid'}]"),
              "linux.namespaces[2].type: duplicate namespace type \"pid\"");
    parse_err(LINUX("'namespaces':[{'type':'network','path':'run/netns/x'}]"),
              "linux.namespaces[0].path: must be an absolute path, got \"run/netns/x\"");
    parse_err(LINUX("'namespaces':[{'type':'network','path':7}]"), "linux.namespaces[0].path: expected a string");

    parse_err(LINUX("'uidMappings':[{'containerID':0,'hostID':1000,'size':'1'}]"),
              "linux.uidMappings[0].size: expected a number");
    parse_err(LINUX("'gidMappings':[{'hostID':1000,'size':1}]"), "linux.gidMappings[0].containerID: required");
    parse_err(LINUX("'gidMappings':[{'containerID':0,'size':1}]"), "linux.gidMappings[0].hostID: required");
    parse_err(LINUX("'uidMappings':[[0,1000,1]]"), "linux.uidMappings[0]: expected an object");
    parse_err(LINUX("'sysctl':{'net.ipv4.ip_forward':1}"),
              "linux.sysctl[\"net.ipv4.ip_forward\"]: expected a string");
    parse_err(LINUX("'sysctl':['a=b']"), "linux.sysctl: expected an object of strings");
    parse_err(LINUX("'cgroupsPath':1"), "linux.cgroupsPath: expected a string");
    parse_err(LINUX("'rootfsPropagation':'private2'"), "linux.rootfsPropagation: unknown propagation \"private2\"");
    parse_err(LINUX("'maskedPaths':'/proc/kcore'"), "linux.maskedPaths: expected an array of strings");
    parse_err(LINUX("'maskedPaths':['/proc/kcore','proc/keys']"),
              "linux.maskedPaths[1]: must be an absolute path, got \"proc/keys\"");
    parse_err(LINUX("'readonlyPaths':['/proc/sys',1]"), "linux.readonlyPaths[1]: expected a string");
    parse_err(LINUX("'readonlyPaths':['']"), "linux.readonlyPaths[0]: must be an absolute path, got \"\"");
    parse_err(LINUX("'mountLabel':{}"), "linux.mountLabel: expected a string");
    parse_err(LINUX("'personality':{}"), "linux.personality.domain: required");
    parse_err(LINUX("'personality':{'domain':'LINUX64'}"),
              "linux.personality.domain: unknown personality domain \"LINUX64\"");
    parse_err(LINUX("'personality':{'domain':'LINUX','flags':'x'}"),
              "linux.personality.flags: expected an array of strings");
    parse_err(LINUX("'timeOffsets':{'monotonic':{'secs':'1'}}"), "linux.timeOffsets.monotonic.secs: expected a number");
    parse_err(LINUX("'timeOffsets':{'boottime':{'nanosecs':-1}}"),
              "linux.timeOffsets.boottime.nanosecs: -1 out of range (0..4294967295)");
    parse_err(LINUX("'timeOffsets':{'boottime':1}"), "linux.timeOffsets.boottime: expected an object");
    parse_err(LINUX("'netDevices':{'eth0':{'name':23}}"), "linux.netDevices[\"eth0\"].name: expected a string");
    parse_err(LINUX("'netDevices':{'eth0':'x'}"), "linux.netDevices[\"eth0\"]: expected an object");

    parse_err(LINUX("'devices':[{'type':'c','major':1,'minor':3}]"), "linux.devices[0].path: required");
    parse_err(LINUX("'devices':[{'path':'/dev/null','major':1,'minor':3}]"), "linux.devices[0].type: required");
    parse_err(LINUX("'devices':[{'path':'/dev/null','type':'x','major':1,'minor':3}]"),
              "linux.devices[0].type: unknown device type \"x\" (expected c, b, u or p)");
    parse_err(LINUX("'devices':[{'path':'/dev/null','type':'cc','major':1,'minor':3}]"),
              "linux.devices[0].type: unknown device type \"cc\" (expected c, b, u or p)");
    parse_err(LINUX("'devices':[{'path':'/dev/null','type':'c','minor':3}]"), "linux.devices[0].major: required");
    parse_err(LINUX("'devices':[{'path':'/dev/sda','type':'b','major':8}]"), "linux.devices[0].minor: required");
    parse_err(LINUX("'devices':[{'path':'/dev/x','type':'u','major':'8','minor':0}]"),
              "linux.devices[0].major: expected a number");
    parse_err(LINUX("'devices':[{'path':'/dev/x','type':'c','major':8,'minor':0,'fileMode':-1}]"),
              "linux.devices[0].fileMode: -1 out of range (0..4294967295)");
    parse_err(LINUX("'devices':[{'path':'/dev/x','type':'c','major':8,'minor':0,'uid':'root'}]"),
              "linux.devices[0].uid: expected a number");
    parse_err(LINUX("'devices':[{'path':'/dev/x','type':'p','gid':1.5}]"),
              "linux.devices[0].gid: expected an integer, got 1.5");
}

static void test_type_errors_resources(void)
{
    parse_err(LINUX("'resources':[]"), "linux.resources: expected an object");
    parse_err(RES("'devices':[{'access':'rwm'}]"), "linux.resources.devices[0].allow: required");
    parse_err(RES("'devices':[{'allow':'no'}]"), "linux.resources.devices[0].allow: expected a boolean");
    parse_err(RES("'devices':[{'allow':true,'type':'p'}]"),
              "linux.resources.devices[0].type: unknown device type \"p\" (expected a, c or b)");
    parse_err(RES("'devices':[{'allow':true,'access':'rwx'}]"),
              "linux.resources.devices[0].access: invalid access \"rwx\" (expected letters from rwm)");
    parse_err(RES("'devices':[{'allow':true,'major':'*'}]"), "linux.resources.devices[0].major: expected a number");
    parse_err(RES("'memory':{'limit':'1G'}"), "linux.resources.memory.limit: expected a number");
    parse_err(RES("'memory':{'swappiness':-1}"),
              "linux.resources.memory.swappiness: -1 out of range (0..18446744073709551615)");
    parse_err(RES("'memory':{'disableOOMKiller':1}"), "linux.resources.memory.disableOOMKiller: expected a boolean");
    parse_err(RES("'memory':[]"), "linux.resources.memory: expected an object");
    parse_err(RES("'cpu':{'shares':-2}"), "linux.resources.cpu.shares: -2 out of range (0..18446744073709551615)");
    parse_err(RES("'cpu':{'quota':1.5}"), "linux.resources.cpu.quota: expected an integer, got 1.5");
    parse_err(RES("'cpu':{'cpus':0}"), "linux.resources.cpu.cpus: expected a string");
    parse_err(RES("'pids':{}"), "linux.resources.pids.limit: required");
    parse_err(RES("'pids':{'limit':'max'}"), "linux.resources.pids.limit: expected a number");
    parse_err(RES("'blockIO':{'weightDevice':[{'major':8,'weight':10}]}"),
              "linux.resources.blockIO.weightDevice[0].minor: required");
    parse_err(RES("'blockIO':{'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':-1}]}"),
              "linux.resources.blockIO.throttleReadBpsDevice[0].rate: -1 out of range (0..18446744073709551615)");
    parse_err(RES("'blockIO':{'throttleWriteIOPSDevice':[7]}"),
              "linux.resources.blockIO.throttleWriteIOPSDevice[0]: expected an object");
    parse_err(RES("'hugepageLimits':[{'pageSize':'64kB','limit':1234123}]"),
              "linux.resources.hugepageLimits[0].pageSize: invalid page size \"64kB\" (expected such as 2MB, 64KB, 1GB)");
    parse_err(RES("'hugepageLimits':[{'pageSize':'../../x/2MB','limit':1}]"),
              "linux.resources.hugepageLimits[0].pageSize: invalid page size \"../../x/2MB\" "
              "(expected such as 2MB, 64KB, 1GB)");
    parse_err(RES("'hugepageLimits':[{'pageSize':'2MB'}]"), "linux.resources.hugepageLimits[0].limit: required");
    parse_err(RES("'network':{'classID':'1'}"), "linux.resources.network.classID: expected a number");
    parse_err(RES("'network':{'priorities':[{'name':'eth0'}]}"),
              "linux.resources.network.priorities[0].priority: required");
    parse_err(RES("'rdma':{'mlx5_1':{'hcaHandles':'not a uint32'}}"),
              "linux.resources.rdma[\"mlx5_1\"].hcaHandles: expected a number");
    parse_err(RES("'rdma':{'mlx5_1':[]}"), "linux.resources.rdma[\"mlx5_1\"]: expected an object");
    parse_err(RES("'unified':{'memory.max':1048576}"), "linux.resources.unified[\"memory.max\"]: expected a string");
    parse_err(RES("'unified':'memory.max=1'"), "linux.resources.unified: expected an object of strings");
    parse_err(RES("'unified':{'cgroup.procs':'1'}"),
              "linux.resources.unified[\"cgroup.procs\"]: cgroup.procs is the cgroup's own interface, not a resource limit: refused");
    parse_err_prefix(RES("'unified':{'memory.max':'1','cgroup.type':'threaded'}"), "linux.resources.unified[\"cgroup.type\"]:");
    parse_err(RES("'unified':{'../memory.max':'1'}"),
              "linux.resources.unified[\"../memory.max\"]: \"../memory.max\" is not a file of a cgroup controller (CONTROLLER.FILE)");
    parse_err_prefix(RES("'unified':{'memory':'1'}"), "linux.resources.unified[\"memory\"]: \"memory\" is not a file");
}

static void test_type_errors_seccomp(void)
{
    parse_err(LINUX("'seccomp':{}"), "linux.seccomp.defaultAction: required");
    parse_err(LINUX("'seccomp':{'defaultAction':'SCMP_ACT_DENY'}"),
              "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_DENY\"");
    parse_err(LINUX("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','defaultErrnoRet':1}"),
              "linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
    parse_err(SECCOMP(",'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_VAX']"),
              "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\"");
    parse_err(SECCOMP(",'flags':['SECCOMP_FILTER_FLAG_FOO']"),
              "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_FOO\"");
    parse_err(SECCOMP(",'listenerMetadata':'x'"),
              "linux.seccomp.listenerMetadata: not allowed without listenerPath");
    parse_err(SECCOMP(",'listenerPath':1"), "linux.seccomp.listenerPath: expected a string");
    parse_err(SECCOMP(",'syscalls':{}"), "linux.seccomp.syscalls: expected an array");
    parse_err(SECCOMP(",'syscalls':[{'names':['read'],'action':'X'}]"),
              "linux.seccomp.syscalls[0].action: unknown action \"X\"");
    parse_err(SYSCALL("'names':['read']"), "linux.seccomp.syscalls[1].action: required");
    parse_err(SYSCALL("'action':'SCMP_ACT_ALLOW'"), "linux.seccomp.syscalls[1].names: required");
    parse_err(SYSCALL("'names':[],'action':'SCMP_ACT_ALLOW'"), "linux.seccomp.syscalls[1].names: must not be empty");
    parse_err(SYSCALL("'names':'read','action':'SCMP_ACT_ALLOW'"),
              "linux.seccomp.syscalls[1].names: expected an array of strings");
    parse_err(SYSCALL("'names':['read'],'action':'SCMP_ACT_KILL','errnoRet':1"),
              "linux.seccomp.syscalls[1].errnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
    parse_err(SYSCALL("'names':['read'],'action':'SCMP_ACT_ERRNO','errnoRet':-1"),
              "linux.seccomp.syscalls[1].errnoRet: -1 out of range (0..4294967295)");
    parse_err(SYSCALL("'names':['read'],'action':'SCMP_ACT_ALLOW','args':{}"),
              "linux.seccomp.syscalls[1].args: expected an array");
    parse_err(SYSCALL("'names':['read'],'action':'SCMP_ACT_ALLOW','args':[{'index':0,'value':1,"
                      "'op':'SCMP_CMP_EQ'},{'index':1,'value':1,'op':'X'}]"),
              "linux.seccomp.syscalls[1].args[1].op: unknown operator \"X\"");
    parse_err(SYSCALL("'names':['read'],'action':'SCMP_ACT_ALLOW','args':[{'index':6,'value':1,"
                      "'op':'SCMP_CMP_EQ'}]"),
              "linux.seccomp.syscalls[1].args[0].index: 6 out of range (0..5)");
    parse_err(SYSCALL("'names':['read'],'action':'SCMP_ACT_ALLOW','args':[{'index':0,'op':'SCMP_CMP_EQ'}]"),
              "linux.seccomp.syscalls[1].args[0].value: required");
    parse_err(SYSCALL("'names':['read'],'action':'SCMP_ACT_ALLOW','args':[{'index':0,'value':-1,"
                      "'op':'SCMP_CMP_EQ'}]"),
              "linux.seccomp.syscalls[1].args[0].value: -1 out of range (0..18446744073709551615)");
    parse_err(SYSCALL("'names':['read'],'action':'SCMP_ACT_ALLOW','args':[{'index':0,'value':1,"
                      "'valueTwo':'1','op':'SCMP_CMP_MASKED_EQ'}]"),
              "linux.seccomp.syscalls[1].args[0].valueTwo: expected a number");
}

/* Values are quoted safely and cut when long. */
static void test_message_quoting(void)
{
    parse_err(LINUX("'namespaces':[{'type':'a\\nb\\u001b[31m'}]"),
              "linux.namespaces[0].type: unknown namespace type \"a?b?[31m\"");
    char *longname = brig_xmalloc(300);
    memset(longname, 'x', 299);
    longname[299] = '\0';
    char *sq = brig_xasprintf(LINUX("'namespaces':[{'type':'%s'}]"), longname);
    parse_err_prefix(sq, "linux.namespaces[0].type: unknown namespace type \"xxxxxxxx");
    CHECK(strlen(brig_last_error()) < 200);
    CHECK_STR_CONTAINS(brig_last_error(), "...\"");
    free(sq);
    sq = brig_xasprintf(LINUX("'sysctl':{'%s':1}"), longname);
    parse_err_prefix(sq, "linux.sysctl[\"xxxxxxxxxx");
    CHECK_STR_CONTAINS(brig_last_error(), "...\"]: expected a string");
    free(sq);
    free(longname);
}

/* ---- semantics ---- */

static void test_null_unknown_duplicates(void)
{
    /* null counts as absent, as with runc (Go). */
    struct brig_config *c = parse_ok(DOC("'hostname':null,'mounts':null,'linux':{'seccomp':null,"
                                         "'namespaces':null,'resources':{'memory':{'limit':null}}}"));
    if (c) {
        CHECK(c->hostname == NULL);
        CHECK(c->mounts == NULL);
        CHECK(c->linux_->seccomp == NULL);
        CHECK(c->linux_->namespaces == NULL);
        CHECK(!c->linux_->resources->memory->limit.set);
    }
    brig_config_free(c);
    parse_err(DOC("'root':{'path':null}"), "root.path: required");

    /* Unknown fields anywhere are ignored. */
    c = parse_ok(DOC("'future':{'a':[1,{'b':null}]},'process':{'cwd':'/','args':['sh'],'x':1,"
                     "'user':{'uid':0,'gid':0,'sid':'S-1'}},'linux':{'intelRdt':{},'futureThing':{}},"
                     "'windows':{'layerFolders':[]},'solaris':{},'vm':{'kernel':{}}"));
    brig_config_free(c);

    /* Repeated keys: the last wins (as Go's encoding/json does). */
    c = parse_ok(DOC("'hostname':'a','hostname':'b','annotations':{'k':'1','j':'2','k':'3'}"));
    if (c) {
        CHECK_STR(c->hostname, "b");
        CHECK_INT(c->annotations.n, 2);
        CHECK_STR(c->annotations.v[0].key, "k");
        CHECK_STR(c->annotations.v[0].value, "3");
        CHECK_STR(c->annotations.v[1].key, "j");
        CHECK_STR(c->annotations.v[1].value, "2");
    }
    brig_config_free(c);

    /* Empty-but-present arrays are present; absent ones are NULL. */
    c = parse_ok(PROC(",'env':[]"));
    if (c) {
        CHECK(c->process->env.v != NULL);
        CHECK(c->process->env.n == 0);
        CHECK(c->process->env.v[0] == NULL);
    }
    brig_config_free(c);

    /* A device of type p needs no numbers; the cgroup rule type defaults to a. */
    c = parse_ok(LINUX("'devices':[{'path':'/dev/p','type':'p'}],'resources':{'devices':[{'allow':true}]}"));
    if (c) {
        CHECK_INT(c->linux_->devices[0].type, 'p');
        CHECK_INT(c->linux_->resources->devices[0].type, 'a');
        CHECK(c->linux_->resources->devices[0].access == NULL);
    }
    brig_config_free(c);

    /* Capability sets given but empty differ from absent ones. */
    c = parse_ok(PROC(",'capabilities':{'bounding':[]}"));
    if (c) {
        CHECK(c->process->capabilities->has_bounding);
        CHECK(!c->process->capabilities->has_effective);
        CHECK_UINT(c->process->capabilities->bounding, 0);
    }
    brig_config_free(c);

    /* Every capability this build knows, in one set. */
    char *list = brig_xstrdup("");
    for (int i = 0; i <= brig_cap_last(); i++) {
        char *n = brig_xasprintf("%s%s'%s'", list, i ? "," : "", brig_cap_name(i));
        free(list);
        list = n;
    }
    char *sq = brig_xasprintf(PROC(",'capabilities':{'permitted':[%s]}"), list);
    c = parse_ok(sq);
    if (c) {
        uint64_t all = brig_cap_last() == 63 ? UINT64_MAX : (UINT64_C(1) << (brig_cap_last() + 1)) - 1;
        CHECK_UINT(c->process->capabilities->permitted, all);
    }
    brig_config_free(c);
    free(sq);
    free(list);
}

static void test_process_parse(void)
{
    static const char good[] = "{\"cwd\":\"/work\",\"args\":[\"ls\",\"-l\"],\"env\":[\"A=1\"],"
                               "\"user\":{\"uid\":5,\"gid\":6},\"terminal\":true}";
    struct brig_process *p = NULL;
    CHECK_MSG(brig_process_parse(good, strlen(good), &p) == 0, "%s", brig_last_error());
    if (p) {
        CHECK_STR(p->cwd, "/work");
        CHECK_STR(p->args.v[1], "-l");
        CHECK_UINT(p->user.uid, 5);
        CHECK(p->terminal);
        /* an absent noNewPrivileges is told apart from a false one (policy.c) */
        CHECK(!p->no_new_privileges && !p->no_new_privileges_given);
    }
    brig_process_free(p);
    static const char nnp_false[] = "{\"cwd\":\"/\",\"args\":[\"ls\"],\"user\":{\"uid\":0,\"gid\":0},"
                                    "\"noNewPrivileges\":false}";
    p = NULL;
    CHECK_MSG(brig_process_parse(nnp_false, strlen(nnp_false), &p) == 0, "%s", brig_last_error());
    if (p)
        CHECK(!p->no_new_privileges && p->no_new_privileges_given);
    brig_process_free(p);

    static const struct {
        const char *json, *err;
    } bad[] = {
        {"{\"args\":[\"ls\"],\"user\":{\"uid\":0,\"gid\":0}}", "cwd: required"},
        {"{\"cwd\":\"/\",\"args\":\"ls\",\"user\":{\"uid\":0,\"gid\":0}}", "args: expected an array of strings"},
        {"{\"cwd\":\"/\",\"args\":[\"ls\"],\"user\":{\"uid\":0}}", "user.gid: required"},
        {"{\"cwd\":\"/\",\"args\":[\"ls\"],\"user\":{\"uid\":0,\"gid\":0},\"rlimits\":[{\"type\":\"X\"}]}",
         "rlimits[0].type: unknown rlimit \"X\""},
        {"[]", "process: expected an object"},
        {"{", NULL},
    };
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(bad); i++) {
        p = (struct brig_process *)(uintptr_t)1;
        CHECK(brig_process_parse(bad[i].json, strlen(bad[i].json), &p) == -1);
        CHECK(p == NULL);
        if (bad[i].err)
            CHECK_STR(brig_last_error(), bad[i].err);
        else
            CHECK_STR_PREFIX(brig_last_error(), "process: invalid JSON: ");
    }
}

static void test_resources_parse(void)
{
    static const char good[] = "{\"memory\":{\"limit\":1048576},\"pids\":{\"limit\":-1},"
                               "\"unified\":{\"memory.max\":\"max\",\"cpu.weight\":\"50\"}}";
    struct brig_resources *r = NULL;
    CHECK_MSG(brig_resources_parse(good, strlen(good), &r) == 0, "%s", brig_last_error());
    if (r) {
        CHECK_INT(r->memory->limit.v, 1048576);
        CHECK_INT(r->pids_limit.v, -1);
        CHECK(r->cpu == NULL);
        CHECK_INT(r->unified.n, 2);
        CHECK_STR(r->unified.v[1].key, "cpu.weight");
        CHECK_STR(r->unified.v[1].value, "50");
    }
    brig_resources_free(r);

    static const char empty[] = "{}";
    r = NULL;
    CHECK(brig_resources_parse(empty, 2, &r) == 0);
    if (r)
        CHECK(r->memory == NULL && !r->pids_limit.set && r->unified.n == 0);
    brig_resources_free(r);

    static const char bad[] = "{\"cpu\":{\"quota\":\"max\"}}";
    CHECK(brig_resources_parse(bad, strlen(bad), &r) == -1);
    CHECK(r == NULL);
    CHECK_STR(brig_last_error(), "cpu.quota: expected a number");
    CHECK(brig_resources_parse("1", 1, &r) == -1);
    CHECK_STR(brig_last_error(), "resources: expected an object");
}

/* The shared reference data: $BRIG_SHARED_REFERENCE, else ../shared/reference
 * next to the source tree.  Read-only; never copied into the repository. */
static const char *reference_root(void)
{
    const char *env = getenv("BRIG_SHARED_REFERENCE");
    return env && *env ? env : BRIG_SRCDIR "/../shared/reference";
}

static void test_seccomp_parse(void)
{
    static const char good[] =
        "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"clone\"],"
        "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2114060288,"
        "\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}],\"comment\":\"x\",\"includes\":{}}]}";
    struct brig_seccomp *s = NULL;
    CHECK_MSG(brig_seccomp_parse(good, strlen(good), &s) == 0, "%s", brig_last_error());
    if (s) {
        CHECK_INT(s->default_action, BRIG_SECCOMP_ERRNO);
        CHECK(!s->default_errno_ret.set);
        CHECK(s->architectures.v == NULL);
        CHECK_UINT(s->syscalls[0].args[0].value, 2114060288);
        CHECK_INT(s->syscalls[0].args[0].op, BRIG_SECCOMP_OP_MASKED_EQ);
    }
    brig_seccomp_free(s);

    static const char bad[] = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],"
                              "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":0,"
                              "\"op\":\"SCMP_CMP_XX\"}]}]}";
    s = NULL;
    CHECK(brig_seccomp_parse(bad, strlen(bad), &s) == -1);
    CHECK(s == NULL);
    CHECK_STR(brig_last_error(), "syscalls[0].args[0].op: unknown operator \"SCMP_CMP_XX\"");

    /* Real-world profiles (OCI-format subset of the moby/containers-common ones). */
    char *profiles[] = {
        brig_xstrdup(BRIG_SRCDIR "/profiles/runtime-default.json"),
        brig_xasprintf("%s/seccomp/moby-default.json", reference_root()),
        brig_xasprintf("%s/seccomp/containers-common-seccomp.json", reference_root()),
    };
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(profiles); i++) {
        if (access(profiles[i], R_OK) != 0) {
            char *why = brig_xasprintf("%s not found", profiles[i]);
            unit_skip(why);
            free(why);
            continue;
        }
        size_t len;
        char *text = read_text(profiles[i], &len);
        s = NULL;
        int r = text ? brig_seccomp_parse(text, len, &s) : -1;
        CHECK_MSG(r == 0, "%s: %s", profiles[i], brig_last_error());
        if (r == 0)
            CHECK(s->n_syscalls > 0);
        brig_seccomp_free(s);
        free(text);
    }
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(profiles); i++)
        free(profiles[i]);
}

static void test_load(void)
{
    char dir[] = "/tmp/brig-test-config-XXXXXX";
    struct brig_config *c = (struct brig_config *)(uintptr_t)1;
    CHECK(brig_config_load("/nonexistent-brig-bundle", &c) == -1);
    CHECK(c == NULL);
    CHECK_STR(brig_last_error(), "open /nonexistent-brig-bundle/config.json: No such file or directory");
    CHECK(brig_config_load("/nonexistent-brig-bundle/", &c) == -1);
    CHECK_STR(brig_last_error(), "open /nonexistent-brig-bundle/config.json: No such file or directory");

    if (!mkdtemp(dir)) {
        CHECK_MSG(0, "mkdtemp: %s", strerror(errno));
        return;
    }
    char *path = brig_xasprintf("%s/config.json", dir);
    static const char doc[] = "{\"ociVersion\":\"1.0.2-dev\",\"root\":{\"path\":\"rootfs\"},"
                              "\"hostname\":\"loaded\"}";
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(write(fd, doc, sizeof doc - 1) == (ssize_t)(sizeof doc - 1));
        close(fd);
        CHECK_MSG(brig_config_load(dir, &c) == 0, "%s", brig_last_error());
        if (c)
            CHECK_STR(c->hostname, "loaded");
        brig_config_free(c);

        /* A parse error through load. */
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        CHECK(fd >= 0 && write(fd, "{]", 2) == 2);
        if (fd >= 0)
            close(fd);
        CHECK(brig_config_load(dir, &c) == -1);
        CHECK_STR_PREFIX(brig_last_error(), "config.json: invalid JSON: ");
    }
    unlink(path);
    rmdir(dir);
    free(path);
}

/* ---- the runtime-spec's own fixtures (read-only reference data) ---- */

static const char *reference_dir(void)
{
    static char buf[4096];
    /* The variable may also name the fixture directory itself. */
    snprintf(buf, sizeof buf, "%s/good", reference_root());
    if (access(buf, R_OK) == 0)
        snprintf(buf, sizeof buf, "%s", reference_root());
    else
        snprintf(buf, sizeof buf, "%s/runtime-spec/schema/test/config", reference_root());
    return buf;
}

/* Fixtures for another OS carry a top-level key such as "windows". */
static bool other_os(const char *name, const char *text)
{
    static const char *const oses[] = {"windows", "solaris", "freebsd", "zos", "vm"};
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(oses); i++) {
        char *key = brig_xasprintf("\"%s\"", oses[i]);
        bool hit = strncmp(name, oses[i], strlen(oses[i])) == 0 || strstr(text, key) != NULL;
        free(key);
        if (hit)
            return true;
    }
    return false;
}

/* The version is the one part a 1.x runtime may refuse in an old fixture:
 * then check the rest with ociVersion replaced. */
static char *with_version(const char *text, const char *version)
{
    const char *k = strstr(text, "\"ociVersion\"");
    const char *q1 = k ? strchr(k + 12, '"') : NULL;
    const char *q2 = q1 ? strchr(q1 + 1, '"') : NULL;
    if (!q2)
        return NULL;
    return brig_xasprintf("%.*s\"%s\"%s", (int)(q1 - text), text, version, q2 + 1);
}

static void run_reference(const char *kind)
{
    char *dir = brig_xasprintf("%s/%s", reference_dir(), kind);
    DIR *d = opendir(dir);
    if (!d) {
        char *why = brig_xasprintf("%s: %s", dir, strerror(errno));
        unit_skip(why);
        free(why);
        free(dir);
        return;
    }
    int seen = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0)
            continue;
        char *path = brig_xasprintf("%s/%s", dir, de->d_name);
        size_t len;
        char *text = read_text(path, &len);
        CHECK_MSG(text != NULL, "%s", brig_last_error());
        if (!text) {
            free(path);
            continue;
        }
        seen++;
        struct brig_config *c = NULL;
        int r = brig_config_parse(text, len, &c);
        brig_config_free(c);
        if (strcmp(kind, "bad") == 0) {
            /* Must not crash; our verdict is reported, not judged (some
             * are bad only for other OSes, which we ignore). */
            if (unit_verbose() || r == 0)
                printf("  reference bad/%s: %s\n", de->d_name,
                       r == 0 ? "accepted (not a linux-level error)" : brig_last_error());
        } else if (other_os(de->d_name, text)) {
            if (unit_verbose())
                printf("  reference good/%s (other OS): %s\n", de->d_name, r == 0 ? "ok" : brig_last_error());
        } else if (r < 0 && strncmp(brig_last_error(), "ociVersion: unsupported version", 31) == 0) {
            char *fixed = with_version(text, "1.0.0");
            CHECK(fixed != NULL);
            if (fixed) {
                c = NULL;
                r = brig_config_parse(fixed, strlen(fixed), &c);
                CHECK_MSG(r == 0, "good/%s (ociVersion set to 1.0.0): %s", de->d_name, brig_last_error());
                brig_config_free(c);
                free(fixed);
            }
        } else {
            CHECK_MSG(r == 0, "good/%s: %s", de->d_name, brig_last_error());
        }
        free(text);
        free(path);
    }
    closedir(d);
    CHECK_MSG(seen > 0, "no fixtures in %s", dir);
    free(dir);
}

static void test_reference_good(void)
{
    run_reference("good");
}

static void test_reference_bad(void)
{
    run_reference("bad");
}

/* ---- robustness: every prefix and a few thousand mutations ---- */

/* linux.memoryPolicy: modes, flags and node lists into set_mempolicy's
 * arguments; errors name the field. */
static void test_memory_policy(void)
{
    struct brig_config *c = parse_ok(LINUX("'memoryPolicy':{'mode':'MPOL_INTERLEAVE','nodes':'0-2,5,64',"
                                           "'flags':['MPOL_F_STATIC_NODES']}"));
    const struct brig_memory_policy *mp = c && c->linux_ ? c->linux_->memory_policy : NULL;
    CHECK(mp != NULL);
    if (mp) {
        CHECK_INT(mp->mode, 3);
        CHECK_UINT(mp->flags, 1u << 15);
        CHECK(mp->has_nodes);
        CHECK_UINT(mp->nodes[0], 0x27);
        CHECK_UINT(mp->nodes[1], sizeof(unsigned long) == 8 ? 1 : 0);
    }
    brig_config_free(c);
    c = parse_ok(LINUX("'memoryPolicy':{'mode':'MPOL_LOCAL'}"));
    mp = c && c->linux_ ? c->linux_->memory_policy : NULL;
    CHECK(mp && mp->mode == 4 && !mp->has_nodes && mp->flags == 0);
    brig_config_free(c);
    c = parse_ok(LINUX("'memoryPolicy':{'mode':'MPOL_PREFERRED','nodes':''}"));
    CHECK(c && c->linux_->memory_policy && !c->linux_->memory_policy->has_nodes);
    brig_config_free(c);

    parse_err(LINUX("'memoryPolicy':{}"), "linux.memoryPolicy.mode: required");
    parse_err(LINUX("'memoryPolicy':{'mode':'MPOL_NONE'}"),
              "linux.memoryPolicy.mode: unknown memory policy mode \"MPOL_NONE\"");
    parse_err(LINUX("'memoryPolicy':{'mode':'MPOL_BIND'}"),
              "linux.memoryPolicy.nodes: MPOL_BIND needs at least one node");
    parse_err(LINUX("'memoryPolicy':{'mode':'MPOL_DEFAULT','nodes':'0'}"),
              "linux.memoryPolicy.nodes: MPOL_DEFAULT takes no nodes");
    parse_err(LINUX("'memoryPolicy':{'mode':'MPOL_BIND','nodes':'1-0'}"),
              "linux.memoryPolicy.nodes: \"1-0\" is not a list of nodes such as \"0-3,7\"");
    parse_err(LINUX("'memoryPolicy':{'mode':'MPOL_BIND','nodes':'0,'}"),
              "linux.memoryPolicy.nodes: \"0,\" is not a list of nodes such as \"0-3,7\"");
    parse_err(LINUX("'memoryPolicy':{'mode':'MPOL_BIND','nodes':'-1'}"),
              "linux.memoryPolicy.nodes: \"-1\" is not a list of nodes such as \"0-3,7\"");
    parse_err(LINUX("'memoryPolicy':{'mode':'MPOL_BIND','nodes':'4096'}"),
              "linux.memoryPolicy.nodes: node 4096 is beyond the 1023 brig supports");
    parse_err(LINUX("'memoryPolicy':{'mode':'MPOL_BIND','nodes':'0','flags':['MPOL_F_X']}"),
              "linux.memoryPolicy.flags[0]: unknown memory policy flag \"MPOL_F_X\"");
}

static void test_mutations(void)
{
    size_t len;
    char *text = read_text(BRIG_SRCDIR "/tests/unit/fixtures/full.json", &len);
    CHECK(text != NULL);
    if (!text)
        return;
    struct brig_config *c;
    /* Prefixes: all must fail cleanly except the whole text. */
    size_t step = len / 400 + 1;
    for (size_t n = 0; n < len; n += step) {
        c = NULL;
        int r = brig_config_parse(text, n, &c);
        /* A prefix ending after the final brace plus whitespace is fine. */
        if (r == 0)
            CHECK(n > 0 && strspn(text + n, " \t\r\n") == len - n);
        brig_config_free(c);
    }
    /* Byte mutations with a fixed seed: no crash, no leak (valgrind/ASan). */
    char *buf = brig_xmalloc(len);
    unsigned seed = 12345;
    static const char alphabet[] = "{}[]\",:-0123456789.eE tfn\\u/xA\x80\xff";
    int accepted = 0;
    for (int i = 0; i < 600; i++) {
        memcpy(buf, text, len);
        for (int k = 0; k < 1 + i % 4; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t pos = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            buf[pos] = alphabet[(seed >> 8) % (sizeof alphabet - 1)];
        }
        c = NULL;
        brig_clear_error();
        if (brig_config_parse(buf, len, &c) == 0) {
            accepted++;
            CHECK(c != NULL);
        } else {
            CHECK(c == NULL);
            CHECK(brig_last_error()[0] != '\0');
        }
        brig_config_free(c);
    }
    if (unit_verbose())
        printf("  mutations accepted: %d of 600\n", accepted);
    free(buf);
    free(text);
}

int main(void)
{
    RUN(test_minimal);
    RUN(test_full_top);
    RUN(test_full_process);
    RUN(test_full_linux);
    RUN(test_full_resources);
    RUN(test_full_seccomp);
    RUN(test_every_action);
    RUN(test_every_rlimit);
    RUN(test_enums);
    RUN(test_caps_api);
    RUN(test_rfc3339);
    RUN(test_versions);
    RUN(test_invalid_json);
    RUN(test_numbers);
    RUN(test_type_errors_top);
    RUN(test_type_errors_process);
    RUN(test_type_errors_hooks);
    RUN(test_type_errors_linux);
    RUN(test_type_errors_resources);
    RUN(test_type_errors_seccomp);
    RUN(test_message_quoting);
    RUN(test_null_unknown_duplicates);
    RUN(test_process_parse);
    RUN(test_resources_parse);
    RUN(test_seccomp_parse);
    RUN(test_load);
    RUN(test_reference_good);
    RUN(test_reference_bad);
    RUN(test_memory_policy);
    RUN(test_mutations);
    return unit_finish();
}
