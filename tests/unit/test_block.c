/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host block backends (src/host/block*.c): raw and qcow2 round trips against an in-memory
 * reference (random offsets and lengths, across cluster boundaries, 512 B to 2 MiB
 * clusters), backing chains (raw and qcow2, relative names, loops, depth), discard and
 * write-zeroes over a backing file, and qcow2 headers and tables made hostile field by field:
 * each must be refused with the right -errno, and random corruption must never crash.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/block.h"

struct fx {
	char dir[64];
	char msg[512];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/vireo-block-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
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
	free(f);
	return 0;
}

/* dir/name into out. */
static const char *pathof(struct fx *f, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", f->dir, name);
	return out;
}

static int open_img(struct fx *f, struct block **b, const char *path, enum block_format fmt,
		    bool ro)
{
	struct block_opts o = {.path = path, .fd = -1, .format = fmt, .read_only = ro};

	f->msg[0] = '\0';
	return block_open(b, &o, f->msg, sizeof(f->msg));
}

static void make_qcow2(struct fx *f, const char *path, uint64_t size, unsigned cb,
		       const char *backing, enum block_format bfmt)
{
	struct qcow2_create_opts o = {
	    .size = size, .cluster_bits = cb, .backing = backing, .backing_format = bfmt};

	assert_int_equal(qcow2_create(path, &o, f->msg, sizeof(f->msg)), 0);
}

static void make_raw(const char *path, uint64_t size, uint8_t *ref, uint32_t seed)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	srandom(seed);
	for (uint64_t i = 0; i < size; i++)
		ref[i] = (uint8_t)random();
	assert_int_equal(pwrite(fd, ref, size, 0), (ssize_t)size);
	close(fd);
}

/* Writes random pieces through b and into ref, checking reads back now and then. */
static void random_writes(struct block *b, uint8_t *ref, uint64_t size, unsigned count,
			  uint64_t maxlen, uint32_t seed)
{
	uint8_t *buf = malloc(maxlen);

	srandom(seed);
	for (unsigned i = 0; i < count; i++) {
		uint64_t len = 1 + (uint64_t)random() % maxlen, pos = (uint64_t)random() % size;

		if (pos + len > size)
			len = size - pos;
		for (uint64_t k = 0; k < len; k++)
			buf[k] = (uint8_t)random();
		assert_int_equal(block_write(b, buf, len, pos), 0);
		memcpy(ref + pos, buf, len);
		if (i % 8 == 0) {
			pos = (uint64_t)random() % size;
			len = size - pos < maxlen ? size - pos : maxlen;
			assert_int_equal(block_read(b, buf, len, pos), 0);
			assert_memory_equal(buf, ref + pos, len);
		}
	}
	free(buf);
}

/* The whole disk reads as ref. */
static void check_all(struct block *b, const uint8_t *ref, uint64_t size)
{
	uint8_t *buf = malloc(size);

	assert_int_equal(block_read(b, buf, size, 0), 0);
	assert_memory_equal(buf, ref, size);
	free(buf);
}

static void test_raw_roundtrip(void **state)
{
	struct fx *f = *state;
	uint64_t size = 1 << 20;
	uint8_t *ref = malloc(size);
	struct block *b;
	char p[128];

	make_raw(pathof(f, "raw.img", p, sizeof(p)), size, ref, 1);
	assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_AUTO, false), 0);
	assert_int_equal(block_size(b), size);
	random_writes(b, ref, size, 200, 9000, 2);
	assert_int_equal(block_flush(b), 0);
	assert_int_equal(block_write_zeroes(b, 4096, 8192, false), 0);
	memset(ref + 4096, 0, 8192);
	check_all(b, ref, size);
	block_close(b);
	/* Read-only refuses writes. */
	assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_RAW, true), 0);
	assert_int_equal(block_write(b, ref, 512, 0), -EROFS);
	assert_int_equal(block_read(b, ref, 512, size - 256), -EINVAL);
	block_close(b);
	free(ref);
}

