/* SPDX-License-Identifier: Apache-2.0 */
/*
 * goldfish RTC ("google,goldfish-rtc"; Android's GOLDFISH-VIRTUAL-HARDWARE.TXT, as driven by
 * Linux's drivers/rtc/rtc-goldfish.c and modelled by QEMU's hw/rtc/goldfish_rtc.c): a 64-bit
 * count of nanoseconds since the Unix epoch and one alarm. The time is the host's
 * CLOCK_REALTIME plus an offset the guest changes by writing the time. An armed alarm is
 * watched by a helper thread that sleeps until the deadline, so the interrupt comes on time
 * even while every hart sleeps in WFI.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/board.h"
#include "core/fdt.h"
#include "core/clock.h"
#include "core/vm.h"
#include "dev/devices.h"

/* Registers (rtc-goldfish.c), 32 bits each. */
enum {
	RTC_TIME_LOW = 0x00, /* reading it latches TIME_HIGH */
	RTC_TIME_HIGH = 0x04,
	RTC_ALARM_LOW = 0x08, /* writing it arms the alarm */
	RTC_ALARM_HIGH = 0x0c,
	RTC_IRQ_ENABLED = 0x10,
	RTC_CLEAR_ALARM = 0x14,
	RTC_ALARM_STATUS = 0x18,
	RTC_CLEAR_INTERRUPT = 0x1c,
};

/* Longest single sleep of the alarm thread; it then looks at the clock again. */
#define RTC_MAX_WAIT_NS (3600 * NS_PER_SEC)

struct rtc {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* the alarm thread waits here (CLOCK_REALTIME) */
	pthread_t thread;
	struct vm *vm;
	unsigned irq;
	uint64_t offset;    /* guest time - host realtime, wrapping */
	uint64_t alarm;	    /* alarm_next */
	uint32_t time_high; /* latched by reading TIME_LOW */
	bool alarm_running, irq_pending, irq_enabled;
	bool line; /* what the interrupt line was last driven to */
	bool stop;
};

static uint64_t realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

static uint64_t rtc_now(const struct rtc *r)
{
	return realtime_ns() + r->offset;
}

/* The line is high while an alarm interrupt is pending and enabled (QEMU's model). */
static void rtc_update(struct rtc *r)
{
	bool level = r->irq_pending && r->irq_enabled;

	if (level != r->line) {
		r->line = level;
		vm_set_irq(r->vm, r->irq, level);
	}
}

/* The alarm goes off: it is no longer running and its interrupt is pending. */
static void rtc_fire(struct rtc *r)
{
	r->alarm_running = false;
	r->irq_pending = true;
	rtc_update(r);
}

/* Arming an alarm that is already due fires it at once; otherwise the thread waits for it. */
static void rtc_arm(struct rtc *r)
{
	if (r->alarm <= rtc_now(r)) {
		rtc_fire(r);
		return;
	}
	r->alarm_running = true;
	pthread_cond_signal(&r->cond);
}

/* Sleeps until the alarm is due (bounded by RTC_MAX_WAIT_NS) or someone signals; lock held. */
static void rtc_wait(struct rtc *r, uint64_t now_rt, uint64_t wait)
{
	struct timespec ts;
	uint64_t deadline;

	if (wait > RTC_MAX_WAIT_NS)
		wait = RTC_MAX_WAIT_NS;
	deadline = now_rt + wait;
	ts = clock_timespec(deadline);
	pthread_cond_timedwait(&r->cond, &r->lock, &ts);
}

