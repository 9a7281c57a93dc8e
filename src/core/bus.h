/* SPDX-License-Identifier: Apache-2.0 */
/* The physical bus: MMIO regions of devices, looked up by guest physical address. */
#ifndef VIREO_CORE_BUS_H
#define VIREO_CORE_BUS_H

#include <stdint.h>

#define BUS_MAX_REGIONS 32

/*
 * One device's MMIO window. Accesses whose size is outside [min_access, max_access] or that
 * are not naturally aligned get an access fault without reaching the callbacks; off is
 * relative to base. Callbacks return 0, or a negative errno to make the access fault.
 * Callbacks run on the accessing hart's thread; device state they touch from several
 * threads must be locked by the device.
 */
struct mmio_region {
	const char *name;
	uint64_t base, size;
	uint8_t min_access, max_access;
	void *opaque;
	int (*read)(void *opaque, uint64_t off, unsigned size, uint64_t *val);
	int (*write)(void *opaque, uint64_t off, unsigned size, uint64_t val);
	/* Frees opaque when the bus is torn down; may be NULL. */
	void (*destroy)(void *opaque);
};

struct bus {
	struct mmio_region regions[BUS_MAX_REGIONS];
	unsigned count;
};

/** Adds a region; -EEXIST if it overlaps another, -ENOSPC if the table is full. */
int bus_add(struct bus *b, const struct mmio_region *r);

/** The region holding paddr, or NULL. */
const struct mmio_region *bus_find(const struct bus *b, uint64_t paddr);

/** Reads size bytes (1, 2, 4, 8) at paddr; 0 or -EFAULT (the hart raises an access fault). */
int bus_read(const struct bus *b, uint64_t paddr, unsigned size, uint64_t *val);

/** Writes size bytes at paddr; 0 or -EFAULT. */
int bus_write(const struct bus *b, uint64_t paddr, unsigned size, uint64_t val);

/** Calls each region's destroy and empties the bus. */
void bus_destroy(struct bus *b);

#endif
