# shellcheck shell=bash
# linux.seccomp inside real containers, checked by a static probe
# (tests/integration/seccomp-probe.c) copied into the rootfs as /probe:
# blocked calls get the configured errno or kill, allowed calls work, argument
# filters match exactly, exec'd processes are filtered, the notify listener
# gets the fd.  The RuntimeDefault profile is brig's profiles/runtime-default.json.

PROFILE=$SRC_DIR/profiles/runtime-default.json

# The probe binary: `make check` builds it; otherwise it is built once into
# the test cache.
# shellcheck source=tests/lib/probes.sh
. "$TESTS_LIB/probes.sh"
_probe_bin() { seccomp_probe_bin; }

setup() {
    local p
    p=$(_probe_bin) || fail "cannot build the seccomp probe"
    cp "$p" "$BUNDLE/rootfs/probe"
}

# seccomp JSON: set linux.seccomp.
seccomp() {
    cfg --argjson s "$1" '.linux.seccomp = $s'
}

use_default_profile() {
    cfg --slurpfile p "$PROFILE" '.linux.seccomp = $p[0]'
}

# in_ctr SCRIPT: run SCRIPT (sh -c) in a new container; stdout in $output.
in_ctr() {
    inside "$1"
}

test_blocked_call_gets_errno_and_allowed_call_works() {
    seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42},
        {"names": ["uname"], "action": "SCMP_ACT_ERRNO"}]}'
    in_ctr '/probe sys getppid; /probe sys uname; /probe sys getpid'
    assert_eq "$(sed -n 1p <<<"$output")" "errno=42"
    assert_eq "$(sed -n 2p <<<"$output")" "errno=1" "ERRNO without errnoRet is EPERM"
    assert_match "$(sed -n 3p <<<"$output")" '^ret=[0-9]+$'
}

test_kill_and_trap_actions_kill_with_sigsys() {
    local a
    for a in SCMP_ACT_KILL SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL_THREAD SCMP_ACT_TRAP; do
        # getcpu: a call the shell itself never makes
        seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["getcpu"], "action": "'$a'"}]}'
        in_ctr '/probe sys getcpu; echo "status=$?"; /probe sys getpid >/dev/null && echo alive'
        assert_contains "$output" "status=159" "$a: 128 + SIGSYS"
        assert_contains "$output" "alive" "$a: only the offending process dies"
    done
}

test_default_action_and_errno() {
    # Deny by default with an errno; the shell and the probe need the rest.
    seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["getppid"], "action": "SCMP_ACT_LOG"},
        {"names": ["uname"], "action": "SCMP_ACT_TRACE", "errnoRet": 77}]}'
    in_ctr '/probe sys getppid; /probe sys uname'
    assert_match "$(sed -n 1p <<<"$output")" '^ret=[0-9]+$' "LOG lets the call through"
    assert_eq "$(sed -n 2p <<<"$output")" "errno=38" "TRACE without a tracer is ENOSYS"
}

test_runtime_default_blocks_and_allows() {
    use_default_profile
    in_ctr 'echo hi >/dev/shm/f && cat /dev/shm/f && ls / >/dev/null && echo fs-ok
        /probe sys getpid; /probe sys unshare 0x20000; /probe sys mount; /probe sys keyctl
        /probe sys chroot 0; /probe sys 1000; /probe sys clone3'
    assert_eq "$(sed -n 1,2p <<<"$output" | tr '\n' ' ')" "hi fs-ok "
    assert_match "$(sed -n 3p <<<"$output")" '^ret=[0-9]+$' "getpid allowed"
    assert_eq "$(sed -n 4,7p <<<"$output" | tr '\n' ' ')" "errno=1 errno=1 errno=1 errno=1 " \
        "unshare, mount, keyctl, chroot refused with EPERM"
    assert_eq "$(sed -n 8p <<<"$output")" "errno=38" "a syscall newer than the profile is ENOSYS"
    assert_eq "$(sed -n 9p <<<"$output")" "errno=38" "clone3 is ENOSYS (libc falls back to clone)"
}

