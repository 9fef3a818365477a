# shellcheck shell=bash
# brig uses, kills in and removes only cgroups it made (issue 15 §4, 16):
# a linux.cgroupsPath that exists (populated or not) is refused and left
# as it was; delete removes the container's cgroup and the parents brig
# made, never a parent it did not make or what is in it; on cgroup v2
# controllers are enabled in a cgroup brig did not make only for limits
# that need them, never in one with processes of its own, and turned off
# again when the last container that needed them goes.  Works on v1,
# hybrid and v2 hosts: every hierarchy is looked up in mountinfo.

# cg_roots, cg_unified: tests/lib/cgroup.sh.
# shellcheck source=tests/lib/cgroup.sh
. "$TESTS_LIB/cgroup.sh"

setup() {
    skip_if_runc "runc takes over existing cgroups"
    P=/brig-own-$$
    # whatever a test leaves: processes it put in cgroups, then the dirs
    defer 'for r in $(cg_roots); do [ -d "$r$P" ] && find "$r$P" -depth -type d -exec rmdir {} + 2>/dev/null; done; true'
}

# mk_everywhere CGPATH: make CGPATH (and its parents) in every hierarchy.
mk_everywhere() {
    local r d f
    for r in $(cg_roots); do
        mkdir -p "$r$1" || fail "mkdir $r$1"
        # v1 cpuset: a new cgroup takes no process until it has cpus, mems
        d=$r
        for f in $(echo "$1" | tr / ' '); do
            d=$d/$f
            [ -f "$d/cpuset.cpus" ] && [ -z "$(cat "$d/cpuset.cpus")" ] &&
                cat "${d%/*}/cpuset.cpus" >"$d/cpuset.cpus" && cat "${d%/*}/cpuset.mems" >"$d/cpuset.mems"
        done
    done
    return 0
}

# park CGPATH: start a sleep of the test's own in CGPATH in every
# hierarchy; its pid is printed.  Killed when the test ends.
park() {
    local r pid
    sleep 300 </dev/null >/dev/null 2>&1 &
    pid=$!
    # (park runs in a $(...): a defer here would be lost with the subshell)
    echo "kill -9 $pid 2>/dev/null" >>"$TDIR/.park-kill"
    for r in $(cg_roots); do
        echo "$pid" >"$r$1/cgroup.procs" || fail "move $pid to $r$1"
    done
    echo "$pid"
}

# left_under CGPATH: the directories below CGPATH in every hierarchy.
left_under() {
    local r
    for r in $(cg_roots); do
        [ -d "$r$1" ] && find "$r$1" -mindepth 1 -type d
    done
    return 0
}

test_a_populated_parent_is_refused_and_its_processes_live() {
    local id pid
    id=$(new_id)
    # a parent with no process of its own, and a child cgroup that has one
    mk_everywhere "$P/other"
    defer '. "$TDIR/.park-kill"'
    pid=$(park "$P/other")
    cfg --arg p "$P" '.linux.cgroupsPath = $p'
    set_args sleep 60
    run B run -d --bundle "$BUNDLE" "$id"
    if [ "$status" -eq 0 ]; then
        B delete --force "$id" >/dev/null 2>&1
        pid_alive "$pid" || fail "delete of a container in $P killed a process of $P/other"
        fail "a cgroupsPath naming a populated cgroup was accepted"
    fi
    assert_contains "$stderr" "linux.cgroupsPath"
    assert_contains "$stderr" "$P"
    assert_contains "$stderr" "processes"
    assert_not_exists "$ROOT/$id"
    pid_alive "$pid" || fail "the refused create killed $pid"
    assert_eq "$(left_under "$P" | sed "s|.*$P||" | sort -u)" "/other" "cgroups under $P"
}

test_an_existing_empty_cgroup_is_refused_and_kept() {
    local id r before after
    id=$(new_id)
    mk_everywhere "$P/c"
    before=$(for r in $(cg_roots); do ls "$r$P/c"; done | md5sum)
    cfg --arg p "$P/c" '.linux.cgroupsPath = $p | .linux.resources.pids = {limit: 7}'
    run B run -d --bundle "$BUNDLE" "$id"
    assert_failed
    assert_contains "$stderr" "linux.cgroupsPath"
    assert_contains "$stderr" "exists already"
    assert_not_exists "$ROOT/$id"
    for r in $(cg_roots); do
        [ -d "$r$P/c" ] || fail "the refused create removed $r$P/c"
        if [ -f "$r$P/c/pids.max" ]; then
            assert_eq "$(cat "$r$P/c/pids.max")" max "pids.max of $r$P/c"
        fi
    done
    after=$(for r in $(cg_roots); do ls "$r$P/c"; done | md5sum)
    assert_eq "$after" "$before"
}

