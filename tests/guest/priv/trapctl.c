/*
 * Privilege checks on instructions and CSRs (priv spec 2.1, 3.1.6.5, 3.3.2):
 * TSR traps sret in S, TW traps wfi in S and U, TVM traps satp and sfence.vma in
 * S; U cannot touch S CSRs, S cannot touch M CSRs, xRET above the current
 * privilege and writes to read-only CSRs are illegal. Each trap must report the
 * instruction bits in mtval.
 */
#include "priv.h"

#define INSN_FN(name, insn)                                                                        \
	static uint64_t name(uint64_t unused)                                                      \
	{                                                                                          \
		(void)unused;                                                                      \
		return HERE_INSN(insn);                                                            \
	}

INSN_FN(do_sret, "sret")
INSN_FN(do_mret, "mret")
INSN_FN(do_wfi, "wfi")
INSN_FN(do_read_satp, "csrr t6, satp")
INSN_FN(do_write_satp, "csrw satp, zero")
INSN_FN(do_sfence, "sfence.vma")
INSN_FN(do_sfence_args, "sfence.vma t6, zero")
INSN_FN(do_sstatus, "csrr t6, sstatus")
INSN_FN(do_sie, "csrr t6, sie")
INSN_FN(do_stvec, "csrr t6, stvec")
INSN_FN(do_sscratch, "csrw sscratch, t6")
INSN_FN(do_sepc, "csrr t6, sepc")
INSN_FN(do_scause, "csrr t6, scause")
INSN_FN(do_stval, "csrr t6, stval")
INSN_FN(do_sip, "csrr t6, sip")
INSN_FN(do_mstatus, "csrr t6, mstatus")
INSN_FN(do_misa, "csrr t6, misa")
INSN_FN(do_medeleg, "csrr t6, medeleg")
INSN_FN(do_mhartid, "csrr t6, mhartid")
INSN_FN(do_mscratch, "csrr t6, mscratch")
INSN_FN(do_write_mvendorid, "csrw mvendorid, zero")
INSN_FN(do_write_mhartid, "csrrwi t6, mhartid, 0")

/* Run fn in mode and expect an illegal-instruction trap to M on its instruction. */
static void expect_illegal(unsigned mode, uint64_t (*fn)(uint64_t), int line)
{
	uint64_t pc;

	trap_reset();
	pc = priv_run(mode, fn, 0);
	if (priv.m.count != 1 || priv.m.cause != CAUSE_ILLEGAL_INSN || priv.m.epc != pc ||
	    priv.m.tval != *(uint32_t *)pc || priv.m.from != mode || priv.s.count != 0) {
		uart_puts("expected illegal instruction, mode ");
		uart_putdec(mode);
		uart_puts(" insn ");
		uart_puthex(*(uint32_t *)pc);
		uart_puts(": count ");
		uart_putdec(priv.m.count);
		uart_puts(" mcause ");
		uart_puthex(priv.m.cause);
		uart_puts(" mepc ");
		uart_puthex(priv.m.epc);
		uart_puts(" mtval ");
		uart_puthex(priv.m.tval);
		uart_putc('\n');
		test_fail((unsigned long)line);
	}
}

/* Run fn in mode and expect it to complete without any trap. */
static void expect_ok(unsigned mode, uint64_t (*fn)(uint64_t), int line)
{
	trap_reset();
	priv_run(mode, fn, 0);
	if (priv.m.count || priv.s.count) {
		uart_puts("unexpected trap, mcause ");
		uart_puthex(priv.m.cause);
		uart_puts(" mtval ");
		uart_puthex(priv.m.tval);
		uart_putc('\n');
		test_fail((unsigned long)line);
	}
}

#define ILLEGAL(mode, fn) expect_illegal(mode, fn, __LINE__)
#define OK(mode, fn) expect_ok(mode, fn, __LINE__)

static void status_traps(void)
{
	csr_set(mstatus, MSTATUS_TSR);
	ILLEGAL(PRV_S, do_sret);
	CHECK_EQ(priv.m.tval, 0x10200073);
	csr_clear(mstatus, MSTATUS_TSR);

	csr_set(mstatus, MSTATUS_TW);
	ILLEGAL(PRV_S, do_wfi);
	CHECK_EQ(priv.m.tval, 0x10500073);
	ILLEGAL(PRV_U, do_wfi);
	csr_clear(mstatus, MSTATUS_TW);

	csr_set(mstatus, MSTATUS_TVM);
	ILLEGAL(PRV_S, do_read_satp);
	CHECK_EQ(priv.m.tval, 0x18002ff3);
	ILLEGAL(PRV_S, do_write_satp);
	ILLEGAL(PRV_S, do_sfence);
	CHECK_EQ(priv.m.tval, 0x12000073);
	ILLEGAL(PRV_S, do_sfence_args);
	/* TVM does not restrict M. */
	OK(PRV_M, do_read_satp);
	OK(PRV_M, do_sfence);
	csr_clear(mstatus, MSTATUS_TVM);
	OK(PRV_S, do_read_satp);
	OK(PRV_S, do_write_satp);
	OK(PRV_S, do_sfence);
	OK(PRV_S, do_sfence_args);
	/* sfence.vma is never allowed in U (priv spec 4.2.1). */
	ILLEGAL(PRV_U, do_sfence);
}

static void csr_privilege(void)
{
	static uint64_t (*const s_csrs[])(uint64_t) = {
	    do_sstatus, do_sie,	  do_stvec, do_sscratch,  do_sepc,
	    do_scause,	do_stval, do_sip,   do_read_satp,
	};
	static uint64_t (*const m_csrs[])(uint64_t) = {
	    do_mstatus, do_misa, do_medeleg, do_mhartid, do_mscratch,
	};

	for (unsigned i = 0; i < sizeof(s_csrs) / sizeof(s_csrs[0]); i++) {
		ILLEGAL(PRV_U, s_csrs[i]);
		OK(PRV_S, s_csrs[i]);
	}
	for (unsigned i = 0; i < sizeof(m_csrs) / sizeof(m_csrs[0]); i++) {
		ILLEGAL(PRV_U, m_csrs[i]);
		ILLEGAL(PRV_S, m_csrs[i]);
		OK(PRV_M, m_csrs[i]);
	}
	/* xRET above the current privilege. */
	ILLEGAL(PRV_U, do_sret);
	ILLEGAL(PRV_U, do_mret);
	ILLEGAL(PRV_S, do_mret);
	CHECK_EQ(priv.m.tval, 0x30200073);
	/* Writes to read-only CSRs (address bits 11:10 = 3) are illegal even in M. */
	ILLEGAL(PRV_M, do_write_mvendorid);
	ILLEGAL(PRV_M, do_write_mhartid);
}

int main(void)
{
	priv_init();
	status_traps();
	csr_privilege();
	return 0;
}
