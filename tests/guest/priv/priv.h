/*
 * priv.h - helpers for the privileged-architecture guest tests.
 *
 * Builds on ../lib/rvtest.h. Adds: an M trap entry and an S trap entry that run
 * on their own stacks (mscratch/sscratch swap), so lower-mode code may trap with
 * any sp, even a virtual one; priv_run() to call a function in U, S or M mode
 * and get its return value back; trap records for both levels; a "resume"
 * address for traps that cannot be skipped (fetch faults); PMP opened for S/U.
 */
#ifndef PRIV_H
#define PRIV_H

#include "rvtest.h"

/* Privilege levels (priv spec 1.2). */
/*
 * Waits for an interrupt last at least this many loop iterations as well as their mtime
 * timeout: mtime is host time, and a host thread descheduled for longer than the timeout
 * would otherwise give up before executing enough instructions to reach an interrupt check
 * (the engine checks at block ends, within 65536 instructions).
 */
#define SPIN_MIN_ITERS 200000u

#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

/* mstatus fields (priv spec 3.1.6). */
#define MSTATUS_SIE (1UL << 1)
#define MSTATUS_MIE (1UL << 3)
#define MSTATUS_SPIE (1UL << 5)
#define MSTATUS_MPIE (1UL << 7)
#define MSTATUS_SPP (1UL << 8)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_MPP (3UL << 11)
#define MSTATUS_MPRV (1UL << 17)
#define MSTATUS_SUM (1UL << 18)
#define MSTATUS_MXR (1UL << 19)
#define MSTATUS_TVM (1UL << 20)
#define MSTATUS_TW (1UL << 21)
#define MSTATUS_TSR (1UL << 22)

/* Interrupt numbers, the bit positions in mip/mie (priv spec 3.1.9). */
#define IRQ_SSI 1
#define IRQ_MSI 3
#define IRQ_STI 5
#define IRQ_MTI 7
#define IRQ_SEI 9
#define IRQ_MEI 11
#define MIP_SSIP (1UL << IRQ_SSI)
#define MIP_MSIP (1UL << IRQ_MSI)
#define MIP_STIP (1UL << IRQ_STI)
#define MIP_MTIP (1UL << IRQ_MTI)

/* a7 value of the ecall/ebreak that ends a priv_run() call. */
#define PRIV_EXIT_MAGIC 0x50524956UL

/* The last trap taken at one level (M or S), recorded by the trap handlers. */
struct trap_rec {
	volatile unsigned long count; /* traps since the last trap_reset(); handlers bump it */
	uint64_t cause;
	uint64_t epc;
	uint64_t tval;
	uint64_t status; /* mstatus/sstatus as seen on entry to the handler */
	unsigned from;	 /* privilege the trap was taken from (xPP) */
};

/*
 * An interrupt hook: called for every interrupt at that level (tf->mcause etc.
 * hold the x-level CSRs); must make the interrupt stop pending or disable it.
 * Return nonzero if done; 0 to let the handler disable the source in xie.
 */
typedef int (*irq_hook_t)(struct trap_frame *tf);

/* Mutable test state shared by the handlers and the tests (single hart). */
struct priv_state {
	struct trap_rec m, s;
	uint64_t m_resume, s_resume; /* next sync trap at that level resumes here */
	uint64_t alias_off;	     /* VA - PA of code run through an alias mapping */
	irq_hook_t m_irq, s_irq;
};
extern struct priv_state priv;

/* Sets up trap vectors, scratch stacks, PMP (all memory RWX for S/U), no delegation. */
void priv_init(void);
/* Forgets recorded traps and resume addresses. */
void trap_reset(void);
/* Calls fn(arg) in privilege mode mode (mret) on the lower-mode stack; returns its a0. */
uint64_t priv_run(unsigned mode, uint64_t (*fn)(uint64_t), uint64_t arg);
/* Like priv_run with explicit pc, sp and return stub (for alias mappings). */
uint64_t priv_run_at(unsigned mode, uint64_t pc, uint64_t arg, uint64_t sp, uint64_t ra);

/* Top of the stack used by priv_run() for the lower mode. */
uint64_t priv_lower_sp(void);

/* asm helpers, position independent (priv_rt.S). */
uint64_t p_load64(uint64_t addr);		 /* ld a0, 0(a0) */
uint64_t p_load32(uint64_t addr);		 /* lw a0, 0(a0) */
uint64_t p_store64(uint64_t addr, uint64_t val); /* sd a1, 0(a0) */
uint64_t p_store_self(uint64_t addr);		 /* sd a0, 0(a0) */
uint64_t p_exec(uint64_t addr);			 /* jalr addr, returns its a0 */
void p_exec_ret(void);				 /* resume point after p_exec's jalr */
uint64_t p_ecall(uint64_t a0);			 /* ecall with a7 = 0 */
void p_exit_stub(void);				 /* ends priv_run() */
void m_trap_entry(void);
void s_trap_entry(void);
/* A function that returns 42 and is exactly "li a0, 42; ret". */
uint64_t p_ret42(uint64_t unused);

/*
 * Run the instruction(s) insn and give the address of the first one, for epc
 * checks. a7 is zeroed first so an ecall is never taken for a priv_run exit;
 * insn may use t6 (x31) as scratch.
 */
#define HERE_INSN(insn)                                                                            \
	({                                                                                         \
		uint64_t pc_;                                                                      \
		__asm__ volatile("li a7, 0\n\tlla %0, 1f\n1:\t" insn                               \
				 : "=&r"(pc_)                                                      \
				 :                                                                 \
				 : "a7", "t6", "memory");                                          \
		pc_;                                                                               \
	})

/* Check that exactly one trap was recorded in rec with the given fields. */
#define CHECK_TRAP(rec, cause_, epc_, tval_)                                                       \
	do {                                                                                       \
		CHECK_EQ((rec).count, 1);                                                          \
		CHECK_EQ((rec).cause, (cause_));                                                   \
		CHECK_EQ((rec).epc, (epc_));                                                       \
		CHECK_EQ((rec).tval, (tval_));                                                     \
	} while (0)

/* CHECK_TRAP, and that it came from privilege level from_. */
#define CHECK_TRAP_FROM(rec, cause_, epc_, tval_, from_)                                           \
	do {                                                                                       \
		CHECK_TRAP(rec, cause_, epc_, tval_);                                              \
		CHECK_EQ((rec).from, (from_));                                                     \
	} while (0)

/* Check that no trap at all was recorded since the last trap_reset(). */
#define CHECK_NO_TRAP()                                                                            \
	do {                                                                                       \
		CHECK_EQ(priv.m.count, 0);                                                         \
		CHECK_EQ(priv.s.count, 0);                                                         \
	} while (0)

/* Machine timer (CLINT, 10 MHz). */
static inline uint64_t clint_mtime(void)
{
	return *(volatile uint64_t *)CLINT_MTIME;
}

/* Set mtimecmp of hart 0. */
static inline void clint_set_mtimecmp(uint64_t v)
{
	*(volatile uint64_t *)CLINT_MTIMECMP = v;
}

/* Set or clear msip of hart 0. */
static inline void clint_set_msip(uint32_t v)
{
	*(volatile uint32_t *)CLINT_MSIP = v;
}

#endif
