#!/usr/bin/env bash
# seaudit-verify-with-key-as-documented: the sealing workflow as
# docs/INTEGRITY.md and the man pages tell an administrator:
#  - seaudit-keygen makes a 0400 key file and prints the verification key
#    and its fingerprint; a second run on the same path refuses (exit 1)
#    and -p prints the same key again; a missing directory for the key
#    is made;
#  - seauditd with seal_key: -status shows seal_epoch above 0 and
#    seal_key_error=none; while it runs, -verify says the log is not
#    closed (exit 3); a second daemon on the same key is refused; after a
#    clean stop -verify -verify-key exits 0 and
#    says how many checkpoints it verified; the key given as a file works
#    the same;
#  - another key: exit 1 with "does not verify" on standard error;
#  - -json: one object with status "intact", problems 0, and
#    signatures_checked true;
#  - a record changed (its CRC put right) is reported with its records'
#    range, exit 1;
#  - usage: -verify-key without -verify, a malformed key, -csv with
#    -verify: exit 2 with the reason; a seal_key that does not exist stops
#    the daemon's start and fails its configuration check (-n), saying how
#    to make one.
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

"$KEYGEN" "$tmp/seal.key" >"$tmp/kg" || { echo "FAIL: seaudit-keygen"; exit 1; }
vk=$(sed -n 's/^verification key: //p' "$tmp/kg")
[[ $vk =~ ^sealvk1:[0-9a-f]{64}$ ]] || { echo "FAIL: verification key '$vk'"; fail=1; }
grep -Eq '^fingerprint: [0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$' "$tmp/kg" ||
	{ echo "FAIL: no fingerprint"; fail=1; }
[[ $(stat -c %a "$tmp/seal.key") == 400 ]] || { echo "FAIL: key mode $(stat -c %a "$tmp/seal.key")"; fail=1; }
rc=0; "$KEYGEN" "$tmp/seal.key" >/dev/null 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] && grep -q "exists already" "$tmp/err" || { echo "FAIL: a second keygen (exit $rc)"; fail=1; }
[[ $("$KEYGEN" -p "$tmp/seal.key" | sed -n 's/^verification key: //p') == "$vk" ]] ||
	{ echo "FAIL: -p printed another key"; fail=1; }
echo "$vk" >"$tmp/vk.txt"
# The default's directory may be missing on a new host: it is made.
"$KEYGEN" "$tmp/etc-seaudit/seal.key" >/dev/null && [[ -f "$tmp/etc-seaudit/seal.key" ]] ||
	{ echo "FAIL: keygen into a missing directory"; fail=1; }

cat >"$tmp/d.ini" <<INI
[logmgr]
audit_log = $tmp/log
[seauditd]
socket = $tmp/d.sock
seal_key = $tmp/seal.key
checkpoint_interval_ms = 100
INI
"$SEAUDITD" -d -f "$tmp/d.ini" 2>"$tmp/d.err" &
pid=$!
for _ in $(seq 200); do [[ -S "$tmp/d.sock" ]] && break; sleep 0.05; done
for i in $(seq 30); do
	printf '{"time":"2026-12-04T00:00:%02dZ","event":"login","status":"P","user":"alice","terminal":"pts/%d"}\n' "$i" "$i"
done | "$SEAUDIT_SUBMIT" -socket "$tmp/d.sock" - >/dev/null ||
	{ echo "FAIL: submit"; fail=1; }
sleep 0.5
st=$("$SEAUDIT" -status -socket "$tmp/d.sock")
grep -Eq '^seal_epoch=[1-9]' <<<"$st" || { echo "FAIL: status: $(grep seal <<<"$st")"; fail=1; }
grep -q '^seal_key_error=none$' <<<"$st" || { echo "FAIL: seal_key_error"; fail=1; }
rc=0; out=$("$SEAUDIT" -verify -verify-key "$vk" -fn "$tmp/log" 2>&1) || rc=$?
[[ $rc -eq 3 ]] && grep -q "not closed" <<<"$out" ||
	{ echo "FAIL: -verify of a live log: exit $rc: $out"; fail=1; }
# A second daemon (another log, another socket) with the same key: refused.
sed -e "s|$tmp/log|$tmp/log2|" -e "s|$tmp/d.sock|$tmp/d2.sock|" "$tmp/d.ini" >"$tmp/d2.ini"
rc=0; "$SEAUDITD" -d -f "$tmp/d2.ini" 2>"$tmp/d2.err" || rc=$?
[[ $rc -eq 1 ]] && grep -q "in use by another writer" "$tmp/d2.err" ||
	{ echo "FAIL: a second writer on one key: exit $rc: $(cat "$tmp/d2.err")"; fail=1; }
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=

rc=0; out=$("$SEAUDIT" -verify -verify-key "$vk" -fn "$tmp/log" 2>&1) || rc=$?
[[ $rc -eq 0 ]] || { echo "FAIL: -verify after a clean stop: exit $rc: $out"; fail=1; }
grep -Eq '^signatures: [1-9][0-9]* checkpoints verified with the key' <<<"$out" ||
	{ echo "FAIL: no signature line: $out"; fail=1; }
