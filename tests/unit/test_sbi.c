/* SPDX-License-Identifier: Apache-2.0 */
/* The built-in SBI firmware (src/fw/sbi.c) driven through sbi_ecall on a real multi-hart VM. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/vm.h"
#include "cpu/csr.h"
#include "cpu/hart.h"
#include "cpu/mmu.h"
#include "dev/devices.h"
#include "fw/sbi.h"
#include "host/conout.h"

#define NHARTS 4
#define ENTRY 0x80200000ull
#define FDT 0x80f00000ull
#define BUF 0x80400000ull /* scratch guest RAM for buffers */
#define CSR_SIE 0x104
#define CSR_SIP 0x144
#define CSR_STIMECMP 0x14d
#define CSR_TIME 0xc01
#define CSR_HPMCOUNTER3 0xc03

struct fixture {
	struct vm *vm;
	int pipe[2]; /* console output goes to pipe[1] */
};

static int setup(void **state)
{
	static struct fixture fx;
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = NHARTS};

	if (pipe2(fx.pipe, O_NONBLOCK | O_CLOEXEC))
		return -1;
	cfg.console_fd = fx.pipe[1];
	if (vm_create(&fx.vm, &cfg))
		return -1;
	sbi_boot(fx.vm, ENTRY, FDT);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	vm_destroy(fx->vm);
	close(fx->pipe[0]);
	close(fx->pipe[1]);
	return 0;
}

struct ret {
	int64_t error;
	uint64_t value;
};

/* One SBI call as an ECALL at pc 0x80201000 would make it; checks that pc moved past it. */
static struct ret call(struct hart *h, uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1,
		       uint64_t a2, uint64_t a3, uint64_t a4)
{
	h->pc = 0x80201000;
	h->x[17] = eid;
	h->x[16] = fid;
	h->x[10] = a0;
	h->x[11] = a1;
	h->x[12] = a2;
	h->x[13] = a3;
	h->x[14] = a4;
	assert_int_equal(sbi_ecall(h), 0);
	return (struct ret){(int64_t)h->x[10], h->x[11]};
}

static struct ret call_ok(struct hart *h, uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1,
			  uint64_t a2)
{
	struct ret r = call(h, eid, fid, a0, a1, a2, 0, 0);

	assert_int_equal(r.error, SBI_SUCCESS);
	assert_int_equal(h->pc, 0x80201004);
	return r;
}

static uint64_t csr(struct hart *h, unsigned num, enum csr_op op, uint64_t src)
{
	uint64_t old = 0;

	assert_int_equal(csr_access(h, num, op, src, true, true, &old), 0);
	return old;
}

/*
 * The state OpenSBI 1.x leaves at every S-mode entry (tests/guest/sbi/state.c compares the two
 * firmwares): FS alone in sstatus (Dirty), sie = satp = sscratch = 0, stvec = the entry,
 * U may read cycle/time/instret, S every counter, Sstc on, fcsr and the FP registers 0.
 */
static void assert_s_entry(struct hart *h, uint64_t entry)
{
	uint64_t v;

	assert_int_equal(h->priv, PRIV_S);
	assert_int_equal(h->mstatus & ~(MSTATUS_UXL | MSTATUS_SXL | MSTATUS_MPIE),
			 MSTATUS_FS | MSTATUS_SD);
	assert_int_equal(h->mie, 0);
	assert_int_equal(h->satp, 0);
	assert_int_equal(h->sscratch, 0);
	assert_int_equal(h->stvec, entry);
	assert_int_equal(h->scounteren, 7);
	assert_int_equal(h->mcounteren, 0xffffffff);
	assert_int_equal(h->menvcfg, MENVCFG_STCE);
	assert_int_equal(h->medeleg & (1ull << EXC_ECALL_S), 0);
	assert_int_equal(h->mideleg, MIP_SSIP | MIP_STIP | MIP_SEIP);
	assert_int_equal(h->frm | h->fflags, 0);
	for (unsigned i = 0; i < 32; i++)
		assert_int_equal(h->f[i], 0);
	/* time and Sstc's stimecmp from S; time, but not hpmcounter3, from U. */
	assert_int_equal(csr_access(h, CSR_TIME, CSR_OP_RS, 0, true, false, &v), 0);
	assert_int_equal(csr_access(h, CSR_STIMECMP, CSR_OP_RS, 0, true, false, &v), 0);
	h->priv = PRIV_U;
	assert_int_equal(csr_access(h, CSR_TIME, CSR_OP_RS, 0, true, false, &v), 0);
	assert_int_equal(csr_access(h, CSR_HPMCOUNTER3, CSR_OP_RS, 0, true, false, &v), -1);
	h->priv = PRIV_S;
}

