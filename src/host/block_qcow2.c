/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The qcow2 block backend (QEMU's docs/interop/qcow2.txt, versions 2 and 3): two-level
 * cluster mapping (L1 table in memory, L2 entries read as needed), refcounts of any width,
 * backing files (raw or qcow2, by name relative to the image's directory), zero clusters,
 * allocation on write with copy-on-write from the backing file, and discard. The header and
 * every table entry are hostile input: checked before use. See docs/qcow2.md for what is
 * refused and for the order of writes that keeps the image consistent across a host crash.
 */
#include <endian.h>
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

/* "Header" (all numbers big-endian). */
#define QCOW2_MAGIC 0x514649fbu /* "QFI\xfb" */
#define QCOW2_V2_HEADER_LEN 72u
#define QCOW2_V3_HEADER_LEN 104u
#define QCOW2_MIN_CLUSTER_BITS 9u
#define QCOW2_MAX_CLUSTER_BITS 21u /* 2 MiB, QEMU's limit too */
#define QCOW2_MAX_BACKING_NAME 1023u
/* Incompatible feature bits (header bytes 72-79). */
#define QCOW2_INCOMPAT_DIRTY (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT (1ull << 1)
#define QCOW2_INCOMPAT_KNOWN (QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT)
/* Header extension types ("Header extensions"). */
#define QCOW2_EXT_END 0u
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acau
/* Limits on the tables, as QEMU's (so any image qemu-img makes opens). */
#define QCOW2_MAX_L1_BYTES (32u << 20)
#define QCOW2_MAX_RT_BYTES (8u << 20)
#define QCOW2_MAX_VIRTUAL_SIZE (1ull << 56)

/* "Cluster mapping": L1, L2 and refcount table entries. */
#define QCOW_OFLAG_COPIED (1ull << 63)
#define QCOW_OFLAG_COMPRESSED (1ull << 62)
#define QCOW_OFLAG_ZERO (1ull << 0)
#define L1E_OFFSET_MASK 0x00fffffffffffe00ull
#define L2E_OFFSET_MASK 0x00fffffffffffe00ull
#define L1E_RESERVED (~(L1E_OFFSET_MASK | QCOW_OFLAG_COPIED))
#define L2E_RESERVED                                                                               \
	(~(L2E_OFFSET_MASK | QCOW_OFLAG_COPIED | QCOW_OFLAG_COMPRESSED | QCOW_OFLAG_ZERO))
#define REFT_OFFSET_MASK 0xfffffffffffffe00ull

#define QCOW2_BATCH 1024u	     /* metadata updates held until a commit */
#define QCOW2_HASH (2 * QCOW2_BATCH) /* open addressing over the pending L2 updates */

enum qcow2_kind { C_UNALLOC, C_ZERO, C_DATA, C_COMPRESSED };

/* An L2 entry to write once the data it points at is durable. */
struct qcow2_upd {
	uint64_t slot; /* file offset of the entry */
	uint64_t val;
};

struct qcow2 {
	struct block bk; /* first: the ops get &bk */
	int fd;
	unsigned version, cluster_bits, l2_bits, rb_bits, refcount_order;
	uint64_t cluster_size;
	uint64_t *l1; /* host-endian copy of the L1 table */
	uint32_t l1_size;
	uint64_t l1_offset;
	uint64_t *rt; /* host-endian copy of the refcount table */
	uint64_t rt_entries, rt_offset, rt_bytes;
	uint64_t file_end; /* where the next cluster is allocated (cluster aligned) */
	struct block *backing;
	bool broken;   /* a metadata update failed half-way: refuse further writes */
	uint8_t *buf;  /* one cluster, for copy-on-write */
	uint8_t *zero; /* one cluster of zeros */
	struct iovec *iov;
	unsigned iov_cap;
	/*
	 * Metadata updates held until the next flush (or a full batch): L2 entries, looked up
	 * through hash (index + 1 into upd, by slot) so that reads see them at once.
	 */
	struct qcow2_upd upd[QCOW2_BATCH];
	unsigned nupd;
	uint16_t hash[QCOW2_HASH];
	uint32_t l1_dirty[QCOW2_BATCH];
	unsigned nl1;
	uint64_t drop[QCOW2_BATCH]; /* clusters whose refcount goes down after the batch */
	unsigned ndrop;
};

static struct qcow2 *to_q(struct block *bk)
{
	return (struct qcow2 *)bk;
}

static uint32_t get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return be32toh(v);
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, 4);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, 8);
}

/* The size of the file or block device on fd, or 0. */
static uint64_t qcow2_file_size(int fd)
{
	struct stat st;
	uint64_t size = 0;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		return (uint64_t)st.st_size;
	if (ioctl(fd, BLKGETSIZE64, &size))
		return 0;
	return size;
}

/* True when [a, a+alen) and [b, b+blen) overlap (no overflow: all below 2^57). */
static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * True when the cluster at off may hold data or an L2 table or refcount block: aligned, not
 * the header cluster, not the L1 or refcount table, and starting within limit.
 */
static bool qcow2_cluster_ok(const struct qcow2 *q, uint64_t off, uint64_t limit)
{
	if (off & (q->cluster_size - 1) || off < q->cluster_size || off >= limit)
		return false;
	if (ranges_overlap(off, q->cluster_size, q->l1_offset, (uint64_t)q->l1_size * 8))
		return false;
	return !ranges_overlap(off, q->cluster_size, q->rt_offset, q->rt_bytes);
}

/* The parsed fixed header ("Header", bytes 0-103). */
struct qcow2_header {
	uint32_t version, backing_name_size, cluster_bits, crypt_method, l1_size;
	uint32_t rt_clusters, nb_snapshots, refcount_order, header_length;
	uint64_t backing_name_offset, size, l1_offset, rt_offset, incompat, autoclear;
};

