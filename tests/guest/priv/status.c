/*
 * mstatus/sstatus interrupt-enable stacking (priv spec 3.1.6.1, 3.3.2, 4.1.1):
 * a trap to x sets xPIE = xIE, xIE = 0, xPP = previous privilege; xRET sets
 * xIE = xPIE, xPIE = 1, xPP = U and goes to the old xPP. (Since priv 1.12 an mret
 * to a mode below M also clears MPRV, but QEMU 7.2, the reference, does not, so
 * that is not checked.)
 */
#include "priv.h"

static uint64_t do_ecall(uint64_t unused)
{
	(void)unused;
	return HERE_INSN("ecall");
}

/* In S: sret to S with SPIE = spie, SIE = 0; return sstatus as seen after sret. */
static uint64_t s_sret_to_s(uint64_t spie)
{
	uint64_t st;

	csr_clear(sstatus, MSTATUS_SIE | MSTATUS_SPIE);
	csr_set(sstatus, MSTATUS_SPP | (spie ? MSTATUS_SPIE : 0));
	__asm__ volatile("lla t0, 1f\n\tcsrw sepc, t0\n\tsret\n1:\tcsrr %0, sstatus"
			 : "=r"(st)
			 :
			 : "t0", "memory");
	csr_clear(sstatus, MSTATUS_SIE);
	return st;
}

/* In S: sret to U, where an ecall traps to M (so M sees MPP = U). */
static uint64_t s_sret_to_u(uint64_t unused)
{
	uint64_t pc;

	(void)unused;
	csr_clear(sstatus, MSTATUS_SPP);
	__asm__ volatile("lla t0, 1f\n\tcsrw sepc, t0\n\tsret\n1:\tli a7, 0\n\t"
			 "lla %0, 2f\n2:\tecall"
			 : "=&r"(pc)
			 :
			 : "t0", "a7", "memory");
	return pc;
}

/* In M: mret to M with the given MPIE and MPRV=0, MIE=0; return mstatus after. */
static uint64_t m_mret_to_m(uint64_t mpie)
{
	uint64_t st;

	csr_clear(mstatus, MSTATUS_MIE | MSTATUS_MPIE);
	csr_set(mstatus, MSTATUS_MPP | (mpie ? MSTATUS_MPIE : 0));
	__asm__ volatile("lla t0, 1f\n\tcsrw mepc, t0\n\tmret\n1:\tcsrr %0, mstatus"
			 : "=r"(st)
			 :
			 : "t0", "memory");
	csr_clear(mstatus, MSTATUS_MIE);
	return st;
}

static void m_level(void)
{
	uint64_t st, pc;

	/* Trap from S with MIE = 1 (mie = 0, so no interrupt can come). */
	csr_write(mie, 0UL);
	for (int mie = 0; mie < 2; mie++) {
		if (mie)
			csr_set(mstatus, MSTATUS_MIE);
		for (unsigned mode = PRV_U; mode <= PRV_S; mode++) {
			trap_reset();
			pc = priv_run(mode, do_ecall, 0);
			CHECK_TRAP_FROM(priv.m, CAUSE_ECALL_U + mode, pc, 0, mode);
			st = priv.m.status;
			CHECK_EQ(st & MSTATUS_MIE, 0);
			CHECK_EQ(!!(st & MSTATUS_MPIE), mie);
			/* priv_run restores MIE on return */
			CHECK_EQ(!!(csr_read(mstatus) & MSTATUS_MIE), mie);
		}
		csr_clear(mstatus, MSTATUS_MIE);
	}

	st = m_mret_to_m(1);
	CHECK_EQ(st & (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP), MSTATUS_MIE | MSTATUS_MPIE);
	st = m_mret_to_m(0);
	CHECK_EQ(st & (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP), MSTATUS_MPIE);
}

static void s_level(void)
{
	uint64_t st, pc;

	csr_write(medeleg, (1UL << CAUSE_ECALL_U) | (1UL << CAUSE_ECALL_S));
	csr_write(sie, 0UL);
	for (int sie = 0; sie < 2; sie++) {
		for (unsigned mode = PRV_U; mode <= PRV_S; mode++) {
			if (sie)
				csr_set(sstatus, MSTATUS_SIE);
			else
				csr_clear(sstatus, MSTATUS_SIE);
			trap_reset();
			pc = priv_run(mode, do_ecall, 0);
			CHECK_TRAP_FROM(priv.s, CAUSE_ECALL_U + mode, pc, 0, mode);
			CHECK_EQ(priv.m.count, 0);
			st = priv.s.status;
			CHECK_EQ(st & MSTATUS_SIE, 0);
			CHECK_EQ(!!(st & MSTATUS_SPIE), sie);
			CHECK_EQ(!!(st & MSTATUS_SPP), mode);
		}
	}
	csr_clear(sstatus, MSTATUS_SIE);
	csr_write(medeleg, 0UL);

	trap_reset();
	st = priv_run(PRV_S, s_sret_to_s, 1);
	CHECK_EQ(st & (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP), MSTATUS_SIE | MSTATUS_SPIE);
	st = priv_run(PRV_S, s_sret_to_s, 0);
	CHECK_EQ(st & (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP), MSTATUS_SPIE);
	CHECK_NO_TRAP();

	trap_reset();
	pc = priv_run(PRV_S, s_sret_to_u, 0);
	CHECK_TRAP_FROM(priv.m, CAUSE_ECALL_U, pc, 0, PRV_U);
}

int main(void)
{
	priv_init();
	m_level();
	s_level();
	return 0;
}
