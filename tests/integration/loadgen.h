/*
 * loadgen.h - what the scenarios about rotation, sealing and following
 * share: producers that submit uniquely tagged records to a daemon and
 * write down every acknowledgement, a `seaudit -follow` child and a
 * parser for its JSON lines, and a look at the segment files of a
 * directory.
 *
 * Ownership: the producers and the follower are children of the test,
 * registered here and killed by pid (never by name) when the test exits
 * early; lg_watch() names the daemon to stop then.  Arrays returned
 * through `out` parameters are malloc'ed and freed by the caller.
 */
#ifndef SA_LOADGEN_H
#define SA_LOADGEN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness.h"

#define LG_MAXPROD 4

/* Registers the exit handler; call once at the start of main. */
void lg_init(void);
/* The daemon (and temp dir) to clean up at exit; NULL when done. */
void lg_watch(struct hd *h);

void lg_sleep_ms(unsigned ms);

/*
 * Runs nprod producers (at most LG_MAXPROD) of `per` records tagged
 * "p<k>:<i>" in frames of 1 to 50, sends SIGUSR1 to the daemon every
 * 150 ms while they run (`usr1` times at most) and calls during(arg),
 * when not NULL, again and again meanwhile.  Dies when a producer fails.
 * Returns the number of signals sent.
 */
int lg_load(struct hd *h, int nprod, int per, int usr1, void (*during)(void *),
	    void *arg);

struct lg_ack {
	int k, idx;
	uint64_t seq;
};
/* Every acknowledged record of the last lg_load (tag and seq). */
size_t lg_load_acks(const struct hd *h, int nprod, int per,
		    struct lg_ack **out);

/* Starts `seaudit -a -json -follow` plus `args` (NULL-terminated, e.g.
 * "-fn", LOG, NULL) with stdout and stderr to the two files. */
pid_t lg_start_follower(const char *outpath, const char *errpath,
			const char *const *args);
/* The follower is gone (it exited by itself): clears its registration. */
void lg_follower_done(void);
/*
 * Waits (60 s at most) until the follower printed `want` lines; dies,
 * showing its stderr, when it exits first.  Returns the lines printed.
 */
size_t lg_wait_lines(pid_t fpid, const char *outpath, const char *errpath,
		     size_t want);
/* SIGTERM to the follower; its wait status. */
int lg_stop_follower(pid_t fpid);

/* Complete lines in `path`, counted incrementally from *off. */
size_t lg_count_lines(const char *path, long *off, size_t lines);

struct lg_fline {
	uint64_t seq;
	int k, idx; /* k = -1: not a producer's record */
};
size_t lg_parse_follow(const char *path, struct lg_fline **out);

/* Prints the first lines of a file to stderr (a child's messages). */
void lg_show_file(const char *path);

struct lg_segs {
	uint64_t first[4096]; /* distinct first seqs, sorted */
	size_t n;
	size_t plain, zst;   /* files of each kind */
	size_t plain_sealed; /* plain files below the newest segment */
};
void lg_list_segs(const char *dir, struct lg_segs *s);

#endif
