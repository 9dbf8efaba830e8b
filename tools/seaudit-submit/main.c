/*
 * seaudit-submit - hand audit records given as JSON Lines to the writer
 * daemon, or append them to a log directory.
 *
 *   seaudit-submit [-socket PATH] [-timeout SECONDS] [-q] [file ...]
 *   seaudit-submit -fn DIR [-sync record|batch|none] [-origin NAME] [-q]
 *                  [file ...]
 *
 * The producer for scripts and for tests: each input line is one record of
 * the JSON Lines contract (spec/records.md).  Bad lines are refused one by
 * one, good ones are stored (docs/man/seaudit-submit.1).  Without -fn the
 * records go to seauditd over its socket and count as stored once it
 * acknowledged them; with -fn the directory is written directly, through
 * the library's writer (which locks it).  This file only wires opts.c and
 * import.c together.
 */
#include "submit.h"

int
main(int argc, char **argv)
{
	struct submit_opts o;

	submit_opts_parse(argc, argv, &o);
	return import_run(&o);
}
