/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's device tree, following QEMU virt's (hw/riscv/virt.c) so stock kernels find the
 * same nodes, and the bindings in Linux's Documentation/devicetree/bindings (riscv/cpus.yaml,
 * riscv/extensions.yaml, interrupt-controller/sifive,plic-1.0.0.yaml, ...). The tree is built
 * with libfdt's read-write functions, so a device can put nodes anywhere (the finisher adds
 * /poweroff and /reboot next to its /soc node). fdt_add_subnode() puts a new node first among
 * its siblings, so siblings are added last to first to appear in address order.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <libfdt.h>

#include "core/board.h"
#include "core/fdt.h"
#include "cpu/hart.h"
#include "dev/devices.h"

/*
 * What the harts implement (DESIGN.md: the ISA string lists exactly that): one-letter
 * extensions first in canonical order, then the multi-letter ones (ISA spec, "ISA Extension
 * Naming Conventions"). Both riscv,isa and riscv,isa-extensions are made from this list.
 */
const char *const fdt_isa_extensions[] = {
    "i", "m", "a", "f", "d", "c", "zicntr", "zicsr", "zifencei", "sstc", NULL,
};

/* Bytes of entropy for /chosen/rng-seed (as QEMU gives; Linux credits it to its RNG). */
#define FDT_RNG_SEED_SIZE 32

int fdt_errno(int fdt_err)
{
	if (fdt_err >= 0)
		return fdt_err;
	switch (fdt_err) {
	case -FDT_ERR_NOSPACE:
		return -ENOSPC;
	case -FDT_ERR_NOTFOUND:
		return -ENOENT;
	case -FDT_ERR_EXISTS:
		return -EEXIST;
	default:
		return -EINVAL;
	}
}

uint32_t fdt_ctx_phandle(struct fdt_ctx *ctx)
{
	return ctx->next_phandle++;
}

int fdt_ctx_u32(struct fdt_ctx *ctx, int node, const char *prop, uint32_t val)
{
	return fdt_errno(fdt_setprop_u32(ctx->fdt, node, prop, val));
}

int fdt_ctx_cells(struct fdt_ctx *ctx, int node, const char *prop, const uint32_t *cells, size_t n)
{
	fdt32_t be[4 * VM_MAX_HARTS];

	if (n > sizeof(be) / sizeof(be[0]))
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	return fdt_errno(fdt_setprop(ctx->fdt, node, prop, be, (int)(n * sizeof(be[0]))));
}

int fdt_ctx_empty(struct fdt_ctx *ctx, int node, const char *prop)
{
	return fdt_errno(fdt_setprop(ctx->fdt, node, prop, NULL, 0));
}

int fdt_ctx_strings(struct fdt_ctx *ctx, int node, const char *prop, const char *const *list)
{
	int err;

	if (!list[0])
		return -EINVAL;
	err = fdt_setprop_string(ctx->fdt, node, prop, list[0]);
	for (size_t i = 1; list[i] && !err; i++)
		err = fdt_appendprop_string(ctx->fdt, node, prop, list[i]);
	return fdt_errno(err);
}

/* reg for #address-cells = #size-cells = 2 (the root's and /soc's). */
static int fdt_ctx_reg(struct fdt_ctx *ctx, int node, uint64_t base, uint64_t size)
{
	uint32_t reg[4] = {(uint32_t)(base >> 32), (uint32_t)base, (uint32_t)(size >> 32),
			   (uint32_t)size};

	return fdt_ctx_cells(ctx, node, "reg", reg, 4);
}

int fdt_ctx_soc_node(struct fdt_ctx *ctx, const char *name, const struct board_slot *s)
{
	char node_name[64];
	int soc, node, err;

	soc = fdt_path_offset(ctx->fdt, "/soc");
	if (soc < 0)
		return fdt_errno(soc);
	if ((size_t)snprintf(node_name, sizeof(node_name), "%s@%" PRIx64, name, s->base) >=
	    sizeof(node_name))
		return -ENAMETOOLONG;
	node = fdt_add_subnode(ctx->fdt, soc, node_name);
	if (node < 0)
		return fdt_errno(node);
	err = fdt_ctx_reg(ctx, node, s->base, s->dev->size);
	if (!err && s->irq)
		err = fdt_ctx_u32(ctx, node, "interrupts", s->irq);
	if (!err && s->irq)
		err = fdt_ctx_u32(ctx, node, "interrupt-parent", ctx->irqchip_phandle);
	return err ? err : node;
}

