/* brig isolation probe: identity, capabilities and privileged syscalls.
 *
 * Privileged calls get arguments the kernel rejects only after its
 * permission check, so they can never change anything (see probe.c). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <linux/userfaultfd.h>
#include <netinet/in.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/timex.h>
#include <sys/uio.h>
#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#endif

#include "probe.h"

/* A known value at a known address: process_vm_readv reads it from pid 1,
 * which (when it is this probe) has the same layout. */
static volatile char marker[16] = "brig-probe-mark";

/* ---- capabilities ---- */

static const char *const cap_names[] = {
    "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill",
    "setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service",
    "net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
    "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
    "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time",
    "sys_tty_config", "mknod", "lease", "audit_write", "audit_control",
    "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
    "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
};

/* Docker's default set: none of these is a way out on its own (raw sockets
 * and device nodes have probes of their own).  Anything else is dangerous. */
static const uint64_t harmless_caps =
    1ULL << 0 | 1ULL << 1 | 1ULL << 3 | 1ULL << 4 | 1ULL << 5 | 1ULL << 6 |
    1ULL << 7 | 1ULL << 8 | 1ULL << 10 | 1ULL << 13 | 1ULL << 18 |
    1ULL << 27 | 1ULL << 29 | 1ULL << 31;

static void cap_list(uint64_t mask, char *out, size_t outsz)
{
    size_t n = 0;

    out[0] = '\0';
    for (unsigned i = 0; i < 64; i++) {
        if (!(mask & (1ULL << i)))
            continue;
        if (i < ARRAY_SIZE(cap_names))
            n += (size_t)snprintf(out + n, outsz - n, "%s%s", n ? "," : "", cap_names[i]);
        else
            n += (size_t)snprintf(out + n, outsz - n, "%scap_%u", n ? "," : "", i);
        if (n >= outsz)
            return;
    }
    if (n == 0)
        snprintf(out, outsz, "none");
}

static bool read_capset(const char *field, uint64_t *mask)
{
    char v[64], *end;

    if (!status_field(field, v, sizeof v))
        return false;
    errno = 0;
    *mask = strtoull(v, &end, 16);
    if (errno || end == v) {
        errno = EINVAL;
        return false;
    }
    return true;
}

static bool have_cap(int cap)
{
    uint64_t eff;

    return read_capset("CapEff", &eff) && (eff & (1ULL << cap));
}

static void cap_probe(struct result *r, const char *field)
{
    uint64_t mask;
    char all[600], bad[600];

    tried(r, "%s in /proc/self/status holds no dangerous capability", field);
    if (!read_capset(field, &mask)) {
        say(r, V_ERROR, errno, "cannot read %s: %s", field, strerror(errno));
        return;
    }
    cap_list(mask, all, sizeof all);
    if (mask & ~harmless_caps) {
        cap_list(mask & ~harmless_caps, bad, sizeof bad);
        say(r, V_ESCAPED, 0, "dangerous: %s (whole set: %s)", bad, all);
    } else {
        say(r, V_BLOCKED, 0, "set: %s", all);
    }
}

static void p_caps_effective(struct result *r) { cap_probe(r, "CapEff"); }
static void p_caps_permitted(struct result *r) { cap_probe(r, "CapPrm"); }
static void p_caps_bounding(struct result *r) { cap_probe(r, "CapBnd"); }
static void p_caps_ambient(struct result *r) { cap_probe(r, "CapAmb"); }
static void p_caps_inheritable(struct result *r) { cap_probe(r, "CapInh"); }

