"""CPU runtime, SIMD-group execution (issue 19): reductions and scans computed once per exchange
and shared by its lanes, simdgroup matrices computed by one lane (the SIMD-group's leader) alone. Every edge the
optimizations touch, against numpy computed in the lanes' order: divergent lanes, lanes that
exited, partial SIMD-groups, several exchanges of one SIMD-group in a row, out-of-bounds
simdgroup loads and stores still reported, the race check still seeing the matrix stores."""

from __future__ import annotations

import numpy as np
import pytest
from enigma import EnigmaError
from enigma import runtime as rt

HEADER = "#include <metal_stdlib>\nusing namespace metal;\n"


def kernel(body: str, name: str, **kw: object) -> rt.CpuKernel:
    return rt.compile_msl(HEADER + body, name, **kw)


def lanes_of(n: int, block: int) -> list[list[int]]:
    """Thread indices of every SIMD-group of a 1D launch of n threads in blocks of `block`."""
    groups = []
    for start in range(0, n, block):
        size = min(block, n - start)
        for s in range(0, size, 32):
            groups.append(list(range(start + s, start + min(s + 32, size))))
    return groups


def seq_reduce(values: list, op) -> object:
    acc = values[0]
    for v in values[1:]:
        acc = op(acc, v)
    return acc


f32 = np.float32

# Every lane of the active set takes part: `active` decides which lanes call the functions
# (the others return first), so reductions combine the active lanes only.
REDUCTIONS = """
kernel void reductions(device const float* x [[buffer(0)]], device const int* k [[buffer(1)]],
    device float* fout [[buffer(2)]], device int* iout [[buffer(3)]],
    constant uint& mode [[buffer(4)]], uint gid [[thread_position_in_grid]],
    ushort lane [[thread_index_in_simdgroup]]) {
  bool active = mode == 0u ? true : mode == 1u ? (lane % 3u != 1u) : (lane >= 5u);
  if (!active)
    return;
  float v = x[gid];
  int i = k[gid];
  fout[gid * 8 + 0] = simd_sum(v);
  fout[gid * 8 + 1] = simd_product(v);
  fout[gid * 8 + 2] = simd_min(v);
  fout[gid * 8 + 3] = simd_max(v);
  fout[gid * 8 + 4] = simd_prefix_inclusive_sum(v);
  fout[gid * 8 + 5] = simd_prefix_exclusive_sum(v);
  fout[gid * 8 + 6] = simd_prefix_inclusive_product(v);
  fout[gid * 8 + 7] = simd_prefix_exclusive_product(v);
  iout[gid * 4 + 0] = simd_and(i);
  iout[gid * 4 + 1] = simd_or(i);
  iout[gid * 4 + 2] = simd_xor(i);
  iout[gid * 4 + 3] = simd_sum(i);
}
"""


@pytest.mark.parametrize("mode", [0, 1, 2])
@pytest.mark.parametrize("n,block", [(64, 64), (100, 40), (45, 45)])
def test_reductions_and_scans_of_the_active_lanes(mode: int, n: int, block: int) -> None:
    k = kernel(REDUCTIONS, "reductions")
    rng = np.random.default_rng(mode * 100 + n)
    x = (rng.random(n, dtype=np.float32) + 0.5).astype(np.float32)
    ki = rng.integers(-1000, 1000, n, dtype=np.int32)
    fout = np.full(n * 8, -7.0, np.float32)
    iout = np.full(n * 4, -7, np.int32)
    k(x, ki, fout, iout, mode, grid=(n,), block=(block,))
    fout, iout = fout.reshape(n, 8), iout.reshape(n, 4)
    for group in lanes_of(n, block):
        act = [t for t in group if (mode == 0 or (mode == 1 and (t - group[0]) % 3 != 1)
                                    or (mode == 2 and t - group[0] >= 5))]
        for t in group:
            if t not in act:
                np.testing.assert_array_equal(fout[t], -7.0)
                np.testing.assert_array_equal(iout[t], -7)
        if not act:
            continue
        xs = [f32(x[t]) for t in act]
        is_ = [int(ki[t]) for t in act]
        red = [seq_reduce(xs, lambda a, b: f32(a + b)), seq_reduce(xs, lambda a, b: f32(a * b)),
               min(xs), max(xs)]
        for t in act:
            before = [x[u] for u in act if u < t]
            upto = before + [x[t]]
            want = red + [
                seq_reduce([f32(0)] + upto, lambda a, b: f32(a + b)),
                seq_reduce([f32(0)] + before, lambda a, b: f32(a + b)),
                seq_reduce([f32(1)] + upto, lambda a, b: f32(a * b)),
                seq_reduce([f32(1)] + before, lambda a, b: f32(a * b)),
            ]
            # The same operations in the same order as lane by lane: bit-exact.
            np.testing.assert_array_equal(fout[t], np.array(want, np.float32), err_msg=f"t={t}")
            wand = seq_reduce(is_, lambda a, b: a & b)
            wor = seq_reduce(is_, lambda a, b: a | b)
            wxor = seq_reduce(is_, lambda a, b: a ^ b)
            np.testing.assert_array_equal(iout[t], [wand, wor, wxor, sum(is_)], err_msg=f"t={t}")