/* A node under the root (such as /poweroff) with compatible and a syscon regmap value. */
static int fdt_syscon_child(struct fdt_ctx *ctx, const char *name, const char *compat,
			    uint32_t regmap, uint32_t value)
{
	int node = fdt_add_subnode(ctx->fdt, 0, name);
	int err;

	if (node < 0)
		return fdt_errno(node);
	err = fdt_errno(fdt_setprop_string(ctx->fdt, node, "compatible", compat));
	if (!err)
		err = fdt_ctx_u32(ctx, node, "regmap", regmap);
	if (!err)
		err = fdt_ctx_u32(ctx, node, "offset", 0);
	if (!err)
		err = fdt_ctx_u32(ctx, node, "value", value);
	return err;
}

/*
 * The finisher is a syscon that Linux's syscon-poweroff and syscon-reboot drivers write
 * (bindings power/reset/syscon-poweroff.yaml, syscon-reboot.yaml), as on QEMU virt.
 */
int fdt_node_finisher(struct fdt_ctx *ctx, const struct board_slot *s)
{
	static const char *const compat[] = {"sifive,test1", "sifive,test0", "syscon", NULL};
	uint32_t phandle = fdt_ctx_phandle(ctx);
	int node, err;

	node = fdt_ctx_soc_node(ctx, "test", s);
	if (node < 0)
		return node;
	err = fdt_ctx_strings(ctx, node, "compatible", compat);
	if (!err)
		err = fdt_ctx_u32(ctx, node, "phandle", phandle);
	if (!err)
		err = fdt_syscon_child(ctx, "reboot", "syscon-reboot", phandle, FINISHER_RESET);
	if (!err)
		err = fdt_syscon_child(ctx, "poweroff", "syscon-poweroff", phandle, FINISHER_PASS);
	return err;
}

/* The CLINT drives each hart's machine software (3) and timer (7) interrupts. */
int fdt_node_clint(struct fdt_ctx *ctx, const struct board_slot *s)
{
	static const char *const compat[] = {"sifive,clint0", "riscv,clint0", NULL};
	uint32_t cells[4 * VM_MAX_HARTS];
	unsigned n = 0;
	int node, err;

	node = fdt_ctx_soc_node(ctx, "clint", s);
	if (node < 0)
		return node;
	for (unsigned h = 0; h < ctx->vm->nharts; h++) {
		cells[n++] = ctx->intc_phandle[h];
		cells[n++] = IRQ_M_SOFT;
		cells[n++] = ctx->intc_phandle[h];
		cells[n++] = IRQ_M_TIMER;
	}
	err = fdt_ctx_strings(ctx, node, "compatible", compat);
	if (!err)
		err = fdt_ctx_cells(ctx, node, "interrupts-extended", cells, n);
	return err;
}

/* Root properties, after QEMU virt's: 64-bit addresses and sizes everywhere. */
static int fdt_root(struct fdt_ctx *ctx)
{
	int err = fdt_ctx_u32(ctx, 0, "#address-cells", 2);

	if (!err)
		err = fdt_ctx_u32(ctx, 0, "#size-cells", 2);
	if (!err)
		err = fdt_errno(fdt_setprop_string(ctx->fdt, 0, "compatible", "riscv-virtio"));
	if (!err)
		err = fdt_errno(fdt_setprop_string(ctx->fdt, 0, "model", "riscv-virtio,vireo"));
	return err;
}

/* /chosen (DT spec 3.6, Linux boot protocol): command line, console, initrd, RNG seed. */
static int fdt_chosen(struct fdt_ctx *ctx, const struct fdt_params *p)
{
	uint8_t seed[FDT_RNG_SEED_SIZE];
	size_t got = 0;
	int node, err;

	node = fdt_add_subnode(ctx->fdt, 0, "chosen");
	if (node < 0)
		return fdt_errno(node);
	err = fdt_errno(fdt_setprop_string(ctx->fdt, node, "stdout-path", FDT_STDOUT_PATH));
	if (!err && p->bootargs)
		err = fdt_errno(fdt_setprop_string(ctx->fdt, node, "bootargs", p->bootargs));
	if (!err && p->initrd_end) {
		err = fdt_errno(
		    fdt_setprop_u64(ctx->fdt, node, "linux,initrd-start", p->initrd_start));
		if (!err)
			err = fdt_errno(
			    fdt_setprop_u64(ctx->fdt, node, "linux,initrd-end", p->initrd_end));
	}
	while (!err && got < sizeof(seed)) {
		ssize_t n = getrandom(seed + got, sizeof(seed) - got, 0);

		if (n < 0 && errno != EINTR)
			err = -errno;
		else if (n > 0)
			got += (size_t)n;
	}
	if (!err)
		err = fdt_errno(fdt_setprop(ctx->fdt, node, "rng-seed", seed, sizeof(seed)));
	return err;
}

