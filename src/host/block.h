/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host block backends: the disk image behind a virtio-blk (or any other user), as a small
 * ops interface with a raw file / block device implementation and a qcow2 one (docs/qcow2.md).
 * A backend is used by one thread at a time. Offsets and lengths are bytes; every call
 * returns 0 or a negative errno.
 */
#ifndef VIREO_HOST_BLOCK_H
#define VIREO_HOST_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

enum block_format {
	BLOCK_FORMAT_AUTO, /* qcow2 when the file starts with the qcow2 magic, else raw */
	BLOCK_FORMAT_RAW,
	BLOCK_FORMAT_QCOW2,
};

struct block;

/* What a backend implements; the caller checked ranges against the size and read-only. */
struct block_ops {
	const char *name;
	int (*readv)(struct block *bk, const struct iovec *iov, unsigned n, uint64_t pos);
	int (*writev)(struct block *bk, const struct iovec *iov, unsigned n, uint64_t pos);
	int (*flush)(struct block *bk);
	/* A hint: the range's contents become unspecified (may be left alone). */
	int (*discard)(struct block *bk, uint64_t pos, uint64_t len);
	/* The range reads as zeros afterwards; may_unmap lets the backend free its space. */
	int (*write_zeroes)(struct block *bk, uint64_t pos, uint64_t len, bool may_unmap);
	void (*close)(struct block *bk);
};

/* The common part every backend embeds first. */
struct block {
	const struct block_ops *ops;
	uint64_t size; /* virtual disk size in bytes */
	bool read_only;
};

/* How to open an image. */
struct block_opts {
	const char *path;	  /* for messages and for resolving a relative backing file name */
	int fd;			  /* an fd the caller opened (taken over), or -1 to open path */
	enum block_format format; /* BLOCK_FORMAT_AUTO probes */
	bool read_only;
	bool no_backing; /* refuse images with a backing file (fuzzing, sandboxed callers) */
	bool no_lock;	 /* skip flock(2) (the caller holds its own lock) */
};

#define BLOCK_MAX_CHAIN 16 /* the longest backing chain followed, the image included */

/** Opens an image (format probed or given) with its backing chain; 0 or -errno with msg. */
int block_open(struct block **out, const struct block_opts *o, char *msg, size_t msglen);

/** Reads iov[0..n) from pos, which the caller checked lies within the disk; 0 or -errno. */
int block_readv(struct block *bk, const struct iovec *iov, unsigned n, uint64_t pos);

/** Writes iov[0..n) at pos (within the disk); 0, -EROFS or -errno. */
int block_writev(struct block *bk, const struct iovec *iov, unsigned n, uint64_t pos);

/** Reads len bytes at pos into buf; 0, -EINVAL out of range, or -errno. */
int block_read(struct block *bk, void *buf, size_t len, uint64_t pos);

/** Writes len bytes from buf at pos; 0, -EINVAL out of range, -EROFS or -errno. */
int block_write(struct block *bk, const void *buf, size_t len, uint64_t pos);

/** Makes every completed write durable on the host (fdatasync); 0 or -errno. */
int block_flush(struct block *bk);

/** Discards [pos, pos+len) (a hint; contents unspecified afterwards); 0 or -errno. */
int block_discard(struct block *bk, uint64_t pos, uint64_t len);

/** Makes [pos, pos+len) read as zeros, freeing space when may_unmap; 0 or -errno. */
int block_write_zeroes(struct block *bk, uint64_t pos, uint64_t len, bool may_unmap);

/** The virtual disk size in bytes. */
uint64_t block_size(const struct block *bk);

/** True when the backend refuses writes. */
bool block_read_only(const struct block *bk);

/** Closes the backend and its backing chain; NULL is ignored. */
void block_close(struct block *bk);

/** Parses "raw" / "qcow2" into *fmt; 0 or -EINVAL. */
int block_format_parse(const char *name, enum block_format *fmt);

/* Internal to src/host/block*.c: the backends' constructors and shared helpers. */

/** Opens a raw image on fd (taken over); 0 or -errno with msg. */
int block_raw_open(struct block **out, int fd, const struct block_opts *o, char *msg,
		   size_t msglen);

/**
 * Opens a qcow2 image on fd (taken over, closed on failure); depth is the chain length so
 * far (0 for the top image). 0, -EINVAL for a malformed image, -ENOTSUP for a feature this
 * backend does not implement, or -errno, with msg.
 */
int block_qcow2_open(struct block **out, int fd, const struct block_opts *o, unsigned depth,
		     char *msg, size_t msglen);

/** Opens path (or takes o->fd), checks its type and locks it; the fd or -errno with msg. */
int block_open_fd(const struct block_opts *o, char *msg, size_t msglen);

/** Opens an image as block_open does, a backing file at chain depth depth. */
int block_open_depth(struct block **out, const struct block_opts *o, unsigned depth, char *msg,
		     size_t msglen);

/** pread(2) of exactly len bytes, zeros past the end of the file; 0 or -errno. */
int block_pread_full(int fd, void *buf, size_t len, uint64_t pos);

/** pwrite(2) of exactly len bytes; 0 or -errno. */
int block_pwrite_full(int fd, const void *buf, size_t len, uint64_t pos);

/**
 * Copies the part [off, off+len) of iov[0..n) into out (at most n entries); returns the
 * count of out entries. The range must lie within the buffers.
 */
unsigned block_iov_slice(const struct iovec *iov, unsigned n, uint64_t off, uint64_t len,
			 struct iovec *out);

/**
 * For fuzzers: opens fd (not taken over: a dup is used) as a qcow2 image without backing
 * files or locks, reads samples of the whole disk, and with writable also writes, discards
 * and zeroes across cluster edges, then flushes and closes. 0, or the open's -errno.
 */
int block_qcow2_exercise(int fd, bool writable);

/* qcow2 image creation (a thin overlay for snapshots and clones, or an empty image). */
struct qcow2_create_opts {
	uint64_t size;			  /* virtual size in bytes; 0: the backing file's size */
	unsigned cluster_bits;		  /* 9..21; 0 means 16 (64 KiB) */
	const char *backing;		  /* the name stored in the header, or NULL */
	enum block_format backing_format; /* stored as the backing format extension */
};

/** Creates a qcow2 v3 image at path (which must not exist); 0 or -errno with msg. */
int qcow2_create(const char *path, const struct qcow2_create_opts *o, char *msg, size_t msglen);

#endif