static void test_boot_state(void **state)
{
	struct fixture *fx = *state;
	struct hart *h0 = fx->vm->harts[0], *h1 = fx->vm->harts[1];
	uint64_t v;

	assert_true(fx->vm->sbi_builtin);
	assert_int_equal(h0->priv, PRIV_S);
	assert_int_equal(h0->pc, ENTRY);
	assert_int_equal(h0->x[10], 0);
	assert_int_equal(h0->x[11], FDT);
	assert_int_equal(h0->satp, 0);
	assert_false(atomic_load(&h0->halted));
	for (unsigned i = 1; i < NHARTS; i++)
		assert_true(atomic_load(&fx->vm->harts[i]->halted));
	/* ECALL from S comes to us; everything else S-level goes to S. */
	assert_false(h0->medeleg & (1ull << EXC_ECALL_S));
	assert_true(h1->medeleg & (1ull << EXC_ILLEGAL_INSN));
	assert_true(h1->medeleg & (1ull << EXC_STORE_PAGE_FAULT));
	assert_true(h1->medeleg & (1ull << EXC_ECALL_U));
	assert_int_equal(h1->mideleg, MIP_SSIP | MIP_STIP | MIP_SEIP);
	assert_s_entry(h0, ENTRY);
	assert_int_equal(h0->stimecmp, ~0ull);
	/* PMP lets S read, write and fetch all RAM and MMIO. */
	assert_true(mmu_pmp_check(h0, 0x80000000, 4096, ACC_EXEC, PRIV_S));
	assert_true(mmu_pmp_check(h1, 0x80fff000, 4096, ACC_WRITE, PRIV_S));
	assert_true(mmu_pmp_check(h0, 0x10000000, 1, ACC_WRITE, PRIV_S));
	/* Counters and Sstc's stimecmp are usable from S. */
	assert_int_equal(csr_access(h0, CSR_TIME, CSR_OP_RS, 0, true, false, &v), 0);
	assert_int_equal(csr_access(h0, CSR_STIMECMP, CSR_OP_RS, 0, true, false, &v), 0);
	assert_int_equal(v, ~0ull);
}

