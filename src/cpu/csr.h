/* SPDX-License-Identifier: Apache-2.0 */
/* Control and status registers (priv spec chapter 2 and 3, Zicsr, Zicntr). */
#ifndef VIREO_CPU_CSR_H
#define VIREO_CPU_CSR_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/hart.h"

/* mstatus bits M-mode may write; VS/XS/xBE stay 0 (no V, no custom state, little-endian only). */
#define MSTATUS_WMASK                                                                              \
	(MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP | MSTATUS_MPP |     \
	 MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW |        \
	 MSTATUS_TSR)
/* sstatus is a restricted view of mstatus (priv spec 10.1.1). */
#define SSTATUS_RMASK                                                                              \
	(MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_UBE | MSTATUS_SPP | MSTATUS_VS | MSTATUS_FS |        \
	 MSTATUS_XS | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_UXL | MSTATUS_SD)
#define SSTATUS_WMASK                                                                              \
	(MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM | MSTATUS_MXR)

/* medeleg: every defined exception but ecall-from-M (bit 11, read-only 0; priv spec 3.1.8). */
#define MEDELEG_WMASK                                                                              \
	((1ull << EXC_INSN_MISALIGNED) | (1ull << EXC_INSN_ACCESS) | (1ull << EXC_ILLEGAL_INSN) |  \
	 (1ull << EXC_BREAKPOINT) | (1ull << EXC_LOAD_MISALIGNED) | (1ull << EXC_LOAD_ACCESS) |    \
	 (1ull << EXC_STORE_MISALIGNED) | (1ull << EXC_STORE_ACCESS) | (1ull << EXC_ECALL_U) |     \
	 (1ull << EXC_ECALL_S) | (1ull << EXC_INSN_PAGE_FAULT) | (1ull << EXC_LOAD_PAGE_FAULT) |   \
	 (1ull << EXC_STORE_PAGE_FAULT))
#define S_IRQS (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define ALL_IRQS (S_IRQS | MIP_MSIP | MIP_MTIP | MIP_MEIP)

/* menvcfg/senvcfg: FIOM holds trivially since fences are full (priv spec 3.1.18, 10.1.10). */

/* satp (priv spec 10.1.11): 16 ASID bits are kept, the TLB is flushed on every write. */
#define SATP_ASID_MASK (0xffffull << 44)

/* pmpcfg A field set to TOR (priv spec 3.7.1). */
#define PMP_A_TOR 0x08
#define PMPADDR_MASK ((1ull << 54) - 1)

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
