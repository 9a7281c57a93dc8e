/* SPDX-License-Identifier: Apache-2.0 */
/* The board: the guest physical memory map (DESIGN.md "Platform") and its devices. */
#ifndef VIREO_CORE_BOARD_H
#define VIREO_CORE_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "core/bus.h"

struct vm;

/* Platform addresses, compatible with QEMU's virt machine. */
#define BOARD_FINISHER_BASE 0x00100000ull
#define BOARD_CLINT_BASE 0x02000000ull
#define BOARD_UART0_BASE 0x10000000ull
#define BOARD_RAM_BASE 0x80000000ull

/* One MMIO device of the memory map: where it lives and how to make it. */
struct board_device {
	const char *name;
	uint64_t base, size;
	int (*create)(struct vm *vm, struct mmio_region *r);
};

/** The board's memory map; *count gets the number of entries. */
const struct board_device *board_devices(size_t *count);

/** Creates every device of the memory map on vm->bus; 0 or -errno (the bus is then empty). */
int board_create(struct vm *vm);

#endif
