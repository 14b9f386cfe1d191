"""SIMD-group matrices read and written in place within one SIMD-group, with no barrier in
between: on the GPU the lanes execute simdgroup_load / multiply / simdgroup_store together, so
the store follows every lane's load. The CPU runtime runs the lanes one after another between
synchronization points; it must still give C + A @ B once (not once per lane)."""

from __future__ import annotations

import numpy as np
import pytest

from enigma import runtime as rt

ACCUMULATE = """
#include <metal_stdlib>
using namespace metal;
// Each SIMD-group adds A @ B into its own 8x8 tile of C, loading the tile from C and storing
// the sum back to the same place (a GEMM's accumulator kept in device memory).
kernel void acc8(device const float* A [[buffer(0)]], device const float* B [[buffer(1)]],
                 device float* C [[buffer(2)]], constant uint& steps [[buffer(3)]],
                 uint sg [[simdgroup_index_in_threadgroup]], uint tg [[threadgroup_position_in_grid]]) {
  device float* tile = C + (tg * 2 + sg) * 64;
  simdgroup_float8x8 a, b, c;
  simdgroup_load(a, A, 8);
  simdgroup_load(b, B, 8);
  for (uint s = 0; s < steps; ++s) {
    simdgroup_load(c, tile, 8);
    simdgroup_multiply_accumulate(c, a, b, c);
    simdgroup_store(c, tile, 8);
  }
}
"""


@pytest.mark.parametrize("steps", [1, 3])
@pytest.mark.parametrize("race_check", [False, True])
def test_in_place_accumulate_within_a_simdgroup(steps, race_check):
    rng = np.random.default_rng(5)
    a, b = (rng.standard_normal((8, 8)).astype(np.float32) for _ in range(2))
    groups = 3
    c0 = rng.standard_normal((groups * 2, 8, 8)).astype(np.float32)
    c = c0.copy()
    k = rt.compile_msl(ACCUMULATE, "acc8")
    k(a, b, c, steps, grid=(groups * 64,), block=(64,), race_check=race_check)
    want = c0.astype(np.float64)
    for _ in range(steps):
        want = want + (a.astype(np.float64) @ b.astype(np.float64))
    np.testing.assert_allclose(c, want, rtol=1e-4, atol=1e-4)
