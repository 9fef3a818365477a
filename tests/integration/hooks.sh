# shellcheck shell=bash
# The six hooks, as brig runs them (include/brig/hooks.h): each at its
# point of the lifecycle, in its namespace, with the state of its moment
# on stdin; failing ones fail create or start and leave nothing behind, or
# stop the container.  spec_hooks.sh covers the runtime-side basics; this
# file adds createRuntime, createContainer and startContainer.
#
# Every hook appends a line to $SHARE/hooks.log: runtime-side hooks by its
# host path, startContainer (which runs inside, after pivot_root) through
# the container's /share bind.

setup() {
    add_share
    LOG=$SHARE/hooks.log
    : >"$LOG"
    chmod 666 "$LOG"
}

# hook PATH SCRIPT: a hook object running SCRIPT with sh at PATH.
hook() {
    jq -cn --arg p "$1" --arg s "$2" '{path: $p, args: ["sh", "-c", $s]}'
}

# A hook that logs NAME with the status and pid it got on stdin, and the
# namespaces (net, mnt) it runs in.
log_hook() {
    local name=$1 log=${2:-$LOG} sh=${3:-/bin/sh}
    # shellcheck disable=SC2016
    hook "$sh" 'st=$(cat | tr -d " \n"); s=${st#*\"status\":\"}; s=${s%%\"*}; p=${st#*\"pid\":}; p=${p%%,*}
        echo "'"$name"' $s $p $(readlink /proc/self/ns/net) $(readlink /proc/self/ns/mnt)" >> '"$log"
}

# log_lines: the hook names in order, space-joined.
log_names() {
    awk '{print $1}' "$LOG" | tr '\n' ' ' | sed 's/ $//'
}

# log_field NAME N: field N of NAME's line.
log_field() {
    awk -v n="$1" -v f="$2" '$1 == n {print $f}' "$LOG"
}

all_hooks_config() {
    cfg --argjson a "$(log_hook prestart)" --argjson b "$(log_hook createRuntime)" \
        --argjson c "$(log_hook createContainer)" --argjson d "$(log_hook startContainer /share/hooks.log)" \
        --argjson e "$(log_hook poststart)" --argjson f "$(log_hook poststop)" \
        '.hooks = {prestart: [$a], createRuntime: [$b], createContainer: [$c], startContainer: [$d],
                   poststart: [$e], poststop: [$f]}'
}

test_hooks_all_six_in_order_with_their_state() {
    skip_if_runc "runc 1.1 runs poststart at create"
    local id pid hostnet hostmnt
    id=$(new_id)
    all_hooks_config
    set_args sleep 30
    create_ctr "$id"
    pid=$(state_of "$id" pid)
    assert_eq "$(log_names)" "prestart createRuntime createContainer" "hooks after create"
    run B start "$id"
    assert_ok
    assert_eq "$(log_names)" "prestart createRuntime createContainer startContainer poststart" "hooks after start"
    run B kill "$id" KILL
    assert_ok
    wait_status "$id" stopped
    run B delete "$id"
    assert_ok
    assert_eq "$(log_names)" "prestart createRuntime createContainer startContainer poststart poststop" \
        "hooks after delete"

    # The state of each moment (runtime.md "State"; prestart says created,
    # as the runtime-tools suite expects).
    assert_eq "$(log_field prestart 2)" created "prestart status"
    assert_eq "$(log_field createRuntime 2)" creating "createRuntime status"
    assert_eq "$(log_field createContainer 2)" creating "createContainer status"
    assert_eq "$(log_field startContainer 2)" created "startContainer status"
    assert_eq "$(log_field poststart 2)" running "poststart status"
    assert_eq "$(log_field poststop 2)" stopped "poststop status"
    # The pid as seen from the hook's namespace.
    assert_eq "$(log_field prestart 3)" "$pid" "prestart pid"
    assert_eq "$(log_field createRuntime 3)" "$pid" "createRuntime pid"
    assert_eq "$(log_field poststart 3)" "$pid" "poststart pid"
    assert_eq "$(log_field createContainer 3)" 1 "createContainer pid (the container's pid namespace)"
    assert_eq "$(log_field startContainer 3)" 1 "startContainer pid (the container's pid namespace)"

    # Namespaces: runtime hooks in the host's, container hooks in the
    # container's network and mount namespaces.
    hostnet=$(readlink /proc/self/ns/net) hostmnt=$(readlink /proc/self/ns/mnt)
    for k in prestart createRuntime poststart poststop; do
        assert_eq "$(log_field $k 4)" "$hostnet" "$k must run in the runtime's network namespace"
        assert_eq "$(log_field $k 5)" "$hostmnt" "$k must run in the runtime's mount namespace"
    done
    for k in createContainer startContainer; do
        assert_ne "$(log_field $k 4)" "$hostnet" "$k must run in the container's network namespace"
        assert_ne "$(log_field $k 5)" "$hostmnt" "$k must run in the container's mount namespace"
    done
}

