# shellcheck shell=bash disable=SC2154
# (work, bundle, runtimes, probe_args... come from isolation-bench)
# The scenario suites of isolation-bench: what one container cannot show
# from inside.  Each scenario drives the runtime from the host (create,
# start, exec, delete, several containers), watches the effect, and emits one
# JSON line per result into $work/scen-$i.jsonl:
#
#   {"probe":"env/self_exe","group":"environment","tried":"...",
#    "result":"blocked|escaped|n/a|error","errname":"","detail":"..."}
#
# Suites: policy (hostile configs under --policy restricted), environment
# (CVE-2019-5736: re-entering the runtime through #!/proc/self/exe with the
# runtime's own environment variables set by the image), hooks (a
# startContainer hook from the image leaving a child behind), multi (several
# containers of one uid working together).
#
# Safety: every container has a private id, --root and cgroup
# (ibench-PID-...), every runtime call has a timeout, the runtime binary
# under attack is a private copy (opening it for writing can harm nothing,
# and nothing is ever written), the uid shared by the multi-container
# scenarios is private to this run, and the cleanup trap of isolation-bench
# deletes every container, kills the helper processes and removes every
# cgroup made here.

# A uid no one else uses (the shared-uid scenarios exhaust per-uid budgets).
sc_uid=$((1900000000 + $$ % 100000))

# emit I NAME GROUP RESULT TRIED DETAIL [ERRNAME]
emit() {
    jq -nc --arg p "$2" --arg g "$3" --arg r "$4" --arg t "$5" --arg d "$6" --arg e "${7:-}" \
        '{probe: $p, group: $g, tried: $t, result: $r, blocked: (if $r == "blocked" then true
          elif $r == "escaped" then false else null end), errname: $e, detail: $d}' >>"$work/scen-$1.jsonl"
}

# rt I ARGS...: the runtime under its private --root, with a timeout.
rt() {
    local i=$1
    shift
    timeout -k 5 "${RT_TIMEOUT:-60}" "${runtimes[$i]}" --root "$work/state-$i" "$@"
}

# Remember a container and its cgroup for the cleanup trap.
track() { # I ID
    echo "$1 $2" >>"$work/ids"
}

# Every cgroup hierarchy mounted on this host (v1 and v2).
cg_mounts() {
    awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts
}

# Remove a cgroup made for this run in every hierarchy, children first.
cg_remove() { # NAME (no leading slash)
    local m
    [ -n "$1" ] || return 0
    for m in $(cg_mounts); do
        [ -d "$m/$1" ] || continue
        find "$m/$1" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
}

# The first line of a file, for details.
first_line() {
    head -n 3 "$1" 2>/dev/null | tr '\n' ' ' | cut -c1-300
}

# wait_for FILE PATTERN TENTHS: poll until the file has a line matching.
wait_for() {
    local n=$3
    while [ "$n" -gt 0 ]; do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}

# sc_bundle I NAME BASE JQ-FILTER [JQ-ARGS...]: $work/sc-I-NAME with a
# config made from BASE (runc_default_config or hardened_config) edited by
# the filter; the rootfs is the bench's (read-only root, shared).  Sets
# sc_dir and sc_id.
sc_bundle() {
    local i=$1 name=$2 base=$3 filter=$4
    shift 4
    sc_dir=$work/sc-$i-$name
    sc_id=ibench-$$-$i-$name
    mkdir -p "$sc_dir"
    "$base" | jq --arg root "$bundle/rootfs" --arg cg "/$sc_id" "$@" \
        '.root = {path: $root, readonly: true} | .linux.cgroupsPath = $cg | '"$filter" \
        >"$sc_dir/config.json" || return 1
    track "$i" "$sc_id"
}

# Can the runtime take --policy?  (brig can; runc and crun have no policy.)
has_policy() { # I
    "${runtimes[$1]}" --policy restricted --version >/dev/null 2>&1
}

