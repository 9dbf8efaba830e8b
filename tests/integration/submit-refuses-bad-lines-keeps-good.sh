#!/usr/bin/env bash
# submit-refuses-bad-lines-keeps-good: seaudit-submit refuses each bad
# line (bad JSON, unknown field, bad value, missing required field, a line
# over the 1 MiB limit) with "FILE:LINE: field ...: reason" on stderr,
# stores every good line around them in order, skips blank lines, and
# exits 1 (0 when all lines are good); -q silences the refusals but not
# the exit status; batches across the commit size lose nothing.
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

good() { # service
	printf '{"time":"2024-05-01T10:00:00Z","event":"startup","status":"M","service":"%s"}' "$1"
}
services() { # log dir
	"$SEAUDIT" -daemon -json -fn "$1" |
		sed -n 's/.*"service":"\([^"]*\)".*/\1/p' | tr '\n' ' ' | sed 's/ $//'
}

in="$tmp/in.jsonl"
{
	good g1; echo                                           # 1
	echo '{"time":"2024-05-01T10:00:00Z","event":'          # 2 bad JSON
	good g2; echo                                           # 3
	echo '{"time":"2024-05-01T10:00:00Z","event":"startup","statu":"M","service":"x"}' # 4
	echo ''                                                 # 5 blank
	echo '{"time":"2024-05-01T10:00:00Z","event":"startup","status":"Q","service":"x"}' # 6
	echo '   '                                              # 7 blank
	echo '{"time":"2024-05-01T10:00:00Z","event":"startup","status":"M"}' # 8 missing
	head -c 2097152 /dev/zero | tr '\0' 'a'; echo           # 9 too long
	good g3; echo                                           # 10
	echo '{"time":"2024-13-01T10:00:00Z","event":"startup","status":"M","service":"x"}' # 11
	good g4                                                 # 12, no newline
} >"$in"

rc=0
"$SEAUDIT_SUBMIT" -fn "$tmp/log" "$in" 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] || { echo "FAIL: exit $rc, want 1"; fail=1; }
[[ $(services "$tmp/log") == "g1 g2 g3 g4" ]] ||
	{ echo "FAIL: stored: $(services "$tmp/log")"; fail=1; }
for ln in 2 4 6 8 9 11; do
	if ! grep -q "^seaudit-submit: $in:$ln: " "$tmp/err"; then
		echo "FAIL: no refusal for line $ln"
		fail=1
	fi
done
[[ $(wc -l <"$tmp/err") -eq 6 ]] ||
	{ echo "FAIL: expected 6 refusals:"; cat "$tmp/err"; fail=1; }
grep -q "^seaudit-submit: $in:4: field \"statu\": " "$tmp/err" ||
	{ echo "FAIL: line 4 does not name field statu"; fail=1; }
grep -q "^seaudit-submit: $in:6: field \"status\": " "$tmp/err" ||
	{ echo "FAIL: line 6 does not name field status"; fail=1; }
grep -q "^seaudit-submit: $in:8: field \"service\": " "$tmp/err" ||
	{ echo "FAIL: line 8 does not name field service"; fail=1; }
grep -q "^seaudit-submit: $in:9: line longer than" "$tmp/err" ||
	{ echo "FAIL: line 9 not refused as too long"; fail=1; }
grep -q "^seaudit-submit: $in:11: field \"time\": " "$tmp/err" ||
	{ echo "FAIL: line 11 does not name field time"; fail=1; }

# A too-long last line without a newline is one refusal, nothing more.
{ good t1; echo; head -c 3145728 /dev/zero | tr '\0' 'b'; } >"$tmp/tail.jsonl"
rc=0
"$SEAUDIT_SUBMIT" -fn "$tmp/tail" "$tmp/tail.jsonl" 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 && $(wc -l <"$tmp/err") -eq 1 ]] &&
	grep -q ":2: line longer than" "$tmp/err" ||
	{ echo "FAIL: too-long last line:"; cat "$tmp/err"; fail=1; }
[[ $(services "$tmp/tail") == t1 ]] || { echo "FAIL: tail stored"; fail=1; }

# -q: silent, same exit status and same records stored.
rc=0
"$SEAUDIT_SUBMIT" -q -fn "$tmp/quiet" "$in" 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 && ! -s "$tmp/err" ]] || { echo "FAIL: -q (exit $rc)"; fail=1; }
[[ $(services "$tmp/quiet") == "g1 g2 g3 g4" ]] || { echo "FAIL: -q stored"; fail=1; }

# All good, from stdin and files, every sync policy: exit 0, no message.
for sync in record batch none; do
	d="$tmp/ok-$sync"
	rc=0
	{ good s1; echo; good s2; echo; } >"$tmp/a.jsonl"
	good s3 | "$SEAUDIT_SUBMIT" -fn "$d" -sync "$sync" "$tmp/a.jsonl" - \
		2>"$tmp/err" || rc=$?
	[[ $rc -eq 0 && ! -s "$tmp/err" ]] ||
		{ echo "FAIL: -sync $sync: exit $rc"; cat "$tmp/err"; fail=1; }
	[[ $(services "$d") == "s1 s2 s3" ]] ||
		{ echo "FAIL: -sync $sync stored $(services "$d")"; fail=1; }
done

# Across commit batches: 10000 lines, one bad in the middle.
awk 'BEGIN {
	for (i = 1; i <= 10000; i++)
		if (i == 5000) print "{not json"
		else printf "{\"time\":\"2024-05-01T10:00:00Z\",\"event\":\"startup\",\"status\":\"M\",\"service\":\"b%d\"}\n", i
}' >"$tmp/big.jsonl"
rc=0
"$SEAUDIT_SUBMIT" -fn "$tmp/big" "$tmp/big.jsonl" 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] || { echo "FAIL: big: exit $rc"; fail=1; }
grep -q ":5000: " "$tmp/err" || { echo "FAIL: big: line 5000"; fail=1; }
n=$("$SEAUDIT" -daemon -fn "$tmp/big" | wc -l)
[[ $n -eq 9999 ]] || { echo "FAIL: big: $n records stored"; fail=1; }

# The origin is stamped on the records.
good o1 | "$SEAUDIT_SUBMIT" -fn "$tmp/origin" -origin host-a.example
"$SEAUDIT" -daemon -json -fn "$tmp/origin" | grep -q '"origin":"host-a.example"' ||
	{ echo "FAIL: -origin not stamped"; fail=1; }

exit "$fail"
