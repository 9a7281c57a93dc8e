/* SPDX-License-Identifier: Apache-2.0 */
/* A hart on a hand-built VM with a small zeroed RAM and no devices, for CPU unit tests. */
#ifndef VIREO_TESTS_HART_FIXTURE_H
#define VIREO_TESTS_HART_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "cpu/hart.h"

/** Gives vm ram_size bytes of zeroed anonymous RAM at 0x8000_0000 and initialises h; 0 or -1. */
static inline int hart_fixture_init(struct vm *vm, struct hart *h, size_t ram_size, unsigned id)
{
	vm->ram_size = ram_size;
	vm->ram_base = 0x80000000ull;
	if (mem_create(vm, MEM_ANON, -1))
		return -1;
	return hart_init(h, vm, id) ? -1 : 0;
}

/** Frees what hart_fixture_init() allocated. */
static inline void hart_fixture_fini(struct vm *vm, struct hart *h)
{
	hart_destroy(h);
	mem_destroy(vm);
}

#endif
