/*
 * ev.c - the daemons' event loop (see ev.h): one epoll set, one timerfd
 * armed for the earliest timer, one signalfd for every signal asked for,
 * and a hook run once per turn just before the loop sleeps (redis's
 * beforesleep, where group commit happens).
 *
 * A turn is: before-sleep hook, re-arm the timerfd if the timer list
 * changed, epoll_wait, dispatch descriptor and signal events in the order
 * the kernel gave them, then fire the timers that are due.
 *
 * Invariants that make it safe for callbacks to add and delete anything,
 * their own registration included:
 *  - descriptors live in an array indexed by fd and are never freed one by
 *    one, only marked empty; no pointer into the array is held across a
 *    callback (a callback may grow it with realloc);
 *  - each registration gets a fresh generation number that travels in the
 *    epoll event, so an event already fetched for a descriptor that was
 *    deleted (and maybe re-added under the same number) in the same turn
 *    is recognised as stale and dropped;
 *  - the timer list is sorted by due time (then id, so equal times fire in
 *    the order they were added) and re-scanned from its head after every
 *    timer callback; a one-shot timer is unlinked and freed before its
 *    callback runs, a repeating one is re-inserted before, so that the
 *    callback deleting it frees a linked timer and nothing is touched
 *    afterwards;
 *  - one pass fires each timer that existed and was due when the pass
 *    started at most once: timers added by callbacks wait for the next
 *    turn, so a 0 ms timer re-adding itself cannot starve the loop.
 *
 * Signals are blocked with sigprocmask when registered (signalfd only
 * sees blocked signals) and ev_free unblocks exactly those this loop
 * blocked.  Register signals before starting threads, which inherit the
 * mask: a thread without it would take the signal's default action.
 */
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ev.h"

#define EV_MAX_EVENTS 256 /* fetched per epoll_wait; more wait a turn */
#define EV_MAX_SIG_READS                                                       \
	64 /* siginfo read per turn: a flood of kill(2)                        \
	      must not keep the loop from its work */
#define EV_MAX_TIMER_MS (UINT64_C(1) << 40) /* ~34 years: no ns overflow */
#define EV_INITIAL_FDS 64

struct ev_fd {
	ev_fd_cb cb; /* NULL: slot empty */
	void *arg;
	unsigned events;
	uint32_t gen; /* registration generation, never 0 when used */
};

struct ev_timer {
	struct ev_timer *next;
	uint64_t id;
	uint64_t when;	   /* CLOCK_MONOTONIC ns */
	uint64_t interval; /* ns; 0 for a one-shot timer */
	ev_timer_cb cb;
	void *arg;
};

struct ev_sig {
	ev_signal_cb cb;
	void *arg;
};

struct ev_loop {
	int epfd;
	int tfd;
	int sfd; /* -1 until the first ev_add_signal */
	struct ev_fd *fds;
	size_t nfds;
	uint32_t gen;
	struct ev_timer *timers; /* sorted by (when, id) */
	uint64_t next_timer_id;
	bool timers_dirty; /* timerfd not armed for the current head */
	struct ev_sig sigs[_NSIG];
	sigset_t sigmask; /* signals routed to the signalfd */
	sigset_t unblock; /* those we blocked, to unblock at ev_free */
	ev_hook_cb before_sleep;
	void *before_sleep_arg;
	bool stop;
};

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
ev_now_ms(void)
{
	return mono_ns() / 1000000u;
}

/* Epoll's data carries the fd and its generation, see the invariants. */
static uint64_t
fd_tag(int fd, uint32_t gen)
{
	return (uint64_t)gen << 32 | (uint32_t)fd;
}

static uint32_t
to_epoll(unsigned events)
{
	uint32_t e = 0;

	if (events & EV_READ)
		e |= EPOLLIN;
	if (events & EV_WRITE)
		e |= EPOLLOUT;
	return e;
}

