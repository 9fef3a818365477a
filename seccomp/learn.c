/* brig: the seccomp learner (see include/brig/learn.h).
 *
 * The learning filter answers every call with SCMP_ACT_NOTIFY but those of
 * BRIG_LEARN_ALWAYS, on every ABI of the host (x86_64, x32 and i386 on an
 * x86_64 host).  The learner is a fork of the brig process that received
 * the listener fd from the init (create's or run's), so it is whoever ran
 * brig (root or the user, rootless): it answers each notification at once
 * with SECCOMP_USER_NOTIF_FLAG_CONTINUE, after setting one bit per
 * (ABI, call number); nothing else happens on that path.  When the last
 * process of the filter is gone (POLLHUP), the bits are named, merged with
 * FILE and FILE is replaced.  If the learner dies, the kernel fails every
 * call the filter sends it with ENOSYS: the container goes on (and can
 * always exit, BRIG_LEARN_ALWAYS), it is never left waiting. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/internal.h"
#include "brig/learn.h"
#include "brig/seccomp.h"
#include "seccomp_internal.h"

#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif
/* Linux 6.6: the notifying task and the learner hand the CPU to each other
 * directly instead of through the scheduler's wake-up path. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#define X32_SYSCALL_BIT 0x40000000U
#define MAX_NR 4096 /* call numbers per ABI kept as bits; larger ones are listed */
#define MAX_ABIS 4
#define MAX_ODD 256

/* ---- the target file ---- */

void brig_learn_target_close(struct brig_learn_target *t)
{
    if (t->dirfd >= 0)
        close(t->dirfd);
    free(t->file);
    free(t->base);
    memset(t, 0, sizeof *t);
    t->dirfd = -1;
}

/* The profile at T, when there is one: 1 and *L filled, 0 when absent. */
static int read_existing(const struct brig_learn_target *t, struct brig_learned *l)
{
    cleanup_fd int fd = openat(t->dirfd, t->base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return brig_fail(errno, "open %s", t->file);
    }
    struct stat st;
    if (fstat(fd, &st) < 0)
        return brig_fail(errno, "stat %s", t->file);
    if (!S_ISREG(st.st_mode))
        return brig_fail(0, "%s is not a regular file: refused", t->file);
    cleanup_free char *text = NULL;
    size_t len = 0;
    if (brig_read_input_fd(fd, t->file, BRIG_INPUT_MAX, &text, &len) < 0)
        return -1;
    if (brig_learned_parse(text, len, l) < 0)
        return brig_fail_ctx("%s: not a learned profile, not overwritten", t->file);
    return 1;
}

int brig_learn_target_open(const char *file, const char *rootfs, const char *what, bool from_annotation,
                           struct brig_learn_target *t)
{
    memset(t, 0, sizeof *t);
    t->dirfd = -1;
    if (!file || file[0] != '/')
        return brig_fail(0, "%s: \"%s\" is not an absolute path", what, file ? file : "");
    const char *slash = strrchr(file, '/');
    const char *base = slash + 1;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return brig_fail(0, "%s: \"%s\" does not name a file", what, file);
    size_t blen = strlen(base);
    if (from_annotation && (blen < 6 || strcmp(base + blen - 5, ".json") != 0))
        return brig_fail(0, "%s: \"%s\": a file named by an annotation must end in .json", what, file);
    cleanup_free char *dir = slash == file ? brig_xstrdup("/") : strndup(file, (size_t)(slash - file));
    if (!dir)
        return brig_fail(ENOMEM, "%s", what);
    t->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (t->dirfd < 0) {
        int e = errno;
        brig_learn_target_close(t);
        return brig_fail(e, "%s: open the directory of %s", what, file);
    }
    /* Where it really is, symlinks resolved: never in the container's root,
     * where the workload could plant what the next run merges. */
    char real[PATH_MAX], proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", t->dirfd);
    ssize_t n = readlink(proc, real, sizeof real - 1);
    if (n < 0) {
        int e = errno;
        brig_learn_target_close(t);
        return brig_fail(e, "%s: resolve the directory of %s", what, file);
    }
    real[n] = '\0';
    size_t rl = strlen(rootfs);
    while (rl > 1 && rootfs[rl - 1] == '/')
        rl--;
    if (strncmp(real, rootfs, rl) == 0 && (real[rl] == '/' || real[rl] == '\0')) {
        brig_learn_target_close(t);
        return brig_fail(0, "%s: %s lies in the container's root filesystem (%s): refused", what, file, rootfs);
    }
    t->file = brig_xstrdup(file);
    t->base = brig_xstrdup(base);
    /* A file that is there must be one we may merge with: found out now,
     * not after the workload has run. */
    struct brig_learned old;
    brig_learned_init(&old);
    int r = read_existing(t, &old);
    brig_learned_free(&old);
    if (r < 0) {
        brig_fail_ctx("%s", what);
        brig_learn_target_close(t);
        return -1;
    }
    return 0;
}

