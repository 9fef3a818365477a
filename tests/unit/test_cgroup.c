/* Unit tests for the pure parts of the cgroup code: paths, conversions,
 * parsing, device rules and the eBPF device program (run through a small
 * interpreter here and compared with the reference decision function),
 * and the lookups from each hierarchy's directory (in a temp dir). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup_internal.h"
#include "brig/error.h"
#include "brig/internal.h"
#include "brig/json.h"
#include "unit.h"

#ifndef BPF_JMP32
#define BPF_JMP32 0x06
#endif

/* main.c owns the globals; log.c (reached through brig_warn) needs them */
struct brig_globals brig_g;

static void test_clean_path(void)
{
    char *p;
    CHECK_STR(p = brig_cg_clean_path("/a/b"), "/a/b"); free(p);
    CHECK_STR(p = brig_cg_clean_path("a//b/"), "/a/b"); free(p);
    CHECK_STR(p = brig_cg_clean_path("/a/./b/.."), "/a"); free(p);
    CHECK_STR(p = brig_cg_clean_path("../../etc/passwd"), "/etc/passwd"); free(p);
    CHECK_STR(p = brig_cg_clean_path("/x/../../.."), "/"); free(p);
    CHECK_STR(p = brig_cg_clean_path("/"), "/"); free(p);
    CHECK_STR(p = brig_cg_clean_path("/a/..b/c"), "/a/..b/c"); free(p);
    CHECK(brig_cg_clean_path("") == NULL);
    CHECK(brig_cg_clean_path(NULL) == NULL);
}

static void test_own_path(void)
{
    const char *hybrid = "9:name=systemd:/user.slice\n"
                         "4:memory:/process_api/abc\n"
                         "2:cpu,cpuacct:/c\n"
                         "0::/unified/path\n";
    char *p;
    CHECK_STR(p = brig_cg_own_path(hybrid, ""), "/unified/path"); free(p);
    CHECK_STR(p = brig_cg_own_path(hybrid, "memory"), "/process_api/abc"); free(p);
    CHECK_STR(p = brig_cg_own_path(hybrid, "cpuacct"), "/c"); free(p);
    CHECK_STR(p = brig_cg_own_path(hybrid, "name=systemd"), "/user.slice"); free(p);
    CHECK(brig_cg_own_path(hybrid, "pids") == NULL);
    CHECK(brig_cg_own_path("4:memory:/m\n", "") == NULL);
}

static void check_expand(const char *spec, const char *want_path, const char *want_unit)
{
    char *path = NULL, *unit = NULL;
    int r = brig_cg_systemd_expand(spec, &path, &unit);
    CHECK_MSG(r == 0, "expand %s: %s", spec, brig_last_error());
    if (r == 0) {
        CHECK_STR(path, want_path);
        CHECK_STR(unit, want_unit);
    }
    free(path);
    free(unit);
}

static void check_expand_fails(const char *spec)
{
    char *path = NULL, *unit = NULL;
    CHECK_MSG(brig_cg_systemd_expand(spec, &path, &unit) < 0, "%s should be refused", spec);
    free(path);
    free(unit);
}

static void test_systemd_paths(void)
{
    check_expand("system.slice:brig:abc", "/system.slice/brig-abc.scope", "brig-abc.scope");
    check_expand(":brig:abc", "/system.slice/brig-abc.scope", "brig-abc.scope");
    check_expand("a-b-c.slice:p:n", "/a.slice/a-b.slice/a-b-c.slice/p-n.scope", "p-n.scope");
    check_expand("-.slice:p:n", "/p-n.scope", "p-n.scope");
    check_expand("user.slice::n", "/user.slice/n.scope", "n.scope");
    check_expand("x.slice:p:own.slice", "/x.slice/own.slice", "own.slice");
    check_expand_fails("foo:p:n");        /* not a slice */
    check_expand_fails("a--b.slice:p:n"); /* empty slice component */
    check_expand_fails("-a.slice:p:n");
    check_expand_fails("x.slice:p:");
    check_expand_fails("x.slice:p:a/b");
    check_expand_fails("x.slice:../..:n");
    check_expand_fails("/abs/path");
    CHECK(brig_cg_is_systemd_path("a.slice:b:c"));
    CHECK(!brig_cg_is_systemd_path("/a:b:c"));
    CHECK(!brig_cg_is_systemd_path("a:b"));
    CHECK(!brig_cg_is_systemd_path("a:b:c:d"));
}