static void p_root_uid(struct result *r)
{
    char map[256];
    unsigned long in, out, count;

    tried(r, "the process is not host root (uid 0 outside a user namespace)");
    if (geteuid() != 0) {
        say(r, V_BLOCKED, 0, "euid %u", geteuid());
        return;
    }
    if (slurp("/proc/self/uid_map", map, sizeof map) < 0) {
        say(r, V_ERROR, errno, "euid 0 and cannot read uid_map: %s", strerror(errno));
        return;
    }
    if (sscanf(map, "%lu %lu %lu", &in, &out, &count) == 3 && in == 0 && out == 0)
        say(r, V_ESCAPED, 0, "euid 0 is host root: no user namespace (uid_map \"0 0 %lu\")", count);
    else
        say(r, V_BLOCKED, 0, "euid 0 in a user namespace, mapped to host uid %lu", out);
}

static void p_seccomp(struct result *r)
{
    char mode[32], filters[32];

    tried(r, "Seccomp: in /proc/self/status is 2 (filter)");
    if (!status_field("Seccomp", mode, sizeof mode)) {
        say(r, V_ERROR, errno, "no Seccomp line in /proc/self/status: %s", strerror(errno));
        return;
    }
    if (!status_field("Seccomp_filters", filters, sizeof filters))
        snprintf(filters, sizeof filters, "?");
    if (strcmp(mode, "2") == 0)
        say(r, V_BLOCKED, 0, "seccomp filter mode, %s filter(s)", filters);
    else if (strcmp(mode, "1") == 0)
        say(r, V_BLOCKED, 0, "seccomp strict mode");
    else
        say(r, V_ESCAPED, 0, "Seccomp: %s: no syscall filter", mode);
}

static void p_no_new_privs(struct result *r)
{
    int v;

    tried(r, "prctl(PR_GET_NO_NEW_PRIVS) is 1");
    v = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    if (v < 0)
        say(r, V_ERROR, errno, "prctl: %s", strerror(errno));
    else if (v == 1)
        say(r, V_BLOCKED, 0, "no_new_privs is set");
    else
        say(r, V_ESCAPED, 0, "no_new_privs is not set: setuid and file capabilities work");
}

/* ---- mounts and roots ---- */

static void p_mount(struct result *r)
{
    long rc;

    /* tmpfs rejects the unknown option after the permission check: nothing
     * is ever mounted. */
    tried(r, "mount(tmpfs on /, option \"brig_probe_bogus\")");
    rc = mount("none", "/", "tmpfs", MS_RDONLY, "brig_probe_bogus");
    judge_call(r, rc, errno, "mount(2) is usable (CAP_SYS_ADMIN)");
}

static void p_fsopen(struct result *r)
{
    long fd;

    tried(r, "fsopen(\"tmpfs\") (new mount API; the context is closed unused)");
    fd = syscall(SYS_fsopen, "tmpfs", 0);
    if (fd >= 0)
        close((int)fd);
    judge_call(r, fd, errno, "a filesystem context could be created (CAP_SYS_ADMIN)");
}

static void p_umount2(struct result *r)
{
    long rc;

    /* /proc/self is never a mount point: EINVAL once permitted. */
    tried(r, "umount2(\"/proc/self\") (not a mount point)");
    rc = umount2("/proc/self", 0);
    judge_call(r, rc, errno, "umount2 is usable: masked paths could be unmasked");
}

static void p_pivot_root(struct result *r)
{
    long rc;

    tried(r, "pivot_root on paths that do not exist");
    rc = syscall(SYS_pivot_root, "/brig-probe-no-such-dir", "/brig-probe-no-such-dir");
    judge_call(r, rc, errno, "pivot_root is usable (CAP_SYS_ADMIN)");
}