/* Decodes and checks the fixed header in h0 (the first min(cluster, file) bytes). */
static int qcow2_parse_header(struct qcow2_header *h, const uint8_t *h0, uint64_t avail,
			      uint64_t file_size, char *msg, size_t msglen)
{
	uint64_t cs, l1_needed, per_l1;

	if (avail < QCOW2_V2_HEADER_LEN) {
		snprintf(msg, msglen, "truncated qcow2 header (%llu bytes)",
			 (unsigned long long)avail);
		return -EINVAL;
	}
	if (get_be32(h0) != QCOW2_MAGIC) {
		snprintf(msg, msglen, "not a qcow2 image (bad magic)");
		return -EINVAL;
	}
	memset(h, 0, sizeof(*h));
	h->version = get_be32(h0 + 4);
	h->backing_name_offset = get_be64(h0 + 8);
	h->backing_name_size = get_be32(h0 + 16);
	h->cluster_bits = get_be32(h0 + 20);
	h->size = get_be64(h0 + 24);
	h->crypt_method = get_be32(h0 + 32);
	h->l1_size = get_be32(h0 + 36);
	h->l1_offset = get_be64(h0 + 40);
	h->rt_offset = get_be64(h0 + 48);
	h->rt_clusters = get_be32(h0 + 56);
	h->nb_snapshots = get_be32(h0 + 60);
	h->refcount_order = 4; /* version 2: always 16-bit refcounts */
	h->header_length = QCOW2_V2_HEADER_LEN;
	if (h->version != 2 && h->version != 3) {
		snprintf(msg, msglen, "qcow2 version %u is not supported (2 and 3 are)",
			 h->version);
		return -ENOTSUP;
	}
	if (h->cluster_bits < QCOW2_MIN_CLUSTER_BITS || h->cluster_bits > QCOW2_MAX_CLUSTER_BITS) {
		snprintf(msg, msglen, "bad qcow2 cluster_bits %u (9..21)", h->cluster_bits);
		return -EINVAL;
	}
	cs = 1ull << h->cluster_bits;
	if (h->version == 3) {
		if (avail < QCOW2_V3_HEADER_LEN) {
			snprintf(msg, msglen, "truncated qcow2 v3 header");
			return -EINVAL;
		}
		h->incompat = get_be64(h0 + 72);
		h->autoclear = get_be64(h0 + 88);
		h->refcount_order = get_be32(h0 + 96);
		h->header_length = get_be32(h0 + 100);
		if (h->header_length < QCOW2_V3_HEADER_LEN || h->header_length > avail) {
			snprintf(msg, msglen, "bad qcow2 header_length %u", h->header_length);
			return -EINVAL;
		}
	}
	if (h->incompat & ~QCOW2_INCOMPAT_KNOWN) {
		snprintf(msg, msglen,
			 "qcow2 incompatible features 0x%llx are not supported (bit 2: external "
			 "data file, 3: compression type, 4: extended L2 entries)",
			 (unsigned long long)(h->incompat & ~QCOW2_INCOMPAT_KNOWN));
		return -ENOTSUP;
	}
	if (h->crypt_method) {
		snprintf(msg, msglen, "encrypted qcow2 images are not supported");
		return -ENOTSUP;
	}
	if (h->refcount_order > 6) {
		snprintf(msg, msglen, "bad qcow2 refcount_order %u (0..6)", h->refcount_order);
		return -EINVAL;
	}
	if (h->size > QCOW2_MAX_VIRTUAL_SIZE) {
		snprintf(msg, msglen, "qcow2 virtual size %llu is too large",
			 (unsigned long long)h->size);
		return -EINVAL;
	}
	/* Each L1 entry maps cs/8 clusters; the table must cover the whole disk. */
	per_l1 = cs * (cs / 8);
	l1_needed = h->size / per_l1 + (h->size % per_l1 != 0);
	if (h->l1_size < l1_needed || (uint64_t)h->l1_size * 8 > QCOW2_MAX_L1_BYTES) {
		snprintf(msg, msglen, "bad qcow2 l1_size %u (the disk needs %llu)", h->l1_size,
			 (unsigned long long)l1_needed);
		return -EINVAL;
	}
	if (h->l1_size &&
	    (h->l1_offset & (cs - 1) || h->l1_offset < cs || h->l1_offset > file_size ||
	     h->l1_size * 8ull > file_size - h->l1_offset)) {
		snprintf(msg, msglen, "qcow2 L1 table offset 0x%llx is not a cluster in the file",
			 (unsigned long long)h->l1_offset);
		return -EINVAL;
	}
	if (!h->rt_clusters || (uint64_t)h->rt_clusters * cs > QCOW2_MAX_RT_BYTES ||
	    h->rt_offset & (cs - 1) || h->rt_offset < cs || h->rt_offset > file_size ||
	    h->rt_clusters * cs > file_size - h->rt_offset ||
	    ranges_overlap(h->rt_offset, h->rt_clusters * cs, h->l1_offset, h->l1_size * 8ull)) {
		snprintf(msg, msglen, "bad qcow2 refcount table (offset 0x%llx, %u clusters)",
			 (unsigned long long)h->rt_offset, h->rt_clusters);
		return -EINVAL;
	}
	if (h->backing_name_offset &&
	    (!h->backing_name_size || h->backing_name_size > QCOW2_MAX_BACKING_NAME ||
	     h->backing_name_offset < h->header_length || h->backing_name_offset > avail ||
	     h->backing_name_size > avail - h->backing_name_offset)) {
		snprintf(msg, msglen, "bad qcow2 backing file name (offset 0x%llx, %u bytes)",
			 (unsigned long long)h->backing_name_offset, h->backing_name_size);
		return -EINVAL;
	}
	return 0;
}

/*
 * Walks the header extensions ("Header extensions": after header_length, each 8-byte aligned,
 * up to the backing file name or the end of the first cluster); gets the backing format.
 */
static int qcow2_parse_exts(const struct qcow2_header *h, const uint8_t *h0, uint64_t avail,
			    enum block_format *bfmt, char *msg, size_t msglen)
{
	uint64_t off = h->header_length,
		 end = h->backing_name_offset ? h->backing_name_offset : avail;
	char name[16];

	*bfmt = BLOCK_FORMAT_AUTO;
	if (h->version < 3)
		off = QCOW2_V2_HEADER_LEN;
	while (off + 8 <= end) {
		uint32_t type = get_be32(h0 + off), len = get_be32(h0 + off + 4);

		if (type == QCOW2_EXT_END)
			return 0;
		if (len > end - off - 8) {
			snprintf(msg, msglen, "qcow2 header extension 0x%x overruns the header",
				 type);
			return -EINVAL;
		}
		if (type == QCOW2_EXT_BACKING_FORMAT) {
			if (len >= sizeof(name)) {
				snprintf(msg, msglen, "bad qcow2 backing format extension");
				return -EINVAL;
			}
			memcpy(name, h0 + off + 8, len);
			name[len] = '\0';
			if (block_format_parse(name, bfmt)) {
				snprintf(msg, msglen, "backing file format '%s' is not supported",
					 name);
				return -ENOTSUP;
			}
		}
		off += 8 + (((uint64_t)len + 7) & ~7ull);
	}
	return 0;
}

