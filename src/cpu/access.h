/* SPDX-License-Identifier: Apache-2.0 */
/* Guest memory accesses that miss the TLB fast path: translation, TLB fill, MMIO. */
#ifndef VIREO_CPU_ACCESS_H
#define VIREO_CPU_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/hart.h"

struct dpage;

/** Loads size bytes at virtual va (zero-extended into *val); 0, or -1 with *ti set. */
int access_load(struct hart *h, uint64_t va, unsigned size, uint64_t *val, struct trap_info *ti);

/** Stores size bytes at va; 0, 1 when the store hit a page holding decoded code, or -1 with *ti. */
int access_store(struct hart *h, uint64_t va, unsigned size, uint64_t val, struct trap_info *ti);

/**
 * Host pointer for an LR/SC/AMO of size bytes at va: must be aligned (else misaligned
 * exception) and in RAM (else access fault). write selects store/AMO permission checks.
 * Returns NULL with *ti set on a fault. Marks decoded code at that page stale when writing.
 */
void *access_atomic(struct hart *h, uint64_t va, unsigned size, bool write, struct trap_info *ti);

/**
 * Decoded page for the instruction fetch at va (fills the fetch TLB). Returns 0 with *dp and
 * *ppn (RAM page index), -1 with *ti set on a fetch fault, or -ENOMEM.
 */
int access_fetch(struct hart *h, uint64_t va, struct dpage **dp, uint64_t *ppn,
		 struct trap_info *ti);

/** Fetches the 16-bit parcel at va (for an instruction that straddles two pages); 0 or -1 with *ti.
 */
int access_fetch_u16(struct hart *h, uint64_t va, uint16_t *out, struct trap_info *ti);

#endif
