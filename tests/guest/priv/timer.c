/*
 * Machine timer interrupt from the CLINT (priv spec 3.1.9, 3.2.1): taken in M
 * when mtime >= mtimecmp, MTIE and MIE are set; always taken in S and U; and
 * passed on to S as a software interrupt by setting mip.SSIP from M (how an SBI
 * firmware forwards timer events), plus mip.STIP written by M.
 */
#include "priv.h"

/* Ticks of the 10 MHz timer to wait before giving up on an interrupt (10 ms). */
#define TIMEOUT 100000

static volatile int forward_ssip;

static int m_timer(struct trap_frame *tf)
{
	if (tf->mcause != (CAUSE_INTERRUPT | IRQ_MTI))
		return 0;
	clint_set_mtimecmp(-1UL);
	if (forward_ssip)
		csr_set(mip, MIP_SSIP);
	return 1;
}

static int s_soft(struct trap_frame *tf)
{
	if (tf->mcause == (CAUSE_INTERRUPT | IRQ_SSI))
		csr_clear(sip, MIP_SSIP);
	else if (tf->mcause == (CAUSE_INTERRUPT | IRQ_STI))
		csr_clear(sie, MIP_STIP); /* S cannot clear STIP; M does afterwards */
	else
		return 0;
	return 1;
}

/* Spin (in any mode) until a trap was recorded at M (arg 0) or S (arg 1) or time runs out. */
static uint64_t spin_until_trap(uint64_t s_level)
{
	uint64_t end = clint_mtime() + TIMEOUT;

	for (unsigned i = 0; clint_mtime() < end || i < SPIN_MIN_ITERS; i++) {
		if ((s_level ? priv.s.count : priv.m.count) != 0)
			return 1;
	}
	return 0;
}

/* S: enable SIE and wait for the forwarded interrupt. */
static uint64_t s_wait_ssi(uint64_t unused)
{
	(void)unused;
	csr_set(sstatus, MSTATUS_SIE);
	uint64_t got = spin_until_trap(1);
	csr_clear(sstatus, MSTATUS_SIE);
	return got;
}

static void m_mode(void)
{
	/* Pending is visible in mip without being taken while MIE = 0. */
	csr_write(mie, MIP_MTIP);
	clint_set_mtimecmp(clint_mtime() + 100);
	while (!(csr_read(mip) & MIP_MTIP))
		;
	CHECK_NO_TRAP();
	/* mtimecmp in the future again: MTIP clears (priv spec 3.2.1). */
	clint_set_mtimecmp(-1UL);
	CHECK_EQ(csr_read(mip) & MIP_MTIP, 0);

	trap_reset();
	clint_set_mtimecmp(clint_mtime() + 1000);
	csr_set(mstatus, MSTATUS_MIE);
	CHECK(spin_until_trap(0));
	csr_clear(mstatus, MSTATUS_MIE);
	CHECK_EQ(priv.m.count, 1);
	CHECK_EQ(priv.m.cause, CAUSE_INTERRUPT | IRQ_MTI);
	CHECK_EQ(priv.m.from, PRV_M);
	/* The trap cleared MIE and saved it in MPIE. */
	CHECK_EQ(priv.m.status & (MSTATUS_MIE | MSTATUS_MPIE), MSTATUS_MPIE);
}

/* Timer interrupts are always enabled in S and U, even with mstatus.MIE = 0. */
static void lower_modes(void)
{
	for (unsigned mode = PRV_U; mode <= PRV_S; mode++) {
		trap_reset();
		csr_write(mie, MIP_MTIP);
		clint_set_mtimecmp(clint_mtime() + 1000);
		CHECK_EQ(priv_run(mode, spin_until_trap, 0), 1);
		CHECK_EQ(priv.m.count, 1);
		CHECK_EQ(priv.m.cause, CAUSE_INTERRUPT | IRQ_MTI);
		CHECK_EQ(priv.m.from, mode);
	}
}

static void forward_to_s(void)
{
	trap_reset();
	forward_ssip = 1;
	csr_write(mideleg, MIP_SSIP | MIP_STIP);
	csr_write(sie, MIP_SSIP);
	csr_write(mie, MIP_MTIP | MIP_SSIP);
	clint_set_mtimecmp(clint_mtime() + 1000);
	CHECK_EQ(priv_run(PRV_S, s_wait_ssi, 0), 1);
	CHECK_EQ(priv.m.count, 1);
	CHECK_EQ(priv.m.cause, CAUSE_INTERRUPT | IRQ_MTI);
	CHECK_EQ(priv.s.count, 1);
	CHECK_EQ(priv.s.cause, CAUSE_INTERRUPT | IRQ_SSI);
	CHECK_EQ(priv.s.from, PRV_S);
	CHECK_EQ(csr_read(mip) & MIP_SSIP, 0);
	forward_ssip = 0;

	/* STIP set by M is an S timer interrupt for S (scause 5). */
	trap_reset();
	csr_write(sie, MIP_STIP);
	csr_write(mie, MIP_STIP);
	csr_set(mip, MIP_STIP);
	CHECK_EQ(csr_read(sip) & MIP_STIP, MIP_STIP);
	CHECK_EQ(priv_run(PRV_S, s_wait_ssi, 0), 1);
	CHECK_EQ(priv.s.count, 1);
	CHECK_EQ(priv.s.cause, CAUSE_INTERRUPT | IRQ_STI);
	CHECK_EQ(priv.m.count, 0);
	csr_clear(mip, MIP_STIP);
	csr_write(mie, 0UL);
	csr_write(mideleg, 0UL);
}

int main(void)
{
	priv_init();
	priv.m_irq = m_timer;
	priv.s_irq = s_soft;
	clint_set_mtimecmp(-1UL);
	m_mode();
	lower_modes();
	forward_to_s();
	return 0;
}
