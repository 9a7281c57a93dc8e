/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device constructors for the board table. Each one gets a region whose name, base and size
 * the board has filled in, and sets the rest (opaque, access sizes, callbacks, destroy).
 */
#ifndef VIREO_DEV_DEVICES_H
#define VIREO_DEV_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bus.h"

struct vm;
struct fdt_ctx;
struct board_slot;

/* CLINT layout (ACLINT spec: MSWI and MTIMER devices at the SiFive CLINT offsets). */
#define CLINT_MSIP 0x0000u
#define CLINT_MTIMECMP 0x4000u
#define CLINT_MTIME 0xbff8u
#define CLINT_SIZE 0x10000u

/* SiFive test finisher commands (low 16 bits of a 32-bit write at offset 0). */
#define FINISHER_FAIL 0x3333u
#define FINISHER_PASS 0x5555u
#define FINISHER_RESET 0x7777u

/* PLIC (SiFive PLIC as on QEMU virt): window size and number of interrupt sources. */
#define PLIC_SIZE 0x600000u
#define PLIC_NSRC 95u

/* pvpanic events (QEMU docs/specs/pvpanic.rst): bits of the register at offset 0. */
#define PVPANIC_PANICKED 0x1u
#define PVPANIC_CRASH_LOADED 0x2u

/** SiFive test finisher: guest writes power off, fail or reset the VM; 0 or -errno. */
int finisher_create(struct vm *vm, struct mmio_region *r);

/** CLINT (ACLINT MSWI + MTIMER) for the VM's harts; 0 or -errno. */
int aclint_create(struct vm *vm, struct mmio_region *r);

/*
 * CLINT state (snapshots): mtime, the guest's clock, in ticks. Each hart's mtimecmp and MSIP
 * are part of its struct hart_state.
 */
struct aclint_state {
	uint64_t mtime;
};

/** Copies the CLINT's state (clint: its bus region's opaque) into s; mtime stands still while
 * the VM is paused. */
void aclint_save(const void *clint, struct aclint_state *s);

/** Loads s: the guest clock goes on from s->mtime; every value is valid, so this returns 0. */
int aclint_load(void *clint, const struct aclint_state *s);

/** Puts the guest clock back to 0 (the harts' mtimecmp/MSIP reset with the harts). */
void aclint_reset(void *clint);

/** ns16550a UART writing to vm->conout, on PLIC line 10; sets vm->console; 0 or -errno. */
int uart16550_create(struct vm *vm, struct mmio_region *r);

/** Queues a received byte in a UART made by uart16550_create; false when its FIFO is full. */
bool uart16550_receive(void *uart, uint8_t byte);

/** Pops up to n received bytes from the UART's FIFO into buf; returns how many (SBI DBCN read). */
int uart16550_take(void *uart, uint8_t *buf, size_t n);

/* UART state as guest values (snapshots): bytes only, so no padding. */
#define UART16550_RX_FIFO 16
struct uart16550_state {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t msr_delta;				 /* MSR bits 3:0 */
	uint8_t fifo_on, thre_pending, tx_wait, overrun; /* 0 or 1 */
	uint8_t rx_head, rx_count;			 /* < 16, <= 16 */
	uint8_t reserved[3];				 /* 0 */
	uint8_t rx[UART16550_RX_FIFO];
};

/** Copies the UART's state (uart: vm->console) into s. */
void uart16550_save(const void *uart, struct uart16550_state *s);

/** Loads s after checking every field (s may be hostile); 0, or -EINVAL leaving it unchanged. */
int uart16550_load(void *uart, const struct uart16550_state *s);

/** Puts the UART in its reset state (PC16550D table 5: every register 0, FIFO empty). */
void uart16550_reset(void *uart);

/** Device-tree node of the UART (ns16550a); board_device.fdt callback. */
int uart16550_fdt(struct fdt_ctx *ctx, const struct board_slot *s);

/** PLIC for the VM's harts; sets vm->irqchip and vm->irqchip_set; 0 or -errno. */
int plic_create(struct vm *vm, struct mmio_region *r);

/* PLIC state as guest values (snapshots); 32-bit words only, so no padding. */
#define PLIC_STATE_WORDS ((PLIC_NSRC + 32) / 32)
#define PLIC_STATE_MAX_CTX 64 /* 2 contexts per hart, VM_MAX_HARTS harts */
struct plic_state {
	uint32_t nctx;			  /* contexts: 2 per hart */
	uint32_t priority[PLIC_NSRC + 1]; /* 0..7; source 0 has none */
	uint32_t level[PLIC_STATE_WORDS]; /* input lines as the devices drive them */
	uint32_t claimed[PLIC_STATE_WORDS];
	uint32_t enable[PLIC_STATE_MAX_CTX][PLIC_STATE_WORDS];
	uint32_t threshold[PLIC_STATE_MAX_CTX];
};

/** Copies the PLIC's state into s. */
void plic_save(const void *plic, struct plic_state *s);

/** Loads s after checking every field (s may be hostile); 0, or -EINVAL leaving it unchanged. */
int plic_load(void *plic, const struct plic_state *s);

/** Puts the PLIC in its reset state (priorities, enables, thresholds, claims 0; lines kept). */
void plic_reset(void *plic);

/** Frees a PLIC made by plic_create (vm_destroy calls it once the bus is gone). */
void plic_destroy(void *plic);

/** Device-tree node of the PLIC; board_device.fdt callback. */
int plic_fdt(struct fdt_ctx *ctx, const struct board_slot *s);

/** goldfish RTC raising interrupt s->irq for its alarm; 0 or -errno. */
int rtc_goldfish_create(struct vm *vm, struct mmio_region *r, const struct board_slot *s);

/*
 * goldfish RTC state (snapshots). The guest's clock is the host's CLOCK_REALTIME plus
 * offset, as a battery-backed RTC it keeps running while the VM is saved; the alarm is a
 * guest time in ns since the epoch.
 */
struct rtc_goldfish_state {
	uint64_t offset; /* guest time - host realtime, ns, wrapping */
	uint64_t alarm;
	uint32_t time_high;					   /* latched by reading TIME_LOW */
	uint8_t alarm_running, irq_pending, irq_enabled, reserved; /* 0 or 1; reserved 0 */
};

/** Copies the RTC's state (rtc: its bus region's opaque) into s. */
void rtc_goldfish_save(const void *rtc, struct rtc_goldfish_state *s);

/** Loads s after checking every field; 0, or -EINVAL leaving it unchanged. */
int rtc_goldfish_load(void *rtc, const struct rtc_goldfish_state *s);

/** Puts the RTC in its reset state: host time, no alarm, interrupt disabled. */
void rtc_goldfish_reset(void *rtc);

/** Device-tree node of the goldfish RTC; board_device.fdt callback. */
int rtc_goldfish_fdt(struct fdt_ctx *ctx, const struct board_slot *s);

/** pvpanic-mmio: a guest panic report stops the VM with VM_PANIC; 0 or -errno. */
int pvpanic_create(struct vm *vm, struct mmio_region *r);

/** Device-tree node of pvpanic ("qemu,pvpanic-mmio"); board_device.fdt callback. */
int pvpanic_fdt(struct fdt_ctx *ctx, const struct board_slot *s);

#endif
