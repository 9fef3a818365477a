/* brig: the container process's own settings: rlimits, oom score, user
 * and groups, capabilities, no_new_privs, cwd; then the executable. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "brig/container.h"
#include "brig/exec.h"
#include "brig/internal.h"
#include "brig/mounts.h"
#include "brig/rootless.h"
#include "brig/sync.h"

static int set_rlimits(const struct brig_process *p)
{
    for (size_t i = 0; i < p->n_rlimits; i++) {
        const struct brig_rlimit *r = &p->rlimits[i];
        struct rlimit rl = {.rlim_cur = r->soft, .rlim_max = r->hard};
        if (setrlimit(r->resource, &rl) < 0)
            return brig_fail(errno, "process.rlimits[%zu]: set %s to %llu/%llu", i, r->type,
                             (unsigned long long)r->soft, (unsigned long long)r->hard);
    }
    return 0;
}

static int set_oom_score(const struct brig_process *p)
{
    if (!p->oom_score_adj.set)
        return 0;
    char buf[16];
    snprintf(buf, sizeof buf, "%d", p->oom_score_adj.v);
    if (brig_write_str("/proc/self/oom_score_adj", buf) < 0)
        return brig_fail_ctx("process.oomScoreAdj");
    return 0;
}

static bool setgroups_allowed(const struct brig_proc_plan *pl)
{
    /* Only a user namespace other than the initial one can deny it.  A
     * process still in the runtime's own user namespace needs no proc read
     * when that is the initial one, which the runtime told from its
     * uid_map already (read once, cached before the clone). */
    if (!pl->other_userns && !brig_running_in_userns())
        return true;
    char buf[16] = "";
    cleanup_fd int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return true;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    return !(n > 0 && strncmp(buf, "deny", 4) == 0);
}

static int set_user(const struct brig_proc_plan *pl)
{
    const struct brig_user *u = &pl->process->user;
    if (setgroups_allowed(pl)) {
        gid_t *gids = brig_xcalloc(u->n_additional_gids, sizeof *gids);
        for (size_t i = 0; i < u->n_additional_gids; i++)
            gids[i] = u->additional_gids[i];
        int r = setgroups(u->n_additional_gids, gids);
        int e = errno;
        free(gids);
        if (r < 0)
            return brig_fail(e, "process.user.additionalGids: setgroups");
    } else if (u->n_additional_gids > 0) {
        return brig_fail(0, "process.user.additionalGids: setgroups is denied in this user namespace");
    }
    if (setresgid(u->gid, u->gid, u->gid) < 0)
        return brig_fail(errno, "process.user.gid: setresgid %u", u->gid);
    if (setresuid(u->uid, u->uid, u->uid) < 0)
        return brig_fail(errno, "process.user.uid: setresuid %u", u->uid);
    return 0;
}

/* Made (as root, before the root is made read-only: runc makes a missing
 * cwd even with root.readonly) resolved inside the container's root: no
 * symlink or /proc/self/fd/N magic link leads out (mounts.h).  Only for
 * the container's own process: exec's cwd must exist. */
int brig_make_cwd(const char *cwd)
{
    if (strcmp(cwd, "/") == 0)
        return 0; /* the root: there */
    cleanup_fd int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return brig_fail(errno, "open /");
    int fd = brig_open_in_root(root, cwd, true, true);
    if (fd < 0)
        return brig_fail_ctx("process.cwd");
    close(fd);
    return 0;
}

/* The home directory of UID in the container's /etc/passwd ("/" when it
 * has none), read as root before the user switch. */
static char *passwd_home(int root, uid_t uid)
{
    cleanup_fd int fd = brig_open_file_in_root(root, "/etc/passwd", O_RDONLY | O_NONBLOCK | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (4 << 20))
        return brig_xstrdup("/");
    cleanup_free char *text = brig_xmalloc((size_t)st.st_size + 1);
    ssize_t n = read(fd, text, (size_t)st.st_size);
    if (n < 0)
        return brig_xstrdup("/");
    text[n] = '\0';
    /* name:password:uid:gid:gecos:home:shell */
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *f[7] = {0};
        size_t nf = 0;
        for (char *q = line; nf < 7; nf++) {
            f[nf] = q;
            q = strchr(q, ':');
            if (!q) {
                nf++;
                break;
            }
            *q++ = '\0';
        }
        uint64_t u;
        if (nf >= 6 && brig_parse_u64(f[2], &u) && u == uid && f[5][0])
            return brig_xstrdup(f[5]);
    }
    return brig_xstrdup("/");
}

/* runc sets HOME from the container's /etc/passwd when process.env has
 * none; programs (shells, git, ssh) expect it. */
static void set_home(int root, struct brig_process *p)
{
    for (size_t i = 0; i < p->env.n; i++)
        if (strncmp(p->env.v[i], "HOME=", 5) == 0)
            return;
    cleanup_free char *home = passwd_home(root, p->user.uid);
    cleanup_free char *kv = brig_xasprintf("HOME=%s", home);
    brig_env_set(&p->env, kv);
}

/* runc's fixStdioPermissions: the stdio the process inherits (pipes,
 * sockets, a terminal) is chowned to its uid, the group kept, so that it
 * can reopen /dev/stdout and the like.  Not /dev/null, not what the uid
 * owns already, and never a regular file or a directory (a host file
 * given as stdout keeps its owner: brig changes no host file's owner).
 * Failures that mean "not ours to change" (an unmapped owner in a user
 * namespace, a read-only /dev) leave it as it is, as with runc. */
