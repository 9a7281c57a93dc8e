/* SPDX-License-Identifier: Apache-2.0 */
/* Architectural state of one RISC-V hart and the constants of the privileged spec. */
#ifndef VIREO_CPU_HART_H
#define VIREO_CPU_HART_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct vm;
struct dpage;

/* Privilege levels (priv spec 1.2). */
enum { PRIV_U = 0, PRIV_S = 1, PRIV_M = 3 };

/* Synchronous exception codes (priv spec table 3.6). */
enum {
	EXC_INSN_MISALIGNED = 0,
	EXC_INSN_ACCESS = 1,
	EXC_ILLEGAL_INSN = 2,
	EXC_BREAKPOINT = 3,
	EXC_LOAD_MISALIGNED = 4,
	EXC_LOAD_ACCESS = 5,
	EXC_STORE_MISALIGNED = 6,
	EXC_STORE_ACCESS = 7,
	EXC_ECALL_U = 8,
	EXC_ECALL_S = 9,
	EXC_ECALL_M = 11,
	EXC_INSN_PAGE_FAULT = 12,
	EXC_LOAD_PAGE_FAULT = 13,
	EXC_STORE_PAGE_FAULT = 15,
};

/* Interrupt numbers; mip/mie bit positions (priv spec 3.1.9). */
enum {
	IRQ_S_SOFT = 1,
	IRQ_M_SOFT = 3,
	IRQ_S_TIMER = 5,
	IRQ_M_TIMER = 7,
	IRQ_S_EXT = 9,
	IRQ_M_EXT = 11,
};
#define MIP_SSIP (1ull << IRQ_S_SOFT)
#define MIP_MSIP (1ull << IRQ_M_SOFT)
#define MIP_STIP (1ull << IRQ_S_TIMER)
#define MIP_MTIP (1ull << IRQ_M_TIMER)
#define MIP_SEIP (1ull << IRQ_S_EXT)
#define MIP_MEIP (1ull << IRQ_M_EXT)
#define CAUSE_INTERRUPT (1ull << 63)

/* mstatus fields (priv spec 3.1.6). */
#define MSTATUS_SIE (1ull << 1)
#define MSTATUS_MIE (1ull << 3)
#define MSTATUS_SPIE (1ull << 5)
#define MSTATUS_UBE (1ull << 6)
#define MSTATUS_MPIE (1ull << 7)
#define MSTATUS_SPP (1ull << 8)
#define MSTATUS_VS (3ull << 9)
#define MSTATUS_MPP (3ull << 11)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_FS (3ull << 13)
#define MSTATUS_FS_SHIFT 13
#define MSTATUS_XS (3ull << 15)
#define MSTATUS_MPRV (1ull << 17)
#define MSTATUS_SUM (1ull << 18)
#define MSTATUS_MXR (1ull << 19)
#define MSTATUS_TVM (1ull << 20)
#define MSTATUS_TW (1ull << 21)
#define MSTATUS_TSR (1ull << 22)
#define MSTATUS_UXL (3ull << 32)
#define MSTATUS_SXL (3ull << 34)
#define MSTATUS_SBE (1ull << 36)
#define MSTATUS_MBE (1ull << 37)
#define MSTATUS_SD (1ull << 63)

/* satp (priv spec 10.1.11). */
#define SATP_MODE_SHIFT 60
#define SATP_PPN_MASK ((1ull << 44) - 1)
enum { SATP_BARE = 0, SATP_SV39 = 8, SATP_SV48 = 9, SATP_SV57 = 10 };

/* menvcfg/senvcfg (priv spec 3.1.18): FIOM, and Sstc's STCE. */
#define ENVCFG_FIOM (1ull << 0)
#define MENVCFG_STCE (1ull << 63)

/* PMP configuration bits (priv spec 3.7.1). */
#define PMP_R 0x01
#define PMP_W 0x02
#define PMP_X 0x04
#define PMP_A 0x18
#define PMP_L 0x80
enum { PMP_OFF = 0, PMP_TOR = 1, PMP_NA4 = 2, PMP_NAPOT = 3 };

/* FS field values. */
enum { FS_OFF = 0, FS_INITIAL = 1, FS_CLEAN = 2, FS_DIRTY = 3 };

/* Access kinds for translation and the TLB. */
enum access { ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2 };

