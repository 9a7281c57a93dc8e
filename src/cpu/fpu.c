/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IEEE 754 arithmetic for the F and D extensions (ISA spec chapters 12 and 13).
 *
 * Two engines:
 *  - The host SSE/FMA3 unit runs add/sub/mul/div/sqrt/fma for RNE, RTZ, RDN and RUP with
 *    the rounding mode loaded into MXCSR by the same asm statement that does the
 *    operation, so the compiler cannot move the arithmetic across the MXCSR accesses.
 *    x86 SSE detects tininess after rounding, like RISC-V (ISA spec 12.2, checked on the
 *    host: (1-2^-54)*2^-1022 rounds to 2^-1022 without UE), and with all exceptions
 *    masked its IE/ZE/OE/UE/PE flags match NV/DZ/OF/UF/NX.
 *  - An exact integer engine ("soft": unpack, exact or sticky result, one rounding) does
 *    RMM, which x86 lacks, plus every conversion. RMM first runs in RNE on the host; only
 *    an inexact result is recomputed, because an exact result is the same in every mode.
 *
 * NaN results are replaced by the canonical NaN (ISA spec 12.3). DAZ/FTZ are kept off.
 */
#include "cpu/fpu.h"

#include <stdbool.h>
#include <string.h>

typedef unsigned __int128 u128;

/* Binary interchange format parameters (IEEE 754-2019 table 3.5). */
struct fmt {
	int p;	      /* precision, hidden bit included */
	int w;	      /* storage width in bits */
	int32_t emin; /* exponent of the smallest normal */
	int32_t emax; /* exponent of the largest finite */
};

static const struct fmt FMT_S = {24, 32, -126, 127};
static const struct fmt FMT_D = {53, 64, -1022, 1023};

/* A finite value (sig + tail) * 2^exp; sticky says tail is in (0, 1). */
struct unp {
	bool sign;
	bool sticky;
	int32_t exp;
	u128 sig;
};

enum fop { FOP_ADD, FOP_SUB, FOP_MUL, FOP_DIV, FOP_SQRT, FOP_FMA };

#define MXCSR_IE 0x01u
#define MXCSR_ZE 0x04u
#define MXCSR_OE 0x08u
#define MXCSR_UE 0x10u
#define MXCSR_PE 0x20u
/* All exceptions masked, DAZ and FTZ clear, flags clear. */
#define MXCSR_BASE 0x1f80u

/* ---- bit-level helpers ---------------------------------------------------------------- */

static inline uint64_t sign_bit(const struct fmt *f)
{
	return 1ull << (f->w - 1);
}

static inline uint64_t frac_mask(const struct fmt *f)
{
	return (1ull << (f->p - 1)) - 1;
}

static inline uint32_t exp_field(uint64_t x, const struct fmt *f)
{
	return (uint32_t)(x >> (f->p - 1)) & ((1u << (f->w - f->p)) - 1);
}

static inline uint32_t exp_max(const struct fmt *f)
{
	return (1u << (f->w - f->p)) - 1;
}

static inline bool is_nan(uint64_t x, const struct fmt *f)
{
	return exp_field(x, f) == exp_max(f) && (x & frac_mask(f));
}

/* A signaling NaN has the most significant fraction bit clear (ISA spec 12.3). */
static inline bool is_snan(uint64_t x, const struct fmt *f)
{
	return is_nan(x, f) && !((x >> (f->p - 2)) & 1);
}

static inline bool is_inf(uint64_t x, const struct fmt *f)
{
	return exp_field(x, f) == exp_max(f) && !(x & frac_mask(f));
}

static inline bool is_zero(uint64_t x, const struct fmt *f)
{
	return !(x & (sign_bit(f) - 1));
}

static inline uint64_t canon_nan(const struct fmt *f)
{
	return f->w == 32 ? 0x7fc00000ull : FPU_CANON_NAN_D;
}

/* A single is valid only if bits 63:32 are all ones (ISA spec 12.2). */
static inline uint32_t unbox(uint64_t x)
{
	return (x & FPU_BOX32) == FPU_BOX32 ? (uint32_t)x : 0x7fc00000u;
}

static inline uint64_t box(uint64_t x)
{
	return FPU_BOX32 | (uint32_t)x;
}

static inline float f32_of(uint32_t x)
{
	float r;

	memcpy(&r, &x, sizeof(r));
	return r;
}

static inline uint32_t bits_f32(float x)
{
	uint32_t r;

	memcpy(&r, &x, sizeof(r));
	return r;
}

static inline double f64_of(uint64_t x)
{
	double r;

	memcpy(&r, &x, sizeof(r));
	return r;
}

static inline uint64_t bits_f64(double x)
{
	uint64_t r;

	memcpy(&r, &x, sizeof(r));
	return r;
}

