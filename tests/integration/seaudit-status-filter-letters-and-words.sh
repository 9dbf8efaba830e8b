#!/usr/bin/env bash
# seaudit-status-filter-letters-and-words: -status takes status letters
# (any case) or status words (any case, "Denied" is D alone, not D E N I);
# a letter that is no status letter ("X") is a usage error naming the
# argument, not an empty result with exit 0.
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log="$tmp/log"
fail=0
"$SEAUDIT_SUBMIT" -fn "$log" - <<'EOF'
{"time":"2024-05-01T10:00:00Z","event":"login","status":"P","user":"u1"}
{"time":"2024-05-01T10:00:01Z","event":"login","status":"D","user":"u2"}
{"time":"2024-05-01T10:00:02Z","event":"account_enabled","status":"E","user":"u3"}
{"time":"2024-05-01T10:00:03Z","event":"account_disabled","status":"I","user":"u4"}
{"time":"2024-05-01T10:00:04Z","event":"login","status":"W","user":"u5"}
EOF

users() { "$SEAUDIT" -l -status "$1" -json -fn "$log" |
	sed -n 's/.*"user":"\([^"]*\)".*/\1/p' | tr '\n' ' ' | sed 's/ $//'; }
check() {
	local got
	got=$(users "$1")
	if [[ "$got" != "$2" ]]; then
		printf 'FAIL: -status %s: got "%s", want "%s"\n' "$1" "$got" "$2"
		fail=1
	fi
}
check Denied u2
check denied u2
check D u2
check DW "u2 u5"
check d,w "u2 u5"
check "Login disabled,P" "u1 u4"
check "Warning, Denied" "u2 u5"
check E u3

for bad in X Deny "D,Q" ","; do
	rc=0
	"$SEAUDIT" -l -status "$bad" -fn "$log" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [[ $rc -ne 2 ]] || ! grep -qF -- "-status: \"$bad\"" "$tmp/err" || [[ -s "$tmp/out" ]]; then
		printf 'FAIL: -status %s: exit %d: %s\n' "$bad" "$rc" "$(cat "$tmp/err")"
		fail=1
	fi
done
exit $fail
