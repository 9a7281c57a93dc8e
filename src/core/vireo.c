/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The public API (include/vireo/vireo.h, docs/vm-model.md): a struct vireo_config checked and
 * turned into a VM, and its lifecycle. A supervisor thread per started VM runs the harts and,
 * when the guest resets, resets the machine in place and runs it again.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/boot.h"
#include "core/errmsg.h"
#include "core/mem.h"
#include "core/vm.h"
#include "dev/devices.h"
#include "host/block.h"
#include "host/console.h"
#include "host/net.h"
#include "vireo/vireo.h"
#include "virtio/virtio.h"

_Static_assert(VIREO_MAX_HARTS == VM_MAX_HARTS, "hart limits must agree");
_Static_assert(VIREO_VIRTIO_SLOTS == VIRTIO_MMIO_SLOTS, "virtio slot counts must agree");
_Static_assert(VIREO_RAM_MIN == VM_RAM_MIN && VIREO_RAM_MAX == VM_RAM_MAX, "RAM limits");

struct vireo_console {
	struct console *con;
	struct vireo_vm *vm; /* attached VM, or NULL */
};

struct vireo_vm {
	struct vireo_config cfg; /* its strings point at copies owned here */
	char *strs[4 + VIREO_MAX_DEVICES];
	int fds[VIREO_MAX_DEVICES]; /* dups of the caller's fds, -1 where none */
	vireo_log_fn log;
	void *log_opaque;

	pthread_mutex_t lock; /* everything below; never held while a hart needs it */
	pthread_cond_t cond;  /* state, reset_seq */
	enum vireo_vm_state state;
	struct vm *vm;		  /* the machine; replaced by a reset */
	struct console_sink sink; /* where host console input goes */
	struct vireo_console *con;
	pthread_t thread; /* the supervisor, once started */
	bool thread_started;
	bool stop_req, reset_req;
	unsigned reset_seq; /* resets done */
	int end, code;
};

/* Logs msg through the VM's callback. */
static void api_log(const struct vireo_vm *h, enum vireo_log_level level, const char *msg)
{
	if (h->log)
		h->log(h->log_opaque, level, msg);
}

void vireo_config_init(struct vireo_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ram_size = 128ull << 20;
	cfg->nharts = 1;
	cfg->engine = VIREO_ENGINE_INTERP;
	cfg->console = VIREO_CONSOLE_UART;
}

