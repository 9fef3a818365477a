# shellcheck shell=bash
# config-linux.md and runtime-linux.md MUSTs that the runtime-tools
# validation suite checks and that no other test file covers: devices,
# /dev symlinks, masked and read-only paths, sysctls, rootfs propagation,
# namespace paths of the wrong type, device rule order, capability names,
# a seccomp filter the runtime itself must survive, and the values written
# to the container's cgroups.  See tests/conformance/README.md.

# stat_line PATH...: "PATH TYPE MAJOR MINOR MODE UID GID" inside the
# container (major and minor in hex, as stat prints them).
stat_inside() {
    inside "stat -c '%n|%F|%t|%T|%a|%u|%g' $*"
}

test_spec_linux_devices_are_created_as_configured() {
    # config-linux.md (devices): each entry MUST be available in the
    # container, with its type, major, minor, fileMode, uid and gid.
    cfg '.linux.devices = [
           {path: "/dev/spec-chr", type: "c", major: 1, minor: 3, fileMode: 416, uid: 1, gid: 100},
           {path: "/dev/spec-blk", type: "b", major: 7, minor: 200, fileMode: 384, uid: 0, gid: 0},
           {path: "/dev/spec-fifo", type: "p", fileMode: 420, uid: 0, gid: 0}]
         | .linux.resources.devices += [
           {allow: true, type: "c", major: 1, minor: 3, access: "rwm"},
           {allow: true, type: "b", major: 7, minor: 200, access: "rwm"}]'
    stat_inside /dev/spec-chr /dev/spec-blk /dev/spec-fifo
    assert_contains "$output" "/dev/spec-chr|character special file|1|3|640|1|100"
    assert_contains "$output" "/dev/spec-blk|block special file|7|c8|600|0|0"
    assert_contains "$output" "/dev/spec-fifo|fifo|0|0|644|0|0"
}

test_spec_dev_symlinks_exist() {
    # runtime-linux.md: /dev/fd, /dev/stdin, /dev/stdout and /dev/stderr
    # MUST be symlinks to /proc/self/fd{,/0,/1,/2}.
    inside 'for l in fd stdin stdout stderr; do echo "$l $(readlink /dev/$l)"; done'
    assert_contains "$output" "fd /proc/self/fd"
    assert_contains "$output" "stdin /proc/self/fd/0"
    assert_contains "$output" "stdout /proc/self/fd/1"
    assert_contains "$output" "stderr /proc/self/fd/2"
}

test_spec_masked_paths_cannot_be_read() {
    # config-linux.md (maskedPaths): the runtime MUST mask these paths so
    # they cannot be read; a path that does not exist is not an error.
    mkdir -p "$BUNDLE/rootfs/spec-secret-dir"
    echo secret >"$BUNDLE/rootfs/etc/spec-secret"
    echo secret >"$BUNDLE/rootfs/spec-secret-dir/file"
    cfg '.linux.maskedPaths = ["/etc/spec-secret", "/spec-secret-dir", "/proc/timer_list",
                               "/no/such/path"]'
    inside 'echo "file:$(cat /etc/spec-secret 2>&1)"; echo "dir:$(ls -A /spec-secret-dir 2>&1)";
            echo "proc:$(head -c 20 /proc/timer_list 2>&1)"'
    assert_contains "$output" "file:"
    assert_not_contains "$output" "secret" "a masked path could be read"
    assert_contains "$output" $'dir:\n' "masked directory is not empty"
    assert_match "$output" $'proc:(\n|$)' "masked /proc/timer_list could be read"
}

test_spec_readonly_paths_cannot_be_written() {
    # config-linux.md (readonlyPaths): the runtime MUST make these paths
    # read-only in the container.
    mkdir -p "$BUNDLE/rootfs/spec-ro" "$BUNDLE/rootfs/spec-rw"
    echo original >"$BUNDLE/rootfs/etc/spec-ro-file"
    cfg '.root.readonly = false | .linux.readonlyPaths = ["/spec-ro", "/etc/spec-ro-file"]'
    inside 'touch /spec-ro/new 2>/dev/null && echo dir-writable;
            echo changed 2>/dev/null > /etc/spec-ro-file && echo file-writable;
            touch /spec-rw/new && echo control-writable; true'
    assert_contains "$output" control-writable "the writable control dir was not writable"
    assert_not_contains "$output" dir-writable "a read-only directory was writable"
    assert_not_contains "$output" file-writable "a read-only file was writable"
    assert_eq "$(cat "$BUNDLE/rootfs/etc/spec-ro-file")" original
}

