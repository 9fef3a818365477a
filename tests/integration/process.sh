# shellcheck shell=bash disable=SC2153,SC2154,SC2164
# (ROOT, BUNDLE, output, status... come from tests/lib/helpers.sh)
# The container process: args, env, cwd, user, umask, capabilities, rlimits,
# no_new_privs, oom_score_adj, hostname/domainname, stdio.

# cap_field NAME: the hex value of NAME (CapEff, CapBnd...) in $output, which
# holds a /proc/self/status.
cap_field() {
    awk -v k="$1:" '$1 == k {print $2}' <<<"$output"
}

test_args_passed_verbatim() {
    # shellcheck disable=SC2016
    set_args sh -c 'printf "[%s]" "$@"' zero "a b" '$HOME' "" "*" "-c"
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_eq "$output" '[a b][$HOME][][*][-c]'
}

test_args_zero_found_in_container_path() {
    cfg '.process.env = ["PATH=/usr/sbin"]'
    # "hostname" is /bin/hostname in the rootfs: not on this PATH.
    set_args hostname
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_status 1
    cfg '.process.env = ["PATH=/bin"]'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_eq "$output" brig
}

test_env_exactly_as_configured() {
    export BRIG_TEST_HOST_ONLY=leak
    cfg '.process.env = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY=", "X=1=2"]'
    set_args env
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_contains "$output" $'FOO=bar baz'
    assert_contains "$output" $'X=1=2'
    assert_match "$output" $'(^|\n)EMPTY=(\n|$)'
    assert_contains "$output" "PATH=/bin:/usr/bin"
    assert_not_contains "$output" BRIG_TEST_HOST_ONLY "host environment leaked"
    assert_not_contains "$output" TERM=xterm "base env not replaced"
}

test_cwd() {
    cfg '.process.cwd = "/usr/bin"'
    inside 'pwd'
    assert_eq "$output" /usr/bin
    cfg '.process.cwd = "/"'
    inside 'pwd'
    assert_eq "$output" /
}

# A missing cwd is made, even with a read-only root (Kubernetes'
# readOnlyRootFilesystem with a workingDir the image lacks; runc does).
test_cwd_missing_is_made_with_readonly_root() {
    cfg '.root.readonly = true | .process.cwd = "/new/work/dir"'
    inside 'pwd; touch /x 2>/dev/null && echo writable || echo read-only'
    assert_eq "$output" $'/new/work/dir\nread-only'
}

# The cwd is entered before the user switch (runc): a directory only root
# may enter still works as the cwd of a process that runs as another user.
test_cwd_entered_before_the_user_switch() {
    mkdir -p "$BUNDLE/rootfs/secret"
    chmod 0700 "$BUNDLE/rootfs/secret"
    cfg '.process.cwd = "/secret" | .process.user = {uid: 65534, gid: 65534}'
    inside 'id -u; pwd'
    assert_eq "$output" $'65534\n/secret'
}

# The check that the program is executable judges as execve does: a
# non-root user with CAP_DAC_OVERRIDE runs a 0700 root-owned program.
test_executable_check_honours_cap_dac_override() {
    mkdir -p "$BUNDLE/rootfs/opt"
    cp "$BUNDLE/rootfs/bin/busybox" "$BUNDLE/rootfs/opt/busybox"
    chown 0:0 "$BUNDLE/rootfs/opt/busybox"
    chmod 0700 "$BUNDLE/rootfs/opt/busybox"
    cfg '.process.user = {uid: 1000, gid: 1000}
        | .process.capabilities |= (.bounding += ["CAP_DAC_OVERRIDE"] | .effective += ["CAP_DAC_OVERRIDE"]
                                    | .permitted += ["CAP_DAC_OVERRIDE"])'
    set_args /opt/busybox echo ran
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_eq "$output" ran
    # Without the capability it is refused, as execve would.
    cfg '.process.capabilities |= map_values(map(select(. != "CAP_DAC_OVERRIDE")))'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ne "$status" 0
    assert_contains "${stderr,,}" "permission denied"
}

