/* brig: run from a read-only view of our own binary before starting any
 * container process (see include/brig/exe_guard.h and SECURITY.md).
 *
 * First choice: a detached clone of the mount holding the binary, made
 * read-only (open_tree + mount_setattr): no copy, ~0.1 ms.  Fallback (no
 * privilege for mounts, old kernel): a memfd copy sealed against writes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "brig/exe_guard.h"
#include "brig/internal.h"
#include "brig/knobs.h"
#include "brig/mounts.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

extern char **environ;

static bool fd_protected(int fd)
{
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals >= 0 && (seals & F_SEAL_WRITE))
        return true;
    struct statvfs sv;
    return fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

bool brig_exe_is_protected(void)
{
    cleanup_fd int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    return fd >= 0 && fd_protected(fd);
}

int brig_in_host_pid_ns(void)
{
    static int known = -2;
    if (known != -2)
        return known;
    /* The initial pid namespace has a fixed inode (PROC_PID_INIT_INO); the
     * statfs check rules out a look-alike file mounted over /proc. */
    cleanup_fd int fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    struct statfs sf;
    struct stat st;
    if (fd < 0)
        known = -1;
    else
        known = fstatfs(fd, &sf) == 0 && sf.f_type == NSFS_MAGIC && fstat(fd, &st) == 0 &&
                st.st_ino == 0xEFFFFFFCU;
    return known;
}

static int readonly_mount_of_self(void)
{
    int fd = brig_open_tree(AT_FDCWD, "/proc/self/exe", false);
    if (fd < 0)
        return -1;
    if (brig_setattr_raw(fd, "", AT_EMPTY_PATH, BRIG_ATTR_RDONLY | BRIG_ATTR_NOSUID | BRIG_ATTR_NODEV, 0, 0, -1) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int sealed_copy_of_self(void)
{
    int fd = memfd_create("brig", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL)
        fd = memfd_create("brig", MFD_CLOEXEC | MFD_ALLOW_SEALING); /* kernels before 6.3 */
    if (fd < 0)
        return -1;
    cleanup_fd int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (src < 0 || fstat(src, &st) < 0)
        goto fail;
    for (off_t done = 0; done < st.st_size;) {
        ssize_t n = sendfile(fd, src, NULL, (size_t)(st.st_size - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail;
        done += n;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
        goto fail;
    return fd;
fail:;
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}

/* execveat FD unless it is not unwritable after all: the re-exec'd brig
 * then finds itself protected, so the guard cannot loop, with no marker a
 * container could forge in the environment. */
static void exec_protected(int fd, char **argv, int *err)
{
    if (!fd_protected(fd)) {
        *err = EROFS;
        return;
    }
    syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
    *err = errno;
}

int brig_exe_guard(char **argv)
{
    /* tests/brig-test only (knobs.h): brig proper has no switch. */
    const char *off = brig_test_knob("BRIG_UNSAFE_SELF_EXE");
    if (off && strcmp(off, "1") == 0)
        return 0;
    if (brig_exe_is_protected()) {
        /* execveat named us after the fd ("3"): keep "brig" for ps and pgrep. */
        const char *slash = strrchr(argv[0], '/');
        prctl(PR_SET_NAME, slash ? slash + 1 : argv[0], 0, 0, 0);
        return 0;
    }
    /* Until the re-exec (a whole copy, for the sealed memfd) no process
     * without CAP_SYS_PTRACE may open our /proc/PID/exe; execve makes the
     * new image dumpable again. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return brig_fail(errno, "prctl PR_SET_DUMPABLE");
    /* Each way returns only when it failed. */
    int fd = readonly_mount_of_self(), e1 = errno, e2 = 0;
    if (fd >= 0) {
        exec_protected(fd, argv, &e1);
        close(fd);
    }
    fd = sealed_copy_of_self();
    e2 = errno;
    if (fd >= 0) {
        exec_protected(fd, argv, &e2);
        close(fd);
    }
    return brig_fail(0, "cannot protect the brig binary from containers (CVE-2019-5736): "
                        "read-only mount: %s; sealed copy: %s", strerror(e1), strerror(e2));
}
