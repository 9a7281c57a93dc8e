/* SPDX-License-Identifier: Apache-2.0 */
/* The PLIC through a real 2-hart VM's bus: registers, gateway, claim/complete, hart lines. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/board.h"
#include "core/vm.h"
#include "cpu/hart.h"
#include "dev/devices.h"

#define NHARTS 2
#define PRIO(src) (BOARD_PLIC_BASE + 4 * (src))
#define PENDING(w) (BOARD_PLIC_BASE + 0x1000 + 4 * (w))
#define ENABLE(ctx, w) (BOARD_PLIC_BASE + 0x2000 + 0x80 * (ctx) + 4 * (w))
#define THRESHOLD(ctx) (BOARD_PLIC_BASE + 0x200000 + 0x1000 * (ctx))
#define CLAIM(ctx) (THRESHOLD(ctx) + 4)
/* Contexts: 2h is hart h's M-mode context, 2h+1 its S-mode one. */
#define CTX_M(h) (2 * (h))
#define CTX_S(h) (2 * (h) + 1)

static int setup(void **state)
{
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = NHARTS};
	struct vm *vm;
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	cfg.console_fd = fd;
	if (vm_create(&vm, &cfg)) {
		close(fd);
		return -1;
	}
	*state = vm;
	return 0;
}

static int teardown(void **state)
{
	struct vm *vm = *state;
	int fd = vm->console_fd;

	vm_destroy(vm);
	close(fd);
	return 0;
}

static uint32_t rd(struct vm *vm, uint64_t addr)
{
	uint64_t v = ~0ull;

	assert_int_equal(bus_read(&vm->bus, addr, 4, &v), 0);
	return (uint32_t)v;
}

static void wr(struct vm *vm, uint64_t addr, uint32_t val)
{
	assert_int_equal(bus_write(&vm->bus, addr, 4, val), 0);
}

static uint64_t mip(struct vm *vm, unsigned h)
{
	return atomic_load(&vm->harts[h]->mip_hw) & (MIP_MEIP | MIP_SEIP);
}

/* Gives src priority prio and enables it for ctx. */
static void route(struct vm *vm, unsigned src, unsigned prio, unsigned ctx)
{
	wr(vm, PRIO(src), prio);
	wr(vm, ENABLE(ctx, src / 32), rd(vm, ENABLE(ctx, src / 32)) | (1u << (src % 32)));
}

static void test_plic_wiring(void **state)
{
	struct vm *vm = *state;
	uint64_t v;

	assert_true(vm->irqchip_set != NULL);
	assert_non_null(vm->irqchip);
	assert_non_null(bus_find(&vm->bus, BOARD_PLIC_BASE + PLIC_SIZE - 4));
	/* Only 32-bit accesses. */
	assert_int_equal(bus_read(&vm->bus, PRIO(1), 8, &v), -EFAULT);
	assert_int_equal(bus_write(&vm->bus, PRIO(1), 1, 1), -EFAULT);
	assert_int_equal(bus_write(&vm->bus, PRIO(1), 2, 1), -EFAULT);
}

static void test_plic_priority_regs(void **state)
{
	struct vm *vm = *state;

	for (unsigned src = 1; src <= PLIC_NSRC; src++)
		assert_int_equal(rd(vm, PRIO(src)), 0);
	wr(vm, PRIO(1), 7);
	wr(vm, PRIO(PLIC_NSRC), 0xff); /* 3 WARL bits */
	assert_int_equal(rd(vm, PRIO(1)), 7);
	assert_int_equal(rd(vm, PRIO(PLIC_NSRC)), 7);
	/* Source 0 and sources past riscv,ndev do not exist. */
	wr(vm, PRIO(0), 5);
	wr(vm, PRIO(PLIC_NSRC + 1), 5);
	assert_int_equal(rd(vm, PRIO(0)), 0);
	assert_int_equal(rd(vm, PRIO(PLIC_NSRC + 1)), 0);
	/* Enable bit 0 is hardwired to 0; words past the last source read 0. */
	wr(vm, ENABLE(CTX_S(0), 0), 0xffffffff);
	assert_int_equal(rd(vm, ENABLE(CTX_S(0), 0)), 0xfffffffe);
	wr(vm, ENABLE(CTX_S(0), 2), 0xffffffff);
	assert_int_equal(rd(vm, ENABLE(CTX_S(0), 2)), 0xffffffff); /* sources 64..95 */
	wr(vm, ENABLE(CTX_S(0), 3), 0xffffffff);
	assert_int_equal(rd(vm, ENABLE(CTX_S(0), 3)), 0);
	wr(vm, THRESHOLD(CTX_M(1)), 9);
	assert_int_equal(rd(vm, THRESHOLD(CTX_M(1))), 1);
	/* Pending bits are read-only. */
	wr(vm, PENDING(0), 0xffffffff);
	assert_int_equal(rd(vm, PENDING(0)), 0);
}

