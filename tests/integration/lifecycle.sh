# shellcheck shell=bash disable=SC2153,SC2154,SC2164
# (ROOT, BUNDLE, output, status... come from tests/lib/helpers.sh)
# Container lifecycle: create, start, run, state, kill, delete, list and the
# status transitions between them.

test_run_exits_zero_and_removes_container() {
    local id
    id=$(new_id)
    set_args true
    run B run --bundle "$BUNDLE" "$id"
    assert_ok
    run B state "$id"
    assert_status 1
    assert_not_exists "$ROOT/$id" "run left its state dir behind"
    [ -z "$(cgroup_dirs_of "$id")" ] || fail "run left cgroups: $(cgroup_dirs_of "$id")"
}

test_run_exit_status_is_the_containers() {
    sh_args 'exit 42'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_status 42
    sh_args 'exit 3'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_status 3
}

test_run_exit_status_on_signal_is_128_plus_signal() {
    # Without a pid namespace the shell is not an init and can kill itself.
    cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
    sh_args 'kill -KILL $$'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_status 137
    sh_args 'kill -TERM $$; sleep 5'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_status 143
}

test_run_detach_returns_while_container_runs() {
    local id
    id=$(new_id)
    set_args sleep 30
    run timeout 10 "$BRIG" --root "$ROOT" run --detach --bundle "$BUNDLE" "$id"
    assert_ok
    assert_eq "$(status_of "$id")" running
    run B kill "$id" KILL
    assert_ok
    wait_status "$id" stopped
    run B delete "$id"
    assert_ok
}

# BRIG_TRACE=1 (what tests/bench/trace-steps reads): one line a step,
# "brig-trace PID WALL us CPU cpu-us STEP", the runtime's from main to the
# container's removal and the init's from GO to its execve, CPU (the
# process's, since its fork) never going back.
# The steps of the trace LINES whose PID is (IS=1) or is not (IS=0) PID,
# each followed by a comma.
trace_steps_of() {
    awk -v p="$1" -v is="$2" '($2 == p) == is {s = $7; for (i = 8; i <= NF; i++) s = s " " $i; print s}' <<<"$3" |
        tr '\n' ','
}

test_run_trace_lines_carry_wall_and_cpu_time() {
    set_args true
    BRIG_TRACE=1 run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    local lines bad
    lines=$(grep '^brig-trace ' <<<"$stderr")
    bad=$(grep -Ev '^brig-trace [0-9]+ +[0-9]+ us +[0-9]+ cpu-us [^ ].*$' <<<"$lines" || true)
    [ -z "$bad" ] || fail "trace lines not in the format trace-steps reads: $bad"
    local rt steps
    rt=$(head -n1 <<<"$lines" | awk '{print $2}')
    steps=$(trace_steps_of "$rt" 1 "$lines")
    # clone returns once an init on the runtime's memory (clone_vm.c) has
    # executed the program; a forked one reports READY and gets an ack
    [[ $steps == "main,"*"state new,planned,"*"cloned,"*"exec seen,waited,destroyed," ]] ||
        fail "runtime's trace steps: $steps"
    if init_on_runtime_memory; then
        [[ $steps != *"init READY"* ]] || fail "an init on the runtime's memory reported READY: $steps"
    else
        [[ $steps == *"init READY,saved 2,exec seen,"* ]] || fail "runtime's trace steps: $steps"
    fi
    awk -v p="$rt" '$2 == p { if ($5 < last) exit 1; last = $5 }' <<<"$lines" ||
        fail "the runtime's CPU went back between two steps"
    awk -v p="$rt" '$2 == p && $7 == "main" {m = $5} $2 == p && $7 == "destroyed" {d = $5}
                    END {exit !(m > 0 && d > m)}' <<<"$lines" ||
        fail "no CPU spent between main and destroyed"
    steps=$(trace_steps_of "$rt" 0 "$lines")
    [[ $steps == "init: GO,"*"init: execve," ]] || fail "init's trace steps: $steps"
}

