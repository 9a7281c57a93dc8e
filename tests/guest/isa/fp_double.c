/*
 * D extension arithmetic (ISA manual, "D" chapter, with the F rules of
 * 11.2-11.6 it inherits): add/sub/mul/div/sqrt in every static rounding mode
 * and dyn, fflags per operation, canonical NaN, signed zeros, min/max,
 * compares, fclass, sign injection, the fused multiply-add family.
 */
#include "isa.h"

#define ONE 0x3ff0000000000000ULL
#define TWO 0x4000000000000000ULL
#define THREE 0x4008000000000000ULL
#define MONE 0xbff0000000000000ULL
#define PZ 0x0000000000000000ULL
#define NZ 0x8000000000000000ULL
#define PINF 0x7ff0000000000000ULL
#define NINF 0xfff0000000000000ULL
#define QNAN 0x7ff8000000000000ULL /* canonical NaN */
#define SNAN 0x7ff4000000000000ULL
#define QNAN_P 0xfff8000000001234ULL /* quiet, negative, payload */
#define DMAX 0x7fefffffffffffffULL
#define DMIN 0x0010000000000000ULL /* smallest normal */
#define DTINY 0x0000000000000001ULL /* smallest subnormal */
#define ULP1 0x3ca0000000000000ULL /* 2^-53: half an ulp of 1.0 */

static void test_rounding(void)
{
	/* 1/3: below the halfway point, so only RUP rounds up in magnitude. */
	T_F("fdiv.d ft3, ft0, ft1, rne", ONE, THREE, 0, 0x3fd5555555555555ULL, NX);
	T_F("fdiv.d ft3, ft0, ft1, rtz", ONE, THREE, 0, 0x3fd5555555555555ULL, NX);
	T_F("fdiv.d ft3, ft0, ft1, rdn", ONE, THREE, 0, 0x3fd5555555555555ULL, NX);
	T_F("fdiv.d ft3, ft0, ft1, rup", ONE, THREE, 0, 0x3fd5555555555556ULL, NX);
	T_F("fdiv.d ft3, ft0, ft1, rmm", ONE, THREE, 0, 0x3fd5555555555555ULL, NX);
	T_F("fdiv.d ft3, ft0, ft1, rdn", MONE, THREE, 0, 0xbfd5555555555556ULL, NX);
	T_F("fdiv.d ft3, ft0, ft1, rup", MONE, THREE, 0, 0xbfd5555555555555ULL, NX);
	/* 1 + 2^-53 is a tie: RNE goes to even (1.0), RMM away (1 + 2^-52). */
	T_F("fadd.d ft3, ft0, ft1, rne", ONE, ULP1, 0, ONE, NX);
	T_F("fadd.d ft3, ft0, ft1, rmm", ONE, ULP1, 0, 0x3ff0000000000001ULL, NX);
	T_F("fadd.d ft3, ft0, ft1, rup", ONE, ULP1, 0, 0x3ff0000000000001ULL, NX);
	T_F("fadd.d ft3, ft0, ft1, rdn", ONE, ULP1, 0, ONE, NX);
	T_F("fadd.d ft3, ft0, ft1, rtz", ONE, ULP1, 0, ONE, NX);
	T_F("fsub.d ft3, ft0, ft1, rmm", MONE, ULP1, 0, 0xbff0000000000001ULL, NX);
	T_F("fsub.d ft3, ft0, ft1, rdn", MONE, ULP1, 0, 0xbff0000000000001ULL, NX);
	T_F("fsub.d ft3, ft0, ft1, rup", MONE, ULP1, 0, MONE, NX);
	T_F("fsub.d ft3, ft0, ft1, rne", MONE, ULP1, 0, MONE, NX);
	/* Exact results raise nothing. */
	T_F("fadd.d ft3, ft0, ft1", ONE, TWO, 0, THREE, 0);
	T_F("fmul.d ft3, ft0, ft1", THREE, MONE, 0, 0xc008000000000000ULL, 0);
	T_F("fsub.d ft3, ft0, ft1", ONE, THREE, 0, 0xc000000000000000ULL, 0);
	/* x - x is +0, except -0 when rounding down (IEEE 754 6.3). */
	T_F("fsub.d ft3, ft0, ft1, rne", ONE, ONE, 0, PZ, 0);
	T_F("fsub.d ft3, ft0, ft1, rdn", ONE, ONE, 0, NZ, 0);
	T_F("fadd.d ft3, ft0, ft1, rne", PZ, NZ, 0, PZ, 0);
	T_F("fadd.d ft3, ft0, ft1, rdn", PZ, NZ, 0, NZ, 0);
	T_F("fadd.d ft3, ft0, ft1", NZ, NZ, 0, NZ, 0);
	/* sqrt(2) = 1.41421356237309504..., the nearest double is above it. */
	T_F("fsqrt.d ft3, ft0, rne", TWO, 0, 0, 0x3ff6a09e667f3bcdULL, NX);
	T_F("fsqrt.d ft3, ft0, rup", TWO, 0, 0, 0x3ff6a09e667f3bcdULL, NX);
	T_F("fsqrt.d ft3, ft0, rtz", TWO, 0, 0, 0x3ff6a09e667f3bccULL, NX);
	T_F("fsqrt.d ft3, ft0, rdn", TWO, 0, 0, 0x3ff6a09e667f3bccULL, NX);
	T_F("fsqrt.d ft3, ft0", 0x4010000000000000ULL, 0, 0, TWO, 0);
	T_F("fsqrt.d ft3, ft0", NZ, 0, 0, NZ, 0);
	T_F("fsqrt.d ft3, ft0", PINF, 0, 0, PINF, 0);
}

