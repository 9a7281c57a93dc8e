/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The slow path of guest memory accesses: translation (mmu.c), TLB fill, PMP, MMIO through
 * the bus, accesses that straddle pages, and the bookkeeping for self-modifying code.
 */
#include <errno.h>
#include <string.h>

#include "core/vm.h"
#include "cpu/access.h"
#include "cpu/decode.h"
#include "cpu/hart.h"
#include "cpu/mmu.h"

#define PAGE_MASK (VM_PAGE_SIZE - 1)

static unsigned access_priv(const struct hart *h, enum access acc)
{
	return acc == ACC_EXEC ? h->priv : mmu_data_priv(h);
}

/* Enters a RAM page into the TLB for acc; other tags stay only if they name the same page. */
static struct tlb_entry *tlb_fill(struct hart *h, uint64_t va, uint8_t *host, uint64_t ppn,
				  enum access acc)
{
	struct tlb_entry *tlb = acc == ACC_EXEC ? h->tlb_fetch : h->tlb_data;
	struct tlb_entry *e = &tlb[(va >> VM_PAGE_SHIFT) & (TLB_SIZE - 1)];
	uint64_t vpn = va >> VM_PAGE_SHIFT;
	uintptr_t addend = (uintptr_t)host - (va & ~PAGE_MASK);

	if ((e->tag_r != vpn && e->tag_w != vpn && e->tag_x != vpn) || e->addend != addend)
		e->tag_r = e->tag_w = e->tag_x = TLB_INVALID;
	e->addend = addend;
	__atomic_store_n(&e->ppn, ppn, __ATOMIC_RELAXED); /* read by mark_code_page() */
	if (acc == ACC_READ)
		e->tag_r = vpn;
	else if (acc == ACC_WRITE)
		__atomic_store_n(&e->tag_w, vpn, __ATOMIC_RELAXED);
	else
		e->tag_x = vpn;
	return e;
}

/*
 * Translates va and, when it lands in RAM and PMP allows the whole page, fills the TLB.
 * A page whose writes need bookkeeping (decoded code, not yet dirty while logging:
 * mem_write_fast_ok) gets no write entry, so writes to it come back here.
 */
static int translate(struct hart *h, uint64_t va, enum access acc, uint64_t *pa,
		     struct trap_info *ti)
{
	struct vm *vm = h->vm;
	uint64_t page_size, pbase, ppn;
	struct tlb_entry *e;
	uint8_t *host;

	if (mmu_translate(h, va, acc, pa, &page_size, ti))
		return -1;
	pbase = *pa & ~PAGE_MASK;
	host = vm_ram_ptr(vm, pbase, VM_PAGE_SIZE);
	if (!host || !mmu_pmp_check(h, pbase, VM_PAGE_SIZE, acc, access_priv(h, acc)))
		return 0;
	ppn = (pbase - vm->ram_base) >> VM_PAGE_SHIFT;
	if (acc == ACC_WRITE && !mem_write_fast_ok(vm, ppn))
		return 0;
	e = tlb_fill(h, va, host, ppn, acc);
	if (acc == ACC_WRITE)
		decode_check_fill(h, e, ppn);
	return 0;
}

static int fault(struct trap_info *ti, uint64_t cause, uint64_t va)
{
	ti->cause = cause;
	ti->tval = va;
	return -1;
}

static int load_split(struct hart *h, uint64_t va, unsigned size, uint64_t *val,
		      struct trap_info *ti)
{
	uint64_t v = 0, b;
	for (unsigned i = 0; i < size; i++) {
		if (access_load(h, va + i, 1, &b, ti))
			return -1;
		v |= b << (8 * i);
	}
	*val = v;
	return 0;
}

int access_load(struct hart *h, uint64_t va, unsigned size, uint64_t *val, struct trap_info *ti)
{
	uint64_t pa;
	uint8_t *p;

	if ((va & PAGE_MASK) > VM_PAGE_SIZE - size)
		return load_split(h, va, size, val, ti);
	if (translate(h, va, ACC_READ, &pa, ti))
		return -1;
	p = vm_ram_ptr(h->vm, pa, size);
	if (p) {
		if (!mmu_pmp_check(h, pa, size, ACC_READ, mmu_data_priv(h)))
			return fault(ti, EXC_LOAD_ACCESS, va);
		*val = 0;
		memcpy(val, p, size); /* the host is little-endian like RISC-V */
		return 0;
	}
	if (bus_read(&h->vm->bus, pa, size, val))
		return fault(ti, EXC_LOAD_ACCESS, va);
	return 0;
}

