/*
 * RV64I control transfer (ISA manual, "Control Transfer Instructions"):
 * every conditional branch taken and not taken incl. signed/unsigned edges,
 * backward branches, jal/jalr link values, jalr clearing bit 0, rd == rs1.
 */
#include "isa.h"

#define MIN64 0x8000000000000000ULL
#define MAX64 0x7fffffffffffffffULL
#define ONES 0xffffffffffffffffULL

/* 1 if "op rs1, rs2, target" is taken. */
#define BR(op, a, b)                                                                       \
	({                                                                                 \
		uint64_t t_;                                                               \
		__asm__ volatile(".option push\n.option norvc\nli %0, 1\n" op " %1, %2, 1f\n"  \
				 "li %0, 0\n1:\n.option pop"                               \
				 : "=&r"(t_)                                               \
				 : "r"((uint64_t)(a)), "r"((uint64_t)(b)));                \
		t_;                                                                        \
	})

static void test_branches(void)
{
	CHECK_EQ(BR("beq", 5, 5), 1);
	CHECK_EQ(BR("beq", 5, 6), 0);
	CHECK_EQ(BR("beq", 0, MIN64), 0);
	CHECK_EQ(BR("bne", 5, 6), 1);
	CHECK_EQ(BR("bne", ONES, ONES), 0);
	CHECK_EQ(BR("blt", ONES, 0), 1);
	CHECK_EQ(BR("blt", 0, ONES), 0);
	CHECK_EQ(BR("blt", MIN64, MAX64), 1);
	CHECK_EQ(BR("blt", MAX64, MIN64), 0);
	CHECK_EQ(BR("blt", 3, 3), 0);
	CHECK_EQ(BR("bltu", ONES, 0), 0);
	CHECK_EQ(BR("bltu", 0, ONES), 1);
	CHECK_EQ(BR("bltu", MAX64, MIN64), 1);
	CHECK_EQ(BR("bltu", 3, 3), 0);
	CHECK_EQ(BR("bge", 3, 3), 1);
	CHECK_EQ(BR("bge", 0, ONES), 1);
	CHECK_EQ(BR("bge", ONES, 0), 0);
	CHECK_EQ(BR("bge", MIN64, MAX64), 0);
	CHECK_EQ(BR("bgeu", 3, 3), 1);
	CHECK_EQ(BR("bgeu", ONES, 0), 1);
	CHECK_EQ(BR("bgeu", 0, ONES), 0);
	CHECK_EQ(BR("bgeu", MIN64, MAX64), 1);
	/* Only the full 64 bits count: these differ in bit 63 / bit 32 only. */
	CHECK_EQ(BR("beq", 0x100000000ULL, 0), 0);
	CHECK_EQ(BR("blt", 0x80000000ULL, 0), 0);
}

static void test_backward_branch(void)
{
	uint64_t n = OPAQUE(10), sum = 0;

	/* A backward taken branch (negative offset), not-taken on exit. */
	__asm__ volatile(".option push\n.option norvc\n1: add %1, %1, %0\naddi %0, %0, -1\n"
			 "bnez %0, 1b\n.option pop"
			 : "+r"(n), "+r"(sum));
	CHECK_EQ(sum, 55);
	CHECK_EQ(n, 0);
}

static void test_jal(void)
{
	uint64_t link, after, skipped = 0;

	/* jal writes pc + 4 and jumps over the li. */
	__asm__ volatile(".option push\n.option norvc\njal %0, 1f\n2: li %2, 1\n1: lla %1, 2b\n"
			 ".option pop"
			 : "=&r"(link), "=&r"(after), "+r"(skipped));
	CHECK_EQ(link, after);
	CHECK_EQ(skipped, 0);
	/* jal x0 (j): no link, backward then forward jumps. */
	__asm__ volatile(".option push\n.option norvc\nj 3f\n4: j 5f\nli %0, 1\n3: j 4b\n"
			 "li %0, 2\n5:\n.option pop"
			 : "+r"(skipped));
	CHECK_EQ(skipped, 0);
}

static void test_jalr(void)
{
	uint64_t link, ret, tmp;

	/* jalr target = (rs1 + imm) & ~1 (ISA manual 2.5.1). */
	__asm__ volatile(".option push\n.option norvc\nlla %2, 1f\naddi %2, %2, 1\n"
			 "jalr %0, 0(%2)\n2: li %0, 0\n1: lla %1, 2b\n.option pop"
			 : "=&r"(link), "=&r"(ret), "=&r"(tmp));
	CHECK_EQ(link, ret);
	/* Negative offset with bit 0 set in the sum: rs1 = target + 7, imm = -6. */
	__asm__ volatile(".option push\n.option norvc\nlla %2, 1f\naddi %2, %2, 7\n"
			 "jalr %0, -6(%2)\n2: li %0, 0\n1: lla %1, 2b\n.option pop"
			 : "=&r"(link), "=&r"(ret), "=&r"(tmp));
	CHECK_EQ(link, ret);
	/* rd == rs1: the target uses the old rs1, then rd gets the link. */
	__asm__ volatile(".option push\n.option norvc\nlla %0, 1f\njalr %0, 0(%0)\n"
			 "2: li %0, 0\n1: lla %1, 2b\n.option pop"
			 : "=&r"(link), "=&r"(ret));
	CHECK_EQ(link, ret);
	/* jalr x0 (jr) and a real call/return through ra. */
	__asm__ volatile(".option push\n.option norvc\nli %0, 0\nlla %1, 1f\njalr x0, 0(%1)\n"
			 "li %0, 1\n1:\n"
			 "jal ra, 3f\nj 4f\n3: addi %0, %0, 5\njalr x0, 0(ra)\nli %0, 9\n4:\n"
			 ".option pop"
			 : "=&r"(tmp), "=&r"(ret)
			 :
			 : "ra");
	CHECK_EQ(tmp, 5);
}

int main(void)
{
	test_branches();
	test_backward_branch();
	test_jal();
	test_jalr();
	return 0;
}
