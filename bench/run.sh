#!/usr/bin/env bash
# bench/run.sh - the one-run benchmark of docs/performance.md: seaudit beside
# ausearch (Linux audit text) and grep (JSON Lines) over the same events.
#
#   bench/run.sh [-n RECORDS] [-A AUSEARCH_EVENTS] [-s SEED] [-u RANK]
#                [-c CPU] [-w WORKDIR] [-k] [BUILD_DIR]
#
#   -n  records to generate (default 10000000)
#   -A  events given to the slow ausearch runs (ausearch -i and the user
#       query): a prefix of the same events, the rate scaled (default 1000000)
#   -s  generator seed (default 1)
#   -u  the queried user: rank by activity in the generated population
#       (default 5)
#   -c  the CPU every measured command is pinned to (default 1)
#   -w  scratch directory for the logs (default $TMPDIR/seaudit-bench; needs
#       about 1.6 KB per record: 16 GB for 10 million)
#   -k  keep the scratch directory afterwards
#   BUILD_DIR  a configured and built tree (default build/release); nothing
#       is built here.
#
# Everything is measured in this one run, with the same machine state, one
# command after the other on one pinned core, TZ=UTC and LC_ALL=C for every
# tool.  Results (absolute figures and ratios) go to stdout and to
# bench/out/results-<UTC date>.md.  Needs: ausearch (Debian package
# auditd), hyperfine, taskset, GNU date, awk, jq.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
N=10000000
AN=1000000
SEED=1
RANK=5
CPU=1
WORK=${TMPDIR:-/tmp}/seaudit-bench
KEEP=0
while getopts "n:A:s:u:c:w:kh" o; do
	case $o in
	n) N=$OPTARG ;;
	A) AN=$OPTARG ;;
	s) SEED=$OPTARG ;;
	u) RANK=$OPTARG ;;
	c) CPU=$OPTARG ;;
	w) WORK=$OPTARG ;;
	k) KEEP=1 ;;
	*) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
BUILD=${1:-$top/build/release}
[ -d "$BUILD" ] || { echo "run.sh: no build in $BUILD: cmake --workflow --preset release" >&2; exit 1; }
BUILD=$(cd "$BUILD" && pwd)
GEN=$BUILD/bench/sa-gen
SAB=$BUILD/bench/sa-bench
SEA=$BUILD/tools/seaudit
for x in "$GEN" "$SAB" "$SEA"; do
	[ -x "$x" ] || { echo "run.sh: $x missing: build $BUILD first" >&2; exit 1; }
done
for c in ausearch hyperfine taskset jq awk; do
	command -v $c >/dev/null || { echo "run.sh: $c not found (apt-get install -y auditd hyperfine jq)" >&2; exit 1; }
done
[ "$AN" -le "$N" ] || AN=$N

export TZ=UTC LC_ALL=C
PIN="taskset -c $CPU"
STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
OUTDIR=$here/out
mkdir -p "$OUTDIR"
RES=$OUTDIR/results-$STAMP.md
rm -rf "$WORK"
mkdir -p "$WORK"
[ "$KEEP" = 1 ] || trap 'rm -rf "$WORK"' EXIT

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# secs CMD...: runs the shell command string on the pinned core, sets T (s).
secs() {
	local t0 t1
	t0=$(date +%s%N)
	eval "$PIN $1"
	t1=$(date +%s%N)
	T=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
}
# calc EXPR: awk arithmetic, printed with up to 3 significant decimals.
calc() {
	awk "BEGIN { v = $1; f = v >= 100 ? \"%.0f\" : v >= 10 ? \"%.1f\" : v >= 1 ? \"%.2f\" : \"%.3g\"; printf f, v }"
}
# kv FILE KEY: value of KEY=value in FILE
kv() { sed -n "s/^$2=//p" "$1" | head -n1; }
# fsize FILE...: total bytes
fsize() { cat "$@" | wc -c; }
segbytes() { find "$1" -name '*.seg*' -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }

log "N=$N ausearch prefix=$AN seed=$SEED cpu=$CPU build=$BUILD work=$WORK"

