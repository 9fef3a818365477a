#!/usr/bin/env python3
"""Terminal helpers for tests/integration/terminal.sh and exec.sh.

  terminal-helper.py pty [--size ROWSxCOLS] [--input TEXT] [--when TEXT]
                         [--resize ROWSxCOLS] [--timeout S] -- CMD...
      Run CMD as a session leader on a new pty of that size (its stdin,
      stdout, stderr and controlling terminal).  TEXT is typed once CMD has
      printed --when TEXT (at once without --when); --resize changes the
      window size at that moment.  Prints everything CMD wrote to the
      terminal (\\r\\n left as is) and exits with CMD's exit status.

  terminal-helper.py recv SOCKET OUTPUT [--input TEXT] [--when TEXT] [--timeout S]
      Listen on the unix socket SOCKET, take one connection and the fd sent
      with SCM_RIGHTS (a console socket, as containerd and conmon do); write
      the message's payload and facts about the fd to OUTPUT.meta, type TEXT
      into it (after --when TEXT appears), and copy what it prints to OUTPUT
      until the terminal hangs up.
"""
import argparse
import array
import fcntl
import os
import pty
import select
import socket
import stat
import struct
import sys
import termios
import time


def set_size(fd, spec):
    rows, cols = (int(x) for x in spec.split("x"))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def pump(master, out, text, when, resize, deadline, is_done):
    """Copy master -> out until EOF/EIO (or is_done() and no data), typing
    TEXT once WHEN was seen."""
    seen = b""
    typed = text is None and resize is None
    if not typed and not when:
        if resize:
            set_size(master, resize)
        if text is not None:
            os.write(master, text.encode())
        typed = True
    while time.time() < deadline:
        r, _, _ = select.select([master], [], [], 0.05)
        if not r:
            if is_done():
                # Let the last bytes arrive.
                r, _, _ = select.select([master], [], [], 0.2)
                if not r:
                    return True
            continue
        try:
            data = os.read(master, 4096)
        except OSError:
            return True  # EIO: every slave fd is closed
        if not data:
            return True
        out.write(data)
        out.flush()
        seen += data
        if not typed and when.encode() in seen:
            if resize:
                set_size(master, resize)
            if text is not None:
                os.write(master, text.encode())
            typed = True
    return False


def cmd_pty(a):
    pid, master = pty.fork()
    if pid == 0:
        try:
            os.execvp(a.cmd[0], a.cmd)
        finally:
            os._exit(127)
    if a.size:
        set_size(master, a.size)
    status = [None]

    def done():
        if status[0] is None:
            p, st = os.waitpid(pid, os.WNOHANG)
            if p == pid:
                status[0] = st
        return status[0] is not None

    ok = pump(master, sys.stdout.buffer, a.input, a.when, a.resize, time.time() + a.timeout, done)
    if not ok:
        sys.stderr.write("terminal-helper: timed out\n")
        os.kill(pid, 9)
    if status[0] is None:
        _, status[0] = os.waitpid(pid, 0)
    st = status[0]
    sys.exit(os.WEXITSTATUS(st) if os.WIFEXITED(st) else 128 + os.WTERMSIG(st))


def cmd_recv(a):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(a.socket)
    srv.listen(1)
    srv.settimeout(a.timeout)
    conn, _ = srv.accept()
    fds = array.array("i")
    msg, anc, _, _ = conn.recvmsg(4096, socket.CMSG_SPACE(4 * fds.itemsize))
    for level, typ, data in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    conn.close()
    srv.close()
    with open(a.output + ".meta", "w") as meta:
        meta.write("payload=%s\n" % msg.decode(errors="replace"))
        meta.write("fds=%d\n" % len(fds))
        if fds:
            st = os.fstat(fds[0])
            meta.write("chr=%d\n" % stat.S_ISCHR(st.st_mode))
            meta.write("major=%d\n" % os.major(st.st_rdev))
            meta.write("isatty=%d\n" % os.isatty(fds[0]))
            meta.write("path=%s\n" % os.readlink("/proc/self/fd/%d" % fds[0]))
            try:
                # TIOCGPTN: the pty number, only on a pty master.
                n = fcntl.ioctl(fds[0], termios.TIOCGPTN if hasattr(termios, "TIOCGPTN") else 0x80045430, b"\0\0\0\0")
                meta.write("ptn=%d\n" % struct.unpack("I", n)[0])
            except OSError as e:
                meta.write("ptn_error=%s\n" % e)
    if not fds:
        sys.exit(1)
    with open(a.output, "wb") as out:
        pump(fds[0], out, a.input, a.when, None, time.time() + a.timeout, lambda: False)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    q = sub.add_parser("pty")
    q.add_argument("--size")
    q.add_argument("--input")
    q.add_argument("--when")
    q.add_argument("--resize")
    q.add_argument("--timeout", type=float, default=20)
    q.add_argument("cmd", nargs=argparse.REMAINDER)
    r = sub.add_parser("recv")
    r.add_argument("socket")
    r.add_argument("output")
    r.add_argument("--input")
    r.add_argument("--when")
    r.add_argument("--timeout", type=float, default=20)
    a = p.parse_args()
    if a.mode == "pty":
        if a.cmd and a.cmd[0] == "--":
            a.cmd = a.cmd[1:]
        cmd_pty(a)
    else:
        cmd_recv(a)


if __name__ == "__main__":
    main()
