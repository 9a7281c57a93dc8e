/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User-mode networking through libslirp: the guest sits on 10.0.2.0/24 behind a NAT, with the
 * host at 10.0.2.2, a DNS forwarder at 10.0.2.3 and DHCP handing out 10.0.2.15 (the addresses
 * of QEMU's -netdev user, so guest setups carry over). No privileges are needed. All slirp
 * calls happen on the backend's I/O thread, except slirp_new/slirp_add_hostfwd before it runs.
 *
 * The guest is hostile by assumption, so two defaults differ from QEMU's: 10.0.2.2 does not
 * lead to the host's loopback services (host-loopback=on restores it), and a hostfwd without
 * a host address listens on 127.0.0.1 only, not on every interface.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libslirp.h>

#include "core/clock.h"
#include "core/vm.h"
#include "host/net.h"
#include "vireo/vireo.h"

/* Guest-visible addresses (QEMU's defaults for -netdev user). */
#define SLIRP_NET "10.0.2.0"
#define SLIRP_MASK "255.255.255.0"
#define SLIRP_HOST "10.0.2.2"
#define SLIRP_DNS "10.0.2.3"
#define SLIRP_DHCP_START "10.0.2.15"

/* How many guest-error messages to print before going quiet (the guest controls them). */
#define SLIRP_GUEST_ERROR_MAX 10

struct slirp_timer {
	SlirpTimerCb cb;
	void *cb_opaque;
	int64_t expire_ms; /* -1: not armed */
	struct slirp_timer *next;
};

struct net_slirp {
	struct net_backend be; /* first: net_backend pointers are net_slirp pointers */
	Slirp *slirp;
	struct slirp_timer *timers;
	unsigned guest_errors;
	bool host_loopback; /* host-loopback=on: the guest may reach the host's 127.0.0.1 */
};

static struct net_slirp *to_slirp(struct net_backend *be)
{
	return (struct net_slirp *)be;
}

static int64_t slirp_now_ns(void)
{
	return (int64_t)clock_ns(CLOCK_MONOTONIC);
}

static ssize_t slirp_cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct net_slirp *s = opaque;

	net_backend_deliver(&s->be, buf, len);
	return (ssize_t)len;
}

static void slirp_cb_guest_error(const char *msg, void *opaque)
{
	struct net_slirp *s = opaque;

	if (s->guest_errors++ < SLIRP_GUEST_ERROR_MAX)
		vm_log(s->be.vm, VIREO_LOG_WARN, "user network: guest error: %s", msg);
}

static int64_t slirp_cb_clock_get_ns(void *opaque)
{
	(void)opaque;
	return slirp_now_ns();
}

static void *slirp_cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct net_slirp *s = opaque;
	struct slirp_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cb = cb;
	t->cb_opaque = cb_opaque;
	t->expire_ms = -1;
	t->next = s->timers;
	s->timers = t;
	return t;
}

static void slirp_cb_timer_free(void *timer, void *opaque)
{
	struct net_slirp *s = opaque;

	for (struct slirp_timer **p = &s->timers; *p; p = &(*p)->next) {
		if (*p == timer) {
			*p = (*p)->next;
			free(timer);
			return;
		}
	}
}

static void slirp_cb_timer_mod(void *timer, int64_t expire_time, void *opaque)
{
	struct slirp_timer *t = timer;

	(void)opaque;
	if (t)
		t->expire_ms = expire_time;
}

/* Sockets are polled afresh each round (slirp_pollfds_fill), so nothing to keep here. */
static void slirp_cb_register_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void slirp_cb_unregister_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void slirp_cb_notify(void *opaque)
{
	struct net_slirp *s = opaque;

	net_backend_kick(&s->be);
}

static const SlirpCb slirp_callbacks = {
    .send_packet = slirp_cb_send_packet,
    .guest_error = slirp_cb_guest_error,
    .clock_get_ns = slirp_cb_clock_get_ns,
    .timer_new = slirp_cb_timer_new,
    .timer_free = slirp_cb_timer_free,
    .timer_mod = slirp_cb_timer_mod,
    .register_poll_fd = slirp_cb_register_poll_fd,
    .unregister_poll_fd = slirp_cb_unregister_poll_fd,
    .notify = slirp_cb_notify,
};

static int slirp_add_poll(int fd, int events, void *opaque)
{
	struct net_pollset *ps = opaque;
	short ev = 0;

	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	/* A failed add leaves the socket out of this round; it is retried next round. */
	return net_pollset_add(ps, fd, ev);
}

