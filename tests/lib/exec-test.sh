#!/bin/bash
# Runs one test function in this process: exec-test.sh FILE TEST.
# Called by tests/run-tests.sh with ROOT and TDIR set; exit status 0 pass,
# 77 skip, anything else fail.
# shellcheck source=/dev/null

set -o pipefail
: "${ROOT:?}" "${TDIR:?}"
# Unique among all tests and runs at once (the runner's is; this one is
# good enough for a test run by hand).
: "${TEST_UNIQ:=p$$}"
export ROOT TDIR TEST_UNIQ

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$TESTS_LIB/assert.sh"
. "$TESTS_LIB/helpers.sh"
. "$TESTS_LIB/mkbundle.sh"

file=$1 test=$2
. "$file" || { echo "cannot load $file" >&2; exit 1; }

BUNDLE=$TDIR/bundle
make_bundle "$BUNDLE" || { echo "cannot make a bundle in $BUNDLE" >&2; exit 1; }
cd "$TDIR" || exit 1

# The test's status: 77 only for a skip (even one called in a subshell, see
# skip), never for a command that happened to exit 77.
_finish() {
    local st=$?
    set +e
    trap - ERR
    if declare -F teardown >/dev/null; then teardown; fi
    _run_deferred
    if [ -s "$TDIR/.skipped" ]; then
        [ $st -eq 77 ] || echo "SKIP: $(tail -n 1 "$TDIR/.skipped") (skipped in a subshell; status was $st)" >&2
        exit 77
    fi
    if [ $st -eq 77 ]; then
        echo "FAIL: exit status 77 without a skip" >&2
        exit 1
    fi
    exit $st
}
trap _finish EXIT
# The runner's timeout: say what was hanging.
trap 'echo "FAIL: killed (timeout?) while running: $BASH_COMMAND" >&2; exit 143' TERM
# A command failing at the top level of a test fails it, with a note of
# where; assertions say more themselves.
_on_err() {
    local i
    # (a skip in a $(...): not a failure, see _finish)
    [ "$1" != 77 ] || [ ! -s "$TDIR/.skipped" ] || return 0
    echo "FAIL: command failed (status $1): $2" >&2
    for ((i = 1; i < ${#FUNCNAME[@]}; i++)); do
        [ "${FUNCNAME[$i]}" = main ] && break
        echo "  at ${FUNCNAME[$i]} ($(basename "${BASH_SOURCE[$i]}"):${BASH_LINENO[$((i - 1))]})" >&2
    done
}
trap '_on_err $? "$BASH_COMMAND"' ERR
set -eE

if declare -F setup >/dev/null; then setup; fi
"$test"
exit 0
