"""The reference's Quick Start, the documented way: enigma.MetalRuntime runs the kernel on Metal
on macOS and on Enigma's CPU runtime everywhere else, with the same call."""

from __future__ import annotations

import enigma
import numpy as np


@enigma.kernel
def vector_add(A: enigma.f32, B: enigma.f32, C: enigma.f32):
    tid = enigma.thread_position_in_grid
    C[tid] = A[tid] + B[tid]


def run() -> dict:
    compiled = enigma.compile(vector_add)
    runtime = enigma.MetalRuntime()
    n = 1024
    rng = np.random.default_rng(1)
    a = rng.standard_normal(n).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    out = runtime.execute(compiled, inputs=[a, b], output_size=n * 4, grid=(n, 1, 1),
                          threads=(min(n, 256), 1, 1))
    c = np.frombuffer(out, dtype=np.float32)
    return {
        "kernel": compiled,
        "max_error": float(np.abs(c - (a + b)).max()),
        "result": f"backend {runtime.backend}: C[:4] = {c[:4]}",
    }