static void test_dynamic_rm(void)
{
	/* dyn uses frm (11.2). */
	csr_write(frm, 3); /* RUP */
	T_F("fdiv.d ft3, ft0, ft1, dyn", ONE, THREE, 0, 0x3fd5555555555556ULL, NX);
	csr_write(frm, 4); /* RMM */
	T_F("fadd.d ft3, ft0, ft1", ONE, ULP1, 0, 0x3ff0000000000001ULL, NX);
	csr_write(frm, 1); /* RTZ */
	T_F("fsqrt.d ft3, ft0", TWO, 0, 0, 0x3ff6a09e667f3bccULL, NX);
	csr_write(frm, 2); /* RDN */
	T_F("fsub.d ft3, ft0, ft1", ONE, ONE, 0, NZ, 0);
	/* A static rm overrides frm. */
	T_F("fsub.d ft3, ft0, ft1, rne", ONE, ONE, 0, PZ, 0);
	csr_write(frm, 0);
	T_F("fadd.d ft3, ft0, ft1", ONE, ULP1, 0, ONE, NX);
}

static void test_exceptions(void)
{
	/* Invalid operations give the canonical NaN (11.3) and NV. */
	T_F("fmul.d ft3, ft0, ft1", PZ, PINF, 0, QNAN, NV);
	T_F("fadd.d ft3, ft0, ft1", PINF, NINF, 0, QNAN, NV);
	T_F("fsub.d ft3, ft0, ft1", PINF, PINF, 0, QNAN, NV);
	T_F("fdiv.d ft3, ft0, ft1", PZ, PZ, 0, QNAN, NV);
	T_F("fdiv.d ft3, ft0, ft1", PINF, NINF, 0, QNAN, NV);
	T_F("fsqrt.d ft3, ft0", MONE, 0, 0, QNAN, NV);
	T_F("fsqrt.d ft3, ft0", NINF, 0, 0, QNAN, NV);
	/* NaN operands: no payload propagation; signalling raises NV. */
	T_F("fadd.d ft3, ft0, ft1", SNAN, ONE, 0, QNAN, NV);
	T_F("fmul.d ft3, ft0, ft1", ONE, SNAN, 0, QNAN, NV);
	T_F("fadd.d ft3, ft0, ft1", QNAN_P, ONE, 0, QNAN, 0);
	T_F("fdiv.d ft3, ft0, ft1", ONE, QNAN_P, 0, QNAN, 0);
	T_F("fsqrt.d ft3, ft0", QNAN_P, 0, 0, QNAN, 0);
	T_F("fsqrt.d ft3, ft0", SNAN, 0, 0, QNAN, NV);
	/* Division by zero. */
	T_F("fdiv.d ft3, ft0, ft1", ONE, PZ, 0, PINF, DZ);
	T_F("fdiv.d ft3, ft0, ft1", MONE, PZ, 0, NINF, DZ);
	T_F("fdiv.d ft3, ft0, ft1", ONE, NZ, 0, NINF, DZ);
	T_F("fdiv.d ft3, ft0, ft1", PINF, PZ, 0, PINF, 0);
	/* Overflow: result depends on the rounding direction. */
	T_F("fmul.d ft3, ft0, ft1, rne", DMAX, TWO, 0, PINF, OF | NX);
	T_F("fmul.d ft3, ft0, ft1, rtz", DMAX, TWO, 0, DMAX, OF | NX);
	T_F("fmul.d ft3, ft0, ft1, rdn", DMAX, TWO, 0, DMAX, OF | NX);
	T_F("fmul.d ft3, ft0, ft1, rup", DMAX, TWO, 0, PINF, OF | NX);
	T_F("fmul.d ft3, ft0, ft1, rup", DMAX | NZ, TWO, 0, DMAX | NZ, OF | NX);
	T_F("fadd.d ft3, ft0, ft1", DMAX, DMAX, 0, PINF, OF | NX);
	/* Underflow is tiny and inexact; an exact subnormal raises nothing. */
	T_F("fmul.d ft3, ft0, ft1", DMIN, 0x3fe0000000000000ULL, 0, 0x0008000000000000ULL, 0);
	T_F("fmul.d ft3, ft0, ft1, rne", DTINY, 0x3fe0000000000000ULL, 0, PZ, UF | NX);
	T_F("fmul.d ft3, ft0, ft1, rup", DTINY, 0x3fe0000000000000ULL, 0, DTINY, UF | NX);
	T_F("fdiv.d ft3, ft0, ft1", DMIN, 0x4340000000000000ULL, 0, PZ, UF | NX);
}

