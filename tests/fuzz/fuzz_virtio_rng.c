/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-rng behind the virtio-mmio transport. */
#include "virtio/virtio.h"
#include "virtio_harness.h"

static int rng_attach(struct fz *fz, struct vm *vm, void *ctx)
{
	(void)fz;
	(void)ctx;
	return virtio_rng_create(vm, -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fz_device dev = {.attach = rng_attach};

	return fz_run(&dev, data, size);
}
