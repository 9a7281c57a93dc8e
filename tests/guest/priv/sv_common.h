/*
 * Page-table walk test shared by sv39.c, sv48.c and sv57.c (priv spec 4.3-4.5),
 * which define SV_LEVELS before including this file. S-mode code loads and
 * executes through: a 4 KiB page, a superpage at every level (2M, 1G, 512G,
 * 256T as the mode allows), a negative (sign-extended) address; misaligned
 * superpages, unmapped and non-canonical addresses must raise page faults with
 * the virtual address in mtval.
 */
#include "priv.h"
#include "pt.h"

#define RAM 0x80000000UL
#define VA_BITS (12 + 9 * SV_LEVELS)
#define KERNEL_FLAGS (PTE_RWX | PTE_A | PTE_D | PTE_G)

static uint64_t data_page[512] __attribute__((aligned(4096)));
static volatile uint64_t marker = 0x5a5aa5a5c3c33c3cUL;

/* Leaf VAs per level, each aligned to its level and in its own table slot. */
static const uint64_t va_leaf[5] = {
    0x100003000UL, 0x140600000UL, 0xc0000000UL, 0x8000000000UL, 1UL << 48,
};
static const uint64_t va_misaligned[5] = {
    0, 0x140800000UL, 0x180000000UL, 0x10000000000UL, 2UL << 48,
};

static uint64_t s_load(uint64_t va)
{
	trap_reset();
	return priv_run(PRV_S, (uint64_t(*)(uint64_t))p_load64, va);
}

/* S loads va and must get want without a trap. */
#define LOAD_OK(va, want)                                                                          \
	do {                                                                                       \
		uint64_t v_ = s_load(va);                                                          \
		CHECK_NO_TRAP();                                                                   \
		CHECK_EQ(v_, (want));                                                              \
	} while (0)

/* S loads va and must take a load page fault with mtval = va. */
#define LOAD_PF(va)                                                                                \
	do {                                                                                       \
		uint64_t va_ = (va);                                                               \
		s_load(va_);                                                                       \
		CHECK_TRAP_FROM(priv.m, CAUSE_LOAD_PAGE_FAULT, (uint64_t)p_load64, va_, PRV_S);    \
	} while (0)

/* Physical base a level-L leaf maps in these tests (aligned to the level). */
static uint64_t leaf_pa(unsigned level)
{
	return level <= 2 ? RAM : 0;
}

static void four_k(void)
{
	uint64_t va = va_leaf[0];

	pt_map(va, (uint64_t)data_page, 0, PTE_R | PTE_W | PTE_A | PTE_D);
	data_page[5] = 0x1234abcdUL;
	LOAD_OK(va + 40, 0x1234abcdUL);
	trap_reset();
	priv_run(PRV_S, p_store_self, va + 48);
	CHECK_NO_TRAP();
	CHECK_EQ(data_page[6], va + 48);
	/* The neighbouring page is not mapped. */
	LOAD_PF(va + PAGE_SIZE);
	LOAD_PF(va - 8);
}

static void superpages(void)
{
	uint64_t off = (uint64_t)&marker - RAM;

	for (unsigned l = 1; l < SV_LEVELS; l++) {
		uint64_t pa = leaf_pa(l);
		uint64_t va = va_leaf[l];

		pt_map(va, pa, l, KERNEL_FLAGS);
		LOAD_OK(va + (uint64_t)&marker - pa, marker);
		/* Execute through the superpage too. */
		trap_reset();
		CHECK_EQ(
		    priv_run(PRV_S, (uint64_t(*)(uint64_t))p_exec, va + (uint64_t)p_ret42 - pa),
		    42);
		CHECK_NO_TRAP();

		/* A superpage whose PPN is not aligned to its size (priv spec 4.3.2 step 6). */
		pt_map(va_misaligned[l], pa + pt_level_size(l - 1), l, KERNEL_FLAGS);
		LOAD_PF(va_misaligned[l] + off);
	}
}

static void addresses(void)
{
	unsigned lvl = SV_LEVELS - 2 > 2 ? 2 : SV_LEVELS - 2;
	uint64_t top = -pt_level_size(lvl); /* the last page of the address space */

	/* Bits 63..VA_BITS must equal bit VA_BITS-1 (priv spec 4.3.1, 4.4.1, 4.5.1). */
	LOAD_PF(1UL << VA_BITS);
	LOAD_PF(1UL << 63);
	LOAD_PF((1UL << (VA_BITS - 1)) + 8);
	/* A canonical negative address works once mapped. */
	pt_map(top, RAM, lvl, KERNEL_FLAGS);
	LOAD_OK(top + (uint64_t)&marker - RAM, marker);

	/* Fetch page fault: mepc and mtval are the unmapped target. */
	trap_reset();
	priv.m_resume = (uint64_t)p_exec_ret;
	priv_run(PRV_S, (uint64_t(*)(uint64_t))p_exec, va_leaf[0] + 2 * PAGE_SIZE);
	CHECK_TRAP_FROM(priv.m, CAUSE_FETCH_PAGE_FAULT, va_leaf[0] + 2 * PAGE_SIZE,
			va_leaf[0] + 2 * PAGE_SIZE, PRV_S);
}

int main(void)
{
	priv_init();
	pt_init(SV_LEVELS);
	pt_map(RAM, RAM, 2, KERNEL_FLAGS);
	csr_write(satp, pt_satp());
	/* A supported mode sticks; an unsupported one would leave satp unchanged. */
	CHECK_EQ(csr_read(satp), pt_satp());
	__asm__ volatile("sfence.vma" ::: "memory");
	/* M-mode accesses are not translated. */
	CHECK_EQ(marker, 0x5a5aa5a5c3c33c3cUL);

	four_k();
	superpages();
	addresses();
	csr_write(satp, 0UL);
	return 0;
}
