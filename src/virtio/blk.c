/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk (virtio 1.2 section 5.2) on a host block backend (host/block.h: a raw image
 * file or block device, or a qcow2 image). Requests are done on the device's own I/O thread:
 * QueueNotify only wakes it. A flush completes only after the backend's flush (fdatasync(2))
 * returned, so data the guest synced is on the host disk.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "core/vm.h"
#include "host/block.h"
#include "host/iothread.h"
#include "virtio/virtio.h"

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types and status values (5.2.6). */
#define VIRTIO_BLK_T_IN 0u
#define VIRTIO_BLK_T_OUT 1u
#define VIRTIO_BLK_T_FLUSH 4u
#define VIRTIO_BLK_T_GET_ID 8u
#define VIRTIO_BLK_T_DISCARD 11u
#define VIRTIO_BLK_T_WRITE_ZEROES 13u
#define VIRTIO_BLK_S_OK 0u
#define VIRTIO_BLK_S_IOERR 1u
#define VIRTIO_BLK_S_UNSUPP 2u
#define VIRTIO_BLK_ID_BYTES 20u
#define VIRTIO_BLK_WZ_F_UNMAP 1u

#define SECTOR_SHIFT 9
#define SECTOR_SIZE (1u << SECTOR_SHIFT)
#define BLK_QUEUE_SIZE 256u
#define BLK_SEG_MAX (BLK_QUEUE_SIZE - 2) /* the header and the status take one each */
/*
 * Work per discard / write-zeroes request is bounded (the guest learns the limits from the
 * config space, 5.2.4): at most this many sectors in all its segments together, so that a
 * reset never waits long for one (write-zeroes may fall back to plain writes).
 */
#define BLK_MAX_DISCARD_SECTORS (1u << 21)  /* 1 GiB: punching holes is cheap */
#define BLK_MAX_WRITE_ZEROES_SECTORS 32768u /* 16 MiB: may be written out */
#define BLK_MAX_DISCARD_SEG 16u
#define BLK_CHUNK (1u << 20) /* reads and writes go in pieces this big, checking for a reset */
#define BLK_BATCH 16u	     /* interrupt at least this often in a long batch */
#define BLK_BUDGET 256u	     /* requests per wake-up; then the thread re-kicks itself */

/* Device configuration layout (5.2.4), little-endian. */
struct virtio_blk_config {
	uint64_t capacity;
	uint32_t size_max;
	uint32_t seg_max;
	uint16_t cylinders;
	uint8_t heads, sectors;
	uint32_t blk_size;
	uint8_t physical_block_exp, alignment_offset;
	uint16_t min_io_size;
	uint32_t opt_io_size;
	uint8_t writeback, unused0;
	uint16_t num_queues;
	uint32_t max_discard_sectors, max_discard_seg, discard_sector_alignment;
	uint32_t max_write_zeroes_sectors, max_write_zeroes_seg;
	uint8_t write_zeroes_may_unmap, unused1[3];
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_blk_config) == 60, "virtio-blk config layout (5.2.4)");

