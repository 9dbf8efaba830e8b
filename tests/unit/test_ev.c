/*
 * test_ev.c - the daemons' event loop (common/ev.c).
 *
 * Descriptor readiness on pipes, one-shot and repeating timers and the
 * order they fire in, signals through signalfd (raise and kill), the
 * before-sleep hook's once-per-turn contract, and the cases that break
 * naive loops: a callback deleting its own registration or another one
 * whose event is already fetched (and re-using its descriptor number), a
 * 0 ms timer re-adding itself, ev_stop from every kind of callback.  Every
 * loop carries a guard timer so a broken loop fails instead of hanging.
 */
#include <sys/types.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ev.h"

#define GUARD_MS 5000

static void
guard_cb(struct ev_loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	(void)arg;
	fail_msg("event loop test did not finish within %d ms", GUARD_MS);
}

static struct ev_loop *
loop_new(void)
{
	struct ev_loop *l = ev_create();

	assert_non_null(l);
	assert_true(ev_add_timer(l, GUARD_MS, false, guard_cb, NULL) > 0);
	return l;
}

static void
stop_cb(struct ev_loop *l, uint64_t id, void *arg)
{
	(void)id;
	(void)arg;
	ev_stop(l);
}

static void
xpipe(int p[2])
{
	assert_int_equal(pipe(p), 0);
}

static void
xwrite(int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* --- Descriptors --- */

struct rd {
	int calls;
	unsigned mask;
	char got[16];
	ssize_t n;
};

static void
read_once_cb(struct ev_loop *l, int fd, unsigned events, void *arg)
{
	struct rd *r = arg;

	r->calls++;
	r->mask = events;
	r->n = read(fd, r->got, sizeof r->got - 1);
	if (r->n >= 0)
		r->got[r->n] = '\0';
	ev_stop(l);
}

static void
test_fd_read(void **state)
{
	struct ev_loop *l = loop_new();
	struct rd r = {0};
	int p[2];

	(void)state;
	xpipe(p);
	assert_int_equal(ev_add_fd(l, p[0], EV_READ, read_once_cb, &r), 0);
	assert_int_equal(ev_add_fd(l, p[0], EV_READ, read_once_cb, &r),
			 -EEXIST);
	xwrite(p[1], "abc");
	assert_int_equal(ev_run(l), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.mask, EV_READ);
	assert_string_equal(r.got, "abc");

	/* Hang-up: EV_ERROR, with EV_READ so a reader sees the EOF. */
	close(p[1]);
	assert_int_equal(ev_run(l), 0);
	assert_int_equal(r.calls, 2);
	assert_true(r.mask & EV_ERROR);
	assert_true(r.mask & EV_READ);
	assert_int_equal(r.n, 0);

	assert_int_equal(ev_del_fd(l, p[0]), 0);
	assert_int_equal(ev_del_fd(l, p[0]), -ENOENT);
	assert_int_equal(ev_del_fd(l, 12345), -ENOENT);
	assert_int_equal(ev_add_fd(l, -1, EV_READ, read_once_cb, &r), -EBADF);
	assert_int_equal(ev_add_fd(l, p[0], EV_READ, NULL, &r), -EINVAL);
	close(p[0]);
	ev_free(l);
}

struct wr {
	int calls;
	unsigned mask;
};

static void
write_cb(struct ev_loop *l, int fd, unsigned events, void *arg)
{
	struct wr *w = arg;

	(void)fd;
	w->calls++;
	w->mask = events;
	ev_stop(l);
}

static void
test_fd_write_and_mod(void **state)
{
	struct ev_loop *l = loop_new();
	struct wr w = {0};
	int p[2];

	(void)state;
	xpipe(p);
	/* No interest: never called while the pipe is open. */
	assert_int_equal(ev_add_fd(l, p[1], 0, write_cb, &w), 0);
	assert_true(ev_add_timer(l, 30, false, stop_cb, NULL) > 0);
	assert_int_equal(ev_run(l), 0);
	assert_int_equal(w.calls, 0);

	assert_int_equal(ev_mod_fd(l, p[1], EV_WRITE), 0);
	assert_int_equal(ev_run(l), 0);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.mask, EV_WRITE);
	assert_int_equal(ev_mod_fd(l, p[0], EV_READ), -ENOENT);
	assert_int_equal(ev_del_fd(l, p[1]), 0);
	close(p[0]);
	close(p[1]);
	ev_free(l);
}

