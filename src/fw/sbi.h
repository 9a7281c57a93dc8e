/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Vireo's built-in SBI firmware (RISC-V SBI spec v2.0). When a VM runs without --bios, harts
 * start in S-mode as under KVM and an ECALL from S-mode is handled here instead of trapping
 * to an M-mode firmware: there is no M-mode guest code at all.
 */
#ifndef VIREO_FW_SBI_H
#define VIREO_FW_SBI_H

#include <stdint.h>

struct hart;
struct vm;

/**
 * Handles the SBI call in the hart's a0-a7 (ECALL from S-mode, pc still at the ECALL):
 * writes the SBI error/value to a0/a1 and advances pc past the ECALL, or, for calls that
 * change the hart's state (HSM stop/suspend, SRST), does what they require. Returns 0.
 */
int sbi_ecall(struct hart *h);

/**
 * Puts the boot hart where the firmware would leave it for the kernel (Linux RISC-V boot
 * protocol): S-mode at entry with a0 = hart id and a1 = the device tree's address, M-level
 * state set up as an SBI implementation would (delegation of S-level traps and interrupts,
 * counters enabled for S/U, Sstc enabled, PMP open). Other harts are left stopped for HSM.
 */
void sbi_boot(struct vm *vm, uint64_t entry, uint64_t fdt_addr);

#endif
