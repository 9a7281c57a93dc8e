/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loaders for guest images. Everything read from a file is untrusted: every offset and size is
 * checked against the file and against guest RAM (with overflow-safe arithmetic) before any
 * byte is copied, and nothing is written unless the whole image fits.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/loader.h"
#include "core/vm.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the loaders read little-endian ELF fields in host order"
#endif

__attribute__((format(printf, 4, 5))) static int fail(int err, char *msg, size_t msglen,
						      const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* True when [off, off+size) lies within a buffer of len bytes, without overflowing. */
static int in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

/* ELF header checks (ELF-64 spec, "ELF header"; RISC-V ELF psABI: EM_RISCV, ELFCLASS64). */
static int elf_check_header(const uint8_t *data, size_t len, Elf64_Ehdr *eh, char *msg,
			    size_t msglen)
{
	if (len < SELFMAG || memcmp(data, ELFMAG, SELFMAG))
		return fail(-ENOEXEC, msg, msglen, "not an ELF file");
	if (len < sizeof(*eh))
		return fail(-ENOEXEC, msg, msglen, "truncated ELF header (%zu of %zu bytes)", len,
			    sizeof(*eh));
	if (data[EI_CLASS] != ELFCLASS64)
		return fail(-ENOEXEC, msg, msglen, "not a RISC-V 64-bit ELF (ELF class %u)",
			    data[EI_CLASS]);
	memcpy(eh, data, sizeof(*eh));
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_RISCV)
		return fail(-ENOEXEC, msg, msglen,
			    "not a RISC-V 64-bit ELF (machine %u, %s-endian)", eh->e_machine,
			    eh->e_ident[EI_DATA] == ELFDATA2LSB ? "little" : "big");
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return fail(-ENOEXEC, msg, msglen, "malformed ELF header: bad version");
	/* ET_DYN is taken too: OpenSBI's position-independent firmware is linked that way. */
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return fail(-ENOEXEC, msg, msglen, "ELF is not an executable (type %u)",
			    eh->e_type);
	if (eh->e_phnum == 0 || eh->e_phnum == PN_XNUM)
		return fail(-ENOEXEC, msg, msglen, "ELF has no usable program headers");
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return fail(-ENOEXEC, msg, msglen, "malformed ELF header: e_phentsize %u",
			    eh->e_phentsize);
	if (!in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), len))
		return fail(-ENOEXEC, msg, msglen,
			    "truncated ELF: program headers at 0x%" PRIx64 " run past the end",
			    eh->e_phoff);
	return 0;
}

static void elf_phdr(const uint8_t *data, const Elf64_Ehdr *eh, unsigned i, Elf64_Phdr *ph)
{
	memcpy(ph, data + eh->e_phoff + (uint64_t)i * sizeof(*ph), sizeof(*ph));
}

/* Checks one PT_LOAD segment against the file and guest RAM. */
static int elf_check_segment(const struct vm *vm, const Elf64_Phdr *ph, unsigned i, size_t len,
			     char *msg, size_t msglen)
{
	if (ph->p_filesz > ph->p_memsz)
		return fail(-ENOEXEC, msg, msglen,
			    "malformed ELF: segment %u has p_filesz > p_memsz", i);
	if (!in_file(ph->p_offset, ph->p_filesz, len))
		return fail(-ENOEXEC, msg, msglen,
			    "truncated ELF: segment %u (offset 0x%" PRIx64 ", 0x%" PRIx64
			    " bytes) runs past the end of the file",
			    i, ph->p_offset, ph->p_filesz);
	if (!vm_ram_ptr(vm, ph->p_paddr, ph->p_memsz))
		return fail(-ERANGE, msg, msglen,
			    "ELF segment %u at 0x%" PRIx64 " (0x%" PRIx64 " bytes) is outside RAM "
			    "[0x%" PRIx64 ", 0x%" PRIx64 ")",
			    i, ph->p_paddr, ph->p_memsz, vm->ram_base, vm->ram_base + vm->ram_size);
	return 0;
}

