/* brig events: the container's resource usage as JSON, once (--stats) or
 * as a stream of periodic stats and OOM notifications, like runc:
 *   {"type":"stats","id":"ID","data":{...}}
 *   {"type":"oom","id":"ID"}
 * The stream ends when the container stops. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/cgroup_internal.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/internal.h"
#include "brig/json.h"
#include "brig/state.h"

#define USAGE "[--stats] [--interval DURATION] ID"

/* Whether the container is alive, and its cgroup path (caller frees).
 * The state lock is held only for this look: never across the stream. */
static int look(const char *id, char **path)
{
    struct brig_container *ct;
    if (brig_container_open(id, LOCK_SH, &ct) < 0)
        return -1;
    enum brig_status st = brig_container_status(ct);
    int r = 0;
    if (st == BRIG_STOPPED || st == BRIG_CREATING)
        r = brig_fail(0, "container not running: %s", id);
    else if (!ct->state.cgroup_path)
        r = brig_fail(0, "container %s has no cgroup", id);
    else if (path)
        *path = brig_xstrdup(ct->state.cgroup_path);
    brig_container_close(ct);
    return r;
}

/* One event a line; "stats" carries the cgroup's (PATH) as "data". */
static int emit(const char *type, const char *id, const char *path)
{
    yajl_gen g = brig_json_gen_new(false);
    if (!g)
        return brig_fail(ENOMEM, "events");
    yajl_gen_map_open(g);
    brig_json_key_str(g, "type", type);
    brig_json_key_str(g, "id", id);
    if (path) {
        brig_json_key(g, "data");
        if (brig_cgroup_stats_gen(path, g) < 0) {
            yajl_gen_free(g);
            return -1;
        }
    }
    yajl_gen_map_close(g);
    cleanup_free char *line = brig_json_gen_finish(g);
    if (!line)
        return brig_fail(ENOMEM, "events");
    if (printf("%s\n", line) < 0 || fflush(stdout) != 0)
        return brig_fail(errno, "write events");
    return 0;
}

static int stats_once(const char *id, const char *path)
{
    return emit("stats", id, path);
}

int cmd_events(int argc, char **argv)
{
    static const struct option opts[] = {
        {"stats", no_argument, NULL, 's'},
        {"interval", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool once = false;
    uint64_t interval_ms = 5000;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': once = true; break;
        case 'i':
            if (!brig_cg_parse_duration_ms(optarg, &interval_ms) || interval_ms == 0) {
                brig_fail(0, "invalid --interval \"%s\" (want a duration such as 5s or 500ms)", optarg);
                return brig_report_error();
            }
            break;
        case 'h':
            return brig_cmd_help(USAGE, "Print the container's stats and events as JSON lines.\n"
                                        "  --stats            print the stats once and exit\n"
                                        "  --interval DURATION  stats period (default 5s)\n");
        default:
            brig_fail(0, "unknown option %s", argv[optind - 1]);
            return brig_report_error();
        }
    }
    const char *id = brig_cmd_one_id(argc, argv, USAGE);
    cleanup_free char *path = NULL;
    if (!id || look(id, &path) < 0)
        return brig_report_error();
    if (once)
        return stats_once(id, path) < 0 ? brig_report_error() : 0;

    signal(SIGPIPE, SIG_IGN);
    struct brig_cgroup_oom *oom = brig_cgroup_oom_open(path);
    if (!oom) {
        brig_debug("events: %s", brig_last_error());
        brig_clear_error();
    }
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    int ret = 0;
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t left = (int64_t)(next.tv_sec - now.tv_sec) * 1000 + (next.tv_nsec - now.tv_nsec) / 1000000;
        if (left <= 0) {
            if (look(id, NULL) < 0) {
                brig_clear_error();
                break; /* stopped or deleted: the stream is over */
            }
            if (stats_once(id, path) < 0) {
                ret = -1;
                break;
            }
            next.tv_sec += (time_t)(interval_ms / 1000);
            next.tv_nsec += (long)(interval_ms % 1000) * 1000000L;
            if (next.tv_nsec >= 1000000000L) {
                next.tv_sec++;
                next.tv_nsec -= 1000000000L;
            }
            /* Where stats take the whole interval (an emulated or loaded
             * host) the loop would only ever do stats: look at the OOM
             * events without waiting before the next ones. */
            left = 0;
        }
        /* wake at least once a second to notice a stopped container */
        int timeout = left > 1000 ? 1000 : (int)left;
        struct pollfd pfd = { .fd = brig_cgroup_oom_fd(oom), .events = POLLIN };
        int pr = poll(&pfd, oom ? 1 : 0, timeout);
        if (pr < 0 && errno != EINTR) {
            ret = brig_fail(errno, "poll");
            break;
        }
        if (pr > 0 && (pfd.revents & POLLIN)) {
            int n = brig_cgroup_oom_read(oom);
            if (n < 0) {
                brig_clear_error();
                break; /* the cgroup is gone */
            }
            for (int i = 0; i < n && ret == 0; i++)
                ret = emit("oom", id, NULL);
            if (ret < 0)
                break;
        }
        if (timeout < left && look(id, NULL) < 0) {
            brig_clear_error();
            break;
        }
    }
    brig_cgroup_oom_close(oom);
    return ret < 0 ? brig_report_error() : 0;
}
