#!/usr/bin/env bash
# bench/run-integrity.sh - what tamper evidence costs and how fast a log is
# proved intact (issue 8, docs/performance.md "Integrity"), in one run:
#
#   bench/run-integrity.sh [-n RECORDS] [-w WORKDIR] [-k] [BUILD_DIR]
#
#   -n  records of the generated log (default 10000000)
#   -w  scratch directory (default /var/tmp/seaudit-integrity-bench)
#   -k  keep it afterwards
#   BUILD_DIR  a configured and built tree (default build/release)
#
# Rows, each measured in this run on this machine, since its load varies:
#  - the writer (sa-gen -o log: sa_writer_append/commit, sync none) without
#    a chain (-u), with the chain and unsigned checkpoints, with signed
#    checkpoints (-K, an evolving key file), alternated three times, the
#    median of each; the ratios to "no chain" are the cost of sealing;
#  - seaudit -verify over the signed log, pinned to one core (taskset),
#    chain only and with -verify-key: log bytes per second;
#  - seauditd with seal = no and with a seal_key, 4 producers sending
#    frames of 100 records for 8 s each (sa-daemon-bench), alternated
#    twice; the ratio is the daemon's cost of sealing.
# Journald's own verification (journalctl --verify) is not run: it needs a
# sealed system journal and its setup (journalctl --setup-keys); the
# figure from the notes it is compared with in docs/performance.md is
# named there.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
N=10000000
WORK=/var/tmp/seaudit-integrity-bench
KEEP=0
while getopts "n:w:kh" o; do
	case $o in
	n) N=$OPTARG ;;
	w) WORK=$OPTARG ;;
	k) KEEP=1 ;;
	*) sed -n '2,12p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
BUILD=$(cd "${1:-$top/build/release}" && pwd)
GEN=$BUILD/bench/sa-gen
SEAUDIT=$BUILD/tools/seaudit
KEYGEN=$BUILD/tools/seaudit-keygen
SEAUDITD=$BUILD/daemons/seauditd
DB=$BUILD/bench/sa-daemon-bench
for b in "$GEN" "$SEAUDIT" "$KEYGEN" "$SEAUDITD" "$DB"; do
	[[ -x $b ]] || { echo "run-integrity: $b not built" >&2; exit 1; }
done
rm -rf "$WORK"
mkdir -p "$WORK"
pid=
cleanup() {
	[[ -n $pid ]] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
	[[ $KEEP -eq 1 ]] || rm -rf "$WORK" || true
}
trap cleanup EXIT
"$KEYGEN" "$WORK/seal.key" >"$WORK/keygen.out"
VK=$(sed -n 's/^verification key: //p' "$WORK/keygen.out")

rps() { sed -n 's/.* out_rps=\([0-9]*\).*/\1/p'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A R
for round in 1 2 3; do
	for mode in none chain signed; do
		d="$WORK/log-$mode"
		rm -rf "$d"
		[[ $mode == signed ]] && { rm -f "$WORK/k$round"; "$KEYGEN" "$WORK/k$round" >/dev/null; }
		case $mode in
		none) args=(-u) ;;
		chain) args=() ;;
		signed) args=(-K "$WORK/k$round") ;;
		esac
		r=$("$GEN" -n "$N" -o log -d "$d" "${args[@]}" 2>&1 | rps)
		R[$mode]+="$r "
	done
done
w_none=$(tr ' ' '\n' <<<"${R[none]}" | grep . | median)
w_chain=$(tr ' ' '\n' <<<"${R[chain]}" | grep . | median)
w_signed=$(tr ' ' '\n' <<<"${R[signed]}" | grep . | median)
# The signed log of the last round, verified with its key.
VKS=$("$KEYGEN" -p "$WORK/k3" | sed -n 's/^verification key: //p')
bytes=$(du -sb "$WORK/log-signed" | cut -f1)
t0=$(date +%s.%N)
taskset -c 0 "$SEAUDIT" -verify -fn "$WORK/log-signed" >"$WORK/v1.out" || true
t1=$(date +%s.%N)
taskset -c 0 "$SEAUDIT" -verify -verify-key "$VKS" -fn "$WORK/log-signed" >"$WORK/v2.out" || true
t2=$(date +%s.%N)
v_chain=$(awk -v b="$bytes" -v a="$t0" -v c="$t1" 'BEGIN {printf "%.0f", b / (c - a) / 1e6}')
v_key=$(awk -v b="$bytes" -v a="$t1" -v c="$t2" 'BEGIN {printf "%.0f", b / (c - a) / 1e6}')
s_chain=$(awk -v a="$t0" -v c="$t1" 'BEGIN {printf "%.2f", c - a}')
s_key=$(awk -v a="$t1" -v c="$t2" 'BEGIN {printf "%.2f", c - a}')

# The daemon, seal = no against a seal_key, alternated.
daemon_rps() {
	local tag=$1 extra=$2 dir="$WORK/d-$1"
	rm -rf "$dir"
	mkdir -p "$dir"
	printf '[logmgr]\naudit_log = %s/log\n[seauditd]\nsocket = %s/sock\ncompress = no\n%s\n' \
		"$dir" "$dir" "$extra" >"$dir/d.ini"
	"$SEAUDITD" -d -f "$dir/d.ini" 2>"$dir/err" &
	pid=$!
	for _ in $(seq 200); do [[ -S $dir/sock ]] && break; sleep 0.05; done
	"$DB" -S "$dir/sock" -p 4 -b 100 -t 8 -P "$pid" 2>/dev/null |
		sed -n 's/.* rps=\([0-9]*\).*/\1/p' | head -n 1
	kill "$pid"; wait "$pid" 2>/dev/null || true
	pid=
}
D_none=""
D_seal=""
for round in 1 2; do
	rm -f "$WORK/dk$round"; "$KEYGEN" "$WORK/dk$round" >/dev/null
	D_none+="$(daemon_rps none "seal = no") "
	D_seal+="$(daemon_rps seal "seal_key = $WORK/dk$round") "
done
d_none=$(tr ' ' '\n' <<<"$D_none" | grep . | median)
d_seal=$(tr ' ' '\n' <<<"$D_seal" | grep . | median)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f%%", 100 * a / b}'; }
out=$(
	cat <<MD
## Integrity ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, N=$N)

| row | figure | against | ratio |
|---|---|---|---|
| writer, no chain (sa-gen -u) | $w_none rec/s | - | - |
| writer, chain, unsigned checkpoints | $w_chain rec/s | no chain | $(ratio "$w_chain" "$w_none") |
| writer, signed checkpoints (evolving key) | $w_signed rec/s | no chain | $(ratio "$w_signed" "$w_none") |
| seaudit -verify, chain only, one core | $v_chain MB/s ($s_chain s for $bytes bytes) | aim 500 MB/s | - |
| seaudit -verify -verify-key, one core | $v_key MB/s ($s_key s) | aim 500 MB/s | - |
| seauditd, seal = no, 4 x 100-record frames | $d_none rec/s | - | - |
| seauditd, seal_key | $d_seal rec/s | seal = no | $(ratio "$d_seal" "$d_none") |

Writer runs (rec/s): none ${R[none]}; chain ${R[chain]}; signed ${R[signed]}.
Daemon runs (rec/s): seal = no $D_none; seal_key $D_seal.
Verify: $(head -n 1 "$WORK/v2.out"); $(sed -n 3p "$WORK/v2.out")
MD
)
echo "$out"
mkdir -p "$here/out"
echo "$out" >"$here/out/integrity-$(date -u +%Y%m%dT%H%M%SZ).md"
