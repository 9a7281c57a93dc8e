/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest console output. Producers (vCPU threads in the UART and the SBI console) copy bytes
 * into a ring under a lock and never touch the fd; one writer thread takes them out of the
 * ring and writes them, waiting in poll(2) as long as the reader makes it. The writer reads the
 * ring without the lock (only it moves head; producers only fill the free part).
 *
 * The writer must never sleep where conout_destroy cannot wake it, so it writes without
 * blocking: to a pipe, FIFO or terminal through a file description of its own opened with
 * O_NONBLOCK (/proc/self/fd/N; setting O_NONBLOCK on the caller's stdout would change it for
 * the shell and every process sharing it), to a socket with MSG_DONTWAIT, and it waits in
 * poll(2) together with an eventfd that conout_destroy signals. Regular files and block
 * devices do not wait for a reader and are written as they are. Without /proc the fd is
 * written as it is after poll(2) says it takes bytes, PIPE_BUF at most at a time.
 * A write error (EPIPE: the reader is gone) drops the bytes, as a missing console would.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "host/conout.h"

/* conout_put's answer when conout_destroy asked the writer to give up. */
#define CONOUT_ABORT SIZE_MAX

struct conout {
	int fd;	       /* what the writer writes to: the caller's fd or own_fd */
	int own_fd;    /* a non-blocking description of the caller's fd, or -1 */
	int abort_fd;  /* eventfd: readable once the writer must give up */
	bool sock;     /* fd is a socket: send(MSG_DONTWAIT) */
	bool nonblock; /* writes to fd never block */
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

/* Waits until the fd takes bytes (or has an error to report); false when told to give up. */
static bool conout_wait_out(struct conout *co)
{
	struct pollfd p[2] = {
	    {.fd = co->fd, .events = POLLOUT},
	    {.fd = co->abort_fd, .events = POLLIN},
	};

	while (poll(p, 2, -1) < 0 && errno == EINTR)
		;
	return !p[1].revents;
}

/*
 * Writes some of p[0..len) to the fd; returns how many bytes leave the ring (written, or lost
 * to a write error), or CONOUT_ABORT.
 */
static size_t conout_put(struct conout *co, const uint8_t *p, size_t len)
{
	for (;;) {
		ssize_t n;

		if (!co->nonblock) {
			/* Only as much as a blocking write is sure to take without waiting. */
			if (!conout_wait_out(co))
				return CONOUT_ABORT;
			if (len > PIPE_BUF)
				len = PIPE_BUF;
		}
		if (co->sock)
			n = send(co->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			n = write(co->fd, p, len);
		if (n > 0)
			return (size_t)n;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!conout_wait_out(co))
				return CONOUT_ABORT;
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
		if (n == CONOUT_ABORT)
			break; /* what is left is dropped */
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

/* Picks how to write to fd without blocking (see the top of this file). */
static void conout_open_fd(struct conout *co, int fd)
{
	char path[32];
	struct stat st;
	int fl;

	co->fd = fd;
	if (fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
		co->nonblock = true; /* never waits for a reader */
		return;
	}
	if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
		co->sock = co->nonblock = true;
		return;
	}
	/* A pipe, FIFO or terminal: a description of our own, non-blocking. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	co->own_fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (co->own_fd >= 0) {
		co->fd = co->own_fd;
		co->nonblock = true;
		return;
	}
	fl = fcntl(fd, F_GETFL);
	co->nonblock = fl >= 0 && (fl & O_NONBLOCK);
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
	co->own_fd = -1;
	co->abort_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (co->abort_fd < 0) {
		err = -errno;
		free(co);
		return err;
	}
	conout_open_fd(co, fd);
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
		/*
		 * The reader took nothing for CONOUT_FLUSH_MS: the writer gives up the rest. The
		 * counter goes from 0 to 1, which cannot fail.
		 */
		if (!empty)
			eventfd_write(co->abort_fd, 1);
		pthread_join(co->thread, NULL);
	}
	if (co->own_fd >= 0)
		close(co->own_fd);
	close(co->abort_fd);
	pthread_cond_destroy(&co->more);
	pthread_cond_destroy(&co->room);
	pthread_mutex_destroy(&co->notify_lock);
	pthread_mutex_destroy(&co->lock);
	free(co);
}
