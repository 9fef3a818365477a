# shellcheck shell=bash
# cgroups through the CLI: limits that bite (memory, pids, CPU quota,
# devices), update, pause/resume, ps, events, and cleanup of the cgroup in
# every hierarchy.  Written for the host's layout (v1, hybrid or v2): files
# are looked up through cg_file, never by assuming a mode.

# cg_dir, cg_read...: tests/lib/cgroup.sh.
# shellcheck source=/dev/null
. "$TESTS_LIB/cgroup.sh"

# cg_file CONTROLLER CGPATH V1FILE V2FILE: the value in that file.
cg_file() { cg_read "$@"; }

# Every test names its cgroup, so that runc and brig use the same place.
setup() {
    CGP=/brig-test-$TEST_UNIQ
    cfg --arg p "$CGP" '.linux.cgroupsPath = $p'
}

teardown() {
    local d
    for d in /sys/fs/cgroup/*"$CGP" /sys/fs/cgroup"$CGP"; do
        [ -d "$d" ] && rmdir "$d" 2>/dev/null
    done
    return 0
}

# run_detached ID: run the bundle's process in the background (brig run -d).
run_detached() {
    run B run -d --bundle "$BUNDLE" "$1"
    assert_ok
}

test_memory_limit_oom_kills_an_allocator() {
    local mb=$((1024 * 1024))
    # dd's 100 MB buffer: fine without a limit ...
    sh_args 'dd if=/dev/zero of=/dev/null bs=100M count=1 2>/dev/null; echo "dd=$?"'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_contains "$output" "dd=0"
    # ... killed by the OOM killer under 32 MB (swap capped too)
    cfg --argjson l $((32 * mb)) '.linux.resources.memory = {limit: $l, swap: $l}'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_contains "$output" "dd=137"
}

test_pids_limit_stops_a_fork_bomb() {
    sh_args 'for i in $(seq 1 40); do sleep 5 & done; echo forked-all'
    cfg '.linux.resources.pids = {limit: 60}'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_contains "$output" forked-all
    cfg '.linux.resources.pids = {limit: 10}'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_status 2 # the shell gives up
    assert_not_contains "$output" forked-all
    assert_contains "$stderr" "fork"
}

# cpu_ns CGPATH: CPU time used by the cgroup, in nanoseconds.
cpu_ns() {
    if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
        echo $(($(awk '$1 == "usage_usec" {print $2}' "/sys/fs/cgroup$1/cpu.stat") * 1000))
    else
        cat "$(cg_dir cpuacct "$1")/cpuacct.usage"
    fi
}

# serial: measures the CPU time a busy loop gets
test_cpu_quota_is_enforced() {
    local id a b used
    id=$(new_id)
    # a fifth of a CPU: 20ms in every 100ms
    cfg '.linux.resources.cpu = {quota: 20000, period: 100000}'
    set_args sh -c 'while :; do :; done'
    run_detached "$id"
    sleep 0.3
    # CPU time against the time that really passed (a loaded or emulated
    # host may sleep much longer than asked)
    local t0 t1 ms
    t0=$(date +%s%N)
    a=$(cpu_ns "$CGP")
    sleep 1
    b=$(cpu_ns "$CGP")
    t1=$(date +%s%N)
    used=$(((b - a) / 1000000)) ms=$(((t1 - t0) / 1000000))
    echo "# used ${used}ms of CPU in ${ms}ms" >&2
    # at least one period's quota; at most 20% plus one period's worth
    # and some slack for the periods at both ends
    [ "$used" -ge 20 ] || fail "the busy loop got only ${used}ms of CPU in ${ms}ms"
    [ "$used" -le $((ms * 30 / 100 + 50)) ] || fail "quota 20%: the busy loop got ${used}ms of CPU in ${ms}ms"
    assert_eq "$(cg_file cpu "$CGP" cpu.cfs_quota_us cpu.max | cut -d' ' -f1)" 20000
    skip_if_runc "events --stats output differs"
    run B events --stats "$id"
    assert_ok
    [ "$(jq -r .data.cpu.throttling.throttled_periods <<<"$output")" -gt 0 ] ||
        fail "no throttled periods in the stats"
}

test_update_changes_limits_of_a_running_container() {
    local id f
    id=$(new_id)
    add_share
    cfg '.linux.resources.pids = {limit: 5}'
    cfg '.linux.resources.memory = {limit: 67108864}'
    # forks 10 children when told to, once per go file
    sh_args 'for n in 1 2; do
        while [ ! -e /share/go$n ]; do sleep 0.05; done
        for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.2 & done
        wait; echo done >/share/out$n
    done'
    run_detached "$id"
    assert_eq "$(cg_file pids "$CGP" pids.max pids.max)" 5
    assert_eq "$(cg_file memory "$CGP" memory.limit_in_bytes memory.max)" 67108864

    run B update --pids-limit 50 --memory 128m "$id"
    assert_ok
    assert_eq "$(cg_file pids "$CGP" pids.max pids.max)" 50
    assert_eq "$(cg_file memory "$CGP" memory.limit_in_bytes memory.max)" $((128 * 1024 * 1024))
    touch "$SHARE/go1"
    wait_for test -e "$SHARE/out1"

    # -r: a linux.resources object; other flags are ignored
    f=$TDIR/res.json
    echo '{"pids": {"limit": 7}, "cpu": {"quota": 30000, "period": 100000}}' >"$f"
    run B update -r "$f" --pids-limit 99 "$id"
    assert_ok
    assert_eq "$(cg_file pids "$CGP" pids.max pids.max)" 7
    assert_eq "$(cg_file cpu "$CGP" cpu.cfs_quota_us cpu.max | cut -d' ' -f1)" 30000
    # the new limit is live: forking 10 children fails now
    touch "$SHARE/go2"
    wait_status "$id" stopped
    assert_not_exists "$SHARE/out2"

    run B update --pids-limit nonsense "$id"
    assert_failed
    run B update --memory 1x "$id"
    assert_failed
}

# update --memory -1 without --memory-swap lifts the memory+swap limit too
# (runc): otherwise the old memsw limit still binds.
test_update_memory_unlimited_lifts_memsw() {
    local id
    id=$(new_id)
    [ ! -f /sys/fs/cgroup/cgroup.controllers ] || skip "cgroup v1 memsw"
    [ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] || skip "no swap accounting (memory.memsw)"
    cfg '.linux.resources.memory = {limit: 67108864, swap: 67108864}'
    set_args sleep 300
    run_detached "$id"
    assert_eq "$(cg_file memory "$CGP" memory.memsw.limit_in_bytes x)" 67108864
    run B update --memory -1 "$id"
    assert_ok
    assert_eq "$(cg_file memory "$CGP" memory.limit_in_bytes x)" 9223372036854771712
    assert_eq "$(cg_file memory "$CGP" memory.memsw.limit_in_bytes x)" 9223372036854771712
}

# v1 refuses a limit below what the cgroup holds and cannot reclaim
# (EBUSY); the error names the limit, as create's does (setup_failures.sh).
test_update_memory_below_usage_names_the_limit() {
    local id
    [ ! -f /sys/fs/cgroup/cgroup.controllers ] || skip "cgroup v1 refuses, v2 reclaims or OOM-kills"
    [ -e /sys/fs/cgroup/memory/memory.limit_in_bytes ] || skip "no v1 memory controller"
    [ "$(wc -l </proc/swaps)" -le 1 ] || skip "swap is on: the kernel can reclaim tmpfs pages"
    id=$(new_id)
    add_share
    cfg '.linux.resources.memory = {limit: 67108864}'
    # 8 MiB of tmpfs charged to the container, which only swap could reclaim
    sh_args 'head -c 8388608 /dev/zero >/dev/shm/fill && touch /share/full && sleep 300'
    run_detached "$id"
    wait_for test -e "$SHARE/full"
    run B update --memory 16384 "$id"
    assert_failed
    skip_if_runc "brig's messages"
    assert_contains "$stderr" "memory limit, linux.resources.memory.limit = 16384 bytes (16 KiB), is too small"
    assert_contains "$stderr" "Device or resource busy"
    assert_eq "$(cg_file memory "$CGP" memory.limit_in_bytes x)" 67108864 "the old limit stays"
}

test_update_a_stopped_container_fails() {
    local id
    id=$(new_id)
    set_args true
    create_ctr "$id"
    run B start "$id"
    wait_status "$id" stopped
    run B update --pids-limit 10 "$id"
    assert_status 1
    skip_if_runc "brig's messages"
    assert_failed update
    assert_contains "$stderr" "container not running"
}

test_pause_resume_shows_in_state() {
    local id
    id=$(new_id)
    set_args sleep 60
    run_detached "$id"
    run B pause "$id"
    assert_ok
    assert_eq "$(status_of "$id")" paused
    assert_eq "$(cg_file freezer "$CGP" freezer.state cgroup.freeze)" \
        "$([ -f /sys/fs/cgroup/cgroup.controllers ] && echo 1 || echo FROZEN)"
    run B pause "$id"
    assert_failed
    run B resume "$id"
    assert_ok
    assert_eq "$(status_of "$id")" running
    run B resume "$id"
    assert_failed
    skip_if_runc "brig's messages"
    assert_contains "$stderr" "brig: resume: container $id is not paused"
}

# A cgroup frozen outside brig (an operator, systemd's freeze) is "paused"
# in state and list, as with runc: the status comes from the freezer, not
# from what brig last did.
test_a_cgroup_frozen_outside_brig_shows_paused() {
    local id d f
    id=$(new_id)
    set_args sleep 60
    run_detached "$id"
    d=$(cg_dir_of "$(state_of "$id" pid)" freezer)
    if cg_is_v2 || ! cg_v1_mount freezer >/dev/null; then f=cgroup.freeze; else f=freezer.state; fi
    defer "echo $([ $f = cgroup.freeze ] && echo 0 || echo THAWED) >'$d/$f' 2>/dev/null"
    echo "$([ $f = cgroup.freeze ] && echo 1 || echo FROZEN)" >"$d/$f" || fail "freeze $d/$f"
    assert_eq "$(status_of "$id")" paused
    run B list
    assert_ok
    assert_match "$output" "$id +[0-9]+ +paused " "list row of $id"
    run B resume "$id"
    assert_ok
    assert_eq "$(status_of "$id")" running
}

test_pause_of_a_stopped_container_is_an_error() {
    local id
    id=$(new_id)
    set_args true
    create_ctr "$id"
    run B start "$id"
    wait_status "$id" stopped
    run B pause "$id"
    assert_status 1
    skip_if_runc "brig's messages"
    assert_contains "$stderr" "brig: pause: container not running: $id"
    run B pause no-such-container
    assert_status 1
    assert_contains "$stderr" "brig: pause: "
}

test_delete_force_of_a_paused_container() {
    local id pid
    id=$(new_id)
    set_args sleep 60
    run_detached "$id"
    pid=$(state_of "$id" pid)
    run B pause "$id"
    assert_ok
    run B delete --force "$id"
    assert_ok
    for _ in $(seq 50); do pid_alive "$pid" || break; sleep 0.1; done
    pid_alive "$pid" && fail "paused process $pid survived delete --force"
    assert_eq "$(cgroup_dirs_of "$id")$(ls -d /sys/fs/cgroup/*"$CGP" 2>/dev/null)" ""
}

test_ps_lists_the_container_processes() {
    local id pid
    id=$(new_id)
    set_args sh -c 'sleep 60 & sleep 60 & wait'
    run_detached "$id"
    pid=$(state_of "$id" pid)
    wait_for sh -c "[ \$($BRIG --root $ROOT ps -f json $id | jq length) -eq 3 ]"
    run B ps -f json "$id"
    assert_ok
    assert_eq "$(jq "index($pid)" <<<"$output")" 0 "init pid first in $output"
    run B ps "$id"
    assert_ok
    assert_match "$(head -n 1 <<<"$output")" "PID"
    assert_eq "$(grep -c ' sleep 60$' <<<"$output")" 2
    # arguments after the ID go to ps(1)
    run B ps "$id" -o pid,comm
    assert_ok
    assert_eq "$(sed -n 1p <<<"$output" | tr -s ' ')" " PID COMMAND" 
    assert_eq "$(tail -n +2 <<<"$output" | wc -l)" 3
    run B ps -f yaml "$id"
    assert_failed
}

test_events_stats_and_stream() {
    skip_if_runc "runc events output differs in detail"
    local id ev evpid i mb=$((1024 * 1024))
    id=$(new_id)
    cfg --argjson l $((24 * mb)) '.linux.resources.memory = {limit: $l, swap: $l}'
    cfg '.linux.resources.pids = {limit: 33}'
    # allocate too much once the stream below watches (told through
    # /share/go: a loaded host may start the stream late), then stay alive
    add_share
    sh_args 'while [ ! -e /share/go ]; do sleep 0.05; done; dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 60'
    run_detached "$id"
    run B events --stats "$id"
    assert_ok
    assert_eq "$(jq -r .type <<<"$output")" stats
    assert_eq "$(jq -r .id <<<"$output")" "$id"
    assert_eq "$(jq -r .data.pids.limit <<<"$output")" 33
    [ "$(jq -r .data.pids.current <<<"$output")" -ge 1 ] || fail "no pids.current"
    assert_eq "$(jq -r .data.memory.usage.limit <<<"$output")" $((24 * mb))
    # the stream: stats every 500ms and the OOM event once the allocation
    # happens (waited for, bounded: a slow or emulated host may take long)
    ev=$TDIR/events.out
    timeout 30 "$BRIG" --root "$ROOT" events --interval 500ms "$id" >"$ev" 2>&1 &
    evpid=$!
    defer "kill $evpid 2>/dev/null; wait $evpid 2>/dev/null"
    wait_for grep -q '"type":"stats"' "$ev"
    touch "$SHARE/go"
    for ((i = 0; i < 300; i++)); do
        grep -q '"type":"oom"' "$ev" && [ "$(grep -c '"type":"stats"' "$ev")" -ge 2 ] && break
        kill -0 "$evpid" 2>/dev/null || break
        sleep 0.1
    done
    assert_contains "$(cat "$ev")" "{\"type\":\"oom\",\"id\":\"$id\"}"
    [ "$(grep -c '"type":"stats"' "$ev")" -ge 2 ] || fail "expected stats every 500ms"
    run B events --interval 0s "$id"
    assert_failed
}

test_events_stream_ends_when_the_container_stops() {
    skip_if_runc "runc events keeps running"
    local id ev evpid i
    id=$(new_id)
    add_share
    # stops when told to, once the stream runs (not after a delay: a slow
    # host may start the stream after the container has stopped)
    sh_args 'while [ ! -e /share/go ]; do sleep 0.05; done'
    run_detached "$id"
    ev=$TDIR/events.out
    timeout 30 "$BRIG" --root "$ROOT" events --interval 200ms "$id" >"$ev" 2>&1 &
    evpid=$!
    defer "kill $evpid 2>/dev/null; wait $evpid 2>/dev/null"
    wait_for grep -q '"type":"stats"' "$ev"
    touch "$SHARE/go"
    for ((i = 0; i < 300; i++)); do
        kill -0 "$evpid" 2>/dev/null || break
        sleep 0.1
    done
    wait "$evpid"
    assert_eq "$?" 0 "events exit status: $(cat "$ev")"
}

test_default_devices_are_the_only_ones_allowed() {
    # /dev/fuse opens without capabilities: only the device cgroup stops it
    [ -c /dev/fuse ] || skip "no /dev/fuse on the host"
    add_mount /dev/fuse bind /dev/fuse bind
    sh_args '(: </dev/null) && echo null-ok; (: </dev/fuse) && echo fuse-ok; true'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_contains "$output" null-ok
    assert_not_contains "$output" fuse-ok
    assert_contains "$stderr" "Operation not permitted"
    # an explicit rule opens it
    cfg '.linux.resources.devices += [{allow: true, type: "c", major: 10, minor: 229, access: "rw"}]'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_contains "$output" fuse-ok
    # and a later deny closes it again (runc's v1 devices code keeps it
    # open: v1 removes exceptions only by exact match)
    skip_if_runc "runc leaves 10:229 open after deny c 10:* r"
    cfg '.linux.resources.devices += [{allow: false, type: "c", major: 10, access: "r"}]'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_not_contains "$output" fuse-ok
}

test_delete_kills_leftover_processes_and_removes_the_cgroup() {
    local id pid
    id=$(new_id)
    add_share
    # no pid namespace: the children outlive the init
    cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
    sh_args 'sleep 100 & echo $! >/share/child; sleep 100 & wait'
    run_detached "$id"
    wait_for test -s "$SHARE/child"
    pid=$(cat "$SHARE/child")
    kill -KILL "$(state_of "$id" pid)"
    wait_status "$id" stopped
    pid_alive "$pid" || fail "the child died with the init; the test proves nothing"
    run B delete "$id"
    assert_ok
    for _ in $(seq 50); do pid_alive "$pid" || break; sleep 0.1; done
    pid_alive "$pid" && fail "child $pid survived delete"
    local left
    left=$(ls -d /sys/fs/cgroup/*"$CGP" /sys/fs/cgroup"$CGP" 2>/dev/null || true)
    assert_eq "$left" "" "cgroup directories left behind"
}

# A cgroup made below the container's (exec --cgroup, a nested runtime)
# with a process in it: delete --force kills it and removes both levels.
test_delete_force_removes_sub_cgroups_and_their_processes() {
    local id pid d
    id=$(new_id)
    add_share
    sh_args 'sleep 100 & echo $! >/share/child; sleep 100 & wait'
    run_detached "$id"
    wait_for test -s "$SHARE/child"
    pid=$(host_pid_of_child "$id")
    [ -n "$pid" ] || fail "no host pid for the container's child"
    local moved=0
    for d in "$(cg_dir memory "$CGP")" "$(cg_dir pids "$CGP")" /sys/fs/cgroup/unified"$CGP"; do
        [ -d "$d" ] && [ ! -d "$d/sub" ] || continue
        mkdir "$d/sub"
        echo "$pid" >"$d/sub/cgroup.procs"
        moved=$((moved + 1))
    done
    [ $moved -gt 0 ] || fail "no cgroup of $CGP found to make a sub-cgroup in"
    run B delete --force "$id"
    assert_ok
    for _ in $(seq 50); do pid_alive "$pid" || break; sleep 0.1; done
    pid_alive "$pid" && fail "the process in the sub-cgroup survived delete --force"
    local left
    left=$(ls -d /sys/fs/cgroup/*"$CGP" /sys/fs/cgroup"$CGP" 2>/dev/null || true)
    assert_eq "$left" "" "cgroup directories left behind"
}

# The host pid of a process in the container other than its init.
host_pid_of_child() {
    local init p
    init=$(state_of "$1" pid)
    for p in $(pgrep -P "$init"); do
        echo "$p"
        return 0
    done
}

test_killed_runtime_leaves_nothing_after_delete_force() {
    local id rpid pid
    id=$(new_id)
    set_args sleep 100
    "$BRIG" --root "$ROOT" run --bundle "$BUNDLE" "$id" >/dev/null 2>&1 </dev/null &
    rpid=$!
    wait_status "$id" running
    pid=$(state_of "$id" pid)
    kill -KILL "$rpid"
    wait "$rpid" 2>/dev/null || true
    run B delete --force "$id"
    assert_ok
    for _ in $(seq 50); do pid_alive "$pid" || break; sleep 0.1; done
    pid_alive "$pid" && fail "container process $pid survived"
    assert_eq "$(ls -d /sys/fs/cgroup/*"$CGP" /sys/fs/cgroup"$CGP" 2>/dev/null || true)" ""
}

# v1 cpuset: the parent's CPUs and memory nodes, and sched_load_balance
# off below a balancing parent (no scheduler-domain rebuild per container).
test_v1_cpuset_inherits_and_does_not_balance() {
    skip_if_runc "runc keeps the kernel's default sched_load_balance"
    local id m d
    m=$(cg_v1_mount cpuset) || skip "no v1 cpuset hierarchy"
    [ "$(cat "$m/cpuset.sched_load_balance")" = 1 ] || skip "the top cpuset does not balance"
    id=$(new_id)
    set_args sleep 60
    run_detached "$id"
    d=$m$CGP
    [ -d "$d" ] || fail "no cpuset cgroup $d"
    assert_eq "$(cat "$d/cpuset.cpus")" "$(cat "${d%/*}/cpuset.cpus")"
    assert_eq "$(cat "$d/cpuset.mems")" "$(cat "${d%/*}/cpuset.mems")"
    assert_eq "$(cat "$d/cpuset.sched_load_balance")" 0
    # update still writes the CPUs
    run B update --cpuset-cpus 0 "$id"
    assert_ok
    assert_eq "$(cat "$d/cpuset.cpus")" 0
    run B delete --force "$id"
    assert_ok
    assert_not_exists "$d" "the cpuset cgroup is left"
}

# kernel_has_statmount_opts: Linux 6.11+, where statmount reports a mount's
# options (brig then finds the v1 hierarchies without mountinfo).
kernel_has_statmount_opts() {
    local maj min
    IFS=. read -r maj min _ <<<"$(uname -r)"
    [ "$maj" -gt 6 ] || { [ "$maj" -eq 6 ] && [ "${min%%[!0-9]*}" -ge 11 ]; }
}

# in_every_hierarchy PATH MIN <CGROUP-TEXT: a /proc/PID/cgroup text on
# stdin puts its process at PATH in every hierarchy (v1 ones, name=systemd,
# the unified one), and lists at least MIN of them.
in_every_hierarchy() {
    local want=$1 min=$2 line n=0
    while IFS= read -r line; do
        [ "${line#*:*:}" = "$want" ] || fail "the container is at '$line', not $want"
        n=$((n + 1))
    done
    [ "$n" -ge "$min" ] || fail "the container's cgroup list has $n lines, fewer than $min"
}

# traced_brig NAME ARGS...: brig ARGS under strace (opens only), into
# $TDIR/NAME; -b execve leaves a container's process alone (it outlives brig)
traced_brig() {
    local name=$1
    shift
    run strace -f -qq -b execve -e trace=open,openat,openat2 -o "$TDIR/$name" "$BRIG" --root "$ROOT" "$@"
}

test_commands_find_the_cgroups_without_reading_mountinfo() {
    skip_if_runc "runc reads mountinfo"
    command -v strace >/dev/null || skip "strace is not installed"
    cg_is_v2 || kernel_has_statmount_opts || skip "statmount gives no mount options before Linux 6.11"
    local id pid c
    id=$(new_id)
    set_args sleep 60
    # mountinfo costs every mount on the host (a node has a few per pod),
    # and create, state, list and delete run for every container
    traced_brig create.trace run -d --bundle "$BUNDLE" "$id"
    assert_ok
    if grep mountinfo "$TDIR/create.trace"; then
        fail "create read mountinfo"
    fi
    # (and the trace did see the runtime's opens)
    grep -q '"/proc/self/cgroup"' "$TDIR/create.trace" || cg_is_v2 ||
        fail "the trace shows no open of /proc/self/cgroup"
    pid=$(state_of "$id" pid)
    in_every_hierarchy "$CGP" 1 <"/proc/$pid/cgroup"
    for c in "state $id" "list" "ps $id" "events --stats $id" "exec $id true" \
        "update --pids-limit 100 $id" "pause $id" "resume $id" "delete --force $id"; do
        # shellcheck disable=SC2086
        traced_brig cmd.trace $c
        assert_ok
        if grep mountinfo "$TDIR/cmd.trace"; then
            fail "$c read mountinfo"
        fi
    done
    [ -z "$(cgroup_dirs_of "${CGP#/}")" ] || fail "cgroups left: $(cgroup_dirs_of "${CGP#/}")"
}

test_a_hierarchy_mounted_elsewhere_is_found_in_mountinfo() {
    require_cgroup v1
    command -v strace >/dev/null || skip "strace is not installed"
    local id m
    m=$(cg_v1_mount pids) || skip "no v1 pids hierarchy"
    [ "$m" = /sys/fs/cgroup/pids ] || skip "the pids hierarchy is at $m"
    id=$(new_id)
    set_args cat /proc/self/cgroup
    mkdir -p "$TDIR/elsewhere"
    # Only in a mount namespace of the test's own: the pids hierarchy moves
    # out of /sys/fs/cgroup/pids there, never on the host.  run, not run -d:
    # the state records the directories made, which only that namespace sees.
    run unshare -m --propagation private sh -c '
        mount --move /sys/fs/cgroup/pids "$1" || exit 99
        exec strace -f -qq -b execve -e trace=open,openat,openat2 -o "$2" "$3" --root "$4" run --bundle "$5" "$6"
    ' sh "$TDIR/elsewhere" "$TDIR/trace" "$BRIG" "$ROOT" "$BUNDLE" "$id"
    [ "$status" -ne 99 ] || skip "cannot move a mount in a new mount namespace"
    assert_ok
    grep -q mountinfo "$TDIR/trace" || fail "no mountinfo read: the pids hierarchy was not looked for elsewhere"
    in_every_hierarchy "$CGP" 2 <<<"$output"
    grep -q "^[0-9]*:pids:$CGP\$" <<<"$output" || fail "not in the pids hierarchy"
    [ -z "$(cgroup_dirs_of "${CGP#/}")" ] || fail "cgroups left: $(cgroup_dirs_of "${CGP#/}")"
}

test_cgroups_path_variants() {
    skip_if_runc "relative paths are placed differently"
    local id own
    id=$(new_id)
    # a path that tries to climb out of the hierarchy stays inside it
    cfg --arg p "/../../$CGP" '.linux.cgroupsPath = $p'
    set_args sleep 60
    run_detached "$id"
    [ -d "$(cg_dir pids "$CGP")" ] || fail "/../..$CGP was not cleaned to $CGP"
    run B delete --force "$id"
    assert_ok
    # relative, as runc places it: on v2 under the parent of brig's own
    # cgroup (a leaf with processes on a systemd host), elsewhere under
    # its own (the v2 one or name=systemd's)
    own=$(awk -F: '$1 == "0" {print $3}' /proc/self/cgroup)
    [ -n "$own" ] || own=$(awk -F: '$2 == "name=systemd" {print $3}' /proc/self/cgroup)
    [ -f /sys/fs/cgroup/cgroup.controllers ] && own=${own%/*}
    own=${own%/}
    id=$(new_id)
    cfg --arg p "${CGP#/}/rel" '.linux.cgroupsPath = $p'
    run_detached "$id"
    [ -d "$(cg_dir pids "$own$CGP/rel")" ] || fail "relative path not under $own"
    run B delete --force "$id"
    assert_ok
    rmdir /sys/fs/cgroup/*"$own$CGP" 2>/dev/null || true
    # the root cgroup itself is refused
    cfg '.linux.cgroupsPath = "/"'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    assert_contains "$stderr" "root cgroup"
}

test_systemd_cgroup_is_a_clear_error_without_systemd() {
    skip_if_runc "runc's message differs"
    [ -d /run/systemd/system ] && skip "systemd runs here"
    local id
    id=$(new_id)
    cfg '.linux.cgroupsPath = "system.slice:brig:x"'
    run "$BRIG" --root "$ROOT" --systemd-cgroup run --bundle "$BUNDLE" "$id"
    assert_failed
    assert_contains "$stderr" "systemd"
    assert_not_exists "$ROOT/$id"
}

test_unknown_controller_limits_are_errors() {
    skip_if_runc "runc ignores some of these"
    # net_cls is not mounted here (or anywhere on v2): refuse rather than ignore
    [ -d /sys/fs/cgroup/net_cls ] && skip "net_cls is mounted"
    cfg '.linux.resources.network = {classID: 1048577}'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    assert_contains "$stderr" "net_cls"
}
