#!/bin/bash
# The cost of brig run --seccomp-learn: the same busybox loop run plain and
# learning, interleaved, medians of wall time.  Root; not part of make check.
#
#   tests/bench/learn-bench.sh [ROUNDS] [ITERATIONS]     (default 7 2000)
#
# Every iteration of the loop makes a handful of system calls that the
# learning filter sends to the learner ([ -e ] stats a file, the
# redirection opens, dups and closes; the write itself goes unseen); a
# second workload forks and executes /bin/true ITERATIONS/10 times.  The
# learner's own count of the calls it answered (its --debug line) gives the
# cost per call.  Environment: BRIG (default ./brig of the build tree),
# BRIG_TEST_CACHE (the busybox rootfs cache of tests/lib/mkbundle.sh).
set -eu
ROUNDS=${1:-7}
ITER=${2:-2000}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
BRIG=${BRIG:-$src/brig}
: "${BRIG_TEST_CACHE:=$src/tests/.work}"
export BRIG_TEST_CACHE
[ "$(id -u)" = 0 ] || { echo "learn-bench: run as root" >&2; exit 2; }
[ -x "$BRIG" ] || { echo "learn-bench: $BRIG is not built" >&2; exit 2; }

tmp=$(mktemp -d /tmp/brig-learn-bench.XXXXXX)
trap 'rm -rf --one-file-system "$tmp"' EXIT
cp "$BRIG" "$tmp/brig"
"$src/tests/lib/mkbundle.sh" "$tmp/b" >/dev/null
root=$tmp/root

# shellcheck disable=SC2034 # read through ${!w}
loop="i=0; while [ \$i -lt $ITER ]; do [ -e /etc/hostname ]; echo x >/dev/null; i=\$((i+1)); done"
# shellcheck disable=SC2034
forks="i=0; while [ \$i -lt $((ITER / 10)) ]; do /bin/true; i=\$((i+1)); done"

now() { date +%s%N; }

# one MODE WORKLOAD: the wall time of one brig run, in microseconds
one() {
    local mode=$1 script=$2 t0 t1 n=$((seq++))
    jq --arg s "$script" '.process.args = ["sh", "-c", $s]' "$tmp/b/config.json" >"$tmp/c" && mv "$tmp/c" "$tmp/b/config.json"
    rm -f "$tmp/p.json"
    t0=$(now)
    if [ "$mode" = learn ]; then
        "$tmp/brig" --root "$root" --debug --log "$tmp/log" run --seccomp-learn "$tmp/p.json" --bundle "$tmp/b" "lb$$-$n" >/dev/null 2>&1
    else
        "$tmp/brig" --root "$root" run --bundle "$tmp/b" "lb$$-$n" >/dev/null 2>&1
    fi
    t1=$(now)
    echo $(((t1 - t0) / 1000))
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

seq=0
declare -A res
for w in loop forks; do
    script=${!w}
    : >"$tmp/$w.plain" && : >"$tmp/$w.learn"
    : >"$tmp/log"
    for ((r = 0; r < ROUNDS; r++)); do
        # alternate the order: load from elsewhere hits both alike
        if ((r % 2)); then
            one learn "$script" >>"$tmp/$w.learn"
            one plain "$script" >>"$tmp/$w.plain"
        else
            one plain "$script" >>"$tmp/$w.plain"
            one learn "$script" >>"$tmp/$w.learn"
        fi
    done
    res[$w.plain]=$(median <"$tmp/$w.plain")
    res[$w.learn]=$(median <"$tmp/$w.learn")
    res[$w.calls]=$(sed -n 's/.*seccomp-learn: \([0-9]*\) calls answered.*/\1/p' "$tmp/log" | median)
    res[$w.names]=$(jq '.syscalls[0].names | length' "$tmp/p.json")
done

echo "## learn-bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "- brig: $("$tmp/brig" --version | head -n 1); source tree at $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "- kernel $(uname -r), $(nproc) CPUs; $ROUNDS rounds, plain and learn interleaved; medians of brig run's wall time"
echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| workload | plain ms | learn ms | learn ÷ plain | calls sent to the learner | µs per call | names learned |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for w in loop forks; do
    p=${res[$w.plain]} l=${res[$w.learn]} c=${res[$w.calls]}
    case $w in
        loop) what="$ITER × ([ -e FILE ]; echo x >/dev/null)" ;;
        forks) what="$((ITER / 10)) × /bin/true (fork + exec)" ;;
    esac
    awk -v w="$what" -v p="$p" -v l="$l" -v c="$c" -v n="${res[$w.names]}" 'BEGIN {
        printf "| %s | %.1f | %.1f | %.2f | %d | %.1f | %d |\n", w, p / 1000, l / 1000, l / p, c, (c > 0 ? (l - p) / c : 0), n }'
done