/* A descriptor number far above the initial table grows it. */
static void
test_fd_high_number(void **state)
{
	struct ev_loop *l = loop_new();
	struct rd r = {0};
	int p[2], hi;

	(void)state;
	xpipe(p);
	hi = dup2(p[0], 700);
	assert_int_equal(hi, 700);
	close(p[0]);
	assert_int_equal(ev_add_fd(l, hi, EV_READ, read_once_cb, &r), 0);
	xwrite(p[1], "z");
	assert_int_equal(ev_run(l), 0);
	assert_string_equal(r.got, "z");
	ev_del_fd(l, hi);
	close(hi);
	close(p[1]);
	ev_free(l);
}

/*
 * Two pipes readable in the same turn.  Whichever callback runs first
 * deletes itself and the other, closes the other's pipe and puts a fresh,
 * empty pipe under the same descriptor number with another callback: the
 * event already fetched for the old registration must reach nobody.
 */
struct pair {
	int rfd[2], wfd[2];
	int calls[2];
	int fresh_calls;
	int fresh[2];
	struct ev_loop *l;
};

static void
fresh_cb(struct ev_loop *l, int fd, unsigned events, void *arg)
{
	struct pair *pr = arg;

	(void)l;
	(void)fd;
	(void)events;
	pr->fresh_calls++;
}

static void
pair_cb(struct ev_loop *l, int fd, unsigned events, void *arg)
{
	struct pair *pr = arg;
	int me = fd == pr->rfd[0] ? 0 : 1, other = 1 - me;
	int p[2];

	(void)events;
	pr->calls[me]++;
	assert_int_equal(ev_del_fd(l, fd), 0);
	assert_int_equal(ev_del_fd(l, pr->rfd[other]), 0);
	close(pr->wfd[other]);
	xpipe(p);
	assert_int_equal(dup2(p[0], pr->rfd[other]), pr->rfd[other]);
	close(p[0]);
	pr->fresh[0] = pr->rfd[other];
	pr->fresh[1] = p[1];
	assert_int_equal(ev_add_fd(l, pr->rfd[other], EV_READ, fresh_cb, pr),
			 0);
}

static void
test_fd_delete_in_callback(void **state)
{
	struct ev_loop *l = loop_new();
	struct pair pr;
	int a[2], b[2];

	(void)state;
	memset(&pr, 0, sizeof pr);
	xpipe(a);
	xpipe(b);
	pr.rfd[0] = a[0];
	pr.wfd[0] = a[1];
	pr.rfd[1] = b[0];
	pr.wfd[1] = b[1];
	assert_int_equal(ev_add_fd(l, a[0], EV_READ, pair_cb, &pr), 0);
	assert_int_equal(ev_add_fd(l, b[0], EV_READ, pair_cb, &pr), 0);
	xwrite(a[1], "1");
	xwrite(b[1], "2");
	assert_true(ev_add_timer(l, 50, false, stop_cb, NULL) > 0);
	assert_int_equal(ev_run(l), 0);
	assert_int_equal(pr.calls[0] + pr.calls[1], 1);
	assert_int_equal(pr.fresh_calls, 0);

	/* The fresh registration works. */
	xwrite(pr.fresh[1], "x");
	assert_true(ev_add_timer(l, 50, false, stop_cb, NULL) > 0);
	assert_int_equal(ev_run(l), 0);
	assert_true(pr.fresh_calls >= 1);

	ev_del_fd(l, pr.fresh[0]);
	for (int i = 0; i < 2; i++) {
		if (pr.calls[i] == 1) {
			close(pr.rfd[i]);
			close(pr.wfd[i]);
		}
	}
	close(pr.fresh[0]);
	close(pr.fresh[1]);
	ev_free(l);
}

/* --- Timers --- */

struct tlog {
	char order[32];
	size_t n;
	uint64_t start;
	uint64_t at[8];
};

static void
mark_cb(struct ev_loop *l, uint64_t id, void *arg)
{
	struct tlog *t = arg;

	(void)l;
	(void)id;
	assert_true(t->n < sizeof t->order - 1);
	t->order[t->n++] = '?';
}

struct mark {
	struct tlog *log;
	char c;
	uint64_t ms;
};

