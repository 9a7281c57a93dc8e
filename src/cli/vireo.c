/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vireo command line: options into a struct vireo_config, then the VM's lifecycle through
 * the public API (include/vireo/vireo.h) only, and an exit status for how it ended.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "vireo/vireo.h"

#ifndef VIREO_VERSION
#define VIREO_VERSION "0.1.0"
#endif

/* Exit statuses; the guest's own ones are documented in usage(). */
enum {
	EXIT_USAGE = 2,	      /* bad command line, unreadable or invalid image, VM not created */
	EXIT_GUEST_RESET = 3, /* the guest asked for a reset and --no-reboot was given */
	EXIT_GUEST_PANIC = 4, /* the guest kernel reported a panic (pvpanic) */
	EXIT_VM_ERROR = 5,    /* the VM could not go on (double fault, host error) */
	EXIT_SIGNAL = 128,    /* + the signal number that stopped Vireo */
};

#define DEFAULT_MEM (128ull << 20)
#define DEFAULT_KERNEL_MEM (512ull << 20)

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: vireo run --kernel IMAGE [--initrd FILE] [--append CMDLINE] [--bios FILE]\n"
	    "                 [--mem SIZE] [--cpus N] [--no-reboot] [--console uart|virtio]\n"
	    "                 [--drive file=PATH[,format=F][,ro=on|off]]... [--net SPEC]...\n"
	    "       vireo run --bios FILE [--mem SIZE] [--cpus N] [--no-reboot]\n"
	    "       vireo --help | --version\n"
	    "\n"
	    "Runs a RISC-V RV64GC guest on a QEMU-virt-compatible board.\n"
	    "\n"
	    "run options:\n"
	    "  -k, --kernel IMAGE  Linux kernel: a RISC-V Linux Image (as Debian's vmlinuz) or\n"
	    "                      an ELF; started in S-mode with a0 = hart id, a1 = device tree\n"
	    "  -i, --initrd FILE   initial ramdisk, placed high in RAM below the device tree\n"
	    "  -a, --append TEXT   kernel command line (e.g. \"console=ttyS0\")\n"
	    "  -b, --bios FILE     M-mode firmware. With --kernel: a firmware such as OpenSBI's\n"
	    "                      fw_dynamic or fw_jump, loaded at 0x80000000 and entered by\n"
	    "                      every hart with a0 = hart id, a1 = device tree, a2 = struct\n"
	    "                      fw_dynamic_info; without --kernel the built-in SBI is used.\n"
	    "                      Alone: an M-mode payload, an ELF (at its physical addresses)\n"
	    "                      or a raw binary (at 0x80000000), entered with a0 = hart id\n"
	    "  -m, --mem SIZE      guest RAM: bytes or a number with K, M, G suffix (default 512M\n"
	    "                      with --kernel, else 128M; at least 16M, a multiple of 4K)\n"
	    "  -c, --cpus N        number of harts, 1 to 32 (default 1)\n"
	    "      --no-reboot     exit when the guest resets instead of booting it again\n"
	    "      --console uart|virtio\n"
	    "                      where the host console's input goes (default uart): the serial\n"
	    "                      port (Linux ttyS0), or a virtio-console (Linux hvc0, e.g. with\n"
	    "                      --append console=hvc0) that also writes its output to stdout;\n"
	    "                      the UART is there either way, its output on stdout too, but\n"
	    "                      with virtio it gets no input\n"
	    "      --net SPEC      add a virtio-net NIC (repeatable; MACs 52:54:00:12:34:50, "
	    ":51...):\n"
	    "                        user[,hostfwd=[tcp|udp]:[HOSTADDR]:PORT-[GUESTADDR]:PORT]...\n"
	    "                            [,host-loopback=on|off]\n"
	    "                          user-mode NAT (no root): guest 10.0.2.15 by DHCP, host\n"
	    "                          10.0.2.2, DNS 10.0.2.3; hostfwd forwards a host port to\n"
	    "                          the guest, listening on 127.0.0.1 unless HOSTADDR says\n"
	    "                          otherwise (0.0.0.0: every interface); the guest cannot\n"
	    "                          reach the host's own 127.0.0.1 services (through 10.0.2.2)\n"
	    "                          unless host-loopback=on\n"
	    "                        tap,ifname=NAME  a host TAP interface (CAP_NET_ADMIN, or a "
	    "tap\n"
	    "                          made for this user: ip tuntap add NAME mode tap user "
	    "$USER)\n"
	    "      --drive file=PATH[,format=raw|qcow2][,ro=on|off]\n"
	    "                      add a virtio-blk disk on a raw image file, a block device or\n"
	    "                      a qcow2 image (format found from the qcow2 magic if not given)\n"
	    "                      (repeatable: the first is /dev/vda); ro=on opens it read-only\n"
	    "                      and the guest sees a read-only disk. Disks take the first\n"
	    "                      virtio slots, then NICs; a virtio-rng (entropy from the host's\n"
	    "                      getrandom) takes the next free slot if there is one\n"
	    "  -h, --help          show this help\n"
	    "  -V, --version       show the version\n"
	    "\n"
	    "console: the guest's serial port (its virtio-console with --console virtio) is on\n"
	    "stdin/stdout. On a terminal, input is raw and Ctrl-a is an escape: Ctrl-a x quits\n"
	    "(status 0), Ctrl-a h helps, Ctrl-a Ctrl-a sends Ctrl-a. Otherwise stdin is passed\n"
	    "through as it is, up to its end.\n"
	    "\n"
	    "exit status:\n"
	    "  0     the guest powered off (SBI shutdown, finisher 0x5555) or Ctrl-a x\n"
	    "  N     the guest reported failure code N (finisher (N << 16) | 0x3333); the status\n"
	    "        is N & 0xff, or 1 when that is 0\n"
	    "  2     usage error, unreadable or invalid image, VM could not be created\n"
	    "  3     the guest reset (SBI reboot, finisher 0x7777) and --no-reboot was given;\n"
	    "        without it the VM is built and booted again\n"
	    "  4     the guest kernel panicked (pvpanic)\n"
	    "  5     the VM stopped on an error (e.g. a trap with no handler, host failure)\n"
	    "  128+S Vireo was stopped by signal S (SIGINT, SIGTERM, SIGHUP)\n");
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