static void p_chroot_escape(struct result *r)
{
    struct stat before, after;
    int fd;

    tried(r, "classic chroot breakout: chroot(\"/dev\"), fchdir to the old root, chdir(\"..\") x64, chroot(\".\")");
    if (stat("/", &before) < 0) {
        say(r, V_ERROR, errno, "stat /: %s", strerror(errno));
        return;
    }
    fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        say(r, V_ERROR, errno, "open /: %s", strerror(errno));
        return;
    }
    if (chroot("/dev") < 0 && chroot("/proc") < 0) {
        say(r, V_BLOCKED, errno, "chroot refused: %s", strerror(errno));
        close(fd);
        return;
    }
    if (fchdir(fd) < 0) {
        say(r, V_ERROR, errno, "fchdir: %s", strerror(errno));
        close(fd);
        return;
    }
    close(fd);
    for (int i = 0; i < 64; i++)
        if (chdir("..") < 0)
            break;
    if (chroot(".") < 0) {
        say(r, V_ERROR, errno, "second chroot: %s", strerror(errno));
        return;
    }
    if (stat("/", &after) < 0) {
        say(r, V_ERROR, errno, "stat / after the breakout: %s", strerror(errno));
        return;
    }
    if (same_file(&before, &after)) {
        say(r, V_BLOCKED, 0, "chroot is permitted but \"..\" stops at the container root (pivot_root)");
    } else {
        DIR *d = opendir("/");
        struct dirent *de;
        int n = 0;
        say(r, V_ESCAPED, 0, "reached a directory above the container root; it holds:");
        while (d && (de = readdir(d)) && n < 12) {
            if (de->d_name[0] == '.')
                continue;
            add(r, " %s", de->d_name);
            n++;
        }
        if (d)
            closedir(d);
    }
}

/* The CVE-2022-0492 path: a fresh cgroup v1 mount exposes release_agent.
 * Done in a new, private mount namespace so nothing reaches the host. */
static void p_cgroup1_mount(struct result *r)
{
    bool userns = false;
    char agent[64];
    struct stat st;

    tried(r, "unshare(CLONE_NEWNS) (else with CLONE_NEWUSER), make / private, mount a cgroup v1 hierarchy");
    if (unshare(CLONE_NEWNS) < 0) {
        int e = errno;
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
            say(r, V_BLOCKED, e, "no new mount namespace: %s (with a user namespace: %s)",
                strerror(e), strerror(errno));
            return;
        }
        userns = true;
    }
    /* Safety: never mount anything in a namespace that shares mounts back. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        say(r, V_BLOCKED, errno, "new mount namespace%s, but / cannot be made private (%s): not mounting",
            userns ? " (in a user namespace)" : "", strerror(errno));
        return;
    }
    if (mount("cgroup", "/dev", "cgroup", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "pids") < 0) {
        say(r, V_BLOCKED, errno, "cgroup v1 mount refused%s: %s",
            userns ? " (in a user namespace)" : "", strerror(errno));
        return;
    }
    snprintf(agent, sizeof agent, "/dev/release_agent");
    say(r, V_ESCAPED, 0, "mounted a cgroup v1 hierarchy%s; release_agent %s",
        userns ? " in a user namespace" : "", stat(agent, &st) == 0 ? "is there" : "is absent");
    if (umount2("/dev", MNT_DETACH) < 0)
        add(r, " (umount: %s)", strerror(errno));
}

/* ---- namespaces ---- */

static void unshare_probe(struct result *r, int flag, const char *what)
{
    tried(r, "unshare(%s)", what);
    if (unshare(flag) == 0)
        say(r, V_ESCAPED, 0, "created a new %s namespace", what);
    else
        say(r, V_BLOCKED, errno, "refused: %s", strerror(errno));
}

static void p_unshare_user(struct result *r) { unshare_probe(r, CLONE_NEWUSER, "CLONE_NEWUSER"); }
static void p_unshare_mount(struct result *r) { unshare_probe(r, CLONE_NEWNS, "CLONE_NEWNS"); }
static void p_unshare_net(struct result *r) { unshare_probe(r, CLONE_NEWNET, "CLONE_NEWNET"); }

