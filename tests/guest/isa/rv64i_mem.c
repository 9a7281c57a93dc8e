/*
 * RV64I loads and stores (ISA manual, "Load and Store Instructions"): every
 * width with sign/zero extension, store truncation, offsets of both signs,
 * misaligned accesses (must either work or trap with the address-misaligned
 * cause and mtval = address, consistently), and fence.
 */
#include "isa.h"

static uint8_t buf[64] __attribute__((aligned(16)));

/* rd = op off(base) */
#define LD(op, base, off)                                                                  \
	({                                                                                 \
		uint64_t r_;                                                               \
		__asm__ volatile(".option push\n.option norvc\n" op " %0, %2(%1)\n.option pop" \
				 : "=r"(r_)                                                \
				 : "r"(base), "i"(off), "m"(*(const uint8_t(*)[64])buf));  \
		r_;                                                                        \
	})

/* op val, off(base) */
#define ST(op, val, base, off)                                                             \
	__asm__ volatile(".option push\n.option norvc\n" op " %0, %2(%1)\n.option pop"     \
			 :                                                                 \
			 : "r"((uint64_t)(val)), "r"(base), "i"(off)                       \
			 : "memory")

static void fill(void)
{
	for (int i = 0; i < 64; i++)
		((volatile uint8_t *)buf)[i] = (uint8_t)(0x80 + i);
}

static void clear(void)
{
	for (int i = 0; i < 64; i++)
		((volatile uint8_t *)buf)[i] = 0;
}

static void test_loads(void)
{
	uint8_t *p = OPAQUE(buf);
	uint8_t *end = OPAQUE(buf + 32);

	fill();
	/* Little-endian; bytes are 0x80, 0x81, ... */
	CHECK_EQ(LD("lb", p, 0), 0xffffffffffffff80ULL);
	CHECK_EQ(LD("lbu", p, 0), 0x80);
	CHECK_EQ(LD("lb", p, 63), 0xffffffffffffffbfULL);
	CHECK_EQ(LD("lh", p, 0), 0xffffffffffff8180ULL);
	CHECK_EQ(LD("lhu", p, 0), 0x8180);
	CHECK_EQ(LD("lw", p, 0), 0xffffffff83828180ULL);
	CHECK_EQ(LD("lwu", p, 0), 0x83828180ULL);
	CHECK_EQ(LD("ld", p, 0), 0x8786858483828180ULL);
	CHECK_EQ(LD("ld", p, 8), 0x8f8e8d8c8b8a8988ULL);
	/* Negative offsets. */
	CHECK_EQ(LD("ld", end, -8), 0x9f9e9d9c9b9a9998ULL);
	CHECK_EQ(LD("lbu", end, -1), 0x9f);
	CHECK_EQ(LD("lhu", end, -2), 0x9f9e);
	CHECK_EQ(LD("lw", end, -4), 0xffffffff9f9e9d9cULL);
	/* Positive-valued loads are not sign-extended into ones. */
	((volatile uint8_t *)buf)[40] = 0x7f;
	((volatile uint8_t *)buf)[41] = 0x7f;
	((volatile uint8_t *)buf)[42] = 0x7f;
	((volatile uint8_t *)buf)[43] = 0x7f;
	CHECK_EQ(LD("lb", p, 40), 0x7f);
	CHECK_EQ(LD("lh", p, 40), 0x7f7f);
	CHECK_EQ(LD("lw", p, 40), 0x7f7f7f7f);
}

static void test_stores(void)
{
	uint8_t *p = OPAQUE(buf);
	uint8_t *end = OPAQUE(buf + 32);
	const uint64_t v = 0x1122334455667788ULL;

	clear();
	ST("sb", v, p, 0);
	CHECK_EQ(LD("ld", p, 0), 0x88);
	ST("sh", v, p, 8);
	CHECK_EQ(LD("ld", p, 8), 0x7788);
	ST("sw", v, p, 16);
	CHECK_EQ(LD("ld", p, 16), 0x55667788);
	ST("sd", v, p, 24);
	CHECK_EQ(LD("ld", p, 24), v);
	/* Partial stores do not disturb neighbours. */
	ST("sb", 0xaa, p, 26);
	CHECK_EQ(LD("ld", p, 24), 0x1122334455aa7788ULL);
	ST("sh", 0xbbcc, end, -4);
	CHECK_EQ(LD("ld", p, 24), 0x1122bbcc55aa7788ULL);
	ST("sw", 0xdeadbeef, end, -8);
	CHECK_EQ(LD("ld", p, 24), 0x1122bbccdeadbeefULL);
	ST("sd", 0, end, 0);
	CHECK_EQ(LD("ld", p, 24), 0x1122bbccdeadbeefULL);
	CHECK_EQ(LD("ld", p, 32), 0);
}

