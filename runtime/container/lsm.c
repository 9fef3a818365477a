/* brig: AppArmor profiles and SELinux labels.  Applied where the host has
 * the module enabled; asked for on a host without it, they are an error
 * before anything is created: running the container unconfined when the
 * config asks for confinement would be a silent downgrade. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "brig/container.h"
#include "brig/internal.h"
#include "brig/mounts.h"

static bool apparmor_enabled(void)
{
    char b = 0;
    cleanup_fd int fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
    return fd >= 0 && read(fd, &b, 1) == 1 && b == 'Y';
}

static bool selinux_enabled(void)
{
    return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

int brig_lsm_validate(const struct brig_config *cfg)
{
    const struct brig_process *p = cfg->process;
    if (p && p->apparmor_profile && p->apparmor_profile[0] && !apparmor_enabled())
        return brig_fail(0, "process.apparmorProfile: \"%s\" asked for, but AppArmor is not enabled on this host",
                         p->apparmor_profile);
    if (p && p->selinux_label && p->selinux_label[0] && !selinux_enabled())
        return brig_fail(0, "process.selinuxLabel: \"%s\" asked for, but SELinux is not enabled on this host",
                         p->selinux_label);
    const char *ml = cfg->linux_ ? cfg->linux_->mount_label : NULL;
    if (ml && ml[0] && !selinux_enabled())
        return brig_fail(0, "linux.mountLabel: \"%s\" asked for, but SELinux is not enabled on this host", ml);
    return 0;
}

/* Write VALUE to the first of the attr files that exists. */
static int attr_write(const char *what, const char *const paths[], const char *value)
{
    for (size_t i = 0; paths[i]; i++) {
        /* paths[] are below /proc: through our own procfs (mountfd.c). */
        cleanup_fd int fd = brig_open_proc_file(paths[i] + strlen("/proc/"), O_WRONLY);
        if (fd < 0) {
            if (errno == ENOENT)
                continue;
            return brig_fail(errno, "%s: open %s", what, paths[i]);
        }
        if (brig_write_all(fd, value, strlen(value)) < 0)
            return brig_fail(errno, "%s: set \"%s\"", what, value);
        return 0;
    }
    return brig_fail(ENOENT, "%s: no /proc/thread-self/attr (is /proc mounted in the container?)", what);
}

/* Both take effect at the next execve. */
int brig_lsm_apply(const struct brig_process *p)
{
    if (p->apparmor_profile && p->apparmor_profile[0]) {
        if (!apparmor_enabled())
            return brig_fail(0, "process.apparmorProfile: AppArmor is not enabled on this host");
        static const char *const paths[] = {"/proc/thread-self/attr/apparmor/exec", "/proc/thread-self/attr/exec",
                                            NULL};
        cleanup_free char *v = brig_xasprintf("exec %s", p->apparmor_profile);
        if (attr_write("process.apparmorProfile", paths, v) < 0)
            return -1;
    }
    if (p->selinux_label && p->selinux_label[0]) {
        if (!selinux_enabled())
            return brig_fail(0, "process.selinuxLabel: SELinux is not enabled on this host");
        static const char *const paths[] = {"/proc/thread-self/attr/exec", NULL};
        if (attr_write("process.selinuxLabel", paths, p->selinux_label) < 0)
            return -1;
    }
    return 0;
}