/* Reads and checks the L1 and refcount tables into memory. */
static int qcow2_load_tables(struct qcow2 *q, uint64_t file_size, char *msg, size_t msglen)
{
	int err;

	q->l1 = calloc(q->l1_size ? q->l1_size : 1, 8);
	q->rt = calloc(q->rt_entries, 8);
	if (!q->l1 || !q->rt) {
		snprintf(msg, msglen, "out of memory for the qcow2 tables");
		return -ENOMEM;
	}
	err = block_pread_full(q->fd, q->l1, q->l1_size * 8ull, q->l1_offset);
	if (!err)
		err = block_pread_full(q->fd, q->rt, q->rt_bytes, q->rt_offset);
	if (err) {
		snprintf(msg, msglen, "cannot read the qcow2 tables: %s", strerror(-err));
		return err;
	}
	for (uint32_t i = 0; i < q->l1_size; i++) {
		uint64_t e = q->l1[i] = be64toh(q->l1[i]), off = e & L1E_OFFSET_MASK;

		if (e & L1E_RESERVED || (off && (!qcow2_cluster_ok(q, off, file_size) ||
						 off + q->cluster_size > file_size))) {
			snprintf(msg, msglen,
				 "qcow2 L1 entry %u (0x%llx) is not an L2 table in "
				 "the file",
				 i, (unsigned long long)e);
			return -EINVAL;
		}
	}
	for (uint64_t i = 0; i < q->rt_entries; i++) {
		uint64_t e = q->rt[i] = be64toh(q->rt[i]);

		if (e & ~REFT_OFFSET_MASK || (e && (!qcow2_cluster_ok(q, e, file_size) ||
						    e + q->cluster_size > file_size))) {
			snprintf(msg, msglen,
				 "qcow2 refcount table entry %llu (0x%llx) is not a refcount block "
				 "in the file",
				 (unsigned long long)i, (unsigned long long)e);
			return -EINVAL;
		}
	}
	return 0;
}

/* Opens the backing file named in the header (relative to the image's directory). */
static int qcow2_open_backing(struct qcow2 *q, const struct block_opts *o, const char *name,
			      enum block_format fmt, unsigned depth, char *msg, size_t msglen)
{
	char path[PATH_MAX], sub[512];
	const char *slash = o->path ? strrchr(o->path, '/') : NULL;
	struct block_opts bo = {.path = path, .fd = -1, .format = fmt, .read_only = true};
	int err;

	if (o->no_backing) {
		snprintf(msg, msglen, "backing files are not allowed here (%.200s)", name);
		return -EPERM;
	}
	if (depth + 1 >= BLOCK_MAX_CHAIN) {
		snprintf(msg, msglen, "backing chain longer than %u images (a loop?)",
			 BLOCK_MAX_CHAIN);
		return -ELOOP;
	}
	if (name[0] != '/' && !o->path) {
		snprintf(msg, msglen, "relative backing file name '%.200s' needs the image's path",
			 name);
		return -EINVAL;
	}
	if (name[0] == '/' || !slash)
		err = snprintf(path, sizeof(path), "%s", name) >= (int)sizeof(path);
	else
		err = snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - o->path), o->path,
			       name) >= (int)sizeof(path);
	if (err) {
		snprintf(msg, msglen, "backing file name too long");
		return -ENAMETOOLONG;
	}
	err = block_open_depth(&q->backing, &bo, depth + 1, sub, sizeof(sub));
	if (err)
		snprintf(msg, msglen, "backing file: %.400s", sub);
	return err;
}

/* Checks the states that forbid writing: refused unless read-only. */
static int qcow2_check_writable(const struct qcow2_header *h, char *msg, size_t msglen)
{
	if (h->incompat & QCOW2_INCOMPAT_CORRUPT) {
		snprintf(msg, msglen,
			 "qcow2 image is marked corrupt; open it read-only or repair "
			 "it (qemu-img check -r all)");
		return -EINVAL;
	}
	if (h->incompat & QCOW2_INCOMPAT_DIRTY) {
		/* Lazy refcounts were not written back: refcounts cannot be trusted. */
		snprintf(msg, msglen,
			 "qcow2 image is dirty (lazy refcounts); open it read-only "
			 "or repair it (qemu-img check -r all)");
		return -ENOTSUP;
	}
	if (h->nb_snapshots) {
		snprintf(msg, msglen,
			 "qcow2 image has internal snapshots; writing to it is not "
			 "supported (open it read-only)");
		return -ENOTSUP;
	}
	return 0;
}

static const struct block_ops qcow2_ops;

