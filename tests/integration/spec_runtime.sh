# shellcheck shell=bash
# runtime.md and config.md MUSTs that the runtime-tools validation suite
# checks and that lifecycle.sh does not already cover: what delete removes
# (and what it leaves), config.json edits after create, operations that
# "MUST have no effect", and how unknown or invalid config values are met.
# See tests/conformance/README.md for the mapping to runtime-tools files.

# A hierarchy to make a cgroup of our own in: v1's pids, else the v2 one.
V1_PIDS=/sys/fs/cgroup/pids
[ -f /sys/fs/cgroup/cgroup.controllers ] && V1_PIDS=/sys/fs/cgroup

test_spec_delete_leaves_resources_it_did_not_create() {
    # runtime.md (delete): resources associated with the container but not
    # created by it MUST NOT be deleted.  A cgroup made by us, which the
    # container's process is moved into, must survive delete.
    local id pid mine
    if ! [ -d $V1_PIDS ] || ! [ -w $V1_PIDS ]; then
        skip "no writable cgroup v1 pids or v2 hierarchy"
    fi
    id=$(new_id)
    mine=$V1_PIDS/brig-spec-$id
    mkdir "$mine"
    defer "rmdir '$mine' 2>/dev/null"
    add_share
    sh_args 'while [ ! -e /share/go ]; do sleep 0.05; done'
    create_ctr "$id"
    pid=$(state_of "$id" pid)
    echo "$pid" >"$mine/cgroup.procs" || fail "cannot move $pid into $mine"
    run B start "$id"
    assert_ok
    touch "$SHARE/go"
    wait_status "$id" stopped
    run B delete "$id"
    assert_ok
    [ -d "$mine" ] || fail "delete removed a cgroup the container did not create"
}

test_spec_delete_removes_the_cgroup_it_created() {
    # runtime.md (delete): deleting a container MUST delete the resources
    # created during create.
    local id dirs d
    id=$(new_id)
    cfg --arg p "/brig-spec-$$-$id" '.linux.cgroupsPath = $p | .linux.resources.pids = {limit: 64}'
    set_args true
    defer "for c in /sys/fs/cgroup/*/brig-spec-$$-$id; do rmdir \$c 2>/dev/null; done"
    create_ctr "$id"
    dirs=$(cgroup_dirs_of "brig-spec-$$-$id")
    [ -n "$dirs" ] || fail "create made no cgroup at /brig-spec-$$-$id"
    run B start "$id"
    assert_ok
    wait_status "$id" stopped
    run B delete "$id"
    assert_ok
    for d in $dirs; do
        assert_not_exists "$d" "delete left the cgroup $d"
    done
}

test_spec_config_changes_after_create_do_not_affect_the_container() {
    # runtime.md (lifecycle step 2): updates to config.json after create
    # MUST NOT affect the container.
    local id
    id=$(new_id)
    add_share
    cfg '.process.env += ["WHEN=at-create"] | .hostname = "created"'
    sh_args 'echo "$WHEN $(hostname)" > /share/out'
    create_ctr "$id"
    cfg '.process.env = [.process.env[] | select(startswith("WHEN=") | not)] + ["WHEN=edited"]
         | .hostname = "edited" | .process.args = ["sh", "-c", "echo edited > /share/out"]'
    run B start "$id"
    assert_ok
    wait_status "$id" stopped
    assert_eq "$(cat "$SHARE/out")" "at-create created" "the edited config.json was used"
}

test_spec_start_of_a_stopped_container_has_no_effect() {
    # runtime.md (start): starting a container that is not created MUST
    # error and have no effect: the program does not run again.
    local id
    id=$(new_id)
    add_share
    sh_args 'echo ran >> /share/count'
    create_ctr "$id"
    run B start "$id"
    assert_ok
    wait_status "$id" stopped
    run B start "$id"
    [ "$status" -ne 0 ] || fail "start of a stopped container succeeded"
    sleep 0.2
    assert_eq "$(grep -c ran "$SHARE/count")" 1 "the program ran again"
    assert_eq "$(status_of "$id")" stopped
}

test_spec_kill_of_a_stopped_container_has_no_effect() {
    # runtime.md (kill): signalling a container that is neither created nor
    # running MUST error and have no effect: it stays, stopped, deletable.
    local id before
    id=$(new_id)
    set_args true
    create_ctr "$id"
    run B start "$id"
    assert_ok
    wait_status "$id" stopped
    before=$(B state "$id" | jq -c 'del(.status)')
    run B kill "$id" KILL
    [ "$status" -ne 0 ] || fail "kill of a stopped container succeeded"
    assert_eq "$(status_of "$id")" stopped
    assert_eq "$(B state "$id" | jq -c 'del(.status)')" "$before" "kill changed the state"
    run B delete "$id"
    assert_ok
}

test_spec_kill_of_a_created_container_sends_the_signal() {
    # runtime.md (kill): kill MUST send the signal to the container process,
    # also while it is only created.
    local id pid
    id=$(new_id)
    set_args sleep 30
    create_ctr "$id"
    pid=$(state_of "$id" pid)
    run B kill "$id" KILL
    assert_ok
    wait_status "$id" stopped
    pid_alive "$pid" && fail "the container process survived SIGKILL"
    return 0
}

test_spec_unknown_properties_and_annotations_are_accepted() {
    # config.md: an unknown property or annotation key MUST NOT be an error.
    cfg '.unknownTopLevel = {"nested": [1, 2]} | .process.unknownInProcess = true
         | .linux.unknownInLinux = "x"
         | .annotations = {"org.example.unknown-key": "", "com.example.other": "v"}'
    set_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
}

test_spec_invalid_or_unsupported_version_is_an_error() {
    # config.md: invalid or unsupported values MUST be an error; ociVersion
    # must be SemVer, and a major version the runtime does not know is
    # unsupported.
    local v id
    skip_if_runc "runc 1.1 does not check ociVersion"
    set_args true
    for v in invalid 1 1.0 2.0.0 0.1.0; do
        id=$(new_id)
        cfg --arg v "$v" '.ociVersion = $v'
        run B create --bundle "$BUNDLE" "$id"
        [ "$status" -ne 0 ] || fail "ociVersion \"$v\" was accepted"
        run B state "$id"
        [ "$status" -ne 0 ] || fail "a container was left after ociVersion \"$v\""
    done
}

test_spec_mounts_are_applied_in_listed_order() {
    # config.md (mounts): the runtime MUST mount the entries in the listed
    # order.  Two tmpfs on one destination: the later one is on top; a
    # mount inside an earlier one stays visible; mountinfo lists them in
    # config order.
    cfg '.mounts += [
           {destination: "/spec-m", type: "tmpfs", source: "first", options: ["size=1m"]},
           {destination: "/spec-m", type: "tmpfs", source: "second", options: ["size=2m"]},
           {destination: "/spec-m/inner", type: "tmpfs", source: "third", options: ["size=3m"]}]'
    inside 'awk '"'"'$5 ~ "^/spec-m" {print $5, $(NF-1)}'"'"' /proc/self/mountinfo;
            df -k /spec-m /spec-m/inner | awk '"'"'NR > 1 {print $6, $2}'"'"''
    assert_contains "$output" $'/spec-m first\n/spec-m second\n/spec-m/inner third' "mountinfo order"
    assert_contains "$output" "/spec-m 2048" "the later mount on /spec-m is not on top"
    assert_contains "$output" "/spec-m/inner 3072" "the inner mount is not visible"
}
