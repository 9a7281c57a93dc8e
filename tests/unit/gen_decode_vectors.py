#!/usr/bin/env python3
# Usage: python3 tests/unit/gen_decode_vectors.py > tests/unit/decode_vectors.h
"""Generates tests/unit/decode_vectors.h: instruction encodings from the GNU assembler
(riscv64-linux-gnu-as) paired with the fields a correct decoder must produce. The expected
fields are written here by hand from the assembly text, independently of decode.c."""
import subprocess, sys, tempfile, os

R = {f"x{i}": i for i in range(32)}
abi = "zero ra sp gp tp t0 t1 t2 s0 s1 a0 a1 a2 a3 a4 a5 a6 a7 s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 t3 t4 t5 t6".split()
R.update({n: i for i, n in enumerate(abi)})
R.update({f"f{i}": i for i in range(32)})

# (asm, op, rd, rs1, rs2, rs3, imm, len); rd for ops writing x0 is given as 32 (the sink).
V = []
def v(asm, op, rd=0, rs1=0, rs2=0, rs3=0, imm=0, ln=4):
    V.append((asm, op, rd, rs1, rs2, rs3, imm, ln))

v("lui a0, 0x12345", "LUI", 10, imm=0x12345000)
v("lui a0, 0xfffff", "LUI", 10, imm=-4096)
v("auipc t0, 0x80000", "AUIPC", 5, imm=-0x80000000)
v("jal ra, .+2048", "JAL", 1, imm=2048)
v("jal zero, .-4", "JAL", 32, imm=-4)
v("jalr t1, 12(a5)", "JALR", 6, 15, imm=12)
v("jalr zero, -1(ra)", "JALR", 32, 1, imm=-1)
for m, op in [("beq", "BEQ"), ("bne", "BNE"), ("blt", "BLT"), ("bge", "BGE"), ("bltu", "BLTU"), ("bgeu", "BGEU")]:
    v(f"{m} a0, a1, .-4096", op, 0, 10, 11, imm=-4096)
v("beq s1, s2, .+4094", "BEQ", 0, 9, 18, imm=4094)
for m in "lb lh lw ld lbu lhu lwu".split():
    v(f"{m} a2, -2048(sp)", m.upper(), 12, 2, imm=-2048)
v("ld zero, 2047(a0)", "LD", 32, 10, imm=2047)
for m in "sb sh sw sd".split():
    v(f"{m} t6, 2047(s11)", m.upper(), 0, 27, 31, imm=2047)
v("sd a0, -1(a1)", "SD", 0, 11, 10, imm=-1)
for m in "addi slti sltiu xori ori andi".split():
    v(f"{m} s0, s1, -7", m.upper(), 8, 9, imm=-7)
v("slli a0, a1, 63", "SLLI", 10, 11, imm=63)
v("srli a0, a1, 32", "SRLI", 10, 11, imm=32)
v("srai a0, a1, 63", "SRAI", 10, 11, imm=63)
for m in "add sub sll slt sltu xor srl sra or and".split():
    v(f"{m} t0, t1, t2", m.upper(), 5, 6, 7)
v("addiw a0, a0, -1", "ADDIW", 10, 10, imm=-1)
v("slliw a0, a1, 31", "SLLIW", 10, 11, imm=31)
v("srliw a0, a1, 31", "SRLIW", 10, 11, imm=31)
v("sraiw a0, a1, 31", "SRAIW", 10, 11, imm=31)
for m in "addw subw sllw srlw sraw mul mulh mulhsu mulhu div divu rem remu mulw divw divuw remw remuw".split():
    v(f"{m} a3, a4, a5", m.upper(), 13, 14, 15)
