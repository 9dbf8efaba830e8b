#!/usr/bin/env bash
# seaudit-follow-sees-new-records: `seaudit -follow` prints the records
# already in the log, then each record appended later (within a poll
# interval, without waiting for more output to fill a buffer), applies its
# filter to them, and exits 0 on SIGTERM and on SIGINT.  With -n 1 it
# starts from the last existing record only.
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
export TZ=UTC
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
log="$tmp/log"
fail=0

rec() { # user
	printf '{"time":"2024-05-01T10:00:00Z","event":"login","status":"P","user":"%s","terminal":"tty1"}\n' "$1"
}
# Waits until file $1 has $2 lines (10 s at most).
wait_lines() {
	for _ in $(seq 100); do
		[[ $(wc -l <"$1") -ge $2 ]] && return 0
		sleep 0.1
	done
	echo "FAIL: $1 has $(wc -l <"$1") lines, expected $2:"
	cat "$1"
	return 1
}

{ rec old1; rec old2; } | "$SEAUDIT_SUBMIT" -fn "$log" -

"$SEAUDIT" -l -follow -user 'old*,new*' -fn "$log" >"$tmp/all" &
pid_all=$!
pids+=("$pid_all")
"$SEAUDIT" -a -follow -n 1 -fn "$log" >"$tmp/last" &
pid_last=$!
pids+=("$pid_last")

wait_lines "$tmp/all" 2 || fail=1
wait_lines "$tmp/last" 1 || fail=1

{ rec new1; rec other; } | "$SEAUDIT_SUBMIT" -fn "$log" -
wait_lines "$tmp/all" 3 || fail=1
wait_lines "$tmp/last" 3 || fail=1
rec new2 | "$SEAUDIT_SUBMIT" -fn "$log" -
wait_lines "$tmp/all" 4 || fail=1
wait_lines "$tmp/last" 4 || fail=1

kill -TERM "$pid_all"
set +e
wait "$pid_all"
rc_all=$?
set -e
kill -INT "$pid_last"
set +e
wait "$pid_last"
rc_last=$?
set -e
pids=()
[[ $rc_all -eq 0 ]] || { echo "FAIL: exit $rc_all after SIGTERM"; fail=1; }
[[ $rc_last -eq 0 ]] || { echo "FAIL: exit $rc_last after SIGINT"; fail=1; }

users() { awk '{print $7}' "$1" | tr '\n' ' ' | sed 's/ $//'; }
[[ $(users "$tmp/all") == "old1 old2 new1 new2" ]] ||
	{ echo "FAIL: -follow -user: $(users "$tmp/all")"; fail=1; }
[[ $(users "$tmp/last") == "old2 new1 other new2" ]] ||
	{ echo "FAIL: -follow -n 1: $(users "$tmp/last")"; fail=1; }

exit "$fail"
