# shellcheck shell=bash
# Reading cgroups the way the host has them: cgroup v1, hybrid (v1 plus the
# unified hierarchy at /sys/fs/cgroup/unified) or pure v2.  Tests use these
# instead of grepping v1 controller lines ("N:pids:/path") of /proc/PID/cgroup,
# which do not exist on a v2 host.  Sourced by tests/lib/helpers.sh and
# tests/clients/run.

CG_ROOT=${CG_ROOT:-/sys/fs/cgroup}

# cg_mode: v2, hybrid or v1.
cg_mode() {
    if [ -f "$CG_ROOT/cgroup.controllers" ]; then
        echo v2
    elif [ -f "$CG_ROOT/unified/cgroup.controllers" ]; then
        echo hybrid
    else
        echo v1
    fi
}

# cg_is_v2: the host is pure cgroup v2 (controllers live in one hierarchy).
cg_is_v2() { [ -f "$CG_ROOT/cgroup.controllers" ]; }

# require_cgroup v1|v2: skip the test unless the host's controllers are of
# that version (hybrid counts as v1: its controllers are v1 ones).
require_cgroup() {
    case $1 in
        v2) cg_is_v2 || skip "needs cgroup v2 (this host is $(cg_mode))" ;;
        v1) cg_is_v2 && skip "needs cgroup v1 controllers (this host is pure v2)" ;;
    esac
    return 0
}

# cg_v1_mount CONTROLLER: the v1 mount point holding CONTROLLER
# (/sys/fs/cgroup/cpu, or a co-mount such as /sys/fs/cgroup/cpu,cpuacct).
cg_v1_mount() {
    local c=$1 d
    [ -d "$CG_ROOT/$c" ] && { echo "$CG_ROOT/$c"; return 0; }
    for d in "$CG_ROOT"/*,"$c" "$CG_ROOT/$c",* "$CG_ROOT"/*,"$c",*; do
        [ -d "$d" ] && { echo "$d"; return 0; }
    done
    return 1
}

# cg_dir CONTROLLER CGPATH: the directory of the cgroup path CGPATH for a
# controller (its v1 mount, else the v2 hierarchy).
cg_dir() {
    local c=$1 p=$2 m
    if cg_is_v2; then
        echo "$CG_ROOT$p"
    elif m=$(cg_v1_mount "$c"); then
        echo "$m$p"
    else
        echo "$CG_ROOT/unified$p"
    fi
}

# cg_path_of PID [CONTROLLER]: PID's cgroup path (as in /proc/PID/cgroup) in
# the hierarchy that holds CONTROLLER (default pids); on v2 the one path.
cg_path_of() {
    local pid=$1 c=${2:-pids}
    if cg_is_v2; then
        awk -F: '$1 == "0" {print $3; exit}' "/proc/$pid/cgroup"
    else
        awk -F: -v c="$c" '{n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) {print $3; exit}}' "/proc/$pid/cgroup"
    fi
}

# cg_dir_of PID [CONTROLLER]: the directory of PID's cgroup for CONTROLLER.
cg_dir_of() {
    local p
    p=$(cg_path_of "$1" "${2:-pids}")
    [ -n "$p" ] || return 1
    cg_dir "${2:-pids}" "$p"
}

# cg_path_in CGROUP_FILE_TEXT [CONTROLLER]: from the text of a /proc/PID/cgroup
# (e.g. printed inside a container), the path for CONTROLLER, read as for
# this host's mode.
cg_path_in() {
    local text=$1 c=${2:-pids}
    if cg_is_v2; then
        awk -F: '$1 == "0" {print $3; exit}' <<<"$text"
    else
        awk -F: -v c="$c" '{n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) {print $3; exit}}' <<<"$text"
    fi
}

# cg_read_of PID CONTROLLER V1FILE V2FILE: the value in PID's cgroup of that
# controller, from V1FILE on v1/hybrid or V2FILE on v2.  A v2 "max" for
# memory reads as v1 would not; callers compare with what they set.
cg_read_of() {
    local pid=$1 c=$2 d
    d=$(cg_dir_of "$pid" "$c") || { echo "no $c cgroup for $pid"; return 1; }
    if cg_is_v2; then
        cat "$d/$4"
    else
        cat "$d/$3"
    fi
}

# cg_read CONTROLLER CGPATH V1FILE V2FILE: the same for a cgroup path.
cg_read() {
    local d
    d=$(cg_dir "$1" "$2")
    if cg_is_v2; then
        cat "$d/$4"
    else
        cat "$d/$3"
    fi
}

# cg_roots: the mount point of every cgroup hierarchy (v1 each, v2), from
# mountinfo.
cg_roots() {
    awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
           if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $5 }' /proc/self/mountinfo |
        sort -u
}

# cg_unified: the cgroup2 mount point, or nothing.
cg_unified() {
    awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
           if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo
}
