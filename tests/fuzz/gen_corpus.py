#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/ (checked in).

Each seed is a small, meaningful input: for the virtio targets a driver program in the
harness's step format (tests/fuzz/virtio_harness.h: a valid setup and well-formed requests of
each kind, plus a few broken ones); for the loaders a tiny valid ELF, Linux Image or raw image.
Run it again after changing the step format: `tests/fuzz/gen_corpus.py`.
"""
import os
import shutil
import struct
import sys

RAM = 0x80000000
HERE = os.path.dirname(os.path.abspath(__file__))

# ---- the harness's step format (virtio_harness.h) ----

REG_WRITE, REG_READ, CFG_READ, CFG_WRITE, RAM_WRITE, INIT, POST, HOST_INPUT = range(8)
STATUS, QUEUE_NOTIFY, QUEUE_SEL, INTERRUPT_ACK = 0x70, 0x50, 0x30, 0x64

F_INDIRECT, F_EVENT_IDX, F_VERSION_1 = 1 << 28, 1 << 29, 1 << 32
D_NEXT, D_WRITE, D_INDIRECT = 1, 2, 4
DATA = 0xD000  # FZ_DATA


def qdesc(q):
    return 0x1000 + 0x3000 * q


class Prog:
    def __init__(self, prefix=b""):
        self.b = bytearray(prefix)

    def reg_write(self, off, val):
        self.b += struct.pack("<BBI", REG_WRITE, off // 4, val)
        return self

    def reg_read(self, off):
        self.b += struct.pack("<BB", REG_READ, off // 4)
        return self

    def cfg_read(self, off, size_log2):
        self.b += struct.pack("<BBB", CFG_READ, off, size_log2)
        return self

    def cfg_write(self, off, size_log2, val):
        self.b += struct.pack("<BBBQ", CFG_WRITE, off, size_log2, val)
        return self

    def ram(self, off, data):
        for i in range(0, len(data), 255):
            chunk = data[i:i + 255]
            self.b += struct.pack("<BHB", RAM_WRITE, off + i, len(chunk)) + chunk
        return self

    def init(self, features, log2_size=4):
        self.b += struct.pack("<BQB", INIT, features, log2_size)
        return self

    def post(self, q, head):
        self.b += struct.pack("<BBH", POST, q, head)
        return self

    def host_input(self, data):
        self.b += struct.pack("<BH", HOST_INPUT, len(data)) + data
        return self

    def desc(self, table_off, i, gpa_off, length, flags, nxt=0):
        """Descriptor i of the table at RAM offset table_off, pointing at RAM offset gpa_off."""
        return self.ram(table_off + 16 * i, struct.pack("<QIHH", RAM + gpa_off, length, flags, nxt))

    def chain(self, q, head, bufs, table_off=None):
        """A chain of (RAM offset, len, writable) buffers from descriptor head of queue q."""
        table = qdesc(q) if table_off is None else table_off
        for k, (off, length, writable) in enumerate(bufs):
            last = k == len(bufs) - 1
            flags = (D_WRITE if writable else 0) | (0 if last else D_NEXT)
            self.desc(table, head + k, off, length, flags, 0 if last else head + k + 1)
        return self


# ---- virtio-blk ----

BLK_F = F_VERSION_1 | F_INDIRECT | F_EVENT_IDX | (1 << 2) | (1 << 6) | (1 << 9) | (1 << 13) | (1 << 14)
T_IN, T_OUT, T_FLUSH, T_GET_ID, T_DISCARD, T_WZ = 0, 1, 4, 8, 11, 13
HDR, STAT, BUF = DATA, DATA + 0x10, DATA + 0x100


def blk_req(p, head, typ, sector, data_len, writable, status_off=STAT):
    p.ram(HDR + 0x20 * (head // 3), struct.pack("<IIQ", typ, 0, sector))
    bufs = [(HDR + 0x20 * (head // 3), 16, False)]
    if data_len:
        bufs.append((BUF, data_len, writable))
    bufs.append((status_off, 1, True))
    return p.chain(0, head, bufs).post(0, head)


def blk_seeds():
    s = {}
    s["read"] = blk_req(Prog(b"\0").init(BLK_F), 0, T_IN, 1, 512, True)
    p = Prog(b"\0").init(BLK_F)
    p.ram(BUF, bytes(range(256)) * 2)
    blk_req(p, 0, T_OUT, 2, 512, False)
    blk_req(p, 3, T_FLUSH, 0, 0, False)
    blk_req(p, 6, T_GET_ID, 0, 20, True)
    blk_req(p, 9, T_IN, 2, 512, True)
    s["write_flush_id"] = p
    # Discard and write-zeroes, one segment each.
    p = Prog(b"\0").init(BLK_F)
    p.ram(BUF, struct.pack("<QII", 4, 8, 0))
    blk_req(p, 0, T_DISCARD, 0, 16, False)
    p.ram(BUF, struct.pack("<QII", 16, 8, 1))
    blk_req(p, 3, T_WZ, 0, 16, False)
    s["discard_wz"] = p
    # The same read through an indirect table.
    p = Prog(b"\0").init(BLK_F)
    p.ram(HDR, struct.pack("<IIQ", T_IN, 0, 1))
    table = DATA + 0x800
    p.chain(0, 0, [(HDR, 16, False), (BUF, 512, True), (STAT, 1, True)], table_off=table)
    p.desc(qdesc(0), 0, table, 48, D_INDIRECT)
    p.post(0, 0)
    s["indirect"] = p
    # A read-only disk refusing a write; then a reset and a read.
    p = Prog(b"\1").init(BLK_F | (1 << 5))
    blk_req(p, 0, T_OUT, 0, 512, False)
    p.reg_write(STATUS, 0).init(BLK_F | (1 << 5))
    blk_req(p, 0, T_IN, 0, 512, True)
    s["read_only"] = p
    # A chain that loops on itself: NEEDS_RESET, interrupt ack, reset, start over.
    p = Prog(b"\0").init(BLK_F)
    p.desc(qdesc(0), 0, HDR, 16, D_NEXT, 1).desc(qdesc(0), 1, BUF, 512, D_NEXT | D_WRITE, 0)
    p.post(0, 0).reg_read(STATUS).reg_write(INTERRUPT_ACK, 3).reg_write(STATUS, 0)
    s["loop_reset"] = p
    # Every register and the config space, read.
    p = Prog(b"\0")
    for off in range(0, 0x100, 4):
        p.reg_read(off)
    for off in range(0, 64, 8):
        p.cfg_read(off, 3)
    s["registers"] = p
    return s


# ---- virtio-net ----

NET_F = F_VERSION_1 | F_INDIRECT | F_EVENT_IDX | (1 << 5) | (1 << 16)
NET_HDR = 12


def frame(n, seed):
    dst, src = b"\x52\x54\x00\x12\x34\x50", b"\x52\x55\x0a\x00\x02\x02"
    return dst + src + b"\x08\x00" + bytes((seed + i) & 0xFF for i in range(n - 14))


def net_seeds():
    s = {}
    p = Prog().init(NET_F, 4)
    p.chain(0, 0, [(DATA, 1526, True)]).post(0, 0)
    p.host_input(frame(60, 1))
    s["rx"] = p
    p = Prog().init(NET_F, 4)
    p.ram(DATA + 0x800, bytes(NET_HDR) + frame(60, 2))
    p.chain(1, 0, [(DATA + 0x800, NET_HDR + 60, False)]).post(1, 0)
    # Header and frame split over three descriptors.
    p.ram(DATA + 0x900, b"\x01\x00" + bytes(NET_HDR - 2) + frame(42, 3))
    p.chain(1, 1, [(DATA + 0x900, 5, False), (DATA + 0x905, NET_HDR - 5, False),
                   (DATA + 0x900 + NET_HDR, 42, False)]).post(1, 1)
    s["tx"] = p
    # Receive buffers too small and split, two frames, one waiting for a buffer.
    p = Prog().init(NET_F, 3)
    p.chain(0, 0, [(DATA, 20, True)]).post(0, 0)
    p.host_input(frame(100, 4)).host_input(frame(64, 5))
    p.chain(0, 1, [(DATA + 0x100, NET_HDR, True), (DATA + 0x200, 1514, True)]).post(0, 1)
    s["rx_small_split"] = p
    p = Prog()
    for off in range(0, 0x100, 4):
        p.reg_read(off)
    for off in range(0, 8):
        p.cfg_read(off, 0)
    s["registers"] = p
    return s


# ---- virtio-rng ----

RNG_F = F_VERSION_1 | F_INDIRECT | F_EVENT_IDX


def rng_seeds():
    s = {}
    p = Prog().init(RNG_F, 4)
    p.chain(0, 0, [(DATA, 64, True)]).post(0, 0)
    p.chain(0, 1, [(DATA + 0x100, 16, True), (DATA + 0x200, 16, True)]).post(0, 1)
    s["fill"] = p
    p = Prog().init(RNG_F, 4)
    table = DATA + 0x800
    p.chain(0, 0, [(DATA, 32, True), (DATA + 0x40, 32, True)], table_off=table)
    p.desc(qdesc(0), 0, table, 32, D_INDIRECT).post(0, 0)
    # A read-only buffer: the device has nothing to fill.
    p.chain(0, 1, [(DATA, 32, False)]).post(0, 1)
    s["indirect_readonly"] = p
    return s


# ---- virtio-console ----

CONS_F = F_VERSION_1 | F_INDIRECT | F_EVENT_IDX


def console_seeds():
    s = {}
    p = Prog().init(CONS_F, 4)
    p.chain(0, 0, [(DATA, 64, True)]).post(0, 0)
    p.host_input(b"hello from the host\n")
    s["rx"] = p
    p = Prog().init(CONS_F, 4)
    p.ram(DATA + 0x400, b"vireo-guest: init ready\n")
    p.chain(1, 0, [(DATA + 0x400, 24, False)]).post(1, 0)
    p.chain(1, 1, [(DATA + 0x400, 6, False), (DATA + 0x406, 18, False)]).post(1, 1)
    s["tx"] = p
    p = Prog().init(CONS_F, 2)
    p.host_input(b"x" * 300)
    p.chain(0, 0, [(DATA, 100, True)]).post(0, 0)
    p.chain(0, 1, [(DATA + 0x100, 300, True)]).post(0, 1)
    p.cfg_read(0, 2).cfg_read(8, 2).cfg_write(8, 2, 0x41)
    s["rx_backlog_config"] = p
    return s


# ---- loaders ----

EM_RISCV, ET_EXEC, ET_DYN, PT_LOAD, PT_NOTE = 243, 2, 3, 1, 4
# A few RV64 instructions: lui a0, 0x5; lui t0, 0x100; sw a0, 0(t0); j .
CODE = struct.pack("<4I", 0x00005537 | 0, 0x001002B7, 0x00A2A023, 0x0000006F)


def elf(segs, entry, etype=ET_EXEC):
    """An ELF64 RISC-V image; segs: (p_type, p_paddr, data, memsz)."""
    phoff, ehsize, phsize = 64, 64, 56
    off = phoff + phsize * len(segs)
    phdrs, body = b"", b""
    for typ, paddr, data, memsz in segs:
        phdrs += struct.pack("<IIQQQQQQ", typ, 7, off + len(body), paddr, paddr, len(data),
                             memsz, 0x1000 if typ == PT_LOAD else 4)
        body += data
    eh = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    eh += struct.pack("<HHIQQQIHHHHHH", etype, EM_RISCV, 1, entry, phoff, 0, 0, ehsize, phsize,
                      len(segs), 64, 0, 0)
    return eh + phdrs + body


def elf_seeds():
    base2m = RAM + 0x200000
    return {
        "tiny": elf([(PT_LOAD, RAM, CODE, 64)], RAM),
        "two_segments_note": elf([(PT_LOAD, RAM, CODE, 16), (PT_NOTE, 0, b"note", 4),
                                  (PT_LOAD, RAM + 0x1000, b"data" * 4, 0x2000)], RAM),
        "dyn_kernel_2m": elf([(PT_LOAD, base2m, CODE, 0x100)], base2m, ET_DYN),
    }


def image_header(text_offset, image_size, mz=False):
    code0 = b"MZ\x00\x00" if mz else struct.pack("<I", 0x0400006F)  # j +0x40
    h = code0 + struct.pack("<I", 0)
    h += struct.pack("<QQQIIQ", text_offset, image_size, 0, 2, 0, 0)
    h += b"RISCV\0\0\0" + b"RSC\x05" + struct.pack("<I", 0x80 if mz else 0)
    return h


def image_seeds():
    plain = image_header(0x200000, 0x10000) + CODE * 4
    # With the EFI stub: a PE header at 0x80 and one section whose raw data ends at 0x400.
    efi = bytearray(image_header(0x200000, 0x8000, mz=True))
    efi += bytes(0x80 - len(efi))
    efi += b"PE\0\0" + struct.pack("<HHIIIHH", 0x5064, 1, 0, 0, 0, 0, 0x206)
    efi += struct.pack("<8sIIIIIIHHI", b".text", 0x200, 0x200, 0x200, 0x200, 0, 0, 0, 0, 0)
    efi += bytes(0x400 - len(efi))
    return {"image": plain, "image_efi_stub": bytes(efi),
            "image_v01_no_size": image_header(0x200000, 0) + CODE}


def raw_seeds():
    return {
        "raw_at_base": struct.pack("<Q", RAM) + CODE,
        "raw_at_end": struct.pack("<Q", RAM + (16 << 20) - 16) + CODE,
        "elf_firmware": elf([(PT_LOAD, RAM, CODE, 0x40)], RAM),
    }


def qcow2_seeds():
    """Small real images made by Debian's qemu-img and written by qemu-io (qemu-utils): v3 and
    v2, 512 B and 4 KiB clusters, 1- and 16-bit refcounts, data, zero and discarded clusters."""
    import subprocess
    import tempfile
    kinds = {
        "v3_512_empty": ("compat=1.1,cluster_size=512", []),
        "v3_512_data": ("compat=1.1,cluster_size=512",
                        ["write -P 0x5a 0 4k", "write -P 0xa5 7000 1500", "write -z 64k 2k"]),
        "v2_512_data": ("compat=0.10,cluster_size=512", ["write -P 0x11 512 3k"]),
        "v3_4k_refcount1": ("compat=1.1,cluster_size=4096,refcount_bits=1",
                            ["write -P 0x33 0 12k", "discard 4k 4k"]),
    }
    seeds = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (opts, cmds) in kinds.items():
            path = os.path.join(tmp, name)
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-o", opts, path, "256k"],
                           check=True)
            for c in cmds:
                subprocess.run(["qemu-io", "-f", "qcow2", "-c", c, path], check=True,
                               stdout=subprocess.DEVNULL)
            with open(path, "rb") as f:
                seeds[name] = f.read()
    return seeds


def main():
    targets = {
        "qcow2": qcow2_seeds(),
        "virtio_blk": blk_seeds(), "virtio_net": net_seeds(), "virtio_rng": rng_seeds(),
        "virtio_console": console_seeds(), "loader_elf": elf_seeds(),
        "loader_image": image_seeds(), "loader_raw": raw_seeds(),
    }
    root = os.path.join(HERE, "corpus")
    for name, seeds in targets.items():
        d = os.path.join(root, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for seed, data in seeds.items():
            data = bytes(data.b) if isinstance(data, Prog) else data
            with open(os.path.join(d, seed), "wb") as f:
                f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
