/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The block backend interface: opening an image (format given or probed from the qcow2
 * magic), range checks, and the I/O helpers the raw and qcow2 backends share.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/block.h"

#define QCOW2_MAGIC_BYTES "QFI\xfb" /* qcow2.txt, "Header": bytes 0-3 */

int block_pread_full(int fd, void *buf, size_t len, uint64_t pos)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t r = pread(fd, p, len, (off_t)pos);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0) { /* past the end of the file: an image reads as zeros there */
			memset(p, 0, len);
			return 0;
		}
		p += r;
		pos += (uint64_t)r;
		len -= (size_t)r;
	}
	return 0;
}

int block_pwrite_full(int fd, const void *buf, size_t len, uint64_t pos)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t r = pwrite(fd, p, len, (off_t)pos);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;
		p += r;
		pos += (uint64_t)r;
		len -= (size_t)r;
	}
	return 0;
}

unsigned block_iov_slice(const struct iovec *iov, unsigned n, uint64_t off, uint64_t len,
			 struct iovec *out)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n && len; i++) {
		uint64_t seg = iov[i].iov_len, take;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		take = seg - off < len ? seg - off : len;
		out[k].iov_base = (uint8_t *)iov[i].iov_base + off;
		out[k].iov_len = take;
		k++;
		len -= take;
		off = 0;
	}
	return k;
}

int block_format_parse(const char *name, enum block_format *fmt)
{
	if (!strcmp(name, "raw"))
		*fmt = BLOCK_FORMAT_RAW;
	else if (!strcmp(name, "qcow2"))
		*fmt = BLOCK_FORMAT_QCOW2;
	else
		return -EINVAL;
	return 0;
}

int block_open_fd(const struct block_opts *o, char *msg, size_t msglen)
{
	const char *path = o->path ? o->path : "(fd)";
	struct stat st;
	int fd = o->fd, err;

	/*
	 * O_NONBLOCK so that a FIFO (whose read-only open(2) waits for a writer) or a device
	 * that waits for a carrier is refused below instead of hanging; cleared once it is known
	 * to be a regular file or a block device.
	 */
	if (fd < 0)
		fd = open(o->path, (o->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		snprintf(msg, msglen, "cannot open %s: %s", path, strerror(errno));
		return err;
	}
	if (fstat(fd, &st) < 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
		snprintf(msg, msglen, "%s is not a regular file or a block device", path);
		err = -EINVAL;
		goto out;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		err = -errno;
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		goto out;
	}
	/* Like QEMU, so that two VMs cannot corrupt one disk; backing files are shared. */
	if (!o->no_lock && flock(fd, (o->read_only ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		snprintf(msg, msglen, "%s is in use by another process", path);
		err = -EBUSY;
		goto out;
	}
	return fd;
out:
	close(fd);
	return err;
}

int block_open_depth(struct block **out, const struct block_opts *o, unsigned depth, char *msg,
		     size_t msglen)
{
	enum block_format fmt = o->format;
	char magic[4];
	int fd, err;

	*out = NULL;
	fd = block_open_fd(o, msg, msglen);
	if (fd < 0)
		return fd;
	if (fmt == BLOCK_FORMAT_AUTO) {
		err = block_pread_full(fd, magic, sizeof(magic), 0);
		if (err) {
			snprintf(msg, msglen, "%s: %s", o->path ? o->path : "(fd)", strerror(-err));
			close(fd);
			return err;
		}
		fmt = memcmp(magic, QCOW2_MAGIC_BYTES, 4) ? BLOCK_FORMAT_RAW : BLOCK_FORMAT_QCOW2;
	}
	if (fmt == BLOCK_FORMAT_QCOW2)
		return block_qcow2_open(out, fd, o, depth, msg, msglen);
	return block_raw_open(out, fd, o, msg, msglen);
}

int block_open(struct block **out, const struct block_opts *o, char *msg, size_t msglen)
{
	return block_open_depth(out, o, 0, msg, msglen);
}

/* True when [pos, pos+len) lies within the disk (no overflow). */
static bool block_range_ok(const struct block *bk, uint64_t pos, uint64_t len)
{
	return pos <= bk->size && len <= bk->size - pos;
}

/* The total length of iov[0..n). */
static uint64_t iov_len(const struct iovec *iov, unsigned n)
{
	uint64_t len = 0;

	for (unsigned i = 0; i < n; i++)
		len += iov[i].iov_len;
	return len;
}

int block_readv(struct block *bk, const struct iovec *iov, unsigned n, uint64_t pos)
{
	if (!block_range_ok(bk, pos, iov_len(iov, n)))
		return -EINVAL;
	return bk->ops->readv(bk, iov, n, pos);
}

int block_writev(struct block *bk, const struct iovec *iov, unsigned n, uint64_t pos)
{
	if (bk->read_only)
		return -EROFS;
	if (!block_range_ok(bk, pos, iov_len(iov, n)))
		return -EINVAL;
	return bk->ops->writev(bk, iov, n, pos);
}

int block_read(struct block *bk, void *buf, size_t len, uint64_t pos)
{
	struct iovec iov = {.iov_base = buf, .iov_len = len};

	return block_readv(bk, &iov, 1, pos);
}

int block_write(struct block *bk, const void *buf, size_t len, uint64_t pos)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};

	return block_writev(bk, &iov, 1, pos);
}

int block_flush(struct block *bk)
{
	return bk->read_only ? 0 : bk->ops->flush(bk);
}

int block_discard(struct block *bk, uint64_t pos, uint64_t len)
{
	if (bk->read_only)
		return -EROFS;
	if (!block_range_ok(bk, pos, len))
		return -EINVAL;
	return len ? bk->ops->discard(bk, pos, len) : 0;
}

int block_write_zeroes(struct block *bk, uint64_t pos, uint64_t len, bool may_unmap)
{
	if (bk->read_only)
		return -EROFS;
	if (!block_range_ok(bk, pos, len))
		return -EINVAL;
	return len ? bk->ops->write_zeroes(bk, pos, len, may_unmap) : 0;
}

uint64_t block_size(const struct block *bk)
{
	return bk->size;
}

bool block_read_only(const struct block *bk)
{
	return bk->read_only;
}

void block_close(struct block *bk)
{
	if (bk)
		bk->ops->close(bk);
}
