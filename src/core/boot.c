/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The boot sequence: firmware, kernel, initrd and device tree into guest RAM, then the harts
 * set up as the Linux RISC-V boot protocol (Documentation/arch/riscv/boot.rst) expects: the
 * kernel entered in S-mode with a0 = hart id and a1 = the device tree's physical address,
 * either by the built-in SBI or by an M-mode firmware such as OpenSBI's fw_dynamic.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/boot.h"
#include "core/errmsg.h"
#include "core/fdt.h"
#include "core/loader.h"
#include "core/vm.h"
#include "cpu/hart.h"
#include "fw/sbi.h"

_Static_assert(BOOT_FDT_MAX >= FDT_MAX_SIZE, "the device tree block must hold any tree");

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "fw_dynamic_info is copied to the little-endian guest in host order"
#endif

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

int boot_layout_place(struct boot_layout *l, uint64_t ram_base, uint64_t ram_size,
		      uint64_t kernel_start, uint64_t kernel_end, uint64_t initrd_size, char *err,
		      size_t len)
{
	uint64_t ram_end = ram_base + ram_size, kend, isize, need;

	memset(l, 0, sizeof(*l));
	/* Callers hold a VM, so ram_base + ram_size does not wrap and the kernel lies in RAM. */
	if (kernel_start < ram_base || kernel_end < kernel_start || kernel_end > ram_end)
		return errmsg(-EINVAL, err, len, "the kernel is not in RAM");
	kend = align_up(kernel_end, BOOT_INITRD_ALIGN);
	if (initrd_size > VM_RAM_MAX)
		return errmsg(-ENOMEM, err, len,
			      "the initrd (%" PRIu64
			      " bytes) is larger than the largest RAM (%llu GiB)",
			      initrd_size, VM_RAM_MAX >> 30);
	isize = align_up(initrd_size, BOOT_INITRD_ALIGN);
	/*
	 * The device tree takes the last 2 MiB aligned block that leaves it BOOT_FDT_MAX bytes
	 * plus a page for fw_dynamic_info (QEMU hw/riscv/boot.c riscv_compute_fdt_addr); the
	 * initrd goes right below it, as high as possible so the kernel's bss and early
	 * allocations after its image do not run into it.
	 */
	if (ram_size >= BOOT_FDT_MAX + VM_PAGE_SIZE)
		l->fdt_addr = align_down(ram_end - BOOT_FDT_MAX - VM_PAGE_SIZE, BOOT_FDT_ALIGN);
	if (l->fdt_addr >= kend && l->fdt_addr - kend >= isize) {
		l->kernel_start = kernel_start;
		l->kernel_end = kernel_end;
		if (initrd_size) {
			l->initrd_start = l->fdt_addr - isize;
			l->initrd_end = l->initrd_start + initrd_size;
		}
		l->info_addr = ram_end - VM_PAGE_SIZE;
		return 0;
	}
	/* With RAM a multiple of 2 MiB, the device tree block is the last 2 MiB of it. */
	need = align_up(kend - ram_base + isize + BOOT_FDT_ALIGN, BOOT_FDT_ALIGN);
	memset(l, 0, sizeof(*l));
	if (initrd_size)
		return errmsg(-ENOMEM, err, len,
			      "RAM too small: the kernel (up to 0x%" PRIx64
			      "), the initrd (%" PRIu64
			      " bytes) and the device tree need at least %" PRIu64
			      " MiB (have %" PRIu64 " MiB)",
			      kernel_end, initrd_size, need >> 20, ram_size >> 20);
	return errmsg(-ENOMEM, err, len,
		      "RAM too small: the kernel (up to 0x%" PRIx64 ") and the device tree need at "
		      "least %" PRIu64 " MiB (have %" PRIu64 " MiB)",
		      kernel_end, need >> 20, ram_size >> 20);
}

void boot_fw_dynamic_info(struct fw_dynamic_info *info, uint64_t next_addr)
{
	memset(info, 0, sizeof(*info));
	info->magic = FW_DYNAMIC_INFO_MAGIC;
	info->version = FW_DYNAMIC_INFO_VERSION;
	info->next_addr = next_addr;
	info->next_mode = FW_DYNAMIC_INFO_NEXT_MODE_S;
	info->options = 0;
	/*
	 * Hart 0 is the boot hart: every hart enters the firmware at once, and naming one
	 * avoids OpenSBI's relocation lottery (fw_dynamic.h, boot_hart).
	 */
	info->boot_hart = 0;
}

/* vireo run --bios FILE alone: an M-mode payload on every hart, a0 = hart id, a1 = 0. */
static int boot_bare(struct vm *vm, const char *bios, char *err, size_t len)
{
	uint64_t entry, end;
	int e;

	e = loader_load_firmware(vm, bios, &entry, &end, err, len);
	if (e)
		return e;
	for (unsigned i = 0; i < vm->nharts; i++) {
		hart_reset(vm->harts[i], entry);
		vm->harts[i]->x[10] = i;
	}
	return 0;
}

/* Copies the initrd file to where the layout wants it. */
static int boot_copy_initrd(struct vm *vm, const struct loader_file *f, const struct boot_layout *l,
			    char *err, size_t len)
{
	uint8_t *dst = vm_ram_ptr(vm, l->initrd_start, f->len);

	if (!dst)
		return errmsg(-ERANGE, err, len, "internal error: initrd outside RAM");
	memcpy(dst, f->data, f->len);
	mem_written(vm, l->initrd_start, f->len);
	return 0;
}

