/*
 * RV64I integer computational instructions (ISA manual, RV32I/RV64I chapters
 * "Integer Computational Instructions"): register and immediate forms, the
 * *W forms and their sign extension, shift-amount masking, lui/auipc, x0.
 */
#include "isa.h"

#define MIN64 0x8000000000000000ULL
#define MAX64 0x7fffffffffffffffULL
#define ONES 0xffffffffffffffffULL

static void test_add_sub(void)
{
	T_RR("add", 1, 2, 3);
	T_RR("add", MAX64, 1, MIN64);
	T_RR("add", ONES, 1, 0);
	T_RR("sub", 0, 1, ONES);
	T_RR("sub", MIN64, 1, MAX64);
	T_RR("sub", 5, 7, -2ULL);
	T_RI("addi", 0, -2048, 0xfffffffffffff800ULL);
	T_RI("addi", 0, 2047, 2047);
	T_RI("addi", MAX64, 1, MIN64);
	/* *W: 32-bit result sign-extended, upper source bits ignored (RV64I 5.2). */
	T_RR("addw", 0x7fffffff, 1, 0xffffffff80000000ULL);
	T_RR("addw", 0xffffffff00000001ULL, 0, 1);
	T_RR("addw", 0x80000000, 0x80000000, 0);
	T_RR("addw", 0x123456789abcdef0ULL, 0x10, 0xffffffff9abcdf00ULL);
	T_RR("subw", 0, 1, ONES);
	T_RR("subw", 0x80000000, 1, 0x7fffffff);
	T_RR("subw", 0x100000000ULL, 0, 0);
	T_RR("subw", 0x7fffffff, 0xffffffffULL, 0xffffffff80000000ULL);
	T_RI("addiw", 0x7fffffff, 1, 0xffffffff80000000ULL);
	T_RI("addiw", 0x80000000, 0, 0xffffffff80000000ULL); /* sext.w */
	T_RI("addiw", 0xffffffff7fffffffULL, 0, 0x7fffffff);
	T_RI("addiw", 0, -2048, 0xfffffffffffff800ULL);
}

static void test_compare(void)
{
	T_RR("slt", ONES, 0, 1);
	T_RR("slt", 0, ONES, 0);
	T_RR("slt", MIN64, MAX64, 1);
	T_RR("slt", 5, 5, 0);
	T_RR("sltu", ONES, 0, 0);
	T_RR("sltu", 0, ONES, 1);
	T_RR("sltu", MAX64, MIN64, 1);
	T_RI("slti", ONES, 0, 1);
	T_RI("slti", 0, -2048, 0);
	T_RI("slti", MIN64, -2048, 1);
	T_RI("slti", 2046, 2047, 1);
	/* sltiu sign-extends the immediate, then compares unsigned. */
	T_RI("sltiu", 5, -1, 1);
	T_RI("sltiu", ONES, -1, 0);
	T_RI("sltiu", 0, 1, 1); /* seqz */
	T_RI("sltiu", 1, 1, 0);
	T_RR("sltu", 0, 7, 1); /* snez is sltu rd, x0, rs */
}

static void test_logic(void)
{
	const uint64_t x = 0x1234567887654321ULL;

	T_RR("and", x, 0xff00ff00ff00ff00ULL, 0x1200560087004300ULL);
	T_RR("or", x, 0xff00ff00ff00ff00ULL, 0xff34ff78ff65ff21ULL);
	T_RR("xor", x, 0xff00ff00ff00ff00ULL, 0xed34a9787865bc21ULL);
	T_RI("andi", x, -1, x);
	T_RI("andi", x, 0x7ff, 0x321);
	T_RI("andi", x, -2048, 0x1234567887654000ULL);
	T_RI("ori", 0, -2048, 0xfffffffffffff800ULL);
	T_RI("ori", x, 0x0f0, 0x12345678876543f1ULL);
	T_RI("xori", x, -1, ~x);
	T_RI("xori", x, 0x7ff, 0x12345678876544deULL);
}