static int fdt_memory(struct fdt_ctx *ctx)
{
	char name[32];
	int node, err;

	snprintf(name, sizeof(name), "memory@%" PRIx64, ctx->vm->ram_base);
	node = fdt_add_subnode(ctx->fdt, 0, name);
	if (node < 0)
		return fdt_errno(node);
	err = fdt_errno(fdt_setprop_string(ctx->fdt, node, "device_type", "memory"));
	if (!err)
		err = fdt_ctx_reg(ctx, node, ctx->vm->ram_base, ctx->vm->ram_size);
	return err;
}

/* "rv64" + the one-letter extensions + "_"-separated multi-letter ones. */
static int fdt_isa_string(char *buf, size_t size)
{
	size_t len = (size_t)snprintf(buf, size, "rv64");

	for (size_t i = 0; fdt_isa_extensions[i] && len < size; i++) {
		const char *ext = fdt_isa_extensions[i];

		len += (size_t)snprintf(buf + len, size - len, "%s%s", ext[1] ? "_" : "", ext);
	}
	return len < size ? 0 : -ENAMETOOLONG;
}

/* The hart's local interrupt controller (bindings riscv/cpus.yaml, "riscv,cpu-intc"). */
static int fdt_cpu_intc(struct fdt_ctx *ctx, int cpu, unsigned hart)
{
	int node = fdt_add_subnode(ctx->fdt, cpu, "interrupt-controller");
	int err;

	if (node < 0)
		return fdt_errno(node);
	err = fdt_ctx_u32(ctx, node, "#interrupt-cells", 1);
	/* No interrupt-map below it: 0 address cells (dtc's interrupt_provider check). */
	if (!err)
		err = fdt_ctx_u32(ctx, node, "#address-cells", 0);
	if (!err)
		err = fdt_ctx_empty(ctx, node, "interrupt-controller");
	if (!err)
		err = fdt_errno(fdt_setprop_string(ctx->fdt, node, "compatible", "riscv,cpu-intc"));
	if (!err)
		err = fdt_ctx_u32(ctx, node, "phandle", ctx->intc_phandle[hart]);
	return err;
}

/* /cpus/cpu@N (bindings riscv/cpus.yaml and riscv/extensions.yaml). */
static int fdt_cpu(struct fdt_ctx *ctx, int cpus, unsigned hart, uint32_t phandle)
{
	char name[16], isa[128];
	int node, err;

	err = fdt_isa_string(isa, sizeof(isa));
	if (err)
		return err;
	snprintf(name, sizeof(name), "cpu@%u", hart);
	node = fdt_add_subnode(ctx->fdt, cpus, name);
	if (node < 0)
		return fdt_errno(node);
	err = fdt_errno(fdt_setprop_string(ctx->fdt, node, "device_type", "cpu"));
	if (!err)
		err = fdt_ctx_u32(ctx, node, "reg", hart);
	if (!err)
		err = fdt_errno(fdt_setprop_string(ctx->fdt, node, "status", "okay"));
	if (!err)
		err = fdt_errno(fdt_setprop_string(ctx->fdt, node, "compatible", "riscv"));
	if (!err)
		err = fdt_errno(fdt_setprop_string(ctx->fdt, node, "riscv,isa", isa));
	if (!err)
		err = fdt_errno(fdt_setprop_string(ctx->fdt, node, "riscv,isa-base", "rv64i"));
	if (!err)
		err = fdt_ctx_strings(ctx, node, "riscv,isa-extensions", fdt_isa_extensions);
	/* The MMU walks Sv39, Sv48 and Sv57; mmu-type names the largest (cpus.yaml). */
	if (!err)
		err = fdt_errno(fdt_setprop_string(ctx->fdt, node, "mmu-type", "riscv,sv57"));
	if (!err)
		err = fdt_ctx_u32(ctx, node, "phandle", phandle);
	if (!err)
		err = fdt_cpu_intc(ctx, node, hart);
	return err;
}

