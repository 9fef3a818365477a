/* opcost: what the operations a container start is made of cost on this
 * machine: a syscall, a page fault (anonymous; file-backed with and without
 * the kernel's fault-around), populating pages in one call, cpuid, a read
 * of /proc/self/mountinfo, a path walk to a cgroup directory.  On a virtual
 * machine these can be many times what they are on hardware
 * (tests/bench/README.md, "Seventh session"), and they decide which of a
 * runtime's costs are worth removing.
 *
 *     make tests/bench/opcost && tests/bench/opcost [FILE]
 *
 * FILE is the file whose pages the file-fault rows map, up to 1 MiB of it
 * (default: ./brig, the runtime whose text a start faults in).  Each figure
 * is the median of 15 repetitions. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define REPS 15
#define PAGE 4096L

static void die(const char *what)
{
    fprintf(stderr, "opcost: %s: %s\n", what, strerror(errno));
    exit(1);
}

static double now_us(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_MONOTONIC, &t) < 0)
        die("clock_gettime");
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v)
{
    qsort(v, REPS, sizeof *v, cmp);
    return v[REPS / 2];
}

static void *map_anon(size_t len)
{
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        die("mmap anonymous");
    return m;
}

static char *map_file(int fd, size_t len, int advice)
{
    char *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED)
        die("mmap the file");
    if (advice >= 0 && madvise(m, len, advice) < 0)
        die("madvise the file mapping");
    return m;
}

static void unmap(void *m, size_t len)
{
    if (munmap(m, len) < 0)
        die("munmap");
}

/* µs per syscall */
static double syscall_cost(void)
{
    const int n = 20000;
    double t = now_us();
    for (int i = 0; i < n; i++)
        if (syscall(SYS_getppid) < 0)
            die("getppid");
    return (now_us() - t) / n;
}

/* µs per fault on a fresh anonymous page */
static double anon_fault_cost(void)
{
    const size_t pages = 512;
    volatile char *m = map_anon(pages * PAGE);
    double t = now_us();
    for (size_t i = 0; i < pages; i++)
        m[i * PAGE] = 1;
    t = (now_us() - t) / (double)pages;
    unmap((void *)m, pages * PAGE);
    return t;
}

/* µs per page for MADV_POPULATE_WRITE of fresh anonymous memory */
static double anon_populate_cost(void)
{
    const size_t pages = 512;
    void *m = map_anon(pages * PAGE);
    double t = now_us();
    if (madvise(m, pages * PAGE, MADV_POPULATE_WRITE) < 0)
        die("madvise MADV_POPULATE_WRITE");
    t = (now_us() - t) / (double)pages;
    unmap(m, pages * PAGE);
    return t;
}

/* µs per fault touching one byte of each 64 KiB of a file mapping: with
 * ADVICE -1 the kernel maps the neighbours too (fault-around), with
 * MADV_RANDOM only the page touched. */
static double file_fault_cost(int fd, size_t len, int advice)
{
    volatile char *m = map_file(fd, len, advice);
    size_t n = 0;
    char s = 0;
    double t = now_us();
    for (size_t off = 0; off < len; off += 16 * PAGE, n++)
        s = (char)(s + m[off]);
    t = (now_us() - t) / (double)n;
    (void)s;
    unmap((void *)m, len);
    return t;
}

/* µs per page for MADV_POPULATE_READ of a file mapping */
static double file_populate_cost(int fd, size_t len)
{
    char *m = map_file(fd, len, -1);
    double t = now_us();
    if (madvise(m, len, MADV_POPULATE_READ) < 0)
        die("madvise MADV_POPULATE_READ");
    t = (now_us() - t) / (double)(len / PAGE);
    unmap(m, len);
    return t;
}

/* µs per cpuid (a trap to the hypervisor on most virtual machines) */
static double cpuid_cost(void)
{
#if defined(__x86_64__) || defined(__i386__)
    const int n = 2000;
    double t = now_us();
    for (int i = 0; i < n; i++) {
        unsigned a = 0, b, c = 0, d;
        __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    }
    return (now_us() - t) / n;
#else
    return -1;
#endif
}

/* µs per open, read to the end and close of /proc/self/mountinfo */
static double mountinfo_cost(int *lines)
{
    static char buf[1 << 16];
    const int n = 200;
    double t = now_us();
    for (int i = 0; i < n; i++) {
        int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            die("open /proc/self/mountinfo");
        ssize_t r, total = 0;
        while ((r = read(fd, buf, sizeof buf)) > 0)
            total += r;
        if (r < 0)
            die("read /proc/self/mountinfo");
        if (close(fd) < 0)
            die("close /proc/self/mountinfo");
        if (i == 0) {
            *lines = 0;
            for (ssize_t k = 0; k < total && k < (ssize_t)sizeof buf; k++)
                *lines += buf[k] == '\n';
        }
    }
    return (now_us() - t) / n;
}

