"""CPU runtime: kernels in the style of Enigma's MSL emitter and of hand-written Metal,
run on the CPU and checked against numpy."""

from __future__ import annotations

import numpy as np
import pytest
from enigma import EnigmaError
from enigma import runtime as rt

VADD = """
#include <metal_stdlib>
using namespace metal;

kernel void enigma_kernel_vadd(device const float* A [[buffer(0)]], device const float* B [[buffer(1)]],
    device float* C [[buffer(2)]], constant uint& n [[buffer(3)]],
    uint3 thread_position_in_grid [[thread_position_in_grid]]) {
  uint v0 = thread_position_in_grid.x;
  if (v0 < n) { float v1 = A[v0]; float v2 = B[v0]; float v3 = v1 + v2; C[v0] = v3; }
}
"""

# Each thread adds 4 elements: launched with coarsen=4, aligned float4 and packed_float4
# accesses, scalar tail.
VADD4 = """
#include <metal_stdlib>
using namespace metal;

kernel void enigma_kernel_vadd4(device const float* A [[buffer(0)]], device const float* B [[buffer(1)]],
    device float* C [[buffer(2)]], constant uint& n [[buffer(3)]],
    uint3 thread_position_in_grid [[thread_position_in_grid]]) {
  uint i = thread_position_in_grid.x * 4u;
  if (i + 4u <= n) {
    float4 a = *((device packed_float4*)(A + i));
    float4 b = *((device float4*)(B + i));
    *((device float4*)(C + i)) = a + b;
  } else {
    for (uint j = i; j < n; ++j) C[j] = A[j] + B[j];
  }
}
"""

REDUCE = """
#include <metal_stdlib>
using namespace metal;

// Tree reduction in threadgroup memory; the last threadgroup of the grid is partial.
kernel void enigma_kernel_reduce(device const float* in [[buffer(0)]], device float* out [[buffer(1)]],
    constant uint& n [[buffer(2)]],
    uint3 gid [[thread_position_in_grid]], uint3 lid3 [[thread_position_in_threadgroup]],
    uint3 tgid [[threadgroup_position_in_grid]], uint3 tptg [[threads_per_threadgroup]]) {
  threadgroup float tg0[256];
  uint lid = lid3.x;
  tg0[lid] = gid.x < n ? in[gid.x] : 0.0f;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  for (uint s = 128u; s > 0u; s >>= 1) {
    if (lid < s && lid + s < tptg.x) tg0[lid] += tg0[lid + s];
    threadgroup_barrier(mem_flags::mem_threadgroup);
  }
  if (lid == 0u) out[tgid.x] = tg0[0];
}
"""

# 2D threadgroups sharing a 2D tile: transposes a matrix through threadgroup memory.
TRANSPOSE = """
#include <metal_stdlib>
using namespace metal;

kernel void transpose(device const float* in [[buffer(0)]], device float* out [[buffer(1)]],
                      constant uint2& size [[buffer(2)]],
                      uint2 gid [[thread_position_in_grid]], uint2 lid [[thread_position_in_threadgroup]],
                      uint2 tg [[threadgroup_position_in_grid]]) {
  threadgroup float tile[16][17];
  tile[lid.y][lid.x] = in[gid.y * size.x + gid.x];
  threadgroup_barrier(mem_flags::mem_threadgroup);
  uint ox = tg.y * 16 + lid.x, oy = tg.x * 16 + lid.y;
  out[oy * size.y + ox] = tile[lid.x][lid.y];
}
"""