static int slirp_get_revents(int idx, void *opaque)
{
	const struct net_pollset *ps = opaque;
	short rev;
	int ev = 0;

	if (idx < 0 || idx >= ps->count)
		return 0;
	rev = ps->fds[idx].revents;
	if (rev & POLLIN)
		ev |= SLIRP_POLL_IN;
	if (rev & POLLOUT)
		ev |= SLIRP_POLL_OUT;
	if (rev & POLLPRI)
		ev |= SLIRP_POLL_PRI;
	if (rev & (POLLERR | POLLNVAL))
		ev |= SLIRP_POLL_ERR;
	if (rev & POLLHUP)
		ev |= SLIRP_POLL_HUP;
	return ev;
}

static int net_slirp_fill(struct net_backend *be, struct net_pollset *ps, int *timeout_ms)
{
	struct net_slirp *s = to_slirp(be);
	int64_t now = slirp_now_ns() / 1000000;
	uint32_t timeout = *timeout_ms < 0 ? UINT32_MAX : (uint32_t)*timeout_ms;

	for (struct slirp_timer *t = s->timers; t; t = t->next) {
		if (t->expire_ms < 0)
			continue;
		if (t->expire_ms <= now)
			timeout = 0;
		else if ((uint64_t)(t->expire_ms - now) < timeout)
			timeout = (uint32_t)(t->expire_ms - now);
	}
	slirp_pollfds_fill(s->slirp, &timeout, slirp_add_poll, ps);
	*timeout_ms = timeout > INT_MAX ? -1 : (int)timeout;
	return 0;
}

/* Runs the timers that are due; a callback may re-arm or free timers, so restart each time. */
static void net_slirp_run_timers(struct net_slirp *s)
{
	int64_t now = slirp_now_ns() / 1000000;
	bool fired;

	do {
		fired = false;
		for (struct slirp_timer *t = s->timers; t; t = t->next) {
			if (t->expire_ms >= 0 && t->expire_ms <= now) {
				t->expire_ms = -1;
				t->cb(t->cb_opaque);
				fired = true;
				break;
			}
		}
	} while (fired);
}

static void net_slirp_dispatch(struct net_backend *be, const struct net_pollset *ps,
			       bool poll_error)
{
	struct net_slirp *s = to_slirp(be);

	slirp_pollfds_poll(s->slirp, poll_error, slirp_get_revents, (void *)ps);
	net_slirp_run_timers(s);
}

/*
 * True for an IPv4 packet that could reach the host's loopback: to 127.0.0.0/8 or 0.0.0.0/8,
 * or to the DNS alias 10.0.2.3 on a port other than 53. libslirp's disable_host_loopback only
 * covers 10.0.2.2; a guest naming a loopback address itself would otherwise have slirp
 * connect() to it on the host (0.0.0.0 reaches the loopback too, RFC 1122 3.2.1.3), and 10.0.2.3
 * leads to the host's resolver, which may live on loopback (systemd-resolved's 127.0.0.53).
 */
static bool to_host_loopback(const uint8_t *frame, size_t len)
{
	static const uint8_t dns[4] = {10, 0, 2, 3};
	const uint8_t *ip = frame + 14;
	size_t ihl;

	if (len < 14 + 20 || frame[12] != 0x08 || frame[13] != 0x00 || (ip[0] >> 4) != 4)
		return false;
	if (ip[16] == 127 || ip[16] == 0)
		return true;
	if (memcmp(ip + 16, dns, 4) || (ip[9] != 6 && ip[9] != 17))
		return false;
	/* TCP or UDP to the DNS alias: only port 53, only in unfragmented packets (RFC 791). */
	ihl = (size_t)(ip[0] & 15) * 4;
	if (ihl < 20 || len < 14 + ihl + 4 || (ip[6] & 0x3f) || ip[7])
		return true;
	return ip[ihl + 2] != 0 || ip[ihl + 3] != 53;
}

static int net_slirp_send(struct net_backend *be, const uint8_t *frame, size_t len)
{
	struct net_slirp *s = to_slirp(be);

	/* Dropped like a firewall would: the guest sees no answer (as for 10.0.2.2). */
	if (!s->host_loopback && to_host_loopback(frame, len))
		return 0;
	/* slirp_input may answer at once (ARP, DHCP): that reaches client->receive re-entrantly. */
	slirp_input(s->slirp, frame, (int)len);
	return 0;
}

