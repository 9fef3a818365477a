# shellcheck shell=bash
# brig seccomp-agent: listener fds from the runtime under test (brig, or
# runc with BRIG=runc) through linux.seccomp.listenerPath; trapped calls are
# answered by the rules and logged as JSON lines; the agent dying never
# hangs a container (the kernel fails trapped calls with ENOSYS).
# The agent is always brig's own ($BRIG_BUILDDIR/brig).

AGENT_BIN=$BRIG_BUILDDIR/brig

# shellcheck source=tests/lib/probes.sh
. "$TESTS_LIB/probes.sh"
_probe_bin() { seccomp_probe_bin; }

# start_agent [RULES]: the agent on $SOCK, events in $EVENTS.
start_agent() {
    SOCK=$TDIR/agent.sock EVENTS=$TDIR/events.jsonl
    if [ $# -gt 0 ]; then
        "$AGENT_BIN" seccomp-agent --socket "$SOCK" --events "$EVENTS" --rules "$1" 2>"$TDIR/agent.err" &
    else
        "$AGENT_BIN" seccomp-agent --socket "$SOCK" --events "$EVENTS" 2>"$TDIR/agent.err" &
    fi
    AGENT_PID=$!
    defer "kill $AGENT_PID 2>/dev/null; wait $AGENT_PID 2>/dev/null"
    wait_for test -S "$SOCK"
}

# monitored: the bundle's seccomp becomes what `brig spec --monitor` writes.
monitored() {
    local d=$TDIR/spec
    mkdir -p "$d"
    "$AGENT_BIN" spec --monitor "$SOCK" --bundle "$d" || fail "spec --monitor failed"
    cfg --slurpfile s "$d/config.json" '.linux.seccomp = $s[0].linux.seccomp | .process.noNewPrivileges = true'
}

setup() {
    [ -x "$AGENT_BIN" ] || skip "brig is not built"
    cp "$(_probe_bin)" "$BUNDLE/rootfs/probe" || fail "cannot build the seccomp probe"
}

# run_ctr ID: run the bundle detached (runc 1.1.5's foreground run never
# returns after a notify container exits), wait for it to stop, leave its
# output in $output.
run_ctr() {
    B run --detach --bundle "$BUNDLE" "$1" >"$TDIR/out.$1" 2>&1 </dev/null ||
        fail "run --detach $1 failed: $(cat "$TDIR/out.$1")"
    wait_status "$1" stopped 20
    output=$(cat "$TDIR/out.$1")
    echo "+ output of $1:" >&2
    sed 's/^/  | /' "$TDIR/out.$1" >&2
}

# events_for ID: the agent's events of container ID, one compact line each.
events_for() {
    jq -c --arg id "$1" 'select(.id == $id)' "$EVENTS"
}

test_trapped_calls_are_denied_and_logged() {
    local id
    start_agent
    monitored
    id=$(new_id)
    sh_args '/probe sys unshare 0x40000000; /probe sys getpid'
    run_ctr "$id"
    # The agent's answer: EPERM (the built-in rules); other calls run.
    assert_eq "$(sed -n 1p <<<"$output")" "errno=1" "unshare answered by the agent"
    assert_match "$(sed -n 2p <<<"$output")" '^ret=[0-9]+$'
    local ev
    ev=$(events_for "$id" | jq -c 'select(.syscall == "unshare")')
    [ -n "$ev" ] || fail "no event for unshare: $(cat "$EVENTS")"
    assert_eq "$(jq -r .verdict <<<"$ev")" errno
    assert_eq "$(jq -r .errno <<<"$ev")" EPERM
    assert_eq "$(jq -r .alert <<<"$ev")" true
    assert_eq "$(jq -r '.args[0]' <<<"$ev")" 0x40000000
    assert_match "$(jq -r .pid <<<"$ev")" '^[1-9][0-9]*$'
    assert_match "$(jq -r .time <<<"$ev")" '^20[0-9][0-9]-'
}

test_connect_outside_the_allow_list_is_refused() {
    local id
    start_agent
    monitored
    id=$(new_id)
    # 192.0.2.1 is TEST-NET-1: nothing is ever sent there (the agent refuses
    # before the kernel sees the call); 127.0.0.1 is allowed silently.
    sh_args 'nc -w 1 192.0.2.1 80 </dev/null; echo "a=$?"; nc -w 1 127.0.0.1 9 </dev/null; echo "b=$?"'
    run_ctr "$id"
    local ev
    ev=$(events_for "$id" | jq -c 'select(.syscall == "connect")')
    assert_eq "$(jq -sc 'map(select(.alert)) | length' <<<"$ev")" 1 "one alert: $ev"
    assert_eq "$(jq -sr 'map(select(.alert))[0].detail' <<<"$ev")" "192.0.2.1:80"
    assert_eq "$(jq -sr 'map(select(.alert))[0].errno' <<<"$ev")" ECONNREFUSED
    assert_eq "$(jq -sr 'map(select(.alert | not))[0].detail' <<<"$ev")" "127.0.0.1:9"
    assert_eq "$(jq -sr 'map(select(.alert | not))[0].verdict' <<<"$ev")" continue
}

test_rules_file_chooses_the_errno_and_continue() {
    local id rules=$TDIR/rules.json
    cat >"$rules" <<'EOF'
{"defaultAction": "errno", "defaultErrnoRet": "EACCES",
 "rules": [{"names": ["getppid"], "action": "continue"},
           {"names": ["unshare"], "action": "errno", "errnoRet": 42}]}
EOF
    start_agent "$rules"
    cfg --arg s "$SOCK" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $s,
        syscalls: [{names: ["getppid", "unshare", "getcpu"], action: "SCMP_ACT_NOTIFY"}]} |
        .process.noNewPrivileges = true'
    id=$(new_id)
    sh_args '/probe sys unshare 0x40000000; /probe sys getppid; /probe sys getcpu'
    run_ctr "$id"
    assert_eq "$(sed -n 1p <<<"$output")" "errno=42"
    assert_match "$(sed -n 2p <<<"$output")" '^ret=[0-9]+$'
    assert_eq "$(sed -n 3p <<<"$output")" "errno=13" "the default errno (EACCES)"
    assert_eq "$(events_for "$id" | jq -r .syscall | sort -u | tr '\n' ' ')" "getcpu getppid unshare "
}

