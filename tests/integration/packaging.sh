# shellcheck shell=bash disable=SC2153,SC2154
# (SRC_DIR comes from tests/lib/)
# The release tarball (make dist) has what a build needs: every source and
# header is named in Makefile.am (automake ships only what it is told of,
# and a header it does not know of breaks the tarball's build, not this
# tree's), and the tests write nothing into the source tree.

MK=$SRC_DIR/Makefile.am

setup() {
    skip_if_runc "brig's own build files"
    [ -f "$MK" ] || skip "no Makefile.am in $SRC_DIR"
}

test_every_source_and_header_is_in_makefile_am() {
    local f rel missing=()
    for f in "$SRC_DIR"/include/brig/*.h "$SRC_DIR"/runtime/*/*.[ch] "$SRC_DIR"/seccomp/*.[ch]; do
        [ -e "$f" ] || continue
        rel=${f#"$SRC_DIR"/}
        [ "$rel" = seccomp/runtime_default_json.c ] && continue # generated
        grep -qE "(^|[[:space:]=])$rel([[:space:]\\\\]|\$)" "$MK" || missing+=("$rel")
    done
    [ ${#missing[@]} -eq 0 ] || fail "not in Makefile.am, so missing from make dist: ${missing[*]}"
}

test_tests_and_scripts_are_distributed() {
    local d
    local docs=README.md
    [ -f "$SRC_DIR/SECURITY.md" ] && docs+=" SECURITY.md"
    for d in tests scripts profiles completions/bash/brig $docs; do
        grep -qE "^(EXTRA_DIST|dist_[a-z]+_DATA) *\\+?=.*(^|[[:space:]])$d([[:space:]\\\\]|\$)" "$MK" ||
            fail "$d is not in EXTRA_DIST"
    done
    grep -q '^dist_man_MANS' "$MK" || fail "no dist_man_MANS"
}

test_check_keeps_the_rootfs_cache_in_the_build_tree() {
    # make distcheck runs the suite from a read-only source tree
    grep -qE 'BRIG_TEST_CACHE=\$\(abs_top_builddir\)' "$MK" || fail "check-local does not set BRIG_TEST_CACHE under the build tree"
    grep -q '^clean-local:' "$MK" || fail "no clean-local: the cache would survive make distclean"
}

# The isolation benchmark is a command of its own (brig-isolation-bench):
# make install puts the wrapper, the driver, its scenarios, the probe, the
# corpus and the man page in place, and the installed copy runs on its own
# (nothing from the source tree) in every output format.
test_isolation_bench_is_installed_and_runs() {
    [ -f "$BRIG_BUILDDIR/Makefile" ] || skip "no Makefile in $BRIG_BUILDDIR (not an autotools build tree)"
    require_cmd jq
    local dest=$TDIR/dest w lib share f n
    make -s -C "$BRIG_BUILDDIR" install DESTDIR="$dest" >"$TDIR/install.log" 2>&1 ||
        fail "make install DESTDIR=$dest failed: $(tail -n 20 "$TDIR/install.log")"
    w=$(find "$dest" -path '*/bin/brig-isolation-bench' -type f | head -n 1)
    [ -n "$w" ] && [ -x "$w" ] || fail "no executable bin/brig-isolation-bench under $dest"
    lib=$(find "$dest" -type d -path '*/brig/isolation-bench' -not -path '*/share/*' | head -n 1)
    [ -n "$lib" ] || fail "no libexec/brig/isolation-bench under $dest"
    for f in isolation-bench bench-scenarios.sh mkbundle.sh probe; do
        [ -f "$lib/$f" ] || fail "$f is not installed in $lib"
    done
    [ -x "$lib/probe" ] && ! ldd "$lib/probe" >/dev/null 2>&1 || fail "the installed probe is not a static executable"
    [ -n "$(find "$dest" -name brig-isolation-bench.1)" ] || fail "the man page is not installed"
    share=$(find "$dest" -type d -path '*/share/brig/isolation-bench/policy-corpus' | head -n 1)
    n=$(find "$SRC_DIR/tests/security/policy-corpus" -name '*.json' 2>/dev/null | wc -l)
    [ "$(find "${share:-/nonexistent}" -name '*.json' 2>/dev/null | wc -l)" = "$n" ] ||
        fail "the installed corpus does not hold the $n files of tests/security/policy-corpus"

    # It runs from there: one probe of the container suite and one hostile
    # config, against the runtime under test.
    f=$(find "$SRC_DIR/tests/security/policy-corpus" -name '*.json' | sort | head -n 1)
    f=$(basename "$f" .json)
    run "$w" --runtime "$BRIG" --suite container,policy --only "mount${f:+,$f}" --format json
    [ "$status" = 0 ] || fail "brig-isolation-bench failed (status $status): $stderr"
    printf '%s\n' "$output" | jq -e '.runs[0].ran and (.runs[0].probes[] | select(.probe == "mount") | .result == "blocked")' \
        >/dev/null || fail "the installed bench did not run the mount probe: $output"
    if [ -n "$f" ]; then
        printf '%s\n' "$output" | jq -e --arg p "policy/$f" '[.runs[0].probes[] | select(.probe == $p)] | length == 1' \
            >/dev/null || fail "the installed bench did not try the installed corpus file $f: $output"
    fi
    run "$w" --runtime "$BRIG" --suite container --only mount --format markdown
    assert_ok
    assert_contains "$output" "| probe | brig |"
    assert_contains "$output" "| mount | blocked"
    run "$w" --runtime "$BRIG" --suite container --only mount
    assert_ok
    assert_contains "$output" "score brig: 1/1 blocked"
    run "$w" --runtime "$BRIG" --format yaml
    assert_status 2
}
