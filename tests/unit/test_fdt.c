/* SPDX-License-Identifier: Apache-2.0 */
/* The device tree of a 2-hart VM, parsed back with libfdt: nodes, properties, phandle links. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libfdt.h>

#include "core/board.h"
#include "core/fdt.h"
#include "core/vm.h"
#include "dev/devices.h"

#define NHARTS 2
#define RAM_SIZE (128ull << 20)

struct fixture {
	struct vm *vm;
	void *fdt;
};

static int setup(void **state)
{
	static struct fixture fx;
	struct vm_config cfg = {.ram_size = RAM_SIZE, .nharts = NHARTS};
	struct fdt_params p = {
	    .bootargs = "console=ttyS0 earlycon",
	    .initrd_start = 0x84000000,
	    .initrd_end = 0x84123456,
	};
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	cfg.console_fd = fd;
	fx.fdt = malloc(FDT_MAX_SIZE);
	if (!fx.fdt || vm_create(&fx.vm, &cfg))
		return -1;
	if (fdt_build(fx.vm, &p, fx.fdt, FDT_MAX_SIZE))
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	int fd = fx->vm->console_fd;

	vm_destroy(fx->vm);
	close(fd);
	free(fx->fdt);
	return 0;
}

static int node(const void *fdt, const char *path)
{
	int off = fdt_path_offset(fdt, path);

	if (off < 0)
		fail_msg("no node %s", path);
	return off;
}

static const char *str(const void *fdt, const char *path, const char *prop)
{
	const char *s = fdt_getprop(fdt, node(fdt, path), prop, NULL);

	if (!s)
		fail_msg("no %s in %s", prop, path);
	return s;
}

static uint32_t u32(const void *fdt, const char *path, const char *prop)
{
	int len;
	const fdt32_t *v = fdt_getprop(fdt, node(fdt, path), prop, &len);

	if (!v || len != 4)
		fail_msg("no 32-bit %s in %s", prop, path);
	return fdt32_to_cpu(*v);
}

/* The cells of a property; *n gets their number. */
static const fdt32_t *cells(const void *fdt, const char *path, const char *prop, int *n)
{
	int len;
	const fdt32_t *v = fdt_getprop(fdt, node(fdt, path), prop, &len);

	if (!v || len % 4)
		fail_msg("no cells %s in %s", prop, path);
	*n = len / 4;
	return v;
}

/* The cell at index i of a property, in host order. */
static uint32_t cell(const void *fdt, const char *path, const char *prop, int i)
{
	int n;
	const fdt32_t *v = cells(fdt, path, prop, &n);

	assert_true(i < n);
	return fdt32_to_cpu(v[i]);
}

static uint64_t reg64(const void *fdt, const char *path, int i)
{
	return ((uint64_t)cell(fdt, path, "reg", 2 * i) << 32) | cell(fdt, path, "reg", 2 * i + 1);
}

/* A 64-bit property value; properties are only 4-byte aligned. */
static uint64_t prop64(const void *v)
{
	fdt64_t be;

	memcpy(&be, v, sizeof(be));
	return fdt64_to_cpu(be);
}

static void test_fdt_root_chosen_memory(void **state)
{
	struct fixture *fx = *state;
	const void *fdt = fx->fdt;
	const void *v;
	int len;

	assert_int_equal(fdt_check_header(fdt), 0);
	assert_true(fdt_totalsize(fdt) <= FDT_MAX_SIZE);
	assert_int_equal(u32(fdt, "/", "#address-cells"), 2);
	assert_int_equal(u32(fdt, "/", "#size-cells"), 2);
	assert_string_equal(str(fdt, "/", "compatible"), "riscv-virtio");
	assert_non_null(fdt_getprop(fdt, 0, "model", NULL));
	assert_string_equal(str(fdt, "/chosen", "bootargs"), "console=ttyS0 earlycon");
	/* stdout-path names the UART node, which exists. */
	assert_string_equal(str(fdt, "/chosen", "stdout-path"), "/soc/serial@10000000");
	assert_string_equal(str(fdt, "/soc/serial@10000000", "compatible"), "ns16550a");
	v = fdt_getprop(fdt, node(fdt, "/chosen"), "linux,initrd-start", &len);
	assert_int_equal(len, 8);
	assert_int_equal(prop64(v), 0x84000000);
	v = fdt_getprop(fdt, node(fdt, "/chosen"), "linux,initrd-end", &len);
	assert_int_equal(len, 8);
	assert_int_equal(prop64(v), 0x84123456);
	assert_non_null(fdt_getprop(fdt, node(fdt, "/chosen"), "rng-seed", &len));
	assert_int_equal(len, 32);
	assert_string_equal(str(fdt, "/memory@80000000", "device_type"), "memory");
	assert_int_equal(reg64(fdt, "/memory@80000000", 0), 0x80000000);
	assert_int_equal(reg64(fdt, "/memory@80000000", 1), RAM_SIZE);
}

