/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host side of the guest console: stdin goes to a console input sink (the UART's
 * receiver, or a virtio-console port: see struct console_sink), in raw mode with a Ctrl-a
 * escape prefix when it is a terminal, as it is otherwise. The console also owns
 * SIGINT/SIGTERM/SIGHUP while it is open, so the terminal is always restored.
 */
#ifndef VIREO_HOST_CONSOLE_H
#define VIREO_HOST_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct console;
struct vm;

/* The escape prefix, Ctrl-a, and the commands that may follow it. */
#define CONSOLE_ESCAPE 0x01
#define CONSOLE_CMD_QUIT 'x'
#define CONSOLE_CMD_HELP 'h'

/* What a byte typed on the terminal means. */
enum console_action {
	CONSOLE_NONE, /* swallowed (the escape prefix itself) */
	CONSOLE_SEND, /* send the bytes given back to the guest */
	CONSOLE_QUIT, /* Ctrl-a x: stop the VM */
	CONSOLE_HELP, /* Ctrl-a h: print the escape help */
};

/*
 * The device that takes the host's console input. input() is called on the console's thread
 * with the console's lock held; it must not block and returns how many of the len bytes the
 * device took (0 when it has no room: the rest is offered again a few milliseconds later,
 * and stdin is not read meanwhile, so nothing is lost).
 */
struct console_sink {
	size_t (*input)(void *dev, const uint8_t *buf, size_t len);
	void *dev;
};

/* State of the escape decoder: whether the last byte was the prefix. */
struct console_esc {
	bool prefix;
};

/**
 * Feeds one byte typed on a terminal through the escape decoder; on CONSOLE_SEND, out[0..*n)
 * are the bytes for the guest (an unknown command sends the prefix and the byte).
 */
enum console_action console_esc_feed(struct console_esc *st, uint8_t in, uint8_t out[2], size_t *n);

/**
 * Opens the console on in_fd (read) and out_fd (help text): puts a terminal in raw mode,
 * blocks SIGINT/SIGTERM/SIGHUP in the calling thread (threads made later inherit that)
 * and starts the input thread. Call before creating any other thread; 0 or -errno.
 */
int console_open(struct console **out, int in_fd, int out_fd);

/**
 * Directs input to sink (copied) and Ctrl-a x and signals to vm from now on; vm NULL (or sink
 * NULL) holds input, as before vm_destroy.
 */
void console_attach(struct console *c, struct vm *vm, const struct console_sink *sink);

/** The signal number (SIGINT, SIGTERM, SIGHUP) that asked Vireo to stop, or 0. */
int console_signal(const struct console *c);

/** True once the user typed Ctrl-a x. */
bool console_quit_requested(const struct console *c);

/** Stops the input thread, restores the terminal and the signal mask, frees c (NULL is ok). */
void console_close(struct console *c);

#endif
