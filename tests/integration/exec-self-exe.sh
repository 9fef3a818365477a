# shellcheck shell=bash disable=SC2153,SC2154,SC2164,SC2016
# (ROOT, BUNDLE, output, status... come from tests/lib/helpers.sh)
# The runtime binary cannot be overwritten from inside a container through
# /proc/PID/exe (the CVE-2019-5736 class; SECURITY.md).  The attacks run
# against a copy of the runtime in the test's scratch dir, never against
# the binary under test.

# The container's rootfs gets the runtime's shared libraries, so that the
# runtime binary can actually run inside it (as in the real attack, where
# the image has a libc); /evil is a script whose interpreter is
# /proc/self/exe: exec'ing it from a runtime process runs the runtime
# binary in the container, blocked opening its --log FIFO until the
# attacker has taken a handle on its /proc/PID/exe.
_setup_attack() {
    local lib
    RT_COPY=$TDIR/runtime-copy
    cp "$BRIG" "$RT_COPY"
    for lib in $(ldd "$RT_COPY" 2>/dev/null | grep -o '/[^ ]*'); do
        mkdir -p "$BUNDLE/rootfs$(dirname "$lib")"
        cp -L "$lib" "$BUNDLE/rootfs$lib"
    done
    printf '#!/proc/self/exe --log=/tmp/fifo\n' >"$BUNDLE/rootfs/evil"
    chmod 755 "$BUNDLE/rootfs/evil"
    cat >"$BUNDLE/rootfs/attack.sh" <<'EOF'
rm -f /tmp/fifo
mkfifo /tmp/fifo
pid=
for i in $(seq 300); do
    for p in /proc/[0-9]*; do
        case "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" in
            *--log=/tmp/fifo*) pid=${p#/proc/}; break 2 ;;
        esac
    done
    sleep 0.05
done
[ -n "$pid" ] || { echo "the runtime never ran in the container" >/share/grab; exit 1; }
if exec 3<"/proc/$pid/exe"; then echo grabbed >/share/grab; else echo "cannot open /proc/$pid/exe" >/share/grab; fi
cat /tmp/fifo >/dev/null &
for i in $(seq 100); do [ -e "/proc/$pid" ] || break; sleep 0.05; done
# Writing is refused with ETXTBSY while any runtime process still runs the
# binary: retry until they are all gone.
res=
for i in $(seq 100); do
    if (echo PWNED >>/proc/self/fd/3) 2>/share/err; then res=written; break; fi
    grep -q busy /share/err || break
    sleep 0.05
done
echo "${res:-refused: $(cat /share/err)}" >/share/result
sleep 1000
EOF
    add_share
    cfg '.root.readonly = false'
    set_args sh /attack.sh
}

