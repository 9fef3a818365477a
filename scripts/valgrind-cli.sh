#!/bin/bash
# Runs brig's command-line paths that do not create a container process
# (help, version, state, list, features, spec, check, errors on bad input...)
# under valgrind's memcheck: no invalid access, no use of uninitialised
# memory, no definite or indirect leak, and the same exit status as without
# valgrind.
#
# usage: scripts/valgrind-cli.sh [-v] [BRIG]
#   BRIG   the binary to check (default ./brig); linked dynamically (make
#          brig-dynamic when brig itself is static) and not an ASan build
#   -v     show every valgrind log, not only failing ones
#
# Needs root only for the cases that look at a real container (made with
# the same binary, outside valgrind): they are skipped otherwise.  The last
# line is "valgrind: N passed, N failed, N skipped"; exit status 1 when
# anything failed.
set -u

verbose=0
if [ "${1:-}" = -v ]; then verbose=1; shift; fi
SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BRIG=${1:-${BRIG:-./brig}}
case $BRIG in */*) BRIG=$(cd "$(dirname "$BRIG")" && pwd)/$(basename "$BRIG") ;; esac

command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)"; echo "valgrind: 0 passed, 1 failed, 0 skipped"; exit 1; }
[ -x "$BRIG" ] || { echo "valgrind: $BRIG not found"; echo "valgrind: 0 passed, 1 failed, 0 skipped"; exit 1; }
if nm -D "$BRIG" 2>/dev/null | grep -q __asan_init || ldd "$BRIG" 2>/dev/null | grep -q libasan; then
    echo "valgrind: $BRIG is built with AddressSanitizer; use a normal build"
    echo "valgrind: 0 passed, 0 failed, 1 skipped"
    exit 0
fi

# create/run/exec re-exec brig from a read-only view of /proc/self/exe
# (SECURITY.md), which under valgrind is valgrind's tool (and an exec
# memcheck would not follow anyway): the checks here start no container
# process, so run them without that guard.  Only test builds have the
# switch (brig-dynamic is one; include/brig/knobs.h).
export BRIG_UNSAFE_SELF_EXE=1

if ldd "$BRIG" 2>&1 | grep -qE 'statically linked|not a dynamic executable'; then
    echo "valgrind: $BRIG is linked statically: memcheck cannot see its allocations (make brig-dynamic)"
    echo "valgrind: 0 passed, 1 failed, 0 skipped"
    exit 1
fi

W=$(mktemp -d /tmp/brig-vg.XXXXXX) || exit 1
chmod 755 "$W"
# A private copy: a rebuild of the original during the run cannot disturb it.
cp "$BRIG" "$W/brig" && BRIG=$W/brig
ROOT=$W/root
mkdir -p "$ROOT"
ctr_ids=()
cleanup() {
    local id
    for id in "${ctr_ids[@]}"; do "$BRIG" --root "$ROOT" delete --force "$id" >/dev/null 2>&1; done
    rm -rf --one-file-system "$W"
}
trap cleanup EXIT

npass=0 nfail=0 nskip=0
# shellcheck disable=SC2054
VG=(valgrind --tool=memcheck --error-exitcode=99 --leak-check=full
    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
    --track-origins=yes --trace-children=no --child-silent-after-fork=yes --num-callers=30 -q)

# check NAME EXPECTED-STATUS ARGS...: brig ARGS under memcheck; the status
# may be a number, "any" or "nonzero".
check() {
    local name=$1 want=$2 log=$W/vg.log rc
    shift 2
    "${VG[@]}" --log-file="$log" "$BRIG" "$@" >"$W/out" 2>"$W/err" </dev/null
    rc=$?
    # Errors are "==PID==" lines; "--PID--" lines are valgrind's own notes
    # (such as a syscall it does not know, which then fails with ENOSYS).
    if [ $rc -eq 99 ] || grep -q '^==[0-9]*==' "$log"; then
        printf 'FAIL  %-48s memcheck errors\n' "$name"
        sed 's/^/      /' "$log" | head -n 80
        nfail=$((nfail + 1))
    elif { [ "$want" = nonzero ] && [ $rc -eq 0 ]; } ||
        { [ "$want" != any ] && [ "$want" != nonzero ] && [ $rc -ne "$want" ]; }; then
        printf 'FAIL  %-48s exit %s, expected %s\n' "$name" "$rc" "$want"
        sed 's/^/      /' "$W/err" | head -n 10
        nfail=$((nfail + 1))
    else
        printf 'ok    %-48s exit %s\n' "$name" "$rc"
        [ $verbose -eq 0 ] || sed 's/^/      /' "$log" "$W/err"
        npass=$((npass + 1))
    fi
    rm -f "$log"
}

skip() {
    printf 'skip  %-48s %s\n' "$1" "$2"
    nskip=$((nskip + 1))
}

has_cmd() { # the build knows COMMAND (it is in --help)
    "$BRIG" --help 2>/dev/null | grep -qE "^  $1 "
}

# --- the checker itself: a leak and a bad read must be caught --------------
if command -v gcc >/dev/null; then
    printf '#include <stdlib.h>\nint main(int c, char **v) { char *p = malloc(16); p = malloc(8); return p[c + 8] == 1; }\n' >"$W/leaky.c"
    if gcc -g -O0 -o "$W/leaky" "$W/leaky.c" 2>/dev/null; then
        "${VG[@]}" --log-file="$W/self.log" "$W/leaky" >/dev/null 2>&1
        if [ $? -ne 99 ] || ! grep -q 'definitely lost' "$W/self.log" || ! grep -q 'Invalid read' "$W/self.log"; then
            echo "valgrind: memcheck did not catch a planted leak and bad read; its settings are broken"
            echo "valgrind: 0 passed, 1 failed, 0 skipped"
            exit 1
        fi
    fi
fi

# --- no container ----------------------------------------------------------
check "--help" 0 --help
check "--version" 0 --version
check "no command" 1
check "unknown command" 1 no-such-command
check "unknown global option" 1 --no-such-option list
for c in $("$BRIG" --help 2>/dev/null | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p'); do
    check "$c --help" 0 --root "$ROOT" "$c" --help
done
check "list (empty root)" 0 --root "$ROOT" list
check "list --format json (empty root)" 0 --root "$ROOT" list --format json
check "list --quiet" 0 --root "$ROOT" list -q
check "list (missing root)" any --root "$W/nonexistent" list
check "state (no such container)" 1 --root "$ROOT" state nosuch
check "state (bad id)" 1 --root "$ROOT" state ../x
check "kill (no such container)" 1 --root "$ROOT" kill nosuch KILL
check "delete (no such container)" 1 --root "$ROOT" delete nosuch
check "delete --force (no such container)" any --root "$ROOT" delete --force nosuch
check "start (no such container)" 1 --root "$ROOT" start nosuch
check "events (no such container)" 1 --root "$ROOT" events --stats nosuch
check "update (no such container)" 1 --root "$ROOT" update --memory 1M nosuch
has_cmd features && check "features" 0 features
if has_cmd spec; then
    mkdir -p "$W/specdir"
    check "spec --bundle DIR" 0 spec --bundle "$W/specdir"
    check "spec again (config.json exists)" 1 spec --bundle "$W/specdir"
    check "spec --rootless" 0 spec --rootless --bundle "$(mkdir -p "$W/specr" && echo "$W/specr")"
fi

# Bad bundles: every config error is found before a container process exists.
B=$W/bundle
mkdir -p "$B/rootfs"
bad_config() { # NAME JSON
    printf '%s' "$2" >"$B/config.json"
    check "create: $1" 1 --root "$ROOT" create --bundle "$B" "vg-bad-$RANDOM"
    # check: 2 is "could not audit", 1 "findings" (a config that parses).
    if has_cmd check; then check "check: $1" nonzero check --bundle "$B"; fi
}
check "create: no config.json" 1 --root "$ROOT" create --bundle "$B" vg-none
bad_config "empty config" ''
bad_config "not JSON" '{"ociVersion": '
bad_config "not an object" '[1,2]'
bad_config "comment" '{"ociVersion":"1.0.2"} // x'
bad_config "NUL escape" '{"ociVersion":"1.0.2","hostname":"a\u0000b"}'
bad_config "deep nesting" "$(printf '%.0s[' $(seq 100))"
bad_config "bad version" '{"ociVersion":"0.1"}'
bad_config "no root" '{"ociVersion":"1.0.2","process":{"cwd":"/","args":["sh"],"user":{"uid":0,"gid":0}}}'
bad_config "bad capability" '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"cwd":"/","args":["sh"],"user":{"uid":0,"gid":0},"capabilities":{"bounding":["CAP_NOPE"]}}}'
bad_config "bad rlimit" '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"cwd":"/","args":["sh"],"user":{"uid":0,"gid":0},"rlimits":[{"type":"RLIMIT_NOPE","hard":1,"soft":1}]}}'
bad_config "duplicate namespace" '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"pid"},{"type":"pid"}]}}'
bad_config "bad seccomp action" '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"linux":{"seccomp":{"defaultAction":"SCMP_ACT_NOPE"}}}'
bad_config "seccomp notify without listener" '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"cwd":"/","args":["sh"],"user":{"uid":0,"gid":0}},"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_NOTIFY"}]}}}'
bad_config "relative cwd" '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"cwd":"rel","args":["sh"],"user":{"uid":0,"gid":0}}}'
check "create: bad id" 1 --root "$ROOT" create --bundle "$B" "../escape"
check "create: missing bundle" 1 --root "$ROOT" create --bundle "$W/nonexistent" vg-missing
printf '{"memory":{"limit":"x"}}' >"$W/res.json"
check "update -r bad resources" 1 --root "$ROOT" update -r "$W/res.json" nosuch
if has_cmd check; then
    cp "$SRCDIR/fuzz/corpus/config/base-config.json" "$B/config.json"
    check "check: the tests' base config" any check --bundle "$B"
    check "check --format json" any check --format json --bundle "$B"
fi

# --- a real container (made without valgrind) ------------------------------
if [ "$(id -u)" -eq 0 ] && [ -x /bin/busybox ] && command -v jq >/dev/null; then
    G=$W/good
    if BRIG_TEST_CACHE=${BRIG_TEST_CACHE:-$SRCDIR/tests/.work} bash "$SRCDIR/tests/lib/mkbundle.sh" "$G" >/dev/null 2>&1; then
        jq '.process.args = ["sleep", "60"]' "$G/config.json" >"$G/c.new" && mv "$G/c.new" "$G/config.json"
        id=vg-ctr-$$
        if "$BRIG" --root "$ROOT" create --bundle "$G" "$id" >/dev/null 2>"$W/create.err"; then
            ctr_ids+=("$id")
            check "state (created)" 0 --root "$ROOT" state "$id"
            check "list (one created)" 0 --root "$ROOT" list
            check "list --format json (one)" 0 --root "$ROOT" list --format json
            check "create (id exists)" 1 --root "$ROOT" create --bundle "$G" "$id"
            has_cmd events && check "events --stats" any --root "$ROOT" events --stats "$id"
            "$BRIG" --root "$ROOT" start "$id" >/dev/null 2>&1
            check "state (running)" 0 --root "$ROOT" state "$id"
            check "delete (running, no --force)" 1 --root "$ROOT" delete "$id"
            check "kill (bad signal)" 1 --root "$ROOT" kill "$id" NOSUCHSIG
            "$BRIG" --root "$ROOT" kill "$id" KILL >/dev/null 2>&1
            for _ in $(seq 50); do
                [ "$("$BRIG" --root "$ROOT" state "$id" 2>/dev/null | jq -r .status)" = stopped ] && break
                sleep 0.1
            done
            check "state (stopped)" 0 --root "$ROOT" state "$id"
            check "start (stopped)" 1 --root "$ROOT" start "$id"
            check "delete (stopped)" 0 --root "$ROOT" delete "$id"
            check "state (deleted)" 1 --root "$ROOT" state "$id"
        else
            skip "real container" "create failed: $(head -n 1 "$W/create.err")"
        fi
    else
        skip "real container" "cannot build a busybox bundle"
    fi
else
    skip "real container" "needs root, busybox-static and jq"
fi

echo "valgrind: $npass passed, $nfail failed, $nskip skipped"
[ $nfail -eq 0 ]