# Exchanges of one SIMD-group at two call sites in turn (divergent branches), and the same
# sites many times in a loop: each exchange gets its own shared result.
SITES = """
kernel void sites(device const float* x [[buffer(0)]], device float* out [[buffer(1)]],
    uint gid [[thread_position_in_grid]], ushort lane [[thread_index_in_simdgroup]]) {
  float v = x[gid];
  float acc = 0.0f;
  for (uint r = 0; r < 4; ++r) {
    if (lane % 2u == 0u)
      acc += simd_sum(v * float(r + 1));
    else
      acc += simd_prefix_inclusive_sum(v + float(r));
    acc += simd_max(v - float(r));
  }
  out[gid] = acc;
}
"""


def test_several_exchanges_of_one_simdgroup_get_their_own_results() -> None:
    k = kernel(SITES, "sites")
    n = 96
    x = np.random.default_rng(5).random(n, dtype=np.float32)
    out = np.zeros(n, np.float32)
    k(x, out, grid=(n,), block=(48,))
    for group in lanes_of(n, 48):
        even = [t for t in group if (t - group[0]) % 2 == 0]
        odd = [t for t in group if (t - group[0]) % 2 == 1]
        for t in group:
            acc = f32(0)
            for r in range(4):
                if t in even:
                    acc = f32(acc + seq_reduce([f32(x[u] * f32(r + 1)) for u in even],
                                               lambda a, b: f32(a + b)))
                else:
                    acc = f32(acc + seq_reduce([f32(0)] + [f32(x[u] + f32(r)) for u in odd
                                                           if u <= t], lambda a, b: f32(a + b)))
                # Lanes at another call site are inactive (Metal's divergence): the even lanes
                # reach simd_max while the odd ones still wait at the scan, and run ahead.
                same = even if t in even else odd
                acc = f32(acc + max(f32(x[u] - f32(r)) for u in same))
            assert out[t] == acc, (t, out[t], acc)


# lanes 0..7 of every SIMD-group return before the shuffle: reading them gives the caller's own
# value, the reduction skips them.
EXITED = """
kernel void exited(device const float* x [[buffer(0)]], device float* out [[buffer(1)]],
    uint gid [[thread_position_in_grid]], ushort lane [[thread_index_in_simdgroup]]) {
  if (lane < 8u)
    return;
  float v = x[gid];
  out[gid * 3 + 0] = simd_shuffle(v, ushort(lane ^ 4u));
  out[gid * 3 + 1] = simd_sum(v);
  out[gid * 3 + 2] = simd_broadcast_first(v);
}
"""


def test_lanes_that_exited_do_not_take_part() -> None:
    k = kernel(EXITED, "exited")
    n = 64
    x = np.random.default_rng(6).random(n, dtype=np.float32)
    out = np.zeros(n * 3, np.float32)
    k(x, out, grid=(n,), block=(n,))
    out = out.reshape(n, 3)
    for base in (0, 32):
        live = list(range(base + 8, base + 32))
        total = seq_reduce([f32(x[u]) for u in live], lambda a, b: f32(a + b))
        for t in range(base, base + 32):
            if t < base + 8:
                np.testing.assert_array_equal(out[t], 0)
                continue
            src = base + ((t - base) ^ 4)
            want = x[src] if src >= base + 8 else x[t]
            np.testing.assert_array_equal(out[t], [want, total, x[base + 8]])