test_spec_sysctls_are_applied_in_the_container_only() {
    # config-linux.md (sysctl): the runtime MUST set the kernel parameters
    # for the container (network and ipc ones are per namespace).
    local host_fwd host_shm
    host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
    host_shm=$(cat /proc/sys/kernel/shmmax)
    cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmax": "123456789"}'
    inside 'echo "fwd=$(cat /proc/sys/net/ipv4/ip_forward) shm=$(cat /proc/sys/kernel/shmmax)"'
    assert_contains "$output" "fwd=1 shm=123456789"
    assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd" "the host's ip_forward changed"
    assert_eq "$(cat /proc/sys/kernel/shmmax)" "$host_shm" "the host's shmmax changed"
}

test_spec_rootfs_propagation() {
    # config-linux.md (rootfsPropagation): the root mount's propagation.
    # Inside, / is rbind-mounted on /target, then /src on /mnt1: with a
    # shared root the new mount shows under /target too; with slave or
    # private it does not; an unbindable root cannot be bind-mounted.
    local p want
    cfg '.root.readonly = false
         | .process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
    mkdir -p "$BUNDLE/rootfs/target" "$BUNDLE/rootfs/src" "$BUNDLE/rootfs/mnt1"
    touch "$BUNDLE/rootfs/src/file"
    for p in shared slave private unbindable; do
        case $p in
            shared) want=exposed ;;
            unbindable) want=bind-failed ;;
            *) want=hidden ;;
        esac
        if is_runc && { [ $p = shared ] || [ $p = unbindable ]; }; then
            continue # runc 1.1 gets these two wrong
        fi
        cfg --arg p "$p" '.linux.rootfsPropagation = $p'
        inside 'mount -o rbind / /target 2>/dev/null || { echo bind-failed; exit 0; }
                mount -o bind /src /mnt1 || exit 1
                if [ -e /target/mnt1/file ]; then echo exposed; else echo hidden; fi'
        assert_eq "$output" "$want" "rootfsPropagation $p"
    done
    # Nothing mounted in a container may reach the host.
    assert_not_exists "$BUNDLE/rootfs/mnt1/file" "a container mount propagated to the host"
}

test_spec_namespace_path_of_the_wrong_type_is_an_error() {
    # config-linux.md (namespaces): the runtime MUST generate an error if
    # path is not associated with a namespace of type type.
    local pair type wrong id ns
    set_args true
    cfg 'del(.hostname)'
    # Each case starts from the bundle's own namespaces, so that only the
    # one wrong path decides it.
    ns=$(jq -c '.linux.namespaces' "$BUNDLE/config.json")
    # Control: the same edit with a path of the right type is accepted.
    id=$(new_id)
    cfg --argjson ns "$ns" --arg p "/proc/$$/ns/ipc" \
        '.linux.namespaces = [$ns[] | select(.type != "ipc")] + [{type: "ipc", path: $p}]'
    run B create --bundle "$BUNDLE" "$id"
    assert_ok
    B delete --force "$id" >/dev/null 2>&1
    for pair in cgroup:ipc ipc:mnt mount:net network:pid pid:uts uts:cgroup; do
        type=${pair%:*} wrong=${pair#*:}
        id=$(new_id)
        cfg --argjson ns "$ns" --arg t "$type" --arg p "/proc/$$/ns/$wrong" \
            '.linux.namespaces = [$ns[] | select(.type != $t)] + [{type: $t, path: $p}]'
        run B create --bundle "$BUNDLE" "$id"
        if [ "$status" = 0 ]; then
            B delete --force "$id" >/dev/null 2>&1
            fail "a $type namespace path to a $wrong namespace was accepted"
        fi
        is_runc || is_crun || assert_contains "$stderr" "is not a namespace of type $type"
    done
}

test_spec_device_rules_apply_in_listed_order() {
    # config-linux.md (devices cgroup): the runtime MUST apply the entries
    # in the listed order; a later entry overrides an earlier one.
    # The host's /dev/fuse is bind-mounted, so that only the rules below
    # decide about it (a linux.devices entry would add an allow of its own).
    [ -c /dev/fuse ] || skip "no /dev/fuse on the host"
    add_mount /dev/fuse bind /dev/fuse bind
    cfg '.linux.resources.devices += [{allow: true, type: "c", major: 10, minor: 229, access: "rwm"},
                                      {allow: false, type: "c", major: 10, minor: 229, access: "rwm"}]'
    inside 'if (: <> /dev/fuse) 2>/dev/null; then echo open; else echo denied; fi'
    assert_eq "$output" denied "allow then deny: the deny must win"
    cfg '.linux.resources.devices |= .[0:-2]
         | .linux.resources.devices += [{allow: false, type: "c", major: 10, minor: 229, access: "rwm"},
                                        {allow: true, type: "c", major: 10, minor: 229, access: "rwm"}]'
    inside 'if (: <> /dev/fuse) 2>/dev/null; then echo open; else echo denied; fi'
    assert_eq "$output" open "deny then allow: the allow must win"
}

