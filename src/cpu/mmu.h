/* SPDX-License-Identifier: Apache-2.0 */
/* Address translation: Bare, Sv39, Sv48, Sv57 (priv spec 10.3-10.6). */
#ifndef VIREO_CPU_MMU_H
#define VIREO_CPU_MMU_H

#include <stdint.h>

#include "cpu/hart.h"

/** The privilege that data accesses are checked at: priv, or MPP when MPRV is set in M-mode. */
unsigned mmu_data_priv(const struct hart *h);

/**
 * Translates vaddr for an access of kind acc, made at the effective privilege (h->priv for
 * fetches, mmu_data_priv() for loads and stores). Walks the page table when satp says so,
 * checks permissions (U, SUM, MXR), sets A and D with compare-and-swap and checks PMP.
 * Returns 0 with *paddr and *page_size (the size of the mapping, for superpages), or -1 with
 * *ti filled with the page-fault or access-fault exception (tval = vaddr).
 */
int mmu_translate(struct hart *h, uint64_t vaddr, enum access acc, uint64_t *paddr,
		  uint64_t *page_size, struct trap_info *ti);

/** True when physical [paddr, paddr+len) may be accessed as acc at privilege priv under PMP. */
int mmu_pmp_check(struct hart *h, uint64_t paddr, uint64_t len, enum access acc, unsigned priv);

#endif
