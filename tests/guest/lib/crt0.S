/*
 * Guest test entry and trap entry (bare metal, M-mode).
 *
 * _start is entered in M-mode with a0 = mhartid (QEMU virt -bios none and
 * vireo --bios both do that).  Hart 0 runs main(); other harts call the weak
 * secondary_main(hartid), which by default parks them in wfi.
 */
#include "trap_frame.h"

	.section .text.init, "ax", @progbits
	.globl _start
_start:
	.option push
	.option norelax
	/* gp must be set without relaxation, or la would use gp itself. */
	la	gp, __global_pointer$
	.option pop
	la	sp, __stack_top
	/* Every hart needs a trap vector before it can fault. */
	la	t0, trap_entry
	csrw	mtvec, t0
	bnez	a0, .Lsecondary

	/* Clear .bss (the ELF loader does not have to zero NOLOAD sections). */
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	/* mstatus.FS = Initial (priv spec 3.1.6.6): FP instructions trap while FS = Off. */
	li	t0, MSTATUS_FS_INITIAL
	csrs	mstatus, t0
	csrwi	fcsr, 0
	call	main
	/* main's return value: 0 = pass, anything else is the failure code. */
	bnez	a0, 3f
	call	test_pass
3:	call	test_fail

.Lsecondary:
	/* Give each secondary hart its own 4 KiB stack below the shared top. */
	slli	t0, a0, 12
	sub	sp, sp, t0
	call	secondary_main
4:	wfi
	j	4b

/*
 * Trap entry: save all integer registers and mepc/mcause/mtval/mstatus in a
 * struct trap_frame on the interrupted stack, let C decide, then restore
 * (the handler may have changed any saved register, mepc or mstatus) and mret.
 */
	.text
	.balign 4
	.globl trap_entry
trap_entry:
	addi	sp, sp, -TRAP_FRAME_SIZE
	sd	x1, 1*8(sp)
	/* x2 (sp) is saved below as its value before the trap. */
	sd	x3, 3*8(sp)
	sd	x4, 4*8(sp)
	sd	x5, 5*8(sp)
	sd	x6, 6*8(sp)
	sd	x7, 7*8(sp)
	sd	x8, 8*8(sp)
	sd	x9, 9*8(sp)
	sd	x10, 10*8(sp)
	sd	x11, 11*8(sp)
	sd	x12, 12*8(sp)
	sd	x13, 13*8(sp)
	sd	x14, 14*8(sp)
	sd	x15, 15*8(sp)
	sd	x16, 16*8(sp)
	sd	x17, 17*8(sp)
	sd	x18, 18*8(sp)
	sd	x19, 19*8(sp)
	sd	x20, 20*8(sp)
	sd	x21, 21*8(sp)
	sd	x22, 22*8(sp)
	sd	x23, 23*8(sp)
	sd	x24, 24*8(sp)
	sd	x25, 25*8(sp)
	sd	x26, 26*8(sp)
	sd	x27, 27*8(sp)
	sd	x28, 28*8(sp)
	sd	x29, 29*8(sp)
	sd	x30, 30*8(sp)
	sd	x31, 31*8(sp)
	addi	t0, sp, TRAP_FRAME_SIZE
	sd	t0, 2*8(sp)
	sd	zero, 0(sp)
	csrr	t0, mepc
	sd	t0, TF_MEPC(sp)
	csrr	t0, mcause
	sd	t0, TF_MCAUSE(sp)
	csrr	t0, mtval
	sd	t0, TF_MTVAL(sp)
	csrr	t0, mstatus
	sd	t0, TF_MSTATUS(sp)

	mv	a0, sp
	call	trap_dispatch

	ld	t0, TF_MEPC(sp)
	csrw	mepc, t0
	ld	t0, TF_MSTATUS(sp)
	csrw	mstatus, t0
	ld	x1, 1*8(sp)
	ld	x3, 3*8(sp)
	ld	x4, 4*8(sp)
	ld	x5, 5*8(sp)
	ld	x6, 6*8(sp)
	ld	x7, 7*8(sp)
	ld	x8, 8*8(sp)
	ld	x9, 9*8(sp)
	ld	x10, 10*8(sp)
	ld	x11, 11*8(sp)
	ld	x12, 12*8(sp)
	ld	x13, 13*8(sp)
	ld	x14, 14*8(sp)
	ld	x15, 15*8(sp)
	ld	x16, 16*8(sp)
	ld	x17, 17*8(sp)
	ld	x18, 18*8(sp)
	ld	x19, 19*8(sp)
	ld	x20, 20*8(sp)
	ld	x21, 21*8(sp)
	ld	x22, 22*8(sp)
	ld	x23, 23*8(sp)
	ld	x24, 24*8(sp)
	ld	x25, 25*8(sp)
	ld	x26, 26*8(sp)
	ld	x27, 27*8(sp)
	ld	x28, 28*8(sp)
	ld	x29, 29*8(sp)
	ld	x30, 30*8(sp)
	ld	x31, 31*8(sp)
	/* Last: the saved sp (a handler may change it, e.g. to switch stacks). */
	ld	sp, 2*8(sp)
	mret
