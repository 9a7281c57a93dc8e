/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest RAM (src/core/mem.c): the backends, and the dirty log fed by every kind of RAM write
 * (guest stores, misaligned page-crossing stores, AMOs and SC, device DMA, loaders).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/loader.h"
#include "core/mem.h"
#include "core/vm.h"
#include "cpu/access.h"
#include "cpu/hart.h"
#include "virtio/virtio.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (16ull << 20)
#define WORDS ((RAM_SIZE >> VM_PAGE_SHIFT) / 64)

static struct vm *vm_new(enum mem_backend backend, int fd)
{
	struct vm_config cfg = {
	    .ram_size = RAM_SIZE, .nharts = 1, .ram_backend = backend, .ram_file_fd = fd};
	struct vm *vm;

	assert_int_equal(vm_create(&vm, &cfg), 0);
	return vm;
}

/* Reads and clears the dirty log; asserts that exactly the n pages in want are set. */
static void expect_dirty(struct vm *vm, const uint64_t *want, size_t n)
{
	uint64_t got[WORDS], exp[WORDS] = {0};

	for (size_t i = 0; i < n; i++)
		exp[want[i] / 64] |= 1ull << (want[i] % 64);
	assert_int_equal(mem_dirty_read_clear(vm, got, WORDS), 0);
	for (size_t w = 0; w < WORDS; w++)
		if (got[w] != exp[w])
			fail_msg("dirty word %zu: got 0x%016llx, want 0x%016llx", w,
				 (unsigned long long)got[w], (unsigned long long)exp[w]);
}

static struct tlb_entry *wentry(struct hart *h, uint64_t va)
{
	return &h->tlb_data[(va >> VM_PAGE_SHIFT) & (TLB_SIZE - 1)];
}

/* Slow-path stores mark the page; a fast write entry only exists for a page already dirty. */
static void test_store_fast_entry(void **state)
{
	struct vm *vm = vm_new(MEM_ANON, -1);
	struct hart *h = vm->harts[0];
	uint64_t va = RAM_BASE + 0x5000, ppn = 5;
	struct trap_info ti;
	uint64_t bm[WORDS];

	(void)state;
	assert_int_equal(mem_dirty_read_clear(vm, bm, WORDS - 1), -EINVAL);
	/* Logging off: the store gets a fast entry and nothing is tracked. */
	assert_int_equal(access_store(h, va, 8, 1, &ti), 0);
	assert_int_equal(wentry(h, va)->tag_w, va >> VM_PAGE_SHIFT);
	expect_dirty(vm, NULL, 0);
	/* Logging on drops the entry; the first store takes the slow path and marks the page. */
	mem_dirty_log(vm, true);
	assert_int_equal(wentry(h, va)->tag_w, TLB_INVALID);
	assert_int_equal(access_store(h, va, 8, 2, &ti), 0);
	assert_int_equal(wentry(h, va)->tag_w, TLB_INVALID);
	/* The page is dirty now: the next store may fill a fast entry. */
	assert_int_equal(access_store(h, va + 8, 4, 3, &ti), 0);
	assert_int_equal(wentry(h, va)->tag_w, va >> VM_PAGE_SHIFT);
	/* Read-and-clear returns the page and drops the entry, so the next write is seen. */
	expect_dirty(vm, &ppn, 1);
	assert_int_equal(wentry(h, va)->tag_w, TLB_INVALID);
	expect_dirty(vm, NULL, 0);
	assert_int_equal(access_store(h, va, 1, 4, &ti), 0);
	expect_dirty(vm, &ppn, 1);
	/* Off again: stores are not tracked. */
	mem_dirty_log(vm, false);
	assert_int_equal(access_store(h, va + 0x3000, 8, 5, &ti), 0);
	expect_dirty(vm, NULL, 0);
	vm_destroy(vm);
}

/*
 * A program run by the interpreter: sd twice on one page, sd on another, a misaligned sd
 * across two pages, amoadd.d, lr.d/sc.d, then the test finisher's poweroff.
 */
static const uint32_t prog_stores[] = {
    0x00b53023u, /* sd a1, 0(a0) */
    0x00b53423u, /* sd a1, 8(a0) */
    0x00b63023u, /* sd a1, 0(a2) */
    0x00b6b023u, /* sd a1, 0(a3) */
    0x00b7302fu, /* amoadd.d x0, a1, (a4) */
    0x1007b3afu, /* lr.d t2, (a5) */
    0x18b7b3afu, /* sc.d t2, a1, (a5) */
    0x001002b7u, /* lui t0, 0x100 */
    0x00005337u, /* lui t1, 0x5 */
    0x55530313u, /* addi t1, t1, 0x555 */
    0x0062a023u, /* sw t1, 0(t0): finisher pass */
    0x0000006fu, /* j . */
};

