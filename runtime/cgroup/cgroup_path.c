/* brig: cgroup paths: cleaning, the caller's own cgroup, systemd's
 * slice:prefix:name form, and where a container's cgroup goes. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "brig/cgroup_internal.h"
#include "brig/internal.h"
#include "brig/rootless.h"

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

bool brig_cg_proc_line(char *line, char **id, char **ctrls, char **path)
{
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2)
        return false;
    *c1 = *c2 = '\0';
    *id = line;
    *ctrls = c1 + 1;
    *path = c2 + 1;
    return true;
}

char *brig_cg_own_path(const char *proc_cgroup, const char *ctrl)
{
    cleanup_free char *text = brig_xstrdup(proc_cgroup);
    char *save = NULL, *id, *ctrls, *path;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!brig_cg_proc_line(line, &id, &ctrls, &path))
            continue;
        if (!*ctrl) {
            if (strcmp(id, "0") == 0 && !*ctrls)
                return brig_xstrdup(path);
            continue;
        }
        char *s2 = NULL;
        for (char *t = strtok_r(ctrls, ",", &s2); t; t = strtok_r(NULL, ",", &s2))
            if (strcmp(t, ctrl) == 0)
                return brig_xstrdup(path);
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

char *brig_cg_fs_path(const char *path)
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

const struct brig_cg_layout *brig_cg_target(const char *path, char **p)
{
    *p = NULL;
    const struct brig_cg_layout *l = brig_cg_layout();
    if (!l) {
        brig_fail_ctx("cgroups");
        return NULL;
    }
    *p = brig_cg_fs_path(path);
    return *p ? l : NULL;
}
