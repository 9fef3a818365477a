/* brig isolation probe: files that must be neither writable nor readable,
 * what the container can see, the setuid check and the resource limits.
 *
 * Files are opened for writing but never written (see probe.c). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "probe.h"

/* ---- files that must not be writable ---- */

/* Open each existing path O_WRONLY, never writing; escaped if one opens. */
static void write_open_probe(struct result *r, const char *const *paths, size_t n)
{
    char opened[768] = "", denied[768] = "";
    int first_err = 0, present = 0;

    for (size_t i = 0; i < n; i++) {
        int fd = open(paths[i], O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd >= 0) {
            close(fd);
            present++;
            appendf(opened, sizeof opened, " %s", paths[i]);
            continue;
        }
        if (errno == ENOENT || errno == ENOTDIR)
            continue;
        present++;
        if (!first_err)
            first_err = errno;
        appendf(denied, sizeof denied, " %s (%s)", paths[i], strerror(errno));
    }
    if (opened[0])
        say(r, V_ESCAPED, 0, "opened for writing (nothing written):%s", opened);
    else if (present)
        say(r, V_BLOCKED, first_err, "refused:%s", denied);
    else
        say(r, V_BLOCKED, ENOENT, "none of these files exists in the container");
}

static void p_proc_sys_core_pattern(struct result *r)
{
    static const char *const p[] = { "/proc/sys/kernel/core_pattern" };

    tried(r, "open /proc/sys/kernel/core_pattern O_WRONLY (the core_pattern escape; never written)");
    write_open_probe(r, p, ARRAY_SIZE(p));
}

static void p_proc_sys_write(struct result *r)
{
    static const char *const p[] = {
        "/proc/sys/kernel/modprobe", "/proc/sys/vm/drop_caches",
        "/proc/sys/kernel/hostname", "/proc/sys/fs/binfmt_misc/register",
        "/proc/sys/net/ipv4/ip_forward",
    };

    tried(r, "open files under /proc/sys O_WRONLY (never written)");
    write_open_probe(r, p, ARRAY_SIZE(p));
}

static void p_sysrq_trigger(struct result *r)
{
    static const char *const p[] = { "/proc/sysrq-trigger" };

    tried(r, "open /proc/sysrq-trigger O_WRONLY (never written)");
    write_open_probe(r, p, ARRAY_SIZE(p));
}

static void p_sys_write(struct result *r)
{
    static const char *const p[] = {
        "/sys/kernel/uevent_helper", "/sys/kernel/mm/transparent_hugepage/enabled",
        "/sys/kernel/mm/ksm/run", "/sys/power/state",
        "/sys/module/printk/parameters/time", "/sys/kernel/profiling",
    };

    tried(r, "open files under /sys O_WRONLY (never written)");
    write_open_probe(r, p, ARRAY_SIZE(p));
}

static void p_cgroup_release_agent(struct result *r)
{
    char paths[32][300];
    const char *ptrs[32];
    size_t n = 0;
    DIR *d;
    struct dirent *de;

    tried(r, "open every reachable cgroup release_agent O_WRONLY (never written)");
    snprintf(paths[n++], sizeof paths[0], "/sys/fs/cgroup/release_agent");
    d = opendir("/sys/fs/cgroup");
    while (d && (de = readdir(d)) && n < ARRAY_SIZE(paths)) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(paths[n++], sizeof paths[0], "/sys/fs/cgroup/%s/release_agent", de->d_name);
    }
    if (d)
        closedir(d);
    for (size_t i = 0; i < n; i++)
        ptrs[i] = paths[i];
    write_open_probe(r, ptrs, n);
}

/* The limit files of our own cgroups: writable ones let a container lift
 * its limits or move itself out. */
