# shellcheck shell=bash disable=SC2154
# (output, status... come from tests/lib/helpers.sh)
# Rootless on a pure cgroup v2 host with systemd (issue 17, the delegated
# subtree): an unprivileged user's brig gets limits through the user's own
# systemd instance (--systemd-cgroup over $XDG_RUNTIME_DIR/systemd/private
# or the session bus) or in the subtree systemd delegates to the user
# (user@UID.service, Delegate=yes), and runs the bundle `runc spec
# --rootless` writes there (a cgroup namespace, cgroup2 mounted over an
# rbind of the host's /sys, no eBPF device filter in a user namespace).
# Every test passes with runc too (BRIG=runc).  Needs what the guest of
# tests/vm/run has: pure v2, systemd as PID 1, a user whose manager runs
# (BRIG_TEST_SYSTEMD_USER, else the suite's brig-rootless-test, whose
# user@UID.service is started for the file and stopped after); skipped
# with the reason elsewhere (the development machine is hybrid, no systemd).
# serial-file: starts and stops a user's systemd instance

# cg_is_v2: tests/lib/cgroup.sh.
# shellcheck source=tests/lib/cgroup.sh
. "$TESTS_LIB/cgroup.sh"

setup() {
    require_cgroup v2
    if [ ! -d /run/systemd/system ] || [ "$(cat /proc/1/comm 2>/dev/null)" != systemd ]; then
        skip "systemd is not PID 1 here (the guest of tests/vm/run is such a host)"
    fi
    require_cmd setpriv systemctl jq
    is_crun && skip "crun: not checked"
    RU=${BRIG_TEST_SYSTEMD_USER:-brig-rootless-test}
    if ! id "$RU" >/dev/null 2>&1; then
        useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$RU" ||
            skip "cannot make the test user $RU"
    fi
    RUID=$(id -u "$RU") RGID=$(id -g "$RU")
    RXDG=/run/user/$RUID
    if [ ! -S "$RXDG/systemd/private" ]; then
        # The suite's own user: its manager for this file only.
        timeout 60 systemctl start "user@$RUID.service" ||
            skip "cannot start user@$RUID.service: $(systemctl status "user@$RUID.service" 2>&1 | tail -n 2 | tr '\n' ' ')"
        [ -n "${BRIG_TEST_SYSTEMD_USER:-}" ] || defer "timeout 60 systemctl stop user@$RUID.service"
        local i
        for ((i = 0; i < 300; i++)); do
            [ -S "$RXDG/systemd/private" ] && break
            sleep 0.1
        done
        [ -S "$RXDG/systemd/private" ] || fail "user@$RUID.service runs but $RXDG/systemd/private did not come"
    fi
    DELEGATED=/sys/fs/cgroup/user.slice/user-$RUID.slice/user@$RUID.service
    [ -d "$DELEGATED" ] || skip "no cgroup $DELEGATED for the user's manager"
    local c
    for c in memory pids; do
        grep -qw "$c" "$DELEGATED/cgroup.controllers" ||
            skip "user@$RUID.service is not delegated the $c controller (systemd $(systemctl --version | head -n 1))"
    done
    # The user's state root and bundle (rootfs owned by the user).
    URT=$TDIR/urun
    UB=$TDIR/ubundle
    mkdir -p "$URT" "$UB"
    chmod 755 "$TDIR"
    cp -a "$BUNDLE/rootfs" "$UB/rootfs"
    chown -R "$RUID:$RGID" "$URT" "$UB"
    # Written by the user, as runc writes it (the user namespace maps root
    # to the user; on v2 a cgroup namespace; /sys an rbind; no resources).
    if is_runc; then
        U sh -c "cd $UB && runc spec --rootless" || fail "runc spec --rootless failed"
    else
        U "$BRIG" spec --rootless --profile runc --bundle "$UB" || fail "spec --rootless --profile runc failed"
    fi
    [ "$(jq '[.linux.namespaces[].type] | index("cgroup") != null' "$UB/config.json")" = true ] ||
        fail "the rootless spec on cgroup v2 has no cgroup namespace"
    ucfg '.process.terminal = false'
}

