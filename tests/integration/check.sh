# shellcheck shell=bash disable=SC2153,SC2154,SC2164
# (ROOT, BUNDLE, TDIR, output, status... come from tests/lib/helpers.sh)
# brig check: every check fires on a config weakened in one place and stays
# quiet on brig's hardened spec; formats, --policy levels, --fail-on and
# exit statuses (0 clean, 1 findings, 2 errors).

setup() {
    skip_if_runc "brig check is brig's own command"
    is_crun && skip "brig check is brig's own command"
    export BRIG_CONFIG=$TDIR/no-brig-config.json
    # $BUNDLE starts from brig's hardened spec.
    rm -f "$BUNDLE/config.json"
    B spec --bundle "$BUNDLE" || fail "brig spec failed"
}

# findings [LEVEL]: "check path severity" lines of `brig check` on $BUNDLE.
findings() {
    local rc=0
    B check --bundle "$BUNDLE" --format json --policy "${1:-restricted}" >"$TDIR/check.json" \
        2>"$TDIR/check.err" || rc=$?
    case $rc in 0 | 1) ;; *) fail "brig check failed (status $rc): $(cat "$TDIR/check.err")" ;; esac
    jq -r '.findings[] | "\(.check) \(.path) \(.severity)"' "$TDIR/check.json"
}

# expect FILTER LEVEL "CHECK PATH SEVERITY": on a fresh hardened config
# weakened by the jq FILTER, the audit at LEVEL reports exactly that one
# finding (and at baseline, nothing when LEVEL is restricted).
expect() {
    local filter=$1 level=$2 want=$3 got
    rm -f "$BUNDLE/config.json"
    B spec --bundle "$BUNDLE" || fail "brig spec failed"
    cfg "$filter"
    got=$(findings "$level")
    [ "$got" = "$want" ] || fail "after '$filter', brig check --policy $level:
  expected: $want
  got:      $(printf '%s\n' "$got" | sed '2,$s/^/            /')"
    if [ "$level" = restricted ]; then
        got=$(findings baseline)
        [ -z "$got" ] || fail "after '$filter', baseline should find nothing, got: $got"
    fi
}

test_check_hardened_spec_is_clean() {
    run B check --bundle "$BUNDLE"
    assert_ok
    assert_eq "$output" "brig check: restricted: no findings in $BUNDLE/config.json"
    run B check --bundle "$BUNDLE" --format json
    assert_ok
    assert_eq "$(printf '%s\n' "$output" | jq -c '[.pass, .summary.total, (.findings | length), .policy, .failOn]')" \
        '[true,0,0,"restricted","low"]'
    # The current directory is the default bundle.
    (cd "$BUNDLE" && "$BRIG" check >/dev/null) || fail "check in the bundle directory failed"
}

test_check_user_capabilities_privileges() {
    expect '.process.user.uid = 0' restricted "root-user process.user.uid high"
    # Root in a user namespace that maps it to an unprivileged host id is fine.
    expect '.process.user = {uid: 0, gid: 0} | .linux.namespaces += [{type: "user"}]
        | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
        | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]' restricted ""
    expect 'del(.process.capabilities)' baseline "capabilities-unset process.capabilities high"
    expect '.process.capabilities.bounding = ["CAP_SYS_ADMIN"]' baseline \
        "capability-added process.capabilities.bounding critical"
    expect '.process.capabilities.ambient = ["CAP_NET_RAW"]' baseline \
        "capability-added process.capabilities.ambient medium"
    expect '.process.capabilities.permitted = ["CAP_CHOWN"]' restricted \
        "capability-kept process.capabilities.permitted low"
    expect '.process.capabilities |= map_values(["CAP_NET_BIND_SERVICE"])' restricted ""
    expect '.process.noNewPrivileges = false' restricted "no-new-privileges process.noNewPrivileges medium"
    expect '.process.apparmorProfile = "unconfined"' baseline "apparmor-unconfined process.apparmorProfile high"
    expect '.process.selinuxLabel = "system_u:system_r:spc_t:s0"' baseline "selinux-type process.selinuxLabel high"
}

