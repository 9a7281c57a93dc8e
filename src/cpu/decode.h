/* SPDX-License-Identifier: Apache-2.0 */
/* Decoded instructions and the per-page decode cache. */
#ifndef VIREO_CPU_DECODE_H
#define VIREO_CPU_DECODE_H

#include <stdint.h>

struct hart;
struct tlb_entry;

/* X(name, writes_x_rd): every operation the interpreter dispatches on. */
#define OP_LIST(X)                                                                                 \
	X(DECODE, 0)                                                                               \
	X(PAGE_END, 0)                                                                             \
	X(CROSS, 0)                                                                                \
	X(ILLEGAL, 0)                                                                              \
	X(LUI, 1)                                                                                  \
	X(AUIPC, 1)                                                                                \
	X(JAL, 1)                                                                                  \
	X(JALR, 1)                                                                                 \
	X(BEQ, 0)                                                                                  \
	X(BNE, 0)                                                                                  \
	X(BLT, 0)                                                                                  \
	X(BGE, 0)                                                                                  \
	X(BLTU, 0)                                                                                 \
	X(BGEU, 0)                                                                                 \
	X(LB, 1)                                                                                   \
	X(LH, 1)                                                                                   \
	X(LW, 1)                                                                                   \
	X(LD, 1)                                                                                   \
	X(LBU, 1)                                                                                  \
	X(LHU, 1)                                                                                  \
	X(LWU, 1)                                                                                  \
	X(SB, 0)                                                                                   \
	X(SH, 0)                                                                                   \
	X(SW, 0)                                                                                   \
	X(SD, 0)                                                                                   \
	X(ADDI, 1)                                                                                 \
	X(SLTI, 1)                                                                                 \
	X(SLTIU, 1)                                                                                \
	X(XORI, 1)                                                                                 \
	X(ORI, 1)                                                                                  \
	X(ANDI, 1)                                                                                 \
	X(SLLI, 1)                                                                                 \
	X(SRLI, 1)                                                                                 \
	X(SRAI, 1)                                                                                 \
	X(ADD, 1)                                                                                  \
	X(SUB, 1)                                                                                  \
	X(SLL, 1)                                                                                  \
	X(SLT, 1)                                                                                  \
	X(SLTU, 1)                                                                                 \
	X(XOR, 1)                                                                                  \
	X(SRL, 1)                                                                                  \
	X(SRA, 1)                                                                                  \
	X(OR, 1)                                                                                   \
	X(AND, 1)                                                                                  \
	X(ADDIW, 1)                                                                                \
	X(SLLIW, 1)                                                                                \
	X(SRLIW, 1)                                                                                \
	X(SRAIW, 1)                                                                                \
	X(ADDW, 1)                                                                                 \
	X(SUBW, 1)                                                                                 \
	X(SLLW, 1)                                                                                 \
	X(SRLW, 1)                                                                                 \
	X(SRAW, 1)                                                                                 \
	X(FENCE, 0)                                                                                \
	X(FENCE_I, 0)                                                                              \
	X(ECALL, 0)                                                                                \
	X(EBREAK, 0)                                                                               \
	X(MRET, 0)                                                                                 \
	X(SRET, 0)                                                                                 \
	X(WFI, 0)                                                                                  \
	X(SFENCE_VMA, 0)                                                                           \
	X(CSRRW, 1)                                                                                \
	X(CSRRS, 1)                                                                                \
	X(CSRRC, 1)                                                                                \
	X(CSRRWI, 1)                                                                               \
	X(CSRRSI, 1)                                                                               \
	X(CSRRCI, 1)                                                                               \
	X(MUL, 1)                                                                                  \
	X(MULH, 1)                                                                                 \
	X(MULHSU, 1)                                                                               \
	X(MULHU, 1)                                                                                \
	X(DIV, 1)                                                                                  \
	X(DIVU, 1)                                                                                 \
	X(REM, 1)                                                                                  \
	X(REMU, 1)                                                                                 \
	X(MULW, 1)                                                                                 \
	X(DIVW, 1)                                                                                 \
	X(DIVUW, 1)                                                                                \
	X(REMW, 1)                                                                                 \
	X(REMUW, 1)                                                                                \
	X(LR_W, 1)                                                                                 \
	X(SC_W, 1)                                                                                 \
	X(AMOSWAP_W, 1)                                                                            \
	X(AMOADD_W, 1)                                                                             \
	X(AMOXOR_W, 1)                                                                             \
	X(AMOAND_W, 1)                                                                             \
	X(AMOOR_W, 1)                                                                              \
	X(AMOMIN_W, 1)                                                                             \
	X(AMOMAX_W, 1)                                                                             \
	X(AMOMINU_W, 1)                                                                            \
	X(AMOMAXU_W, 1)                                                                            \
	X(LR_D, 1)                                                                                 \
	X(SC_D, 1)                                                                                 \
	X(AMOSWAP_D, 1)                                                                            \
	X(AMOADD_D, 1)                                                                             \
	X(AMOXOR_D, 1)                                                                             \
	X(AMOAND_D, 1)                                                                             \
	X(AMOOR_D, 1)                                                                              \
	X(AMOMIN_D, 1)                                                                             \
	X(AMOMAX_D, 1)                                                                             \
	X(AMOMINU_D, 1)                                                                            \
	X(AMOMAXU_D, 1)                                                                            \
	X(FLW, 0)                                                                                  \
	X(FSW, 0)                                                                                  \
	X(FLD, 0)                                                                                  \
	X(FSD, 0)                                                                                  \
	X(FMADD_S, 0)                                                                              \
	X(FMSUB_S, 0)                                                                              \
	X(FNMSUB_S, 0)                                                                             \
	X(FNMADD_S, 0)                                                                             \
	X(FADD_S, 0)                                                                               \
	X(FSUB_S, 0)                                                                               \
	X(FMUL_S, 0)                                                                               \
	X(FDIV_S, 0)                                                                               \
	X(FSQRT_S, 0)                                                                              \
	X(FSGNJ_S, 0)                                                                              \
	X(FSGNJN_S, 0)                                                                             \
	X(FSGNJX_S, 0)                                                                             \
	X(FMIN_S, 0)                                                                               \
	X(FMAX_S, 0)                                                                               \
	X(FCVT_W_S, 1)                                                                             \
	X(FCVT_WU_S, 1)                                                                            \
	X(FCVT_L_S, 1)                                                                             \
	X(FCVT_LU_S, 1)                                                                            \
	X(FEQ_S, 1)                                                                                \
	X(FLT_S, 1)                                                                                \
	X(FLE_S, 1)                                                                                \
	X(FCLASS_S, 1)                                                                             \
	X(FCVT_S_W, 0)                                                                             \
	X(FCVT_S_WU, 0)                                                                            \
	X(FCVT_S_L, 0)                                                                             \
	X(FCVT_S_LU, 0)                                                                            \
	X(FMADD_D, 0)                                                                              \
	X(FMSUB_D, 0)                                                                              \
	X(FNMSUB_D, 0)                                                                             \
	X(FNMADD_D, 0)                                                                             \
	X(FADD_D, 0)                                                                               \
	X(FSUB_D, 0)                                                                               \
	X(FMUL_D, 0)                                                                               \
	X(FDIV_D, 0)                                                                               \
	X(FSQRT_D, 0)                                                                              \
	X(FSGNJ_D, 0)                                                                              \
	X(FSGNJN_D, 0)                                                                             \
	X(FSGNJX_D, 0)                                                                             \
	X(FMIN_D, 0)                                                                               \
	X(FMAX_D, 0)                                                                               \
	X(FCVT_W_D, 1)                                                                             \
	X(FCVT_WU_D, 1)                                                                            \
	X(FCVT_L_D, 1)                                                                             \
	X(FCVT_LU_D, 1)                                                                            \
	X(FEQ_D, 1)                                                                                \
	X(FLT_D, 1)                                                                                \
	X(FLE_D, 1)                                                                                \
	X(FCLASS_D, 1)                                                                             \
	X(FCVT_D_W, 0)                                                                             \
	X(FCVT_D_WU, 0)                                                                            \
	X(FCVT_D_L, 0)                                                                             \
	X(FCVT_D_LU, 0)                                                                            \
	X(FMV_X_W, 1)                                                                              \
	X(FMV_X_D, 1)                                                                              \
	X(FMV_W_X, 0)                                                                              \
	X(FMV_D_X, 0)                                                                              \
	X(FCVT_S_D, 0)                                                                             \
	X(FCVT_D_S, 0)