static void test_fdt_cpus(void **state)
{
	struct fixture *fx = *state;
	const void *fdt = fx->fdt;
	char path[64];

	assert_int_equal(u32(fdt, "/cpus", "timebase-frequency"), 10000000);
	assert_int_equal(u32(fdt, "/cpus", "#address-cells"), 1);
	assert_int_equal(u32(fdt, "/cpus", "#size-cells"), 0);
	assert_true(fdt_path_offset(fdt, "/cpus/cpu@2") < 0);
	for (unsigned h = 0; h < NHARTS; h++) {
		const char *ext;
		int len, i = 0, cpu;

		snprintf(path, sizeof(path), "/cpus/cpu@%u", h);
		assert_string_equal(str(fdt, path, "device_type"), "cpu");
		assert_int_equal(u32(fdt, path, "reg"), h);
		assert_string_equal(str(fdt, path, "status"), "okay");
		assert_string_equal(str(fdt, path, "compatible"), "riscv");
		assert_string_equal(str(fdt, path, "riscv,isa"),
				    "rv64imafdc_zicntr_zicsr_zifencei_sstc");
		assert_string_equal(str(fdt, path, "riscv,isa-base"), "rv64i");
		assert_string_equal(str(fdt, path, "mmu-type"), "riscv,sv57");
		/* riscv,isa-extensions is the one list, entry by entry. */
		assert_int_equal(fdt_stringlist_count(fdt, node(fdt, path), "riscv,isa-extensions"),
				 10);
		for (; fdt_isa_extensions[i]; i++) {
			ext = fdt_stringlist_get(fdt, node(fdt, path), "riscv,isa-extensions", i,
						 &len);
			assert_non_null(ext);
			assert_string_equal(ext, fdt_isa_extensions[i]);
		}
		assert_int_equal(i, 10);
		strcat(path, "/interrupt-controller");
		assert_string_equal(str(fdt, path, "compatible"), "riscv,cpu-intc");
		assert_int_equal(u32(fdt, path, "#interrupt-cells"), 1);
		assert_non_null(fdt_getprop(fdt, node(fdt, path), "interrupt-controller", NULL));
		assert_true(fdt_get_phandle(fdt, node(fdt, path)) != 0);
		/* cpu-map/cluster0/coreN points at cpu@N. */
		snprintf(path, sizeof(path), "/cpus/cpu-map/cluster0/core%u", h);
		cpu = fdt_node_offset_by_phandle(fdt, u32(fdt, path, "cpu"));
		assert_true(cpu >= 0);
		snprintf(path, sizeof(path), "cpu@%u", h);
		assert_string_equal(fdt_get_name(fdt, cpu, NULL), path);
	}
}

/* The node an interrupts-extended entry's phandle names must be hart h's cpu-intc. */
static void assert_intc_of_hart(const void *fdt, uint32_t phandle, unsigned h)
{
	int off = fdt_node_offset_by_phandle(fdt, phandle);
	char path[128];

	assert_true(off >= 0);
	assert_int_equal(fdt_node_check_compatible(fdt, off, "riscv,cpu-intc"), 0);
	assert_int_equal(fdt_get_path(fdt, off, path, sizeof(path)), 0);
	snprintf(path + 64, 64, "/cpus/cpu@%u/interrupt-controller", h);
	assert_string_equal(path, path + 64);
}

