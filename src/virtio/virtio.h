/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Virtio devices (virtio 1.2): the virtio-mmio transport (section 4.2, modern "version 2"
 * register layout only), split virtqueues (2.7) and the device-side API that device models
 * (blk, rng, console, net) implement.
 *
 * Model:
 * - The board has VIRTIO_MMIO_SLOTS transports; an empty one answers DeviceID 0 (like QEMU).
 *   A device model embeds struct virtio_dev, fills in ops and calls virtio_mmio_attach() after
 *   vm_create() and before the harts run.
 * - Registers are accessed on vCPU threads. QueueNotify only calls ops->queue_notify, which
 *   must not block (it wakes the device's own I/O thread). Device work (virtq_pop/virtq_push)
 *   happens on that I/O thread; each queue has exactly one consumer thread.
 * - Every guest-supplied address, index and length is checked here: a chain that the driver
 *   got wrong makes virtq_pop() fail and puts the device in DEVICE_NEEDS_RESET (2.1.2).
 */
#ifndef VIREO_VIRTIO_VIRTIO_H
#define VIREO_VIRTIO_VIRTIO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "core/bus.h"
#include "host/block.h"

struct vm;
struct fdt_ctx;
struct board_slot;

/* The board's transports: 0x1000_1000 + n * 0x1000, PLIC sources 1..8 (DESIGN.md). */
#define VIRTIO_MMIO_BASE 0x10001000ull
#define VIRTIO_MMIO_SIZE 0x1000ull
#define VIRTIO_MMIO_IRQ 1u
#define VIRTIO_MMIO_SLOTS 8u

/* virtio-mmio registers (4.2.2, table "MMIO Device Register Layout"). */
#define VIRTIO_MMIO_MAGIC_VALUE 0x000
#define VIRTIO_MMIO_VERSION 0x004
#define VIRTIO_MMIO_DEVICE_ID 0x008
#define VIRTIO_MMIO_VENDOR_ID 0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL 0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define VIRTIO_MMIO_QUEUE_NUM 0x038
#define VIRTIO_MMIO_QUEUE_READY 0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define VIRTIO_MMIO_STATUS 0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW 0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_SHM_SEL 0x0ac
#define VIRTIO_MMIO_SHM_LEN_LOW 0x0b0
#define VIRTIO_MMIO_SHM_LEN_HIGH 0x0b4
#define VIRTIO_MMIO_SHM_BASE_LOW 0x0b8
#define VIRTIO_MMIO_SHM_BASE_HIGH 0x0bc
#define VIRTIO_MMIO_QUEUE_RESET 0x0c0
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc
#define VIRTIO_MMIO_CONFIG 0x100

#define VIRTIO_MMIO_MAGIC 0x74726976u /* "virt" */
#define VIRTIO_MMIO_VERSION_MODERN 2u
#define VIRTIO_VENDOR_ID 0x4f524956u /* "VIRO" */

/* InterruptStatus bits (4.2.2). */
#define VIRTIO_MMIO_INT_VRING 0x1u
#define VIRTIO_MMIO_INT_CONFIG 0x2u

/* Device status field (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01u
#define VIRTIO_STATUS_DRIVER 0x02u
#define VIRTIO_STATUS_DRIVER_OK 0x04u
#define VIRTIO_STATUS_FEATURES_OK 0x08u
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 0x40u
#define VIRTIO_STATUS_FAILED 0x80u

/* Device IDs (5). */
#define VIRTIO_ID_NET 1u
#define VIRTIO_ID_BLOCK 2u
#define VIRTIO_ID_CONSOLE 3u
#define VIRTIO_ID_RNG 4u

/* Reserved (device-independent) feature bits (6). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_F_RING_PACKED 34
#define VIRTIO_F_IN_ORDER 35
#define VIRTIO_F_RING_RESET 40

/* Split virtqueue layout (2.7). All fields are little-endian in guest memory. */
#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u
#define VIRTQ_DESC_F_INDIRECT 4u
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
#define VIRTQ_USED_F_NO_NOTIFY 1u

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

/* Queue sizes this transport offers (QueueNumMax); a device may ask for less. */
#define VIRTQ_MAX_SIZE 256u
/* Most buffers (descriptors) in one chain, indirect ones included (2.7.5.3.1). */
#define VIRTQ_MAX_SEGS VIRTQ_MAX_SIZE
/* Most bytes one chain may describe in all: bounds every device's work per request. */
#define VIRTQ_MAX_CHAIN_BYTES (256ull << 20)
/* Most queues of one device. */
#define VIRTIO_MAX_QUEUES 8u
/*
 * Most times a device's drain loop may find new buffers after re-arming notifications
 * (virtq_enable_notify) before it yields: it then kicks its own I/O thread and returns, so a
 * driver that keeps the avail index moving cannot pin the thread (and a reset waiting for it).
 */
#define VIRTQ_DRAIN_ROUNDS 8u

/* One split virtqueue as the driver configured it. */
struct virtq {
	uint16_t size; /* QueueNum: a power of 2, at most the device's queue_max */
	bool ready;    /* QueueReady */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	/* Host views of the three areas, checked to lie in guest RAM when QueueReady was set. */
	uint8_t *desc, *avail, *used;
	uint16_t last_avail;	 /* next avail ring index the device will take */
	uint16_t used_idx;	 /* the device's copy of used->idx */
	uint16_t signalled_used; /* used idx when the driver was last interrupted (EVENT_IDX) */
	bool signalled_valid;
	/* Bumped whenever the queue is enabled, disabled or reset; kept across resets. */
	uint32_t gen;
};

/*
 * One chain popped from a queue: its readable ("out") buffers first, then its writable ("in")
 * ones (2.7.4.2 requires that order). Every iov lies wholly in guest RAM.
 */
struct virtq_req {
	uint16_t head;	    /* descriptor index that names the chain in the used ring */
	uint32_t gen;	    /* transport reset generation when popped (virtq_push checks it) */
	uint32_t qgen;	    /* the queue's generation when popped (virtq_push checks it) */
	unsigned nout, nin; /* iov[0..nout) readable, iov[nout..nout+nin) writable */
	uint64_t out_len, in_len;
	struct iovec iov[VIRTQ_MAX_SEGS];
	uint64_t gpa[VIRTQ_MAX_SEGS]; /* guest physical address of each iov */
};

struct virtio_dev;

/* What a device model implements. Callbacks get the embedding struct virtio_dev. */
struct virtio_dev_ops {
	const char *name;    /* for messages, e.g. "virtio-blk" */
	uint32_t device_id;  /* VIRTIO_ID_* */
	unsigned num_queues; /* at most VIRTIO_MAX_QUEUES */
	uint16_t queue_max;  /* QueueNumMax: power of 2, at most VIRTQ_MAX_SIZE */
	/*
	 * Device feature bits; the transport adds VIRTIO_F_VERSION_1, VIRTIO_F_INDIRECT_DESC and
	 * VIRTIO_F_EVENT_IDX itself and handles them.
	 */
	uint64_t features;
	uint32_t config_size; /* bytes of device configuration space at 0x100 */
	/* Copies config bytes [off, off+len) (in range, len 1..8) to buf; vCPU thread. */
	void (*config_read)(struct virtio_dev *vd, uint32_t off, void *buf, uint32_t len);
	/* A driver write of config bytes [off, off+len); may be NULL (writes ignored). */
	void (*config_write)(struct virtio_dev *vd, uint32_t off, const void *buf, uint32_t len);
	/*
	 * The driver notified queue q (< num_queues, queue ready) or set DRIVER_OK; must not
	 * block: wake the I/O thread. vCPU thread.
	 */
	void (*queue_notify)(struct virtio_dev *vd, unsigned q);
	/*
	 * The driver reset the device (Status 0) or the VM is going down. The transport has
	 * stopped the queues already (virtq_pop takes nothing more, virtq_req_cancelled is true
	 * for what was popped): wait until the I/O thread is no longer inside a request, forget
	 * device state. Called without vd->lock.
	 */
	void (*reset)(struct virtio_dev *vd);
	/*
	 * The VM is going down: stop and join every thread of the device (I/O thread, backend
	 * thread), so that nothing touches vd afterwards. Called after reset, before the
	 * transport's locks are destroyed. May be NULL (a device without threads).
	 */
	void (*stop)(struct virtio_dev *vd);
	/*
	 * Waits until the device's threads have done all the work they were kicked for so far
	 * and sleep (virtio_mmio_sync); returns at once for threads parked by quiesce. May be
	 * NULL (a device that works on the vCPU thread).
	 */
	void (*sync)(struct virtio_dev *vd);
	/*
	 * pause: park the device's threads once the request in progress, if any, is complete
	 * (its used ring entry written), and return then; !pause: let them go on. No guest
	 * memory or device state changes while parked. May be NULL (a device without threads).
	 */
	void (*quiesce)(struct virtio_dev *vd, bool pause);
	/* Frees the device (the embedding struct); its threads are stopped. May be NULL. */
	void (*destroy)(struct virtio_dev *vd);
};

/* Transport state of one device; the device model embeds it. */
struct virtio_dev {
	const struct virtio_dev_ops *ops;
	struct vm *vm;
	unsigned irq;		  /* PLIC source of the slot */
	pthread_mutex_t lock;	  /* registers, queue setup and the rings' device side */
	pthread_mutex_t irq_lock; /* isr and the interrupt line change together */
	uint32_t isr;		  /* InterruptStatus */
	uint32_t status;	  /* Status */
	uint32_t config_gen;	  /* ConfigGeneration */
	uint64_t driver_features; /* DriverFeatures as written */
	uint64_t features;	  /* negotiated: valid once FEATURES_OK is set */
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	_Atomic uint32_t reset_gen; /* bumped by every reset; stale requests are dropped */
	unsigned resetting;	    /* resets in progress: driver writes are ignored meanwhile */
	struct virtq vq[VIRTIO_MAX_QUEUES];
};

/** Board constructor of virtio-mmio slot s: an empty transport (DeviceID 0); 0 or -errno. */
int virtio_mmio_create_slot(struct vm *vm, struct mmio_region *r, const struct board_slot *s);

/** Board device-tree callback: /soc/virtio_mmio@<base>, compatible "virtio,mmio"; 0 or -errno. */
int virtio_mmio_fdt(struct fdt_ctx *ctx, const struct board_slot *s);

/**
 * Initialises vd (with ops set) and plugs it into the VM's first empty slot, or into slot
 * 'slot' when slot >= 0; 0, -ENOSPC (no empty slot), -EBUSY (slot taken), -EINVAL or
 * -ENODEV. On success the slot owns vd: it calls ops->destroy when the VM is destroyed.
 */
int virtio_mmio_attach(struct vm *vm, struct virtio_dev *vd, int slot);

/**
 * Waits until every virtio device of vm has finished the work it was kicked for (QueueNotify,
 * DRIVER_OK, host input) and is idle, so that its effects on guest RAM and the interrupt lines
 * are all visible. For tests and fuzzers that step devices deterministically; not from a
 * device's own thread. Devices quiesced by a pause (virtio_mmio_quiesce) are left parked: for
 * them it returns at once, and their pending work is done after the resume.
 */
void virtio_mmio_sync(struct vm *vm);

/*
 * Transport state of one virtqueue as guest values (snapshots): the ring addresses, the
 * free-running indices, EVENT_IDX bookkeeping. No padding.
 */
struct virtq_state {
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint16_t size, last_avail, used_idx, signalled_used;
	uint8_t ready, signalled_valid; /* 0 or 1 */
	uint8_t reserved[6];		/* 0 */
};

/* Transport state of one device (virtio-mmio registers and queues); no padding. */
struct virtio_mmio_state {
	uint32_t device_id, num_queues; /* must match the device it is loaded into */
	uint32_t status, isr, config_gen;
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	uint64_t driver_features, features;
	struct virtq_state vq[VIRTIO_MAX_QUEUES];
};

/** The device in virtio-mmio slot n, or NULL (empty slot or no such slot). */
struct virtio_dev *virtio_mmio_dev(struct vm *vm, unsigned n);

/** Copies vd's transport state into s (call with the device quiesced: the VM paused). */
void virtio_mmio_save(struct virtio_dev *vd, struct virtio_mmio_state *s);

/**
 * Loads s into vd (quiesced, like the save) after checking every field against vd and guest
 * RAM (s may be hostile): 0, or -EINVAL leaving vd unchanged. Requests popped before are void.
 */
int virtio_mmio_load(struct virtio_dev *vd, const struct virtio_mmio_state *s);

/** Quiesces (pause) or releases every attached device's threads (ops->quiesce). */
void virtio_mmio_quiesce(struct vm *vm, bool pause);

/** True when feature bit was negotiated (driver accepted it and set FEATURES_OK). */
bool virtio_has_feature(const struct virtio_dev *vd, unsigned bit);

/** True when the driver has set DRIVER_OK and the device does not need a reset. */
bool virtio_dev_running(struct virtio_dev *vd);

/** Sets InterruptStatus bits (VIRTIO_MMIO_INT_*) and raises the slot's line; any thread. */
void virtio_dev_interrupt(struct virtio_dev *vd, uint32_t bits);

/** Device configuration changed: bumps ConfigGeneration and interrupts (4.2.2). */
void virtio_config_changed(struct virtio_dev *vd);

/** Puts the device in DEVICE_NEEDS_RESET and tells the driver (2.1.2); any thread. */
void virtio_dev_needs_reset(struct virtio_dev *vd);

/**
 * Takes the next available chain of queue q into req: 1 when one was taken, 0 when the queue
 * is empty or not ready, -EINVAL when the driver broke the ring (the device is then in
 * NEEDS_RESET and the queue is stopped). Only the queue's consumer thread calls this.
 */
int virtq_pop(struct virtio_dev *vd, unsigned q, struct virtq_req *req);

/**
 * True when req can no longer complete: the device was reset or the queue disabled since the
 * pop. Long requests check it between chunks and give up early (their push is dropped anyway).
 */
bool virtq_req_cancelled(struct virtio_dev *vd, unsigned q, const struct virtq_req *req);

/**
 * Returns req to the driver through the used ring with 'written' bytes written to its
 * writable buffers (clamped to in_len) and marks those pages dirty for the CPU's decode
 * cache. Does not interrupt: call virtq_notify() after a batch. Dropped after a reset or a
 * re-enable of the queue (virtq_req_cancelled).
 */
void virtq_push(struct virtio_dev *vd, unsigned q, const struct virtq_req *req, uint32_t written);

/** Interrupts the driver for queue q if it wants one (VIRTQ_AVAIL_F_NO_INTERRUPT, EVENT_IDX). */
void virtq_notify(struct virtio_dev *vd, unsigned q);

/**
 * Tells the driver (EVENT_IDX: avail_event) to notify on the next buffer and returns true if
 * buffers arrived meanwhile (the consumer must then go on popping instead of sleeping). False
 * whenever virtq_pop() could take nothing: queue not ready, no DRIVER_OK, or NEEDS_RESET.
 * Callers loop at most VIRTQ_DRAIN_ROUNDS times on it.
 */
bool virtq_enable_notify(struct virtio_dev *vd, unsigned q);

/** Copies up to len bytes of req's readable buffers from byte offset off; returns the count. */
size_t virtq_req_read(const struct virtq_req *req, uint64_t off, void *buf, size_t len);

/**
 * Copies up to len bytes into req's writable buffers at byte offset off (of the writable part)
 * and marks the pages for the decode cache; returns the count.
 */
size_t virtq_req_write(struct virtio_dev *vd, const struct virtq_req *req, uint64_t off,
		       const void *buf, size_t len);

/* Device models. Each opens its backend, attaches to the first empty slot and owns its thread. */

/* virtio-blk options (a VIREO_DEV_BLK device). */
struct virtio_blk_opts {
	char path[4096];	  /* image to open; empty: use fd */
	int fd;			  /* with path empty: an image the caller opened (dup'd) */
	enum block_format format; /* BLOCK_FORMAT_AUTO: qcow2 if the magic says so, else raw */
	bool read_only;
	int slot;	  /* virtio-mmio slot, or -1 for the first empty one */
	const char *name; /* for messages and, without a path, the serial number */
};

/**
 * Opens the image through the block layer (a raw file or block device, or a qcow2 image; or
 * a dup of o->fd) and plugs a virtio-blk into o->slot; 0 or -errno + msg.
 */
int virtio_blk_create(struct vm *vm, const struct virtio_blk_opts *o, char *msg, size_t msglen);

/** Plugs a virtio-rng (entropy from getrandom(2)) into slot (-1: first empty); 0 or -errno. */
int virtio_rng_create(struct vm *vm, int slot);

/**
 * Plugs a single-port virtio-console (hvc0) into slot (-1: the next empty one): guest output is
 * written to out_fd; bytes read from in_fd (-1: none) and bytes given to virtio_console_input() go
 * to the guest. The fds stay the caller's. *out (may be NULL) gets the device; 0 or -errno.
 */
int virtio_console_create(struct vm *vm, int in_fd, int out_fd, int slot, struct virtio_dev **out);

/** Queues host input for the guest from any thread; returns the bytes taken (a full buffer drops).
 */
size_t virtio_console_input(struct virtio_dev *vd, const uint8_t *buf, size_t len);

/*
 * virtio-blk state beyond the transport (snapshots): the configuration the guest has read, as
 * guest values; it comes from the backend and the device's identity, so a load checks that it
 * matches the device (the same disk size, read-only flag and serial). No padding.
 */
struct virtio_blk_state {
	uint64_t capacity;   /* sectors (config space, 5.2.4) */
	uint8_t id[20];	     /* GET_ID serial, NUL-padded (5.2.6) */
	uint8_t read_only;   /* VIRTIO_BLK_F_RO offered: 0 or 1 */
	uint8_t reserved[3]; /* 0 */
};

/**
 * Copies a virtio-blk's device state into s: 0, -EINVAL (vd is not a virtio-blk) or -EBUSY
 * (a request is in flight: pause the VM first, its quiesce completes them).
 */
int virtio_blk_save(struct virtio_dev *vd, struct virtio_blk_state *s);

/** Checks s against the virtio-blk vd (s may be hostile): 0, or -EINVAL; vd is unchanged. */
int virtio_blk_load(struct virtio_dev *vd, const struct virtio_blk_state *s);

/*
 * virtio-console state beyond the transport (snapshots): the config space (cols, rows: 0, no
 * VIRTIO_CONSOLE_F_SIZE) and the host input the device took but the guest has not read yet,
 * oldest first, like a UART's receive FIFO. No padding.
 */
struct virtio_console_state {
	uint16_t cols, rows; /* 0 */
	uint32_t len;	     /* bytes in input[]: at most 4096; the rest is 0 */
	uint8_t input[4096];
};

/** Copies a virtio-console's state into s: 0, -EINVAL (not a console) or -EBUSY (in a request). */
int virtio_console_save(struct virtio_dev *vd, struct virtio_console_state *s);

/**
 * Loads s into the virtio-console vd after checking it (s may be hostile): 0, or -EINVAL
 * leaving vd unchanged. The input is handed to the guest when its thread runs (after a resume).
 */
int virtio_console_load(struct virtio_dev *vd, const struct virtio_console_state *s);

/** Drops the console's pending input (its power-on state); 0, or -EINVAL if not a console. */
int virtio_console_reset(struct virtio_dev *vd);

/*
 * virtio-net state beyond the transport (snapshots): the config space (5.1.4). Frames the
 * host sent while the guest had no receive buffers are not state: they are dropped, as a
 * wire may drop them. No padding.
 */
struct virtio_net_state {
	uint8_t mac[6];	 /* unicast, not 0 */
	uint16_t status; /* VIRTIO_NET_S_LINK_UP (1): the link is always up */
};

/** Copies a virtio-net's state into s: 0, -EINVAL (not a virtio-net) or -EBUSY (in a request). */
int virtio_net_save(struct virtio_dev *vd, struct virtio_net_state *s);

/** Loads s into the virtio-net vd after checking it (s may be hostile): 0, or -EINVAL. */
int virtio_net_load(struct virtio_dev *vd, const struct virtio_net_state *s);

struct net_backend;

/**
 * Plugs a virtio-net (MAC 52:54:00:12:34:XX, XX = 0x50 + index) backed by be into slot
 * (-1: the next empty one) and starts be's I/O thread. be is consumed: the device owns it from then
 * on, and on an error it is destroyed. 0, or -errno with a message in msg.
 */
int virtio_net_create(struct vm *vm, struct net_backend *be, unsigned index, int slot, char *msg,
		      size_t msglen);

#endif
