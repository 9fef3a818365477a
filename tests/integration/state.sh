# shellcheck shell=bash disable=SC2153,SC2154,SC2164
# (ROOT, BUNDLE, output, status... come from tests/lib/helpers.sh)
# The state directory: state.json replaced atomically, delete --force of a
# container whose state is torn or gone, list showing what it cannot read,
# and nothing of brig's own left in the engine's --root.

# started ID: a running `sleep 300` container; prints nothing, sets PID.
started() {
    set_args sleep 300
    create_ctr "$1"
    run B start "$1"
    assert_ok
    PID=$(state_of "$1" pid)
    pid_alive "$PID" || fail "container $1 is not running"
}

# gone ID PID: no process, cgroup or state directory left of ID.
gone() {
    local i
    for ((i = 0; i < 100; i++)); do pid_alive "$2" || break; sleep 0.05; done
    pid_alive "$2" && fail "the init $2 of $1 is still alive"
    [ -z "$(cgroup_dirs_of "$1")" ] || fail "cgroups left: $(cgroup_dirs_of "$1")"
    assert_not_exists "$ROOT/$1" "the state directory of $1 is left"
}

test_state_write_failure_keeps_the_old_state() {
    skip_if_runc "runc's state file is written the same way; the test needs brig's layout"
    local id
    id=$(new_id)
    set_args sleep 300
    create_ctr "$id"
    # A 1 KiB file size limit: the state (config included) cannot be written.
    run bash -c 'trap "" XFSZ; ulimit -f 1; exec "$@"' _ "$BRIG" --root "$ROOT" start "$id"
    assert_failed
    assert_contains "$stderr" "state"
    # The old state is whole: the container is still "created" and usable.
    assert_eq "$(status_of "$id")" created
    assert_not_exists "$ROOT/$id/.state.json.tmp" "the temp file is left"
    run B start "$id"
    assert_ok
    assert_eq "$(status_of "$id")" running
    run B delete --force "$id"
    assert_ok
}

test_delete_force_of_a_torn_state() {
    local id
    id=$(new_id)
    started "$id"
    truncate -s 100 "$ROOT/$id/state.json"
    run B state "$id"
    assert_failed
    run B delete "$id"
    assert_failed
    assert_contains "$stderr" "--force"
    run B delete --force "$id"
    assert_ok
    assert_contains "$stderr" "$id"
    assert_contains "$stderr" "killed"
    gone "$id" "$PID"
}

test_delete_force_of_a_missing_state() {
    local id
    id=$(new_id)
    started "$id"
    rm "$ROOT/$id/state.json"
    run B delete --force "$id"
    assert_ok
    assert_contains "$stderr" "killed"
    gone "$id" "$PID"
}

test_delete_force_of_a_garbage_state_finds_a_custom_cgroup() {
    local id cg
    id=$(new_id)
    cg=/brig-state-test/$id
    cfg --arg p "$cg" '.linux.cgroupsPath = $p'
    defer "rmdir /sys/fs/cgroup/*/brig-state-test /sys/fs/cgroup/brig-state-test 2>/dev/null"
    started "$id"
    [ -n "$(ls -d /sys/fs/cgroup/*"$cg" /sys/fs/cgroup"$cg" 2>/dev/null)" ] || fail "no cgroup $cg"
    echo '[1, 2' >"$ROOT/$id/state.json"
    run B delete --force "$id"
    assert_ok
    assert_contains "$stderr" "$cg"
    gone "$id" "$PID"
    [ -z "$(ls -d /sys/fs/cgroup/*"$cg" /sys/fs/cgroup"$cg" 2>/dev/null)" ] ||
        fail "cgroup left: $(ls -d /sys/fs/cgroup/*"$cg" /sys/fs/cgroup"$cg" 2>/dev/null)"
}

test_list_shows_a_container_it_cannot_read() {
    local id ok
    id=$(new_id) ok=$(new_id)
    set_args true
    create_ctr "$ok"
    started "$id"
    echo garbage >"$ROOT/$id/state.json"
    run B list
    assert_ok
    grep -Eq "^$id +0 +unknown" <<<"$output" || fail "no unknown row for $id: $output"
    grep -Eq "^$ok +[0-9]+ +created" <<<"$output" || fail "no row for $ok: $output"
    assert_contains "$stderr" "$id"
    run B list -q
    assert_ok
    assert_contains "$output" "$id"
    run B list -f json
    assert_ok
    assert_eq "$(jq -r --arg id "$id" '.[] | select(.id == $id) | .status' <<<"$output")" unknown
    assert_eq "$(jq -r --arg id "$ok" '.[] | select(.id == $id) | .status' <<<"$output")" created
    assert_contains "$stderr" "$id"
    run B delete --force "$id"
    assert_ok
    gone "$id" "$PID"
    run B delete --force "$ok"
    assert_ok
}

# list and state parse state.json without its "config" (the last key):
# annotations spelling that key, quotes and backslashes must not fool the
# cut, and a state.json in another key order is read whole.
test_state_and_list_read_tricky_annotations() {
    skip_if_runc "brig's state.json layout"
    local id want
    id=$(new_id)
    set_args sleep 300
    cfg '.annotations = {"a\\\\\"": "\"}", "config": "\",\"config\":\"x\\\\", "z": "\\"}'
    want=$(cfg_get '.annotations | to_entries | sort_by(.key) | from_entries | tojson')
    create_ctr "$id"
    run B state "$id"
    assert_ok
    assert_eq "$(jq -c '.annotations | del(."org.brig.policy.added") | to_entries | sort_by(.key) | from_entries' <<<"$output")" "$want"
    assert_eq "$(jq -r .status <<<"$output")" created
    run B list -f json
    assert_ok
    assert_eq "$(jq -r --arg id "$id" '.[] | select(.id == $id) | .bundle' <<<"$output")" "$BUNDLE"
    # "config" first: not the layout brig writes; read whole all the same
    jq -c '{config} + del(.config)' "$ROOT/$id/state.json" >"$ROOT/$id/state.json.new"
    mv "$ROOT/$id/state.json.new" "$ROOT/$id/state.json"
    assert_eq "$(status_of "$id")" created
    assert_eq "$(state_of "$id" bundle)" "$BUNDLE"
    run B start "$id"
    assert_ok
    assert_eq "$(status_of "$id")" running
    run B delete --force "$id"
    assert_ok
}

test_root_is_empty_after_delete() {
    local id
    id=$(new_id)
    set_args true
    # the default profile: a compiled seccomp filter
    [ "$(cfg_get '.linux.seccomp != null')" = true ] || cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO"}]}'
    create_ctr "$id"
    run B delete --force "$id"
    assert_ok
    assert_eq "$(ls -A "$ROOT" 2>/dev/null)" "" "left in --root after delete"
}