/* A fresh qcow2 image of each cluster size: zeros, then random writes, reopen, compare. */
static void test_qcow2_roundtrip(void **state)
{
	static const unsigned bits[] = {9, 12, 16, 21};
	struct fx *f = *state;
	uint64_t size = 6 << 20;
	uint8_t *ref = calloc(1, size);
	struct block *b;
	char p[128], name[32];

	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		snprintf(name, sizeof(name), "q%u.qcow2", bits[i]);
		pathof(f, name, p, sizeof(p));
		make_qcow2(f, p, size, bits[i], NULL, BLOCK_FORMAT_AUTO);
		memset(ref, 0, size);
		assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_AUTO, false), 0);
		assert_int_equal(block_size(b), size);
		check_all(b, ref, size);
		random_writes(b, ref, size, 150, bits[i] < 16 ? 3 << bits[i] : 150000, 10 + i);
		assert_int_equal(block_flush(b), 0);
		check_all(b, ref, size);
		block_close(b);
		assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_QCOW2, true), 0);
		check_all(b, ref, size);
		block_close(b);
	}
	free(ref);
}

/* raw base <- mid.qcow2 <- top.qcow2 (relative names), writes at each level. */
static void test_backing_chain(void **state)
{
	struct fx *f = *state;
	uint64_t size = 2 << 20, bsize = size - 3 * 512; /* the base is shorter: zeros past it */
	uint8_t *ref = calloc(1, size);
	struct block *b;
	char base[128], mid[128], top[128];

	make_raw(pathof(f, "base.raw", base, sizeof(base)), bsize, ref, 3);
	pathof(f, "mid.qcow2", mid, sizeof(mid));
	pathof(f, "top.qcow2", top, sizeof(top));
	make_qcow2(f, mid, size, 12, "base.raw", BLOCK_FORMAT_RAW);
	assert_int_equal(open_img(f, &b, mid, BLOCK_FORMAT_AUTO, false), 0);
	check_all(b, ref, size);
	random_writes(b, ref, size, 60, 10000, 4);
	block_close(b);
	make_qcow2(f, top, 0, 9, "mid.qcow2", BLOCK_FORMAT_QCOW2); /* size from mid */
	assert_int_equal(open_img(f, &b, top, BLOCK_FORMAT_AUTO, false), 0);
	assert_int_equal(block_size(b), size);
	check_all(b, ref, size);
	random_writes(b, ref, size, 100, 3000, 5);
	check_all(b, ref, size);
	/* Write-zeroes must hide the backing file; discard leaves contents unspecified. */
	assert_int_equal(block_write_zeroes(b, 1000, 70000, true), 0);
	memset(ref + 1000, 0, 70000);
	assert_int_equal(block_write_zeroes(b, 300000, 5000, false), 0);
	memset(ref + 300000, 0, 5000);
	assert_int_equal(block_write_zeroes(b, size - 4096, 4096, true), 0);
	memset(ref + size - 4096, 0, 4096);
	check_all(b, ref, size);
	/* After a discard each cluster reads as before or as zeros (unspecified, 5.2.6.2). */
	assert_int_equal(block_discard(b, 512 * 1024, 65536), 0);
	{
		uint8_t got[512], zero[512] = {0};

		for (uint64_t pos = 512 * 1024; pos < 512 * 1024 + 65536; pos += 512) {
			assert_int_equal(block_read(b, got, 512, pos), 0);
			if (memcmp(got, ref + pos, 512))
				assert_memory_equal(got, zero, 512);
			memcpy(ref + pos, got, 512);
		}
	}
	check_all(b, ref, size);
	/* Writes into discarded / zeroed clusters allocate again. */
	random_writes(b, ref, size, 50, 2000, 6);
	check_all(b, ref, size);
	block_close(b);
	assert_int_equal(open_img(f, &b, top, BLOCK_FORMAT_AUTO, true), 0);
	check_all(b, ref, size);
	block_close(b);
	free(ref);
}

/* Patches len bytes at off of the file at path. */
static void patch(const char *path, uint64_t off, const void *data, size_t len)
{
	int fd = open(path, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, data, len, (off_t)off), (ssize_t)len);
	close(fd);
}

static void patch32(const char *path, uint64_t off, uint32_t v)
{
	v = htobe32(v);
	patch(path, off, &v, 4);
}

static void patch64(const char *path, uint64_t off, uint64_t v)
{
	v = htobe64(v);
	patch(path, off, &v, 8);
}

