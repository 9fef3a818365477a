# shellcheck shell=bash
# Every failed create leaves the host as it found it (issue 16, Rollback).
# brig-faults (built by `make check` only, never installed: see
# include/brig/fault.h) fails create at a named point when BRIG_FAULT names
# it.  A first create with BRIG_FAULT_TRACE lists the points this host
# reaches (one per cgroup hierarchy, limits, devices, the state, seccomp,
# clone, hooks, the init's set-up, the pid file...); then create is made
# to fail at each, and after each: no state directory, no cgroup left in
# any hierarchy under a parent the test made (the one brig made below it
# included), no controller left enabled there, no new mount, no process
# left, no pid file.

# cg_roots, cg_unified: tests/lib/cgroup.sh.
# shellcheck source=tests/lib/cgroup.sh
. "$TESTS_LIB/cgroup.sh"

setup() {
    skip_if_runc "brig-faults is brig's own test program"
    FAULTS=${BRIG_BUILDDIR:-$(dirname "$BRIG")}/brig-faults
    [ -x "$FAULTS" ] || skip "$FAULTS not built (make check builds it)"
    P=/brig-rb-$$
    local r d
    # a parent that is not brig's: what brig makes below it must go, and
    # it must be left exactly as it is
    for r in $(cg_roots); do
        mkdir "$r$P" || fail "mkdir $r$P"
        d=$r$P
        # v1 cpuset: a new cgroup takes no process until it has cpus and
        # mems (on v2 the root has no cpuset.cpus and empty means inherit)
        if [ -f "$r/cpuset.cpus" ] && [ -f "$d/cpuset.cpus" ] && [ -z "$(cat "$d/cpuset.cpus")" ]; then
            cat "$r/cpuset.cpus" >"$d/cpuset.cpus"
            cat "$r/cpuset.mems" >"$d/cpuset.mems"
        fi
    done
    defer 'for r in $(cg_roots); do [ -d "$r$P" ] && find "$r$P" -depth -type d -exec rmdir {} + 2>/dev/null; done; true'
    MARK=$((3000000 + $$))
    HOOKLOG=$TDIR/hook.pids
    cfg --arg p "$P/x/c" '.linux.cgroupsPath = $p'
    cfg '.linux.resources.pids = {limit: 64} | .linux.resources.memory = {limit: 134217728}'
    # a limit that cgroup v2 serves, so that brig enables a controller in $P
    local u
    u=$(cg_unified)
    if [ -n "$u" ] && [ "$u" = /sys/fs/cgroup ]; then
        : # pure v2: pids and memory are v2's already
    elif [ -n "$u" ] && grep -qw hugetlb "$u/cgroup.controllers" && ! cg_roots | grep -q hugetlb; then
        cfg '.linux.resources.hugepageLimits = [{pageSize: "2MB", limit: 4194304}]'
    fi
    cfg --arg l "$HOOKLOG" '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "echo $$ >>\($l)"]}]'
    set_args sleep "$MARK"
}

# leftovers ID: what a failed create left behind, one line each (nothing
# when the host is as it was).
leftovers() {
    local id=$1 r u p
    [ -e "$ROOT/$id" ] && echo "state directory $ROOT/$id"
    for r in $(cg_roots); do
        [ -d "$r$P" ] || echo "the parent $r$P is gone"
        [ -d "$r$P" ] && find "$r$P" -mindepth 1 -type d | sed 's/^/cgroup /'
    done
    u=$(cg_unified)
    if [ -n "$u" ] && [ -d "$u$P" ]; then
        [ -z "$(cat "$u$P/cgroup.subtree_control")" ] ||
            echo "controllers on in $u$P: $(cat "$u$P/cgroup.subtree_control")"
        [ "$(python3 -c 'import os,sys; print(os.listxattr(sys.argv[1]))' "$u$P")" = "[]" ] ||
            echo "xattrs left on $u$P"
    fi
    { grep -F "$TDIR" /proc/self/mountinfo || true; } | sed 's/^/mount /'
    for p in $(pgrep -f -- "(^| )$id( |\$)" || true) $(pgrep -f -- "sleep $MARK" || true); do
        echo "process $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
    done
    if [ -f "$HOOKLOG" ]; then
        for p in $(cat "$HOOKLOG"); do
            pid_alive "$p" && echo "hook process $p"
        done
    fi
    [ -e "$TDIR/pid" ] && echo "pid file $TDIR/pid"
    return 0
}