static void p_cgroup_limits_write(struct result *r)
{
    static const char *const files[] = { "memory.limit_in_bytes", "memory.max", "pids.max", "cgroup.procs" };
    static char buf[4096];
    static char paths[96][300];
    const char *ptrs[96];
    size_t n = 0;
    char *line, *save = NULL;

    tried(r, "open this container's cgroup limit files O_WRONLY (never written)");
    if (slurp("/proc/self/cgroup", buf, sizeof buf) < 0) {
        say(r, V_ERROR, errno, "cannot read /proc/self/cgroup: %s", strerror(errno));
        return;
    }
    for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *ctl = strchr(line, ':'), *path;
        if (!ctl || !(path = strchr(ctl + 1, ':')))
            continue;
        *path++ = '\0';
        ctl++;
        if (strncmp(ctl, "name=", 5) == 0)
            continue;
        for (size_t f = 0; f < ARRAY_SIZE(files) && n + 4 <= ARRAY_SIZE(paths); f++) {
            /* With and without a cgroup namespace, v1 and v2 layouts. */
            if (*ctl) {
                snprintf(paths[n++], sizeof paths[0], "/sys/fs/cgroup/%.40s%.200s/%s", ctl, path, files[f]);
                snprintf(paths[n++], sizeof paths[0], "/sys/fs/cgroup/%.40s/%s", ctl, files[f]);
            } else {
                snprintf(paths[n++], sizeof paths[0], "/sys/fs/cgroup%.200s/%s", path, files[f]);
                snprintf(paths[n++], sizeof paths[0], "/sys/fs/cgroup/%s", files[f]);
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        ptrs[i] = paths[i];
    write_open_probe(r, ptrs, n);
}

/* ---- files that must not be readable ---- */

/* Escaped when the file yields content; a mask (/dev/null or an empty
 * tmpfs) reads empty. */
static void read_probe(struct result *r, const char *path, size_t want)
{
    static char buf[8192];
    struct stat st;
    ssize_t n;
    int fd;

    if (want > sizeof buf)
        want = sizeof buf;
    tried(r, "read %zu bytes of %s", want, path);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        say(r, V_BLOCKED, errno, "open refused: %s", strerror(errno));
        return;
    }
    if (fstat(fd, &st) < 0) {
        say(r, V_ERROR, errno, "fstat: %s", strerror(errno));
        close(fd);
        return;
    }
    n = read(fd, buf, want);
    if (n < 0)
        say(r, V_BLOCKED, errno, "opened, but read refused: %s", strerror(errno));
    else if (n == 0)
        say(r, V_BLOCKED, 0, "reads empty (%s)", S_ISCHR(st.st_mode) ? "masked with a device node" : "no content");
    else
        say(r, V_ESCAPED, 0, "read %zd bytes", n);
    close(fd);
}

static void p_proc_kcore(struct result *r) { read_probe(r, "/proc/kcore", 64); }
static void p_proc_keys(struct result *r) { read_probe(r, "/proc/keys", 4096); }
static void p_proc_timer_list(struct result *r) { read_probe(r, "/proc/timer_list", 256); }
static void p_proc_sched_debug(struct result *r) { read_probe(r, "/proc/sched_debug", 256); }

/* Opening is the permission check; a read would consume messages. */
static void open_only_probe(struct result *r, const char *path, const char *why)
{
    int fd;

    tried(r, "open %s O_RDONLY (%s)", path, why);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd >= 0) {
        close(fd);
        say(r, V_ESCAPED, 0, "opened %s", path);
    } else {
        say(r, V_BLOCKED, errno, "open refused: %s", strerror(errno));
    }
}

static void p_proc_kmsg(struct result *r) { open_only_probe(r, "/proc/kmsg", "never read: reading consumes the host's log"); }
static void p_dev_mem(struct result *r) { open_only_probe(r, "/dev/mem", "never read"); }

static void p_dev_kmsg(struct result *r)
{
    static char buf[8192];
    ssize_t n;
    int fd;

    tried(r, "open /dev/kmsg O_RDONLY and read one record");
    fd = open("/dev/kmsg", O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        say(r, V_BLOCKED, errno, "open refused: %s", strerror(errno));
        return;
    }
    n = read(fd, buf, sizeof buf);
    say(r, V_ESCAPED, n < 0 ? errno : 0, "opened the host's kernel log (read: %zd)", n);
    close(fd);
}

static void p_proc_kallsyms(struct result *r)
{
    static char buf[16384];
    char *line;
    unsigned long long addr;
    int lines = 0;

    tried(r, "read /proc/kallsyms and look for non-zero kernel addresses");
    if (slurp("/proc/kallsyms", buf, sizeof buf) < 0) {
        say(r, V_BLOCKED, errno, "open refused: %s", strerror(errno));
        return;
    }
    for (line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (sscanf(line, "%llx", &addr) != 1)
            continue;
        lines++;
        if (addr != 0) {
            say(r, V_ESCAPED, 0, "kernel addresses are visible (e.g. %016llx): KASLR defeated", addr);
            return;
        }
    }
    say(r, V_BLOCKED, 0, "%d symbols, all addresses zeroed", lines);
}