GEMM = """
// One 8x8 tile of C per SIMD-group; the threadgroup's last SIMD-group may be partial.
kernel void gemm(device const float* A [[buffer(0)]], device const float* B [[buffer(1)]],
    device float* C [[buffer(2)]], constant uint& N [[buffer(3)]],
    uint2 tg [[threadgroup_position_in_grid]], uint sg [[simdgroup_index_in_threadgroup]],
    ushort lane [[thread_index_in_simdgroup]], device float* trace [[buffer(4)]],
    uint t [[thread_index_in_threadgroup]], uint spt [[simdgroups_per_threadgroup]]) {
  uint row = tg.y * 8, col = (tg.x * spt + sg) * 8;
  // Divergent lanes elsewhere: a SIMD-group function in a lane-dependent branch.
  float x = lane % 2u == 0u ? simd_sum(1.0f) : simd_max(float(lane));
  simdgroup_float8x8 acc = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);
  simdgroup_float8x8 a, b;
  for (uint k = 0; k < N; k += 8) {
    simdgroup_load(a, A + row * N + k, N);
    simdgroup_load(b, B, N, ulong2(col, k), false);
    simdgroup_multiply_accumulate(acc, a, b, acc);
  }
  simdgroup_store(acc, C, N, ulong2(col, row));
  trace[tg.y * 1000 + tg.x * 100 + t] = x;
}
"""


