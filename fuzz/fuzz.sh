#!/bin/bash
# Builds and runs brig's libFuzzer targets; `make fuzz` calls it (see
# fuzz/README.md).
#
#   fuzz/fuzz.sh build          compile libbrig's sources and the targets
#                               with clang -fsanitize=fuzzer,address,undefined
#                               into $BUILDDIR/fuzz/
#   fuzz/fuzz.sh run SECONDS [TARGET...]
#                               run each target for SECONDS (one process, so
#                               SECONDS of CPU), seeded from fuzz/corpus/ and
#                               the JSON files the tests use
#   fuzz/fuzz.sh replay [TARGET...]
#                               run each target once over its corpus and
#                               saved crashes (a regression check, seconds)
#
# Environment, set by the Makefile: FUZZ_CC (clang), FUZZ_CPPFLAGS,
# FUZZ_DEP_CFLAGS, FUZZ_LIBS, FUZZ_SOURCES (the sources of the config parser and seccomp/), SRCDIR,
# BUILDDIR.  Exit status: 0, 1 when a target crashed, leaked or hung, 2 on
# a build or usage error.
set -u
set -o pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUILDDIR=${BUILDDIR:-$PWD}
OUT=$BUILDDIR/fuzz
TARGETS=(fuzz_config fuzz_seccomp fuzz_dbus fuzz_agent)
: "${FUZZ_CC:=clang}"

die() {
    echo "fuzz.sh: $*" >&2
    exit 2
}

# The seed directories of a target: its own corpus (kept in git), then JSON
# the tests already use, then the runtime-spec fixtures when present.
seed_dirs() {
    local ref=${BRIG_SHARED_REFERENCE:-$SRCDIR/../shared/reference}
    case $1 in
        fuzz_config)
            echo "$SRCDIR/fuzz/corpus/config"
            echo "$SRCDIR/tests/unit/fixtures"
            [ -d "$ref/runtime-spec/schema/test/config/good" ] && echo "$ref/runtime-spec/schema/test/config/good"
            [ -d "$ref/runtime-spec/schema/test/config/bad" ] && echo "$ref/runtime-spec/schema/test/config/bad"
            ;;
        fuzz_dbus)
            echo "$SRCDIR/fuzz/corpus/dbus"
            ;;
        fuzz_agent)
            echo "$SRCDIR/fuzz/corpus/agent"
            ;;
        fuzz_seccomp)
            echo "$SRCDIR/fuzz/corpus/seccomp"
            echo "$SRCDIR/profiles"
            [ -d "$ref/seccomp" ] && echo "$ref/seccomp"
            ;;
    esac
    return 0
}

# The JSON keys and enum names the parser knows, as a libFuzzer dictionary:
# mutations then splice whole field names instead of guessing them.
make_dict() {
    local files=("$SRCDIR"/runtime/config/config*.c "$SRCDIR"/runtime/config/capnames.c "$SRCDIR"/seccomp/compile.c)
    {
        printf '"%s"\n' '{' '}' '[' ']' ':' ',' 'true' 'false' 'null' '\"' '\\u' '-1' '0' '18446744073709551615' '1e400'
        grep -ohE '"[A-Za-z_][A-Za-z0-9_./-]{1,40}"' "${files[@]}" | sort -u |
            sed 's/^"\(.*\)"$/"\\"\1\\""/'
    } >"$OUT/json.dict"
}