static volatile sig_atomic_t lock_timed_out;
static void on_lock_alarm(int sig)
{
    (void)sig;
    lock_timed_out = 1;
}

/* One writer at a time per directory: two runs learning into the same file
 * both count.  Anyone who may open the directory may flock it (/tmp): the
 * wait is bounded, a learner is never held up for good. */
static int lock_dir(const struct brig_learn_target *t)
{
    struct sigaction sa = {.sa_handler = on_lock_alarm}, old;
    sigemptyset(&sa.sa_mask);
    lock_timed_out = 0;
    if (sigaction(SIGALRM, &sa, &old) < 0)
        return brig_fail(errno, "sigaction");
    unsigned left = alarm(BRIG_LEARN_LOCK_SECONDS);
    int r, e = 0;
    while ((r = flock(t->dirfd, LOCK_EX)) < 0 && errno == EINTR && !lock_timed_out)
        ;
    if (r < 0)
        e = lock_timed_out ? ETIMEDOUT : errno;
    alarm(left);
    sigaction(SIGALRM, &old, NULL);
    if (r < 0)
        return brig_fail(e, "lock the directory of %s (another process holds it)", t->file);
    return 0;
}

int brig_learn_write(const struct brig_learn_target *t, const struct brig_learned *l)
{
    if (lock_dir(t) < 0)
        return -1;
    struct brig_learned all;
    brig_learned_init(&all);
    int r = read_existing(t, &all);
    if (r < 0) {
        brig_learned_free(&all);
        flock(t->dirfd, LOCK_UN);
        return -1;
    }
    brig_learned_merge(&all, l);
    cleanup_free char *text = brig_learned_json(&all);
    brig_learned_free(&all);
    if (!text) {
        flock(t->dirfd, LOCK_UN);
        return brig_fail(ENOMEM, "write %s", t->file);
    }
    char tmp[NAME_MAX + 1];
    snprintf(tmp, sizeof tmp, ".%.200s.%d.tmp", t->base, (int)getpid());
    int fd = openat(t->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    /* left by a learner of the same pid that died writing: ours to remove */
    if (fd < 0 && errno == EEXIST && unlinkat(t->dirfd, tmp, 0) == 0)
        fd = openat(t->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        flock(t->dirfd, LOCK_UN);
        return brig_fail(e, "create a temporary file next to %s", t->file);
    }
    int e = 0;
    if (brig_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0)
        e = errno ? errno : EIO;
    if (close(fd) < 0 && !e)
        e = errno;
    if (!e && renameat(t->dirfd, tmp, t->dirfd, t->base) < 0)
        e = errno;
    if (e) {
        unlinkat(t->dirfd, tmp, 0);
        flock(t->dirfd, LOCK_UN);
        return brig_fail(e, "write %s", t->file);
    }
    flock(t->dirfd, LOCK_UN);
    return 0;
}

/* ---- the filter ---- */

int brig_learn_filter(struct brig_bpf *out)
{
    static const char *const always[] = BRIG_LEARN_ALWAYS;
    memset(out, 0, sizeof *out);
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_NOTIFY);
    if (!ctx)
        return brig_fail(0, "seccomp: libseccomp %s cannot make a notifying filter", brig_seccomp_lib_version());
    uint32_t tokens[8];
    size_t n = brig_seccomp_host_arches(tokens, BRIG_ARRAY_SIZE(tokens));
    int r = 0;
    for (size_t i = 1; i < n && r == 0; i++) {
        r = seccomp_arch_add(ctx, tokens[i]);
        if (r == -EEXIST || r == -EDOM)
            r = 0;
    }
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(always) + 1 && r == 0; i++) {
        int nr = seccomp_syscall_resolve_name(i < BRIG_ARRAY_SIZE(always) ? always[i] : "sigreturn");
        if (nr != __NR_SCMP_ERROR)
            r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    }
    if (r < 0) {
        seccomp_release(ctx);
        return brig_fail(-r, "seccomp: build the learning filter");
    }
    /* export through a memfd, as compile.c does */
    int fd = memfd_create("brig-learn", MFD_CLOEXEC);
    if (fd < 0) {
        seccomp_release(ctx);
        return brig_fail(errno, "seccomp: memfd_create");
    }
    r = seccomp_export_bpf(ctx, fd);
    seccomp_release(ctx);
    struct stat st;
    if (r < 0 || fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) ||
        st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS) {
        close(fd);
        return brig_fail(r < 0 ? -r : EINVAL, "seccomp: export the learning filter");
    }
    out->insns = brig_xmalloc((size_t)st.st_size);
    ssize_t got = pread(fd, out->insns, (size_t)st.st_size, 0);
    close(fd);
    if (got != st.st_size) {
        brig_bpf_free(out);
        return brig_fail(EIO, "seccomp: read back the learning filter");
    }
    out->len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
    out->needs_listener = true;
    return 0;
}

