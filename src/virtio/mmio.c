/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-mmio transport, modern register layout (virtio 1.2 section 4.2.2, Version 2).
 * One per board slot; a slot without a device answers DeviceID 0 so the driver skips it, as
 * on QEMU's virt machine. Registers are touched on vCPU threads under vd->lock; the device's
 * I/O thread uses the rings through virtqueue.c under the same lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "core/board.h"
#include "core/fdt.h"
#include "core/vm.h"
#include "virtio/virtio.h"

/* Feature bits the transport itself implements (6, 2.7.5.3, 2.7.10). */
#define TRANSPORT_FEATURES                                                                         \
	((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_INDIRECT_DESC) |                         \
	 (1ull << VIRTIO_F_EVENT_IDX))

struct virtio_mmio {
	struct vm *vm;
	uint64_t base;
	unsigned irq;
	struct virtio_dev *dev; /* NULL: empty slot */
};

static uint64_t dev_features(const struct virtio_dev *vd)
{
	return vd->ops->features | TRANSPORT_FEATURES;
}

bool virtio_has_feature(const struct virtio_dev *vd, unsigned bit)
{
	return bit < 64 && (vd->features >> bit) & 1;
}

bool virtio_dev_running(struct virtio_dev *vd)
{
	uint32_t st;

	pthread_mutex_lock(&vd->lock);
	st = vd->status;
	pthread_mutex_unlock(&vd->lock);
	return (st & VIRTIO_STATUS_DRIVER_OK) && !(st & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

void virtio_dev_interrupt(struct virtio_dev *vd, uint32_t bits)
{
	/* InterruptStatus and the level of the line change together (4.2.2: level triggered). */
	pthread_mutex_lock(&vd->irq_lock);
	vd->isr |= bits;
	vm_set_irq(vd->vm, vd->irq, vd->isr != 0);
	pthread_mutex_unlock(&vd->irq_lock);
}

static void virtio_irq_ack(struct virtio_dev *vd, uint32_t bits)
{
	pthread_mutex_lock(&vd->irq_lock);
	vd->isr &= ~bits;
	vm_set_irq(vd->vm, vd->irq, vd->isr != 0);
	pthread_mutex_unlock(&vd->irq_lock);
}

static uint32_t virtio_isr(struct virtio_dev *vd)
{
	uint32_t v;

	pthread_mutex_lock(&vd->irq_lock);
	v = vd->isr;
	pthread_mutex_unlock(&vd->irq_lock);
	return v;
}

void virtio_config_changed(struct virtio_dev *vd)
{
	pthread_mutex_lock(&vd->lock);
	vd->config_gen++;
	pthread_mutex_unlock(&vd->lock);
	virtio_dev_interrupt(vd, VIRTIO_MMIO_INT_CONFIG);
}

/*
 * Sets DEVICE_NEEDS_RESET; returns true when the driver must now get a configuration change
 * notification: 2.1.2 requires one once DRIVER_OK is set. vd->lock held.
 */
static bool needs_reset_locked(struct virtio_dev *vd)
{
	bool tell = !(vd->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) &&
		    (vd->status & VIRTIO_STATUS_DRIVER_OK);

	vd->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	return tell;
}

void virtio_dev_needs_reset(struct virtio_dev *vd)
{
	bool tell;

	pthread_mutex_lock(&vd->lock);
	tell = needs_reset_locked(vd);
	pthread_mutex_unlock(&vd->lock);
	if (tell)
		virtio_dev_interrupt(vd, VIRTIO_MMIO_INT_CONFIG);
}

/* Clears the transport's registers and queues; queue generations go on. vd->lock held. */
static void virtio_clear(struct virtio_dev *vd)
{
	vd->status = 0;
	vd->driver_features = vd->features = 0;
	vd->dev_features_sel = vd->drv_features_sel = vd->queue_sel = 0;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		uint32_t gen = vd->vq[q].gen;

		memset(&vd->vq[q], 0, sizeof(vd->vq[q]));
		vd->vq[q].gen = gen + 1;
	}
}

/*
 * Status 0 (4.2.2.1). The queues die first, under vd->lock: from then on virtq_pop takes
 * nothing, virtq_push drops what was popped before, and a long request sees itself cancelled
 * (virtq_req_cancelled). Only then does ops->reset wait for the request in flight, so the
 * device cannot start a new chain in between; last, every register returns to its initial
 * value. Driver writes racing with the reset are ignored until it is done.
 */
static void virtio_reset(struct virtio_dev *vd)
{
	pthread_mutex_lock(&vd->lock);
	vd->resetting++;
	atomic_fetch_add(&vd->reset_gen, 1);
	vd->status &= ~VIRTIO_STATUS_DRIVER_OK;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		vd->vq[q].ready = false;
		vd->vq[q].gen++;
	}
	pthread_mutex_unlock(&vd->lock);
	if (vd->ops->reset)
		vd->ops->reset(vd);
	pthread_mutex_lock(&vd->lock);
	atomic_fetch_add(&vd->reset_gen, 1);
	virtio_clear(vd);
	vd->resetting--;
	pthread_mutex_unlock(&vd->lock);
	virtio_irq_ack(vd, ~0u);
}