build() {
    command -v "$FUZZ_CC" >/dev/null || die "$FUZZ_CC not found (apt-get install clang libclang-rt-14-dev)"
    [ -n "${FUZZ_SOURCES:-}" ] || die "FUZZ_SOURCES is empty: run this through 'make fuzz'"
    mkdir -p "$OUT/obj" || die "cannot create $OUT/obj"
    local san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"
    local cflags="-std=gnu11 -g -O1 -fno-omit-frame-pointer $san -Wall -Wextra -Wno-unused-parameter"
    # Headers are not tracked one by one: any newer header rebuilds all.
    local newest_h
    newest_h=$(find "$SRCDIR/include" "$SRCDIR/runtime" "$SRCDIR/seccomp" "$SRCDIR/fuzz" "$BUILDDIR/config.h" \
        -name '*.h' -printf '%T@\n' 2>/dev/null | sort -n | tail -n 1)
    local objs=() s src obj pids=() failed=0
    for s in $FUZZ_SOURCES; do
        case $s in *.c) ;; *) continue ;; esac
        if [ -f "$BUILDDIR/$s" ]; then src=$BUILDDIR/$s; else src=$SRCDIR/$s; fi
        obj=$OUT/obj/$(echo "$s" | tr / _).o
        objs+=("$obj")
        if [ -f "$obj" ] && [ "$obj" -nt "$src" ] &&
            [ "$(stat -c %Y "$obj")" -ge "${newest_h%.*}" ]; then
            continue
        fi
        # shellcheck disable=SC2086
        $FUZZ_CC $cflags ${FUZZ_CPPFLAGS:-} ${FUZZ_DEP_CFLAGS:-} -c "$src" -o "$obj" &
        pids+=($!)
        # Two at a time: the machine is shared.
        if [ ${#pids[@]} -ge 2 ]; then
            wait "${pids[0]}" || failed=1
            pids=("${pids[@]:1}")
        fi
    done
    for s in "${pids[@]}"; do wait "$s" || failed=1; done
    [ $failed -eq 0 ] || die "compiling libbrig with $FUZZ_CC failed"
    local o rebuild=0
    for o in "${objs[@]}"; do [ "$o" -nt "$OUT/libbrig-fuzz.a" ] && rebuild=1; done
    if [ $rebuild -eq 1 ] || [ ! -f "$OUT/libbrig-fuzz.a" ]; then
        rm -f "$OUT/libbrig-fuzz.a"
        ar rcs "$OUT/libbrig-fuzz.a" "${objs[@]}" || die "ar failed"
    fi
    local t
    for t in "${TARGETS[@]}"; do
        if [ -x "$OUT/$t" ] && [ "$OUT/$t" -nt "$OUT/libbrig-fuzz.a" ] &&
            [ "$OUT/$t" -nt "$SRCDIR/fuzz/$t.c" ]; then
            continue
        fi
        # shellcheck disable=SC2086
        $FUZZ_CC $cflags -fsanitize=fuzzer ${FUZZ_CPPFLAGS:-} ${FUZZ_DEP_CFLAGS:-} \
            -o "$OUT/$t" "$SRCDIR/fuzz/$t.c" "$OUT/libbrig-fuzz.a" ${FUZZ_LIBS:-} ||
            die "linking $t failed"
        echo "  FUZZ     fuzz/$t"
    done
    make_dict
}

# Leak checking stays on (the default) for the fuzzers.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:allocator_may_return_null=0}
# Leaks inside libseccomp itself are named in fuzz/lsan.supp.  Naming the
# function needs full stacks through libseccomp (built without frame
# pointers): fast_unwind_on_malloc=0, for fuzz_seccomp only (fuzz_config
# never calls libseccomp, and slow unwinding costs it 8x its speed).
asan_for() { # TARGET
    case $1 in
        fuzz_seccomp) echo "$ASAN_OPTIONS:fast_unwind_on_malloc=0" ;;
        *) echo "$ASAN_OPTIONS" ;;
    esac
}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$SRCDIR/fuzz/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run() {
    local secs=$1 t rc status=0 dirs work log
    shift
    [[ $secs =~ ^[0-9]+$ ]] || die "SECONDS must be a number, got '$secs'"
    [ $# -gt 0 ] || set -- "${TARGETS[@]}"
    for t in "$@"; do
        [ -x "$OUT/$t" ] || die "$OUT/$t not built: make fuzz-build"
        # New inputs go to a work corpus in the build tree; the seeds are read-only.
        work=$OUT/work/$t
        mkdir -p "$work" "$OUT/artifacts"
        mapfile -t dirs < <(seed_dirs "$t")
        log=$OUT/$t.log
        echo "# $t: ${secs}s, seeds: ${dirs[*]}"
        ASAN_OPTIONS=$(asan_for "$t") "$OUT/$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
            -print_final_stats=1 -dict="$OUT/json.dict" -artifact_prefix="$OUT/artifacts/$t-" \
            "$work" "${dirs[@]}" >"$log" 2>&1
        rc=$?
        # The summary libFuzzer prints: runs, speed, coverage, corpus.
        grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^#[0-9]+.*DONE' "$log" |
            sed "s/^/  $t: /"
        if [ $rc -ne 0 ]; then
            echo "FAIL: $t exited with status $rc; the input is in $OUT/artifacts/, the log in $log:"
            grep -E 'ERROR: |SUMMARY: |broken promise|runtime error|Test unit written' "$log" | head -n 20 | sed 's/^/  /'
            status=1
        else
            echo "ok: $t: no crash, leak or hang in ${secs}s"
        fi
    done
    return $status
}

# Each input of the corpora and every saved artifact once: what crashed
# before must not crash again.
replay() {
    local t status=0 files
    [ $# -gt 0 ] || set -- "${TARGETS[@]}"
    for t in "$@"; do
        [ -x "$OUT/$t" ] || die "$OUT/$t not built: make fuzz-build"
        mapfile -t files < <(seed_dirs "$t" | while read -r d; do find "$d" -maxdepth 1 -type f; done;
            find "$SRCDIR/fuzz/regressions/$t" -type f 2>/dev/null)
        if ASAN_OPTIONS=$(asan_for "$t") "$OUT/$t" -runs=1 "${files[@]}" >"$OUT/$t.replay.log" 2>&1; then
            echo "ok: $t: ${#files[@]} inputs replayed"
        else
            echo "FAIL: $t on a replayed input (log: $OUT/$t.replay.log)"
            grep -E 'ERROR: |SUMMARY: |broken promise|runtime error|Running: ' "$OUT/$t.replay.log" | tail -n 10 | sed 's/^/  /'
            status=1
        fi
    done
    return $status
}

case ${1:-} in
    build) build ;;
    run)
        [ $# -ge 2 ] || die "usage: fuzz.sh run SECONDS [TARGET...]"
        shift
        run "$@"
        ;;
    replay)
        shift
        replay "$@"
        ;;
    *) die "usage: fuzz.sh build | run SECONDS [TARGET...] | replay [TARGET...]" ;;
esac
