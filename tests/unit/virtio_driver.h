/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal virtio-mmio driver for the unit tests: it drives the transport's registers on the
 * bus as Linux's virtio_mmio does (virtio 1.2, 3.1.1 and 4.2.3) and lays out one split
 * virtqueue in guest RAM, so tests can post well-formed and malformed chains.
 */
#ifndef VIREO_TESTS_VIRTIO_DRIVER_H
#define VIREO_TESTS_VIRTIO_DRIVER_H

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "core/vm.h"
#include "virtio/virtio.h"

/* Guest-physical layout used by the tests (offsets from the RAM base). */
#define VD_QSIZE 16u
#define VD_DESC 0x1000ull
#define VD_AVAIL 0x2000ull
#define VD_USED 0x3000ull
#define VD_INDIRECT 0x8000ull
#define VD_DATA 0x10000ull

/* Interrupt lines seen by the test, forwarded to the real PLIC. */
struct vd_irq {
	void *chip;
	void (*set)(void *chip, unsigned irq, bool level);
	_Atomic int level[16];
	_Atomic int raises[16];
};

static inline void vd_irq_set(void *opaque, unsigned irq, bool level)
{
	struct vd_irq *r = opaque;

	if (irq < 16) {
		if (level && !atomic_exchange(&r->level[irq], 1))
			atomic_fetch_add(&r->raises[irq], 1);
		if (!level)
			atomic_store(&r->level[irq], 0);
	}
	if (r->set)
		r->set(r->chip, irq, level);
}

/* Puts r between the devices and the PLIC. */
static inline void vd_irq_hook(struct vm *vm, struct vd_irq *r)
{
	memset(r, 0, sizeof(*r));
	r->chip = vm->irqchip;
	r->set = vm->irqchip_set;
	vm->irqchip = r;
	vm->irqchip_set = vd_irq_set;
}

/* Gives the PLIC back before vm_destroy (which frees vm->irqchip). */
static inline void vd_irq_unhook(struct vm *vm, struct vd_irq *r)
{
	vm->irqchip = r->chip;
	vm->irqchip_set = r->set;
}

struct vdrv {
	struct vm *vm;
	uint64_t base;	       /* the transport's MMIO window */
	uint16_t avail_idx[4]; /* per queue */
	uint16_t used_seen[4];
};

static inline uint64_t vd_gpa(const struct vdrv *d, uint64_t off)
{
	return d->vm->ram_base + off;
}

static inline void *vd_ram(const struct vdrv *d, uint64_t off, uint64_t len)
{
	return vm_ram_ptr(d->vm, vd_gpa(d, off), len);
}

static inline uint32_t vd_rd(struct vdrv *d, uint64_t reg)
{
	uint64_t v = ~0ull;

	assert_int_equal(bus_read(&d->vm->bus, d->base + reg, 4, &v), 0);
	return (uint32_t)v;
}

static inline void vd_wr(struct vdrv *d, uint64_t reg, uint32_t val)
{
	assert_int_equal(bus_write(&d->vm->bus, d->base + reg, 4, val), 0);
}

/* Resets the device and negotiates features; returns the Status read back. */
static inline uint32_t vd_negotiate(struct vdrv *d, uint64_t features)
{
	vd_wr(d, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(vd_rd(d, VIRTIO_MMIO_STATUS), 0);
	vd_wr(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	vd_wr(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vd_wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vd_wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	vd_wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vd_wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	vd_wr(d, VIRTIO_MMIO_STATUS,
	      VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	return vd_rd(d, VIRTIO_MMIO_STATUS);
}

/* Sets up queue q at the test layout (size VD_QSIZE). */
static inline void vd_queue(struct vdrv *d, unsigned q)
{
	uint64_t off = q * 0x100ull; /* queues side by side: 16 entries fit in 0x100 */

	memset(vd_ram(d, VD_DESC + off, 0x100), 0, 0x100);
	memset(vd_ram(d, VD_AVAIL + off, 0x100), 0, 0x100);
	memset(vd_ram(d, VD_USED + off, 0x100), 0, 0x100);
	vd_wr(d, VIRTIO_MMIO_QUEUE_SEL, q);
	assert_true(vd_rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX) >= VD_QSIZE);
	vd_wr(d, VIRTIO_MMIO_QUEUE_NUM, VD_QSIZE);
	vd_wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)vd_gpa(d, VD_DESC + off));
	vd_wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(vd_gpa(d, VD_DESC + off) >> 32));
	vd_wr(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)vd_gpa(d, VD_AVAIL + off));
	vd_wr(d, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
	vd_wr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)vd_gpa(d, VD_USED + off));
	vd_wr(d, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
	vd_wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(vd_rd(d, VIRTIO_MMIO_QUEUE_READY), 1);
}