# F [ENV...] -- ARGS: brig-faults with the private state dir.
F() {
    local envs=()
    while [ "$1" != -- ]; do
        envs+=("$1")
        shift
    done
    shift
    env "${envs[@]}" "$FAULTS" --root "$ROOT" "$@"
}

test_a_create_failing_at_any_step_leaves_nothing() {
    local id points pt n=0 left
    assert_eq "$(leftovers "$(new_id)")" "" "before the first create"
    # the points this host reaches, in order
    id=$(new_id)
    run F BRIG_FAULT_TRACE=1 -- create --pid-file "$TDIR/pid" --bundle "$BUNDLE" "$id"
    assert_ok
    points=$(sed -n 's/^brig-faults: at //p' <<<"$stderr")
    echo "# points: $(echo $points)" >&2
    # the first cgroup made: a v1 hierarchy's, or on pure v2 the one
    local first=cgroup-mkdir-0
    cg_is_v2 && first=cgroup-mkdir-unified
    for pt in state-saved $first cgroup-limits cgroup-devices seccomp-compiled cloned \
        go-sent hooks init-ready state-final pid-file; do
        grep -qx "$pt" <<<"$points" || fail "create did not pass the point $pt"
    done
    # With v1 hierarchies create is split: the v1 cgroups are made after
    # clone, while the init makes its namespaces (container.c, step 4).
    if ! cg_is_v2; then
        for pt in init-unshared cgroup-rest; do
            grep -qx "$pt" <<<"$points" || fail "split create did not pass the point $pt"
        done
        [ "$(grep -nx cloned <<<"$points" | cut -d: -f1)" -lt "$(grep -nx cgroup-mkdir-0 <<<"$points" | cut -d: -f1)" ] ||
            fail "the v1 cgroups were made before clone: $(echo $points)"
    fi
    run B delete --force "$id"
    assert_ok
    rm -f "$TDIR/pid"
    assert_eq "$(leftovers "$id")" "" "after create and delete"
    for pt in $points; do
        id=$(new_id)
        run F BRIG_FAULT="$pt" -- create --pid-file "$TDIR/pid" --bundle "$BUNDLE" "$id"
        assert_failed
        assert_contains "$stderr" "fault injected at $pt"
        left=$(leftovers "$id")
        [ -z "$left" ] || fail "create failed at $pt and left: $left"
        n=$((n + 1))
    done
    echo "# $n failure points, nothing left after any" >&2
    [ "$n" -ge 11 ] || fail "only $n points"
}

# A create killed at a step (SIGKILL: a node crash, the OOM killer) leaves
# its state; delete --force then removes everything it had made, found
# through what the state recorded before it was made.
test_delete_force_cleans_up_after_a_create_killed_at_a_step() {
    local id pt points
    points="state-saved cgroup-mkdir-1 cgroup-mkdir-unified cgroup-limits cgroup-devices cloned go-sent hooks init-ready"
    for pt in $points; do
        [ "$pt" = cgroup-mkdir-unified ] && [ -z "$(cg_unified)" ] && continue
        [ "$pt" = cgroup-mkdir-1 ] && cg_is_v2 && continue # no v1 hierarchy
        id=$(new_id)
        run F BRIG_FAULT_KILL="$pt" -- create --bundle "$BUNDLE" "$id"
        assert_status 137
        [ -d "$ROOT/$id" ] || fail "no state left by a create killed at $pt"
        run B delete --force "$id"
        assert_ok
        local left
        left=$(leftovers "$id")
        [ -z "$left" ] || fail "create killed at $pt, then delete --force left: $left"
    done
}

# `run` (create and start in one) rolls back the same way, whether its
# init runs on the runtime's memory (clone_vm.c: it records the state
# itself, state-final, without the createRuntime hook of this bundle) or is
# forked because a hook needs the runtime (seccomp-before-ack: the init
# fails after READY, its filter going in while the runtime records the
# state; init.c, step 8).
test_a_run_failing_at_a_step_leaves_nothing() {
    local pt how
    cp "$BUNDLE/config.json" "$TDIR/config.forked"
    for how in on-memory forked; do
        if [ $how = on-memory ]; then
            cfg 'del(.hooks)'
        else
            cp "$TDIR/config.forked" "$BUNDLE/config.json"
        fi
        for pt in cgroup-mkdir-unified cgroup-limits state-final init-ready; do
            [ "$pt" = cgroup-mkdir-unified ] && [ -z "$(cg_unified)" ] && continue
            run_fails_leaving_nothing BRIG_FAULT="$pt" "fault injected at $pt" "run ($how) failed at $pt"
        done
    done
    run_fails_leaving_nothing BRIG_FAULT=seccomp-before-ack "fault injected at seccomp-before-ack" \
        "run failed at seccomp-before-ack"
}

