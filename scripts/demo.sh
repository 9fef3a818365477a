#!/bin/bash
# brig demo: install the dependencies, build brig, make a busybox bundle and
# run a hardened container in it, which prints what it sees.  Run as root
# from the top of the source tree:  scripts/demo.sh
#
# The container is what `brig spec` writes: user nobody (65534), every
# capability dropped, read-only rootfs with a small noexec tmpfs on /tmp,
# no_new_privs, masked /proc and /sys paths, the RuntimeDefault seccomp
# profile, fresh namespaces, memory, pids and CPU limits.
set -euo pipefail

cd "$(dirname "$0")/.."
top=$(pwd)

if [ "$(id -u)" -ne 0 ]; then
    echo "demo.sh: run as root (containers need it)" >&2
    exit 1
fi

scripts/install-deps.sh

# Build quietly; show the log only when it fails.
log=$(mktemp /tmp/brig-build.XXXXXX)
build() {
    if ! "$@" >>"$log" 2>&1; then
        tail -n 40 "$log" >&2
        echo "demo.sh: build step failed: $* (full log: $log)" >&2
        exit 1
    fi
}
echo "demo.sh: building brig"
[ -x configure ] || build ./autogen.sh
[ -f Makefile ] || build ./configure
build make -j2 brig
rm -f "$log"
echo "demo.sh: $(./brig --version | head -n 1)"

work=$(mktemp -d /tmp/brig-demo.XXXXXX)
chmod 755 "$work"
trap 'rm -rf --one-file-system "$work"' EXIT
BRIG_TEST_CACHE=$top/tests/.work tests/lib/mkbundle.sh "$work/bundle" >/dev/null

# The hardening is brig's own: `brig spec` writes the hardened config.json
# and `brig check` audits it (Pod Security Standards, CIS Docker Benchmark).
rm -f "$work/bundle/config.json"
./brig spec --bundle "$work/bundle"
jq '
  .process.rlimits = [{type: "RLIMIT_NOFILE", soft: 256, hard: 256}]
  | .process.env = ["PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/tmp"]
  | .process.cwd = "/tmp"
  | .hostname = "brig-demo"
' "$work/bundle/config.json" >"$work/config.json"
mv "$work/config.json" "$work/bundle/config.json"
echo "demo.sh: brig check on the demo's config.json (written by brig spec):"
./brig check --bundle "$work/bundle" --fail-on none | sed 's/^/  /'

cat >"$work/bundle/rootfs/bin/look-around" <<'SH'
#!/bin/sh
# Runs inside the container: report what a process there can see and do.
status() { awk -v k="$1:" '$1 == k {print $2}' /proc/self/status; }
try() { # try DESCRIPTION COMMAND...: run it and say whether it was allowed
    d=$1; shift
    if "$@" >/dev/null 2>&1; then r="ALLOWED"; else r="denied"; fi
    printf '  %-44s %s\n' "$d" "$r"
}
echo "---- inside the brig demo container ----"
echo "  identity:     $(id)"
echo "  hostname:     $(hostname)"
echo "  pid:          $$ (processes visible: $(ls -d /proc/[0-9]* | wc -l))"
echo "  network:      $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')"
echo "  CapEff:       $(status CapEff)   CapBnd: $(status CapBnd)"
echo "  CapPrm:       $(status CapPrm)   CapAmb: $(status CapAmb)"
echo "  NoNewPrivs:   $(status NoNewPrivs)"
case $(status Seccomp) in
    2) echo "  seccomp:      filter mode ($(status Seccomp_filters) filter)" ;;
    *) echo "  seccomp:      off" ;;
esac
echo "  open files:   at most $(ulimit -n)"
for f in /proc/keys /proc/timer_list /proc/sched_debug; do
    [ -e $f ] && echo "  $f: $(wc -c <$f) bytes (masked)"
done
echo "  /sys/firmware: $(ls /sys/firmware | wc -l) entries (masked)"
echo "  mounts:"
awk '{printf "    %-14s %s\n", $5, $6}' /proc/self/mountinfo
echo "  attempts:"
try "write to the rootfs (touch /x)" touch /x
try "write to /tmp (a small tmpfs)" sh -c 'echo hi > /tmp/x'
try "execute from /tmp (noexec)" sh -c 'cp /bin/busybox /tmp/bb && /tmp/bb true'
try "mount a tmpfs" mount -t tmpfs none /tmp
try "change the hostname" hostname evil
try "chown a file" sh -c 'echo > /tmp/y && chown 0 /tmp/y'
try "open a raw socket (ping)" ping -c 1 -W 1 127.0.0.1
try "write to /proc/sys (read-only)" sh -c 'echo 1 > /proc/sys/kernel/printk'
try "create a device node" mknod /tmp/sda b 8 0
try "unshare a user namespace" unshare -U true
try "raise the file limit (ulimit -n 4096)" sh -c 'ulimit -n 4096'
echo "---- end ----"
SH
chmod 755 "$work/bundle/rootfs/bin/look-around"
jq '.process.args = ["/bin/look-around"]' "$work/bundle/config.json" >"$work/c.json"
mv "$work/c.json" "$work/bundle/config.json"

echo "demo.sh: running a hardened container (config: user 65534, no capabilities,"
echo "         read-only rootfs, no_new_privs, masked paths, seccomp RuntimeDefault)"
status=0
./brig --root "$work/state" run --bundle "$work/bundle" "brig-demo-$$" || status=$?
echo "demo.sh: the container exited with status $status"
exit $status