# _attack [ENV=VALUE...]: run the attack with the runtime copy; leaves the
# attacker's report in $grab and $result, and whether the copy changed in
# $changed.  The ENV also goes to the exec'd process, so that the brig the
# attack runs inside the container sees it too.
_attack() {
    local id before after i kv envs=()
    for kv in "$@"; do envs+=(--env "$kv"); done
    cp "${RT_SRC:-$BRIG}" "$RT_COPY"
    rm -f "$SHARE"/*
    before=$(sha256sum <"$RT_COPY")
    id=$(new_id)
    run env "$@" "$RT_COPY" --root "$ROOT" run -d --bundle "$BUNDLE" "$id"
    assert_ok
    run env "$@" timeout 30 "$RT_COPY" --root "$ROOT" exec "${envs[@]}" "$id" /evil
    for ((i = 0; i < 200; i++)); do
        [ -s "$SHARE/result" ] && break
        [ "$(cat "$SHARE/grab" 2>/dev/null)" = grabbed ] || [ ! -s "$SHARE/grab" ] || break
        sleep 0.05
    done
    grab=$(cat "$SHARE/grab" 2>/dev/null)
    result=$(cat "$SHARE/result" 2>/dev/null)
    after=$(sha256sum <"$RT_COPY")
    changed=no
    [ "$before" = "$after" ] || changed=yes
    echo "attack: grab=[$grab] result=[$result] binary changed: $changed" >&2
    "$BRIG" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
}

test_exec_shebang_proc_self_exe_cannot_overwrite_runtime() {
    require_cmd ldd sha256sum
    _setup_attack
    _attack
    # The attack must have got as far as holding the runtime's exe, or the
    # test proves nothing.
    assert_eq "$grab" grabbed "the attacker took a handle on the runtime binary running in the container"
    assert_match "$result" '^refused' "writing through the handle is refused"
    assert_eq "$changed" no "the runtime binary is unchanged"
}

test_exec_shebang_attack_works_without_the_guard() {
    # The control: without the guard the same steps do overwrite the binary
    # (so the test above can fail).
    # Only brig's test build has the switch (include/brig/knobs.h).
    require_testbin
    require_cmd ldd sha256sum
    _setup_attack
    RT_SRC=$BRIG_TESTBIN _attack BRIG_UNSAFE_SELF_EXE=1
    assert_eq "$grab" grabbed "the attacker took a handle on the runtime binary"
    assert_eq "$result" written "without the guard the write goes through"
    assert_eq "$changed" yes "without the guard the binary is overwritten"
}

test_exec_runtime_runs_from_a_readonly_view() {
    skip_if_runc "brig's own mechanism"
    if is_crun; then skip "brig's own mechanism"; fi
    require_cmd python3
    local id pid
    run python3 -c 'import os, sys; print(bool(os.statvfs(sys.argv[1]).f_flag & os.ST_RDONLY))' "$BRIG"
    [ "$output" = False ] || skip "$BRIG is installed read-only already"
    id=$(new_id)
    # The created container's init is still the runtime binary: its exe is
    # on a read-only mount though the binary is not.
    set_args true
    create_ctr "$id"
    pid=$(state_of "$id" pid)
    run python3 -c 'import os, sys; print(bool(os.statvfs(sys.argv[1]).f_flag & os.ST_RDONLY))' "/proc/$pid/exe"
    assert_ok
    assert_eq "$output" True "the init's exe is on a read-only mount"
}

test_exec_created_init_exe_is_not_reachable_from_the_container() {
    # Before start the container's init is the runtime (not yet exec'd):
    # non-dumpable, so no container process can open its /proc/1/exe.
    skip_if_runc "runc's init runs from a sealed memfd copy: its exe may be opened"
    local id
    id=$(new_id)
    set_args sleep 30
    create_ctr "$id"
    run B exec "$id" sh -c 'cat /proc/1/exe >/dev/null && echo opened'
    assert_ne "$status" 0 "opening the created init's exe from the container failed"
    assert_not_contains "$output" opened
    assert_contains "$stderr" "Permission denied"
    # Once it runs the user's program, its exe is ordinary (the control).
    run B start "$id"
    assert_ok
    run B exec "$id" sh -c 'cat /proc/1/exe >/dev/null && echo opened'
    assert_ok
    assert_eq "$output" opened
}

test_exec_readonly_installed_runtime_is_not_reexeced() {
    skip_if_runc "brig's own mechanism"
    if is_crun; then skip "brig's own mechanism"; fi
    local id pid copy=$TDIR/ro-brig
    cp "$BRIG" "$copy"
    mount --bind "$copy" "$copy"
    defer "umount '$copy'"
    mount -o remount,bind,ro "$copy"
    id=$(new_id)
    set_args true
    run "$copy" --root "$ROOT" create --bundle "$BUNDLE" "$id"
    assert_ok
    pid=$(state_of "$id" pid)
    # Already unwritable: brig runs from where it was installed (a re-exec
    # from a detached mount would show "/").
    assert_eq "$(readlink "/proc/$pid/exe")" "$copy"
    run "$copy" --root "$ROOT" delete --force "$id"
    assert_ok
}

# --- when `run` may skip the re-exec (container.c, init_unseen) -----------

_on_ro_mount() {
    python3 -c 'import os, sys; print(bool(os.statvfs(sys.argv[1]).f_flag & os.ST_RDONLY))' "$1"
}

# _run_bg ID: `brig run` of $BUNDLE in the background until the container
# runs; leaves the runtime process's pid in $rt_pid (the init's parent).
_run_bg() {
    local pid
    B run --bundle "$BUNDLE" "$1" >/dev/null 2>&1 &
    defer "B delete --force '$1' >/dev/null 2>&1"
    wait_status "$1" running
    pid=$(state_of "$1" pid)
    rt_pid=$(awk '{print $4}' "/proc/$pid/stat")
}

_require_host_pid_ns() {
    [ "$(stat -L -c %i /proc/self/ns/pid)" = 4026531836 ] || skip "not in the host's pid namespace"
}

_require_brig_writable() {
    skip_if_runc "brig's own mechanism"
    if is_crun; then skip "brig's own mechanism"; fi
    require_cmd python3
    [ "$(_on_ro_mount "$BRIG")" = False ] || skip "$BRIG is installed read-only already"
}

test_run_into_a_new_pid_namespace_needs_no_reexec() {
    # From the host's pid namespace into a new one, with no startContainer
    # hook, no container process can see a brig process before the init
    # has exec'd: brig runs from its own binary (the saving is ~0.4 ms).
    _require_brig_writable
    _require_host_pid_ns
    local id
    id=$(new_id)
    set_args sleep 30
    _run_bg "$id"
    assert_eq "$(_on_ro_mount "/proc/$rt_pid/exe")" False "run did not re-exec"
    assert_eq "$(readlink "/proc/$rt_pid/exe")" "$(readlink -f "$BRIG")"
}

test_run_returns_only_after_the_unguarded_init_has_execed() {
    # `run -d` holds the state lock until the init is the container's
    # program: an `exec` cannot join while the init is still brig.
    _require_brig_writable
    _require_host_pid_ns
    local id pid
    id=$(new_id)
    set_args sleep 30
    run B run -d --bundle "$BUNDLE" "$id"
    assert_ok
    defer "B delete --force '$id' >/dev/null 2>&1"
    pid=$(state_of "$id" pid)
    assert_ne "$(stat -L -c %d:%i "/proc/$pid/exe")" "$(stat -L -c %d:%i "$BRIG")" \
        "the init runs the container's program when run -d returns"
    run B exec "$id" sh -c 'cat /proc/1/exe >/dev/null && echo opened'
    assert_ok
    assert_eq "$output" opened "pid 1's exe is the container's own program"
}

test_run_with_a_start_container_hook_is_guarded() {
    # startContainer hooks are the container's binaries, run by the init
    # before it execs: brig must run from the read-only view.
    _require_brig_writable
    local id
    id=$(new_id)
    set_args sleep 30
    cfg '.hooks.startContainer = [{path: "/bin/true"}]'
    _run_bg "$id"
    assert_eq "$(_on_ro_mount "/proc/$rt_pid/exe")" True "run re-exec'd from a read-only view"
}

test_run_joining_a_pid_namespace_is_guarded() {
    # Joining a pid namespace: its processes see the init while it is brig.
    _require_brig_writable
    local a b apid
    a=$(new_id)
    b=$(new_id)
    set_args sleep 30
    create_ctr "$a"
    defer "B delete --force '$a' >/dev/null 2>&1"
    apid=$(state_of "$a" pid)
    cfg --arg p "/proc/$apid/ns/pid" '.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)'
    _run_bg "$b"
    assert_eq "$(_on_ro_mount "/proc/$rt_pid/exe")" True "run re-exec'd from a read-only view"
}

# _find_brig PATTERN: the pid of the brig process whose command line has
# PATTERN, in $rt (waits up to 5 s).
_find_brig() {
    local p i
    rt=
    for ((i = 0; i < 100; i++)); do
        for p in $(pgrep -f -- "$1"); do
            [ "$(cat "/proc/$p/comm" 2>/dev/null)" = brig ] && rt=$p
        done
        [ -z "$rt" ] || return 0
        sleep 0.05
    done
    fail "no brig process with \"$1\" in its command line"
}

test_run_outside_the_host_pid_namespace_is_guarded() {
    # A brig that runs in some container's pid namespace (e.g. executed by
    # a container's program through /proc/self/exe) always re-execs.
    _require_brig_writable
    require_cmd unshare pgrep
    local id
    id=$(new_id)
    set_args sleep 30
    unshare --pid --fork --mount-proc "$BRIG" --root "$ROOT" run --bundle "$BUNDLE" "$id" >/dev/null 2>&1 &
    defer "kill $! 2>/dev/null; B delete --force '$id' >/dev/null 2>&1"
    wait_for test -e "$ROOT/$id/state.json"
    _find_brig "$id"
    assert_eq "$(_on_ro_mount "/proc/$rt/exe")" True "brig in a nested pid namespace re-exec'd"
}

test_any_command_outside_the_host_pid_namespace_is_guarded_first() {
    # Outside the host's pid namespace brig moves to the read-only view
    # before anything that could block (here: opening its --log, a FIFO),
    # whatever the command: a container's program that runs brig through
    # /proc/self/exe never leaves the host binary waiting in its reach.
    _require_brig_writable
    require_cmd unshare pgrep mkfifo
    local fifo=$TDIR/log-fifo
    mkfifo "$fifo"
    unshare --pid --fork --mount-proc "$BRIG" --root "$ROOT" --log "$fifo" list >/dev/null 2>&1 &
    defer "kill $! 2>/dev/null; exec 9<>'$fifo'; exec 9<&-"
    _find_brig "--log $fifo"
    assert_eq "$(_on_ro_mount "/proc/$rt/exe")" True "brig blocked on its log runs from a read-only view"
}

# _entrypoint_is_brig [ENV=VALUE...]: `run -d` (with RT_COPY, a writable
# copy of brig) of an entrypoint whose interpreter is /proc/self/exe, the
# ENVs in the container's process.env; waits until the container's pid 1,
# brig, blocks opening its --log FIFO and leaves its pid in $pid.
_entrypoint_is_brig() {
    local id i kv nr
    _setup_attack
    mkfifo "$BUNDLE/rootfs/fifo"
    printf '#!/proc/self/exe --log=/fifo\n' >"$BUNDLE/rootfs/evil1"
    chmod 755 "$BUNDLE/rootfs/evil1"
    set_args /evil1
    for kv in "$@"; do cfg --arg e "$kv" '.process.env += [$e]'; done
    id=$(new_id)
    run "$RT_COPY" --root "$ROOT" run -d --bundle "$BUNDLE" "$id"
    assert_ok
    defer "'$RT_COPY' --root '$ROOT' delete --force '$id' >/dev/null 2>&1"
    pid=$(state_of "$id" pid)
    # Blocked in openat (the FIFO): whatever guard brig has, it is past it.
    case $(uname -m) in x86_64) nr=257 ;; aarch64) nr=56 ;; *) nr= ;; esac
    for ((i = 0; i < 100; i++)); do
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- --log=/fifo &&
            { [ -z "$nr" ] || [ "$(cut -d' ' -f1 "/proc/$pid/syscall" 2>/dev/null)" = "$nr" ]; } && break
        sleep 0.05
    done
    assert_contains "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "--log=/fifo" "pid 1 runs brig, waiting on its log"
}

test_run_of_an_entrypoint_that_is_brig_itself_leaves_the_binary_out_of_reach() {
    # run skips its own re-exec (new pid namespace, host pid namespace), so
    # an entrypoint whose interpreter is /proc/self/exe makes the container's
    # pid 1 the host's brig binary.  That brig is outside the host's pid
    # namespace: it moves to a sealed copy before blocking on its --log
    # FIFO, so no container process can reach the binary through it.
    _require_brig_writable
    _require_host_pid_ns
    require_cmd sha256sum python3
    local pid
    _entrypoint_is_brig
    assert_ne "$(stat -L -c %d:%i "/proc/$pid/exe")" "$(stat -L -c %d:%i "$RT_COPY")" \
        "pid 1's exe is not the host's binary"
    run python3 -c 'import os, sys; os.open(sys.argv[1], os.O_WRONLY)' "/proc/$pid/exe"
    assert_ne "$status" 0 "pid 1's exe cannot be opened for writing"
}

test_image_env_cannot_switch_the_guard_off() {
    # The same with the test build's switch in the image's environment
    # (which reaches the brig the entrypoint runs): brig proper has no
    # switch, so pid 1 still runs from a sealed copy (issue 15, section 2).
    _require_brig_writable
    _require_host_pid_ns
    require_cmd python3
    local pid
    _entrypoint_is_brig BRIG_UNSAFE_SELF_EXE=1 _BRIG_EXE_GUARDED=1
    assert_ne "$(stat -L -c %d:%i "/proc/$pid/exe")" "$(stat -L -c %d:%i "$RT_COPY")" \
        "pid 1's exe is not the host's binary"
    run python3 -c 'import os, sys; os.open(sys.argv[1], os.O_WRONLY)' "/proc/$pid/exe"
    assert_ne "$status" 0 "pid 1's exe cannot be opened for writing"
}

test_exec_env_cannot_switch_the_guard_off() {
    # The exec attack with the switch in brig's and the process's
    # environment: the guard holds all the same.
    skip_if_runc "brig's guard switch"
    if is_crun; then skip "brig's guard switch"; fi
    require_cmd ldd sha256sum
    _setup_attack
    _attack BRIG_UNSAFE_SELF_EXE=1
    assert_eq "$grab" grabbed "the attacker took a handle on the runtime binary running in the container"
    assert_match "$result" '^refused' "writing through the handle is refused"
    assert_eq "$changed" no "the runtime binary is unchanged"
}
