/* SPDX-License-Identifier: Apache-2.0 */
/* The board's devices (finisher, CLINT, UART, RTC, pvpanic) driven through a real VM's bus. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/board.h"
#include "core/vm.h"
#include "cpu/hart.h"
#include "dev/devices.h"
#include "host/conout.h"

#define NHARTS 2
#define UART(reg) (BOARD_UART0_BASE + (reg))
#define RTC(reg) (BOARD_RTC_BASE + (reg))
#define PLIC_PENDING0 (BOARD_PLIC_BASE + 0x1000)

struct fixture {
	struct vm *vm;
	int pipe[2]; /* the UART writes to pipe[1] */
};

static int setup(void **state)
{
	static struct fixture fx;
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = NHARTS};

	if (pipe2(fx.pipe, O_NONBLOCK | O_CLOEXEC))
		return -1;
	cfg.console_fd = fx.pipe[1];
	if (vm_create(&fx.vm, &cfg))
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	vm_destroy(fx->vm);
	close(fx->pipe[0]);
	close(fx->pipe[1]);
	return 0;
}

static uint64_t rd(struct vm *vm, uint64_t addr, unsigned size)
{
	uint64_t v = ~0ull;

	assert_int_equal(bus_read(&vm->bus, addr, size, &v), 0);
	return v;
}

static void wr(struct vm *vm, uint64_t addr, unsigned size, uint64_t val)
{
	assert_int_equal(bus_write(&vm->bus, addr, size, val), 0);
}

static void test_vm_config(void **state)
{
	struct vm_config cfg = {.ram_size = 8ull << 20, .nharts = 1};
	struct vm *vm = (struct vm *)1;
	char msg[128];

	(void)state;
	assert_int_equal(vm_config_check(&cfg, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "16 MiB"));
	assert_int_equal(vm_create(&vm, &cfg), -EINVAL);
	assert_null(vm);
	cfg.ram_size = (16ull << 20) + 100;
	assert_int_equal(vm_config_check(&cfg, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "4 KiB"));
	cfg.ram_size = 16ull << 20;
	cfg.nharts = VM_MAX_HARTS + 1;
	assert_int_equal(vm_config_check(&cfg, msg, sizeof(msg)), -EINVAL);
	cfg.nharts = 0;
	assert_int_equal(vm_config_check(&cfg, msg, sizeof(msg)), -EINVAL);
	cfg.nharts = VM_MAX_HARTS;
	assert_int_equal(vm_config_check(&cfg, msg, sizeof(msg)), 0);
}

static void test_vm_layout(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;

	assert_int_equal(vm->ram_base, 0x80000000ull);
	assert_int_equal(vm->nharts, NHARTS);
	assert_non_null(vm->harts[1]);
	assert_int_equal(vm->harts[1]->id, 1);
	assert_non_null(vm_ram_ptr(vm, vm->ram_base + vm->ram_size - 8, 8));
	assert_non_null(bus_find(&vm->bus, BOARD_FINISHER_BASE));
	assert_non_null(bus_find(&vm->bus, BOARD_CLINT_BASE + CLINT_MTIME));
	assert_non_null(bus_find(&vm->bus, UART(7)));
	assert_null(bus_find(&vm->bus, UART(0x100)));
}

static void test_finisher(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	uint64_t v;

	assert_int_equal(rd(vm, BOARD_FINISHER_BASE, 4), 0);
	assert_int_equal(bus_write(&vm->bus, BOARD_FINISHER_BASE, 1, 0x55), -EFAULT);
	wr(vm, BOARD_FINISHER_BASE, 4, 0x1234);
	wr(vm, BOARD_FINISHER_BASE + 4, 4, FINISHER_PASS);
	assert_int_equal(atomic_load(&vm->state), VM_RUNNING);
	wr(vm, BOARD_FINISHER_BASE, 4, (42u << 16) | FINISHER_FAIL);
	assert_int_equal(atomic_load(&vm->state), VM_FAIL);
	assert_int_equal(vm->exit_code, 42);
	/* The first stop wins; every hart was told to stop. */
	wr(vm, BOARD_FINISHER_BASE, 4, FINISHER_PASS);
	assert_int_equal(atomic_load(&vm->state), VM_FAIL);
	assert_int_equal(vm->exit_code, 42);
	for (unsigned i = 0; i < NHARTS; i++)
		assert_true(atomic_load(&vm->harts[i]->events) & HART_EV_STOP);
	assert_int_equal(bus_read(&vm->bus, BOARD_FINISHER_BASE, 8, &v), -EFAULT);
}

