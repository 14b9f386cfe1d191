"""simdgroup_matrix::thread_elements() on the CPU runtime (MetalSimdgroupMatrix.h).

Each lane of a SIMD-group holds two elements of an 8x8 SIMD-group matrix, in Apple's layout:
lane l has row (l / 4 & 4) + (l / 2) % 4, columns c and c + 1 with c = (l / 4 & 2) * 2 +
(l % 2) * 2. A kernel that names thread_elements() keeps every lane's elements (writes through
thread_elements() count in later multiplies and stores). Our own kernels, checked against numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

from enigma import runtime

HEADER = "#include <metal_stdlib>\nusing namespace metal;\n"


def owned(lane: int) -> tuple[int, int]:
    q = lane // 4
    return (q & 4) + (lane // 2) % 4, (q & 2) * 2 + (lane % 2) * 2


MODES = ["default", "0"]


@pytest.fixture(params=MODES)
def mode(request, monkeypatch):
    if request.param == "default":
        monkeypatch.delenv("ENIGMA_CPU_ADDRESS_SPACES", raising=False)
    else:
        monkeypatch.setenv("ENIGMA_CPU_ADDRESS_SPACES", request.param)
    return request.param


LAYOUT = HEADER + r"""
kernel void layout(device float* out [[buffer(0)]], device float2* mine [[buffer(1)]],
                   uint lane [[thread_index_in_simdgroup]]) {
  simdgroup_float8x8 m = make_filled_simdgroup_matrix<float, 8, 8>(-1.0f);
  m.thread_elements()[0] = float(lane);
  m.thread_elements()[1] = float(lane) + 0.5f;
  simdgroup_store(m, out, 8);                      // the lanes' elements, gathered
  simdgroup_float8x8 n;
  simdgroup_load(n, out, 8);
  mine[lane] = n.thread_elements();                // read back by each lane
}
"""


def test_thread_elements_layout(mode):
    k = runtime.compile_msl(LAYOUT, "layout")
    out = np.zeros((8, 8), np.float32)
    mine = np.zeros((32, 2), np.float32)
    k(out, mine, grid=(32,), block=(32,))
    want = np.full((8, 8), np.nan, np.float32)
    for lane in range(32):
        r, c = owned(lane)
        want[r, c], want[r, c + 1] = lane, lane + 0.5
    np.testing.assert_array_equal(out, want)  # every element owned exactly once
    np.testing.assert_array_equal(mine, np.stack([np.arange(32), np.arange(32) + 0.5], 1))


GEMM = HEADER + r"""
inline void owned(ushort lane, thread uint& r, thread uint& c) {
  uint q = lane / 4;
  r = (q & 4) + (lane / 2) % 4;
  c = (q & 2) * 2 + (lane % 2) * 2;
}
template <typename T>
kernel void gemm(device const T* a [[buffer(0)]], device const T* b [[buffer(1)]],
                 device float* c [[buffer(2)]], constant uint& K [[buffer(3)]],
                 ushort lane [[thread_index_in_simdgroup]],
                 uint sg [[simdgroup_index_in_threadgroup]]) {
  // Each SIMD-group computes one 8x8 tile of C (8 * sg rows), fragments loaded lane by lane.
  uint r, col;
  owned(lane, r, col);
  simdgroup_float8x8 acc = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);
  for (uint k0 = 0; k0 < K; k0 += 8) {
    simdgroup_matrix<T, 8, 8> ma, mb;
    thread auto& ea = ma.thread_elements();
    ea[0] = a[(8 * sg + r) * K + k0 + col];
    ea[1] = a[(8 * sg + r) * K + k0 + col + 1];
    mb.thread_elements() = vec<T, 2>(b[(k0 + r) * 8 + col], b[(k0 + r) * 8 + col + 1]);
    simdgroup_multiply_accumulate(acc, ma, mb, acc);
  }
  // ReLU on the lane's own elements, then a store through them and one through simdgroup_store.
  thread float2& e = acc.thread_elements();
  e = max(e, float2(0.0f));
  c[(8 * sg + r) * 8 + col] = e.x;
  c[(8 * sg + r) * 8 + col + 1] = e.y;
  simdgroup_store(acc * make_filled_simdgroup_matrix<float, 8, 8>(0.0f), c + 64 * 4 + 64 * sg, 8);
  simdgroup_float8x8 twice = acc;
  twice.thread_elements() *= 2.0f;
  simdgroup_store(twice, c + 64 * 8 + 64 * sg, 8);
}
template [[host_name("gemm_f32")]] [[kernel]] decltype(gemm<float>) gemm<float>;
template [[host_name("gemm_f16")]] [[kernel]] decltype(gemm<half>) gemm<half>;
"""


@pytest.mark.parametrize("name, dtype", [("gemm_f32", np.float32), ("gemm_f16", np.float16)])
def test_gemm_with_fragments_through_thread_elements(mode, name, dtype):
    k = runtime.compile_msl(GEMM, name)
    K = 24
    rng = np.random.default_rng(12)
    a = rng.standard_normal((32, K)).astype(dtype)
    b = rng.standard_normal((K, 8)).astype(dtype)
    c = np.full(64 * 12, np.nan, np.float32)
    k(a, b, c, K, grid=(128,), block=(128,))
    want = np.maximum(a.astype(np.float64) @ b.astype(np.float64), 0).astype(np.float32)
    tol = 1e-5 if dtype == np.float32 else 1e-3
    np.testing.assert_allclose(c[:256].reshape(32, 8), want, rtol=tol, atol=tol)
    np.testing.assert_array_equal(c[256:512], 0)
    np.testing.assert_allclose(c[512:].reshape(32, 8), 2 * want, rtol=tol, atol=tol)


def test_race_check_and_bounds_check_see_no_false_positive(monkeypatch):
    monkeypatch.delenv("ENIGMA_CPU_ADDRESS_SPACES", raising=False)
    k = runtime.compile_msl(GEMM, "gemm_f32")
    K = 8
    rng = np.random.default_rng(13)
    a = rng.standard_normal((32, K)).astype(np.float32)
    b = rng.standard_normal((K, 8)).astype(np.float32)
    c = np.zeros(64 * 12, np.float32)
    k(a, b, c, K, grid=(128,), block=(128,), race_check=True)
    np.testing.assert_allclose(c[:256].reshape(32, 8), np.maximum(a @ b, 0), rtol=1e-5, atol=1e-5)


def test_kernels_without_thread_elements_keep_the_leader():
    # Only a kernel that names thread_elements() gets the per-lane elements; others compile as
    # before (the member does not exist there).
    src = HEADER + r"""
kernel void k(device float* out [[buffer(0)]]) {
  simdgroup_float8x8 m = make_filled_simdgroup_matrix<float, 8, 8>(2.0f);
  simdgroup_store(m * m, out, 8);
}
"""
    k = runtime.compile_msl(src, "k")
    out = np.zeros(64, np.float32)
    k(out, grid=(32,), block=(32,))
    np.testing.assert_array_equal(out, 32.0)
