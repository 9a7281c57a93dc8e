/*
 * Trap delegation with medeleg/mideleg (priv spec 3.1.8): delegated traps from
 * S and U go to the S handler with scause/sepc/stval; traps in M are never
 * delegated; undelegated ones still go to M.
 */
#include "priv.h"

#define HOLE 0x50000UL

static uint64_t do_ecall(uint64_t unused)
{
	(void)unused;
	return HERE_INSN("ecall");
}

static uint64_t do_illegal(uint64_t unused)
{
	(void)unused;
	return HERE_INSN("csrr t6, mstatus");
}

/* A reserved major opcode (inst[6:0] = 1101011): illegal in every mode. */
static uint64_t do_reserved(uint64_t unused)
{
	(void)unused;
	return HERE_INSN(".word 0x1234506b");
}

static uint64_t do_ebreak(uint64_t unused)
{
	(void)unused;
	return HERE_INSN(".option push\n\t.option norvc\n\tebreak\n\t.option pop");
}

/* Runs with sstatus.SIE set for a while, so a pending S interrupt can be taken. */
static uint64_t s_window(uint64_t unused)
{
	(void)unused;
	csr_set(sstatus, MSTATUS_SIE);
	for (int i = 0; i < 100; i++)
		__asm__ volatile("nop");
	csr_clear(sstatus, MSTATUS_SIE);
	return 7;
}

static int clear_ssip(struct trap_frame *tf)
{
	(void)tf;
	csr_clear(sip, MIP_SSIP);
	return 1;
}

static int clear_ssip_m(struct trap_frame *tf)
{
	(void)tf;
	csr_clear(mip, MIP_SSIP);
	return 1;
}

static void exceptions(void)
{
	uint64_t pc;

	csr_write(medeleg, (1UL << CAUSE_ECALL_U) | (1UL << CAUSE_ILLEGAL_INSN) |
			       (1UL << CAUSE_LOAD_ACCESS));
	trap_reset();
	pc = priv_run(PRV_U, do_ecall, 0);
	CHECK_TRAP_FROM(priv.s, CAUSE_ECALL_U, pc, 0, PRV_U);
	CHECK_EQ(priv.m.count, 0);

	trap_reset();
	pc = priv_run(PRV_U, do_illegal, 0);
	CHECK_TRAP_FROM(priv.s, CAUSE_ILLEGAL_INSN, pc, 0x30002ff3, PRV_U);
	CHECK_EQ(priv.m.count, 0);

	trap_reset();
	pc = priv_run(PRV_S, do_illegal, 0);
	CHECK_TRAP_FROM(priv.s, CAUSE_ILLEGAL_INSN, pc, 0x30002ff3, PRV_S);
	CHECK_EQ(priv.m.count, 0);

	trap_reset();
	priv_run(PRV_U, (uint64_t(*)(uint64_t))p_load64, HOLE);
	CHECK_TRAP_FROM(priv.s, CAUSE_LOAD_ACCESS, (uint64_t)p_load64, HOLE, PRV_U);
	CHECK_EQ(priv.m.count, 0);

	/* Breakpoints are not delegated: they go to M. */
	trap_reset();
	pc = priv_run(PRV_U, do_ebreak, 0);
	CHECK_EQ(priv.m.count, 1);
	CHECK_EQ(priv.m.cause, CAUSE_BREAKPOINT);
	CHECK_EQ(priv.m.epc, pc);
	CHECK_EQ(priv.s.count, 0);

	/* An exception in M is never delegated (priv spec 3.1.8). */
	trap_reset();
	pc = do_reserved(0);
	CHECK_TRAP_FROM(priv.m, CAUSE_ILLEGAL_INSN, pc, 0x1234506b, PRV_M);
	CHECK_EQ(priv.s.count, 0);

	/* ecall from S delegated: the S handler sees cause 9 from S. */
	csr_write(medeleg, 1UL << CAUSE_ECALL_S);
	trap_reset();
	pc = priv_run(PRV_S, do_ecall, 0);
	CHECK_TRAP_FROM(priv.s, CAUSE_ECALL_S, pc, 0, PRV_S);
	CHECK_EQ(priv.m.count, 0);
	/* ...and an ecall from U is not. */
	trap_reset();
	pc = priv_run(PRV_U, do_ecall, 0);
	CHECK_TRAP_FROM(priv.m, CAUSE_ECALL_U, pc, 0, PRV_U);
	CHECK_EQ(priv.s.count, 0);

	/* Even with every delegable bit set, M-mode ecall and illegal stay in M. */
	csr_write(medeleg, ~(1UL << CAUSE_BREAKPOINT));
	trap_reset();
	pc = do_ecall(0);
	CHECK_TRAP_FROM(priv.m, CAUSE_ECALL_M, pc, 0, PRV_M);
	trap_reset();
	pc = do_reserved(0);
	CHECK_TRAP_FROM(priv.m, CAUSE_ILLEGAL_INSN, pc, 0x1234506b, PRV_M);
	CHECK_EQ(priv.s.count, 0);
	csr_write(medeleg, 0UL);
}

/* mideleg: a delegated SSI goes to S (when SIE allows), else to M. */
static void interrupts(void)
{
	priv.s_irq = clear_ssip;
	priv.m_irq = clear_ssip_m;
	csr_write(mie, MIP_SSIP);

	csr_write(mideleg, MIP_SSIP);
	CHECK_EQ(csr_read(mideleg) & MIP_SSIP, MIP_SSIP);
	trap_reset();
	csr_set(mip, MIP_SSIP);
	CHECK_EQ(priv_run(PRV_S, s_window, 0), 7);
	CHECK_EQ(priv.s.count, 1);
	CHECK_EQ(priv.s.cause, CAUSE_INTERRUPT | IRQ_SSI);
	CHECK_EQ(priv.s.from, PRV_S);
	CHECK_EQ(priv.m.count, 0);
	CHECK_EQ(csr_read(mip) & MIP_SSIP, 0);

	/* Not delegated: taken in M as soon as S runs, whatever sstatus.SIE is. */
	csr_write(mideleg, 0UL);
	trap_reset();
	csr_set(mip, MIP_SSIP);
	CHECK_EQ(priv_run(PRV_S, s_window, 0), 7);
	CHECK_EQ(priv.m.count, 1);
	CHECK_EQ(priv.m.cause, CAUSE_INTERRUPT | IRQ_SSI);
	CHECK_EQ(priv.m.from, PRV_S);
	CHECK_EQ(priv.s.count, 0);
	csr_write(mie, 0UL);
}

int main(void)
{
	priv_init();
	exceptions();
	interrupts();
	return 0;
}