/* ---- the learner ---- */

struct abi_seen {
    uint32_t token;   /* libseccomp's; X32 for x86_64 calls with the x32 bit */
    int clone_nr;     /* clone's number on this ABI (without the x32 bit), or -1 */
    int exec_nr[2];   /* execve's and execveat's */
    bool clone_ns;    /* clone was called with a CLONE_NEW* flag */
    unsigned char bits[MAX_NR / 8];
};

struct seen {
    struct abi_seen abi[MAX_ABIS];
    size_t n_abi;
    struct { uint32_t token; uint32_t nr; } odd[MAX_ODD]; /* numbers past MAX_NR */
    size_t n_odd;
    bool executed; /* an execve went through: the program ran */
    unsigned long long answered;
};

static struct abi_seen *abi_of(struct seen *s, uint32_t token)
{
    for (size_t i = 0; i < s->n_abi; i++)
        if (s->abi[i].token == token)
            return &s->abi[i];
    if (s->n_abi == MAX_ABIS)
        return NULL;
    struct abi_seen *a = &s->abi[s->n_abi++];
    memset(a, 0, sizeof *a);
    a->token = token;
    /* libseccomp numbers x32 calls with the x32 bit, record() without */
    int mask = token == SCMP_ARCH_X32 ? (int)X32_SYSCALL_BIT : 0;
    static const char *const names[3] = {"clone", "execve", "execveat"};
    int *nr[3] = {&a->clone_nr, &a->exec_nr[0], &a->exec_nr[1]};
    for (int i = 0; i < 3; i++) {
        *nr[i] = seccomp_syscall_resolve_name_arch(token, names[i]);
        if (*nr[i] >= 0)
            *nr[i] &= ~mask;
    }
    return a;
}

static void record(struct seen *s, const struct seccomp_data *d)
{
    uint32_t token = d->arch;
    uint32_t nr = (uint32_t)d->nr;
    if (token == SCMP_ARCH_X86_64 && (nr & X32_SYSCALL_BIT)) {
        token = SCMP_ARCH_X32;
        nr &= ~X32_SYSCALL_BIT;
    }
    struct abi_seen *a = abi_of(s, token);
    if (!a)
        return;
    if (nr < MAX_NR) {
        a->bits[nr / 8] |= (unsigned char)(1u << (nr % 8));
    } else {
        size_t i;
        for (i = 0; i < s->n_odd; i++)
            if (s->odd[i].token == token && s->odd[i].nr == nr)
                break;
        if (i == s->n_odd && s->n_odd < MAX_ODD) {
            s->odd[s->n_odd].token = token;
            s->odd[s->n_odd++].nr = nr;
        }
    }
    if ((int)nr == a->clone_nr && (d->args[0] & BRIG_LEARN_CLONE_NS_MASK))
        a->clone_ns = true;
    if ((int)nr == a->exec_nr[0] || (int)nr == a->exec_nr[1])
        s->executed = true;
}

static void name_one(struct brig_learned *l, uint32_t token, uint32_t nr, bool clone_ns)
{
    /* libseccomp numbers x32 calls with the x32 bit */
    int full = (int)(token == SCMP_ARCH_X32 ? nr | X32_SYSCALL_BIT : nr);
    char *name = seccomp_syscall_resolve_num_arch(token, full);
    if (!name && token == SCMP_ARCH_X32)
        name = seccomp_syscall_resolve_num_arch(token, (int)nr);
    const char *arch = brig_seccomp_arch_name(token);
    if (!name) {
        brig_log_warning("seccomp-learn: call %u on %s has no name in libseccomp %s: not in the profile", nr,
                         arch ? arch : "an unknown ABI", brig_seccomp_lib_version());
        return;
    }
    brig_learned_add(l, arch, name, clone_ns ? BRIG_LEARN_CLONE_NS_MASK : 0);
    free(name);
}

