/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SiFive test finisher ("sifive,test0", as on QEMU's virt board): one 32-bit register whose
 * low 16 bits select pass (power off), fail (with the code in bits 31:16) or reset. As on
 * QEMU (since 5.0.1), 16-bit accesses work too: OpenSBI's sifive_test driver stores the
 * command with a halfword (writew), which then carries no failure code.
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

	/*
	 * Only a write at offset 0 commands. A 16-bit one holds the command alone (the bus gives
	 * it zero-extended), so a failure it reports has code 0; writes elsewhere, offset 2
	 * included, are ignored, as on QEMU.
	 */
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
	r->min_access = 2;
	r->max_access = 4;
	r->read = finisher_read;
	r->write = finisher_write;
	r->destroy = NULL;
	return 0;
}
