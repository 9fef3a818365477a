# shellcheck shell=bash disable=SC2153,SC2154,SC2164,SC2016
# (ROOT, BUNDLE, output, status... come from tests/lib/helpers.sh)
# exec: a new process in a running container, with the container's
# namespaces, cgroup, seccomp filter and process settings.

# cg_path_of, cg_is_v2...: tests/lib/cgroup.sh.
# shellcheck source=/dev/null
. "$TESTS_LIB/cgroup.sh"

# cg_line PID: the line of /proc/PID/cgroup that names its pids cgroup on
# this host (v1 or hybrid: "N:pids:/path"; v2: "0::/path").
cg_line() {
    if cg_is_v2; then
        grep -m1 '^0::' "/proc/$1/cgroup"
    else
        echo "pids:$(cg_path_of "$1" pids)"
    fi
}

# start_sleeper: a running container ($ID) whose init sleeps.
start_sleeper() {
    ID=$(new_id)
    set_args sleep 300
    run B run --detach --bundle "$BUNDLE" "$ID"
    assert_ok
    INIT_PID=$(state_of "$ID" pid)
}

test_exec_runs_in_every_namespace_of_the_container() {
    start_sleeper
    local ns want
    for ns in pid mnt net ipc uts cgroup user; do
        want=$(ns_id "$INIT_PID" "$ns")
        run B exec "$ID" readlink "/proc/self/ns/$ns"
        assert_ok
        assert_eq "$output" "$want" "exec'd process is in the container's $ns namespace"
    done
    # Its root is the container's rootfs, not the host's.
    echo marker >"$BUNDLE/rootfs/marker"
    run B exec "$ID" cat /marker
    assert_ok
    assert_eq "$output" marker
}

test_exec_in_user_namespace_container() {
    cfg '.linux.namespaces += [{type: "user"}]
         | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
         | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
    chown -R 100000:100000 "$BUNDLE/rootfs"
    start_sleeper
    run B exec "$ID" sh -c 'id -u; readlink /proc/self/ns/user; cat /proc/self/uid_map'
    assert_ok
    assert_eq "$(sed -n 1p <<<"$output")" 0 "uid 0 inside"
    assert_eq "$(sed -n 2p <<<"$output")" "$(ns_id "$INIT_PID" user)" "in the container's user namespace"
    assert_match "$(sed -n 3p <<<"$output")" '^ +0 +100000 +65536$'
    # Host view: the process runs as the mapped uid.
    run B exec "$ID" sh -c 'sleep 0.1; echo done'
    assert_ok
}

test_exec_joins_the_cgroup_of_the_container() {
    start_sleeper
    run B exec "$ID" cat /proc/self/cgroup
    assert_ok
    local want
    want=$(cg_line "$INIT_PID")
    [ -n "$want" ] && [ "$want" != pids: ] || fail "no cgroup for $INIT_PID"
    assert_contains "$output" "$want" "same cgroup as the init"
}

test_exec_exit_status_is_the_processes() {
    start_sleeper
    run B exec "$ID" sh -c 'exit 42'
    assert_status 42
    run B exec "$ID" true
    assert_ok
    run B exec "$ID" sh -c 'kill -TERM $$'
    assert_status 143
}

test_exec_missing_program_fails_like_runc() {
    start_sleeper
    run B exec "$ID" no-such-program
    assert_ne "$status" 0
    assert_contains "$stderr" "executable file not found"
    # podman maps these texts to 126/127 from the log file.
    echo 'echo hi' >"$BUNDLE/rootfs/noexec"
    chmod 644 "$BUNDLE/rootfs/noexec"
    run B exec "$ID" /noexec
    assert_ne "$status" 0
    assert_contains "$stderr" "ermission denied"
}

test_exec_errors_exit_255_and_go_to_the_json_log() {
    skip_if_runc "runc's messages differ"
    start_sleeper
    run B --log "$TDIR/log.json" --log-format json exec "$ID" no-such-program
    assert_status 255
    run jq -r .msg "$TDIR/log.json"
    assert_ok
    assert_contains "$output" 'executable file not found in $PATH'
}

