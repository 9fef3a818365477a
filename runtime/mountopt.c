/* brig: OCI mount options (mounts[].options) sorted into mount(2) flags,
 * per-mount attributes for bind mounts, recursive attributes, propagation
 * and the filesystem's own data string. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "brig/internal.h"
#include "brig/mounts.h"

/* Flag options: SET or CLEAR the mount(2) flag; ATTR is the per-mount
 * attribute that stands for it on a bind (0: a superblock flag a bind
 * mount cannot change). */
struct flag_opt {
    const char *name;
    bool clear;
    unsigned long ms;
    uint64_t attr;     /* attribute set (or cleared when CLEAR) */
    uint64_t atime;    /* atime mode to set, with BRIG_ATTR__ATIME cleared */
    bool is_atime;
};

static const struct flag_opt flag_opts[] = {
    {"ro", false, MS_RDONLY, BRIG_ATTR_RDONLY, 0, false},
    {"rw", true, MS_RDONLY, BRIG_ATTR_RDONLY, 0, false},
    {"nosuid", false, MS_NOSUID, BRIG_ATTR_NOSUID, 0, false},
    {"suid", true, MS_NOSUID, BRIG_ATTR_NOSUID, 0, false},
    {"nodev", false, MS_NODEV, BRIG_ATTR_NODEV, 0, false},
    {"dev", true, MS_NODEV, BRIG_ATTR_NODEV, 0, false},
    {"noexec", false, MS_NOEXEC, BRIG_ATTR_NOEXEC, 0, false},
    {"exec", true, MS_NOEXEC, BRIG_ATTR_NOEXEC, 0, false},
    {"nodiratime", false, MS_NODIRATIME, BRIG_ATTR_NODIRATIME, 0, false},
    {"diratime", true, MS_NODIRATIME, BRIG_ATTR_NODIRATIME, 0, false},
    {"nosymfollow", false, MS_NOSYMFOLLOW, BRIG_ATTR_NOSYMFOLLOW, 0, false},
    {"symfollow", true, MS_NOSYMFOLLOW, BRIG_ATTR_NOSYMFOLLOW, 0, false},
    /* atime modes: one of relatime (the default), noatime, strictatime */
    {"noatime", false, MS_NOATIME, 0, BRIG_ATTR_NOATIME, true},
    {"atime", true, MS_NOATIME, 0, BRIG_ATTR_RELATIME, true},
    {"relatime", false, MS_RELATIME, 0, BRIG_ATTR_RELATIME, true},
    {"norelatime", true, MS_RELATIME, 0, BRIG_ATTR_STRICTATIME, true},
    {"strictatime", false, MS_STRICTATIME, 0, BRIG_ATTR_STRICTATIME, true},
    {"nostrictatime", true, MS_STRICTATIME, 0, BRIG_ATTR_RELATIME, true},
    /* superblock flags: new mounts only */
    {"sync", false, MS_SYNCHRONOUS, 0, 0, false},
    {"async", true, MS_SYNCHRONOUS, 0, 0, false},
    {"dirsync", false, MS_DIRSYNC, 0, 0, false},
    {"mand", false, MS_MANDLOCK, 0, 0, false},
    {"nomand", true, MS_MANDLOCK, 0, 0, false},
    {"lazytime", false, MS_LAZYTIME, 0, 0, false},
    {"nolazytime", true, MS_LAZYTIME, 0, 0, false},
    {"iversion", false, MS_I_VERSION, 0, 0, false},
    {"noiversion", true, MS_I_VERSION, 0, 0, false},
    {"silent", false, MS_SILENT, 0, 0, false},
    {"loud", true, MS_SILENT, 0, 0, false},
    {"remount", false, MS_REMOUNT, 0, 0, false},
};

/* Recursive attributes, applied with mount_setattr(AT_RECURSIVE). */
static const struct {
    const char *name;
    uint64_t set, clr;
} rec_opts[] = {
    {"rro", BRIG_ATTR_RDONLY, 0},
    {"rrw", 0, BRIG_ATTR_RDONLY},
    {"rnosuid", BRIG_ATTR_NOSUID, 0},
    {"rsuid", 0, BRIG_ATTR_NOSUID},
    {"rnodev", BRIG_ATTR_NODEV, 0},
    {"rdev", 0, BRIG_ATTR_NODEV},
    {"rnoexec", BRIG_ATTR_NOEXEC, 0},
    {"rexec", 0, BRIG_ATTR_NOEXEC},
    {"rnodiratime", BRIG_ATTR_NODIRATIME, 0},
    {"rdiratime", 0, BRIG_ATTR_NODIRATIME},
    {"rnosymfollow", BRIG_ATTR_NOSYMFOLLOW, 0},
    {"rsymfollow", 0, BRIG_ATTR_NOSYMFOLLOW},
    {"rrelatime", BRIG_ATTR_RELATIME, BRIG_ATTR__ATIME},
    {"rnorelatime", BRIG_ATTR_STRICTATIME, BRIG_ATTR__ATIME},
    {"rnoatime", BRIG_ATTR_NOATIME, BRIG_ATTR__ATIME},
    {"ratime", BRIG_ATTR_RELATIME, BRIG_ATTR__ATIME},
    {"rstrictatime", BRIG_ATTR_STRICTATIME, BRIG_ATTR__ATIME},
    {"rnostrictatime", BRIG_ATTR_RELATIME, BRIG_ATTR__ATIME},
};