static void test_plic_bad_context(void **state)
{
	struct vm *vm = *state;
	unsigned bad = 2 * NHARTS;

	wr(vm, ENABLE(bad, 0), 0xffffffff);
	assert_int_equal(rd(vm, ENABLE(bad, 0)), 0);
	wr(vm, THRESHOLD(bad), 3);
	assert_int_equal(rd(vm, THRESHOLD(bad)), 0);
	vm_set_irq(vm, 3, true);
	wr(vm, PRIO(3), 1);
	assert_int_equal(rd(vm, CLAIM(bad)), 0);
	wr(vm, CLAIM(bad), 3);
	/* The last context of the window and reserved words in a context read 0. */
	assert_int_equal(rd(vm, THRESHOLD((0x600000 - 0x200000) / 0x1000 - 1)), 0);
	assert_int_equal(rd(vm, THRESHOLD(0) + 8), 0);
	assert_int_equal(mip(vm, 0) | mip(vm, 1), 0);
	/* Lines that do not exist are ignored. */
	vm_set_irq(vm, 0, true);
	vm_set_irq(vm, PLIC_NSRC + 1, true);
	vm_set_irq(vm, 1000, true);
	assert_int_equal(rd(vm, PENDING(0)), 1u << 3);
	assert_int_equal(rd(vm, PENDING(3)), 0);
}

static void test_plic_claim_complete(void **state)
{
	struct vm *vm = *state;

	route(vm, 10, 1, CTX_S(0));
	assert_int_equal(mip(vm, 0), 0);
	vm_set_irq(vm, 10, true);
	assert_int_equal(rd(vm, PENDING(0)), 1u << 10);
	/* Only the S-mode context of hart 0 has the source enabled. */
	assert_int_equal(mip(vm, 0), MIP_SEIP);
	assert_int_equal(mip(vm, 1), 0);
	assert_true(atomic_load(&vm->harts[0]->events) & HART_EV_IRQ);
	assert_int_equal(rd(vm, CLAIM(CTX_M(0))), 0);
	assert_int_equal(rd(vm, CLAIM(CTX_S(0))), 10);
	/* Claimed: no longer pending although the line is still high. */
	assert_int_equal(rd(vm, PENDING(0)), 0);
	assert_int_equal(mip(vm, 0), 0);
	assert_int_equal(rd(vm, CLAIM(CTX_S(0))), 0);
	/* Completion re-arms the gateway: the line is high, so it pends again. */
	wr(vm, CLAIM(CTX_S(0)), 10);
	assert_int_equal(rd(vm, PENDING(0)), 1u << 10);
	assert_int_equal(mip(vm, 0), MIP_SEIP);
	/* Level-triggered: dropping the line withdraws the request. */
	vm_set_irq(vm, 10, false);
	assert_int_equal(rd(vm, PENDING(0)), 0);
	assert_int_equal(mip(vm, 0), 0);
	/* A completion with the line low leaves nothing pending. */
	vm_set_irq(vm, 10, true);
	assert_int_equal(rd(vm, CLAIM(CTX_S(0))), 10);
	vm_set_irq(vm, 10, false);
	wr(vm, CLAIM(CTX_S(0)), 10);
	assert_int_equal(rd(vm, PENDING(0)), 0);
	assert_int_equal(mip(vm, 0), 0);
}

