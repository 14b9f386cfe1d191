"""A block sum: each threadgroup reduces 256 elements in threadgroup memory with barriers, then
SIMD-group sums finish the last 32 lanes."""

from __future__ import annotations

import enigma
import numpy as np

BLOCK = 256


@enigma.kernel
def block_sum(X: enigma.f32, Out: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_threadgroup.x
    gid = enigma.thread_position_in_grid.x
    shared = enigma.threadgroup_alloc(enigma.f32, BLOCK)
    shared[tid] = 0.0
    with enigma.if_(gid < n):
        shared[tid] = X[gid]
    enigma.barrier()
    stride = BLOCK // 2
    while stride >= 32:  # a Python loop over Python ints: unrolled at trace time
        with enigma.if_(tid < stride):
            shared[tid] = shared[tid] + shared[tid + stride]
        enigma.barrier()
        stride //= 2
    with enigma.if_(tid < 32):
        total = enigma.simd_sum(shared[tid])
        with enigma.if_(tid == 0):
            Out[enigma.threadgroup_position_in_grid.x] = total


def run() -> dict:
    n = 50_000
    groups = -(-n // BLOCK)
    x = np.random.default_rng(2).random(n, dtype=np.float32)
    out = np.zeros(groups, np.float32)
    k = enigma.compile(block_sum, emit_only=True)
    k(x, out, n, grid=groups * BLOCK, block=BLOCK, device="cpu")
    expect = np.add.reduceat(x.astype(np.float64), np.arange(0, n, BLOCK))
    return {
        "kernel": k,
        "max_error": float(np.abs(out - expect).max()),
        "result": f"sum = {out.sum():.3f} (numpy {x.sum(dtype=np.float64):.3f})",
    }
