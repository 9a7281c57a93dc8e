/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The public API (include/vireo/vireo.h) alone: config checks, and the lifecycle of small
 * bare-metal guests (build, start, pause, resume, reset, stop, wait, destroy), watched
 * through the UART's output on a pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vireo/vireo.h"

#define J_SELF 0x0000006Fu /* j . */
/* t0 = UART; t1 = 'x'; 1: sb t1, 0(t0); j 1b */
static const uint32_t prog_print[] = {0x100002B7u, 0x07800313u, 0x00628023u, 0xFFDFF06Fu};
/* 1: wfi; j 1b (no interrupt enabled: sleeps until kicked) */
static const uint32_t prog_wfi[] = {0x10500073u, 0xFFDFF06Fu};
/* finisher reset (0x7777) */
static const uint32_t prog_reset[] = {0x001002B7u, 0x00007337u, 0x77730313u, 0x0062A023u, J_SELF};

struct fx {
	char path[64];
	int pipe[2]; /* the UART's output */
	struct vireo_config cfg;
	struct vireo_vm *vm;
};

/* Writes a firmware image with words into fx->path and a config that boots it. */
static void fx_prog(struct fx *fx, const uint32_t *words, size_t n)
{
	int fd;

	snprintf(fx->path, sizeof(fx->path), "/tmp/vireo-api-XXXXXX");
	fd = mkstemp(fx->path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, words, n * 4), (ssize_t)(n * 4));
	close(fd);
	assert_int_equal(pipe2(fx->pipe, O_CLOEXEC | O_NONBLOCK), 0);
	vireo_config_init(&fx->cfg);
	fx->cfg.firmware = fx->path;
	fx->cfg.uart_fd = fx->pipe[1];
}

static void fx_free(struct fx *fx)
{
	vireo_vm_destroy(fx->vm);
	close(fx->pipe[0]);
	close(fx->pipe[1]);
	unlink(fx->path);
}

