/* SPDX-License-Identifier: Apache-2.0 */
/* The board's devices (finisher, CLINT, UART) driven through a real VM's bus. */
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

#define NHARTS 2
#define UART(reg) (BOARD_UART0_BASE + (reg))

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

/* Reads what the UART sent so far. */
static size_t drain(struct fixture *fx, char *buf, size_t len)
{
	ssize_t n = read(fx->pipe[0], buf, len);

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vm_config),
	    cmocka_unit_test_setup_teardown(test_vm_layout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_finisher, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_finisher_pass_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clint_msip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clint_mtimecmp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clint_mtime, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uart_tx, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uart_iir_loopback, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