static void test_fdt_clint_plic(void **state)
{
	struct fixture *fx = *state;
	const void *fdt = fx->fdt;
	const char *clint = "/soc/clint@2000000", *plic = "/soc/plic@c000000";
	int n, off;

	assert_string_equal(str(fdt, "/soc", "compatible"), "simple-bus");
	assert_non_null(fdt_getprop(fdt, node(fdt, "/soc"), "ranges", &n));
	assert_int_equal(n, 0);
	off = node(fdt, clint);
	assert_int_equal(fdt_node_check_compatible(fdt, off, "sifive,clint0"), 0);
	assert_int_equal(fdt_node_check_compatible(fdt, off, "riscv,clint0"), 0);
	assert_int_equal(reg64(fdt, clint, 0), 0x2000000);
	assert_int_equal(reg64(fdt, clint, 1), 0x10000);
	cells(fdt, clint, "interrupts-extended", &n);
	assert_int_equal(n, 4 * NHARTS);
	for (unsigned h = 0; h < NHARTS; h++) {
		assert_intc_of_hart(fdt, cell(fdt, clint, "interrupts-extended", 4 * h), h);
		assert_int_equal(cell(fdt, clint, "interrupts-extended", 4 * h + 1), 3);
		assert_intc_of_hart(fdt, cell(fdt, clint, "interrupts-extended", 4 * h + 2), h);
		assert_int_equal(cell(fdt, clint, "interrupts-extended", 4 * h + 3), 7);
	}
	off = node(fdt, plic);
	assert_int_equal(fdt_stringlist_search(fdt, off, "compatible", "sifive,plic-1.0.0"), 0);
	assert_int_equal(fdt_stringlist_search(fdt, off, "compatible", "riscv,plic0"), 1);
	assert_int_equal(reg64(fdt, plic, 0), 0xc000000);
	assert_int_equal(reg64(fdt, plic, 1), 0x600000);
	assert_int_equal(u32(fdt, plic, "riscv,ndev"), 95);
	assert_int_equal(u32(fdt, plic, "#interrupt-cells"), 1);
	assert_int_equal(u32(fdt, plic, "#address-cells"), 0);
	assert_non_null(fdt_getprop(fdt, off, "interrupt-controller", NULL));
	assert_true(fdt_get_phandle(fdt, off) != 0);
	cells(fdt, plic, "interrupts-extended", &n);
	assert_int_equal(n, 4 * NHARTS);
	/* Context 2h is hart h's M-mode external interrupt (11), 2h+1 its S-mode one (9). */
	for (unsigned h = 0; h < NHARTS; h++) {
		assert_intc_of_hart(fdt, cell(fdt, plic, "interrupts-extended", 4 * h), h);
		assert_int_equal(cell(fdt, plic, "interrupts-extended", 4 * h + 1), 11);
		assert_intc_of_hart(fdt, cell(fdt, plic, "interrupts-extended", 4 * h + 2), h);
		assert_int_equal(cell(fdt, plic, "interrupts-extended", 4 * h + 3), 9);
	}
}

/* A device node under /soc with its reg, compatible and (irq != 0) PLIC interrupt. */
static void check_device(const void *fdt, const char *path, const char *compat, uint64_t base,
			 uint64_t size, unsigned irq)
{
	int off = node(fdt, path);
	uint32_t plic = fdt_get_phandle(fdt, node(fdt, "/soc/plic@c000000"));

	assert_int_equal(fdt_node_check_compatible(fdt, off, compat), 0);
	assert_int_equal(reg64(fdt, path, 0), base);
	assert_int_equal(reg64(fdt, path, 1), size);
	if (irq) {
		assert_int_equal(u32(fdt, path, "interrupts"), irq);
		assert_int_equal(u32(fdt, path, "interrupt-parent"), plic);
	} else {
		assert_null(fdt_getprop(fdt, off, "interrupts", NULL));
	}
}

static void test_fdt_devices(void **state)
{
	struct fixture *fx = *state;
	const void *fdt = fx->fdt;
	int test;

	check_device(fdt, "/soc/serial@10000000", "ns16550a", 0x10000000, 0x100, 10);
	assert_int_equal(u32(fdt, "/soc/serial@10000000", "clock-frequency"), 3686400);
	check_device(fdt, "/soc/rtc@101000", "google,goldfish-rtc", 0x101000, 0x1000, 11);
	check_device(fdt, "/soc/pvpanic@102000", "qemu,pvpanic-mmio", 0x102000, 0x1000, 0);
	check_device(fdt, "/soc/test@100000", "sifive,test0", 0x100000, 0x1000, 0);
	test = node(fdt, "/soc/test@100000");
	assert_int_equal(fdt_stringlist_search(fdt, test, "compatible", "sifive,test1"), 0);
	assert_int_equal(fdt_stringlist_search(fdt, test, "compatible", "syscon"), 2);
	/* poweroff and reboot write the finisher through its syscon regmap. */
	assert_int_equal(fdt_node_check_compatible(fdt, node(fdt, "/poweroff"), "syscon-poweroff"),
			 0);
	assert_int_equal(u32(fdt, "/poweroff", "regmap"), fdt_get_phandle(fdt, test));
	assert_int_equal(u32(fdt, "/poweroff", "offset"), 0);
	assert_int_equal(u32(fdt, "/poweroff", "value"), 0x5555);
	assert_int_equal(fdt_node_check_compatible(fdt, node(fdt, "/reboot"), "syscon-reboot"), 0);
	assert_int_equal(u32(fdt, "/reboot", "regmap"), fdt_get_phandle(fdt, test));
	assert_int_equal(u32(fdt, "/reboot", "value"), 0x7777);
}

