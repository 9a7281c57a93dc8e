/*
 * RV64C (ISA manual, "C" extension): every RV64 compressed instruction except
 * c.ebreak (tested with the privileged tests), each checked to behave like
 * the base instruction it expands to, at immediate/offset edges.  Explicit
 * c.* mnemonics make the assembler fail rather than emit a 32-bit form.
 * main returns 0, or the failing line (CHK) as the failure code.
 */

/* Fail with this line unless reg == val (t6 is scratch). */
#define CHK(reg, val) li t6, val; beq reg, t6, 9f; li a0, __LINE__; j .Lfail; 9:

	.option rvc
	.text
	.globl main
main:
	/* Keep ra and sp to return (c.jalr and the sp tests change them). */
	mv	s10, ra
	mv	s11, sp

	/* c.li (sign-extended 6-bit), c.lui (sign-extended 18-bit), c.nop */
	c.li	a0, -32
	CHK(a0, -32)
	c.li	a0, 31
	CHK(a0, 31)
	c.lui	a1, 0x1f
	CHK(a1, 0x1f000)
	c.lui	a1, 0xfffe0
	CHK(a1, 0xfffffffffffe0000)
	c.lui	a1, 0xfffff
	CHK(a1, 0xfffffffffffff000)
	c.nop
	/* c.addi (addi rd, rd, imm), c.addiw (32-bit, sign-extended) */
	c.li	a0, 5
	c.addi	a0, -32
	CHK(a0, -27)
	c.addi	a0, 31
	CHK(a0, 4)
	li	a0, 0x7fffffff
	c.addiw	a0, 1
	CHK(a0, 0xffffffff80000000)
	li	a0, 0x123456780000ffff
	c.addiw	a0, 0			/* sext.w */
	CHK(a0, 0xffff)
	li	a0, 0xffffffff
	c.addiw	a0, 0
	CHK(a0, -1)
	/* c.slli/c.srli/c.srai (shamt 1..63), c.andi (sign-extended imm) */
	c.li	a0, 1
	c.slli	a0, 63
	CHK(a0, 0x8000000000000000)
	li	s0, 0x8000000000000000
	c.srli	s0, 63
	CHK(s0, 1)
	li	s0, 0x8000000000000000
	c.srai	s0, 63
	CHK(s0, -1)
	li	s1, 0x8000000000000000
	c.srli	s1, 1
	CHK(s1, 0x4000000000000000)
	li	s1, 0x80000000
	c.srai	s1, 31
	CHK(s1, 1)
	li	a2, 0x123456789abcdef0
	c.andi	a2, -1
	CHK(a2, 0x123456789abcdef0)
	c.andi	a2, -16
	CHK(a2, 0x123456789abcdef0)
	c.andi	a2, 0x1f
	CHK(a2, 0x10)
	li	a2, -1
	c.andi	a2, -32
	CHK(a2, -32)
	/* c.mv (add rd, x0, rs2), c.add, c.sub/xor/or/and, c.subw/c.addw */
	li	t0, 0x1122334455667788
	c.mv	t1, t0
	CHK(t1, 0x1122334455667788)
	c.add	t1, t0
	CHK(t1, 0x22446688aaccef10)
	li	a3, 10
	li	a4, 3
	c.sub	a3, a4
	CHK(a3, 7)
	c.sub	a4, a3
	CHK(a4, -4)
	li	a3, 0xff00
	li	a4, 0x0ff0
	c.xor	a3, a4
	CHK(a3, 0xf0f0)
	c.or	a3, a4
	CHK(a3, 0xfff0)
	c.and	a3, a4
	CHK(a3, 0x0ff0)
	li	a3, 0x7fffffff
	li	a4, 1
	c.addw	a3, a4
	CHK(a3, 0xffffffff80000000)
	li	a3, 0x100000000
	c.subw	a3, a4
	CHK(a3, -1)
	li	a3, 0x80000000
	c.subw	a3, a4
	CHK(a3, 0x7fffffff)

	/* Loads and stores: c.lw/c.ld/c.sw/c.sd (x8-x15, max offsets), signs */
	la	s0, buf
	li	a5, 0x80000000fedcba98
	c.sd	a5, 248(s0)
	c.ld	a4, 248(s0)
	CHK(a4, 0x80000000fedcba98)
	c.sd	a5, 120(s0)
	c.lw	a4, 120(s0)
	CHK(a4, 0xfffffffffedcba98)
	c.lw	a4, 124(s0)
	CHK(a4, 0xffffffff80000000)
	c.li	a5, 0x12
	c.sw	a5, 124(s0)
	c.lw	a3, 124(s0)
	CHK(a3, 0x12)
	c.sw	a5, 0(s0)
	c.sd	a5, 8(s0)
	c.ld	a3, 0(s0)
	CHK(a3, 0x12)
	/* c.fsd/c.fld */
	li	a5, 0x400921fb54442d18
	fmv.d.x	fa5, a5
	c.fsd	fa5, 248(s0)
	c.fld	fa4, 248(s0)
	fmv.x.d	a4, fa4
	CHK(a4, 0x400921fb54442d18)
	c.ld	a4, 248(s0)
	CHK(a4, 0x400921fb54442d18)

	/* sp-relative: c.addi16sp, c.addi4spn, c.*sp loads/stores */
	mv	t0, sp
	c.addi16sp sp, -512
	sub	t1, t0, sp
	CHK(t1, 512)
	c.addi4spn a0, sp, 1020
	sub	t1, a0, sp
	CHK(t1, 1020)
	c.addi4spn a0, sp, 4
	sub	t1, a0, sp
	CHK(t1, 4)
	li	t2, 0xa5a5a5a5c3c3c3c3
	c.sdsp	t2, 504(sp)
	c.ldsp	t3, 504(sp)
	CHK(t3, 0xa5a5a5a5c3c3c3c3)
	c.sdsp	t2, 248(sp)
	c.lwsp	t3, 248(sp)
	CHK(t3, 0xffffffffc3c3c3c3)
	c.lwsp	t3, 252(sp)
	CHK(t3, 0xffffffffa5a5a5a5)
	c.swsp	t2, 124(sp)
	ld	t3, 120(sp)
	srli	t3, t3, 32
	CHK(t3, 0xc3c3c3c3)
	c.sdsp	t2, 0(sp)
	ld	t3, 0(sp)
	CHK(t3, 0xa5a5a5a5c3c3c3c3)
	li	t2, 0xbff0000000000000
	fmv.d.x	ft5, t2
	c.fsdsp	ft5, 496(sp)
	c.fldsp	ft6, 496(sp)
	fmv.x.d	t3, ft6
	CHK(t3, 0xbff0000000000000)
	c.ldsp	t3, 496(sp)
	CHK(t3, 0xbff0000000000000)
	c.addi16sp sp, 496
	c.addi16sp sp, 16
	sub	t1, t0, sp
	CHK(t1, 0)

	/* Control flow: c.j, c.beqz/c.bnez taken and not, c.jr, c.jalr (ra = pc + 2) */
	c.li	a0, 0
	c.j	1f
	c.li	a0, 1
