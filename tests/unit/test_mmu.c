/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for mmu.c: Sv39/Sv48/Sv57 walks, permission and fault rules, A/D, PMP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/vm.h"
#include "cpu/hart.h"
#include "hart_fixture.h"
#include "cpu/mmu.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1024 * 1024)

/* PTE bits (priv spec 10.3.1). */
#define V (1ull << 0)
#define R (1ull << 1)
#define W (1ull << 2)
#define X (1ull << 3)
#define U (1ull << 4)
#define A (1ull << 6)
#define D (1ull << 7)

enum { SV39 = 8, SV48 = 9, SV57 = 10 };

struct fix {
	struct vm vm;
	struct hart h;
	uint64_t next_page; /* bump allocator for page tables */
	uint64_t root;
	unsigned levels;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	if (hart_fixture_init(&f->vm, &f->h, RAM_SIZE, 0))
		return -1;
	f->next_page = RAM_BASE;
	/* One NAPOT entry granting everything, so S/U accesses pass PMP (priv spec 3.7.1). */
	f->h.pmpaddr[PMP_COUNT - 1] = (1ull << 54) - 1;
	f->h.pmpcfg[PMP_COUNT - 1] = 0x1f;
	f->h.priv = PRIV_S;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	hart_fixture_fini(&f->vm, &f->h);
	free(f);
	return 0;
}

static uint64_t *pte_ptr(struct fix *f, uint64_t paddr)
{
	return (uint64_t *)(f->vm.ram + (paddr - RAM_BASE));
}

static uint64_t alloc_page(struct fix *f)
{
	uint64_t p = f->next_page;
	f->next_page += 4096;
	assert_true(f->next_page <= RAM_BASE + RAM_SIZE / 2);
	return p;
}

/* Starts a table of the given satp mode. */
static void use_mode(struct fix *f, unsigned mode)
{
	f->levels = mode - SV39 + 3;
	f->root = alloc_page(f);
	f->h.satp = ((uint64_t)mode << 60) | (f->root >> 12);
}

/* Maps va -> pa with a leaf at the given level (0 = 4K); returns the leaf PTE's address. */
static uint64_t map(struct fix *f, uint64_t va, uint64_t pa, uint64_t flags, unsigned level)
{
	uint64_t table = f->root;

	for (int i = f->levels - 1; i > (int)level; i--) {
		uint64_t *p = pte_ptr(f, table + ((va >> (12 + 9 * i)) & 0x1ff) * 8);
		if (!(*p & V))
			*p = ((alloc_page(f) >> 12) << 10) | V;
		table = (*p >> 10) << 12;
	}
	uint64_t addr = table + ((va >> (12 + 9 * level)) & 0x1ff) * 8;
	*pte_ptr(f, addr) = ((pa >> 12) << 10) | flags;
	return addr;
}

static struct fix *F(void **state)
{
	return *state;
}

/* Translates and expects success; returns the physical address. */
static uint64_t ok(struct fix *f, uint64_t va, enum access acc, uint64_t want_size)
{
	uint64_t pa = 0, size = 0;
	struct trap_info ti = {0};

	assert_int_equal(mmu_translate(&f->h, va, acc, &pa, &size, &ti), 0);
	assert_int_equal(size, want_size);
	return pa;
}

/* Translates and expects the given exception with tval = va. */
static void bad(struct fix *f, uint64_t va, enum access acc, uint64_t cause)
{
	uint64_t pa, size;
	struct trap_info ti = {0};

	assert_int_equal(mmu_translate(&f->h, va, acc, &pa, &size, &ti), -1);
	assert_int_equal(ti.cause, cause);
	assert_int_equal(ti.tval, va);
}

static void test_sv39_4k_and_ad(void **state)
{
	struct fix *f = F(state);

	use_mode(f, SV39);
	uint64_t pte = map(f, 0x40001000, 0x80123000, V | R | W, 0);
	assert_int_equal(ok(f, 0x40001abc, ACC_READ, 4096), 0x80123abc);
	assert_int_equal(*pte_ptr(f, pte) & (A | D), A);
	assert_int_equal(ok(f, 0x40001ff8, ACC_WRITE, 4096), 0x80123ff8);
	assert_int_equal(*pte_ptr(f, pte) & (A | D), A | D);
	bad(f, 0x40001000, ACC_EXEC, EXC_INSN_PAGE_FAULT);
	/* Unmapped neighbour. */
	bad(f, 0x40002000, ACC_READ, EXC_LOAD_PAGE_FAULT);
	bad(f, 0x40002000, ACC_WRITE, EXC_STORE_PAGE_FAULT);
	/* A high canonical address (sign-extended from bit 38). */
	map(f, 0xffffffffc0000000ull, 0x80200000, V | R | X | A, 0);
	assert_int_equal(ok(f, 0xffffffffc0000010ull, ACC_EXEC, 4096), 0x80200010);
}

