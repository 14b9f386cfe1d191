"""Benchmarks of the CPU runtime (docs/cpu-runtime.md); prints numbers, asserts nothing
but correctness.

    ENIGMA_CAPI_LIB=build/lib/libEnigmaCAPI.so PYTHONPATH=python python3 bench/cpu_runtime.py

Measures
  1. vector add over 2^24 floats (Enigma-style MSL) against numpy's `a + b`;
  2. a 256x256x256 f32 GEMM with simdgroup_float8x8, and one tiled through threadgroup
     memory with barriers (every thread on a fiber);
  3. the cost of a cached launch (a one-thread kernel, compiled once, launched many times);
  4. compile time of a kernel on a cold cache (fresh cache directory), and a warm one.
Kernels run with exact bounds checks (the default where available) and with guard pages only.
Times are the best (minimum) and median of several runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable

import numpy as np
from enigma import runtime as rt

VADD = """
#include <metal_stdlib>
using namespace metal;

kernel void enigma_kernel_vadd(device const float* A [[buffer(0)]], device const float* B [[buffer(1)]],
    device float* C [[buffer(2)]], constant uint& n [[buffer(3)]],
    uint3 thread_position_in_grid [[thread_position_in_grid]]) {
  uint v0 = thread_position_in_grid.x;
  if (v0 < n) { float v1 = A[v0]; float v2 = B[v0]; float v3 = v1 + v2; C[v0] = v3; }
}
"""

GEMM = """
#include <metal_stdlib>
using namespace metal;

// One 8x8 tile of C per SIMD-group, 2 SIMD-groups per threadgroup.
kernel void sgemm_simdgroup(device const float* A [[buffer(0)]], device const float* B [[buffer(1)]],
    device float* C [[buffer(2)]], constant uint& N [[buffer(3)]],
    uint2 tg [[threadgroup_position_in_grid]], uint sg [[simdgroup_index_in_threadgroup]]) {
  uint row = tg.y * 8, col = (tg.x * 2 + sg) * 8;
  simdgroup_float8x8 acc = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);
  simdgroup_float8x8 a, b;
  for (uint k = 0; k < N; k += 8) {
    simdgroup_load(a, A + row * N + k, N);
    simdgroup_load(b, B, N, ulong2(col, k));
    simdgroup_multiply_accumulate(acc, a, b, acc);
  }
  simdgroup_store(acc, C, N, ulong2(col, row));
}