/* One hostile field: a fresh 64 KiB-cluster image with a write, patched, then opened. */
struct bad_case {
	const char *what;
	uint64_t off;
	unsigned width; /* 4 or 8; 0: truncate the file to off */
	uint64_t val;
	int err; /* expected from a read-write open */
};

static void test_bad_headers(void **state)
{
	/* Image layout from qcow2_create: header, refcount table, refcount block, L1. */
	static const struct bad_case cases[] = {
	    {"truncated", 50, 0, 0, -EINVAL},
	    {"truncated v3", 90, 0, 0, -EINVAL},
	    {"bad magic", 0, 4, 0x51464900, -EINVAL},
	    {"version 1", 4, 4, 1, -ENOTSUP},
	    {"version 4", 4, 4, 4, -ENOTSUP},
	    {"cluster_bits 8", 20, 4, 8, -EINVAL},
	    {"cluster_bits 22", 20, 4, 22, -EINVAL},
	    {"cluster_bits huge", 20, 4, 0xffffffff, -EINVAL},
	    {"huge size", 24, 8, 1ull << 62, -EINVAL},
	    {"size beyond L1", 24, 8, 1ull << 40, -EINVAL},
	    {"encrypted", 32, 4, 1, -ENOTSUP},
	    {"l1_size huge", 36, 4, 0xffffffff, -EINVAL},
	    {"L1 outside the file", 40, 8, 1ull << 40, -EINVAL},
	    {"L1 unaligned", 40, 8, 3 * 65536 + 512, -EINVAL},
	    {"L1 at the header", 40, 8, 0, -EINVAL},
	    {"L1 offset overflow", 40, 8, ~0ull << 16, -EINVAL},
	    {"refcount table outside", 48, 8, 1ull << 40, -EINVAL},
	    {"refcount table unaligned", 48, 8, 65536 + 8, -EINVAL},
	    {"refcount table on L1", 48, 8, 3 * 65536, -EINVAL},
	    {"refcount clusters 0", 56, 4, 0, -EINVAL},
	    {"refcount clusters huge", 56, 4, 0x40000000, -EINVAL},
	    {"unknown incompatible bit", 72, 8, 1ull << 40, -ENOTSUP},
	    {"external data file", 72, 8, 1ull << 2, -ENOTSUP},
	    {"extended L2", 72, 8, 1ull << 4, -ENOTSUP},
	    {"dirty", 72, 8, 1ull << 0, -ENOTSUP},
	    {"corrupt", 72, 8, 1ull << 1, -EINVAL},
	    {"snapshots", 60, 4, 1, -ENOTSUP},
	    {"refcount_order 7", 96, 4, 7, -EINVAL},
	    {"header_length small", 100, 4, 72, -EINVAL},
	    {"header_length huge", 100, 4, 1 << 20, -EINVAL},
	    {"backing name outside", 8, 8, 1ull << 30, -EINVAL},
	    {"backing name in header", 8, 8, 16, -EINVAL},
	    {"extension overrun", 104, 8, 0x12345678000fffffull, -EINVAL},
	    {"L1 entry outside", 3 * 65536, 8, 1ull << 40, -EINVAL},
	    {"L1 entry reserved bits", 3 * 65536, 8, 4 * 65536 | 1, -EINVAL},
	    {"L1 entry on the header", 3 * 65536, 8, 1ull << 63 | 0, 0},
	    {"L1 entry on the refcount table", 3 * 65536, 8, 65536, -EINVAL},
	    {"refcount table entry outside", 65536, 8, 1ull << 40, -EINVAL},
	    {"refcount table entry unaligned", 65536, 8, 2 * 65536 + 512, -EINVAL},
	};
	struct fx *f = *state;
	char p[128];
	struct block *b;
	uint8_t buf[4096] = {1};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];

		pathof(f, "bad.qcow2", p, sizeof(p));
		unlink(p);
		make_qcow2(f, p, 64 << 20, 16, NULL, BLOCK_FORMAT_AUTO);
		assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_AUTO, false), 0);
		assert_int_equal(block_write(b, buf, sizeof(buf), 1 << 20), 0);
		block_close(b);
		if (!c->width)
			assert_int_equal(truncate(p, (off_t)c->off), 0);
		else if (c->width == 4)
			patch32(p, c->off, (uint32_t)c->val);
		else
			patch64(p, c->off, c->val);
		print_message("  %s\n", c->what);
		assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_QCOW2, false), c->err);
		if (c->err) {
			assert_null(b);
			assert_true(strlen(f->msg) > 0);
		} else {
			block_close(b);
		}
	}
	/* A backing file name too long, or overrunning the header cluster. */
	unlink(p);
	make_qcow2(f, p, 64 << 20, 16, NULL, BLOCK_FORMAT_AUTO);
	assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_AUTO, false), 0);
	assert_int_equal(block_write(b, buf, sizeof(buf), 1 << 20), 0);
	block_close(b);
	patch64(p, 8, 0x200);
	patch32(p, 16, 5000);
	assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_QCOW2, true), -EINVAL);
	patch64(p, 8, 65536 - 100);
	patch32(p, 16, 200);
	assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_QCOW2, true), -EINVAL);
	patch64(p, 8, 0);
	/* Dirty and corrupt images still open read-only. */
	patch64(p, 72, 3);
	assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_QCOW2, true), 0);
	assert_int_equal(block_read(b, buf, sizeof(buf), 1 << 20), 0);
	assert_int_equal(buf[0], 1);
	block_close(b);
}

