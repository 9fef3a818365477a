/* brig: the systemd cgroup driver (--systemd-cgroup).
 *
 * Under systemd the container's cgroup belongs to a transient unit: a
 * scope ("<prefix>-<name>.scope" in the slice of "slice:prefix:name") or,
 * for a name ending in ".slice", a slice.  brig asks systemd over D-Bus
 * (runtime/cgroup/dbus.c) to start that unit with Delegate=yes and the limits
 * systemd knows how to express, waits for the job, and then its own
 * cgroupfs code applies everything (systemd's values and the rest) in the
 * unit's cgroup, as runc does.  delete stops the unit.
 *
 * A scope cannot start empty, and the container's first process does not
 * exist yet when the cgroup is made.  So a holder process (a grandchild,
 * detached: pid 1 reaps it) is the scope's first member; the container's
 * process then joins through cgroupfs, which is the cheaper self-attach,
 * and tells the holder to go (brig_cg_systemd_release).  The holder also
 * goes when every copy of brig's end of its socket is closed, so it never
 * outlives a failed create. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup_internal.h"
#include "brig/dbus.h"
#include "brig/internal.h"
#include "brig/rootless.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

#define CALL_TIMEOUT_MS 25000
/* How long systemd gets to run a start or stop job (runc waits as long). */
#define JOB_TIMEOUT_MS 30000

int brig_cg_systemd_check(void)
{
    if (brig_systemd_user()) {
        const char *bus = getenv("DBUS_SESSION_BUS_ADDRESS"), *xdg = getenv("XDG_RUNTIME_DIR");
        if ((bus && *bus) || (xdg && *xdg == '/'))
            return 0;
        return brig_fail(0, "systemd cgroup driver: rootless needs the user's systemd instance, and "
                            "neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set");
    }
    const char *env = getenv("DBUS_SYSTEM_BUS_ADDRESS");
    if (env && *env)
        return 0;
    /* sd_booted(): systemd creates this directory early at boot */
    if (access("/run/systemd/system", F_OK) < 0)
        return brig_fail(0, "systemd cgroup driver: systemd is not running on this host "
                            "(no /run/systemd/system); run without --systemd-cgroup");
    return 0;
}

/* ---- properties (pure) ---- */

static void prop_begin(struct brig_dbus_buf *b, const char *name, const char *sig)
{
    brig_dbus_struct_begin(b);
    brig_dbus_put_str(b, name);
    brig_dbus_variant(b, sig);
}

static void prop_bool(struct brig_dbus_buf *b, const char *name, bool v)
{
    prop_begin(b, name, "b");
    brig_dbus_put_bool(b, v);
}

static void prop_u64(struct brig_dbus_buf *b, const char *name, uint64_t v)
{
    prop_begin(b, name, "t");
    brig_dbus_put_u64(b, v);
}

static void prop_str(struct brig_dbus_buf *b, const char *name, const char *v)
{
    prop_begin(b, name, "s");
    brig_dbus_put_str(b, v);
}

/* OCI's -1 (and any negative value) is systemd's "infinity". */
static uint64_t limit_or_infinity(int64_t v)
{
    return v < 0 ? UINT64_MAX : (uint64_t)v;
}

/* CPUQuotaPerSecUSec for QUOTA per PERIOD (microseconds): systemd keeps it
 * in 10 ms steps, so round up rather than lose a part of the quota. */
uint64_t brig_cg_systemd_quota_per_sec(int64_t quota, uint64_t period)
{
    if (quota <= 0)
        return UINT64_MAX;
    if (period == 0)
        period = 100000;
    uint64_t v = (uint64_t)quota * 1000000 / period;
    if (v % 10000)
        v = (v / 10000 + 1) * 10000;
    return v;
}

/* A cpuset list ("0-3,8") as the byte mask AllowedCPUs wants; false when
 * malformed (cgroupfs then reports it). */
