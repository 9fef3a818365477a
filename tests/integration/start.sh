# shellcheck shell=bash disable=SC2153,SC2154
# (ROOT, BUNDLE, output, status... come from tests/lib/helpers.sh)
# How `start` and `run` hand over to the container's program: start returns
# only once the program is executed (or with why it could not be), no
# container can keep another from starting, `run` with poststart hooks
# never hangs, and the init that waits for start holds nothing of the
# host's.  tests/integration/start-probe.c runs in the containers.

# shellcheck source=tests/lib/probes.sh
. "$TESTS_LIB/probes.sh"
_sprobe_bin() { probe_bin start-probe; }

setup() {
    local p
    p=$(_sprobe_bin) || fail "cannot build the start probe"
    cp "$p" "$BUNDLE/rootfs/sprobe"
}

test_a_signal_sent_right_after_start_reaches_the_program() {
    # start returns once the program is executed: a signal sent then goes
    # to the program (which installs its handler first thing), never to
    # the init that is still brig (where, as pid 1 of its pid namespace
    # with no handler, it would be dropped).
    local i id out
    set_args /sprobe usr1
    for ((i = 0; i < 15; i++)); do
        id=$(new_id)
        out=$TDIR/usr1-$i.out
        B create --bundle "$BUNDLE" "$id" >"$out" 2>&1 || fail "create failed: $(cat "$out")"
        B start "$id" || fail "start failed"
        B kill "$id" USR1 || fail "kill failed"
        wait_status "$id" stopped 10
        assert_eq "$(cat "$out")" "got USR1" "round $i: the signal sent right after start reached the program"
        B delete "$id" || fail "delete failed"
    done
}

test_state_is_created_until_start_and_running_after() {
    local id
    id=$(new_id)
    set_args sleep 30
    create_ctr "$id"
    assert_eq "$(status_of "$id")" created
    run B start "$id"
    assert_ok
    # The program runs as soon as start has returned.
    assert_eq "$(status_of "$id")" running
    assert_eq "$(stat -L -c %d:%i "/proc/$(state_of "$id" pid)/exe")" "$(stat -L -c %d:%i "$BUNDLE/rootfs/bin/busybox")" \
        "the init is the program when start returns"
}

test_failed_start_leaves_no_started_state() {
    # A startContainer hook that fails: start fails with its message, and
    # the container is stopped, not "running".
    skip_if_runc "runc reports the hook's failure differently"
    local id
    id=$(new_id)
    set_args sleep 30
    cfg '.hooks.startContainer = [{path: "/bin/false"}]'
    create_ctr "$id"
    run B start "$id"
    assert_failed
    assert_contains "$stderr" "startContainer hook /bin/false failed: exit status 1"
    wait_status "$id" stopped
    run B start "$id"
    assert_failed
}

test_a_full_signal_queue_of_one_container_does_not_block_another() {
    # Queued signals count per uid (RLIMIT_SIGPENDING): container A, uid U,
    # fills the count; container B, same uid, must still start.
    local a b uid=47113 i
    set_args /sprobe fill
    cfg --argjson u "$uid" '.process.user = {uid: $u, gid: $u}
        | .process.rlimits = [{type: "RLIMIT_SIGPENDING", soft: 64, hard: 64}]'
    a=$(new_id)
    B run -d --bundle "$BUNDLE" "$a" >"$TDIR/a.out" 2>&1 || fail "run A failed: $(cat "$TDIR/a.out")"
    for ((i = 0; i < 100; i++)); do
        grep -q '^full' "$TDIR/a.out" && break
        sleep 0.05
    done
    assert_match "$(cat "$TDIR/a.out")" '^full [0-9]+$' "A used up the pending-signal count of uid $uid"
    set_args true
    b=$(new_id)
    create_ctr "$b"
    run B start "$b"
    assert_ok "B started although A holds every pending signal of uid $uid"
    wait_status "$b" stopped
}

test_run_with_a_poststart_hook_never_hangs() {
    # The poststart hook runs once the program is executed; a program that
    # exits at once must not leave run waiting for anything.
    local i
    set_args true
    cfg '.hooks.poststart = [{path: "/bin/true"}]'
    for ((i = 0; i < 25; i++)); do
        run timeout 10 "$BRIG" --root "$ROOT" run --bundle "$BUNDLE" "$(new_id)"
        assert_ne "$status" 124 "round $i: run with a poststart hook hung"
        assert_ok
    done
    cfg '.hooks.poststart = [{path: "/bin/true"}] | .hooks.startContainer = [{path: "/bin/true"}]'
    for ((i = 0; i < 10; i++)); do
        run timeout 10 "$BRIG" --root "$ROOT" run -d --bundle "$BUNDLE" "$(new_id)"
        assert_ne "$status" 124 "round $i: run -d with poststart and startContainer hooks hung"
        assert_ok
    done
}

