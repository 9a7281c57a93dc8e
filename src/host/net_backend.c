/* SPDX-License-Identifier: Apache-2.0 */
/* The part every network backend shares: backend dispatch and the I/O thread's poll loop. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/vm.h"
#include "host/net.h"
#include "vireo/vireo.h"

int net_backend_open(struct net_backend **out, const struct vireo_device *d, char *msg,
		     size_t msglen)
{
	*out = NULL;
	if (d->net.backend == VIREO_NET_USER)
		return net_slirp_open(out, d, msg, msglen);
	if (d->net.backend == VIREO_NET_TAP)
		return net_tap_open(out, d, msg, msglen);
	snprintf(msg, msglen, "unknown network backend %d", (int)d->net.backend);
	return -EINVAL;
}

int net_backend_init(struct net_backend *be, const struct net_backend_ops *ops)
{
	be->ops = ops;
	atomic_init(&be->stop, false);
	be->started = false;
	be->vm = NULL;
	be->pause = be->parked = false;
	be->sync_want = be->sync_done = 0;
	be->sleeping = false;
	pthread_mutex_init(&be->lock, NULL);
	pthread_cond_init(&be->cond, NULL);
	be->ps.fds = NULL;
	be->ps.count = be->ps.cap = 0;
	be->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (be->kick_fd < 0)
		return -errno;
	return 0;
}

int net_pollset_add(struct net_pollset *ps, int fd, short events)
{
	if (ps->count == ps->cap) {
		int cap = ps->cap ? ps->cap * 2 : 16;
		struct pollfd *fds = realloc(ps->fds, (size_t)cap * sizeof(*fds));

		if (!fds)
			return -ENOMEM;
		ps->fds = fds;
		ps->cap = cap;
	}
	ps->fds[ps->count] = (struct pollfd){.fd = fd, .events = events};
	return ps->count++;
}

void net_backend_kick(struct net_backend *be)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is saturated: the thread is woken already. */
	if (write(be->kick_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return;
}

int net_backend_send(struct net_backend *be, const uint8_t *frame, size_t len)
{
	int err;

	if (len < NET_FRAME_MIN || len > NET_FRAME_MAX)
		return -EMSGSIZE;
	err = be->ops->send(be, frame, len);
	if (err)
		be->tx_errors++;
	else
		be->tx_frames++;
	return err;
}

void net_backend_deliver(struct net_backend *be, const uint8_t *frame, size_t len)
{
	if (len < NET_FRAME_MIN || len > NET_FRAME_MAX || !be->client.receive)
		return;
	be->rx_frames++;
	be->client.receive(be->client.opaque, frame, len);
}

/*
 * Bookkeeping for net_backend_sync() around the blocking poll: before it (sleeping), the pending
 * calls are answered once no kick is pending, i.e. every callback run for an earlier kick has
 * returned and none asked for another round; after it the thread is busy again.
 */
static void net_backend_settle(struct net_backend *be, bool sleeping)
{
	struct pollfd p = {.fd = be->kick_fd, .events = POLLIN};

	pthread_mutex_lock(&be->lock);
	be->sleeping = sleeping;
	if (sleeping && be->sync_done != be->sync_want && poll(&p, 1, 0) == 0) {
		be->sync_done = be->sync_want;
		pthread_cond_broadcast(&be->cond);
	}
	pthread_mutex_unlock(&be->lock);
}

void net_backend_sync(struct net_backend *be)
{
	struct pollfd p = {.fd = be->kick_fd, .events = POLLIN};
	uint64_t want;

	if (!be->started)
		return;
	pthread_mutex_lock(&be->lock);
	/*
	 * Asleep with no kick pending: it ran everything it was kicked for before it slept.
	 * Parked (net_backend_pause): it runs nothing until the resume, so waiting for the work
	 * would never end; the device is as still as it gets.
	 */
	if ((be->pause && be->parked) || (be->sleeping && poll(&p, 1, 0) == 0)) {
		pthread_mutex_unlock(&be->lock);
		return;
	}
	want = ++be->sync_want;
	pthread_mutex_unlock(&be->lock);
	net_backend_kick(be); /* a sleeping thread must come round to answer */
	pthread_mutex_lock(&be->lock);
	/* A pause asked for meanwhile parks the thread before it answers: that ends the wait. */
	while (be->sync_done < want && !(be->pause && be->parked))
		pthread_cond_wait(&be->cond, &be->lock);
	pthread_mutex_unlock(&be->lock);
}

/* One round: sleep on the kick fd and the backend's fds, then serve what is ready. */
static int net_backend_round(struct net_backend *be)
{
	int timeout = -1, n, err;
	uint64_t count;
	bool kicked;

	net_backend_settle(be, true);
	be->ps.count = 0;
	err = net_pollset_add(&be->ps, be->kick_fd, POLLIN);
	if (err < 0)
		return err;
	err = be->ops->fill(be, &be->ps, &timeout);
	if (err)
		return err;
	n = poll(be->ps.fds, (nfds_t)be->ps.count, timeout);
	net_backend_settle(be, false);
	if (n < 0 && errno != EINTR)
		return -errno;
	kicked = n > 0 && (be->ps.fds[0].revents & POLLIN) &&
		 read(be->kick_fd, &count, sizeof(count)) == sizeof(count);
	if (atomic_load(&be->stop))
		return 0;
	/* A pause parks here, between rounds; what poll found is served after the resume. */
	pthread_mutex_lock(&be->lock);
	if (be->pause) {
		be->parked = true; /* also answers net_backend_sync (see there) */
		pthread_cond_broadcast(&be->cond);
		while (be->pause && !atomic_load(&be->stop))
			pthread_cond_wait(&be->cond, &be->lock);
		be->parked = false;
	}
	pthread_mutex_unlock(&be->lock);
	if (atomic_load(&be->stop))
		return 0;
	be->ops->dispatch(be, &be->ps, n < 0);
	if (kicked && be->client.poll)
		be->client.poll(be->client.opaque);
	return 0;
}

static void *net_backend_thread(void *arg)
{
	struct net_backend *be = arg;

	while (!atomic_load(&be->stop)) {
		int err = net_backend_round(be);

		if (err) {
			/* Out of memory or a bad poll set: the NIC goes quiet, the VM lives on. */
			vm_log(be->vm, VIREO_LOG_ERROR, "%s network backend stopped: %s",
			       be->ops->kind, strerror(-err));
			break;
		}
	}
	return NULL;
}

int net_backend_start(struct net_backend *be, const struct net_client *client)
{
	int err;

	if (be->started)
		return -EBUSY;
	be->client = *client;
	err = pthread_create(&be->thread, NULL, net_backend_thread, be);
	if (err)
		return -err;
	be->started = true;
	return 0;
}

void net_backend_pause(struct net_backend *be, bool pause)
{
	if (!be || !be->started)
		return;
	pthread_mutex_lock(&be->lock);
	be->pause = pause;
	pthread_cond_broadcast(&be->cond);
	pthread_mutex_unlock(&be->lock);
	if (!pause)
		return;
	net_backend_kick(be);
	pthread_mutex_lock(&be->lock);
	while (be->pause && !be->parked && !atomic_load(&be->stop))
		pthread_cond_wait(&be->cond, &be->lock);
	pthread_mutex_unlock(&be->lock);
}

void net_backend_stop(struct net_backend *be)
{
	if (!be || !be->started)
		return;
	pthread_mutex_lock(&be->lock);
	atomic_store(&be->stop, true);
	pthread_cond_broadcast(&be->cond);
	pthread_mutex_unlock(&be->lock);
	net_backend_kick(be);
	pthread_join(be->thread, NULL);
	be->started = false;
}

void net_backend_destroy(struct net_backend *be)
{
	if (!be)
		return;
	net_backend_stop(be);
	if (be->kick_fd >= 0)
		close(be->kick_fd);
	free(be->ps.fds);
	pthread_mutex_destroy(&be->lock);
	pthread_cond_destroy(&be->cond);
	be->ops->destroy(be);
}