v("fence", "FENCE")
v("fence.i", "FENCE_I")
v("ecall", "ECALL")
v("ebreak", "EBREAK")
v("mret", "MRET")
v("sret", "SRET")
v("wfi", "WFI")
v("sfence.vma a0, a1", "SFENCE_VMA", 0, 10, 11)
v("csrrw a0, mscratch, a1", "CSRRW", 10, 11, imm=0x340)
v("csrrs zero, mstatus, a1", "CSRRS", 32, 11, imm=0x300)
v("csrrc a0, satp, zero", "CSRRC", 10, 0, imm=0x180)
v("csrrwi a0, 0x7ff, 31", "CSRRWI", 10, 31, imm=0x7ff)
v("csrrsi a0, cycle, 1", "CSRRSI", 10, 1, imm=0xc00)
v("csrrci a0, fflags, 2", "CSRRCI", 10, 2, imm=1)
for w in "w d".split():
    W = w.upper()
    v(f"lr.{w} a0, (a1)", f"LR_{W}", 10, 11)
    v(f"sc.{w} a0, a2, (a1)", f"SC_{W}", 10, 11, 12)
    for m in "swap add xor and or min max minu maxu".split():
        v(f"amo{m}.{w}.aqrl a0, a2, (a1)", f"AMO{m.upper()}_{W}", 10, 11, 12)
v("flw f1, 8(a0)", "FLW", 1, 10, imm=8)
v("fld f31, -8(a0)", "FLD", 31, 10, imm=-8)
v("fsw f2, 4(sp)", "FSW", 0, 2, 2, imm=4)
v("fsd f3, -2048(sp)", "FSD", 0, 2, 3, imm=-2048)
for t in "s d".split():
    T = t.upper()
    for m in "fmadd fmsub fnmsub fnmadd".split():
        v(f"{m}.{t} f1, f2, f3, f4, rtz", f"{m.upper()}_{T}", 1, 2, 3, 4)
    for m in "fadd fsub fmul fdiv".split():
        v(f"{m}.{t} f5, f6, f7, dyn", f"{m.upper()}_{T}", 5, 6, 7)
    v(f"fsqrt.{t} f8, f9", f"FSQRT_{T}", 8, 9)
    for m in "fsgnj fsgnjn fsgnjx fmin fmax".split():
        v(f"{m}.{t} f10, f11, f12", f"{m.upper()}_{T}", 10, 11, 12)
    for m, op in [("w", "W"), ("wu", "WU"), ("l", "L"), ("lu", "LU")]:
        v(f"fcvt.{m}.{t} a0, f1, rup", f"FCVT_{op}_{T}", 10, 1)
        rm = "" if (t == "d" and m in ("w", "wu")) else ", rmm"  # exact: no rm operand
        v(f"fcvt.{t}.{m} f1, a0{rm}", f"FCVT_{T}_{op}", 1, 10)
    for m in "feq flt fle".split():
        v(f"{m}.{t} a1, f2, f3", f"{m.upper()}_{T}", 11, 2, 3)
    v(f"fclass.{t} a2, f4", f"FCLASS_{T}", 12, 4)
