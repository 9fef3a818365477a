# shellcheck shell=bash disable=SC2153,SC2154,SC2164
# (ROOT, BUNDLE, output, status... come from tests/lib/helpers.sh)
# The command line: global flags, option syntax, exit status and error
# messages, logging.

test_version_long_and_short() {
    local flag
    for flag in --version -v; do
        run "$BRIG" "$flag"
        assert_ok
        if ! is_runc; then
            assert_match "$(head -n 1 <<<"$output")" '^brig version [0-9]+\.[0-9]+' "$flag: first line"
        fi
        assert_match "$output" $'\ncommit: [^\n]+\n' "$flag: commit line"
        assert_match "$output" $'(^|\n)spec: 1\\.[0-9]+\\.[0-9]+' "$flag: spec version"
        assert_match "$output" $'(^|\n)libseccomp: 2\\.[0-9]+\\.[0-9]+' "$flag: libseccomp version"
    done
}

test_help_lists_commands() {
    local flag c
    for flag in --help -h; do
        run "$BRIG" "$flag"
        assert_ok
        for c in create start run state kill delete list; do
            assert_match "$output" "(^|[[:space:]])${c}[[:space:]]" "$flag: command $c"
        done
        assert_contains "$output" --root "$flag: global options"
    done
}

# runc's "help" command: the global help, or a command's.
test_help_command() {
    run "$BRIG" help
    assert_ok
    assert_match "$output" "(^|[[:space:]])create[[:space:]]" "help: command create"
    run "$BRIG" help state
    assert_ok
    assert_contains "$output" "state" "help state"
    assert_contains "$output" "container" "help state"
    run "$BRIG" help no-such-command
    assert_status 3
    assert_contains "$stderr" "No help topic for 'no-such-command'"
}

test_unknown_command_is_an_error() {
    run B frobnicate
    assert_ne "$status" 0 "unknown command succeeded"
    [ -n "$stderr" ] || fail "no message on stderr"
}

test_unknown_global_option_is_an_error() {
    run B --no-such-option list
    assert_status 1
    [ -n "$stderr" ] || fail "no message on stderr"
}

test_unknown_command_option_is_an_error() {
    local id
    id=$(new_id)
    run B create --no-such-option --bundle "$BUNDLE" "$id"
    assert_status 1
    assert_not_exists "$ROOT/$id"
}

test_missing_container_id_is_an_error() {
    local c
    for c in create start run state delete kill; do
        run B "$c"
        assert_status 1
        [ -n "$stderr" ] || fail "$c: no message on stderr"
    done
}

test_error_message_is_one_line_with_command() {
    skip_if_runc "logs errors as logrus lines"
    run B state no-such-container
    assert_failed state
    assert_match "$stderr" '^brig: state: .*no-such-container' "names the container"
    run B delete no-such-container
    assert_failed delete
    run B kill no-such-container
    assert_failed kill
}

test_root_option_forms() {
    local id
    id=$(new_id)
    set_args sleep 30
    run "$BRIG" --root="$ROOT" create --bundle "$BUNDLE" "$id"
    assert_ok
    run "$BRIG" --root "$ROOT" state "$id"
    assert_ok
    assert_exists "$ROOT/$id"
}

test_root_dir_is_created() {
    local id root=$TDIR/new/nested/root
    id=$(new_id)
    set_args true
    run "$BRIG" --root "$root" run --bundle "$BUNDLE" "$id"
    assert_ok
    [ -d "$root" ] || fail "--root $root was not created"
}

test_log_json_error_line() {
    local log=$TDIR/brig.log line
    run B --log "$log" --log-format json state no-such-container
    assert_status 1
    assert_exists "$log" "no log file"
    line=$(grep '"error"' "$log" | tail -n 1)
    [ -n "$line" ] || fail "no error line in $(cat "$log")"
    jq -e . <<<"$line" >/dev/null || fail "not JSON: $line"
    assert_eq "$(jq -r .level <<<"$line")" error level
    assert_contains "$(jq -r .msg <<<"$line")" "does not exist" msg
    assert_match "$(jq -r .time <<<"$line")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}' time
}

test_log_json_with_equals_forms() {
    local log=$TDIR/brig.log
    run B --log="$log" --log-format=json state no-such-container
    assert_status 1
    jq -e 'select(.level == "error") | .msg' "$log" >/dev/null || fail "no JSON error line: $(cat "$log")"
}

test_log_text_error() {
    local log=$TDIR/brig.log
    run B --log "$log" state no-such-container
    assert_status 1
    assert_exists "$log" "no log file"
    assert_contains "$(cat "$log")" "does not exist"
    assert_contains "$(cat "$log")" "error"
    # Text, not JSON.
    if jq -e . "$log" >/dev/null 2>&1; then fail "text log is JSON: $(cat "$log")"; fi
    return 0
}

