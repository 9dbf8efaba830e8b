#!/usr/bin/env bash
# daemon-sample-configuration-names-every-key: docs/examples/seauditd.ini
# (installed as an example) holds every key the daemon knows, each with
# its true default: the keys of the daemon's table (daemons/seauditd/conf.c), of
# seauditd.ini(5) and of the sample are the same set; the sample is
# accepted as shipped (all commented out) and with every key uncommented;
# and a daemon run on the uncommented sample reports the same settings
# (-status) as one run on the embedded defaults.
set -euo pipefail

: "${SA_SRC:?}" "${SEAUDIT:?}"
if [[ -z "${SEAUDITD:-}" ]]; then echo "seauditd not built: skipped"; exit 0; fi
tmp=$(mktemp -d)
pids=()
# The daemons are stopped and waited for before their files are removed.
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$tmp" || true' EXIT
fail=0
sample="$SA_SRC/docs/examples/seauditd.ini"

tr -d ' \t\n' <"$SA_SRC/daemons/seauditd/conf.c" | grep -o '\[K_[A-Z_]*\]={"[a-z]*","[A-Za-z_]*"' |
	sed 's/.*,"\([A-Za-z_]*\)"$/\1/' | sort >"$tmp/code"
sed -n 's/^\.B[IR] \([A-Za-z_]*\) " = ".*/\1/p' "$SA_SRC/docs/man/seauditd.ini.5" | sort -u >"$tmp/man"
sed -n 's/^;\([A-Za-z_]*\) =.*/\1/p' "$sample" | sort >"$tmp/sample"
[[ $(wc -l <"$tmp/code") -ge 25 ]] || { echo "FAIL: setup: found $(wc -l <"$tmp/code") keys in conf.c"; exit 1; }
diff -u "$tmp/code" "$tmp/man" >"$tmp/d1" || { echo "FAIL: keys of the code and of seauditd.ini(5) differ:"; cat "$tmp/d1"; fail=1; }
diff -u "$tmp/code" "$tmp/sample" >"$tmp/d2" || { echo "FAIL: keys of the code and of the sample differ:"; cat "$tmp/d2"; fail=1; }

"$SEAUDITD" -n -f "$sample" >/dev/null 2>"$tmp/err" || { echo "FAIL: the sample as shipped:"; cat "$tmp/err"; fail=1; }
sed 's/^;\([A-Za-z_]* =\)/\1/' "$sample" >"$tmp/all.ini"
"$SEAUDITD" -n -f "$tmp/all.ini" >/dev/null 2>"$tmp/err" || { echo "FAIL: the sample uncommented:"; cat "$tmp/err"; fail=1; }

# The same settings as the embedded defaults: both daemons on paths of
# the test's own (the one thing changed in the sample).
sed -e "s#^audit_log = .*#audit_log = $tmp/log1#" -e "s#^socket = .*#socket = $tmp/s1.sock#" \
	"$tmp/all.ini" >"$tmp/one.ini"
printf '[logmgr]\naudit_log = %s/log2\n[seauditd]\nsocket = %s/s2.sock\n' "$tmp" "$tmp" >"$tmp/two.ini"
for n in one two; do
	"$SEAUDITD" -d -f "$tmp/$n.ini" 2>"$tmp/$n.err" &
	pids+=($!)
done
keys='^(sync|disk_full_action|reserve_bytes|reserved_events|max_frame_bytes|max_record_bytes|max_batch|max_clients|max_clients_per_uid|reserved_clients|idle_timeout_s)='
for n in 1 2; do
	for _ in $(seq 200); do
		"$SEAUDIT" -status -socket "$tmp/s$n.sock" >"$tmp/st$n" 2>/dev/null && break
		sleep 0.05
	done
	grep -E "$keys" "$tmp/st$n" | sort >"$tmp/k$n" || true
done
[[ $(wc -l <"$tmp/k1") -eq 11 ]] || { echo "FAIL: setup: status of the sample's daemon:"; cat "$tmp/st1" "$tmp/one.err"; fail=1; }
diff -u "$tmp/k2" "$tmp/k1" >"$tmp/d3" || { echo "FAIL: the sample's values are not the defaults:"; cat "$tmp/d3"; fail=1; }

[[ $fail -eq 0 ]] && echo "the sample names every key ($(wc -l <"$tmp/code")) with its default"
exit "$fail"