static void net_slirp_destroy(struct net_backend *be)
{
	struct net_slirp *s = to_slirp(be);

	if (s->slirp)
		slirp_cleanup(s->slirp);
	while (s->timers) {
		struct slirp_timer *t = s->timers;

		s->timers = t->next;
		free(t);
	}
	free(s);
}

static const struct net_backend_ops net_slirp_ops = {
    .kind = "user",
    .fill = net_slirp_fill,
    .dispatch = net_slirp_dispatch,
    .send = net_slirp_send,
    .destroy = net_slirp_destroy,
};

/* Adds one forward (QEMU's hostfwd); the guest address must be on the guest's network. */
static int net_slirp_hostfwd(struct net_slirp *s, const struct vireo_hostfwd *f, char *msg,
			     size_t msglen)
{
	struct in_addr haddr = {.s_addr = htonl(f->host_addr)};
	struct in_addr gaddr = {.s_addr = htonl(f->guest_addr)};
	struct in_addr net, mask;

	if (!f->host_port || !f->guest_port) {
		snprintf(msg, msglen, "hostfwd: ports must be 1 to 65535");
		return -EINVAL;
	}
	inet_pton(AF_INET, SLIRP_NET, &net);
	inet_pton(AF_INET, SLIRP_MASK, &mask);
	if ((gaddr.s_addr & mask.s_addr) != net.s_addr) {
		snprintf(msg, msglen, "hostfwd: guest address must be in %s/24", SLIRP_NET);
		return -EINVAL;
	}
	if (!s->slirp)
		return 0;
	errno = 0;
	if (slirp_add_hostfwd(s->slirp, f->udp, haddr, f->host_port, gaddr, f->guest_port) < 0) {
		int err = errno ? errno : EADDRINUSE;

		snprintf(msg, msglen, "hostfwd: cannot listen on host %s port %d: %s",
			 f->udp ? "UDP" : "TCP", f->host_port, strerror(err));
		return -err;
	}
	return 0;
}

/* Checks (before slirp exists) or adds (after) every forward of d; 0 or -errno + msg. */
static int net_slirp_hostfwds(struct net_slirp *s, const struct vireo_device *d, char *msg,
			      size_t msglen)
{
	int err = 0;

	if (d->net.nhostfwd > VIREO_MAX_HOSTFWD) {
		snprintf(msg, msglen, "at most %d hostfwd rules", VIREO_MAX_HOSTFWD);
		return -EINVAL;
	}
	for (unsigned i = 0; i < d->net.nhostfwd && !err; i++)
		err = net_slirp_hostfwd(s, &d->net.hostfwd[i], msg, msglen);
	return err;
}

int net_slirp_open(struct net_backend **out, const struct vireo_device *d, char *msg, size_t msglen)
{
	/* Version 1 has disable_host_loopback: the guest gets no way to the host's 127.0.0.1. */
	SlirpConfig cfg = {.version = 4, .in_enabled = true, .disable_host_loopback = true};
	struct net_slirp *s;
	int err;

	*out = NULL;
	if (msglen)
		msg[0] = '\0';
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	err = net_backend_init(&s->be, &net_slirp_ops);
	if (err)
		goto out;
	inet_pton(AF_INET, SLIRP_NET, &cfg.vnetwork);
	inet_pton(AF_INET, SLIRP_MASK, &cfg.vnetmask);
	inet_pton(AF_INET, SLIRP_HOST, &cfg.vhost);
	inet_pton(AF_INET, SLIRP_DHCP_START, &cfg.vdhcp_start);
	inet_pton(AF_INET, SLIRP_DNS, &cfg.vnameserver);
	err = net_slirp_hostfwds(s, d, msg, msglen);
	if (err)
		goto out;
	cfg.disable_host_loopback = !d->net.host_loopback;
	s->host_loopback = !cfg.disable_host_loopback;
	s->slirp = slirp_new(&cfg, &slirp_callbacks, s);
	if (!s->slirp) {
		err = -ENOMEM;
		goto out;
	}
	err = net_slirp_hostfwds(s, d, msg, msglen);
	if (err)
		goto out;
	*out = &s->be;
	return 0;
out:
	if (msglen && !msg[0])
		snprintf(msg, msglen, "cannot set up user networking: %s", strerror(-err));
	net_backend_destroy(&s->be);
	return err;
}
