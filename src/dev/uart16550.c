/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ns16550a UART (register model of the PC16550D datasheet, as on QEMU's virt board). A byte
 * written to THR goes at once into the VM's console output buffer (src/host/conout.c), which a
 * host thread writes to the output fd, so a vCPU never waits for the host's reader. The
 * transmitter reads as empty (LSR.THRE and TEMT, the THRE interrupt) while that buffer has room
 * for a whole transmit FIFO load (16 bytes, what Linux's 8250 driver writes per THRE
 * interrupt); when a slow reader fills it, THRE drops and comes back, with its interrupt, once
 * the reader has taken enough. A guest that writes THR without waiting for THRE then loses the
 * bytes that do not fit, as on hardware. The receiver has a 16-byte FIFO fed by
 * uart16550_receive() and by loopback mode. The interrupt output is PLIC source 10 on the
 * board (BOARD_UART0_IRQ), driven from the IIR state.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/board.h"
#include "core/fdt.h"
#include "core/vm.h"
#include "dev/devices.h"
#include "host/conout.h"

/* Register offsets (PC16550D table 2). */
enum {
	UART_RBR_THR = 0,
	UART_IER = 1,
	UART_IIR_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7
};

#define IER_ERBFI 0x01 /* received data available */
#define IER_ETBEI 0x02 /* THR empty */
#define IER_ELSI 0x04  /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */

#define IIR_NONE 0x01
#define IIR_MSI 0x00
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define IIR_RLS 0x06
#define IIR_FIFO 0xc0

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02

#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

#define RX_FIFO 16
#define TX_FIFO 16

struct uart {
	pthread_mutex_t lock;
	struct vm *vm;
	struct conout *out; /* the VM's console output */
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	bool fifo_on;
	bool thre_pending; /* THRE interrupt latched until IIR is read or THR written */
	bool tx_wait;	   /* THR was written while full: THRE is raised when room comes back */
	bool overrun;
	uint8_t msr_delta; /* MSR bits 3:0 */
	uint8_t rx[RX_FIFO];
	unsigned rx_head, rx_count;
	bool irq_level; /* the interrupt output as last driven to the PLIC */
};

/* IIR by priority (PC16550D table 4): line status, rx data, THR empty, modem status. */
static uint8_t uart_iir(const struct uart *u)
{
	uint8_t fifo = u->fifo_on ? IIR_FIFO : 0;

	if ((u->ier & IER_ELSI) && u->overrun)
		return IIR_RLS | fifo;
	if ((u->ier & IER_ERBFI) && u->rx_count)
		return IIR_RDA | fifo;
	if ((u->ier & IER_ETBEI) && u->thre_pending)
		return IIR_THRE | fifo;
	if ((u->ier & IER_EDSSI) && u->msr_delta)
		return IIR_MSI | fifo;
	return IIR_NONE | fifo;
}

/* The INTR output is high whenever IIR reports an interrupt (PC16550D table 4). */
static void uart_update(struct uart *u)
{
	bool level = !(uart_iir(u) & IIR_NONE);

	if (level != u->irq_level) {
		u->irq_level = level;
		vm_set_irq(u->vm, BOARD_UART0_IRQ, level);
	}
}

static bool uart_push(struct uart *u, uint8_t byte)
{
	if (u->rx_count == RX_FIFO) {
		u->overrun = true;
		return false;
	}
	u->rx[(u->rx_head + u->rx_count) % RX_FIFO] = byte;
	u->rx_count++;
	return true;
}

static uint8_t uart_pop(struct uart *u)
{
	uint8_t byte;

	if (!u->rx_count)
		return 0;
	byte = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % RX_FIFO;
	u->rx_count--;
	return byte;
}

/* THR (and the shift register) empty: loopback never waits, else room for a FIFO load. */
static bool uart_thr_empty(const struct uart *u)
{
	return (u->mcr & MCR_LOOP) || conout_room(u->out) >= TX_FIFO;
}

/*
 * Latches the THRE interrupt if THR is empty now, or once the output buffer has room again
 * (uart_tx_room); a THR write or IIR read cleared it before.
 */
static void uart_thre_arm(struct uart *u)
{
	u->thre_pending = uart_thr_empty(u);
	u->tx_wait = !u->thre_pending;
}

/* Called by the console output's thread after bytes left its buffer. */
static void uart_tx_room(void *opaque)
{
	struct uart *u = opaque;

	pthread_mutex_lock(&u->lock);
	if (u->tx_wait && uart_thr_empty(u)) {
		u->tx_wait = false;
		u->thre_pending = true;
		uart_update(u);
	}
	pthread_mutex_unlock(&u->lock);
}

/* Modem status lines: in loopback they follow MCR (PC16550D 8.6), else a ready peer. */
static uint8_t uart_msr(const struct uart *u)
{
	uint8_t m = u->mcr;

	if (!(u->mcr & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS | u->msr_delta;
	return (uint8_t)(((m & 0x02) ? MSR_CTS : 0) | ((m & 0x01) ? MSR_DSR : 0) |
			 ((m & 0x04) ? MSR_RI : 0) | ((m & 0x08) ? MSR_DCD : 0) | u->msr_delta);
}

static uint8_t uart_read_reg(struct uart *u, uint64_t off)
{
	uint8_t v;

	switch (off) {
	case UART_RBR_THR:
		return (u->lcr & LCR_DLAB) ? u->dll : uart_pop(u);
	case UART_IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case UART_IIR_FCR:
		v = uart_iir(u);
		/* Reading IIR while it reports THRE clears that interrupt (PC16550D table 4). */
		if ((v & 0x0f) == IIR_THRE)
			u->thre_pending = false;
		return v;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		v = (uart_thr_empty(u) ? LSR_THRE | LSR_TEMT : 0) | (u->rx_count ? LSR_DR : 0) |
		    (u->overrun ? LSR_OE : 0);
		u->overrun = false;
		return v;
	case UART_MSR:
		v = uart_msr(u);
		u->msr_delta = 0;
		return v;
	default:
		return u->scr;
	}
}

static void uart_write_reg(struct uart *u, uint64_t off, uint8_t val)
{
	switch (off) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = val;
			break;
		}
		if (u->mcr & MCR_LOOP)
			uart_push(u, val);
		else
			conout_write(u->out, &val, 1); /* no room: the guest ignored THRE */
		uart_thre_arm(u);
		break;
	case UART_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = val;
			break;
		}
		/* Enabling ETBEI with THR empty raises THRE (Linux's 8250 probe checks it). */
		if ((val & IER_ETBEI) && !(u->ier & IER_ETBEI))
			uart_thre_arm(u);
		u->ier = val & 0x0f;
		break;
	case UART_IIR_FCR:
		u->fifo_on = val & FCR_ENABLE;
		if (val & FCR_CLEAR_RX)
			u->rx_head = u->rx_count = 0;
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & MCR_MASK;
		break;
	case UART_SCR:
		u->scr = val;
		break;
	default:
		break; /* LSR and MSR are read-only */
	}
}

