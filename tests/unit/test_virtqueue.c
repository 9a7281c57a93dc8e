/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-mmio transport and split virtqueues (virtio 1.2 sections 2.7 and 4.2), driven
 * through the bus like a guest driver, with the virtio-rng device behind slot 0: registers,
 * feature negotiation, a good request, interrupts, and chains a hostile driver could post.
 * A "probe" device in slot 1, whose device side the test drives by hand, checks the order of
 * a reset and of teardown and when a popped request becomes void.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/board.h"
#include "core/vm.h"
#include "virtio/virtio.h"
#include "virtio_driver.h"

#define RNG_FEATURES (VD_F(VIRTIO_F_VERSION_1) | VD_F(VIRTIO_F_INDIRECT_DESC))

struct fixture {
	struct vm *vm;
	struct vd_irq irq;
	struct vdrv d;
};

static int setup(void **state)
{
	static struct fixture fx;
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = 1};

	memset(&fx, 0, sizeof(fx));
	if (vm_create(&fx.vm, &cfg))
		return -1;
	vd_irq_hook(fx.vm, &fx.irq);
	if (virtio_rng_create(fx.vm, -1))
		return -1;
	fx.d.vm = fx.vm;
	fx.d.base = VIRTIO_MMIO_BASE;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	vd_irq_unhook(fx->vm, &fx->irq);
	vm_destroy(fx->vm);
	return 0;
}

