"""CPU runtime, kernels in lane-loop form (issue 19; docs/cpu-runtime.md, *Lane loops*): a kernel
whose SIMD-group functions and barriers are all reached by whole SIMD-groups (threadgroups)
runs its threads as steps between synchronization points, without fibers. Every shape against
numpy and bit for bit against the fiber path (ENIGMA_CPU_LANES=0): converged loops with
simd_sum, prefix scans, shuffles, barriers mixed with SIMD-group functions, ballots and votes,
quad functions, partial SIMD-groups and threadgroups; kernels the pass cannot prove converged
(divergent exchanges, lanes leaving early, lane-dependent loop counts) keep the fibers."""

from __future__ import annotations

import ctypes
import os

import numpy as np
import pytest
from enigma import EnigmaError
from enigma import runtime as rt

HEADER = "#include <metal_stdlib>\nusing namespace metal;\n"


def kernel(body: str, name: str, **kw: object) -> rt.CpuKernel:
    k = rt.compile_msl(HEADER + body, name, **kw)
    if k.bounds_check != "exact":
        pytest.skip("lane-loop form needs the pass plugin (exact bounds checks)")
    return k


def in_lane_form(k: rt.CpuKernel) -> bool:
    """Whether the compiled kernel has its lane-loop form (the pass exports its step)."""
    lib = ctypes.CDLL(k.library_path)
    return hasattr(lib, "__enigma_lanes_step")


def both(monkeypatch: pytest.MonkeyPatch, k: rt.CpuKernel, outs: list[int], args: list,
         **launch: object) -> list[list[np.ndarray]]:
    """Runs k with lane loops (the default) and with fibers (ENIGMA_CPU_LANES=0) on copies of
    `args`; returns the arrays at the indices `outs` of each run, after checking that both runs
    wrote the same bits."""
    results = []
    for lanes in ("1", "0"):
        monkeypatch.setenv("ENIGMA_CPU_LANES", lanes)
        a = [x.copy() if isinstance(x, np.ndarray) else x for x in args]
        k(*a, **launch)
        results.append([a[i] for i in outs])
    monkeypatch.delenv("ENIGMA_CPU_LANES")
    for x, y in zip(results[0], results[1]):
        assert x.tobytes() == y.tobytes()
    return results


ONLINE_SOFTMAX = """
// One row per SIMD-group; every lane holds one column of v; a simd_sum per key inside a loop
// whose trip count is a constant buffer value.
kernel void softmax_rows(device const float* q [[buffer(0)]], device const float* k [[buffer(1)]],
    device const float* v [[buffer(2)]], device float* o [[buffer(3)]],
    constant uint& keys [[buffer(4)]], uint row [[simdgroup_index_in_threadgroup]],
    uint tg [[threadgroup_position_in_grid]], ushort lane [[thread_index_in_simdgroup]]) {
  uint r = tg * 2 + row;
  float qv = q[r * 32 + lane];
  float m = -INFINITY, l = 0.0f, acc = 0.0f;
  for (uint j = 0; j < keys; ++j) {
    float s = simd_sum(qv * k[j * 32 + lane]);
    float mn = max(m, s);
    float c = exp(m - mn), p = exp(s - mn);
    l = l * c + p;
    acc = acc * c + p * v[j * 32 + lane];
    m = mn;
  }
  o[r * 32 + lane] = acc / l;
}
"""


# (The lane loops are vectorized 8 and 4 wide: 10 rows of 67 keys run more vector iterations.)
@pytest.mark.parametrize("rows,keys,seed", [(6, 40, 1), (10, 67, 11)])
def test_converged_loop_with_simd_sum(monkeypatch: pytest.MonkeyPatch, rows: int, keys: int,
                                      seed: int) -> None:
    k = kernel(ONLINE_SOFTMAX, "softmax_rows")
    assert in_lane_form(k)
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((rows, 32), dtype=np.float32)
    kk = rng.standard_normal((keys, 32), dtype=np.float32)
    v = rng.standard_normal((keys, 32), dtype=np.float32)
    o = np.zeros((rows, 32), np.float32)
    (got,), _ = both(monkeypatch, k, [3], [q, kk, v, o, keys], grid=(rows * 32,), block=(64,))
    s = q @ kk.T
    p = np.exp(s - s.max(axis=1, keepdims=True))
    want = (p @ v) / p.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