/*
 * Software TLB. Direct mapped, indexed by virtual page number. The three tags hold the
 * virtual page number for which a read, write or fetch may go straight to host memory
 * at (vaddr + addend); a tag that does not match sends the access to the slow path
 * (page walk, MMIO, permission checks). Only RAM pages are ever entered.
 */
#define TLB_BITS 8
#define TLB_SIZE (1u << TLB_BITS)
#define TLB_INVALID (~0ull)
struct tlb_entry {
	uint64_t tag_r, tag_w, tag_x;
	uintptr_t addend;
	uint64_t ppn; /* guest physical page number, for code tracking */
};

/* One TLB per privilege level that translations are made for (U, S, M). */
enum { TLB_U = 0, TLB_S = 1, TLB_M = 2, TLB_COUNT = 3 };

#define PMP_COUNT 16

/* A slow-path exception: cause and the value for xtval. */
struct trap_info {
	uint64_t cause;
	uint64_t tval;
};

struct hart {
	/* Integer registers; x[32] is a write sink so x0 stays zero. */
	uint64_t x[33];
	/* FP registers, NaN-boxed (ISA spec 12.2). */
	uint64_t f[32];
	uint64_t pc;
	unsigned priv;
	unsigned id;
	struct vm *vm;

	/* LR/SC reservation: physical address or ~0 when none. */
	uint64_t resv_addr;
	uint64_t resv_val;

	/* Machine-level CSRs. mstatus holds the full register; sstatus is a view of it. */
	uint64_t mstatus;
	uint64_t misa;
	uint64_t medeleg, mideleg;
	uint64_t mie;
	uint64_t mip;		 /* software-writable bits (SSIP, STIP, SEIP) */
	_Atomic uint64_t mip_hw; /* lines driven by devices (MSIP, MTIP, MEIP, SEIP) */
	uint64_t mtvec, mscratch, mepc, mcause, mtval;
	uint32_t mcounteren, scounteren, mcountinhibit;
	uint64_t menvcfg, senvcfg;
	uint64_t stvec, sscratch, sepc, scause, stval, satp;
	uint64_t stimecmp;
	uint8_t frm, fflags;
	uint8_t pmpcfg[PMP_COUNT];
	uint64_t pmpaddr[PMP_COUNT];
	uint64_t instret; /* retired instructions; mcycle follows it */
	/* csr.c: mcycle/minstret = instret + offset, or the frozen value while mcountinhibit. */
	uint64_t mcycle_off, minstret_off;
	uint64_t mtimecmp; /* written by the CLINT */

	/* Software TLBs; tlb_fetch/tlb_data point at the ones for the current mode. */
	struct tlb_entry tlb[TLB_COUNT][TLB_SIZE];
	struct tlb_entry *tlb_fetch, *tlb_data;

	/*
	 * Decoded-instruction cache: dcache[ppn] is the decoded copy of RAM page ppn, if any.
	 * The pages come from a pool of at most DCACHE_POOL, recycled by a clock sweep, so a
	 * guest cannot make the host hold a decoded copy of all of its RAM (decode.c).
	 */
	struct dpage **dcache;
	uint64_t dcache_pages;
	struct dpage **dpool;
	unsigned dpool_count, dpool_hand;

	/* Set by other threads to make the hart leave its inner loop soon. */
	_Atomic uint32_t events;
	bool wfi;	     /* waiting for an interrupt (WFI) */
	_Atomic bool halted; /* stopped (SBI HSM); woken by hart_start() */
	_Atomic bool parked; /* parked by vm_pause; serves pending fences before it runs again */
	pthread_mutex_t wake_lock; /* with wake_cond: WFI sleeps here */
	pthread_cond_t wake_cond;

	/*
	 * Remote fences (SBI RFENCE): other harts count requests in fence_req; the hart copies
	 * the count it has served into fence_ack at the top of hart_run (hart_fence_request/wait).
	 */
	_Atomic uint64_t fence_req, fence_ack;
	_Atomic bool suspended; /* in SBI HSM hart_suspend until the next interrupt */
	bool sbi_resume;	/* built-in SBI: that suspend was non-retentive (sbi_wake) */
};

/*
 * The architectural state of a hart as plain guest values (snapshots, migration): no host
 * pointers, locks or caches. Laid out without implicit padding so that equal states are
 * equal bytes. The LR reservation is a guest physical address (~0: none); counters are
 * instret and the offsets that make mcycle/minstret (csr.c); timer compares are mtime values.
 */