test_argument_filters_match_exactly() {
    use_default_profile
    # personality: only 0, 8, 0x20000, 0x20008 and 0xffffffff (query).
    # clone: only without namespace flags.  socket: not AF_VSOCK (40).
    in_ctr 'for v in 0 8 0x20000 0x20008 0xffffffff 0x40000 0x0400000 9; do
            echo "personality $v $(/probe sys personality $v)"; done
        for f in 0 0x20000 0x10000000 0x40000000 0x04000000 0x08000000; do
            echo "clone $f $(/probe clone $f)"; done
        echo "socket unix $(/probe sys socket 1 1)"; echo "socket vsock $(/probe sys socket 40 1)"'
    local l
    for l in "personality 0 ret=" "personality 8 ret=" "personality 0x20000 ret=" \
        "personality 0x20008 ret=" "personality 0xffffffff ret=" \
        "personality 0x40000 errno=1" "personality 0x0400000 errno=1" "personality 9 errno=1" \
        "clone 0 ret=ok" "clone 0x20000 errno=1" "clone 0x10000000 errno=1" \
        "clone 0x40000000 errno=1" "clone 0x04000000 errno=1" "clone 0x08000000 errno=1" \
        "socket unix ret=" "socket vsock errno=1"; do
        grep -q "^$l" <<<"$output" || fail "expected a line starting with \"$l\" in: $output"
    done
}

test_masked_eq_and_comparison_operators() {
    seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 11,
         "args": [{"index": 0, "value": 240, "valueTwo": 32, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 12,
         "args": [{"index": 0, "value": 4096, "op": "SCMP_CMP_GE"},
                  {"index": 1, "value": 7, "op": "SCMP_CMP_NE"}]},
        {"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
         "args": [{"index": 0, "value": 5, "op": "SCMP_CMP_LT"}]},
        {"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 14,
         "args": [{"index": 0, "value": 100, "op": "SCMP_CMP_GT"}]}]}'
    in_ctr 'for a in "0x20" "0x2f" "0x30" "4096 0" "4096 7" "4095 0"; do
            echo "getppid $a $(/probe sys getppid $a)"; done
        for a in 4 5 100 101; do echo "getpid $a $(/probe sys getpid $a)"; done'
    local l
    for l in "getppid 0x20 errno=11" "getppid 0x2f errno=11" "getppid 0x30 ret=" \
        "getppid 4096 0 errno=12" "getppid 4096 7 ret=" "getppid 4095 0 ret=" \
        "getpid 4 errno=13" "getpid 5 ret=" "getpid 100 ret=" "getpid 101 errno=14"; do
        grep -q "^$l" <<<"$output" || fail "expected a line starting with \"$l\" in: $output"
    done
}

test_exec_children_are_filtered() {
    seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}'
    in_ctr 'sh -c "sh -c \"/probe sys getppid; /probe status\""'
    assert_contains "$output" "errno=42"
    assert_match "$output" 'Seccomp:[[:space:]]+2'
    assert_match "$output" 'Seccomp_filters:[[:space:]]+1'
}

test_filter_without_no_new_privileges() {
    # Without no_new_privs the filter must go in while the process still has
    # CAP_SYS_ADMIN; the container then runs with its own capabilities.
    # (getcpu: the runtime's own init may use getppid after installing.)
    cfg '.process.noNewPrivileges = false'
    seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["getcpu"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}'
    in_ctr '/probe sys getcpu; /probe status'
    assert_contains "$output" "errno=42"
    assert_match "$output" 'NoNewPrivs:[[:space:]]+0'
    assert_match "$output" 'Seccomp:[[:space:]]+2'
}

test_unknown_syscall_names_are_skipped() {
    seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["brig_no_such_syscall", "getppid", "another_made_up_call"],
         "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}'
    in_ctr '/probe sys getppid'
    assert_eq "$output" "errno=42"
    if ! is_runc; then
        run B --debug run --bundle "$BUNDLE" "$(new_id)"
        assert_ok
        assert_contains "$stderr" '\"brig_no_such_syscall\" unknown to libseccomp'  # logrus text form quotes msg
    fi
}

test_flags_are_accepted() {
    skip_if_runc "runc 1.1 supports no seccomp flags"
    seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
        "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"],
        "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}'
    in_ctr '/probe sys getppid'
    assert_eq "$output" "errno=42"
}

