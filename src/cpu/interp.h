/* SPDX-License-Identifier: Apache-2.0 */
/* The interpreter's inner loop. */
#ifndef VIREO_CPU_INTERP_H
#define VIREO_CPU_INTERP_H

#include <stdint.h>

struct hart;

/** Executes up to about budget instructions from h->pc; returns early at traps, CSR side effects,
 *  WFI, or pending events. Updates h->pc and h->instret. */
void interp_run(struct hart *h, uint64_t budget);

#endif
