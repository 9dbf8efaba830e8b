/*
 * ev.h - the daemons' event loop: epoll for descriptors, timerfd for
 * timers, signalfd for signals, and a before-sleep hook (the shape of
 * redis's ae.h).  Hand-written because the daemons need ~10 functions of
 * it and a dependency would bring a second model of ownership and errors.
 *
 * Group commit hangs on the before-sleep hook: everything read in one turn
 * of the loop is written and synced once, just before epoll_wait.
 *
 * Ownership: the loop owns its epoll, timer and signal descriptors; it
 * never closes descriptors registered with ev_add_fd (the caller does,
 * after ev_del_fd).  Callbacks may add and delete descriptors and timers,
 * including their own.  Single-threaded.
 */
#ifndef SEAUDIT_EV_H
#define SEAUDIT_EV_H

#include <stdbool.h>
#include <stdint.h>

#define EV_READ 0x1u
#define EV_WRITE 0x2u
#define EV_ERROR 0x4u /* reported only: EPOLLERR / EPOLLHUP */

struct ev_loop;

typedef void (*ev_fd_cb)(struct ev_loop *l, int fd, unsigned events, void *arg);
typedef void (*ev_timer_cb)(struct ev_loop *l, uint64_t id, void *arg);
typedef void (*ev_signal_cb)(struct ev_loop *l, int signo, void *arg);
typedef void (*ev_hook_cb)(struct ev_loop *l, void *arg);

/* NULL on failure (errno set). */
struct ev_loop *ev_create(void);
void ev_free(struct ev_loop *l); /* NULL-safe; restores blocked signals */

/* Descriptors: 0 or -errno.  ev_mod_fd replaces the interest set. */
int ev_add_fd(struct ev_loop *l, int fd, unsigned events, ev_fd_cb cb,
	      void *arg);
int ev_mod_fd(struct ev_loop *l, int fd, unsigned events);
int ev_del_fd(struct ev_loop *l, int fd);

/*
 * Timers: fire after `ms`, then every `ms` when `repeat`.  Returns an id
 * (> 0) or -errno.  A one-shot timer is removed after it fires.
 */
int64_t ev_add_timer(struct ev_loop *l, uint64_t ms, bool repeat,
		     ev_timer_cb cb, void *arg);
int ev_del_timer(struct ev_loop *l, uint64_t id);

/* Signals through signalfd (the signal is blocked for the process). */
int ev_add_signal(struct ev_loop *l, int signo, ev_signal_cb cb, void *arg);

/* Called once per turn, before the loop sleeps in epoll_wait. */
void ev_set_before_sleep(struct ev_loop *l, ev_hook_cb cb, void *arg);

/*
 * Runs until ev_stop.  Returns 0, or -errno when epoll_wait fails for a
 * reason other than EINTR.
 */
int ev_run(struct ev_loop *l);
void ev_stop(struct ev_loop *l);

/* Milliseconds of CLOCK_MONOTONIC, for latency measurements. */
uint64_t ev_now_ms(void);

#endif
