/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FPU tests: hand-picked edge cases per operation and rounding mode, then a sweep over
 * vectors computed by the exact Fraction model in gen_fpu_vectors.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <immintrin.h>
#include <cmocka.h>

#include "cpu/fpu.h"

enum vop {
	V_ADD_S,
	V_SUB_S,
	V_MUL_S,
	V_DIV_S,
	V_SQRT_S,
	V_MADD_S,
	V_MSUB_S,
	V_NMSUB_S,
	V_NMADD_S,
	V_ADD_D,
	V_SUB_D,
	V_MUL_D,
	V_DIV_D,
	V_SQRT_D,
	V_MADD_D,
	V_MSUB_D,
	V_NMSUB_D,
	V_NMADD_D,
	V_MIN_S,
	V_MAX_S,
	V_EQ_S,
	V_LT_S,
	V_LE_S,
	V_CLASS_S,
	V_MIN_D,
	V_MAX_D,
	V_EQ_D,
	V_LT_D,
	V_LE_D,
	V_CLASS_D,
	V_CVT_W_S,
	V_CVT_WU_S,
	V_CVT_L_S,
	V_CVT_LU_S,
	V_CVT_W_D,
	V_CVT_WU_D,
	V_CVT_L_D,
	V_CVT_LU_D,
	V_CVT_S_W,
	V_CVT_S_WU,
	V_CVT_S_L,
	V_CVT_S_LU,
	V_CVT_D_W,
	V_CVT_D_WU,
	V_CVT_D_L,
	V_CVT_D_LU,
	V_CVT_S_D,
	V_CVT_D_S,
};

struct fpu_vec {
	enum vop op;
	int rm;
	uint64_t a, b, c, r;
	uint8_t fl;
};

#include "test_fpu_vectors.h"

#define B(x) (FPU_BOX32 | (uint32_t)(x))
#define ONE_S B(0x3f800000)
#define ONE_D 0x3ff0000000000000ull
#define INF_D 0x7ff0000000000000ull
#define MAX_D 0x7fefffffffffffffull
#define SNAN_D 0x7ff4000000000000ull
#define QNAN_D 0x7ff8000000000123ull
#define SNAN_S B(0x7fa00000)
#define QNAN_S B(0x7fc00001)
#define NEG_D 0x8000000000000000ull

static uint64_t run_arith(const struct fpu_vec *v, uint8_t *fl)
{
	switch (v->op) {
	case V_ADD_S:
		return fpu_add_s(v->a, v->b, v->rm, fl);
	case V_SUB_S:
		return fpu_sub_s(v->a, v->b, v->rm, fl);
	case V_MUL_S:
		return fpu_mul_s(v->a, v->b, v->rm, fl);
	case V_DIV_S:
		return fpu_div_s(v->a, v->b, v->rm, fl);
	case V_SQRT_S:
		return fpu_sqrt_s(v->a, v->rm, fl);
	case V_MADD_S:
		return fpu_madd_s(v->a, v->b, v->c, v->rm, fl);
	case V_MSUB_S:
		return fpu_msub_s(v->a, v->b, v->c, v->rm, fl);
	case V_NMSUB_S:
		return fpu_nmsub_s(v->a, v->b, v->c, v->rm, fl);
	case V_NMADD_S:
		return fpu_nmadd_s(v->a, v->b, v->c, v->rm, fl);
	case V_ADD_D:
		return fpu_add_d(v->a, v->b, v->rm, fl);
	case V_SUB_D:
		return fpu_sub_d(v->a, v->b, v->rm, fl);
	case V_MUL_D:
		return fpu_mul_d(v->a, v->b, v->rm, fl);
	case V_DIV_D:
		return fpu_div_d(v->a, v->b, v->rm, fl);
	case V_SQRT_D:
		return fpu_sqrt_d(v->a, v->rm, fl);
	case V_MADD_D:
		return fpu_madd_d(v->a, v->b, v->c, v->rm, fl);
	case V_MSUB_D:
		return fpu_msub_d(v->a, v->b, v->c, v->rm, fl);
	case V_NMSUB_D:
		return fpu_nmsub_d(v->a, v->b, v->c, v->rm, fl);
	case V_NMADD_D:
		return fpu_nmadd_d(v->a, v->b, v->c, v->rm, fl);
	default:
		return 0xbad;
	}
}

