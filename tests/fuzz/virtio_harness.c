/* SPDX-License-Identifier: Apache-2.0 */
/* The fuzzers' virtio driver (virtio_harness.h): a fresh VM per input, stepped to idle. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "ram_guard.h"
#include "virtio/virtio.h"
#include "virtio_harness.h"

#define FZ_RAM (16ull << 20)
#define FZ_HOST_INPUT_MAX 2048u

struct fz {
	const uint8_t *p;
	size_t left;
	struct vm *vm;
	uint64_t base;			       /* the device's virtio-mmio window */
	uint16_t qsize[VIRTIO_MAX_QUEUES];     /* as set by FZ_OP_INIT */
	uint16_t avail_idx[VIRTIO_MAX_QUEUES]; /* the driver's next avail index */
};

const uint8_t *fz_take(struct fz *fz, size_t n)
{
	const uint8_t *p = fz->p;

	if (fz->left < n)
		return NULL;
	fz->p += n;
	fz->left -= n;
	return p;
}

static bool take_u8(struct fz *fz, uint8_t *v)
{
	const uint8_t *p = fz_take(fz, 1);

	if (p)
		*v = *p;
	return p;
}

static bool take_u16(struct fz *fz, uint16_t *v)
{
	const uint8_t *p = fz_take(fz, 2);

	if (p)
		*v = (uint16_t)(p[0] | p[1] << 8);
	return p;
}

static bool take_u32(struct fz *fz, uint32_t *v)
{
	const uint8_t *p = fz_take(fz, 4);

	if (p)
		*v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		     (uint32_t)p[3] << 24;
	return p;
}

