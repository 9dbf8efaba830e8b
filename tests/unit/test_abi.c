/*
 * test_abi.c - pins the sizes and a few offsets of the public structures a
 * program allocates itself (seaudit/api.h, the ABI promise).  A member
 * added without taking it from the structure's reserved words, or a
 * record field numbered past SA_F_CAPACITY, changes a size here and fails:
 * either carve it from the reserved words or bump SA_SOVERSION and these
 * numbers together.  The numbers are those of LP64 Linux (x86-64,
 * aarch64); elsewhere the test says so and passes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <seaudit/seaudit.h>

static void
test_sizes(void **state)
{
	(void)state;
	if (sizeof(void *) != 8 || sizeof(long) != 8) {
		print_message("not LP64: sizes not pinned here\n");
		return;
	}
	assert_int_equal(sizeof(struct sa_record), 1184);
	assert_int_equal(sizeof(struct sa_str), 16);
	assert_int_equal(sizeof(struct sa_writer_opts), 120);
	assert_int_equal(sizeof(struct sa_recovery), 320);
	assert_int_equal(sizeof(struct sa_damage), 80);
	assert_int_equal(sizeof(struct sa_proto_ack), 72);
	assert_int_equal(sizeof(struct sa_proto_err), 284);
	assert_int_equal(sizeof(struct sa_client_reply), 368);
	assert_int_equal(sizeof(struct sa_json_error), 96);
	assert_int_equal(sizeof(struct sa_buf), 24);
	assert_int_equal(sizeof(struct sa_proto_hdr), 12);
	/* Members keep their places. */
	assert_int_equal(offsetof(struct sa_record, present), 24);
	assert_int_equal(offsetof(struct sa_record, str), 32);
	assert_int_equal(offsetof(struct sa_record, num),
			 32 + 16 * SA_F_CAPACITY);
	assert_int_equal(offsetof(struct sa_writer_opts, flags), 56);
	assert_int_equal(offsetof(struct sa_writer_opts, seal_key), 64);
	assert_int_equal(offsetof(struct sa_writer_opts, copy_of), 80);
	assert_int_equal(offsetof(struct sa_writer_opts, reserved), 88);
	assert_int_equal(sizeof(struct sa_segset_opts), 128);
	assert_int_equal(sizeof(struct sa_segset_note), 80);
	assert_int_equal(offsetof(struct sa_proto_ack, refused_map), 32);
}

static void
test_capacity(void **state)
{
	(void)state;
	/* Every field the format knows, and its reserved integrity range,
	 * fits; so does the present bit map. */
	assert_true(SA_F__COUNT <= SA_F_CAPACITY);
	assert_true(SA_F_CAPACITY >= 48);
	assert_true(SA_F_CAPACITY <= 64);
}

static void
test_version(void **state)
{
	(void)state;
	/* The library a program runs with says its version; the header's is
	 * the same one in this tree. */
	assert_string_equal(sa_version(), SA_VERSION_STRING);
	char want[32];
	snprintf(want, sizeof want, "%d.%d.%d", SA_VERSION_MAJOR,
		 SA_VERSION_MINOR, SA_VERSION_PATCH);
	assert_string_equal(SA_VERSION_STRING, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_capacity),
	    cmocka_unit_test(test_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