/* Parses the header, loads the tables, opens the backing chain; fills q. */
static int qcow2_setup(struct qcow2 *q, const struct block_opts *o, unsigned depth, char *msg,
		       size_t msglen)
{
	uint64_t file_size = qcow2_file_size(q->fd), avail;
	struct qcow2_header h;
	enum block_format bfmt;
	uint8_t *h0 = NULL;
	char name[QCOW2_MAX_BACKING_NAME + 1];
	int err;

	/* The header and its extensions live in the first cluster (at most 2 MiB). */
	avail = file_size < (1ull << QCOW2_MAX_CLUSTER_BITS) ? file_size
							     : 1ull << QCOW2_MAX_CLUSTER_BITS;
	h0 = calloc(1, (1ull << QCOW2_MAX_CLUSTER_BITS));
	if (!h0)
		return -ENOMEM;
	err = block_pread_full(q->fd, h0, avail, 0);
	if (err) {
		snprintf(msg, msglen, "cannot read the qcow2 header: %s", strerror(-err));
		goto out;
	}
	if (avail >= 24 && get_be32(h0 + 20) >= QCOW2_MIN_CLUSTER_BITS &&
	    get_be32(h0 + 20) <= QCOW2_MAX_CLUSTER_BITS && avail > 1ull << get_be32(h0 + 20))
		avail = 1ull << get_be32(h0 + 20);
	err = qcow2_parse_header(&h, h0, avail, file_size, msg, msglen);
	if (!err)
		err = qcow2_parse_exts(&h, h0, avail, &bfmt, msg, msglen);
	if (!err && !o->read_only)
		err = qcow2_check_writable(&h, msg, msglen);
	if (err)
		goto out;
	q->bk.ops = &qcow2_ops;
	q->bk.size = h.size;
	q->bk.read_only = o->read_only;
	q->version = h.version;
	q->cluster_bits = h.cluster_bits;
	q->cluster_size = 1ull << h.cluster_bits;
	q->l2_bits = h.cluster_bits - 3;
	q->refcount_order = h.refcount_order;
	q->rb_bits = h.cluster_bits + 3 - h.refcount_order;
	q->l1_size = h.l1_size;
	q->l1_offset = h.l1_offset;
	q->rt_offset = h.rt_offset;
	q->rt_bytes = (uint64_t)h.rt_clusters << h.cluster_bits;
	q->rt_entries = q->rt_bytes / 8;
	q->file_end = (file_size + q->cluster_size - 1) & ~(q->cluster_size - 1);
	q->buf = malloc(q->cluster_size);
	q->zero = calloc(1, q->cluster_size);
	if (!q->buf || !q->zero) {
		err = -ENOMEM;
		goto out;
	}
	err = qcow2_load_tables(q, file_size, msg, msglen);
	if (err)
		goto out;
	if (h.backing_name_offset) {
		memcpy(name, h0 + h.backing_name_offset, h.backing_name_size);
		name[h.backing_name_size] = '\0';
		if (strlen(name) != h.backing_name_size) {
			snprintf(msg, msglen, "bad qcow2 backing file name (has a NUL byte)");
			err = -EINVAL;
			goto out;
		}
		err = qcow2_open_backing(q, o, name, bfmt, depth, msg, msglen);
		if (err)
			goto out;
	}
	/* Autoclear bits (bytes 88-95) name extensions this writer does not keep up to date. */
	if (!o->read_only && h.version == 3 && h.autoclear) {
		uint8_t zero[8] = {0};

		err = block_pwrite_full(q->fd, zero, 8, 88);
		if (!err && fdatasync(q->fd))
			err = -errno;
		if (err)
			snprintf(msg, msglen, "cannot update the qcow2 header: %s", strerror(-err));
	}
out:
	free(h0);
	return err;
}

/* Frees q and what it holds (the fd included). */
static void qcow2_free(struct qcow2 *q)
{
	block_close(q->backing);
	free(q->l1);
	free(q->rt);
	free(q->buf);
	free(q->zero);
	free(q->iov);
	if (q->fd >= 0)
		close(q->fd);
	free(q);
}

