"""The seed example: C = A + B for the first n elements, guarded by `tid < n`."""

from __future__ import annotations

import enigma
import numpy as np


@enigma.kernel
def vadd(A: enigma.f32, B: enigma.f32, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid
    with enigma.if_(enigma.cmp_lt(tid, n)):
        C[tid] = A[tid] + B[tid]


def run(vec_width: int = 0) -> dict:
    n = 100_000
    rng = np.random.default_rng(0)
    a = rng.random(n, dtype=np.float32)
    b = rng.random(n, dtype=np.float32)
    c = np.zeros(n, np.float32)
    k = enigma.compile(vadd, vec_width=vec_width, emit_only=True)
    k(a, b, c, n, grid=n, block=256, device="cpu")
    return {
        "kernel": k,
        "max_error": float(np.abs(c - (a + b)).max()),
        "result": f"C[:4] = {c[:4]}",
    }
