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

/* The RISC-V Linux Image header (Linux Documentation/arch/riscv/boot-image-header.rst). */
#define LINUX_IMAGE_HEADER_SIZE 64u
#define LINUX_IMAGE_MAGIC "RISCV\0\0\0" /* at offset 48; deprecated since header v0.2 */
#define LINUX_IMAGE_MAGIC2 "RSC\x05"	/* at offset 56 */
#define LINUX_IMAGE_FLAG_BE 0x1ull	/* flags bit 0: big-endian kernel */
/* RV64 kernels must sit at a 2 MiB (PMD) aligned address. */
#define LINUX_IMAGE_ALIGN (2ull << 20)

/* The fields of a Linux Image header, in host order. */
struct linux_image {
	uint64_t text_offset; /* load offset from a 2 MiB aligned RAM base */
	uint64_t image_size;  /* bytes the kernel uses from its load address, bss included */
	uint64_t flags;
	uint32_t version; /* major << 16 | minor */
};

/* Where a kernel was loaded. */
struct loaded_kernel {
	uint64_t entry;	     /* where the boot hart starts it */
	uint64_t start, end; /* guest physical range it occupies, bss included */
	int is_image;	     /* 1 for a Linux Image, 0 for an ELF */
};

/* A private copy of a regular, non-empty file (read, not mapped: no SIGBUS if it shrinks). */
struct loader_file {
	const uint8_t *data;
	size_t len;
};

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

/** Parses a Linux Image header; 0, or -ENOEXEC (truncated, bad magic, big-endian) with msg. */
int loader_parse_linux_image(const uint8_t *data, size_t len, struct linux_image *img, char *msg,
			     size_t msglen);

/**
 * Loads an in-memory kernel: a Linux Image at RAM base + text_offset (moved up to the next
 * 2 MiB boundary at or above min_addr if lower), or an ELF at its p_paddr (none below
 * min_addr). The whole image, bss included, must fit in RAM; 0 or -errno with msg.
 */
int loader_load_kernel_mem(struct vm *vm, const uint8_t *data, size_t len, uint64_t min_addr,
			   struct loaded_kernel *k, char *msg, size_t msglen);

/** Loads a kernel file (see loader_load_kernel_mem). */
int loader_load_kernel(struct vm *vm, const char *path, uint64_t min_addr, struct loaded_kernel *k,
		       char *msg, size_t msglen);

/**
 * Loads in-memory firmware: an ELF (by its magic) at its p_paddr, else raw bytes at the RAM
 * base; *entry gets the start, *end the first address past what was loaded. 0 or -errno + msg.
 */
int loader_load_firmware_mem(struct vm *vm, const uint8_t *data, size_t len, uint64_t *entry,
			     uint64_t *end, char *msg, size_t msglen);

/** Loads a firmware file (see loader_load_firmware_mem). */
int loader_load_firmware(struct vm *vm, const char *path, uint64_t *entry, uint64_t *end, char *msg,
			 size_t msglen);

/**
 * Reads a regular, non-empty file into memory: all of it, or for an ELF only its headers and
 * PT_LOAD segments. More than max bytes is refused before anything is read: -EFBIG with
 * f->len the bytes needed and f->data NULL. 0 or -errno with msg naming the file.
 */
int loader_file_map(const char *path, uint64_t max, struct loader_file *f, char *msg,
		    size_t msglen);

/** Frees what loader_file_map read. */
void loader_file_unmap(struct loader_file *f);

#endif