test_malformed_profile_is_an_error_naming_the_path() {
    seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_BOGUS"]}'
    set_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    is_runc || assert_contains "$stderr" "linux.seccomp.flags[0]"

    # The spec: an errnoRet with an action that has no errno MUST fail
    # (runc 1.1 ignores it).
    if ! is_runc; then
        seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["getppid"], "action": "SCMP_ACT_ALLOW", "errnoRet": 5}]}'
        run B run --bundle "$BUNDLE" "$(new_id)"
        assert_failed
        assert_contains "$stderr" "linux.seccomp.syscalls[0].errnoRet"
    fi

    seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]}'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    is_runc || assert_contains "$stderr" "linux.seccomp.architectures[0]"
}

test_notify_listener_receives_the_fd() {
    # runc 1.1.5 hands the fd over (the agent gets it and answers) but then
    # never exits here.
    skip_if_runc "runc 1.1.5 hangs after a notify container exits"
    local sock=$TDIR/agent.sock out=$TDIR/agent.json id apid
    "$(_probe_bin)" agent "$sock" "$out" &
    apid=$!
    defer "kill $apid 2>/dev/null"
    wait_for test -S "$sock"
    id=$(new_id)
    cfg --arg s "$sock" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
        listenerPath: $s, listenerMetadata: "brig-test-metadata",
        syscalls: [{names: ["getppid"], action: "SCMP_ACT_NOTIFY"}]}'
    sh_args '/probe sys getppid; /probe sys getpid'
    run timeout 20 "$BRIG" --root "$ROOT" run --bundle "$BUNDLE" "$id"
    assert_ok
    assert_eq "$(sed -n 1p <<<"$output")" "ret=4242" "the agent answered the notified call"
    assert_match "$(sed -n 2p <<<"$output")" '^ret=[0-9]+$'
    wait "$apid" || fail "the agent failed"
    [ -s "$out" ] || fail "the agent received no state"
    jq -e . "$out" >/dev/null || fail "not JSON: $(cat "$out")"
    assert_eq "$(jq -c .fds "$out")" '["seccompFd"]'
    assert_eq "$(jq -r .metadata "$out")" "brig-test-metadata"
    assert_eq "$(jq -r .state.id "$out")" "$id"
    assert_eq "$(jq -r .state.status "$out")" "creating"
    assert_match "$(jq -r .ociVersion "$out")" '^1\.[0-9]+\.[0-9]+'
    assert_match "$(jq -r .pid "$out")" '^[1-9][0-9]*$'
    assert_eq "$(jq -r .pid "$out")" "$(jq -r .state.pid "$out")"
    assert_contains "$(cat "$out.fd")" "fds=1 target=anon_inode:seccomp notify"
}

test_compiled_filter_is_cached_outside_the_root() {
    skip_if_runc "brig's own filter cache"
    local cache=$TDIR/seccomp-cache f
    use_default_profile
    # The default place, as root: never in --root (engines check it is empty).
    unset BRIG_SECCOMP_CACHE
    in_ctr '/probe sys unshare 0x20000'
    assert_eq "$output" "errno=1"
    [ -d /run/brig-cache ] || fail "no cache dir /run/brig-cache"
    assert_eq "$(stat -c '%a %u' /run/brig-cache)" "700 0"
    assert_eq "$(ls -A "$ROOT")" "" "the cache or state left in --root"
    # The rest in a cache of this test's own.
    export BRIG_SECCOMP_CACHE=$cache
    in_ctr '/probe sys unshare 0x20000'
    assert_eq "$output" "errno=1"
    [ -d "$cache" ] || fail "no cache dir $cache"
    assert_eq "$(stat -c %a "$cache")" 700
    assert_eq "$(find "$cache" -name '*.bpf' | wc -l)" 1
    f=$(find "$cache" -name '*.bpf')
    # The cached program is used, and a damaged one is ignored and replaced.
    in_ctr '/probe sys unshare 0x20000'
    assert_eq "$output" "errno=1"
    printf 'garbage' | dd of="$f" bs=1 seek=200 conv=notrunc status=none
    in_ctr '/probe sys unshare 0x20000; /probe sys getpid'
    assert_eq "$(sed -n 1p <<<"$output")" "errno=1"
    assert_match "$(sed -n 2p <<<"$output")" '^ret=[0-9]+$'
    assert_eq "$(find "$cache" -name '*.bpf' | wc -l)" 1
    run B list -q
    assert_ok
    assert_not_contains "$output" "seccomp"
}

