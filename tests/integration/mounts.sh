# shellcheck shell=bash disable=SC2153,SC2154,SC2164
# (ROOT, BUNDLE, output, status... come from tests/lib/helpers.sh)
# The rootfs and the mounts: pivot_root/--no-pivot, root.readonly, proc,
# sysfs, tmpfs, devpts, mqueue, bind mounts and their options, /dev.

# mountinfo: run the container and leave its /proc/self/mountinfo in $output.
mountinfo() {
    inside 'cat /proc/self/mountinfo'
}

# mnt FIELD MOUNTPOINT: a field of the (topmost) mountinfo line of
# MOUNTPOINT in $output: opts (per mount), fstype, source, super, root.
mnt() {
    awk -v f="$1" -v mp="$2" '
        $5 == mp {
            for (i = 7; $i != "-"; i++) ;
            if (f == "opts") v = $6
            else if (f == "root") v = $4
            else if (f == "fstype") v = $(i + 1)
            else if (f == "source") v = $(i + 2)
            else if (f == "super") v = $(i + 3)
            found = 1
        }
        END { if (found) print v; else print "(not mounted)" }' <<<"$output"
}

# has_opt LIST OPT: the comma separated LIST contains OPT.
has_opt() {
    [[ ,$1, == *,$2,* ]]
}

assert_opt() {
    has_opt "$1" "$2" || fail "${3:-options} '$1' lack $2"
}

assert_no_opt() {
    if has_opt "$1" "$2"; then fail "${3:-options} '$1' have $2"; fi
}

test_rootfs_is_the_bundle_rootfs() {
    echo "marker-$$" >"$BUNDLE/rootfs/marker"
    inside 'cat /marker; cat /etc/hostname'
    assert_eq "$output" $'marker-'$$$'\nbrig'
}

test_pivot_root_hides_host_filesystem() {
    echo secret >"$TDIR/host-only"
    sh_args "cat $TDIR/host-only; ls /proc/1/root$TDIR 2>&1; echo done"
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_not_contains "$output" secret "host file visible in the container"
    # The root mount is the bundle's rootfs and nothing above it is visible.
    mountinfo
    assert_match "$(mnt root /)" '/bundle/rootfs$' "root of the / mount"
    local outside
    outside=$(awk -v p="$TDIR" 'index($5, p) == 1' <<<"$output")
    [ -z "$outside" ] || fail "host mount points visible: $outside"
}

test_no_pivot() {
    local id
    id=$(new_id)
    echo secret >"$TDIR/host-only"
    sh_args "cat /etc/hostname; cat $TDIR/host-only 2>/dev/null; echo done"
    run B run --no-pivot --bundle "$BUNDLE" "$id"
    assert_ok
    assert_eq "$output" $'brig\ndone'
}

test_no_pivot_create_start() {
    local id
    id=$(new_id)
    add_share
    sh_args 'cat /etc/hostname > /share/out'
    run B create --no-pivot --bundle "$BUNDLE" "$id"
    assert_ok
    run B start "$id"
    assert_ok
    wait_status "$id" stopped
    assert_eq "$(cat "$SHARE/out")" brig
}

test_root_readonly() {
    cfg '.root.readonly = true'
    sh_args 'touch /newfile && echo wrote; awk "\$5 == \"/\" {print \$6}" /proc/self/mountinfo'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_not_contains "$output" wrote "wrote to a read-only rootfs"
    assert_not_exists "$BUNDLE/rootfs/newfile"
    assert_opt "$(tail -n 1 <<<"$output")" ro "/ mount options"
}

test_root_writable() {
    cfg '.root.readonly = false'
    inside 'touch /newfile && echo wrote; awk "\$5 == \"/\" {print \$6}" /proc/self/mountinfo'
    assert_contains "$output" wrote
    assert_exists "$BUNDLE/rootfs/newfile" "write did not reach the rootfs"
    assert_opt "$(tail -n 1 <<<"$output")" rw "/ mount options"
}

test_proc_mount() {
    mountinfo
    assert_eq "$(mnt fstype /proc)" proc
    inside 'ls /proc | grep -c "^[0-9]"'
    # Only the container's processes (sh, ls, grep) in its pid namespace.
    [ "$output" -le 4 ] || fail "$output processes in the container's /proc"
}

test_sysfs_mount_readonly() {
    mountinfo
    assert_eq "$(mnt fstype /sys)" sysfs
    local o
    o=$(mnt opts /sys)
    assert_opt "$o" ro /sys
    assert_opt "$o" nosuid /sys
    assert_opt "$o" nodev /sys
    assert_opt "$o" noexec /sys
}

