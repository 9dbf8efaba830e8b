#!/usr/bin/env bash
# seaudit-default-log-location: without -fn, seaudit reads $SEAUDIT_LOG;
# without it, /var/log/seaudit when readable, else
# $XDG_STATE_HOME/seaudit/log, else ~/.local/state/seaudit/log; with no
# log anywhere it exits 1 saying where it looked; -fn overrides them all.
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

mk() { # dir service
	printf '{"time":"2024-05-01T10:00:00Z","event":"startup","status":"M","service":"%s"}\n' "$2" |
		"$SEAUDIT_SUBMIT" -fn "$1" -
}
svc() { sed -n 's/.*"service":"\([^"]*\)".*/\1/p' | tr '\n' ' ' | sed 's/ $//'; }

mk "$tmp/env" from-env
mk "$tmp/xdg/seaudit/log" from-xdg
mk "$tmp/home/.local/state/seaudit/log" from-home

got=$(SEAUDIT_LOG="$tmp/env" XDG_STATE_HOME="$tmp/xdg" "$SEAUDIT" -daemon -json | svc)
[[ "$got" == from-env ]] || { echo "FAIL: SEAUDIT_LOG: [$got]"; fail=1; }

if [[ -r /var/log/seaudit ]]; then
	echo "note: /var/log/seaudit exists here: XDG and HOME cases skipped"
else
	got=$(env -u SEAUDIT_LOG XDG_STATE_HOME="$tmp/xdg" HOME="$tmp/home" \
		"$SEAUDIT" -daemon -json | svc)
	[[ "$got" == from-xdg ]] || { echo "FAIL: XDG_STATE_HOME: [$got]"; fail=1; }
	got=$(env -u SEAUDIT_LOG -u XDG_STATE_HOME HOME="$tmp/home" \
		"$SEAUDIT" -daemon -json | svc)
	[[ "$got" == from-home ]] || { echo "FAIL: HOME: [$got]"; fail=1; }
	rc=0
	env -u SEAUDIT_LOG -u XDG_STATE_HOME HOME="$tmp/nohome" \
		"$SEAUDIT" -a >/dev/null 2>"$tmp/err" || rc=$?
	[[ $rc -eq 1 ]] && grep -q "no audit log found" "$tmp/err" ||
		{ echo "FAIL: no log: exit $rc"; cat "$tmp/err"; fail=1; }
fi

rc=0
SEAUDIT_LOG="$tmp/missing" "$SEAUDIT" -a >/dev/null 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] && grep -q "$tmp/missing" "$tmp/err" ||
	{ echo "FAIL: missing SEAUDIT_LOG: exit $rc"; fail=1; }

# -fn overrides the configured log.
got=$(SEAUDIT_LOG="$tmp/env" "$SEAUDIT" -daemon -json -fn "$tmp/xdg/seaudit/log" | svc)
[[ "$got" == from-xdg ]] || { echo "FAIL: -fn over SEAUDIT_LOG: [$got]"; fail=1; }
# A segment file named directly.
got=$("$SEAUDIT" -daemon -json \
	-fn "$tmp/home/.local/state/seaudit/log/0000000000000001.seg" | svc)
[[ "$got" == from-home ]] || { echo "FAIL: -fn segment: [$got]"; fail=1; }

exit "$fail"