static bool cpu_mask(const char *list, uint8_t **mask, size_t *n)
{
    *mask = NULL;
    *n = 0;
    const char *p = list;
    while (*p) {
        char *e;
        unsigned long a = strtoul(p, &e, 10), z = a;
        if (e == p || a > 65535)
            goto bad;
        if (*e == '-') {
            const char *q = e + 1;
            z = strtoul(q, &e, 10);
            if (e == q || z < a || z > 65535)
                goto bad;
        }
        if (*e && *e != ',')
            goto bad;
        if (z / 8 + 1 > *n) {
            *mask = brig_xrealloc(*mask, z / 8 + 1);
            memset(*mask + *n, 0, z / 8 + 1 - *n);
            *n = z / 8 + 1;
        }
        for (unsigned long i = a; i <= z; i++)
            (*mask)[i / 8] |= (uint8_t)(1u << (i % 8));
        p = *e ? e + 1 : e;
    }
    return *n > 0;
bad:
    free(*mask);
    *mask = NULL;
    *n = 0;
    return false;
}

static void prop_mask(struct brig_dbus_buf *b, const char *name, const char *list)
{
    uint8_t *m;
    size_t n;
    if (!list || !*list || !cpu_mask(list, &m, &n))
        return;
    prop_begin(b, name, "ay");
    size_t a = brig_dbus_array_begin(b, 'y');
    for (size_t i = 0; i < n; i++)
        brig_dbus_put_byte(b, m[i]);
    brig_dbus_array_end(b, a);
    free(m);
}

/* "max" or a number of a unified value; false when neither. */
static bool unified_u64(const char *s, uint64_t *v)
{
    if (strcmp(s, "max") == 0) {
        *v = UINT64_MAX;
        return true;
    }
    return brig_parse_u64(s, v);
}

static void unified_props(struct brig_dbus_buf *b, const struct brig_map *u, unsigned version)
{
    static const struct {
        const char *key, *prop;
    } direct[] = {
        {"memory.max", "MemoryMax"}, {"memory.high", "MemoryHigh"},
        {"memory.low", "MemoryLow"}, {"memory.min", "MemoryMin"},
        {"memory.swap.max", "MemorySwapMax"}, {"pids.max", "TasksMax"},
        {"cpu.weight", "CPUWeight"},
    };
    for (size_t i = 0; i < u->n; i++) {
        const char *k = u->v[i].key, *val = u->v[i].value;
        uint64_t v;
        for (size_t j = 0; j < BRIG_ARRAY_SIZE(direct); j++)
            if (strcmp(k, direct[j].key) == 0 && unified_u64(val, &v))
                prop_u64(b, direct[j].prop, v);
        if (strcmp(k, "cpu.max") == 0) {
            /* "QUOTA PERIOD" or "max PERIOD" */
            char q[32] = "";
            unsigned long long period = 0;
            if (sscanf(val, "%31s %llu", q, &period) < 1)
                continue;
            uint64_t quota;
            if (strcmp(q, "max") == 0)
                prop_u64(b, "CPUQuotaPerSecUSec", UINT64_MAX);
            else if (brig_parse_u64(q, &quota) && quota <= INT64_MAX)
                prop_u64(b, "CPUQuotaPerSecUSec",
                         brig_cg_systemd_quota_per_sec((int64_t)quota, period));
            if (period && version >= 242)
                prop_u64(b, "CPUQuotaPeriodUSec", period);
        }
    }
}

/* The /proc/devices name of a MAJOR of TYPE ('c' or 'b'); NULL if none. */
char *brig_cg_systemd_driver_name(const char *proc_devices, char type, int64_t major)
{
    const char *want = type == 'b' ? "Block devices:" : "Character devices:";
    bool in = false;
    for (const char *l = proc_devices; l && *l;) {
        size_t n = strcspn(l, "\n");
        if (n && l[n - 1] == ':')
            in = n == strlen(want) && strncmp(l, want, n) == 0;
        else if (in) {
            long long m;
            char name[128];
            if (sscanf(l, "%lld %127s", &m, name) == 2 && m == major)
                return brig_xstrdup(name);
        }
        l += n;
        if (*l)
            l++;
    }
    return NULL;
}

