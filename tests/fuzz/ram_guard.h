/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guard pages around a VM's guest RAM for the fuzzers: RAM is one anonymous mapping that
 * ASan does not watch, so an access just past either end would land silently in whatever is
 * mapped there. An inaccessible page on each side (when that address is free) turns it into
 * a fault libFuzzer reports.
 */
#ifndef VIREO_TESTS_FUZZ_RAM_GUARD_H
#define VIREO_TESTS_FUZZ_RAM_GUARD_H

#include <sys/mman.h>

#include "core/vm.h"

struct ram_guard {
	void *page[2]; /* below and above RAM; NULL where the address was taken */
};

static inline void ram_guard_add(struct ram_guard *g, const struct vm *vm)
{
	uint8_t *at[2] = {vm->ram - VM_PAGE_SIZE, vm->ram + vm->ram_size};

	for (int i = 0; i < 2; i++) {
		void *p =
		    mmap(at[i], VM_PAGE_SIZE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);

		/* Old kernels ignore the flag and may map elsewhere: that is no guard. */
		if (p != MAP_FAILED && p != at[i]) {
			munmap(p, VM_PAGE_SIZE);
			p = MAP_FAILED;
		}
		g->page[i] = p == MAP_FAILED ? NULL : p;
	}
}

static inline void ram_guard_remove(struct ram_guard *g)
{
	for (int i = 0; i < 2; i++) {
		if (g->page[i])
			munmap(g->page[i], VM_PAGE_SIZE);
		g->page[i] = NULL;
	}
}

#endif