test_spec_unknown_capability_is_a_warning() {
    # runtime-spec 1.3 config.md (Linux process): unknown or unavailable
    # capabilities MUST be logged as a warning and SHOULD NOT fail the
    # container (runc 1.1 ignores them with a warning too).
    cfg '.process.capabilities.bounding += ["CAP_SPEC_NO_SUCH_THING"]
        | .process.capabilities.effective += ["CAP_SPEC_NO_SUCH_THING"]'
    sh_args 'grep ^CapEff: /proc/self/status'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_contains "$stderr" CAP_SPEC_NO_SUCH_THING "the warning does not name the capability"
    is_runc || assert_contains "$stderr" 'process.capabilities.bounding[3]: ignoring unknown capability "CAP_SPEC_NO_SUCH_THING"'
    # The known ones are granted as before.
    assert_match "$output" '^CapEff:[[:space:]]+00000000[0-9a-f]{8}$'
}

test_spec_seccomp_filter_blocking_getcwd_does_not_stop_the_runtime() {
    # config-linux.md (seccomp): the filter applies to the container
    # process; the runtime must still start the program when the filter
    # makes getcwd fail (runtime-tools linux_seccomp).
    skip_if_runc "runc 1.1 calls getcwd after loading the filter"
    cfg '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
                           syscalls: [{names: ["getcwd"], action: "SCMP_ACT_ERRNO"}]}'
    inside 'echo started; if /bin/pwd -P >/dev/null 2>&1; then echo getcwd-works; else echo getcwd-blocked; fi'
    assert_eq "$output" $'started\ngetcwd-blocked'
}

test_spec_cgroup_resources_are_written() {
    # config-linux.md (control groups): the configured limits are written
    # to the container's cgroups (runtime-tools linux_cgroups_*).
    local id name d swap=false huge=false
    if ! [ -d /sys/fs/cgroup/memory ] || ! [ -d /sys/fs/cgroup/cpu ] || ! [ -d /sys/fs/cgroup/pids ]; then
        skip "needs cgroup v1 cpu, memory and pids hierarchies"
    fi
    id=$(new_id)
    name=brig-spec-$$-$id
    [ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] && swap=true
    [ -e /sys/fs/cgroup/hugetlb/hugetlb.2MB.limit_in_bytes ] && huge=true
    cfg --arg p "/$name" --argjson swap $swap --argjson huge $huge \
        '.linux.cgroupsPath = $p
         | .linux.resources.cpu = {shares: 2048, quota: 50000, period: 100000, cpus: "0", mems: "0"}
         | .linux.resources.memory = {limit: 67108864, reservation: 33554432, swappiness: 40,
                                      kernelTCP: 16777216}
         | if $swap then .linux.resources.memory.swap = 134217728 else . end
         | .linux.resources.pids = {limit: 77}
         | if $huge then .linux.resources.hugepageLimits = [{pageSize: "2MB", limit: 4194304}] else . end'
    set_args sleep 30
    defer "for c in /sys/fs/cgroup/*/$name; do rmdir \$c 2>/dev/null; done"
    create_ctr "$id"
    d=/sys/fs/cgroup
    assert_eq "$(cat "$d/cpu/$name/cpu.shares")" 2048 cpu.shares
    assert_eq "$(cat "$d/cpu/$name/cpu.cfs_quota_us")" 50000 cpu.cfs_quota_us
    assert_eq "$(cat "$d/cpu/$name/cpu.cfs_period_us")" 100000 cpu.cfs_period_us
    assert_eq "$(cat "$d/cpuset/$name/cpuset.cpus")" 0 cpuset.cpus
    assert_eq "$(cat "$d/cpuset/$name/cpuset.mems")" 0 cpuset.mems
    assert_eq "$(cat "$d/memory/$name/memory.limit_in_bytes")" 67108864 memory.limit_in_bytes
    assert_eq "$(cat "$d/memory/$name/memory.soft_limit_in_bytes")" 33554432 memory.soft_limit_in_bytes
    assert_eq "$(cat "$d/memory/$name/memory.swappiness")" 40 memory.swappiness
    if ! is_runc; then # runc 1.1 ignores kernelTCP
        assert_eq "$(cat "$d/memory/$name/memory.kmem.tcp.limit_in_bytes")" 16777216 kernelTCP
    fi
    if $swap; then
        assert_eq "$(cat "$d/memory/$name/memory.memsw.limit_in_bytes")" 134217728 memory.memsw.limit_in_bytes
    fi
    assert_eq "$(cat "$d/pids/$name/pids.max")" 77 pids.max
    if $huge; then
        assert_eq "$(cat "$d/hugetlb/$name/hugetlb.2MB.limit_in_bytes")" 4194304 hugetlb.2MB
    fi
    grep -qx "$(state_of "$id" pid)" "$d/memory/$name/cgroup.procs" || fail "the container is not in its memory cgroup"
}

