/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The raw block backend: a plain image file or a host block device, the disk byte for byte.
 * Discard and write-zeroes punch holes where the host file system can.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/block.h"

struct block_raw {
	struct block bk; /* first: the ops get &bk */
	int fd;
};

static struct block_raw *to_raw(struct block *bk)
{
	return (struct block_raw *)bk;
}

/* preadv/pwritev the whole of iov[0..n) at pos, going on after short transfers; 0 or -errno. */
static int raw_rw(int fd, const struct iovec *iov_in, unsigned n, uint64_t pos, bool write)
{
	struct iovec iov[IOV_MAX > 1024 ? 1024 : IOV_MAX], *v = iov;

	if (n > sizeof(iov) / sizeof(iov[0]))
		return -EINVAL;
	memcpy(iov, iov_in, n * sizeof(*iov));
	while (n) {
		ssize_t r =
		    write ? pwritev(fd, v, (int)n, (off_t)pos) : preadv(fd, v, (int)n, (off_t)pos);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* the image shrank under us */
		pos += (uint64_t)r;
		while (n && (size_t)r >= v->iov_len) {
			r -= (ssize_t)v->iov_len;
			v++;
			n--;
		}
		if (n) {
			v->iov_base = (uint8_t *)v->iov_base + r;
			v->iov_len -= (size_t)r;
		}
	}
	return 0;
}

static int raw_readv(struct block *bk, const struct iovec *iov, unsigned n, uint64_t pos)
{
	return raw_rw(to_raw(bk)->fd, iov, n, pos, false);
}

static int raw_writev(struct block *bk, const struct iovec *iov, unsigned n, uint64_t pos)
{
	return raw_rw(to_raw(bk)->fd, iov, n, pos, true);
}

static int raw_flush(struct block *bk)
{
	return fdatasync(to_raw(bk)->fd) ? -errno : 0;
}

static int raw_discard(struct block *bk, uint64_t pos, uint64_t len)
{
	/* A hint: if the host file system cannot punch holes, keeping the data is fine. */
	fallocate(to_raw(bk)->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)pos,
		  (off_t)len);
	return 0;
}

static int raw_write_zeroes(struct block *bk, uint64_t pos, uint64_t len, bool may_unmap)
{
	static const uint8_t zero[64 << 10];
	int fd = to_raw(bk)->fd, err;

	if (fallocate(
		fd, (may_unmap ? FALLOC_FL_PUNCH_HOLE : FALLOC_FL_ZERO_RANGE) | FALLOC_FL_KEEP_SIZE,
		(off_t)pos, (off_t)len) == 0)
		return 0;
	/* The file system cannot: ordinary writes (callers bound len). */
	while (len) {
		size_t n = len < sizeof(zero) ? (size_t)len : sizeof(zero);

		err = block_pwrite_full(fd, zero, n, pos);
		if (err)
			return err;
		pos += n;
		len -= n;
	}
	return 0;
}

static void raw_close(struct block *bk)
{
	close(to_raw(bk)->fd);
	free(bk);
}

static const struct block_ops raw_ops = {
    .name = "raw",
    .readv = raw_readv,
    .writev = raw_writev,
    .flush = raw_flush,
    .discard = raw_discard,
    .write_zeroes = raw_write_zeroes,
    .close = raw_close,
};

int block_raw_open(struct block **out, int fd, const struct block_opts *o, char *msg, size_t msglen)
{
	struct block_raw *r;
	struct stat st;
	uint64_t size = 0;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		size = (uint64_t)st.st_size;
	else if (ioctl(fd, BLKGETSIZE64, &size))
		size = 0;
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(msg, msglen, "%s: out of memory", o->path ? o->path : "(fd)");
		close(fd);
		return -ENOMEM;
	}
	r->bk.ops = &raw_ops;
	r->bk.size = size;
	r->bk.read_only = o->read_only;
	r->fd = fd;
	*out = &r->bk;
	return 0;
}
