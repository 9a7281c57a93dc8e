/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-console with one port (virtio 1.2 section 5.3, no VIRTIO_CONSOLE_F_MULTIPORT): the
 * guest's hvc0. Output (transmitq) is written to a host fd; input comes from a host fd the
 * I/O thread polls and from virtio_console_input() (e.g. the host terminal), through a small
 * buffer that waits while the guest has posted no receive buffers.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/iothread.h"
#include "virtio/virtio.h"

#define CONS_RX 0u /* receiveq (port 0) */
#define CONS_TX 1u /* transmitq (port 0) */
#define CONS_QUEUE_SIZE 64u
#define CONS_BUF 4096u
/*
 * Output waits for out_fd in slices of CONS_WAIT_MS, looking for a reset or a stop in
 * between, and then writes at most PIPE_BUF bytes: POLLOUT on a pipe promises that much room
 * (pipe(7)), so a host that reads nothing holds the request but never the I/O thread.
 */
#define CONS_WAIT_MS 50
#define CONS_WRITE_MAX PIPE_BUF

/* struct virtio_console_config (5.3.4): cols, rows, max_nr_ports, emerg_wr. */
#define CONS_CONFIG_SIZE 12u

struct virtio_console {
	struct virtio_dev vd; /* first: ops callbacks get &vd */
	int in_fd, out_fd;
	bool in_eof;
	_Atomic bool stopping; /* the VM is going down: give up waiting for out_fd */
	struct iothread *io;
	pthread_mutex_t io_lock;  /* held by the I/O thread while it works on the queues */
	pthread_mutex_t buf_lock; /* the input buffer */
	uint8_t buf[CONS_BUF];
	size_t head, len;     /* ring: bytes [head, head+len) mod CONS_BUF wait for the guest */
	struct virtq_req req; /* I/O thread only */
};

static struct virtio_console *to_cons(struct virtio_dev *vd)
{
	return (struct virtio_console *)vd;
}

/* Adds up to n bytes to the input ring; returns how many fitted. */
static size_t cons_buf_put(struct virtio_console *c, const uint8_t *p, size_t n)
{
	size_t done = 0;

	pthread_mutex_lock(&c->buf_lock);
	while (done < n && c->len < CONS_BUF) {
		c->buf[(c->head + c->len) % CONS_BUF] = p[done++];
		c->len++;
	}
	pthread_mutex_unlock(&c->buf_lock);
	return done;
}

/* Waits until out_fd takes output; false if the request was cancelled or the device stops. */
static bool cons_tx_wait(struct virtio_console *c)
{
	struct pollfd p = {.fd = c->out_fd, .events = POLLOUT};

	for (;;) {
		int r;

		if (atomic_load(&c->stopping) || virtq_req_cancelled(&c->vd, CONS_TX, &c->req))
			return false;
		r = poll(&p, 1, CONS_WAIT_MS);
		if (r > 0)
			return true; /* writable, or an error the write will report */
		if (r < 0 && errno != EINTR)
			return false;
	}
}

/*
 * Writes the whole readable part of a transmit request to out_fd: output is not dropped while
 * the host side lives, but a reset or a stop ends the wait (cons_tx_wait).
 */
static void cons_tx_one(struct virtio_console *c)
{
	for (unsigned i = 0; i < c->req.nout; i++) {
		const uint8_t *p = c->req.iov[i].iov_base;
		size_t left = c->req.iov[i].iov_len;

		while (left) {
			ssize_t n;

			if (!cons_tx_wait(c))
				return;
			n = write(c->out_fd, p, left < CONS_WRITE_MAX ? left : CONS_WRITE_MAX);
			/* EAGAIN: a non-blocking out_fd filled up again; wait once more. */
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0)
				return; /* the host side is gone: the guest's output goes nowhere */
			p += n;
			left -= (size_t)n;
		}
	}
}

/* Sends what the driver queued; after VIRTQ_DRAIN_ROUNDS re-arms it yields and re-kicks. */
static void cons_tx(struct virtio_console *c)
{
	unsigned rounds = 0;
	int r;

	do {
		while ((r = virtq_pop(&c->vd, CONS_TX, &c->req)) > 0) {
			cons_tx_one(c);
			virtq_push(&c->vd, CONS_TX, &c->req, 0);
		}
		virtq_notify(&c->vd, CONS_TX);
		if (++rounds > VIRTQ_DRAIN_ROUNDS) {
			iothread_kick(c->io);
			break;
		}
	} while (r == 0 && virtq_enable_notify(&c->vd, CONS_TX));
}

