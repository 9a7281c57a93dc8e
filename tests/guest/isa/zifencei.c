/*
 * Zifencei (ISA manual, "Zifencei" chapter): after storing new instructions,
 * fence.i makes them visible to instruction fetch on this hart, also when
 * the old code was already executed (and possibly cached/translated).
 */
#include "isa.h"

static uint32_t code[8] __attribute__((aligned(64)));

/* addi a0, x0, imm */
static uint32_t li_a0(int imm)
{
	return ((uint32_t)imm << 20) | (10 << 7) | 0x13;
}

static uint64_t call_code(void)
{
	uint64_t r;

	__asm__ volatile("jalr ra, 0(%1)\nmv %0, a0" : "=r"(r) : "r"(code) : "ra", "a0", "memory");
	return r;
}

int main(void)
{
	volatile uint32_t *c = code;

	c[0] = li_a0(1);
	c[1] = 0x00008067; /* jalr x0, 0(ra) */
	__asm__ volatile("fence.i" ::: "memory");
	CHECK_EQ(call_code(), 1);
	CHECK_EQ(call_code(), 1);
	/* Patch the already executed instruction. */
	c[0] = li_a0(2);
	__asm__ volatile("fence.i" ::: "memory");
	CHECK_EQ(call_code(), 2);
	/* Patch the second instruction: make the function longer. */
	c[1] = (0xffbU << 20) | (10 << 15) | (10 << 7) | 0x13; /* addi a0, a0, -5 */
	c[2] = 0x00008067;
	__asm__ volatile("fence.i" ::: "memory");
	CHECK_EQ(call_code(), -3ULL);
	/* Many patch/execute rounds. */
	for (int i = 0; i < 100; i++) {
		c[0] = li_a0(i);
		__asm__ volatile("fence.i" ::: "memory");
		CHECK_EQ(call_code(), (uint64_t)(i - 5));
	}
	return 0;
}
