/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the boot sequence: placement of initrd and device tree, fw_dynamic_info, boot_load.
 */
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

#include "core/boot.h"
#include "core/vm.h"
#include "cpu/hart.h"

#define RAM_BASE 0x80000000ull
#define MiB (1ull << 20)

/* Checks the invariants every layout must keep. */
static void check_layout(const struct boot_layout *l, uint64_t ram_size, uint64_t kstart,
			 uint64_t kend, uint64_t isize)
{
	uint64_t ram_end = RAM_BASE + ram_size;

	assert_int_equal(l->kernel_start, kstart);
	assert_int_equal(l->kernel_end, kend);
	assert_int_equal(l->fdt_addr % BOOT_FDT_ALIGN, 0);
	assert_true(l->fdt_addr >= kend);
	assert_true(l->fdt_addr + BOOT_FDT_MAX <= l->info_addr);
	assert_true(l->info_addr + sizeof(struct fw_dynamic_info) <= ram_end);
	assert_int_equal(l->info_addr % 8, 0);
	if (!isize) {
		assert_int_equal(l->initrd_start, 0);
		assert_int_equal(l->initrd_end, 0);
		return;
	}
	assert_int_equal(l->initrd_start % BOOT_INITRD_ALIGN, 0);
	assert_int_equal(l->initrd_end - l->initrd_start, isize);
	assert_true(l->initrd_start >= kend);
	assert_true(l->initrd_end <= l->fdt_addr);
}

static void test_layout_512m(void **state)
{
	struct boot_layout l;
	char err[256];
	uint64_t kstart = RAM_BASE + 2 * MiB, kend = kstart + 0x23a0000;

	(void)state;
	assert_int_equal(
	    boot_layout_place(&l, RAM_BASE, 512 * MiB, kstart, kend, 10000001, err, sizeof(err)),
	    0);
	check_layout(&l, 512 * MiB, kstart, kend, 10000001);
	/* The device tree takes the last 2 MiB block, the initrd sits right below it. */
	assert_int_equal(l.fdt_addr, RAM_BASE + 510 * MiB);
	assert_int_equal(l.initrd_start, l.fdt_addr - 10002432);
	assert_int_equal(
	    boot_layout_place(&l, RAM_BASE, 512 * MiB, kstart, kend, 0, err, sizeof(err)), 0);
	check_layout(&l, 512 * MiB, kstart, kend, 0);
}

