/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest console output to a host fd (stdout) that never blocks the caller: bytes go into a
 * bounded buffer that a thread of its own writes out. A slow reader slows the guest down
 * through the room left (the UART's THRE, SBI DBCN's partial counts) instead of losing bytes;
 * a reader that stops for good stops neither the vCPUs nor Vireo.
 */
#ifndef VIREO_HOST_CONOUT_H
#define VIREO_HOST_CONOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conout;

/* Bytes buffered between the guest and the fd. */
#define CONOUT_BUF (64u << 10)
/* How long conout_destroy waits for a reader that takes nothing before dropping the rest. */
#define CONOUT_FLUSH_MS 500

/** Starts the writer thread for fd (not owned: never closed here); 0 or -errno. */
int conout_create(struct conout **out, int fd);

/** Queues up to len bytes without blocking; returns how many fit (0 when full). */
size_t conout_write(struct conout *co, const uint8_t *buf, size_t len);

/** The bytes conout_write would take now. */
size_t conout_room(struct conout *co);

/** Waits up to ms milliseconds for want bytes of room; true if there is that much. */
bool conout_wait_room(struct conout *co, size_t want, unsigned ms);

/**
 * Waits until every queued byte reached the fd (or was dropped because writing failed); gives
 * up after ms milliseconds in which the fd took nothing. True when the buffer is empty.
 */
bool conout_flush(struct conout *co, unsigned ms);

/**
 * Sets fn(arg) to be called on the writer thread, with no conout lock held, each time bytes
 * have left the buffer (fn NULL: none); returns once no call to the previous one is running.
 */
void conout_set_notify(struct conout *co, void (*fn)(void *arg), void *arg);

/** Flushes (conout_flush with CONOUT_FLUSH_MS), stops the writer thread, frees co (NULL ok). */
void conout_destroy(struct conout *co);

#endif
