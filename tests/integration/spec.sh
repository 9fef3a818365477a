# shellcheck shell=bash disable=SC2153,SC2154,SC2164
# (ROOT, BUNDLE, TDIR, output, status... come from tests/lib/helpers.sh)
# brig spec: the hardened config.json, --rootless, --profile runc, --bundle,
# never overwriting; and that the hardened bundle really runs hardened.

setup() {
    skip_if_runc "brig spec writes brig's hardened profile"
    is_crun && skip "crun spec is crun's own"
    # The host's /etc/brig/brig.json must not change what these tests see.
    export BRIG_CONFIG=$TDIR/no-brig-config.json
}

# spec_in DIR [ARGS...]: `brig spec` writing DIR/config.json.
spec_in() {
    local d=$1
    shift
    mkdir -p "$d"
    run B spec --bundle "$d" "$@"
    assert_ok
    [ -s "$d/config.json" ] || fail "no $d/config.json"
    jq -e . "$d/config.json" >/dev/null || fail "$d/config.json is not JSON"
}

# hardened_bundle: $BUNDLE's config replaced by `brig spec`, process ARGS.
hardened_bundle() {
    rm -f "$BUNDLE/config.json"
    run B spec --bundle "$BUNDLE"
    assert_ok
    set_args "$@"
}

test_spec_writes_the_hardened_profile() {
    local d=$TDIR/spec c
    spec_in "$d"
    c=$d/config.json
    assert_eq "$(jq -c .process.user "$c")" '{"uid":65534,"gid":65534}' "user"
    assert_eq "$(jq -c '[.process.capabilities[] | length] | add' "$c")" 0 "capabilities"
    assert_eq "$(jq -c '.process.capabilities | keys' "$c")" \
        '["ambient","bounding","effective","inheritable","permitted"]' "capability sets"
    assert_eq "$(jq .process.noNewPrivileges "$c")" true "noNewPrivileges"
    assert_eq "$(jq .process.terminal "$c")" false "terminal"
    assert_eq "$(jq .root.readonly "$c")" true "root.readonly"
    assert_eq "$(jq -c '.mounts[] | select(.destination == "/tmp") | [.type, (.options | index("noexec") != null)]' "$c")" \
        '["tmpfs",true]' "/tmp tmpfs"
    assert_eq "$(jq -c '[.linux.namespaces[].type] | sort' "$c")" \
        '["cgroup","ipc","mount","network","pid","uts"]' "namespaces"
    assert_eq "$(jq -r .linux.seccomp.defaultAction "$c")" SCMP_ACT_ERRNO "seccomp default action"
    # The profile is the built-in RuntimeDefault, verbatim.
    assert_eq "$(jq -cS .linux.seccomp "$c")" "$(jq -cS . "$SRC_DIR/profiles/runtime-default.json")" \
        "seccomp profile"
    assert_eq "$(jq -c '.linux.maskedPaths | index("/proc/kcore") != null and index("/sys/firmware") != null' "$c")" \
        true "maskedPaths"
    assert_eq "$(jq -c '.linux.readonlyPaths | index("/proc/sys") != null' "$c")" true "readonlyPaths"
    assert_eq "$(jq -c '.linux.resources | [.memory.limit > 0, .pids.limit > 0, .cpu.quota > 0]' "$c")" \
        '[true,true,true]' "limits"
    assert_eq "$(jq -c .linux.resources.devices "$c")" '[{"allow":false,"access":"rwm"}]' "devices"
    assert_eq "$(jq -c '.linux.devices // [] | length' "$c")" 0 "no extra devices"
    # Nothing for `brig check` to find, at the strictest level.
    run B check --bundle "$d"
    assert_ok
    assert_contains "$output" "no findings"
}

test_spec_refuses_to_overwrite_config() {
    local d=$TDIR/spec sum
    spec_in "$d"
    echo '{"mine": true}' >"$d/config.json"
    sum=$(sha256sum <"$d/config.json")
    run B spec --bundle "$d"
    assert_failed spec
    assert_contains "$stderr" "$d/config.json already exists: remove it first"
    assert_eq "$(sha256sum <"$d/config.json")" "$sum" "config.json was changed"
    # In the current directory too, as runc does.
    (cd "$d" && "$BRIG" spec) 2>"$TDIR/err" && fail "spec overwrote ./config.json"
    assert_contains "$(cat "$TDIR/err")" "config.json already exists"
    assert_eq "$(sha256sum <"$d/config.json")" "$sum" "config.json was changed"
    # A dangling symlink is not followed either.
    rm "$d/config.json"
    ln -s "$TDIR/elsewhere.json" "$d/config.json"
    run B spec --bundle "$d"
    assert_failed spec
    assert_not_exists "$TDIR/elsewhere.json" "spec wrote through a symlink"
}

test_spec_bundle_flag_forms() {
    mkdir -p "$TDIR/a" "$TDIR/b" "$TDIR/c"
    run B spec -b "$TDIR/a"
    assert_ok
    run B spec --bundle="$TDIR/b"
    assert_ok
    (cd "$TDIR/c" && "$BRIG" spec) || fail "spec in the current directory failed"
    assert_exists "$TDIR/a/config.json"
    assert_exists "$TDIR/b/config.json"
    assert_exists "$TDIR/c/config.json"
    run B spec --bundle "$TDIR/missing"
    assert_failed spec
    assert_contains "$stderr" "$TDIR/missing/config.json"
}

test_spec_usage_errors() {
    run B spec --profile lax --bundle "$TDIR"
    assert_failed spec
    assert_contains "$stderr" 'unknown --profile "lax"'
    run B spec --frobnicate
    assert_failed spec
    run B spec extra-argument
    assert_failed spec
    assert_not_exists "$TDIR/config.json"
    run B spec --help
    assert_ok
    assert_contains "$output" "--rootless"
}