/* Moves buffered input into the guest's receive buffers while both exist. */
static void cons_rx(struct virtio_console *c)
{
	for (;;) {
		uint8_t tmp[CONS_BUF];
		size_t n = 0, w;

		pthread_mutex_lock(&c->buf_lock);
		while (n < c->len) {
			tmp[n] = c->buf[(c->head + n) % CONS_BUF];
			n++;
		}
		pthread_mutex_unlock(&c->buf_lock);
		if (!n || virtq_pop(&c->vd, CONS_RX, &c->req) <= 0)
			break;
		w = virtq_req_write(&c->vd, &c->req, 0, tmp, n);
		virtq_push(&c->vd, CONS_RX, &c->req, (uint32_t)w);
		pthread_mutex_lock(&c->buf_lock);
		c->head = (c->head + w) % CONS_BUF;
		c->len -= w;
		pthread_mutex_unlock(&c->buf_lock);
	}
	virtq_notify(&c->vd, CONS_RX);
	/* Re-arm so the next posted receive buffer wakes us if input is waiting. */
	virtq_enable_notify(&c->vd, CONS_RX);
}

/* Polls in_fd only while the ring has room, so a guest that reads nothing stalls the host fd. */
static void cons_update_watch(struct virtio_console *c)
{
	bool room;

	if (c->in_fd < 0 || c->in_eof)
		return;
	pthread_mutex_lock(&c->buf_lock);
	room = c->len < CONS_BUF;
	pthread_mutex_unlock(&c->buf_lock);
	iothread_watch(c->io, room);
}

static void cons_work(void *opaque)
{
	struct virtio_console *c = opaque;

	pthread_mutex_lock(&c->io_lock);
	cons_tx(c);
	cons_rx(c);
	cons_update_watch(c);
	pthread_mutex_unlock(&c->io_lock);
}

static void cons_readable(void *opaque)
{
	struct virtio_console *c = opaque;
	uint8_t tmp[CONS_BUF];
	size_t room;
	ssize_t n;

	pthread_mutex_lock(&c->buf_lock);
	room = CONS_BUF - c->len;
	pthread_mutex_unlock(&c->buf_lock);
	n = room ? read(c->in_fd, tmp, room) : 0;
	if (n > 0) {
		cons_buf_put(c, tmp, (size_t)n);
	} else if (room && (n == 0 || (errno != EINTR && errno != EAGAIN))) {
		c->in_eof = true; /* end of input: stop polling the fd */
		iothread_watch(c->io, false);
	}
	cons_work(c);
}

size_t virtio_console_input(struct virtio_dev *vd, const uint8_t *buf, size_t len)
{
	struct virtio_console *c = to_cons(vd);
	size_t n = cons_buf_put(c, buf, len);

	/* Callers stop giving input before vm_destroy; this only covers a late straggler. */
	if (n && !atomic_load(&c->stopping))
		iothread_kick(c->io);
	return n;
}

static void cons_queue_notify(struct virtio_dev *vd, unsigned q)
{
	(void)q;
	iothread_kick(to_cons(vd)->io);
}

static void cons_reset(struct virtio_dev *vd)
{
	struct virtio_console *c = to_cons(vd);

	pthread_mutex_lock(&c->io_lock); /* wait for the I/O thread's current round */
	pthread_mutex_unlock(&c->io_lock);
}

static void cons_config_read(struct virtio_dev *vd, uint32_t off, void *buf, uint32_t len)
{
	/* No F_SIZE, no F_MULTIPORT, no F_EMERG_WRITE: every field reads 0. */
	(void)vd;
	(void)off;
	memset(buf, 0, len);
}

static void cons_sync(struct virtio_dev *vd)
{
	iothread_sync((to_cons(vd))->io);
}

static void cons_stop(struct virtio_dev *vd)
{
	struct virtio_console *c = to_cons(vd);

	atomic_store(&c->stopping, true);
	iothread_stop(c->io);
	c->io = NULL;
}

