/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Vireo's built-in SBI firmware (RISC-V SBI spec v2.0): BASE, TIME, IPI, RFENCE, HSM, SRST,
 * DBCN and the legacy v0.1 calls, served directly for ECALLs from S-mode. There is no M-mode
 * guest code: the M-level state a firmware would own is set whenever a hart enters S-mode
 * (boot, HSM hart_start, non-retentive resume), as OpenSBI sets it then (enter_s).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/vm.h"
#include "cpu/access.h"
#include "cpu/hart.h"
#include "dev/devices.h"
#include "fw/sbi.h"
#include "host/conout.h"

/* Harts are selected through a 64-bit set. */
_Static_assert(VM_MAX_HARTS <= 64, "hart sets are 64-bit masks");

/*
 * medeleg: every exception S-mode handles itself; ECALL from S (9) is served here. OpenSBI
 * delegates fewer (0xb109) and sends the rest to S through its M-mode handler after trying
 * to emulate them; with no M-mode code here, delegating them is what S gets to see.
 */
#define SBI_MEDELEG                                                                                \
	((1ull << EXC_INSN_MISALIGNED) | (1ull << EXC_INSN_ACCESS) | (1ull << EXC_ILLEGAL_INSN) |  \
	 (1ull << EXC_BREAKPOINT) | (1ull << EXC_LOAD_MISALIGNED) | (1ull << EXC_LOAD_ACCESS) |    \
	 (1ull << EXC_STORE_MISALIGNED) | (1ull << EXC_STORE_ACCESS) | (1ull << EXC_ECALL_U) |     \
	 (1ull << EXC_INSN_PAGE_FAULT) | (1ull << EXC_LOAD_PAGE_FAULT) |                           \
	 (1ull << EXC_STORE_PAGE_FAULT))
#define SBI_MIDELEG (MIP_SSIP | MIP_STIP | MIP_SEIP)

/*
 * menvcfg (priv spec 3.1.18) as OpenSBI 1.x sets it: STCE, since Sstc is implemented. It also
 * asks for CBIE/CBCFE/CBZE and PBMTE, which stay 0 here (WARL: no Zicbom, Zicboz, Svpbmt).
 */
#define SBI_MENVCFG MENVCFG_STCE

/* scounteren (priv spec 10.1.5): OpenSBI lets U-mode read cycle, time and instret (CY|TM|IR). */
#define SBI_SCOUNTEREN 7u

/* PMP entry 0: NAPOT over the whole physical address space, RWX (priv spec 3.7.1). */
#define SBI_PMPCFG0 (PMP_A | PMP_X | PMP_W | PMP_R)
#define SBI_PMPADDR0 ((1ull << 54) - 1)

/* Longest DBCN write done in one call; the spec lets it write less (SBI spec 12.1). */
#define SBI_CONSOLE_CHUNK 4096u
/*
 * How long a console write waits for room in a full output buffer before it returns (DBCN
 * write: a count of 0) or runs the ECALL again (the blocking byte writes), so that the hart
 * still takes interrupts and stops when the VM does.
 */
#define SBI_CONSOLE_WAIT_MS 10

/* The SBI return pair; noreg means the call set the hart's registers and pc itself. */
struct sbiret {
	int64_t error;
	uint64_t value;
	bool noreg;
};

static struct sbiret ok(uint64_t value)
{
	return (struct sbiret){.error = SBI_SUCCESS, .value = value};
}

static struct sbiret err(int64_t error)
{
	return (struct sbiret){.error = error};
}

/* Every hart of the VM as a set. */
static uint64_t all_harts(const struct vm *vm)
{
	return vm->nharts >= 64 ? ~0ull : (1ull << vm->nharts) - 1;
}

/*
 * hart_mask/hart_mask_base (SBI spec 3.1): bit i selects hart base + i, and base = -1 selects
 * every hart. Any selected id that does not exist makes the call invalid.
 */