/*
 * 16-bit accesses, as QEMU's sifive_test takes them: OpenSBI's driver writes the command
 * with a halfword store at offset 0 (no failure code then); at offset 2 nothing happens.
 */
static void test_finisher_halfword(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;

	assert_int_equal(rd(vm, BOARD_FINISHER_BASE, 2), 0);
	assert_int_equal(rd(vm, BOARD_FINISHER_BASE + 2, 2), 0);
	wr(vm, BOARD_FINISHER_BASE + 2, 2, FINISHER_RESET);
	wr(vm, BOARD_FINISHER_BASE, 2, 0x1234);
	assert_int_equal(atomic_load(&vm->state), VM_RUNNING);
	wr(vm, BOARD_FINISHER_BASE, 2, FINISHER_FAIL);
	assert_int_equal(atomic_load(&vm->state), VM_FAIL);
	assert_int_equal(vm->exit_code, 0);
	teardown(state);
	assert_int_equal(setup(state), 0);
	fx = *state;
	wr(fx->vm, BOARD_FINISHER_BASE, 2, FINISHER_RESET);
	assert_int_equal(atomic_load(&fx->vm->state), VM_RESET);
	teardown(state);
	assert_int_equal(setup(state), 0);
	fx = *state;
	wr(fx->vm, BOARD_FINISHER_BASE, 2, FINISHER_PASS);
	assert_int_equal(atomic_load(&fx->vm->state), VM_POWEROFF);
}

static void test_finisher_pass_reset(void **state)
{
	struct fixture *fx = *state;

	wr(fx->vm, BOARD_FINISHER_BASE, 4, FINISHER_PASS);
	assert_int_equal(atomic_load(&fx->vm->state), VM_POWEROFF);
	teardown(state);
	assert_int_equal(setup(state), 0);
	fx = *state;
	wr(fx->vm, BOARD_FINISHER_BASE, 4, FINISHER_RESET);
	assert_int_equal(atomic_load(&fx->vm->state), VM_RESET);
}

static void test_clint_msip(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	struct hart *h1 = vm->harts[1];

	wr(vm, BOARD_CLINT_BASE + 4, 4, 1);
	assert_true(atomic_load(&h1->mip_hw) & MIP_MSIP);
	assert_false(atomic_load(&vm->harts[0]->mip_hw) & MIP_MSIP);
	assert_int_equal(rd(vm, BOARD_CLINT_BASE + 4, 4), 1);
	/* An 8-byte access covers hart 0 (low word) and hart 1 (high word). */
	assert_int_equal(rd(vm, BOARD_CLINT_BASE, 8), 1ull << 32);
	/* Only bit 0 is writable. */
	wr(vm, BOARD_CLINT_BASE + 4, 4, 2);
	assert_false(atomic_load(&h1->mip_hw) & MIP_MSIP);
	assert_int_equal(rd(vm, BOARD_CLINT_BASE + 4, 4), 0);
	/* No hart 5: reads 0, writes ignored. */
	wr(vm, BOARD_CLINT_BASE + 5 * 4, 4, 1);
	assert_int_equal(rd(vm, BOARD_CLINT_BASE + 5 * 4, 4), 0);
	/* 1- and 2-byte accesses fault. */
	assert_int_equal(bus_write(&vm->bus, BOARD_CLINT_BASE, 1, 1), -EFAULT);
	assert_int_equal(bus_write(&vm->bus, BOARD_CLINT_BASE, 2, 1), -EFAULT);
}

