/*
 * RV64M (ISA manual, "M" extension): all multiplies incl. high halves and
 * mulw, all divides/remainders and W forms incl. the division-by-zero and
 * overflow results of the manual's table (chapter 13.2 / 7.2).
 */
#include "isa.h"

#define MIN64 0x8000000000000000ULL
#define MAX64 0x7fffffffffffffffULL
#define ONES 0xffffffffffffffffULL

static void test_mul(void)
{
	T_RR("mul", 6, 7, 42);
	T_RR("mul", ONES, 5, -5ULL);
	T_RR("mul", 0x100000000ULL, 0x100000000ULL, 0);
	T_RR("mul", MIN64, ONES, MIN64);
	T_RR("mul", 0x123456789ULL, 0x987654321ULL, 0xd77d742cce1833a9ULL);
	T_RR("mulh", ONES, ONES, 0);
	T_RR("mulh", MIN64, MIN64, 0x4000000000000000ULL);
	T_RR("mulh", MIN64, 1, ONES);
	T_RR("mulh", MAX64, MAX64, 0x3fffffffffffffffULL);
	T_RR("mulh", 0x100000000ULL, 0x100000000ULL, 1);
	T_RR("mulhu", ONES, ONES, 0xfffffffffffffffeULL);
	T_RR("mulhu", MIN64, 2, 1);
	T_RR("mulhu", 0x100000000ULL, 0x100000000ULL, 1);
	/* mulhsu: rs1 signed, rs2 unsigned. */
	T_RR("mulhsu", ONES, ONES, ONES);
	T_RR("mulhsu", 2, ONES, 1);
	T_RR("mulhsu", MIN64, ONES, 0x8000000000000000ULL);
	T_RR("mulhsu", 1, ONES, 0);
	/* mulw: low 32 bits of the product, sign-extended; upper inputs ignored. */
	T_RR("mulw", 0x7fffffff, 2, 0xfffffffffffffffeULL);
	T_RR("mulw", 0x100000003ULL, 0x100000005ULL, 15);
	T_RR("mulw", 0x10000, 0x8000, 0xffffffff80000000ULL);
	T_RR("mulw", ONES, 7, -7ULL);
}

static void test_div(void)
{
	T_RR("div", 42, 6, 7);
	T_RR("div", -7ULL, 2, -3ULL); /* rounds towards zero */
	T_RR("div", 7, -2ULL, -3ULL);
	T_RR("divu", ONES, 2, MAX64);
	T_RR("divu", -7ULL, 2, 0x7ffffffffffffffcULL);
	T_RR("rem", -7ULL, 2, ONES); /* sign of the dividend */
	T_RR("rem", 7, -2ULL, 1);
	T_RR("rem", -7ULL, -2ULL, ONES);
	T_RR("remu", -7ULL, 2, 1);
	T_RR("remu", 100, 7, 2);
	/* Division by zero: q = all ones, r = dividend. */
	T_RR("div", 5, 0, ONES);
	T_RR("div", MIN64, 0, ONES);
	T_RR("divu", 5, 0, ONES);
	T_RR("rem", -5ULL, 0, -5ULL);
	T_RR("remu", 5, 0, 5);
	/* Overflow: MIN / -1 = MIN, remainder 0. */
	T_RR("div", MIN64, ONES, MIN64);
	T_RR("rem", MIN64, ONES, 0);
	T_RR("divu", MIN64, ONES, 0);
	T_RR("remu", MIN64, ONES, MIN64);
}

static void test_div_w(void)
{
	/* W forms use rs[31:0] and sign-extend the 32-bit result. */
	T_RR("divw", 0x12345678fffffff9ULL, 2, -3ULL);
	T_RR("divw", 0x80000000, 2, 0xffffffffc0000000ULL);
	T_RR("divuw", 0xfffffff9, 2, 0x7ffffffc);
	T_RR("divuw", 0xffffffff00000000ULL | 0x80000000, 1, 0xffffffff80000000ULL);
	T_RR("divuw", 0x80000000, 0x100000001ULL, 0xffffffff80000000ULL);
	T_RR("remw", 0xfffffff9, 2, ONES);
	T_RR("remw", 0x100000007ULL, 0xfffffffe, 1);
	T_RR("remuw", 0xfffffff9, 2, 1);
	T_RR("remuw", 0xfffffffe, 0xffffffff, 0xfffffffffffffffeULL);
	/* Division by zero. */
	T_RR("divw", 5, 0x100000000ULL, ONES);
	T_RR("divuw", 5, 0, ONES);
	T_RR("remw", 0x1234567880000005ULL, 0, 0xffffffff80000005ULL);
	T_RR("remuw", 0x1234567880000005ULL, 0, 0xffffffff80000005ULL);
	T_RR("remuw", 0x1234567800000005ULL, 0, 5);
	/* Overflow: INT32_MIN / -1. */
	T_RR("divw", 0x80000000, 0xffffffff, 0xffffffff80000000ULL);
	T_RR("remw", 0x80000000, ONES, 0);
	T_RR("divuw", 0x80000000, 0xffffffff, 0);
	T_RR("remuw", 0x80000000, 0xffffffff, 0xffffffff80000000ULL);
}

int main(void)
{
	test_mul();
	test_div();
	test_div_w();
	return 0;
}