static void test_plic_complete_rules(void **state)
{
	struct vm *vm = *state;

	route(vm, 33, 4, CTX_S(1));
	vm_set_irq(vm, 33, true);
	assert_int_equal(mip(vm, 1), MIP_SEIP);
	assert_int_equal(rd(vm, CLAIM(CTX_S(1))), 33);
	assert_int_equal(mip(vm, 1), 0);
	/* Completing an id that is not enabled for the context is ignored (PLIC spec). */
	wr(vm, ENABLE(CTX_S(1), 1), 0);
	wr(vm, CLAIM(CTX_S(1)), 33);
	wr(vm, ENABLE(CTX_S(1), 1), 1u << 1);
	assert_int_equal(rd(vm, PENDING(1)), 0);
	assert_int_equal(mip(vm, 1), 0);
	/* Garbage ids are ignored too. */
	wr(vm, CLAIM(CTX_S(1)), 0);
	wr(vm, CLAIM(CTX_S(1)), PLIC_NSRC + 1);
	wr(vm, CLAIM(CTX_S(1)), 0xffffffff);
	assert_int_equal(rd(vm, PENDING(1)), 0);
	wr(vm, CLAIM(CTX_S(1)), 33);
	assert_int_equal(rd(vm, PENDING(1)), 1u << 1);
	assert_int_equal(mip(vm, 1), MIP_SEIP);
}

static void test_plic_priority_order(void **state)
{
	struct vm *vm = *state;

	route(vm, 7, 2, CTX_M(1));
	route(vm, 5, 2, CTX_M(1));
	route(vm, 40, 3, CTX_M(1));
	route(vm, 95, 1, CTX_M(1));
	route(vm, 20, 0, CTX_M(1)); /* priority 0: never interrupts */
	vm_set_irq(vm, 5, true);
	vm_set_irq(vm, 7, true);
	vm_set_irq(vm, 40, true);
	vm_set_irq(vm, 95, true);
	vm_set_irq(vm, 20, true);
	assert_int_equal(mip(vm, 1), MIP_MEIP);
	assert_int_equal(mip(vm, 0), 0);
	/* Threshold: only priorities strictly above it interrupt or are claimed. */
	wr(vm, THRESHOLD(CTX_M(1)), 3);
	assert_int_equal(mip(vm, 1), 0);
	assert_int_equal(rd(vm, CLAIM(CTX_M(1))), 0);
	wr(vm, THRESHOLD(CTX_M(1)), 1);
	assert_int_equal(mip(vm, 1), MIP_MEIP);
	/* Highest priority first, the lowest id among equals. */
	assert_int_equal(rd(vm, CLAIM(CTX_M(1))), 40);
	assert_int_equal(rd(vm, CLAIM(CTX_M(1))), 5);
	assert_int_equal(rd(vm, CLAIM(CTX_M(1))), 7);
	assert_int_equal(mip(vm, 1), 0); /* 95 is at the threshold */
	wr(vm, THRESHOLD(CTX_M(1)), 0);
	assert_int_equal(mip(vm, 1), MIP_MEIP);
	assert_int_equal(rd(vm, CLAIM(CTX_M(1))), 95);
	assert_int_equal(rd(vm, CLAIM(CTX_M(1))), 0);
	assert_int_equal(mip(vm, 1), 0);
	assert_int_equal(rd(vm, PENDING(0)), 1u << 20);
	/* Raising a priority makes a pending source interrupt at once. */
	wr(vm, PRIO(20), 1);
	assert_int_equal(mip(vm, 1), MIP_MEIP);
	/* Disabling it takes the line down again. */
	wr(vm, ENABLE(CTX_M(1), 0), 0);
	assert_int_equal(mip(vm, 1), 0);
}

static void test_plic_two_contexts(void **state)
{
	struct vm *vm = *state;

	/* One source enabled in hart 0's M and hart 1's S context: whoever claims first wins. */
	route(vm, 12, 1, CTX_M(0));
	route(vm, 12, 1, CTX_S(1));
	vm_set_irq(vm, 12, true);
	assert_int_equal(mip(vm, 0), MIP_MEIP);
	assert_int_equal(mip(vm, 1), MIP_SEIP);
	assert_int_equal(rd(vm, CLAIM(CTX_S(1))), 12);
	assert_int_equal(mip(vm, 0), 0);
	assert_int_equal(mip(vm, 1), 0);
	assert_int_equal(rd(vm, CLAIM(CTX_M(0))), 0);
	/* The claiming context completes; the source pends for both again. */
	wr(vm, CLAIM(CTX_S(1)), 12);
	assert_int_equal(mip(vm, 0), MIP_MEIP);
	assert_int_equal(mip(vm, 1), MIP_SEIP);
}

struct toggler {
	struct vm *vm;
	unsigned n;
};