# run_fails_leaving_nothing VAR=VALUE MESSAGE WHAT: run under brig-faults
# with VAR fails, says MESSAGE, and leaves nothing behind.
run_fails_leaving_nothing() {
    local id
    id=$(new_id)
    run F "$1" -- run --bundle "$BUNDLE" "$id"
    assert_failed run
    assert_contains "$stderr" "$2" "$3"
    assert_eq "$(leftovers "$id")" "" "$3"
}

# An init on the runtime's memory that dies before it reaches execve (the
# OOM killer, say) is a failed run, not a program that exited with 137.
test_a_run_whose_init_dies_during_setup_fails_and_leaves_nothing() {
    init_on_runtime_memory || skip "this build forks every init (not x86_64, or AddressSanitizer)"
    local pt
    cfg 'del(.hooks)'
    for pt in state-final init-ready; do
        run_fails_leaving_nothing BRIG_FAULT_KILL="$pt" "container process exited during setup" \
            "run's init killed at $pt"
    done
}

# A run killed right after the clone (a node crash, the OOM killer): its
# init, on the runtime's memory and waiting for GO, sees the runtime's end
# of the socket close and exits (it held the runtime's copy of the state
# lock, and delete waited on it for good); delete --force then removes the
# rest.
test_a_run_killed_after_the_clone_leaves_no_init_waiting() {
    local id left
    # brig's own cgroup and no memory limit: with v1 hierarchies, the init
    # runs beside the runtime (vm_init.c)
    cfg 'del(.hooks) | del(.linux.cgroupsPath) | del(.linux.resources.memory)'
    id=$(new_id)
    run F BRIG_FAULT_KILL=cloned -- run --bundle "$BUNDLE" "$id"
    assert_status 137
    run timeout 10 "$BRIG" --root "$ROOT" delete --force "$id"
    assert_ok "delete --force after a run killed at cloned"
    left=$(leftovers "$id")
    [ -z "$(cgroup_dirs_of "$id")" ] || left+=" cgroups: $(cgroup_dirs_of "$id")"
    [ -z "$left" ] || fail "a run killed at cloned, then delete --force, left: $left"
}

# run's filter goes in while the runtime records the state only where it
# lets the init receive the runtime's ack; else after the ack, as before.
# Only a forked init has an ack: the prestart hook asks for one.
test_run_installs_the_filter_before_the_ack_only_where_it_lets_the_ack_through() {
    local id
    set_args true
    cfg '.hooks = {prestart: [{path: "/bin/true"}]}'
    id=$(new_id)
    run F BRIG_FAULT_TRACE=1 -- run --bundle "$BUNDLE" "$id"
    assert_ok
    assert_contains "$stderr" "brig-faults: at seccomp-before-ack" "the default filter (RuntimeDefault)"
    cfg '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
                           syscalls: [{names: ["recvmsg"], action: "SCMP_ACT_ERRNO"}]}'
    id=$(new_id)
    run F BRIG_FAULT_TRACE=1 -- run --bundle "$BUNDLE" "$id"
    assert_ok "a filter that denies recvmsg"
    assert_not_contains "$stderr" "seccomp-before-ack" "a filter that denies recvmsg"
    cfg '.linux.seccomp.syscalls = [{names: ["recvmsg"], action: "SCMP_ACT_ERRNO",
                                      args: [{index: 2, value: 1073741824, op: "SCMP_CMP_EQ"}]}]'
    id=$(new_id)
    run F BRIG_FAULT_TRACE=1 -- run --bundle "$BUNDLE" "$id"
    assert_ok "a filter that denies recvmsg with MSG_CMSG_CLOEXEC"
    assert_not_contains "$stderr" "seccomp-before-ack" "a filter that denies recvmsg with MSG_CMSG_CLOEXEC"
}

# The production binary has no failure points: BRIG_FAULT means nothing.
test_brig_itself_ignores_BRIG_FAULT() {
    local id
    id=$(new_id)
    BRIG_FAULT=cgroup-limits run B create --bundle "$BUNDLE" "$id"
    assert_ok
    run B delete --force "$id"
    assert_ok
    if grep -q "fault injected" "$BRIG"; then
        fail "$BRIG contains the failure-injection code"
    fi
}
