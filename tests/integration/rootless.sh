# shellcheck shell=bash disable=SC2154
# (output, stderr, status come from tests/lib/helpers.sh)
# Rootless: the runtime run by an unprivileged user (uid 65534 here), with a
# user namespace in the config, and inside a user namespace it does not
# own the ids of (as podman and rootlesskit run it).  Every test passes
# with runc too (BRIG=runc).

RL_UID=65534

# as_user CMD...: CMD as uid 65534 with its own XDG_RUNTIME_DIR, no --root.
as_user() {
    setpriv --reuid $RL_UID --regid $RL_UID --clear-groups \
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$XDG" XDG_RUNTIME_DIR="$XDG" "$@"
}

# rl_delete ID: delete a container the user left under its default root.
rl_delete() {
    as_user "$BRIG" delete --force "$1" >/dev/null 2>&1 || true
}

setup() {
    command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
    [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)" -gt 0 ] ||
        skip "user namespaces are disabled on this host"
    XDG=$TDIR/xdg
    mkdir -p "$XDG"
    chown $RL_UID:$RL_UID "$XDG"
    chmod 700 "$XDG"
    # The user's own bundle: a rootless spec (user namespace mapping root to
    # the user, no cgroup limits) over the shared busybox rootfs.
    RL=$TDIR/rl
    mkdir -p "$RL"
    chmod 755 "$TDIR" "$RL"
    cp -a "$BUNDLE/rootfs" "$RL/rootfs"
    chown -R $RL_UID:$RL_UID "$RL"
    # Written by the user: root inside maps to uid 65534.
    if is_runc; then
        as_user sh -c "cd $RL && runc spec --rootless" || fail "runc spec --rootless failed"
    else
        as_user "$BRIG" spec --rootless --bundle "$RL" || fail "spec --rootless failed"
    fi
    jq '.process.terminal = false | del(.linux.resources) |
        .process.args = ["sh", "-c", "cat /proc/self/uid_map; test -c /dev/null && echo > /dev/null && echo devnull-ok"]' \
        "$RL/config.json" >"$RL/c.json" && mv "$RL/c.json" "$RL/config.json"
    chown -R $RL_UID:$RL_UID "$RL"
}