struct ev_loop *
ev_create(void)
{
	struct ev_loop *l;
	struct epoll_event ee;
	int saved;

	if ((l = calloc(1, sizeof *l)) == NULL)
		return NULL;
	l->epfd = l->tfd = l->sfd = -1;
	l->next_timer_id = 1;
	sigemptyset(&l->sigmask);
	sigemptyset(&l->unblock);
	l->nfds = EV_INITIAL_FDS;
	if ((l->fds = calloc(l->nfds, sizeof *l->fds)) == NULL)
		goto fail;
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		goto fail;
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->tfd == -1)
		goto fail;
	memset(&ee, 0, sizeof ee);
	ee.events = EPOLLIN;
	ee.data.u64 = fd_tag(l->tfd, 0);
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->tfd, &ee) == -1)
		goto fail;
	return l;
fail:
	saved = errno;
	ev_free(l);
	errno = saved;
	return NULL;
}

void
ev_free(struct ev_loop *l)
{
	struct ev_timer *t, *next;

	if (l == NULL)
		return;
	for (t = l->timers; t != NULL; t = next) {
		next = t->next;
		free(t);
	}
	if (l->sfd != -1)
		close(l->sfd);
	if (l->tfd != -1)
		close(l->tfd);
	if (l->epfd != -1)
		close(l->epfd);
	/*
	 * A signal still pending is delivered now with its own disposition:
	 * that is what the process would have seen without the loop.
	 */
	if (!sigisemptyset(&l->unblock))
		sigprocmask(SIG_UNBLOCK, &l->unblock, NULL);
	free(l->fds);
	free(l);
}

/* --- Descriptors --- */

static struct ev_fd *
fd_slot(struct ev_loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds || l->fds[fd].cb == NULL)
		return NULL;
	return &l->fds[fd];
}

int
ev_add_fd(struct ev_loop *l, int fd, unsigned events, ev_fd_cb cb, void *arg)
{
	struct epoll_event ee;
	struct ev_fd *e;

	if (fd < 0)
		return -EBADF;
	if (cb == NULL || (events & ~(EV_READ | EV_WRITE)) != 0)
		return -EINVAL;
	if ((size_t)fd >= l->nfds) {
		size_t n = l->nfds;
		struct ev_fd *p;

		while (n <= (size_t)fd)
			n *= 2;
		if ((p = realloc(l->fds, n * sizeof *p)) == NULL)
			return -ENOMEM;
		memset(p + l->nfds, 0, (n - l->nfds) * sizeof *p);
		l->fds = p;
		l->nfds = n;
	}
	e = &l->fds[fd];
	if (e->cb != NULL)
		return -EEXIST;
	/* 0 is the loop's own descriptors' tag; skip it on wrap-around. */
	if (++l->gen == 0)
		l->gen = 1;
	memset(&ee, 0, sizeof ee);
	ee.events = to_epoll(events);
	ee.data.u64 = fd_tag(fd, l->gen);
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ee) == -1)
		return -errno;
	e->cb = cb;
	e->arg = arg;
	e->events = events;
	e->gen = l->gen;
	return 0;
}

int
ev_mod_fd(struct ev_loop *l, int fd, unsigned events)
{
	struct epoll_event ee;
	struct ev_fd *e;

	if ((e = fd_slot(l, fd)) == NULL)
		return -ENOENT;
	if ((events & ~(EV_READ | EV_WRITE)) != 0)
		return -EINVAL;
	if (events == e->events)
		return 0;
	memset(&ee, 0, sizeof ee);
	ee.events = to_epoll(events);
	ee.data.u64 = fd_tag(fd, e->gen);
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ee) == -1)
		return -errno;
	e->events = events;
	return 0;
}

int
ev_del_fd(struct ev_loop *l, int fd)
{
	struct ev_fd *e;
	int rc = 0;

	if ((e = fd_slot(l, fd)) == NULL)
		return -ENOENT;
	/*
	 * The slot is emptied even if epoll refuses (the caller may have
	 * closed the descriptor already, which removed it from the set):
	 * the registration is gone either way.
	 */
	if (epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL) == -1 &&
	    errno != EBADF && errno != ENOENT)
		rc = -errno;
	memset(e, 0, sizeof *e);
	return rc;
}

