/* brig update: change the resource limits of a running container, from
 * flags (runc's set) or from a linux.resources JSON object (-r FILE|-). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/cgroup_internal.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/oci.h"
#include "brig/internal.h"
#include "brig/state.h"

#define USAGE "[OPTIONS] ID  |  -r FILE|- ID"

static const char help_text[] =
    "Update the resource limits of a running container.\n"
    "  -r, --resources FILE     a linux.resources JSON object (\"-\": stdin); other options are ignored\n"
    "  --memory SIZE            memory limit (64m, 1g, -1 for none)\n"
    "  --memory-reservation SIZE  soft memory limit\n"
    "  --memory-swap SIZE       memory+swap limit (-1 for none)\n"
    "  --kernel-memory SIZE     kernel memory limit (v1 only, deprecated)\n"
    "  --kernel-memory-tcp SIZE kernel TCP buffer limit (v1 only, deprecated)\n"
    "  --cpu-shares N           CPU shares (also --cpu-share)\n"
    "  --cpu-quota N            CFS quota in microseconds per period (-1 for none)\n"
    "  --cpu-period N           CFS period in microseconds\n"
    "  --cpu-burst N            CFS burst in microseconds\n"
    "  --cpu-rt-period N        realtime period in microseconds (v1 only)\n"
    "  --cpu-rt-runtime N       realtime runtime in microseconds (v1 only)\n"
    "  --cpuset-cpus LIST       CPUs to run on (0-3,7)\n"
    "  --cpuset-mems LIST       memory nodes to use\n"
    "  --pids-limit N           maximum number of tasks (-1 for none)\n"
    "  --blkio-weight N         block IO weight (10..1000)\n"
    "  --l3-cache-schema S, --mem-bw-schema S  Intel RDT: not supported (an error)\n";

enum {
    O_MEMORY = 256, O_MEMRES, O_MEMSWAP, O_KMEM, O_KMEMTCP, O_SHARES, O_QUOTA, O_PERIOD,
    O_BURST, O_RTPERIOD, O_RTRUNTIME, O_CPUS, O_MEMS, O_PIDS, O_BLKIO, O_L3, O_MBA,
};

static int bad_value(const char *opt, const char *v)
{
    brig_fail(0, "invalid value \"%s\" for --%s", v, opt);
    return -1;
}

static int set_i64(const char *opt, const char *v, bool size, brig_opt_i64 *dst)
{
    int64_t n;
    if (size) {
        if (!brig_cg_parse_size(v, &n))
            return bad_value(opt, v);
    } else {
        char *end;
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (errno || end == v || *end)
            return bad_value(opt, v);
        n = x;
    }
    dst->set = true;
    dst->v = n;
    return 0;
}

static int set_u64(const char *opt, const char *v, brig_opt_u64 *dst)
{
    uint64_t n;
    if (!brig_parse_u64(v, &n))
        return bad_value(opt, v);
    dst->set = true;
    dst->v = n;
    return 0;
}

static int read_resources(const char *file, struct brig_resources **out)
{
    char *text = NULL;
    size_t len = 0;
    /* runc's "-": the resources JSON on stdin (a pipe: no size to trust) */
    if (strcmp(file, "-") == 0) {
        if (brig_read_input_fd(STDIN_FILENO, "resources from stdin", BRIG_INPUT_MAX, &text, &len) < 0)
            return -1;
    } else if (brig_read_input(file, &text, &len) < 0) {
        return brig_fail_ctx("--resources");
    }
    int r = brig_resources_parse(text, len, out);
    free(text);
    return r;
}

