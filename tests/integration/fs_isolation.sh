# shellcheck shell=bash
# Filesystem isolation against a hostile rootfs: symlinks that point at the
# host (absolute paths, ".." chains, "/proc -> /", a planted /dev/null,
# loops) must not make the runtime mount, create or write anything outside
# the rootfs.  Every scenario runs three times: with openat2, with brig's
# by-hand resolver (BRIG_TEST_RESOLVE=byhand) and with the mount(2)
# fallback instead of open_tree/move_mount (BRIG_TEST_MOUNT_API=legacy).
# After each run the host's canary directory (contents, modes, checksums)
# and the host's mount table at the places an escape would land must be
# exactly as before.

# The modes each scenario runs in: the knobs only brig's test build reads
# (tests/brig-test, include/brig/knobs.h); runc and crun run "kernel" only.
MODES="kernel byhand legacy"
if is_runc || is_crun || [ ! -x "$BRIG_TESTBIN" ]; then MODES=kernel; fi
BRIG_PROPER=$BRIG

set_mode() {
    unset BRIG_TEST_RESOLVE BRIG_TEST_MOUNT_API
    BRIG=$BRIG_PROPER
    case $1 in
        byhand) export BRIG_TEST_RESOLVE=byhand BRIG=$BRIG_TESTBIN ;;
        legacy) export BRIG_TEST_MOUNT_API=legacy BRIG=$BRIG_TESTBIN ;;
    esac
}

setup() {
    CANARY=$TDIR/canary
    mkdir -p "$CANARY/dir"
    echo "host file" >"$CANARY/file"
    echo "host secret" >"$CANARY/shadow"
    chmod 600 "$CANARY/shadow"
    ROOTFS=$BUNDLE/rootfs
    cfg '.root.readonly = false'
}

# What an escape would change: the canary (names, modes, owners, sizes,
# checksums) and the host's mounts at /, /etc, /proc, /sys, /dev or under
# $TDIR outside the bundle.
host_state() {
    (cd "$CANARY" && find . -printf '%p %m %u %g %s %y\n' | sort &&
        find . -type f -exec sha256sum {} + | sort)
    awk -v t="$TDIR/" -v b="$BUNDLE/" '
        $5 == "/" || $5 == "/etc" || $5 == "/proc" || $5 == "/sys" || $5 == "/dev" ||
        (index($5, t) == 1 && index($5, b) != 1) { print $4, $5, $6 }' /proc/self/mountinfo | sort
}

# hostile_run EXPECT SCRIPT: run SCRIPT in a new container in every mode;
# EXPECT is "ok" (must succeed) or "fail" (must fail cleanly: an error,
# nothing left behind).  The host must not change either way.
hostile_run() {
    local expect=$1 script=$2 before after m id
    before=$(host_state)
    sh_args "$script"
    for m in $MODES; do
        set_mode "$m"
        id=$(new_id)
        run B run --bundle "$BUNDLE" "$id"
        set_mode none
        if [ "$expect" = ok ]; then
            [ "$status" = 0 ] || fail "mode $m: the container failed: $stderr"
        else
            [ "$status" != 0 ] || fail "mode $m: the container ran, expected an error"
            [ -n "$stderr" ] || fail "mode $m: no error message"
            assert_not_exists "$ROOT/$id" "mode $m: a failed create left its state behind"
        fi
        after=$(host_state)
        if [ "$before" != "$after" ]; then
            diff <(echo "$before") <(echo "$after") >&2
            fail "mode $m: the host changed"
        fi
        LAST_OUTPUT=$output LAST_ERR=$stderr
    done
}

test_fs_symlinked_mount_destinations_stay_inside() {
    ln -s "$CANARY" "$ROOTFS/abs"
    ln -s "../../../../../../../../../../../..$CANARY" "$ROOTFS/rel"
    ln -s ../../../../../../.. "$ROOTFS/dotdot"
    mkdir -p "$TDIR/src"
    echo bound >"$TDIR/src/f"
    add_mount /abs/t1 tmpfs tmpfs
    add_mount /rel/t2 tmpfs tmpfs
    add_mount "/dotdot/dotdot$CANARY/t3" bind "$TDIR/src" rbind
    hostile_run ok 'touch /abs/t1/x /rel/t2/x && cat /abs/t3/f && ls /abs'
    assert_contains "$LAST_OUTPUT" bound "the bind did not land where the container resolves it"
    assert_not_contains "$LAST_OUTPUT" shadow "the container sees the host's canary"
    assert_exists "$ROOTFS$CANARY/t1" "the destination was not made inside the rootfs"
    assert_not_exists "$CANARY/t1" "a destination was made on the host"
}

test_fs_proc_symlinked_to_root_is_refused() {
    rm -rf "$ROOTFS/proc"
    ln -s / "$ROOTFS/proc"
    hostile_run fail true
    # A symlinked /proc is refused before it is even resolved.
    is_runc || assert_contains "$LAST_ERR" "proc must be mounted on an ordinary directory"
}