/* QueueReady = 1: check the rings the driver laid out and map them (2.7, 4.2.3.2). */
static int queue_enable(struct virtio_dev *vd, struct virtq *vq)
{
	uint64_t n = vq->size;

	if (!n || (n & (n - 1)) || n > vd->ops->queue_max)
		return -EINVAL;
	/* Alignment of the three areas (2.7, table "Virtqueue Part Alignment"). */
	if ((vq->desc_gpa & 15) || (vq->avail_gpa & 1) || (vq->used_gpa & 3))
		return -EINVAL;
	vq->desc = vm_ram_ptr(vd->vm, vq->desc_gpa, 16 * n);
	vq->avail = vm_ram_ptr(vd->vm, vq->avail_gpa, 6 + 2 * n);
	vq->used = vm_ram_ptr(vd->vm, vq->used_gpa, 6 + 8 * n);
	if (!vq->desc || !vq->avail || !vq->used)
		return -EINVAL;
	vq->last_avail = vq->used_idx = 0;
	vq->signalled_used = 0;
	vq->signalled_valid = false;
	vq->ready = true;
	vq->gen++; /* requests popped from the old rings must not land in these (virtq_push) */
	return 0;
}

/*
 * Driver writes Status (2.1, 3.1.1); returns the queues to kick on DRIVER_OK, *tell whether to
 * send a configuration change notification. Locked.
 */
static uint32_t status_write(struct virtio_dev *vd, uint32_t val, bool *tell)
{
	uint32_t old = vd->status, kick = 0;

	/* The device owns NEEDS_RESET; the driver can only add bits short of a reset. */
	val = (val & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET) | (old & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	if ((val & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK)) {
		uint64_t f = vd->driver_features;

		/* Refuse features not offered, and legacy drivers (VERSION_1 is required). */
		if ((f & ~dev_features(vd)) || !(f & (1ull << VIRTIO_F_VERSION_1)))
			val &= ~VIRTIO_STATUS_FEATURES_OK;
		else
			vd->features = f;
	}
	if ((val & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK)) {
		if (!((val | old) & VIRTIO_STATUS_FEATURES_OK)) {
			/*
			 * DRIVER_OK without FEATURES_OK breaks 3.1.1: no features were agreed,
			 * so the device cannot run. Like a failed FEATURES_OK, the bit does
			 * not stick, and NEEDS_RESET tells the driver to start over.
			 */
			val &= ~VIRTIO_STATUS_DRIVER_OK;
			vd->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
		} else if (old & VIRTIO_STATUS_DEVICE_NEEDS_RESET) {
			/* An error before DRIVER_OK (a bad queue): 2.1.2 says tell it now. */
			*tell = true;
		} else {
			for (unsigned q = 0; q < vd->ops->num_queues; q++) {
				if (vd->vq[q].ready)
					kick |= 1u << q;
			}
		}
	}
	vd->status |= val;
	return kick;
}

static uint64_t queue_reg_read(struct virtio_dev *vd, uint64_t off)
{
	struct virtq *vq;

	if (vd->queue_sel >= vd->ops->num_queues)
		return 0; /* a queue that does not exist has QueueNumMax 0 (4.2.3.2) */
	vq = &vd->vq[vd->queue_sel];
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vd->ops->queue_max;
	case VIRTIO_MMIO_QUEUE_NUM:
		return vq->size;
	case VIRTIO_MMIO_QUEUE_READY:
		return vq->ready;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		return (uint32_t)vq->desc_gpa;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		return vq->desc_gpa >> 32;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
		return (uint32_t)vq->avail_gpa;
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		return vq->avail_gpa >> 32;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
		return (uint32_t)vq->used_gpa;
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		return vq->used_gpa >> 32;
	}
	return 0;
}