static void *toggle_thread(void *arg)
{
	struct toggler *t = arg;

	for (unsigned i = 0; i < t->n; i++)
		vm_set_irq(t->vm, 2 + i % 2, i % 4 < 2);
	vm_set_irq(t->vm, 2, true);
	vm_set_irq(t->vm, 3, false);
	return NULL;
}

/* Lines driven from another thread while a hart claims and completes (vm_set_irq is locked). */
static void test_plic_threads(void **state)
{
	struct vm *vm = *state;
	struct toggler t = {vm, 20000};
	pthread_t th;

	route(vm, 2, 1, CTX_S(0));
	route(vm, 3, 1, CTX_S(0));
	assert_int_equal(pthread_create(&th, NULL, toggle_thread, &t), 0);
	for (unsigned i = 0; i < 20000; i++) {
		uint32_t src = rd(vm, CLAIM(CTX_S(0)));

		assert_true(src == 0 || src == 2 || src == 3);
		if (src)
			wr(vm, CLAIM(CTX_S(0)), src);
	}
	pthread_join(th, NULL);
	/* Final lines: 2 high, 3 low. */
	assert_int_equal(rd(vm, PENDING(0)), 1u << 2);
	assert_int_equal(mip(vm, 0), MIP_SEIP);
}

/* A state saved, loaded into a fresh PLIC and saved again is the same bytes; outputs follow. */
static void test_plic_state_roundtrip(void **state)
{
	struct vm *vm = *state, *vm2;
	struct vm_config cfg = {
	    .ram_size = 16ull << 20, .nharts = NHARTS, .console_fd = vm->console_fd};
	struct plic_state s1, s2;

	route(vm, 10, 5, CTX_S(1));
	route(vm, 33, 7, CTX_M(0));
	wr(vm, THRESHOLD(CTX_M(1)), 3);
	vm_set_irq(vm, 10, true);
	vm_set_irq(vm, 33, true);
	assert_int_equal(rd(vm, CLAIM(CTX_M(0))), 33); /* 33 now claimed */
	plic_save(vm->irqchip, &s1);
	assert_int_equal(vm_create(&vm2, &cfg), 0);
	assert_int_equal(plic_load(vm2->irqchip, &s1), 0);
	plic_save(vm2->irqchip, &s2);
	assert_memory_equal(&s1, &s2, sizeof(s1));
	/* The loaded PLIC drives hart 1's SEIP for source 10, and not MEIP for claimed 33. */
	assert_int_equal(mip(vm2, 1), MIP_SEIP);
	assert_int_equal(mip(vm2, 0), 0);
	plic_reset(vm2->irqchip);
	assert_int_equal(mip(vm2, 1), 0);
	vm_destroy(vm2);
}

/* Loads s1 spoiled at one field; expects -EINVAL and no change. */
static void expect_bad_plic(struct vm *vm, const struct plic_state *good, unsigned which)
{
	struct plic_state bad = *good, after;

	switch (which) {
	case 0:
		bad.priority[5] = 8; /* 3 priority bits */
		break;
	case 1:
		bad.priority[0] = 1; /* source 0 does not exist */
		break;
	case 2:
		bad.nctx = 2 * NHARTS + 2;
		break;
	case 3:
		bad.enable[2 * NHARTS][0] = 2; /* a context that does not exist */
		break;
	case 4:
		bad.threshold[0] = 9;
		break;
	case 5:
		bad.level[0] |= 1; /* source 0 */
		break;
	case 6:
		bad.claimed[0] |= 1; /* source 0 */
		break;
	default:
		bad.threshold[PLIC_STATE_MAX_CTX - 1] = 1;
		break;
	}
	assert_int_equal(plic_load(vm->irqchip, &bad), -EINVAL);
	plic_save(vm->irqchip, &after);
	assert_memory_equal(good, &after, sizeof(after));
}

static void test_plic_state_rejects(void **state)
{
	struct vm *vm = *state;
	struct plic_state good;

	route(vm, 10, 5, CTX_S(1));
	plic_save(vm->irqchip, &good);
	for (unsigned i = 0; i < 8; i++)
		expect_bad_plic(vm, &good, i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_plic_wiring, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plic_state_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plic_state_rejects, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plic_priority_regs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plic_bad_context, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plic_claim_complete, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plic_complete_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plic_priority_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plic_two_contexts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plic_threads, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
