# shellcheck shell=bash disable=SC2153,SC2154,SC2164
# (ROOT, BUNDLE, TDIR, output, status... come from tests/lib/helpers.sh)
# --policy: "default" fills in what a bundle left unsaid (and records it in
# the state), never touching what it said or a privileged container;
# "baseline" and "restricted" refuse a bundle before anything is set up,
# naming every violation; "off" is runc's behaviour.  The mode comes from
# --policy, else $BRIG_CONFIG (/etc/brig/brig.json), else "default".

setup() {
    skip_if_runc "--policy is brig's own"
    is_crun && skip "--policy is brig's own"
    # Each test chooses the config file's content; none by default.
    export BRIG_CONFIG=$TDIR/brig.json
}

# What the process sees: seccomp mode, no_new_privs, whether unshare(2)
# passes (the RuntimeDefault profile denies it), whether /proc/timer_list
# reads empty (masked) and whether /proc/sys is mounted read-only.
# shellcheck disable=SC2016 # expanded in the container
PROBE='s=$(grep "^Seccomp:" /proc/self/status | cut -f2); n=$(grep "^NoNewPrivs:" /proc/self/status | cut -f2);
unshare -U true 2>/dev/null && u=unshare-ok || u=unshare-denied;
[ "$(wc -c </proc/timer_list)" -gt 0 ] && t=timer_list-readable || t=timer_list-masked;
grep -q " /proc/sys .*ro," /proc/self/mountinfo && p=sys-ro || p=sys-rw;
echo "seccomp=$s nnp=$n $u $t $p"'

# probe_with ARGS...: run PROBE in $BUNDLE with `brig ARGS run`; $output.
probe_with() {
    sh_args "$PROBE"
    run B "$@" run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
}

# added_by ARGS...: the org.brig.policy.added annotation create records.
added_by() {
    local id
    id=$(new_id)
    set_args true
    run B "$@" create --bundle "$BUNDLE" "$id"
    assert_ok
    state_of "$id" | jq -r '.annotations["org.brig.policy.added"] // "none"'
    B delete --force "$id" >/dev/null
}

# The test bundle is runc's default: no seccomp, no_new_privs on, masks.
test_default_fills_in_seccomp_only() {
    probe_with
    assert_eq "$output" "seccomp=2 nnp=1 unshare-denied timer_list-masked sys-ro"
    assert_eq "$(added_by)" seccomp
    # The same as --policy default given explicitly.
    assert_eq "$(added_by --policy default)" seccomp
    # Annotations the bundle has are kept beside it.
    cfg '.annotations = {"org.example/team": "a"}'
    local id
    id=$(new_id)
    create_ctr "$id"
    assert_eq "$(state_of "$id" | jq -c .annotations)" \
        '{"org.example/team":"a","org.brig.policy.added":"seccomp"}'
}

test_default_fills_in_everything_unsaid() {
    cfg 'del(.process.noNewPrivileges) | del(.linux.maskedPaths) | del(.linux.readonlyPaths)'
    probe_with
    assert_eq "$output" "seccomp=2 nnp=1 unshare-denied timer_list-masked sys-ro"
    assert_eq "$(added_by)" "seccomp,noNewPrivileges,maskedPaths,readonlyPaths"
    # Under --policy off the same bundle runs as written.
    probe_with --policy off
    assert_eq "$output" "seccomp=0 nnp=0 unshare-ok timer_list-readable sys-rw"
    assert_eq "$(added_by --policy off)" none
}

test_default_keeps_what_the_bundle_says() {
    # Its own (permissive) filter, no_new_privs off, nothing masked.
    cfg '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["keyctl"], action: "SCMP_ACT_ERRNO"}]}
        | .process.noNewPrivileges = false | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
    probe_with
    assert_eq "$output" "seccomp=2 nnp=0 unshare-ok timer_list-readable sys-rw"
    assert_eq "$(added_by)" none
    # A bundle with its own filter (every engine's) keeps no_new_privs as
    # written even when the false was left out, as Go engines do.
    cfg 'del(.process.noNewPrivileges)'
    probe_with
    assert_eq "$output" "seccomp=2 nnp=0 unshare-ok timer_list-readable sys-rw"
    # So does one with masked paths but no filter (a Kubernetes pod without
    # a seccomp profile): it gets RuntimeDefault, and its setuid programs work.
    cfg 'del(.linux.seccomp) | .linux.maskedPaths = ["/proc/timer_list"]'
    probe_with
    assert_eq "$output" "seccomp=2 nnp=0 unshare-denied timer_list-masked sys-rw"
    assert_eq "$(added_by)" seccomp
}

