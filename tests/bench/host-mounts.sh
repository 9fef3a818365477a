#!/bin/bash
# What one `run /bin/true` costs as the host's mount table grows.  Root; not
# part of make check.
#
#   tests/bench/host-mounts.sh [-r RUNS] [-l "0 250 500 1000"] NAME=RUNTIME...
#
# A node keeps a few mounts per pod (its containers' root filesystems, its
# /dev/shm, its secrets and service-account tmpfs, its network namespace),
# so a 250-pod node has a thousand or more.  Whatever a runtime does per
# host mount is paid on every create.  For each level, in a mount namespace
# of the script's own (the host's table is never touched), that many extra
# tmpfs mounts are made and then RUNS runs of each runtime, interleaved, are
# measured: the CPU of the runtime's process tree (wait4's rusage), median.
# Printed: the medians per level and, per runtime, what each extra mount
# added (us).  crun 1.8 refuses a hybrid host without a v1 hugetlb
# hierarchy (tests/bench/scale mounts one for the time it runs).
# Environment: BRIG_TEST_CACHE (the busybox rootfs cache of
# tests/lib/mkbundle.sh).
set -eu
RUNS=60 LEVELS="0 250 500 1000"
usage() { echo "usage: $0 [-r RUNS] [-l LEVELS] NAME=RUNTIME..." >&2; exit 2; }
while getopts r:l: o; do
    case $o in
        r) RUNS=$OPTARG ;;
        l) LEVELS=$OPTARG ;;
        *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
[ "$(id -u)" = 0 ] || { echo "host-mounts: run as root" >&2; exit 2; }
if [ "${HOST_MOUNTS_INNER:-}" != 1 ]; then
    exec env HOST_MOUNTS_INNER=1 unshare -m --propagation private "$0" -r "$RUNS" -l "$LEVELS" "$@"
fi

# From here on: in the script's own mount namespace.
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
: "${BRIG_TEST_CACHE:=$src/tests/.work}"
export BRIG_TEST_CACHE
tmp=$(mktemp -d /tmp/brig-host-mounts.XXXXXX)
mount -t tmpfs -o mode=0700 tmpfs "$tmp"
trap 'umount -l "$tmp"; rmdir "$tmp"' EXIT
"$src/tests/lib/mkbundle.sh" "$tmp/b" >/dev/null
jq '.process.args = ["/bin/true"]' "$tmp/b/config.json" >"$tmp/c" && mv "$tmp/c" "$tmp/b/config.json"

python3 - "$tmp" "$RUNS" "$LEVELS" "$@" <<'EOF'
import os, resource, statistics, subprocess, sys
tmp, runs, levels = sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3].split()]
rts = [a.split("=", 1) for a in sys.argv[4:]]
made = 0
res = {}
for lv in levels:
    while made < lv:
        d = "%s/m/%d" % (tmp, made)
        os.makedirs(d)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "hm", d], check=True)
        made += 1
    with open("/proc/self/mountinfo") as f:
        mounts = sum(1 for _ in f)
    cpu = {n: [] for n, _ in rts}
    for i in range(runs):
        for n, rt in (rts if i % 2 == 0 else rts[::-1]):
            root = "%s/root-%s" % (tmp, n)
            os.makedirs(root, exist_ok=True)
            a = resource.getrusage(resource.RUSAGE_CHILDREN)
            p = subprocess.run([rt, "--root", root, "run", "-b", tmp + "/b", "hm%d-%d" % (lv, i)],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            b = resource.getrusage(resource.RUSAGE_CHILDREN)
            if p.returncode:
                sys.exit("%s failed: %s" % (n, p.stderr.decode(errors="replace").strip()))
            cpu[n].append((b.ru_utime + b.ru_stime - a.ru_utime - a.ru_stime) * 1e3)
    res[lv] = (mounts, {n: statistics.median(v) for n, v in cpu.items()})
    print("%5d extra mounts (%d in all): %s" % (lv, mounts, "  ".join(
        "%s %.2f ms" % (n, res[lv][1][n]) for n, _ in rts)), flush=True)
lo, hi = levels[0], levels[-1]
if hi > lo:
    for n, _ in rts:
        a, b = res[lo][1][n], res[hi][1][n]
        print("%-12s %.2f -> %.2f ms: %.1f us a host mount, x%.2f" % (n, a, b, (b - a) * 1e3 / (hi - lo), b / a))
EOF
