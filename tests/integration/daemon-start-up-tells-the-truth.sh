#!/usr/bin/env bash
# daemon-start-up-tells-the-truth: seauditd's start-up, as an administrator
# meets it:
#  - in the background, a log that cannot be opened makes the command
#    exit 1 with the reason on standard error (not only in syslog), and
#    no START record is left behind;
#  - relative -f and -P paths work in the background (the daemon changes
#    to /): the pid file is where it was asked for, SIGHUP re-reads the
#    configuration, SIGTERM stops it cleanly;
#  - after a kill -9 the next start record says the previous run stopped
#    without a shutdown record;
#  - -h, -help, --help print the usage (exit 0); -version, --version the
#    version.
set -euo pipefail

: "${SEAUDITD:?}" "${SEAUDIT:?}"
export TZ=UTC
tmp=$(mktemp -d)
pid=
cleanup() { [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0
cd "$tmp"
mkdir ro
cat >bad.ini <<EOF
[logmgr]
audit_log = $tmp/ro/file/log
[seauditd]
socket = $tmp/s.sock
EOF
: >ro/file
rc=0
"$SEAUDITD" -f bad.ini 2>err || rc=$?
[[ $rc -eq 1 ]] || { echo "FAIL: background start with a bad log: exit $rc"; fail=1; }
grep -q "ro/file/log" err || { echo "FAIL: no reason on stderr: $(cat err)"; fail=1; }

cat >good.ini <<EOF
[logmgr]
audit_log = $tmp/log
[seauditd]
socket = $tmp/s.sock
EOF
wait_gone() { for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done; return 1; }
"$SEAUDITD" -f good.ini -P run.pid 2>err ||
	{ echo "FAIL: background start: $(cat err)"; fail=1; }
pid=$(cat run.pid 2>/dev/null || true)
[[ -n "$pid" ]] || { echo "FAIL: no pid file at ./run.pid"; exit 1; }
[[ -S s.sock ]] || { echo "FAIL: no socket after a successful start"; fail=1; }
echo 'max_clients = 5' >>good.ini
kill -HUP "$pid"
sleep 0.3
kill -0 "$pid" || { echo "FAIL: SIGHUP with a relative -f killed it"; fail=1; }
"$SEAUDIT" -status -socket s.sock | grep -q '^max_clients=5$' ||
	{ echo "FAIL: SIGHUP did not re-read ./good.ini"; fail=1; }
kill -TERM "$pid"
wait_gone "$pid" || { echo "FAIL: SIGTERM"; fail=1; }
[[ ! -e run.pid ]] || { echo "FAIL: pid file left after a clean stop"; fail=1; }

# Unclean stop, then a start that says so.
"$SEAUDITD" -f good.ini -P run.pid
pid=$(cat run.pid)
kill -9 "$pid"
wait_gone "$pid"
"$SEAUDITD" -f good.ini -P run.pid
pid=$(cat run.pid)
kill -TERM "$pid"
wait_gone "$pid"
pid=
"$SEAUDIT" -daemon -detail -fn log >view
grep -q "stopped without a shutdown record" view ||
	{ echo "FAIL: the start after kill -9 says nothing"; fail=1; }
n_start=$(grep -c 'START' < <("$SEAUDIT" -daemon -fn log) || true)
n_stop=$(grep -c 'SHUTDOWN' < <("$SEAUDIT" -daemon -fn log) || true)
[[ $n_start -eq 3 && $n_stop -eq 2 ]] ||
	{ echo "FAIL: $n_start starts and $n_stop shutdowns (want 3 and 2; the failed start writes none)"; fail=1; }

for h in -h -help --help; do
	"$SEAUDITD" $h | grep -q '^usage: seauditd' || { echo "FAIL: seauditd $h"; fail=1; }
done
for v in -version --version; do
	"$SEAUDITD" $v | grep -q '^seauditd [0-9]' || { echo "FAIL: seauditd $v"; fail=1; }
done
exit $fail