# HOME comes from the container's /etc/passwd when process.env has none
# ("/" for a uid it does not list), as with runc; a given HOME is kept.
test_home_from_etc_passwd() {
    cfg '.process.env = ["PATH=/bin:/usr/bin"]'
    inside 'echo "$HOME"'
    assert_eq "$output" /root
    cfg '.process.user = {uid: 65534, gid: 65534}'
    inside 'echo "$HOME"'
    assert_eq "$output" /nonexistent
    cfg '.process.user = {uid: 4321, gid: 4321}'
    inside 'echo "$HOME"'
    assert_eq "$output" /
    cfg '.process.env += ["HOME=/given"]'
    inside 'echo "$HOME"'
    assert_eq "$output" /given
}

# The stdio pipes the process inherits are chowned to its uid (runc's
# fixStdioPermissions): a non-root process can reopen /dev/stdout.  A
# regular file given as stdout keeps its owner (brig's choice; runc chowns
# it too).
test_stdio_pipes_chowned_to_the_user() {
    local out
    cfg '.process.user = {uid: 65534, gid: 65534}'
    sh_args 'echo via-dev-stdout >/dev/stdout'
    out=$(B run --bundle "$BUNDLE" "$(new_id)" </dev/null 2>"$TDIR/err" | cat)
    assert_eq "$out" via-dev-stdout "$(cat "$TDIR/err")"
    if ! is_runc; then
        : >"$TDIR/file-out"
        B run --bundle "$BUNDLE" "$(new_id)" </dev/null >"$TDIR/file-out" 2>&1 || true
        assert_eq "$(stat -c %u "$TDIR/file-out")" 0 "a host file given as stdout changed owner"
    fi
}

test_user_uid_gid() {
    cfg '.process.user = {uid: 65534, gid: 65534}'
    inside 'id -u; id -g'
    assert_eq "$output" $'65534\n65534'
    cfg '.process.user = {uid: 1, gid: 100}'
    inside 'id -u; id -g; grep -E "^(Uid|Gid):" /proc/self/status'
    assert_eq "$(head -n 2 <<<"$output")" $'1\n100'
    # Real, effective, saved and fs ids all changed.
    assert_match "$output" $'Uid:\t1\t1\t1\t1'
    assert_match "$output" $'Gid:\t100\t100\t100\t100'
}

test_user_additional_gids() {
    cfg '.process.user = {uid: 65534, gid: 65534, additionalGids: [5, 100, 4242]}'
    inside 'awk "\$1 == \"Groups:\" {\$1 = \"\"; print}" /proc/self/status'
    assert_eq "$(tr ' ' '\n' <<<"$output" | grep . | sort -n | tr '\n' ' ')" "5 100 4242 " "supplementary groups"
}

test_user_host_groups_not_inherited() {
    require_cmd setpriv
    cfg '.process.user = {uid: 65534, gid: 65534}'
    sh_args 'awk "\$1 == \"Groups:\" {print NF - 1}" /proc/self/status'
    # The runtime is started with a supplementary group the config lacks.
    run setpriv --groups 4321 -- "$BRIG" --root "$ROOT" run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_eq "$output" 0 "supplementary groups in the container"
}

test_umask() {
    cfg '.process.user.umask = 23' # 0027
    inside 'umask'
    assert_eq "$output" 0027
    cfg '.process.user.umask = 63' # 0077
    inside 'umask'
    assert_eq "$output" 0077
}

test_umask_unset_is_inherited() {
    # The spec: if unspecified, the umask is not changed.
    skip_if_runc "sets umask 0022"
    umask 0077
    inside 'umask'
    assert_eq "$output" 0077
    umask 0002
    inside 'umask'
    assert_eq "$output" 0002
}