test_tmpfs_size_and_mode() {
    add_mount /mnt/t tmpfs tmpfs size=1m mode=1770 nosuid nodev
    inside 'cat /proc/self/mountinfo; stat -c "mode=%a" /mnt/t; df -k /mnt/t | tail -n 1'
    assert_eq "$(mnt fstype /mnt/t)" tmpfs
    assert_opt "$(mnt super /mnt/t)" size=1024k "tmpfs super options"
    assert_opt "$(mnt super /mnt/t)" mode=1770 "tmpfs super options"
    assert_opt "$(mnt opts /mnt/t)" nosuid
    assert_opt "$(mnt opts /mnt/t)" nodev
    assert_no_opt "$(mnt opts /mnt/t)" noexec
    assert_contains "$output" "mode=1770"
    assert_match "$(tail -n 1 <<<"$output")" '^tmpfs +1024 ' "df size"
}

test_mount_destination_created() {
    add_mount /deep/new/dir tmpfs tmpfs mode=755
    inside 'cat /proc/self/mountinfo'
    assert_eq "$(mnt fstype /deep/new/dir)" tmpfs
}

test_devpts_mount() {
    mountinfo
    assert_eq "$(mnt fstype /dev/pts)" devpts
    local s
    s=$(mnt super /dev/pts)
    assert_opt "$s" ptmxmode=666 devpts
    assert_opt "$s" mode=620 devpts
    assert_opt "$s" gid=5 devpts
    assert_opt "$(mnt opts /dev/pts)" nosuid
    assert_opt "$(mnt opts /dev/pts)" noexec
}

test_mqueue_mount() {
    mountinfo
    assert_eq "$(mnt fstype /dev/mqueue)" mqueue
    local o
    o=$(mnt opts /dev/mqueue)
    assert_opt "$o" nosuid
    assert_opt "$o" nodev
    assert_opt "$o" noexec
}

test_dev_shm() {
    inside 'cat /proc/self/mountinfo; stat -c "mode=%a" /dev/shm'
    assert_eq "$(mnt fstype /dev/shm)" tmpfs
    assert_contains "$output" mode=1777
}

test_bind_mount_readonly_nosuid_nodev_noexec() {
    local src=$TDIR/src
    mkdir -p "$src"
    echo content >"$src/file"
    add_mount /mnt/b bind "$src" bind ro nosuid nodev noexec
    sh_args 'cat /proc/self/mountinfo; cat /mnt/b/file; touch /mnt/b/new && echo wrote'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_contains "$output" content "bind-mounted file not readable"
    assert_not_contains "$output" wrote "wrote to a read-only bind mount"
    assert_not_exists "$src/new"
    local o
    o=$(mnt opts /mnt/b)
    assert_opt "$o" ro
    assert_opt "$o" nosuid
    assert_opt "$o" nodev
    assert_opt "$o" noexec
}

test_bind_mount_read_write() {
    local src=$TDIR/src
    mkdir -p "$src"
    add_mount /mnt/b bind "$src" bind rw
    inside 'echo from-container > /mnt/b/new; cat /proc/self/mountinfo'
    assert_eq "$(cat "$src/new")" from-container
    assert_opt "$(mnt opts /mnt/b)" rw
    assert_no_opt "$(mnt opts /mnt/b)" noexec
}

test_bind_mount_noexec_blocks_exec() {
    local src=$TDIR/src
    mkdir -p "$src"
    cp /bin/busybox "$src/true"
    add_mount /mnt/x bind "$src" bind noexec
    sh_args '/mnt/x/true && echo executed'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_not_contains "$output" executed "exec on a noexec mount"
    cfg '.mounts |= map(if .destination == "/mnt/x" then .options = ["bind"] else . end)'
    inside '/mnt/x/true && echo executed'
    assert_eq "$output" executed
}

test_bind_mount_of_a_file() {
    echo filecontent >"$TDIR/afile"
    add_mount /etc/bound-file bind "$TDIR/afile" bind ro
    inside 'cat /etc/bound-file'
    assert_eq "$output" filecontent
}

# A source below a directory only host root may search (0700), one that
# is itself 0700 and host root's, and one through an absolute symlink.
private_sources() {
    local priv=$TDIR/private
    mkdir -p "$priv/data" "$priv/closed"
    echo reached >"$priv/data/file"
    chmod 0755 "$priv/data"
    chmod 0644 "$priv/data/file"
    chmod 0700 "$priv" "$priv/closed"
    # destinations made beforehand: the mapped root cannot write the rootfs
    mkdir "$BUNDLE/rootfs/mnt/data" "$BUNDLE/rootfs/mnt/closed"
    : >"$BUNDLE/rootfs/mnt/file"
    add_mount /mnt/data bind "$priv/data" rbind ro
    add_mount /mnt/file bind "$priv/data/file" bind ro
    add_mount /mnt/closed bind "$priv/closed" bind
    # a source through an absolute symlink means what it means on the host
    ln -s "$priv/data/file" "$TDIR/link"
    : >"$BUNDLE/rootfs/mnt/link"
    add_mount /mnt/link bind "$TDIR/link" bind ro
    sh_args 'cat /mnt/data/file /mnt/file /mnt/link; ls /mnt/closed 2>/dev/null || echo closed-denied
             grep -c " /mnt/closed " /proc/self/mountinfo'
}

