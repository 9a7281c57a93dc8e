/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Split virtqueues, device side (virtio 1.2 section 2.7). The driver runs on other threads
 * and is hostile: every index, length and address read from guest memory is copied once and
 * checked before use, and the avail/used indices are read with acquire and published with
 * release ordering (2.7.13.3: the driver's and the device's memory barriers).
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "core/vm.h"
#include "virtio/virtio.h"

/* Offsets in the driver area (2.7.6) and the device area (2.7.8). */
#define AVAIL_FLAGS 0
#define AVAIL_IDX 2
#define AVAIL_RING 4
#define USED_IDX 2
#define USED_RING 4

static uint16_t load16_acquire(const uint8_t *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, __ATOMIC_ACQUIRE));
}

static uint16_t load16(const uint8_t *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED));
}

static void store16_release(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, htole16(v), __ATOMIC_RELEASE);
}

/* used_event lives after the avail ring, avail_event after the used ring (2.7.10). */
static const uint8_t *used_event_ptr(const struct virtq *vq)
{
	return vq->avail + AVAIL_RING + 2u * vq->size;
}

static uint8_t *avail_event_ptr(const struct virtq *vq)
{
	return vq->used + USED_RING + 8u * vq->size;
}

/*
 * The one rule for "the device may use this queue" (2.1, 3.1.1): the driver made it ready,
 * set DRIVER_OK, and the device does not need a reset. virtq_pop and virtq_enable_notify both
 * use it, so a drain loop can never see "more work" that pop refuses to take. vd->lock held.
 */
static bool vq_live(const struct virtio_dev *vd, const struct virtq *vq)
{
	return vq->ready &&
	       (vd->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_DEVICE_NEEDS_RESET)) ==
		   VIRTIO_STATUS_DRIVER_OK;
}

/* Context of one chain walk (2.7.5): the table being walked and what was gathered. */
struct walk {
	const uint8_t *table;
	uint32_t tsize;
	bool indirect;
};

/* Appends buffer d to req; -EINVAL when it breaks a rule of 2.7.4.2 or lies outside RAM. */
static int walk_add(struct vm *vm, struct virtq_req *req, const struct virtq_desc *d)
{
	bool writable = d->flags & VIRTQ_DESC_F_WRITE;
	unsigned n = req->nout + req->nin;
	uint8_t *host;

	/* All device-readable buffers come before the device-writable ones (2.7.4.2). */
	if (!writable && req->nin)
		return -EINVAL;
	if (req->out_len + req->in_len + d->len > VIRTQ_MAX_CHAIN_BYTES)
		return -EINVAL;
	if (!d->len)
		return 0; /* an empty buffer carries nothing: no address to check */
	if (n >= VIRTQ_MAX_SEGS)
		return -EINVAL;
	host = vm_ram_ptr(vm, d->addr, d->len);
	if (!host)
		return -EINVAL;
	req->iov[n].iov_base = host;
	req->iov[n].iov_len = d->len;
	req->gpa[n] = d->addr;
	if (writable) {
		req->nin++;
		req->in_len += d->len;
	} else {
		req->nout++;
		req->out_len += d->len;
	}
	return 0;
}

static void desc_read(const uint8_t *table, uint32_t i, struct virtq_desc *d)
{
	memcpy(d, table + (size_t)i * sizeof(*d), sizeof(*d)); /* one copy: no TOCTOU */
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
}

/* Switches w to the indirect table that d names (2.7.5.3); -EINVAL if not allowed. */
static int walk_indirect(struct virtio_dev *vd, struct walk *w, const struct virtq_desc *d,
			 unsigned steps)
{
	/* Indirect only at the head, never nested, never with NEXT (2.7.5.3.1). */
	if (!virtio_has_feature(vd, VIRTIO_F_INDIRECT_DESC) || w->indirect || steps != 1 ||
	    (d->flags & VIRTQ_DESC_F_NEXT))
		return -EINVAL;
	if (!d->len || d->len % sizeof(struct virtq_desc) ||
	    d->len / sizeof(struct virtq_desc) > VIRTQ_MAX_SEGS)
		return -EINVAL;
	w->table = vm_ram_ptr(vd->vm, d->addr, d->len);
	if (!w->table)
		return -EINVAL;
	w->tsize = d->len / sizeof(struct virtq_desc);
	w->indirect = true;
	return 0;
}

