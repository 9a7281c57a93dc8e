/* SPDX-License-Identifier: Apache-2.0 */
/* The vireo command line: build a VM, load a firmware image, run it, report how it ended. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/loader.h"
#include "core/vm.h"
#include "cpu/hart.h"

#ifndef VIREO_VERSION
#define VIREO_VERSION "0.1.0"
#endif

/* Exit statuses; the guest's own ones are documented in usage(). */
enum {
	EXIT_USAGE = 2,		 /* bad command line, unreadable image, VM could not be built */
	EXIT_GUEST_RESET = 0x7f, /* the guest asked for a reset (reboot comes later) */
	EXIT_HOST_ERROR = 125,	 /* the emulator could not go on */
};

#define DEFAULT_MEM (128ull << 20)

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: vireo run --bios FILE [--mem SIZE]\n"
	    "       vireo --help | --version\n"
	    "\n"
	    "Runs a RISC-V RV64GC guest on a QEMU-virt-compatible board.\n"
	    "\n"
	    "run options:\n"
	    "  -b, --bios FILE   M-mode image: an ELF (loaded at its physical addresses) or a raw\n"
	    "                    binary (loaded at 0x80000000); hart 0 starts at its entry\n"
	    "                    with a0 = hart id, a1 = 0\n"
	    "  -m, --mem SIZE    guest RAM: bytes or a number with K, M, G suffix (default 128M,\n"
	    "                    at least 16M, a multiple of 4K)\n"
	    "  -h, --help        show this help\n"
	    "  -V, --version     show the version\n"
	    "\n"
	    "exit status:\n"
	    "  0     the guest powered off (test finisher 0x5555)\n"
	    "  N     the guest reported failure code N (finisher (N << 16) | 0x3333); the status\n"
	    "        is N & 0xff, or 1 when that is 0\n"
	    "  2     usage error, unreadable or invalid image, VM could not be created\n"
	    "  125   the emulator hit an internal error\n"
	    "  127   the guest requested a reset (finisher 0x7777)\n");
}

/* Parses "128M", "2G", "65536"... into bytes; 0 or -EINVAL. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	default:
		return -EINVAL;
	}
	if (shift && end[1] != '\0')
		return -EINVAL;
	if (v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

/* Maps how the guest ended to the process exit status (see usage()). */
static int exit_status(const struct vm *vm, int state)
{
	switch (state) {
	case VM_POWEROFF:
		return 0;
	case VM_FAIL:
		return (vm->exit_code & 0xff) ? (vm->exit_code & 0xff) : 1;
	case VM_RESET:
		return EXIT_GUEST_RESET;
	default:
		fprintf(stderr, "vireo: the emulator stopped on an internal error\n");
		return EXIT_HOST_ERROR;
	}
}

/* Builds the VM, loads the image, runs it; returns the exit status. */
static int run_vm(const char *bios, uint64_t mem)
{
	struct vm_config cfg = {.ram_size = mem, .nharts = 1};
	char msg[512];
	struct vm *vm;
	struct hart *h;
	uint64_t entry;
	int err, state;

	if (vm_config_check(&cfg, msg, sizeof(msg))) {
		fprintf(stderr, "vireo: --mem %" PRIu64 ": %s\n", mem, msg);
		return EXIT_USAGE;
	}
	err = vm_create(&vm, &cfg);
	if (err) {
		fprintf(stderr, "vireo: cannot create the VM: %s\n", strerror(-err));
		return EXIT_USAGE;
	}
	err = loader_load_image(vm, bios, &entry, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "vireo: %s\n", msg);
		vm_destroy(vm);
		return EXIT_USAGE;
	}
	/* Boot protocol of OpenSBI's firmwares: a0 = hart id, a1 = device tree (none yet). */
	h = vm->harts[0];
	hart_reset(h, entry);
	h->x[10] = h->id;
	h->x[11] = 0;
	state = vm_run(vm);
	err = exit_status(vm, state);
	vm_destroy(vm);
	return err;
}

static int bad_option(const char *arg)
{
	fprintf(stderr, "vireo: unknown option or missing argument: '%s' (try 'vireo --help')\n",
		arg);
	return EXIT_USAGE;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"bios", required_argument, NULL, 'b'},
	    {"mem", required_argument, NULL, 'm'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *bios = NULL;
	uint64_t mem = DEFAULT_MEM;
	int c;

	opterr = 0;
	optind = 0; /* glibc: restart scanning on the subcommand's own argv */
	while ((c = getopt_long(argc, argv, "+b:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			bios = optarg;
			break;
		case 'm':
			if (parse_size(optarg, &mem)) {
				fprintf(stderr, "vireo: invalid --mem size '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return bad_option(argv[optind - 1]);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vireo: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (!bios) {
		fprintf(stderr, "vireo: run needs --bios FILE\n");
		return EXIT_USAGE;
	}
	return run_vm(bios, mem);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	/* A console reader that went away must not kill the VM: UART writes just fail. */
	signal(SIGPIPE, SIG_IGN);
	opterr = 0;
	/* '+': stop at the subcommand so its options are parsed by it. */
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vireo %s\n", VIREO_VERSION);
			return 0;
		default:
			return bad_option(argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vireo: missing command\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[optind], "run") == 0)
		return cmd_run(argc - optind, argv + optind);
	fprintf(stderr, "vireo: unknown command '%s'\n", argv[optind]);
	return EXIT_USAGE;
}