# run clones its init on its own memory when nothing has to serve the init
# before it executes the program (container.c, init_on_our_memory); a
# prestart hook does.
test_run_clones_its_init_on_the_runtime_memory_unless_something_must_serve_it() {
    init_on_runtime_memory || skip "this build forks every init (not x86_64, or AddressSanitizer)"
    command -v strace >/dev/null || skip "strace is not installed"
    set_args true
    run strace -f -qq -e trace=clone3 -o "$TDIR/clone" "$BRIG" --root "$ROOT" run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    grep -q 'flags=CLONE_VM|' "$TDIR/clone" || fail "run forked its init: $(cat "$TDIR/clone")"
    # a memory limit, its own or (with a cgroupsPath) a parent's: vfork,
    # whose child the OOM killer never takes (with the runtime, whose
    # memory it shares)
    local with
    for with in '.linux.resources.memory = {limit: 268435456}' '.linux.cgroupsPath = "/brig-vfork-test/c"'; do
        cp "$BUNDLE/config.json" "$TDIR/config.json"
        cfg "$with"
        run strace -f -qq -e trace=clone3 -o "$TDIR/clone" "$BRIG" --root "$ROOT" run --bundle "$BUNDLE" "$(new_id)"
        assert_ok "$with"
        grep -q 'flags=CLONE_VM|CLONE_VFORK|' "$TDIR/clone" || fail "$with: not a vfork: $(cat "$TDIR/clone")"
        cp "$TDIR/config.json" "$BUNDLE/config.json"
    done
    cfg '.hooks = {prestart: [{path: "/bin/true"}]}'
    run strace -f -qq -e trace=clone3 -o "$TDIR/clone" "$BRIG" --root "$ROOT" run --bundle "$BUNDLE" "$(new_id)"
    assert_ok "with a prestart hook"
    grep -q 'clone3(' "$TDIR/clone" || fail "no clone3 seen: $(cat "$TDIR/clone")"
    if grep -q 'CLONE_VM' "$TDIR/clone"; then
        fail "with a prestart hook, run cloned its init on its memory: $(cat "$TDIR/clone")"
    fi
}

test_run_short_detach_flag() {
    local id
    id=$(new_id)
    set_args sleep 30
    run timeout 10 "$BRIG" --root "$ROOT" run -d -b "$BUNDLE" "$id"
    assert_ok
    assert_eq "$(status_of "$id")" running
}

test_create_start_kill_delete_transitions() {
    local id pid
    id=$(new_id)
    set_args sleep 30
    create_ctr "$id"
    assert_eq "$(status_of "$id")" created
    pid=$(state_of "$id" pid)
    assert_match "$pid" '^[1-9][0-9]*$' "created container has a pid"
    pid_alive "$pid" || fail "created container's process $pid is not alive"

    run B start "$id"
    assert_ok
    assert_eq "$(status_of "$id")" running
    assert_eq "$(state_of "$id" pid)" "$pid" "pid changed on start"

    run B kill "$id" KILL
    assert_ok
    wait_status "$id" stopped
    run B delete "$id"
    assert_ok
    run B state "$id"
    assert_status 1
    assert_not_exists "$ROOT/$id"
}

test_created_container_has_not_run_the_program() {
    local id
    id=$(new_id)
    add_share
    sh_args 'echo ran > /share/ran'
    create_ctr "$id"
    sleep 0.3
    assert_not_exists "$SHARE/ran" "process ran before start"
    run B start "$id"
    assert_ok
    wait_for test -e "$SHARE/ran"
    wait_status "$id" stopped
}

test_stopped_after_process_exits() {
    local id
    id=$(new_id)
    set_args true
    create_ctr "$id"
    run B start "$id"
    assert_ok
    wait_status "$id" stopped
    run B delete "$id"
    assert_ok
    assert_not_exists "$ROOT/$id"
}

