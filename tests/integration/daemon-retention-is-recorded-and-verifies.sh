#!/usr/bin/env bash
# daemon-retention-is-recorded-and-verifies: retention that removes the
# oldest segments is told apart from an attack (docs/INTEGRITY.md §3):
#  - seauditd with a sealing key, small segments, audit_max_files = 2 and
#    an audit_back directory: after enough records, the oldest segments
#    are gone and each left a retention record (seaudit -a shows RETAIN
#    lines; -json has removed_first, removed_last, removed_chain and
#    seal_bridge); seal.bridge is in the log directory;
#  - a clean stop, then -verify -verify-key exits 0, says which records
#    retention removed, and -json gives removed_by_retention;
#  - after a restart (the bridge read back from seal.bridge) and more
#    retention: the same again, with more removed;
#  - the oldest segment still there deleted by hand: exit 1, its records
#    named (EHEADGONE in -json), with and without the key;
#  - seal.bridge removed: the next retention takes the bridge from the
#    log's newest retention record, and the log still verifies;
#  - put back, it verifies again.
set -euo pipefail

: "${SEAUDITD:?}" "${SEAUDIT:?}" "${SEAUDIT_SUBMIT:?}" "${SA_BUILD:?}"
KEYGEN=$SA_BUILD/tools/seaudit-keygen
export TZ=UTC
tmp=$(mktemp -d)
pid=
cleanup() {
	if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$tmp" || true
}
trap cleanup EXIT
fail=0

"$KEYGEN" "$tmp/seal.key" >"$tmp/kg"
vk=$(sed -n 's/^verification key: //p' "$tmp/kg")
cat >"$tmp/d.ini" <<INI
[logmgr]
audit_log = $tmp/log
audit_back = $tmp/back
audit_size = 50
audit_max_files = 2
[seauditd]
socket = $tmp/d.sock
seal_key = $tmp/seal.key
checkpoint_interval_ms = 100
INI

start() {
	"$SEAUDITD" -d -f "$tmp/d.ini" 2>>"$tmp/d.err" &
	pid=$!
	for _ in $(seq 200); do [[ -S "$tmp/d.sock" ]] && break; sleep 0.05; done
}
stop() {
	kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
}
load() { # $1: batches of 1500 records
	for b in $(seq "$1"); do
		for i in $(seq 1500); do
			printf '{"time":"2026-12-04T10:00:00Z","event":"login","status":"P","user":"u%d","terminal":"pts/%d"}\n' "$i" "$b"
		done | "$SEAUDIT_SUBMIT" -socket "$tmp/d.sock" - >/dev/null ||
			{ echo "FAIL: submit"; fail=1; }
		sleep 0.3
	done
	sleep 1.2 # retention waits for its record to be sealed
}
removed_by() { # $1: the -verify -json output
	python3 -c 'import json,sys; print(json.loads(sys.argv[1])["removed_by_retention"])' "$1"
}

start
load 6
stop
n_ret=$("$SEAUDIT" -a -fn "$tmp/log" | grep -c ' RETAIN ' || true)
[[ $n_ret -ge 2 ]] || { echo "FAIL: $n_ret retention records"; fail=1; }
[[ -s "$tmp/log/seal.bridge" ]] || { echo "FAIL: no seal.bridge"; fail=1; }
"$SEAUDIT" -a -json -fn "$tmp/log" | grep '"event":"retention"' | tail -1 >"$tmp/ret.json"
python3 - "$tmp/ret.json" <<'PY' || fail=1
import json, sys
r = json.loads(open(sys.argv[1]).read())
ok = (r["service"] == "seauditd" and r["status"] == "C" and
      1 <= r["removed_first"] <= r["removed_last"] and
      len(r["removed_chain"]) == 64 and len(r.get("seal_bridge", "")) > 100)
if not ok:
    print("FAIL: retention record", r)
sys.exit(0 if ok else 1)
PY

rc=0; out=$("$SEAUDIT" -verify -verify-key "$vk" -fn "$tmp/log" 2>&1) || rc=$?
[[ $rc -eq 0 ]] && grep -Eq '^retention: records 1 to [0-9]+ were removed' <<<"$out" ||
	{ echo "FAIL: -verify after retention: exit $rc: $out"; fail=1; }
json=$("$SEAUDIT" -verify -json -verify-key "$vk" -fn "$tmp/log")
first_removed=$(removed_by "$json")
[[ $first_removed -gt 0 ]] || { echo "FAIL: -json removed_by_retention $first_removed"; fail=1; }

# Restarted: the bridge is read back, retention goes on and still proves.
start
load 3
stop
rc=0; json=$("$SEAUDIT" -verify -json -verify-key "$vk" -fn "$tmp/log") || rc=$?
now_removed=$(removed_by "$json")
[[ $rc -eq 0 && $now_removed -gt $first_removed ]] ||
	{ echo "FAIL: after a restart: exit $rc, removed $now_removed (was $first_removed): $json"; fail=1; }

# seal.bridge (the writer's note of the bridge) lost: the next removal
# takes the bridge from the log's newest retention record instead.
rm "$tmp/log/seal.bridge"
start
load 2
stop
rc=0; json=$("$SEAUDIT" -verify -json -verify-key "$vk" -fn "$tmp/log") || rc=$?
again=$(removed_by "$json")
[[ $rc -eq 0 && $again -gt $now_removed && -s "$tmp/log/seal.bridge" ]] ||
	{ echo "FAIL: without seal.bridge: exit $rc, removed $again (was $now_removed): $json"; fail=1; }

# The oldest segment left, deleted by hand: a cut, named.  Sealed
# segments are in audit_back (the log directory's pointer names it).
oldest=$(ls "$tmp/back" | sort | head -1)
[[ -n "$oldest" ]] || { echo "FAIL: nothing in audit_back"; fail=1; }
mv "$tmp/back/$oldest" "$tmp/oldest.seg"
for k in "" "-verify-key $vk"; do
	rc=0; out=$("$SEAUDIT" -verify $k -json -fn "$tmp/log" 2>/dev/null) || rc=$?
	[[ $rc -eq 1 ]] && grep -q '"code":"SA_EHEADGONE"' <<<"$out" ||
		{ echo "FAIL: oldest segment deleted (${k:-no key}): exit $rc: $out"; fail=1; }
done
rc=0; err=$("$SEAUDIT" -verify -fn "$tmp/log" 2>&1 >/dev/null) || rc=$?
grep -q "are gone and no retention record in the log names their removal" <<<"$err" ||
	{ echo "FAIL: the cut is not explained: $err"; fail=1; }
mv "$tmp/oldest.seg" "$tmp/back/$oldest"
rc=0; "$SEAUDIT" -verify -verify-key "$vk" -fn "$tmp/log" >/dev/null 2>&1 || rc=$?
[[ $rc -eq 0 ]] || { echo "FAIL: put back, exit $rc"; fail=1; }

[[ $fail -eq 0 ]] && echo PASS
exit $fail
