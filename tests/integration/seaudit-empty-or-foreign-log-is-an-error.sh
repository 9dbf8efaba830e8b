#!/usr/bin/env bash
# seaudit-empty-or-foreign-log-is-an-error: -fn naming an empty directory,
# a directory that is not a log, an empty file or a tiny foreign file is a
# runtime error (exit 1) that says what the place is ("no log segments
# here", "not a seaudit log segment"), for the record switches and for
# -verify, which must not say "no damage found".
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
mkdir "$tmp/empty" "$tmp/foreign"
echo hello >"$tmp/foreign/notes.txt"
: >"$tmp/zero"
printf 'abc' >"$tmp/tiny"

expect() { # want-text mode path
	local want="$1" mode="$2" path="$3" rc=0
	"$SEAUDIT" "$mode" -fn "$path" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [[ $rc -ne 1 ]] || ! grep -qF "$path: $want" "$tmp/err"; then
		printf 'FAIL: %s -fn %s: exit %d: %s\n' "$mode" "$path" "$rc" "$(cat "$tmp/err")"
		fail=1
	fi
	if grep -q "no damage found" "$tmp/out"; then
		printf 'FAIL: %s -fn %s: said no damage\n' "$mode" "$path"
		fail=1
	fi
}
for m in -a -verify; do
	expect "no log segments here" "$m" "$tmp/empty"
	expect "no log segments here" "$m" "$tmp/foreign"
	expect "not a seaudit log segment" "$m" "$tmp/zero"
	expect "not a seaudit log segment" "$m" "$tmp/tiny"
done
# A real log next to an empty backup directory is fine.
"$SEAUDIT_SUBMIT" -fn "$tmp/log" - <<'EOF'
{"time":"2024-05-01T10:00:00Z","event":"login","status":"P","user":"u1"}
EOF
"$SEAUDIT" -a -fn "$tmp/log" -fn "$tmp/empty" >"$tmp/out" ||
	{ echo "FAIL: log plus empty backup"; fail=1; }
grep -q u1 "$tmp/out" || { echo "FAIL: record missing"; fail=1; }
exit $fail
