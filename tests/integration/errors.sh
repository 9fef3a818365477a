# shellcheck shell=bash disable=SC2153,SC2154,SC2164
# (ROOT, BUNDLE, output, status... come from tests/lib/helpers.sh)
# The error texts engines match on stay runc's.  Every string the clients
# compare a runtime's error against (read at containerd 301026e, CRI-O
# f954a17, podman's libpod, go-runc 834598e), and the test that keeps it:
#   containerd cmd/containerd-shim-runc-v2/process:
#     checkKillError: "container not running"     test_error_container_not_running,
#                                                 test_kill_zero_checks_liveness
#                     "does not exist"            test_error_does_not_exist
#                     "no such process" (any case), "os: process already
#                     finished": brig never says these; a process gone
#                     between the check and the signal is "container not
#                     running" too (container.c), which both clients take
#     Init.delete:    "does not exist"            test_error_does_not_exist
#     runtimeError:   the last "level":"error" line of the JSON --log, its
#                     "time" parsed as RFC 3339    test_error_does_not_exist
#   CRI-O internal/oci/runtime_oci.go runtimeCmd: "no such process" (crun),
#     "container not running", "invalid process" (runc, exec'd processes
#     only) mean ErrNotFound; "delete --force" of a container that is gone
#     must succeed                                test_error_does_not_exist,
#                                                 test_error_container_not_running
#   podman libpod/oci_util.go getOCIRuntimeError (case-insensitive):
#     "permission denied" | "operation not permitted" -> 126,
#     "executable file not found in" | "no such file or directory" |
#     "open executable" -> 127                    test_error_exec_failures,
#                                                 exec.sh:test_exec_missing_program_fails_like_runc
#   go-runc parseVersion: "runc version " first line, "commit: ", "spec: "
#     (brig says "brig version"; cli.sh:test_version_long_and_short)
#   issue 17's example "container with id exists"  test_error_container_id_exists
# tests/clients/run drives podman and containerd themselves through these.

# "does not exist": every command on a container that is not there.
test_error_does_not_exist() {
    local c
    for c in state delete kill pause resume ps start update events; do
        run B "$c" no-such-container
        assert_status 1
        assert_contains "$stderr" "does not exist" "$c"
    done
    run B exec no-such-container true
    assert_ne "$status" 0 "exec in a missing container"
    assert_contains "$stderr" "does not exist" exec
    # delete --force of what is not there succeeds (containerd and CRI-O
    # delete with --force after a crash).
    run B delete --force no-such-container
    assert_ok
    # The JSON --log line containerd reads for its error.
    run B --log "$TDIR/log.json" --log-format json kill no-such-container
    assert_status 1
    assert_contains "$(jq -r 'select(.level == "error") | .msg' "$TDIR/log.json")" "does not exist"
    # containerd decodes "time" into a time.Time: RFC 3339 or nothing is read
    assert_match "$(jq -r 'select(.level == "error") | .time' "$TDIR/log.json")" \
        '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$' "time"
}

# "container not running": kill and pause of a stopped container.
test_error_container_not_running() {
    local id
    id=$(new_id)
    set_args true
    create_ctr "$id"
    run B start "$id"
    assert_ok
    wait_status "$id" stopped
    run B kill "$id" KILL
    assert_status 1
    assert_contains "$stderr" "container not running" kill
    run B kill "$id"
    assert_status 1
    assert_contains "$stderr" "container not running" "kill (SIGTERM)"
    run B pause "$id"
    assert_status 1
    assert_contains "$stderr" "container not running" pause
    # kill --all of a stopped container has nothing to signal: no error.
    run B kill --all "$id" KILL
    assert_ok
    # An unknown signal is refused before the container is looked at.
    run B kill --all "$id" NOSUCHSIG
    assert_status 1
    assert_contains "$stderr" 'unknown signal'
    assert_contains "$stderr" NOSUCHSIG
}

# kill ID 0: a liveness check, as kill(2) with signal 0.
test_kill_zero_checks_liveness() {
    local id
    id=$(new_id)
    set_args sleep 300
    create_ctr "$id"
    run B start "$id"
    assert_ok
    run B kill "$id" 0
    assert_ok
    assert_eq "$(status_of "$id")" running "signal 0 signalled something"
    run B kill "$id" KILL
    assert_ok
    wait_status "$id" stopped
    run B kill "$id" 0
    assert_status 1
    assert_contains "$stderr" "container not running"
}

# create of an ID in use: runc 1.1's "container with given ID already
# exists" (older runc, youki and others: "container with id exists").
test_error_container_id_exists() {
    local id
    id=$(new_id)
    set_args true
    create_ctr "$id"
    run B create --bundle "$BUNDLE" "$id"
    assert_status 1
    assert_contains "$stderr" "container with given ID already exists"
    is_runc || assert_contains "$stderr" "container with id exists: $id"
    # The first container is untouched.
    assert_eq "$(status_of "$id")" created
}

# exec into a stopped container, start of a stopped one.
test_error_stopped_container() {
    local id
    id=$(new_id)
    set_args true
    create_ctr "$id"
    run B start "$id"
    assert_ok
    wait_status "$id" stopped
    run B exec "$id" true
    assert_status 255
    assert_contains "$stderr" "cannot exec in a stopped container"
    run B start "$id"
    assert_status 1
    assert_contains "$stderr" "stopped"
}

# The program cannot be found or executed: containerd's clients look for
# "executable file not found", podman for "no such file or directory",
# "executable file not found" (127) and "permission denied" (126), all
# case-insensitively (runc has Go's lower-case errno texts, brig strerror's).
test_error_exec_failures() {
    set_args no-such-program
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ne "$status" 0
    assert_contains "$stderr" 'executable file not found in $PATH'
    set_args /no/such/program
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ne "$status" 0
    assert_contains "${stderr,,}" "no such file or directory"
    set_args /etc/passwd
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ne "$status" 0
    assert_contains "${stderr,,}" "permission denied"
}