/* An L2 entry that points outside the file, or is compressed, fails the I/O, not the host. */
static void test_bad_l2_entries(void **state)
{
	struct fx *f = *state;
	uint8_t buf[512] = {7};
	struct block *b;
	uint64_t l2;
	char p[128];
	int fd;

	make_qcow2(f, pathof(f, "l2.qcow2", p, sizeof(p)), 1 << 20, 16, NULL, BLOCK_FORMAT_AUTO);
	assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_AUTO, false), 0);
	assert_int_equal(block_write(b, buf, sizeof(buf), 0), 0);
	block_close(b);
	fd = open(p, O_RDONLY);
	assert_int_equal(pread(fd, &l2, 8, 3 * 65536), 8);
	close(fd);
	l2 = be64toh(l2) & 0x00fffffffffffe00ull;
	patch64(p, l2, 1ull << 63 | 1ull << 40); /* data cluster far outside the file */
	assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_AUTO, false), 0);
	assert_int_equal(block_read(b, buf, sizeof(buf), 0), -EIO);
	assert_int_equal(block_write(b, buf, sizeof(buf), 0), -EIO);
	block_close(b);
	patch64(p, l2, 1ull << 62 | 5 * 65536); /* compressed */
	assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_AUTO, false), 0);
	assert_int_equal(block_read(b, buf, sizeof(buf), 0), -ENOTSUP);
	block_close(b);
	patch64(p, l2, 2 * 65536 | 1ull << 63); /* the refcount block as data */
	assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_AUTO, false), 0);
	assert_int_equal(block_read(b, buf, sizeof(buf), 0), 0); /* not detected: see docs */
	patch64(p, l2, 65536 | 1ull << 63);			 /* the refcount table */
	assert_int_equal(block_read(b, buf, sizeof(buf), 0), -EIO);
	block_close(b);
}

/* Backing files: missing, a loop, a chain too long, refused when not allowed. */
static void test_backing_errors(void **state)
{
	struct fx *f = *state;
	struct block_opts o = {.fd = -1, .read_only = true, .no_backing = true};
	struct block *b;
	char p[128], q[128], name[32];

	make_qcow2(f, pathof(f, "orphan.qcow2", p, sizeof(p)), 1 << 20, 16, NULL,
		   BLOCK_FORMAT_AUTO);
	patch(p, 0x200, "nothere.raw", 11);
	patch64(p, 8, 0x200);
	patch32(p, 16, 11);
	assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_AUTO, true), -ENOENT);
	assert_non_null(strstr(f->msg, "nothere.raw"));
	o.path = p;
	assert_int_equal(block_open(&b, &o, f->msg, sizeof(f->msg)), -EPERM);
	/* An image that is its own backing file. */
	patch(p, 0x200, "orphan.qcow2", 12);
	patch32(p, 16, 12);
	assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_AUTO, true), -ELOOP);
	/* A chain of 16 opens; 17 does not. */
	make_raw(pathof(f, "c0", q, sizeof(q)), 4096, (uint8_t[4096]){0}, 1);
	for (unsigned i = 1; i <= BLOCK_MAX_CHAIN; i++) {
		char prev[32];

		snprintf(prev, sizeof(prev), "c%u", i - 1);
		snprintf(name, sizeof(name), "c%u", i);
		make_qcow2(f, pathof(f, name, q, sizeof(q)), 0, 9, prev,
			   i == 1 ? BLOCK_FORMAT_RAW : BLOCK_FORMAT_QCOW2);
	}
	snprintf(name, sizeof(name), "c%u", BLOCK_MAX_CHAIN - 1);
	assert_int_equal(open_img(f, &b, pathof(f, name, q, sizeof(q)), BLOCK_FORMAT_AUTO, true),
			 0);
	block_close(b);
	snprintf(name, sizeof(name), "c%u", BLOCK_MAX_CHAIN);
	assert_int_equal(open_img(f, &b, pathof(f, name, q, sizeof(q)), BLOCK_FORMAT_AUTO, true),
			 -ELOOP);
}