static void test_shifts(void)
{
	/* RV64: shamt is rs2[5:0]; *W: rs2[4:0] and a 32-bit, sign-extended result. */
	T_RR("sll", 1, 63, MIN64);
	T_RR("sll", 1, 64, 1);
	T_RR("sll", 1, 65, 2);
	T_RR("sll", 0xff, 0xffffffffffffffc4ULL, 0xff0);
	T_RR("srl", MIN64, 63, 1);
	T_RR("srl", MIN64, 64, MIN64);
	T_RR("srl", ONES, 4, 0x0fffffffffffffffULL);
	T_RR("sra", MIN64, 63, ONES);
	T_RR("sra", MIN64, 4, 0xf800000000000000ULL);
	T_RR("sra", MAX64, 62, 1);
	T_RR("sra", MIN64, 0x40, MIN64);
	T_RI("slli", 1, 63, MIN64);
	T_RI("slli", 0x8000000000000001ULL, 0, 0x8000000000000001ULL);
	T_RI("srli", MIN64, 63, 1);
	T_RI("srli", ONES, 32, 0xffffffffULL);
	T_RI("srai", MIN64, 63, ONES);
	T_RI("srai", 0x4000000000000000ULL, 62, 1);
	T_RR("sllw", 1, 31, 0xffffffff80000000ULL);
	T_RR("sllw", 1, 32, 1);
	T_RR("sllw", 0xffffffff00000003ULL, 1, 6);
	T_RR("srlw", 0xffffffff80000000ULL, 31, 1);
	T_RR("srlw", 0x80000000, 0, 0xffffffff80000000ULL);
	T_RR("srlw", ONES, 1, 0x7fffffff);
	T_RR("srlw", 0x1234567800000010ULL, 36, 1);
	T_RR("sraw", 0x80000000, 31, ONES);
	T_RR("sraw", 0x80000000, 4, 0xfffffffff8000000ULL);
	T_RR("sraw", 0x0000000100000010ULL, 4, 1);
	T_RR("sraw", 0x7fffffff, 0x3f, 0);
	T_RI("slliw", 1, 31, 0xffffffff80000000ULL);
	T_RI("slliw", 0xffffffff00000001ULL, 4, 0x10);
	T_RI("slliw", 0x12345678, 0, 0x12345678);
	T_RI("srliw", 0x80000000, 31, 1);
	T_RI("srliw", 0x80000000, 0, 0xffffffff80000000ULL);
	T_RI("srliw", 0xabcdef0080000000ULL, 1, 0x40000000);
	T_RI("sraiw", 0x80000000, 31, ONES);
	T_RI("sraiw", 0x80000000, 1, 0xffffffffc0000000ULL);
	T_RI("sraiw", 0xffffffff7fffffffULL, 30, 1);
}

static void test_upper_imm(void)
{
	uint64_t v, pc;

	/* lui: imm << 12, sign-extended from bit 31 on RV64. */
	__asm__ volatile("lui %0, 0x80000" : "=r"(v));
	CHECK_EQ(v, 0xffffffff80000000ULL);
	__asm__ volatile("lui %0, 0x7ffff" : "=r"(v));
	CHECK_EQ(v, 0x7ffff000);
	__asm__ volatile("lui %0, 0xfffff" : "=r"(v));
	CHECK_EQ(v, 0xfffffffffffff000ULL);
	/* auipc adds the sign-extended upper immediate to its own address. */
	__asm__ volatile(".option push\n.option norvc\n1: auipc %0, 0\nlla %1, 1b\n.option pop"
			 : "=r"(v), "=r"(pc));
	CHECK_EQ(v, pc);
	__asm__ volatile(".option push\n.option norvc\n1: auipc %0, 0x80000\nlla %1, 1b\n"
			 ".option pop"
			 : "=r"(v), "=r"(pc));
	CHECK_EQ(v - pc, 0xffffffff80000000ULL);
	__asm__ volatile(".option push\n.option norvc\n1: auipc %0, 1\nlla %1, 1b\n.option pop"
			 : "=r"(v), "=r"(pc));
	CHECK_EQ(v - pc, 0x1000);
}

static void test_x0(void)
{
	uint64_t v;

	/* Writes to x0 are discarded (ISA manual 2.1). */
	__asm__ volatile(".option push\n.option norvc\naddi x0, x0, 5\nlui x0, 0x12345\n"
			 "add %0, x0, x0\n.option pop"
			 : "=r"(v));
	CHECK_EQ(v, 0);
	__asm__ volatile(".option push\n.option norvc\nli %0, 7\naddi %0, x0, -3\n.option pop"
			 : "=&r"(v));
	CHECK_EQ(v, -3ULL);
}

int main(void)
{
	test_add_sub();
	test_compare();
	test_logic();
	test_shifts();
	test_upper_imm();
	test_x0();
	return 0;
}
