#!/usr/bin/env bash
# seaudit-inapplicable-options-refused: an option that does not apply to
# the chosen switch is a usage error naming both (exit 2), never silently
# ignored; options that apply still work.  An empty window (-since equal
# to -until) is valid and selects nothing.
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log="$tmp/log"
fail=0
"$SEAUDIT_SUBMIT" -fn "$log" - <<'EOF'
{"time":"2024-05-01T10:00:00Z","event":"login","status":"P","user":"u1"}
EOF
refused() { # want word...
	local want="$1" rc=0
	shift
	"$SEAUDIT" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [[ $rc -ne 2 ]] || ! grep -qF -- "$want" "$tmp/err"; then
		printf 'FAIL: seaudit %s: exit %d: %s\n' "$*" "$rc" "$(cat "$tmp/err")"
		fail=1
	fi
}
refused "-json: does not apply to -t" -t -json
refused "-fn: does not apply to -t" -t -fn "$log"
refused "-n: does not apply to -Stat" -Stat 3 -n 4
refused "-user: does not apply to -verify" -verify -user x -fn "$log"
refused "-since: does not apply to -verify" -verify -since today -fn "$log"
refused "-follow: does not apply to -verify" -verify -follow -fn "$log"
refused "-detail: does not apply to -status" -status -detail
refused "-c: applies to -a, -i and -o only" -l -c -fn "$log"
refused "-c: applies to -a, -i and -o only" -r -c -fn "$log"
refused "-socket: only with -status" -a -socket /x -fn "$log"

rc=0
out=$("$SEAUDIT" -a -since 2024-05-01T10:00:00Z -until 2024-05-01T10:00:00Z -fn "$log") || rc=$?
[[ $rc -eq 0 && -z "$out" ]] || { echo "FAIL: empty window: exit $rc, $out"; fail=1; }
refused "-until: the window ends before it starts" -a -since 2024-05-02 -until 2024-05-01 -fn "$log"
"$SEAUDIT" -a -c -sessionid -n 5 -json -fn "$log" | grep -q u1 ||
	{ echo "FAIL: applicable options"; fail=1; }
"$SEAUDIT" -verify -fn "$log" >/dev/null || { echo "FAIL: -verify -fn"; fail=1; }
exit $fail