static inline int msb128(u128 x)
{
	uint64_t hi = (uint64_t)(x >> 64);

	return hi ? 127 - __builtin_clzll(hi) : 63 - __builtin_clzll((uint64_t)x);
}

/* ---- host engine ---------------------------------------------------------------------- */

/* MXCSR.RC (bits 14:13) is 0 nearest-even, 1 down, 2 up, 3 toward zero; RMM runs as RNE. */
static inline uint32_t mxcsr_for(int rm)
{
	switch (rm) {
	case FRM_RTZ:
		return MXCSR_BASE | 3u << 13;
	case FRM_RDN:
		return MXCSR_BASE | 1u << 13;
	case FRM_RUP:
		return MXCSR_BASE | 2u << 13;
	default:
		return MXCSR_BASE;
	}
}

/* IE->NV, ZE->DZ, OE->OF, UE->UF, PE->NX; DE (denormal operand) has no RISC-V flag. */
static inline uint8_t host_flags(uint32_t st)
{
	return (uint8_t)(((st & MXCSR_IE) << 4) | ((st & MXCSR_ZE) << 1) | ((st & MXCSR_OE) >> 1) |
			 ((st & MXCSR_UE) >> 3) | ((st & MXCSR_PE) >> 5));
}

/*
 * One asm statement saves MXCSR, loads the mode, runs the instruction, captures the flags
 * and restores MXCSR, so nothing can be scheduled between the mode switch and the op.
 */
#define HOST_OP(insn, r_, x_, y_, csr_, st_)                                                       \
	do {                                                                                       \
		uint32_t old_;                                                                     \
		asm volatile("vstmxcsr %[o]\n\tvldmxcsr %[c]\n\t" insn " %[y], %[x], %[r]\n\t"     \
			     "vstmxcsr %[s]\n\tvldmxcsr %[o]"                                      \
			     : [r] "=x"(r_), [s] "=m"(st_), [o] "=m"(old_)                         \
			     : [x] "x"(x_), [y] "x"(y_), [c] "m"(csr_));                           \
	} while (0)

/* Same for FMA3 231 forms: r = x * y + r with a single rounding. */
#define HOST_FMA(insn, r_, x_, y_, csr_, st_)                                                      \
	do {                                                                                       \
		uint32_t old_;                                                                     \
		asm volatile("vstmxcsr %[o]\n\tvldmxcsr %[c]\n\t" insn " %[y], %[x], %[r]\n\t"     \
			     "vstmxcsr %[s]\n\tvldmxcsr %[o]"                                      \
			     : [r] "+x"(r_), [s] "=m"(st_), [o] "=m"(old_)                         \
			     : [x] "x"(x_), [y] "x"(y_), [c] "m"(csr_));                           \
	} while (0)

static inline double host_d(enum fop op, double a, double b, double c, uint32_t csr, uint32_t *st)
{
	double r = c;

	switch (op) {
	case FOP_ADD:
		HOST_OP("vaddsd", r, a, b, csr, *st);
		break;
	case FOP_SUB:
		HOST_OP("vsubsd", r, a, b, csr, *st);
		break;
	case FOP_MUL:
		HOST_OP("vmulsd", r, a, b, csr, *st);
		break;
	case FOP_DIV:
		HOST_OP("vdivsd", r, a, b, csr, *st);
		break;
	case FOP_SQRT:
		HOST_OP("vsqrtsd", r, a, a, csr, *st);
		break;
	case FOP_FMA:
		HOST_FMA("vfmadd231sd", r, a, b, csr, *st);
		break;
	}
	return r;
}

static inline float host_s(enum fop op, float a, float b, float c, uint32_t csr, uint32_t *st)
{
	float r = c;

	switch (op) {
	case FOP_ADD:
		HOST_OP("vaddss", r, a, b, csr, *st);
		break;
	case FOP_SUB:
		HOST_OP("vsubss", r, a, b, csr, *st);
		break;
	case FOP_MUL:
		HOST_OP("vmulss", r, a, b, csr, *st);
		break;
	case FOP_DIV:
		HOST_OP("vdivss", r, a, b, csr, *st);
		break;
	case FOP_SQRT:
		HOST_OP("vsqrtss", r, a, a, csr, *st);
		break;
	case FOP_FMA:
		HOST_FMA("vfmadd231ss", r, a, b, csr, *st);
		break;
	}
	return r;
}

/* ---- exact engine ---------------------------------------------------------------------- */

/* Unpacks a finite value with the significand normalised to bit p-1 (zero stays zero). */
static struct unp unpack(uint64_t x, const struct fmt *f)
{
	struct unp u = {.sign = (x >> (f->w - 1)) & 1};
	uint32_t e = exp_field(x, f);
	int sh;