rc=0; "$SEAUDIT" -verify -verify-key "$tmp/vk.txt" -fn "$tmp/log" >/dev/null 2>&1 || rc=$?
[[ $rc -eq 0 ]] || { echo "FAIL: the key in a file: exit $rc"; fail=1; }
rc=0; out=$("$SEAUDIT" -verify -fn "$tmp/log" 2>&1) || rc=$?
[[ $rc -eq 0 ]] && grep -q "not checked (no -verify-key)" <<<"$out" ||
	{ echo "FAIL: without a key: exit $rc: $out"; fail=1; }

"$KEYGEN" "$tmp/other.key" >"$tmp/kg2"
vk2=$(sed -n 's/^verification key: //p' "$tmp/kg2")
rc=0; "$SEAUDIT" -verify -verify-key "$vk2" -fn "$tmp/log" >/dev/null 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] && grep -q "does not verify" "$tmp/err" ||
	{ echo "FAIL: another key: exit $rc: $(cat "$tmp/err")"; fail=1; }

json=$("$SEAUDIT" -verify -json -verify-key "$vk" -fn "$tmp/log")
python3 - "$json" <<'PY' || fail=1
import json, sys
j = json.loads(sys.argv[1])
ok = (j["status"] == "intact" and j["problems"] == 0 and
      j["signatures_checked"] is True and j["records"] >= 31 and
      j["problem_list"] == [])
if not ok:
    print("FAIL: -json said", j)
sys.exit(0 if ok else 1)
PY

# A record's user changed and its frame CRC recomputed.
python3 - "$tmp/log" <<'PY' || fail=1
import glob, struct, sys
CRC_POLY = 0x82F63B78
def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (CRC_POLY if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF
seg = sorted(glob.glob(sys.argv[1] + "/*.seg"))[0]
b = bytearray(open(seg, "rb").read())
i = b.find(b"alice")
if i < 0:
    print("FAIL: no record of alice"); sys.exit(1)
b[i:i + 5] = b"mally"
# the frame around it: type byte, varint length, u32 CRC, payload
for start in range(i - 1, 0, -1):
    t = b[start]
    if not (65 <= t <= 90):
        continue
    n, k, shift = 0, start + 1, 0
    while k < start + 4:
        n |= (b[k] & 0x7F) << shift
        shift += 7
        k += 1
        if not b[k - 1] & 0x80:
            break
    crc_at, payload = k, k + 4
    if t == ord("R") and payload <= i < payload + n:
        crc = crc32c(bytes(b[start:k]) + bytes(b[payload:payload + n]))
        b[crc_at:crc_at + 4] = struct.pack("<I", crc)
        open(seg, "wb").write(b)
        sys.exit(0)
print("FAIL: frame not found"); sys.exit(1)
PY
rc=0; "$SEAUDIT" -verify -verify-key "$vk" -fn "$tmp/log" >"$tmp/out" 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] && grep -Eq "records [0-9]+ to [0-9]+ are not the ones the checkpoint here sealed" "$tmp/err" ||
	{ echo "FAIL: an altered record: exit $rc: $(cat "$tmp/err")"; fail=1; }

rc=0; "$SEAUDIT" -a -verify-key "$vk" -fn "$tmp/log" >/dev/null 2>"$tmp/err" || rc=$?
[[ $rc -eq 2 ]] && grep -q "only with -verify" "$tmp/err" || { echo "FAIL: -verify-key with -a: exit $rc"; fail=1; }
rc=0; "$SEAUDIT" -verify -verify-key sealvk1:abc -fn "$tmp/log" >/dev/null 2>"$tmp/err" || rc=$?
[[ $rc -eq 2 ]] && grep -q "neither a verification key" "$tmp/err" || { echo "FAIL: a malformed key: exit $rc"; fail=1; }
rc=0; "$SEAUDIT" -verify -csv -fn "$tmp/log" >/dev/null 2>"$tmp/err" || rc=$?
[[ $rc -eq 2 ]] && grep -q "takes -json" "$tmp/err" || { echo "FAIL: -csv with -verify: exit $rc"; fail=1; }

sed -i "s|^seal_key = .*|seal_key = $tmp/missing.key|" "$tmp/d.ini"
rc=0; "$SEAUDITD" -n -f "$tmp/d.ini" >/dev/null 2>"$tmp/n.err" || rc=$?
[[ $rc -eq 1 ]] && grep -q "seaudit-keygen" "$tmp/n.err" ||
	{ echo "FAIL: seauditd -n with a missing seal_key: exit $rc: $(cat "$tmp/n.err")"; fail=1; }
rc=0; "$SEAUDITD" -d -f "$tmp/d.ini" 2>"$tmp/d.err" || rc=$?
[[ $rc -eq 1 ]] && grep -q "seaudit-keygen" "$tmp/d.err" ||
	{ echo "FAIL: a missing seal_key: exit $rc: $(cat "$tmp/d.err")"; fail=1; }
[[ $fail -eq 0 ]] && echo "sealing as documented: keygen, signed checkpoints, -verify with and without the key"
exit "$fail"
