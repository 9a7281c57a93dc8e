/* Page-table builder for the paging tests (see pt.h). */
#include "pt.h"
#include "priv.h"

#define POOL_PAGES 48

static uint64_t pool[POOL_PAGES][512] __attribute__((aligned(4096)));
static unsigned pool_used;
static unsigned pt_levels;
static uint64_t *pt_root;

static uint64_t *alloc_table(void)
{
	if (pool_used == POOL_PAGES) {
		uart_puts("pt: page-table pool exhausted\n");
		test_fail(0xe0);
	}
	uint64_t *t = pool[pool_used++];

	for (int i = 0; i < 512; i++)
		t[i] = 0;
	return t;
}

void pt_init(unsigned levels)
{
	pool_used = 0;
	pt_levels = levels;
	pt_root = alloc_table();
}

volatile uint64_t *pt_set(uint64_t va, unsigned level, uint64_t pte)
{
	uint64_t *table = pt_root;

	/* Walk down from the root (priv spec 4.3.2), adding pointer PTEs as needed. */
	for (unsigned l = pt_levels - 1; l > level; l--) {
		uint64_t *e = &table[(va >> (12 + 9 * l)) & 511];

		if (!(*e & PTE_V)) {
			*e = ((uint64_t)alloc_table() >> 12) << PTE_PPN_SHIFT | PTE_V;
		} else if (*e & PTE_RWX) {
			uart_puts("pt: a leaf is in the way\n");
			test_fail(0xe1);
		}
		table = (uint64_t *)((*e >> PTE_PPN_SHIFT) << 12);
	}
	volatile uint64_t *leaf = &table[(va >> (12 + 9 * level)) & 511];

	*leaf = pte;
	__asm__ volatile("sfence.vma" ::: "memory");
	return leaf;
}

volatile uint64_t *pt_map(uint64_t va, uint64_t pa, unsigned level, uint64_t flags)
{
	return pt_set(va, level, (pa >> 12) << PTE_PPN_SHIFT | flags | PTE_V);
}

uint64_t pt_satp(void)
{
	uint64_t mode = SATP_SV39 + (pt_levels - 3);

	return mode << SATP_MODE_SHIFT | (uint64_t)pt_root >> 12;
}

void pt_enable(void)
{
	csr_write(satp, pt_satp());
	__asm__ volatile("sfence.vma" ::: "memory");
}
