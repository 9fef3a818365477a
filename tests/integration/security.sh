# shellcheck shell=bash
# Isolation: the escape probe (tests/security/probe.c) run in a container by
# tests/security/isolation-bench.  Under the hardened config every probe must
# be blocked; under deliberately weakened configs the probes must notice, so
# this file cannot pass with a probe that sees nothing.

BENCH=$SRC_DIR/tests/security/isolation-bench

# The static probe: the build tree's if it is current, else built here.
probe_bin() {
    local p=$BRIG_BUILDDIR/tests/security/probe s=$SRC_DIR/tests/security
    if [ -x "$p" ] && [ "$p" -nt "$s/probe.c" ] && [ "$p" -nt "$s/probe_kernel.c" ] &&
        [ "$p" -nt "$s/probe_files.c" ] && [ "$p" -nt "$s/probe_helpers.c" ]; then
        echo "$p"
        return
    fi
    p=$TDIR/probe
    [ -x "$p" ] || gcc -std=gnu11 -O2 -static -o "$p" "$s/probe.c" "$s/probe_kernel.c" \
        "$s/probe_files.c" "$s/probe_helpers.c" >&2 || fail "cannot build the probe statically"
    echo "$p"
}

# bench ARGS...: the bench against the runtime under test, JSON report in
# $output (via `run`); fails the test when the container did not run.
bench() {
    run "$BENCH" --runtime "$BRIG" --probe "$(probe_bin)" --suite container --json "$@"
    case $status in
        0 | 1) ;;
        3) fail "the container did not run under $BRIG_NAME: $(printf '%s\n' "$output" | jq -r '.runs[0].stderr')" ;;
        *) fail "isolation-bench failed (status $status): $stderr" ;;
    esac
}

# verdict NAME: blocked, escaped, error or missing, from the last bench report.
verdict() {
    printf '%s\n' "$output" | jq -r --arg n "$1" '.runs[0].probes[] | select(.probe == $n) | .result'
}

# expect_escaped NAME...: each probe noticed the weakness.
expect_escaped() {
    local n v
    for n in "$@"; do
        v=$(verdict "$n")
        [ "$v" = escaped ] || fail "probe $n: $v, expected escaped (the probe missed a weakness): $(
            printf '%s\n' "$output" | jq -c --arg n "$n" '.runs[0].probes[] | select(.probe == $n)')"
    done
}

