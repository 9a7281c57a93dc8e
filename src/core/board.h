/* SPDX-License-Identifier: Apache-2.0 */
/* The board: the guest physical memory map (DESIGN.md "Platform") and its devices. */
#ifndef VIREO_CORE_BOARD_H
#define VIREO_CORE_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "core/bus.h"

struct vm;
struct fdt_ctx;

/* Platform addresses, compatible with QEMU's virt machine (docs/platform.md). */
#define BOARD_FINISHER_BASE 0x00100000ull
#define BOARD_RTC_BASE 0x00101000ull
#define BOARD_PVPANIC_BASE 0x00102000ull
#define BOARD_CLINT_BASE 0x02000000ull
#define BOARD_PLIC_BASE 0x0c000000ull
#define BOARD_UART0_BASE 0x10000000ull
#define BOARD_RAM_BASE 0x80000000ull

/* PLIC sources (interrupt lines) of the board's devices, as on QEMU's virt machine. */
#define BOARD_UART0_IRQ 10
#define BOARD_RTC_IRQ 11

struct board_device;

/* One instance of a board_device row; a row with count n has instances 0..n-1. */
struct board_slot {
	const struct board_device *dev;
	unsigned index;
	uint64_t base; /* dev->base + index * dev->size */
	unsigned irq;  /* dev->irq + index, or 0 when the device has no interrupt line */
};

/*
 * One row of the memory map: where a device lives, how to make it and how it describes itself
 * in the device tree (DESIGN.md rule 5). A row with count > 1 stands for count instances of
 * size bytes each, back to back from base, with consecutive IRQs from irq (e.g. the
 * virtio-mmio slots).
 */
struct board_device {
	const char *name;
	uint64_t base, size;
	/* Makes the device; gets a region whose name, base and size are filled in. */
	int (*create)(struct vm *vm, struct mmio_region *r);
	/* Instead of create, for rows whose instances must know which one they are. */
	int (*create_slot)(struct vm *vm, struct mmio_region *r, const struct board_slot *s);
	unsigned irq;	/* PLIC source of the first instance; 0 = none */
	unsigned count; /* number of instances; 0 counts as 1 */
	/* Adds the instance's node(s) to the device tree (src/core/fdt.h); 0 or -errno. */
	int (*fdt)(struct fdt_ctx *ctx, const struct board_slot *s);
};

/** The board's memory map; *count gets the number of entries. */
const struct board_device *board_devices(size_t *count);

/** Number of instances a row stands for (its count, at least 1). */
unsigned board_device_count(const struct board_device *d);

/** Fills in s for instance index of row d (index < board_device_count(d)). */
void board_slot_get(const struct board_device *d, unsigned index, struct board_slot *s);

/** Creates every device of the memory map on vm->bus; 0 or -errno (the bus is then empty). */
int board_create(struct vm *vm);

#endif
