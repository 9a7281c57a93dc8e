/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hart state apart from its runtime (src/cpu/hart_state.c): save, load into a fresh hart and
 * save again gives the same bytes; load refuses every illegal field and then leaves the hart
 * as it was.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/csr.h"
#include "hart_fixture.h"

#define RAM_SIZE (1u << 20)

struct fx {
	struct vm vm;
	struct hart a, b;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx || hart_fixture_init(&fx->vm, &fx->a, RAM_SIZE, 0) || hart_init(&fx->b, &fx->vm, 1))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	hart_destroy(&fx->b);
	hart_fixture_fini(&fx->vm, &fx->a);
	free(fx);
	return 0;
}

/* Puts a busy, legal state in h: every register and CSR away from its reset value. */
static void scribble(struct hart *h)
{
	for (unsigned i = 1; i < 32; i++)
		h->x[i] = 0x1111111111111111ull * i;
	for (unsigned i = 0; i < 32; i++)
		h->f[i] = 0xffffffff00000000ull | i;
	h->pc = 0x80001234;
	h->priv = PRIV_S;
	h->resv_addr = 0x80000100;
	h->resv_val = 42;
	h->mstatus = (2ull << 32) | (2ull << 34) | MSTATUS_SIE | MSTATUS_SPP | MSTATUS_FS |
		     MSTATUS_SD | (1ull << MSTATUS_MPP_SHIFT) | MSTATUS_SUM;
	h->medeleg = MEDELEG_WMASK;
	h->mideleg = S_IRQS;
	h->mie = ALL_IRQS;
	h->mip = MIP_SSIP;
	atomic_store(&h->mip_hw, MIP_MTIP | MIP_SEIP);
	h->mtvec = 0x80000001;
	h->mscratch = 7;
	h->mepc = 0x80000010;
	h->mcause = CAUSE_INTERRUPT | IRQ_S_TIMER;
	h->mtval = 0xdead;
	h->menvcfg = ENVCFG_FIOM | MENVCFG_STCE;
	h->senvcfg = ENVCFG_FIOM;
	h->stvec = 0xffffffff80000000ull;
	h->sscratch = 9;
	h->sepc = 0xffffffff80001000ull;
	h->scause = EXC_LOAD_PAGE_FAULT;
	h->stval = 0x1000;
	h->satp = ((uint64_t)SATP_SV39 << SATP_MODE_SHIFT) | (5ull << 44) | 0x80123;
	h->stimecmp = 123456;
	h->mtimecmp = 654321;
	h->pmpcfg[0] = PMP_R | PMP_W | PMP_X | (PMP_TOR << 3);
	h->pmpaddr[0] = PMPADDR_MASK;
	h->instret = 1000000;
	h->mcycle_off = 5;
	h->minstret_off = (uint64_t)-3;
	h->mcounteren = 7;
	h->scounteren = 2;
	h->mcountinhibit = 4;
	h->frm = 3;
	h->fflags = 0x11;
	h->wfi = true;
	/* HSM flags are the built-in SBI's (test_sbi.c checks their combinations). */
	h->vm->sbi_builtin = true;
	atomic_store(&h->halted, true);
}

static void test_roundtrip(void **state)
{
	struct fx *fx = *state;
	struct hart_state s1, s2;

	scribble(&fx->a);
	hart_save(&fx->a, &s1);
	assert_int_equal(hart_load(&fx->b, &s1), 0);
	hart_save(&fx->b, &s2);
	assert_memory_equal(&s1, &s2, sizeof(s1));
	/* The reset state round-trips too. */
	hart_reset(&fx->a, 0x80000000);
	hart_save(&fx->a, &s1);
	assert_int_equal(hart_load(&fx->b, &s1), 0);
	hart_save(&fx->b, &s2);
	assert_memory_equal(&s1, &s2, sizeof(s1));
}

/* Loads s with one field spoiled by spoil; expects -EINVAL and an unchanged hart. */
static void expect_bad(struct fx *fx, void (*spoil)(struct hart_state *s))
{
	struct hart_state good, bad, after;

	scribble(&fx->a);
	hart_save(&fx->a, &good);
	bad = good;
	spoil(&bad);
	hart_reset(&fx->b, 0x80000000);
	hart_save(&fx->b, &good);
	assert_int_equal(hart_load(&fx->b, &bad), -EINVAL);
	hart_save(&fx->b, &after);
	assert_memory_equal(&good, &after, sizeof(good));
}

static void priv_2(struct hart_state *s)
{
	s->priv = 2;
}
static void priv_big(struct hart_state *s)
{
	s->priv = 7;
}
static void mpp_2(struct hart_state *s)
{
	s->mstatus = (s->mstatus & ~MSTATUS_MPP) | (2ull << MSTATUS_MPP_SHIFT);
}
static void mstatus_vs(struct hart_state *s)
{
	s->mstatus |= MSTATUS_VS;
}
static void uxl_32(struct hart_state *s)
{
	s->mstatus &= ~MSTATUS_UXL;
}
static void x0_set(struct hart_state *s)
{
	s->x[0] = 1;
}
static void pc_odd(struct hart_state *s)
{
	s->pc |= 1;
}
static void satp_mode(struct hart_state *s)
{
	s->satp = (5ull << SATP_MODE_SHIFT);
}
static void resv_outside(struct hart_state *s)
{
	s->resv_addr = 0x80000000ull + RAM_SIZE;
}
static void resv_unaligned(struct hart_state *s)
{
	s->resv_addr = 0x80000002ull;
}
static void pmp_w_only(struct hart_state *s)
{
	s->pmpcfg[3] = PMP_W;
}
static void misa_other(struct hart_state *s)
{
	s->misa &= ~(1ull << ('C' - 'A'));
}
static void mideleg_m(struct hart_state *s)
{
	s->mideleg |= MIP_MTIP;
}
static void mip_m_soft(struct hart_state *s)
{
	s->mip |= MIP_MSIP;
}
static void tvec_mode(struct hart_state *s)
{
	s->stvec |= 2;
}
static void fflags_big(struct hart_state *s)
{
	s->fflags = 0x20;
}
static void wfi_2(struct hart_state *s)
{
	s->wfi = 2;
}
static void reserved_set(struct hart_state *s)
{
	s->reserved[1] = 1;
}

static void test_load_rejects(void **state)
{
	void (*const spoil[])(struct hart_state *) = {
	    priv_2,    priv_big,   mpp_2,	 mstatus_vs,	 uxl_32,     x0_set,
	    pc_odd,    satp_mode,  resv_outside, resv_unaligned, pmp_w_only, misa_other,
	    mideleg_m, mip_m_soft, tvec_mode,	 fflags_big,	 wfi_2,	     reserved_set,
	};

	for (size_t i = 0; i < sizeof(spoil) / sizeof(spoil[0]); i++)
		expect_bad(*state, spoil[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_rejects, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