int loader_load_elf_mem(struct vm *vm, const uint8_t *data, size_t len, uint64_t *entry, char *msg,
			size_t msglen)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	unsigned loads = 0;
	int err;

	err = elf_check_header(data, len, &eh, msg, msglen);
	if (err)
		return err;
	/* Check every segment before copying any, so a bad image leaves RAM untouched. */
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		elf_phdr(data, &eh, i, &ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		err = elf_check_segment(vm, &ph, i, len, msg, msglen);
		if (err)
			return err;
		loads++;
	}
	if (!loads)
		return fail(-ENOEXEC, msg, msglen, "ELF has no loadable segment");
	if (!vm_ram_ptr(vm, eh.e_entry, 2))
		return fail(-ERANGE, msg, msglen, "ELF entry point 0x%" PRIx64 " is outside RAM",
			    eh.e_entry);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		uint8_t *dst;

		elf_phdr(data, &eh, i, &ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		dst = vm_ram_ptr(vm, ph.p_paddr, ph.p_memsz);
		memcpy(dst, data + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
	*entry = eh.e_entry;
	return 0;
}

int loader_load_raw_mem(struct vm *vm, const uint8_t *data, size_t len, uint64_t addr, char *msg,
			size_t msglen)
{
	uint8_t *dst = vm_ram_ptr(vm, addr, len);

	if (!dst)
		return fail(-ERANGE, msg, msglen,
			    "image of %zu bytes at 0x%" PRIx64 " does not fit in RAM [0x%" PRIx64
			    ", 0x%" PRIx64 ")",
			    len, addr, vm->ram_base, vm->ram_base + vm->ram_size);
	memcpy(dst, data, len);
	return 0;
}

/* A read-only mapping of a whole file; empty and non-regular files are refused. */
struct file_map {
	const uint8_t *data;
	size_t len;
};

static int file_map(const char *path, struct file_map *fm, char *msg, size_t msglen)
{
	struct stat st;
	void *p;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		return fail(err, msg, msglen, "%s: %s", path, strerror(-err));
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		fail(err, msg, msglen, "%s: %s", path, strerror(-err));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = fail(-EINVAL, msg, msglen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size == 0) {
		err = fail(-ENOEXEC, msg, msglen, "%s: file is empty", path);
		goto out;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		fail(err, msg, msglen, "%s: %s", path, strerror(-err));
		goto out;
	}
	fm->data = p;
	fm->len = (size_t)st.st_size;
out:
	close(fd);
	return err;
}

static void file_unmap(struct file_map *fm)
{
	munmap((void *)fm->data, fm->len);
}

/* Prefixes a loader message with the file name so the user knows which image is bad. */
static int with_path(int err, const char *path, char *msg, size_t msglen)
{
	char inner[256];

	if (err && msg && msglen) {
		snprintf(inner, sizeof(inner), "%s", msg);
		snprintf(msg, msglen, "%s: %s", path, inner);
	}
	return err;
}

int loader_load_elf(struct vm *vm, const char *path, uint64_t *entry, char *msg, size_t msglen)
{
	struct file_map fm;
	int err = file_map(path, &fm, msg, msglen);

	if (err)
		return err;
	err = loader_load_elf_mem(vm, fm.data, fm.len, entry, msg, msglen);
	file_unmap(&fm);
	return with_path(err, path, msg, msglen);
}

int loader_load_raw(struct vm *vm, const char *path, uint64_t addr, char *msg, size_t msglen)
{
	struct file_map fm;
	int err = file_map(path, &fm, msg, msglen);

	if (err)
		return err;
	err = loader_load_raw_mem(vm, fm.data, fm.len, addr, msg, msglen);
	file_unmap(&fm);
	return with_path(err, path, msg, msglen);
}

int loader_load_image(struct vm *vm, const char *path, uint64_t *entry, char *msg, size_t msglen)
{
	struct file_map fm;
	int err = file_map(path, &fm, msg, msglen);

	if (err)
		return err;
	if (fm.len >= SELFMAG && !memcmp(fm.data, ELFMAG, SELFMAG)) {
		err = loader_load_elf_mem(vm, fm.data, fm.len, entry, msg, msglen);
	} else {
		err = loader_load_raw_mem(vm, fm.data, fm.len, vm->ram_base, msg, msglen);
		if (!err)
			*entry = vm->ram_base;
	}
	file_unmap(&fm);
	return with_path(err, path, msg, msglen);
}
