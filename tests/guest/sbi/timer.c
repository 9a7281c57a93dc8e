// SPDX-License-Identifier: Apache-2.0
/*
 * TIME, IPI to self and HSM suspend from S-mode: a real timer interrupt and real software
 * interrupts are taken through stvec (SBI spec v2.0 chapters 6, 7, 9.4).
 */
#include "sbi_rt.h"

#define MS 10000ul /* mtime ticks per millisecond */

static volatile int ticks, softs;

static S_HANDLER void handler(void)
{
	unsigned long cause = csr_read(scause);

	if (cause == (CAUSE_IRQ | IRQ_S_TIMER)) {
		ticks++;
		/* A deadline far away lowers STIP again (SBI spec 6.1). */
		sbi_call(EXT_TIME, 0, -1, 0, 0, 0, 0);
	} else if (cause == (CAUSE_IRQ | IRQ_S_SOFT)) {
		softs++;
		csr_clear(sip, SIP_SSIP);
	} else {
		put("unexpected trap, scause ");
		put_hex(cause);
		put("\n");
		sbi_exit(2);
	}
}

static void test_timer(void)
{
	uint64_t t0 = now();

	CHECK(sbi_call(EXT_TIME, 0, (long)(t0 + 5 * MS), 0, 0, 0, 0).error == 0);
	csr_set(sstatus, SSTATUS_SIE);
	while (!ticks && now() < t0 + 10000 * MS)
		__asm__ volatile("wfi");
	csr_clear(sstatus, SSTATUS_SIE);
	CHECK(ticks == 1);
	CHECK(now() >= t0 + 5 * MS);
	/* With interrupts off, a due timer is only pending; enabling takes it. */
	CHECK(sbi_call(EXT_TIME, 0, (long)now(), 0, 0, 0, 0).error == 0);
	CHECK(csr_read(sip) & SIP_STIP);
	CHECK(ticks == 1);
	csr_set(sstatus, SSTATUS_SIE);
	csr_clear(sstatus, SSTATUS_SIE);
	CHECK(ticks == 2);
	CHECK(!(csr_read(sip) & SIP_STIP));
	/* Legacy set_timer does the same. */
	CHECK(sbi_legacy(0, (long)now()) == 0);
	CHECK(csr_read(sip) & SIP_STIP);
	csr_set(sstatus, SSTATUS_SIE);
	csr_clear(sstatus, SSTATUS_SIE);
	CHECK(ticks == 3);
}

static void test_ipi_self(void)
{
	unsigned long mask = 1;

	/* The interrupt is taken right after the SBI call returns. */
	csr_set(sstatus, SSTATUS_SIE);
	CHECK(sbi_call(EXT_IPI, 0, 1, 0, 0, 0, 0).error == 0);
	__asm__ volatile("nop");
	CHECK(softs == 1);
	CHECK(sbi_call(EXT_IPI, 0, 0, -1, 0, 0, 0).error == 0);
	__asm__ volatile("nop");
	CHECK(softs == 2);
	CHECK(sbi_legacy(4, (long)&mask) == 0);
	__asm__ volatile("nop");
	CHECK(softs == 3);
	CHECK(sbi_call(EXT_IPI, 0, 2, 0, 0, 0, 0).error == ERR_INVALID_PARAM);
	CHECK(softs == 3);
	csr_clear(sstatus, SSTATUS_SIE);
	/* Legacy clear_ipi lowers a pending IPI. */
	CHECK(sbi_legacy(4, 0) == 0);
	CHECK(csr_read(sip) & SIP_SSIP);
	CHECK(sbi_legacy(3, 0) == 0);
	CHECK(!(csr_read(sip) & SIP_SSIP));
	csr_set(sstatus, SSTATUS_SIE);
	csr_clear(sstatus, SSTATUS_SIE);
	CHECK(softs == 3);
}

static void test_suspend(void)
{
	uint64_t t0 = now();
	struct sbiret r;

	CHECK(sbi_call(EXT_HSM, 2, 0, 0, 0, 0, 0).value == HSM_STARTED);
	/* Default retentive suspend: back when the (disabled) timer interrupt is pending. */
	CHECK(sbi_call(EXT_TIME, 0, (long)(t0 + 5 * MS), 0, 0, 0, 0).error == 0);
	r = sbi_call(EXT_HSM, 3, 0, 0, 0, 0, 0);
	CHECK(r.error == 0);
	CHECK(now() >= t0 + 5 * MS);
	CHECK(csr_read(sip) & SIP_STIP);
	CHECK(ticks == 3);
	csr_set(sstatus, SSTATUS_SIE);
	csr_clear(sstatus, SSTATUS_SIE);
	CHECK(ticks == 4);
	CHECK(sbi_call(EXT_HSM, 3, 1, 0, 0, 0, 0).error == ERR_INVALID_PARAM);
	CHECK(sbi_call(EXT_HSM, 3, 0x80000000l, 0x1000, 0, 0, 0).error == ERR_INVALID_ADDRESS);
}

/* Where the non-retentive suspend resumes: a fresh stack, then the end of the test. */
void resumed(unsigned long hartid, unsigned long opaque)
{
	CHECK(hartid == 0);
	CHECK(opaque == 0xfeed);
	CHECK(csr_read(satp) == 0);
	CHECK(!(csr_read(sstatus) & SSTATUS_SIE));
	CHECK(csr_read(sip) & SIP_STIP);
	put("sbi_timer: pass\n");
	sbi_exit(0);
}

int main(void)
{
	csr_write(stvec, (unsigned long)handler);
	csr_set(sie, SIP_SSIP | SIP_STIP);
	test_timer();
	test_ipi_self();
	test_suspend();
	/* Non-retentive suspend: resumes at sbi_secondary_entry (fresh stack and gp). */
	CHECK(sbi_call(EXT_TIME, 0, (long)(now() + 2 * MS), 0, 0, 0, 0).error == 0);
	sbi_call(EXT_HSM, 3, 0x80000000l, (long)sbi_secondary_entry, 0xfeed, 0, 0);
	put("FAIL: non-retentive suspend returned\n");
	return 1;
}

/* sbi_secondary_entry calls secondary_main: here it is where hart 0 resumes. */
void secondary_main(unsigned long hartid, unsigned long opaque)
{
	resumed(hartid, opaque);
}
