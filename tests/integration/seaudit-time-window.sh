#!/usr/bin/env bash
# seaudit-time-window: -since/-until select the window [since, until) in
# every documented time form (RFC 3339 with any offset, local date, local
# date and time, relative -2h/-30m/-2d, today, yesterday, now), also for a
# record appended out of time order after the window (the reader's time
# seek must not lose it).
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log="$tmp/abs"
fail=0

# seq: 1..6; record 6 is older than 4 and 5 but written last.
"$SEAUDIT_SUBMIT" -fn "$log" - <<'EOF'
{"time":"2024-05-01T09:59:59Z","event":"startup","status":"M","service":"a"}
{"time":"2024-05-01T10:00:00Z","event":"startup","status":"M","service":"b"}
{"time":"2024-05-01T10:00:30.5Z","event":"startup","status":"M","service":"c"}
{"time":"2024-05-01T10:01:00Z","event":"startup","status":"M","service":"d"}
{"time":"2024-05-02T00:00:00Z","event":"startup","status":"M","service":"e"}
{"time":"2024-05-01T10:00:15Z","event":"startup","status":"M","service":"f"}
EOF

sel() {
	local dir="$1"
	shift
	"$SEAUDIT" -daemon "$@" -json -fn "$dir" |
		sed -n 's/.*"seq":\([0-9]*\).*/\1/p' | tr '\n' ' ' | sed 's/ $//'
}
check() {
	local want="$1" dir="$2" got
	shift 2
	got=$(sel "$dir" "$@")
	if [[ "$got" != "$want" ]]; then
		printf 'FAIL: seaudit -daemon %s\n  want: [%s]\n  got:  [%s]\n' \
			"$*" "$want" "$got"
		fail=1
	fi
}

check "2 3 6" "$log" -since 2024-05-01T10:00:00Z -until 2024-05-01T10:01:00Z
check "2 3 4 5 6" "$log" -since 2024-05-01T12:00:00+02:00
check "1" "$log" -until 2024-05-01T10:00:00Z
check "3" "$log" -since 2024-05-01T10:00:30.5Z -until 2024-05-01T10:00:30.500001Z
check "1 2 3 4 6" "$log" -since 2024-05-01 -until 2024-05-02
check "5" "$log" -since 2024-05-02
check "2 3 6" "$log" -since '2024-05-01 10:00' -until 2024-05-01T10:00:31
check "2 3 4 5 6" "$log" --since 2024-05-01T10:00:00Z
# Local forms follow TZ (the zone the viewer prints in).
if [[ -e /usr/share/zoneinfo/Asia/Tokyo ]]; then
	got=$(TZ=Asia/Tokyo "$SEAUDIT" -daemon -since '2024-05-01 19:00' \
		-until '2024-05-01 19:01' -json -fn "$log" |
		sed -n 's/.*"seq":\([0-9]*\).*/\1/p' | tr '\n' ' ')
	[[ "$got" == "2 3 6 " ]] ||
		{ echo "FAIL: local time in TZ=Asia/Tokyo: [$got]"; fail=1; }
fi

# Relative forms and words, around the current time.
rel="$tmp/rel"
at() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
{
	printf '{"time":"%s","event":"startup","status":"M","service":"r1"}\n' "$(at '-3 hours')"
	printf '{"time":"%s","event":"startup","status":"M","service":"r2"}\n' "$(at '-90 minutes')"
	printf '{"time":"%s","event":"startup","status":"M","service":"r3"}\n' "$(at '-10 minutes')"
	printf '{"time":"%s","event":"startup","status":"M","service":"r4"}\n' "$(at 'yesterday 12:00')"
	printf '{"time":"%s","event":"startup","status":"M","service":"r5"}\n' "$(at '-3 days')"
} | "$SEAUDIT_SUBMIT" -fn "$rel" -

check "2 3" "$rel" -since -2h
check "3" "$rel" -since -30m
check "3" "$rel" -since -1800s
check "2 3" "$rel" -since -1h45m
check "5" "$rel" -until -2d
check "" "$rel" -since now
check "1 2 3 4 5" "$rel" -until now
# Yesterday noon is after yesterday's midnight and before today's.
got=$(sel "$rel" -since yesterday -until today)
[[ " $got " == *" 4 "* && " $got " != *" 5 "* ]] ||
	{ echo "FAIL: -since yesterday -until today: [$got]"; fail=1; }
got=$(sel "$rel" -since today)
[[ " $got " != *" 4 "* && " $got " != *" 5 "* ]] ||
	{ echo "FAIL: -since today: [$got]"; fail=1; }

# The text form shows the same records as the JSON form.
n=$("$SEAUDIT" -daemon -since 2024-05-01T10:00:00Z \
	-until 2024-05-01T10:01:00Z -fn "$log" | wc -l)
[[ "$n" -eq 3 ]] || { echo "FAIL: text form gave $n lines"; fail=1; }

exit "$fail"
