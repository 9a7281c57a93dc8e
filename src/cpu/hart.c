/* SPDX-License-Identifier: Apache-2.0 */
/* Hart life cycle, TLB management, interrupt lines and the outer run loop. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/vm.h"
#include "cpu/csr.h"
#include "cpu/decode.h"
#include "cpu/hart.h"
#include "cpu/interp.h"
#include "cpu/mmu.h"
#include "cpu/trap.h"
#include "fw/sbi.h"

/* misa: RV64 (MXL=2) with I, M, A, F, D, C, S, U (priv spec 3.1.1). */
#define MISA_RV64GC                                                                                \
	((2ull << 62) | (1u << ('I' - 'A')) | (1u << ('M' - 'A')) | (1u << ('A' - 'A')) |          \
	 (1u << ('F' - 'A')) | (1u << ('D' - 'A')) | (1u << ('C' - 'A')) | (1u << ('S' - 'A')) |   \
	 (1u << ('U' - 'A')))

void hart_tlb_flush(struct hart *h)
{
	memset(h->tlb, 0xff, sizeof(h->tlb));
}

static struct tlb_entry *tlb_for(struct hart *h, unsigned priv)
{
	switch (priv) {
	case PRIV_M:
		return h->tlb[TLB_M];
	case PRIV_S:
		return h->tlb[TLB_S];
	default:
		return h->tlb[TLB_U];
	}
}

void hart_tlb_select(struct hart *h)
{
	h->tlb_fetch = tlb_for(h, h->priv);
	h->tlb_data = tlb_for(h, mmu_data_priv(h));
}

void hart_reset(struct hart *h, uint64_t pc)
{
	memset(h->x, 0, sizeof(h->x));
	memset(h->f, 0, sizeof(h->f));
	h->pc = pc;
	h->priv = PRIV_M;
	h->resv_addr = ~0ull;
	/* priv spec 3.4: MIE and MPRV reset to 0; UXL/SXL are fixed at 64 bits. */
	h->mstatus = (2ull << 32) | (2ull << 34);
	h->misa = MISA_RV64GC;
	h->medeleg = h->mideleg = 0;
	h->mie = h->mip = 0;
	h->mtvec = h->mscratch = h->mepc = h->mcause = h->mtval = 0;
	h->mcounteren = h->scounteren = h->mcountinhibit = 0;
	h->menvcfg = h->senvcfg = 0;
	h->stvec = h->sscratch = h->sepc = h->scause = h->stval = h->satp = 0;
	h->stimecmp = ~0ull;
	h->frm = h->fflags = 0;
	memset(h->pmpcfg, 0, sizeof(h->pmpcfg));
	memset(h->pmpaddr, 0, sizeof(h->pmpaddr));
	h->instret = 0;
	h->mtimecmp = ~0ull;
	atomic_store(&h->halted, false);
	hart_tlb_flush(h);
	hart_tlb_select(h);
	decode_cache_flush(h);
}

int hart_init(struct hart *h, struct vm *vm, unsigned id)
{
	h->vm = vm;
	h->id = id;
	h->dcache_pages = vm->ram_size >> VM_PAGE_SHIFT;
	h->dcache = calloc(h->dcache_pages, sizeof(*h->dcache));
	if (!h->dcache)
		return -ENOMEM;
	atomic_init(&h->mip_hw, 0);
	atomic_init(&h->events, 0);
	atomic_init(&h->fence_req, 0);
	atomic_init(&h->fence_ack, 0);
	atomic_init(&h->suspended, false);
	atomic_init(&h->parked, false);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_mutex_init(&h->wake_lock, NULL);
	pthread_cond_init(&h->wake_cond, &attr);
	pthread_condattr_destroy(&attr);
	hart_reset(h, vm->ram_base);
	return 0;
}

void hart_destroy(struct hart *h)
{
	if (!h->dcache)
		return;
	decode_cache_flush(h);
	free(h->dcache);
	free(h->dpool);
	h->dcache = NULL;
	h->dpool = NULL;
	pthread_mutex_destroy(&h->wake_lock);
	pthread_cond_destroy(&h->wake_cond);
}