# A parent the test made holds a sibling with a process: delete --force of
# a container beside it removes only the container's own cgroup.
test_delete_leaves_a_parent_it_did_not_make_and_its_other_children() {
    local id pid
    id=$(new_id)
    mk_everywhere "$P/other"
    defer '. "$TDIR/.park-kill"'
    pid=$(park "$P/other")
    cfg --arg p "$P/c" '.linux.cgroupsPath = $p | del(.linux.namespaces[] | select(.type == "pid"))'
    sh_args 'sleep 100 & sleep 100'
    run B run -d --bundle "$BUNDLE" "$id"
    assert_ok
    [ -n "$(left_under "$P" | grep "$P/c$")" ] || fail "no $P/c made"
    run B delete --force "$id"
    assert_ok
    pid_alive "$pid" || fail "delete killed $pid in the sibling cgroup $P/other"
    assert_eq "$(left_under "$P" | sed "s|.*$P||" | sort -u)" "/other" "cgroups under $P"
}

test_parents_brig_made_go_with_the_last_container_in_them() {
    local a b
    a=$(new_id)
    b=$(new_id)
    set_args sleep 60
    cfg --arg p "$P/x/a" '.linux.cgroupsPath = $p'
    run B run -d --bundle "$BUNDLE" "$a"
    assert_ok
    cfg --arg p "$P/x/b" '.linux.cgroupsPath = $p'
    run B run -d --bundle "$BUNDLE" "$b"
    assert_ok
    run B delete --force "$a"
    assert_ok
    assert_eq "$(left_under "$P" | sed "s|.*$P||" | sort -u)" "$(printf '/x\n/x/b')" "after the first delete"
    run B delete --force "$b"
    assert_ok
    # b did not make $P/x (a did), so it stays: empty, with no controller
    # turned on by brig; a parent brig made alone goes with its container
    assert_eq "$(left_under "$P" | sed "s|.*$P||" | sort -u | grep -v '^/x$' || true)" ""
    local c
    c=$(new_id)
    cfg --arg p "$P/y/z/c" '.linux.cgroupsPath = $p'
    run B run -d --bundle "$BUNDLE" "$c"
    assert_ok
    run B delete --force "$c"
    assert_ok
    assert_eq "$(left_under "$P" | grep -c "$P/y" || true)" 0 "parents made for $c left behind"
}

# v2_limit: jq filter for a limit that cgroup v2 serves on this host
# (hybrid: a controller v1 does not mount), or nothing.
v2_limit() {
    local u ctrls
    u=$(cg_unified)
    [ -n "$u" ] || return 0
    ctrls=$(cat "$u/cgroup.controllers")
    if [ "$u" = /sys/fs/cgroup ] && [[ " $ctrls " == *" pids "* ]]; then
        echo '.linux.resources.pids = {limit: 40} | "pids"'
    elif [[ " $ctrls " == *" hugetlb "* ]] && ! cg_roots | grep -q 'hugetlb'; then
        echo '.linux.resources.hugepageLimits = [{pageSize: "2MB", limit: 4194304}] | "hugetlb"'
    fi
}

