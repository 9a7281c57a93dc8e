// SPDX-License-Identifier: Apache-2.0
/* Runtime of the S-mode SBI test programs (see sbi_rt.h). */
#include "sbi_rt.h"

/* SiFive test finisher: the fallback when SRST itself does not end the VM. */
#define FINISHER ((volatile uint32_t *)0x100000)
#define TIMEBASE_HZ 10000000ul

struct sbiret sbi_call(long eid, long fid, long a0, long a1, long a2, long a3, long a4)
{
	register long r0 __asm__("a0") = a0;
	register long r1 __asm__("a1") = a1;
	register long r2 __asm__("a2") = a2;
	register long r3 __asm__("a3") = a3;
	register long r4 __asm__("a4") = a4;
	register long r6 __asm__("a6") = fid;
	register long r7 __asm__("a7") = eid;

	__asm__ volatile("ecall"
			 : "+r"(r0), "+r"(r1)
			 : "r"(r2), "r"(r3), "r"(r4), "r"(r6), "r"(r7)
			 : "memory");
	return (struct sbiret){r0, r1};
}

long sbi_legacy(long eid, long a0)
{
	register long r0 __asm__("a0") = a0;
	register long r7 __asm__("a7") = eid;

	__asm__ volatile("ecall" : "+r"(r0) : "r"(r7) : "memory", "a1");
	return r0;
}

static unsigned long slen(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

void put(const char *s)
{
	/* Whether the firmware has DBCN: 1 yes, 0 no, -1 not asked yet (harts racing here both
	 * ask). */
	static volatile int dbcn = -1;
	unsigned long n = slen(s);

	if (dbcn < 0)
		dbcn = sbi_call(EXT_BASE, 3, EXT_DBCN, 0, 0, 0, 0).value == 1;
	/* Firmwares older than SBI v2.0 (Debian's OpenSBI 1.1) only have the legacy putchar. */
	if (!dbcn) {
		while (*s)
			sbi_legacy(1, *s++);
		return;
	}
	/* satp = 0 here, so the virtual address is the physical one DBCN wants. */
	while (n) {
		struct sbiret r = sbi_call(EXT_DBCN, 0, (long)n, (long)s, 0, 0, 0);

		if (r.error || (unsigned long)r.value > n)
			sbi_exit(3);
		s += r.value;
		n -= (unsigned long)r.value;
	}
}

void put_hex(uint64_t v)
{
	char buf[19] = "0x";

	for (int i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
	buf[18] = 0;
	put(buf);
}

void sbi_exit(int code)
{
	/* SRST system_reset(shutdown, reason): no return on success. */
	sbi_call(EXT_SRST, 0, 0, code ? 1 : 0, 0, 0, 0);
	/* SRST did not end the VM: that alone is a failure. */
	*FINISHER = (0x7eul << 16) | 0x3333;
	for (;;)
		__asm__ volatile("wfi");
}

void sbi_hart_stop_self(void)
{
	sbi_call(EXT_HSM, 1, 0, 0, 0, 0, 0);
	/* hart_stop returned: report it from this hart. */
	put("FAIL: hart_stop returned\n");
	sbi_exit(4);
}

__attribute__((weak)) void secondary_main(unsigned long hartid, unsigned long opaque)
{
	(void)hartid;
	(void)opaque;
}

/* Prints a line number in decimal. */
static void put_dec(unsigned v)
{
	char buf[12];
	int i = sizeof(buf) - 1;

	buf[i] = 0;
	do
		buf[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	put(&buf[i]);
}

void check_failed(const char *file, int line, const char *what)
{
	put("FAIL ");
	put(file);
	put(":");
	put_dec((unsigned)line);
	put(": ");
	put(what);
	put("\n");
	sbi_exit(1);
}

bool wait_for(volatile int *flag, int want)
{
	uint64_t end = now() + 10 * TIMEBASE_HZ;

	while (*flag < want) {
		if (now() > end)
			return false;
		__asm__ volatile("" ::: "memory");
	}
	return true;
}
