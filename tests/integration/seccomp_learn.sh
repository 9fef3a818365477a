# shellcheck shell=bash disable=SC2154
# (output, stderr, status come from tests/lib/helpers.sh)
# brig run --seccomp-learn FILE: the workload runs under a filter that sends
# every call to a learner (a process of brig), which writes FILE when the
# container is gone; the profile then runs the same workload enforced, and
# refuses what it did not do.  Runs merge; the annotation and the policy;
# rootless; the learner dying never hangs the container.  brig only.

# shellcheck source=tests/lib/probes.sh
. "$TESTS_LIB/probes.sh"

setup() {
    skip_if_runc
    is_crun && skip "brig's own option"
    cp "$(seccomp_probe_bin)" "$BUNDLE/rootfs/probe" || fail "cannot build the seccomp probe"
    PROF=$TDIR/learned.json
}

# learn SCRIPT: brig run --seccomp-learn $PROF with SCRIPT; must succeed.
learn() {
    sh_args "$1"
    run B run --seccomp-learn "$PROF" --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_exists "$PROF"
}

# enforce SCRIPT: run SCRIPT under the learned profile; leaves $output, $status.
enforce() {
    cfg --slurpfile p "$PROF" '.linux.seccomp = $p[0]'
    sh_args "$1"
    run B run --bundle "$BUNDLE" "$(new_id)"
}

names() {
    jq -r '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW" and (.args // [] | length) == 0) | .names[]] | .[]' "$PROF"
}

SCRIPT='echo hello > /tmp/f; cat /tmp/f; ls / >/dev/null; /probe sys getppid'

test_learned_profile_runs_the_workload_and_refuses_the_rest() {
    cfg '.root.readonly = false | .mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs"}]'
    learn "$SCRIPT"
    assert_contains "$output" "hello"
    # what was written: an allow-list, stable and sorted
    assert_eq "$(jq -r .defaultAction "$PROF")" SCMP_ACT_ERRNO
    assert_eq "$(jq -r .defaultErrnoRet "$PROF")" 1
    assert_contains "$(jq -r '.architectures[]' "$PROF")" SCMP_ARCH_X86_64
    assert_eq "$(names | sort -c && echo sorted)" sorted
    local n
    for n in execve getppid openat write exit_group; do
        names | grep -qx "$n" || fail "$n is not in the learned profile: $(names | tr '\n' ' ')"
    done
    ! names | grep -qx mkdir || fail "mkdir was never called but is allowed"
    # the same workload, enforced: works
    enforce "$SCRIPT"
    assert_ok
    assert_contains "$output" "hello"
    assert_match "$output" "ret=[0-9]+"
    # a call outside it: EPERM
    enforce "$SCRIPT; mkdir /tmp/d; echo mkdir=\$?; /probe sys getcpu"
    assert_contains "$output" "mkdir=1"
    assert_contains "$stderr$output" "Operation not permitted"
    assert_contains "$output" "errno=1"
}

test_runs_add_up() {
    learn '/probe sys getppid'
    ! names | grep -qx getcpu || fail "getcpu learned before it was called"
    cp "$PROF" "$TDIR/first.json"
    learn '/probe sys getcpu'
    names | grep -qx getppid || fail "the first run's getppid was lost"
    names | grep -qx getcpu || fail "the second run's getcpu is missing"
    # nothing of the first run is gone
    local missing
    missing=$(jq -r --slurpfile b "$PROF" '.syscalls[0].names - $b[0].syscalls[0].names | .[]' "$TDIR/first.json")
    assert_eq "$missing" "" "names dropped by the merge"
    # and a third run of the same script changes nothing
    cp "$PROF" "$TDIR/second.json"
    learn '/probe sys getcpu'
    cmp -s "$PROF" "$TDIR/second.json" || fail "the same workload changed the profile: $(diff "$TDIR/second.json" "$PROF")"
}

