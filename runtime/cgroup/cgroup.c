/* brig: cgroups — host layout, paths, and the public API of cgroup.h.
 *
 * The mode is found with statfs() (one syscall on v2 hosts); the v1 mount
 * points come from one parse of /proc/self/mountinfo, cached for the life of
 * the process.  Each resource goes to the hierarchy that carries its
 * controller: on a hybrid host that is usually v1, but a controller that v1
 * does not mount (hugetlb here) is used through the unified hierarchy. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/cgroup_internal.h"
#include "brig/fault.h"
#include "brig/internal.h"
#include "brig/rootless.h"
#include "brig/json.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define CG_ROOT "/sys/fs/cgroup"

static const char *const ctrl_v1[BRIG_CG_NCTRL] = {
    [BRIG_CG_CPU] = "cpu",         [BRIG_CG_CPUACCT] = "cpuacct",
    [BRIG_CG_CPUSET] = "cpuset",   [BRIG_CG_MEMORY] = "memory",
    [BRIG_CG_DEVICES] = "devices", [BRIG_CG_FREEZER] = "freezer",
    [BRIG_CG_BLKIO] = "blkio",     [BRIG_CG_PIDS] = "pids",
    [BRIG_CG_HUGETLB] = "hugetlb", [BRIG_CG_NET_CLS] = "net_cls",
    [BRIG_CG_NET_PRIO] = "net_prio", [BRIG_CG_PERF_EVENT] = "perf_event",
    [BRIG_CG_RDMA] = "rdma",       [BRIG_CG_MISC] = "misc",
};

const char *brig_cg_ctrl_name(enum brig_cg_ctrl c, bool v2)
{
    if (v2 && c == BRIG_CG_BLKIO)
        return "io";
    return (unsigned)c < BRIG_CG_NCTRL ? ctrl_v1[c] : "?";
}

int brig_cg_ctrl_from_name(const char *name)
{
    if (strcmp(name, "io") == 0)
        return BRIG_CG_BLKIO;
    for (int i = 0; i < BRIG_CG_NCTRL; i++)
        if (strcmp(name, ctrl_v1[i]) == 0)
            return i;
    return -1;
}

/* ---- mode and layout ---- */

static bool is_cgroup2(const char *path)
{
    struct statfs st;
    return statfs(path, &st) == 0 && (unsigned long)st.f_type == CGROUP2_SUPER_MAGIC;
}

static struct brig_cg_layout layout;
static bool layout_done;

enum brig_cgroup_mode brig_cgroup_mode(void)
{
    static int cached = -1;
    if (layout_done)
        return layout.mode;
    if (cached < 0) {
        if (is_cgroup2(CG_ROOT))
            cached = BRIG_CGROUP_V2;
        else if (is_cgroup2(CG_ROOT "/unified"))
            cached = BRIG_CGROUP_HYBRID;
        else
            cached = BRIG_CGROUP_V1;
    }
    return (enum brig_cgroup_mode)cached;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
    char *d = s;
    while (*s) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 4;
        } else {
            *d++ = *s++;
        }
    }
    *d = '\0';
}

static void layout_add_v1(struct brig_cg_layout *l, const char *mnt, char *superopts)
{
    unsigned ctrls = 0;
    char *name = NULL, *save = NULL;
    for (char *tok = strtok_r(superopts, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int c = brig_cg_ctrl_from_name(tok);
        if (c >= 0 && strcmp(tok, "io") != 0)
            ctrls |= BRIG_CG_BIT(c);
        else if (strncmp(tok, "name=", 5) == 0 && !name)
            name = tok + 5;
    }
    if (!ctrls && !name)
        return;
    /* The same hierarchy may be mounted twice: keep the first. */
    for (size_t i = 0; i < l->n_v1; i++) {
        if (ctrls && (l->v1[i].ctrls & ctrls))
            return;
        if (!ctrls && l->v1[i].name && name && strcmp(l->v1[i].name, name) == 0)
            return;
    }
    l->v1 = brig_xrealloc(l->v1, (l->n_v1 + 1) * sizeof *l->v1);
    l->v1[l->n_v1].mnt = brig_xstrdup(mnt);
    l->v1[l->n_v1].ctrls = ctrls;
    l->v1[l->n_v1].name = ctrls ? NULL : brig_xstrdup(name);
    l->n_v1++;
    l->v1_ctrls |= ctrls;
}

int brig_cg_layout_parse(const char *mountinfo, enum brig_cgroup_mode mode,
                         struct brig_cg_layout *out)
{
    memset(out, 0, sizeof *out);
    out->mode = mode;
    char *text = brig_xstrdup(mountinfo);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER */
        char *sep = strstr(line, " - ");
        if (!sep)
            continue;
        *sep = '\0';
        char *f[5] = { 0 }, *s2 = NULL;
        int nf = 0;
        for (char *t = strtok_r(line, " ", &s2); t && nf < 5; t = strtok_r(NULL, " ", &s2))
            f[nf++] = t;
        if (nf < 5)
            continue;
        char *s3 = NULL;
        char *fstype = strtok_r(sep + 3, " ", &s3);
        char *source = fstype ? strtok_r(NULL, " ", &s3) : NULL;
        char *super = source ? strtok_r(NULL, " ", &s3) : NULL;
        if (!super)
            continue;
        char *mnt = f[4];
        unescape(mnt);
        if (strcmp(fstype, "cgroup") == 0 && mode != BRIG_CGROUP_V2) {
            layout_add_v1(out, mnt, super);
        } else if (strcmp(fstype, "cgroup2") == 0 && mode != BRIG_CGROUP_V1 && !out->unified) {
            out->unified = brig_xstrdup(mnt);
        }
    }
    free(text);
    if (mode == BRIG_CGROUP_V2 && !out->unified)
        out->unified = brig_xstrdup(CG_ROOT);
    if (mode == BRIG_CGROUP_V1 && out->n_v1 == 0)
        return brig_fail(0, "no cgroup hierarchy is mounted");
    if (mode != BRIG_CGROUP_V1 && !out->unified)
        return brig_fail(0, "the cgroup2 hierarchy is not mounted");
    return 0;
}

void brig_cg_layout_free(struct brig_cg_layout *l)
{
    for (size_t i = 0; i < l->n_v1; i++) {
        free(l->v1[i].mnt);
        free(l->v1[i].name);
    }
    free(l->v1);
    free(l->unified);
    memset(l, 0, sizeof *l);
}

static unsigned parse_v2_controllers(const char *text)
{
    unsigned mask = 0;
    char *t = brig_xstrdup(text), *save = NULL;
    for (char *tok = strtok_r(t, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
        int c = brig_cg_ctrl_from_name(tok);
        if (c >= 0)
            mask |= BRIG_CG_BIT(c);
    }
    free(t);
    return mask;
}

void brig_cg_layout_override(const struct brig_cg_layout *l)
{
    layout = *l;
    layout_done = true;
}

const struct brig_cg_layout *brig_cg_layout(void)
{
    if (layout_done)
        return &layout;
    enum brig_cgroup_mode mode = brig_cgroup_mode();
    if (mode == BRIG_CGROUP_V2) {
        /* The common case needs no mountinfo at all. */
        memset(&layout, 0, sizeof layout);
        layout.mode = mode;
        layout.unified = brig_xstrdup(CG_ROOT);
    } else {
        cleanup_free char *mi = NULL;
        if (brig_read_file("/proc/self/mountinfo", &mi, NULL) < 0)
            return NULL;
        if (brig_cg_layout_parse(mi, mode, &layout) < 0)
            return NULL;
    }
    if (layout.unified) {
        cleanup_free char *c = brig_cg_read(layout.unified, "cgroup.controllers");
        layout.v2_ctrls = c ? parse_v2_controllers(c) : 0;
        /* devices and freezer are built into v2 */
        layout.v2_ctrls |= BRIG_CG_BIT(BRIG_CG_DEVICES) | BRIG_CG_BIT(BRIG_CG_FREEZER);
        brig_clear_error();
    }
    layout_done = true;
    return &layout;
}

char *brig_cg_v1_dir(const struct brig_cg_layout *l, enum brig_cg_ctrl c, const char *path)
{
    for (size_t i = 0; i < l->n_v1; i++)
        if (l->v1[i].ctrls & BRIG_CG_BIT(c))
            return brig_xasprintf("%s%s", l->v1[i].mnt, path);
    return NULL;
}

char *brig_cg_v2_dir(const struct brig_cg_layout *l, const char *path)
{
    if (!l->unified)
        return NULL;
    return brig_xasprintf("%s%s", l->unified, strcmp(path, "/") == 0 ? "" : path);
}

/* ---- paths ---- */

char *brig_cg_clean_path(const char *p)
{
    if (!p || !*p) {
        brig_fail(0, "empty cgroup path");
        return NULL;
    }
    size_t len = strlen(p);
    char *out = brig_xmalloc(len + 2);
    size_t o = 0;
    out[o++] = '/';
    const char *s = p;
    while (*s) {
        while (*s == '/')
            s++;
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0)
            break;
        if (n == 1 && s[0] == '.') {
            /* skip */
        } else if (n == 2 && s[0] == '.' && s[1] == '.') {
            /* drop the last component, never going above the root */
            if (o > 1) {
                o--; /* the trailing '/' */
                while (o > 1 && out[o - 1] != '/')
                    o--;
            }
        } else {
            memcpy(out + o, s, n);
            o += n;
            out[o++] = '/';
        }
        s += n;
    }
    if (o > 1)
        o--; /* trailing slash */
    out[o] = '\0';
    return out;
}

