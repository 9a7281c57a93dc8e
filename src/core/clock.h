/* SPDX-License-Identifier: Apache-2.0 */
/* Host clock helpers shared by the timers (mtime, RTC, WFI sleeps, slirp timers). */
#ifndef VIREO_CORE_CLOCK_H
#define VIREO_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NS_PER_SEC 1000000000ull

/** The host clock id (CLOCK_MONOTONIC, CLOCK_REALTIME) in nanoseconds. */
static inline uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/** An absolute time in nanoseconds as a timespec (for pthread_cond_timedwait). */
static inline struct timespec clock_timespec(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / NS_PER_SEC),
			      .tv_nsec = (long)(ns % NS_PER_SEC)};

	return ts;
}

#endif
