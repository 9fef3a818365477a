# shellcheck shell=bash disable=SC2153,SC2154,SC2164
# (ROOT, BUNDLE, output, status... come from tests/lib/helpers.sh)
# Namespaces: each type new (a different identity from the host's), shared
# with the host when absent from the config, or joined from a path.

ALL_NS="pid net ipc uts mnt cgroup"

# ns_inside NS...: prints "NS ID" lines as seen inside a new container.
ns_inside() {
    local script="" n
    for n in "$@"; do
        script+="echo $n \$(readlink /proc/self/ns/$n); "
    done
    inside "$script"
}

# ns_line NS: the identity of NS from $output of ns_inside.
ns_line() {
    awk -v n="$1" '$1 == n {print $2}' <<<"$output"
}

# holder CMD...: start CMD in the background (it makes namespaces to join),
# killed when the test ends; sets $holder_pid.  (unshare --fork needs
# --kill-child, or its child would outlive it.)
holder() {
    "$@" >/dev/null 2>&1 </dev/null &
    holder_pid=$!
    defer "kill -9 $holder_pid 2>/dev/null; wait $holder_pid 2>/dev/null"
}

# comm_is PID NAME: PID runs NAME now (read at each call: wait_for's
# arguments are expanded once, when it is called).
comm_is() {
    [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]
}

# holder_child: the pid of the holder's first child (unshare --fork).
holder_child() {
    local c i
    for ((i = 0; i < 100; i++)); do
        c=$(pgrep -P "$holder_pid" | head -n 1)
        [ -n "$c" ] && { echo "$c"; return 0; }
        sleep 0.05
    done
    fail "holder $holder_pid has no child"
}

# wait_ns PID NS: wait until PID is in a namespace NS other than ours
# (unshare has done its work).
wait_ns() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(ns_id "$1" "$2" 2>/dev/null)" != "$(ns_id $$ "$2")" ] && return 0
        sleep 0.05
    done
    fail "process $1 never got its own $2 namespace"
}

test_new_namespaces_differ_from_host() {
    local n
    cfg '.linux.namespaces = [{type: "pid"}, {type: "network"}, {type: "ipc"},
                              {type: "uts"}, {type: "mount"}, {type: "cgroup"}]'
    # shellcheck disable=SC2086
    ns_inside $ALL_NS
    for n in $ALL_NS; do
        [ -n "$(ns_line "$n")" ] || fail "no $n namespace seen inside"
        assert_ne "$(ns_line "$n")" "$(ns_id $$ "$n")" "$n namespace is the host's"
    done
}

test_absent_namespaces_are_shared_with_host() {
    local n
    cfg '.linux.namespaces = [{type: "mount"}]'
    cfg 'del(.hostname)'
    # sysfs cannot be mounted without a network namespace of our own.
    cfg '.mounts |= map(select(.type != "sysfs"))'
    ns_inside pid net ipc uts cgroup mnt
    for n in pid net ipc uts cgroup; do
        assert_eq "$(ns_line "$n")" "$(ns_id $$ "$n")" "$n namespace not shared with the host"
    done
    assert_ne "$(ns_line mnt)" "$(ns_id $$ mnt)" "mount namespace"
}

test_pid_namespace_init_is_pid_1() {
    inside 'echo $$; ps -o pid,comm | grep -v PID | wc -l'
    assert_eq "$(head -n 1 <<<"$output")" 1 "pid of the container init"
    # Only the init (sh), ps and wc... no host processes.
    [ "$(tail -n 1 <<<"$output")" -le 4 ] || fail "host processes visible: $output"
}

test_network_namespace_has_only_loopback() {
    inside 'cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "'
    assert_eq "$output" lo
}