static void test_superpages(void **state)
{
	struct fix *f = F(state);

	use_mode(f, SV39);
	map(f, 0x200000, 0x80200000, V | R | W | X | A | D, 1);
	map(f, 0x40000000, 0xc0000000, V | R | A, 2);
	assert_int_equal(ok(f, 0x3fffff, ACC_WRITE, 2ull << 20), 0x803fffff);
	assert_int_equal(ok(f, 0x7fedcba8, ACC_READ, 1ull << 30), 0xffedcba8);
	/* Misaligned superpages fault. */
	map(f, 0x800000, 0x80201000, V | R | A, 1);
	bad(f, 0x800000, ACC_READ, EXC_LOAD_PAGE_FAULT);
	map(f, 0x80000000, 0x80200000, V | R | A, 2);
	bad(f, 0x80000000, ACC_READ, EXC_LOAD_PAGE_FAULT);
}

static void test_sv48(void **state)
{
	struct fix *f = F(state);

	use_mode(f, SV48);
	map(f, 0x7f0000001000ull, 0x80005000, V | R | A, 0);
	assert_int_equal(ok(f, 0x7f0000001008ull, ACC_READ, 4096), 0x80005008);
	map(f, 0x8000000000ull, 0x8000000000ull, V | R | A, 3);
	assert_int_equal(ok(f, 0x8000001234ull, ACC_READ, 1ull << 39), 0x8000001234ull);
	/* Sv48: bit 47 clear with bit 48 set is not canonical. */
	bad(f, 0x17f0000001000ull, ACC_READ, EXC_LOAD_PAGE_FAULT);
	map(f, 0xffff800000001000ull, 0x80006000, V | R | A, 0);
	assert_int_equal(ok(f, 0xffff800000001008ull, ACC_READ, 4096), 0x80006008);
}

static void test_sv57(void **state)
{
	struct fix *f = F(state);

	use_mode(f, SV57);
	map(f, 0xff00000001000ull, 0x80007000, V | R | W | A | D, 0);
	assert_int_equal(ok(f, 0xff00000001010ull, ACC_WRITE, 4096), 0x80007010);
	map(f, 0x1000000000000ull, 0, V | X | A, 4);
	assert_int_equal(ok(f, 0x1000000000040ull, ACC_EXEC, 1ull << 48), 0x40);
	/* An address with bit 57 differing from bit 56 is not canonical. */
	bad(f, 0x0200ff0000001000ull, ACC_WRITE, EXC_STORE_PAGE_FAULT);
	bad(f, 0x0201000000000040ull, ACC_EXEC, EXC_INSN_PAGE_FAULT);
}