static int uart_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
	struct uart *u = opaque;

	(void)size;
	pthread_mutex_lock(&u->lock);
	*val = uart_read_reg(u, off);
	uart_update(u);
	pthread_mutex_unlock(&u->lock);
	return 0;
}

static int uart_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct uart *u = opaque;

	(void)size;
	pthread_mutex_lock(&u->lock);
	uart_write_reg(u, off, (uint8_t)val);
	uart_update(u);
	pthread_mutex_unlock(&u->lock);
	return 0;
}

bool uart16550_receive(void *uart, uint8_t byte)
{
	struct uart *u = uart;
	bool ok;

	pthread_mutex_lock(&u->lock);
	/*
	 * A full FIFO refuses the byte instead of overrunning: the host side keeps it and offers
	 * it again, so no data is lost and the guest must not see LSR.OE for it.
	 */
	ok = u->rx_count < RX_FIFO && uart_push(u, byte);
	uart_update(u);
	pthread_mutex_unlock(&u->lock);
	return ok;
}

int uart16550_take(void *uart, uint8_t *buf, size_t n)
{
	struct uart *u = uart;
	size_t got = 0;

	pthread_mutex_lock(&u->lock);
	while (got < n && got < INT_MAX && u->rx_count)
		buf[got++] = uart_pop(u);
	uart_update(u);
	pthread_mutex_unlock(&u->lock);
	return (int)got;
}

