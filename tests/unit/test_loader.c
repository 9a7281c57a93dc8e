/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the ELF and raw loaders, with images built here as bytes. */
#include <elf.h>
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
#include "core/vm.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x10000ull
#define DATA_OFF 0x200

/* A small ELF image: header, up to 4 program headers, segment bytes from DATA_OFF. */
struct img {
	uint8_t buf[0x400];
	size_t len;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[4];
};

struct fixture {
	struct vm vm;
	char msg[256];
	struct img img;
};

/* Writes eh and ph into buf; tests edit them first to make bad images. */
static void img_pack(struct img *im)
{
	memcpy(im->buf, &im->eh, sizeof(im->eh));
	for (unsigned i = 0; i < im->eh.e_phnum && i < 4; i++)
		memcpy(im->buf + sizeof(im->eh) + i * sizeof(Elf64_Phdr), &im->ph[i],
		       sizeof(Elf64_Phdr));
}

/* A valid RV64 executable: code at RAM_BASE+0x100 (16 bytes in file, 64 in memory), a note. */
static void img_good(struct img *im)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->eh.e_ident, ELFMAG, SELFMAG);
	im->eh.e_ident[EI_CLASS] = ELFCLASS64;
	im->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im->eh.e_ident[EI_VERSION] = EV_CURRENT;
	im->eh.e_type = ET_EXEC;
	im->eh.e_machine = EM_RISCV;
	im->eh.e_version = EV_CURRENT;
	im->eh.e_entry = RAM_BASE + 0x100;
	im->eh.e_phoff = sizeof(Elf64_Ehdr);
	im->eh.e_ehsize = sizeof(Elf64_Ehdr);
	im->eh.e_phentsize = sizeof(Elf64_Phdr);
	im->eh.e_phnum = 2;
	im->ph[0].p_type = PT_LOAD;
	im->ph[0].p_offset = DATA_OFF;
	im->ph[0].p_vaddr = 0xffffffff80000100ull; /* vaddr is not where it loads */
	im->ph[0].p_paddr = RAM_BASE + 0x100;
	im->ph[0].p_filesz = 16;
	im->ph[0].p_memsz = 64;
	im->ph[1].p_type = PT_NOTE;
	im->ph[1].p_offset = 0x7fffffff; /* ignored: not PT_LOAD */
	im->ph[1].p_paddr = 0x10;
	im->ph[1].p_filesz = 0x1000;
	for (unsigned i = 0; i < 16; i++)
		im->buf[DATA_OFF + i] = (uint8_t)(0x10 + i);
	im->len = DATA_OFF + 16;
	img_pack(im);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->vm.ram_base = RAM_BASE;
	fx->vm.ram_size = RAM_SIZE;
	if (mem_create(&fx->vm, MEM_ANON, -1)) {
		mem_destroy(&fx->vm);
		free(fx);
		return -1;
	}
	memset(fx->vm.ram, 0xaa, RAM_SIZE);
	img_good(&fx->img);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	mem_destroy(&fx->vm);
	free(fx);
	return 0;
}

/* True when guest RAM still holds only the fill pattern. */
static int ram_untouched(const struct fixture *fx)
{
	for (uint64_t i = 0; i < RAM_SIZE; i++) {
		if (fx->vm.ram[i] != 0xaa)
			return 0;
	}
	return 1;
}

static int load(struct fixture *fx, uint64_t *entry)
{
	fx->msg[0] = '\0';
	return loader_load_elf_mem(&fx->vm, fx->img.buf, fx->img.len, entry, fx->msg,
				   sizeof(fx->msg));
}

static void test_good_elf(void **state)
{
	struct fixture *fx = *state;
	uint64_t entry = 0;

	assert_int_equal(load(fx, &entry), 0);
	assert_int_equal(entry, RAM_BASE + 0x100);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(fx->vm.ram[0x100 + i], 0x10 + i);
	/* p_memsz beyond p_filesz is zero-filled; the byte after is not touched. */
	for (unsigned i = 16; i < 64; i++)
		assert_int_equal(fx->vm.ram[0x100 + i], 0);
	assert_int_equal(fx->vm.ram[0x100 + 64], 0xaa);
	assert_int_equal(fx->vm.ram[0xff], 0xaa);
}