static void *rtc_thread(void *arg)
{
	struct rtc *r = arg;

	pthread_mutex_lock(&r->lock);
	while (!r->stop) {
		uint64_t rt, now;

		if (!r->alarm_running) {
			pthread_cond_wait(&r->cond, &r->lock);
			continue;
		}
		rt = realtime_ns();
		now = rt + r->offset;
		if (now >= r->alarm)
			rtc_fire(r);
		else
			rtc_wait(r, rt, r->alarm - now);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* Replaces bits [shift, shift+32) of v with val (QEMU's deposit64). */
static uint64_t deposit32(uint64_t v, unsigned shift, uint32_t val)
{
	return (v & ~(0xffffffffull << shift)) | ((uint64_t)val << shift);
}

static uint32_t rtc_read_reg(struct rtc *r, uint64_t off)
{
	uint64_t now;

	switch (off) {
	case RTC_TIME_LOW:
		now = rtc_now(r);
		r->time_high = (uint32_t)(now >> 32);
		return (uint32_t)now;
	case RTC_TIME_HIGH:
		return r->time_high;
	case RTC_ALARM_LOW:
		return (uint32_t)r->alarm;
	case RTC_ALARM_HIGH:
		return (uint32_t)(r->alarm >> 32);
	case RTC_IRQ_ENABLED:
		return r->irq_enabled;
	case RTC_ALARM_STATUS:
		return r->alarm_running;
	default:
		return 0;
	}
}

/* Setting the time writes one half of the current count (Linux writes HIGH, then LOW). */
static void rtc_write_reg(struct rtc *r, uint64_t off, uint32_t val)
{
	uint64_t now;

	switch (off) {
	case RTC_TIME_LOW:
	case RTC_TIME_HIGH:
		now = rtc_now(r);
		r->offset += deposit32(now, off == RTC_TIME_HIGH ? 32 : 0, val) - now;
		/* The alarm deadline moved relative to the host clock. */
		pthread_cond_signal(&r->cond);
		break;
	case RTC_ALARM_LOW:
		r->alarm = deposit32(r->alarm, 0, val);
		rtc_arm(r);
		break;
	case RTC_ALARM_HIGH:
		r->alarm = deposit32(r->alarm, 32, val);
		break;
	case RTC_IRQ_ENABLED:
		r->irq_enabled = val & 1;
		rtc_update(r);
		break;
	case RTC_CLEAR_ALARM:
		r->alarm_running = false;
		break;
	case RTC_CLEAR_INTERRUPT:
		r->irq_pending = false;
		rtc_update(r);
		break;
	default:
		break;
	}
}

static int rtc_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
	struct rtc *r = opaque;

	(void)size;
	pthread_mutex_lock(&r->lock);
	*val = rtc_read_reg(r, off);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static int rtc_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct rtc *r = opaque;

	(void)size;
	pthread_mutex_lock(&r->lock);
	rtc_write_reg(r, off, (uint32_t)val);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

_Static_assert(sizeof(struct rtc_goldfish_state) == 24, "rtc_goldfish_state has no padding");

void rtc_goldfish_save(const void *rtc, struct rtc_goldfish_state *s)
{
	struct rtc *r = (struct rtc *)rtc;

	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&r->lock);
	s->offset = r->offset;
	s->alarm = r->alarm;
	s->time_high = r->time_high;
	s->alarm_running = r->alarm_running;
	s->irq_pending = r->irq_pending;
	s->irq_enabled = r->irq_enabled;
	pthread_mutex_unlock(&r->lock);
}

int rtc_goldfish_load(void *rtc, const struct rtc_goldfish_state *s)
{
	struct rtc *r = rtc;

	if (s->alarm_running > 1 || s->irq_pending > 1 || s->irq_enabled > 1 || s->reserved)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	r->offset = s->offset;
	r->alarm = s->alarm;
	r->time_high = s->time_high;
	r->alarm_running = s->alarm_running;
	r->irq_pending = s->irq_pending;
	r->irq_enabled = s->irq_enabled;
	/* Drive the line afresh, and let the alarm thread look at the new deadline. */
	r->line = !(r->irq_pending && r->irq_enabled);
	rtc_update(r);
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

void rtc_goldfish_reset(void *rtc)
{
	static const struct rtc_goldfish_state zero;

	rtc_goldfish_load(rtc, &zero);
}

static void rtc_free(struct rtc *r)
{
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static void rtc_destroy(void *opaque)
{
	struct rtc *r = opaque;

	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	rtc_free(r);
}

int rtc_goldfish_create(struct vm *vm, struct mmio_region *mr, const struct board_slot *s)
{
	struct rtc *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return -ENOMEM;
	err = pthread_mutex_init(&r->lock, NULL);
	if (err) {
		free(r);
		return -err;
	}
	err = pthread_cond_init(&r->cond, NULL);
	if (err) {
		pthread_mutex_destroy(&r->lock);
		free(r);
		return -err;
	}
	r->vm = vm;
	r->irq = s->irq;
	err = pthread_create(&r->thread, NULL, rtc_thread, r);
	if (err) {
		rtc_free(r);
		return -err;
	}
	mr->opaque = r;
	mr->min_access = 4;
	mr->max_access = 4;
	mr->read = rtc_read;
	mr->write = rtc_write;
	mr->destroy = rtc_destroy;
	return 0;
}

int rtc_goldfish_fdt(struct fdt_ctx *ctx, const struct board_slot *s)
{
	static const char *const compat[] = {"google,goldfish-rtc", NULL};
	int node = fdt_ctx_soc_node(ctx, "rtc", s);

	if (node < 0)
		return node;
	return fdt_ctx_strings(ctx, node, "compatible", compat);
}
