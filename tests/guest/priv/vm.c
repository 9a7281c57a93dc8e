/*
 * Sv39 permission and PTE checks (priv spec 4.3.1-4.3.2): R/W/X and U bits,
 * SUM and MXR, MPRV with MPP (M-mode loads through the page table), A and D set
 * by the hardware, reserved PTE patterns, sfence.vma making a changed PTE
 * visible, and fetch page faults (also for an instruction straddling into an
 * unmapped page). All faults go to M.
 */
#include "priv.h"
#include "pt.h"

#define RAM 0x80000000UL
#define KFLAGS (PTE_RWX | PTE_A | PTE_D | PTE_G)
#define VA_U 0x180000000UL /* RAM again, with U = 1, for U-mode code */
#define VA_T 0x10000000UL  /* test pages, one per entry of enum tp */
#define PTE_N (1UL << 63)
#define PTE_PBMT (3UL << 61)
#define PTE_RSV (1UL << 54)

enum tp {
	T_R,
	T_RW,
	T_X,
	T_RX,
	T_URW,
	T_UX,
	T_AD,
	T_SF,
	T_WO,
	T_RSV,
	T_N,
	T_PBMT,
	T_PTR,
	T_INV,
	T_XEND,
	T_COUNT
};

static uint64_t page[T_COUNT + 1][512] __attribute__((aligned(4096)));
static volatile uint64_t *pte[T_COUNT];

/* VA of test page t. */
static uint64_t tva(enum tp t)
{
	return VA_T + (uint64_t)t * PAGE_SIZE;
}

/* Run fn(arg) in mode; a fetch fault resumes at resume (if not 0). */
static uint64_t in_mode_r(unsigned mode, uint64_t (*fn)(uint64_t), uint64_t arg, uint64_t resume)
{
	trap_reset();
	priv.m_resume = resume;
	if (mode != PRV_U)
		return priv_run(mode, fn, arg);
	return priv_run_at(PRV_U, (uint64_t)fn + priv.alias_off, arg,
			   priv_lower_sp() + priv.alias_off,
			   (uint64_t)p_exit_stub + priv.alias_off);
}

static uint64_t in_mode(unsigned mode, uint64_t (*fn)(uint64_t), uint64_t arg)
{
	return in_mode_r(mode, fn, arg, 0);
}

static uint64_t load(unsigned mode, uint64_t va)
{
	return in_mode(mode, p_load64, va);
}

static void store(unsigned mode, uint64_t va)
{
	in_mode(mode, p_store_self, va);
}

/* fn's address as seen by mode (U code runs through the VA_U alias). */
static uint64_t code_va(unsigned mode, void (*fn)(void))
{
	return (uint64_t)fn + (mode == PRV_U ? priv.alias_off : 0);
}

static uint64_t exec(unsigned mode, uint64_t va)
{
	return in_mode_r(mode, p_exec, va, code_va(mode, p_exec_ret));
}

#define EXPECT_OK() CHECK_NO_TRAP()
#define EXPECT_FAULT(cause, mode, epc, va) CHECK_TRAP_FROM(priv.m, cause, epc, va, mode)
#define LOAD_PF(mode, va)                                                                          \
	EXPECT_FAULT(CAUSE_LOAD_PAGE_FAULT, mode, code_va(mode, (void (*)(void))p_load64), va)
#define STORE_PF(mode, va)                                                                         \
	EXPECT_FAULT(CAUSE_STORE_PAGE_FAULT, mode, code_va(mode, (void (*)(void))p_store_self), va)

static void setup(void)
{
	static const uint64_t flags[T_COUNT] = {
	    [T_R] = PTE_R | PTE_A,
	    [T_RW] = PTE_R | PTE_W | PTE_A | PTE_D,
	    [T_X] = PTE_X | PTE_A,
	    [T_RX] = PTE_R | PTE_X | PTE_A,
	    [T_URW] = PTE_U | PTE_R | PTE_W | PTE_A | PTE_D,
	    [T_UX] = PTE_U | PTE_X | PTE_R | PTE_A,
	    [T_AD] = PTE_R | PTE_W,
	    [T_SF] = PTE_R | PTE_A,
	    [T_WO] = PTE_W | PTE_A | PTE_D,
	    [T_RSV] = PTE_R | PTE_A | PTE_RSV,
	    [T_N] = PTE_R | PTE_A | PTE_N,
	    [T_PBMT] = PTE_R | PTE_A | PTE_PBMT,
	    /* A pointer PTE at the last level, with the reserved A/D/U set. */
	    [T_PTR] = PTE_A | PTE_D | PTE_U,
	    [T_INV] = 0,
	    [T_XEND] = PTE_X | PTE_A,
	};

	pt_init(3);
	pt_map(RAM, RAM, 2, KFLAGS);
	pt_map(VA_U, RAM, 2, KFLAGS | PTE_U);
	priv.alias_off = VA_U - RAM;
	for (int t = 0; t < T_COUNT; t++) {
		page[t][0] = 0x1000 + (uint64_t)t;
		/* "li a0, 42; ret" at the start of every page, for fetches. */
		__builtin_memcpy(page[t], (const void *)p_ret42, 8);
		page[t][8] = 0x1000 + (uint64_t)t;
		pte[t] = pt_map(tva((enum tp)t), (uint64_t)page[t], 0, flags[t]);
		if (t == T_INV)
			*pte[t] &= ~PTE_V;
	}
	/* The low half of "li a0, 42" in the last parcel of T_XEND; the page after is unmapped. */
	((volatile uint16_t *)page[T_XEND])[2047] = 0x0513;
	__asm__ volatile("fence.i" ::: "memory");
	pt_enable();
}