test_state_json_fields() {
    local id js
    id=$(new_id)
    cfg '.annotations = {"org.example.key": "value"}'
    set_args sleep 30
    create_ctr "$id"
    run B state "$id"
    assert_ok
    js=$output
    assert_eq "$(jq -r .id <<<"$js")" "$id"
    assert_eq "$(jq -r .status <<<"$js")" created
    assert_match "$(jq -r .ociVersion <<<"$js")" '^1\.[0-9]+\.[0-9]+' ociVersion
    assert_match "$(jq -r .pid <<<"$js")" '^[1-9][0-9]*$' pid
    assert_eq "$(jq -r .bundle <<<"$js")" "$BUNDLE" bundle
    assert_eq "$(jq -r .rootfs <<<"$js")" "$BUNDLE/rootfs" rootfs
    assert_match "$(jq -r .created <<<"$js")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9:]+)$' created
    jq -e 'has("owner")' <<<"$js" >/dev/null || fail "no owner field"
    if ! is_runc; then
        # runc does not report annotations in state.
        assert_eq "$(jq -r '.annotations["org.example.key"]' <<<"$js")" value annotations
    fi
}

test_state_bundle_is_absolute_with_relative_bundle_arg() {
    local id
    id=$(new_id)
    set_args sleep 30
    cd "$TDIR"
    run B create --bundle bundle "$id"
    assert_ok
    assert_eq "$(state_of "$id" bundle)" "$BUNDLE"
}

test_create_in_bundle_cwd_by_default() {
    local id
    id=$(new_id)
    set_args sleep 30
    cd "$BUNDLE"
    run B create "$id"
    assert_ok
    assert_eq "$(state_of "$id" bundle)" "$BUNDLE"
}

test_create_existing_id_fails_and_changes_nothing() {
    local id pid
    id=$(new_id)
    set_args sleep 30
    create_ctr "$id"
    pid=$(state_of "$id" pid)
    run B create --bundle "$BUNDLE" "$id"
    assert_failed create
    assert_eq "$(status_of "$id")" created
    assert_eq "$(state_of "$id" pid)" "$pid"
    pid_alive "$pid" || fail "first container's process died"
}

test_run_existing_id_fails() {
    local id
    id=$(new_id)
    set_args sleep 30
    create_ctr "$id"
    run B run --bundle "$BUNDLE" "$id"
    assert_failed run
    assert_eq "$(status_of "$id")" created
}

test_start_running_container_fails() {
    local id
    id=$(new_id)
    set_args sleep 30
    create_ctr "$id"
    run B start "$id"
    assert_ok
    run B start "$id"
    assert_failed start
    assert_eq "$(status_of "$id")" running
}

test_start_stopped_container_fails() {
    local id
    id=$(new_id)
    set_args true
    create_ctr "$id"
    run B start "$id"
    assert_ok
    wait_status "$id" stopped
    run B start "$id"
    assert_failed start
    assert_eq "$(status_of "$id")" stopped
}

test_unknown_id_is_an_error() {
    local c
    for c in state start delete; do
        run B "$c" nosuchcontainer
        assert_failed "$c"
    done
    run B kill nosuchcontainer KILL
    assert_failed kill
}

test_invalid_id_is_rejected() {
    run B create --bundle "$BUNDLE" "../escape"
    assert_status 1
    assert_not_exists "$ROOT/../escape"
    assert_not_exists "$TDIR/escape"
}

test_delete_running_without_force_fails() {
    local id pid
    id=$(new_id)
    set_args sleep 30
    create_ctr "$id"
    run B start "$id"
    assert_ok
    pid=$(state_of "$id" pid)
    run B delete "$id"
    assert_failed delete
    assert_eq "$(status_of "$id")" running
    pid_alive "$pid" || fail "delete without --force killed the container"
}

test_delete_force_running_container() {
    local id pid i
    id=$(new_id)
    set_args sleep 30
    create_ctr "$id"
    run B start "$id"
    assert_ok
    pid=$(state_of "$id" pid)
    run B delete --force "$id"
    assert_ok
    run B state "$id"
    assert_status 1
    for ((i = 0; i < 50; i++)); do
        pid_alive "$pid" || break
        sleep 0.05
    done
    pid_alive "$pid" && fail "process $pid survived delete --force"
    assert_not_exists "$ROOT/$id"
}