static void device_allow(struct brig_dbus_buf *b, size_t *arr, const char *what, const char *acc)
{
    if (*arr == (size_t)-1) {
        prop_begin(b, "DeviceAllow", "a(ss)");
        *arr = brig_dbus_array_begin(b, '(');
    }
    brig_dbus_struct_begin(b);
    brig_dbus_put_str(b, what);
    brig_dbus_put_str(b, acc);
}

/* DevicePolicy=strict with a DeviceAllow entry per allowed device set,
 * from the same final list cgroup v1 gets.  When that list allows by
 * default (the config opened every device), systemd's own default
 * (allow all) is left alone.  A rule for every minor of a major is named
 * through /proc/devices, as systemd wants; a major it does not list
 * cannot be named and is left to brig's own rules. */
static void device_props(struct brig_dbus_buf *b, const struct brig_device_rule *rules, size_t n,
                         const char *proc_devices)
{
    bool allow_all = false, exact = true;
    size_t nex = 0;
    struct brig_device_rule *ex = brig_cg_device_v1_list(rules, n, &allow_all, &exact, &nex);
    if (allow_all) {
        brig_cg_device_rules_free(ex, nex);
        return;
    }
    prop_str(b, "DevicePolicy", "strict");
    size_t arr = (size_t)-1;
    for (size_t i = 0; i < nex; i++) {
        const struct brig_device_rule *r = &ex[i];
        if (!r->allow)
            continue;
        const char *acc = r->access && *r->access ? r->access : "rwm";
        const char *types = r->type == 'a' ? "cb" : r->type == 'b' ? "b" : "c";
        for (const char *t = types; *t; t++) {
            const char *kind = *t == 'b' ? "block" : "char";
            cleanup_free char *what = NULL;
            if (!r->major.set || r->major.v < 0) {
                what = brig_xasprintf("%s-*", kind);
            } else if (!r->minor.set || r->minor.v < 0) {
                cleanup_free char *drv = brig_cg_systemd_driver_name(proc_devices, *t, r->major.v);
                if (!drv) {
                    brig_debug("systemd: no driver name for %s major %lld; left to brig's rules",
                               kind, (long long)r->major.v);
                    continue;
                }
                what = brig_xasprintf("%s-%s", kind, drv);
            } else {
                what = brig_xasprintf("/dev/%s/%lld:%lld", kind, (long long)r->major.v,
                                      (long long)r->minor.v);
            }
            device_allow(b, &arr, what, acc);
        }
    }
    if (arr != (size_t)-1)
        brig_dbus_array_end(b, arr);
    brig_cg_device_rules_free(ex, nex);
}