static uint64_t reg_read(struct virtio_dev *vd, uint64_t off)
{
	uint64_t v = 0;

	pthread_mutex_lock(&vd->lock);
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (vd->dev_features_sel < 2)
			v = (uint32_t)(dev_features(vd) >> (32 * vd->dev_features_sel));
		break;
	case VIRTIO_MMIO_STATUS:
		v = vd->status;
		break;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		v = vd->config_gen;
		break;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		v = 0xffffffffu; /* no shared memory regions: length -1 (4.2.2) */
		break;
	default:
		v = queue_reg_read(vd, off);
	}
	pthread_mutex_unlock(&vd->lock);
	return v;
}

static int virtio_mmio_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
	struct virtio_mmio *m = opaque;
	struct virtio_dev *vd = m->dev;

	if (off >= VIRTIO_MMIO_CONFIG) {
		uint64_t v = 0;

		/* Device configuration space (4.2.2.2): bytes past its end read as 0. */
		off -= VIRTIO_MMIO_CONFIG;
		if (vd && off + size <= vd->ops->config_size && vd->ops->config_read)
			vd->ops->config_read(vd, (uint32_t)off, &v, size);
		*val = v;
		return 0;
	}
	if (size != 4)
		return -EINVAL; /* registers are 32 bits wide (4.2.2.2) */
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		*val = VIRTIO_MMIO_MAGIC;
		return 0;
	case VIRTIO_MMIO_VERSION:
		*val = VIRTIO_MMIO_VERSION_MODERN;
		return 0;
	case VIRTIO_MMIO_DEVICE_ID:
		*val = vd ? vd->ops->device_id : 0;
		return 0;
	case VIRTIO_MMIO_VENDOR_ID:
		*val = VIRTIO_VENDOR_ID;
		return 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		*val = vd ? virtio_isr(vd) : 0;
		return 0;
	}
	*val = vd ? reg_read(vd, off) : 0;
	return 0;
}

/*
 * Writes to the selected queue's registers; ignored while the queue is live. Returns true
 * when a configuration change notification is due (2.1.2). Locked.
 */
static bool queue_reg_write(struct virtio_dev *vd, uint64_t off, uint32_t val)
{
	struct virtq *vq;

	if (vd->queue_sel >= vd->ops->num_queues)
		return false;
	vq = &vd->vq[vd->queue_sel];
	if (off == VIRTIO_MMIO_QUEUE_READY) {
		if (!val && vq->ready) {
			vq->ready = false;
			vq->gen++; /* what the device popped from it is void */
		} else if (val && !vq->ready && queue_enable(vd, vq)) {
			return needs_reset_locked(vd);
		}
		return false;
	}
	if (vq->ready)
		return false;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		vq->size = val > 0xffff ? 0 : (uint16_t)val; /* checked at QueueReady */
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		vq->desc_gpa = (vq->desc_gpa & ~0xffffffffull) | val;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		vq->desc_gpa = (vq->desc_gpa & 0xffffffffull) | (uint64_t)val << 32;
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
		vq->avail_gpa = (vq->avail_gpa & ~0xffffffffull) | val;
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		vq->avail_gpa = (vq->avail_gpa & 0xffffffffull) | (uint64_t)val << 32;
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
		vq->used_gpa = (vq->used_gpa & ~0xffffffffull) | val;
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		vq->used_gpa = (vq->used_gpa & 0xffffffffull) | (uint64_t)val << 32;
		break;
	}
	return false;
}

/*
 * Locked register writes; returns a mask of queues to kick, *tell whether a configuration
 * change notification is due.
 */
