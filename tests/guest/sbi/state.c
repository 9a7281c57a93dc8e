// SPDX-License-Identifier: Apache-2.0
/*
 * The S-mode state a firmware hands over, checked on the built-in SBI and on Debian's OpenSBI
 * against the same expectations (run with --cpus 2): at boot, on a hart started through HSM
 * hart_start (again after it dirtied its S-level state and stopped), and after a
 * non-retentive suspend. Each entry must look like OpenSBI's hart init followed by
 * sbi_hart_switch_mode(): sstatus with only FS (Dirty) set, sie = satp = sscratch = 0,
 * stvec = the entry point, scounteren = CY|TM|IR so that U-mode can read cycle, time and
 * instret (Linux's vDSO reads time) while hpmcounter3 still traps from U, every counter
 * readable from S (mcounteren all ones), Sstc's stimecmp reachable (menvcfg.STCE), fcsr = 0.
 * Every entry prints one line, so the two firmwares' outputs can be compared by eye.
 */
#include "sbi_rt.h"

#define SSTATUS_SPP (1ul << 8)
#define SSTATUS_SUM (1ul << 18)
#define SIE_SSIE SIP_SSIP
#define SIE_STIE SIP_STIP
#define CAUSE_ILLEGAL 2
#define CAUSE_ECALL_U 8
#define SUSPEND_NON_RET 0x80000000l
#define MS 10000ul

/* sstatus at every entry: FS = Dirty (so SD), UXL = 64; SIE, SPIE, SPP, SUM, MXR clear. */
#define SSTATUS_ENTRY 0x8000000200006000ul
/* scounteren.CY|TM|IR, as OpenSBI sets it (priv spec 3.1.12 for the bits). */
#define SCOUNTEREN_ENTRY 7ul

/* opaque values given to hart_start/suspend: what the entered hart is to do. */
enum { RUN_DIRTY = 1, RUN_CLEAN = 2, RUN_RESUME = 3 };

/* Counters tried from S and U: cycle, time, instret, hpmcounter3. */
enum { CNT_CY, CNT_TM, CNT_IR, CNT_HPM3, NCNT };

struct state {
	unsigned long sstatus, sie, sip, satp, scounteren, senvcfg, stvec, sscratch;
	unsigned long fcsr, stimecmp;
	bool fcsr_ok, stimecmp_ok;
	bool s_ok[NCNT], u_ok[NCNT];
	unsigned long s_val[NCNT], u_val[NCNT];
};

/* Only one hart takes traps at a time (the boot hart waits while the other works): one count. */
static volatile unsigned long traps, bad_traps, last_cause;
static struct state st_boot, st_start, st_restart, st_resume;
static volatile int started;
/* The boot hart (OpenSBI picks it by lottery) and the other one. */
static unsigned long boot_hart, other_hart;

/*
 * Illegal instructions are skipped (the CSR read's target keeps its value); ECALL from U goes
 * back to S right after the ECALL. Both instructions are 4 bytes long.
 */
static S_HANDLER void handler(void)
{
	unsigned long cause = csr_read(scause);

	last_cause = cause;
	if (cause == CAUSE_ECALL_U)
		csr_set(sstatus, SSTATUS_SPP);
	else if (cause == CAUSE_ILLEGAL)
		traps++;
	else
		bad_traps++;
	csr_write(sepc, csr_read(sepc) + 4);
}

