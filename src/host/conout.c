/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest console output. Producers (vCPU threads in the UART and the SBI console) copy bytes
 * into a ring under a lock and never touch the fd; one writer thread takes them out of the
 * ring and write(2)s them, blocking as long as the reader makes it. The writer reads the ring
 * without the lock (only it moves head; producers only fill the free part), and is the only
 * thread that can block on the fd: it runs with cancellation disabled except inside write(2)
 * and poll(2), so conout_destroy can end it there when the reader takes nothing at all.
 * A write error (EPIPE: the reader is gone) drops the bytes, as a missing console would.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host/conout.h"

struct conout {
	int fd;
	pthread_t thread;
	bool thread_started;

	pthread_mutex_t lock; /* guards what follows, but buf[head..] is read by the writer */
	pthread_cond_t more;  /* bytes were queued, or stop was set: for the writer */
	pthread_cond_t room;  /* bytes left the ring, or the writer ended: for waiters */
	size_t head, count;
	uint64_t taken; /* bytes that ever left the ring: flushing watches it move */
	bool stop;	/* the writer ends once the ring is empty */
	bool done;	/* the writer ended */

	pthread_mutex_t notify_lock; /* held while notify runs, so it can be swapped safely */
	void (*notify)(void *arg);
	void *notify_arg;

	uint8_t buf[CONOUT_BUF];
};

/* An absolute CLOCK_MONOTONIC time ms milliseconds from now, for the condition variables. */
static struct timespec deadline_in(unsigned ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* Writes some of p[0..len) to the fd; returns how many bytes leave the ring (written or lost). */
static size_t conout_put(struct conout *co, const uint8_t *p, size_t len)
{
	for (;;) {
		struct pollfd pfd = {.fd = co->fd, .events = POLLOUT};
		ssize_t n;
		int e;

		/* write(2) and poll(2): the cancellation points where the writer may stop. */
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
		n = write(co->fd, p, len);
		e = errno;
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
		if (n > 0)
			return (size_t)n;
		if (n < 0 && e == EINTR)
			continue;
		if (n < 0 && (e == EAGAIN || e == EWOULDBLOCK)) {
			/* A non-blocking fd (the caller's choice): wait until it takes more. */
			pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
			poll(&pfd, 1, -1);
			pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
			continue;
		}
		/* The reader is gone (EPIPE, EIO) or the fd takes nothing: the bytes go nowhere. */
		return len;
	}
}

/* Calls the notify hook, if any, with no conout lock held. */
static void conout_notify(struct conout *co)
{
	pthread_mutex_lock(&co->notify_lock);
	if (co->notify)
		co->notify(co->notify_arg);
	pthread_mutex_unlock(&co->notify_lock);
}

static void *conout_thread(void *arg)
{
	struct conout *co = arg;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_mutex_lock(&co->lock);
	for (;;) {
		size_t len, n;

		while (!co->count && !co->stop)
			pthread_cond_wait(&co->more, &co->lock);
		if (!co->count)
			break;
		/* The part up to the ring's end; the rest comes next round. */
		len = co->count < CONOUT_BUF - co->head ? co->count : CONOUT_BUF - co->head;
		pthread_mutex_unlock(&co->lock);
		n = conout_put(co, co->buf + co->head, len);
		pthread_mutex_lock(&co->lock);
		co->head = (co->head + n) % CONOUT_BUF;
		co->count -= n;
		co->taken += n;
		pthread_cond_broadcast(&co->room);
		pthread_mutex_unlock(&co->lock);
		conout_notify(co);
		pthread_mutex_lock(&co->lock);
	}
	co->done = true;
	pthread_cond_broadcast(&co->room);
	pthread_mutex_unlock(&co->lock);
	return NULL;
}

int conout_create(struct conout **out, int fd)
{
	struct conout *co;
	pthread_condattr_t ca;
	int err;

	*out = NULL;
	co = calloc(1, sizeof(*co));
	if (!co)
		return -ENOMEM;
	co->fd = fd;
	pthread_mutex_init(&co->lock, NULL);
	pthread_mutex_init(&co->notify_lock, NULL);
	/* Timed waits measure intervals: immune to changes of the wall clock. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&co->more, &ca);
	pthread_cond_init(&co->room, &ca);
	pthread_condattr_destroy(&ca);
	err = -pthread_create(&co->thread, NULL, conout_thread, co);
	if (err) {
		conout_destroy(co);
		return err;
	}
	co->thread_started = true;
	*out = co;
	return 0;
}

size_t conout_write(struct conout *co, const uint8_t *buf, size_t len)
{
	size_t n, tail, first;

	pthread_mutex_lock(&co->lock);
	n = CONOUT_BUF - co->count;
	if (n > len)
		n = len;
	tail = (co->head + co->count) % CONOUT_BUF;
	first = n < CONOUT_BUF - tail ? n : CONOUT_BUF - tail;
	memcpy(co->buf + tail, buf, first);
	memcpy(co->buf, buf + first, n - first);
	co->count += n;
	if (n)
		pthread_cond_signal(&co->more);
	pthread_mutex_unlock(&co->lock);
	return n;
}

size_t conout_room(struct conout *co)
{
	size_t n;

	pthread_mutex_lock(&co->lock);
	n = CONOUT_BUF - co->count;
	pthread_mutex_unlock(&co->lock);
	return n;
}

bool conout_wait_room(struct conout *co, size_t want, unsigned ms)
{
	struct timespec until = deadline_in(ms);
	bool ok;

	pthread_mutex_lock(&co->lock);
	while (CONOUT_BUF - co->count < want && !co->done) {
		if (pthread_cond_timedwait(&co->room, &co->lock, &until) == ETIMEDOUT)
			break;
	}
	ok = CONOUT_BUF - co->count >= want;
	pthread_mutex_unlock(&co->lock);
	return ok;
}

bool conout_flush(struct conout *co, unsigned ms)
{
	struct timespec until = deadline_in(ms);
	uint64_t seen;
	bool empty;

	pthread_mutex_lock(&co->lock);
	seen = co->taken;
	while (co->count && !co->done) {
		int r = pthread_cond_timedwait(&co->room, &co->lock, &until);

		if (co->taken != seen) {
			/* Progress: a slow reader gets another ms. */
			seen = co->taken;
			until = deadline_in(ms);
		} else if (r == ETIMEDOUT) {
			break;
		}
	}
	empty = !co->count;
	pthread_mutex_unlock(&co->lock);
	return empty;
}

void conout_set_notify(struct conout *co, void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&co->notify_lock);
	co->notify = fn;
	co->notify_arg = arg;
	pthread_mutex_unlock(&co->notify_lock);
}

void conout_destroy(struct conout *co)
{
	bool empty;

	if (!co)
		return;
	if (co->thread_started) {
		empty = conout_flush(co, CONOUT_FLUSH_MS);
		pthread_mutex_lock(&co->lock);
		co->stop = true;
		pthread_cond_signal(&co->more);
		pthread_mutex_unlock(&co->lock);
		/* The reader took nothing for CONOUT_FLUSH_MS: end the writer in write(2). */
		if (!empty)
			pthread_cancel(co->thread);
		pthread_join(co->thread, NULL);
	}
	pthread_cond_destroy(&co->more);
	pthread_cond_destroy(&co->room);
	pthread_mutex_destroy(&co->notify_lock);
	pthread_mutex_destroy(&co->lock);
	free(co);
}
