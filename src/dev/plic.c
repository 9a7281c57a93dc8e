/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Platform-Level Interrupt Controller, register-compatible with the SiFive PLIC of QEMU's virt
 * machine (RISC-V PLIC specification v1.0.0): 95 level-triggered sources, priorities 0..7, two
 * contexts per hart (2h: M-mode, drives MEIP; 2h+1: S-mode, drives SEIP).
 *
 * The gateway of a level-triggered source (PLIC spec, "Interrupt Gateways") forwards one
 * request while the line is high and then none until the claimed interrupt is completed, so a
 * source is pending exactly when its line is high and it is not claimed; pending bits are
 * derived from those two bitmaps rather than stored.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/board.h"
#include "core/fdt.h"
#include "core/vm.h"
#include "cpu/hart.h"
#include "dev/devices.h"

/* Register map (PLIC spec, "Memory Map"). */
#define PLIC_PRIORITY 0x000000u
#define PLIC_PENDING 0x001000u
#define PLIC_ENABLE 0x002000u
#define PLIC_ENABLE_STRIDE 0x80u
#define PLIC_CONTEXT 0x200000u
#define PLIC_CONTEXT_STRIDE 0x1000u
#define PLIC_THRESHOLD 0x0u
#define PLIC_CLAIM 0x4u

/* Sources 0..PLIC_NSRC in 32-bit words; source 0 means "no interrupt" and never pends. */
#define PLIC_WORDS ((PLIC_NSRC + 32) / 32)
/* QEMU virt implements 7 priority levels: 3 WARL bits for priorities and thresholds. */
#define PLIC_PRIO_MASK 7u
#define PLIC_MAX_CTX (2 * VM_MAX_HARTS)

struct plic {
	pthread_mutex_t lock;
	struct vm *vm;
	unsigned nctx;
	uint32_t priority[PLIC_NSRC + 1];
	uint32_t level[PLIC_WORDS];   /* input lines as the devices drive them */
	uint32_t claimed[PLIC_WORDS]; /* claimed and not yet completed */
	uint32_t enable[PLIC_MAX_CTX][PLIC_WORDS];
	uint32_t threshold[PLIC_MAX_CTX];
	bool out[PLIC_MAX_CTX]; /* the interrupt output to each context's hart */
};

/* Mask of the implemented sources in word w: bit 0 (source 0) is hardwired to zero. */
static uint32_t plic_word_mask(unsigned w)
{
	uint32_t m = ~0u;

	if (w == 0)
		m &= ~1u;
	if (w == PLIC_WORDS - 1 && (PLIC_NSRC + 1) % 32)
		m &= (1u << ((PLIC_NSRC + 1) % 32)) - 1;
	return m;
}

static uint32_t plic_pending(const struct plic *p, unsigned w)
{
	return p->level[w] & ~p->claimed[w];
}

/*
 * The interrupt a claim by ctx would get: the pending, enabled source with the highest
 * priority above the context's threshold, the lowest id among equals (PLIC spec, "Interrupt
 * Priorities"); 0 when there is none.
 */
static unsigned plic_best(const struct plic *p, unsigned ctx)
{
	uint32_t best_prio = p->threshold[ctx];
	unsigned best = 0;

	for (unsigned w = 0; w < PLIC_WORDS; w++) {
		uint32_t bits = plic_pending(p, w) & p->enable[ctx][w];

		while (bits) {
			unsigned src = w * 32 + (unsigned)__builtin_ctz(bits);

			bits &= bits - 1;
			if (p->priority[src] > best_prio) {
				best_prio = p->priority[src];
				best = src;
			}
		}
	}
	return best;
}

/* Drives each context's external interrupt line (MEIP or SEIP of its hart) from the state. */
static void plic_update(struct plic *p)
{
	for (unsigned ctx = 0; ctx < p->nctx; ctx++) {
		bool want = plic_best(p, ctx) != 0;
		struct hart *h = p->vm->harts[ctx / 2];
		uint64_t mask = (ctx & 1) ? MIP_SEIP : MIP_MEIP;

		if (want == p->out[ctx])
			continue;
		p->out[ctx] = want;
		if (want)
			hart_raise_irq(h, mask);
		else
			hart_lower_irq(h, mask);
	}
}

/* Claim (PLIC spec, "Interrupt Claim Process"): the best source stops pending until completed. */
static uint32_t plic_claim(struct plic *p, unsigned ctx)
{
	unsigned src = plic_best(p, ctx);

	if (src)
		p->claimed[src / 32] |= 1u << (src % 32);
	return src;
}

/*
 * Completion (PLIC spec, "Interrupt Completion"): an id that is not a source enabled for the
 * context is silently ignored; otherwise the gateway is re-armed, so the source pends again at
 * once if its line is still high.
 */
