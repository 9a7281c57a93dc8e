/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qcow2 against QEMU's own tools as the oracle (Debian's qemu-utils; skipped without them):
 * images made by qemu-img (v3 and v2, cluster sizes 512 B .. 2 MiB, refcount widths 1..64
 * bits, over a raw or qcow2 backing file) are written by Vireo's backend with random offsets
 * and lengths (fixed seeds), partial clusters over the backing file included, plus
 * write-zeroes and discard; then `qemu-img check` must be clean and `qemu-img compare`
 * against a raw image written the same way must agree. The other way round, qemu-io writes
 * and Vireo reads what `qemu-img convert` reads. A writer killed (SIGKILL) in the middle of
 * its writes leaves an image that qemu-img finds free of corruption (leaks allowed) with
 * everything it flushed in it.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/block.h"

#define DISK (4u << 20)

struct fx {
	char dir[64];
	char msg[512];
	uint8_t *ref;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/vireo-qcow2-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->ref = malloc(DISK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd))
		return -1;
	free(f->ref);
	free(f);
	return 0;
}

/* Runs a shell command (in the fixture's directory, output to a log); its exit status. */
static int sh(struct fx *f, const char *fmt, ...)
{
	char cmd[1024], full[1200];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "cd %s && (%s) >>log 2>&1", f->dir, cmd);
	st = system(full);
	if (st)
		print_message("  '%s' -> %d (see %s/log)\n", cmd, st, f->dir);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool have_qemu(void)
{
	return system("qemu-img --version >/dev/null 2>&1") == 0 &&
	       system("qemu-io --version >/dev/null 2>&1") == 0;
}

static int open_img(struct fx *f, struct block **b, const char *name, bool ro)
{
	char path[128];
	struct block_opts o = {.path = path, .fd = -1, .read_only = ro};

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	return block_open(b, &o, f->msg, sizeof(f->msg));
}

/* A raw file of DISK random bytes, also in f->ref. */
static void make_base(struct fx *f, const char *name, uint32_t seed)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	srandom(seed);
	for (unsigned i = 0; i < DISK; i++)
		f->ref[i] = (uint8_t)random();
	assert_int_equal(pwrite(fd, f->ref, DISK, 0), DISK);
	close(fd);
}

/* Random writes, write-zeroes and discards through b, mirrored in f->ref. */
static void vireo_writes(struct fx *f, struct block *b, unsigned count, uint64_t maxlen,
			 uint32_t seed)
{
	uint8_t *buf = malloc(maxlen);

	srandom(seed);
	for (unsigned i = 0; i < count; i++) {
		uint64_t len = 1 + (uint64_t)random() % maxlen, pos = (uint64_t)random() % DISK;
		unsigned op = (unsigned)random() % 16;

		if (pos + len > DISK)
			len = DISK - pos;
		if (op == 0) {
			assert_int_equal(block_write_zeroes(b, pos, len, random() & 1), 0);
			memset(f->ref + pos, 0, len);
		} else if (op == 1) {
			assert_int_equal(block_discard(b, pos, len), 0);
			/* Contents unspecified: take what reads back. */
			assert_int_equal(block_read(b, f->ref + pos, len, pos), 0);
		} else {
			for (uint64_t k = 0; k < len; k++)
				buf[k] = (uint8_t)random();
			assert_int_equal(block_write(b, buf, len, pos), 0);
			memcpy(f->ref + pos, buf, len);
		}
	}
	free(buf);
}

/* Writes f->ref as a raw file. */
static void save_ref(struct fx *f, const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, f->ref, DISK, 0), DISK);
	close(fd);
}

