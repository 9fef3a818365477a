# shellcheck shell=bash disable=SC2153,SC2154,SC2164
# (ROOT, BUNDLE, TDIR, output, status... come from tests/lib/helpers.sh)
# The hostile-config corpus (tests/security/policy-corpus/NAME.json, one
# technique a file): `brig check --policy restricted` reports each with the
# finding the file names, `brig --policy restricted create/run` refuses
# each and leaves nothing behind, and under --policy off (runc's behaviour)
# each technique really grants what it claims, so the corpus stays honest.

CORPUS=$SRC_DIR/tests/security/policy-corpus

setup() {
    skip_if_runc "--policy and brig check are brig's own"
    is_crun && skip "--policy and brig check are brig's own"
    export BRIG_CONFIG=$TDIR/no-brig-config.json
    [ -n "$(corpus)" ] || fail "no corpus in $CORPUS"
}

corpus() {
    ls "$CORPUS"/*.json 2>/dev/null
}

# use FILE: FILE becomes $BUNDLE/config.json (the rootfs stays).
use() {
    cp "$1" "$BUNDLE/config.json"
}

note() {
    jq -r --arg k "org.brig.corpus.$2" '.annotations[$k] // ""' "$1"
}

test_corpus_files_are_documented() {
    local f n=0
    for f in $(corpus); do
        n=$((n + 1))
        [ -n "$(note "$f" comment)" ] || fail "$f: no org.brig.corpus.comment"
        [ -n "$(note "$f" finding)" ] || fail "$f: no org.brig.corpus.finding"
        jq -e '.process.args[0] == "sh"' "$f" >/dev/null || fail "$f: process.args is not the demonstration"
    done
    [ "$n" -ge 20 ] || fail "only $n corpus files"
}

test_check_restricted_reports_each() {
    local f name want got
    for f in $(corpus); do
        name=$(basename "$f" .json)
        use "$f"
        run B check --bundle "$BUNDLE" --policy restricted --format json
        [ "$status" = 1 ] || fail "$name: brig check --policy restricted exited $status (expected 1): $stderr"
        want=$(note "$f" finding)
        got=$(printf '%s\n' "$output" | jq -r '.findings[] | "\(.check) \(.path)"')
        printf '%s\n' "$got" | grep -qE "$want" ||
            fail "$name: no finding matching /$want/ ($(note "$f" comment)); got:
$got"
        # The text format names it too.
        run B check --bundle "$BUNDLE"
        assert_status 1
    done
}

# The rootfs as it was, to show a refused create changed nothing in it.
rootfs_sum() {
    (cd "$BUNDLE/rootfs" && find . -xdev -printf '%p %y %s %m\n' | sort | md5sum)
}

test_restricted_refuses_each_and_leaves_nothing() {
    local f name id before cmd
    before=$(rootfs_sum)
    for f in $(corpus); do
        name=$(basename "$f" .json)
        use "$f"
        for cmd in create run; do
            id=$(new_id)
            run B --policy restricted "$cmd" --bundle "$BUNDLE" "$id"
            [ "$status" -ne 0 ] || fail "$name: brig --policy restricted $cmd accepted it"
            assert_contains "$stderr" "policy restricted refuses this bundle"
            run B state "$id"
            [ "$status" -ne 0 ] || fail "$name: $cmd left container $id behind"
            [ -z "$(cgroup_dirs_of "$id")" ] || fail "$name: $cmd left a cgroup: $(cgroup_dirs_of "$id")"
        done
        # The same through the host's config file.
        echo '{"policy": "restricted"}' >"$TDIR/brig.json"
        id=$(new_id)
        BRIG_CONFIG=$TDIR/brig.json run B run --bundle "$BUNDLE" "$id"
        [ "$status" -ne 0 ] || fail "$name: /etc/brig/brig.json restricted accepted it"
        assert_contains "$stderr" "policy restricted refuses this bundle"
    done
    [ -z "$(B list -q)" ] || fail "containers left: $(B list -q)"
    [ ! -e "$BUNDLE/rootfs/.corpus-hook-ran" ] || fail "a refused bundle's hook ran"
    [ "$(rootfs_sum)" = "$before" ] || fail "a refused bundle changed the rootfs"
}

# needs FILE: empty when the host can show FILE's technique, else why not.
missing_need() {
    local n
    for n in $(note "$1" needs | tr ',' ' '); do
        case $n in
            userns) unshare -U true 2>/dev/null || echo "no user namespaces on this host" ;;
            fs:*) grep -qw "${n#fs:}" /proc/filesystems || echo "no ${n#fs:} in this kernel" ;;
            rtsched) [ ! -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ] && [ ! -e /sys/fs/cgroup/cpu,cpuacct/cpu.rt_runtime_us ] ||
                echo "real-time group scheduling gives a new cgroup no real-time budget here" ;;
        esac
    done
}

test_off_shows_each_technique_works() {
    local f name id why shown=0 skipped=""
    # As engines give a user-namespaced container: a rootfs its root owns.
    chown -R 100000:100000 "$BUNDLE/rootfs"
    for f in $(corpus); do
        name=$(basename "$f" .json)
        why=$(note "$f" skip)
        [ -n "$why" ] || why=$(missing_need "$f")
        if [ -n "$why" ]; then
            skipped+="  $name: $why"$'\n'
            continue
        fi
        use "$f"
        rm -f "$BUNDLE/rootfs/.corpus-hook-ran"
        id=$(new_id)
        run B --policy off run --bundle "$BUNDLE" "$id"
        [ "$status" = 0 ] && [ "$output" = "technique works" ] ||
            fail "$name: under --policy off the technique did not work (status $status), so the corpus entry claims too much: $(note "$f" comment)
  output: $output
  stderr: $stderr"
        B delete --force "$id" >/dev/null 2>&1
        shown=$((shown + 1))
    done
    rm -f "$BUNDLE/rootfs/.corpus-hook-ran"
    echo "$shown techniques shown to work under --policy off; not demonstrated:" >&2
    printf '%s' "$skipped" >&2
    [ "$shown" -ge 12 ] || fail "only $shown techniques demonstrated"
}

# The hardened spec itself passes the policy the corpus is refused by.
test_hardened_spec_passes_restricted() {
    rm -f "$BUNDLE/config.json"
    B spec --bundle "$BUNDLE" || fail "brig spec failed"
    run B check --bundle "$BUNDLE" --policy restricted
    assert_ok
    sh_args 'echo ran'
    run B --policy restricted run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
    assert_eq "$output" "ran"
}
