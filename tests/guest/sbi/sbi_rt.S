/*
 * Start code of the S-mode SBI test programs. The firmware enters _start on the boot hart in
 * S-mode with a0 = hart id, a1 = device tree (Linux boot protocol): hart 0 on the built-in
 * SBI, whichever hart wins OpenSBI's cold boot lottery there. Harts started through HSM
 * hart_start enter sbi_secondary_entry with a0 = hart id, a1 = opaque (SBI spec 9.1). Every
 * hart, the boot hart too, has the stack slot of its id.
 */
#define STACK_SHIFT 14 /* 16 KiB per hart */

	.section .text.init, "ax", @progbits
	.globl _start
_start:
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	la	sp, __stack_top
	slli	t0, a0, STACK_SHIFT
	sub	sp, sp, t0
	mv	s0, a0
	mv	s1, a1
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	mv	a0, s0
	mv	a1, s1
	call	main
	/* main's return value: 0 = pass, else the failure code. */
	call	sbi_exit

	.text
	.globl sbi_secondary_entry
	.balign 4
sbi_secondary_entry:
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	/* Each hart gets its own stack below hart 0's. */
	la	sp, __stack_top
	slli	t0, a0, STACK_SHIFT
	sub	sp, sp, t0
	call	secondary_main
	call	sbi_hart_stop_self