// Classic 16x16 tiling through threadgroup memory: two barriers per K step.
kernel void sgemm_tiled(device const float* A [[buffer(0)]], device const float* B [[buffer(1)]],
    device float* C [[buffer(2)]], constant uint& N [[buffer(3)]],
    uint2 gid [[thread_position_in_grid]], uint2 lid [[thread_position_in_threadgroup]]) {
  threadgroup float ta[16][16];
  threadgroup float tb[16][16];
  float acc = 0.0f;
  for (uint k = 0; k < N; k += 16) {
    ta[lid.y][lid.x] = A[gid.y * N + k + lid.x];
    tb[lid.y][lid.x] = B[(k + lid.y) * N + gid.x];
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint j = 0; j < 16; ++j) acc = fma(ta[lid.y][j], tb[j][lid.x], acc);
    threadgroup_barrier(mem_flags::mem_threadgroup);
  }
  C[gid.y * N + gid.x] = acc;
}
"""

NOOP = """
#include <metal_stdlib>
using namespace metal;
kernel void enigma_kernel_touch(device float* x [[buffer(0)]], uint i [[thread_position_in_grid]]) {
  x[i] += 1.0f;
}
"""


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(best, median) wall time of fn in milliseconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return min(times), statistics.median(times)


def line(label: str, best: float, median: float, extra: str = "") -> None:
    print(f"  {label:<46} best {best:9.3f} ms   median {median:9.3f} ms  {extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per measurement")
    opts = parser.parse_args()

    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(
                ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    print(f"machine: {cpu}, {os.cpu_count()} CPUs visible, {platform.python_version()}")
    print(
        f"runtime: {rt.num_workers()} workers, header {rt.header_version()}, "
        f"compiler {os.environ.get('ENIGMA_CXX', 'default (clang++-22)')}, "
        f"extra flags {os.environ.get('ENIGMA_CPU_CXXFLAGS', 'none')!r}"
    )

    # 1. Vector add.
    n = 1 << 24
    rng = np.random.default_rng(0)
    a = rng.random(n, dtype=np.float32)
    b = rng.random(n, dtype=np.float32)
    c = np.zeros(n, np.float32)
    # Exact bounds checks (the default where the plugin is usable) and guard pages only.
    vadds = [rt.compile_msl(VADD, "enigma_kernel_vadd", bounds_check="guard")]
    exact = rt.compile_msl(VADD, "enigma_kernel_vadd")
    if exact.bounds_check == "exact":
        vadds.insert(0, exact)
    print(f"\nvector add, 2^24 floats, block 256 ({n // 256} threadgroups):")
    np_best, np_med = timed(lambda: a + b, opts.repeat)
    line("numpy a + b", np_best, np_med)
    for vadd in vadds:
        mode = vadd.bounds_check
        c[:] = 0
        vb, vm = timed(lambda: vadd(a, b, c, n, grid=(n,), block=(256,)), opts.repeat)
        assert np.array_equal(c, a + b)
        line(f"CPU runtime, {mode}, guarded copies", vb, vm, f"{vb / np_best:5.2f}x numpy")
        c[:] = 0
        ub, um = timed(
            lambda: vadd(a, b, c, n, grid=(n,), block=(256,), checked=False), opts.repeat
        )
        assert np.array_equal(c, a + b)
        line(f"CPU runtime, {mode}, unchecked (in place)", ub, um, f"{ub / np_best:5.2f}x numpy")

    # 2. GEMM.
    size = 256
    ma = rng.random((size, size), dtype=np.float32)
    mb = rng.random((size, size), dtype=np.float32)
    mc = np.zeros((size, size), np.float32)
    flops = 2 * size**3
    print(f"\nf32 GEMM {size}x{size}x{size}:")
    nb, nm = timed(lambda: ma @ mb, opts.repeat)
    line("numpy (BLAS) a @ b", nb, nm, f"{flops / nb / 1e6:7.2f} GFLOP/s")
    for check in ("exact", "guard"):
        simd = rt.compile_msl(GEMM, "sgemm_simdgroup", bounds_check=None if check == "exact" else check)
        if simd.bounds_check != check:
            continue
        mc[:] = 0
        sb, sm = timed(
            lambda: simd(
                ma, mb, mc, size, grid=(size // 16 * 64, size // 8), block=(64, 1)
            ),
            opts.repeat,
        )
        np.testing.assert_allclose(mc, ma @ mb, rtol=1e-4)
        line(
            f"simdgroup_float8x8, {check} (32 lanes do the MMA)",
            sb,
            sm,
            f"{flops / sb / 1e6:7.2f} GFLOP/s",
        )
        tiled = rt.compile_msl(GEMM, "sgemm_tiled", bounds_check=simd.bounds_check)
        mc[:] = 0
        tb, tm = timed(
            lambda: tiled(ma, mb, mc, size, grid=(size, size), block=(16, 16)), 3
        )
        np.testing.assert_allclose(mc, ma @ mb, rtol=1e-4)
        line(
            f"16x16 tiles + barriers (fibers), {check}",
            tb,
            tm,
            f"{flops / tb / 1e6:7.2f} GFLOP/s",
        )

    # 3. Cached launch.
    touch = rt.compile_msl(NOOP, "enigma_kernel_touch")
    x = np.zeros(1, np.float32)
    touch(x, grid=(1,), block=(1,))
    launches = 2000
    lb, lm = timed(lambda: touch(x, grid=(1,), block=(1,)), launches)
    print(f"\ncached launch of a one-thread kernel ({launches} launches):")
    line("Python call -> result", lb, lm)
    raw = [(x.ctypes.data, x.nbytes)]
    rb, rm = timed(lambda: touch.launch_raw(raw, grid=(1,), block=(1,)), launches)
    line("launch_raw (pointer-level entry)", rb, rm)
    assert x[0] == 1 + 2 * launches

    # 4. Compile time.
    print("\ncompile time:")
    with tempfile.TemporaryDirectory(prefix="enigma-bench-cache-") as cache:
        t0 = time.perf_counter()
        k = rt.compile_msl(VADD, "enigma_kernel_vadd", cache_dir=cache)
        cold_vadd = (time.perf_counter() - t0) * 1e3
        assert not k.was_cached
        line("vector add, cold cache (header + compile)", cold_vadd, cold_vadd)
        t0 = time.perf_counter()
        k = rt.compile_msl(GEMM, "sgemm_simdgroup", cache_dir=cache)
        cold_gemm = (time.perf_counter() - t0) * 1e3
        line("simdgroup GEMM, cold kernel cache", cold_gemm, cold_gemm)
        wb, wm = timed(
            lambda: rt.compile_msl(VADD, "enigma_kernel_vadd", cache_dir=cache),
            opts.repeat,
        )
        assert rt.compile_msl(VADD, "enigma_kernel_vadd", cache_dir=cache).was_cached
        line("vector add, warm disk cache (parse + dlopen)", wb, wm)


if __name__ == "__main__":
    main()