static bool take_u64(struct fz *fz, uint64_t *v)
{
	uint32_t lo, hi;

	if (!take_u32(fz, &lo) || !take_u32(fz, &hi))
		return false;
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

/* Register accesses fail only for a bad size, which the harness never makes: ignore them. */
static uint32_t reg_read(struct fz *fz, uint64_t off)
{
	uint64_t v = 0;

	bus_read(&fz->vm->bus, fz->base + off, 4, &v);
	return (uint32_t)v;
}

static void reg_write(struct fz *fz, uint64_t off, uint32_t val)
{
	bus_write(&fz->vm->bus, fz->base + off, 4, val);
}

static void ram_write(struct fz *fz, uint64_t off, const void *buf, size_t len)
{
	memcpy(vm_ram_ptr(fz->vm, fz->vm->ram_base + off, len), buf, len);
}

/* Driver initialisation (3.1.1) with every queue at FZ_QUEUE_AREA; the device judges it. */
static void op_init(struct fz *fz, uint64_t features, uint8_t log2)
{
	uint32_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	reg_write(fz, VIRTIO_MMIO_STATUS, 0);
	reg_write(fz, VIRTIO_MMIO_STATUS, st);
	reg_write(fz, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	reg_write(fz, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	reg_write(fz, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	reg_write(fz, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	reg_write(fz, VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_FEATURES_OK);
	st = reg_read(fz, VIRTIO_MMIO_STATUS);
	for (unsigned q = 0; q < 4; q++) {
		uint32_t max, size = 1u << (log2 % 9);
		uint64_t gpa = fz->vm->ram_base + FZ_QUEUE_AREA(q);

		reg_write(fz, VIRTIO_MMIO_QUEUE_SEL, q);
		max = reg_read(fz, VIRTIO_MMIO_QUEUE_NUM_MAX);
		if (!max)
			break;
		if (size > max)
			size = max;
		memset(vm_ram_ptr(fz->vm, gpa, 0x3000), 0, 0x3000);
		fz->qsize[q] = (uint16_t)size;
		fz->avail_idx[q] = 0;
		reg_write(fz, VIRTIO_MMIO_QUEUE_NUM, size);
		reg_write(fz, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)gpa);
		reg_write(fz, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(gpa >> 32));
		reg_write(fz, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(gpa + 0x1000));
		reg_write(fz, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)((gpa + 0x1000) >> 32));
		reg_write(fz, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(gpa + 0x2000));
		reg_write(fz, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)((gpa + 0x2000) >> 32));
		reg_write(fz, VIRTIO_MMIO_QUEUE_READY, 1);
	}
	reg_write(fz, VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
}

/* Makes head available on queue q (standard layout) and notifies, as a driver would. */
static void op_post(struct fz *fz, unsigned q, uint16_t head)
{
	unsigned size = fz->qsize[q] ? fz->qsize[q] : 1;
	uint8_t *avail = vm_ram_ptr(fz->vm, fz->vm->ram_base + FZ_QUEUE_AVAIL(q), 4 + 2 * 256);
	uint16_t idx = fz->avail_idx[q];

	memcpy(avail + 4 + 2 * (idx % size), &head, 2);
	fz->avail_idx[q] = ++idx;
	__atomic_store_n((uint16_t *)(avail + 2), idx, __ATOMIC_RELEASE);
	reg_write(fz, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

/* One step of the program; false when the input ran out. */
static bool fz_step(struct fz *fz, const struct fz_device *dev)
{
	uint8_t op, a, b;
	uint16_t h;
	uint32_t v32;
	uint64_t v64;
	const uint8_t *p;

	if (!take_u8(fz, &op))
		return false;
	switch (op % FZ_OP_COUNT) {
	case FZ_OP_REG_WRITE:
		if (!take_u8(fz, &a) || !take_u32(fz, &v32))
			return false;
		reg_write(fz, a * 4u % VIRTIO_MMIO_CONFIG, v32);
		break;
	case FZ_OP_REG_READ:
		if (!take_u8(fz, &a))
			return false;
		reg_read(fz, a * 4u % VIRTIO_MMIO_CONFIG);
		break;
	case FZ_OP_CFG_READ:
		if (!take_u8(fz, &a) || !take_u8(fz, &b))
			return false;
		bus_read(&fz->vm->bus, fz->base + VIRTIO_MMIO_CONFIG + a, 1u << (b % 4), &v64);
		break;
	case FZ_OP_CFG_WRITE:
		if (!take_u8(fz, &a) || !take_u8(fz, &b) || !take_u64(fz, &v64))
			return false;
		bus_write(&fz->vm->bus, fz->base + VIRTIO_MMIO_CONFIG + a, 1u << (b % 4), v64);
		break;
	case FZ_OP_RAM_WRITE:
		if (!take_u16(fz, &h) || !take_u8(fz, &a) || !(p = fz_take(fz, a)))
			return false;
		ram_write(fz, h, p, a);
		break;
	case FZ_OP_INIT:
		if (!take_u64(fz, &v64) || !take_u8(fz, &a))
			return false;
		op_init(fz, v64, a);
		break;
	case FZ_OP_POST:
		if (!take_u8(fz, &a) || !take_u16(fz, &h))
			return false;
		op_post(fz, a % 4u, h);
		break;
	case FZ_OP_HOST_INPUT:
		if (!take_u16(fz, &h) || !(p = fz_take(fz, h % FZ_HOST_INPUT_MAX)))
			return false;
		if (dev->host_input)
			dev->host_input(dev->ctx, p, h % FZ_HOST_INPUT_MAX);
		break;
	}
	/* Whatever the step started, the device finishes before the next one. */
	virtio_mmio_sync(fz->vm);
	return true;
}

int fz_run(const struct fz_device *dev, const uint8_t *data, size_t size)
{
	struct vm_config cfg = {.ram_size = FZ_RAM, .nharts = 1};
	struct fz fz = {.p = data, .left = size};
	struct ram_guard guard;

	if (vm_create(&fz.vm, &cfg))
		abort(); /* the host is out of memory: not a finding, but nothing can run */
	ram_guard_add(&guard, fz.vm);
	if (dev->attach(&fz, fz.vm, dev->ctx))
		goto out;
	for (unsigned s = 0; s < VIRTIO_MMIO_SLOTS && !fz.base; s++) {
		fz.base = VIRTIO_MMIO_BASE + s * VIRTIO_MMIO_SIZE;
		if (!reg_read(&fz, VIRTIO_MMIO_DEVICE_ID))
			fz.base = 0;
	}
	if (!fz.base)
		abort(); /* attach said yes but no slot has the device: a harness bug */
	while (fz_step(&fz, dev))
		;
out:
	ram_guard_remove(&guard);
	vm_destroy(fz.vm);
	if (dev->cleanup)
		dev->cleanup(dev->ctx);
	return 0;
}