void brig_cg_systemd_props(struct brig_dbus_buf *b, const struct brig_cg_sd_unit *u,
                           const struct brig_resources *res)
{
    bool v2 = u->mode == BRIG_CGROUP_V2;
    size_t arr = brig_dbus_array_begin(b, '(');
    if (u->transient) {
        bool scope = !u->is_slice;
        cleanup_free char *desc = brig_xasprintf("brig container %s", u->name);
        prop_str(b, "Description", desc);
        if (scope) {
            prop_str(b, "Slice", u->slice);
            prop_bool(b, "Delegate", true);
        } else {
            prop_begin(b, "Wants", "as");
            size_t a = brig_dbus_array_begin(b, 's');
            brig_dbus_put_str(b, u->slice);
            brig_dbus_array_end(b, a);
        }
        if (scope && u->pid > 0) {
            prop_begin(b, "PIDs", "au");
            size_t a = brig_dbus_array_begin(b, 'u');
            brig_dbus_put_u32(b, (uint32_t)u->pid);
            brig_dbus_array_end(b, a);
        }
        prop_bool(b, "DefaultDependencies", false);
        prop_bool(b, "MemoryAccounting", true);
        prop_bool(b, "CPUAccounting", true);
        prop_bool(b, "TasksAccounting", true);
        prop_bool(b, v2 ? "IOAccounting" : "BlockIOAccounting", true);
    }
    const struct brig_memory *m = res ? res->memory : NULL;
    if (m && m->limit.set && m->limit.v != 0)
        prop_u64(b, v2 ? "MemoryMax" : "MemoryLimit", limit_or_infinity(m->limit.v));
    if (v2 && m && m->reservation.set && m->reservation.v != 0)
        prop_u64(b, "MemoryLow", limit_or_infinity(m->reservation.v));
    if (v2 && m && m->swap.set && m->swap.v != 0) {
        int64_t sw;
        if (brig_cg_swap_to_v2(m, &sw) == 0)
            prop_u64(b, "MemorySwapMax", limit_or_infinity(sw));
        brig_clear_error(); /* cgroupfs reports it */
    }
    const struct brig_cpu *c = res ? res->cpu : NULL;
    if (c && c->shares.set && c->shares.v != 0) {
        if (v2)
            prop_u64(b, "CPUWeight", brig_cg_shares_to_weight(c->shares.v));
        else
            prop_u64(b, "CPUShares", c->shares.v);
    }
    if (c && ((c->quota.set && c->quota.v != 0) || (c->period.set && c->period.v != 0))) {
        uint64_t period = c->period.set ? c->period.v : 0;
        prop_u64(b, "CPUQuotaPerSecUSec",
                 brig_cg_systemd_quota_per_sec(c->quota.set ? c->quota.v : -1, period));
        if (period && u->version >= 242)
            prop_u64(b, "CPUQuotaPeriodUSec", period);
    }
    if (c && u->version >= 244) {
        prop_mask(b, "AllowedCPUs", c->cpus);
        prop_mask(b, "AllowedMemoryNodes", c->mems);
    }
    if (res && res->pids_limit.set)
        prop_u64(b, "TasksMax", res->pids_limit.v > 0 ? (uint64_t)res->pids_limit.v : UINT64_MAX);
    if (!v2 && res && res->block_io && res->block_io->weight.set && res->block_io->weight.v)
        prop_u64(b, "BlockIOWeight", res->block_io->weight.v);
    if (v2 && res)
        unified_props(b, &res->unified, u->version);
    if (u->transient && u->rules)
        device_props(b, u->rules, u->n_rules, u->proc_devices);
    brig_dbus_array_end(b, arr);
}

/* Whether RES asks for what only newer systemd versions know. */
static bool needs_version(const struct brig_resources *res)
{
    const struct brig_cpu *c = res ? res->cpu : NULL;
    if (c && ((c->period.set && c->period.v) || (c->cpus && *c->cpus) || (c->mems && *c->mems)))
        return true;
    for (size_t i = 0; res && i < res->unified.n; i++)
        if (strcmp(res->unified.v[i].key, "cpu.max") == 0)
            return true;
    return false;
}

/* ---- talking to systemd ---- */

struct job_done {
    char *path, *result;
};

struct sd {
    struct brig_dbus *c;
    struct job_done *done;
    size_t n_done;
    const char *want; /* the job being waited for */
};

/* JobRemoved(u id, o job, s unit, s result), kept until looked at: it may
 * come before the reply that names the job. */
static void on_signal(const struct brig_dbus_msg *m, void *arg)
{
    struct sd *s = arg;
    if (!m->member || strcmp(m->member, "JobRemoved") != 0 || !m->interface ||
        strcmp(m->interface, SD_MANAGER) != 0 || strcmp(m->signature, "uoss") != 0)
        return;
    struct brig_dbus_reader r;
    uint32_t id;
    const char *job, *unit, *result;
    brig_dbus_reader_init(&r, m);
    if (brig_dbus_get_u32(&r, &id) < 0 || brig_dbus_get_path(&r, &job) < 0 ||
        brig_dbus_get_str(&r, &unit) < 0 || brig_dbus_get_str(&r, &result) < 0) {
        brig_clear_error();
        return;
    }
    s->done = brig_xrealloc(s->done, (s->n_done + 1) * sizeof *s->done);
    s->done[s->n_done].path = brig_xstrdup(job);
    s->done[s->n_done].result = brig_xstrdup(result);
    s->n_done++;
}

static const char *job_result(const struct sd *s, const char *job)
{
    for (size_t i = 0; i < s->n_done; i++)
        if (strcmp(s->done[i].path, job) == 0)
            return s->done[i].result;
    return NULL;
}

static bool job_finished(void *arg)
{
    const struct sd *s = arg;
    return job_result(s, s->want) != NULL;
}

