#!/usr/bin/env bash
# daemon-socket-group-decides-who-connects: "socket_group = G" with
# "socket_mode = 0660" (seauditd.ini(5), docs/PROTOCOL.md §1) lets root
# and the members of G submit and nobody else.  What must hold:
#  - the socket is group G, mode 0660, from the moment it is listening;
#  - nobody, not in G: seaudit-submit and seaudit -status exit 1 with
#    "not allowed to connect" naming mode, owner and group; nothing stored;
#  - nobody with G as a supplementary group, or as its primary group:
#    served, records stamped producer_uid 65534;
#  - SIGHUP to another group applies at once (the old group's members are
#    refused, the new one's served); a reload naming an unknown group is
#    refused with file and line and changes nothing;
#  - without the key, the socket is the daemon's group;
#  - a start naming an unknown group fails with file, line and name;
#  - a daemon run by a user not in G cannot give its socket to G: it does
#    not start, says why, and leaves no socket behind; in G it starts.
# Uses the groups "users" (the members) and "staff" (the reload) of
# Debian's base system.  Needs root (to become nobody); skipped otherwise.
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
if [[ -z "${SEAUDITD:-}" ]]; then echo "seauditd not built: skipped"; exit 0; fi
if [[ $(id -u) -ne 0 ]] || ! command -v setpriv >/dev/null; then
	echo "skipped: needs root and setpriv (the test becomes nobody)"
	exit 0
fi
G1=users G2=staff
if ! getent group "$G1" >/dev/null || ! getent group "$G2" >/dev/null; then
	echo "skipped: groups $G1 and $G2 not in the group database"
	exit 0
fi
gid1=$(getent group "$G1" | cut -d: -f3)
gid2=$(getent group "$G2" | cut -d: -f3)
export TZ=UTC
unset SEAUDIT_SOCKET SEAUDIT_LOG SEAUDIT_SYSTEM_SOCKET
tmp=$(mktemp -d)
pid=
cleanup() {
	if [[ -n "$pid" ]]; then
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp" || true
}
trap cleanup EXIT
chmod 755 "$tmp"
fail=0
sock="$tmp/run/seauditd.sock"

# nobody GROUPS CMD...: run as uid 65534, primary group nogroup, with the
# supplementary GROUPS ("" for none).
nobody() {
	local groups=$1
	shift
	if [[ -n "$groups" ]]; then
		setpriv --reuid=65534 --regid=65534 --groups="$groups" -- "$@"
	else
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	fi
}
if ! nobody "" "$SEAUDIT" -h >/dev/null 2>&1; then
	echo "skipped: nobody cannot run $SEAUDIT"
	exit 0
fi

conf() { # conf SOCKET_GROUP_LINE
	cat >"$tmp/d.ini" <<INI
[logmgr]
audit_log = $tmp/log
[seauditd]
socket = $sock
socket_mode = 0660
$1
INI
}
wait_sock() {
	for _ in $(seq 200); do
		[[ -S "$sock" ]] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "FAIL: no daemon at $sock"
	cat "$tmp/d.err"
	exit 1
}
rec() { printf '{"time":"2024-05-01T10:00:00Z","event":"startup","status":"M","service":"%s"}\n' "$1"; }
stored() { "$SEAUDIT" -daemon -json -fn "$tmp/log" 2>/dev/null | grep "\"service\":\"$1\"" || true; }
perms() { stat -c '%a %g' "$sock"; }

# submit_ok WHAT GROUPS SERVICE / submit_refused WHAT GROUPS SERVICE
submit_ok() {
	local rc=0
	rec "$3" | nobody "$2" "$SEAUDIT_SUBMIT" -socket "$sock" 2>"$tmp/err" || rc=$?
	local line
	line=$(stored "$3")
	if [[ $rc -ne 0 || "$line" != *'"producer_uid":65534'* ]]; then
		echo "FAIL: $1: not served (exit $rc): $line"
		cat "$tmp/err"
		fail=1
	fi
}
submit_refused() {
	local rc=0
	rec "$3" | nobody "$2" "$SEAUDIT_SUBMIT" -socket "$sock" 2>"$tmp/err" || rc=$?
	if [[ $rc -ne 1 ]] || ! grep -q "not allowed to connect to the writer daemon at $sock (socket mode 0660, owner root, group $4)" "$tmp/err"; then
		echo "FAIL: $1: exit $rc, want 1 and a refusal naming group $4"
		cat "$tmp/err"
		fail=1
	fi
	[[ -z $(stored "$3") ]] || { echo "FAIL: $1: record stored"; fail=1; }
}

# 1. socket_group = users.
conf "socket_group = $G1"
"$SEAUDITD" -d -f "$tmp/d.ini" 2>"$tmp/d.err" &
pid=$!
wait_sock
[[ $(perms) == "660 $gid1" ]] ||
	{ echo "FAIL: socket is '$(perms)', want '660 $gid1'"; fail=1; }
