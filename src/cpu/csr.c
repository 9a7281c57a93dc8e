/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Control and status registers (Zicsr, Zicntr, Sstc; priv spec chapters 2, 3 and 10), and
 * Sdtrig's trigger registers with no trigger behind them (debug spec 1.0 chapter 5).
 */
#include <stdatomic.h>
#include <string.h>

#include "core/vm.h"
#include "cpu/csr.h"
#include "cpu/hart.h"

/* CSR numbers (priv spec 2.2, tables 2.2-2.5; Sstc for stimecmp). */
enum {
	CSR_FFLAGS = 0x001,
	CSR_FRM = 0x002,
	CSR_FCSR = 0x003,
	CSR_SSTATUS = 0x100,
	CSR_SIE = 0x104,
	CSR_STVEC = 0x105,
	CSR_SCOUNTEREN = 0x106,
	CSR_SENVCFG = 0x10a,
	CSR_SSCRATCH = 0x140,
	CSR_SEPC = 0x141,
	CSR_SCAUSE = 0x142,
	CSR_STVAL = 0x143,
	CSR_SIP = 0x144,
	CSR_STIMECMP = 0x14d,
	CSR_SATP = 0x180,
	CSR_MSTATUS = 0x300,
	CSR_MISA = 0x301,
	CSR_MEDELEG = 0x302,
	CSR_MIDELEG = 0x303,
	CSR_MIE = 0x304,
	CSR_MTVEC = 0x305,
	CSR_MCOUNTEREN = 0x306,
	CSR_MENVCFG = 0x30a,
	CSR_MCOUNTINHIBIT = 0x320,
	CSR_MHPMEVENT3 = 0x323,
	CSR_MHPMEVENT31 = 0x33f,
	CSR_MSCRATCH = 0x340,
	CSR_MEPC = 0x341,
	CSR_MCAUSE = 0x342,
	CSR_MTVAL = 0x343,
	CSR_MIP = 0x344,
	CSR_PMPCFG0 = 0x3a0,
	CSR_PMPCFG15 = 0x3af,
	CSR_PMPADDR0 = 0x3b0,
	CSR_PMPADDR63 = 0x3ef,
	CSR_TSELECT = 0x7a0,
	CSR_TDATA1 = 0x7a1,
	CSR_TDATA2 = 0x7a2,
	CSR_TDATA3 = 0x7a3,
	CSR_TINFO = 0x7a4,
	CSR_MCYCLE = 0xb00,
	CSR_MINSTRET = 0xb02,
	CSR_MHPMCOUNTER3 = 0xb03,
	CSR_MHPMCOUNTER31 = 0xb1f,
	CSR_CYCLE = 0xc00,
	CSR_TIME = 0xc01,
	CSR_INSTRET = 0xc02,
	CSR_HPMCOUNTER31 = 0xc1f,
	CSR_MVENDORID = 0xf11,
	CSR_MARCHID = 0xf12,
	CSR_MIMPID = 0xf13,
	CSR_MHARTID = 0xf14,
	CSR_MCONFIGPTR = 0xf15,
};

/* Counter bits in mcounteren/scounteren/mcountinhibit (priv spec 3.1.11-3.1.13). */
#define CNT_CY (1u << 0)
#define CNT_TM (1u << 1)
#define CNT_IR (1u << 2)

static bool sstc_enabled(const struct hart *h)
{
	return h->menvcfg & MENVCFG_STCE;
}

uint64_t csr_mip(struct hart *h)
{
	/* Atomic: another hart's SBI send_ipi sets SSIP in mip (see mip_rmw). */
	uint64_t v = __atomic_load_n(&h->mip, __ATOMIC_ACQUIRE) |
		     atomic_load_explicit(&h->mip_hw, memory_order_acquire);

	/* Sstc: STIP reflects time >= stimecmp and software cannot write it. */
	if (sstc_enabled(h)) {
		v &= ~MIP_STIP;
		if (vm_time(h->vm) >= h->stimecmp)
			v |= MIP_STIP;
	}
	return v;
}