static const struct {
    const char *name;
    unsigned long flags;
} prop_opts[] = {
    {"private", MS_PRIVATE},         {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},           {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},             {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE},   {"runbindable", MS_UNBINDABLE | MS_REC},
};

static void append_data(char **data, size_t *len, const char *o)
{
    size_t l = strlen(o);
    *data = brig_xrealloc(*data, *len + l + 2);
    if (*len)
        (*data)[(*len)++] = ',';
    memcpy(*data + *len, o, l + 1);
    *len += l;
}

static bool set_flag_opt(const char *o, struct brig_mount_opts *out)
{
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(flag_opts); i++) {
        const struct flag_opt *f = &flag_opts[i];
        if (strcmp(o, f->name) != 0)
            continue;
        if (f->is_atime) {
            out->flags &= ~(unsigned long)(MS_NOATIME | MS_RELATIME | MS_STRICTATIME);
            if (!f->clear)
                out->flags |= f->ms;
            out->attr_set = (out->attr_set & ~BRIG_ATTR__ATIME) | f->atime;
            out->attr_clr |= BRIG_ATTR__ATIME;
            return true;
        }
        if (f->clear) {
            out->flags &= ~f->ms;
            out->attr_set &= ~f->attr;
            out->attr_clr |= f->attr;
        } else {
            out->flags |= f->ms;
            out->attr_set |= f->attr;
            out->attr_clr &= ~f->attr;
        }
        return true;
    }
    return false;
}

int brig_parse_mount_options(const struct brig_strv *opts, const char *type, struct brig_mount_opts *out)
{
    memset(out, 0, sizeof *out);
    size_t dlen = 0;
    if (type && strcmp(type, "bind") == 0)
        out->bind = true;
    for (size_t i = 0; i < opts->n; i++) {
        const char *o = opts->v[i];
        if (!o[0] || strcmp(o, "defaults") == 0)
            continue;
        if (strcmp(o, "bind") == 0) {
            out->bind = true;
            continue;
        }
        if (strcmp(o, "rbind") == 0) {
            out->bind = out->recursive = true;
            continue;
        }
        if (strcmp(o, "tmpcopyup") == 0) {
            out->tmpcopyup = true;
            continue;
        }
        if (strcmp(o, "idmap") == 0 || strcmp(o, "ridmap") == 0) {
            out->idmap = true;
            out->idmap_recursive = o[0] == 'r';
            continue;
        }
        if (set_flag_opt(o, out))
            continue;
        bool done = false;
        for (size_t j = 0; j < BRIG_ARRAY_SIZE(prop_opts) && !done; j++)
            if (strcmp(o, prop_opts[j].name) == 0) {
                if (out->n_propagation == BRIG_MAX_PROPAGATION) {
                    brig_mount_opts_free(out);
                    return brig_fail(0, "options: too many propagation options");
                }
                out->propagation[out->n_propagation++] = prop_opts[j].flags;
                done = true;
            }
        for (size_t j = 0; j < BRIG_ARRAY_SIZE(rec_opts) && !done; j++)
            if (strcmp(o, rec_opts[j].name) == 0) {
                out->rattr_set = (out->rattr_set & ~rec_opts[j].clr & ~rec_opts[j].set) | rec_opts[j].set;
                out->rattr_clr = (out->rattr_clr & ~rec_opts[j].set) | rec_opts[j].clr;
                done = true;
            }
        if (done)
            continue;
        /* Anything else is the filesystem's business (mode=, size=,
         * newinstance, ptmxmode=...); the kernel says if it is wrong. */
        if (strchr(o, ','))
            return brig_mount_opts_free(out), brig_fail(0, "options[%zu]: \"%s\" holds a comma", i, o);
        append_data(&out->data, &dlen, o);
    }
    if (out->idmap && !out->bind) {
        brig_mount_opts_free(out);
        return brig_fail(0, "options: idmap and ridmap need a bind mount");
    }
    if (out->tmpcopyup && out->bind) {
        brig_mount_opts_free(out);
        return brig_fail(0, "options: tmpcopyup is for tmpfs mounts, not binds");
    }
    return 0;
}

void brig_mount_opts_free(struct brig_mount_opts *o)
{
    free(o->data);
    o->data = NULL;
}
