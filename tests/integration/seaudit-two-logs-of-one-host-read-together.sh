#!/usr/bin/env bash
# seaudit-two-logs-of-one-host-read-together: two logs written by the same
# host (same origin, both numbered from 1) read together with two -fn give
# every record of both, and -verify counts them all with no damage; the
# same segment named twice (plain copy and sealed copy) is still read once.
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
gen() { # n tag
	for ((i = 1; i <= $1; i++)); do
		printf '{"time":"2024-05-01T10:00:00Z","event":"login","status":"P","user":"%s%d"}\n' "$2" "$i"
	done
}
gen 300 a | "$SEAUDIT_SUBMIT" -fn "$tmp/one" -origin host.example
gen 200 b | "$SEAUDIT_SUBMIT" -fn "$tmp/two" -origin host.example

n=$("$SEAUDIT" -l -json -fn "$tmp/one" -fn "$tmp/two" | wc -l)
[[ $n -eq 500 ]] || { echo "FAIL: $n of 500 records read"; fail=1; }
for u in a1 a300 b1 b200; do
	"$SEAUDIT" -l "$u" -fn "$tmp/one" -fn "$tmp/two" | grep -qw "$u" ||
		{ echo "FAIL: $u missing"; fail=1; }
done
out=$("$SEAUDIT" -verify -fn "$tmp/one" -fn "$tmp/two" 2>&1) ||
	{ echo "FAIL: -verify: $out"; fail=1; }
[[ "${out%%$'\n'*}" == "500 records, no damage found" ]] || { echo "FAIL: -verify said: $out"; fail=1; }
# The same log named twice is one log.
n=$("$SEAUDIT" -l -json -fn "$tmp/one" -fn "$tmp/one" | wc -l)
[[ $n -eq 300 ]] || { echo "FAIL: one log named twice gave $n records"; fail=1; }
exit $fail
