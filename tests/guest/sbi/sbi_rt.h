/* SPDX-License-Identifier: Apache-2.0 */
/* Runtime of the S-mode SBI test programs: SBI calls, console output, pass/fail. */
#ifndef SBI_RT_H
#define SBI_RT_H

#include <stdbool.h>
#include <stdint.h>

/* SBI spec v2.0: extension IDs, errors and HSM states used by the tests. */
#define EXT_BASE 0x10
#define EXT_TIME 0x54494d45
#define EXT_IPI 0x735049
#define EXT_RFENCE 0x52464e43
#define EXT_HSM 0x48534d
#define EXT_SRST 0x53525354
#define EXT_DBCN 0x4442434e
#define ERR_NOT_SUPPORTED (-2)
#define ERR_INVALID_PARAM (-3)
#define ERR_INVALID_ADDRESS (-5)
#define ERR_ALREADY_AVAILABLE (-6)
#define HSM_STARTED 0
#define HSM_STOPPED 1
#define HSM_SUSPENDED 4

#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5
#define SIP_SSIP (1ul << IRQ_S_SOFT)
#define SIP_STIP (1ul << IRQ_S_TIMER)
#define SSTATUS_SIE (1ul << 1)
#define CAUSE_IRQ (1ul << 63)

struct sbiret {
	long error;
	long value;
};

#define csr_read(csr)                                                                              \
	({                                                                                         \
		unsigned long v_;                                                                  \
		__asm__ volatile("csrr %0, " #csr : "=r"(v_));                                     \
		v_;                                                                                \
	})
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"r"(val))
#define csr_set(csr, val) __asm__ volatile("csrs " #csr ", %0" ::"r"(val))
#define csr_clear(csr, val) __asm__ volatile("csrc " #csr ", %0" ::"r"(val))

/* An S-mode interrupt/trap handler for stvec (direct mode needs 4-byte alignment). */
#define S_HANDLER __attribute__((interrupt("supervisor"), aligned(4)))

/** An SBI call: a7 = eid, a6 = fid, a0-a5 arguments; a0/a1 back (SBI spec 3). */
struct sbiret sbi_call(long eid, long fid, long a0, long a1, long a2, long a3, long a4);

/** Legacy v0.1 call: the result is in a0 alone. */
long sbi_legacy(long eid, long a0);

/** Prints a string through SBI DBCN console_write. */
void put(const char *s);

/** Prints a 64-bit value in hex. */
void put_hex(uint64_t v);

/** Ends the test: SRST shutdown when code is 0, shutdown for "system failure" otherwise. */
void sbi_exit(int code) __attribute__((noreturn));

/** Stops the calling hart (HSM hart_stop); a hart that returns from secondary_main gets here. */
void sbi_hart_stop_self(void) __attribute__((noreturn));

/** Entry point for harts started through HSM hart_start (a0 = hart id, a1 = opaque). */
void sbi_secondary_entry(void);

/** What harts started through hart_start run; returning stops the hart. */
void secondary_main(unsigned long hartid, unsigned long opaque);

/** Reports the failed check and fails the test. */
void check_failed(const char *file, int line, const char *what) __attribute__((noreturn));

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			check_failed(__FILE__, __LINE__, #cond);                                   \
	} while (0)

/** mtime (the time CSR, 10 MHz). */
static inline uint64_t now(void)
{
	return csr_read(time);
}

/** Spins until *flag reaches want or 10 s have passed; true if it did. */
bool wait_for(volatile int *flag, int want);

#endif