SIMD = """
#include <metal_stdlib>
using namespace metal;

kernel void simd_ops(device const float* x [[buffer(0)]], device float* sum [[buffer(1)]],
    device float* excl [[buffer(2)]], device float* incl [[buffer(3)]],
    device float* shuf [[buffer(4)]], device float* down [[buffer(5)]],
    device float* xr [[buffer(6)]], device uint* ballot [[buffer(7)]],
    device float* lowsum [[buffer(8)]], device float* mx [[buffer(9)]],
    device float* bcast [[buffer(10)]], device uint* first [[buffer(11)]],
    uint gid [[thread_position_in_grid]], ushort lane [[thread_index_in_simdgroup]]) {
  float v = x[gid];
  sum[gid] = simd_sum(v);
  excl[gid] = simd_prefix_exclusive_sum(v);
  incl[gid] = simd_prefix_inclusive_sum(v);
  shuf[gid] = simd_shuffle(v, ushort((lane * 7u) % 32u));
  down[gid] = simd_shuffle_down(v, 3);
  xr[gid] = simd_shuffle_xor(v, 5);
  ballot[gid] = uint(ulong(simd_ballot(v > 0.5f)));
  float low = -1.0f;
  if (lane < 16) low = simd_sum(v);   // only lanes 0..15 are active here
  lowsum[gid] = low;
  mx[gid] = simd_max(v);
  bcast[gid] = simd_broadcast(v, 2);
  first[gid] = simd_is_first() ? 1u : 0u;
}
"""

QUAD = """
#include <metal_stdlib>
using namespace metal;

kernel void quad_ops(device const int* x [[buffer(0)]], device int4* out [[buffer(1)]],
                     uint gid [[thread_position_in_grid]]) {
  int v = x[gid];
  out[gid] = int4(quad_sum(v), quad_shuffle_xor(v, 1), quad_broadcast(v, 3), quad_prefix_exclusive_sum(v));
}
"""

HISTOGRAM = """
#include <metal_stdlib>
using namespace metal;

kernel void histogram(device const uint* data [[buffer(0)]], device atomic_uint* hist [[buffer(1)]],
    device atomic_float* total [[buffer(2)]], device atomic_int* biggest [[buffer(3)]],
    constant uint& n [[buffer(4)]],
    uint gid [[thread_position_in_grid]], uint lid [[thread_index_in_threadgroup]],
    uint tsize [[threads_per_threadgroup]]) {
  // Counts per threadgroup in threadgroup atomics, then one global add per bin.
  threadgroup atomic_uint local[16];
  // Strided: the last threadgroup of the grid may have fewer than 16 threads.
  for (uint b = lid; b < 16; b += tsize) atomic_store_explicit(&local[b], 0u, memory_order_relaxed);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  if (gid < n) {
    uint v = data[gid];
    atomic_fetch_add_explicit(&local[v % 16], 1u, memory_order_relaxed);
    atomic_fetch_add_explicit(total, float(v % 4), memory_order_relaxed);
    atomic_fetch_max_explicit(biggest, int(v), memory_order_relaxed);
  }
  threadgroup_barrier(mem_flags::mem_threadgroup);
  for (uint b = lid; b < 16; b += tsize) {
    uint c = atomic_load_explicit(&local[b], memory_order_relaxed);
    if (c) atomic_fetch_add_explicit(&hist[b], c, memory_order_relaxed);
  }
}
"""

SGEMM = """
#include <metal_stdlib>
using namespace metal;

// C = A * B with 8x8 SIMD-group matrices: two SIMD-groups per threadgroup, one 8x8 tile each.
kernel void sgemm(device const float* A [[buffer(0)]], device const float* B [[buffer(1)]],
                  device float* C [[buffer(2)]], constant uint& M [[buffer(3)]],
                  constant uint& N [[buffer(4)]], constant uint& K [[buffer(5)]],
                  uint2 tg [[threadgroup_position_in_grid]], uint sg [[simdgroup_index_in_threadgroup]]) {
  uint row = tg.y * 8, col = (tg.x * 2 + sg) * 8;
  simdgroup_float8x8 acc = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);
  simdgroup_float8x8 a, b;
  for (uint k = 0; k < K; k += 8) {
    simdgroup_load(a, A + row * K + k, K);
    simdgroup_load(b, B, N, ulong2(col, k));
    simdgroup_multiply_accumulate(acc, a, b, acc);
  }
  simdgroup_store(acc, C, N, ulong2(col, row));
}

// C = A^T * B in half, staged through threadgroup memory, transposed load.
kernel void hgemm_tn(device const half* A [[buffer(0)]], device const half* B [[buffer(1)]],
                     device float* C [[buffer(2)]], uint lid [[thread_index_in_threadgroup]]) {
  threadgroup half ta[64];
  threadgroup half tb[64];
  for (uint i = lid; i < 64; i += 32) { ta[i] = A[i]; tb[i] = B[i]; }
  threadgroup_barrier(mem_flags::mem_threadgroup);
  simdgroup_half8x8 a, b;
  simdgroup_load(a, ta, 8, ulong2(0, 0), true);
  simdgroup_load(b, tb, 8);
  simdgroup_float8x8 c(0.0f);
  simdgroup_float8x8 d;
  simdgroup_multiply_accumulate(d, a, b, c);
  simdgroup_store(d, C, 8);
}
"""