static void test_conversions(void)
{
    CHECK_UINT(brig_cg_shares_to_weight(0), 0);
    CHECK_UINT(brig_cg_shares_to_weight(2), 1);
    CHECK_UINT(brig_cg_shares_to_weight(1024), 39);
    CHECK_UINT(brig_cg_shares_to_weight(262144), 10000);
    CHECK_UINT(brig_cg_shares_to_weight(1), 1);              /* clamped */
    CHECK_UINT(brig_cg_shares_to_weight(1000000), 10000);    /* clamped */
    CHECK_UINT(brig_cg_blkio_to_io_weight(0), 0);
    CHECK_UINT(brig_cg_blkio_to_io_weight(10), 1);
    CHECK_UINT(brig_cg_blkio_to_io_weight(500), 4950);
    CHECK_UINT(brig_cg_blkio_to_io_weight(1000), 10000);

    struct brig_memory m = {0};
    int64_t sw = 99;
    m.limit.set = true, m.limit.v = 100;
    m.swap.set = true, m.swap.v = 300;
    CHECK(brig_cg_swap_to_v2(&m, &sw) == 0 && sw == 200);
    m.swap.v = 100;
    CHECK(brig_cg_swap_to_v2(&m, &sw) == 0 && sw == 0);
    m.swap.v = -1;
    CHECK(brig_cg_swap_to_v2(&m, &sw) == 0 && sw == -1);
    m.swap.v = 50;
    CHECK(brig_cg_swap_to_v2(&m, &sw) < 0);
    CHECK_STR_CONTAINS(brig_last_error(), "must not be smaller");
    m.limit.set = false;
    m.swap.v = 300;
    CHECK(brig_cg_swap_to_v2(&m, &sw) < 0);
    m.limit.set = true, m.limit.v = -1;
    CHECK(brig_cg_swap_to_v2(&m, &sw) < 0);

    struct brig_cpu c = {0};
    CHECK(brig_cg_cpu_max(&c) == NULL);
    char *s;
    c.quota.set = true, c.quota.v = 50000;
    c.period.set = true, c.period.v = 100000;
    CHECK_STR(s = brig_cg_cpu_max(&c), "50000 100000"); free(s);
    c.quota.v = -1;
    CHECK_STR(s = brig_cg_cpu_max(&c), "max 100000"); free(s);
    c.period.set = false;
    c.quota.v = 20000;
    CHECK_STR(s = brig_cg_cpu_max(&c), "20000"); free(s);

    CHECK_STR(s = brig_cg_limit_str(-1), "max"); free(s);
    CHECK_STR(s = brig_cg_limit_str(0), "0"); free(s);
    CHECK_STR(s = brig_cg_limit_str(4096), "4096"); free(s);
}

static void test_parsers(void)
{
    uint64_t b = 0;
    CHECK(brig_cg_hugepage_size("2MB", &b) && b == 2097152);
    CHECK(brig_cg_hugepage_size("1GB", &b) && b == 1073741824);
    CHECK(brig_cg_hugepage_size("64KB", &b) && b == 65536);
    CHECK(!brig_cg_hugepage_size("2mb", &b));
    CHECK(!brig_cg_hugepage_size("0MB", &b));
    CHECK(!brig_cg_hugepage_size("../../x", &b));
    CHECK(!brig_cg_hugepage_size("2MB/x", &b));
    CHECK(!brig_cg_hugepage_size("", &b));

    int64_t n = 0;
    CHECK(brig_cg_parse_size("64m", &n) && n == 64LL << 20);
    CHECK(brig_cg_parse_size("1GiB", &n) && n == 1LL << 30);
    CHECK(brig_cg_parse_size("1kb", &n) && n == 1024);
    CHECK(brig_cg_parse_size("12345", &n) && n == 12345);
    CHECK(brig_cg_parse_size("100b", &n) && n == 100);
    CHECK(brig_cg_parse_size("-1", &n) && n == -1);
    CHECK(!brig_cg_parse_size("abc", &n));
    CHECK(!brig_cg_parse_size("10x", &n));
    CHECK(!brig_cg_parse_size("-2", &n));
    CHECK(!brig_cg_parse_size("99999999999t", &n));

    uint64_t ms = 0;
    CHECK(brig_cg_parse_duration_ms("5s", &ms) && ms == 5000);
    CHECK(brig_cg_parse_duration_ms("250ms", &ms) && ms == 250);
    CHECK(brig_cg_parse_duration_ms("1m30s", &ms) && ms == 90000);
    CHECK(brig_cg_parse_duration_ms("1.5s", &ms) && ms == 1500);
    CHECK(brig_cg_parse_duration_ms("1h", &ms) && ms == 3600000);
    CHECK(!brig_cg_parse_duration_ms("5", &ms));
    CHECK(!brig_cg_parse_duration_ms("", &ms));
    CHECK(!brig_cg_parse_duration_ms("-1s", &ms));
    CHECK(!brig_cg_parse_duration_ms("nans", &ms));
    CHECK(!brig_cg_parse_duration_ms("5 s", &ms));

    const char *stat = "usage_usec 1200\nuser_usec 700\nnr_periods 4\nthrottled_usec 0\n";
    uint64_t v = 0;
    CHECK(brig_cg_kv_get(stat, "usage_usec", &v) && v == 1200);
    CHECK(brig_cg_kv_get(stat, "nr_periods", &v) && v == 4);
    CHECK(brig_cg_kv_get(stat, "throttled_usec", &v) && v == 0);
    CHECK(!brig_cg_kv_get(stat, "usage", &v));
    CHECK(!brig_cg_kv_get(stat, "nr_throttled", &v));

    CHECK_INT(brig_cg_ctrl_from_name("io"), BRIG_CG_BLKIO);
    CHECK_INT(brig_cg_ctrl_from_name("blkio"), BRIG_CG_BLKIO);
    CHECK_INT(brig_cg_ctrl_from_name("memory"), BRIG_CG_MEMORY);
    CHECK_INT(brig_cg_ctrl_from_name("bogus"), -1);
    CHECK_STR(brig_cg_ctrl_name(BRIG_CG_BLKIO, true), "io");
    CHECK_STR(brig_cg_ctrl_name(BRIG_CG_BLKIO, false), "blkio");
}

