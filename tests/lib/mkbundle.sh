#!/bin/bash
# shellcheck shell=bash
# Busybox bundles for the tests and the demo.
#
# Sourced: provides rootfs_cached, base_config and make_bundle.
# Run:     tests/lib/mkbundle.sh DIR   makes DIR/rootfs and DIR/config.json.
#
# The rootfs is built once from Debian's busybox-static into
# $BRIG_TEST_CACHE/rootfs and copied into each bundle, so a test can write
# into its rootfs without disturbing the others.

# Prints the path of the cached rootfs, building it first if needed.
rootfs_cached() {
    local cache=${BRIG_TEST_CACHE:?} bb=/bin/busybox
    if [ ! -x $bb ]; then
        echo "mkbundle: $bb not found: apt-get install busybox-static" >&2
        return 1
    fi
    # Rebuild when busybox changes.
    local key
    key=$(stat -L -c '%s-%Y' $bb)
    local dir=$cache/rootfs
    if [ -f "$dir/.brig-rootfs" ] && [ "$(cat "$dir/.brig-rootfs")" = "$key" ]; then
        echo "$dir"
        return 0
    fi
    mkdir -p "$cache"
    local tmp
    tmp=$(mktemp -d "$cache/rootfs.new.XXXXXX") || return 1
    _populate_rootfs "$tmp" || { rm -rf "$tmp"; return 1; }
    echo "$key" >"$tmp/.brig-rootfs"
    # Another run may have built it meanwhile: the rename is the commit.
    rm -rf "$dir.old"
    [ -d "$dir" ] && mv "$dir" "$dir.old"
    mv "$tmp" "$dir" && rm -rf "$dir.old"
    echo "$dir"
}

_populate_rootfs() {
    local r=$1 p
    mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,root,home,run,var,mnt}
    install -m 1777 -d "$r/tmp"
    chmod 755 "$r"
    cp /bin/busybox "$r/bin/busybox"
    for p in $(/bin/busybox --list-full); do
        [ -e "$r/$p" ] || [ -L "$r/$p" ] || ln -s /bin/busybox "$r/$p"
    done
    cat >"$r/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PW
    cat >"$r/etc/group" <<'GR'
root:x:0:
daemon:x:1:
tty:x:5:
users:x:100:
nogroup:x:65534:
GR
    echo "brig" >"$r/etc/hostname"
    : >"$r/etc/resolv.conf"
    : >"$r/etc/hosts"
}

# Prints the base config.json, close to what `runc spec` makes, with a
# non-interactive process.  Tests adjust it with jq (see cfg in helpers.sh).
base_config() {
    cat <<'JSON'
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": { "uid": 0, "gid": 0 },
    "args": [ "true" ],
    "env": [
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "TERM=xterm"
    ],
    "cwd": "/",
    "capabilities": {
      "bounding": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
      "effective": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
      "permitted": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ]
    },
    "rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 } ],
    "noNewPrivileges": true
  },
  "root": { "path": "rootfs", "readonly": true },
  "hostname": "brig",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
      "options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ] },
    { "destination": "/dev/pts", "type": "devpts", "source": "devpts",
      "options": [ "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" ] },
    { "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
      "options": [ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" ] },
    { "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
      "options": [ "nosuid", "noexec", "nodev" ] },
    { "destination": "/sys", "type": "sysfs", "source": "sysfs",
      "options": [ "nosuid", "noexec", "nodev", "ro" ] }
  ],
  "linux": {
    "resources": { "devices": [ { "allow": false, "access": "rwm" } ] },
    "namespaces": [
      { "type": "pid" }, { "type": "network" }, { "type": "ipc" },
      { "type": "uts" }, { "type": "mount" }
    ],
    "maskedPaths": [
      "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
      "/proc/sched_debug", "/sys/firmware", "/proc/scsi"
    ],
    "readonlyPaths": [
      "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"
    ]
  }
}
JSON
}

# make_bundle DIR: DIR/rootfs (a copy of the cached rootfs) and DIR/config.json.
make_bundle() {
    local dir=$1 rootfs
    rootfs=$(rootfs_cached) || return 1
    mkdir -p "$dir" || return 1
    cp -a "$rootfs" "$dir/rootfs" || return 1
    rm -f "$dir/rootfs/.brig-rootfs"
    base_config >"$dir/config.json"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -eu
    if [ $# -ne 1 ]; then
        echo "usage: $0 BUNDLE-DIR" >&2
        exit 2
    fi
    : "${BRIG_TEST_CACHE:=$(cd "$(dirname "$0")/.." && pwd)/.work}"
    make_bundle "$1"
    echo "$1"
fi