char *brig_cg_own_path(const char *proc_cgroup, const char *ctrl)
{
    cleanup_free char *text = brig_xstrdup(proc_cgroup);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = '\0';
        char *ctrls = c1 + 1;
        if (!*ctrl) {
            if (strncmp(line, "0:", 2) == 0 && !*ctrls)
                return brig_xstrdup(c2 + 1);
            continue;
        }
        char *s2 = NULL;
        for (char *t = strtok_r(ctrls, ",", &s2); t; t = strtok_r(NULL, ",", &s2))
            if (strcmp(t, ctrl) == 0)
                return brig_xstrdup(c2 + 1);
    }
    return NULL;
}

bool brig_cg_is_systemd_path(const char *path)
{
    if (!path || path[0] == '/')
        return false;
    const char *c1 = strchr(path, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    return c2 && !strchr(c2 + 1, ':');
}

static bool valid_unit_part(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/' || s[i] == '\0' || s[i] == '\n')
            return false;
    return !(n == 1 && s[0] == '.') && !(n == 2 && s[0] == '.' && s[1] == '.');
}

int brig_cg_systemd_expand(const char *spec, char **cgpath, char **unit)
{
    if (!brig_cg_is_systemd_path(spec))
        return brig_fail(0, "expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"%s\"", spec);
    const char *c1 = strchr(spec, ':'), *c2 = strchr(c1 + 1, ':');
    cleanup_free char *slice = c1 == spec ? brig_xstrdup("system.slice")
                                          : strndup(spec, (size_t)(c1 - spec));
    cleanup_free char *prefix = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
    const char *name = c2 + 1;
    if (!slice || !prefix)
        return brig_fail(ENOMEM, "systemd cgroup path");
    size_t sl = strlen(slice);
    if (!*name || !valid_unit_part(name, strlen(name)) || !valid_unit_part(prefix, strlen(prefix)) ||
        !valid_unit_part(slice, sl))
        return brig_fail(0, "invalid systemd cgroupsPath \"%s\"", spec);
    if (sl < 6 || strcmp(slice + sl - 6, ".slice") != 0)
        return brig_fail(0, "invalid systemd cgroupsPath \"%s\": \"%s\" is not a slice", spec, slice);

    /* "a-b-c.slice" lives at /a.slice/a-b.slice/a-b-c.slice; "-.slice" is the root. */
    char *p = brig_xstrdup("");
    if (strcmp(slice, "-.slice") != 0) {
        const char *stem_end = slice + sl - 6;
        if (slice[0] == '-' || stem_end[-1] == '-' || strstr(slice, "--")) {
            free(p);
            return brig_fail(0, "invalid slice name \"%s\"", slice);
        }
        for (const char *d = slice; d <= stem_end; d++) {
            if (d == stem_end || *d == '-') {
                char *np = brig_xasprintf("%s/%.*s.slice", p, (int)(d - slice), slice);
                free(p);
                p = np;
            }
        }
    }
    char *u;
    size_t nl = strlen(name);
    if (nl > 6 && strcmp(name + nl - 6, ".slice") == 0)
        u = brig_xstrdup(name); /* the container gets a slice of its own */
    else if (*prefix)
        u = brig_xasprintf("%s-%s.scope", prefix, name);
    else
        u = brig_xasprintf("%s.scope", name);
    /* The user instance of systemd keeps its units below its own cgroup
     * (runc asks the manager's ControlGroup; this is where systemd puts
     * it: user@UID.service in the user's slice). */
    if (brig_systemd_user()) {
        unsigned uid = (unsigned)brig_host_uid();
        *cgpath = brig_xasprintf("/user.slice/user-%u.slice/user@%u.service%s/%s", uid, uid, p, u);
    } else {
        *cgpath = brig_xasprintf("%s/%s", p, u);
    }
    free(p);
    *unit = u;
    return 0;
}

char *brig_cgroup_path_for(const struct brig_config *cfg, const char *id, bool systemd)
{
    const char *want = cfg && cfg->linux_ ? cfg->linux_->cgroups_path : NULL;
    if (want && !*want)
        want = NULL;
    if (want && strchr(want, '\n')) {
        brig_fail(0, "linux.cgroupsPath: a newline is not allowed in a cgroup path");
        return NULL;
    }
    if (systemd) {
        char *spec = want ? brig_xstrdup(want)
                          : brig_xasprintf("%s:brig:%s", brig_systemd_user() ? "user.slice" : "system.slice", id);
        cleanup_free char *cgpath = NULL, *unit = NULL;
        if (brig_cg_systemd_expand(spec, &cgpath, &unit) < 0) {
            free(spec);
            return NULL;
        }
        return spec;
    }
    char *path;
    if (!want) {
        path = brig_xasprintf("/brig/%s", id);
    } else if (want[0] == '/') {
        path = brig_cg_clean_path(want);
    } else {
        /* Relative: as runc places it.  On v2 under the parent of brig's
         * own cgroup (its own is a leaf with processes on a systemd host:
         * it cannot pass controllers down); on v1 and hybrid hosts under
         * brig's own (the v2 one, or name=systemd's, which is what a
         * service manager set up). */
        cleanup_free char *self = NULL;
        if (brig_read_file("/proc/self/cgroup", &self, NULL) < 0)
            return NULL;
        cleanup_free char *own = brig_cgroup_mode() != BRIG_CGROUP_V1
                                     ? brig_cg_own_path(self, "")
                                     : brig_cg_own_path(self, "name=systemd");
        if (!own) {
            /* first v1 hierarchy listed */
            const char *c = strchr(self, ':');
            c = c ? strchr(c + 1, ':') : NULL;
            own = c ? strndup(c + 1, strcspn(c + 1, "\n")) : brig_xstrdup("/");
        }
        cleanup_free char *base = brig_cg_relative_base(own, brig_cgroup_mode());
        cleanup_free char *joined = brig_xasprintf("%s/%s", base, want);
        path = brig_cg_clean_path(joined);
    }
    if (path && strcmp(path, "/") == 0) {
        free(path);
        brig_fail(0, "cgroupsPath \"%s\" is the root cgroup", want);
        return NULL;
    }
    return path;
}

char *brig_cg_relative_base(const char *own, enum brig_cgroup_mode mode)
{
    cleanup_free char *clean = brig_cg_clean_path(own && *own ? own : "/");
    if (!clean)
        return NULL;
    if (mode == BRIG_CGROUP_V2) {
        char *slash = strrchr(clean, '/');
        if (slash)
            slash[slash == clean ? 1 : 0] = '\0';
    }
    return brig_steal_ptr(&clean);
}

/* The filesystem path of a stored cgroup path (systemd form expanded). */
static char *fs_path(const char *path)
{
    if (brig_cg_is_systemd_path(path)) {
        char *cg = NULL, *unit = NULL;
        if (brig_cg_systemd_expand(path, &cg, &unit) < 0)
            return NULL;
        free(unit);
        return cg;
    }
    char *p = brig_cg_clean_path(path);
    if (p && strcmp(p, "/") == 0) {
        free(p);
        brig_fail(0, "refusing to use the root cgroup");
        return NULL;
    }
    return p;
}

/* ---- pure conversions ---- */

uint64_t brig_cg_shares_to_weight(uint64_t shares)
{
    if (shares == 0)
        return 0;
    if (shares < 2)
        shares = 2;
    if (shares > 262144)
        shares = 262144;
    return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t brig_cg_blkio_to_io_weight(uint64_t weight)
{
    if (weight == 0)
        return 0;
    if (weight < 10)
        weight = 10;
    if (weight > 1000)
        weight = 1000;
    return 1 + ((weight - 10) * 9999) / 990;
}

int brig_cg_swap_to_v2(const struct brig_memory *m, int64_t *out)
{
    int64_t swap = m->swap.v;
    int64_t mem = m->limit.set ? m->limit.v : 0;
    if (swap == -1) {
        *out = -1;
        return 0;
    }
    if (swap == 0) {
        *out = 0;
        return 0;
    }
    if (mem == 0 || mem == -1)
        return brig_fail(0, "memory.swap is set without a memory limit (cgroup v2 cannot express memory+swap alone)");
    if (mem > swap)
        return brig_fail(0, "memory.swap (%lld) must not be smaller than memory.limit (%lld)",
                         (long long)swap, (long long)mem);
    *out = swap - mem;
    return 0;
}

char *brig_cg_cpu_max(const struct brig_cpu *c)
{
    if (!c->quota.set && !c->period.set)
        return NULL;
    char quota[32] = "max";
    if (c->quota.set && c->quota.v > 0)
        snprintf(quota, sizeof quota, "%lld", (long long)c->quota.v);
    if (c->period.set && c->period.v > 0)
        return brig_xasprintf("%s %llu", quota, (unsigned long long)c->period.v);
    return brig_xstrdup(quota);
}

char *brig_cg_limit_str(int64_t v)
{
    return v < 0 ? brig_xstrdup("max") : brig_xasprintf("%lld", (long long)v);
}

bool brig_cg_hugepage_size(const char *s, uint64_t *bytes)
{
    uint64_t n = 0;
    const char *p = s;
    if (!s || *p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9') {
        if (n > UINT64_MAX / 10)
            return false;
        n = n * 10 + (uint64_t)(*p++ - '0');
    }
    uint64_t mul;
    if (strcmp(p, "KB") == 0)
        mul = 1ULL << 10;
    else if (strcmp(p, "MB") == 0)
        mul = 1ULL << 20;
    else if (strcmp(p, "GB") == 0)
        mul = 1ULL << 30;
    else
        return false;
    if (n == 0 || n > UINT64_MAX / mul)
        return false;
    *bytes = n * mul;
    return true;
}

bool brig_cg_parse_size(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    if (strcmp(s, "-1") == 0) {
        *out = -1;
        return true;
    }
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long n = strtoull(s, &end, 10);
    if (errno)
        return false;
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'b': case 'B': shift = 0; end++; goto done;
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    default: return false;
    }
    if (*end) {
        end++;
        /* "k", "kb", "kib" */
        if (*end == 'i' || *end == 'I')
            end++;
        if (*end == 'b' || *end == 'B')
            end++;
    }
done:
    if (*end)
        return false;
    if (n > ((unsigned long long)INT64_MAX >> shift))
        return false;
    *out = (int64_t)(n << shift);
    return true;
}

bool brig_cg_parse_duration_ms(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return false;
    double total = 0;
    const char *p = s;
    while (*p) {
        if (!((*p >= '0' && *p <= '9') || *p == '.'))
            return false; /* no signs, spaces, "inf" or "nan" */
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno || !(v >= 0))
            return false;
        p = end;
        double mul;
        if (strncmp(p, "ms", 2) == 0) {
            mul = 1;
            p += 2;
        } else if (strncmp(p, "us", 2) == 0) {
            mul = 0.001;
            p += 2;
        } else if (strncmp(p, "ns", 2) == 0) {
            mul = 0.000001;
            p += 2;
        } else if (*p == 'h') {
            mul = 3600000;
            p++;
        } else if (*p == 'm') {
            mul = 60000;
            p++;
        } else if (*p == 's') {
            mul = 1000;
            p++;
        } else {
            return false; /* Go wants a unit on every number */
        }
        total += v * mul;
    }
    if (total > 1e15)
        return false;
    *out = (uint64_t)total;
    return true;
}

