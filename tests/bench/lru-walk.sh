#!/bin/bash
# What the node pays, in the kernel's workers, each time a container's
# memory cgroup is removed while N others run.  Root, perf; not part of
# make check.
#
#   tests/bench/lru-walk.sh [-n N] [-r RUNS] BRIG [BRIG...]
#
# Removing a memory cgroup makes the kernel walk every memcg-aware LRU
# list on the host (memcg_reparent_list_lrus, in a kworker, holding the
# cgroup mutex that every cgroup mkdir, attach and rmdir then waits for).
# Every superblock has two such lists: a container's proc, sysfs, /dev,
# devpts, /dev/shm, mqueue and masking tmpfs mounts.  For each BRIG in
# turn (two rounds, interleaved): N sleeping containers made by that BRIG,
# then RUNS `run /bin/true` by the first BRIG, recorded host-wide with
# `perf record -a -F 1000` (a sample is 1 ms of CPU); printed: the kworker
# CPU per run inside that walk and the superblocks one sleeping container
# has mounted.  The walk is noisy (±15% between rounds here): compare
# several rounds, in both orders.  Environment: BRIG_TEST_CACHE (the
# busybox rootfs cache of tests/lib/mkbundle.sh).
set -eu
N=500 RUNS=100
while getopts n:r: o; do
    case $o in
        n) N=$OPTARG ;;
        r) RUNS=$OPTARG ;;
        *) echo "usage: $0 [-n N] [-r RUNS] BRIG [BRIG...]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-n N] [-r RUNS] BRIG [BRIG...]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "lru-walk: run as root" >&2; exit 2; }
command -v perf >/dev/null || { echo "lru-walk: needs perf (apt-get install linux-perf)" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
: "${BRIG_TEST_CACHE:=$src/tests/.work}"
export BRIG_TEST_CACHE

tmp=$(mktemp -d /tmp/brig-lru-walk.XXXXXX)
bins=()
for b in "$@"; do
    [ -x "$b" ] || { echo "lru-walk: $b is not executable" >&2; exit 2; }
    bins+=("$tmp/$(basename "$b")-${#bins[@]}")
    cp "$b" "${bins[-1]}"
done
cleanup() {
    local b r
    for b in "${bins[@]}"; do
        r=$tmp/root-$(basename "$b")
        [ -d "$r" ] || continue
        "$b" --root "$r" list -q 2>/dev/null | xargs -r -n1 "$b" --root "$r" delete --force
    done
    rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT

"$src/tests/lib/mkbundle.sh" "$tmp/true" >/dev/null
"$src/tests/lib/mkbundle.sh" "$tmp/sleep" >/dev/null
jq '.process.args = ["/bin/true"]' "$tmp/true/config.json" >"$tmp/c" && mv "$tmp/c" "$tmp/true/config.json"
jq '.process.args = ["/bin/sleep", "100000"]' "$tmp/sleep/config.json" >"$tmp/c" &&
    mv "$tmp/c" "$tmp/sleep/config.json"

# superblocks mounted in a container: distinct devices in its mountinfo
# that the host's does not have
superblocks() {
    local pid=$1
    comm -13 <(awk '{print $3}' /proc/self/mountinfo | sort -u) \
        <(awk '{print $3}' "/proc/$pid/mountinfo" | sort -u) | wc -l
}

runner=${bins[0]}
for round in 1 2; do
    for b in "${bins[@]}"; do
        r=$tmp/root-$(basename "$b")
        for i in $(seq "$N"); do
            "$b" --root "$r" run -d --bundle "$tmp/sleep" "s$i" </dev/null >/dev/null
        done
        pid=$("$b" --root "$r" state s1 | jq -r .pid)
        sb=$(superblocks "$pid")
        # shellcheck disable=SC2016 # the inner script's own variables
        perf record -q -a -F 1000 -o "$tmp/perf.data" -- sh -c '
            i=0
            while [ $i -lt "$2" ]; do
                "$1" --root "$3" run --bundle "$4" "r$i" || exit 1
                i=$((i + 1))
            done
            sleep 2' sh "$runner" "$RUNS" "$tmp/runs" "$tmp/true" >/dev/null 2>&1
        perf report -i "$tmp/perf.data" --no-children --sort comm,sym -q -n 2>/dev/null |
            awk -v runs="$RUNS" -v who="$(basename "$b" | sed 's/-[0-9]*$//')" -v n="$N" -v sb="$sb" -v round="$round" '
                $3 ~ /^kworker/ && $5 ~ /^(memcg_reparent_list_lrus|xa_load|xas_load|xas_start)$/ { walk += $2 }
                END { printf "round %d  sleepers by %-12s %d (%d superblocks each): walk %.2f ms per run\n",
                             round, who, n, sb, walk / runs }'
        "$b" --root "$r" list -q | xargs -r -n1 "$b" --root "$r" delete --force
    done
done
