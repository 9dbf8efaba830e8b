#!/usr/bin/env bash
# seaudit-unreadable-log-names-audit-group: a log the user may not read
# (directory or segment) gives exit 1 and a clear message that reading the
# audit log needs membership of the audit group, naming the log's group.
# As root the check runs as "nobody" through setpriv(1); as another user
# it uses a directory the user cannot read.  Skipped (exit 0) when neither
# is possible.
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
export TZ=UTC
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0

printf '%s\n' '{"time":"2024-05-01T10:00:00Z","event":"startup","status":"M","service":"seosd"}' |
	"$SEAUDIT_SUBMIT" -fn "$tmp/log" -
group=$(stat -c %G "$tmp/log")

if [[ $(id -u) -eq 0 ]]; then
	if ! command -v setpriv >/dev/null; then
		echo "skipped: root without setpriv"
		exit 0
	fi
	chmod 755 "$tmp"
	chmod 750 "$tmp/log"
	as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
	# Let nobody reach the binaries (they may live under a 0700 tree).
	if ! as_user "$SEAUDIT" -h >/dev/null 2>&1; then
		echo "skipped: nobody cannot run $SEAUDIT"
		exit 0
	fi
	# The group hint names the owning group when it is not root's.
	want_group=""
	[[ "$group" != root ]] && want_group="$group"
else
	chmod 000 "$tmp/log"
	as_user() { "$@"; }
	want_group="$group"
fi

check() { # what, command...
	local what="$1" rc=0
	shift
	as_user "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [[ $rc -ne 1 ]]; then
		echo "FAIL: $what: exit $rc, want 1"
		fail=1
	fi
	if ! grep -q 'Permission denied' "$tmp/err" ||
		! grep -q 'membership of .*audit group' "$tmp/err"; then
		echo "FAIL: $what: message:"
		cat "$tmp/err"
		fail=1
	fi
	if [[ -n "$want_group" ]] && ! grep -q "\"$want_group\"" "$tmp/err"; then
		echo "FAIL: $what: group $want_group not named"
		fail=1
	fi
}

check "-fn DIR" "$SEAUDIT" -a -fn "$tmp/log"
check "SEAUDIT_LOG" env SEAUDIT_LOG="$tmp/log" "$SEAUDIT" -a

exit "$fail"
