/*
 * F/D conversions (ISA manual 11.7 / 12.4 and the fcvt saturation table):
 * every fcvt form, rounding modes, NX/NV, saturation on overflow and NaN,
 * sign extension of 32-bit results, fcvt.s.d/fcvt.d.s with canonical NaNs.
 */
#include "isa.h"

#define D1_5 0x3ff8000000000000ULL
#define D2_5 0x4004000000000000ULL
#define DM1_5 0xbff8000000000000ULL
#define DM1 0xbff0000000000000ULL
#define DM0_5 0xbfe0000000000000ULL
#define D3E9 0x41e65a0bc0000000ULL /* 3e9 */
#define DM3E9 0xc1e65a0bc0000000ULL
#define D2P32M1 0x41efffffffe00000ULL /* 2^32 - 1 */
#define D2P63 0x43e0000000000000ULL
#define DM2P63 0xc3e0000000000000ULL
#define D2P64 0x43f0000000000000ULL
#define DINF 0x7ff0000000000000ULL
#define DNINF 0xfff0000000000000ULL
#define DNAN 0x7ff8000000000000ULL
#define DSNAN 0x7ff4000000000000ULL
#define MIN32 0xffffffff80000000ULL
#define MAX32 0x7fffffffULL
#define ONES 0xffffffffffffffffULL

static void test_d_to_int(void)
{
	T_FX("fcvt.w.d %0, ft0, rne", D1_5, 0, 2, NX);
	T_FX("fcvt.w.d %0, ft0, rne", D2_5, 0, 2, NX);
	T_FX("fcvt.w.d %0, ft0, rmm", D2_5, 0, 3, NX);
	T_FX("fcvt.w.d %0, ft0, rtz", DM1_5, 0, ONES, NX);
	T_FX("fcvt.w.d %0, ft0, rdn", DM1_5, 0, -2ULL, NX);
	T_FX("fcvt.w.d %0, ft0, rup", DM1_5, 0, ONES, NX);
	T_FX("fcvt.w.d %0, ft0", DM1, 0, ONES, 0);
	/* Out of range and NaN saturate with NV (table 11.4); NaN -> max. */
	T_FX("fcvt.w.d %0, ft0, rtz", D3E9, 0, MAX32, NV);
	T_FX("fcvt.w.d %0, ft0, rtz", DM3E9, 0, MIN32, NV);
	T_FX("fcvt.w.d %0, ft0, rtz", DINF, 0, MAX32, NV);
	T_FX("fcvt.w.d %0, ft0, rtz", DNINF, 0, MIN32, NV);
	T_FX("fcvt.w.d %0, ft0, rtz", DNAN, 0, MAX32, NV);
	T_FX("fcvt.w.d %0, ft0, rtz", DSNAN | (1ULL << 63), 0, MAX32, NV);
	/* fcvt.wu: the 32-bit result is sign-extended, so 2^32-1 reads as all ones. */
	T_FX("fcvt.wu.d %0, ft0, rtz", D2P32M1, 0, ONES, 0);
	T_FX("fcvt.wu.d %0, ft0, rtz", D3E9, 0, 0xffffffffb2d05e00ULL, 0);
	T_FX("fcvt.wu.d %0, ft0, rtz", DM1, 0, 0, NV);
	T_FX("fcvt.wu.d %0, ft0, rtz", DM0_5, 0, 0, NX);
	T_FX("fcvt.wu.d %0, ft0, rtz", D2P63, 0, ONES, NV);
	T_FX("fcvt.wu.d %0, ft0, rtz", DNAN, 0, ONES, NV);
	T_FX("fcvt.wu.d %0, ft0, rup", D1_5, 0, 2, NX);
	T_FX("fcvt.l.d %0, ft0, rtz", D2P63, 0, 0x7fffffffffffffffULL, NV);
	T_FX("fcvt.l.d %0, ft0, rtz", DM2P63, 0, 0x8000000000000000ULL, 0);
	T_FX("fcvt.l.d %0, ft0, rtz", DNAN, 0, 0x7fffffffffffffffULL, NV);
	T_FX("fcvt.l.d %0, ft0, rtz", DNINF, 0, 0x8000000000000000ULL, NV);
	T_FX("fcvt.l.d %0, ft0, rtz", D3E9, 0, 3000000000ULL, 0);
	T_FX("fcvt.l.d %0, ft0, rdn", DM0_5, 0, ONES, NX);
	T_FX("fcvt.l.d %0, ft0, rne", DM0_5, 0, 0, NX);
	T_FX("fcvt.lu.d %0, ft0, rtz", D2P63, 0, 0x8000000000000000ULL, 0);
	T_FX("fcvt.lu.d %0, ft0, rtz", D2P64, 0, ONES, NV);
	T_FX("fcvt.lu.d %0, ft0, rtz", DM1, 0, 0, NV);
	T_FX("fcvt.lu.d %0, ft0, rtz", DNAN, 0, ONES, NV);
	T_FX("fcvt.lu.d %0, ft0, rtz", DNINF, 0, 0, NV);
	T_FX("fcvt.lu.d %0, ft0, rmm", D2_5, 0, 3, NX);
}

