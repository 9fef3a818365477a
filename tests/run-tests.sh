#!/bin/bash
# Runs brig's whole test suite: the unit test binaries and every test of
# tests/integration/*.sh (as root; skipped otherwise), several at a time.
#
# usage: tests/run-tests.sh [-v] [-k] [-j N] [FILTER...]
#   FILTER   run only the tests whose "FILE:TEST" name contains one of the
#            FILTERs, e.g. "lifecycle", "cli.sh:test_version", "unit"
#   -j N     run N tests at a time (default $BRIG_TEST_JOBS, else the
#            number of CPUs); -j 1 runs them one after another
#   -v       show the output of passing tests too
#   -k       keep the scratch dirs (bundles, --root dirs) for inspection
#
# Environment: BRIG (runtime to test, default ./brig; BRIG=runc validates the
# tests against runc), BRIG_BUILDDIR, BRIG_TEST_JOBS, BRIG_TEST_TIMEOUT
# (seconds per test, default 60).  The last line printed is always "N
# passed, N failed, N skipped"; the exit status is 1 when anything failed.
#
# Every test runs in its own bash process with its own bundle, --root and
# container IDs (tests/lib/exec-test.sh), so tests run side by side; what a
# test leaves behind (state, processes, cgroups, mounts) is checked after it
# ends, by its own IDs, dirs and processes only.  Results come in a fixed
# order (unit tests, then the files and tests as written, serial ones
# last), each once every test before it is done, with the log of each
# failure.
#
# A test that cannot share the host with others (it changes or looks at
# host-wide settings or state, or measures time) is marked with a comment
# line "# serial: WHY" right above its function, or a whole file with a
# line "# serial-file: WHY"; marked tests run alone, after all others.
# shellcheck source=/dev/null

set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

verbose=0 keep=0 jobs=${BRIG_TEST_JOBS:-}
filters=()
while [ $# -gt 0 ]; do
    case $1 in
        -v) verbose=1 ;;
        -k) keep=1 ;;
        -j) jobs=${2:-}; shift ;;
        -j*) jobs=${1#-j} ;;
        --jobs=*) jobs=${1#--jobs=} ;;
        -h | --help) sed -n '2,29s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) echo "run-tests.sh: unknown option $1" >&2; exit 2 ;;
        *) filters+=("$1") ;;
    esac
    shift
done
[ -n "$jobs" ] || jobs=$(nproc 2>/dev/null || echo 1)
if ! [[ $jobs =~ ^[0-9]+$ ]] || [ "$jobs" -lt 1 ]; then
    echo "run-tests.sh: -j needs a number of jobs of 1 or more, not '$jobs'" >&2
    exit 2
fi

# A hang is caught either way; 180 s leaves room for the tests that loop
# over a corpus on a loaded 2-core machine.
: "${BRIG_TEST_TIMEOUT:=180}"
npass=0 nfail=0 nskip=0
failed_names=()

