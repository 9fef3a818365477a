# shellcheck shell=bash
# Helpers for integration tests.  Every test process has:
#   ROOT    a private --root state dir        TDIR  a private scratch dir
#   BUNDLE  a fresh busybox bundle ($TDIR/bundle) with the base config
#   TEST_UNIQ  a name unique to this test among all tests and runs at once:
#           derive from it (or from new_id) every name the test makes in a
#           host-wide namespace (cgroups, units, ...)
# The runner deletes (--force) every container left in ROOT after the test.

# B ARGS...: the runtime under test with the private state dir.
B() {
    "$BRIG" --root "$ROOT" "$@"
}

# BT ARGS...: brig's test build (knobs.h) with the private state dir; skips
# the test when that build is missing or the runtime under test is not brig.
BT() {
    "$BRIG_TESTBIN" --root "$ROOT" "$@"
}
require_testbin() {
    if is_runc || is_crun; then skip "brig's test build only"; fi
    [ -x "$BRIG_TESTBIN" ] || skip "$BRIG_TESTBIN is not built (make builds it)"
}

# run CMD...: run CMD, capturing stdout in $output, stderr in $stderr and the
# exit status in $status; never fails itself.  Output goes through files,
# not pipes, so a container inheriting stdio cannot make this hang.
run() {
    local o=$TDIR/.run.out e=$TDIR/.run.err
    run_cmd="$*"
    status=0
    "$@" >"$o" 2>"$e" </dev/null || status=$?
    output=$(cat "$o")
    stderr=$(cat "$e")
    {
        echo "+ $run_cmd  => $status"
        # sed reads all its input (head would close the pipe early and,
        # under pipefail, fail the test with SIGPIPE on long output).
        [ -z "$output" ] || sed -n '1,40s/^/  | /p' "$o"
        [ -z "$stderr" ] || sed -n '1,40s/^/  ! /p' "$e"
    } >&2
    return 0
}

# cfg [JQ-OPTIONS] FILTER: edit $BUNDLE/config.json in place with jq, e.g.
#   cfg '.process.user.uid = 65534'
#   cfg --arg p "$dir" '.mounts += [{destination: "/x", source: $p, type: "bind", options: ["bind"]}]'
cfg() {
    local f=$BUNDLE/config.json
    jq "$@" "$f" >"$f.new" || fail "cfg: jq $* failed"
    mv "$f.new" "$f"
}

# cfg_get FILTER: print a value from the config.
cfg_get() {
    jq -r "$1" "$BUNDLE/config.json"
}

# json_array ARG...: the ARGs as a JSON array of strings.  (jq's --args
# would take an argument such as "-c" for one of its own options.)
json_array() {
    local a
    for a in "$@"; do
        jq -n --arg x "$a" '$x'
    done | jq -cs .
}

# set_args ARG...: the container's process.args.
set_args() {
    cfg --argjson a "$(json_array "$@")" '.process.args = $a'
}

# sh_args SCRIPT: process.args = ["sh", "-c", SCRIPT].
sh_args() {
    set_args sh -c "$1"
}

# new_id: a container ID unique to this test among all tests and runs at
# once (from TEST_UNIQ, and a counter kept in a file since new_id is called
# in $(...) subshells).  The runner checks each one for leftover cgroups.
new_id() {
    local n id
    n=$(($(cat "$TDIR/.id-seq" 2>/dev/null || echo 0) + 1))
    echo "$n" >"$TDIR/.id-seq"
    id=bt$TEST_UNIQ-$n
    echo "$id" >>"$TDIR/.ids"
    echo "$id"
}

# inside SCRIPT: run SCRIPT with sh -c in a new container (brig run) and
# require success; its stdout is left in $output.
inside() {
    sh_args "$1"
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
}

# create_ctr ID: `create` a container from $BUNDLE and require success.
create_ctr() {
    run B create --bundle "$BUNDLE" "$1"
    assert_ok
}

# state_of ID [FIELD]: the container's state JSON, or one field of it.
state_of() {
    if [ $# -ge 2 ]; then
        B state "$1" | jq -r ".$2"
    else
        B state "$1"
    fi
}

# status_of ID: created, running, stopped ... (or "unknown" on error).
status_of() {
    local s
    s=$(B state "$1" 2>/dev/null | jq -r .status 2>/dev/null) || s=
    echo "${s:-unknown}"
}

# wait_status ID STATUS [SECONDS]: poll until the container has STATUS.
wait_status() {
    local id=$1 want=$2 secs=${3:-10} s i
    for ((i = 0; i < secs * 20; i++)); do
        s=$(status_of "$id")
        [ "$s" = "$want" ] && return 0
        sleep 0.05
    done
    fail "container $id: status $s, expected $want after ${secs}s"
}

# wait_for CMD...: poll CMD until it succeeds (5s).
wait_for() {
    local i
    for ((i = 0; i < 100; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    fail "timed out waiting for: $*"
}

# pid_alive PID: the process exists and is not a zombie.
pid_alive() {
    local st
    st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# ns_id PID NS: the namespace identity, like "pid:[4026531836]".
ns_id() {
    readlink "/proc/$1/ns/$2"
}

# defer CMD: run the shell command CMD when the test ends, pass or fail
# (latest first).  For cleanup the runner cannot guess: mounts, cgroups...
_deferred=()
defer() {
    _deferred+=("$1")
}

_run_deferred() {
    local i
    for ((i = ${#_deferred[@]} - 1; i >= 0; i--)); do
        eval "${_deferred[$i]}" || true
    done
    _deferred=()
}

# The container cgroup directories brig or runc might have made for ID
# (only the ones that exist are printed).
cgroup_dirs_of() {
    local id=$1 d
    for d in /sys/fs/cgroup/*/brig/"$id" /sys/fs/cgroup/*/"$id" \
        /sys/fs/cgroup/brig/"$id" /sys/fs/cgroup/"$id"; do
        [ -d "$d" ] && echo "$d"
    done
    return 0
}

# add_mount DEST TYPE SOURCE [OPTION...]: append a mount to the config.
add_mount() {
    local dest=$1 type=$2 src=$3
    shift 3
    cfg --arg d "$dest" --arg t "$type" --arg s "$src" --argjson o "$(json_array "$@")" \
        '.mounts += [{destination: $d, type: $t, source: $s, options: $o}]'
}

# add_share: bind-mount a fresh host dir $SHARE read-write at /share in the
# container, to pass files out of (and into) it.
add_share() {
    SHARE=$TDIR/share
    mkdir -p "$SHARE"
    chmod 777 "$SHARE"
    add_mount /share bind "$SHARE" rbind rw
}

# host_has_cap N: this (test) process has capability number N in its
# effective set; some VMs run root without e.g. CAP_SYS_RESOURCE (24).
host_has_cap() {
    local eff
    eff=$(awk '$1 == "CapEff:" {print $2}' /proc/self/status)
    (((0x$eff >> $1) & 1))
}
