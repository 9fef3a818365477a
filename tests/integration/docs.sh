# shellcheck shell=bash disable=SC2153,SC2154
# (BRIG, SRC_DIR, output... come from tests/lib/)
# The documentation agrees with the program: every command has a man page,
# the options each command accepts (its getopt table in runtime/), those its
# --help lists and those its man page lists are the same, the pages render
# without warnings, every page is installed, and the README's command table
# is complete.

MAN=$SRC_DIR/man

# The commands `brig --help` lists.
doc_commands() {
    "$BRIG" --help | awk '/^Commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }'
}

# The options a --help text lists (long and short, on the lines that start
# with an option), without -h/--help.
help_flags() { # COMMAND|"" (global)
    local text
    if [ -n "$1" ]; then
        text=$("$BRIG" "$1" --help) || fail "brig $1 --help failed"
    else
        text=$("$BRIG" --help) || fail "brig --help failed"
        text=$(sed -n '/^Global options:/,$p' <<<"$text")
    fi
    # the option lines, not flags named in prose
    text=$(grep -E '^[[:space:]]+-' <<<"$text" || true)
    {
        grep -oE -- '--[a-z][a-z0-9-]*' <<<"$text" || true
        { grep -oE -- '(^|[[:space:]])-[a-zA-Z](,|[[:space:]]|$)' <<<"$text" || true; } | tr -d ' ,\t'
    } | { grep -vxE -- '-h|--help' || true; } | sort -u
}

# The options a man page lists: the heads (.TP/.TQ) of its OPTIONS section.
man_flags() { # PAGE SECTION-TITLE
    awk -v sec="$2" '
        /^\.SH / { on = ($0 == ".SH " sec); next }
        on && /^\.T[PQ]/ { head = 1; next }
        on && head { print; head = 0 }' "$1" >"$TDIR/heads"
    # shellcheck disable=SC1003 # tr's '\\' is one backslash
    {
        { grep -oE '(\\-){2}[a-z0-9]([a-z0-9]|\\-)*' "$TDIR/heads" || true; } | tr -d '\\'
        { grep -oE '(^|[[:space:]])\\-[a-zA-Z]([[:space:]]|$)' "$TDIR/heads" || true; } | tr -d ' \\\t'
    } | { grep -vxE -- '-h|--help' || true; } | sort -u
}

# The options a command's parser accepts: its getopt_long table and
# short-option string in runtime/ (run shares create's parser).
source_flags() { # COMMAND|"" (global)
    local f=$SRC_DIR/runtime/cmd/main.c
    case $1 in
        "") ;;
        run) f=$SRC_DIR/runtime/cmd/cmd_create.c ;;
        *) f=$SRC_DIR/runtime/cmd/cmd_${1//-/_}.c ;;
    esac
    [ -f "$f" ] || fail "no source file $f for command '$1'"
    {
        { grep -oE '\{"[a-z0-9-]+", *(no|required|optional)_argument' "$f" || true; } |
            sed -E 's/^\{"([a-z0-9-]+)".*/--\1/'
        { grep -oE 'getopt_long\([a-z]+, *[a-z]+, *"[^"]*"' "$f" || true; } | sed -E 's/.*"([^"]*)"$/\1/' |
            tr -d '+:' | { grep -o . || true; } | sed 's/^/-/'
    } | { grep -vxE -- '-h|--help' || true; } | sort -u
}

# compare WHAT A-NAME A-LIST B-NAME B-LIST: fail naming what differs.
compare_flags() {
    local what=$1 an=$2 a=$3 bn=$4 b=$5 only_a only_b
    only_a=$(comm -23 <(printf '%s\n' "$a" | sed '/^$/d') <(printf '%s\n' "$b" | sed '/^$/d') | tr '\n' ' ')
    only_b=$(comm -13 <(printf '%s\n' "$a" | sed '/^$/d') <(printf '%s\n' "$b" | sed '/^$/d') | tr '\n' ' ')
    if [ -n "$only_a$only_b" ]; then
        echo "$what: in $an only: ${only_a:-(none)}; in $bn only: ${only_b:-(none)}" >&2
        return 1
    fi
}