/* A device id: 1..VIREO_ID_MAX-1 characters of [A-Za-z0-9_.-]. */
static bool id_ok(const char *id)
{
	size_t n = strnlen(id, VIREO_ID_MAX);

	if (n == 0 || n == VIREO_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* Checks the backend of device d; 0 or -EINVAL + msg. */
static int device_check(const struct vireo_device *d, char *msg, size_t msglen)
{
	switch (d->kind) {
	case VIREO_DEV_BLK:
		if (!d->blk.path && d->blk.fd < 0)
			return errmsg(-EINVAL, msg, msglen, "%s: no image path or fd", d->id);
		if (d->blk.path && (!d->blk.path[0] || strlen(d->blk.path) >= 4096))
			return errmsg(-EINVAL, msg, msglen, "%s: bad image path", d->id);
		if (d->blk.format != VIREO_BLK_FORMAT_AUTO &&
		    d->blk.format != VIREO_BLK_FORMAT_RAW &&
		    d->blk.format != VIREO_BLK_FORMAT_QCOW2)
			return errmsg(-EINVAL, msg, msglen, "%s: bad image format %d", d->id,
				      (int)d->blk.format);
		return 0;
	case VIREO_DEV_NET:
		if (d->net.backend == VIREO_NET_USER) {
			if (d->net.nhostfwd > VIREO_MAX_HOSTFWD)
				return errmsg(-EINVAL, msg, msglen, "%s: at most %d hostfwd rules",
					      d->id, VIREO_MAX_HOSTFWD);
			return 0;
		}
		if (d->net.backend == VIREO_NET_TAP) {
			if (!d->net.ifname[0] && d->net.tap_fd < 0)
				return errmsg(-EINVAL, msg, msglen, "%s: no TAP name or fd", d->id);
			return 0;
		}
		return errmsg(-EINVAL, msg, msglen, "%s: unknown network backend", d->id);
	case VIREO_DEV_RNG:
		return 0;
	case VIREO_DEV_CONSOLE:
		if (d->console.out_fd < 0)
			return errmsg(-EINVAL, msg, msglen, "%s: no output fd", d->id);
		return 0;
	}
	return errmsg(-EINVAL, msg, msglen, "device %s: unknown kind %d", d->id, (int)d->kind);
}

int vireo_config_check(const struct vireo_config *cfg, char *msg, size_t msglen)
{
	struct vm_config mc = {
	    .ram_size = cfg->ram_size, .nharts = cfg->nharts, .console_fd = cfg->uart_fd};
	bool slot_used[VIREO_VIRTIO_SLOTS] = {false}, have_console = false;
	int err;

	err = vm_config_check(&mc, msg, msglen);
	if (err)
		return err;
	if (cfg->engine != VIREO_ENGINE_INTERP)
		return errmsg(-EINVAL, msg, msglen, "unknown CPU engine %d", (int)cfg->engine);
	if (!cfg->kernel && !cfg->firmware)
		return errmsg(-EINVAL, msg, msglen, "nothing to boot: no kernel and no firmware");
	if (!cfg->kernel && (cfg->initrd || cfg->cmdline))
		return errmsg(-EINVAL, msg, msglen,
			      "an initrd or a kernel command line needs a kernel");
	if (cfg->console != VIREO_CONSOLE_UART && cfg->console != VIREO_CONSOLE_VIRTIO)
		return errmsg(-EINVAL, msg, msglen, "unknown console kind %d", (int)cfg->console);
	if (cfg->ndevices > VIREO_MAX_DEVICES)
		return errmsg(-EINVAL, msg, msglen, "at most %d devices", VIREO_MAX_DEVICES);
	for (unsigned i = 0; i < cfg->ndevices; i++) {
		const struct vireo_device *d = &cfg->devices[i];

		if (!id_ok(d->id))
			return errmsg(
			    -EINVAL, msg, msglen,
			    "device %u: its id must be 1 to %d characters of A-Z a-z 0-9 _ . -", i,
			    VIREO_ID_MAX - 1);
		for (unsigned k = 0; k < i; k++) {
			if (strcmp(cfg->devices[k].id, d->id) == 0)
				return errmsg(-EINVAL, msg, msglen, "two devices are named %s",
					      d->id);
		}
		if (d->slot != VIREO_SLOT_AUTO &&
		    (d->slot < 0 || d->slot >= (int)VIREO_VIRTIO_SLOTS))
			return errmsg(-EINVAL, msg, msglen, "%s: virtio slot %d is not 0 to %d",
				      d->id, d->slot, VIREO_VIRTIO_SLOTS - 1);
		if (d->slot != VIREO_SLOT_AUTO) {
			if (slot_used[d->slot])
				return errmsg(-EINVAL, msg, msglen, "%s: virtio slot %d is taken",
					      d->id, d->slot);
			slot_used[d->slot] = true;
		}
		err = device_check(d, msg, msglen);
		if (err)
			return err;
		have_console |= d->kind == VIREO_DEV_CONSOLE;
	}
	if (cfg->console == VIREO_CONSOLE_VIRTIO && !have_console)
		return errmsg(-EINVAL, msg, msglen,
			      "the console is virtio but there is no "
			      "virtio-console device");
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

/* Plugs device i of the config into vm; *nnet counts NICs (for their MACs); 0 or -errno + msg. */
static int device_add(struct vireo_vm *h, struct vm *vm, unsigned i, unsigned *nnet,
		      struct console_sink *vcon, char *msg, size_t msglen)
{
	const struct vireo_device *d = &h->cfg.devices[i];
	struct virtio_blk_opts b = {.slot = d->slot, .name = d->id};
	struct net_backend *be;
	struct virtio_dev *vd;
	char why[384];
	int err;

	switch (d->kind) {
	case VIREO_DEV_BLK:
		if (d->blk.path)
			snprintf(b.path, sizeof(b.path), "%s", d->blk.path);
		b.fd = h->fds[i];
		b.format = d->blk.format == VIREO_BLK_FORMAT_QCOW2 ? BLOCK_FORMAT_QCOW2
			   : d->blk.format == VIREO_BLK_FORMAT_RAW ? BLOCK_FORMAT_RAW
								   : BLOCK_FORMAT_AUTO;
		b.read_only = d->blk.read_only;
		return virtio_blk_create(vm, &b, msg, msglen);
	case VIREO_DEV_NET:
		err = net_backend_open(&be, d, why, sizeof(why));
		if (!err)
			err = virtio_net_create(vm, be, (*nnet)++, d->slot, why, sizeof(why));
		return err ? errmsg(err, msg, msglen, "%s: %s", d->id, why) : 0;
	case VIREO_DEV_RNG:
		err = virtio_rng_create(vm, d->slot);
		/* Entropy is a bonus: an optional rng with no free slot left is not an error. */
		if (err == -ENOSPC && d->optional && d->slot == VIREO_SLOT_AUTO)
			return 0;
		return err ? errmsg(err, msg, msglen, "cannot create the virtio-rng %s: %s", d->id,
				    strerror(-err))
			   : 0;
	case VIREO_DEV_CONSOLE:
		err = virtio_console_create(vm, d->console.in_fd, d->console.out_fd, d->slot, &vd);
		if (err)
			return errmsg(err, msg, msglen, "cannot create the virtio-console %s: %s",
				      d->id, strerror(-err));
		if (!vcon->dev)
			*vcon =
			    (struct console_sink){.input = virtio_console_sink_input, .dev = vd};
		return 0;
	}
	return errmsg(-EINVAL, msg, msglen, "device %s: unknown kind", d->id);
}

/* Creates the machine the config describes and loads its boot sources; 0 or -errno + msg. */
static int machine_build(struct vireo_vm *h, struct vm **out, char *msg, size_t msglen)
{
	const struct vireo_config *c = &h->cfg;
	struct vm_config mc = {.ram_size = c->ram_size,
			       .nharts = c->nharts,
			       .console_fd = c->uart_fd,
			       .log = h->log,
			       .log_opaque = h->log_opaque};
	struct boot_params bp = {
	    .kernel = c->kernel, .initrd = c->initrd, .append = c->cmdline, .bios = c->firmware};
	struct console_sink vcon = {0};
	unsigned nnet = 0;
	struct vm *vm;
	int err;

	*out = NULL;
	err = vm_create(&vm, &mc);
	if (err)
		return errmsg(err, msg, msglen, "cannot create the VM: %s", strerror(-err));
	for (unsigned i = 0; i < c->ndevices && !err; i++)
		err = device_add(h, vm, i, &nnet, &vcon, msg, msglen);
	if (!err && c->console == VIREO_CONSOLE_UART) {
		h->sink = (struct console_sink){.input = uart_sink_input, .dev = vm->console};
		if (!vm->console)
			err = errmsg(-ENODEV, msg, msglen, "the board has no console UART");
	} else if (!err) {
		h->sink = vcon;
	}
	if (!err)
		err = boot_load(vm, &bp, msg, msglen);
	if (err) {
		vm_destroy(vm);
		return err;
	}
	*out = vm;
	return 0;
}

/* Keeps a copy of string *s in h (NULL stays NULL); 0 or -ENOMEM. */
static int keep_str(struct vireo_vm *h, unsigned k, const char **s)
{
	if (!*s)
		return 0;
	h->strs[k] = strdup(*s);
	if (!h->strs[k])
		return -ENOMEM;
	*s = h->strs[k];
	return 0;
}

/* Copies the config's strings and dups its fds into h; 0 or -errno + msg. */
static int keep_config(struct vireo_vm *h, const struct vireo_config *cfg, char *msg, size_t msglen)
{
	int err;

	h->cfg = *cfg;
	err = keep_str(h, 0, &h->cfg.kernel);
	if (!err)
		err = keep_str(h, 1, &h->cfg.initrd);
	if (!err)
		err = keep_str(h, 2, &h->cfg.cmdline);
	if (!err)
		err = keep_str(h, 3, &h->cfg.firmware);
	for (unsigned i = 0; i < h->cfg.ndevices && !err; i++) {
		struct vireo_device *d = &h->cfg.devices[i];

		if (d->kind == VIREO_DEV_BLK && d->blk.path) {
			err = keep_str(h, 4 + i, &d->blk.path);
		} else if (d->kind == VIREO_DEV_BLK) {
			h->fds[i] = fcntl(d->blk.fd, F_DUPFD_CLOEXEC, 0);
			if (h->fds[i] < 0)
				return errmsg(-errno, msg, msglen, "%s: bad fd %d: %s", d->id,
					      d->blk.fd, strerror(errno));
		} else if (d->kind == VIREO_DEV_NET && d->net.backend == VIREO_NET_TAP &&
			   !d->net.ifname[0]) {
			h->fds[i] = fcntl(d->net.tap_fd, F_DUPFD_CLOEXEC, 0);
			if (h->fds[i] < 0)
				return errmsg(-errno, msg, msglen, "%s: bad fd %d: %s", d->id,
					      d->net.tap_fd, strerror(errno));
			d->net.tap_fd = h->fds[i];
		}
	}
	return err ? errmsg(err, msg, msglen, "out of memory") : 0;
}

/* Frees what keep_config kept. */
static void free_config(struct vireo_vm *h)
{
	for (unsigned i = 0; i < sizeof(h->strs) / sizeof(h->strs[0]); i++)
		free(h->strs[i]);
	for (unsigned i = 0; i < VIREO_MAX_DEVICES; i++) {
		if (h->fds[i] >= 0)
			close(h->fds[i]);
	}
}

int vireo_vm_build(struct vireo_vm **out, const struct vireo_config *cfg, vireo_log_fn log,
		   void *log_opaque, char *msg, size_t msglen)
{
	struct vireo_vm *h;
	int err;

	*out = NULL;
	if (msg && msglen)
		msg[0] = '\0';
	err = vireo_config_check(cfg, msg, msglen);
	if (err)
		return err;
	h = calloc(1, sizeof(*h));
	if (!h)
		return errmsg(-ENOMEM, msg, msglen, "out of memory");
	for (unsigned i = 0; i < VIREO_MAX_DEVICES; i++)
		h->fds[i] = -1;
	h->log = log;
	h->log_opaque = log_opaque;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	h->state = VIREO_VM_BUILT;
	err = keep_config(h, cfg, msg, msglen);
	if (!err)
		err = machine_build(h, &h->vm, msg, msglen);
	if (err) {
		vireo_vm_destroy(h);
		return err;
	}
	*out = h;
	return 0;
}

/* Points the attached console (if any) at the current machine; input held while paused. */
static void console_reattach(struct vireo_vm *h)
{
	if (!h->con)
		return;
	console_attach(h->con->con, h->vm, h->state == VIREO_VM_PAUSED ? NULL : &h->sink);
}

/* True when the attached console asked to stop (a signal or the quit escape). */
static bool console_wants_stop(const struct vireo_vm *h)
{
	return h->con && (console_signal(h->con->con) || console_quit_requested(h->con->con));
}

/* Replaces the machine by a fresh one from the config (lock held); 0 or -errno, logged. */
static int machine_reset(struct vireo_vm *h)
{
	char msg[512];
	int err;

	if (h->con)
		console_attach(h->con->con, NULL, NULL);
	vm_destroy(h->vm);
	h->vm = NULL;
	err = machine_build(h, &h->vm, msg, sizeof(msg));
	if (err)
		api_log(h, VIREO_LOG_ERROR, msg);
	console_reattach(h);
	h->reset_seq++;
	pthread_cond_broadcast(&h->cond);
	return err;
}

/* How the machine ended, in the API's terms. */
static int end_of(int state)
{
	switch (state) {
	case VM_POWEROFF:
		return VIREO_END_POWEROFF;
	case VM_FAIL:
		return VIREO_END_FAIL;
	case VM_RESET:
		return VIREO_END_RESET;
	case VM_PANIC:
		return VIREO_END_PANIC;
	default:
		return VIREO_END_ERROR;
	}
}

/* The supervisor: runs the harts; on a guest reset (unless no_reboot) resets and runs again. */
static void *supervisor_main(void *arg)
{
	struct vireo_vm *h = arg;

	for (;;) {
		int st = vm_run(h->vm);

		pthread_mutex_lock(&h->lock);
		if (st == VM_RESET && !h->stop_req && !console_wants_stop(h) &&
		    (!h->cfg.no_reboot || h->reset_req)) {
			h->reset_req = false;
			if (!machine_reset(h)) {
				if (h->state == VIREO_VM_PAUSED)
					h->state = VIREO_VM_RUNNING;
				console_reattach(h);
				pthread_mutex_unlock(&h->lock);
				continue;
			}
			h->end = VIREO_END_ERROR;
		} else if (h->stop_req) {
			/* vireo_vm_stop ends the VM as a power off even when the guest raced it
			 * with its own reset or failure. */
			h->end = VIREO_END_POWEROFF;
		} else {
			h->end = end_of(st);
			h->code = h->vm->exit_code;
		}
		h->state = VIREO_VM_STOPPED;
		pthread_cond_broadcast(&h->cond);
		pthread_mutex_unlock(&h->lock);
		return NULL;
	}
}

int vireo_vm_start(struct vireo_vm *h)
{
	int err = 0;

	pthread_mutex_lock(&h->lock);
	if (h->state != VIREO_VM_BUILT) {
		err = -EBUSY;
	} else {
		err = -pthread_create(&h->thread, NULL, supervisor_main, h);
		if (!err) {
			h->thread_started = true;
			h->state = VIREO_VM_RUNNING;
		}
	}
	pthread_mutex_unlock(&h->lock);
	return err;
}

int vireo_vm_wait(struct vireo_vm *h, int *code)
{
	int end;

	pthread_mutex_lock(&h->lock);
	if (h->state == VIREO_VM_BUILT) {
		pthread_mutex_unlock(&h->lock);
		return -EINVAL;
	}
	while (h->state != VIREO_VM_STOPPED)
		pthread_cond_wait(&h->cond, &h->lock);
	end = h->end;
	if (code)
		*code = h->code;
	pthread_mutex_unlock(&h->lock);
	return end;
}

int vireo_vm_pause(struct vireo_vm *h)
{
	int err = -EINVAL;

	pthread_mutex_lock(&h->lock);
	if (h->state == VIREO_VM_RUNNING) {
		err = vm_pause(h->vm);
		if (err) {
			vm_resume(h->vm); /* it stopped meanwhile: leave it to the supervisor */
		} else {
			h->state = VIREO_VM_PAUSED;
			console_reattach(h); /* holds host input: the UART's FIFO is device state */
		}
	}
	pthread_mutex_unlock(&h->lock);
	return err;
}

int vireo_vm_resume(struct vireo_vm *h)
{
	int err = -EINVAL;

	pthread_mutex_lock(&h->lock);
	if (h->state == VIREO_VM_PAUSED) {
		vm_resume(h->vm);
		h->state = VIREO_VM_RUNNING;
		console_reattach(h);
		err = 0;
	}
	pthread_mutex_unlock(&h->lock);
	return err;
}

int vireo_vm_reset(struct vireo_vm *h)
{
	int err = 0;
	unsigned seq;

	pthread_mutex_lock(&h->lock);
	switch (h->state) {
	case VIREO_VM_BUILT:
		err = machine_reset(h);
		if (err) {
			h->state = VIREO_VM_STOPPED;
			h->end = VIREO_END_ERROR;
		}
		break;
	case VIREO_VM_RUNNING:
	case VIREO_VM_PAUSED:
		/* The supervisor does it once the harts have left (parked ones wake to leave). */
		seq = h->reset_seq;
		h->reset_req = true;
		vm_stop(h->vm, VM_RESET, 0);
		while (h->reset_seq == seq && h->state != VIREO_VM_STOPPED)
			pthread_cond_wait(&h->cond, &h->lock);
		if (h->state == VIREO_VM_STOPPED)
			err = h->end == VIREO_END_ERROR ? -EIO : -ESRCH;
		break;
	default:
		err = -EINVAL;
	}
	pthread_mutex_unlock(&h->lock);
	return err;
}

void vireo_vm_stop(struct vireo_vm *h)
{
	pthread_mutex_lock(&h->lock);
	h->stop_req = true;
	if (h->state == VIREO_VM_BUILT) {
		h->state = VIREO_VM_STOPPED;
		h->end = VIREO_END_POWEROFF;
		pthread_cond_broadcast(&h->cond);
	} else if (h->vm) {
		vm_stop(h->vm, VM_POWEROFF, 0);
	}
	pthread_mutex_unlock(&h->lock);
}

int vireo_vm_dirty_log(struct vireo_vm *h, bool on)
{
	int err = -EINVAL;

	pthread_mutex_lock(&h->lock);
	if (h->vm) {
		mem_dirty_log(h->vm, on);
		err = 0;
	}
	pthread_mutex_unlock(&h->lock);
	return err;
}

int vireo_vm_dirty_read_clear(struct vireo_vm *h, uint64_t *bitmap, size_t words)
{
	int err = -EINVAL;

	pthread_mutex_lock(&h->lock);
	if (h->vm)
		err = words < mem_dirty_words(h->vm) ? -ENOSPC
						     : mem_dirty_read_clear(h->vm, bitmap, words);
	pthread_mutex_unlock(&h->lock);
	return err;
}

enum vireo_vm_state vireo_vm_state(struct vireo_vm *h)
{
	enum vireo_vm_state s;

	pthread_mutex_lock(&h->lock);
	s = h->state;
	pthread_mutex_unlock(&h->lock);
	return s;
}

void vireo_vm_destroy(struct vireo_vm *h)
{
	if (!h)
		return;
	if (h->con)
		vireo_console_attach(h->con, NULL);
	vireo_vm_stop(h);
	if (h->thread_started)
		pthread_join(h->thread, NULL);
	vm_destroy(h->vm);
	free_config(h);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->cond);
	free(h);
}

int vireo_console_open(struct vireo_console **out, int in_fd, int out_fd)
{
	struct vireo_console *c = calloc(1, sizeof(*c));
	int err;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	err = console_open(&c->con, in_fd, out_fd);
	if (err) {
		free(c);
		return err;
	}
	*out = c;
	return 0;
}

void vireo_console_attach(struct vireo_console *c, struct vireo_vm *vm)
{
	struct vireo_vm *old = c->vm;

	if (old) {
		pthread_mutex_lock(&old->lock);
		console_attach(c->con, NULL, NULL);
		old->con = NULL;
		pthread_mutex_unlock(&old->lock);
		c->vm = NULL;
	}
	if (!vm)
		return;
	pthread_mutex_lock(&vm->lock);
	vm->con = c;
	c->vm = vm;
	console_reattach(vm);
	pthread_mutex_unlock(&vm->lock);
	/* A signal or Ctrl-a x that came while no VM was attached must still stop this one. */
	if (console_signal(c->con) || console_quit_requested(c->con))
		vireo_vm_stop(vm);
}

int vireo_console_signal(const struct vireo_console *c)
{
	return console_signal(c->con);
}

bool vireo_console_quit_requested(const struct vireo_console *c)
{
	return console_quit_requested(c->con);
}

void vireo_console_close(struct vireo_console *c)
{
	if (!c)
		return;
	if (c->vm)
		vireo_console_attach(c, NULL);
	console_close(c->con);
	free(c);
}