/* Full initialisation (3.1.1) with queues 0..nq-1; the driver's counters start at 0. */
static inline void vd_init(struct vdrv *d, uint64_t features, unsigned nq)
{
	uint32_t st = vd_negotiate(d, features);

	assert_true(st & VIRTIO_STATUS_FEATURES_OK);
	for (unsigned q = 0; q < nq; q++)
		vd_queue(d, q);
	vd_wr(d, VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
	memset(d->avail_idx, 0, sizeof(d->avail_idx));
	memset(d->used_seen, 0, sizeof(d->used_seen));
}

/* Writes descriptor i of a table at RAM offset table_off. */
static inline void vd_desc(struct vdrv *d, uint64_t table_off, unsigned i, uint64_t gpa,
			   uint32_t len, uint16_t flags, uint16_t next)
{
	struct virtq_desc e = {.addr = gpa, .len = len, .flags = flags, .next = next};

	memcpy(vd_ram(d, table_off + 16ull * i, 16), &e, 16);
}

/* Makes head available on queue q (one avail slot per call) with avail idx new_idx. */
static inline void vd_kick_q(struct vdrv *d, unsigned q, uint16_t head, uint16_t new_idx)
{
	uint16_t *ring = vd_ram(d, VD_AVAIL + q * 0x100ull, 4 + 2 * VD_QSIZE);

	ring[2 + (d->avail_idx[q] % VD_QSIZE)] = head;
	d->avail_idx[q]++;
	__atomic_store_n(&ring[1], new_idx, __ATOMIC_RELEASE);
	vd_wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

static inline void vd_kick_idx(struct vdrv *d, uint16_t head, uint16_t new_idx)
{
	vd_kick_q(d, 0, head, new_idx);
}

static inline void vd_kick(struct vdrv *d, uint16_t head)
{
	vd_kick_q(d, 0, head, (uint16_t)(d->avail_idx[0] + 1));
}

static inline void vd_sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000};

	nanosleep(&ts, NULL);
}

/* Waits (up to 5 s) for the next used element of queue q; returns its len, *id its id. */
static inline uint32_t vd_wait_used_q(struct vdrv *d, unsigned q, uint32_t *id)
{
	uint16_t *used = vd_ram(d, VD_USED + q * 0x100ull, 4 + 8 * VD_QSIZE);
	struct virtq_used_elem e;

	for (int i = 0; i < 5000; i++) {
		if (__atomic_load_n(&used[1], __ATOMIC_ACQUIRE) != d->used_seen[q])
			break;
		vd_sleep_ms(1);
	}
	assert_int_not_equal(__atomic_load_n(&used[1], __ATOMIC_ACQUIRE), d->used_seen[q]);
	memcpy(&e, (uint8_t *)used + 4 + 8 * (d->used_seen[q] % VD_QSIZE), sizeof(e));
	d->used_seen[q]++;
	if (id)
		*id = e.id;
	return e.len;
}

static inline uint32_t vd_wait_used(struct vdrv *d, uint32_t *id)
{
	return vd_wait_used_q(d, 0, id);
}

/* Waits (up to 5 s) for the device to ask for a reset (2.1.2). */
static inline void vd_wait_needs_reset(struct vdrv *d)
{
	for (int i = 0; i < 5000; i++) {
		if (vd_rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
			break;
		vd_sleep_ms(1);
	}
	assert_true(vd_rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_true(vd_rd(d, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
}

#define VD_F(bit) (1ull << (bit))

#endif
