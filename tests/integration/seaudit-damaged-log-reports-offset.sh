#!/usr/bin/env bash
# seaudit-damaged-log-reports-offset: a log with a damaged region is still
# shown (every readable record, before and after the damage), the damage
# is reported on stderr as "seaudit: FILE: offset N: L bytes skipped:
# REASON", and the exit status is 1; -verify reports the same and exits 1,
# and 0 with a clean log; a file that is not a log is an error (exit 1).
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log="$tmp/log"
fail=0

awk 'BEGIN { for (i = 1; i <= 200; i++)
	printf "{\"time\":\"2024-05-01T10:00:00Z\",\"event\":\"startup\",\"status\":\"M\",\"service\":\"s%d\"}\n", i }' |
	"$SEAUDIT_SUBMIT" -fn "$log" -

out=$("$SEAUDIT" -verify -fn "$log") ||
	{ echo "FAIL: -verify on a clean log"; fail=1; }
[[ "${out%%$'\n'*}" == "200 records, no damage found" ]] ||
	{ echo "FAIL: -verify said: $out"; fail=1; }

seg=$(ls "$log"/*.seg | head -n 1)
size=$(stat -c %s "$seg")
printf 'XXXXXXXX' | dd of="$seg" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null

rc=0
"$SEAUDIT" -daemon -fn "$log" >"$tmp/out" 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] || { echo "FAIL: exit $rc with a damaged log"; fail=1; }
if ! grep -Eq "^seaudit: $seg: offset [0-9]+: [0-9]+ bytes skipped: .+" "$tmp/err"; then
	echo "FAIL: damage report:"
	cat "$tmp/err"
	fail=1
fi
n=$(wc -l <"$tmp/out")
[[ $n -ge 190 && $n -lt 200 ]] || { echo "FAIL: $n records shown"; fail=1; }
grep -q ' s1$' "$tmp/out" || { echo "FAIL: first record lost"; fail=1; }
grep -q ' s200$' "$tmp/out" || { echo "FAIL: records after the damage lost"; fail=1; }

rc=0
"$SEAUDIT" -verify -fn "$log" >"$tmp/out" 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] || { echo "FAIL: -verify exit $rc with a damaged log"; fail=1; }
grep -Eq "offset [0-9]+: [0-9]+ bytes skipped" "$tmp/err" ||
	{ echo "FAIL: -verify did not report the damage"; fail=1; }

# Not a log at all.
echo "hello" >"$tmp/notalog"
rc=0
"$SEAUDIT" -a -fn "$tmp/notalog" >/dev/null 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] || { echo "FAIL: exit $rc for a file that is not a log"; fail=1; }
grep -q "notalog" "$tmp/err" || { echo "FAIL: not-a-log message"; fail=1; }

exit "$fail"
