#!/bin/bash
# Rebuilds the hostile-config corpus: each NAME.json is brig's hardened
# `brig spec` config (rootfs "rootfs") weakened by ONE technique that reaches
# the host.  Every file carries, in its annotations:
#   org.brig.corpus.comment  what the technique tries
#   org.brig.corpus.finding  an extended regex over the "CHECK PATH" lines of
#                            `brig check --policy restricted --format json`
#                            that the technique must produce
#   org.brig.corpus.skip     (some) why the technique is not demonstrated on
#                            the host under --policy off
#   org.brig.corpus.needs    (some) "userns", "fs:TYPE", "rtsched": what the
#                            demo needs (a user namespace, a file system
#                            type, real-time scheduling in a new cgroup)
# and process.args is the demonstration: run under --policy off (runc's
# behaviour) it prints "technique works" and exits 0 when the technique
# really grants what it claims (tests/integration/policy_corpus.sh).
#
# usage: tests/security/policy-corpus/make-corpus.sh BRIG
set -euo pipefail
brig=${1:?usage: make-corpus.sh BRIG}
dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$brig" spec --bundle "$tmp" >/dev/null
base=$tmp/config.json

# entry NAME COMMENT FINDING JQ-FILTER DEMO [SKIP] [NEEDS]
entry() {
    local name=$1 comment=$2 finding=$3 filter=$4 demo=$5 skip=${6:-} needs=${7:-}
    jq --arg c "$comment" --arg f "$finding" --arg d "$demo" --arg s "$skip" --arg n "$needs" "
        $filter
        | .process.args = [\"sh\", \"-c\", \$d]
        | .annotations = ((.annotations // {}) + {\"org.brig.corpus.comment\": \$c, \"org.brig.corpus.finding\": \$f}
            + (if \$s != \"\" then {\"org.brig.corpus.skip\": \$s} else {} end)
            + (if \$n != \"\" then {\"org.brig.corpus.needs\": \$n} else {} end))
    " "$base" >"$dir/$name.json"
}

WORKS='echo technique works'
USERNS='.linux.namespaces += [{type: "user"}]
    | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'

# ---- mounts ----
entry mount-second-proc \
    "A second procfs at /hostproc: maskedPaths and readonlyPaths cover /proc only, so /hostproc/interrupts, timer_list, kcore, sysrq-trigger and /hostproc/sys are the kernel's, unmasked and writable" \
    '^mount-proc mounts\[8\]\.destination$' \
    '.mounts += [{destination: "/hostproc", type: "proc", source: "proc"}]' \
    "head -c 1 /hostproc/interrupts | grep -q . && ! head -c 1 /proc/interrupts | grep -q . && $WORKS"
entry mount-second-sysfs \
    "A second, writable sysfs at /hostsys: maskedPaths cover /sys only (/hostsys/firmware), and it is not read-only" \
    '^mount-sysfs mounts\[8\]\.destination$' \
    '.mounts += [{destination: "/hostsys", type: "sysfs", source: "sysfs", options: ["rw"]}]' \
    "grep -q ' /hostsys rw,' /proc/self/mountinfo && [ -d /hostsys/firmware ] && $WORKS"
entry mount-proc-type-rbind \
    "type \"proc\" with the \"rbind\" option is not a procfs but a bind of the host's /proc (spelled ./proc/../proc): host processes and their files" \
    '^mount-host-sensitive mounts\[8\]\.source$' \
    '.mounts += [{destination: "/hp", type: "proc", source: "/run/../proc", options: ["rbind", "ro"]}]' \
    "[ \"\$(cat /hp/1/comm)\" != \"\$(cat /proc/1/comm)\" ] && $WORKS"
entry mount-overlay-host-layer \
    "An overlay whose lower layer is the host's /etc: host files appear in the container" \
    '^mount-type mounts\[8\]\.type$' \
    '.mounts += [{destination: "/ovl", type: "overlay", source: "overlay", options: ["lowerdir=/etc:/usr/share"]}]' \
    "[ \$(grep -c : /ovl/passwd) -gt 3 ] && $WORKS"
entry mount-binfmt-misc \
    "binfmt_misc mounted in the container: its register file installs interpreters for the whole host (not namespaced before Linux 6.7)" \
    '^mount-type mounts\[8\]\.type$' \
    '.mounts += [{destination: "/binfmt", type: "binfmt_misc", source: "binfmt_misc"}]' \
    "[ -e /binfmt/register ] && [ -e /binfmt/status ] && $WORKS" "" "fs:binfmt_misc"
entry mount-debugfs \
    "debugfs mounted in the container: the kernel's debug interfaces" \
    '^mount-type mounts\[8\]\.type$' \
    '.mounts += [{destination: "/dbg", type: "debugfs", source: "debugfs"}]' \
    "grep -q ' /dbg .* - debugfs ' /proc/self/mountinfo && $WORKS" "" "fs:debugfs"
entry mount-securityfs \
    "securityfs mounted in the container: the LSMs' policy files" \
    '^mount-type mounts\[8\]\.type$' \
    '.mounts += [{destination: "/sec", type: "securityfs", source: "securityfs"}]' \
    "grep -q ' /sec .* - securityfs ' /proc/self/mountinfo && $WORKS" "" "fs:securityfs"
entry mount-host-disk \
    "The host's root disk (a block device) mounted as ext4: every host file, and a file system image parsed by the host's kernel" \
    '^mount-type mounts\[8\]\.type$' \
    '.mounts += [{destination: "/disk", type: "ext4", source: "/dev/sda1", options: ["ro"]}]' \
    "$WORKS" "mounting the host's live disk a second time is not something a test does to the host; the finding is what is checked"
entry mount-remount-rootfs \
    "\"remount\" on a mount that is not a bind changes the superblock of what is already at the destination: at /etc that is the host file system holding the bundle (e.g. remount it read-only or with other options)" \
    '^mount-remount mounts\[8\]\.options$' \
    '.mounts += [{destination: "/etc", type: "none", source: "none", options: ["remount", "nosuid"]}]' \
    "$WORKS" "it changes the flags of the host file system that holds the bundle; not done to the test host"
entry mount-nsfs-bind \
    "A bind of a namespace file (/proc/self/ns/net of the runtime, i.e. the host's): a process with CAP_SYS_ADMIN in the container can setns(2) into it" \
    '^mount-host-sensitive mounts\[8\]\.source$' \
    '.mounts += [{destination: "/hostnet", type: "bind", source: "/proc/self/ns/net", options: ["bind", "ro"]}]' \
    "[ -e /hostnet ] && grep -q ' /hostnet .* - nsfs ' /proc/self/mountinfo && $WORKS"

entry rootfs-host-usr \
    "root.path \"/usr\": the container's root file system is a host system directory (its programs and libraries, which a writable root would let the container replace)" \
    '^rootfs-host root\.path$' \
    '.root.path = "/usr"' \
    "$WORKS" "the runtime would create the config's mount points (/proc, /dev, /sys, /tmp) inside the host's /usr"

# ---- namespaces by path ----
entry ns-net-self-task \
    "The host's network namespace spelled /proc/self/task/../ns/net (the runtime's own, which is the host's): host interfaces and services" \
    '^host-network-namespace linux\.namespaces\[1\]\.path$' \
    '.linux.namespaces |= map(if .type == "network" then .path = "/proc/self/task/../ns/net" else . end)' \
    "[ \$(grep -c : /proc/net/dev) -gt 1 ] && $WORKS"
entry ns-pid-thread-self \
    "The host's PID namespace spelled /proc/thread-self/../../../self/ns/pid: host processes visible and signalable" \
    '^host-pid-namespace linux\.namespaces\[0\]\.path$' \
    '.linux.namespaces |= map(if .type == "pid" then .path = "/proc/thread-self/../../../self/ns/pid" else . end)' \
    "[ \"\$(cat /proc/1/comm)\" != sh ] && $WORKS"

# ---- user namespace ----
entry userns-map-host-root \
    "A user namespace whose uid map puts the host's root at container uid 1 (the process itself runs as an unprivileged id): host-root files reachable in the container are uid 1's, and uid 1 is one setuid away for anyone with CAP_SETUID in the namespace" \
    '^idmap-host-root linux\.uidMappings\[1\]$' \
    "$USERNS | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 1}, {containerID: 1, hostID: 0, size: 1}, {containerID: 2, hostID: 100002, size: 65534}]" \
    "[ \"\$(stat -c %u /dev/null)\" = 1 ] && $WORKS" "" "userns"

# ---- devices ----
entry device-path-outside-dev \
    "A \"device\" at /etc/passwd with the numbers of /dev/null: in a user namespace brig bind-mounts the host's file of that path, so the host's /etc/passwd lands in the container" \
    '^device-path linux\.devices\[0\]\.path$' \
    "$USERNS | .linux.devices = [{path: \"/etc/passwd\", type: \"c\", major: 1, minor: 3, fileMode: 438}]" \
    "[ -f /etc/passwd ] && ! [ -c /etc/passwd ] && [ \$(wc -l < /etc/passwd) -gt 3 ] && $WORKS" "" "userns"
entry device-bind-kmsg \
    "/dev/kmsg declared as c 1:3 (null): in a user namespace brig binds the host's /dev/kmsg (c 1:11), the host's kernel log" \
    '^device-bind linux\.devices\[0\]\.path$' \
    "$USERNS | .linux.devices = [{path: \"/dev/kmsg\", type: \"c\", major: 1, minor: 3, fileMode: 438}]" \
    "[ \"\$(stat -c %t:%T /dev/kmsg)\" = 1:b ] && $WORKS" "" "userns"
entry device-host-console \
    "The host's system console (c 5:1) as /dev/hostconsole, with a device-cgroup rule that allows it (the node alone no longer opens the device cgroup: the config's deny-all comes after the automatic allow)" \
    '^device-host linux\.devices\[0\]$' \
    '.linux.devices = [{path: "/dev/hostconsole", type: "c", major: 5, minor: 1, fileMode: 438}]
        | .linux.resources.devices += [{allow: true, type: "c", major: 5, minor: 1, access: "rwm"}]' \
    "sh -c ': >> /dev/hostconsole' && $WORKS"

# ---- seccomp: judged on the program ----
entry seccomp-unshare-arg-ge \
    "unshare allowed when arg0 >= 0, which every flag set satisfies: new user (and then mount) namespaces" \
    '^seccomp-allows linux\.seccomp\.syscalls\[15\]\.args\[0\]$' \
    '.linux.seccomp.syscalls += [{names: ["unshare"], action: "SCMP_ACT_ALLOW", args: [{index: 0, value: 0, op: "SCMP_CMP_GE"}]}]' \
    "unshare -U true && $WORKS" "" "userns"
entry seccomp-unshare-ne-newuser \
    "unshare allowed unless arg0 == CLONE_NEWUSER: a deny of one exact value, while CLONE_NEWUSER|CLONE_NEWNET passes" \
    '^seccomp-allows linux\.seccomp\.syscalls\[15\]\.args\[0\]$' \
    '.linux.seccomp.syscalls += [{names: ["unshare"], action: "SCMP_ACT_ALLOW", args: [{index: 0, value: 268435456, op: "SCMP_CMP_NE"}]}]' \
    "unshare -U -n true && $WORKS" "" "userns"
entry seccomp-clone-masked-newuser \
    "clone allowed when (flags & CLONE_NEWUSER) == CLONE_NEWUSER: a rule that looks like a restriction and matches exactly the namespace flag" \
    '^seccomp-allows linux\.seccomp\.syscalls\[15\]\.args\[0\]$' \
    '.linux.seccomp.syscalls += [{names: ["clone"], action: "SCMP_ACT_ALLOW", args: [{index: 0, value: 268435456, valueTwo: 268435456, op: "SCMP_CMP_MASKED_EQ"}]}]' \
    "$WORKS" "busybox has no command that calls clone(2) with namespace flags; tests/unit/test_audit.c runs the compiled filter on it"
entry seccomp-notify-mount \
    "mount sent to a seccomp listener (SCMP_ACT_NOTIFY): the agent can let it continue" \
    '^seccomp-allows linux\.seccomp\.syscalls\[15\]$' \
    '.linux.seccomp.syscalls += [{names: ["mount"], action: "SCMP_ACT_NOTIFY"}] | .linux.seccomp.listenerPath = "/run/brig-corpus-agent.sock"' \
    "$WORKS" "needs a seccomp agent on the host that answers CONTINUE"
entry seccomp-i386-umount \
    "umount allowed by name: the call exists only in the i386 ABI, which an x86_64 container can enter" \
    '^seccomp-allows linux\.seccomp\.syscalls\[15\]$' \
    '.linux.seccomp.syscalls += [{names: ["umount"], action: "SCMP_ACT_ALLOW"}]' \
    "$WORKS" "needs an i386 program in the rootfs (the busybox rootfs is x86_64 only)"
entry seccomp-default-allow \
    "A default-allow profile that denies mount and unshare by name but leaves setns, bpf, keyctl, open_tree and the rest of the mount API through" \
    '^seccomp-allows linux\.seccomp\.defaultAction$' \
    '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{names: ["mount", "unshare"], action: "SCMP_ACT_ERRNO"}]}' \
    "$WORKS" \
    "a call the filter lets through is only refused by the kernel here (no capabilities); the unit tests run the filter on each call"

# ---- also checked ----
entry cgroup-populated-parent \
    "cgroupsPath \"..\": the parent of the runtime's own cgroup, which holds other cgroups (and processes): limits land on it and delete kills its processes" \
    '^cgroup-(populated|path) linux\.cgroupsPath$' \
    '.linux.cgroupsPath = ".."' \
    "$WORKS" "it would place the container in the test runner's parent cgroup, and brig delete would kill what is there"
entry hook-prestart-host-root \
    "A prestart hook: a host program run as root in the host's namespaces (it writes its uid into the rootfs to prove it ran)" \
    '^hook-host hooks\.prestart\[0\]$' \
    '.hooks = {prestart: [{path: "/bin/sh", args: ["sh", "-c", "b=$(sed -n \"s/.*\\\"bundle\\\": *\\\"\\\\([^\\\"]*\\\\)\\\".*/\\\\1/p\"); id -u > \"$b/rootfs/.corpus-hook-ran\""]}]}' \
    "[ \"\$(cat /.corpus-hook-ran)\" = 0 ] && $WORKS"
entry sched-fifo \
    "SCHED_FIFO for the container process: real-time priority can starve the host's CPUs" \
    '^scheduler-realtime process\.scheduler\.policy$' \
    '.process.scheduler = {policy: "SCHED_FIFO", priority: 1}' \
    "[ \"\$(cut -d\" \" -f41 /proc/self/stat)\" = 1 ] && $WORKS" "" "rtsched"
entry ioprio-realtime \
    "The real-time I/O class: the container's I/O goes ahead of the host's" \
    '^io-priority-realtime process\.ioPriority\.class$' \
    '.process.ioPriority = {class: "IOPRIO_CLASS_RT", priority: 0}' \
    "ionice -p \$\$ | grep -q realtime && $WORKS"
entry personality-linux32 \
    "The LINUX32 execution domain: the process runs under the kernel's 32-bit compatibility layer" \
    '^personality linux\.personality\.domain$' \
    '.linux.personality = {domain: "LINUX32"}' \
    "[ \"\$(uname -m)\" != x86_64 ] && $WORKS"
entry sysctl-slash-core-pattern \
    "kernel/core_pattern spelled with slashes: a host-wide sysctl (the core dump helper runs as host root)" \
    '^sysctl-host linux\.sysctl\["kernel/core_pattern"\]$' \
    '.linux.sysctl = {"kernel/core_pattern": "|/tmp/x"}' \
    "$WORKS" "brig refuses non-namespaced sysctls at create under every policy (runtime/container/sysctl.c): the technique does not work even with --policy off"