/* Parses a hart count, 1..VIREO_MAX_HARTS in decimal; 0 or -EINVAL. */
static int parse_cpus(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < 1 || v > VIREO_MAX_HARTS)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* Maps how the guest ended to the process exit status (see usage()). */
static int exit_status(int end, int code)
{
	switch (end) {
	case VIREO_END_POWEROFF:
		return 0;
	case VIREO_END_FAIL:
		fprintf(stderr, "vireo: the guest reported failure code %d\n", code);
		return (code & 0xff) ? (code & 0xff) : 1;
	case VIREO_END_RESET:
		fprintf(stderr, "vireo: the guest reset (not rebooting: --no-reboot)\n");
		return EXIT_GUEST_RESET;
	case VIREO_END_PANIC:
		fprintf(stderr, "vireo: the guest kernel panicked\n");
		return EXIT_GUEST_PANIC;
	default:
		fprintf(stderr, "vireo: the VM stopped on an error\n");
		return EXIT_VM_ERROR;
	}
}

/* The library's messages: on stderr, as the command's own. */
static void log_stderr(void *opaque, enum vireo_log_level level, const char *msg)
{
	(void)opaque;
	(void)level;
	fprintf(stderr, "vireo: %s\n", msg);
}

struct run_opts {
	struct vireo_config cfg;
	unsigned nnet, ndrive;
	char drive_path[VIREO_VIRTIO_SLOTS][CLI_PATH_MAX];
};

/* Appends a device of kind with id PREFIX<n> in the first free virtio slot; NULL when full. */
static struct vireo_device *add_device(struct vireo_config *cfg, enum vireo_device_kind kind,
				       const char *prefix, unsigned n)
{
	struct vireo_device *d;

	if (cfg->ndevices == VIREO_MAX_DEVICES)
		return NULL;
	d = &cfg->devices[cfg->ndevices++];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->slot = VIREO_SLOT_AUTO;
	snprintf(d->id, sizeof(d->id), "%s%u", prefix, n);
	return d;
}

/*
 * The devices that follow the options: disks first, then NICs (added while parsing), then the
 * virtio-console of --console virtio, then a virtio-rng in the next free slot if any.
 */
