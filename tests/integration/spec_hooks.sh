# shellcheck shell=bash
# Hooks, as runtime.md (lifecycle) and config.md (POSIX-platform hooks) put
# them: which operation runs each kind, in which order, with the state on
# stdin, and what a failing hook does.  The runtime-tools files hooks,
# hooks_stdin, prestart, poststart, poststop and their *_fail variants check
# the same things (see tests/conformance/README.md).
#
# Hooks run in the runtime's namespaces, so they are the host's /bin/sh and
# write into $TDIR.

# hook SCRIPT: a hook object running SCRIPT with the host's sh.
hook() {
    jq -cn --arg s "$1" '{path: "/bin/sh", args: ["sh", "-c", $s]}'
}

# log_hook NAME: a hook that appends NAME to $TDIR/hooks.log.
log_hook() {
    hook "echo $1 >> $TDIR/hooks.log"
}

# hooks_log: the log so far, one line per hook, joined with spaces.
hooks_log() {
    tr '\n' ' ' <"$TDIR/hooks.log" 2>/dev/null | sed 's/ $//'
}

test_spec_hooks_run_in_listed_order_at_their_operation() {
    local id
    skip_if_runc "runc 1.1 runs poststart hooks at create"
    id=$(new_id)
    : >"$TDIR/hooks.log"
    cfg --argjson a "$(log_hook prestart1)" --argjson b "$(log_hook prestart2)" \
        --argjson c "$(log_hook createRuntime1)" \
        --argjson d "$(log_hook poststart1)" --argjson e "$(log_hook poststart2)" \
        --argjson f "$(log_hook poststop1)" --argjson g "$(log_hook poststop2)" \
        '.hooks = {prestart: [$a, $b], createRuntime: [$c], poststart: [$d, $e],
                   poststop: [$f, $g]}'
    set_args sleep 30
    create_ctr "$id"
    # prestart hooks run at create, before createRuntime (config.md).
    assert_eq "$(hooks_log)" "prestart1 prestart2 createRuntime1" "hooks after create"
    run B start "$id"
    assert_ok
    assert_eq "$(hooks_log)" "prestart1 prestart2 createRuntime1 poststart1 poststart2" \
        "poststart hooks must have run, in order, when start returns"
    run B kill "$id" KILL
    assert_ok
    wait_status "$id" stopped
    assert_eq "$(hooks_log)" "prestart1 prestart2 createRuntime1 poststart1 poststart2" \
        "poststop hooks must wait for delete"
    run B delete "$id"
    assert_ok
    assert_eq "$(hooks_log)" \
        "prestart1 prestart2 createRuntime1 poststart1 poststart2 poststop1 poststop2" \
        "poststop hooks must have run, in order, when delete returns"
}

test_spec_hooks_get_the_state_on_stdin() {
    local id pid k
    id=$(new_id)
    cfg --argjson a "$(hook "cat > $TDIR/prestart.json")" \
        --argjson b "$(hook "cat > $TDIR/poststart.json")" \
        --argjson c "$(hook "cat > $TDIR/poststop.json")" \
        '.hooks = {prestart: [$a], poststart: [$b], poststop: [$c]}
         | .annotations = {"org.example.spec-test": "hook stdin"}'
    set_args sleep 30
    create_ctr "$id"
    pid=$(state_of "$id" pid)
    run B start "$id"
    assert_ok
    run B kill "$id" KILL
    assert_ok
    wait_status "$id" stopped
    run B delete "$id"
    assert_ok
    for k in prestart poststart poststop; do
        assert_exists "$TDIR/$k.json" "$k hook got nothing on stdin"
        jq -e . "$TDIR/$k.json" >/dev/null || fail "$k hook: stdin is not JSON: $(cat "$TDIR/$k.json")"
        assert_eq "$(jq -r .id "$TDIR/$k.json")" "$id" "$k hook: state id"
        assert_eq "$(jq -r .bundle "$TDIR/$k.json")" "$BUNDLE" "$k hook: state bundle"
        assert_eq "$(jq -r '.annotations["org.example.spec-test"]' "$TDIR/$k.json")" \
            "hook stdin" "$k hook: state annotations"
        assert_match "$(jq -r .ociVersion "$TDIR/$k.json")" '^1\.[0-9]+\.[0-9]+' "$k hook: ociVersion"
    done
    for k in prestart poststart; do
        assert_eq "$(jq -r .pid "$TDIR/$k.json")" "$pid" "$k hook: state pid"
    done
    # Each hook sees the status of its moment.  prestart runs inside the
    # create operation: "creating" (runc) and "created" (crun and the
    # runtime-tools suite) are both readings of runtime.md.
    assert_match "$(jq -r .status "$TDIR/prestart.json")" '^(creating|created)$' "prestart hook: status"
    assert_eq "$(jq -r .status "$TDIR/poststop.json")" stopped "poststop hook: status"
    if ! is_runc; then # runc 1.1 says "created" to poststart hooks
        assert_eq "$(jq -r .status "$TDIR/poststart.json")" running "poststart hook: status"
    fi
}