/* The request header (5.2.6) and a discard / write-zeroes segment. */
struct virtio_blk_outhdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct virtio_blk_discard_wz {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

struct virtio_blk {
	struct virtio_dev vd; /* first: ops callbacks get &vd */
	struct virtio_dev_ops ops;
	struct block *bk;
	bool read_only;
	uint64_t capacity; /* sectors */
	char id[VIRTIO_BLK_ID_BYTES];
	struct virtio_blk_config cfg;
	struct iothread *io;
	pthread_mutex_t io_lock; /* held by the I/O thread while it works on the queue */
	/* I/O thread only. */
	struct virtq_req req;
	struct iovec iov[VIRTQ_MAX_SEGS];
};

static struct virtio_blk *to_blk(struct virtio_dev *vd)
{
	return (struct virtio_blk *)vd;
}

/* True when the request being done was voided by a reset or a queue re-enable. */
static bool blk_cancelled(struct virtio_blk *b)
{
	return virtq_req_cancelled(&b->vd, 0, &b->req);
}

/* True when [sector, sector + n) lies within the disk (no overflow). */
static bool blk_range_ok(const struct virtio_blk *b, uint64_t sector, uint64_t n)
{
	return sector <= b->capacity && n <= b->capacity - sector;
}

/* T_IN / T_OUT (5.2.6.1): data is the writable part less the status byte, or the readable part
 * after the header. Returns the status; *written gets the data bytes written to the guest. */
static uint8_t blk_rw_req(struct virtio_blk *b, const struct virtio_blk_outhdr *h, bool write,
			  uint32_t *written)
{
	struct virtq_req *req = &b->req;
	uint64_t len = write ? req->out_len - sizeof(*h) : req->in_len - 1, done, piece;
	unsigned n;
	int err;

	if (len % SECTOR_SIZE || !blk_range_ok(b, h->sector, len >> SECTOR_SHIFT))
		return VIRTIO_BLK_S_IOERR;
	if (write && b->read_only)
		return VIRTIO_BLK_S_IOERR;
	/* A chain may carry 256 MiB: go in chunks so a reset (Status 0) need not wait for all. */
	for (done = 0; done < len; done += piece) {
		piece = len - done < BLK_CHUNK ? len - done : BLK_CHUNK;
		if (done && blk_cancelled(b))
			return VIRTIO_BLK_S_IOERR; /* never published: the push is dropped */
		if (write)
			n = block_iov_slice(req->iov, req->nout, sizeof(*h) + done, piece, b->iov);
		else
			n = block_iov_slice(req->iov + req->nout, req->nin, done, piece, b->iov);
		err = write ? block_writev(b->bk, b->iov, n, (h->sector << SECTOR_SHIFT) + done)
			    : block_readv(b->bk, b->iov, n, (h->sector << SECTOR_SHIFT) + done);
		if (err)
			return VIRTIO_BLK_S_IOERR;
	}
	if (!write)
		*written = (uint32_t)len;
	return VIRTIO_BLK_S_OK;
}

/* One discard or write-zeroes segment (5.2.6.2), its range checked; returns a status. */
static uint8_t blk_zero_seg(struct virtio_blk *b, uint64_t sector, uint32_t num, uint32_t flags,
			    bool discard)
{
	uint64_t pos = sector << SECTOR_SHIFT, len = (uint64_t)num << SECTOR_SHIFT;
	int err;

	if (discard) /* a hint: a backend that cannot free the space keeps the data */
		err = block_discard(b->bk, pos, len);
	else
		err = block_write_zeroes(b->bk, pos, len, flags & VIRTIO_BLK_WZ_F_UNMAP);
	return err ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

/*
 * T_DISCARD / T_WRITE_ZEROES: the readable part after the header holds the segments. All are
 * checked before any is done; together they may cover at most max_discard_sectors or
 * max_write_zeroes_sectors (5.2.4), which bounds the work of one request.
 */
static uint8_t blk_zero_req(struct virtio_blk *b, bool discard)
{
	struct virtq_req *req = &b->req;
	uint64_t len = req->out_len - sizeof(struct virtio_blk_outhdr), total = 0;
	uint64_t max = discard ? BLK_MAX_DISCARD_SECTORS : BLK_MAX_WRITE_ZEROES_SECTORS;
	struct virtio_blk_discard_wz seg[BLK_MAX_DISCARD_SEG];
	unsigned nseg;
	uint8_t st = VIRTIO_BLK_S_OK;

	if (b->read_only)
		return VIRTIO_BLK_S_IOERR;
	if (!len || len % sizeof(seg[0]) || len / sizeof(seg[0]) > BLK_MAX_DISCARD_SEG)
		return VIRTIO_BLK_S_UNSUPP;
	nseg = (unsigned)(len / sizeof(seg[0]));
	virtq_req_read(req, sizeof(struct virtio_blk_outhdr), seg, len);
	for (unsigned i = 0; i < nseg; i++) {
		uint32_t flags = le32toh(seg[i].flags), num = le32toh(seg[i].num_sectors);

		/* Unknown flags, or unmap on a discard: UNSUPP (5.2.6.2 device requirements). */
		if ((flags & ~VIRTIO_BLK_WZ_F_UNMAP) || (discard && flags))
			return VIRTIO_BLK_S_UNSUPP;
		total += num;
		if (total > max || !blk_range_ok(b, le64toh(seg[i].sector), num))
			return VIRTIO_BLK_S_IOERR;
	}
	for (unsigned i = 0; i < nseg && st == VIRTIO_BLK_S_OK; i++) {
		if (i && blk_cancelled(b))
			return VIRTIO_BLK_S_IOERR;
		st = blk_zero_seg(b, le64toh(seg[i].sector), le32toh(seg[i].num_sectors),
				  le32toh(seg[i].flags), discard);
	}
	return st;
}

/* Does one popped request; returns the bytes written to its writable part, status included. */
static uint32_t blk_handle(struct virtio_blk *b)
{
	struct virtq_req *req = &b->req;
	struct virtio_blk_outhdr h;
	uint32_t data = 0;
	uint8_t st;

	/* Without a header or a status byte the request cannot even fail properly. */
	if (req->out_len < sizeof(h) || req->in_len < 1)
		return 0;
	virtq_req_read(req, 0, &h, sizeof(h));
	h.type = le32toh(h.type);
	h.sector = le64toh(h.sector);
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		st = blk_rw_req(b, &h, h.type == VIRTIO_BLK_T_OUT, &data);
		break;
	case VIRTIO_BLK_T_FLUSH:
		st = block_flush(b->bk) ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID:
		data = req->in_len - 1 < VIRTIO_BLK_ID_BYTES ? (uint32_t)req->in_len - 1
							     : VIRTIO_BLK_ID_BYTES;
		virtq_req_write(&b->vd, req, 0, b->id, data);
		st = VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		st = blk_zero_req(b, h.type == VIRTIO_BLK_T_DISCARD);
		break;
	default:
		st = VIRTIO_BLK_S_UNSUPP;
	}
	virtq_req_write(&b->vd, req, req->in_len - 1, &st, 1);
	return data + 1; /* data never exceeds in_len - 1 */
}

/*
 * The I/O thread's work: drain the queue, then re-arm notifications (2.7.10). After
 * BLK_BUDGET requests or VIRTQ_DRAIN_ROUNDS re-arms it yields and kicks itself, so io_lock is
 * let go now and then however fast the driver posts.
 */
static void blk_work(void *opaque)
{
	struct virtio_blk *b = opaque;
	unsigned done = 0, rounds = 0;
	bool again = false;
	int r = 0;

	pthread_mutex_lock(&b->io_lock);
	do {
		while (done < BLK_BUDGET && (r = virtq_pop(&b->vd, 0, &b->req)) > 0) {
			virtq_push(&b->vd, 0, &b->req, blk_handle(b));
			if (++done % BLK_BATCH == 0)
				virtq_notify(&b->vd, 0);
		}
		virtq_notify(&b->vd, 0);
		if (done >= BLK_BUDGET || ++rounds > VIRTQ_DRAIN_ROUNDS) {
			again = true;
			break;
		}
	} while (r == 0 && virtq_enable_notify(&b->vd, 0));
	pthread_mutex_unlock(&b->io_lock);
	if (again)
		iothread_kick(b->io);
}

static void blk_queue_notify(struct virtio_dev *vd, unsigned q)
{
	(void)q;
	iothread_kick(to_blk(vd)->io);
}

static void blk_reset(struct virtio_dev *vd)
{
	struct virtio_blk *b = to_blk(vd);

	/* Wait for the request in flight; later pops see the reset (virtio_reset in mmio.c). */
	pthread_mutex_lock(&b->io_lock);
	pthread_mutex_unlock(&b->io_lock);
}

static void blk_config_read(struct virtio_dev *vd, uint32_t off, void *buf, uint32_t len)
{
	memcpy(buf, (const uint8_t *)&to_blk(vd)->cfg + off, len);
}

static void blk_sync(struct virtio_dev *vd)
{
	iothread_sync((to_blk(vd))->io);
}

static void blk_stop(struct virtio_dev *vd)
{
	struct virtio_blk *b = to_blk(vd);

	iothread_stop(b->io);
	b->io = NULL;
}

static void blk_destroy(struct virtio_dev *vd)
{
	struct virtio_blk *b = to_blk(vd);

	iothread_stop(b->io); /* NULL after blk_stop */
	pthread_mutex_destroy(&b->io_lock);
	block_close(b->bk);
	free(b);
}

/* Pause: parks the I/O thread once the request in progress is complete (blk_work returns). */
static void blk_quiesce(struct virtio_dev *vd, bool pause)
{
	iothread_pause(to_blk(vd)->io, pause);
}

static const struct iothread_ops blk_io_ops = {.name = "virtio-blk", .work = blk_work};

/* The device's name for messages: its id, or the model's name when the caller gave none. */
static const char *blk_name(const struct virtio_blk_opts *o)
{
	return o->name && o->name[0] ? o->name : "virtio-blk";
}

/* The image for messages: its path, or "the given fd". */
static const char *blk_what(const struct virtio_blk_opts *o)
{
	return o->path[0] ? o->path : "the given fd";
}

/*
 * Opens the image through the block layer (which checks its type and locks it, like QEMU, so
 * that two VMs cannot corrupt one disk): by path, or on a dup of the caller's fd, which stays
 * the caller's. 0 or -errno with msg.
 */
static int blk_open(struct virtio_blk *b, const struct virtio_blk_opts *o, char *msg, size_t msglen)
{
	struct block_opts bo = {.path = o->path[0] ? o->path : NULL,
				.fd = -1,
				.format = o->format,
				.read_only = o->read_only};
	char why[1024];
	int err;

	if (!o->path[0]) {
		bo.fd = fcntl(o->fd, F_DUPFD_CLOEXEC, 0); /* taken over by block_open */
		if (bo.fd < 0) {
			err = -errno;
			snprintf(msg, msglen, "%s: cannot open %s: %s", blk_name(o), blk_what(o),
				 strerror(errno));
			return err;
		}
	}
	err = block_open(&b->bk, &bo, why, sizeof(why));
	if (err) {
		snprintf(msg, msglen, "%s: %s", blk_name(o), why);
		return err;
	}
	if (block_size(b->bk) < SECTOR_SIZE) {
		snprintf(msg, msglen, "%s: %s is not a disk image of at least 512 bytes",
			 blk_name(o), blk_what(o));
		block_close(b->bk);
		return -EINVAL;
	}
	b->capacity = block_size(b->bk) >> SECTOR_SHIFT; /* a partial last sector is not visible */
	return 0;
}

static void blk_fill_config(struct virtio_blk *b, const char *path)
{
	const char *base = strrchr(path, '/');
	struct virtio_blk_config *c = &b->cfg;

	/* The ID is the image's file name, as a serial number the guest can see (by-id). */
	base = base ? base + 1 : path;
	memcpy(b->id, base, strnlen(base, sizeof(b->id)));
	c->capacity = htole64(b->capacity);
	c->seg_max = htole32(BLK_SEG_MAX);
	c->blk_size = htole32(SECTOR_SIZE);
	c->num_queues = htole16(1);
	c->max_discard_sectors = htole32(BLK_MAX_DISCARD_SECTORS);
	c->max_discard_seg = htole32(BLK_MAX_DISCARD_SEG);
	c->discard_sector_alignment = htole32(8); /* 4 KiB: the host file system's block */
	c->max_write_zeroes_sectors = htole32(BLK_MAX_WRITE_ZEROES_SECTORS);
	c->max_write_zeroes_seg = htole32(BLK_MAX_DISCARD_SEG);
	c->write_zeroes_may_unmap = 1;
}

int virtio_blk_create(struct vm *vm, const struct virtio_blk_opts *o, char *msg, size_t msglen)
{
	struct virtio_blk *b = calloc(1, sizeof(*b));
	int err;

	if (!b)
		return -ENOMEM;
	err = blk_open(b, o, msg, msglen);
	if (err) {
		free(b);
		return err;
	}
	b->read_only = o->read_only;
	blk_fill_config(b, o->path[0] ? o->path : blk_name(o));
	b->ops = (struct virtio_dev_ops){
	    .name = "virtio-blk",
	    .device_id = VIRTIO_ID_BLOCK,
	    .num_queues = 1,
	    .queue_max = BLK_QUEUE_SIZE,
	    .features = (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |
			(1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_DISCARD) |
			(1ull << VIRTIO_BLK_F_WRITE_ZEROES) |
			(o->read_only ? 1ull << VIRTIO_BLK_F_RO : 0),
	    .config_size = sizeof(b->cfg),
	    .config_read = blk_config_read,
	    .queue_notify = blk_queue_notify,
	    .reset = blk_reset,
	    .stop = blk_stop,
	    .sync = blk_sync,
	    .quiesce = blk_quiesce,
	    .destroy = blk_destroy,
	};
	b->vd.ops = &b->ops;
	pthread_mutex_init(&b->io_lock, NULL);
	err = iothread_start(&b->io, &blk_io_ops, b, -1);
	if (err)
		goto out;
	err = virtio_mmio_attach(vm, &b->vd, o->slot);
	if (err) {
		snprintf(msg, msglen, "%s: %s", blk_name(o),
			 err == -ENOSPC	 ? "no free virtio slot left"
			 : err == -EBUSY ? "its virtio slot is taken"
					 : strerror(-err));
		goto out;
	}
	return 0;
out:
	iothread_stop(b->io);
	pthread_mutex_destroy(&b->io_lock);
	block_close(b->bk);
	free(b);
	return err;
}

_Static_assert(sizeof(struct virtio_blk_state) == 32, "no padding");

/* The serial as the device holds it: a zeroed id with the name copied in (blk_fill_config). */
static bool blk_id_ok(const uint8_t *id)
{
	size_t n = strnlen((const char *)id, VIRTIO_BLK_ID_BYTES);

	for (size_t i = n; i < VIRTIO_BLK_ID_BYTES; i++) {
		if (id[i])
			return false;
	}
	return true;
}

int virtio_blk_save(struct virtio_dev *vd, struct virtio_blk_state *s)
{
	struct virtio_blk *b = to_blk(vd);

	if (vd->ops->device_id != VIRTIO_ID_BLOCK)
		return -EINVAL;
	/* Quiesced, the I/O thread is parked outside blk_work and io_lock is free. */
	if (pthread_mutex_trylock(&b->io_lock))
		return -EBUSY;
	memset(s, 0, sizeof(*s));
	s->capacity = b->capacity;
	memcpy(s->id, b->id, sizeof(s->id));
	s->read_only = b->read_only;
	pthread_mutex_unlock(&b->io_lock);
	return 0;
}

int virtio_blk_load(struct virtio_dev *vd, const struct virtio_blk_state *s)
{
	struct virtio_blk *b = to_blk(vd);

	if (vd->ops->device_id != VIRTIO_ID_BLOCK)
		return -EINVAL;
	if (s->reserved[0] || s->reserved[1] || s->reserved[2] || !blk_id_ok(s->id))
		return -EINVAL;
	/*
	 * Nothing here changes at run time: the state must describe this very disk, since the
	 * guest has read its size and flags (5.2.4) and a different one under it corrupts data.
	 */
	if (s->capacity != b->capacity || s->read_only != (uint8_t)b->read_only ||
	    memcmp(s->id, b->id, sizeof(s->id)))
		return -EINVAL;
	return 0;
}