static int64_t hart_set(const struct vm *vm, uint64_t mask, uint64_t base, uint64_t *set)
{
	*set = 0;
	if (base == ~0ull) {
		*set = all_harts(vm);
		return SBI_SUCCESS;
	}
	for (; mask; mask &= mask - 1) {
		unsigned i = (unsigned)__builtin_ctzll(mask);

		if (base >= vm->nharts || i >= vm->nharts - base)
			return SBI_ERR_INVALID_PARAM;
		*set |= 1ull << (base + i);
	}
	return SBI_SUCCESS;
}

/* A start/resume address S-mode can execute: in RAM and 2-byte aligned (IALIGN 16 with C). */
static bool exec_addr_ok(const struct vm *vm, uint64_t addr)
{
	return !(addr & 1) && vm_ram_ptr(vm, addr, 2) != NULL;
}

/* Sets SSIP on every started hart of set and kicks it (SBI spec 7.1); other threads race us. */
static void send_ipis(struct vm *vm, uint64_t set)
{
	for (unsigned i = 0; i < vm->nharts; i++) {
		struct hart *t = vm->harts[i];

		if (!(set >> i & 1) || atomic_load(&t->halted))
			continue;
		__atomic_fetch_or(&t->mip, MIP_SSIP, __ATOMIC_ACQ_REL);
		hart_kick(t, HART_EV_IRQ);
	}
}

/*
 * Remote fences (SBI spec 8): the caller flushes itself; other running harts are asked
 * first, all at once, then waited for, so the fence is done everywhere when the call returns.
 * tlb selects sfence.vma (a full TLB flush covers any range or ASID) over fence.i.
 */
static void remote_fence(struct hart *h, uint64_t set, bool tlb)
{
	struct vm *vm = h->vm;
	uint32_t ev = tlb ? HART_EV_TLB_FLUSH : HART_EV_IRQ;
	uint64_t ticket[VM_MAX_HARTS] = {0};
	uint64_t asked = 0;

	for (unsigned i = 0; i < vm->nharts; i++) {
		struct hart *t = vm->harts[i];

		if (!(set >> i & 1))
			continue;
		if (t == h) {
			/* fence.i: the ECALL ends the block, so decoded pages get re-checked. */
			if (tlb)
				hart_tlb_flush(h);
		} else if (!atomic_load(&t->halted)) {
			ticket[i] = hart_fence_request(t, ev);
			asked |= 1ull << i;
		}
	}
	for (unsigned i = 0; i < vm->nharts; i++) {
		if (asked >> i & 1)
			hart_fence_wait(h, vm->harts[i], ticket[i]);
	}
}

/*
 * Queues up to len bytes in the VM's console output buffer (src/host/conout.c), which never
 * blocks on the host's reader; returns how many fit, 0 when it stayed full for
 * SBI_CONSOLE_WAIT_MS.
 */
static size_t console_out(struct vm *vm, const uint8_t *buf, size_t len)
{
	size_t n = conout_write(vm->conout, buf, len);

	if (!n && len && conout_wait_room(vm->conout, 1, SBI_CONSOLE_WAIT_MS))
		n = conout_write(vm->conout, buf, len);
	return n;
}

/*
 * The blocking single-byte writes (DBCN write_byte, SBI spec 12.3; legacy putchar, 5.2): true
 * once the byte is queued. False while a slow reader keeps the buffer full: the caller leaves
 * pc on the ECALL so that it runs again, which blocks the guest as the spec says but not the
 * hart's thread, and the output is not lost.
 */
static bool console_putc(struct vm *vm, uint8_t c)
{
	return console_out(vm, &c, 1) == 1;
}

/* Takes up to len received bytes from the console UART; the count (0 without a UART). */
static size_t console_in(struct vm *vm, uint8_t *buf, size_t len)
{
	int n;

	if (!vm->console || !len)
		return 0;
	n = uart16550_take(vm->console, buf, len);
	return n > 0 ? (size_t)n : 0;
}