static void
fd_dispatch(struct ev_loop *l, const struct epoll_event *ee)
{
	int fd = (int)(uint32_t)ee->data.u64;
	uint32_t gen = (uint32_t)(ee->data.u64 >> 32);
	struct ev_fd *e = fd_slot(l, fd);
	unsigned mask = 0;

	if (e == NULL || e->gen != gen)
		return; /* deleted (perhaps re-added) earlier in this turn */
	if (ee->events & EPOLLIN)
		mask |= EV_READ;
	if (ee->events & EPOLLOUT)
		mask |= EV_WRITE;
	/*
	 * Errors and hang-ups also wake the directions the caller waits
	 * for, so a callback that only reads finds the EOF or the error.
	 */
	if (ee->events & (EPOLLERR | EPOLLHUP))
		mask |= EV_ERROR | (e->events & (EV_READ | EV_WRITE));
	if (mask == 0)
		return;
	e->cb(l, fd, mask, e->arg);
}

/* --- Timers --- */

static void
timer_insert(struct ev_loop *l, struct ev_timer *t)
{
	struct ev_timer **pp = &l->timers;

	/* After equal times: same-time timers fire in the order added. */
	while (*pp != NULL && ((*pp)->when < t->when ||
			       ((*pp)->when == t->when && (*pp)->id < t->id)))
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	l->timers_dirty = true;
}

int64_t
ev_add_timer(struct ev_loop *l, uint64_t ms, bool repeat, ev_timer_cb cb,
	     void *arg)
{
	struct ev_timer *t;

	if (cb == NULL || ms > EV_MAX_TIMER_MS || (repeat && ms == 0))
		return -EINVAL;
	if ((t = calloc(1, sizeof *t)) == NULL)
		return -ENOMEM;
	t->id = l->next_timer_id++;
	t->when = mono_ns() + ms * 1000000u;
	t->interval = repeat ? ms * 1000000u : 0;
	t->cb = cb;
	t->arg = arg;
	timer_insert(l, t);
	return (int64_t)t->id;
}

int
ev_del_timer(struct ev_loop *l, uint64_t id)
{
	struct ev_timer **pp, *t;

	for (pp = &l->timers; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			t = *pp;
			*pp = t->next;
			free(t);
			l->timers_dirty = true;
			return 0;
		}
	}
	return -ENOENT;
}

static void
timers_arm(struct ev_loop *l)
{
	struct itimerspec its;

	memset(&its, 0, sizeof its);
	if (l->timers != NULL) {
		/* An all-zero it_value would disarm: a due time of 0 is 1 ns.
		 */
		uint64_t when = l->timers->when ? l->timers->when : 1;

		its.it_value.tv_sec = (time_t)(when / 1000000000u);
		its.it_value.tv_nsec = (long)(when % 1000000000u);
	}
	/* Cannot fail with a valid descriptor and normalised values. */
	timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL);
	l->timers_dirty = false;
}

static void
timers_run(struct ev_loop *l)
{
	uint64_t now = mono_ns();
	uint64_t limit = l->next_timer_id;

	while (!l->stop) {
		struct ev_timer **pp, *t = NULL;
		ev_timer_cb cb;
		void *arg;
		uint64_t id;

		for (pp = &l->timers; *pp != NULL && (*pp)->when <= now;
		     pp = &(*pp)->next) {
			if ((*pp)->id < limit) {
				t = *pp;
				break;
			}
		}
		if (t == NULL)
			return;
		*pp = t->next;
		l->timers_dirty = true;
		cb = t->cb;
		arg = t->arg;
		id = t->id;
		if (t->interval != 0) {
			/*
			 * Keep the period's phase, but after a stall fire
			 * once and go on from now rather than in a burst;
			 * either way it is not due again in this pass.
			 */
			t->when += t->interval;
			if (t->when <= now)
				t->when = now + t->interval;
			timer_insert(l, t);
		} else {
			free(t);
		}
		cb(l, id, arg);
	}
}

