"""The cost of the CPU runtime's race checker (docs/cpu-runtime.md#race-checking): launch time
of a few kernels with and without ``race_check=True``; prints numbers, asserts correctness.

    ENIGMA_CAPI_LIB=build/lib/libEnigmaCAPI.so PYTHONPATH=python python3 bench/race_check.py

Kernels: a vector add (device memory only, no barriers), a threadgroup tree reduction
(threadgroup memory and barriers), a 16x16 tiled GEMM (threadgroup tiles, two barriers per K
step) and a SIMD-group reduction (simd_sum, no threadgroup memory). Plain launches run with the
default exact bounds checks on every worker; race-checked launches run the instrumented build
on one worker. Times are the best (minimum) and median of several runs, in milliseconds, after
a first launch that compiles each build (or loads it from the cache) and, race-checked, faults
the shadow memory in; that launch is printed separately.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

import numpy as np
from enigma import runtime as rt

# The same kernels and timing as bench/cpu_runtime.py (this directory is on sys.path when the
# script runs).
from cpu_runtime import GEMM, timed

HEADER = "#include <metal_stdlib>\nusing namespace metal;\n"

VADD = (
    HEADER
    + """
kernel void vadd(device const float* A [[buffer(0)]], device const float* B [[buffer(1)]],
    device float* C [[buffer(2)]], constant uint& n [[buffer(3)]],
    uint i [[thread_position_in_grid]]) {
  if (i < n) C[i] = A[i] + B[i];
}
"""
)

REDUCE = (
    HEADER
    + """
kernel void reduce(device const float *in [[buffer(0)]], device float *out [[buffer(1)]],
                   uint t [[thread_index_in_threadgroup]], uint g [[threadgroup_position_in_grid]],
                   uint n [[threads_per_threadgroup]]) {
  threadgroup float tile[256];
  tile[t] = in[g * n + t];
  threadgroup_barrier(mem_flags::mem_threadgroup);
  for (uint s = n / 2; s > 0; s >>= 1) {
    if (t < s)
      tile[t] += tile[t + s];
    threadgroup_barrier(mem_flags::mem_threadgroup);
  }
  if (t == 0)
    out[g] = tile[0];
}
"""
)

SIMD_SUM = (
    HEADER
    + """
kernel void simd_reduce(device const float *in [[buffer(0)]], device float *out [[buffer(1)]],
                        uint i [[thread_position_in_grid]], uint lane [[thread_index_in_simdgroup]]) {
  float s = simd_sum(in[i]);
  if (lane == 0)
    out[i / 32] = s;
}
"""
)


def compare(
    label: str, run: Callable[[bool], object], check: Callable[[], None], repeat: int
):
    t0 = time.perf_counter()
    run(False)
    plain_compile = (time.perf_counter() - t0) * 1e3
    check()
    t0 = time.perf_counter()
    run(True)
    race_compile = (time.perf_counter() - t0) * 1e3
    check()
    pb, pm = timed(lambda: run(False), repeat)
    rb, rm = timed(lambda: run(True), repeat)
    check()
    print(f"  {label}")
    print(f"    plain        best {pb:9.2f} ms   median {pm:9.2f} ms")
    print(f"    race_check   best {rb:9.2f} ms   median {rm:9.2f} ms   {rb / pb:6.1f}x")
    print(
        f"    first launch (compile or cache load; race check: first shadow pages too): plain "
        f"{plain_compile:.0f} ms, race-checked build {race_compile:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement")
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
    print(f"runtime: {rt.num_workers()} workers, header {rt.header_version()}")
    rng = np.random.default_rng(0)

    n = 1 << 20
    a, b = rng.random(n, dtype=np.float32), rng.random(n, dtype=np.float32)
    c = np.zeros(n, np.float32)
    vadd = rt.compile_msl(VADD, "vadd")
    compare(
        f"vector add, 2^20 floats, block 256 ({n // 256} threadgroups)",
        lambda race: vadd(a, b, c, n, grid=n, block=256, race_check=race),
        lambda: np.testing.assert_array_equal(c, a + b),
        opts.repeat,
    )

    m = 1 << 18
    x = rng.random(m, dtype=np.float32)
    out = np.zeros(m // 256, np.float32)
    reduce = rt.compile_msl(REDUCE, "reduce")
    compare(
        f"threadgroup tree reduction, 2^18 floats, block 256 ({m // 256} threadgroups)",
        lambda race: reduce(x, out, grid=m, block=256, race_check=race),
        lambda: np.testing.assert_allclose(
            out, x.reshape(-1, 256).sum(axis=1), rtol=1e-4
        ),
        opts.repeat,
    )

    size = 128
    ma = rng.random((size, size), dtype=np.float32)
    mb = rng.random((size, size), dtype=np.float32)
    mc = np.zeros((size, size), np.float32)
    tiled = rt.compile_msl(GEMM, "sgemm_tiled")
    compare(
        f"GEMM {size}^3, 16x16 threadgroup tiles, 2 barriers per K step",
        lambda race: tiled(
            ma, mb, mc, size, grid=(size, size), block=(16, 16), race_check=race
        ),
        lambda: np.testing.assert_allclose(mc, ma @ mb, rtol=1e-4),
        opts.repeat,
    )

    s = 1 << 18
    y = rng.random(s, dtype=np.float32)
    sums = np.zeros(s // 32, np.float32)
    simd = rt.compile_msl(SIMD_SUM, "simd_reduce")
    compare(
        "simd_sum reduction, 2^18 floats, block 256",
        lambda race: simd(y, sums, grid=s, block=256, race_check=race),
        lambda: np.testing.assert_allclose(
            sums, y.reshape(-1, 32).sum(axis=1), rtol=1e-4
        ),
        opts.repeat,
    )


if __name__ == "__main__":
    main()
