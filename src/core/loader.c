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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errmsg.h"
#include "core/loader.h"
#include "core/vm.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the loaders read little-endian ELF fields in host order"
#endif

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
		return errmsg(-ENOEXEC, msg, msglen, "not an ELF file");
	if (len < sizeof(*eh))
		return errmsg(-ENOEXEC, msg, msglen, "truncated ELF header (%zu of %zu bytes)", len,
			      sizeof(*eh));
	if (data[EI_CLASS] != ELFCLASS64)
		return errmsg(-ENOEXEC, msg, msglen, "not a RISC-V 64-bit ELF (ELF class %u)",
			      data[EI_CLASS]);
	memcpy(eh, data, sizeof(*eh));
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_RISCV)
		return errmsg(-ENOEXEC, msg, msglen,
			      "not a RISC-V 64-bit ELF (machine %u, %s-endian)", eh->e_machine,
			      eh->e_ident[EI_DATA] == ELFDATA2LSB ? "little" : "big");
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return errmsg(-ENOEXEC, msg, msglen, "malformed ELF header: bad version");
	/* ET_DYN is taken too: OpenSBI's position-independent firmware is linked that way. */
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return errmsg(-ENOEXEC, msg, msglen, "ELF is not an executable (type %u)",
			      eh->e_type);
	if (eh->e_phnum == 0 || eh->e_phnum == PN_XNUM)
		return errmsg(-ENOEXEC, msg, msglen, "ELF has no usable program headers");
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return errmsg(-ENOEXEC, msg, msglen, "malformed ELF header: e_phentsize %u",
			      eh->e_phentsize);
	if (!in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), len))
		return errmsg(-ENOEXEC, msg, msglen,
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
		return errmsg(-ENOEXEC, msg, msglen,
			      "malformed ELF: segment %u has p_filesz > p_memsz", i);
	if (!in_file(ph->p_offset, ph->p_filesz, len))
		return errmsg(-ENOEXEC, msg, msglen,
			      "truncated ELF: segment %u (offset 0x%" PRIx64 ", 0x%" PRIx64
			      " bytes) runs past the end of the file",
			      i, ph->p_offset, ph->p_filesz);
	if (!vm_ram_ptr(vm, ph->p_paddr, ph->p_memsz))
		return errmsg(
		    -ERANGE, msg, msglen,
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
		return errmsg(-ENOEXEC, msg, msglen, "ELF has no loadable segment");
	if (!vm_ram_ptr(vm, eh.e_entry, 2))
		return errmsg(-ERANGE, msg, msglen, "ELF entry point 0x%" PRIx64 " is outside RAM",
			      eh.e_entry);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		uint8_t *dst;

		elf_phdr(data, &eh, i, &ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		dst = vm_ram_ptr(vm, ph.p_paddr, ph.p_memsz);
		memcpy(dst, data + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		mem_written(vm, ph.p_paddr, ph.p_memsz);
	}
	*entry = eh.e_entry;
	return 0;
}

int loader_load_raw_mem(struct vm *vm, const uint8_t *data, size_t len, uint64_t addr, char *msg,
			size_t msglen)
{
	uint8_t *dst = vm_ram_ptr(vm, addr, len);

	if (!dst)
		return errmsg(-ERANGE, msg, msglen,
			      "image of %zu bytes at 0x%" PRIx64 " does not fit in RAM [0x%" PRIx64
			      ", 0x%" PRIx64 ")",
			      len, addr, vm->ram_base, vm->ram_base + vm->ram_size);
	memcpy(dst, data, len);
	mem_written(vm, addr, len);
	return 0;
}

/*
 * Reads exactly len bytes at offset off into buf. A file that shrank meanwhile is an error
 * (-EIO), not a SIGBUS as it would be through a mapping; 0 or -errno.
 */
static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = pread(fd, (uint8_t *)buf + done, len - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;
		done += (size_t)r;
	}
	return 0;
}

/*
 * How many bytes from the start of a file of size bytes the loaders use: for an ELF with
 * valid headers, up to the end of its program headers and PT_LOAD segments (symbols and
 * debug sections are never read); else, or for a segment past the end, the whole file (whose
 * checks then report it). 0 or -errno.
 */
static int file_needed(int fd, uint64_t size, uint64_t *need)
{
	uint8_t hdr[sizeof(Elf64_Ehdr)];
	Elf64_Phdr *ph = NULL;
	Elf64_Ehdr eh;
	uint64_t end, seg;
	size_t tab;
	int err;

	*need = size;
	if (size < sizeof(hdr))
		return 0;
	err = read_at(fd, hdr, sizeof(hdr), 0);
	if (err || elf_check_header(hdr, size, &eh, NULL, 0))
		return err;
	/* elf_check_header saw the table within the file, so this neither overflows nor wraps. */
	tab = (size_t)eh.e_phnum * sizeof(*ph);
	end = eh.e_phoff + tab;
	ph = malloc(tab);
	if (!ph)
		return -ENOMEM;
	err = read_at(fd, ph, tab, eh.e_phoff);
	if (err)
		goto out;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (__builtin_add_overflow(ph[i].p_offset, ph[i].p_filesz, &seg) || seg > size)
			goto out; /* the whole file: the ELF loader says what is wrong */
		if (seg > end)
			end = seg;
	}
	*need = end > sizeof(eh) ? end : sizeof(eh);
out:
	free(ph);
	return err;
}

