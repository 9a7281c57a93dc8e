#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Tests of the `vireo run` command line: exit statuses, error messages, reboot, and the
interactive console on a pseudo-terminal (raw mode, Ctrl-a escapes, terminal restored).

usage: test_cli.py PATH/TO/vireo
Guests are tiny raw RV64 programs assembled here as words, run with --bios.
"""
import os
import pty
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import time

VIREO = sys.argv[1] if len(sys.argv) > 1 else "build/vireo"
TMP = tempfile.mkdtemp(prefix="vireo-cli-")
failures = []


def program(name, words):
    """Writes a raw little-endian RV64 program and returns its path."""
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(struct.pack("<%dI" % len(words), *words))
    return path


J_SELF = 0x0000006F  # j .
# t0 = 0x100000 (finisher); t1 = 0x7777 (reset); sw t1, 0(t0); j .
RESET = program("reset.bin", [0x001002B7, 0x00007337, 0x77730313, 0x0062A023, J_SELF])
# t0 = 0x100000; t1 = 0x5555 (pass); sw; j .
POWEROFF = program("poweroff.bin", [0x001002B7, 0x00005337, 0x55530313, 0x0062A023, J_SELF])
# t0 = 0x102000 (pvpanic); t1 = 1 (PANICKED); sb t1, 0(t0); j .
PANIC = program("panic.bin", [0x001022B7, 0x00100313, 0x00628023, J_SELF])
# t0 = 0x100000; t1 = (7 << 16) | 0x3333 (fail, code 7); sw; j .
FAIL7 = program("fail7.bin", [0x001002B7, 0x00073337, 0x33330313, 0x0062A023, J_SELF])
# t0 = 0x100000; t1 = (200 << 16) | 0x3333 (fail, code 200: above 128); sw; j .
FAIL200 = program("fail200.bin", [0x001002B7, 0x00C83337, 0x3333031B, 0x0062A023, J_SELF])
# t0 = 0x100000; t1 = (256 << 16) | 0x3333 (fail, code 256: 256 & 0xff is 0); sw; j .
FAIL256 = program("fail256.bin", [0x001002B7, 0x01003337, 0x3333031B, 0x0062A023, J_SELF])
SPIN = program("spin.bin", [J_SELF])


def image(name, words, data=b""):
    """Writes a RISC-V Linux Image (Documentation/arch/riscv/boot-image-header.rst, v0.2,
    text_offset 2 MiB) whose code, run in S-mode under the built-in SBI, starts at offset 64
    with words and is followed by data; returns its path."""
    code = struct.pack("<%dI" % len(words), *words) + data
    size = (64 + len(code) + 4095) & ~4095
    header = struct.pack("<IIQQQIIQ8s4sI", 0x0400006F,  # j 64 (past the header)
                         0, 0x200000, size, 0, 2, 0, 0, b"RISCV\0\0\0", b"RSC\x05", 0)
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(header + code)
    return path


# Forever: a0 = 'y'; a7 = 1 (legacy console_putchar); ecall.
PUTCHAR_LOOP = image("putchar.img", [0x07900513, 0x00100893, 0x00000073, 0xFF5FF06F])
# Forever: a1 = the 32 bytes after the loop; a0 = 32; a2 = a6 = 0; a7 = DBCN; ecall (write).
DBCN_LOOP = image("dbcn.img", [0x00000597, 0x02458593, 0x02000513, 0x00000613, 0x00000813,
                               0x444248B7, 0x34E8889B, 0x00000073, 0xFE1FF06F], b"z" * 32)
# t0 = 0x10000000 (UART); t1 = 'x'; sb t1, 0(t0); j .
UART_ONCE = program("uart_once.bin", [0x100002B7, 0x07800313, 0x00628023, J_SELF])
# t0 = UART; t1 = 'x'; forever: wait for LSR.THRE (lbu t2, 5(t0); andi 0x20; beqz), sb t1.
UART_LOOP = program("uart_loop.bin", [0x100002B7, 0x07800313, 0x0052C383, 0x0203F393,
                                      0xFE038CE3, 0x00628023, 0xFF1FF06F])
# t0 = UART; t3 = 0; t6 = 0x40000; until t3 == t6: wait for THRE, send '0' + (t3 & 63), t3++;
# then power off through the finisher.
UART_COUNT_N = 0x40000
UART_COUNT = program("uart_count.bin", [
    0x100002B7, 0x00000E13, 0x00040FB7, 0x0052C383, 0x0203F393, 0xFE038CE3, 0x03FE7E93,
    0x030E8E93, 0x01D28023, 0x001E0E13, 0xFFFE12E3, 0x001002B7, 0x00005337, 0x55530313,
    0x0062A023, J_SELF])
GARBAGE = program("garbage.bin", [0x11111111] * 32)


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + detail))
    if not cond:
        failures.append(name)


def run(args, want_status, want_err=None, timeout=30, not_err=None):
    try:
        p = subprocess.run([VIREO, "run"] + args, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout, text=True)
    except subprocess.TimeoutExpired:
        check("run %s -> %d" % (" ".join(args), want_status), False,
              "still running after %d s" % timeout)
        return
    ok = p.returncode == want_status and (want_err is None or want_err in p.stderr)
    ok = ok and (not_err is None or not_err not in p.stderr)
    check("run %s -> %d" % (" ".join(args), want_status), ok,
          "status %d, stderr %r" % (p.returncode, p.stderr))


def test_statuses():
    run(["--bios", POWEROFF], 0)
    run(["--bios", FAIL7], 7, "failure code 7")
    # A failure code above 128 is the guest's, not a signal's (README: N & 0xff, or 1).
    run(["--bios", FAIL200], 200, "failure code 200", not_err="signal")
    run(["--bios", FAIL256], 1, "failure code 256", not_err="signal")
    run(["--bios", RESET, "--no-reboot"], 3, "reset")
    run(["--bios", PANIC], 4, "panicked")
    run(["--bios", POWEROFF, "--cpus", "4"], 0)
    run(["--bios", POWEROFF, "--console", "virtio"], 0)
    run(["--bios", POWEROFF, "--console", "uart"], 0)


def test_usage_errors():
    run([], 2, "--kernel")
    run(["--bios", POWEROFF, "--cpus", "0"], 2, "--cpus")
    run(["--bios", POWEROFF, "--cpus", "33"], 2, "--cpus")
    run(["--bios", POWEROFF, "--cpus", "2x"], 2, "--cpus")
    run(["--bios", POWEROFF, "--mem", "12Q"], 2, "--mem")
    run(["--bios", POWEROFF, "--mem", "1M"], 2, "16 MiB")
    run(["--bios", POWEROFF, "--append", "x"], 2, "need --kernel")
    run(["--kernel", "/nonexistent/Image"], 2, "/nonexistent/Image")
    run(["--kernel", GARBAGE], 2, "not a RISC-V Linux Image or ELF")
    run(["--kernel", SPIN], 2, "truncated")
    run(["--bios", POWEROFF, "--bogus"], 2, "--bogus")
    run(["--bios", POWEROFF, "--console", "hvc"], 2, "--console")


def test_not_regular_files():
    """A FIFO (whose read-only open would wait for a writer) or a directory is refused at once
    as an image or a drive."""
    fifo = os.path.join(TMP, "fifo")
    os.mkfifo(fifo)
    run(["--kernel", fifo], 2, "not a regular file", timeout=10)
    run(["--bios", fifo], 2, "not a regular file", timeout=10)
    run(["--kernel", PUTCHAR_LOOP, "--bios", fifo], 2, "not a regular file", timeout=10)
    run(["--kernel", PUTCHAR_LOOP, "--initrd", fifo], 2, "not a regular file", timeout=10)
    run(["--kernel", PUTCHAR_LOOP, "--initrd", TMP], 2, "not a regular file", timeout=10)
    run(["--bios", POWEROFF, "--drive", "file=%s,ro=on" % fifo], 2,
        "not a regular file or a block device", timeout=10)
    run(["--bios", POWEROFF, "--drive", "file=%s" % fifo], 2,
        "not a regular file or a block device", timeout=10)
    run(["--bios", POWEROFF, "--drive", "file=/dev/null,ro=on"], 2,
        "not a regular file or a block device", timeout=10)


def test_oversized_images():
    """A sparse multi-GiB image is refused by its size, before any of it is read or allocated:
    quickly, with a clear error and status 2."""
    def sparse(name, head, size=4 << 30):
        path = os.path.join(TMP, name)
        with open(path, "wb") as f:
            f.write(head)
            f.truncate(size)
        return path

    with open(PUTCHAR_LOOP, "rb") as f:
        kernel_head = f.read()
    cases = [
        (["--kernel", PUTCHAR_LOOP, "--mem", "128M", "--initrd", sparse("initrd", b"")],
         "RAM too small"),
        (["--kernel", sparse("kernel", kernel_head), "--mem", "128M"], "too big"),
        (["--bios", sparse("bios", b"\x6f")], "too big"),
        (["--kernel", PUTCHAR_LOOP, "--bios", sparse("fw", b"\x6f")], "too big"),
    ]
    for args, want in cases:
        start = time.time()
        p = subprocess.Popen([VIREO, "run"] + args, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(p.pid, 0)
        err = p.stderr.read().decode(errors="replace")
        p.stderr.close()
        took = time.time() - start
        status = os.waitstatus_to_exitcode(status)
        rss_mib = usage.ru_maxrss >> 10
        name = "oversized %s" % " ".join(a.replace(TMP + "/", "") for a in args)
        check(name + ": status 2, clear error", status == 2 and want in err,
              "status %d, stderr %r" % (status, err))
        check(name + ": quick, no big allocation", took < 5 and rss_mib < 64,
              "%.1f s, peak RSS %d MiB" % (took, rss_mib))
    for name in ("initrd", "kernel", "bios", "fw"):
        os.unlink(os.path.join(TMP, name))


def test_reboot_loop():
    """Without --no-reboot a resetting guest is booted again and again until stopped."""
    p = subprocess.Popen([VIREO, "run", "--bios", RESET], stdin=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    check("reboot: still running after resets", p.poll() is None)
    p.send_signal(signal.SIGTERM)
    status = p.wait(timeout=10)
    check("reboot: SIGTERM -> 143", status == 128 + signal.SIGTERM, "status %d" % status)


def wait_status(p, timeout):
    """Waits for p to end; kills it after timeout seconds and returns None then."""
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return None


def test_closed_std_fds():
    """Started with stdin and stdout closed, Vireo's own fds (the console's wake pipe) must not
    take fds 0 and 1: /dev/null does, the guest's output goes there and signals still work."""
    def close_in_out():
        os.close(0)
        os.close(1)

    p = subprocess.Popen([VIREO, "run", "--bios", UART_ONCE], stderr=subprocess.PIPE,
                         preexec_fn=close_in_out)
    time.sleep(1.0)
    fds = {}
    for fd in (0, 1):
        try:
            fds[fd] = os.readlink("/proc/%d/fd/%d" % (p.pid, fd))
        except OSError as e:
            fds[fd] = str(e)
    p.send_signal(signal.SIGTERM)
    status = wait_status(p, 10)
    p.stderr.close()
    check("closed fds 0, 1: /dev/null on them", fds == {0: "/dev/null", 1: "/dev/null"},
          repr(fds))
    check("closed fds 0, 1: SIGTERM -> 143", status == 128 + signal.SIGTERM,
          "status %r" % status)


