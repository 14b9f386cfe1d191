"""SIMD-group-heavy kernels on the CPU runtime against numpy doing the same work (issue 19);
prints numbers, asserts nothing but correctness.

    ENIGMA_CAPI_LIB=build/lib/libEnigmaCAPI.so PYTHONPATH=python python3 bench/simdgroup.py

Kernels (hand-written MSL, in the style of Metal's own):
  1. single-head attention, one threadgroup per query row, 4 SIMD-groups splitting the keys
     (the shape of MLX's sdpa_vector): each lane holds 2 of the 64 head dimensions, every key
     costs one simd_sum (the q.k dot product), the softmax is online, and the 4 partial
     results are combined with simd_max / simd_sum / simd_shuffle; against numpy's
     `softmax(q @ k.T * scale) @ v`;
  2. a 512^3 f32 GEMM with simdgroup_float8x8 (bench/cpu_runtime.py's kernel: one 8x8 tile of C
     per SIMD-group, 2 SIMD-groups per threadgroup); against numpy's `a @ b`; then the same
     kernel with per-lane matrices (its text naming thread_elements());
  3. a block scan and a reduction: threadgroups of 1024 floats, simd_prefix_inclusive_sum per
     SIMD-group, the SIMD-group totals scanned by simd_prefix_exclusive_sum, and each SIMD-group's
     sum by a simd_shuffle_down tree (5 shuffles); against numpy's `cumsum` and `sum` over rows
     of 1024.
Times are the best (minimum) and median of several runs, in milliseconds; "x numpy" compares
best times. Launches are the default ones (checked: guarded copies of the buffers, exact bounds
checks where available); each CPU runtime measurement starts half a second after numpy's, once
OpenBLAS's spinning threads went idle.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
from enigma import runtime as rt

# The timer, report line and GEMM kernel of bench/cpu_runtime.py (this directory is on sys.path
# when the script runs).
from cpu_runtime import GEMM, line, timed

HEADER = "#include <metal_stdlib>\nusing namespace metal;\n"

ATTENTION = (
    HEADER
    + """
// Q, K, V, O: [S][64] floats, seen as [S][32] float2 (lane l holds dimensions 2l, 2l+1).
kernel void attention(device const float2* Q [[buffer(0)]], device const float2* K [[buffer(1)]],
    device const float2* V [[buffer(2)]], device float2* O [[buffer(3)]],
    constant uint& S [[buffer(4)]], constant float& scale [[buffer(5)]],
    uint row [[threadgroup_position_in_grid]], ushort lane [[thread_index_in_simdgroup]],
    ushort sg [[simdgroup_index_in_threadgroup]]) {
  // SG SIMD-groups per threadgroup, one query row per threadgroup.
  constexpr uint SG = 4;
  threadgroup float tmax[SG], tsum[SG];
  threadgroup float2 tacc[SG][32];
  float2 q = Q[row * 32 + lane] * scale;
  float m = -INFINITY, l = 0.0f;
  float2 acc = 0.0f;
  for (uint j = sg; j < S; j += SG) {  // SIMD-group sg takes every SG-th key
    float s = simd_sum(dot(q, K[j * 32 + lane]));
    float mnew = max(m, s);
    float corr = exp(m - mnew), p = exp(s - mnew);
    l = l * corr + p;
    acc = acc * corr + p * V[j * 32 + lane];
    m = mnew;
  }
  if (lane == 0) { tmax[sg] = m; tsum[sg] = l; }
  tacc[sg][lane] = acc;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  if (sg == 0) {
    // Loads of every lane, then selects: no branch around the SIMD-group functions.
    float ms = lane < SG ? tmax[lane % SG] : -INFINITY;
    float gm = simd_max(ms);
    float f = exp(ms - gm);  // 0 for lanes >= SG
    float total = simd_sum(tsum[lane % SG] * f);
    float2 o = 0.0f;
    for (uint g = 0; g < SG; ++g)
      o += tacc[g][lane] * simd_shuffle(f, g);
    O[row * 32 + lane] = o / total;
  }
}
"""
)

SCAN = (
    HEADER
    + """
