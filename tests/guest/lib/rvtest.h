/*
 * rvtest.h - tiny bare-metal runtime for Vireo guest tests (M-mode, no SBI).
 *
 * main() returning 0 passes, any other value fails with that code.  See
 * README.md in this directory.
 */
#ifndef RVTEST_H
#define RVTEST_H

#include <stdint.h>
#include <stddef.h>
#include "trap_frame.h"

/* QEMU virt / Vireo platform addresses (docs: DESIGN.md "Platform"). */
#define FINISHER_BASE 0x100000UL
#define UART_BASE 0x10000000UL
#define CLINT_BASE 0x2000000UL
#define CLINT_MSIP (CLINT_BASE + 0x0)
#define CLINT_MTIMECMP (CLINT_BASE + 0x4000)
#define CLINT_MTIME (CLINT_BASE + 0xbff8)

/* mcause values (priv spec 3.1.15, table 3.6). */
#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_FETCH_ACCESS 1
#define CAUSE_ILLEGAL_INSN 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_MISALIGNED_LOAD 4
#define CAUSE_LOAD_ACCESS 5
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_STORE_ACCESS 7
#define CAUSE_ECALL_U 8
#define CAUSE_ECALL_S 9
#define CAUSE_ECALL_M 11
#define CAUSE_FETCH_PAGE_FAULT 12
#define CAUSE_LOAD_PAGE_FAULT 13
#define CAUSE_STORE_PAGE_FAULT 15
#define CAUSE_INTERRUPT (1UL << 63)

/*
 * Registers saved by the trap entry.  regs[n] is xn (regs[0] reads as 0,
 * regs[2] is sp before the trap).  A handler may modify any field: all of
 * regs[1..31], mepc and mstatus are written back before mret.
 */
struct trap_frame {
	uint64_t regs[32];
	uint64_t mepc;
	uint64_t mcause;
	uint64_t mtval;
	uint64_t mstatus;
};

/*
 * A test's trap handler: return nonzero if it handled the trap (typically
 * after trap_skip_insn()), 0 to fall back to the default "unexpected trap"
 * report, which fails the test.
 */
typedef int (*trap_handler_t)(struct trap_frame *tf);

/* What trap_catch_start() recorded. */
struct trap_info {
	unsigned long count; /* traps taken since trap_catch_start() */
	uint64_t cause;      /* mcause of the last one */
	uint64_t epc;        /* mepc of the last one */
	uint64_t tval;       /* mtval of the last one */
};

/* Write one byte to the UART (polls LSR.THRE, ns16550a). */
void uart_putc(char c);
/* Write a NUL-terminated string to the UART. */
void uart_puts(const char *s);
/* Write v as 0x followed by 16 hex digits. */
void uart_puthex(uint64_t v);
/* Write v in decimal. */
void uart_putdec(uint64_t v);

/* Report success through the test finisher; never returns. */
__attribute__((noreturn)) void test_pass(void);
/*
 * Report failure with exit status code; never returns.  A code whose low 8
 * bits are 0 gets bit 0 set, so it can never look like success in an 8-bit
 * process exit status.
 */
__attribute__((noreturn)) void test_fail(unsigned long code);

/* Install h as the trap handler (NULL: default only); returns the previous one. */
trap_handler_t trap_set_handler(trap_handler_t h);
/* Advance tf->mepc past the trapping instruction (2 or 4 bytes). */
void trap_skip_insn(struct trap_frame *tf);
/* Install a handler that records every synchronous trap and skips the instruction. */
void trap_catch_start(void);
/* Remove the recording handler and return what it saw. */
struct trap_info trap_catch_stop(void);

/* Report a failed check at file:line and fail with code line.  Used by CHECK(). */
__attribute__((noreturn)) void check_failed(const char *file, int line, const char *expr);
/* Report a failed equality check with both values.  Used by CHECK_EQ(). */
__attribute__((noreturn)) void check_eq_failed(const char *file, int line, const char *expr,
					       uint64_t got, uint64_t want);

/* Fail the test (code = __LINE__) unless cond holds. */
#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond))                                                               \
			check_failed(__FILE__, __LINE__, #cond);                           \
	} while (0)

/* Fail the test (code = __LINE__), printing both values, unless got == want. */
#define CHECK_EQ(got, want)                                                                \
	do {                                                                               \
		uint64_t got_ = (uint64_t)(got), want_ = (uint64_t)(want);                 \
		if (got_ != want_)                                                         \
			check_eq_failed(__FILE__, __LINE__, #got " == " #want, got_, want_); \
	} while (0)

/* CSR access by name, e.g. csr_read(mstatus). */
#define csr_read(csr)                                                                      \
	({                                                                                 \
		uint64_t v_;                                                               \
		__asm__ volatile("csrr %0, " #csr : "=r"(v_) : : "memory");                \
		v_;                                                                        \
	})
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" : : "rK"(val) : "memory")
#define csr_set(csr, val) __asm__ volatile("csrs " #csr ", %0" : : "rK"(val) : "memory")
#define csr_clear(csr, val) __asm__ volatile("csrc " #csr ", %0" : : "rK"(val) : "memory")
#define csr_swap(csr, val)                                                                 \
	({                                                                                 \
		uint64_t v_;                                                               \
		__asm__ volatile("csrrw %0, " #csr ", %1" : "=r"(v_) : "rK"(val) : "memory"); \
		v_;                                                                        \
	})

/* Hide a value from the optimiser so tests compute at run time. */
#define OPAQUE(x)                                                                          \
	({                                                                                 \
		__typeof__((x) + 0) o_ = (x);                                              \
		__asm__ volatile("" : "+r"(o_));                                           \
		o_;                                                                        \
	})

/* Test entry point, called on hart 0 in M-mode with FP enabled and fcsr = 0. */
int main(void);
/* Called on harts other than 0; the weak default parks the hart in wfi. */
void secondary_main(unsigned long hartid);

#endif
