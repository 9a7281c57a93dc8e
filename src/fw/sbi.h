/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Vireo's built-in SBI firmware (RISC-V SBI spec v2.0). When a VM runs without --bios, harts
 * start in S-mode as under KVM and an ECALL from S-mode is handled here instead of trapping
 * to an M-mode firmware: there is no M-mode guest code at all.
 */
#ifndef VIREO_FW_SBI_H
#define VIREO_FW_SBI_H

#include <stdbool.h>
#include <stdint.h>

struct hart;
struct hart_state;
struct vm;

/* Standard error codes returned in a0 (SBI spec v2.0 section 3.2, table 1). */
enum {
	SBI_SUCCESS = 0,
	SBI_ERR_FAILED = -1,
	SBI_ERR_NOT_SUPPORTED = -2,
	SBI_ERR_INVALID_PARAM = -3,
	SBI_ERR_DENIED = -4,
	SBI_ERR_INVALID_ADDRESS = -5,
	SBI_ERR_ALREADY_AVAILABLE = -6,
	SBI_ERR_ALREADY_STARTED = -7,
	SBI_ERR_ALREADY_STOPPED = -8,
	SBI_ERR_NO_SHMEM = -9,
};

/* Extension IDs (a7) this firmware serves (SBI spec v2.0 chapters 4-12). */
#define SBI_EXT_BASE 0x10ull
#define SBI_EXT_TIME 0x54494d45ull
#define SBI_EXT_IPI 0x735049ull
#define SBI_EXT_RFENCE 0x52464e43ull
#define SBI_EXT_HSM 0x48534dull
#define SBI_EXT_SRST 0x53525354ull
#define SBI_EXT_DBCN 0x4442434eull

/* Legacy v0.1 extensions 0x00-0x08 (SBI spec v2.0 chapter 5): result in a0 only. */
enum {
	SBI_EXT_0_1_SET_TIMER = 0,
	SBI_EXT_0_1_CONSOLE_PUTCHAR = 1,
	SBI_EXT_0_1_CONSOLE_GETCHAR = 2,
	SBI_EXT_0_1_CLEAR_IPI = 3,
	SBI_EXT_0_1_SEND_IPI = 4,
	SBI_EXT_0_1_REMOTE_FENCE_I = 5,
	SBI_EXT_0_1_REMOTE_SFENCE_VMA = 6,
	SBI_EXT_0_1_REMOTE_SFENCE_VMA_ASID = 7,
	SBI_EXT_0_1_SHUTDOWN = 8,
};

/* Function IDs (a6). */
enum {
	SBI_BASE_GET_SPEC_VERSION = 0,
	SBI_BASE_GET_IMPL_ID = 1,
	SBI_BASE_GET_IMPL_VERSION = 2,
	SBI_BASE_PROBE_EXT = 3,
	SBI_BASE_GET_MVENDORID = 4,
	SBI_BASE_GET_MARCHID = 5,
	SBI_BASE_GET_MIMPID = 6,
};
enum { SBI_TIME_SET_TIMER = 0 };
enum { SBI_IPI_SEND_IPI = 0 };
enum {
	SBI_RFENCE_FENCE_I = 0,
	SBI_RFENCE_SFENCE_VMA = 1,
	SBI_RFENCE_SFENCE_VMA_ASID = 2,
};
enum {
	SBI_HSM_HART_START = 0,
	SBI_HSM_HART_STOP = 1,
	SBI_HSM_HART_GET_STATUS = 2,
	SBI_HSM_HART_SUSPEND = 3,
};
enum { SBI_SRST_SYSTEM_RESET = 0 };
enum {
	SBI_DBCN_CONSOLE_WRITE = 0,
	SBI_DBCN_CONSOLE_READ = 1,
	SBI_DBCN_CONSOLE_WRITE_BYTE = 2,
};

/* HSM hart states (SBI spec v2.0 table 24) and the default suspend types (table 25). */
enum {
	SBI_HSM_STATE_STARTED = 0,
	SBI_HSM_STATE_STOPPED = 1,
	SBI_HSM_STATE_SUSPENDED = 4,
};
#define SBI_HSM_SUSPEND_RET_DEFAULT 0x00000000u
#define SBI_HSM_SUSPEND_NON_RET_DEFAULT 0x80000000u

/* SRST reset types and reasons (SBI spec v2.0 tables 29-30). */
enum {
	SBI_SRST_TYPE_SHUTDOWN = 0,
	SBI_SRST_TYPE_COLD_REBOOT = 1,
	SBI_SRST_TYPE_WARM_REBOOT = 2,
};
enum { SBI_SRST_REASON_NONE = 0, SBI_SRST_REASON_SYSFAIL = 1 };

/* What BASE reports: spec v2.0, and Vireo's implementation ID (unregistered: "VIRE"). */
#define SBI_SPEC_VERSION ((2u << 24) | 0u)
#define SBI_IMPL_ID_VIREO 0x56495245ull
#define SBI_IMPL_VERSION 0x00000001ull

/**
 * Handles the SBI call in the hart's a0-a7 (ECALL from S-mode, pc still at the ECALL):
 * writes the SBI error/value to a0/a1 and advances pc past the ECALL, or, for calls that
 * change the hart's state (HSM stop/suspend, SRST), does what they require. Returns 0.
 */
int sbi_ecall(struct hart *h);

/**
 * Puts the boot hart where the firmware would leave it for the kernel (Linux RISC-V boot
 * protocol): S-mode at entry with a0 = hart id and a1 = the device tree's address, and the
 * M- and S-level state as OpenSBI leaves it (delegation of S-level traps and interrupts,
 * counters enabled for S and cycle/time/instret for U, Sstc enabled, PMP open, FP on,
 * stvec = entry). Other harts are left stopped for HSM; hart_start sets them up the same way.
 */
void sbi_boot(struct vm *vm, uint64_t entry, uint64_t fdt_addr);

/**
 * Called on a hart's own thread when it runs again after an HSM suspend: one that was
 * non-retentive enters S-mode at its resume address in a fresh entry state, as on boot.
 */
void sbi_wake(struct hart *h);

/**
 * Checks the built-in SBI's per-hart state inside a hart state (hart_load calls it): the HSM
 * state is halted (STOPPED) or suspended (SUSPENDED, non-retentive when sbi_resume, resuming
 * at pc with a0/a1) or neither (STARTED), never both, and only under the built-in SBI. The
 * SBI keeps no other state: its per-VM flag (vm->sbi_builtin) comes from the boot config and
 * its reset is sbi_boot. True when legal for a hart of vm.
 */
bool sbi_hart_state_ok(const struct vm *vm, const struct hart_state *s);

#endif