static void plic_complete(struct plic *p, unsigned ctx, uint32_t src)
{
	if (src == 0 || src > PLIC_NSRC)
		return;
	if (!(p->enable[ctx][src / 32] & (1u << (src % 32))))
		return;
	p->claimed[src / 32] &= ~(1u << (src % 32));
}

/* Reads a register; ids of sources and contexts that do not exist read as 0. */
static uint32_t plic_read_reg(struct plic *p, uint64_t off)
{
	unsigned ctx, w;

	if (off < PLIC_PENDING) {
		unsigned src = (unsigned)(off / 4);

		return (src >= 1 && src <= PLIC_NSRC) ? p->priority[src] : 0;
	}
	if (off < PLIC_ENABLE) {
		w = (unsigned)((off - PLIC_PENDING) / 4);
		return w < PLIC_WORDS ? plic_pending(p, w) : 0;
	}
	if (off < PLIC_CONTEXT) {
		ctx = (unsigned)((off - PLIC_ENABLE) / PLIC_ENABLE_STRIDE);
		w = (unsigned)((off - PLIC_ENABLE) % PLIC_ENABLE_STRIDE / 4);
		return (ctx < p->nctx && w < PLIC_WORDS) ? p->enable[ctx][w] : 0;
	}
	ctx = (unsigned)((off - PLIC_CONTEXT) / PLIC_CONTEXT_STRIDE);
	if (ctx >= p->nctx)
		return 0;
	switch ((off - PLIC_CONTEXT) % PLIC_CONTEXT_STRIDE) {
	case PLIC_THRESHOLD:
		return p->threshold[ctx];
	case PLIC_CLAIM:
		return plic_claim(p, ctx);
	default:
		return 0;
	}
}

/* Writes a register; pending bits are read-only and unknown ids are ignored. */
static void plic_write_reg(struct plic *p, uint64_t off, uint32_t val)
{
	unsigned ctx, w;

	if (off < PLIC_PENDING) {
		unsigned src = (unsigned)(off / 4);

		if (src >= 1 && src <= PLIC_NSRC)
			p->priority[src] = val & PLIC_PRIO_MASK;
		return;
	}
	if (off < PLIC_ENABLE)
		return;
	if (off < PLIC_CONTEXT) {
		ctx = (unsigned)((off - PLIC_ENABLE) / PLIC_ENABLE_STRIDE);
		w = (unsigned)((off - PLIC_ENABLE) % PLIC_ENABLE_STRIDE / 4);
		if (ctx < p->nctx && w < PLIC_WORDS)
			p->enable[ctx][w] = val & plic_word_mask(w);
		return;
	}
	ctx = (unsigned)((off - PLIC_CONTEXT) / PLIC_CONTEXT_STRIDE);
	if (ctx >= p->nctx)
		return;
	switch ((off - PLIC_CONTEXT) % PLIC_CONTEXT_STRIDE) {
	case PLIC_THRESHOLD:
		p->threshold[ctx] = val & PLIC_PRIO_MASK;
		break;
	case PLIC_CLAIM:
		plic_complete(p, ctx, val);
		break;
	default:
		break;
	}
}

static int plic_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
	struct plic *p = opaque;

	(void)size;
	pthread_mutex_lock(&p->lock);
	*val = plic_read_reg(p, off);
	plic_update(p);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static int plic_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct plic *p = opaque;

	(void)size;
	pthread_mutex_lock(&p->lock);
	plic_write_reg(p, off, (uint32_t)val);
	plic_update(p);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* vm->irqchip_set: a device drives source irq; lines that do not exist are ignored. */
static void plic_set_irq(void *opaque, unsigned irq, bool level)
{
	struct plic *p = opaque;
	uint32_t bit = 1u << (irq % 32);

	if (irq == 0 || irq > PLIC_NSRC)
		return;
	pthread_mutex_lock(&p->lock);
	if (level)
		p->level[irq / 32] |= bit;
	else
		p->level[irq / 32] &= ~bit;
	plic_update(p);
	pthread_mutex_unlock(&p->lock);
}

_Static_assert(PLIC_STATE_WORDS == PLIC_WORDS && PLIC_STATE_MAX_CTX == PLIC_MAX_CTX,
	       "plic_state must match the PLIC");

/* Drives every context's output from the state, whatever was driven before (after a load). */
static void plic_sync(struct plic *p)
{
	for (unsigned ctx = 0; ctx < p->nctx; ctx++)
		p->out[ctx] = plic_best(p, ctx) == 0;
	plic_update(p);
}

void plic_save(const void *plic, struct plic_state *s)
{
	struct plic *p = (struct plic *)plic;

	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&p->lock);
	s->nctx = p->nctx;
	memcpy(s->priority, p->priority, sizeof(s->priority));
	memcpy(s->level, p->level, sizeof(s->level));
	memcpy(s->claimed, p->claimed, sizeof(s->claimed));
	memcpy(s->enable, p->enable, sizeof(s->enable));
	memcpy(s->threshold, p->threshold, sizeof(s->threshold));
	pthread_mutex_unlock(&p->lock);
}

