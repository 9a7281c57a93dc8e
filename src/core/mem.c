/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest RAM backends and the "page written" notion (DESIGN.md, the VM model; docs/vm-model.md):
 * every write to RAM that does not go through a hart's fast TLB path calls mem_written(), and
 * a hart only gets a fast write entry for a page whose writes need no bookkeeping.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/vm.h"
#include "cpu/hart.h"

/* Maps the RAM for backend; 0 or -errno (vm->ram stays NULL on failure). */
static int mem_map(struct vm *vm, enum mem_backend backend, int fd)
{
	/* NORESERVE: a big guest only costs the host the pages it touches. */
	int flags = MAP_NORESERVE, mfd = -1;
	struct stat st;
	void *p;

	switch (backend) {
	case MEM_ANON:
		flags |= MAP_PRIVATE | MAP_ANONYMOUS;
		break;
	case MEM_MEMFD:
		mfd = memfd_create("vireo-ram", MFD_CLOEXEC);
		if (mfd < 0)
			return -errno;
		if (ftruncate(mfd, (off_t)vm->ram_size)) {
			int err = -errno;
			close(mfd);
			return err;
		}
		fd = mfd;
		flags |= MAP_SHARED;
		break;
	case MEM_FILE_COW:
		if (fd < 0 || fstat(fd, &st))
			return fd < 0 ? -EBADF : -errno;
		/* Past the file's end a private mapping raises SIGBUS instead of reading zeros. */
		if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < vm->ram_size)
			return -EINVAL;
		flags |= MAP_PRIVATE;
		break;
	default:
		return -EINVAL;
	}
	p = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE, flags, backend == MEM_ANON ? -1 : fd,
		 0);
	if (p == MAP_FAILED) {
		int err = -errno;
		if (mfd >= 0)
			close(mfd);
		return err;
	}
	vm->ram = p;
	vm->ram_fd = mfd;
	return 0;
}

int mem_create(struct vm *vm, enum mem_backend backend, int fd)
{
	uint64_t pages = vm->ram_size >> VM_PAGE_SHIFT;
	int err;

	vm->ram_fd = -1;
	atomic_init(&vm->dirty_log, false);
	err = mem_map(vm, backend, fd);
	if (err)
		return err;
	vm->code_pages = calloc(pages, sizeof(*vm->code_pages));
	vm->code_gen = calloc(pages, sizeof(*vm->code_gen));
	vm->dirty = calloc((pages + 63) / 64, sizeof(*vm->dirty));
	if (!vm->code_pages || !vm->code_gen || !vm->dirty)
		return -ENOMEM;
	return 0;
}

void mem_destroy(struct vm *vm)
{
	free((void *)vm->code_pages);
	free((void *)vm->code_gen);
	free((void *)vm->dirty);
	vm->code_pages = NULL;
	vm->code_gen = NULL;
	vm->dirty = NULL;
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	vm->ram = NULL;
	if (vm->ram_fd >= 0)
		close(vm->ram_fd);
	vm->ram_fd = -1;
}

int mem_fd(const struct vm *vm)
{
	return vm->ram_fd;
}

static bool dirty_test(const struct vm *vm, uint64_t ppn)
{
	return atomic_load_explicit(&vm->dirty[ppn / 64], memory_order_relaxed) >> (ppn % 64) & 1;
}

int mem_written(struct vm *vm, uint64_t gpa, uint64_t len)
{
	bool log = atomic_load_explicit(&vm->dirty_log, memory_order_relaxed);
	uint64_t first, last;
	int code = 0;

	if (!len || !vm_ram_ptr(vm, gpa, len))
		return 0;
	first = (gpa - vm->ram_base) >> VM_PAGE_SHIFT;
	last = (gpa - vm->ram_base + len - 1) >> VM_PAGE_SHIFT;
	for (uint64_t ppn = first; ppn <= last; ppn++) {
		if (log && !dirty_test(vm, ppn))
			atomic_fetch_or_explicit(&vm->dirty[ppn / 64], 1ull << (ppn % 64),
						 memory_order_relaxed);
		/* Self-modifying code: decoders see a new generation and decode again. */
		if (!atomic_load_explicit(&vm->code_pages[ppn], memory_order_acquire))
			continue;
		atomic_fetch_add_explicit(&vm->code_gen[ppn], 1, memory_order_release);
		atomic_store_explicit(&vm->code_pages[ppn], 0, memory_order_release);
		code = 1;
	}
	return code;
}

bool mem_write_fast_ok(const struct vm *vm, uint64_t ppn)
{
	if (atomic_load_explicit(&vm->code_pages[ppn], memory_order_acquire))
		return false;
	return !atomic_load_explicit(&vm->dirty_log, memory_order_acquire) || dirty_test(vm, ppn);
}

/*
 * Drops every write entry of every hart. Pairs with the check after a write fill
 * (decode_check_fill): the caller changed what mem_write_fast_ok() answers and fenced; a
 * hart filling stored its entry, fenced and asks again, so no stale fast entry survives.
 */
static void mem_drop_write_entries(struct vm *vm)
{
	atomic_thread_fence(memory_order_seq_cst);
	for (unsigned n = 0; n < vm->nharts; n++) {
		struct hart *h = vm->harts[n];

		if (!h)
			continue;
		for (unsigned k = 0; k < TLB_COUNT; k++)
			for (unsigned i = 0; i < TLB_SIZE; i++)
				__atomic_store_n(&h->tlb[k][i].tag_w, TLB_INVALID,
						 __ATOMIC_RELAXED);
	}
}

void mem_dirty_log(struct vm *vm, bool on)
{
	atomic_store_explicit(&vm->dirty_log, on, memory_order_seq_cst);
	if (on)
		mem_drop_write_entries(vm);
}

size_t mem_dirty_words(const struct vm *vm)
{
	return (size_t)((vm->ram_size >> VM_PAGE_SHIFT) + 63) / 64;
}

int mem_dirty_read_clear(struct vm *vm, uint64_t *bitmap, size_t words)
{
	size_t n = mem_dirty_words(vm);

	if (words < n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		bitmap[i] = atomic_exchange_explicit(&vm->dirty[i], 0, memory_order_acq_rel);
	mem_drop_write_entries(vm);
	return 0;
}