selected() {
    local f
    [ ${#filters[@]} -eq 0 ] && return 0
    for f in "${filters[@]}"; do
        [[ $1 == *"$f"* ]] && return 0
    done
    return 1
}

indent() { sed 's/^/      /'; }

# report RESULT NAME SECONDS [NOTE]
report() {
    printf '%-5s %-56s %6ss%s\n' "$1" "$2" "$3" "${4:+  ($4)}"
}

elapsed() { # START-NS
    local ns=$(($(date +%s%N) - $1))
    printf '%d.%02d' $((ns / 1000000000)) $((ns / 10000000 % 100))
}

# --- the list of tests -------------------------------------------------------
# Item i: kind (unit, test, or "skip"/"fail" when it cannot run), name,
# file, test function, serial (1: run alone).
kind=() name=() file=() func=() serial=()

add_item() { # KIND NAME FILE FUNC SERIAL
    kind+=("$1") name+=("$2") file+=("$3") func+=("$4") serial+=("$5")
}

# "TEST SERIAL" for each test_* function of FILE, in the order they are
# defined; SERIAL is 1 under a "# serial" comment or in a "# serial-file".
list_tests() {
    local f=$1 defs
    defs=$(bash -c '
        . "$1" >/dev/null 2>&1 || exit 1
        shopt -s extdebug
        for f in $(declare -F | awk "{print \$3}" | grep "^test_"); do
            declare -F "$f"
        done
    ' _ "$f") || return 1
    [ -n "$defs" ] || return 0
    sort -k2 -n <<<"$defs" | awk '
        FNR == NR { line[FNR] = $0; if ($0 ~ /^# *serial-file([ :]|$)/) all = 1; next }
        { print $1, (all || line[$2 - 1] ~ /^# *serial([ :]|$)/) ? 1 : 0 }
    ' "$f" -
}

collect_unit_tests() {
    local bin n
    for bin in "$BRIG_BUILDDIR"/tests/unit/test_*; do
        case $bin in *.c | *.h | *.o | *.log | *.trs) continue ;; esac
        [ -f "$bin" ] && [ -x "$bin" ] || continue
        n=unit:$(basename "$bin")
        selected "$n" || continue
        add_item unit "$n" "$bin" "" 0
    done
}

can_run=1 reason=
collect_integration_tests() {
    local f base t s tests k
    local serial_items=()
    for f in "$TESTS_DIR"/integration/*.sh; do
        [ -e "$f" ] || continue
        base=$(basename "$f")
        if ! tests=$(list_tests "$f"); then
            selected "$base" && add_item fail "$base" "$f" "" 0
            continue
        fi
        while read -r t s; do
            [ -n "$t" ] || continue
            selected "$base:$t" || continue
            k="test"
            [ $can_run -eq 1 ] || k=$([ $can_run -eq 0 ] && echo skip || echo fail)
            if [ "$s" = 1 ] && [ "$k" = test ]; then
                serial_items+=("$base:$t:$f")
            else
                add_item "$k" "$base:$t" "$f" "$t" 0
            fi
        done <<<"$tests"
    done
    # Serial tests last: they run once everything else is done.
    for s in "${serial_items[@]}"; do
        f=${s#*:*:} t=${s#*:} t=${t%%:*}
        add_item test "$(basename "$f"):$t" "$f" "$t" 1
    done
}

# --- running one item (in a background subshell) ---------------------------
# Each writes $RUN_TMP/I.res: RESULT SECONDS NOTE PASSED FAILED SKIPPED
# separated by US characters, and its output to $RUN_TMP/I.log.
US=$'\x1f'

write_result() { # I RESULT SECONDS NOTE [P F S]
    printf '%s\n' "$2$US$3$US$4$US${5:-}$US${6:-}$US${7:-}" >"$RUN_TMP/$1.res"
}

# run_bg CMD...: CMD in the background, waiting for it so that a TERM to
# this worker (the runner interrupted) reaches it at once; $rc its status,
# $stopped 1 when stopped so.
run_bg() {
    local child
    [ "$stopped" = 0 ] || { rc=143; return; }
    "$@" &
    child=$!
    trap 'stopped=1; kill -TERM "$child" 2>/dev/null' TERM
    while :; do
        wait "$child"
        rc=$?
        # wait returns early when the trap runs; the child may still run.
        kill -0 "$child" 2>/dev/null || break
    done
    trap 'stopped=1' TERM
}

run_unit() { # I
    local i=$1 bin=${file[$1]} log=$RUN_TMP/$1.log t0 last p f s=0 rc stopped=0
    trap 'stopped=1' TERM
    t0=$(date +%s%N)
    run_bg env -C "$BRIG_BUILDDIR" BRIG_SRCDIR="$SRC_DIR" timeout -k 5 300 "$bin" >"$log" 2>&1 </dev/null
    last=$(tail -n 1 "$log")
    if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)? ]]; then
        p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[4]:-0}
    else
        p=0 f=1
        echo "(no \"N passed, N failed\" line; exit status $rc)" >>"$log"
    fi
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "(exit status $rc)" >>"$log"
    fi
    local note="$p passed"
    [ "$s" -eq 0 ] || note+=", $s skipped"
    if [ "$f" -eq 0 ]; then
        write_result "$i" ok "$(elapsed "$t0")" "$note" "$p" 0 "$s"
    else
        write_result "$i" FAIL "$(elapsed "$t0")" "$note, $f failed" "$p" "$f" "$s"
    fi
}

# "PID STARTTIME" of the process recorded in a container's state.json
# (brig: pid, pidStartTime; runc: init_process_pid, init_process_start);
# STARTTIME is 0 when unknown.
state_pid() {
    jq -r '(.pid // .init_process_pid // empty | tostring) + " " +
           (.pidStartTime // .init_process_start // 0 | tostring)' "$1/state.json" 2>/dev/null
}

# proc_is PID STARTTIME: PID runs (not a zombie) and is that process, not
# a later one with the same pid (STARTTIME 0: any).
proc_is() {
    local st
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
    set -- "$1" "$2" $st
    [ "$3" != Z ] && [ "$3" != X ] || return 1
    [ "$2" = 0 ] || [ "${22}" = "$2" ]
}

# The processes still running with TEST_UNIQ=UNIQ in their environment: what
# a test started (not what other tests or programs run).  Containers get the
# environment of their config, so this finds the test's own shells, holders
# and brig processes, not container processes (state_pid finds those).
tagged_procs() { # UNIQ
    local f pid
    for f in $(grep -lsxzF "TEST_UNIQ=$1" /proc/[0-9]*/environ); do
        pid=${f#/proc/} pid=${pid%/environ}
        [ "$pid" != $BASHPID ] && echo "$pid"
    done
}

# After a test: delete --force whatever it left, and fail it (by printing to
# its log and returning 1) when that does not clean up completely.  Only the
# test's own containers, cgroups (by its IDs), mounts (under its dir) and
# processes (by its TEST_UNIQ) are looked at: other tests run meanwhile.
cleanup_test() {
    local tdir=$1 log=$2 uniq=$3 root=$1/root d id pid leak=0 m
    local ids=() pids=()
    for d in "$root"/*/; do
        [ -d "$d" ] || continue
        id=$(basename "$d")
        ids+=("$id")
        pid=$(state_pid "$d")
        [ -n "${pid%% *}" ] && pids+=("$pid")
        timeout -k 2 10 "$BRIG" --root "$root" delete --force "$id" >>"$log" 2>&1
    done
    for d in "$root"/*/; do
        [ -d "$d" ] || continue
        echo "cleanup: 'delete --force $(basename "$d")' left $d behind" >>"$log"
        leak=1
        rm -rf "$d"
    done
    # (by pid and start time: the pid of a container that ended long ago
    # may be another program's by now)
    for pid in "${pids[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            proc_is $pid || break
            sleep 0.1
        done
        if proc_is $pid; then
            echo "cleanup: container process ${pid% *} still running after delete --force; killed" >>"$log"
            kill -9 "${pid% *}" 2>/dev/null
            leak=1
        fi
    done
    # Every ID the test made (new_id), not only those with state left: a
    # delete that removed the state but not the cgroup is a leak too.
    if [ -f "$tdir/.ids" ]; then
        while read -r id; do ids+=("$id"); done <"$tdir/.ids"
    fi
    for id in $(printf '%s\n' "${ids[@]}" | sort -u); do
        for d in /sys/fs/cgroup/*/brig/"$id" /sys/fs/cgroup/*/"$id" \
            /sys/fs/cgroup/brig/"$id" /sys/fs/cgroup/"$id"; do
            [ -d "$d" ] || continue
            echo "cleanup: cgroup $d left behind after delete --force" >>"$log"
            # Its processes first: a cgroup with members cannot be removed.
            xargs -r kill -9 <"$d/cgroup.procs" 2>/dev/null
            for _ in 1 2 3 4 5 6 7 8 9 10; do
                rmdir "$d" 2>/dev/null && break
                sleep 0.1
            done
            leak=1
        done
    done
    # Processes the test started and left (orphans, holders, brig itself).
    local left
    for _ in $(seq 20); do
        left=$(tagged_procs "$uniq")
        [ -n "$left" ] || break
        sleep 0.1
    done
    for pid in $left; do
        echo "cleanup: process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)) left running by the test; killed" >>"$log"
        kill -9 "$pid" 2>/dev/null
        leak=1
    done
    # Mounts a test made on the host (deepest first); not counted as a leak:
    # a container without a mount namespace mounts on the host.
    while read -r m; do
        umount -l "$m" 2>/dev/null
    done < <(awk -v p="$tdir/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r)
    [ $keep -eq 1 ] || rm -rf --one-file-system "$tdir"
    return $leak
}

run_test() { # I
    local i=$1 tdir=$RUN_TMP/$1 log=$RUN_TMP/$1.log uniq=$RUN_TAG-$1
    local t0 rc stopped=0 why note result
    trap 'stopped=1' TERM
    mkdir -p "$tdir/root"
    t0=$(date +%s%N)
    run_bg env ROOT="$tdir/root" TDIR="$tdir" TEST_UNIQ="$uniq" \
        timeout -k 5 "$BRIG_TEST_TIMEOUT" bash "$TESTS_LIB/exec-test.sh" "${file[$i]}" "${func[$i]}" \
        >"$log" 2>&1 </dev/null
    if [ "$stopped" = 1 ]; then
        echo "FAIL: interrupted" >>"$log"
    elif [ $rc -eq 124 ]; then
        echo "FAIL: timed out after ${BRIG_TEST_TIMEOUT}s" >>"$log"
    fi
    if ! cleanup_test "$tdir" "$log" "$uniq" && [ $rc -eq 0 ]; then
        rc=1
    fi
    [ "$stopped" = 0 ] || rc=130
    note=
    case $rc in
        0) result=ok ;;
        77)
            result=skip
            why=$(grep '^SKIP: ' "$log" | tail -n 1)
            note=${why#SKIP: }
            ;;
        130) result=FAIL note=interrupted ;;
        *) result=FAIL ;;
    esac
    write_result "$i" "$result" "$(elapsed "$t0")" "$note"
}

run_item() { # I
    case ${kind[$1]} in
        unit) run_unit "$1" ;;
        test) run_test "$1" ;;
        skip) write_result "$1" skip 0 "$reason" ;;
        fail)
            if [ -z "${func[$1]}" ]; then
                write_result "$1" FAIL 0 "cannot load the file"
            else
                write_result "$1" FAIL 0 "$reason"
            fi
            ;;
    esac
}

