/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for trap.c: delegation, interrupt priority and enables, MRET/SRET. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/vm.h"
#include "cpu/csr.h"
#include "cpu/hart.h"
#include "hart_fixture.h"
#include "cpu/trap.h"

#define RAM_SIZE (64 * 1024)
#define MTVEC_BASE 0x80001000ull
#define STVEC_BASE 0x80002000ull
#define PC 0x80004444ull

struct fix {
	struct vm vm;
	struct hart h;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	if (hart_fixture_init(&f->vm, &f->h, RAM_SIZE, 0))
		return -1;
	f->h.mtvec = MTVEC_BASE;
	f->h.stvec = STVEC_BASE;
	f->h.pc = PC;
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

static struct hart *H(void **state)
{
	return &((struct fix *)*state)->h;
}

static unsigned mpp(const struct hart *h)
{
	return (h->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
}

static void test_exception_delegated(void **state)
{
	struct hart *h = H(state);

	h->medeleg = 1u << EXC_LOAD_PAGE_FAULT;
	h->stvec = STVEC_BASE | 1; /* vectored mode applies to interrupts only */
	h->priv = PRIV_U;
	h->mstatus |= MSTATUS_SIE;
	h->resv_addr = 0x80000000;
	trap_take(h, EXC_LOAD_PAGE_FAULT, 0x1234);
	assert_int_equal(h->priv, PRIV_S);
	assert_int_equal(h->pc, STVEC_BASE);
	assert_int_equal(h->scause, EXC_LOAD_PAGE_FAULT);
	assert_int_equal(h->sepc, PC);
	assert_int_equal(h->stval, 0x1234);
	assert_false(h->mstatus & MSTATUS_SPP);
	assert_true(h->mstatus & MSTATUS_SPIE);
	assert_false(h->mstatus & MSTATUS_SIE);
	assert_int_equal(h->mcause, 0);
	assert_int_equal(h->resv_addr, ~0ull);
	assert_ptr_equal(h->tlb_fetch, h->tlb[TLB_S]);
	/* A second trap from S records SPP = S and SPIE = the now-clear SIE. */
	h->pc = PC + 4;
	trap_take(h, EXC_LOAD_PAGE_FAULT, 0);
	assert_true(h->mstatus & MSTATUS_SPP);
	assert_false(h->mstatus & MSTATUS_SPIE);
	assert_int_equal(h->sepc, PC + 4);
}

static void test_exception_to_m(void **state)
{
	struct hart *h = H(state);

	/* Delegation never takes a trap away from M-mode. */
	h->medeleg = 1u << EXC_ILLEGAL_INSN;
	h->mstatus |= MSTATUS_MIE;
	trap_take(h, EXC_ILLEGAL_INSN, 0xbad);
	assert_int_equal(h->priv, PRIV_M);
	assert_int_equal(h->mcause, EXC_ILLEGAL_INSN);
	assert_int_equal(h->mtval, 0xbad);
	assert_int_equal(mpp(h), PRIV_M);
	assert_true(h->mstatus & MSTATUS_MPIE);
	assert_false(h->mstatus & MSTATUS_MIE);
	/* Not delegated from S: goes to M with MPP = S. */
	h->priv = PRIV_S;
	h->pc = PC;
	trap_take(h, EXC_ECALL_S, 0);
	assert_int_equal(h->priv, PRIV_M);
	assert_int_equal(h->mcause, EXC_ECALL_S);
	assert_int_equal(h->mepc, PC);
	assert_int_equal(h->pc, MTVEC_BASE);
	assert_int_equal(mpp(h), PRIV_S);
	assert_false(h->mstatus & MSTATUS_MPIE);
	assert_ptr_equal(h->tlb_fetch, h->tlb[TLB_M]);
}

static void test_irq_enable_rules(void **state)
{
	struct hart *h = H(state);

	h->mie = MIP_MTIP | MIP_STIP;
	h->mideleg = MIP_STIP;
	hart_raise_irq(h, MIP_MTIP);
	/* M-mode: M interrupts need MIE. */
	assert_int_equal(trap_deliverable_irqs(h), 0);
	h->mstatus |= MSTATUS_MIE;
	assert_int_equal(trap_deliverable_irqs(h), MIP_MTIP);
	/* Below M, M interrupts are always enabled. */
	h->mstatus &= ~MSTATUS_MIE;
	h->priv = PRIV_S;
	assert_int_equal(trap_deliverable_irqs(h), MIP_MTIP);
	hart_lower_irq(h, MIP_MTIP);
	h->mip = MIP_STIP;
	/* Delegated interrupts: at S only with SIE, at U always, at M never. */
	assert_int_equal(trap_deliverable_irqs(h), 0);
	h->mstatus |= MSTATUS_SIE;
	assert_int_equal(trap_deliverable_irqs(h), MIP_STIP);
	h->mstatus &= ~MSTATUS_SIE;
	h->priv = PRIV_U;
	assert_int_equal(trap_deliverable_irqs(h), MIP_STIP);
	h->priv = PRIV_M;
	h->mstatus |= MSTATUS_SIE | MSTATUS_MIE;
	assert_int_equal(trap_deliverable_irqs(h), 0);
	assert_false(trap_check_interrupts(h));
	/* Not enabled in mie: never deliverable. */
	h->mie = 0;
	h->priv = PRIV_U;
	assert_int_equal(trap_deliverable_irqs(h), 0);
}

static void test_irq_priority(void **state)
{
	struct hart *h = H(state);

	h->mie = 0xaaa;
	h->mstatus |= MSTATUS_MIE;
	hart_raise_irq(h, MIP_MTIP | MIP_MSIP | MIP_MEIP);
	h->mip = MIP_SEIP | MIP_SSIP;
	assert_true(trap_check_interrupts(h));
	assert_int_equal(h->mcause, CAUSE_INTERRUPT | IRQ_M_EXT);
	assert_int_equal(h->mepc, PC);
	hart_lower_irq(h, MIP_MEIP);
	h->mstatus |= MSTATUS_MIE;
	assert_true(trap_check_interrupts(h));
	assert_int_equal(h->mcause, CAUSE_INTERRUPT | IRQ_M_SOFT);
	hart_lower_irq(h, MIP_MSIP);
	h->mstatus |= MSTATUS_MIE;
	assert_true(trap_check_interrupts(h));
	assert_int_equal(h->mcause, CAUSE_INTERRUPT | IRQ_M_TIMER);
	hart_lower_irq(h, MIP_MTIP);
	h->mstatus |= MSTATUS_MIE;
	assert_true(trap_check_interrupts(h));
	assert_int_equal(h->mcause, CAUSE_INTERRUPT | IRQ_S_EXT);
	h->mip = MIP_SSIP | MIP_STIP;
	h->mstatus |= MSTATUS_MIE;
	assert_true(trap_check_interrupts(h));
	assert_int_equal(h->mcause, CAUSE_INTERRUPT | IRQ_S_SOFT);
}

static void test_irq_destination_order(void **state)
{
	struct hart *h = H(state);

	/* SEI (delegated, for S) outranks STI by code, but STI is for M so it goes first. */
	h->mie = MIP_SEIP | MIP_STIP;
	h->mideleg = MIP_SEIP;
	h->mip = MIP_SEIP | MIP_STIP;
	h->priv = PRIV_U;
	assert_true(trap_check_interrupts(h));
	assert_int_equal(h->priv, PRIV_M);
	assert_int_equal(h->mcause, CAUSE_INTERRUPT | IRQ_S_TIMER);
	assert_int_equal(mpp(h), PRIV_U);
	/* Now in M, the delegated SEI waits. */
	h->mstatus |= MSTATUS_MIE;
	h->mip = MIP_SEIP;
	assert_false(trap_check_interrupts(h));
	/* Back in U it is taken at S. */
	h->priv = PRIV_U;
	h->pc = PC;
	assert_true(trap_check_interrupts(h));
	assert_int_equal(h->priv, PRIV_S);
	assert_int_equal(h->scause, CAUSE_INTERRUPT | IRQ_S_EXT);
	assert_int_equal(h->sepc, PC);
	assert_int_equal(h->stval, 0);
}

static void test_vectored(void **state)
{
	struct hart *h = H(state);

	h->mtvec = MTVEC_BASE | 1;
	h->mie = MIP_MTIP;
	h->priv = PRIV_S;
	hart_raise_irq(h, MIP_MTIP);
	assert_true(trap_check_interrupts(h));
	assert_int_equal(h->pc, MTVEC_BASE + 4 * IRQ_M_TIMER);
	assert_int_equal(h->mepc, PC);
	h->priv = PRIV_S;
	trap_take(h, EXC_BREAKPOINT, PC);
	assert_int_equal(h->pc, MTVEC_BASE);
}

static void test_mret(void **state)
{
	struct hart *h = H(state);

	h->priv = PRIV_S;
	assert_int_equal(trap_mret(h), -1);
	h->priv = PRIV_U;
	assert_int_equal(trap_mret(h), -1);
	h->priv = PRIV_M;
	h->mepc = 0x80008000;
	h->mstatus |= MSTATUS_MPIE | MSTATUS_MPRV | (1ull << MSTATUS_MPP_SHIFT);
	h->resv_addr = 0x80000000;
	assert_int_equal(trap_mret(h), 0);
	assert_int_equal(h->priv, PRIV_S);
	assert_int_equal(h->pc, 0x80008000);
	assert_true(h->mstatus & MSTATUS_MIE);
	assert_true(h->mstatus & MSTATUS_MPIE);
	assert_int_equal(mpp(h), PRIV_U);
	assert_false(h->mstatus & MSTATUS_MPRV);
	assert_int_equal(h->resv_addr, ~0ull);
	assert_ptr_equal(h->tlb_fetch, h->tlb[TLB_S]);
	assert_ptr_equal(h->tlb_data, h->tlb[TLB_S]);
	/* Returning to M keeps MPRV. */
	h->priv = PRIV_M;
	h->mstatus = (h->mstatus & ~MSTATUS_MIE & ~MSTATUS_MPIE) | MSTATUS_MPP | MSTATUS_MPRV;
	assert_int_equal(trap_mret(h), 0);
	assert_int_equal(h->priv, PRIV_M);
	assert_true(h->mstatus & MSTATUS_MPRV);
	assert_false(h->mstatus & MSTATUS_MIE);
	/* MPP is now U, so MPRV makes data accesses U-level. */
	assert_ptr_equal(h->tlb_data, h->tlb[TLB_U]);
	assert_ptr_equal(h->tlb_fetch, h->tlb[TLB_M]);
}

static void test_sret(void **state)
{
	struct hart *h = H(state);

	h->priv = PRIV_U;
	assert_int_equal(trap_sret(h), -1);
	h->priv = PRIV_S;
	h->mstatus |= MSTATUS_TSR;
	assert_int_equal(trap_sret(h), -1);
	/* TSR only affects S-mode. */
	h->priv = PRIV_M;
	h->sepc = 0x80009000;
	h->mstatus |= MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_MPRV;
	assert_int_equal(trap_sret(h), 0);
	assert_int_equal(h->priv, PRIV_S);
	assert_int_equal(h->pc, 0x80009000);
	assert_true(h->mstatus & MSTATUS_SIE);
	assert_true(h->mstatus & MSTATUS_SPIE);
	assert_false(h->mstatus & MSTATUS_SPP);
	assert_false(h->mstatus & MSTATUS_MPRV);
	h->mstatus &= ~(MSTATUS_TSR | MSTATUS_SPIE);
	assert_int_equal(trap_sret(h), 0);
	assert_int_equal(h->priv, PRIV_U);
	assert_false(h->mstatus & MSTATUS_SIE);
	assert_ptr_equal(h->tlb_fetch, h->tlb[TLB_U]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_exception_delegated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exception_to_m, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_irq_enable_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_irq_priority, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_irq_destination_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vectored, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mret, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sret, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
