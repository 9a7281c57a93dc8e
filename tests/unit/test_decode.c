/* SPDX-License-Identifier: Apache-2.0 */
/* Decoder tests: encodings produced by the GNU assembler must decode to the right fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "core/vm.h"
#include "cpu/access.h"
#include "cpu/decode.h"
#include "cpu/hart.h"

struct vec {
	const char *asm_text;
	uint32_t raw;
	enum op op;
	uint8_t rd, rs1, rs2, rs3;
	int32_t imm;
	uint8_t len;
};

static const struct vec vectors[] = {
#include "decode_vectors.h"
};

/* Fields that a given op does not use are not compared. */
static void check_vec(const struct vec *v)
{
	struct insn in;
	decode_insn(&in, v->raw);
	if (in.op != v->op || in.len != v->len || in.rd != v->rd || in.rs1 != v->rs1 ||
	    in.rs2 != v->rs2 || in.imm != v->imm || (v->rs3 && in.rs3 != v->rs3))
		fail_msg("%s (0x%08x): got op %u rd %u rs1 %u rs2 %u rs3 %u imm %d len %u, "
			 "want op %u rd %u rs1 %u rs2 %u rs3 %u imm %d len %u",
			 v->asm_text, v->raw, in.op, in.rd, in.rs1, in.rs2, in.rs3, in.imm, in.len,
			 v->op, v->rd, v->rs1, v->rs2, v->rs3, v->imm, v->len);
	assert_int_equal(in.raw, v->len == 2 ? (v->raw & 0xffff) : v->raw);
}

static void test_assembler_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		check_vec(&vectors[i]);
}

/* Reserved and illegal encodings (ISA manual "C" chapter; 11.2 for rm). */
static void test_illegal(void **state)
{
	static const uint32_t illegal[] = {
	    0x00000000, /* the all-zero parcel is defined illegal */
	    0x0000007f, /* opcode of encodings longer than 32 bits */
	    0x00000004, /* c.addi4spn with nzuimm = 0 */
	    0x00008000, /* quadrant 0, funct3 4: reserved */
	    0x00006101, /* c.addi16sp with nzimm = 0 */
	    0x00006501, /* c.lui a0, 0 */
	    0x00002001, /* c.addiw x0 */
	    0x00009c41, /* quadrant 1, funct6 100111, funct2 10: reserved */
	    0x00008002, /* c.jr x0 */
	    0x00004002, /* c.lwsp x0 */
	    0x00006002, /* c.ldsp x0 */
	    0x181151d3, /* fdiv.s with rm = 5 */
	    0x20003053, /* fsgnj.s with funct3 = 3 */
	    0x04000053, /* fadd.h: Zfh is not implemented */
	    0x1010202f, /* lr.w with rs2 != 0 */
	    0x0000600f, /* misc-mem funct3 6 */
	    0x00007003, /* load funct3 7 */
	    0x00004023, /* store funct3 4 */
	    0x40001033, /* sll with funct7 0x20 */
	    0x04001013, /* slli with imm[11:6] != 0 */
	    0x10300073, /* system funct3 0, unknown */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(illegal) / sizeof(illegal[0]); i++) {
		struct insn in;
		decode_insn(&in, illegal[i]);
		if (in.op != OP_ILLEGAL)
			fail_msg("0x%08x decoded to op %u, want illegal", illegal[i], in.op);
	}
}

static void test_x0_sink(void **state)
{
	struct insn in;
	(void)state;
	decode_insn(&in, 0x00000013); /* nop = addi x0, x0, 0 */
	assert_int_equal(in.op, OP_ADDI);
	assert_int_equal(in.rd, 32);
	decode_insn(&in, 0x00b50063); /* beq a0, a1: no rd, not remapped */
	assert_int_equal(in.rd, 0);
}

/* The decode cache never holds more than DCACHE_POOL pages, and its index stays consistent. */
static void test_cache_bounded(void **state)
{
	struct vm_config cfg = {.ram_size = 32ull << 20, .nharts = 1};
	uint64_t pages = cfg.ram_size >> VM_PAGE_SHIFT, held = 0;
	struct vm *vm;
	struct hart *h;

	(void)state;
	assert_true(pages > DCACHE_POOL);
	assert_int_equal(vm_create(&vm, &cfg), 0);
	h = vm->harts[0];
	for (uint64_t ppn = 0; ppn < pages; ppn++) {
		struct dpage *dp = decode_page_get(h, ppn);
		assert_non_null(dp);
		assert_int_equal(dp->ppn, ppn);
		assert_ptr_equal(h->dcache[ppn], dp);
		assert_true(h->dpool_count <= DCACHE_POOL);
	}
	for (uint64_t ppn = 0; ppn < pages; ppn++)
		if (h->dcache[ppn]) {
			assert_int_equal(h->dcache[ppn]->ppn, ppn);
			held++;
		}
	assert_int_equal(held, DCACHE_POOL);
	/* A page entered again is found again. */
	assert_ptr_equal(decode_page_get(h, pages - 1), h->dcache[pages - 1]);
	vm_destroy(vm);
}

/* Decoding a page drops every hart's fast write entry for it (self-modifying code). */
static void test_code_page_drops_write_entries(void **state)
{
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = 2};
	uint64_t va = 0x80003000ull, ppn = (va - 0x80000000ull) >> VM_PAGE_SHIFT;
	struct trap_info ti;
	struct vm *vm;
	struct tlb_entry *e;

	(void)state;
	assert_int_equal(vm_create(&vm, &cfg), 0);
	/* Hart 1 (M-mode, bare) stores to the page: its data TLB gets a write entry. */
	assert_int_equal(access_store(vm->harts[1], va, 8, 0x1234, &ti), 0);
	e = &vm->harts[1]->tlb_data[(va >> VM_PAGE_SHIFT) & (TLB_SIZE - 1)];
	assert_int_equal(e->tag_w, va >> VM_PAGE_SHIFT);
	/* Hart 0 decodes the page: hart 1's write entry must be gone. */
	assert_non_null(decode_page_get(vm->harts[0], ppn));
	assert_int_equal(e->tag_w, TLB_INVALID);
	/* Hart 1's next store takes the slow path, says it hit code, and makes the copy stale. */
	assert_int_equal(access_store(vm->harts[1], va, 8, 0x5678, &ti), 1);
	assert_int_not_equal(atomic_load(&vm->code_gen[ppn]), vm->harts[0]->dcache[ppn]->gen);
	vm_destroy(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_assembler_vectors),
	    cmocka_unit_test(test_illegal),
	    cmocka_unit_test(test_x0_sink),
	    cmocka_unit_test(test_cache_bounded),
	    cmocka_unit_test(test_code_page_drops_write_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