test_hardened_config_blocks_every_probe() {
    local bad
    bench --config hardened --strict
    printf '%s\n' "$output" | jq -e '.runs[0].ran and .runs[0].complete' >/dev/null ||
        fail "the probe did not run to the end under $BRIG_NAME: $(printf '%s\n' "$output" | jq -c '.runs[0] | {exit_status, stderr}')"
    bad=$(printf '%s\n' "$output" | jq -r '.runs[0].probes[] | select(.result != "blocked")
        | "  \(.probe): \(.result) \(.errname) - \(.detail)"')
    [ -z "$bad" ] || fail "probes not blocked under the hardened config:"$'\n'"$bad"
    assert_status 0
    assert_eq "$(printf '%s\n' "$output" | jq '.runs[0].score.blocked')" \
        "$("$(probe_bin)" --list | wc -l)" "score"
}

# No seccomp, no no_new_privs, root with CAP_SYS_ADMIN, writable root, no
# masks, no pid or network namespace, no limits: the probes must say so.
test_weakened_config_is_noticed() {
    bench --config hardened --tweak '
        del(.linux.seccomp) | .process.noNewPrivileges = false
        | .process.user = {uid: 0, gid: 0}
        | .process.capabilities |= map_values(["CAP_SYS_ADMIN", "CAP_SYSLOG"])
        | .root.readonly = false | .linux.maskedPaths = [] | .linux.readonlyPaths = []
        | .linux.namespaces |= map(select(.type != "pid" and .type != "network"))
        | del(.linux.resources.pids) | del(.linux.resources.memory)'
    expect_escaped caps_effective caps_bounding root_uid seccomp_mode no_new_privs \
        mount fsopen umount2 unshare_mount unshare_net keyctl io_uring syslog \
        rootfs_write setuid_nnp host_pids host_netifs proc_sys_core_pattern \
        proc_keys proc_timer_list sys_firmware fork_bomb memory_hog
}

# Same limits and filter as hardened, but running as uid 65534 without
# no_new_privs: the setuid-root helper in the rootfs must be noticed.
test_setuid_without_no_new_privs_is_noticed() {
    bench --config hardened --only setuid_nnp,no_new_privs --tweak '.process.noNewPrivileges = false'
    expect_escaped setuid_nnp no_new_privs
}

# A host directory handed in with --preserve-fds is what CVE-2024-21626
# leaked: fd_leak must flag it.
test_leaked_directory_fd_is_noticed() {
    local p id
    p=$(probe_bin)
    cp "$p" "$BUNDLE/rootfs/probe"
    set_args /probe --only fd_leak,cwd_host
    id=$(new_id)
    run B run --preserve-fds 1 --bundle "$BUNDLE" "$id" 3<"$TDIR"
    assert_ok
    printf '%s\n' "$output" | grep -q '^{"probe":"fd_leak".*"result":"escaped".*3->.*directory outside the container' ||
        fail "fd_leak did not flag the preserved host directory: $output"
    printf '%s\n' "$output" | grep -q '^{"probe":"cwd_host".*"result":"blocked"' ||
        fail "cwd_host: $output"
}

# Without a runtime: a bare chroot that keeps the cwd and an fd outside, the
# way a leaky runtime would start a process.
test_probe_notices_a_leaky_chroot() {
    local p
    p=$(probe_bin)
    run "$p" --chroot "$BUNDLE/rootfs" --only fd_leak,cwd_host,chroot_escape 3<"$TDIR"
    assert_ok
    local n
    for n in fd_leak cwd_host chroot_escape; do
        printf '%s\n' "$output" | grep -q "^{\"probe\":\"$n\".*\"result\":\"escaped\"" ||
            fail "$n did not notice the leaky chroot: $output"
    done
}

# The scenario suites (hostile configs, the runtime re-entered through
# #!/proc/self/exe, startContainer hooks, containers of one uid against each
# other) reach a verdict for each of their probes under the runtime under
# test: none is an error, none is missing, each that is not blocked says
# why.  What the verdicts are is RESULTS.md's business (brig does not block
# them all yet).  One test a suite or two, each under the runner's timeout.
scenarios_reach_a_verdict() { # SUITES EXPECTED-COUNT [BENCH-ARGS...]
    local bad suites=$1 count=$2
    shift 2
    run "$BENCH" --runtime "$BRIG" --probe "$(probe_bin)" --suite "$suites" --json "$@"
    [ "$status" = 0 ] || fail "isolation-bench failed (status $status): $stderr"
    assert_eq "$(printf '%s\n' "$output" | jq '.runs[0].probes | length')" "$count" "probes of $suites"
    bad=$(printf '%s\n' "$output" | jq -r '.runs[0].probes[] | select(.result == "error" or .result == "missing")
        | "  \(.probe): \(.result) - \(.detail)"')
    [ -z "$bad" ] || fail "scenarios without a verdict:"$'\n'"$bad"
    printf '%s\n' "$output" | jq -e '[.runs[0].probes[] | select(.result != "blocked") | select((.detail // "") == "")] | length == 0' \
        >/dev/null || fail "a verdict without a reason: $output"
}

test_policy_scenarios_reach_a_verdict() {
    # three files of the corpus (all of them take longer than a test may)
    local n
    mkdir -p "$TDIR/corpus"
    find "$SRC_DIR/tests/security/policy-corpus" -name '*.json' 2>/dev/null | sort | head -n 3 |
        xargs -r cp -t "$TDIR/corpus"
    n=$(find "$TDIR/corpus" -name '*.json' | wc -l)
    [ "$n" -gt 0 ] || n=1 # the corpus row says n/a
    scenarios_reach_a_verdict policy "$n" --corpus "$TDIR/corpus"
}

test_environment_scenarios_reach_a_verdict() {
    scenarios_reach_a_verdict environment 4
}

test_hooks_and_multi_scenarios_reach_a_verdict() {
    scenarios_reach_a_verdict hooks,multi 6
}
