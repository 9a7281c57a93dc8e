/* SPDX-License-Identifier: Apache-2.0 */
/* Address translation (priv spec 10.3-10.6) and physical memory protection (priv spec 3.7). */
#include <string.h>

#include "core/vm.h"
#include "cpu/mmu.h"

/* PTE bits (priv spec 10.3.1). */
#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK ((1ull << 44) - 1)
/* Bits 63:54: N (Svnapot), PBMT (Svpbmt) and reserved; none is implemented, so all must be 0. */
#define PTE_HIGH_MASK (0x3ffull << 54)

/* The A fields of eight pmpcfg bytes at once. */
#define PMP_A_ALL 0x1818181818181818ull

unsigned mmu_data_priv(const struct hart *h)
{
	if (h->priv == PRIV_M && (h->mstatus & MSTATUS_MPRV))
		return (h->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
	return h->priv;
}

/* True when some PMP entry has a non-OFF address mode. */
static bool pmp_any_active(const struct hart *h)
{
	uint64_t c[2];

	memcpy(c, h->pmpcfg, sizeof(c));
	return ((c[0] | c[1]) & PMP_A_ALL) != 0;
}

/* The address range [*lo, *hi) of PMP entry i; false when it matches nothing. */
static bool pmp_range(const struct hart *h, unsigned i, uint64_t *lo, uint64_t *hi)
{
	uint64_t a = h->pmpaddr[i];

	switch ((h->pmpcfg[i] & PMP_A) >> 3) {
	case PMP_TOR:
		*lo = i ? h->pmpaddr[i - 1] << 2 : 0;
		*hi = a << 2;
		return *lo < *hi;
	case PMP_NA4:
		*lo = a << 2;
		*hi = *lo + 4;
		return true;
	case PMP_NAPOT: {
		/* Trailing ones encode the size: t ones mean 2^(t+3) bytes. */
		uint64_t m = a ^ (a + 1);
		*lo = (a & ~m) << 2;
		*hi = *lo + ((m + 1) << 2);
		return true;
	}
	}
	return false;
}

int mmu_pmp_check(struct hart *h, uint64_t paddr, uint64_t len, enum access acc, unsigned priv)
{
	static const uint8_t need[] = {[ACC_READ] = PMP_R, [ACC_WRITE] = PMP_W, [ACC_EXEC] = PMP_X};
	uint64_t end = paddr + len;

	if (!pmp_any_active(h))
		return priv == PRIV_M;
	for (unsigned i = 0; i < PMP_COUNT; i++) {
		uint64_t lo, hi;

		if (!pmp_range(h, i, &lo, &hi) || end <= lo || paddr >= hi)
			continue;
		/* The lowest matching entry decides and must cover every byte (priv spec 3.7.1). */
		if (paddr < lo || end > hi || end < paddr)
			return 0;
		if (priv == PRIV_M && !(h->pmpcfg[i] & PMP_L))
			return 1;
		return (h->pmpcfg[i] & need[acc]) != 0;
	}
	/* No match: M is allowed, S/U fail because entries are implemented (priv spec 3.7.1). */
	return priv == PRIV_M;
}

static void fault(struct trap_info *ti, enum access acc, uint64_t vaddr, bool page)
{
	static const uint64_t pf[] = {[ACC_READ] = EXC_LOAD_PAGE_FAULT,
				      [ACC_WRITE] = EXC_STORE_PAGE_FAULT,
				      [ACC_EXEC] = EXC_INSN_PAGE_FAULT};
	static const uint64_t af[] = {[ACC_READ] = EXC_LOAD_ACCESS,
				      [ACC_WRITE] = EXC_STORE_ACCESS,
				      [ACC_EXEC] = EXC_INSN_ACCESS};

	ti->cause = page ? pf[acc] : af[acc];
	ti->tval = vaddr;
}

/* Permission check of a valid leaf PTE for acc at priv (priv spec 10.3.2 step 6). */
static bool leaf_allows(const struct hart *h, uint64_t pte, enum access acc, unsigned priv)
{
	if (pte & PTE_U) {
		/* S may touch U pages only with SUM, and never execute them. */
		if (priv == PRIV_S && (acc == ACC_EXEC || !(h->mstatus & MSTATUS_SUM)))
			return false;
	} else if (priv == PRIV_U) {
		return false;
	}
	switch (acc) {
	case ACC_EXEC:
		return pte & PTE_X;
	case ACC_WRITE:
		return pte & PTE_W;
	default:
		return (pte & PTE_R) || ((h->mstatus & MSTATUS_MXR) && (pte & PTE_X));
	}
}

/* Result of one walk attempt. */
enum walk_res { WALK_OK, WALK_PAGE_FAULT, WALK_ACCESS_FAULT, WALK_RETRY };

/* Walks the table of satp for vaddr (priv spec 10.3.2); levels is 3, 4 or 5. */
static enum walk_res walk(struct hart *h, uint64_t vaddr, enum access acc, unsigned priv,
			  unsigned levels, uint64_t *paddr, uint64_t *page_size)
{
	uint64_t table = (h->satp & SATP_PPN_MASK) << 12;

	for (int i = levels - 1; i >= 0; i--) {
		unsigned shift = 12 + 9 * i;
		uint64_t pte_addr = table + ((vaddr >> shift) & 0x1ff) * 8;
		uint64_t *p = (uint64_t *)vm_ram_ptr(h->vm, pte_addr, 8);

		/* Implicit page-table reads are checked by PMP as S-mode accesses. */
		if (!p || !mmu_pmp_check(h, pte_addr, 8, ACC_READ, PRIV_S))
			return WALK_ACCESS_FAULT;
		uint64_t pte = __atomic_load_n(p, __ATOMIC_ACQUIRE);

		if (!(pte & PTE_V) || (pte & (PTE_R | PTE_W)) == PTE_W || (pte & PTE_HIGH_MASK))
			return WALK_PAGE_FAULT;
		uint64_t ppn = (pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK;
		if (!(pte & (PTE_R | PTE_X))) {
			table = ppn << 12;
			continue;
		}
		if (!leaf_allows(h, pte, acc, priv))
			return WALK_PAGE_FAULT;
		uint64_t span = 1ull << shift;
		/* A superpage must be aligned to its size (priv spec 10.3.2 step 6). */
		if ((ppn << 12) & (span - 1))
			return WALK_PAGE_FAULT;
		uint64_t want = pte | PTE_A | (acc == ACC_WRITE ? PTE_D : 0);
		if (want != pte) {
			/* Hardware A/D update: atomic with the walk, redo it if the PTE moved. */
			if (!mmu_pmp_check(h, pte_addr, 8, ACC_WRITE, PRIV_S))
				return WALK_ACCESS_FAULT;
			if (!__atomic_compare_exchange_n(p, &pte, want, false, __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE))
				return WALK_RETRY;
			mem_written(h->vm, pte_addr, 8);
		}
		*paddr = (ppn << 12) | (vaddr & (span - 1));
		*page_size = span;
		return WALK_OK;
	}
	return WALK_PAGE_FAULT;
}

/* Translation through satp; 0, or -1 with *ti set. */
static int translate_paged(struct hart *h, uint64_t vaddr, enum access acc, unsigned priv,
			   unsigned levels, uint64_t *paddr, uint64_t *page_size,
			   struct trap_info *ti)
{
	unsigned va_bits = 12 + 9 * levels;
	int64_t ext = (int64_t)(vaddr << (64 - va_bits)) >> (64 - va_bits);
	enum walk_res r;

	/* Bits above the VA width must equal its top bit (priv spec 10.3.1). */
	if ((uint64_t)ext != vaddr) {
		fault(ti, acc, vaddr, true);
		return -1;
	}
	do {
		r = walk(h, vaddr, acc, priv, levels, paddr, page_size);
	} while (r == WALK_RETRY);
	if (r != WALK_OK) {
		fault(ti, acc, vaddr, r == WALK_PAGE_FAULT);
		return -1;
	}
	return 0;
}

int mmu_translate(struct hart *h, uint64_t vaddr, enum access acc, uint64_t *paddr,
		  uint64_t *page_size, struct trap_info *ti)
{
	unsigned priv = acc == ACC_EXEC ? h->priv : mmu_data_priv(h);
	unsigned mode = h->satp >> 60;
	unsigned levels = mode == SATP_SV39 ? 3 : mode == SATP_SV48 ? 4 : mode == SATP_SV57 ? 5 : 0;

	if (priv == PRIV_M || !levels) {
		*paddr = vaddr;
		*page_size = VM_PAGE_SIZE;
	} else if (translate_paged(h, vaddr, acc, priv, levels, paddr, page_size, ti)) {
		return -1;
	}
	if (priv == PRIV_M && !pmp_any_active(h))
		return 0;
	/*
	 * PMP is checked for the whole 4 KiB page so the caller may cache it. When the page is
	 * not uniformly allowed, only the address itself is checked and page_size drops to the
	 * PMP grain (4): the caller must not cache it and must check its exact range itself.
	 */
	uint64_t page = *paddr & ~(VM_PAGE_SIZE - 1);
	if (mmu_pmp_check(h, page, VM_PAGE_SIZE, acc, priv))
		return 0;
	if (mmu_pmp_check(h, *paddr, 1, acc, priv)) {
		*page_size = 4;
		return 0;
	}
	fault(ti, acc, vaddr, false);
	return -1;
}
