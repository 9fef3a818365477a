/* brig: linux.sysctl.  Only namespaced keys, and only when the container
 * has the matching namespace of its own: anything else would change the
 * host.  The runtime checks before anything is created; the init writes
 * the values through the container's /proc once it is in its namespaces. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brig/container.h"
#include "brig/internal.h"
#include "brig/mounts.h"

static const struct {
    const char *key;
    bool prefix; /* KEY is a prefix ("net.") */
    enum brig_ns_type ns;
} allowed[] = {
    {"kernel.msgmax", false, BRIG_NS_IPC},     {"kernel.msgmnb", false, BRIG_NS_IPC},
    {"kernel.msgmni", false, BRIG_NS_IPC},     {"kernel.sem", false, BRIG_NS_IPC},
    {"kernel.shmall", false, BRIG_NS_IPC},     {"kernel.shmmax", false, BRIG_NS_IPC},
    {"kernel.shmmni", false, BRIG_NS_IPC},     {"kernel.shm_rmid_forced", false, BRIG_NS_IPC},
    {"fs.mqueue.", true, BRIG_NS_IPC},         {"net.", true, BRIG_NS_NETWORK},
    {"kernel.domainname", false, BRIG_NS_UTS},
};

static const char *ns_proc_name(enum brig_ns_type t)
{
    switch (t) {
    case BRIG_NS_NETWORK:
        return "net";
    case BRIG_NS_IPC:
        return "ipc";
    case BRIG_NS_UTS:
        return "uts";
    default:
        return "";
    }
}

/* KEY as a path below /proc/sys and as its dotted name.  sysctl(8)'s
 * convention: the first of '.' and '/' is the separator, the other one
 * stands for a dot inside a component ("net.ipv4.conf.eth0/100.forwarding"). */
static int key_paths(const char *key, char **path, char **dotted)
{
    size_t n = strlen(key);
    char sep = key[strcspn(key, "./")];
    if (n == 0 || sep == '\0')
        return brig_fail(0, "linux.sysctl: invalid key \"%s\"", key);
    char other = sep == '.' ? '/' : '.';
    *path = brig_xmalloc(n + 1);
    *dotted = brig_xmalloc(n + 1);
    for (size_t i = 0; i <= n; i++) {
        char ch = key[i];
        (*path)[i] = ch == sep ? '/' : ch == other ? '.' : ch;
        (*dotted)[i] = ch == sep ? '.' : ch;
    }
    /* No empty, "." or ".." components: the path must stay in /proc/sys. */
    const char *p = *path;
    for (;;) {
        size_t l = strcspn(p, "/");
        if (l == 0 || (l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.')) {
            free(*path);
            free(*dotted);
            *path = *dotted = NULL;
            return brig_fail(0, "linux.sysctl: invalid key \"%s\"", key);
        }
        if (!p[l])
            break;
        p += l + 1;
    }
    return 0;
}

/* Whether the namespace the container joins at FD is the runtime's own. */
static bool is_host_ns(int fd, enum brig_ns_type t)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/ns/%s", ns_proc_name(t));
    struct stat a, b;
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int brig_sysctl_classify(const char *key, char **dotted_out, enum brig_ns_type *ns)
{
    cleanup_free char *path = NULL, *dotted = NULL;
    if (key_paths(key, &path, &dotted) < 0)
        return -1;
    int r = 0;
    for (size_t j = 0; j < BRIG_ARRAY_SIZE(allowed); j++) {
        size_t l = strlen(allowed[j].key);
        if (allowed[j].prefix ? strncmp(dotted, allowed[j].key, l) == 0 && dotted[l]
                              : strcmp(dotted, allowed[j].key) == 0) {
            *ns = allowed[j].ns;
            r = 1;
            break;
        }
    }
    if (dotted_out) {
        *dotted_out = dotted;
        dotted = NULL;
    }
    return r;
}

int brig_sysctl_validate(const struct brig_config *cfg, const struct brig_plan *pl)
{
    if (!cfg->linux_)
        return 0;
    const struct brig_map *s = &cfg->linux_->sysctl;
    for (size_t i = 0; i < s->n; i++) {
        const char *key = s->v[i].key;
        enum brig_ns_type t = BRIG_NS_COUNT;
        cleanup_free char *dotted = NULL;
        int r = brig_sysctl_classify(key, &dotted, &t);
        if (r < 0)
            return -1;
        /* It would fight the "hostname" field (runc refuses it too). */
        if (strcmp(dotted, "kernel.hostname") == 0)
            return brig_fail(0, "linux.sysctl: \"%s\" is not allowed: it conflicts with the \"hostname\" field; "
                                "set the hostname there", key);
        if (r == 0)
            return brig_fail(0, "linux.sysctl: \"%s\" is not namespaced: it cannot be set for a container "
                                "(only net.*, kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.* "
                                "and kernel.domainname can)", key);
        const struct brig_namespace *ns = brig_config_namespace(cfg, t);
        if (!ns)
            return brig_fail(0, "linux.sysctl: \"%s\" needs the container to have its own %s namespace", key,
                             brig_ns_type_name(t));
        if (pl && pl->ns_fds[t] >= 0 && is_host_ns(pl->ns_fds[t], t))
            return brig_fail(0, "linux.sysctl: \"%s\": the %s namespace the container joins (%s) is the host's", key,
                             brig_ns_type_name(t), ns->path);
    }
    return 0;
}

int brig_sysctl_apply(const struct brig_config *cfg)
{
    if (!cfg->linux_)
        return 0;
    const struct brig_map *s = &cfg->linux_->sysctl;
    for (size_t i = 0; i < s->n; i++) {
        cleanup_free char *path = NULL, *dotted = NULL;
        if (key_paths(s->v[i].key, &path, &dotted) < 0)
            return -1;
        /* Through our own procfs: the container's /proc may have been
         * rearranged by then (CVE-2025-52881). */
        cleanup_free char *rel = brig_xasprintf("sys/%s", path);
        cleanup_fd int fd = brig_open_proc_file(rel, O_WRONLY);
        if (fd < 0)
            return brig_fail(errno, "linux.sysctl: %s: open /proc/%s", s->v[i].key, rel);
        const char *v = s->v[i].value;
        if (brig_write_all(fd, v, strlen(v)) < 0)
            return brig_fail(errno, "linux.sysctl: write %s to %s", v, s->v[i].key);
    }
    return 0;
}
