/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the host console: the Ctrl-a escape decoder, pipe input with back-pressure,
 * input sinks (UART, a sink that takes little, a virtio-console), signals. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
#include "dev/devices.h"
#include "host/console.h"
#include "virtio/virtio.h"
#include "virtio_driver.h"

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

/* Reads one byte from the UART if LSR.DR says one is there, else -1. */
static int uart_getc_nowait(struct vm *vm)
{
	uint64_t lsr, rbr;

	assert_int_equal(bus_read(&vm->bus, BOARD_UART0_BASE + 5, 1, &lsr), 0);
	if (!(lsr & 1))
		return -1;
	assert_int_equal(bus_read(&vm->bus, BOARD_UART0_BASE, 1, &rbr), 0);
	return (int)rbr;
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

/* The UART as a console sink, as vireo.c wires it: what its receive FIFO takes. */
static size_t uart_sink_input(void *uart, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	while (n < len && uart16550_receive(uart, buf[n]))
		n++;
	return n;
}

struct con_fx {
	struct vm *vm;
	struct console *con;
	struct console_sink sink; /* the UART */
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
	fx->sink = (struct console_sink){.input = uart_sink_input, .dev = fx->vm->console};
	*state = fx;
	return 0;
}

static int con_teardown(void **state)
{
	struct con_fx *fx = *state;

	console_attach(fx->con, NULL, NULL);
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
	console_attach(fx->con, fx->vm, &fx->sink);
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

/* A sink that records what it takes: at most `chunk` bytes a call, nothing on every 2nd call. */
struct rec_sink {
	pthread_mutex_t lock;
	uint8_t got[1024];
	size_t len, chunk;
	unsigned calls;
};

static size_t rec_input(void *dev, const uint8_t *buf, size_t len)
{
	struct rec_sink *r = dev;
	size_t n = 0;

	pthread_mutex_lock(&r->lock);
	if (r->calls++ % 2) {
		n = len < r->chunk ? len : r->chunk;
		if (n > sizeof(r->got) - r->len)
			n = sizeof(r->got) - r->len;
		memcpy(r->got + r->len, buf, n);
		r->len += n;
	}
	pthread_mutex_unlock(&r->lock);
	return n;
}

static size_t rec_len(struct rec_sink *r)
{
	size_t n;

	pthread_mutex_lock(&r->lock);
	n = r->len;
	pthread_mutex_unlock(&r->lock);
	return n;
}

static void test_sink_partial(void **state)
{
	struct con_fx *fx = *state;
	struct rec_sink rec = {.chunk = 7};
	struct console_sink sink = {.input = rec_input, .dev = &rec};
	uint8_t buf[700];

	pthread_mutex_init(&rec.lock, NULL);
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(write(fx->pipe[1], buf, sizeof(buf)), (ssize_t)sizeof(buf));
	/* A VM without a sink holds input like no VM at all. */
	console_attach(fx->con, fx->vm, NULL);
	sleep_ms(20);
	assert_int_equal(rec_len(&rec), 0);
	/* Refusals and short takes lose nothing and keep the order. */
	console_attach(fx->con, fx->vm, &sink);
	for (unsigned i = 0; i < 5000 && rec_len(&rec) < sizeof(buf); i++)
		sleep_ms(1);
	console_attach(fx->con, NULL, NULL);
	assert_int_equal(rec.len, sizeof(buf));
	assert_memory_equal(rec.got, buf, sizeof(buf));
	assert_true(rec.calls >= 2 * sizeof(buf) / rec.chunk);
	pthread_mutex_destroy(&rec.lock);
}

/* A virtio-console as the sink, as vireo.c wires it for --console virtio. */
static size_t virtio_sink_input(void *vd, const uint8_t *buf, size_t len)
{
	return virtio_console_input(vd, buf, len);
}

/* Posts receive buffers on the console's receiveq (queue 0) until len bytes came. */
static void virtio_read(struct vdrv *d, char *got, size_t len)
{
	size_t have = 0;

	for (unsigned n = 0; have < len; n++) {
		uint64_t b = VD_DATA + 0x1000 + (n % VD_QSIZE) * 0x100ull;
		uint32_t k;

		assert_true(n < 64);
		vd_desc(d, VD_DESC, n % VD_QSIZE, vd_gpa(d, b), 64, VIRTQ_DESC_F_WRITE, 0);
		vd_kick_q(d, 0, (uint16_t)(n % VD_QSIZE), (uint16_t)(d->avail_idx[0] + 1));
		k = vd_wait_used_q(d, 0, NULL);
		assert_true(k <= 64 && have + k <= len);
		memcpy(got + have, vd_ram(d, b, 64), k);
		have += k;
	}
}

static void test_sink_virtio_console(void **state)
{
	struct con_fx *fx = *state;
	struct virtio_dev *vd;
	struct console_sink sink = {.input = virtio_sink_input};
	struct vd_irq irq;
	struct vdrv d = {.vm = fx->vm, .base = VIRTIO_MMIO_BASE};
	static const char msg[] = "echo hello from the host\n\x01x";
	char big[300], got[sizeof(big)];

	vd_irq_hook(fx->vm, &irq);
	assert_int_equal(virtio_console_create(fx->vm, -1, fx->null_fd, -1, &vd), 0);
	sink.dev = vd;
	console_attach(fx->con, fx->vm, &sink);
	vd_init(&d, VD_F(VIRTIO_F_VERSION_1), 2);
	/* A pipe passes Ctrl-a through: only a terminal has escapes. */
	assert_int_equal(write(fx->pipe[1], msg, sizeof(msg) - 1), (ssize_t)sizeof(msg) - 1);
	virtio_read(&d, got, sizeof(msg) - 1);
	assert_memory_equal(got, msg, sizeof(msg) - 1);
	/* More than one receive buffer holds, written before the guest posts any more. */
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	assert_int_equal(write(fx->pipe[1], big, sizeof(big)), (ssize_t)sizeof(big));
	sleep_ms(20);
	virtio_read(&d, got, sizeof(big));
	assert_memory_equal(got, big, sizeof(big));
	/* Nothing went to the UART. */
	assert_int_equal(uart_getc_nowait(fx->vm), -1);
	assert_false(console_quit_requested(fx->con));
	console_attach(fx->con, NULL, NULL);
	vd_irq_unhook(fx->vm, &irq);
}

static void test_signal_stops_vm(void **state)
{
	struct con_fx *fx = *state;

	console_attach(fx->con, fx->vm, &fx->sink);
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
	    cmocka_unit_test_setup_teardown(test_sink_partial, con_setup, con_teardown),
	    cmocka_unit_test_setup_teardown(test_sink_virtio_console, con_setup, con_teardown),
	    cmocka_unit_test_setup_teardown(test_signal_stops_vm, con_setup, con_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
