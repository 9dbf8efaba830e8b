#!/usr/bin/env bash
# daemon-socket-path-regular-file-kept: only a socket at the "socket ="
# path may be replaced.  A regular file there (a typo, as root) is left
# untouched and the start fails naming it as "a regular file"; a
# directory there fails naming "a directory", not "Address already in
# use"; a stale socket (no listener) is still replaced.
set -euo pipefail

if [[ -z "${SEAUDITD:-}" ]]; then echo "seauditd not built: skipped"; exit 0; fi
tmp=$(mktemp -d)
pid=
trap 'if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$tmp" || true' EXIT
fail=0

conf() {
	cat >"$tmp/d.ini" <<INI
[logmgr]
audit_log = $tmp/log
[seauditd]
socket = $1
INI
}

# A regular file.
echo precious >"$tmp/file"
conf "$tmp/file"
rc=0
timeout 10 "$SEAUDITD" -d -f "$tmp/d.ini" 2>"$tmp/err.file" || rc=$?
[[ $rc -ne 0 ]] || { echo "FAIL: started on a regular file"; fail=1; }
[[ -f "$tmp/file" && $(cat "$tmp/file") == precious ]] ||
	{ echo "FAIL: the regular file at the socket path was removed"; fail=1; }
grep -q "a regular file, not a socket" "$tmp/err.file" ||
	{ echo "FAIL: message does not name the cause:"; cat "$tmp/err.file"; fail=1; }

# A directory.
mkdir "$tmp/dir"
conf "$tmp/dir"
rc=0
timeout 10 "$SEAUDITD" -d -f "$tmp/d.ini" 2>"$tmp/err.dir" || rc=$?
[[ $rc -ne 0 ]] || { echo "FAIL: started on a directory"; fail=1; }
[[ -d "$tmp/dir" ]] || { echo "FAIL: directory removed"; fail=1; }
grep -q "a directory, not a socket" "$tmp/err.dir" ||
	{ echo "FAIL: directory message does not name the cause:"; cat "$tmp/err.dir"; fail=1; }
if grep -q "Address already in use" "$tmp/err.dir"; then
	echo "FAIL: directory reported as Address already in use"; fail=1
fi

# A stale socket: bound by a process that has exited.
python3 - "$tmp/stale" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])
PY
[[ -S "$tmp/stale" ]] || { echo "FAIL: could not make a stale socket"; exit 1; }
conf "$tmp/stale"
"$SEAUDITD" -d -f "$tmp/d.ini" 2>"$tmp/err.stale" &
pid=$!
ok=0
for _ in $(seq 100); do
	if SEAUDIT_SOCKET="$tmp/stale" "$SEAUDIT" -status >/dev/null 2>&1; then ok=1; break; fi
	sleep 0.05
done
[[ $ok -eq 1 ]] || { echo "FAIL: stale socket not replaced"; cat "$tmp/err.stale"; fail=1; }
kill "$pid"; wait "$pid" || true; pid=

exit $fail