setup() {
    skip_if_runc "brig's own documentation"
    [ -d "$MAN" ] || fail "no man/ directory in $SRC_DIR"
}

test_every_command_has_a_man_page() {
    local c e n=0 bad=0
    for c in $(doc_commands); do
        n=$((n + 1))
        if [ ! -f "$MAN/brig-$c.8" ]; then
            echo "no man page man/brig-$c.8" >&2
            bad=1
            continue
        fi
        # every dash of a name is escaped in roff (brig\-seccomp\-agent)
        e=${c//-/\\\\-}
        grep -q "^\.TH BRIG\\\\-${e^^} 8 " "$MAN/brig-$c.8" || { echo "brig-$c.8: no '.TH BRIG\\-${e^^} 8' line" >&2; bad=1; }
        grep -q "^\.BR brig\\\\-$e (8)" "$MAN/brig.8" || { echo "brig.8 does not refer to brig-$c(8)" >&2; bad=1; }
    done
    [ $n -ge 16 ] || fail "brig --help lists only $n commands"
    [ $bad -eq 0 ] || fail "man pages missing or not linked (above)"
    # and no page for a command that does not exist
    local p
    for p in "$MAN"/brig-*.8; do
        c=$(basename "$p" .8)
        c=${c#brig-}
        doc_commands | grep -qx "$c" || fail "man/brig-$c.8 documents a command brig does not have"
    done
}

test_help_lists_the_options_of_the_man_page() {
    local c bad=0
    compare_flags "global options" "brig --help" "$(help_flags '')" \
        "brig(8) GLOBAL OPTIONS" "$(man_flags "$MAN/brig.8" "GLOBAL OPTIONS")" || bad=1
    for c in $(doc_commands); do
        [ -f "$MAN/brig-$c.8" ] || continue # the test above says so
        compare_flags "$c" "brig $c --help" "$(help_flags "$c")" \
            "brig-$c(8) OPTIONS" "$(man_flags "$MAN/brig-$c.8" OPTIONS)" || bad=1
    done
    [ $bad -eq 0 ] || fail "--help and the man pages disagree (above)"
}

test_help_lists_every_option_the_command_accepts() {
    local c bad=0 src
    compare_flags "global options" "runtime/cmd/main.c" "$(source_flags '')" \
        "brig --help" "$(help_flags '')" || bad=1
    for c in $(doc_commands); do
        src=$(source_flags "$c")
        # create parses run's options too, and refuses them (checked below)
        [ "$c" = create ] && src=$(grep -vxE -- '--detach|--keep|-d' <<<"$src")
        compare_flags "$c" "its getopt table" "$src" "brig $c --help" "$(help_flags "$c")" || bad=1
    done
    [ $bad -eq 0 ] || fail "options accepted but not in --help, or the reverse (above)"
    local o
    for o in --detach --keep -d; do
        run "$BRIG" --root "$ROOT" create "$o" --bundle "$BUNDLE" docs-x
        assert_status 1
        assert_contains "$stderr" "unknown option" "create $o"
    done
}

test_man_pages_render_without_warnings() {
    require_cmd groff
    local p out n=0
    for p in "$MAN"/*.[178]; do
        n=$((n + 1))
        out=$(groff -man -ww -z "$p" 2>&1) || fail "groff failed on $p: $out"
        [ -z "$out" ] || fail "groff warns about $(basename "$p"):"$'\n'"$out"
        # nothing but roff: no markdown left over
        if grep -nE '^```|\*\*|^#{1,6} [A-Z]' "$p" >&2; then
            fail "$(basename "$p"): markdown in a roff page"
        fi
    done
    [ $n -ge 18 ] || fail "only $n man pages"
    [ -f "$MAN/brig-security.7" ] || fail "no brig-security(7)"
}

test_security_page_covers_engines_and_policies() {
    local p=$MAN/brig-security.7 s
    for s in 'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.brig' 'runtime_type = "io.containerd.runc.v2"' \
        'BinaryName = "/usr/local/bin/brig"' '[crio.runtime.runtimes.brig]' 'runtime_type = "oci"' runtime_root \
        '[engine.runtimes]' runtime_supports_json; do
        grep -qF -- "$s" "$p" || fail "brig-security(7) does not show $s"
    done
    grep -qF -- '\-\-runtime /usr/local/bin/brig' "$p" || fail "brig-security(7): no podman --runtime example"
    # every policy mode the program accepts is explained
    for s in off default baseline restricted; do
        run "$BRIG" --root "$ROOT" --policy "$s" list
        assert_ok
        grep -qE "^\.B $s\$" "$p" || fail "brig-security(7) does not explain the policy mode $s"
    done
    run "$BRIG" --root "$ROOT" --policy bogus list
    assert_status 1
}

test_every_man_page_is_installed() {
    local mk=$SRC_DIR/Makefile.am p
    for p in "$MAN"/*.[178]; do
        grep -qE "(^|[[:space:]])man/$(basename "$p")([[:space:]]|\\\\|$)" "$mk" ||
            fail "man/$(basename "$p") is not in Makefile.am's man pages: make install would leave it out"
    done
    grep -q 'completions/bash/brig' "$mk" || fail "the bash completion is not installed by Makefile.am"
}

test_readme_lists_every_command() {
    local c
    for c in $(doc_commands); do
        grep -qE "^\| \`brig $c( |\`)" "$SRC_DIR/README.md" || fail "README.md's command table has no row for $c"
    done
}

# brig-isolation-bench(1) documents the options the bench takes, and the
# bench's --help lists the same.
test_isolation_bench_page_matches_its_options() {
    local page=$MAN/brig-isolation-bench.1 bench=$SRC_DIR/tests/security/isolation-bench src help
    [ -f "$page" ] || fail "no man/brig-isolation-bench.1"
    grep -q '^\.TH BRIG\\-ISOLATION\\-BENCH 1 ' "$page" || fail "brig-isolation-bench.1: no '.TH BRIG\\-ISOLATION\\-BENCH 1' line"
    # the options its parser accepts: the case labels of the while loop
    src=$(grep -oE '^ +--[a-z][a-z-]*\)' "$bench" | tr -d ' )' | grep -vx -- '--help' | sort -u)
    help=$("$bench" --help | grep -oE '^ +--[a-z][a-z-]*' | tr -d ' ' | sort -u)
    compare_flags "isolation-bench" "its parser" "$src" "its --help" "$help" ||
        fail "isolation-bench --help and its parser disagree (above)"
    compare_flags "isolation-bench" "its parser" "$src" "brig-isolation-bench(1) OPTIONS" "$(man_flags "$page" OPTIONS)" ||
        fail "brig-isolation-bench(1) and the bench's options disagree (above)"
    grep -qF 'isolation-bench' "$SRC_DIR/README.md" || fail "README.md does not mention the isolation benchmark"
}

# Every file or directory of the project that README.md, SECURITY.md or a
# test directory's README names in backquotes (`tests/...`, `runtime/x.c`,
# `profiles/...`) exists; a glob must match something.  Placeholders in
# capitals (FILE, TARGET) are not paths.
test_paths_the_docs_cite_exist() {
    local doc p missing=() n=0
    for doc in "$SRC_DIR/README.md" "$SRC_DIR/SECURITY.md" "$SRC_DIR"/tests/*/README.md; do
        [ -f "$doc" ] || continue
        while read -r p; do
            n=$((n + 1))
            p=${p%%[ :]*}      # "tests/run-tests.sh FILTER" -> the path
            p=${p%/}
            [[ $p =~ [A-Z]{3,} ]] && continue
            # shellcheck disable=SC2086
            # (programs the build makes, e.g. tests/brig-test, are in the build tree)
            compgen -G "$SRC_DIR/$p" >/dev/null || compgen -G "$BRIG_BUILDDIR/$p" >/dev/null ||
                missing+=("${doc#"$SRC_DIR"/}: $p")
        done < <(grep -oE '`(\./)?(runtime|seccomp|include|profiles|man|tests|scripts|fuzz|tools|completions|\.ci)/[^`]*`' "$doc" |
            tr -d '`' | sed 's|^\./||')
    done
    [ "$n" -gt 10 ] || fail "found only $n cited paths: the pattern is broken"
    [ ${#missing[@]} -eq 0 ] || fail "cited paths that do not exist: ${missing[*]}"
}
