# shellcheck shell=bash
# Mount options beyond the basics of mounts.sh: atime variants, flags on
# bind mounts, recursive attributes (rro...), propagation, unknown options
# passed to the filesystem, tmpcopyup, idmapped mounts, cgroup mounts,
# masked and read-only paths, and what may be mounted inside /proc.

# require_cgroup, cg_is_v2: tests/lib/cgroup.sh.
# shellcheck source=/dev/null
. "$TESTS_LIB/cgroup.sh"

setup() {
    cfg '.root.readonly = false'
    SRC=$TDIR/src
    mkdir -p "$SRC"
    echo "host data" >"$SRC/file"
}

# mountinfo_of DEST: the container's mountinfo line for DEST (in $output).
mountinfo_of() {
    printf '%s\n' "$output" | awk -v d="$1" '$5 == d'
}

test_atime_variants_on_new_mounts() {
    add_mount /a tmpfs tmpfs noatime
    add_mount /b tmpfs tmpfs strictatime
    add_mount /c tmpfs tmpfs nodiratime relatime
    add_mount /d tmpfs tmpfs
    inside 'cat /proc/self/mountinfo'
    assert_contains "$(mountinfo_of /a)" "noatime"
    assert_not_contains "$(mountinfo_of /b)" "relatime" "strictatime"
    assert_not_contains "$(mountinfo_of /b)" "noatime" "strictatime"
    assert_contains "$(mountinfo_of /c)" "nodiratime"
    assert_contains "$(mountinfo_of /c)" "relatime"
    assert_contains "$(mountinfo_of /d)" "relatime" "relatime is the default"
}

test_flags_on_bind_mounts() {
    add_mount /b1 bind "$SRC" bind ro nosuid nodev noexec noatime nodiratime
    add_mount /b2 bind "$SRC" rbind rw strictatime
    inside 'cat /proc/self/mountinfo'
    local b1
    b1=$(mountinfo_of /b1 | awk '{print $6}')
    assert_eq "$b1" "ro,nosuid,nodev,noexec,noatime,nodiratime" "per-mount flags of the bind"
    assert_eq "$(mountinfo_of /b2 | awk '{print $6}')" "rw" "rw,strictatime bind"
}

test_readonly_bind_is_really_readonly() {
    add_mount /ro bind "$SRC" bind ro
    inside 'echo x > /ro/file 2>&1; echo x > /ro/new 2>&1; mkdir /ro/d 2>&1; cat /ro/file'
    assert_contains "$output" "Read-only file system"
    assert_eq "$(cat "$SRC/file")" "host data" "the read-only bind was written"
    assert_not_exists "$SRC/new"
    assert_not_exists "$SRC/d"
}

# A host dir with a submount, bound with rbind: ro only covers the top,
# rro covers the submount too.
test_rro_makes_submounts_readonly() {
    skip_if_runc "runc 1.1 has no recursive mount options"
    mkdir -p "$SRC/sub"
    mount -t tmpfs -o size=1m sub "$SRC/sub"
    defer "umount -l '$SRC/sub'"
    add_mount /top bind "$SRC" rbind ro
    add_mount /rtop bind "$SRC" rbind rro
    inside 'touch /top/sub/a 2>/dev/null && echo top-sub-writable
            touch /rtop/sub/b 2>/dev/null && echo rtop-sub-writable
            touch /rtop/c 2>/dev/null && echo rtop-writable; echo done'
    assert_contains "$output" top-sub-writable "ro is not recursive (as mount(2)): the submount stays rw"
    assert_not_contains "$output" rtop-sub-writable "rro left a submount writable"
    assert_not_contains "$output" rtop-writable "rro left the top writable"
}

test_recursive_nosuid_noexec() {
    skip_if_runc "runc 1.1 has no recursive mount options"
    mkdir -p "$SRC/sub"
    mount -t tmpfs -o size=8m,mode=755 sub "$SRC/sub"
    defer "umount -l '$SRC/sub'"
    cp /bin/busybox "$SRC/sub/bb"
    add_mount /x bind "$SRC" rbind rnoexec rnosuid
    inside 'grep " /x/sub " /proc/self/mountinfo; /x/sub/bb true 2>&1 || echo exec-refused'
    assert_contains "$output" "nosuid"
    assert_contains "$output" "noexec"
    assert_contains "$output" exec-refused
}

