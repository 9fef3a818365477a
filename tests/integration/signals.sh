# shellcheck shell=bash disable=SC2153,SC2154,SC2164
# (ROOT, BUNDLE, output, status... come from tests/lib/helpers.sh)
# brig run forwards signals, also those it inherited as ignored (a
# background job's SIGINT/SIGQUIT, SIGHUP under nohup), as runc does.

# run_bg LAUNCHER...: start `LAUNCHER... brig run` of a `sleep 300` that is
# not a pid-namespace init (so default actions apply) in the background;
# sets ID and RUNPID once the container runs.
run_bg() {
    cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
    set_args sleep 300
    ID=$(new_id)
    defer "B delete --force $ID >/dev/null 2>&1"
    "$@" "$BRIG" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null >"$TDIR/run.out" 2>&1 &
    RUNPID=$!
    wait_status "$ID" running
}

# exits_with SIG STATUS: send SIG to brig run; it must exit with STATUS
# within 10 s (the container got the signal and died of it).
exits_with() {
    local i rc=0
    kill -"$1" "$RUNPID"
    for ((i = 0; i < 200; i++)); do
        kill -0 "$RUNPID" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$RUNPID" 2>/dev/null; then
        B kill "$ID" KILL >/dev/null 2>&1
        wait "$RUNPID" || true
        fail "SIG$1 was not forwarded: the container still ran 10 s later"
    fi
    wait "$RUNPID" || rc=$?
    assert_eq "$rc" "$2" "exit status of brig run after SIG$1"
}

test_run_forwards_sigint_it_inherited_as_ignored() {
    # bash -c with "trap '' INT" then exec: what a background job gets
    run_bg bash -c 'trap "" INT QUIT; exec "$@"' _
    exits_with INT 130
}

test_run_forwards_sighup_under_nohup() {
    require_cmd nohup
    run_bg nohup
    exits_with HUP 129
}

test_run_forwards_sigusr1_and_sigterm() {
    run_bg env
    exits_with USR1 138
    run_bg env
    exits_with TERM 143
}
