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
	/* iothread_pause: the thread parks between callbacks while pause is set. */
	pthread_mutex_t park_lock;
	pthread_cond_t park_cond;
	bool pause, parked;
};

/* Parks the thread while a pause is asked for (not inside a callback); false to stop. */
static bool iothread_park(struct iothread *t)
{
	pthread_mutex_lock(&t->park_lock);
	if (t->pause) {
		t->parked = true;
		pthread_cond_broadcast(&t->park_cond);
		while (t->pause && !atomic_load(&t->stop))
			pthread_cond_wait(&t->park_cond, &t->park_lock);
		t->parked = false;
	}
	pthread_mutex_unlock(&t->park_lock);
	return !atomic_load(&t->stop);
}

/* Drains the eventfd; true if it had been kicked. */
static bool iothread_drain(struct iothread *t)
{
	uint64_t v;

	return read(t->kick_fd, &v, sizeof(v)) == (ssize_t)sizeof(v);
}

static void *iothread_main(void *arg)
{
	struct iothread *t = arg;

	while (iothread_park(t)) {
		struct pollfd pfd[2] = {{.fd = t->kick_fd, .events = POLLIN}};
		nfds_t n = 1;

		if (t->watch_fd >= 0 && atomic_load(&t->watch_on)) {
			pfd[1].fd = t->watch_fd;
			pfd[1].events = POLLIN;
			n = 2;
		}
		if (poll(pfd, n, -1) < 0)
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
	pthread_mutex_init(&t->park_lock, NULL);
	pthread_cond_init(&t->park_cond, NULL);
	t->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (t->kick_fd < 0) {
		err = -errno;
		pthread_mutex_destroy(&t->park_lock);
		pthread_cond_destroy(&t->park_cond);
		free(t);
		return err;
	}
	err = pthread_create(&t->thread, NULL, iothread_main, t);
	if (err) {
		close(t->kick_fd);
		pthread_mutex_destroy(&t->park_lock);
		pthread_cond_destroy(&t->park_cond);
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

bool iothread_is_current(const struct iothread *t)
{
	return pthread_equal(pthread_self(), t->thread);
}

void iothread_pause(struct iothread *t, bool pause)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->park_lock);
	t->pause = pause;
	pthread_cond_broadcast(&t->park_cond);
	pthread_mutex_unlock(&t->park_lock);
	if (!pause)
		return;
	iothread_kick(t); /* out of poll(2), to the park */
	pthread_mutex_lock(&t->park_lock);
	while (t->pause && !t->parked && !atomic_load(&t->stop))
		pthread_cond_wait(&t->park_cond, &t->park_lock);
	pthread_mutex_unlock(&t->park_lock);
}

void iothread_stop(struct iothread *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->park_lock);
	atomic_store(&t->stop, true);
	pthread_cond_broadcast(&t->park_cond);
	pthread_mutex_unlock(&t->park_lock);
	iothread_kick(t);
	pthread_join(t->thread, NULL);
	close(t->kick_fd);
	pthread_mutex_destroy(&t->park_lock);
	pthread_cond_destroy(&t->park_cond);
	free(t);
}
