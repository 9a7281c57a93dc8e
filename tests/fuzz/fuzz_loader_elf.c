/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ELF loaders: the input as an ELF image (--bios/--kernel ELF), a kernel ELF above a
 * firmware, and firmware (ELF, or raw when the magic is missing), into a fresh 16 MiB VM.
 */
#include <stdlib.h>

#include "core/loader.h"
#include "core/vm.h"
#include "ram_guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = 1};
	struct loaded_kernel k;
	uint64_t entry, end;
	struct ram_guard guard;
	struct vm *vm;
	char msg[256];

	if (vm_create(&vm, &cfg))
		abort();
	ram_guard_add(&guard, vm);
	loader_load_elf_mem(vm, data, size, &entry, msg, sizeof(msg));
	loader_load_kernel_mem(vm, data, size, vm->ram_base + (2ull << 20), &k, msg, sizeof(msg));
	loader_load_firmware_mem(vm, data, size, &entry, &end, msg, sizeof(msg));
	ram_guard_remove(&guard);
	vm_destroy(vm);
	return 0;
}
