// SPDX-License-Identifier: Apache-2.0
/*
 * HSM with two harts (run with --cpus 2): start hart 1, IPIs and remote fences to it, let it
 * stop itself, start it again (SBI spec v2.0 chapters 7, 8, 9).
 */
#include "sbi_rt.h"

static volatile int arrived, ipis, go_stop;
static volatile unsigned long seen_id, seen_opaque, seen_satp, seen_sstatus;

static S_HANDLER void handler(void)
{
	if (csr_read(scause) != (CAUSE_IRQ | IRQ_S_SOFT)) {
		put("hart 1: unexpected trap\n");
		sbi_exit(2);
	}
	csr_clear(sip, SIP_SSIP);
	ipis++;
}

void secondary_main(unsigned long hartid, unsigned long opaque)
{
	seen_satp = csr_read(satp);
	seen_sstatus = csr_read(sstatus);
	seen_id = hartid;
	seen_opaque = opaque;
	csr_write(stvec, (unsigned long)handler);
	csr_set(sie, SIP_SSIP);
	__atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
	csr_set(sstatus, SSTATUS_SIE);
	while (!go_stop)
		__asm__ volatile("wfi");
	csr_clear(sstatus, SSTATUS_SIE);
	/* Returning stops this hart through HSM hart_stop (sbi_rt.S). */
}

static long status(long hart)
{
	struct sbiret r = sbi_call(EXT_HSM, 2, hart, 0, 0, 0, 0);

	CHECK(r.error == 0);
	return r.value;
}

static void start_hart1(unsigned long opaque, int nth)
{
	CHECK(status(1) == HSM_STOPPED);
	CHECK(sbi_call(EXT_HSM, 0, 1, (long)sbi_secondary_entry, (long)opaque, 0, 0).error == 0);
	CHECK(sbi_call(EXT_HSM, 0, 1, (long)sbi_secondary_entry, 0, 0, 0).error ==
	      ERR_ALREADY_AVAILABLE);
	CHECK(wait_for(&arrived, nth));
	CHECK(seen_id == 1);
	CHECK(seen_opaque == opaque);
	CHECK(seen_satp == 0);
	CHECK(!(seen_sstatus & SSTATUS_SIE));
	CHECK(status(1) == HSM_STARTED);
}

int main(void)
{
	CHECK(status(0) == HSM_STARTED);
	CHECK(sbi_call(EXT_HSM, 2, 2, 0, 0, 0, 0).error == ERR_INVALID_PARAM);
	CHECK(sbi_call(EXT_HSM, 0, 2, (long)sbi_secondary_entry, 0, 0, 0).error ==
	      ERR_INVALID_PARAM);
	CHECK(sbi_call(EXT_HSM, 0, 1, 0x1000, 0, 0, 0).error == ERR_INVALID_ADDRESS);
	CHECK(sbi_call(EXT_HSM, 0, 0, (long)sbi_secondary_entry, 0, 0, 0).error ==
	      ERR_ALREADY_AVAILABLE);
	start_hart1(0x5eed, 1);

	/* IPIs wake hart 1 from WFI; the base form and "all harts" (hart 0 has SSIE off). */
	CHECK(sbi_call(EXT_IPI, 0, 1, 1, 0, 0, 0).error == 0);
	CHECK(wait_for(&ipis, 1));
	CHECK(sbi_call(EXT_IPI, 0, 0, -1, 0, 0, 0).error == 0);
	CHECK(wait_for(&ipis, 2));
	csr_clear(sip, SIP_SSIP);
	CHECK(sbi_call(EXT_IPI, 0, 4, 0, 0, 0, 0).error == ERR_INVALID_PARAM);

	/* Remote fences complete on a running hart (and on ourselves). */
	for (int i = 0; i < 100; i++) {
		CHECK(sbi_call(EXT_RFENCE, 0, 3, 0, 0, 0, 0).error == 0);
		CHECK(sbi_call(EXT_RFENCE, 1, 2, 0, 0, -1, 0).error == 0);
		CHECK(sbi_call(EXT_RFENCE, 2, 0, -1, 0x80000000l, 0x1000, 1).error == 0);
	}
	CHECK(sbi_call(EXT_RFENCE, 1, 1, 2, 0, 0, 0).error == ERR_INVALID_PARAM);
	CHECK(sbi_call(EXT_RFENCE, 3, 1, 0, 0, 0, 0).error == ERR_NOT_SUPPORTED);

	/* Hart 1 stops itself; then it can be started again with a new opaque. */
	go_stop = 1;
	CHECK(sbi_call(EXT_IPI, 0, 2, 0, 0, 0, 0).error == 0);
	for (uint64_t end = now() + 100000000ul; status(1) != HSM_STOPPED;)
		CHECK(now() < end);
	/* A stopped hart is no IPI or fence target, and not an error either. */
	CHECK(sbi_call(EXT_IPI, 0, 2, 0, 0, 0, 0).error == 0);
	CHECK(sbi_call(EXT_RFENCE, 1, 2, 0, 0, -1, 0).error == 0);
	go_stop = 0;
	start_hart1(0x77, 2);
	put("sbi_hsm: pass\n");
	return 0;
}
