#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Exact reference model for the RISC-V F/D extensions, used to generate
tests/unit/test_fpu_vectors.h (not a build dependency; rerun by hand:
  python3 tests/unit/gen_fpu_vectors.py > tests/unit/test_fpu_vectors.h).

Every result is computed with fractions.Fraction and rounded once per mode,
tininess detected after rounding (ISA spec 12.2), NaN results canonical."""

import random
import sys
from fractions import Fraction as Q

RNE, RTZ, RDN, RUP, RMM = range(5)
NX, UF, OF, DZ, NV = 1, 2, 4, 8, 16


class Fmt:
    def __init__(self, p, w, name):
        self.p, self.w, self.name = p, w, name
        self.ebits = w - p
        self.emax = (1 << (self.ebits - 1)) - 1
        self.emin = 1 - self.emax
        self.sign = 1 << (w - 1)
        self.fmask = (1 << (p - 1)) - 1
        self.inf = ((1 << self.ebits) - 1) << (p - 1)
        self.cnan = self.inf | (1 << (p - 2))


S = Fmt(24, 32, "s")
D = Fmt(53, 64, "d")


def isnan(f, x):
    return (x & ~f.sign) > f.inf


def issnan(f, x):
    return isnan(f, x) and not (x >> (f.p - 2)) & 1


def isinf(f, x):
    return (x & ~f.sign) == f.inf


def neg(f, x):
    return bool(x & f.sign)


def value(f, x):
    """Exact value of a finite x (zero gives 0, sign separately)."""
    e = (x >> (f.p - 1)) & ((1 << f.ebits) - 1)
    m = x & f.fmask
    if e:
        m |= 1 << (f.p - 1)
        v = Q(m) * Q(2) ** (e - f.emax - f.p + 1)
    else:
        v = Q(m) * Q(2) ** (f.emin - f.p + 1)
    return -v if neg(f, x) else v


def rnd_int(n, sign, rm):
    """Round a non-negative Fraction n to an integer; sign is the value's sign."""
    fl = n.numerator // n.denominator
    r = n - fl
    if r == 0:
        return fl, False
    if rm == RNE:
        up = r > Q(1, 2) or (r == Q(1, 2) and fl & 1)
    elif rm == RMM:
        up = r >= Q(1, 2)
    elif rm == RTZ:
        up = False
    elif rm == RDN:
        up = sign
    else:
        up = not sign
    return fl + up, True


def ilog2(a):
    e = a.numerator.bit_length() - a.denominator.bit_length()
    while Q(2) ** e > a:
        e -= 1
    while Q(2) ** (e + 1) <= a:
        e += 1
    return e


def round_to(f, v, rm, zero_sign=False):
    """Round the exact value v (Fraction) to format f: (bits, flags)."""
    if v == 0:
        return (f.sign if zero_sign else 0), 0
    sign = v < 0
    a = -v if sign else v
    sb = f.sign if sign else 0
    e = ilog2(a)
    k, inex = rnd_int(a / Q(2) ** (e - f.p + 1), sign, rm)
    if k == 1 << f.p:
        k >>= 1
        e += 1
    if e > f.emax:
        to_inf = rm in (RNE, RMM) or (rm == RDN and sign) or (rm == RUP and not sign)
        return sb | (f.inf if to_inf else f.inf - 1), OF | NX
    if e >= f.emin:
        return sb | ((e + f.emax) << (f.p - 1)) | (k & f.fmask), NX if inex else 0
    k, inex = rnd_int(a / Q(2) ** (f.emin - f.p + 1), sign, rm)
    return sb | k, (UF | NX) if inex else 0


