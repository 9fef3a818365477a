#!/bin/sh
# Turn a JSON profile into a C array (NUL-terminated) so that the built-in
# RuntimeDefault profile needs no file at run time.
# Usage: embed-json.sh PROFILE.json [SYMBOL [HEADER]] > out.c
set -e
in=$1
sym=${2:-brig_runtime_default_json}
hdr=${3:-brig/seccomp.h}
test -r "$in" || { echo "embed-json.sh: cannot read $in" >&2; exit 1; }
echo "/* Generated from $(basename "$in") by seccomp/embed-json.sh: do not edit. */"
echo "#include \"$hdr\""
echo "const char $sym[] = {"
od -An -v -tx1 "$in" | sed -e 's/\([0-9a-f][0-9a-f]\)/0x\1,/g' -e 's/^ */    /'
echo '    0x00'
echo '};'
echo "const size_t ${sym}_len = sizeof $sym - 1;"