/* A store across two pages: both must be writable before any byte is written. */
static int store_split(struct hart *h, uint64_t va, unsigned size, uint64_t val,
		       struct trap_info *ti)
{
	uint64_t pa, last = va + size - 1;
	int rc = 0, r;

	if (translate(h, va, ACC_WRITE, &pa, ti) ||
	    translate(h, last & ~PAGE_MASK, ACC_WRITE, &pa, ti))
		return -1;
	for (unsigned i = 0; i < size; i++) {
		r = access_store(h, va + i, 1, val >> (8 * i), ti);
		if (r < 0)
			return -1;
		rc |= r;
	}
	return rc;
}

int access_store(struct hart *h, uint64_t va, unsigned size, uint64_t val, struct trap_info *ti)
{
	uint64_t pa;
	uint8_t *p;

	if ((va & PAGE_MASK) > VM_PAGE_SIZE - size)
		return store_split(h, va, size, val, ti);
	if (translate(h, va, ACC_WRITE, &pa, ti))
		return -1;
	p = vm_ram_ptr(h->vm, pa, size);
	if (p) {
		if (!mmu_pmp_check(h, pa, size, ACC_WRITE, mmu_data_priv(h)))
			return fault(ti, EXC_STORE_ACCESS, va);
		memcpy(p, &val, size);
		return mem_written(h->vm, pa, size);
	}
	if (bus_write(&h->vm->bus, pa, size, val))
		return fault(ti, EXC_STORE_ACCESS, va);
	return 0;
}

void *access_atomic(struct hart *h, uint64_t va, unsigned size, bool write, struct trap_info *ti)
{
	struct tlb_entry *e = &h->tlb_data[(va >> VM_PAGE_SHIFT) & (TLB_SIZE - 1)];
	enum access acc = write ? ACC_WRITE : ACC_READ;
	uint64_t pa;
	uint8_t *p;

	/* ISA manual 8.2/8.4: LR/SC and AMOs must be naturally aligned. */
	if (va & (size - 1)) {
		fault(ti, write ? EXC_STORE_MISALIGNED : EXC_LOAD_MISALIGNED, va);
		return NULL;
	}
	if ((write ? e->tag_w : e->tag_r) == va >> VM_PAGE_SHIFT)
		return (void *)(uintptr_t)(va + e->addend);
	if (translate(h, va, acc, &pa, ti))
		return NULL;
	p = vm_ram_ptr(h->vm, pa, size);
	if (!p || !mmu_pmp_check(h, pa, size, acc, mmu_data_priv(h))) {
		/* Atomics on MMIO are not supported by any device here: access fault. */
		fault(ti, write ? EXC_STORE_ACCESS : EXC_LOAD_ACCESS, va);
		return NULL;
	}
	if (write) /* before the caller's write: a paused VM has it logged either way */
		mem_written(h->vm, pa, size);
	return p;
}

int access_fetch(struct hart *h, uint64_t va, struct dpage **dp, uint64_t *ppn,
		 struct trap_info *ti)
{
	uint64_t pa;

	if (translate(h, va, ACC_EXEC, &pa, ti))
		return -1;
	if (!vm_ram_ptr(h->vm, pa, 2) || !mmu_pmp_check(h, pa, 2, ACC_EXEC, h->priv))
		return fault(ti, EXC_INSN_ACCESS, va);
	*ppn = (pa - h->vm->ram_base) >> VM_PAGE_SHIFT;
	*dp = decode_page_get(h, *ppn);
	return *dp ? 0 : -ENOMEM;
}

int access_fetch_u16(struct hart *h, uint64_t va, uint16_t *out, struct trap_info *ti)
{
	uint64_t pa;
	uint8_t *p;

	if (translate(h, va, ACC_EXEC, &pa, ti))
		return -1;
	p = vm_ram_ptr(h->vm, pa, 2);
	if (!p || !mmu_pmp_check(h, pa, 2, ACC_EXEC, h->priv))
		return fault(ti, EXC_INSN_ACCESS, va);
	memcpy(out, p, 2);
	return 0;
}