/* Where and with what a hart enters S-mode: pc, a0, a1. */
struct s_entry {
	uint64_t pc, a0, a1;
};

/*
 * The firmware's part of a hart init, as OpenSBI's sbi_hart_init() does it on every boot,
 * hart_start and non-retentive resume: trap delegation, counters for S and (cycle, time,
 * instret) for U, Sstc, PMP open to S, no M-level interrupt enabled, FP on with every
 * register and fcsr 0. mstatus holds only FS, written whole, which makes it Dirty.
 */
static void hart_fw_init(struct hart *h)
{
	h->medeleg = SBI_MEDELEG;
	h->mideleg = SBI_MIDELEG;
	h->mie = 0;
	h->mcounteren = ~0u;
	h->scounteren = SBI_SCOUNTEREN;
	h->menvcfg = SBI_MENVCFG;
	h->pmpaddr[0] = SBI_PMPADDR0;
	h->pmpcfg[0] = SBI_PMPCFG0;
	/* UXL = SXL = 64 are read-only (hart_reset). */
	h->mstatus = (h->mstatus & (MSTATUS_UXL | MSTATUS_SXL)) | MSTATUS_FS | MSTATUS_SD;
	memset(h->f, 0, sizeof(h->f));
	h->frm = h->fflags = 0;
}

/*
 * Enters S-mode as OpenSBI's sbi_hart_switch_mode() leaves a hart after its init: its MRET
 * (priv spec 3.3.2) leaves MPP = U and MPIE = 1, and stvec = the entry, sscratch = 0,
 * sie = 0 (done by hart_fw_init's mie = 0) and satp = 0 (SBI spec 9.1, Linux boot protocol).
 * entry is a struct s_entry; the signature is hart_start()'s callback.
 */
static void enter_s(struct hart *h, const void *entry)
{
	const struct s_entry *e = entry;

	hart_fw_init(h);
	h->mstatus |= MSTATUS_MPIE;
	h->stvec = e->pc;
	h->sscratch = 0;
	h->satp = 0;
	h->priv = PRIV_S;
	h->pc = e->pc;
	h->x[10] = e->a0;
	h->x[11] = e->a1;
	h->wfi = false;
	h->sbi_resume = false;
	hart_tlb_flush(h);
	hart_tlb_select(h);
}

/* BASE extension (SBI spec 4). */
static bool probe(uint64_t eid)
{
	switch (eid) {
	case SBI_EXT_BASE:
	case SBI_EXT_TIME:
	case SBI_EXT_IPI:
	case SBI_EXT_RFENCE:
	case SBI_EXT_HSM:
	case SBI_EXT_SRST:
	case SBI_EXT_DBCN:
		return true;
	}
	return eid <= SBI_EXT_0_1_SHUTDOWN;
}

static struct sbiret sbi_base(struct hart *h, uint64_t fid)
{
	switch (fid) {
	case SBI_BASE_GET_SPEC_VERSION:
		return ok(SBI_SPEC_VERSION);
	case SBI_BASE_GET_IMPL_ID:
		return ok(SBI_IMPL_ID_VIREO);
	case SBI_BASE_GET_IMPL_VERSION:
		return ok(SBI_IMPL_VERSION);
	case SBI_BASE_PROBE_EXT:
		return ok(probe(h->x[10]));
	case SBI_BASE_GET_MVENDORID:
	case SBI_BASE_GET_MARCHID:
	case SBI_BASE_GET_MIMPID:
		/* The same values the mvendorid/marchid/mimpid CSRs read (csr.c): 0, not given. */
		return ok(0);
	}
	return err(SBI_ERR_NOT_SUPPORTED);
}

/* IPI and RFENCE extensions (SBI spec 7, 8). */
static struct sbiret sbi_ipi_rfence(struct hart *h, uint64_t eid, uint64_t fid)
{
	uint64_t set;
	int64_t e;

