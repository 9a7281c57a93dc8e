/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A hart's architectural state apart from its runtime (TLBs, decode cache, locks): save,
 * and load with every field checked against what the CSRs could hold (priv spec chapter 3,
 * WARL fields), so that a hostile state file cannot put the hart where no guest could.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "core/vm.h"
#include "cpu/csr.h"
#include "cpu/decode.h"
#include "cpu/hart.h"
#include "fw/sbi.h"

_Static_assert(sizeof(struct hart_state) ==
		   8 * (32 + 32 + 1 + 2 + 7 + 5 + 2 + 6 + 2 + PMP_COUNT + 3) + 4 * 4 + PMP_COUNT +
		       8,
	       "struct hart_state must have no padding");

/* misa of this implementation: RV64 with I, M, A, F, D, C, S, U (fixed: misa is not writable). */
#define MISA_RV64GC                                                                                \
	((2ull << 62) | (1u << ('I' - 'A')) | (1u << ('M' - 'A')) | (1u << ('A' - 'A')) |          \
	 (1u << ('F' - 'A')) | (1u << ('D' - 'A')) | (1u << ('C' - 'A')) | (1u << ('S' - 'A')) |   \
	 (1u << ('U' - 'A')))

/* mstatus bits that can be set: the writable ones, SD (derived) and UXL = SXL = 2 (fixed). */
#define MSTATUS_LEGAL (MSTATUS_WMASK | MSTATUS_SD | MSTATUS_UXL | MSTATUS_SXL)
#define MSTATUS_FIXED ((2ull << 32) | (2ull << 34))

void hart_save(const struct hart *h, struct hart_state *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->x, h->x, sizeof(s->x));
	s->x[0] = 0;
	memcpy(s->f, h->f, sizeof(s->f));
	s->pc = h->pc;
	s->priv = h->priv;
	s->resv_addr = h->resv_addr;
	s->resv_val = h->resv_val;
	s->mstatus = h->mstatus;
	s->misa = h->misa;
	s->medeleg = h->medeleg;
	s->mideleg = h->mideleg;
	s->mie = h->mie;
	s->mip = __atomic_load_n(&h->mip, __ATOMIC_ACQUIRE);
	s->mip_hw = atomic_load_explicit((_Atomic uint64_t *)&h->mip_hw, memory_order_acquire);
	s->mtvec = h->mtvec;
	s->mscratch = h->mscratch;
	s->mepc = h->mepc;
	s->mcause = h->mcause;
	s->mtval = h->mtval;
	s->menvcfg = h->menvcfg;
	s->senvcfg = h->senvcfg;
	s->stvec = h->stvec;
	s->sscratch = h->sscratch;
	s->sepc = h->sepc;
	s->scause = h->scause;
	s->stval = h->stval;
	s->satp = h->satp;
	s->stimecmp = h->stimecmp;
	s->mtimecmp = h->mtimecmp;
	memcpy(s->pmpaddr, h->pmpaddr, sizeof(s->pmpaddr));
	memcpy(s->pmpcfg, h->pmpcfg, sizeof(s->pmpcfg));
	s->instret = h->instret;
	s->mcycle_off = h->mcycle_off;
	s->minstret_off = h->minstret_off;
	s->mcounteren = h->mcounteren;
	s->scounteren = h->scounteren;
	s->mcountinhibit = h->mcountinhibit;
	s->frm = h->frm;
	s->fflags = h->fflags;
	s->wfi = h->wfi;
	s->halted = atomic_load_explicit((_Atomic bool *)&h->halted, memory_order_acquire);
	s->suspended = atomic_load_explicit((_Atomic bool *)&h->suspended, memory_order_acquire);
	s->sbi_resume = h->sbi_resume;
}

/* An xtvec value: mode 0 (direct) or 1 (vectored) (priv spec 3.1.7). */
static bool tvec_ok(uint64_t v)
{
	return (v & 3) <= 1;
}

/* A satp value the CSR can hold: a supported MODE and no bits outside MODE/ASID/PPN. */
static bool satp_ok(uint64_t v)
{
	unsigned mode = v >> SATP_MODE_SHIFT;

	if (mode != SATP_BARE && mode != SATP_SV39 && mode != SATP_SV48 && mode != SATP_SV57)
		return false;
	return !(v & ~((0xfull << SATP_MODE_SHIFT) | SATP_ASID_MASK | SATP_PPN_MASK));
}

/* pmpcfg: R=0 with W=1 is reserved (priv spec 3.7.1); bits 5-6 are zero. */
static bool pmpcfg_ok(uint8_t c)
{
	return !((c & PMP_W) && !(c & PMP_R)) && !(c & 0x60);
}