int cmd_update(int argc, char **argv)
{
    static const struct option opts[] = {
        {"resources", required_argument, NULL, 'r'},
        {"memory", required_argument, NULL, O_MEMORY},
        {"memory-reservation", required_argument, NULL, O_MEMRES},
        {"memory-swap", required_argument, NULL, O_MEMSWAP},
        {"kernel-memory", required_argument, NULL, O_KMEM},
        {"kernel-memory-tcp", required_argument, NULL, O_KMEMTCP},
        {"cpu-shares", required_argument, NULL, O_SHARES},
        {"cpu-share", required_argument, NULL, O_SHARES},
        {"cpu-quota", required_argument, NULL, O_QUOTA},
        {"cpu-period", required_argument, NULL, O_PERIOD},
        {"cpu-burst", required_argument, NULL, O_BURST},
        {"cpu-rt-period", required_argument, NULL, O_RTPERIOD},
        {"cpu-rt-runtime", required_argument, NULL, O_RTRUNTIME},
        {"cpuset-cpus", required_argument, NULL, O_CPUS},
        {"cpuset-mems", required_argument, NULL, O_MEMS},
        {"pids-limit", required_argument, NULL, O_PIDS},
        {"blkio-weight", required_argument, NULL, O_BLKIO},
        {"l3-cache-schema", required_argument, NULL, O_L3},
        {"mem-bw-schema", required_argument, NULL, O_MBA},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct brig_resources *res = brig_xcalloc(1, sizeof *res);
    struct brig_memory *m = brig_xcalloc(1, sizeof *m);
    struct brig_cpu *cpu = brig_xcalloc(1, sizeof *cpu);
    struct brig_blkio *blk = brig_xcalloc(1, sizeof *blk);
    res->memory = m;
    res->cpu = cpu;
    res->block_io = blk;
    const char *file = NULL;
    int c, r = 0, ret = 1;
    while (r == 0 && (c = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            brig_resources_free(res);
            return brig_cmd_help(USAGE, help_text);
        case 'r': file = optarg; break;
        case O_MEMORY: r = set_i64("memory", optarg, true, &m->limit); break;
        case O_MEMRES: r = set_i64("memory-reservation", optarg, true, &m->reservation); break;
        case O_MEMSWAP: r = set_i64("memory-swap", optarg, true, &m->swap); break;
        case O_KMEM: r = set_i64("kernel-memory", optarg, true, &m->kernel); break;
        case O_KMEMTCP: r = set_i64("kernel-memory-tcp", optarg, true, &m->kernel_tcp); break;
        case O_SHARES: r = set_u64("cpu-shares", optarg, &cpu->shares); break;
        case O_QUOTA: r = set_i64("cpu-quota", optarg, false, &cpu->quota); break;
        case O_PERIOD: r = set_u64("cpu-period", optarg, &cpu->period); break;
        case O_BURST: r = set_u64("cpu-burst", optarg, &cpu->burst); break;
        case O_RTPERIOD: r = set_u64("cpu-rt-period", optarg, &cpu->realtime_period); break;
        case O_RTRUNTIME: r = set_i64("cpu-rt-runtime", optarg, false, &cpu->realtime_runtime); break;
        case O_CPUS: free(cpu->cpus); cpu->cpus = brig_xstrdup(optarg); break;
        case O_MEMS: free(cpu->mems); cpu->mems = brig_xstrdup(optarg); break;
        case O_PIDS: r = set_i64("pids-limit", optarg, false, &res->pids_limit); break;
        case O_BLKIO: {
            uint64_t w;
            if (!brig_parse_u64(optarg, &w) || w < 10 || w > 1000)
                r = bad_value("blkio-weight", optarg);
            else {
                blk->weight.set = true;
                blk->weight.v = (uint32_t)w;
            }
            break;
        }
        case O_L3:
        case O_MBA:
            r = brig_fail(0, "Intel RDT (--l3-cache-schema, --mem-bw-schema) is not supported");
            break;
        default:
            r = brig_fail(0, "unknown option %s", argv[optind - 1]);
        }
    }
    const char *id = r == 0 ? brig_cmd_one_id(argc, argv, USAGE) : NULL;
    if (!id)
        goto out;
    if (file) {
        /* -r replaces every flag, as in runc */
        brig_resources_free(res);
        res = NULL;
        if (read_resources(file, &res) < 0)
            goto out;
    }
    /* As in runc (whose -r template is all zeros), 0 leaves a limit as it
     * is; the cgroup code treats 0 memory and CPU values the same way. */
    if (res->pids_limit.set && res->pids_limit.v == 0)
        res->pids_limit.set = false;

    struct brig_container *ct;
    if (brig_container_open(id, LOCK_EX, &ct) < 0)
        goto out;
    enum brig_status st = brig_container_status(ct);
    if (st == BRIG_STOPPED || st == BRIG_CREATING)
        brig_fail(0, "container not running: %s", id);
    else if (!ct->state.cgroup_path)
        brig_fail(0, "container %s has no cgroup", id);
    else if (brig_cgroup_update(ct->state.cgroup_path, res) == 0)
        ret = 0;
    brig_container_close(ct);
out:
    brig_resources_free(res);
    return ret == 0 ? 0 : brig_report_error();
}