static void test_guest_program(void **state)
{
	struct vm *vm = vm_new(MEM_ANON, -1);
	struct hart *h = vm->harts[0];
	static const uint64_t want[] = {0x10, 0x20, 0x30, 0x31, 0x40, 0x50};
	uint64_t v;

	(void)state;
	memcpy(vm->ram, prog_stores, sizeof(prog_stores));
	h->x[10] = RAM_BASE + 0x10000;
	h->x[11] = 0x1122334455667788ull;
	h->x[12] = RAM_BASE + 0x20000;
	h->x[13] = RAM_BASE + 0x31000 - 3; /* straddles pages 0x30 and 0x31 */
	h->x[14] = RAM_BASE + 0x40000;
	h->x[15] = RAM_BASE + 0x50000;
	mem_dirty_log(vm, true);
	hart_run(h);
	assert_int_equal(atomic_load(&vm->state), VM_POWEROFF);
	assert_int_equal(h->x[7], 0); /* the SC succeeded */
	memcpy(&v, vm->ram + 0x31000 - 3, 8);
	assert_int_equal(v, 0x1122334455667788ull);
	expect_dirty(vm, want, sizeof(want) / sizeof(want[0]));
	vm_destroy(vm);
}

/* Device writes through the virtqueue helpers and loader writes are logged. */
static void test_dma_and_loader(void **state)
{
	struct vm *vm = vm_new(MEM_ANON, -1);
	struct virtio_dev vd = {.vm = vm};
	struct virtq_req req = {.nout = 1, .nin = 2};
	static const uint64_t dma[] = {0x100, 0x101, 0x200}, loaded[] = {0x300, 0x301};
	uint8_t buf[0x1800], out[16];
	char msg[128];

	(void)state;
	memset(buf, 0x5a, sizeof(buf));
	req.iov[0] = (struct iovec){vm->ram + 0x400000, 16};
	req.gpa[0] = RAM_BASE + 0x400000;
	req.iov[1] = (struct iovec){vm->ram + 0x100800, 0x1000};
	req.gpa[1] = RAM_BASE + 0x100800;
	req.iov[2] = (struct iovec){vm->ram + 0x200000, 0x1000};
	req.gpa[2] = RAM_BASE + 0x200000;
	mem_dirty_log(vm, true);
	/* Reading the driver's buffer marks nothing. */
	assert_int_equal(virtq_req_read(&req, 0, out, sizeof(out)), sizeof(out));
	expect_dirty(vm, NULL, 0);
	/* 0x1010 bytes: all of iov[1] (pages 0x100, 0x101) and 16 bytes of iov[2]. */
	assert_int_equal(virtq_req_write(&vd, &req, 0, buf, 0x1010), 0x1010);
	expect_dirty(vm, dma, 3);
	assert_int_equal(
	    loader_load_raw_mem(vm, buf, 0x1001, RAM_BASE + 0x300000, msg, sizeof(msg)), 0);
	expect_dirty(vm, loaded, 2);
	/* mem_written itself: ranges outside RAM are ignored. */
	assert_int_equal(mem_written(vm, RAM_BASE - 8, 16), 0);
	assert_int_equal(mem_written(vm, RAM_BASE + RAM_SIZE - 8, 16), 0);
	expect_dirty(vm, NULL, 0);
	vm_destroy(vm);
}

/* A memfd backend shows guest writes through its fd. */
static void test_memfd(void **state)
{
	struct vm *vm = vm_new(MEM_MEMFD, -1);
	struct trap_info ti;
	uint64_t v = 0;

	(void)state;
	assert_true(mem_fd(vm) >= 0);
	assert_int_equal(access_store(vm->harts[0], RAM_BASE + 0x123450, 8, 0xfeedf00dull, &ti), 0);
	assert_int_equal(pread(mem_fd(vm), &v, 8, 0x123450), 8);
	assert_int_equal(v, 0xfeedf00dull);
	vm_destroy(vm);
	vm = vm_new(MEM_ANON, -1);
	assert_int_equal(mem_fd(vm), -1);
	vm_destroy(vm);
}

/* A file mapped copy-on-write: the guest sees its contents, its writes never reach it. */
static void test_file_cow(void **state)
{
	char path[] = "/tmp/vireo-mem-XXXXXX";
	struct vm_config cfg = {.ram_size = RAM_SIZE, .nharts = 1, .ram_backend = MEM_FILE_COW};
	int fd = mkstemp(path);
	uint64_t v = 0x0123456789abcdefull, got = 0;
	struct trap_info ti;
	struct vm *vm;

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, RAM_SIZE / 2), 0);
	cfg.ram_file_fd = fd;
	assert_int_equal(vm_create(&vm, &cfg), -EINVAL); /* shorter than RAM */
	assert_int_equal(ftruncate(fd, RAM_SIZE), 0);
	assert_int_equal(pwrite(fd, &v, 8, 0x2000), 8);
	vm = vm_new(MEM_FILE_COW, fd);
	assert_int_equal(mem_fd(vm), -1);
	assert_memory_equal(vm->ram + 0x2000, &v, 8);
	assert_int_equal(access_store(vm->harts[0], RAM_BASE + 0x2000, 8, 42, &ti), 0);
	assert_int_equal(vm->ram[0x2000], 42);
	assert_int_equal(pread(fd, &got, 8, 0x2000), 8);
	assert_int_equal(got, v);
	vm_destroy(vm);
	cfg.ram_file_fd = -1;
	assert_int_equal(vm_create(&vm, &cfg), -EBADF);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_store_fast_entry), cmocka_unit_test(test_guest_program),
	    cmocka_unit_test(test_dma_and_loader),   cmocka_unit_test(test_memfd),
	    cmocka_unit_test(test_file_cow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