	u.sig = x & frac_mask(f);
	if (e) {
		u.sig |= 1ull << (f->p - 1);
		u.exp = (int32_t)e - (f->emax + f->p - 1);
	} else {
		u.exp = f->emin - (f->p - 1);
		if (u.sig) {
			sh = f->p - 1 - msb128(u.sig);
			u.sig <<= sh;
			u.exp -= sh;
		}
	}
	return u;
}

/*
 * Drops the low s bits of sig (plus the sticky tail) rounding per rm; *inexact reports
 * lost bits. s <= 0 is an exact left shift (callers keep s >= 1 whenever sticky is set).
 */
static u128 round_shift(u128 sig, bool sticky, int s, bool sign, int rm, bool *inexact)
{
	u128 kept, rem, half;
	bool up;

	if (s <= 0) {
		*inexact = sticky;
		return sig << -s;
	}
	if (s > 128) {
		/* everything is below half an ulp of the result position */
		*inexact = sig || sticky;
		return (rm == FRM_RUP && !sign && *inexact) || (rm == FRM_RDN && sign && *inexact);
	}
	kept = s == 128 ? 0 : sig >> s;
	rem = s == 128 ? sig : sig & (((u128)1 << s) - 1);
	half = (u128)1 << (s - 1);
	*inexact = rem || sticky;
	switch (rm) {
	case FRM_RNE:
		up = rem > half || (rem == half && (sticky || (kept & 1)));
		break;
	case FRM_RMM:
		up = rem >= half;
		break;
	case FRM_RDN:
		up = sign && *inexact;
		break;
	case FRM_RUP:
		up = !sign && *inexact;
		break;
	default:
		up = false;
		break;
	}
	return kept + up;
}

/* Overflow result (ISA spec 12.2 / IEEE 754 7.4): inf or the largest finite per mode. */
static uint64_t overflow_result(const struct fmt *f, bool sign, int rm)
{
	uint64_t inf = (uint64_t)exp_max(f) << (f->p - 1);
	bool to_inf =
	    rm == FRM_RNE || rm == FRM_RMM || (rm == FRM_RDN && sign) || (rm == FRM_RUP && !sign);

	return (sign ? sign_bit(f) : 0) | (to_inf ? inf : inf - 1);
}

/*
 * Rounds v to format f. Tininess is detected after rounding (ISA spec 12.2): the value
 * is tiny if rounding it to p bits with an unbounded exponent stays below 2^emin; UF
 * is then raised only when the subnormal result is also inexact.
 */
static uint64_t round_pack(const struct fmt *f, const struct unp *v, int rm, uint8_t *fl)
{
	uint64_t sgn = v->sign ? sign_bit(f) : 0;
	bool inexact;
	int32_t e;
	int m;
	u128 k;

	if (!v->sig)
		return sgn; /* exact zero: callers pick the sign */
	m = msb128(v->sig);
	e = v->exp + m;
	k = round_shift(v->sig, v->sticky, m - (f->p - 1), v->sign, rm, &inexact);
	if (k >> f->p) {
		k >>= 1;
		e++;
	}
	if (e > f->emax) {
		*fl |= FFLAG_OF | FFLAG_NX;
		return overflow_result(f, v->sign, rm);
	}
	if (e >= f->emin) {
		if (inexact)
			*fl |= FFLAG_NX;
		return sgn | (uint64_t)(e + f->emax) << (f->p - 1) | ((uint64_t)k & frac_mask(f));
	}
	/* subnormal grid: lsb weight 2^(emin-p+1); a carry into bit p-1 encodes 2^emin */
	k = round_shift(v->sig, v->sticky, (f->emin - (f->p - 1)) - v->exp, v->sign, rm, &inexact);
	if (inexact)
		*fl |= FFLAG_UF | FFLAG_NX;
	return sgn | (uint64_t)k;
}

/* Shifts right by s, folding the lost bits into the sticky flag. */
static u128 shift_sticky(u128 x, int32_t s, bool *sticky)
{
	if (s <= 0)
		return x;
	if (s >= 128) {
		*sticky |= x != 0;
		return 0;
	}
	*sticky |= (x & (((u128)1 << s) - 1)) != 0;
	return x >> s;
}

/*
 * x + y for exact x, y. Both are normalised to bit 125; the smaller-exponent one is
 * aligned with sticky, which leaves >= 120 significant bits even after cancellation.
 */
static struct unp soft_add(struct unp x, struct unp y, int rm)
{
	struct unp r = {0}, t;
	int sh;

