#!/usr/bin/python3
"""A fake systemd manager (org.freedesktop.systemd1) for
tests/integration/cgroup_systemd.sh.

usage: fake-systemd.py LOG   (DBUS_SYSTEM_BUS_ADDRESS names the bus)

It owns org.freedesktop.systemd1 on the bus and does, for transient units,
what systemd does with cgroups on this host: StartTransientUnit makes the
unit's cgroup under its slice ("a-b.slice" is /a.slice/a-b.slice) in the
hierarchies systemd manages (name=systemd, the accounting controllers,
cgroup2), moves the PIDs there and emits JobRemoved; StopUnit kills what
is left and removes the directories it made.  Unit names containing
"jobfail" get a job that fails (the unit is left "failed" until
ResetFailedUnit).  Every call is appended to LOG as one JSON object per
line.  "READY" goes to stdout once the name is owned.
"""
import json
import os
import signal
import sys
import time

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

MANAGER = "org.freedesktop.systemd1.Manager"
PATH = "/org/freedesktop/systemd1"
# v1 controllers systemd enables for a unit with accounting (and device
# rules); the others (cpuset, freezer, net_cls, ...) it leaves alone.
MANAGED = {"cpu", "cpuacct", "memory", "pids", "blkio", "devices"}


def hierarchies():
    """The cgroup mount points systemd would use on this host."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fstype, _, superopts = (right.split() + ["", "", ""])[:3]
            mnt = left.split()[4]
            if fstype == "cgroup2":
                out.append(mnt)
            elif fstype == "cgroup":
                opts = set(superopts.split(","))
                if opts & MANAGED or "name=systemd" in opts:
                    out.append(mnt)
    return out


def slice_path(name):
    if name == "-.slice":
        return ""
    stem = name[: -len(".slice")]
    parts = stem.split("-")
    return "".join("/" + "-".join(parts[: i + 1]) + ".slice" for i in range(len(parts)))


def plain(v):
    """D-Bus values as JSON ones."""
    if isinstance(v, dbus.Boolean):
        return bool(v)
    if isinstance(v, (int,)):
        return int(v)
    if isinstance(v, (dbus.Array, dbus.Struct, list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dbus.ByteArray):
        return list(bytes(v))
    return str(v)


class UnitExists(dbus.exceptions.DBusException):
    _dbus_error_name = "org.freedesktop.systemd1.UnitExists"


class NoSuchUnit(dbus.exceptions.DBusException):
    _dbus_error_name = "org.freedesktop.systemd1.NoSuchUnit"


class Manager(dbus.service.Object):
    def __init__(self, bus, log):
        super().__init__(bus, PATH)
        self.log_path = log
        self.units = {}
        self.jobs = 0

    def log(self, **entry):
        with open(self.log_path, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def new_job(self, unit, result):
        self.jobs += 1
        job = "%s/job/%d" % (PATH, self.jobs)
        jid = self.jobs
        # after the reply, as systemd does
        GLib.idle_add(lambda: self.JobRemoved(jid, job, unit, result) and False)
        return dbus.ObjectPath(job)

    @dbus.service.signal(MANAGER, signature="uoss")
    def JobRemoved(self, id, job, unit, result):
        pass

    @dbus.service.method(MANAGER, in_signature="ssa(sv)a(sa(sv))", out_signature="o")
    def StartTransientUnit(self, name, mode, props, aux):
        p = {str(k): plain(v) for k, v in props}
        self.log(call="StartTransientUnit", name=str(name), mode=str(mode), properties=p,
                 aux=plain(aux))
        if name in self.units:
            raise UnitExists("Unit %s already exists." % name)
        if "jobfail" in name:
            self.units[name] = {"state": "failed", "dirs": []}
            return self.new_job(name, "failed")
        parent = slice_path(p.get("Slice", "-.slice"))
        made = []
        for h in hierarchies():
            d = h
            for part in (parent + "/" + name).strip("/").split("/"):
                d = d + "/" + part
                if not os.path.isdir(d):
                    os.mkdir(d)
                    made.append(d)
            for pid in p.get("PIDs", []):
                with open(d + "/cgroup.procs", "w") as f:
                    f.write(str(pid))
        self.units[name] = {"state": "active", "dirs": made}
        return self.new_job(name, "done")

    @dbus.service.method(MANAGER, in_signature="ss", out_signature="o")
    def StopUnit(self, name, mode):
        self.log(call="StopUnit", name=str(name), mode=str(mode))
        unit = self.units.pop(str(name), None)
        if unit is None:
            raise NoSuchUnit("Unit %s not loaded." % name)
        # what systemd's KillMode=control-group does, then the cgroups
        dirs = sorted(unit["dirs"], key=len, reverse=True)
        for _ in range(100):
            pids = set()
            for d in dirs:
                try:
                    with open(d + "/cgroup.procs") as f:
                        pids |= {int(x) for x in f.read().split()}
                except OSError:
                    pass
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.02)
        for d in dirs:
            for _ in range(50):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)  # busy for a moment after the last exit
        return self.new_job(name, "done")

    @dbus.service.method(MANAGER, in_signature="s", out_signature="")
    def ResetFailedUnit(self, name):
        self.log(call="ResetFailedUnit", name=str(name))
        unit = self.units.get(str(name))
        if unit is None:
            raise NoSuchUnit("Unit %s not loaded." % name)
        if unit["state"] == "failed":
            del self.units[str(name)]

    @dbus.service.method(MANAGER, in_signature="sba(sv)", out_signature="")
    def SetUnitProperties(self, name, runtime, props):
        p = {str(k): plain(v) for k, v in props}
        self.log(call="SetUnitProperties", name=str(name), runtime=bool(runtime), properties=p)
        if str(name) not in self.units:
            raise NoSuchUnit("Unit %s not loaded." % name)

    @dbus.service.method("org.freedesktop.DBus.Properties", in_signature="ss", out_signature="v")
    def Get(self, interface, prop):
        self.log(call="Get", interface=str(interface), property=str(prop))
        if interface == MANAGER and prop == "Version":
            return dbus.String("252 (fake)", variant_level=1)
        raise dbus.exceptions.DBusException(
            "Unknown property", name="org.freedesktop.DBus.Error.UnknownProperty")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(os.environ["DBUS_SYSTEM_BUS_ADDRESS"])
    manager = Manager(bus, sys.argv[1])
    name = dbus.service.BusName("org.freedesktop.systemd1", bus, do_not_queue=True)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    print("READY", flush=True)
    loop.run()
    del name, manager


if __name__ == "__main__":
    main()