/* µs per call on PATH (a cgroup directory, as brig walks them): stat of
 * it, fstatat of a name missing in it (the kernel makes a negative dentry
 * on cgroupfs each time) and an O_PATH open and close */
enum walk { WALK_STAT, WALK_MISSING, WALK_OPEN };

static double walk_cost(const char *path, enum walk how)
{
    const int n = 2000;
    char missing[512];
    snprintf(missing, sizeof missing, "%s/opcost-missing-%d", path, (int)getpid());
    double t = now_us();
    for (int i = 0; i < n; i++) {
        struct stat st;
        int fd;
        switch (how) {
        case WALK_STAT:
            if (stat(path, &st) < 0)
                die(path);
            break;
        case WALK_MISSING:
            if (fstatat(AT_FDCWD, missing, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
                die(missing);
            break;
        case WALK_OPEN:
            fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (fd < 0)
                die(path);
            if (close(fd) < 0)
                die("close");
            break;
        }
    }
    return (now_us() - t) / n;
}

/* The first directory under /sys/fs/cgroup (a v1 hierarchy, or the v2 root
 * itself), in BUF */
static const char *cgroup_dir(char *buf, size_t size)
{
    static const char *const try[] = { "/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids",
                                       "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
    for (size_t i = 0; i < sizeof try / sizeof *try; i++) {
        struct stat st;
        if (stat(try[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(buf, size, "%s", try[i]);
            return buf;
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *file = argc > 1 ? argv[1] : "./brig";
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die(file);
    struct stat st;
    if (fstat(fd, &st) < 0)
        die("fstat");
    size_t len = (size_t)st.st_size & ~(size_t)(PAGE - 1);
    if (len > 256 * PAGE)
        len = 256 * PAGE;
    if (len < 16 * PAGE) {
        fprintf(stderr, "opcost: %s: needs a file of at least 64 KiB\n", file);
        return 1;
    }
    /* the file's pages in the page cache first: faults, not reads */
    char *warm = map_file(fd, len, -1);
    if (madvise(warm, len, MADV_POPULATE_READ) < 0)
        die("madvise MADV_POPULATE_READ");
    unmap(warm, len);

    double v[11][REPS];
    int lines = 0;
    char cgbuf[256];
    const char *cg = cgroup_dir(cgbuf, sizeof cgbuf);
    for (int r = 0; r < REPS; r++) {
        v[0][r] = syscall_cost();
        v[1][r] = anon_fault_cost();
        v[2][r] = file_fault_cost(fd, len, -1);
        v[3][r] = file_fault_cost(fd, len, MADV_RANDOM);
        v[4][r] = file_populate_cost(fd, len);
        v[5][r] = anon_populate_cost();
        v[6][r] = cpuid_cost();
        v[7][r] = mountinfo_cost(&lines);
        for (int w = 0; w < 3 && cg; w++)
            v[8 + w][r] = walk_cost(cg, (enum walk)w);
    }
    printf("| operation | cost (µs, median of %d) |\n|---|---:|\n", REPS);
    printf("| a syscall (getppid) | %.2f |\n", median(v[0]));
    printf("| a fault on a fresh anonymous page | %.2f |\n", median(v[1]));
    printf("| a fault on a file page, fault-around (16 pages mapped) | %.2f |\n", median(v[2]));
    printf("| a fault on a file page, MADV_RANDOM (1 page mapped) | %.2f |\n", median(v[3]));
    printf("| MADV_POPULATE_READ of a file mapping, a page | %.2f |\n", median(v[4]));
    printf("| MADV_POPULATE_WRITE of anonymous memory, a page | %.2f |\n", median(v[5]));
    if (median(v[6]) >= 0)
        printf("| cpuid | %.2f |\n", median(v[6]));
    printf("| /proc/self/mountinfo read whole (%d mounts) | %.1f |\n", lines, median(v[7]));
    if (cg) {
        printf("| stat of %s | %.2f |\n", cg, median(v[8]));
        printf("| fstatat of a name missing in %s | %.2f |\n", cg, median(v[9]));
        printf("| an O_PATH open and close of %s | %.2f |\n", cg, median(v[10]));
    }
    if (close(fd) < 0)
        die("close");
    return 0;
}