1:	CHK(a0, 0)
	c.li	a1, 0
	c.beqz	a1, 2f
	c.li	a0, 2
2:	CHK(a0, 0)
	c.li	a1, 1
	c.beqz	a1, 3f
	c.li	a0, 3
3:	CHK(a0, 3)
	c.li	a0, 0
	c.li	a1, -1
	c.bnez	a1, 4f
	c.li	a0, 4
4:	CHK(a0, 0)
	c.li	a1, 0
	c.bnez	a1, 5f
	c.li	a0, 5
5:	CHK(a0, 5)
	/* backward c.bnez loop: sum 1..5 */
	c.li	a1, 5
	c.li	a2, 0
6:	c.add	a2, a1
	c.addi	a1, -1
	c.bnez	a1, 6b
	CHK(a2, 15)
	c.j	7f
8:	c.j	10f		/* backward c.j target */
7:	c.j	8b
10:	la	t0, 11f
	c.li	a0, 0
	c.jr	t0
	c.li	a0, 1
11:	CHK(a0, 0)
	la	t0, 13f
	c.jalr	t0
12:	c.j	14f
13:	la	t1, 12b
	beq	ra, t1, 15f
	li	a0, __LINE__
	j	.Lfail
15:	c.jr	ra		/* return to 12 */
14:
	mv	ra, s10
	mv	sp, s11
	li	a0, 0
	ret
.Lfail:
	mv	ra, s10
	mv	sp, s11
	ret

	.bss
	.balign 8
buf:
	.space 256
