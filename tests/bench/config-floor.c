/* config-floor: the kernel work the benchmark's plain bundle asks for, done
 * with nothing else around it.  No config to parse, no state to keep, no
 * checks, no protocol between two processes: the namespaces, the cgroups,
 * the mounts, the devices, the capabilities and the exec, in the order a
 * runtime does them.  Whatever a runtime spends above this is its own
 * (tests/bench/README.md, "Tenth session").
 *
 *     config-floor -r ROOTFS -n NAME [-c CGDIR]... [-m MASKED]... [-o READONLY]...
 *
 * It makes NAME in every CGDIR (a hierarchy's mount point; cpuset gets its
 * parent's cpus and mems, v1 devices the default rules), clones into a new
 * pid namespace and the v2 one, joins the v1 ones, unshares the mount, uts,
 * ipc and network namespaces, brings up lo, mounts /proc, /dev (tmpfs), /dev/pts, /dev/shm,
 * /dev/mqueue and /sys (read-only) on ROOTFS, makes the default devices and
 * their links, pivots into it, masks each MASKED (/dev/null on a file, one
 * read-only tmpfs on directories), makes each READONLY read-only, makes the
 * root read-only, keeps CAP_AUDIT_WRITE, CAP_KILL and CAP_NET_BIND_SERVICE,
 * sets RLIMIT_NOFILE to 1024 and no_new_privs, and runs /bin/true.  The
 * parent waits and removes the cgroups.  Paths that do not exist are
 * skipped, as a runtime skips them.  tests/bench/scale checks that the plain
 * bundle still asks for exactly this before it runs it.  Needs root. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_LIST 32

struct list {
    const char *v[MAX_LIST];
    int n;
};

static void die(const char *fmt, ...)
{
    int e = errno;
    va_list ap;
    va_start(ap, fmt);
    fputs("config-floor: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": %s\n", strerror(e));
    _exit(1);
}

static void add(struct list *l, const char *s)
{
    if (l->n == MAX_LIST) {
        errno = E2BIG;
        die("more than %d of %s", MAX_LIST, s);
    }
    l->v[l->n++] = s;
}

/* Each of the N strings V, one write each, through one open of PATH (a
 * cgroup file takes a value a write). */
static void write_each(const char *path, const char *const *v, size_t n)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        die("open %s", path);
    for (size_t i = 0; i < n; i++)
        if (write(fd, v[i], strlen(v[i])) < 0)
            die("write %s to %s", v[i], path);
    if (close(fd) < 0)
        die("close %s", path);
}

static void write_file(const char *path, const char *s)
{
    write_each(path, &s, 1);
}

static void copy_file(const char *from, const char *to)
{
    char buf[4096];
    int fd = open(from, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die("open %s", from);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n < 0)
        die("read %s", from);
    if (close(fd) < 0)
        die("close %s", from);
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    write_file(to, buf);
}

/* The cgroup, as a runtime makes it before the container joins. */
static void make_cgroup(const char *hier, const char *name)
{
    char dir[512], a[600], b[600];
    snprintf(dir, sizeof dir, "%s/%s", hier, name);
    if (mkdir(dir, 0755) < 0)
        die("mkdir %s", dir);
    if (strstr(hier, "cpuset")) {
        static const char *const f[] = { "cpuset.cpus", "cpuset.mems" };
        for (int i = 0; i < 2; i++) {
            snprintf(a, sizeof a, "%s/%s", hier, f[i]);
            snprintf(b, sizeof b, "%s/%s", dir, f[i]);
            copy_file(a, b);
        }
    }
    if (strstr(hier, "devices")) {
        static const char *const allow[] = { "c *:* m", "b *:* m", "c 1:3 rwm", "c 1:8 rwm",
                                             "c 1:7 rwm", "c 5:0 rwm", "c 1:5 rwm", "c 1:9 rwm",
                                             "c 136:* rwm", "c 5:2 rwm" };
        snprintf(a, sizeof a, "%s/devices.deny", dir);
        write_file(a, "a");
        snprintf(a, sizeof a, "%s/devices.allow", dir);
        write_each(a, allow, sizeof allow / sizeof *allow);
    }
}

static bool is_cgroup2(const char *hier)
{
    struct statfs f;
    if (statfs(hier, &f) < 0)
        die("statfs %s", hier);
    return f.f_type == CGROUP2_SUPER_MAGIC;
}

/* A v1 hierarchy: the thread alone, through "tasks", which spares the
 * kernel the threadgroup lock and its RCU wait that "cgroup.procs" takes
 * (the init is one thread).  The v2 one is joined at the clone
 * (CLONE_INTO_CGROUP). */
static void join_v1_cgroup(const char *hier, const char *name)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s/tasks", hier, name);
    write_file(p, "0");
}

static void mount_at(const char *src, const char *dst, const char *type, unsigned long flags,
                     const char *data)
{
    if (mount(src, dst, type, flags, data) < 0)
        die("mount %s on %s", type ? type : src, dst);
}

static void loopback_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        die("socket");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        die("get the flags of lo");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
        die("bring up lo");
    if (close(s) < 0)
        die("close the socket");
}

static void make_dev(void)
{
    static const struct { const char *path; unsigned ma, mi; } dev[] = {
        { "dev/null", 1, 3 }, { "dev/zero", 1, 5 }, { "dev/full", 1, 7 },
        { "dev/random", 1, 8 }, { "dev/urandom", 1, 9 }, { "dev/tty", 5, 0 },
    };
    static const char *const link[][2] = {
        { "/proc/self/fd", "dev/fd" }, { "/proc/self/fd/0", "dev/stdin" },
        { "/proc/self/fd/1", "dev/stdout" }, { "/proc/self/fd/2", "dev/stderr" },
        { "pts/ptmx", "dev/ptmx" },
    };
    mode_t old = umask(0);
    for (size_t i = 0; i < sizeof dev / sizeof *dev; i++)
        if (mknod(dev[i].path, S_IFCHR | 0666, makedev(dev[i].ma, dev[i].mi)) < 0)
            die("mknod %s", dev[i].path);
    umask(old);
    for (size_t i = 0; i < sizeof link / sizeof *link; i++)
        if (symlink(link[i][0], link[i][1]) < 0)
            die("symlink %s", link[i][1]);
}