struct hart_state {
	uint64_t x[32]; /* x[0] is 0 */
	uint64_t f[32];
	uint64_t pc;
	uint64_t resv_addr, resv_val;
	uint64_t mstatus, misa, medeleg, mideleg, mie, mip, mip_hw;
	uint64_t mtvec, mscratch, mepc, mcause, mtval;
	uint64_t menvcfg, senvcfg;
	uint64_t stvec, sscratch, sepc, scause, stval, satp;
	uint64_t stimecmp, mtimecmp;
	uint64_t pmpaddr[PMP_COUNT];
	uint64_t instret, mcycle_off, minstret_off;
	uint32_t mcounteren, scounteren, mcountinhibit;
	uint32_t priv; /* PRIV_U, PRIV_S or PRIV_M */
	uint8_t pmpcfg[PMP_COUNT];
	uint8_t frm, fflags;
	uint8_t wfi, halted, suspended, sbi_resume; /* 0 or 1 */
	uint8_t reserved[2];			    /* 0 */
};

/** Copies the hart's architectural state into s (the hart must not be running). */
void hart_save(const struct hart *h, struct hart_state *s);

/**
 * Loads s into a hart that is not running, after checking every field (s may be hostile):
 * 0, or -EINVAL leaving the hart unchanged. TLBs and decoded code are rebuilt.
 */
int hart_load(struct hart *h, const struct hart_state *s);

/* Event bits in hart->events. */
#define HART_EV_IRQ (1u << 0)
#define HART_EV_STOP (1u << 1)
#define HART_EV_TLB_FLUSH (1u << 2)

/** Sets a hart to its reset state (priv M, pc = reset vector, CSRs per priv spec 3.4). */
void hart_reset(struct hart *h, uint64_t pc);

/** Allocates the decode cache for a VM with ram_pages pages of RAM; 0 or -errno. */
int hart_init(struct hart *h, struct vm *vm, unsigned id);

/** Frees what hart_init allocated. */
void hart_destroy(struct hart *h);

/** Runs the hart until the VM stops; returns 0. */
int hart_run(struct hart *h);

/** Invalidates every TLB of the hart (satp write, sfence.vma, mode-affecting mstatus change). */
void hart_tlb_flush(struct hart *h);

/** Points tlb_fetch/tlb_data at the TLBs for the current priv and mstatus.MPRV/MPP. */
void hart_tlb_select(struct hart *h);

/**
 * Starts a stopped hart (SBI HSM hart_start); any thread. enter(h, arg) sets its pc,
 * privilege, registers and CSRs first, while the hart cannot run. Returns 0, or -EBUSY if
 * it is not stopped (enter is not called then).
 */
int hart_start(struct hart *h, void (*enter)(struct hart *h, const void *arg), const void *arg);

/** Makes the hart leave its inner loop and wake from WFI to look at its events. */
void hart_kick(struct hart *h, uint32_t event);

/**
 * Asks h to serve a remote fence: sets event (HART_EV_TLB_FLUSH to flush its TLB; any event
 * makes it re-check decoded code) and kicks it. Returns the ticket for hart_fence_wait().
 */
uint64_t hart_fence_request(struct hart *h, uint32_t event);

/**
 * Waits until target served ticket, is stopped, or the VM stops; self (the waiting hart, or
 * NULL) serves fences asked of it meanwhile, so two harts fencing each other cannot deadlock.
 */
void hart_fence_wait(struct hart *self, struct hart *target, uint64_t ticket);

/** Raises device interrupt lines (MIP_* bits) of the hart; any thread. */
void hart_raise_irq(struct hart *h, uint64_t mask);

/** Lowers device interrupt lines of the hart; any thread. */
void hart_lower_irq(struct hart *h, uint64_t mask);

/** Marks an architectural FP register file change (mstatus.FS = Dirty, SD). */
static inline void hart_fs_dirty(struct hart *h)
{
	h->mstatus |= MSTATUS_FS | MSTATUS_SD;
}

/** True when mstatus.FS is Off, so FP instructions must trap. */
static inline bool hart_fs_off(const struct hart *h)
{
	return (h->mstatus & MSTATUS_FS) == 0;
}

#endif
