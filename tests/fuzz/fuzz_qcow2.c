/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The qcow2 image parser and its I/O paths (src/host/block_qcow2.c): the input is a whole
 * image file, opened read-only and then writable (reads, writes, discards, zeroes, a flush)
 * through block_qcow2_exercise(), with no backing files. A memfd holds it, reused across
 * inputs; the writable pass runs on a fresh copy of the input.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host/block.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Puts the input in the memfd as the whole file. */
static void fill(int fd, const uint8_t *data, size_t size)
{
	size_t off = 0;

	if (ftruncate(fd, 0))
		abort();
	while (off < size) {
		ssize_t n = pwrite(fd, data + off, size - off, (off_t)off);

		if (n <= 0)
			abort();
		off += (size_t)n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;

	/* Images much larger than their header and tables add nothing but time. */
	if (size > (1u << 20))
		return 0;
	if (fd < 0 && (fd = memfd_create("fuzz-qcow2", MFD_CLOEXEC)) < 0)
		abort();
	fill(fd, data, size);
	block_qcow2_exercise(fd, false);
	fill(fd, data, size);
	block_qcow2_exercise(fd, true);
	return 0;
}