# ---- policy: the hostile configs of policy-corpus/ --------------------------

# A corpus file is a config.json, whole or in part (a part is merged over
# the hardened config, which a restricted policy accepts), with its intent in
# a top-level "comment" (or "//", "_comment", "description") member or the
# annotation org.brig.corpus.comment.  Creating it for real is only safe when it keeps a
# new mount namespace, the bench's rootfs and no shared propagation; the
# others are judged by the runtime's `check --policy restricted` alone.
corpus_config() { # FILE: prints the merged config
    policy_base_config | jq --slurpfile f "$1" --arg root "$bundle/rootfs" '
        ($f[0] | del(.comment, .["//"], ._comment, .description)) as $c
        # a whole config is taken as it is; a part is merged, its seccomp
        # section replacing the base one whole (no inherited errno return)
        | (if ($c.process and $c.root and $c.linux) then $c
           else (. * $c) | (if $c.linux.seccomp then .linux.seccomp = $c.linux.seccomp else . end) end)
        | .root.path = (if (.root.path // "rootfs") == "rootfs" then $root else .root.path end)
        | .process.args = ["true"] | .process.terminal = false'
}

corpus_unsafe() { # CONFIG-FILE: prints why creating it could reach the host, if it could
    jq -r --arg root "$bundle/rootfs" '
        [ (if ([.linux.namespaces[]? | select(.type == "mount")] | length) == 0
           then "no mount namespace" else empty end),
          (.linux.namespaces[]? | select(.type == "mount" and (.path // "") != "")
           | "joins the mount namespace " + .path),
          (if .root.path != $root then "root.path is " + .root.path else empty end),
          (if ((.linux.rootfsPropagation // "") | test("shared")) then "shared rootfs propagation" else empty end),
          (.mounts[]? | select((.options // []) | any(test("shared"))) | "shared mount at " + .destination),
          (.linux.sysctl // {} | keys[] | select(test("^(kernel[./](?!(shm|msg|sem|hostname|domainname))|vm[./]|fs[./]|dev[./]|abi[./]|user[./])"))
           | "host-wide sysctl " + .),
          (if ([.hooks // {} | (.prestart, .createRuntime, .poststart, .poststop)[]?] | length) > 0
           then "hooks run on the host" else empty end),
          (.annotations["org.brig.corpus.skip"] // empty | "the corpus says not to run it: " + .)
        ] | join("; ")' "$1"
}

sc_policy() { # I
    local i=$1 f name tried dir id why rc err n=0
    local corpus=${corpus_dir:-}
    if [ -z "$corpus" ] || ! compgen -G "$corpus/*.json" >/dev/null; then
        emit "$i" policy/corpus policy n/a "hostile configs" "no corpus files in ${corpus:-(none)}"
        return
    fi
    # The base every file is merged over must pass, or a refusal says nothing.
    local base_refused=
    if has_policy "$i"; then
        mkdir -p "$work/pol-$i-base"
        policy_base_config | jq --arg root "$bundle/rootfs" --arg cg "/ibench-$$-$i-polbase" \
            '.root.path = $root | .linux.cgroupsPath = $cg' >"$work/pol-$i-base/config.json"
        track "$i" "ibench-$$-$i-polbase"
        if ! rt "$i" --policy restricted create --bundle "$work/pol-$i-base" "ibench-$$-$i-polbase" \
            </dev/null >/dev/null 2>"$work/pol-$i-base/err"; then
            base_refused=$(first_line "$work/pol-$i-base/err")
        fi
        rt "$i" delete --force "ibench-$$-$i-polbase" >/dev/null 2>&1
    fi
    for f in "$corpus"/*.json; do
        name=policy/$(basename "$f" .json)
        selected_scenario "$name" || continue
        n=$((n + 1))
        tried=$(jq -r '.comment // .["//"] // ._comment // .description // .annotations["org.brig.corpus.comment"]
            // "a hostile config" | if type == "array" then join(" ") else . end' "$f" 2>/dev/null) ||
            tried="(not JSON)"
        if ! has_policy "$i"; then
            emit "$i" "$name" policy escaped "$tried" "accepted: $(basename "${real_rt[$i]}") has no policy layer (not run)"
            continue
        fi
        dir=$work/pol-$i-$n
        id=ibench-$$-$i-pol$n
        mkdir -p "$dir"
        if ! corpus_config "$f" >"$dir/config.json" 2>"$dir/err"; then
            emit "$i" "$name" policy error "$tried" "cannot read the corpus file: $(first_line "$dir/err")"
            continue
        fi
        # A cgroupsPath of the corpus is moved under a populated parent of
        # our own: the technique stays, the host's cgroups are never named.
        if jq -e '.linux.cgroupsPath? != null' "$f" >/dev/null 2>&1; then
            populated_parent "$i" || true
            jq --arg cg "/$pp_name" '.linux.cgroupsPath = $cg' "$dir/config.json" >"$dir/c" && mv "$dir/c" "$dir/config.json"
        else
            jq --arg cg "/$id" '.linux.cgroupsPath = $cg' "$dir/config.json" >"$dir/c" && mv "$dir/c" "$dir/config.json"
        fi
        why=$(corpus_unsafe "$dir/config.json")
        if [ -n "$why" ]; then
            # Judged without creating anything.
            (cd "$dir" && timeout 30 "${runtimes[$i]}" check --policy restricted --fail-on low --bundle "$dir") \
                >"$dir/out" 2>"$dir/err"
            rc=$?
            case $rc in
                1) emit "$i" "$name" policy blocked "$tried" "refused by check --policy restricted (not created: $why): $(first_line "$dir/out")" ;;
                0) emit "$i" "$name" policy escaped "$tried" "check --policy restricted found nothing (not created: $why)" ;;
                *) emit "$i" "$name" policy error "$tried" "check failed (status $rc): $(first_line "$dir/err")" ;;
            esac
            continue
        fi
        if [ -n "$base_refused" ]; then
            emit "$i" "$name" policy n/a "$tried" "the policy refuses the base config already: $base_refused"
            continue
        fi
        track "$i" "$id"
        rt "$i" --policy restricted create --bundle "$dir" "$id" </dev/null >"$dir/out" 2>"$dir/err"
        rc=$?
        err=$(first_line "$dir/err")
        rt "$i" delete --force "$id" >/dev/null 2>&1
        if [ $rc = 0 ]; then
            emit "$i" "$name" policy escaped "$tried" "accepted: create --policy restricted succeeded"
        elif [ $rc = 124 ] || [ $rc = 137 ]; then
            emit "$i" "$name" policy error "$tried" "create timed out"
        elif grep -qi polic "$dir/err"; then
            emit "$i" "$name" policy blocked "$tried" "refused: $err"
        else
            emit "$i" "$name" policy escaped "$tried" "the policy let it through; create then failed: $err"
        fi
    done
    [ $n -gt 0 ] || [ -n "$only" ] || emit "$i" policy/corpus policy n/a "hostile configs" "no corpus files in $corpus"
}

# The config the corpus is merged over: the hardened one, with `true` as its
# process and a CPU weight (restricted wants every limit).
policy_base_config() {
    hardened_config | jq '.process.args = ["true"] | .linux.resources.cpu = {shares: 1024}'
}

# ---- environment: CVE-2019-5736 through #!/proc/self/exe ---------------------

# What brig reads from its environment (runtime/*/*.c getenv): an image's ENV
# must not switch any guard off.  Harmless to runtimes that ignore them.
hostile_env=(BRIG_UNSAFE_SELF_EXE=1 _BRIG_EXE_GUARDED=1 BRIG_CONFIG=/dev/null BRIG_TRACE=1
    BRIG_TEST_MOUNT_API=legacy BRIG_TEST_RESOLVE=byhand LISTEN_FDS=1 LISTEN_PID=1)

# judge_exe I NAME TRIED OUT HOST-FILE EXTRA: the verdict from the watcher's
# lines in OUT.  Not blocked: the container held the runtime's own file (the
# host inode, on a writable mount, without write seals) or reopened it for
# writing.
judge_exe() {
    local i=$1 name=$2 tried=$3 out=$4 hostfile=$5 extra=$6 line host link same guarded
    line=$(grep '"caught"' "$out" | head -n 1)
    [ -n "$line" ] && [ "$(jq -r .caught <<<"$line")" = true ] || line=$(grep '"got"' "$out" | head -n 1)
    if ! grep -q '"watching"' "$out"; then
        emit "$i" "env/$name" environment blocked "$tried" "the watcher never ran: the runtime was not re-entered ($extra)"
        return
    fi
    if [ -z "$line" ]; then
        emit "$i" "env/$name" environment blocked "$tried" \
            "the runtime's binary was never reachable from the container ($(grep '"denied"' "$out" | tail -n 1 | jq -r '.denied // 0' | grep . || echo 0) /proc/PID/exe opens refused; $extra)"
        return
    fi
    host=$(stat -L -c '%d %i' "$hostfile")
    link=$(jq -r .link <<<"$line")
    same=no
    [ "$(jq -r '"\(.dev) \(.ino)"' <<<"$line")" = "$host" ] && same=yes
    guarded=$(jq -r 'if .ro_mount then "on a read-only mount" elif (.seals // 0) != 0 then "sealed" else "" end' <<<"$line")
    if [ "$(jq -r '.write_open // false' <<<"$line")" = true ] && [ $same = yes ]; then
        emit "$i" "env/$name" environment escaped "$tried" "the runtime's binary on the host was opened for writing from the container ($link)"
    elif [ $same = yes ] && [ -z "$guarded" ]; then
        emit "$i" "env/$name" environment escaped "$tried" \
            "the container holds an fd of the runtime's binary on the host ($link), on a writable mount: writable once the runtime exits$(jq -r 'if .errname then " (write-open now: " + .errname + ")" else "" end' <<<"$line")"
    elif [ $same = yes ]; then
        emit "$i" "env/$name" environment blocked "$tried" "reached the runtime's binary ($link) $guarded" "$(jq -r '.errname // ""' <<<"$line")"
    else
        emit "$i" "env/$name" environment blocked "$tried" "only a copy was reachable ($link${guarded:+, $guarded})"
    fi
}

# sc_self_exe I NAME exec|init ENV...: re-enter the runtime in a container
# (root, runc's default config) through /evil ("#!/proc/self/exe
# --log=/ibench-log": the runtime then waits on that FIFO).  exec: the
# container runs the watcher and the bench runs `exec ID /evil`; init: the
# container's own process is /evil, and the watcher is exec'd in to look at
# its init.  ENV goes into process.env, as an image's ENV does.  The runtime
# is a private copy of the binary under test.
sc_self_exe() {
    local i=$1 name=$2 how=$3 out env_json tried args n
    shift 3
    env_json=$(printf '%s\n' "$@" | jq -R 'select(. != "")' | jq -cs .)
    if [ "$how" = exec ]; then
        tried="exec /evil (#!/proc/self/exe) re-enters the runtime; a process of the container opens /proc/PID/exe and reopens it for writing once the runtime is gone"
        args='["/probe", "--watch-exe", "40"]'
    else
        tried="the container's process is /evil (#!/proc/self/exe): its init re-enters the runtime; a process exec'd in opens /proc/1/exe"
        args='["/evil"]'
    fi
    [ $# -gt 0 ] && tried+=" (image ENV: $*)"
    local rtc rtcall
    rtc=$work/rtcopy-$i/$(basename "${real_rt[$i]}")
    if [ ! -x "$rtc" ]; then
        mkdir -p "$work/rtcopy-$i" && cp "${real_rt[$i]}" "$rtc" ||
            { emit "$i" "env/$name" environment error "$tried" "cannot copy the runtime"; return; }
        [ "${runtimes[$i]}" = "${real_rt[$i]}" ] || v1_wrap "$rtc" "$work/rtcopy-$i/wrap"
    fi
    rtcall=$rtc
    [ "${runtimes[$i]}" = "${real_rt[$i]}" ] || rtcall=$work/rtcopy-$i/wrap/$(basename "$rtc")
    sc_bundle "$i" "$name" runc_default_config '.process.args = $args | .process.env += $env' \
        --argjson env "$env_json" --argjson args "$args" ||
        { emit "$i" "env/$name" environment error "$tried" "no config"; return; }
    # exec: the watcher is the container's process; init: it is exec'd in.
    out=$sc_dir/out
    [ "$how" = exec ] && out=$sc_dir/init.out
    : >"$out"
    local rtx=("$rtcall" --root "$work/state-$i") envargs=() e
    for e in "$@"; do envargs+=(--env "$e"); done
    if ! timeout 30 "${rtx[@]}" create --bundle "$sc_dir" "$sc_id" </dev/null >"$sc_dir/init.out" 2>"$sc_dir/err"; then
        emit "$i" "env/$name" environment error "$tried" "create failed: $(first_line "$sc_dir/err")"
        timeout 30 "${rtx[@]}" delete --force "$sc_id" >/dev/null 2>&1
        return
    fi
    if ! timeout 30 "${rtx[@]}" start "$sc_id" 2>>"$sc_dir/err"; then
        judge_exe "$i" "$name" "$tried" "$out" "$rtc" "start: $(first_line "$sc_dir/err")"
        timeout 30 "${rtx[@]}" delete --force "$sc_id" >/dev/null 2>&1
        return
    fi
    if [ "$how" = exec ]; then
        wait_for "$out" '"watching"' 150
        # Each exec waits until the watcher lets the re-entered runtime go
        # (it caught it, or found nothing it may open for 2 s).
        for n in 1 2 3; do
            timeout 15 "${rtx[@]}" exec "${envargs[@]}" "$sc_id" /evil </dev/null >/dev/null 2>"$sc_dir/exec.err"
            grep -q '"got"' "$out" && break
        done
        grep -q '"got"' "$out" && wait_for "$out" '"caught"' 200
    else
        # The init waits on the FIFO; the watcher looks at it, then lets it go.
        timeout 30 "${rtx[@]}" exec "$sc_id" /probe --watch-init 10 </dev/null >"$out" 2>"$sc_dir/exec.err"
    fi
    timeout 30 "${rtx[@]}" delete --force "$sc_id" >/dev/null 2>&1
    judge_exe "$i" "$name" "$tried" "$out" "$rtc" "exec: $(first_line "$sc_dir/exec.err")"
}

sc_environment() { # I
    local i=$1
    selected_scenario env/exec_self_exe && sc_self_exe "$i" exec_self_exe exec
    selected_scenario env/exec_self_exe_env && sc_self_exe "$i" exec_self_exe_env exec "${hostile_env[@]}"
    selected_scenario env/init_self_exe && sc_self_exe "$i" init_self_exe init
    selected_scenario env/init_self_exe_env && sc_self_exe "$i" init_self_exe_env init "${hostile_env[@]}"
    return 0
}

# ---- hooks: a startContainer hook from the image ---------------------------

# The status fields of every process in the container, one line each:
# PROC name seccomp nnp capeff uid
# shellcheck disable=SC2016 # expanded in the container
scan_script='for s in /proc/[0-9]*/status; do awk '\''/^Name:/{n=$2} /^Seccomp:/{s=$2} /^NoNewPrivs:/{p=$2} /^CapEff:/{c=$2} /^Uid:/{u=$2} END{print "PROC", n, s, p, c, u}'\'' "$s" 2>/dev/null; done'

sc_hooks() { # I
    local i=$1 tried line sec
    selected_scenario hooks/start_container_child || return 0
    tried="a startContainer hook (/bin/sh of the image) leaves a child behind; the container's process looks for it and reads its Seccomp and NoNewPrivs"
    sc_bundle "$i" hook hardened_config '
        .process.args = ["/bin/sh", "-c", $scan]
        | .hooks.startContainer = [{path: "/bin/sh", timeout: 10,
              args: ["sh", "-c", "sleep 47 </dev/null >/dev/null 2>&1 &"]}]' --arg scan "$scan_script" ||
        { emit "$i" hooks/start_container_child hooks error "$tried" "no config"; return; }
    (cd "$sc_dir" && rt "$i" run --bundle "$sc_dir" "$sc_id") </dev/null >"$sc_dir/out" 2>"$sc_dir/err"
    rt "$i" delete --force "$sc_id" >/dev/null 2>&1
    line=$(awk '$1 == "PROC" && $2 == "sleep"' "$sc_dir/out" | head -n 1)
    if ! grep -q '^PROC' "$sc_dir/out"; then
        emit "$i" hooks/start_container_child hooks n/a "$tried" "the container did not run: $(first_line "$sc_dir/err")"
    elif [ -z "$line" ]; then
        emit "$i" hooks/start_container_child hooks n/a "$tried" "no child of the hook in the container (the hook did not run there)"
    else
        sec=$(awk '{print $3}' <<<"$line")
        if [ "$sec" = 0 ]; then
            emit "$i" hooks/start_container_child hooks escaped "$tried" \
                "the hook's child runs without seccomp (Seccomp $sec, NoNewPrivs $(awk '{print $4}' <<<"$line"), CapEff $(awk '{print $5}' <<<"$line"))"
        else
            emit "$i" hooks/start_container_child hooks blocked "$tried" \
                "the hook's child is confined (Seccomp $sec, NoNewPrivs $(awk '{print $4}' <<<"$line"))"
        fi
    fi
}

# ---- multi: containers of one uid against each other -----------------------

# A cgroup of ours, in every hierarchy, holding a host process of ours (a
# sleep): in its child cgroup "sibling" (the "populated parent" of a hostile
# cgroupsPath), or in the cgroup itself with KIND "occupied".  Sets pp_name
# and pp_pidfile.
populated_parent() { # I [KIND]
    local kind=${2:-pp} m dest
    pp_name=ibench-$$-$1-$kind
    pp_pidfile=$work/$kind-$1.pid
    [ -f "$pp_pidfile" ] && kill -0 "$(cat "$pp_pidfile")" 2>/dev/null && return 0
    sleep 300 >/dev/null 2>&1 &
    echo $! >"$pp_pidfile"
    echo $! >>"$work/sleepers"
    grep -qx "$pp_name" "$work/cgroups" 2>/dev/null || echo "$pp_name" >>"$work/cgroups"
    for m in $(cg_mounts); do
        dest=$m/$pp_name/sibling
        [ "$kind" = occupied ] && dest=$m/$pp_name
        mkdir -p "$dest" 2>/dev/null || continue
        if [ -f "$m/cpuset.cpus" ]; then
            cat "$m/cpuset.cpus" >"$m/$pp_name/cpuset.cpus" 2>/dev/null
            cat "$m/cpuset.mems" >"$m/$pp_name/cpuset.mems" 2>/dev/null
            cat "$m/cpuset.cpus" >"$dest/cpuset.cpus" 2>/dev/null
            cat "$m/cpuset.mems" >"$dest/cpuset.mems" 2>/dev/null
        fi
        cat "$pp_pidfile" >"$dest/cgroup.procs" 2>/dev/null
    done
    return 0
}

# sc_cgroup_parent I NAME KIND JQ-NS-FILTER WHAT: cgroupsPath names our
# populated cgroup; create, start, delete --force; is our process alive?
sc_cgroup_parent() {
    local i=$1 name=$2 kind=$3 nsfilter=$4 tried pid rc
    selected_scenario "multi/$name" || return 0
    tried="cgroupsPath names a cgroup $5; create, start, delete --force: is that process alive?"
    populated_parent "$i" "$kind"
    pid=$(cat "$pp_pidfile")
    sc_bundle "$i" "$name" hardened_config '.process.args = ["sleep", "30"] | .linux.cgroupsPath = $cg | '"$nsfilter" --arg cg "/$pp_name" ||
        { emit "$i" "multi/$name" multi error "$tried" "no config"; return; }
    # the container's own cgroup is ours: never track it for removal twice
    rt "$i" create --bundle "$sc_dir" "$sc_id" </dev/null >/dev/null 2>"$sc_dir/err"
    rc=$?
    if [ $rc != 0 ]; then
        rt "$i" delete --force "$sc_id" >/dev/null 2>&1
        emit "$i" "multi/$name" multi blocked "$tried" "refused: $(first_line "$sc_dir/err")"
        return
    fi
    rt "$i" start "$sc_id" 2>>"$sc_dir/err"
    rt "$i" delete --force "$sc_id" >/dev/null 2>>"$sc_dir/err"
    sleep 0.2
    if kill -0 "$pid" 2>/dev/null; then
        emit "$i" "multi/$name" multi blocked "$tried" "accepted, but delete left the other cgroup's process alone"
    else
        emit "$i" "multi/$name" multi escaped "$tried" "accepted, and delete killed a process in another cgroup"
    fi
}

sc_rt_signals() { # I
    local i=$1 tried a b queued rc state
    selected_scenario multi/rt_signal_start || return 0
    tried="container A (uid $sc_uid) queues real-time signals to itself until the per-uid limit; then start of container B (same uid)"
    sc_bundle "$i" siga hardened_config '.process.args = ["/probe", "--fill-sigqueue", "120"]
        | .process.user = {uid: $u, gid: $u}' --argjson u "$sc_uid" ||
        { emit "$i" multi/rt_signal_start multi error "$tried" "no config"; return; }
    a=$sc_id
    local adir=$sc_dir
    if ! rt "$i" create --bundle "$adir" "$a" </dev/null >"$adir/out" 2>"$adir/err" || ! rt "$i" start "$a" 2>>"$adir/err" ||
        ! wait_for "$adir/out" '"queued"' 300; then
        emit "$i" multi/rt_signal_start multi error "$tried" "container A did not run: $(first_line "$adir/err")"
        rt "$i" delete --force "$a" >/dev/null 2>&1
        return
    fi
    queued=$(grep '"queued"' "$adir/out" | jq -r .queued)
    sc_bundle "$i" sigb hardened_config '.process.args = ["/bin/sh", "-c", "echo started"]
        | .process.user = {uid: $u, gid: $u}' --argjson u "$sc_uid"
    b=$sc_id
    if ! rt "$i" create --bundle "$sc_dir" "$b" </dev/null >"$sc_dir/out" 2>"$sc_dir/err"; then
        emit "$i" multi/rt_signal_start multi n/a "$tried" "container B could not even be created: $(first_line "$sc_dir/err")"
    else
        RT_TIMEOUT=20 rt "$i" start "$b" 2>>"$sc_dir/err"
        rc=$?
        wait_for "$sc_dir/out" started 50
        state=$(rt "$i" state "$b" 2>/dev/null | jq -r .status 2>/dev/null)
        if grep -q started "$sc_dir/out"; then
            emit "$i" multi/rt_signal_start multi blocked "$tried" "B started although A queued $queued signals"
        else
            emit "$i" multi/rt_signal_start multi escaped "$tried" \
                "A queued $queued signals; start of B failed (status $rc${state:+, state then says $state}): $(first_line "$sc_dir/err")"
        fi
    fi
    rt "$i" delete --force "$b" >/dev/null 2>&1
    rt "$i" delete --force "$a" >/dev/null 2>&1
}

sc_cross_kill() { # I
    local i=$1 tried b state
    selected_scenario multi/cross_container_kill || return 0
    tried="container A (uid $sc_uid) sends SIGKILL to every process it may signal (kill -1) while container B (same uid) runs"
    sc_bundle "$i" killb hardened_config '.process.args = ["sleep", "60"] | .process.user = {uid: $u, gid: $u}' --argjson u "$sc_uid" ||
        { emit "$i" multi/cross_container_kill multi error "$tried" "no config"; return; }
    b=$sc_id
    if ! rt "$i" create --bundle "$sc_dir" "$b" </dev/null >/dev/null 2>"$sc_dir/err" || ! rt "$i" start "$b" 2>>"$sc_dir/err"; then
        emit "$i" multi/cross_container_kill multi error "$tried" "container B did not run: $(first_line "$sc_dir/err")"
        rt "$i" delete --force "$b" >/dev/null 2>&1
        return
    fi
    sc_bundle "$i" killa hardened_config '.process.args = ["/bin/sh", "-c", "kill -9 -1; echo sent"]
        | .process.user = {uid: $u, gid: $u}' --argjson u "$sc_uid"
    (cd "$sc_dir" && rt "$i" run --bundle "$sc_dir" "$sc_id") </dev/null >"$sc_dir/out" 2>"$sc_dir/err"
    rt "$i" delete --force "$sc_id" >/dev/null 2>&1
    sleep 0.2
    state=$(rt "$i" state "$b" 2>/dev/null | jq -r .status 2>/dev/null)
    if [ "$state" = running ]; then
        emit "$i" multi/cross_container_kill multi blocked "$tried" "B still running after A's kill -1"
    else
        emit "$i" multi/cross_container_kill multi escaped "$tried" "B is ${state:-gone} after A's kill -1"
    fi
    rt "$i" delete --force "$b" >/dev/null 2>&1
}

sc_multi() { # I
    sc_rt_signals "$1"
    local hostpid='.linux.namespaces |= map(select(.type != "pid"))'
    sc_cgroup_parent "$1" cgroup_populated_parent pp . "whose child cgroup holds another process (ours)"
    sc_cgroup_parent "$1" cgroup_populated_parent_hostpid pp "$hostpid" \
        "whose child cgroup holds another process (ours); the container shares the host's pid namespace"
    sc_cgroup_parent "$1" cgroup_occupied_hostpid occupied "$hostpid" \
        "that holds another process (ours) itself; the container shares the host's pid namespace"
    sc_cross_kill "$1"
    return 0
}

# Can the runtime run a plain container here at all?  If not, a scenario
# would mistake its failure for a refusal.  Prints the reason when not.
sc_control() { # I
    local i=$1
    sc_bundle "$i" control hardened_config '.process.args = ["true"]' || { echo "no config"; return 1; }
    if ! (cd "$sc_dir" && rt "$i" run --bundle "$sc_dir" "$sc_id") </dev/null >/dev/null 2>"$sc_dir/err"; then
        rt "$i" delete --force "$sc_id" >/dev/null 2>&1
        first_line "$sc_dir/err"
        return 1
    fi
    rt "$i" delete --force "$sc_id" >/dev/null 2>&1
    return 0
}

# Cleanup of what the scenarios left: containers, helper processes, cgroups.
scenarios_cleanup() {
    local i id p
    if [ -f "$work/ids" ]; then
        while read -r i id; do
            timeout 30 "${runtimes[$i]}" --root "$work/state-$i" delete --force "$id" >/dev/null 2>&1
            cg_remove "$id"
        done <"$work/ids"
    fi
    if [ -f "$work/sleepers" ]; then
        while read -r p; do
            kill "$p" 2>/dev/null
            wait "$p" 2>/dev/null
        done <"$work/sleepers"
    fi
    if [ -f "$work/cgroups" ]; then
        while read -r id; do cg_remove "$id"; done <"$work/cgroups"
    fi
    return 0
}
