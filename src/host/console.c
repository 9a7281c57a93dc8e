/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host console. One thread polls stdin, a signalfd for SIGINT/SIGTERM/SIGHUP and a wake pipe;
 * bytes read go through the Ctrl-a escape decoder (terminal only) into a pending buffer that
 * is fed to the console input sink (the UART or a virtio-console), which may refuse bytes
 * while it is full: then the thread waits a few milliseconds (still answering signals) and
 * offers them again, and stops reading stdin meanwhile so nothing is lost. Signals never run
 * handlers: the thread reads them from the signalfd and stops the VM, so the terminal is
 * restored by console_close() on the normal exit path.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "core/vm.h"
#include "host/console.h"

/* How long to wait before offering bytes again to a full sink, or while no VM. */
#define CONSOLE_RETRY_MS 5
#define CONSOLE_BUF 256

struct console {
	int in_fd, out_fd;
	bool tty;	      /* in_fd is a terminal we put in raw mode */
	struct termios saved; /* its settings before */
	sigset_t old_mask;    /* the opener's signal mask before */
	int sig_fd;	      /* signalfd for SIGINT/SIGTERM/SIGHUP */
	int wake[2];	      /* console_close writes to wake[1] to end the thread */
	pthread_t thread;
	bool thread_started;

	pthread_mutex_t lock; /* guards vm and sink against console_attach */
	struct vm *vm;
	struct console_sink sink; /* input is held while sink.input is NULL */

	_Atomic int signo;
	_Atomic bool quit;
	struct console_esc esc; /* input thread only */
};

static const char console_help[] =
    "\r\nvireo console escapes:\r\n"
    "  Ctrl-a x       quit: stop the VM (vireo exits with status 0)\r\n"
    "  Ctrl-a h       show this help\r\n"
    "  Ctrl-a Ctrl-a  send Ctrl-a to the guest\r\n";

enum console_action console_esc_feed(struct console_esc *st, uint8_t in, uint8_t out[2], size_t *n)
{
	*n = 0;
	if (!st->prefix) {
		if (in == CONSOLE_ESCAPE) {
			st->prefix = true;
			return CONSOLE_NONE;
		}
		out[(*n)++] = in;
		return CONSOLE_SEND;
	}
	st->prefix = false;
	switch (in) {
	case CONSOLE_CMD_QUIT:
		return CONSOLE_QUIT;
	case CONSOLE_CMD_HELP:
		return CONSOLE_HELP;
	case CONSOLE_ESCAPE:
		out[(*n)++] = CONSOLE_ESCAPE;
		return CONSOLE_SEND;
	default:
		/* Not a command: the guest gets both bytes, as typed. */
		out[(*n)++] = CONSOLE_ESCAPE;
		out[(*n)++] = in;
		return CONSOLE_SEND;
	}
}

static void write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t w = write(fd, s, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		len -= (size_t)w;
	}
}

/* Stops the attached VM, if any, as a clean power-off; the caller says why. */
static void console_stop_vm(struct console *c)
{
	pthread_mutex_lock(&c->lock);
	if (c->vm)
		vm_stop(c->vm, VM_POWEROFF, 0);
	pthread_mutex_unlock(&c->lock);
}

/* Offers len bytes to the sink; returns how many it took (the rest is offered again later). */
static size_t console_deliver(struct console *c, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&c->lock);
	if (c->vm && c->sink.input)
		n = c->sink.input(c->sink.dev, buf, len);
	pthread_mutex_unlock(&c->lock);
	return n < len ? n : len; /* a sink claiming more than it was given takes all */
}

/* Turns bytes read from in_fd into bytes for the guest in out; returns how many. */
static size_t console_decode(struct console *c, const uint8_t *in, size_t len, uint8_t *out)
{
	size_t n = 0;

	if (!c->tty) {
		memcpy(out, in, len);
		return len;
	}
	for (size_t i = 0; i < len; i++) {
		size_t k;

		switch (console_esc_feed(&c->esc, in[i], out + n, &k)) {
		case CONSOLE_SEND:
			n += k;
			break;
		case CONSOLE_QUIT:
			atomic_store(&c->quit, true);
			write_all(c->out_fd, "\r\nvireo: quit\r\n", 15);
			console_stop_vm(c);
			break;
		case CONSOLE_HELP:
			write_all(c->out_fd, console_help, sizeof(console_help) - 1);
			break;
		case CONSOLE_NONE:
			break;
		}
	}
	return n;
}