static void test_clint_mtimecmp(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	struct hart *h = vm->harts[1];
	uint64_t cmp = BOARD_CLINT_BASE + CLINT_MTIMECMP + 8;

	assert_int_equal(rd(vm, cmp, 8), ~0ull);
	atomic_store(&h->events, 0);
	wr(vm, cmp, 8, 0);
	assert_int_equal(h->mtimecmp, 0);
	assert_true(atomic_load(&h->mip_hw) & MIP_MTIP);
	assert_true(atomic_load(&h->events) & HART_EV_IRQ);
	/* 32-bit halves, low first: 0xffffffff ticks is minutes away, so MTIP drops. */
	wr(vm, cmp, 4, 0xffffffff);
	assert_int_equal(h->mtimecmp, 0xffffffffull);
	assert_false(atomic_load(&h->mip_hw) & MIP_MTIP);
	wr(vm, cmp + 4, 4, 0x7fffffff);
	assert_int_equal(h->mtimecmp, 0x7fffffffffffffffull);
	assert_false(atomic_load(&h->mip_hw) & MIP_MTIP);
	assert_int_equal(rd(vm, cmp, 4), 0xffffffff);
	assert_int_equal(rd(vm, cmp + 4, 4), 0x7fffffff);
	assert_false(atomic_load(&vm->harts[0]->mip_hw) & MIP_MTIP);
	/* No hart 9. */
	wr(vm, BOARD_CLINT_BASE + CLINT_MTIMECMP + 9 * 8, 8, 0);
	assert_int_equal(rd(vm, BOARD_CLINT_BASE + CLINT_MTIMECMP + 9 * 8, 8), 0);
}

static void test_clint_mtime(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	uint64_t mtime = BOARD_CLINT_BASE + CLINT_MTIME;
	struct timespec ms = {0, 2000000};
	uint64_t t0, t1;

	t0 = rd(vm, mtime, 8);
	nanosleep(&ms, NULL);
	t1 = rd(vm, mtime, 8);
	/* 2 ms at 10 MHz is 20000 ticks. */
	assert_true(t1 - t0 >= 20000);
	assert_true(t1 - t0 < 10000000);
	/* A guest write moves time; a deadline now in the past raises MTIP. */
	wr(vm, BOARD_CLINT_BASE + CLINT_MTIMECMP, 8, 5000000000ull);
	assert_false(atomic_load(&vm->harts[0]->mip_hw) & MIP_MTIP);
	wr(vm, mtime, 8, 6000000000ull);
	t0 = rd(vm, mtime, 8);
	assert_true(t0 >= 6000000000ull && t0 < 6010000000ull);
	assert_true(atomic_load(&vm->harts[0]->mip_hw) & MIP_MTIP);
	assert_int_equal(rd(vm, mtime + 4, 4), t0 >> 32);
	/* Writing the high half back to 0 puts the deadline in the future again. */
	wr(vm, mtime + 4, 4, 0);
	assert_true(vm_time(vm) < (1ull << 32));
	assert_false(atomic_load(&vm->harts[0]->mip_hw) & MIP_MTIP);
}

/* Reads what the UART sent so far, once the console output's thread has written it out. */
static size_t drain(struct fixture *fx, char *buf, size_t len)
{
	ssize_t n;

	assert_true(conout_flush(fx->vm->conout, 2000));
	n = read(fx->pipe[0], buf, len);

	return n < 0 ? 0 : (size_t)n;
}