static void test_s_to_int(void)
{
	T_FX("fcvt.w.s %0, ft0, rne", S(0x3fc00000), 0, 2, NX);    /* 1.5 */
	T_FX("fcvt.w.s %0, ft0, rtz", S(0xbfc00000), 0, ONES, NX); /* -1.5 */
	T_FX("fcvt.w.s %0, ft0, rtz", S(0x4f000000), 0, MAX32, NV); /* 2^31 */
	T_FX("fcvt.w.s %0, ft0, rtz", S(0xcf000000), 0, MIN32, 0);  /* -2^31 */
	T_FX("fcvt.w.s %0, ft0, rtz", S(0x7fc00000), 0, MAX32, NV);
	T_FX("fcvt.wu.s %0, ft0, rtz", S(0x4f000000), 0, MIN32, 0); /* 2^31, sign-extended */
	T_FX("fcvt.wu.s %0, ft0, rtz", S(0xbf800000), 0, 0, NV);
	T_FX("fcvt.wu.s %0, ft0, rtz", S(0x4f800000), 0, ONES, NV); /* 2^32 */
	T_FX("fcvt.l.s %0, ft0, rtz", S(0x5f000000), 0, 0x7fffffffffffffffULL, NV); /* 2^63 */
	T_FX("fcvt.l.s %0, ft0, rtz", S(0xdf000000), 0, 0x8000000000000000ULL, 0);
	T_FX("fcvt.l.s %0, ft0, rup", S(0xbfc00000), 0, ONES, NX);
	T_FX("fcvt.lu.s %0, ft0, rtz", S(0x5f800000), 0, ONES, NV); /* 2^64 */
	T_FX("fcvt.lu.s %0, ft0, rtz", S(0x5f000000), 0, 0x8000000000000000ULL, 0);
	T_FX("fcvt.lu.s %0, ft0, rtz", S(0xff800000), 0, 0, NV);
	T_FX("fcvt.lu.s %0, ft0, rtz", S(0x7fa00000), 0, ONES, NV);
	/* An improperly NaN-boxed single is the canonical NaN (12.2). */
	T_FX("fcvt.w.s %0, ft0, rtz", 0x000000003f800000ULL, 0, MAX32, NV);
}

