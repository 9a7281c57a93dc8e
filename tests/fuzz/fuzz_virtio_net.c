/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net behind the virtio-mmio transport, on a loopback-free backend made here: frames
 * the guest sends are dropped after the device parsed them, and FZ_OP_HOST_INPUT frames arrive
 * from the network on the backend's I/O thread, through net_backend_deliver() as a real
 * backend's would (bounds included).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "host/net.h"
#include "virtio/virtio.h"
#include "virtio_harness.h"

#define FRAMES_MAX 16u

struct fuzz_be {
	struct net_backend be; /* first: the backend callbacks get &be */
	pthread_mutex_t lock;
	uint8_t *frame[FRAMES_MAX];
	size_t len[FRAMES_MAX];
	unsigned n;
};

struct net_ctx {
	struct fuzz_be *fb; /* owned by the device once attached */
};

static int fb_fill(struct net_backend *be, struct net_pollset *ps, int *timeout_ms)
{
	(void)be;
	(void)ps;
	(void)timeout_ms;
	return 0;
}

/* Hands the queued frames to the device; on the I/O thread. */
static void fb_dispatch(struct net_backend *be, const struct net_pollset *ps, bool poll_error)
{
	struct fuzz_be *f = (struct fuzz_be *)be;
	uint8_t *frame[FRAMES_MAX];
	size_t len[FRAMES_MAX];
	unsigned n;

	(void)ps;
	(void)poll_error;
	pthread_mutex_lock(&f->lock);
	n = f->n;
	memcpy(frame, f->frame, sizeof(frame));
	memcpy(len, f->len, sizeof(len));
	f->n = 0;
	pthread_mutex_unlock(&f->lock);
	for (unsigned i = 0; i < n; i++) {
		net_backend_deliver(be, frame[i], len[i]);
		free(frame[i]);
	}
}

static int fb_send(struct net_backend *be, const uint8_t *frame, size_t len)
{
	(void)be;
	(void)frame;
	(void)len;
	return 0;
}

static void fb_destroy(struct net_backend *be)
{
	struct fuzz_be *f = (struct fuzz_be *)be;

	for (unsigned i = 0; i < f->n; i++)
		free(f->frame[i]);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static const struct net_backend_ops fb_ops = {
    .kind = "fuzz",
    .fill = fb_fill,
    .dispatch = fb_dispatch,
    .send = fb_send,
    .destroy = fb_destroy,
};

static int net_attach(struct fz *fz, struct vm *vm, void *opaque)
{
	struct net_ctx *c = opaque;
	struct fuzz_be *f = calloc(1, sizeof(*f));
	char msg[256];

	(void)fz;
	if (!f || net_backend_init(&f->be, &fb_ops))
		abort();
	pthread_mutex_init(&f->lock, NULL);
	c->fb = f;
	return virtio_net_create(vm, &f->be, 0, -1, msg, sizeof(msg)); /* consumes f */
}

/* A frame from the network: queued, then the I/O thread is woken to deliver it. */
static void net_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct net_ctx *c = opaque;
	struct fuzz_be *f = c->fb;
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	memcpy(copy, buf, len);
	pthread_mutex_lock(&f->lock);
	if (f->n < FRAMES_MAX) {
		f->frame[f->n] = copy;
		f->len[f->n++] = len;
		copy = NULL;
	}
	pthread_mutex_unlock(&f->lock);
	free(copy);
	net_backend_kick(&f->be);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_ctx c = {0};
	const struct fz_device dev = {.attach = net_attach, .host_input = net_input, .ctx = &c};

	return fz_run(&dev, data, size);
}
