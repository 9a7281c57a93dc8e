/* SPDX-License-Identifier: Apache-2.0 */
/* A hart on a hand-built VM with a small zeroed RAM and no devices, for CPU unit tests. */
#ifndef VIREO_TESTS_HART_FIXTURE_H
#define VIREO_TESTS_HART_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "cpu/hart.h"

/** Gives vm ram_size bytes of zeroed, page-aligned RAM at 0x8000_0000 and initialises h; 0 or -1. */
static inline int hart_fixture_init(struct vm *vm, struct hart *h, size_t ram_size, unsigned id)
{
	vm->ram_size = ram_size;
	vm->ram_base = 0x80000000ull;
	vm->ram = aligned_alloc(4096, ram_size);
	if (!vm->ram)
		return -1;
	memset(vm->ram, 0, ram_size);
	return hart_init(h, vm, id) ? -1 : 0;
}

/** Frees what hart_fixture_init() allocated. */
static inline void hart_fixture_fini(struct vm *vm, struct hart *h)
{
	hart_destroy(h);
	free(vm->ram);
}

#endif