static void sd_close(struct sd *s)
{
    brig_dbus_close(s->c);
    for (size_t i = 0; i < s->n_done; i++) {
        free(s->done[i].path);
        free(s->done[i].result);
    }
    free(s->done);
    memset(s, 0, sizeof *s);
}

/* Connect: DBUS_SYSTEM_BUS_ADDRESS when set; else, as root, systemd's
 * private socket (no bus in between, no Hello); else the system bus. */
static int sd_open(struct sd *s)
{
    memset(s, 0, sizeof *s);
    if (brig_cg_systemd_check() < 0)
        return -1;
    const char *env = getenv("DBUS_SYSTEM_BUS_ADDRESS");
    bool bus = true;
    int r = -1;
    if (brig_systemd_user()) {
        /* The user's manager: its private socket, else the session bus. */
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        env = getenv("DBUS_SESSION_BUS_ADDRESS");
        if (xdg && *xdg == '/') {
            cleanup_free char *priv = brig_xasprintf("unix:path=%s/systemd/private", xdg);
            r = brig_dbus_connect(priv, false, CALL_TIMEOUT_MS, &s->c);
            bus = r < 0;
            if (r < 0) {
                brig_debug("systemd: %s; trying the session bus", brig_last_error());
                brig_clear_error();
            }
        }
        if (r < 0) {
            cleanup_free char *addr = env && *env ? brig_xstrdup(env)
                                  : xdg ? brig_xasprintf("unix:path=%s/bus", xdg) : NULL;
            r = addr ? brig_dbus_connect(addr, true, CALL_TIMEOUT_MS, &s->c)
                     : brig_fail(0, "no session bus address");
        }
    } else if (env && *env) {
        r = brig_dbus_connect(env, true, CALL_TIMEOUT_MS, &s->c);
    } else {
        if (geteuid() == 0 && access("/run/systemd/private", F_OK) == 0) {
            r = brig_dbus_connect("unix:path=/run/systemd/private", false, CALL_TIMEOUT_MS, &s->c);
            bus = r < 0;
            if (r < 0)
                brig_debug("systemd: %s; trying the system bus", brig_last_error());
        }
        if (r < 0)
            r = brig_dbus_connect("unix:path=/run/dbus/system_bus_socket", true, CALL_TIMEOUT_MS,
                                  &s->c);
    }
    if (r < 0)
        return brig_fail_ctx("systemd");
    brig_dbus_on_signal(s->c, on_signal, s);
    if (bus) {
        /* On a bus, signals come only to those who ask for them. */
        struct brig_dbus_buf body = {0};
        brig_dbus_put_str(&body, "type='signal',sender='" SD_DEST "',path='" SD_PATH
                                 "',interface='" SD_MANAGER "',member='JobRemoved'");
        r = brig_dbus_call(s->c, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                           "org.freedesktop.DBus", "AddMatch", "s", &body, NULL, CALL_TIMEOUT_MS);
        brig_dbus_buf_free(&body);
        if (r < 0) {
            sd_close(s);
            return brig_fail_ctx("systemd: AddMatch");
        }
    }
    return 0;
}

/* Call a Manager method that returns a job (o) and wait for the job. */
static int sd_job(struct sd *s, const char *member, const char *unit, const char *sig,
                  const struct brig_dbus_buf *body)
{
    struct brig_dbus_msg reply;
    if (brig_dbus_call(s->c, SD_DEST, SD_PATH, SD_MANAGER, member, sig, body, &reply,
                       CALL_TIMEOUT_MS) < 0)
        return brig_fail_ctx("systemd: %s %s", member, unit);
    struct brig_dbus_reader r;
    const char *job;
    brig_dbus_reader_init(&r, &reply);
    if (strcmp(reply.signature, "o") != 0 || brig_dbus_get_path(&r, &job) < 0) {
        brig_dbus_msg_free(&reply);
        return brig_fail(EPROTO, "systemd: %s %s: unexpected reply", member, unit);
    }
    cleanup_free char *jobpath = brig_xstrdup(job);
    brig_dbus_msg_free(&reply);
    s->want = jobpath;
    int w = brig_dbus_wait(s->c, job_finished, s, JOB_TIMEOUT_MS);
    s->want = NULL;
    if (w < 0)
        return brig_fail_ctx("systemd: %s %s: waiting for job %s", member, unit, jobpath);
    if (w == 0)
        return brig_fail(ETIMEDOUT, "systemd: %s %s: job %s did not finish in %d s", member, unit,
                         jobpath, JOB_TIMEOUT_MS / 1000);
    const char *res = job_result(s, jobpath);
    if (strcmp(res, "done") != 0)
        return brig_fail(0, "systemd: %s %s: job %s ended with result \"%s\"", member, unit,
                         jobpath, res);
    return 0;
}

