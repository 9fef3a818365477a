# shellcheck shell=bash
# A tiny assertion library.  Each test runs in its own bash process, so a
# failed assertion simply exits that process with status 1 after saying why;
# skip exits with 77.

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# skip REASON: the test is skipped, wherever this is called: in a $(...)
# or a pipeline, where the exit only leaves a subshell, the note in $TDIR
# makes the test a skip all the same (exec-test.sh).
skip() {
    echo "SKIP: $*" >&2
    [ -z "${TDIR:-}" ] || echo "$*" >>"$TDIR/.skipped"
    exit 77
}

# Skip when the runtime under test is runc, for behaviour where brig follows
# the spec and runc does not.
skip_if_runc() {
    if is_runc; then skip "runc differs: $*"; fi
}

require_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || skip "$c not installed"
    done
}

# Shows what the last `run` captured (after a failed assertion about it).
_show_run() {
    {
        echo "  command: ${run_cmd:-}"
        echo "  status:  ${status:-}"
        echo "  stdout:  ${output:-}" | sed '2,$s/^/           /'
        echo "  stderr:  ${stderr:-}" | sed '2,$s/^/           /'
    } >&2
}

# assert_status N: the last `run` exited with N.
assert_status() {
    if [ "${status:-}" != "$1" ]; then
        echo "FAIL: expected exit status $1, got ${status:-}" >&2
        _show_run
        exit 1
    fi
}

# assert_ok: the last `run` succeeded.
assert_ok() { assert_status 0; }

# assert_failed: the last `run` exited with status 1 and said something on
# stderr.  brig's message must be exactly one line "brig: COMMAND: ...".
assert_failed() {
    local cmd=${1:-}
    assert_status 1
    [ -n "$stderr" ] || { echo "FAIL: no error message on stderr" >&2; _show_run; exit 1; }
    if ! is_runc && ! is_crun; then
        local n
        n=$(printf '%s\n' "$stderr" | grep -c .)
        if [ "$n" != 1 ]; then
            echo "FAIL: expected one line on stderr, got $n" >&2
            _show_run
            exit 1
        fi
        if [ -n "$cmd" ] && [[ $stderr != "brig: $cmd: "?* ]]; then
            echo "FAIL: error message does not start with 'brig: $cmd: '" >&2
            _show_run
            exit 1
        fi
    fi
}

assert_eq() {
    if [ "$1" != "$2" ]; then
        echo "FAIL: ${3:-values differ}" >&2
        echo "  expected: $2" >&2
        echo "  actual:   $1" >&2
        exit 1
    fi
}

assert_ne() {
    if [ "$1" = "$2" ]; then
        echo "FAIL: ${3:-values are equal}: $1" >&2
        exit 1
    fi
}

# assert_contains HAYSTACK NEEDLE [MSG]
assert_contains() {
    if [[ $1 != *"$2"* ]]; then
        echo "FAIL: ${3:-missing text}" >&2
        echo "  expected to contain: $2" >&2
        echo "  actual: $1" | sed '2,$s/^/          /' >&2
        exit 1
    fi
}

assert_not_contains() {
    if [[ $1 == *"$2"* ]]; then
        echo "FAIL: ${3:-unexpected text}" >&2
        echo "  expected not to contain: $2" >&2
        echo "  actual: $1" | sed '2,$s/^/          /' >&2
        exit 1
    fi
}

# assert_match STRING ERE [MSG]
assert_match() {
    if ! [[ $1 =~ $2 ]]; then
        echo "FAIL: ${3:-no match}" >&2
        echo "  expected to match: $2" >&2
        echo "  actual: $1" | sed '2,$s/^/          /' >&2
        exit 1
    fi
}

assert_exists() {
    [ -e "$1" ] || [ -L "$1" ] || fail "${2:-$1 does not exist}"
}

assert_not_exists() {
    if [ -e "$1" ] || [ -L "$1" ]; then fail "${2:-$1 exists}"; fi
}