static uint64_t run_other(const struct fpu_vec *v, uint8_t *fl)
{
	switch (v->op) {
	case V_MIN_S:
		return fpu_min_s(v->a, v->b, fl);
	case V_MAX_S:
		return fpu_max_s(v->a, v->b, fl);
	case V_EQ_S:
		return fpu_eq_s(v->a, v->b, fl);
	case V_LT_S:
		return fpu_lt_s(v->a, v->b, fl);
	case V_LE_S:
		return fpu_le_s(v->a, v->b, fl);
	case V_CLASS_S:
		return fpu_class_s(v->a);
	case V_MIN_D:
		return fpu_min_d(v->a, v->b, fl);
	case V_MAX_D:
		return fpu_max_d(v->a, v->b, fl);
	case V_EQ_D:
		return fpu_eq_d(v->a, v->b, fl);
	case V_LT_D:
		return fpu_lt_d(v->a, v->b, fl);
	case V_LE_D:
		return fpu_le_d(v->a, v->b, fl);
	case V_CLASS_D:
		return fpu_class_d(v->a);
	case V_CVT_S_D:
		return fpu_cvt_s_d(v->a, v->rm, fl);
	case V_CVT_D_S:
		return fpu_cvt_d_s(v->a, fl);
	default:
		return run_arith(v, fl);
	}
}

static uint64_t run_vec(const struct fpu_vec *v, uint8_t *fl)
{
	switch (v->op) {
	case V_CVT_W_S:
		return fpu_cvt_w_s(v->a, v->rm, fl);
	case V_CVT_WU_S:
		return fpu_cvt_wu_s(v->a, v->rm, fl);
	case V_CVT_L_S:
		return fpu_cvt_l_s(v->a, v->rm, fl);
	case V_CVT_LU_S:
		return fpu_cvt_lu_s(v->a, v->rm, fl);
	case V_CVT_W_D:
		return fpu_cvt_w_d(v->a, v->rm, fl);
	case V_CVT_WU_D:
		return fpu_cvt_wu_d(v->a, v->rm, fl);
	case V_CVT_L_D:
		return fpu_cvt_l_d(v->a, v->rm, fl);
	case V_CVT_LU_D:
		return fpu_cvt_lu_d(v->a, v->rm, fl);
	case V_CVT_S_W:
		return fpu_cvt_s_w(v->a, v->rm, fl);
	case V_CVT_S_WU:
		return fpu_cvt_s_wu(v->a, v->rm, fl);
	case V_CVT_S_L:
		return fpu_cvt_s_l(v->a, v->rm, fl);
	case V_CVT_S_LU:
		return fpu_cvt_s_lu(v->a, v->rm, fl);
	case V_CVT_D_W:
		return fpu_cvt_d_w(v->a, v->rm, fl);
	case V_CVT_D_WU:
		return fpu_cvt_d_wu(v->a, v->rm, fl);
	case V_CVT_D_L:
		return fpu_cvt_d_l(v->a, v->rm, fl);
	case V_CVT_D_LU:
		return fpu_cvt_d_lu(v->a, v->rm, fl);
	default:
		return run_other(v, fl);
	}
}

/* Every generated vector must match bit for bit, flags included. */
static void test_vectors(void **state)
{
	size_t n = sizeof(fpu_vectors) / sizeof(fpu_vectors[0]), bad = 0;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const struct fpu_vec *v = &fpu_vectors[i];
		uint8_t fl = 0;
		uint64_t r = run_vec(v, &fl);

		if (r != v->r || fl != v->fl) {
			if (bad < 30)
				printf("vec %zu op %d rm %d a %#llx b %#llx c %#llx: got %#llx/%#x "
				       "want %#llx/%#x\n",
				       i, v->op, v->rm, (unsigned long long)v->a,
				       (unsigned long long)v->b, (unsigned long long)v->c,
				       (unsigned long long)r, fl, (unsigned long long)v->r, v->fl);
			bad++;
		}
	}
	printf("%zu vectors, %zu mismatches\n", n, bad);
	assert_int_equal(bad, 0);
}

#define CHECK(expr, want, wantfl)                                                                  \
	do {                                                                                       \
		uint8_t fl_ = 0;                                                                   \
		uint64_t r_ = (expr);                                                              \
		(void)fl;                                                                          \
		assert_int_equal(r_, (want));                                                      \
		assert_int_equal(fl_, (wantfl));                                                   \
	} while (0)
#define fl (&fl_)

