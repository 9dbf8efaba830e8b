#!/usr/bin/env bash
# seaudit-usage-errors-exit-2: every kind of bad command line makes seaudit
# (and seaudit-submit) exit 2 with a message on stderr that names the bad
# argument, and nothing on stdout; -h exits 0 with the usage on stdout;
# runtime errors (missing log) exit 1, not 2.
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

printf '%s\n' '{"time":"2024-05-01T10:00:00Z","event":"startup","status":"M","service":"seosd"}' |
	"$SEAUDIT_SUBMIT" -fn "$tmp/log" -

# expect STATUS WORD PROGRAM ARGS...: exit STATUS, WORD in stderr.
expect() {
	local want="$1" word="$2" rc=0
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [[ $rc -ne $want ]]; then
		printf 'FAIL: %s: exit %d, want %d\n' "$*" "$rc" "$want"
		cat "$tmp/err"
		fail=1
	elif ! grep -qF -- "$word" "$tmp/err"; then
		printf 'FAIL: %s: stderr does not name "%s":\n' "$*" "$word"
		cat "$tmp/err"
		fail=1
	elif [[ $want -eq 2 && -s "$tmp/out" ]]; then
		printf 'FAIL: %s: output on stdout\n' "$*"
		fail=1
	fi
}

S="$SEAUDIT"
L=(-fn "$tmp/log")
expect 2 "no switch" "$S" "${L[@]}"
expect 2 "no switch" "$S" -sessionid "${L[@]}"
expect 2 "-login" "$S" -a -login "${L[@]}"
expect 2 "-t" "$S" -l -t
expect 2 "-bogus" "$S" -a -bogus "${L[@]}"
expect 2 "--bogus" "$S" -a --bogus "${L[@]}"
expect 2 "-ax" "$S" -ax "${L[@]}"
expect 2 "-Stat" "$S" -Stat
expect 2 "abc" "$S" -Stat abc
expect 2 "-1" "$S" -Stat -1
expect 2 "-n" "$S" -a -n
expect 2 "x5" "$S" -a -n x5 "${L[@]}"
expect 2 "-1" "$S" -a -n -1 "${L[@]}"
expect 2 "99999999999" "$S" -a -n 99999999999 "${L[@]}"
expect 2 "garbage" "$S" -a -since garbage "${L[@]}"
expect 2 "2024-02-30" "$S" -a -since 2024-02-30 "${L[@]}"
expect 2 "-5x" "$S" -a -until -5x "${L[@]}"
expect 2 "-until" "$S" -a -since 2024-05-02 -until 2024-05-01 "${L[@]}"
expect 2 "extra" "$S" -a extra "${L[@]}"
expect 2 "third" "$S" -l one two third "${L[@]}"
expect 2 "fourth" "$S" -r a b c fourth "${L[@]}"
expect 2 "-json" "$S" -a -detail -json "${L[@]}"
expect 2 "-csv" "$S" -a -json -csv "${L[@]}"
expect 2 "9" "$S" -a -status 9 "${L[@]}"
expect 2 "-user" "$S" -a -user '' "${L[@]}"
expect 2 "-user" "$S" -a -user 'a,,b' "${L[@]}"
expect 2 '"a,"' "$S" -l 'a,' "${L[@]}"
expect 2 "-fn" "$S" -a -fn ''
expect 2 "-fn" "$S" -a -fn
expect 2 "-follow" "$S" -verify -follow "${L[@]}"

# Runtime errors are 1, not 2.
expect 1 "$tmp/missing" "$S" -a -fn "$tmp/missing"

# Help: exit 0, usage on stdout.
for h in -h -help --help; do
	if ! "$S" $h >"$tmp/out" 2>&1 || ! grep -q '^usage: seaudit' "$tmp/out"; then
		echo "FAIL: seaudit $h"
		fail=1
	fi
done

# seaudit-submit.
B="$SEAUDIT_SUBMIT"
# Without -fn, records go to the daemon: none listening is a runtime
# error (1) that says so, not a usage error.
SEAUDIT_SOCKET="$tmp/no-daemon.sock" expect 1 "not running" "$B" /dev/null
expect 2 "-fn" "$B" -fn
expect 2 "sometimes" "$B" -fn "$tmp/s" -sync sometimes /dev/null
expect 2 "-bogus" "$B" -fn "$tmp/s" -bogus /dev/null
expect 2 "-origin" "$B" -fn "$tmp/s" -origin '' /dev/null
expect 1 "$tmp/nofile" "$B" -fn "$tmp/s" "$tmp/nofile"
"$B" -h | grep -q '^usage: seaudit-submit' || { echo "FAIL: submit -h"; fail=1; }

exit "$fail"
