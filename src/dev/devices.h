/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device constructors for the board table. Each one gets a region whose name, base and size
 * the board has filled in, and sets the rest (opaque, access sizes, callbacks, destroy).
 */
#ifndef VIREO_DEV_DEVICES_H
#define VIREO_DEV_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/bus.h"

struct vm;

/* CLINT layout (ACLINT spec: MSWI and MTIMER devices at the SiFive CLINT offsets). */
#define CLINT_MSIP 0x0000u
#define CLINT_MTIMECMP 0x4000u
#define CLINT_MTIME 0xbff8u
#define CLINT_SIZE 0x10000u

/* SiFive test finisher commands (low 16 bits of a 32-bit write at offset 0). */
#define FINISHER_FAIL 0x3333u
#define FINISHER_PASS 0x5555u
#define FINISHER_RESET 0x7777u

/** SiFive test finisher: guest writes power off, fail or reset the VM; 0 or -errno. */
int finisher_create(struct vm *vm, struct mmio_region *r);

/** CLINT (ACLINT MSWI + MTIMER) for the VM's harts; 0 or -errno. */
int aclint_create(struct vm *vm, struct mmio_region *r);

/** ns16550a UART writing to vm->console_fd; 0 or -errno. */
int uart16550_create(struct vm *vm, struct mmio_region *r);

/** Queues a received byte in a UART made by uart16550_create; false when its FIFO is full. */
bool uart16550_receive(void *uart, uint8_t byte);

#endif