/*
 * A misaligned access either completes with the right value, or raises the
 * misaligned exception (4 for loads, 6 for stores; an access fault 5/7 is also
 * allowed by the ISA manual 2.6) with mtval = the address and no side effect.
 */
static void check_misaligned_load(uint64_t got, uint64_t want, uint64_t addr)
{
	struct trap_info ti = trap_catch_stop();

	if (ti.count) {
		CHECK_EQ(ti.count, 1);
		CHECK(ti.cause == CAUSE_MISALIGNED_LOAD || ti.cause == CAUSE_LOAD_ACCESS);
		CHECK_EQ(ti.tval, addr);
	} else {
		CHECK_EQ(got, want);
	}
}

static int check_misaligned_store(uint64_t addr)
{
	struct trap_info ti = trap_catch_stop();

	if (ti.count) {
		CHECK_EQ(ti.count, 1);
		CHECK(ti.cause == CAUSE_MISALIGNED_STORE || ti.cause == CAUSE_STORE_ACCESS);
		CHECK_EQ(ti.tval, addr);
	}
	return ti.count != 0;
}

static void test_misaligned(void)
{
	uint8_t *p = OPAQUE(buf);
	uint64_t v;

	fill();
	trap_catch_start();
	v = LD("lh", p, 1);
	check_misaligned_load(v, 0xffffffffffff8281ULL, (uint64_t)p + 1);
	trap_catch_start();
	v = LD("lhu", p, 7);
	check_misaligned_load(v, 0x8887, (uint64_t)p + 7);
	trap_catch_start();
	v = LD("lw", p, 3);
	check_misaligned_load(v, 0xffffffff86858483ULL, (uint64_t)p + 3);
	trap_catch_start();
	v = LD("lwu", p, 6);
	check_misaligned_load(v, 0x89888786ULL, (uint64_t)p + 6);
	trap_catch_start();
	v = LD("ld", p, 5);
	check_misaligned_load(v, 0x8c8b8a8988878685ULL, (uint64_t)p + 5);
	trap_catch_start();
	v = LD("ld", p, 12); /* crosses a 16-byte boundary */
	check_misaligned_load(v, 0x939291908f8e8d8cULL, (uint64_t)p + 12);

	clear();
	trap_catch_start();
	ST("sd", 0x0102030405060708ULL, p, 3);
	if (check_misaligned_store((uint64_t)p + 3))
		CHECK_EQ(LD("ld", p, 0) | LD("ld", p, 8), 0);
	else
		CHECK_EQ(LD("ld", p, 0), 0x0405060708000000ULL);
	trap_catch_start();
	ST("sw", 0xa1a2a3a4, p, 17);
	if (!check_misaligned_store((uint64_t)p + 17))
		CHECK_EQ(LD("ld", p, 16), 0xa1a2a3a400ULL);
	trap_catch_start();
	ST("sh", 0xb1b2, p, 31);
	if (!check_misaligned_store((uint64_t)p + 31)) {
		CHECK_EQ(LD("lbu", p, 31), 0xb2);
		CHECK_EQ(LD("lbu", p, 32), 0xb1);
	}
}

static void test_fence(void)
{
	uint8_t *p = OPAQUE(buf);

	/* Single hart: fences are ordering points only; memory must stay coherent. */
	ST("sd", 0x55, p, 0);
	__asm__ volatile("fence rw, rw" ::: "memory");
	CHECK_EQ(LD("ld", p, 0), 0x55);
	ST("sd", 0x66, p, 0);
	__asm__ volatile("fence" ::: "memory");
	__asm__ volatile("fence w, r" ::: "memory");
	__asm__ volatile("fence i, o" ::: "memory");
	__asm__ volatile("fence.tso" ::: "memory");
	CHECK_EQ(LD("ld", p, 0), 0x66);
}

int main(void)
{
	test_loads();
	test_stores();
	test_misaligned();
	test_fence();
	return 0;
}
