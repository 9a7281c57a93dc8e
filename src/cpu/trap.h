/* SPDX-License-Identifier: Apache-2.0 */
/* Trap entry and return (priv spec 3.1.6.1, 3.3.2, 3.1.9). */
#ifndef VIREO_CPU_TRAP_H
#define VIREO_CPU_TRAP_H

#include <stdbool.h>
#include <stdint.h>

struct hart;

/**
 * Takes a synchronous exception raised by the instruction at h->pc: chooses M or S by
 * medeleg, writes xepc/xcause/xtval, updates xstatus (xPIE, xPP, xIE), priv and pc.
 */
void trap_take(struct hart *h, uint64_t cause, uint64_t tval);

/** Interrupts that are pending, enabled, and allowed to be taken at the current priv. */
uint64_t trap_deliverable_irqs(struct hart *h);

/** Takes the highest-priority deliverable interrupt (priv spec 3.1.9); true if one was taken. */
bool trap_check_interrupts(struct hart *h);

/** MRET: returns 0, or -1 if illegal here (caller raises illegal instruction). */
int trap_mret(struct hart *h);

/** SRET: returns 0, or -1 if illegal here (U-mode, or S-mode with mstatus.TSR). */
int trap_sret(struct hart *h);

#endif