# runc brings the loopback of a new network namespace up: 127.0.0.1 works.
test_network_namespace_loopback_is_up() {
    inside 'grep -c . /proc/net/dev >/dev/null; cat /sys/class/net/lo/operstate /sys/class/net/lo/flags; ip -4 addr show lo | grep -o "inet [0-9./]*"'
    # operstate of lo is "unknown" when up ("down" when down); IFF_UP is 0x1.
    assert_eq "$(sed -n 1p <<<"$output")" unknown "lo operstate"
    (($(sed -n 2p <<<"$output") & 1)) || fail "lo is not up: $output"
    assert_eq "$(sed -n 3p <<<"$output")" "inet 127.0.0.1/8"
    # With a user namespace too (the netns is owned by it).
    cfg '.linux.namespaces += [{type: "user"}] | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
        | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
    chown -R 100000:100000 "$BUNDLE/rootfs"
    inside 'cat /sys/class/net/lo/operstate'
    assert_eq "$output" unknown "lo in a user namespace"
}

test_cgroup_namespace_root() {
    cfg '.linux.namespaces += [{type: "cgroup"}]'
    inside 'cat /proc/self/cgroup'
    # Every hierarchy's path is "/" from inside a new cgroup namespace.
    local bad
    bad=$(awk -F: '$3 != "/"' <<<"$output")
    [ -z "$bad" ] || fail "cgroup paths are not / inside: $bad"
}

test_time_namespace_new() {
    skip_if_runc "1.1 has no time namespace"
    cfg '.linux.namespaces += [{type: "time"}]'
    ns_inside time
    [ -n "$(ns_line time)" ] || fail "no time namespace seen"
    assert_ne "$(ns_line time)" "$(ns_id $$ time)" "time namespace is the host's"
}

test_time_namespace_offsets() {
    skip_if_runc "1.1 has no time namespace"
    cfg '.linux.namespaces += [{type: "time"}]'
    cfg '.linux.timeOffsets = {monotonic: {secs: 86400, nanosecs: 0}, boottime: {secs: 172800, nanosecs: 0}}'
    local host_up
    host_up=$(cut -d. -f1 /proc/uptime)
    inside 'cut -d. -f1 /proc/uptime'
    # uptime follows the boottime clock: two days ahead of the host's.
    local d=$((output - host_up))
    [ $d -ge 172790 ] && [ $d -le 172900 ] || fail "uptime inside $output, host $host_up: offset $d"
}

test_join_network_ipc_uts_cgroup_by_path() {
    holder unshare --net --ipc --uts --cgroup sh -c 'hostname holder-host; exec sleep 1000'
    wait_ns "$holder_pid" uts
    wait_for comm_is "$holder_pid" sleep
    cfg 'del(.hostname)'
    cfg --arg p "/proc/$holder_pid/ns" '.linux.namespaces = [{type: "pid"}, {type: "mount"},
        {type: "network", path: ($p + "/net")}, {type: "ipc", path: ($p + "/ipc")},
        {type: "uts", path: ($p + "/uts")}, {type: "cgroup", path: ($p + "/cgroup")}]'
    ns_inside net ipc uts cgroup
    local n
    for n in net ipc uts cgroup; do
        assert_eq "$(ns_line "$n")" "$(ns_id "$holder_pid" "$n")" "$n namespace not joined"
    done
    inside hostname
    assert_eq "$output" holder-host
}

test_join_pid_namespace_by_path() {
    local child
    holder unshare --pid --fork --kill-child sleep 1000
    child=$(holder_child)
    wait_ns "$child" pid
    cfg --arg p "/proc/$child/ns/pid" '.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)'
    ns_inside pid
    assert_eq "$(ns_line pid)" "$(ns_id "$child" pid)" "pid namespace not joined"
    # The holder's sleep is pid 1 there, so the container's shell is not.
    inside 'echo $$'
    assert_ne "$output" 1 "container process is pid 1 of a joined namespace"
}

test_join_mount_namespace_by_path() {
    holder unshare --mount sleep 1000
    wait_ns "$holder_pid" mnt
    cfg --arg p "/proc/$holder_pid/ns/mnt" '.linux.namespaces |= map(if .type == "mount" then .path = $p else . end)'
    ns_inside mnt
    assert_eq "$(ns_line mnt)" "$(ns_id "$holder_pid" mnt)" "mount namespace not joined"
}