static void setns_probe(struct result *r, const char *ns, int type)
{
    char path[64];
    int fd;

    snprintf(path, sizeof path, "/proc/1/ns/%s", ns);
    tried(r, "setns(open(\"%s\"))", path);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        say(r, V_BLOCKED, errno, "cannot open %s: %s", path, strerror(errno));
        return;
    }
    if (setns(fd, type) == 0)
        say(r, V_ESCAPED, 0, "joined pid 1's %s namespace", ns);
    else if (errno == EINVAL)
        say(r, V_BLOCKED, errno, "setns reached the kernel but there is nothing to join (pid 1 shares it)");
    else
        say(r, V_BLOCKED, errno, "refused: %s", strerror(errno));
    close(fd);
}

static void p_setns_user(struct result *r) { setns_probe(r, "user", CLONE_NEWUSER); }
static void p_setns_mount(struct result *r) { setns_probe(r, "mnt", CLONE_NEWNS); }
static void p_setns_net(struct result *r) { setns_probe(r, "net", CLONE_NEWNET); }

/* ---- kernel interfaces ---- */

/* "Shocker": with CAP_DAC_READ_SEARCH a forged handle (ext4 root, inode 2)
 * opens the host filesystem the rootfs lives on. */
static void p_open_by_handle_at(struct result *r)
{
    struct {
        struct file_handle fh;
        unsigned char data[8];
    } h;
    uint32_t ino_gen[2] = { 2, 0 };
    int mfd, fd;

    tried(r, "open_by_handle_at(forged ext4 handle for inode 2) on the rootfs mount");
    mfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (mfd < 0) {
        say(r, V_ERROR, errno, "open /: %s", strerror(errno));
        return;
    }
    memset(&h, 0, sizeof h);
    h.fh.handle_bytes = sizeof ino_gen;
    h.fh.handle_type = 1; /* FILEID_INO32_GEN */
    memcpy(h.fh.f_handle, ino_gen, sizeof ino_gen);
    fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) == 0 && !same_file(&st, &boot.root))
            say(r, V_ESCAPED, 0, "opened inode 2 of the rootfs' filesystem: a directory outside the container");
        else
            say(r, V_ESCAPED, 0, "open_by_handle_at works (CAP_DAC_READ_SEARCH)");
        close(fd);
    } else {
        judge_call(r, -1, errno, "the CAP_DAC_READ_SEARCH check passed: handles can be brute-forced");
    }
    close(mfd);
}

static void p_keyctl(struct result *r)
{
    long rc;

    tried(r, "keyctl(KEYCTL_GET_KEYRING_ID, session keyring) (keyrings are not namespaced)");
    rc = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
    judge_call(r, rc, errno, "the kernel keyring is reachable");
}

static void p_add_key(struct result *r)
{
    long rc;

    tried(r, "add_key(type \"brig_probe_no_such_type\") into the process keyring");
    rc = syscall(SYS_add_key, "brig_probe_no_such_type", "brig-probe", NULL, (size_t)0,
                 KEY_SPEC_PROCESS_KEYRING);
    judge_call(r, rc, errno, "add_key reaches the kernel keyring code");
}

static void p_bpf(struct result *r)
{
    struct bpf_insn prog[2];
    union bpf_attr a;
    long fd;

    tried(r, "bpf(BPF_PROG_LOAD) of a 2-instruction socket filter");
    memset(prog, 0, sizeof prog);
    prog[0].code = BPF_ALU64 | BPF_MOV | BPF_K; /* r0 = 0 */
    prog[0].dst_reg = BPF_REG_0;
    prog[1].code = BPF_JMP | BPF_EXIT;
    memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    a.insn_cnt = 2;
    a.insns = (uint64_t)(uintptr_t)prog;
    a.license = (uint64_t)(uintptr_t)"GPL";
    fd = syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
    if (fd >= 0)
        close((int)fd);
    judge_call(r, fd, errno, "eBPF programs can be loaded");
}

