/* SPDX-License-Identifier: Apache-2.0 */
/* The one table of the guest memory map; adding a device is its own file plus one line here. */
#include <errno.h>
#include <string.h>

#include "core/board.h"
#include "core/vm.h"
#include "dev/devices.h"

static const struct board_device board_map[] = {
    {"finisher", BOARD_FINISHER_BASE, 0x1000, finisher_create},
    /* goldfish RTC at 0x0010_1000 (IRQ 11) comes here. */
    {"clint", BOARD_CLINT_BASE, CLINT_SIZE, aclint_create},
    /* PLIC at 0x0c00_0000 comes here. */
    {"uart0", BOARD_UART0_BASE, 0x100, uart16550_create},
    /* virtio-mmio slots at 0x1000_1000 + n * 0x1000 (IRQ 1..8) come here. */
};

const struct board_device *board_devices(size_t *count)
{
	*count = sizeof(board_map) / sizeof(board_map[0]);
	return board_map;
}

int board_create(struct vm *vm)
{
	size_t n = sizeof(board_map) / sizeof(board_map[0]);
	int err = 0;

	for (size_t i = 0; i < n; i++) {
		const struct board_device *d = &board_map[i];
		struct mmio_region r;

		memset(&r, 0, sizeof(r));
		r.name = d->name;
		r.base = d->base;
		r.size = d->size;
		err = d->create(vm, &r);
		if (err)
			goto out;
		err = bus_add(&vm->bus, &r);
		if (err) {
			if (r.destroy)
				r.destroy(r.opaque);
			goto out;
		}
	}
	return 0;
out:
	bus_destroy(&vm->bus);
	return err;
}