def stuck_output(kind):
    """An fd nobody reads, of a kind; returns (what vireo writes to, what the test keeps)."""
    if kind == "pipe":
        return os.pipe()[::-1]
    if kind == "pty":
        master, slave = pty.openpty()
        return slave, master
    a, b = socket.socketpair()
    return os.dup(a.detach()), os.dup(b.detach())


def test_stuck_stdout():
    """Guest output to a stdout that nobody reads (a full pipe, terminal or socket) must not
    keep a vCPU in write(2): SIGTERM still ends Vireo at once, whichever way the guest prints."""
    guests = [("UART", "pipe", ["--bios", UART_LOOP]),
              ("UART", "pty", ["--bios", UART_LOOP]),
              ("UART", "socket", ["--bios", UART_LOOP]),
              ("SBI putchar", "pipe", ["--kernel", PUTCHAR_LOOP, "--mem", "64M"]),
              ("SBI DBCN", "pipe", ["--kernel", DBCN_LOOP, "--mem", "64M"])]
    for guest, kind, args in guests:
        name = "%s to a %s" % (guest, kind)
        w, r = stuck_output(kind)
        p = subprocess.Popen([VIREO, "run"] + args, stdin=subprocess.DEVNULL, stdout=w,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(w)
        time.sleep(1.5)  # the pipe and Vireo's buffer fill up long before
        running = p.poll() is None
        start = time.time()
        p.send_signal(signal.SIGTERM)
        status = wait_status(p, 10)
        took = time.time() - start
        os.close(r)
        check("stuck stdout, %s: still running until the signal" % name, running)
        check("stuck stdout, %s: SIGTERM -> 143 at once" % name,
              status == 128 + signal.SIGTERM and took < 5,
              "status %r after %.1f s" % (status, took))


def test_slow_stdout():
    """A reader that is merely slow loses nothing: the guest waits on LSR.THRE."""
    p = subprocess.Popen([VIREO, "run", "--bios", UART_COUNT], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # the guest fills the pipe and the buffer, then waits
    out = b""
    while True:
        chunk = p.stdout.read(4096)
        if not chunk:
            break
        out += chunk
        time.sleep(0.001)
    status = wait_status(p, 30)
    want = bytes(0x30 + (i & 63) for i in range(64)) * (UART_COUNT_N // 64)
    check("slow stdout: every byte arrives in order", out == want,
          "%d of %d bytes, first difference at %r" % (
              len(out), len(want), next((i for i, (a, b) in enumerate(zip(out, want))
                                         if a != b), min(len(out), len(want)))))
    check("slow stdout: the guest powers off -> 0", status == 0, "status %r" % status)


def read_until(fd, text, timeout=5.0):
    """Reads from fd until text appears; returns everything read."""
    buf = b""
    end = time.time() + timeout
    while text.encode() not in buf and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                break
    return buf.decode(errors="replace")


def tty_session(keys, stop_signal=None, extra=()):
    """Runs a spinning guest on a pty, types keys (or sends a signal); returns the exit status,
    what it printed, and the terminal settings before, during and after."""
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    p = subprocess.Popen([VIREO, "run", "--bios", SPIN] + list(extra), stdin=slave, stdout=slave,
                         stderr=slave, start_new_session=True)
    # Wait (up to 10 s, the machine may be loaded) for Vireo to put the terminal in raw mode.
    during = termios.tcgetattr(slave)
    for _ in range(200):
        if not during[3] & termios.ICANON:
            break
        time.sleep(0.05)
        during = termios.tcgetattr(slave)
    out = ""
    for k in keys:
        os.write(master, k)
        out += read_until(master, "quit" if k.endswith(b"x") else "Ctrl-a", 2.0)
    if stop_signal:
        p.send_signal(stop_signal)
    try:
        status = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        status = p.wait()
    out += read_until(master, "\0", 0.2)
    after = termios.tcgetattr(slave)
    os.close(master)
    os.close(slave)
    return status, out, before, during, after


def test_terminal():
    status, out, before, during, after = tty_session([b"\x01h", b"\x01x"])
    check("tty: raw input while running", not (during[3] & termios.ICANON) and
          not (during[3] & termios.ECHO) and not (during[3] & termios.ISIG))
    check("tty: output processing kept (\\n renders)", bool(during[1] & termios.OPOST))
    check("tty: Ctrl-a h prints help", "Ctrl-a x" in out, repr(out))
    check("tty: Ctrl-a x quits with status 0", status == 0, "status %d" % status)
    check("tty: settings restored after Ctrl-a x", before == after)
    # The escapes work the same when the input goes to a virtio-console.
    status, out, before, during, after = tty_session([b"\x01h", b"\x01x"],
                                                     extra=["--console", "virtio"])
    check("tty virtio: Ctrl-a h prints help", "Ctrl-a x" in out, repr(out))
    check("tty virtio: Ctrl-a x quits with status 0", status == 0, "status %d" % status)
    check("tty virtio: settings restored", before == after)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        status, out, before, during, after = tty_session([], sig)
        check("tty: %s -> %d" % (sig.name, 128 + sig), status == 128 + sig,
              "status %d" % status)
        check("tty: settings restored after %s" % sig.name, before == after)


def main():
    test_statuses()
    test_usage_errors()
    test_not_regular_files()
    test_oversized_images()
    test_reboot_loop()
    test_closed_std_fds()
    test_stuck_stdout()
    test_slow_stdout()
    test_terminal()
    shutil.rmtree(TMP, ignore_errors=True)
    if failures:
        print("%d failure(s): %s" % (len(failures), ", ".join(failures)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
