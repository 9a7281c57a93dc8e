/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Linux Image loader (--kernel Image, EFI stub PE headers included): the input as a
 * kernel with nothing below it and above a 256 KiB firmware, into a fresh 16 MiB VM.
 */
#include <stdlib.h>

#include "core/loader.h"
#include "core/vm.h"
#include "ram_guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = 1};
	struct linux_image img;
	struct loaded_kernel k;
	struct ram_guard guard;
	struct vm *vm;
	char msg[256];

	if (vm_create(&vm, &cfg))
		abort();
	ram_guard_add(&guard, vm);
	loader_parse_linux_image(data, size, &img, msg, sizeof(msg));
	loader_load_kernel_mem(vm, data, size, vm->ram_base, &k, msg, sizeof(msg));
	loader_load_kernel_mem(vm, data, size, vm->ram_base + (256u << 10), &k, msg, sizeof(msg));
	ram_guard_remove(&guard);
	vm_destroy(vm);
	return 0;
}
