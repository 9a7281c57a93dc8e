/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host network backends for a guest NIC: user-mode networking (libslirp) and TAP.
 *
 * A backend owns one host I/O thread. Everything it tells its client (the NIC device) runs on
 * that thread: frames from the network (client->receive) and service requests the device made
 * with net_backend_kick() from any thread (client->poll). The device sends frames with
 * net_backend_send() from those callbacks only, so guest TX work happens on the I/O thread and
 * never on a vCPU thread.
 */
#ifndef VIREO_HOST_NET_H
#define VIREO_HOST_NET_H

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ethernet frame bounds without FCS: a header at least, and a 64 KiB jumbo frame at most. */
#define NET_FRAME_MIN 14u
#define NET_FRAME_MAX 65536u

struct net_backend;
struct vireo_device;
struct vm;

/* The backend's user, normally a virtio-net device. */
struct net_client {
	void *opaque;
	/* A frame of len bytes (NET_FRAME_MIN..NET_FRAME_MAX) arrived; on the I/O thread. */
	void (*receive)(void *opaque, const uint8_t *frame, size_t len);
	/* net_backend_kick() was called since the last call; on the I/O thread. */
	void (*poll)(void *opaque);
};

/* The poll set the I/O thread sleeps on; backends add their fds each round. */
struct net_pollset {
	struct pollfd *fds;
	int count, cap;
};

/* What a kind of backend implements; the I/O loop in net_backend.c drives it. */
struct net_backend_ops {
	const char *kind;
	/* Adds fds to ps, lowers *timeout_ms (-1 = none) for timers; 0 or -errno. */
	int (*fill)(struct net_backend *be, struct net_pollset *ps, int *timeout_ms);
	/* Handles the poll results (poll_error: poll() itself failed) and expired timers. */
	void (*dispatch)(struct net_backend *be, const struct net_pollset *ps, bool poll_error);
	/* Sends one frame to the network; 0 or -errno (the frame is then dropped). */
	int (*send)(struct net_backend *be, const uint8_t *frame, size_t len);
	/* Frees the backend's own state (the thread has stopped). */
	void (*destroy)(struct net_backend *be);
};

/* Common part of every backend; a backend's private struct embeds it first. */
struct net_backend {
	const struct net_backend_ops *ops;
	struct net_client client;
	int kick_fd; /* eventfd: net_backend_kick() and stop wake the I/O thread */
	_Atomic bool stop;
	bool started;
	pthread_t thread;
	struct vm *vm; /* for log messages (vm_log); set by the device, may be NULL */
	/*
	 * Under lock: net_backend_sync's rounds (the last asked for, the last answered) and
	 * net_backend_pause's park between rounds; cond signals any change of them.
	 */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t sync_want, sync_done;
	bool sleeping; /* the I/O thread is in (or about to enter) its poll */
	bool pause, parked;
	struct net_pollset ps;
	uint64_t rx_frames, tx_frames, tx_errors; /* counted on the I/O thread */
};

/**
 * Opens the backend that d (a VIREO_DEV_NET device) describes; 0, or -errno with a message for
 * the user in msg.
 */
int net_backend_open(struct net_backend **out, const struct vireo_device *d, char *msg,
		     size_t msglen);

/** Opens user-mode networking (libslirp) with d's forwards; 0 or -errno + msg. */
int net_slirp_open(struct net_backend **out, const struct vireo_device *d, char *msg,
		   size_t msglen);

/** Opens d's TAP interface by name, or takes its TAP fd (dup'd); 0 or -errno + msg. */
int net_tap_open(struct net_backend **out, const struct vireo_device *d, char *msg, size_t msglen);

/** Initialises the common part (called by each backend's open); 0 or -errno. */
int net_backend_init(struct net_backend *be, const struct net_backend_ops *ops);

/** Attaches the client and starts the I/O thread; 0 or -errno. */
int net_backend_start(struct net_backend *be, const struct net_client *client);

/** Wakes the I/O thread to call client->poll; safe from any thread. */
void net_backend_kick(struct net_backend *be);

/**
 * Waits until the I/O thread has run the client's callbacks for every kick made before the call
 * and has no kick pending: frames the backend had ready and device work are done. For tests and
 * fuzzers; not from the I/O thread. Returns at once when the thread is not running or is parked
 * by net_backend_pause (also when it parks during the wait): nothing runs until the resume.
 */
void net_backend_sync(struct net_backend *be);

/** Sends a frame to the network; only on the I/O thread (from a client callback). */
int net_backend_send(struct net_backend *be, const uint8_t *frame, size_t len);

/** Stops and joins the I/O thread (no client callback runs after it); NULL is fine. */
void net_backend_stop(struct net_backend *be);

/** Parks the I/O thread between rounds (pause) or lets it go on; returns once parked. */
void net_backend_pause(struct net_backend *be, bool pause);

/** Stops the I/O thread and frees the backend; NULL is fine. */
void net_backend_destroy(struct net_backend *be);

/** Adds fd to the poll set; returns its index, or -ENOMEM. */
int net_pollset_add(struct net_pollset *ps, int fd, short events);

/** Delivers a received frame to the client if its length is within bounds (I/O thread). */
void net_backend_deliver(struct net_backend *be, const uint8_t *frame, size_t len);

#endif
