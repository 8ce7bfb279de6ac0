#!/usr/bin/env python3
"""measure.py: one migration of bench/migrate/hold.c's state, live (with
pre-copy, migrate's default, its rounds; oneround: --rounds 1; or stopcopy:
--no-precopy) and the naive way, on the shaped link that bench/migrate.sh set up. It runs in the
source's network namespace; the destination's commands go through
`ip netns exec DEST`. Prints one line of figures per way (key=value) that
migrate.sh turns into the table; no figure is made up: a step that fails
ends the run with a line starting "measure:" and status 1."""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

FIRST_LINE_S = 120      # allocation and fill of the state, at most
RESUME_S = 600          # a migration or a copy of 1 GB at 100 Mbit/s, with room
COPY_BLOCK = 1 << 20


def fail(why):
    print("measure: " + why, flush=True)
    sys.exit(1)


class Lines:
    """The lines of a stream, each with the wall time it was read at."""

    def __init__(self, stream):
        self.lines = []
        self.cond = threading.Condition()
        self.ended = False
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for raw in stream:
            with self.cond:
                self.lines.append((time.time(), raw.decode(errors="replace").rstrip("\n")))
                self.cond.notify_all()
        with self.cond:
            self.ended = True
            self.cond.notify_all()

    def wait_for(self, pattern, timeout, start=0):
        """The first (time, line, index) from start on that matches, or None."""
        rx = re.compile(pattern)
        until = time.time() + timeout
        i = start
        with self.cond:
            while True:
                while i < len(self.lines):
                    if rx.search(self.lines[i][1]):
                        return self.lines[i] + (i,)
                    i += 1
                left = until - time.time()
                if self.ended or left <= 0:
                    return None
                self.cond.wait(left)

    def last_before(self, pattern, before):
        """The last line matching pattern read before wall time before."""
        rx = re.compile(pattern)
        with self.cond:
            found = [l for t, l in self.lines if t <= before and rx.search(l)]
        return found[-1] if found else None


def stamp(line):
    """The wall time a hold.c line "t SECONDS" carries."""
    return float(line.split()[1])