static void test_layout(void)
{
    /* mountinfo's escapes, shared with --no-pivot (util.c) */
    char esc[] = "/a\\040b\\011c\\134d\\0x\\400e";
    brig_mountinfo_unescape(esc);
    CHECK_STR(esc, "/a b\tc\\d\\0x\\400e");

    const char *mi =
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
        "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children\n"
        "35 31 0:32 / /sys/fs/cgroup/mem\\040ory rw,relatime - cgroup cgroup rw,memory\n"
        "36 31 0:33 / /mnt/again rw,relatime - cgroup cgroup rw,memory\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n"
        "50 23 0:50 / /proc rw - proc proc rw\n";
    struct brig_cg_layout l;
    CHECK(brig_cg_layout_parse(mi, BRIG_CGROUP_HYBRID, &l) == 0);
    CHECK_UINT(l.n_v1, 4);
    CHECK_STR(l.unified, "/sys/fs/cgroup/unified");
    CHECK_UINT(l.v1_ctrls, BRIG_CG_BIT(BRIG_CG_CPU) | BRIG_CG_BIT(BRIG_CG_CPUACCT) |
                               BRIG_CG_BIT(BRIG_CG_CPUSET) | BRIG_CG_BIT(BRIG_CG_MEMORY));
    char *d;
    CHECK_STR(d = brig_cg_v1_dir(&l, BRIG_CG_CPUACCT, "/brig/x"), "/sys/fs/cgroup/cpu,cpuacct/brig/x"); free(d);
    CHECK_STR(d = brig_cg_v1_dir(&l, BRIG_CG_MEMORY, "/brig/x"), "/sys/fs/cgroup/mem ory/brig/x"); free(d);
    CHECK(brig_cg_v1_dir(&l, BRIG_CG_PIDS, "/brig/x") == NULL);
    CHECK_STR(d = brig_cg_v2_dir(&l, "/brig/x"), "/sys/fs/cgroup/unified/brig/x"); free(d);
    CHECK_STR(d = brig_cg_v2_dir(&l, "/"), "/sys/fs/cgroup/unified"); free(d);
    CHECK_STR(l.v1[3].name, "systemd");
    brig_cg_layout_free(&l);

    /* v1 only: the cgroup2 mount is ignored */
    CHECK(brig_cg_layout_parse(mi, BRIG_CGROUP_V1, &l) == 0);
    CHECK(l.unified == NULL);
    brig_cg_layout_free(&l);
    /* nothing mounted */
    CHECK(brig_cg_layout_parse("50 23 0:50 / /proc rw - proc proc rw\n", BRIG_CGROUP_V1, &l) < 0);
    brig_cg_layout_free(&l);
    CHECK(brig_cg_layout_parse("", BRIG_CGROUP_V2, &l) == 0);
    CHECK_STR(l.unified, "/sys/fs/cgroup");
    brig_cg_layout_free(&l);
}

/* /proc/self/cgroup -> where systemd would have mounted each hierarchy */
static void test_layout_guess(void)
{
    const char *pc =
        "12:net_cls,net_prio:/\n"
        "9:name=systemd:/user.slice\n"
        "4:memory:/a:b\n"
        "3:newctl:/\n"
        "2:cpu,cpuacct:/\n"
        "0::/user.slice\n";
    struct brig_cg_layout l;
    CHECK(brig_cg_layout_guess(pc, BRIG_CGROUP_HYBRID, &l) == 0);
    CHECK_UINT(l.n_v1, 4); /* newctl: no controller brig knows, no name */
    CHECK_STR(l.v1[0].mnt, "/sys/fs/cgroup/net_cls,net_prio");
    CHECK_UINT(l.v1[0].ctrls, BRIG_CG_BIT(BRIG_CG_NET_CLS) | BRIG_CG_BIT(BRIG_CG_NET_PRIO));
    CHECK_STR(l.v1[1].mnt, "/sys/fs/cgroup/systemd");
    CHECK_STR(l.v1[1].name, "systemd");
    CHECK_UINT(l.v1[1].ctrls, 0);
    CHECK_STR(l.v1[2].mnt, "/sys/fs/cgroup/memory");
    CHECK_STR(l.v1[3].mnt, "/sys/fs/cgroup/cpu,cpuacct");
    CHECK_STR(l.unified, "/sys/fs/cgroup/unified");
    CHECK_UINT(l.v1_ctrls, BRIG_CG_BIT(BRIG_CG_NET_CLS) | BRIG_CG_BIT(BRIG_CG_NET_PRIO) |
                               BRIG_CG_BIT(BRIG_CG_MEMORY) | BRIG_CG_BIT(BRIG_CG_CPU) |
                               BRIG_CG_BIT(BRIG_CG_CPUACCT));
    brig_cg_layout_free(&l);
    CHECK(brig_cg_layout_guess(pc, BRIG_CGROUP_V1, &l) == 0);
    CHECK(l.unified == NULL);
    brig_cg_layout_free(&l);

    /* pure v2: nothing but the unified line */
    CHECK(brig_cg_layout_guess("0::/init.scope\n", BRIG_CGROUP_V2, &l) == 0);
    CHECK_UINT(l.n_v1, 0);
    CHECK_STR(l.unified, "/sys/fs/cgroup");
    brig_cg_layout_free(&l);

    /* not guessable: the caller reads mountinfo */
    CHECK(brig_cg_layout_guess("0::/\n", BRIG_CGROUP_HYBRID, &l) < 0);       /* no v1 hierarchy */
    CHECK(brig_cg_layout_guess("5:name=x,cpu:/\n", BRIG_CGROUP_V1, &l) < 0);  /* a name with controllers */
    CHECK(brig_cg_layout_guess("5:cpu,name=x:/\n", BRIG_CGROUP_V1, &l) < 0);
    CHECK(brig_cg_layout_guess("5::/\n", BRIG_CGROUP_V1, &l) < 0);            /* neither */
    CHECK(brig_cg_layout_guess("garbage\n", BRIG_CGROUP_V1, &l) < 0);
    CHECK(brig_cg_layout_guess("", BRIG_CGROUP_V1, &l) < 0);
}

/* ---- device rules ---- */

static struct brig_device_rule rule(bool allow, char type, int64_t maj, int64_t min, const char *acc)
{
    struct brig_device_rule r = {0};
    r.allow = allow;
    r.type = type;
    if (maj >= 0)
        r.major.set = true, r.major.v = maj;
    if (min >= 0)
        r.minor.set = true, r.minor.v = min;
    r.access = (char *)acc;
    return r;
}