static uint32_t reg_write(struct virtio_dev *vd, uint64_t off, uint32_t val, bool *tell)
{
	/* A reset is in progress on another vCPU: its end state wins (4.2.2.1). */
	if (vd->resetting)
		return 0;
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		vd->dev_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		vd->drv_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* Features are fixed once FEATURES_OK is set (3.1.1). */
		if (vd->drv_features_sel < 2 && !(vd->status & VIRTIO_STATUS_FEATURES_OK)) {
			unsigned sh = 32 * vd->drv_features_sel;

			vd->driver_features &= ~(0xffffffffull << sh);
			vd->driver_features |= (uint64_t)val << sh;
		}
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		vd->queue_sel = val;
		break;
	case VIRTIO_MMIO_STATUS:
		return status_write(vd, val, tell);
	default:
		*tell = queue_reg_write(vd, off, val);
	}
	return 0;
}

static void config_write(struct virtio_dev *vd, uint64_t off, unsigned size, uint64_t val)
{
	off -= VIRTIO_MMIO_CONFIG;
	if (off + size <= vd->ops->config_size && vd->ops->config_write)
		vd->ops->config_write(vd, (uint32_t)off, &val, size);
}

static int virtio_mmio_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct virtio_mmio *m = opaque;
	struct virtio_dev *vd = m->dev;
	bool tell = false;
	uint32_t kick;

	if (!vd)
		return size == 4 || off >= VIRTIO_MMIO_CONFIG ? 0 : -EINVAL;
	if (off >= VIRTIO_MMIO_CONFIG) {
		config_write(vd, off, size, val);
		return 0;
	}
	if (size != 4)
		return -EINVAL;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/* The hot path: no lock, just wake the device's thread (4.2.3.3). */
		if (val < vd->ops->num_queues)
			vd->ops->queue_notify(vd, (unsigned)val);
		return 0;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		virtio_irq_ack(vd, (uint32_t)val);
		return 0;
	case VIRTIO_MMIO_STATUS:
		if ((uint32_t)val == 0) {
			virtio_reset(vd);
			return 0;
		}
		break;
	}
	pthread_mutex_lock(&vd->lock);
	kick = reg_write(vd, off, (uint32_t)val, &tell);
	pthread_mutex_unlock(&vd->lock);
	if (tell)
		virtio_dev_interrupt(vd, VIRTIO_MMIO_INT_CONFIG);
	for (unsigned q = 0; kick; q++, kick >>= 1) {
		if (kick & 1)
			vd->ops->queue_notify(vd, q);
	}
	return 0;
}

static void virtio_mmio_destroy(void *opaque)
{
	struct virtio_mmio *m = opaque;
	struct virtio_dev *vd = m->dev;

	if (vd) {
		/*
		 * Quiesce, then stop the device's threads: until they are joined a kick or a
		 * backend frame can still take vd->lock and irq_lock, so those go last.
		 */
		virtio_reset(vd);
		if (vd->ops->stop)
			vd->ops->stop(vd);
		pthread_mutex_destroy(&vd->lock);
		pthread_mutex_destroy(&vd->irq_lock);
		if (vd->ops->destroy)
			vd->ops->destroy(vd);
	}
	free(m);
}

int virtio_mmio_create_slot(struct vm *vm, struct mmio_region *r, const struct board_slot *s)
{
	struct virtio_mmio *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->vm = vm;
	m->base = s->base;
	m->irq = s->irq;
	r->opaque = m;
	r->min_access = 1;
	r->max_access = 8;
	r->read = virtio_mmio_read;
	r->write = virtio_mmio_write;
	r->destroy = virtio_mmio_destroy;
	return 0;
}

int virtio_mmio_fdt(struct fdt_ctx *ctx, const struct board_slot *s)
{
	static const char *const compat[] = {"virtio,mmio", NULL};
	int node = fdt_ctx_soc_node(ctx, "virtio_mmio", s);

	if (node < 0)
		return node;
	return fdt_ctx_strings(ctx, node, "compatible", compat);
}

/* The transport of slot n (0-based), or NULL if the bus has none there. */
static struct virtio_mmio *slot_find(struct vm *vm, unsigned n)
{
	const struct mmio_region *r = bus_find(&vm->bus, VIRTIO_MMIO_BASE + n * VIRTIO_MMIO_SIZE);

	if (!r || r->read != virtio_mmio_read)
		return NULL;
	return r->opaque;
}

struct virtio_dev *virtio_mmio_dev(struct vm *vm, unsigned n)
{
	struct virtio_mmio *m = n < VIRTIO_MMIO_SLOTS ? slot_find(vm, n) : NULL;