# without_userns [JQ-FILTER]: the user's config without a user namespace of
# its own (brig then runs in one it does not own the ids of: unshare -r),
# then JQ-FILTER.
without_userns() {
    jq "del(.linux.uidMappings, .linux.gidMappings) |
        .linux.namespaces |= map(select(.type != \"user\")) |
        .mounts |= map(if .type == \"devpts\" then .options |= map(select(startswith(\"gid=\") | not)) else . end) |
        ${1:-.}" "$RL/config.json" >"$RL/c.json" && mv "$RL/c.json" "$RL/config.json"
    chown $RL_UID:$RL_UID "$RL/config.json"
}

test_default_root_is_xdg_runtime_dir() {
    local id
    id=$(new_id)
    defer "rl_delete $id"
    run as_user "$BRIG" run --bundle "$RL" "$id"
    assert_ok
    assert_contains "$output" devnull-ok
    # runc keeps rootless state in $XDG_RUNTIME_DIR/runc, brig in .../brig.
    run as_user "$BRIG" create --bundle "$RL" "$id"
    assert_ok
    [ -d "$XDG/$BRIG_NAME/$id" ] || fail "no state under \$XDG_RUNTIME_DIR/$BRIG_NAME/$id"
    run as_user "$BRIG" list -q
    assert_ok
    assert_contains "$output" "$id"
    run as_user "$BRIG" delete --force "$id"
    assert_ok
    [ ! -e "$XDG/$BRIG_NAME/$id" ] || fail "state left under \$XDG_RUNTIME_DIR after delete"
}

test_user_without_xdg_runtime_dir_is_refused_clearly() {
    local id
    id=$(new_id)
    # No XDG_RUNTIME_DIR: the default root is the system's, which a user
    # cannot write; the error must say so, and nothing is left.
    run setpriv --reuid $RL_UID --regid $RL_UID --clear-groups env -u XDG_RUNTIME_DIR "$BRIG" run --bundle "$RL" "$id"
    assert_failed
    assert_contains "$stderr" "ermission denied"
}

# brig run as root of a user namespace that maps one id (unshare -r, as
# podman's rootless user namespace does): no user namespace in the config.
# mknod of device nodes is refused there; they are bound from the host.
test_inside_a_user_namespace_without_one_in_the_config() {
    local id
    id=$(new_id)
    without_userns
    defer "as_user unshare -r $BRIG delete --force $id >/dev/null 2>&1 || true"
    run as_user unshare -r "$BRIG" run --bundle "$RL" "$id"
    assert_ok
    assert_contains "$output" devnull-ok
    [ ! -e "$XDG/$BRIG_NAME/$id" ] || fail "state left behind after run"
}

test_rootless_detected_inside_a_user_namespace_as_root() {
    local id
    id=$(new_id)
    without_userns
    # uid 0 in a user namespace is not root of the host: its state goes to
    # the user's XDG dir (runc: USER is not "root" there) and it asks for no
    # cgroup it cannot have.
    defer "as_user unshare -r $BRIG delete --force $id >/dev/null 2>&1 || true"
    run as_user unshare -r sh -c "id -u; $BRIG create --bundle $RL $id && ls $XDG/$BRIG_NAME"
    assert_ok
    assert_eq "$(printf '%s\n' "$output" | head -n 1)" 0 "uid inside unshare -r"
    assert_contains "$output" "$id"
    run as_user unshare -r "$BRIG" delete --force "$id"
    assert_ok
}

test_device_nodes_bound_not_made_inside_a_user_namespace() {
    local id
    id=$(new_id)
    without_userns '.process.args = ["sh", "-c", "grep -c \" /dev/null \" /proc/self/mountinfo; cat /dev/null; echo x > /dev/null && echo w-ok"]'
    run as_user unshare -r "$BRIG" run --bundle "$RL" "$id"
    assert_ok
    assert_eq "$(printf '%s\n' "$output" | head -n 1)" 1 "/dev/null is a bind mount of the host's node"
    assert_contains "$output" w-ok
}

test_seccomp_cache_in_xdg_runtime_dir_not_in_the_root() {
    skip_if_runc "brig's own filter cache"
    local id
    id=$(new_id)
    [ "$(jq '.linux.seccomp != null' "$RL/config.json")" = true ] || fail "the rootless spec has no seccomp profile"
    # The user's cache: $XDG_RUNTIME_DIR/brig-cache, never in the state root.
    run as_user "$BRIG" run --bundle "$RL" "$id"
    assert_ok
    assert_eq "$(stat -c '%a %u' "$XDG/brig-cache")" "700 $RL_UID"
    [ -n "$(find "$XDG/brig-cache" -name '*.bpf')" ] || fail "nothing cached"
    assert_eq "$(ls -A "$XDG/brig" 2>/dev/null)" "" "left in the root after run"
    # Root of a user namespace cannot write the host's /run: the same place.
    rm -rf "$XDG/brig-cache"
    without_userns
    run as_user unshare -r "$BRIG" run --bundle "$RL" "$(new_id)"
    assert_ok
    [ -n "$(find "$XDG/brig-cache" -name '*.bpf')" ] || fail "nothing cached from inside a user namespace"
    # A cache directory others may write is not used, and does not fail a run.
    rm -rf "$XDG/brig-cache"
    mkdir -m 777 "$XDG/brig-cache"
    chown $RL_UID:$RL_UID "$XDG/brig-cache"
    chmod 777 "$XDG/brig-cache"
    run as_user unshare -r "$BRIG" run --bundle "$RL" "$(new_id)"
    assert_ok
    [ -z "$(ls -A "$XDG/brig-cache")" ] || fail "an open cache directory was written: $(ls -A "$XDG/brig-cache")"
}

# Limits without a cgroup the user may write (nothing delegated here) are
# an error saying so, never silently dropped (runc: "cannot
# set pids limit: container could not join or create cgroup"); nothing is
# left behind.
test_limits_without_a_delegated_cgroup_are_an_error() {
    local id
    id=$(new_id)
    jq '.linux.resources = {pids: {limit: 10}}' "$RL/config.json" >"$RL/c.json" && mv "$RL/c.json" "$RL/config.json"
    chown $RL_UID:$RL_UID "$RL/config.json"
    defer "rl_delete $id"
    run as_user "$BRIG" run --bundle "$RL" "$id"
    assert_failed
    assert_contains "$stderr" "limit"
    assert_contains "$stderr" "could not"
    [ ! -e "$XDG/$BRIG_NAME/$id" ] || fail "state left behind after a failed run"
}

# brig run --seccomp-learn as the user: the learner is the user's own
# process (no root, no auditd); the profile it writes runs the workload
# enforced, and refuses what the workload did not do.
test_seccomp_learn_as_the_user() {
    skip_if_runc
    is_crun && skip "brig's own option"
    local id prof=$XDG/learned.json
    jq '.process.args = ["sh", "-c", "cat /proc/self/uid_map; echo learned-ok"]' "$RL/config.json" >"$RL/c.json" &&
        mv "$RL/c.json" "$RL/config.json"
    chown $RL_UID:$RL_UID "$RL/config.json"
    id=$(new_id)
    defer "rl_delete $id"
    run as_user "$BRIG" run --seccomp-learn "$prof" --bundle "$RL" "$id"
    assert_ok
    assert_contains "$output" learned-ok
    assert_eq "$(stat -c %u "$prof")" $RL_UID "the profile is the user's"
    jq -e '.syscalls[0].names | index("execve")' "$prof" >/dev/null || fail "execve not learned: $(cat "$prof")"
    jq --slurpfile p "$prof" '.linux.seccomp = $p[0]' "$RL/config.json" >"$RL/c.json" &&
        mv "$RL/c.json" "$RL/config.json"
    chown $RL_UID:$RL_UID "$RL/config.json"
    id=$(new_id)
    defer "rl_delete $id"
    run as_user "$BRIG" run --bundle "$RL" "$id"
    assert_ok
    assert_contains "$output" learned-ok
    jq '.process.args = ["sh", "-c", "mkdir /tmp/x; echo mkdir=$?"]' "$RL/config.json" >"$RL/c.json" &&
        mv "$RL/c.json" "$RL/config.json"
    chown $RL_UID:$RL_UID "$RL/config.json"
    id=$(new_id)
    defer "rl_delete $id"
    run as_user "$BRIG" run --bundle "$RL" "$id"
    assert_contains "$output" "mkdir=1"
    assert_contains "$stderr" "Operation not permitted"
}

# exec into the user's container: the new process enters the container's
# user namespace first (it grants the rights to join the others).
test_exec_into_the_users_container() {
    local id
    id=$(new_id)
    defer "rl_delete $id"
    jq '.process.args = ["sleep", "60"]' "$RL/config.json" >"$RL/c.json" && mv "$RL/c.json" "$RL/config.json"
    chown $RL_UID:$RL_UID "$RL/config.json"
    run as_user "$BRIG" run -d --bundle "$RL" "$id"
    assert_ok
    run as_user "$BRIG" exec "$id" sh -c 'cat /proc/self/uid_map; echo pid=$$; id -u'
    assert_ok
    assert_contains "$output" "0      $RL_UID          1"
    assert_contains "$output" "pid="
    [ "$(sed -n 's/^pid=//p' <<<"$output")" -lt 100 ] || fail "exec'd process is not in the container's pid namespace: $output"
    # its exit status is exec's
    run as_user "$BRIG" exec "$id" sh -c 'exit 3'
    assert_status 3
}

# setgroups is "deny" in a user namespace made by an unprivileged user
# (unshare -r) and in the one brig makes rootless: extra gids cannot be set
# there and must be refused, not dropped; without any the container runs
# (brig skips setgroups only where it may not call it).
test_additional_gids_where_setgroups_is_denied_are_refused() {
    local id
    id=$(new_id)
    without_userns '.process.user.additionalGids = [0]'
    run as_user unshare -r "$BRIG" run --bundle "$RL" "$id"
    rl_delete "$id"
    assert_failed run
    is_runc || assert_contains "$stderr" "setgroups is denied in this user namespace"
    without_userns '.process.user.additionalGids = [] | .process.args = ["sh", "-c", "cat /proc/self/setgroups; id -G"]'
    run as_user unshare -r "$BRIG" run --bundle "$RL" "$(new_id)"
    assert_ok
    assert_contains "$output" deny
}

test_additional_gids_in_the_configs_own_user_namespace_are_refused() {
    local id
    id=$(new_id)
    jq '.process.user.additionalGids = [0]' "$RL/config.json" >"$RL/c.json" && mv "$RL/c.json" "$RL/config.json"
    chown $RL_UID:$RL_UID "$RL/config.json"
    run as_user "$BRIG" run --bundle "$RL" "$id"
    rl_delete "$id"
    assert_failed run
    is_runc || assert_contains "$stderr" "setgroups is denied in this user namespace"
}