static void add_implicit_devices(struct run_opts *o)
{
	struct vireo_device *d, tmp;

	/* Options may come in any order; disks go first (a stable sort of blk before net). */
	for (unsigned i = 1; i < o->cfg.ndevices; i++) {
		for (unsigned k = i; k > 0 && o->cfg.devices[k].kind == VIREO_DEV_BLK &&
				     o->cfg.devices[k - 1].kind != VIREO_DEV_BLK;
		     k--) {
			tmp = o->cfg.devices[k];
			o->cfg.devices[k] = o->cfg.devices[k - 1];
			o->cfg.devices[k - 1] = tmp;
		}
	}

	if (o->cfg.console == VIREO_CONSOLE_VIRTIO) {
		d = add_device(&o->cfg, VIREO_DEV_CONSOLE, "console", 0);
		d->console.in_fd = -1;
		d->console.out_fd = STDOUT_FILENO;
	}
	d = add_device(&o->cfg, VIREO_DEV_RNG, "rng", 0);
	d->optional = true;
}

/* Builds the VM, runs it (the library reboots it on a guest reset); returns the exit status. */
static int run_vm(const struct run_opts *o)
{
	char msg[512];
	struct vireo_console *con;
	struct vireo_vm *vm;
	int err, status, signo, end, code = 0;

	if (vireo_config_check(&o->cfg, msg, sizeof(msg))) {
		fprintf(stderr, "vireo: %s\n", msg);
		return EXIT_USAGE;
	}
	err = vireo_console_open(&con, STDIN_FILENO, STDOUT_FILENO);
	if (err) {
		fprintf(stderr, "vireo: cannot set up the console: %s\n", strerror(-err));
		return EXIT_USAGE;
	}
	err = vireo_vm_build(&vm, &o->cfg, log_stderr, NULL, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "vireo: %s\n", msg);
		vireo_console_close(con);
		return EXIT_USAGE;
	}
	vireo_console_attach(con, vm);
	err = vireo_vm_start(vm);
	if (err) {
		fprintf(stderr, "vireo: cannot start the VM: %s\n", strerror(-err));
		end = VIREO_END_ERROR;
	} else {
		end = vireo_vm_wait(vm, &code);
	}
	vireo_console_attach(con, NULL);
	signo = vireo_console_signal(con);
	/* A signal or Ctrl-a x wins over how the guest ended meanwhile. */
	if (signo)
		status = EXIT_SIGNAL + signo;
	else if (vireo_console_quit_requested(con))
		status = 0;
	else
		status = exit_status(end, code);
	vireo_vm_destroy(vm);
	vireo_console_close(con);
	/* Only a signal is reported as one: a guest failure code may be above 128 too. */
	if (signo)
		fprintf(stderr, "vireo: stopped by signal %d\n", signo);
	return status;
}

static int bad_option(const char *arg)
{
	fprintf(stderr, "vireo: unknown option or missing argument: '%s' (try 'vireo --help')\n",
		arg);
	return EXIT_USAGE;
}

