#!/usr/bin/env python3
"""Runs translated kernels on the CPU runtime and checks their results bit-exactly.

Each case is enigma IR whose kernel writes observable results into buffers; the MSL the
translation produces is compiled unchanged by the CPU runtime (the Metal-compatibility header)
and launched, and the buffers are compared with values computed here from MLIR's semantics.
Everything goes through libEnigmaCAPI.so (ENIGMA_CAPI_LIB): parse, enigmaTranslateModuleToMSL,
enigmaRuntimeCpuKernelCreate / Launch.
"""

import ctypes
import math
import os
import struct
import sys

LIB = ctypes.CDLL(os.environ["ENIGMA_CAPI_LIB"])
DEV = "#enigma.address_space<device>"


class StringRef(ctypes.Structure):
    _fields_ = [("data", ctypes.c_char_p), ("length", ctypes.c_size_t)]


class Handle(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_void_p)]


class LogicalResult(ctypes.Structure):
    _fields_ = [("value", ctypes.c_int8)]


class RuntimeError_(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("message", ctypes.c_char_p)]


class CpuArg(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("size", ctypes.c_size_t)]


class LaunchConfig(ctypes.Structure):
    _fields_ = [("grid", ctypes.c_uint32 * 3), ("block", ctypes.c_uint32 * 3),
                ("coarsen", ctypes.c_uint32), ("flags", ctypes.c_uint32),
                ("timeoutMs", ctypes.c_uint32)]


CALLBACK = ctypes.CFUNCTYPE(None, StringRef, ctypes.c_void_p)
DIAG_CALLBACK = ctypes.CFUNCTYPE(LogicalResult, Handle, ctypes.c_void_p)

LIB.mlirContextCreate.restype = Handle
LIB.mlirDialectRegistryCreate.restype = Handle
LIB.enigmaRegisterAllDialects.argtypes = [Handle]
LIB.mlirContextAppendDialectRegistry.argtypes = [Handle, Handle]
LIB.mlirDialectRegistryDestroy.argtypes = [Handle]
LIB.mlirModuleCreateParse.restype = Handle
LIB.mlirModuleCreateParse.argtypes = [Handle, StringRef]
LIB.mlirModuleGetOperation.restype = Handle
LIB.mlirModuleGetOperation.argtypes = [Handle]
LIB.mlirModuleDestroy.argtypes = [Handle]
LIB.enigmaTranslateModuleToMSL.restype = LogicalResult
LIB.enigmaTranslateModuleToMSL.argtypes = [Handle, CALLBACK, ctypes.c_void_p]
LIB.enigmaRuntimeCpuKernelCreate.restype = ctypes.c_int
LIB.enigmaRuntimeCpuKernelCreate.argtypes = [
    ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p,
    ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(RuntimeError_)]
LIB.enigmaRuntimeCpuKernelLaunch.restype = ctypes.c_int
LIB.enigmaRuntimeCpuKernelLaunch.argtypes = [
    ctypes.c_void_p, ctypes.POINTER(CpuArg), ctypes.c_size_t, ctypes.POINTER(LaunchConfig),
    ctypes.POINTER(RuntimeError_)]
LIB.enigmaRuntimeCpuKernelDestroy.argtypes = [ctypes.c_void_p]

CTX = LIB.mlirContextCreate()
_registry = LIB.mlirDialectRegistryCreate()
LIB.enigmaRegisterAllDialects(_registry)
LIB.mlirContextAppendDialectRegistry(CTX, _registry)
LIB.mlirDialectRegistryDestroy(_registry)


def translate(mlir: str) -> str:
    data = mlir.encode()
    module = LIB.mlirModuleCreateParse(CTX, StringRef(data, len(data)))
    if not module.ptr:
        raise SystemExit("parse failed:\n" + mlir)
    chunks = []
    cb = CALLBACK(lambda s, _: chunks.append(ctypes.string_at(s.data, s.length)))
    ok = LIB.enigmaTranslateModuleToMSL(LIB.mlirModuleGetOperation(module), cb, None)
    LIB.mlirModuleDestroy(module)
    if not ok.value:
        raise SystemExit("translation failed:\n" + mlir)
    return b"".join(chunks).decode()


