/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RV64GC instruction decoder and the per-page decode cache.
 * Encodings: ISA manual vol. I, chapter 34 (RV32/64G instruction listings) and chapter 26
 * ("C" standard extension) for the compressed forms, which are expanded to their base ops.
 */
#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "cpu/decode.h"
#include "cpu/hart.h"

static const uint8_t op_writes_x[OP_COUNT] = {
#define OP_WX(name, wx) [OP_##name] = wx,
    OP_LIST(OP_WX)
#undef OP_WX
};

static inline uint32_t bits(uint32_t raw, unsigned hi, unsigned lo)
{
	return (raw >> lo) & ((1u << (hi - lo + 1)) - 1);
}

static inline int32_t sext(uint32_t v, unsigned width)
{
	return (int32_t)(v << (32 - width)) >> (32 - width);
}

static inline int32_t imm_i(uint32_t raw)
{
	return (int32_t)raw >> 20;
}

static inline int32_t imm_s(uint32_t raw)
{
	return sext((bits(raw, 31, 25) << 5) | bits(raw, 11, 7), 12);
}

static inline int32_t imm_b(uint32_t raw)
{
	uint32_t v = (bits(raw, 31, 31) << 12) | (bits(raw, 7, 7) << 11) |
		     (bits(raw, 30, 25) << 5) | (bits(raw, 11, 8) << 1);
	return sext(v, 13);
}

static inline int32_t imm_j(uint32_t raw)
{
	uint32_t v = (bits(raw, 31, 31) << 20) | (bits(raw, 19, 12) << 12) |
		     (bits(raw, 20, 20) << 11) | (bits(raw, 30, 21) << 1);
	return sext(v, 21);
}

static void set_r(struct insn *in, enum op op, uint32_t raw)
{
	in->op = op;
	in->rd = bits(raw, 11, 7);
	in->rs1 = bits(raw, 19, 15);
	in->rs2 = bits(raw, 24, 20);
}

static void set_i(struct insn *in, enum op op, uint32_t raw)
{
	set_r(in, op, raw);
	in->imm = imm_i(raw);
}

static enum op dec_load(uint32_t f3)
{
	static const enum op t[8] = {OP_LB,  OP_LH,  OP_LW,  OP_LD,
				     OP_LBU, OP_LHU, OP_LWU, OP_ILLEGAL};
	return t[f3];
}

static enum op dec_op_imm(uint32_t raw)
{
	uint32_t f3 = bits(raw, 14, 12), hi = bits(raw, 31, 26);
	switch (f3) {
	case 0:
		return OP_ADDI;
	case 2:
		return OP_SLTI;
	case 3:
		return OP_SLTIU;
	case 4:
		return OP_XORI;
	case 6:
		return OP_ORI;
	case 7:
		return OP_ANDI;
	case 1:
		return hi == 0 ? OP_SLLI : OP_ILLEGAL;
	default:
		return hi == 0 ? OP_SRLI : hi == 0x10 ? OP_SRAI : OP_ILLEGAL;
	}
}

static enum op dec_op(uint32_t raw)
{
	static const enum op base[8] = {OP_ADD, OP_SLL, OP_SLT, OP_SLTU,
					OP_XOR, OP_SRL, OP_OR,	OP_AND};
	static const enum op mul[8] = {OP_MUL, OP_MULH, OP_MULHSU, OP_MULHU,
				       OP_DIV, OP_DIVU, OP_REM,	   OP_REMU};
	uint32_t f3 = bits(raw, 14, 12), f7 = bits(raw, 31, 25);
	if (f7 == 0)
		return base[f3];
	if (f7 == 1)
		return mul[f3];
	if (f7 == 0x20 && f3 == 0)
		return OP_SUB;
	if (f7 == 0x20 && f3 == 5)
		return OP_SRA;
	return OP_ILLEGAL;
}