static void test_pte_faults(void **state)
{
	struct fix *f = F(state);
	uint64_t pte;

	use_mode(f, SV39);
	pte = map(f, 0x1000, 0x80100000, R | W | A | D, 0); /* V = 0 */
	bad(f, 0x1000, ACC_READ, EXC_LOAD_PAGE_FAULT);
	*pte_ptr(f, pte) |= V;
	assert_int_equal(ok(f, 0x1000, ACC_READ, 4096), 0x80100000);
	/* W without R is reserved. */
	map(f, 0x2000, 0x80100000, V | W | A | D, 0);
	bad(f, 0x2000, ACC_WRITE, EXC_STORE_PAGE_FAULT);
	/* Reserved bits 60:54, PBMT (62:61) and N (63) are not implemented. */
	map(f, 0x3000, 0x80100000, V | R | A | (1ull << 54), 0);
	bad(f, 0x3000, ACC_READ, EXC_LOAD_PAGE_FAULT);
	map(f, 0x4000, 0x80100000, V | R | A | (1ull << 61), 0);
	bad(f, 0x4000, ACC_READ, EXC_LOAD_PAGE_FAULT);
	map(f, 0x5000, 0x80100000, V | R | A | (1ull << 63), 0);
	bad(f, 0x5000, ACC_READ, EXC_LOAD_PAGE_FAULT);
	/* A pointer at the last level faults. */
	map(f, 0x6000, 0x80100000, V, 0);
	bad(f, 0x6000, ACC_EXEC, EXC_INSN_PAGE_FAULT);
	/* Non-canonical Sv39 address. */
	bad(f, 0x8000001000ull, ACC_READ, EXC_LOAD_PAGE_FAULT); /* would alias 0x1000 */
	/* Permission bits. */
	map(f, 0x7000, 0x80100000, V | R | A | D, 0);
	bad(f, 0x7000, ACC_WRITE, EXC_STORE_PAGE_FAULT);
	bad(f, 0x7000, ACC_EXEC, EXC_INSN_PAGE_FAULT);
	map(f, 0x8000, 0x80100000, V | X | A, 0);
	bad(f, 0x8000, ACC_READ, EXC_LOAD_PAGE_FAULT);
	assert_int_equal(ok(f, 0x8000, ACC_EXEC, 4096), 0x80100000);
	/* MXR makes executable pages readable. */
	f->h.mstatus |= MSTATUS_MXR;
	assert_int_equal(ok(f, 0x8000, ACC_READ, 4096), 0x80100000);
}

static void test_user_rules(void **state)
{
	struct fix *f = F(state);

	use_mode(f, SV39);
	map(f, 0x1000, 0x80100000, V | R | W | X | U | A | D, 0);
	map(f, 0x2000, 0x80101000, V | R | W | X | A | D, 0);
	/* S-mode on a U page: data only with SUM, never execute. */
	bad(f, 0x1000, ACC_READ, EXC_LOAD_PAGE_FAULT);
	bad(f, 0x1000, ACC_WRITE, EXC_STORE_PAGE_FAULT);
	f->h.mstatus |= MSTATUS_SUM;
	ok(f, 0x1000, ACC_READ, 4096);
	ok(f, 0x1000, ACC_WRITE, 4096);
	bad(f, 0x1000, ACC_EXEC, EXC_INSN_PAGE_FAULT);
	/* U-mode on a supervisor page always faults. */
	f->h.priv = PRIV_U;
	ok(f, 0x1000, ACC_EXEC, 4096);
	bad(f, 0x2000, ACC_READ, EXC_LOAD_PAGE_FAULT);
	bad(f, 0x2000, ACC_EXEC, EXC_INSN_PAGE_FAULT);
}

static void test_mprv_and_bare(void **state)
{
	struct fix *f = F(state);

	use_mode(f, SV39);
	map(f, 0x1000, 0x80100000, V | R | W | X | U | A | D, 0);
	/* M-mode ignores satp. */
	f->h.priv = PRIV_M;
	assert_int_equal(ok(f, 0x1000, ACC_READ, 4096), 0x1000);
	/* MPRV with MPP = U translates data, not fetches. */
	f->h.mstatus |= MSTATUS_MPRV;
	assert_int_equal(mmu_data_priv(&f->h), PRIV_U);
	assert_int_equal(ok(f, 0x1000, ACC_WRITE, 4096), 0x80100000);
	assert_int_equal(ok(f, 0x1000, ACC_EXEC, 4096), 0x1000);
	/* MPP = S: the U page needs SUM. */
	f->h.mstatus |= 1ull << MSTATUS_MPP_SHIFT;
	bad(f, 0x1000, ACC_READ, EXC_LOAD_PAGE_FAULT);
	f->h.mstatus |= MSTATUS_SUM;
	ok(f, 0x1000, ACC_READ, 4096);
	/* MPP = M: bare. */
	f->h.mstatus |= MSTATUS_MPP;
	assert_int_equal(ok(f, 0x1000, ACC_READ, 4096), 0x1000);
	/* satp Bare in S-mode is the identity. */
	f->h.priv = PRIV_S;
	f->h.satp = 0;
	assert_int_equal(ok(f, 0x80100123, ACC_WRITE, 4096), 0x80100123);
}

