#!/bin/bash
# Builds brig once more with AddressSanitizer and UndefinedBehaviorSanitizer
# (./configure --enable-sanitizers) in a copy of the source tree, and runs
# the whole test suite (unit + integration) against that build.
#
# usage: scripts/ci-sanitizers.sh [-k] [--head] [--builddir DIR] [FILTER...]
#   --builddir DIR  where to copy and build (default: a fresh temp dir,
#                   removed afterwards unless -k)
#   --head          build the last commit (git archive HEAD) rather than the
#                   working tree (tracked and new files)
#   -k              keep the build dir
#   FILTER          passed to tests/run-tests.sh (default: everything)
#
# Why a copy: automake refuses an out-of-tree build of a source dir that is
# itself configured, and the sanitizer build must not touch the normal one.
#
# Sanitizer settings (see tests/security/RESULTS.md, "Sanitizers"):
#  - any ASan or UBSan report is fatal (-fno-sanitize-recover=all) and uses
#    exit status 86, which no brig command uses, so a test that expects
#    brig to fail cannot mistake a sanitizer abort for an ordinary error;
#  - every report is also written under $BUILDDIR/sanitizer-logs (log_path)
#    and the script fails when that directory is not empty at the end, even
#    if the test that triggered it passed;
#  - unit tests run with leak detection; the integration suite runs with
#    detect_leaks=0: the container's init is a clone() of brig that leaves
#    by execve or _exit, so LeakSanitizer never runs there, and in the CLI
#    the leak checker's ptrace-based stop-the-world would be run inside
#    the test's namespaces and under the runner's timeouts; the CLI paths
#    that do not exec are leak-checked by scripts/valgrind-cli.sh instead.
#
# The last line printed is run-tests.sh's "N passed, N failed, N skipped"
# (or "sanitizers: ..." when the build failed); exit status 0 on success.
set -u
set -o pipefail

SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
builddir='' keep=0 from_head=0
filters=()
while [ $# -gt 0 ]; do
    case $1 in
        --builddir) builddir=$2; shift ;;
        -k) keep=1 ;;
        --head) from_head=1 ;;
        -h | --help) sed -n '2,30s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) echo "ci-sanitizers.sh: unknown option $1" >&2; exit 2 ;;
        *) filters+=("$1") ;;
    esac
    shift
done

fail() {
    echo "sanitizers: $*"
    exit 1
}

if [ -z "$builddir" ]; then
    builddir=$(mktemp -d /tmp/brig-san.XXXXXX) || fail "mktemp failed"
    [ $keep -eq 1 ] || trap 'rm -rf --one-file-system "$builddir"' EXIT
fi
mkdir -p "$builddir" || fail "cannot create $builddir"
builddir=$(cd "$builddir" && pwd)
chmod 755 "$builddir"
t0=$(date +%s)

# --- copy the sources (tracked and new files; no build products) ----------
echo "# sanitizer build in $builddir"
# shellcheck disable=SC2016
if [ $from_head -eq 1 ]; then
    git -C "$SRCDIR" archive HEAD | tar -C "$builddir" -xf - || fail "git archive HEAD failed"
elif git -C "$SRCDIR" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$SRCDIR" && git ls-files -z --cached --others --exclude-standard |
        # no build products: objects and executables left by an earlier build
        xargs -0 -r sh -c 'for f; do
            [ -e "$f" ] || continue
            case $f in *.o | *.a) continue ;; esac
            [ "$(head -c 4 "$f" | od -An -c | tr -d " ")" = "177ELF" ] && continue
            printf "%s\0" "$f"
        done' _ |
        tar --null -T - -cf -) | tar -C "$builddir" -xf - || fail "copying the sources failed"
else
    (cd "$SRCDIR" && tar --exclude='*.o' --exclude='*.a' --exclude=.git -cf - .) |
        tar -C "$builddir" -xf - || fail "copying the sources failed"
fi

# --- build ----------------------------------------------------------------
log=$builddir/build.log
# A make rule printing check_PROGRAMS (unit tests, probes): they are built
# without running `make check`.
# shellcheck disable=SC2016
print_check='brig-print-check:\n\t@echo $(check_PROGRAMS)\n'
(
    cd "$builddir" &&
        ./autogen.sh &&
        ./configure --enable-werror --enable-sanitizers &&
        make -j2 &&
        read -ra checks <<<"$(make -s -f Makefile -f <(printf '%b' "$print_check") brig-print-check)" &&
        make -j2 "${checks[@]}"
) >"$log" 2>&1 || {
    tail -n 40 "$log"
    fail "the sanitizer build failed (log: $log)"
}
grep -q -- '-fsanitize=address,undefined' "$builddir/Makefile" || fail "configure did not enable the sanitizers"
echo "# built in $(($(date +%s) - t0))s"

# --- run ------------------------------------------------------------------
sanlogs=$builddir/sanitizer-logs
rm -rf "$sanlogs"
mkdir -p "$sanlogs"
chmod 1777 "$sanlogs"
common="exitcode=86:log_path=$sanlogs/report:log_exe_name=1:print_summary=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=86:log_path=$sanlogs/report:log_exe_name=1"

run_suite() { # ASAN_OPTIONS FILTER...
    local opts=$1
    shift
    # An instrumented brig is several times slower: the client tests (podman
    # runs a dozen containers) need more than the usual 60 s per test.
    ASAN_OPTIONS=$opts BRIG_BUILDDIR=$builddir BRIG=$builddir/brig \
        BRIG_TEST_TIMEOUT=${BRIG_TEST_TIMEOUT:-240} bash "$builddir/tests/run-tests.sh" "$@"
}

status=0
# Unit tests with leak detection.
if [ ${#filters[@]} -eq 0 ] || printf '%s\n' "${filters[@]}" | grep -q 'unit:'; then
    # "unit:" (not "unit"): integration tests may have "unit" in their name.
    unit_out=$(run_suite "$common:detect_leaks=1" unit: 2>&1)
    rc=$?
    printf '%s\n' "$unit_out" | sed '$d'
    unit_summary=$(printf '%s\n' "$unit_out" | tail -n 1)
    echo "# unit tests with ASan+UBSan+LSan: $unit_summary"
    [ $rc -eq 0 ] || status=1
fi

# The reports of the unit tests are listed now, before the suite's summary.
show_reports() {
    local f n=0
    for f in "$sanlogs"/report*; do
        [ -e "$f" ] || continue
        n=$((n + 1))
        echo "---- sanitizer report $(basename "$f") ----"
        head -n 60 "$f"
    done
    return $n
}

# The whole suite (unit tests again, integration) without leak detection.
suite_out=$builddir/suite.out
if [ ${#filters[@]} -eq 0 ]; then
    run_suite "$common:detect_leaks=0" >"$suite_out" 2>&1
else
    run_suite "$common:detect_leaks=0" "${filters[@]}" >"$suite_out" 2>&1
fi
rc=$?
[ $rc -eq 0 ] || status=1
sed '$d' "$suite_out"

if ! show_reports; then
    echo "# sanitizer reports found in $sanlogs (above): failing"
    status=1
fi
echo "# sanitizer pass took $(($(date +%s) - t0))s"
tail -n 1 "$suite_out"
if [ $status -ne 0 ] && [ $rc -eq 0 ]; then
    # The suite passed but a sanitizer reported: say so on the last line too.
    echo "sanitizers: reports found (see above)"
fi
exit $status