static enum op dec_op_imm32(uint32_t raw)
{
	uint32_t f3 = bits(raw, 14, 12), f7 = bits(raw, 31, 25);
	if (f3 == 0)
		return OP_ADDIW;
	if (f3 == 1 && f7 == 0)
		return OP_SLLIW;
	if (f3 == 5 && f7 == 0)
		return OP_SRLIW;
	if (f3 == 5 && f7 == 0x20)
		return OP_SRAIW;
	return OP_ILLEGAL;
}

static enum op dec_op32(uint32_t raw)
{
	uint32_t f3 = bits(raw, 14, 12), f7 = bits(raw, 31, 25);
	static const enum op mul[8] = {OP_MULW, OP_ILLEGAL, OP_ILLEGAL, OP_ILLEGAL,
				       OP_DIVW, OP_DIVUW,   OP_REMW,	OP_REMUW};
	if (f7 == 1)
		return mul[f3];
	if (f7 == 0 && f3 == 0)
		return OP_ADDW;
	if (f7 == 0 && f3 == 1)
		return OP_SLLW;
	if (f7 == 0 && f3 == 5)
		return OP_SRLW;
	if (f7 == 0x20 && f3 == 0)
		return OP_SUBW;
	if (f7 == 0x20 && f3 == 5)
		return OP_SRAW;
	return OP_ILLEGAL;
}

static enum op dec_system(struct insn *in, uint32_t raw)
{
	static const enum op csr[8] = {OP_ILLEGAL, OP_CSRRW,  OP_CSRRS,	 OP_CSRRC,
				       OP_ILLEGAL, OP_CSRRWI, OP_CSRRSI, OP_CSRRCI};
	uint32_t f3 = bits(raw, 14, 12);
	if (f3 != 0) {
		in->imm = (int32_t)bits(raw, 31, 20); /* CSR number */
		return csr[f3];
	}
	switch (raw) {
	case 0x00000073:
		return OP_ECALL;
	case 0x00100073:
		return OP_EBREAK;
	case 0x30200073:
		return OP_MRET;
	case 0x10200073:
		return OP_SRET;
	case 0x10500073:
		return OP_WFI;
	}
	if (bits(raw, 31, 25) == 0x09 && bits(raw, 11, 7) == 0)
		return OP_SFENCE_VMA;
	return OP_ILLEGAL;
}

static enum op dec_amo(uint32_t raw)
{
	uint32_t f3 = bits(raw, 14, 12), f5 = bits(raw, 31, 27);
	int d;
	if (f3 == 2)
		d = 0;
	else if (f3 == 3)
		d = 1;
	else
		return OP_ILLEGAL;
	switch (f5) {
	case 0x02:
		return bits(raw, 24, 20) ? OP_ILLEGAL : d ? OP_LR_D : OP_LR_W;
	case 0x03:
		return d ? OP_SC_D : OP_SC_W;
	case 0x01:
		return d ? OP_AMOSWAP_D : OP_AMOSWAP_W;
	case 0x00:
		return d ? OP_AMOADD_D : OP_AMOADD_W;
	case 0x04:
		return d ? OP_AMOXOR_D : OP_AMOXOR_W;
	case 0x0c:
		return d ? OP_AMOAND_D : OP_AMOAND_W;
	case 0x08:
		return d ? OP_AMOOR_D : OP_AMOOR_W;
	case 0x10:
		return d ? OP_AMOMIN_D : OP_AMOMIN_W;
	case 0x14:
		return d ? OP_AMOMAX_D : OP_AMOMAX_W;
	case 0x18:
		return d ? OP_AMOMINU_D : OP_AMOMINU_W;
	case 0x1c:
		return d ? OP_AMOMAXU_D : OP_AMOMAXU_W;
	}
	return OP_ILLEGAL;
}

/* Picks the S or D variant: D ops follow their S twin in OP_LIST for these groups. */
#define SD(base, dbl) ((enum op)((base##_S) + (dbl) * (OP_FMADD_D - OP_FMADD_S)))

