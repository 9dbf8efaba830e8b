#!/usr/bin/env bash
# submit-messages-name-the-cause: seaudit-submit's refusals name the real
# cause: a lower-case status is "not a status letter", a JSON array or
# number is "not a JSON object", a byte order mark is named as such, a
# value over its limit names the limit; the good lines are still stored.
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
long=$(head -c 300 /dev/zero | tr '\0' a)
{
	echo '{"time":"2024-05-01T10:00:00Z","event":"login","status":"p","user":"u"}'
	echo '[]'
	echo '42'
	printf '\xef\xbb\xbf{"time":"2024-05-01T10:00:00Z","event":"login","status":"P","user":"u"}\n'
	echo "{\"time\":\"2024-05-01T10:00:00Z\",\"event\":\"login\",\"status\":\"P\",\"user\":\"$long\"}"
	echo '{"time":"2024-05-01T10:00:00Z","event":"login","status":"P","user":"u","port":70000}'
	echo '{"time":"2024-05-01T10:00:00Z","event":"login","status":"O","user":"u"}'
	echo '{"time":"2024-05-01T10:00:00Z","event":"login","status":"P","user":"good"}'
} >"$tmp/in.jsonl"
rc=0
"$SEAUDIT_SUBMIT" -fn "$tmp/log" "$tmp/in.jsonl" 2>"$tmp/err" || rc=$?
[[ $rc -ne 0 ]] || { echo "FAIL: refusals not reflected in exit status"; fail=1; }
want() {
	grep -qF -- "$1" "$tmp/err" || { printf 'FAIL: no "%s" in:\n%s\n' "$1" "$(cat "$tmp/err")"; fail=1; }
}
want 'in.jsonl:1: field "status": not a status letter'
want 'in.jsonl:2: not a JSON object'
want 'in.jsonl:3: not a JSON object'
want 'in.jsonl:4: UTF-8 byte order mark'
want 'in.jsonl:5: field "user": field longer than its maximum (at most 255 bytes)'
want 'in.jsonl:6: field "port": number out of range for its field (from 0 to 65535)'
want 'in.jsonl:7: field "status": status letter not allowed for this event'
if grep -q "malformed JSON" "$tmp/err"; then echo "FAIL: malformed JSON named"; fail=1; fi
"$SEAUDIT" -l -fn "$tmp/log" | grep -q good || { echo "FAIL: good line lost"; fail=1; }
exit $fail