static void test_min_max_cmp(void)
{
	/* fmin/fmax: -0 < +0; one NaN -> the other operand; both -> canonical (11.6). */
	T_F("fmin.d ft3, ft0, ft1", NZ, PZ, 0, NZ, 0);
	T_F("fmin.d ft3, ft0, ft1", PZ, NZ, 0, NZ, 0);
	T_F("fmax.d ft3, ft0, ft1", NZ, PZ, 0, PZ, 0);
	T_F("fmax.d ft3, ft0, ft1", PZ, NZ, 0, PZ, 0);
	T_F("fmin.d ft3, ft0, ft1", ONE, MONE, 0, MONE, 0);
	T_F("fmax.d ft3, ft0, ft1", NINF, MONE, 0, MONE, 0);
	T_F("fmin.d ft3, ft0, ft1", QNAN_P, ONE, 0, ONE, 0);
	T_F("fmax.d ft3, ft0, ft1", ONE, QNAN_P, 0, ONE, 0);
	T_F("fmin.d ft3, ft0, ft1", SNAN, ONE, 0, ONE, NV);
	T_F("fmax.d ft3, ft0, ft1", MONE, SNAN, 0, MONE, NV);
	T_F("fmin.d ft3, ft0, ft1", QNAN_P, QNAN_P, 0, QNAN, 0);
	T_F("fmax.d ft3, ft0, ft1", SNAN, QNAN_P, 0, QNAN, NV);
	/* feq is quiet (NV only for sNaN); flt/fle signal on any NaN (11.8). */
	T_FX("feq.d %0, ft0, ft1", ONE, ONE, 1, 0);
	T_FX("feq.d %0, ft0, ft1", NZ, PZ, 1, 0);
	T_FX("feq.d %0, ft0, ft1", QNAN, QNAN, 0, 0);
	T_FX("feq.d %0, ft0, ft1", QNAN_P, ONE, 0, 0);
	T_FX("feq.d %0, ft0, ft1", SNAN, ONE, 0, NV);
	T_FX("flt.d %0, ft0, ft1", ONE, TWO, 1, 0);
	T_FX("flt.d %0, ft0, ft1", TWO, ONE, 0, 0);
	T_FX("flt.d %0, ft0, ft1", NZ, PZ, 0, 0);
	T_FX("flt.d %0, ft0, ft1", NINF, PINF, 1, 0);
	T_FX("flt.d %0, ft0, ft1", QNAN, ONE, 0, NV);
	T_FX("flt.d %0, ft0, ft1", ONE, SNAN, 0, NV);
	T_FX("fle.d %0, ft0, ft1", NZ, PZ, 1, 0);
	T_FX("fle.d %0, ft0, ft1", ONE, ONE, 1, 0);
	T_FX("fle.d %0, ft0, ft1", TWO, ONE, 0, 0);
	T_FX("fle.d %0, ft0, ft1", ONE, QNAN, 0, NV);
}

