/* brig: rootless detection and the per-user state root.  The rules follow
 * runc's (main.go, rootless_linux.go) so that an engine that runs both gets
 * the same directories and the same cgroup choices. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/internal.h"
#include "brig/rootless.h"

bool brig_running_in_userns(void)
{
    static int cached = -1;
    if (cached >= 0)
        return cached;
    /* The initial user namespace maps all 2^32-1 ids in one line; anything
     * else (or no uid_map: a kernel without user namespaces) is told apart
     * by that line alone. */
    /* The first line is all it takes: open, read, close (no stdio). */
    int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return (cached = 0);
    char buf[128];
    ssize_t r = read(fd, buf, sizeof buf - 1);
    close(fd);
    unsigned long a, b, c;
    buf[r > 0 ? r : 0] = '\0';
    int n = sscanf(buf, "%lu %lu %lu", &a, &b, &c);
    cached = !(n == 3 && a == 0 && b == 0 && c == 4294967295UL);
    return cached;
}

bool brig_is_rootless(void)
{
    if (brig_g.rootless >= 0)
        return brig_g.rootless == 1;
    if (geteuid() != 0)
        return true;
    return brig_running_in_userns();
}

static bool honour_xdg_runtime_dir(void)
{
    if (geteuid() != 0)
        return true;
    if (!brig_running_in_userns())
        return false;
    /* Root of a user namespace (rootlesskit): its own XDG dir, unless it is
     * really root that merely runs in one. */
    const char *u = getenv("USER");
    return !u || strcmp(u, "root") != 0;
}

const char *brig_default_root(void)
{
    static char *root;
    if (root)
        return root;
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (xdg && xdg[0] == '/' && honour_xdg_runtime_dir())
        root = brig_xasprintf("%s/brig", xdg);
    else
        root = brig_xstrdup(BRIG_DEFAULT_ROOT);
    return root;
}

uid_t brig_host_uid(void)
{
    uid_t uid = geteuid();
    if (!brig_running_in_userns())
        return uid;
    FILE *f = fopen("/proc/self/uid_map", "re");
    if (!f)
        return uid;
    unsigned long in, out, n;
    uid_t host = uid;
    while (fscanf(f, "%lu %lu %lu", &in, &out, &n) == 3) {
        if (uid >= in && uid - in < n) {
            host = (uid_t)(out + (uid - in));
            break;
        }
    }
    fclose(f);
    return host;
}

bool brig_systemd_user(void)
{
    return brig_is_rootless() && brig_host_uid() != 0;
}