_Static_assert(UART16550_RX_FIFO == RX_FIFO, "uart16550_state must match the UART");
_Static_assert(sizeof(struct uart16550_state) == 16 + RX_FIFO, "no padding");

void uart16550_save(const void *uart, struct uart16550_state *s)
{
	struct uart *u = (struct uart *)uart;

	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&u->lock);
	s->ier = u->ier;
	s->lcr = u->lcr;
	s->mcr = u->mcr;
	s->scr = u->scr;
	s->dll = u->dll;
	s->dlm = u->dlm;
	s->msr_delta = u->msr_delta;
	s->fifo_on = u->fifo_on;
	s->thre_pending = u->thre_pending;
	s->tx_wait = u->tx_wait;
	s->overrun = u->overrun;
	s->rx_head = (uint8_t)u->rx_head;
	s->rx_count = (uint8_t)u->rx_count;
	memcpy(s->rx, u->rx, sizeof(s->rx));
	pthread_mutex_unlock(&u->lock);
}

/* True when every field of s is a value the registers could hold (see uart_write_reg). */
static bool uart_state_ok(const struct uart16550_state *s)
{
	return !(s->ier & ~0x0f) && !(s->mcr & ~MCR_MASK) && !(s->msr_delta & ~0x0f) &&
	       s->fifo_on <= 1 && s->thre_pending <= 1 && s->tx_wait <= 1 && s->overrun <= 1 &&
	       s->rx_head < RX_FIFO && s->rx_count <= RX_FIFO && !s->reserved[0] &&
	       !s->reserved[1] && !s->reserved[2];
}

int uart16550_load(void *uart, const struct uart16550_state *s)
{
	struct uart *u = uart;

	if (!uart_state_ok(s))
		return -EINVAL;
	pthread_mutex_lock(&u->lock);
	u->ier = s->ier;
	u->lcr = s->lcr;
	u->mcr = s->mcr;
	u->scr = s->scr;
	u->dll = s->dll;
	u->dlm = s->dlm;
	u->msr_delta = s->msr_delta;
	u->fifo_on = s->fifo_on;
	u->thre_pending = s->thre_pending;
	u->tx_wait = s->tx_wait;
	u->overrun = s->overrun;
	u->rx_head = s->rx_head;
	u->rx_count = s->rx_count;
	memcpy(u->rx, s->rx, sizeof(u->rx));
	/* The output line is driven afresh from the loaded registers. */
	u->irq_level = !(uart_iir(u) & IIR_NONE);
	vm_set_irq(u->vm, BOARD_UART0_IRQ, u->irq_level);
	pthread_mutex_unlock(&u->lock);
	return 0;
}

void uart16550_reset(void *uart)
{
	static const struct uart16550_state zero;

	uart16550_load(uart, &zero);
}

static void uart_destroy(void *opaque)
{
	struct uart *u = opaque;

	if (u->vm->console == u)
		u->vm->console = NULL;
	conout_set_notify(u->out, NULL, NULL);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

int uart16550_create(struct vm *vm, struct mmio_region *r)
{
	struct uart *u = calloc(1, sizeof(*u));
	int err;

	if (!u)
		return -ENOMEM;
	err = pthread_mutex_init(&u->lock, NULL);
	if (err) {
		free(u);
		return -err;
	}
	u->vm = vm;
	u->out = vm->conout;
	/* Every register resets to 0 (PC16550D table 5) except what uart_msr/LSR derive. */
	uart_update(u);
	r->opaque = u;
	r->min_access = 1;
	r->max_access = 1;
	r->read = uart_read;
	r->write = uart_write;
	r->destroy = uart_destroy;
	vm->console = u;
	conout_set_notify(u->out, uart_tx_room, u);
	return 0;
}

int uart16550_fdt(struct fdt_ctx *ctx, const struct board_slot *s)
{
	static const char *const compat[] = {"ns16550a", NULL};
	int node = fdt_ctx_soc_node(ctx, "serial", s);
	int err;

	if (node < 0)
		return node;
	err = fdt_ctx_strings(ctx, node, "compatible", compat);
	/* The 1.8432 MHz x 2 input clock QEMU's virt board declares; only divisors depend on it. */
	if (!err)
		err = fdt_ctx_u32(ctx, node, "clock-frequency", 3686400);
	return err;
}