static void test_layout_too_small(void **state)
{
	struct boot_layout l;
	char err[256], want[64];
	uint64_t kstart = RAM_BASE + 2 * MiB, kend = kstart + 13 * MiB + 5;
	uint64_t isize = 3 * MiB + 1;

	(void)state;
	/* Kernel up to 15 MiB + 4 KiB, initrd 3 MiB + 4 KiB, device tree 2 MiB: 22 MiB. */
	assert_int_equal(
	    boot_layout_place(&l, RAM_BASE, 20 * MiB, kstart, kend, isize, err, sizeof(err)),
	    -ENOMEM);
	snprintf(want, sizeof(want), "at least %llu MiB", 22ull);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "initrd"));
	assert_int_equal(
	    boot_layout_place(&l, RAM_BASE, 22 * MiB, kstart, kend, isize, err, sizeof(err)), 0);
	check_layout(&l, 22 * MiB, kstart, kend, isize);
	/* Without the initrd, 18 MiB is enough and 16 MiB is not. */
	assert_int_equal(
	    boot_layout_place(&l, RAM_BASE, 16 * MiB, kstart, kend, 0, err, sizeof(err)), -ENOMEM);
	assert_non_null(strstr(err, "at least 18 MiB"));
	assert_int_equal(
	    boot_layout_place(&l, RAM_BASE, 18 * MiB, kstart, kend, 0, err, sizeof(err)), 0);
	check_layout(&l, 18 * MiB, kstart, kend, 0);
	/* An initrd larger than any RAM, and one whose size would wrap when aligned. */
	assert_int_equal(
	    boot_layout_place(&l, RAM_BASE, 512 * MiB, kstart, kend, ~0ull - 1, err, sizeof(err)),
	    -ENOMEM);
	assert_int_equal(boot_layout_place(&l, RAM_BASE, 512 * MiB, kstart, kend, VM_RAM_MAX + 1,
					   err, sizeof(err)),
			 -ENOMEM);
	/* A kernel outside RAM is a caller bug, refused all the same. */
	assert_int_equal(
	    boot_layout_place(&l, RAM_BASE, 16 * MiB, RAM_BASE - 1, kend, 0, err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(boot_layout_place(&l, RAM_BASE, 16 * MiB, kstart, RAM_BASE + 17 * MiB, 0,
					   err, sizeof(err)),
			 -EINVAL);
}

static void test_fw_dynamic_info(void **state)
{
	struct fw_dynamic_info info;

	(void)state;
	/* OpenSBI include/sbi/fw_dynamic.h: six unsigned longs in this order. */
	assert_int_equal(sizeof(info), 6 * 8);
	assert_int_equal(offsetof(struct fw_dynamic_info, next_addr), 16);
	assert_int_equal(offsetof(struct fw_dynamic_info, next_mode), 24);
	assert_int_equal(offsetof(struct fw_dynamic_info, boot_hart), 40);
	memset(&info, 0xff, sizeof(info));
	boot_fw_dynamic_info(&info, 0x80200000);
	assert_int_equal(info.magic, 0x4942534f);
	assert_memory_equal(&info.magic, "OSBI", 4);
	assert_int_equal(info.version, 2);
	assert_int_equal(info.next_addr, 0x80200000);
	assert_int_equal(info.next_mode, 1);
	assert_int_equal(info.options, 0);
	assert_int_equal(info.boot_hart, 0);
}

/* Writes len bytes to a new temp file named in path (size >= 32). */
static void temp_file(char *path, const void *data, size_t len)
{
	int fd;

	strcpy(path, "/tmp/vireo-boot-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* A minimal Linux Image file: header with text_offset 2 MiB, image_size isize. */
static void image_file(char *path, uint64_t isize)
{
	uint8_t buf[4096] = {'M', 'Z'};
	uint64_t text_offset = 2 * MiB;

	memcpy(buf + 8, &text_offset, 8);
	memcpy(buf + 16, &isize, 8);
	memcpy(buf + 56, "RSC\x05", 4);
	buf[4095] = 0x5a;
	temp_file(path, buf, sizeof(buf));
}

struct boot_fx {
	struct vm *vm;
	char kernel[32], initrd[32], fw[32];
	char err[512];
};

static int boot_setup(void **state)
{
	struct boot_fx *fx = calloc(1, sizeof(*fx));
	struct vm_config cfg = {.ram_size = 64 * MiB, .nharts = 2};
	uint8_t initrd[10000], fw[300];

	if (!fx || vm_create(&fx->vm, &cfg))
		return -1;
	for (unsigned i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i * 7);
	memset(fw, 0x13, sizeof(fw));
	image_file(fx->kernel, 8 * MiB);
	temp_file(fx->initrd, initrd, sizeof(initrd));
	temp_file(fx->fw, fw, sizeof(fw));
	*state = fx;
	return 0;
}

static int boot_teardown(void **state)
{
	struct boot_fx *fx = *state;

	unlink(fx->kernel);
	unlink(fx->initrd);
	unlink(fx->fw);
	vm_destroy(fx->vm);
	free(fx);
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A device tree blob at addr whose strings include s. */
static void check_fdt(struct vm *vm, uint64_t addr, const char *s)
{
	uint8_t *p = vm_ram_ptr(vm, addr, BOOT_FDT_MAX);
	uint32_t total;

	assert_non_null(p);
	assert_int_equal(be32(p), 0xd00dfeed);
	total = be32(p + 4);
	assert_true(total > 64 && total <= BOOT_FDT_MAX);
	assert_non_null(memmem(p, total, s, strlen(s) + 1));
}

static void test_boot_firmware(void **state)
{
	struct boot_fx *fx = *state;
	struct boot_params p = {.kernel = fx->kernel,
				.initrd = fx->initrd,
				.append = "console=ttyS0 vireo-test",
				.bios = fx->fw};
	struct fw_dynamic_info info;
	struct vm *vm = fx->vm;
	uint64_t fdt, initrd;
	uint8_t *ip;

	assert_int_equal(boot_load(vm, &p, fx->err, sizeof(fx->err)), 0);
	assert_false(vm->sbi_builtin);
	fdt = vm->harts[0]->x[11];
	/* Every hart enters the firmware in M-mode: a0 = hart id, a1 = fdt, a2 = info. */
	for (unsigned i = 0; i < 2; i++) {
		struct hart *h = vm->harts[i];

		assert_int_equal(h->pc, RAM_BASE);
		assert_int_equal(h->priv, PRIV_M);
		assert_int_equal(h->x[10], i);
		assert_int_equal(h->x[11], fdt);
		assert_false(atomic_load(&h->halted));
		memcpy(&info, vm_ram_ptr(vm, h->x[12], sizeof(info)), sizeof(info));
		assert_int_equal(info.magic, FW_DYNAMIC_INFO_MAGIC);
		assert_int_equal(info.next_addr, RAM_BASE + 2 * MiB);
		assert_int_equal(info.next_mode, FW_DYNAMIC_INFO_NEXT_MODE_S);
	}
	assert_int_equal(vm->ram[0], 0x13);		 /* the firmware */
	assert_memory_equal(vm->ram + 2 * MiB, "MZ", 2); /* the kernel at text_offset */
	assert_int_equal(vm->ram[2 * MiB + 4095], 0x5a);
	check_fdt(vm, fdt, "console=ttyS0 vireo-test");
	assert_int_equal(fdt, RAM_BASE + 62 * MiB);
	/* The initrd lies between the kernel's image_size and the device tree. */
	initrd = fdt - 12288;
	ip = vm_ram_ptr(vm, initrd, 10000);
	assert_non_null(ip);
	for (unsigned i = 0; i < 10000; i++)
		assert_int_equal(ip[i], (uint8_t)(i * 7));
}

static void test_boot_builtin_sbi(void **state)
{
	struct boot_fx *fx = *state;
	struct boot_params p = {.kernel = fx->kernel, .append = "root=/dev/vda"};
	struct vm *vm = fx->vm;

	assert_int_equal(boot_load(vm, &p, fx->err, sizeof(fx->err)), 0);
	assert_true(vm->sbi_builtin);
	/* sbi_boot's contract: hart 0 in S-mode at the kernel with a0 = 0, a1 = fdt. */
	assert_int_equal(vm->harts[0]->pc, RAM_BASE + 2 * MiB);
	assert_int_equal(vm->harts[0]->priv, PRIV_S);
	assert_int_equal(vm->harts[0]->x[10], 0);
	assert_int_equal(vm->harts[0]->x[11], RAM_BASE + 62 * MiB);
	check_fdt(vm, vm->harts[0]->x[11], "root=/dev/vda");
}

static void test_boot_errors(void **state)
{
	struct boot_fx *fx = *state;
	struct boot_params p = {.kernel = fx->kernel, .initrd = "/nonexistent/initrd.img"};
	char big[32];

	assert_int_equal(boot_load(fx->vm, &p, fx->err, sizeof(fx->err)), -ENOENT);
	assert_non_null(strstr(fx->err, "/nonexistent/initrd.img"));
	/* 61 MiB of image_size leaves no room for the device tree in 64 MiB. */
	image_file(big, 61 * MiB);
	p.kernel = big;
	p.initrd = NULL;
	assert_int_equal(boot_load(fx->vm, &p, fx->err, sizeof(fx->err)), -ENOMEM);
	assert_non_null(strstr(fx->err, "RAM too small"));
	assert_non_null(strstr(fx->err, "at least 66 MiB"));
	unlink(big);
	/* Nothing to boot, or kernel options without a kernel. */
	p.kernel = NULL;
	assert_int_equal(boot_load(fx->vm, &p, fx->err, sizeof(fx->err)), -EINVAL);
	p.bios = fx->fw;
	p.append = "x";
	assert_int_equal(boot_load(fx->vm, &p, fx->err, sizeof(fx->err)), -EINVAL);
}

static void test_boot_bare_bios(void **state)
{
	struct boot_fx *fx = *state;
	struct boot_params p = {.bios = fx->fw};

	assert_int_equal(boot_load(fx->vm, &p, fx->err, sizeof(fx->err)), 0);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(fx->vm->harts[i]->pc, RAM_BASE);
		assert_int_equal(fx->vm->harts[i]->priv, PRIV_M);
		assert_int_equal(fx->vm->harts[i]->x[10], i);
		assert_int_equal(fx->vm->harts[i]->x[11], 0);
	}
	assert_false(fx->vm->sbi_builtin);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout_512m),
	    cmocka_unit_test(test_layout_too_small),
	    cmocka_unit_test(test_fw_dynamic_info),
	    cmocka_unit_test_setup_teardown(test_boot_firmware, boot_setup, boot_teardown),
	    cmocka_unit_test_setup_teardown(test_boot_builtin_sbi, boot_setup, boot_teardown),
	    cmocka_unit_test_setup_teardown(test_boot_errors, boot_setup, boot_teardown),
	    cmocka_unit_test_setup_teardown(test_boot_bare_bios, boot_setup, boot_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
