/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of virtio-net and its host backends: the device driven through its virtio-mmio
 * registers with real split virtqueues in guest RAM and a fake backend (frames both ways,
 * buffers too small, malformed headers, the bounded receive backlog); the --net spec parser;
 * the libslirp backend alone (DHCP offer, ARP, host port forwarding); the TAP backend in a
 * private network namespace (ARP with the kernel), when the host allows one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/bus.h"
#include "core/vm.h"
#include "cli/args.h"
#include "host/net.h"
#include "virtio/virtio.h"

#define HDR 12u /* struct virtio_net_hdr with VIRTIO_F_VERSION_1 */
#define QSIZE 256u
#define RAM 0x80000000ull
/* Guest RAM layout of the test driver. */
#define RXQ_DESC (RAM + 0x100000)
#define RXQ_AVAIL (RAM + 0x101000)
#define RXQ_USED (RAM + 0x102000)
#define TXQ_DESC (RAM + 0x110000)
#define TXQ_AVAIL (RAM + 0x111000)
#define TXQ_USED (RAM + 0x112000)
#define BUFS (RAM + 0x200000) /* 64 KiB per descriptor slot below */
#define BUF(i) (BUFS + (uint64_t)(i)*0x11000)

/* ---- a fake backend: frames injected by the test, frames sent recorded ---- */

#define FAKE_MAX 512

struct fake_be {
	struct net_backend be;
	pthread_mutex_t lock;
	uint8_t *inject[FAKE_MAX];
	size_t inject_len[FAKE_MAX];
	unsigned ninject;
	unsigned nsent;
	unsigned send_delay_us; /* a slow network: each send takes this long */
	size_t sent_len[FAKE_MAX];
	uint8_t last_sent[NET_FRAME_MAX];
};

/* Opens a backend from a --net spec, through the command line's parser (src/cli/args.c). */
static int spec_open(struct net_backend **be, const char *spec, char *msg, size_t msglen)
{
	struct vireo_device d = {.kind = VIREO_DEV_NET};
	int err = cli_parse_net(spec, &d, msg, msglen);

	*be = NULL;
	return err ? err : net_backend_open(be, &d, msg, msglen);
}

static int fake_fill(struct net_backend *be, struct net_pollset *ps, int *timeout_ms)
{
	(void)be;
	(void)ps;
	(void)timeout_ms;
	return 0;
}

/* Delivers the injected frames on the I/O thread, as a real backend would. */
static void fake_dispatch(struct net_backend *be, const struct net_pollset *ps, bool err)
{
	struct fake_be *f = (struct fake_be *)be;
	uint8_t *frames[FAKE_MAX];
	size_t lens[FAKE_MAX];
	unsigned n;

	(void)ps;
	(void)err;
	/* Take the batch under the lock: the test thread may inject more meanwhile. */
	pthread_mutex_lock(&f->lock);
	n = f->ninject;
	memcpy(frames, f->inject, n * sizeof(frames[0]));
	memcpy(lens, f->inject_len, n * sizeof(lens[0]));
	f->ninject = 0;
	pthread_mutex_unlock(&f->lock);
	for (unsigned i = 0; i < n; i++) {
		net_backend_deliver(be, frames[i], lens[i]);
		free(frames[i]);
	}
}