test_capabilities_root_match_config() {
    cfg '.process.capabilities = {
        bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_NET_RAW"],
        effective: ["CAP_KILL", "CAP_NET_RAW"],
        permitted: ["CAP_KILL", "CAP_NET_RAW"]}'
    inside 'cat /proc/self/status'
    assert_eq "$(cap_field CapBnd)" 00000000000020a1 CapBnd
    assert_eq "$(cap_field CapPrm)" 0000000000002020 CapPrm
    assert_eq "$(cap_field CapEff)" 0000000000002020 CapEff
    assert_eq "$(cap_field CapInh)" 0000000000000000 CapInh
    assert_eq "$(cap_field CapAmb)" 0000000000000000 CapAmb
}

test_capabilities_default_set() {
    inside 'cat /proc/self/status'
    # CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE.
    assert_eq "$(cap_field CapBnd)" 0000000020000420 CapBnd
    assert_eq "$(cap_field CapEff)" 0000000020000420 CapEff
    assert_eq "$(cap_field CapPrm)" 0000000020000420 CapPrm
}

test_capabilities_non_root_ambient() {
    cfg '.process.user = {uid: 65534, gid: 65534}'
    cfg '.process.noNewPrivileges = true'
    cfg '.process.capabilities = {
        bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"],
        effective: ["CAP_NET_RAW"], permitted: ["CAP_NET_RAW"],
        inheritable: ["CAP_NET_RAW"], ambient: ["CAP_NET_RAW"]}'
    inside 'cat /proc/self/status'
    assert_eq "$(cap_field CapBnd)" 0000000000002021 CapBnd
    assert_eq "$(cap_field CapInh)" 0000000000002000 CapInh
    assert_eq "$(cap_field CapAmb)" 0000000000002000 CapAmb
    assert_eq "$(cap_field CapPrm)" 0000000000002000 CapPrm
    assert_eq "$(cap_field CapEff)" 0000000000002000 CapEff
}

test_capabilities_all_dropped() {
    cfg '.process.capabilities = {bounding: [], effective: [], permitted: []}'
    inside 'cat /proc/self/status'
    local f
    for f in CapBnd CapPrm CapEff CapInh CapAmb; do
        assert_eq "$(cap_field $f)" 0000000000000000 "$f"
    done
}

test_capabilities_absent_means_none() {
    cfg 'del(.process.capabilities)'
    inside 'cat /proc/self/status'
    assert_eq "$(cap_field CapEff)" 0000000000000000 CapEff
    assert_eq "$(cap_field CapBnd)" 0000000000000000 CapBnd
}

test_capability_really_dropped() {
    # Without CAP_CHOWN root cannot chown a file it does not own... and with
    # it, it can: the same command both ways.
    cfg '.root.readonly = false'
    cfg '.process.capabilities = {bounding: ["CAP_CHOWN"], effective: ["CAP_CHOWN"], permitted: ["CAP_CHOWN"]}'
    inside 'touch /tmp/f && chown 1:1 /tmp/f && echo chowned'
    assert_eq "$output" chowned
    cfg '.process.capabilities = {bounding: [], effective: [], permitted: []}'
    sh_args 'touch /tmp/g && chown 1:1 /tmp/g && echo chowned'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ne "$status" 0 "chown without CAP_CHOWN succeeded"
    assert_not_contains "$output" chowned
}

test_rlimits() {
    cfg '.process.rlimits = [
        {type: "RLIMIT_NOFILE", soft: 100, hard: 200},
        {type: "RLIMIT_CORE", soft: 0, hard: 4096},
        {type: "RLIMIT_NPROC", soft: 555, hard: 666}]'
    inside 'ulimit -n; cat /proc/self/limits'
    assert_eq "$(head -n 1 <<<"$output")" 100 "ulimit -n"
    assert_match "$output" $'Max open files +100 +200 ' "NOFILE"
    assert_match "$output" $'Max core file size +0 +4096 ' "CORE"
    assert_match "$output" $'Max processes +555 +666 ' "NPROC"
}