static void
mark_named_cb(struct ev_loop *l, uint64_t id, void *arg)
{
	struct mark *m = arg;
	uint64_t now = ev_now_ms();

	(void)l;
	(void)id;
	assert_true(m->log->n < sizeof m->log->order - 1);
	/* Never early (ms granularity: the clock may be at the boundary). */
	assert_true(now - m->log->start + 1 >= m->ms);
	m->log->order[m->log->n++] = m->c;
}

static void
test_timer_order(void **state)
{
	struct ev_loop *l = loop_new();
	struct tlog t = {0};
	struct mark m[5] = {
	    {&t, 'c', 30}, {&t, 'a', 10}, {&t, 'b', 20},
	    {&t, 'x', 0},  {&t, 'y', 0},
	};

	(void)state;
	t.start = ev_now_ms();
	for (int i = 0; i < 5; i++)
		assert_true(
		    ev_add_timer(l, m[i].ms, false, mark_named_cb, &m[i]) > 0);
	assert_true(ev_add_timer(l, 60, false, stop_cb, NULL) > 0);
	assert_int_equal(ev_run(l), 0);
	/* Same due time: the order of addition. */
	assert_string_equal(t.order, "xyabc");
	ev_free(l);
}

struct rep {
	int count;
	int stop_at;
	uint64_t start;
	uint64_t at_last;
	int del_rc;
};

static void
repeat_cb(struct ev_loop *l, uint64_t id, void *arg)
{
	struct rep *r = arg;

	if (++r->count == r->stop_at) {
		r->at_last = ev_now_ms();
		r->del_rc = ev_del_timer(l, id);
		/* Six more periods: a timer still armed would fire again. */
		assert_true(ev_add_timer(l, 30, false, stop_cb, NULL) > 0);
	}
}

static void
test_timer_repeat(void **state)
{
	struct ev_loop *l = loop_new();
	struct rep r = {.stop_at = 5};
	int64_t id;

	(void)state;
	r.start = ev_now_ms();
	id = ev_add_timer(l, 5, true, repeat_cb, &r);
	assert_true(id > 0);
	assert_int_equal(ev_run(l), 0);
	assert_int_equal(r.count, 5); /* deleted itself: no sixth */
	assert_int_equal(r.del_rc, 0);
	/* Five periods: never early, however the firings were spaced. */
	assert_true(r.at_last >= r.start + 25);
	assert_int_equal(ev_del_timer(l, (uint64_t)id), -ENOENT);

	assert_int_equal(ev_add_timer(l, 0, true, repeat_cb, &r), -EINVAL);
	assert_int_equal(ev_add_timer(l, 5, false, NULL, &r), -EINVAL);
	assert_int_equal(ev_del_timer(l, 999999), -ENOENT);
	ev_free(l);
}

struct killer {
	uint64_t victim;
	int calls;
	int victim_calls;
	int self_del_rc;
	uint64_t self;
};

static void
victim_cb(struct ev_loop *l, uint64_t id, void *arg)
{
	struct killer *k = arg;

	(void)l;
	(void)id;
	k->victim_calls++;
}

static void
killer_cb(struct ev_loop *l, uint64_t id, void *arg)
{
	struct killer *k = arg;

	k->calls++;
	k->self = id;
	assert_int_equal(ev_del_timer(l, k->victim), 0);
	/* A one-shot timer is gone once it fires. */
	k->self_del_rc = ev_del_timer(l, id);
}

/* Both due in the same pass: the first deletes the second. */
static void
test_timer_delete_other(void **state)
{
	struct ev_loop *l = loop_new();
	struct killer k = {0};
	int64_t id;

	(void)state;
	assert_true(ev_add_timer(l, 0, false, killer_cb, &k) > 0);
	id = ev_add_timer(l, 0, false, victim_cb, &k);
	assert_true(id > 0);
	k.victim = (uint64_t)id;
	assert_true(ev_add_timer(l, 20, false, stop_cb, NULL) > 0);
	assert_int_equal(ev_run(l), 0);
	assert_int_equal(k.calls, 1);
	assert_int_equal(k.victim_calls, 0);
	assert_int_equal(k.self_del_rc, -ENOENT);
	ev_free(l);
}

struct chain {
	int fired;
	int hooks;
	int hooks_at_fire[16];
};