static void rwx(void)
{
	CHECK_EQ(load(PRV_S, tva(T_R) + 64), 0x1000 + T_R);
	EXPECT_OK();
	store(PRV_S, tva(T_R) + 64);
	STORE_PF(PRV_S, tva(T_R) + 64);
	store(PRV_S, tva(T_RW) + 64);
	EXPECT_OK();
	CHECK_EQ(page[T_RW][8], tva(T_RW) + 64);
	load(PRV_S, tva(T_X) + 64);
	LOAD_PF(PRV_S, tva(T_X) + 64);
	/* MXR: loads from executable pages succeed. */
	csr_set(mstatus, MSTATUS_MXR);
	CHECK_EQ(load(PRV_S, tva(T_X) + 64), 0x1000 + T_X);
	EXPECT_OK();
	csr_clear(mstatus, MSTATUS_MXR);
	/* Fetches need X. */
	CHECK_EQ(exec(PRV_S, tva(T_X)), 42);
	EXPECT_OK();
	CHECK_EQ(exec(PRV_S, tva(T_RX)), 42);
	EXPECT_OK();
	exec(PRV_S, tva(T_RW));
	EXPECT_FAULT(CAUSE_FETCH_PAGE_FAULT, PRV_S, tva(T_RW), tva(T_RW));
}

static void user_bit(void)
{
	CHECK_EQ(load(PRV_U, tva(T_URW) + 64), 0x1000 + T_URW);
	EXPECT_OK();
	store(PRV_U, tva(T_URW) + 64);
	EXPECT_OK();
	load(PRV_U, tva(T_RW) + 64);
	LOAD_PF(PRV_U, tva(T_RW) + 64);
	store(PRV_U, tva(T_RW) + 64);
	STORE_PF(PRV_U, tva(T_RW) + 64);
	CHECK_EQ(exec(PRV_U, tva(T_UX)), 42);
	EXPECT_OK();
	exec(PRV_U, tva(T_X));
	EXPECT_FAULT(CAUSE_FETCH_PAGE_FAULT, PRV_U, tva(T_X), tva(T_X));

	/* S and U pages: SUM opens loads and stores, never fetches (priv spec 4.3.1). */
	load(PRV_S, tva(T_URW) + 64);
	LOAD_PF(PRV_S, tva(T_URW) + 64);
	store(PRV_S, tva(T_URW) + 64);
	STORE_PF(PRV_S, tva(T_URW) + 64);
	csr_set(mstatus, MSTATUS_SUM);
	CHECK_EQ(load(PRV_S, tva(T_URW) + 8), 0);
	EXPECT_OK();
	store(PRV_S, tva(T_URW) + 72);
	EXPECT_OK();
	exec(PRV_S, tva(T_UX));
	EXPECT_FAULT(CAUSE_FETCH_PAGE_FAULT, PRV_S, tva(T_UX), tva(T_UX));
	csr_clear(mstatus, MSTATUS_SUM);
}

/* M-mode load with MPRV=1 and the given MPP/SUM/MXR bits; clears them after (asm: the
 * stack is not touched while MPRV is set). */
static uint64_t mprv_load(uint64_t va, uint64_t bits, uint64_t *pc)
{
	uint64_t v, mask = MSTATUS_MPRV | MSTATUS_MPP | MSTATUS_SUM | MSTATUS_MXR;

	trap_reset();
	__asm__ volatile("lla %1, 1f\n\t"
			 "csrs mstatus, %3\n"
			 "1:\tld %0, 0(%2)\n\t"
			 "csrc mstatus, %4"
			 : "=&r"(v), "=&r"(*pc)
			 : "r"(va), "r"(bits | MSTATUS_MPRV), "r"(mask)
			 : "memory");
	return v;
}

