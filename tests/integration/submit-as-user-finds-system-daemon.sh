#!/usr/bin/env bash
# submit-as-user-finds-system-daemon: an ordinary user's seaudit-submit and
# seaudit -status, given no socket, reach the system daemon when the user
# runs no daemon of their own, and their own daemon when they do
# (docs/PROTOCOL.md §1).  The "system" daemon is started by the test as
# root on a socket in a temp dir, named to the clients by
# SEAUDIT_SYSTEM_SOCKET; the user is nobody (setpriv), with
# XDG_RUNTIME_DIR in the temp dir.  What must hold:
#  - nobody, no per-user daemon: records land in the system log, stamped
#    producer_uid 65534; -status answers with the system daemon's pid;
#  - nobody's own daemon running (embedded defaults, socket under
#    XDG_RUNTIME_DIR): records go there and not to the system log, and
#    -status answers with its pid;
#  - that daemon killed (its socket left behind): the system daemon again;
#  - a per-user socket nobody does not own (root's daemon squatting it):
#    passed over, the system daemon gets the records;
#  - no daemon anywhere: exit 1 naming both sockets tried;
#  - root: the system socket.
# Needs root (to become nobody); skipped otherwise.
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
if [[ -z "${SEAUDITD:-}" ]]; then echo "seauditd not built: skipped"; exit 0; fi
if [[ $(id -u) -ne 0 ]] || ! command -v setpriv >/dev/null; then
	echo "skipped: needs root and setpriv (the test becomes nobody)"
	exit 0
fi
export TZ=UTC
unset SEAUDIT_SOCKET SEAUDIT_LOG
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp" || true
}
trap cleanup EXIT
chmod 755 "$tmp"
fail=0

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		env XDG_RUNTIME_DIR="$tmp/xdg" XDG_STATE_HOME="$tmp/state" \
		HOME="$tmp/home" "$@"
}
if ! as_nobody "$SEAUDIT" -h >/dev/null 2>&1; then
	echo "skipped: nobody cannot run $SEAUDIT"
	exit 0
fi
for d in xdg state home; do
	mkdir -m 700 "$tmp/$d"
	chown 65534:65534 "$tmp/$d"
done

