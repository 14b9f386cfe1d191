"""Row softmax, one thread per row: loops with carried values (max, then sum of exponentials),
written with the reference's carry lists (`init=[...]`, `c[0] = ...`)."""

from __future__ import annotations

import enigma
import numpy as np


@enigma.kernel
def softmax(
    X: enigma.f32, Y: enigma.f32, rows: enigma.Scalar(enigma.u32), cols: enigma.Scalar(enigma.u32)
):
    r = enigma.thread_position_in_grid
    with enigma.if_(enigma.cmp_lt(r, rows)):
        base = r * cols
        neg_inf = enigma.metal_cast(float("-inf"), "float")
        zero = enigma.metal_cast(0.0, "float")
        with enigma.for_range(0, cols, dtype="uint", init=[neg_inf]) as (c, mx):
            mx[0] = enigma.fmax(mx[0], X[base + c])
        with enigma.for_range(0, cols, dtype="uint", init=[zero]) as (c, total):
            total[0] = total[0] + enigma.exp(X[base + c] - mx[0])
        inv = 1.0 / total[0]
        with enigma.for_range(0, cols, dtype="uint") as c:
            Y[base + c] = enigma.exp(X[base + c] - mx[0]) * inv


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
