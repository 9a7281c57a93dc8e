/* SPDX-License-Identifier: Apache-2.0 */
/* Control and status registers (priv spec chapter 2 and 3, Zicsr, Zicntr). */
#ifndef VIREO_CPU_CSR_H
#define VIREO_CPU_CSR_H

#include <stdbool.h>
#include <stdint.h>

struct hart;

/* CSR operations as encoded in funct3 & 3. */
enum csr_op { CSR_OP_RW = 1, CSR_OP_RS = 2, CSR_OP_RC = 3 };

/*
 * Executes the CSR access of one Zicsr instruction at the hart's current privilege.
 * do_read is false for CSRRW(I) with rd = x0; do_write is false for CSRRS/C(I) with
 * rs1 = x0 / uimm = 0 (ISA spec 7.1). On success stores the old value in *old and
 * applies side effects (TLB flush/select on satp/mstatus changes). Returns 0, or -1
 * when the access is illegal (the caller raises an illegal-instruction exception).
 */
int csr_access(struct hart *h, unsigned num, enum csr_op op, uint64_t src, bool do_read,
	       bool do_write, uint64_t *old);

/** Full mip as software sees it: software bits | device lines (| STIP from Sstc). */
uint64_t csr_mip(struct hart *h);

#endif