# U CMD...: CMD as the user, in the environment its session would give.
U() {
    setpriv --reuid "$RUID" --regid "$RGID" --init-groups \
        env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$TDIR" USER="$RU" \
        XDG_RUNTIME_DIR="$RXDG" DBUS_SESSION_BUS_ADDRESS="unix:path=$RXDG/bus" "$@"
}

# UB ARGS...: the runtime as the user, with the test's state root.
UB() { U "$BRIG" --root "$URT" "$@"; }

# ucfg JQ-FILTER: edit the user's config.json.
ucfg() {
    jq "$1" "$UB/config.json" >"$UB/c.json" && mv "$UB/c.json" "$UB/config.json" &&
        chown "$RUID:$RGID" "$UB/config.json"
}

# What the container shows of its cgroup: the cgroup2 mount (its magic,
# which busybox's stat has no name for), its own path in its cgroup
# namespace, the limits, and that /dev/null is usable.
PROBE='stat -fc %t /sys/fs/cgroup; cat /proc/self/cgroup; cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max 2>&1; cat /dev/null && echo x >/dev/null && echo devnull-ok'

# cg_of_pid PID: the v2 cgroup path of PID.
cg_of_pid() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }

# u_delete ID: what a failed test left, as the user.
u_delete() { UB delete --force "$1" >/dev/null 2>&1 || true; }