static void test_uart_tx(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	char buf[16];

	assert_int_equal(rd(vm, UART(5), 1), 0x60); /* LSR: THRE | TEMT */
	wr(vm, UART(0), 1, 'h');
	wr(vm, UART(0), 1, 'i');
	assert_int_equal(drain(fx, buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "hi", 2);
	/* Only byte accesses. */
	assert_int_equal(bus_write(&vm->bus, UART(0), 4, 'x'), -EFAULT);
	assert_int_equal(drain(fx, buf, sizeof(buf)), 0);
	/* Divisor latch behind LCR.DLAB; IER and scratch keep their values. */
	wr(vm, UART(1), 1, 0x05);
	wr(vm, UART(3), 1, 0x83);
	wr(vm, UART(0), 1, 0x03);
	wr(vm, UART(1), 1, 0x00);
	assert_int_equal(rd(vm, UART(0), 1), 0x03);
	wr(vm, UART(3), 1, 0x03);
	assert_int_equal(rd(vm, UART(1), 1), 0x05);
	assert_int_equal(rd(vm, UART(3), 1), 0x03);
	wr(vm, UART(7), 1, 0x5a);
	assert_int_equal(rd(vm, UART(7), 1), 0x5a);
	assert_int_equal(drain(fx, buf, sizeof(buf)), 0);
}

static void test_uart_iir_loopback(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	char buf[4];

	assert_int_equal(rd(vm, UART(2), 1), 0x01); /* nothing pending */
	wr(vm, UART(2), 1, 0x07);		    /* FIFOs on and cleared */
	wr(vm, UART(1), 1, 0x02);		    /* ETBEI: THR is empty, so THRE is pending */
	assert_int_equal(rd(vm, UART(2), 1), 0xc2);
	assert_int_equal(rd(vm, UART(2), 1), 0xc1); /* reading IIR cleared it */
	/* Loopback: the byte comes back as received data, not to the output. */
	wr(vm, UART(4), 1, 0x10);
	wr(vm, UART(1), 1, 0x03);
	wr(vm, UART(0), 1, 'x');
	assert_int_equal(rd(vm, UART(2), 1), 0xc4); /* rx data outranks THRE */
	assert_int_equal(rd(vm, UART(5), 1), 0x61);
	assert_int_equal(rd(vm, UART(0), 1), 'x');
	assert_int_equal(rd(vm, UART(5), 1), 0x60);
	assert_int_equal(rd(vm, UART(2), 1), 0xc2);
	assert_int_equal(drain(fx, buf, sizeof(buf)), 0);
}

/* Routes PLIC source irq to hart 0's S-mode context (1) with priority 1. */
static void plic_route(struct vm *vm, unsigned irq)
{
	wr(vm, BOARD_PLIC_BASE + 4 * irq, 4, 1);
	wr(vm, BOARD_PLIC_BASE + 0x2080 + 4 * (irq / 32), 4, 1u << (irq % 32));
}

/* Whether source irq (< 32) pends at the PLIC, i.e. the device drives its line high. */
static bool line(struct vm *vm, unsigned irq)
{
	return rd(vm, PLIC_PENDING0, 4) & (1u << irq);
}

static bool seip(struct vm *vm)
{
	return atomic_load(&vm->harts[0]->mip_hw) & MIP_SEIP;
}

static void test_uart_irq(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	uint8_t buf[4];

	assert_non_null(vm->console);
	plic_route(vm, BOARD_UART0_IRQ);
	/* Received data with ERBFI off: no interrupt, but the byte is there. */
	assert_true(uart16550_receive(vm->console, 'a'));
	assert_false(line(vm, BOARD_UART0_IRQ));
	wr(vm, UART(1), 1, 0x01);
	assert_true(line(vm, BOARD_UART0_IRQ));
	assert_true(seip(vm));
	/* The SBI debug console takes bytes out of the FIFO; the line drops when it is empty. */
	assert_int_equal(uart16550_take(vm->console, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'a');
	assert_false(line(vm, BOARD_UART0_IRQ));
	assert_false(seip(vm));
	assert_int_equal(uart16550_take(vm->console, buf, sizeof(buf)), 0);
	assert_true(uart16550_receive(vm->console, 'b'));
	assert_true(uart16550_receive(vm->console, 'c'));
	assert_true(line(vm, BOARD_UART0_IRQ));
	assert_int_equal(rd(vm, UART(0), 1), 'b');
	assert_true(line(vm, BOARD_UART0_IRQ));
	assert_int_equal(uart16550_take(vm->console, buf, 1), 1);
	assert_int_equal(buf[0], 'c');
	assert_false(line(vm, BOARD_UART0_IRQ));
	/* A full FIFO refuses host input without an overrun: the host offers the byte again. */
	for (int i = 0; i < 16; i++)
		assert_true(uart16550_receive(vm->console, (uint8_t)('A' + i)));
	assert_false(uart16550_receive(vm->console, 'Q'));
	assert_int_equal(rd(vm, UART(5), 1), 0x61); /* DR, no OE */
	assert_int_equal(rd(vm, UART(0), 1), 'A');
	assert_true(uart16550_receive(vm->console, 'Q'));
	assert_int_equal(uart16550_take(vm->console, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "BCDE", 4);
}

/* THRE as Linux's 8250 driver relies on it (PC16550D table 4 and QEMU's serial.c). */
static void test_uart_thre_irq(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	char buf[4];

	plic_route(vm, BOARD_UART0_IRQ);
	wr(vm, UART(1), 1, 0x02); /* ETBEI with THR empty: THRE at once */
	assert_true(line(vm, BOARD_UART0_IRQ));
	assert_int_equal(rd(vm, UART(2), 1) & 0x0f, 0x02);
	assert_false(line(vm, BOARD_UART0_IRQ)); /* reading IIR cleared it */
	/* A byte written to THR leaves at once, so THR is empty and THRE is back. */
	wr(vm, UART(0), 1, 'z');
	assert_true(line(vm, BOARD_UART0_IRQ));
	assert_int_equal(drain(fx, buf, sizeof(buf)), 1);
	/* Masking ETBEI drops the line; setting it again re-raises THRE. */
	wr(vm, UART(1), 1, 0x00);
	assert_false(line(vm, BOARD_UART0_IRQ));
	wr(vm, UART(1), 1, 0x02);
	assert_true(line(vm, BOARD_UART0_IRQ));
	wr(vm, UART(1), 1, 0x00);
	assert_false(line(vm, BOARD_UART0_IRQ));
}

/*
 * A host reader that does not keep up: the guest sees THR full (LSR.THRE and TEMT clear, no
 * THRE interrupt) once the output buffer lacks room for a FIFO load, rather than its bytes
 * being dropped; THRE and its interrupt come back when the reader takes some, and every byte
 * written while THRE was set arrives in order.
 */
static void test_uart_tx_backpressure(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	static uint8_t buf[CONOUT_BUF * 4];
	size_t filler = 0, sent = 0, got = 0;
	ssize_t n;

	plic_route(vm, BOARD_UART0_IRQ);
	/* Fill the pipe: the output thread can write nothing more. */
	memset(buf, '-', 512);
	while ((n = write(fx->pipe[1], buf, 512)) > 0)
		filler += (size_t)n;
	while ((n = write(fx->pipe[1], buf, 1)) > 0)
		filler += (size_t)n;
	wr(vm, UART(1), 1, 0x02); /* ETBEI */
	assert_int_equal(rd(vm, UART(2), 1) & 0x0f, 0x02);
	/* As a driver does: write while LSR says THR is empty. */
	while (rd(vm, UART(5), 1) & 0x20) {
		assert_true(sent < sizeof(buf));
		wr(vm, UART(0), 1, (uint8_t)(sent % 251));
		sent++;
	}
	assert_true(sent > CONOUT_BUF - 16 && sent <= CONOUT_BUF);
	assert_int_equal(rd(vm, UART(5), 1) & 0x60, 0);
	assert_int_equal(rd(vm, UART(2), 1) & 0x0f, 0x01); /* no THRE interrupt while full */
	assert_false(line(vm, BOARD_UART0_IRQ));
	/* The reader takes the filler: THRE and its interrupt come back by themselves. */
	while (got < filler) {
		n = read(fx->pipe[0], buf, filler - got < sizeof(buf) ? filler - got : sizeof(buf));
		assert_true(n > 0);
		got += (size_t)n;
	}
	for (int i = 0; i < 2000 && !line(vm, BOARD_UART0_IRQ); i++)
		usleep(1000);
	assert_true(line(vm, BOARD_UART0_IRQ));
	assert_int_equal(rd(vm, UART(2), 1) & 0x0f, 0x02);
	assert_int_equal(rd(vm, UART(5), 1) & 0x60, 0x60);
	/* Nothing was lost or reordered. */
	got = 0;
	while (got < sent) {
		/* Checked first: once nothing is queued, every byte is in the pipe already. */
		bool queued = conout_room(vm->conout) < CONOUT_BUF;

		n = read(fx->pipe[0], buf + got, sizeof(buf) - got);
		if (n <= 0) {
			assert_true(queued);
			usleep(1000);
			continue;
		}
		got += (size_t)n;
	}
	assert_int_equal(got, sent);
	for (size_t i = 0; i < sent; i++)
		assert_int_equal(buf[i], i % 251);
	wr(vm, UART(1), 1, 0x00);
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rtc_time(struct vm *vm)
{
	uint64_t lo = rd(vm, RTC(0x00), 4);

	return (uint64_t)rd(vm, RTC(0x04), 4) << 32 | lo;
}

static void rtc_set_alarm(struct vm *vm, uint64_t t)
{
	wr(vm, RTC(0x0c), 4, t >> 32);
	wr(vm, RTC(0x08), 4, (uint32_t)t);
}

/* Waits up to 2 s for the RTC's line to go high; false on timeout. */
static bool rtc_wait_line(struct vm *vm)
{
	struct timespec ms = {0, 1000000};

	for (int i = 0; i < 2000; i++) {
		if (line(vm, BOARD_RTC_IRQ))
			return true;
		nanosleep(&ms, NULL);
	}
	return false;
}

static void test_rtc_time(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	uint64_t t, host = realtime_ns();
	uint64_t v;

	t = rtc_time(vm);
	assert_true(t >= host && t - host < 1000000000ull);
	/* Reading TIME_LOW latches the high half. */
	assert_int_equal(rd(vm, RTC(0x04), 4), t >> 32);
	/* Setting the time the way Linux does: high half, then low half. */
	wr(vm, RTC(0x04), 4, 0x12);
	wr(vm, RTC(0x00), 4, 0x34000000);
	t = rtc_time(vm);
	assert_true(t >= 0x1234000000ull && t < 0x1234000000ull + 1000000000ull);
	/* The offset stays: time keeps running from there. */
	t = rtc_time(vm);
	assert_true(t >= 0x1234000000ull && t < 0x1234000000ull + 1000000000ull);
	/* 32-bit accesses only; unknown registers read 0. */
	assert_int_equal(bus_read(&vm->bus, RTC(0x00), 1, &v), -EFAULT);
	assert_int_equal(bus_read(&vm->bus, RTC(0x00), 8, &v), -EFAULT);
	assert_int_equal(rd(vm, RTC(0x20), 4), 0);
	wr(vm, RTC(0x20), 4, 1);
}

static void test_rtc_alarm(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	uint64_t t0 = rtc_time(vm), t1;

	plic_route(vm, BOARD_RTC_IRQ);
	wr(vm, RTC(0x10), 4, 1);
	assert_int_equal(rd(vm, RTC(0x10), 4), 1);
	/* 30 ms from now: armed, not yet due. */
	rtc_set_alarm(vm, t0 + 30000000);
	assert_int_equal(rd(vm, RTC(0x18), 4), 1);
	assert_int_equal(rd(vm, RTC(0x08), 4), (uint32_t)(t0 + 30000000));
	assert_int_equal(rd(vm, RTC(0x0c), 4), (t0 + 30000000) >> 32);
	assert_false(line(vm, BOARD_RTC_IRQ));
	/* The helper thread raises the line on time, with every hart idle. */
	assert_true(rtc_wait_line(vm));
	t1 = rtc_time(vm);
	assert_true(t1 >= t0 + 30000000);
	assert_true(seip(vm));
	assert_int_equal(rd(vm, RTC(0x18), 4), 0);
	/* The interrupt stays until the guest clears it. */
	wr(vm, RTC(0x1c), 4, 1);
	assert_false(line(vm, BOARD_RTC_IRQ));
	assert_false(seip(vm));
	/* An alarm already due fires at once. */
	rtc_set_alarm(vm, t0);
	assert_true(line(vm, BOARD_RTC_IRQ));
	assert_int_equal(rd(vm, RTC(0x18), 4), 0);
	wr(vm, RTC(0x1c), 4, 1);
	assert_false(line(vm, BOARD_RTC_IRQ));
}

static void test_rtc_alarm_clear_and_mask(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	struct timespec wait = {0, 150000000};
	uint64_t t0 = rtc_time(vm);

	plic_route(vm, BOARD_RTC_IRQ);
	wr(vm, RTC(0x10), 4, 1);
	/* A cleared alarm never fires. */
	rtc_set_alarm(vm, t0 + 50000000);
	wr(vm, RTC(0x14), 4, 1);
	assert_int_equal(rd(vm, RTC(0x18), 4), 0);
	nanosleep(&wait, NULL);
	assert_false(line(vm, BOARD_RTC_IRQ));
	/* With interrupts disabled the alarm fires silently; enabling them raises the line. */
	wr(vm, RTC(0x10), 4, 0);
	rtc_set_alarm(vm, rtc_time(vm) + 10000000);
	nanosleep(&wait, NULL);
	assert_int_equal(rd(vm, RTC(0x18), 4), 0);
	assert_false(line(vm, BOARD_RTC_IRQ));
	wr(vm, RTC(0x10), 4, 1);
	assert_true(line(vm, BOARD_RTC_IRQ));
	wr(vm, RTC(0x1c), 4, 1);
	assert_false(line(vm, BOARD_RTC_IRQ));
	/* An alarm far away stays armed; destroying the VM joins the sleeping thread. */
	rtc_set_alarm(vm, rtc_time(vm) + 3600ull * 1000000000ull);
	assert_int_equal(rd(vm, RTC(0x18), 4), 1);
}

static void test_pvpanic(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm;
	uint64_t v;

	assert_int_equal(rd(vm, BOARD_PVPANIC_BASE, 1), PVPANIC_PANICKED | PVPANIC_CRASH_LOADED);
	assert_int_equal(rd(vm, BOARD_PVPANIC_BASE + 1, 1), 0);
	assert_int_equal(bus_read(&vm->bus, BOARD_PVPANIC_BASE, 4, &v), -EFAULT);
	/* crash_loaded: a crash kernel runs on; nothing stops. */
	wr(vm, BOARD_PVPANIC_BASE, 1, PVPANIC_CRASH_LOADED);
	wr(vm, BOARD_PVPANIC_BASE + 1, 1, PVPANIC_PANICKED);
	assert_int_equal(atomic_load(&vm->state), VM_RUNNING);
	wr(vm, BOARD_PVPANIC_BASE, 1, PVPANIC_PANICKED);
	assert_int_equal(atomic_load(&vm->state), VM_PANIC);
	assert_true(atomic_load(&vm->harts[0]->events) & HART_EV_STOP);
}

/* UART state: save, load into a fresh UART, save again gives the same bytes; bad fields. */
static void test_uart_state(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm, *vm2;
	struct vm_config cfg = {
	    .ram_size = 16ull << 20, .nharts = NHARTS, .console_fd = fx->pipe[1]};
	struct uart16550_state s1, s2, bad, after;

	plic_route(vm, BOARD_UART0_IRQ);
	wr(vm, UART(3), 1, 0x83); /* DLAB, 8 bits */
	wr(vm, UART(0), 1, 0x0c);
	wr(vm, UART(3), 1, 0x03);
	wr(vm, UART(7), 1, 0x5a);
	wr(vm, UART(1), 1, 0x01); /* ERBFI */
	for (int i = 0; i < 3; i++)
		assert_true(uart16550_receive(vm->console, (uint8_t)('x' + i)));
	uart16550_save(vm->console, &s1);
	assert_int_equal(s1.rx_count, 3);
	assert_int_equal(vm_create(&vm2, &cfg), 0);
	plic_route(vm2, BOARD_UART0_IRQ);
	assert_int_equal(uart16550_load(vm2->console, &s1), 0);
	uart16550_save(vm2->console, &s2);
	assert_memory_equal(&s1, &s2, sizeof(s1));
	/* The loaded UART has its bytes and raises its line. */
	assert_true(line(vm2, BOARD_UART0_IRQ));
	assert_int_equal(rd(vm2, UART(0), 1), 'x');
	uart16550_reset(vm2->console);
	assert_false(line(vm2, BOARD_UART0_IRQ));
	vm_destroy(vm2);
	for (int i = 0; i < 6; i++) {
		bad = s1;
		switch (i) {
		case 0:
			bad.rx_count = 17;
			break;
		case 1:
			bad.rx_head = 16;
			break;
		case 2:
			bad.ier = 0x10;
			break;
		case 3:
			bad.mcr = 0x20;
			break;
		case 4:
			bad.overrun = 2;
			break;
		default:
			bad.reserved[2] = 1;
			break;
		}
		assert_int_equal(uart16550_load(vm->console, &bad), -EINVAL);
		uart16550_save(vm->console, &after);
		assert_memory_equal(&s1, &after, sizeof(s1));
	}
}

/* The RTC's state object: its bus region's opaque. */
static void *rtc_of(struct vm *vm)
{
	return bus_find(&vm->bus, BOARD_RTC_BASE)->opaque;
}

/* RTC state: save/load/save is byte-identical (the guest clock as an offset); bad fields. */
static void test_rtc_state(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm, *vm2;
	struct vm_config cfg = {
	    .ram_size = 16ull << 20, .nharts = NHARTS, .console_fd = fx->pipe[1]};
	struct rtc_goldfish_state s1, s2, bad, after;

	wr(vm, RTC(0x04), 4, 0x1234);	  /* the year 2287 */
	wr(vm, RTC(0x10), 4, 1);	  /* IRQ_ENABLED */
	wr(vm, RTC(0x0c), 4, 0x7fffffff); /* an alarm far away */
	wr(vm, RTC(0x08), 4, 0);
	rtc_goldfish_save(rtc_of(vm), &s1);
	assert_int_equal(s1.alarm_running, 1);
	assert_int_equal(vm_create(&vm2, &cfg), 0);
	assert_int_equal(rtc_goldfish_load(rtc_of(vm2), &s1), 0);
	rtc_goldfish_save(rtc_of(vm2), &s2);
	assert_memory_equal(&s1, &s2, sizeof(s1));
	/* The guest's clock goes on from the saved offset (seconds later at most). */
	assert_in_range(rtc_time(vm2) >> 32, 0x1234, 0x1235);
	assert_int_equal(rd(vm2, RTC(0x18), 4), 1); /* ALARM_STATUS */
	rtc_goldfish_reset(rtc_of(vm2));
	assert_int_equal(rd(vm2, RTC(0x18), 4), 0);
	vm_destroy(vm2);
	for (int i = 0; i < 4; i++) {
		bad = s1;
		if (i == 0)
			bad.alarm_running = 2;
		else if (i == 1)
			bad.irq_pending = 7;
		else if (i == 2)
			bad.irq_enabled = 2;
		else
			bad.reserved = 1;
		assert_int_equal(rtc_goldfish_load(rtc_of(vm), &bad), -EINVAL);
		rtc_goldfish_save(rtc_of(vm), &after);
		assert_memory_equal(&s1, &after, sizeof(s1));
	}
}

/* CLINT state: mtime stands still while paused, so save/load/save is byte-identical. */
static void test_clint_state(void **state)
{
	struct fixture *fx = *state;
	struct vm *vm = fx->vm, *vm2;
	struct vm_config cfg = {
	    .ram_size = 16ull << 20, .nharts = NHARTS, .console_fd = fx->pipe[1]};
	struct aclint_state s1, s2;
	void *c1 = bus_find(&vm->bus, BOARD_CLINT_BASE)->opaque, *c2;

	wr(vm, BOARD_CLINT_BASE + CLINT_MTIME, 8, 1ull << 40);
	assert_int_equal(vm_pause(vm), 0); /* no hart threads: parks nothing, freezes mtime */
	aclint_save(c1, &s1);
	assert_in_range(s1.mtime, 1ull << 40, (1ull << 40) + VM_TIMEBASE_HZ);
	usleep(2000);
	assert_int_equal(rd(vm, BOARD_CLINT_BASE + CLINT_MTIME, 8), s1.mtime);
	assert_int_equal(vm_create(&vm2, &cfg), 0);
	assert_int_equal(vm_pause(vm2), 0);
	c2 = bus_find(&vm2->bus, BOARD_CLINT_BASE)->opaque;
	assert_int_equal(aclint_load(c2, &s1), 0);
	aclint_save(c2, &s2);
	assert_memory_equal(&s1, &s2, sizeof(s1));
	/* Resumed, the clock goes on from the saved value, not from the host's. */
	vm_resume(vm2);
	usleep(2000);
	assert_in_range(rd(vm2, BOARD_CLINT_BASE + CLINT_MTIME, 8), s1.mtime + 1,
			s1.mtime + VM_TIMEBASE_HZ);
	aclint_reset(c2);
	assert_true(rd(vm2, BOARD_CLINT_BASE + CLINT_MTIME, 8) < VM_TIMEBASE_HZ);
	vm_resume(vm);
	vm_destroy(vm2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vm_config),
	    cmocka_unit_test_setup_teardown(test_uart_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rtc_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clint_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vm_layout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_finisher, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_finisher_halfword, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_finisher_pass_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clint_msip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clint_mtimecmp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clint_mtime, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uart_tx, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uart_iir_loopback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uart_irq, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uart_thre_irq, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uart_tx_backpressure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rtc_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rtc_alarm, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rtc_alarm_clear_and_mask, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pvpanic, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
