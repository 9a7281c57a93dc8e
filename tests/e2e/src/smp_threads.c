/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest side of tests/e2e/smp.sh: a multi-threaded workload whose answer is only right if
 * the harts' atomics (AMOs, LR/SC behind glibc's mutexes and C11 compare-and-swap) really are
 * atomic across host threads. Each thread is pinned to its own CPU. Prints
 * "vireo-e2e: threads ok N TOTAL" or "vireo-e2e: threads bad ...".
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ITERS 200000

static atomic_ulong amo_count;	   /* amoadd */
static atomic_ulong cas_count;	   /* lr/sc compare-and-swap loop */
static unsigned long locked_count; /* plain increments under a mutex */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long ncpu;

static void *worker(void *arg)
{
	long id = (long)arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(id % ncpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	for (unsigned long i = 0; i < ITERS; i++) {
		unsigned long old = atomic_load_explicit(&cas_count, memory_order_relaxed);
		atomic_fetch_add(&amo_count, 1);
		while (!atomic_compare_exchange_weak(&cas_count, &old, old + 1))
			;
		if ((i & 7) == 0) {
			pthread_mutex_lock(&lock);
			locked_count++;
			pthread_mutex_unlock(&lock);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 4;
	pthread_t t[64];
	unsigned long want = (unsigned long)n * ITERS, want_locked = (unsigned long)n * (ITERS / 8);

	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1 || n > 64 || ncpu < 1)
		return 2;
	for (long i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i))
			return 3;
	for (long i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	if (atomic_load(&amo_count) == want && atomic_load(&cas_count) == want &&
	    locked_count == want_locked) {
		printf("vireo-e2e: threads ok %ld %lu\n", n, want);
		return 0;
	}
	printf("vireo-e2e: threads bad %ld amo %lu cas %lu locked %lu (want %lu, %lu)\n", n,
	       atomic_load(&amo_count), atomic_load(&cas_count), locked_count, want, want_locked);
	return 1;
}
