# shellcheck shell=bash disable=SC2153,SC2154,SC2164,SC2016
# (ROOT, BUNDLE, output, status... come from tests/lib/helpers.sh)
# Terminals: process.terminal with a console socket (create, run -d, exec
# -d), the foreground relay (run, exec), consoleSize and SIGWINCH.

HELPER=$TESTS_DIR/integration/terminal-helper.py

setup() {
    require_cmd python3
}

# recv_console NAME [helper options]: a console socket receiver in the
# background; $SOCK is its path, $OUT where the terminal's output goes.
recv_console() {
    SOCK=$TDIR/$1.sock OUT=$TDIR/$1.out
    python3 "$HELPER" recv "$SOCK" "$OUT" "${@:2}" &
    RECV_PID=$!
    wait_for test -S "$SOCK"
}

# wait_recv: the receiver is done (the terminal hung up).
wait_recv() {
    local st=0
    wait "$RECV_PID" || st=$?
    assert_eq "$st" 0 "console socket receiver"
}

test_create_terminal_without_console_socket_fails() {
    cfg '.process.terminal = true'
    run B create --bundle "$BUNDLE" "$(new_id)"
    assert_ne "$status" 0
    assert_match "$stderr" "console.socket"
}

test_create_console_socket_receives_the_pty_master() {
    local id
    id=$(new_id)
    cfg '.process.terminal = true'
    sh_args 'tty; stty size; ls -l "$(tty)"; echo ready; read line; echo "got:$line"'
    recv_console c --when ready --input $'hello\n'
    run B create --bundle "$BUNDLE" --console-socket "$SOCK" "$id"
    assert_ok
    run B start "$id"
    assert_ok
    wait_recv
    local meta out
    meta=$(cat "$OUT.meta")
    out=$(tr -d '\r' <"$OUT")
    # One fd: a pty master (char major 5: /dev/ptmx of a devpts instance).
    assert_contains "$meta" "fds=1"
    assert_contains "$meta" "chr=1"
    assert_contains "$meta" "isatty=1"
    assert_contains "$meta" "major=5"
    # The container's own devpts: its first pty, and the peer is the
    # process's stdio.
    assert_contains "$out" "/dev/pts/0"
    assert_contains "$out" "got:hello"
    # Owned by the process's user.
    assert_match "$out" 'crw--w---- +1 root +'
}

# The pty is the process's user's, in devpts' tty group (runc: stdio
# chowned to the uid, the gid kept).
test_terminal_owner_keeps_the_tty_group() {
    local id
    id=$(new_id)
    cfg '.process.terminal = true | .process.user = {uid: 65534, gid: 65534}'
    sh_args 'stat -c "owner=%u:%g" "$(tty)"; echo ready; read x'
    recv_console c --when ready --input $'\n'
    run B run --detach --bundle "$BUNDLE" --console-socket "$SOCK" "$id"
    assert_ok
    wait_recv
    assert_contains "$(cat "$OUT")" "owner=65534:5"
}

# The foreground relay into a file or a pipe logs "\n" as "\n", not
# "\r\n" (ONLCR cleared); onto a terminal the "\r" stays for the display.
test_run_foreground_terminal_into_a_file_keeps_newlines() {
    local raw
    skip_if_runc "runc 1.1.5 refuses a foreground terminal without a host tty (open /dev/tty)"
    cfg '.process.terminal = true'
    sh_args 'printf "one\ntwo\n"'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    raw=$(od -An -c "$TDIR/.run.out" | tr -s ' ' | tr -d '\n')
    assert_contains "$raw" 'o n e \n t w o \n'
    assert_not_contains "$raw" '\r'
    run python3 "$HELPER" pty --size 20x70 -- "$BRIG" --root "$ROOT" run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_contains "$(od -An -c <<<"$output" | tr -s ' ' | tr -d '\n')" 'o n e \r \n'
}

test_terminal_pty_belongs_to_the_containers_devpts() {
    # The pty must come from the container's devpts (newinstance), never
    # the host's: the terminal's device is on the container's /dev/pts
    # (same st_dev), not on the host's.
    local id out pts tty
    id=$(new_id)
    cfg '.process.terminal = true'
    sh_args 'stat -c "pts=%d" /dev/pts; stat -L -c "tty=%d" /proc/self/fd/0; ls /dev/pts; echo ready; read x'
    recv_console c --when ready --input $'\n'
    run B run --detach --bundle "$BUNDLE" --console-socket "$SOCK" "$id"
    assert_ok
    wait_recv
    out=$(tr -d '\r' <"$OUT")
    pts=$(sed -n 's/^pts=//p' <<<"$out")
    tty=$(sed -n 's/^tty=//p' <<<"$out")
    [ -n "$pts" ] && [ -n "$tty" ] || fail "no device numbers from the container: $out"
    assert_eq "$tty" "$pts" "the terminal is on the container's devpts"
    if [ -d /dev/pts ]; then
        assert_ne "$tty" "$(stat -c %d /dev/pts)" "the terminal is on the host's devpts"
    fi
    assert_contains "$out" "ptmx"
}

test_terminal_console_size_is_applied() {
    cfg '.process.terminal = true | .process.consoleSize = {height: 33, width: 101}'
    sh_args 'stty size'
    recv_console c
    run B run --detach --bundle "$BUNDLE" --console-socket "$SOCK" "$(new_id)"
    assert_ok
    wait_recv
    assert_eq "$(tr -d '\r' <"$OUT")" "33 101"
}