	if (!x.sig || !y.sig) {
		if (x.sig)
			return x;
		if (y.sig)
			return y;
		/* IEEE 754 6.3: exact zero sum of opposite signs is +0 except in RDN */
		r.sign = x.sign == y.sign ? x.sign : rm == FRM_RDN;
		return r;
	}
	sh = 125 - msb128(x.sig);
	x.sig <<= sh;
	x.exp -= sh;
	sh = 125 - msb128(y.sig);
	y.sig <<= sh;
	y.exp -= sh;
	if (y.exp > x.exp || (y.exp == x.exp && y.sig > x.sig)) {
		t = x;
		x = y;
		y = t;
	}
	r.exp = x.exp;
	r.sign = x.sign;
	y.sig = shift_sticky(y.sig, x.exp - y.exp, &r.sticky);
	if (x.sign == y.sign) {
		r.sig = x.sig + y.sig;
	} else {
		/* x - (y + tail) = (x - y - 1) + (1 - tail) keeps a sticky tail in (0, 1) */
		r.sig = x.sig - y.sig - r.sticky;
		if (!r.sig && !r.sticky)
			r.sign = rm == FRM_RDN;
	}
	return r;
}

/* x * y, exact in 128 bits. */
static struct unp soft_mul(struct unp x, struct unp y)
{
	struct unp r = {.sign = x.sign ^ y.sign, .exp = x.exp + y.exp, .sig = x.sig * y.sig};

	return r;
}

/* x / y for normalised nonzero operands: a quotient of >= 64 bits plus a sticky remainder. */
static struct unp soft_div(struct unp x, struct unp y)
{
	struct unp r = {.sign = x.sign ^ y.sign, .exp = x.exp - y.exp - 64};
	u128 n = x.sig << 64;

	r.sig = n / y.sig;
	r.sticky = n % y.sig != 0;
	return r;
}

/* sqrt(x) for a normalised positive x: bitwise integer square root with remainder. */
static struct unp soft_sqrt(struct unp x)
{
	struct unp r = {0};
	u128 n, res = 0, bit = (u128)1 << 126;

	if (x.exp & 1) {
		x.sig <<= 1;
		x.exp--;
	}
	n = x.sig << 64;
	r.exp = (x.exp - 64) / 2;
	while (bit > n)
		bit >>= 2;
	while (bit) {
		if (n >= res + bit) {
			n -= res + bit;
			res = (res >> 1) + bit;
		} else {
			res >>= 1;
		}
		bit >>= 2;
	}
	r.sig = res;
	r.sticky = n != 0;
	return r;
}

/*
 * Exact-engine arithmetic, used for RMM when the host's RNE result was inexact; then
 * a and b are finite and nonzero (c may be zero) and the result cannot be a NaN.
 */
static uint64_t soft_arith(const struct fmt *f, enum fop op, uint64_t a, uint64_t b, uint64_t c,
			   int rm, uint8_t *fl)
{
	struct unp x = unpack(a, f), y = unpack(b, f), r;

	switch (op) {
	case FOP_SUB:
		y.sign = !y.sign;
		r = soft_add(x, y, rm);
		break;
	case FOP_ADD:
		r = soft_add(x, y, rm);
		break;
	case FOP_MUL:
		r = soft_mul(x, y);
		break;
	case FOP_DIV:
		r = soft_div(x, y);
		break;
	case FOP_SQRT:
		r = soft_sqrt(x);
		break;
	default:
		r = soft_add(soft_mul(x, y), unpack(c, f), rm);
		break;
	}
	return round_pack(f, &r, rm, fl);
}

/* ---- arithmetic entry points ---------------------------------------------------------- */

/*
 * NaN result: NV as the host reported it, plus inf*0 in a fused multiply-add, which x86
 * leaves unflagged when the addend is a quiet NaN but RISC-V flags (ISA spec 12.6).
 */
static uint64_t nan_result(const struct fmt *f, enum fop op, uint64_t a, uint64_t b, uint32_t st,
			   uint8_t *fl)
{
	*fl |= host_flags(st & MXCSR_IE);
	if (op == FOP_FMA && ((is_inf(a, f) && is_zero(b, f)) || (is_zero(a, f) && is_inf(b, f))))
		*fl |= FFLAG_NV;
	return canon_nan(f);
}

static inline uint64_t run_d(enum fop op, uint64_t a, uint64_t b, uint64_t c, int rm, uint8_t *fl)
{
	uint32_t st;
	uint64_t r = bits_f64(host_d(op, f64_of(a), f64_of(b), f64_of(c), mxcsr_for(rm), &st));

	if (is_nan(r, &FMT_D))
		return nan_result(&FMT_D, op, a, b, st, fl);
	if (rm == FRM_RMM && (st & MXCSR_PE))
		return soft_arith(&FMT_D, op, a, b, c, rm, fl);
	*fl |= host_flags(st);
	return r;
}