static void test_int_to_fp(void)
{
	/* fcvt.*.w/wu read rs1[31:0] only. */
	T_F("fcvt.d.w ft3, %2", 0x12345678ffffffffULL, 0, 0, DM1, 0);
	T_F("fcvt.d.w ft3, %2", 0x80000000, 0, 0, 0xc1e0000000000000ULL, 0);
	T_F("fcvt.d.wu ft3, %2", 0x12345678ffffffffULL, 0, 0, D2P32M1, 0);
	T_F("fcvt.d.l ft3, %2", 0x8000000000000000ULL, 0, 0, DM2P63, 0);
	T_F("fcvt.d.l ft3, %2, rne", (1ULL << 53) + 1, 0, 0, 0x4340000000000000ULL, NX);
	T_F("fcvt.d.l ft3, %2, rup", (1ULL << 53) + 1, 0, 0, 0x4340000000000001ULL, NX);
	T_F("fcvt.d.l ft3, %2, rdn", -(1ULL << 53) - 1, 0, 0, 0xc340000000000001ULL, NX);
	T_F("fcvt.d.lu ft3, %2", ONES, 0, 0, D2P64, NX);
	T_F("fcvt.d.lu ft3, %2, rtz", ONES, 0, 0, 0x43efffffffffffffULL, NX);
	T_F("fcvt.d.l ft3, %2", 0, 0, 0, 0, 0);
	T_F("fcvt.s.w ft3, %2, rne", 16777217, 0, 0, S(0x4b800000), NX);
	T_F("fcvt.s.w ft3, %2, rup", 16777217, 0, 0, S(0x4b800001), NX);
	T_F("fcvt.s.w ft3, %2", 0xffffffff, 0, 0, S(0xbf800000), 0);
	T_F("fcvt.s.wu ft3, %2", 0xffffffff, 0, 0, S(0x4f800000), NX);
	T_F("fcvt.s.wu ft3, %2, rtz", 0xffffffff, 0, 0, S(0x4f7fffff), NX);
	T_F("fcvt.s.l ft3, %2", 0x8000000000000000ULL, 0, 0, S(0xdf000000), 0);
	T_F("fcvt.s.l ft3, %2, rdn", -16777217ULL, 0, 0, S(0xcb800001), NX);
	T_F("fcvt.s.lu ft3, %2", ONES, 0, 0, S(0x5f800000), NX);
	T_F("fcvt.s.lu ft3, %2", 3, 0, 0, S(0x40400000), 0);
}

static void test_fp_to_fp(void)
{
	T_F("fcvt.s.d ft3, ft0, rne", 0x3fd5555555555555ULL, 0, 0, S(0x3eaaaaab), NX);
	T_F("fcvt.s.d ft3, ft0, rtz", 0x3fd5555555555555ULL, 0, 0, S(0x3eaaaaaa), NX);
	T_F("fcvt.s.d ft3, ft0", 0x7fefffffffffffffULL, 0, 0, S(0x7f800000), OF | NX);
	T_F("fcvt.s.d ft3, ft0, rtz", 0x7fefffffffffffffULL, 0, 0, S(0x7f7fffff), OF | NX);
	T_F("fcvt.s.d ft3, ft0", 0x0000000000000001ULL, 0, 0, S(0), UF | NX);
	T_F("fcvt.s.d ft3, ft0", DSNAN, 0, 0, S(0x7fc00000), NV);
	T_F("fcvt.s.d ft3, ft0", 0xfff8000000001234ULL, 0, 0, S(0x7fc00000), 0);
	T_F("fcvt.s.d ft3, ft0", DNINF, 0, 0, S(0xff800000), 0);
	T_F("fcvt.s.d ft3, ft0", 0x8000000000000000ULL, 0, 0, S(0x80000000), 0);
	T_F("fcvt.d.s ft3, ft0", S(0x3f800000), 0, 0, 0x3ff0000000000000ULL, 0);
	T_F("fcvt.d.s ft3, ft0", S(0x00000001), 0, 0, 0x36a0000000000000ULL, 0);
	T_F("fcvt.d.s ft3, ft0", S(0x7fa00000), 0, 0, DNAN, NV);
	T_F("fcvt.d.s ft3, ft0", S(0xffc01234), 0, 0, DNAN, 0);
	T_F("fcvt.d.s ft3, ft0", 0x000000003f800000ULL, 0, 0, DNAN, 0); /* not boxed */
}

int main(void)
{
	test_d_to_int();
	test_s_to_int();
	test_int_to_fp();
	test_fp_to_fp();
	return 0;
}