/* OP-FP major opcode (ISA manual 12.6-12.7, 13.x). */
static enum op dec_op_fp(uint32_t raw)
{
	uint32_t f7 = bits(raw, 31, 25), f3 = bits(raw, 14, 12), rs2 = bits(raw, 24, 20);
	uint32_t fmt = f7 & 3, dbl = fmt == 1;
	if (fmt > 1)
		return OP_ILLEGAL;
	switch (f7 >> 2) {
	case 0x00:
		return SD(OP_FADD, dbl);
	case 0x01:
		return SD(OP_FSUB, dbl);
	case 0x02:
		return SD(OP_FMUL, dbl);
	case 0x03:
		return SD(OP_FDIV, dbl);
	case 0x0b:
		return rs2 == 0 ? SD(OP_FSQRT, dbl) : OP_ILLEGAL;
	case 0x04:
		if (f3 > 2)
			return OP_ILLEGAL;
		return f3 == 0	 ? SD(OP_FSGNJ, dbl)
		       : f3 == 1 ? SD(OP_FSGNJN, dbl)
				 : SD(OP_FSGNJX, dbl);
	case 0x05:
		if (f3 > 1)
			return OP_ILLEGAL;
		return f3 == 0 ? SD(OP_FMIN, dbl) : SD(OP_FMAX, dbl);
	case 0x18:
		if (rs2 > 3)
			return OP_ILLEGAL;
		return (enum op)(SD(OP_FCVT_W, dbl) + rs2);
	case 0x1a:
		if (rs2 > 3)
			return OP_ILLEGAL;
		return (enum op)((dbl ? OP_FCVT_D_W : OP_FCVT_S_W) + rs2);
	case 0x1c:
		if (rs2 != 0 || f3 > 1)
			return OP_ILLEGAL;
		if (f3 == 1)
			return SD(OP_FCLASS, dbl);
		return dbl ? OP_FMV_X_D : OP_FMV_X_W;
	case 0x14:
		if (f3 > 2)
			return OP_ILLEGAL;
		return f3 == 2 ? SD(OP_FEQ, dbl) : f3 == 1 ? SD(OP_FLT, dbl) : SD(OP_FLE, dbl);
	case 0x1e:
		if (rs2 != 0 || f3 != 0)
			return OP_ILLEGAL;
		return dbl ? OP_FMV_D_X : OP_FMV_W_X;
	case 0x08:
		if (!dbl && rs2 == 1)
			return OP_FCVT_S_D;
		if (dbl && rs2 == 0)
			return OP_FCVT_D_S;
		return OP_ILLEGAL;
	}
	return OP_ILLEGAL;
}

/* Ops whose funct3 is a rounding mode rather than part of the encoding. */
static int op_has_rm(enum op op)
{
	switch (op) {
	case OP_FADD_S ... OP_FSQRT_S:
	case OP_FADD_D ... OP_FSQRT_D:
	case OP_FCVT_W_S ... OP_FCVT_LU_S:
	case OP_FCVT_W_D ... OP_FCVT_LU_D:
	case OP_FCVT_S_W ... OP_FCVT_S_LU:
	case OP_FCVT_D_W ... OP_FCVT_D_LU:
	case OP_FCVT_S_D:
	case OP_FCVT_D_S:
		return 1;
	default:
		return 0;
	}
}

/* Zeroes the register fields an op does not use, so equal instructions decode equally. */
static void clear_unused(struct insn *in)
{
	switch (in->op) {
	case OP_LUI:
	case OP_AUIPC:
	case OP_JAL:
		in->rs1 = in->rs2 = 0;
		break;
	case OP_JALR:
	case OP_LB ... OP_LWU:
	case OP_ADDI ... OP_SRAI:
	case OP_ADDIW ... OP_SRAIW:
	case OP_FLW:
	case OP_FLD:
	case OP_CSRRW ... OP_CSRRCI:
		in->rs2 = 0;
		break;
	case OP_BEQ ... OP_BGEU:
	case OP_SB ... OP_SD:
	case OP_FSW:
	case OP_FSD:
	case OP_SFENCE_VMA:
		in->rd = 0;
		break;
	case OP_FENCE ... OP_WFI:
		in->rd = in->rs1 = in->rs2 = 0;
		break;
	case OP_FSQRT_S:
	case OP_FSQRT_D:
	case OP_FCVT_W_S ... OP_FCVT_LU_S:
	case OP_FCVT_W_D ... OP_FCVT_LU_D:
	case OP_FCVT_S_W ... OP_FCVT_S_LU:
	case OP_FCVT_D_W ... OP_FCVT_D_LU:
	case OP_FCLASS_S:
	case OP_FCLASS_D:
	case OP_FMV_X_W ... OP_FCVT_D_S:
		in->rs2 = 0;
		break;
	default:
		break;
	}
}

