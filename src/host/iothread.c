/* SPDX-License-Identifier: Apache-2.0 */
/* A device's host I/O thread: poll(2) on an eventfd for kicks and on one optional fd. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "host/iothread.h"

struct iothread {
	const struct iothread_ops *ops;
	void *opaque;
	int kick_fd;
	int watch_fd;
	_Atomic bool watch_on;
	_Atomic bool stop;
	pthread_t thread;
	/*
	 * Under lock: iothread_sync's rounds (the last asked for, the last answered) and
	 * iothread_pause's park; cond signals any change of them.
	 */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t sync_want, sync_done;
	bool sleeping; /* in (or about to enter) the poll */
	bool pause, parked;
};

/* Parks the thread while a pause is asked for (not inside a callback); false to stop. */
static bool iothread_park(struct iothread *t)
{
	pthread_mutex_lock(&t->lock);
	if (t->pause) {
		t->parked = true; /* also answers iothread_sync (see there) */
		pthread_cond_broadcast(&t->cond);
		while (t->pause && !atomic_load(&t->stop))
			pthread_cond_wait(&t->cond, &t->lock);
		t->parked = false;
	}
	pthread_mutex_unlock(&t->lock);
	return !atomic_load(&t->stop);
}

/* Drains the eventfd; true if it had been kicked. */
static bool iothread_drain(struct iothread *t)
{
	uint64_t v;

	return read(t->kick_fd, &v, sizeof(v)) == (ssize_t)sizeof(v);
}

/*
 * Bookkeeping for iothread_sync() around the blocking poll: before it (sleeping), the pending
 * calls are answered once no kick is pending, i.e. every callback run for an earlier kick has
 * returned and none asked for another round; after it the thread is busy again.
 */
static void iothread_settle(struct iothread *t, bool sleeping)
{
	struct pollfd p = {.fd = t->kick_fd, .events = POLLIN};

	pthread_mutex_lock(&t->lock);
	t->sleeping = sleeping;
	if (sleeping && t->sync_done != t->sync_want && poll(&p, 1, 0) == 0) {
		t->sync_done = t->sync_want;
		pthread_cond_broadcast(&t->cond);
	}
	pthread_mutex_unlock(&t->lock);
}

static void *iothread_main(void *arg)
{
	struct iothread *t = arg;

	while (iothread_park(t)) {
		struct pollfd pfd[2] = {{.fd = t->kick_fd, .events = POLLIN}};
		nfds_t n = 1;
		int ret;

		if (t->watch_fd >= 0 && atomic_load(&t->watch_on)) {
			pfd[1].fd = t->watch_fd;
			pfd[1].events = POLLIN;
			n = 2;
		}
		iothread_settle(t, true);
		ret = poll(pfd, n, -1);
		iothread_settle(t, false);
		if (ret < 0)
			continue; /* EINTR; nothing else can fail with valid fds */
		if (atomic_load(&t->stop))
			break;
		/* A pause parks before any callback; the kick stays pending for the resume. */
		if (!iothread_park(t))
			break;
		if ((pfd[0].revents & POLLIN) && iothread_drain(t) && t->ops->work)
			t->ops->work(t->opaque);
		if (n == 2 && pfd[1].revents && t->ops->readable)
			t->ops->readable(t->opaque);
	}
	return NULL;
}

int iothread_start(struct iothread **out, const struct iothread_ops *ops, void *opaque,
		   int watch_fd)
{
	struct iothread *t;
	int err;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->ops = ops;
	t->opaque = opaque;
	t->watch_fd = watch_fd;
	atomic_init(&t->watch_on, watch_fd >= 0);
	atomic_init(&t->stop, false);
	t->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (t->kick_fd < 0) {
		err = -errno;
		free(t);
		return err;
	}
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	err = pthread_create(&t->thread, NULL, iothread_main, t);
	if (err) {
		pthread_cond_destroy(&t->cond);
		pthread_mutex_destroy(&t->lock);
		close(t->kick_fd);
		free(t);
		return -err;
	}
	if (ops->name) {
		char name[16];

		snprintf(name, sizeof(name), "%s", ops->name);
		pthread_setname_np(t->thread, name);
	}
	*out = t;
	return 0;
}

void iothread_kick(struct iothread *t)
{
	uint64_t one = 1;

	/* Only EAGAIN (counter saturated) can fail, and then a wake-up is pending anyway. */
	if (write(t->kick_fd, &one, sizeof(one)) < 0)
		return;
}

void iothread_watch(struct iothread *t, bool on)
{
	if (atomic_exchange(&t->watch_on, on) != on && !iothread_is_current(t))
		iothread_kick(t); /* make the poll loop pick up the new set */
}

void iothread_sync(struct iothread *t)
{
	struct pollfd p = {.fd = t ? t->kick_fd : -1, .events = POLLIN};
	uint64_t want;

	if (!t)
		return; /* stopped (the device's stop op) */
	pthread_mutex_lock(&t->lock);
	/*
	 * Asleep with no kick pending: it ran everything it was kicked for before it slept.
	 * Parked (iothread_pause): it runs nothing until the resume, so waiting for the work
	 * would never end; the device is as still as it gets.
	 */
	if ((t->pause && t->parked) || (t->sleeping && poll(&p, 1, 0) == 0)) {
		pthread_mutex_unlock(&t->lock);
		return;
	}
	want = ++t->sync_want;
	pthread_mutex_unlock(&t->lock);
	iothread_kick(t); /* a sleeping thread must come round to answer */
	pthread_mutex_lock(&t->lock);
	/* A pause asked for meanwhile parks the thread before it answers: that ends the wait. */
	while (t->sync_done < want && !(t->pause && t->parked))
		pthread_cond_wait(&t->cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
}

bool iothread_is_current(const struct iothread *t)
{
	return pthread_equal(pthread_self(), t->thread);
}

void iothread_pause(struct iothread *t, bool pause)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->pause = pause;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	if (!pause)
		return;
	iothread_kick(t); /* out of poll(2), to the park */
	pthread_mutex_lock(&t->lock);
	while (t->pause && !t->parked && !atomic_load(&t->stop))
		pthread_cond_wait(&t->cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
}

void iothread_stop(struct iothread *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	atomic_store(&t->stop, true);
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	iothread_kick(t);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	close(t->kick_fd);
	free(t);
}
