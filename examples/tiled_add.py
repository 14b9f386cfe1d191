"""A @jit tiled add: CuTe's zipped_divide splits each tensor into 256-element tiles and the
kernel takes tile `bid` (`gA[None, bid]`); the layouts are computed host-side by the layout
algebra and recorded as layout ops that the compiler checks and lowers."""

from __future__ import annotations

import enigma
import numpy as np

TILE = 256


@enigma.kernel
def tiled_add(gA, gB, gC):
    bid = enigma.threadgroup_position_in_grid()
    tid = enigma.thread_position_in_threadgroup()
    tA = gA[None, bid]
    tB = gB[None, bid]
    tC = gC[None, bid]
    tC[tid] = tA[tid] + tB[tid]


@enigma.jit
def add(A, B, C):
    gA = enigma.zipped_divide(A, (TILE,))
    gB = enigma.zipped_divide(B, (TILE,))
    gC = enigma.zipped_divide(C, (TILE,))
    tiled_add(gA, gB, gC).launch(grid=enigma.size(A.layout), block=TILE)


def run() -> dict:
    n = 1 << 16
    layout = enigma.Layout((n,), (1,))
    A, B, C = (enigma.Tensor(name, i, enigma.f32, layout) for i, name in enumerate("ABC"))
    k = enigma.compile(add, A, B, C, emit_only=True)
    rng = np.random.default_rng(1)
    a = rng.random(n, dtype=np.float32)
    b = rng.random(n, dtype=np.float32)
    c = np.zeros(n, np.float32)
    k(a, b, c, device="cpu")  # grid and block come from the jit launch
    return {
        "kernel": k,
        "max_error": float(np.abs(c - (a + b)).max()),
        "result": f"grid={k.grid} block={k.block}",
    }
