#!/bin/sh
# Install everything needed to build and test brig on Debian 12 (run as root).
# Idempotent: packages already installed are left alone, and apt is only
# asked to update its lists when something is missing.
set -eu

BUILD_PKGS="build-essential autoconf automake libtool pkg-config
  libseccomp-dev libcap-dev libyajl-dev libmount-dev"
# busybox-static provides the test bundles' rootfs; runc and crun are the
# peers the tests are validated against; the rest are used by tests.
TEST_PKGS="busybox-static jq iproute2 procps util-linux coreutils psmisc
  runc crun valgrind clang libclang-rt-14-dev strace libcap2-bin python3
  python3-jsonschema podman containerd dbus-daemon python3-dbus python3-gi uidmap
  qemu-system-x86 debootstrap e2fsprogs"
# (qemu-system-x86, debootstrap: the cgroup v2 guest of tests/vm/run)

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps.sh: must be run as root" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive

missing=""
for p in $BUILD_PKGS $TEST_PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps.sh: all build and test dependencies are installed"
    exit 0
fi

echo "install-deps.sh: installing:$missing"
# Another apt process may hold the lock for a while; wait for it.
apt_opts="-q -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0"
# shellcheck disable=SC2086
apt-get $apt_opts update >/dev/null
# shellcheck disable=SC2086
apt-get $apt_opts install -y --no-install-recommends $missing >/dev/null
echo "install-deps.sh: done"