test_hooks_with_run() {
    skip_if_runc "runc 1.1 runs poststart before startContainer"
    all_hooks_config
    sh_args 'echo program >> /share/hooks.log'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    # run waits for the program to be executed before poststart, but the
    # program's own line may come before or after poststart's.
    assert_eq "$(log_names | tr ' ' '\n' | grep -v program | tr '\n' ' ' | sed 's/ $//')" \
        "prestart createRuntime createContainer startContainer poststart poststop"
    assert_contains "$(log_names)" "startContainer"
    grep -q '^program' "$LOG" || fail "the program did not run"
}

test_hooks_create_container_sees_the_container_mounts_before_pivot() {
    # createContainer: the container's mount namespace, before pivot_root:
    # the rootfs with its mounts, at its host path; the path resolves on
    # the host (the host's /bin/sh).
    cfg --argjson c "$(hook /bin/sh "grep -c ' $BUNDLE/rootfs/proc ' /proc/self/mountinfo > $SHARE/cc; \
        test -e $SHARE/hooks.log && echo host-path-ok >> $SHARE/cc")" '.hooks = {createContainer: [$c]}'
    set_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_eq "$(head -n 1 "$SHARE/cc")" 1 "the container's /proc mount is not visible to createContainer"
    assert_contains "$(cat "$SHARE/cc")" host-path-ok
}

test_hooks_start_container_runs_inside_the_container() {
    # startContainer: after pivot_root; its path resolves in the container.
    echo "inside" >"$BUNDLE/rootfs/etc/marker"
    cfg --argjson d "$(hook /bin/sh 'cat /etc/marker >> /share/hooks.log; hostname >> /share/hooks.log')" \
        '.hooks = {startContainer: [$d]}'
    set_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_eq "$(cat "$LOG")" $'inside\nbrig' "startContainer did not run in the container"
}

test_hooks_args_env_and_timeout() {
    local id
    id=$(new_id)
    cfg --arg log "$LOG" '.hooks = {createRuntime: [{path: "/bin/sh", args: ["sh", "-c", "echo \"$0 $1 $FOO\" >> \($log)", "arg0", "arg1"],
                                                    env: ["FOO=bar"]}],
                                    prestart: [{path: "/bin/sh", args: ["sh", "-c", "sleep 0.2"], timeout: 5}]}'
    set_args true
    run B run --bundle "$BUNDLE" "$id"
    assert_ok
    assert_eq "$(cat "$LOG")" "arg0 arg1 bar" "args or env not passed"

    # Without env, the hook's environment is empty (not the runtime's).
    : >"$LOG"
    cfg --arg log "$LOG" '.hooks = {createRuntime: [{path: "/bin/sh", args: ["sh", "-c", "echo \"[${BRIG_SECRET_ENV-}]\" >> \($log)"]}]}'
    BRIG_SECRET_ENV=leaked run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    is_runc || assert_eq "$(cat "$LOG")" "[]" "the runtime's environment leaked into the hook"

    # A hook past its timeout is killed and fails create.
    id=$(new_id)
    cfg '.hooks = {createRuntime: [{path: "/bin/sleep", args: ["sleep", "30"], timeout: 1}]}'
    local t0=$SECONDS
    run B create --bundle "$BUNDLE" "$id"
    assert_failed create
    [ $((SECONDS - t0)) -lt 10 ] || fail "the hook's timeout was not enforced"
    is_runc || assert_contains "$stderr" "timed out"
    run B state "$id"
    assert_status 1
}

