// SPDX-License-Identifier: Apache-2.0
/*
 * SBI BASE, DBCN and SRST argument checks from S-mode under the built-in SBI: spec version,
 * implementation, probing of every extension (SBI spec v2.0 chapters 4, 10, 12).
 */
#include "sbi_rt.h"

static const long present[] = {EXT_BASE, EXT_TIME, EXT_IPI, EXT_RFENCE, EXT_HSM,
			       EXT_SRST, EXT_DBCN, 0,	    1,		8};
static const long absent[] = {9, 0x504d55 /* PMU */, 0x53555350 /* SUSP */, 0x4e41434c /* NACL */,
			      0x09000000};

int main(unsigned long hartid, unsigned long fdt)
{
	struct sbiret r;
	static char msg[] = "sbi_base: DBCN write\n";

	CHECK(hartid == 0);
	CHECK(fdt >= 0x80000000ul);
	CHECK(csr_read(satp) == 0);
	CHECK(!(csr_read(sstatus) & SSTATUS_SIE));

	r = sbi_call(EXT_BASE, 0, 0, 0, 0, 0, 0);
	CHECK(r.error == 0 && r.value == 0x02000000);
	r = sbi_call(EXT_BASE, 1, 0, 0, 0, 0, 0);
	CHECK(r.error == 0 && r.value == 0x56495245);
	r = sbi_call(EXT_BASE, 2, 0, 0, 0, 0, 0);
	CHECK(r.error == 0 && r.value != 0);
	for (unsigned i = 0; i < sizeof(present) / sizeof(present[0]); i++) {
		r = sbi_call(EXT_BASE, 3, present[i], 0, 0, 0, 0);
		CHECK(r.error == 0 && r.value == 1);
	}
	for (unsigned i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		r = sbi_call(EXT_BASE, 3, absent[i], 0, 0, 0, 0);
		CHECK(r.error == 0 && r.value == 0);
		r = sbi_call(absent[i], 0, 0, 0, 0, 0, 0);
		CHECK(r.error == ERR_NOT_SUPPORTED);
	}
	for (long fid = 4; fid <= 6; fid++) {
		r = sbi_call(EXT_BASE, fid, 0, 0, 0, 0, 0);
		CHECK(r.error == 0);
	}
	CHECK(sbi_call(EXT_BASE, 7, 0, 0, 0, 0, 0).error == ERR_NOT_SUPPORTED);

	/* DBCN: the count written comes back; bad buffers are refused. */
	r = sbi_call(EXT_DBCN, 0, sizeof(msg) - 1, (long)msg, 0, 0, 0);
	CHECK(r.error == 0 && r.value == sizeof(msg) - 1);
	r = sbi_call(EXT_DBCN, 0, 4, 0x1000, 0, 0, 0);
	CHECK(r.error == ERR_INVALID_PARAM);
	r = sbi_call(EXT_DBCN, 0, 4, (long)msg, 1, 0, 0);
	CHECK(r.error == ERR_INVALID_PARAM);
	r = sbi_call(EXT_DBCN, 2, '.', 0, 0, 0, 0);
	CHECK(r.error == 0);
	CHECK(sbi_legacy(1, '\n') == 0);
	/* Nothing typed: DBCN read gives 0 bytes, legacy getchar -1. */
	r = sbi_call(EXT_DBCN, 1, sizeof(msg), (long)msg, 0, 0, 0);
	CHECK(r.error == 0 && r.value == 0);
	CHECK(sbi_legacy(2, 0) == -1);

	/* SRST with reserved type or reason fails and returns. */
	CHECK(sbi_call(EXT_SRST, 0, 3, 0, 0, 0, 0).error == ERR_INVALID_PARAM);
	CHECK(sbi_call(EXT_SRST, 0, 0, 2, 0, 0, 0).error == ERR_INVALID_PARAM);
	CHECK(sbi_call(EXT_SRST, 0, 0xf0000000l, 0, 0, 0, 0).error == ERR_INVALID_PARAM);

	/* FP is usable from the start (mstatus.FS = Initial). */
	volatile double x = 1.5;
	CHECK(x * 2 == 3.0);
	put("sbi_base: pass\n");
	return 0;
}