/* Reads one pending signal from the signalfd and stops the VM for it. */
static void console_take_signal(struct console *c)
{
	struct signalfd_siginfo si;

	if (read(c->sig_fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	atomic_store(&c->signo, (int)si.ssi_signo);
	console_stop_vm(c);
}

static void *console_thread(void *arg)
{
	struct console *c = arg;
	uint8_t raw[CONSOLE_BUF], pending[2 * CONSOLE_BUF];
	size_t head = 0, count = 0;
	bool in_open = true;

	for (;;) {
		struct pollfd p[3] = {
		    {.fd = c->wake[0], .events = POLLIN},
		    {.fd = c->sig_fd, .events = POLLIN},
		    {.fd = c->in_fd, .events = POLLIN},
		};
		/* Read stdin only when everything read before is delivered (back-pressure). */
		nfds_t nfds = (in_open && head == count) ? 3 : 2;
		int r = poll(p, nfds, head < count ? CONSOLE_RETRY_MS : -1);

		if (r < 0 && errno != EINTR)
			break;
		if (r > 0 && p[0].revents)
			break;
		if (r > 0 && (p[1].revents & POLLIN))
			console_take_signal(c);
		if (r > 0 && nfds == 3 && p[2].revents) {
			ssize_t n = read(c->in_fd, raw, sizeof(raw));

			if (n > 0) {
				count = console_decode(c, raw, (size_t)n, pending);
				head = 0;
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				/* EOF (or a dead terminal): stop reading; the guest runs on. */
				in_open = false;
			}
		}
		if (head < count)
			head += console_deliver(c, pending + head, count - head);
	}
	return NULL;
}

/* Raw input for a terminal (termios(3) cfmakeraw), keeping output processing on. */
static int console_raw(struct console *c)
{
	struct termios t;

	if (tcgetattr(c->in_fd, &c->saved) < 0)
		return -errno;
	t = c->saved;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	/* OPOST/ONLCR stay as they were, so a guest's bare "\n" still returns the carriage. */
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(c->in_fd, TCSANOW, &t) < 0)
		return -errno;
	c->tty = true;
	return 0;
}

/* Blocks the stop signals (inherited by threads made later) and opens a signalfd for them. */
static int console_signals(struct console *c)
{
	sigset_t set;
	int err;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	err = pthread_sigmask(SIG_BLOCK, &set, &c->old_mask);
	if (err)
		return -err;
	c->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (c->sig_fd < 0) {
		err = -errno;
		pthread_sigmask(SIG_SETMASK, &c->old_mask, NULL);
		return err;
	}
	return 0;
}

int console_open(struct console **out, int in_fd, int out_fd)
{
	struct console *c;
	int err;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->in_fd = in_fd;
	c->out_fd = out_fd;
	c->sig_fd = c->wake[0] = c->wake[1] = -1;
	pthread_mutex_init(&c->lock, NULL);
	atomic_init(&c->signo, 0);
	atomic_init(&c->quit, false);
	if (pipe2(c->wake, O_CLOEXEC) < 0) {
		err = -errno;
		goto out;
	}
	err = console_signals(c);
	if (err)
		goto out;
	if (isatty(in_fd)) {
		err = console_raw(c);
		if (err)
			goto out;
	}
	err = -pthread_create(&c->thread, NULL, console_thread, c);
	if (err)
		goto out;
	c->thread_started = true;
	*out = c;
	return 0;
out:
	console_close(c);
	return err;
}

void console_attach(struct console *c, struct vm *vm, const struct console_sink *sink)
{
	pthread_mutex_lock(&c->lock);
	c->vm = vm;
	c->sink = sink ? *sink : (struct console_sink){0};
	pthread_mutex_unlock(&c->lock);
}

int console_signal(const struct console *c)
{
	return atomic_load(&c->signo);
}

bool console_quit_requested(const struct console *c)
{
	return atomic_load(&c->quit);
}

void console_close(struct console *c)
{
	if (!c)
		return;
	if (c->thread_started) {
		write_all(c->wake[1], "q", 1);
		pthread_join(c->thread, NULL);
	}
	if (c->tty)
		tcsetattr(c->in_fd, TCSADRAIN, &c->saved);
	if (c->sig_fd >= 0) {
		close(c->sig_fd);
		pthread_sigmask(SIG_SETMASK, &c->old_mask, NULL);
	}
	if (c->wake[0] >= 0)
		close(c->wake[0]);
	if (c->wake[1] >= 0)
		close(c->wake[1]);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