static void p_perf_event_open(struct result *r)
{
    struct perf_event_attr pa;
    long fd;

    tried(r, "perf_event_open(software task clock, this process, user space only)");
    memset(&pa, 0, sizeof pa);
    pa.type = PERF_TYPE_SOFTWARE;
    pa.size = sizeof pa;
    pa.config = PERF_COUNT_SW_TASK_CLOCK;
    pa.disabled = 1;
    pa.exclude_kernel = 1;
    pa.exclude_hv = 1;
    fd = syscall(SYS_perf_event_open, &pa, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd >= 0)
        close((int)fd);
    judge_call(r, fd, errno, "perf events are reachable");
}

static void p_userfaultfd(struct result *r)
{
    long fd, ufd;
    int e, ue;

    /* Only kernel-mode faults widen exploit races; report user mode too. */
    tried(r, "userfaultfd(0) (kernel-mode faults), then userfaultfd(UFFD_USER_MODE_ONLY)");
    fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    e = errno;
    if (fd >= 0) {
        close((int)fd);
        say(r, V_ESCAPED, 0, "userfaultfd handling kernel-mode faults is available");
        return;
    }
    ufd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
    ue = errno;
    if (ufd >= 0)
        close((int)ufd);
    say(r, V_BLOCKED, e, "refused: %s (user-mode-only userfaultfd: %s)", strerror(e),
        ufd >= 0 ? "allowed" : strerror(ue));
}

static void p_io_uring(struct result *r)
{
    struct io_uring_params p;
    long fd;

    tried(r, "io_uring_setup(1 entry)");
    memset(&p, 0, sizeof p);
    fd = syscall(SYS_io_uring_setup, 1, &p);
    if (fd >= 0)
        close((int)fd);
    judge_call(r, fd, errno, "io_uring (a large kernel attack surface) is reachable");
}

/* Whether pid 1 belongs to this container: it is this probe, or it has our root. */
static bool pid1_is_ours(void)
{
    struct stat st;

    if (boot.pid == 1)
        return true;
    return boot.root_err == 0 && stat("/proc/1/root/", &st) == 0 && same_file(&st, &boot.root);
}

static void p_ptrace_pid1(struct result *r)
{
    tried(r, "ptrace(PTRACE_SEIZE, 1) (no stop; detached when the probe exits)");
    if (ptrace(PTRACE_SEIZE, 1, NULL, NULL) < 0) {
        say(r, V_BLOCKED, errno, "refused: %s", strerror(errno));
        return;
    }
    if (pid1_is_ours())
        say(r, V_BLOCKED, 0, "ptrace is permitted, but pid 1 is this container's own init: no host process reachable");
    else
        say(r, V_ESCAPED, 0, "attached to pid 1, which is outside the container");
}

static void p_process_vm_readv(struct result *r)
{
    char buf[sizeof marker];
    struct iovec local = { buf, sizeof buf };
    struct iovec remote = { (void *)marker, sizeof marker };
    ssize_t n;

    tried(r, "process_vm_readv(pid 1, %zu bytes)", sizeof marker);
    n = process_vm_readv(1, &local, 1, &remote, 1, 0);
    if (n < 0 && (refused(errno) || errno == ESRCH)) {
        say(r, V_BLOCKED, errno, "refused: %s", strerror(errno));
        return;
    }
    if (pid1_is_ours())
        say(r, V_BLOCKED, n < 0 ? errno : 0,
            "permitted, but pid 1 is this container's own init: no host process reachable");
    else
        say(r, V_ESCAPED, n < 0 ? errno : 0, "read the memory of pid 1, which is outside the container");
}

static void p_kexec_load(struct result *r)
{
    long rc;

    /* An unknown flag and too many segments: EINVAL after the CAP_SYS_BOOT check. */
    tried(r, "kexec_load(1000 segments, unknown flag 0x100)");
    rc = syscall(SYS_kexec_load, 0UL, 1000UL, NULL, 0x100UL);
    judge_call(r, rc, errno, "CAP_SYS_BOOT is usable: a new kernel could be loaded");
}