# brig runs here outside the subtree the user's manager owns (in the test
# runner's cgroup, as in a login session's scope): the user may not move a
# process from there into it, systemd does.
test_rootless_systemd_scope_has_the_limits() {
    local id pid path unit
    id=$(new_id)
    unit=brigrl-$id.scope
    ucfg ".linux.cgroupsPath = \"user.slice:brigrl:$id\" |
        .linux.resources = {memory: {limit: 67108864}, pids: {limit: 40}} |
        .process.args = [\"sh\", \"-c\", \"$PROBE\"]"
    defer "u_delete $id"
    # The user's manager (not the system's: AccessDenied there) makes the
    # scope below user@UID.service, where it delegates.
    run UB --systemd-cgroup create --bundle "$UB" "$id"
    assert_ok
    pid=$(UB state "$id" | jq -r .pid)
    path=$(cg_of_pid "$pid")
    assert_eq "$path" "/user.slice/user-$RUID.slice/user@$RUID.service/user.slice/$unit" "the container's cgroup"
    assert_eq "$(cat "/sys/fs/cgroup$path/memory.max") $(cat "/sys/fs/cgroup$path/pids.max")" "67108864 40"
    run U systemctl --user show -p MemoryMax -p TasksMax -p Delegate "$unit"
    assert_ok
    assert_contains "$output" "MemoryMax=67108864"
    assert_contains "$output" "TasksMax=40"
    assert_contains "$output" "Delegate=yes"
    run UB delete --force "$id"
    assert_ok
    run U systemctl --user is-active "$unit"
    assert_ne "$output" active "the scope is active after delete"
    [ ! -d "/sys/fs/cgroup$path" ] || fail "the scope's cgroup was left: /sys/fs/cgroup$path"
}

test_rootless_systemd_container_sees_its_limits_and_cgroup2() {
    local id
    id=$(new_id)
    ucfg ".linux.cgroupsPath = \"user.slice:brigrl:$id\" |
        .linux.resources = {memory: {limit: 67108864}, pids: {limit: 40}} |
        .process.args = [\"sh\", \"-c\", \"$PROBE\"]"
    defer "u_delete $id"
    run UB --systemd-cgroup run --bundle "$UB" "$id"
    assert_ok
    assert_eq "$output" $'63677270\n0::/\n67108864\n40\ndevnull-ok'
    run U systemctl --user is-active "brigrl-$id.scope"
    assert_ne "$output" active "the scope is active after run"
}

test_rootless_systemd_update_sets_the_scope_and_the_files() {
    local id pid path unit
    id=$(new_id)
    unit=brigrl-$id.scope
    ucfg ".linux.cgroupsPath = \"user.slice:brigrl:$id\" |
        .linux.resources = {memory: {limit: 67108864}, pids: {limit: 40}} |
        .process.args = [\"sleep\", \"600\"]"
    defer "u_delete $id"
    run UB --systemd-cgroup run -d --bundle "$UB" "$id"
    assert_ok
    pid=$(UB state "$id" | jq -r .pid)
    path=$(cg_of_pid "$pid")
    run UB update --memory 134217728 --pids-limit 50 "$id"
    assert_ok
    assert_eq "$(cat "/sys/fs/cgroup$path/memory.max") $(cat "/sys/fs/cgroup$path/pids.max")" "134217728 50"
    run U systemctl --user show -p MemoryMax -p TasksMax "$unit"
    assert_ok
    assert_contains "$output" "MemoryMax=134217728"
    assert_contains "$output" "TasksMax=50"
    run UB delete --force "$id"
    assert_ok
    [ ! -d "/sys/fs/cgroup$path" ] || fail "the scope's cgroup was left: /sys/fs/cgroup$path"
}

# No limits, no cgroupsPath: the bundle exactly as `runc spec --rootless`
# writes it, with the user's systemd (the default user.slice path) and
# without (no cgroup of its own then: the place is not the user's).
test_runc_spec_rootless_bundle_as_written() {
    local id
    ucfg ".process.terminal = false | .process.args = [\"sh\", \"-c\", \"$PROBE\"]"
    id=$(new_id)
    defer "u_delete $id"
    run UB --systemd-cgroup run --bundle "$UB" "$id"
    assert_ok
    assert_eq "$(sed -n '1p;2p;5p' <<<"$output")" $'63677270\n0::/\ndevnull-ok' "with --systemd-cgroup"
    id=$(new_id)
    defer "u_delete $id"
    # (runc masks /sys/fs/cgroup with a tmpfs here, brig mounts the
    # caller's cgroup read-only: tests/vm/RESULTS.md)
    run UB run --bundle "$UB" "$id"
    assert_ok
    assert_contains "$output" devnull-ok
}

# The cgroupfs driver in the subtree systemd delegates to the user: an
# absolute cgroupsPath below user@UID.service, which the user owns, with
# brig run in that subtree too (a scope of the user's manager, as a
# desktop session's programs run): a process may only be moved by one
# who may write the common parent's cgroup.procs.
test_rootless_cgroupfs_in_the_delegated_subtree() {
    local id path
    id=$(new_id)
    path=/user.slice/user-$RUID.slice/user@$RUID.service/brigrl-$id
    ucfg ".linux.cgroupsPath = \"$path\" |
        .linux.resources = {memory: {limit: 67108864}, pids: {limit: 40}} |
        .process.args = [\"sh\", \"-c\", \"$PROBE\"]"
    defer "u_delete $id; rmdir /sys/fs/cgroup$path 2>/dev/null; true"
    command -v systemd-run >/dev/null || skip "systemd-run not found"
    run U systemd-run --user --scope --quiet -- "$BRIG" --root "$URT" run --bundle "$UB" "$id"
    assert_ok
    assert_eq "$output" $'63677270\n0::/\n67108864\n40\ndevnull-ok'
    [ ! -d "/sys/fs/cgroup$path" ] || fail "the container's cgroup was left: /sys/fs/cgroup$path"
}

test_features_report_the_user_instance() {
    skip_if_runc "checked against brig's own features"
    run UB features
    assert_ok
    assert_eq "$(jq -c '.linux.cgroup | [.systemd, .systemdUser]' <<<"$output")" '[true,true]'
}