/* Overlays made by qemu-img over a raw base, written by Vireo; check and compare. */
static void test_vireo_writes_qemu_checks(void **state)
{
	static const struct {
		const char *opts;
		uint64_t maxlen;
	} v[] = {
	    {"cluster_size=512", 3000},
	    {"cluster_size=4096,refcount_bits=1", 20000},
	    {"cluster_size=65536", 200000},
	    {"cluster_size=65536,refcount_bits=64", 100000},
	    {"cluster_size=2M,refcount_bits=8", 300000},
	    {"compat=0.10,cluster_size=16384", 50000},
	};
	struct fx *f = *state;
	struct block *b;

	if (!have_qemu())
		skip();
	for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		print_message("  %s\n", v[i].opts);
		make_base(f, "base.raw", 100 + i);
		sh(f, "rm -f ov.qcow2");
		assert_int_equal(sh(f,
				    "qemu-img create -q -f qcow2 -o %s -b base.raw -F raw "
				    "ov.qcow2",
				    v[i].opts),
				 0);
		assert_int_equal(open_img(f, &b, "ov.qcow2", false), 0);
		vireo_writes(f, b, 300, v[i].maxlen, 200 + i);
		assert_int_equal(block_flush(b), 0);
		block_close(b);
		save_ref(f, "ref.raw");
		assert_int_equal(sh(f, "qemu-img check -q ov.qcow2"), 0);
		assert_int_equal(sh(f, "qemu-img compare -q ov.qcow2 ref.raw"), 0);
	}
}

/* base.raw <- mid.qcow2 (qemu-io writes) <- top.qcow2 (Vireo writes), and Vireo's own images. */
static void test_chain_and_create(void **state)
{
	struct fx *f = *state;
	struct qcow2_create_opts co = {
	    .cluster_bits = 12, .backing = "mid.qcow2", .backing_format = BLOCK_FORMAT_QCOW2};
	char path[128];
	struct block *b;

	if (!have_qemu())
		skip();
	make_base(f, "base.raw", 7);
	assert_int_equal(sh(f, "qemu-img create -q -f qcow2 -b base.raw -F raw mid.qcow2"), 0);
	assert_int_equal(sh(f, "qemu-io -f qcow2 -c 'write -P 0xa5 1000 100000' "
			       "-c 'write -z 300000 70000' -c 'discard 0 65536' mid.qcow2"),
			 0);
	memset(f->ref + 1000, 0xa5, 100000);
	memset(f->ref + 300000, 0, 70000);
	/* Vireo's own overlay on it: check and compare after writes. */
	snprintf(path, sizeof(path), "%s/top.qcow2", f->dir);
	assert_int_equal(qcow2_create(path, &co, f->msg, sizeof(f->msg)), 0);
	assert_int_equal(sh(f, "qemu-img check -q top.qcow2"), 0);
	assert_int_equal(open_img(f, &b, "top.qcow2", false), 0);
	assert_int_equal(block_size(b), DISK);
	/* The discarded cluster of mid is unspecified: take what reads back. */
	assert_int_equal(block_read(b, f->ref, 65536, 0), 0);
	vireo_writes(f, b, 300, 30000, 8);
	block_close(b);
	save_ref(f, "ref.raw");
	assert_int_equal(sh(f, "qemu-img check -q top.qcow2"), 0);
	assert_int_equal(sh(f, "qemu-img compare -q top.qcow2 ref.raw"), 0);
}

