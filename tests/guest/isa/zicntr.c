/*
 * Zicntr (ISA manual, "Counters" chapter): cycle, time and instret are
 * readable (M-mode here) and increase; instret counts exactly the retired
 * instructions of a straight-line sequence; time advances at the 10 MHz
 * platform timebase, in step with the CLINT's mtime.
 */
#include "isa.h"

static void test_increase(void)
{
	uint64_t c0, c1, t0, t1, i0, i1;

	__asm__ volatile("rdcycle %0\nrdtime %1\nrdinstret %2" : "=r"(c0), "=r"(t0), "=r"(i0));
	for (volatile int i = 0; i < 20000; i++)
		;
	__asm__ volatile("rdcycle %0\nrdtime %1\nrdinstret %2" : "=r"(c1), "=r"(t1), "=r"(i1));
	CHECK(c1 > c0);
	CHECK(t1 > t0);
	CHECK(i1 - i0 >= 20000);
	/* time mirrors mtime (same timebase, priv 3.2.1): bracket it. */
	t0 = csr_read(time);
	c0 = *(volatile uint64_t *)CLINT_MTIME;
	t1 = csr_read(time);
	CHECK(t0 <= c0 && c0 <= t1);
}

static void test_instret_exact(void)
{
	uint64_t a, b;

	/*
	 * The second read sees the first csrr and the 10 instructions between:
	 * a counter read returns the count before the reading instruction.
	 */
	__asm__ volatile(".option push\n.option norvc\n"
			 "csrr %0, instret\n"
			 "addi x0, x0, 0\naddi x0, x0, 0\naddi x0, x0, 0\naddi x0, x0, 0\n"
			 "add t0, t0, t0\nxor t0, t0, t0\nlui t0, 1\nauipc t0, 0\n"
			 ".option rvc\nc.nop\nc.addi t0, 1\n.option norvc\n"
			 "csrr %1, instret\n.option pop"
			 : "=&r"(a), "=&r"(b)
			 :
			 : "t0");
	CHECK_EQ(b - a, 11);
	__asm__ volatile("csrr %0, instret\ncsrr %1, instret" : "=&r"(a), "=&r"(b));
	CHECK_EQ(b - a, 1);
	/* A taken branch retires once; the skipped instructions do not. */
	__asm__ volatile(".option push\n.option norvc\n"
			 "csrr %0, instret\nj 1f\naddi x0, x0, 0\naddi x0, x0, 0\n"
			 "1: csrr %1, instret\n.option pop"
			 : "=&r"(a), "=&r"(b));
	CHECK_EQ(b - a, 2);
}

int main(void)
{
	test_increase();
	test_instret_exact();
	return 0;
}