test_spec_profile_runc_is_what_runc_writes() {
    require_cmd runc
    spec_in "$TDIR/brig" --profile runc
    mkdir -p "$TDIR/runc"
    (cd "$TDIR/runc" && runc spec) || fail "runc spec failed"
    assert_eq "$(jq -S 'del(.ociVersion)' "$TDIR/brig/config.json")" \
        "$(jq -S 'del(.ociVersion)' "$TDIR/runc/config.json")" "brig spec --profile runc differs from runc spec"
    spec_in "$TDIR/brig-rl" --profile runc --rootless
    mkdir -p "$TDIR/runc-rl"
    (cd "$TDIR/runc-rl" && runc spec --rootless) || fail "runc spec --rootless failed"
    assert_eq "$(jq -S 'del(.ociVersion)' "$TDIR/brig-rl/config.json")" \
        "$(jq -S 'del(.ociVersion)' "$TDIR/runc-rl/config.json")" \
        "brig spec --profile runc --rootless differs from runc spec --rootless"
}

test_spec_rootless_maps_the_caller() {
    local d=$TDIR/rl c
    mkdir -p "$d"
    chmod 777 "$d"
    # Written by an unprivileged user: root inside is that user outside.
    setpriv --reuid 65534 --regid 65534 --clear-groups "$BRIG" spec --rootless --bundle "$d" ||
        fail "spec --rootless as uid 65534 failed"
    c=$d/config.json
    assert_eq "$(jq -c .linux.uidMappings "$c")" '[{"containerID":0,"hostID":65534,"size":1}]' "uidMappings"
    assert_eq "$(jq -c .linux.gidMappings "$c")" '[{"containerID":0,"hostID":65534,"size":1}]' "gidMappings"
    assert_eq "$(jq -c '[.linux.namespaces[].type] | sort' "$c")" \
        '["cgroup","ipc","mount","network","pid","user","uts"]' "namespaces"
    assert_eq "$(jq -c .process.user "$c")" '{"uid":0,"gid":0}' "user"
    assert_eq "$(jq '[.process.capabilities[] | length] | add' "$c")" 0 "capabilities"
    assert_eq "$(jq -r '.mounts[] | select(.type == "devpts") | .options | index("gid=5")' "$c")" null "devpts gid"
    assert_eq "$(jq -c '.linux.resources // "none"' "$c")" '"none"' "resources"
    # Root in that user namespace is not root: only the missing limits remain.
    run B check --bundle "$d" --format json
    assert_status 1
    assert_eq "$(printf '%s\n' "$output" | jq -c '[.findings[].check] | sort')" \
        '["limit-cpu","limit-memory","limit-pids"]' "findings"
}

test_hardened_bundle_runs_confined() {
    hardened_bundle sh -c 'id -u; id -g; grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status;
        touch /x 2>/dev/null && echo root-writable; touch /tmp/y && echo tmp-writable;
        unshare -U true 2>/dev/null && echo unshare-allowed; wc -c </proc/timer_list; hostname'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_eq "$output" "65534
65534
CapEff:	0000000000000000
CapBnd:	0000000000000000
NoNewPrivs:	1
Seccomp:	2
tmp-writable
0
brig"
}

test_hardened_bundle_has_limits() {
    local id f
    hardened_bundle sleep 30
    id=$(new_id)
    create_ctr "$id"
    # The container's cgroup, wherever this host keeps it.  (find fails
    # when other tests' cgroups go while it walks: only its output counts.)
    f=$({ find /sys/fs/cgroup -path "*$id*" -name pids.max 2>/dev/null || true; } | head -n 1)
    [ -n "$f" ] || fail "no pids cgroup for $id"
    assert_eq "$(cat "$f")" "$(jq .linux.resources.pids.limit "$BUNDLE/config.json")" "pids.max"
    f=$({ find /sys/fs/cgroup -path "*$id*" \( -name memory.limit_in_bytes -o -name memory.max \) 2>/dev/null || true; } | head -n 1)
    [ -n "$f" ] || fail "no memory cgroup for $id"
    assert_eq "$(cat "$f")" "$(jq .linux.resources.memory.limit "$BUNDLE/config.json")" "memory limit"
}

# The isolation probe (tests/security) under brig's own spec: every way out
# it knows must be blocked.
test_native_spec_blocks_every_probe() {
    local bench=$SRC_DIR/tests/security/isolation-bench probe=$BRIG_BUILDDIR/tests/security/probe bad
    [ -x "$probe" ] || skip "tests/security/probe is not built (make check builds it)"
    local rc=0 report=$TDIR/bench.json
    # Not through `run`: the report is long and only its verdicts matter.
    "$bench" --runtime "$BRIG" --probe "$probe" --suite container --config native --json --strict >"$report" \
        2>"$TDIR/bench.err" </dev/null || rc=$?
    bad=$(jq -r '.runs[0].probes[]? | select(.result != "blocked")
        | "  \(.probe): \(.result) - \(.detail)"' "$report" 2>/dev/null)
    [ -z "$bad" ] || fail "probes not blocked under brig spec:"$'\n'"$bad"
    [ "$rc" = 0 ] || fail "isolation-bench exited $rc: $(head -c 2000 "$TDIR/bench.err")"
    assert_eq "$(jq '.runs[0].score.blocked == .runs[0].score.total and .runs[0].score.total > 60' "$report")" \
        true "score: $(jq -c '.runs[0].score' "$report")"
}