/* Bytes the guest printed within ms milliseconds (the pipe drained). */
static size_t printed(struct fx *fx, int ms)
{
	struct pollfd p = {.fd = fx->pipe[0], .events = POLLIN};
	char buf[4096];
	size_t total = 0;
	ssize_t n;

	while (poll(&p, 1, ms) > 0) {
		n = read(fx->pipe[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		total += (size_t)n;
		ms = 0;
	}
	return total;
}

/*
 * True once the console has printed nothing for 300 ms, within 5 s: what the guest printed
 * before a pause may still be on its way through the console writer, but it must dry up.
 */
static bool quiet(struct fx *fx)
{
	int still = 0;

	for (int t = 0; t < 50 && still < 3; t++)
		still = printed(fx, 100) ? 0 : still + 1;
	return still == 3;
}

static void build(struct fx *fx)
{
	char msg[256] = "";

	if (vireo_vm_build(&fx->vm, &fx->cfg, NULL, NULL, msg, sizeof(msg)))
		fail_msg("build: %s", msg);
}

static void expect_bad(const struct vireo_config *cfg, const char *what)
{
	char msg[256] = "";

	assert_int_equal(vireo_config_check(cfg, msg, sizeof(msg)), -EINVAL);
	if (!strstr(msg, what))
		fail_msg("message '%s' lacks '%s'", msg, what);
}

static void test_config_check(void **state)
{
	struct vireo_config c;

	(void)state;
	vireo_config_init(&c);
	expect_bad(&c, "nothing to boot");
	c.firmware = "/x";
	assert_int_equal(vireo_config_check(&c, NULL, 0), 0);
	c.initrd = "/y";
	expect_bad(&c, "needs a kernel");
	c.initrd = NULL;
	c.ram_size = 1 << 20;
	expect_bad(&c, "16 MiB");
	c.ram_size = 64 << 20;
	c.console = VIREO_CONSOLE_VIRTIO;
	expect_bad(&c, "virtio-console");
	c.console = VIREO_CONSOLE_UART;
	c.ndevices = 2;
	c.devices[0] = (struct vireo_device){.kind = VIREO_DEV_RNG, .id = "r", .slot = 3};
	c.devices[1] = (struct vireo_device){.kind = VIREO_DEV_RNG, .id = "r", .slot = 4};
	expect_bad(&c, "two devices");
	strcpy(c.devices[1].id, "s");
	c.devices[1].slot = 3;
	expect_bad(&c, "slot 3 is taken");
	c.devices[1].slot = 8;
	expect_bad(&c, "slot 8");
	c.devices[1].slot = VIREO_SLOT_AUTO;
	assert_int_equal(vireo_config_check(&c, NULL, 0), 0);
	strcpy(c.devices[1].id, "a b");
	expect_bad(&c, "id");
	strcpy(c.devices[1].id, "s");
	c.devices[1].kind = VIREO_DEV_BLK;
	c.devices[1].blk.path = NULL;
	c.devices[1].blk.fd = -1;
	expect_bad(&c, "no image");
}

/* Pause stops all output; resume brings it back; stop while paused ends the VM. */
static void test_pause_resume(void **state)
{
	struct fx fx;
	int code = -1;

	(void)state;
	fx_prog(&fx, prog_print, 4);
	fx.cfg.nharts = 2;
	build(&fx);
	assert_int_equal(vireo_vm_state(fx.vm), VIREO_VM_BUILT);
	assert_int_equal(vireo_vm_pause(fx.vm), -EINVAL);
	assert_int_equal(vireo_vm_start(fx.vm), 0);
	assert_int_equal(vireo_vm_start(fx.vm), -EBUSY);
	assert_true(printed(&fx, 2000) > 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(vireo_vm_pause(fx.vm), 0);
		assert_int_equal(vireo_vm_state(fx.vm), VIREO_VM_PAUSED);
		assert_int_equal(vireo_vm_pause(fx.vm), -EINVAL);
		assert_true(quiet(&fx));
		assert_int_equal(vireo_vm_resume(fx.vm), 0);
		assert_true(printed(&fx, 2000) > 0);
	}
	assert_int_equal(vireo_vm_pause(fx.vm), 0);
	vireo_vm_stop(fx.vm);
	assert_int_equal(vireo_vm_wait(fx.vm, &code), VIREO_END_POWEROFF);
	assert_int_equal(vireo_vm_state(fx.vm), VIREO_VM_STOPPED);
	assert_int_equal(vireo_vm_resume(fx.vm), -EINVAL);
	fx_free(&fx);
}

/* A hart asleep in WFI is paused promptly and stays paused. */
static void test_pause_wfi(void **state)
{
	struct timespec a, b;
	struct fx fx;

	(void)state;
	fx_prog(&fx, prog_wfi, 2);
	build(&fx);
	assert_int_equal(vireo_vm_start(fx.vm), 0);
	usleep(50000);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(vireo_vm_pause(fx.vm), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	/* Far below WFI's one-second cap: the pause kicks the sleeping hart. */
	assert_true((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < 500);
	usleep(20000);
	assert_int_equal(vireo_vm_state(fx.vm), VIREO_VM_PAUSED);
	assert_int_equal(vireo_vm_resume(fx.vm), 0);
	assert_int_equal(vireo_vm_reset(fx.vm), 0);
	assert_int_equal(vireo_vm_state(fx.vm), VIREO_VM_RUNNING);
	fx_free(&fx);
}

/* Reset in place runs the guest again from its boot state, paused or not. */
static void test_reset(void **state)
{
	struct fx fx;

	(void)state;
	fx_prog(&fx, prog_print, 4);
	build(&fx);
	assert_int_equal(vireo_vm_reset(fx.vm), 0);
	assert_int_equal(vireo_vm_state(fx.vm), VIREO_VM_BUILT);
	assert_int_equal(vireo_vm_start(fx.vm), 0);
	assert_true(printed(&fx, 2000) > 0);
	assert_int_equal(vireo_vm_reset(fx.vm), 0);
	assert_true(printed(&fx, 2000) > 0);
	assert_int_equal(vireo_vm_pause(fx.vm), 0);
	assert_int_equal(vireo_vm_reset(fx.vm), 0);
	assert_int_equal(vireo_vm_state(fx.vm), VIREO_VM_RUNNING);
	assert_true(printed(&fx, 2000) > 0);
	fx_free(&fx); /* destroy stops a running VM */
}

/* 1: auipc t0, 0x10; 2: sd t0, 0(t0); j 2b: stores to RAM page 0x10 forever */
static const uint32_t prog_store[] = {0x00010297u, 0x0052b023u, 0xFFDFF06Fu};

/* The dirty log through the API: a paused VM reports exactly the page its guest stores to. */
static void test_dirty_log(void **state)
{
	static uint64_t bm[512]; /* 128 MiB of 4 KiB pages */
	struct fx fx;

	(void)state;
	fx_prog(&fx, prog_store, 3);
	build(&fx);
	assert_int_equal(vireo_vm_dirty_log(fx.vm, true), 0);
	assert_int_equal(vireo_vm_dirty_read_clear(fx.vm, bm, 511), -ENOSPC);
	assert_int_equal(vireo_vm_start(fx.vm), 0);
	for (int round = 0; round < 2; round++) {
		usleep(20000);
		assert_int_equal(vireo_vm_pause(fx.vm), 0);
		assert_int_equal(vireo_vm_dirty_read_clear(fx.vm, bm, 512), 0);
		for (unsigned w = 0; w < 512; w++)
			assert_int_equal(bm[w], w == 0 ? 1ull << 0x10 : 0);
		/* Nothing is written while paused. */
		assert_int_equal(vireo_vm_dirty_read_clear(fx.vm, bm, 512), 0);
		assert_int_equal(bm[0], 0);
		assert_int_equal(vireo_vm_resume(fx.vm), 0);
	}
	assert_int_equal(vireo_vm_dirty_log(fx.vm, false), 0);
	fx_free(&fx);
}

/* A guest reset reboots in place, or ends the VM with no_reboot. */
static void test_guest_reset(void **state)
{
	struct fx fx;

	(void)state;
	fx_prog(&fx, prog_reset, 5);
	fx.cfg.no_reboot = true;
	build(&fx);
	assert_int_equal(vireo_vm_start(fx.vm), 0);
	assert_int_equal(vireo_vm_wait(fx.vm, NULL), VIREO_END_RESET);
	vireo_vm_destroy(fx.vm);
	fx.cfg.no_reboot = false;
	build(&fx);
	assert_int_equal(vireo_vm_start(fx.vm), 0);
	usleep(200000); /* many reboots */
	assert_int_equal(vireo_vm_state(fx.vm), VIREO_VM_RUNNING);
	vireo_vm_stop(fx.vm);
	assert_int_equal(vireo_vm_wait(fx.vm, NULL), VIREO_END_POWEROFF);
	fx_free(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_check), cmocka_unit_test(test_pause_resume),
	    cmocka_unit_test(test_pause_wfi),	 cmocka_unit_test(test_reset),
	    cmocka_unit_test(test_guest_reset),	 cmocka_unit_test(test_dirty_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