/*
 * Gathers the chain that starts at head into req. Each table is walked at most tsize steps,
 * so a loop in the next links ends as an error instead of spinning.
 */
static int walk_chain(struct virtio_dev *vd, struct virtq *vq, uint16_t head, struct virtq_req *req)
{
	struct walk w = {.table = vq->desc, .tsize = vq->size};
	uint32_t i = head;
	unsigned steps = 0;
	struct virtq_desc d;
	int err;

	req->nout = req->nin = 0;
	req->out_len = req->in_len = 0;
	for (;;) {
		if (i >= w.tsize || ++steps > w.tsize)
			return -EINVAL;
		desc_read(w.table, i, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			err = walk_indirect(vd, &w, &d, steps);
			if (err)
				return err;
			i = 0;
			steps = 0;
			continue;
		}
		err = walk_add(vd->vm, req, &d);
		if (err)
			return err;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

int virtq_pop(struct virtio_dev *vd, unsigned q, struct virtq_req *req)
{
	struct virtq *vq;
	uint16_t avail_idx, head;
	int ret = 0;

	if (q >= vd->ops->num_queues)
		return 0;
	vq = &vd->vq[q];
	pthread_mutex_lock(&vd->lock);
	if (!vq_live(vd, vq))
		goto out;
	avail_idx = load16_acquire(vq->avail + AVAIL_IDX);
	if (avail_idx == vq->last_avail)
		goto out;
	/* More new entries than the ring holds: the index is garbage (2.7.13). */
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->size) {
		ret = -EINVAL;
		goto out;
	}
	head = load16(vq->avail + AVAIL_RING + 2u * (vq->last_avail & (vq->size - 1)));
	ret = walk_chain(vd, vq, head, req);
	if (ret)
		goto out;
	vq->last_avail++;
	req->head = head;
	req->gen = atomic_load(&vd->reset_gen);
	req->qgen = vq->gen;
	ret = 1;
out:
	pthread_mutex_unlock(&vd->lock);
	if (ret < 0)
		virtio_dev_needs_reset(vd);
	return ret;
}

/* Marks the first 'written' bytes of req's writable buffers for the decode cache. */
static void req_mark_written(struct vm *vm, const struct virtq_req *req, uint64_t written)
{
	for (unsigned i = req->nout; i < req->nout + req->nin && written; i++) {
		uint64_t n = req->iov[i].iov_len < written ? req->iov[i].iov_len : written;

		mem_written(vm, req->gpa[i], n);
		written -= n;
	}
}

/* Did a reset or a QueueReady change void req since its pop? vd->lock held. */
static bool req_stale(const struct virtio_dev *vd, const struct virtq *vq,
		      const struct virtq_req *req)
{
	return req->gen != atomic_load(&vd->reset_gen) || req->qgen != vq->gen || !vq->ready;
}

bool virtq_req_cancelled(struct virtio_dev *vd, unsigned q, const struct virtq_req *req)
{
	bool stale;

	if (q >= vd->ops->num_queues)
		return true;
	pthread_mutex_lock(&vd->lock);
	stale = req_stale(vd, &vd->vq[q], req);
	pthread_mutex_unlock(&vd->lock);
	return stale;
}

void virtq_push(struct virtio_dev *vd, unsigned q, const struct virtq_req *req, uint32_t written)
{
	struct virtq *vq;
	struct virtq_used_elem e;
	uint64_t off;

	if (q >= vd->ops->num_queues)
		return;
	vq = &vd->vq[q];
	if (written > req->in_len)
		written = (uint32_t)req->in_len;
	req_mark_written(vd->vm, req, written);
	pthread_mutex_lock(&vd->lock);
	/*
	 * A reset since the pop gave the ring back to the driver, and a queue disabled and set
	 * up again has new rings and indices: either way the request is void (2.1, 4.2.3.2).
	 */
	if (req_stale(vd, vq, req))
		goto out;
	e.id = htole32(req->head);
	e.len = htole32(written);
	off = USED_RING + 8u * (vq->used_idx & (vq->size - 1));
	memcpy(vq->used + off, &e, sizeof(e));
	mem_written(vd->vm, vq->used_gpa + off, sizeof(e));
	vq->used_idx++;
	/* The element must be visible before the index that publishes it (2.7.8.2). */
	store16_release(vq->used + USED_IDX, vq->used_idx);
	mem_written(vd->vm, vq->used_gpa + USED_IDX, 2);
out:
	pthread_mutex_unlock(&vd->lock);
}

/* vring_need_event (2.7.10): has new_idx passed event_idx since old? */
static bool need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old);
}