test_join_time_namespace_by_path() {
    skip_if_runc "1.1 has no time namespace"
    local child
    # --fork: unshare(CLONE_NEWTIME) puts only the children in the new
    # namespace; before Linux 6.3 an exec does not move the caller there.
    holder unshare --time --fork --kill-child --boottime 1000000 sleep 1000
    child=$(holder_child)
    wait_ns "$child" time
    cfg --arg p "/proc/$child/ns/time" '.linux.namespaces += [{type: "time", path: $p}]'
    ns_inside time
    assert_eq "$(ns_line time)" "$(ns_id "$child" time)" "time namespace not joined"
}

test_join_nonexistent_path_is_an_error() {
    local id
    id=$(new_id)
    cfg --arg p "$TDIR/no-such-ns" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)'
    set_args true
    run B create --bundle "$BUNDLE" "$id"
    assert_failed create
    assert_not_exists "$ROOT/$id"
}

test_join_wrong_namespace_type_is_an_error() {
    holder unshare --net sleep 1000
    wait_ns "$holder_pid" net
    # A uts entry pointing at a network namespace.
    cfg 'del(.hostname)'
    cfg --arg p "/proc/$holder_pid/ns/net" '.linux.namespaces |= map(if .type == "uts" then .path = $p else . end)'
    set_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed run
}

# user namespaces ----------------------------------------------------------

userns_config() {
    cfg '.linux.namespaces += [{type: "user"}]
         | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
         | .linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}]'
}

test_user_namespace_mappings() {
    userns_config
    inside 'cat /proc/self/uid_map; echo; cat /proc/self/gid_map; echo; id -u; id -g; readlink /proc/self/ns/user'
    local lines
    lines=$(tr -s ' \t' ' ' <<<"$output" | sed 's/^ //')
    assert_contains "$lines" "0 100000 65536" uid_map
    assert_contains "$lines" "0 200000 65536" gid_map
    assert_match "$output" $'\n0\n0\nuser:' "id inside"
    assert_ne "$(tail -n 1 <<<"$output")" "$(ns_id $$ user)" "user namespace is the host's"
}

test_user_namespace_host_view_of_ids() {
    local id pid
    id=$(new_id)
    userns_config
    cfg '.process.user = {uid: 1000, gid: 1000}'
    set_args sleep 30
    create_ctr "$id"
    run B start "$id"
    assert_ok
    pid=$(state_of "$id" pid)
    # Container uid 1000 is host uid 101000.
    assert_match "$(grep '^Uid:' "/proc/$pid/status")" $'^Uid:\t101000\t101000\t101000\t101000$'
    assert_match "$(grep '^Gid:' "/proc/$pid/status")" $'^Gid:\t201000\t201000\t201000\t201000$'
}

test_user_namespace_multiple_mappings() {
    cfg '.linux.namespaces += [{type: "user"}]
         | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 1000},
                                 {containerID: 65534, hostID: 165534, size: 1}]
         | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 1000},
                                 {containerID: 65534, hostID: 165534, size: 1}]'
    inside 'cat /proc/self/uid_map'
    local lines
    lines=$(tr -s ' \t' ' ' <<<"$output" | sed 's/^ //')
    assert_contains "$lines" "0 100000 1000"
    assert_contains "$lines" "65534 165534 1"
}

test_user_namespace_root_is_not_host_root() {
    userns_config
    add_share
    chmod 755 "$SHARE"
    # Host-root-owned, mode 755: root in the container maps to host uid
    # 100000 and may not write here.
    sh_args 'touch /share/f && echo wrote'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_not_contains "$output" wrote "container root wrote to a host-root-owned dir"
    assert_not_exists "$SHARE/f"
}

test_join_user_namespace_by_path() {
    holder unshare --user sleep 1000
    wait_ns "$holder_pid" user
    # As root outside, write the maps ourselves (no newuidmap needed).
    echo "0 100000 65536" >"/proc/$holder_pid/uid_map"
    echo "0 200000 65536" >"/proc/$holder_pid/gid_map"
    # The mappings are given too, matching the namespace's (runc needs them).
    userns_config
    cfg --arg p "/proc/$holder_pid/ns/user" '.linux.namespaces |= map(if .type == "user" then .path = $p else . end)'
    ns_inside user
    assert_eq "$(ns_line user)" "$(ns_id "$holder_pid" user)" "user namespace not joined"
}
