# shellcheck shell=bash disable=SC2153,SC2154
# (BRIG, ROOT, BUNDLE, SRC_DIR... come from tests/lib/)
# The bash completion (completions/bash/brig): commands, every option of
# --help, option values, and container IDs from the --root on the command
# line, filtered by status where only some containers make sense.

COMPLETION=$SRC_DIR/completions/bash/brig

setup() {
    skip_if_runc "brig's own bash completion"
    [ -f "$COMPLETION" ] || fail "no $COMPLETION"
    # shellcheck source=/dev/null
    . "$COMPLETION"
    complete -p brig >/dev/null || fail "sourcing the completion registers nothing for brig"
}

# comp WORD...: what the completion offers for the command line WORD...
# (the last word is the one under the cursor; "=" split off as bash's
# COMP_WORDBREAKS does), sorted, one a line, in $output.
comp() {
    output=$(
        set +eE
        trap - ERR
        COMP_WORDS=("$BRIG" "$@")
        COMP_CWORD=$#
        COMP_LINE="${COMP_WORDS[*]}"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        _brig
        printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort
    )
    echo "+ complete: brig $*" >&2
    printf '%s\n' "$output" | head -n 20 | sed 's/^/  | /' >&2
}

# expect WORD...: $output is exactly these words.
expect() {
    local want
    want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
    assert_eq "$output" "$want" "completion"
}

help_options() { # COMMAND|"" (global)
    local text
    if [ -n "$1" ]; then text=$("$BRIG" "$1" --help); else text=$("$BRIG" --help); fi
    grep -E '^[[:space:]]+-' <<<"$text" |
        grep -oE -- '(^|[[:space:],(])(--[a-z][a-z0-9-]*|-[a-zA-Z])' | tr -d ' ,(\t' | sort -u
    if [ -n "$1" ]; then printf '%s\n' -h --help; fi
}

test_completion_offers_every_command() {
    local cmds
    cmds=$("$BRIG" --help | awk '/^Commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }')
    [ "$(wc -l <<<"$cmds")" -ge 16 ] || fail "brig --help lists too few commands: $cmds"
    comp ''
    # shellcheck disable=SC2086
    expect $cmds
    comp ex
    expect exec
}

test_completion_offers_every_option_of_help() {
    local c
    comp -
    # shellcheck disable=SC2046
    expect $(help_options '')
    for c in $("$BRIG" --help | awk '/^Commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }'); do
        comp "$c" -
        # shellcheck disable=SC2046
        expect $(help_options "$c")
    done
    comp create --no-
    expect --no-new-keyring --no-pivot --no-subreaper
}

test_completion_offers_ids_from_the_root_given() {
    local other=$TDIR/root2 a b
    a=$(new_id) b=$(new_id)
    create_ctr "$a"
    create_ctr "$b"
    mkdir -p "$other"
    run "$BRIG" --root "$other" create --bundle "$BUNDLE" elsewhere
    assert_ok
    # (the runner cleans up $ROOT only)
    defer "'$BRIG' --root '$other' delete --force elsewhere"

    comp --root "$ROOT" state ''
    expect "$a" "$b"
    comp --root = "$ROOT" delete ''
    expect "$a" "$b"
    comp --root "$other" --debug kill ''
    expect elsewhere
    comp --root "$ROOT" state "$a"
    expect "$a"
    # option values are not IDs; after the ID, exec takes a command
    comp --root "$ROOT" exec --cwd /tmp -e A = b --user 1 : 2 ''
    expect "$a" "$b"
    comp --root "$ROOT" exec "$a" ''
    expect
    comp --root "$ROOT" exec "$a" -
    expect
    comp --root "$ROOT" delete -f ''
    expect "$a" "$b"
    # create and run name a new container: nothing to offer
    comp --root "$ROOT" create --bundle "$BUNDLE" ''
    expect
    # signals, after the ID
    comp --root "$ROOT" kill "$a" ''
    assert_match "$output" $'(^|\n)KILL\n' "kill offers KILL"
    assert_match "$output" $'(^|\n)TERM\n' "kill offers TERM"
    comp --root "$ROOT" kill "$a" SIGKI
    expect SIGKILL
    comp --root "$ROOT" kill "$a" KILL ''
    expect
}

test_completion_offers_ids_by_status() {
    local c r p
    set_args sleep 60
    c=$(new_id) r=$(new_id) p=$(new_id)
    create_ctr "$c"
    create_ctr "$r"
    create_ctr "$p"
    run B start "$r"
    assert_ok
    run B start "$p"
    assert_ok
    run B pause "$p"
    assert_ok
    comp --root "$ROOT" start ''
    expect "$c"
    comp --root "$ROOT" pause ''
    expect "$c" "$r"
    comp --root "$ROOT" resume ''
    expect "$p"
    comp --root "$ROOT" state ''
    expect "$c" "$r" "$p"
}

test_completion_offers_option_values() {
    comp --policy ''
    expect off default baseline restricted
    comp --policy = re
    expect restricted
    comp --log-format ''
    expect text json
    comp --rootless ''
    expect true false auto
    comp check --policy ''
    expect restricted baseline
    comp check -p ''
    expect restricted baseline
    comp check -f ''
    expect text json
    comp check --fail-on ''
    expect low medium high critical none
    comp list --format ''
    expect table json
    comp ps -f ''
    expect table json
    comp spec --profile ''
    expect hardened runc
    # spec's --rootless is a flag, not a global option with a value
    comp spec --rootless --pro
    expect --profile
    comp exec --cap CAP_NET_R
    expect CAP_NET_RAW
    mkdir -p "$TDIR/dir-one" "$TDIR/dir-two"
    touch "$TDIR/file-one"
    comp --root "$TDIR/dir-"
    expect "$TDIR/dir-one" "$TDIR/dir-two"
    comp run --bundle "$TDIR/dir-o"
    expect "$TDIR/dir-one"
    comp exec --process "$TDIR/file-"
    expect "$TDIR/file-one"
}

# The signals kill completes are the table brig kill parses
# (runtime/util/signals.c), plus RTMIN and RTMAX; brig kill takes each.
test_completion_signals_are_the_signal_table() {
    local table s
    table=$( (grep -oE '\{"[A-Z0-9]+", SIG[A-Z0-9]+\}' "$SRC_DIR/runtime/util/signals.c" | cut -d'"' -f2
        printf '%s\n' RTMIN RTMAX) | sort)
    [ "$(wc -l <<<"$table")" -ge 30 ] || fail "read only $table from runtime/util/signals.c"
    comp kill no-such-id ''
    assert_eq "$output" "$table" "kill completion and the signal table"
    for s in $output; do
        run B kill no-such-id "$s"
        assert_status 1
        assert_not_contains "$stderr" "unknown signal" "brig kill $s"
        run B kill no-such-id "SIG${s,,}"
        assert_not_contains "$stderr" "unknown signal" "brig kill SIG${s,,}"
    done
    run B kill no-such-id NOSUCHSIG
    assert_contains "$stderr" "unknown signal"
}
