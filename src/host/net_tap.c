/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TAP backend: the guest's frames go to and come from a Linux TAP interface (/dev/net/tun with
 * IFF_TAP | IFF_NO_PI, so each read or write is exactly one Ethernet frame). Attaching needs
 * CAP_NET_ADMIN, or a tap created beforehand for this user (ip tuntap add NAME mode tap user U).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "host/net.h"
#include "vireo/vireo.h"

/* Frames read per wake-up, so a flood from the host cannot starve guest TX on this thread. */
#define TAP_RX_BURST 64

struct net_tap {
	struct net_backend be; /* first: net_backend pointers are net_tap pointers */
	int fd;
	char ifname[IFNAMSIZ];
	uint8_t buf[NET_FRAME_MAX + 1]; /* one more byte tells an oversized frame */
};

static struct net_tap *to_tap(struct net_backend *be)
{
	return (struct net_tap *)be;
}

static int net_tap_fill(struct net_backend *be, struct net_pollset *ps, int *timeout_ms)
{
	int idx = net_pollset_add(ps, to_tap(be)->fd, POLLIN);

	(void)timeout_ms;
	return idx < 0 ? idx : 0;
}

static void net_tap_dispatch(struct net_backend *be, const struct net_pollset *ps, bool poll_error)
{
	struct net_tap *t = to_tap(be);

	(void)ps;
	if (poll_error)
		return;
	/* The fd is non-blocking: read until it is empty or the burst is used up. */
	for (int i = 0; i < TAP_RX_BURST; i++) {
		ssize_t n = read(t->fd, t->buf, sizeof(t->buf));

		if (n < 0)
			break;
		/* net_backend_deliver drops runts and frames over NET_FRAME_MAX. */
		net_backend_deliver(be, t->buf, (size_t)n);
	}
}

static int net_tap_send(struct net_backend *be, const uint8_t *frame, size_t len)
{
	ssize_t n = write(to_tap(be)->fd, frame, len);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static void net_tap_destroy(struct net_backend *be)
{
	struct net_tap *t = to_tap(be);

	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

static const struct net_backend_ops net_tap_ops = {
    .kind = "tap",
    .fill = net_tap_fill,
    .dispatch = net_tap_dispatch,
    .send = net_tap_send,
    .destroy = net_tap_destroy,
};

/* Takes d's interface name into t->ifname; 0 or -EINVAL + msg. */
static int net_tap_name(struct net_tap *t, const struct vireo_device *d, char *msg, size_t msglen)
{
	const char *name = d->net.ifname;
	size_t len = strnlen(name, sizeof(d->net.ifname));

	if (len == 0 || len >= IFNAMSIZ || strchr(name, '/')) {
		snprintf(msg, msglen, "tap: bad interface name '%.*s' (1 to %d characters)",
			 (int)len, name, IFNAMSIZ - 1);
		return -EINVAL;
	}
	memcpy(t->ifname, name, len);
	t->ifname[len] = '\0';
	return 0;
}

/* Takes a TAP fd the caller opened (and attached): a dup, non-blocking; 0 or -errno + msg. */
static int net_tap_take_fd(struct net_tap *t, int fd, char *msg, size_t msglen)
{
	int flags;

	t->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (t->fd < 0 || (flags = fcntl(t->fd, F_GETFL)) < 0 ||
	    fcntl(t->fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		int err = -errno;

		snprintf(msg, msglen, "tap: bad fd %d: %s", fd, strerror(-err));
		return err;
	}
	snprintf(t->ifname, sizeof(t->ifname), "fd%d", fd);
	return 0;
}

/* Opens /dev/net/tun and attaches it to t->ifname; 0 or -errno + msg. */
static int net_tap_attach(struct net_tap *t, char *msg, size_t msglen)
{
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
	int err;

	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		const char *hint = " (needs root, or access to it and CAP_NET_ADMIN or a tap made "
				   "for this user)";

		err = -errno;
		if (err != -EACCES && err != -EPERM)
			hint = "";
		snprintf(msg, msglen, "tap: cannot open /dev/net/tun: %s%s", strerror(-err), hint);
		return err;
	}
	memcpy(ifr.ifr_name, t->ifname, sizeof(t->ifname));
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		if (err == -EPERM || err == -EACCES)
			snprintf(
			    msg, msglen,
			    "tap: cannot attach to '%s': %s (needs CAP_NET_ADMIN, or a tap made "
			    "for this user first: ip tuntap add %s mode tap user $USER)",
			    t->ifname, strerror(-err), t->ifname);
		else
			snprintf(msg, msglen, "tap: cannot attach to '%s': %s", t->ifname,
				 strerror(-err));
		return err;
	}
	return 0;
}

int net_tap_open(struct net_backend **out, const struct vireo_device *d, char *msg, size_t msglen)
{
	struct net_tap *t;
	int err;

	*out = NULL;
	if (msglen)
		msg[0] = '\0';
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->fd = -1;
	err = net_backend_init(&t->be, &net_tap_ops);
	if (err)
		goto out;
	if (!d->net.ifname[0]) {
		err = net_tap_take_fd(t, d->net.tap_fd, msg, msglen);
	} else {
		err = net_tap_name(t, d, msg, msglen);
		if (!err)
			err = net_tap_attach(t, msg, msglen);
	}
	if (err)
		goto out;
	*out = &t->be;
	return 0;
out:
	if (msglen && !msg[0])
		snprintf(msg, msglen, "cannot set up the tap backend: %s", strerror(-err));
	net_backend_destroy(&t->be);
	return err;
}