	if (eid == SBI_EXT_IPI ? fid != SBI_IPI_SEND_IPI : fid > SBI_RFENCE_SFENCE_VMA_ASID)
		return err(SBI_ERR_NOT_SUPPORTED); /* hfence.* need the H extension */
	e = hart_set(h->vm, h->x[10], h->x[11], &set);
	if (e)
		return err(e);
	if (eid == SBI_EXT_IPI)
		send_ipis(h->vm, set);
	else
		remote_fence(h, set, fid != SBI_RFENCE_FENCE_I);
	return ok(0);
}

/* Stops the calling hart (SBI spec 9.2); hart_start() gives it a fresh S-mode entry state. */
static struct sbiret hsm_stop(struct hart *h)
{
	h->wfi = false;
	atomic_store(&h->suspended, false);
	/* Last: another hart may start us as soon as this is seen (hart_start under wake_lock). */
	atomic_store(&h->halted, true);
	return (struct sbiret){.noreg = true};
}

/*
 * hart_suspend (SBI spec 9.4): both default types wait like WFI for an interrupt enabled in
 * sie, even while sstatus.SIE = 0. Retentive returns success; non-retentive resumes at
 * resume_addr with a0 = hartid, a1 = opaque in a fresh S-mode entry state (sbi_wake), since
 * sie is the wake-up mask until then.
 */
static struct sbiret hsm_suspend(struct hart *h, uint32_t type, uint64_t addr, uint64_t opaque)
{
	if (type == SBI_HSM_SUSPEND_RET_DEFAULT) {
		h->x[10] = SBI_SUCCESS;
		h->pc += 4;
	} else if (type == SBI_HSM_SUSPEND_NON_RET_DEFAULT) {
		if (!exec_addr_ok(h->vm, addr))
			return err(SBI_ERR_INVALID_ADDRESS);
		h->pc = addr;
		h->x[10] = h->id;
		h->x[11] = opaque;
		/* Interrupts must not be taken at the old state before sbi_wake() runs. */
		h->mstatus &= ~MSTATUS_SIE;
		h->sbi_resume = true;
	} else {
		/* Reserved and platform-specific types: none is implemented. */
		return err(SBI_ERR_INVALID_PARAM);
	}
	h->wfi = true;
	atomic_store(&h->suspended, true);
	return (struct sbiret){.noreg = true};
}

/* HSM extension (SBI spec 9). */
static struct sbiret sbi_hsm(struct hart *h, uint64_t fid)
{
	struct vm *vm = h->vm;
	uint64_t id = h->x[10];
	struct s_entry entry;
	struct hart *t;

	switch (fid) {
	case SBI_HSM_HART_START:
		if (id >= vm->nharts)
			return err(SBI_ERR_INVALID_PARAM);
		if (!exec_addr_ok(vm, h->x[11]))
			return err(SBI_ERR_INVALID_ADDRESS);
		entry = (struct s_entry){.pc = h->x[11], .a0 = id, .a1 = h->x[12]};
		if (hart_start(vm->harts[id], enter_s, &entry))
			return err(SBI_ERR_ALREADY_AVAILABLE);
		return ok(0);
	case SBI_HSM_HART_STOP:
		return hsm_stop(h);
	case SBI_HSM_HART_GET_STATUS:
		if (id >= vm->nharts)
			return err(SBI_ERR_INVALID_PARAM);
		t = vm->harts[id];
		if (atomic_load(&t->halted))
			return ok(SBI_HSM_STATE_STOPPED);
		return ok(atomic_load(&t->suspended) ? SBI_HSM_STATE_SUSPENDED
						     : SBI_HSM_STATE_STARTED);
	case SBI_HSM_HART_SUSPEND:
		/* suspend_type is 32 bits; RV64 passes it sign-extended (psABI). */
		return hsm_suspend(h, (uint32_t)h->x[10], h->x[11], h->x[12]);
	}
	return err(SBI_ERR_NOT_SUPPORTED);
}

/* SRST extension (SBI spec 10): the VM ends; the call does not return to the guest. */
static struct sbiret sbi_srst(struct hart *h, uint64_t fid)
{
	uint32_t type = (uint32_t)h->x[10], reason = (uint32_t)h->x[11];

