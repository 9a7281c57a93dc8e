/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for csr.c (Zicsr access rules, WARL fields, counters, PMP CSRs). */
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

#define RAM_SIZE (64 * 1024)

/* CSR numbers used below (priv spec 2.2). */
enum {
	FFLAGS = 0x001,
	FRM = 0x002,
	FCSR = 0x003,
	SSTATUS = 0x100,
	SIE = 0x104,
	STVEC = 0x105,
	SCOUNTEREN = 0x106,
	SEPC = 0x141,
	SIP = 0x144,
	STIMECMP = 0x14d,
	SATP = 0x180,
	MSTATUS = 0x300,
	MISA = 0x301,
	MEDELEG = 0x302,
	MIDELEG = 0x303,
	MIE = 0x304,
	MTVEC = 0x305,
	MCOUNTEREN = 0x306,
	MENVCFG = 0x30a,
	MCOUNTINHIBIT = 0x320,
	MHPMEVENT3 = 0x323,
	MEPC = 0x341,
	MIP = 0x344,
	PMPCFG0 = 0x3a0,
	PMPCFG1 = 0x3a1,
	PMPCFG2 = 0x3a2,
	PMPADDR0 = 0x3b0,
	MCYCLE = 0xb00,
	MINSTRET = 0xb02,
	MHPMCOUNTER3 = 0xb03,
	CYCLE = 0xc00,
	TIME = 0xc01,
	INSTRET = 0xc02,
	HPMCOUNTER3 = 0xc03,
	MVENDORID = 0xf11,
	MHARTID = 0xf14,
	TSELECT = 0x7a0,
	TDATA1 = 0x7a1,
	TDATA2 = 0x7a2,
	TDATA3 = 0x7a3,
	TINFO = 0x7a4,
	TCONTROL = 0x7a5,
	DCSR = 0x7b0,
};

