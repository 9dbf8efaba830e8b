#!/usr/bin/env bash
# daemon-systemd-unit-verifies: the seauditd.service that the build makes
# (and "cmake --install" puts in lib/systemd/system) is a unit systemd
# accepts without a single complaint (systemd-analyze verify), runs the
# installed daemon with readiness by NOTIFY_SOCKET (Type=notify; the
# protocol itself is checked by daemon-notify-socket-ready-only-once-
# serving), and is sandboxed as seauditd(8) says: systemd-analyze
# security rates its exposure 2.0 or lower ("OK"), and the directives the
# man page names are there; as root, the daemon runs with the one
# capability the unit keeps (CAP_CHOWN).  Skipped where systemd-analyze
# is missing.
set -euo pipefail

: "${SA_BUILD:?}"
if [[ -z "${SEAUDITD:-}" ]]; then echo "seauditd not built: skipped"; exit 0; fi
command -v systemd-analyze >/dev/null || { echo "skipped: no systemd-analyze"; exit 0; }
tmp=$(mktemp -d)
pid=
trap 'if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$tmp" || true' EXIT
fail=0
unit="$SA_BUILD/daemons/seauditd.service"
[[ -f "$unit" ]] || { echo "FAIL: the build made no seauditd.service"; exit 1; }
prefix=%PREFIX% # filled at install time
grep -qx "ExecStart=$prefix/sbin/seauditd -d \$SEAUDITD_OPTIONS" "$unit" ||
	{ echo "FAIL: ExecStart does not run the installed daemon in the foreground:"; grep ExecStart "$unit"; fail=1; }

# Verified as it will run, with the built daemon in the installed one's
# place (verify checks that the program exists).
sed "s#$prefix/sbin/seauditd#$SEAUDITD#g" "$unit" >"$tmp/seauditd.service"
rc=0
systemd-analyze verify --man=no "$tmp/seauditd.service" >"$tmp/verify" 2>&1 || rc=$?
if [[ $rc -ne 0 || -s "$tmp/verify" ]]; then
	echo "FAIL: systemd-analyze verify (exit $rc):"; cat "$tmp/verify"; fail=1
fi
# The check itself can fail: a misspelt key is reported.
sed 's/^ProtectHome=/ProtectHom=/' "$tmp/seauditd.service" >"$tmp/bad.service"
systemd-analyze verify --man=no "$tmp/bad.service" >"$tmp/verify.bad" 2>&1 || true
grep -q "Unknown key" "$tmp/verify.bad" || { echo "FAIL: verify does not catch a misspelt key"; fail=1; }

for d in Type=notify NotifyAccess=main ProtectSystem=strict NoNewPrivileges=yes \
	PrivateTmp=yes RuntimeDirectory=seaudit LogsDirectory=seaudit \
	CapabilityBoundingSet=CAP_CHOWN "ExecReload=/bin/kill -HUP \$MAINPID"; do
	grep -qxF "$d" "$unit" || { echo "FAIL: the unit lacks $d"; fail=1; }
done

if systemd-analyze security --offline=yes "$tmp/seauditd.service" >"$tmp/sec" 2>&1; then
	level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$tmp/sec")
	if [[ -z "$level" ]] || ! awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
		echo "FAIL: exposure level '$level' above 2.0:"; tail -3 "$tmp/sec"; fail=1
	else
		echo "exposure level $level"
	fi
else
	echo "systemd-analyze security --offline not supported here: not rated"
fi

# What the unit keeps is enough: root's daemon with CAP_CHOWN alone
# (setpriv in systemd's place) writes, gives segments and the socket
# their groups, rotates and compresses, reloads and stops cleanly.
if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null &&
	getent group users >/dev/null && getent group staff >/dev/null; then
	chmod 755 "$tmp"
	cat >"$tmp/d.ini" <<INI
[logmgr]
audit_log = $tmp/log
audit_group = users
[seauditd]
socket = $tmp/run/d.sock
socket_group = staff
socket_mode = 0660
INI
	setpriv --bounding-set=-all,+chown --inh-caps=-all -- \
		"$SEAUDITD" -d -f "$tmp/d.ini" 2>"$tmp/d.err" &
	pid=$!
	for _ in $(seq 200); do [[ -S "$tmp/run/d.sock" ]] && break; sleep 0.05; done
	[[ $(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$pid/status") == 0000000000000001 ]] ||
		{ echo "FAIL: setup: the daemon has more than CAP_CHOWN"; fail=1; }
	rc=0
	printf '{"time":"2024-05-01T10:00:00Z","event":"startup","status":"M","service":"capchown"}\n' |
		"${SEAUDIT_SUBMIT:?}" -socket "$tmp/run/d.sock" 2>>"$tmp/d.err" || rc=$?
	kill -USR1 "$pid"
	for _ in $(seq 100); do compgen -G "$tmp/log/*.seg.zst" >/dev/null && break; sleep 0.05; done
	kill -HUP "$pid"
	sleep 0.2
	kill "$pid"
	wait "$pid" || rc=$?
	pid=
	[[ $rc -eq 0 ]] || { echo "FAIL: with CAP_CHOWN only: exit $rc"; cat "$tmp/d.err"; fail=1; }
	compgen -G "$tmp/log/*.seg.zst" >/dev/null || { echo "FAIL: with CAP_CHOWN only: nothing sealed"; fail=1; }
	for f in "$tmp"/log/*.seg*; do
		[[ $(stat -c %G "$f") == users ]] || { echo "FAIL: $f not given to audit_group"; fail=1; }
	done
	[[ $("${SEAUDIT:?}" -daemon -fn "$tmp/log") == *capchown* ]] ||
		{ echo "FAIL: with CAP_CHOWN only: the record is not in the log"; fail=1; }
	grep -q "SIGHUP: configuration .* reloaded" "$tmp/d.err" ||
		{ echo "FAIL: with CAP_CHOWN only: reload"; cat "$tmp/d.err"; fail=1; }
	echo "ran with CAP_CHOWN alone"
fi

[[ $fail -eq 0 ]] && echo "seauditd.service verifies and is sandboxed"
exit "$fail"