	if (fid != SBI_SRST_SYSTEM_RESET)
		return err(SBI_ERR_NOT_SUPPORTED);
	/* Reserved and unimplemented vendor types or reasons are invalid (SBI spec 10.1). */
	if (type > SBI_SRST_TYPE_WARM_REBOOT || reason > SBI_SRST_REASON_SYSFAIL)
		return err(SBI_ERR_INVALID_PARAM);
	if (type != SBI_SRST_TYPE_SHUTDOWN)
		vm_stop(h->vm, VM_RESET, 0);
	else if (reason == SBI_SRST_REASON_SYSFAIL)
		vm_stop(h->vm, VM_FAIL, 1);
	else
		vm_stop(h->vm, VM_POWEROFF, 0);
	return ok(0);
}

/* DBCN extension (SBI spec 12): buffers are guest physical memory that must lie in RAM. */
static struct sbiret sbi_dbcn(struct hart *h, uint64_t fid)
{
	struct vm *vm = h->vm;
	uint64_t len = h->x[10], lo = h->x[11], hi = h->x[12];
	uint8_t *buf;
	int64_t n;

	if (fid == SBI_DBCN_CONSOLE_WRITE_BYTE)
		return console_putc(vm, (uint8_t)h->x[10]) ? ok(0) : (struct sbiret){.noreg = true};
	if (fid != SBI_DBCN_CONSOLE_WRITE && fid != SBI_DBCN_CONSOLE_READ)
		return err(SBI_ERR_NOT_SUPPORTED);
	/* base_addr_hi holds address bits XLEN and up: always 0 for RAM on RV64. */
	buf = hi ? NULL : vm_ram_ptr(vm, lo, len);
	if (!buf)
		return err(SBI_ERR_INVALID_PARAM);
	if (fid == SBI_DBCN_CONSOLE_READ) {
		n = (int64_t)console_in(vm, buf, len);
		mem_written(vm, lo, (uint64_t)n);
		return ok((uint64_t)n);
	}
	/* Partial, possibly 0, while the host's reader is slow: allowed by SBI spec 12.1. */
	n = (int64_t)console_out(vm, buf, len < SBI_CONSOLE_CHUNK ? len : SBI_CONSOLE_CHUNK);
	return ok((uint64_t)n);
}

/*
 * Legacy v0.1 hart mask: a pointer to an unsigned long in the caller's virtual memory, read
 * as the S-mode caller would read it; NULL means every hart (as OpenSBI does).
 */
static int64_t legacy_hart_set(struct hart *h, uint64_t va, uint64_t *set)
{
	struct trap_info ti;
	uint64_t mask;

	if (!va) {
		*set = all_harts(h->vm);
		return SBI_SUCCESS;
	}
	if (access_load(h, va, 8, &mask, &ti))
		return SBI_ERR_INVALID_ADDRESS;
	return hart_set(h->vm, mask, 0, set);
}

/*
 * Legacy extensions 0x00-0x08 (SBI spec 5): the result goes to a0 alone; *again asks for the
 * ECALL to run again instead (console_putc).
 */
static int64_t sbi_legacy(struct hart *h, uint64_t eid, bool *again)
{
	uint8_t c;
	uint64_t set;
	int64_t e;

	switch (eid) {
	case SBI_EXT_0_1_SET_TIMER:
		h->stimecmp = h->x[10];
		return SBI_SUCCESS;
	case SBI_EXT_0_1_CONSOLE_PUTCHAR:
		*again = !console_putc(h->vm, (uint8_t)h->x[10]);
		return SBI_SUCCESS;
	case SBI_EXT_0_1_CONSOLE_GETCHAR:
		return console_in(h->vm, &c, 1) ? c : -1;
	case SBI_EXT_0_1_CLEAR_IPI:
		__atomic_fetch_and(&h->mip, ~MIP_SSIP, __ATOMIC_ACQ_REL);
		return SBI_SUCCESS;
	case SBI_EXT_0_1_SHUTDOWN:
		vm_stop(h->vm, VM_POWEROFF, 0);
		return SBI_SUCCESS;
	}
	e = legacy_hart_set(h, h->x[10], &set);
	if (e)
		return e;
	if (eid == SBI_EXT_0_1_SEND_IPI)
		send_ipis(h->vm, set);
	else
		remote_fence(h, set, eid != SBI_EXT_0_1_REMOTE_FENCE_I);
	return SBI_SUCCESS;
}