void hart_kick(struct hart *h, uint32_t event)
{
	atomic_fetch_or_explicit(&h->events, event, memory_order_release);
	pthread_mutex_lock(&h->wake_lock);
	pthread_cond_signal(&h->wake_cond);
	pthread_mutex_unlock(&h->wake_lock);
}

void hart_raise_irq(struct hart *h, uint64_t mask)
{
	uint64_t old = atomic_fetch_or_explicit(&h->mip_hw, mask, memory_order_acq_rel);
	if ((old & mask) != mask)
		hart_kick(h, HART_EV_IRQ);
}

void hart_lower_irq(struct hart *h, uint64_t mask)
{
	atomic_fetch_and_explicit(&h->mip_hw, ~mask, memory_order_acq_rel);
}

uint64_t hart_fence_request(struct hart *h, uint32_t event)
{
	uint64_t ticket;

	/*
	 * The event bit goes in before the count: a hart that sees the new count in hart_run
	 * (loaded before it takes its events) then also sees the bit, so it flushes before it
	 * acknowledges. The kick comes after the count so a sleeping hart wakes to both.
	 */
	atomic_fetch_or_explicit(&h->events, event, memory_order_release);
	ticket = atomic_fetch_add_explicit(&h->fence_req, 1, memory_order_acq_rel) + 1;
	hart_kick(h, event);
	return ticket;
}

/* Serves fences asked of a hart that is busy waiting inside an SBI call: flush, acknowledge. */
static void hart_fence_serve(struct hart *h)
{
	uint64_t req = atomic_load_explicit(&h->fence_req, memory_order_acquire);
	uint32_t ev =
	    atomic_fetch_and_explicit(&h->events, ~HART_EV_TLB_FLUSH, memory_order_acq_rel);

	if (ev & HART_EV_TLB_FLUSH)
		hart_tlb_flush(h);
	/* Other events stay pending: the SBI call ends the block and hart_run sees them. */
	atomic_store_explicit(&h->fence_ack, req, memory_order_release);
}

void hart_fence_wait(struct hart *self, struct hart *target, uint64_t ticket)
{
	const struct timespec pause = {.tv_nsec = 20000};
	unsigned spins = 0;

	/* A stopped hart runs nothing and flushes its TLB in hart_start(): nothing to wait for. */
	while (atomic_load_explicit(&target->fence_ack, memory_order_acquire) < ticket &&
	       !atomic_load_explicit(&target->halted, memory_order_acquire) &&
	       !atomic_load_explicit(&target->parked, memory_order_acquire) &&
	       atomic_load_explicit(&target->vm->state, memory_order_acquire) == VM_RUNNING) {
		if (self)
			hart_fence_serve(self);
		/* The target leaves its block within a few instructions: yield, then back off. */
		if (++spins < 64)
			sched_yield();
		else
			nanosleep(&pause, NULL);
	}
}

/* Instructions per trip through the inner loop: the timer is looked at between trips. */
#define HART_SLICE 65536

/* Raises MTIP once mtime has reached mtimecmp (the CLINT lowers it on a new mtimecmp). */
static void hart_update_timer(struct hart *h, uint64_t now)
{
	if (now >= h->mtimecmp &&
	    !(atomic_load_explicit(&h->mip_hw, memory_order_relaxed) & MIP_MTIP))
		atomic_fetch_or_explicit(&h->mip_hw, MIP_MTIP, memory_order_relaxed);
}

/*
 * WFI (priv spec 3.3.3): sleep until an interrupt is pending in mip & mie, whatever the
 * global enables say, so an idle guest leaves the host idle. Timers wake us by deadline,
 * devices and other harts through hart_kick().
 */