/* Asks the interpreter to re-evaluate pending interrupts after an enable/pending change. */
static void irq_recheck(struct hart *h)
{
	atomic_fetch_or_explicit(&h->events, HART_EV_IRQ, memory_order_relaxed);
}

static uint64_t mstatus_read(const struct hart *h)
{
	uint64_t v = h->mstatus & ~MSTATUS_SD;

	if ((v & MSTATUS_FS) == MSTATUS_FS || (v & MSTATUS_XS) == MSTATUS_XS ||
	    (v & MSTATUS_VS) == MSTATUS_VS)
		v |= MSTATUS_SD;
	return v;
}

/* Writes the bits of mask from val into mstatus, applying WARL rules and TLB side effects. */
static void mstatus_write(struct hart *h, uint64_t val, uint64_t mask)
{
	uint64_t old = h->mstatus;
	uint64_t v = (old & ~mask) | (val & mask);

	/* MPP is WARL: 2 (H) is not a supported mode, so the write leaves the field unchanged. */
	if (((v & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT) == 2)
		v = (v & ~MSTATUS_MPP) | (old & MSTATUS_MPP);
	v = (v & ~(MSTATUS_UXL | MSTATUS_SXL)) | (2ull << 32) | (2ull << 34);
	h->mstatus = v;
	h->mstatus = mstatus_read(h);
	if ((old ^ v) & (MSTATUS_SUM | MSTATUS_MXR))
		hart_tlb_flush(h);
	if ((old ^ v) & (MSTATUS_MPRV | MSTATUS_MPP))
		hart_tlb_select(h);
	if ((old ^ v) & (MSTATUS_MIE | MSTATUS_SIE))
		irq_recheck(h);
}

/* Whether the counter with index idx (0-31) may be read at the current privilege. */
static bool counter_allowed(const struct hart *h, unsigned idx)
{
	if (h->priv == PRIV_M)
		return true;
	if (!(h->mcounteren & (1u << idx)))
		return false;
	return h->priv == PRIV_S || (h->scounteren & (1u << idx));
}

/* mcycle (ir = false) or minstret (ir = true); while inhibited, the offset field is the value. */
static uint64_t counter_get(const struct hart *h, bool ir)
{
	uint64_t off = ir ? h->minstret_off : h->mcycle_off;

	if (h->mcountinhibit & (ir ? CNT_IR : CNT_CY))
		return off;
	return h->instret + off;
}

/*
 * Sets mcycle/minstret. The writing instruction retires after this (instret += 1), and the
 * next instruction must read the written value (ISA spec Zicntr), so one is subtracted.
 */
static void counter_set(struct hart *h, bool ir, uint64_t val)
{
	uint64_t *off = ir ? &h->minstret_off : &h->mcycle_off;

	if (h->mcountinhibit & (ir ? CNT_IR : CNT_CY))
		*off = val;
	else
		*off = val - (h->instret + 1);
}

static void countinhibit_write(struct hart *h, uint64_t val)
{
	uint64_t cy = counter_get(h, false), ir = counter_get(h, true);

	/* Only CY and IR are implemented; hpm counters are read-only zero (priv spec 3.1.13). */
	h->mcountinhibit = val & (CNT_CY | CNT_IR);
	h->mcycle_off = (h->mcountinhibit & CNT_CY) ? cy : cy - h->instret;
	h->minstret_off = (h->mcountinhibit & CNT_IR) ? ir : ir - h->instret;
}

/* Unprivileged counters cycle/time/instret/hpmcounterN (0xc00-0xc1f). */
static int counter_read(struct hart *h, unsigned num, uint64_t *val)
{
	unsigned idx = num - CSR_CYCLE;

	if (!counter_allowed(h, idx))
		return -1;
	if (num == CSR_CYCLE)
		*val = counter_get(h, false);
	else if (num == CSR_TIME)
		*val = vm_time(h->vm);
	else if (num == CSR_INSTRET)
		*val = counter_get(h, true);
	else
		*val = 0;
	return 0;
}

static int fp_read(const struct hart *h, unsigned num, uint64_t *val)
{
	if (hart_fs_off(h))
		return -1;
	if (num == CSR_FFLAGS)
		*val = h->fflags;
	else if (num == CSR_FRM)
		*val = h->frm;
	else
		*val = ((uint64_t)h->frm << 5) | h->fflags;
	return 0;
}

static int fp_write(struct hart *h, unsigned num, uint64_t val)
{
	if (hart_fs_off(h))
		return -1;
	if (num == CSR_FFLAGS) {
		h->fflags = val & 0x1f;
	} else if (num == CSR_FRM) {
		h->frm = val & 7;
	} else {
		h->fflags = val & 0x1f;
		h->frm = (val >> 5) & 7;
	}
	hart_fs_dirty(h);
	return 0;
}

static int pmp_read(const struct hart *h, unsigned num, uint64_t *val)
{
	if (num >= CSR_PMPADDR0) {
		unsigned i = num - CSR_PMPADDR0;
		*val = i < PMP_COUNT ? h->pmpaddr[i] : 0;
		return 0;
	}
	/* RV64: only even pmpcfg registers exist (priv spec 3.7.1). */
	if (num & 1)
		return -1;
	*val = 0;
	unsigned first = (num - CSR_PMPCFG0) * 4;
	for (unsigned i = 0; i < 8 && first + i < PMP_COUNT; i++)
		*val |= (uint64_t)h->pmpcfg[first + i] << (8 * i);
	return 0;
}

/* True when pmpaddr[i] may not be written: its entry is locked, or entry i+1 is a locked TOR. */
static bool pmpaddr_locked(const struct hart *h, unsigned i)
{
	if (h->pmpcfg[i] & PMP_L)
		return true;
	return i + 1 < PMP_COUNT && (h->pmpcfg[i + 1] & PMP_L) &&
	       (h->pmpcfg[i + 1] & PMP_A) == PMP_A_TOR;
}

static int pmp_write(struct hart *h, unsigned num, uint64_t val)
{
	if (num >= CSR_PMPADDR0) {
		unsigned i = num - CSR_PMPADDR0;
		if (i < PMP_COUNT && !pmpaddr_locked(h, i))
			h->pmpaddr[i] = val & PMPADDR_MASK;
		hart_tlb_flush(h);
		return 0;
	}
	if (num & 1)
		return -1;
	unsigned first = (num - CSR_PMPCFG0) * 4;
	for (unsigned i = 0; i < 8 && first + i < PMP_COUNT; i++) {
		uint8_t c = (val >> (8 * i)) & 0xff;
		if (h->pmpcfg[first + i] & PMP_L)
			continue;
		/* Bits 6:5 are WARL 0; W=1,R=0 is reserved, so W is dropped (priv spec 3.7.1). */
		c &= PMP_R | PMP_W | PMP_X | PMP_A | PMP_L;
		if ((c & (PMP_R | PMP_W)) == PMP_W)
			c &= ~PMP_W;
		h->pmpcfg[first + i] = c;
	}
	hart_tlb_flush(h);
	return 0;
}

/* Supervisor-level CSRs (0x1xx). */
static int s_read(struct hart *h, unsigned num, uint64_t *val)
{
	switch (num) {
	case CSR_SSTATUS:
		*val = mstatus_read(h) & SSTATUS_RMASK;
		return 0;
	case CSR_SIE:
		*val = h->mie & h->mideleg;
		return 0;
	case CSR_SIP:
		*val = csr_mip(h) & h->mideleg;
		return 0;
	case CSR_STVEC:
		*val = h->stvec;
		return 0;
	case CSR_SCOUNTEREN:
		*val = h->scounteren;
		return 0;
	case CSR_SENVCFG:
		*val = h->senvcfg;
		return 0;
	case CSR_SSCRATCH:
		*val = h->sscratch;
		return 0;
	case CSR_SEPC:
		*val = h->sepc;
		return 0;
	case CSR_SCAUSE:
		*val = h->scause;
		return 0;
	case CSR_STVAL:
		*val = h->stval;
		return 0;
	case CSR_STIMECMP:
		*val = h->stimecmp;
		return 0;
	case CSR_SATP:
		*val = h->satp;
		return 0;
	}
	return -1;
}

/* xtvec: modes 0 (direct) and 1 (vectored); reserved modes leave the register unchanged. */
static void tvec_write(uint64_t *tvec, uint64_t val)
{
	if ((val & 3) <= 1)
		*tvec = val;
}

static void satp_write(struct hart *h, uint64_t val)
{
	unsigned mode = val >> SATP_MODE_SHIFT;

	/* An unsupported MODE makes the whole write have no effect (priv spec 10.1.11). */
	if (mode != SATP_BARE && mode != SATP_SV39 && mode != SATP_SV48 && mode != SATP_SV57)
		return;
	h->satp = val & ((0xfull << SATP_MODE_SHIFT) | SATP_ASID_MASK | SATP_PPN_MASK);
	hart_tlb_flush(h);
}

static int s_write(struct hart *h, unsigned num, uint64_t val)
{
	switch (num) {
	case CSR_SSTATUS:
		mstatus_write(h, val, SSTATUS_WMASK);
		return 0;
	case CSR_SIE:
		h->mie = (h->mie & ~h->mideleg) | (val & h->mideleg & S_IRQS);
		irq_recheck(h);
		return 0;
	case CSR_STVEC:
		tvec_write(&h->stvec, val);
		return 0;
	case CSR_SCOUNTEREN:
		h->scounteren = (uint32_t)val;
		return 0;
	case CSR_SENVCFG:
		h->senvcfg = val & ENVCFG_FIOM;
		return 0;
	case CSR_SSCRATCH:
		h->sscratch = val;
		return 0;
	case CSR_SEPC:
		h->sepc = val & ~1ull;
		return 0;
	case CSR_SCAUSE:
		h->scause = val;
		return 0;
	case CSR_STVAL:
		h->stval = val;
		return 0;
	case CSR_STIMECMP:
		h->stimecmp = val;
		irq_recheck(h);
		return 0;
	case CSR_SATP:
		satp_write(h, val);
		return 0;
	}
	return -1;
}

/* Machine-level read/write CSRs (0x3xx). */
static int m_read(struct hart *h, unsigned num, uint64_t *val)
{
	switch (num) {
	case CSR_MSTATUS:
		*val = mstatus_read(h);
		return 0;
	case CSR_MISA:
		*val = h->misa;
		return 0;
	case CSR_MEDELEG:
		*val = h->medeleg;
		return 0;
	case CSR_MIDELEG:
		*val = h->mideleg;
		return 0;
	case CSR_MIE:
		*val = h->mie;
		return 0;
	case CSR_MIP:
		*val = csr_mip(h);
		return 0;
	case CSR_MTVEC:
		*val = h->mtvec;
		return 0;
	case CSR_MCOUNTEREN:
		*val = h->mcounteren;
		return 0;
	case CSR_MENVCFG:
		*val = h->menvcfg;
		return 0;
	case CSR_MCOUNTINHIBIT:
		*val = h->mcountinhibit;
		return 0;
	case CSR_MSCRATCH:
		*val = h->mscratch;
		return 0;
	case CSR_MEPC:
		*val = h->mepc;
		return 0;
	case CSR_MCAUSE:
		*val = h->mcause;
		return 0;
	case CSR_MTVAL:
		*val = h->mtval;
		return 0;
	}
	if (num >= CSR_MHPMEVENT3 && num <= CSR_MHPMEVENT31) {
		*val = 0;
		return 0;
	}
	if (num >= CSR_PMPCFG0 && num <= CSR_PMPADDR63)
		return pmp_read(h, num, val);
	return -1;
}

/*
 * CSRRW/RS/RC on mip or sip. The built-in SBI's send_ipi sets SSIP from another hart's thread
 * at any time, so the read-modify-write of the software bits is one compare-and-swap: an IPI
 * landing between the CSR read and write is neither lost nor missing from the old value.
 * RS/RC use the software SEIP bit, not the device line (priv spec 3.1.9).
 */
static void mip_rmw(struct hart *h, unsigned num, enum csr_op op, uint64_t src, uint64_t *old)
{
	/* M may write SSIP, STIP and SEIP; STIP belongs to the timer when Sstc is on. */
	uint64_t mask = S_IRQS, cur, next;

	if (sstc_enabled(h))
		mask &= ~MIP_STIP;
	/* Only SSIP is writable through sip, and only when delegated (priv spec 10.1.3). */
	if (num == CSR_SIP)
		mask = MIP_SSIP & h->mideleg;
	cur = __atomic_load_n(&h->mip, __ATOMIC_ACQUIRE);
	do {
		if (op == CSR_OP_RW)
			next = (cur & ~mask) | (src & mask);
		else if (op == CSR_OP_RS)
			next = cur | (src & mask);
		else
			next = cur & ~(src & mask);
	} while (!__atomic_compare_exchange_n(&h->mip, &cur, next, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	/* Other harts only ever set bits, so the value read earlier lacks at most those. */
	*old |= cur & mask;
	irq_recheck(h);
}

static int m_write(struct hart *h, unsigned num, uint64_t val)
{
	switch (num) {
	case CSR_MSTATUS:
		mstatus_write(h, val, MSTATUS_WMASK);
		return 0;
	case CSR_MISA:
		return 0; /* WARL: the extension set is fixed. */
	case CSR_MEDELEG:
		h->medeleg = val & MEDELEG_WMASK;
		return 0;
	case CSR_MIDELEG:
		h->mideleg = val & S_IRQS;
		irq_recheck(h);
		return 0;
	case CSR_MIE:
		h->mie = val & ALL_IRQS;
		irq_recheck(h);
		return 0;
	case CSR_MTVEC:
		tvec_write(&h->mtvec, val);
		return 0;
	case CSR_MCOUNTEREN:
		h->mcounteren = (uint32_t)val;
		return 0;
	case CSR_MENVCFG:
		h->menvcfg = val & (ENVCFG_FIOM | MENVCFG_STCE);
		irq_recheck(h);
		return 0;
	case CSR_MCOUNTINHIBIT:
		countinhibit_write(h, val);
		return 0;
	case CSR_MSCRATCH:
		h->mscratch = val;
		return 0;
	case CSR_MEPC:
		h->mepc = val & ~1ull;
		return 0;
	case CSR_MCAUSE:
		h->mcause = val;
		return 0;
	case CSR_MTVAL:
		h->mtval = val;
		return 0;
	}
	if (num >= CSR_MHPMEVENT3 && num <= CSR_MHPMEVENT31)
		return 0;
	if (num >= CSR_PMPCFG0 && num <= CSR_PMPADDR63)
		return pmp_write(h, num, val);
	return -1;
}

/* Machine counters (0xb00-0xb1f) and the read-only machine information registers. */
static int mcounter_read(const struct hart *h, unsigned num, uint64_t *val)
{
	switch (num) {
	case CSR_MCYCLE:
		*val = counter_get(h, false);
		return 0;
	case CSR_MINSTRET:
		*val = counter_get(h, true);
		return 0;
	case CSR_MVENDORID:
	case CSR_MARCHID:
	case CSR_MIMPID:
	case CSR_MCONFIGPTR:
		*val = 0;
		return 0;
	case CSR_MHARTID:
		*val = h->id;
		return 0;
	}
	if (num >= CSR_MHPMCOUNTER3 && num <= CSR_MHPMCOUNTER31) {
		*val = 0;
		return 0;
	}
	return -1;
}

/*
 * Sdtrig with zero triggers (debug spec 1.0, 5.7): tselect is WARL and only 0 is legal, so it
 * reads 0 whatever is written; tdata1 reads type 0 ("no trigger at this tselect") and
 * tdata2/3 read 0, writes ignored; tinfo reads 1, the value for a trigger that does not
 * exist. Software (riscv-tests, OpenSBI, Linux) probes this way and finds no triggers.
 */
static int trigger_read(unsigned num, uint64_t *val)
{
	switch (num) {
	case CSR_TSELECT:
	case CSR_TDATA1:
	case CSR_TDATA2:
	case CSR_TDATA3:
		*val = 0;
		return 0;
	case CSR_TINFO:
		*val = 1;
		return 0;
	}
	return -1;
}

/* Reads num after the privilege checks; also checks the CSR-specific access rules. */
static int csr_read(struct hart *h, unsigned num, uint64_t *val)
{
	if (num >= CSR_FFLAGS && num <= CSR_FCSR)
		return fp_read(h, num, val);
	if (num >= CSR_CYCLE && num <= CSR_HPMCOUNTER31)
		return counter_read(h, num, val);
	/* Sstc: S-mode access needs menvcfg.STCE and mcounteren.TM. */
	if (num == CSR_STIMECMP && h->priv < PRIV_M &&
	    (!sstc_enabled(h) || !(h->mcounteren & CNT_TM)))
		return -1;
	/* mstatus.TVM traps S-mode satp accesses (priv spec 3.1.6.5). */
	if (num == CSR_SATP && h->priv == PRIV_S && (h->mstatus & MSTATUS_TVM))
		return -1;
	switch (num >> 8) {
	case 0x1:
		return s_read(h, num, val);
	case 0x3:
		return m_read(h, num, val);
	case 0x7:
		return trigger_read(num, val);
	case 0xb:
	case 0xf:
		return mcounter_read(h, num, val);
	}
	return -1;
}

static int csr_write(struct hart *h, unsigned num, uint64_t val)
{
	if (num >= CSR_FFLAGS && num <= CSR_FCSR)
		return fp_write(h, num, val);
	switch (num >> 8) {
	case 0x1:
		return s_write(h, num, val);
	case 0x3:
		return m_write(h, num, val);
	case 0x7:
		/* csr_read() accepted num: a trigger register, whose writes are all ignored. */
		return 0;
	}
	if (num == CSR_MCYCLE || num == CSR_MINSTRET) {
		counter_set(h, num == CSR_MINSTRET, val);
		return 0;
	}
	/* mhpmcounter3-31 are read-only zero (writes ignored, priv spec 3.1.10). */
	if (num >= CSR_MHPMCOUNTER3 && num <= CSR_MHPMCOUNTER31)
		return 0;
	return -1;
}

int csr_access(struct hart *h, unsigned num, enum csr_op op, uint64_t src, bool do_read,
	       bool do_write, uint64_t *old)
{
	uint64_t val;

	(void)do_read; /* no CSR here has read side effects */
	num &= 0xfff;
	/* Bits 9:8 give the lowest privilege; bits 11:10 == 3 mark read-only (priv spec 2.1). */
	if (h->priv < ((num >> 8) & 3))
		return -1;
	if (do_write && (num >> 10) == 3)
		return -1;
	if (csr_read(h, num, &val))
		return -1;
	*old = val;
	if (!do_write)
		return 0;
	if (num == CSR_MIP || num == CSR_SIP) {
		mip_rmw(h, num, op, src, old);
		return 0;
	}
	switch (op) {
	case CSR_OP_RW:
		return csr_write(h, num, src);
	case CSR_OP_RS:
		return csr_write(h, num, val | src);
	case CSR_OP_RC:
		return csr_write(h, num, val & ~src);
	}
	return -1;
}