test_clone_without_namespaces_stays_conditional() {
    learn '/probe clone 0; /probe sys getppid'
    assert_eq "$(jq -c '[.syscalls[] | select(.names == ["clone"]) | .args[0].op]' "$PROF")" '["SCMP_CMP_MASKED_EQ"]'
    ! names | grep -qx clone || fail "clone is allowed whatever its flags"
    # brig check: an allow-list without dangerous calls has no seccomp finding
    cfg --slurpfile p "$PROF" '.linux.seccomp = $p[0]'
    run B check --bundle "$BUNDLE" --format json
    assert_eq "$(jq -c '[.findings[]? | select(.check | startswith("seccomp"))]' <<<"$output")" '[]'
}

test_check_flags_a_dangerous_call_the_workload_made() {
    # the probe unshares a user namespace: that call is learned as made
    learn '/probe sys unshare 0x10000000; /probe sys getppid'
    names | grep -qx unshare || fail "unshare not learned"
    cfg --slurpfile p "$PROF" '.linux.seccomp = $p[0]'
    run B check --bundle "$BUNDLE" --format json
    local f
    f=$(jq -c '[.findings[]? | select(.check == "seccomp-allows")][0]' <<<"$output")
    [ "$f" != null ] || fail "no seccomp-allows finding: $output"
    # the rule that allows it (the learned one) and the call
    assert_eq "$(jq -r .path <<<"$f")" "linux.seccomp.syscalls[0]"
    assert_match "$(jq -r .message <<<"$f")" "lets through unshare\\(0x[0-9a-f]+\\) on x86_64"
}

test_file_that_is_not_a_profile_is_never_overwritten() {
    echo 'not json' >"$PROF"
    sh_args 'true'
    run B run --seccomp-learn "$PROF" --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    assert_contains "$stderr" "not a learned profile"
    assert_eq "$(cat "$PROF")" "not json"
    echo '{"defaultAction": "SCMP_ACT_ALLOW"}' >"$PROF"
    run B run --seccomp-learn "$PROF" --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    assert_contains "$stderr" "defaultAction"
    run B run --seccomp-learn relative.json --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    assert_contains "$stderr" "not an absolute path"
    run B run --seccomp-learn "$BUNDLE/rootfs/tmp/p.json" --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    assert_contains "$stderr" "root filesystem"
    [ ! -e "$BUNDLE/rootfs/tmp/p.json" ] || fail "written into the rootfs"
}

test_annotation_asks_for_it_and_the_policy_decides() {
    local id
    cfg --arg f "$PROF" '.annotations["org.brig.seccomp.learn"] = $f'
    sh_args '/probe sys getppid'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    names | grep -qx getppid || fail "the annotation did not learn"
    # not a .json name: refused (an annotation may not create any file)
    cfg --arg f "$TDIR/x" '.annotations["org.brig.seccomp.learn"] = $f'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    assert_contains "$stderr" ".json"
    # baseline: the config's author may not ask for it, the caller may
    cfg --arg f "$PROF" '.annotations["org.brig.seccomp.learn"] = $f'
    run B --policy baseline run --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    assert_contains "$stderr" 'annotations["org.brig.seccomp.learn"]'
    cfg 'del(.annotations)'
    run B --policy baseline run --seccomp-learn "$PROF" --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    # restricted: never
    run B --policy restricted run --seccomp-learn "$PROF" --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    assert_contains "$stderr" "policy restricted"
    id=$(new_id)
    [ "$(status_of "$id")" = unknown ] || fail "a refused run left a container"
}

test_create_and_start_learn_too() {
    local id
    id=$(new_id)
    sh_args '/probe sys getcpu'
    run B create --seccomp-learn "$PROF" --bundle "$BUNDLE" "$id"
    assert_ok
    run B start "$id"
    assert_ok
    wait_status "$id" stopped 20
    run B delete "$id"
    assert_ok
    # the learner (create's child, now detached) writes once the container is gone
    wait_for test -s "$PROF"
    names | grep -qx getcpu || fail "getcpu not learned through create/start"
}