test_check_namespaces() {
    expect '.linux.namespaces |= map(select(.type != "pid"))' baseline "host-pid-namespace linux.namespaces high"
    expect '.linux.namespaces |= map(select(.type != "network"))' baseline \
        "host-network-namespace linux.namespaces high"
    expect '.linux.namespaces |= map(if .type == "network" then .path = "/proc/1/ns/net" else . end)' baseline \
        "host-network-namespace linux.namespaces[1].path high"
    expect '.linux.namespaces |= map(select(.type != "ipc"))' baseline "host-ipc-namespace linux.namespaces high"
    expect '.linux.namespaces |= map(select(.type != "mount"))' baseline \
        "host-mount-namespace linux.namespaces critical"
    expect '.linux.namespaces |= map(select(.type != "uts"))' restricted "host-uts-namespace linux.namespaces medium"
    expect '.linux.namespaces |= map(select(.type != "cgroup"))' restricted \
        "host-cgroup-namespace linux.namespaces low"
}

test_check_seccomp() {
    expect 'del(.linux.seccomp)' restricted "seccomp-missing linux.seccomp high"
    expect '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW"}' baseline \
        "seccomp-unconfined linux.seccomp.defaultAction high"
    # The rule that lets a dangerous call through is named, whatever its spelling.
    expect '.linux.seccomp.syscalls += [{names: ["bpf"], action: "SCMP_ACT_ALLOW"}]' restricted \
        "seccomp-allows linux.seccomp.syscalls[15] high"
    run B check --bundle "$BUNDLE"
    assert_contains "$output" "the seccomp filter lets through bpf on x86_64;"
    # A condition is no excuse when some argument values pass: bpf's
    # command 1 is a bpf call all the same, unshare(arg0 >= 0) is unshare.
    expect '.linux.seccomp.syscalls += [{names: ["bpf"], action: "SCMP_ACT_ALLOW",
        args: [{index: 0, value: 1, op: "SCMP_CMP_EQ"}]}]' restricted \
        "seccomp-allows linux.seccomp.syscalls[15].args[0] high"
    expect '.linux.seccomp.syscalls += [{names: ["unshare"], action: "SCMP_ACT_ALLOW",
        args: [{index: 0, value: 0, op: "SCMP_CMP_GE"}]}]' restricted \
        "seccomp-allows linux.seccomp.syscalls[15].args[0] high"
    # ... but one that excludes every namespace flag admits nothing dangerous.
    expect '.linux.seccomp.syscalls += [{names: ["unshare"], action: "SCMP_ACT_ALLOW",
        args: [{index: 0, value: 2114060416, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ"}]}]' restricted ""
    # An allowing default with a deny list is judged the same way.
    expect '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mount", "umount2"],
        action: "SCMP_ACT_ERRNO"}]} | .linux.seccomp.architectures = ["SCMP_ARCH_X86_64"]' baseline ""
    run B check --bundle "$BUNDLE"
    assert_status 1
    assert_contains "$output" "linux.seccomp.defaultAction: the seccomp filter lets through"
    assert_not_contains "$output" ", mount on x86_64"
}

test_check_filesystem() {
    expect '.root.readonly = false' restricted "rootfs-writable root.readonly medium"
    expect '.mounts += [{destination: "/run/docker.sock", type: "bind", source: "/var/run/docker.sock",
        options: ["rbind", "ro"]}]' baseline "mount-runtime-socket mounts[8].source critical"
    expect '.mounts += [{destination: "/host", type: "bind", source: "/", options: ["rbind"]}]' baseline \
        "mount-host-sensitive mounts[8].source critical"
    expect '.mounts += [{destination: "/data", type: "bind", source: "/srv/data", options: ["rbind", "ro"]}]' \
        baseline "mount-host-path mounts[8].source low"
    expect '.mounts += [{destination: "/data", type: "none", source: "/srv/data", options: ["rbind", "rw"]}]' \
        baseline "mount-host-path mounts[8].source medium"
    # The files and volumes engines make for each container are not host paths.
    expect '.mounts += [{destination: "/etc/hosts", type: "bind", options: ["rbind", "rw"],
            source: "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/0123/hosts"},
        {destination: "/etc/resolv.conf", type: "bind", options: ["rbind"],
            source: "/var/lib/containers/storage/overlay-containers/0123/userdata/resolv.conf"},
        {destination: "/var/run/secrets/kubernetes.io/serviceaccount", type: "bind", options: ["rbind", "ro"],
            source: "/var/lib/kubelet/pods/4567/volumes/kubernetes.io~projected/kube-api-access-abcde"}]' \
        restricted ""
    expect '.mounts += [{destination: "/kubelet", type: "bind", source: "/var/lib/kubelet", options: ["rbind", "ro"]}]' \
        baseline "mount-host-sensitive mounts[8].source high"
    expect '.linux.rootfsPropagation = "shared"' baseline \
        "mount-propagation-shared linux.rootfsPropagation medium"
    expect '.mounts |= map(if .type == "sysfs" then .options -= ["ro"] else . end)' baseline \
        "mount-sysfs-writable mounts[5].options high"
    expect '.mounts |= map(if .type == "cgroup" then .options -= ["ro"] else . end)' baseline \
        "mount-cgroup-writable mounts[6].options high"
    expect '.linux.maskedPaths -= ["/proc/keys"]' baseline "masked-paths linux.maskedPaths high"
    expect '.linux.maskedPaths -= ["/proc/interrupts"]' restricted "masked-paths-extra linux.maskedPaths low"
    expect '.linux.readonlyPaths -= ["/proc/sys"]' baseline "readonly-paths linux.readonlyPaths high"
}

