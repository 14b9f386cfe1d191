"""A small matrix multiply in the style of the reference's complete example: a 2-D grid, one
thread per output element, float4 dot products over K = 4."""

from __future__ import annotations

import enigma
import numpy as np

N_DIM = 64
K_DIM = 4


@enigma.kernel
def matmul(A: enigma.f32, B: enigma.f32, C: enigma.f32):
    row = enigma.thread_position_in_grid_xyz("y")
    col = enigma.thread_position_in_grid_xyz("x")
    n = enigma.metal_cast(N_DIM, "uint")
    k = enigma.metal_cast(K_DIM, "uint")
    base_a = row * k
    a = enigma.make_float4(A[base_a], A[base_a + 1], A[base_a + 2], A[base_a + 3])
    b = enigma.make_float4(B[col], B[col + n], B[col + n * 2], B[col + n * 3])
    C[row * n + col] = enigma.dot(a, b)


def run() -> dict:
    m = 32
    rng = np.random.default_rng(5)
    a = rng.standard_normal((m, K_DIM)).astype(np.float32)
    b = rng.standard_normal((K_DIM, N_DIM)).astype(np.float32)
    c = np.zeros((m, N_DIM), np.float32)
    k = enigma.compile(matmul, emit_only=True)
    k(a.ravel(), b.ravel(), c.ravel(), grid=(N_DIM, m, 1), block=(16, 16, 1), device="cpu")
    return {
        "kernel": k,
        "max_error": float(np.abs(c - a @ b).max()),
        "result": f"C[0, :3] = {c[0, :3]}",
    }
