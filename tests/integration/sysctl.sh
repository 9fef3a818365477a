# shellcheck shell=bash
# Kernel parameters and identity: linux.sysctl (namespaced keys only, with
# the container's own namespace, refused before anything is created),
# linux.personality, process.ioPriority, process.scheduler,
# linux.timeOffsets, and AppArmor/SELinux labels on a host without them.

# refused WHAT: the last run failed cleanly: one error line naming WHAT,
# no state, no cgroup left.
refused() {
    assert_failed run
    assert_contains "$stderr" "$1"
    [ -z "$(ls -A "$ROOT" 2>/dev/null)" ] ||
        fail "a refused create left state behind: $(ls -A "$ROOT")"
}

test_sysctl_namespaced_keys_are_set_inside_only() {
    local host_fwd host_shm
    host_fwd=$(cat /proc/sys/net/ipv4/ip_forward) host_shm=$(cat /proc/sys/kernel/shmmni)
    cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1", "net/ipv4/conf/all/accept_redirects": "0",
                          "kernel.shmmni": "1234", "kernel.msgmax": "4321", "kernel.sem": "250 32000 32 129",
                          "fs.mqueue.msg_max": "33", "kernel.domainname": "example.test"}'
    inside 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/all/accept_redirects \
                /proc/sys/kernel/shmmni /proc/sys/kernel/msgmax /proc/sys/fs/mqueue/msg_max \
                /proc/sys/kernel/domainname; cat /proc/sys/kernel/sem | tr -s "\t " " "'
    assert_eq "$output" $'1\n0\n1234\n4321\n33\nexample.test\n250 32000 32 129'
    assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd" "the host's ip_forward changed"
    assert_eq "$(cat /proc/sys/kernel/shmmni)" "$host_shm" "the host's shmmni changed"
}

test_sysctl_not_namespaced_is_refused() {
    cfg '.linux.sysctl = {"kernel.pid_max": "4000"}'
    sh_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    if is_runc; then assert_failed; return 0; fi
    refused "not namespaced"
}

