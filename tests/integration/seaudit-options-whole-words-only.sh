#!/usr/bin/env bash
# seaudit-options-whole-words-only: seaudit accepts only whole, documented
# option words.  An unknown word is refused (exit 2) and named exactly as
# typed, never split into one-letter switches (-reverse is not -r -e ...)
# nor taken for the documented word it begins (-session is not
# -sessionid); the documented spellings still work.
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log="$tmp/log"
fail=0
"$SEAUDIT_SUBMIT" -fn "$log" - <<'EOF'
{"time":"2024-05-01T10:00:00Z","event":"login","status":"P","user":"root","session":"s1"}
EOF

refused() { # word... : exit 2, stderr names the first word given
	local want="$1" rc=0
	"$SEAUDIT" "$@" -fn "$log" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [[ $rc -ne 2 ]] || ! grep -qF -- "seaudit: $want: unknown switch or option" "$tmp/err"; then
		printf 'FAIL: seaudit %s: exit %d, stderr: %s\n' "$*" "$rc" "$(cat "$tmp/err")"
		fail=1
	fi
	if [[ -s "$tmp/out" ]]; then
		printf 'FAIL: seaudit %s: printed records\n' "$*"
		fail=1
	fi
}
refused -reverse
refused -access Read
refused -session X
refused -al
refused --sess
refused -loginx
refused -Jsonx -a

accepted() {
	local rc=0
	"$SEAUDIT" "$@" -fn "$log" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [[ $rc -ne 0 ]] || ! grep -q root "$tmp/out"; then
		printf 'FAIL: seaudit %s: exit %d: %s\n' "$*" "$rc" "$(cat "$tmp/err")"
		fail=1
	fi
}
accepted -a
accepted -all
accepted --all
accepted -l root
accepted -login root -sessionid
accepted -a -n 1
accepted -a -n1
accepted -a --json
accepted -a -since -2000d
accepted -a --status=P
accepted -a -user=root
exit $fail