/* The checks on privilege and status registers; true when every field is legal. */
static bool hart_state_csrs_ok(const struct hart_state *s)
{
	unsigned mpp = (unsigned)((s->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT);

	if (s->priv != PRIV_U && s->priv != PRIV_S && s->priv != PRIV_M)
		return false;
	if ((s->mstatus & ~MSTATUS_LEGAL) ||
	    (s->mstatus & (MSTATUS_UXL | MSTATUS_SXL)) != MSTATUS_FIXED || mpp == 2)
		return false;
	if (s->misa != MISA_RV64GC || (s->medeleg & ~MEDELEG_WMASK) || (s->mideleg & ~S_IRQS))
		return false;
	/* mip: software may hold SSIP/STIP/SEIP; devices drive the M lines and SEIP. */
	if ((s->mie & ~ALL_IRQS) || (s->mip & ~S_IRQS) ||
	    (s->mip_hw & ~(MIP_MSIP | MIP_MTIP | MIP_MEIP | MIP_SEIP)))
		return false;
	if (!tvec_ok(s->mtvec) || !tvec_ok(s->stvec) || !satp_ok(s->satp))
		return false;
	/* IALIGN is 16 with C: xepc bit 0 is always zero (priv spec 3.1.14). */
	if ((s->mepc & 1) || (s->sepc & 1) || (s->pc & 1))
		return false;
	if ((s->menvcfg & ~(ENVCFG_FIOM | MENVCFG_STCE)) || (s->senvcfg & ~ENVCFG_FIOM))
		return false;
	return true;
}

/* The checks on the other fields; true when every one is legal for a hart of vm. */
static bool hart_state_rest_ok(const struct vm *vm, const struct hart_state *s)
{
	if (s->x[0] != 0 || s->frm > 7 || (s->fflags & ~0x1fu))
		return false;
	for (unsigned i = 0; i < PMP_COUNT; i++) {
		if (!pmpcfg_ok(s->pmpcfg[i]) || (s->pmpaddr[i] & ~PMPADDR_MASK))
			return false;
	}
	/* A reservation is an aligned word or doubleword in RAM, or none. */
	if (s->resv_addr != ~0ull && ((s->resv_addr & 3) || !vm_ram_ptr(vm, s->resv_addr, 4)))
		return false;
	if (s->wfi > 1 || s->halted > 1 || s->suspended > 1 || s->sbi_resume > 1 ||
	    !sbi_hart_state_ok(vm, s))
		return false;
	return !s->reserved[0] && !s->reserved[1];
}

int hart_load(struct hart *h, const struct hart_state *s)
{
	if (!hart_state_csrs_ok(s) || !hart_state_rest_ok(h->vm, s))
		return -EINVAL;
	memcpy(h->x, s->x, sizeof(s->x));
	h->x[32] = 0;
	memcpy(h->f, s->f, sizeof(s->f));
	h->pc = s->pc;
	h->priv = s->priv;
	h->resv_addr = s->resv_addr;
	h->resv_val = s->resv_val;
	h->mstatus = s->mstatus;
	h->misa = s->misa;
	h->medeleg = s->medeleg;
	h->mideleg = s->mideleg;
	h->mie = s->mie;
	__atomic_store_n(&h->mip, s->mip, __ATOMIC_RELEASE);
	atomic_store_explicit(&h->mip_hw, s->mip_hw, memory_order_release);
	h->mtvec = s->mtvec;
	h->mscratch = s->mscratch;
	h->mepc = s->mepc;
	h->mcause = s->mcause;
	h->mtval = s->mtval;
	h->menvcfg = s->menvcfg;
	h->senvcfg = s->senvcfg;
	h->stvec = s->stvec;
	h->sscratch = s->sscratch;
	h->sepc = s->sepc;
	h->scause = s->scause;
	h->stval = s->stval;
	h->satp = s->satp;
	h->stimecmp = s->stimecmp;
	h->mtimecmp = s->mtimecmp;
	memcpy(h->pmpaddr, s->pmpaddr, sizeof(h->pmpaddr));
	memcpy(h->pmpcfg, s->pmpcfg, sizeof(h->pmpcfg));
	h->instret = s->instret;
	h->mcycle_off = s->mcycle_off;
	h->minstret_off = s->minstret_off;
	h->mcounteren = s->mcounteren;
	h->scounteren = s->scounteren;
	h->mcountinhibit = s->mcountinhibit;
	h->frm = s->frm;
	h->fflags = s->fflags;
	h->wfi = s->wfi;
	atomic_store(&h->halted, s->halted != 0);
	atomic_store(&h->suspended, s->suspended != 0);
	h->sbi_resume = s->sbi_resume;
	/* Runtime state is rebuilt: no stale translation or decoded code survives a load. */
	hart_tlb_flush(h);
	hart_tlb_select(h);
	decode_cache_flush(h);
	atomic_fetch_or(&h->events, HART_EV_IRQ);
	return 0;
}