test_propagation_options() {
    # The source must be in a shared peer group for slave/shared to show.
    mkdir -p "$TDIR/shared"
    mount --bind "$TDIR/shared" "$TDIR/shared"
    defer "umount -l '$TDIR/shared'"
    mount --make-shared "$TDIR/shared"
    add_mount /sh bind "$TDIR/shared" rbind rshared
    add_mount /sl bind "$TDIR/shared" rbind rslave
    add_mount /pr bind "$TDIR/shared" rbind rprivate
    add_mount /un bind "$TDIR/shared" rbind runbindable
    inside 'cat /proc/self/mountinfo'
    assert_match "$(mountinfo_of /sh)" ' shared:[0-9]+ ' "rshared"
    assert_match "$(mountinfo_of /sl)" ' master:[0-9]+ ' "rslave"
    assert_not_contains "$(mountinfo_of /pr)" "shared:" "rprivate"
    assert_not_contains "$(mountinfo_of /pr)" "master:" "rprivate"
    assert_contains "$(mountinfo_of /un)" " unbindable " "runbindable"
}

test_shared_bind_propagates_to_the_host() {
    # rshared on a shared source: a mount made inside shows on the host (the
    # point of the option: Kubernetes' Bidirectional mounts).
    skip_if_runc "runc 1.1 needs rootfsPropagation rshared for this"
    mkdir -p "$TDIR/shared/in"
    mount --bind "$TDIR/shared" "$TDIR/shared"
    defer "umount -R -l '$TDIR/shared'"
    mount --make-shared "$TDIR/shared"
    add_mount /sh bind "$TDIR/shared" rbind rshared
    cfg '.process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"]
         | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
    set_args sh -c 'mount -t tmpfs -o size=1m x /sh/in && touch /sh/in/from-container && sleep 30'
    local id
    id=$(new_id)
    run B run -d --bundle "$BUNDLE" "$id"
    assert_ok
    wait_for test -e "$TDIR/shared/in/from-container"
}

test_unknown_options_go_to_the_filesystem() {
    add_mount /t tmpfs tmpfs size=1m nr_inodes=100 mode=0701
    inside 'grep " /t " /proc/self/mountinfo; stat -c %a /t'
    assert_contains "$output" "size=1024k"
    assert_contains "$output" "nr_inodes=100"
    assert_contains "$output" "701"
    add_mount /u tmpfs tmpfs no-such-option=1
    sh_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    is_runc || assert_contains "$stderr" "mount tmpfs on /u"
}

test_tmpcopyup() {
    skip_if_runc "runc 1.1 does not implement tmpcopyup"
    local r=$BUNDLE/rootfs/data
    mkdir -p "$r/dir/sub"
    echo "one" >"$r/file"
    echo "two" >"$r/dir/sub/deep"
    chmod 604 "$r/file"
    chown 1000:1001 "$r/file"
    chmod 750 "$r"
    ln -s dir/sub/deep "$r/link"
    mkfifo "$r/fifo"
    add_mount /data tmpfs tmpfs tmpcopyup
    inside 'grep " /data " /proc/self/mountinfo | cut -d" " -f9; stat -c "%n %a %u %g" /data /data/file
            cat /data/file /data/link; [ -p /data/fifo ] && echo fifo; echo changed > /data/new'
    assert_contains "$output" "tmpfs" "/data is not a tmpfs"
    assert_contains "$output" "/data 750 0 0"
    assert_contains "$output" "/data/file 604 1000 1001"
    assert_contains "$output" "one"
    assert_contains "$output" "two" "the symlink or the nested file was not copied"
    assert_contains "$output" "fifo"
    assert_not_exists "$r/new" "a write went through the tmpfs to the rootfs"
}

# A user namespace mapping root to 100000: files owned by host root show
# as nobody, unless the mount is idmapped with the container's mapping.
userns_config() {
    cfg '.linux.namespaces += [{type: "user"}]
         | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
         | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
    chmod 755 "$TDIR" "$BUNDLE"
}

test_idmap_mount_with_the_container_user_namespace() {
    skip_if_runc "runc 1.1 has no idmapped mounts"
    userns_config
    mkdir -p "$BUNDLE/rootfs/idm" "$BUNDLE/rootfs/plain"
    chmod 777 "$SRC"
    add_mount /idm bind "$SRC" bind idmap
    add_mount /plain bind "$SRC" bind
    inside 'stat -c "%n %u:%g" /idm/file /plain/file; echo new > /idm/created; grep " /idm " /proc/self/mountinfo'
    assert_contains "$output" "/idm/file 0:0" "the idmapped mount does not show host root as root"
    assert_contains "$output" "/plain/file 65534:65534" "without idmap host root should be unmapped"
    assert_contains "$output" "idmapped"
    assert_eq "$(stat -c %u:%g "$SRC/created")" "0:0" "a file made through the idmapped mount is not host root's"
}

