/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-console with one port (virtio 1.2 section 5.3): guest output on the transmit queue
 * reaches the host fd, host input (fd and virtio_console_input) reaches receive buffers, and
 * input that comes before the guest posted a buffer waits for one.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/vm.h"
#include "virtio/virtio.h"
#include "virtio_driver.h"

#define RXQ 0u
#define TXQ 1u

struct fixture {
	struct vm *vm;
	struct vd_irq irq;
	struct vdrv d;
	struct virtio_dev *dev;
	int in[2], out[2]; /* host input: in[1] -> device; guest output: device -> out[0] */
};

static int setup(void **state)
{
	static struct fixture fx;
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = 1};

	memset(&fx, 0, sizeof(fx));
	if (pipe2(fx.in, O_CLOEXEC) || pipe2(fx.out, O_CLOEXEC | O_NONBLOCK))
		return -1;
	if (vm_create(&fx.vm, &cfg))
		return -1;
	vd_irq_hook(fx.vm, &fx.irq);
	if (virtio_console_create(fx.vm, fx.in[0], fx.out[1], -1, &fx.dev))
		return -1;
	fx.d.vm = fx.vm;
	fx.d.base = VIRTIO_MMIO_BASE;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	vd_irq_unhook(fx->vm, &fx->irq);
	vm_destroy(fx->vm);
	for (int i = 0; i < 2; i++) {
		close(fx->in[i]);
		close(fx->out[i]);
	}
	return 0;
}

/* Posts a 64-byte receive buffer (descriptor slot n) and returns what the device put in it. */
static size_t post_rx(struct fixture *fx, unsigned n, char *got)
{
	struct vdrv *d = &fx->d;
	uint64_t buf = VD_DATA + 0x1000 + n * 0x100ull;
	uint32_t len;

	memset(vd_ram(d, buf, 64), 0, 64);
	vd_desc(d, VD_DESC + 0x100 * RXQ, n, vd_gpa(d, buf), 64, VIRTQ_DESC_F_WRITE, 0);
	vd_kick_q(d, RXQ, (uint16_t)n, (uint16_t)(d->avail_idx[RXQ] + 1));
	len = vd_wait_used_q(d, RXQ, NULL);
	assert_true(len <= 64);
	memcpy(got, vd_ram(d, buf, 64), len);
	got[len] = '\0';
	return len;
}