static void test_truncated_header(void **state)
{
	struct fixture *fx = *state;
	uint64_t entry;

	fx->img.len = 40;
	assert_int_equal(load(fx, &entry), -ENOEXEC);
	assert_non_null(strstr(fx->msg, "truncated ELF header"));
	fx->img.len = 3; /* not even the magic */
	assert_int_equal(load(fx, &entry), -ENOEXEC);
	assert_non_null(strstr(fx->msg, "not an ELF"));
	assert_true(ram_untouched(fx));
}

static void test_bad_phoff(void **state)
{
	struct fixture *fx = *state;
	uint64_t entry;

	fx->img.eh.e_phoff = fx->img.len - 10;
	img_pack(&fx->img);
	assert_int_equal(load(fx, &entry), -ENOEXEC);
	assert_non_null(strstr(fx->msg, "program headers"));
	/* phoff + phnum * phentsize wraps around 2^64. */
	fx->img.eh.e_phoff = ~0ull - 0x40;
	img_pack(&fx->img);
	assert_int_equal(load(fx, &entry), -ENOEXEC);
	fx->img.eh.e_phoff = sizeof(Elf64_Ehdr);
	fx->img.eh.e_phentsize = 32;
	img_pack(&fx->img);
	assert_int_equal(load(fx, &entry), -ENOEXEC);
	fx->img.eh.e_phentsize = sizeof(Elf64_Phdr);
	fx->img.eh.e_phnum = 0;
	img_pack(&fx->img);
	assert_int_equal(load(fx, &entry), -ENOEXEC);
	assert_true(ram_untouched(fx));
}

static void test_segment_beyond_file(void **state)
{
	struct fixture *fx = *state;
	uint64_t entry;

	fx->img.ph[0].p_filesz = 17;
	img_pack(&fx->img);
	assert_int_equal(load(fx, &entry), -ENOEXEC);
	assert_non_null(strstr(fx->msg, "past the end of the file"));
	fx->img.ph[0].p_filesz = 16;
	fx->img.ph[0].p_offset = ~0ull - 8; /* offset + size overflows */
	img_pack(&fx->img);
	assert_int_equal(load(fx, &entry), -ENOEXEC);
	fx->img.ph[0].p_offset = DATA_OFF;
	fx->img.ph[0].p_memsz = 8; /* filesz > memsz */
	img_pack(&fx->img);
	assert_int_equal(load(fx, &entry), -ENOEXEC);
	assert_true(ram_untouched(fx));
}

static void test_segment_outside_ram(void **state)
{
	struct fixture *fx = *state;
	uint64_t entry;

	fx->img.ph[0].p_paddr = 0x1000;
	img_pack(&fx->img);
	assert_int_equal(load(fx, &entry), -ERANGE);
	assert_non_null(strstr(fx->msg, "outside RAM"));
	/* Starts in RAM, ends past it. */
	fx->img.ph[0].p_paddr = RAM_BASE + RAM_SIZE - 32;
	img_pack(&fx->img);
	assert_int_equal(load(fx, &entry), -ERANGE);
	/* paddr + memsz wraps around 2^64. */
	fx->img.ph[0].p_paddr = ~0ull - 15;
	img_pack(&fx->img);
	assert_int_equal(load(fx, &entry), -ERANGE);
	fx->img.ph[0].p_paddr = RAM_BASE + 0x100;
	fx->img.ph[0].p_memsz = ~0ull;
	img_pack(&fx->img);
	assert_int_equal(load(fx, &entry), -ERANGE);
	assert_true(ram_untouched(fx));
}

static void test_second_segment_bad_loads_nothing(void **state)
{
	struct fixture *fx = *state;
	uint64_t entry;

	fx->img.ph[1].p_type = PT_LOAD;
	fx->img.ph[1].p_offset = DATA_OFF;
	fx->img.ph[1].p_filesz = 0;
	fx->img.ph[1].p_memsz = 0x100;
	fx->img.ph[1].p_paddr = RAM_BASE + RAM_SIZE;
	img_pack(&fx->img);
	assert_int_equal(load(fx, &entry), -ERANGE);
	assert_non_null(strstr(fx->msg, "segment 1"));
	assert_true(ram_untouched(fx));
}