/* 1 + 2^-24 (single) and 1 + 2^-53 (double) are ties: RNE keeps 1, RMM goes away. */
static void test_rmm_ties(void **state)
{
	(void)state;
	CHECK(fpu_add_s(ONE_S, B(0x33800000), FRM_RNE, fl), ONE_S, FFLAG_NX);
	CHECK(fpu_add_s(ONE_S, B(0x33800000), FRM_RMM, fl), B(0x3f800001), FFLAG_NX);
	CHECK(fpu_sub_s(B(0xbf800000), B(0x33800000), FRM_RMM, fl), B(0xbf800001), FFLAG_NX);
	CHECK(fpu_add_d(ONE_D, 0x3ca0000000000000ull, FRM_RNE, fl), ONE_D, FFLAG_NX);
	CHECK(fpu_add_d(ONE_D, 0x3ca0000000000000ull, FRM_RMM, fl), ONE_D + 1, FFLAG_NX);
	/* just above the tie: both round up; an exact RMM result raises nothing */
	CHECK(fpu_add_d(ONE_D, 0x3ca0000000000001ull, FRM_RNE, fl), ONE_D + 1, FFLAG_NX);
	CHECK(fpu_add_d(ONE_D, ONE_D, FRM_RMM, fl), 0x4000000000000000ull, 0);
	/* subnormal tie: 1.5 * 2^-1074 */
	CHECK(fpu_mul_d(0x3ff8000000000000ull, 1, FRM_RNE, fl), 2, FFLAG_UF | FFLAG_NX);
	CHECK(fpu_mul_d(0x3ff8000000000000ull, 1, FRM_RMM, fl), 2, FFLAG_UF | FFLAG_NX);
	CHECK(fpu_mul_d(0x3fe0000000000000ull, 1, FRM_RMM, fl), 1, FFLAG_UF | FFLAG_NX);
	CHECK(fpu_mul_d(0x3fe0000000000000ull, 1, FRM_RNE, fl), 0, FFLAG_UF | FFLAG_NX);
	/* conversions: 2.5 -> 2 (RNE) or 3 (RMM); 2^24+1 -> single tie */
	CHECK(fpu_cvt_w_d(0x4004000000000000ull, FRM_RNE, fl), 2, FFLAG_NX);
	CHECK(fpu_cvt_w_d(0x4004000000000000ull, FRM_RMM, fl), 3, FFLAG_NX);
	CHECK(fpu_cvt_w_d(0xc004000000000000ull, FRM_RMM, fl), (uint64_t)-3, FFLAG_NX);
	CHECK(fpu_cvt_s_w(0x1000001, FRM_RNE, fl), B(0x4b800000), FFLAG_NX);
	CHECK(fpu_cvt_s_w(0x1000001, FRM_RMM, fl), B(0x4b800001), FFLAG_NX);
	/* RMM overflows to infinity like RNE */
	CHECK(fpu_mul_d(MAX_D, 0x4000000000000000ull, FRM_RMM, fl), INF_D, FFLAG_OF | FFLAG_NX);
}

/* Overflow gives inf or the largest finite depending on mode and sign (IEEE 754 7.4). */
static void test_overflow(void **state)
{
	(void)state;
	CHECK(fpu_add_d(MAX_D, MAX_D, FRM_RNE, fl), INF_D, FFLAG_OF | FFLAG_NX);
	CHECK(fpu_add_d(MAX_D, MAX_D, FRM_RTZ, fl), MAX_D, FFLAG_OF | FFLAG_NX);
	CHECK(fpu_add_d(MAX_D, MAX_D, FRM_RDN, fl), MAX_D, FFLAG_OF | FFLAG_NX);
	CHECK(fpu_add_d(MAX_D, MAX_D, FRM_RUP, fl), INF_D, FFLAG_OF | FFLAG_NX);
	CHECK(fpu_add_d(MAX_D | NEG_D, MAX_D | NEG_D, FRM_RDN, fl), INF_D | NEG_D,
	      FFLAG_OF | FFLAG_NX);
	CHECK(fpu_add_d(MAX_D | NEG_D, MAX_D | NEG_D, FRM_RUP, fl), MAX_D | NEG_D,
	      FFLAG_OF | FFLAG_NX);
	CHECK(fpu_mul_s(B(0x7f7fffff), B(0x40000000), FRM_RTZ, fl), B(0x7f7fffff),
	      FFLAG_OF | FFLAG_NX);
	CHECK(fpu_div_s(ONE_S, B(0), FRM_RNE, fl), B(0x7f800000), FFLAG_DZ);
	CHECK(fpu_div_d(NEG_D, NEG_D, FRM_RNE, fl), FPU_CANON_NAN_D, FFLAG_NV);
	/* narrowing overflow */
	CHECK(fpu_cvt_s_d(MAX_D, FRM_RTZ, fl), B(0x7f7fffff), FFLAG_OF | FFLAG_NX);
	CHECK(fpu_cvt_s_d(MAX_D, FRM_RMM, fl), B(0x7f800000), FFLAG_OF | FFLAG_NX);
}