test_delete_force_short_flag_created_container() {
    local id pid
    id=$(new_id)
    set_args sleep 30
    create_ctr "$id"
    pid=$(state_of "$id" pid)
    run B delete -f "$id"
    assert_ok
    run B state "$id"
    assert_status 1
    sleep 0.2
    pid_alive "$pid" && fail "process $pid survived delete -f"
    return 0
}

test_delete_created_without_force_is_an_error() {
    # The spec: deleting a container that is not stopped MUST fail; runc
    # deletes a created container anyway.
    skip_if_runc "deletes a created container without --force"
    local id pid
    id=$(new_id)
    set_args sleep 30
    create_ctr "$id"
    pid=$(state_of "$id" pid)
    run B delete "$id"
    assert_failed delete
    assert_eq "$(status_of "$id")" created
    pid_alive "$pid" || fail "delete killed the created container"
}

test_kill_signal_forms() {
    local id
    id=$(new_id)
    add_share
    # pid 1 of a pid namespace only gets signals it has handlers for.
    sh_args 'trap "echo USR1 >> /share/log" USR1; trap "echo USR2 >> /share/log" USR2
             trap "echo HUP >> /share/log" HUP; touch /share/ready
             while :; do sleep 0.05; done'
    create_ctr "$id"
    run B start "$id"
    assert_ok
    wait_for test -e "$SHARE/ready"
    run B kill "$id" USR1
    assert_ok
    wait_for grep -qx USR1 "$SHARE/log"
    run B kill "$id" SIGUSR2
    assert_ok
    wait_for grep -qx USR2 "$SHARE/log"
    run B kill "$id" 1
    assert_ok
    wait_for grep -qx HUP "$SHARE/log"
    assert_eq "$(tr '\n' ' ' <"$SHARE/log")" "USR1 USR2 HUP " "signals received"
}

test_kill_default_signal_is_term() {
    local id
    id=$(new_id)
    add_share
    sh_args 'trap "echo TERM > /share/log; exit 0" TERM; touch /share/ready
             while :; do sleep 0.05; done'
    create_ctr "$id"
    run B start "$id"
    assert_ok
    wait_for test -e "$SHARE/ready"
    run B kill "$id"
    assert_ok
    wait_status "$id" stopped
    assert_eq "$(cat "$SHARE/log")" TERM
}

test_kill_created_container() {
    local id
    id=$(new_id)
    set_args sleep 30
    create_ctr "$id"
    run B kill "$id" KILL
    assert_ok
    wait_status "$id" stopped
}

test_kill_bad_signal_is_an_error() {
    local id
    id=$(new_id)
    set_args sleep 30
    create_ctr "$id"
    run B kill "$id" NOSUCHSIG
    assert_failed kill
    assert_eq "$(status_of "$id")" created
}

test_kill_stopped_container_is_an_error() {
    local id
    id=$(new_id)
    set_args true
    create_ctr "$id"
    run B start "$id"
    assert_ok
    wait_status "$id" stopped
    run B kill "$id" KILL
    assert_failed kill
}

test_kill_all_reaches_every_process() {
    local id p1 p2
    id=$(new_id)
    add_share
    # Shared pid namespace: killing the init alone would leave the children.
    cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
    sh_args 'sleep 60 & echo $! > /share/p1; sleep 60 & echo $! > /share/p2; wait'
    create_ctr "$id"
    run B start "$id"
    assert_ok
    wait_for test -s "$SHARE/p2"
    p1=$(cat "$SHARE/p1") p2=$(cat "$SHARE/p2")
    pid_alive "$p1" || fail "child $p1 not running"
    run B kill --all "$id" KILL
    assert_ok
    wait_status "$id" stopped
    local i
    for ((i = 0; i < 50; i++)); do
        pid_alive "$p1" || pid_alive "$p2" || break
        sleep 0.05
    done
    pid_alive "$p1" && fail "child $p1 survived kill --all"
    pid_alive "$p2" && fail "child $p2 survived kill --all"
    return 0
}