# ---------------------------------------------------------------- generate
G="$GEN -s $SEED -n $N"
log "generation only (sa-gen -o null)"
secs "$G -o null 2>$WORK/gen-null.txt"
t_null=$T
log "seaudit log (sa-gen -o log)"
secs "$G -o log -d $WORK/log 2>$WORK/gen-log.txt"
t_log=$T
log "seaudit log, sealed segments zstd (sa-gen -o log -z)"
secs "$G -o log -z -d $WORK/logz 2>$WORK/gen-logz.txt"
t_logz=$T
log "JSON Lines (sa-gen -o json)"
secs "$G -o json >$WORK/audit.jsonl 2>$WORK/gen-json.txt"
t_json=$T
log "Linux audit text (sa-gen -o linux-audit)"
secs "$G -o linux-audit >$WORK/audit.log 2>$WORK/gen-lx.txt"
t_lx=$T
log "Linux audit prefix of $AN events for the slow ausearch runs"
$GEN -s $SEED -n $AN -o linux-audit >$WORK/audit-prefix.log 2>/dev/null
raw_prefix=$($GEN -s $SEED -n $AN -R -o linux-audit 2>/dev/null | wc -c)
sync
gl() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$WORK/$1"; }
w_log=$(gl gen-log.txt output_s)
w_logz=$(gl gen-logz.txt output_s)
w_json=$(gl gen-json.txt output_s)
w_lx=$(gl gen-lx.txt output_s)
first=$(gl gen-log.txt first)
last=$(gl gen-log.txt last)

