/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk (virtio 1.2 section 5.2) on a temporary raw image, driven like a guest driver:
 * option parsing, configuration, read/write/flush round trips checked against the host file,
 * GET_ID, discard and write-zeroes (and their per-request limits), transfers of several
 * chunks, bad requests, and a read-only drive.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/vm.h"
#include "cli/args.h"
#include "virtio/virtio.h"
#include "virtio_driver.h"

#define IMG_SECTORS 65536u /* 32 MiB, sparse */
#define T_IN 0u
#define T_OUT 1u
#define T_FLUSH 4u
#define T_GET_ID 8u
#define T_DISCARD 11u
#define T_WRITE_ZEROES 13u
#define S_OK 0u
#define S_IOERR 1u
#define S_UNSUPP 2u

/* Guest RAM offsets of a request's parts. */
#define HDR VD_DATA
#define BUF (VD_DATA + 0x1000)
#define STATUS (VD_DATA + 0x100)

#define BLK_FEATURES (VD_F(VIRTIO_F_VERSION_1) | VD_F(VIRTIO_F_INDIRECT_DESC))

struct fixture {
	struct vm *vm;
	struct vd_irq irq;
	struct vdrv d;
	char path[64];
	int fd; /* the test's own view of the image */
};

/* The command line's --drive parser (src/cli/args.c), into the device's options. */
static int blk_parse(const char *spec, struct virtio_blk_opts *o, char *msg, size_t msglen)
{
	static char path[CLI_PATH_MAX];
	struct vireo_device d = {.kind = VIREO_DEV_BLK};
	int err = cli_parse_drive(spec, &d, path, msg, msglen);

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->slot = -1;
	o->name = "drive0";
	if (!err) {
		snprintf(o->path, sizeof(o->path), "%s", path);
		o->format = d.blk.format == VIREO_BLK_FORMAT_QCOW2 ? BLOCK_FORMAT_QCOW2
			    : d.blk.format == VIREO_BLK_FORMAT_RAW ? BLOCK_FORMAT_RAW
								   : BLOCK_FORMAT_AUTO;
		o->read_only = d.blk.read_only;
	}
	return err;
}

static int make_fixture(void **state, bool ro)
{
	static struct fixture fx;
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = 1};
	struct virtio_blk_opts o;
	char msg[256], spec[128];

	memset(&fx, 0, sizeof(fx));
	snprintf(fx.path, sizeof(fx.path), "/tmp/vireo-blk-XXXXXX");
	fx.fd = mkstemp(fx.path);
	if (fx.fd < 0 || ftruncate(fx.fd, IMG_SECTORS * 512ull))
		return -1;
	if (pwrite(fx.fd, "disk", 4, 512) != 4)
		return -1;
	if (vm_create(&fx.vm, &cfg))
		return -1;
	vd_irq_hook(fx.vm, &fx.irq);
	snprintf(spec, sizeof(spec), "file=%s,ro=%s", fx.path, ro ? "on" : "off");
	if (blk_parse(spec, &o, msg, sizeof(msg)) || virtio_blk_create(fx.vm, &o, msg, sizeof(msg)))
		return -1;
	fx.d.vm = fx.vm;
	fx.d.base = VIRTIO_MMIO_BASE;
	*state = &fx;
	return 0;
}

static int setup(void **state)
{
	return make_fixture(state, false);
}

static int setup_ro(void **state)
{
	return make_fixture(state, true);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	vd_irq_unhook(fx->vm, &fx->irq);
	vm_destroy(fx->vm);
	close(fx->fd);
	unlink(fx->path);
	return 0;
}

/*
 * Posts header + (data, len, device-writable or not) + status as a direct chain of three,
 * or through an indirect table; returns the status byte, *used the used length.
 */
