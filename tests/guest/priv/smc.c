/*
 * Self-modifying code (ISA manual, "Zifencei"): after stores to instruction
 * memory and a fence.i, the hart fetches the new instructions. Checked for
 * 32-bit and compressed instructions, for code patched just ahead of the
 * running instruction, repeatedly in a loop, and through a second virtual
 * mapping of the code page (write via one VA, execute via another).
 */
#include "priv.h"
#include "pt.h"

#define RAM 0x80000000UL
#define VA_X 0x40000000UL /* the code page, R+X */
#define VA_W 0x40200000UL /* the same page, R+W */

#define LI_A0(imm) (0x00000513U | ((uint32_t)(imm) << 20)) /* addi a0, x0, imm */
#define RET 0x00008067U					   /* jalr x0, 0(ra) */
#define C_LI_A0(imm) (0x4501U | (((imm)&31U) << 2))	   /* c.li a0, imm */
#define C_JR_RA 0x8082U
#define C_NOP 0x0001U

static uint32_t code[1024] __attribute__((aligned(4096)));

static void fence_i(void)
{
	__asm__ volatile("fence.i" ::: "memory");
}

static uint64_t call(const void *p)
{
	return p_exec((uint64_t)p);
}

static void put16(unsigned idx, uint16_t v)
{
	((volatile uint16_t *)code)[idx] = v;
}

static void wide(void)
{
	code[0] = LI_A0(1);
	code[1] = RET;
	fence_i();
	CHECK_EQ(call(code), 1);
	code[0] = LI_A0(2);
	fence_i();
	CHECK_EQ(call(code), 2);
	/* Many rewrites of the same instruction, each executed. */
	for (unsigned i = 0; i < 200; i++) {
		code[0] = LI_A0(i);
		fence_i();
		CHECK_EQ(call(code), i);
	}
}

static void compressed(void)
{
	put16(0, C_LI_A0(3));
	put16(1, C_JR_RA);
	fence_i();
	CHECK_EQ(call(code), 3);
	put16(0, C_LI_A0(5));
	fence_i();
	CHECK_EQ(call(code), 5);
	/* A 32-bit instruction replaced by two compressed ones, and back. */
	code[0] = LI_A0(11);
	code[1] = RET;
	fence_i();
	CHECK_EQ(call(code), 11);
	put16(0, C_LI_A0(7));
	put16(1, C_NOP);
	fence_i();
	CHECK_EQ(call(code), 7);
	code[0] = LI_A0(12);
	fence_i();
	CHECK_EQ(call(code), 12);
}

/* Patch the instruction right after the fence.i in the running code itself. */
static void patch_ahead(void)
{
	uint64_t v;

	for (unsigned i = 20; i < 23; i++) {
		__asm__ volatile(".option push\n\t.option norvc\n\t"
				 "lla t0, 1f\n\t"
				 "sw %1, 0(t0)\n\t"
				 "fence.i\n"
				 "1:\tli a0, 1\n\t"
				 "mv %0, a0\n\t"
				 ".option pop"
				 : "=r"(v)
				 : "r"(LI_A0(i))
				 : "t0", "a0", "memory");
		CHECK_EQ(v, i);
	}
}

static uint32_t patch_insn;

/* In S: write patch_insn through VA_W, fence.i, execute through VA_X. */
static uint64_t s_patch_and_call(uint64_t unused)
{
	(void)unused;
	*(volatile uint32_t *)VA_W = patch_insn;
	fence_i();
	return p_exec(VA_X);
}

static uint64_t s_call(uint64_t unused)
{
	(void)unused;
	return p_exec(VA_X);
}

static void aliased(void)
{
	pt_init(3);
	pt_map(RAM, RAM, 2, PTE_RWX | PTE_A | PTE_D | PTE_G);
	pt_map(VA_X, (uint64_t)code, 0, PTE_R | PTE_X | PTE_A);
	pt_map(VA_W, (uint64_t)code, 0, PTE_R | PTE_W | PTE_A | PTE_D);
	pt_enable();
	code[0] = LI_A0(30);
	code[1] = RET;
	fence_i();
	trap_reset();
	CHECK_EQ(priv_run(PRV_S, s_call, 0), 30);
	for (unsigned i = 31; i < 40; i++) {
		patch_insn = LI_A0(i);
		CHECK_EQ(priv_run(PRV_S, s_patch_and_call, 0), i);
	}
	/* A compressed patch via the alias, then M patches the physical page. */
	patch_insn = (uint32_t)C_LI_A0(9) | (uint32_t)C_JR_RA << 16;
	CHECK_EQ(priv_run(PRV_S, s_patch_and_call, 0), 9);
	code[0] = LI_A0(41);
	code[1] = RET;
	fence_i();
	CHECK_EQ(priv_run(PRV_S, s_call, 0), 41);
	CHECK_NO_TRAP();
	csr_write(satp, 0UL);
}

int main(void)
{
	priv_init();
	wide();
	compressed();
	patch_ahead();
	aliased();
	return 0;
}