test_fs_dev_symlinked_to_a_host_dir() {
    skip_if_runc "runc 1.1.5 makes /dev/fd, /dev/ptmx, /dev/std* through the link, on the host"
    rm -rf "$ROOTFS/dev"
    ln -s "$CANARY" "$ROOTFS/dev"
    hostile_run ok 'echo x > /dev/null && [ -c /dev/zero ] && ls /dev'
    assert_not_contains "$LAST_OUTPUT" shadow "the container's /dev is the host's canary"
    assert_not_exists "$CANARY/null" "a device node was made on the host"
}

test_fs_planted_dev_null_is_replaced_by_the_device() {
    skip_if_runc "runc 1.1.5 refuses the device node (reopening /dev/null: operation not permitted)"
    # No tmpfs on /dev: the rootfs's own /dev, with /dev/null pointing at a
    # host file, and a device entry for /dev/null.
    cfg 'del(.mounts[] | select(.destination == "/dev" or .destination == "/dev/pts"
                                or .destination == "/dev/shm" or .destination == "/dev/mqueue"))
         | .linux.devices = [{path: "/dev/null", type: "c", major: 1, minor: 3, fileMode: 438}]'
    mkdir -p "$ROOTFS/dev"
    ln -sf "$CANARY/shadow" "$ROOTFS/dev/null"
    hostile_run ok '[ -c /dev/null ] && echo pwned > /dev/null && echo is-a-device'
    assert_contains "$LAST_OUTPUT" is-a-device
}

test_fs_planted_dev_null_is_not_used_to_mask() {
    skip_if_runc "runc 1.1.5 masks with whatever /dev/null is"
    # A masked file is covered with /dev/null: a /dev/null that is not the
    # null device must be refused, not bound over it.
    cfg 'del(.mounts[] | select(.destination == "/dev" or .destination == "/dev/pts"
                                or .destination == "/dev/shm" or .destination == "/dev/mqueue"))
         | .linux.maskedPaths = ["/etc/passwd"]'
    mkdir -p "$ROOTFS/dev"
    ln -sf /etc/hostname "$ROOTFS/dev/null"
    hostile_run fail true
    assert_contains "$LAST_ERR" "not the null device"
    ln -sf "$CANARY/shadow" "$ROOTFS/dev/null"
    hostile_run fail true
}

test_fs_symlink_loops_fail_cleanly() {
    ln -s loop2 "$ROOTFS/loop1"
    ln -s loop1 "$ROOTFS/loop2"
    add_mount /loop1/x tmpfs tmpfs
    hostile_run fail true
    assert_contains "$LAST_ERR" "symbolic links"
}

test_fs_masked_and_readonly_paths_through_symlinks() {
    # Links out of the rootfs resolve inside it (to nothing: skipped);
    # links inside it are followed.
    ln -s "$CANARY/shadow" "$ROOTFS/etc/secret"
    ln -s "$CANARY" "$ROOTFS/ro"
    echo "real" >"$ROOTFS/etc/real"
    ln -s /etc/real "$ROOTFS/etc/link"
    mkdir -p "$ROOTFS/data"
    ln -s ../data "$ROOTFS/etc/datalink"
    cfg '.linux.maskedPaths += ["/etc/secret", "/etc/link"]
         | .linux.readonlyPaths += ["/ro", "/etc/datalink"]'
    hostile_run ok 'echo "[$(cat /etc/real)]"; touch /data/x 2>/dev/null && echo data-writable; echo done'
    assert_contains "$LAST_OUTPUT" "[]" "the masked link's target is not masked"
    assert_not_contains "$LAST_OUTPUT" data-writable "the read-only link's target is writable"
}

test_fs_cwd_through_a_symlink_stays_inside() {
    ln -s "$CANARY" "$ROOTFS/work"
    cfg '.process.cwd = "/work/sub"'
    if is_runc; then # runc refuses a cwd through a link ("mkdir /work: file exists")
        hostile_run fail true
        return 0
    fi
    hostile_run ok 'pwd; ls -a'
    assert_not_contains "$LAST_OUTPUT" shadow "the cwd is the host's canary"
    assert_exists "$ROOTFS$CANARY/sub" "the cwd was not made inside the rootfs"
}

test_fs_bind_onto_a_file_symlinked_out() {
    ln -sf "$CANARY/file" "$ROOTFS/etc/hostname"
    echo "from the bind" >"$TDIR/hostname"
    add_mount /etc/hostname bind "$TDIR/hostname" bind ro
    hostile_run ok 'cat /etc/hostname'
    assert_contains "$LAST_OUTPUT" "from the bind"
    assert_exists "$ROOTFS$CANARY/file" "the bind target was not made inside the rootfs"
}

test_fs_devices_through_symlinked_dirs() {
    ln -s "$CANARY/dir" "$ROOTFS/devdir"
    cfg '.linux.devices = [{path: "/devdir/mynull", type: "c", major: 1, minor: 3, fileMode: 438}]'
    hostile_run ok '[ -c /devdir/mynull ] && echo ok'
    assert_not_exists "$CANARY/dir/mynull" "the device node was made on the host"
    assert_exists "$ROOTFS$CANARY/dir/mynull"
}
