/*
 * F/D state (ISA manual 11.2, 11.5, 12.2): fcsr/frm/fflags access and field
 * widths, flag accumulation, reserved frm with dyn is illegal, NaN boxing via
 * fmv.w.x/fmv.x.w/flw and its use by .s and .d ops, fmv.x.d/fmv.d.x, and
 * bit-exact fld/fsd/flw/fsw.
 */
#include "isa.h"

static uint64_t mem[4] __attribute__((aligned(16)));

static void test_fcsr(void)
{
	uint64_t v, fl;

	csr_write(fcsr, 0);
	/* fcsr = frm << 5 | fflags; bits above 7 are read-only zero here. */
	csr_write(fcsr, 0xfff);
	CHECK_EQ(csr_read(fcsr), 0xff);
	CHECK_EQ(csr_read(frm), 7);
	CHECK_EQ(csr_read(fflags), 0x1f);
	csr_write(frm, 0xfa); /* only 3 bits */
	CHECK_EQ(csr_read(frm), 2);
	CHECK_EQ(csr_read(fcsr), 0x5f);
	csr_write(fflags, 0xe5); /* only 5 bits */
	CHECK_EQ(csr_read(fflags), 0x05);
	CHECK_EQ(csr_read(fcsr), 0x45);
	__asm__ volatile("csrrw %0, fflags, %1" : "=r"(v) : "r"(0x10UL));
	CHECK_EQ(v, 0x05);
	__asm__ volatile("csrrsi %0, fflags, 3" : "=r"(v));
	CHECK_EQ(v, 0x10);
	__asm__ volatile("csrrci %0, fflags, 0x11" : "=r"(v));
	CHECK_EQ(v, 0x13);
	CHECK_EQ(csr_read(fflags), 0x02);
	__asm__ volatile("fsrmi %0, 1" : "=r"(v)); /* csrrwi frm */
	CHECK_EQ(v, 2);
	CHECK_EQ(csr_read(fcsr), 0x22);
	csr_write(fcsr, 0);

	/* Flags accumulate until software clears them (11.2). */
	__asm__ volatile("fmv.d.x ft0, %1\nfmv.d.x ft1, %2\nfdiv.d ft2, ft0, ft1\n"
			 "fmv.d.x ft1, zero\nfdiv.d ft2, ft0, ft1\nfrflags %0"
			 : "=r"(fl)
			 : "r"(0x3ff0000000000000ULL), "r"(0x4008000000000000ULL)
			 : "ft0", "ft1", "ft2");
	CHECK_EQ(fl, DZ | NX);
	CHECK_EQ(csr_read(fcsr), DZ | NX);
	/* An exact op adds nothing. */
	__asm__ volatile("fadd.d ft0, ft0, ft0" ::: "ft0");
	CHECK_EQ(csr_read(fflags), DZ | NX);
	csr_write(fflags, 0);
}

static void test_bad_frm(void)
{
	struct trap_info ti;

	/* frm 5..7 is reserved: a dyn-rounding instruction is illegal (11.2). */
	for (unsigned long rm = 5; rm <= 7; rm++) {
		csr_write(frm, rm);
		trap_catch_start();
		__asm__ volatile("fadd.d ft0, ft1, ft2, dyn" ::: "ft0");
		ti = trap_catch_stop();
		CHECK_EQ(ti.count, 1);
		CHECK_EQ(ti.cause, CAUSE_ILLEGAL_INSN);
	}
	csr_write(frm, 0);
	/* A static reserved rm (5 here) is illegal too: fadd.d ft0, ft1, ft2, rm=5. */
	trap_catch_start();
	__asm__ volatile(".word 0x0220d053 | (5 << 12)" ::: "ft0");
	ti = trap_catch_stop();
	CHECK_EQ(ti.count, 1);
	CHECK_EQ(ti.cause, CAUSE_ILLEGAL_INSN);
	/* ... while with frm valid, rm=7 (dyn) is fine. */
	trap_catch_start();
	__asm__ volatile(".word 0x0220d053 | (7 << 12)" ::: "ft0");
	ti = trap_catch_stop();
	CHECK_EQ(ti.count, 0);
}

