/* SPDX-License-Identifier: Apache-2.0 */
/* The physical bus: a small table of MMIO regions with per-device access-size rules. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "core/bus.h"

/* Only the RISC-V load/store widths (ISA spec 2.6) exist on this bus. */
static bool size_valid(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* [base, base+size) with size >= 1; end is inclusive so a window may end at 2^64 - 1. */
static bool overlaps(const struct mmio_region *a, uint64_t base, uint64_t size)
{
	uint64_t a_last = a->base + (a->size - 1);
	uint64_t last = base + (size - 1);

	return base <= a_last && a->base <= last;
}

int bus_add(struct bus *b, const struct mmio_region *r)
{
	if (!r->size || r->base + (r->size - 1) < r->base)
		return -EINVAL;
	if (!size_valid(r->min_access) || !size_valid(r->max_access) ||
	    r->min_access > r->max_access)
		return -EINVAL;
	for (unsigned i = 0; i < b->count; i++) {
		if (overlaps(&b->regions[i], r->base, r->size))
			return -EEXIST;
	}
	if (b->count >= BUS_MAX_REGIONS)
		return -ENOSPC;
	b->regions[b->count++] = *r;
	return 0;
}

const struct mmio_region *bus_find(const struct bus *b, uint64_t paddr)
{
	for (unsigned i = 0; i < b->count; i++) {
		const struct mmio_region *r = &b->regions[i];

		if (paddr >= r->base && paddr - r->base < r->size)
			return r;
	}
	return NULL;
}

/*
 * The region for an access, or NULL when the access must fault: no device there, a size the
 * device does not take, a misaligned address, or an access that runs past the window's end.
 */
static const struct mmio_region *bus_check(const struct bus *b, uint64_t paddr, unsigned size)
{
	const struct mmio_region *r;

	if (!size_valid(size) || (paddr & (size - 1)))
		return NULL;
	r = bus_find(b, paddr);
	if (!r || size < r->min_access || size > r->max_access)
		return NULL;
	if (r->size - (paddr - r->base) < size)
		return NULL;
	return r;
}

static uint64_t size_mask(unsigned size)
{
	return size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

int bus_read(const struct bus *b, uint64_t paddr, unsigned size, uint64_t *val)
{
	const struct mmio_region *r = bus_check(b, paddr, size);
	uint64_t v = 0;

	*val = 0;
	if (!r || !r->read)
		return -EFAULT;
	if (r->read(r->opaque, paddr - r->base, size, &v) < 0)
		return -EFAULT;
	*val = v & size_mask(size);
	return 0;
}

int bus_write(const struct bus *b, uint64_t paddr, unsigned size, uint64_t val)
{
	const struct mmio_region *r = bus_check(b, paddr, size);

	if (!r || !r->write)
		return -EFAULT;
	if (r->write(r->opaque, paddr - r->base, size, val & size_mask(size)) < 0)
		return -EFAULT;
	return 0;
}

void bus_destroy(struct bus *b)
{
	for (unsigned i = 0; i < b->count; i++) {
		if (b->regions[i].destroy)
			b->regions[i].destroy(b->regions[i].opaque);
	}
	memset(b, 0, sizeof(*b));
}
