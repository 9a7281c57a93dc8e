/* SPDX-License-Identifier: Apache-2.0 */
/* VM life cycle: guest RAM, harts, the board's devices, running and stopping, and mtime. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "core/board.h"
#include "core/clock.h"
#include "core/vm.h"
#include "cpu/hart.h"
#include "dev/devices.h"
#include "host/conout.h"
#include "virtio/virtio.h"

_Static_assert(NS_PER_SEC % VM_TIMEBASE_HZ == 0, "mtime tick must be a whole number of ns");
#define NS_PER_TICK (NS_PER_SEC / VM_TIMEBASE_HZ)

static uint64_t monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static uint64_t clock_ticks(const struct vm *vm)
{
	return (monotonic_ns() - vm->start_ns) / NS_PER_TICK;
}

uint64_t vm_time(const struct vm *vm)
{
	if (atomic_load_explicit(&vm->mtime_frozen, memory_order_acquire))
		return atomic_load_explicit(&vm->frozen_mtime, memory_order_relaxed);
	/* Wrapping arithmetic: the offset may be "negative" after a guest sets mtime back. */
	return clock_ticks(vm) + atomic_load_explicit(&vm->mtime_offset, memory_order_acquire);
}

void vm_set_time(struct vm *vm, uint64_t value)
{
	if (atomic_load_explicit(&vm->mtime_frozen, memory_order_acquire))
		atomic_store_explicit(&vm->frozen_mtime, value, memory_order_relaxed);
	atomic_store_explicit(&vm->mtime_offset, value - clock_ticks(vm), memory_order_release);
}

int vm_config_check(const struct vm_config *cfg, char *msg, size_t msglen)
{
	const char *why = NULL;

	if (cfg->ram_size < VM_RAM_MIN)
		why = "RAM size must be at least 16 MiB";
	else if (cfg->ram_size > VM_RAM_MAX)
		why = "RAM size must be at most 256 GiB";
	else if (cfg->ram_size % VM_PAGE_SIZE)
		why = "RAM size must be a multiple of 4 KiB";
	else if (cfg->nharts < 1 || cfg->nharts > VM_MAX_HARTS)
		why = "the number of harts must be between 1 and 32";
	else if (cfg->console_fd < 0)
		why = "the console fd is invalid";
	if (!why)
		return 0;
	if (msg && msglen)
		snprintf(msg, msglen, "%s", why);
	return -EINVAL;
}

/* Allocates and initialises cfg->nharts harts; vm->nharts counts the ones to destroy. */
static int vm_create_harts(struct vm *vm, unsigned nharts)
{
	for (unsigned i = 0; i < nharts; i++) {
		struct hart *h = calloc(1, sizeof(*h));
		int err;

		if (!h)
			return -ENOMEM;
		err = hart_init(h, vm, i);
		if (err) {
			free(h);
			return err;
		}
		vm->harts[i] = h;
		vm->nharts = i + 1;
	}
	return 0;
}

int vm_create(struct vm **out, const struct vm_config *cfg)
{
	struct vm *vm;
	int err;

	*out = NULL;
	err = vm_config_check(cfg, NULL, 0);
	if (err)
		return err;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->ram_base = BOARD_RAM_BASE;
	vm->ram_size = cfg->ram_size;
	vm->ram_fd = -1;
	vm->console_fd = cfg->console_fd ? cfg->console_fd : STDOUT_FILENO;
	vm->log = cfg->log;
	vm->log_opaque = cfg->log_opaque;
	pthread_mutex_init(&vm->pause_lock, NULL);
	pthread_cond_init(&vm->pause_cond, NULL);
	atomic_init(&vm->pause_req, false);
	atomic_init(&vm->state, VM_RUNNING);
	atomic_init(&vm->mtime_offset, 0);
	atomic_init(&vm->mtime_frozen, false);
	atomic_init(&vm->frozen_mtime, 0);
	vm->start_ns = monotonic_ns();
	err = mem_create(vm, cfg->ram_backend, cfg->ram_file_fd);
	if (err)
		goto out;
	/* Guest console output must never block a vCPU on a slow or stuck reader. */
	err = conout_create(&vm->conout, vm->console_fd);
	if (err)
		goto out;
	err = vm_create_harts(vm, cfg->nharts);
	if (err)
		goto out;
	err = board_create(vm);
	if (err)
		goto out;
	*out = vm;
	return 0;
out:
	vm_destroy(vm);
	return err;
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	bus_destroy(&vm->bus);
	/* The interrupt controller goes last: devices may drive their lines until destroyed. */
	plic_destroy(vm->irqchip);
	/* After the UART, which hooks into it; flushes what the guest wrote (a bounded wait). */
	conout_destroy(vm->conout);
	for (unsigned i = 0; i < vm->nharts; i++) {
		if (vm->harts[i]) {
			hart_destroy(vm->harts[i]);
			free(vm->harts[i]);
		}
	}
	mem_destroy(vm);
	pthread_mutex_destroy(&vm->pause_lock);
	pthread_cond_destroy(&vm->pause_cond);
	free(vm);
}

