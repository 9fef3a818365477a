/* tests/integration/mounts.sh's in-container probe (static: it runs in a
 * bare busybox rootfs).
 *
 *   mount-probe userns-proc DIR   in a new user, mount and pid namespace
 *                                 (the container's root mapped to itself),
 *                                 mount a fresh procfs on DIR: prints
 *                                 "mounted" or "refused: ERROR" */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int userns_proc(const char *dir)
{
    char map[64];
    unsigned uid = (unsigned)geteuid(), gid = (unsigned)getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) < 0) {
        printf("refused: unshare: %s\n", strerror(errno));
        return 0;
    }
    snprintf(map, sizeof map, "0 %u 1\n", uid);
    if (write_file("/proc/self/uid_map", map) < 0) {
        printf("refused: uid_map: %s\n", strerror(errno));
        return 0;
    }
    write_file("/proc/self/setgroups", "deny");
    snprintf(map, sizeof map, "0 %u 1\n", gid);
    if (write_file("/proc/self/gid_map", map) < 0) {
        printf("refused: gid_map: %s\n", strerror(errno));
        return 0;
    }
    pid_t pid = fork(); /* the new pid namespace's first process */
    if (pid < 0) {
        printf("refused: fork: %s\n", strerror(errno));
        return 0;
    }
    if (pid == 0) {
        if (mount("proc", dir, "proc", 0, NULL) < 0)
            printf("refused: mount proc: %s\n", strerror(errno));
        else
            printf("mounted\n");
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 3 && strcmp(argv[1], "userns-proc") == 0)
        return userns_proc(argv[2]);
    fprintf(stderr, "usage: mount-probe userns-proc DIR\n");
    return 2;
}