# wait_sock PATH PID: until PATH is a socket (the daemon serves).
wait_sock() {
	for _ in $(seq 200); do
		[[ -S "$1" ]] && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.05
	done
	echo "FAIL: no daemon at $1"
	cat "$tmp"/*.err 2>/dev/null
	exit 1
}

rec() { printf '{"time":"2024-05-01T10:00:00Z","event":"startup","status":"M","service":"%s"}\n' "$1"; }
# in_log LOG SERVICE: the record's JSON line, or nothing.
in_log() { "$SEAUDIT" -daemon -json -fn "$1" 2>/dev/null | grep "\"service\":\"$2\"" || true; }

# The system daemon, root's, on a socket in the temp dir.
cat >"$tmp/sys.ini" <<INI
[logmgr]
audit_log = $tmp/syslog
[seauditd]
socket = $tmp/run/seauditd.sock
socket_mode = 0666
INI
"$SEAUDITD" -d -f "$tmp/sys.ini" 2>"$tmp/sys.err" &
sys=$!
pids+=("$sys")
wait_sock "$tmp/run/seauditd.sock" "$sys"
export SEAUDIT_SYSTEM_SOCKET="$tmp/run/seauditd.sock"

# 1. nobody, no per-user daemon: the system daemon.
rc=0
rec u1 | as_nobody "$SEAUDIT_SUBMIT" 2>"$tmp/err" || rc=$?
[[ $rc -eq 0 ]] || { echo "FAIL: nobody's submit, no per-user daemon: exit $rc"; cat "$tmp/err"; fail=1; }
line=$(in_log "$tmp/syslog" u1)
[[ -n "$line" ]] || { echo "FAIL: nobody's record not in the system log"; fail=1; }
[[ "$line" == *'"producer_uid":65534'* ]] ||
	{ echo "FAIL: nobody's record not stamped with uid 65534: $line"; fail=1; }
rc=0
as_nobody "$SEAUDIT" -status >"$tmp/st" 2>"$tmp/err" || rc=$?
[[ $rc -eq 0 ]] && grep -qx "pid=$sys" "$tmp/st" ||
	{ echo "FAIL: nobody's -status did not reach the system daemon (exit $rc)"; cat "$tmp/err" "$tmp/st"; fail=1; }

# 2. nobody's own daemon, on its embedded defaults: that one.
# Started without the shell function, so that $! is the daemon itself
# (a backgrounded function is a subshell whose kill would orphan it).
setpriv --reuid=65534 --regid=65534 --clear-groups -- \
	env XDG_RUNTIME_DIR="$tmp/xdg" XDG_STATE_HOME="$tmp/state" \
	HOME="$tmp/home" "$SEAUDITD" -d 2>"$tmp/user.err" &
usr=$!
pids+=("$usr")
wait_sock "$tmp/xdg/seaudit/seauditd.sock" "$usr"
rc=0
rec u2 | as_nobody "$SEAUDIT_SUBMIT" 2>"$tmp/err" || rc=$?
[[ $rc -eq 0 ]] || { echo "FAIL: nobody's submit to its own daemon: exit $rc"; cat "$tmp/err"; fail=1; }
[[ -n $(in_log "$tmp/state/seaudit/log" u2) ]] ||
	{ echo "FAIL: with a per-user daemon, the record is not in its log"; fail=1; }
[[ -z $(in_log "$tmp/syslog" u2) ]] ||
	{ echo "FAIL: with a per-user daemon, the record went to the system log"; fail=1; }
rc=0
as_nobody "$SEAUDIT" -status >"$tmp/st" 2>"$tmp/err" || rc=$?
[[ $rc -eq 0 ]] && grep -qx "pid=$usr" "$tmp/st" ||
	{ echo "FAIL: nobody's -status did not reach its own daemon (exit $rc)"; cat "$tmp/err" "$tmp/st"; fail=1; }

# 3. Its daemon killed, the socket left: passed over.
kill -9 "$usr"
wait "$usr" 2>/dev/null || true
[[ -S "$tmp/xdg/seaudit/seauditd.sock" ]] || { echo "FAIL: setup: killed daemon's socket gone"; fail=1; }
rc=0
rec u3 | as_nobody "$SEAUDIT_SUBMIT" 2>"$tmp/err" || rc=$?
[[ $rc -eq 0 && -n $(in_log "$tmp/syslog" u3) ]] ||
	{ echo "FAIL: a stale per-user socket was not passed over (exit $rc)"; cat "$tmp/err"; fail=1; }

# 4. A per-user socket that is not nobody's own (root's daemon squats
#    XDG_RUNTIME_DIR/seaudit): never used.
mkdir -m 755 "$tmp/squat"
cat >"$tmp/squat.ini" <<INI
[logmgr]
audit_log = $tmp/squatlog
[seauditd]
socket = $tmp/squat/seaudit/seauditd.sock
socket_mode = 0666
INI
"$SEAUDITD" -d -f "$tmp/squat.ini" 2>"$tmp/squat.err" &
sq=$!
pids+=("$sq")
wait_sock "$tmp/squat/seaudit/seauditd.sock" "$sq"
rc=0
rec u4 | setpriv --reuid=65534 --regid=65534 --clear-groups -- \
	env XDG_RUNTIME_DIR="$tmp/squat" "$SEAUDIT_SUBMIT" 2>"$tmp/err" || rc=$?
[[ $rc -eq 0 && -n $(in_log "$tmp/syslog" u4) ]] ||
	{ echo "FAIL: nobody's record not in the system log past a squatted socket (exit $rc)"; cat "$tmp/err"; fail=1; }
[[ -z $(in_log "$tmp/squatlog" u4) ]] ||
	{ echo "FAIL: a socket nobody does not own received its record"; fail=1; }
kill "$sq"; wait "$sq" 2>/dev/null || true

# 5. root: the system socket, whatever XDG_RUNTIME_DIR says.
rc=0
XDG_RUNTIME_DIR="$tmp/xdg" "$SEAUDIT" -status >"$tmp/st" 2>"$tmp/err" || rc=$?
[[ $rc -eq 0 ]] && grep -qx "pid=$sys" "$tmp/st" ||
	{ echo "FAIL: root's -status did not reach the system daemon (exit $rc)"; cat "$tmp/err"; fail=1; }

# 6. No daemon anywhere: both sockets named.
kill "$sys"; wait "$sys" 2>/dev/null || true
want="no writer daemon at $tmp/xdg/seaudit/seauditd.sock or $tmp/run/seauditd.sock"
rc=0
rec u5 | as_nobody "$SEAUDIT_SUBMIT" 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] && grep -qF "$want" "$tmp/err" && grep -q -- "-fn" "$tmp/err" ||
	{ echo "FAIL: no daemon: submit exit $rc, want 1 and \"$want\""; cat "$tmp/err"; fail=1; }
rc=0
as_nobody "$SEAUDIT" -status >/dev/null 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] && grep -qF "$want" "$tmp/err" && grep -q "not running" "$tmp/err" ||
	{ echo "FAIL: no daemon: -status exit $rc, want 1 and \"$want\""; cat "$tmp/err"; fail=1; }

[[ $fail -eq 0 ]] && echo "nobody found the system daemon, its own, and was told what was tried"
exit "$fail"