test_spec_cgroup_resources_are_written_v2() {
    # The same on a cgroup v2 host, in the files runc writes there
    # (shares -> cpu.weight, reservation -> memory.low, swap -> memory.swap.max
    # as swap beyond the limit).
    local id name d swap=false huge=false
    [ -f /sys/fs/cgroup/cgroup.controllers ] || skip "needs cgroup v2"
    id=$(new_id)
    name=brig-spec-$$-$id
    d=/sys/fs/cgroup/$name
    [ -e /sys/fs/cgroup/system.slice/memory.swap.max ] || [ -e /sys/fs/cgroup/init.scope/memory.swap.max ] && swap=true
    grep -qw hugetlb /sys/fs/cgroup/cgroup.controllers && [ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] && huge=true
    cfg --arg p "/$name" --argjson swap $swap --argjson huge $huge \
        '.linux.cgroupsPath = $p
         | .linux.resources.cpu = {shares: 2048, quota: 50000, period: 100000, cpus: "0", mems: "0"}
         | .linux.resources.memory = {limit: 67108864, reservation: 33554432}
         | if $swap then .linux.resources.memory.swap = 134217728 else . end
         | .linux.resources.pids = {limit: 77}
         | if $huge then .linux.resources.hugepageLimits = [{pageSize: "2MB", limit: 4194304}] else . end'
    set_args sleep 30
    defer "rmdir '$d' 2>/dev/null"
    create_ctr "$id"
    # runc's conversion: 1 + ((shares - 2) * 9999) / 262142
    assert_eq "$(cat "$d/cpu.weight")" 79 cpu.weight
    assert_eq "$(cat "$d/cpu.max")" "50000 100000" cpu.max
    assert_eq "$(cat "$d/cpuset.cpus")" 0 cpuset.cpus
    assert_eq "$(cat "$d/cpuset.mems")" 0 cpuset.mems
    assert_eq "$(cat "$d/memory.max")" 67108864 memory.max
    assert_eq "$(cat "$d/memory.low")" 33554432 memory.low
    if $swap; then
        assert_eq "$(cat "$d/memory.swap.max")" 67108864 memory.swap.max
    fi
    assert_eq "$(cat "$d/pids.max")" 77 pids.max
    if $huge; then
        assert_eq "$(cat "$d/hugetlb.2MB.max")" 4194304 hugetlb.2MB.max
    fi
    grep -qx "$(state_of "$id" pid)" "$d/cgroup.procs" || fail "the container is not in its cgroup"
}

test_spec_seccomp_filter_blocking_openat2_does_not_stop_the_runtime() {
    # The runtime-tools suite gives every container an allow-list profile
    # that predates openat2 (so openat2 gets an errno): whatever the runtime
    # still does after loading the filter must not depend on it.
    cfg '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
                           syscalls: [{names: ["openat2"], action: "SCMP_ACT_ERRNO"}]}
         | .process.noNewPrivileges = false | .process.cwd = "/etc"'
    inside 'echo "started in $(/bin/pwd)"'
    assert_eq "$output" "started in /etc"
}