int block_qcow2_open(struct block **out, int fd, const struct block_opts *o, unsigned depth,
		     char *msg, size_t msglen)
{
	struct qcow2 *q = calloc(1, sizeof(*q));
	char why[512];
	int err;

	*out = NULL;
	if (!q) {
		close(fd);
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	q->fd = fd;
	why[0] = '\0';
	err = qcow2_setup(q, o, depth, why, sizeof(why));
	if (err) {
		snprintf(msg, msglen, "%s: %s", o->path ? o->path : "(fd)",
			 why[0] ? why : strerror(-err));
		qcow2_free(q);
		return err;
	}
	*out = &q->bk;
	return 0;
}

/* ---- mapping ---- */

/*
 * Finds the L2 entry for guest offset pos: *slot gets its file offset (0 when its L2 table is
 * not allocated) and *entry its value. With alloc, a missing L2 table is allocated (zeroed on
 * disk; the L1 entry is written when the batch commits).
 */
static int qcow2_l2_find(struct qcow2 *q, uint64_t pos, bool alloc, uint64_t *slot,
			 uint64_t *entry);

/* Classifies an L2 entry ("Standard Cluster Descriptor"); *host gets its cluster offset. */
static int qcow2_classify(const struct qcow2 *q, uint64_t e, uint64_t *host)
{
	*host = e & L2E_OFFSET_MASK;
	if (e & QCOW_OFLAG_COMPRESSED)
		return C_COMPRESSED;
	if (e & L2E_RESERVED)
		return -EIO;
	if (e & QCOW_OFLAG_ZERO) {
		/* Version 2 has no zero flag (bit 0 was reserved). */
		if (q->version < 3 || (*host && !qcow2_cluster_ok(q, *host, q->file_end)))
			return -EIO;
		return C_ZERO;
	}
	if (!*host)
		return C_UNALLOC;
	return qcow2_cluster_ok(q, *host, q->file_end) ? C_DATA : -EIO;
}

/* Grows q->iov to hold n entries. */
static int qcow2_iov_reserve(struct qcow2 *q, unsigned n)
{
	struct iovec *v;

	if (n <= q->iov_cap)
		return 0;
	v = realloc(q->iov, n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	q->iov = v;
	q->iov_cap = n;
	return 0;
}

/* Zeros iov[0..n). */
static void iov_zero(const struct iovec *iov, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		memset(iov[i].iov_base, 0, iov[i].iov_len);
}

/* Reads iov[0..n) from the file at pos, zeros past its end. */
static int qcow2_file_readv(int fd, const struct iovec *iov, unsigned n, uint64_t pos)
{
	for (unsigned i = 0; i < n; i++) {
		int err = block_pread_full(fd, iov[i].iov_base, iov[i].iov_len, pos);

		if (err)
			return err;
		pos += iov[i].iov_len;
	}
	return 0;
}

/* Writes iov[0..n) to the file at pos. */
static int qcow2_file_writev(int fd, const struct iovec *iov, unsigned n, uint64_t pos)
{
	for (unsigned i = 0; i < n; i++) {
		int err = block_pwrite_full(fd, iov[i].iov_base, iov[i].iov_len, pos);

		if (err)
			return err;
		pos += iov[i].iov_len;
	}
	return 0;
}

/* Reads len bytes at guest offset pos of the backing file into buf; zeros past its end. */
static int qcow2_backing_read(struct qcow2 *q, void *buf, uint64_t len, uint64_t pos)
{
	uint64_t bsize = q->backing ? block_size(q->backing) : 0, in = 0;

	if (pos < bsize)
		in = bsize - pos < len ? bsize - pos : len;
	memset((uint8_t *)buf + in, 0, len - in);
	return in ? block_read(q->backing, buf, in, pos) : 0;
}

/*
 * Reads the piece [pos, pos+len) of one cluster into iov[0..n) (len bytes); scratch has room
 * for n entries.
 */
static int qcow2_read_piece(struct qcow2 *q, const struct iovec *iov, unsigned n, uint64_t pos,
			    uint64_t len, struct iovec *scratch)
{
	uint64_t slot, e, host, bsize = q->backing ? block_size(q->backing) : 0, in;
	unsigned k;
	int kind, err;

	err = qcow2_l2_find(q, pos, false, &slot, &e);
	if (err)
		return err;
	kind = qcow2_classify(q, e, &host);
	switch (kind) {
	case C_DATA:
		return qcow2_file_readv(q->fd, iov, n, host + (pos & (q->cluster_size - 1)));
	case C_ZERO:
		iov_zero(iov, n);
		return 0;
	case C_UNALLOC:
		/* "Unallocated clusters read from the backing file", zeros past its end. */
		in = pos < bsize ? (bsize - pos < len ? bsize - pos : len) : 0;
		if (in < len) {
			k = block_iov_slice(iov, n, in, len - in, scratch);
			iov_zero(scratch, k);
		}
		if (!in)
			return 0;
		k = block_iov_slice(iov, n, 0, in, scratch);
		return block_readv(q->backing, scratch, k, pos);
	case C_COMPRESSED:
		return -ENOTSUP; /* compressed clusters: see docs/qcow2.md */
	default:
		return kind;
	}
}

static int qcow2_readv(struct block *bk, const struct iovec *iov, unsigned n, uint64_t pos)
{
	struct qcow2 *q = to_q(bk);
	uint64_t len = 0, done, piece;
	int err;

	for (unsigned i = 0; i < n; i++)
		len += iov[i].iov_len;
	err = qcow2_iov_reserve(q, 2 * n);
	if (err)
		return err;
	for (done = 0; done < len; done += piece) {
		uint64_t at = pos + done, in = at & (q->cluster_size - 1);
		unsigned k;

		piece = q->cluster_size - in < len - done ? q->cluster_size - in : len - done;
		k = block_iov_slice(iov, n, done, piece, q->iov);
		err = qcow2_read_piece(q, q->iov, k, at, piece, q->iov + n);
		if (err)
			return err;
	}
	return 0;
}

/* ---- refcounts ("Refcount table"): entries of 1 << refcount_order bits, big-endian ---- */

/* The file offset and bit position of the refcount of cluster off; -EIO without a block. */
static int qcow2_refcount_at(const struct qcow2 *q, uint64_t off, uint64_t *pos, unsigned *shift)
{
	uint64_t ci = off >> q->cluster_bits, rti = ci >> q->rb_bits;
	uint64_t idx = ci & ((1ull << q->rb_bits) - 1);
	unsigned bits = 1u << q->refcount_order;

	if (rti >= q->rt_entries || !q->rt[rti])
		return -EIO;
	*pos = q->rt[rti] + idx * bits / 8;
	*shift = (unsigned)(idx * bits % 8); /* below 8 bits: the lowest bits come first */
	return 0;
}

/* Reads the refcount of cluster off into *val. */
static int qcow2_refcount_get(struct qcow2 *q, uint64_t off, uint64_t *val)
{
	unsigned bits = 1u << q->refcount_order, shift, nb = bits < 8 ? 1 : bits / 8;
	uint8_t b[8];
	uint64_t pos, v = 0;
	int err = qcow2_refcount_at(q, off, &pos, &shift);

	if (!err)
		err = block_pread_full(q->fd, b, nb, pos);
	if (err)
		return err;
	if (bits < 8) {
		*val = (b[0] >> shift) & ((1u << bits) - 1);
		return 0;
	}
	for (unsigned i = 0; i < nb; i++)
		v = v << 8 | b[i];
	*val = v;
	return 0;
}

/* Writes the refcount of cluster off (not synced). */
static int qcow2_refcount_set(struct qcow2 *q, uint64_t off, uint64_t val)
{
	unsigned bits = 1u << q->refcount_order, shift, nb = bits < 8 ? 1 : bits / 8;
	uint8_t b[8];
	uint64_t pos;
	int err = qcow2_refcount_at(q, off, &pos, &shift);

	if (err)
		return err;
	if (bits < 8) {
		uint8_t mask = (uint8_t)(((1u << bits) - 1) << shift);

		err = block_pread_full(q->fd, b, 1, pos);
		if (err)
			return err;
		b[0] = (uint8_t)((b[0] & ~mask) | ((val << shift) & mask));
	} else {
		for (unsigned i = 0; i < nb; i++)
			b[i] = (uint8_t)(val >> (8 * (nb - 1 - i)));
	}
	return block_pwrite_full(q->fd, b, nb, pos);
}

/*
 * Allocates a cluster at the end of the file with refcount 1 (written, not synced). A missing
 * refcount block is made in the first free cluster and counts itself; the refcount table is
 * not grown (-ENOSPC: see docs/qcow2.md).
 */
static int qcow2_alloc_cluster(struct qcow2 *q, uint64_t *out)
{
	for (;;) {
		uint64_t off = q->file_end, rti = off >> (q->cluster_bits + q->rb_bits);
		uint8_t e[8];
		int err;

		if (off + q->cluster_size > QCOW2_MAX_VIRTUAL_SIZE || rti >= q->rt_entries)
			return -ENOSPC;
		if (q->rt[rti]) {
			err = qcow2_refcount_set(q, off, 1);
			if (err)
				return err;
			q->file_end += q->cluster_size;
			*out = off;
			return 0;
		}
		/* The new block, durable before the table entry that points at it. */
		err = block_pwrite_full(q->fd, q->zero, q->cluster_size, off);
		q->rt[rti] = off;
		q->file_end += q->cluster_size;
		if (!err)
			err = qcow2_refcount_set(q, off, 1);
		if (!err && fdatasync(q->fd))
			err = -errno;
		put_be64(e, off);
		if (!err)
			err = block_pwrite_full(q->fd, e, 8, q->rt_offset + rti * 8);
		if (err) {
			q->broken = true;
			return err;
		}
	}
}

/* The hash bucket of slot (an 8-aligned file offset). */
static unsigned qcow2_hash_of(uint64_t slot)
{
	return (unsigned)(((slot >> 3) * 0x9e3779b97f4a7c15ull) >> 40) & (QCOW2_HASH - 1);
}

/* The pending update of the L2 entry at slot, or NULL. */
static struct qcow2_upd *qcow2_pending(struct qcow2 *q, uint64_t slot)
{
	for (unsigned h = qcow2_hash_of(slot); q->hash[h]; h = (h + 1) & (QCOW2_HASH - 1))
		if (q->upd[q->hash[h] - 1].slot == slot)
			return &q->upd[q->hash[h] - 1];
	return NULL;
}

static int qcow2_l2_find(struct qcow2 *q, uint64_t pos, bool alloc, uint64_t *slot, uint64_t *entry)
{
	uint64_t l1i = pos >> (q->cluster_bits + q->l2_bits), l2, c;
	uint64_t l2i = (pos >> q->cluster_bits) & ((1ull << q->l2_bits) - 1);
	struct qcow2_upd *pend;
	uint8_t e[8];
	int err;

	if (l1i >= q->l1_size) /* cannot happen: the header check made L1 cover the disk */
		return -EIO;
	l2 = q->l1[l1i] & L1E_OFFSET_MASK;
	if (!l2 && alloc) {
		if (q->nl1 == QCOW2_BATCH)
			return -EAGAIN;
		err = qcow2_alloc_cluster(q, &c);
		if (err)
			return err;
		err = block_pwrite_full(q->fd, q->zero, q->cluster_size, c);
		if (err)
			return err;
		/* In memory now; on disk only after the commit's sync made the table durable. */
		q->l1[l1i] = c | QCOW_OFLAG_COPIED;
		q->l1_dirty[q->nl1++] = (uint32_t)l1i;
		l2 = c;
	}
	if (!l2) {
		*slot = *entry = 0;
		return 0;
	}
	*slot = l2 + l2i * 8;
	pend = qcow2_pending(q, *slot);
	if (pend) {
		*entry = pend->val;
		return 0;
	}
	err = block_pread_full(q->fd, e, 8, *slot);
	if (err)
		return err;
	*entry = get_be64(e);
	return 0;
}

/*
 * Commits the batch in the order that survives a host crash ("refcounts first", as QEMU):
 * new clusters' refcounts, data and zeroed L2 tables are made durable (fdatasync) before any
 * L2 or L1 entry points at them; an entry that stops pointing at a cluster is made durable
 * before that cluster's refcount goes down. A crash leaks clusters at worst.
 */
static int qcow2_commit(struct qcow2 *q)
{
	uint8_t e[8];
	int err = 0;

	if ((q->nupd || q->nl1) && fdatasync(q->fd))
		err = -errno;
	for (unsigned i = 0; i < q->nupd && !err; i++) {
		put_be64(e, q->upd[i].val);
		err = block_pwrite_full(q->fd, e, 8, q->upd[i].slot);
	}
	for (unsigned i = 0; i < q->nl1 && !err; i++) {
		put_be64(e, q->l1[q->l1_dirty[i]]);
		err = block_pwrite_full(q->fd, e, 8, q->l1_offset + q->l1_dirty[i] * 8ull);
	}
	if (q->ndrop && !err && fdatasync(q->fd))
		err = -errno;
	for (unsigned i = 0; i < q->ndrop && !err; i++) {
		uint64_t rc;

		err = qcow2_refcount_get(q, q->drop[i], &rc);
		if (!err && rc)
			err = qcow2_refcount_set(q, q->drop[i], rc - 1);
		/* Free in the host file system too; a hint. */
		if (!err && rc == 1)
			fallocate(q->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  (off_t)q->drop[i], (off_t)q->cluster_size);
	}
	q->nupd = q->nl1 = q->ndrop = 0;
	memset(q->hash, 0, sizeof(q->hash));
	if (err)
		q->broken = true;
	return err;
}

/*
 * Queues an L2 entry update (and a refcount drop of the cluster it stops pointing at); the
 * caller made sure the batch has room.
 */
static void qcow2_queue(struct qcow2 *q, uint64_t slot, uint64_t val, uint64_t drop)
{
	struct qcow2_upd *u = qcow2_pending(q, slot);
	unsigned h;

	if (!u) {
		for (h = qcow2_hash_of(slot); q->hash[h]; h = (h + 1) & (QCOW2_HASH - 1))
			;
		u = &q->upd[q->nupd++];
		u->slot = slot;
		q->hash[h] = (uint16_t)q->nupd;
	}
	u->val = val;
	if (drop)
		q->drop[q->ndrop++] = drop;
}

/*
 * Writes the piece [pos, pos+len) of one cluster from iov[0..n): in place into an allocated
 * cluster, or into a new one filled from the backing file (or zeros) around the data.
 */
static int qcow2_write_piece(struct qcow2 *q, const struct iovec *iov, unsigned n, uint64_t pos,
			     uint64_t len)
{
	uint64_t cs = q->cluster_size, in = pos & (cs - 1), base = pos - in, slot, e, host, c;
	int kind, err;

	err = qcow2_l2_find(q, pos, true, &slot, &e);
	if (err)
		return err;
	kind = qcow2_classify(q, e, &host);
	if (kind < 0)
		return kind;
	if (kind == C_COMPRESSED)
		return -ENOTSUP;
	if (kind == C_DATA) {
		/* Shared clusters (refcount > 1) would need copying: only with snapshots. */
		if (!(e & QCOW_OFLAG_COPIED))
			return -ENOTSUP;
		return qcow2_file_writev(q->fd, iov, n, host + in);
	}
	if (kind == C_ZERO && host && (e & QCOW_OFLAG_COPIED))
		c = host; /* a preallocated zero cluster: fill it, then clear the flag */
	else {
		err = qcow2_alloc_cluster(q, &c);
		if (err)
			return err;
	}
	if (len == cs) {
		err = qcow2_file_writev(q->fd, iov, n, c);
	} else {
		/* Copy-on-write: the rest of the cluster as the guest saw it before. */
		if (kind == C_ZERO)
			memset(q->buf, 0, cs);
		else
			err = qcow2_backing_read(q, q->buf, cs, base);
		for (unsigned i = 0; i < n && !err; i++) {
			memcpy(q->buf + in, iov[i].iov_base, iov[i].iov_len);
			in += iov[i].iov_len;
		}
		if (!err)
			err = block_pwrite_full(q->fd, q->buf, cs, c);
	}
	if (err)
		return err;
	/* A shared zero cluster that was not reused loses one reference. */
	qcow2_queue(q, slot, c | QCOW_OFLAG_COPIED, host && host != c ? host : 0);
	return 0;
}

static int qcow2_writev(struct block *bk, const struct iovec *iov, unsigned n, uint64_t pos)
{
	struct qcow2 *q = to_q(bk);
	uint64_t len = 0, done, piece;
	int err;

	if (q->broken)
		return -EIO;
	for (unsigned i = 0; i < n; i++)
		len += iov[i].iov_len;
	err = qcow2_iov_reserve(q, n);
	for (done = 0; done < len && !err; done += piece) {
		uint64_t at = pos + done, in = at & (q->cluster_size - 1);
		unsigned k;

		piece = q->cluster_size - in < len - done ? q->cluster_size - in : len - done;
		k = block_iov_slice(iov, n, done, piece, q->iov);
		err = qcow2_write_piece(q, q->iov, k, at, piece);
		if (err == -EAGAIN) { /* the batch is full: commit and retry the piece */
			err = qcow2_commit(q);
			piece = 0;
			continue;
		}
		if (!err && (q->nupd == QCOW2_BATCH || q->ndrop == QCOW2_BATCH))
			err = qcow2_commit(q);
	}
	return err;
}

/*
 * Makes one whole cluster at guest offset pos read as zeros (zero) or unspecified (discard):
 * the L2 entry is set to a zero cluster (v3; needed when a backing file would show through)
 * or to unallocated, and the cluster it pointed at is freed. Without unmap an allocated
 * cluster stays allocated with the zero flag.
 */
static int qcow2_zero_cluster(struct qcow2 *q, uint64_t pos, bool zero, bool unmap)
{
	uint64_t slot, e, host, val;
	bool need_zero_flag = zero && q->backing;
	int kind, err;

	if (q->nupd == QCOW2_BATCH || q->ndrop == QCOW2_BATCH)
		return -EAGAIN;
	if (q->version < 3 && need_zero_flag)
		return -ENOTSUP; /* no zero flag in version 2: the caller writes zeros */
	err = qcow2_l2_find(q, pos, need_zero_flag && q->version >= 3, &slot, &e);
	if (err)
		return err;
	kind = qcow2_classify(q, e, &host);
	if (kind < 0)
		return kind;
	if (kind == C_COMPRESSED)
		return zero ? -ENOTSUP : 0; /* a discard is a hint: leave it */
	if (!slot || (kind == C_UNALLOC && !need_zero_flag) || (kind == C_ZERO && !host))
		return 0; /* nothing to do: already reads as wanted */
	if (q->version < 3) {
		if (zero && !unmap)
			return -ENOTSUP; /* keeping the allocation: the caller writes zeros */
		qcow2_queue(q, slot, 0, kind == C_DATA ? host : 0);
		return 0;
	}
	if (!unmap && zero && host && (e & QCOW_OFLAG_COPIED)) {
		qcow2_queue(q, slot, host | QCOW_OFLAG_ZERO | QCOW_OFLAG_COPIED, 0);
		return 0;
	}
	val = q->backing ? QCOW_OFLAG_ZERO : 0;
	qcow2_queue(q, slot, val, host);
	return 0;
}

/* Discard (zero false) or write-zeroes over [pos, pos+len). */
static int qcow2_zero_range(struct qcow2 *q, uint64_t pos, uint64_t len, bool zero, bool unmap)
{
	uint64_t cs = q->cluster_size, end = pos + len, piece;
	int err = 0;

	if (q->broken)
		return -EIO;
	for (; pos < end && !err; pos += piece) {
		uint64_t in = pos & (cs - 1);

		piece = cs - in < end - pos ? cs - in : end - pos;
		/* A whole cluster, or the disk's last one up to the end of the disk. */
		if (!in && (piece == cs || pos + piece == q->bk.size))
			err = qcow2_zero_cluster(q, pos, zero, unmap);
		else
			err = zero ? -ENOTSUP : 0;
		if (err == -EAGAIN) {
			err = qcow2_commit(q);
			piece = 0;
		} else if (err == -ENOTSUP && zero) {
			/* Partial cluster, or no zero flag in version 2: write zeros. */
			struct iovec v = {.iov_base = q->zero, .iov_len = piece};

			err = qcow2_writev(&q->bk, &v, 1, pos);
		}
	}
	return err;
}

static int qcow2_discard(struct block *bk, uint64_t pos, uint64_t len)
{
	return qcow2_zero_range(to_q(bk), pos, len, false, true);
}

static int qcow2_write_zeroes(struct block *bk, uint64_t pos, uint64_t len, bool may_unmap)
{
	return qcow2_zero_range(to_q(bk), pos, len, true, may_unmap);
}

/* A guest flush: the pending metadata goes out in order, then everything is synced. */
static int qcow2_flush(struct block *bk)
{
	struct qcow2 *q = to_q(bk);
	int err = 0;

	if (q->broken)
		return -EIO;
	if (q->nupd || q->nl1 || q->ndrop)
		err = qcow2_commit(q);
	if (!err && fdatasync(q->fd))
		err = -errno;
	return err;
}

static void qcow2_close(struct block *bk)
{
	if (!bk->read_only)
		qcow2_flush(bk);
	qcow2_free(to_q(bk));
}

static const struct block_ops qcow2_ops = {
    .name = "qcow2",
    .readv = qcow2_readv,
    .writev = qcow2_writev,
    .flush = qcow2_flush,
    .discard = qcow2_discard,
    .write_zeroes = qcow2_write_zeroes,
    .close = qcow2_close,
};

/* ---- creation ---- */

/* The backing file's size, opened as block_open would from the new image at path. */
static int qcow2_backing_size(const char *path, const struct qcow2_create_opts *o, uint64_t *size,
			      char *msg, size_t msglen)
{
	char full[PATH_MAX], sub[512];
	const char *slash = strrchr(path, '/');
	struct block_opts bo = {
	    .path = full, .fd = -1, .format = o->backing_format, .read_only = true};
	struct block *b;
	int err;

	if (o->backing[0] == '/' || !slash)
		snprintf(full, sizeof(full), "%s", o->backing);
	else
		snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - path), path, o->backing);
	err = block_open(&b, &bo, sub, sizeof(sub));
	if (err) {
		snprintf(msg, msglen, "backing file: %.400s", sub);
		return err;
	}
	*size = block_size(b);
	block_close(b);
	return 0;
}

