/* SPDX-License-Identifier: Apache-2.0 */
/* Trap entry and return (priv spec 3.1.6.1, 3.1.9, 3.3.2, 10.1.1). */
#include "cpu/trap.h"
#include "cpu/csr.h"
#include "cpu/hart.h"

#define MSTATUS_SPP_SHIFT 8

/* Interrupts in the order they are taken within one destination mode (priv spec 3.1.9). */
static const unsigned irq_priority[] = {
    IRQ_M_EXT, IRQ_M_SOFT, IRQ_M_TIMER, IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER,
};

/* Trap vector: vectored mode (1) applies to interrupts only (priv spec 3.1.7). */
static uint64_t trap_vector(uint64_t tvec, uint64_t cause)
{
	uint64_t base = tvec & ~3ull;

	if ((tvec & 3) == 1 && (cause & CAUSE_INTERRUPT))
		return base + 4 * (cause & ~CAUSE_INTERRUPT);
	return base;
}

/* Enters the trap handler at M or S for cause (interrupt bit included). */
static void trap_enter(struct hart *h, uint64_t cause, uint64_t tval)
{
	uint64_t code = cause & ~CAUSE_INTERRUPT;
	uint64_t deleg = (cause & CAUSE_INTERRUPT) ? h->mideleg : h->medeleg;
	uint64_t s = h->mstatus;

	/* Traps are never delegated away from M-mode (priv spec 3.1.8). */
	if (h->priv <= PRIV_S && code < 64 && ((deleg >> code) & 1)) {
		h->scause = cause;
		h->sepc = h->pc;
		h->stval = tval;
		s &= ~(MSTATUS_SPIE | MSTATUS_SPP);
		if (s & MSTATUS_SIE)
			s |= MSTATUS_SPIE;
		s |= (uint64_t)h->priv << MSTATUS_SPP_SHIFT;
		s &= ~MSTATUS_SIE;
		h->priv = PRIV_S;
		h->pc = trap_vector(h->stvec, cause);
	} else {
		h->mcause = cause;
		h->mepc = h->pc;
		h->mtval = tval;
		s &= ~(MSTATUS_MPIE | MSTATUS_MPP);
		if (s & MSTATUS_MIE)
			s |= MSTATUS_MPIE;
		s |= (uint64_t)h->priv << MSTATUS_MPP_SHIFT;
		s &= ~MSTATUS_MIE;
		h->priv = PRIV_M;
		h->pc = trap_vector(h->mtvec, cause);
	}
	h->mstatus = s;
	/* A trap may break an LR/SC pair (ISA spec A 8.3 lets any trap clear the reservation). */
	h->resv_addr = ~0ull;
	hart_tlb_select(h);
}

void trap_take(struct hart *h, uint64_t cause, uint64_t tval)
{
	trap_enter(h, cause & ~CAUSE_INTERRUPT, tval);
}

uint64_t trap_deliverable_irqs(struct hart *h)
{
	uint64_t pending = csr_mip(h) & h->mie;
	uint64_t to_m = pending & ~h->mideleg, to_s = pending & h->mideleg;
	uint64_t out = 0;

	if (!pending)
		return 0;
	/* Enabled when running below the target mode, or at it with xIE set (priv spec 3.1.6.1). */
	if (h->priv < PRIV_M || (h->mstatus & MSTATUS_MIE))
		out |= to_m;
	if (h->priv < PRIV_S || (h->priv == PRIV_S && (h->mstatus & MSTATUS_SIE)))
		out |= to_s;
	return out;
}

bool trap_check_interrupts(struct hart *h)
{
	uint64_t irqs = trap_deliverable_irqs(h);

	if (!irqs)
		return false;
	/* Interrupts for the more privileged destination go first (priv spec 3.1.9). */
	if (irqs & ~h->mideleg)
		irqs &= ~h->mideleg;
	for (unsigned i = 0; i < sizeof(irq_priority) / sizeof(irq_priority[0]); i++) {
		if (irqs & (1ull << irq_priority[i])) {
			trap_enter(h, CAUSE_INTERRUPT | irq_priority[i], 0);
			return true;
		}
	}
	return false;
}

int trap_mret(struct hart *h)
{
	uint64_t s = h->mstatus;
	unsigned mpp = (s & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;

	if (h->priv != PRIV_M)
		return -1;
	s &= ~MSTATUS_MIE;
	if (s & MSTATUS_MPIE)
		s |= MSTATUS_MIE;
	s |= MSTATUS_MPIE;
	/* xPP becomes the least privileged mode, U (priv spec 3.1.6.1). */
	s &= ~MSTATUS_MPP;
	if (mpp != PRIV_M)
		s &= ~MSTATUS_MPRV;
	h->mstatus = s;
	h->priv = mpp;
	h->pc = h->mepc;
	h->resv_addr = ~0ull;
	hart_tlb_select(h);
	return 0;
}

int trap_sret(struct hart *h)
{
	uint64_t s = h->mstatus;
	unsigned spp = (s & MSTATUS_SPP) >> MSTATUS_SPP_SHIFT;

	/* SRET is illegal in U-mode, and in S-mode when mstatus.TSR (priv spec 3.1.6.5). */
	if (h->priv == PRIV_U || (h->priv == PRIV_S && (s & MSTATUS_TSR)))
		return -1;
	s &= ~MSTATUS_SIE;
	if (s & MSTATUS_SPIE)
		s |= MSTATUS_SIE;
	s |= MSTATUS_SPIE;
	s &= ~MSTATUS_SPP;
	/* Returning to S or U is below M, so MPRV is cleared. */
	s &= ~MSTATUS_MPRV;
	h->mstatus = s;
	h->priv = spp;
	h->pc = h->sepc;
	h->resv_addr = ~0ull;
	hart_tlb_select(h);
	return 0;
}