SCAN = """
kernel void block_scan(device const float* in [[buffer(0)]], device float* out [[buffer(1)]],
    device float* sums [[buffer(2)]], uint gid [[thread_position_in_grid]],
    ushort lane [[thread_index_in_simdgroup]], ushort sg [[simdgroup_index_in_threadgroup]],
    ushort nsg [[simdgroups_per_threadgroup]]) {
  threadgroup float totals[32];
  float v = in[gid];
  float x = simd_prefix_inclusive_sum(v);
  float r = v;
  for (ushort d = 16; d > 0; d /= 2)
    r += simd_shuffle_down(r, d);
  float last = simd_shuffle(x, 31);  // lane 31 may not exist: then every lane's own value
  float first = simd_broadcast_first(last);  // lane 0's: its own x when lane 31 does not exist
  if (lane == 0) {
    sums[gid / 32] = r;
    totals[sg] = first;
  }
  threadgroup_barrier(mem_flags::mem_threadgroup);
  if (sg == 0)
    totals[lane] = simd_prefix_exclusive_sum(lane < nsg ? totals[lane] : 0.0f);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  out[gid] = x + totals[sg];
}
"""


@pytest.mark.parametrize("n,block", [(1024, 256), (1000, 256), (96, 96), (70, 64)])
def test_prefix_scans_shuffles_and_barriers(monkeypatch: pytest.MonkeyPatch, n: int,
                                            block: int) -> None:
    k = kernel(SCAN, "block_scan")
    assert in_lane_form(k)
    x = np.random.default_rng(2).random(n, dtype=np.float32)
    out = np.zeros(n, np.float32)
    sums = np.zeros((n + 31) // 32, np.float32)
    (got, got_sums), _ = both(monkeypatch, k, [1, 2], [x, out, sums], grid=(n,), block=(block,))
    for start in range(0, n, block):
        part = x[start:min(start + block, n)]
        np.testing.assert_allclose(got[start:start + len(part)], np.cumsum(part), rtol=1e-5)
    full = n // 32 * 32
    np.testing.assert_allclose(got_sums[: n // 32], x[:full].reshape(-1, 32).sum(axis=1),
                               rtol=1e-5)


VOTES = """
kernel void votes(device const float* x [[buffer(0)]], device uint* out [[buffer(1)]],
    uint gid [[thread_position_in_grid]], ushort lane [[thread_index_in_simdgroup]]) {
  float v = x[gid];
  simd_vote b = simd_ballot(v > 0.5f);
  out[gid * 6 + 0] = uint(uint64_t(simd_vote::vote_t(b)) & 0xffffffffu);
  out[gid * 6 + 1] = simd_all(v >= 0.0f) ? 1u : 0u;
  out[gid * 6 + 2] = simd_any(v > 0.99f) ? 1u : 0u;
  out[gid * 6 + 3] = as_type<uint>(quad_sum(v));
  out[gid * 6 + 4] = as_type<uint>(quad_shuffle_xor(v, 1));
  out[gid * 6 + 5] = simd_is_first() ? 1u : 0u;
}
"""


@pytest.mark.parametrize("n", [64, 50])
def test_ballot_votes_and_quad_functions(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    k = kernel(VOTES, "votes")
    assert in_lane_form(k)
    x = np.random.default_rng(3).random(n, dtype=np.float32)
    out = np.zeros(n * 6, np.uint32)
    (got,), _ = both(monkeypatch, k, [1], [x, out], grid=(n,), block=(64,))
    got = got.reshape(n, 6)
    for s in range(0, n, 32):
        lanes = x[s:min(s + 32, n)]
        ballot = sum(1 << i for i, v in enumerate(lanes) if v > 0.5)
        assert (got[s:s + len(lanes), 0] == ballot).all()
        assert (got[s:s + len(lanes), 2] == int((lanes > 0.99).any())).all()
        assert got[s, 5] == 1 and not got[s + 1:s + len(lanes), 5].any()
    assert (got[:, 1] == 1).all()
    for q in range(0, n - n % 4, 4):
        quad = x[q:q + 4]
        total = np.float32(np.float32(np.float32(quad[0] + quad[1]) + quad[2]) + quad[3])
        assert (got[q:q + 4, 3].view(np.float32) == total).all()
        assert (got[q:q + 4, 4].view(np.float32) == quad[[1, 0, 3, 2]]).all()


BARRIER_REDUCE = """
// A threadgroup sum: simd_sum per SIMD-group, partial sums through threadgroup memory and a
// barrier, the first SIMD-group sums them, a second barrier, everyone reads the total; twice
// (in a loop with a barrier inside).
kernel void tg_sum(device const float* x [[buffer(0)]], device float* out [[buffer(1)]],
    uint gid [[thread_position_in_grid]], uint tid [[thread_index_in_threadgroup]],
    ushort lane [[thread_index_in_simdgroup]], ushort sg [[simdgroup_index_in_threadgroup]],
    ushort nsg [[simdgroups_per_threadgroup]]) {
  threadgroup float part[32];
  threadgroup float total;
  float v = x[gid];
  for (int round = 0; round < 2; ++round) {
    float s = simd_sum(v);
    if (lane == 0)
      part[sg] = s;
    threadgroup_barrier(mem_flags::mem_threadgroup);
    if (sg == 0) {
      float t = simd_sum(lane < nsg ? part[lane] : 0.0f);
      if (lane == 0)
        total = t;
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    v = v / total;
    threadgroup_barrier(mem_flags::mem_threadgroup);
  }
  out[gid] = v;
}
"""


@pytest.mark.parametrize("n,block", [(512, 256), (300, 128)])
def test_barriers_mixed_with_simd_functions(monkeypatch: pytest.MonkeyPatch, n: int,
                                            block: int) -> None:
    k = kernel(BARRIER_REDUCE, "tg_sum")
    assert in_lane_form(k)
    x = np.random.default_rng(4).random(n, dtype=np.float32) + 0.5
    out = np.zeros(n, np.float32)
    (got,), _ = both(monkeypatch, k, [1], [x, out], grid=(n,), block=(block,))
    want = x.copy()
    for start in range(0, n, block):
        part = want[start:start + block]
        for _ in range(2):
            part /= part.sum()
    np.testing.assert_allclose(got, want, rtol=1e-4)


DIVERGENT = {
    # Lanes leave before the exchange: only the others take part.
    "early_return": """
kernel void k(device const float* x [[buffer(0)]], device float* out [[buffer(1)]],
    uint gid [[thread_position_in_grid]], ushort lane [[thread_index_in_simdgroup]]) {
  if (lane < 5)
    return;
  out[gid] = simd_sum(x[gid]);
}
""",
    # Two exchanges in the two branches of a lane-dependent if.
    "branches": """
kernel void k(device const float* x [[buffer(0)]], device float* out [[buffer(1)]],
    uint gid [[thread_position_in_grid]], ushort lane [[thread_index_in_simdgroup]]) {
  float v = x[gid];
  out[gid] = (lane & 1) ? simd_sum(v) : simd_max(v);
}
""",
    # A loop whose trip count differs per lane, with an exchange inside.
    "loop": """
kernel void k(device const float* x [[buffer(0)]], device float* out [[buffer(1)]],
    uint gid [[thread_position_in_grid]], ushort lane [[thread_index_in_simdgroup]]) {
  float acc = 0.0f;
  for (ushort i = 0; i < lane % 4; ++i)
    acc += simd_sum(x[gid] + float(i));
  out[gid] = acc;
}
""",
}

CONVERGED_ON_EXCHANGE = {
    # The loop's condition is a SIMD-group function's result: uniform (every lane reads the same
    # exchange), so the loop is converged.
    "ballot_loop": """
kernel void k(device const float* x [[buffer(0)]], device float* out [[buffer(1)]],
    uint gid [[thread_position_in_grid]], ushort lane [[thread_index_in_simdgroup]]) {
  float v = x[gid];
  int rounds = 0;
  while (simd_any(v > 0.1f) && rounds < 8) {
    v = v * 0.5f;
    ++rounds;
  }
  out[gid] = v + float(rounds);
}
""",
}


def divergent_reference(name: str, x: np.ndarray) -> np.ndarray:
    n = len(x)
    out = np.zeros(n, np.float32)
    for s in range(0, n, 32):
        lanes = list(range(s, min(s + 32, n)))
        if name == "early_return":
            active = [i for i in lanes if i % 32 >= 5]
            total = np.float32(0)
            for j, i in enumerate(active):
                total = x[i] if j == 0 else np.float32(total + x[i])
            out[active] = total
        elif name == "branches":
            odd = [i for i in lanes if i % 2]
            even = [i for i in lanes if not i % 2]
            total = np.float32(0)
            for j, i in enumerate(odd):
                total = x[i] if j == 0 else np.float32(total + x[i])
            out[odd] = total
            out[even] = x[even].max() if even else 0
        elif name == "loop":
            for i in lanes:
                acc = np.float32(0)
                for r in range(i % 32 % 4):
                    active = [j for j in lanes if j % 32 % 4 > r]
                    total = None
                    for j in active:
                        val = np.float32(x[j] + np.float32(r))
                        total = val if total is None else np.float32(total + val)
                    acc = np.float32(acc + total)
                out[i] = acc
        else:
            v = x[lanes].copy()
            rounds = 0
            while (v > 0.1).any() and rounds < 8:
                v = (v * np.float32(0.5)).astype(np.float32)
                rounds += 1
            out[lanes] = v + np.float32(rounds)
    return out


@pytest.mark.parametrize("name", sorted(DIVERGENT) + sorted(CONVERGED_ON_EXCHANGE))
def test_divergent_exchanges_keep_the_fibers(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    converged = name in CONVERGED_ON_EXCHANGE
    k = kernel((CONVERGED_ON_EXCHANGE if converged else DIVERGENT)[name], "k")
    assert in_lane_form(k) == converged
    n = 80
    x = np.random.default_rng(5).random(n, dtype=np.float32)
    out = np.zeros(n, np.float32)
    (got,), _ = both(monkeypatch, k, [1], [x, out], grid=(n,), block=(64,))
    np.testing.assert_allclose(got, divergent_reference(name, x), rtol=1e-5)


OOB = """
kernel void oob(device const float* x [[buffer(0)]], device float* out [[buffer(1)]],
    constant uint& shift [[buffer(2)]], uint gid [[thread_position_in_grid]]) {
  float s = simd_sum(x[gid]);
  out[gid + shift] = s;
}
"""


def fault_messages(monkeypatch: pytest.MonkeyPatch, k: rt.CpuKernel, x: np.ndarray,
                   out_len: int, scalar: int) -> list[str]:
    """The errors of k(x, out, scalar) over 64 threads with lane loops, then with fibers."""
    messages = []
    for lanes in ("1", "0"):
        monkeypatch.setenv("ENIGMA_CPU_LANES", lanes)
        out = np.zeros(out_len, np.float32)
        with pytest.raises(EnigmaError) as e:
            k(x, out, scalar, grid=(64,), block=(64,))
        messages.append(str(e.value))
    return messages


def test_out_of_bounds_after_an_exchange_is_reported_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    k = kernel(OOB, "oob")
    assert in_lane_form(k)
    messages = fault_messages(monkeypatch, k, np.ones(64, np.float32), 64, 3)
    assert "out-of-bounds" in messages[0]
    assert messages[0] == messages[1]


def test_race_check_runs_lane_kernels_on_fibers() -> None:
    # The second SIMD-group reads what the first writes without a barrier: a race the checker
    # reports (race-checked launches never use the lane-loop form).
    k = kernel(
        """
kernel void racy(device float* buf [[buffer(0)]], uint gid [[thread_position_in_grid]],
    ushort sg [[simdgroup_index_in_threadgroup]]) {
  float s = simd_sum(1.0f);
  if (sg == 0)
    buf[gid] = s;
  else
    buf[gid] = buf[gid - 32] + s;
}
""",
        "racy",
    )
    assert in_lane_form(k)
    with pytest.raises(EnigmaError, match="race"):
        k(np.zeros(64, np.float32), grid=(64,), block=(64,), race_check=True)


def test_disabled_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # ENIGMA_CPU_LANES=0 is read at every launch; both paths agree (checked by `both`).
    k = kernel(ONLINE_SOFTMAX, "softmax_rows")
    q = np.ones((2, 32), np.float32)
    kv = np.ones((3, 32), np.float32)
    o = np.zeros((2, 32), np.float32)
    (a,), (b,) = both(monkeypatch, k, [3], [q, kv, kv, o, 3], grid=(64,), block=(64,))
    np.testing.assert_allclose(a, 1.0)
    assert os.environ.get("ENIGMA_CPU_LANES") is None



SPLIT = """
// simd_shuffle right after a store only lane 0 does (the scan of test_prefix_scans... as first
// written): one exchange of the whole SIMD-group in Metal. Without `convergent` (clang had
// inferred it away) clang 22 at -O2 copied the exchange call into both arms of the `if`, so
// lane 0 waited at one call site and the other lanes at another: two exchanges, each with part
// of the SIMD-group, a wrong scan.
kernel void split(device const float* in [[buffer(0)]], device float* out [[buffer(1)]],
    device float* sums [[buffer(2)]], uint gid [[thread_position_in_grid]],
    ushort lane [[thread_index_in_simdgroup]], ushort sg [[simdgroup_index_in_threadgroup]],
    ushort nsg [[simdgroups_per_threadgroup]]) {
  threadgroup float totals[32];
  float v = in[gid];
  float x = simd_prefix_inclusive_sum(v);
  float r = v;
  for (ushort d = 16; d > 0; d /= 2)
    r += simd_shuffle_down(r, d);
  if (lane == 0)
    sums[gid / 32] = r;
  float last = simd_shuffle(x, 31);
  float first = simd_broadcast_first(last);
  if (lane == 0)
    totals[sg] = first;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  if (sg == 0)
    totals[lane] = simd_prefix_exclusive_sum(lane < nsg ? totals[lane] : 0.0f);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  out[gid] = x + totals[sg];
}
"""


# clang used to drop `convergent` from __exchange in the erased mode (its only call is indirect)
# and duplicate the exchange; kernels are now compiled with -fconvergent-functions, as C++ for
# OpenCL (the real mode) implies.
@pytest.mark.parametrize("spaces", ["0", "default"])
def test_exchange_after_a_lane_dependent_store_is_one_exchange(
        monkeypatch: pytest.MonkeyPatch, spaces: str) -> None:
    monkeypatch.setenv("ENIGMA_CPU_ADDRESS_SPACES", spaces)
    k = kernel(SPLIT, "split")
    x = np.random.default_rng(6).random(256, dtype=np.float32)
    out = np.zeros(256, np.float32)
    sums = np.zeros(8, np.float32)
    (got, got_sums), _ = both(monkeypatch, k, [1, 2], [x, out, sums], grid=(256,), block=(256,))
    np.testing.assert_allclose(got_sums, x.reshape(8, 32).sum(axis=1), rtol=1e-5)
    np.testing.assert_allclose(got, np.cumsum(x), rtol=1e-5)


PRIVATE = """
// Private memory and over-aligned values live across exchanges: an array indexed by the lane
// (an alloca in the thread's frame), a long4 (32-byte aligned) and a 32-byte shuffle.
kernel void private_state(device const int* x [[buffer(0)]], device long* out [[buffer(1)]],
    uint gid [[thread_position_in_grid]], ushort lane [[thread_index_in_simdgroup]]) {
  int arr[8];
  for (int i = 0; i < 8; ++i)
    arr[i] = x[gid] * (i + 1);
  long4 w = long4(x[gid], 2 * x[gid], 3 * x[gid], 4 * x[gid]);
  int s = simd_sum(arr[lane % 8]);
  long4 u = simd_shuffle_xor(w, 1);
  int t = simd_max(arr[(lane + 3) % 8] + s);
  out[gid] = long(arr[lane % 8]) + w.x + w.w + u.y + s + t;
}
"""


def test_private_memory_and_aligned_values_across_exchanges(
        monkeypatch: pytest.MonkeyPatch) -> None:
    k = kernel(PRIVATE, "private_state")
    assert in_lane_form(k)
    n = 96
    x = np.arange(1, n + 1, dtype=np.int32)
    out = np.zeros(n, np.int64)
    (got,), _ = both(monkeypatch, k, [1], [x, out], grid=(n,), block=(96,))
    want = np.zeros(n, np.int64)
    for s0 in range(0, n, 32):
        lanes = np.arange(s0, s0 + 32)
        arr = x[lanes, None].astype(np.int64) * np.arange(1, 9)
        s = sum(arr[i % 32, i % 32 % 8] for i in lanes)
        t = max(arr[i % 32, (i % 32 + 3) % 8] + s for i in lanes)
        for i in lanes:
            j = i ^ 1
            want[i] = arr[i % 32, i % 32 % 8] + x[i] + 4 * x[i] + 2 * x[j] + s + t
    np.testing.assert_array_equal(got, want)


UNIFORM_CALLS = """
// exp and log of values uniform over the SIMD-group (a simd_sum, a simd_max) are computed by the
// first lane of the step that gets there and shared: under a lane-dependent branch (lane 1 is
// the first), inside a loop without synchronization (every iteration its own), and next to a
// per-lane exp.
kernel void uniform_calls(device const float* x [[buffer(0)]], device float* out [[buffer(1)]],
    uint gid [[thread_position_in_grid]], ushort lane [[thread_index_in_simdgroup]]) {
  float v = x[gid];
  float s = simd_sum(v);
  float m = simd_max(v);
  float r = exp(v - m);
  if (lane & 1)
    r += log(s);
  for (int i = 0; i < 3; ++i)
    r += exp(m - float(i));
  out[gid] = r + exp(s * 0.01f);
}
"""


def test_uniform_calls_computed_once_per_simdgroup(monkeypatch: pytest.MonkeyPatch) -> None:
    k = kernel(UNIFORM_CALLS, "uniform_calls")
    assert in_lane_form(k)
    n = 80
    x = np.random.default_rng(7).random(n, dtype=np.float32)
    out = np.zeros(n, np.float32)
    (got,), _ = both(monkeypatch, k, [1], [x, out], grid=(n,), block=(80,))
    want = np.zeros(n, np.float32)
    for s0 in range(0, n, 32):
        lanes = x[s0:s0 + 32]
        s, m = np.float32(lanes.sum(dtype=np.float32)), lanes.max()
        for j, v in enumerate(lanes):
            r = np.exp(v - m) + (np.log(s) if j & 1 else 0)
            r += sum(np.exp(m - np.float32(i)) for i in range(3))
            want[s0 + j] = r + np.exp(s * np.float32(0.01))
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_time_limit_interrupts_a_lane_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    # A converged infinite loop with an exchange inside: the time limit stops it on both paths.
    k = kernel(
        """
kernel void spin(device float* x [[buffer(0)]], constant float& c [[buffer(1)]],
    uint gid [[thread_position_in_grid]]) {
  float v = c;
  while (v > -1.0f)
    v = simd_sum(v) * 0.5f + 1.0f;
  x[gid] = v;
}
""",
        "spin",
    )
    assert in_lane_form(k)
    for lanes in ("1", "0"):
        monkeypatch.setenv("ENIGMA_CPU_LANES", lanes)
        with pytest.raises(EnigmaError, match="time limit"):
            k(np.ones(64, np.float32), 1.0, grid=(64,), block=(64,), timeout=0.2)


NO_SYNC = """
kernel void axpy(device const float* x [[buffer(0)]], device float* y [[buffer(1)]],
    uint i [[thread_position_in_grid]]) {
  y[i] = 2.0f * x[i] + y[i];
}
"""


UNIFORM_VALUES = """
// Values uniform over the SIMD-group (from simd_sum results, a constant buffer, the SIMD-group
// index) are computed once per SIMD-group by its first lane and taken by the others: loop state
// kept across exchanges (m, l, k), a uniform vector (w), integer arithmetic with a division,
// a broadcast; uniform values used under a lane-dependent branch and in a loop whose trip count
// depends on the lane (there every lane computes them).
kernel void uniform_values(device const float* x [[buffer(0)]], device float* out [[buffer(1)]],
    device uint* iout [[buffer(2)]], constant uint& rounds [[buffer(3)]],
    uint gid [[thread_position_in_grid]], ushort lane [[thread_index_in_simdgroup]],
    ushort sg [[simdgroup_index_in_threadgroup]]) {
  float v = x[gid];
  float m = -INFINITY, l = 0.0f;
  float2 acc = 0.0f;
  uint k = sg * 7u + 3u;
  for (uint r = 0; r < rounds; ++r) {
    float s = simd_sum(v * float(r + 1));
    float mx = max(m, s);
    float c = exp(m - mx), p = exp(s - mx);
    l = l * c + p;
    float2 w = float2(s, mx) * 0.5f + float2(c, p);
    acc = acc * c + p * float2(v, v * v) + w;
    k = k * 1664525u + uint(s) / (r + 1u);
    float b = simd_broadcast_first(v) + float(k % 7u);
    if (lane & 1)
      acc.x += b * l;
    for (uint i = 0; i < lane % 3u; ++i)
      acc.y += float(k % 5u) + l;
    m = mx;
  }
  out[gid * 2] = acc.x / l;
  out[gid * 2 + 1] = acc.y + m;
  iout[gid] = k;
}
"""


def test_kernels_without_synchronization_get_no_lane_driver() -> None:
    # Only kernels whose text names a SIMD-group/quad function, a barrier or a simdgroup matrix
    # get the lane-loop template and driver (compiling them cost every kernel 15-20 ms); the
    # others run as before, and correctly.
    k = kernel(NO_SYNC, "axpy")
    assert not hasattr(ctypes.CDLL(k.library_path), "enigma_cpu_run_lanes")
    x = np.arange(64, dtype=np.float32)
    y = np.ones(64, np.float32)
    k(x, y, grid=(64,), block=(32,))
    np.testing.assert_array_equal(y, 2 * np.arange(64, dtype=np.float32) + 1)
    s = kernel(NO_SYNC.replace("y[i] = 2.0f * x[i] + y[i];", "y[i] = simd_sum(x[i]);"), "axpy")
    assert hasattr(ctypes.CDLL(s.library_path), "enigma_cpu_run_lanes") and in_lane_form(s)
    s(x, y, grid=(64,), block=(32,))
    np.testing.assert_array_equal(y, np.repeat(x.reshape(2, 32).sum(1), 32))


@pytest.mark.parametrize("n,block,rounds", [(80, 80, 5), (33, 33, 3), (64, 32, 0), (96, 96, 1)])
def test_uniform_values_computed_once_per_simdgroup(monkeypatch: pytest.MonkeyPatch, n: int,
                                                     block: int, rounds: int) -> None:
    k = kernel(UNIFORM_VALUES, "uniform_values")
    assert in_lane_form(k)
    x = np.random.default_rng(n).random(n, dtype=np.float32)
    out = np.zeros(2 * n, np.float32)
    iout = np.zeros(n, np.uint32)
    (got, igot), _ = both(monkeypatch, k, [1, 2], [x, out, iout, np.uint32(rounds)],
                          grid=(n,), block=(block,))
    # k: the same for every lane of a SIMD-group; with no rounds, sg * 7 + 3.
    for t0 in range(0, n, block):
        for s0 in range(t0, min(t0 + block, n), 32):
            sgk = igot[s0:min(s0 + 32, t0 + block, n)]
            assert (sgk == sgk[0]).all()
            if rounds == 0:
                assert sgk[0] == (s0 - t0) // 32 * 7 + 3
    if rounds:
        assert np.isfinite(got).all()
        # Lane 0 of the first SIMD-group (no lane-dependent terms) against numpy, in float64.
        w = min(32, block)
        v = x[:w].astype(np.float64)
        m, l, acc = -np.inf, 0.0, np.zeros(2)
        for r in range(rounds):
            s = (v * (r + 1)).sum()
            mx = max(m, s)
            c, p = np.exp(m - mx), np.exp(s - mx)
            l = l * c + p
            acc = acc * c + p * np.array([v[0], v[0] * v[0]]) + np.array([s * 0.5 + c,
                                                                           mx * 0.5 + p])
            m = mx
        np.testing.assert_allclose(got[:2], [acc[0] / l, acc[1] + m], rtol=1e-4)


def test_uniform_values_with_many_synchronization_points(monkeypatch: pytest.MonkeyPatch) -> None:
    # 40 exchanges: one lane loop with the entry switch inside (more than 31 synchronization
    # points), still with the uniform values (acc, u) computed by the first lane.
    steps = "\n".join(f"  acc += simd_sum(v * {i + 1}.0f); u = u * 3u + uint(acc) % 7u;"
                      for i in range(40))
    k = kernel(f"""
kernel void many_syncs(device const float* x [[buffer(0)]], device float* out [[buffer(1)]],
    uint gid [[thread_position_in_grid]]) {{
  float v = x[gid];
  float acc = 0.0f;
  uint u = 1u;
{steps}
  out[gid] = acc + v * float(u % 11u);
}}
""", "many_syncs")
    assert in_lane_form(k)
    n = 72
    x = np.random.default_rng(3).random(n, dtype=np.float32)
    out = np.zeros(n, np.float32)
    (got,), _ = both(monkeypatch, k, [1], [x, out], grid=(n,), block=(72,))
    for s0 in range(0, n, 32):
        v = x[s0:s0 + 32].astype(np.float64)
        acc = sum(v.sum() * (i + 1) for i in range(40))
        f = round(float((got[s0] - acc) / x[s0]))  # u % 11, the same for the SIMD-group
        assert 0 <= f <= 10
        np.testing.assert_allclose(got[s0:s0 + 32], acc + x[s0:s0 + 32] * f, rtol=1e-4)


def _compile_notes(tmp_path, env_extra: dict[str, str]) -> str:
    """Compiles ONLINE_SOFTMAX in a fresh process and cache with ENIGMA_LANES_DEBUG=1; returns
    the pass's notes (stderr)."""
    import subprocess
    import sys

    script = (
        "from enigma import runtime as rt\n"
        "import test_runtime_lanes as t\n"
        "k = rt.compile_msl(t.HEADER + t.ONLINE_SOFTMAX, 'softmax_rows')\n"
        "print(k.bounds_check)\n"
    )
    env = dict(os.environ, ENIGMA_CACHE_DIR=str(tmp_path / "cache"), ENIGMA_LANES_DEBUG="1",
               **env_extra)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(__file__)] + [p for p in [env.get("PYTHONPATH")] if p])
    r = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    if r.stdout.strip() != "exact":
        pytest.skip("lane-loop form needs the pass plugin (exact bounds checks)")
    return r.stderr


def test_lane_loops_are_vectorized(tmp_path) -> None:
    # The loop over the lanes after the exchange (the online softmax's update, v[j * 32 + lane]
    # with j from the frame) is vectorized across lanes; ENIGMA_LANES_VECTORIZE=0 turns it off.
    notes = _compile_notes(tmp_path / "on", {})
    if "enigma-lanes:" not in notes:
        pytest.skip("the compiler's diagnostics are not visible (compiled out of process)")
    counts = [int(line.split()[1]) for line in notes.splitlines()
              if line.startswith("enigma-lanes:") and line.endswith("loops vectorized")]
    assert counts and counts[0] > 0, notes
    off = _compile_notes(tmp_path / "off", {"ENIGMA_LANES_VECTORIZE": "0"})
    assert "enigma-lanes: 0 loops vectorized" in off, off


OOB_MIDDLE = """
kernel void oob_mid(device const float* x [[buffer(0)]], device float* out [[buffer(1)]],
    constant uint& n [[buffer(2)]], uint gid [[thread_position_in_grid]]) {
  float s = simd_sum(x[gid]);
  out[gid * 2] = s;  // past the end from thread n / 2 on
}
"""


def test_fault_in_a_vectorized_lane_loop_names_the_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # The store after the exchange runs in a vectorized lane loop: the first thread past the end
    # (41 here, in the middle of a vector of lanes) is the one reported, as thread by thread: the
    # launch runs again on fibers to say which (docs/cpu-runtime.md, Lane loops).
    k = kernel(OOB_MIDDLE, "oob_mid")
    assert in_lane_form(k)
    messages = fault_messages(monkeypatch, k, np.ones(64, np.float32), 82, 82)
    assert "thread (41,0,0)" in messages[1], messages[1]
    assert messages[0] == messages[1]
