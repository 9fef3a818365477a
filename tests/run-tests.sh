#!/bin/bash
# Runs brig's whole test suite: the unit test binaries, then every
# tests/integration/*.sh file (as root; skipped otherwise).
#
# usage: tests/run-tests.sh [-v] [-k] [FILTER...]
#   FILTER   run only the tests whose "FILE:TEST" name contains one of the
#            FILTERs, e.g. "lifecycle", "cli.sh:test_version", "unit"
#   -v       show the output of passing tests too
#   -k       keep the scratch dirs (bundles, --root dirs) for inspection
#
# Environment: BRIG (runtime to test, default ./brig; BRIG=runc validates the
# tests against runc), BRIG_BUILDDIR, BRIG_TEST_TIMEOUT (seconds per test,
# default 60).  The last line printed is always "N passed, N failed,
# N skipped"; the exit status is 1 when anything failed.
# shellcheck source=/dev/null

set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

verbose=0 keep=0
filters=()
while [ $# -gt 0 ]; do
    case $1 in
        -v) verbose=1 ;;
        -k) keep=1 ;;
        -h | --help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) echo "run-tests.sh: unknown option $1" >&2; exit 2 ;;
        *) filters+=("$1") ;;
    esac
    shift
done

: "${BRIG_TEST_TIMEOUT:=60}"
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

# --- unit tests ------------------------------------------------------------

run_unit_tests() {
    local bin name out rc last p f t0
    for bin in "$BRIG_BUILDDIR"/tests/unit/test_*; do
        case $bin in *.c | *.h | *.o | *.log | *.trs) continue ;; esac
        [ -f "$bin" ] && [ -x "$bin" ] || continue
        name=unit:$(basename "$bin")
        selected "$name" || continue
        t0=$(date +%s%N)
        out=$(cd "$BRIG_BUILDDIR" && BRIG_SRCDIR=$SRC_DIR timeout -k 5 300 "$bin" 2>&1 </dev/null)
        rc=$?
        last=$(printf '%s\n' "$out" | tail -n 1)
        if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
            p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
        else
            p=0 f=1
            out+=$'\n'"(no \"N passed, N failed\" line; exit status $rc)"
        fi
        if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
            f=1
            out+=$'\n'"(exit status $rc)"
        fi
        npass=$((npass + p))
        nfail=$((nfail + f))
        if [ "$f" -eq 0 ]; then
            report ok "$name" "$(elapsed "$t0")" "$p passed"
            [ $verbose -eq 0 ] || printf '%s\n' "$out" | indent
        else
            report FAIL "$name" "$(elapsed "$t0")" "$p passed, $f failed"
            printf '%s\n' "$out" | indent
            failed_names+=("$name")
        fi
    done
}

# --- integration tests -----------------------------------------------------

# The test_* functions of FILE, in the order they are defined.
list_tests() {
    bash -c '
        . "$1" >/dev/null 2>&1 || exit 1
        shopt -s extdebug
        for f in $(declare -F | awk "{print \$3}" | grep "^test_"); do
            declare -F "$f"
        done | sort -k2 -n | awk "{print \$1}"
    ' _ "$1"
}

# The pid recorded in a container's state.json (brig: pid, runc: init_process_pid).
state_pid() {
    jq -r '.pid // .init_process_pid // empty' "$1/state.json" 2>/dev/null
}

