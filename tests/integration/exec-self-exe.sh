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
# $changed.
_attack() {
    local id before after i
    cp "$BRIG" "$RT_COPY"
    rm -f "$SHARE"/*
    before=$(sha256sum <"$RT_COPY")
    id=$(new_id)
    run env "$@" "$RT_COPY" --root "$ROOT" run -d --bundle "$BUNDLE" "$id"
    assert_ok
    run env "$@" timeout 30 "$RT_COPY" --root "$ROOT" exec "$id" /evil
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
    skip_if_runc "brig's guard switch"
    if is_crun; then skip "brig's guard switch"; fi
    require_cmd ldd sha256sum
    _setup_attack
    _attack BRIG_UNSAFE_SELF_EXE=1
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