/* True when every field of s is a value the registers could hold for a PLIC with nctx. */
static bool plic_state_ok(const struct plic_state *s, unsigned nctx)
{
	if (s->nctx != nctx || s->priority[0] != 0)
		return false;
	for (unsigned i = 1; i <= PLIC_NSRC; i++) {
		if (s->priority[i] & ~PLIC_PRIO_MASK)
			return false;
	}
	for (unsigned w = 0; w < PLIC_WORDS; w++) {
		uint32_t m = plic_word_mask(w);

		if ((s->level[w] & ~m) || (s->claimed[w] & ~m))
			return false;
		for (unsigned ctx = 0; ctx < PLIC_MAX_CTX; ctx++) {
			if (s->enable[ctx][w] & ~(ctx < nctx ? m : 0))
				return false;
		}
	}
	for (unsigned ctx = 0; ctx < PLIC_MAX_CTX; ctx++) {
		if (s->threshold[ctx] & ~(ctx < nctx ? PLIC_PRIO_MASK : 0))
			return false;
	}
	return true;
}

int plic_load(void *plic, const struct plic_state *s)
{
	struct plic *p = plic;

	if (!plic_state_ok(s, p->nctx))
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	memcpy(p->priority, s->priority, sizeof(p->priority));
	memcpy(p->level, s->level, sizeof(p->level));
	memcpy(p->claimed, s->claimed, sizeof(p->claimed));
	memcpy(p->enable, s->enable, sizeof(p->enable));
	memcpy(p->threshold, s->threshold, sizeof(p->threshold));
	plic_sync(p);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void plic_reset(void *plic)
{
	struct plic *p = plic;

	pthread_mutex_lock(&p->lock);
	memset(p->priority, 0, sizeof(p->priority));
	memset(p->claimed, 0, sizeof(p->claimed));
	memset(p->enable, 0, sizeof(p->enable));
	memset(p->threshold, 0, sizeof(p->threshold));
	plic_sync(p);
	pthread_mutex_unlock(&p->lock);
}

void plic_destroy(void *plic)
{
	struct plic *p = plic;

	if (!p)
		return;
	if (p->vm->irqchip == p) {
		p->vm->irqchip_set = NULL;
		p->vm->irqchip = NULL;
	}
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/*
 * The PLIC outlives the bus: vm_destroy() frees it with plic_destroy() after every other
 * device (and any thread of theirs that might still drive a line) is gone, so the region has
 * no destroy callback of its own.
 */
int plic_create(struct vm *vm, struct mmio_region *r)
{
	struct plic *p;
	int err;

	if (vm->irqchip)
		return -EEXIST;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	err = pthread_mutex_init(&p->lock, NULL);
	if (err) {
		free(p);
		return -err;
	}
	p->vm = vm;
	p->nctx = 2 * vm->nharts;
	vm->irqchip = p;
	vm->irqchip_set = plic_set_irq;
	r->opaque = p;
	r->min_access = 4;
	r->max_access = 4;
	r->read = plic_read;
	r->write = plic_write;
	r->destroy = NULL;
	return 0;
}

int plic_fdt(struct fdt_ctx *ctx, const struct board_slot *s)
{
	static const char *const compat[] = {"sifive,plic-1.0.0", "riscv,plic0", NULL};
	uint32_t cells[4 * VM_MAX_HARTS];
	unsigned n = 0;
	int node, err;

	node = fdt_ctx_soc_node(ctx, "plic", s);
	if (node < 0)
		return node;
	/* Per hart: the M-mode context's line, then the S-mode one (contexts 2h, 2h+1). */
	for (unsigned h = 0; h < ctx->vm->nharts; h++) {
		cells[n++] = ctx->intc_phandle[h];
		cells[n++] = IRQ_M_EXT;
		cells[n++] = ctx->intc_phandle[h];
		cells[n++] = IRQ_S_EXT;
	}
	err = fdt_ctx_strings(ctx, node, "compatible", compat);
	if (!err)
		err = fdt_ctx_cells(ctx, node, "interrupts-extended", cells, n);
	if (!err)
		err = fdt_ctx_u32(ctx, node, "riscv,ndev", PLIC_NSRC);
	if (!err)
		err = fdt_ctx_u32(ctx, node, "#address-cells", 0);
	if (!err)
		err = fdt_ctx_u32(ctx, node, "#interrupt-cells", 1);
	if (!err)
		err = fdt_ctx_empty(ctx, node, "interrupt-controller");
	if (!err)
		err = fdt_ctx_u32(ctx, node, "phandle", ctx->irqchip_phandle);
	return err;
}