/* Tininess after rounding (ISA spec 12.2): (1-2^-54) * 2^-1022 rounds up to 2^-1022. */
static void test_tininess(void **state)
{
	uint64_t a = 0x1ffffffffc000000ull; /* (1 - 2^-27) * 2^-511 */
	uint64_t b = 0x2000000002000000ull; /* (1 + 2^-27) * 2^-511 */

	(void)state;
	CHECK(fpu_mul_d(a, b, FRM_RNE, fl), 0x0010000000000000ull, FFLAG_NX);
	CHECK(fpu_mul_d(a, b, FRM_RMM, fl), 0x0010000000000000ull, FFLAG_NX);
	CHECK(fpu_mul_d(a, b, FRM_RUP, fl), 0x0010000000000000ull, FFLAG_NX);
	CHECK(fpu_mul_d(a, b, FRM_RTZ, fl), 0x000fffffffffffffull, FFLAG_UF | FFLAG_NX);
	CHECK(fpu_mul_d(a, b, FRM_RDN, fl), 0x000fffffffffffffull, FFLAG_UF | FFLAG_NX);
	/* an exact subnormal result raises nothing */
	CHECK(fpu_sub_d(0x0010000000000000ull, 1, FRM_RNE, fl), 0x000fffffffffffffull, 0);
	CHECK(fpu_mul_s(B(0x00800000), B(0x3f000000), FRM_RMM, fl), B(0x00400000), 0);
}

/* Exact zero results: sign per rounding mode (IEEE 754 6.3), also for fused ops. */
static void test_zero_signs(void **state)
{
	(void)state;
	CHECK(fpu_sub_d(ONE_D, ONE_D, FRM_RNE, fl), 0, 0);
	CHECK(fpu_sub_d(ONE_D, ONE_D, FRM_RDN, fl), NEG_D, 0);
	CHECK(fpu_sub_d(ONE_D, ONE_D, FRM_RMM, fl), 0, 0);
	CHECK(fpu_add_d(NEG_D, NEG_D, FRM_RNE, fl), NEG_D, 0);
	CHECK(fpu_add_s(B(0x80000000), B(0), FRM_RUP, fl), B(0), 0);
	CHECK(fpu_add_s(B(0x80000000), B(0), FRM_RDN, fl), B(0x80000000), 0);
	CHECK(fpu_madd_d(ONE_D, ONE_D, ONE_D | NEG_D, FRM_RDN, fl), NEG_D, 0);
	CHECK(fpu_madd_d(ONE_D, ONE_D, ONE_D | NEG_D, FRM_RMM, fl), 0, 0);
	CHECK(fpu_nmadd_d(0, ONE_D, 0, FRM_RNE, fl), NEG_D, 0);
	CHECK(fpu_nmsub_d(0, ONE_D, 0, FRM_RNE, fl), 0, 0);
	CHECK(fpu_msub_s(B(0), ONE_S, B(0), FRM_RDN, fl), B(0x80000000), 0);
	CHECK(fpu_sqrt_d(NEG_D, FRM_RNE, fl), NEG_D, 0);
	CHECK(fpu_mul_s(B(0x80000001), B(0x00000001), FRM_RUP, fl), B(0x80000000),
	      FFLAG_UF | FFLAG_NX);
	CHECK(fpu_mul_s(B(0x80000001), B(0x00000001), FRM_RDN, fl), B(0x80000001),
	      FFLAG_UF | FFLAG_NX);
}

