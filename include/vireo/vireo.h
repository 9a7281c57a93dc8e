/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Vireo's public library API (docs/vm-model.md): one plain description of a VM
 * (struct vireo_config), opaque handles, and a lifecycle: build, start, wait, pause, resume,
 * reset, stop, destroy. Everything returns 0 or a negative errno; messages for the user go
 * to a per-VM log callback (or to the msg buffer of vireo_vm_build), never to stdio.
 *
 * Nothing here names a command-line option: the vireo command (src/cli) and, later, the API
 * server and the snapshot loader all fill in the same struct vireo_config.
 */
#ifndef VIREO_VIREO_H
#define VIREO_VIREO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits of the description. */
#define VIREO_MAX_HARTS 32
#define VIREO_MAX_DEVICES 32 /* entries of vireo_config.devices */
#define VIREO_VIRTIO_SLOTS 8 /* virtio-mmio slots 0..7 at 0x1000_1000 + n * 0x1000 */
#define VIREO_SLOT_AUTO (-1) /* vireo_device.slot: the first free slot, in array order */
#define VIREO_ID_MAX 32	     /* bytes of a device id, with its NUL */
#define VIREO_MAX_HOSTFWD 16 /* host port forwards of one user-mode NIC */
#define VIREO_RAM_MIN (16ull << 20)
#define VIREO_RAM_MAX (256ull << 30)

/* The CPU engine; only the interpreter exists today. */
enum vireo_engine { VIREO_ENGINE_INTERP = 0 };

/* Where the host console's input goes (see vireo_console_attach). */
enum vireo_console_kind {
	VIREO_CONSOLE_UART = 0, /* the ns16550a (Linux ttyS0) */
	VIREO_CONSOLE_VIRTIO,	/* the first VIREO_DEV_CONSOLE device (Linux hvc0) */
};

enum vireo_device_kind {
	VIREO_DEV_BLK = 1, /* virtio-blk on a raw image, a block device or a qcow2 image */
	VIREO_DEV_NET,	   /* virtio-net */
	VIREO_DEV_RNG,	   /* virtio-rng, entropy from the host's getrandom(2) */
	VIREO_DEV_CONSOLE, /* virtio-console, one port */
};

/* The image format of a VIREO_DEV_BLK device (docs/qcow2.md). */
enum vireo_blk_format {
	VIREO_BLK_FORMAT_AUTO = 0, /* qcow2 when the image starts with the qcow2 magic, else raw */
	VIREO_BLK_FORMAT_RAW,
	VIREO_BLK_FORMAT_QCOW2,
};

enum vireo_net_backend {
	VIREO_NET_USER = 1, /* libslirp user-mode NAT: guest 10.0.2.15, host 10.0.2.2, DNS .3 */
	VIREO_NET_TAP,	    /* a host TAP interface */
};

/* One user-mode port forward; IPv4 addresses in host byte order. */
struct vireo_hostfwd {
	bool udp;	     /* else TCP */
	uint32_t host_addr;  /* where to listen, e.g. 127.0.0.1 (0.0.0.0: every interface) */
	uint16_t host_port;  /* 1..65535 */
	uint32_t guest_addr; /* in 10.0.2.0/24, e.g. 10.0.2.15 */
	uint16_t guest_port; /* 1..65535 */
};

/* One device. Unused backend members are ignored. */
struct vireo_device {
	enum vireo_device_kind kind;
	char id[VIREO_ID_MAX]; /* stable name, unique in the VM, non-empty ([A-Za-z0-9_.-]) */
	int slot;	       /* 0..VIREO_VIRTIO_SLOTS-1, or VIREO_SLOT_AUTO */
	bool optional;	       /* with VIREO_SLOT_AUTO: left out when no slot is free */
	union {
		struct {
			const char *path; /* image to open; NULL: use fd */
			int fd;		  /* with path NULL: an image the caller opened (dup'd) */
			enum vireo_blk_format format;
			bool read_only;
		} blk;
		struct {
			enum vireo_net_backend backend;
			/* VIREO_NET_USER */
			struct vireo_hostfwd hostfwd[VIREO_MAX_HOSTFWD];
			unsigned nhostfwd;
			bool host_loopback; /* the guest may reach the host's 127.0.0.1 services */
			/* VIREO_NET_TAP: by name, or (ifname empty) a TAP fd the caller opened */
			char ifname[16];
			int tap_fd;
		} net;
		struct {
			int in_fd;  /* host input read by the device itself, -1: none */
			int out_fd; /* where guest output goes */
		} console;
	};
};

/* The whole description of a VM: plain data, no flags, no host state. */
struct vireo_config {
	/* machine */
	uint64_t ram_size; /* bytes: VIREO_RAM_MIN..VIREO_RAM_MAX, a multiple of 4 KiB */
	unsigned nharts;   /* 1..VIREO_MAX_HARTS */
	enum vireo_engine engine;
	/* boot sources: a kernel, or a firmware, or both (see README "Running a guest") */
	const char *kernel;   /* Linux Image or ELF, entered in S-mode */
	const char *initrd;   /* needs kernel; may be NULL */
	const char *cmdline;  /* needs kernel; /chosen/bootargs; may be NULL */
	const char *firmware; /* M-mode firmware (OpenSBI fw_dynamic...) or payload; NULL: SBI */
	/* console: the UART's output goes to uart_fd (0 means stdout) */
	enum vireo_console_kind console;
	int uart_fd;
	/* a guest reset ends the VM (vireo_vm_wait says VIREO_END_RESET) instead of rebooting */
	bool no_reboot;
	struct vireo_device devices[VIREO_MAX_DEVICES];
	unsigned ndevices;
};

