/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The interpreter: threaded dispatch over pre-decoded instructions (decode.c).
 *
 * pc and the pointer to the decoded slot advance together; the slot array of a page ends
 * in an OP_PAGE_END sentinel, so falling off a page needs no per-instruction check. Taken
 * branches inside the page jump straight to the target slot; backward ones also check the
 * budget and pending events, which is where interrupts get their chance (DESIGN.md: only at
 * block ends). Loads and stores try the hart's TLB first: a hit is a host memory access.
 */
#include <string.h>

#include "core/vm.h"
#include "cpu/access.h"
#include "cpu/csr.h"
#include "cpu/decode.h"
#include "cpu/fpu.h"
#include "cpu/hart.h"
#include "cpu/interp.h"
#include "cpu/trap.h"
#include "fw/sbi.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define SEXT32(v) ((uint64_t)(int64_t)(int32_t)(v))
#define TLB_IDX(va) (((va) >> VM_PAGE_SHIFT) & (TLB_SIZE - 1))

/* True when [va, va+size) lies in one page; misaligned accesses inside a page are done directly. */
#define IN_PAGE(va, size) (((va) & (VM_PAGE_SIZE - 1)) <= VM_PAGE_SIZE - (size))

static inline uint64_t div_s(int64_t a, int64_t b)
{
	/* ISA manual 13.2: x/0 = -1; INT_MIN/-1 = INT_MIN. */
	if (b == 0)
		return ~0ull;
	if (a == INT64_MIN && b == -1)
		return (uint64_t)a;
	return (uint64_t)(a / b);
}

static inline uint64_t rem_s(int64_t a, int64_t b)
{
	if (b == 0)
		return (uint64_t)a;
	if (a == INT64_MIN && b == -1)
		return 0;
	return (uint64_t)(a % b);
}

static inline uint64_t divw_s(int32_t a, int32_t b)
{
	if (b == 0)
		return ~0ull;
	if (a == INT32_MIN && b == -1)
		return SEXT32(a);
	return SEXT32(a / b);
}

static inline uint64_t remw_s(int32_t a, int32_t b)
{
	if (b == 0)
		return SEXT32(a);
	if (a == INT32_MIN && b == -1)
		return 0;
	return SEXT32(a % b);
}

static inline uint64_t mulhsu(int64_t a, uint64_t b)
{
	return (uint64_t)(((__int128)a * (unsigned __int128)b) >> 64);
}

/* AMO kinds, in the order of their ops in OP_LIST after AMOSWAP_W/D. */
enum amo_kind { AMO_SWAP, AMO_ADD, AMO_XOR, AMO_AND, AMO_OR, AMO_MIN, AMO_MAX, AMO_MINU, AMO_MAXU };

/*
 * Atomic memory operations on host memory for one width T (signed ST), ISA manual 8.4:
 * host atomics where x86 has them, a compare-and-swap loop for min/max. Returns the old value.
 */
#define AMO_FN(name, T, ST)                                                                        \
	static T name(enum amo_kind k, T *p, T v)                                                  \
	{                                                                                          \
		T old = __atomic_load_n(p, __ATOMIC_RELAXED), nv;                                  \
		switch (k) {                                                                       \
		case AMO_SWAP:                                                                     \
			return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);                        \
		case AMO_ADD:                                                                      \
			return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);                         \
		case AMO_XOR:                                                                      \
			return __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST);                         \
		case AMO_AND:                                                                      \
			return __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST);                         \
		case AMO_OR:                                                                       \
			return __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST);                          \
		default:                                                                           \
			break;                                                                     \
		}                                                                                  \
		do {                                                                               \
			if (k == AMO_MIN)                                                          \
				nv = (ST)old < (ST)v ? old : v;                                    \
			else if (k == AMO_MAX)                                                     \
				nv = (ST)old > (ST)v ? old : v;                                    \
			else if (k == AMO_MINU)                                                    \
				nv = old < v ? old : v;                                            \
			else                                                                       \
				nv = old > v ? old : v;                                            \
		} while (!__atomic_compare_exchange_n(p, &old, nv, true, __ATOMIC_SEQ_CST,         \
						      __ATOMIC_RELAXED));                          \
		return old;                                                                        \
	}
