#!/usr/bin/env bash
# daemon-drops-privileges-after-start: privilege only ever decreases.  A
# seauditd started by root with every capability holds, once it serves,
# CAP_CHOWN alone (effective, permitted, bounding; nothing inheritable or
# ambient) with no_new_privs set (/proc/PID/status), and still does all
# its work: it appends to the log it opened (records acknowledged and
# read back), gives segments to audit_group, rotates and compresses, makes
# the log directory again when it is removed, applies a new socket_group
# at SIGHUP, and stops cleanly.  A daemon run by an ordinary user starts
# and serves as before (no capability to drop).  Needs root; skipped
# otherwise.
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
if [[ -z "${SEAUDITD:-}" ]]; then echo "seauditd not built: skipped"; exit 0; fi
if [[ $(id -u) -ne 0 ]] || ! getent group users >/dev/null || ! getent group staff >/dev/null; then
	echo "skipped: needs root and the groups users and staff"
	exit 0
fi
tmp=$(mktemp -d)
pid=
trap 'if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$tmp" || true' EXIT
chmod 755 "$tmp"
fail=0
sock="$tmp/run/d.sock"
conf() {
	cat >"$tmp/d.ini" <<INI
[logmgr]
audit_log = $tmp/log
audit_group = users
[seauditd]
socket = $sock
socket_mode = 0660
socket_group = $1
INI
}
submit() { # SERVICE
	printf '{"time":"2024-05-01T10:00:00Z","event":"startup","status":"M","service":"%s"}\n' "$1" |
		"$SEAUDIT_SUBMIT" -socket "$sock" 2>>"$tmp/err"
}
stored() { [[ $("$SEAUDIT" -daemon -fn "$tmp/log" 2>/dev/null) == *"$1"* ]]; }
field() { sed -n "s/^$1:[[:space:]]*//p" "/proc/$pid/status"; }

conf users
"$SEAUDITD" -d -f "$tmp/d.ini" 2>"$tmp/d.err" &
pid=$!
for _ in $(seq 200); do [[ -S "$sock" ]] && "$SEAUDIT" -status -socket "$sock" >/dev/null 2>&1 && break; sleep 0.05; done
for f in CapEff CapPrm CapBnd; do
	[[ $(field $f) == 0000000000000001 ]] || { echo "FAIL: $f is $(field $f), want CAP_CHOWN alone (1)"; fail=1; }
done
for f in CapInh CapAmb; do
	[[ $(field $f) == 0000000000000000 ]] || { echo "FAIL: $f is $(field $f), want none"; fail=1; }
done
# Every thread (the segment set's, the chain's): capabilities are per
# thread, and one made before the drop would keep them all.
submit a0 || fail=1
for t in /proc/"$pid"/task/*; do
	e=$(sed -n 's/^CapEff:[[:space:]]*//p' "$t/status")
	[[ $e == 0000000000000001 ]] || { echo "FAIL: thread $(basename "$t") CapEff $e"; fail=1; }
done
[[ $(ls /proc/"$pid"/task | wc -l) -ge 2 ]] || { echo "FAIL: no thread besides the main one"; fail=1; }
[[ $(field NoNewPrivs) == 1 ]] || { echo "FAIL: no_new_privs not set"; fail=1; }
[[ $(field Uid | awk '{print $2}') == 0 ]] || { echo "FAIL: effective uid changed"; fail=1; }

# It still writes the log it opened.
submit a1 || { echo "FAIL: submit after the drop"; cat "$tmp/err"; fail=1; }
stored a1 || { echo "FAIL: record not in the log after the drop"; fail=1; }
# Rotation and compression: segments keep audit_group.
kill -USR1 "$pid"
for _ in $(seq 100); do compgen -G "$tmp/log/*.seg.zst" >/dev/null && break; sleep 0.05; done
compgen -G "$tmp/log/*.seg.zst" >/dev/null || { echo "FAIL: nothing sealed after the drop"; fail=1; }
submit a2 || fail=1
for f in "$tmp"/log/*.seg*; do
	[[ $(stat -c %G "$f") == users ]] || { echo "FAIL: $(basename "$f") is group $(stat -c %G "$f")"; fail=1; }
done
# The log directory removed: made again and written.
rm -rf "$tmp/log"
for _ in $(seq 100); do [[ -d "$tmp/log" ]] && break; sleep 0.05; done
submit a3 2>/dev/null || submit a3 || { echo "FAIL: no record accepted after the directory was removed"; cat "$tmp/err"; fail=1; }
stored a3 || { echo "FAIL: the log directory was not made again after the drop"; cat "$tmp/d.err"; fail=1; }
# SIGHUP: a new socket_group (CAP_CHOWN).
conf staff
kill -HUP "$pid"
for _ in $(seq 100); do [[ $(stat -c %G "$sock") == staff ]] && break; sleep 0.05; done
[[ $(stat -c %G "$sock") == staff ]] || { echo "FAIL: socket_group not applied at SIGHUP after the drop"; cat "$tmp/d.err"; fail=1; }
kill "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[[ $rc -eq 0 ]] || { echo "FAIL: exit $rc after the drop"; cat "$tmp/d.err"; fail=1; }
[[ $("$SEAUDIT" -daemon -fn "$tmp/log") == *Shutdown* || $("$SEAUDIT" -daemon -json -fn "$tmp/log") == *'"event":"shutdown"'* ]] ||
	{ echo "FAIL: no shutdown record"; fail=1; }

# An ordinary user's daemon: nothing to drop, it serves.
if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups "$SEAUDIT" -h >/dev/null 2>&1; then
	mkdir -m 700 "$tmp/u"
	chown 65534:65534 "$tmp/u"
	setpriv --reuid=65534 --regid=65534 --clear-groups -- env HOME="$tmp/u" \
		XDG_RUNTIME_DIR="$tmp/u" XDG_STATE_HOME="$tmp/u" "$SEAUDITD" -d 2>"$tmp/u.err" &
	pid=$!
	for _ in $(seq 200); do [[ -S "$tmp/u/seaudit/seauditd.sock" ]] && break; sleep 0.05; done
	[[ -S "$tmp/u/seaudit/seauditd.sock" ]] || { echo "FAIL: nobody's daemon did not start"; cat "$tmp/u.err"; fail=1; }
	[[ $(field NoNewPrivs) == 1 && $(field CapEff) == 0000000000000000 ]] ||
		{ echo "FAIL: nobody's daemon: NoNewPrivs $(field NoNewPrivs), CapEff $(field CapEff)"; fail=1; }
	kill "$pid"; wait "$pid" 2>/dev/null || true
	pid=
fi

[[ $fail -eq 0 ]] && echo "served with CAP_CHOWN alone after start-up"
exit "$fail"