test_terminal_is_the_controlling_terminal() {
    cfg '.process.terminal = true | .process.user = {uid: 65534, gid: 65534}'
    # /dev/tty opens only with a controlling terminal; the pty is owned by
    # the process's user.
    sh_args 'echo via-dev-tty >/dev/tty && stat -c "%u" "$(tty)"'
    recv_console c
    run B run --detach --bundle "$BUNDLE" --console-socket "$SOCK" "$(new_id)"
    assert_ok
    wait_recv
    assert_eq "$(tr -d '\r' <"$OUT")" "via-dev-tty
65534"
}

test_run_foreground_relays_the_terminal() {
    cfg '.process.terminal = true'
    sh_args 'tty; stty size; echo ready; read line; echo "got:$line"; exit 3'
    run python3 "$HELPER" pty --size 40x120 --when ready --input $'typed\r' -- \
        "$BRIG" --root "$ROOT" run --bundle "$BUNDLE" "$(new_id)"
    assert_status 3
    local out
    out=$(tr -d '\r' <<<"$output")
    assert_contains "$out" "/dev/pts/0"
    assert_contains "$out" "40 120" "the host terminal's size is copied"
    assert_contains "$out" "got:typed"
}

test_run_foreground_terminal_without_host_tty() {
    # stdin/stdout are files: brig still makes and relays the pty.
    skip_if_runc "runc opens /dev/tty and fails without one"
    cfg '.process.terminal = true'
    sh_args 'tty; echo done'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_contains "$output" "/dev/pts/0"
    assert_contains "$output" "done"
}

test_run_foreground_terminal_sigwinch_resizes() {
    cfg '.process.terminal = true'
    sh_args 'trap "stty size; exit 5" WINCH; echo ready; while :; do sleep 0.1; done'
    run python3 "$HELPER" pty --size 24x80 --when ready --resize 50x132 -- \
        "$BRIG" --root "$ROOT" run --bundle "$BUNDLE" "$(new_id)"
    assert_status 5
    assert_contains "$(tr -d '\r' <<<"$output")" "50 132"
}

test_run_detach_terminal_needs_console_socket() {
    cfg '.process.terminal = true'
    run B run --detach --bundle "$BUNDLE" "$(new_id)"
    assert_ne "$status" 0
    assert_match "$stderr" "console.socket"
}

test_run_foreground_terminal_restores_host_tty_mode() {
    cfg '.process.terminal = true'
    set_args true
    # stty before and after, on the same pty, around brig run.
    run python3 "$HELPER" pty --size 24x80 -- bash -c \
        "stty -g; \"\$BRIG\" --root '$ROOT' run --bundle '$BUNDLE' '$(new_id)'; stty -g"
    assert_ok
    local lines
    mapfile -t lines < <(tr -d '\r' <<<"$output" | grep -v '^$')
    assert_eq "${lines[0]}" "${lines[-1]}" "terminal modes restored"
}

test_exec_tty_foreground() {
    local id
    id=$(new_id)
    set_args sleep 300
    run B run --detach --bundle "$BUNDLE" "$id"
    assert_ok
    run python3 "$HELPER" pty --size 20x70 --when ready --input $'abc\r' -- \
        "$BRIG" --root "$ROOT" exec --tty "$id" sh -c 'tty; stty size; echo ready; read x; echo "got:$x"; exit 4'
    assert_status 4
    local out
    out=$(tr -d '\r' <<<"$output")
    assert_match "$out" '/dev/pts/[0-9]+'
    assert_contains "$out" "20 70"
    assert_contains "$out" "got:abc"
}

test_exec_tty_detached_console_socket() {
    local id
    id=$(new_id)
    set_args sleep 300
    run B run --detach --bundle "$BUNDLE" "$id"
    assert_ok
    recv_console e --when ready --input $'xyz\n'
    run B exec --tty --detach --console-socket "$SOCK" --pid-file "$TDIR/e.pid" "$id" \
        sh -c 'tty; echo ready; read x; echo "got:$x"'
    assert_ok
    assert_match "$(cat "$TDIR/e.pid")" '^[0-9]+$'
    wait_recv
    assert_contains "$(cat "$OUT.meta")" "isatty=1"
    assert_contains "$(tr -d '\r' <"$OUT")" "got:xyz"
}

# exec --tty as another user: that user owns the pty, devpts' tty group
# stays (runc's rule for every process it gives a terminal).
test_exec_tty_owner_is_the_exec_user() {
    local id
    id=$(new_id)
    set_args sleep 300
    run B run --detach --bundle "$BUNDLE" "$id"
    assert_ok
    recv_console e --when ready --input $'\n'
    run B exec --tty --detach --console-socket "$SOCK" --user 65534:65534 "$id" \
        sh -c 'stat -c "owner=%u:%g" "$(tty)"; echo ready; read x'
    assert_ok
    wait_recv
    assert_contains "$(cat "$OUT")" "owner=65534:5"
}

test_exec_tty_detach_without_console_socket_fails() {
    local id
    id=$(new_id)
    set_args sleep 300
    run B run --detach --bundle "$BUNDLE" "$id"
    assert_ok
    run B exec --tty --detach "$id" true
    assert_ne "$status" 0
    assert_match "$stderr" "console.socket"
}