/* /cpus/cpu-map (bindings cpu/cpu-topology.txt): one cluster, one core per hart. */
static int fdt_cpu_map(struct fdt_ctx *ctx, int cpus, const uint32_t *cpu_phandle)
{
	int map, cluster;

	map = fdt_add_subnode(ctx->fdt, cpus, "cpu-map");
	if (map < 0)
		return fdt_errno(map);
	cluster = fdt_add_subnode(ctx->fdt, map, "cluster0");
	if (cluster < 0)
		return fdt_errno(cluster);
	for (unsigned h = ctx->vm->nharts; h-- > 0;) {
		char name[16];
		int core, err;

		snprintf(name, sizeof(name), "core%u", h);
		core = fdt_add_subnode(ctx->fdt, cluster, name);
		if (core < 0)
			return fdt_errno(core);
		err = fdt_ctx_u32(ctx, core, "cpu", cpu_phandle[h]);
		if (err)
			return err;
	}
	return 0;
}

static int fdt_cpus(struct fdt_ctx *ctx)
{
	uint32_t cpu_phandle[VM_MAX_HARTS];
	int cpus, err;

	cpus = fdt_add_subnode(ctx->fdt, 0, "cpus");
	if (cpus < 0)
		return fdt_errno(cpus);
	err = fdt_ctx_u32(ctx, cpus, "#address-cells", 1);
	if (!err)
		err = fdt_ctx_u32(ctx, cpus, "#size-cells", 0);
	if (!err)
		err = fdt_ctx_u32(ctx, cpus, "timebase-frequency", (uint32_t)VM_TIMEBASE_HZ);
	for (unsigned h = 0; h < ctx->vm->nharts; h++)
		cpu_phandle[h] = fdt_ctx_phandle(ctx);
	/* cpu-map first so that it ends up after the cpu nodes. */
	if (!err)
		err = fdt_cpu_map(ctx, cpus, cpu_phandle);
	for (unsigned h = ctx->vm->nharts; !err && h-- > 0;)
		err = fdt_cpu(ctx, cpus, h, cpu_phandle[h]);
	return err;
}

/* /soc and every board device's own node(s), through the board table's callbacks. */
static int fdt_soc(struct fdt_ctx *ctx)
{
	const struct board_device *devs;
	size_t n;
	int soc, err;

	soc = fdt_add_subnode(ctx->fdt, 0, "soc");
	if (soc < 0)
		return fdt_errno(soc);
	err = fdt_ctx_u32(ctx, soc, "#address-cells", 2);
	if (!err)
		err = fdt_ctx_u32(ctx, soc, "#size-cells", 2);
	if (!err)
		err = fdt_errno(fdt_setprop_string(ctx->fdt, soc, "compatible", "simple-bus"));
	if (!err)
		err = fdt_ctx_empty(ctx, soc, "ranges");
	devs = board_devices(&n);
	for (size_t i = n; !err && i-- > 0;) {
		for (unsigned k = board_device_count(&devs[i]); !err && k-- > 0;) {
			struct board_slot s;

			if (!devs[i].fdt)
				continue;
			board_slot_get(&devs[i], k, &s);
			err = devs[i].fdt(ctx, &s);
		}
	}
	return err;
}

int fdt_build(struct vm *vm, const struct fdt_params *p, void *buf, size_t size)
{
	struct fdt_ctx ctx = {.fdt = buf, .vm = vm, .next_phandle = 1};
	int err;

	if (p->initrd_end || p->initrd_start) {
		/* The initrd must lie wholly in RAM (Linux boot protocol). */
		if (p->initrd_end <= p->initrd_start ||
		    !vm_ram_ptr(vm, p->initrd_start, p->initrd_end - p->initrd_start))
			return -EINVAL;
	}
	if (vm->nharts < 1 || vm->nharts > VM_MAX_HARTS)
		return -EINVAL;
	err = fdt_errno(fdt_create_empty_tree(buf, size > INT_MAX ? INT_MAX : (int)size));
	if (err)
		return err;
	for (unsigned h = 0; h < vm->nharts; h++)
		ctx.intc_phandle[h] = fdt_ctx_phandle(&ctx);
	ctx.irqchip_phandle = fdt_ctx_phandle(&ctx);
	err = fdt_root(&ctx);
	/* Root children last to first: chosen, memory, cpus, soc, then the devices' own. */
	if (!err)
		err = fdt_soc(&ctx);
	if (!err)
		err = fdt_cpus(&ctx);
	if (!err)
		err = fdt_memory(&ctx);
	if (!err)
		err = fdt_chosen(&ctx, p);
	if (!err)
		err = fdt_errno(fdt_pack(buf));
	return err;
}
