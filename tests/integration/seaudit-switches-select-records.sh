#!/usr/bin/env bash
# seaudit-switches-select-records: every mode switch, its masks, -c, and
# every field filter select exactly the right records of a small crafted
# log (one record of each kind, plus connected TCP records that carry a
# port).  Records are identified by their sequence number (1..19, in the
# order below) taken from the -json output, so the check does not depend
# on the text layout.
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log="$tmp/log"

"$SEAUDIT_SUBMIT" -fn "$log" - <<'EOF'
{"time":"2024-05-01T10:00:01Z","event":"login","status":"P","user":"alice","session":"5f000001:00000001","stage":19,"reason":2,"terminal":"tty1","program":"/bin/login","os_user":false}
{"time":"2024-05-01T10:00:02Z","event":"logout","status":"O","user":"alice","stage":49,"reason":2,"terminal":"tty1","os_user":false}
{"time":"2024-05-01T10:00:03Z","event":"account_disabled","status":"I","user":"bob","stage":9,"reason":2,"terminal":"pts/1","program":"serevu"}
{"time":"2024-05-01T10:00:04Z","event":"account_enabled","status":"E","user":"bob","stage":9,"reason":2,"terminal":"pts/1","program":"serevu"}
{"time":"2024-05-01T10:00:05Z","event":"password_attempt","status":"A","user":"carol","stage":8,"reason":2,"terminal":"pts/2","program":"sshd"}
{"time":"2024-05-01T10:00:06Z","event":"resource","status":"D","class":"FILE","user":"alice","access":"Read","stage":69,"reason":3,"resource":"/etc/shadow","program":"/bin/cat","terminal":"tty1","effective_user":"alice"}
{"time":"2024-05-01T10:00:07Z","event":"resource","status":"P","class":"PROGRAM","user":"bob","access":"Execute","stage":59,"reason":3,"resource":"/usr/bin/su","program":"/bin/bash","terminal":"pts/1"}
{"time":"2024-05-01T10:00:08Z","event":"untrust","status":"U","class":"PROGRAM","module":"seoswd","stage":1,"message_id":4,"resource":"/usr/bin/passwd"}
{"time":"2024-05-01T10:00:09Z","event":"inbound","status":"P","class":"TCP","service":"telnet","host":"client.example.org","program":"in.telnetd","stage":408,"reason":2}
{"time":"2024-05-01T10:00:10Z","event":"inbound","status":"P","class":"TCP","service":"ssh","host":"client.example.org","port":22,"stage":408,"reason":2}
{"time":"2024-05-01T10:00:11Z","event":"outbound","status":"D","class":"TCP","service":"telnet","user":"root","host":"computer.org","program":"/usr/bin/telnet","terminal":"computer.com","stage":408,"reason":2}
{"time":"2024-05-01T10:00:12Z","event":"outbound","status":"P","class":"TCP","service":"http","user":"root","host":"web.example.org","port":80,"stage":408,"reason":2}
{"time":"2024-05-01T10:00:13Z","event":"admin","status":"S","class":"USER","user":"admin1","resource":"carol","command":"newusr carol password(secret)","terminal":"tty3","stage":305,"reason":2}
{"time":"2024-05-01T10:00:14Z","event":"startup","status":"M","service":"seosd"}
{"time":"2024-05-01T10:00:15Z","event":"shutdown","status":"M","user":"root","service":"seosd"}
{"time":"2024-05-01T10:00:16Z","event":"password_verify","status":"F","user":"carol","stage":9,"reason":2}
{"time":"2024-05-01T10:00:17Z","event":"trace","status":"W","user":"alice","class":"FILE","resource":"/tmp/x","trace":"OPEN /tmp/x"}
{"time":"2024-05-01T10:00:18Z","event":"login","status":"D","user":"bob","stage":5,"reason":2,"terminal":"pts/1","program":"/bin/login"}
{"time":"2024-05-01T10:00:19Z","event":"untrust","status":"U","class":"SECFILE","module":"seoswd","stage":4,"errno":0,"resource":"/etc/passwd"}
EOF