/* qemu-io writes a fresh image and an overlay; Vireo reads what qemu-img convert reads. */
static void test_qemu_writes_vireo_reads(void **state)
{
	struct fx *f = *state;
	uint8_t *got = malloc(DISK);
	struct block *b;
	char path[128];
	int fd;

	if (!have_qemu())
		skip();
	make_base(f, "base.raw", 9);
	assert_int_equal(sh(f, "qemu-img create -q -f qcow2 -o cluster_size=8192 -b base.raw "
			       "-F raw ov.qcow2"),
			 0);
	assert_int_equal(sh(f, "qemu-io -f qcow2 -c 'write -P 0x11 4095 9000' "
			       "-c 'write -P 0x22 1048576 1048577' -c 'write -z 2500000 40000' "
			       "-c 'write -z -u 3000000 65536' -c 'write -P 0x33 4193792 512' "
			       "ov.qcow2"),
			 0);
	assert_int_equal(sh(f, "qemu-img convert -O raw ov.qcow2 conv.raw"), 0);
	snprintf(path, sizeof(path), "%s/conv.raw", f->dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, f->ref, DISK, 0), DISK);
	close(fd);
	assert_int_equal(open_img(f, &b, "ov.qcow2", true), 0);
	assert_int_equal(block_read(b, got, DISK, 0), 0);
	assert_memory_equal(got, f->ref, DISK);
	block_close(b);
	/* Compressed clusters are refused with -ENOTSUP (docs/qcow2.md). */
	assert_int_equal(sh(f, "qemu-img convert -c -O qcow2 conv.raw comp.qcow2"), 0);
	assert_int_equal(open_img(f, &b, "comp.qcow2", true), 0);
	assert_int_equal(block_read(b, got, 4096, 0), -ENOTSUP);
	block_close(b);
	free(got);
}

#define GEN_BYTES (16u << 10)

/* The killed writer: generation g writes GEN_BYTES of g at g * GEN_BYTES + 1000, flushes, reports.
 */
static void crash_writer(struct fx *f, int out)
{
	static uint8_t buf[GEN_BYTES];
	struct block *b;

	if (open_img(f, &b, "ov.qcow2", false))
		_exit(1);
	for (uint32_t g = 1; g < DISK / GEN_BYTES - 1; g++) {
		memset(buf, (int)g, sizeof(buf));
		if (block_write(b, buf, sizeof(buf), g * GEN_BYTES + 1000) ||
		    block_write(b, buf, 512, DISK - 512 * g)) /* a second cluster per batch */
			_exit(2);
		if (g % 3 == 0 && block_flush(b))
			_exit(3);
		if (g % 3 == 0 && write(out, &g, sizeof(g)) != sizeof(g))
			_exit(4);
	}
	for (;;)
		pause();
}

/* Kills the writer after some flushes, then checks the image and the flushed data. */
static void test_killed_writer(void **state)
{
	struct fx *f = *state;
	uint32_t last = 0, g;
	uint8_t buf[GEN_BYTES];
	struct block *b;
	int p[2], st, rc;
	pid_t pid;

	if (!have_qemu())
		skip();
	make_base(f, "base.raw", 11);
	assert_int_equal(sh(f, "qemu-img create -q -f qcow2 -o cluster_size=65536 -b base.raw "
			       "-F raw ov.qcow2"),
			 0);
	for (unsigned round = 0; round < 3; round++) {
		assert_int_equal(pipe(p), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			crash_writer(f, p[1]);
		}
		close(p[1]);
		/* Kill it at a different point each round, mid-stream. */
		while (last < 10 + 25 * round && read(p[0], &g, sizeof(g)) == sizeof(g))
			last = g;
		kill(pid, SIGKILL);
		while (read(p[0], &g, sizeof(g)) == sizeof(g))
			last = g;
		close(p[0]);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		/* 0: clean, 3: leaked clusters only (allowed after a crash), 2: corruption. */
		rc = sh(f, "qemu-img check -q ov.qcow2");
		assert_true(rc == 0 || rc == 3);
		assert_int_equal(open_img(f, &b, "ov.qcow2", true), 0);
		for (g = 1; g <= last; g++) {
			uint8_t want[GEN_BYTES];

			memset(want, (int)g, sizeof(want));
			assert_int_equal(block_read(b, buf, sizeof(buf), g * GEN_BYTES + 1000), 0);
			assert_memory_equal(buf, want, sizeof(buf));
		}
		block_close(b);
		last = 0;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_vireo_writes_qemu_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_chain_and_create, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_qemu_writes_vireo_reads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_killed_writer, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
