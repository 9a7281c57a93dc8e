/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vireo command's device options. The syntax follows QEMU's (-drive file=..., -netdev
 * user,hostfwd=...), so that users' habits carry over; the result is plain data for the
 * library (include/vireo/vireo.h), which checks the values again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"

/* Where a hostfwd listens when the spec names no host address, and the guest's address. */
#define HOSTFWD_HOST_ADDR "127.0.0.1"
#define HOSTFWD_GUEST_ADDR "10.0.2.15"

int cli_parse_drive(const char *spec, struct vireo_device *d, char *path, char *msg, size_t msglen)
{
	char buf[CLI_PATH_MAX + 64], *save = NULL, *kv;

	path[0] = '\0';
	d->blk.path = NULL;
	d->blk.fd = -1;
	d->blk.format = VIREO_BLK_FORMAT_AUTO;
	d->blk.read_only = false;
	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf)) {
		snprintf(msg, msglen, "--drive: option too long");
		return -EINVAL;
	}
	for (kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');

		if (!eq) {
			snprintf(msg, msglen, "--drive: '%s' is not KEY=VALUE", kv);
			return -EINVAL;
		}
		*eq++ = '\0';
		if (!strcmp(kv, "file") && *eq) {
			snprintf(path, CLI_PATH_MAX, "%s", eq);
		} else if (!strcmp(kv, "ro") && (!strcmp(eq, "on") || !strcmp(eq, "off"))) {
			d->blk.read_only = !strcmp(eq, "on");
		} else if (!strcmp(kv, "format") && !strcmp(eq, "raw")) {
			d->blk.format = VIREO_BLK_FORMAT_RAW;
		} else if (!strcmp(kv, "format") && !strcmp(eq, "qcow2")) {
			d->blk.format = VIREO_BLK_FORMAT_QCOW2;
		} else {
			snprintf(msg, msglen,
				 "--drive: bad option '%s=%s' "
				 "(file=PATH[,format=raw|qcow2][,ro=on|off])",
				 kv, eq);
			return -EINVAL;
		}
	}
	if (!path[0]) {
		snprintf(msg, msglen, "--drive: file=PATH is missing");
		return -EINVAL;
	}
	d->blk.path = path;
	return 0;
}

/* Parses a port number 1..65535 that must make up all of s; 0 or -EINVAL. */
static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* Parses "[addr]:port" (an empty addr gives dflt) to host byte order; modifies s. */
static int parse_addr_port(char *s, const char *dflt, uint32_t *addr, uint16_t *port)
{
	char *colon = strrchr(s, ':');
	struct in_addr a;

	if (!colon)
		return -EINVAL;
	*colon = '\0';
	if (inet_pton(AF_INET, *s ? s : dflt, &a) != 1)
		return -EINVAL;
	*addr = ntohl(a.s_addr);
	return parse_port(colon + 1, port);
}

/* Parses "[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport"; modifies fwd; 0 or -EINVAL. */
static int parse_hostfwd(char *fwd, struct vireo_hostfwd *f, char *msg, size_t msglen)
{
	char *colon = strchr(fwd, ':'), *dash;

	if (!colon || !(dash = strchr(colon, '-')))
		goto bad;
	*colon = '\0';
	*dash = '\0';
	if (*fwd == '\0' || strcmp(fwd, "tcp") == 0)
		f->udp = false;
	else if (strcmp(fwd, "udp") == 0)
		f->udp = true;
	else
		goto bad;
	if (parse_addr_port(colon + 1, HOSTFWD_HOST_ADDR, &f->host_addr, &f->host_port) ||
	    parse_addr_port(dash + 1, HOSTFWD_GUEST_ADDR, &f->guest_addr, &f->guest_port))
		goto bad;
	return 0;
bad:
	snprintf(msg, msglen,
		 "bad hostfwd (expected [tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport)");
	return -EINVAL;
}

/* One option after "user"; modifies o; 0 or -EINVAL + msg. */
static int parse_user_opt(char *o, struct vireo_device *d, char *msg, size_t msglen)
{
	if (strncmp(o, "hostfwd=", 8) == 0) {
		if (d->net.nhostfwd == VIREO_MAX_HOSTFWD) {
			snprintf(msg, msglen, "at most %d hostfwd rules", VIREO_MAX_HOSTFWD);
			return -EINVAL;
		}
		return parse_hostfwd(o + 8, &d->net.hostfwd[d->net.nhostfwd++], msg, msglen);
	}
	if (strcmp(o, "host-loopback=on") == 0 || strcmp(o, "host-loopback=off") == 0) {
		d->net.host_loopback = strcmp(o + 14, "on") == 0;
		return 0;
	}
	snprintf(msg, msglen,
		 "unknown user network option '%s' (expected hostfwd= or host-loopback=on|off)", o);
	return -EINVAL;
}

/* One option after "tap"; 0 or -EINVAL + msg. */
static int parse_tap_opt(const char *o, struct vireo_device *d, char *msg, size_t msglen)
{
	size_t n;

	if (strncmp(o, "ifname=", 7) != 0) {
		snprintf(msg, msglen, "unknown tap option '%s' (expected ifname=NAME)", o);
		return -EINVAL;
	}
	n = strlen(o + 7);
	if (n == 0 || n >= sizeof(d->net.ifname) || strchr(o + 7, '/')) {
		snprintf(msg, msglen, "tap: bad interface name '%s' (1 to %zu characters)", o + 7,
			 sizeof(d->net.ifname) - 1);
		return -EINVAL;
	}
	memcpy(d->net.ifname, o + 7, n + 1);
	return 0;
}

int cli_parse_net(const char *spec, struct vireo_device *d, char *msg, size_t msglen)
{
	size_t kind_len = strcspn(spec, ",");
	char *copy, *save = NULL;
	int err = 0;

	memset(&d->net, 0, sizeof(d->net));
	d->net.tap_fd = -1;
	if (kind_len == 4 && strncmp(spec, "user", 4) == 0) {
		d->net.backend = VIREO_NET_USER;
	} else if (kind_len == 3 && strncmp(spec, "tap", 3) == 0) {
		d->net.backend = VIREO_NET_TAP;
	} else {
		snprintf(msg, msglen, "unknown network backend '%.*s' (expected 'user' or 'tap')",
			 (int)kind_len, spec);
		return -EINVAL;
	}
	copy = strdup(spec[kind_len] ? spec + kind_len + 1 : "");
	if (!copy)
		return -ENOMEM;
	for (char *o = strtok_r(copy, ",", &save); o && !err; o = strtok_r(NULL, ",", &save)) {
		if (d->net.backend == VIREO_NET_USER)
			err = parse_user_opt(o, d, msg, msglen);
		else
			err = parse_tap_opt(o, d, msg, msglen);
	}
	free(copy);
	if (!err && d->net.backend == VIREO_NET_TAP && !d->net.ifname[0]) {
		snprintf(msg, msglen, "tap needs ifname=NAME");
		err = -EINVAL;
	}
	return err;
}