test_sysctl_without_the_namespace_is_refused() {
    skip_if_runc "runc's messages differ"
    local k ns
    for k in net.ipv4.ip_forward:network kernel.shmmax:ipc kernel.hostname:uts; do
        ns=${k#*:}
        cfg --arg k "${k%%:*}" --arg ns "$ns" \
            '.linux.sysctl = {($k): "1"} | .linux.namespaces = [.linux.namespaces[] | select(.type != $ns)]
             | if $ns == "uts" then del(.hostname) else . end'
        sh_args true
        run B run --bundle "$BUNDLE" "$(new_id)"
        refused "needs the container to have its own $ns namespace"
        make_bundle "$TDIR/b2" && rm -rf "$BUNDLE" && mv "$TDIR/b2" "$BUNDLE"
    done
}

test_sysctl_with_the_hosts_namespace_by_path_is_refused() {
    skip_if_runc "runc's messages differ"
    cfg --arg p "/proc/$$/ns/net" '.linux.sysctl = {"net.ipv4.ip_forward": "1"}
        | .linux.namespaces = [.linux.namespaces[] | select(.type != "network")] + [{type: "network", path: $p}]'
    sh_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    refused "is the host's"
}

test_sysctl_invalid_keys_are_refused() {
    skip_if_runc "runc's messages differ"
    local k
    for k in "net.ipv4..ip_forward" "net/../kernel/core_pattern" "net." ""; do
        cfg --arg k "$k" '.linux.sysctl = {($k): "1"}'
        sh_args true
        run B run --bundle "$BUNDLE" "$(new_id)"
        refused "linux.sysctl"
    done
}

test_personality_linux32() {
    skip_if_runc "runc 1.1 has no linux.personality"
    cfg '.linux.personality = {domain: "LINUX32"}'
    inside 'uname -m'
    assert_match "$output" '^i[3-6]86$' "LINUX32 personality"
    cfg '.linux.personality = {domain: "LINUX"}'
    inside 'uname -m'
    assert_eq "$output" "$(uname -m)"
}

test_personality_flags_are_refused() {
    skip_if_runc "runc ignores personality flags"
    cfg '.linux.personality = {domain: "LINUX", flags: ["ADDR_NO_RANDOMIZE"]}'
    sh_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    refused "linux.personality.flags"
}

test_memory_policy() {
    # linux.memoryPolicy: the process's NUMA policy (numa_maps shows it for
    # mappings without one of their own), for exec'd processes too.
    skip_if_runc "runc 1.1 has no linux.memoryPolicy"
    [ -d /sys/devices/system/node/node0 ] || skip "no NUMA node 0"
    local id
    cfg '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0"}'
    inside 'grep -c " bind:0 " /proc/self/numa_maps'
    [ "$output" -gt 0 ] || fail "no bind:0 mapping in numa_maps"
    cfg '.linux.memoryPolicy = {mode: "MPOL_INTERLEAVE", nodes: "0"}'
    set_args sleep 30
    id=$(new_id)
    run B run -d --bundle "$BUNDLE" "$id"
    assert_ok
    defer "B delete --force '$id' >/dev/null 2>&1"
    run B exec "$id" grep -c " interleave:0 " /proc/self/numa_maps
    assert_ok
    [ "$output" -gt 0 ] || fail "the exec'd process has no interleave:0 mapping"
    run B delete --force "$id"
    assert_ok
    # a node the kernel does not have: a clear error at create
    cfg '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "1000"}'
    sh_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    refused "linux.memoryPolicy"
}

test_io_priority() {
    skip_if_runc "runc 1.1 has no ioPriority"
    cfg '.process.ioPriority = {class: "IOPRIO_CLASS_BE", priority: 6}'
    inside 'ionice -p $$'
    assert_contains "$output" "best-effort"
    assert_contains "$output" "6"
    cfg '.process.ioPriority = {class: "IOPRIO_CLASS_IDLE", priority: 0}'
    inside 'ionice -p $$'
    assert_contains "$output" "idle"
}

# Fields of /proc/self/stat: 19 nice, 40 rt_priority, 41 policy.
SCHED='set -- $(cat /proc/self/stat); eval echo \${19} \${40} \${41}'

test_scheduler_policies() {
    skip_if_runc "runc 1.1 has no scheduler"
    cfg '.process.scheduler = {policy: "SCHED_BATCH", nice: 7}'
    inside "$SCHED"
    assert_eq "$output" "7 0 3" "SCHED_BATCH, nice 7"
    cfg '.process.scheduler = {policy: "SCHED_FIFO", priority: 10, flags: ["SCHED_FLAG_RESET_ON_FORK"]}'
    local id
    id=$(new_id)
    if [ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ]; then
        # RT group scheduling: the container's cgroup needs a real-time
        # budget, and so its parent: right under the root, which has one.
        cfg --arg p "/$id" '.linux.resources.cpu = {realtimeRuntime: 10000, realtimePeriod: 1000000}
                            | .linux.cgroupsPath = $p'
    fi
    # The shell runs the stat read itself: reset-on-fork would hide a child's.
    sh_args 'read -r l < /proc/self/stat; set -- $l; echo ${40} ${41}'
    run B run --bundle "$BUNDLE" "$id"
    assert_ok
    cfg 'del(.linux.resources.cpu) | del(.linux.cgroupsPath)'
    assert_eq "$output" "10 1" "SCHED_FIFO priority 10"
    cfg '.process.scheduler = {policy: "SCHED_IDLE"}'
    inside "$SCHED"
    assert_eq "$(echo "$output" | cut -d" " -f3)" 5 "SCHED_IDLE"
}

test_scheduler_invalid_is_refused() {
    skip_if_runc "runc 1.1 has no scheduler"
    cfg '.process.scheduler = {policy: "SCHED_FIFO"}'
    sh_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    refused "priority in 1..99"
    cfg '.process.scheduler = {policy: "SCHED_OTHER", nice: 40}'
    run B run --bundle "$BUNDLE" "$(new_id)"
    refused "process.scheduler.nice"
}

test_time_offsets() {
    skip_if_runc "runc 1.1 has no time namespace"
    [ -e /proc/self/ns/time ] || skip "no time namespaces on this kernel"
    cfg '.linux.namespaces += [{type: "time"}]
         | .linux.timeOffsets = {boottime: {secs: 864000, nanosecs: 0}, monotonic: {secs: 86400, nanosecs: 0}}'
    inside 'cut -d. -f1 /proc/uptime'
    [ "$output" -ge 864000 ] || fail "boottime offset not applied: uptime $output"
    [ "$(cut -d. -f1 /proc/uptime)" -lt 864000 ] || skip "the host has been up for 10 days"
}

test_time_offsets_need_a_time_namespace() {
    skip_if_runc "runc 1.1 has no time namespace"
    cfg '.linux.timeOffsets = {boottime: {secs: 10, nanosecs: 0}}'
    sh_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    refused "linux.timeOffsets"
}

test_lsm_labels_without_the_module_are_refused() {
    skip_if_runc "runc ignores labels the host cannot apply"
    if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
        cfg '.process.apparmorProfile = "brig-test-profile"'
        sh_args true
        run B run --bundle "$BUNDLE" "$(new_id)"
        refused "AppArmor is not enabled"
        cfg 'del(.process.apparmorProfile)'
    fi
    if [ ! -e /sys/fs/selinux/enforce ]; then
        cfg '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
        run B run --bundle "$BUNDLE" "$(new_id)"
        refused "SELinux is not enabled"
        cfg 'del(.process.selinuxLabel) | .linux.mountLabel = "system_u:object_r:container_file_t:s0"'
        run B run --bundle "$BUNDLE" "$(new_id)"
        refused "linux.mountLabel"
    fi
}

test_sysctl_in_a_user_namespace_and_without_the_new_mount_api() {
    cfg '.linux.sysctl = {"net.ipv4.ip_default_ttl": "33"}'
    inside 'cat /proc/sys/net/ipv4/ip_default_ttl'
    assert_eq "$output" 33
    # The fallback (no fsopen): the container's /proc, checked to be procfs.
    BRIG_TEST_MOUNT_API=legacy inside 'cat /proc/sys/net/ipv4/ip_default_ttl'
    assert_eq "$output" 33
    cfg '.linux.namespaces += [{type: "user"}]
         | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
         | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
    chmod 755 "$TDIR" "$BUNDLE"
    inside 'cat /proc/sys/net/ipv4/ip_default_ttl'
    assert_eq "$output" 33
}