userns_100000() {
    cfg '.linux.namespaces += [{type: "user"}]
         | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
         | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
}

# Bind sources are opened by the runtime, as host root, before the
# container's user namespace is entered (runc's "mount sources"): they are
# mounted although the container's root (uid 100000 on the host) could not
# reach them itself.
test_bind_source_only_host_root_reaches_with_user_namespace() {
    userns_100000
    private_sources
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_eq "$output" $'reached\nreached\nreached\nclosed-denied\n1'
}

# ... and with a user namespace joined by path.
test_bind_source_only_host_root_reaches_in_a_joined_user_namespace() {
    local pid i
    unshare --user sleep 1000 >/dev/null 2>&1 </dev/null &
    pid=$!
    defer "kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null"
    for ((i = 0; i < 100; i++)); do
        [ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/$$/ns/user)" ] && break
        sleep 0.05
    done
    echo "0 100000 65536" >"/proc/$pid/uid_map"
    echo "0 100000 65536" >"/proc/$pid/gid_map"
    userns_100000
    cfg --arg p "/proc/$pid/ns/user" '.linux.namespaces |= map(if .type == "user" then .path = $p else . end)'
    private_sources
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_eq "$output" $'reached\nreached\nreached\nclosed-denied\n1'
}

test_bind_source_missing_with_user_namespace_is_an_error() {
    userns_100000
    add_mount /mnt bind "$TDIR/missing" bind
    sh_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    assert_contains "$stderr" "$TDIR/missing"
    is_runc || assert_contains "$stderr" "mounts[6] (/mnt): bind mount source $TDIR/missing: No such file or directory"
}

test_bind_versus_rbind_submounts() {
    local src=$TDIR/src
    mkdir -p "$src/sub"
    mount -t tmpfs -o size=1m tmpfs "$src/sub" || fail "mount tmpfs on $src/sub"
    defer "umount -l '$src/sub'"
    echo in-submount >"$src/sub/f"
    add_mount /mnt/plain bind "$src" bind
    add_mount /mnt/recursive bind "$src" rbind
    inside 'cat /mnt/plain/sub/f 2>/dev/null || echo plain-empty; cat /mnt/recursive/sub/f'
    assert_eq "$output" $'plain-empty\nin-submount'
}

test_rbind_readonly_applies() {
    local src=$TDIR/src
    mkdir -p "$src"
    add_mount /mnt/r bind "$src" rbind ro
    sh_args 'touch /mnt/r/new && echo wrote; cat /proc/self/mountinfo'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_not_contains "$output" wrote
    assert_opt "$(mnt opts /mnt/r)" ro
}

test_container_mounts_not_visible_on_host() {
    local id
    id=$(new_id)
    add_mount /mnt/t tmpfs tmpfs size=1m
    set_args sleep 30
    create_ctr "$id"
    if awk -v p="$BUNDLE/" 'index($5, p) == 1 {f = 1} END {exit !f}' /proc/self/mountinfo; then
        fail "container mounts visible on the host: $(grep "$BUNDLE" /proc/self/mountinfo)"
    fi
    return 0
}

test_default_devices() {
    inside 'for d in null zero full random urandom tty; do
                stat -c "$d %F %t:%T %a" /dev/$d
            done
            for l in ptmx fd stdin stdout stderr; do
                [ -L /dev/$l ] && echo "$l -> $(readlink /dev/$l)" || stat -c "$l %F %t:%T" /dev/$l
            done'
    assert_contains "$output" "null character special file 1:3 666"
    assert_contains "$output" "zero character special file 1:5 666"
    assert_contains "$output" "full character special file 1:7 666"
    assert_contains "$output" "random character special file 1:8 666"
    assert_contains "$output" "urandom character special file 1:9 666"
    assert_contains "$output" "tty character special file 5:0 666"
    assert_match "$output" $'(^|\n)ptmx (-> (/dev/)?pts/ptmx|character special file 5:2)' "/dev/ptmx"
    assert_contains "$output" "fd -> /proc/self/fd"
    assert_contains "$output" "stdin -> /proc/self/fd/0"
    assert_contains "$output" "stdout -> /proc/self/fd/1"
    assert_contains "$output" "stderr -> /proc/self/fd/2"
}

test_default_devices_work() {
    inside 'echo x > /dev/null && echo null-ok
            head -c 4 /dev/zero | od -An -tx1 | tr -d " "
            head -c 16 /dev/urandom | wc -c
            echo x > /dev/full 2>/dev/null || echo full-enospc
            echo hi > /dev/stderr 2>&1 && echo stderr-ok'
    assert_eq "$output" $'null-ok\n00000000\n16\nfull-enospc\nstderr-ok'
}

test_no_host_devices_in_dev_tmpfs() {
    inside 'ls /dev'
    assert_not_contains "$output" sda
    assert_not_contains "$output" vda
    assert_not_contains "$output" kmsg
    assert_not_contains "$output" mem
}