static void p_kexec_file_load(struct result *r)
{
#ifdef SYS_kexec_file_load
    long rc;

    tried(r, "kexec_file_load(fd -1, unknown flag 0x100)");
    rc = syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL, 0x100UL);
    judge_call(r, rc, errno, "CAP_SYS_BOOT is usable: a new kernel could be loaded");
#else
    tried(r, "kexec_file_load");
    say(r, V_BLOCKED, ENOSYS, "no such syscall on this architecture");
#endif
}

static void p_init_module(struct result *r)
{
    long rc;

    tried(r, "init_module(empty image)");
    rc = syscall(SYS_init_module, NULL, 0UL, "");
    judge_call(r, rc, errno, "CAP_SYS_MODULE is usable: kernel modules could be loaded");
}

static void p_finit_module(struct result *r)
{
    long rc;

    tried(r, "finit_module(fd -1, unknown flag 0x100)");
    rc = syscall(SYS_finit_module, -1, "", 0x100);
    judge_call(r, rc, errno, "CAP_SYS_MODULE is usable: kernel modules could be loaded");
}

static void p_delete_module(struct result *r)
{
    long rc;

    tried(r, "delete_module(\"brig_probe_no_such_module\")");
    rc = syscall(SYS_delete_module, "brig_probe_no_such_module", O_NONBLOCK);
    judge_call(r, rc, errno, "CAP_SYS_MODULE is usable: kernel modules could be removed");
}

static void p_reboot(struct result *r)
{
    long rc;

    /* Wrong magic numbers: the kernel checks CAP_SYS_BOOT first, then the
     * magic, so nothing can happen either way. */
    tried(r, "reboot(LINUX_REBOOT_CMD_CAD_OFF) with wrong magic numbers");
    rc = syscall(SYS_reboot, 0, 0, LINUX_REBOOT_CMD_CAD_OFF, NULL);
    judge_call(r, rc, errno, "CAP_SYS_BOOT is usable");
}

static void p_swapon(struct result *r)
{
    long rc;

    tried(r, "swapon(\"/brig-probe-no-such-swapfile\")");
    rc = syscall(SYS_swapon, "/brig-probe-no-such-swapfile", 0);
    judge_call(r, rc, errno, "swapon is usable (CAP_SYS_ADMIN)");
}

static void p_acct(struct result *r)
{
    long rc;

    /* Never acct(NULL): that would switch the host's accounting off. */
    tried(r, "acct(\"/brig-probe-no-such-file\")");
    rc = syscall(SYS_acct, "/brig-probe-no-such-file");
    judge_call(r, rc, errno, "process accounting is controllable (CAP_SYS_PACCT)");
}

static void p_settimeofday(struct result *r)
{
    long rc;

    /* Both NULL: the kernel checks CAP_SYS_TIME, then has nothing to set. */
    tried(r, "settimeofday(NULL, NULL) (a no-op once permitted)");
    rc = syscall(SYS_settimeofday, NULL, NULL);
    judge_call(r, rc, errno, "CAP_SYS_TIME is usable: the host clock could be set");
}

static void p_clock_settime(struct result *r)
{
    struct timespec ts = { 0, -1 };
    long rc;
    int e;

    /* The kernel validates the time before it checks CAP_SYS_TIME, so an
     * invalid time only shows whether the call gets through the filter; the
     * capability decides the rest (setting a real time is never done). */
    tried(r, "clock_settime(CLOCK_REALTIME, invalid time)");
    rc = syscall(SYS_clock_settime, CLOCK_REALTIME, &ts);
    e = errno;
    if (rc == 0)
        say(r, V_ESCAPED, 0, "an invalid time was accepted");
    else if (refused(e))
        say(r, V_BLOCKED, e, "refused: %s", strerror(e));
    else if (have_cap(25))
        say(r, V_ESCAPED, e, "reached the kernel (%s) and CAP_SYS_TIME is effective: the host clock could be set",
            strerrorname_np(e) ? strerrorname_np(e) : "?");
    else
        say(r, V_BLOCKED, e, "reached the kernel (%s), but CAP_SYS_TIME is not effective, so a valid time gets EPERM",
            strerrorname_np(e) ? strerrorname_np(e) : "?");
}