static void
chain_cb(struct ev_loop *l, uint64_t id, void *arg)
{
	struct chain *c = arg;

	(void)id;
	c->hooks_at_fire[c->fired++] = c->hooks;
	if (c->fired < 10)
		assert_true(ev_add_timer(l, 0, false, chain_cb, c) > 0);
	else
		ev_stop(l);
}

static void
count_hook(struct ev_loop *l, void *arg)
{
	struct chain *c = arg;

	(void)l;
	c->hooks++;
}

/* A 0 ms timer re-adding itself fires once per turn, never in a spin. */
static void
test_timer_zero_readd(void **state)
{
	struct ev_loop *l = loop_new();
	struct chain c = {0};

	(void)state;
	ev_set_before_sleep(l, count_hook, &c);
	assert_true(ev_add_timer(l, 0, false, chain_cb, &c) > 0);
	assert_int_equal(ev_run(l), 0);
	assert_int_equal(c.fired, 10);
	for (int i = 1; i < 10; i++)
		assert_true(c.hooks_at_fire[i] > c.hooks_at_fire[i - 1]);
	ev_free(l);
}

static void
test_timer_many(void **state)
{
	struct ev_loop *l = loop_new();
	struct tlog t = {0};

	(void)state;
	/* Added in reverse: must still run, and not in the list's way. */
	for (int i = 20; i > 0; i--)
		assert_true(ev_add_timer(l, (uint64_t)i, false, mark_cb, &t) >
			    0);
	assert_true(ev_add_timer(l, 50, false, stop_cb, NULL) > 0);
	assert_int_equal(ev_run(l), 0);
	assert_int_equal(t.n, 20);
	ev_free(l);
}

/* --- Signals --- */

struct sigs {
	int got[3];
	int n;
};

static void
sig_cb(struct ev_loop *l, int signo, void *arg)
{
	struct sigs *s = arg;

	assert_true(s->n < 3);
	s->got[s->n++] = signo;
	if (s->n == 2)
		ev_stop(l);
}

static bool
blocked(int signo)
{
	sigset_t cur;

	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
	return sigismember(&cur, signo) == 1;
}

static void
test_signals(void **state)
{
	struct ev_loop *l = loop_new();
	struct sigs s = {0};
	sigset_t hup;

	(void)state;
	/* Blocked before the loop: must stay blocked after ev_free. */
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	assert_int_equal(sigprocmask(SIG_BLOCK, &hup, NULL), 0);

	assert_int_equal(ev_add_signal(l, SIGUSR1, sig_cb, &s), 0);
	assert_int_equal(ev_add_signal(l, SIGUSR2, sig_cb, &s), 0);
	assert_int_equal(ev_add_signal(l, SIGHUP, sig_cb, &s), 0);
	assert_int_equal(ev_add_signal(l, SIGHUP, sig_cb, &s), 0); /* again */
	assert_int_equal(ev_add_signal(l, SIGKILL, sig_cb, &s), -EINVAL);
	assert_int_equal(ev_add_signal(l, 0, sig_cb, &s), -EINVAL);
	assert_int_equal(ev_add_signal(l, SIGTERM, NULL, &s), -EINVAL);
	assert_true(blocked(SIGUSR1));
	assert_true(blocked(SIGUSR2));

	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(kill(getpid(), SIGUSR2), 0);
	assert_int_equal(ev_run(l), 0);
	assert_int_equal(s.n, 2);
	/* Pending standard signals are reported by number, lowest first. */
	assert_int_equal(s.got[0], SIGUSR1);
	assert_int_equal(s.got[1], SIGUSR2);

	ev_free(l);
	assert_false(blocked(SIGUSR1));
	assert_false(blocked(SIGUSR2));
	assert_true(blocked(SIGHUP));
	assert_int_equal(sigprocmask(SIG_UNBLOCK, &hup, NULL), 0);
}

/* A signal delivered while the loop sleeps wakes it. */
static void
send_usr1_cb(struct ev_loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	(void)arg;
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
}

static void
stop_on_sig_cb(struct ev_loop *l, int signo, void *arg)
{
	int *n = arg;

	assert_int_equal(signo, SIGUSR1);
	(*n)++;
	ev_stop(l);
}