test_hooks_ignoring_a_large_stdin_does_not_hang() {
    # 200 KB of annotations: more than a pipe holds; the hooks never read.
    cfg '.annotations = {"big": ("a" * 200000)}
        | .hooks = {createRuntime: [{path: "/bin/true"}], poststop: [{path: "/bin/true"}]}'
    set_args true
    run timeout 20 "$BRIG" --root "$ROOT" run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    # One that neither reads nor exits: its timeout still holds (a blocking
    # write of the state would wait for it).
    cfg '.hooks = {createRuntime: [{path: "/bin/sleep", args: ["sleep", "30"], timeout: 2}]}'
    local t0=$SECONDS
    run timeout 20 "$BRIG" --root "$ROOT" run --bundle "$BUNDLE" "$(new_id)"
    assert_failed run
    [ $((SECONDS - t0)) -lt 10 ] || fail "the hook's timeout was not enforced while its stdin was full"
}

# A failing create-time hook: create fails, names the hook, leaves no
# state, cgroup or process, the program never runs and the poststop hooks
# do (runtime.md: "continue the lifecycle at step 12").
check_create_hook_failure() {
    local kind=$1 id
    id=$(new_id)
    cfg --argjson a "$(hook /bin/sh 'exit 3')" --argjson p "$(log_hook poststop)" \
        --arg k "$kind" '.hooks = {($k): [$a], poststop: [$p]}'
    sh_args 'echo program >> /share/hooks.log'
    run B create --bundle "$BUNDLE" "$id"
    assert_failed create
    is_runc || assert_contains "$stderr" "$kind hook"
    run B state "$id"
    assert_status 1
    assert_not_exists "$ROOT/$id"
    [ -z "$(cgroup_dirs_of "$id")" ] || fail "$kind failure left a cgroup: $(cgroup_dirs_of "$id")"
    grep -q program "$LOG" && fail "the program ran after a failed $kind hook"
    # The lifecycle continues at delete: the poststop hooks run.
    is_runc || assert_eq "$(log_names)" poststop "poststop hooks after a failed $kind hook"
    return 0
}

test_hooks_failing_prestart_fails_create() {
    check_create_hook_failure prestart
}

test_hooks_failing_create_runtime_fails_create() {
    check_create_hook_failure createRuntime
}

test_hooks_failing_create_container_fails_create() {
    check_create_hook_failure createContainer
}

test_hooks_failing_start_container_fails_start_and_stops() {
    skip_if_runc "runc 1.1 start succeeds when a startContainer hook fails"
    local id
    id=$(new_id)
    cfg --argjson d "$(hook /bin/sh 'echo failing >&2; exit 7')" --argjson p "$(log_hook poststop)" \
        '.hooks = {startContainer: [$d], poststop: [$p]}'
    sh_args 'echo program >> /share/hooks.log'
    create_ctr "$id"
    run B start "$id"
    assert_failed start
    assert_contains "$stderr" "startContainer hook"
    assert_contains "$stderr" "exit status 7"
    wait_status "$id" stopped
    grep -q program "$LOG" && fail "the program ran after a failed startContainer hook"
    run B delete "$id"
    assert_ok
    assert_eq "$(log_names)" poststop "delete after the failed start must run poststop"
    assert_not_exists "$ROOT/$id"
}

# createContainer hooks run with the rootfs as their cwd (runc chdirs
# there first); the hooks run in the container (createContainer,
# startContainer) without an env of their own get the process's, as runc's
# do.
test_hooks_in_the_container_cwd_and_env() {
    cfg '.process.env = ["PATH=/bin:/usr/bin", "FROM_PROCESS=yes"]'
    cfg --argjson c "$(hook /bin/sh "pwd > $SHARE/cc-cwd; echo \"[\${FROM_PROCESS-}]\" > $SHARE/cc-env")" \
        --argjson d "$(hook /bin/sh 'echo "[${FROM_PROCESS-}]" > /share/sc-env')" \
        '.hooks = {createContainer: [$c], startContainer: [$d]}'
    set_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_eq "$(cat "$SHARE/cc-cwd")" "$(cd "$BUNDLE/rootfs" && pwd -P)" "createContainer's cwd"
    assert_eq "$(cat "$SHARE/cc-env")" "[yes]" "createContainer's env"
    assert_eq "$(cat "$SHARE/sc-env")" "[yes]" "startContainer's env"
}
