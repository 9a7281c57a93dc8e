/*
 * Synchronous exceptions taken from M, S and U mode into M (no delegation):
 * mcause, mepc, mtval and mstatus.MPP (priv spec 3.1.15-3.1.16, table 3.6).
 */
#include "priv.h"

/* Physical address with no device or memory behind it, in QEMU virt and Vireo. */
#define HOLE 0x50000UL
/* A reserved major opcode (ISA manual, RV32/64G opcode map: inst[6:0] = 1101011). */
#define RESERVED_INSN 0x1234506bU
#define RESERVED_INSN_STR ".word 0x1234506b"

static uint64_t do_reserved(uint64_t unused)
{
	(void)unused;
	return HERE_INSN(RESERVED_INSN_STR);
}

static uint64_t do_c_illegal(uint64_t unused)
{
	(void)unused;
	/* 0x0000 is the defined-illegal compressed instruction (ISA manual 16.1). */
	return HERE_INSN(".2byte 0\n\tnop");
}

static uint64_t do_ecall(uint64_t unused)
{
	(void)unused;
	return HERE_INSN("ecall");
}

static uint64_t do_ebreak(uint64_t unused)
{
	(void)unused;
	return HERE_INSN(".option push\n\t.option norvc\n\tebreak\n\t.option pop");
}

static uint64_t do_c_ebreak(uint64_t unused)
{
	(void)unused;
	return HERE_INSN("c.ebreak\n\tnop");
}

static uint64_t do_csr_mscratch(uint64_t unused)
{
	(void)unused;
	return HERE_INSN("csrr t6, mscratch");
}

static uint64_t do_load_hole(uint64_t addr)
{
	return p_load64(addr);
}

static uint64_t do_store_hole(uint64_t addr)
{
	return p_store64(addr, 1);
}

static uint64_t do_fetch(uint64_t addr)
{
	priv.m_resume = (uint64_t)p_exec_ret;
	return p_exec(addr);
}

/* Illegal instructions: the faulting bits go to mtval (priv spec 3.1.16). */
static void illegal_from(unsigned mode)
{
	uint64_t pc;

	trap_reset();
	pc = priv_run(mode, do_reserved, 0);
	CHECK_TRAP_FROM(priv.m, CAUSE_ILLEGAL_INSN, pc, RESERVED_INSN, mode);

	trap_reset();
	pc = priv_run(mode, do_c_illegal, 0);
	/* mtval = the 16 illegal bits, here 0; the handler skipped 2 bytes. */
	CHECK_TRAP_FROM(priv.m, CAUSE_ILLEGAL_INSN, pc, 0, mode);

	if (mode == PRV_M)
		return;
	trap_reset();
	pc = priv_run(mode, do_csr_mscratch, 0);
	CHECK_TRAP_FROM(priv.m, CAUSE_ILLEGAL_INSN, pc, 0x34002ff3, mode);
	CHECK_EQ(priv.m.tval, *(uint32_t *)pc);
}

static void ecall_ebreak_from(unsigned mode)
{
	static const uint64_t ecall_cause[4] = {CAUSE_ECALL_U, CAUSE_ECALL_S, 0, CAUSE_ECALL_M};
	uint64_t pc;

	trap_reset();
	pc = priv_run(mode, do_ecall, 0);
	CHECK_TRAP_FROM(priv.m, ecall_cause[mode], pc, 0, mode);

	/* EBREAK: mtval is 0 or the address of the ebreak (priv spec 3.1.16). */
	trap_reset();
	pc = priv_run(mode, do_ebreak, 0);
	CHECK_EQ(priv.m.count, 1);
	CHECK_EQ(priv.m.cause, CAUSE_BREAKPOINT);
	CHECK_EQ(priv.m.epc, pc);
	CHECK(priv.m.tval == 0 || priv.m.tval == pc);
	CHECK_EQ(priv.m.from, mode);

	trap_reset();
	pc = priv_run(mode, do_c_ebreak, 0);
	CHECK_EQ(priv.m.count, 1);
	CHECK_EQ(priv.m.cause, CAUSE_BREAKPOINT);
	CHECK_EQ(priv.m.epc, pc);
	CHECK_EQ(*(uint16_t *)pc, 0x9002);
	CHECK(priv.m.tval == 0 || priv.m.tval == pc);
}

/* Access faults: mtval = the faulting physical address (no translation here). */
static void access_from(unsigned mode)
{
	trap_reset();
	priv_run(mode, do_load_hole, HOLE + 8);
	CHECK_TRAP_FROM(priv.m, CAUSE_LOAD_ACCESS, (uint64_t)p_load64, HOLE + 8, mode);

	trap_reset();
	priv_run(mode, do_store_hole, HOLE + 16);
	CHECK_TRAP_FROM(priv.m, CAUSE_STORE_ACCESS, (uint64_t)p_store64, HOLE + 16, mode);

	trap_reset();
	priv_run(mode, do_fetch, HOLE + 0x40);
	CHECK_TRAP_FROM(priv.m, CAUSE_FETCH_ACCESS, HOLE + 0x40, HOLE + 0x40, mode);
}

/*
 * With C, instruction addresses only need 2-byte alignment and jalr clears bit 0
 * (ISA manual 2.5), so a jump to an odd address cannot fault: it lands at addr - 1.
 * Misaligned loads and stores either work or raise a misaligned/access fault
 * with mtval = the address (priv spec 3.6.3.3).
 */
static void misaligned(void)
{
	static uint64_t buf[4];
	uint64_t addr = (uint64_t)&buf[1] + 3;

	trap_reset();
	CHECK_EQ(p_exec((uint64_t)p_ret42 + 1), 42);
	CHECK_NO_TRAP();

	buf[1] = 0x1122334455667788UL;
	buf[2] = 0x99aabbccddeeff00UL;
	trap_reset();
	uint64_t v = p_load64(addr);
	if (priv.m.count) {
		CHECK(priv.m.cause == CAUSE_MISALIGNED_LOAD || priv.m.cause == CAUSE_LOAD_ACCESS);
		CHECK_EQ(priv.m.tval, addr);
	} else {
		CHECK_EQ(v, 0xeeff001122334455UL);
	}
	trap_reset();
	p_store64(addr, 0x0102030405060708UL);
	if (priv.m.count) {
		CHECK(priv.m.cause == CAUSE_MISALIGNED_STORE || priv.m.cause == CAUSE_STORE_ACCESS);
		CHECK_EQ(priv.m.tval, addr);
	} else {
		CHECK_EQ(buf[1], 0x0405060708667788UL);
		CHECK_EQ(buf[2], 0x99aabbccdd010203UL);
	}
}

int main(void)
{
	static const unsigned modes[3] = {PRV_M, PRV_S, PRV_U};

	priv_init();
	for (int i = 0; i < 3; i++) {
		illegal_from(modes[i]);
		ecall_ebreak_from(modes[i]);
		access_from(modes[i]);
	}
	misaligned();
	return 0;
}