enum op {
#define OP_ENUM(name, wx) OP_##name,
	OP_LIST(OP_ENUM)
#undef OP_ENUM
	    OP_COUNT
};

/*
 * One decoded instruction. op indexes the interpreter's dispatch table; register fields are
 * already mapped so that a write to x0 goes to the sink register 32. len is 2 or 4.
 */
struct insn {
	uint16_t op;
	uint8_t rd, rs1, rs2, rs3;
	uint8_t len;
	uint8_t rm; /* FP rounding mode field */
	int32_t imm;
	uint32_t raw; /* the instruction bits, for xtval on illegal instruction */
};

/* Slots per 4 KiB page: one per 16-bit parcel, plus a sentinel that ends the page. */
#define DPAGE_SLOTS 2048
struct dpage {
	struct insn insn[DPAGE_SLOTS + 1];
	uint32_t gen; /* vm->code_gen[ppn] when the page was decoded */
	uint8_t ref;  /* entered since the clock hand last passed (decode_page_get) */
	uint64_t ppn; /* the RAM page it holds */
};

/* Decoded pages a hart keeps at most: 2048 x 32 KiB = 64 MiB, 8 MiB of guest code. */
#ifndef DCACHE_POOL
#define DCACHE_POOL 2048
#endif

/** Decodes one instruction (raw bits, 16- or 32-bit) into *in; unknown encodings decode to
 * OP_ILLEGAL. */
void decode_insn(struct insn *in, uint32_t raw);

/** Frees every decoded page of the hart. */
void decode_cache_flush(struct hart *h);

/**
 * Called after a write-TLB fill: drops the entry again if page ppn meanwhile became code or
 * (dirty log) clean, so no fast write entry survives a mem_write_fast_ok() change.
 */
void decode_check_fill(struct hart *h, struct tlb_entry *e, uint64_t ppn);

/** The hart's decoded page for RAM page ppn (index from RAM base), decoded anew if stale; NULL on
 * ENOMEM. */
struct dpage *decode_page_get(struct hart *h, uint64_t ppn);

#endif