bool brig_cg_kv_get(const char *text, const char *key, uint64_t *out)
{
    size_t kl = strlen(key);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, key, kl) == 0 && l[kl] == ' ') {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(l + kl + 1, &end, 10);
            if (errno || end == l + kl + 1)
                return false;
            *out = v;
            return true;
        }
    }
    return false;
}

/* ---- file helpers ---- */

int brig_cg_write_fd(int fd, const char *path, const char *s)
{
    size_t len = strlen(s);
    ssize_t w;
    do
        w = write(fd, s, len);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        return brig_fail(errno, "write \"%s\" to %s", s, path);
    if ((size_t)w != len)
        return brig_fail(EIO, "short write \"%s\" to %s", s, path);
    return 0;
}

int brig_cg_write(const char *dir, const char *file, const char *s)
{
    cleanup_free char *p = brig_xasprintf("%s/%s", dir, file);
    cleanup_fd int fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return brig_fail(errno, "open %s", p);
    return brig_cg_write_fd(fd, p, s);
}

int brig_cg_writef(const char *dir, const char *file, const char *fmt, ...)
{
    char *s;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return brig_fail(ENOMEM, "format %s", file);
    int r = brig_cg_write(dir, file, s);
    free(s);
    return r;
}

char *brig_cg_read(const char *dir, const char *file)
{
    cleanup_free char *p = brig_xasprintf("%s/%s", dir, file);
    char *s = NULL;
    if (brig_read_file(p, &s, NULL) < 0)
        return NULL;
    return s;
}

bool brig_cg_read_u64(const char *dir, const char *file, uint64_t *out)
{
    cleanup_free char *s = brig_cg_read(dir, file);
    if (!s)
        return false;
    s[strcspn(s, "\n")] = '\0';
    if (strcmp(s, "max") == 0) {
        *out = UINT64_MAX;
        return true;
    }
    return brig_parse_u64(s, out);
}

bool brig_cg_exists(const char *dir, const char *file)
{
    cleanup_free char *p = file ? brig_xasprintf("%s/%s", dir, file) : brig_xstrdup(dir);
    return access(p, F_OK) == 0;
}

int brig_cg_read_procs(const char *dir, pid_t **pids, size_t *n)
{
    cleanup_free char *s = brig_cg_read(dir, "cgroup.procs");
    if (!s)
        return -1;
    char *save = NULL;
    for (char *t = strtok_r(s, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
        uint64_t v;
        if (!brig_parse_u64(t, &v) || v == 0 || v > INT_MAX)
            continue;
        bool dup = false;
        for (size_t i = 0; i < *n && !dup; i++)
            dup = (*pids)[i] == (pid_t)v;
        if (dup)
            continue;
        *pids = brig_xrealloc(*pids, (*n + 1) * sizeof **pids);
        (*pids)[(*n)++] = (pid_t)v;
    }
    return 0;
}

void brig_cg_json_u64(yajl_gen g, const char *key, uint64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%llu", (unsigned long long)v);
    brig_json_key(g, key);
    yajl_gen_number(g, num, (size_t)n);
}

void brig_cg_json_file_u64(yajl_gen g, const char *key, const char *dir, const char *file)
{
    uint64_t v;
    if (brig_cg_read_u64(dir, file, &v))
        brig_cg_json_u64(g, key, v);
    brig_clear_error();
}

void brig_cg_json_kv_object(yajl_gen g, const char *key, const char *text)
{
    brig_json_key(g, key);
    yajl_gen_map_open(g);
    for (const char *l = text; l && *l;) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        const char *sp = memchr(l, ' ', len);
        uint64_t v;
        if (sp && sp > l) {
            char *k = strndup(l, (size_t)(sp - l));
            char *val = strndup(sp + 1, len - (size_t)(sp - l) - 1);
            if (k && val && brig_parse_u64(val, &v))
                brig_cg_json_u64(g, k, v);
            free(k);
            free(val);
        }
        l = nl ? nl + 1 : NULL;
    }
    yajl_gen_map_close(g);
}