static int fix_stdio_owner(uid_t uid)
{
    for (int fd = 0; fd < 3; fd++) {
        struct stat st;
        if (fstat(fd, &st) < 0)
            continue; /* closed */
        if (st.st_uid == uid || (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)))
            continue;
        if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode) && !(S_ISCHR(st.st_mode) && isatty(fd)))
            continue;
        if (fchown(fd, uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
            return brig_fail(errno, "chown stdio fd %d to uid %u", fd, uid);
    }
    return 0;
}

int brig_load_seccomp(struct brig_proc *p)
{
    if (!p->plan->seccomp || p->seccomp_loaded)
        return 0;
    int nfd = -1;
    if (brig_seccomp_install(p->plan->seccomp, &nfd) < 0)
        return -1;
    p->seccomp_loaded = true;
    if (nfd < 0)
        return 0;
    /* The runtime hands it to the agent at listenerPath and acks. */
    int r = brig_sync_send(p->sync_fd, BRIG_SYNC_SECCOMP_FD, 0, NULL, nfd);
    close(nfd);
    if (r < 0 || brig_sync_expect(p->sync_fd, BRIG_SYNC_HOOKS_DONE, NULL, NULL) < 0)
        return brig_fail_ctx("seccomp listener");
    return 0;
}

int brig_setup_process(struct brig_proc *pr)
{
    struct brig_process *p = pr->plan->process;
    /* No capabilities object means no capabilities, as runc does. */
    static const struct brig_caps no_caps;
    const struct brig_caps *caps = p->capabilities ? p->capabilities : &no_caps;
    if (set_rlimits(p) < 0 || set_oom_score(p) < 0)
        return -1;
    /* Resolve the cwd inside the root now, before a seccomp filter might
     * forbid the calls that takes; enter it before the user switch, as
     * runc does (a cwd whose parents the user cannot search still works),
     * and again after it when root could not (a directory only the user
     * may enter, e.g. in a user namespace). */
    cleanup_fd int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return brig_fail(errno, "open /");
    /* "/" is the root itself: not opened a second time. */
    bool at_root = strcmp(p->cwd, "/") == 0;
    cleanup_fd int own_cwd = at_root ? -1 : brig_open_in_root(root, p->cwd, false, true);
    if (!at_root && own_cwd < 0)
        return brig_fail_ctx("process.cwd");
    int cwd = at_root ? root : own_cwd;
    /* This process's own copy of the config: the program gets this env. */
    set_home(root, p);
    /* Without no_new_privs the kernel takes a filter only from a process
     * that still holds CAP_SYS_ADMIN: install it now, before the user and
     * capabilities change (the filter must then allow the rest of setup). */
    if (!p->no_new_privileges && brig_load_seccomp(pr) < 0)
        return -1;
    if (fix_stdio_owner(p->user.uid) < 0)
        return -1;
    bool entered = fchdir(cwd) == 0;
    if (!entered && errno != EACCES && errno != EPERM)
        return brig_fail(errno, "process.cwd: chdir %s", p->cwd);
    if (brig_drop_bounding(caps) < 0)
        return brig_fail_ctx("process.capabilities.bounding");
    /* Keep the permitted set across the uid change; capset trims it next. */
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return brig_fail(errno, "prctl PR_SET_KEEPCAPS");
    if (set_user(pr->plan) < 0)
        return -1;
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        return brig_fail(errno, "prctl PR_SET_KEEPCAPS");
    if (brig_apply_capabilities(caps) < 0)
        return brig_fail_ctx("process.capabilities");
    if (p->user.umask.set)
        umask((mode_t)p->user.umask.v);
    if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return brig_fail(errno, "process.noNewPrivileges: prctl");
    if (!entered && fchdir(cwd) < 0)
        return brig_fail(errno, "process.cwd: chdir %s", p->cwd);
    return 0;
}

static const char *env_path(const struct brig_process *p)
{
    for (size_t i = 0; i < p->env.n; i++)
        if (strncmp(p->env.v[i], "PATH=", 5) == 0)
            return p->env.v[i] + 5;
    return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

/* 0 when PATH can be executed; -1 with the reason recorded otherwise (the
 * PATH search below reads EACCES from brig_last_errno()). */
static int check_exe(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return brig_fail(errno, "stat %s", path);
    if (S_ISDIR(st.st_mode))
        return brig_fail(EACCES, "stat %s", path);
    /* With the effective ids and capabilities, as execve judges: access()
     * uses the real ids and drops CAP_DAC_OVERRIDE for a non-root uid. */
    if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
        return brig_fail(errno, "stat %s", path);
    return 0;
}

/* The messages follow runc's, which podman maps to exit codes 126/127. */
char *brig_lookup_executable(const struct brig_process *p)
{
    if (p->args.n == 0 || !p->args.v[0][0]) {
        brig_fail(0, "process.args: must name the program to run");
        return NULL;
    }
    const char *name = p->args.v[0];
    if (strchr(name, '/')) {
        if (check_exe(name) < 0) {
            brig_fail_ctx("exec: \"%s\"", name);
            return NULL;
        }
        return brig_xstrdup(name);
    }
    const char *path = env_path(p);
    int denied = 0;
    while (*path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        char cand[PATH_MAX];
        if (n == 0)
            snprintf(cand, sizeof cand, "./%s", name);
        else
            snprintf(cand, sizeof cand, "%.*s/%s", (int)n, path, name);
        if (check_exe(cand) == 0)
            return brig_xstrdup(cand);
        if (brig_last_errno() == EACCES)
            denied = EACCES;
        path += n;
        if (*path == ':')
            path++;
    }
    if (denied)
        brig_fail(denied, "exec: \"%s\"", name);
    else
        brig_fail(0, "exec: \"%s\": executable file not found in $PATH", name);
    return NULL;
}