static void mask(const struct list *masked)
{
    const char *tmpfs = NULL; /* the one read-only tmpfs the directories share */
    for (int i = 0; i < masked->n; i++) {
        const char *p = masked->v[i];
        struct stat st;
        if (stat(p, &st) < 0) {
            if (errno == ENOENT)
                continue;
            die("stat %s", p);
        }
        if (!S_ISDIR(st.st_mode))
            mount_at("/dev/null", p, NULL, MS_BIND, NULL);
        else if (tmpfs)
            mount_at(tmpfs, p, NULL, MS_BIND, NULL);
        else {
            mount_at("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
            tmpfs = p;
        }
    }
}

static void make_readonly(const struct list *ro)
{
    for (int i = 0; i < ro->n; i++) {
        const char *p = ro->v[i];
        if (access(p, F_OK) < 0) {
            if (errno == ENOENT)
                continue;
            die("access %s", p);
        }
        mount_at(p, p, NULL, MS_BIND | MS_REC, NULL);
        mount_at(p, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    }
}

static void set_process(void)
{
    struct rlimit rl = { 1024, 1024 };
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
        die("setrlimit RLIMIT_NOFILE");
    if (setsid() < 0)
        die("setsid");
    const unsigned long keep = (1UL << CAP_AUDIT_WRITE) | (1UL << CAP_KILL) | (1UL << CAP_NET_BIND_SERVICE);
    for (int c = 0; c <= CAP_LAST_CAP; c++)
        if (!(keep & (1UL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
            die("drop capability %d from the bounding set", c);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        die("no_new_privs");
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    d[0].effective = d[0].permitted = (__u32)keep;
    if (syscall(SYS_capset, &h, d) < 0)
        die("capset");
}

static void container(const char *rootfs, const char *name, const struct list *v1,
                      const struct list *masked, const struct list *ro)
{
    for (int i = 0; i < v1->n; i++)
        join_v1_cgroup(v1->v[i], name);
    if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET) < 0)
        die("unshare");
    loopback_up();
    mount_at(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL);
    mount_at(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL);
    if (chdir(rootfs) < 0)
        die("chdir %s", rootfs);
    mount_at("proc", "proc", "proc", 0, NULL);
    mount_at("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
    static const char *const sub[] = { "dev/pts", "dev/shm", "dev/mqueue" };
    for (size_t i = 0; i < sizeof sub / sizeof *sub; i++)
        if (mkdir(sub[i], 0755) < 0)
            die("mkdir %s", sub[i]);
    mount_at("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
             "newinstance,ptmxmode=0666,mode=0620,gid=5");
    mount_at("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777,size=65536k");
    mount_at("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
    mount_at("sysfs", "sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
    make_dev();
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        die("pivot_root");
    if (umount2(".", MNT_DETACH) < 0)
        die("detach the old root");
    if (chdir("/") < 0)
        die("chdir /");
    if (sethostname("brig", 4) < 0)
        die("sethostname");
    mask(masked);
    make_readonly(ro);
    mount_at(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
    set_process();
    char *const argv[] = { "/bin/true", NULL };
    char *const envp[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                           "TERM=xterm", NULL };
    execve(argv[0], argv, envp);
    die("execve %s", argv[0]);
}

int main(int argc, char **argv)
{
    const char *rootfs = NULL, *name = NULL;
    struct list cg = { 0 }, v1 = { 0 }, masked = { 0 }, ro = { 0 };
    int o;
    while ((o = getopt(argc, argv, "r:n:c:m:o:")) != -1) {
        switch (o) {
        case 'r': rootfs = optarg; break;
        case 'n': name = optarg; break;
        case 'c': add(&cg, optarg); break;
        case 'm': add(&masked, optarg); break;
        case 'o': add(&ro, optarg); break;
        default: goto usage;
        }
    }
    if (!rootfs || !name || optind != argc)
        goto usage;
    for (int i = 0; i < cg.n; i++)
        make_cgroup(cg.v[i], name);
    struct clone_args ca;
    memset(&ca, 0, sizeof ca);
    ca.flags = CLONE_NEWPID;
    ca.exit_signal = SIGCHLD;
    for (int i = 0; i < cg.n; i++) {
        if (!is_cgroup2(cg.v[i])) {
            add(&v1, cg.v[i]);
            continue;
        }
        char dir[512];
        snprintf(dir, sizeof dir, "%s/%s", cg.v[i], name);
        int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            die("open %s", dir);
        ca.flags |= CLONE_INTO_CGROUP;
        ca.cgroup = (__u64)fd;
    }
    pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
    if (pid < 0)
        die("clone3");
    if (pid == 0)
        container(rootfs, name, &v1, &masked, &ro);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            die("wait for %d", (int)pid);
    for (int i = 0; i < cg.n; i++) {
        char dir[512];
        snprintf(dir, sizeof dir, "%s/%s", cg.v[i], name);
        if (rmdir(dir) < 0)
            die("rmdir %s", dir);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);

usage:
    fprintf(stderr, "usage: config-floor -r ROOTFS -n NAME [-c CGDIR]... [-m MASKED]... [-o READONLY]...\n");
    return 2;
}