test_exec_process_settings_from_the_config() {
    cfg '.process.env += ["FROM_CONFIG=yes"] | .process.cwd = "/tmp"'
    start_sleeper
    run B exec "$ID" sh -c 'echo $FROM_CONFIG; pwd; grep -E "^(CapEff|CapBnd|NoNewPrivs):" /proc/self/status'
    assert_ok
    assert_contains "$output" yes
    assert_contains "$output" /tmp
    # The config's three capabilities (AUDIT_WRITE, KILL, NET_BIND_SERVICE).
    assert_contains "$output" "CapEff:	0000000020000420"
    assert_contains "$output" "CapBnd:	0000000020000420"
    assert_contains "$output" "NoNewPrivs:	1"
}

test_exec_cli_overrides() {
    start_sleeper
    run B exec --user 65534:65534 --additional-gids 100 --cwd /tmp --env FOO=bar --env PATH=/bin \
        "$ID" sh -c 'id -u; id -g; id -G; pwd; echo $FOO; echo $PATH'
    assert_ok
    assert_eq "$output" "65534
65534
65534 100
/tmp
bar
/bin"
}

# exec -p with a process.json that has no "user": uid 0, not the
# container's user (runc).
test_exec_process_json_without_user_is_root() {
    cfg '.process.user = {uid: 65534, gid: 65534}'
    start_sleeper
    jq -n '{args: ["sh", "-c", "id -u; id -g"], cwd: "/", env: ["PATH=/bin:/usr/bin"]}' >"$TDIR/p.json"
    run B exec -p "$TDIR/p.json" "$ID"
    assert_ok
    assert_eq "$output" $'0\n0'
}

# HOME comes from the container's /etc/passwd for an exec'd process too
# when its environment has none (runc sets it in every process it starts).
test_exec_home_from_etc_passwd() {
    cfg '.process.env = ["PATH=/bin:/usr/bin"]'
    start_sleeper
    run B exec "$ID" sh -c 'echo "$HOME"'
    assert_ok
    assert_eq "$output" /root
    run B exec --user 65534:65534 "$ID" sh -c 'echo "$HOME"'
    assert_ok
    assert_eq "$output" /nonexistent
    run B exec --env HOME=/given "$ID" sh -c 'echo "$HOME"'
    assert_ok
    assert_eq "$output" /given
}

# The stdio pipes an exec'd process inherits are chowned to its user, as
# for the init (runc's fixStdioPermissions): it can reopen /dev/stdout.
test_exec_stdio_pipes_chowned_to_the_user() {
    local out
    start_sleeper
    out=$(B exec --user 65534:65534 "$ID" sh -c 'echo via-dev-stdout >/dev/stdout' </dev/null 2>"$TDIR/err" | cat)
    assert_eq "$out" via-dev-stdout "$(cat "$TDIR/err")"
}

# exec --cwd of a missing directory fails; nothing is created (runc).
test_exec_cwd_missing_fails() {
    start_sleeper
    run B exec --cwd /no/such/dir "$ID" pwd
    assert_ne "$status" 0 "exec into a missing cwd"
    assert_not_contains "$output" /no/such/dir
    run B exec "$ID" sh -c 'test -e /no/such/dir && echo made || echo absent'
    assert_ok
    assert_eq "$output" absent
}

# An unknown --cap is a warning, as with runc; the process runs.
test_exec_unknown_cap_is_a_warning() {
    start_sleeper
    run B exec --cap CAP_NO_SUCH_THING "$ID" echo ran
    assert_ok
    assert_eq "$output" ran
    assert_contains "$stderr" CAP_NO_SUCH_THING
    # ... and in a process.json (exec -p)
    jq -n '{args: ["echo", "ran-p"], cwd: "/", env: ["PATH=/bin"], user: {uid: 0, gid: 0},
            capabilities: {bounding: ["CAP_CHOWN", "CAP_NO_SUCH_THING"], effective: ["CAP_NO_SUCH_THING"],
                           permitted: ["CAP_CHOWN"]}}' >"$TDIR/p.json"
    run B exec -p "$TDIR/p.json" "$ID"
    assert_ok
    assert_eq "$output" ran-p
    assert_contains "$stderr" CAP_NO_SUCH_THING
}

