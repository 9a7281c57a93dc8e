/*
 * pt.h - page tables built by the tests (priv spec 4.3-4.5: Sv39/Sv48/Sv57).
 * Tables come from a static pool; level 0 is the 4 KiB level, so a leaf at
 * level L maps 4 KiB << (9 * L).
 */
#ifndef PT_H
#define PT_H

#include <stdint.h>

#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)
#define PTE_RWX (PTE_R | PTE_W | PTE_X)
#define PTE_PPN_SHIFT 10

#define PAGE_SIZE 4096UL
#define SATP_MODE_SHIFT 60
#define SATP_SV39 8UL
#define SATP_SV48 9UL
#define SATP_SV57 10UL

/* Start a new, empty page table with levels levels (3, 4 or 5). */
void pt_init(unsigned levels);
/* Map va to pa with a leaf at level, with PTE flags (V is added); returns the PTE. */
volatile uint64_t *pt_map(uint64_t va, uint64_t pa, unsigned level, uint64_t flags);
/* Write a raw PTE value at level for va, creating the tables above it; returns the PTE. */
volatile uint64_t *pt_set(uint64_t va, unsigned level, uint64_t pte);
/* The satp value for this table (mode from the level count, ASID 0). */
uint64_t pt_satp(void);
/* Write satp and flush the TLB (sfence.vma), from M. */
void pt_enable(void);
/* Size of a leaf at level. */
static inline uint64_t pt_level_size(unsigned level)
{
	return PAGE_SIZE << (9 * level);
}

#endif