test_check_sysctls_devices_limits() {
    expect '.linux.sysctl = {"net.ipv4.tcp_syncookies": "1"}' restricted ""
    expect '.linux.sysctl = {"net.ipv4.ip_forward": "1"}' baseline \
        'sysctl-unsafe linux.sysctl["net.ipv4.ip_forward"] medium'
    expect '.linux.sysctl = {"kernel.panic": "1"}' baseline 'sysctl-host linux.sysctl["kernel.panic"] high'
    expect '.linux.devices = [{path: "/dev/sda", type: "b", major: 8, minor: 0}]' baseline \
        "device-host linux.devices[0] high"
    expect '.linux.resources.devices += [{allow: true, access: "rwm"}]' baseline \
        "device-cgroup linux.resources.devices[1] critical"
    expect '.linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 3, access: "rwm"}]' \
        restricted ""
    expect 'del(.linux.resources.memory)' restricted "limit-memory linux.resources.memory.limit medium"
    expect 'del(.linux.resources.pids)' restricted "limit-pids linux.resources.pids.limit medium"
    expect 'del(.linux.resources.cpu)' restricted "limit-cpu linux.resources.cpu low"
}

test_check_runc_default_levels_and_fail_on() {
    rm -f "$BUNDLE/config.json"
    run B spec --profile runc --bundle "$BUNDLE"
    assert_ok
    run B check --bundle "$BUNDLE"
    assert_status 1
    # One finding a line (severity, path, fix), then the summary.
    local n
    n=$(printf '%s\n' "$output" | grep -cE '^(critical|high|medium|low) +[a-zA-Z][^ ]*: .*; fix: .* \[[a-z-]+; .*\]$')
    assert_eq "$n" 9 "finding lines"
    assert_eq "$(printf '%s\n' "$output" | tail -n 1)" \
        "brig check: restricted: 9 findings (2 high, 2 medium, 5 low) in $BUNDLE/config.json"
    # Most severe first.
    assert_match "$(printf '%s\n' "$output" | head -n 1)" '^high '
    # runc's default meets baseline.
    run B check --bundle "$BUNDLE" --policy baseline
    assert_ok
    run B check --bundle "$BUNDLE" -p baseline --format json
    assert_ok
    assert_eq "$(printf '%s\n' "$output" | jq -c '[.pass, .summary.total, .policy]')" '[true,0,"baseline"]'
    # --fail-on: the worst finding is high.
    run B check --bundle "$BUNDLE" --fail-on high
    assert_status 1
    run B check --bundle "$BUNDLE" --fail-on critical
    assert_ok
    assert_contains "$output" "9 findings"
    run B check --bundle "$BUNDLE" --fail-on none --format json
    assert_ok
    assert_eq "$(printf '%s\n' "$output" | jq -c '[.pass, .failOn, .summary.high, .summary.medium, .summary.low]')" \
        '[true,"none",2,2,5]'
    assert_eq "$(printf '%s\n' "$output" | jq -r '[.findings[] | select(.fix == "" or .path == "" or .references == "")] | length')" \
        0 "every finding has a path, a fix and references"
}

