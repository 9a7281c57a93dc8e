/* Trap handlers and mode switching for the privileged-architecture tests (see priv.h). */
#include "priv.h"

#define RAM_BASE 0x80000000UL
#define RAM_SPAN 0x40000000UL

/* Callee-saved state of the priv_run() caller, restored when the exit stub traps. */
struct enter_ctx {
	uint64_t ra, sp, s[12];
	uint64_t mie;
};

struct priv_state priv;
static struct enter_ctx enter_ctx;
static uint64_t m_stack[1024] __attribute__((aligned(16)));
static uint64_t s_stack[1024] __attribute__((aligned(16)));
static uint64_t lower_stack[1024] __attribute__((aligned(16)));

uint64_t priv_enter(uint64_t arg, uint64_t pc, uint64_t sp, uint64_t ra, struct enter_ctx *ctx);
__attribute__((noreturn)) void s_forward_exit(uint64_t a0, uint64_t use_ebreak);
void s_dispatch(struct trap_frame *tf);
static int m_handler(struct trap_frame *tf);

void trap_reset(void)
{
	priv.m = (struct trap_rec){0};
	priv.s = (struct trap_rec){0};
	priv.m_resume = 0;
	priv.s_resume = 0;
}

uint64_t priv_lower_sp(void)
{
	return (uint64_t)&lower_stack[1024];
}

void priv_init(void)
{
	csr_write(mtvec, (uint64_t)m_trap_entry);
	csr_write(mscratch, (uint64_t)&m_stack[1024]);
	csr_write(stvec, (uint64_t)s_trap_entry);
	csr_write(sscratch, (uint64_t)&s_stack[1024]);
	/* With no PMP entry matching, S and U accesses fail (priv spec 3.7.1): open all. */
	csr_write(pmpaddr0, -1UL);
	csr_write(pmpcfg0, 0x1fUL); /* NAPOT, R, W, X */
	csr_write(medeleg, 0UL);
	csr_write(mideleg, 0UL);
	csr_write(mie, 0UL);
	csr_write(satp, 0UL);
	trap_set_handler(m_handler);
	trap_reset();
	priv.alias_off = 0;
	priv.m_irq = 0;
	priv.s_irq = 0;
}

uint64_t priv_run_at(unsigned mode, uint64_t pc, uint64_t arg, uint64_t sp, uint64_t ra)
{
	uint64_t ms = csr_read(mstatus);

	enter_ctx.mie = ms & MSTATUS_MIE;
	/* mret: priv = MPP, MIE = MPIE (priv spec 3.1.6.1); keep MIE as it is now. */
	ms &= ~(MSTATUS_MPP | MSTATUS_MPIE);
	ms |= ((uint64_t)mode << MSTATUS_MPP_SHIFT) | (enter_ctx.mie ? MSTATUS_MPIE : 0);
	csr_write(mstatus, ms);
	csr_write(sscratch, (uint64_t)&s_stack[1024]);
	return priv_enter(arg, pc, sp, ra, &enter_ctx);
}

uint64_t priv_run(unsigned mode, uint64_t (*fn)(uint64_t), uint64_t arg)
{
	return priv_run_at(mode, (uint64_t)fn, arg, priv_lower_sp(), (uint64_t)p_exit_stub);
}

/* The exit stub's trap: return to priv_run's caller in M with the function's a0. */
static void finish_run(struct trap_frame *tf)
{
	static const int sregs[12] = {8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27};

	tf->regs[1] = enter_ctx.ra;
	tf->regs[2] = enter_ctx.sp;
	for (int i = 0; i < 12; i++)
		tf->regs[sregs[i]] = enter_ctx.s[i];
	tf->mepc = enter_ctx.ra;
	tf->regs[17] = 0; /* a7: no stale exit magic in M */
	tf->mstatus |= MSTATUS_MPP;
	tf->mstatus &= ~MSTATUS_MPIE;
	if (enter_ctx.mie)
		tf->mstatus |= MSTATUS_MPIE;
}

