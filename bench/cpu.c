/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CPU benchmark guest: integer kernels typical of build and test workloads (sieve, CRC,
 * sorting, matrix multiply, string hashing, a byte-code interpreter loop). It prints the
 * retired instruction count, elapsed mtime ticks and a checksum, then powers off. The
 * checksum must be the same on every emulator; bench/cpu.sh turns the figures into MIPS.
 */
#include "rvtest.h"

#ifndef BENCH_ROUNDS
#define BENCH_ROUNDS 8
#endif

static uint8_t sieve_buf[1 << 20];
static uint32_t sort_buf[1 << 16];
static uint8_t crc_buf[1 << 16];
static int32_t mat_a[48][48], mat_b[48][48], mat_c[48][48];

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

static uint64_t sieve(void)
{
	uint64_t n = sizeof(sieve_buf), count = 0;
	__builtin_memset(sieve_buf, 1, n);
	for (uint64_t i = 2; i * i < n; i++)
		if (sieve_buf[i])
			for (uint64_t j = i * i; j < n; j += i)
				sieve_buf[j] = 0;
	for (uint64_t i = 2; i < n; i++)
		count += sieve_buf[i];
	return count;
}

static uint64_t crc32(void)
{
	uint32_t crc = ~0u;
	for (unsigned i = 0; i < sizeof(crc_buf); i++) {
		crc ^= crc_buf[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

static void quicksort(uint32_t *a, long lo, long hi)
{
	while (lo < hi) {
		uint32_t p = a[(lo + hi) / 2];
		long i = lo, j = hi;
		while (i <= j) {
			while (a[i] < p)
				i++;
			while (a[j] > p)
				j--;
			if (i <= j) {
				uint32_t t = a[i];
				a[i++] = a[j];
				a[j--] = t;
			}
		}
		if (j - lo < hi - i) {
			quicksort(a, lo, j);
			lo = i;
		} else {
			quicksort(a, i, hi);
			hi = j;
		}
	}
}

static uint64_t sort(uint64_t seed)
{
	uint64_t s = seed, sum = 0;
	unsigned n = sizeof(sort_buf) / sizeof(sort_buf[0]);
	for (unsigned i = 0; i < n; i++)
		sort_buf[i] = (uint32_t)lcg(&s);
	quicksort(sort_buf, 0, n - 1);
	for (unsigned i = 1; i < n; i++)
		if (sort_buf[i - 1] > sort_buf[i])
			return 0;
	for (unsigned i = 0; i < n; i += 97)
		sum += sort_buf[i];
	return sum;
}

static uint64_t matmul(uint64_t seed)
{
	uint64_t s = seed, sum = 0;
	for (int i = 0; i < 48; i++)
		for (int j = 0; j < 48; j++) {
			mat_a[i][j] = (int32_t)(lcg(&s) & 0xff) - 128;
			mat_b[i][j] = (int32_t)(lcg(&s) & 0xff) - 128;
		}
	for (int i = 0; i < 48; i++)
		for (int j = 0; j < 48; j++) {
			int32_t acc = 0;
			for (int k = 0; k < 48; k++)
				acc += mat_a[i][k] * mat_b[k][j];
			mat_c[i][j] = acc;
		}
	for (int i = 0; i < 48; i++)
		sum += (uint64_t)(int64_t)mat_c[i][(i * 7) % 48];
	return sum;
}

/* A tiny stack machine: the dispatch pattern of scripting languages and emulators. */
static uint64_t bytecode(void)
{
	static const uint8_t prog[] = {1, 0, 2, 3, 4, 5, 6, 0};
	uint64_t acc = 1, r = 0, steps = 0;
	for (unsigned pc = 0; steps < 200000; steps++) {
		switch (prog[pc]) {
		case 1:
			acc = acc * 3 + 1;
			break;
		case 2:
			acc ^= acc >> 7;
			break;
		case 3:
			r += acc & 0xffff;
			break;
		case 4:
			acc = (acc << 3) | (acc >> 61);
			break;
		case 5:
			r ^= acc;
			break;
		case 6:
			acc += r;
			break;
		default:
			break;
		}
		pc = (pc + 1) & 7;
	}
	return acc ^ r;
}

static uint64_t strhash(uint64_t seed)
{
	static char text[8192];
	uint64_t s = seed, h = 1469598103934665603ull;
	for (unsigned i = 0; i < sizeof(text) - 1; i++)
		text[i] = 'a' + (char)(lcg(&s) % 26);
	for (int round = 0; round < 8; round++)
		for (const char *p = text; *p; p++)
			h = (h ^ (uint8_t)*p) * 1099511628211ull;
	return h;
}

int main(void)
{
	uint64_t t0, t1, i0, i1, sum = 0, s = 42;

	for (unsigned i = 0; i < sizeof(crc_buf); i++)
		crc_buf[i] = (uint8_t)lcg(&s);
	t0 = csr_read(time);
	i0 = csr_read(minstret);
	for (int r = 0; r < BENCH_ROUNDS; r++) {
		sum += sieve();
		sum += crc32();
		sum += sort(r + 1);
		sum += matmul(r + 7);
		sum += bytecode();
		sum += strhash(r + 3);
	}
	i1 = csr_read(minstret);
	t1 = csr_read(time);
	uart_puts("bench-cpu: instret ");
	uart_putdec(i1 - i0);
	uart_puts(" ticks ");
	uart_putdec(t1 - t0);
	uart_puts(" checksum ");
	uart_puthex(sum);
	uart_puts("\n");
	return 0;
}
