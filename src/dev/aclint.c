/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CLINT: the ACLINT MSWI (msip per hart) and MTIMER (mtimecmp per hart, one mtime) at the
 * SiFive CLINT offsets that OpenSBI and Linux expect on QEMU's virt board. Registers are 32
 * or 64 bits; RV32-style code and OpenSBI touch the 64-bit ones as two 32-bit halves.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/vm.h"
#include "cpu/hart.h"
#include "dev/devices.h"

struct aclint {
	struct vm *vm;
	/* Serialises writes so two harts updating halves of one register do not interleave. */
	pthread_mutex_t lock;
};

static struct hart *aclint_hart(const struct aclint *c, uint64_t idx)
{
	if (idx >= c->vm->nharts || idx >= VM_MAX_HARTS)
		return NULL;
	return c->vm->harts[idx];
}

/* ACLINT spec 3.2: msip bit 0 is the hart's MSIP; the upper bits are hardwired to zero. */
static uint32_t msip_read(const struct aclint *c, uint64_t idx)
{
	struct hart *h = aclint_hart(c, idx);

	if (!h)
		return 0;
	return (atomic_load_explicit(&h->mip_hw, memory_order_acquire) & MIP_MSIP) ? 1 : 0;
}

static void msip_write(const struct aclint *c, uint64_t idx, uint32_t val)
{
	struct hart *h = aclint_hart(c, idx);

	if (!h)
		return;
	if (val & 1)
		hart_raise_irq(h, MIP_MSIP);
	else
		hart_lower_irq(h, MIP_MSIP);
}

/* ACLINT spec 4.1: MTIP is pending exactly while mtime >= mtimecmp. */
static void mtip_update(const struct aclint *c, struct hart *h)
{
	uint64_t cmp = __atomic_load_n(&h->mtimecmp, __ATOMIC_ACQUIRE);

	if (vm_time(c->vm) >= cmp)
		hart_raise_irq(h, MIP_MTIP);
	else
		hart_lower_irq(h, MIP_MTIP);
	/* A hart sleeping in WFI must re-arm its wait for the new deadline. */
	hart_kick(h, HART_EV_IRQ);
}

/* Merges a 4- or 8-byte write at byte offset (off & 7) into a 64-bit register value. */
static uint64_t merge64(uint64_t old, uint64_t off, unsigned size, uint64_t val)
{
	if (size == 8)
		return val;
	if (off & 4)
		return (old & 0xffffffffull) | (val << 32);
	return (old & ~0xffffffffull) | (val & 0xffffffffull);
}

static uint64_t extract64(uint64_t reg, uint64_t off, unsigned size)
{
	if (size == 8)
		return reg;
	return (off & 4) ? reg >> 32 : reg & 0xffffffffull;
}

static int aclint_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
	struct aclint *c = opaque;
	struct hart *h;

	if (off < CLINT_MTIMECMP) {
		*val = msip_read(c, off / 4);
		if (size == 8)
			*val |= (uint64_t)msip_read(c, off / 4 + 1) << 32;
	} else if (off < CLINT_MTIME) {
		h = aclint_hart(c, (off - CLINT_MTIMECMP) / 8);
		*val =
		    h ? extract64(__atomic_load_n(&h->mtimecmp, __ATOMIC_ACQUIRE), off, size) : 0;
	} else if (off < CLINT_MTIME + 8) {
		*val = extract64(vm_time(c->vm), off, size);
	} else {
		*val = 0; /* reserved */
	}
	return 0;
}

static void mtimecmp_write(struct aclint *c, uint64_t off, unsigned size, uint64_t val)
{
	struct hart *h = aclint_hart(c, (off - CLINT_MTIMECMP) / 8);
	uint64_t cmp;

	if (!h)
		return;
	cmp = merge64(__atomic_load_n(&h->mtimecmp, __ATOMIC_ACQUIRE), off, size, val);
	__atomic_store_n(&h->mtimecmp, cmp, __ATOMIC_RELEASE);
	mtip_update(c, h);
}

static void mtime_write(struct aclint *c, uint64_t off, unsigned size, uint64_t val)
{
	vm_set_time(c->vm, merge64(vm_time(c->vm), off, size, val));
	/* Moving time changes MTIP of every hart at once. */
	for (unsigned i = 0; i < c->vm->nharts && i < VM_MAX_HARTS; i++) {
		if (c->vm->harts[i])
			mtip_update(c, c->vm->harts[i]);
	}
}

static int aclint_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct aclint *c = opaque;

	pthread_mutex_lock(&c->lock);
	if (off < CLINT_MTIMECMP) {
		msip_write(c, off / 4, (uint32_t)val);
		if (size == 8)
			msip_write(c, off / 4 + 1, (uint32_t)(val >> 32));
	} else if (off < CLINT_MTIME) {
		mtimecmp_write(c, off, size, val);
	} else if (off < CLINT_MTIME + 8) {
		mtime_write(c, off, size, val);
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}

void aclint_save(const void *clint, struct aclint_state *s)
{
	const struct aclint *c = clint;

	s->mtime = vm_time(c->vm);
}

int aclint_load(void *clint, const struct aclint_state *s)
{
	struct aclint *c = clint;

	vm_set_time(c->vm, s->mtime);
	return 0;
}

void aclint_reset(void *clint)
{
	static const struct aclint_state zero;

	aclint_load(clint, &zero);
}

static void aclint_destroy(void *opaque)
{
	struct aclint *c = opaque;

	pthread_mutex_destroy(&c->lock);
	free(c);
}

int aclint_create(struct vm *vm, struct mmio_region *r)
{
	struct aclint *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	c->vm = vm;
	err = pthread_mutex_init(&c->lock, NULL);
	if (err) {
		free(c);
		return -err;
	}
	r->opaque = c;
	r->min_access = 4;
	r->max_access = 8;
	r->read = aclint_read;
	r->write = aclint_write;
	r->destroy = aclint_destroy;
	return 0;
}