def run(msl: str, entry: str, args, grid=(1, 1, 1), block=(1, 1, 1)):
    """Launches `entry` with `args` (bytearrays, written back in place)."""
    kernel = ctypes.c_void_p()
    err = RuntimeError_()
    src = msl.encode()
    status = LIB.enigmaRuntimeCpuKernelCreate(src, len(src), entry.encode(), None,
                                              ctypes.byref(kernel), ctypes.byref(err))
    if status:
        raise SystemExit(f"kernel create failed ({status}): {err.message.decode()}\n{msl}")
    bufs = [(ctypes.c_char * len(a)).from_buffer(a) for a in args]
    cargs = (CpuArg * len(args))(*[CpuArg(ctypes.addressof(b), len(a))
                                   for b, a in zip(bufs, args)])
    config = LaunchConfig((ctypes.c_uint32 * 3)(*grid), (ctypes.c_uint32 * 3)(*block), 1, 0, 0)
    status = LIB.enigmaRuntimeCpuKernelLaunch(kernel, cargs, len(args), ctypes.byref(config),
                                              ctypes.byref(err))
    LIB.enigmaRuntimeCpuKernelDestroy(kernel)
    if status:
        raise SystemExit(f"launch failed ({status}): {err.message.decode()}\n{msl}")


def f32_bits(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def u32(x: int) -> int:
    return x & 0xFFFFFFFF


failures = []
passed = 0


def check(case: str, got, want):
    global passed
    if got != want:
        failures.append(f"{case}: got {got}, want {want}")
    else:
        passed += 1


def words(buf: bytearray):
    return list(struct.unpack(f"<{len(buf) // 4}I", buf))


# --- Integer signedness: every signed/unsigned twin on the same bits --------------------------
INT_OPS = [
    ("divsi", lambda a, b: int(a / b)), ("divui", lambda a, b: u32(a) // u32(b)),
    ("remsi", lambda a, b: int(math.fmod(a, b))), ("remui", lambda a, b: u32(a) % u32(b)),
    ("shrsi", lambda a, b: a >> b), ("shrui", lambda a, b: u32(a) >> b),
    ("minsi", min), ("minui", lambda a, b: min(u32(a), u32(b))),
    ("maxsi", max), ("maxui", lambda a, b: max(u32(a), u32(b))),
    ("ceildivsi", lambda a, b: -((-a) // b)), ("ceildivui", lambda a, b: -((-u32(a)) // u32(b))),
    ("floordivsi", lambda a, b: a // b),
    ("muli", lambda a, b: a * b), ("addi", lambda a, b: a + b), ("subi", lambda a, b: a - b),
]
PAIRS = [(-7, 2), (7, 2), (7, -2), (-8, 3), (-2147483647, 3), (100000, 70000), (5, 1)]


def int_ops():
    body = []
    for k, (name, _) in enumerate(INT_OPS):
        body.append(f"  %r{k} = arith.{name} %a, %b : i32")
        body.append(f"  %i{k} = arith.constant {k} : index")
        body.append(f"  memref.store %r{k}, %out[%i{k}] : memref<{len(INT_OPS)}xi32, {DEV}>")
    mlir = (f"enigma.kernel @int_ops(%a: i32 {{enigma.buffer_index = 0 : i32, enigma.scalar}},\n"
            f"  %b: i32 {{enigma.buffer_index = 1 : i32, enigma.scalar}},\n"
            f"  %out: memref<{len(INT_OPS)}xi32, {DEV}> {{enigma.buffer_index = 2 : i32}}) {{\n"
            + "\n".join(body) + "\n  enigma.return\n}\n")
    msl = translate(mlir)
    for a, b in PAIRS:
        out = bytearray(4 * len(INT_OPS))
        run(msl, "enigma_kernel_int_ops",
            [bytearray(struct.pack("<i", a)), bytearray(struct.pack("<i", b)), out])
        got = words(out)
        for k, (name, fn) in enumerate(INT_OPS):
            if name.startswith("shr") and not 0 <= b < 32:
                continue  # poison in MLIR
            check(f"{name}({a}, {b})", got[k], u32(fn(a, b)))


# --- Comparisons, conversions, narrow integers -------------------------------------------------
def conversions():
    mlir = f"""
enigma.kernel @conv(%a: i32 {{enigma.buffer_index = 0 : i32, enigma.scalar}},
                    %s: i8 {{enigma.buffer_index = 1 : i32, enigma.scalar}},
                    %h: i16 {{enigma.buffer_index = 2 : i32, enigma.scalar}},
                    %out: memref<16xi32, {DEV}> {{enigma.buffer_index = 3 : i32}}) {{
  %one = arith.constant 1 : i32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %c6 = arith.constant 6 : index
  %c7 = arith.constant 7 : index
  %c8 = arith.constant 8 : index
  %c9 = arith.constant 9 : index
  %lt = arith.cmpi slt, %a, %one : i32
  %ult = arith.cmpi ult, %a, %one : i32
  %lt32 = arith.extui %lt : i1 to i32
  %ult32 = arith.extui %ult : i1 to i32
  memref.store %lt32, %out[%c0] : memref<16xi32, {DEV}>
  memref.store %ult32, %out[%c1] : memref<16xi32, {DEV}>
  %sx = arith.extsi %s : i8 to i32
  %zx = arith.extui %s : i8 to i32
  memref.store %sx, %out[%c2] : memref<16xi32, {DEV}>
  memref.store %zx, %out[%c3] : memref<16xi32, {DEV}>
  %sf = arith.sitofp %a : i32 to f32
  %uf = arith.uitofp %a : i32 to f32
  %sfb = arith.bitcast %sf : f32 to i32
  %ufb = arith.bitcast %uf : f32 to i32
  memref.store %sfb, %out[%c4] : memref<16xi32, {DEV}>
  memref.store %ufb, %out[%c5] : memref<16xi32, {DEV}>
  %hh = arith.muli %h, %h : i16
  %hx = arith.extui %hh : i16 to i32
  memref.store %hx, %out[%c6] : memref<16xi32, {DEV}>
  %ic = arith.index_cast %s : i8 to index
  %icb = arith.index_cast %ic : index to i32
  memref.store %icb, %out[%c7] : memref<16xi32, {DEV}>
  %tb = arith.extsi %lt : i1 to i32
  memref.store %tb, %out[%c8] : memref<16xi32, {DEV}>
  %hs = arith.shrsi %h, %one16 : i16
  %hsx = arith.extsi %hs : i16 to i32
  memref.store %hsx, %out[%c9] : memref<16xi32, {DEV}>
  enigma.return
}}
""".replace("%one16", "%o16").replace("  %lt = ", "  %o16 = arith.constant 1 : i16\n  %lt = ")
    msl = translate(mlir)
    for a, s, h in [(-1, -1, 300), (5, 127, -300), (-2147483648, -128, -32768)]:
        out = bytearray(64)
        run(msl, "enigma_kernel_conv", [bytearray(struct.pack("<i", a)),
                                        bytearray(struct.pack("<b", s)),
                                        bytearray(struct.pack("<h", h)), out])
        got = words(out)
        check(f"cmpi slt {a}", got[0], int(a < 1))
        check(f"cmpi ult {a}", got[1], int(u32(a) < 1))
        check(f"extsi i8 {s}", got[2], u32(s))
        check(f"extui i8 {s}", got[3], s & 0xFF)
        check(f"sitofp {a}", got[4], f32_bits(float(a)))
        check(f"uitofp {a}", got[5], f32_bits(struct.unpack('<f', struct.pack('<f', float(u32(a))))[0]))
        check(f"muli i16 {h}", got[6], (h * h) & 0xFFFF)
        check(f"index_cast i8 {s}", got[7], u32(s))
        check(f"extsi i1 {a}", got[8], u32(-int(a < 1)))
        check(f"shrsi i16 {h}", got[9], u32(h >> 1))


# --- Floating point: NaN/signed-zero semantics and exact constants ----------------------------
NAN = float("nan")


def floats():
    preds = ["oeq", "one", "ord", "ueq", "uno", "ult", "uge", "une", "ogt"]
    body = []
    k = 0

    def store(v, ty="f32"):
        nonlocal k
        body.append(f"  %ix{k} = arith.constant {k} : index")
        if ty == "i1":
            body.append(f"  %w{k} = arith.extui {v} : i1 to i32")
            body.append(f"  %wf{k} = arith.bitcast %w{k} : i32 to f32")
            v = f"%wf{k}"
        body.append(f"  memref.store {v}, %out[%ix{k}] : memref<32xf32, {DEV}>")
        k += 1

    for op in ["minimumf", "maximumf", "minnumf", "maxnumf"]:
        body.append(f"  %{op} = arith.{op} %x, %y : f32")
        store(f"%{op}")
    for p in preds:
        body.append(f"  %{p} = arith.cmpf {p}, %x, %y : f32")
        store(f"%{p}", "i1")
    consts = ["0x00000001", "0x7FC00123", "0x80000000", "0.1", "16777217.0", "0x7F800000",
              "3.40282347e+38", "1.17549435e-38", "0x4E71E765", "0x00400000", "0xFF800000"]
    for j, c in enumerate(consts):
        body.append(f"  %k{j} = arith.constant {c} : f32")
        store(f"%k{j}")
    body.append("  %vx = vector.broadcast %x : f32 to vector<4xf32>")
    body.append("  %vy = vector.broadcast %y : f32 to vector<4xf32>")
    body.append("  %vmin = arith.minimumf %vx, %vy : vector<4xf32>")
    body.append("  %vm2 = vector.extract %vmin[2] : f32 from vector<4xf32>")
    store("%vm2")
    mlir = (f"enigma.kernel @floats(%x: f32 {{enigma.buffer_index = 0 : i32, enigma.scalar}},\n"
            f"  %y: f32 {{enigma.buffer_index = 1 : i32, enigma.scalar}},\n"
            f"  %out: memref<32xf32, {DEV}> {{enigma.buffer_index = 2 : i32}}) {{\n"
            + "\n".join(body) + "\n  enigma.return\n}\n")
    msl = translate(mlir)

    def minimum(x, y):
        if math.isnan(x) or math.isnan(y):
            return NAN
        if x == y:
            return x if math.copysign(1, x) < 0 else y
        return min(x, y)

    def maximum(x, y):
        if math.isnan(x) or math.isnan(y):
            return NAN
        if x == y:
            return y if math.copysign(1, x) < 0 else x
        return max(x, y)

    def num(f, x, y):
        if math.isnan(x):
            return y
        if math.isnan(y):
            return x
        return f(x, y)

    cmp = {
        "oeq": lambda x, y: x == y, "one": lambda x, y: x < y or x > y,
        "ord": lambda x, y: not (math.isnan(x) or math.isnan(y)),
        "ueq": lambda x, y: not (x < y or x > y),
        "uno": lambda x, y: math.isnan(x) or math.isnan(y),
        "ult": lambda x, y: not (x >= y), "uge": lambda x, y: not (x < y),
        "une": lambda x, y: x != y, "ogt": lambda x, y: x > y,
    }

    def bits(v):
        return 0x7FC00000 if isinstance(v, float) and math.isnan(v) else f32_bits(v)

    for x, y in [(NAN, 1.0), (1.0, NAN), (-0.0, 0.0), (0.0, -0.0), (2.0, 1.0), (1.0, 1.0)]:
        out = bytearray(128)
        run(msl, "enigma_kernel_floats",
            [bytearray(struct.pack("<f", x)), bytearray(struct.pack("<f", y)), out])
        got = words(out)
        want = [minimum(x, y), maximum(x, y), num(min, x, y), num(max, x, y)]
        for j, name in enumerate(["minimumf", "maximumf", "minnumf", "maxnumf"]):
            w, g = want[j], got[j]
            if math.isnan(w):  # any NaN
                check(f"{name}({x}, {y}) is NaN", (g & 0x7F800000) == 0x7F800000 and g & 0x7FFFFF != 0, True)
            elif w == 0.0 and name.endswith("numf"):  # minnum/maxnum may return either zero
                check(f"{name}({x}, {y})", g & 0x7FFFFFFF, 0)
            else:
                check(f"{name}({x}, {y})", g, bits(w))
        for j, p in enumerate(preds):
            check(f"cmpf {p}({x}, {y})", got[4 + j], f32_bits(1.0 if cmp[p](x, y) else 0.0)
                  if False else int(cmp[p](x, y)))
        base = 4 + len(preds)
        want_consts = [0x00000001, 0x7FC00123, 0x80000000, f32_bits(0.1), f32_bits(16777216.0),
                       0x7F800000, f32_bits(3.40282347e+38), f32_bits(1.17549435e-38),
                       0x4E71E765, 0x00400000, 0xFF800000]
        for j, w in enumerate(want_consts):
            check(f"constant {consts[j]}", got[base + j], w)
        vm = minimum(x, y)
        check(f"vector minimumf({x}, {y})",
              got[base + len(consts)] if not math.isnan(vm) else "NaN",
              bits(vm) if not math.isnan(vm) else "NaN")


# --- Control flow: iter_args swap, while, nested if -------------------------------------------
def control_flow():
    mlir = f"""
enigma.kernel @cf(%n: i32 {{enigma.buffer_index = 0 : i32, enigma.scalar}},
                  %out: memref<4xi32, {DEV}> {{enigma.buffer_index = 1 : i32}}) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %one = arith.constant 1 : i32
  %two = arith.constant 2 : i32
  %nn = arith.index_cast %n : i32 to index
  %r:2 = scf.for %i = %c0 to %nn step %c1 iter_args(%a = %one, %b = %two) -> (i32, i32) {{
    scf.yield %b, %a : i32, i32
  }}
  memref.store %r#0, %out[%c0] : memref<4xi32, {DEV}>
  memref.store %r#1, %out[%c1] : memref<4xi32, {DEV}>
  %w:2 = scf.while (%k = %c0, %acc = %one) : (index, i32) -> (index, i32) {{
    %cond = arith.cmpi slt, %k, %nn : index
    scf.condition(%cond) %k, %acc : index, i32
  }} do {{
  ^bb0(%k2: index, %acc2: i32):
    %next = arith.addi %k2, %c1 : index
    %dbl = arith.muli %acc2, %two : i32
    %odd = arith.remui %k2, %c2 : index
    %isodd = arith.cmpi eq, %odd, %c1 : index
    %v = scf.if %isodd -> (i32) {{
      %p = arith.addi %dbl, %one : i32
      scf.yield %p : i32
    }} else {{
      scf.yield %dbl : i32
    }}
    scf.yield %next, %v : index, i32
  }}
  %wk = arith.index_cast %w#0 : index to i32
  memref.store %wk, %out[%c2] : memref<4xi32, {DEV}>
  memref.store %w#1, %out[%c3] : memref<4xi32, {DEV}>
  enigma.return
}}
"""
    msl = translate(mlir)
    for n in [0, 1, 4, 5, -3]:
        out = bytearray(16)
        run(msl, "enigma_kernel_cf", [bytearray(struct.pack("<i", n)), out])
        got = words(out)
        a, b = (1, 2) if max(n, 0) % 2 == 0 else (2, 1)
        acc = 1
        for k in range(max(n, 0)):
            acc = acc * 2 + (k % 2)
        check(f"swap n={n}", got[:2], [a, b])
        check(f"while n={n}", got[2:], [max(n, 0), acc])


# --- Threadgroup memory, barriers, SIMD-group reduction, atomics, vectors, 2-D views ----------
def parallel():
    mlir = f"""
enigma.kernel @par(%in: memref<?xf32, {DEV}> {{enigma.buffer_index = 0 : i32}},
                   %sums: memref<?xf32, {DEV}> {{enigma.buffer_index = 1 : i32}},
                   %hist: memref<4xi32, {DEV}> {{enigma.buffer_index = 2 : i32}},
                   %flat: memref<?xf32, {DEV}> {{enigma.buffer_index = 3 : i32}},
                   %cols: i32 {{enigma.buffer_index = 4 : i32, enigma.scalar}}) {{
  %tg = enigma.threadgroup_alloc : memref<64xf32, #enigma.address_space<threadgroup>>
  %tid = enigma.thread_index_in_threadgroup
  %gid = enigma.thread_position_in_grid x
  %grp = enigma.threadgroup_position_in_grid x
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %one = arith.constant 1 : i32
  %x = memref.load %in[%gid] : memref<?xf32, {DEV}>
  memref.store %x, %tg[%tid] : memref<64xf32, #enigma.address_space<threadgroup>>
  enigma.threadgroup_barrier <threadgroup>
  %first = arith.cmpi eq, %tid, %c0 : index
  scf.if %first {{
    %s = scf.for %i = %c0 to %c32 step %c4 iter_args(%acc = %x) -> (f32) {{
      %v = vector.load %tg[%i] : memref<64xf32, #enigma.address_space<threadgroup>>, vector<4xf32>
      %r = vector.reduction <add>, %v, %acc : vector<4xf32> into f32
      scf.yield %r : f32
    }}
    %fix = arith.subf %s, %x : f32
    memref.store %fix, %sums[%grp] : memref<?xf32, {DEV}>
  }}
  %ss = enigma.simd_reduce <sum> %x : f32
  %lane = enigma.thread_index_in_simdgroup
  %l0 = arith.cmpi eq, %lane, %c0 : index
  scf.if %l0 {{
    %slot = arith.addi %grp, %c4 : index
    memref.store %ss, %sums[%slot] : memref<?xf32, {DEV}>
  }}
  %bin = arith.remui %gid, %c4 : index
  %old = enigma.atomic_rmw <add> unsigned %one, %hist[%bin] : memref<4xi32, {DEV}>
  %nc = arith.index_cast %cols : i32 to index
  %view = memref.reinterpret_cast %flat to offset: [0], sizes: [4, %nc], strides: [%nc, 1]
      : memref<?xf32, {DEV}> to memref<4x?xf32, strided<[?, 1]>, {DEV}>
  %row = arith.divui %gid, %nc : index
  %col = arith.remui %gid, %nc : index
  %fv = arith.uitofp %old : i32 to f32
  %isrow = arith.cmpi ult, %row, %c4 : index
  scf.if %isrow {{
    %cur = memref.load %view[%row, %col] : memref<4x?xf32, strided<[?, 1]>, {DEV}>
    %nv = arith.addf %cur, %x : f32
    memref.store %nv, %view[%row, %col] : memref<4x?xf32, strided<[?, 1]>, {DEV}>
  }}
  enigma.return
}}
"""
    msl = translate(mlir)
    n, cols = 64, 8
    xs = [float(i % 7) - 2.5 for i in range(n)]
    inp = bytearray(struct.pack(f"<{n}f", *xs))
    sums = bytearray(4 * 8)
    hist = bytearray(16)
    flat = bytearray(struct.pack(f"<{4 * cols}f", *([1.0] * (4 * cols))))
    run(msl, "enigma_kernel_par", [inp, sums, hist, flat, bytearray(struct.pack("<i", cols))],
        grid=(n, 1, 1), block=(32, 1, 1))
    got_sums = struct.unpack("<8f", sums)
    for g in range(2):
        want = sum(xs[32 * g:32 * g + 32])
        check(f"threadgroup sum {g}", got_sums[g], want)
        check(f"simd_sum {g}", got_sums[4 + g], want)
    check("atomic histogram", words(hist), [16, 16, 16, 16])
    got_flat = struct.unpack(f"<{4 * cols}f", flat)
    check("2-D view", list(got_flat), [1.0 + xs[i] for i in range(4 * cols)])


# --- Vector memory accesses: aligned (proven), packed (offset by one float), threadgroup lanes -
def vectors():
    mlir = f"""
enigma.kernel @vec(%in: memref<?xf32, {DEV}> {{enigma.buffer_index = 0 : i32}},
                   %out: memref<?xf32, {DEV}> {{enigma.buffer_index = 1 : i32}}) {{
  %tg = enigma.threadgroup_alloc : memref<64xf32, #enigma.address_space<threadgroup>>
  %t = enigma.thread_position_in_grid x
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %base = arith.muli %t, %c4 : index
  %v = vector.load %in[%base] {{alignment = 16 : i64}} : memref<?xf32, {DEV}>, vector<4xf32>
  %shift = arith.addi %base, %c1 : index
  %w = vector.load %in[%shift] : memref<?xf32, {DEV}>, vector<4xf32>
  vector.store %w, %tg[%base] : memref<64xf32, #enigma.address_space<threadgroup>>, vector<4xf32>
  %u = vector.load %tg[%base] : memref<64xf32, #enigma.address_space<threadgroup>>, vector<4xf32>
  %s = arith.addf %v, %u : vector<4xf32>
  %r = arith.maximumf %s, %v : vector<4xf32>
  vector.store %r, %out[%base] {{alignment = 16 : i64}} : memref<?xf32, {DEV}>, vector<4xf32>
  enigma.return
}}
"""
    msl = translate(mlir)
    n = 8
    xs = [float(i) * 0.5 - 3.0 for i in range(4 * n + 4)]
    inp = bytearray(struct.pack(f"<{len(xs)}f", *xs))
    out = bytearray(4 * 4 * n)
    run(msl, "enigma_kernel_vec", [inp, out], grid=(n, 1, 1), block=(n, 1, 1))
    got = list(struct.unpack(f"<{4 * n}f", out))
    want = [max(xs[i] + xs[i + 1], xs[i]) for i in range(4 * n)]
    check("vector load/store (aligned, packed, threadgroup lanes)", got, want)


# --- Strong compare-exchange: exactly one thread wins, the others see the winner's value -------
def cmpxchg():
    mlir = f"""
enigma.kernel @cas(%slot: memref<1xi32, {DEV}> {{enigma.buffer_index = 0 : i32}},
                   %fslot: memref<1xf32, {DEV}> {{enigma.buffer_index = 1 : i32}},
                   %seen: memref<?xi32, {DEV}> {{enigma.buffer_index = 2 : i32}},
                   %fseen: memref<?xf32, {DEV}> {{enigma.buffer_index = 3 : i32}}) {{
  %t = enigma.thread_position_in_grid x
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0 : i32
  %fzero = arith.constant -0.0 : f32
  %ti = arith.index_cast %t : index to i32
  %one = arith.constant 1 : i32
  %mine = arith.addi %ti, %one : i32
  %fmine = arith.sitofp %mine : i32 to f32
  %found = enigma.atomic_cmpxchg %zero, %mine, %slot[%c0] : memref<1xi32, {DEV}>
  %ffound = enigma.atomic_cmpxchg %fzero, %fmine, %fslot[%c0] : memref<1xf32, {DEV}>
  memref.store %found, %seen[%t] : memref<?xi32, {DEV}>
  memref.store %ffound, %fseen[%t] : memref<?xf32, {DEV}>
  enigma.return
}}
"""
    msl = translate(mlir)
    n = 64
    slot, fslot = bytearray(4), bytearray(struct.pack("<f", -0.0))
    seen, fseen = bytearray(4 * n), bytearray(4 * n)
    run(msl, "enigma_kernel_cas", [slot, fslot, seen, fseen], grid=(n, 1, 1), block=(32, 1, 1))
    final = words(slot)[0]
    got = words(seen)
    check("cmpxchg i32: one winner", got.count(0), 1)
    check("cmpxchg i32: losers see the winner", sorted(set(got) - {0}), [final])
    check("cmpxchg i32: the winner wrote", got.index(0) + 1, final)
    # The f32 slot starts at -0.0 and the expected value is -0.0 (bitwise: +0.0 would not match).
    ffinal = words(fslot)[0]
    fgot = words(fseen)
    check("cmpxchg f32: one winner", fgot.count(0x80000000), 1)
    check("cmpxchg f32: losers see the winner", sorted(set(fgot) - {0x80000000}), [ffinal])
    check("cmpxchg f32: the winner wrote", f32_bits(float(fgot.index(0x80000000) + 1)), ffinal)


# --- bfloat: computed in float and rounded to nearest even, exact for + - * / ------------------
def bf16_round(x: float) -> int:
    bits = f32_bits(x)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) & 0xFFFF


def bfloat():
    mlir = f"""
enigma.kernel @bf(%a: bf16 {{enigma.buffer_index = 0 : i32, enigma.scalar}},
                  %b: bf16 {{enigma.buffer_index = 1 : i32, enigma.scalar}},
                  %out: memref<4xbf16, {DEV}> {{enigma.buffer_index = 2 : i32}}) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %s = arith.addf %a, %b : bf16
  %d = arith.subf %a, %b : bf16
  %m = arith.mulf %a, %b : bf16
  %q = arith.divf %a, %b : bf16
  memref.store %s, %out[%c0] : memref<4xbf16, {DEV}>
  memref.store %d, %out[%c1] : memref<4xbf16, {DEV}>
  memref.store %m, %out[%c2] : memref<4xbf16, {DEV}>
  memref.store %q, %out[%c3] : memref<4xbf16, {DEV}>
  enigma.return
}}
"""
    msl = translate(mlir)
    for a_bits, b_bits in [(0x3FC0, 0x3C01), (0x4049, 0x3F81), (0xC2F7, 0x3E4D), (0x3F80, 0x4040)]:
        a = struct.unpack("<f", struct.pack("<I", a_bits << 16))[0]
        b = struct.unpack("<f", struct.pack("<I", b_bits << 16))[0]
        out = bytearray(8)
        run(msl, "enigma_kernel_bf", [bytearray(struct.pack("<H", a_bits)),
                                      bytearray(struct.pack("<H", b_bits)), out])
        got = list(struct.unpack("<4H", out))
        # Products and sums of two bfloats are exact in double; their float rounding then the
        # bfloat rounding equals the correctly rounded bfloat (float has > 2x the precision).
        want = [bf16_round(struct.unpack("<f", struct.pack("<f", v))[0])
                for v in (a + b, a - b, a * b, a / b)]
        check(f"bfloat ops {a} {b}", got, want)


int_ops()
bfloat()
cmpxchg()
vectors()
conversions()
floats()
control_flow()
parallel()
for f in failures:
    print("FAIL:", f)
print(f"{passed} checks passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