static void decode32(struct insn *in, uint32_t raw)
{
	uint32_t f3 = bits(raw, 14, 12);
	set_r(in, OP_ILLEGAL, raw);
	in->rm = f3;
	switch (raw & 0x7f) {
	case 0x37:
		in->op = OP_LUI;
		in->imm = (int32_t)(raw & 0xfffff000);
		break;
	case 0x17:
		in->op = OP_AUIPC;
		in->imm = (int32_t)(raw & 0xfffff000);
		break;
	case 0x6f:
		in->op = OP_JAL;
		in->imm = imm_j(raw);
		break;
	case 0x67:
		set_i(in, f3 == 0 ? OP_JALR : OP_ILLEGAL, raw);
		break;
	case 0x63:
		in->op =
		    (f3 == 2 || f3 == 3) ? OP_ILLEGAL : (enum op)(OP_BEQ + (f3 < 2 ? f3 : f3 - 2));
		in->imm = imm_b(raw);
		break;
	case 0x03:
		set_i(in, dec_load(f3), raw);
		break;
	case 0x23:
		in->op = f3 < 4 ? (enum op)(OP_SB + f3) : OP_ILLEGAL;
		in->imm = imm_s(raw);
		break;
	case 0x13:
		set_i(in, dec_op_imm(raw), raw);
		if (in->op == OP_SRAI)
			in->imm &= 0x3f;
		break;
	case 0x33:
		in->op = dec_op(raw);
		break;
	case 0x1b:
		set_i(in, dec_op_imm32(raw), raw);
		if (in->op == OP_SRAIW)
			in->imm &= 0x1f;
		break;
	case 0x3b:
		in->op = dec_op32(raw);
		break;
	case 0x0f:
		in->op = f3 == 0 ? OP_FENCE : f3 == 1 ? OP_FENCE_I : OP_ILLEGAL;
		break;
	case 0x73:
		in->op = dec_system(in, raw);
		break;
	case 0x2f:
		in->op = dec_amo(raw);
		break;
	case 0x07:
		set_i(in, f3 == 2 ? OP_FLW : f3 == 3 ? OP_FLD : OP_ILLEGAL, raw);
		break;
	case 0x27:
		in->op = f3 == 2 ? OP_FSW : f3 == 3 ? OP_FSD : OP_ILLEGAL;
		in->imm = imm_s(raw);
		break;
	case 0x43:
	case 0x47:
	case 0x4b:
	case 0x4f: {
		uint32_t fmt = bits(raw, 26, 25);
		in->rs3 = bits(raw, 31, 27);
		in->op = fmt > 1 ? OP_ILLEGAL
				 : (enum op)((fmt ? OP_FMADD_D : OP_FMADD_S) + ((raw >> 2) & 3));
		break;
	}
	case 0x53:
		in->op = dec_op_fp(raw);
		break;
	}
	/* rm values 5 and 6 are reserved (ISA manual 11.2). */
	if ((in->op >= OP_FMADD_S && in->op <= OP_FNMADD_S) ||
	    (in->op >= OP_FMADD_D && in->op <= OP_FNMADD_D) || op_has_rm(in->op))
		if (in->rm == 5 || in->rm == 6)
			in->op = OP_ILLEGAL;
	clear_unused(in);
}

/* Compressed register fields rd'/rs1'/rs2' name x8-x15 (ISA manual 26.2). */
static inline uint8_t creg(uint32_t raw, unsigned lo)
{
	return 8 + bits(raw, lo + 2, lo);
}