static void test_nan_boxing(void)
{
	uint64_t v;

	/* fmv.w.x boxes; fmv.x.w sign-extends bit 31 (11.7). */
	__asm__ volatile("fmv.w.x ft0, %1\nfmv.x.d %0, ft0" : "=r"(v)
			 : "r"(0xabcdef0012345678ULL) : "ft0");
	CHECK_EQ(v, 0xffffffff12345678ULL);
	__asm__ volatile("fmv.d.x ft0, %1\nfmv.x.w %0, ft0" : "=r"(v)
			 : "r"(0xffffffffbf800000ULL) : "ft0");
	CHECK_EQ(v, 0xffffffffbf800000ULL);
	/* fmv.x.w moves bits [31:0] even when the value is not boxed. */
	__asm__ volatile("fmv.d.x ft0, %1\nfmv.x.w %0, ft0" : "=r"(v)
			 : "r"(0x123456783f800000ULL) : "ft0");
	CHECK_EQ(v, 0x3f800000);
	__asm__ volatile("fmv.d.x ft0, %1\nfmv.x.d %0, ft0" : "=r"(v)
			 : "r"(0x7ff4000000000001ULL) : "ft0");
	CHECK_EQ(v, 0x7ff4000000000001ULL);
	/* An unboxed operand is the canonical NaN for .s ops (12.2), quietly. */
	T_F("fadd.s ft3, ft0, ft1", 0x000000003f800000ULL, S(0x3f800000), 0, S(0x7fc00000), 0);
	T_F("fsgnj.s ft3, ft0, ft1", 0x000000003f800000ULL, S(0x3f800000), 0, S(0x7fc00000), 0);
	/* rs2 unboxed = canonical NaN (sign 0): fsgnjn gives -1.0. */
	T_F("fsgnjn.s ft3, ft0, ft1", S(0x3f800000), 0xffffff0080000000ULL, 0, S(0xbf800000), 0);
	T_F("fmin.s ft3, ft0, ft1", 0x7fffffff3f800000ULL, S(0x40000000), 0, S(0x40000000), 0);
	T_FX("fclass.s %0, ft0", 0x00000000ff800000ULL, 0, 1 << 9, 0);
	T_FX("feq.s %0, ft0, ft1", 0x7fffffff3f800000ULL, 0x7fffffff3f800000ULL, 0, 0);
	/* A boxed single used as a double is a (negative, quiet) NaN. */
	T_F("fadd.d ft3, ft0, ft1", S(0x3f800000), 0x3ff0000000000000ULL, 0,
	    0x7ff8000000000000ULL, 0);
	T_FX("fclass.d %0, ft0", S(0x3f800000), 0, 1 << 9, 0);
}

static void test_load_store(void)
{
	volatile uint64_t *m = mem;
	uint64_t v;

	m[0] = 0x1122334455667788ULL;
	m[1] = 0x7ff0000000000001ULL; /* a signalling NaN: loads must not quiet it */
	m[2] = 0;
	m[3] = 0;
	/* flw boxes; fld/flw are bit-exact, no flags. */
	csr_write(fflags, 0);
	__asm__ volatile("flw ft0, 4(%1)\nfmv.x.d %0, ft0" : "=r"(v) : "r"(mem), "m"(mem) : "ft0");
	CHECK_EQ(v, 0xffffffff11223344ULL);
	__asm__ volatile("flw ft0, 8(%1)\nfmv.x.d %0, ft0" : "=r"(v) : "r"(mem), "m"(mem) : "ft0");
	CHECK_EQ(v, 0xffffffff00000001ULL);
	__asm__ volatile("fld ft0, 8(%1)\nfmv.x.d %0, ft0" : "=r"(v) : "r"(mem), "m"(mem) : "ft0");
	CHECK_EQ(v, 0x7ff0000000000001ULL);
	CHECK_EQ(csr_read(fflags), 0);
	/* fsw stores the low 32 bits whatever the upper half holds. */
	__asm__ volatile("fmv.d.x ft0, %1\nfsw ft0, 16(%0)" : : "r"(mem), "r"(0x0123456789abcdefULL)
			 : "ft0", "memory");
	CHECK_EQ(m[2], 0x89abcdefULL);
	__asm__ volatile("fmv.d.x ft0, %1\nfsd ft0, -8(%0)" : : "r"(mem + 4), "r"(0xfff4000000000123ULL)
			 : "ft0", "memory");
	CHECK_EQ(m[3], 0xfff4000000000123ULL);
	m[2] = 0;
	/* Round trip through registers with negative and positive offsets. */
	__asm__ volatile("fld ft1, -16(%1)\nfsd ft1, 8(%1)\nflw ft2, 12(%1)\nfsw ft2, 0(%1)\n"
			 "fmv.x.d %0, ft2"
			 : "=r"(v)
			 : "r"(mem + 2)
			 : "ft1", "ft2", "memory");
	CHECK_EQ(v, 0xffffffff11223344ULL);
	CHECK_EQ(m[3], 0x1122334455667788ULL);
	CHECK_EQ(m[2], 0x11223344ULL);
}

int main(void)
{
	test_fcsr();
	test_bad_frm();
	test_nan_boxing();
	test_load_store();
	return 0;
}