# ---------------------------------------------------------------- sizes
b_log=$(segbytes "$WORK/log")
b_logz=$(segbytes "$WORK/logz")
# Sealed (compressed) part of the zstd log: the active segment stays plain;
# segment files are named by their first sequence number in hex.
active=$(find "$WORK/logz" -name '*.seg' -type f -printf '%f\n' | sort | tail -n1)
if [ -n "$active" ]; then
	n_sealed=$(( 16#${active%%.*} - 1 ))
else
	n_sealed=$N
fi
b_sealed=$(find "$WORK/logz" -name '*.zst' -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
b_json=$(fsize "$WORK/audit.jsonl")
b_lx=$(fsize "$WORK/audit.log")
b_lxp=$(fsize "$WORK/audit-prefix.log")
b_json_p=$(head -n "$AN" "$WORK/audit.jsonl" | wc -c)

# ---------------------------------------------------------------- the user
read -r _ USER_NAME USER_UID _ < <($GEN -s $SEED -o users | sed -n "${RANK}p")
log "queried user: $USER_NAME (uid $USER_UID, activity rank $RANK)"

# ---------------------------------------------------------------- window
f_s=$(date -u -d "$first" +%s)
l_s=$(date -u -d "$last" +%s)
W0=$(( (f_s + l_s) / 2 / 60 * 60 ))
W1=$(( W0 + 60 ))
W_since=$(date -u -d "@$W0" +%Y-%m-%dT%H:%M:%SZ)
W_until=$(date -u -d "@$W1" +%Y-%m-%dT%H:%M:%SZ)
W_grep=$(date -u -d "@$W0" +%Y-%m-%dT%H:%M:)
A_ts="$(date -u -d "@$W0" '+%m/%d/%y %H:%M:%S')"
A_te="$(date -u -d "@$((W1 - 1))" '+%m/%d/%y %H:%M:%S')"
log "window [$W_since, $W_until)"

# ---------------------------------------------------------------- (b) print
log "print: seaudit -a"
secs "$SEA -a -fn $WORK/log >/dev/null"
t_pr=$T
n_pr=$($SEA -a -fn "$WORK/log" | wc -l)
log "print: seaudit -a over zstd-sealed segments"
secs "$SEA -a -fn $WORK/logz >/dev/null"
t_prz=$T
log "print: ausearch -i over $AN events"
secs "ausearch -i -if $WORK/audit-prefix.log >/dev/null"
t_au_pr=$T

# ---------------------------------------------------------------- (c) json
log "json: seaudit -a -json"
secs "$SEA -a -json -fn $WORK/log >/dev/null"
t_js=$T

# ---------------------------------------------------------------- (d) filter
log "filter: seaudit -r FILE '*' $USER_NAME -status D"
secs "$SEA -r FILE '*' $USER_NAME -status D -fn $WORK/log >/dev/null"
t_fi=$T
n_fi=$($SEA -r FILE '*' "$USER_NAME" -status D -fn "$WORK/log" | wc -l)
log "filter: grep over JSON Lines"
GREPQ="grep -F '\"user\":\"$USER_NAME\"' $WORK/audit.jsonl | grep -F '\"status\":\"D\"' | grep -F '\"class\":\"FILE\"' | grep -F '\"event\":\"resource\"'"
secs "sh -c \"\$GREPQ\" >/dev/null"
t_gr_fi=$T
n_gr_fi=$(eval "$GREPQ" | wc -l)
log "filter: ausearch -ua $USER_UID --success no -e -13 -k file over $AN events"
AUQ="ausearch -if $WORK/audit-prefix.log -ua $USER_UID --success no -e -13 -k file"
secs "$AUQ >$WORK/au-filter.txt 2>/dev/null || true"
t_au_fi=$T
n_au_fi=$(grep -c '^type=SYSCALL' "$WORK/au-filter.txt" || true)
AUQ2="ausearch -if $WORK/audit-prefix.log --success no -e -13 -k file"
log "filter: the same without -ua (every user) over $AN events"
secs "$AUQ2 >/dev/null 2>&1 || true"
t_au_fi2=$T
n_au_fi_exp=$(head -n "$AN" "$WORK/audit.jsonl" | grep -F "\"user\":\"$USER_NAME\"" | grep -F '"status":"D"' | grep -F '"class":"FILE"' | grep -cF '"event":"resource"' || true)

# ---------------------------------------------------------------- (e) window
log "window: seaudit -a -since -until (hyperfine)"
WQ="$SEA -a -since $W_since -until $W_until -fn $WORK/log"
n_win=$($WQ | wc -l)
$PIN hyperfine -N --warmup 3 --runs 30 --export-json "$WORK/hf.json" \
	"$WQ" "$SEA -t" >/dev/null 2>&1
hf_win=$(jq '.results[0].mean' "$WORK/hf.json")
hf_win_sd=$(jq '.results[0].stddev' "$WORK/hf.json")
hf_nop=$(jq '.results[1].mean' "$WORK/hf.json")
log "window: ausearch -ts -te over all $N events"
secs "ausearch -if $WORK/audit.log -ts $A_ts -te $A_te >$WORK/au-window.txt 2>/dev/null || true"
t_au_win=$T
n_au_win=$(grep -c '^----' "$WORK/au-window.txt" || true)
log "window: grep over JSON Lines"
secs "grep -F '\"time\":\"$W_grep' $WORK/audit.jsonl >/dev/null"
t_gr_win=$T
grep -F "\"time\":\"$W_grep" "$WORK/audit.jsonl" >"$WORK/win.jsonl" || true
n_gr_win=$(wc -l <"$WORK/win.jsonl")
n_gr_win_a=$(grep -vF '"event":"trace"' "$WORK/win.jsonl" | grep -cvF '"port":' || true)

# ---------------------------------------------------------------- in-process
log "in-process: sa-bench (read, line, json, filter, 1000 windows)"
$PIN "$SAB" -fn "$WORK/log" -u "$USER_NAME" -k 1000 >"$WORK/sab.txt"
$PIN "$SAB" -fn "$WORK/logz" -u "$USER_NAME" -k 1000 -p read,seek >"$WORK/sabz.txt"
S() { kv "$WORK/sab.txt" "$1"; }
SZ() { kv "$WORK/sabz.txt" "$1"; }

# ---------------------------------------------------------------- report
scale=$(calc "$N / $AN")
r_pr=$(calc "$n_pr / $t_pr")
r_prz=$(calc "$n_pr / $t_prz")
r_au_pr=$(calc "$AN / $t_au_pr")
r_js=$(calc "$n_pr / $t_js")
g_fi=$(calc "$b_log / $t_fi / 1e9")
r_fi=$(calc "$N / $t_fi")
r_au_fi=$(calc "$AN / $t_au_fi")
t_au_fi_full=$(calc "$t_au_fi * $N / $AN")
t_au_pr_full=$(calc "$t_au_pr * $N / $AN")
g_gr=$(calc "$b_json / $t_gr_fi / 1e9")
win_ms=$(calc "$hf_win * 1000")
win_sd_ms=$(calc "$hf_win_sd * 1000")
nop_ms=$(calc "$hf_nop * 1000")
win_net_ms=$(calc "($hf_win - $hf_nop) * 1000")
cpu_model=$(lscpu | sed -n 's/^Model name: *//p' | head -n1)
{
cat <<EOF
# seaudit benchmark results, $STAMP

Command: \`bench/run.sh -n $N -A $AN -s $SEED -u $RANK -c $CPU $BUILD\`

Machine: $cpu_model, $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM,
Linux $(uname -r); every measured command pinned with \`taskset -c $CPU\` (one core),
TZ=UTC, LC_ALL=C. $(ausearch -v 2>&1 | head -n1); seaudit $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?').
Records: $N (seed $SEED), times $first .. $last.
Queried user: \`$USER_NAME\` (uid $USER_UID). Window: [$W_since, $W_until).
ausearch -i and the ausearch user query ran on the first $AN events (same
events, a prefix); their rates are per event and the whole-log times are
scaled by $scale.

## Write

| Output | Wall s (incl. generation) | Output-only s | Records/s (output only) | Plain seaudit log faster by | Bytes | Bytes/record | Size vs seaudit log |
|---|---:|---:|---:|---:|---:|---:|---:|
| generation only (\`-o null\`) | $t_null | - | - | - | - | - | - |
| seaudit log (sync none, commit/4096) | $t_log | $w_log | $(calc "$N / $w_log") | 1 | $b_log | $(calc "$b_log / $N") | 1 |
| seaudit log, zstd-sealed segments (all files) | $t_logz | $w_logz | $(calc "$N / $w_logz") | $(calc "$w_logz / $w_log") | $b_logz | $(calc "$b_logz / $N") | $(calc "$b_logz / $b_log") |
| the sealed .zst segments alone ($n_sealed records) | - | - | - | - | $b_sealed | $(calc "$b_sealed / ($n_sealed > 0 ? $n_sealed : 1)") | - |
| JSON Lines (sa_format_json) | $t_json | $w_json | $(calc "$N / $w_json") | $(calc "$w_json / $w_log") | $b_json | $(calc "$b_json / $N") | $(calc "$b_json / $b_log") |
| Linux audit text, ENRICHED | $t_lx | $w_lx | $(calc "$N / $w_lx") | $(calc "$w_lx / $w_log") | $b_lx | $(calc "$b_lx / $N") | $(calc "$b_lx / $b_log") |
| Linux audit text, RAW (first $AN) | - | - | - | - | $raw_prefix | $(calc "$raw_prefix / $AN") | $(calc "($raw_prefix / $AN) / ($b_log / $N)") |

The Linux audit text is written by sa-gen's own formatter, not by the
kernel and auditd; its time only says what formatting that much text costs.

## Read and search

| Task | seaudit | Peer | Ratio (seaudit faster by) |
|---|---|---|---:|
| print all, non-detailed | $t_pr s, $r_pr rec/s ($n_pr lines) | ausearch -i: $t_au_pr s for $AN, $r_au_pr ev/s | $(calc "$r_pr / $r_au_pr")x |
| print all, from zstd segments | $t_prz s, $r_prz rec/s | (same ausearch) | $(calc "$r_prz / $r_au_pr")x |
| print all, JSON Lines | $t_js s, $r_js rec/s | - | - |
| denied FILE accesses of $USER_NAME | $t_fi s, $g_fi GB/s of log, $r_fi rec/s, $n_fi found | ausearch -ua: $t_au_fi s for $AN ($r_au_fi ev/s, ~$t_au_fi_full s for all), $n_au_fi found (expected $n_au_fi_exp) | $(calc "$r_fi / $r_au_fi")x |
| same | | ausearch without -ua (every user's denials): $t_au_fi2 s for $AN ($(calc "$AN / $t_au_fi2") ev/s) | $(calc "$r_fi / ($AN / $t_au_fi2)")x |
| same | | grep x4 over JSON: $t_gr_fi s ($g_gr GB/s of JSON), $n_gr_fi found | $(calc "$t_gr_fi / $t_fi")x |
| one-minute window, whole command | $win_ms ms ± $win_sd_ms (startup \`seaudit -t\` $nop_ms ms; net $win_net_ms ms), $n_win records | ausearch -ts/-te over all: $t_au_win s, $n_au_win events | $(calc "$t_au_win / $hf_win")x |
| same | | grep over JSON: $t_gr_win s, $n_gr_win lines ($n_gr_win_a without trace/connected) | $(calc "$t_gr_win / $hf_win")x |

## In-process (sa-bench, library only, no output written)

| Pass over the whole log | Records/s | Log MB/s |
|---|---:|---:|
| read (decode only) | $(S read_rps) | $(S read_log_MBps) |
| read, zstd-sealed segments | $(SZ read_rps) | $(SZ read_log_MBps) |
| render non-detailed lines | $(S line_rps) | $(S line_log_MBps) |
| render JSON | $(S json_rps) | $(S json_log_MBps) |
| filter (denied FILE of $USER_NAME, $(S filter_matched) found) | $(S filter_rps) | $(S filter_log_MBps) |

| One-minute window, 1000 random windows | mean µs | p50 µs | p99 µs |
|---|---:|---:|---:|
| seek + first record (open reader) | $(S seek_found_mean_us) | $(S seek_found_p50_us) | $(S seek_found_p99_us) |
| seek + read the whole window ($(S seek_records_per_window) records) | $(S seek_window_mean_us) | $(S seek_window_p50_us) | $(S seek_window_p99_us) |
| open + seek + first record | $(S seek_open_found_mean_us) | $(S seek_open_found_p50_us) | $(S seek_open_found_p99_us) |
| same, zstd-sealed segments | $(SZ seek_open_found_mean_us) | $(SZ seek_open_found_p50_us) | $(SZ seek_open_found_p99_us) |

## Against the aims (one core)

| Aim | Target | Measured | Met |
|---|---|---|---|
| print non-detailed | >= 3,000,000 rec/s | $r_pr | $(awk -v v="$r_pr" 'BEGIN { print (v >= 3000000 ? "yes" : "no") }') |
| JSON | >= 1,500,000 rec/s | $r_js | $(awk -v v="$r_js" 'BEGIN { print (v >= 1500000 ? "yes" : "no") }') |
| filter | >= 1 GB of log/s | $g_fi GB/s | $(awk -v v="$g_fi" 'BEGIN { print (v >= 1 ? "yes" : "no") }') |
| one-minute window found | < 10 ms | library: open + seek + first record $(S seek_open_found_mean_us) µs mean, p99 $(S seek_open_found_p99_us) µs | $(awk -v v="$(S seek_open_found_p99_us)" 'BEGIN { print (v < 10000 ? "yes" : "no") }') |
| same, the whole \`seaudit -a -since -until\` command | < 10 ms | $win_ms ms ($n_win records printed; startup $nop_ms ms) | $(awk -v v="$win_ms" 'BEGIN { print (v < 10 ? "yes" : "no") }') |
| bytes per record on disk | <= 80 | plain $(calc "$b_log / $N"); zstd log $(calc "$b_logz / $N") (sealed part $(calc "$b_sealed / ($n_sealed > 0 ? $n_sealed : 1)")) | plain $(awk -v v="$b_log" -v n="$N" 'BEGIN { print (v / n <= 80 ? "yes" : "no") }'), zstd log $(awk -v v="$b_logz" -v n="$N" 'BEGIN { print (v / n <= 80 ? "yes" : "no") }') |
EOF
} | tee "$RES"
log "results in $RES"
