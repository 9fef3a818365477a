/* Drives brig's cgroup v2 code on a real cgroup2 mount (the unified mount
 * of a hybrid host, or /sys/fs/cgroup on a v2 host) through the public API:
 * create (with the eBPF device filter and unified keys), attach, open_fd,
 * pids, freeze/thaw, update, stats, destroy (cgroup.kill) and removal.
 *
 * usage: cgroup_v2_probe UNIFIED_MOUNT     (root; exit 0 ok, 77 skip)
 * Prints "ok"/"not ok" lines and, last, "N passed, N failed". */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/cgroup_internal.h"
#include "brig/error.h"
#include "brig/internal.h"

struct brig_globals brig_g;

static int passed, failed;

static void check(bool ok, const char *what)
{
    if (ok)
        passed++;
    else
        failed++;
    printf("%s %s%s%s\n", ok ? "ok" : "not ok", what, ok ? "" : ": ",
           ok ? "" : brig_last_error());
    fflush(stdout);
    brig_clear_error();
}

static bool dir_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A child that waits for a byte on FD, then runs FN and exits with its result. */
static pid_t spawn(int *go_fd, int (*fn)(void))
{
    int p[2];
    if (pipe(p) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[1]);
        char c;
        if (read(p[0], &c, 1) != 1)
            _exit(100);
        _exit(fn());
    }
    close(p[0]);
    *go_fd = p[1];
    return pid;
}

static int try_devices(void)
{
    /* 0: as expected; bits say what went wrong */
    int r = 0;
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0)
        r |= 1;
    else
        close(fd);
    fd = open("/dev/kmsg", O_RDONLY);
    if (fd >= 0) {
        r |= 2;
        close(fd);
    } else if (errno != EPERM) {
        r |= 4;
    }
    return r;
}

static int try_kmsg(void)
{
    int r = 0;
    int fd = open("/dev/kmsg", O_RDONLY);
    if (fd < 0)
        r |= 1;
    else
        close(fd);
    fd = open("/dev/kmsg", O_WRONLY);
    if (fd >= 0) {
        r |= 2;
        close(fd);
    } else if (errno != EPERM) {
        r |= 4;
    }
    fd = open("/dev/null", O_RDWR); /* the defaults still apply */
    if (fd < 0)
        r |= 8;
    else
        close(fd);
    return r;
}

static volatile uint64_t *counter;

__attribute__((noreturn)) static int spin(void)
{
    /* a grandchild in its own session outlives us unless the cgroup dies */
    if (fork() == 0) {
        setsid();
        for (;;)
            pause();
    }
    for (;;)
        (*counter)++;
}

static uint64_t count_after(unsigned ms)
{
    uint64_t a = *counter;
    brig_cg_sleep_ms(ms);
    return *counter - a;
}

/* Whether the counter moves within MS: on a loaded host a thawed process
 * may wait a while for a CPU. */