/* Checks option combinations after parsing; 0 or an exit status. */
static int check_run_opts(struct run_opts *o, bool mem_given)
{
	if (!o->cfg.kernel && !o->cfg.firmware) {
		fprintf(stderr,
			"vireo: run needs --kernel IMAGE or --bios FILE (try 'vireo --help')\n");
		return EXIT_USAGE;
	}
	if (!o->cfg.kernel && (o->cfg.initrd || o->cfg.cmdline)) {
		fprintf(stderr, "vireo: --initrd and --append need --kernel\n");
		return EXIT_USAGE;
	}
	if (!mem_given)
		o->cfg.ram_size = o->cfg.kernel ? DEFAULT_KERNEL_MEM : DEFAULT_MEM;
	add_implicit_devices(o);
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	enum { OPT_NO_REBOOT = 0x100, OPT_NET, OPT_DRIVE, OPT_CONSOLE };
	static const struct option opts[] = {
	    {"kernel", required_argument, NULL, 'k'},
	    {"initrd", required_argument, NULL, 'i'},
	    {"append", required_argument, NULL, 'a'},
	    {"bios", required_argument, NULL, 'b'},
	    {"mem", required_argument, NULL, 'm'},
	    {"cpus", required_argument, NULL, 'c'},
	    {"no-reboot", no_argument, NULL, OPT_NO_REBOOT},
	    {"net", required_argument, NULL, OPT_NET},
	    {"drive", required_argument, NULL, OPT_DRIVE},
	    {"console", required_argument, NULL, OPT_CONSOLE},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static struct run_opts o; /* big (drive paths); one per process */
	bool mem_given = false;
	int c, err;

	vireo_config_init(&o.cfg);

	opterr = 0;
	optind = 0; /* glibc: restart scanning on the subcommand's own argv */
	while ((c = getopt_long(argc, argv, "+k:i:a:b:m:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o.cfg.kernel = optarg;
			break;
		case 'i':
			o.cfg.initrd = optarg;
			break;
		case 'a':
			o.cfg.cmdline = optarg;
			break;
		case 'b':
			o.cfg.firmware = optarg;
			break;
		case 'm':
			if (parse_size(optarg, &o.cfg.ram_size)) {
				fprintf(stderr, "vireo: invalid --mem size '%s' (e.g. 512M, 2G)\n",
					optarg);
				return EXIT_USAGE;
			}
			mem_given = true;
			break;
		case 'c':
			if (parse_cpus(optarg, &o.cfg.nharts)) {
				fprintf(stderr,
					"vireo: invalid --cpus '%s': give a number from 1 to %d\n",
					optarg, VIREO_MAX_HARTS);
				return EXIT_USAGE;
			}
			break;
		case OPT_NO_REBOOT:
			o.cfg.no_reboot = true;
			break;
		case OPT_NET: {
			struct vireo_device *d;
			char why[384];

			if (o.nnet == VIREO_VIRTIO_SLOTS) {
				fprintf(stderr, "vireo: at most %u --net options\n",
					VIREO_VIRTIO_SLOTS);
				return EXIT_USAGE;
			}
			d = add_device(&o.cfg, VIREO_DEV_NET, "net", o.nnet++);
			if (cli_parse_net(optarg, d, why, sizeof(why))) {
				fprintf(stderr, "vireo: --net %s: %s\n", optarg, why);
				return EXIT_USAGE;
			}
			break;
		}
		case OPT_CONSOLE:
			if (strcmp(optarg, "uart") && strcmp(optarg, "virtio")) {
				fprintf(stderr, "vireo: invalid --console '%s': uart or virtio\n",
					optarg);
				return EXIT_USAGE;
			}
			o.cfg.console = strcmp(optarg, "virtio") == 0 ? VIREO_CONSOLE_VIRTIO
								      : VIREO_CONSOLE_UART;
			break;
		case OPT_DRIVE: {
			struct vireo_device *d;
			char why[256];

			if (o.ndrive == VIREO_VIRTIO_SLOTS) {
				fprintf(stderr, "vireo: at most %u --drive options\n",
					VIREO_VIRTIO_SLOTS);
				return EXIT_USAGE;
			}
			d = add_device(&o.cfg, VIREO_DEV_BLK, "drive", o.ndrive);
			if (cli_parse_drive(optarg, d, o.drive_path[o.ndrive++], why,
					    sizeof(why))) {
				fprintf(stderr, "vireo: %s\n", why);
				return EXIT_USAGE;
			}
			break;
		}
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
	err = check_run_opts(&o, mem_given);
	if (err)
		return err;
	return run_vm(&o);
}

/*
 * Opens /dev/null on any of fds 0, 1 and 2 that Vireo was started without, so that no fd it
 * opens later (a pipe, an image, a socket) takes their place and gets the guest's console
 * output or stray messages; 0 or -errno.
 */
static int std_fds_open(void)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		int nfd;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* open(2) returns the lowest free fd, which is fd: the ones below are open. */
		nfd = open("/dev/null", O_RDWR);
		if (nfd < 0)
			return -errno;
		if (nfd != fd) {
			close(nfd);
			return -EBADF;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int c, err;

	/* Before anything else opens an fd. */
	err = std_fds_open();
	if (err) {
		fprintf(stderr, "vireo: cannot open /dev/null on a closed fd 0, 1 or 2: %s\n",
			strerror(-err));
		return EXIT_USAGE;
	}
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