/* Fused multiply-add: one rounding, inf*0 is NV even with a quiet NaN addend. */
static void test_fma(void **state)
{
	(void)state;
	CHECK(fpu_madd_d(INF_D, 0, QNAN_D, FRM_RNE, fl), FPU_CANON_NAN_D, FFLAG_NV);
	CHECK(fpu_madd_s(B(0), B(0xff800000), QNAN_S, FRM_RNE, fl), FPU_CANON_NAN_S, FFLAG_NV);
	CHECK(fpu_madd_d(ONE_D, ONE_D, QNAN_D, FRM_RNE, fl), FPU_CANON_NAN_D, 0);
	CHECK(fpu_madd_d(ONE_D, ONE_D, SNAN_D, FRM_RNE, fl), FPU_CANON_NAN_D, FFLAG_NV);
	CHECK(fpu_madd_d(INF_D, ONE_D, INF_D | NEG_D, FRM_RNE, fl), FPU_CANON_NAN_D, FFLAG_NV);
	CHECK(fpu_msub_d(INF_D, ONE_D, INF_D, FRM_RNE, fl), FPU_CANON_NAN_D, FFLAG_NV);
	/* (1+2^-52)(1-2^-52) - 1 = -2^-104 exactly: needs the unrounded product */
	CHECK(fpu_msub_d(ONE_D + 1, 0x3fefffffffffffffull - 1, ONE_D, FRM_RNE, fl),
	      0xb970000000000000ull, 0);
	/* 1 + 2^-24 as (1+2^-12)^2 - 2^-11 in single: tie, RMM away, RNE even */
	CHECK(fpu_madd_s(B(0x3f800800), B(0x3f800800), B(0xba000000), FRM_RMM, fl), B(0x3f800001),
	      FFLAG_NX);
	CHECK(fpu_madd_s(B(0x3f800800), B(0x3f800800), B(0xba000000), FRM_RNE, fl), ONE_S,
	      FFLAG_NX);
}

/* NaN boxing (ISA spec 12.2) and canonical NaNs (12.3). */
static void test_nan_boxing(void **state)
{
	uint64_t unboxed_one = 0x000000003f800000ull;

	(void)state;
	CHECK(fpu_add_s(unboxed_one, ONE_S, FRM_RNE, fl), FPU_CANON_NAN_S, 0);
	CHECK(fpu_add_s(0xfffffffe3f800000ull, ONE_S, FRM_RNE, fl), FPU_CANON_NAN_S, 0);
	CHECK(fpu_add_s(QNAN_S, ONE_S, FRM_RNE, fl), FPU_CANON_NAN_S, 0);
	CHECK(fpu_add_s(SNAN_S, ONE_S, FRM_RNE, fl), FPU_CANON_NAN_S, FFLAG_NV);
	CHECK(fpu_sqrt_s(B(0xbf800000), FRM_RNE, fl), FPU_CANON_NAN_S, FFLAG_NV);
	CHECK(fpu_add_d(QNAN_D, ONE_D, FRM_RNE, fl), FPU_CANON_NAN_D, 0);
	CHECK(fpu_mul_d(SNAN_D | NEG_D, ONE_D, FRM_RMM, fl), FPU_CANON_NAN_D, FFLAG_NV);
	CHECK(fpu_sub_d(INF_D, INF_D, FRM_RNE, fl), FPU_CANON_NAN_D, FFLAG_NV);
	CHECK(fpu_min_s(unboxed_one, ONE_S, fl), ONE_S, 0);
	CHECK(fpu_min_s(unboxed_one, unboxed_one, fl), FPU_CANON_NAN_S, 0);
	assert_int_equal(fpu_sgnj_s(ONE_S, B(0x80000000)), B(0xbf800000));
	assert_int_equal(fpu_sgnjn_s(ONE_S, B(0x80000000)), ONE_S);
	assert_int_equal(fpu_sgnjx_s(B(0xbf800000), B(0x80000000)), ONE_S);
	assert_int_equal(fpu_sgnj_s(unboxed_one, ONE_S), FPU_CANON_NAN_S);
	assert_int_equal(fpu_sgnjn_s(ONE_S, unboxed_one), B(0xbf800000));
	assert_int_equal(fpu_sgnj_d(ONE_D, NEG_D), ONE_D | NEG_D);
	assert_int_equal(fpu_sgnjn_d(ONE_D | NEG_D, NEG_D), ONE_D);
	assert_int_equal(fpu_sgnjx_d(SNAN_D | NEG_D, NEG_D), SNAN_D);
	assert_int_equal(fpu_class_s(unboxed_one), 1u << 9);
	CHECK(fpu_cvt_d_s(SNAN_S, fl), FPU_CANON_NAN_D, FFLAG_NV);
	CHECK(fpu_cvt_d_s(QNAN_S, fl), FPU_CANON_NAN_D, 0);
	CHECK(fpu_cvt_s_d(SNAN_D, FRM_RNE, fl), FPU_CANON_NAN_S, FFLAG_NV);
	CHECK(fpu_cvt_d_s(B(0x00000001), fl), 0x36a0000000000000ull, 0);
}