	return m ? m->dev : NULL;
}

_Static_assert(sizeof(struct virtq_state) == 40, "virtq_state has no padding");
_Static_assert(sizeof(struct virtio_mmio_state) == 48 + 40 * VIRTIO_MAX_QUEUES,
	       "virtio_mmio_state has no padding");

#define STATUS_BITS                                                                                \
	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK |              \
	 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED)

void virtio_mmio_save(struct virtio_dev *vd, struct virtio_mmio_state *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&vd->lock);
	s->device_id = vd->ops->device_id;
	s->num_queues = vd->ops->num_queues;
	s->status = vd->status;
	s->config_gen = vd->config_gen;
	s->dev_features_sel = vd->dev_features_sel;
	s->drv_features_sel = vd->drv_features_sel;
	s->queue_sel = vd->queue_sel;
	s->driver_features = vd->driver_features;
	s->features = vd->features;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		const struct virtq *vq = &vd->vq[q];
		struct virtq_state *qs = &s->vq[q];

		qs->desc_gpa = vq->desc_gpa;
		qs->avail_gpa = vq->avail_gpa;
		qs->used_gpa = vq->used_gpa;
		qs->size = vq->size;
		qs->last_avail = vq->last_avail;
		qs->used_idx = vq->used_idx;
		qs->signalled_used = vq->signalled_used;
		qs->ready = vq->ready;
		qs->signalled_valid = vq->signalled_valid;
	}
	pthread_mutex_unlock(&vd->lock);
	s->isr = virtio_isr(vd);
}

/* A queue state the driver could have set up (queue_enable's checks) for vd; true if so. */
static bool virtq_state_ok(struct virtio_dev *vd, unsigned q, const struct virtq_state *qs)
{
	uint64_t n = qs->size;

	for (unsigned i = 0; i < sizeof(qs->reserved); i++) {
		if (qs->reserved[i])
			return false;
	}
	if (qs->ready > 1 || qs->signalled_valid > 1)
		return false;
	if (q >= vd->ops->num_queues)
		return !qs->ready && !qs->size && !qs->desc_gpa && !qs->avail_gpa &&
		       !qs->used_gpa && !qs->last_avail && !qs->used_idx && !qs->signalled_used &&
		       !qs->signalled_valid;
	if (!qs->ready)
		return true;
	if (!n || (n & (n - 1)) || n > vd->ops->queue_max)
		return false;
	if ((qs->desc_gpa & 15) || (qs->avail_gpa & 1) || (qs->used_gpa & 3))
		return false;
	if (!vm_ram_ptr(vd->vm, qs->desc_gpa, 16 * n) ||
	    !vm_ram_ptr(vd->vm, qs->avail_gpa, 6 + 2 * n) ||
	    !vm_ram_ptr(vd->vm, qs->used_gpa, 6 + 8 * n))
		return false;
	/* The device cannot have taken more chains than the ring holds (2.7.13). */
	return (uint16_t)(qs->last_avail - qs->used_idx) <= n;
}

/* Checks a transport state against vd; true when every field is legal. */
static bool virtio_mmio_state_ok(struct virtio_dev *vd, const struct virtio_mmio_state *s)
{
	bool fok = s->status & VIRTIO_STATUS_FEATURES_OK;

	if (s->device_id != vd->ops->device_id || s->num_queues != vd->ops->num_queues)
		return false;
	if ((s->status & ~STATUS_BITS) || ((s->status & VIRTIO_STATUS_DRIVER_OK) && !fok) ||
	    (s->isr & ~(VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG)))
		return false;
	/* Features are agreed at FEATURES_OK, only offered ones, VERSION_1 among them (3.1.1). */
	if (fok ? (s->features & ~dev_features(vd)) || !(s->features >> VIRTIO_F_VERSION_1 & 1)
		: s->features != 0)
		return false;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		if (!virtq_state_ok(vd, q, &s->vq[q]))
			return false;
	}
	return true;
}