static void test_walk_access_fault(void **state)
{
	struct fix *f = F(state);

	/* A root table outside RAM: access faults of the access type. */
	f->h.satp = (8ull << 60) | (0x1000000ull >> 12);
	bad(f, 0x1000, ACC_READ, EXC_LOAD_ACCESS);
	bad(f, 0x1000, ACC_WRITE, EXC_STORE_ACCESS);
	bad(f, 0x1000, ACC_EXEC, EXC_INSN_ACCESS);
	/* A leaf in a table page PMP denies to S. */
	use_mode(f, SV39);
	map(f, 0x1000, 0x80100000, V | R | A, 0);
	/* NAPOT 16 KiB over the three table pages (root is the first page of RAM). */
	f->h.pmpaddr[0] = (f->root >> 2) | 0x7ff;
	f->h.pmpcfg[0] = 0x18;
	bad(f, 0x1000, ACC_READ, EXC_LOAD_ACCESS);
	/* Readable but not writable: walks that must set A/D fault. */
	f->h.pmpcfg[0] = 0x18 | 0x1;
	ok(f, 0x1000, ACC_READ, 4096);
	map(f, 0x2000, 0x80100000, V | R | W, 0);
	bad(f, 0x2000, ACC_READ, EXC_LOAD_ACCESS);
}

static void test_pmp(void **state)
{
	struct fix *f = F(state);
	struct hart *h = &f->h;

	/* Entry 0: NAPOT 8 KiB at 0x80100000, read-only. Entry 15 allows all. */
	h->pmpaddr[0] = (0x80100000 >> 2) | 0x3ff;
	h->pmpcfg[0] = 0x18 | 0x1;
	assert_int_equal(ok(f, 0x80101ff8, ACC_READ, 4096), 0x80101ff8);
	bad(f, 0x80100000, ACC_WRITE, EXC_STORE_ACCESS);
	bad(f, 0x80101000, ACC_EXEC, EXC_INSN_ACCESS);
	ok(f, 0x80102000, ACC_WRITE, 4096);
	/* Straddling the entry's end: it matches but does not cover all bytes. */
	assert_false(mmu_pmp_check(h, 0x80101ffc, 8, ACC_READ, PRIV_S));
	assert_true(mmu_pmp_check(h, 0x80101ff8, 8, ACC_READ, PRIV_S));
	/* M-mode ignores unlocked entries, obeys locked ones. */
	h->priv = PRIV_M;
	ok(f, 0x80100000, ACC_WRITE, 4096);
	h->pmpcfg[0] |= 0x80;
	bad(f, 0x80100000, ACC_WRITE, EXC_STORE_ACCESS);
	ok(f, 0x80100000, ACC_READ, 4096);
	/* TOR: entry 2 covers [pmpaddr1, pmpaddr2) execute-only; empty ranges match nothing. */
	h->pmpcfg[0] = 0;
	h->priv = PRIV_U;
	h->pmpaddr[1] = 0x80200000 >> 2;
	h->pmpaddr[2] = 0x80204000 >> 2;
	h->pmpcfg[2] = 0x08 | 0x4;
	ok(f, 0x80203000, ACC_EXEC, 4096);
	bad(f, 0x80203000, ACC_READ, EXC_LOAD_ACCESS);
	ok(f, 0x80204000, ACC_READ, 4096);
	h->pmpaddr[2] = h->pmpaddr[1];
	ok(f, 0x80200000, ACC_READ, 4096);
	/* NA4 inside a page: the page is not uniform, so the grain size 4 is reported. */
	h->pmpaddr[3] = 0x80300010 >> 2;
	h->pmpcfg[3] = 0x10;
	bad(f, 0x80300010, ACC_READ, EXC_LOAD_ACCESS);
	assert_int_equal(ok(f, 0x80300014, ACC_READ, 4), 0x80300014);
	/* No entry matches: S/U denied, M allowed. */
	h->pmpcfg[PMP_COUNT - 1] = 0;
	bad(f, 0x80400000, ACC_READ, EXC_LOAD_ACCESS);
	h->priv = PRIV_M;
	ok(f, 0x80400000, ACC_READ, 4096);
	/* No active entry at all: M allowed (fast path), S denied. */
	memset(h->pmpcfg, 0, sizeof(h->pmpcfg));
	ok(f, 0x80400000, ACC_WRITE, 4096);
	assert_false(mmu_pmp_check(h, 0x80400000, 4, ACC_READ, PRIV_S));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_sv39_4k_and_ad, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_superpages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sv48, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sv57, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pte_faults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mprv_and_bare, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_walk_access_fault, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pmp, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