test_default_leaves_privileged_containers_alone() {
    cfg 'del(.process.noNewPrivileges) | del(.linux.maskedPaths) | del(.linux.readonlyPaths)
        | .process.capabilities |= map_values(. + ["CAP_SYS_ADMIN"])'
    probe_with
    assert_eq "$output" "seccomp=0 nnp=0 unshare-ok timer_list-readable sys-rw"
    assert_eq "$(added_by)" none
}

test_bundle_annotation_opts_out_of_default() {
    cfg '.annotations["org.brig.policy"] = "off"'
    probe_with
    assert_eq "$output" "seccomp=0 nnp=1 unshare-ok timer_list-masked sys-ro"
    assert_eq "$(added_by)" none
}

test_restricted_refuses_naming_every_violation() {
    local id
    id=$(new_id)
    set_args true
    run B --policy restricted run --bundle "$BUNDLE" "$id"
    assert_failed run
    assert_contains "$stderr" "brig: run: policy restricted refuses this bundle (9 violations; see brig check --policy restricted):"
    local p
    for p in "linux.seccomp: no seccomp filter" "process.user.uid: the process runs as root" \
        "linux.resources.memory.limit:" "linux.resources.pids.limit:" "linux.resources.cpu:" \
        "linux.maskedPaths:" "linux.namespaces: the container shares the host's cgroup namespace" \
        "CAP_AUDIT_WRITE is kept" "CAP_KILL is kept"; do
        assert_contains "$stderr" "$p"
    done
    # Refused before anything was set up: no state, no cgroup.
    assert_not_exists "$ROOT/$id"
    [ -z "$(find /sys/fs/cgroup -maxdepth 3 -name "$id" 2>/dev/null)" ] || fail "a cgroup for $id was made"
    run B --policy restricted create --bundle "$BUNDLE" "$id"
    assert_failed create
    assert_contains "$stderr" "brig: create: policy restricted refuses this bundle"
    assert_not_exists "$ROOT/$id"
    # brig check says the same.
    run B check --bundle "$BUNDLE" --policy restricted
    assert_status 1
    assert_contains "$output" "9 findings"
}

test_restricted_runs_the_hardened_spec() {
    rm -f "$BUNDLE/config.json"
    run B spec --bundle "$BUNDLE"
    assert_ok
    probe_with --policy restricted
    assert_eq "$output" "seccomp=2 nnp=1 unshare-denied timer_list-masked sys-ro"
    # One weakening is enough to be refused.
    cfg '.process.noNewPrivileges = false'
    set_args true
    run B --policy restricted run --bundle "$BUNDLE" "$(new_id)"
    assert_failed run
    assert_contains "$stderr" "(1 violation; see brig check --policy restricted): process.noNewPrivileges:"
}

test_baseline_refuses_only_baseline_violations() {
    # runc's default meets baseline.
    probe_with --policy baseline
    assert_eq "$output" "seccomp=0 nnp=1 unshare-ok timer_list-masked sys-ro"
    cfg '.process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .linux.namespaces |= map(select(.type != "pid"))'
    set_args true
    run B --policy baseline run --bundle "$BUNDLE" "$(new_id)"
    assert_failed run
    assert_contains "$stderr" "policy baseline refuses this bundle (2 violations; see brig check --policy baseline)"
    assert_contains "$stderr" "CAP_SYS_ADMIN is granted"
    assert_contains "$stderr" "[host-pid-namespace]"
}

test_config_file_sets_the_policy() {
    set_args true
    echo '{"policy": "restricted"}' >"$BRIG_CONFIG"
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed run
    assert_contains "$stderr" "policy restricted refuses this bundle"
    # The command line wins over the file.
    run B --policy default run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    echo '{"policy": "off"}' >"$BRIG_CONFIG"
    assert_eq "$(added_by)" none
    echo '{"other": "setting"}' >"$BRIG_CONFIG"
    assert_eq "$(added_by)" seccomp
    # A broken file stops create rather than falling back to a weaker policy.
    echo '{"policy": "strict"}' >"$BRIG_CONFIG"
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed run
    assert_contains "$stderr" "$BRIG_CONFIG: policy: unknown policy \"strict\""
    echo '{"policy": ' >"$BRIG_CONFIG"
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed run
    assert_contains "$stderr" "$BRIG_CONFIG: invalid JSON"
    # Commands that start nothing do not read it.
    run B list
    assert_ok
}

