#!/bin/bash
# Run in the guest by brig-vm.service (tests/vm/build-image.sh) from the
# payload disk that tests/vm/run makes: copies the tree to /opt/brig, runs
# the command in ./cmd as root, then ./ucmd (if any) as the user brigtest,
# and prints "brig-vm-exit: STATUS" last.  Output goes to the second serial
# port, which the host reads.
exec 2>&1
stty -F /dev/ttyS1 raw -echo 2>/dev/null
finish() { echo "brig-vm-exit: $1"; sync; exit 0; }
# The KVM probe of tests/vm/run: only show that the guest got this far.
grep -qw brig.probe=1 /proc/cmdline && finish 0

echo "# vm: guest kernel $(uname -r), $(systemctl --version | head -n 1)," \
    "/sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup), PID 1 is $(cat /proc/1/comm)"
rm -rf /opt/brig && cp -a /mnt/payload/src /opt/brig || finish 2
chmod 755 /opt /opt/brig
cd /opt/brig || finish 2
export BRIG_IN_VM=1
# brigtest's systemd instance (lingering, tests/vm/build-image.sh) for the
# rootless --systemd-cgroup tests (tests/integration/rootless_cgroup.sh);
# logind starts it at boot, maybe after this unit: wait for it.
timeout 120 systemctl start user@1000.service ||
    echo "# vm: user@1000.service did not start: $(systemctl is-failed user@1000.service)"
export BRIG_TEST_SYSTEMD_USER=brigtest
# A client case (podman, containerd) takes 20-60 s emulated.
export BRIG_CLIENTS_TIMEOUT=${BRIG_CLIENTS_TIMEOUT:-120}
cmd=$(cat /mnt/payload/cmd)
ucmd=$(cat /mnt/payload/ucmd)
eval "$cmd"
rc=$?
if [ -n "$ucmd" ]; then
    echo "# vm: as the user brigtest"
    chown -R brigtest: /opt/brig
    eval "$ucmd"
    urc=$?
    [ $rc -ne 0 ] || rc=$urc
fi
finish "$rc"
