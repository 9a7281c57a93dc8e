/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-console behind the virtio-mmio transport: guest output goes to /dev/null, host input
 * (FZ_OP_HOST_INPUT) through virtio_console_input() as the terminal's would.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "virtio/virtio.h"
#include "virtio_harness.h"

struct cons_ctx {
	int out_fd;
	struct virtio_dev *vd;
};

static int cons_attach(struct fz *fz, struct vm *vm, void *opaque)
{
	struct cons_ctx *c = opaque;

	(void)fz;
	c->out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (c->out_fd < 0)
		abort();
	return virtio_console_create(vm, -1, c->out_fd, -1, &c->vd);
}

static void cons_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct cons_ctx *c = opaque;

	virtio_console_input(c->vd, buf, len);
}

static void cons_cleanup(void *opaque)
{
	struct cons_ctx *c = opaque;

	close(c->out_fd);
	c->out_fd = -1;
	c->vd = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cons_ctx c = {.out_fd = -1};
	const struct fz_device dev = {
	    .attach = cons_attach,
	    .host_input = cons_input,
	    .cleanup = cons_cleanup,
	    .ctx = &c,
	};

	return fz_run(&dev, data, size);
}