/* Single precision: a, b, c are already unboxed 32-bit patterns. */
static inline uint64_t run_s(enum fop op, uint32_t a, uint32_t b, uint32_t c, int rm, uint8_t *fl)
{
	uint32_t st;
	uint32_t r = bits_f32(host_s(op, f32_of(a), f32_of(b), f32_of(c), mxcsr_for(rm), &st));

	if (is_nan(r, &FMT_S))
		return box(nan_result(&FMT_S, op, a, b, st, fl));
	if (rm == FRM_RMM && (st & MXCSR_PE))
		return box(soft_arith(&FMT_S, op, a, b, c, rm, fl));
	*fl |= host_flags(st);
	return box(r);
}

#define SGN_S 0x80000000u
#define SGN_D 0x8000000000000000ull

/** FADD.S */
uint64_t fpu_add_s(uint64_t a, uint64_t b, int rm, uint8_t *fl)
{
	return run_s(FOP_ADD, unbox(a), unbox(b), 0, rm, fl);
}

/** FSUB.S */
uint64_t fpu_sub_s(uint64_t a, uint64_t b, int rm, uint8_t *fl)
{
	return run_s(FOP_SUB, unbox(a), unbox(b), 0, rm, fl);
}

/** FMUL.S */
uint64_t fpu_mul_s(uint64_t a, uint64_t b, int rm, uint8_t *fl)
{
	return run_s(FOP_MUL, unbox(a), unbox(b), 0, rm, fl);
}

/** FDIV.S */
uint64_t fpu_div_s(uint64_t a, uint64_t b, int rm, uint8_t *fl)
{
	return run_s(FOP_DIV, unbox(a), unbox(b), 0, rm, fl);
}

/** FSQRT.S */
uint64_t fpu_sqrt_s(uint64_t a, int rm, uint8_t *fl)
{
	return run_s(FOP_SQRT, unbox(a), 0, 0, rm, fl);
}

/*
 * The fused variants negate operands, as the ISA defines them (-(a*b) is (-a)*b): the
 * sign of an exact zero then follows IEEE 754 6.3 for the negated terms.
 */

/** FMADD.S: a*b+c */
uint64_t fpu_madd_s(uint64_t a, uint64_t b, uint64_t c, int rm, uint8_t *fl)
{
	return run_s(FOP_FMA, unbox(a), unbox(b), unbox(c), rm, fl);
}

/** FMSUB.S: a*b-c */
uint64_t fpu_msub_s(uint64_t a, uint64_t b, uint64_t c, int rm, uint8_t *fl)
{
	return run_s(FOP_FMA, unbox(a), unbox(b), unbox(c) ^ SGN_S, rm, fl);
}

/** FNMSUB.S: -(a*b)+c */
uint64_t fpu_nmsub_s(uint64_t a, uint64_t b, uint64_t c, int rm, uint8_t *fl)
{
	return run_s(FOP_FMA, unbox(a) ^ SGN_S, unbox(b), unbox(c), rm, fl);
}

/** FNMADD.S: -(a*b)-c */
uint64_t fpu_nmadd_s(uint64_t a, uint64_t b, uint64_t c, int rm, uint8_t *fl)
{
	return run_s(FOP_FMA, unbox(a) ^ SGN_S, unbox(b), unbox(c) ^ SGN_S, rm, fl);
}

/** FADD.D */
uint64_t fpu_add_d(uint64_t a, uint64_t b, int rm, uint8_t *fl)
{
	return run_d(FOP_ADD, a, b, 0, rm, fl);
}

/** FSUB.D */
uint64_t fpu_sub_d(uint64_t a, uint64_t b, int rm, uint8_t *fl)
{
	return run_d(FOP_SUB, a, b, 0, rm, fl);
}

/** FMUL.D */
uint64_t fpu_mul_d(uint64_t a, uint64_t b, int rm, uint8_t *fl)
{
	return run_d(FOP_MUL, a, b, 0, rm, fl);
}

/** FDIV.D */
uint64_t fpu_div_d(uint64_t a, uint64_t b, int rm, uint8_t *fl)
{
	return run_d(FOP_DIV, a, b, 0, rm, fl);
}

/** FSQRT.D */
uint64_t fpu_sqrt_d(uint64_t a, int rm, uint8_t *fl)
{
	return run_d(FOP_SQRT, a, 0, 0, rm, fl);
}

/** FMADD.D: a*b+c */
uint64_t fpu_madd_d(uint64_t a, uint64_t b, uint64_t c, int rm, uint8_t *fl)
{
	return run_d(FOP_FMA, a, b, c, rm, fl);
}

/** FMSUB.D: a*b-c */
uint64_t fpu_msub_d(uint64_t a, uint64_t b, uint64_t c, int rm, uint8_t *fl)
{
	return run_d(FOP_FMA, a, b, c ^ SGN_D, rm, fl);
}