# --- scheduling and reporting ------------------------------------------------
declare -A running=() # worker pid -> item
done_=() next_print=0

print_item() { # I
    local i=$1 res result secs note p f s
    res=$(cat "$RUN_TMP/$i.res" 2>/dev/null) || res="FAIL${US}0${US}no result"
    IFS=$US read -r result secs note p f s <<<"$res"
    if [ "${kind[$i]}" = unit ] && [ -n "$p" ]; then
        npass=$((npass + p)) nfail=$((nfail + f)) nskip=$((nskip + s))
    else
        case $result in
            ok) npass=$((npass + 1)) ;;
            skip) nskip=$((nskip + 1)) ;;
            *) nfail=$((nfail + 1)) ;;
        esac
    fi
    [ "$result" != FAIL ] || failed_names+=("${name[$i]}")
    if [ "${kind[$i]}" = skip ] && [ $verbose -eq 0 ]; then
        : # (the reason is said once, at the end)
    else
        report "$result" "${name[$i]}" "$secs" "$note"
    fi
    if [ -f "$RUN_TMP/$i.log" ]; then
        if [ "$result" = FAIL ] || [ $verbose -eq 1 ]; then
            indent <"$RUN_TMP/$i.log"
        fi
    fi
    rm -f "$RUN_TMP/$i.log" "$RUN_TMP/$i.res"
}