test_learner_dying_never_hangs_the_container() {
    local id log=$TDIR/brig.log pid i
    id=$(new_id)
    # The workload loops until the learner is gone; then the kernel answers
    # ENOSYS to every call the filter sends to it: fork fails, the shell
    # says so (write still works: the filter lets it by) and exits.
    sh_args 'while :; do sleep 0.05; done'
    {
        local st=0
        B --debug --log "$log" run --seccomp-learn "$PROF" --bundle "$BUNDLE" "$id" >"$TDIR/out" 2>"$TDIR/err" </dev/null ||
            st=$?
        echo "$st" >"$TDIR/status"
    } &
    local run_pid=$!
    defer "kill $run_pid 2>/dev/null; wait $run_pid 2>/dev/null"
    wait_for grep -q 'seccomp-learn: learner [0-9]* records' "$log"
    pid=$(sed -n 's/.*seccomp-learn: learner \([0-9]*\) records.*/\1/p' "$log" | head -n 1)
    [ -n "$pid" ] || fail "no learner pid in the log: $(cat "$log")"
    kill -9 "$pid"
    for ((i = 0; i < 400; i++)); do
        kill -0 "$run_pid" 2>/dev/null || break
        sleep 0.05
    done
    ! kill -0 "$run_pid" 2>/dev/null || fail "the container still runs 20 s after its learner died"
    wait "$run_pid" || true
    assert_contains "$(cat "$TDIR/err")" "Function not implemented"
    assert_eq "$(cat "$TDIR/status")" 1 "run says the profile was not written"
    assert_contains "$(cat "$TDIR/err")" "killed by signal 9"
    [ ! -e "$PROF" ] || fail "a profile was written without a learner"
}

test_exec_processes_are_not_learned() {
    local id
    mkdir -p "$TDIR/sync"
    add_mount /sync bind "$TDIR/sync" rbind rw
    id=$(new_id)
    sh_args 'while [ ! -e /sync/go ]; do sleep 0.05; done; /probe sys getppid'
    run B run --detach --seccomp-learn "$PROF" --bundle "$BUNDLE" "$id"
    assert_ok
    # exec's process does not inherit the init's filter: under the config's
    # profile (none here), its calls are not seen
    run B exec "$id" /probe sys getcpu
    assert_ok
    assert_match "$output" "ret=0"
    touch "$TDIR/sync/go"
    wait_status "$id" stopped 20
    run B delete "$id"
    assert_ok
    wait_for test -s "$PROF"
    names | grep -qx getppid || fail "the container's own call is missing"
    ! names | grep -qx getcpu || fail "exec's getcpu was learned"
}

test_calls_are_learned_per_architecture() {
    [ "$(uname -m)" = x86_64 ] || skip "the i386 entry is an x86_64 test"
    "$(seccomp_probe_bin)" sys32 20 >/dev/null 2>&1 || skip "no i386 system call entry on this kernel (IA32 emulation off)"
    # x86_64 only: i386 is not in the profile
    # (each script forks, as the enforced ones do)
    learn '/probe sys getpid; /probe sys getpid'
    assert_eq "$(jq -c .architectures "$PROF")" '["SCMP_ARCH_X86_64"]'
    enforce '/probe sys32 20; echo after=$?'
    assert_not_contains "$output" "ret="
    assert_contains "$output" "after=159" "killed by SIGSYS: an ABI the profile does not list"
    # getpid through int $0x80 (i386 20): that ABI is learned, with sigreturn
    rm -f "$PROF"
    learn '/probe sys32 20; /probe sys32 20'
    assert_eq "$(jq -c .architectures "$PROF")" '["SCMP_ARCH_X86","SCMP_ARCH_X86_64"]'
    names | grep -qx sigreturn || fail "no sigreturn for the i386 ABI"
    enforce '/probe sys32 20; /probe sys32 318'
    assert_ok
    assert_match "$(sed -n 1p <<<"$output")" '^ret=[0-9]+$'
    # getcpu (i386 318) was never called, on any ABI
    assert_eq "$(sed -n 2p <<<"$output")" "errno=1"
}

test_without_no_new_privs_the_setup_calls_are_learned_too() {
    # Without no_new_privs the filter goes in before the user switch (only
    # CAP_SYS_ADMIN may install it): the init's own calls after that point
    # (setresuid, capset...) are in the profile, so the enforced run starts.
    cfg '.process.noNewPrivileges = false | .process.user = {uid: 1000, gid: 1000}'
    learn '/probe sys getppid; /probe sys getppid'
    names | grep -qx setresuid || fail "setresuid (the init's user switch) not learned"
    enforce '/probe sys getppid; /probe sys getppid'
    assert_ok
    assert_match "$output" "ret=[0-9]+"
}