static void test_slots(void **state)
{
	struct fixture *fx = *state;
	struct vdrv empty = {.vm = fx->vm};
	uint64_t v;

	assert_int_equal(vd_rd(&fx->d, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(vd_rd(&fx->d, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(vd_rd(&fx->d, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_RNG);
	/* Every other slot exists and answers DeviceID 0, like QEMU's virt board. */
	for (unsigned n = 1; n < VIRTIO_MMIO_SLOTS; n++) {
		empty.base = VIRTIO_MMIO_BASE + n * VIRTIO_MMIO_SIZE;
		assert_int_equal(vd_rd(&empty, VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
		assert_int_equal(vd_rd(&empty, VIRTIO_MMIO_DEVICE_ID), 0);
		vd_wr(&empty, VIRTIO_MMIO_STATUS, 1);
		assert_int_equal(vd_rd(&empty, VIRTIO_MMIO_STATUS), 0);
	}
	assert_null(bus_find(&fx->vm->bus, VIRTIO_MMIO_BASE + 8 * VIRTIO_MMIO_SIZE));
	/* Registers are 32 bits wide; other sizes fault. */
	assert_int_equal(bus_read(&fx->vm->bus, VIRTIO_MMIO_BASE, 2, &v), -EFAULT);
	/* All slots are taken now: a ninth device has nowhere to go. */
	for (unsigned n = 1; n < VIRTIO_MMIO_SLOTS; n++)
		assert_int_equal(virtio_rng_create(fx->vm, -1), 0);
	assert_int_equal(virtio_rng_create(fx->vm, -1), -ENOSPC);
}

static void test_features(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;

	vd_wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_true(vd_rd(d, VIRTIO_MMIO_DEVICE_FEATURES) & 1); /* VERSION_1 */
	vd_wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_true(vd_rd(d, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_F_INDIRECT_DESC));
	/* A legacy driver (no VERSION_1) and a feature not offered are refused (3.1.1). */
	assert_false(vd_negotiate(d, 0) & VIRTIO_STATUS_FEATURES_OK);
	assert_false(vd_negotiate(d, RNG_FEATURES | VD_F(VIRTIO_F_RING_PACKED)) &
		     VIRTIO_STATUS_FEATURES_OK);
	assert_true(vd_negotiate(d, RNG_FEATURES) & VIRTIO_STATUS_FEATURES_OK);
	/* A queue that does not exist has QueueNumMax 0. */
	vd_wr(d, VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(vd_rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	/* No shared memory regions: length -1. */
	assert_int_equal(vd_rd(d, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffffu);
}

/* Posts a 64-byte writable buffer; the device fills it and interrupts. */
static void rng_round_trip(struct fixture *fx)
{
	struct vdrv *d = &fx->d;
	uint8_t *buf = vd_ram(d, VD_DATA, 64), zero[64] = {0};
	uint32_t id;

	memset(buf, 0, 64);
	vd_desc(d, VD_DESC, 3, vd_gpa(d, VD_DATA), 64, VIRTQ_DESC_F_WRITE, 0);
	vd_kick(d, 3);
	assert_int_equal(vd_wait_used(d, &id), 64);
	assert_int_equal(id, 3);
	assert_memory_not_equal(buf, zero, 64);
}

static void test_rng_request(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;
	unsigned irq = VIRTIO_MMIO_IRQ;

	vd_init(d, RNG_FEATURES, 1);
	rng_round_trip(fx);
	for (int i = 0; i < 5000 && !atomic_load(&fx->irq.level[irq]); i++)
		vd_sleep_ms(1);
	assert_int_equal(atomic_load(&fx->irq.level[irq]), 1);
	assert_int_equal(vd_rd(d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	vd_wr(d, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(vd_rd(d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(atomic_load(&fx->irq.level[irq]), 0);

	/* VIRTQ_AVAIL_F_NO_INTERRUPT: the buffer is used but the line stays low (2.7.7). */
	*(uint16_t *)vd_ram(d, VD_AVAIL, 2) = VIRTQ_AVAIL_F_NO_INTERRUPT;
	rng_round_trip(fx);
	vd_sleep_ms(20);
	assert_int_equal(vd_rd(d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(atomic_load(&fx->irq.level[irq]), 0);

	/* An indirect table of two buffers works like a direct chain (2.7.5.3). */
	vd_desc(d, VD_INDIRECT, 0, vd_gpa(d, VD_DATA), 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT,
		1);
	vd_desc(d, VD_INDIRECT, 1, vd_gpa(d, VD_DATA + 0x100), 16, VIRTQ_DESC_F_WRITE, 0);
	vd_desc(d, VD_DESC, 0, vd_gpa(d, VD_INDIRECT), 32, VIRTQ_DESC_F_INDIRECT, 0);
	vd_kick(d, 0);
	assert_int_equal(vd_wait_used(d, NULL), 32);
}

/* The dirty log sees a device's writes: the buffer it filled and the used ring. */
static void test_dirty_log(void **state)
{
	struct fixture *fx = *state;
	uint64_t bm[(16ull << 20) >> VM_PAGE_SHIFT >> 6];

	vd_init(&fx->d, RNG_FEATURES, 1);
	mem_dirty_log(fx->vm, true);
	rng_round_trip(fx);
	assert_int_equal(mem_dirty_read_clear(fx->vm, bm, sizeof(bm) / sizeof(bm[0])), 0);
	assert_int_equal(bm[0],
			 1ull << (VD_USED >> VM_PAGE_SHIFT) | 1ull << (VD_DATA >> VM_PAGE_SHIFT));
	for (size_t w = 1; w < sizeof(bm) / sizeof(bm[0]); w++)
		assert_int_equal(bm[w], 0);
	mem_dirty_log(fx->vm, false);
}

static void test_event_idx(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;
	uint16_t *used_event = vd_ram(d, VD_AVAIL + 4 + 2 * VD_QSIZE, 2);
	uint16_t *avail_event = vd_ram(d, VD_USED + 4 + 8 * VD_QSIZE, 2);

	vd_init(d, RNG_FEATURES | VD_F(VIRTIO_F_EVENT_IDX), 1);
	/* The first used buffer always interrupts; acknowledge it. */
	rng_round_trip(fx);
	for (int i = 0; i < 5000 && !vd_rd(d, VIRTIO_MMIO_INTERRUPT_STATUS); i++)
		vd_sleep_ms(1);
	vd_wr(d, VIRTIO_MMIO_INTERRUPT_ACK, 3);
	*used_event = 5; /* interrupt me only when used idx passes 5 */
	rng_round_trip(fx);
	/* The device asks to be notified at the next avail index (2.7.10). */
	for (int i = 0; i < 5000 && *avail_event != 2; i++)
		vd_sleep_ms(1);
	assert_int_equal(*avail_event, 2);
	vd_sleep_ms(20);
	assert_int_equal(vd_rd(d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	*used_event = 2; /* the third buffer (used idx 2 -> 3) interrupts */
	rng_round_trip(fx);
	for (int i = 0; i < 5000 && !vd_rd(d, VIRTIO_MMIO_INTERRUPT_STATUS); i++)
		vd_sleep_ms(1);
	assert_int_equal(vd_rd(d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
}

/* Posts chain head (after set-up by the caller), expects NEEDS_RESET, then checks recovery. */
static void expect_broken(struct fixture *fx, uint16_t head, uint16_t new_idx)
{
	struct vdrv *d = &fx->d;
	uint16_t *used = vd_ram(d, VD_USED, 4);

	vd_kick_idx(d, head, new_idx);
	vd_wait_needs_reset(d);
	assert_int_equal(__atomic_load_n(&used[1], __ATOMIC_ACQUIRE), 0);
	/* Notifying again does nothing until the driver resets the device. */
	vd_wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	vd_init(d, RNG_FEATURES, 1);
	assert_false(vd_rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	rng_round_trip(fx);
	vd_init(d, RNG_FEATURES, 1);
}

static void test_malformed(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;
	uint64_t data = vd_gpa(d, VD_DATA);

	vd_init(d, RNG_FEATURES, 1);
	/* A loop in the next links: 0 -> 1 -> 0 ... */
	vd_desc(d, VD_DESC, 0, data, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	vd_desc(d, VD_DESC, 1, data, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
	expect_broken(fx, 0, 1);
	/* A head beyond the queue size, and a next link beyond it. */
	expect_broken(fx, VD_QSIZE + 3, 1);
	vd_desc(d, VD_DESC, 0, data, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0xffff);
	expect_broken(fx, 0, 1);
	/* A huge length, an address below RAM, and a range that wraps around 2^64. */
	vd_desc(d, VD_DESC, 0, data, 0xffffffffu, VIRTQ_DESC_F_WRITE, 0);
	expect_broken(fx, 0, 1);
	vd_desc(d, VD_DESC, 0, 0x1000, 64, VIRTQ_DESC_F_WRITE, 0);
	expect_broken(fx, 0, 1);
	vd_desc(d, VD_DESC, 0, ~0ull - 0xfff, 0x2000, VIRTQ_DESC_F_WRITE, 0);
	expect_broken(fx, 0, 1);
	vd_desc(d, VD_DESC, 0, d->vm->ram_base + d->vm->ram_size - 8, 16, VIRTQ_DESC_F_WRITE, 0);
	expect_broken(fx, 0, 1);
	/* The avail index jumps by more than the queue size. */
	vd_desc(d, VD_DESC, 0, data, 8, VIRTQ_DESC_F_WRITE, 0);
	expect_broken(fx, 0, VD_QSIZE + 1);
	/* A readable buffer after a writable one (2.7.4.2). */
	vd_desc(d, VD_DESC, 0, data, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	vd_desc(d, VD_DESC, 1, data, 8, 0, 0);
	expect_broken(fx, 0, 1);
}

static void test_malformed_indirect(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;
	uint64_t data = vd_gpa(d, VD_DATA), table = vd_gpa(d, VD_INDIRECT);

	vd_init(d, RNG_FEATURES, 1);
	vd_desc(d, VD_INDIRECT, 0, data, 8, VIRTQ_DESC_F_WRITE, 0);
	/* A table whose size is not a multiple of 16, and an empty one. */
	vd_desc(d, VD_DESC, 0, table, 24, VIRTQ_DESC_F_INDIRECT, 0);
	expect_broken(fx, 0, 1);
	vd_desc(d, VD_DESC, 0, table, 0, VIRTQ_DESC_F_INDIRECT, 0);
	expect_broken(fx, 0, 1);
	/* A table bigger than any chain may be, and one outside RAM. */
	vd_desc(d, VD_DESC, 0, table, 16 * (VIRTQ_MAX_SEGS + 1), VIRTQ_DESC_F_INDIRECT, 0);
	expect_broken(fx, 0, 1);
	vd_desc(d, VD_DESC, 0, 0x4000, 16, VIRTQ_DESC_F_INDIRECT, 0);
	expect_broken(fx, 0, 1);
	/* An indirect descriptor inside the table (nested), and INDIRECT with NEXT. */
	vd_desc(d, VD_INDIRECT, 0, table, 16, VIRTQ_DESC_F_INDIRECT, 0);
	vd_desc(d, VD_DESC, 0, table, 16, VIRTQ_DESC_F_INDIRECT, 0);
	expect_broken(fx, 0, 1);
	vd_desc(d, VD_INDIRECT, 0, data, 8, VIRTQ_DESC_F_WRITE, 0);
	vd_desc(d, VD_DESC, 0, table, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	expect_broken(fx, 0, 1);
	/* A loop inside the indirect table. */
	vd_desc(d, VD_INDIRECT, 0, data, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
	vd_desc(d, VD_DESC, 0, table, 16, VIRTQ_DESC_F_INDIRECT, 0);
	expect_broken(fx, 0, 1);
	/* Indirect descriptors without VIRTIO_F_INDIRECT_DESC negotiated. */
	vd_init(d, VD_F(VIRTIO_F_VERSION_1), 1);
	vd_desc(d, VD_INDIRECT, 0, data, 8, VIRTQ_DESC_F_WRITE, 0);
	vd_desc(d, VD_DESC, 0, table, 16, VIRTQ_DESC_F_INDIRECT, 0);
	expect_broken(fx, 0, 1);
}

static void test_bad_rings(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;
	uint32_t st = vd_negotiate(d, RNG_FEATURES);

	assert_true(st & VIRTIO_STATUS_FEATURES_OK);
	vd_wr(d, VIRTIO_MMIO_QUEUE_SEL, 0);
	/* A queue size that is not a power of 2, or above QueueNumMax, cannot become ready. */
	vd_wr(d, VIRTIO_MMIO_QUEUE_NUM, 12);
	vd_wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(vd_rd(d, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_true(vd_rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	st = vd_negotiate(d, RNG_FEATURES);
	vd_wr(d, VIRTIO_MMIO_QUEUE_NUM, 4096);
	vd_wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(vd_rd(d, VIRTIO_MMIO_QUEUE_READY), 0);
	/* A used ring that runs past the end of RAM. */
	st = vd_negotiate(d, RNG_FEATURES);
	vd_wr(d, VIRTIO_MMIO_QUEUE_NUM, VD_QSIZE);
	vd_wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)vd_gpa(d, VD_DESC));
	vd_wr(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)vd_gpa(d, VD_AVAIL));
	vd_wr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(d->vm->ram_base + d->vm->ram_size - 16));
	vd_wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(vd_rd(d, VIRTIO_MMIO_QUEUE_READY), 0);
	/* A misaligned descriptor table. */
	st = vd_negotiate(d, RNG_FEATURES);
	vd_wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)vd_gpa(d, VD_DESC) + 8);
	vd_wr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)vd_gpa(d, VD_USED));
	vd_wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(vd_rd(d, VIRTIO_MMIO_QUEUE_READY), 0);
	/* The device still works after a reset. */
	vd_init(d, RNG_FEATURES, 1);
	rng_round_trip(fx);
}

/* Runs body in a child process that must exit 0 within secs (a hang is a failure, not a hang). */
static void run_bounded(int (*body)(void), unsigned secs)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(secs);
		_exit(body());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("child killed by signal %d (SIGALRM %d: it hung)", WTERMSIG(status),
			 SIGALRM);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/*
 * Queue ready and a buffer available, but no DRIVER_OK: the device must not consume it, and
 * must not spin either (its drain loop once saw "more work" that virtq_pop refused), or the
 * reset below waits forever for the I/O thread.
 */
static int no_driver_ok_child(void)
{
	struct fixture fx;
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = 1};
	struct vdrv *d = &fx.d;
	uint16_t *used;
	int bad = 0;

	memset(&fx, 0, sizeof(fx));
	if (vm_create(&fx.vm, &cfg) || virtio_rng_create(fx.vm, -1))
		return 2;
	d->vm = fx.vm;
	d->base = VIRTIO_MMIO_BASE;
	used = vd_ram(d, VD_USED, 4);
	if (!(vd_negotiate(d, RNG_FEATURES) & VIRTIO_STATUS_FEATURES_OK))
		return 3;
	vd_queue(d, 0);
	vd_desc(d, VD_DESC, 0, vd_gpa(d, VD_DATA), 64, VIRTQ_DESC_F_WRITE, 0);
	vd_kick(d, 0);
	vd_sleep_ms(50);
	/* Nothing may be consumed before DRIVER_OK (2.1, 3.1.1). */
	if (__atomic_load_n(&used[1], __ATOMIC_ACQUIRE) != 0)
		bad = 4;
	vd_wr(d, VIRTIO_MMIO_STATUS, 0); /* hangs if the I/O thread spins */
	/* The device still works afterwards. */
	vd_init(d, RNG_FEATURES, 1);
	vd_desc(d, VD_DESC, 0, vd_gpa(d, VD_DATA), 64, VIRTQ_DESC_F_WRITE, 0);
	vd_kick(d, 0);
	if (vd_wait_used(d, NULL) != 64)
		bad = 5;
	vm_destroy(fx.vm);
	return bad;
}

static void test_no_driver_ok(void **state)
{
	(void)state;
	run_bounded(no_driver_ok_child, 10);
}

/* ---- the probe device: the test is its I/O thread ---- */

#define PROBE_SLOT 1
#define PROBE_BASE (VIRTIO_MMIO_BASE + PROBE_SLOT * VIRTIO_MMIO_SIZE)

struct probe {
	struct virtio_dev vd;
	struct virtq_req req, old; /* a request popped by the test, and one it keeps */
	int resets, reset_pop, reset_cancelled, reset_status, reset_ready;
	int stopped, stop_lock, destroyed, destroyed_after_stop;
};

static void probe_notify(struct virtio_dev *vd, unsigned q)
{
	(void)vd;
	(void)q;
}

/* What a device sees while it waits for its request in flight. */
static void probe_reset(struct virtio_dev *vd)
{
	struct probe *p = (struct probe *)vd;
	struct virtq_req tmp;

	p->resets++;
	p->reset_pop = virtq_pop(vd, 0, &tmp);
	p->reset_cancelled = virtq_req_cancelled(vd, 0, &p->old);
	p->reset_status = (int)vd->status;
	p->reset_ready = vd->vq[0].ready;
}

/* A device thread's last act before it is joined: it must find the transport's locks alive. */
static void probe_stop(struct virtio_dev *vd)
{
	struct probe *p = (struct probe *)vd;

	p->stopped++;
	p->stop_lock = pthread_mutex_lock(&vd->lock);
	if (!p->stop_lock)
		pthread_mutex_unlock(&vd->lock);
	virtio_dev_interrupt(vd, VIRTIO_MMIO_INT_VRING); /* takes irq_lock */
}

static void probe_destroy(struct virtio_dev *vd)
{
	struct probe *p = (struct probe *)vd;

	p->destroyed++;
	p->destroyed_after_stop = p->stopped > 0;
}

static const struct virtio_dev_ops probe_ops = {
    .name = "probe",
    .device_id = VIRTIO_ID_RNG,
    .num_queues = 2,
    .queue_max = 16,
    .queue_notify = probe_notify,
    .reset = probe_reset,
    .stop = probe_stop,
    .destroy = probe_destroy,
};

static struct probe probe;

static int setup_probe(void **state)
{
	struct fixture *fx;

	if (setup(state))
		return -1;
	fx = *state;
	memset(&probe, 0, sizeof(probe));
	probe.vd.ops = &probe_ops;
	if (virtio_mmio_attach(fx->vm, &probe.vd, PROBE_SLOT))
		return -1;
	fx->d.base = PROBE_BASE;
	return 0;
}

/* Makes a 64-byte writable chain available at head 0 (avail idx +1), without a notify. */
static void probe_post(struct vdrv *d)
{
	uint16_t *ring = vd_ram(d, VD_AVAIL, 4 + 2 * VD_QSIZE);

	vd_desc(d, VD_DESC, 0, vd_gpa(d, VD_DATA), 64, VIRTQ_DESC_F_WRITE, 0);
	ring[2 + d->avail_idx[0] % VD_QSIZE] = 0;
	d->avail_idx[0]++;
	__atomic_store_n(&ring[1], d->avail_idx[0], __ATOMIC_RELEASE);
}

/* virtq_pop and virtq_enable_notify agree: no DRIVER_OK, nothing to take and nothing "more". */
static void test_live_predicate(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;

	assert_true(vd_negotiate(d, RNG_FEATURES) & VIRTIO_STATUS_FEATURES_OK);
	vd_queue(d, 0);
	probe_post(d);
	assert_int_equal(virtq_pop(&probe.vd, 0, &probe.req), 0);
	assert_false(virtq_enable_notify(&probe.vd, 0));
	vd_wr(d, VIRTIO_MMIO_STATUS, vd_rd(d, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	assert_true(virtq_enable_notify(&probe.vd, 0));
	assert_int_equal(virtq_pop(&probe.vd, 0, &probe.req), 1);
	assert_false(virtq_enable_notify(&probe.vd, 0));
}

/* Status 0: by the time ops->reset waits for the device, the queues are dead already. */
static void test_reset_order(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;
	uint16_t *used = vd_ram(d, VD_USED, 4);
	int resets;

	vd_init(d, RNG_FEATURES, 1);
	probe_post(d);
	assert_int_equal(virtq_pop(&probe.vd, 0, &probe.old), 1);
	probe_post(d); /* a second chain the device must not start during the reset */
	resets = probe.resets;
	vd_wr(d, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(probe.resets, resets + 1);
	assert_int_equal(probe.reset_pop, 0);
	assert_true(probe.reset_cancelled);
	assert_false(probe.reset_status & VIRTIO_STATUS_DRIVER_OK);
	assert_false(probe.reset_ready);
	/* The request popped before the reset is dropped, not published. */
	virtq_push(&probe.vd, 0, &probe.old, 64);
	assert_int_equal(__atomic_load_n(&used[1], __ATOMIC_ACQUIRE), 0);
	assert_int_equal(vd_rd(d, VIRTIO_MMIO_STATUS), 0);
}

/* A queue disabled and set up again: a request popped from its old rings is void (4.2.3.2). */
static void test_queue_reenable(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;
	uint16_t *used = vd_ram(d, VD_USED, 4);

	vd_init(d, RNG_FEATURES, 1);
	probe_post(d);
	assert_int_equal(virtq_pop(&probe.vd, 0, &probe.old), 1);
	assert_false(virtq_req_cancelled(&probe.vd, 0, &probe.old));
	vd_wr(d, VIRTIO_MMIO_QUEUE_SEL, 0);
	vd_wr(d, VIRTIO_MMIO_QUEUE_READY, 0);
	assert_true(virtq_req_cancelled(&probe.vd, 0, &probe.old));
	vd_queue(d, 0); /* the same rings, fresh indices */
	d->avail_idx[0] = 0;
	virtq_push(&probe.vd, 0, &probe.old, 64);
	assert_int_equal(__atomic_load_n(&used[1], __ATOMIC_ACQUIRE), 0);
	/* A request popped from the new rings completes. */
	probe_post(d);
	assert_int_equal(virtq_pop(&probe.vd, 0, &probe.req), 1);
	virtq_push(&probe.vd, 0, &probe.req, 64);
	assert_int_equal(__atomic_load_n(&used[1], __ATOMIC_ACQUIRE), 1);
}

/* DRIVER_OK without FEATURES_OK is refused (3.1.1); the device asks for a reset. */
static void test_driver_ok_needs_features_ok(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;
	uint32_t st;

	vd_wr(d, VIRTIO_MMIO_STATUS, 0);
	vd_wr(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vd_queue(d, 0);
	probe_post(d);
	vd_wr(d, VIRTIO_MMIO_STATUS,
	      VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
	st = vd_rd(d, VIRTIO_MMIO_STATUS);
	assert_false(st & VIRTIO_STATUS_DRIVER_OK);
	assert_true(st & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_int_equal(virtq_pop(&probe.vd, 0, &probe.req), 0);
	/* A proper initialisation afterwards works. */
	vd_init(d, RNG_FEATURES, 1);
	probe_post(d);
	assert_int_equal(virtq_pop(&probe.vd, 0, &probe.req), 1);
}

/* A failed QueueReady sets NEEDS_RESET with the configuration interrupt of 2.1.2. */
static void test_bad_queue_interrupts(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;
	unsigned irq = VIRTIO_MMIO_IRQ + PROBE_SLOT;
	uint32_t st;

	/* After DRIVER_OK: at once. */
	vd_init(d, RNG_FEATURES, 1);
	vd_wr(d, VIRTIO_MMIO_QUEUE_SEL, 1);
	vd_wr(d, VIRTIO_MMIO_QUEUE_NUM, 12); /* not a power of 2 */
	vd_wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_true(vd_rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_true(vd_rd(d, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(atomic_load(&fx->irq.level[irq]), 1);
	/* Before DRIVER_OK: when the driver sets it, since only then must it be told. */
	st = vd_negotiate(d, RNG_FEATURES);
	assert_int_equal(vd_rd(d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	vd_wr(d, VIRTIO_MMIO_QUEUE_SEL, 0);
	vd_wr(d, VIRTIO_MMIO_QUEUE_NUM, 12);
	vd_wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_true(vd_rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_int_equal(vd_rd(d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	vd_wr(d, VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
	assert_true(vd_rd(d, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(virtq_pop(&probe.vd, 0, &probe.req), 0);
}

/* Teardown: reset, then the device's threads stop while the transport's locks still live. */
static void test_teardown_order(void **state)
{
	struct fixture *fx = *state;
	int resets;

	vd_init(&fx->d, RNG_FEATURES, 1);
	resets = probe.resets;
	vd_irq_unhook(fx->vm, &fx->irq);
	vm_destroy(fx->vm);
	assert_int_equal(probe.resets, resets + 1);
	assert_int_equal(probe.stopped, 1);
	assert_int_equal(probe.stop_lock, 0);
	assert_int_equal(probe.destroyed, 1);
	assert_true(probe.destroyed_after_stop);
}

/* Loads s into vd with one field spoiled; expects -EINVAL and vd unchanged. */
static void expect_bad_transport(struct virtio_dev *vd, const struct virtio_mmio_state *good,
				 unsigned which)
{
	struct virtio_mmio_state bad = *good, after;

	switch (which) {
	case 0: /* more chains taken than the ring holds */
		bad.vq[0].last_avail = (uint16_t)(bad.vq[0].used_idx + VD_QSIZE + 1);
		break;
	case 1:
		bad.vq[0].size = 12; /* not a power of 2 */
		break;
	case 2:
		bad.vq[0].used_gpa = 0x80000000ull + (16 << 20) - 8; /* ring past RAM */
		break;
	case 3:
		bad.vq[0].desc_gpa |= 8; /* misaligned */
		break;
	case 4:
		bad.vq[1].size = 16; /* a queue the rng does not have */
		break;
	case 5:
		bad.device_id = VIRTIO_ID_BLOCK;
		break;
	case 6:
		bad.status |= 0x10; /* not a status bit */
		break;
	case 7:
		bad.features &= ~VD_F(VIRTIO_F_VERSION_1);
		break;
	case 8:
		bad.features |= VD_F(VIRTIO_F_RING_PACKED); /* not offered */
		break;
	case 9:
		bad.isr = 4;
		break;
	case 10:
		bad.vq[0].ready = 2;
		break;
	default:
		bad.vq[0].reserved[5] = 1;
		break;
	}
	assert_int_equal(virtio_mmio_load(vd, &bad), -EINVAL);
	virtio_mmio_save(vd, &after);
	assert_memory_equal(good, &after, sizeof(after));
}

/* Transport state: save, load into a fresh device, save again gives the same bytes. */
static void test_transport_state(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = 1};
	struct virtio_mmio_state s1, s2;
	struct vm *vm2;

	vd_init(d, RNG_FEATURES | VD_F(VIRTIO_F_EVENT_IDX), 1);
	for (int i = 0; i < 3; i++)
		rng_round_trip(fx);
	virtio_mmio_save(virtio_mmio_dev(fx->vm, 0), &s1);
	assert_int_equal(s1.vq[0].last_avail, 3);
	assert_int_equal(s1.vq[0].used_idx, 3);
	assert_int_equal(vm_create(&vm2, &cfg), 0);
	assert_int_equal(virtio_rng_create(vm2, 0), 0);
	assert_int_equal(virtio_mmio_load(virtio_mmio_dev(vm2, 0), &s1), 0);
	virtio_mmio_save(virtio_mmio_dev(vm2, 0), &s2);
	assert_memory_equal(&s1, &s2, sizeof(s1));
	/* The loaded device serves the next request from where the indices were. */
	fx->d.vm = vm2;
	memcpy(vd_ram(d, 0, 16 << 10), vm_ram_ptr(fx->vm, vd_gpa(d, 0), 16 << 10), 16 << 10);
	rng_round_trip(fx);
	virtio_mmio_save(virtio_mmio_dev(vm2, 0), &s2);
	assert_int_equal(s2.vq[0].used_idx, 4);
	fx->d.vm = fx->vm;
	vm_destroy(vm2);
	for (unsigned i = 0; i < 12; i++)
		expect_bad_transport(virtio_mmio_dev(fx->vm, 0), &s1, i);
	assert_null(virtio_mmio_dev(fx->vm, 1));
	assert_null(virtio_mmio_dev(fx->vm, 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_slots, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_features, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rng_request, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dirty_log, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_transport_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_event_idx, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed_indirect, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_rings, setup, teardown),
	    cmocka_unit_test(test_no_driver_ok),
	    cmocka_unit_test_setup_teardown(test_live_predicate, setup_probe, teardown),
	    cmocka_unit_test_setup_teardown(test_reset_order, setup_probe, teardown),
	    cmocka_unit_test_setup_teardown(test_queue_reenable, setup_probe, teardown),
	    cmocka_unit_test_setup_teardown(test_driver_ok_needs_features_ok, setup_probe,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_bad_queue_interrupts, setup_probe, teardown),
	    cmocka_unit_test_setup(test_teardown_order, setup_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