static uint8_t blk_req(struct fixture *fx, uint32_t type, uint64_t sector, uint32_t len,
		       bool writable, bool indirect, uint32_t *used)
{
	struct vdrv *d = &fx->d;
	uint64_t table = indirect ? VD_INDIRECT : VD_DESC;
	uint32_t hdr[4] = {type, 0, (uint32_t)sector, (uint32_t)(sector >> 32)};
	uint8_t *st = vd_ram(d, STATUS, 1);
	unsigned i = 0;
	uint32_t u;

	memcpy(vd_ram(d, HDR, 16), hdr, 16);
	*st = 0xff;
	vd_desc(d, table, i, vd_gpa(d, HDR), 16, VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
	i++;
	if (len) {
		vd_desc(d, table, i, vd_gpa(d, BUF), len,
			VIRTQ_DESC_F_NEXT | (writable ? VIRTQ_DESC_F_WRITE : 0), (uint16_t)(i + 1));
		i++;
	}
	vd_desc(d, table, i, vd_gpa(d, STATUS), 1, VIRTQ_DESC_F_WRITE, 0);
	if (indirect)
		vd_desc(d, VD_DESC, 0, vd_gpa(d, VD_INDIRECT), 16 * (i + 1), VIRTQ_DESC_F_INDIRECT,
			0);
	vd_kick(d, 0);
	u = vd_wait_used(d, NULL);
	if (used)
		*used = u;
	return *st;
}

static void test_parse(void **state)
{
	struct virtio_blk_opts o;
	char msg[256];
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = 1};
	struct vm *vm;

	(void)state;
	assert_int_equal(blk_parse("file=/x/disk.img", &o, msg, sizeof(msg)), 0);
	assert_string_equal(o.path, "/x/disk.img");
	assert_false(o.read_only);
	assert_int_equal(blk_parse("ro=on,file=a.img", &o, msg, sizeof(msg)), 0);
	assert_true(o.read_only);
	assert_int_equal(blk_parse("file=a,ro=yes", &o, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "ro=yes"));
	assert_int_equal(blk_parse("file=a,cache=none", &o, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "cache"));
	assert_int_equal(blk_parse("ro=on", &o, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "missing"));
	assert_int_equal(blk_parse("a.img", &o, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(blk_parse("file=", &o, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(blk_parse("file=a", &o, msg, sizeof(msg)), 0);
	assert_int_equal(o.format, BLOCK_FORMAT_AUTO);
	assert_int_equal(blk_parse("format=qcow2,file=a", &o, msg, sizeof(msg)), 0);
	assert_int_equal(o.format, BLOCK_FORMAT_QCOW2);
	assert_int_equal(blk_parse("file=a,format=raw", &o, msg, sizeof(msg)), 0);
	assert_int_equal(o.format, BLOCK_FORMAT_RAW);
	assert_int_equal(blk_parse("file=a,format=vmdk", &o, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "format=vmdk"));
	/* A missing file is reported with its name. */
	assert_int_equal(vm_create(&vm, &cfg), 0);
	assert_int_equal(blk_parse("file=/nonexistent/vireo.img", &o, msg, sizeof(msg)), 0);
	assert_int_equal(virtio_blk_create(vm, &o, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "/nonexistent/vireo.img"));
	vm_destroy(vm);
}

/* A qcow2 image is found by its magic; a broken one is refused with the reason. */
static void test_qcow2_drive(void **state)
{
	struct qcow2_create_opts co = {.size = 8 << 20};
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = 1};
	char path[64] = "/tmp/vireo-blk-XXXXXX", img[80], spec[128], msg[512];
	struct virtio_blk_opts o;
	struct vm *vm;

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(img, sizeof(img), "%s/d.qcow2", path);
	assert_int_equal(qcow2_create(img, &co, msg, sizeof(msg)), 0);
	assert_int_equal(vm_create(&vm, &cfg), 0);
	snprintf(spec, sizeof(spec), "file=%s", img);
	assert_int_equal(blk_parse(spec, &o, msg, sizeof(msg)), 0);
	assert_int_equal(virtio_blk_create(vm, &o, msg, sizeof(msg)), 0);
	vm_destroy(vm);
	assert_int_equal(truncate(img, 80), 0);
	assert_int_equal(vm_create(&vm, &cfg), 0);
	assert_int_equal(virtio_blk_create(vm, &o, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "truncated qcow2"));
	vm_destroy(vm);
	unlink(img);
	rmdir(path);
}

static void test_config(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;
	uint64_t cap = 0, v;
	uint32_t f;

	assert_int_equal(vd_rd(d, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	assert_int_equal(bus_read(&fx->vm->bus, d->base + VIRTIO_MMIO_CONFIG, 8, &cap), 0);
	assert_int_equal(cap, IMG_SECTORS);
	vd_wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f = vd_rd(d, VIRTIO_MMIO_DEVICE_FEATURES);
	assert_true(f & (1u << 9));  /* FLUSH */
	assert_true(f & (1u << 13)); /* DISCARD */
	assert_true(f & (1u << 14)); /* WRITE_ZEROES */
	assert_false(f & (1u << 5)); /* not RO */
	/* seg_max at 12 leaves room for the header and the status in a queue. */
	assert_int_equal(bus_read(&fx->vm->bus, d->base + VIRTIO_MMIO_CONFIG + 12, 4, &v), 0);
	assert_true(v >= 1 && v <= VIRTQ_MAX_SIZE - 2);
	/* Past the end of the configuration space reads 0 and writes are ignored. */
	assert_int_equal(bus_read(&fx->vm->bus, d->base + 0x200, 4, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(bus_write(&fx->vm->bus, d->base + VIRTIO_MMIO_CONFIG, 8, 1), 0);
	assert_int_equal(bus_read(&fx->vm->bus, d->base + VIRTIO_MMIO_CONFIG, 8, &cap), 0);
	assert_int_equal(cap, IMG_SECTORS);
}

static void test_read_write_flush(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;
	uint8_t *buf = vd_ram(d, BUF, 4096), pattern[1024], host[1024];
	uint32_t used;

	vd_init(d, BLK_FEATURES | VD_F(9), 1);
	/* What the host wrote in sector 1 reads back in the guest. */
	memset(buf, 0, 1024);
	assert_int_equal(blk_req(fx, T_IN, 1, 512, true, false, &used), S_OK);
	assert_int_equal(used, 513);
	assert_memory_equal(buf, "disk", 4);
	/* Two sectors written by the guest land in the file; flush completes. */
	for (unsigned i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + 3);
	memcpy(buf, pattern, sizeof(pattern));
	assert_int_equal(blk_req(fx, T_OUT, 100, 1024, false, false, &used), S_OK);
	assert_int_equal(used, 1);
	assert_int_equal(blk_req(fx, T_FLUSH, 0, 0, false, false, NULL), S_OK);
	assert_int_equal(pread(fx->fd, host, sizeof(host), 100 * 512), (ssize_t)sizeof(host));
	assert_memory_equal(host, pattern, sizeof(pattern));
	/* Read back through an indirect table. */
	memset(buf, 0, 1024);
	assert_int_equal(blk_req(fx, T_IN, 100, 1024, true, true, &used), S_OK);
	assert_int_equal(used, 1025);
	assert_memory_equal(buf, pattern, sizeof(pattern));
	/* The last sector is reachable, one past it is not. */
	assert_int_equal(blk_req(fx, T_IN, IMG_SECTORS - 1, 512, true, false, NULL), S_OK);
	assert_int_equal(blk_req(fx, T_IN, IMG_SECTORS - 1, 1024, true, false, NULL), S_IOERR);
	assert_int_equal(blk_req(fx, T_OUT, ~0ull, 512, false, false, NULL), S_IOERR);
	/* Not a whole number of sectors, and an unknown type. */
	assert_int_equal(blk_req(fx, T_IN, 0, 100, true, false, NULL), S_IOERR);
	assert_int_equal(blk_req(fx, 77, 0, 0, false, false, NULL), S_UNSUPP);
}

static void test_get_id(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;
	const char *name = strrchr(fx->path, '/') + 1;
	uint8_t *buf = vd_ram(d, BUF, 32);
	uint32_t used;

	vd_init(d, BLK_FEATURES, 1);
	memset(buf, 0, 32);
	assert_int_equal(blk_req(fx, T_GET_ID, 0, 20, true, false, &used), S_OK);
	assert_int_equal(used, 21);
	assert_memory_equal(buf, name, strlen(name));
}

/* Writes a discard/write-zeroes segment at BUF. */
static void put_seg(struct fixture *fx, uint64_t sector, uint32_t n, uint32_t flags)
{
	uint32_t seg[4] = {(uint32_t)sector, (uint32_t)(sector >> 32), n, flags};

	memcpy(vd_ram(&fx->d, BUF, 16), seg, 16);
}

static void test_discard_write_zeroes(void **state)
{
	struct fixture *fx = *state;
	uint8_t ones[4096], host[4096], zero[4096] = {0};

	vd_init(&fx->d, BLK_FEATURES | VD_F(13) | VD_F(14), 1);
	memset(ones, 0xa5, sizeof(ones));
	assert_int_equal(pwrite(fx->fd, ones, sizeof(ones), 64 * 512), (ssize_t)sizeof(ones));
	put_seg(fx, 64, 8, 0);
	assert_int_equal(blk_req(fx, T_WRITE_ZEROES, 0, 16, false, false, NULL), S_OK);
	assert_int_equal(pread(fx->fd, host, sizeof(host), 64 * 512), (ssize_t)sizeof(host));
	assert_memory_equal(host, zero, sizeof(zero));
	assert_int_equal(pwrite(fx->fd, ones, sizeof(ones), 64 * 512), (ssize_t)sizeof(ones));
	put_seg(fx, 64, 8, 1); /* with unmap */
	assert_int_equal(blk_req(fx, T_WRITE_ZEROES, 0, 16, false, false, NULL), S_OK);
	assert_int_equal(pread(fx->fd, host, sizeof(host), 64 * 512), (ssize_t)sizeof(host));
	assert_memory_equal(host, zero, sizeof(zero));
	put_seg(fx, 0, 8, 0);
	assert_int_equal(blk_req(fx, T_DISCARD, 0, 16, false, false, NULL), S_OK);
	/* Unmap on a discard and unknown flags are unsupported; a range past the end fails. */
	put_seg(fx, 0, 8, 1);
	assert_int_equal(blk_req(fx, T_DISCARD, 0, 16, false, false, NULL), S_UNSUPP);
	put_seg(fx, 0, 8, 4);
	assert_int_equal(blk_req(fx, T_WRITE_ZEROES, 0, 16, false, false, NULL), S_UNSUPP);
	put_seg(fx, IMG_SECTORS - 4, 8, 0);
	assert_int_equal(blk_req(fx, T_WRITE_ZEROES, 0, 16, false, false, NULL), S_IOERR);
	/* A segment list that is not a whole number of segments. */
	assert_int_equal(blk_req(fx, T_DISCARD, 0, 12, false, false, NULL), S_UNSUPP);
}

/* Config offsets of max_discard_sectors and max_write_zeroes_sectors (5.2.4). */
#define CFG_MAX_DISCARD 36
#define CFG_MAX_WZ 48

/*
 * Discard and write-zeroes work per request is bounded by what the config space advertises,
 * over all segments together, so a reset never waits for gigabytes of zeroes.
 */
static void test_zero_limits(void **state)
{
	struct fixture *fx = *state;
	uint64_t max_wz = 0, max_discard = 0;
	uint32_t two[8];

	vd_init(&fx->d, BLK_FEATURES | VD_F(13) | VD_F(14), 1);
	assert_int_equal(
	    bus_read(&fx->vm->bus, fx->d.base + VIRTIO_MMIO_CONFIG + CFG_MAX_WZ, 4, &max_wz), 0);
	assert_int_equal(bus_read(&fx->vm->bus, fx->d.base + VIRTIO_MMIO_CONFIG + CFG_MAX_DISCARD,
				  4, &max_discard),
			 0);
	assert_true(max_wz >= 8 && max_wz <= 65536); /* at most 32 MiB of writes */
	assert_true(max_discard >= 8 && max_discard <= (1u << 21));
	assert_true(max_wz < IMG_SECTORS);
	put_seg(fx, 0, (uint32_t)max_wz, 0);
	assert_int_equal(blk_req(fx, T_WRITE_ZEROES, 0, 16, false, false, NULL), S_OK);
	put_seg(fx, 0, (uint32_t)max_wz + 1, 0);
	assert_int_equal(blk_req(fx, T_WRITE_ZEROES, 0, 16, false, false, NULL), S_IOERR);
	/* Two segments, each within the limit, together over it. */
	two[0] = 0;
	two[1] = 0;
	two[2] = (uint32_t)max_wz / 2 + 1;
	two[3] = 0;
	two[4] = (uint32_t)max_wz;
	two[5] = 0;
	two[6] = (uint32_t)max_wz / 2 + 1;
	two[7] = 0;
	memcpy(vd_ram(&fx->d, BUF, sizeof(two)), two, sizeof(two));
	assert_int_equal(blk_req(fx, T_WRITE_ZEROES, 0, 32, false, false, NULL), S_IOERR);
	two[2] = two[6] = (uint32_t)max_wz / 2;
	memcpy(vd_ram(&fx->d, BUF, sizeof(two)), two, sizeof(two));
	assert_int_equal(blk_req(fx, T_WRITE_ZEROES, 0, 32, false, false, NULL), S_OK);
}

/* A transfer of several device chunks (1 MiB each) and a partial one lands whole. */
static void test_big_transfer(void **state)
{
	struct fixture *fx = *state;
	const uint32_t len = (3u << 20) + 512;
	uint8_t *buf = vd_ram(&fx->d, BUF, len), *want = malloc(len), *host = malloc(len);
	uint32_t used;

	assert_non_null(want);
	assert_non_null(host);
	vd_init(&fx->d, BLK_FEATURES, 1);
	for (uint32_t i = 0; i < len; i++)
		want[i] = (uint8_t)(i * 13 + (i >> 12));
	memcpy(buf, want, len);
	assert_int_equal(blk_req(fx, T_OUT, 3, len, false, false, &used), S_OK);
	assert_int_equal(pread(fx->fd, host, len, 3 * 512), (ssize_t)len);
	assert_memory_equal(host, want, len);
	memset(buf, 0, len);
	assert_int_equal(blk_req(fx, T_IN, 3, len, true, false, &used), S_OK);
	assert_int_equal(used, len + 1);
	assert_memory_equal(buf, want, len);
	free(want);
	free(host);
}

static void test_bad_requests(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;

	vd_init(d, BLK_FEATURES, 1);
	/* No status byte: the request is returned unused, the device goes on. */
	vd_desc(d, VD_DESC, 0, vd_gpa(d, HDR), 16, 0, 0);
	vd_kick(d, 0);
	assert_int_equal(vd_wait_used(d, NULL), 0);
	/* A header shorter than 16 bytes. */
	vd_desc(d, VD_DESC, 0, vd_gpa(d, HDR), 8, VIRTQ_DESC_F_NEXT, 1);
	vd_desc(d, VD_DESC, 1, vd_gpa(d, STATUS), 1, VIRTQ_DESC_F_WRITE, 0);
	vd_kick(d, 0);
	assert_int_equal(vd_wait_used(d, NULL), 0);
	/* A data buffer outside RAM breaks the ring: NEEDS_RESET, and the host is fine. */
	memcpy(vd_ram(d, HDR, 16), (uint32_t[4]){T_IN, 0, 0, 0}, 16);
	vd_desc(d, VD_DESC, 0, vd_gpa(d, HDR), 16, VIRTQ_DESC_F_NEXT, 1);
	vd_desc(d, VD_DESC, 1, 0x7ffff000, 4096, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	vd_desc(d, VD_DESC, 2, vd_gpa(d, STATUS), 1, VIRTQ_DESC_F_WRITE, 0);
	vd_kick(d, 0);
	vd_wait_needs_reset(d);
	/* After a reset the disk works again. */
	vd_init(d, BLK_FEATURES, 1);
	assert_int_equal(blk_req(fx, T_IN, 0, 512, true, false, NULL), S_OK);
}

static void test_read_only(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;
	uint8_t host[4];

	vd_wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_true(vd_rd(d, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << 5)); /* RO */
	vd_init(d, BLK_FEATURES | VD_F(5), 1);
	memset(vd_ram(d, BUF, 512), 0x11, 512);
	assert_int_equal(blk_req(fx, T_OUT, 1, 512, false, false, NULL), S_IOERR);
	put_seg(fx, 1, 1, 0);
	assert_int_equal(blk_req(fx, T_WRITE_ZEROES, 0, 16, false, false, NULL), S_IOERR);
	assert_int_equal(pread(fx->fd, host, 4, 512), 4);
	assert_memory_equal(host, "disk", 4);
	assert_int_equal(blk_req(fx, T_IN, 1, 512, true, false, NULL), S_OK);
	assert_memory_equal(vd_ram(d, BUF, 4), "disk", 4);
}

/*
 * virtio_mmio_sync returns only when the I/O thread has done everything it was kicked for:
 * five 2 MiB reads posted with one notify are all in the used ring right after it, no waiting.
 */
static void test_sync(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;
	uint32_t hdr[4] = {T_IN, 0, 0, 0};
	uint16_t *avail, *used;

	vd_init(d, BLK_FEATURES, 1);
	memcpy(vd_ram(d, HDR, 16), hdr, 16);
	avail = vd_ram(d, VD_AVAIL, 4 + 2 * VD_QSIZE);
	used = vd_ram(d, VD_USED, 4 + 8 * VD_QSIZE);
	for (unsigned r = 0; r < 5; r++) {
		unsigned h = 3 * r;

		vd_desc(d, VD_DESC, h, vd_gpa(d, HDR), 16, VIRTQ_DESC_F_NEXT, (uint16_t)(h + 1));
		vd_desc(d, VD_DESC, h + 1, vd_gpa(d, 0x200000), 2u << 20,
			VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, (uint16_t)(h + 2));
		vd_desc(d, VD_DESC, h + 2, vd_gpa(d, STATUS + r), 1, VIRTQ_DESC_F_WRITE, 0);
		*(uint8_t *)vd_ram(d, STATUS + r, 1) = 0xff;
		avail[2 + r] = (uint16_t)h;
	}
	__atomic_store_n(&avail[1], 5, __ATOMIC_RELEASE);
	vd_wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	virtio_mmio_sync(fx->vm);
	assert_int_equal(__atomic_load_n(&used[1], __ATOMIC_ACQUIRE), 5);
	for (unsigned r = 0; r < 5; r++)
		assert_int_equal(*(uint8_t *)vd_ram(d, STATUS + r, 1), S_OK);
	assert_memory_equal(vd_ram(d, 0x200000 + 512, 4), "disk", 4);
	virtio_mmio_sync(fx->vm); /* an idle device answers at once */
}

/*
 * A sync while the device is quiesced (a VM pause) does not wait for the parked I/O thread:
 * it returns at once with the request still pending, which is done after the release.
 */
static void test_sync_paused(void **state)
{
	struct fixture *fx = *state;
	struct vdrv *d = &fx->d;
	uint32_t hdr[4] = {T_IN, 0, 0, 0};
	uint16_t *avail, *used;

	vd_init(d, BLK_FEATURES, 1);
	memcpy(vd_ram(d, HDR, 16), hdr, 16);
	avail = vd_ram(d, VD_AVAIL, 4 + 2 * VD_QSIZE);
	used = vd_ram(d, VD_USED, 4 + 8 * VD_QSIZE);
	vd_desc(d, VD_DESC, 0, vd_gpa(d, HDR), 16, VIRTQ_DESC_F_NEXT, 1);
	vd_desc(d, VD_DESC, 1, vd_gpa(d, BUF), 1024, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	vd_desc(d, VD_DESC, 2, vd_gpa(d, STATUS), 1, VIRTQ_DESC_F_WRITE, 0);
	*(uint8_t *)vd_ram(d, STATUS, 1) = 0xff;
	avail[2] = 0;
	virtio_mmio_quiesce(fx->vm, true);
	__atomic_store_n(&avail[1], 1, __ATOMIC_RELEASE);
	vd_wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	virtio_mmio_sync(fx->vm);
	assert_int_equal(__atomic_load_n(&used[1], __ATOMIC_ACQUIRE), 0);
	virtio_mmio_quiesce(fx->vm, false);
	virtio_mmio_sync(fx->vm);
	assert_int_equal(__atomic_load_n(&used[1], __ATOMIC_ACQUIRE), 1);
	assert_int_equal(*(uint8_t *)vd_ram(d, STATUS, 1), S_OK);
	assert_memory_equal(vd_ram(d, BUF + 512, 4), "disk", 4);
}

/* A VM with a virtio-blk on a fresh sparse image of 'sectors', named "disk0" (the serial). */
static struct vm *state_vm(uint64_t sectors, bool ro, char *path)
{
	struct vm_config cfg = {.ram_size = 16ull << 20, .nharts = 1};
	struct virtio_blk_opts o = {.fd = -1, .read_only = ro, .slot = 0, .name = "disk0"};
	char msg[256];
	struct vm *vm;
	int fd;

	strcpy(path, "/tmp/vireo-blks-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)sectors * 512), 0);
	o.fd = fd;
	assert_int_equal(vm_create(&vm, &cfg), 0);
	assert_int_equal(virtio_blk_create(vm, &o, msg, sizeof(msg)), 0);
	close(fd); /* the device has its own dup */
	return vm;
}

/* Device state: save, load into a fresh device, save again; a state of another disk is refused. */
static void test_state(void **state)
{
	struct fixture *fx = *state;
	struct virtio_dev *vd = virtio_mmio_dev(fx->vm, 0);
	struct virtio_blk_state s1, s2, bad;
	char pa[32], pb[32], pc[32], pd[32];
	struct vm *a = state_vm(4096, false, pa), *b = state_vm(4096, false, pb);
	struct vm *c = state_vm(8192, false, pc), *d = state_vm(4096, true, pd);

	assert_int_equal(virtio_blk_save(vd, &s1), 0);
	assert_int_equal(s1.capacity, IMG_SECTORS);
	assert_int_equal(s1.read_only, 0);
	assert_memory_equal(s1.id, strrchr(fx->path, '/') + 1, strlen(strrchr(fx->path, '/') + 1));
	/* Paused (quiesced), the device saves too: no request is in flight then. */
	virtio_mmio_quiesce(fx->vm, true);
	assert_int_equal(virtio_blk_save(vd, &s2), 0);
	virtio_mmio_quiesce(fx->vm, false);
	assert_memory_equal(&s1, &s2, sizeof(s1));
	assert_int_equal(virtio_blk_save(virtio_mmio_dev(a, 0), &s1), 0);
	assert_string_equal((const char *)s1.id, "disk0");
	assert_int_equal(virtio_blk_load(virtio_mmio_dev(b, 0), &s1), 0);
	assert_int_equal(virtio_blk_save(virtio_mmio_dev(b, 0), &s2), 0);
	assert_memory_equal(&s1, &s2, sizeof(s1));
	/* Another size, another read-only flag, another serial: not this disk. */
	assert_int_equal(virtio_blk_load(virtio_mmio_dev(c, 0), &s1), -EINVAL);
	assert_int_equal(virtio_blk_load(virtio_mmio_dev(d, 0), &s1), -EINVAL);
	assert_int_equal(virtio_blk_load(vd, &s1), -EINVAL);
	bad = s1;
	bad.reserved[2] = 1;
	assert_int_equal(virtio_blk_load(virtio_mmio_dev(b, 0), &bad), -EINVAL);
	bad = s1;
	bad.id[19] = 'x'; /* bytes after the name's end must be 0 */
	assert_int_equal(virtio_blk_load(virtio_mmio_dev(b, 0), &bad), -EINVAL);
	bad = s1;
	bad.read_only = 2;
	assert_int_equal(virtio_blk_load(virtio_mmio_dev(b, 0), &bad), -EINVAL);
	bad = s1;
	bad.capacity = ~0ull;
	assert_int_equal(virtio_blk_load(virtio_mmio_dev(b, 0), &bad), -EINVAL);
	assert_int_equal(virtio_blk_save(virtio_mmio_dev(b, 0), &s2), 0);
	assert_memory_equal(&s1, &s2, sizeof(s1));
	vm_destroy(a);
	vm_destroy(b);
	vm_destroy(c);
	vm_destroy(d);
	unlink(pa);
	unlink(pb);
	unlink(pc);
	unlink(pd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_qcow2_drive),
	    cmocka_unit_test_setup_teardown(test_config, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_write_flush, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_get_id, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_discard_write_zeroes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_zero_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_big_transfer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_only, setup_ro, teardown),
	    cmocka_unit_test_setup_teardown(test_sync, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sync_paused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_state, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