/** FNMSUB.D: -(a*b)+c */
uint64_t fpu_nmsub_d(uint64_t a, uint64_t b, uint64_t c, int rm, uint8_t *fl)
{
	return run_d(FOP_FMA, a ^ SGN_D, b, c, rm, fl);
}

/** FNMADD.D: -(a*b)-c */
uint64_t fpu_nmadd_d(uint64_t a, uint64_t b, uint64_t c, int rm, uint8_t *fl)
{
	return run_d(FOP_FMA, a ^ SGN_D, b, c ^ SGN_D, rm, fl);
}

/* ---- sign injection, min/max, compare, classify --------------------------------------- */

/** FSGNJ.S: magnitude of a, sign of b (improperly boxed operands read as canonical NaN). */
uint64_t fpu_sgnj_s(uint64_t a, uint64_t b)
{
	return box((unbox(a) & ~SGN_S) | (unbox(b) & SGN_S));
}

/** FSGNJN.S: magnitude of a, inverted sign of b. */
uint64_t fpu_sgnjn_s(uint64_t a, uint64_t b)
{
	return box((unbox(a) & ~SGN_S) | (~unbox(b) & SGN_S));
}

/** FSGNJX.S: magnitude of a, sign of a xor sign of b. */
uint64_t fpu_sgnjx_s(uint64_t a, uint64_t b)
{
	return box(unbox(a) ^ (unbox(b) & SGN_S));
}

/** FSGNJ.D: magnitude of a, sign of b. */
uint64_t fpu_sgnj_d(uint64_t a, uint64_t b)
{
	return (a & ~SGN_D) | (b & SGN_D);
}

/** FSGNJN.D: magnitude of a, inverted sign of b. */
uint64_t fpu_sgnjn_d(uint64_t a, uint64_t b)
{
	return (a & ~SGN_D) | (~b & SGN_D);
}

/** FSGNJX.D: magnitude of a, sign of a xor sign of b. */
uint64_t fpu_sgnjx_d(uint64_t a, uint64_t b)
{
	return a ^ (b & SGN_D);
}

/* Maps a non-NaN to an integer with the same order; -0 sorts below +0 when split_zero. */
static inline int64_t order_key(uint64_t x, const struct fmt *f, bool split_zero)
{
	int64_t mag = (int64_t)(x & (sign_bit(f) - 1));

	if (!(x & sign_bit(f)))
		return mag;
	return split_zero ? -mag - 1 : -mag;
}

/*
 * FMIN/FMAX (ISA spec 12.6, IEEE 754-2019 minimumNumber/maximumNumber): -0 < +0, a
 * single NaN operand yields the other operand, two NaNs the canonical NaN, sNaN sets NV.
 */
static uint64_t minmax(uint64_t a, uint64_t b, const struct fmt *f, bool max, uint8_t *fl)
{
	bool an = is_nan(a, f), bn = is_nan(b, f);
	bool a_less;

	if (is_snan(a, f) || is_snan(b, f))
		*fl |= FFLAG_NV;
	if (an && bn)
		return canon_nan(f);
	if (an)
		return b;
	if (bn)
		return a;
	a_less = order_key(a, f, true) < order_key(b, f, true);
	return a_less != max ? a : b;
}

/** FMIN.S */
uint64_t fpu_min_s(uint64_t a, uint64_t b, uint8_t *fl)
{
	return box(minmax(unbox(a), unbox(b), &FMT_S, false, fl));
}

/** FMAX.S */
uint64_t fpu_max_s(uint64_t a, uint64_t b, uint8_t *fl)
{
	return box(minmax(unbox(a), unbox(b), &FMT_S, true, fl));
}

/** FMIN.D */
uint64_t fpu_min_d(uint64_t a, uint64_t b, uint8_t *fl)
{
	return minmax(a, b, &FMT_D, false, fl);
}

/** FMAX.D */
uint64_t fpu_max_d(uint64_t a, uint64_t b, uint8_t *fl)
{
	return minmax(a, b, &FMT_D, true, fl);
}

enum cmp { CMP_EQ, CMP_LT, CMP_LE };

/* FEQ is quiet (NV for sNaN only); FLT/FLE are signaling (NV for any NaN), ISA spec 12.8. */
static uint64_t compare(uint64_t a, uint64_t b, const struct fmt *f, enum cmp op, uint8_t *fl)
{
	int64_t ka, kb;

	if (is_nan(a, f) || is_nan(b, f)) {
		if (op != CMP_EQ || is_snan(a, f) || is_snan(b, f))
			*fl |= FFLAG_NV;
		return 0;
	}
	ka = order_key(a, f, false);
	kb = order_key(b, f, false);
	switch (op) {
	case CMP_EQ:
		return ka == kb;
	case CMP_LT:
		return ka < kb;
	default:
		return ka <= kb;
	}
}

