#!/usr/bin/env python3
"""MSL translation throughput: time `enigma-translate --to-msl` and the in-process translation
through the C API (enigmaTranslateModuleToMSL) on generated kernels of N operations.

    python3 bench/msl_translate.py                 # 1k, 10k and 50k-op kernels
    python3 bench/msl_translate.py -n 10000 -r 10  # one size, 10 repetitions

Environment: ENIGMA_BUILD (default: build/ next to this script's parent) for the tool and
libEnigmaCAPI.so. Prints best-of-r wall times; the target is a 10,000-op kernel translated
in under 50 ms.
"""

import argparse
import ctypes
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("ENIGMA_BUILD", os.path.join(ROOT, "build"))
TOOL = os.path.join(BUILD, "bin", "enigma-translate")
LIB = os.environ.get("ENIGMA_CAPI_LIB", os.path.join(BUILD, "lib", "libEnigmaCAPI.so"))

DEV = "#enigma.address_space<device>"


def generate_kernel(num_ops: int) -> tuple[str, int]:
    """A kernel of about `num_ops` operations: loads, float and integer arithmetic, compares,
    selects, math calls and stores, in loops of 50 operations with iter_args."""
    lines = [
        f"enigma.kernel @bench(%a: memref<?xf32, {DEV}> {{enigma.buffer_index = 0 : i32}},",
        f"                     %b: memref<?xf32, {DEV}> {{enigma.buffer_index = 1 : i32}},",
        f"                     %k: memref<?xi32, {DEV}> {{enigma.buffer_index = 2 : i32}},",
        "                     %n: i32 {enigma.buffer_index = 3 : i32, enigma.scalar}) {",
        "  %tid = enigma.thread_position_in_grid x",
        "  %c0 = arith.constant 0 : index",
        "  %c1 = arith.constant 1 : index",
        "  %c8 = arith.constant 8 : index",
        "  %half = arith.constant 0.5 : f32",
        "  %three = arith.constant 3 : i32",
    ]
    ops = 10
    block = 0
    while ops < num_ops:
        lines.append(
            f"  %r{block}:2 = scf.for %i{block} = %c0 to %c8 step %c1 "
            f"iter_args(%f{block}_0 = %half, %n{block}_0 = %three) -> (f32, i32) {{"
        )
        f, i = f"%f{block}_0", f"%n{block}_0"
        ops += 1
        for j in range(1, 7):
            p = f"%b{block}_{j}"
            lines += [
                f"    {p}x = arith.addi %tid, %i{block} : index",
                f"    {p}l = memref.load %a[{p}x] : memref<?xf32, {DEV}>",
                f"    {p}m = arith.mulf {p}l, {f} : f32",
                f"    {p}e = math.exp {p}m : f32",
                f"    {p}c = arith.cmpf olt, {p}e, {f} : f32",
                f"    {p}s = arith.select {p}c, {p}e, {f} : f32",
                f"    {p}q = arith.divsi {i}, %three : i32",
                f"    {p}u = arith.shrui {p}q, %three : i32",
            ]
            f, i = f"{p}s", f"{p}u"
            ops += 8
        lines += [f"    memref.store {f}, %b[%tid] : memref<?xf32, {DEV}>",
                  f"    scf.yield {f}, {i} : f32, i32", "  }"]
        ops += 2
        block += 1
    lines += ["  enigma.return", "}"]
    return "\n".join(lines) + "\n", ops


class MlirStringRef(ctypes.Structure):
    _fields_ = [("data", ctypes.c_char_p), ("length", ctypes.c_size_t)]


class Handle(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_void_p)]


class LogicalResult(ctypes.Structure):
    _fields_ = [("value", ctypes.c_int8)]


CALLBACK = ctypes.CFUNCTYPE(None, MlirStringRef, ctypes.c_void_p)


def in_process(lib, text: str, reps: int):
    """(parse seconds, translate seconds, output bytes), best of reps, through the C API."""
    lib.mlirContextCreate.restype = Handle
    lib.mlirDialectRegistryCreate.restype = Handle
    lib.mlirModuleCreateParse.restype = Handle
    lib.mlirModuleCreateParse.argtypes = [Handle, MlirStringRef]
    lib.mlirModuleGetOperation.restype = Handle
    lib.mlirModuleGetOperation.argtypes = [Handle]
    lib.mlirModuleDestroy.argtypes = [Handle]
    lib.enigmaTranslateModuleToMSL.restype = LogicalResult
    lib.enigmaTranslateModuleToMSL.argtypes = [Handle, CALLBACK, ctypes.c_void_p]
    lib.enigmaRegisterAllDialects.argtypes = [Handle]
    lib.mlirContextAppendDialectRegistry.argtypes = [Handle, Handle]
    lib.mlirContextDestroy.argtypes = [Handle]
    lib.mlirDialectRegistryDestroy.argtypes = [Handle]

    ctx = lib.mlirContextCreate()
    registry = lib.mlirDialectRegistryCreate()
    lib.enigmaRegisterAllDialects(registry)
    lib.mlirContextAppendDialectRegistry(ctx, registry)
    lib.mlirDialectRegistryDestroy(registry)
    data = text.encode()
    ref = MlirStringRef(data, len(data))
    out = [0]

    def sink(s, _):
        out[0] += s.length

    cb = CALLBACK(sink)
    best_parse = best_translate = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        module = lib.mlirModuleCreateParse(ctx, ref)
        t1 = time.perf_counter()
        if not module.ptr:
            sys.exit("parse failed")
        out[0] = 0
        res = lib.enigmaTranslateModuleToMSL(lib.mlirModuleGetOperation(module), cb, None)
        t2 = time.perf_counter()
        if not res.value:
            sys.exit("translation failed")
        lib.mlirModuleDestroy(module)
        best_parse = min(best_parse, t1 - t0)
        best_translate = min(best_translate, t2 - t1)
    lib.mlirContextDestroy(ctx)
    return best_parse, best_translate, out[0]


def tool_time(path: str, reps: int) -> float:
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run([TOOL, "--to-msl", path, "-o", os.devnull], check=True)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, action="append", help="kernel size in operations")
    parser.add_argument("-r", type=int, default=5, help="repetitions (best is reported)")
    args = parser.parse_args()
    sizes = args.n or [1000, 10000, 50000]
    lib = ctypes.CDLL(LIB)
    print(f"{'ops':>7} {'tool (parse+verify+translate+write)':>36} {'C API parse':>12} "
          f"{'C API translate':>16} {'ops/s (translate)':>18} {'MSL bytes':>10}")
    for n in sizes:
        text, ops = generate_kernel(n)
        with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
            f.write(text)
            path = f.name
        try:
            tool = tool_time(path, args.r)
            parse, translate, size = in_process(lib, text, args.r)
        finally:
            os.unlink(path)
        print(f"{ops:>7} {tool * 1e3:>33.1f} ms {parse * 1e3:>9.1f} ms {translate * 1e3:>13.1f} ms "
              f"{ops / translate:>18,.0f} {size:>10}")


if __name__ == "__main__":
    main()