def start_source(a):
    env = dict(os.environ, MIGTHREAD_VERBOSE="1")
    p = subprocess.Popen([a.prog, str(a.mb), str(RESUME_S * 2), str(a.hot), str(a.dirty)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env, start_new_session=True)
    out, err = Lines(p.stdout), Lines(p.stderr)
    if not out.wait_for(r"^t ", FIRST_LINE_S):
        p.kill()
        fail("the source program printed nothing within %d s: %s" % (FIRST_LINE_S, err.lines[-1:]))
    return p, out, err


def last_tick(out, err):
    """The source's last line before it stopped, and the checkpoint size."""
    got = err.wait_for(r"^migthread: checkpoint .*: [0-9]+ bytes", RESUME_S)
    if not got:
        fail("the source never said it wrote its checkpoint: %s" % err.lines[-3:])
    size = int(re.search(r": ([0-9]+) bytes", got[1]).group(1))
    written_ms = float(re.search(r"written in ([0-9.]+) ms", got[1]).group(1))
    last = out.last_before(r"^t ", got[0])
    if not last:
        fail("no line of the source before its checkpoint")
    return stamp(last), size, written_ms, got[0]


def held_tick(out, err):
    """With pre-copy the source writes the pre-copy and its rounds, after
    each of which it goes on, and then the held one. The last line before
    the held one, the sizes of the held one and the first pre-copy (0:
    none), the bytes of all the pre-copies, how many there were, and the
    longest gap between two lines before the held one (a pre-copy's
    pause)."""
    rx = re.compile(r"^migthread: checkpoint .*: ([0-9]+) bytes")
    got = err.wait_for(rx.pattern, RESUME_S)
    if not got:
        fail("the source never said it wrote its checkpoint: %s" % err.lines[-3:])
    with err.cond:
        ckpts = [(t, l) for t, l in err.lines if rx.search(l)]
    t_held, held = ckpts[-1]
    size = int(rx.search(held).group(1))
    pre = int(rx.search(ckpts[0][1]).group(1)) if len(ckpts) > 1 else 0
    pres = sum(int(rx.search(l).group(1)) for t, l in ckpts[:-1])
    last = out.last_before(r"^t ", t_held)
    if not last:
        fail("no line of the source before its checkpoint")
    with out.cond:
        stamps = [stamp(l) for t, l in out.lines if t <= t_held and l.startswith("t ")]
    pause = max((b - a for a, b in zip(stamps, stamps[1:])), default=0.0) if pre else 0.0
    return stamp(last), size, pre, pause, pres, len(ckpts) - 1


def first_line_of(path, timeout):
    """The first "t" line a file receives, waiting for it."""
    until = time.time() + timeout
    while time.time() < until:
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith("t ") and line.endswith("\n"):
                        return stamp(line)
        except FileNotFoundError:
            pass
        time.sleep(0.002)
    fail("%s received no line within %d s" % (path, timeout))


def restored_ms(path):
    """The restored program's own figure: start to go, in ms."""
    for _ in range(500):
        try:
            with open(path) as f:
                m = re.search(r"^migthread: restored .* in ([0-9.]+) ms", f.read(), re.M)
                if m:
                    return float(m.group(1))
        except FileNotFoundError:
            pass
        time.sleep(0.002)
    return float("nan")


def live(a):
    src, out, err = start_source(a)
    t0 = time.time()
    opts = {"stopcopy": ["--no-precopy"], "oneround": ["--rounds", "1"]}.get(a.way, [])
    m = subprocess.run([a.mt, "migrate", "--detach"] + opts + ["--key", a.key, "--known", a.known, str(src.pid),
                        "%s:%d" % (a.addr, a.port)], capture_output=True, text=True, timeout=RESUME_S)
    t_done = time.time()
    if m.returncode != 0:
        src.kill()
        fail("migrate exited %d: %s" % (m.returncode, (m.stderr or m.stdout).strip()))
    d = re.search(r"process ([0-9]+) at .*; its output goes to (\S+)\.out", m.stdout)
    if not d:
        fail("migrate said no destination process: %s" % m.stdout.strip())
    t_last, size, pre, pause, pres, rounds = held_tick(out, err)
    t_resume = first_line_of(d.group(2) + ".out", RESUME_S)
    rest_ms = restored_ms(d.group(2) + ".err")
    os.kill(int(d.group(1)), signal.SIGKILL)
    src.wait(timeout=30)
    print("%s bytes=%d held=%d precopy=%d precopies=%d rounds=%d total=%.4f stopped=%.4f pause=%.4f restore_ms=%.1f "
          "migrate_exit=%.4f" % (a.way, pre or size, size, pre, pres, rounds, t_resume - t0, t_resume - t_last, pause,
                                 rest_ms, t_done - t0),
          flush=True)


def receiver(a, path):
    """A plain TCP receiver in the destination's namespace, to a file."""
    code = ("import socket,sys\n"
            "s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
            "s.bind((sys.argv[1],int(sys.argv[2])));s.listen(1);print('listening',flush=True)\n"
            "c,_=s.accept();f=open(sys.argv[3],'wb')\n"
            "while True:\n"
            "    b=c.recv(%d)\n"
            "    if not b: break\n"
            "    f.write(b)\n"
            "f.close();c.close()\n" % COPY_BLOCK)
    r = subprocess.Popen(["ip", "netns", "exec", a.dest_ns, sys.executable, "-c", code, a.addr,
                          str(a.port + 1), path], stdout=subprocess.PIPE, text=True)
    if r.stdout.readline().strip() != "listening":
        fail("the copy's receiver did not start")
    return r


def send_file(a, path):
    with socket.create_connection((a.addr, a.port + 1)) as s, open(path, "rb") as f:
        while True:
            b = f.read(COPY_BLOCK)
            if not b:
                break
            s.sendall(b)


def naive(a):
    here, there = os.path.join(a.dir, "naive.ckpt"), os.path.join(a.dir, "naive.copy.ckpt")
    for p in (here, there):
        if os.path.exists(p):
            os.unlink(p)
    src, out, err = start_source(a)
    r = receiver(a, there)
    t0 = time.time()
    c = subprocess.run([a.mt, "checkpoint", "--exit", "-o", here, str(src.pid)], capture_output=True, text=True,
                       timeout=RESUME_S)
    t1 = time.time()
    if c.returncode != 0 or not os.path.exists(here):
        fail("checkpoint to a file failed: %s" % c.stderr.strip())
    t_last, size, written_ms, _ = last_tick(out, err)
    send_file(a, here)
    r.wait(timeout=RESUME_S)
    t2 = time.time()
    if os.path.getsize(there) != size:
        fail("the copy holds %d bytes, not %d" % (os.path.getsize(there), size))
    rs = subprocess.Popen(["ip", "netns", "exec", a.dest_ns, a.mt, "restart", "--binary", a.dest_prog, there],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    rout = Lines(rs.stdout)
    got = rout.wait_for(r"^t ", RESUME_S)
    if not got:
        rs.kill()
        fail("the restart printed nothing: %s" % rs.stderr.read(2000))
    t_resume = stamp(got[1])
    os.killpg(rs.pid, signal.SIGKILL)
    rs.wait(timeout=30)
    src.wait(timeout=30)
    print("naive bytes=%d total=%.4f stopped=%.4f checkpoint=%.4f copy=%.4f restart=%.4f"
          % (size, t_resume - t0, t_resume - t_last, t1 - t0, t2 - t1, t_resume - t2), flush=True)


def main():
    p = argparse.ArgumentParser()
    for o in ("mt", "prog", "dest-prog", "key", "known", "addr", "dest-ns", "dir", "way"):
        p.add_argument("--" + o, required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--mb", type=int, required=True)
    p.add_argument("--hot", type=float, default=0)
    p.add_argument("--dirty", type=float, default=0)
    a = p.parse_args()
    live(a) if a.way in ("live", "stopcopy", "oneround") else naive(a)


main()