test_check_errors_exit_2() {
    run B check --bundle "$BUNDLE" --format xml
    assert_status 2
    assert_contains "$stderr" 'unknown --format "xml"'
    run B check --bundle "$BUNDLE" --policy lax
    assert_status 2
    run B check --bundle "$BUNDLE" --fail-on severe
    assert_status 2
    run B check --bundle "$BUNDLE" stray
    assert_status 2
    run B check --bundle "$TDIR/nothing-here"
    assert_status 2
    assert_contains "$stderr" "$TDIR/nothing-here/config.json"
    cfg '.process.user.uid = "root"'
    run B check --bundle "$BUNDLE"
    assert_status 2
    assert_contains "$stderr" "process.user.uid"
    run B check --help
    assert_ok
    assert_contains "$output" "--fail-on"
}

# What a config grants, whatever its spelling: new file systems limited to
# what a container needs, option spellings read as create reads them,
# namespaces by inode, device nodes with their paths, hooks, scheduling.
test_check_grants() {
    expect '.mounts += [{destination: "/hostproc", type: "proc", source: "proc"}]' baseline \
        "mount-proc mounts[8].destination critical"
    expect '.mounts += [{destination: "/d", type: "debugfs", source: "debugfs"}]' baseline \
        "mount-type mounts[8].type critical"
    expect '.mounts += [{destination: "/x", type: "proc", source: "/run/../proc", options: ["rbind", "ro"]}]' baseline \
        "mount-host-sensitive mounts[8].source critical"
    expect '.mounts += [{destination: "/etc", type: "none", source: "none", options: ["remount"]}]' baseline \
        "mount-remount mounts[8].options critical"
    # A bind source is judged where it leads.
    mkdir -p "$TDIR/innocent"
    ln -s /etc "$TDIR/innocent/data"
    expect ".mounts += [{destination: \"/data\", type: \"bind\", source: \"$TDIR/innocent/data\", options: [\"rbind\", \"ro\"]}]" \
        baseline "mount-host-sensitive mounts[8].source high"
    # The host's namespace by another name, and a symlink to it.
    ln -s /proc/self/ns/net "$TDIR/netns-link"
    expect '.linux.namespaces |= map(if .type == "network" then .path = "/proc/self/task/../ns/net" else . end)' \
        baseline "host-network-namespace linux.namespaces[1].path high"
    expect ".linux.namespaces |= map(if .type == \"network\" then .path = \"$TDIR/netns-link\" else . end)" \
        baseline "host-network-namespace linux.namespaces[1].path high"
    expect '.linux.devices = [{path: "/etc/passwd", type: "c", major: 1, minor: 3}]' baseline \
        "device-path linux.devices[0].path critical"
    expect '.linux.devices = [{path: "/dev/console2", type: "c", major: 5, minor: 1}]' baseline \
        "device-host linux.devices[0] medium"
    expect '.linux.sysctl = {"kernel/core_pattern": "|/x"}' baseline \
        'sysctl-host linux.sysctl["kernel/core_pattern"] high'
    expect '.hooks = {poststop: [{path: "/bin/true"}]}' restricted "hook-host hooks.poststop[0] high"
    expect '.root.path = "/"' baseline "rootfs-host root.path critical"
    expect '.process.rlimits += [{type: "RLIMIT_RTPRIO", soft: 1, hard: 1}]' baseline \
        "scheduler-realtime process.rlimits[1] high"
    expect '.process.scheduler = {policy: "SCHED_RR", priority: 1}' baseline \
        "scheduler-realtime process.scheduler.policy high"
    expect '.process.ioPriority = {class: "IOPRIO_CLASS_RT", priority: 0}' baseline \
        "io-priority-realtime process.ioPriority.class medium"
}

# A cgroupsPath naming a cgroup that already has children.
test_check_cgroups_path_populated() {
    local fs=""
    for d in /sys/fs/cgroup/unified /sys/fs/cgroup /sys/fs/cgroup/pids; do
        case $(stat -f -c %T "$d" 2>/dev/null) in cgroup2fs | cgroupfs) fs=$d; break ;; esac
    done
    [ -n "$fs" ] || skip "no cgroup file system to make a test cgroup in"
    local cg=brig-check-$$
    mkdir -p "$fs/$cg/child" || skip "cannot make a cgroup in $fs"
    defer "rmdir '$fs/$cg/child' '$fs/$cg'"
    expect ".linux.cgroupsPath = \"/$cg\"" baseline "cgroup-populated linux.cgroupsPath high"
    expect ".linux.cgroupsPath = \"/$cg/child\"" restricted ""
    # A fresh leaf is what containers get.
    expect ".linux.cgroupsPath = \"/$cg/new-leaf\"" restricted ""
}
