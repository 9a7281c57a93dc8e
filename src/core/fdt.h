/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The flattened device tree that tells the guest about the machine (Linux RISC-V boot
 * protocol, Devicetree Specification v0.4), built with libfdt and laid out like QEMU virt's.
 * fdt_build() makes the root, /chosen, /memory, /cpus and /soc; each board device adds its
 * own node(s) through its board_device.fdt callback with the helpers below.
 */
#ifndef VIREO_CORE_FDT_H
#define VIREO_CORE_FDT_H

#include <stddef.h>
#include <stdint.h>

#include "core/vm.h"

struct board_slot;

struct fdt_params {
	const char *bootargs;  /* kernel command line, or NULL */
	uint64_t initrd_start; /* guest physical [start, end) of the initrd; 0, 0 = none */
	uint64_t initrd_end;
};

/* State shared by the node callbacks while a tree is built. */
struct fdt_ctx {
	void *fdt; /* the tree being built (libfdt read-write form) */
	struct vm *vm;
	uint32_t next_phandle;	  /* the next free phandle (fdt_ctx_phandle) */
	uint32_t irqchip_phandle; /* the PLIC's, for interrupt-parent; reserved up front */
	uint32_t intc_phandle[VM_MAX_HARTS]; /* /cpus/cpu@N/interrupt-controller */
};

/* Path of the console UART's node, for /chosen/stdout-path. */
#define FDT_STDOUT_PATH "/soc/serial@10000000"

/* Size of a buffer that holds the tree of any VM this board can make. */
#define FDT_MAX_SIZE (64u << 10)

/** The RISC-V ISA extensions the harts implement, in canonical order; NULL-terminated. */
extern const char *const fdt_isa_extensions[];

/**
 * Builds the VM's device tree in buf (size bytes, 8-byte aligned as libfdt requires): 0, or
 * -ENOSPC when buf is too small, -EINVAL for bad params, other -errno. The blob is
 * fdt_totalsize(buf) bytes long.
 */
int fdt_build(struct vm *vm, const struct fdt_params *p, void *buf, size_t size);

/** Maps a libfdt error (-FDT_ERR_*) to a negative errno; values >= 0 pass through. */
int fdt_errno(int fdt_err);

/** A new phandle, unique within the tree. */
uint32_t fdt_ctx_phandle(struct fdt_ctx *ctx);

/**
 * Adds node "name@<base>" under /soc for slot s, with reg = <base size> (2 address and 2 size
 * cells) and, when s->irq != 0, interrupts = <irq> and interrupt-parent = the PLIC. Returns
 * the node's offset (valid until the next node is added) or -errno.
 */
int fdt_ctx_soc_node(struct fdt_ctx *ctx, const char *name, const struct board_slot *s);

/** Sets a string-list property (e.g. compatible) from a NULL-terminated array; 0 or -errno. */
int fdt_ctx_strings(struct fdt_ctx *ctx, int node, const char *prop, const char *const *list);

/** Sets a 32-bit cell property; 0 or -errno. */
int fdt_ctx_u32(struct fdt_ctx *ctx, int node, const char *prop, uint32_t val);

/** Sets a property of n 32-bit cells (given in host order); 0 or -errno. */
int fdt_ctx_cells(struct fdt_ctx *ctx, int node, const char *prop, const uint32_t *cells, size_t n);

/** Sets an empty (boolean) property such as interrupt-controller; 0 or -errno. */
int fdt_ctx_empty(struct fdt_ctx *ctx, int node, const char *prop);

/** Node callback of the SiFive test finisher: /soc/test@..., /poweroff and /reboot. */
int fdt_node_finisher(struct fdt_ctx *ctx, const struct board_slot *s);

/** Node callback of the CLINT: /soc/clint@... with per-hart MSIP and MTIP lines. */
int fdt_node_clint(struct fdt_ctx *ctx, const struct board_slot *s);

#endif