static int fake_send(struct net_backend *be, const uint8_t *frame, size_t len)
{
	struct fake_be *f = (struct fake_be *)be;

	if (f->send_delay_us)
		usleep(f->send_delay_us);
	pthread_mutex_lock(&f->lock);
	if (f->nsent < FAKE_MAX)
		f->sent_len[f->nsent] = len;
	f->nsent++;
	memcpy(f->last_sent, frame, len);
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static void fake_destroy(struct net_backend *be)
{
	struct fake_be *f = (struct fake_be *)be;

	for (unsigned i = 0; i < f->ninject; i++)
		free(f->inject[i]);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static const struct net_backend_ops fake_ops = {
    .kind = "fake",
    .fill = fake_fill,
    .dispatch = fake_dispatch,
    .send = fake_send,
    .destroy = fake_destroy,
};

static void fake_inject(struct fake_be *f, const uint8_t *frame, size_t len)
{
	pthread_mutex_lock(&f->lock);
	assert_true(f->ninject < FAKE_MAX);
	f->inject[f->ninject] = malloc(len);
	assert_non_null(f->inject[f->ninject]);
	memcpy(f->inject[f->ninject], frame, len);
	f->inject_len[f->ninject++] = len;
	pthread_mutex_unlock(&f->lock);
	net_backend_kick(&f->be);
}

static unsigned fake_nsent(struct fake_be *f)
{
	unsigned n;

	pthread_mutex_lock(&f->lock);
	n = f->nsent;
	pthread_mutex_unlock(&f->lock);
	return n;
}

/* ---- the test's virtio driver ---- */

struct tnet {
	struct vm *vm;
	struct fake_be *fake;
	uint64_t base; /* the device's virtio-mmio window */
	uint16_t rx_avail, tx_avail, rx_seen, tx_seen;
};

static uint32_t rd(struct tnet *t, uint64_t off)
{
	uint64_t v = 0;

	assert_int_equal(bus_read(&t->vm->bus, t->base + off, 4, &v), 0);
	return (uint32_t)v;
}

static void wr(struct tnet *t, uint64_t off, uint32_t v)
{
	assert_int_equal(bus_write(&t->vm->bus, t->base + off, 4, v), 0);
}

static uint8_t *ram(struct tnet *t, uint64_t gpa, uint64_t len)
{
	uint8_t *p = vm_ram_ptr(t->vm, gpa, len);

	if (!p) {
		fail_msg("guest address 0x%llx+%llu is not in RAM", (unsigned long long)gpa,
			 (unsigned long long)len);
		__builtin_unreachable(); /* fail_msg leaves the test by longjmp */
	}
	return p;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static void set_desc(struct tnet *t, uint64_t table, unsigned i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	uint8_t *d = ram(t, table + 16u * i, 16);

	for (int b = 0; b < 8; b++)
		d[b] = (uint8_t)(addr >> (8 * b));
	for (int b = 0; b < 4; b++)
		d[8 + b] = (uint8_t)(len >> (8 * b));
	put16(d + 12, flags);
	put16(d + 14, next);
}

static void queue_setup(struct tnet *t, unsigned q, uint64_t desc, uint64_t avail, uint64_t used)
{
	wr(t, VIRTIO_MMIO_QUEUE_SEL, q);
	assert_int_equal(rd(t, VIRTIO_MMIO_QUEUE_NUM_MAX), QSIZE);
	wr(t, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(t, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(t, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	wr(t, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
	wr(t, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
	wr(t, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
	wr(t, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
	wr(t, VIRTIO_MMIO_QUEUE_READY, 1);
}

/* Builds a VM with one virtio-net on a fake backend and brings the driver up (3.1.1). */
static struct tnet *tnet_new(void)
{
	struct vm_config cfg = {.ram_size = 32ull << 20, .nharts = 1};
	struct tnet *t = calloc(1, sizeof(*t));
	char msg[256] = "";
	uint32_t st;

	assert_non_null(t);
	assert_int_equal(vm_create(&t->vm, &cfg), 0);
	t->fake = calloc(1, sizeof(*t->fake));
	assert_non_null(t->fake);
	assert_int_equal(pthread_mutex_init(&t->fake->lock, NULL), 0);
	assert_int_equal(net_backend_init(&t->fake->be, &fake_ops), 0);
	assert_int_equal(virtio_net_create(t->vm, &t->fake->be, 0, -1, msg, sizeof(msg)), 0);
	for (unsigned s = 0; s < VIRTIO_MMIO_SLOTS && !t->base; s++) {
		t->base = VIRTIO_MMIO_BASE + s * VIRTIO_MMIO_SIZE;
		if (rd(t, VIRTIO_MMIO_DEVICE_ID) != VIRTIO_ID_NET)
			t->base = 0;
	}
	assert_true(t->base != 0);
	wr(t, VIRTIO_MMIO_STATUS, 0);
	wr(t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	/* MAC and STATUS offered; no CSUM (0), GSO or MRG_RXBUF bits. */
	assert_int_equal(rd(t, VIRTIO_MMIO_DEVICE_FEATURES) & ((1u << 5) | (1u << 16)),
			 (1u << 5) | (1u << 16));
	assert_int_equal(rd(t, VIRTIO_MMIO_DEVICE_FEATURES) & ((1u << 0) | (1u << 11) | (1u << 15)),
			 0);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, (1u << 5) | (1u << 16));
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, 1u); /* VIRTIO_F_VERSION_1 */
	wr(t, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	st = rd(t, VIRTIO_MMIO_STATUS);
	assert_true(st & VIRTIO_STATUS_FEATURES_OK);
	queue_setup(t, 0, RXQ_DESC, RXQ_AVAIL, RXQ_USED);
	queue_setup(t, 1, TXQ_DESC, TXQ_AVAIL, TXQ_USED);
	wr(t, VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
	return t;
}

static void tnet_free(struct tnet *t)
{
	vm_destroy(t->vm);
	free(t);
}

/* Makes chain head 'first' of the nsegs descriptors [first, first+nsegs) available on q. */
static void avail_add(struct tnet *t, unsigned q, uint16_t head)
{
	uint64_t avail = q ? TXQ_AVAIL : RXQ_AVAIL;
	uint16_t *idx = q ? &t->tx_avail : &t->rx_avail;

	put16(ram(t, avail + 4 + 2u * (*idx % QSIZE), 2), head);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	(*idx)++;
	put16(ram(t, avail + 2, 2), *idx);
}

/* Posts a receive buffer of len bytes in descriptor slot i (one writable descriptor). */
static void rx_post(struct tnet *t, unsigned i, uint32_t len)
{
	set_desc(t, RXQ_DESC, i, BUF(i), len, VIRTQ_DESC_F_WRITE, 0);
	avail_add(t, 0, (uint16_t)i);
}

static uint16_t used_idx(struct tnet *t, unsigned q)
{
	return __atomic_load_n((uint16_t *)ram(t, (q ? TXQ_USED : RXQ_USED) + 2, 2),
			       __ATOMIC_ACQUIRE);
}

/* Waits (at most 5 s) until the used index of q reaches want; true if it did. */
static bool wait_used(struct tnet *t, unsigned q, uint16_t want)
{
	for (int i = 0; i < 5000; i++) {
		if (used_idx(t, q) == want)
			return true;
		usleep(1000);
	}
	return false;
}

static bool wait_sent(struct tnet *t, unsigned want)
{
	for (int i = 0; i < 5000; i++) {
		if (fake_nsent(t->fake) >= want)
			return true;
		usleep(1000);
	}
	return false;
}

/* Used element n of queue q: *id and *len. */
static void used_elem(struct tnet *t, unsigned q, uint16_t n, uint32_t *id, uint32_t *len)
{
	const uint8_t *e = ram(t, (q ? TXQ_USED : RXQ_USED) + 4 + 8u * (n % QSIZE), 8);

	*id = get32(e);
	*len = get32(e + 4);
}

static void make_frame(uint8_t *f, size_t len, uint8_t seed)
{
	static const uint8_t dst[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x50};

	memcpy(f, dst, 6);
	memset(f + 6, 0x02, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(seed + i);
}

/* ---- device tests ---- */

static void test_config_space(void **state)
{
	struct tnet *t = tnet_new();
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x50};
	uint64_t v;

	(void)state;
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(bus_read(&t->vm->bus, t->base + VIRTIO_MMIO_CONFIG + i, 1, &v), 0);
		assert_int_equal(v, mac[i]);
	}
	/* status: VIRTIO_NET_S_LINK_UP (5.1.4). */
	assert_int_equal(bus_read(&t->vm->bus, t->base + VIRTIO_MMIO_CONFIG + 6, 2, &v), 0);
	assert_int_equal(v, 1);
	tnet_free(t);
}

static void test_rx_good_frame(void **state)
{
	struct tnet *t = tnet_new();
	uint8_t frame[60], *buf;
	uint32_t id, len;

	(void)state;
	rx_post(t, 3, 1526);
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	make_frame(frame, sizeof(frame), 7);
	fake_inject(t->fake, frame, sizeof(frame));
	assert_true(wait_used(t, 0, 1));
	used_elem(t, 0, 0, &id, &len);
	assert_int_equal(id, 3);
	assert_int_equal(len, HDR + sizeof(frame));
	buf = ram(t, BUF(3), HDR + sizeof(frame));
	/* flags, gso_type 0; num_buffers 1 without MRG_RXBUF (5.1.6.4). */
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], 0);
	assert_int_equal(get16(buf + 10), 1);
	assert_memory_equal(buf + HDR, frame, sizeof(frame));
	assert_true(rd(t, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_VRING);
	tnet_free(t);
}

/* Header and frame in separate writable descriptors (what legacy-minded drivers do). */
static void test_rx_split_buffer(void **state)
{
	struct tnet *t = tnet_new();
	uint8_t frame[100];
	uint32_t id, len;

	(void)state;
	set_desc(t, RXQ_DESC, 0, BUF(0), HDR, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(t, RXQ_DESC, 1, BUF(1), 40, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	set_desc(t, RXQ_DESC, 2, BUF(2), 2000, VIRTQ_DESC_F_WRITE, 0);
	avail_add(t, 0, 0);
	make_frame(frame, sizeof(frame), 1);
	fake_inject(t->fake, frame, sizeof(frame));
	assert_true(wait_used(t, 0, 1));
	used_elem(t, 0, 0, &id, &len);
	assert_int_equal(id, 0);
	assert_int_equal(len, HDR + sizeof(frame));
	assert_int_equal(get16(ram(t, BUF(0) + 10, 2)), 1);
	assert_memory_equal(ram(t, BUF(1), 40), frame, 40);
	assert_memory_equal(ram(t, BUF(2), 60), frame + 40, 60);
	tnet_free(t);
}

/* A buffer too small for header + frame comes back empty; the next good one works. */
static void test_rx_short_buffer(void **state)
{
	struct tnet *t = tnet_new();
	uint8_t frame[200];
	uint32_t id, len;

	(void)state;
	rx_post(t, 0, HDR + 100);
	rx_post(t, 1, 8); /* not even a header */
	rx_post(t, 2, 2048);
	make_frame(frame, sizeof(frame), 3);
	fake_inject(t->fake, frame, sizeof(frame));
	assert_true(wait_used(t, 0, 1));
	used_elem(t, 0, 0, &id, &len);
	assert_int_equal(id, 0);
	assert_int_equal(len, 0);
	fake_inject(t->fake, frame, sizeof(frame));
	assert_true(wait_used(t, 0, 2));
	used_elem(t, 0, 1, &id, &len);
	assert_int_equal(id, 1);
	assert_int_equal(len, 0);
	fake_inject(t->fake, frame, sizeof(frame));
	assert_true(wait_used(t, 0, 3));
	used_elem(t, 0, 2, &id, &len);
	assert_int_equal(id, 2);
	assert_int_equal(len, HDR + sizeof(frame));
	assert_memory_equal(ram(t, BUF(2) + HDR, sizeof(frame)), frame, sizeof(frame));
	tnet_free(t);
}

/*
 * Frames that arrive while the guest has no buffers wait, in order, up to the bound; the
 * guest's notify after adding buffers lets them in. Runts never reach the device.
 */
static void test_rx_backlog(void **state)
{
	struct tnet *t = tnet_new();
	uint8_t frame[64];
	uint32_t id, len;

	(void)state;
	for (unsigned i = 0; i < 200; i++) {
		make_frame(frame, sizeof(frame), (uint8_t)i);
		fake_inject(t->fake, frame, sizeof(frame));
	}
	fake_inject(t->fake, frame, 10); /* runt: dropped by the backend layer */
	usleep(100 * 1000);
	assert_int_equal(used_idx(t, 0), 0);
	for (unsigned i = 0; i < 200; i++)
		rx_post(t, i, 1526);
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	/* 128 frames were kept (NET_RX_PENDING_MAX), the first ones, in order. */
	assert_true(wait_used(t, 0, 128));
	usleep(100 * 1000);
	assert_int_equal(used_idx(t, 0), 128);
	for (uint16_t n = 0; n < 128; n++) {
		used_elem(t, 0, n, &id, &len);
		assert_int_equal(id, n);
		assert_int_equal(len, HDR + sizeof(frame));
		make_frame(frame, sizeof(frame), (uint8_t)n);
		assert_memory_equal(ram(t, BUF(n) + HDR, sizeof(frame)), frame, sizeof(frame));
	}
	/* Buffers left over take new frames at once. */
	make_frame(frame, sizeof(frame), 99);
	fake_inject(t->fake, frame, sizeof(frame));
	assert_true(wait_used(t, 0, 129));
	tnet_free(t);
}

/* Sends one TX chain of descriptors [first, first+n) set up by the caller. */
static void tx_kick(struct tnet *t, uint16_t head)
{
	avail_add(t, 1, head);
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
}

static void tx_hdr(struct tnet *t, unsigned slot, uint8_t flags, uint8_t gso)
{
	uint8_t *h = ram(t, BUF(slot), HDR);

	memset(h, 0, HDR);
	h[0] = flags;
	h[1] = gso;
}

static void test_tx_good_frames(void **state)
{
	struct tnet *t = tnet_new();
	uint8_t frame[1514];
	uint32_t id, len;

	(void)state;
	/* One descriptor: header + frame. */
	make_frame(frame, sizeof(frame), 5);
	tx_hdr(t, 0, 0, 0);
	memcpy(ram(t, BUF(0) + HDR, sizeof(frame)), frame, sizeof(frame));
	set_desc(t, TXQ_DESC, 0, BUF(0), HDR + sizeof(frame), 0, 0);
	tx_kick(t, 0);
	assert_true(wait_used(t, 1, 1));
	assert_int_equal(fake_nsent(t->fake), 1);
	assert_int_equal(t->fake->sent_len[0], sizeof(frame));
	assert_memory_equal(t->fake->last_sent, frame, sizeof(frame));
	used_elem(t, 1, 0, &id, &len);
	assert_int_equal(id, 0);
	assert_int_equal(len, 0);
	assert_true(rd(t, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_VRING);

	/* Header split over two descriptors, frame over two more. */
	make_frame(frame, 100, 9);
	tx_hdr(t, 1, 0x2 /* DATA_VALID: ignored */, 0);
	memcpy(ram(t, BUF(3), 30), frame, 30);
	memcpy(ram(t, BUF(4), 70), frame + 30, 70);
	set_desc(t, TXQ_DESC, 1, BUF(1), 5, VIRTQ_DESC_F_NEXT, 2);
	set_desc(t, TXQ_DESC, 2, BUF(1) + 5, HDR - 5, VIRTQ_DESC_F_NEXT, 3);
	set_desc(t, TXQ_DESC, 3, BUF(3), 30, VIRTQ_DESC_F_NEXT, 4);
	set_desc(t, TXQ_DESC, 4, BUF(4), 70, 0, 0);
	tx_kick(t, 1);
	assert_true(wait_used(t, 1, 2));
	assert_int_equal(fake_nsent(t->fake), 2);
	assert_int_equal(t->fake->sent_len[1], 100);
	assert_memory_equal(t->fake->last_sent, frame, 100);
	tnet_free(t);
}

/*
 * virtio_mmio_sync returns once the backend's I/O thread has done all it was kicked for: 64
 * frames sent on a slow network and an injected frame received are all in the used rings
 * right after it.
 */
static void test_sync(void **state)
{
	struct tnet *t = tnet_new();
	uint8_t frame[1514];

	(void)state;
	t->fake->send_delay_us = 200;
	make_frame(frame, sizeof(frame), 3);
	for (unsigned i = 0; i < 64; i++) {
		tx_hdr(t, i, 0, 0);
		memcpy(ram(t, BUF(i) + HDR, sizeof(frame)), frame, sizeof(frame));
		set_desc(t, TXQ_DESC, i, BUF(i), HDR + sizeof(frame), 0, 0);
		avail_add(t, 1, (uint16_t)i);
	}
	rx_post(t, 100, 1526);
	fake_inject(t->fake, frame, 60);
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	virtio_mmio_sync(t->vm);
	assert_int_equal(used_idx(t, 1), 64);
	assert_int_equal(fake_nsent(t->fake), 64);
	assert_int_equal(used_idx(t, 0), 1);
	virtio_mmio_sync(t->vm); /* an idle device answers at once */
	tnet_free(t);
}

/* A sync while the NIC is quiesced returns at once; the frame goes out after the release. */
static void test_sync_paused(void **state)
{
	struct tnet *t = tnet_new();
	uint8_t frame[100];

	(void)state;
	make_frame(frame, sizeof(frame), 4);
	tx_hdr(t, 0, 0, 0);
	memcpy(ram(t, BUF(0) + HDR, sizeof(frame)), frame, sizeof(frame));
	set_desc(t, TXQ_DESC, 0, BUF(0), HDR + sizeof(frame), 0, 0);
	virtio_mmio_quiesce(t->vm, true);
	avail_add(t, 1, 0);
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	virtio_mmio_sync(t->vm);
	assert_int_equal(used_idx(t, 1), 0);
	assert_int_equal(fake_nsent(t->fake), 0);
	virtio_mmio_quiesce(t->vm, false);
	virtio_mmio_sync(t->vm);
	assert_int_equal(used_idx(t, 1), 1);
	assert_int_equal(fake_nsent(t->fake), 1);
	tnet_free(t);
}

/* Bad chains are returned to the driver but nothing reaches the network. */
static void test_tx_malformed(void **state)
{
	struct tnet *t = tnet_new();
	uint8_t frame[200];
	uint16_t n = 0;

	(void)state;
	make_frame(frame, sizeof(frame), 2);
	/* NEEDS_CSUM without VIRTIO_NET_F_CSUM. */
	tx_hdr(t, 0, 1, 0);
	memcpy(ram(t, BUF(0) + HDR, sizeof(frame)), frame, sizeof(frame));
	set_desc(t, TXQ_DESC, 0, BUF(0), HDR + sizeof(frame), 0, 0);
	tx_kick(t, 0);
	/* GSO TCPv4 without HOST_TSO4. */
	tx_hdr(t, 1, 0, 1);
	memcpy(ram(t, BUF(1) + HDR, sizeof(frame)), frame, sizeof(frame));
	set_desc(t, TXQ_DESC, 1, BUF(1), HDR + sizeof(frame), 0, 0);
	tx_kick(t, 1);
	/* Shorter than a header. */
	set_desc(t, TXQ_DESC, 2, BUF(2), 8, 0, 0);
	tx_kick(t, 2);
	/* A header and a runt of 10 bytes. */
	tx_hdr(t, 3, 0, 0);
	set_desc(t, TXQ_DESC, 3, BUF(3), HDR + 10, 0, 0);
	tx_kick(t, 3);
	/* Larger than NET_FRAME_MAX. */
	tx_hdr(t, 4, 0, 0);
	set_desc(t, TXQ_DESC, 4, BUF(4), HDR + NET_FRAME_MAX + 1, 0, 0);
	tx_kick(t, 4);
	/* Only device-writable buffers: nothing to send. */
	set_desc(t, TXQ_DESC, 5, BUF(5), 1000, VIRTQ_DESC_F_WRITE, 0);
	tx_kick(t, 5);
	n = 6;
	assert_true(wait_used(t, 1, n));
	assert_int_equal(fake_nsent(t->fake), 0);
	/* The device still works: a good frame after them goes out. */
	tx_hdr(t, 6, 0, 0);
	memcpy(ram(t, BUF(6) + HDR, sizeof(frame)), frame, sizeof(frame));
	set_desc(t, TXQ_DESC, 6, BUF(6), HDR + sizeof(frame), 0, 0);
	tx_kick(t, 6);
	assert_true(wait_sent(t, 1));
	assert_true(wait_used(t, 1, n + 1));
	assert_memory_equal(t->fake->last_sent, frame, sizeof(frame));
	assert_false(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	tnet_free(t);
}

/* A device reset drops the backlog; frames before DRIVER_OK are not delivered later. */
static void test_reset_drops_backlog(void **state)
{
	struct tnet *t = tnet_new();
	uint8_t frame[64];

	(void)state;
	make_frame(frame, sizeof(frame), 1);
	fake_inject(t->fake, frame, sizeof(frame));
	usleep(50 * 1000);
	wr(t, VIRTIO_MMIO_STATUS, 0);
	fake_inject(t->fake, frame, sizeof(frame)); /* no driver: dropped */
	usleep(50 * 1000);
	/* Bring the driver back up with fresh rings and one buffer. */
	memset(ram(t, RXQ_AVAIL, 0x2000), 0, 0x2000);
	memset(ram(t, TXQ_AVAIL, 0x2000), 0, 0x2000);
	t->rx_avail = t->tx_avail = 0;
	wr(t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, 1u);
	wr(t, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	queue_setup(t, 0, RXQ_DESC, RXQ_AVAIL, RXQ_USED);
	queue_setup(t, 1, TXQ_DESC, TXQ_AVAIL, TXQ_USED);
	rx_post(t, 0, 1526);
	wr(t, VIRTIO_MMIO_STATUS, rd(t, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	usleep(100 * 1000);
	assert_int_equal(used_idx(t, 0), 0);
	make_frame(frame, sizeof(frame), 42);
	fake_inject(t->fake, frame, sizeof(frame));
	assert_true(wait_used(t, 0, 1));
	assert_memory_equal(ram(t, BUF(0) + HDR, sizeof(frame)), frame, sizeof(frame));
	tnet_free(t);
}

/* ---- --net spec parsing ---- */

static void expect_bad_spec(const char *spec, const char *what)
{
	struct net_backend *be = (struct net_backend *)1;
	char msg[256] = "";

	assert_int_equal(spec_open(&be, spec, msg, sizeof(msg)), -EINVAL);
	assert_null(be);
	if (!strstr(msg, what))
		fail_msg("spec '%s': message '%s' lacks '%s'", spec, msg, what);
}

static void test_bad_specs(void **state)
{
	(void)state;
	expect_bad_spec("bogus", "unknown network backend");
	expect_bad_spec("", "unknown network backend");
	expect_bad_spec("user,foo=1", "unknown user network option");
	expect_bad_spec("user,hostfwd=tcp:2222-:22", "bad hostfwd");
	expect_bad_spec("user,hostfwd=tcp::2222", "bad hostfwd");
	expect_bad_spec("user,hostfwd=sctp::2222-:22", "bad hostfwd");
	expect_bad_spec("user,hostfwd=tcp::0-:22", "bad hostfwd");
	expect_bad_spec("user,hostfwd=tcp::70000-:22", "bad hostfwd");
	expect_bad_spec("user,hostfwd=tcp::2222-:22x", "bad hostfwd");
	expect_bad_spec("user,hostfwd=tcp:1.2.3:2222-:22", "bad hostfwd");
	expect_bad_spec("user,hostfwd=tcp::2222-10.0.3.15:22", "guest address must be in");
	expect_bad_spec("user,host-loopback=yes", "unknown user network option");
	expect_bad_spec("user,host-loopback", "unknown user network option");
	expect_bad_spec("tap", "tap needs ifname");
	expect_bad_spec("tap,ifname=", "bad interface name");
	expect_bad_spec("tap,ifname=waytoolongname0123", "bad interface name");
	expect_bad_spec("tap,mode=x", "unknown tap option");
}

/* ---- the slirp backend alone ---- */

/* Collects frames the backend delivers; the test thread sends through the poll hook. */
struct collector {
	pthread_mutex_t lock;
	struct net_backend *be;
	uint8_t out[2048];
	size_t out_len; /* a frame for the I/O thread to send, 0 = none */
	uint8_t got[16][2048];
	size_t got_len[16];
	unsigned ngot;
};

static void col_receive(void *opaque, const uint8_t *frame, size_t len)
{
	struct collector *c = opaque;

	pthread_mutex_lock(&c->lock);
	if (c->ngot < 16 && len <= sizeof(c->got[0])) {
		memcpy(c->got[c->ngot], frame, len);
		c->got_len[c->ngot++] = len;
	}
	pthread_mutex_unlock(&c->lock);
}

static void col_poll(void *opaque)
{
	struct collector *c = opaque;
	uint8_t f[2048];
	size_t len;

	pthread_mutex_lock(&c->lock);
	len = c->out_len;
	memcpy(f, c->out, len);
	c->out_len = 0;
	pthread_mutex_unlock(&c->lock);
	if (len)
		assert_int_equal(net_backend_send(c->be, f, len), 0);
}

static void col_send(struct collector *c, const uint8_t *f, size_t len)
{
	pthread_mutex_lock(&c->lock);
	memcpy(c->out, f, len);
	c->out_len = len;
	pthread_mutex_unlock(&c->lock);
	net_backend_kick(c->be);
}

/* Waits up to 5 s for a frame accepted by match; copies it to out and returns its length. */
static size_t col_wait(struct collector *c, bool (*match)(const uint8_t *, size_t), uint8_t *out)
{
	for (int i = 0; i < 5000; i++) {
		pthread_mutex_lock(&c->lock);
		for (unsigned k = 0; k < c->ngot; k++) {
			if (match(c->got[k], c->got_len[k])) {
				size_t len = c->got_len[k];

				memcpy(out, c->got[k], len);
				pthread_mutex_unlock(&c->lock);
				return len;
			}
		}
		pthread_mutex_unlock(&c->lock);
		usleep(1000);
	}
	return 0;
}

static const uint8_t guest_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static uint16_t ip_csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A DHCPDISCOVER (RFC 2131) from guest_mac: Ethernet + IPv4 + UDP 68->67 + BOOTP. */
static size_t dhcp_discover(uint8_t *f)
{
	uint8_t *ip = f + 14, *udp = ip + 20, *bootp = udp + 8;
	size_t blen = 240 + 4, ulen = 8 + blen, ilen = 20 + ulen;
	uint16_t c;

	memset(f, 0, 14 + ilen);
	memset(f, 0xff, 6);
	memcpy(f + 6, guest_mac, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(ilen >> 8);
	ip[3] = (uint8_t)ilen;
	ip[8] = 64;
	ip[9] = 17;
	memset(ip + 16, 0xff, 4);
	c = ip_csum(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	udp[1] = 68;
	udp[3] = 67;
	udp[4] = (uint8_t)(ulen >> 8);
	udp[5] = (uint8_t)ulen; /* checksum 0: none (RFC 768) */
	bootp[0] = 1;		/* BOOTREQUEST */
	bootp[1] = 1;		/* Ethernet */
	bootp[2] = 6;
	bootp[4] = 0x12; /* xid */
	memcpy(bootp + 28, guest_mac, 6);
	bootp[236] = 99; /* magic cookie */
	bootp[237] = 130;
	bootp[238] = 83;
	bootp[239] = 99;
	bootp[240] = 53; /* DHCP message type */
	bootp[241] = 1;
	bootp[242] = 1; /* DISCOVER */
	bootp[243] = 255;
	return 14 + ilen;
}

static bool is_dhcp_offer(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14, *udp = ip + 20, *bootp = udp + 8;

	if (len < 14 + 20 + 8 + 244 || f[12] != 0x08 || f[13] != 0 || ip[9] != 17)
		return false;
	if (get16(udp) != 0x4300 || get16(udp + 2) != 0x4400) /* ports 67 -> 68, big endian */
		return false;
	/* yiaddr 10.0.2.15; option 53 = 2 (OFFER) comes first in slirp's reply. */
	return bootp[0] == 2 && memcmp(bootp + 16, "\x0a\x00\x02\x0f", 4) == 0 &&
	       bootp[240] == 53 && bootp[242] == 2;
}

static struct collector *col_start(struct net_backend *be)
{
	struct collector *c = calloc(1, sizeof(*c));
	struct net_client cl = {.receive = col_receive, .poll = col_poll};

	assert_non_null(c);
	assert_int_equal(pthread_mutex_init(&c->lock, NULL), 0);
	c->be = be;
	cl.opaque = c;
	assert_int_equal(net_backend_start(be, &cl), 0);
	return c;
}

static void test_slirp_dhcp(void **state)
{
	struct net_backend *be;
	struct collector *c;
	char msg[256] = "";
	uint8_t f[2048];
	size_t len;

	(void)state;
	assert_int_equal(spec_open(&be, "user", msg, sizeof(msg)), 0);
	c = col_start(be);
	len = dhcp_discover(f);
	col_send(c, f, len);
	len = col_wait(c, is_dhcp_offer, f);
	assert_true(len > 0);
	/* To the guest's MAC or broadcast, from the virtual host/DHCP server 10.0.2.2. */
	assert_true(memcmp(f, guest_mac, 6) == 0 || memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) == 0);
	assert_memory_equal(f + 14 + 12, "\x0a\x00\x02\x02", 4);
	net_backend_destroy(be);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static bool is_arp_or_syn_to_guest(const uint8_t *f, size_t len)
{
	/* slirp first resolves 10.0.2.15 (ARP request) or, if known, sends the SYN at once. */
	if (len >= 42 && f[12] == 0x08 && f[13] == 0x06)
		return memcmp(f + 38, "\x0a\x00\x02\x0f", 4) == 0;
	if (len >= 54 && f[12] == 0x08 && f[13] == 0x00 && f[14 + 9] == 6)
		return memcmp(f + 30, "\x0a\x00\x02\x0f", 4) == 0 && get16(f + 36) == 0x1600;
	return false;
}

/* A free TCP port on 127.0.0.1 (the kernel's pick). */
static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
	port = ntohs(a.sin_port);
	close(s);
	return port;
}

/* hostfwd: a host client's connection reaches the guest side as traffic for 10.0.2.15:22. */
static void test_slirp_hostfwd(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct net_backend *be, *be2;
	struct collector *c;
	char spec[128], msg[256] = "";
	uint8_t f[2048];
	int port = free_port(), s;

	(void)state;
	snprintf(spec, sizeof(spec), "user,hostfwd=tcp:127.0.0.1:%d-:22,hostfwd=udp::%d-:53", port,
		 port);
	assert_int_equal(spec_open(&be, spec, msg, sizeof(msg)), 0);
	/* The same port again: a clear error. */
	snprintf(spec, sizeof(spec), "user,hostfwd=tcp:127.0.0.1:%d-:22", port);
	assert_true(spec_open(&be2, spec, msg, sizeof(msg)) < 0);
	assert_non_null(strstr(msg, "cannot listen on host TCP port"));
	c = col_start(be);
	s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	a.sin_port = htons((uint16_t)port);
	assert_int_equal(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_true(col_wait(c, is_arp_or_syn_to_guest, f) > 0);
	close(s);
	net_backend_destroy(be);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* A TCP SYN from the guest (10.0.2.15:40000) to dst:dport, checksums included (RFC 793). */
static size_t tcp_syn(uint8_t *f, const char *dst, uint16_t dport)
{
	uint8_t *ip = f + 14, *tcp = ip + 20, pseudo[12 + 20];
	uint16_t c;

	memset(f, 0, 14 + 40);
	memcpy(f, "\x52\x55\x0a\x00\x02\x02", 6); /* slirp's MAC for 10.0.2.2 */
	memcpy(f + 6, guest_mac, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 40;
	ip[8] = 64;
	ip[9] = 6;
	inet_pton(AF_INET, "10.0.2.15", ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	c = ip_csum(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	tcp[0] = 40000 >> 8;
	tcp[1] = 40000 & 0xff;
	tcp[2] = (uint8_t)(dport >> 8);
	tcp[3] = (uint8_t)dport;
	tcp[7] = 1;	  /* seq */
	tcp[12] = 5 << 4; /* header length 20 */
	tcp[13] = 0x02;	  /* SYN */
	tcp[14] = tcp[15] = 0xff;
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 6;
	pseudo[10] = 0;
	pseudo[11] = 20;
	memcpy(pseudo + 12, tcp, 20);
	c = ip_csum(pseudo, sizeof(pseudo));
	tcp[16] = (uint8_t)(c >> 8);
	tcp[17] = (uint8_t)c;
	return 14 + 40;
}

/* Does a guest SYN to dst reach a listener on the host's 127.0.0.1 within ms milliseconds? */
static bool guest_reaches_loopback(const char *spec, const char *dst, int ms)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	struct net_backend *be;
	struct collector *c;
	char msg[256] = "";
	uint8_t f[128];
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), s = -1;

	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &al), 0);
	assert_int_equal(spec_open(&be, spec, msg, sizeof(msg)), 0);
	c = col_start(be);
	col_send(c, f, tcp_syn(f, dst, ntohs(a.sin_port)));
	for (int i = 0; i < ms && s < 0; i++) {
		s = accept(l, NULL, NULL);
		if (s < 0)
			usleep(1000);
	}
	net_backend_destroy(be);
	pthread_mutex_destroy(&c->lock);
	free(c);
	if (s >= 0)
		close(s);
	close(l);
	return s >= 0;
}

/*
 * The guest is hostile: by default 10.0.2.2 does not lead to the host's loopback services,
 * nor does 127.0.0.1 itself; host-loopback=on opts in (QEMU's behaviour).
 */
static void test_slirp_host_loopback(void **state)
{
	(void)state;
	assert_true(guest_reaches_loopback("user,host-loopback=on", "10.0.2.2", 5000));
	assert_false(guest_reaches_loopback("user", "10.0.2.2", 500));
	assert_false(guest_reaches_loopback("user,host-loopback=off", "10.0.2.2", 500));
	assert_false(guest_reaches_loopback("user", "127.0.0.1", 500));
	assert_false(guest_reaches_loopback("user", "0.0.0.0", 500));
}

/* A hostfwd without a host address listens on 127.0.0.1 only, not on every interface. */
static void test_slirp_hostfwd_default_addr(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct net_backend *be;
	char spec[128], msg[256] = "";
	int port = free_port(), s;

	(void)state;
	snprintf(spec, sizeof(spec), "user,hostfwd=tcp::%d-:22", port);
	assert_int_equal(spec_open(&be, spec, msg, sizeof(msg)), 0);
	/* 127.0.0.2:port is free only if slirp did not take the wildcard address. */
	s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	inet_pton(AF_INET, "127.0.0.2", &a.sin_addr);
	a.sin_port = htons((uint16_t)port);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	close(s);
	/* ... and 127.0.0.1:port is taken by the forward. */
	s = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_not_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	close(s);
	net_backend_destroy(be);
}

/* ---- the TAP backend, in a private network namespace ---- */

static bool is_arp_reply(const uint8_t *f, size_t len)
{
	return len >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[20] == 0 && f[21] == 2 &&
	       memcmp(f + 28, "\xc0\x00\x02\x01", 4) == 0;
}

/* Child process body: 0 pass, 1 fail, 77 skip. */
static int tap_child(void)
{
	struct ifreq ifr = {0};
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	struct net_backend *be;
	struct collector *c;
	char msg[256] = "";
	uint8_t f[64] = {0}, got[2048];
	int s, err;

	if (unshare(CLONE_NEWNET) < 0)
		return 77; /* no privilege for a namespace: skip */
	err = spec_open(&be, "tap,ifname=vireotap0", msg, sizeof(msg));
	if (err == -ENOENT)
		return 77; /* no /dev/net/tun here */
	if (err) {
		fprintf(stderr, "tap open: %s\n", msg);
		return 1;
	}
	/* Give the tap 192.0.2.1/24 (TEST-NET-1) and bring it up, all inside the namespace. */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "vireotap0");
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", &sin->sin_addr);
	if (s < 0 || ioctl(s, SIOCSIFADDR, &ifr) < 0)
		return 1;
	inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return 1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return 1;
	close(s);
	c = col_start(be);
	/* "Who has 192.0.2.1? Tell 192.0.2.15" from the guest's MAC. */
	memset(f, 0xff, 6);
	memcpy(f + 6, guest_mac, 6);
	memcpy(f + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01", 10);
	memcpy(f + 22, guest_mac, 6);
	memcpy(f + 28, "\xc0\x00\x02\x0f", 4);
	memcpy(f + 38, "\xc0\x00\x02\x01", 4);
	for (int i = 0; i < 5; i++) {
		col_send(c, f, 60);
		if (col_wait(c, is_arp_reply, got) > 0) {
			net_backend_destroy(be);
			return memcmp(got, guest_mac, 6) == 0 ? 0 : 1;
		}
	}
	fprintf(stderr, "tap: no ARP reply from the kernel\n");
	return 1;
}

static void test_tap_arp(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(tap_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Without CAP_NET_ADMIN the error says what is missing: tried as user nobody. */
static int tap_noperm_child(void)
{
	struct net_backend *be;
	char msg[512] = "";
	int err;

	if (setgid(65534) < 0 || setuid(65534) < 0)
		return 77;
	err = spec_open(&be, "tap,ifname=vireonope0", msg, sizeof(msg));
	if (err == -ENOENT)
		return 77; /* no /dev/net/tun here */
	/* EACCES: /dev/net/tun is root-only here; EPERM: TUNSETIFF refused. */
	if ((err != -EPERM && err != -EACCES) || !strstr(msg, "CAP_NET_ADMIN")) {
		fprintf(stderr, "tap as nobody: %d '%s'\n", err, msg);
		return 1;
	}
	return 0;
}

static void test_tap_no_permission(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(tap_noperm_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Device state: the MAC and link status round-trip; a bad MAC or status is refused. */
static void test_state(void **state)
{
	struct tnet *t = tnet_new(), *u = tnet_new();
	struct virtio_dev *vt =
	    virtio_mmio_dev(t->vm, (unsigned)((t->base - VIRTIO_MMIO_BASE) >> 12));
	struct virtio_dev *vu =
	    virtio_mmio_dev(u->vm, (unsigned)((u->base - VIRTIO_MMIO_BASE) >> 12));
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x50};
	struct virtio_net_state s1, s2, bad;
	uint64_t v;

	(void)state;
	virtio_mmio_quiesce(t->vm, true);
	assert_int_equal(virtio_net_save(vt, &s1), 0);
	virtio_mmio_quiesce(t->vm, false);
	assert_memory_equal(s1.mac, mac, 6);
	assert_int_equal(s1.status, 1);
	s1.mac[5] = 0x77; /* e.g. a clone's new identity */
	assert_int_equal(virtio_net_load(vu, &s1), 0);
	assert_int_equal(virtio_net_save(vu, &s2), 0);
	assert_memory_equal(&s1, &s2, sizeof(s1));
	assert_int_equal(bus_read(&u->vm->bus, u->base + VIRTIO_MMIO_CONFIG + 5, 1, &v), 0);
	assert_int_equal(v, 0x77);
	bad = s1;
	bad.mac[0] |= 1; /* multicast */
	assert_int_equal(virtio_net_load(vu, &bad), -EINVAL);
	memset(bad.mac, 0, sizeof(bad.mac));
	assert_int_equal(virtio_net_load(vu, &bad), -EINVAL);
	bad = s1;
	bad.status = 0;
	assert_int_equal(virtio_net_load(vu, &bad), -EINVAL);
	bad.status = 3;
	assert_int_equal(virtio_net_load(vu, &bad), -EINVAL);
	assert_int_equal(virtio_net_save(vu, &s2), 0);
	assert_memory_equal(&s1, &s2, sizeof(s1));
	tnet_free(t);
	tnet_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_space),
	    cmocka_unit_test(test_state),
	    cmocka_unit_test(test_rx_good_frame),
	    cmocka_unit_test(test_rx_split_buffer),
	    cmocka_unit_test(test_rx_short_buffer),
	    cmocka_unit_test(test_rx_backlog),
	    cmocka_unit_test(test_tx_good_frames),
	    cmocka_unit_test(test_sync),
	    cmocka_unit_test(test_sync_paused),
	    cmocka_unit_test(test_tx_malformed),
	    cmocka_unit_test(test_reset_drops_backlog),
	    cmocka_unit_test(test_bad_specs),
	    cmocka_unit_test(test_slirp_dhcp),
	    cmocka_unit_test(test_slirp_hostfwd),
	    cmocka_unit_test(test_slirp_host_loopback),
	    cmocka_unit_test(test_slirp_hostfwd_default_addr),
	    cmocka_unit_test(test_tap_arp),
	    cmocka_unit_test(test_tap_no_permission),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