static void test_device_rules(void)
{
    size_t n;
    struct brig_device_rule *r = brig_cg_device_rules(NULL, NULL, 0, &n);
    CHECK(n > 3);
    CHECK(!r[0].allow && r[0].type == 'a');
    CHECK_INT(brig_cg_device_decide(r, n, 'c', 1, 3, "rw"), 1);   /* null */
    CHECK_INT(brig_cg_device_decide(r, n, 'c', 1, 9, "r"), 1);    /* urandom */
    CHECK_INT(brig_cg_device_decide(r, n, 'c', 5, 2, "rw"), 1);   /* ptmx */
    CHECK_INT(brig_cg_device_decide(r, n, 'c', 136, 7, "rw"), 1); /* pts/7 */
    CHECK_INT(brig_cg_device_decide(r, n, 'c', 1, 1, "r"), 0);    /* mem */
    CHECK_INT(brig_cg_device_decide(r, n, 'b', 8, 0, "r"), 0);    /* sda */
    CHECK_INT(brig_cg_device_decide(r, n, 'c', 10, 200, "rw"), 0); /* tun: not by default */
    CHECK_INT(brig_cg_device_decide(r, n, 'b', 8, 0, "m"), 1);    /* mknod only */
    CHECK_INT(brig_cg_device_decide(r, n, 'b', 8, 0, "rm"), 0);
    brig_cg_device_rules_free(r, n);

    /* linux.devices come before the config's rules, the defaults last */
    struct brig_device_rule cfg[] = {
        rule(false, 'a', -1, -1, "rwm"),
        rule(true, 'c', 10, 229, "rw"),
        rule(false, 'c', 1, 3, "w"),
    };
    struct brig_resources res = {0};
    res.devices = cfg;
    res.n_devices = 3;
    struct brig_device dev = {0};
    dev.path = (char *)"/dev/sda";
    dev.type = 'b';
    dev.major = 8;
    dev.minor = 0;
    r = brig_cg_device_rules(&res, &dev, 1, &n);
    CHECK_INT(brig_cg_device_decide(r, n, 'c', 10, 229, "rw"), 1);
    CHECK_INT(brig_cg_device_decide(r, n, 'c', 10, 229, "m"), 1); /* c *:* m default */
    CHECK_INT(brig_cg_device_decide(r, n, 'c', 1, 3, "w"), 1);    /* runc re-allows its defaults */
    CHECK_INT(brig_cg_device_decide(r, n, 'b', 8, 0, "rw"), 0);   /* linux.devices, denied by the config */
    CHECK_INT(brig_cg_device_decide(r, n, 'b', 8, 1, "rw"), 0);
    brig_cg_device_rules_free(r, n);

    /* a linux.devices node the config does not deny gets rwm; one it
     * denies (even partly) stays denied */
    struct brig_device_rule deny_w[] = {rule(false, 'b', 8, 0, "w")};
    res.devices = deny_w;
    res.n_devices = 1;
    struct brig_device devs2[2] = {dev, dev};
    devs2[1].major = 10;
    devs2[1].minor = 229;
    devs2[1].type = 'c';
    r = brig_cg_device_rules(&res, devs2, 2, &n);
    CHECK_INT(brig_cg_device_decide(r, n, 'c', 10, 229, "rwm"), 1);
    CHECK_INT(brig_cg_device_decide(r, n, 'b', 8, 0, "r"), 1);
    CHECK_INT(brig_cg_device_decide(r, n, 'b', 8, 0, "w"), 0);
    brig_cg_device_rules_free(r, n);

    struct brig_device_rule a = rule(true, 'c', 1, -1, "rm");
    char *s;
    CHECK_STR(s = brig_cg_device_rule_str(&a), "c 1:* rm"); free(s);
    a = rule(false, 'a', -1, -1, NULL);
    CHECK_STR(s = brig_cg_device_rule_str(&a), "a *:* rwm"); free(s);
    CHECK_INT(brig_cg_access_mask("rwm"), 7);
    CHECK_INT(brig_cg_access_mask("m"), 1);
    CHECK_INT(brig_cg_access_mask(""), 0);
    CHECK_INT(brig_cg_access_mask("rx"), -1);
}

/* A little interpreter for the instructions the compiler emits. */
static int run_bpf(const struct bpf_insn *p, size_t n, uint32_t access_type, uint32_t maj, uint32_t min,
                   bool *ok)
{
    uint32_t ctx[3] = { access_type, maj, min };
    uint64_t r[11] = {0};
    *ok = false;
    for (size_t pc = 0; pc < n; pc++) {
        const struct bpf_insn *i = &p[pc];
        uint8_t cls = i->code & 0x07;
        uint64_t imm = (uint64_t)(int64_t)i->imm;
        if (i->code == (BPF_LDX | BPF_MEM | BPF_W)) {
            if (i->src_reg != 1 || i->off % 4 || i->off < 0 || i->off > 8)
                return -1;
            r[i->dst_reg] = ctx[i->off / 4];
        } else if (cls == BPF_ALU64) {
            uint64_t src = (i->code & BPF_X) ? r[i->src_reg] : imm;
            switch (i->code & 0xf0) {
            case BPF_AND: r[i->dst_reg] &= src; break;
            case BPF_RSH: r[i->dst_reg] >>= src; break;
            case BPF_MOV: r[i->dst_reg] = src; break;
            default: return -1;
            }
        } else if (i->code == (BPF_JMP | BPF_EXIT)) {
            *ok = true;
            return (int)r[0];
        } else if (cls == BPF_JMP || cls == BPF_JMP32) {
            uint64_t a = r[i->dst_reg], b = imm;
            if (cls == BPF_JMP32) {
                a = (uint32_t)a;
                b = (uint32_t)b;
            }
            bool jump;
            switch (i->code & 0xf0) {
            case BPF_JEQ: jump = a == b; break;
            case BPF_JNE: jump = a != b; break;
            default: return -1;
            }
            if (jump) {
                if (i->off < 0)
                    return -1; /* only forward jumps */
                pc += (size_t)i->off;
            }
        } else {
            return -1;
        }
    }
    return -1; /* fell off the end */
}