test_start_socket_works_on_a_tmpfs_root_with_a_long_path() {
    # The state dir on tmpfs, deep enough that its path does not fit a
    # unix socket address.
    local tmp=$TDIR/tmpfs-root id long
    mkdir -p "$tmp"
    mount -t tmpfs tmpfs "$tmp" || skip "cannot mount tmpfs"
    defer "umount -l '$tmp'"
    long=$tmp/$(printf 'd%.0s' {1..60})/$(printf 'e%.0s' {1..60})
    mkdir -p "$long"
    id=$(new_id)
    set_args true
    run "$BRIG" --root "$long" create --bundle "$BUNDLE" "$id"
    assert_ok
    run "$BRIG" --root "$long" start "$id"
    assert_ok
    run "$BRIG" --root "$long" delete --force "$id"
    assert_ok
}

test_waiting_init_holds_no_host_descriptor() {
    # Between create and start the init is brig inside the container: it
    # holds stdio (the caller's) and the start socket, nothing else: no fd
    # the caller leaked, no cgroup directory, no log, no state directory.
    skip_if_runc "runc's init holds the exec fifo"
    local id pid fd t others=()
    id=$(new_id)
    set_args true
    exec 7</etc/hostname
    "$BRIG" --root "$ROOT" --log "$TDIR/brig.log" create --bundle "$BUNDLE" "$id" >/dev/null 2>&1 ||
        { exec 7<&-; fail "create failed"; }
    exec 7<&-
    pid=$(state_of "$id" pid)
    for fd in /proc/"$pid"/fd/*; do
        case ${fd##*/} in 0 | 1 | 2) continue ;; esac
        t=$(readlink "$fd")
        case $t in socket:*) ;; *) others+=("${fd##*/} -> $t") ;; esac
    done
    assert_eq "${others[*]}" "" "the waiting init holds only sockets past stdio"
    assert_eq "$(find "/proc/$pid/fd" -mindepth 1 | wc -l)" 4 "stdio and the start socket"
    run B start "$id"
    assert_ok
}

test_start_socket_is_gone_after_start() {
    skip_if_runc "brig's start socket"
    local id
    id=$(new_id)
    set_args sleep 30
    create_ctr "$id"
    [ -S "$ROOT/$id/start.sock" ] || fail "no start socket in the state dir"
    assert_eq "$(stat -c %a "$ROOT/$id/start.sock")" 600
    run B start "$id"
    assert_ok
    assert_not_exists "$ROOT/$id/start.sock"
    run B start "$id"
    assert_failed
}

test_start_works_rootless() {
    # An unprivileged user's brig (its own user namespace, its own --root):
    # the start socket needs nothing but the state directory.
    skip_if_runc "brig spec --rootless"
    require_cmd setpriv
    local d id i
    unshare -U true 2>/dev/null || skip "unprivileged user namespaces are not allowed here"
    d=$(mktemp -d /tmp/brig-rootless.XXXXXX)
    defer "rm -rf '$d'"
    chmod 755 "$d"
    cp -a "$BUNDLE/rootfs" "$d/rootfs"
    chown -R 65534:65534 "$d"
    _nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups env XDG_RUNTIME_DIR="$d" "$@"; }
    (cd "$d" && _nobody "$BRIG" spec --rootless >/dev/null) || fail "brig spec --rootless failed"
    jq '.process.args = ["/sprobe", "usr1"] | .process.terminal = false' "$d/config.json" >"$d/c" &&
        mv "$d/c" "$d/config.json" && chown 65534 "$d/config.json"
    id=$(new_id)
    _nobody "$BRIG" --root "$d/root" create --bundle "$d" "$id" >"$d/out" 2>&1 || fail "rootless create: $(cat "$d/out")"
    defer "setpriv --reuid 65534 --regid 65534 --clear-groups '$BRIG' --root '$d/root' delete --force '$id' >/dev/null 2>&1"
    run _nobody "$BRIG" --root "$d/root" start "$id"
    assert_ok
    run _nobody "$BRIG" --root "$d/root" kill "$id" USR1
    assert_ok
    for ((i = 0; i < 100; i++)); do
        [ -s "$d/out" ] && break
        sleep 0.05
    done
    assert_eq "$(cat "$d/out")" "got USR1" "the rootless container started and got the signal"
}