static void name_all(const struct seen *s, struct brig_learned *l)
{
    for (size_t i = 0; i < s->n_abi; i++) {
        const struct abi_seen *a = &s->abi[i];
        for (uint32_t nr = 0; nr < MAX_NR; nr++)
            if (a->bits[nr / 8] & (1u << (nr % 8)))
                name_one(l, a->token, nr, a->clone_ns);
    }
    for (size_t i = 0; i < s->n_odd; i++)
        name_one(l, s->odd[i].token, s->odd[i].nr, false);
    brig_learned_add_always(l);
}

/* Serve LISTENER until no process is left in the filter. */
static int serve(int listener, struct seen *s)
{
    struct seccomp_notif_sizes sizes;
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
        return brig_fail(errno, "seccomp: this kernel has no user notification");
    size_t n_size = sizes.seccomp_notif > sizeof(struct seccomp_notif) ? sizes.seccomp_notif
                                                                        : sizeof(struct seccomp_notif);
    size_t r_size = sizes.seccomp_notif_resp > sizeof(struct seccomp_notif_resp) ? sizes.seccomp_notif_resp
                                                                                 : sizeof(struct seccomp_notif_resp);
    cleanup_free struct seccomp_notif *n = brig_xcalloc(1, n_size);
    cleanup_free struct seccomp_notif_resp *resp = brig_xcalloc(1, r_size);
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0)
        brig_debug("seccomp-learn: no synchronous wake-up (Linux 6.6): %s", strerror(errno));
    for (;;) {
        struct pollfd p = {.fd = listener, .events = POLLIN};
        if (poll(&p, 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            return brig_fail(errno, "seccomp-learn: poll");
        }
        if (!(p.revents & POLLIN)) {
            if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
                return 0; /* every process of the filter is gone */
            continue;
        }
        memset(n, 0, n_size);
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, n) < 0) {
            /* ENOENT: the caller went away (a signal) before we took it */
            if (errno == EINTR || errno == ENOENT)
                continue;
            return brig_fail(errno, "seccomp-learn: receive a notification");
        }
        memset(resp, 0, r_size);
        resp->id = n->id;
        resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
            return brig_fail(errno, "seccomp-learn: answer a notification");
        record(s, &n->data);
        s->answered++;
    }
}

__attribute__((noreturn)) static void learner_main(const struct brig_learn_target *t, int listener,
                                                   const char *id, bool keep_stderr)
{
    /* Nothing of create's or run's but the listener, FILE's directory and
     * (run in the foreground) stderr: an engine waiting for the end of
     * create's output must not wait for us, nor a state lock stay held. */
    int lf = fcntl(listener, F_DUPFD_CLOEXEC, 100), df = fcntl(t->dirfd, F_DUPFD_CLOEXEC, 100);
    if (lf < 0 || df < 0 || dup2(lf, 3) < 0 || dup2(df, 4) < 0)
        _exit(1);
    brig_close_from(5);
    brig_log_forget();
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        if (!keep_stderr)
            dup2(null, 2);
        if (null > 2)
            close(null);
    }
    struct brig_learn_target mine = {.file = t->file, .dirfd = 4, .base = t->base};
    if (brig_log_open() < 0)
        brig_clear_error(); /* opened by create already: it cannot fail now */
    /* Our own session: no terminal signal meant for the container (^C)
     * reaches us; run forwards those. */
    setsid();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_NAME, "brig-learn", 0, 0, 0);
    /* a brig process next to a container: nobody of the same uid may
     * ptrace it or open its /proc files (the exe guard covers its binary) */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (chdir("/") < 0) {
        /* not needed; only not to pin the caller's directory */
    }
    brig_debug("seccomp-learn: learner %d records the calls of container %s", (int)getpid(), id);
    struct seen *s = brig_xcalloc(1, sizeof *s);
    if (serve(3, s) < 0) {
        brig_report_error();
        _exit(1);
    }
    close(3);
    if (!s->executed) {
        brig_log_warning("seccomp-learn: container %s never ran its program: %s left as it was", id, t->file);
        _exit(0);
    }
    struct brig_learned l;
    brig_learned_init(&l);
    name_all(s, &l);
    if (brig_learn_write(&mine, &l) < 0) {
        brig_fail_ctx("seccomp-learn: container %s", id);
        brig_report_error();
        _exit(1);
    }
    brig_debug("seccomp-learn: %llu calls answered, %zu names of container %s merged into %s", s->answered,
               l.n_names, id, t->file);
    _exit(0);
}

pid_t brig_learn_spawn(const struct brig_learn_target *t, int listener, const char *id, bool keep_stderr)
{
    pid_t pid = fork();
    if (pid < 0)
        return brig_fail(errno, "seccomp-learn: fork the learner");
    if (pid == 0)
        learner_main(t, listener, id, keep_stderr);
    return pid;
}
