/* SPDX-License-Identifier: Apache-2.0 */
/*
 * randio: 4 KiB random-read or random-write IOPS on a block device, for bench/disk.sh (busybox
 * has no fio). Runs in the guest (static riscv64 build): one request at a time (queue depth
 * 1), O_DIRECT so every request reaches the virtio-blk device, at offsets drawn uniformly
 * from the whole device, for a fixed time. Prints "vireo-e2e: rand<MODE>_iops N" and the
 * raw counts for the host script to read from the console.
 *
 * usage: randio read|write DEVICE SECONDS [BLOCK_SIZE]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: cheap, good enough to spread offsets; never returns to state 0. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

int main(int argc, char **argv)
{
	uint64_t size = 0, nblocks, ops = 0, seed;
	unsigned long bs = 4096;
	double secs, t0, t;
	int writing, fd;
	void *buf;

	if (argc < 4 || argc > 5 || (strcmp(argv[1], "read") && strcmp(argv[1], "write"))) {
		fprintf(stderr, "usage: randio read|write DEVICE SECONDS [BLOCK_SIZE]\n");
		return 2;
	}
	writing = strcmp(argv[1], "write") == 0;
	secs = atof(argv[3]);
	if (argc == 5)
		bs = strtoul(argv[4], NULL, 0);
	if (secs <= 0 || bs < 512 || bs % 512 || bs > (1ul << 20)) {
		fprintf(stderr, "randio: bad SECONDS or BLOCK_SIZE (a multiple of 512)\n");
		return 2;
	}
	fd = open(argv[2], (writing ? O_RDWR : O_RDONLY) | O_DIRECT);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &size) < 0) {
		fprintf(stderr, "randio: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	nblocks = size / bs;
	if (!nblocks || posix_memalign(&buf, 4096, bs)) {
		fprintf(stderr, "randio: %s too small, or out of memory\n", argv[2]);
		return 1;
	}
	memset(buf, 0xa5, bs);
	seed = (uint64_t)time(NULL) * 2654435761u | 1;
	t0 = now();
	do {
		off_t off = (off_t)(next_rand(&seed) % nblocks * bs);
		ssize_t n = writing ? pwrite(fd, buf, bs, off) : pread(fd, buf, bs, off);

		if (n != (ssize_t)bs) {
			fprintf(stderr, "randio: %s at %lld: %s\n", argv[1], (long long)off,
				n < 0 ? strerror(errno) : "short transfer");
			return 1;
		}
		ops++;
		t = now() - t0;
	} while (t < secs);
	if (writing && fdatasync(fd) < 0) {
		fprintf(stderr, "randio: fdatasync: %s\n", strerror(errno));
		return 1;
	}
	printf("vireo-e2e: rand%s_ops %llu in %.3f s\n", argv[1], (unsigned long long)ops, t);
	printf("vireo-e2e: rand%s_iops %.0f\n", argv[1], (double)ops / t);
	close(fd);
	free(buf);
	return 0;
}