static bool progresses_within(unsigned ms)
{
    uint64_t a = *counter;
    for (unsigned t = 0; t < ms && *counter == a; t += 10)
        brig_cg_sleep_ms(10);
    return *counter != a;
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: %s UNIFIED_MOUNT [NAME]\n", argv[0]);
        return 2;
    }
    struct statfs sf;
    if (geteuid() != 0 || statfs(argv[1], &sf) < 0 || (unsigned long)sf.f_type != 0x63677270) {
        printf("skip: needs root and a cgroup2 mount at %s\n", argv[1]);
        return 77;
    }
    struct brig_cg_layout l = {0};
    l.mode = BRIG_CGROUP_V2;
    l.unified = argv[1];
    cleanup_free char *ctrls = brig_cg_read(argv[1], "cgroup.controllers");
    for (char *t = ctrls ? strtok(ctrls, " \n") : NULL; t; t = strtok(NULL, " \n")) {
        int c = brig_cg_ctrl_from_name(t);
        if (c >= 0)
            l.v2_ctrls |= BRIG_CG_BIT(c);
    }
    l.v2_ctrls |= BRIG_CG_BIT(BRIG_CG_DEVICES) | BRIG_CG_BIT(BRIG_CG_FREEZER);
    brig_clear_error();
    brig_cg_layout_override(&l);

    char parent[64], path[96], dir[PATH_MAX];
    /* argv[2]: a name for the parent cgroup unique to the caller's test
     * (its clean-up removes that one only). */
    if (argc > 2)
        snprintf(parent, sizeof parent, "/brig-v2probe-%s", argv[2]);
    else
        snprintf(parent, sizeof parent, "/brig-v2probe-%d", (int)getpid());
    snprintf(path, sizeof path, "%s/ctr", parent);
    snprintf(dir, sizeof dir, "%s%s", argv[1], path);

    counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (counter == MAP_FAILED)
        return 1;

    /* create: unified key + default device rules as an eBPF program */
    struct brig_resources res = {0};
    struct brig_kv kv[] = { { (char *)"cgroup.max.descendants", (char *)"3" } };
    res.unified.v = kv;
    res.unified.n = 1;
    check(brig_cgroup_create(path, &res, false, NULL) == 0, "create");
    check(dir_exists(dir), "cgroup directory exists");
    uint64_t v = 0;
    check(brig_cg_read_u64(dir, "cgroup.max.descendants", &v) && v == 3, "unified key written");
    struct brig_kv bad[] = { { (char *)"memory.max", (char *)"1000000" } };
    struct brig_resources badres = {0};
    badres.unified.v = bad;
    badres.unified.n = 1;
    check(l.v2_ctrls & BRIG_CG_BIT(BRIG_CG_MEMORY) || brig_cgroup_update(path, &badres) < 0,
          "a unified key of a missing controller is an error");
    struct brig_kv esc[] = { { (char *)"../cgroup.procs", (char *)"1" } };
    badres.unified.v = esc;
    check(brig_cgroup_update(path, &badres) < 0, "a unified key with a slash is refused");
    check(brig_cgroup_create("/", NULL, false, NULL) < 0, "the root cgroup is refused");

    int fd = brig_cgroup_unified_fd(path);
    check(fd >= 0, "unified_fd gives a directory fd on v2");
    if (fd >= 0)
        close(fd);

    /* device filter */
    int go;
    pid_t dev = spawn(&go, try_devices);
    check(brig_cgroup_attach(path, dev) == 0, "attach");
    if (write(go, "x", 1) != 1)
        return 1;
    close(go);
    int st;
    waitpid(dev, &st, 0);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "eBPF filter: /dev/null allowed, /dev/kmsg EPERM");
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        printf("# device child status 0x%x\n", st);

    /* every rule shape through the verifier; per-access decisions */
    char path2[128];
    snprintf(path2, sizeof path2, "%s/dev", parent);
    struct brig_device_rule rules[6];
    memset(rules, 0, sizeof rules);
    rules[0].allow = true, rules[0].type = 'c', rules[0].major.set = true, rules[0].major.v = 1;
    rules[0].minor.set = true, rules[0].minor.v = 11, rules[0].access = (char *)"r";
    rules[1].allow = false, rules[1].type = 'b', rules[1].minor.set = true, rules[1].access = (char *)"rm";
    rules[2].allow = true, rules[2].type = 'a', rules[2].major.set = true, rules[2].major.v = 4000000000LL;
    rules[2].access = (char *)"w";
    rules[3].allow = false, rules[3].type = 'c', rules[3].major.set = true, rules[3].major.v = 10;
    rules[3].access = (char *)"w";
    struct brig_resources res2 = {0};
    res2.devices = rules;
    res2.n_devices = 4;
    check(brig_cgroup_create(path2, &res2, false, NULL) == 0, "create with every rule shape (the verifier accepts it)");
    pid_t kp = spawn(&go, try_kmsg);
    check(brig_cgroup_attach(path2, kp) == 0, "attach");
    if (write(go, "x", 1) != 1)
        return 1;
    close(go);
    waitpid(kp, &st, 0);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "eBPF filter: /dev/kmsg readable, not writable");
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        printf("# kmsg child status 0x%x\n", st);
    check(brig_cgroup_destroy(path2, NULL) == 0, "destroy");

    /* freeze, thaw */
    pid_t sp = spawn(&go, spin);
    check(brig_cgroup_attach(path, sp) == 0, "attach a second process");
    if (write(go, "x", 1) != 1)
        return 1;
    close(go);
    while (*counter == 0)
        brig_cg_sleep_ms(1);
    pid_t *pids = NULL;
    int n = brig_cgroup_pids(path, &pids);
    bool found = false;
    for (int i = 0; i < n; i++)
        found |= pids[i] == sp;
    free(pids);
    check(n >= 2 && found, "pids lists the process and its child");
    check(!brig_cgroup_is_frozen(path), "not frozen yet");
    check(brig_cgroup_freeze(path, true) == 0, "freeze");
    check(brig_cgroup_is_frozen(path), "is frozen");
    check(count_after(100) == 0, "a frozen process makes no progress");
    check(brig_cgroup_freeze(path, false) == 0, "thaw");
    check(!brig_cgroup_is_frozen(path), "thawed");
    check(progresses_within(10000), "a thawed process runs again");

    char *stats = brig_cgroup_stats_json(path);
    check(stats && stats[0] == '{', "stats");
    free(stats);

    /* destroy kills everything, the session leader grandchild included */
    check(brig_cgroup_destroy(path, NULL) == 0, "destroy");
    waitpid(sp, &st, 0);
    check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the process was SIGKILLed");
    check(!dir_exists(dir), "cgroup directory removed");
    check(brig_cgroup_destroy(path, NULL) == 0, "destroy again is not an error");

    /* destroy of a frozen cgroup works too */
    *counter = 0;
    check(brig_cgroup_create(path, NULL, false, NULL) == 0, "create again");
    sp = spawn(&go, spin);
    check(brig_cgroup_attach(path, sp) == 0, "attach");
    if (write(go, "x", 1) != 1)
        return 1;
    close(go);
    check(brig_cgroup_freeze(path, true) == 0, "freeze");
    check(brig_cgroup_destroy(path, NULL) == 0, "destroy a frozen cgroup");
    waitpid(sp, &st, 0);
    check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the frozen process was SIGKILLed");
    check(!dir_exists(dir), "cgroup directory removed");

    char pdir[PATH_MAX];
    snprintf(pdir, sizeof pdir, "%s%s", argv[1], parent);
    check(rmdir(pdir) == 0, "the parent is empty and removable");
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
