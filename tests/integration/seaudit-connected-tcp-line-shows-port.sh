#!/usr/bin/env bash
# seaudit-connected-tcp-line-shows-port: with -c the one-line form of a
# connected TCP record shows its port after the service ("ssh:22"), as
# seaudit(1) promises; without -c such records are not shown at all, and
# a record without a port keeps the bare service.
set -euo pipefail

: "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}"
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log="$tmp/log"
fail=0
"$SEAUDIT_SUBMIT" -fn "$log" - <<'EOF'
{"time":"2024-05-01T10:00:00Z","event":"inbound","status":"P","class":"TCP","service":"ssh","host":"gw","port":22,"stage":409,"reason":2}
{"time":"2024-05-01T10:00:01Z","event":"outbound","status":"D","class":"TCP","service":"telnet","user":"root","host":"far","port":23,"stage":408,"reason":2}
{"time":"2024-05-01T10:00:02Z","event":"inbound","status":"P","class":"HOST","service":"ftp","host":"gw","stage":409,"reason":2}
EOF
out=$("$SEAUDIT" -a -c -fn "$log")
grep -q ' TCP  *ssh:22  *409' <<<"$out" || { echo "FAIL: inbound port: $out"; fail=1; }
grep -q ' TCP  *telnet:23  *root' <<<"$out" || { echo "FAIL: outbound port: $out"; fail=1; }
grep -q ' HOST  *ftp  *409' <<<"$out" || { echo "FAIL: no-port record: $out"; fail=1; }
out=$("$SEAUDIT" -i -c -fn "$log")
grep -q 'ssh:22' <<<"$out" || { echo "FAIL: -i -c: $out"; fail=1; }
out=$("$SEAUDIT" -a -fn "$log")
if grep -q 'ssh' <<<"$out"; then echo "FAIL: connected TCP shown without -c"; fail=1; fi
exit $fail