void brig_cg_sleep_ms(unsigned ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* ---- routing resources to controllers ---- */

static bool memory_set(const struct brig_memory *m)
{
    return m && (m->limit.set || m->reservation.set || m->swap.set || m->kernel.set ||
                 m->kernel_tcp.set || m->swappiness.set || m->disable_oom_killer.set ||
                 m->use_hierarchy.set);
}

static bool blkio_set(const struct brig_blkio *b)
{
    return b && (b->weight.set || b->leaf_weight.set || b->n_weight_device ||
                 b->n_throttle_read_bps || b->n_throttle_write_bps ||
                 b->n_throttle_read_iops || b->n_throttle_write_iops);
}

/* Controllers RES needs (devices and unified keys are handled apart). */
static unsigned needed_ctrls(const struct brig_resources *res)
{
    unsigned m = 0;
    if (!res)
        return 0;
    if (memory_set(res->memory))
        m |= BRIG_CG_BIT(BRIG_CG_MEMORY);
    const struct brig_cpu *c = res->cpu;
    if (c && (c->shares.set || c->quota.set || c->period.set || c->burst.set ||
              c->realtime_runtime.set || c->realtime_period.set || c->idle.set))
        m |= BRIG_CG_BIT(BRIG_CG_CPU);
    if (c && ((c->cpus && *c->cpus) || (c->mems && *c->mems)))
        m |= BRIG_CG_BIT(BRIG_CG_CPUSET);
    if (res->pids_limit.set)
        m |= BRIG_CG_BIT(BRIG_CG_PIDS);
    if (blkio_set(res->block_io))
        m |= BRIG_CG_BIT(BRIG_CG_BLKIO);
    if (res->n_hugepage_limits)
        m |= BRIG_CG_BIT(BRIG_CG_HUGETLB);
    if (res->net_class_id.set)
        m |= BRIG_CG_BIT(BRIG_CG_NET_CLS);
    if (res->n_net_priorities)
        m |= BRIG_CG_BIT(BRIG_CG_NET_PRIO);
    if (res->n_rdma)
        m |= BRIG_CG_BIT(BRIG_CG_RDMA);
    return m;
}

/* The controllers v2 serves for us: all of them on a v2 host; on a hybrid
 * host those v1 does not mount. */
static unsigned v2_mask(const struct brig_cg_layout *l)
{
    if (l->mode == BRIG_CGROUP_V1)
        return 0;
    if (l->mode == BRIG_CGROUP_V2)
        return l->v2_ctrls;
    return l->v2_ctrls & ~l->v1_ctrls;
}

static int check_available(const struct brig_cg_layout *l, const struct brig_resources *res)
{
    unsigned missing = needed_ctrls(res) & ~(l->v1_ctrls | v2_mask(l));
    for (int c = 0; c < BRIG_CG_NCTRL; c++)
        if (missing & BRIG_CG_BIT(c))
            return brig_fail(0, "cannot apply the %s limits: the %s controller is not available",
                             brig_cg_ctrl_name((enum brig_cg_ctrl)c, l->mode == BRIG_CGROUP_V2),
                             brig_cg_ctrl_name((enum brig_cg_ctrl)c, l->mode == BRIG_CGROUP_V2));
    if (res && res->unified.n && !l->unified)
        return brig_fail(0, "linux.resources.unified needs cgroup v2, and this host has only v1");
    return 0;
}

/* The controllers unified keys will touch ("memory.max" -> memory). */
static unsigned unified_ctrls(const struct brig_map *u)
{
    unsigned m = 0;
    for (size_t i = 0; i < u->n; i++) {
        char name[32];
        size_t n = strcspn(u->v[i].key, ".");
        if (n >= sizeof name)
            continue;
        memcpy(name, u->v[i].key, n);
        name[n] = '\0';
        int c = brig_cg_ctrl_from_name(name);
        if (c >= 0)
            m |= BRIG_CG_BIT(c);
    }
    return m;
}

/* ---- what brig made ---- */

static void strv_free_n(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void brig_cgroup_own_clear(struct brig_cgroup_own *o)
{
    if (!o)
        return;
    strv_free_n(o->made, o->n_made);
    strv_free_n(o->enabled, o->n_enabled);
    memset(o, 0, sizeof *o);
}

static bool strv_has(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static void strv_add(char ***v, size_t *n, const char *s)
{
    if (strv_has(*v, *n, s))
        return;
    *v = brig_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = brig_xstrdup(s);
}

bool brig_cg_own_has(const struct brig_cgroup_own *o, const char *dir)
{
    return o && strv_has(o->made, o->n_made, dir);
}

static void own_drop(struct brig_cgroup_own *o, const char *dir)
{
    for (size_t i = 0; o && i < o->n_made; i++)
        if (strcmp(o->made[i], dir) == 0) {
            free(o->made[i]);
            memmove(&o->made[i], &o->made[i + 1], (o->n_made - i - 1) * sizeof *o->made);
            o->n_made--;
            return;
        }
}

void brig_cg_own_add_enabled(struct brig_cgroup_own *o, const char *dir, const char *ctrl)
{
    cleanup_free char *e = brig_xasprintf("%s %s", dir, ctrl);
    strv_add(&o->enabled, &o->n_enabled, e);
}

static void gen_strv(yajl_gen g, const char *key, char *const *v, size_t n)
{
    brig_json_key(g, key);
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++)
        brig_json_str(g, v[i]);
    yajl_gen_array_close(g);
}

void brig_cgroup_own_gen(yajl_gen g, const char *key, const struct brig_cgroup_own *o)
{
    if (!o->known)
        return;
    brig_json_key(g, key);
    yajl_gen_map_open(g);
    gen_strv(g, "made", o->made, o->n_made);
    gen_strv(g, "enabled", o->enabled, o->n_enabled);
    yajl_gen_map_close(g);
}

static void load_strv(yajl_val v, char ***out, size_t *n)
{
    if (!YAJL_IS_ARRAY(v))
        return;
    for (size_t i = 0; i < v->u.array.len; i++)
        if (YAJL_IS_STRING(v->u.array.values[i]))
            strv_add(out, n, YAJL_GET_STRING(v->u.array.values[i]));
}

void brig_cgroup_own_load(yajl_val v, struct brig_cgroup_own *o)
{
    brig_cgroup_own_clear(o);
    if (!YAJL_IS_OBJECT(v))
        return;
    o->known = true;
    load_strv(brig_json_get(v, "made"), &o->made, &o->n_made);
    load_strv(brig_json_get(v, "enabled"), &o->enabled, &o->n_enabled);
}

int brig_cg_mkdir_p(const char *root, const char *path, struct brig_cgroup_own *own,
                    int (*before)(const char *parent, bool made, void *arg),
                    int (*after)(const char *dir, bool made, void *arg), void *arg)
{
    cleanup_free char *full = brig_xasprintf("%s%s", root, path);
    size_t base = strlen(root);
    for (unsigned attempt = 0;; attempt++) {
        int made = 0;
        bool again = false;
        for (char *p = full + base + 1;; p++) {
            if (*p != '/' && *p != '\0')
                continue;
            char c = *p;
            *p = '\0';
            if (before) {
                /* the directory the next level is made in */
                char *slash = strrchr(full, '/');
                *slash = '\0';
                const char *parent = slash == full + base ? root : full;
                bool pmade = parent != root && brig_cg_own_has(own, parent);
                int r = before(parent, pmade, arg);
                int e = brig_last_errno();
                *slash = '/';
                if (r < 0) {
                    *p = c;
                    if (e != ENOENT || attempt >= 8)
                        return -1;
                    again = true;
                    break;
                }
            }
            made = mkdir(full, 0755) == 0;
            if (!made && errno != EEXIST) {
                int e = errno;
                *p = c;
                if (e != ENOENT || attempt >= 8)
                    return brig_fail(e, "create cgroup %s", full);
                again = true; /* a racing delete removed a parent */
                break;
            }
            if (made)
                strv_add(&own->made, &own->n_made, full);
            else
                own_drop(own, full);
            if (after && after(full, made, arg) < 0) {
                *p = c;
                return -1;
            }
            *p = c;
            if (c == '\0')
                break;
        }
        if (!again)
            return made;
        brig_clear_error();
    }
}

/* Every process in directory D and below it. */
static void read_procs_tree(const char *d, pid_t **pids, size_t *n);

/* The leaf in hierarchy I (v1 index, n_v1 for the unified one). */
static char *hier_dir(const struct brig_cg_layout *l, size_t i, const char *p)
{
    return i < l->n_v1 ? brig_xasprintf("%s%s", l->v1[i].mnt, p) : brig_cg_v2_dir(l, p);
}

static size_t n_hier(const struct brig_cg_layout *l)
{
    return l->n_v1 + (l->unified ? 1 : 0);
}

int brig_cgroup_plan(const char *path, bool systemd, struct brig_cgroup_own *own)
{
    brig_cgroup_own_clear(own);
    own->known = true;
    bool sd = systemd || brig_cg_is_systemd_path(path);
    const struct brig_cg_layout *l = brig_cg_layout();
    if (!l)
        return brig_fail_ctx("cgroups");
    cleanup_free char *p = fs_path(path);
    if (!p)
        return -1;
    for (size_t i = 0; i < n_hier(l); i++) {
        cleanup_free char *leaf = hier_dir(l, i, p);
        struct stat st;
        /* systemd refuses a unit that exists itself (as with runc) */
        if (!sd && lstat(leaf, &st) == 0) {
            pid_t *pids = NULL;
            size_t n = 0;
            read_procs_tree(leaf, &pids, &n);
            free(pids);
            brig_clear_error();
            brig_cgroup_own_clear(own);
            if (n)
                return brig_fail(0, "linux.cgroupsPath: cgroup %s already has processes (%zu): "
                                    "brig runs a container only in a cgroup it creates", leaf, n);
            return brig_fail(0, "linux.cgroupsPath: cgroup %s exists already: brig runs a container "
                                "only in a cgroup it creates", leaf);
        }
        /* every missing level, parents first */
        size_t root_len = strlen(leaf) - strlen(p);
        for (char *q = leaf + root_len + 1;; q++) {
            if (*q != '/' && *q != '\0')
                continue;
            char c = *q;
            *q = '\0';
            if (lstat(leaf, &st) < 0)
                strv_add(&own->made, &own->n_made, leaf);
            *q = c;
            if (c == '\0')
                break;
        }
    }
    return 0;
}

/* ---- public API ---- */

static int remove_owned(const struct brig_cg_layout *l, const char *p, const struct brig_cgroup_own *own);

/* Rootless: without write access to the hierarchy a container can still
 * run, as long as it asks for no limits (runc does the same). */
static bool rootless(void)
{
    return brig_is_rootless();
}

static bool no_access(int e)
{
    return e == EACCES || e == EPERM || e == EROFS;
}

static bool wants_limits(const struct brig_resources *res)
{
    return needed_ctrls(res) || (res && res->unified.n);
}

/* Rootless limits where no cgroup could be made: say why, as runc does
 * ("cannot set ... limit: container could not join or create cgroup"). */
static void limits_need_a_cgroup(void)
{
    brig_fail_ctx("linux.resources: cannot set the limits: the container could not create its cgroup "
                  "(rootless: limits need a cgroup delegated to the user)");
}

static int cgroup_count(const struct brig_cg_layout *l, const char *path)
{
    pid_t *pids = NULL;
    size_t n = 0;
    for (size_t i = 0; i < n_hier(l); i++) {
        cleanup_free char *d = hier_dir(l, i, path);
        read_procs_tree(d, &pids, &n);
    }
    brig_clear_error();
    free(pids);
    return (int)n;
}

/* The leaf exists where brig did not make it: refuse (the plan checked
 * before; this is a cgroup made since). */
static int leaf_taken(const char *dir)
{
    return brig_fail(EEXIST, "linux.cgroupsPath: cgroup %s exists already: brig runs a container "
                             "only in a cgroup it creates", dir);
}

int brig_cgroup_create_with_devices(const char *path, const struct brig_resources *res,
                                    const struct brig_device *devs, size_t n_devs,
                                    bool systemd, struct brig_cgroup_own *own_out)
{
    struct brig_cgroup_own tmp = {0};
    struct brig_cgroup_own *own = own_out ? own_out : &tmp;
    /* From here OWN is what was made, not what was planned. */
    brig_cgroup_own_clear(own);
    own->known = true;
    bool sd = systemd || brig_cg_is_systemd_path(path);
    if (sd && brig_cg_systemd_check() < 0)
        return -1;
    const struct brig_cg_layout *l = brig_cg_layout();
    if (!l)
        return brig_fail_ctx("cgroups");
    cleanup_free char *p = fs_path(path);
    if (!p)
        return -1;
    if (check_available(l, res) < 0)
        return -1;
    /* systemd makes the unit's cgroup first; the rest is done here, in it */
    if (sd && brig_cg_systemd_start(path, res, devs, n_devs) < 0)
        return -1;

    unsigned v2m = v2_mask(l);
    unsigned needed = v2m & (needed_ctrls(res) | (res ? unified_ctrls(&res->unified) : 0));
    /* in cgroups brig made: every controller on v2 (update and stats want
     * them), what the limits need on a hybrid host */
    unsigned all = l->mode == BRIG_CGROUP_V2 ? v2m : needed;
    for (size_t i = 0; i < l->n_v1; i++) {
        int r = brig_cg_v1_mkdir(l, i, p, own);
        if (r < 0 && rootless() && no_access(brig_last_errno())) {
            if (!wants_limits(res))
                goto no_cgroup;
            limits_need_a_cgroup();
        }
        if (r == 0) {
            cleanup_free char *d = hier_dir(l, i, p);
            if (sd)
                strv_add(&own->made, &own->n_made, d); /* the unit's: brig started it */
            else
                leaf_taken(d);
        }
        if (r <= 0 && !(r == 0 && sd))
            goto fail;
        if (brig_faultf("cgroup-mkdir-%zu", i) < 0)
            goto fail;
    }
    if (l->unified) {
        int r = brig_cg_v2_mkdir(l, p, all, needed, own);
        if (r < 0 && rootless() && no_access(brig_last_errno())) {
            if (!wants_limits(res) && !l->n_v1)
                goto no_cgroup;
            if (wants_limits(res))
                limits_need_a_cgroup();
        }
        if (r == 0) {
            cleanup_free char *d = brig_cg_v2_dir(l, p);
            if (sd)
                strv_add(&own->made, &own->n_made, d);
            else
                leaf_taken(d);
        }
        if (r <= 0 && !(r == 0 && sd))
            goto fail;
        if (brig_fault("cgroup-mkdir-unified") < 0)
            goto fail;
    }

    /* A new scope holds its holder process only. */
    if (sd && cgroup_count(l, p) > (brig_cg_systemd_holder() > 0 ? 1 : 0)) {
        brig_fail(0, "linux.cgroupsPath: cgroup %s is not empty", p);
        goto fail;
    }
    if (brig_cgroup_is_frozen(p)) {
        brig_fail(0, "linux.cgroupsPath: cgroup %s is frozen", p);
        goto fail;
    }

    if (l->n_v1 && brig_cg_v1_apply(l, p, res, false) < 0)
        goto fail;
    if (v2m && brig_cg_v2_apply(l, p, res, v2m) < 0)
        goto fail;
    if (res && res->unified.n) {
        cleanup_free char *d = brig_cg_v2_dir(l, p);
        if (brig_cg_v2_unified(d, &res->unified) < 0)
            goto fail;
    }
    if (brig_fault("cgroup-limits") < 0)
        goto fail;

    size_t n_rules = 0;
    struct brig_device_rule *rules = brig_cg_device_rules(res, devs, n_devs, &n_rules);
    int r = 0;
    if (l->v1_ctrls & BRIG_CG_BIT(BRIG_CG_DEVICES)) {
        r = brig_cg_v1_devices(l, p, rules, n_rules);
    } else if (l->mode == BRIG_CGROUP_V2) {
        cleanup_free char *d = brig_cg_v2_dir(l, p);
        cleanup_fd int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            r = brig_fail(errno, "open %s", d);
        else
            r = brig_cg_bpf_apply(fd, rules, n_rules);
    } else {
        r = brig_fail(0, "no device controller: cannot restrict device access");
    }
    brig_cg_device_rules_free(rules, n_rules);
    if (r < 0 && rootless()) {
        /* Neither v1 device rules nor an eBPF filter (bpf(2) needs
         * CAP_BPF/CAP_SYS_ADMIN of the initial user namespace) can be set
         * without privilege; a rootless container cannot mknod and reaches
         * only the nodes its user may open anyway.  runc ignores these
         * errors when rootless too. */
        brig_debug("rootless: device rules not applied (%s)", brig_last_error());
        brig_clear_error();
        r = 0;
    }
    if (r < 0 || brig_fault("cgroup-devices") < 0)
        goto fail;
    brig_cgroup_own_clear(&tmp);
    return 0;

no_cgroup:
    /* rootless without write access: no cgroup at all */
    brig_debug("rootless: no cgroup (%s)", brig_last_error());
    brig_clear_error();
    remove_owned(l, p, own);
    brig_cgroup_own_clear(own);
    own->known = true;
    brig_cgroup_own_clear(&tmp);
    return 0;

fail: {
        /* Leave nothing behind; keep the first error. */
        char saved[BRIG_ERR_MAX];
        int e = brig_last_errno();
        snprintf(saved, sizeof saved, "%s", brig_last_error());
        if (sd)
            brig_cg_systemd_release();
        remove_owned(l, p, own);
        if (sd)
            brig_cg_systemd_stop(path);
        brig_cgroup_own_clear(own);
        own->known = true;
        brig_cgroup_own_clear(&tmp);
        brig_set_error(e, saved);
        return -1;
    }
}

int brig_cgroup_create(const char *path, const struct brig_resources *res, bool systemd,
                       struct brig_cgroup_own *own)
{
    return brig_cgroup_create_with_devices(path, res, NULL, 0, systemd, own);
}

/* exec --cgroup SPECS: "[CONTROLLER[,CONTROLLER...]:]SUB".  The SUB for
 * hierarchy I (v1), or for the unified one (I == n_v1): the last spec that
 * names one of its controllers, else the last without controllers, else
 * "" (the container's own cgroup).  NULL with an error on a bad spec. */
static const char *sub_for(const struct brig_cg_layout *l, size_t i, char *const *specs, size_t n)
{
    const char *any = "", *named = NULL;
    for (size_t s = 0; s < n; s++) {
        const char *colon = strchr(specs[s], ':');
        const char *sub = colon ? colon + 1 : specs[s];
        if (!colon) {
            any = sub;
            continue;
        }
        if (!l->n_v1) {
            brig_fail(0, "--cgroup %s: controllers can be named on cgroup v1 only", specs[s]);
            return NULL;
        }
        for (const char *c = specs[s]; c < colon;) {
            size_t len = strcspn(c, ",:");
            bool known = false, hit = false;
            for (size_t k = 0; k < BRIG_CG_NCTRL; k++)
                if (ctrl_v1[k] && strlen(ctrl_v1[k]) == len && strncmp(c, ctrl_v1[k], len) == 0) {
                    known = true;
                    hit = i < l->n_v1 && (l->v1[i].ctrls & BRIG_CG_BIT(k));
                }
            for (size_t h = 0; h < l->n_v1; h++) {
                const char *nm = l->v1[h].name;
                if (nm && len == 5 + strlen(nm) && strncmp(c, "name=", 5) == 0 && strncmp(c + 5, nm, len - 5) == 0) {
                    known = true;
                    hit = hit || h == i;
                }
            }
            if (!known) {
                brig_fail(0, "--cgroup %s: unknown controller \"%.*s\"", specs[s], (int)len, c);
                return NULL;
            }
            if (hit)
                named = sub;
            c += len + (c[len] == ',');
        }
    }
    return named ? named : any;
}

/* PID 0 means the caller, which must be single-threaded (a freshly cloned
 * init or joiner).  It then writes "0" to each v1 hierarchy's "tasks": the
 * kernel moves just the calling thread without taking the global
 * threadgroup lock, whose first writer after an idle moment waits a whole
 * RCU grace period (~10-15 ms of wall time).  cgroup.procs (v2, or another
 * process) takes that lock.  SKIP_UNIFIED: the caller was cloned into the
 * unified cgroup already (brig_cgroup_unified_fd). */
static int attach(const char *path, pid_t pid, bool skip_unified, char *const *specs, size_t n_specs)
{
    const struct brig_cg_layout *l = brig_cg_layout();
    if (!l)
        return brig_fail_ctx("cgroups");
    cleanup_free char *p = fs_path(path);
    if (!p)
        return -1;
    char pidstr[24];
    snprintf(pidstr, sizeof pidstr, "%d", (int)pid);
    size_t n = l->n_v1 + (l->unified && !skip_unified ? 1 : 0);
    for (size_t i = 0; i < n; i++) {
        bool v1 = i < l->n_v1;
        const char *sub = sub_for(l, i, specs, n_specs);
        if (!sub)
            return -1;
        while (*sub == '/')
            sub++;
        cleanup_free char *q = *sub ? brig_xasprintf("%s/%s", p, sub) : brig_xstrdup(p);
        cleanup_free char *d = v1 ? brig_xasprintf("%s%s", l->v1[i].mnt, q) : brig_cg_v2_dir(l, q);
        if (*sub && !brig_cg_exists(d, NULL))
            return brig_fail(ENOENT, "--cgroup: no cgroup %s", d);
        if (brig_cg_write(d, v1 && pid == 0 ? "tasks" : "cgroup.procs", pidstr) < 0) {
            /* The user's systemd made the scope, but brig runs outside the
             * subtree it delegates (a login session's scope): the user may
             * not write the common parent's cgroup.procs.  The manager
             * moves the process, as it does runc's. */
            if (!v1 && !*sub && no_access(brig_last_errno()) && brig_systemd_user() &&
                brig_cg_is_systemd_path(path)) {
                brig_debug("%s; asking systemd to move the process", brig_last_error());
                brig_clear_error();
                if (brig_cg_systemd_attach(path, pid ? pid : getpid()) < 0)
                    return brig_fail_ctx("join cgroup");
                continue;
            }
            /* rootless without a cgroup of its own (see create) */
            if (rootless() && (no_access(brig_last_errno()) || brig_last_errno() == ENOENT)) {
                brig_debug("rootless: %s", brig_last_error());
                brig_clear_error();
                continue;
            }
            return brig_fail_ctx("join cgroup");
        }
    }
    /* the scope has its first real member: its holder may go */
    if (brig_cg_is_systemd_path(path))
        brig_cg_systemd_release();
    return 0;
}

int brig_cgroup_attach(const char *path, pid_t pid)
{
    return attach(path, pid, false, NULL, 0);
}

int brig_cgroup_attach_self(const char *path, bool in_unified)
{
    return attach(path, 0, in_unified, NULL, 0);
}

int brig_cgroup_attach_self_sub(const char *path, char *const *specs, size_t n)
{
    return attach(path, 0, false, specs, n);
}

int brig_cgroup_unified_fd(const char *path)
{
    const struct brig_cg_layout *l = brig_cg_layout();
    if (!l || !l->unified || brig_cg_is_systemd_path(path))
        return -1;
    cleanup_free char *p = fs_path(path);
    if (!p)
        return -1;
    cleanup_free char *d = brig_cg_v2_dir(l, p);
    return open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* rmdir the leaf in every hierarchy; EBUSY is retried briefly because the
 * kernel frees a cgroup a moment after its last task has exited. */
/* Call FN on every cgroup directory below D (children first), never
 * following symlinks; DEPTH bounds a hostile or runaway tree. */
static int walk_children(const char *d, int depth, int (*fn)(const char *dir, void *arg), void *arg)
{
    if (depth > 32)
        return brig_fail(ELOOP, "cgroup tree %s is too deep", d);
    DIR *dir = opendir(d);
    if (!dir)
        return errno == ENOENT ? 0 : brig_fail(errno, "open cgroup %s", d);
    int ret = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        cleanup_free char *sub = brig_xasprintf("%s/%s", d, de->d_name);
        if (walk_children(sub, depth + 1, fn, arg) < 0 || fn(sub, arg) < 0)
            ret = -1;
    }
    closedir(dir);
    return ret;
}

static int rmdir_retrying(const char *d, void *unused)
{
    (void)unused;
    for (unsigned tries = 0;; tries++) {
        if (rmdir(d) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY || tries >= 100)
            return brig_fail(errno, "remove cgroup %s", d);
        brig_cg_sleep_ms(tries < 10 ? 1 : 20);
    }
}

/* Whether the leaf in hierarchy I is brig's: listed in OWN, or, for a
 * state that does not say, assumed (as brig always did). */
static bool leaf_owned(const struct brig_cg_layout *l, size_t i, const char *p,
                       const struct brig_cgroup_own *own)
{
    if (!own || !own->known)
        return true;
    cleanup_free char *d = hier_dir(l, i, p);
    return brig_cg_own_has(own, d);
}

/* The container's cgroup and any it made below it (exec --cgroup, a
 * nested runtime), in every hierarchy where it is brig's; then the parents
 * brig made, where no other cgroup is left in them; then the controllers
 * it enabled in cgroups it did not make. */
static int remove_owned(const struct brig_cg_layout *l, const char *p, const struct brig_cgroup_own *own)
{
    int ret = 0;
    for (size_t i = 0; i < n_hier(l); i++) {
        if (!leaf_owned(l, i, p, own))
            continue;
        cleanup_free char *d = hier_dir(l, i, p);
        /* Usually a leaf: a single rmdir.  EBUSY means cgroups below it,
         * or its last task still leaving. */
        if (rmdir(d) == 0 || errno == ENOENT)
            continue;
        if (walk_children(d, 0, rmdir_retrying, NULL) < 0 || rmdir_retrying(d, NULL) < 0)
            ret = -1;
    }
    for (size_t k = own && own->known ? own->n_made : 0; k-- > 0;) {
        /* EBUSY: another container's cgroup is in it; it stays */
        if (rmdir(own->made[k]) < 0 && errno != ENOENT && errno != EBUSY && errno != ENOTEMPTY)
            brig_debug("remove cgroup %s: %s", own->made[k], strerror(errno));
    }
    /* last: a controller cannot go while a cgroup below passes it on */
    brig_cg_v2_release(l, p);
    for (size_t k = own && own->known ? own->n_enabled : 0; k-- > 0;)
        brig_cg_v2_disable(own->enabled[k]);
    return ret;
}

struct pid_list {
    pid_t **pids;
    size_t *n;
};

static int read_procs_into(const char *d, void *arg)
{
    struct pid_list *pl = arg;
    brig_cg_read_procs(d, pl->pids, pl->n);
    return 0;
}

/* The processes of cgroup D and of every cgroup below it. */
static void read_procs_tree(const char *d, pid_t **pids, size_t *n)
{
    struct pid_list pl = {pids, n};
    if (!brig_cg_exists(d, NULL))
        return;
    brig_cg_read_procs(d, pids, n);
    walk_children(d, 0, read_procs_into, &pl);
}

/* Kill everything in the cgroup, in the hierarchies where it is brig's
 * (OWN).  cgroup.kill does it atomically; without it, freeze (so nothing
 * forks behind our back), SIGKILL every pid, thaw, and repeat until the
 * cgroup is empty. */
static int kill_all(const struct brig_cg_layout *l, const char *path, const struct brig_cgroup_own *own)
{
    if (l->unified && leaf_owned(l, l->n_v1, path, own)) {
        cleanup_free char *d = brig_cg_v2_dir(l, path);
        if (brig_cg_exists(d, NULL)) {
            int r = brig_cg_v2_kill(d);
            if (r < 0)
                return -1;
            if (r == 2 || (r > 0 && brig_cg_v2_wait_empty(d, 10000)))
                return 0;
        }
    }
    cleanup_free char *fdir = NULL;
    for (size_t i = 0; i < l->n_v1; i++)
        if ((l->v1[i].ctrls & BRIG_CG_BIT(BRIG_CG_FREEZER)) && leaf_owned(l, i, path, own))
            fdir = hier_dir(l, i, path);
    for (unsigned round = 0; round < 500; round++) {
        pid_t *pids = NULL;
        size_t n = 0;
        for (size_t i = 0; i < n_hier(l); i++) {
            if (!leaf_owned(l, i, path, own))
                continue;
            cleanup_free char *d = hier_dir(l, i, path);
            read_procs_tree(d, &pids, &n);
        }
        brig_clear_error();
        if (n == 0) {
            free(pids);
            return 0;
        }
        bool froze = fdir && brig_cg_exists(fdir, NULL) && brig_cg_v1_freeze(fdir, true) == 0;
        for (size_t i = 0; i < n; i++)
            if (kill(pids[i], SIGKILL) < 0 && errno != ESRCH) {
                int e = errno;
                free(pids);
                if (froze)
                    brig_cg_v1_freeze(fdir, false);
                return brig_fail(e, "kill %d", (int)pids[i]);
            }
        free(pids);
        if (froze)
            brig_cg_v1_freeze(fdir, false);
        brig_cg_sleep_ms(round < 10 ? 2 : 20);
    }
    return brig_fail(EBUSY, "processes in cgroup %s survive SIGKILL", path);
}

int brig_cgroup_destroy(const char *path, const struct brig_cgroup_own *own)
{
    const struct brig_cg_layout *l = brig_cg_layout();
    if (!l)
        return brig_fail_ctx("cgroups");
    cleanup_free char *p = fs_path(path);
    if (!p)
        return -1;
    int r = kill_all(l, p, own);
    bool unit_ours = !own || !own->known || own->n_made > 0;
    if (brig_cg_is_systemd_path(path) && unit_ours) {
        /* systemd removes what it made; brig the rest.  A unit left
         * behind is systemd's to collect once empty: only a warning. */
        brig_cg_systemd_release();
        char saved[BRIG_ERR_MAX];
        int e = brig_last_errno();
        snprintf(saved, sizeof saved, "%s", brig_last_error());
        if (brig_cg_systemd_stop(path) < 0)
            brig_warn("%s", brig_last_error());
        brig_set_error(e, saved);
    }
    if (remove_owned(l, p, own) < 0)
        r = -1;
    return r;
}

static int pid_cmp(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

int brig_cgroup_pids(const char *path, pid_t **out)
{
    const struct brig_cg_layout *l = brig_cg_layout();
    if (!l)
        return brig_fail_ctx("cgroups");
    cleanup_free char *p = fs_path(path);
    if (!p)
        return -1;
    pid_t *pids = NULL;
    size_t n = 0;
    /* v2 tracks every process on v2 and hybrid hosts; else take the union. */
    cleanup_free char *d = l->unified ? brig_cg_v2_dir(l, p) : NULL;
    if (d) {
        if (brig_cg_read_procs(d, &pids, &n) < 0)
            return -1;
    } else {
        bool any = false;
        for (size_t i = 0; i < l->n_v1; i++) {
            cleanup_free char *vd = brig_xasprintf("%s%s", l->v1[i].mnt, p);
            if (brig_cg_read_procs(vd, &pids, &n) == 0)
                any = true;
        }
        if (!any) {
            free(pids);
            return -1;
        }
        brig_clear_error();
    }
    if (n)
        qsort(pids, n, sizeof *pids, pid_cmp);
    *out = pids ? pids : brig_xcalloc(1, sizeof *pids);
    return (int)n;
}

/* The v1 freezer directory, or NULL when v2's cgroup.freeze is the one. */
static char *v1_freezer_dir(const struct brig_cg_layout *l, const char *p)
{
    if (l->v1_ctrls & BRIG_CG_BIT(BRIG_CG_FREEZER))
        return brig_cg_v1_dir(l, BRIG_CG_FREEZER, p);
    return NULL;
}

int brig_cgroup_freeze(const char *path, bool frozen)
{
    const struct brig_cg_layout *l = brig_cg_layout();
    if (!l)
        return brig_fail_ctx("cgroups");
    cleanup_free char *p = fs_path(path);
    if (!p)
        return -1;
    cleanup_free char *fd = v1_freezer_dir(l, p);
    if (fd)
        return brig_cg_v1_freeze(fd, frozen);
    if (l->unified) {
        cleanup_free char *d = brig_cg_v2_dir(l, p);
        return brig_cg_v2_freeze(d, frozen);
    }
    return brig_fail(0, "no freezer: the freezer controller is not mounted");
}

bool brig_cgroup_is_frozen(const char *path)
{
    const struct brig_cg_layout *l = brig_cg_layout();
    if (!l || !path)
        return false;
    cleanup_free char *p = fs_path(path);
    if (!p)
        return false;
    cleanup_free char *fd = v1_freezer_dir(l, p);
    if (fd) {
        cleanup_free char *s = brig_cg_read(fd, "freezer.state");
        brig_clear_error();
        return s && strncmp(s, "FROZEN", 6) == 0;
    }
    if (l->unified) {
        cleanup_free char *d = brig_cg_v2_dir(l, p);
        return brig_cg_v2_is_frozen(d);
    }
    return false;
}

int brig_cgroup_update(const char *path, const struct brig_resources *res)
{
    const struct brig_cg_layout *l = brig_cg_layout();
    if (!l)
        return brig_fail_ctx("cgroups");
    cleanup_free char *p = fs_path(path);
    if (!p)
        return -1;
    if (check_available(l, res) < 0)
        return -1;
    /* systemd first, or it would put back its own values later */
    if (brig_cg_is_systemd_path(path) && brig_cg_systemd_update(path, res) < 0)
        return -1;
    /* No controller is enabled here: on a hybrid host the ones create
     * enabled are there; enabling more in cgroups brig did not make would
     * be a host-wide change nothing undoes. */
    unsigned v2m = v2_mask(l);
    if (l->n_v1 && brig_cg_v1_apply(l, p, res, true) < 0)
        return -1;
    if (v2m && brig_cg_v2_apply(l, p, res, v2m) < 0)
        return -1;
    if (res && res->unified.n) {
        cleanup_free char *d = brig_cg_v2_dir(l, p);
        if (brig_cg_v2_unified(d, &res->unified) < 0)
            return -1;
    }
    return 0;
}

int brig_cgroup_stats_gen(const char *path, yajl_gen g)
{
    const struct brig_cg_layout *l = brig_cg_layout();
    if (!l)
        return brig_fail_ctx("cgroups");
    cleanup_free char *p = fs_path(path);
    if (!p)
        return -1;
    bool exists = false;
    for (size_t i = 0; i < l->n_v1 && !exists; i++) {
        cleanup_free char *d = brig_xasprintf("%s%s", l->v1[i].mnt, p);
        exists = brig_cg_exists(d, NULL);
    }
    if (!exists && l->unified) {
        cleanup_free char *d = brig_cg_v2_dir(l, p);
        exists = brig_cg_exists(d, NULL);
    }
    if (!exists)
        return brig_fail(ENOENT, "cgroup %s", p);
    yajl_gen_map_open(g);
    if (l->n_v1)
        brig_cg_v1_stats(l, p, g);
    if (v2_mask(l))
        brig_cg_v2_stats(l, p, v2_mask(l), g);
    yajl_gen_map_close(g);
    return 0;
}

char *brig_cgroup_stats_json(const char *path)
{
    yajl_gen g = brig_json_gen_new(false);
    if (!g) {
        brig_fail(ENOMEM, "stats");
        return NULL;
    }
    if (brig_cgroup_stats_gen(path, g) < 0) {
        yajl_gen_free(g);
        return NULL;
    }
    return brig_json_gen_finish(g);
}

/* ---- OOM notifications ---- */

struct brig_cgroup_oom {
    int fd;
    bool v2;
    uint64_t last;   /* v2: oom_kill count seen so far */
    char *dir;       /* v2: the cgroup directory */
};

struct brig_cgroup_oom *brig_cgroup_oom_open(const char *path)
{
    const struct brig_cg_layout *l = brig_cg_layout();
    if (!l) {
        brig_fail_ctx("cgroups");
        return NULL;
    }
    cleanup_free char *p = fs_path(path);
    if (!p)
        return NULL;
    struct brig_cgroup_oom *o = brig_xcalloc(1, sizeof *o);
    o->fd = -1;
    if (l->v1_ctrls & BRIG_CG_BIT(BRIG_CG_MEMORY)) {
        /* v1: an eventfd registered through cgroup.event_control */
        cleanup_free char *d = brig_cg_v1_dir(l, BRIG_CG_MEMORY, p);
        cleanup_free char *ctl = brig_xasprintf("%s/memory.oom_control", d);
        cleanup_fd int cfd = open(ctl, O_RDONLY | O_CLOEXEC);
        if (cfd < 0) {
            brig_fail(errno, "open %s", ctl);
            goto fail;
        }
        o->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (o->fd < 0) {
            brig_fail(errno, "eventfd");
            goto fail;
        }
        if (brig_cg_writef(d, "cgroup.event_control", "%d %d", o->fd, cfd) < 0)
            goto fail;
        o->dir = brig_steal_ptr(&d);
        return o;
    }
    if (l->unified && (v2_mask(l) & BRIG_CG_BIT(BRIG_CG_MEMORY))) {
        /* v2: memory.events changes are reported through inotify */
        o->v2 = true;
        o->dir = brig_cg_v2_dir(l, p);
        cleanup_free char *ev = brig_xasprintf("%s/memory.events", o->dir);
        o->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (o->fd < 0) {
            brig_fail(errno, "inotify_init1");
            goto fail;
        }
        if (inotify_add_watch(o->fd, ev, IN_MODIFY) < 0) {
            brig_fail(errno, "watch %s", ev);
            goto fail;
        }
        cleanup_free char *s = brig_cg_read(o->dir, "memory.events");
        if (s)
            brig_cg_kv_get(s, "oom_kill", &o->last);
        return o;
    }
    brig_fail(0, "no memory controller: OOM events are not available");
fail:
    brig_cgroup_oom_close(o);
    return NULL;
}

int brig_cgroup_oom_fd(const struct brig_cgroup_oom *o)
{
    return o ? o->fd : -1;
}

int brig_cgroup_oom_read(struct brig_cgroup_oom *o)
{
    if (!o->v2) {
        uint64_t n;
        ssize_t r = read(o->fd, &n, sizeof n);
        if (r < 0)
            return errno == EAGAIN ? 0 : brig_fail(errno, "read OOM eventfd");
        if (r != sizeof n)
            return 0;
        /* The kernel also signals the eventfd when the cgroup goes away. */
        if (!brig_cg_exists(o->dir, NULL))
            return -1;
        return (int)n;
    }
    char buf[4096];
    while (read(o->fd, buf, sizeof buf) > 0)
        ;
    cleanup_free char *s = brig_cg_read(o->dir, "memory.events");
    if (!s)
        return -1;
    uint64_t now = 0;
    brig_cg_kv_get(s, "oom_kill", &now);
    int d = now > o->last ? (int)(now - o->last) : 0;
    o->last = now;
    return d;
}

void brig_cgroup_oom_close(struct brig_cgroup_oom *o)
{
    if (!o)
        return;
    if (o->fd >= 0)
        close(o->fd);
    free(o->dir);
    free(o);
}