test_bad_rules_name_the_json_path() {
    local rules=$TDIR/rules.json
    echo '{"rules": [{"names": ["x"], "action": "allow"}]}' >"$rules"
    run "$AGENT_BIN" seccomp-agent --socket "$TDIR/s" --rules "$rules"
    assert_failed
    assert_contains "$stderr" "rules[0].action"
    echo '{"rules": [{"names": ["connect"], "allowDestinations": ["10.0.0.0/33"]}]}' >"$rules"
    run "$AGENT_BIN" seccomp-agent --socket "$TDIR/s" --rules "$rules"
    assert_failed
    assert_contains "$stderr" "rules[0].allowDestinations[0]"
    [ ! -e "$TDIR/s" ] || fail "a socket was made for bad rules"
}

test_agent_dying_never_hangs_the_container() {
    local id
    start_agent
    monitored
    mkdir -p "$TDIR/sync"
    add_mount /sync bind "$TDIR/sync" rbind rw
    id=$(new_id)
    # The container waits for the agent to be gone, then makes a trapped call:
    # the kernel answers ENOSYS (38) for a listener nobody holds.
    sh_args 'while [ ! -e /sync/go ]; do sleep 0.05; done; /probe sys unshare 0x40000000; echo end'
    B run --detach --bundle "$BUNDLE" "$id" >"$TDIR/out" 2>&1 </dev/null || fail "run --detach failed: $(cat "$TDIR/out")"
    # The fd went to the agent during create; nobody else may hold it.
    kill -9 "$AGENT_PID"
    wait "$AGENT_PID" 2>/dev/null || true
    touch "$TDIR/sync/go"
    wait_status "$id" stopped 20
    assert_contains "$(cat "$TDIR/out")" "errno=38"
    assert_contains "$(cat "$TDIR/out")" "end"
}

test_many_containers_on_one_agent() {
    local i ids=() id
    start_agent
    monitored
    sh_args '/probe sys unshare 0x40000000; /probe sys setns 0'
    for i in 1 2 3 4 5 6; do
        id=$(new_id)
        ids+=("$id")
        B run --detach --bundle "$BUNDLE" "$id" >"$TDIR/out.$id" 2>&1 </dev/null || fail "run $i failed"
    done
    for id in "${ids[@]}"; do
        wait_status "$id" stopped 20
        assert_eq "$(head -n 1 "$TDIR/out.$id")" "errno=1" "container $id"
    done
    for id in "${ids[@]}"; do
        assert_eq "$(events_for "$id" | jq -r .syscall | sort | tr '\n' ' ')" "setns unshare " "events of $id"
    done
}