/* FMIN/FMAX (ISA spec 12.6), FEQ quiet, FLT/FLE signaling (12.8). */
static void test_minmax_compare(void **state)
{
	(void)state;
	CHECK(fpu_min_d(0, NEG_D, fl), NEG_D, 0);
	CHECK(fpu_max_d(NEG_D, 0, fl), 0, 0);
	CHECK(fpu_min_d(QNAN_D, ONE_D, fl), ONE_D, 0);
	CHECK(fpu_max_d(SNAN_D, ONE_D, fl), ONE_D, FFLAG_NV);
	CHECK(fpu_max_d(SNAN_D, QNAN_D, fl), FPU_CANON_NAN_D, FFLAG_NV);
	CHECK(fpu_min_s(QNAN_S, SNAN_S, fl), FPU_CANON_NAN_S, FFLAG_NV);
	CHECK(fpu_eq_d(QNAN_D, ONE_D, fl), 0, 0);
	CHECK(fpu_eq_d(SNAN_D, ONE_D, fl), 0, FFLAG_NV);
	CHECK(fpu_lt_d(QNAN_D, ONE_D, fl), 0, FFLAG_NV);
	CHECK(fpu_le_s(ONE_S, QNAN_S, fl), 0, FFLAG_NV);
	CHECK(fpu_eq_d(0, NEG_D, fl), 1, 0);
	CHECK(fpu_lt_d(NEG_D, 0, fl), 0, 0);
	CHECK(fpu_le_d(NEG_D, 0, fl), 1, 0);
	CHECK(fpu_lt_s(B(0xff800000), B(0xff7fffff), fl), 1, 0);
}

/* FCLASS: the ten classes (ISA spec table "Format of result of FCLASS instruction"). */
static void test_fclass(void **state)
{
	static const uint64_t d[10] = {
	    INF_D | NEG_D, ONE_D | NEG_D, 1 | NEG_D, NEG_D, 0, 1, ONE_D, INF_D, SNAN_D, QNAN_D,
	};
	static const uint64_t s[10] = {
	    B(0xff800000), B(0xbf800000), B(0x807fffff), B(0x80000000), B(0),
	    B(0x007fffff), B(0x7f7fffff), B(0x7f800000), SNAN_S,	QNAN_S,
	};

	(void)state;
	for (int i = 0; i < 10; i++) {
		assert_int_equal(fpu_class_d(d[i]), 1u << i);
		assert_int_equal(fpu_class_s(s[i]), 1u << i);
	}
}

