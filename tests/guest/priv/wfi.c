/*
 * WFI (priv spec 3.3.3): it returns once an interrupt is pending and enabled in
 * mie, even if mstatus.MIE = 0 (then no trap is taken and execution goes on
 * after the wfi); if the interrupt is globally enabled it is taken with mepc =
 * the instruction after the wfi. In S (TW = 0) an M interrupt wakes it too.
 */
#include "priv.h"

static int m_timer(struct trap_frame *tf)
{
	if (tf->mcause != (CAUSE_INTERRUPT | IRQ_MTI))
		return 0;
	clint_set_mtimecmp(-1UL);
	return 1;
}

/* Arm the timer delta ticks ahead and wfi; returns the wfi's address. */
static uint64_t arm_and_wfi(uint64_t delta)
{
	clint_set_mtimecmp(clint_mtime() + delta);
	return HERE_INSN("wfi");
}

int main(void)
{
	uint64_t pc, cmp;

	priv_init();
	priv.m_irq = m_timer;
	clint_set_mtimecmp(-1UL);

	/* MIE = 0: wfi returns when MTIP is pending, no trap. */
	csr_write(mie, MIP_MTIP);
	trap_reset();
	cmp = clint_mtime() + 20000;
	clint_set_mtimecmp(cmp);
	__asm__ volatile("wfi");
	CHECK(clint_mtime() >= cmp);
	CHECK_EQ(csr_read(mip) & MIP_MTIP, MIP_MTIP);
	CHECK_NO_TRAP();
	/* Already pending: wfi returns at once. */
	__asm__ volatile("wfi");
	CHECK_NO_TRAP();
	clint_set_mtimecmp(-1UL);

	/* An enabled-in-mie MSIP wakes it as well. */
	csr_write(mie, MIP_MSIP);
	clint_set_msip(1);
	__asm__ volatile("wfi");
	CHECK_NO_TRAP();
	clint_set_msip(0);

	/* MIE = 1: the interrupt is taken after the wfi. */
	csr_write(mie, MIP_MTIP);
	csr_set(mstatus, MSTATUS_MIE);
	trap_reset();
	pc = arm_and_wfi(20000);
	csr_clear(mstatus, MSTATUS_MIE);
	CHECK_EQ(priv.m.count, 1);
	CHECK_EQ(priv.m.cause, CAUSE_INTERRUPT | IRQ_MTI);
	CHECK_EQ(priv.m.epc, pc + 4);

	/* In S with TW = 0: the M timer interrupt wakes and is taken. */
	trap_reset();
	pc = priv_run(PRV_S, arm_and_wfi, 20000);
	CHECK_EQ(priv.m.count, 1);
	CHECK_EQ(priv.m.cause, CAUSE_INTERRUPT | IRQ_MTI);
	CHECK_EQ(priv.m.epc, pc + 4);
	CHECK_EQ(priv.m.from, PRV_S);
	csr_write(mie, 0UL);
	return 0;
}