BUILTINS = """
#include <metal_stdlib>
using namespace metal;

// Writes every builtin of every thread; the grid is not a multiple of the threadgroup.
kernel void builtins(device uint* out [[buffer(0)]],
    uint3 gid [[thread_position_in_grid]], uint3 lid [[thread_position_in_threadgroup]],
    uint3 tg [[threadgroup_position_in_grid]], uint3 tptg [[threads_per_threadgroup]],
    uint3 dtptg [[dispatch_threads_per_threadgroup]], uint3 tgpg [[threadgroups_per_grid]],
    uint3 tpg [[threads_per_grid]], uint tidx [[thread_index_in_threadgroup]],
    ushort lane [[thread_index_in_simdgroup]], uint sgi [[simdgroup_index_in_threadgroup]],
    uint tps [[threads_per_simdgroup]], uint spt [[simdgroups_per_threadgroup]],
    ushort2 lid2 [[thread_position_in_threadgroup]], uint gx [[thread_position_in_grid]]) {
  uint linear = (gid.z * tpg.y + gid.y) * tpg.x + gid.x;
  device uint* o = out + linear * 28;
  o[0] = gid.x; o[1] = gid.y; o[2] = gid.z;
  o[3] = lid.x; o[4] = lid.y; o[5] = lid.z;
  o[6] = tg.x; o[7] = tg.y; o[8] = tg.z;
  o[9] = tptg.x; o[10] = tptg.y; o[11] = tptg.z;
  o[12] = dtptg.x; o[13] = dtptg.y; o[14] = dtptg.z;
  o[15] = tgpg.x; o[16] = tgpg.y; o[17] = tgpg.z;
  o[18] = tpg.x; o[19] = tpg.y; o[20] = tpg.z;
  o[21] = tidx; o[22] = lane; o[23] = sgi; o[24] = tps; o[25] = spt;
  o[26] = uint(lid2.x) + 1000u * uint(lid2.y); o[27] = gx;
}
"""

IDIOMATIC = """
#include <metal_stdlib>
using namespace metal;

struct Params {
  uint n;
  float scale;
  float2 offset;
};

// Hand-written Metal: `const device`, a struct in `constant`, a `constant` buffer, a
// scalar uint builtin, a parameter without [[buffer]] (gets the lowest free index).
kernel void saxpy(constant Params& p [[buffer(0)]], const device float* x [[buffer(1)]],
                  device float* y [[buffer(2)]], constant float* table [[buffer(3)]],
                  device float* extra,
                  uint i [[thread_position_in_grid]]) {
  if (i >= p.n) return;
  y[i] = p.scale * x[i] + y[i] + table[i % 4] + p.offset.y;
  extra[i] = float(i);
}
"""


@pytest.fixture(scope="module")
def vadd() -> rt.CpuKernel:
    return rt.compile_msl(VADD, "enigma_kernel_vadd")


