/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Booting a guest: loading the kernel, initrd, device tree and firmware into a new VM and
 * putting its harts where a boot loader would leave them (Linux RISC-V boot protocol,
 * Documentation/arch/riscv/boot.rst; OpenSBI's FW_DYNAMIC interface).
 */
#ifndef VIREO_CORE_BOOT_H
#define VIREO_CORE_BOOT_H

#include <stddef.h>
#include <stdint.h>

struct vm;

/* What to boot. kernel == NULL with bios set: a bare M-mode payload (vireo run --bios). */
struct boot_params {
	const char *kernel; /* Linux Image or ELF, started in S-mode */
	const char *initrd; /* may be NULL */
	const char *append; /* kernel command line (/chosen/bootargs); may be NULL */
	const char *bios;   /* M-mode firmware such as OpenSBI's fw_dynamic; NULL: built-in SBI */
};

/*
 * Room kept for the device tree at the top of RAM. QEMU's virt board puts it in the last
 * 2 MiB aligned block of RAM so that neither the kernel nor the initrd can reach it.
 */
#define BOOT_FDT_MAX (64u << 10)
#define BOOT_FDT_ALIGN (2ull << 20)
#define BOOT_INITRD_ALIGN 4096ull

/* OpenSBI include/sbi/fw_dynamic.h: the info a FW_DYNAMIC firmware finds through a2. */
#define FW_DYNAMIC_INFO_MAGIC 0x4942534full /* "OSBI" */
#define FW_DYNAMIC_INFO_VERSION 2ull
#define FW_DYNAMIC_INFO_NEXT_MODE_S 1ull
#define FW_DYNAMIC_INFO_BOOT_HART_ANY (~0ull) /* relocation lottery */

/* struct fw_dynamic_info of OpenSBI (version 2) as laid out in guest RAM on RV64. */
struct fw_dynamic_info {
	uint64_t magic;
	uint64_t version;
	uint64_t next_addr; /* where the firmware enters the next stage */
	uint64_t next_mode; /* privilege of the next stage: 1 = S */
	uint64_t options;
	uint64_t boot_hart; /* preferred boot hart, or ~0 for the lottery */
};

/* Where the boot pieces go in guest physical memory. */
struct boot_layout {
	uint64_t kernel_start, kernel_end;
	uint64_t initrd_start, initrd_end; /* both 0 without an initrd */
	uint64_t fdt_addr;		   /* BOOT_FDT_MAX bytes are free there */
	uint64_t info_addr;		   /* struct fw_dynamic_info (firmware boots) */
};

/**
 * Places the initrd (initrd_size bytes, may be 0) and the device tree in RAM above a kernel
 * occupying [kernel_start, kernel_end); 0, or -ENOMEM with a message saying how much RAM
 * is needed.
 */
int boot_layout_place(struct boot_layout *l, uint64_t ram_base, uint64_t ram_size,
		      uint64_t kernel_start, uint64_t kernel_end, uint64_t initrd_size, char *err,
		      size_t len);

/** Fills a fw_dynamic_info that makes OpenSBI enter next_addr in S-mode. */
void boot_fw_dynamic_info(struct fw_dynamic_info *info, uint64_t next_addr);

/**
 * Loads everything p names into a freshly created VM and sets up its harts: built-in SBI
 * with the boot hart in S-mode at the kernel, or every hart in M-mode at the firmware's
 * entry (a0 = hart id, a1 = device tree, a2 = fw_dynamic_info). 0 or -errno with a message.
 */
int boot_load(struct vm *vm, const struct boot_params *p, char *err, size_t len);

#endif
