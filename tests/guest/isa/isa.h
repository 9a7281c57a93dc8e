/*
 * isa.h - helpers for the unprivileged ISA tests: run one instruction on
 * run-time operands so the compiler can neither fold nor pick another encoding.
 * ".option norvc" keeps the 32-bit encodings here; rvc.S tests the 16-bit ones.
 */
#ifndef ISA_H
#define ISA_H

#include "rvtest.h"

/* rd = op(rs1, rs2) */
#define RR(op, a, b)                                                                       \
	({                                                                                 \
		uint64_t r_;                                                               \
		__asm__ volatile(".option push\n.option norvc\n" op " %0, %1, %2\n.option pop" \
				 : "=r"(r_)                                                \
				 : "r"((uint64_t)(a)), "r"((uint64_t)(b)));                \
		r_;                                                                        \
	})

/* rd = op(rs1, imm) */
#define RI(op, a, imm)                                                                     \
	({                                                                                 \
		uint64_t r_;                                                               \
		__asm__ volatile(".option push\n.option norvc\n" op " %0, %1, %2\n.option pop" \
				 : "=r"(r_)                                                \
				 : "r"((uint64_t)(a)), "i"(imm));                          \
		r_;                                                                        \
	})

/* Check rd = op(rs1, rs2) */
#define T_RR(op, a, b, want) CHECK_EQ(RR(op, a, b), want)
/* Check rd = op(rs1, imm) */
#define T_RI(op, a, imm, want) CHECK_EQ(RI(op, a, imm), want)

/*
 * FP: ft0/ft1/ft2 = raw bits a/b/c (fmv.d.x: single operands must be passed
 * NaN-boxed, see S()), run insn (which may also use %2/%3/%4 = a/b/c as
 * integer registers), return ft3's raw 64 bits; *fl gets the fflags the insn
 * raised (cleared first).
 */
#define FOP(insn, a, b, c, fl)                                                             \
	({                                                                                 \
		uint64_t r_, f_;                                                           \
		__asm__ volatile("csrw fflags, x0\n\tfmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\t"   \
				 "fmv.d.x ft2, %4\n\t" insn "\n\tfmv.x.d %0, ft3\n\t"         \
				 "csrr %1, fflags"                                         \
				 : "=&r"(r_), "=&r"(f_)                                    \
				 : "r"((uint64_t)(a)), "r"((uint64_t)(b)), "r"((uint64_t)(c))  \
				 : "ft0", "ft1", "ft2", "ft3", "memory");                  \
		*(fl) = f_;                                                                \
		r_;                                                                        \
	})

/* Like FOP, but insn writes the integer result to %0 (fcvt to int, compares, fclass). */
#define FOPX(insn, a, b, fl)                                                               \
	({                                                                                 \
		uint64_t r_, f_;                                                           \
		__asm__ volatile("csrw fflags, x0\n\tfmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\t"   \
				 insn "\n\tcsrr %1, fflags"                                \
				 : "=&r"(r_), "=&r"(f_)                                    \
				 : "r"((uint64_t)(a)), "r"((uint64_t)(b))                  \
				 : "ft0", "ft1", "memory");                                \
		*(fl) = f_;                                                                \
		r_;                                                                        \
	})

/* fflags bits (F extension, 11.2). */
#define NV 0x10
#define DZ 0x08
#define OF 0x04
#define UF 0x02
#define NX 0x01

/* NaN-box a single-precision bit pattern. */
#define S(x) (0xffffffff00000000ULL | (uint32_t)(x))

/* Check a result and the flags it raised. */
static inline void check_fp(const char *file, int line, const char *insn, uint64_t got,
			    uint64_t fl, uint64_t want, uint64_t want_fl)
{
	if (got != want)
		check_eq_failed(file, line, insn, got, want);
	if (fl != want_fl)
		check_eq_failed(file, line, "fflags", fl, want_fl);
}

/* Check FOP(insn, a, b, c): result and flags. */
#define T_F(insn, a, b, c, want, want_fl)                                                  \
	do {                                                                               \
		uint64_t fl_;                                                              \
		uint64_t r2_ = FOP(insn, a, b, c, &fl_);                                   \
		check_fp(__FILE__, __LINE__, insn, r2_, fl_, want, want_fl);                         \
	} while (0)

/* Check FOPX(insn, a, b): integer result and flags. */
#define T_FX(insn, a, b, want, want_fl)                                                    \
	do {                                                                               \
		uint64_t fl_;                                                              \
		uint64_t r2_ = FOPX(insn, a, b, &fl_);                                     \
		check_fp(__FILE__, __LINE__, insn, r2_, fl_, want, want_fl);                         \
	} while (0)

#endif
