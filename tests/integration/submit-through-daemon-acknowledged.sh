#!/usr/bin/env bash
# submit-through-daemon: without -fn, seaudit-submit hands its lines to a
# running seauditd (pipelined frames, acknowledged), reports lines refused
# locally and by the daemon by file:line, and every good line is in the
# log once; seaudit -status shows the daemon's counters; with no daemon,
# seaudit-submit exits 1 naming the socket and suggesting -fn.
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
if [[ -z "${SEAUDITD:-}" ]]; then echo "seauditd not built: skipped"; exit 0; fi
export TZ=UTC
tmp=$(mktemp -d)
pid=
trap 'if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$tmp" || true' EXIT
fail=0

cat >"$tmp/d.ini" <<INI
[logmgr]
audit_log = $tmp/log
[seauditd]
socket = $tmp/sock
max_record_bytes = 256
INI
"$SEAUDITD" -d -f "$tmp/d.ini" 2>"$tmp/daemon.err" &
pid=$!
for _ in $(seq 100); do [[ -S "$tmp/sock" ]] && break; sleep 0.05; done
[[ -S "$tmp/sock" ]] || { echo "FAIL: daemon did not start"; cat "$tmp/daemon.err"; exit 1; }
export SEAUDIT_SOCKET="$tmp/sock"

long=$(head -c 400 /dev/zero | tr '\0' 'x')
awk -v long="$long" 'BEGIN {
	for (i = 1; i <= 10000; i++)
		if (i == 5000) print "{not json"
		else if (i == 7000) printf "{\"time\":\"2024-05-01T10:00:00Z\",\"event\":\"startup\",\"status\":\"M\",\"service\":\"big\",\"command\":\"%s\"}\n", long
		else printf "{\"time\":\"2024-05-01T10:00:00Z\",\"event\":\"startup\",\"status\":\"M\",\"service\":\"b%d\"}\n", i
}' >"$tmp/in.jsonl"
rc=0
"$SEAUDIT_SUBMIT" "$tmp/in.jsonl" 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] || { echo "FAIL: exit $rc, want 1"; cat "$tmp/err"; fail=1; }
grep -q "in.jsonl:5000: " "$tmp/err" || { echo "FAIL: line 5000 (bad JSON)"; fail=1; }
grep -q "in.jsonl:7000: refused by the daemon: " "$tmp/err" ||
	{ echo "FAIL: line 7000 (refused by the daemon)"; cat "$tmp/err"; fail=1; }
[[ $(wc -l <"$tmp/err") -eq 2 ]] || { echo "FAIL: refusals:"; cat "$tmp/err"; fail=1; }
n=$("$SEAUDIT" -daemon -json -fn "$tmp/log" | grep -c '"service":"b')
[[ $n -eq 9998 ]] || { echo "FAIL: $n records stored, want 9998"; fail=1; }
dups=$("$SEAUDIT" -daemon -json -fn "$tmp/log" | grep -o '"service":"b[0-9]*"' | sort | uniq -d | wc -l)
[[ $dups -eq 0 ]] || { echo "FAIL: $dups duplicates"; fail=1; }

# A slow producer: each record is sent before the next line arrives.
(for i in 1 2 3; do
	printf '{"time":"2024-05-01T10:00:00Z","event":"startup","status":"M","service":"slow%d"}\n' "$i"
	sleep 0.3
done) | "$SEAUDIT_SUBMIT" &
spid=$!
sleep 0.45
"$SEAUDIT" -daemon -json -fn "$tmp/log" | grep -q '"service":"slow1"' ||
	{ echo "FAIL: slow1 not stored while input waits"; fail=1; }
wait "$spid" || { echo "FAIL: slow producer exit"; fail=1; }

# -status.
"$SEAUDIT" -status >"$tmp/st" || { echo "FAIL: -status exit"; fail=1; }
grep -q '^state=ok$' "$tmp/st" || { echo "FAIL: -status state"; cat "$tmp/st"; fail=1; }
grep -q '^records_written=' "$tmp/st" || { echo "FAIL: -status records_written"; fail=1; }

kill "$pid"; wait "$pid" || true; pid=

# No daemon: exit 1, the socket named, -fn suggested; -status likewise.
rc=0
"$SEAUDIT_SUBMIT" "$tmp/in.jsonl" >/dev/null 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] && grep -q "$tmp/sock" "$tmp/err" && grep -q -- "-fn" "$tmp/err" ||
	{ echo "FAIL: no daemon: exit $rc"; cat "$tmp/err"; fail=1; }
rc=0
"$SEAUDIT" -status >/dev/null 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] && grep -q "not running" "$tmp/err" ||
	{ echo "FAIL: -status, no daemon: exit $rc"; cat "$tmp/err"; fail=1; }
exit "$fail"
