/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fuzzers' virtio driver: one VM per input with one device in a virtio-mmio slot, driven
 * by a program the fuzzer writes (register accesses, guest RAM contents, ring postings, host
 * input). After every step the harness waits for the device's threads to go idle
 * (virtio_mmio_sync), so a run depends on the input alone. Input format: docs/fuzzing.md.
 */
#ifndef VIREO_TESTS_FUZZ_VIRTIO_HARNESS_H
#define VIREO_TESTS_FUZZ_VIRTIO_HARNESS_H

#include <stddef.h>
#include <stdint.h>

struct vm;
struct fz;

/* Step opcodes (first byte of each step, taken modulo FZ_OP_COUNT). */
enum fz_op {
	FZ_OP_REG_WRITE,  /* u8 reg (offset reg*4), u32 value: a 32-bit register write */
	FZ_OP_REG_READ,	  /* u8 reg: a 32-bit register read */
	FZ_OP_CFG_READ,	  /* u8 offset, u8 size (1 << (size % 4)): config space read */
	FZ_OP_CFG_WRITE,  /* u8 offset, u8 size, u64 value: config space write */
	FZ_OP_RAM_WRITE,  /* u16 offset, u8 len, len bytes: guest RAM at its base + offset */
	FZ_OP_INIT,	  /* u64 features, u8 log2 size: 3.1.1 init, queues at FZ_QUEUE_AREA */
	FZ_OP_POST,	  /* u8 queue, u16 head: append head to the avail ring and notify */
	FZ_OP_HOST_INPUT, /* u16 len (mod 2048), len bytes: the device's host-side input */
	FZ_OP_COUNT,
};

/* Guest RAM offsets of queue q's rings after FZ_OP_INIT (each fits 256 entries). */
#define FZ_QUEUE_AREA(q) (0x1000u + 0x3000u * (q))
#define FZ_QUEUE_DESC(q) FZ_QUEUE_AREA(q)
#define FZ_QUEUE_AVAIL(q) (FZ_QUEUE_AREA(q) + 0x1000u)
#define FZ_QUEUE_USED(q) (FZ_QUEUE_AREA(q) + 0x2000u)
/* Where seeds put buffers: above the rings of up to 4 queues, still reachable by RAM_WRITE. */
#define FZ_DATA 0xd000u

/* What a target plugs in. */
struct fz_device {
	/* Creates the device in vm (taking option bytes with fz_take if it wants); 0 or -errno. */
	int (*attach)(struct fz *fz, struct vm *vm, void *ctx);
	/* Hands host-side bytes to the device (frames, console input); NULL: ignored. */
	void (*host_input)(void *ctx, const uint8_t *buf, size_t len);
	/* Forgets per-run state after the VM was destroyed; may be NULL. */
	void (*cleanup)(void *ctx);
	void *ctx;
};

/** Takes n input bytes; NULL when fewer are left (the run then ends). */
const uint8_t *fz_take(struct fz *fz, size_t n);

/** Runs one input against a fresh VM with dev attached; always returns 0 (libFuzzer's rule). */
int fz_run(const struct fz_device *dev, const uint8_t *data, size_t size);

#endif
