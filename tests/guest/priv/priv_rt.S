/*
 * Trap entries and mode-switch helpers of the privileged-architecture tests.
 *
 * m_trap_entry/s_trap_entry swap sp with mscratch/sscratch, so the handlers run
 * on their own identity-mapped stacks whatever the trapping code's sp is (it may
 * be a virtual address, or a U page S cannot touch). Both build a struct
 * trap_frame (../lib/trap_frame.h); for S the x-CSR fields hold sepc, scause,
 * stval and sstatus.
 */
#include "trap_frame.h"

#define PRIV_EXIT_MAGIC 0x50524956

	.macro SAVE_GPRS
	.irp n, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	sd	x\n, \n*8(sp)
	.endr
	sd	zero, 0(sp)
	.endm

	.macro LOAD_GPRS
	.irp n, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	ld	x\n, \n*8(sp)
	.endr
	.endm

	/* One trap entry for level x (m or s): \ret is mret or sret. */
	.macro TRAP_ENTRY x, handler, ret
	csrrw	sp, \x\()scratch, sp
	addi	sp, sp, -TRAP_FRAME_SIZE
	SAVE_GPRS
	csrr	t0, \x\()scratch
	sd	t0, 2*8(sp)
	csrr	t0, \x\()epc
	sd	t0, TF_MEPC(sp)
	csrr	t0, \x\()cause
	sd	t0, TF_MCAUSE(sp)
	csrr	t0, \x\()tval
	sd	t0, TF_MTVAL(sp)
	csrr	t0, \x\()status
	sd	t0, TF_MSTATUS(sp)
	mv	a0, sp
	call	\handler
	ld	t0, TF_MEPC(sp)
	csrw	\x\()epc, t0
	ld	t0, TF_MSTATUS(sp)
	csrw	\x\()status, t0
	/* The scratch register holds the handler's stack top again. */
	addi	t0, sp, TRAP_FRAME_SIZE
	csrw	\x\()scratch, t0
	LOAD_GPRS
	ld	sp, 2*8(sp)
	\ret
	.endm

	.text
	.balign 4
	.globl m_trap_entry
m_trap_entry:
	TRAP_ENTRY m, trap_dispatch, mret

	.balign 4
	.globl s_trap_entry
s_trap_entry:
	TRAP_ENTRY s, s_dispatch, sret

/*
 * priv_enter(arg, pc, sp, ra, ctx): save the callee-saved state in ctx, then
 * mret to pc (mstatus.MPP set by the caller) with a0 = arg, the given sp and
 * ra. The exit stub's ecall lets the M handler restore ctx and return to our
 * caller with the function's a0.
 */
	.globl priv_enter
priv_enter:
	sd	ra, 0(a4)
	sd	sp, 8(a4)
	sd	s0, 16(a4)
	sd	s1, 24(a4)
	.irp n, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
	sd	s\n, (16 + \n*8)(a4)
	.endr
	csrw	mepc, a1
	mv	sp, a2
	mv	ra, a3
	mret

	.globl p_exit_stub
p_exit_stub:
	li	a7, PRIV_EXIT_MAGIC
	ecall
	/* Not reached: the handler never resumes here. */
	j	p_exit_stub

/* s_forward_exit(a0, use_ebreak): pass a priv_run exit that reached S on to M. */
	.globl s_forward_exit
s_forward_exit:
	li	a7, PRIV_EXIT_MAGIC
	bnez	a1, 1f
	ecall
	j	s_forward_exit
1:	ebreak
	j	s_forward_exit

	.globl p_load64
p_load64:
	ld	a0, 0(a0)
	ret

	.globl p_load32
p_load32:
	lw	a0, 0(a0)
	ret

	.globl p_store64
p_store64:
	sd	a1, 0(a0)
	li	a0, 0
	ret

	.globl p_store_self
p_store_self:
	sd	a0, 0(a0)
	ret

	.globl p_ecall
p_ecall:
	li	a7, 0
	ecall
	ret

/* p_exec(addr): call the code at addr; p_exec_ret is where fetch faults resume. */
	.globl p_exec
	.globl p_exec_ret
p_exec:
	addi	sp, sp, -16
	sd	ra, 8(sp)
	jalr	a0
p_exec_ret:
	ld	ra, 8(sp)
	addi	sp, sp, 16
	ret

	.globl p_ret42
p_ret42:
	.option push
	.option norvc
	li	a0, 42
	ret
	.option pop