static void hart_wfi_wait(struct hart *h, uint64_t now)
{
	uint64_t next = ~0ull, delta_ns;
	struct timespec ts;

	if (csr_mip(h) & h->mie) {
		h->wfi = false;
		return;
	}
	/*
	 * Only a timer whose interrupt is enabled can end the wait; a past deadline of a disabled
	 * one must not turn the sleep into a busy loop.
	 */
	if (h->mie & MIP_MTIP)
		next = h->mtimecmp;
	if ((h->mie & MIP_STIP) && (h->menvcfg & MENVCFG_STCE) && h->stimecmp < next)
		next = h->stimecmp;
	if (next <= now)
		return;
	/* Cap the sleep: a wake-up per second costs nothing and bounds any lost-wakeup bug. */
	delta_ns =
	    next - now > VM_TIMEBASE_HZ ? NS_PER_SEC : (next - now) * (NS_PER_SEC / VM_TIMEBASE_HZ);
	ts = clock_timespec(clock_ns(CLOCK_MONOTONIC) + delta_ns);
	pthread_mutex_lock(&h->wake_lock);
	if (!atomic_load(&h->events))
		pthread_cond_timedwait(&h->wake_cond, &h->wake_lock, &ts);
	pthread_mutex_unlock(&h->wake_lock);
}

int hart_start(struct hart *h, void (*enter)(struct hart *h, const void *arg), const void *arg)
{
	int err = 0;

	pthread_mutex_lock(&h->wake_lock);
	if (!atomic_load(&h->halted)) {
		err = -EBUSY;
	} else {
		enter(h, arg);
		h->wfi = false;
		hart_tlb_flush(h);
		hart_tlb_select(h);
		atomic_store(&h->halted, false);
		pthread_cond_signal(&h->wake_cond);
	}
	pthread_mutex_unlock(&h->wake_lock);
	return err;
}

/* A stopped hart sleeps until hart_start() or the end of the VM. */
static void hart_wait_start(struct hart *h)
{
	pthread_mutex_lock(&h->wake_lock);
	while (atomic_load(&h->halted) && atomic_load(&h->vm->state) == VM_RUNNING &&
	       !atomic_load(&h->vm->pause_req) && !(atomic_load(&h->events) & HART_EV_STOP))
		pthread_cond_wait(&h->wake_cond, &h->wake_lock);
	pthread_mutex_unlock(&h->wake_lock);
}

int hart_run(struct hart *h)
{
	struct vm *vm = h->vm;

	while (atomic_load_explicit(&vm->state, memory_order_acquire) == VM_RUNNING) {
		/* Fence requests are read before the events (see hart_fence_request). */
		uint64_t fences = atomic_load_explicit(&h->fence_req, memory_order_acquire);
		uint32_t ev = atomic_exchange_explicit(&h->events, 0, memory_order_acq_rel);
		uint64_t now = vm_time(vm);

		if (ev & HART_EV_TLB_FLUSH)
			hart_tlb_flush(h);
		/* Leaving the block is all fence.i needs: decoded pages are re-checked. */
		atomic_store_explicit(&h->fence_ack, fences, memory_order_release);
		/* Pause (vm_pause): here every instruction has retired or not begun. */
		if (atomic_load_explicit(&vm->pause_req, memory_order_acquire)) {
			atomic_store_explicit(&h->parked, true, memory_order_release);
			vm_hart_park(vm);
			atomic_store_explicit(&h->parked, false, memory_order_release);
			/* Events (fences, interrupts) that came meanwhile are taken next round. */
			continue;
		}
		if (atomic_load_explicit(&h->halted, memory_order_acquire)) {
			hart_wait_start(h);
			continue;
		}
		hart_update_timer(h, now);
		if (trap_check_interrupts(h))
			h->wfi = false;
		if (h->wfi) {
			hart_wfi_wait(h, now);
			continue;
		}
		/* Running code again ends an SBI HSM suspend (its wake-up interrupt is pending). */
		if (atomic_load_explicit(&h->suspended, memory_order_relaxed)) {
			atomic_store_explicit(&h->suspended, false, memory_order_release);
			if (vm->sbi_builtin)
				sbi_wake(h);
		}
		interp_run(h, HART_SLICE);
	}
	return 0;
}