AMO_FN(amo_d, uint64_t, int64_t)
AMO_FN(amo_w, uint32_t, int32_t)

/*
 * LR/SC/AMO. The reservation is the host address plus the value loaded; SC succeeds with a
 * compare-and-swap against that value, so a store by another hart in between makes it fail
 * (ISA manual 8.2, up to the ABA case the spec's forward-progress rules tolerate).
 */
static int exec_atomic(struct hart *h, const struct insn *in, struct trap_info *ti)
{
	bool dbl = in->op >= OP_LR_D;
	unsigned size = dbl ? 8 : 4;
	int op = in->op;
	uint64_t va = h->x[in->rs1], v = h->x[in->rs2], old;
	bool lr = op == OP_LR_W || op == OP_LR_D, sc = op == OP_SC_W || op == OP_SC_D;
	void *p = access_atomic(h, va, size, !lr, ti);

	if (!p)
		return -1;
	if (lr) {
		old = dbl ? __atomic_load_n((uint64_t *)p, __ATOMIC_SEQ_CST)
			  : SEXT32(__atomic_load_n((uint32_t *)p, __ATOMIC_SEQ_CST));
		h->resv_addr = (uintptr_t)p;
		h->resv_val = old;
	} else if (sc) {
		bool ok = false;
		if (h->resv_addr == (uintptr_t)p) {
			if (dbl) {
				uint64_t exp = h->resv_val;
				ok =
				    __atomic_compare_exchange_n((uint64_t *)p, &exp, v, false,
								__ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
			} else {
				uint32_t exp = (uint32_t)h->resv_val;
				ok = __atomic_compare_exchange_n((uint32_t *)p, &exp, (uint32_t)v,
								 false, __ATOMIC_SEQ_CST,
								 __ATOMIC_RELAXED);
			}
		}
		h->resv_addr = ~0ull;
		old = !ok;
	} else if (dbl) {
		old = amo_d((enum amo_kind)(op - OP_AMOSWAP_D), p, v);
	} else {
		old = SEXT32(amo_w((enum amo_kind)(op - OP_AMOSWAP_W), p, (uint32_t)v));
	}
	h->x[in->rd] = old;
	return 0;
}

/* Resolves the rounding mode of an FP instruction; -1 when it is reserved (ISA manual 11.2). */
static inline int fp_rm(const struct hart *h, const struct insn *in)
{
	int rm = in->rm == FRM_DYN ? h->frm : in->rm;
	return rm > FRM_RMM ? -1 : rm;
}

/* Executes one OP-FP or fused instruction; 0, or -1 for illegal. */
static int exec_fp(struct hart *h, const struct insn *in)
{
	uint64_t *f = h->f, *x = h->x, a = f[in->rs1], b = f[in->rs2], c = f[in->rs3];
	uint8_t *fl = &h->fflags;
	int rm = fp_rm(h, in);

	/* A reserved static rm was refused by the decoder; this catches DYN with a bad frm. */
	if (hart_fs_off(h) || rm < 0)
		return -1;
	switch (in->op) {
#define FP_ARITH(T, t)                                                                             \
	case OP_FMADD_##T:                                                                         \
		f[in->rd] = fpu_madd_##t(a, b, c, rm, fl);                                         \
		break;                                                                             \
	case OP_FMSUB_##T:                                                                         \
		f[in->rd] = fpu_msub_##t(a, b, c, rm, fl);                                         \
		break;                                                                             \
	case OP_FNMSUB_##T:                                                                        \
		f[in->rd] = fpu_nmsub_##t(a, b, c, rm, fl);                                        \
		break;                                                                             \
	case OP_FNMADD_##T:                                                                        \
		f[in->rd] = fpu_nmadd_##t(a, b, c, rm, fl);                                        \
		break;                                                                             \
	case OP_FADD_##T:                                                                          \
		f[in->rd] = fpu_add_##t(a, b, rm, fl);                                             \
		break;                                                                             \
	case OP_FSUB_##T:                                                                          \
		f[in->rd] = fpu_sub_##t(a, b, rm, fl);                                             \
		break;                                                                             \
	case OP_FMUL_##T:                                                                          \
		f[in->rd] = fpu_mul_##t(a, b, rm, fl);                                             \
		break;                                                                             \
	case OP_FDIV_##T:                                                                          \
		f[in->rd] = fpu_div_##t(a, b, rm, fl);                                             \
		break;                                                                             \
	case OP_FSQRT_##T:                                                                         \
		f[in->rd] = fpu_sqrt_##t(a, rm, fl);                                               \
		break;                                                                             \
	case OP_FSGNJ_##T:                                                                         \
		f[in->rd] = fpu_sgnj_##t(a, b);                                                    \
		break;                                                                             \
	case OP_FSGNJN_##T:                                                                        \
		f[in->rd] = fpu_sgnjn_##t(a, b);                                                   \
		break;                                                                             \
	case OP_FSGNJX_##T:                                                                        \
		f[in->rd] = fpu_sgnjx_##t(a, b);                                                   \
		break;                                                                             \
	case OP_FMIN_##T:                                                                          \
		f[in->rd] = fpu_min_##t(a, b, fl);                                                 \
		break;                                                                             \
	case OP_FMAX_##T:                                                                          \
		f[in->rd] = fpu_max_##t(a, b, fl);                                                 \
		break;                                                                             \
	case OP_FCVT_W_##T:                                                                        \
		x[in->rd] = fpu_cvt_w_##t(a, rm, fl);                                              \
		break;                                                                             \
	case OP_FCVT_WU_##T:                                                                       \
		x[in->rd] = fpu_cvt_wu_##t(a, rm, fl);                                             \
		break;                                                                             \
	case OP_FCVT_L_##T:                                                                        \
		x[in->rd] = fpu_cvt_l_##t(a, rm, fl);                                              \
		break;                                                                             \
	case OP_FCVT_LU_##T:                                                                       \
		x[in->rd] = fpu_cvt_lu_##t(a, rm, fl);                                             \
		break;                                                                             \
	case OP_FEQ_##T:                                                                           \
		x[in->rd] = fpu_eq_##t(a, b, fl);                                                  \
		break;                                                                             \
	case OP_FLT_##T:                                                                           \
		x[in->rd] = fpu_lt_##t(a, b, fl);                                                  \
		break;                                                                             \
	case OP_FLE_##T:                                                                           \
		x[in->rd] = fpu_le_##t(a, b, fl);                                                  \
		break;                                                                             \
	case OP_FCLASS_##T:                                                                        \
		x[in->rd] = fpu_class_##t(a);                                                      \
		break;
		FP_ARITH(S, s)
		FP_ARITH(D, d)
#undef FP_ARITH
	case OP_FCVT_S_W:
		f[in->rd] = fpu_cvt_s_w(x[in->rs1], rm, fl);
		break;
	case OP_FCVT_S_WU:
		f[in->rd] = fpu_cvt_s_wu(x[in->rs1], rm, fl);
		break;
	case OP_FCVT_S_L:
		f[in->rd] = fpu_cvt_s_l(x[in->rs1], rm, fl);
		break;
	case OP_FCVT_S_LU:
		f[in->rd] = fpu_cvt_s_lu(x[in->rs1], rm, fl);
		break;
	case OP_FCVT_D_W:
		f[in->rd] = fpu_cvt_d_w(x[in->rs1], rm, fl);
		break;
	case OP_FCVT_D_WU:
		f[in->rd] = fpu_cvt_d_wu(x[in->rs1], rm, fl);
		break;
	case OP_FCVT_D_L:
		f[in->rd] = fpu_cvt_d_l(x[in->rs1], rm, fl);
		break;
	case OP_FCVT_D_LU:
		f[in->rd] = fpu_cvt_d_lu(x[in->rs1], rm, fl);
		break;
	case OP_FCVT_S_D:
		f[in->rd] = fpu_cvt_s_d(a, rm, fl);
		break;
	case OP_FCVT_D_S:
		f[in->rd] = fpu_cvt_d_s(a, fl);
		break;
	case OP_FMV_X_W:
		x[in->rd] = SEXT32(a);
		break;
	case OP_FMV_X_D:
		x[in->rd] = a;
		break;
	case OP_FMV_W_X:
		f[in->rd] = FPU_BOX32 | (uint32_t)x[in->rs1];
		break;
	case OP_FMV_D_X:
		f[in->rd] = x[in->rs1];
		break;
	default:
		return -1;
	}
	hart_fs_dirty(h);
	return 0;
}

/* Executes a Zicsr instruction; 0 (ended the block if it wrote), or -1 for illegal. */
static int exec_csr(struct hart *h, const struct insn *in, bool *wrote)
{
	bool imm = in->op >= OP_CSRRWI;
	enum csr_op op = (enum csr_op)(imm ? in->op - OP_CSRRWI + 1 : in->op - OP_CSRRW + 1);
	uint64_t src = imm ? in->rs1 : h->x[in->rs1], old = 0;
	bool do_read = !(op == CSR_OP_RW && in->rd == 32);
	bool do_write = op == CSR_OP_RW || in->rs1 != 0;

	if (csr_access(h, (unsigned)in->imm, op, src, do_read, do_write, &old))
		return -1;
	h->x[in->rd] = old;
	*wrote = do_write;
	return 0;
}

void interp_run(struct hart *h, uint64_t budget)
{
	static const void *const labels[OP_COUNT] = {
#define OP_LABEL(name, wx) [OP_##name] = &&do_##name,
	    OP_LIST(OP_LABEL)
#undef OP_LABEL
	};
	uint64_t *const x = h->x;
	uint64_t pc = h->pc, icount = 0, ppn = 0;
	struct tlb_entry *tlbd = h->tlb_data;
	struct dpage *dp;
	struct insn *in, cross[3];
	struct trap_info ti;
	bool wrote;
	int rc;

#define DISPATCH goto *labels[in->op]
#define NEXT                                                                                       \
	do {                                                                                       \
		unsigned len_ = in->len;                                                           \
		icount++;                                                                          \
		pc += len_;                                                                        \
		/* slots are 16 bytes per 2-byte parcel: the byte step is len * 8 */               \
		in = (struct insn *)((char *)in + len_ * (sizeof(struct insn) / 2));               \
		DISPATCH;                                                                          \
	} while (0)
	/* Taken control transfer to target t (ISA manual 2.5). */
#define JUMP(t)                                                                                    \
	do {                                                                                       \
		uint64_t t_ = (t);                                                                 \
		icount++;                                                                          \
		if (likely(((t_ ^ pc) >> VM_PAGE_SHIFT) == 0)) {                                   \
			bool back_ = t_ <= pc;                                                     \
			pc = t_;                                                                   \
			in = &dp->insn[(t_ & (VM_PAGE_SIZE - 1)) >> 1];                            \
			if (likely(!back_))                                                        \
				DISPATCH;                                                          \
			if (likely(icount < budget &&                                              \
				   !atomic_load_explicit(&h->events, memory_order_relaxed)))       \
				DISPATCH;                                                          \
			goto out;                                                                  \
		}                                                                                  \
		pc = t_;                                                                           \
		goto relookup;                                                                     \
	} while (0)
#define BRANCH(cond)                                                                               \
	do {                                                                                       \
		if (cond)                                                                          \
			JUMP(pc + (int64_t)in->imm);                                               \
		NEXT;                                                                              \
	} while (0)
#define LOAD(type, conv)                                                                           \
	do {                                                                                       \
		uint64_t va_ = x[in->rs1] + (int64_t)in->imm;                                      \
		struct tlb_entry *e_ = &tlbd[TLB_IDX(va_)];                                        \
		type v_;                                                                           \
		if (likely(e_->tag_r == va_ >> VM_PAGE_SHIFT && IN_PAGE(va_, sizeof(type)))) {     \
			memcpy(&v_, (void *)(uintptr_t)(va_ + e_->addend), sizeof(type));          \
		} else {                                                                           \
			uint64_t w_;                                                               \
			h->pc = pc;                                                                \
			if (access_load(h, va_, sizeof(type), &w_, &ti))                           \
				goto trap;                                                         \
			v_ = (type)w_;                                                             \
		}                                                                                  \
		x[in->rd] = conv(v_);                                                              \
		NEXT;                                                                              \
	} while (0)
#define STORE_VAL(type, val)                                                                       \
	do {                                                                                       \
		uint64_t va_ = x[in->rs1] + (int64_t)in->imm;                                      \
		struct tlb_entry *e_ = &tlbd[TLB_IDX(va_)];                                        \
		type v_ = (type)(val);                                                             \
		if (likely(e_->tag_w == va_ >> VM_PAGE_SHIFT && IN_PAGE(va_, sizeof(type)))) {     \
			memcpy((void *)(uintptr_t)(va_ + e_->addend), &v_, sizeof(type));          \
			NEXT;                                                                      \
		}                                                                                  \
		h->pc = pc;                                                                        \
		rc = access_store(h, va_, sizeof(type), v_, &ti);                                  \
		if (rc < 0)                                                                        \
			goto trap;                                                                 \
		if (rc > 0 || atomic_load_explicit(&h->vm->state, memory_order_relaxed)) {         \
			/* code changed under us, or the store stopped the machine */              \
			icount++;                                                                  \
			pc += in->len;                                                             \
			goto out;                                                                  \
		}                                                                                  \
		NEXT;                                                                              \
	} while (0)
#define STORE(type) STORE_VAL(type, x[in->rs2])
#define ALU(expr)                                                                                  \
	do {                                                                                       \
		x[in->rd] = (expr);                                                                \
		NEXT;                                                                              \
	} while (0)
#define RS1 x[in->rs1]
#define RS2 x[in->rs2]
#define IMM ((uint64_t)(int64_t)in->imm)
#define ID(v) (v)
#define SX32(v) SEXT32(v)
#define SX16(v) ((uint64_t)(int64_t)(int16_t)(v))
#define SX8(v) ((uint64_t)(int64_t)(int8_t)(v))

relookup:
	if (unlikely(icount >= budget || atomic_load_explicit(&h->events, memory_order_relaxed)))
		goto out;
	{
		struct tlb_entry *e = &h->tlb_fetch[TLB_IDX(pc)];
		if (likely(e->tag_x == pc >> VM_PAGE_SHIFT)) {
			ppn = e->ppn;
			dp = h->dcache[ppn];
			if (unlikely(!dp ||
				     dp->gen != atomic_load_explicit(&h->vm->code_gen[ppn],
								     memory_order_relaxed) ||
				     !atomic_load_explicit(&h->vm->code_pages[ppn],
							   memory_order_relaxed)))
				dp = decode_page_get(h, ppn);
			if (unlikely(!dp))
				goto nomem;
		} else {
			h->pc = pc;
			rc = access_fetch(h, pc, &dp, &ppn, &ti);
			if (rc == -1)
				goto trap;
			if (rc < 0)
				goto nomem;
		}
	}
	in = &dp->insn[(pc & (VM_PAGE_SIZE - 1)) >> 1];
	DISPATCH;

do_DECODE : {
	unsigned off = pc & (VM_PAGE_SIZE - 1);
	const uint8_t *p = h->vm->ram + (ppn << VM_PAGE_SHIFT) + off;
	uint32_t raw = p[0] | (uint32_t)p[1] << 8;
	if ((raw & 3) == 3) {
		if (off == VM_PAGE_SIZE - 2) {
			in->op = OP_CROSS;
			DISPATCH;
		}
		raw |= (uint32_t)(p[2] | (uint32_t)p[3] << 8) << 16;
	}
	decode_insn(in, raw);
	DISPATCH;
}
do_CROSS : {
	/* A 32-bit instruction whose upper half is on the next page (ISA manual 1.5). */
	const uint8_t *p = h->vm->ram + (ppn << VM_PAGE_SHIFT) + VM_PAGE_SIZE - 2;
	uint16_t hi;
	h->pc = pc;
	if (access_fetch_u16(h, pc + 2, &hi, &ti))
		goto trap;
	decode_insn(&cross[0], p[0] | (uint32_t)p[1] << 8 | (uint32_t)hi << 16);
	cross[1].op = cross[2].op = OP_PAGE_END;
	in = cross;
	DISPATCH;
}
do_PAGE_END:
	goto relookup;
do_ILLEGAL:
	goto illegal;

do_LUI:
	ALU(IMM);
do_AUIPC:
	ALU(pc + IMM);
do_JAL : {
	uint64_t link = pc + in->len;
	x[in->rd] = link;
	JUMP(pc + IMM);
}
do_JALR : {
	uint64_t t = (RS1 + IMM) & ~1ull;
	x[in->rd] = pc + in->len;
	JUMP(t);
}
do_BEQ:
	BRANCH(RS1 == RS2);
do_BNE:
	BRANCH(RS1 != RS2);
do_BLT:
	BRANCH((int64_t)RS1 < (int64_t)RS2);
do_BGE:
	BRANCH((int64_t)RS1 >= (int64_t)RS2);
do_BLTU:
	BRANCH(RS1 < RS2);
do_BGEU:
	BRANCH(RS1 >= RS2);

do_LB:
	LOAD(uint8_t, SX8);
do_LH:
	LOAD(uint16_t, SX16);
do_LW:
	LOAD(uint32_t, SX32);
do_LD:
	LOAD(uint64_t, ID);
do_LBU:
	LOAD(uint8_t, ID);
do_LHU:
	LOAD(uint16_t, ID);
do_LWU:
	LOAD(uint32_t, ID);
do_SB:
	STORE(uint8_t);
do_SH:
	STORE(uint16_t);
do_SW:
	STORE(uint32_t);
do_SD:
	STORE(uint64_t);

do_ADDI:
	ALU(RS1 + IMM);
do_SLTI:
	ALU((int64_t)RS1 < (int64_t)IMM);
do_SLTIU:
	ALU(RS1 < IMM);
do_XORI:
	ALU(RS1 ^ IMM);
do_ORI:
	ALU(RS1 | IMM);
do_ANDI:
	ALU(RS1 & IMM);
do_SLLI:
	ALU(RS1 << in->imm);
do_SRLI:
	ALU(RS1 >> in->imm);
do_SRAI:
	ALU((uint64_t)((int64_t)RS1 >> in->imm));
do_ADD:
	ALU(RS1 + RS2);
do_SUB:
	ALU(RS1 - RS2);
do_SLL:
	ALU(RS1 << (RS2 & 63));
do_SLT:
	ALU((int64_t)RS1 < (int64_t)RS2);
do_SLTU:
	ALU(RS1 < RS2);
do_XOR:
	ALU(RS1 ^ RS2);
do_SRL:
	ALU(RS1 >> (RS2 & 63));
do_SRA:
	ALU((uint64_t)((int64_t)RS1 >> (RS2 & 63)));
do_OR:
	ALU(RS1 | RS2);
do_AND:
	ALU(RS1 & RS2);
do_ADDIW:
	ALU(SEXT32(RS1 + IMM));
do_SLLIW:
	ALU(SEXT32((uint32_t)RS1 << in->imm));
do_SRLIW:
	ALU(SEXT32((uint32_t)RS1 >> in->imm));
do_SRAIW:
	ALU(SEXT32((int32_t)RS1 >> in->imm));
do_ADDW:
	ALU(SEXT32(RS1 + RS2));
do_SUBW:
	ALU(SEXT32(RS1 - RS2));
do_SLLW:
	ALU(SEXT32((uint32_t)RS1 << (RS2 & 31)));
do_SRLW:
	ALU(SEXT32((uint32_t)RS1 >> (RS2 & 31)));
do_SRAW:
	ALU(SEXT32((int32_t)RS1 >> (RS2 & 31)));

do_MUL:
	ALU(RS1 * RS2);
do_MULH:
	ALU((uint64_t)(((__int128)(int64_t)RS1 * (__int128)(int64_t)RS2) >> 64));
do_MULHSU:
	ALU(mulhsu((int64_t)RS1, RS2));
do_MULHU:
	ALU((uint64_t)(((unsigned __int128)RS1 * RS2) >> 64));
do_DIV:
	ALU(div_s((int64_t)RS1, (int64_t)RS2));
do_DIVU:
	ALU(RS2 ? RS1 / RS2 : ~0ull);
do_REM:
	ALU(rem_s((int64_t)RS1, (int64_t)RS2));
do_REMU:
	ALU(RS2 ? RS1 % RS2 : RS1);
do_MULW:
	ALU(SEXT32((uint32_t)RS1 * (uint32_t)RS2));
do_DIVW:
	ALU(divw_s((int32_t)RS1, (int32_t)RS2));
do_DIVUW:
	ALU((uint32_t)RS2 ? SEXT32((uint32_t)RS1 / (uint32_t)RS2) : ~0ull);
do_REMW:
	ALU(remw_s((int32_t)RS1, (int32_t)RS2));
do_REMUW:
	ALU((uint32_t)RS2 ? SEXT32((uint32_t)RS1 % (uint32_t)RS2) : SEXT32(RS1));

do_LR_W:
do_SC_W:
do_AMOSWAP_W:
do_AMOADD_W:
do_AMOXOR_W:
do_AMOAND_W:
do_AMOOR_W:
do_AMOMIN_W:
do_AMOMAX_W:
do_AMOMINU_W:
do_AMOMAXU_W:
do_LR_D:
do_SC_D:
do_AMOSWAP_D:
do_AMOADD_D:
do_AMOXOR_D:
do_AMOAND_D:
do_AMOOR_D:
do_AMOMIN_D:
do_AMOMAX_D:
do_AMOMINU_D:
do_AMOMAXU_D:
	h->pc = pc;
	if (exec_atomic(h, in, &ti))
		goto trap;
	NEXT;

do_FLW:
	if (unlikely(hart_fs_off(h)))
		goto illegal;
	{
		uint64_t va_ = x[in->rs1] + (int64_t)in->imm, v_;
		h->pc = pc;
		if (access_load(h, va_, 4, &v_, &ti))
			goto trap;
		h->f[in->rd] = FPU_BOX32 | (uint32_t)v_;
	}
	hart_fs_dirty(h);
	NEXT;
do_FLD:
	if (unlikely(hart_fs_off(h)))
		goto illegal;
	{
		uint64_t va_ = x[in->rs1] + (int64_t)in->imm, v_;
		struct tlb_entry *e_ = &tlbd[TLB_IDX(va_)];
		if (likely(e_->tag_r == va_ >> VM_PAGE_SHIFT && IN_PAGE(va_, 8))) {
			memcpy(&v_, (void *)(uintptr_t)(va_ + e_->addend), 8);
		} else {
			h->pc = pc;
			if (access_load(h, va_, 8, &v_, &ti))
				goto trap;
		}
		h->f[in->rd] = v_;
	}
	hart_fs_dirty(h);
	NEXT;
do_FSW:
	if (unlikely(hart_fs_off(h)))
		goto illegal;
	STORE_VAL(uint32_t, h->f[in->rs2]);
do_FSD:
	if (unlikely(hart_fs_off(h)))
		goto illegal;
	STORE_VAL(uint64_t, h->f[in->rs2]);

#define FP_LABELS(T)                                                                               \
	do_FMADD_##T : do_FMSUB_##T : do_FNMSUB_##T : do_FNMADD_##T : do_FADD_##T : do_FSUB_##T    \
	    : do_FMUL_##T : do_FDIV_##T : do_FSQRT_##T : do_FSGNJ_##T : do_FSGNJN_##T              \
	    : do_FSGNJX_##T : do_FMIN_##T : do_FMAX_##T : do_FCVT_W_##T : do_FCVT_WU_##T           \
	    : do_FCVT_L_##T : do_FCVT_LU_##T : do_FEQ_##T : do_FLT_##T : do_FLE_##T                \
	    : do_FCLASS_##T : do_FCVT_##T##_W : do_FCVT_##T##_WU : do_FCVT_##T##_L                 \
	    : do_FCVT_##T##_LU:
	FP_LABELS(S)
	FP_LABELS(D)
do_FMV_X_W:
do_FMV_X_D:
do_FMV_W_X:
do_FMV_D_X:
do_FCVT_S_D:
do_FCVT_D_S:
	if (unlikely(exec_fp(h, in)))
		goto illegal;
	NEXT;

do_FENCE:
	NEXT;
do_FENCE_I:
	/* Writes to decoded pages already bumped their generation; re-fetching checks it. */
	icount++;
	pc += in->len;
	goto relookup;
do_ECALL:
	if (h->priv == PRIV_S && h->vm->sbi_builtin) {
		/* No M-mode firmware: the hypervisor is the SBI implementation. */
		h->pc = pc;
		sbi_ecall(h);
		icount++;
		goto out_pc_set;
	}
	ti.cause = EXC_ECALL_U + h->priv;
	ti.tval = 0;
	goto trap;
do_EBREAK:
	ti.cause = EXC_BREAKPOINT;
	ti.tval = pc;
	goto trap;
do_MRET:
	h->pc = pc;
	if (trap_mret(h))
		goto illegal;
	icount++;
	goto out_pc_set;
do_SRET:
	h->pc = pc;
	if (trap_sret(h))
		goto illegal;
	icount++;
	goto out_pc_set;
do_WFI:
	/* priv spec 3.1.6.5: TW traps WFI below M; in U-mode it is always illegal here. */
	if (h->priv == PRIV_U || (h->priv == PRIV_S && (h->mstatus & MSTATUS_TW)))
		goto illegal;
	icount++;
	pc += in->len;
	h->wfi = true;
	goto out;
do_SFENCE_VMA:
	if (h->priv == PRIV_U || (h->priv == PRIV_S && (h->mstatus & MSTATUS_TVM)))
		goto illegal;
	hart_tlb_flush(h);
	icount++;
	pc += in->len;
	goto out;
do_CSRRW:
do_CSRRS:
do_CSRRC:
do_CSRRWI:
do_CSRRSI:
do_CSRRCI:
	/* The counters must be exact when read; the slice budget keeps counting down. */
	h->pc = pc;
	h->instret += icount;
	budget = icount >= budget ? 0 : budget - icount;
	icount = 0;
	if (exec_csr(h, in, &wrote))
		goto illegal;
	if (!wrote)
		NEXT;
	icount++;
	pc += in->len;
	goto out;

illegal:
	ti.cause = EXC_ILLEGAL_INSN;
	ti.tval = in->raw;
trap:
	h->pc = pc;
	h->instret += icount;
	trap_take(h, ti.cause, ti.tval);
	return;
nomem:
	h->pc = pc;
	h->instret += icount;
	vm_stop(h->vm, VM_ERROR, -12);
	return;
out:
	h->pc = pc;
out_pc_set:
	h->instret += icount;
}