fail=0
# Sequence numbers of the records a command line selects.
sel() {
	"$SEAUDIT" "$@" -json -fn "$log" |
		sed -n 's/.*"seq":\([0-9]*\).*/\1/p' | tr '\n' ' ' | sed 's/ $//'
}
check() {
	local want="$1" got
	shift
	got=$(sel "$@")
	if [[ "$got" != "$want" ]]; then
		printf 'FAIL: seaudit %s\n  want: [%s]\n  got:  [%s]\n' \
			"$*" "$want" "$got"
		fail=1
	fi
}

# -a: everything but traces (17) and connected TCP records (10, 12).
check "1 2 3 4 5 6 7 8 9 11 13 14 15 16 18 19" -a
check "1 2 3 4 5 6 7 8 9 11 13 14 15 16 18 19" -all
check "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 18 19" -a -c
check "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 18 19" --all -c

# -l users terminal: the login family.
check "1 2 3 4 5 18" -l
check "1 2" -l alice tty1
check "1 2" -login alice
check "3 4 18" -login bob
check "3 4 5 18" -l '*' 'pts/*'
check "1 2 5" -l 'alice, carol'
check "5" -l 'c?rol' 'pts/?'
check "" -l nobody

# -i host service (+ -c: connected TCP records with their port).
check "9" -i
check "9 10" -i -c
check "10" -inet client.example.org ssh -c
check "9" -i 'client.*' telnet
check "" -i 'other.*'

# -r class resource users.
check "6 7" -r
check "6" -r FILE
check "7" -res '*' '/usr/*' bob
check "6 7" -r '*' '*' 'alice,bob'
check "" -r FILE '*' bob

# Product additions.
check "11" -o
check "11 12" -outbound -c
check "12" -o 'web.*' -c
check "11" --outbound computer.org telnet root
check "17" -trace
check "17" -trace alice
check "" -trace bob
check "13" -admin
check "13" -admin USER carol admin1
check "" -admin GROUP
check "8 19" -untrust
check "19" -untrust SECFILE
check "8" -untrust PROGRAM '/usr/bin/*'
check "14 15" -daemon
check "14 15" -daemon seosd
check "" -daemon other
check "16" -password
check "16" -password carol

# Field filters narrow any switch.
check "6 11 18" -a -status D
check "6 11 18" -a -status d
check "1 2 6" -a -user alice
check "3 4 7 18" -a -user 'b*'
check "7 8" -a -class PROGRAM
check "7 8" -a -resource '/usr/*'
check "1 6 7 18" -a -program '/bin/*'
check "3 4 5 7 18" -a -terminal 'pts/*'
check "11" -a -host 'computer.*'
check "9 10 12" -a -c -host '*.example.org'
check "9 11" -a -service telnet
check "18" -l '*' -status D
check "6" -r '*' -user alice -status D
check "1 2" -a -user alice -terminal tty1 -status PO
check "17" -trace -resource '/tmp/*'

# -sessionid shows the session column of the line form.
"$SEAUDIT" -l alice -fn "$log" >"$tmp/plain"
"$SEAUDIT" -l alice -sessionid -fn "$log" >"$tmp/sess"
if grep -q 5f000001:00000001 "$tmp/plain" ||
	! grep -q 5f000001:00000001 "$tmp/sess"; then
	echo "FAIL: -sessionid does not toggle the session column"
	fail=1
fi
[[ $(wc -l <"$tmp/plain") -eq 2 ]] || { echo "FAIL: -l alice lines"; fail=1; }

# Passwords are masked in every output form.
for form in "" -detail -json -csv; do
	out=$("$SEAUDIT" -admin $form -fn "$log")
	if grep -q secret <<<"$out"; then
		echo "FAIL: password shown by seaudit -admin $form"
		fail=1
	fi
	if ! grep -q '\*\*\*' <<<"$out"; then
		echo "FAIL: no *** mask in seaudit -admin $form"
		fail=1
	fi
done

# CSV: one header row, then one row per record.
rows=$("$SEAUDIT" -l -csv -fn "$log" | wc -l)
[[ "$rows" -eq 7 ]] || { echo "FAIL: -l -csv gave $rows rows"; fail=1; }
"$SEAUDIT" -trace bob -csv -fn "$log" >"$tmp/empty.csv"
[[ $(wc -l <"$tmp/empty.csv") -eq 1 ]] ||
	{ echo "FAIL: empty CSV is not just a header"; fail=1; }

exit "$fail"
