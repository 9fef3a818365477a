# shellcheck shell=bash disable=SC2153,SC2154,SC2164,SC2016
# (ROOT, BUNDLE, output, status... come from tests/lib/helpers.sh)
# The runtime driven by the real clients, podman and containerd
# (tests/clients/run does the work; each test here runs a part of a
# client's cases, so that it stays under the runner's per-test timeout
# in the emulated guest of tests/vm/run too, where a case takes 20-60 s).
# Skipped when the client cannot start.
# serial-file: runs containerd and podman, and may add a user to the host

_clients() { # SECTION [FILTER...] (default: every case of SECTION)
    local section=$1 log=$TDIR/clients.log last p f s
    shift
    [ $# -gt 0 ] || set -- "$section:"
    # The clients' own per-case limit stays below the runner's (the guest
    # of tests/vm/run sets a longer one).
    BRIG_CLIENTS_TIMEOUT=${BRIG_CLIENTS_TIMEOUT:-40} bash "$TESTS_DIR/clients/run" --runtime "$BRIG" "$@" >"$log" 2>&1 || true
    cat "$log" >&2
    last=$(tail -n 1 "$log")
    [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]] ||
        fail "tests/clients/run did not finish: $last"
    p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[3]}
    [ "$f" -eq 0 ] || fail "$f $section case(s) failed"
    if [ "$p" -eq 0 ] && [ "$s" -gt 0 ]; then
        skip "$(grep -m1 -o 'cannot start: .*' "$log" | cut -c1-150)"
    fi
    [ "$p" -gt 0 ] || fail "no $section case ran"
}

test_clients_podman() {
    require_cmd podman conmon
    _clients podman podman:run-echo podman:exit-codes podman:detached-exec-kill-rm \
        podman:tty podman:tty-interactive podman:exec-tty
}

test_clients_limits_and_policy_podman() {
    require_cmd podman conmon
    _clients podman podman:hardened podman:memory-limit podman:pids-limit podman:ps-stop-rm \
        podman:security-choices
}

test_clients_containerd() {
    require_cmd containerd ctr containerd-shim-runc-v2
    _clients containerd containerd:run-echo containerd:exit-codes containerd:detached-exec-kill-delete \
        containerd:kill-all-with-exec containerd:tty
}

test_clients_limits_and_policy_containerd() {
    require_cmd containerd ctr containerd-shim-runc-v2
    _clients containerd containerd:exec-tty containerd:hardened containerd:memory-limit \
        containerd:security-choices
}

# Rootless podman (an unprivileged user made for the suite).  Each of its
# cases takes about 20 s here (podman waits for conmon with either runtime),
# so only two run within the runner's limit; `tests/clients/run
# podman-rootless` runs them all.
test_clients_podman_rootless() {
    require_cmd podman conmon newuidmap setpriv
    _clients podman-rootless podman-rootless:run-echo podman-rootless:detached-exec-rm
}