/* Saturating conversions (ISA spec 12.7 table); W results sign-extended. */
static void test_cvt_int(void **state)
{
	(void)state;
	CHECK(fpu_cvt_wu_d(0x41efffffffe00000ull, FRM_RNE, fl), ~0ull, 0); /* 2^32-1 */
	CHECK(fpu_cvt_wu_d(0x41f0000000000000ull, FRM_RNE, fl), ~0ull, FFLAG_NV);
	CHECK(fpu_cvt_wu_d(0xbfe0000000000000ull, FRM_RTZ, fl), 0, FFLAG_NX); /* -0.5 */
	CHECK(fpu_cvt_wu_d(0xbfe0000000000000ull, FRM_RDN, fl), 0, FFLAG_NV);
	CHECK(fpu_cvt_w_d(0x41dfffffffc00000ull, FRM_RNE, fl), 0x7fffffff, 0);
	CHECK(fpu_cvt_w_d(0x41dfffffffe00000ull, FRM_RNE, fl), 0x7fffffff, FFLAG_NV); /* +0.5 */
	CHECK(fpu_cvt_w_d(0x41dfffffffe00000ull, FRM_RTZ, fl), 0x7fffffff, FFLAG_NX);
	CHECK(fpu_cvt_w_d(0xc1e0000000000000ull, FRM_RNE, fl), 0xffffffff80000000ull, 0);
	CHECK(fpu_cvt_w_d(0xc1e0000000100000ull, FRM_RUP, fl), 0xffffffff80000000ull, FFLAG_NX);
	CHECK(fpu_cvt_w_d(0xc1e0000000100000ull, FRM_RNE, fl), 0xffffffff80000000ull, FFLAG_NX);
	CHECK(fpu_cvt_w_d(0xc1e0000000100000ull, FRM_RDN, fl), 0xffffffff80000000ull, FFLAG_NV);
	CHECK(fpu_cvt_w_s(QNAN_S, FRM_RNE, fl), 0x7fffffff, FFLAG_NV);
	CHECK(fpu_cvt_w_s(B(0xff800000), FRM_RNE, fl), 0xffffffff80000000ull, FFLAG_NV);
	CHECK(fpu_cvt_wu_s(B(0xff800000), FRM_RNE, fl), 0, FFLAG_NV);
	CHECK(fpu_cvt_wu_s(SNAN_S, FRM_RNE, fl), ~0ull, FFLAG_NV);
	CHECK(fpu_cvt_l_d(0x43e0000000000000ull, FRM_RNE, fl), 0x7fffffffffffffffull, FFLAG_NV);
	CHECK(fpu_cvt_l_d(0xc3e0000000000000ull, FRM_RNE, fl), 1ull << 63, 0);
	CHECK(fpu_cvt_lu_d(0x43efffffffffffffull, FRM_RNE, fl), 0xfffffffffffff800ull, 0);
	CHECK(fpu_cvt_lu_d(0x43f0000000000000ull, FRM_RNE, fl), ~0ull, FFLAG_NV);
	CHECK(fpu_cvt_lu_s(B(0x7f800000), FRM_RNE, fl), ~0ull, FFLAG_NV);
	CHECK(fpu_cvt_l_s(B(0x80000000), FRM_RNE, fl), 0, 0);
	CHECK(fpu_cvt_l_d(1, FRM_RUP, fl), 1, FFLAG_NX);
	CHECK(fpu_cvt_l_d(1 | NEG_D, FRM_RDN, fl), ~0ull, FFLAG_NX);
	/* from integer */
	CHECK(fpu_cvt_s_wu(0xffffffffull, FRM_RNE, fl), B(0x4f800000), FFLAG_NX);
	CHECK(fpu_cvt_s_wu(0xffffffffull, FRM_RTZ, fl), B(0x4f7fffff), FFLAG_NX);
	CHECK(fpu_cvt_s_w(0xffffffff80000000ull, FRM_RNE, fl), B(0xcf000000), 0);
	CHECK(fpu_cvt_d_w(0x00000000ffffffffull, FRM_RNE, fl), ONE_D | NEG_D, 0);
	CHECK(fpu_cvt_d_l(1ull << 63, FRM_RNE, fl), 0xc3e0000000000000ull, 0);
	CHECK(fpu_cvt_d_lu(~0ull, FRM_RUP, fl), 0x43f0000000000000ull, FFLAG_NX);
	CHECK(fpu_cvt_d_lu(~0ull, FRM_RDN, fl), 0x43efffffffffffffull, FFLAG_NX);
	CHECK(fpu_cvt_d_l(0, FRM_RDN, fl), 0, 0);
}

/* The caller's MXCSR (rounding mode, masks) survives every call. */
static void test_mxcsr_preserved(void **state)
{
	unsigned int saved = _mm_getcsr();
	uint8_t f = 0;

	(void)state;
	_mm_setcsr(0x1f80 | (2u << 13));
	fpu_add_d(ONE_D, 0x3ca0000000000000ull, FRM_RTZ, &f);
	fpu_madd_s(ONE_S, ONE_S, ONE_S, FRM_RMM, &f);
	assert_int_equal(_mm_getcsr() & ~0x3fu, 0x1f80 | (2u << 13));
	_mm_setcsr(saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rmm_ties),
	    cmocka_unit_test(test_overflow),
	    cmocka_unit_test(test_tininess),
	    cmocka_unit_test(test_zero_signs),
	    cmocka_unit_test(test_fma),
	    cmocka_unit_test(test_nan_boxing),
	    cmocka_unit_test(test_minmax_compare),
	    cmocka_unit_test(test_fclass),
	    cmocka_unit_test(test_cvt_int),
	    cmocka_unit_test(test_mxcsr_preserved),
	    cmocka_unit_test(test_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