static void test_identity(void **state)
{
	struct fixture *fx = *state;
	uint64_t v = 1;

	assert_int_equal(vd_rd(&fx->d, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_CONSOLE);
	vd_wr(&fx->d, VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_true(vd_rd(&fx->d, VIRTIO_MMIO_QUEUE_NUM_MAX) > 0);
	vd_wr(&fx->d, VIRTIO_MMIO_QUEUE_SEL, 2);
	assert_int_equal(vd_rd(&fx->d, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	/* No MULTIPORT: max_nr_ports reads 0 and is not used. */
	assert_int_equal(bus_read(&fx->vm->bus, VIRTIO_MMIO_BASE + VIRTIO_MMIO_CONFIG + 4, 4, &v),
			 0);
	assert_int_equal(v, 0);
}

static void test_output(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;
	const char *msg = "hello from hvc0\n";
	char got[64] = {0};
	ssize_t n = 0;

	vd_init(d, VD_F(VIRTIO_F_VERSION_1), 2);
	memcpy(vd_ram(d, VD_DATA, 32), msg, strlen(msg));
	/* Two readable buffers in one chain: both are written, in order. */
	vd_desc(d, VD_DESC + 0x100 * TXQ, 0, vd_gpa(d, VD_DATA), 6, VIRTQ_DESC_F_NEXT, 1);
	vd_desc(d, VD_DESC + 0x100 * TXQ, 1, vd_gpa(d, VD_DATA + 6), (uint32_t)strlen(msg) - 6, 0,
		0);
	vd_kick_q(d, TXQ, 0, 1);
	assert_int_equal(vd_wait_used_q(d, TXQ, NULL), 0);
	for (int i = 0; i < 1000 && n <= 0; i++) {
		n = read(fx->out[0], got, sizeof(got) - 1);
		if (n <= 0)
			vd_sleep_ms(1);
	}
	assert_int_equal(n, (ssize_t)strlen(msg));
	assert_string_equal(got, msg);
}

static void test_input(void **state)
{
	struct fixture *fx = *state;
	char got[65];

	vd_init(&fx->d, VD_F(VIRTIO_F_VERSION_1), 2);
	/* From the host fd. */
	assert_int_equal(write(fx->in[1], "abc", 3), 3);
	assert_int_equal(post_rx(fx, 0, got), 3);
	assert_string_equal(got, "abc");
	/* From virtio_console_input, before any buffer is posted: it waits for one. */
	assert_int_equal(virtio_console_input(fx->dev, (const uint8_t *)"xyz", 3), 3);
	vd_sleep_ms(20);
	assert_int_equal(post_rx(fx, 1, got), 3);
	assert_string_equal(got, "xyz");
	/* More input than one buffer holds comes in several. */
	{
		char big[100];

		memset(big, 'q', sizeof(big));
		assert_int_equal(virtio_console_input(fx->dev, (const uint8_t *)big, 100), 100);
		assert_int_equal(post_rx(fx, 2, got), 64);
		assert_int_equal(post_rx(fx, 3, got), 36);
	}
}

/*
 * Child body: guest output to a blocking pipe nobody reads. The request waits (a state save
 * meanwhile is refused), but a reset (Status 0) and the VM's teardown still end promptly;
 * after the host reads, output flows.
 */
static int stuck_output_child(void)
{
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = 1};
	struct vdrv d = {.base = VIRTIO_MMIO_BASE};
	static struct virtio_console_state cs;
	char sink[65536], got[8] = {0};
	int out[2], bad = 0;
	ssize_t n;

	if (pipe2(out, O_CLOEXEC | O_NONBLOCK))
		return 2;
	while (write(out[1], sink, sizeof(sink)) > 0)
		; /* fill the pipe */
	if (fcntl(out[1], F_SETFL, 0) || vm_create(&d.vm, &cfg) ||
	    virtio_console_create(d.vm, -1, out[1], -1, NULL))
		return 3;
	vd_init(&d, VD_F(VIRTIO_F_VERSION_1), 2);
	memcpy(vd_ram(&d, VD_DATA, 4), "late", 4);
	vd_desc(&d, VD_DESC + 0x100 * TXQ, 0, vd_gpa(&d, VD_DATA), 4, 0, 0);
	vd_kick_q(&d, TXQ, 0, 1);
	vd_sleep_ms(100);
	/* A request in flight (not paused): the state cannot be saved. */
	if (virtio_console_save(virtio_mmio_dev(d.vm, 0), &cs) != -EBUSY)
		bad = 6;
	vd_wr(&d, VIRTIO_MMIO_STATUS, 0); /* hung here while write(2) blocked */
	if (virtio_console_save(virtio_mmio_dev(d.vm, 0), &cs) != 0)
		bad = 7;
	/* A fresh driver, a host that reads now: the new output arrives. */
	vd_init(&d, VD_F(VIRTIO_F_VERSION_1), 2);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	while (read(out[0], sink, sizeof(sink)) > 0)
		;
	memcpy(vd_ram(&d, VD_DATA, 4), "next", 4);
	vd_desc(&d, VD_DESC + 0x100 * TXQ, 0, vd_gpa(&d, VD_DATA), 4, 0, 0);
	vd_kick_q(&d, TXQ, 0, 1);
	if (vd_wait_used_q(&d, TXQ, NULL) != 0)
		bad = 4;
	n = read(out[0], got, sizeof(got) - 1);
	if (n != 4 || strcmp(got, "next"))
		bad = 5;
	/* Output stuck again at teardown: vm_destroy must not wait for the host either. */
	fcntl(out[1], F_SETFL, O_NONBLOCK);
	while (write(out[1], sink, sizeof(sink)) > 0)
		;
	fcntl(out[1], F_SETFL, 0);
	vd_kick_q(&d, TXQ, 0, 2);
	vd_sleep_ms(100);
	vm_destroy(d.vm);
	return bad;
}

static void test_stuck_output(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(10);
		_exit(stuck_output_child());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("child killed by signal %d: a reset or teardown hung", WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Device state: pending input is saved, loaded into a fresh console and handed to the guest. */
static void test_state(void **state)
{
	struct fixture *fx = *state;
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = 1};
	static struct virtio_console_state s1, s2, bad;
	struct virtio_dev *vd2;
	struct vm *vm2;
	char got[65];

	/* No driver yet: the input waits in the device. */
	assert_int_equal(virtio_console_input(fx->dev, (const uint8_t *)"hello", 5), 5);
	virtio_mmio_quiesce(fx->vm, true);
	assert_int_equal(virtio_console_save(fx->dev, &s1), 0);
	virtio_mmio_quiesce(fx->vm, false);
	assert_int_equal(s1.len, 5);
	assert_memory_equal(s1.input, "hello", 5);
	assert_int_equal(vm_create(&vm2, &cfg), 0);
	assert_int_equal(virtio_console_create(vm2, -1, fx->out[1], 0, &vd2), 0);
	assert_int_equal(virtio_rng_create(vm2, 1), 0);
	assert_int_equal(virtio_console_load(vd2, &s1), 0);
	assert_int_equal(virtio_console_save(vd2, &s2), 0);
	assert_memory_equal(&s1, &s2, sizeof(s1));
	/* Not a console; cols/rows without F_SIZE; too long; bytes past len. */
	assert_int_equal(virtio_console_load(virtio_mmio_dev(vm2, 1), &s1), -EINVAL);
	assert_int_equal(virtio_console_reset(virtio_mmio_dev(vm2, 1)), -EINVAL);
	bad = s1;
	bad.cols = 80;
	assert_int_equal(virtio_console_load(vd2, &bad), -EINVAL);
	bad = s1;
	bad.rows = 25;
	assert_int_equal(virtio_console_load(vd2, &bad), -EINVAL);
	bad = s1;
	bad.len = sizeof(bad.input) + 1;
	assert_int_equal(virtio_console_load(vd2, &bad), -EINVAL);
	bad = s1;
	bad.input[5] = 'x';
	assert_int_equal(virtio_console_load(vd2, &bad), -EINVAL);
	assert_int_equal(virtio_console_save(vd2, &s2), 0);
	assert_memory_equal(&s1, &s2, sizeof(s1));
	vm_destroy(vm2);
	/* Reset drops the input; a load brings it back and the guest reads it. */
	assert_int_equal(virtio_console_reset(fx->dev), 0);
	assert_int_equal(virtio_console_save(fx->dev, &s2), 0);
	assert_int_equal(s2.len, 0);
	assert_int_equal(virtio_console_load(fx->dev, &s1), 0);
	vd_init(&fx->d, VD_F(VIRTIO_F_VERSION_1), 2);
	assert_int_equal(post_rx(fx, 0, got), 5);
	assert_string_equal(got, "hello");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_output, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_input, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_state, setup, teardown),
	    cmocka_unit_test(test_stuck_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
