"""Row softmax, one thread per row: loops with carried values (max, then sum of exponentials)."""

from __future__ import annotations

import enigma
import numpy as np


@enigma.kernel
def softmax(
    X: enigma.f32, Y: enigma.f32, rows: enigma.Scalar(enigma.u32), cols: enigma.Scalar(enigma.u32)
):
    r = enigma.thread_position_in_grid.x
    with enigma.if_(r < rows):
        base = r * cols
        mx = enigma.for_range(0, cols, init=float("-inf"))
        with mx as (c, m):
            enigma.yield_(enigma.max(m, X[base + c]))
        total = enigma.for_range(0, cols, init=0.0)
        with total as (c, s):
            enigma.yield_(s + enigma.exp(X[base + c] - mx.result))
        inv = 1.0 / total.result
        with enigma.for_range(0, cols) as c:
            Y[base + c] = enigma.exp(X[base + c] - mx.result) * inv


def run() -> dict:
    rows, cols = 300, 77
    x = np.random.default_rng(3).standard_normal((rows, cols)).astype(np.float32)
    y = np.zeros_like(x)
    k = enigma.compile(softmax, emit_only=True)
    k(x, y, rows, cols, grid=rows, block=64, device="cpu")
    e = np.exp(x - x.max(axis=1, keepdims=True))
    expect = e / e.sum(axis=1, keepdims=True)
    return {
        "kernel": k,
        "max_error": float(np.abs(y - expect).max()),
        "result": f"row sums = {y.sum(axis=1)[:3]}",
    }