static void p_clock_adjtime(struct result *r)
{
    struct timex tx;
    long rc;

    /* A tick far out of range: EPERM without CAP_SYS_TIME, else EINVAL. */
    tried(r, "clock_adjtime(CLOCK_REALTIME, ADJ_TICK with tick=1)");
    memset(&tx, 0, sizeof tx);
    tx.modes = ADJ_TICK;
    tx.tick = 1;
    rc = syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx);
    judge_call(r, rc, errno, "CAP_SYS_TIME is usable: the host clock could be steered");
}

static void p_iopl(struct result *r)
{
    tried(r, "iopl(3) (raw I/O port access; no port is touched)");
#if defined(__x86_64__) || defined(__i386__)
    long rc = iopl(3);
    judge_call(r, rc, errno, "raw I/O port access (CAP_SYS_RAWIO)");
#else
    say(r, V_BLOCKED, ENOSYS, "no iopl on this architecture");
#endif
}

static void p_ioperm(struct result *r)
{
    tried(r, "ioperm(0x80, 1, on) (no port is touched)");
#if defined(__x86_64__) || defined(__i386__)
    long rc = ioperm(0x80, 1, 1);
    judge_call(r, rc, errno, "raw I/O port access (CAP_SYS_RAWIO)");
#else
    say(r, V_BLOCKED, ENOSYS, "no ioperm on this architecture");
#endif
}

