# shellcheck shell=bash disable=SC2153,SC2154,SC2164
# (ROOT, BUNDLE, output, status... come from tests/lib/helpers.sh)
# Inputs brig reads (config.json, exec --process, update --resources):
# regular files only (symlinks followed), at most 16 MiB, refused with the
# file's name otherwise; never a hang or an unbounded read.

# bounded CMD...: brig with 1 GiB of address space and 20 s at most, so
# that an unbounded read fails the test instead of the host.  A sanitizer
# build (ASAN_OPTIONS set by scripts/ci-sanitizers.sh) reserves terabytes of
# shadow address space: there only the time bound applies.
AS_LIMIT=1048576
[ -z "${ASAN_OPTIONS:-}" ] || AS_LIMIT=unlimited
bounded() {
    run timeout -k 5 20 bash -c 'ulimit -v "$0"; exec "$@"' "$AS_LIMIT" "$BRIG" --root "$ROOT" "$@"
}

# nothing_left: the last refused create left no state.
nothing_left() {
    [ -z "$(ls -A "$ROOT" 2>/dev/null)" ] || fail "state left behind: $(ls -A "$ROOT")"
}

test_config_symlinked_to_dev_zero_is_refused() {
    mv "$BUNDLE/config.json" "$TDIR/config.json"
    ln -s /dev/zero "$BUNDLE/config.json"
    bounded create --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    assert_contains "$stderr" "config.json"
    assert_contains "$stderr" "character device"
    nothing_left
}

test_config_fifo_is_refused_without_blocking() {
    mv "$BUNDLE/config.json" "$TDIR/config.json"
    mkfifo "$BUNDLE/config.json"
    bounded run --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    assert_contains "$stderr" "config.json"
    assert_contains "$stderr" "FIFO"
    nothing_left
}

test_config_symlinked_to_a_regular_file_works() {
    # as runc: a bundle may link its config.json elsewhere
    mv "$BUNDLE/config.json" "$TDIR/real-config.json"
    ln -s "$TDIR/real-config.json" "$BUNDLE/config.json"
    set_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_ok
}

test_config_over_the_size_limit_is_refused() {
    local f=$BUNDLE/config.json
    # valid JSON, 17 MiB of it blanks
    { cat "$f"; head -c $((17 << 20)) /dev/zero | tr '\0' ' '; } >"$f.big"
    mv "$f.big" "$f"
    bounded create --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    assert_contains "$stderr" "config.json"
    assert_contains "$stderr" "16 MiB"
    nothing_left
}

test_exec_process_and_update_resources_from_dev_zero_are_refused() {
    local id
    id=$(new_id)
    set_args sleep 300
    run B run --detach --bundle "$BUNDLE" "$id"
    assert_ok
    bounded exec -p /dev/zero "$id"
    assert_status 255 # exec's own errors, as runc
    assert_contains "$stderr" "/dev/zero"
    bounded update -r /dev/zero "$id"
    assert_failed
    assert_contains "$stderr" "/dev/zero"
    run timeout -k 5 20 bash -c 'ulimit -v "$0"; exec "$@" </dev/zero' "$AS_LIMIT" "$BRIG" --root "$ROOT" update -r - "$id"
    assert_failed
    assert_contains "$stderr" "16 MiB"
    mkfifo "$TDIR/fifo"
    bounded exec -p "$TDIR/fifo" "$id"
    assert_status 255
    assert_contains "$stderr" "FIFO"
    run B delete --force "$id"
    assert_ok
}

test_run_without_process_is_refused_create_accepts_it() {
    local id
    cfg 'del(.process)'
    id=$(new_id)
    run timeout -k 5 20 "$BRIG" --root "$ROOT" run --bundle "$BUNDLE" "$id"
    assert_failed
    assert_contains "$stderr" "process property must not be empty"
    nothing_left
    [ -z "$(cgroup_dirs_of "$id")" ] || fail "cgroups left: $(cgroup_dirs_of "$id")"
    skip_if_runc "runc's create refuses it too"
    id=$(new_id)
    run B create --bundle "$BUNDLE" "$id"
    assert_ok
    run B start "$id"
    assert_failed
    assert_contains "$stderr" "process"
    run B delete --force "$id"
    assert_ok
}