/* A failed unit stays loaded (and its name taken) until this. */
static void sd_reset_failed(struct sd *s, const char *unit)
{
    struct brig_dbus_buf body = {0};
    brig_dbus_put_str(&body, unit);
    if (brig_dbus_call(s->c, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", "s", &body, NULL,
                       CALL_TIMEOUT_MS) < 0)
        brig_debug("systemd: ResetFailedUnit %s: %s", unit, brig_last_error());
    brig_clear_error();
    brig_dbus_buf_free(&body);
}

/* systemd's major version ("252.6-1" -> 252); 0 when unknown. */
static unsigned sd_version(struct sd *s)
{
    struct brig_dbus_buf body = {0};
    struct brig_dbus_msg reply;
    brig_dbus_put_str(&body, SD_MANAGER);
    brig_dbus_put_str(&body, "Version");
    int r = brig_dbus_call(s->c, SD_DEST, SD_PATH, "org.freedesktop.DBus.Properties", "Get", "ss",
                           &body, &reply, CALL_TIMEOUT_MS);
    brig_dbus_buf_free(&body);
    if (r < 0) {
        brig_debug("systemd: Version: %s", brig_last_error());
        brig_clear_error();
        return 0;
    }
    unsigned v = 0;
    struct brig_dbus_reader rd;
    const char *sig, *str;
    brig_dbus_reader_init(&rd, &reply);
    if (strcmp(reply.signature, "v") == 0 && brig_dbus_get_variant(&rd, &sig) == 0 &&
        strcmp(sig, "s") == 0 && brig_dbus_get_str(&rd, &str) == 0)
        v = (unsigned)strtoul(str, NULL, 10);
    brig_clear_error();
    brig_dbus_msg_free(&reply);
    return v;
}

/* The slice part of "slice:prefix:name" (system.slice when empty). */
static char *spec_slice(const char *spec)
{
    size_t n = strcspn(spec, ":");
    return n ? strndup(spec, n) : brig_xstrdup("system.slice");
}

/* ---- the holder ---- */

static pid_t holder_pid = -1;
static int holder_fd = -1;

/* The holder leaves for the root cgroups before it exits: an exited
 * process keeps its pids charge until reaped, and whoever inherits it (pid
 * 1, a subreaper) may be slow to. */
__attribute__((noreturn)) static void holder_main(int fd, char **leave)
{
    /* Out of brig's session (no terminal signals), handlers and files.
     * Nothing here can be reported: the holder only waits, whatever fails. */
    if (setsid() < 0) {
        /* already a session leader: cannot be, it was just forked */
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    if (prctl(PR_SET_NAME, "brig-scope-hold", 0, 0, 0) < 0) {
        /* only a name for ps */
    }
    if (chdir("/") < 0 || (fd != 3 && dup2(fd, 3) < 0))
        _exit(1);
    brig_close_from(4);
    brig_cg_dirs_drop(BRIG_CG_DIRS_ALREADY_CLOSED);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int i = 0; null >= 0 && i < 3; i++)
        if (dup2(null, i) < 0)
            _exit(1);
    char c;
    while (read(3, &c, 1) < 0 && errno == EINTR)
        ;
    for (size_t i = 0; leave && leave[i]; i++) {
        int f = open(leave[i], O_WRONLY | O_CLOEXEC);
        if (f >= 0) {
            if (write(f, "0", 1) < 0) {
                /* best effort: then it is reaped where it is */
            }
            close(f);
        }
    }
    _exit(0);
}