test_exec_cap_adds_a_capability() {
    start_sleeper
    run B exec --cap CAP_CHOWN "$ID" sh -c 'grep -E "^CapEff:" /proc/self/status; touch /dev/shm/f; chown 65534 /dev/shm/f && echo chowned'
    assert_ok
    assert_contains "$output" "CapEff:	0000000020000421"
    assert_contains "$output" chowned
    run B exec "$ID" sh -c 'touch /dev/shm/g; chown 65534 /dev/shm/g && echo chowned'
    assert_not_contains "$output" chowned "without --cap, CAP_CHOWN is not there"
}

test_exec_no_new_privs_flag() {
    cfg '.process.noNewPrivileges = false'
    start_sleeper
    run B exec "$ID" grep NoNewPrivs /proc/self/status
    assert_ok
    assert_contains "$output" "NoNewPrivs:	0"
    run B exec --no-new-privs "$ID" grep NoNewPrivs /proc/self/status
    assert_ok
    assert_contains "$output" "NoNewPrivs:	1"
}

test_exec_process_json() {
    start_sleeper
    cat >"$TDIR/process.json" <<'EOF'
{
  "terminal": false,
  "user": { "uid": 1, "gid": 1 },
  "args": [ "sh", "-c", "id -u; echo $X; pwd; grep CapBnd /proc/self/status" ],
  "env": [ "PATH=/bin:/usr/bin", "X=from-process-json" ],
  "cwd": "/root",
  "capabilities": { "bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"] },
  "noNewPrivileges": true
}
EOF
    run B exec --process "$TDIR/process.json" "$ID"
    assert_ok
    assert_eq "$output" "1
from-process-json
/root
CapBnd:	0000000000000020"
}

test_exec_process_json_errors_name_the_field() {
    start_sleeper
    echo '{"user": {"uid": 0, "gid": 0}, "args": "sh", "cwd": "/"}' >"$TDIR/process.json"
    run B exec --process "$TDIR/process.json" "$ID"
    assert_ne "$status" 0
    assert_contains "$stderr" "args"
}

test_exec_gets_the_seccomp_filter() {
    cfg '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
         syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1}]}'
    cfg '.root.readonly = false'
    start_sleeper
    run B exec "$ID" sh -c 'grep ^Seccomp: /proc/self/status; mkdir /tmp/d && echo made'
    assert_contains "$output" "Seccomp:	2"
    assert_not_contains "$output" made "mkdir is refused by the container's filter"
    assert_contains "$stderr" "ermitted"
}

test_exec_detach_writes_pid_file_and_leaves_process_running() {
    start_sleeper
    run B exec --detach --pid-file "$TDIR/exec.pid" "$ID" sleep 100
    assert_ok
    local pid
    pid=$(cat "$TDIR/exec.pid")
    assert_match "$pid" '^[0-9]+$'
    pid_alive "$pid" || fail "detached exec'd process $pid is not running"
    assert_eq "$(ns_id "$pid" pid)" "$(ns_id "$INIT_PID" pid)"
    # Its parent is not a brig process (brig exited).
    local ppid
    ppid=$(awk '{print $4}' "/proc/$pid/stat")
    [ "$(cat "/proc/$ppid/comm" 2>/dev/null)" != "$(basename "$BRIG")" ] ||
        fail "a runtime process stayed between the caller and the exec'd process"
    # It shows in ps and dies with the container.
    run B kill "$ID" KILL
    assert_ok
    wait_status "$ID" stopped
    for _ in $(seq 50); do pid_alive "$pid" || break; sleep 0.1; done
    pid_alive "$pid" && fail "exec'd process survived the container's init"
    return 0
}

test_exec_pid_file_relative_and_atomic() {
    start_sleeper
    cd "$TDIR"
    run B exec -d --pid-file rel.pid "$ID" sleep 10
    assert_ok
    assert_exists "$TDIR/rel.pid"
    assert_not_exists "$TDIR/rel.pid.brig-tmp"
    assert_match "$(cat "$TDIR/rel.pid")" '^[0-9]+$'
}

test_exec_into_stopped_container_fails() {
    local id
    id=$(new_id)
    set_args true
    create_ctr "$id"
    run B start "$id"
    assert_ok
    wait_status "$id" stopped
    run B exec "$id" true
    assert_ne "$status" 0
    assert_contains "$stderr" "stopped"
}