def sqrt_q(v):
    """A Fraction whose rounding (to <= 60 bits) equals that of sqrt(v), v > 0 dyadic."""
    e = ilog2(v) - 200
    if e & 1:
        e -= 1
    n = v / Q(2) ** e  # integer: v is dyadic with >= 2^-1074 resolution
    assert n.denominator == 1
    n = n.numerator
    r = isqrt(n)
    t = Q(r) + (Q(1, 2) if r * r != n else 0)
    return t * Q(2) ** (e // 2)


def isqrt(n):
    x = 1 << ((n.bit_length() + 1) // 2)
    while True:
        y = (x + n // x) // 2
        if y >= x:
            return x
        x = y


def arith(f, op, a, b, c, rm):
    """add sub mul div sqrt madd msub nmsub nmadd on raw bits."""
    if op in ("msub", "nmadd"):
        c ^= f.sign
    if op in ("nmsub", "nmadd"):
        a ^= f.sign
    if op == "sub":
        b ^= f.sign
        op = "add"
    if op in ("msub", "nmsub", "nmadd"):
        op = "madd"
    ops = [a] if op == "sqrt" else [a, b, c] if op == "madd" else [a, b]
    fl = NV if any(issnan(f, x) for x in ops) else 0
    if op == "madd" and ((isinf(f, a) and value_is_zero(f, b)) or
                         (isinf(f, b) and value_is_zero(f, a))):
        return f.cnan, NV
    if any(isnan(f, x) for x in ops):
        return f.cnan, fl
    if op == "add":
        return add_special(f, a, b, rm)
    if op == "mul":
        if isinf(f, a) or isinf(f, b):
            if value_is_zero(f, a) or value_is_zero(f, b):
                return f.cnan, NV
            return (f.sign if neg(f, a) != neg(f, b) else 0) | f.inf, 0
        return round_to(f, value(f, a) * value(f, b), rm, neg(f, a) != neg(f, b))
    if op == "div":
        sg = f.sign if neg(f, a) != neg(f, b) else 0
        if isinf(f, a):
            return (f.cnan, NV) if isinf(f, b) else (sg | f.inf, 0)
        if isinf(f, b):
            return sg, 0
        if value_is_zero(f, b):
            return (f.cnan, NV) if value_is_zero(f, a) else (sg | f.inf, DZ)
        return round_to(f, value(f, a) / value(f, b), rm, bool(sg))
    if op == "sqrt":
        if value_is_zero(f, a):
            return a, 0
        if neg(f, a):
            return f.cnan, NV
        if isinf(f, a):
            return a, 0
        return round_to(f, sqrt_q(value(f, a)), rm)
    # fused: product then sum, one rounding
    psign = neg(f, a) != neg(f, b)
    if isinf(f, a) or isinf(f, b):
        if isinf(f, c) and neg(f, c) != psign:
            return f.cnan, NV
        return (f.sign if psign else 0) | f.inf, 0
    if isinf(f, c):
        return c, 0
    p = value(f, a) * value(f, b)
    s = p + value(f, c)
    if s == 0:
        pz = p == 0
        if pz and value_is_zero(f, c) and psign == neg(f, c):
            return (f.sign if psign else 0), 0
        return (f.sign if rm == RDN else 0), 0
    return round_to(f, s, rm)


def value_is_zero(f, x):
    return (x & ~f.sign) == 0


def add_special(f, a, b, rm):
    if isinf(f, a) and isinf(f, b):
        return (a, 0) if neg(f, a) == neg(f, b) else (f.cnan, NV)
    if isinf(f, a):
        return a, 0
    if isinf(f, b):
        return b, 0
    s = value(f, a) + value(f, b)
    if s == 0:
        if value_is_zero(f, a) and value_is_zero(f, b) and neg(f, a) == neg(f, b):
            return a, 0
        return (f.sign if rm == RDN else 0), 0
    return round_to(f, s, rm)


def to_int(f, x, rm, signed, bits):
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    mask = (1 << 64) - 1
    if isnan(f, x):
        r, fl = hi, NV
    elif isinf(f, x):
        r, fl = (lo if neg(f, x) else hi), NV
    else:
        v = value(f, x)
        sign = v < 0
        k, inex = rnd_int(-v if sign else v, sign, rm)
        k = -k if sign else k
        if k < lo or k > hi:
            r, fl = (lo if sign else hi), NV
        else:
            r, fl = k, NX if inex else 0
    if bits == 32:  # W/WU results are sign-extended 32-bit patterns
        r &= 0xffffffff
        if r & 0x80000000:
            r |= 0xffffffff00000000
    return r & mask, fl


def from_int(f, x, rm, signed, bits):
    v = x & ((1 << bits) - 1)
    if signed and v >> (bits - 1):
        v -= 1 << bits
    return round_to(f, Q(v), rm)


def cvt(fsrc, fdst, x, rm):
    if isnan(fsrc, x):
        return fdst.cnan, NV if issnan(fsrc, x) else 0
    sb = fdst.sign if neg(fsrc, x) else 0
    if isinf(fsrc, x):
        return sb | fdst.inf, 0
    if value_is_zero(fsrc, x):
        return sb, 0
    return round_to(fdst, value(fsrc, x), rm)


def order(f, x):
    m = x & ~f.sign
    return -m if neg(f, x) else m


def minmax(f, a, b, is_max):
    fl = NV if issnan(f, a) or issnan(f, b) else 0
    if isnan(f, a) and isnan(f, b):
        return f.cnan, fl
    if isnan(f, a):
        return b, fl
    if isnan(f, b):
        return a, fl
    ka = order(f, a) - (1 if neg(f, a) else 0)  # -0 below +0
    kb = order(f, b) - (1 if neg(f, b) else 0)
    if is_max:
        return (a if ka > kb else b), fl
    return (a if ka < kb else b), fl


def compare(f, a, b, kind):
    if isnan(f, a) or isnan(f, b):
        sig = kind != "eq" or issnan(f, a) or issnan(f, b)
        return 0, NV if sig else 0
    va, vb = value(f, a) if not isinf(f, a) else None, value(f, b) if not isinf(f, b) else None
    ka = (Q(10) ** 400 if not neg(f, a) else -Q(10) ** 400) if va is None else va
    kb = (Q(10) ** 400 if not neg(f, b) else -Q(10) ** 400) if vb is None else vb
    return int({"eq": ka == kb, "lt": ka < kb, "le": ka <= kb}[kind]), 0


def fclass(f, x):
    if isnan(f, x):
        return 1 << (8 if issnan(f, x) else 9)
    n = neg(f, x)
    e = (x >> (f.p - 1)) & ((1 << f.ebits) - 1)
    if isinf(f, x):
        return 1 << (0 if n else 7)
    if e:
        return 1 << (1 if n else 6)
    if x & f.fmask:
        return 1 << (2 if n else 5)
    return 1 << (3 if n else 4)


# ---- operand generation ------------------------------------------------------------------

def special_operands(f):
    one = f.emax << (f.p - 1)
    xs = [0, f.sign, one, one | f.sign, f.inf, f.inf | f.sign, f.cnan, f.inf | 1,
          f.inf - 1, (f.inf - 1) | f.sign, 1, 1 | f.sign, f.fmask, f.fmask | f.sign,
          1 << (f.p - 1), (1 << (f.p - 1)) | f.sign, one + 1, one - 1,
          (f.emax + 1) << (f.p - 1), (f.emax - 1) << (f.p - 1) | f.sign,
          (f.emax + 1) << (f.p - 1) | (1 << (f.p - 2)), 3 << (f.p - 2) | f.sign]
    return xs


def rand_operand(f, rng):
    r = rng.random()
    s = f.sign if rng.random() < 0.5 else 0
    if r < 0.08:
        return rng.choice(special_operands(f))
    if r < 0.2:  # subnormal
        return s | rng.randrange(1, 1 << (f.p - 1))
    if r < 0.3:  # near the top
        e = rng.randrange((1 << f.ebits) - 8, (1 << f.ebits) - 1)
    elif r < 0.45:  # near the bottom
        e = rng.randrange(1, 40)
    else:
        e = f.emax + rng.randrange(-30, 30)
    m = rng.randrange(0, 1 << (f.p - 1))
    if rng.random() < 0.3:  # few significant bits: exact results and ties
        m &= ~((1 << rng.randrange(f.p - 1)) - 1)
    return s | (e << (f.p - 1)) | m


def encode(f, v):
    b, fl = round_to(f, v, RNE)
    assert fl == 0, v
    return b


def tie_cases(f, rng):
    """(op, a, b, c) whose exact result is a midpoint, so RMM differs from RNE."""
    out = []
    for _ in range(12):
        e = rng.randrange(-20, 20)
        m = rng.randrange(1 << (f.p - 1), 1 << f.p)
        a = Q(m) * Q(2) ** (e - f.p + 1)
        h = Q(2) ** (e - f.p) * rng.choice([1, -1])  # half an ulp of a
        out.append(("add", encode(f, a), encode(f, h), 0))
        out.append(("sub", encode(f, -a), encode(f, h), 0))
    ulp_min = Q(2) ** (f.emin - f.p + 1)
    for _ in range(8):  # subnormal midpoints from mul and div
        k = rng.randrange(0, 1 << (f.p - 3))
        out.append(("mul", encode(f, Q(2 * k + 1, 2)), encode(f, ulp_min * rng.choice([1, -1])), 0))
        out.append(("div", encode(f, (2 * k + 1) * ulp_min), encode(f, Q(-2 if k & 1 else 2)), 0))
    for _ in range(8):  # (1+2^-j)^2 style products with a last bit at the half ulp
        j = f.p // 2
        x = 1 + Q(2) ** -j
        y = (1 + Q(2) ** -(f.p - j)) * rng.choice([1, -1])  # (1+2^-j)(1+2^-(p-j)): a tie
        out.append(("mul", encode(f, x), encode(f, y), 0))
        c = Q(rng.randrange(1, 1 << 8)) * Q(2) ** (-f.p - rng.randrange(0, 4))
        out.append(("madd", encode(f, x), encode(f, x), encode(f, c)))
        out.append(("nmsub", encode(f, x), encode(f, 1 + Q(2) ** -(f.p - 2)), encode(f, -Q(2) ** -f.p)))
    for e in (f.emax, f.emin, f.emin - 3):  # near overflow and underflow
        a = (Q(2) ** f.p - 1) * Q(2) ** (e - f.p + 1) if e >= f.emin else Q(3) * Q(2) ** (e - 2)
        try:
            out.append(("add", encode(f, a), encode(f, Q(2) ** (e - f.p)), 0))
        except AssertionError:
            pass
    return out


OPS = ["add", "sub", "mul", "div", "sqrt", "madd", "msub", "nmsub", "nmadd"]


def main():
    # optional: seed and a case-count multiplier, for one-off larger sweeps
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 20240611
    scale = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rng = random.Random(seed)
    vec = []  # (name, rm, a, b, c, r, fl)
    for f in (S, D):
        box = (lambda x: x | 0xffffffff00000000) if f is S else (lambda x: x)
        cases = []
        for op in OPS:
            sp = special_operands(f)
            for i in range(50 * scale):
                a, b, c = (rand_operand(f, rng) for _ in range(3))
                if i < 20:
                    a, b = rng.choice(sp), rng.choice(sp)
                cases.append((op, a, b, c))
        cases += tie_cases(f, rng)
        for op, a, b, c in cases:
            for rm in range(5):
                r, fl = arith(f, op, a, b, c, rm)
                vec.append((f"{op}_{f.name}", rm, box(a), box(b), box(c), box(r), fl))
        for i in range(120 * scale):
            a, b = rand_operand(f, rng), rand_operand(f, rng)
            if i < 30:
                b = a if i % 2 else a ^ f.sign
            for is_max in (0, 1):
                r, fl = minmax(f, a, b, is_max)
                vec.append((f"{'max' if is_max else 'min'}_{f.name}", 0, box(a), box(b), 0, box(r), fl))
            for kind in ("eq", "lt", "le"):
                r, fl = compare(f, a, b, kind)
                vec.append((f"{kind}_{f.name}", 0, box(a), box(b), 0, r, fl))
            vec.append((f"class_{f.name}", 0, box(a), 0, 0, fclass(f, a), 0))
        # float -> int around every saturation boundary plus random values
        for name, sg, bits in (("w", 1, 32), ("wu", 0, 32), ("l", 1, 64), ("lu", 0, 64)):
            pts = set()
            for base in (Q(2) ** (bits - 1), Q(2) ** bits, Q(0)):
                for d in (Q(-1), Q(-1, 2), Q(-1, 4), Q(0), Q(1, 2), Q(1), Q(3, 2)):
                    for sgn in (1, -1):
                        v = sgn * (base + d)
                        pts |= {round_to(f, v, RDN)[0], round_to(f, v, RUP)[0]}
            for x in sorted(pts):
                for rm in range(5):
                    r, fl = to_int(f, x, rm, sg, bits)
                    vec.append((f"cvt_{name}_{f.name}", rm, box(x), 0, 0, r, fl))
        for _ in range(30 * scale):
            x = rand_operand(f, rng)
            for name, sg, bits in (("w", 1, 32), ("wu", 0, 32), ("l", 1, 64), ("lu", 0, 64)):
                for rm in range(5):
                    r, fl = to_int(f, x, rm, sg, bits)
                    vec.append((f"cvt_{name}_{f.name}", rm, box(x), 0, 0, r, fl))
        ints = [0, 1, -1 & (2**64 - 1), 2**31 - 1, 2**31, 2**32 - 1, 2**63 - 1, 2**63, 2**64 - 1,
                (1 << f.p) + 1, (1 << f.p) + 3, (1 << (f.p + 1)) + 2, (1 << (f.p + 1)) + 6,
                0xffffffff00000000 | ((1 << f.p) + 1), 0x12345678_9abcdef0, 0xdeadbeef]
        ints += [rng.getrandbits(rng.choice([16, 30, 33, 54, 64])) for _ in range(16 * scale)]
        for x in ints:
            for name, sg, bits in (("w", 1, 32), ("wu", 0, 32), ("l", 1, 64), ("lu", 0, 64)):
                for rm in range(5):
                    r, fl = from_int(f, x, rm, sg, bits)
                    vec.append((f"cvt_{f.name}_{name}", rm, x, 0, 0, box(r), fl))
    for _ in range(100 * scale):
        x = rand_operand(D, rng)
        if rng.random() < 0.3:  # doubles in and around the single range
            x = (x & ~(0x7ff << 52)) | ((1023 + rng.randrange(-155, 132)) << 52)
        for rm in range(5):
            r, fl = cvt(D, S, x, rm)
            vec.append(("cvt_s_d", rm, x, 0, 0, r | 0xffffffff00000000, fl))
    for _ in range(60 * scale):
        x = rand_operand(S, rng)
        r, fl = cvt(S, D, x, RNE)
        vec.append(("cvt_d_s", 0, x | 0xffffffff00000000, 0, 0, r, fl))
    emit(vec)


def emit(vec):
    w = sys.stdout.write
    w("/* SPDX-License-Identifier: Apache-2.0 */\n")
    w("/* Generated by tests/unit/gen_fpu_vectors.py (exact Fraction model); do not edit. */\n")
    w("static const struct fpu_vec fpu_vectors[] = {\n")
    for name, rm, a, b, c, r, fl in vec:
        w(f"\t{{V_{name.upper()}, {rm}, 0x{a:x}ull, 0x{b:x}ull, 0x{c:x}ull, 0x{r:x}ull, 0x{fl:x}}},\n")
    w("};\n")


if __name__ == "__main__":
    main()