void virtq_notify(struct virtio_dev *vd, unsigned q)
{
	struct virtq *vq;
	bool send = false;

	if (q >= vd->ops->num_queues)
		return;
	vq = &vd->vq[q];
	pthread_mutex_lock(&vd->lock);
	if (!vq->ready || (vq->signalled_valid && vq->signalled_used == vq->used_idx))
		goto out;
	/* Order our used->idx store before reading the driver's suppression fields (2.7.13.3). */
	atomic_thread_fence(memory_order_seq_cst);
	if (virtio_has_feature(vd, VIRTIO_F_EVENT_IDX))
		send = !vq->signalled_valid ||
		       need_event(load16(used_event_ptr(vq)), vq->used_idx, vq->signalled_used);
	else
		send = !(load16(vq->avail + AVAIL_FLAGS) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	vq->signalled_used = vq->used_idx;
	vq->signalled_valid = true;
out:
	pthread_mutex_unlock(&vd->lock);
	if (send)
		virtio_dev_interrupt(vd, VIRTIO_MMIO_INT_VRING);
}

bool virtq_enable_notify(struct virtio_dev *vd, unsigned q)
{
	struct virtq *vq;
	bool more = false;

	if (q >= vd->ops->num_queues)
		return false;
	vq = &vd->vq[q];
	pthread_mutex_lock(&vd->lock);
	if (!vq_live(vd, vq))
		goto out;
	if (virtio_has_feature(vd, VIRTIO_F_EVENT_IDX)) {
		store16_release(avail_event_ptr(vq), vq->last_avail);
		mem_written(vd->vm, vq->used_gpa + USED_RING + 8u * vq->size, 2);
	}
	/* Publish avail_event before looking again, or a notification could be missed. */
	atomic_thread_fence(memory_order_seq_cst);
	more = load16_acquire(vq->avail + AVAIL_IDX) != vq->last_avail;
out:
	pthread_mutex_unlock(&vd->lock);
	return more;
}

size_t virtq_req_read(const struct virtq_req *req, uint64_t off, void *buf, size_t len)
{
	uint8_t *dst = buf;
	size_t done = 0;

	for (unsigned i = 0; i < req->nout && done < len; i++) {
		size_t seg = req->iov[i].iov_len, n;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		n = seg - off < len - done ? seg - off : len - done;
		memcpy(dst + done, (const uint8_t *)req->iov[i].iov_base + off, n);
		done += n;
		off = 0;
	}
	return done;
}

size_t virtq_req_write(struct virtio_dev *vd, const struct virtq_req *req, uint64_t off,
		       const void *buf, size_t len)
{
	const uint8_t *src = buf;
	size_t done = 0;

	for (unsigned i = req->nout; i < req->nout + req->nin && done < len; i++) {
		size_t seg = req->iov[i].iov_len, n;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		n = seg - off < len - done ? seg - off : len - done;
		memcpy((uint8_t *)req->iov[i].iov_base + off, src + done, n);
		mem_written(vd->vm, req->gpa[i] + off, n);
		done += n;
		off = 0;
	}
	return done;
}
