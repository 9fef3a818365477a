#!/bin/bash
# Builds the guest of tests/vm/run once: a Debian 12 (bookworm) root file
# system made with debootstrap from the mirror apt already uses, packed into
# an ext4 image without mounting anything (mkfs.ext4 -d), plus its kernel and
# initrd for qemu's direct kernel boot.
#
# usage: tests/vm/build-image.sh CACHE_DIR
#
# Leaves in CACHE_DIR: root.img, vmlinuz, initrd.img, stamp.  The stamp holds
# a hash of this script; tests/vm/run rebuilds when it differs.  Needs root,
# debootstrap and e2fsprogs; about 10 minutes and 1.5 GiB of disk.
set -euo pipefail

cache=${1:?usage: build-image.sh CACHE_DIR}
[ "$(id -u)" -eq 0 ] || { echo "build-image.sh: must be run as root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "build-image.sh: debootstrap not installed" >&2; exit 1; }

# The first deb URI apt uses for bookworm (deb822 or one-line format).
mirror() {
    local uri
    uri=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null |
        awk '{print $2}' | grep -v security | head -n 1)
    [ -n "$uri" ] || uri=$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        awk '{for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' |
        grep -v security | head -n 1)
    echo "${uri:-http://deb.debian.org/debian}"
}

# What the chosen tests use (tests/vm/README.md), the user instance of
# systemd with its session bus for the rootless tests (libpam-systemd has
# the PAM stack user@.service needs), podman (netavark: debootstrap
# does not resolve its virtual container-network-stack) and containerd for
# the client tests, and the runtime libraries of
# the dynamically linked test helpers too, so a host-built binary runs.
PKGS="linux-image-amd64 initramfs-tools systemd systemd-sysv udev dbus
  busybox-static jq iproute2 procps util-linux psmisc python3 python3-dbus
  python3-gi coreutils kmod e2fsprogs libcap2-bin strace runc
  libseccomp2 libcap2 libyajl2 libmount1 uidmap podman netavark containerd
  libpam-systemd dbus-user-session"

mkdir -p "$cache/debs"
work=$cache/build.$$
rootfs=$work/rootfs
trap 'rm -rf --one-file-system "$work"' EXIT
mkdir -p "$rootfs"

m=$(mirror)
# No network or a mirror that does not answer (a CI machine cut off):
# fail now and say so, not after debootstrap's retries; and a download
# that stalls later fails within minutes (wget reads WGETRC).
printf 'connect_timeout = 30\nread_timeout = 60\ntries = 3\n' >"$work/wgetrc"
export WGETRC=$work/wgetrc
case $m in
    http://* | https://*)
        wget -q --spider "$m/dists/bookworm/Release" || {
            echo "build-image.sh: the Debian mirror $m does not answer (no network?); cannot build the guest image" >&2
            exit 1
        } ;;
esac
echo "build-image.sh: debootstrap bookworm from $m"
debootstrap --variant=minbase --cache-dir="$cache/debs" \
    --include="$(echo $PKGS | tr ' ' ',')" bookworm "$rootfs" "$m" \
    >"$work/debootstrap.log" 2>&1 || {
    tail -n 30 "$work/debootstrap.log" >&2
    [ -f "$rootfs/debootstrap/debootstrap.log" ] && tail -n 30 "$rootfs/debootstrap/debootstrap.log" >&2
    exit 1
}

# --- configuration -----------------------------------------------------------
echo brig-vm >"$rootfs/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 brig-vm\n' >"$rootfs/etc/hosts"
# The root file system comes from the kernel command line (rw).
: >"$rootfs/etc/fstab"
# No login prompts, no periodic jobs: the guest only runs the tests.
for u in getty@tty1.service serial-getty@ttyS0.service apt-daily.timer \
    apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
    systemd-timesyncd.service man-db.timer; do
    ln -sf /dev/null "$rootfs/etc/systemd/system/$u"
done
# An unprivileged user for the tests that run as one (and rootless later).
chroot "$rootfs" /usr/sbin/useradd -m -u 1000 -s /bin/bash brigtest
grep -q '^brigtest:' "$rootfs/etc/subuid" 2>/dev/null || echo 'brigtest:100000:65536' >>"$rootfs/etc/subuid"
grep -q '^brigtest:' "$rootfs/etc/subgid" 2>/dev/null || echo 'brigtest:100000:65536' >>"$rootfs/etc/subgid"
# Its systemd user instance runs from boot (loginctl enable-linger): the
# rootless --systemd-cgroup tests talk to it, in the subtree it delegates.
mkdir -p "$rootfs/var/lib/systemd/linger"
: >"$rootfs/var/lib/systemd/linger/brigtest"

# The one-shot unit: mounts the payload disk (/dev/vdb, made per run by
# tests/vm/run), runs its guest.sh with output on the second serial port,
# then powers off whatever happened.
cat >"$rootfs/etc/systemd/system/brig-vm.service" <<'EOF'
[Unit]
Description=brig tests in the guest (tests/vm/run)
Wants=dbus.service
After=multi-user.target dbus.service
ConditionPathExists=/dev/vdb
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStartPre=/bin/mkdir -p /mnt/payload
ExecStartPre=/bin/mount -o ro /dev/vdb /mnt/payload
ExecStart=/bin/bash /mnt/payload/guest.sh
StandardOutput=file:/dev/ttyS1
StandardError=inherit
TimeoutStartSec=infinity
Delegate=yes

[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/brig-vm.service \
    "$rootfs/etc/systemd/system/multi-user.target.wants/brig-vm.service"

# Free space, then the image.
chroot "$rootfs" /usr/bin/apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
cp -L "$rootfs/vmlinuz" "$work/vmlinuz"
cp -L "$rootfs/initrd.img" "$work/initrd.img"
truncate -s 4G "$work/root.img"
mkfs.ext4 -q -F -L brig-vm-root -d "$rootfs" "$work/root.img"

sha256sum "$0" | awk '{print $1}' >"$work/stamp"
for f in root.img vmlinuz initrd.img stamp; do
    mv -f "$work/$f" "$cache/$f"
done
echo "build-image.sh: done: $cache/root.img"