@pytest.mark.parametrize("block", [64, 40])
def test_simdgroup_matrix_gemm_with_partial_and_divergent_simdgroups(block: int) -> None:
    # block 40: the second SIMD-group has 8 lanes (lane 0 exists in every SIMD-group).
    k = kernel(GEMM, "gemm")
    n = 32
    rng = np.random.default_rng(7)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    c = np.zeros((n, n), np.float32)
    trace = np.zeros(10000, np.float32)
    spt = (block + 31) // 32
    k(a, b, c, n, trace, grid=(n // 8 // spt * block, n // 8), block=(block, 1))
    np.testing.assert_allclose(c, a.astype(np.float64) @ b, rtol=1e-5)
    for t in range(block):
        lanes = 32 if t < 32 else block - 32
        want = lanes // 2 + lanes % 2 if (t % 32) % 2 == 0 else max(range(1, lanes, 2))
        assert trace[t] == want, (t, trace[t], want)


# simdgroup_store to threadgroup memory, then every lane (and the other SIMD-group) reads what
# lane 0's store wrote; lanes of the second SIMD-group return early after their part.
TG_ROUND_TRIP = """
kernel void round_trip(device const half* A [[buffer(0)]], device float* C [[buffer(1)]],
    uint t [[thread_index_in_threadgroup]], uint sg [[simdgroup_index_in_threadgroup]]) {
  threadgroup float tile[2][64];
  simdgroup_half8x8 a;
  simdgroup_load(a, A + sg * 64, 8, ulong2(0, 0), sg == 1u);
  simdgroup_float8x8 p;
  simdgroup_multiply(p, a, a);
  p = p * simdgroup_float8x8(2.0f);
  simdgroup_store(p, tile[sg], 8);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  uint lane = t % 32u;
  for (uint j = 0; j < 2u; ++j) {
    C[t * 2 + j] = tile[1u - sg][lane * 2 + j];
    C[128 + t * 2 + j] = tile[sg][lane * 2 + j];
  }
}
"""


def test_matrix_results_reach_every_lane_through_memory() -> None:
    k = kernel(TG_ROUND_TRIP, "round_trip")
    a = (np.random.default_rng(8).random(128) * 2).astype(np.float16)
    c = np.zeros(256, np.float32)
    k(a, c, grid=(64,), block=(64,))
    m0 = a[:64].reshape(8, 8).astype(np.float32)
    m1 = a[64:].reshape(8, 8).astype(np.float32).T
    # half inputs, float accumulation and result
    p0 = ((m0 @ m0) * 2).ravel()
    p1 = ((m1 @ m1) * 2).ravel()
    np.testing.assert_allclose(c[:64], p1, rtol=1e-3)
    np.testing.assert_allclose(c[64:128], p0, rtol=1e-3)
    np.testing.assert_allclose(c[128:192], p0, rtol=1e-3)
    np.testing.assert_allclose(c[192:], p1, rtol=1e-3)


OOB = """
kernel void oob_second(device const float* A [[buffer(0)]], device float* C [[buffer(1)]],
    uint sg [[simdgroup_index_in_threadgroup]]) {
  simdgroup_float8x8 m;
  simdgroup_load(m, A + sg * 64);
  simdgroup_store(m, C + sg * 64);
}
"""


@pytest.mark.parametrize("short", ["A", "C"])
def test_out_of_bounds_simdgroup_load_and_store_of_a_later_simdgroup(short: str) -> None:
    k = kernel(OOB, "oob_second")
    a = np.ones(128 if short == "C" else 127, np.float32)
    c = np.zeros(127 if short == "C" else 128, np.float32)
    with pytest.raises(EnigmaError) as info:
        k(a, c, grid=(64,), block=(64,))
    msg = str(info.value)
    assert info.value.kind == "out_of_bounds", msg
    assert f"buffer '{short}'" in msg and ("read" if short == "A" else "write") in msg, msg
    # The second SIMD-group's lane 0 performs its load and store.
    assert "thread (32,0,0) of the threadgroup" in msg, msg
    if k.bounds_check == "exact":
        assert "oob_second.metal:" in msg, msg


RACE = """
kernel void mm_race(device const float* A [[buffer(0)]], device float* C [[buffer(1)]],
    uint t [[thread_index_in_threadgroup]], uint sg [[simdgroup_index_in_threadgroup]]) {
  threadgroup float tile[64];
  simdgroup_float8x8 a;
  simdgroup_load(a, A, 8);
  if (sg == 0u)
    simdgroup_store(a, tile, 8);
  BARRIER
  if (sg == 1u)
    C[t - 32] = tile[t - 32];
}
"""


def test_race_check_sees_the_matrix_store_of_lane_0() -> None:
    a = np.random.default_rng(9).random(64).astype(np.float32)
    c = np.zeros(32, np.float32)
    ok = kernel(RACE.replace("BARRIER", "threadgroup_barrier(mem_flags::mem_threadgroup);"),
                "mm_race")
    ok(a, c, grid=(64,), block=(64,), race_check=True)
    np.testing.assert_array_equal(c, a[:32])
    bad = kernel(RACE.replace("BARRIER", ""), "mm_race")
    with pytest.raises(EnigmaError) as info:
        bad(a, c, grid=(64,), block=(64,), race_check=True)
    msg = str(info.value)
    assert info.value.kind == "data_race", msg
    assert "threadgroup memory 'tile'" in msg and "thread (0,0,0)" in msg, msg
    store_line = (HEADER + RACE).splitlines().index("    simdgroup_store(a, tile, 8);") + 1
    assert f"write by threadgroup (0,0,0), thread (0,0,0)" in msg, msg  # lane 0's store
    assert f"at mm_race.metal:{store_line}:" in msg, msg


# The first lanes of every SIMD-group return before the matrix work (Metal's rule only asks the
# lanes that remain to call it uniformly... here all that remain do): the first lane to call a
# matrix function leads, and exited lanes do not lose the result.
EXITED_FIRST = """
kernel void exited_first(device const float* A [[buffer(0)]], device float* C [[buffer(1)]],
    ushort lane [[thread_index_in_simdgroup]], uint sg [[simdgroup_index_in_threadgroup]],
    constant uint& skip [[buffer(2)]]) {
  if (lane < skip)
    return;
  simdgroup_float8x8 a, p;
  simdgroup_load(a, A + sg * 64, 8);
  simdgroup_multiply(p, a, a);
  simdgroup_store(p, C + sg * 64, 8);
}
"""


@pytest.mark.parametrize("skip", [0, 1, 4, 31])
def test_lanes_that_exited_before_the_matrix_work(skip: int) -> None:
    k = kernel(EXITED_FIRST, "exited_first")
    a = np.random.default_rng(10 + skip).random(128).astype(np.float32)
    c = np.zeros(128, np.float32)
    k(a, c, skip, grid=(64,), block=(64,))
    for sg in range(2):
        m = a[sg * 64:(sg + 1) * 64].reshape(8, 8).astype(np.float64)
        np.testing.assert_allclose(c[sg * 64:(sg + 1) * 64], (m @ m).ravel(), rtol=1e-5)
    # The leader's store is the one the race check sees: no race within a SIMD-group, and the
    # leader (lane `skip`) is named in a race between SIMD-groups.
    k(a, c, skip, grid=(64,), block=(64,), race_check=True)
    bad = kernel(EXITED_FIRST.replace("C + sg * 64", "C"), "exited_first")
    with pytest.raises(EnigmaError) as info:
        bad(a, c, skip, grid=(64,), block=(64,), race_check=True)
    msg = str(info.value)
    assert info.value.kind == "data_race", msg
    assert f"thread ({skip},0,0)" in msg and f"thread ({32 + skip},0,0)" in msg, msg
    # An out-of-bounds load is reported for the leader.
    with pytest.raises(EnigmaError) as info:
        k(a[:127], c, skip, grid=(64,), block=(64,))
    assert info.value.kind == "out_of_bounds", str(info.value)
    assert f"thread ({32 + skip},0,0) of the threadgroup" in str(info.value), str(info.value)