static void
test_signal_while_sleeping(void **state)
{
	struct ev_loop *l = loop_new();
	int n = 0;

	(void)state;
	assert_int_equal(ev_add_signal(l, SIGUSR1, stop_on_sig_cb, &n), 0);
	assert_true(ev_add_timer(l, 10, false, send_usr1_cb, NULL) > 0);
	assert_int_equal(ev_run(l), 0);
	assert_int_equal(n, 1);
	ev_free(l);
	assert_false(blocked(SIGUSR1));
}

/* --- The before-sleep hook and ev_stop --- */

/*
 * A pipe that stays readable for exactly one turn at a time: the callback
 * reads the byte and writes the next one.  Turn k's callback must see k
 * hook calls; two descriptors ready in one turn see the same count.
 */
struct turns {
	int hooks;
	int seen[8];
	int n;
	int other_seen;
	int wfd;
};

static void
turn_hook(struct ev_loop *l, void *arg)
{
	struct turns *t = arg;

	(void)l;
	t->hooks++;
}

static void
turn_cb(struct ev_loop *l, int fd, unsigned events, void *arg)
{
	struct turns *t = arg;
	char ch;

	(void)events;
	assert_int_equal(read(fd, &ch, 1), 1);
	t->seen[t->n++] = t->hooks;
	if (t->n == 5) {
		ev_stop(l);
		return;
	}
	xwrite(t->wfd, "n");
}

static void
other_cb(struct ev_loop *l, int fd, unsigned events, void *arg)
{
	struct turns *t = arg;
	char ch;

	(void)l;
	(void)events;
	assert_int_equal(read(fd, &ch, 1), 1);
	t->other_seen = t->hooks;
}

static void
test_before_sleep(void **state)
{
	struct ev_loop *l = loop_new();
	struct turns t;
	int p[2], q[2];

	(void)state;
	memset(&t, 0, sizeof t);
	xpipe(p);
	xpipe(q);
	t.wfd = p[1];
	ev_set_before_sleep(l, turn_hook, &t);
	assert_int_equal(ev_add_fd(l, p[0], EV_READ, turn_cb, &t), 0);
	assert_int_equal(ev_add_fd(l, q[0], EV_READ, other_cb, &t), 0);
	xwrite(p[1], "n");
	xwrite(q[1], "o");
	assert_int_equal(ev_run(l), 0);
	assert_int_equal(t.n, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(t.seen[i], i + 1);
	assert_int_equal(t.other_seen, 1);
	/* ev_stop from a callback: no further hook call before returning. */
	assert_int_equal(t.hooks, 5);
	ev_del_fd(l, p[0]);
	ev_del_fd(l, q[0]);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	ev_free(l);
}

static void
stop_hook(struct ev_loop *l, void *arg)
{
	int *n = arg;

	(*n)++;
	ev_stop(l);
}

static void
test_stop(void **state)
{
	struct ev_loop *l = loop_new();
	int n = 0;

	(void)state;
	/* From the hook: returns before sleeping, and the loop can rerun. */
	ev_set_before_sleep(l, stop_hook, &n);
	assert_int_equal(ev_run(l), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ev_run(l), 0);
	assert_int_equal(n, 2);
	ev_set_before_sleep(l, NULL, NULL);
	/* From a timer. */
	assert_true(ev_add_timer(l, 1, false, stop_cb, NULL) > 0);
	assert_int_equal(ev_run(l), 0);
	ev_free(l);
	ev_free(NULL);
}

static void
test_now_ms(void **state)
{
	uint64_t a = ev_now_ms(), b;

	(void)state;
	usleep(20000);
	b = ev_now_ms();
	assert_true(b >= a + 19);
	assert_true(b < a + 5000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fd_read),
	    cmocka_unit_test(test_fd_write_and_mod),
	    cmocka_unit_test(test_fd_high_number),
	    cmocka_unit_test(test_fd_delete_in_callback),
	    cmocka_unit_test(test_timer_order),
	    cmocka_unit_test(test_timer_repeat),
	    cmocka_unit_test(test_timer_delete_other),
	    cmocka_unit_test(test_timer_zero_readd),
	    cmocka_unit_test(test_timer_many),
	    cmocka_unit_test(test_signals),
	    cmocka_unit_test(test_signal_while_sleeping),
	    cmocka_unit_test(test_before_sleep),
	    cmocka_unit_test(test_stop),
	    cmocka_unit_test(test_now_ms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
