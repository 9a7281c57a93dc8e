/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SiFive test finisher ("sifive,test0", as on QEMU's virt board): one 32-bit register whose
 * low 16 bits select pass (power off), fail (with the code in bits 31:16) or reset.
 */
#include <errno.h>

#include "core/vm.h"
#include "dev/devices.h"

static int finisher_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
	(void)opaque;
	(void)off;
	(void)size;
	*val = 0;
	return 0;
}

static int finisher_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct vm *vm = opaque;

	(void)size;
	if (off != 0)
		return 0;
	switch (val & 0xffff) {
	case FINISHER_PASS:
		vm_stop(vm, VM_POWEROFF, 0);
		break;
	case FINISHER_FAIL:
		vm_stop(vm, VM_FAIL, (int)((val >> 16) & 0xffff));
		break;
	case FINISHER_RESET:
		vm_stop(vm, VM_RESET, 0);
		break;
	default:
		/* Unknown commands are ignored, as QEMU's sifive_test does for its valid range. */
		break;
	}
	return 0;
}

int finisher_create(struct vm *vm, struct mmio_region *r)
{
	r->opaque = vm;
	r->min_access = 4;
	r->max_access = 4;
	r->read = finisher_read;
	r->write = finisher_write;
	r->destroy = NULL;
	return 0;
}
