/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net (virtio 1.2 section 5.1): one receive and one transmit queue, a MAC address and
 * link status, no offloads. Frames go to and come from a host network backend (src/host/net.h)
 * whose I/O thread does all queue work: the vCPU's QueueNotify only kicks that thread.
 *
 * Every frame in either direction is preceded by the 12-byte struct virtio_net_hdr (5.1.6:
 * with VIRTIO_F_VERSION_1 the header always includes num_buffers). Since no CSUM/GSO feature is
 * offered, a transmitted header must ask for neither; one that does is dropped (5.1.6.2.1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "host/net.h"
#include "virtio/virtio.h"

/* Feature bits (5.1.3). */
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_STATUS 16

/* Config space (5.1.4): mac[6], then le16 status. */
#define VIRTIO_NET_CFG_MAC 0
#define VIRTIO_NET_CFG_STATUS 6
#define VIRTIO_NET_CFG_SIZE 8
#define VIRTIO_NET_S_LINK_UP 1u

/* struct virtio_net_hdr (5.1.6). */
#define VIRTIO_NET_HDR_LEN 12u
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1u
#define VIRTIO_NET_HDR_GSO_NONE 0u
#define VIRTIO_NET_HDR_NUM_BUFFERS 10u

#define VIRTIO_NET_RXQ 0u
#define VIRTIO_NET_TXQ 1u
#define VIRTIO_NET_QUEUE_SIZE 256u

/* Frames kept while the guest has no receive buffers; beyond either bound they are dropped. */
#define NET_RX_PENDING_MAX 128u
#define NET_RX_PENDING_BYTES (1u << 20)
/* Frames sent per wake-up before the thread looks at other work again. */
#define NET_TX_BURST 256u

struct net_frame {
	size_t len;
	uint8_t data[];
};

struct virtio_net {
	struct virtio_dev vd; /* first: the transport's pointer is ours */
	struct net_backend *be;
	uint8_t mac[6];
	/*
	 * Held by the I/O thread around queue work and by reset; recursive because sending a
	 * frame can hand a reply straight back (slirp answers ARP inside slirp_input).
	 */
	pthread_mutex_t io_lock;
	/* Frames waiting for receive buffers: a ring of NET_RX_PENDING_MAX entries. */
	struct net_frame *pending[NET_RX_PENDING_MAX];
	unsigned pend_head, pend_count;
	size_t pend_bytes;
	struct virtq_req rx_req, tx_req; /* ~6 KiB each: kept off the I/O thread's stack */
	uint8_t tx_buf[NET_FRAME_MAX];
	/* Counters (I/O thread), for tests and diagnostics. */
	uint64_t rx_delivered, rx_dropped, tx_sent, tx_dropped;
};

static struct virtio_net *to_net(struct virtio_dev *vd)
{
	return (struct virtio_net *)vd;
}

static void virtio_net_config_read(struct virtio_dev *vd, uint32_t off, void *buf, uint32_t len)
{
	struct virtio_net *n = to_net(vd);
	uint8_t cfg[VIRTIO_NET_CFG_SIZE];

	memcpy(cfg + VIRTIO_NET_CFG_MAC, n->mac, sizeof(n->mac));
	cfg[VIRTIO_NET_CFG_STATUS] = VIRTIO_NET_S_LINK_UP;
	cfg[VIRTIO_NET_CFG_STATUS + 1] = 0;
	/* The transport keeps off + len within config_size; check again, it is cheap. */
	if (off < sizeof(cfg) && len <= sizeof(cfg) - off)
		memcpy(buf, cfg + off, len);
}

static void virtio_net_queue_notify(struct virtio_dev *vd, unsigned q)
{
	(void)q;
	/* RX: new buffers may take pending frames; TX: frames to send. Both on the I/O thread. */
	net_backend_kick(to_net(vd)->be);
}

static void net_pending_drop_all(struct virtio_net *n)
{
	while (n->pend_count) {
		free(n->pending[n->pend_head]);
		n->pending[n->pend_head] = NULL;
		n->pend_head = (n->pend_head + 1) % NET_RX_PENDING_MAX;
		n->pend_count--;
		n->rx_dropped++;
	}
	n->pend_bytes = 0;
}

static void virtio_net_reset(struct virtio_dev *vd)
{
	struct virtio_net *n = to_net(vd);

	/* Taking io_lock waits for the I/O thread to leave any request it is in. */
	pthread_mutex_lock(&n->io_lock);
	net_pending_drop_all(n);
	pthread_mutex_unlock(&n->io_lock);
}

static void virtio_net_sync(struct virtio_dev *vd)
{
	net_backend_sync(to_net(vd)->be);
}

static void virtio_net_stop(struct virtio_dev *vd)
{
	/* Joins the backend's I/O thread: no frame or kick reaches the device after this. */
	net_backend_stop(to_net(vd)->be);
}

static void virtio_net_destroy(struct virtio_dev *vd)
{
	struct virtio_net *n = to_net(vd);

	net_backend_destroy(n->be); /* its thread is stopped already (virtio_net_stop) */
	net_pending_drop_all(n);
	pthread_mutex_destroy(&n->io_lock);
	free(n);
}

/*
 * Puts one frame into the next receive buffer. Returns 1 when the frame was consumed (placed,
 * or dropped because the buffer was too small), 0 when no buffer is available, -EINVAL when
 * the driver broke the ring.
 */
static int net_rx_one(struct virtio_net *n, const uint8_t *frame, size_t len)
{
	struct virtq_req *req = &n->rx_req;
	uint8_t hdr[VIRTIO_NET_HDR_LEN] = {0};
	int r;

	r = virtq_pop(&n->vd, VIRTIO_NET_RXQ, req);
	if (r <= 0)
		return r;
	/*
	 * Without MRG_RXBUF the whole frame must fit one chain (5.1.6.3.1); a chain too small
	 * goes back empty so the driver reclaims it, and the frame is lost like on a wire.
	 */
	if (req->in_len < VIRTIO_NET_HDR_LEN + len) {
		virtq_push(&n->vd, VIRTIO_NET_RXQ, req, 0);
		n->rx_dropped++;
		return 1;
	}
	/* num_buffers is 1 when MRG_RXBUF is not negotiated (5.1.6.4). */
	hdr[VIRTIO_NET_HDR_NUM_BUFFERS] = 1;
	virtq_req_write(&n->vd, req, 0, hdr, sizeof(hdr));
	virtq_req_write(&n->vd, req, VIRTIO_NET_HDR_LEN, frame, len);
	virtq_push(&n->vd, VIRTIO_NET_RXQ, req, (uint32_t)(VIRTIO_NET_HDR_LEN + len));
	n->rx_delivered++;
	return 1;
}

/*
 * Like net_rx_one, but when the queue is empty re-enables notifications and looks once more
 * (2.7.10: a buffer added meanwhile would otherwise come with no notify).
 */
static int net_rx_place(struct virtio_net *n, const uint8_t *frame, size_t len)
{
	int r = net_rx_one(n, frame, len);

	if (r == 0 && virtq_enable_notify(&n->vd, VIRTIO_NET_RXQ))
		r = net_rx_one(n, frame, len);
	return r;
}

/* Moves pending frames into receive buffers while there are some; I/O thread, io_lock held. */
static void net_rx_flush(struct virtio_net *n)
{
	bool placed = false;

	while (n->pend_count) {
		struct net_frame *f = n->pending[n->pend_head];
		int r = net_rx_place(n, f->data, f->len);

		if (r < 0) {
			net_pending_drop_all(n);
			break;
		}
		if (r == 0)
			break;
		placed = true;
		n->pend_bytes -= f->len;
		free(f);
		n->pending[n->pend_head] = NULL;
		n->pend_head = (n->pend_head + 1) % NET_RX_PENDING_MAX;
		n->pend_count--;
	}
	if (placed)
		virtq_notify(&n->vd, VIRTIO_NET_RXQ);
}

/* Keeps a copy of a frame for later, within the bounds; else drops it. */
static void net_rx_enqueue(struct virtio_net *n, const uint8_t *frame, size_t len)
{
	struct net_frame *f;

	if (n->pend_count == NET_RX_PENDING_MAX || n->pend_bytes + len > NET_RX_PENDING_BYTES) {
		n->rx_dropped++;
		return;
	}
	f = malloc(sizeof(*f) + len);
	if (!f) {
		n->rx_dropped++;
		return;
	}
	f->len = len;
	memcpy(f->data, frame, len);
	n->pending[(n->pend_head + n->pend_count) % NET_RX_PENDING_MAX] = f;
	n->pend_count++;
	n->pend_bytes += len;
}

/* Backend callback: a frame from the network (I/O thread). */
static void virtio_net_receive(void *opaque, const uint8_t *frame, size_t len)
{
	struct virtio_net *n = opaque;
	int r;

	pthread_mutex_lock(&n->io_lock);
	if (!virtio_dev_running(&n->vd)) {
		/* No driver (yet, or after a reset): the frame falls on the floor. */
		n->rx_dropped++;
		goto out;
	}
	net_rx_flush(n);
	if (n->pend_count) {
		/* Keep order: older frames wait for buffers, so does this one. */
		net_rx_enqueue(n, frame, len);
		goto out;
	}
	r = net_rx_place(n, frame, len);
	if (r > 0)
		virtq_notify(&n->vd, VIRTIO_NET_RXQ);
	else if (r == 0)
		net_rx_enqueue(n, frame, len);
	else
		n->rx_dropped++;
out:
	pthread_mutex_unlock(&n->io_lock);
}

/*
 * Checks one transmit chain and copies its frame to tx_buf: the frame length, or -EINVAL for
 * a chain that must be dropped (5.1.6.2: header first, then the frame, all device-readable).
 */
static long net_tx_frame(struct virtio_net *n, const struct virtq_req *req)
{
	uint8_t hdr[VIRTIO_NET_HDR_LEN];
	uint64_t len;

	if (req->out_len < VIRTIO_NET_HDR_LEN + NET_FRAME_MIN ||
	    req->out_len > VIRTIO_NET_HDR_LEN + NET_FRAME_MAX)
		return -EINVAL;
	len = req->out_len - VIRTIO_NET_HDR_LEN;
	if (virtq_req_read(req, 0, hdr, sizeof(hdr)) != sizeof(hdr))
		return -EINVAL;
	/*
	 * No CSUM or GSO was offered, so the driver must not ask for them (5.1.6.2.1); other
	 * flag bits and the GSO-only fields are ignored (5.1.6.2.2).
	 */
	if ((hdr[0] & VIRTIO_NET_HDR_F_NEEDS_CSUM) || hdr[1] != VIRTIO_NET_HDR_GSO_NONE)
		return -EINVAL;
	if (virtq_req_read(req, VIRTIO_NET_HDR_LEN, n->tx_buf, len) != len)
		return -EINVAL;
	return (long)len;
}

/* Sends what the driver queued for transmission, a burst at a time (I/O thread, io_lock). */
static void net_tx_drain(struct virtio_net *n)
{
	struct virtq_req *req = &n->tx_req;
	unsigned done = 0, rounds = 0;

	for (;;) {
		long len;
		int r = virtq_pop(&n->vd, VIRTIO_NET_TXQ, req);

		if (r == 0 && virtq_enable_notify(&n->vd, VIRTIO_NET_TXQ)) {
			if (++rounds <= VIRTQ_DRAIN_ROUNDS)
				continue;
			net_backend_kick(n->be); /* yield; come back on the next round */
			break;
		}
		if (r <= 0)
			break;
		len = net_tx_frame(n, req);
		if (len < 0 || net_backend_send(n->be, n->tx_buf, (size_t)len))
			n->tx_dropped++;
		else
			n->tx_sent++;
		/* Transmit buffers are read-only: nothing written (5.1.6.2). */
		virtq_push(&n->vd, VIRTIO_NET_TXQ, req, 0);
		if (++done == NET_TX_BURST) {
			/* Let receive and other devices' work in; come back on the next round. */
			net_backend_kick(n->be);
			break;
		}
	}
	if (done)
		virtq_notify(&n->vd, VIRTIO_NET_TXQ);
}

/* Backend callback: the device was kicked (QueueNotify or DRIVER_OK); I/O thread. */
static void virtio_net_poll(void *opaque)
{
	struct virtio_net *n = opaque;

	pthread_mutex_lock(&n->io_lock);
	if (virtio_dev_running(&n->vd)) {
		net_rx_flush(n);
		net_tx_drain(n);
	}
	pthread_mutex_unlock(&n->io_lock);
}

/* Pause: the backend's thread (which also serves the queues) parks between rounds. */
static void virtio_net_quiesce(struct virtio_dev *vd, bool pause)
{
	net_backend_pause(((struct virtio_net *)vd)->be, pause);
}

static const struct virtio_dev_ops virtio_net_ops = {
    .name = "virtio-net",
    .device_id = VIRTIO_ID_NET,
    .num_queues = 2,
    .queue_max = VIRTIO_NET_QUEUE_SIZE,
    .features = (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS),
    .config_size = VIRTIO_NET_CFG_SIZE,
    .config_read = virtio_net_config_read,
    .queue_notify = virtio_net_queue_notify,
    .reset = virtio_net_reset,
    .stop = virtio_net_stop,
    .sync = virtio_net_sync,
    .quiesce = virtio_net_quiesce,
    .destroy = virtio_net_destroy,
};

static int net_init_lock(pthread_mutex_t *m)
{
	pthread_mutexattr_t attr;
	int err;

	err = pthread_mutexattr_init(&attr);
	if (err)
		return -err;
	err = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	if (!err)
		err = pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
	return -err;
}

int virtio_net_create(struct vm *vm, struct net_backend *be, unsigned index, int slot, char *msg,
		      size_t msglen)
{
	const struct net_client client = {
	    .receive = virtio_net_receive,
	    .poll = virtio_net_poll,
	};
	struct net_client c = client;
	struct virtio_net *n;
	int err;

	if (index > 0xff - 0x50) {
		snprintf(msg, msglen, "too many network devices");
		err = -EINVAL;
		goto out_be;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		err = -ENOMEM;
		goto out_msg;
	}
	err = net_init_lock(&n->io_lock);
	if (err) {
		free(n);
		goto out_msg;
	}
	/* QEMU's scheme, so guest configs keyed on MACs carry over: 52:54:00:12:34:5N. */
	memcpy(n->mac, (const uint8_t[6]){0x52, 0x54, 0x00, 0x12, 0x34, (uint8_t)(0x50 + index)},
	       sizeof(n->mac));
	n->be = be;
	be->vm = vm;
	n->vd.ops = &virtio_net_ops;
	err = virtio_mmio_attach(vm, &n->vd, slot);
	if (err) {
		snprintf(msg, msglen, "cannot plug in virtio-net: %s",
			 err == -ENOSPC	 ? "no free virtio slot"
			 : err == -EBUSY ? "its virtio slot is taken"
					 : strerror(-err));
		pthread_mutex_destroy(&n->io_lock);
		free(n);
		goto out_be;
	}
	/* From here the slot owns n (and n owns be): errors are cleaned up with the VM. */
	c.opaque = n;
	err = net_backend_start(be, &c);
	if (err) {
		snprintf(msg, msglen, "cannot start the network thread: %s", strerror(-err));
		return err;
	}
	return 0;
out_msg:
	snprintf(msg, msglen, "cannot create virtio-net: %s", strerror(-err));
out_be:
	net_backend_destroy(be);
	return err;
}

_Static_assert(sizeof(struct virtio_net_state) == VIRTIO_NET_CFG_SIZE, "no padding");

int virtio_net_save(struct virtio_dev *vd, struct virtio_net_state *s)
{
	struct virtio_net *n = to_net(vd);

	if (vd->ops != &virtio_net_ops)
		return -EINVAL;
	/* Quiesced, the backend thread is parked between rounds and io_lock is free. */
	if (pthread_mutex_trylock(&n->io_lock))
		return -EBUSY;
	memset(s, 0, sizeof(*s));
	memcpy(s->mac, n->mac, sizeof(s->mac));
	s->status = VIRTIO_NET_S_LINK_UP;
	pthread_mutex_unlock(&n->io_lock);
	return 0;
}

int virtio_net_load(struct virtio_dev *vd, const struct virtio_net_state *s)
{
	static const uint8_t zero[6];
	struct virtio_net *n = to_net(vd);

	if (vd->ops != &virtio_net_ops)
		return -EINVAL;
	/* A station address: individual (I/G bit 0 of the first octet clear), not all zero. */
	if ((s->mac[0] & 1) || !memcmp(s->mac, zero, sizeof(zero)))
		return -EINVAL;
	/* No VIRTIO_NET_F_GUEST_ANNOUNCE: LINK_UP is the only status bit the device sets. */
	if (s->status != VIRTIO_NET_S_LINK_UP)
		return -EINVAL;
	pthread_mutex_lock(&n->io_lock);
	memcpy(n->mac, s->mac, sizeof(n->mac));
	pthread_mutex_unlock(&n->io_lock);
	return 0;
}