test_idmap_mount_with_its_own_mappings() {
    skip_if_runc "runc 1.1 has no idmapped mounts"
    # No user namespace: the mount's own mappings (0 -> 1000) apply.
    cfg --arg s "$SRC" '.mounts += [{destination: "/idm", type: "bind", source: $s, options: ["bind", "idmap"],
                          uidMappings: [{containerID: 0, hostID: 1000, size: 1}],
                          gidMappings: [{containerID: 0, hostID: 1001, size: 1}]}]'
    inside 'stat -c "%u:%g" /idm/file'
    assert_eq "$output" "1000:1001"
}

test_idmap_errors() {
    skip_if_runc "runc 1.1 has no idmapped mounts"
    add_mount /idm bind "$SRC" bind idmap
    sh_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed run
    assert_contains "$stderr" "needs a user namespace or uidMappings"
    cfg 'del(.mounts[-1])'
    add_mount /t tmpfs tmpfs idmap
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed run
    assert_contains "$stderr" "idmap and ridmap need a bind mount"
}

test_cgroup_mount_shows_the_containers_own_cgroup() {
    require_cgroup v1
    cfg '.linux.resources.memory = {limit: 67108864}
         | .mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid"]}]'
    inside 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; ls /sys/fs/cgroup/memory | grep -c "^brig$" || true
            echo 5 > /sys/fs/cgroup/pids/pids.max 2>/dev/null && echo writable; grep " /sys/fs/cgroup/memory " /proc/self/mountinfo'
    assert_contains "$output" "67108864" "the memory limit seen inside is not the container's"
    # Writable unless "ro", as with runc.
    assert_contains "$output" writable "the cgroup mount without ro"
}

test_cgroup_mount_ro_when_asked() {
    [ -d /sys/fs/cgroup/pids ] || skip "no cgroup v1 pids controller"
    cfg '.linux.resources.pids = {limit: 100}
         | .mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "ro"]}]'
    inside 'echo 5 > /sys/fs/cgroup/pids/pids.max 2>/dev/null && echo writable; cat /sys/fs/cgroup/pids/pids.max
            grep -c " /sys/fs/cgroup/pids ro," /proc/self/mountinfo'
    assert_eq "$output" $'100\n1'
}

# The same on v2: /sys/fs/cgroup is the container's own cgroup (a cgroup2
# mount in a cgroup namespace, the cgroup's directory bound without one).
test_cgroup_mount_shows_the_containers_own_cgroup_v2() {
    require_cgroup v2
    local ns
    for ns in host private; do
        cfg '.linux.resources.memory = {limit: 67108864}
             | .mounts = [.mounts[] | select(.destination != "/sys/fs/cgroup")]
             | .mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "ro"]}]'
        [ $ns = host ] || cfg '.linux.namespaces += [{type: "cgroup"}]'
        inside 'cat /sys/fs/cgroup/memory.max; ls /sys/fs/cgroup | grep -c "^system.slice$\|^init.scope$" || true
                echo 5 > /sys/fs/cgroup/pids.max 2>/dev/null && echo writable; grep " /sys/fs/cgroup " /proc/self/mountinfo'
        assert_contains "$output" "67108864" "$ns cgroupns: the memory limit seen inside is not the container's"
        assert_contains "$output" $'\n0\n' "$ns cgroupns: the host's top cgroups are seen inside"
        if ! is_runc; then
            assert_not_contains "$output" writable "$ns cgroupns: the cgroup mount is writable with ro"
            assert_contains "$output" " ro,"
        fi
    done
}

test_cgroup_mount_rw_when_asked() {
    local dir=/sys/fs/cgroup/pids
    cg_is_v2 && dir=/sys/fs/cgroup
    [ -d $dir ] || skip "no cgroup v1 pids controller"
    cfg '.linux.resources.pids = {limit: 100}
         | .mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["rw"]}]'
    inside "echo 50 > $dir/pids.max && cat $dir/pids.max"
    assert_eq "$output" 50
}

test_masked_and_readonly_paths() {
    mkdir -p "$BUNDLE/rootfs/secret.d"
    echo "secret" >"$BUNDLE/rootfs/secret.d/x"
    echo "secret" >"$BUNDLE/rootfs/secret.txt"
    cfg '.linux.maskedPaths = ["/secret.txt", "/secret.d", "/does/not/exist", "/proc/kcore"]
         | .linux.readonlyPaths = ["/proc/sys", "/etc", "/nope"]'
    inside 'echo "[$(cat /secret.txt)]"; ls /secret.d | wc -l; touch /secret.d/y 2>/dev/null && echo mask-writable
            touch /etc/z 2>/dev/null && echo etc-writable; echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo sys-writable
            [ -c /secret.txt ] && echo masked-by-null; echo end'
    assert_contains "$output" "[]" "a masked file shows its content"
    assert_contains "$output" $'\n0\n' "a masked directory shows its content"
    assert_not_contains "$output" mask-writable
    assert_not_contains "$output" etc-writable
    assert_not_contains "$output" sys-writable
    assert_contains "$output" masked-by-null "a masked file is not /dev/null"
}

