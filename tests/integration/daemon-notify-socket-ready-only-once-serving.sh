#!/usr/bin/env bash
# daemon-notify-socket-ready-only-once-serving: seauditd speaks systemd's
# NOTIFY_SOCKET protocol (sd_notify(3); seauditd(8), SYSTEMD), with the
# test in the service manager's place (a datagram socket it binds in a
# temporary directory, and one in the abstract namespace).  What must
# hold:
#  - READY=1 comes only once producers can connect: a status query sent
#    the moment it arrives is answered, and the start record is already
#    in the log; MAINPID is the daemon's pid (the child when it goes to
#    the background, not the process that started it); STATUS names the
#    socket and the log;
#  - SIGHUP: RELOADING=1, then READY=1 again (also when the new file is
#    refused);
#  - SIGTERM: STOPPING=1, then a clean exit;
#  - a failed start sends no READY=1 and exits 1;
#  - the abstract-namespace form ("@name") works as the path form does.
set -euo pipefail

if [[ -z "${SEAUDITD:-}" ]]; then echo "seauditd not built: skipped"; exit 0; fi
: "${SEAUDIT:?}"
command -v python3 >/dev/null || { echo "skipped: needs python3"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/manager.py" <<'PY'
import os, signal, socket, subprocess, sys, time

tmp, seauditd, seaudit = sys.argv[1], sys.argv[2], sys.argv[3]
fails = []

def fail(msg):
    fails.append(msg)
    print("FAIL: " + msg, flush=True)

def conf(path, sock, extra=""):
    with open(path, "w") as f:
        f.write("[logmgr]\naudit_log = %s/log\n[seauditd]\nsocket = %s\n%s"
                % (tmp, sock, extra))

def manager(name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if name.startswith("@"):
        s.bind("\0" + name[1:])
    else:
        s.bind(name)
    s.settimeout(10)
    return s

def recv(s, what):
    try:
        data = s.recv(4096).decode()
    except socket.timeout:
        fail("no notification (%s) within 10 s" % what)
        return {}
    return dict(l.split("=", 1) for l in data.split("\n") if "=" in l)

def query(sock):
    # A status query, as docs/PROTOCOL.md §2.2 and §9 describe it.
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(5)
    c.connect(sock)
    c.sendall(b"SAP1Q\0\0\0\x01\0\0\0\0\0\0\0")
    h = b""
    while len(h) < 16:
        b = c.recv(16 - len(h))
        if not b:
            break
        h += b
    c.close()
    return h[4:5]

def run(name, background):
    sock = "%s/d.sock" % tmp
    conf(tmp + "/d.ini", sock)
    m = manager(name)
    env = dict(os.environ, NOTIFY_SOCKET=name)
    pidfile = tmp + "/d.pid"
    args = [seauditd, "-f", tmp + "/d.ini"] + (["-P", pidfile] if background else ["-d"])
    p = subprocess.Popen(args, env=env, stderr=open(tmp + "/d.err", "a"))
    msg = recv(m, "READY=1")
    if msg.get("READY") != "1":
        fail("%s: first notification is not READY=1: %r" % (name, msg))
        p.kill()
        if background:  # the daemon the test started, by its pid file
            try:
                p.wait(10)
                os.kill(int(open(pidfile).read()), signal.SIGKILL)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                pass
        return
    # The moment READY=1 arrives, producers are served.
    try:
        t = query(sock)
    except OSError as e:
        t = repr(e)
    if t != b"S":
        fail("%s: READY=1 before the socket answered (%r)" % (name, t))
    out = subprocess.run([seaudit, "-daemon", "-fn", tmp + "/log"],
                         capture_output=True, text=True).stdout
    if "seauditd" not in out:
        fail("%s: READY=1 before the start record was written" % name)
    if "listening on " + sock not in msg.get("STATUS", ""):
        fail("%s: STATUS=%r" % (name, msg.get("STATUS")))
    mainpid = int(msg.get("MAINPID", "0"))
    if background:
        rc = p.wait(10)
        if rc != 0:
            fail("%s: the starting process exited %d" % (name, rc))
        if mainpid == p.pid or mainpid <= 0:
            fail("%s: MAINPID %d is not the backgrounded daemon" % (name, mainpid))
    elif mainpid != p.pid:
        fail("%s: MAINPID %d, the daemon is %d" % (name, mainpid, p.pid))
    if mainpid <= 0:
        p.kill()
        return
    # Reloads: a good file, then a bad one (kept running), READY each time.
    for extra, label in (("", "reload"), ("bogus_key = 1\n", "refused reload")):
        conf(tmp + "/d.ini", sock, extra)
        os.kill(mainpid, signal.SIGHUP)
        a, b = recv(m, label), recv(m, label + " READY")
        if a.get("RELOADING") != "1" or "MONOTONIC_USEC" not in a:
            fail("%s: %s: no RELOADING=1 first: %r" % (name, label, a))
        if b.get("READY") != "1":
            fail("%s: %s: no READY=1 after it: %r" % (name, label, b))
    os.kill(mainpid, signal.SIGTERM)
    s = recv(m, "STOPPING=1")
    if s.get("STOPPING") != "1":
        fail("%s: no STOPPING=1 at SIGTERM: %r" % (name, s))
    if background:
        for _ in range(200):
            try:
                os.kill(mainpid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            fail("%s: the daemon did not exit" % name)
            os.kill(mainpid, signal.SIGKILL)
    else:
        rc = p.wait(10)
        if rc != 0:
            fail("%s: exit %d after SIGTERM" % (name, rc))
    m.close()

run(tmp + "/notify", False)
run(tmp + "/notify-bg", True)
run("@seaudit-test-%d" % os.getpid(), False)

# A failed start: the socket path is a regular file.
open(tmp + "/file", "w").write("precious\n")
conf(tmp + "/bad.ini", tmp + "/file")
m = manager(tmp + "/notify-bad")
m.settimeout(0.5)
env = dict(os.environ, NOTIFY_SOCKET=tmp + "/notify-bad")
rc = subprocess.run([seauditd, "-d", "-f", tmp + "/bad.ini"], env=env,
                    stderr=subprocess.DEVNULL, timeout=20).returncode
if rc != 1:
    fail("a failed start exited %d, not 1" % rc)
try:
    got = m.recv(4096).decode()
    if "READY=1" in got:
        fail("a failed start sent READY=1")
except socket.timeout:
    pass
if not fails:
    print("READY=1 only once serving; reload, stop and a failed start told")
sys.exit(1 if fails else 0)
PY
python3 "$tmp/manager.py" "$tmp" "$SEAUDITD" "$SEAUDIT"
