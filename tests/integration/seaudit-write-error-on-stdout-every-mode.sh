#!/usr/bin/env bash
# seaudit-write-error-on-stdout-every-mode: when standard output cannot be
# written (/dev/full), every mode that prints says so and exits 1: the
# record switches in each form, -verify, -t, -Stat, -h and -version.
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log="$tmp/log"
fail=0
[[ -w /dev/full ]] || { echo "SKIP: no /dev/full"; exit 0; }
"$SEAUDIT_SUBMIT" -fn "$log" - <<'EOF'
{"time":"2024-05-01T10:00:00Z","event":"login","status":"P","user":"u1"}
EOF
run() {
	local rc=0
	"$SEAUDIT" "$@" >/dev/full 2>"$tmp/err" || rc=$?
	if [[ $rc -ne 1 ]] || ! grep -q "standard output" "$tmp/err"; then
		printf 'FAIL: seaudit %s >/dev/full: exit %d: %s\n' "$*" "$rc" "$(cat "$tmp/err")"
		fail=1
	fi
}
run -a -fn "$log"
run -a -detail -fn "$log"
run -a -json -fn "$log"
run -a -csv -fn "$log"
run -a -n 1 -fn "$log"
run -verify -fn "$log"
run -t
run -Stat 3
run -h
run -version
exit $fail
