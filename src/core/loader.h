/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest image loaders: ELF64 RISC-V executables and raw binaries into guest RAM. Each returns
 * 0 or a negative errno and, on error, a message for the user in msg (NUL-terminated).
 */
#ifndef VIREO_CORE_LOADER_H
#define VIREO_CORE_LOADER_H

#include <stddef.h>
#include <stdint.h>

struct vm;

/** Loads an in-memory ELF image's PT_LOAD segments at their p_paddr; *entry gets e_entry. */
int loader_load_elf_mem(struct vm *vm, const uint8_t *data, size_t len, uint64_t *entry, char *msg,
			size_t msglen);

/** Copies len in-memory bytes to guest physical addr, which must hold them wholly in RAM. */
int loader_load_raw_mem(struct vm *vm, const uint8_t *data, size_t len, uint64_t addr, char *msg,
			size_t msglen);

/** Loads an ELF file (see loader_load_elf_mem). */
int loader_load_elf(struct vm *vm, const char *path, uint64_t *entry, char *msg, size_t msglen);

/** Loads a raw binary file at guest physical addr. */
int loader_load_raw(struct vm *vm, const char *path, uint64_t addr, char *msg, size_t msglen);

/** Loads a file as ELF if it has the ELF magic, else raw at the RAM base; *entry gets the start. */
int loader_load_image(struct vm *vm, const char *path, uint64_t *entry, char *msg, size_t msglen);

#endif
