/*
 * F extension arithmetic (ISA manual, "F" chapter 11): every single-precision
 * computational instruction with rounding modes, flags, canonical NaN
 * (0x7fc00000, NaN-boxed in the 64-bit register, 11.2/12.2), signed zeros,
 * min/max, compares, fclass, sign injection and fused multiply-add.
 */
#include "isa.h"

#define ONE S(0x3f800000)
#define TWO S(0x40000000)
#define THREE S(0x40400000)
#define MONE S(0xbf800000)
#define PZ S(0)
#define NZ S(0x80000000)
#define PINF S(0x7f800000)
#define NINF S(0xff800000)
#define QNAN S(0x7fc00000)
#define SNAN S(0x7fa00000)
#define QNAN_P S(0xffc01234)
#define SMAX S(0x7f7fffff)
#define SMIN S(0x00800000)
#define STINY S(1)
#define ULP1 S(0x33800000) /* 2^-24: half an ulp of 1.0f */
#define HALF S(0x3f000000)

static void test_arith(void)
{
	/* 1/3f: beyond the halfway point, so RNE/RMM/RUP round up. */
	T_F("fdiv.s ft3, ft0, ft1, rne", ONE, THREE, 0, S(0x3eaaaaab), NX);
	T_F("fdiv.s ft3, ft0, ft1, rmm", ONE, THREE, 0, S(0x3eaaaaab), NX);
	T_F("fdiv.s ft3, ft0, ft1, rup", ONE, THREE, 0, S(0x3eaaaaab), NX);
	T_F("fdiv.s ft3, ft0, ft1, rtz", ONE, THREE, 0, S(0x3eaaaaaa), NX);
	T_F("fdiv.s ft3, ft0, ft1, rdn", ONE, THREE, 0, S(0x3eaaaaaa), NX);
	T_F("fdiv.s ft3, ft0, ft1, rdn", MONE, THREE, 0, S(0xbeaaaaab), NX);
	T_F("fdiv.s ft3, ft0, ft1, rtz", MONE, THREE, 0, S(0xbeaaaaaa), NX);
	/* Ties. */
	T_F("fadd.s ft3, ft0, ft1, rne", ONE, ULP1, 0, ONE, NX);
	T_F("fadd.s ft3, ft0, ft1, rmm", ONE, ULP1, 0, S(0x3f800001), NX);
	T_F("fadd.s ft3, ft0, ft1, rup", ONE, ULP1, 0, S(0x3f800001), NX);
	T_F("fsub.s ft3, ft0, ft1, rdn", MONE, ULP1, 0, S(0xbf800001), NX);
	T_F("fsub.s ft3, ft0, ft1, rtz", MONE, ULP1, 0, MONE, NX);
	T_F("fadd.s ft3, ft0, ft1", ONE, TWO, 0, THREE, 0);
	T_F("fsub.s ft3, ft0, ft1", ONE, THREE, 0, S(0xc0000000), 0);
	T_F("fmul.s ft3, ft0, ft1", THREE, MONE, 0, S(0xc0400000), 0);
	T_F("fsub.s ft3, ft0, ft1, rne", THREE, THREE, 0, PZ, 0);
	T_F("fsub.s ft3, ft0, ft1, rdn", THREE, THREE, 0, NZ, 0);
	/* sqrt(2)f = 0x3fb504f3 is below the true value. */
	T_F("fsqrt.s ft3, ft0, rne", TWO, 0, 0, S(0x3fb504f3), NX);
	T_F("fsqrt.s ft3, ft0, rup", TWO, 0, 0, S(0x3fb504f4), NX);
	T_F("fsqrt.s ft3, ft0, rtz", TWO, 0, 0, S(0x3fb504f3), NX);
	T_F("fsqrt.s ft3, ft0", S(0x40800000), 0, 0, TWO, 0);
	T_F("fsqrt.s ft3, ft0", NZ, 0, 0, NZ, 0);
	csr_write(frm, 3);
	T_F("fdiv.s ft3, ft0, ft1, dyn", MONE, THREE, 0, S(0xbeaaaaaa), NX);
	csr_write(frm, 0);
}

static void test_exceptions(void)
{
	T_F("fmul.s ft3, ft0, ft1", PZ, PINF, 0, QNAN, NV);
	T_F("fadd.s ft3, ft0, ft1", PINF, NINF, 0, QNAN, NV);
	T_F("fdiv.s ft3, ft0, ft1", PZ, NZ, 0, QNAN, NV);
	T_F("fsqrt.s ft3, ft0", MONE, 0, 0, QNAN, NV);
	T_F("fadd.s ft3, ft0, ft1", SNAN, ONE, 0, QNAN, NV);
	T_F("fmul.s ft3, ft0, ft1", QNAN_P, ONE, 0, QNAN, 0);
	T_F("fdiv.s ft3, ft0, ft1", ONE, PZ, 0, PINF, DZ);
	T_F("fdiv.s ft3, ft0, ft1", ONE, NZ, 0, NINF, DZ);
	T_F("fmul.s ft3, ft0, ft1, rne", SMAX, TWO, 0, PINF, OF | NX);
	T_F("fmul.s ft3, ft0, ft1, rtz", SMAX, TWO, 0, SMAX, OF | NX);
	T_F("fmul.s ft3, ft0, ft1, rdn", SMAX | NZ, TWO, 0, NINF, OF | NX);
	T_F("fmul.s ft3, ft0, ft1", SMIN, HALF, 0, S(0x00400000), 0);
	T_F("fmul.s ft3, ft0, ft1, rne", STINY, HALF, 0, PZ, UF | NX);
	T_F("fmul.s ft3, ft0, ft1, rup", STINY, HALF, 0, STINY, UF | NX);
}

