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

static void append_data(char **data, size_t *len, const char *o)
{
    size_t l = strlen(o);
    *data = brig_xrealloc(*data, *len + l + 2);
    if (*len)
        (*data)[(*len)++] = ',';
    memcpy(*data + *len, o, l + 1);
    *len += l;
}

/* The mount_setattr() attribute standing for a mount(2) flag on a bind
 * mount; 0 for superblock flags a bind cannot change. */
static uint64_t attr_of(unsigned long ms)
{
    switch (ms) {
    case MS_RDONLY: return BRIG_ATTR_RDONLY;
    case MS_NOSUID: return BRIG_ATTR_NOSUID;
    case MS_NODEV: return BRIG_ATTR_NODEV;
    case MS_NOEXEC: return BRIG_ATTR_NOEXEC;
    case MS_NODIRATIME: return BRIG_ATTR_NODIRATIME;
    case MS_NOSYMFOLLOW: return BRIG_ATTR_NOSYMFOLLOW;
    default: return 0;
    }
}

/* Apply a flag option libmount named: MS is its flag, INVERT says the
 * option clears it ("rw", "suid", "atime", ...). */
static void set_flag(unsigned long ms, bool invert, struct brig_mount_opts *out)
{
    const unsigned long atime_flags = MS_NOATIME | MS_RELATIME | MS_STRICTATIME;
    if (ms & atime_flags) {
        /* One atime mode at a time; the cleared forms fall back to
         * relatime, except norelatime which means strictatime. */
        uint64_t mode;
        if (ms == MS_NOATIME)
            mode = invert ? BRIG_ATTR_RELATIME : BRIG_ATTR_NOATIME;
        else if (ms == MS_RELATIME)
            mode = invert ? BRIG_ATTR_STRICTATIME : BRIG_ATTR_RELATIME;
        else
            mode = invert ? BRIG_ATTR_RELATIME : BRIG_ATTR_STRICTATIME;
        out->flags &= ~atime_flags;
        if (!invert)
            out->flags |= ms;
        out->attr_set = (out->attr_set & ~BRIG_ATTR__ATIME) | mode;
        out->attr_clr |= BRIG_ATTR__ATIME;
        return;
    }
    uint64_t attr = attr_of(ms);
    if (invert) {
        out->flags &= ~ms;
        out->attr_set &= ~attr;
        out->attr_clr |= attr;
    } else {
        out->flags |= ms;
        out->attr_set |= attr;
        out->attr_clr &= ~attr;
    }
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
        if (strcmp(o, "tmpcopyup") == 0) {
            out->tmpcopyup = true;
            continue;
        }
        if (strcmp(o, "idmap") == 0 || strcmp(o, "ridmap") == 0) {
            out->idmap = true;
            out->idmap_recursive = o[0] == 'r';
            continue;
        }
        /* The standard names, from libmount's table. */
        unsigned long ms;
        bool invert;
        int known = brig_mount_option_lookup(o, &ms, &invert);
        if (known && (ms & MS_BIND)) {
            out->bind = true;
            out->recursive |= (ms & MS_REC) != 0;
            continue;
        }
        if (known && (ms & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE))) {
            if (out->n_propagation == BRIG_MAX_PROPAGATION) {
                brig_mount_opts_free(out);
                return brig_fail(0, "options: too many propagation options");
            }
            out->propagation[out->n_propagation++] = ms;
            continue;
        }
        if (known) {
            set_flag(ms, invert, out);
            continue;
        }
        /* brig's and runc's own: recursive attributes (rro, rnosuid, ...) */
        bool done = false;
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
