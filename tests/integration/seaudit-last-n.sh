#!/usr/bin/env bash
# seaudit-last-n: -n N shows only the last N matching records, oldest
# first, in every output form; -n 0 shows none; N larger than the log
# shows all; the filter applies before the count.
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log="$tmp/log"
fail=0

# 20000 login records: users u0..u9 in turn, terminal t<seq>.
awk 'BEGIN {
	for (i = 1; i <= 20000; i++)
		printf "{\"time\":\"2024-05-01T00:00:00Z\",\"event\":\"login\"," \
		    "\"status\":\"P\",\"user\":\"u%d\",\"terminal\":\"t%d\"}\n",
		    i % 10, i
}' | "$SEAUDIT_SUBMIT" -fn "$log" -

seqs() {
	"$SEAUDIT" "$@" -json -fn "$log" |
		sed -n 's/.*"seq":\([0-9]*\).*/\1/p' | tr '\n' ' ' | sed 's/ $//'
}
check() {
	local want="$1" got
	shift
	got=$(seqs "$@")
	if [[ "$got" != "$want" ]]; then
		printf 'FAIL: seaudit %s\n  want: [%s]\n  got:  [%s]\n' \
			"$*" "$want" "$got"
		fail=1
	fi
}

check "19998 19999 20000" -a -n 3
check "20000" -l -n 1
check "" -a -n 0
check "19973 19983 19993" -a -user u3 -n 3
check "19973 19983 19993" -a -n 3 -user u3
check "19991 19992 19993 19994 19995 19996 19997 19998 19999 20000" --last 10 -a

# More than there is: everything, in order.
[[ $("$SEAUDIT" -l -n 1000000 -fn "$log" | wc -l) -eq 20000 ]] ||
	{ echo "FAIL: -n larger than the log"; fail=1; }
[[ $("$SEAUDIT" -l t5 -n 100 -fn "$log" | wc -l) -eq 0 ]] ||
	{ echo "FAIL: -n with no match"; fail=1; }

# Line, CSV (one header) and detailed forms.
out=$("$SEAUDIT" -a -n 2 -fn "$log")
[[ $(wc -l <<<"$out") -eq 2 && "$out" == *t19999*t20000* ]] ||
	{ echo "FAIL: -n 2 line form: $out"; fail=1; }
out=$("$SEAUDIT" -a -n 2 -csv -fn "$log")
[[ $(wc -l <<<"$out") -eq 3 && $(head -n 1 <<<"$out") == time,* ]] ||
	{ echo "FAIL: -n 2 -csv: $out"; fail=1; }
out=$("$SEAUDIT" -a -n 2 -detail -fn "$log")
[[ $(grep -c '^Event type:' <<<"$out") -eq 2 ]] ||
	{ echo "FAIL: -n 2 -detail"; fail=1; }

exit "$fail"