static void test_min_max_cmp_class(void)
{
	T_F("fmin.s ft3, ft0, ft1", PZ, NZ, 0, NZ, 0);
	T_F("fmax.s ft3, ft0, ft1", NZ, PZ, 0, PZ, 0);
	T_F("fmin.s ft3, ft0, ft1", QNAN_P, MONE, 0, MONE, 0);
	T_F("fmax.s ft3, ft0, ft1", SNAN, MONE, 0, MONE, NV);
	T_F("fmin.s ft3, ft0, ft1", QNAN_P, SNAN, 0, QNAN, NV);
	T_F("fmax.s ft3, ft0, ft1", ONE, TWO, 0, TWO, 0);
	T_FX("feq.s %0, ft0, ft1", NZ, PZ, 1, 0);
	T_FX("feq.s %0, ft0, ft1", QNAN, ONE, 0, 0);
	T_FX("feq.s %0, ft0, ft1", SNAN, ONE, 0, NV);
	T_FX("flt.s %0, ft0, ft1", MONE, ONE, 1, 0);
	T_FX("flt.s %0, ft0, ft1", QNAN, ONE, 0, NV);
	T_FX("fle.s %0, ft0, ft1", ONE, ONE, 1, 0);
	T_FX("fle.s %0, ft0, ft1", TWO, ONE, 0, 0);
	T_FX("fle.s %0, ft0, ft1", QNAN, QNAN, 0, NV);
	T_FX("fclass.s %0, ft0", NINF, 0, 1 << 0, 0);
	T_FX("fclass.s %0, ft0", MONE, 0, 1 << 1, 0);
	T_FX("fclass.s %0, ft0", S(0x80000001), 0, 1 << 2, 0);
	T_FX("fclass.s %0, ft0", NZ, 0, 1 << 3, 0);
	T_FX("fclass.s %0, ft0", PZ, 0, 1 << 4, 0);
	T_FX("fclass.s %0, ft0", S(0x007fffff), 0, 1 << 5, 0);
	T_FX("fclass.s %0, ft0", ONE, 0, 1 << 6, 0);
	T_FX("fclass.s %0, ft0", PINF, 0, 1 << 7, 0);
	T_FX("fclass.s %0, ft0", SNAN, 0, 1 << 8, 0);
	T_FX("fclass.s %0, ft0", QNAN_P, 0, 1 << 9, 0);
}

static void test_sgnj_fma(void)
{
	const uint64_t a = S(0x3f800001); /* 1 + 2^-23 */

	T_F("fsgnj.s ft3, ft0, ft1", ONE, MONE, 0, MONE, 0);
	T_F("fsgnjn.s ft3, ft0, ft1", ONE, MONE, 0, ONE, 0);
	T_F("fsgnjx.s ft3, ft0, ft1", MONE, MONE, 0, ONE, 0);
	T_F("fsgnjx.s ft3, ft0, ft1", MONE, ONE, 0, MONE, 0);
	T_F("fsgnj.s ft3, ft0, ft1", SNAN, NZ, 0, S(0xffa00000), 0);
	T_F("fmadd.s ft3, ft0, ft1, ft2", TWO, THREE, ONE, S(0x40e00000), 0);
	T_F("fmsub.s ft3, ft0, ft1, ft2", TWO, THREE, ONE, S(0x40a00000), 0);
	T_F("fnmsub.s ft3, ft0, ft1, ft2", TWO, THREE, ONE, S(0xc0a00000), 0);
	T_F("fnmadd.s ft3, ft0, ft1, ft2", TWO, THREE, ONE, S(0xc0e00000), 0);
	/* Single rounding: a*a - (1 + 2^-22) = 2^-46. */
	T_F("fmsub.s ft3, ft0, ft1, ft2", a, a, S(0x3f800002), S(0x28800000), 0);
	T_F("fmadd.s ft3, ft0, ft1, ft2", PZ, NINF, QNAN_P, QNAN, NV);
	T_F("fnmadd.s ft3, ft0, ft1, ft2", ONE, PZ, PZ, NZ, 0);
	T_F("fmadd.s ft3, ft0, ft1, ft2, rmm", ONE, ULP1, ONE, S(0x3f800001), NX);
	T_F("fmadd.s ft3, ft0, ft1, ft2, rtz", SMAX, TWO, PZ, SMAX, OF | NX);
}

int main(void)
{
	test_arith();
	test_exceptions();
	test_min_max_cmp_class();
	test_sgnj_fma();
	return 0;
}