test_list_formats() {
    local a b
    a=$(new_id) b=$(new_id)
    set_args sleep 30
    create_ctr "$a"
    create_ctr "$b"
    run B start "$b"
    assert_ok

    run B list
    assert_ok
    assert_match "$(head -n 1 <<<"$output")" '^ID +PID +STATUS +BUNDLE' "table header"
    assert_match "$output" "$a +[0-9]+ +created +$BUNDLE" "table row of $a"
    assert_match "$output" "$b +[0-9]+ +running +$BUNDLE" "table row of $b"

    run B list --quiet
    assert_ok
    assert_eq "$(sort <<<"$output" | tr '\n' ' ')" "$(printf '%s\n' "$a" "$b" | sort | tr '\n' ' ')" "list -q"
    run B list -q
    assert_ok
    assert_eq "$(wc -l <<<"$output")" 2

    run B list --format json
    assert_ok
    assert_eq "$(jq -r --arg i "$a" '.[] | select(.id == $i) | .status' <<<"$output")" created
    assert_eq "$(jq -r --arg i "$b" '.[] | select(.id == $i) | .status' <<<"$output")" running
    assert_eq "$(jq -r --arg i "$b" '.[] | select(.id == $i) | .bundle' <<<"$output")" "$BUNDLE"
    assert_match "$(jq -r --arg i "$b" '.[] | select(.id == $i) | .pid' <<<"$output")" '^[1-9][0-9]*$'

    run B list --format=json
    assert_ok
    assert_eq "$(jq length <<<"$output")" 2
}

test_list_empty_root() {
    run B list --format json
    assert_ok
    # runc prints "null" for no containers.
    if ! is_runc; then
        assert_eq "$(jq -c . <<<"$output")" "[]"
    fi
    run B list -q
    assert_ok
    assert_eq "$output" ""
}

test_root_dirs_are_separate() {
    local id other=$TDIR/other-root
    id=$(new_id)
    set_args sleep 30
    create_ctr "$id"
    assert_exists "$ROOT/$id" "state dir under --root"
    run "$BRIG" --root "$other" state "$id"
    assert_status 1
    run "$BRIG" --root="$other" list -q
    assert_ok
    assert_eq "$output" ""
}

test_pid_file() {
    local id
    id=$(new_id)
    set_args sleep 30
    run B create --bundle "$BUNDLE" --pid-file "$TDIR/pidfile" "$id"
    assert_ok
    assert_eq "$(tr -d '\n' <"$TDIR/pidfile")" "$(state_of "$id" pid)" "pid file"
}

test_long_options_with_equals() {
    local id
    id=$(new_id)
    set_args sleep 30
    run B create --bundle="$BUNDLE" --pid-file="$TDIR/pidfile" "$id"
    assert_ok
    assert_eq "$(tr -d '\n' <"$TDIR/pidfile")" "$(state_of "$id" pid)" "pid file"
    run B delete --force "$id"
    assert_ok
}

test_run_pid_file_and_detach() {
    local id
    id=$(new_id)
    set_args sleep 30
    run timeout 10 "$BRIG" --root "$ROOT" run -d --pid-file "$TDIR/pidfile" --bundle "$BUNDLE" "$id"
    assert_ok
    assert_eq "$(tr -d '\n' <"$TDIR/pidfile")" "$(state_of "$id" pid)" "pid file"
}

test_config_versions_accepted() {
    local v
    set_args true
    for v in 1.0.0 1.0.1 1.0.2 1.0.2-dev 1.1.0 1.1.0-rc.1 1.2.0 1.2.1 1.3.0; do
        cfg --arg v "$v" '.ociVersion = $v'
        run B run --bundle "$BUNDLE" "$(new_id)"
        [ "$status" = 0 ] || fail "ociVersion $v rejected: $stderr"
    done
}

