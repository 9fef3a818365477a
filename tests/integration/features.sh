# shellcheck shell=bash disable=SC2153,SC2154,SC2164,SC2016
# (ROOT, BUNDLE, output, status... come from tests/lib/helpers.sh)
# features: the runtime-spec Features structure, valid against the spec's
# schema and true to what the runtime does.

_schema_dir() {
    local root=${BRIG_SHARED_REFERENCE:-$SRC_DIR/../shared/reference}
    echo "$root/runtime-spec/schema"
}

test_features_is_valid_against_the_schema() {
    require_cmd python3
    local dir
    dir=$(_schema_dir)
    [ -f "$dir/features-schema.json" ] || skip "no runtime-spec schema (set BRIG_SHARED_REFERENCE)"
    python3 -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema not installed"
    run B features
    assert_ok
    printf '%s\n' "$output" >"$TDIR/features.json"
    run python3 - "$dir" "$TDIR/features.json" <<'EOF'
import json, pathlib, sys
import jsonschema
d = pathlib.Path(sys.argv[1]).resolve()
schema = json.loads((d / "features-schema.json").read_text())
doc = json.loads(pathlib.Path(sys.argv[2]).read_text())
resolver = jsonschema.RefResolver(base_uri=d.as_uri() + "/", referrer=schema)
errors = sorted(jsonschema.Draft4Validator(schema, resolver=resolver).iter_errors(doc), key=str)
for e in errors:
    print("%s: %s" % ("/".join(map(str, e.absolute_path)), e.message))
# A schema that does not descend into "linux" would prove nothing: check
# that a broken document is refused.
bad = dict(doc, linux=dict(doc.get("linux", {}), namespaces=["no-such-namespace"]))
if not list(jsonschema.Draft4Validator(schema, resolver=resolver).iter_errors(bad)):
    print("the schema accepted a bad namespace: not checking anything")
    sys.exit(2)
sys.exit(1 if errors else 0)
EOF
    assert_ok
}

test_features_shape() {
    run B features
    assert_ok
    printf '%s\n' "$output" >"$TDIR/f.json"
    run jq -e '
        (.ociVersionMin | test("^1\\.0\\.[0-9]+$")) and
        (.ociVersionMax | test("^1\\.[0-9]+\\.[0-9]+")) and
        (.hooks | type == "array") and (.mountOptions | type == "array") and
        (.linux.namespaces | type == "array") and (.linux.capabilities | type == "array") and
        (.linux.seccomp.enabled | type == "boolean")' "$TDIR/f.json"
    assert_ok
}

test_features_lists_what_brig_does() {
    skip_if_runc "brig's own lists"
    run B features
    assert_ok
    local f=$TDIR/f.json
    printf '%s\n' "$output" >"$f"
    assert_eq "$(jq -r .ociVersionMin "$f")" 1.0.0
    assert_eq "$(jq -c .hooks "$f")" \
        '["prestart","createRuntime","createContainer","startContainer","poststart","poststop"]'
    # every row of the namespace table (include/brig/nstypes.h), no more
    local ns
    ns=$(grep -oE '^ +X\([A-Z]+, "[a-z]+"' "$SRC_DIR/include/brig/nstypes.h" | grep -oE '"[a-z]+"' | tr -d '"' | sort | jq -Rsc 'split("\n") | map(select(. != ""))')
    [ "$(jq length <<<"$ns")" -ge 8 ] || fail "read only $ns from include/brig/nstypes.h"
    assert_eq "$(jq -c '.linux.namespaces | sort' "$f")" "$ns"
    # Options brig handles itself, not the filesystem's own (acl is ext4's).
    assert_eq "$(jq '[.mountOptions[] | select(. == "rro" or . == "rbind" or . == "tmpcopyup" or . == "idmap")] | length' "$f")" 4
    assert_eq "$(jq '.mountOptions | index("acl")' "$f")" null
    assert_eq "$(jq '.linux.capabilities | index("CAP_SYS_ADMIN") != null' "$f")" true
    assert_eq "$(jq -c .linux.seccomp.operators "$f")" \
        '["SCMP_CMP_NE","SCMP_CMP_LT","SCMP_CMP_LE","SCMP_CMP_EQ","SCMP_CMP_GE","SCMP_CMP_GT","SCMP_CMP_MASKED_EQ"]'
    # every action of the table (include/brig/seccomp_names.h)
    local acts
    acts=$(grep -oE '^ +X\([A-Z_]+, "SCMP_ACT_[A-Z_]+"' "$SRC_DIR/include/brig/seccomp_names.h" | grep -oE '"[A-Z_]+"' | tr -d '"' | sort | jq -Rsc 'split("\n") | map(select(. != ""))')
    [ "$(jq length <<<"$acts")" -ge 9 ] || fail "read only $acts from include/brig/seccomp_names.h"
    assert_eq "$(jq -c '.linux.seccomp.actions | sort' "$f")" "$acts"
    assert_eq "$(jq '.linux.seccomp.archs | index("SCMP_ARCH_X86_64") != null' "$f")" true
    # Supported flags are known flags.
    assert_eq "$(jq '(.linux.seccomp.supportedFlags - .linux.seccomp.knownFlags) | length' "$f")" 0
    assert_eq "$(jq .linux.cgroup.systemd "$f")" true
    assert_eq "$(jq .linux.cgroup.systemdUser "$f")" true
}

test_features_every_listed_option_is_accepted() {
    # Each listed mount option, namespace and capability is one the config
    # parser takes: a container using them gets past the config stage.
    skip_if_runc "brig's own lists"
    run B features
    assert_ok
    local f=$TDIR/f.json opt caps
    printf '%s\n' "$output" >"$f"
    mkdir -p "$TDIR/src"
    for opt in $(jq -r '.mountOptions[]' "$f"); do
        case $opt in idmap | ridmap | remount | tmpcopyup) continue ;; esac
        cfg --arg o "$opt" --arg s "$TDIR/src" \
            '.mounts = [.mounts[] | select(.destination != "/mnt")] + [{destination: "/mnt", type: "bind", source: $s, options: ["rbind", $o]}]'
        run B run --bundle "$BUNDLE" "$(new_id)"
        [ "$status" = 0 ] || fail "mount option $opt listed but refused: $stderr"
    done
    caps=$(jq -c '.linux.capabilities' "$f")
    cfg --argjson c "$caps" '.process.capabilities.bounding = $c'
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
}