static void test_class_sgnj(void)
{
	/* fclass.d bits 0..9 (11.9 table). */
	T_FX("fclass.d %0, ft0", NINF, 0, 1 << 0, 0);
	T_FX("fclass.d %0, ft0", MONE, 0, 1 << 1, 0);
	T_FX("fclass.d %0, ft0", DTINY | NZ, 0, 1 << 2, 0);
	T_FX("fclass.d %0, ft0", NZ, 0, 1 << 3, 0);
	T_FX("fclass.d %0, ft0", PZ, 0, 1 << 4, 0);
	T_FX("fclass.d %0, ft0", 0x000fffffffffffffULL, 0, 1 << 5, 0);
	T_FX("fclass.d %0, ft0", DMIN, 0, 1 << 6, 0);
	T_FX("fclass.d %0, ft0", PINF, 0, 1 << 7, 0);
	T_FX("fclass.d %0, ft0", SNAN, 0, 1 << 8, 0);
	T_FX("fclass.d %0, ft0", QNAN_P, 0, 1 << 9, 0);
	/* Sign injection never signals, even on sNaN, and keeps NaN payloads. */
	T_F("fsgnj.d ft3, ft0, ft1", ONE, MONE, 0, MONE, 0);
	T_F("fsgnj.d ft3, ft0, ft1", MONE, TWO, 0, ONE, 0);
	T_F("fsgnjn.d ft3, ft0, ft1", ONE, MONE, 0, ONE, 0);
	T_F("fsgnjn.d ft3, ft0, ft1", ONE, TWO, 0, MONE, 0);
	T_F("fsgnjx.d ft3, ft0, ft1", MONE, MONE, 0, ONE, 0);
	T_F("fsgnjx.d ft3, ft0, ft1", MONE, TWO, 0, MONE, 0);
	T_F("fsgnj.d ft3, ft0, ft1", SNAN, NZ, 0, SNAN | NZ, 0);
	T_F("fsgnjn.d ft3, ft0, ft0", QNAN_P, 0, 0, 0x7ff8000000001234ULL, 0); /* fneg */
	T_F("fsgnjx.d ft3, ft0, ft0", NINF, 0, 0, PINF, 0);                   /* fabs */
}

static void test_fma(void)
{
	const uint64_t a = 0x3ff0000000000001ULL; /* 1 + 2^-52 */

	/* fmadd = a*b+c, fmsub = a*b-c, fnmsub = -(a*b)+c, fnmadd = -(a*b)-c. */
	T_F("fmadd.d ft3, ft0, ft1, ft2", TWO, THREE, ONE, 0x401c000000000000ULL, 0);
	T_F("fmsub.d ft3, ft0, ft1, ft2", TWO, THREE, ONE, 0x4014000000000000ULL, 0);
	T_F("fnmsub.d ft3, ft0, ft1, ft2", TWO, THREE, ONE, 0xc014000000000000ULL, 0);
	T_F("fnmadd.d ft3, ft0, ft1, ft2", TWO, THREE, ONE, 0xc01c000000000000ULL, 0);
	/* One rounding only: a*a - (1 + 2^-51) = 2^-104 exactly (0 if rounded twice). */
	T_F("fmsub.d ft3, ft0, ft1, ft2", a, a, 0x3ff0000000000002ULL, 0x3970000000000000ULL, 0);
	T_F("fnmsub.d ft3, ft0, ft1, ft2", a, a, 0x3ff0000000000002ULL, 0xb970000000000000ULL,
	    0);
	/* inf * 0 + qNaN raises NV (11.6). */
	T_F("fmadd.d ft3, ft0, ft1, ft2", PINF, PZ, QNAN_P, QNAN, NV);
	T_F("fmadd.d ft3, ft0, ft1, ft2", ONE, ONE, SNAN, QNAN, NV);
	T_F("fmadd.d ft3, ft0, ft1, ft2", ONE, QNAN_P, ONE, QNAN, 0);
	T_F("fmadd.d ft3, ft0, ft1, ft2", PINF, ONE, NINF, QNAN, NV);
	/* Signed zeros and rounding modes. */
	T_F("fmadd.d ft3, ft0, ft1, ft2, rne", ONE, NZ, PZ, PZ, 0);
	T_F("fmadd.d ft3, ft0, ft1, ft2, rdn", ONE, NZ, PZ, NZ, 0);
	T_F("fnmadd.d ft3, ft0, ft1, ft2", ONE, PZ, PZ, NZ, 0);
	T_F("fnmsub.d ft3, ft0, ft1, ft2", ONE, PZ, PZ, PZ, 0);
	T_F("fmadd.d ft3, ft0, ft1, ft2, rne", ONE, ULP1, ONE, ONE, NX);
	T_F("fmadd.d ft3, ft0, ft1, ft2, rmm", ONE, ULP1, ONE, 0x3ff0000000000001ULL, NX);
	T_F("fmadd.d ft3, ft0, ft1, ft2, rup", DMAX, TWO, PZ, PINF, OF | NX);
}

int main(void)
{
	test_rounding();
	test_dynamic_rm();
	test_exceptions();
	test_min_max_cmp();
	test_class_sgnj();
	test_fma();
	return 0;
}