int virtio_mmio_load(struct virtio_dev *vd, const struct virtio_mmio_state *s)
{
	if (!virtio_mmio_state_ok(vd, s))
		return -EINVAL;
	pthread_mutex_lock(&vd->lock);
	atomic_fetch_add(&vd->reset_gen, 1); /* requests popped before do not complete */
	vd->status = s->status;
	vd->config_gen = s->config_gen;
	vd->dev_features_sel = s->dev_features_sel;
	vd->drv_features_sel = s->drv_features_sel;
	vd->queue_sel = s->queue_sel;
	vd->driver_features = s->driver_features;
	vd->features = s->features;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		struct virtq *vq = &vd->vq[q];
		const struct virtq_state *qs = &s->vq[q];
		uint64_t n = qs->size;

		vq->desc_gpa = qs->desc_gpa;
		vq->avail_gpa = qs->avail_gpa;
		vq->used_gpa = qs->used_gpa;
		vq->size = qs->size;
		vq->last_avail = qs->last_avail;
		vq->used_idx = qs->used_idx;
		vq->signalled_used = qs->signalled_used;
		vq->signalled_valid = qs->signalled_valid;
		vq->ready = qs->ready;
		/* Host views are rebuilt from the (checked) guest addresses. */
		vq->desc = vq->ready ? vm_ram_ptr(vd->vm, vq->desc_gpa, 16 * n) : NULL;
		vq->avail = vq->ready ? vm_ram_ptr(vd->vm, vq->avail_gpa, 6 + 2 * n) : NULL;
		vq->used = vq->ready ? vm_ram_ptr(vd->vm, vq->used_gpa, 6 + 8 * n) : NULL;
		vq->gen++;
	}
	pthread_mutex_unlock(&vd->lock);
	pthread_mutex_lock(&vd->irq_lock);
	vd->isr = s->isr;
	vm_set_irq(vd->vm, vd->irq, vd->isr != 0);
	pthread_mutex_unlock(&vd->irq_lock);
	return 0;
}

void virtio_mmio_sync(struct vm *vm)
{
	for (unsigned n = 0; n < VIRTIO_MMIO_SLOTS; n++) {
		struct virtio_mmio *m = slot_find(vm, n);

		if (m && m->dev && m->dev->ops->sync)
			m->dev->ops->sync(m->dev);
	}
}

void virtio_mmio_quiesce(struct vm *vm, bool pause)
{
	for (unsigned n = 0; n < VIRTIO_MMIO_SLOTS; n++) {
		struct virtio_mmio *m = slot_find(vm, n);

		if (m && m->dev && m->dev->ops->quiesce)
			m->dev->ops->quiesce(m->dev, pause);
	}
}

int virtio_mmio_attach(struct vm *vm, struct virtio_dev *vd, int slot)
{
	const struct virtio_dev_ops *ops = vd->ops;
	struct virtio_mmio *m = NULL;

	if (!ops || !ops->queue_notify || ops->num_queues < 1 ||
	    ops->num_queues > VIRTIO_MAX_QUEUES || !ops->queue_max ||
	    ops->queue_max > VIRTQ_MAX_SIZE || (ops->queue_max & (ops->queue_max - 1)))
		return -EINVAL;
	if (slot >= (int)VIRTIO_MMIO_SLOTS)
		return -EINVAL;
	if (slot >= 0) {
		m = slot_find(vm, (unsigned)slot);
		if (!m)
			return -ENODEV;
		if (m->dev)
			return -EBUSY;
	} else {
		for (unsigned n = 0; n < VIRTIO_MMIO_SLOTS && !m; n++) {
			m = slot_find(vm, n);
			if (m && m->dev)
				m = NULL;
		}
		if (!m)
			return slot_find(vm, 0) ? -ENOSPC : -ENODEV;
	}
	vd->vm = vm;
	vd->irq = m->irq;
	vd->isr = vd->status = vd->config_gen = 0;
	vd->driver_features = vd->features = 0;
	vd->dev_features_sel = vd->drv_features_sel = vd->queue_sel = 0;
	vd->resetting = 0;
	atomic_init(&vd->reset_gen, 0);
	memset(vd->vq, 0, sizeof(vd->vq));
	if (pthread_mutex_init(&vd->lock, NULL))
		return -ENOMEM;
	if (pthread_mutex_init(&vd->irq_lock, NULL)) {
		pthread_mutex_destroy(&vd->lock);
		return -ENOMEM;
	}
	m->dev = vd;
	return 0;
}
