#!/usr/bin/env bash
# seaudit-damaged-compressed-segment-costs-little: damage to a sealed,
# zstd-compressed segment costs about what the same damage costs a plain
# one, not the records of a whole megabyte.
#
# Two logs of the same generated records (same seed), one with sealed
# segments compressed, one plain.  In the first sealed segment of each,
# 50 bytes in the middle are zeroed: the plain one loses a record or two,
# the compressed one at most the rest of one zstd frame (32 KiB of plain
# log, about 200 of these records).  A compressed segment cut to half its
# size still gives the records of its first half, less what follows its
# last whole block.  Every loss is reported (exit 1).  And the intact
# compressed segment still decompresses with the zstd tool to a plain
# segment holding the same records (docs/FORMAT.md §5).
set -euo pipefail

: "${SEAUDIT:?}" "${SA_GEN:?}"
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

"$SA_GEN" -n 12000 -S 900000 -o log -d "$tmp/z" -z -q
"$SA_GEN" -n 12000 -S 900000 -o log -d "$tmp/p" -q
zseg=$(ls "$tmp"/z/*.seg.zst | head -n 1)
pseg="$tmp/p/$(basename "$zseg" .zst)"
[[ -f "$pseg" ]] || { echo "FAIL: no plain twin of $zseg"; exit 1; }

# Records in a segment file as -verify counts them; its exit status too,
# with 3 (intact, but not the end of a closed log: one sealed segment of
# several) read as 0.
count() {
	local out rc=0
	out=$("$SEAUDIT" -verify -fn "$1" 2>"$tmp/err") || rc=$?
	[[ $rc -eq 3 ]] && rc=0
	echo "${out%% *} $rc"
}
read -r total rc < <(count "$zseg")
read -r ptotal prc < <(count "$pseg")
[[ $rc -eq 0 && $prc -eq 0 && $total -eq $ptotal && $total -gt 4000 ]] ||
	{ echo "FAIL: intact segments: $total ($rc) compressed, $ptotal ($prc) plain"; exit 1; }

# The zstd tool reads it, and gets a plain segment with the same records.
zstd -q -t "$zseg" || { echo "FAIL: zstd -t refuses $zseg"; fail=1; }
zstd -q -dc "$zseg" >"$tmp/unz.seg"
read -r n rc < <(count "$tmp/unz.seg")
[[ $n -eq $total && $rc -eq 0 ]] ||
	{ echo "FAIL: zstd -d gave a segment of $n records ($rc)"; fail=1; }

# 50 zero bytes in the middle of each.
zero_middle() {
	local size
	size=$(stat -c %s "$1")
	dd if=/dev/zero of="$1" bs=1 count=50 seek=$((size / 2)) conv=notrunc 2>/dev/null
}
cp "$zseg" "$tmp/dz.seg.zst"
cp "$pseg" "$tmp/dp.seg"
zero_middle "$tmp/dz.seg.zst"
zero_middle "$tmp/dp.seg"
read -r zn zrc < <(count "$tmp/dz.seg.zst")
grep -q "dz.seg.zst" "$tmp/err" || { echo "FAIL: compressed damage not reported:"; cat "$tmp/err"; fail=1; }
read -r pn prc < <(count "$tmp/dp.seg")
zlost=$((total - zn)) plost=$((total - pn))
echo "50 zeroed bytes: plain segment lost $plost of $total records, compressed lost $zlost"
[[ $zrc -eq 1 && $prc -eq 1 ]] || { echo "FAIL: exit $zrc / $prc with damage"; fail=1; }
[[ $plost -le 3 ]] || { echo "FAIL: the plain segment lost $plost records"; fail=1; }
[[ $zlost -ge 1 && $zlost -le 300 ]] ||
	{ echo "FAIL: the compressed segment lost $zlost records (at most 300 expected)"; fail=1; }

# Cut to half its size.
size=$(stat -c %s "$zseg")
head -c $((size / 2)) "$zseg" >"$tmp/half.seg.zst"
read -r hn hrc < <(count "$tmp/half.seg.zst")
echo "cut to half: $hn of $total records readable"
[[ $hrc -eq 1 ]] || { echo "FAIL: exit $hrc for a cut segment"; fail=1; }
grep -q "truncated" "$tmp/err" || { echo "FAIL: the cut is not reported:"; cat "$tmp/err"; fail=1; }
[[ $hn -ge $((total * 2 / 5)) ]] ||
	{ echo "FAIL: only $hn of $total records read from the first half"; fail=1; }

[[ $fail -eq 0 ]] && echo "1 passed, 0 failed"
exit $fail