# The cgroup.subtree_control of the unified root and of a parent the test
# made are the same after a create/delete cycle, with and without limits;
# a controller brig turns on for two containers stays on until both are gone.
# serial: compares the host's unified root cgroup.subtree_control before and after
test_controllers_brig_enables_are_turned_off_when_the_last_user_goes() {
    local u lim ctrl root0 a b
    u=$(cg_unified)
    [ -n "$u" ] || skip "no cgroup v2 hierarchy"
    lim=$(v2_limit)
    [ -n "$lim" ] || skip "no controller served by cgroup v2 here"
    ctrl=$(jq -nr "{} | $lim" 2>/dev/null | tail -1)
    lim=${lim% | *}
    mkdir "$u$P" || fail "mkdir $u$P"
    root0=$(cat "$u/cgroup.subtree_control")
    [ -z "$(cat "$u$P/cgroup.subtree_control")" ] || fail "$u$P has controllers on"
    set_args sleep 60
    # no limits: nothing is turned on in a cgroup brig did not make
    a=$(new_id)
    cfg --arg p "$P/a" '.linux.cgroupsPath = $p'
    run B run -d --bundle "$BUNDLE" "$a"
    assert_ok
    assert_eq "$(cat "$u$P/cgroup.subtree_control")" "" "without limits"
    run B delete --force "$a"
    assert_ok
    # limits: on for as long as one container needs it
    cfg "$lim"
    a=$(new_id)
    b=$(new_id)
    cfg --arg p "$P/a" '.linux.cgroupsPath = $p'
    run B run -d --bundle "$BUNDLE" "$a"
    assert_ok
    assert_contains "$(cat "$u$P/cgroup.subtree_control")" "$ctrl"
    cfg --arg p "$P/b" '.linux.cgroupsPath = $p'
    run B run -d --bundle "$BUNDLE" "$b"
    assert_ok
    run B delete --force "$a"
    assert_ok
    assert_contains "$(cat "$u$P/cgroup.subtree_control")" "$ctrl" "still needed by $b"
    run B delete --force "$b"
    assert_ok
    assert_eq "$(cat "$u$P/cgroup.subtree_control")" "" "after the last container"
    assert_eq "$(cat "$u/cgroup.subtree_control")" "$root0" "subtree_control of $u"
    assert_eq "$(python3 -c 'import os,sys; print(os.listxattr(sys.argv[1]))' "$u$P")" "[]" "xattrs of $u$P"
}

# A cgroup with processes of its own cannot pass controllers down: brig
# says so rather than try (which turned the caller's cgroup "domain
# threaded" on a v2 host when some threaded controllers went through).
test_no_controller_is_enabled_in_a_cgroup_with_processes() {
    local u lim pid type0
    u=$(cg_unified)
    [ -n "$u" ] || skip "no cgroup v2 hierarchy"
    lim=$(v2_limit)
    [ -n "$lim" ] || skip "no controller served by cgroup v2 here"
    lim=${lim% | *}
    mkdir "$u$P" || fail "mkdir $u$P"
    pid=$(sleep 300 </dev/null >/dev/null 2>&1 & echo $!)
    defer "kill -9 $pid 2>/dev/null"
    echo "$pid" >"$u$P/cgroup.procs" || fail "move $pid"
    type0=$(cat "$u$P/cgroup.type")
    cfg --arg p "$P/c" '.linux.cgroupsPath = $p'
    cfg "$lim"
    set_args true
    run B run --bundle "$BUNDLE" "$(new_id)"
    assert_failed
    assert_contains "$stderr" "processes of its own"
    assert_contains "$stderr" "$u$P"
    assert_eq "$(cat "$u$P/cgroup.subtree_control")" "" "subtree_control of $u$P"
    assert_eq "$(cat "$u$P/cgroup.type")" "$type0" "cgroup.type of $u$P"
    assert_eq "$(left_under "$P")" "" "cgroups left under $P"
    pid_alive "$pid" || fail "$pid died"
}

# linux.resources.unified names files of the container's cgroup; its core
# interface files are refused: cgroup.procs would move any host process into
# the container's cgroup, under its limits and freezer and delete's kill.
# The same holds for update -r.
test_unified_cannot_move_a_host_process_in() {
    local id pid key
    sleep 300 </dev/null >/dev/null 2>&1 &
    pid=$!
    defer "kill -9 $pid 2>/dev/null"
    set_args sleep 60
    for key in cgroup.procs cgroup.threads cgroup.subtree_control; do
        id=$(new_id)
        cfg --arg k "$key" --arg p "$pid" '.linux.resources.unified = {($k): $p}'
        run B run -d --bundle "$BUNDLE" "$id"
        if [ "$status" -eq 0 ]; then
            B delete --force "$id" >/dev/null 2>&1
            pid_alive "$pid" || fail "delete of a container with unified $key killed the host's $pid"
            fail "unified $key was accepted"
        fi
        assert_contains "$stderr" "linux.resources.unified[\"$key\"]"
        assert_not_exists "$ROOT/$id"
    done
    cfg 'del(.linux.resources.unified)'
    id=$(new_id)
    run B run -d --bundle "$BUNDLE" "$id"
    assert_ok
    echo "{\"unified\": {\"cgroup.procs\": \"$pid\"}}" >"$TDIR/res.json"
    run B update -r "$TDIR/res.json" "$id"
    assert_failed update
    assert_contains "$stderr" "unified[\"cgroup.procs\"]"
    run B delete --force "$id"
    assert_ok
    pid_alive "$pid" || fail "the host's $pid was killed"
}