static void c_set(struct insn *in, enum op op, unsigned rd, unsigned rs1, unsigned rs2, int32_t imm)
{
	in->op = op;
	in->rd = rd;
	in->rs1 = rs1;
	in->rs2 = rs2;
	in->imm = imm;
}

/* Quadrant 0: stack-pointer-based addi and register-based loads/stores. */
static void decode_c0(struct insn *in, uint32_t raw)
{
	uint32_t f3 = bits(raw, 15, 13);
	uint8_t rd = creg(raw, 2), rs1 = creg(raw, 7);
	uint32_t off_d = (bits(raw, 12, 10) << 3) | (bits(raw, 6, 5) << 6);
	uint32_t off_w = (bits(raw, 12, 10) << 3) | (bits(raw, 6, 6) << 2) | (bits(raw, 5, 5) << 6);
	switch (f3) {
	case 0: {
		uint32_t imm = (bits(raw, 12, 11) << 4) | (bits(raw, 10, 7) << 6) |
			       (bits(raw, 6, 6) << 2) | (bits(raw, 5, 5) << 3);
		if (imm)
			c_set(in, OP_ADDI, rd, 2, 0, imm);
		break;
	}
	case 1:
		c_set(in, OP_FLD, rd, rs1, 0, off_d);
		break;
	case 2:
		c_set(in, OP_LW, rd, rs1, 0, off_w);
		break;
	case 3:
		c_set(in, OP_LD, rd, rs1, 0, off_d);
		break;
	case 5:
		c_set(in, OP_FSD, 0, rs1, rd, off_d);
		break;
	case 6:
		c_set(in, OP_SW, 0, rs1, rd, off_w);
		break;
	case 7:
		c_set(in, OP_SD, 0, rs1, rd, off_d);
		break;
	}
}

static void decode_c1_alu(struct insn *in, uint32_t raw)
{
	static const enum op rr[8] = {OP_SUB,  OP_XOR,	OP_OR,	    OP_AND,
				      OP_SUBW, OP_ADDW, OP_ILLEGAL, OP_ILLEGAL};
	uint8_t rd = creg(raw, 7), rs2 = creg(raw, 2);
	uint32_t shamt = (bits(raw, 12, 12) << 5) | bits(raw, 6, 2);
	switch (bits(raw, 11, 10)) {
	case 0:
		c_set(in, OP_SRLI, rd, rd, 0, shamt);
		break;
	case 1:
		c_set(in, OP_SRAI, rd, rd, 0, shamt);
		break;
	case 2:
		c_set(in, OP_ANDI, rd, rd, 0, sext(shamt, 6));
		break;
	case 3:
		c_set(in, rr[(bits(raw, 12, 12) << 2) | bits(raw, 6, 5)], rd, rd, rs2, 0);
		break;
	}
}