test_log_appends() {
    local log=$TDIR/brig.log
    run B --log "$log" --log-format json state no-such-1
    run B --log "$log" --log-format json state no-such-2
    assert_eq "$(jq -r 'select(.level == "error") | .level' "$log" | wc -l)" 2 "error lines in the log"
}

# runc's text log lines: logrus' text form.
test_log_text_is_logrus_form() {
    local log=$TDIR/brig.log
    run B --log "$log" state no-such-container
    assert_status 1
    assert_match "$(cat "$log")" '^time="[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z" level=error msg="container ([^ ]+ )?does not exist"$'
}

# --debug without --log: debug lines on stderr in the same form.
test_debug_text_lines_on_stderr() {
    set_args true
    run B --debug run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_match "$stderr" $'(^|\n)time="[^"]+" level=debug msg=' "debug line"
}

# --log-format json without --log: runc writes its JSON log to stderr.
test_log_format_json_without_log_goes_to_stderr() {
    local line
    run B --log-format json state no-such-container
    assert_status 1
    line=$(tail -n 1 <<<"$stderr")
    jq -e . <<<"$line" >/dev/null || fail "not JSON: $stderr"
    assert_eq "$(jq -r .level <<<"$line")" error level
    assert_match "$(jq -r .msg <<<"$line")" "^container ([^ ]+ )?does not exist$" msg
}

# An unopenable --log is an error, as with runc.
test_unopenable_log_is_an_error() {
    run B --log "$TDIR/no/such/dir/brig.log" list
    assert_status 1
    assert_contains "$stderr" "no/such/dir/brig.log"
}

test_bad_log_format_is_an_error() {
    run B --log-format yaml list
    assert_status 1
}

test_debug_logs_debug_messages() {
    local log=$TDIR/debug.log
    set_args true
    run B --debug --log "$log" --log-format json run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    jq -e 'select(.level == "debug")' "$log" >/dev/null 2>&1 || fail "--debug wrote no debug line to the log: $(head -c 500 "$log")"
    # Without --debug there are none.
    rm -f "$log"
    run B --log "$log" --log-format json run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    if [ -s "$log" ] && jq -e 'select(.level == "debug")' "$log" >/dev/null 2>&1; then
        fail "debug lines without --debug"
    fi
    return 0
}

test_success_is_silent() {
    local id
    id=$(new_id)
    set_args sleep 30
    run B create --bundle "$BUNDLE" "$id"
    assert_ok
    assert_eq "$stderr$output" "" "create printed something"
    run B start "$id"
    assert_ok
    assert_eq "$stderr$output" "" "start printed something"
    run B kill "$id" KILL
    assert_ok
    assert_eq "$stderr$output" "" "kill printed something"
    wait_status "$id" stopped
    run B delete "$id"
    assert_ok
    assert_eq "$stderr$output" "" "delete printed something"
}

test_preserve_fds() {
    echo "secret-from-fd3" >"$TDIR/fd3"
    echo "secret-from-fd4" >"$TDIR/fd4"
    sh_args 'cat <&3; cat <&4'
    exec 3<"$TDIR/fd3" 4<"$TDIR/fd4"
    run B run --preserve-fds 2 --bundle "$BUNDLE" "$(new_id)"
    exec 3<&- 4<&-
    assert_ok
    assert_eq "$output" $'secret-from-fd3\nsecret-from-fd4'
}

test_extra_fds_not_leaked_without_preserve_fds() {
    echo "leaked" >"$TDIR/fd3"
    sh_args 'cat <&3'
    exec 3<"$TDIR/fd3"
    run B run --bundle "$BUNDLE" "$(new_id)"
    exec 3<&-
    assert_ne "$status" 0 "fd 3 readable in the container"
    assert_not_contains "$output" leaked
}

test_preserve_fds_equals_form() {
    echo "via-equals" >"$TDIR/fd3"
    sh_args 'cat <&3'
    exec 3<"$TDIR/fd3"
    run B run --preserve-fds=1 --bundle "$BUNDLE" "$(new_id)"
    exec 3<&-
    assert_ok
    assert_eq "$output" via-equals
}

test_no_new_keyring_accepted() {
    # Which keyring a process has is not visible from a shell; this checks
    # the option is accepted by create and run.
    local id
    id=$(new_id)
    set_args true
    run B create --no-new-keyring --bundle "$BUNDLE" "$id"
    assert_ok
    run B start "$id"
    assert_ok
    run B run --no-new-keyring --bundle "$BUNDLE" "$(new_id)"
    assert_ok
}