def _rand(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random(n, dtype=np.float32)


def test_vector_add(vadd: rt.CpuKernel) -> None:
    n = 10_000
    a, b = _rand(n, 1), _rand(n, 2)
    c = np.zeros(n, np.float32)
    vadd(a, b, c, n, grid=(n,), block=(256,))
    np.testing.assert_array_equal(c, a + b)


def test_parsed_signature(vadd: rt.CpuKernel) -> None:
    assert [p.name for p in vadd.args] == ["A", "B", "C", "n"]
    assert [p.kind for p in vadd.params] == [
        "buffer",
        "buffer",
        "buffer",
        "scalar",
        "builtin",
    ]
    a, _, c, n, tid = vadd.params
    assert a.read_only and not c.read_only and n.read_only
    assert (n.type_name, n.element_size, n.buffer_index) == ("uint", 4, 3)
    assert (tid.builtin, tid.type_name, tid.builtin_components) == (
        "thread_position_in_grid",
        "uint3",
        3,
    )


@pytest.mark.parametrize(("n", "block"), [(1, 1), (1000, 64), (1001, 256), (777, 100)])
def test_non_multiple_grids(vadd: rt.CpuKernel, n: int, block: int) -> None:
    a, b = _rand(n, 3), _rand(n, 4)
    c = np.full(
        n + 5, -1.0, np.float32
    )  # a longer buffer: the guard `v0 < n` must hold
    vadd(a, b, c, n, grid=(n,), block=(block,))
    np.testing.assert_array_equal(c[:n], a + b)
    np.testing.assert_array_equal(c[n:], -1.0)


def test_coarsened_vector_add() -> None:
    k = rt.compile_msl(VADD4, "enigma_kernel_vadd4")
    n = 1003  # 250 full float4s and a tail of 3
    a, b = _rand(n, 5), _rand(n, 6)
    c = np.zeros(n, np.float32)
    k(a, b, c, n, grid=(n,), block=(64,), coarsen=4)
    np.testing.assert_array_equal(c, a + b)


def test_threadgroup_reduction() -> None:
    k = rt.compile_msl(REDUCE, "enigma_kernel_reduce")
    n = (
        64 * 256 + 77
    )  # many threadgroups (spread over every worker), a partial last one
    x = _rand(n, 7)
    groups = -(-n // 256)
    out = np.zeros(groups, np.float32)
    k(x, out, n, grid=(n,), block=(256,))
    expected = np.add.reduceat(x.astype(np.float64), np.arange(0, n, 256))
    np.testing.assert_allclose(out, expected, rtol=1e-5)


def test_threadgroup_tile_2d() -> None:
    k = rt.compile_msl(TRANSPOSE, "transpose")
    h, w = 48, 80
    m = _rand(h * w, 8).reshape(h, w)
    out = np.zeros((w, h), np.float32)
    k(m, out, np.array([w, h], np.uint32), grid=(w, h), block=(16, 16))
    np.testing.assert_array_equal(out, m.T)


def _simd_groups(n: int, block: int) -> list[np.ndarray]:
    """Global thread ids of every SIMD-group: 32 consecutive threads of a threadgroup."""
    groups = []
    for start in range(0, n, block):
        size = min(block, n - start)
        for s in range(0, size, 32):
            groups.append(np.arange(start + s, start + min(s + 32, size)))
    return groups


def test_simd_functions() -> None:
    k = rt.compile_msl(SIMD, "simd_ops")
    n, block = 200, 96  # a partial last threadgroup whose only SIMD-group has 8 lanes
    x = np.round(_rand(n, 9) * 8) / 8  # exactly summable in float
    outs = [np.zeros(n, np.float32) for _ in range(6)]
    ballot = np.zeros(n, np.uint32)
    lowsum, mx, bcast = (np.zeros(n, np.float32) for _ in range(3))
    first = np.zeros(n, np.uint32)
    k(x, *outs, ballot, lowsum, mx, bcast, first, grid=(n,), block=(block,))
    s_sum, s_excl, s_incl, s_shuf, s_down, s_xor = (
        np.zeros(n, np.float32) for _ in range(6)
    )
    e_ballot = np.zeros(n, np.uint32)
    e_low = np.zeros(n, np.float32)
    e_max, e_bcast = np.zeros(n, np.float32), np.zeros(n, np.float32)
    e_first = np.zeros(n, np.uint32)
    for ids in _simd_groups(n, block):
        v = x[ids]
        size = len(ids)
        for lane, g in enumerate(ids):

            def src(i: int, g: int = g, v: np.ndarray = v, size: int = size) -> float:
                return float(v[i]) if 0 <= i < size else float(x[g])

            s_sum[g] = v.sum()
            s_excl[g] = v[:lane].sum()
            s_incl[g] = v[: lane + 1].sum()
            s_shuf[g] = src((lane * 7) % 32)
            s_down[g] = src(lane + 3)
            s_xor[g] = src(lane ^ 5)
            e_ballot[g] = sum(1 << i for i in range(size) if v[i] > 0.5)
            e_low[g] = v[: min(16, size)].sum() if lane < 16 else -1.0
            e_max[g] = v.max()
            e_bcast[g] = src(2)
            e_first[g] = lane == 0
    for got, want in zip(outs, [s_sum, s_excl, s_incl, s_shuf, s_down, s_xor]):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(ballot, e_ballot)
    np.testing.assert_array_equal(lowsum, e_low)
    np.testing.assert_array_equal(mx, e_max)
    np.testing.assert_array_equal(bcast, e_bcast)
    np.testing.assert_array_equal(first, e_first)


def test_quad_functions() -> None:
    k = rt.compile_msl(QUAD, "quad_ops")
    n = 64
    x = np.arange(n, dtype=np.int32) * 3 - 50
    out = np.zeros((n, 4), np.int32)
    k(x, out, grid=(n,), block=(32,))
    q = x.reshape(-1, 4)
    expected = np.stack(
        [
            np.repeat(q.sum(1), 4),
            q[:, [1, 0, 3, 2]].reshape(-1),
            np.repeat(q[:, 3], 4),
            np.concatenate([np.cumsum(np.concatenate([[0], r[:3]])) for r in q]),
        ],
        axis=1,
    )
    np.testing.assert_array_equal(out, expected)


def test_atomics_histogram() -> None:
    k = rt.compile_msl(HISTOGRAM, "histogram")
    n = 5000
    data = np.random.default_rng(10).integers(0, 1000, n).astype(np.uint32)
    hist = np.zeros(16, np.uint32)
    total = np.zeros(1, np.float32)
    biggest = np.full(1, -1, np.int32)
    k(
        data, hist, total, biggest, n, grid=(n,), block=(128,)
    )  # last threadgroup: 8 threads
    np.testing.assert_array_equal(hist, np.bincount(data % 16, minlength=16))
    assert total[0] == float((data % 4).sum())
    assert biggest[0] == data.max()


def test_simdgroup_matrix_gemm() -> None:
    k = rt.compile_msl(SGEMM, "sgemm")
    m, n, kk = 24, 48, 40
    rng = np.random.default_rng(11)
    a = rng.random((m, kk), dtype=np.float32)
    b = rng.random((kk, n), dtype=np.float32)
    c = np.zeros((m, n), np.float32)
    k(a, b, c, m, n, kk, grid=(n // 16 * 64, m // 8), block=(64, 1))
    np.testing.assert_allclose(c, a @ b, rtol=1e-5)


def test_simdgroup_matrix_half_transposed() -> None:
    k = rt.compile_msl(SGEMM, "hgemm_tn")
    rng = np.random.default_rng(12)
    a = (rng.random((8, 8)) * 4).round().astype(np.float16)
    b = (rng.random((8, 8)) * 4).round().astype(np.float16)
    c = np.zeros((8, 8), np.float32)
    k(a, b, c, grid=(32,), block=(32,))
    np.testing.assert_array_equal(c, a.astype(np.float32).T @ b.astype(np.float32))


def test_builtins_on_partial_threadgroups() -> None:
    k = rt.compile_msl(BUILTINS, "builtins")
    grid, block = (13, 7, 3), (4, 3, 5)
    total = grid[0] * grid[1] * grid[2]
    out = np.full((total, 28), 0xFFFFFFFF, np.uint32)
    k(out, grid=grid, block=block)
    groups = [-(-g // b) for g, b in zip(grid, block)]
    for z in range(grid[2]):
        for y in range(grid[1]):
            for x in range(grid[0]):
                gid = (x, y, z)
                tg = tuple(c // b for c, b in zip(gid, block))
                lid = tuple(c % b for c, b in zip(gid, block))
                size = tuple(min(b, g - t * b) for g, b, t in zip(grid, block, tg))
                tidx = (lid[2] * size[1] + lid[1]) * size[0] + lid[0]
                count = size[0] * size[1] * size[2]
                want = [
                    *gid, *lid, *tg, *size, *block, *groups, *grid,
                    tidx, tidx % 32, tidx // 32, 32, -(-count // 32),
                    lid[0] + 1000 * lid[1], x,
                ]  # fmt: skip
                row = (z * grid[1] + y) * grid[0] + x
                assert out[row].tolist() == want, (gid, out[row].tolist(), want)


def test_idiomatic_metal() -> None:
    k = rt.compile_msl(IDIOMATIC, "saxpy")
    assert [(p.name, p.buffer_index, p.kind, p.read_only) for p in k.args] == [
        ("p", 0, "scalar", True),
        ("x", 1, "buffer", True),
        ("y", 2, "buffer", False),
        ("table", 3, "buffer", True),
        ("extra", 4, "buffer", False),
    ]
    assert k.args[0].element_size == 16  # uint, float, then float2 aligned to 8
    n = 100
    params = np.zeros(
        (), np.dtype([("n", "<u4"), ("scale", "<f4"), ("offset", "<f4", 2)])
    )
    params["n"], params["scale"], params["offset"] = n, 2.0, (0.0, 0.25)
    x, y = _rand(n + 10, 13), _rand(n + 10, 14)
    y0 = y.copy()
    table = np.array([1, 2, 3, 4], np.float32)
    extra = np.zeros(n + 10, np.float32)
    k(params, x, y, table, extra, grid=(n + 10,), block=(32,))
    want = y0.copy()
    want[:n] = 2.0 * x[:n] + y0[:n] + table[np.arange(n) % 4] + 0.25
    np.testing.assert_allclose(y, want, rtol=1e-6)
    np.testing.assert_array_equal(extra[:n], np.arange(n, dtype=np.float32))


def test_strided_arrays_are_written_back(vadd: rt.CpuKernel) -> None:
    n = 50
    a, b = _rand(2 * n, 15)[::2], _rand(n, 16)
    c = np.zeros((n, 2), np.float32)[:, 1]  # a non-contiguous view
    vadd(a, b, c, n, grid=(n,), block=(16,))
    np.testing.assert_array_equal(c, a + b)


def test_unchecked_launch(vadd: rt.CpuKernel) -> None:
    n = 4096
    a, b = _rand(n, 17), _rand(n, 18)
    c = np.zeros(n, np.float32)
    vadd(a, b, c, n, grid=(n,), block=(128,), checked=False)
    np.testing.assert_array_equal(c, a + b)


def test_empty_grid_launches_nothing(vadd: rt.CpuKernel) -> None:
    c = np.full(4, 7.0, np.float32)
    vadd(c, c, c, 4, grid=(0,), block=(4,))
    np.testing.assert_array_equal(c, 7.0)


def test_launch_raw_pointer_entry(vadd: rt.CpuKernel) -> None:
    n = 300
    a, b = _rand(n, 19), _rand(n, 20)
    c = np.zeros(n, np.float32)
    size = np.array(n, np.uint32)
    vadd.launch_raw(
        [(x.ctypes.data, x.nbytes) for x in (a, b, c, size)],
        grid=(n, 1, 1),
        block=(64, 1, 1),
    )
    np.testing.assert_array_equal(c, a + b)


def test_compile_cache(tmp_path) -> None:
    cold = rt.compile_msl(VADD, "enigma_kernel_vadd", cache_dir=tmp_path)
    assert not cold.was_cached
    assert cold.library_path.startswith(str(tmp_path))
    warm = rt.compile_msl(VADD, "enigma_kernel_vadd", cache_dir=tmp_path)
    assert warm.was_cached and warm.library_path == cold.library_path
    # The key covers the flags and the text.
    other = rt.compile_msl(
        VADD, "enigma_kernel_vadd", cache_dir=tmp_path, cxx_flags="-O1"
    )
    assert not other.was_cached and other.library_path != cold.library_path
    edited = rt.compile_msl(
        VADD + "\n// edited\n", "enigma_kernel_vadd", cache_dir=tmp_path
    )
    assert not edited.was_cached
    version = rt.header_version()
    assert (tmp_path / f"cpu-{version.split('.')[0]}" / f"include-{version}" / "metal_stdlib").is_file()
    n = 10
    a = _rand(n, 21)
    c = np.zeros(n, np.float32)
    warm(a, a, c, n, grid=(n,), block=(8,))
    np.testing.assert_array_equal(c, a + a)


def test_cache_keeps_under_its_size_limit(tmp_path, monkeypatch) -> None:
    """ENIGMA_CACHE_MAX_MB bounds the compiled kernels: the least recently used go first
    (a cache hit counts as a use), the kernel just compiled is never deleted, and scratch
    directories of compiles that died long ago are removed."""
    import os
    import time

    def variant(i: int) -> str:
        return VADD + f"\n// variant {i}\n"

    first = rt.compile_msl(variant(0), "enigma_kernel_vadd", cache_dir=tmp_path)
    size = os.path.getsize(first.library_path)
    # Room for 2.9 kernels: at the third compile the cache is over the limit and goes down to
    # three quarters of it (2.2 kernels), deleting one.
    monkeypatch.setenv("ENIGMA_CACHE_MAX_MB", str(2.9 * size / 2**20))
    stale = tmp_path / f"cpu-{rt.header_version().split('.')[0]}" / "tmp" / "dead.123.4"
    stale.mkdir(parents=True)
    (stale / "launch.cpp").write_text("// left by a compile that died")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    time.sleep(0.01)
    second = rt.compile_msl(variant(1), "enigma_kernel_vadd", cache_dir=tmp_path)
    assert not stale.exists()
    time.sleep(0.01)
    # A hit makes the first kernel the most recently used one.
    assert rt.compile_msl(variant(0), "enigma_kernel_vadd", cache_dir=tmp_path).was_cached
    time.sleep(0.01)
    third = rt.compile_msl(variant(2), "enigma_kernel_vadd", cache_dir=tmp_path)
    assert os.path.exists(third.library_path)  # just compiled: kept
    assert os.path.exists(first.library_path)  # used recently: kept
    assert not os.path.exists(second.library_path)  # least recently used: deleted
    # Deleted kernels are simply compiled again, and loaded kernels keep working.
    again = rt.compile_msl(variant(1), "enigma_kernel_vadd", cache_dir=tmp_path)
    assert not again.was_cached
    n = 16
    a = np.arange(n, dtype=np.float32)
    c = np.zeros(n, np.float32)
    second(a, a, c, n, grid=(n,), block=(8,))
    np.testing.assert_array_equal(c, a + a)
    # 0 means no limit.
    monkeypatch.setenv("ENIGMA_CACHE_MAX_MB", "0")
    for i in range(3, 6):
        rt.compile_msl(variant(i), "enigma_kernel_vadd", cache_dir=tmp_path)
    assert os.path.exists(third.library_path)


def test_gcc_compiles_the_same_text(tmp_path) -> None:
    source = VADD + SIMD.split("using namespace metal;", 1)[1]
    k = rt.compile_msl(source, "simd_ops", cxx="g++", cache_dir=tmp_path)
    n = 64
    x = np.arange(n, dtype=np.float32)
    outs = [np.zeros(n, np.float32) for _ in range(6)]
    rest = [np.zeros(n, np.uint32), np.zeros(n, np.float32), np.zeros(n, np.float32)]
    rest += [np.zeros(n, np.float32), np.zeros(n, np.uint32)]
    k(x, *outs, *rest, grid=(n,), block=(64,))
    np.testing.assert_array_equal(outs[0], np.repeat(x.reshape(2, 32).sum(1), 32))
    np.testing.assert_array_equal(
        outs[1], np.concatenate([np.cumsum(r) - r for r in x.reshape(2, 32)])
    )


def test_workers() -> None:
    assert rt.num_workers() >= 1


ALIAS = """
#include <metal_stdlib>
using namespace metal;
kernel void inplace(device float* a [[buffer(0)]], device const float* b [[buffer(1)]],
                    uint i [[thread_position_in_grid]]) {
  a[i] = b[i] + 1.0f;
  a[i] = a[i] + b[i];   // reads the new a[i] through b when both are the same memory
}
"""


def test_aliased_arguments_share_memory() -> None:
    k = rt.compile_msl(ALIAS, "inplace")
    x = np.arange(8, dtype=np.float32)
    y = x.copy()
    k(
        y, y, grid=(8,), block=(8,)
    )  # one array for both parameters: aliased, as on the GPU
    np.testing.assert_array_equal(y, 2 * x + 2)
    a, b = np.zeros(8, np.float32), x.copy()
    k(a, b, grid=(8,), block=(8,))
    np.testing.assert_array_equal(a, 2 * x + 1)
    np.testing.assert_array_equal(b, x)


SIGNED_AS_UNSIGNED = """
#include <metal_stdlib>
using namespace metal;

// Enigma prints signed i32 tensors as `device uint*` (integers are held unsigned).
kernel void negate_u(device const uint* a [[buffer(0)]], device uint* out [[buffer(1)]],
                     uint i [[thread_position_in_grid]]) {
  out[i] = uint(-int(a[i]));
}

kernel void halve_s(device const short* a [[buffer(0)]], device short* out [[buffer(1)]],
                    uint i [[thread_position_in_grid]]) {
  out[i] = short(a[i] / 2);
}
"""


def test_integer_buffers_accept_either_signedness() -> None:
    """Arrays of a same-size integer dtype of the other signedness are reinterpreted (two's
    complement): int32 arrays for `uint*` buffers, uint16 for `short*`; other sizes and
    non-integers are still rejected."""
    k = rt.compile_msl(SIGNED_AS_UNSIGNED, "negate_u")
    a = np.array([1, -2, 2**31 - 1, -(2**31)], np.int32)
    out = np.zeros(4, np.int32)
    k(a, out, grid=(4,), block=(4,))
    np.testing.assert_array_equal(out, (-a.astype(np.int64)).astype(np.int32))
    out_u = np.zeros(4, np.uint32)
    k(a, out_u, grid=(4,), block=(4,))
    np.testing.assert_array_equal(out_u.view(np.int32), out)
    k2 = rt.compile_msl(SIGNED_AS_UNSIGNED, "halve_s")
    b = np.array([65535, 10, 32768, 7], np.uint16)  # -1, 10, -32768, 7 as short
    out16 = np.zeros(4, np.uint16)
    k2(b, out16, grid=(4,), block=(4,))
    np.testing.assert_array_equal(out16.view(np.int16), [0, 5, -16384, 3])
    for bad in (np.zeros(4, np.int16), np.zeros(4, np.float32), np.zeros(4, np.int64)):
        with pytest.raises(EnigmaError, match=r"array of .* for a buffer of uint") as exc:
            k(bad, out, grid=(4,), block=(4,))
        assert exc.value.kind == "invalid_argument"


BARRIER_SITES = """
#include <metal_stdlib>
using namespace metal;

// Even and odd threads wait at barriers at different call sites: matched by count, as on the
// hardware, so both release each other (docs/cpu-runtime.md, Scheduling).
kernel void split_barrier(device uint* out [[buffer(0)]], uint lid [[thread_position_in_threadgroup]]) {
  threadgroup uint tg[64];
  tg[lid] = lid;
  if (lid % 2 == 0) {
    threadgroup_barrier(mem_flags::mem_threadgroup);
    out[lid] = tg[63 - lid];
  } else {
    threadgroup_barrier(mem_flags::mem_threadgroup);
    out[lid] = tg[63 - lid] + 100;
  }
}
"""


def test_barriers_match_by_count_across_call_sites() -> None:
    k = rt.compile_msl(BARRIER_SITES, "split_barrier")
    out = np.zeros(64, np.uint32)
    k(out, grid=(64,), block=(64,))
    lid = np.arange(64, dtype=np.uint32)
    np.testing.assert_array_equal(out, (63 - lid) + np.where(lid % 2 == 0, 0, 100))


SIGNED_CHAR = """
#include <metal_stdlib>
using namespace metal;
kernel void chars(device const uchar* in [[buffer(0)]], device int* out [[buffer(1)]],
                  uint i [[thread_position_in_grid]]) {
  char c = char(in[i]);     // Metal's char is signed on every host
  out[i] = int(c) + (c < 0 ? 1000 : 0);
}
"""


def test_plain_char_is_signed() -> None:
    k = rt.compile_msl(SIGNED_CHAR, "chars")
    x = np.array([0, 1, 127, 128, 200, 255], np.uint8)
    out = np.zeros(6, np.int32)
    k(x, out, grid=6, block=6)
    np.testing.assert_array_equal(out, x.view(np.int8).astype(np.int32) + np.where(x >= 128, 1000, 0))