// Threadgroups of 1024 threads: out = inclusive prefix sum of each row of 1024 floats, and
// sums[i] = the sum of the i-th run of 32 floats.
kernel void block_scan(device const float* in [[buffer(0)]], device float* out [[buffer(1)]],
    device float* sums [[buffer(2)]], uint gid [[thread_position_in_grid]],
    ushort lane [[thread_index_in_simdgroup]], ushort sg [[simdgroup_index_in_threadgroup]]) {
  threadgroup float totals[32];
  float v = in[gid];
  float x = simd_prefix_inclusive_sum(v);
  float r = v;
  for (ushort o = 16; o > 0; o /= 2)
    r += simd_shuffle_down(r, o);
  if (lane == 0)
    sums[gid / 32] = r;
  if (lane == 31)
    totals[sg] = x;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  if (sg == 0)
    totals[lane] = simd_prefix_exclusive_sum(totals[lane]);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  out[gid] = x + totals[sg];
}
"""
)


def softmax_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, scale: float) -> np.ndarray:
    s = (q @ k.T) * np.float32(scale)
    s -= s.max(axis=1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(axis=1, keepdims=True)
    return p @ v


def settle() -> None:
    """Lets OpenBLAS's threads, which spin for a while after numpy's last matrix product, go
    idle before the CPU runtime's workers are timed on the same cores (on 2 cores they took a
    third of a 16 ms attention run)."""
    time.sleep(0.5)


def ratio(ours: float, numpy_best: float) -> str:
    return f"{ours / numpy_best:7.1f}x numpy"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement")
    parser.add_argument(
        "--numpy-repeat",
        type=int,
        default=30,
        help="runs of each numpy baseline (short, and noisy on a loaded machine: OpenBLAS threads)",
    )
    parser.add_argument(
        "--seq", type=int, nargs="+", default=[512, 1024], help="attention sequence lengths"
    )
    parser.add_argument("--gemm", type=int, default=512, help="GEMM size (multiple of 16)")
    parser.add_argument("--scan", type=int, default=1 << 20, help="scan length (x 1024)")
    opts = parser.parse_args()

    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"machine: {cpu}, {os.cpu_count()} CPUs visible, {platform.python_version()}")
    print(f"runtime: {rt.num_workers()} workers, header {rt.header_version()}")
    try:
        print("load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    except OSError:
        pass
    rng = np.random.default_rng(0)

    # 1. Attention.
    attn = rt.compile_msl(ATTENTION, "attention")
    d = 64
    for seq in opts.seq:
        q, k, v = (rng.standard_normal((seq, d), dtype=np.float32) for _ in range(3))
        o = np.zeros((seq, d), np.float32)
        scale = 1.0 / np.sqrt(d)
        print(f"\nattention, seq {seq}, head dim {d} ({seq} simd_sum per query row, bounds "
              f"check {attn.bounds_check}):")
        nb, nm = timed(lambda: softmax_attention(q, k, v, scale), opts.numpy_repeat)
        line("numpy softmax(q @ k.T * scale) @ v", nb, nm)
        attn(q, k, v, o, seq, scale, grid=(seq * 128,), block=(128,))
        np.testing.assert_allclose(o, softmax_attention(q, k, v, scale), rtol=1e-4, atol=1e-5)
        settle()
        kb, km = timed(
            lambda: attn(q, k, v, o, seq, scale, grid=(seq * 128,), block=(128,)), opts.repeat
        )
        line("CPU runtime, 4 SIMD-groups per row", kb, km, ratio(kb, nb))

    # 2. simdgroup_float8x8 GEMM.
    size = opts.gemm
    ma = rng.random((size, size), dtype=np.float32)
    mb = rng.random((size, size), dtype=np.float32)
    mc = np.zeros((size, size), np.float32)
    flops = 2 * size**3
    gemm = rt.compile_msl(GEMM, "sgemm_simdgroup")
    print(f"\nf32 GEMM {size}^3, simdgroup_float8x8 (bounds check {gemm.bounds_check}):")
    nb, nm = timed(lambda: ma @ mb, opts.numpy_repeat)
    line("numpy (BLAS) a @ b", nb, nm, f"{flops / nb / 1e6:7.2f} GFLOP/s")

    def measure_gemm(kernel: rt.CpuKernel, label: str) -> None:
        mc[:] = 0
        launch = lambda: kernel(ma, mb, mc, size, grid=(size // 16 * 64, size // 8), block=(64, 1))
        launch()
        np.testing.assert_allclose(mc, ma @ mb, rtol=1e-4)
        settle()
        best, median = timed(launch, opts.repeat)
        line(label, best, median, f"{flops / best / 1e6:7.2f} GFLOP/s {ratio(best, nb)}")

    measure_gemm(gemm, "CPU runtime, 2 SIMD-groups per threadgroup")
    # The same kernel in a text that names thread_elements(): per-lane matrices
    # (docs/cpu-runtime.md, "SIMD-group matrices").
    per_lane = rt.compile_msl(GEMM + "\n// uses thread_elements() (per-lane matrices)\n",
                              "sgemm_simdgroup")
    measure_gemm(per_lane, "CPU runtime, per-lane matrices (thread_elements)")

    # 3. Scan and shuffle reduction.
    n = opts.scan
    x = rng.random(n, dtype=np.float32)
    out = np.zeros(n, np.float32)
    sums = np.zeros(n // 32, np.float32)
    scan = rt.compile_msl(SCAN, "block_scan")
    print(f"\nblock scan of {n} floats in rows of 1024 + a shuffle reduction per 32 "
          f"(bounds check {scan.bounds_check}):")

    def numpy_scan() -> tuple[np.ndarray, np.ndarray]:
        return np.cumsum(x.reshape(-1, 1024), axis=1), x.reshape(-1, 32).sum(axis=1)

    nb, nm = timed(numpy_scan, opts.numpy_repeat)
    line("numpy cumsum (rows of 1024) + sum (rows of 32)", nb, nm)
    scan(x, out, sums, grid=(n,), block=(1024,))
    want_scan, want_sums = numpy_scan()
    np.testing.assert_allclose(out.reshape(-1, 1024), want_scan, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(sums, want_sums, rtol=1e-5)
    settle()
    sb, sm = timed(lambda: scan(x, out, sums, grid=(n,), block=(1024,)), opts.repeat)
    line("CPU runtime, 7 exchanges per SIMD-group", sb, sm, ratio(sb, nb))


if __name__ == "__main__":
    main()
