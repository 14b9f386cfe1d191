"""A histogram with atomics on unsigned counters."""

from __future__ import annotations

import enigma
import numpy as np

BINS = 64


@enigma.kernel
def histogram(X: enigma.u32, H: enigma.u32, n: enigma.Scalar(enigma.u32)):
    i = enigma.thread_position_in_grid
    with enigma.if_(enigma.cmp_lt(i, n)):
        enigma.atomic_fetch_add(H, X[i] % BINS, 1)


def run() -> dict:
    n = 20_000
    x = np.random.default_rng(4).integers(0, 1 << 20, n).astype(np.uint32)
    h = np.zeros(BINS, np.uint32)
    k = enigma.compile(histogram, emit_only=True)
    k(x, h, n, grid=n, block=256, device="cpu")
    expect = np.bincount(x % BINS, minlength=BINS)
    return {
        "kernel": k,
        "max_error": float(np.abs(h.astype(np.int64) - expect).max()),
        "result": f"counts[:6] = {h[:6]}",
    }
