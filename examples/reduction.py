"""A block sum: each threadgroup reduces 256 elements in threadgroup memory with barriers, then
SIMD-group sums finish the last 32 lanes."""

from __future__ import annotations

import enigma
import numpy as np

BLOCK = 256


@enigma.kernel
def block_sum(X: enigma.f32, Out: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_threadgroup()
    gid = enigma.thread_position_in_grid
    shared = enigma.threadgroup_alloc("float", BLOCK)
    shared[tid] = 0.0
    with enigma.if_(enigma.cmp_lt(gid, n)):
        shared[tid] = X[gid]
    enigma.barrier()
    stride = BLOCK // 2
    while stride >= 32:  # a Python loop over Python ints: unrolled at trace time
        with enigma.if_(enigma.cmp_lt(tid, stride)):
            shared[tid] = shared[tid] + shared[tid + stride]
        enigma.barrier(mem_flags="mem_threadgroup")
        stride //= 2
    with enigma.if_(enigma.cmp_lt(tid, 32)):
        total = enigma.simd_sum(shared[tid])
        with enigma.if_(enigma.cmp_eq(tid, 0)):
            Out[enigma.threadgroup_position_in_grid()] = total


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