/* Every board row has its nodes, /soc lists them in address order, and phandles are unique. */
static void test_fdt_board_and_phandles(void **state)
{
	struct fixture *fx = *state;
	const void *fdt = fx->fdt;
	const struct board_device *devs;
	uint32_t seen[256];
	unsigned nseen = 0, nsoc = 0, want = 0;
	uint64_t last = 0;
	size_t n;
	int off, depth = 0;

	devs = board_devices(&n);
	for (size_t i = 0; i < n; i++)
		want += devs[i].fdt ? board_device_count(&devs[i]) : 0;
	fdt_for_each_subnode(off, fdt, node(fdt, "/soc"))
	{
		const char *at = strchr(fdt_get_name(fdt, off, NULL), '@');
		uint64_t base;

		assert_non_null(at);
		base = strtoull(at + 1, NULL, 16);
		assert_true(nsoc == 0 || base > last);
		last = base;
		nsoc++;
	}
	assert_int_equal(nsoc, want);
	for (off = 0; off >= 0; off = fdt_next_node(fdt, off, &depth)) {
		uint32_t ph = fdt_get_phandle(fdt, off);

		if (!ph)
			continue;
		for (unsigned i = 0; i < nseen; i++)
			assert_int_not_equal(seen[i], ph);
		assert_true(nseen < 256);
		seen[nseen++] = ph;
	}
	/* 2 cpus, 2 intcs, the PLIC and the finisher's syscon at least. */
	assert_true(nseen >= 2 * NHARTS + 2);
}

static void test_fdt_params(void **state)
{
	struct fixture *fx = *state;
	struct fdt_params p = {0};
	uint8_t small[256];
	char *big = malloc(FDT_MAX_SIZE);
	int off;

	assert_non_null(big);

	/* No bootargs, no initrd: the properties are absent. */
	assert_int_equal(fdt_build(fx->vm, &p, fx->fdt, FDT_MAX_SIZE), 0);
	off = node(fx->fdt, "/chosen");
	assert_null(fdt_getprop(fx->fdt, off, "bootargs", NULL));
	assert_null(fdt_getprop(fx->fdt, off, "linux,initrd-start", NULL));
	assert_non_null(fdt_getprop(fx->fdt, off, "stdout-path", NULL));
	/* Too small a buffer. */
	assert_int_equal(fdt_build(fx->vm, &p, small, sizeof(small)), -ENOSPC);
	assert_int_equal(fdt_build(fx->vm, &p, fx->fdt, 8), -ENOSPC);
	/* An initrd must be a non-empty range inside RAM. */
	p.initrd_start = 0x81000000;
	p.initrd_end = 0x80000000;
	assert_int_equal(fdt_build(fx->vm, &p, fx->fdt, FDT_MAX_SIZE), -EINVAL);
	p.initrd_start = 0x80000000 + RAM_SIZE - 0x1000;
	p.initrd_end = 0x80000000 + RAM_SIZE + 0x1000;
	assert_int_equal(fdt_build(fx->vm, &p, fx->fdt, FDT_MAX_SIZE), -EINVAL);
	p.initrd_start = 0x1000;
	p.initrd_end = 0x2000;
	assert_int_equal(fdt_build(fx->vm, &p, fx->fdt, FDT_MAX_SIZE), -EINVAL);
	p.initrd_start = 0;
	p.initrd_end = 0x80001000;
	assert_int_equal(fdt_build(fx->vm, &p, fx->fdt, FDT_MAX_SIZE), -EINVAL);
	/* A command line too long for the buffer. */
	memset(big, 'x', FDT_MAX_SIZE - 1);
	big[FDT_MAX_SIZE - 1] = '\0';
	p.initrd_start = p.initrd_end = 0;
	p.bootargs = big;
	assert_int_equal(fdt_build(fx->vm, &p, fx->fdt, FDT_MAX_SIZE), -ENOSPC);
	free(big);
}

/* The largest machine's tree fits in FDT_MAX_SIZE. */
static void test_fdt_max_harts(void **state)
{
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = VM_MAX_HARTS};
	struct fdt_params p = {.bootargs = "console=ttyS0"};
	void *buf = malloc(FDT_MAX_SIZE);
	struct vm *vm;
	char path[64];
	int n;

	(void)state;
	assert_non_null(buf);
	cfg.console_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_true(cfg.console_fd >= 0);
	assert_int_equal(vm_create(&vm, &cfg), 0);
	assert_int_equal(fdt_build(vm, &p, buf, FDT_MAX_SIZE), 0);
	snprintf(path, sizeof(path), "/cpus/cpu@%u", VM_MAX_HARTS - 1);
	assert_int_equal(u32(buf, path, "reg"), VM_MAX_HARTS - 1);
	cells(buf, "/soc/plic@c000000", "interrupts-extended", &n);
	assert_int_equal(n, 4 * VM_MAX_HARTS);
	vm_destroy(vm);
	close(cfg.console_fd);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_fdt_root_chosen_memory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fdt_cpus, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fdt_clint_plic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fdt_devices, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fdt_board_and_phandles, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fdt_params, setup, teardown),
	    cmocka_unit_test(test_fdt_max_harts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
