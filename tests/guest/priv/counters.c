/*
 * Counter access (priv spec 3.1.11, 4.1.5; ISA manual "Zicntr"): cycle, time and
 * instret are readable in S only if the mcounteren bit is set, and in U only if
 * both the mcounteren and scounteren bits are set; otherwise the read is an
 * illegal instruction. The counters count.
 */
#include "priv.h"

#define CY (1U << 0)
#define TM (1U << 1)
#define IR (1U << 2)

static uint64_t rd_cycle(uint64_t unused)
{
	uint64_t v;

	(void)unused;
	__asm__ volatile("rdcycle %0" : "=r"(v));
	return v;
}

static uint64_t rd_time(uint64_t unused)
{
	uint64_t v;

	(void)unused;
	__asm__ volatile("rdtime %0" : "=r"(v));
	return v;
}

static uint64_t rd_instret(uint64_t unused)
{
	uint64_t v;

	(void)unused;
	__asm__ volatile("rdinstret %0" : "=r"(v));
	return v;
}

static uint64_t (*const readers[3])(uint64_t) = {rd_cycle, rd_time, rd_instret};

/* Read each counter in mode; bit i of allowed says whether counter i may be read. */
static void try_counters(unsigned mode, unsigned allowed, int line)
{
	for (unsigned i = 0; i < 3; i++) {
		trap_reset();
		uint64_t v = priv_run(mode, readers[i], 0);
		int trapped = priv.m.count != 0;

		if (trapped != !(allowed & (1U << i)) ||
		    (trapped && (priv.m.cause != CAUSE_ILLEGAL_INSN || priv.m.from != mode)) ||
		    (!trapped && v == 0)) {
			uart_puts("counter ");
			uart_putdec(i);
			uart_puts(" in mode ");
			uart_putdec(mode);
			uart_puts(trapped ? ": trapped, mcause " : ": no trap, value ");
			uart_puthex(trapped ? priv.m.cause : v);
			uart_putc('\n');
			test_fail((unsigned long)line);
		}
		/* csrrs rd, cycle+i, x0: mtval holds the instruction, whatever rd is */
		if (trapped)
			CHECK_EQ(priv.m.tval & ~0xf80UL, 0xc0002073U | (i << 20));
	}
}

/* The counters advance: instret by at least the instructions retired between reads. */
static void counting(void)
{
	uint64_t c0 = rd_cycle(0), i0 = rd_instret(0), t0 = rd_time(0);
	uint64_t mt = clint_mtime();

	for (int i = 0; i < 1000; i++)
		__asm__ volatile("nop");
	CHECK(rd_cycle(0) > c0);
	CHECK(rd_instret(0) >= i0 + 1000);
	/* time is a read-only shadow of mtime (priv spec 3.2.1). */
	uint64_t t1 = rd_time(0);
	CHECK(t1 >= mt && mt >= t0);
	CHECK(clint_mtime() >= t1);
}

int main(void)
{
	priv_init();
	counting();
	csr_write(mcounteren, 0UL);
	csr_write(scounteren, 0UL);
	try_counters(PRV_M, CY | TM | IR, __LINE__);
	try_counters(PRV_S, 0, __LINE__);
	try_counters(PRV_U, 0, __LINE__);

	csr_write(scounteren, (uint64_t)(CY | TM | IR));
	try_counters(PRV_S, 0, __LINE__);
	try_counters(PRV_U, 0, __LINE__);

	csr_write(mcounteren, (uint64_t)(CY | TM | IR));
	csr_write(scounteren, 0UL);
	try_counters(PRV_S, CY | TM | IR, __LINE__);
	try_counters(PRV_U, 0, __LINE__);

	csr_write(scounteren, (uint64_t)TM);
	try_counters(PRV_U, TM, __LINE__);
	csr_write(mcounteren, (uint64_t)(CY | IR));
	csr_write(scounteren, (uint64_t)(CY | TM | IR));
	try_counters(PRV_S, CY | IR, __LINE__);
	try_counters(PRV_U, CY | IR, __LINE__);
	csr_write(mcounteren, (uint64_t)(CY | TM | IR));
	try_counters(PRV_U, CY | TM | IR, __LINE__);
	return 0;
}