static void p_sys_firmware(struct result *r)
{
    DIR *d;
    struct dirent *de;
    int n = 0;

    tried(r, "list /sys/firmware");
    d = opendir("/sys/firmware");
    if (!d) {
        say(r, V_BLOCKED, errno, "cannot open: %s", strerror(errno));
        return;
    }
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (!n++)
            say(r, V_ESCAPED, 0, "firmware tables visible:");
        add(r, " %s", de->d_name);
    }
    closedir(d);
    if (!n)
        say(r, V_BLOCKED, 0, "empty (masked)");
}

/* ---- what the container can see ---- */

static pid_t ppid_of(pid_t pid)
{
    char path[64], buf[512], *p;
    int ppid;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (slurp(path, buf, sizeof buf) < 0 || !(p = strrchr(buf, ')')))
        return -1;
    if (sscanf(p + 1, " %*c %d", &ppid) != 1)
        return -1;
    return ppid;
}

static void p_host_pids(struct result *r)
{
    pid_t ours[64];
    size_t n_ours = 0;
    pid_t p = getpid();
    int foreign = 0, total = 0;
    DIR *d;
    struct dirent *de;

    tried(r, "list /proc: any pid besides this probe and its ancestors");
    while (p > 0 && n_ours < ARRAY_SIZE(ours)) {
        ours[n_ours++] = p;
        p = ppid_of(p);
    }
    d = opendir("/proc");
    if (!d) {
        say(r, V_ERROR, errno, "cannot list /proc: %s", strerror(errno));
        return;
    }
    say(r, V_BLOCKED, 0, "only this probe's own processes");
    while ((de = readdir(d))) {
        char *end, path[64], comm[64];
        long pid = strtol(de->d_name, &end, 10);
        bool mine = false;
        if (*end || pid <= 0)
            continue;
        total++;
        for (size_t i = 0; i < n_ours; i++)
            mine |= ours[i] == pid;
        if (mine)
            continue;
        if (!foreign++)
            say(r, V_ESCAPED, 0, "processes outside the container are visible:");
        if (foreign <= 8) {
            snprintf(path, sizeof path, "/proc/%ld/comm", pid);
            if (slurp(path, comm, sizeof comm) < 0)
                snprintf(comm, sizeof comm, "?");
            comm[strcspn(comm, "\n")] = '\0';
            add(r, " %ld(%s)", pid, comm);
        }
    }
    closedir(d);
    if (foreign)
        add(r, " ... %d of %d pids", foreign, total);
}

static void p_host_netifs(struct result *r)
{
    static char buf[8192];
    char *line, *save = NULL;
    int seen = 0, foreign = 0;
    DIR *d;
    struct dirent *de;

    tried(r, "network interfaces other than lo in /proc/net/dev and /sys/class/net");
    say(r, V_BLOCKED, 0, "only lo");
    if (slurp("/proc/net/dev", buf, sizeof buf) >= 0) {
        seen++;
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            char *colon = strchr(line, ':');
            if (!colon)
                continue; /* the two header lines */
            *colon = '\0';
            line += strspn(line, " ");
            if (strcmp(line, "lo") == 0)
                continue;
            if (!foreign++)
                say(r, V_ESCAPED, 0, "interfaces:");
            add(r, " %s", line);
        }
    }
    d = opendir("/sys/class/net");
    if (d) {
        seen++;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.' || strcmp(de->d_name, "lo") == 0)
                continue;
            if (!foreign++)
                say(r, V_ESCAPED, 0, "interfaces:");
            add(r, " sysfs:%s", de->d_name);
        }
        closedir(d);
    }
    if (!seen)
        say(r, V_BLOCKED, errno, "neither /proc/net/dev nor /sys/class/net is readable");
}

static void p_dev_nodes(struct result *r)
{
    static const char *const safe[] = { "null", "zero", "full", "random", "urandom", "tty", "console", "ptmx" };
    DIR *d;
    struct dirent *de;
    int bad = 0;

    tried(r, "/dev holds no block device and no character device beyond null, zero, full, random, urandom, tty, console, ptmx");
    d = opendir("/dev");
    if (!d) {
        say(r, V_ERROR, errno, "cannot list /dev: %s", strerror(errno));
        return;
    }
    say(r, V_BLOCKED, 0, "only the standard devices");
    while ((de = readdir(d))) {
        struct stat st;
        bool ok = false;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (!S_ISBLK(st.st_mode) && !S_ISCHR(st.st_mode))
            continue;
        for (size_t i = 0; i < ARRAY_SIZE(safe) && S_ISCHR(st.st_mode); i++)
            ok |= strcmp(de->d_name, safe[i]) == 0;
        if (ok)
            continue;
        if (!bad++)
            say(r, V_ESCAPED, 0, "device nodes:");
        add(r, " %s(%c %u:%u)", de->d_name, S_ISBLK(st.st_mode) ? 'b' : 'c', major(st.st_rdev), minor(st.st_rdev));
    }
    closedir(d);
}

