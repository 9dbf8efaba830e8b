#!/usr/bin/env bash
# seed-examples: the four golden examples of spec/records.md, submitted with
# seaudit-submit and shown by seaudit with TZ=UTC, must give the documents'
# own lines (tests/golden/seeds/, copied from the documentation pages):
#  - `seaudit -a -sessionid`: the documented line, token for token;
#  - `seaudit -a`: the same line without the session token;
#  - `seaudit -a -detail`: every documented "Label: value" line, except
#    that "Time:" may also show seconds.
set -euo pipefail

: "${SEAUDIT:?path of the seaudit binary}" "${SEAUDIT_SUBMIT:?}" "${SA_SRC:?}"
export TZ=UTC
seeds="$SA_SRC/tests/golden/seeds"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Token form of a line: runs of blanks squeezed, no leading/trailing blank.
tokens() { tr -s ' \t' '  ' | sed -e 's/^ //' -e 's/ $//'; }

fail=0
for json in "$seeds"/*.json; do
	name=$(basename "$json" .json)
	log="$tmp/$name"
	"$SEAUDIT_SUBMIT" -fn "$log" "$json"

	want=$(tokens <"$seeds/$name.line")
	got=$("$SEAUDIT" -a -sessionid -fn "$log" | tokens)
	if [[ "$got" != "$want" ]]; then
		printf '%s -sessionid:\n  want: %s\n  got:  %s\n' "$name" \
			"$want" "$got"
		fail=1
	fi

	session=$(sed -n 's/.*"session":"\([^"]*\)".*/\1/p' "$json")
	want_nosess="$want"
	if [[ -n "$session" ]]; then
		want_nosess=$(printf '%s\n' "$want" |
			sed "s/ $session / /" | tokens)
	fi
	got=$("$SEAUDIT" -a -fn "$log" | tokens)
	if [[ "$got" != "$want_nosess" ]]; then
		printf '%s:\n  want: %s\n  got:  %s\n' "$name" \
			"$want_nosess" "$got"
		fail=1
	fi

	"$SEAUDIT" -a -detail -fn "$log" >"$tmp/$name.out"
	while IFS= read -r line; do
		case "$line" in
		"Time: "*)
			# Documented HH:MM; seconds may follow.
			hm=${line#Time: }
			if ! grep -Eq "^Time: $hm(:[0-9]{2})?\$" "$tmp/$name.out"; then
				printf '%s -detail: missing "%s"\n' "$name" "$line"
				fail=1
			fi
			;;
		*)
			if ! grep -Fxq -- "$line" "$tmp/$name.out"; then
				printf '%s -detail: missing "%s"\n' "$name" "$line"
				fail=1
			fi
			;;
		esac
	done <"$seeds/$name.detail"
	if ((fail)); then
		echo "--- $name detailed output:"
		cat "$tmp/$name.out"
	fi
done

# All four in one log: one line each, in the order submitted.
cat "$seeds"/*.json | "$SEAUDIT_SUBMIT" -fn "$tmp/all" -
got=$("$SEAUDIT" -a -sessionid -fn "$tmp/all" | tokens)
want=$(for l in "$seeds"/*.line; do tokens <"$l"; done)
if [[ "$got" != "$want" ]]; then
	printf 'all four:\n--- want\n%s\n--- got\n%s\n' "$want" "$got"
	fail=1
fi

exit "$fail"