# Print the results that are due: in order, up to the first not done.
flush() {
    while [ $next_print -lt ${#kind[@]} ] && [ -n "${done_[$next_print]:-}" ]; do
        print_item $next_print
        next_print=$((next_print + 1))
    done
}

# Wait for one worker to end (or for a signal).
wait_one() {
    local pid='' st=0
    wait -n -p pid || st=$?
    if [ $st -eq 127 ] && [ -z "$pid" ]; then
        # No child left to wait for (cannot happen; never loop on it).
        for pid in "${!running[@]}"; do done_[${running[$pid]}]=1; done
        running=()
        flush
        return 0
    fi
    [ -n "$pid" ] && [ -n "${running[$pid]:-}" ] || return 0
    done_[${running[$pid]}]=1
    unset "running[$pid]"
    flush
}

interrupted() {
    trap '' INT TERM
    local pid i
    echo "# interrupted: stopping and cleaning up ${#running[@]} running test(s)"
    for pid in "${!running[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    while [ ${#running[@]} -gt 0 ]; do wait_one; done
    for ((i = next_print; i < ${#kind[@]}; i++)); do
        [ -z "${done_[$i]:-}" ] || print_item "$i"
    done
    [ ${#failed_names[@]} -eq 0 ] || echo "# failed: ${failed_names[*]}"
    echo "$npass passed, $nfail failed, $nskip skipped"
    exit 130
}

check_can_run() {
    if [ "$(id -u)" -ne 0 ]; then
        can_run=0 reason="integration tests need root"
    elif ! command -v jq >/dev/null; then
        can_run=0 reason="jq not installed (scripts/install-deps.sh)"
    elif [ ! -x /bin/busybox ]; then
        can_run=0 reason="busybox-static not installed (scripts/install-deps.sh)"
    elif [ ! -x "$BRIG" ]; then
        can_run=-1 reason="$BRIG not found: build it first"
    fi
}

check_can_run
collect_unit_tests
collect_integration_tests

RUN_TMP=$(mktemp -d /tmp/brig-tests.XXXXXX) || exit 1
# Unique to this run among all runs at once: test IDs, cgroups and process
# tags derive from it (tests add their own number).
RUN_TAG=${RUN_TMP##*.}
# Containers with a user namespace must be able to reach their rootfs.
chmod 755 "$RUN_TMP"
[ $keep -eq 1 ] || trap 'rm -rf --one-file-system "$RUN_TMP"' EXIT
trap 'interrupted' INT TERM

has_tests=0
for k in "${kind[@]}"; do [ "$k" != test ] || has_tests=1; done
if [ $has_tests -eq 1 ]; then
    if ! BRIG_TEST_CACHE=$BRIG_TEST_CACHE bash -c '. "$1/lib/common.sh"; . "$1/lib/mkbundle.sh"; rootfs_cached >/dev/null' _ "$TESTS_DIR"; then
        can_run=0 reason="cannot build the busybox rootfs"
        for ((i = 0; i < ${#kind[@]}; i++)); do
            [ "${kind[$i]}" != test ] || kind[i]=skip
        done
    fi
    nserial=0
    for s in "${serial[@]}"; do nserial=$((nserial + s)); done
    note="$jobs at a time"
    [ $nserial -eq 0 ] || note+=", then $nserial serial test(s) alone"
    echo "# runtime: $BRIG ($("$BRIG" --version 2>/dev/null | head -n 1)); $note"
    [ $keep -eq 0 ] || echo "# scratch dirs kept in $RUN_TMP"
fi

t_start=$(date +%s%N)
for ((i = 0; i < ${#kind[@]}; i++)); do
    limit=$jobs
    if [ "${serial[$i]}" = 1 ]; then
        # Alone: wait until nothing else runs.
        limit=1
        while [ ${#running[@]} -gt 0 ]; do wait_one; done
    fi
    while [ ${#running[@]} -ge "$limit" ]; do wait_one; done
    run_item "$i" &
    running[$!]=$i
done
while [ ${#running[@]} -gt 0 ]; do wait_one; done
flush

if [ $can_run -eq 0 ] && [ $nskip -gt 0 ]; then
    echo "# integration tests skipped: $reason"
fi
if [ ${#failed_names[@]} -gt 0 ]; then
    echo "# failed: ${failed_names[*]}"
fi
echo "# took $(elapsed "$t_start")s, $jobs at a time"
echo "$npass passed, $nfail failed, $nskip skipped"
[ $nfail -eq 0 ]