/* The block device behind the rootfs, else the first in /proc/partitions. */
static dev_t host_disk(void)
{
    char buf[4096], *line;
    unsigned ma, mi;

    if (boot.root_err == 0 && major(boot.root.st_dev) != 0)
        return boot.root.st_dev;
    if (slurp("/proc/partitions", buf, sizeof buf) >= 0) {
        for (line = buf; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
            if (sscanf(line, " %u %u", &ma, &mi) == 2 && ma != 0)
                return makedev(ma, mi);
    }
    return makedev(8, 0);
}

/* Create a device node, then open it read-only (never read or written).
 * The devices cgroup should refuse the open even where mknod works. */
static void mknod_probe(struct result *r, mode_t type, dev_t dev, const char *label)
{
    static const char *const dirs[] = { "/dev", "/tmp", "/dev/shm", "/" };
    char path[128];
    int e = 0, fd;
    bool made = false;

    tried(r, "mknod %s %u:%u in /dev, /tmp, /dev/shm or /, then open it O_RDONLY",
          label, major(dev), minor(dev));
    for (size_t i = 0; i < ARRAY_SIZE(dirs) && !made; i++) {
        snprintf(path, sizeof path, "%s/.brig-probe-%s.%d", strcmp(dirs[i], "/") ? dirs[i] : "",
                 label, (int)getpid());
        if (mknod(path, type | 0600, dev) == 0)
            made = true;
        else if ((e = errno) == EPERM)
            break; /* no CAP_MKNOD: the other directories will not help */
    }
    if (!made) {
        say(r, V_BLOCKED, e, "mknod refused: %s", strerror(e));
        return;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    e = errno;
    if (unlink(path) < 0)
        add(r, "(could not remove %s: %s) ", path, strerror(errno));
    if (fd >= 0) {
        close(fd);
        say(r, V_ESCAPED, 0, "created and opened %s (%u:%u): host device reachable", path, major(dev), minor(dev));
    } else {
        say(r, V_BLOCKED, e, "mknod is permitted, but opening the node is refused: %s", strerror(e));
    }
}

static void p_mknod_block(struct result *r) { mknod_probe(r, S_IFBLK, host_disk(), "blk"); }
static void p_mknod_mem(struct result *r) { mknod_probe(r, S_IFCHR, makedev(1, 1), "mem"); }

static void socket_probe(struct result *r, int domain, int type, int proto, const char *what)
{
    int fd;

    tried(r, "socket(%s)", what);
    fd = socket(domain, type | SOCK_CLOEXEC, proto);
    if (fd >= 0) {
        close(fd);
        say(r, V_ESCAPED, 0, "created a %s socket", what);
    } else if (refused(errno) || errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT) {
        say(r, V_BLOCKED, errno, "refused: %s", strerror(errno));
    } else {
        say(r, V_ERROR, errno, "unexpected error: %s", strerror(errno));
    }
}

static void p_raw_socket(struct result *r) { socket_probe(r, AF_INET, SOCK_RAW, IPPROTO_ICMP, "AF_INET, SOCK_RAW, IPPROTO_ICMP"); }
static void p_packet_socket(struct result *r) { socket_probe(r, AF_PACKET, SOCK_RAW, htons(ETH_P_ALL), "AF_PACKET, SOCK_RAW, ETH_P_ALL"); }

static void p_syslog(struct result *r)
{
    static char buf[4096];
    int size, got;

    tried(r, "syslog(SYSLOG_ACTION_SIZE_BUFFER) and syslog(SYSLOG_ACTION_READ_ALL) (non-destructive read)");
    size = klogctl(10, NULL, 0);
    if (size < 0) {
        int e = errno;
        got = klogctl(3, buf, sizeof buf);
        if (got >= 0)
            say(r, V_ESCAPED, 0, "READ_ALL returned %d bytes of the host's kernel log", got);
        else
            say(r, V_BLOCKED, e, "refused: %s", strerror(e));
        return;
    }
    got = klogctl(3, buf, sizeof buf);
    say(r, V_ESCAPED, 0, "the host kernel log is readable: %d-byte buffer, READ_ALL gave %d", size, got);
}


const struct probe probes_kernel[] = {
    { "caps_effective", p_caps_effective },
    { "caps_permitted", p_caps_permitted },
    { "caps_bounding", p_caps_bounding },
    { "caps_inheritable", p_caps_inheritable },
    { "caps_ambient", p_caps_ambient },
    { "root_uid", p_root_uid },
    { "seccomp_mode", p_seccomp },
    { "no_new_privs", p_no_new_privs },
    { "mount", p_mount },
    { "fsopen", p_fsopen },
    { "umount2", p_umount2 },
    { "pivot_root", p_pivot_root },
    { "chroot_escape", p_chroot_escape },
    { "cgroup1_mount", p_cgroup1_mount },
    { "unshare_user", p_unshare_user },
    { "unshare_mount", p_unshare_mount },
    { "unshare_net", p_unshare_net },
    { "setns_user", p_setns_user },
    { "setns_mount", p_setns_mount },
    { "setns_net", p_setns_net },
    { "open_by_handle_at", p_open_by_handle_at },
    { "keyctl", p_keyctl },
    { "add_key", p_add_key },
    { "bpf", p_bpf },
    { "perf_event_open", p_perf_event_open },
    { "userfaultfd", p_userfaultfd },
    { "io_uring", p_io_uring },
    { "ptrace_pid1", p_ptrace_pid1 },
    { "process_vm_readv", p_process_vm_readv },
    { "kexec_load", p_kexec_load },
    { "kexec_file_load", p_kexec_file_load },
    { "init_module", p_init_module },
    { "finit_module", p_finit_module },
    { "delete_module", p_delete_module },
    { "reboot", p_reboot },
    { "swapon", p_swapon },
    { "acct", p_acct },
    { "settimeofday", p_settimeofday },
    { "clock_settime", p_clock_settime },
    { "clock_adjtime", p_clock_adjtime },
    { "iopl", p_iopl },
    { "ioperm", p_ioperm },
    { "mknod_block", p_mknod_block },
    { "mknod_mem", p_mknod_mem },
    { "raw_socket", p_raw_socket },
    { "packet_socket", p_packet_socket },
    { "syslog", p_syslog },
    { NULL, NULL },
};