/* cgroup.procs of every hierarchy's root (NULL-terminated); NULL when
 * there is no layout. */
static char **root_procs(void)
{
    const struct brig_cg_layout *l = brig_cg_layout();
    if (!l) {
        brig_clear_error();
        return NULL;
    }
    char **v = brig_xcalloc(l->n_v1 + 2, sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < l->n_v1; i++)
        v[n++] = brig_xasprintf("%s/cgroup.procs", l->v1[i].mnt);
    if (l->unified)
        v[n++] = brig_xasprintf("%s/cgroup.procs", l->unified);
    return v;
}

static void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static int holder_spawn(void)
{
    int sv[2], res[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return brig_fail(errno, "systemd: socketpair");
    if (pipe2(res, O_CLOEXEC) < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        return brig_fail(e, "systemd: pipe");
    }
    char **leave = root_procs();
    pid_t mid = fork();
    if (mid == 0) {
        close(sv[0]);
        close(res[0]);
        pid_t h = fork();
        if (h == 0) {
            close(res[1]);
            holder_main(sv[1], leave);
        }
        int32_t v = h < 0 ? -errno : (int32_t)h;
        _exit(write(res[1], &v, sizeof v) == sizeof v ? 0 : 1);
    }
    int e = errno;
    strv_free(leave);
    close(sv[1]);
    close(res[1]);
    int32_t v = -EIO;
    if (mid < 0) {
        v = -e;
    } else {
        if (brig_read_all(res[0], &v, sizeof v) != sizeof v)
            v = -EIO;
        while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    close(res[0]);
    if (v <= 0) {
        close(sv[0]);
        return brig_fail(-v, "systemd: fork the scope's first process");
    }
    holder_pid = v;
    holder_fd = sv[0];
    return 0;
}

pid_t brig_cg_systemd_holder(void)
{
    return holder_fd >= 0 ? holder_pid : -1;
}

void brig_cg_systemd_release(void)
{
    if (holder_fd < 0)
        return;
    /* The holder may be gone already: no SIGPIPE, no error. */
    char c = 0;
    while (send(holder_fd, &c, 1, MSG_NOSIGNAL) < 0 && errno == EINTR)
        ;
    close(holder_fd);
    holder_fd = -1;
    holder_pid = -1;
}

/* ---- the driver ---- */

/* SPEC's unit name, and the bus opened to the manager that owns it. */
static int sd_open_unit(const char *spec, struct sd *s, char **unit)
{
    cleanup_free char *cgpath = NULL;
    if (brig_cg_systemd_expand(spec, &cgpath, unit) < 0)
        return -1;
    return sd_open(s);
}


int brig_cg_systemd_attach(const char *spec, pid_t pid)
{
    cleanup_free char *unit = NULL;
    struct sd s;
    if (sd_open_unit(spec, &s, &unit) < 0)
        return -1;
    struct brig_dbus_buf body = {0};
    brig_dbus_put_str(&body, unit);
    brig_dbus_put_str(&body, ""); /* the unit's own cgroup, no sub-cgroup */
    size_t a = brig_dbus_array_begin(&body, 'u');
    brig_dbus_put_u32(&body, (uint32_t)pid);
    brig_dbus_array_end(&body, a);
    int r = brig_dbus_call(s.c, SD_DEST, SD_PATH, SD_MANAGER, "AttachProcessesToUnit", "ssau", &body, NULL,
                           CALL_TIMEOUT_MS);
    brig_dbus_buf_free(&body);
    sd_close(&s);
    return r < 0 ? brig_fail_ctx("systemd: AttachProcessesToUnit %s", unit) : 0;
}

int brig_cg_systemd_start(const char *spec, const struct brig_resources *res,
                          const struct brig_device *devs, size_t n_devs)
{
    cleanup_free char *cgpath = NULL, *unit = NULL, *slice = NULL, *proc_devices = NULL;
    if (brig_cg_systemd_expand(spec, &cgpath, &unit) < 0)
        return -1;
    slice = spec_slice(spec);
    if (!slice)
        return brig_fail(ENOMEM, "systemd");
    struct sd s;
    if (sd_open(&s) < 0)
        return -1;
    size_t ul = strlen(unit);
    bool is_slice = ul > 6 && strcmp(unit + ul - 6, ".slice") == 0;
    size_t n_rules = 0;
    struct brig_device_rule *rules = brig_cg_device_rules(res, devs, n_devs, &n_rules);
    if (brig_read_file("/proc/devices", &proc_devices, NULL) < 0) {
        brig_debug("systemd: %s", brig_last_error());
        brig_clear_error();
    }
    const char *name = strrchr(spec, ':') + 1;
    struct brig_cg_sd_unit u = {
        .name = name, .slice = slice, .is_slice = is_slice, .transient = true,
        .mode = brig_cgroup_mode(), .rules = rules, .n_rules = n_rules,
        .proc_devices = proc_devices,
    };
    int r = 0;
    if (needs_version(res))
        u.version = sd_version(&s);
    if (!is_slice && (r = holder_spawn()) == 0)
        u.pid = holder_pid;
    for (int attempt = 0; r == 0; attempt++) {
        struct brig_dbus_buf body = {0};
        brig_dbus_put_str(&body, unit);
        brig_dbus_put_str(&body, "replace");
        brig_cg_systemd_props(&body, &u, res);
        size_t aux = brig_dbus_array_begin(&body, '(');
        brig_dbus_array_end(&body, aux);
        r = sd_job(&s, "StartTransientUnit", unit, "ssa(sv)a(sa(sv))", &body);
        brig_dbus_buf_free(&body);
        if (r == 0)
            break;
        /* A unit that failed before keeps its name: reset it, try once more. */
        if (attempt == 0 &&
            strcmp(brig_dbus_last_error_name(s.c), "org.freedesktop.systemd1.UnitExists") == 0) {
            sd_reset_failed(&s, unit);
            r = 0;
            continue;
        }
        if (!brig_dbus_last_error_name(s.c)[0]) {
            /* the job failed or timed out: the unit is left failed */
            char saved[BRIG_ERR_MAX];
            int e = brig_last_errno();
            snprintf(saved, sizeof saved, "%s", brig_last_error());
            sd_reset_failed(&s, unit);
            brig_set_error(e, saved);
        }
        break;
    }
    brig_cg_device_rules_free(rules, n_rules);
    sd_close(&s);
    if (r < 0)
        brig_cg_systemd_release();
    return r;
}

int brig_cg_systemd_update(const char *spec, const struct brig_resources *res)
{
    cleanup_free char *unit = NULL;
    struct sd s;
    if (sd_open_unit(spec, &s, &unit) < 0)
        return -1;
    struct brig_cg_sd_unit u = {.name = unit, .mode = brig_cgroup_mode()};
    if (needs_version(res))
        u.version = sd_version(&s);
    struct brig_dbus_buf body = {0};
    brig_dbus_put_str(&body, unit);
    brig_dbus_put_bool(&body, true); /* runtime: not persisted */
    brig_cg_systemd_props(&body, &u, res);
    int r = brig_dbus_call(s.c, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties", "sba(sv)", &body,
                           NULL, CALL_TIMEOUT_MS);
    brig_dbus_buf_free(&body);
    sd_close(&s);
    return r < 0 ? brig_fail_ctx("systemd: SetUnitProperties %s", unit) : 0;
}

int brig_cg_systemd_stop(const char *spec)
{
    cleanup_free char *unit = NULL;
    struct sd s;
    if (sd_open_unit(spec, &s, &unit) < 0)
        return -1;
    struct brig_dbus_buf body = {0};
    brig_dbus_put_str(&body, unit);
    brig_dbus_put_str(&body, "replace");
    int r = sd_job(&s, "StopUnit", unit, "ss", &body);
    brig_dbus_buf_free(&body);
    /* A scope whose processes are gone may be gone itself already. */
    if (r < 0 && strcmp(brig_dbus_last_error_name(s.c), "org.freedesktop.systemd1.NoSuchUnit") == 0) {
        brig_clear_error();
        r = 0;
    }
    sd_close(&s);
    return r;
}
