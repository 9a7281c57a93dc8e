/* SPDX-License-Identifier: Apache-2.0 */
/* The vireo command line: build a VM, boot a kernel or firmware, run it, report how it ended. */
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

#include "core/boot.h"
#include "core/vm.h"
#include "dev/devices.h"
#include "host/console.h"
#include "host/net.h"
#include "virtio/virtio.h"

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

/* Parses a hart count, 1..VM_MAX_HARTS in decimal; 0 or -EINVAL. */
static int parse_cpus(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < 1 || v > VM_MAX_HARTS)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* Maps how the guest ended to the process exit status (see usage()). */
static int exit_status(const struct vm *vm, int state)
{
	switch (state) {
	case VM_POWEROFF:
		return 0;
	case VM_FAIL:
		fprintf(stderr, "vireo: the guest reported failure code %d\n", vm->exit_code);
		return (vm->exit_code & 0xff) ? (vm->exit_code & 0xff) : 1;
	case VM_RESET:
		fprintf(stderr, "vireo: the guest reset (not rebooting: --no-reboot)\n");
		return EXIT_GUEST_RESET;
	case VM_PANIC:
		fprintf(stderr, "vireo: the guest kernel panicked\n");
		return EXIT_GUEST_PANIC;
	default:
		fprintf(stderr, "vireo: the VM stopped on an error\n");
		return EXIT_VM_ERROR;
	}
}

struct run_opts {
	struct boot_params boot;
	struct vm_config cfg;
	bool no_reboot;
	bool virtio_console; /* --console virtio: host input to a virtio-console, not the UART */
	const char *net[VIRTIO_MMIO_SLOTS]; /* --net specs, one virtio-net each */
	unsigned nnet;
	const char *drive[VIRTIO_MMIO_SLOTS]; /* --drive specs, one virtio-blk each, slot order */
	unsigned ndrive;
};

/* Opens each --drive image and plugs a virtio-blk for it; 0 or -errno with msg. */
static int add_drives(struct vm *vm, const struct run_opts *o, char *msg, size_t msglen)
{
	for (unsigned i = 0; i < o->ndrive; i++) {
		struct virtio_blk_opts b;
		int err = virtio_blk_parse(o->drive[i], &b, msg, msglen);

		if (!err)
			err = virtio_blk_create(vm, &b, msg, msglen);
		if (err)
			return err;
	}
	return 0;
}

/* Opens each --net backend and plugs a virtio-net for it; 0 or -errno with msg. */
static int add_net_devices(struct vm *vm, const struct run_opts *o, char *msg, size_t msglen)
{
	for (unsigned i = 0; i < o->nnet; i++) {
		struct net_backend *be;
		char why[384];
		int err;

		err = net_backend_open(&be, o->net[i], why, sizeof(why));
		if (!err)
			err = virtio_net_create(vm, be, i, why, sizeof(why));
		if (err) {
			snprintf(msg, msglen, "--net %s: %s", o->net[i], why);
			return err;
		}
	}
	return 0;
}

/* Console sink for the UART: as many bytes as its receive FIFO takes. */
static size_t uart_sink_input(void *uart, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	while (n < len && uart16550_receive(uart, buf[n]))
		n++;
	return n;
}

/* Console sink for a virtio-console: its input buffer takes what fits. */
static size_t virtio_console_sink_input(void *vd, const uint8_t *buf, size_t len)
{
	return virtio_console_input(vd, buf, len);
}

/*
 * Plugs the virtio-console of --console virtio (guest output to stdout, input only from the
 * host console) and says where the host console's input goes; 0 or -errno with msg.
 */
static int add_console(struct vm *vm, const struct run_opts *o, struct console_sink *sink,
		       char *msg, size_t msglen)
{
	struct virtio_dev *vd;
	int err;

	if (!o->virtio_console) {
		*sink = (struct console_sink){.input = uart_sink_input, .dev = vm->console};
		if (!vm->console) {
			snprintf(msg, msglen, "the board has no console UART");
			return -ENODEV;
		}
		return 0;
	}
	err = virtio_console_create(vm, -1, STDOUT_FILENO, &vd);
	if (err) {
		snprintf(msg, msglen, "cannot create the virtio-console: %s", strerror(-err));
		return err;
	}
	*sink = (struct console_sink){.input = virtio_console_sink_input, .dev = vd};
	return 0;
}

/*
 * Builds one VM, boots and runs it. Returns an exit status for a VM that could not be built
 * or booted; else 0, with *reset set when the guest wants to be booted again, *status its
 * exit status otherwise.
 */
