/*
 * Interrupt priority and enable rules (priv spec 3.1.6.1, 3.1.9):
 * - simultaneous traps to M are taken in the order MEI, MSI, MTI, SEI, SSI, STI;
 * - an interrupt for a higher privilege than the current one is always enabled,
 *   one for a lower privilege (a delegated S interrupt while in M) never is;
 *   at the same privilege the xIE bit decides;
 * - M-level interrupts are taken before S-level ones.
 */
#include "priv.h"

#define LOG_MAX 8

/* Interrupts in the order they were taken: cause | level << 8 (level 3 = M, 1 = S). */
static volatile uint64_t log_buf[LOG_MAX];
static volatile unsigned log_len;

static void log_irq(uint64_t cause, unsigned level)
{
	if (log_len < LOG_MAX)
		log_buf[log_len] = (cause & 63) | (level << 8);
	log_len++;
}

/* M hook: clear whichever source was taken (its x-CSR is mip). */
static int m_irq(struct trap_frame *tf)
{
	uint64_t irq = tf->mcause & 63;

	log_irq(irq, PRV_M);
	if (irq == IRQ_MSI)
		clint_set_msip(0);
	else if (irq == IRQ_MTI)
		clint_set_mtimecmp(-1UL);
	else if (irq == IRQ_SSI || irq == IRQ_STI)
		csr_clear(mip, 1UL << irq);
	else
		return 0;
	return 1;
}

static int s_irq(struct trap_frame *tf)
{
	uint64_t irq = tf->mcause & 63;

	log_irq(irq, PRV_S);
	if (irq != IRQ_SSI)
		return 0;
	csr_clear(sip, MIP_SSIP);
	return 1;
}

static void delay(void)
{
	for (int i = 0; i < 200; i++)
		__asm__ volatile("nop");
}

/* Make the sources in mask pending together while MIE = 0, then set MIE; log the order. */
static void take_together(uint64_t mask)
{
	log_len = 0;
	csr_write(mie, mask);
	if (mask & MIP_MSIP)
		clint_set_msip(1);
	if (mask & MIP_MTIP)
		clint_set_mtimecmp(0);
	csr_set(mip, mask & (MIP_SSIP | MIP_STIP));
	while ((csr_read(mip) & mask) != mask)
		;
	CHECK_EQ(log_len, 0);
	csr_set(mstatus, MSTATUS_MIE);
	delay();
	csr_clear(mstatus, MSTATUS_MIE);
	csr_write(mie, 0UL);
}

/*
 * QEMU 7.2 without AIA takes the lowest-numbered pending interrupt first, which
 * differs from the spec order across the M/S groups (SSI before MSI); only the
 * pairs where both agree are checked.
 */
static void priority(void)
{
	take_together(MIP_MSIP | MIP_MTIP);
	CHECK_EQ(log_len, 2);
	CHECK_EQ(log_buf[0], IRQ_MSI | PRV_M << 8);
	CHECK_EQ(log_buf[1], IRQ_MTI | PRV_M << 8);

	take_together(MIP_SSIP | MIP_STIP);
	CHECK_EQ(log_len, 2);
	CHECK_EQ(log_buf[0], IRQ_SSI | PRV_M << 8);
	CHECK_EQ(log_buf[1], IRQ_STI | PRV_M << 8);

	take_together(MIP_MSIP | MIP_STIP);
	CHECK_EQ(log_len, 2);
	CHECK_EQ(log_buf[0], IRQ_MSI | PRV_M << 8);
	CHECK_EQ(log_buf[1], IRQ_STI | PRV_M << 8);
}

/* S code: SIE off for a while (log length returned in bits 8+), then SIE on. */
static uint64_t s_sie_window(uint64_t unused)
{
	uint64_t before;

	(void)unused;
	delay();
	before = log_len;
	csr_set(sstatus, MSTATUS_SIE);
	delay();
	csr_clear(sstatus, MSTATUS_SIE);
	return before;
}

static uint64_t u_spin(uint64_t unused)
{
	(void)unused;
	delay();
	return 0;
}

static void delegated(void)
{
	csr_write(mideleg, MIP_SSIP);
	csr_write(mie, MIP_SSIP);
	csr_set(mip, MIP_SSIP);

	/* In M, a delegated S interrupt is disabled whatever SIE and MIE say. */
	log_len = 0;
	csr_set(mstatus, MSTATUS_MIE | MSTATUS_SIE);
	delay();
	csr_clear(mstatus, MSTATUS_MIE | MSTATUS_SIE);
	CHECK_EQ(log_len, 0);

	/* In S it waits for SIE. */
	CHECK_EQ(priv_run(PRV_S, s_sie_window, 0), 0);
	CHECK_EQ(log_len, 1);
	CHECK_EQ(log_buf[0], IRQ_SSI | PRV_S << 8);
	CHECK_EQ(priv.s.from, PRV_S);

	/* In U it is taken with SIE = 0 ... */
	log_len = 0;
	trap_reset();
	csr_set(mip, MIP_SSIP);
	priv_run(PRV_U, u_spin, 0);
	CHECK_EQ(log_len, 1);
	CHECK_EQ(log_buf[0], IRQ_SSI | PRV_S << 8);
	CHECK_EQ(priv.s.from, PRV_U);

	/* ... but not with sie.SSIE = 0. */
	log_len = 0;
	csr_write(mie, 0UL);
	csr_set(mip, MIP_SSIP);
	priv_run(PRV_U, u_spin, 0);
	CHECK_EQ(log_len, 0);

	/* M before S: with both pending in S (SIE = 1), M's MSI is taken first. */
	csr_write(mie, MIP_SSIP | MIP_MSIP);
	clint_set_msip(1);
	CHECK_EQ(priv_run(PRV_S, s_sie_window, 0), 1);
	CHECK_EQ(log_len, 2);
	CHECK_EQ(log_buf[0], IRQ_MSI | PRV_M << 8);
	CHECK_EQ(log_buf[1], IRQ_SSI | PRV_S << 8);
	csr_write(mie, 0UL);
	csr_write(mideleg, 0UL);
}

int main(void)
{
	priv_init();
	priv.m_irq = m_irq;
	priv.s_irq = s_irq;
	clint_set_mtimecmp(-1UL);
	priority();
	delegated();
	return 0;
}