int sbi_ecall(struct hart *h)
{
	uint64_t eid = h->x[17], fid = h->x[16];
	struct sbiret r;

	if (eid <= SBI_EXT_0_1_SHUTDOWN) {
		bool again = false;
		int64_t ret = sbi_legacy(h, eid, &again);

		if (!again) {
			h->x[10] = (uint64_t)ret;
			h->pc += 4;
		}
		return 0;
	}
	switch (eid) {
	case SBI_EXT_BASE:
		r = sbi_base(h, fid);
		break;
	case SBI_EXT_TIME:
		/* Sstc is on (hart_fw_init): STIP follows stimecmp, so this also clears it. */
		if (fid != SBI_TIME_SET_TIMER) {
			r = err(SBI_ERR_NOT_SUPPORTED);
			break;
		}
		h->stimecmp = h->x[10];
		r = ok(0);
		break;
	case SBI_EXT_IPI:
	case SBI_EXT_RFENCE:
		r = sbi_ipi_rfence(h, eid, fid);
		break;
	case SBI_EXT_HSM:
		r = sbi_hsm(h, fid);
		break;
	case SBI_EXT_SRST:
		r = sbi_srst(h, fid);
		break;
	case SBI_EXT_DBCN:
		r = sbi_dbcn(h, fid);
		break;
	default:
		r = err(SBI_ERR_NOT_SUPPORTED);
	}
	if (!r.noreg) {
		h->x[10] = (uint64_t)r.error;
		h->x[11] = r.value;
		h->pc += 4;
	}
	return 0;
}

void sbi_wake(struct hart *h)
{
	if (h->sbi_resume)
		enter_s(h, &(struct s_entry){.pc = h->pc, .a0 = h->x[10], .a1 = h->x[11]});
}

void sbi_boot(struct vm *vm, uint64_t entry, uint64_t fdt_addr)
{
	vm->sbi_builtin = true;
	for (unsigned i = 0; i < vm->nharts; i++) {
		struct hart *h = vm->harts[i];

		hart_reset(h, vm->ram_base); /* also stimecmp = ~0: no timer until one is set */
		atomic_store(&h->suspended, false);
		h->sbi_resume = false;
		/* OpenSBI inits every hart at cold boot, and again on each hart_start. */
		if (i) {
			hart_fw_init(h);
			/* Secondary harts wait for HSM hart_start (SBI spec 9). */
			atomic_store(&h->halted, true);
			continue;
		}
		enter_s(h, &(struct s_entry){.pc = entry, .a0 = h->id, .a1 = fdt_addr});
	}
}

bool sbi_hart_state_ok(const struct vm *vm, const struct hart_state *s)
{
	/* Only this firmware stops or suspends a hart; under a guest firmware none is. */
	if (!vm->sbi_builtin)
		return !s->halted && !s->suspended && !s->sbi_resume;
	/* One HSM state at a time (SBI spec 9, table 24): hart_stop ends a suspend. */
	if (s->halted && s->suspended)
		return false;
	if (!s->sbi_resume)
		return true;
	/*
	 * A non-retentive suspend (SBI spec 9.4) taken from S-mode, with SIE cleared until
	 * sbi_wake, resumes at an address hsm_suspend accepted.
	 */
	return s->suspended && s->priv == PRIV_S && !(s->mstatus & MSTATUS_SIE) &&
	       exec_addr_ok(vm, s->pc);
}