# Every masked directory of a container shows one tmpfs instance, mounted
# read-only at each: one superblock per container rather than one per
# directory (each brings LRU lists the kernel walks whenever a memory
# cgroup anywhere on the host is removed; runtime/container/mountfd.c).
test_masked_directories_share_one_read_only_tmpfs() {
    skip_if_runc "runc mounts a tmpfs per masked directory"
    mkdir -p "$BUNDLE/rootfs/secret.d" "$BUNDLE/rootfs/other.d"
    echo "secret" >"$BUNDLE/rootfs/secret.d/x"
    echo "secret" >"$BUNDLE/rootfs/other.d/y"
    cfg '.linux.maskedPaths = ["/secret.d", "/proc/kcore", "/other.d"]'
    inside 'cat /proc/self/mountinfo; echo "entries $(find /secret.d /other.d -mindepth 1 | wc -l)"
            touch /secret.d/n 2>/dev/null && echo mask-writable; echo end'
    local a b
    a=$(mountinfo_of /secret.d)
    b=$(mountinfo_of /other.d)
    [ -n "$a" ] && [ -n "$b" ] || fail "a masked directory has no mount: [$a] [$b]"
    assert_eq "$(echo "$a" | awk '{print $3}')" "$(echo "$b" | awk '{print $3}')" \
        "the masked directories are one tmpfs (device numbers)"
    assert_contains "$a" " - tmpfs "
    local m
    for m in "$a" "$b"; do
        assert_contains "$m" " ro,nosuid,nodev,noexec" "every masked directory's mount is read-only"
    done
    assert_contains "$output" "entries 0" "the masked directories are empty"
    assert_not_contains "$output" mask-writable
}

test_binds_inside_proc_are_limited() {
    skip_if_runc "runc 1.1 allows some of these"
    echo "fake cpuinfo" >"$TDIR/cpuinfo"
    add_mount /proc/cpuinfo bind "$TDIR/cpuinfo" bind ro
    inside 'cat /proc/cpuinfo'
    assert_eq "$output" "fake cpuinfo" "lxcfs-style binds over /proc files are allowed"
    add_mount /proc/sys/kernel/core_pattern bind "$TDIR/cpuinfo" bind
    sh_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed run
    assert_contains "$stderr" "inside /proc"
}

test_mount_destination_resolving_to_the_root_is_refused() {
    ln -s / "$BUNDLE/rootfs/toroot"
    add_mount /toroot tmpfs tmpfs
    sh_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    is_runc || assert_contains "$stderr" "resolves to the container's root directory"
}

test_devpts_shm_mqueue() {
    inside 'grep -E " /dev/(pts|shm|mqueue) " /proc/self/mountinfo; stat -c %a /dev/pts/ptmx; ls -l /dev/ptmx'
    assert_contains "$output" "ptmxmode=666"
    assert_contains "$output" " /dev/shm "
    assert_contains "$output" " /dev/mqueue "
    assert_contains "$output" "666"
    assert_contains "$output" "pts/ptmx"
}

# A read-only /dev tmpfs is mounted read-write, filled (the mount points
# below it, the default devices), then made read-only, as runc does; any
# read-only tmpfs with tmpcopyup likewise.
test_readonly_dev_tmpfs_is_filled_then_read_only() {
    cfg '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]'
    inside '[ -c /dev/null ] && echo null; [ -d /dev/pts ] && echo pts; touch /dev/x 2>/dev/null && echo writable
            grep -c " /dev ro," /proc/self/mountinfo'
    assert_eq "$output" $'null\npts\n1'
}

test_readonly_tmpfs_with_tmpcopyup() {
    skip_if_runc "tmpcopyup is crun's (and brig's)"
    mkdir -p "$BUNDLE/rootfs/data"
    echo kept >"$BUNDLE/rootfs/data/f"
    add_mount /data tmpfs tmpfs tmpcopyup ro
    inside 'cat /data/f; touch /data/g 2>/dev/null && echo writable; grep -c " /data ro," /proc/self/mountinfo'
    assert_eq "$output" $'kept\n1'
}
