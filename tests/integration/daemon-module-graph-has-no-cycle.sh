#!/usr/bin/env bash
# daemon-module-graph-has-no-cycle: the daemon's modules (daemons/seauditd/
# *.c) and the skeleton they share (common/*.c) call one another one way
# only, and no module keeps the daemon in a global.  Read from the built
# objects' symbols (nm), not from the headers, so that a prototype
# declared by hand in a .c file cannot hide a call:
#  - an edge A -> B for every function or object A uses that B defines;
#    the graph must be acyclic (a cycle is printed, module by module);
#  - common/ never calls into a daemon;
#  - no module defines a writable global (nm B, D or C): state lives in
#    struct daemon, passed by pointer, or in a module's own statics;
#  - the frame server is reached by seauditd only through its API, and
#    server.c is the only module handing it callbacks.
set -euo pipefail

: "${SA_SRC:?}" "${SA_BUILD:?}"
command -v python3 >/dev/null || { echo "skipped: needs python3"; exit 0; }
command -v nm >/dev/null || { echo "skipped: needs nm"; exit 0; }
if [[ ! -d "$SA_BUILD/daemons/CMakeFiles/seauditd.dir" ]]; then
	echo "seauditd not built: skipped"; exit 0
fi

python3 - "$SA_SRC" "$SA_BUILD" <<'PY'
import glob, os, subprocess, sys

src, build = sys.argv[1], sys.argv[2]
mods = {}
for c in sorted(glob.glob(src + "/daemons/seauditd/*.c")):
    mods["seauditd/" + os.path.basename(c)] = \
        build + "/daemons/CMakeFiles/seauditd.dir/seauditd/%s.o" % os.path.basename(c)
for c in sorted(glob.glob(src + "/common/*.c")):
    mods["common/" + os.path.basename(c)] = \
        build + "/CMakeFiles/seaudit-common.dir/common/%s.o" % os.path.basename(c)

fails = []
defined, used = {}, {}
for m, o in mods.items():
    if not os.path.exists(o):
        fails.append("%s: object %s not built" % (m, o))
        continue
    out = subprocess.run(["nm", o], capture_output=True, text=True,
                         check=True).stdout
    used[m] = set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == "U":
            used[m].add(f[1])
        elif len(f) == 3:
            kind, sym = f[1], f[2]
            if kind in "TRW" or kind in "BDC":
                defined[sym] = m
            if kind in "BDC":
                fails.append("%s: defines the writable global %s" % (m, sym))

edges = {m: set() for m in used}
for m, syms in used.items():
    for s in syms:
        if s in defined and defined[s] != m:
            edges[m].add(defined[s])

for m, to in edges.items():
    for t in to:
        if m.startswith("common/") and t.startswith("seauditd/"):
            fails.append("%s calls into the daemon (%s)" % (m, t))

# Cycles: depth-first search with colours; every back edge is one.
colour, stack = {m: 0 for m in edges}, []
def visit(m):
    colour[m] = 1
    stack.append(m)
    for t in sorted(edges[m]):
        if colour[t] == 1:
            fails.append("cycle: " + " -> ".join(stack[stack.index(t):] + [t]))
        elif colour[t] == 0:
            visit(t)
    stack.pop()
    colour[m] = 2
for m in sorted(edges):
    if colour[m] == 0:
        visit(m)

fs = {s for s, m in defined.items() if m == "common/framesrv.c"}
for m in edges:
    if m.startswith("seauditd/") and "fsrv_new" in used[m] and m != "seauditd/server.c":
        fails.append("%s creates a frame server: only server.c wires it" % m)
users = sorted(m for m in edges if m.startswith("seauditd/") and used[m] & fs)
if "seauditd/server.c" not in users:
    fails.append("server.c does not use common/framesrv.c")

for m in sorted(edges):
    print("%-24s -> %s" % (m, ", ".join(sorted(edges[m])) or "(nothing)"))
for f in fails:
    print("FAIL: " + f)
sys.exit(1 if fails else 0)
PY
