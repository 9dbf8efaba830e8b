#!/usr/bin/env bash
# bench/run-daemon.sh - the one-run benchmark of the writer daemon (issue 3,
# docs/performance.md "Writer daemon"): seauditd with sync = batch beside
# rsyslog receiving the same records as syslog messages on a Unix datagram
# socket and writing them to a file.
#
#   bench/run-daemon.sh [-t SECS] [-w WORKDIR] [-k] [-x] [BUILD_DIR]
#
#   -t  seconds per cell (default 8)
#   -w  scratch directory on the disk being measured (default
#       /var/tmp/seaudit-daemon-bench; not a tmpfs: it holds the logs)
#   -k  keep the scratch directory afterwards
#   -x  skip the extra pipelined rows
#   BUILD_DIR  a configured and built tree (default build/release); nothing
#       is built here.
#
# The matrix: {1, 4, 16} producer processes x {record by record: one record
# per frame, blocking for its acknowledgement; batch: one frame of 100
# records, blocking for its acknowledgement}, each cell against seauditd,
# then rsyslog with its default imuxsock settings, then rsyslog with
# imuxsock rate limiting explicitly off, one after the other.  Then, unless
# -x, pipelined rows against seauditd (several frames in flight per
# producer), reported apart.  The disk is probed (append + fdatasync)
# before and after the matrix.
#
# Both daemons run as direct children with their own configuration in the
# scratch directory and are stopped by pid; nothing else on the system is
# touched.  rsyslogd is installed (apt-get install -y rsyslog) when
# missing, since this is run by hand.  Results go to stdout and to
# bench/out/daemon-results-<UTC date>.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
SECS=8
WORK=/var/tmp/seaudit-daemon-bench
KEEP=0
EXTRA=1
while getopts "t:w:kxh" o; do
	case $o in
	t) SECS=$OPTARG ;;
	w) WORK=$OPTARG ;;
	k) KEEP=1 ;;
	x) EXTRA=0 ;;
	*) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
BUILD=${1:-$top/build/release}
BUILD=$(cd "$BUILD" && pwd)
DAEMON=$BUILD/daemons/seauditd
DB=$BUILD/bench/sa-daemon-bench
GEN=$BUILD/bench/sa-gen
for x in "$DAEMON" "$DB" "$GEN"; do
	[ -x "$x" ] || { echo "run-daemon.sh: $x missing: build $BUILD first" >&2; exit 1; }
done
if ! command -v rsyslogd >/dev/null; then
	echo "run-daemon.sh: rsyslogd missing: apt-get install -y rsyslog" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rsyslog >&2
fi
RSYSLOGD=$(command -v rsyslogd)

