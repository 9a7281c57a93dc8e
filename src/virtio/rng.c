/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-rng, the entropy device (virtio 1.2 section 5.4): buffers filled from getrandom(2). */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "host/iothread.h"
#include "virtio/virtio.h"

#define RNG_QUEUE_SIZE 64u
/* Most bytes given per request: the device may use less than the buffer (5.4.6.1). */
#define RNG_MAX_BYTES (64u << 10)
#define RNG_BUDGET 64u /* requests per wake-up; then the thread re-kicks itself */

struct virtio_rng {
	struct virtio_dev vd; /* first: ops callbacks get &vd */
	struct iothread *io;
	pthread_mutex_t io_lock;
	struct virtq_req req; /* I/O thread only */
};

/* Fills up to RNG_MAX_BYTES of req's writable buffers; returns the bytes written. */
static uint32_t rng_fill(struct virtio_rng *r)
{
	struct virtq_req *req = &r->req;
	uint32_t done = 0;

	for (unsigned i = req->nout; i < req->nout + req->nin && done < RNG_MAX_BYTES; i++) {
		size_t want = req->iov[i].iov_len, got = 0;

		if (want > RNG_MAX_BYTES - done)
			want = RNG_MAX_BYTES - done;
		while (got < want) {
			ssize_t n = getrandom((uint8_t *)req->iov[i].iov_base + got, want - got, 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return done + (uint32_t)got;
			got += (size_t)n;
		}
		done += (uint32_t)got;
	}
	return done; /* virtq_push marks the written pages */
}

/* Fills what the driver posted; yields and re-kicks after a bounded amount of work. */
static void rng_work(void *opaque)
{
	struct virtio_rng *r = opaque;
	unsigned done = 0, rounds = 0;
	bool again = false;
	int ret = 0;

	pthread_mutex_lock(&r->io_lock);
	do {
		while (done < RNG_BUDGET && (ret = virtq_pop(&r->vd, 0, &r->req)) > 0) {
			virtq_push(&r->vd, 0, &r->req, rng_fill(r));
			done++;
		}
		virtq_notify(&r->vd, 0);
		if (done >= RNG_BUDGET || ++rounds > VIRTQ_DRAIN_ROUNDS) {
			again = true;
			break;
		}
	} while (ret == 0 && virtq_enable_notify(&r->vd, 0));
	pthread_mutex_unlock(&r->io_lock);
	if (again)
		iothread_kick(r->io);
}

static void rng_queue_notify(struct virtio_dev *vd, unsigned q)
{
	(void)q;
	iothread_kick(((struct virtio_rng *)vd)->io);
}

static void rng_reset(struct virtio_dev *vd)
{
	struct virtio_rng *r = (struct virtio_rng *)vd;

	pthread_mutex_lock(&r->io_lock); /* wait for the request in flight */
	pthread_mutex_unlock(&r->io_lock);
}

static void rng_sync(struct virtio_dev *vd)
{
	iothread_sync(((struct virtio_rng *)vd)->io);
}

static void rng_stop(struct virtio_dev *vd)
{
	struct virtio_rng *r = (struct virtio_rng *)vd;

	iothread_stop(r->io);
	r->io = NULL;
}

static void rng_destroy(struct virtio_dev *vd)
{
	struct virtio_rng *r = (struct virtio_rng *)vd;

	iothread_stop(r->io); /* NULL after rng_stop */
	pthread_mutex_destroy(&r->io_lock);
	free(r);
}

/* Pause: parks the I/O thread once a request in progress is complete. */
static void rng_quiesce(struct virtio_dev *vd, bool pause)
{
	iothread_pause(((struct virtio_rng *)vd)->io, pause);
}

static const struct virtio_dev_ops rng_ops = {
    .name = "virtio-rng",
    .device_id = VIRTIO_ID_RNG,
    .num_queues = 1,
    .queue_max = RNG_QUEUE_SIZE,
    .queue_notify = rng_queue_notify,
    .reset = rng_reset,
    .stop = rng_stop,
    .sync = rng_sync,
    .quiesce = rng_quiesce,
    .destroy = rng_destroy,
};

static const struct iothread_ops rng_io_ops = {.name = "virtio-rng", .work = rng_work};

int virtio_rng_create(struct vm *vm, int slot)
{
	struct virtio_rng *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return -ENOMEM;
	r->vd.ops = &rng_ops;
	pthread_mutex_init(&r->io_lock, NULL);
	err = iothread_start(&r->io, &rng_io_ops, r, -1);
	if (!err)
		err = virtio_mmio_attach(vm, &r->vd, slot);
	if (err) {
		iothread_stop(r->io);
		pthread_mutex_destroy(&r->io_lock);
		free(r);
	}
	return err;
}