struct fix {
	struct vm vm;
	struct hart h;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	if (hart_fixture_init(&f->vm, &f->h, RAM_SIZE, 3))
		return -1;
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

static int rd(struct hart *h, unsigned num, uint64_t *v)
{
	return csr_access(h, num, CSR_OP_RS, 0, true, false, v);
}

static uint64_t rdv(struct hart *h, unsigned num)
{
	uint64_t v = 0xdeadbeef;
	assert_int_equal(rd(h, num, &v), 0);
	return v;
}

static int wr(struct hart *h, unsigned num, uint64_t val)
{
	uint64_t old;
	return csr_access(h, num, CSR_OP_RW, val, false, true, &old);
}

static void test_privilege(void **state)
{
	struct hart *h = H(state);
	uint64_t v;

	h->priv = PRIV_U;
	assert_int_equal(rd(h, SSTATUS, &v), -1);
	assert_int_equal(rd(h, MSTATUS, &v), -1);
	h->priv = PRIV_S;
	assert_int_equal(rd(h, SSTATUS, &v), 0);
	assert_int_equal(rd(h, MSTATUS, &v), -1);
	assert_int_equal(wr(h, MIE, 0), -1);
	h->priv = PRIV_M;
	assert_int_equal(rd(h, MSTATUS, &v), 0);
	/* Unknown and unimplemented CSRs are illegal. */
	assert_int_equal(rd(h, 0x7c0, &v), -1);
	assert_int_equal(rd(h, 0x5ff, &v), -1);
	assert_int_equal(rd(h, TCONTROL, &v), -1);
	assert_int_equal(rd(h, DCSR, &v), -1);	/* Debug Mode only */
	assert_int_equal(rd(h, 0xc80, &v), -1); /* cycleh: RV32 only */
}

static void test_read_only(void **state)
{
	struct hart *h = H(state);
	uint64_t v;

	assert_int_equal(rdv(h, MHARTID), 3);
	assert_int_equal(rdv(h, MVENDORID), 0);
	assert_int_equal(wr(h, MHARTID, 5), -1);
	assert_int_equal(wr(h, CYCLE, 5), -1);
	/* CSRRS with rs1 = x0 does not write, so it is legal on a read-only CSR. */
	assert_int_equal(csr_access(h, MHARTID, CSR_OP_RS, 0, true, false, &v), 0);
	assert_int_equal(csr_access(h, MHARTID, CSR_OP_RC, 1, true, true, &v), -1);
}

static void test_mstatus_warl(void **state)
{
	struct hart *h = H(state);
	uint64_t want = MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP |
			MSTATUS_MPP | MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR |
			MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR | (2ull << 32) | (2ull << 34) |
			MSTATUS_SD;

	assert_int_equal(wr(h, MSTATUS, ~0ull), 0);
	assert_int_equal(rdv(h, MSTATUS), want);
	/* Clearing everything keeps UXL/SXL = 64-bit and drops SD with FS. */
	assert_int_equal(wr(h, MSTATUS, 0), 0);
	assert_int_equal(rdv(h, MSTATUS), (2ull << 32) | (2ull << 34));
	/* MPP = 2 is reserved: the field keeps its old value. */
	assert_int_equal(wr(h, MSTATUS, 1ull << MSTATUS_MPP_SHIFT), 0);
	assert_int_equal(wr(h, MSTATUS, 2ull << MSTATUS_MPP_SHIFT), 0);
	assert_int_equal((rdv(h, MSTATUS) & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT, 1);
	/* SD follows FS: Initial gives no SD, Dirty does. */
	assert_int_equal(wr(h, MSTATUS, 1ull << MSTATUS_FS_SHIFT), 0);
	assert_false(rdv(h, MSTATUS) & MSTATUS_SD);
	assert_int_equal(wr(h, MSTATUS, 3ull << MSTATUS_FS_SHIFT), 0);
	assert_true(rdv(h, MSTATUS) & MSTATUS_SD);
}

static void test_sstatus_view(void **state)
{
	struct hart *h = H(state);
	uint64_t v;

	assert_int_equal(wr(h, MSTATUS, MSTATUS_MIE | MSTATUS_MPP | MSTATUS_TVM | MSTATUS_SIE), 0);
	v = rdv(h, SSTATUS);
	assert_int_equal(v, MSTATUS_SIE | (2ull << 32));
	/* Writing all ones through sstatus reaches only the S fields. */
	assert_int_equal(wr(h, SSTATUS, ~0ull), 0);
	v = rdv(h, MSTATUS);
	assert_true(v & MSTATUS_MIE);
	assert_true(v & MSTATUS_TVM);
	assert_int_equal(v & MSTATUS_MPP, MSTATUS_MPP);
	assert_true(v & MSTATUS_SUM);
	assert_true(v & MSTATUS_MXR);
	assert_true(v & MSTATUS_SPP);
	assert_false(v & MSTATUS_MPRV);
	assert_int_equal(rdv(h, SSTATUS), MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS |
					      MSTATUS_SUM | MSTATUS_MXR | (2ull << 32) |
					      MSTATUS_SD);
	assert_int_equal(wr(h, SSTATUS, 0), 0);
	v = rdv(h, MSTATUS);
	assert_true(v & MSTATUS_MIE);
	assert_false(v & MSTATUS_SIE);
}

static void test_misa_deleg(void **state)
{
	struct hart *h = H(state);
	uint64_t misa = rdv(h, MISA);
	const char *ext = "IMAFDCSU";

	assert_int_equal(misa >> 62, 2);
	for (const char *c = ext; *c; c++)
		assert_true(misa & (1u << (*c - 'A')));
	assert_false(misa & (1u << ('V' - 'A')));
	assert_false(misa & (1u << ('H' - 'A')));
	assert_int_equal(wr(h, MISA, 0), 0);
	assert_int_equal(rdv(h, MISA), misa);

	assert_int_equal(wr(h, MEDELEG, ~0ull), 0);
	assert_int_equal(rdv(h, MEDELEG), 0xb3ff);
	assert_false(rdv(h, MEDELEG) & (1u << EXC_ECALL_M));
	assert_int_equal(wr(h, MIDELEG, ~0ull), 0);
	assert_int_equal(rdv(h, MIDELEG), MIP_SSIP | MIP_STIP | MIP_SEIP);
}

static void test_satp(void **state)
{
	struct hart *h = H(state);
	uint64_t v;

	assert_int_equal(wr(h, SATP, (8ull << 60) | 0x80123), 0);
	assert_int_equal(rdv(h, SATP), (8ull << 60) | 0x80123);
	/* Unsupported modes leave satp unchanged. */
	assert_int_equal(wr(h, SATP, (5ull << 60) | 0x1), 0);
	assert_int_equal(rdv(h, SATP), (8ull << 60) | 0x80123);
	assert_int_equal(wr(h, SATP, (9ull << 60) | (0xffffull << 44) | 7), 0);
	assert_int_equal(rdv(h, SATP), (9ull << 60) | (0xffffull << 44) | 7);
	assert_int_equal(wr(h, SATP, (10ull << 60) | 7), 0);
	assert_int_equal(rdv(h, SATP) >> 60, 10);
	assert_int_equal(wr(h, SATP, 0), 0);
	assert_int_equal(rdv(h, SATP), 0);
	/* A write flushes the TLB. */
	h->tlb[TLB_S][5].tag_r = 5;
	assert_int_equal(wr(h, SATP, (8ull << 60) | 1), 0);
	assert_int_equal(h->tlb[TLB_S][5].tag_r, TLB_INVALID);
	/* mstatus.TVM makes satp illegal in S-mode only. */
	h->priv = PRIV_S;
	assert_int_equal(rd(h, SATP, &v), 0);
	h->mstatus |= MSTATUS_TVM;
	assert_int_equal(rd(h, SATP, &v), -1);
	assert_int_equal(wr(h, SATP, 0), -1);
	h->priv = PRIV_M;
	assert_int_equal(rd(h, SATP, &v), 0);
}

static void test_tvec_epc(void **state)
{
	struct hart *h = H(state);

	assert_int_equal(wr(h, MTVEC, 0x80000101), 0);
	assert_int_equal(rdv(h, MTVEC), 0x80000101);
	assert_int_equal(wr(h, MTVEC, 0x80000202), 0);
	assert_int_equal(rdv(h, MTVEC), 0x80000101);
	assert_int_equal(wr(h, MTVEC, 0x80000403), 0);
	assert_int_equal(rdv(h, MTVEC), 0x80000101);
	assert_int_equal(wr(h, STVEC, 0x80000200), 0);
	assert_int_equal(rdv(h, STVEC), 0x80000200);
	assert_int_equal(wr(h, MEPC, 0x80001003), 0);
	assert_int_equal(rdv(h, MEPC), 0x80001002);
	assert_int_equal(wr(h, SEPC, 0x80001001), 0);
	assert_int_equal(rdv(h, SEPC), 0x80001000);
}

static void test_fcsr(void **state)
{
	struct hart *h = H(state);
	uint64_t v;

	h->mstatus &= ~MSTATUS_FS;
	assert_int_equal(rd(h, FFLAGS, &v), -1);
	assert_int_equal(rd(h, FRM, &v), -1);
	assert_int_equal(wr(h, FCSR, 0), -1);
	h->mstatus |= 1ull << MSTATUS_FS_SHIFT;
	/* Reading does not dirty the state. */
	assert_int_equal(rdv(h, FCSR), 0);
	assert_int_equal(h->mstatus & MSTATUS_FS, 1ull << MSTATUS_FS_SHIFT);
	assert_int_equal(wr(h, FCSR, 0x1ff), 0);
	assert_int_equal(h->mstatus & MSTATUS_FS, MSTATUS_FS);
	assert_true(h->mstatus & MSTATUS_SD);
	assert_int_equal(rdv(h, FCSR), 0xff);
	assert_int_equal(rdv(h, FRM), 7);
	assert_int_equal(rdv(h, FFLAGS), 0x1f);
	assert_int_equal(wr(h, FRM, 0xfa), 0);
	assert_int_equal(rdv(h, FCSR), (2 << 5) | 0x1f);
	assert_int_equal(wr(h, FFLAGS, 0x23), 0);
	assert_int_equal(rdv(h, FCSR), (2 << 5) | 0x3);
	assert_int_equal(h->frm, 2);
	assert_int_equal(h->fflags, 3);
	/* csrrc on fflags clears only the given flags. */
	assert_int_equal(csr_access(h, FFLAGS, CSR_OP_RC, 1, true, true, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(h->fflags, 2);
}

static void test_counters(void **state)
{
	struct hart *h = H(state);
	uint64_t v, t0, t1;

	h->instret = 100;
	assert_int_equal(rdv(h, INSTRET), 100);
	assert_int_equal(rdv(h, MINSTRET), 100);
	assert_int_equal(rdv(h, CYCLE), rdv(h, MCYCLE));
	/* The written value is what the next instruction sees, after the write retires. */
	assert_int_equal(wr(h, MINSTRET, 50), 0);
	h->instret++;
	assert_int_equal(rdv(h, MINSTRET), 50);
	assert_int_equal(wr(h, MCYCLE, 1000), 0);
	h->instret++;
	assert_int_equal(rdv(h, CYCLE), 1000);
	assert_int_equal(rdv(h, MINSTRET), 51);
	/* mcountinhibit.IR freezes minstret. */
	assert_int_equal(wr(h, MCOUNTINHIBIT, ~0ull), 0);
	assert_int_equal(rdv(h, MCOUNTINHIBIT), 5);
	h->instret += 10;
	assert_int_equal(rdv(h, MINSTRET), 51);
	assert_int_equal(rdv(h, MCYCLE), 1000);
	assert_int_equal(wr(h, MCOUNTINHIBIT, 0), 0);
	h->instret += 2;
	assert_int_equal(rdv(h, MINSTRET), 53);
	/* time follows the VM clock. */
	t0 = vm_time(h->vm);
	v = rdv(h, TIME);
	t1 = vm_time(h->vm);
	assert_true(v >= t0 && v <= t1);
	/* hpm counters and events read as zero. */
	assert_int_equal(wr(h, MHPMCOUNTER3, 7), 0);
	assert_int_equal(rdv(h, MHPMCOUNTER3), 0);
	assert_int_equal(rdv(h, HPMCOUNTER3), 0);
	assert_int_equal(wr(h, MHPMEVENT3, 7), 0);
	assert_int_equal(rdv(h, MHPMEVENT3), 0);
}

static void test_counter_gating(void **state)
{
	struct hart *h = H(state);
	uint64_t v;

	h->priv = PRIV_S;
	assert_int_equal(rd(h, CYCLE, &v), -1);
	assert_int_equal(rd(h, TIME, &v), -1);
	h->mcounteren = 1; /* CY */
	assert_int_equal(rd(h, CYCLE, &v), 0);
	assert_int_equal(rd(h, INSTRET, &v), -1);
	assert_int_equal(rd(h, HPMCOUNTER3, &v), -1);
	h->priv = PRIV_U;
	assert_int_equal(rd(h, CYCLE, &v), -1);
	h->scounteren = 7;
	assert_int_equal(rd(h, CYCLE, &v), 0);
	assert_int_equal(rd(h, TIME, &v), -1); /* mcounteren.TM still 0 */
	h->mcounteren = 7;
	assert_int_equal(rd(h, TIME, &v), 0);
	assert_int_equal(rd(h, INSTRET, &v), 0);
	/* U cannot reach the S-level scounteren or the M counters. */
	assert_int_equal(rd(h, SCOUNTEREN, &v), -1);
	assert_int_equal(rd(h, MCYCLE, &v), -1);
}

static void test_mip_sip(void **state)
{
	struct hart *h = H(state);
	uint64_t v;

	assert_int_equal(wr(h, MIP, ~0ull), 0);
	assert_int_equal(rdv(h, MIP), MIP_SSIP | MIP_STIP | MIP_SEIP);
	assert_int_equal(wr(h, MIP, 0), 0);
	hart_raise_irq(h, MIP_MTIP | MIP_SEIP);
	assert_int_equal(rdv(h, MIP), MIP_MTIP | MIP_SEIP);
	/* RMW of mip only sees the software SEIP bit (priv spec 3.1.9). */
	assert_int_equal(csr_access(h, MIP, CSR_OP_RS, MIP_SSIP, true, true, &v), 0);
	assert_int_equal(v, MIP_MTIP | MIP_SEIP);
	assert_int_equal(h->mip, MIP_SSIP);
	hart_lower_irq(h, MIP_MTIP | MIP_SEIP);
	assert_int_equal(rdv(h, MIP), MIP_SSIP);
	/* sip/sie only show delegated bits; S may write only SSIP. */
	assert_int_equal(rdv(h, SIP), 0);
	assert_int_equal(wr(h, MIDELEG, MIP_SSIP | MIP_STIP), 0);
	assert_int_equal(rdv(h, SIP), MIP_SSIP);
	h->priv = PRIV_S;
	assert_int_equal(wr(h, SIP, 0), 0);
	assert_int_equal(h->mip, 0);
	assert_int_equal(wr(h, SIP, ~0ull), 0);
	assert_int_equal(h->mip, MIP_SSIP);
	h->priv = PRIV_M;
	assert_int_equal(wr(h, MIE, ~0ull), 0);
	assert_int_equal(rdv(h, MIE), 0xaaa);
	assert_int_equal(rdv(h, SIE), MIP_SSIP | MIP_STIP);
	assert_int_equal(wr(h, SIE, 0), 0);
	assert_int_equal(rdv(h, MIE), 0xaaa & ~(MIP_SSIP | MIP_STIP));
}

static void test_sstc(void **state)
{
	struct hart *h = H(state);
	uint64_t v;

	h->priv = PRIV_S;
	assert_int_equal(rd(h, STIMECMP, &v), -1);
	h->menvcfg = 1ull << 63;
	assert_int_equal(rd(h, STIMECMP, &v), -1); /* mcounteren.TM = 0 */
	h->mcounteren = 2;
	assert_int_equal(rd(h, STIMECMP, &v), 0);
	assert_int_equal(wr(h, STIMECMP, 0), 0);
	assert_true(csr_mip(h) & MIP_STIP);
	assert_int_equal(wr(h, STIMECMP, ~0ull), 0);
	assert_false(csr_mip(h) & MIP_STIP);
	/* STIP is not software-writable while Sstc drives it. */
	h->priv = PRIV_M;
	assert_int_equal(wr(h, MIP, MIP_STIP), 0);
	assert_false(rdv(h, MIP) & MIP_STIP);
	/* menvcfg keeps only STCE and FIOM. */
	assert_int_equal(wr(h, MENVCFG, ~0ull), 0);
	assert_int_equal(rdv(h, MENVCFG), (1ull << 63) | 1);
	assert_int_equal(wr(h, MENVCFG, 0), 0);
	assert_int_equal(wr(h, MIP, MIP_STIP), 0);
	assert_true(rdv(h, MIP) & MIP_STIP);
}

/*
 * Sdtrig with no triggers (debug spec 1.0, 5.7), probed as riscv-tests' breakpoint test does:
 * write tselect, read it back, look at tdata1's type (bits 63:60); 0 means no trigger.
 */
static void test_triggers(void **state)
{
	struct hart *h = H(state);
	uint64_t v;

	assert_int_equal(wr(h, TSELECT, 0), 0);
	assert_int_equal(rdv(h, TSELECT), 0);
	assert_int_equal(rdv(h, TDATA1) >> 60, 0);
	/* No index but 0 is legal: tselect keeps reading 0, and it is still no trigger. */
	assert_int_equal(wr(h, TSELECT, 5), 0);
	assert_int_equal(rdv(h, TSELECT), 0);
	/* Writes that would arm an address/data match trigger (type 2) have no effect. */
	assert_int_equal(wr(h, TDATA1, (2ull << 60) | 0x44), 0);
	assert_int_equal(rdv(h, TDATA1), 0);
	assert_int_equal(wr(h, TDATA2, 0x80001000), 0);
	assert_int_equal(rdv(h, TDATA2), 0);
	assert_int_equal(wr(h, TDATA3, 1), 0);
	assert_int_equal(rdv(h, TDATA3), 0);
	/* tinfo = 1: the selected trigger does not exist. */
	assert_int_equal(rdv(h, TINFO), 1);
	assert_int_equal(wr(h, TINFO, 4), 0);
	assert_int_equal(rdv(h, TINFO), 1);
	/* They are M-level CSRs (0x7a0-0x7af): S and U trap. */
	h->priv = PRIV_S;
	assert_int_equal(rd(h, TSELECT, &v), -1);
	assert_int_equal(wr(h, TDATA1, 0), -1);
	h->priv = PRIV_U;
	assert_int_equal(rd(h, TINFO, &v), -1);
}

static void test_pmp_csrs(void **state)
{
	struct hart *h = H(state);
	uint64_t v;

	assert_int_equal(rd(h, PMPCFG1, &v), -1);
	assert_int_equal(rd(h, PMPCFG2, &v), 0);
	assert_int_equal(wr(h, PMPADDR0 + 20, 5), 0);
	assert_int_equal(rdv(h, PMPADDR0 + 20), 0);
	assert_int_equal(wr(h, PMPADDR0, ~0ull), 0);
	assert_int_equal(rdv(h, PMPADDR0), (1ull << 54) - 1);
	/* W=1, R=0 is reserved; reserved bits 6:5 read zero. */
	assert_int_equal(wr(h, PMPCFG0, 0x02 | (0x61ull << 8)), 0);
	assert_int_equal(rdv(h, PMPCFG0), 0x01ull << 8);
	/* Entry 2 as a locked TOR locks pmpaddr1 too; entry 0 stays writable. */
	assert_int_equal(wr(h, PMPADDR0 + 1, 0x100), 0);
	assert_int_equal(wr(h, PMPADDR0 + 2, 0x200), 0);
	assert_int_equal(wr(h, PMPCFG0, 0x88ull << 16), 0);
	assert_int_equal(wr(h, PMPADDR0 + 1, 0x111), 0);
	assert_int_equal(wr(h, PMPADDR0 + 2, 0x222), 0);
	assert_int_equal(rdv(h, PMPADDR0 + 1), 0x100);
	assert_int_equal(rdv(h, PMPADDR0 + 2), 0x200);
	assert_int_equal(wr(h, PMPADDR0, 0x10), 0);
	assert_int_equal(rdv(h, PMPADDR0), 0x10);
	/* The locked cfg byte ignores writes, its neighbours do not. */
	assert_int_equal(wr(h, PMPCFG0, 0x1f1f1f), 0);
	assert_int_equal(rdv(h, PMPCFG0), 0x881f1f);
	/* A locked entry that is not TOR does not lock the address below it. */
	assert_int_equal(wr(h, PMPCFG0, 0x98ull << 32), 0);
	assert_int_equal(wr(h, PMPADDR0 + 3, 0x333), 0);
	assert_int_equal(rdv(h, PMPADDR0 + 3), 0x333);
	assert_int_equal(wr(h, PMPADDR0 + 4, 0x444), 0);
	assert_int_equal(rdv(h, PMPADDR0 + 4), 0);
	/* pmpcfg2 holds entries 8-15. */
	assert_int_equal(wr(h, PMPCFG2, 0x1dull << 56), 0);
	assert_int_equal(h->pmpcfg[15], 0x1d);
	h->priv = PRIV_S;
	assert_int_equal(rd(h, PMPCFG0, &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_privilege, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mstatus_warl, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sstatus_view, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_misa_deleg, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_satp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tvec_epc, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fcsr, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counter_gating, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mip_sip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sstc, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pmp_csrs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_triggers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