test_rlimit_raising_hard_limit() {
    # The runtime runs as root: it may raise a hard limit above its own.
    host_has_cap 24 || skip "no CAP_SYS_RESOURCE on this host"
    cfg '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 4096, hard: 8192}]'
    ulimit -n 1024 2>/dev/null || true
    inside 'cat /proc/self/limits'
    assert_match "$output" $'Max open files +4096 +8192 '
}

test_duplicate_rlimit_is_an_error() {
    skip_if_runc "accepts duplicate rlimits"
    cfg '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 200, hard: 200},
                             {type: "RLIMIT_NOFILE", soft: 100, hard: 100}]'
    set_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed run
}

test_invalid_rlimit_fails() {
    cfg '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 200, hard: 100}]'
    set_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_status 1
}

test_no_new_privileges() {
    cfg '.process.noNewPrivileges = true'
    inside 'grep NoNewPrivs /proc/self/status'
    assert_eq "$output" $'NoNewPrivs:\t1'
    cfg '.process.noNewPrivileges = false'
    inside 'grep NoNewPrivs /proc/self/status'
    assert_eq "$output" $'NoNewPrivs:\t0'
}

test_oom_score_adj() {
    cfg '.process.oomScoreAdj = 500'
    inside 'cat /proc/self/oom_score_adj'
    assert_eq "$output" 500
}

test_oom_score_adj_negative() {
    # Lowering it below the caller's needs CAP_SYS_RESOURCE.
    host_has_cap 24 || skip "no CAP_SYS_RESOURCE on this host"
    cfg '.process.oomScoreAdj = -300'
    inside 'cat /proc/self/oom_score_adj'
    assert_eq "$output" -300
}

test_oom_score_adj_default_inherited() {
    echo 123 >/proc/self/oom_score_adj
    cfg 'del(.process.oomScoreAdj)'
    inside 'cat /proc/self/oom_score_adj'
    assert_eq "$output" 123
}

test_hostname() {
    local host_name
    host_name=$(cat /proc/sys/kernel/hostname)
    cfg '.hostname = "brig-test-host"'
    inside 'hostname; cat /proc/sys/kernel/hostname'
    assert_eq "$output" $'brig-test-host\nbrig-test-host'
    assert_eq "$(cat /proc/sys/kernel/hostname)" "$host_name" "host hostname changed"
}

test_domainname() {
    skip_if_runc "1.1 has no domainname"
    local host_domain
    host_domain=$(cat /proc/sys/kernel/domainname)
    cfg '.domainname = "example.org"'
    inside 'cat /proc/sys/kernel/domainname'
    assert_eq "$output" example.org
    assert_eq "$(cat /proc/sys/kernel/domainname)" "$host_domain" "host domainname changed"
}

test_hostname_without_uts_namespace_is_an_error() {
    cfg 'del(.linux.namespaces[] | select(.type == "uts")) | .hostname = "nope"'
    set_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed run
}

test_stdio_passed_through() {
    local out=$TDIR/out err=$TDIR/err rc=0
    sh_args 'read line; echo "got:$line"; echo "to-stderr" >&2; cat'
    printf 'first\nrest\n' | B run --bundle "$BUNDLE" "$(new_id)" >"$out" 2>"$err" || rc=$?
    assert_eq "$rc" 0 "exit status"
    assert_eq "$(cat "$out")" $'got:first\nrest' stdout
    assert_eq "$(cat "$err")" to-stderr stderr
}

test_stdio_of_created_container_is_the_callers() {
    local id out=$TDIR/out
    id=$(new_id)
    sh_args 'echo from-container'
    B create --bundle "$BUNDLE" "$id" >"$out" 2>&1 </dev/null
    B start "$id" >/dev/null 2>&1
    wait_status "$id" stopped
    assert_eq "$(cat "$out")" from-container
}