# After a test: delete --force whatever it left, and fail it (by printing to
# its log and returning 1) when that does not clean up completely.
cleanup_test() {
    local tdir=$1 log=$2 root=$1/root d id pid leak=0 m
    local ids=() pids=()
    for d in "$root"/*/; do
        [ -d "$d" ] || continue
        id=$(basename "$d")
        ids+=("$id")
        pid=$(state_pid "$d")
        [ -n "$pid" ] && pids+=("$pid")
        timeout -k 2 10 "$BRIG" --root "$root" delete --force "$id" >>"$log" 2>&1
    done
    for d in "$root"/*/; do
        [ -d "$d" ] || continue
        echo "cleanup: 'delete --force $(basename "$d")' left $d behind" >>"$log"
        leak=1
        rm -rf "$d"
    done
    for pid in "${pids[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            [ -e "/proc/$pid" ] || break
            [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
            sleep 0.1
        done
        if [ -e "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; then
            echo "cleanup: container process $pid still running after delete --force; killed" >>"$log"
            kill -9 "$pid" 2>/dev/null
            leak=1
        fi
    done
    for id in "${ids[@]}"; do
        for d in /sys/fs/cgroup/*/brig/"$id" /sys/fs/cgroup/*/"$id"; do
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
    # Mounts a test made on the host (deepest first); not counted as a leak:
    # a container without a mount namespace mounts on the host.
    while read -r m; do
        umount -l "$m" 2>/dev/null
    done < <(awk -v p="$tdir/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r)
    [ $keep -eq 1 ] || rm -rf --one-file-system "$tdir"
    return $leak
}

cur_tdir='' cur_log='' cur_child=''
interrupted() {
    trap '' INT TERM
    echo "# interrupted${cur_tdir:+: cleaning up $cur_tdir}"
    if [ -n "$cur_child" ]; then
        kill -TERM "$cur_child" 2>/dev/null
        wait "$cur_child" 2>/dev/null
    fi
    [ -z "$cur_tdir" ] || cleanup_test "$cur_tdir" "$cur_log"
    echo "$npass passed, $((nfail + 1)) failed, $nskip skipped"
    exit 130
}

run_integration_tests() {
    local file base tests t name tdir log rc t0 why n=0 result note
    local files=("$TESTS_DIR"/integration/*.sh)
    [ -e "${files[0]}" ] || return 0

    local can_run=1 reason=
    if [ "$(id -u)" -ne 0 ]; then
        can_run=0 reason="integration tests need root"
    elif ! command -v jq >/dev/null; then
        can_run=0 reason="jq not installed (scripts/install-deps.sh)"
    elif [ ! -x /bin/busybox ]; then
        can_run=0 reason="busybox-static not installed (scripts/install-deps.sh)"
    elif [ ! -x "$BRIG" ]; then
        can_run=-1 reason="$BRIG not found: build it first"
    fi

    if [ $can_run -eq 1 ]; then
        RUN_TMP=$(mktemp -d /tmp/brig-tests.XXXXXX) || exit 1
        # Containers with a user namespace must be able to reach their rootfs.
        chmod 755 "$RUN_TMP"
        [ $keep -eq 1 ] || trap 'rm -rf --one-file-system "$RUN_TMP"' EXIT
        # Interrupted: still clean up the test under way.
        trap 'interrupted' INT TERM
        BRIG_TEST_CACHE=$BRIG_TEST_CACHE bash -c '. "$1/lib/common.sh"; . "$1/lib/mkbundle.sh"; rootfs_cached >/dev/null' _ "$TESTS_DIR" ||
            { can_run=0 reason="cannot build the busybox rootfs"; }
        echo "# runtime: $BRIG ($("$BRIG" --version 2>/dev/null | head -n 1))"
        [ $keep -eq 0 ] || echo "# scratch dirs kept in $RUN_TMP"
    fi

    for file in "${files[@]}"; do
        base=$(basename "$file")
        if ! tests=$(list_tests "$file"); then
            report FAIL "$base" 0 "cannot load the file"
            nfail=$((nfail + 1))
            failed_names+=("$base")
            continue
        fi
        for t in $tests; do
            name=$base:$t
            selected "$name" || continue
            if [ $can_run -ne 1 ]; then
                if [ $can_run -eq 0 ]; then
                    nskip=$((nskip + 1))
                    [ $verbose -eq 0 ] || report skip "$name" 0 "$reason"
                else
                    nfail=$((nfail + 1))
                    report FAIL "$name" 0 "$reason"
                    failed_names+=("$name")
                fi
                continue
            fi
            n=$((n + 1))
            tdir=$RUN_TMP/$n
            log=$RUN_TMP/$n.log
            mkdir -p "$tdir/root"
            cur_tdir=$tdir cur_log=$log
            t0=$(date +%s%N)
            # In the background so that a signal to the runner is handled at
            # once (bash runs traps only between commands).
            ROOT=$tdir/root TDIR=$tdir timeout -k 5 "$BRIG_TEST_TIMEOUT" \
                bash "$TESTS_LIB/exec-test.sh" "$file" "$t" >"$log" 2>&1 </dev/null &
            cur_child=$!
            wait "$cur_child"
            rc=$?
            cur_child=
            [ $rc -ne 124 ] || echo "FAIL: timed out after ${BRIG_TEST_TIMEOUT}s" >>"$log"
            if ! cleanup_test "$tdir" "$log" && [ $rc -eq 0 ]; then
                rc=1
            fi
            cur_tdir=
            note=
            case $rc in
                0) result=ok; npass=$((npass + 1)) ;;
                77)
                    result=skip; nskip=$((nskip + 1))
                    why=$(grep '^SKIP: ' "$log" | tail -n 1)
                    note=${why#SKIP: }
                    ;;
                *) result=FAIL; nfail=$((nfail + 1)); failed_names+=("$name") ;;
            esac
            report "$result" "$name" "$(elapsed "$t0")" "$note"
            if [ $result = FAIL ] || [ $verbose -eq 1 ]; then
                indent <"$log"
            fi
            rm -f "$log"
        done
    done
    if [ $can_run -eq 0 ] && [ $nskip -gt 0 ]; then
        echo "# integration tests skipped: $reason"
    fi
}

run_unit_tests
run_integration_tests

if [ ${#failed_names[@]} -gt 0 ]; then
    echo "# failed: ${failed_names[*]}"
fi
echo "$npass passed, $nfail failed, $nskip skipped"
[ $nfail -eq 0 ]