/* Quadrant 1: immediates, jumps and branches. */
static void decode_c1(struct insn *in, uint32_t raw)
{
	uint32_t f3 = bits(raw, 15, 13);
	uint8_t rd = bits(raw, 11, 7);
	int32_t imm6 = sext((bits(raw, 12, 12) << 5) | bits(raw, 6, 2), 6);
	switch (f3) {
	case 0:
		c_set(in, OP_ADDI, rd, rd, 0, imm6);
		break;
	case 1:
		if (rd)
			c_set(in, OP_ADDIW, rd, rd, 0, imm6);
		break;
	case 2:
		c_set(in, OP_ADDI, rd, 0, 0, imm6);
		break;
	case 3:
		if (rd == 2) {
			uint32_t v = (bits(raw, 12, 12) << 9) | (bits(raw, 6, 6) << 4) |
				     (bits(raw, 5, 5) << 6) | (bits(raw, 4, 3) << 7) |
				     (bits(raw, 2, 2) << 5);
			if (v)
				c_set(in, OP_ADDI, 2, 2, 0, sext(v, 10));
		} else if (imm6) {
			c_set(in, OP_LUI, rd, 0, 0, imm6 * 4096);
		}
		break;
	case 4:
		decode_c1_alu(in, raw);
		break;
	case 5: {
		uint32_t v = (bits(raw, 12, 12) << 11) | (bits(raw, 11, 11) << 4) |
			     (bits(raw, 10, 9) << 8) | (bits(raw, 8, 8) << 10) |
			     (bits(raw, 7, 7) << 6) | (bits(raw, 6, 6) << 7) |
			     (bits(raw, 5, 3) << 1) | (bits(raw, 2, 2) << 5);
		c_set(in, OP_JAL, 0, 0, 0, sext(v, 12));
		break;
	}
	case 6:
	case 7: {
		uint32_t v = (bits(raw, 12, 12) << 8) | (bits(raw, 11, 10) << 3) |
			     (bits(raw, 6, 5) << 6) | (bits(raw, 4, 3) << 1) |
			     (bits(raw, 2, 2) << 5);
		c_set(in, f3 == 6 ? OP_BEQ : OP_BNE, 0, creg(raw, 7), 0, sext(v, 9));
		break;
	}
	}
}

/* Quadrant 2: stack-pointer-based loads/stores, jr/jalr, mv/add, ebreak. */
static void decode_c2(struct insn *in, uint32_t raw)
{
	uint32_t f3 = bits(raw, 15, 13);
	uint8_t rd = bits(raw, 11, 7), rs2 = bits(raw, 6, 2);
	uint32_t b12 = bits(raw, 12, 12);
	uint32_t ld_d = (b12 << 5) | (bits(raw, 6, 5) << 3) | (bits(raw, 4, 2) << 6);
	uint32_t sd_d = (bits(raw, 12, 10) << 3) | (bits(raw, 9, 7) << 6);
	switch (f3) {
	case 0:
		c_set(in, OP_SLLI, rd, rd, 0, (b12 << 5) | rs2);
		break;
	case 1:
		c_set(in, OP_FLD, rd, 2, 0, ld_d);
		break;
	case 2:
		if (rd)
			c_set(in, OP_LW, rd, 2, 0,
			      (b12 << 5) | (bits(raw, 6, 4) << 2) | (bits(raw, 3, 2) << 6));
		break;
	case 3:
		if (rd)
			c_set(in, OP_LD, rd, 2, 0, ld_d);
		break;
	case 4:
		if (!b12 && !rs2 && rd)
			c_set(in, OP_JALR, 0, rd, 0, 0);
		else if (!b12 && rs2)
			c_set(in, OP_ADD, rd, 0, rs2, 0);
		else if (b12 && !rd && !rs2)
			in->op = OP_EBREAK;
		else if (b12 && !rs2)
			c_set(in, OP_JALR, 1, rd, 0, 0);
		else if (b12)
			c_set(in, OP_ADD, rd, rd, rs2, 0);
		break;
	case 5:
		c_set(in, OP_FSD, 0, 2, rs2, sd_d);
		break;
	case 6:
		c_set(in, OP_SW, 0, 2, rs2, (bits(raw, 12, 9) << 2) | (bits(raw, 8, 7) << 6));
		break;
	case 7:
		c_set(in, OP_SD, 0, 2, rs2, sd_d);
		break;
	}
}

void decode_insn(struct insn *in, uint32_t raw)
{
	memset(in, 0, sizeof(*in));
	if ((raw & 3) == 3) {
		in->len = 4;
		in->raw = raw;
		decode32(in, raw);
	} else {
		raw &= 0xffff;
		in->len = 2;
		in->raw = raw;
		in->op = OP_ILLEGAL;
		switch (raw & 3) {
		case 0:
			decode_c0(in, raw);
			break;
		case 1:
			decode_c1(in, raw);
			break;
		case 2:
			decode_c2(in, raw);
			break;
		}
	}
	/* Writes to x0 go to the sink register so handlers need no rd == 0 test. */
	if (op_writes_x[in->op] && in->rd == 0)
		in->rd = 32;
}

