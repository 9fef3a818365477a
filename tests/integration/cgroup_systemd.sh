# shellcheck shell=bash
# The systemd cgroup driver (--systemd-cgroup).  Where systemd runs as PID 1
# (the guest of tests/vm/run, any systemd host) the tests talk to it on the
# real system bus and check what it did with systemctl.  Elsewhere (the
# development machine has no systemd) they talk to a stand-in: a private
# dbus-daemon with a system-bus-like policy (only root may own and call
# org.freedesktop.systemd1) and tests/integration/fake-systemd.py on it,
# which makes the unit's cgroups as systemd would and logs every call; brig
# finds that bus through DBUS_SYSTEM_BUS_ADDRESS.  BRIG_FAKE_SYSTEMD=1 uses
# the stand-in even where systemd runs.
# serial-file: makes and removes the host's system.slice and brigtest.slice

PY=/usr/bin/python3

# real_systemd: the tests talk to the systemd that runs this host.
real_systemd() { [ "${SD_MODE:-}" = real ]; }

# The hierarchies that had a system.slice before the test (the fake and
# brig make it where missing; teardown removes only those it made).
setup() {
    skip_if_runc "runc asks for a running systemd (/run/systemd/system) first"
    is_crun && skip "crun asks for a running systemd first"
    if [ -d /run/systemd/system ] && [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] &&
        [ -z "${BRIG_FAKE_SYSTEMD:-}" ]; then
        SD_MODE=real
        command -v systemctl >/dev/null || skip "systemctl not found"
        systemctl is-active -q dbus.service 2>/dev/null || skip "systemd runs but its bus (dbus.service) does not"
        unset DBUS_SYSTEM_BUS_ADDRESS
        return 0
    fi
    SD_MODE=fake
    command -v dbus-daemon >/dev/null || skip "dbus-daemon not installed (scripts/install-deps.sh)"
    "$PY" -c 'import dbus, dbus.mainloop.glib; from gi.repository import GLib' 2>/dev/null ||
        skip "python3-dbus or python3-gi not installed (scripts/install-deps.sh)"
    SLICES_BEFORE=$(ls -d /sys/fs/cgroup/*/system.slice /sys/fs/cgroup/system.slice 2>/dev/null || true)
    local dir=$TDIR/dbus
    mkdir -p "$dir"
    cat >"$dir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
  </policy>
  <policy user="root">
    <allow own="org.freedesktop.systemd1"/>
    <allow send_destination="org.freedesktop.systemd1"/>
  </policy>
</busconfig>
EOF
    dbus-daemon --config-file="$dir/bus.conf" --nofork >"$dir/daemon.log" 2>&1 &
    DAEMON_PID=$!
    wait_for test -S "$dir/system_bus_socket"
    export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$dir/system_bus_socket
    SD_LOG=$TDIR/systemd-calls.log
    : >"$SD_LOG"
    "$PY" "$TESTS_DIR/integration/fake-systemd.py" "$SD_LOG" >"$dir/fake.out" 2>&1 &
    FAKE_PID=$!
    wait_for grep -q READY "$dir/fake.out"
}

teardown() {
    local d
    if real_systemd; then
        # what a failed test left: its containers (through brig, as the
        # runner would), then any scope of theirs and the sub-slice it made
        for d in "$ROOT"/*/; do
            [ -d "$d" ] && SD delete --force "$(basename "$d")" >/dev/null 2>&1
        done
        systemctl stop "brig-*bt$$-*.scope" "c-*bt$$-*.scope" "brigtest-x$$.slice" 2>/dev/null
        systemctl reset-failed "brig-*bt$$-*.scope" "c-*bt$$-*.scope" 2>/dev/null
        return 0
    fi
    [ -z "${FAKE_PID:-}" ] || kill "$FAKE_PID" 2>/dev/null
    [ -z "${DAEMON_PID:-}" ] || kill "$DAEMON_PID" 2>/dev/null
    wait 2>/dev/null
    # whatever a failed test left of its units, then the slices it made
    # (the shared parents only when empty: other runs may use them)
    for d in /sys/fs/cgroup/*/system.slice/*bt"$TEST_UNIQ"-* /sys/fs/cgroup/*/brigtest.slice/*/*bt"$TEST_UNIQ"-* \
        /sys/fs/cgroup/*/brigtest.slice/brigtest-x"${TEST_UNIQ//-/_}".slice /sys/fs/cgroup/*/brigtest.slice \
        /sys/fs/cgroup/*/system.slice; do
        [ -d "$d" ] || continue
        [[ $d == */system.slice && $SLICES_BEFORE == *"$d"* ]] && continue
        [[ $d == */brigtest.slice || $d == */system.slice ]] || xargs -r kill -9 <"$d/cgroup.procs" 2>/dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            rmdir "$d" 2>/dev/null && break
            sleep 0.1
        done
    done
    return 0
}

# calls NAME [UNIT]: the calls the fake received (JSON lines), optionally
# only those for UNIT.
calls() {
    jq -c --arg c "$1" --arg u "${2:-}" 'select(.call == $c and ($u == "" or .name == $u))' "$SD_LOG"
}

# holder_gone PID: the scope's holder process has exited (its pid may be
# someone else's by now).
holder_gone() {
    ! pid_alive "$1" || [ "$(cat "/proc/$1/comm" 2>/dev/null)" != brig-scope-hold ]
}

SD() {
    "$BRIG" --root "$ROOT" --systemd-cgroup "$@"
}

# prop UNIT PROPERTY: a property of a unit as the real systemd has it.
prop() {
    systemctl show -P "$2" "$1"
}

# unit_gone UNIT: the real systemd has no such unit running (stopped and
# collected), or the stand-in was asked to stop it.
unit_gone() {
    if real_systemd; then
        local st
        st=$(prop "$1" ActiveState)
        [ "$st" = inactive ] || [ -z "$st" ]
    else
        [ -n "$(calls StopUnit "$1")" ]
    fi
}

test_run_in_a_transient_scope() {
    local id unit
    id=$(new_id)
    unit=brig-$id.scope
    cfg --arg p "system.slice:brig:$id" '.linux.cgroupsPath = $p'
    cfg '.linux.resources.memory = {limit: 67108864}'
    sh_args 'cat /proc/self/cgroup'
    run SD run --bundle "$BUNDLE" "$id"
    assert_ok
    # every hierarchy: those systemd made (memory, name=systemd, cgroup2)
    # and those brig adds itself (cpuset, freezer)
    local h
    for h in memory pids name=systemd cpuset freezer; do
        grep -q "^[0-9]*:$h:" /proc/self/cgroup || continue
        assert_match "$output" "[0-9]+:$h:/system.slice/$unit"$'(\n|$)'
    done
    if grep -q '^0::' /proc/self/cgroup; then
        assert_match "$output" "0::/system.slice/$unit"
    fi
    # run deletes the container: the unit is stopped, nothing is left
    unit_gone "$unit" || fail "run did not stop $unit"
    local d
    for d in /sys/fs/cgroup/*/system.slice/"$unit" /sys/fs/cgroup/system.slice/"$unit"; do
        assert_not_exists "$d" "$d left behind"
    done
    if real_systemd; then
        # what systemd made of it, for a container that keeps running
        id=$(new_id)
        unit=brig-$id.scope
        cfg --arg p "system.slice:brig:$id" '.linux.cgroupsPath = $p'
        set_args sleep 100
        run SD run -d --bundle "$BUNDLE" "$id"
        assert_ok
        assert_eq "$(prop "$unit" ActiveState)" active
        assert_eq "$(prop "$unit" Slice)" system.slice
        assert_eq "$(prop "$unit" Delegate)" yes
        assert_eq "$(prop "$unit" DefaultDependencies)" no
        assert_eq "$(prop "$unit" MemoryMax)" 67108864
        assert_eq "$(prop "$unit" DevicePolicy)" strict
        assert_contains "$(prop "$unit" DeviceAllow)" "/dev/char/1:3 rwm"
        assert_eq "$(prop "$unit" ControlGroup)" "/system.slice/$unit"
        run SD delete -f "$id"
        assert_ok
        unit_gone "$unit" || fail "delete did not stop $unit"
        return 0
    fi
    # what the stand-in was asked for
    local start
    start=$(calls StartTransientUnit "$unit")
    [ -n "$start" ] || fail "no StartTransientUnit $unit in $(cat "$SD_LOG")"
    assert_eq "$(jq -r .mode <<<"$start")" replace
    assert_eq "$(jq -r .properties.Slice <<<"$start")" system.slice
    assert_eq "$(jq -r .properties.Delegate <<<"$start")" true
    assert_eq "$(jq -r .properties.DefaultDependencies <<<"$start")" false
    assert_eq "$(jq -r '.properties.PIDs | length' <<<"$start")" 1
    assert_eq "$(jq -r '[.properties.MemoryMax, .properties.MemoryLimit] | map(select(. != null)) | .[0]' \
        <<<"$start")" 67108864
    assert_eq "$(jq -r .properties.DevicePolicy <<<"$start")" strict
    assert_contains "$(jq -c .properties.DeviceAllow <<<"$start")" '["/dev/char/1:3","rwm"]'
}

test_limits_in_the_scope_and_delete_stops_it() {
    local id unit pid d procs holder
    id=$(new_id)
    unit=brig-$id.scope
    cfg --arg p "system.slice:brig:$id" '.linux.cgroupsPath = $p'
    cfg '.linux.resources.memory = {limit: 33554432} | .linux.resources.pids = {limit: 16}'
    set_args sleep 100
    run SD run -d --bundle "$BUNDLE" "$id"
    assert_ok
    pid=$(state_of "$id" pid)
    assert_contains "$(cat "/proc/$pid/cgroup")" "/system.slice/$unit"
    # brig's cgroupfs code applied the limits in the unit's cgroup
    if [ -d /sys/fs/cgroup/memory ]; then
        assert_eq "$(cat "/sys/fs/cgroup/memory/system.slice/$unit/memory.limit_in_bytes")" 33554432
        assert_eq "$(cat "/sys/fs/cgroup/pids/system.slice/$unit/pids.max")" 16
        d=/sys/fs/cgroup/memory/system.slice/$unit
    else
        assert_eq "$(cat "/sys/fs/cgroup/system.slice/$unit/memory.max")" 33554432
        assert_eq "$(cat "/sys/fs/cgroup/system.slice/$unit/pids.max")" 16
        d=/sys/fs/cgroup/system.slice/$unit
    fi
    # the scope's first member (brig's holder) is gone, and charges the
    # scope nothing even while unreaped: only the container is left
    local pids_dir=/sys/fs/cgroup/pids/system.slice/$unit
    [ -d "$pids_dir" ] || pids_dir=/sys/fs/cgroup/system.slice/$unit
    local i
    for ((i = 0; i < 10; i++)); do
        [ "$(cat "$pids_dir/pids.current")" = 1 ] && break
        sleep 0.05
    done
    assert_eq "$(cat "$pids_dir/pids.current")" 1 "pids.current of $unit"
    procs=$(cat "$d/cgroup.procs")
    assert_eq "$procs" "$pid" "cgroup.procs of $unit"
    if ! real_systemd; then
        holder=$(calls StartTransientUnit "$unit" | jq -r '.properties.PIDs[0]')
        if [ "$holder" -le 0 ] || [ "$holder" = "$pid" ]; then fail "PIDs: $holder"; fi
        wait_for holder_gone "$holder"
    fi
    # exec'd processes join the scope too
    run SD exec "$id" cat /proc/self/cgroup
    assert_ok
    assert_contains "$output" "/system.slice/$unit"
    # ... or a sub-cgroup of it
    local spec=sub
    [ "$pids_dir" = "/sys/fs/cgroup/system.slice/$unit" ] || spec=pids:sub # v1: that controller only
    mkdir "$pids_dir/sub"
    run SD exec --cgroup "$spec" "$id" cat /proc/self/cgroup
    rmdir "$pids_dir/sub"
    assert_ok
    assert_contains "$output" "/system.slice/$unit/sub"
    # update tells systemd before writing the files
    run SD update --memory 64M "$id"
    assert_ok
    if real_systemd; then
        # systemd knows the limits, so a daemon-reload (which rewrites every
        # unit's cgroup files from its properties) keeps them
        assert_eq "$(prop "$unit" MemoryMax)" 67108864
        assert_eq "$(prop "$unit" TasksMax)" 16
        systemctl daemon-reload
        if [ -d /sys/fs/cgroup/memory ]; then
            assert_eq "$(cat "/sys/fs/cgroup/memory/system.slice/$unit/memory.limit_in_bytes")" 67108864 "after daemon-reload"
        else
            assert_eq "$(cat "/sys/fs/cgroup/system.slice/$unit/memory.max")" 67108864 "after daemon-reload"
        fi
        assert_eq "$(cat "$pids_dir/pids.max")" 16 "pids.max after daemon-reload"
        assert_eq "$(prop "$unit" ActiveState)" active
    else
        assert_contains "$(calls SetUnitProperties "$unit")" '"runtime":true'
        assert_contains "$(calls SetUnitProperties "$unit")" 67108864
        [ -z "$(calls StopUnit "$unit")" ] || fail "stopped too early"
    fi
    run SD delete -f "$id"
    assert_ok
    unit_gone "$unit" || fail "delete did not stop $unit"
    for d in /sys/fs/cgroup/*/system.slice/"$unit" /sys/fs/cgroup/system.slice/"$unit"; do
        assert_not_exists "$d" "$d left behind"
    done
    ! pid_alive "$pid" || fail "the container's process survived delete"
}

test_sub_slices_are_nested() {
    local id unit pid x=${TEST_UNIQ//-/_} # ("-" nests slices)
    id=$(new_id)
    unit=c-$id.scope
    cfg --arg p "brigtest-x$x.slice:c:$id" '.linux.cgroupsPath = $p'
    set_args sleep 100
    run SD run -d --bundle "$BUNDLE" "$id"
    assert_ok
    pid=$(state_of "$id" pid)
    assert_contains "$(cat "/proc/$pid/cgroup")" "/brigtest.slice/brigtest-x$x.slice/$unit"
    if real_systemd; then
        assert_eq "$(prop "$unit" Slice)" "brigtest-x$x.slice"
    else
        assert_eq "$(jq -r .properties.Slice <<<"$(calls StartTransientUnit "$unit")")" "brigtest-x$x.slice"
    fi
    run SD delete -f "$id"
    assert_ok
    unit_gone "$unit" || fail "delete did not stop $unit"
}

test_a_unit_that_exists_is_a_clear_error() {
    local id unit
    id=$(new_id)
    unit=brig-$id.scope
    cfg --arg p "system.slice:brig:$id" '.linux.cgroupsPath = $p'
    set_args sleep 100
    run SD run -d --bundle "$BUNDLE" "$id"
    assert_ok
    # another container asking for the same unit
    run SD run -d --bundle "$BUNDLE" "$(new_id)"
    assert_failed run
    if real_systemd; then # systemd 252: "Unit X was already loaded or has a fragment file."
        assert_match "$stderr" "^brig: run: systemd: StartTransientUnit $unit: org.freedesktop.systemd1.UnitExists: Unit $unit .*\.\$"
    else
        assert_eq "$stderr" "brig: run: systemd: StartTransientUnit $unit: org.freedesktop.systemd1.UnitExists: Unit $unit already exists."
    fi
    # the first container is untouched
    assert_eq "$(status_of "$id")" running
    if real_systemd; then
        assert_eq "$(prop "$unit" ActiveState)" active "the failed create stopped the other container's unit"
        return 0
    fi
    # (a failed leftover would have been reset and the start retried once)
    [ -n "$(calls ResetFailedUnit "$unit")" ] || fail "no ResetFailedUnit before the retry"
    assert_eq "$(calls StartTransientUnit "$unit" | wc -l)" 3
    [ -z "$(calls StopUnit "$unit")" ] || fail "the failed create stopped the other container's unit"
}

test_a_failed_job_is_reported_and_leaves_nothing() {
    real_systemd && skip "only the stand-in fails a job on request"
    local id unit holder
    id=jobfail$TEST_UNIQ
    unit=brig-$id.scope
    cfg --arg p "system.slice:brig:$id" '.linux.cgroupsPath = $p'
    run SD run --bundle "$BUNDLE" "$id"
    assert_failed run
    assert_match "$stderr" "^brig: run: systemd: StartTransientUnit $unit: job /org/freedesktop/systemd1/job/[0-9]+ ended with result \"failed\"\$"
    # the failed unit is reset, its holder gone, no state left
    [ -n "$(calls ResetFailedUnit "$unit")" ] || fail "the failed unit was not reset"
    for holder in $(calls StartTransientUnit "$unit" | jq -r '.properties.PIDs[0]'); do
        [ "$holder" -gt 0 ] || fail "PIDs: $holder"
        wait_for holder_gone "$holder"
    done
    assert_eq "$(B list -q)" ""
}

test_an_unreachable_bus_is_a_clear_error() {
    local id
    id=$(new_id)
    cfg --arg p "system.slice:brig:$id" '.linux.cgroupsPath = $p'
    DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TDIR/nonexistent run SD run --bundle "$BUNDLE" "$id"
    assert_failed run
    assert_eq "$stderr" "brig: run: systemd: D-Bus: connect to unix:path=$TDIR/nonexistent: No such file or directory"
    assert_eq "$(B list -q)" ""
}

test_no_systemd_is_a_clear_error() {
    [ -d /run/systemd/system ] && skip "systemd runs here"
    local id
    id=$(new_id)
    cfg --arg p "system.slice:brig:$id" '.linux.cgroupsPath = $p'
    unset DBUS_SYSTEM_BUS_ADDRESS
    run SD run --bundle "$BUNDLE" "$id"
    assert_failed run
    assert_contains "$stderr" "systemd is not running on this host"
}