test_exec_into_missing_container_fails() {
    run B exec no-such-container true
    assert_ne "$status" 0
    assert_contains "$stderr" "does not exist"
}

test_exec_into_paused_container_needs_ignore_paused() {
    start_sleeper
    run B pause "$ID"
    assert_ok
    run B exec "$ID" true
    assert_ne "$status" 0
    assert_contains "$stderr" "paused"
    # With --ignore-paused the process starts frozen and runs on resume.
    B exec --ignore-paused --detach --pid-file "$TDIR/p.pid" "$ID" sh -c 'echo ran >/dev/shm/ran' &
    local bg=$!
    sleep 0.5
    run B resume "$ID"
    assert_ok
    wait "$bg" || fail "exec --ignore-paused failed"
    wait_for B exec "$ID" cat /dev/shm/ran
}

test_exec_preserve_fds() {
    start_sleeper
    echo outside >"$TDIR/f4"
    # fd 3 and 4 given; only 3 is preserved.
    run bash -c "exec 3<'$TDIR/f4' 4<'$TDIR/f4'; \"\$BRIG\" --root '$ROOT' exec --preserve-fds 1 '$ID' sh -c 'cat <&3; test -e /proc/self/fd/4 && echo fd4-leaked; true'"
    assert_ok
    assert_eq "$output" outside "fd 3 passed, fd 4 not"
}

test_exec_no_host_fd_or_cwd_leaks() {
    start_sleeper
    # brig's caller has extra fds open and a cwd outside the rootfs.
    run bash -c "cd /tmp; exec 3</etc/hostname 5</etc/hostname 6>'$TDIR/x'; \"\$BRIG\" --root '$ROOT' exec '$ID' sh -c 'for f in 3 4 5 6 7 8 9; do test -e /proc/self/fd/\$f && echo leaked \$f; done; readlink /proc/self/cwd'"
    assert_ok
    assert_eq "$output" / "no fd beyond stdio, and the container's cwd"
}

test_exec_listen_fds_are_passed() {
    skip_if_runc "runc exec ignores LISTEN_FDS (run passes them)"
    start_sleeper
    # LISTEN_PID must be brig's own pid: exec replaces bash with brig.
    run bash -c "exec 3</etc/hostname 4</etc/hostname 5</etc/hostname; export LISTEN_FDS=2; export LISTEN_PID=\$\$; exec \"\$BRIG\" --root '$ROOT' exec '$ID' sh -c 'echo \$LISTEN_FDS; for f in 3 4 5; do test -e /proc/self/fd/\$f && echo has \$f; done; true'"
    assert_ok
    assert_eq "$output" "2
has 3
has 4" "the two LISTEN_FDS fds (3, 4) are passed, 5 is not"
}

test_run_listen_fds_are_passed() {
    sh_args 'echo $LISTEN_FDS $LISTEN_PID; for f in 3 4 5 6; do test -e /proc/self/fd/$f && echo has $f; done; true'
    # Two activation fds (3, 4) and one --preserve-fds (5); 6 stays out.
    run bash -c "exec 3</etc/hostname 4</etc/hostname 5</etc/hostname 6</etc/hostname; export LISTEN_FDS=2; export LISTEN_PID=\$\$; exec \"\$BRIG\" --root '$ROOT' run --preserve-fds 1 --bundle '$BUNDLE' '$(new_id)'"
    assert_ok
    assert_eq "$output" "2 1
has 3
has 4
has 5"
    # LISTEN_PID naming another process: nothing is passed.
    run bash -c "exec 3</etc/hostname 4</etc/hostname; export LISTEN_FDS=2; export LISTEN_PID=1; exec \"\$BRIG\" --root '$ROOT' run --bundle '$BUNDLE' '$(new_id)'"
    assert_ok
    assert_eq "$output" ""
}

test_exec_signals_are_forwarded() {
    start_sleeper
    "$BRIG" --root "$ROOT" exec "$ID" sh -c 'trap "echo got-term; exit 7" TERM; echo ready >/dev/shm/ready; while :; do sleep 0.1; done' \
        >"$TDIR/out" 2>&1 &
    local bg=$! st=0
    wait_for B exec "$ID" test -e /dev/shm/ready
    kill -TERM "$bg"
    wait "$bg" || st=$?
    assert_eq "$st" 7 "brig exec exits with the process's status"
    assert_contains "$(cat "$TDIR/out")" got-term
}