void decode_cache_flush(struct hart *h)
{
	if (!h->dcache)
		return;
	for (unsigned i = 0; i < h->dpool_count; i++) {
		h->dcache[h->dpool[i]->ppn] = NULL;
		free(h->dpool[i]);
	}
	h->dpool_count = h->dpool_hand = 0;
}

/* Drops the fast write entries any TLB of t has for RAM page ppn. */
static void tlb_drop_write(struct hart *t, uint64_t ppn)
{
	for (unsigned k = 0; k < TLB_COUNT; k++)
		for (unsigned i = 0; i < TLB_SIZE; i++) {
			struct tlb_entry *e = &t->tlb[k][i];
			if (__atomic_load_n(&e->ppn, __ATOMIC_RELAXED) == ppn)
				__atomic_store_n(&e->tag_w, TLB_INVALID, __ATOMIC_RELAXED);
		}
}

/*
 * A page now holds decoded code: writes to it must take the slow path (DESIGN.md), on every
 * hart, without waiting for the others. This pairs with decode_check_fill(): a hart filling
 * a write entry stores the entry, fences, then reads the mark; here the mark is set, fenced,
 * then the entries are read. Whichever comes second sees the other, so no write entry to a
 * code page survives. (Other harts' TLBs are written with atomic stores for that reason.)
 */
static void mark_code_page(struct hart *h, uint64_t ppn)
{
	struct vm *vm = h->vm;

	if (atomic_exchange(&vm->code_pages[ppn], 1))
		return;
	atomic_thread_fence(memory_order_seq_cst);
	for (unsigned i = 0; i < vm->nharts; i++)
		if (vm->harts[i])
			tlb_drop_write(vm->harts[i], ppn);
}

void decode_check_fill(struct hart *h, struct tlb_entry *e, uint64_t ppn)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (!mem_write_fast_ok(h->vm, ppn))
		__atomic_store_n(&e->tag_w, TLB_INVALID, __ATOMIC_RELAXED);
}

/*
 * A free decoded page: a new one while the pool has room, else the first one the clock hand
 * finds not entered since its last pass. The page being executed is never taken: the
 * interpreter only asks for a page when it leaves the one it was in.
 */
static struct dpage *dpage_alloc(struct hart *h)
{
	struct dpage *dp;

	if (h->dpool_count < DCACHE_POOL) {
		if (!h->dpool) {
			h->dpool = calloc(DCACHE_POOL, sizeof(*h->dpool));
			if (!h->dpool)
				return NULL;
		}
		dp = malloc(sizeof(*dp));
		if (dp)
			h->dpool[h->dpool_count++] = dp;
		return dp;
	}
	for (;;) {
		dp = h->dpool[h->dpool_hand];
		h->dpool_hand = (h->dpool_hand + 1) % DCACHE_POOL;
		if (!dp->ref)
			break;
		dp->ref = 0;
	}
	h->dcache[dp->ppn] = NULL;
	return dp;
}

struct dpage *decode_page_get(struct hart *h, uint64_t ppn)
{
	struct dpage *dp = h->dcache[ppn];
	uint32_t gen;

	if (dp && dp->gen == atomic_load_explicit(&h->vm->code_gen[ppn], memory_order_acquire) &&
	    atomic_load_explicit(&h->vm->code_pages[ppn], memory_order_relaxed)) {
		dp->ref = 1;
		return dp;
	}
	if (!dp) {
		dp = dpage_alloc(h);
		if (!dp)
			return NULL;
		dp->ppn = ppn;
		h->dcache[ppn] = dp;
	}
	mark_code_page(h, ppn);
	gen = atomic_load_explicit(&h->vm->code_gen[ppn], memory_order_acquire);
	/* Slots decode lazily when first executed (OP_DECODE is 0). */
	memset(dp->insn, 0, sizeof(dp->insn));
	dp->insn[DPAGE_SLOTS].op = OP_PAGE_END;
	dp->gen = gen;
	dp->ref = 1;
	return dp;
}