static void test_wrong_machine(void **state)
{
	struct fixture *fx = *state;
	uint64_t entry;

	fx->img.eh.e_machine = EM_X86_64;
	img_pack(&fx->img);
	assert_int_equal(load(fx, &entry), -ENOEXEC);
	assert_non_null(strstr(fx->msg, "not a RISC-V 64-bit ELF"));
	fx->img.eh.e_machine = EM_RISCV;
	fx->img.eh.e_ident[EI_CLASS] = ELFCLASS32;
	img_pack(&fx->img);
	assert_int_equal(load(fx, &entry), -ENOEXEC);
	assert_non_null(strstr(fx->msg, "not a RISC-V 64-bit ELF"));
	fx->img.eh.e_ident[EI_CLASS] = ELFCLASS64;
	fx->img.eh.e_ident[EI_DATA] = ELFDATA2MSB;
	img_pack(&fx->img);
	assert_int_equal(load(fx, &entry), -ENOEXEC);
	fx->img.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	fx->img.eh.e_type = ET_REL;
	img_pack(&fx->img);
	assert_int_equal(load(fx, &entry), -ENOEXEC);
	fx->img.eh.e_type = ET_EXEC;
	fx->img.eh.e_entry = 0x1000; /* entry outside RAM */
	img_pack(&fx->img);
	assert_int_equal(load(fx, &entry), -ERANGE);
	assert_true(ram_untouched(fx));
}

