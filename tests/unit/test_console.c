/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the host console: the Ctrl-a escape decoder, pipe input with back-pressure,
 * signals. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/board.h"
#include "core/vm.h"
#include "host/console.h"

static void test_escapes(void **state)
{
	struct console_esc st = {0};
	uint8_t out[2];
	size_t n;

	(void)state;
	assert_int_equal(console_esc_feed(&st, 'a', out, &n), CONSOLE_SEND);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 'a');
	/* Ctrl-a alone is swallowed; Ctrl-a x quits, Ctrl-a h helps. */
	assert_int_equal(console_esc_feed(&st, 0x01, out, &n), CONSOLE_NONE);
	assert_int_equal(n, 0);
	assert_int_equal(console_esc_feed(&st, 'x', out, &n), CONSOLE_QUIT);
	assert_int_equal(n, 0);
	assert_int_equal(console_esc_feed(&st, 'x', out, &n), CONSOLE_SEND);
	assert_int_equal(out[0], 'x');
	assert_int_equal(console_esc_feed(&st, 0x01, out, &n), CONSOLE_NONE);
	assert_int_equal(console_esc_feed(&st, 'h', out, &n), CONSOLE_HELP);
	/* Ctrl-a Ctrl-a sends one Ctrl-a, and the decoder is back to normal after it. */
	assert_int_equal(console_esc_feed(&st, 0x01, out, &n), CONSOLE_NONE);
	assert_int_equal(console_esc_feed(&st, 0x01, out, &n), CONSOLE_SEND);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 0x01);
	assert_int_equal(console_esc_feed(&st, 0x03, out, &n), CONSOLE_SEND);
	assert_int_equal(out[0], 0x03);
	/* Ctrl-a followed by something else: both bytes go to the guest. */
	assert_int_equal(console_esc_feed(&st, 0x01, out, &n), CONSOLE_NONE);
	assert_int_equal(console_esc_feed(&st, 'q', out, &n), CONSOLE_SEND);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], 0x01);
	assert_int_equal(out[1], 'q');
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* Reads one byte from the UART like a guest driver: waits (up to 2 s) for LSR.DR. */
static int uart_getc(struct vm *vm)
{
	uint64_t lsr, rbr;

	for (unsigned i = 0; i < 2000; i++) {
		assert_int_equal(bus_read(&vm->bus, BOARD_UART0_BASE + 5, 1, &lsr), 0);
		if (lsr & 1) {
			assert_int_equal(bus_read(&vm->bus, BOARD_UART0_BASE, 1, &rbr), 0);
			return (int)rbr;
		}
		sleep_ms(1);
	}
	return -1;
}

struct con_fx {
	struct vm *vm;
	struct console *con;
	int pipe[2];
	int null_fd;
};

static int con_setup(void **state)
{
	struct con_fx *fx = calloc(1, sizeof(*fx));
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = 1};

	if (!fx || pipe(fx->pipe) < 0)
		return -1;
	fx->null_fd = open("/dev/null", O_WRONLY);
	if (fx->null_fd < 0)
		return -1;
	/*
	 * A pipe is not a terminal: bytes go through as they are, Ctrl-a included. The console
	 * comes first so that any thread the VM's devices start inherits the blocked signals.
	 */
	if (console_open(&fx->con, fx->pipe[0], fx->null_fd))
		return -1;
	cfg.console_fd = fx->null_fd;
	if (vm_create(&fx->vm, &cfg))
		return -1;
	*state = fx;
	return 0;
}

static int con_teardown(void **state)
{
	struct con_fx *fx = *state;

	console_attach(fx->con, NULL);
	console_close(fx->con);
	vm_destroy(fx->vm);
	close(fx->pipe[0]);
	if (fx->pipe[1] >= 0)
		close(fx->pipe[1]);
	close(fx->null_fd);
	free(fx);
	return 0;
}

static void test_pipe_backpressure(void **state)
{
	struct con_fx *fx = *state;
	uint8_t buf[600];

	/* Much more than the UART's 16-byte FIFO, written before anyone reads. */
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13 + 1);
	buf[5] = 0x01;
	buf[6] = 'x';
	assert_int_equal(write(fx->pipe[1], buf, sizeof(buf)), (ssize_t)sizeof(buf));
	/* Input waits while no VM is attached. */
	sleep_ms(20);
	console_attach(fx->con, fx->vm);
	for (unsigned i = 0; i < sizeof(buf); i++)
		assert_int_equal(uart_getc(fx->vm), buf[i]);
	assert_false(console_quit_requested(fx->con));
	assert_int_equal(atomic_load(&fx->vm->state), VM_RUNNING);
	/* EOF stops reading but not the VM. */
	close(fx->pipe[1]);
	fx->pipe[1] = -1;
	sleep_ms(20);
	assert_int_equal(atomic_load(&fx->vm->state), VM_RUNNING);
	assert_int_equal(console_signal(fx->con), 0);
}

static void test_signal_stops_vm(void **state)
{
	struct con_fx *fx = *state;

	console_attach(fx->con, fx->vm);
	/* SIGTERM is blocked here and read by the console through its signalfd. */
	assert_int_equal(kill(getpid(), SIGTERM), 0);
	for (unsigned i = 0; i < 2000 && !console_signal(fx->con); i++)
		sleep_ms(1);
	assert_int_equal(console_signal(fx->con), SIGTERM);
	assert_int_equal(atomic_load(&fx->vm->state), VM_POWEROFF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escapes),
	    cmocka_unit_test_setup_teardown(test_pipe_backpressure, con_setup, con_teardown),
	    cmocka_unit_test_setup_teardown(test_signal_stops_vm, con_setup, con_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