/* The refcount table is not grown: a full one gives -ENOSPC, and the image stays readable. */
static void test_refcount_table_full(void **state)
{
	struct fx *f = *state;
	uint64_t size = 16 << 20; /* 512 B clusters: one table cluster covers 8 MiB of file */
	uint8_t *buf = calloc(1, 1 << 20);
	struct block *b;
	uint64_t pos;
	char p[128];
	int err = 0;

	make_qcow2(f, pathof(f, "full.qcow2", p, sizeof(p)), size, 9, NULL, BLOCK_FORMAT_AUTO);
	assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_AUTO, false), 0);
	memset(buf, 0x5a, 1 << 20);
	for (pos = 0; pos < size && !err; pos += 1 << 20)
		err = block_write(b, buf, 1 << 20, pos);
	assert_int_equal(err, -ENOSPC);
	block_close(b);
	assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_AUTO, true), 0);
	assert_int_equal(block_read(b, buf, 4096, 0), 0);
	assert_int_equal(buf[0], 0x5a);
	block_close(b);
	free(buf);
}

/* Random byte corruption of the metadata: opens and reads fail or succeed, never crash. */
static void test_random_corruption(void **state)
{
	struct fx *f = *state;
	uint8_t *buf = malloc(1 << 20), orig[5 * 4096];
	struct block *b;
	char p[128];
	int fd;

	make_qcow2(f, pathof(f, "fuzz.qcow2", p, sizeof(p)), 1 << 20, 12, NULL, BLOCK_FORMAT_AUTO);
	assert_int_equal(open_img(f, &b, p, BLOCK_FORMAT_AUTO, false), 0);
	memset(buf, 0x33, 1 << 20);
	assert_int_equal(block_write(b, buf, 300000, 5000), 0);
	block_close(b);
	fd = open(p, O_RDWR);
	assert_int_equal(pread(fd, orig, sizeof(orig), 0), (ssize_t)sizeof(orig));
	srandom(99);
	for (unsigned i = 0; i < 400; i++) {
		uint8_t v[4];
		uint64_t off = (uint64_t)random() % sizeof(orig);

		for (unsigned k = 0; k < 4; k++)
			v[k] = (uint8_t)random();
		assert_int_equal(pwrite(fd, orig, sizeof(orig), 0), (ssize_t)sizeof(orig));
		assert_true(pwrite(fd, v, 1 + (size_t)random() % 4, (off_t)off) > 0);
		if (open_img(f, &b, p, BLOCK_FORMAT_QCOW2, i % 8 != 0) == 0) {
			(void)block_read(b, buf,
					 block_size(b) < (1 << 20) ? block_size(b) : 1 << 20, 0);
			(void)block_write(b, buf, 4096, 8192);
			block_close(b);
		}
		/* The fuzz entry point on the same bytes. */
		assert_int_equal(pwrite(fd, orig, sizeof(orig), 0), (ssize_t)sizeof(orig));
		assert_true(pwrite(fd, v, 1 + (size_t)random() % 4, (off_t)off) > 0);
		(void)block_qcow2_exercise(fd, i % 4 == 1);
	}
	close(fd);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_raw_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_qcow2_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backing_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_headers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_l2_entries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backing_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refcount_table_full, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_random_corruption, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
