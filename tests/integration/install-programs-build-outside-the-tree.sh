#!/usr/bin/env bash
# install-programs-build-outside-the-tree: "cmake --install" puts the
# library, headers, pkg-config file, programs and man pages under the
# prefix (and under DESTDIR), and a program outside the tree builds
# against the installed library with pkg-config alone (seaudit/api.h):
#  - libseaudit.so.0 (SONAME) and its links, seaudit.pc, every public
#    header with the generated version.h, the three programs, the man
#    pages;
#  - the dynamic symbol table holds sa_* only (the version node SEAUDIT_0
#    aside): no internal helper (sa__*, CRC32C, base64) is exported;
#  - a producer and a reader written here, and examples/producer, built with
#    cc prog.c $(pkg-config --cflags --libs seaudit), submit a record
#    through the installed seauditd (which finds the installed library by
#    its run path) and read it back from the log;
#  - libseaudit needs libc only: the producer, like a PAM module, has no
#    libzstd mapped (it is loaded when a segment is compressed or read);
#  - the headers compile as C++ (extern "C") when a C++ compiler is here;
#  - DESTDIR stages the same tree under another root.
set -euo pipefail

: "${SA_BUILD:?}"
tmp=$(mktemp -d)
pid=
trap 'if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$tmp" || true' EXIT
fail=0
p="$tmp/p"
cmake --install "$SA_BUILD" --prefix "$p" >"$tmp/install.log" 2>&1 ||
	{ echo "FAIL: cmake --install"; cat "$tmp/install.log"; exit 1; }
libdir=$(pkg-config --variable=libdir "$p"/lib*/pkgconfig/seaudit.pc 2>/dev/null || true)
[[ -n "$libdir" && -d "$libdir" ]] || { echo "FAIL: no seaudit.pc under $p"; find "$p"; exit 1; }

for f in "$libdir/libseaudit.so" "$libdir/libseaudit.so.0" \
	"$p/include/seaudit/seaudit.h" "$p/include/seaudit/version.h" \
	"$p/include/seaudit/api.h" "$p/include/seaudit/client.h" \
	"$p/bin/seaudit" "$p/bin/seaudit-submit" "$p/sbin/seauditd" \
	"$p/share/man/man1/seaudit.1" "$p/share/man/man5/seauditd.ini.5" \
	"$p/share/man/man8/seauditd.8" "$p/lib/systemd/system/seauditd.service"; do
	[[ -e "$f" ]] || { echo "FAIL: not installed: ${f#"$p"/}"; fail=1; }
done
grep -qx "ExecStart=$p/sbin/seauditd -d \$SEAUDITD_OPTIONS" "$p/lib/systemd/system/seauditd.service" 2>/dev/null ||
	{ echo "FAIL: the installed unit does not run the installed daemon"; fail=1; }
soname=$(readelf -d "$libdir/libseaudit.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[[ "$soname" == libseaudit.so.0 ]] || { echo "FAIL: SONAME '$soname'"; fail=1; }
# A sanitizer build (the asan preset) links its runtimes, and programs
# built against it need the same -fsanitize.
san=()
needed_ok='libc\.so|ld-linux'
nm -D "$libdir/libseaudit.so" >"$tmp/nm"
if grep -q ' U __asan_' "$tmp/nm"; then
	san=(-fsanitize=address,undefined)
	needed_ok="$needed_ok|libasan|libubsan|libm\.so|libgcc_s|libstdc"
fi
readelf -d "$libdir/libseaudit.so" | grep NEEDED >"$tmp/needed"
if grep -qv -E "$needed_ok" "$tmp/needed"; then
	echo "FAIL: libseaudit needs more than libc (libzstd is loaded on first use):"
	cat "$tmp/needed"
	fail=1
fi

# Exported: sa_* only.
nm -D --defined-only "$libdir/libseaudit.so" | awk '$2 != "A" {print $3}' |
	sed 's/@.*//' >"$tmp/syms"
[[ $(wc -l <"$tmp/syms") -gt 50 ]] || { echo "FAIL: too few symbols exported"; fail=1; }
if grep -v '^sa_' "$tmp/syms" | grep -q . || grep -q -E '^sa__|crc32c|b64' "$tmp/syms"; then
	echo "FAIL: exported outside the public API:"
	grep -v '^sa_' "$tmp/syms" || true
	grep -E '^sa__|crc32c|b64' "$tmp/syms" || true
	fail=1
fi

export PKG_CONFIG_PATH="$libdir/pkgconfig"
cat >"$tmp/producer.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <seaudit/seaudit.h>
int main(int argc, char **argv)
{
	struct sa_client *c;
	struct sa_record r;
	struct sa_proto_ack ack;
	struct sa_proto_err err;
	if (argc != 2 || sa_client_connect(&c, argv[1], 5000) < 0)
		return 2;
	sa_record_init(&r);
	r.event = SA_EV_STARTUP;
	r.status = 'M';
	r.time_us = 1714557600000000;
	sa_record_set_cstr(&r, SA_F_SERVICE, "outside-the-tree");
	int rc = sa_client_submit(c, &r, 1, 5000, &ack, &err);
	sa_client_close(c);
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", sa_strerror(rc), err.message);
		return 1;
	}
	/* A producer (a PAM module) never maps libzstd. */
	char line[512];
	FILE *m = fopen("/proc/self/maps", "r");
	while (m && fgets(line, sizeof line, m))
		if (strstr(line, "libzstd")) {
			printf("libzstd mapped into a producer: %s", line);
			return 1;
		}
	if (m)
		fclose(m);
	printf("seq %llu from libseaudit %s\n", (unsigned long long)ack.first_seq,
	       sa_version());
	return 0;
}
C
cat >"$tmp/reader.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <seaudit/seaudit.h>
static int seg(const char *path, uint64_t first, bool zst, void *arg)
{
	(void)path;
	(void)first;
	(void)zst;
	++*(int *)arg;
	return 0;
}
int main(int argc, char **argv)
{
	struct sa_reader *rd;
	struct sa_record r;
	const char *paths[1] = {argv[1]};
	int n = 0, rc;
	if (argc != 2 || sa_reader_open(&rd, paths, 1, NULL, NULL) < 0)
		return 2;
	while ((rc = sa_reader_next(rd, &r)) == 1)
		if (sa_record_has(&r, SA_F_SERVICE) &&
		    r.str[SA_F_SERVICE].len == 16 &&
		    memcmp(r.str[SA_F_SERVICE].ptr, "outside-the-tree", 16) == 0)
			n++;
	sa_reader_close(rd);
	int segs = 0;
	if (sa_log_segments(argv[1], seg, &segs) < 0)
		return 1;
	printf("%d records in %d segments\n", n, segs);
	return rc < 0 ? 1 : 0;
}
C
cp "${SA_SRC:?}/examples/producer/producer.c" "$tmp/example.c"
for prog in producer reader example; do
	# shellcheck disable=SC2046
	cc -std=c17 -Wall -Wextra -Werror "${san[@]}" "$tmp/$prog.c" -o "$tmp/$prog" \
		$(pkg-config --cflags --libs seaudit) 2>"$tmp/cc.err" ||
		{ echo "FAIL: $prog does not build with pkg-config"; cat "$tmp/cc.err"; fail=1; }
