/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A device's host I/O thread: sleeps in poll(2) until it is kicked (eventfd) or an optional
 * watched fd becomes readable, then runs the device's callbacks on that thread. Lets device
 * work (disk I/O, host input) happen off the vCPU threads.
 */
#ifndef VIREO_HOST_IOTHREAD_H
#define VIREO_HOST_IOTHREAD_H

#include <stdbool.h>

struct iothread;

/* What the thread runs; all callbacks run on the I/O thread. */
struct iothread_ops {
	const char *name;		/* thread name (at most 15 characters shown) */
	void (*work)(void *opaque);	/* iothread_kick() was called since the last run */
	void (*readable)(void *opaque); /* the watched fd is readable, hung up or in error */
};

/**
 * Starts a thread running ops for opaque; watch_fd (-1: none) is polled while enabled
 * (iothread_watch). 0 or -errno.
 */
int iothread_start(struct iothread **out, const struct iothread_ops *ops, void *opaque,
		   int watch_fd);

/** Wakes the thread to run ops->work; async-signal-safe, any thread, never blocks. */
void iothread_kick(struct iothread *t);

/** Turns polling of the watched fd on or off (e.g. off while the guest has no buffers). */
void iothread_watch(struct iothread *t, bool on);

/**
 * Waits until the thread has run its callbacks for every kick made before the call and has no
 * kick pending (work that re-kicks itself is done too): the device is idle. Lets tests and
 * fuzzers step a device deterministically; not from t's own thread. While the thread is parked
 * by iothread_pause (or once it parks during the wait) it returns at once: nothing runs until
 * the resume, and the kicks still pending are served then. NULL is fine.
 */
void iothread_sync(struct iothread *t);

/** True when called on t's own thread. */
bool iothread_is_current(const struct iothread *t);

/**
 * pause: returns once the thread is parked outside its callbacks (a callback in progress
 * finishes first); kicks meanwhile are served after iothread_pause(t, false). Not from t.
 */
void iothread_pause(struct iothread *t, bool pause);

/** Stops and joins the thread, frees t; NULL is fine. Not from the thread itself. */
void iothread_stop(struct iothread *t);

#endif