int loader_file_map(const char *path, uint64_t max, struct loader_file *fm, char *msg,
		    size_t msglen)
{
	struct stat st;
	uint8_t *p = NULL;
	uint64_t need;
	int fd, err = 0;

	fm->data = NULL;
	fm->len = 0;
	/*
	 * O_NONBLOCK: a FIFO's read-only open(2) would wait for a writer forever; it, and
	 * anything else that is not a regular file, is refused right after. The flag is
	 * cleared before reading.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		return errmsg(err, msg, msglen, "%s: %s", path, strerror(-err));
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		errmsg(err, msg, msglen, "%s: %s", path, strerror(-err));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = errmsg(-EINVAL, msg, msglen, "%s: not a regular file", path);
		goto out;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		err = -errno;
		errmsg(err, msg, msglen, "%s: %s", path, strerror(-err));
		goto out;
	}
	if (st.st_size == 0) {
		err = errmsg(-ENOEXEC, msg, msglen, "%s: file is empty", path);
		goto out;
	}
	err = file_needed(fd, (uint64_t)st.st_size, &need);
	if (err) {
		errmsg(err, msg, msglen, "%s: %s", path,
		       err == -EIO ? "file shrank while being read" : strerror(-err));
		goto out;
	}
	/* What cannot fit in the room given is refused before anything is allocated or read. */
	if (need > max) {
		fm->len = (size_t)need;
		err = errmsg(-EFBIG, msg, msglen,
			     "%s: too big: %" PRIu64 " bytes to load, at most %" PRIu64
			     " fit in RAM (%" PRIu64 " MiB free for it)",
			     path, need, max, max >> 20);
		goto out;
	}
	p = malloc((size_t)need);
	if (!p) {
		err = errmsg(-ENOMEM, msg, msglen, "%s: %s", path, strerror(ENOMEM));
		goto out;
	}
	err = read_at(fd, p, (size_t)need, 0);
	if (err) {
		errmsg(err, msg, msglen, "%s: %s", path,
		       err == -EIO ? "file shrank while being read" : strerror(-err));
		free(p);
		goto out;
	}
	fm->data = p;
	fm->len = (size_t)need;
out:
	close(fd);
	return err;
}

void loader_file_unmap(struct loader_file *fm)
{
	free((void *)fm->data);
	fm->data = NULL;
	fm->len = 0;
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
	struct loader_file fm;
	int err = loader_file_map(path, vm->ram_size, &fm, msg, msglen);

	if (err)
		return err;
	err = loader_load_elf_mem(vm, fm.data, fm.len, entry, msg, msglen);
	loader_file_unmap(&fm);
	return with_path(err, path, msg, msglen);
}

int loader_load_raw(struct vm *vm, const char *path, uint64_t addr, char *msg, size_t msglen)
{
	struct loader_file fm;
	int err = loader_file_map(path, vm->ram_size, &fm, msg, msglen);

	if (err)
		return err;
	err = loader_load_raw_mem(vm, fm.data, fm.len, addr, msg, msglen);
	loader_file_unmap(&fm);
	return with_path(err, path, msg, msglen);
}

int loader_load_image(struct vm *vm, const char *path, uint64_t *entry, char *msg, size_t msglen)
{
	struct loader_file fm;
	int err = loader_file_map(path, vm->ram_size, &fm, msg, msglen);

	if (err)
		return err;
	if (fm.len >= SELFMAG && !memcmp(fm.data, ELFMAG, SELFMAG)) {
		err = loader_load_elf_mem(vm, fm.data, fm.len, entry, msg, msglen);
	} else {
		err = loader_load_raw_mem(vm, fm.data, fm.len, vm->ram_base, msg, msglen);
		if (!err)
			*entry = vm->ram_base;
	}
	loader_file_unmap(&fm);
	return with_path(err, path, msg, msglen);
}