export LC_ALL=C
STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
OUTDIR=$here/out
mkdir -p "$OUTDIR"
RES=$OUTDIR/daemon-results-$STAMP.md
rm -rf "$WORK"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
fstype=$(df -T "$WORK" | awk 'NR == 2 { print $2 " on " $1 }')
case $fstype in tmpfs*) echo "run-daemon.sh: $WORK is on tmpfs: pick a disk with -w" >&2; exit 1 ;; esac

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	[ "$KEEP" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT

# waitsock PATH PID NAME: until the socket exists (the process alive).
waitsock() {
	local _
	for _ in $(seq 1 200); do
		[ -S "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || { echo "run-daemon.sh: $3 exited during start-up" >&2; exit 1; }
		sleep 0.05
	done
	echo "run-daemon.sh: $3 did not create $1" >&2
	exit 1
}

# ------------------------------------------------------------ records
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
log "records: sa-gen -s 1 -n 65536 -o json"
"$GEN" -s 1 -n 65536 -o json >"$WORK/pool.jsonl" 2>/dev/null
POOL=$WORK/pool.jsonl

# ------------------------------------------------------------ disk probe
log "disk probe (before)"
mkdir -p "$WORK/probe"
"$DB" -F "$WORK/probe" -n 1000 >"$WORK/probe-before.txt"
cat "$WORK/probe-before.txt" >&2

# ------------------------------------------------------------ seauditd
mkdir -p "$WORK/seaudit"
SA_SOCK=$WORK/seaudit/seauditd.sock
cat >"$WORK/seaudit/seauditd.ini" <<EOF
[logmgr]
audit_log = $WORK/seaudit/log
[seauditd]
socket = $SA_SOCK
sync = batch
EOF
"$DAEMON" -d -f "$WORK/seaudit/seauditd.ini" 2>"$WORK/seaudit/seauditd.err" &
SA_PID=$!
PIDS+=("$SA_PID")
waitsock "$SA_SOCK" "$SA_PID" seauditd
log "seauditd pid $SA_PID, log $WORK/seaudit/log"

# ------------------------------------------------------------ rsyslog x2
# rs_start NAME MODULE_PARAMS INPUT_PARAMS: an instance in $WORK/NAME
# whose imuxsock input writes to $WORK/NAME/out.log (its own ruleset, so
# rsyslog's own messages go to internal.log and are not counted).
rs_start() {
	local d=$WORK/$1
	mkdir -p "$d"
	cat >"$d/rsyslog.conf" <<EOF
global(workDirectory="$d")
module(load="imuxsock" SysSock.Use="off"$2)
input(type="imuxsock" Socket="$d/sock" CreatePath="on" ruleset="bench"$3)
ruleset(name="bench") {
	action(type="omfile" file="$d/out.log")
}
*.* action(type="omfile" file="$d/internal.log")
EOF
	"$RSYSLOGD" -N1 -f "$d/rsyslog.conf" >"$d/check.txt" 2>&1 ||
		{ cat "$d/check.txt" >&2; exit 1; }
	"$RSYSLOGD" -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid" 2>"$d/rsyslogd.err" &
	RS_PID=$!
	PIDS+=("$RS_PID")
	waitsock "$d/sock" "$RS_PID" "rsyslogd ($1)"
}
rs_start rsyslog-default "" ""
RSD_PID=$RS_PID
rs_start rsyslog-nolimit ' SysSock.RateLimit.Interval="0"' ' RateLimit.Interval="0"'
RSN_PID=$RS_PID
RS_VERSION=$("$RSYSLOGD" -v | head -n1 | awk '{ print $1, $2 }')
log "rsyslogd pids $RSD_PID (default) $RSN_PID (rate limiting off); $RS_VERSION"

# ------------------------------------------------------------ the matrix
RAW=$WORK/raw.txt
: >"$RAW"
# kv LINE KEY
kv() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1; }
run() { # tag args...
	local tag=$1
	shift
	local line
	line=$("$DB" -i "$POOL" -t "$SECS" "$@")
	printf '%s %s\n' "$tag" "$line" >>"$RAW"
	printf '%s %s\n' "$tag" "$line" >&2
}
for P in 1 4 16; do
	for B in 1 100; do
		log "cell: $P producers, batch $B"
		run "cell=$P/$B" -S "$SA_SOCK" -P "$SA_PID" -p "$P" -b "$B"
		run "cell=$P/$B" -R "$WORK/rsyslog-default/sock" \
			-o "$WORK/rsyslog-default/out.log" -L default \
			-P "$RSD_PID" -p "$P" -b "$B" -T 60
		run "cell=$P/$B" -R "$WORK/rsyslog-nolimit/sock" \
			-o "$WORK/rsyslog-nolimit/out.log" -L nolimit \
			-P "$RSN_PID" -p "$P" -b "$B" -T 60
	done
done
if [ "$EXTRA" = 1 ]; then
	log "pipelined rows"
	run "pipe=1/1/256" -S "$SA_SOCK" -P "$SA_PID" -p 1 -b 1 -w 256
	run "pipe=16/1/64" -S "$SA_SOCK" -P "$SA_PID" -p 16 -b 1 -w 64
	run "pipe=16/100/4" -S "$SA_SOCK" -P "$SA_PID" -p 16 -b 100 -w 4
fi

log "disk probe (after)"
"$DB" -F "$WORK/probe" -n 1000 >"$WORK/probe-after.txt"
cat "$WORK/probe-after.txt" >&2

# The daemons' own view: rsyslog's complaints, seauditd's warnings.
rs_drops=$(cat "$WORK"/rsyslog-*/internal.log 2>/dev/null | grep -ci 'drop\|rate-limit\|ratelimit' || true)
sa_status=$(grep -ci 'warn\|error\|fail' "$WORK/seaudit/seauditd.err" || true)
sa_bytes=$(du -sb "$WORK/seaudit/log" | cut -f1)

# ------------------------------------------------------------ report
calc() {
	awk "BEGIN { v = $1; f = v >= 100 ? \"%.0f\" : v >= 10 ? \"%.1f\" : v >= 1 ? \"%.2f\" : \"%.3g\"; printf f, v }"
}
ms() { calc "$1 / 1000"; }
# get TAG TARGETPREFIX KEY: from the raw line of that tag and target
get() {
	local l
	l=$(grep -F "$1 target=$2 " "$RAW" | head -n1)
	kv "$l" "$3"
}
pr() { # probe line key
	sed -n "s/.*probe=$2 .*$3=\([^ ]*\).*/\1/p" "$WORK/probe-$1.txt"
}
cpu_model=$(lscpu | sed -n 's/^Model name: *//p' | head -n1)
best_batch=0 best_single=0 worst_p99=0 behind=0 cells=0 p99_ok=0
ROWS=""
for P in 1 4 16; do
	for B in 1 100; do
		c="cell=$P/$B"
		mode=$([ "$B" = 1 ] && echo "record by record" || echo "batch of 100")
		s_rps=$(get "$c" seaudit rps)
		s_p50=$(get "$c" seaudit p50_us)
		s_p99=$(get "$c" seaudit p99_us)
		s_max=$(get "$c" seaudit max_us)
		s_rpc=$(get "$c" seaudit rec_per_commit)
		s_cpu=$(get "$c" seaudit daemon_cpu_pct)
		s_err=$(get "$c" seaudit errors)
		s_host=$(get "$c" seaudit host_busy_pct)
		d_rps=$(get "$c" rsyslog-default rps)
		d_lost=$(get "$c" rsyslog-default lost)
		d_cpu=$(get "$c" rsyslog-default daemon_cpu_pct)
		n_rps=$(get "$c" rsyslog-nolimit rps)
		n_lost=$(get "$c" rsyslog-nolimit lost)
		n_cpu=$(get "$c" rsyslog-nolimit daemon_cpu_pct)
		r_best=$(awk -v a="$d_rps" -v b="$n_rps" 'BEGIN { print (a > b ? a : b) }')
		ratio=$(calc "$s_rps / ($r_best > 0 ? $r_best : 1)")
		cells=$((cells + 1))
		awk -v r="$ratio" 'BEGIN { exit !(r < 1) }' && behind=$((behind + 1))
		if [ "$B" = 1 ]; then
			best_single=$(awk -v a="$best_single" -v b="$s_rps" 'BEGIN { print (b > a ? b : a) }')
		else
			best_batch=$(awk -v a="$best_batch" -v b="$s_rps" 'BEGIN { print (b > a ? b : a) }')
		fi
		worst_p99=$(awk -v a="$worst_p99" -v b="$s_p99" 'BEGIN { print (b > a ? b : a) }')
		awk -v v="$s_p99" 'BEGIN { exit !(v < 5000) }' && p99_ok=$((p99_ok + 1))
		s_cpr=$(calc "$s_cpu * 10000 / ($s_rps > 0 ? $s_rps : 1)")
		ROWS+="| $P | $mode | $s_rps | $(ms "$s_p50") | $(ms "$s_p99") | $(ms "$s_max") | $s_rpc | $s_cpu % ($s_cpr µs/rec) | $s_err | $d_rps (lost $d_lost, $d_cpu % CPU) | $n_rps (lost $n_lost, $n_cpu % CPU) | **$ratio** | $s_host % |"$'\n'
	done
done
PROWS=""
if [ "$EXTRA" = 1 ]; then
	for t in pipe=1/1/256 pipe=16/1/64 pipe=16/100/4; do
		IFS=/ read -r P B W <<<"${t#pipe=}"
		l=$(grep -F "$t " "$RAW" | head -n1)
		p_rps=$(kv "$l" rps)
		p_cpu=$(kv "$l" daemon_cpu_pct)
		PROWS+="| $P | $B | $W | $p_rps | $(ms "$(kv "$l" p50_us)") | $(ms "$(kv "$l" p99_us)") | $(ms "$(kv "$l" max_us)") | $(kv "$l" rec_per_commit) | $p_cpu % ($(calc "$p_cpu * 10000 / ($p_rps > 0 ? $p_rps : 1)") µs/rec) | $(kv "$l" errors) |"$'\n'
	done
fi
yn() { awk "BEGIN { print ($1) ? \"yes\" : \"no\" }"; }
{
cat <<EOF
# seauditd benchmark results, $STAMP

Command: \`bench/run-daemon.sh -t $SECS $BUILD\`

Machine: $cpu_model, $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM,
Linux $(uname -r); scratch directory on $fstype ($WORK).
Load average at the start: $LOAD0, at the end: $(cut -d' ' -f1-3 /proc/loadavg) (shared machine: other
people's builds and tests run beside the benchmark; "host busy" below is the share
of all cores busy during the seaudit cell, anyone's work).
seaudit $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?'); $RS_VERSION.
Each cell runs $SECS s; producers are separate processes (fork), each with
its own connection; records are sa-gen's (seed 1, a pool of 65536, ~300 bytes
of JSON each), stamped with the current time at each send.

seauditd: \`sync = batch\` (an acknowledgement is sent only after the
fdatasync of the group commit holding the frame), every other setting its
default (10 MiB segments, sealed segments zstd-compressed in the background).
rsyslog: imuxsock on a Unix datagram socket, one datagram per record
("<86>Mmm dd hh:mm:ss seaudit[PID]: " + the record's JSON; batches go out with
one sendmmsg of 100), omfile to a plain file with its defaults: **rsyslog
never calls fsync**; its figure is records that reached the file (page
cache) over the time until the file held all of them; "lost" counts records
sent but not in the file.

## Disk: append + fdatasync on this file system

| Probe | before: mean µs | p50 µs | p99 µs | after: mean µs | p50 µs | p99 µs |
|---|---:|---:|---:|---:|---:|---:|
| append 256 B + fdatasync | $(pr before append mean_us) | $(pr before append p50_us) | $(pr before append p99_us) | $(pr after append mean_us) | $(pr after append p50_us) | $(pr after append p99_us) |
| 100 appends + one fdatasync | $(pr before append-100 mean_us) | $(pr before append-100 p50_us) | $(pr before append-100 p99_us) | $(pr after append-100 mean_us) | $(pr after append-100 p50_us) | $(pr after append-100 p99_us) |
| overwrite 256 B in place + fdatasync | $(pr before overwrite mean_us) | $(pr before overwrite p50_us) | $(pr before overwrite p99_us) | $(pr after overwrite mean_us) | $(pr after overwrite p50_us) | $(pr after overwrite p99_us) |

## Durable records per second and acknowledgement latency

| Producers | Mode | seaudit rec/s (durable) | p50 ms | p99 ms | max ms | records per group commit | seauditd CPU (of one core) | errors | rsyslog rec/s, default imuxsock | rsyslog rec/s, rate limiting off | seaudit / best rsyslog | host busy |
|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|
$ROWS
Latency is per acknowledgement (one record, or one frame of 100), from the
frame handed to the client library to its acknowledgement read back.
rsyslog sends no acknowledgement, so it has no latency column; the raw lines
below give its send-call times.  rsyslog's internal log mentions dropping or
rate limiting $rs_drops times; seauditd logged $sa_status warnings; the
seaudit log holds $sa_bytes bytes at the end.
EOF
if [ "$EXTRA" = 1 ]; then
cat <<EOF

## Pipelined producers (seauditd only, reported apart)

Each producer keeps up to W frames in flight (sa_client_send / flush / poll),
so its records are acknowledged in order without waiting for each one.

| Producers | Records per frame | Window W | rec/s (durable) | p50 ms | p99 ms | max ms | records per group commit | seauditd CPU | errors |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
$PROWS
EOF
fi
cat <<EOF

## Against the aims (this run)

| Aim | Target | Measured | Met |
|---|---|---|---|
| batches of 100 | >= 1,000,000 rec/s | best $best_batch rec/s | $(yn "$best_batch >= 1000000") |
| record by record | >= 150,000 rec/s | best $best_single rec/s | $(yn "$best_single >= 150000") |
| p99 acknowledgement | < 5 ms in every cell | under 5 ms in $p99_ok of $cells cells; worst $(ms "$worst_p99") ms | $(yn "$worst_p99 < 5000") |
| ahead of rsyslog | every cell | behind in $behind of $cells cells | $(yn "$behind == 0") |

## Raw lines

\`\`\`
$(cat "$WORK/probe-before.txt")
$(cat "$RAW")
$(cat "$WORK/probe-after.txt")
\`\`\`
EOF
} | tee "$RES"
log "results in $RES"
