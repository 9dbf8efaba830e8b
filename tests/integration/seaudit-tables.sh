#!/usr/bin/env bash
# seaudit-tables: `seaudit -t` prints every documented code with its exact
# documented message and without the product's "(seaudit)" marker, marks
# the product's own codes, and `seaudit -Stat code` explains untrust status
# codes (exit 0), refuses a non-number (exit 2) and flags unknown bits
# (exit 1).  Documented codes: spec/codes.md and reference notes section 7.
set -euo pipefail

: "${SEAUDIT:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$SEAUDIT" -t >"$tmp/t"
fail=0

# A documented code: "   N  [NAME  ]MESSAGE" exactly, with no marker.
documented() {
	local code="$1" msg="$2"
	if ! grep -Eq "^ *$code  ([A-Z_]+  )?$(printf '%s' "$msg" |
		sed 's/[][\.*^$()+?{}|/]/\\&/g')\$" "$tmp/t"; then
		printf 'FAIL: -t lacks documented code %s "%s"\n' "$code" "$msg"
		fail=1
	fi
}

# Reason codes.
documented 2 "User audit mode requires logging"
documented 3 "Resource audit mode required logging"

# Login and logout stage codes (complete documented list).
while IFS='|' read -r code msg; do
	documented "$code" "$msg"
done <<'EOF'
2|Fetching user object
3|Terminal checking for login terminal source
5|User suspend checking
6|User expiration checking
7|User day-time checkings
8|Password validity checkings
9|User grace login checkings
10|Password expired with no more grace logins
11|Building the user ACEE
12|User inactivity days check
13|Too many logins for user
14|Active HOLIDAY check
15|Login Application (LOGINAPPL) check
16|User Groups day-time checking
17|Attempt rejected by the native environment
18|User without domain restriction
19|No reason to deny – allow login
20|'Logical' user check
49|Logout detected after last process terminated
EOF

# Resource and network stage codes.
documented 52 "Category check of resource"
documented 59 "Resource UACC check"
documented 61 "User is OPERATOR on resource"
documented 62 "UACC check for Class of unprotected resource"
documented 69 "No Step that allowed access"
documented 87 "Resource group calendar ACL check for user"
documented 408 "Default access of TCP service"
documented 409 "CACL read stage of TCP service"
documented 421 "HOSTNP entry for User '*' in TCP service CACL"

# Security database administration (a sample of the documented range).
documented 300 "Undefined CA ControlMinder user"
documented 305 "Command allowed for ADMIN user"
documented 322 "There is no rule allowing this operation"
documented 339 "SEOS_syscall module unload readiness check"

# Password quality codes (complete documented list).
while IFS='|' read -r code msg; do
	documented "$code" "$msg"
done <<'EOF'
3|Too few lowercase letters in password
4|Too few capital letters in password
5|Too few numeric characters in password
6|Too few other characters in password
7|Too many repetitions of same char in password
9|Password previously used. Select a different password
10|Too few alphabetic characters in password
11|Too few alphanumeric characters in password
12|Password was changed recently, cannot be changed again at this time
13|Password is contained by a previous password or vice versa
14|Password contains previous password pattern
21|Cannot include predefined prohibited characters
23|Password is contained by a previous password or vice versa
24|Password is in dictionary file
EOF

# Untrust (watchdog) reason codes.
documented 0 "WDWARN_ERROR  An error occurred"
documented 1 "WDWARN_STATCHANGED  Stat was changed"
documented 2 "WDWARN_AIXEXIT  HP-UX/AIX extended information changed"
documented 3 "WDWARN_AIXACL  HP-UX/AIX ACL changed"
documented 4 "WDWARN_CRC  CRC check failed"
documented 5 "WDWARN_STAT  Cannot obtain information about the trusted file"
documented 6 "WDWARN_MD5  MD5 signatures do not match"

# Status letters and their words.
for lw in "P Permitted" "D Denied" "W Warning" "N Notify" "F Failed" \
	"S Success" "M Message" "A Password attempt" "I Login disabled" \
	"E Login enabled" "O Logout" "U Untrust" "C Check"; do
	l=${lw%% *} w=${lw#* }
	if ! grep -Eq "^ *$l  ([A-Z_]+  )?$w\$" "$tmp/t"; then
		echo "FAIL: -t lacks status $l $w"
		fail=1
	fi
done

# The product's own SHA-256 untrust reason is there and marked as own.
if ! grep -Eq '^ *100  .*SHA-256.*  \(seaudit\)$' "$tmp/t"; then
	echo "FAIL: own code 100 (SHA-256) missing or not marked (seaudit)"
	fail=1
fi

# -Stat explains, and its exit status tells known from unknown bits.
out=$("$SEAUDIT" -Stat 1) || { echo "FAIL: -Stat 1 exit $?"; fail=1; }
[[ -n "$out" ]] || { echo "FAIL: -Stat 1 printed nothing"; fail=1; }
set +e
"$SEAUDIT" -Stat 0x80000000 >/dev/null
rc=$?
"$SEAUDIT" -Stat abc 2>"$tmp/err"
rc2=$?
set -e
[[ $rc -eq 1 ]] || { echo "FAIL: -Stat with unknown bits: exit $rc"; fail=1; }
[[ $rc2 -eq 2 ]] || { echo "FAIL: -Stat abc: exit $rc2"; fail=1; }
grep -q abc "$tmp/err" || { echo "FAIL: -Stat abc: message"; fail=1; }

exit "$fail"
