/* SPDX-License-Identifier: Apache-2.0 */
/* A virtual machine: guest RAM, the bus with its devices, and the harts. */
#ifndef VIREO_CORE_VM_H
#define VIREO_CORE_VM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pthread.h>

#include "core/bus.h"
#include "core/mem.h"
#include "vireo/vireo.h"

struct conout;
struct hart;

#define VM_MAX_HARTS 32
#define VM_PAGE_SHIFT 12
#define VM_PAGE_SIZE (1ull << VM_PAGE_SHIFT)
/* mtime ticks per second (DESIGN.md: timebase 10 MHz). */
#define VM_TIMEBASE_HZ 10000000ull

/* How the guest ended, set once by whoever stops it. */
enum vm_state {
	VM_RUNNING = 0,
	VM_POWEROFF, /* finisher pass: exit status 0 */
	VM_FAIL,     /* finisher fail: exit status = code */
	VM_RESET,    /* finisher reset */
	VM_ERROR,    /* the host could not go on (e.g. double fault with no handler) */
	VM_PANIC,    /* the guest reported a kernel panic (pvpanic) */
};

/* The machine part of a struct vireo_config (src/core/vireo.c fills it in). */
struct vm_config {
	uint64_t ram_size;
	unsigned nharts;
	int console_fd;	  /* where the UART's output goes; 0 means stdout */
	vireo_log_fn log; /* messages for the user; NULL drops them */
	void *log_opaque;
	enum mem_backend ram_backend; /* MEM_ANON unless set */
	int ram_file_fd;	      /* MEM_FILE_COW: the file to map (not taken over) */
};

/* Limits of vm_config.ram_size: RAM must fit below the top of a 39-bit physical space. */
#define VM_RAM_MIN (16ull << 20)
#define VM_RAM_MAX (256ull << 30)

struct vm {
	uint8_t *ram;
	uint64_t ram_base, ram_size;
	struct bus bus;
	struct hart *harts[VM_MAX_HARTS];
	unsigned nharts;
	uint64_t start_ns;	       /* host CLOCK_MONOTONIC when mtime was 0 */
	_Atomic uint64_t mtime_offset; /* added to the clock's ticks; set by a guest mtime write */
	/* While paused (vm_pause) the guest clock stands still at frozen_mtime. */
	_Atomic bool mtime_frozen;
	_Atomic uint64_t frozen_mtime;
	int console_fd;	       /* UART output */
	struct conout *conout; /* buffered writer to console_fd (src/host/conout.c) */

	_Atomic int state; /* enum vm_state */
	int exit_code;	   /* for VM_FAIL: the code the guest reported */

	/*
	 * Self-modifying code (DESIGN.md): code_pages[ppn] is nonzero while a hart holds decoded
	 * instructions for RAM page ppn; such a page gets no fast write TLB entry, and a write to
	 * it bumps code_gen[ppn] so decoders see their copy is stale.
	 */
	_Atomic uint8_t *code_pages;
	_Atomic uint32_t *code_gen;
	/* Dirty log (mem.c): while dirty_log is set, mem_written() sets bit ppn of dirty. */
	_Atomic bool dirty_log;
	_Atomic uint64_t *dirty;
	int ram_fd; /* MEM_MEMFD: the memfd, else -1 */

	/* Built-in SBI (no --bios): ECALLs from S-mode are served by src/fw/sbi.c. */
	bool sbi_builtin;

	/* The console UART (set by its device), for host input and the SBI debug console. */
	void *console;

	vireo_log_fn log;
	void *log_opaque;

	/*
	 * Pause (vm_pause): harts park at the top of hart_run while pause_req is set; parked
	 * counts them and live the hart threads still running, under pause_lock.
	 */
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	_Atomic bool pause_req;
	unsigned parked, live;

	/* The platform interrupt controller (the PLIC) that device lines go to. */
	void *irqchip;
	void (*irqchip_set)(void *irqchip, unsigned irq, bool level);
};

/** Checks a config; 0, or -EINVAL with a message for the user in msg. */
int vm_config_check(const struct vm_config *cfg, char *msg, size_t msglen);

/** Creates a VM with RAM at 0x8000_0000 and the board's devices; 0 or -errno. */
int vm_create(struct vm **out, const struct vm_config *cfg);

/** Stops nothing, frees everything (call after the harts have stopped). */
void vm_destroy(struct vm *vm);

/** Runs all harts until the guest stops; returns the enum vm_state it ended in. */
int vm_run(struct vm *vm);

/** Runs one hart until the VM stops (a hart thread's body; counts in vm->live). */
void vm_hart_main(struct hart *h);

/**
 * Parks every hart at an instruction boundary, then quiesces the devices; 0, or -ESRCH if
 * the VM stopped meanwhile. Not from a hart thread.
 */
int vm_pause(struct vm *vm);

/** Lets the devices and the harts of a paused VM go on. */
void vm_resume(struct vm *vm);

/** Called by a hart at an instruction boundary when vm->pause_req is set: parks it. */
void vm_hart_park(struct vm *vm);

/** Sends a message to the VM's log callback (vm may be NULL: dropped). */
__attribute__((format(printf, 3, 4))) void vm_log(const struct vm *vm, enum vireo_log_level level,
						  const char *fmt, ...);

/** Ends the guest: the first caller's state and code win; kicks every hart. */
void vm_stop(struct vm *vm, enum vm_state state, int code);

/** The current mtime (10 MHz ticks since vm_create) from the host monotonic clock; frozen while
 * paused. */
uint64_t vm_time(const struct vm *vm);

/** Sets mtime to value from now on (a guest write to the CLINT's mtime). */
void vm_set_time(struct vm *vm, uint64_t value);

/** Drives platform interrupt line irq (a PLIC source, 1..) to level; any thread. */
static inline void vm_set_irq(struct vm *vm, unsigned irq, bool level)
{
	if (vm->irqchip_set)
		vm->irqchip_set(vm->irqchip, irq, level);
}

/** Host pointer for guest physical [paddr, paddr+len) if it lies wholly in RAM, else NULL. */
static inline uint8_t *vm_ram_ptr(const struct vm *vm, uint64_t paddr, uint64_t len)
{
	uint64_t off = paddr - vm->ram_base;
	if (paddr < vm->ram_base || off >= vm->ram_size || len > vm->ram_size - off)
		return NULL;
	return vm->ram + off;
}

#endif