static void p_rootfs_write(struct result *r)
{
    struct statvfs sv;
    char path[64];
    bool ro;
    int fd;

    tried(r, "create a file in / (the rootfs must be mounted read-only)");
    if (statvfs("/", &sv) < 0) {
        say(r, V_ERROR, errno, "statvfs /: %s", strerror(errno));
        return;
    }
    ro = sv.f_flag & ST_RDONLY;
    snprintf(path, sizeof path, "/.brig-probe-write.%d", (int)getpid());
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        if (unlink(path) < 0)
            add(r, "(could not remove %s: %s) ", path, strerror(errno));
        say(r, V_ESCAPED, 0, "created %s", path);
    } else if (!ro) {
        say(r, V_ESCAPED, errno, "the write was refused (%s), but / is mounted read-write", strerror(errno));
    } else {
        say(r, V_BLOCKED, errno, "refused: %s", strerror(errno));
    }
}

static void p_setuid_nnp(struct result *r)
{
    uid_t me = geteuid();
    const char *helper = me == 0 ? opt.suid_other : opt.suid_root;
    struct statvfs sv;
    struct stat st;
    char out[64] = "";
    unsigned euid, egid;
    int p[2], status;
    pid_t pid;

    tried(r, "execve of the setuid file %s: the euid must not change", helper);
    if (stat(helper, &st) < 0) {
        say(r, V_ERROR, errno, "setuid helper %s missing: %s (isolation-bench puts it in the rootfs)",
            helper, strerror(errno));
        return;
    }
    if (!(st.st_mode & S_ISUID) || st.st_uid == me) {
        say(r, V_ERROR, 0, "%s is not setuid to another user (mode %o, owner %u)", helper,
            (unsigned)st.st_mode & 07777, (unsigned)st.st_uid);
        return;
    }
    if (pipe2(p, O_CLOEXEC) < 0) {
        say(r, V_ERROR, errno, "pipe2: %s", strerror(errno));
        return;
    }
    pid = fork();
    if (pid < 0) {
        say(r, V_ERROR, errno, "fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return;
    }
    if (pid == 0) {
        if (dup2(p[1], 1) < 0)
            _exit(126);
        execl(helper, helper, "--print-ids", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    if (read_all(p[0], out, sizeof out - 1) < 0)
        out[0] = '\0';
    close(p[0]);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            say(r, V_ERROR, errno, "waitpid: %s", strerror(errno));
            return;
        }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || sscanf(out, "%u %u", &euid, &egid) != 2) {
        say(r, V_ERROR, 0, "the helper did not run (status 0x%x)", (unsigned)status);
        return;
    }
    if (euid == st.st_uid)
        say(r, V_ESCAPED, 0, "euid became %u: setuid is honoured", euid);
    else
        say(r, V_BLOCKED, 0, "euid stayed %u (no_new_privs %d, rootfs %s)", euid,
            prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0),
            statvfs("/", &sv) == 0 && (sv.f_flag & ST_NOSUID) ? "nosuid" : "suid");
}

static void p_fd_leak(struct result *r) { *r = boot.fds; }
static void p_cwd_host(struct result *r) { *r = boot.cwd; }

static void p_proc_root(struct result *r)
{
    char link[PATH_MAX];
    struct stat st;
    ssize_t n;

    tried(r, "/proc/self/root and /proc/1/root lead to this container's /");
    if (boot.root_err) {
        say(r, V_ERROR, boot.root_err, "stat / failed at start");
        return;
    }
    n = readlink("/proc/self/root", link, sizeof link - 1);
    if (n < 0) {
        say(r, V_ERROR, errno, "readlink /proc/self/root: %s", strerror(errno));
        return;
    }
    link[n] = '\0';
    if (strcmp(link, "/") != 0) {
        say(r, V_ESCAPED, 0, "/proc/self/root -> %s", link);
        return;
    }
    if (stat("/proc/self/root/", &st) == 0 && !same_file(&st, &boot.root)) {
        say(r, V_ESCAPED, 0, "/proc/self/root/ is not /");
        return;
    }
    if (stat("/proc/1/root/", &st) < 0)
        say(r, V_BLOCKED, errno, "/proc/1/root is not reachable: %s", strerror(errno));
    else if (!same_file(&st, &boot.root))
        say(r, V_ESCAPED, 0, "/proc/1/root/ is a different root: pid 1 is outside the container");
    else
        say(r, V_BLOCKED, 0, "both are this container's /");
}

