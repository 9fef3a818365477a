/* brig: the host's cgroup layout: the mode (statfs, one syscall on v2
 * hosts), the v1 mount points and the controller names, cached for the life
 * of the process.
 *
 * The v1 mount points: the hierarchies this process is in are listed in
 * /proc/self/cgroup, and systemd and the distributions mount each at
 * /sys/fs/cgroup/<controllers> (or <name>); each is looked up there and
 * confirmed by the kernel (brig_mount_root: that mount's root, a cgroup
 * superblock, the same controllers).  Only when that fails (a hierarchy
 * mounted elsewhere or not in this namespace, a kernel before 6.11) is
 * /proc/self/mountinfo read: it costs every mount on the host, ~5 us each,
 * and a node has a few per pod. */
#include "config.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/statfs.h>

#include "brig/cgroup_internal.h"
#include "brig/internal.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
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

unsigned brig_cg_ctrl_mask(const char *text)
{
    unsigned mask = 0;
    if (!text)
        return 0;
    char *t = brig_xstrdup(text), *save = NULL;
    for (char *tok = strtok_r(t, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
        int c = brig_cg_ctrl_from_name(tok);
        if (c >= 0)
            mask |= BRIG_CG_BIT(c);
    }
    free(t);
    return mask;
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

/* The v1 controllers and the name= in a cgroup mount's options (or in a
 * /proc/self/cgroup line's list); OPTS is cut up, *NAME points into it. */
static unsigned v1_opts(char *opts, char **name)
{
    unsigned ctrls = 0;
    char *save = NULL;
    *name = NULL;
    for (char *tok = strtok_r(opts, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int c = brig_cg_ctrl_from_name(tok);
        if (c >= 0 && strcmp(tok, "io") != 0)
            ctrls |= BRIG_CG_BIT(c);
        else if (strncmp(tok, "name=", 5) == 0 && !*name)
            *name = tok + 5;
    }
    return ctrls;
}

static void layout_add_v1(struct brig_cg_layout *l, const char *mnt, char *superopts)
{
    char *name;
    unsigned ctrls = v1_opts(superopts, &name);
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
        brig_mountinfo_unescape(mnt);
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

int brig_cg_layout_guess(const char *proc_cgroup, enum brig_cgroup_mode mode,
                         struct brig_cg_layout *out)
{
    memset(out, 0, sizeof *out);
    out->mode = mode;
    cleanup_free char *text = brig_xstrdup(proc_cgroup);
    char *save = NULL, *id, *list, *path;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!brig_cg_proc_line(line, &id, &list, &path))
            goto other;
        if (strcmp(id, "0") == 0) /* the unified hierarchy */
            continue;
        bool named = strncmp(list, "name=", 5) == 0;
        /* a name with controllers, or neither: not a layout brig can guess */
        if (!*list || (named && strchr(list, ',')) || (!named && strstr(list, "name=")))
            goto other;
        cleanup_free char *mnt = brig_xasprintf(CG_ROOT "/%s", named ? list + 5 : list);
        layout_add_v1(out, mnt, list);
    }
    if (mode != BRIG_CGROUP_V1)
        out->unified = brig_xstrdup(mode == BRIG_CGROUP_V2 ? CG_ROOT : CG_ROOT "/unified");
    if (mode != BRIG_CGROUP_V2 && out->n_v1 == 0)
        goto other;
    return 0;
other:
    brig_cg_layout_free(out);
    return -1;
}

/* Each guessed mount point is the root of a mount of that hierarchy: a
 * cgroup superblock with the same controllers and name.  Sorted as
 * mountinfo lists them (by mount id), so that nothing depends on which
 * way the layout was found.  FDS[i] is v1[i]'s directory, FDS[n_v1] the
 * unified one: opened first and confirmed through the fd, the directory
 * every lookup then starts from is the one the kernel vouched for (and
 * one path walk each instead of two).  Closed again on failure. */
static int confirm_at(const char *mnt, int *fd, struct brig_mount_root *mr)
{
    *fd = open(mnt, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return *fd < 0 ? -1 : brig_mount_root(*fd, "", mr);
}

static int layout_confirm(struct brig_cg_layout *l, int *fds)
{
    uint32_t ids[BRIG_CG_NCTRL + 8];
    if (l->n_v1 > BRIG_ARRAY_SIZE(ids))
        return -1;
    for (size_t i = 0; i < l->n_v1; i++) {
        struct brig_mount_root mr;
        if (confirm_at(l->v1[i].mnt, &fds[i], &mr) < 0)
            goto fail;
        char *name;
        unsigned ctrls = v1_opts(mr.opts, &name);
        bool same = mr.magic == CGROUP_SUPER_MAGIC && ctrls == l->v1[i].ctrls &&
                    (name && l->v1[i].name ? strcmp(name, l->v1[i].name) == 0 : !name && !l->v1[i].name);
        free(mr.opts);
        if (!same)
            goto fail;
        ids[i] = mr.id;
    }
    if (l->unified) {
        struct brig_mount_root mr;
        if (confirm_at(l->unified, &fds[l->n_v1], &mr) < 0)
            goto fail;
        free(mr.opts);
        if (mr.magic != CGROUP2_SUPER_MAGIC)
            goto fail;
    }
    /* insertion sort: a dozen hierarchies at most */
    for (size_t i = 1; i < l->n_v1; i++)
        for (size_t j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
            uint32_t t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
            struct brig_cg_hier h = l->v1[j];
            l->v1[j] = l->v1[j - 1];
            l->v1[j - 1] = h;
            int f = fds[j];
            fds[j] = fds[j - 1];
            fds[j - 1] = f;
        }
    return 0;
fail:
    for (size_t i = 0; i <= l->n_v1; i++)
        if (fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
    return -1;
}

/* The layout from /proc/self/cgroup and the kernel's word on each mount,
 * or -1 (nothing recorded) for mountinfo. */
static int layout_without_mountinfo(enum brig_cgroup_mode mode, struct brig_cg_layout *out, int *fds)
{
    cleanup_free char *pc = NULL;
    if (brig_read_file("/proc/self/cgroup", &pc, NULL) < 0) {
        brig_clear_error();
        return -1;
    }
    if (brig_cg_layout_guess(pc, mode, out) < 0)
        return -1;
    if (layout_confirm(out, fds) < 0) { /* it refuses more hierarchies than FDS holds */
        brig_cg_layout_free(out);
        return -1;
    }
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
    int fds[BRIG_CG_NCTRL + 9]; /* layout_confirm's */
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(fds); i++)
        fds[i] = -1;
    if (mode == BRIG_CGROUP_V2) {
        /* The common case needs no mountinfo at all. */
        memset(&layout, 0, sizeof layout);
        layout.mode = mode;
        layout.unified = brig_xstrdup(CG_ROOT);
    } else if (layout_without_mountinfo(mode, &layout, fds) < 0) {
        cleanup_free char *mi = NULL;
        if (brig_read_file("/proc/self/mountinfo", &mi, NULL) < 0)
            return NULL;
        if (brig_cg_layout_parse(mi, mode, &layout) < 0)
            return NULL;
    }
    for (size_t i = 0; i < layout.n_v1; i++)
        brig_cg_dirs_register(layout.v1[i].mnt, i < BRIG_ARRAY_SIZE(fds) ? fds[i] : -1);
    brig_cg_dirs_register(layout.unified, layout.n_v1 < BRIG_ARRAY_SIZE(fds) ? fds[layout.n_v1] : -1);
    if (layout.unified) {
        cleanup_free char *c = brig_cg_read(layout.unified, "cgroup.controllers");
        layout.v2_ctrls = brig_cg_ctrl_mask(c);
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

unsigned brig_cg_v2_mask(const struct brig_cg_layout *l)
{
    if (l->mode == BRIG_CGROUP_V1)
        return 0;
    if (l->mode == BRIG_CGROUP_V2)
        return l->v2_ctrls;
    return l->v2_ctrls & ~l->v1_ctrls;
}