/* Builds the device tree (src/core/fdt.c) and copies it to l->fdt_addr. */
static int boot_write_fdt(struct vm *vm, const struct boot_params *p, const struct boot_layout *l,
			  char *err, size_t len)
{
	struct fdt_params fp = {
	    .bootargs = p->append ? p->append : "",
	    .initrd_start = l->initrd_start,
	    .initrd_end = l->initrd_end,
	};
	uint8_t *dst = vm_ram_ptr(vm, l->fdt_addr, BOOT_FDT_MAX);
	void *buf;
	int e;

	if (!dst)
		return errmsg(-ERANGE, err, len, "internal error: device tree outside RAM");
	buf = calloc(1, BOOT_FDT_MAX);
	if (!buf)
		return errmsg(-ENOMEM, err, len, "out of memory for the device tree");
	e = fdt_build(vm, &fp, buf, BOOT_FDT_MAX);
	if (e < 0) {
		errmsg(e, err, len, "cannot build the device tree: %s%s", strerror(-e),
		       e == -ENOSPC ? " (is the kernel command line too long?)" : "");
	} else {
		memcpy(dst, buf, BOOT_FDT_MAX);
		mem_written(vm, l->fdt_addr, BOOT_FDT_MAX);
		e = 0;
	}
	free(buf);
	return e;
}

/* Writes fw_dynamic_info and starts every hart in M-mode at the firmware's entry. */
static int boot_start_firmware(struct vm *vm, uint64_t fw_entry, uint64_t kernel_entry,
			       const struct boot_layout *l, char *err, size_t len)
{
	struct fw_dynamic_info info;
	uint8_t *dst = vm_ram_ptr(vm, l->info_addr, sizeof(info));

	if (!dst)
		return errmsg(-ERANGE, err, len, "internal error: fw_dynamic_info outside RAM");
	boot_fw_dynamic_info(&info, kernel_entry);
	memcpy(dst, &info, sizeof(info));
	mem_written(vm, l->info_addr, sizeof(info));
	/* OpenSBI fw_base.S: a0 = hart id, a1 = device tree, a2 = fw_dynamic_info. */
	for (unsigned i = 0; i < vm->nharts; i++) {
		struct hart *h = vm->harts[i];

		hart_reset(h, fw_entry);
		h->x[10] = h->id;
		h->x[11] = l->fdt_addr;
		h->x[12] = l->info_addr;
	}
	return 0;
}

/*
 * Reads the initrd if it fits between the kernel k and the device tree: a bigger one is refused
 * before anything is read, with boot_layout_place's message on the RAM it would need.
 */
static int boot_map_initrd(struct vm *vm, const char *path, const struct loaded_kernel *k,
			   struct loader_file *f, char *err, size_t len)
{
	struct boot_layout l;
	uint64_t room;
	int e;

	e = boot_layout_place(&l, vm->ram_base, vm->ram_size, k->start, k->end, 0, err, len);
	if (e)
		return e;
	/* Both ends are page aligned, so any size up to room rounds up to at most room. */
	room = l.fdt_addr - align_up(k->end, BOOT_INITRD_ALIGN);
	e = loader_file_map(path, room, f, err, len);
	if (e != -EFBIG)
		return e;
	e = boot_layout_place(&l, vm->ram_base, vm->ram_size, k->start, k->end, f->len, err, len);
	return e ? e : -EFBIG;
}

/* The kernel boot: optional firmware, kernel, initrd, device tree, then the harts. */
static int boot_kernel(struct vm *vm, const struct boot_params *p, char *err, size_t len)
{
	struct loader_file initrd = {0};
	struct loaded_kernel k;
	struct boot_layout l;
	uint64_t fw_entry = 0, fw_end = vm->ram_base;
	int e;

	if (p->bios) {
		e = loader_load_firmware(vm, p->bios, &fw_entry, &fw_end, err, len);
		if (e)
			return e;
	}
	e = loader_load_kernel(vm, p->kernel, fw_end, &k, err, len);
	if (e)
		return e;
	if (p->initrd) {
		e = boot_map_initrd(vm, p->initrd, &k, &initrd, err, len);
		if (e)
			return e;
	}
	e = boot_layout_place(&l, vm->ram_base, vm->ram_size, k.start, k.end, initrd.len, err, len);
	if (!e && initrd.len)
		e = boot_copy_initrd(vm, &initrd, &l, err, len);
	if (initrd.data)
		loader_file_unmap(&initrd);
	if (!e)
		e = boot_write_fdt(vm, p, &l, err, len);
	if (e)
		return e;
	if (p->bios)
		return boot_start_firmware(vm, fw_entry, k.entry, &l, err, len);
	vm->sbi_builtin = true;
	sbi_boot(vm, k.entry, l.fdt_addr);
	return 0;
}

int boot_load(struct vm *vm, const struct boot_params *p, char *err, size_t len)
{
	if (err && len)
		err[0] = '\0';
	if (p->kernel)
		return boot_kernel(vm, p, err, len);
	if (p->initrd || p->append)
		return errmsg(-EINVAL, err, len,
			      "an initrd or a kernel command line needs a kernel");
	if (!p->bios)
		return errmsg(-EINVAL, err, len, "nothing to boot: no kernel and no firmware");
	return boot_bare(vm, p->bios, err, len);
}