test_create_without_process_then_start_fails() {
    # The spec lets a config have no process; start must then fail.
    skip_if_runc "requires process in config"
    local id
    id=$(new_id)
    cfg 'del(.process)'
    run B create --bundle "$BUNDLE" "$id"
    assert_ok
    assert_eq "$(status_of "$id")" created
    run B start "$id"
    assert_failed start
}

# Nothing of a failed create may remain: state, processes, cgroups, mounts.
assert_nothing_left() {
    local id=$1 p root
    assert_not_exists "$ROOT/$id" "failed create left $ROOT/$id"
    run B state "$id"
    assert_status 1
    run B list -q
    assert_not_contains "$output" "$id" "list shows the failed container"
    for p in /proc/[0-9]*; do
        root=$(readlink "$p/root" 2>/dev/null) || continue
        [[ $root == "$BUNDLE/rootfs"* ]] && fail "process ${p#/proc/} left in the rootfs"
    done
    [ -z "$(cgroup_dirs_of "$id")" ] || fail "cgroups left: $(cgroup_dirs_of "$id")"
    if awk -v p="$BUNDLE/" 'index($5, p) == 1 {found = 1} END {exit !found}' /proc/self/mountinfo; then
        fail "mounts left under $BUNDLE"
    fi
    return 0
}

test_failed_create_missing_program_leaves_nothing() {
    local id
    id=$(new_id)
    set_args /no/such/program
    run B create --bundle "$BUNDLE" "$id"
    assert_failed create
    assert_nothing_left "$id"
}

test_failed_run_missing_program_leaves_nothing() {
    local id
    id=$(new_id)
    set_args no-such-program-in-path
    run B run --bundle "$BUNDLE" "$id"
    assert_failed run
    assert_nothing_left "$id"
}

test_failed_create_bad_mount_leaves_nothing() {
    local id
    id=$(new_id)
    set_args true
    add_mount /mnt/x bind "$TDIR/does-not-exist" bind
    run B create --bundle "$BUNDLE" "$id"
    assert_failed create
    assert_nothing_left "$id"
}

test_failed_create_bad_config_leaves_nothing() {
    local id
    id=$(new_id)
    echo '{"ociVersion": "1.0.2", "root": ' >"$BUNDLE/config.json"
    run B create --bundle "$BUNDLE" "$id"
    assert_failed create
    assert_nothing_left "$id"
}

test_failed_create_with_cgroups_path_leaves_no_cgroup() {
    local id cg
    id=$(new_id)
    cg=/brig-test-$id
    set_args /no/such/program
    cfg --arg p "$cg" '.linux.cgroupsPath = $p'
    run B create --bundle "$BUNDLE" "$id"
    assert_failed create
    for d in /sys/fs/cgroup/*"$cg"; do
        [ -d "$d" ] && { rmdir "$d"; fail "cgroup $d left behind"; }
    done
    assert_nothing_left "$id"
}

test_missing_bundle_is_an_error() {
    local id
    id=$(new_id)
    run B create --bundle "$TDIR/nonexistent" "$id"
    assert_failed create
    assert_not_exists "$ROOT/$id"
}

test_delete_removes_cgroups() {
    local id
    id=$(new_id)
    set_args sleep 30
    create_ctr "$id"
    [ -n "$(cgroup_dirs_of "$id")" ] || fail "no cgroup found for $id under /sys/fs/cgroup"
    run B kill "$id" KILL
    assert_ok
    wait_status "$id" stopped
    run B delete "$id"
    assert_ok
    [ -z "$(cgroup_dirs_of "$id")" ] || fail "delete left cgroups: $(cgroup_dirs_of "$id")"
}

test_default_root_dir() {
    local id default=/run/brig
    is_runc && default=/run/runc
    is_crun && default=/run/crun
    id=$(new_id)
    set_args sleep 30
    defer "timeout 10 '$BRIG' delete --force '$id' >/dev/null 2>&1"
    run "$BRIG" create --bundle "$BUNDLE" "$id"
    assert_ok
    assert_exists "$default/$id" "state not under $default"
    run "$BRIG" delete --force "$id"
    assert_ok
    assert_not_exists "$default/$id"
}
