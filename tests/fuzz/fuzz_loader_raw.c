/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The path-based loaders on raw (and any other) bytes: the input is written to a memfd and
 * loaded by its /proc/self/fd path as --bios would (loader_load_firmware, loader_load_image),
 * so reading the file is covered too; then as raw bytes at a RAM address taken from the
 * input's first 8 bytes (loader_load_raw_mem), into a fresh 16 MiB VM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/loader.h"
#include "core/vm.h"
#include "ram_guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = 1};
	uint64_t entry, end, addr = 0;
	struct ram_guard guard;
	struct vm *vm;
	char msg[256], path[64];
	int fd;

	if (vm_create(&vm, &cfg))
		abort();
	ram_guard_add(&guard, vm);
	fd = memfd_create("fuzz-image", MFD_CLOEXEC);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	loader_load_firmware(vm, path, &entry, &end, msg, sizeof(msg));
	loader_load_image(vm, path, &entry, msg, sizeof(msg));
	close(fd);
	if (size >= sizeof(addr)) {
		memcpy(&addr, data, sizeof(addr));
		loader_load_raw_mem(vm, data + sizeof(addr), size - sizeof(addr), addr, msg,
				    sizeof(msg));
	}
	ram_guard_remove(&guard);
	vm_destroy(vm);
	return 0;
}