static void mprv(void)
{
	uint64_t pc, s = 1UL << MSTATUS_MPP_SHIFT;

	csr_clear(mstatus, MSTATUS_MPP);
	CHECK_EQ(mprv_load(tva(T_R) + 64, s, &pc), 0x1000 + T_R);
	CHECK_NO_TRAP();
	mprv_load(tva(T_URW) + 64, s, &pc);
	CHECK_TRAP_FROM(priv.m, CAUSE_LOAD_PAGE_FAULT, pc, tva(T_URW) + 64, PRV_M);
	CHECK_EQ(mprv_load(tva(T_URW) + 64, s | MSTATUS_SUM, &pc), tva(T_URW) + 64);
	CHECK_NO_TRAP();
	mprv_load(tva(T_X) + 64, s, &pc);
	CHECK_TRAP_FROM(priv.m, CAUSE_LOAD_PAGE_FAULT, pc, tva(T_X) + 64, PRV_M);
	CHECK_EQ(mprv_load(tva(T_X) + 64, s | MSTATUS_MXR, &pc), 0x1000 + T_X);
	CHECK_NO_TRAP();
	/* MPP = U: only U pages. */
	CHECK_EQ(mprv_load(tva(T_URW) + 64, 0, &pc), tva(T_URW) + 64);
	CHECK_NO_TRAP();
	mprv_load(tva(T_R) + 64, 0, &pc);
	CHECK_TRAP_FROM(priv.m, CAUSE_LOAD_PAGE_FAULT, pc, tva(T_R) + 64, PRV_M);
	/* The helper left MPRV clear again, even after a fault (mret sets MPP = U). */
	CHECK_EQ(csr_read(mstatus) & MSTATUS_MPRV, 0);
}

static void accessed_dirty(void)
{
	CHECK_EQ(*pte[T_AD] & (PTE_A | PTE_D), 0);
	CHECK_EQ(load(PRV_S, tva(T_AD) + 64), 0x1000 + T_AD);
	EXPECT_OK();
	CHECK_EQ(*pte[T_AD] & (PTE_A | PTE_D), PTE_A);
	store(PRV_S, tva(T_AD) + 64);
	EXPECT_OK();
	CHECK_EQ(*pte[T_AD] & (PTE_A | PTE_D), PTE_A | PTE_D);
	CHECK_EQ(page[T_AD][8], tva(T_AD) + 64);
}

static void bad_ptes(void)
{
	static const enum tp bad[] = {T_WO, T_RSV, T_N, T_PBMT, T_PTR, T_INV};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		load(PRV_S, tva(bad[i]) + 64);
		LOAD_PF(PRV_S, tva(bad[i]) + 64);
		store(PRV_S, tva(bad[i]) + 64);
		STORE_PF(PRV_S, tva(bad[i]) + 64);
	}
	/* A fetch PF on an instruction that straddles into an unmapped page: mepc is
	 * its start, mtval the first byte that faulted (priv spec 3.1.16). */
	exec(PRV_S, tva(T_COUNT) - 2);
	EXPECT_FAULT(CAUSE_FETCH_PAGE_FAULT, PRV_S, tva(T_COUNT) - 2, tva(T_COUNT));
}

/* In S: rewrite a PTE, sfence.vma that address, and load through it. */
static volatile uint64_t *sf_pte;
static uint64_t sf_new;
static uint64_t s_remap_and_load(uint64_t va)
{
	*sf_pte = sf_new;
	__asm__ volatile("sfence.vma %0, zero" : : "r"(va) : "memory");
	return *(volatile uint64_t *)va;
}

static void sfence(void)
{
	uint64_t va = tva(T_SF) + 64;

	CHECK_EQ(load(PRV_S, va), 0x1000 + T_SF);
	sf_pte = pte[T_SF];
	sf_new = ((uint64_t)page[T_R] >> 12) << PTE_PPN_SHIFT | PTE_R | PTE_A | PTE_V;
	CHECK_EQ(in_mode(PRV_S, s_remap_and_load, va), 0x1000 + T_R);
	EXPECT_OK();
	sf_new = 0;
	in_mode(PRV_S, s_remap_and_load, va);
	CHECK_EQ(priv.m.count, 1);
	CHECK_EQ(priv.m.cause, CAUSE_LOAD_PAGE_FAULT);
	CHECK_EQ(priv.m.tval, va);
}

int main(void)
{
	priv_init();
	setup();
	rwx();
	user_bit();
	mprv();
	accessed_dirty();
	bad_ptes();
	sfence();
	csr_write(satp, 0UL);
	return 0;
}