/* Reads a CSR (by number) in S-mode; *ok is false if the read trapped. */
#define TRY_CSR(num, ok)                                                                           \
	({                                                                                         \
		unsigned long v_ = 0, t_ = traps;                                                  \
		__asm__ volatile("csrr %0, " #num : "+r"(v_)::"memory");                           \
		*(ok) = traps == t_;                                                               \
		v_;                                                                                \
	})

/* Reads the four counters in U-mode (sret to U, ECALL back); a trapped read gives 0. */
static void user_counters(struct state *st)
{
	register unsigned long cy __asm__("a0") = 0, tm __asm__("a1") = 0;
	register unsigned long ir __asm__("a2") = 0, hpm __asm__("a3") = 0;
	unsigned long t0 = traps;

	__asm__ volatile("la t0, 1f\n"
			 "csrw sepc, t0\n"
			 "li t0, %[spp]\n"
			 "csrc sstatus, t0\n"
			 "sret\n"
			 "1: csrr a0, cycle\n"
			 "csrr a1, time\n"
			 "csrr a2, instret\n"
			 "csrr a3, hpmcounter3\n"
			 "ecall\n"
			 : "+r"(cy), "+r"(tm), "+r"(ir), "+r"(hpm)
			 : [spp] "i"(SSTATUS_SPP)
			 : "t0", "memory");
	st->u_val[CNT_CY] = cy;
	st->u_val[CNT_TM] = tm;
	st->u_val[CNT_IR] = ir;
	st->u_val[CNT_HPM3] = hpm;
	/* Each trapped read left its register 0; counters this far into a run are not 0. */
	for (int i = 0; i < NCNT; i++)
		st->u_ok[i] = st->u_val[i] != 0;
	CHECK(traps - t0 ==
	      (unsigned long)!st->u_ok[0] + !st->u_ok[1] + !st->u_ok[2] + !st->u_ok[3]);
	CHECK(last_cause == CAUSE_ECALL_U);
}

/* Records the state at an entry point; must run first thing there. */
static void record(struct state *st)
{
	st->sstatus = csr_read(sstatus);
	st->sie = csr_read(sie);
	st->sip = csr_read(sip);
	st->satp = csr_read(satp);
	st->scounteren = csr_read(scounteren);
	st->stvec = csr_read(stvec);
	st->sscratch = csr_read(sscratch);
	/* From here on traps come to us. */
	csr_write(stvec, (unsigned long)handler);
	st->senvcfg = TRY_CSR(0x10a, &(bool){0});
	st->fcsr = TRY_CSR(fcsr, &st->fcsr_ok);
	st->stimecmp = TRY_CSR(0x14d, &st->stimecmp_ok);
	st->s_val[CNT_CY] = TRY_CSR(cycle, &st->s_ok[CNT_CY]);
	st->s_val[CNT_TM] = TRY_CSR(time, &st->s_ok[CNT_TM]);
	st->s_val[CNT_IR] = TRY_CSR(instret, &st->s_ok[CNT_IR]);
	st->s_val[CNT_HPM3] = TRY_CSR(hpmcounter3, &st->s_ok[CNT_HPM3]);
	user_counters(st);
}

static void put_field(const char *name, unsigned long v)
{
	put(" ");
	put(name);
	put("=");
	put_hex(v);
}

static void put_ok(const char *name, const bool ok[NCNT])
{
	static const char *const cnt[NCNT] = {"cy", "tm", "ir", "hpm3"};

	put(" ");
	put(name);
	put(":");
	for (int i = 0; i < NCNT; i++) {
		put(i ? "," : "");
		put(cnt[i]);
		put(ok[i] ? "+" : "-");
	}
}

/* Prints the state, then checks it against what OpenSBI leaves at an entry point. */
static void check(const char *where, const struct state *st, unsigned long entry)
{
	put("state ");
	put(where);
	put_field("sstatus", st->sstatus);
	put_field("sie", st->sie);
	put_field("sip", st->sip);
	put_field("satp", st->satp);
	put_field("scounteren", st->scounteren);
	put_field("senvcfg", st->senvcfg);
	put(st->stvec == entry ? " stvec=entry" : " stvec=OTHER");
	put_field("sscratch", st->sscratch);
	put_field("fcsr", st->fcsr);
	put(st->stimecmp_ok ? " stimecmp=ok" : " stimecmp=trap");
	put_ok("S", st->s_ok);
	put_ok("U", st->u_ok);
	put("\n");

	CHECK(st->sstatus == SSTATUS_ENTRY);
	CHECK(st->sie == 0);
	/* A timer that woke a suspended hart may still be pending; nothing else may be. */
	CHECK((st->sip & ~SIP_STIP) == 0);
	CHECK(st->satp == 0);
	CHECK(st->scounteren == SCOUNTEREN_ENTRY);
	CHECK(st->senvcfg == 0);
	CHECK(st->stvec == entry);
	CHECK(st->sscratch == 0);
	CHECK(st->fcsr_ok && st->fcsr == 0);
	CHECK(st->stimecmp_ok);
	for (int i = 0; i < NCNT; i++)
		CHECK(st->s_ok[i]);
	CHECK(st->u_ok[CNT_CY] && st->u_ok[CNT_TM] && st->u_ok[CNT_IR]);
	CHECK(!st->u_ok[CNT_HPM3]);
	/* time runs: the U-mode read came after the S-mode one. */
	CHECK(st->u_val[CNT_TM] > st->s_val[CNT_TM]);
	CHECK(bad_traps == 0);
}

static long hsm_status(long hart)
{
	return sbi_call(EXT_HSM, 2, hart, 0, 0, 0, 0).value;
}

/*
 * Leaves S-level state that the next entry must not show (not senvcfg: OpenSBI leaves that
 * as it was).
 */
static void dirty(void)
{
	csr_write(scounteren, 0);
	csr_write(sscratch, 0x1234);
	csr_set(sstatus, SSTATUS_SUM | SSTATUS_SPP);
	csr_set(sie, SIE_SSIE | SIE_STIE);
	csr_write(fcsr, 0x1f);
}

static void resumed(void)
{
	record(&st_resume);
	check("resume", &st_resume, (unsigned long)sbi_secondary_entry);
	/* The deadline far away lowers the timer interrupt that ended the suspend. */
	CHECK(sbi_call(EXT_TIME, 0, -1, 0, 0, 0, 0).error == 0);
	CHECK(csr_read(sip) == 0);
	put("sbi_state: pass\n");
	sbi_exit(0);
}

void secondary_main(unsigned long hartid, unsigned long opaque)
{
	if (opaque == RUN_RESUME) {
		CHECK(hartid == boot_hart);
		resumed();
	}
	CHECK(hartid == other_hart);
	record(opaque == RUN_DIRTY ? &st_start : &st_restart);
	if (opaque == RUN_DIRTY)
		dirty();
	__atomic_store_n(&started, (int)opaque, __ATOMIC_SEQ_CST);
	/* Returning stops this hart (sbi_rt.S). */
}

/* Waits up to 10 s for the other hart to be STOPPED. */
static void wait_stopped(void)
{
	for (uint64_t end = now() + 10000 * MS; hsm_status((long)other_hart) != HSM_STOPPED;)
		CHECK(now() < end);
}

/* Starts the other hart to run what, waits until it has recorded its state and stopped. */
static void run_other(int what)
{
	CHECK(sbi_call(EXT_HSM, 0, (long)other_hart, (long)sbi_secondary_entry, what, 0, 0).error ==
	      0);
	CHECK(wait_for(&started, what));
	wait_stopped();
}

int main(unsigned long hartid)
{
	extern char _start[];
	struct sbiret r;

	record(&st_boot);
	check("boot", &st_boot, (unsigned long)_start);
	boot_hart = hartid;
	other_hart = !hartid;
	/* OpenSBI may still be bringing it up (STOP_PENDING and such are allowed meanwhile). */
	wait_stopped();

	run_other(RUN_DIRTY);
	check("hart_start", &st_start, (unsigned long)sbi_secondary_entry);
	run_other(RUN_CLEAN);
	check("restart", &st_restart, (unsigned long)sbi_secondary_entry);

	/* Non-retentive suspend until a timer interrupt; resumes in secondary_main. */
	dirty();
	csr_write(sie, SIE_STIE);
	CHECK(sbi_call(EXT_TIME, 0, (long)(now() + 2 * MS), 0, 0, 0, 0).error == 0);
	r = sbi_call(EXT_HSM, 3, SUSPEND_NON_RET, (long)sbi_secondary_entry, RUN_RESUME, 0, 0);
	put("FAIL: non-retentive suspend returned ");
	put_hex((uint64_t)r.error);
	put("\n");
	return 1;
}
