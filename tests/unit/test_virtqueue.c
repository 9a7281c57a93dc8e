/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-mmio transport and split virtqueues (virtio 1.2 sections 2.7 and 4.2), driven
 * through the bus like a guest driver, with the virtio-rng device behind slot 0: registers,
 * feature negotiation, a good request, interrupts, and chains a hostile driver could post.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
	if (virtio_rng_create(fx.vm))
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
		assert_int_equal(virtio_rng_create(fx->vm), 0);
	assert_int_equal(virtio_rng_create(fx->vm), -ENOSPC);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_slots, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_features, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rng_request, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_event_idx, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed_indirect, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_rings, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