int qcow2_create(const char *path, const struct qcow2_create_opts *o, char *msg, size_t msglen)
{
	unsigned cb = o->cluster_bits ? o->cluster_bits : 16;
	uint64_t cs = 1ull << cb, size = o->size, l1_size, l1_clusters, meta, off;
	const char *fmt = o->backing_format == BLOCK_FORMAT_QCOW2 ? "qcow2" : "raw";
	size_t blen = o->backing ? strlen(o->backing) : 0, flen = strlen(fmt);
	uint8_t *c = NULL;
	int fd = -1, err;

	if (cb < QCOW2_MIN_CLUSTER_BITS || cb > QCOW2_MAX_CLUSTER_BITS) {
		snprintf(msg, msglen, "cluster size must be 512 bytes .. 2 MiB, a power of 2");
		return -EINVAL;
	}
	if (blen > QCOW2_MAX_BACKING_NAME) {
		snprintf(msg, msglen, "backing file name longer than %u bytes",
			 QCOW2_MAX_BACKING_NAME);
		return -EINVAL;
	}
	if (!size && o->backing) {
		err = qcow2_backing_size(path, o, &size, msg, msglen);
		if (err)
			return err;
	}
	if (size % 512 || size > QCOW2_MAX_VIRTUAL_SIZE) {
		snprintf(msg, msglen, "bad size %llu (a multiple of 512 bytes is needed)",
			 (unsigned long long)size);
		return -EINVAL;
	}
	/* Layout: header, refcount table, one refcount block, L1 table; all counted in it. */
	l1_size = (size + cs * (cs / 8) - 1) / (cs * (cs / 8));
	l1_size = l1_size ? l1_size : 1;
	l1_clusters = (l1_size * 8 + cs - 1) / cs;
	meta = 3 + l1_clusters;
	if (meta > (cs * 8) >> 4 || l1_size * 8 > QCOW2_MAX_L1_BYTES) {
		snprintf(msg, msglen, "disk too large for this cluster size");
		return -EINVAL;
	}
	if (104 + 8 + ((flen + 7) & ~7u) + 8 + blen > cs) {
		snprintf(msg, msglen, "backing file name does not fit in the header cluster");
		return -EINVAL;
	}
	c = calloc(1, cs);
	if (!c)
		return -ENOMEM;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		snprintf(msg, msglen, "cannot create %s: %s", path, strerror(errno));
		goto out_free;
	}
	put_be32(c, QCOW2_MAGIC);
	put_be32(c + 4, 3);
	put_be32(c + 20, cb);
	put_be64(c + 24, size);
	put_be32(c + 36, (uint32_t)l1_size);
	put_be64(c + 40, 3 * cs);
	put_be64(c + 48, cs);
	put_be32(c + 56, 1);
	put_be32(c + 96, 4); /* 16-bit refcounts, as qemu-img's default */
	put_be32(c + 100, QCOW2_V3_HEADER_LEN);
	off = QCOW2_V3_HEADER_LEN;
	if (o->backing) {
		put_be32(c + off, QCOW2_EXT_BACKING_FORMAT);
		put_be32(c + off + 4, (uint32_t)flen);
		memcpy(c + off + 8, fmt, flen);
		off += 8 + ((flen + 7) & ~7u);
		off += 8; /* the end-of-extensions marker: zeros */
		memcpy(c + off, o->backing, blen);
		put_be64(c + 8, off);
		put_be32(c + 16, (uint32_t)blen);
	}
	err = block_pwrite_full(fd, c, cs, 0);
	memset(c, 0, cs);
	put_be64(c, 2 * cs); /* refcount table entry 0: the block in cluster 2 */
	if (!err)
		err = block_pwrite_full(fd, c, cs, cs);
	memset(c, 0, cs);
	for (uint64_t i = 0; i < meta; i++)
		c[2 * i + 1] = 1; /* big-endian 16-bit 1 */
	if (!err)
		err = block_pwrite_full(fd, c, cs, 2 * cs);
	if (!err && ftruncate(fd, (off_t)(meta * cs)))
		err = -errno;
	if (!err && fsync(fd))
		err = -errno;
	if (err) {
		snprintf(msg, msglen, "cannot write %s: %s", path, strerror(-err));
		unlink(path);
	}
	close(fd);