/** FEQ.S */
uint64_t fpu_eq_s(uint64_t a, uint64_t b, uint8_t *fl)
{
	return compare(unbox(a), unbox(b), &FMT_S, CMP_EQ, fl);
}

/** FLT.S */
uint64_t fpu_lt_s(uint64_t a, uint64_t b, uint8_t *fl)
{
	return compare(unbox(a), unbox(b), &FMT_S, CMP_LT, fl);
}

/** FLE.S */
uint64_t fpu_le_s(uint64_t a, uint64_t b, uint8_t *fl)
{
	return compare(unbox(a), unbox(b), &FMT_S, CMP_LE, fl);
}

/** FEQ.D */
uint64_t fpu_eq_d(uint64_t a, uint64_t b, uint8_t *fl)
{
	return compare(a, b, &FMT_D, CMP_EQ, fl);
}

/** FLT.D */
uint64_t fpu_lt_d(uint64_t a, uint64_t b, uint8_t *fl)
{
	return compare(a, b, &FMT_D, CMP_LT, fl);
}

/** FLE.D */
uint64_t fpu_le_d(uint64_t a, uint64_t b, uint8_t *fl)
{
	return compare(a, b, &FMT_D, CMP_LE, fl);
}

/* FCLASS result bit index (ISA spec table "Format of result of FCLASS instruction"). */
static uint64_t classify(uint64_t x, const struct fmt *f)
{
	bool neg = (x & sign_bit(f)) != 0;
	uint32_t e = exp_field(x, f);

	if (is_nan(x, f))
		return is_snan(x, f) ? 1u << 8 : 1u << 9;
	if (e == exp_max(f))
		return neg ? 1u << 0 : 1u << 7;
	if (e)
		return neg ? 1u << 1 : 1u << 6;
	if (x & frac_mask(f))
		return neg ? 1u << 2 : 1u << 5;
	return neg ? 1u << 3 : 1u << 4;
}

/** FCLASS.S */
uint64_t fpu_class_s(uint64_t a)
{
	return classify(unbox(a), &FMT_S);
}

/** FCLASS.D */
uint64_t fpu_class_d(uint64_t a)
{
	return classify(a, &FMT_D);
}

/* ---- conversions ------------------------------------------------------------------------ */

/*
 * Float to integer of `bits` width (ISA spec 12.7, table "domains of float-to-integer
 * conversions"): NaN and +inf give the maximum, -inf the minimum, anything whose rounded
 * value is out of range saturates with NV (and no NX); otherwise inexact sets NX. The
 * result is the integer's two's complement pattern in `bits` bits.
 */
static uint64_t to_int(uint64_t x, const struct fmt *f, int rm, bool is_signed, int bits,
		       uint8_t *fl)
{
	uint64_t umax = bits == 64 ? ~0ull : (1ull << bits) - 1;
	uint64_t smax = umax >> 1;
	uint64_t maxv = is_signed ? smax : umax, minv = is_signed ? smax + 1 : 0;
	struct unp u = unpack(x, f);
	bool inexact = false;
	u128 mag;

	if (is_nan(x, f) || is_inf(x, f)) {
		*fl |= FFLAG_NV;
		return is_nan(x, f) || !u.sign ? maxv : minv;
	}
	if (!u.sig)
		return 0;
	if (u.exp >= 0)
		mag = u.exp > 64 ? (u128)1 << 65 : u.sig << u.exp; /* sig < 2^53: no overflow */
	else
		mag = round_shift(u.sig, false, -u.exp, u.sign, rm, &inexact);
	if (u.sign ? (is_signed ? mag > minv : mag != 0) : mag > maxv) {
		*fl |= FFLAG_NV;
		return u.sign ? minv : maxv;
	}
	if (inexact)
		*fl |= FFLAG_NX;
	return u.sign ? (0 - (uint64_t)mag) & umax : (uint64_t)mag;
}

/* W results live sign-extended in the 64-bit x register (ISA spec 12.7). */
static inline uint64_t sext32(uint64_t x)
{
	return (uint64_t)(int64_t)(int32_t)(uint32_t)x;
}

/** FCVT.W.S */
uint64_t fpu_cvt_w_s(uint64_t a, int rm, uint8_t *fl)
{
	return sext32(to_int(unbox(a), &FMT_S, rm, true, 32, fl));
}

/** FCVT.WU.S */
uint64_t fpu_cvt_wu_s(uint64_t a, int rm, uint8_t *fl)
{
	return sext32(to_int(unbox(a), &FMT_S, rm, false, 32, fl));
}

/** FCVT.L.S */
uint64_t fpu_cvt_l_s(uint64_t a, int rm, uint8_t *fl)
{
	return to_int(unbox(a), &FMT_S, rm, true, 64, fl);
}