/* ---- resource limits ---- */

static pid_t kids[MAX_FORK];

static void p_fork_bomb(struct result *r)
{
    long n = 0;
    int e = 0;

    tried(r, "fork up to %ld sleeping children (all killed afterwards)", opt.fork_max);
    for (; n < opt.fork_max; n++) {
        pid_t pid = fork();
        if (pid < 0) {
            e = errno;
            break;
        }
        if (pid == 0) {
            for (;;)
                pause();
        }
        kids[n] = pid;
    }
    for (long i = 0; i < n; i++)
        if (kill(kids[i], SIGKILL) < 0 && errno != ESRCH)
            add(r, "(kill %d: %s) ", (int)kids[i], strerror(errno));
    for (long i = 0; i < n; i++)
        while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
            ;
    if (n < opt.fork_max)
        say(r, V_BLOCKED, e, "fork failed after %ld children: %s", n, strerror(e));
    else
        say(r, V_ESCAPED, 0, "all %ld children were created: no process limit below that", n);
}

static void p_memory_hog(struct result *r)
{
    int p[2], status;
    long mb = 0;
    char buf[256];
    ssize_t k;
    pid_t pid;

    tried(r, "touch up to %ld MiB in a child with oom_score_adj 1000", opt.mem_max_mb);
    if (pipe2(p, O_CLOEXEC) < 0) {
        say(r, V_ERROR, errno, "pipe2: %s", strerror(errno));
        return;
    }
    pid = fork();
    if (pid < 0) {
        say(r, V_ERROR, errno, "fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return;
    }
    if (pid == 0) {
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        close(p[0]);
        /* Make sure the OOM killer picks the hog, not the probe. */
        if (fd >= 0) {
            if (write(fd, "1000", 4) < 0) {
                /* not fatal: the hog is the largest process anyway */
            }
            close(fd);
        }
        for (long i = 0; i < opt.mem_max_mb; i++) {
            char *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (m == MAP_FAILED)
                _exit(3);
            memset(m, 0x5a, 1 << 20);
            if (write(p[1], "x", 1) != 1)
                _exit(4);
        }
        _exit(0);
    }
    close(p[1]);
    while ((k = read(p[0], buf, sizeof buf)) != 0) {
        if (k < 0 && errno != EINTR)
            break;
        if (k > 0)
            mb += k;
    }
    close(p[0]);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            say(r, V_ERROR, errno, "waitpid: %s", strerror(errno));
            return;
        }
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        say(r, V_BLOCKED, 0, "the hog was killed (OOM) after %ld MiB", mb);
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
        say(r, V_BLOCKED, ENOMEM, "mmap failed after %ld MiB", mb);
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        say(r, V_ESCAPED, 0, "touched all %ld MiB: no memory limit below that", mb);
    else
        say(r, V_ERROR, 0, "the hog ended oddly (status 0x%x) after %ld MiB", (unsigned)status, mb);
}


const struct probe probes_files[] = {
    { "fd_leak", p_fd_leak },
    { "cwd_host", p_cwd_host },
    { "proc_root", p_proc_root },
    { "host_pids", p_host_pids },
    { "host_netifs", p_host_netifs },
    { "dev_nodes", p_dev_nodes },
    { "rootfs_write", p_rootfs_write },
    { "setuid_nnp", p_setuid_nnp },
    { "proc_sys_core_pattern", p_proc_sys_core_pattern },
    { "proc_sys_write", p_proc_sys_write },
    { "sysrq_trigger", p_sysrq_trigger },
    { "sys_write", p_sys_write },
    { "cgroup_release_agent", p_cgroup_release_agent },
    { "cgroup_limits_write", p_cgroup_limits_write },
    { "proc_kcore", p_proc_kcore },
    { "proc_keys", p_proc_keys },
    { "proc_timer_list", p_proc_timer_list },
    { "proc_sched_debug", p_proc_sched_debug },
    { "proc_kmsg", p_proc_kmsg },
    { "proc_kallsyms", p_proc_kallsyms },
    { "sys_firmware", p_sys_firmware },
    { "dev_mem", p_dev_mem },
    { "dev_kmsg", p_dev_kmsg },
    { "fork_bomb", p_fork_bomb },
    { "memory_hog", p_memory_hog },
    { NULL, NULL },
};
