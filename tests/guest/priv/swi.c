/*
 * Machine software interrupt through the CLINT msip register (priv spec 3.1.9,
 * ACLINT MSWI): msip = 1 makes mip.MSIP pending, msip = 0 clears it; taken in M
 * with MSIE and MIE, and in S and U with MSIE alone.
 */
#include "priv.h"

#define TIMEOUT 100000

static int m_soft(struct trap_frame *tf)
{
	if (tf->mcause != (CAUSE_INTERRUPT | IRQ_MSI))
		return 0;
	clint_set_msip(0);
	return 1;
}

static uint64_t spin_until_trap(uint64_t unused)
{
	uint64_t end = clint_mtime() + TIMEOUT;

	(void)unused;
	for (unsigned i = 0; clint_mtime() < end || i < SPIN_MIN_ITERS; i++)
		if (priv.m.count)
			return 1;
	return 0;
}

/* From a lower mode: raise msip ourselves, then wait for M to take it. */
static uint64_t raise_and_wait(uint64_t unused)
{
	clint_set_msip(1);
	return spin_until_trap(unused);
}

int main(void)
{
	priv_init();
	priv.m_irq = m_soft;

	csr_write(mie, MIP_MSIP);
	clint_set_msip(1);
	CHECK_EQ(*(volatile uint32_t *)CLINT_MSIP, 1);
	CHECK_EQ(csr_read(mip) & MIP_MSIP, MIP_MSIP);
	CHECK_NO_TRAP();
	clint_set_msip(0);
	CHECK_EQ(csr_read(mip) & MIP_MSIP, 0);

	/* Pending while MIE = 0, taken as soon as MIE is set. */
	clint_set_msip(1);
	trap_reset();
	csr_set(mstatus, MSTATUS_MIE);
	CHECK(spin_until_trap(0));
	csr_clear(mstatus, MSTATUS_MIE);
	CHECK_EQ(priv.m.count, 1);
	CHECK_EQ(priv.m.cause, CAUSE_INTERRUPT | IRQ_MSI);
	CHECK_EQ(priv.m.from, PRV_M);
	CHECK_EQ(csr_read(mip) & MIP_MSIP, 0);

	/* MSIE clear: not taken even with MIE = 1. */
	csr_write(mie, 0UL);
	clint_set_msip(1);
	trap_reset();
	csr_set(mstatus, MSTATUS_MIE);
	for (int i = 0; i < 1000; i++)
		__asm__ volatile("nop");
	csr_clear(mstatus, MSTATUS_MIE);
	CHECK_NO_TRAP();
	clint_set_msip(0);

	/* From S and U the interrupt is taken whatever mstatus.MIE is. */
	csr_write(mie, MIP_MSIP);
	for (unsigned mode = PRV_U; mode <= PRV_S; mode++) {
		trap_reset();
		CHECK_EQ(priv_run(mode, raise_and_wait, 0), 1);
		CHECK_EQ(priv.m.count, 1);
		CHECK_EQ(priv.m.cause, CAUSE_INTERRUPT | IRQ_MSI);
		CHECK_EQ(priv.m.from, mode);
	}
	csr_write(mie, 0UL);
	return 0;
}