/* --- Signals --- */

int
ev_add_signal(struct ev_loop *l, int signo, ev_signal_cb cb, void *arg)
{
	struct epoll_event ee;
	sigset_t one, old;
	int fd, rc;

	if (signo <= 0 || signo >= _NSIG || signo == SIGKILL ||
	    signo == SIGSTOP || cb == NULL)
		return -EINVAL;
	sigemptyset(&one);
	sigaddset(&one, signo);
	if (sigprocmask(SIG_BLOCK, &one, &old) == -1)
		return -errno;
	if (!sigismember(&l->sigmask, signo)) {
		sigaddset(&l->sigmask, signo);
		fd = signalfd(l->sfd, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
		if (fd == -1)
			goto fail;
		if (l->sfd == -1) {
			memset(&ee, 0, sizeof ee);
			ee.events = EPOLLIN;
			ee.data.u64 = fd_tag(fd, 0);
			if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ee) == -1) {
				int saved = errno;

				close(fd);
				errno = saved;
				goto fail;
			}
			l->sfd = fd;
		}
		if (!sigismember(&old, signo))
			sigaddset(&l->unblock, signo);
	}
	/* Registering a signal again replaces its callback. */
	l->sigs[signo].cb = cb;
	l->sigs[signo].arg = arg;
	return 0;
fail:
	/* Leave the process as it was: a blocked signal nobody reads is lost.
	 */
	rc = -errno;
	sigdelset(&l->sigmask, signo);
	if (!sigismember(&old, signo))
		sigprocmask(SIG_UNBLOCK, &one, NULL);
	return rc;
}

static void
signals_read(struct ev_loop *l)
{
	struct signalfd_siginfo si;
	int i;

	for (i = 0; i < EV_MAX_SIG_READS && !l->stop; i++) {
		ssize_t n = read(l->sfd, &si, sizeof si);
		int signo;

		if (n != (ssize_t)sizeof si)
			return; /* EAGAIN: drained */
		signo = (int)si.ssi_signo;
		if (signo > 0 && signo < _NSIG && l->sigs[signo].cb != NULL)
			l->sigs[signo].cb(l, signo, l->sigs[signo].arg);
	}
}

/* --- The loop --- */

void
ev_set_before_sleep(struct ev_loop *l, ev_hook_cb cb, void *arg)
{
	l->before_sleep = cb;
	l->before_sleep_arg = arg;
}

void
ev_stop(struct ev_loop *l)
{
	l->stop = true;
}

int
ev_run(struct ev_loop *l)
{
	struct epoll_event evs[EV_MAX_EVENTS];

	l->stop = false;
	while (!l->stop) {
		int i, n;

		if (l->before_sleep != NULL) {
			l->before_sleep(l, l->before_sleep_arg);
			if (l->stop)
				break;
		}
		if (l->timers_dirty)
			timers_arm(l);
		n = epoll_wait(l->epfd, evs, EV_MAX_EVENTS, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/*
		 * Events left undispatched after ev_stop stay pending in the
		 * kernel (level-triggered): nothing is lost by breaking off.
		 */
		for (i = 0; i < n && !l->stop; i++) {
			int fd = (int)(uint32_t)evs[i].data.u64;

			if (fd == l->tfd) {
				uint64_t ticks;

				/* Only clears readiness; timers_run decides. */
				if (read(l->tfd, &ticks, sizeof ticks) < 0 &&
				    errno != EAGAIN)
					return -errno;
			} else if (fd == l->sfd && l->sfd != -1) {
				signals_read(l);
			} else {
				fd_dispatch(l, &evs[i]);
			}
		}
		timers_run(l);
	}
	return 0;
}