/* The span [lo, hi) of an ELF image's loadable segments; the header must be valid. */
static int elf_extent(const uint8_t *data, size_t len, uint64_t *lo, uint64_t *hi, char *msg,
		      size_t msglen)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint64_t end;
	int err;

	err = elf_check_header(data, len, &eh, msg, msglen);
	if (err)
		return err;
	*lo = UINT64_MAX;
	*hi = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		elf_phdr(data, &eh, i, &ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (__builtin_add_overflow(ph.p_paddr, ph.p_memsz, &end))
			return errmsg(-ERANGE, msg, msglen,
				      "ELF segment %u at 0x%" PRIx64
				      " wraps around the address space",
				      i, ph.p_paddr);
		if (ph.p_paddr < *lo)
			*lo = ph.p_paddr;
		if (end > *hi)
			*hi = end;
	}
	if (*hi == 0)
		return errmsg(-ENOEXEC, msg, msglen, "ELF has no loadable segment");
	return 0;
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* MiB needed to hold [ram_base, end), rounded up, for messages. */
static uint64_t mib_up(uint64_t bytes)
{
	return (bytes >> 20) + ((bytes & ((1ull << 20) - 1)) != 0);
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/*
 * An Image with an EFI stub is also a PE/COFF file ("MZ" at 0, PE header at e_lfanew,
 * PE/COFF spec sections 3 and 4): its section table says where each section's raw data ends,
 * so it tells a file cut short from a whole one. Returns the length the file needs, or 0
 * when the headers cannot be followed (then only the Image header is checked).
 */
static uint64_t pe_needed_len(const uint8_t *data, size_t len)
{
	uint64_t pe, sects, need = 0;
	unsigned nsect, opt;

	if (len < 0x40 || data[0] != 'M' || data[1] != 'Z')
		return 0;
	pe = get_le32(data + 0x3c);
	if (pe + 24 > len)
		return pe + 24; /* cut before the PE header it points at */
	if (memcmp(data + pe, "PE\0\0", 4))
		return 0;
	nsect = get_le16(data + pe + 6);
	opt = get_le16(data + pe + 20);
	sects = pe + 24 + opt;
	if (sects + 40ull * nsect > len)
		return sects + 40ull * nsect;
	for (unsigned i = 0; i < nsect; i++) {
		const uint8_t *sh = data + sects + 40ull * i;
		uint64_t end = (uint64_t)get_le32(sh + 20) + get_le32(sh + 16);
		if (end > need)
			need = end;
	}
	return need;
}

int loader_parse_linux_image(const uint8_t *data, size_t len, struct linux_image *img, char *msg,
			     size_t msglen)
{
	uint64_t need;

	/*
	 * boot-image-header.rst: code0/code1 (or "MZ" for the EFI stub), text_offset at 8,
	 * image_size at 16, flags at 24, version at 32, magic at 48 (deprecated since v0.2)
	 * and magic2 at 56. Either magic identifies the image.
	 */
	if (len < LINUX_IMAGE_HEADER_SIZE)
		return errmsg(-ENOEXEC, msg, msglen,
			      "truncated: %zu bytes is shorter than a RISC-V Linux Image header "
			      "(%u bytes); not a RISC-V Linux Image or ELF",
			      len, LINUX_IMAGE_HEADER_SIZE);
	if (memcmp(data + 56, LINUX_IMAGE_MAGIC2, 4) && memcmp(data + 48, LINUX_IMAGE_MAGIC, 8))
		return errmsg(-ENOEXEC, msg, msglen,
			      "not a RISC-V Linux Image or ELF (bad magic; a compressed vmlinuz "
			      "must be decompressed first)");
	need = pe_needed_len(data, len);
	if (need > len)
		return errmsg(-ENOEXEC, msg, msglen,
			      "truncated: the Image's EFI stub headers say the file is %llu bytes, "
			      "it has %zu",
			      (unsigned long long)need, len);
	img->text_offset = get_le64(data + 8);
	img->image_size = get_le64(data + 16);
	img->flags = get_le64(data + 24);
	img->version = get_le32(data + 32);
	if (img->flags & LINUX_IMAGE_FLAG_BE)
		return errmsg(-ENOEXEC, msg, msglen,
			      "big-endian RISC-V Linux Image is not supported");
	return 0;
}

/* Loads a Linux Image (see loader_load_kernel_mem). */
static int load_linux_image(struct vm *vm, const uint8_t *data, size_t len, uint64_t min_addr,
			    struct loaded_kernel *k, char *msg, size_t msglen)
{
	struct linux_image img;
	uint64_t addr, span, end;
	uint8_t *dst;
	int err;

	err = loader_parse_linux_image(data, len, &img, msg, msglen);
	if (err)
		return err;
	/* image_size covers bss; an old header (v0.1) may leave it 0: take the file then. */
	span = img.image_size > len ? img.image_size : len;
	if (__builtin_add_overflow(vm->ram_base, img.text_offset, &addr))
		return errmsg(-ERANGE, msg, msglen,
			      "Linux Image text_offset 0x%" PRIx64 " is invalid", img.text_offset);
	if (addr < min_addr) {
		/* A firmware sits there: take the next 2 MiB boundary as QEMU does. */
		if (__builtin_add_overflow(min_addr, LINUX_IMAGE_ALIGN - 1, &addr))
			return errmsg(-ERANGE, msg, msglen, "no room for the kernel");
		addr &= ~(LINUX_IMAGE_ALIGN - 1);
	}
	if (__builtin_add_overflow(addr, span, &end) || !(dst = vm_ram_ptr(vm, addr, span)))
		return errmsg(
		    -ERANGE, msg, msglen,
		    "kernel too big for RAM: it takes 0x%" PRIx64 " bytes at 0x%" PRIx64
		    ", so it needs at least %" PRIu64 " MiB of RAM (have %" PRIu64 " MiB)",
		    span, addr, end > addr ? mib_up(end - vm->ram_base) : UINT64_MAX >> 20,
		    vm->ram_size >> 20);
	memcpy(dst, data, len);
	memset(dst + len, 0, span - len);
	mem_written(vm, addr, span);
	k->entry = addr;
	k->start = addr;
	k->end = end;
	k->is_image = 1;
	return 0;
}

int loader_load_kernel_mem(struct vm *vm, const uint8_t *data, size_t len, uint64_t min_addr,
			   struct loaded_kernel *k, char *msg, size_t msglen)
{
	uint64_t lo, hi, entry;
	int err;

	if (len < SELFMAG || memcmp(data, ELFMAG, SELFMAG))
		return load_linux_image(vm, data, len, min_addr, k, msg, msglen);
	err = elf_extent(data, len, &lo, &hi, msg, msglen);
	if (err)
		return err;
	if (lo < min_addr)
		return errmsg(-ERANGE, msg, msglen,
			      "ELF kernel at 0x%" PRIx64
			      " overlaps the firmware (which ends at 0x%" PRIx64 ")",
			      lo, min_addr);
	if (!vm_ram_ptr(vm, lo, hi - lo) && lo >= vm->ram_base)
		return errmsg(-ERANGE, msg, msglen,
			      "kernel too big for RAM: it spans [0x%" PRIx64 ", 0x%" PRIx64
			      "), so it needs at least %" PRIu64 " MiB of RAM (have %" PRIu64
			      " MiB)",
			      lo, hi, mib_up(hi - vm->ram_base), vm->ram_size >> 20);
	err = loader_load_elf_mem(vm, data, len, &entry, msg, msglen);
	if (err)
		return err;
	k->entry = entry;
	k->start = lo;
	k->end = hi;
	k->is_image = 0;
	return 0;
}

int loader_load_kernel(struct vm *vm, const char *path, uint64_t min_addr, struct loaded_kernel *k,
		       char *msg, size_t msglen)
{
	struct loader_file fm;
	uint64_t ram_end = vm->ram_base + vm->ram_size;
	/* Nothing goes below min_addr, so at most the RAM above it is room for the kernel. */
	int err =
	    loader_file_map(path, min_addr < ram_end ? ram_end - min_addr : 0, &fm, msg, msglen);

	if (err)
		return err;
	err = loader_load_kernel_mem(vm, fm.data, fm.len, min_addr, k, msg, msglen);
	loader_file_unmap(&fm);
	return with_path(err, path, msg, msglen);
}

int loader_load_firmware_mem(struct vm *vm, const uint8_t *data, size_t len, uint64_t *entry,
			     uint64_t *end, char *msg, size_t msglen)
{
	uint64_t lo;
	int err;

	if (len >= SELFMAG && !memcmp(data, ELFMAG, SELFMAG)) {
		err = loader_load_elf_mem(vm, data, len, entry, msg, msglen);
		if (!err)
			err = elf_extent(data, len, &lo, end, msg, msglen);
		return err;
	}
	err = loader_load_raw_mem(vm, data, len, vm->ram_base, msg, msglen);
	if (!err) {
		*entry = vm->ram_base;
		*end = vm->ram_base + len;
	}
	return err;
}

int loader_load_firmware(struct vm *vm, const char *path, uint64_t *entry, uint64_t *end, char *msg,
			 size_t msglen)
{
	struct loader_file fm;
	int err = loader_file_map(path, vm->ram_size, &fm, msg, msglen);

	if (err)
		return err;
	err = loader_load_firmware_mem(vm, fm.data, fm.len, entry, end, msg, msglen);
	loader_file_unmap(&fm);
	return with_path(err, path, msg, msglen);
}