/* Writes len bytes to a new temp file; its path goes to path (size >= 32). */
static void temp_file(char *path, const void *data, size_t len)
{
	int fd;

	strcpy(path, "/tmp/vireo-loader-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void test_files(void **state)
{
	struct fixture *fx = *state;
	char path[32];
	uint64_t entry = 0;

	/* An ELF file goes where its headers say. */
	temp_file(path, fx->img.buf, fx->img.len);
	assert_int_equal(loader_load_image(&fx->vm, path, &entry, fx->msg, sizeof(fx->msg)), 0);
	assert_int_equal(entry, RAM_BASE + 0x100);
	assert_int_equal(fx->vm.ram[0x100], 0x10);
	memset(fx->vm.ram, 0xaa, RAM_SIZE);
	assert_int_equal(loader_load_elf(&fx->vm, path, &entry, fx->msg, sizeof(fx->msg)), 0);
	assert_int_equal(fx->vm.ram[0x10f], 0x1f);
	unlink(path);

	/* Missing file. */
	assert_int_equal(
	    loader_load_image(&fx->vm, "/nonexistent/vireo.elf", &entry, fx->msg, sizeof(fx->msg)),
	    -ENOENT);
	assert_non_null(strstr(fx->msg, "/nonexistent/vireo.elf"));

	/* Empty file. */
	temp_file(path, "", 0);
	assert_int_equal(loader_load_image(&fx->vm, path, &entry, fx->msg, sizeof(fx->msg)),
			 -ENOEXEC);
	assert_non_null(strstr(fx->msg, "empty"));
	unlink(path);
}

/*
 * A file that shrinks after it was opened: with a mapping, touching the lost pages raised
 * SIGBUS and killed the process. The loader works on its own copy instead.
 */
static void test_file_shrinks(void **state)
{
	struct loader_file f;
	uint8_t data[3 * 4096];
	char path[32], msg[256];
	unsigned sum = 0, want = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++) {
		data[i] = (uint8_t)(i * 7);
		want += data[i];
	}
	temp_file(path, data, sizeof(data));
	assert_int_equal(loader_file_map(path, UINT64_MAX, &f, msg, sizeof(msg)), 0);
	assert_int_equal(f.len, sizeof(data));
	assert_int_equal(truncate(path, 0), 0);
	for (size_t i = 0; i < f.len; i++)
		sum += f.data[i];
	assert_int_equal(sum, want);
	loader_file_unmap(&f);
	unlink(path);
}

/*
 * Sizes are checked before anything is read: a file bigger than the room given is refused
 * without allocating it, and of an ELF only its headers and PT_LOAD segments count and are
 * read (a 1 GiB sparse tail, as debug sections would be, is not).
 */
static void test_file_size_bound(void **state)
{
	struct fixture *fx = *state;
	const uint64_t huge = 1ull << 30;
	struct loader_file f;
	char path[32];
	uint64_t entry = 0;

	temp_file(path, fx->img.buf, fx->img.len);
	assert_int_equal(truncate(path, (off_t)huge), 0);
	assert_int_equal(loader_file_map(path, DATA_OFF + 16, &f, fx->msg, sizeof(fx->msg)), 0);
	assert_int_equal(f.len, DATA_OFF + 16);
	assert_memory_equal(f.data, fx->img.buf, DATA_OFF + 16);
	loader_file_unmap(&f);
	assert_int_equal(loader_file_map(path, DATA_OFF + 15, &f, fx->msg, sizeof(fx->msg)),
			 -EFBIG);
	assert_int_equal(f.len, DATA_OFF + 16);
	assert_null(f.data);
	assert_int_equal(loader_load_elf(&fx->vm, path, &entry, fx->msg, sizeof(fx->msg)), 0);
	assert_int_equal(entry, RAM_BASE + 0x100);
	assert_int_equal(fx->vm.ram[0x10f], 0x1f);
	unlink(path);

	/* A raw file bigger than RAM. */
	memset(fx->vm.ram, 0xaa, RAM_SIZE);
	temp_file(path, "raw", 3);
	assert_int_equal(truncate(path, (off_t)huge), 0);
	assert_int_equal(loader_load_image(&fx->vm, path, &entry, fx->msg, sizeof(fx->msg)),
			 -EFBIG);
	assert_non_null(strstr(fx->msg, "too big"));
	assert_non_null(strstr(fx->msg, path));
	assert_true(ram_untouched(fx));
	assert_int_equal(loader_file_map(path, huge - 1, &f, fx->msg, sizeof(fx->msg)), -EFBIG);
	assert_int_equal(f.len, huge);
	unlink(path);
}

static void test_raw(void **state)
{
	struct fixture *fx = *state;
	static const uint8_t code[] = {0x13, 0x05, 0x10, 0x00, 0x73, 0x00, 0x10, 0x00};
	uint8_t *big;
	char path[32];
	uint64_t entry = 0;

	memset(fx->vm.ram, 0xaa, RAM_SIZE);
	temp_file(path, code, sizeof(code));
	assert_int_equal(loader_load_image(&fx->vm, path, &entry, fx->msg, sizeof(fx->msg)), 0);
	assert_int_equal(entry, RAM_BASE);
	assert_memory_equal(fx->vm.ram, code, sizeof(code));
	assert_int_equal(fx->vm.ram[sizeof(code)], 0xaa);
	assert_int_equal(loader_load_raw(&fx->vm, path, RAM_BASE + 0x800, fx->msg, sizeof(fx->msg)),
			 0);
	assert_memory_equal(fx->vm.ram + 0x800, code, sizeof(code));
	/* The last 4 bytes of RAM are too few. */
	assert_int_equal(
	    loader_load_raw(&fx->vm, path, RAM_BASE + RAM_SIZE - 4, fx->msg, sizeof(fx->msg)),
	    -ERANGE);
	assert_non_null(strstr(fx->msg, "does not fit in RAM"));
	unlink(path);

	/* An image larger than RAM. */
	big = calloc(1, RAM_SIZE + 1);
	assert_non_null(big);
	assert_int_equal(
	    loader_load_raw_mem(&fx->vm, big, RAM_SIZE + 1, RAM_BASE, fx->msg, sizeof(fx->msg)),
	    -ERANGE);
	assert_int_equal(
	    loader_load_raw_mem(&fx->vm, big, RAM_SIZE, RAM_BASE, fx->msg, sizeof(fx->msg)), 0);
	assert_int_equal(fx->vm.ram[RAM_SIZE - 1], 0);
	free(big);
}

/* A RISC-V Linux Image header (boot-image-header.rst) followed by payload bytes. */
static size_t linux_image(uint8_t *buf, size_t len, uint64_t text_offset, uint64_t image_size)
{
	uint32_t version = 2;

	memset(buf, 0, len);
	buf[0] = 'M'; /* EFI stub: "MZ" replaces code0 */
	buf[1] = 'Z';
	memcpy(buf + 8, &text_offset, 8);
	memcpy(buf + 16, &image_size, 8);
	memcpy(buf + 32, &version, 4);
	memcpy(buf + 48, "RISCV\0\0\0", 8);
	memcpy(buf + 56, "RSC\x05", 4);
	for (size_t i = 64; i < len; i++)
		buf[i] = (uint8_t)i;
	return len;
}

static void test_image_header(void **state)
{
	struct fixture *fx = *state;
	struct linux_image img;
	uint8_t buf[128];
	uint64_t flags = 1;

	linux_image(buf, sizeof(buf), 0x200000, 0x23a0000);
	assert_int_equal(loader_parse_linux_image(buf, sizeof(buf), &img, fx->msg, sizeof(fx->msg)),
			 0);
	assert_int_equal(img.text_offset, 0x200000);
	assert_int_equal(img.image_size, 0x23a0000);
	assert_int_equal(img.version, 2);
	/* Truncated: shorter than the 64-byte header. */
	assert_int_equal(loader_parse_linux_image(buf, 63, &img, fx->msg, sizeof(fx->msg)),
			 -ENOEXEC);
	assert_non_null(strstr(fx->msg, "truncated"));
	/* Only the deprecated magic (headers before v0.2 had no magic2) is enough. */
	memset(buf + 56, 0, 4);
	assert_int_equal(loader_parse_linux_image(buf, sizeof(buf), &img, fx->msg, sizeof(fx->msg)),
			 0);
	/* Only magic2, as future headers may drop the deprecated one. */
	memcpy(buf + 56, "RSC\x05", 4);
	memset(buf + 48, 0, 8);
	assert_int_equal(loader_parse_linux_image(buf, sizeof(buf), &img, fx->msg, sizeof(fx->msg)),
			 0);
	/* Neither magic. */
	buf[56] = 'X';
	assert_int_equal(loader_parse_linux_image(buf, sizeof(buf), &img, fx->msg, sizeof(fx->msg)),
			 -ENOEXEC);
	assert_non_null(strstr(fx->msg, "not a RISC-V Linux Image or ELF"));
	/* A big-endian kernel. */
	linux_image(buf, sizeof(buf), 0, 0);
	memcpy(buf + 24, &flags, 8);
	assert_int_equal(loader_parse_linux_image(buf, sizeof(buf), &img, fx->msg, sizeof(fx->msg)),
			 -ENOEXEC);
	assert_non_null(strstr(fx->msg, "big-endian"));
}

/* The EFI stub's PE section table tells a kernel file cut short (Debian's vmlinuz has one). */
static void test_image_pe_truncated(void **state)
{
	struct fixture *fx = *state;
	struct linux_image img;
	uint8_t buf[0x300];
	uint32_t pe = 0x40, raw_ptr = 0x100, raw_size = 0x200;
	uint16_t nsect = 1, opt = 0;

	linux_image(buf, sizeof(buf), 0x200000, 0x400000);
	memcpy(buf + 0x3c, &pe, 4);
	memcpy(buf + pe, "PE\0\0", 4);
	memcpy(buf + pe + 6, &nsect, 2);
	memcpy(buf + pe + 20, &opt, 2);
	memcpy(buf + pe + 24 + 16, &raw_size, 4);
	memcpy(buf + pe + 24 + 20, &raw_ptr, 4);
	assert_int_equal(loader_parse_linux_image(buf, sizeof(buf), &img, fx->msg, sizeof(fx->msg)),
			 0);
	assert_int_equal(
	    loader_parse_linux_image(buf, sizeof(buf) - 1, &img, fx->msg, sizeof(fx->msg)),
	    -ENOEXEC);
	assert_non_null(strstr(fx->msg, "truncated"));
	/* Cut inside the section table itself. */
	assert_int_equal(loader_parse_linux_image(buf, pe + 30, &img, fx->msg, sizeof(fx->msg)),
			 -ENOEXEC);
	/* e_lfanew pointing past the end of the file. */
	pe = 0x1000;
	memcpy(buf + 0x3c, &pe, 4);
	assert_int_equal(loader_parse_linux_image(buf, sizeof(buf), &img, fx->msg, sizeof(fx->msg)),
			 -ENOEXEC);
}

static int load_kernel(struct fixture *fx, const uint8_t *buf, size_t len, uint64_t min_addr,
		       struct loaded_kernel *k)
{
	fx->msg[0] = '\0';
	return loader_load_kernel_mem(&fx->vm, buf, len, min_addr, k, fx->msg, sizeof(fx->msg));
}

static void test_image_load(void **state)
{
	struct fixture *fx = *state;
	struct loaded_kernel k;
	uint8_t buf[256];

	/* Loaded at RAM base + text_offset; image_size beyond the file is zeroed (bss). */
	linux_image(buf, sizeof(buf), 0x1000, 0x800);
	assert_int_equal(load_kernel(fx, buf, sizeof(buf), RAM_BASE, &k), 0);
	assert_int_equal(k.entry, RAM_BASE + 0x1000);
	assert_int_equal(k.start, RAM_BASE + 0x1000);
	assert_int_equal(k.end, RAM_BASE + 0x1800);
	assert_true(k.is_image);
	assert_memory_equal(fx->vm.ram + 0x1000, buf, sizeof(buf));
	for (unsigned i = sizeof(buf); i < 0x800; i++)
		assert_int_equal(fx->vm.ram[0x1000 + i], 0);
	assert_int_equal(fx->vm.ram[0x1800], 0xaa);
	assert_int_equal(fx->vm.ram[0xfff], 0xaa);

	/* image_size smaller than the file (a signature appended): the file counts. */
	linux_image(buf, sizeof(buf), 0x2000, 16);
	assert_int_equal(load_kernel(fx, buf, sizeof(buf), RAM_BASE, &k), 0);
	assert_int_equal(k.end, RAM_BASE + 0x2000 + sizeof(buf));
}

static void test_image_too_big(void **state)
{
	struct fixture *fx = *state;
	struct loaded_kernel k;
	uint8_t buf[128];

	memset(fx->vm.ram, 0xaa, RAM_SIZE);
	/* 3 MiB of bss does not fit in the fixture's 64 KiB. */
	linux_image(buf, sizeof(buf), 0x1000, 3ull << 20);
	assert_int_equal(load_kernel(fx, buf, sizeof(buf), RAM_BASE, &k), -ERANGE);
	assert_non_null(strstr(fx->msg, "too big for RAM"));
	assert_non_null(strstr(fx->msg, "at least 4 MiB"));
	/* text_offset past RAM, and one that wraps the address space. */
	linux_image(buf, sizeof(buf), RAM_SIZE, 0x100);
	assert_int_equal(load_kernel(fx, buf, sizeof(buf), RAM_BASE, &k), -ERANGE);
	linux_image(buf, sizeof(buf), ~0ull - 0x10, 0x100);
	assert_int_equal(load_kernel(fx, buf, sizeof(buf), RAM_BASE, &k), -ERANGE);
	/* image_size that wraps. */
	linux_image(buf, sizeof(buf), 0x1000, ~0ull);
	assert_int_equal(load_kernel(fx, buf, sizeof(buf), RAM_BASE, &k), -ERANGE);
	/* Garbage is neither an Image nor an ELF. */
	memset(buf, 0x11, sizeof(buf));
	assert_int_equal(load_kernel(fx, buf, sizeof(buf), RAM_BASE, &k), -ENOEXEC);
	assert_non_null(strstr(fx->msg, "not a RISC-V Linux Image or ELF"));
	assert_int_equal(load_kernel(fx, buf, 10, RAM_BASE, &k), -ENOEXEC);
	assert_non_null(strstr(fx->msg, "truncated"));
	assert_true(ram_untouched(fx));
}

static void test_image_above_firmware(void **state)
{
	struct fixture *fx = *state;
	struct loaded_kernel k;
	uint8_t buf[128], *big;
	struct vm saved = fx->vm;

	fx->vm.ram_size = 8ull << 20;
	assert_int_equal(mem_create(&fx->vm, MEM_ANON, -1), 0);
	big = fx->vm.ram;
	/* text_offset 2 MiB and a firmware ending below it: the kernel goes at +2 MiB. */
	linux_image(buf, sizeof(buf), 2ull << 20, 0x1000);
	assert_int_equal(load_kernel(fx, buf, sizeof(buf), RAM_BASE + 0x1c000, &k), 0);
	assert_int_equal(k.entry, RAM_BASE + (2ull << 20));
	/* A firmware reaching past text_offset: the next 2 MiB boundary above it. */
	assert_int_equal(load_kernel(fx, buf, sizeof(buf), RAM_BASE + (2ull << 20) + 1, &k), 0);
	assert_int_equal(k.entry, RAM_BASE + (4ull << 20));
	assert_memory_equal(big + (4ull << 20), buf, sizeof(buf));
	mem_destroy(&fx->vm);
	fx->vm = saved;
}

static void test_elf_kernel(void **state)
{
	struct fixture *fx = *state;
	struct loaded_kernel k;

	assert_int_equal(load_kernel(fx, fx->img.buf, fx->img.len, RAM_BASE, &k), 0);
	assert_int_equal(k.entry, RAM_BASE + 0x100);
	assert_int_equal(k.start, RAM_BASE + 0x100);
	assert_int_equal(k.end, RAM_BASE + 0x140);
	assert_false(k.is_image);
	assert_int_equal(fx->vm.ram[0x100], 0x10);
	/* An ELF kernel may not overlap the firmware below min_addr. */
	memset(fx->vm.ram, 0xaa, RAM_SIZE);
	assert_int_equal(load_kernel(fx, fx->img.buf, fx->img.len, RAM_BASE + 0x1000, &k), -ERANGE);
	assert_non_null(strstr(fx->msg, "overlaps the firmware"));
	assert_true(ram_untouched(fx));
}

static void test_kernel_and_firmware_files(void **state)
{
	struct fixture *fx = *state;
	struct loaded_kernel k;
	uint8_t buf[128];
	char path[32];
	uint64_t entry, end;

	linux_image(buf, sizeof(buf), 0x3000, 0x200);
	temp_file(path, buf, sizeof(buf));
	assert_int_equal(loader_load_kernel(&fx->vm, path, RAM_BASE, &k, fx->msg, sizeof(fx->msg)),
			 0);
	assert_int_equal(k.entry, RAM_BASE + 0x3000);
	/* A raw firmware ends where its file does. */
	assert_int_equal(
	    loader_load_firmware(&fx->vm, path, &entry, &end, fx->msg, sizeof(fx->msg)), 0);
	assert_int_equal(entry, RAM_BASE);
	assert_int_equal(end, RAM_BASE + sizeof(buf));
	unlink(path);
	/* An ELF firmware ends at its highest segment's end, bss included. */
	temp_file(path, fx->img.buf, fx->img.len);
	assert_int_equal(
	    loader_load_firmware(&fx->vm, path, &entry, &end, fx->msg, sizeof(fx->msg)), 0);
	assert_int_equal(entry, RAM_BASE + 0x100);
	assert_int_equal(end, RAM_BASE + 0x140);
	unlink(path);
	/* Errors name the file. */
	assert_int_equal(loader_load_kernel(&fx->vm, "/nonexistent/Image", RAM_BASE, &k, fx->msg,
					    sizeof(fx->msg)),
			 -ENOENT);
	assert_non_null(strstr(fx->msg, "/nonexistent/Image"));
	memset(buf, 0, sizeof(buf));
	temp_file(path, buf, 20);
	assert_int_equal(loader_load_kernel(&fx->vm, path, RAM_BASE, &k, fx->msg, sizeof(fx->msg)),
			 -ENOEXEC);
	assert_non_null(strstr(fx->msg, path));
	assert_non_null(strstr(fx->msg, "truncated"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_good_elf, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncated_header, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_phoff, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_segment_beyond_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_segment_outside_ram, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_second_segment_bad_loads_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_machine, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_files, setup, teardown),
	    cmocka_unit_test(test_file_shrinks),
	    cmocka_unit_test_setup_teardown(test_file_size_bound, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_raw, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_image_header, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_image_pe_truncated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_image_load, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_image_too_big, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_image_above_firmware, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_elf_kernel, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kernel_and_firmware_files, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