v("fmv.x.w a0, f1", "FMV_X_W", 10, 1)
v("fmv.x.d zero, f1", "FMV_X_D", 32, 1)
v("fmv.w.x f1, a0", "FMV_W_X", 1, 10)
v("fmv.d.x f1, a0", "FMV_D_X", 1, 10)
v("fcvt.s.d f1, f2", "FCVT_S_D", 1, 2)
v("fcvt.d.s f1, f2", "FCVT_D_S", 1, 2)
# Compressed forms and what they expand to (ISA manual, "C" chapter).
v("c.addi4spn a0, sp, 1020", "ADDI", 10, 2, imm=1020, ln=2)
v("c.fld f8, 248(a5)", "FLD", 8, 15, imm=248, ln=2)
v("c.lw a1, 124(a2)", "LW", 11, 12, imm=124, ln=2)
v("c.ld s0, 248(s1)", "LD", 8, 9, imm=248, ln=2)
v("c.fsd f9, 8(a0)", "FSD", 0, 10, 9, imm=8, ln=2)
v("c.sw a5, 64(a4)", "SW", 0, 14, 15, imm=64, ln=2)
v("c.sd a3, 128(a2)", "SD", 0, 12, 13, imm=128, ln=2)
v("c.nop", "ADDI", 32, 0, imm=0, ln=2)
v("c.addi t0, -32", "ADDI", 5, 5, imm=-32, ln=2)
v("c.addiw a0, 31", "ADDIW", 10, 10, imm=31, ln=2)
v("c.li a0, -1", "ADDI", 10, 0, imm=-1, ln=2)
v("c.addi16sp sp, -512", "ADDI", 2, 2, imm=-512, ln=2)
v("c.addi16sp sp, 496", "ADDI", 2, 2, imm=496, ln=2)
v("c.lui a0, 0xfffe0", "LUI", 10, 0, imm=-0x20000, ln=2)
v("c.lui t1, 1", "LUI", 6, 0, imm=4096, ln=2)
v("c.srli a0, 63", "SRLI", 10, 10, imm=63, ln=2)
v("c.srai s1, 32", "SRAI", 9, 9, imm=32, ln=2)
v("c.andi a5, -1", "ANDI", 15, 15, imm=-1, ln=2)
for m, op in [("sub", "SUB"), ("xor", "XOR"), ("or", "OR"), ("and", "AND"), ("subw", "SUBW"), ("addw", "ADDW")]:
    v(f"c.{m} a0, a1", op, 10, 10, 11, ln=2)
v("c.j .-2048", "JAL", 32, imm=-2048, ln=2)
v("c.j .+2046", "JAL", 32, imm=2046, ln=2)
v("c.beqz a0, .-256", "BEQ", 0, 10, 0, imm=-256, ln=2)
v("c.bnez s1, .+254", "BNE", 0, 9, 0, imm=254, ln=2)
v("c.slli a0, 63", "SLLI", 10, 10, imm=63, ln=2)
v("c.fldsp f1, 504(sp)", "FLD", 1, 2, imm=504, ln=2)
v("c.lwsp ra, 252(sp)", "LW", 1, 2, imm=252, ln=2)
v("c.ldsp t0, 504(sp)", "LD", 5, 2, imm=504, ln=2)
v("c.jr ra", "JALR", 32, 1, imm=0, ln=2)
v("c.mv a0, a1", "ADD", 10, 0, 11, ln=2)
v("c.ebreak", "EBREAK", ln=2)
v("c.jalr t0", "JALR", 1, 5, imm=0, ln=2)
v("c.add a0, a1", "ADD", 10, 10, 11, ln=2)
v("c.fsdsp f2, 504(sp)", "FSD", 0, 2, 2, imm=504, ln=2)
v("c.swsp ra, 252(sp)", "SW", 0, 2, 1, imm=252, ln=2)
v("c.sdsp s0, 504(sp)", "SD", 0, 2, 8, imm=504, ln=2)

with tempfile.TemporaryDirectory() as d:
    src = os.path.join(d, "v.S")
    with open(src, "w") as f:
        f.write(".option norvc\n.text\n")
        for a in V:
            if a[7] == 2:
                f.write(".option rvc\n")
            f.write(f"\t{a[0]}\n")
            if a[7] == 2:
                f.write(".option norvc\n")
    obj = os.path.join(d, "v.o")
    subprocess.check_call(["riscv64-linux-gnu-as", "-march=rv64gc", "-o", obj, src])
    bin_ = os.path.join(d, "v.bin")
    subprocess.check_call(["riscv64-linux-gnu-objcopy", "-O", "binary", "-j", ".text", obj, bin_])
    data = open(bin_, "rb").read()

out = ["/* Generated by tests/unit/gen_decode_vectors.py from riscv64-linux-gnu-as output. */"]
off = 0
for asm, op, rd, rs1, rs2, rs3, imm, ln in V:
    raw = int.from_bytes(data[off:off + ln], "little")
    off += ln
    out.append(f'{{"{asm}", 0x{raw:08x}, OP_{op}, {rd}, {rs1}, {rs2}, {rs3}, {imm}, {ln}}},')
assert off == len(data), (off, len(data))
sys.stdout.write("\n".join(out) + "\n")
