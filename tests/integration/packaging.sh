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
    for f in "$SRC_DIR"/include/brig/*.h "$SRC_DIR"/runtime/*.[ch] "$SRC_DIR"/seccomp/*.[ch]; do
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