test_bundle_annotation_tightens_never_loosens() {
    set_args true
    cfg '.annotations["org.brig.policy"] = "restricted"'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed run
    assert_contains "$stderr" "policy restricted refuses this bundle"
    cfg '.annotations["org.brig.policy"] = "off" | .process.capabilities.bounding += ["CAP_SYS_ADMIN"]'
    run B --policy baseline run --bundle "$BUNDLE" "$(new_id)"
    assert_failed run
    assert_contains "$stderr" "policy baseline refuses this bundle"
    cfg '.annotations["org.brig.policy"] = "lenient"'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed run
    assert_contains "$stderr" 'annotations["org.brig.policy"]: unknown policy "lenient"'
}

test_invalid_policy_flag() {
    run B --policy strict list
    assert_failed
    assert_contains "$stderr" '--policy: unknown policy "strict": expected off, default, baseline or restricted'
    run B --policy=off list
    assert_ok
}

# What "default" added at create holds for processes exec'd later.
test_default_applies_to_exec() {
    local id
    cfg 'del(.process.noNewPrivileges) | del(.linux.maskedPaths)'
    set_args sleep 30
    id=$(new_id)
    run B run --detach --bundle "$BUNDLE" "$id"
    assert_ok
    run B exec "$id" sh -c "$PROBE"
    assert_ok
    assert_eq "$output" "seccomp=2 nnp=1 unshare-denied timer_list-masked sys-ro"
    id=$(new_id)
    run B --policy off run --detach --bundle "$BUNDLE" "$id"
    assert_ok
    run B exec "$id" sh -c "$PROBE"
    assert_ok
    assert_eq "$output" "seccomp=0 nnp=0 unshare-ok timer_list-readable sys-ro"
}

# A container that passed restricted cannot be given more through exec:
# the new process is judged like the container's own (capabilities, user,
# no_new_privs, LSM), whether from the command line or a process.json.
test_restricted_judges_exec() {
    local id
    echo '{"policy": "restricted"}' >"$BRIG_CONFIG"
    rm -f "$BUNDLE/config.json"
    run B spec --bundle "$BUNDLE"
    assert_ok
    set_args sleep 30
    id=$(new_id)
    run B run --detach --bundle "$BUNDLE" "$id"
    assert_ok
    run B exec "$id" true
    assert_ok
    run B exec --cap CAP_SYS_ADMIN "$id" true
    assert_status 255 # runc's exec failure
    assert_contains "$stderr" "brig: exec: policy restricted refuses this process (1 violation; see brig check --policy restricted): process.capabilities"
    assert_contains "$stderr" "CAP_SYS_ADMIN is granted"
    run B exec --user 0:0 "$id" true
    assert_status 255
    assert_contains "$stderr" "process.user.uid: the process runs as root"
    jq '.process | .args = ["true"] | .noNewPrivileges = false | .apparmorProfile = "unconfined"' \
        "$BUNDLE/config.json" >"$TDIR/process.json"
    run B exec --process "$TDIR/process.json" "$id"
    assert_status 255
    assert_contains "$stderr" "process.noNewPrivileges:"
    # --policy on the command line is the host's choice, as for create.
    run B --policy off exec --cap CAP_SYS_ADMIN "$id" true
    assert_ok
}

# Under "default", a process.json that says nothing about no_new_privs
# gets it when create filled it in for the container's process.
test_default_fills_exec_process_json() {
    local id
    cfg 'del(.process.noNewPrivileges) | del(.linux.maskedPaths)'
    set_args sleep 30
    id=$(new_id)
    run B run --detach --bundle "$BUNDLE" "$id"
    assert_ok
    jq --arg p "$PROBE" '.process | del(.noNewPrivileges) | .args = ["sh", "-c", $p]' "$BUNDLE/config.json" >"$TDIR/process.json"
    run B exec --process "$TDIR/process.json" "$id"
    assert_ok
    assert_contains "$output" "nnp=1"
}