void vm_log(const struct vm *vm, enum vireo_log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!vm || !vm->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vm->log(vm->log_opaque, level, msg);
}

void vm_hart_main(struct hart *h)
{
	struct vm *vm = h->vm;

	if (hart_run(h) < 0)
		vm_stop(vm, VM_ERROR, 0);
	pthread_mutex_lock(&vm->pause_lock);
	vm->live--;
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
}

static void *vm_hart_thread(void *arg)
{
	vm_hart_main(arg);
	return NULL;
}

int vm_run(struct vm *vm)
{
	pthread_t threads[VM_MAX_HARTS];
	unsigned started = 0;

	pthread_mutex_lock(&vm->pause_lock);
	vm->live = vm->nharts;
	pthread_mutex_unlock(&vm->pause_lock);
	if (vm->nharts == 1) {
		vm_hart_main(vm->harts[0]);
	} else {
		for (; started < vm->nharts; started++) {
			if (pthread_create(&threads[started], NULL, vm_hart_thread,
					   vm->harts[started])) {
				vm_stop(vm, VM_ERROR, 0);
				break;
			}
		}
		pthread_mutex_lock(&vm->pause_lock);
		vm->live -= vm->nharts - started;
		pthread_mutex_unlock(&vm->pause_lock);
		for (unsigned i = 0; i < started; i++)
			pthread_join(threads[i], NULL);
	}
	/* Every hart returned without anyone ending the guest: the host cannot go on. */
	vm_stop(vm, VM_ERROR, 0);
	return atomic_load(&vm->state);
}

void vm_hart_park(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	vm->parked++;
	pthread_cond_broadcast(&vm->pause_cond);
	/* Interrupts that arrive meanwhile only set mip bits: the hart sees them on resume. */
	while (atomic_load(&vm->pause_req) && atomic_load(&vm->state) == VM_RUNNING)
		pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
	vm->parked--;
	pthread_mutex_unlock(&vm->pause_lock);
}

int vm_pause(struct vm *vm)
{
	int err = 0;

	pthread_mutex_lock(&vm->pause_lock);
	atomic_store(&vm->pause_req, true);
	pthread_mutex_unlock(&vm->pause_lock);
	/* Out of the inner loop, WFI sleep or the wait for an SBI HSM start. */
	for (unsigned i = 0; i < vm->nharts; i++)
		hart_kick(vm->harts[i], HART_EV_IRQ);
	pthread_mutex_lock(&vm->pause_lock);
	while (vm->parked < vm->live && atomic_load(&vm->state) == VM_RUNNING)
		pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
	if (atomic_load(&vm->state) != VM_RUNNING)
		err = -ESRCH;
	pthread_mutex_unlock(&vm->pause_lock);
	/* Harts first: no new notifications can reach the devices once they are parked. */
	virtio_mmio_quiesce(vm, true);
	/* The guest clock stands still while paused (as QEMU's virtual clock does). */
	atomic_store_explicit(&vm->frozen_mtime, vm_time(vm), memory_order_relaxed);
	atomic_store_explicit(&vm->mtime_frozen, true, memory_order_release);
	return err;
}

void vm_resume(struct vm *vm)
{
	if (atomic_load(&vm->mtime_frozen)) {
		uint64_t t = atomic_load(&vm->frozen_mtime);

		vm_set_time(vm, t);			/* goes on from where it stood... */
		atomic_store(&vm->mtime_frozen, false); /* ...once the offset says so */
	}
	virtio_mmio_quiesce(vm, false);
	pthread_mutex_lock(&vm->pause_lock);
	atomic_store(&vm->pause_req, false);
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
}

void vm_stop(struct vm *vm, enum vm_state state, int code)
{
	int expected = VM_RUNNING;

	if (state == VM_RUNNING)
		return;
	if (!atomic_compare_exchange_strong(&vm->state, &expected, (int)state))
		return;
	vm->exit_code = code;
	/* Parked harts wake to leave as well. */
	pthread_mutex_lock(&vm->pause_lock);
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
	for (unsigned i = 0; i < vm->nharts; i++) {
		if (vm->harts[i])
			hart_kick(vm->harts[i], HART_EV_STOP);
	}
}
