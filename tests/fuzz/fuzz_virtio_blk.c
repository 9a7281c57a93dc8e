/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk behind the virtio-mmio transport, on a 64 KiB raw image in a memfd (given to the
 * device by its /proc/self/fd path, as --drive would). The first input byte picks ro=on/off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "virtio/virtio.h"
#include "virtio_harness.h"

#define DISK_BYTES (64u << 10)

static int blk_attach(struct fz *fz, struct vm *vm, void *ctx)
{
	const uint8_t *opt = fz_take(fz, 1);
	struct virtio_blk_opts o = {
	    .fd = -1, .read_only = opt && (*opt & 1), .slot = -1, .name = "disk"};
	char msg[256];
	int fd, err;

	(void)ctx;
	fd = memfd_create("fuzz-disk", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, DISK_BYTES) || pwrite(fd, "vireo", 5, 512) != 5)
		abort(); /* the host cannot give us a disk: nothing to fuzz */
	snprintf(o.path, sizeof(o.path), "/proc/self/fd/%d", fd);
	err = virtio_blk_create(vm, &o, msg, sizeof(msg));
	close(fd); /* the device has its own */
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fz_device dev = {.attach = blk_attach};

	return fz_run(&dev, data, size);
}
