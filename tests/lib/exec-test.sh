#!/bin/bash
# Runs one test function in this process: exec-test.sh FILE TEST.
# Called by tests/run-tests.sh with ROOT and TDIR set; exit status 0 pass,
# 77 skip, anything else fail.
# shellcheck source=/dev/null

set -o pipefail
: "${ROOT:?}" "${TDIR:?}"
export ROOT TDIR

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$TESTS_LIB/assert.sh"
. "$TESTS_LIB/helpers.sh"
. "$TESTS_LIB/mkbundle.sh"

file=$1 test=$2
. "$file" || { echo "cannot load $file" >&2; exit 1; }

BUNDLE=$TDIR/bundle
make_bundle "$BUNDLE" || { echo "cannot make a bundle in $BUNDLE" >&2; exit 1; }
cd "$TDIR" || exit 1

_finish() {
    set +e
    if declare -F teardown >/dev/null; then teardown; fi
    _run_deferred
}
trap _finish EXIT
# The runner's timeout: say what was hanging.
trap 'echo "FAIL: killed (timeout?) while running: $BASH_COMMAND" >&2; exit 143' TERM
# A command failing at the top level of a test fails it, with a note of
# where; assertions say more themselves.
_on_err() {
    local i
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