test_exec_cgroup_subgroup() {
    start_sleeper
    local ctrls path dir
    # Every hierarchy the container has a cgroup in, from the init's view.
    while IFS=: read -r _ ctrls path; do
        case $ctrls in
            "") dir=/sys/fs/cgroup/unified; cg_is_v2 && dir=/sys/fs/cgroup ;;
            name=*) dir=/sys/fs/cgroup/${ctrls#name=} ;;
            *) dir=/sys/fs/cgroup/$ctrls ;;
        esac
        [ -d "$dir$path" ] || continue
        mkdir "$dir$path/sub"
        defer "rmdir '$dir$path/sub'"
        if [ -e "$dir$path/sub/cpuset.cpus" ] && ! cg_is_v2; then
            cat "$dir$path/cpuset.cpus" >"$dir$path/sub/cpuset.cpus"
            cat "$dir$path/cpuset.mems" >"$dir$path/sub/cpuset.mems"
        fi
    done <"/proc/$INIT_PID/cgroup"
    local d
    d=$(cg_path_of "$INIT_PID" pids)
    [ -n "$d" ] || fail "no cgroup for $INIT_PID"
    run B exec --cgroup sub "$ID" cat /proc/self/cgroup
    assert_ok
    if cg_is_v2; then
        assert_contains "$output" "0::$d/sub"
    else
        assert_contains "$output" "pids:$d/sub"
    fi
    run B exec --cgroup ../../escape "$ID" true
    assert_ne "$status" 0
}

test_exec_cgroup_per_controller() {
    # v1: --cgroup CTRL,...:SUB moves the process to SUB in those
    # controllers' hierarchies only; the option may be repeated.
    require_cgroup v1 # v2 has one hierarchy: test_exec_cgroup_subgroup
    start_sleeper
    local pids mem cpu
    pids=$(cg_path_of "$INIT_PID" pids)
    mem=$(cg_path_of "$INIT_PID" memory)
    cpu=$(cg_path_of "$INIT_PID" cpu)
    [ -n "$pids" ] && [ -n "$mem" ] && [ -n "$cpu" ] || skip "no v1 pids, memory and cpu hierarchies"
    mkdir "/sys/fs/cgroup/pids$pids/a" "/sys/fs/cgroup/memory$mem/b"
    defer "rmdir '/sys/fs/cgroup/pids$pids/a' '/sys/fs/cgroup/memory$mem/b'"
    run B exec --cgroup pids:a --cgroup memory:b "$ID" cat /proc/self/cgroup
    assert_ok
    assert_contains "$output" "pids:$pids/a"
    assert_contains "$output" "memory:$mem/b"
    printf '%s\n' "$output" | grep -qx "[0-9]*:cpu[^:]*:$cpu" || fail "other controllers stay in the container's cgroup"
    # a sub-cgroup that does not exist, an unknown controller: errors
    run B exec --cgroup pids:nosuch "$ID" true
    assert_ne "$status" 0
    assert_contains "$stderr" "nosuch"
    run B exec --cgroup bogus:a "$ID" true
    assert_ne "$status" 0
    assert_contains "$stderr" 'unknown controller "bogus"'
}

test_exec_user_without_gid_is_group_zero() {
    start_sleeper
    run B exec -u 1000 "$ID" sh -c 'id -u; id -g'
    assert_ok
    assert_eq "$output" "1000
0"
}

test_exec_terminal_only_with_tty_flag() {
    # The config's process has a terminal (given to create through a console
    # socket); a plain exec does not get one.
    cfg '.process.terminal = true'
    ID=$(new_id)
    set_args sleep 300
    python3 "$TESTS_DIR/integration/terminal-helper.py" recv "$TDIR/c.sock" "$TDIR/c.out" &
    wait_for test -S "$TDIR/c.sock"
    run B run --detach --console-socket "$TDIR/c.sock" --bundle "$BUNDLE" "$ID"
    assert_ok
    run B exec "$ID" sh -c 'tty || true'
    assert_ok
    assert_eq "$output" "not a tty"
}