static int is_exit(const struct trap_frame *tf)
{
	uint64_t c = tf->mcause;

	if (tf->regs[17] != PRIV_EXIT_MAGIC)
		return 0;
	return c == CAUSE_BREAKPOINT || c == CAUSE_ECALL_U || c == CAUSE_ECALL_S ||
	       c == CAUSE_ECALL_M;
}

static void record(struct trap_rec *r, const struct trap_frame *tf, unsigned from)
{
	r->count++;
	r->cause = tf->mcause;
	r->epc = tf->mepc;
	r->tval = tf->mtval;
	r->status = tf->mstatus;
	r->from = from;
}

/* Step over the trapping instruction; code run through an alias is read at its PA. */
static void skip_insn(struct trap_frame *tf, int m_level)
{
	uint64_t pc = tf->mepc;
	uint16_t parcel;

	if (tf->mcause == CAUSE_ILLEGAL_INSN && tf->mtval) {
		parcel = (uint16_t)tf->mtval;
	} else {
		if (m_level && (pc < RAM_BASE || pc >= RAM_BASE + RAM_SPAN))
			pc -= priv.alias_off;
		parcel = *(volatile uint16_t *)pc;
	}
	tf->mepc += (parcel & 3) == 3 ? 4 : 2;
}

static int is_fetch_fault(uint64_t cause)
{
	return cause == CAUSE_MISALIGNED_FETCH || cause == CAUSE_FETCH_ACCESS ||
	       cause == CAUSE_FETCH_PAGE_FAULT;
}

static void sync_continue(struct trap_frame *tf, uint64_t *resume, int m_level)
{
	if (*resume) {
		tf->mepc = *resume;
		*resume = 0;
		return;
	}
	if (is_fetch_fault(tf->mcause)) {
		uart_puts(m_level ? "M" : "S");
		uart_puts(": fetch fault without a resume address, epc=");
		uart_puthex(tf->mepc);
		uart_putc('\n');
		test_fail(0xef);
	}
	skip_insn(tf, m_level);
}

/* M-level handler, installed through the runtime's trap_dispatch(). */
static int m_handler(struct trap_frame *tf)
{
	if (!(tf->mcause & CAUSE_INTERRUPT) && is_exit(tf)) {
		finish_run(tf);
		return 1;
	}
	record(&priv.m, tf, (unsigned)(tf->mstatus >> MSTATUS_MPP_SHIFT) & 3);
	if (tf->mcause & CAUSE_INTERRUPT) {
		if (!(priv.m_irq && priv.m_irq(tf)))
			csr_clear(mie, 1UL << (tf->mcause & 63));
		return 1;
	}
	sync_continue(tf, &priv.m_resume, 1);
	return 1;
}

/* S-level handler, called by s_trap_entry (tf holds sepc/scause/stval/sstatus). */
void s_dispatch(struct trap_frame *tf)
{
	if (!(tf->mcause & CAUSE_INTERRUPT) && is_exit(tf)) {
		/* A delegated exit ecall: hand it on to M with an ecall, or an ebreak if
		 * ecalls from S are delegated too. */
		if (tf->mcause == CAUSE_BREAKPOINT) {
			uart_puts("S: exit ebreak delegated too\n");
			test_fail(0xed);
		}
		s_forward_exit(tf->regs[10], tf->mcause == CAUSE_ECALL_S);
	}
	record(&priv.s, tf, (tf->mstatus & MSTATUS_SPP) ? PRV_S : PRV_U);
	if (tf->mcause & CAUSE_INTERRUPT) {
		if (!(priv.s_irq && priv.s_irq(tf)))
			csr_clear(sie, 1UL << (tf->mcause & 63));
		return;
	}
	sync_continue(tf, &priv.s_resume, 0);
}
