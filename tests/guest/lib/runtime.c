/* Bare-metal runtime for guest tests: UART output, finisher, trap dispatch. */
#include "rvtest.h"

/* ns16550a (THR at 0, LSR at 5, LSR.THRE = bit 5). */
#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20

/* sifive_test finisher codes, as in QEMU's hw/misc/sifive_test.c. */
#define FINISHER_PASS 0x5555
#define FINISHER_FAIL 0x3333

/*
 * The one piece of mutable state: the test's trap handler and the recording
 * handler's log.  Bare-metal guest, single hart runs tests, so a static is fine.
 */
static trap_handler_t test_handler;
static struct trap_info catch_info;

void uart_putc(char c)
{
	volatile uint8_t *uart = (volatile uint8_t *)UART_BASE;

	while (!(uart[UART_LSR] & UART_LSR_THRE))
		;
	uart[UART_THR] = (uint8_t)c;
}

void uart_puts(const char *s)
{
	while (*s)
		uart_putc(*s++);
}

void uart_puthex(uint64_t v)
{
	uart_puts("0x");
	for (int i = 60; i >= 0; i -= 4)
		uart_putc("0123456789abcdef"[(v >> i) & 0xf]);
}

void uart_putdec(uint64_t v)
{
	char buf[21];
	int n = 0;

	do {
		buf[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		uart_putc(buf[--n]);
}

void test_pass(void)
{
	volatile uint32_t *fin = (volatile uint32_t *)FINISHER_BASE;

	uart_puts("PASS\n");
	for (;;)
		*fin = FINISHER_PASS;
}

void test_fail(unsigned long code)
{
	volatile uint32_t *fin = (volatile uint32_t *)FINISHER_BASE;

	code &= 0xffff;
	if (!(code & 0xff))
		code |= 1;
	uart_puts("FAIL code ");
	uart_putdec(code);
	uart_putc('\n');
	for (;;)
		*fin = (uint32_t)(code << 16) | FINISHER_FAIL;
}

void check_failed(const char *file, int line, const char *expr)
{
	uart_puts(file);
	uart_putc(':');
	uart_putdec((uint64_t)line);
	uart_puts(": CHECK failed: ");
	uart_puts(expr);
	uart_putc('\n');
	test_fail((unsigned long)line);
}

void check_eq_failed(const char *file, int line, const char *expr, uint64_t got, uint64_t want)
{
	uart_puts(file);
	uart_putc(':');
	uart_putdec((uint64_t)line);
	uart_puts(": CHECK_EQ failed: ");
	uart_puts(expr);
	uart_puts("\n  got  ");
	uart_puthex(got);
	uart_puts("\n  want ");
	uart_puthex(want);
	uart_putc('\n');
	test_fail((unsigned long)line);
}

trap_handler_t trap_set_handler(trap_handler_t h)
{
	trap_handler_t old = test_handler;

	test_handler = h;
	return old;
}

void trap_skip_insn(struct trap_frame *tf)
{
	/* A 32-bit instruction has its low two bits set (ISA manual 1.5). */
	uint16_t parcel = *(volatile uint16_t *)tf->mepc;

	tf->mepc += (parcel & 3) == 3 ? 4 : 2;
}

static int catch_handler(struct trap_frame *tf)
{
	if (tf->mcause & CAUSE_INTERRUPT)
		return 0;
	catch_info.count++;
	catch_info.cause = tf->mcause;
	catch_info.epc = tf->mepc;
	catch_info.tval = tf->mtval;
	trap_skip_insn(tf);
	return 1;
}

void trap_catch_start(void)
{
	catch_info = (struct trap_info){ 0 };
	test_handler = catch_handler;
}

struct trap_info trap_catch_stop(void)
{
	test_handler = 0;
	return catch_info;
}

/* Called by trap_entry in crt0.S; an unhandled trap is a test failure. */
void trap_dispatch(struct trap_frame *tf);
void trap_dispatch(struct trap_frame *tf)
{
	if (test_handler && test_handler(tf))
		return;
	uart_puts("unexpected trap: mcause=");
	uart_puthex(tf->mcause);
	uart_puts(" mepc=");
	uart_puthex(tf->mepc);
	uart_puts(" mtval=");
	uart_puthex(tf->mtval);
	uart_putc('\n');
	/* Code 0xee distinguishes a stray trap from a CHECK failure. */
	test_fail(0xee);
}

__attribute__((weak)) void secondary_main(unsigned long hartid)
{
	(void)hartid;
	for (;;)
		__asm__ volatile("wfi");
}

/*
 * gcc may emit calls to these even with -ffreestanding (struct copies,
 * loops it recognises); there is no libc or libgcc in the link.
 */
void *memset(void *d, int c, size_t n)
{
	volatile uint8_t *p = d;

	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	volatile uint8_t *p = d;
	const uint8_t *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	volatile uint8_t *p = d;
	const uint8_t *q = s;

	if (p < q) {
		while (n--)
			*p++ = *q++;
	} else {
		while (n--)
			p[n] = q[n];
	}
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}