static int run_once(const struct run_opts *o, struct console *con, int *status, bool *reset)
{
	char msg[512];
	struct console_sink sink;
	struct vm *vm;
	int err, state;

	*reset = false;
	err = vm_create(&vm, &o->cfg);
	if (err) {
		fprintf(stderr, "vireo: cannot create the VM: %s\n", strerror(-err));
		return EXIT_USAGE;
	}
	err = add_drives(vm, o, msg, sizeof(msg));
	if (!err)
		err = add_net_devices(vm, o, msg, sizeof(msg));
	if (!err)
		err = add_console(vm, o, &sink, msg, sizeof(msg));
	/* Entropy for the guest in the next free slot; none left is not an error. */
	if (!err && virtio_rng_create(vm) == -ENOMEM) {
		err = -ENOMEM;
		snprintf(msg, sizeof(msg), "cannot create the virtio-rng: out of memory");
	}
	if (!err)
		err = boot_load(vm, &o->boot, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "vireo: %s\n", msg);
		vm_destroy(vm);
		return EXIT_USAGE;
	}
	console_attach(con, vm, &sink);
	/* A signal that came while no VM was attached must still stop this one. */
	if (console_signal(con) || console_quit_requested(con))
		vm_stop(vm, VM_POWEROFF, 0);
	state = vm_run(vm);
	console_attach(con, NULL, NULL);
	if (state == VM_RESET && !o->no_reboot)
		*reset = true;
	else
		*status = exit_status(vm, state);
	vm_destroy(vm);
	return 0;
}

/* Runs the guest, booting it again after each reset; returns the exit status. */
static int run_vm(const struct run_opts *o)
{
	char msg[256];
	struct console *con;
	int err, status = 0, ret, signo;
	bool reset;

	if (vm_config_check(&o->cfg, msg, sizeof(msg))) {
		fprintf(stderr, "vireo: %s\n", msg);
		return EXIT_USAGE;
	}
	err = console_open(&con, STDIN_FILENO, STDOUT_FILENO);
	if (err) {
		fprintf(stderr, "vireo: cannot set up the console: %s\n", strerror(-err));
		return EXIT_USAGE;
	}
	do {
		ret = run_once(o, con, &status, &reset);
	} while (!ret && reset && !console_signal(con) && !console_quit_requested(con));
	signo = console_signal(con);
	if (ret)
		status = ret;
	else if (signo)
		status = EXIT_SIGNAL + signo;
	else if (console_quit_requested(con))
		status = 0;
	console_close(con);
	/* Only a signal is reported as one: a guest failure code may be above 128 too. */
	if (!ret && signo)
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
	if (!o->boot.kernel && !o->boot.bios) {
		fprintf(stderr,
			"vireo: run needs --kernel IMAGE or --bios FILE (try 'vireo --help')\n");
		return EXIT_USAGE;
	}
	if (!o->boot.kernel && (o->boot.initrd || o->boot.append)) {
		fprintf(stderr, "vireo: --initrd and --append need --kernel\n");
		return EXIT_USAGE;
	}
	if (!mem_given)
		o->cfg.ram_size = o->boot.kernel ? DEFAULT_KERNEL_MEM : DEFAULT_MEM;
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
	struct run_opts o = {.cfg = {.nharts = 1}};
	bool mem_given = false;
	int c, err;

	opterr = 0;
	optind = 0; /* glibc: restart scanning on the subcommand's own argv */
	while ((c = getopt_long(argc, argv, "+k:i:a:b:m:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o.boot.kernel = optarg;
			break;
		case 'i':
			o.boot.initrd = optarg;
			break;
		case 'a':
			o.boot.append = optarg;
			break;
		case 'b':
			o.boot.bios = optarg;
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
					optarg, VM_MAX_HARTS);
				return EXIT_USAGE;
			}
			break;
		case OPT_NO_REBOOT:
			o.no_reboot = true;
			break;
		case OPT_NET:
			if (o.nnet == VIRTIO_MMIO_SLOTS) {
				fprintf(stderr, "vireo: at most %u --net options\n",
					VIRTIO_MMIO_SLOTS);
				return EXIT_USAGE;
			}
			o.net[o.nnet++] = optarg;
			break;
		case OPT_CONSOLE:
			if (strcmp(optarg, "uart") && strcmp(optarg, "virtio")) {
				fprintf(stderr, "vireo: invalid --console '%s': uart or virtio\n",
					optarg);
				return EXIT_USAGE;
			}
			o.virtio_console = strcmp(optarg, "virtio") == 0;
			break;
		case OPT_DRIVE: {
			struct virtio_blk_opts b;
			char why[256];

			if (o.ndrive == VIRTIO_MMIO_SLOTS) {
				fprintf(stderr, "vireo: at most %u --drive options\n",
					VIRTIO_MMIO_SLOTS);
				return EXIT_USAGE;
			}
			if (virtio_blk_parse(optarg, &b, why, sizeof(why))) {
				fprintf(stderr, "vireo: %s\n", why);
				return EXIT_USAGE;
			}
			o.drive[o.ndrive++] = optarg;
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