submit_refused "nobody, not in $G1" "" n1 "$G1"
rc=0
nobody "" "$SEAUDIT" -status -socket "$sock" >/dev/null 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] && grep -q "not allowed to connect" "$tmp/err" ||
	{ echo "FAIL: nobody's -status: exit $rc"; cat "$tmp/err"; fail=1; }
submit_ok "nobody, $G1 supplementary" "$gid1" s1
rc=0
rec p1 | setpriv --reuid=65534 --regid="$gid1" --clear-groups -- \
	"$SEAUDIT_SUBMIT" -socket "$sock" 2>"$tmp/err" || rc=$?
[[ $rc -eq 0 && -n $(stored p1) ]] ||
	{ echo "FAIL: nobody, $G1 primary: not served (exit $rc)"; cat "$tmp/err"; fail=1; }
rc=0
rec r1 | "$SEAUDIT_SUBMIT" -socket "$sock" 2>"$tmp/err" || rc=$?
[[ $rc -eq 0 && -n $(stored r1) ]] ||
	{ echo "FAIL: root not served (exit $rc)"; cat "$tmp/err"; fail=1; }

# 2. SIGHUP: socket_group = staff, at once.
conf "socket_group = $G2"
kill -HUP "$pid"
for _ in $(seq 100); do [[ $(perms) == "660 $gid2" ]] && break; sleep 0.05; done
[[ $(perms) == "660 $gid2" ]] ||
	{ echo "FAIL: after SIGHUP the socket is '$(perms)', want '660 $gid2'"; fail=1; }
submit_refused "after SIGHUP, a member of the old group" "$gid1" s2 "$G2"
submit_ok "after SIGHUP, a member of the new group" "$gid2" s3

# 3. SIGHUP naming an unknown group: refused, nothing changes.
conf "socket_group = no-such-group-here"
kill -HUP "$pid"
for _ in $(seq 100); do grep -q "no-such-group-here" "$tmp/d.err" && break; sleep 0.05; done
grep -q "d.ini:6: socket_group: unknown group 'no-such-group-here'" "$tmp/d.err" ||
	{ echo "FAIL: reload with an unknown group not refused with file and line"; cat "$tmp/d.err"; fail=1; }
[[ $(perms) == "660 $gid2" ]] ||
	{ echo "FAIL: a refused reload changed the socket to '$(perms)'"; fail=1; }
submit_ok "after a refused reload" "$gid2" s4

# 4. Without the key: the daemon's group (root's).
conf ""
kill -HUP "$pid"
for _ in $(seq 100); do [[ $(perms) == "660 0" ]] && break; sleep 0.05; done
[[ $(perms) == "660 0" ]] ||
	{ echo "FAIL: without socket_group the socket is '$(perms)', want '660 0'"; fail=1; }
submit_refused "without socket_group, a member of $G2" "$gid2" s5 root
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=

# 5. A start naming an unknown group.
conf "socket_group = no-such-group-here"
rc=0
timeout 10 "$SEAUDITD" -d -f "$tmp/d.ini" 2>"$tmp/d.err" || rc=$?
[[ $rc -ne 0 ]] && grep -q "d.ini:6: socket_group: unknown group 'no-such-group-here'" "$tmp/d.err" ||
	{ echo "FAIL: start with an unknown group: exit $rc"; cat "$tmp/d.err"; fail=1; }

# 6. A daemon run by nobody: not in the group, it does not start.
rm -rf "$tmp/log" "$tmp/run"
mkdir -m 755 "$tmp/run" "$tmp/log"
chown 65534 "$tmp/run" "$tmp/log"
conf "socket_group = $G1"
rc=0
timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups -- \
	"$SEAUDITD" -d -f "$tmp/d.ini" 2>"$tmp/d.err" || rc=$?
[[ $rc -ne 0 ]] && grep -q "cannot give the socket to group $G1 (socket_group)" "$tmp/d.err" ||
	{ echo "FAIL: nobody's daemon, not in $G1: exit $rc"; cat "$tmp/d.err"; fail=1; }
[[ ! -e "$sock" ]] || { echo "FAIL: the failed start left its socket"; fail=1; }
if [[ -d "$tmp/log" ]] && "$SEAUDIT" -daemon -fn "$tmp/log" 2>/dev/null | grep -q .; then
	echo "FAIL: the failed start wrote records:"
	"$SEAUDIT" -daemon -fn "$tmp/log"
	fail=1
fi
setpriv --reuid=65534 --regid=65534 --groups="$gid1" -- \
	"$SEAUDITD" -d -f "$tmp/d.ini" 2>"$tmp/d.err" &
pid=$!
wait_sock
[[ $(perms) == "660 $gid1" ]] ||
	{ echo "FAIL: nobody's daemon in $G1: socket '$(perms)'"; fail=1; }
submit_ok "nobody's daemon, nobody in $G1" "$gid1" s6

[[ $fail -eq 0 ]] && echo "socket_group decided who connects, at start and at SIGHUP"
exit "$fail"