static void cons_destroy(struct virtio_dev *vd)
{
	struct virtio_console *c = to_cons(vd);

	iothread_stop(c->io); /* NULL after cons_stop */
	pthread_mutex_destroy(&c->io_lock);
	pthread_mutex_destroy(&c->buf_lock);
	free(c);
}

/* Pause: parks the I/O thread once a request in progress is complete. */
static void cons_quiesce(struct virtio_dev *vd, bool pause)
{
	iothread_pause(to_cons(vd)->io, pause);
}

static const struct virtio_dev_ops cons_ops = {
    .name = "virtio-console",
    .device_id = VIRTIO_ID_CONSOLE,
    .num_queues = 2,
    .queue_max = CONS_QUEUE_SIZE,
    .config_size = CONS_CONFIG_SIZE,
    .config_read = cons_config_read,
    .queue_notify = cons_queue_notify,
    .reset = cons_reset,
    .stop = cons_stop,
    .sync = cons_sync,
    .quiesce = cons_quiesce,
    .destroy = cons_destroy,
};

static const struct iothread_ops cons_io_ops = {
    .name = "virtio-console",
    .work = cons_work,
    .readable = cons_readable,
};

int virtio_console_create(struct vm *vm, int in_fd, int out_fd, int slot, struct virtio_dev **out)
{
	struct virtio_console *c = calloc(1, sizeof(*c));
	int err;

	if (out)
		*out = NULL;
	if (!c)
		return -ENOMEM;
	c->vd.ops = &cons_ops;
	c->in_fd = in_fd;
	c->out_fd = out_fd;
	pthread_mutex_init(&c->io_lock, NULL);
	pthread_mutex_init(&c->buf_lock, NULL);
	err = iothread_start(&c->io, &cons_io_ops, c, in_fd);
	if (!err)
		err = virtio_mmio_attach(vm, &c->vd, slot);
	if (err) {
		iothread_stop(c->io);
		pthread_mutex_destroy(&c->io_lock);
		pthread_mutex_destroy(&c->buf_lock);
		free(c);
		return err;
	}
	if (out)
		*out = &c->vd;
	return 0;
}

_Static_assert(sizeof(struct virtio_console_state) == 8 + CONS_BUF, "no padding");

int virtio_console_save(struct virtio_dev *vd, struct virtio_console_state *s)
{
	struct virtio_console *c = to_cons(vd);

	if (vd->ops != &cons_ops)
		return -EINVAL;
	/* Quiesced, the I/O thread is parked outside cons_work and io_lock is free. */
	if (pthread_mutex_trylock(&c->io_lock))
		return -EBUSY;
	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&c->buf_lock);
	for (size_t i = 0; i < c->len; i++)
		s->input[i] = c->buf[(c->head + i) % CONS_BUF];
	s->len = (uint32_t)c->len;
	pthread_mutex_unlock(&c->buf_lock);
	pthread_mutex_unlock(&c->io_lock);
	return 0;
}

int virtio_console_load(struct virtio_dev *vd, const struct virtio_console_state *s)
{
	struct virtio_console *c = to_cons(vd);

	if (vd->ops != &cons_ops)
		return -EINVAL;
	/* cols/rows exist only with VIRTIO_CONSOLE_F_SIZE (5.3.4), not offered: they read 0. */
	if (s->cols || s->rows || s->len > CONS_BUF)
		return -EINVAL;
	for (size_t i = s->len; i < CONS_BUF; i++) {
		if (s->input[i])
			return -EINVAL;
	}
	pthread_mutex_lock(&c->io_lock);
	pthread_mutex_lock(&c->buf_lock);
	memcpy(c->buf, s->input, CONS_BUF);
	c->head = 0;
	c->len = s->len;
	pthread_mutex_unlock(&c->buf_lock);
	pthread_mutex_unlock(&c->io_lock);
	if (c->io)
		iothread_kick(c->io); /* parked by a pause: runs after the resume */
	return 0;
}

int virtio_console_reset(struct virtio_dev *vd)
{
	struct virtio_console *c = to_cons(vd);

	if (vd->ops != &cons_ops)
		return -EINVAL;
	pthread_mutex_lock(&c->io_lock);
	pthread_mutex_lock(&c->buf_lock);
	memset(c->buf, 0, sizeof(c->buf));
	c->head = c->len = 0;
	pthread_mutex_unlock(&c->buf_lock);
	pthread_mutex_unlock(&c->io_lock);
	return 0;
}