out_free:
	free(c);
	return err;
}

/* ---- an entry point for fuzzers ---- */

int block_qcow2_exercise(int fd, bool writable)
{
	struct block_opts o = {.fd = dup(fd),
			       .format = BLOCK_FORMAT_QCOW2,
			       .read_only = !writable,
			       .no_backing = true,
			       .no_lock = true};
	static const uint8_t pattern[3000] = {0xa5};
	uint8_t buf[4096];
	struct block *b;
	uint64_t size, step;
	char msg[512];
	int err;

	if (o.fd < 0)
		return -errno;
	err = block_open(&b, &o, msg, sizeof(msg));
	if (err)
		return err;
	/* 64 reads spread over the disk, then writes and discards across cluster edges. */
	size = block_size(b);
	step = size / 64 ? size / 64 : 1;
	for (uint64_t pos = 0; pos + sizeof(buf) <= size; pos += step)
		block_read(b, buf, sizeof(buf), pos);
	for (unsigned i = 0; writable && i < 8 && size > sizeof(pattern); i++) {
		uint64_t pos = (size - sizeof(pattern)) / 8 * i + 511 * i;

		pos = pos > size - sizeof(pattern) ? size - sizeof(pattern) : pos;
		block_write(b, pattern, sizeof(pattern), pos);
		if (i & 1)
			block_discard(b, pos, sizeof(pattern));
		else
			block_write_zeroes(b, pos, sizeof(pattern), i & 2);
		block_read(b, buf, sizeof(buf) < size - pos ? sizeof(buf) : size - pos, pos);
	}
	block_flush(b);
	block_close(b);
	return 0;
}