static void test_base(void **state)
{
	struct fixture *fx = *state;
	struct hart *h = fx->vm->harts[0];
	static const uint64_t exts[] = {SBI_EXT_BASE,
					SBI_EXT_TIME,
					SBI_EXT_IPI,
					SBI_EXT_RFENCE,
					SBI_EXT_HSM,
					SBI_EXT_SRST,
					SBI_EXT_DBCN,
					0,
					8};

	assert_int_equal(call_ok(h, SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0).value,
			 0x02000000);
	assert_int_equal(call_ok(h, SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID, 0, 0, 0).value,
			 SBI_IMPL_ID_VIREO);
	assert_int_equal(call_ok(h, SBI_EXT_BASE, SBI_BASE_GET_IMPL_VERSION, 0, 0, 0).value,
			 SBI_IMPL_VERSION);
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		assert_int_equal(call_ok(h, SBI_EXT_BASE, SBI_BASE_PROBE_EXT, exts[i], 0, 0).value,
				 1);
	/* PMU, SUSP, CPPC, NACL, STA and vendor extensions are not there. */
	assert_int_equal(call_ok(h, SBI_EXT_BASE, SBI_BASE_PROBE_EXT, 0x504d55, 0, 0).value, 0);
	assert_int_equal(call_ok(h, SBI_EXT_BASE, SBI_BASE_PROBE_EXT, 0x53555350, 0, 0).value, 0);
	assert_int_equal(call_ok(h, SBI_EXT_BASE, SBI_BASE_PROBE_EXT, 9, 0, 0).value, 0);
	assert_int_equal(call_ok(h, SBI_EXT_BASE, SBI_BASE_PROBE_EXT, ~0ull, 0, 0).value, 0);
	assert_int_equal(call_ok(h, SBI_EXT_BASE, SBI_BASE_GET_MVENDORID, 0, 0, 0).value, 0);
	assert_int_equal(call_ok(h, SBI_EXT_BASE, SBI_BASE_GET_MARCHID, 0, 0, 0).value, 0);
	assert_int_equal(call_ok(h, SBI_EXT_BASE, SBI_BASE_GET_MIMPID, 0, 0, 0).value, 0);
	assert_int_equal(call(h, SBI_EXT_BASE, 7, 0, 0, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED);
	assert_int_equal(h->pc, 0x80201004);
	assert_int_equal(call(h, 0x504d55, 0, 0, 0, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED);
	assert_int_equal(call(h, 0x0a000000, 0, 0, 0, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED);
	assert_int_equal(call(h, SBI_EXT_TIME, 1, 0, 0, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED);
	assert_int_equal(call(h, SBI_EXT_RFENCE, 3, 1, 0, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED);
	assert_int_equal(call(h, SBI_EXT_IPI, 1, 1, 0, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED);
}

static void test_time(void **state)
{
	struct fixture *fx = *state;
	struct hart *h = fx->vm->harts[0];
	uint64_t now = vm_time(fx->vm);

	assert_false(csr_mip(h) & MIP_STIP);
	call_ok(h, SBI_EXT_TIME, SBI_TIME_SET_TIMER, now, 0, 0);
	assert_int_equal(h->stimecmp, now);
	assert_true(csr_mip(h) & MIP_STIP);
	/* A later deadline clears the pending timer interrupt (SBI spec 6.1). */
	call_ok(h, SBI_EXT_TIME, SBI_TIME_SET_TIMER, now + 100 * VM_TIMEBASE_HZ, 0, 0);
	assert_false(csr_mip(h) & MIP_STIP);
	/* Legacy set_timer: a0 only, a1 untouched. */
	h->x[11] = 0x1234;
	h->x[17] = SBI_EXT_0_1_SET_TIMER;
	h->x[10] = 5;
	h->pc = 0x80201000;
	sbi_ecall(h);
	assert_int_equal(h->x[10], 0);
	assert_int_equal(h->x[11], 0x1234);
	assert_int_equal(h->stimecmp, 5);
	assert_true(csr_mip(h) & MIP_STIP);
}

static void start_all(struct vm *vm)
{
	for (unsigned i = 1; i < vm->nharts; i++)
		call_ok(vm->harts[0], SBI_EXT_HSM, SBI_HSM_HART_START, i, ENTRY, 0);
}

static void clear_ssip(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nharts; i++)
		__atomic_fetch_and(&vm->harts[i]->mip, ~MIP_SSIP, __ATOMIC_SEQ_CST);
}

/* The harts whose SSIP is pending, as a set. */
static uint64_t ssip_set(struct vm *vm)
{
	uint64_t set = 0;

	for (unsigned i = 0; i < vm->nharts; i++)
		if (csr_mip(vm->harts[i]) & MIP_SSIP)
			set |= 1ull << i;
	return set;
}

static void test_ipi(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	struct hart *h = vm->harts[0];

	/* To self: pending in sip, and the hart is asked to look at its interrupts. */
	atomic_store(&h->events, 0);
	call_ok(h, SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1, 0, 0);
	assert_int_equal(ssip_set(vm), 1);
	assert_true(atomic_load(&h->events) & HART_EV_IRQ);
	assert_int_equal(csr(h, CSR_SIP, CSR_OP_RC, MIP_SSIP) & MIP_SSIP, MIP_SSIP);
	assert_int_equal(ssip_set(vm), 0);
	/* Stopped harts are left alone. */
	call_ok(h, SBI_EXT_IPI, SBI_IPI_SEND_IPI, 0, ~0ull, 0);
	assert_int_equal(ssip_set(vm), 1);
	clear_ssip(vm);
	start_all(vm);
	call_ok(h, SBI_EXT_IPI, SBI_IPI_SEND_IPI, 0, ~0ull, 0);
	assert_int_equal(ssip_set(vm), 0xf);
	clear_ssip(vm);
	/* hart_mask_base shifts the mask. */
	call_ok(h, SBI_EXT_IPI, SBI_IPI_SEND_IPI, 0x5, 1, 0);
	assert_int_equal(ssip_set(vm), 0xa);
	clear_ssip(vm);
	/* Any id past the last hart makes the whole call invalid, and nothing is sent. */
	assert_int_equal(call(h, SBI_EXT_IPI, SBI_IPI_SEND_IPI, 0x3, 3, 0, 0, 0).error,
			 SBI_ERR_INVALID_PARAM);
	assert_int_equal(call(h, SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1, 4, 0, 0, 0).error,
			 SBI_ERR_INVALID_PARAM);
	assert_int_equal(call(h, SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1ull << 63, 1, 0, 0, 0).error,
			 SBI_ERR_INVALID_PARAM);
	assert_int_equal(call(h, SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1, ~1ull, 0, 0, 0).error,
			 SBI_ERR_INVALID_PARAM);
	assert_int_equal(ssip_set(vm), 0);
	call_ok(h, SBI_EXT_IPI, SBI_IPI_SEND_IPI, 0, 1000, 0); /* empty mask: nothing to check */
}

/* Legacy calls answering in a0 only. */
static int64_t legacy(struct hart *h, uint64_t eid, uint64_t a0)
{
	h->pc = 0x80201000;
	h->x[17] = eid;
	h->x[10] = a0;
	h->x[11] = 0x5a5a;
	sbi_ecall(h);
	assert_int_equal(h->pc, 0x80201004);
	assert_int_equal(h->x[11], 0x5a5a);
	return (int64_t)h->x[10];
}

static void test_legacy_ipi(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	struct hart *h = vm->harts[0];
	uint64_t mask = 0x6;

	start_all(vm);
	/* satp = 0: the mask pointer is a physical address. */
	memcpy(vm_ram_ptr(vm, BUF, 8), &mask, 8);
	assert_int_equal(legacy(h, SBI_EXT_0_1_SEND_IPI, BUF), 0);
	assert_int_equal(ssip_set(vm), 0x6);
	clear_ssip(vm);
	assert_int_equal(legacy(h, SBI_EXT_0_1_SEND_IPI, 0), 0); /* NULL: every hart */
	assert_int_equal(ssip_set(vm), 0xf);
	assert_int_equal(legacy(h, SBI_EXT_0_1_CLEAR_IPI, 0), 0);
	assert_int_equal(ssip_set(vm), 0xe);
	clear_ssip(vm);
	/* Unreadable mask pointer (no device there): an access fault, reported not taken. */
	assert_int_equal(legacy(h, SBI_EXT_0_1_SEND_IPI, 0x40000000), SBI_ERR_INVALID_ADDRESS);
	assert_int_equal(h->priv, PRIV_S);
	mask = 1ull << 20;
	memcpy(vm_ram_ptr(vm, BUF, 8), &mask, 8);
	assert_int_equal(legacy(h, SBI_EXT_0_1_SEND_IPI, BUF), SBI_ERR_INVALID_PARAM);
	assert_int_equal(ssip_set(vm), 0);
	/* Remote fences through the legacy calls (targets here are not running: see test_rfence).
	 */
	assert_int_equal(legacy(h, SBI_EXT_0_1_REMOTE_FENCE_I, 0x40000000),
			 SBI_ERR_INVALID_ADDRESS);
	h->tlb[TLB_S][3].tag_r = 3;
	mask = 1;
	memcpy(vm_ram_ptr(vm, BUF, 8), &mask, 8);
	assert_int_equal(legacy(h, SBI_EXT_0_1_REMOTE_SFENCE_VMA, BUF), 0);
	assert_int_equal(h->tlb[TLB_S][3].tag_r, TLB_INVALID);
}

struct ipi_race {
	struct vm *vm;
	_Atomic unsigned round; /* odd: the receiver has cleared SSIP and waits for an IPI */
	unsigned rounds;
};

static void *ipi_sender(void *arg)
{
	struct ipi_race *r = arg;
	struct hart *h = r->vm->harts[0];

	for (unsigned i = 0; i < r->rounds; i++) {
		while (atomic_load(&r->round) != 2 * i + 1)
			sched_yield();
		call_ok(h, SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1, 1, 0);
		atomic_store(&r->round, 2 * i + 2);
	}
	return NULL;
}

/*
 * An IPI sent while the target's own CSR instruction read-modify-writes sip (here csrs of a
 * bit sip does not let it write) must survive: the RMW must not write back a stale SSIP = 0.
 */
static void test_ipi_vs_csr_rmw(void **state)
{
	struct fixture *fx = *state;
	struct ipi_race r = {.vm = fx->vm, .rounds = 3000};
	struct hart *h1 = fx->vm->harts[1];
	pthread_t t;

	start_all(fx->vm);
	atomic_init(&r.round, 0);
	assert_int_equal(pthread_create(&t, NULL, ipi_sender, &r), 0);
	for (unsigned i = 0; i < r.rounds; i++) {
		csr(h1, CSR_SIP, CSR_OP_RC, MIP_SSIP);
		atomic_store(&r.round, 2 * i + 1);
		while (atomic_load(&r.round) != 2 * i + 2)
			csr(h1, CSR_SIP, CSR_OP_RS, MIP_SEIP);
		assert_int_equal(csr(h1, CSR_SIP, CSR_OP_RS, MIP_SEIP) & MIP_SSIP, MIP_SSIP);
	}
	pthread_join(t, NULL);
}

/* A hart thread that only sleeps in WFI, acknowledging fences, until the VM stops. */
static void *idle_hart(void *arg)
{
	struct hart *h = arg;

	h->wfi = true;
	hart_run(h);
	return NULL;
}

static void test_rfence(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	struct hart *h0 = vm->harts[0], *h1 = vm->harts[1];
	pthread_t t;

	/* Stopped targets: nothing to wait for. Bad ids: invalid. */
	call_ok(h0, SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 0xe, 0, 0);
	call_ok(h0, SBI_EXT_RFENCE, SBI_RFENCE_FENCE_I, 0, ~0ull, 0);
	assert_int_equal(call(h0, SBI_EXT_RFENCE, SBI_RFENCE_FENCE_I, 1, 4, 0, 0, 0).error,
			 SBI_ERR_INVALID_PARAM);
	assert_int_equal(
	    call(h0, SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA_ASID, 0x10, 0, 0, 0, 0).error,
	    SBI_ERR_INVALID_PARAM);
	/* The caller flushes itself. */
	h0->tlb[TLB_S][7].tag_w = 7;
	call_ok(h0, SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA_ASID, 1, 0, 0);
	assert_int_equal(h0->tlb[TLB_S][7].tag_w, TLB_INVALID);
	/* A running hart (asleep in WFI) has flushed by the time the call returns. */
	call_ok(h0, SBI_EXT_HSM, SBI_HSM_HART_START, 1, ENTRY, 0);
	h1->tlb[TLB_S][9].tag_r = 9;
	h1->tlb[TLB_U][9].tag_x = 9;
	assert_int_equal(pthread_create(&t, NULL, idle_hart, h1), 0);
	for (int i = 0; i < 20; i++) {
		call_ok(h0, SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 2, 0, 0x80000000);
		assert_int_equal(h1->tlb[TLB_S][9].tag_r, TLB_INVALID);
		assert_int_equal(h1->tlb[TLB_U][9].tag_x, TLB_INVALID);
		assert_true(atomic_load(&h1->fence_ack) == atomic_load(&h1->fence_req));
		call_ok(h0, SBI_EXT_RFENCE, SBI_RFENCE_FENCE_I, 0, ~0ull, 0);
		assert_true(atomic_load(&h1->fence_ack) == atomic_load(&h1->fence_req));
	}
	vm_stop(vm, VM_POWEROFF, 0);
	pthread_join(t, NULL);
}

struct fencer {
	struct hart *self;
	unsigned other;
	_Atomic int *done;
};

/* Fences the other hart many times, then keeps acknowledging until the VM stops. */
static void *fencer(void *arg)
{
	struct fencer *f = arg;

	for (int i = 0; i < 2000; i++)
		call_ok(f->self, SBI_EXT_RFENCE, i & 1 ? SBI_RFENCE_FENCE_I : SBI_RFENCE_SFENCE_VMA,
			1ull << f->other, 0, 0);
	atomic_fetch_add(f->done, 1);
	f->self->wfi = true;
	hart_run(f->self);
	return NULL;
}

/* Two harts fencing each other at the same time must both finish (no deadlock). */
static void test_rfence_mutual(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	_Atomic int done;
	struct fencer f[2] = {{vm->harts[0], 1, &done}, {vm->harts[1], 0, &done}};
	pthread_t t[2];

	atomic_init(&done, 0);
	start_all(vm);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, fencer, &f[i]), 0);
	while (atomic_load(&done) < 2)
		usleep(1000);
	vm_stop(vm, VM_POWEROFF, 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
}

static void test_hsm(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	struct hart *h0 = vm->harts[0], *h2 = vm->harts[2];

	assert_int_equal(call_ok(h0, SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 0, 0, 0).value,
			 SBI_HSM_STATE_STARTED);
	assert_int_equal(call_ok(h0, SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 2, 0, 0).value,
			 SBI_HSM_STATE_STOPPED);
	assert_int_equal(call(h0, SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 4, 0, 0, 0, 0).error,
			 SBI_ERR_INVALID_PARAM);
	/* hart_start: bad id, bad addresses, then a real start. */
	assert_int_equal(call(h0, SBI_EXT_HSM, SBI_HSM_HART_START, 4, ENTRY, 0, 0, 0).error,
			 SBI_ERR_INVALID_PARAM);
	assert_int_equal(call(h0, SBI_EXT_HSM, SBI_HSM_HART_START, 2, 0x1000, 0, 0, 0).error,
			 SBI_ERR_INVALID_ADDRESS);
	assert_int_equal(call(h0, SBI_EXT_HSM, SBI_HSM_HART_START, 2, ENTRY + 1, 0, 0, 0).error,
			 SBI_ERR_INVALID_ADDRESS);
	assert_int_equal(
	    call(h0, SBI_EXT_HSM, SBI_HSM_HART_START, 2, 0x80fffffe + 0x100, 0, 0, 0).error,
	    SBI_ERR_INVALID_ADDRESS);
	assert_true(atomic_load(&h2->halted));
	call_ok(h0, SBI_EXT_HSM, SBI_HSM_HART_START, 2, ENTRY + 0x40, 0xabcd);
	assert_false(atomic_load(&h2->halted));
	assert_int_equal(h2->pc, ENTRY + 0x40);
	assert_int_equal(h2->priv, PRIV_S);
	assert_int_equal(h2->x[10], 2);
	assert_int_equal(h2->x[11], 0xabcd);
	assert_s_entry(h2, ENTRY + 0x40);
	assert_int_equal(call_ok(h0, SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 2, 0, 0).value,
			 SBI_HSM_STATE_STARTED);
	assert_int_equal(call(h0, SBI_EXT_HSM, SBI_HSM_HART_START, 2, ENTRY, 0, 0, 0).error,
			 SBI_ERR_ALREADY_AVAILABLE);
	assert_int_equal(call(h0, SBI_EXT_HSM, SBI_HSM_HART_START, 0, ENTRY, 0, 0, 0).error,
			 SBI_ERR_ALREADY_AVAILABLE);
	/* hart_stop, with S-level state changed; the next start sets up a fresh entry again. */
	h2->satp = 8ull << 60;
	h2->mstatus |= MSTATUS_SIE | MSTATUS_SUM | MSTATUS_SPP;
	h2->mie = MIP_SSIP | MIP_STIP;
	h2->scounteren = 0;
	h2->sscratch = h2->stvec = 0x1234;
	h2->fflags = 0x1f;
	h2->f[3] = 42;
	h2->x[17] = SBI_EXT_HSM;
	h2->x[16] = SBI_HSM_HART_STOP;
	sbi_ecall(h2);
	assert_true(atomic_load(&h2->halted));
	assert_int_equal(call_ok(h0, SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 2, 0, 0).value,
			 SBI_HSM_STATE_STOPPED);
	call_ok(h0, SBI_EXT_HSM, SBI_HSM_HART_START, 2, ENTRY, 7);
	assert_int_equal(h2->pc, ENTRY);
	assert_int_equal(h2->x[11], 7);
	assert_s_entry(h2, ENTRY);
	assert_int_equal(call(h0, SBI_EXT_HSM, 4, 0, 0, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED);
}

static void test_hsm_suspend(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	struct hart *h0 = vm->harts[0], *h1 = vm->harts[1];
	pthread_t t;

	start_all(vm);
	/* Retentive: waits like WFI, then returns success. */
	call_ok(h1, SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, SBI_HSM_SUSPEND_RET_DEFAULT, 0, 0);
	assert_true(h1->wfi);
	assert_int_equal(call_ok(h0, SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 1, 0, 0).value,
			 SBI_HSM_STATE_SUSPENDED);
	/* Reserved and platform types, and a bad resume address, are refused. */
	h1->wfi = false;
	assert_int_equal(call(h1, SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 1, ENTRY, 0, 0, 0).error,
			 SBI_ERR_INVALID_PARAM);
	assert_int_equal(
	    call(h1, SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 0x90000000, ENTRY, 0, 0, 0).error,
	    SBI_ERR_INVALID_PARAM);
	assert_int_equal(call(h1, SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 0x80000000, 3, 0, 0, 0).error,
			 SBI_ERR_INVALID_ADDRESS);
	assert_false(h1->wfi);
	/*
	 * Non-retentive (passed sign-extended, as RV64 does): resumes at the address with a0/a1
	 * set and no interrupt taken first; the rest of the entry state is set on wake-up, since
	 * sie (here SSIE) says which interrupts end the suspend.
	 */
	h1->satp = 8ull << 60;
	h1->mstatus |= MSTATUS_SIE;
	h1->scounteren = 0;
	h1->sscratch = 5;
	h1->mie = MIP_SSIP;
	call(h1, SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 0xffffffff80000000ull, ENTRY + 0x100, 0x77, 0,
	     0);
	assert_int_equal(h1->pc, ENTRY + 0x100);
	assert_int_equal(h1->x[10], 1);
	assert_int_equal(h1->x[11], 0x77);
	assert_false(h1->mstatus & MSTATUS_SIE);
	assert_int_equal(h1->mie, MIP_SSIP);
	assert_true(h1->wfi);
	/* An interrupt (here an IPI; S interrupts are disabled) wakes it: STARTED again. */
	assert_int_equal(pthread_create(&t, NULL, idle_hart, h1), 0);
	usleep(20000);
	assert_int_equal(call_ok(h0, SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 1, 0, 0).value,
			 SBI_HSM_STATE_SUSPENDED);
	call_ok(h0, SBI_EXT_IPI, SBI_IPI_SEND_IPI, 2, 0, 0);
	for (int i = 0; i < 2000 && atomic_load(&h1->suspended); i++)
		usleep(1000);
	/* Stop it before looking: it now runs whatever is at ENTRY + 0x100 (zeros: traps). */
	vm_stop(vm, VM_POWEROFF, 0);
	pthread_join(t, NULL);
	assert_false(atomic_load(&h1->suspended));
	/* Those traps went to stvec = the resume address from S (so SPP), in the entry state. */
	assert_int_equal(h1->scause, EXC_ILLEGAL_INSN);
	assert_true(h1->mstatus & MSTATUS_SPP);
	h1->mstatus &= ~MSTATUS_SPP;
	assert_s_entry(h1, ENTRY + 0x100);
}

static void test_srst(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	struct hart *h = vm->harts[0];

	assert_int_equal(call(h, SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, 3, 0, 0, 0, 0).error,
			 SBI_ERR_INVALID_PARAM);
	assert_int_equal(call(h, SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, 0xf0000000, 0, 0, 0, 0).error,
			 SBI_ERR_INVALID_PARAM);
	assert_int_equal(call(h, SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, 0, 2, 0, 0, 0).error,
			 SBI_ERR_INVALID_PARAM);
	assert_int_equal(call(h, SBI_EXT_SRST, 1, 0, 0, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED);
	assert_int_equal(atomic_load(&vm->state), VM_RUNNING);
	call(h, SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, SBI_SRST_TYPE_SHUTDOWN,
	     SBI_SRST_REASON_SYSFAIL, 0, 0, 0);
	assert_int_equal(atomic_load(&vm->state), VM_FAIL);
	assert_int_equal(vm->exit_code, 1);
}

static void test_srst_kinds(void **state)
{
	static const struct {
		uint64_t type, reason;
		int state;
	} cases[] = {
	    {SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_NONE, VM_POWEROFF},
	    {SBI_SRST_TYPE_COLD_REBOOT, SBI_SRST_REASON_NONE, VM_RESET},
	    {SBI_SRST_TYPE_WARM_REBOOT, SBI_SRST_REASON_SYSFAIL, VM_RESET},
	    {SBI_EXT_0_1_SHUTDOWN, ~0ull, VM_POWEROFF}, /* legacy shutdown */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture *fx;
		struct hart *h;

		assert_int_equal(setup(state), 0);
		fx = *state;
		h = fx->vm->harts[0];
		if (cases[i].reason == ~0ull)
			legacy(h, SBI_EXT_0_1_SHUTDOWN, 0);
		else
			call(h, SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, cases[i].type, cases[i].reason,
			     0, 0, 0);
		assert_int_equal(atomic_load(&fx->vm->state), cases[i].state);
		teardown(state);
	}
}

/* Reads what the console sent so far, once the console output's thread has written it out. */
static size_t drain(struct fixture *fx, char *buf, size_t len)
{
	ssize_t n;

	assert_true(conout_flush(fx->vm->conout, 2000));
	n = read(fx->pipe[0], buf, len);
	return n < 0 ? 0 : (size_t)n;
}

/* Reads exactly len bytes of console output as it comes; fails if some never come. */
static void read_exactly(struct fixture *fx, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		/* Checked first: once nothing is queued, every byte is in the pipe already. */
		bool queued = conout_room(fx->vm->conout) < CONOUT_BUF;
		ssize_t n = read(fx->pipe[0], buf + got, len - got);

		if (n <= 0) {
			assert_true(queued);
			usleep(1000);
			continue;
		}
		got += (size_t)n;
	}
}

/*
 * A host reader that takes nothing: once the pipe and the output buffer are full, DBCN writes
 * are partial, then 0, and never block; the blocking byte writes leave pc on the ECALL (and a0
 * as it was) to run again, and go through once the reader catches up. Nothing is lost.
 */
static void test_dbcn_backpressure(void **state)
{
	struct fixture *fx = *state;
	struct hart *h = fx->vm->harts[0];
	static uint8_t buf[CONOUT_BUF + (1u << 20)];
	uint8_t *p = vm_ram_ptr(fx->vm, BUF, 4096);
	size_t filler = 0, total = 0;
	uint64_t v;
	ssize_t n;

	for (unsigned i = 0; i < 4096; i++)
		p[i] = (uint8_t)(i % 251);
	memset(buf, '-', 512);
	while ((n = write(fx->pipe[1], buf, 512)) > 0)
		filler += (size_t)n;
	while ((n = write(fx->pipe[1], buf, 1)) > 0)
		filler += (size_t)n;
	do {
		v = call_ok(h, SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE, 4096, BUF, 0).value;
		total += v;
	} while (v == 4096);
	assert_int_equal(total, CONOUT_BUF);
	assert_int_equal(call_ok(h, SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE, 4096, BUF, 0).value, 0);
	call(h, SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE_BYTE, '#', 0, 0, 0, 0);
	assert_int_equal(h->pc, 0x80201000);
	assert_int_equal(h->x[10], '#');
	h->x[17] = SBI_EXT_0_1_CONSOLE_PUTCHAR;
	h->x[10] = '%';
	assert_int_equal(sbi_ecall(h), 0);
	assert_int_equal(h->pc, 0x80201000);
	assert_int_equal(h->x[10], '%');
	/* The reader catches up: the filler, then every byte the writes took, in order. */
	assert_true(filler + total <= sizeof(buf));
	read_exactly(fx, buf, filler + total);
	for (size_t i = 0; i < total; i++)
		assert_int_equal(buf[filler + i], (i % 4096) % 251);
	call_ok(h, SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE_BYTE, '#', 0, 0);
	assert_int_equal(legacy(h, SBI_EXT_0_1_CONSOLE_PUTCHAR, '%'), 0);
	read_exactly(fx, buf, 2);
	assert_memory_equal(buf, "#%", 2);
}

static void test_dbcn(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	struct hart *h = vm->harts[0];
	uint64_t end = vm->ram_base + vm->ram_size;
	char out[64];
	uint8_t *p;

	memcpy(vm_ram_ptr(vm, BUF, 6), "hello!", 6);
	assert_int_equal(call_ok(h, SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE, 5, BUF, 0).value, 5);
	assert_int_equal(drain(fx, out, sizeof(out)), 5);
	assert_memory_equal(out, "hello", 5);
	call_ok(h, SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE_BYTE, 0x100 | '#', 0, 0);
	assert_int_equal(legacy(h, SBI_EXT_0_1_CONSOLE_PUTCHAR, '%'), 0);
	assert_int_equal(drain(fx, out, sizeof(out)), 2);
	assert_memory_equal(out, "#%", 2);
	/* Buffers must lie wholly in RAM; base_addr_hi must be 0 on RV64. */
	assert_int_equal(call(h, SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE, 4, end - 2, 0, 0, 0).error,
			 SBI_ERR_INVALID_PARAM);
	assert_int_equal(
	    call(h, SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE, 4, 0x10000000, 0, 0, 0).error,
	    SBI_ERR_INVALID_PARAM);
	assert_int_equal(call(h, SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE, 4, BUF, 1, 0, 0).error,
			 SBI_ERR_INVALID_PARAM);
	assert_int_equal(call(h, SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE, ~0ull, BUF, 0, 0, 0).error,
			 SBI_ERR_INVALID_PARAM);
	assert_int_equal(call(h, SBI_EXT_DBCN, SBI_DBCN_CONSOLE_READ, 2, end - 1, 0, 0, 0).error,
			 SBI_ERR_INVALID_PARAM);
	assert_int_equal(call(h, SBI_EXT_DBCN, 3, 0, 0, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED);
	assert_int_equal(drain(fx, out, sizeof(out)), 0);
	/* Reads take what the UART received; into a page with decoded code, which goes stale. */
	p = vm_ram_ptr(vm, BUF, 8);
	memset(p, 0, 8);
	assert_int_equal(call_ok(h, SBI_EXT_DBCN, SBI_DBCN_CONSOLE_READ, 8, BUF, 0).value, 0);
	assert_int_equal(legacy(h, SBI_EXT_0_1_CONSOLE_GETCHAR, 0), -1);
	assert_true(uart16550_receive(vm->console, 'a'));
	assert_true(uart16550_receive(vm->console, 'b'));
	assert_true(uart16550_receive(vm->console, 'c'));
	atomic_store(&vm->code_pages[(BUF - vm->ram_base) >> VM_PAGE_SHIFT], 1);
	assert_int_equal(call_ok(h, SBI_EXT_DBCN, SBI_DBCN_CONSOLE_READ, 2, BUF, 0).value, 2);
	assert_memory_equal(p, "ab\0", 3);
	assert_int_equal(atomic_load(&vm->code_gen[(BUF - vm->ram_base) >> VM_PAGE_SHIFT]), 1);
	assert_int_equal(atomic_load(&vm->code_pages[(BUF - vm->ram_base) >> VM_PAGE_SHIFT]), 0);
	assert_int_equal(legacy(h, SBI_EXT_0_1_CONSOLE_GETCHAR, 0), 'c');
	assert_int_equal(legacy(h, SBI_EXT_0_1_CONSOLE_GETCHAR, 0), -1);
}

/* A hart state with one field changed must be refused, the hart left as it was. */
static void expect_bad_hsm(struct hart *h, const struct hart_state *good, struct hart_state *bad)
{
	struct hart_state now;

	assert_int_equal(hart_load(h, bad), -EINVAL);
	hart_save(h, &now);
	assert_memory_equal(&now, good, sizeof(now));
	*bad = *good;
}

/*
 * The SBI's per-hart state (HSM: stopped, suspended, non-retentive resume address and opaque)
 * lives in the hart state: it round-trips into a fresh VM, and impossible combinations are
 * refused by hart_load.
 */
static void test_hsm_state(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm, *vm2, *vm3;
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = NHARTS};
	struct hart_state s1, s2, bad;
	struct hart *h1 = vm->harts[1];

	assert_int_equal(vm_create(&vm2, &cfg), 0);
	sbi_boot(vm2, ENTRY, FDT);
	/* STOPPED (a secondary hart after boot). */
	hart_save(h1, &s1);
	assert_int_equal(s1.halted, 1);
	assert_int_equal(hart_load(vm2->harts[1], &s1), 0);
	hart_save(vm2->harts[1], &s2);
	assert_memory_equal(&s1, &s2, sizeof(s1));
	/* Without the built-in SBI no hart is stopped by it. */
	assert_int_equal(vm_create(&vm3, &cfg), 0);
	assert_int_equal(hart_load(vm3->harts[1], &s1), -EINVAL);
	vm_destroy(vm3);
	/* SUSPENDED, non-retentive: resume address in pc, opaque in a1. */
	start_all(vm);
	call(h1, SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, SBI_HSM_SUSPEND_NON_RET_DEFAULT, ENTRY + 0x100,
	     0x77, 0, 0);
	hart_save(h1, &s1);
	assert_int_equal(s1.suspended, 1);
	assert_int_equal(s1.sbi_resume, 1);
	assert_int_equal(s1.pc, ENTRY + 0x100);
	assert_int_equal(s1.x[11], 0x77);
	assert_int_equal(hart_load(vm2->harts[1], &s1), 0);
	hart_save(vm2->harts[1], &s2);
	assert_memory_equal(&s1, &s2, sizeof(s1));
	bad = s1;
	bad.halted = 1; /* stopped and suspended at once */
	expect_bad_hsm(vm2->harts[1], &s1, &bad);
	bad.suspended = 0; /* a resume address without a suspend */
	expect_bad_hsm(vm2->harts[1], &s1, &bad);
	bad.pc = ENTRY + 0x101; /* not 2-byte aligned */
	expect_bad_hsm(vm2->harts[1], &s1, &bad);
	bad.pc = 0x1000; /* not in RAM */
	expect_bad_hsm(vm2->harts[1], &s1, &bad);
	bad.mstatus |= MSTATUS_SIE; /* taken with interrupts off until the wake-up */
	expect_bad_hsm(vm2->harts[1], &s1, &bad);
	bad.priv = PRIV_M; /* HSM suspend is an S-mode call */
	expect_bad_hsm(vm2->harts[1], &s1, &bad);
	/* Retentive suspend: no resume address to check; STARTED again after a load of that. */
	bad.sbi_resume = 0;
	assert_int_equal(hart_load(vm2->harts[1], &bad), 0);
	bad.suspended = 0;
	assert_int_equal(hart_load(vm2->harts[1], &bad), 0);
	/* sbi_boot is the SBI's reset: back to STOPPED. */
	sbi_boot(vm2, ENTRY, FDT);
	hart_save(vm2->harts[1], &s2);
	assert_int_equal(s2.halted, 1);
	assert_int_equal(s2.suspended, 0);
	assert_int_equal(s2.sbi_resume, 0);
	vm_destroy(vm2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_boot_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_base, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ipi, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_legacy_ipi, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ipi_vs_csr_rmw, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rfence, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rfence_mutual, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hsm, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hsm_suspend, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hsm_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_srst, setup, teardown),
	    cmocka_unit_test(test_srst_kinds),
	    cmocka_unit_test_setup_teardown(test_dbcn, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dbcn_backpressure, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
