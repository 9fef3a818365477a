# shellcheck shell=bash
# linux.devices: nodes made with their type, numbers, mode and owner; in a
# user namespace (where mknod is refused) the host's node bind-mounted.

# stat_dev PATH...: "path type major:minor mode uid:gid" per node, in $output.
STAT_DEV='stat -c "%n %F %t:%T %a %u:%g"'

test_devices_mknod_type_numbers_mode_owner() {
    cfg '.linux.devices = [
           {path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 416, uid: 1000, gid: 1001},
           {path: "/dev/myblk", type: "b", major: 7, minor: 200, fileMode: 384},
           {path: "/dev/myu", type: "u", major: 1, minor: 3},
           {path: "/dev/sub/dir/fifo", type: "p", fileMode: 420}]'
    inside "$STAT_DEV /dev/fuse /dev/myblk /dev/myu /dev/sub/dir/fifo"
    assert_contains "$output" "/dev/fuse character special file a:e5 640 1000:1001"
    assert_contains "$output" "/dev/myblk block special file 7:c8 600 0:0"
    assert_contains "$output" "/dev/myu character special file 1:3 666 0:0"
    assert_contains "$output" "/dev/sub/dir/fifo fifo 0:0 644 0:0"
}

test_devices_mode_ignores_the_umask() {
    cfg '.linux.devices = [{path: "/dev/m", type: "c", major: 1, minor: 3, fileMode: 511}]'
    umask 077 # the runtime's, which mknod would apply
    inside 'stat -c %a /dev/m'
    assert_eq "$output" 777
}

test_devices_are_usable_when_allowed() {
    cfg '.linux.devices = [{path: "/dev/mynull", type: "c", major: 1, minor: 3, fileMode: 438}]
         | .linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 3, access: "rwm"}]'
    inside 'echo data > /dev/mynull && echo written'
    assert_eq "$output" written
}

test_devices_replace_what_the_rootfs_has() {
    skip_if_runc "runc 1.1.5 fails to reopen such a /dev/null"
    # Without a /dev tmpfs, the rootfs's own /dev: a regular file there is
    # replaced by the node.
    cfg 'del(.mounts[] | select(.destination | startswith("/dev")))
         | .linux.devices = [{path: "/dev/null", type: "c", major: 1, minor: 3, fileMode: 438}]'
    mkdir -p "$BUNDLE/rootfs/dev"
    echo "not a device" >"$BUNDLE/rootfs/dev/null"
    cfg '.root.readonly = false'
    inside '[ -c /dev/null ] && echo char'
    assert_eq "$output" char
}

userns_config() {
    cfg '.linux.namespaces += [{type: "user"}]
         | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
         | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
    chmod 755 "$TDIR" "$BUNDLE"
}

test_devices_in_a_user_namespace_bind_the_host_node() {
    [ -c /dev/kmsg ] || skip "no /dev/kmsg on this host"
    userns_config
    cfg '.linux.devices = [{path: "/dev/kmsg", type: "c", major: 1, minor: 11, fileMode: 420}]'
    inside "$STAT_DEV /dev/kmsg /dev/null; grep -E ' /dev/(kmsg|null) ' /proc/self/mountinfo"
    assert_contains "$output" "/dev/kmsg character special file 1:b"
    assert_contains "$output" "/dev/null character special file 1:3"
    assert_contains "$output" " /dev/kmsg " "/dev/kmsg is not a bind mount"
    assert_contains "$output" " /dev/null " "the default /dev/null is not a bind mount"
}

test_devices_in_a_user_namespace_need_the_host_node() {
    skip_if_runc "runc's message differs"
    userns_config
    cfg '.linux.devices = [{path: "/dev/brig-no-such-device", type: "c", major: 1, minor: 3}]'
    sh_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed run
    assert_contains "$stderr" "bind-mounted from the host"
}

test_devices_path_must_be_absolute() {
    skip_if_runc "runc 1.1.5 takes a relative path as under /"
    cfg '.linux.devices = [{path: "dev/rel", type: "c", major: 1, minor: 3}]'
    sh_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed
}

# _fuse_open RESOURCES-DEVICES: /dev/fuse (c 10:229, not in the default
# set) listed in linux.devices, with the given resources.devices; tries to
# open it for reading, then for writing (no read or write: opening has no
# effect); leaves "r:ok|r:denied w:ok|w:denied" in $output.
_fuse_open() {
    [ -c /dev/fuse ] || skip "no /dev/fuse on this host"
    cfg --argjson r "$1" '.linux.devices = [{path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 438}]
         | .linux.resources.devices = $r'
    inside '(true </dev/fuse) 2>/dev/null && r=ok || r=denied; (true >/dev/fuse) 2>/dev/null && w=ok || w=denied; echo "r:$r w:$w"'
}

test_devices_denied_by_the_config_stay_denied() {
    # linux.devices get rwm automatically, but the config's own rules come
    # after: a node it denies stays denied (runc 1.1.5 and crun).
    _fuse_open '[{"allow": false, "access": "rwm"}, {"allow": false, "type": "c", "major": 10, "minor": 229, "access": "rwm"}]'
    assert_eq "$output" "r:denied w:denied" "a listed node the config denies"
    _fuse_open '[{"allow": false, "type": "c", "major": 10, "minor": 229, "access": "w"}]'
    is_runc || assert_eq "$output" "r:ok w:denied" "a listed node the config denies writing to"
}

test_devices_listed_get_rwm_unless_denied() {
    skip_if_runc "runc 1.1.5 does not allow linux.devices by itself"
    _fuse_open '[]'
    assert_eq "$output" "r:ok w:ok" "a listed node the config says nothing about"
}