static void compare_bpf(const struct brig_device_rule *r, size_t n, const char *what)
{
    size_t ni;
    struct bpf_insn *p = brig_cg_bpf_compile(r, n, &ni);
    CHECK_MSG(p != NULL, "%s: compile: %s", what, brig_last_error());
    if (!p)
        return;
    static const char *const accs[] = { "r", "w", "m", "rw", "rm", "wm", "rwm" };
    static const int64_t majs[] = { 1, 5, 8, 10, 136, 4000000000LL };
    static const int64_t mins[] = { 0, 1, 2, 3, 5, 9, 229 };
    int mismatches = 0;
    for (int t = 0; t < 2; t++) {
        char type = t ? 'b' : 'c';
        for (size_t a = 0; a < BRIG_ARRAY_SIZE(accs); a++)
            for (size_t j = 0; j < BRIG_ARRAY_SIZE(majs); j++)
                for (size_t k = 0; k < BRIG_ARRAY_SIZE(mins); k++) {
                    int want = brig_cg_device_decide(r, n, type, majs[j], mins[k], accs[a]);
                    uint32_t at = ((uint32_t)brig_cg_access_mask(accs[a]) << 16) |
                                  (type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
                    bool ok;
                    int got = run_bpf(p, ni, at, (uint32_t)majs[j], (uint32_t)mins[k], &ok);
                    if (!ok || got != want) {
                        if (mismatches++ < 5)
                            UNIT_FAIL("%s: %c %lld:%lld %s: program %d (ok=%d), rules %d", what, type,
                                      (long long)majs[j], (long long)mins[k], accs[a], got, ok, want);
                    }
                    unit_checks++;
                }
    }
    free(p);
}

/* The v1 list must decide like the rules, or (when v1 cannot say it)
 * deny more, never allow more. */
static void compare_v1(const struct brig_device_rule *r, size_t n, const char *what, bool want_exact)
{
    bool allow_all, exact;
    size_t nex;
    struct brig_device_rule *ex = brig_cg_device_v1_list(r, n, &allow_all, &exact, &nex);
    CHECK_MSG(exact == want_exact, "%s: exact %d", what, exact);
    static const char *const accs[] = { "r", "w", "m", "rw", "rm", "wm", "rwm" };
    static const int64_t majs[] = { 1, 5, 8, 10, 136, 4000000000LL };
    static const int64_t mins[] = { 0, 1, 2, 3, 5, 9, 229 };
    int bad = 0;
    for (int t = 0; t < 2; t++)
        for (size_t a = 0; a < BRIG_ARRAY_SIZE(accs); a++)
            for (size_t j = 0; j < BRIG_ARRAY_SIZE(majs); j++)
                for (size_t k = 0; k < BRIG_ARRAY_SIZE(mins); k++) {
                    char type = t ? 'b' : 'c';
                    int want = brig_cg_device_decide(r, n, type, majs[j], mins[k], accs[a]);
                    int got = brig_cg_device_v1_decide(ex, nex, allow_all, type, majs[j], mins[k], accs[a]);
                    unit_checks++;
                    if (exact ? got != want : got > want) {
                        if (bad++ < 5)
                            UNIT_FAIL("%s: %c %lld:%lld %s: v1 %d, rules %d", what, type,
                                      (long long)majs[j], (long long)mins[k], accs[a], got, want);
                    }
                }
    for (size_t i = 0; i < nex; i++)
        CHECK(ex[i].type == 'c' || ex[i].type == 'b');
    brig_cg_device_rules_free(ex, nex);
}

static void test_device_rules_v1(void)
{
    size_t n;
    struct brig_device_rule *r = brig_cg_device_rules(NULL, NULL, 0, &n);
    compare_v1(r, n, "defaults", true);
    bool allow_all, exact;
    size_t nex;
    struct brig_device_rule *ex = brig_cg_device_v1_list(r, n, &allow_all, &exact, &nex);
    CHECK(!allow_all);
    CHECK_UINT(nex, n - 1); /* the leading deny-all became the default */
    brig_cg_device_rules_free(ex, nex);
    brig_cg_device_rules_free(r, n);

    /* a later deny covering an earlier allow (the integration test's case) */
    struct brig_device_rule later[] = {
        rule(false, 'a', -1, -1, "rwm"),
        rule(true, 'c', 10, 229, "rw"),
        rule(false, 'c', 10, -1, "r"),
        rule(true, 'a', 7, 7, "rw"),
    };
    compare_v1(later, BRIG_ARRAY_SIZE(later), "deny covers allow", true);

    struct brig_device_rule priv[] = {
        rule(true, 'a', -1, -1, "rwm"),
        rule(false, 'c', 1, -1, "w"),
        rule(false, 'b', -1, 0, "rm"),
        rule(true, 'c', 1, -1, "w"),       /* lifts the earlier deny */
        rule(false, 'a', 136, -1, "m"),
    };
    compare_v1(priv, BRIG_ARRAY_SIZE(priv), "allow-all with denies", true);
    ex = brig_cg_device_v1_list(priv, BRIG_ARRAY_SIZE(priv), &allow_all, &exact, &nex);
    CHECK(allow_all);
    brig_cg_device_rules_free(ex, nex);

    /* each access on its own: r and w granted by two rules make rw */
    struct brig_device_rule split[] = {
        rule(false, 'a', -1, -1, "rwm"),
        rule(true, 'c', 1, 3, "r"),
        rule(true, 'c', 1, 3, "w"),
    };
    CHECK_INT(brig_cg_device_decide(split, 3, 'c', 1, 3, "rw"), 1);
    CHECK_INT(brig_cg_device_decide(split, 3, 'c', 1, 3, "rwm"), 0);
    compare_v1(split, 3, "split accesses (merged by v1)", true);
    compare_bpf(split, 3, "split accesses");
    CHECK_INT(brig_cg_device_decide(priv, BRIG_ARRAY_SIZE(priv), 'c', 1, 3, "rw"), 1);
    CHECK_INT(brig_cg_device_decide(priv, 3, 'c', 1, 3, "rw"), 0);
    CHECK_INT(brig_cg_device_decide(priv, 3, 'c', 1, 3, "r"), 1);
    /* overlapping sets whose accesses v1 cannot add up */
    struct brig_device_rule cross[] = {
        rule(false, 'a', -1, -1, "rwm"),
        rule(true, 'c', 1, -1, "r"),
        rule(true, 'c', -1, 3, "w"),
    };
    CHECK_INT(brig_cg_device_decide(cross, 3, 'c', 1, 3, "rw"), 1);
    compare_v1(cross, 3, "cross", false);

    /* holes v1 cannot punch: deny more */
    struct brig_device_rule hole[] = {
        rule(false, 'a', -1, -1, "rwm"),
        rule(true, 'c', 10, -1, "rw"),
        rule(false, 'c', 10, 229, "r"),
    };
    compare_v1(hole, BRIG_ARRAY_SIZE(hole), "hole in an allow", false);
    struct brig_device_rule hole2[] = {
        rule(true, 'a', -1, -1, "rwm"),
        rule(false, 'c', 1, -1, "w"),
        rule(true, 'c', 1, 3, "rwm"),
    };
    compare_v1(hole2, BRIG_ARRAY_SIZE(hole2), "hole in a deny", false);
}

static void test_bpf_program(void)
{
    size_t n;
    struct brig_device_rule *r = brig_cg_device_rules(NULL, NULL, 0, &n);
    compare_bpf(r, n, "defaults");
    brig_cg_device_rules_free(r, n);

    struct brig_device_rule cfg[] = {
        rule(true, 'a', -1, -1, "rwm"),      /* privileged */
        rule(false, 'c', 1, -1, "w"),
        rule(false, 'b', -1, 0, "rm"),
        rule(true, 'c', 10, 229, "r"),
        rule(true, 'b', 4000000000LL, 5, "rw"),
        rule(false, 'a', 136, -1, "m"),
    };
    struct brig_resources res = {0};
    res.devices = cfg;
    res.n_devices = BRIG_ARRAY_SIZE(cfg);
    r = brig_cg_device_rules(&res, NULL, 0, &n);
    compare_bpf(r, n, "mixed");
    brig_cg_device_rules_free(r, n);
    /* the raw rules alone, without brig's leading deny and defaults */
    compare_bpf(cfg, BRIG_ARRAY_SIZE(cfg), "raw");
    compare_bpf(cfg + 1, BRIG_ARRAY_SIZE(cfg) - 1, "no catch-all");
    compare_bpf(cfg, 0, "empty");

    /* the first (lowest priority) catch-all ends the program */
    size_t ni;
    struct bpf_insn *p = brig_cg_bpf_compile(cfg, 1, &ni);
    CHECK(p && ni == 8 && p[ni - 1].code == (BPF_JMP | BPF_EXIT));
    free(p);
    struct brig_device_rule bad = rule(true, 'x', -1, -1, "rwm");
    CHECK(brig_cg_bpf_compile(&bad, 1, &ni) == NULL);
    bad = rule(true, 'c', -1, -1, "rwx");
    CHECK(brig_cg_bpf_compile(&bad, 1, &ni) == NULL);
    bad = rule(true, 'c', 1LL << 33, -1, "rw");
    CHECK(brig_cg_bpf_compile(&bad, 1, &ni) == NULL);
}

/* Relative cgroupsPaths: under the parent of brig's own cgroup on v2 (a
 * systemd host's leaf has processes), under its own elsewhere. */
static void test_relative_base(void)
{
    char *p;
    CHECK_STR(p = brig_cg_relative_base("/user.slice/user-0.slice/session-1.scope", BRIG_CGROUP_V2),
              "/user.slice/user-0.slice"); free(p);
    CHECK_STR(p = brig_cg_relative_base("/system.slice/containerd.service", BRIG_CGROUP_V2),
              "/system.slice"); free(p);
    CHECK_STR(p = brig_cg_relative_base("/a", BRIG_CGROUP_V2), "/"); free(p);
    CHECK_STR(p = brig_cg_relative_base("/", BRIG_CGROUP_V2), "/"); free(p);
    CHECK_STR(p = brig_cg_relative_base("", BRIG_CGROUP_V2), "/"); free(p);
    CHECK_STR(p = brig_cg_relative_base("/a/b/", BRIG_CGROUP_V2), "/a"); free(p);
    CHECK_STR(p = brig_cg_relative_base("/user.slice/x.scope", BRIG_CGROUP_HYBRID),
              "/user.slice/x.scope"); free(p);
    CHECK_STR(p = brig_cg_relative_base("/a/../b", BRIG_CGROUP_V1), "/b"); free(p);
}

static bool alive_unless_gone(const char *leaf, void *arg)
{
    return strcmp(leaf, (const char *)arg) != 0;
}

/* The trusted.brig.enabled list of a cgroup brig did not make: which
 * containers need a controller brig turned on there. */
static void test_enable_list(void)
{
    char *r, *p;
    unsigned off;
    CHECK(!brig_cg_refs_has("", "memory", NULL));
    CHECK(!brig_cg_refs_has(NULL, "memory", "/a"));
    CHECK_STR(r = brig_cg_refs_add("", "hugetlb", "/x/a"), "hugetlb /x/a\n");
    CHECK(brig_cg_refs_has(r, "hugetlb", NULL));
    CHECK(brig_cg_refs_has(r, "hugetlb", "/x/a"));
    CHECK(!brig_cg_refs_has(r, "hugetlb", "/x/ab"));
    CHECK(!brig_cg_refs_has(r, "huge", NULL));
    CHECK_STR(p = brig_cg_refs_add(r, "hugetlb", "/x/a"), "hugetlb /x/a\n"); free(p);
    CHECK_STR(p = brig_cg_refs_add(r, "hugetlb", "/x/b c"), "hugetlb /x/a\nhugetlb /x/b c\n");
    free(r);
    r = brig_cg_refs_add(p, "memory", "/x/a");
    free(p);
    CHECK(!brig_cg_refs_has(r, "memory", "/x/b c"));
    /* /x/a goes: memory has no container left, hugetlb still one */
    CHECK_STR(p = brig_cg_refs_prune(r, alive_unless_gone, (void *)"/x/a", &off), "hugetlb /x/b c\n");
    CHECK_UINT(off, BRIG_CG_BIT(BRIG_CG_MEMORY));
    free(r);
    CHECK_STR(r = brig_cg_refs_prune(p, alive_unless_gone, (void *)"/x/b c", &off), "");
    CHECK_UINT(off, BRIG_CG_BIT(BRIG_CG_HUGETLB));
    free(r);
    CHECK_STR(r = brig_cg_refs_prune(p, alive_unless_gone, (void *)"/none", &off), "hugetlb /x/b c\n");
    CHECK_UINT(off, 0);
    free(r);
    free(p);
    /* junk lines are dropped, never followed */
    CHECK_STR(r = brig_cg_refs_prune("nosuchctrl /a\nno-space\n\npids /p\n", alive_unless_gone,
                                     (void *)"", &off), "pids /p\n");
    CHECK_UINT(off, 0);
    free(r);
}

/* What brig made, through the state and back; an older state says nothing. */
static void test_own_record(void)
{
    struct brig_cgroup_own o = {0}, back = {0};
    o.known = true;
    yajl_gen g = brig_json_gen_new(false);
    yajl_gen_map_open(g);
    brig_cgroup_own_gen(g, "cgroupOwn", &o);
    yajl_gen_map_close(g);
    char *text = brig_json_gen_finish(g);
    CHECK_STR(text, "{\"cgroupOwn\":{\"made\":[],\"enabled\":[]}}");
    yajl_val v = brig_json_parse(text, "test");
    brig_cgroup_own_load(brig_json_get(v, "cgroupOwn"), &back);
    CHECK(back.known && back.n_made == 0 && back.n_enabled == 0);
    yajl_tree_free(v);
    free(text);
    brig_cgroup_own_clear(&back);

    char *made[] = {(char *)"/sys/fs/cgroup/x", (char *)"/sys/fs/cgroup/x/c"};
    char *en[] = {(char *)"/sys/fs/cgroup hugetlb"};
    o.made = made, o.n_made = 2, o.enabled = en, o.n_enabled = 1;
    g = brig_json_gen_new(false);
    yajl_gen_map_open(g);
    brig_cgroup_own_gen(g, "cgroupOwn", &o);
    yajl_gen_map_close(g);
    text = brig_json_gen_finish(g);
    v = brig_json_parse(text, "test");
    brig_cgroup_own_load(brig_json_get(v, "cgroupOwn"), &back);
    CHECK(back.known && back.n_made == 2 && back.n_enabled == 1);
    if (back.n_made == 2 && back.n_enabled == 1) {
        CHECK_STR(back.made[1], "/sys/fs/cgroup/x/c");
        CHECK(brig_cg_own_has(&back, "/sys/fs/cgroup/x"));
        CHECK(!brig_cg_own_has(&back, "/sys/fs/cgroup"));
        CHECK_STR(back.enabled[0], "/sys/fs/cgroup hugetlb");
    }
    brig_cgroup_own_clear(&back);
    brig_cgroup_own_load(brig_json_get(v, "noSuchMember"), &back);
    CHECK(!back.known && back.n_made == 0);
    yajl_tree_free(v);
    free(text);

    struct brig_cgroup_own unknown = {0};
    g = brig_json_gen_new(false);
    yajl_gen_map_open(g);
    brig_cgroup_own_gen(g, "cgroupOwn", &unknown);
    yajl_gen_map_close(g);
    text = brig_json_gen_finish(g);
    CHECK_STR(text, "{}");
    free(text);
}

/* Lookups from each hierarchy's directory: the longest registered mount
 * that is a whole-component prefix serves, "." for the mount itself, "/"
 * for the rest; the fds are O_PATH and close-on-exec; after the drop they
 * are closed and every lookup is from "/" again (a process entering a
 * container).  Last in main: the drop is for the rest of the process. */
static void test_lookup_dirs(void)
{
    char tmpl[] = "/tmp/brig-cgat.XXXXXX";
    char *t = mkdtemp(tmpl);
    CHECK(t != NULL);
    if (!t)
        return;
    char *a = brig_xasprintf("%s/a", t), *ab = brig_xasprintf("%s/a/b", t);
    char *c = brig_xasprintf("%s/c", t), *cslash = brig_xasprintf("%s/c//", t);
    CHECK(mkdir(a, 0755) == 0 && mkdir(ab, 0755) == 0 && mkdir(c, 0755) == 0);
    brig_cg_dirs_register(a, -1);
    brig_cg_dirs_register(ab, -1);
    brig_cg_dirs_register(a, -1); /* once only */
    brig_cg_dirs_register("relative/ignored", -1);

    const char *rel;
    struct stat want, got;
    char *p = brig_xasprintf("%s/x/y", a);
    int fa = brig_cg_at(p, &rel);
    CHECK(fa >= 0);
    CHECK_STR(rel, "x/y");
    CHECK(fstat(fa, &got) == 0 && stat(a, &want) == 0 && got.st_ino == want.st_ino);
    CHECK((fcntl(fa, F_GETFD) & FD_CLOEXEC) && (fcntl(fa, F_GETFL) & O_PATH));
    CHECK_INT(brig_cg_at(a, &rel), fa);
    CHECK_STR(rel, ".");
    free(p);

    p = brig_xasprintf("%s/z", ab); /* the nested mount, not its parent */
    int fab = brig_cg_at(p, &rel);
    CHECK(fab >= 0 && fab != fa);
    CHECK_STR(rel, "z");
    CHECK(fstat(fab, &got) == 0 && stat(ab, &want) == 0 && got.st_ino == want.st_ino);
    free(p);

    p = brig_xasprintf("%sb/x", a); /* ".../ab": not below ".../a" */
    CHECK_INT(brig_cg_at(p, &rel), AT_FDCWD);
    CHECK(rel == p);
    free(p);
    p = brig_xasprintf("%s/x", c);
    CHECK_INT(brig_cg_at(p, &rel), AT_FDCWD);
    CHECK(rel == p);
    brig_cg_dirs_register(cslash, -1); /* trailing slashes: the same mount */
    CHECK(brig_cg_at(p, &rel) >= 0);
    CHECK_STR(rel, "x");
    free(p);

    /* the wrappers: mkdir, lstat, open, rmdir below a mount */
    p = brig_xasprintf("%s/new", a);
    CHECK_INT(brig_cg_mkdir(p), 0);
    CHECK(brig_cg_lstat(p, &got) == 0 && S_ISDIR(got.st_mode));
    CHECK(brig_cg_mkdir(p) < 0 && errno == EEXIST);
    int fd = brig_cg_open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    CHECK(brig_cg_exists(p, NULL));
    CHECK_INT(brig_cg_rmdir(p), 0);
    CHECK(!brig_cg_exists(p, NULL));
    CHECK(brig_cg_lstat(p, &got) < 0 && errno == ENOENT);
    free(p);

    /* an fd given at registration (the layout's, confirmed through it) is
     * taken over: used, or closed when the mount is registered already */
    char *e = brig_xasprintf("%s/e", t);
    CHECK(mkdir(e, 0755) == 0);
    int fe = open(e, O_PATH | O_DIRECTORY | O_CLOEXEC);
    brig_cg_dirs_register(e, fe);
    p = brig_xasprintf("%s/x", e);
    CHECK_INT(brig_cg_at(p, &rel), fe);
    free(p);
    int fc2 = open(c, O_PATH | O_DIRECTORY | O_CLOEXEC);
    CHECK(fc2 >= 0);
    brig_cg_dirs_register(c, fc2);
    CHECK(fcntl(fc2, F_GETFD) < 0 && errno == EBADF);

    /* a child on our memory (vm_init.c): stashed, the table opens no fd
     * into itself; the child hides it (SHARED) without closing or freeing
     * anything; unstashed, it is ours as before */
    char *f = brig_xasprintf("%s/f", t);
    CHECK(mkdir(f, 0755) == 0);
    brig_cg_dirs_register(f, -1);
    struct brig_cg_dirs_stash st;
    brig_cgroup_stash_dirs(&st);
    p = brig_xasprintf("%s/x", f);
    CHECK_INT(brig_cg_at(p, &rel), AT_FDCWD);
    free(p);
    brig_cgroup_forget_dirs(BRIG_CG_DIRS_SHARED);
    p = brig_xasprintf("%s/x", a);
    CHECK_INT(brig_cg_at(p, &rel), AT_FDCWD);
    CHECK(fcntl(fa, F_GETFD) >= 0);
    brig_cgroup_unstash_dirs(&st);
    CHECK_INT(brig_cg_at(p, &rel), fa);
    CHECK_STR(rel, "x");
    free(p);

    /* dropped: the fds are closed, lookups are from "/" for good */
    brig_cg_dirs_drop(BRIG_CG_DIRS_CLOSE);
    CHECK(fcntl(fe, F_GETFD) < 0 && errno == EBADF);
    CHECK(fcntl(fa, F_GETFD) < 0 && errno == EBADF);
    CHECK(fcntl(fab, F_GETFD) < 0 && errno == EBADF);
    p = brig_xasprintf("%s/x", a);
    CHECK_INT(brig_cg_at(p, &rel), AT_FDCWD);
    CHECK(rel == p);
    brig_cg_dirs_register(a, -1);
    CHECK_INT(brig_cg_at(p, &rel), AT_FDCWD);
    free(p);

    CHECK(rmdir(ab) == 0 && rmdir(a) == 0 && rmdir(c) == 0 && rmdir(e) == 0 && rmdir(f) == 0 && rmdir(t) == 0);
    free(e);
    free(f);
    free(a);
    free(ab);
    free(c);
    free(cslash);
}

int main(void)
{
    RUN(test_clean_path);
    RUN(test_own_path);
    RUN(test_systemd_paths);
    RUN(test_conversions);
    RUN(test_parsers);
    RUN(test_layout);
    RUN(test_layout_guess);
    RUN(test_device_rules);
    RUN(test_device_rules_v1);
    RUN(test_bpf_program);
    RUN(test_relative_base);
    RUN(test_enable_list);
    RUN(test_own_record);
    RUN(test_lookup_dirs);
    return unit_finish();
}
