# shellcheck shell=bash disable=SC2153,SC2154
# (ROOT, BUNDLE, output, status... come from tests/lib/helpers.sh)
# Mount-namespace hardening that holds against the container's own tricks:
# --no-pivot leaves no host mount for a nested user namespace to ride on,
# the sysfs fallback is read-only all the way down, a /proc that is a
# symlink in the rootfs is refused.  tests/integration/mount-probe.c runs
# in the containers.

# shellcheck source=tests/lib/probes.sh
. "$TESTS_LIB/probes.sh"
_mprobe_bin() { probe_bin mount-probe; }

setup() {
    local p
    p=$(_mprobe_bin) || fail "cannot build the mount probe"
    cp "$p" "$BUNDLE/rootfs/mprobe"
    cfg '.root.readonly = false'
}

# _nested_proc [RUN-OPTION...]: as an unprivileged user with no seccomp
# filter in the way, make a user, mount and pid namespace and mount a fresh
# procfs; leaves the probe's verdict in $output.
_nested_proc() {
    [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 1)" != 0 ] ||
        skip "user namespaces are disabled on this host"
    cfg '.process.user = {uid: 1000, gid: 1000} | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW"}'
    sh_args 'mkdir -p /tmp/newproc && /mprobe userns-proc /tmp/newproc'
    run B run "$@" --bundle "$BUNDLE" "$(new_id)"
    assert_ok
}

test_nested_userns_cannot_mount_proc_with_pivot_root() {
    # The control: with pivot_root the host's procfs is gone, and the
    # container's own is masked (locked submounts): the kernel refuses.
    _nested_proc
    assert_match "$output" '^refused: mount proc' "a fresh procfs is refused"
}

test_nested_userns_cannot_mount_proc_with_no_pivot() {
    # --no-pivot: the host's procfs must not stay in the container's mount
    # namespace (the kernel allows a fresh procfs when a full one is there).
    _nested_proc --no-pivot
    assert_match "$output" '^refused: mount proc' "a fresh procfs is refused under --no-pivot"
}

test_no_pivot_mountinfo_shows_only_the_containers_mounts() {
    local lines
    sh_args 'cat /proc/self/mountinfo'
    run B run --no-pivot --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    lines=$output
    # Every mount is the rootfs or under it as the container sees it, and
    # the only procfs and sysfs are the container's own.
    assert_eq "$(awk '$5 != "/" && $5 !~ "^/(proc|dev|sys)(/|$)"' <<<"$lines")" "" "no mount outside the container's"
    assert_eq "$(awk '{for (i = 7; $i != "-"; i++); if ($(i+1) == "proc" && $5 != "/proc" && $5 !~ "^/proc/") print}' <<<"$lines")" "" \
        "no host procfs"
    assert_eq "$(awk '$5 == "/proc" {n++} END {print n + 0}' <<<"$lines")" 1 "one procfs at /proc"
}

test_no_pivot_leaves_the_host_mounts_alone() {
    # Detaching in the container's mount namespace never reaches the host:
    # a mount of our own outside the rootfs, and the host's /proc, stay.
    local canary=$TDIR/canary-mnt
    mkdir -p "$canary"
    mount -t tmpfs brig-canary "$canary" || skip "cannot mount tmpfs"
    defer "umount -l '$canary'"
    sh_args 'true'
    run B run --no-pivot --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_eq "$(awk -v m="$canary" '$5 == m' /proc/self/mountinfo | wc -l)" 1 "the host's own mount is still there"
    assert_eq "$(awk '$5 == "/proc"' /proc/self/mountinfo | wc -l)" 1 "the host's /proc is still there"
}

test_sysfs_fallback_is_readonly_all_the_way_down() {
    # A user namespace without its own network namespace cannot mount
    # sysfs: the host's is bound instead, and every mount in it (cgroup,
    # security, bpf, debug... filesystems) must be read-only.
    skip_if_runc "runc refuses to run this config or binds /sys differently"
    [ -n "$(awk '$5 ~ "^/sys/"' /proc/self/mountinfo)" ] || skip "the host has nothing mounted below /sys"
    cfg '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")] + [{type: "user"}]
         | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
         | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
    sh_args "awk '\$5 == \"/sys\" || \$5 ~ \"^/sys/\" {print \$5, \$6}' /proc/self/mountinfo"
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    [ "$(wc -l <<<"$output")" -gt 1 ] || fail "the host's /sys with its submounts was expected: $output"
    assert_eq "$(awk '$2 !~ /(^|,)ro(,|$)/' <<<"$output")" "" "every mount at or below /sys is read-only"
}

test_sysfs_fallback_without_mount_setattr_is_refused() {
    # Without mount_setattr (tests/brig-test's legacy mode) the submounts
    # cannot be made read-only: refused, not left writable.
    require_testbin
    [ -n "$(awk '$5 ~ "^/sys/"' /proc/self/mountinfo)" ] || skip "the host has nothing mounted below /sys"
    cfg '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")] + [{type: "user"}]
         | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
         | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
    sh_args 'true'
    run env BRIG_TEST_MOUNT_API=legacy "$BRIG_TESTBIN" --root "$ROOT" run --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    assert_contains "$stderr" "the host's cannot be made read-only"
}

test_proc_that_is_a_symlink_in_the_rootfs_is_refused() {
    # An image whose /proc -> /host-something: refused, not followed (runc:
    # "must be mounted on ordinary directory"); nothing is mounted there.
    local id
    rmdir "$BUNDLE/rootfs/proc" 2>/dev/null || rm -rf "$BUNDLE/rootfs/proc"
    mkdir -p "$BUNDLE/rootfs/host-proc"
    ln -s /host-proc "$BUNDLE/rootfs/proc"
    sh_args 'ls /host-proc | head -3'
    id=$(new_id)
    run B run --bundle "$BUNDLE" "$id"
    assert_failed
    is_runc || assert_contains "$stderr" "proc must be mounted on an ordinary directory"
    assert_not_exists "$ROOT/$id"
    assert_eq "$(find "$BUNDLE/rootfs/host-proc" -mindepth 1 | wc -l)" 0 "nothing was mounted through the link"
}

test_sys_behind_a_symlinked_parent_is_refused() {
    local id
    mv "$BUNDLE/rootfs/sys" "$BUNDLE/rootfs/realsys"
    ln -s /realsys "$BUNDLE/rootfs/sys"
    sh_args 'true'
    id=$(new_id)
    run B run --bundle "$BUNDLE" "$id"
    assert_failed
    is_runc || assert_contains "$stderr" "sysfs must be mounted on an ordinary directory"
}
