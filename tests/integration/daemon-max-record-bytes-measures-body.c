/*
 * daemon-max-record-bytes-measures-body - `max_record_bytes` bounds a
 * record's encoded body, exactly (docs/PROTOCOL.md §2.1, seauditd.ini(5)):
 * with 4096, bodies of 4094, 4095 and 4096 bytes are stored and bodies of
 * 4097 and 4098 are refused with SA_ETOOLONG, whether the record is the
 * first of its frame or the second; the refusal names the record, no
 * field, and says the limit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seaudit/seaudit.h>

#include "harness.h"

static char pad[8192];

/* A trace record whose encoded body is exactly `want` bytes. */
static void
sized(struct sa_record *r, size_t want)
{
	for (size_t n = 0; n < sizeof pad; n++) {
		hd_record(r, "big", SA_EV_RESOURCE);
		sa_record_set_str(r, SA_F_PROGRAM, pad, n > 4095 ? 4095 : n);
		uint8_t buf[16384];
		size_t len;
		CHECK(sa_record_encode(r, 0, 0, buf, sizeof buf, &len) == 0);
		if (len == want)
			return;
		if (len > want)
			break;
	}
	die("cannot make a body of %zu bytes", want);
}

int
main(void)
{
	memset(pad, 'x', sizeof pad);
	struct hd h;
	hd_init(&h, "max_record_bytes = 4096\n");
	hd_start(&h, NULL);
	struct sa_client *c;
	CHECK(sa_client_connect(&c, h.sock, 2000) == 0);
	for (size_t size = 4094; size <= 4098; size++) {
		for (int second = 0; second <= 1; second++) {
			struct sa_record r[2];
			hd_record(&r[0], "small", SA_EV_RESOURCE);
			sized(&r[second], size);
			struct sa_proto_ack a;
			struct sa_proto_err e;
			int rc = sa_client_submit(c, r, second ? 2 : 1, 5000,
						  &a, &e);
			bool fits = size <= 4096;
			if (fits && rc != 0)
				die("body of %zu bytes (record %d) refused: %s"
				    " (%s)",
				    size, second, sa_strerror(rc), e.message);
			if (!fits) {
				if (rc != SA_ETOOLONG)
					die("body of %zu bytes (record %d): %s",
					    size, second, sa_strerror(rc));
				if (e.index != (uint32_t)second ||
				    e.field != SA_F_NONE ||
				    strstr(e.message,
					   "max_record_bytes 4096") == NULL)
					die("refusal of %zu bytes: index %u "
					    "field"
					    " %u message \"%s\"",
					    size, e.index, e.field, e.message);
			}
			printf("body %zu as record %d: %s\n", size, second,
			       rc == 0 ? "stored" : e.message);
		}
	}
	sa_client_close(c);
	CHECK(hd_stop(&h) == 0);
	hd_cleanup(&h);
	printf("max_record_bytes is exact\n");
	return 0;
}