test_spec_prestart_runs_before_the_program() {
    local id
    id=$(new_id)
    add_share
    cfg --argjson a "$(hook "test -e $SHARE/ran && echo yes > $TDIR/saw || echo no > $TDIR/saw")" \
        '.hooks = {prestart: [$a]}'
    sh_args 'touch /share/ran'
    create_ctr "$id"
    assert_eq "$(cat "$TDIR/saw" 2>/dev/null)" no "prestart hook must run at create, before the program"
    assert_not_exists "$SHARE/ran" "the program ran at create"
    run B start "$id"
    assert_ok
    wait_status "$id" stopped
    assert_exists "$SHARE/ran" "start did not run the program"
}

test_spec_poststart_runs_after_the_program_is_executed() {
    local id
    skip_if_runc "runc 1.1 runs poststart hooks at create"
    id=$(new_id)
    # The hook records what the container process is running: the program
    # (not the runtime) once it has been executed.
    cfg --argjson a "$(hook "pid=\$(sed -n 's/.*\"pid\": *\\([0-9]*\\).*/\\1/p'); \
tr '\\0' ' ' < /proc/\$pid/cmdline > $TDIR/cmdline")" \
        '.hooks = {poststart: [$a]}'
    set_args sleep 30
    create_ctr "$id"
    assert_not_exists "$TDIR/cmdline" "poststart hook ran at create"
    run B start "$id"
    assert_ok
    assert_exists "$TDIR/cmdline" "poststart hook had not run when start returned"
    assert_eq "$(cat "$TDIR/cmdline")" "sleep 30 " "poststart hook ran before the program was executed"
}

test_spec_prestart_failure_fails_create_and_leaves_nothing() {
    local id
    id=$(new_id)
    add_share
    cfg --argjson a "$(hook 'exit 3')" --argjson b "$(log_hook after-failure)" \
        '.hooks = {prestart: [$a, $b]}'
    sh_args 'touch /share/ran'
    run B create --bundle "$BUNDLE" "$id"
    assert_status 1
    [ -n "$stderr" ] || fail "no error message"
    run B state "$id"
    assert_status 1
    assert_not_exists "$TDIR/hooks.log" "hooks after the failed one ran"
    assert_not_exists "$SHARE/ran" "the program ran"
}

test_spec_poststart_failure_is_a_warning_and_the_rest_run() {
    local id
    skip_if_runc "runc 1.1 runs poststart hooks at create and fails it"
    id=$(new_id)
    add_share
    : >"$TDIR/hooks.log"
    cfg --argjson a "$(hook 'exit 3')" --argjson b "$(log_hook poststart2)" \
        --argjson c "$(log_hook poststop1)" \
        '.hooks = {poststart: [$a, $b], poststop: [$c]}'
    sh_args 'sleep 0.3; touch /share/done'
    create_ctr "$id"
    run B start "$id"
    assert_ok
    assert_contains "$stderr" "poststart" "no warning about the failed poststart hook"
    assert_eq "$(hooks_log)" poststart2 "the hook after the failed one must run"
    wait_status "$id" stopped
    assert_exists "$SHARE/done" "the container did not carry on after the failed hook"
    run B delete "$id"
    assert_ok
    assert_eq "$(hooks_log)" "poststart2 poststop1" "the lifecycle must continue to poststop"
}

test_spec_poststop_failure_is_a_warning_and_the_rest_run() {
    local id
    skip_if_runc "runc 1.1 does not run the poststop hooks after a failed one"
    id=$(new_id)
    : >"$TDIR/hooks.log"
    cfg --argjson a "$(log_hook poststop1)" --argjson b "$(hook 'exit 3')" \
        --argjson c "$(log_hook poststop3)" \
        '.hooks = {poststop: [$a, $b, $c]}'
    set_args true
    create_ctr "$id"
    run B start "$id"
    assert_ok
    wait_status "$id" stopped
    run B delete "$id"
    assert_ok
    assert_contains "$stderr" "poststop" "no warning about the failed poststop hook"
    assert_eq "$(hooks_log)" "poststop1 poststop3" "every poststop hook must run"
    run B state "$id"
    assert_status 1
}
