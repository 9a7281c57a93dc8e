/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one table of the guest memory map (docs/platform.md); adding a device is its own file
 * plus one row here. A row may stand for several identical instances (count), each with its
 * own window and interrupt line.
 */
#include <errno.h>
#include <string.h>

#include "core/board.h"
#include "core/fdt.h"
#include "core/vm.h"
#include "dev/devices.h"
#include "virtio/virtio.h"

static const struct board_device board_map[] = {
    {.name = "finisher",
     .base = BOARD_FINISHER_BASE,
     .size = 0x1000,
     .create = finisher_create,
     .fdt = fdt_node_finisher},
    {.name = "rtc",
     .base = BOARD_RTC_BASE,
     .size = 0x1000,
     .create_slot = rtc_goldfish_create,
     .irq = BOARD_RTC_IRQ,
     .fdt = rtc_goldfish_fdt},
    {.name = "pvpanic",
     .base = BOARD_PVPANIC_BASE,
     .size = 0x1000,
     .create = pvpanic_create,
     .fdt = pvpanic_fdt},
    {.name = "clint",
     .base = BOARD_CLINT_BASE,
     .size = CLINT_SIZE,
     .create = aclint_create,
     .fdt = fdt_node_clint},
    {.name = "plic",
     .base = BOARD_PLIC_BASE,
     .size = PLIC_SIZE,
     .create = plic_create,
     .fdt = plic_fdt},
    {.name = "uart0",
     .base = BOARD_UART0_BASE,
     .size = 0x100,
     .create = uart16550_create,
     .irq = BOARD_UART0_IRQ,
     .fdt = uart16550_fdt},
    {.name = "virtio_mmio",
     .base = VIRTIO_MMIO_BASE,
     .size = VIRTIO_MMIO_SIZE,
     .create_slot = virtio_mmio_create_slot,
     .irq = VIRTIO_MMIO_IRQ,
     .count = VIRTIO_MMIO_SLOTS,
     .fdt = virtio_mmio_fdt},
};

const struct board_device *board_devices(size_t *count)
{
	*count = sizeof(board_map) / sizeof(board_map[0]);
	return board_map;
}

unsigned board_device_count(const struct board_device *d)
{
	return d->count ? d->count : 1;
}

void board_slot_get(const struct board_device *d, unsigned index, struct board_slot *s)
{
	s->dev = d;
	s->index = index;
	s->base = d->base + (uint64_t)index * d->size;
	s->irq = d->irq ? d->irq + index : 0;
}

/* Makes one instance and puts it on the bus; on failure nothing of it is left. */
static int board_create_slot(struct vm *vm, const struct board_slot *s)
{
	const struct board_device *d = s->dev;
	struct mmio_region r;
	int err;

	memset(&r, 0, sizeof(r));
	r.name = d->name;
	r.base = s->base;
	r.size = d->size;
	if (d->create_slot)
		err = d->create_slot(vm, &r, s);
	else if (d->create)
		err = d->create(vm, &r);
	else
		err = -EINVAL;
	if (err)
		return err;
	err = bus_add(&vm->bus, &r);
	if (err && r.destroy)
		r.destroy(r.opaque);
	return err;
}

int board_create(struct vm *vm)
{
	size_t n = sizeof(board_map) / sizeof(board_map[0]);
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		for (unsigned k = 0; k < board_device_count(&board_map[i]) && !err; k++) {
			struct board_slot s;

			board_slot_get(&board_map[i], k, &s);
			err = board_create_slot(vm, &s);
		}
	}
	if (err)
		bus_destroy(&vm->bus);
	return err;
}
