/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pvpanic-mmio ("qemu,pvpanic-mmio"; QEMU docs/specs/pvpanic.rst, Linux's
 * drivers/misc/pvpanic/pvpanic-mmio.c): one byte register at offset 0. Reading it tells the
 * guest which events the host handles; the guest writes PVPANIC_PANICKED from its panic
 * notifier, which ends the VM with VM_PANIC. CRASH_LOADED (a crash kernel takes over) needs
 * nothing from us: the guest goes on running.
 */
#include <errno.h>

#include "core/board.h"
#include "core/fdt.h"
#include "core/vm.h"
#include "dev/devices.h"

static int pvpanic_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
	(void)opaque;
	(void)size;
	*val = off == 0 ? (PVPANIC_PANICKED | PVPANIC_CRASH_LOADED) : 0;
	return 0;
}

static int pvpanic_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct vm *vm = opaque;

	(void)size;
	if (off == 0 && (val & PVPANIC_PANICKED))
		vm_stop(vm, VM_PANIC, 0);
	return 0;
}

int pvpanic_create(struct vm *vm, struct mmio_region *r)
{
	r->opaque = vm;
	/* Linux uses ioread8/iowrite8; QEMU's device has byte-wide registers. */
	r->min_access = 1;
	r->max_access = 1;
	r->read = pvpanic_read;
	r->write = pvpanic_write;
	r->destroy = NULL;
	return 0;
}

int pvpanic_fdt(struct fdt_ctx *ctx, const struct board_slot *s)
{
	static const char *const compat[] = {"qemu,pvpanic-mmio", NULL};
	int node = fdt_ctx_soc_node(ctx, "pvpanic", s);

	if (node < 0)
		return node;
	return fdt_ctx_strings(ctx, node, "compatible", compat);
}