/* Lifecycle states (docs/vm-model.md). */
enum vireo_vm_state {
	VIREO_VM_BUILT = 0, /* built and loaded, harts not started */
	VIREO_VM_RUNNING,
	VIREO_VM_PAUSED,  /* every hart at an instruction boundary, devices quiesced */
	VIREO_VM_STOPPED, /* ended; see vireo_vm_wait */
};

/* How a VM ended. */
enum vireo_end {
	VIREO_END_POWEROFF = 1, /* the guest powered off, or vireo_vm_stop */
	VIREO_END_FAIL,		/* the guest reported failure: code in *code */
	VIREO_END_RESET,	/* the guest reset and no_reboot is set */
	VIREO_END_PANIC,	/* the guest kernel panicked (pvpanic) */
	VIREO_END_ERROR,	/* the VM could not go on (trap with no handler, host failure) */
};

/* Log levels of the callback. */
enum vireo_log_level { VIREO_LOG_ERROR = 0, VIREO_LOG_WARN, VIREO_LOG_INFO };

/* Receives the library's messages for one VM (any thread; msg has no trailing newline). */
typedef void (*vireo_log_fn)(void *opaque, enum vireo_log_level level, const char *msg);

struct vireo_vm;
struct vireo_console;

/** Fills cfg with the defaults: 128 MiB, 1 hart, interpreter, UART console, no devices. */
void vireo_config_init(struct vireo_config *cfg);

/** Checks cfg without touching the host; 0, or -EINVAL with a message in msg. */
int vireo_config_check(const struct vireo_config *cfg, char *msg, size_t msglen);

/**
 * Validates cfg, creates the VM, opens its device backends and loads its boot sources; the
 * VM is then VIREO_VM_BUILT. log (may be NULL) gets later messages. 0, or -errno with a
 * message in msg. cfg's strings are copied; fds given in cfg are dup'd (they stay the caller's).
 */
int vireo_vm_build(struct vireo_vm **out, const struct vireo_config *cfg, vireo_log_fn log,
		   void *log_opaque, char *msg, size_t msglen);

/** Starts the harts (one thread each) and returns at once; 0, -EBUSY if not BUILT, -errno. */
int vireo_vm_start(struct vireo_vm *vm);

/** Blocks until the VM stops; returns its enum vireo_end, the guest's failure code in *code. */
int vireo_vm_wait(struct vireo_vm *vm, int *code);

/**
 * Pauses a running VM: returns once every hart is parked at an instruction boundary and every
 * device has finished or parked its in-flight I/O. 0, or -EINVAL when it is not running.
 */
int vireo_vm_pause(struct vireo_vm *vm);

/** Resumes a paused VM; 0, or -EINVAL when it is not paused. */
int vireo_vm_resume(struct vireo_vm *vm);

/**
 * Resets the guest in place (as a guest reset without no_reboot does): harts and devices back
 * to their reset state, boot sources loaded again; a running or paused VM then runs from its
 * boot state. 0, or -errno (the VM is then stopped with VIREO_END_ERROR).
 */
int vireo_vm_reset(struct vireo_vm *vm);

/** Stops the VM (VIREO_END_POWEROFF unless it had ended already); any thread, never blocks. */
void vireo_vm_stop(struct vireo_vm *vm);

/** The current lifecycle state. */
enum vireo_vm_state vireo_vm_state(struct vireo_vm *vm);

/**
 * Turns dirty-page logging of guest RAM on or off (off after build and after a reset, which
 * gives the guest new RAM). 0, or -EINVAL when the VM has no machine (stopped by an error).
 */
int vireo_vm_dirty_log(struct vireo_vm *vm, bool on);

/**
 * Copies the dirty-page bitmap into bitmap and clears it: bit n % 64 of word n / 64 is set when
 * RAM page n (4 KiB from the start of RAM) was written since the last call while logging.
 * Exact for a paused VM. 0, -ENOSPC when words < ram_size / 4 KiB / 64 (rounded up), -EINVAL
 * when the VM has no machine.
 */
int vireo_vm_dirty_read_clear(struct vireo_vm *vm, uint64_t *bitmap, size_t words);

/** Stops the VM if needed, joins its threads and frees it; NULL is fine. */
void vireo_vm_destroy(struct vireo_vm *vm);

/**
 * Opens the host console on in_fd/out_fd: a terminal goes raw with a Ctrl-a escape
 * (Ctrl-a x stops the VM); SIGINT, SIGTERM and SIGHUP are blocked in the calling thread and
 * stop the attached VM. Call before any other thread exists; 0 or -errno.
 */
int vireo_console_open(struct vireo_console **out, int in_fd, int out_fd);

/** Sends console input to vm's console device (its config's console choice); NULL detaches. */
void vireo_console_attach(struct vireo_console *c, struct vireo_vm *vm);

/** The signal that asked the console's VM to stop, or 0. */
int vireo_console_signal(const struct vireo_console *c);

/** True once the user typed the quit escape (Ctrl-a x). */
bool vireo_console_quit_requested(const struct vireo_console *c);

/** Restores the terminal and the signal mask and frees c; NULL is fine. */
void vireo_console_close(struct vireo_console *c);

#ifdef __cplusplus
}
#endif

#endif
