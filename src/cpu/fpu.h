/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IEEE 754 arithmetic for the F and D extensions (ISA spec chapters 12 and 13).
 *
 * Operands and results are raw 64-bit FP register values: single-precision values are
 * NaN-boxed (ISA spec 12.2) and an operand that is not properly boxed reads as the
 * canonical NaN. rm is a resolved rounding mode (FRM_RNE..FRM_RMM, never DYN). Exception
 * flags are ORed into *fl (FFLAG_*). NaN results are the canonical NaN (ISA spec 12.3).
 * The functions are pure: no hart state, safe on any thread.
 */
#ifndef VIREO_CPU_FPU_H
#define VIREO_CPU_FPU_H

#include <stdint.h>

enum { FRM_RNE = 0, FRM_RTZ = 1, FRM_RDN = 2, FRM_RUP = 3, FRM_RMM = 4, FRM_DYN = 7 };

#define FFLAG_NX 0x01
#define FFLAG_UF 0x02
#define FFLAG_OF 0x04
#define FFLAG_DZ 0x08
#define FFLAG_NV 0x10

#define FPU_BOX32 0xffffffff00000000ull
#define FPU_CANON_NAN_S (FPU_BOX32 | 0x7fc00000ull)
#define FPU_CANON_NAN_D 0x7ff8000000000000ull

/* Declares the same operation set for single (s) and double (d) precision. */
#define FPU_DECLARE(t)                                                                             \
	uint64_t fpu_add_##t(uint64_t a, uint64_t b, int rm, uint8_t *fl);                         \
	uint64_t fpu_sub_##t(uint64_t a, uint64_t b, int rm, uint8_t *fl);                         \
	uint64_t fpu_mul_##t(uint64_t a, uint64_t b, int rm, uint8_t *fl);                         \
	uint64_t fpu_div_##t(uint64_t a, uint64_t b, int rm, uint8_t *fl);                         \
	uint64_t fpu_sqrt_##t(uint64_t a, int rm, uint8_t *fl);                                    \
	uint64_t fpu_min_##t(uint64_t a, uint64_t b, uint8_t *fl);                                 \
	uint64_t fpu_max_##t(uint64_t a, uint64_t b, uint8_t *fl);                                 \
	/* fused: a*b+c, a*b-c, -(a*b)+c, -(a*b)-c with one rounding */                            \
	uint64_t fpu_madd_##t(uint64_t a, uint64_t b, uint64_t c, int rm, uint8_t *fl);            \
	uint64_t fpu_msub_##t(uint64_t a, uint64_t b, uint64_t c, int rm, uint8_t *fl);            \
	uint64_t fpu_nmsub_##t(uint64_t a, uint64_t b, uint64_t c, int rm, uint8_t *fl);           \
	uint64_t fpu_nmadd_##t(uint64_t a, uint64_t b, uint64_t c, int rm, uint8_t *fl);           \
	uint64_t fpu_sgnj_##t(uint64_t a, uint64_t b);                                             \
	uint64_t fpu_sgnjn_##t(uint64_t a, uint64_t b);                                            \
	uint64_t fpu_sgnjx_##t(uint64_t a, uint64_t b);                                            \
	/* comparisons return 0 or 1; eq is quiet, lt/le are signaling */                          \
	uint64_t fpu_eq_##t(uint64_t a, uint64_t b, uint8_t *fl);                                  \
	uint64_t fpu_lt_##t(uint64_t a, uint64_t b, uint8_t *fl);                                  \
	uint64_t fpu_le_##t(uint64_t a, uint64_t b, uint8_t *fl);                                  \
	uint64_t fpu_class_##t(uint64_t a);                                                        \
	/* to integer: saturating, results as the x register holds them (W sign-extended) */       \
	uint64_t fpu_cvt_w_##t(uint64_t a, int rm, uint8_t *fl);                                   \
	uint64_t fpu_cvt_wu_##t(uint64_t a, int rm, uint8_t *fl);                                  \
	uint64_t fpu_cvt_l_##t(uint64_t a, int rm, uint8_t *fl);                                   \
	uint64_t fpu_cvt_lu_##t(uint64_t a, int rm, uint8_t *fl);                                  \
	/* from integer: the operand is the x register value */                                    \
	uint64_t fpu_cvt_##t##_w(uint64_t x, int rm, uint8_t *fl);                                 \
	uint64_t fpu_cvt_##t##_wu(uint64_t x, int rm, uint8_t *fl);                                \
	uint64_t fpu_cvt_##t##_l(uint64_t x, int rm, uint8_t *fl);                                 \
	uint64_t fpu_cvt_##t##_lu(uint64_t x, int rm, uint8_t *fl);

FPU_DECLARE(s)
FPU_DECLARE(d)

/** FCVT.S.D: narrows a double to a NaN-boxed single. */
uint64_t fpu_cvt_s_d(uint64_t a, int rm, uint8_t *fl);
/** FCVT.D.S: widens a (boxed) single to a double; exact. */
uint64_t fpu_cvt_d_s(uint64_t a, uint8_t *fl);

#endif
