/*
 * seaudit - display, filter and export the records of the audit log.
 *
 *   seaudit switch [options]
 *
 * Exactly one switch selects what to do (records of a kind, the code
 * tables, an untrust status explanation, help); options narrow the
 * records and choose the output form.  The command-line contract is
 * docs/man/seaudit.1.  This file only wires the modules together: opts.c
 * (argv), select.c (filter), scan.c (reading), output.c (writing),
 * tables.c (-t, -Stat), status.c (-status: the writer daemon's status).
 *
 * Exit status: 0 records shown or none matched, 1 runtime error (damaged
 * or unreadable log: what was readable is still shown), 2 usage error.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>

#include <seaudit/seaudit.h>

#include "view.h"

int
main(int argc, char **argv)
{
	struct view_opts o;
	struct sa_filter *f;
	int status;

	opts_parse(argc, argv, &o);
	switch (o.mode) {
	case MODE_HELP:
		usage_print(stdout);
		status = 0;
		break;
	case MODE_VERSION:
		printf("seaudit %s\n", SEAUDIT_VERSION_STRING);
		status = 0;
		break;
	case MODE_TABLES:
		status = tables_print();
		break;
	case MODE_STAT:
		status = stat_explain(o.stat_code);
		break;
	case MODE_DSTATUS:
		status = daemon_status(&o);
		break;
	default:
		f = select_build(&o);
		status = scan_run(&o, f);
		sa_filter_free(f);
		break;
	}
	free(o.files);
	/* Every mode: output that did not reach its destination (a full
	 * disk, /dev/full, a closed pipe's EIO) is a runtime error. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warn("write to standard output");
		status = 1;
	}
	return status;
}