/** FCVT.LU.S */
uint64_t fpu_cvt_lu_s(uint64_t a, int rm, uint8_t *fl)
{
	return to_int(unbox(a), &FMT_S, rm, false, 64, fl);
}

/** FCVT.W.D */
uint64_t fpu_cvt_w_d(uint64_t a, int rm, uint8_t *fl)
{
	return sext32(to_int(a, &FMT_D, rm, true, 32, fl));
}

/** FCVT.WU.D */
uint64_t fpu_cvt_wu_d(uint64_t a, int rm, uint8_t *fl)
{
	return sext32(to_int(a, &FMT_D, rm, false, 32, fl));
}

/** FCVT.L.D */
uint64_t fpu_cvt_l_d(uint64_t a, int rm, uint8_t *fl)
{
	return to_int(a, &FMT_D, rm, true, 64, fl);
}

/** FCVT.LU.D */
uint64_t fpu_cvt_lu_d(uint64_t a, int rm, uint8_t *fl)
{
	return to_int(a, &FMT_D, rm, false, 64, fl);
}

/* Integer to float: magnitude and sign rounded once per rm; zero converts to +0. */
static uint64_t from_int(uint64_t mag, bool neg, const struct fmt *f, int rm, uint8_t *fl)
{
	struct unp v = {.sign = neg && mag, .sig = mag};

	return round_pack(f, &v, rm, fl);
}

/** FCVT.S.W: the low 32 bits of x as a signed integer. */
uint64_t fpu_cvt_s_w(uint64_t x, int rm, uint8_t *fl)
{
	int32_t v = (int32_t)(uint32_t)x;

	return box(from_int(v < 0 ? -(uint64_t)(int64_t)v : (uint64_t)v, v < 0, &FMT_S, rm, fl));
}

/** FCVT.S.WU: the low 32 bits of x as an unsigned integer. */
uint64_t fpu_cvt_s_wu(uint64_t x, int rm, uint8_t *fl)
{
	return box(from_int((uint32_t)x, false, &FMT_S, rm, fl));
}

/** FCVT.S.L */
uint64_t fpu_cvt_s_l(uint64_t x, int rm, uint8_t *fl)
{
	bool neg = (int64_t)x < 0;

	return box(from_int(neg ? -x : x, neg, &FMT_S, rm, fl));
}

/** FCVT.S.LU */
uint64_t fpu_cvt_s_lu(uint64_t x, int rm, uint8_t *fl)
{
	return box(from_int(x, false, &FMT_S, rm, fl));
}

/** FCVT.D.W */
uint64_t fpu_cvt_d_w(uint64_t x, int rm, uint8_t *fl)
{
	int32_t v = (int32_t)(uint32_t)x;

	return from_int(v < 0 ? -(uint64_t)(int64_t)v : (uint64_t)v, v < 0, &FMT_D, rm, fl);
}

/** FCVT.D.WU */
uint64_t fpu_cvt_d_wu(uint64_t x, int rm, uint8_t *fl)
{
	return from_int((uint32_t)x, false, &FMT_D, rm, fl);
}

/** FCVT.D.L */
uint64_t fpu_cvt_d_l(uint64_t x, int rm, uint8_t *fl)
{
	bool neg = (int64_t)x < 0;

	return from_int(neg ? -x : x, neg, &FMT_D, rm, fl);
}

/** FCVT.D.LU */
uint64_t fpu_cvt_d_lu(uint64_t x, int rm, uint8_t *fl)
{
	return from_int(x, false, &FMT_D, rm, fl);
}

/** FCVT.S.D: narrows a double to a NaN-boxed single. */
uint64_t fpu_cvt_s_d(uint64_t a, int rm, uint8_t *fl)
{
	struct unp v;

	if (is_nan(a, &FMT_D)) {
		if (is_snan(a, &FMT_D))
			*fl |= FFLAG_NV;
		return FPU_CANON_NAN_S;
	}
	if (is_inf(a, &FMT_D))
		return box((a & SGN_D ? SGN_S : 0) | 0x7f800000u);
	v = unpack(a, &FMT_D);
	return box(round_pack(&FMT_S, &v, rm, fl));
}

/** FCVT.D.S: widens a (boxed) single to a double; exact. */
uint64_t fpu_cvt_d_s(uint64_t a, uint8_t *fl)
{
	uint32_t x = unbox(a);
	struct unp v;

	if (is_nan(x, &FMT_S)) {
		if (is_snan(x, &FMT_S))
			*fl |= FFLAG_NV;
		return FPU_CANON_NAN_D;
	}
	if (is_inf(x, &FMT_S))
		return (x & SGN_S ? SGN_D : 0) | 0x7ff0000000000000ull;
	v = unpack(x, &FMT_S);
	return round_pack(&FMT_D, &v, FRM_RNE, fl);
}