test_exec_processes_get_the_containers_filter() {
    local id
    id=$(new_id)
    seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["getcpu"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}'
    set_args sleep 30
    run B run --detach --bundle "$BUNDLE" "$id"
    assert_ok
    run B exec "$id" /probe sys getcpu
    assert_ok
    assert_eq "$output" "errno=42"
    run B exec "$id" /probe status
    assert_match "$output" 'Seccomp_filters:[[:space:]]+1'
    run B kill "$id" KILL
    assert_ok
}

test_spec_uses_the_runtime_default_profile() {
    skip_if_runc "brig's own default profile"
    local d=$TDIR/spec
    mkdir -p "$d"
    (cd "$d" && "$BRIG" spec) || fail "brig spec failed"
    assert_eq "$(jq -S .linux.seccomp "$d/config.json")" "$(jq -S . "$PROFILE")" \
        "brig spec's seccomp is profiles/runtime-default.json"
}

# _listener_run NNP: run with a listener whose filter also notifies capset
# and execve, which the init itself calls after the filter is in (with
# noNewPrivileges false, before it drops capabilities).  The fd must reach
# the agent right after the filter is installed, or `run` never returns.
_listener_run() {
    local sock=$TDIR/agent-$1.sock out=$TDIR/agent-$1.json id apid
    "$(_probe_bin)" agent "$sock" "$out" &
    apid=$!
    defer "kill $apid 2>/dev/null"
    wait_for test -S "$sock"
    id=$(new_id)
    cfg --arg s "$sock" --argjson nnp "$1" '.process.noNewPrivileges = $nnp
        | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $s,
            syscalls: [{names: ["getppid", "capset", "execve", "setresuid"], action: "SCMP_ACT_NOTIFY"}]}'
    sh_args '/probe sys getppid'
    run timeout 20 "$BRIG" --root "$ROOT" run --bundle "$BUNDLE" "$id"
    assert_ne "$status" 124 "run with a listener (noNewPrivileges $1) hung"
    assert_ok
    assert_eq "$output" "ret=4242" "the agent answered the notified call"
    wait "$apid" || fail "the agent failed"
}

test_notify_listener_gets_the_fd_before_the_init_traps_itself_without_nnp() {
    skip_if_runc "runc 1.1.5 hangs after a notify container exits"
    _listener_run false
}

test_notify_listener_gets_the_fd_before_the_init_traps_itself_with_nnp() {
    skip_if_runc "runc 1.1.5 hangs after a notify container exits"
    _listener_run true
}

# _hook_under_filter NNP: a startContainer hook (the container's own
# binary) and what it leaves behind run under the container's filter, as
# runc loads the filter before it runs them.
_hook_under_filter() {
    cfg --argjson nnp "$1" '.process.noNewPrivileges = $nnp
        | .hooks.startContainer = [{path: "/probe", args: ["probe", "sys", "getcpu"]},
                                   {path: "/bin/sh", args: ["sh", "-c", "/probe sys getcpu >/left-behind &"]}]'
    seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["getcpu"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}'
    cfg '.root.readonly = false'
    sh_args 'while [ ! -s /left-behind ]; do sleep 0.05; done; /probe sys getcpu; cat /left-behind'
    run timeout 20 "$BRIG" --root "$ROOT" run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_eq "$output" "errno=42
errno=42
errno=42" "the hook, the program and the hook's child are all filtered"
}

test_start_container_hooks_run_under_the_filter_with_nnp() {
    _hook_under_filter true
}

test_start_container_hooks_run_under_the_filter_without_nnp() {
    _hook_under_filter false
}

test_start_container_hooks_run_under_the_filter_after_start() {
    local id
    id=$(new_id)
    cfg '.hooks.startContainer = [{path: "/probe", args: ["probe", "sys", "getcpu"]}]'
    seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["getcpu"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}'
    cfg '.root.readonly = false'
    set_args true
    B create --bundle "$BUNDLE" "$id" >"$TDIR/hook.out" 2>&1 || fail "create failed"
    run B start "$id"
    assert_ok
    wait_status "$id" stopped
    assert_eq "$(cat "$TDIR/hook.out")" "errno=42" "the hook run at start is filtered"
}