done
if command -v c++ >/dev/null; then
	printf '#include <seaudit/seaudit.h>\nint main() { return sa_version()[0] == 0; }\n' >"$tmp/cxx.cc"
	# shellcheck disable=SC2046
	c++ -Wall -Werror "${san[@]}" "$tmp/cxx.cc" -o "$tmp/cxx" $(pkg-config --cflags --libs seaudit) 2>"$tmp/cxx.err" &&
		LD_LIBRARY_PATH="$libdir" "$tmp/cxx" ||
		{ echo "FAIL: the headers do not serve C++"; cat "$tmp/cxx.err"; fail=1; }
fi

# The installed daemon, on its own run path.
ldd "$p/sbin/seauditd" >"$tmp/ldd"
grep -q "libseaudit.so.0 => $p/" "$tmp/ldd" ||
	{ echo "FAIL: the installed seauditd does not load the installed library:"; cat "$tmp/ldd"; fail=1; }
cat >"$tmp/d.ini" <<INI
[logmgr]
audit_log = $tmp/log
[seauditd]
socket = $tmp/d.sock
INI
"$p/sbin/seauditd" -d -f "$tmp/d.ini" 2>"$tmp/d.err" &
pid=$!
for _ in $(seq 200); do [[ -S "$tmp/d.sock" ]] && break; sleep 0.05; done
[[ -S "$tmp/d.sock" ]] || { echo "FAIL: the installed seauditd did not start"; cat "$tmp/d.err"; exit 1; }
if [[ -x "$tmp/producer" && -x "$tmp/reader" ]]; then
	out=$(LD_LIBRARY_PATH="$libdir" "$tmp/producer" "$tmp/d.sock" 2>&1) ||
		{ echo "FAIL: producer: $out"; fail=1; }
	[[ "$out" == "seq 2 from libseaudit "* ]] || { echo "FAIL: producer said '$out'"; fail=1; }
	n=$(LD_LIBRARY_PATH="$libdir" "$tmp/reader" "$tmp/log") || { echo "FAIL: reader exit"; fail=1; }
	[[ "$n" == "1 records in 1 segments" ]] || { echo "FAIL: reader found '$n', want 1 record in 1 segment"; fail=1; }
fi
if [[ -x "$tmp/example" ]]; then
	out=$(LD_LIBRARY_PATH="$libdir" "$tmp/example" -socket "$tmp/d.sock" alice tty7 2>&1) ||
		{ echo "FAIL: examples/producer: $out"; fail=1; }
	[[ "$out" == "stored as record 3 "* ]] || { echo "FAIL: examples/producer said '$out'"; fail=1; }
	[[ $("$p/bin/seaudit" -l alice -fn "$tmp/log") == *tty7* ]] ||
		{ echo "FAIL: the example's login not in the log"; fail=1; }
fi
[[ $("$p/bin/seaudit" -daemon -fn "$tmp/log") == *outside-the-tree* ]] ||
	{ echo "FAIL: the installed seaudit does not show the record"; fail=1; }
kill "$pid"; wait "$pid" 2>/dev/null || true
pid=

# DESTDIR: the same tree, staged.
DESTDIR="$tmp/stage" cmake --install "$SA_BUILD" --prefix /opt/seaudit >"$tmp/install2.log" 2>&1 ||
	{ echo "FAIL: DESTDIR install"; cat "$tmp/install2.log"; fail=1; }
[[ -e "$tmp/stage/opt/seaudit/sbin/seauditd" && -e "$tmp/stage/opt/seaudit/include/seaudit/version.h" ]] ||
	{ echo "FAIL: DESTDIR did not stage under its root"; fail=1; }
grep -q '^prefix=/opt/seaudit$' "$tmp"/stage/opt/seaudit/lib*/pkgconfig/seaudit.pc 2>/dev/null ||
	{ echo "FAIL: the staged seaudit.pc does not name the final prefix"; fail=1; }

[[ $fail -eq 0 ]] && echo "installed; built a producer and a reader outside the tree with pkg-config"
exit "$fail"