# Engines write their own seccomp profile and masks for every container;
# when a config of theirs has none, the user chose that
# (--security-opt seccomp=unconfined, unmask=ALL, a Kubernetes Unconfined
# profile): "default" leaves it so.  The configs here carry the markers
# each engine leaves (brig-security(7) lists them).
test_default_honours_the_engines_markers() {
    local ann
    cfg 'del(.linux.maskedPaths) | del(.linux.readonlyPaths)'
    # podman run --security-opt seccomp=unconfined --security-opt unmask=ALL
    for ann in '{"io.container.manager": "libpod", "io.podman.annotations.seccomp": "unconfined"}' \
        '{"io.container.manager": "libpod"}' \
        '{"io.container.manager": "cri-o", "io.kubernetes.cri-o.ContainerType": "container", "io.kubernetes.cri-o.SeccompProfilePath": "Unconfined"}' \
        '{"io.kubernetes.cri.container-type": "container", "io.kubernetes.cri.sandbox-id": "x"}'; do
        cfg --argjson a "$ann" '.annotations = $a'
        probe_with
        assert_eq "$output" "seccomp=0 nnp=1 unshare-ok timer_list-readable sys-rw" "markers $ann"
        assert_eq "$(added_by)" none "markers $ann"
    done
    # The kubelet's own annotation (Kubernetes before 1.27), passed through:
    # seccomp only; the masks were not chosen.
    for ann in '{"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}' \
        '{"container.seccomp.security.alpha.kubernetes.io/app": "unconfined"}'; do
        cfg --argjson a "$ann" '.annotations = $a'
        probe_with
        assert_eq "$output" "seccomp=0 nnp=1 unshare-ok timer_list-masked sys-ro" "markers $ann"
        assert_eq "$(added_by)" "maskedPaths,readonlyPaths" "markers $ann"
    done
    # ctr without --seccomp leaves no marker: filled in.  Other annotations
    # (a RuntimeDefault kubelet annotation) are no marker either.
    cfg '.annotations = {"seccomp.security.alpha.kubernetes.io/pod": "runtime/default", "io.containerd.image.name": "x"}'
    probe_with
    assert_eq "$output" "seccomp=2 nnp=1 unshare-denied timer_list-masked sys-ro"
    assert_eq "$(added_by)" "seccomp,maskedPaths,readonlyPaths"
}

# Every fill-in is one warning line in the --log file the engine keeps (in
# its --log-format); nothing on stderr for a user at a shell.
test_fill_in_is_a_warning_in_the_log() {
    local log=$TDIR/brig.log
    set_args true
    run B --log "$log" --log-format json run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_eq "$stderr" "" stderr
    assert_eq "$(jq -r 'select(.level == "warning") | .msg' "$log" | grep -c 'policy default: added seccomp')" 1 \
        "warning lines in $(cat "$log")"
    rm -f "$log"
    run B --log "$log" run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_match "$(cat "$log")" '^time="[^"]+" level=warning msg="policy default: added seccomp, which the config leaves out' text
    # Nothing added, nothing logged.
    rm -f "$log"
    cfg '.annotations = {"io.container.manager": "libpod"}'
    run B --log "$log" run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    [ ! -s "$log" ] || fail "logged without a fill-in: $(cat "$log")"
}

# The masks "default" adds to a bundle that mounts no /dev tmpfs (and whose
# rootfs has no /dev/null) are made with brig's own null device: the
# fill-in never turns a working bundle into a failing one.
test_filled_in_masks_need_no_dev_null_in_the_bundle() {
    cfg '.mounts |= map(select(.destination | startswith("/dev") | not)) | del(.linux.maskedPaths)'
    rm -f "$BUNDLE/rootfs/dev/null"
    # shellcheck disable=SC2016 # expanded in the container
    sh_args '[ -e /dev/null ] && echo has-null; echo "timer_list=$(wc -c </proc/timer_list)"'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_eq "$output" "timer_list=0"
    # The bundle's own masks still need the container's null device.
    cfg '.linux.maskedPaths = ["/proc/timer_list"]'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed run
    assert_contains "$stderr" "open /dev/null in the container"
}
