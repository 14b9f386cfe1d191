"""The CPU runtime's race checker (docs/cpu-runtime.md#race-checking): race_check=True and
ENIGMA_RACE_CHECK=1 run a build of the kernel that reports data races on threadgroup and device
memory (kind "data_race") and reads of threadgroup memory nothing wrote ("uninitialized_read")."""

from __future__ import annotations

import re

import enigma
import numpy as np
import pytest
from enigma import EnigmaError, runtime

HEADER = "#include <metal_stdlib>\nusing namespace metal;\n"


def _kernel(body: str, name: str):
    return runtime.compile_msl(HEADER + body, name)


def _race(kernel, *args, **launch) -> EnigmaError:
    with pytest.raises(EnigmaError) as info:
        kernel(*args, race_check=True, **launch)
    return info.value


# Line 3 writes tile[t], line 5 (after BARRIER on line 4) reads the neighbour's element.
SHIFT = """kernel void shift(device float *out [[buffer(0)]], uint t [[thread_index_in_threadgroup]],
                  uint n [[threads_per_threadgroup]], uint i [[thread_position_in_grid]]) {
  threadgroup float tile[64];
  tile[t] = float(t) + 0.5f;
  BARRIER
  out[i] = tile[(t + 1) % n];
}
"""


def test_missing_threadgroup_barrier_is_a_data_race():
    k = _kernel(SHIFT.replace("BARRIER", ""), "shift")
    out = np.zeros(64, np.float32)
    e = _race(k, out, grid=64, block=64)
    assert e.kind == "data_race"
    msg = str(e)
    assert "kernel 'shift': data race on threadgroup memory 'tile' (256 bytes)" in msg
    # Both accesses, with their positions and threads.
    assert re.search(
        r"read by threadgroup \(0,0,0\), thread \(0,0,0\) .* at shift\.metal:8:12", msg
    )
    assert re.search(
        r"write by threadgroup \(0,0,0\), thread \(1,0,0\) .* at shift\.metal:6:11", msg
    )
    assert "at byte offset 4" in msg
    assert "threadgroup_barrier(mem_flags::mem_threadgroup)" in msg


def test_threadgroup_barrier_orders_the_accesses():
    k = _kernel(
        SHIFT.replace("BARRIER", "threadgroup_barrier(mem_flags::mem_threadgroup);"),
        "shift",
    )
    out = np.zeros(128, np.float32)
    k(out, grid=128, block=64, race_check=True)
    t = np.arange(64, dtype=np.float32)
    np.testing.assert_array_equal(out, np.tile(np.roll(t, -1) + 0.5, 2))


def test_barrier_without_mem_threadgroup_does_not_order_threadgroup_memory():
    k = _kernel(
        SHIFT.replace("BARRIER", "threadgroup_barrier(mem_flags::mem_device);"), "shift"
    )
    e = _race(k, np.zeros(64, np.float32), grid=64, block=64)
    assert e.kind == "data_race"


def test_write_write_race_between_simdgroups():
    k = _kernel(
        """kernel void ww(device uint *out [[buffer(0)]], uint t [[thread_index_in_threadgroup]]) {
  threadgroup uint flag;
  if (t % 32 == 0)
    flag = t;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  out[t] = flag;
}
""",
        "ww",
    )
    e = _race(k, np.zeros(64, np.uint32), grid=64, block=64)
    assert e.kind == "data_race"
    msg = str(e)
    assert "threadgroup memory 'flag' (4 bytes) at byte offset 0" in msg
    assert "write by threadgroup (0,0,0), thread (0,0,0)" in msg
    assert "write by threadgroup (0,0,0), thread (32,0,0)" in msg
    assert msg.count("at ww.metal:6:10") == 2


def test_simd_functions_order_the_lanes_of_a_simdgroup():
    # Each lane writes its slot, then reads its neighbour's after a simdgroup_barrier: ordered
    # within the SIMD-group. The reduction across SIMD-groups uses a threadgroup barrier.
    k = _kernel(
        """kernel void simd_reduce(device const float *in [[buffer(0)]],
                        device float *out [[buffer(1)]],
                        uint t [[thread_index_in_threadgroup]],
                        uint lane [[thread_index_in_simdgroup]],
                        uint sg [[simdgroup_index_in_threadgroup]],
                        uint gid [[threadgroup_position_in_grid]],
                        uint nsg [[simdgroups_per_threadgroup]]) {
  threadgroup float slots[128];
  threadgroup float partial[4];
  slots[t] = in[gid * 128 + t];
  simdgroup_barrier(mem_flags::mem_threadgroup);
  float mine = slots[sg * 32 + (lane ^ 1)];
  float other = simd_shuffle(mine, lane ^ 1);
  slots[t] = other;  // written back after the shuffle: ordered with the neighbour's read
  float s = simd_sum(slots[t]);
  if (lane == 0)
    partial[sg] = s;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  if (t == 0) {
    float total = 0.0f;
    for (uint i = 0; i < nsg; ++i)
      total += partial[i];
    out[gid] = total;
  }
}
""",
        "simd_reduce",
    )
    x = np.random.default_rng(0).random(512).astype(np.float32)
    out = np.zeros(4, np.float32)
    k(x, out, grid=512, block=128, race_check=True)
    np.testing.assert_allclose(out, x.reshape(4, 128).sum(axis=1), rtol=1e-5)


def test_without_the_simdgroup_barrier_the_lanes_race():
    k = _kernel(
        """kernel void lanes(device float *out [[buffer(0)]], uint t [[thread_index_in_threadgroup]]) {
  threadgroup float slots[32];
  slots[t] = float(t);
  out[t] = slots[t ^ 1];
}
""",
        "lanes",
    )
    e = _race(k, np.zeros(32, np.float32), grid=32, block=32)
    assert e.kind == "data_race"


def test_every_threadgroup_writing_one_device_location_is_a_race():
    k = _kernel(
        """kernel void last(device float *out [[buffer(0)]], uint g [[threadgroup_position_in_grid]],
                 uint t [[thread_index_in_threadgroup]]) {
  if (t == 0)
    out[0] = float(g);
}
""",
        "last",
    )
    e = _race(k, np.zeros(1, np.float32), grid=256, block=64)
    assert e.kind == "data_race"
    msg = str(e)
    assert (
        "data race on buffer 'out' ([[buffer(0)]], float) at element index 0 (byte offset 0)"
        in msg
    )
    assert "write by threadgroup (0,0,0), thread (0,0,0)" in msg
    assert "write by threadgroup (1,0,0), thread (0,0,0)" in msg
    assert "threadgroups are not ordered" in msg


def test_device_memory_within_a_threadgroup_needs_a_mem_device_barrier():
    src = """kernel void dev(device float *buf [[buffer(0)]], device float *out [[buffer(1)]],
                uint t [[thread_index_in_threadgroup]], uint n [[threads_per_threadgroup]]) {
  buf[t] = float(t);
  threadgroup_barrier(FLAGS);
  out[t] = buf[(t + 1) % n];
}
"""
    ok = _kernel(src.replace("FLAGS", "mem_flags::mem_device"), "dev")
    buf, out = np.zeros(32, np.float32), np.zeros(32, np.float32)
    ok(buf, out, grid=32, block=32, race_check=True)
    np.testing.assert_array_equal(out, np.roll(np.arange(32, dtype=np.float32), -1))
    bad = _kernel(src.replace("FLAGS", "mem_flags::mem_threadgroup"), "dev")
    e = _race(bad, buf, out, grid=32, block=32)
    assert e.kind == "data_race"
    assert "buffer 'buf'" in str(e)


def test_atomics_never_race_with_atomics():
    k = _kernel(
        """kernel void count(device atomic_uint *total [[buffer(0)]],
                  device uint *out [[buffer(1)]],
                  uint t [[thread_index_in_threadgroup]], uint g [[threadgroup_position_in_grid]]) {
  threadgroup atomic_uint local;
  if (t == 0)
    atomic_store_explicit(&local, 0u, memory_order_relaxed);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  atomic_fetch_add_explicit(&local, 1u, memory_order_relaxed);
  atomic_fetch_add_explicit(total, 1u, memory_order_relaxed);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  if (t == 0)
    out[g] = atomic_load_explicit(&local, memory_order_relaxed);
}
""",
        "count",
    )
    total, out = np.zeros(1, np.uint32), np.zeros(4, np.uint32)
    k(total, out, grid=256, block=64, race_check=True)
    assert total[0] == 256
    np.testing.assert_array_equal(out, [64] * 4)


def test_an_atomic_and_a_plain_access_race():
    k = _kernel(
        """kernel void mixed(device atomic_uint *c [[buffer(0)]], uint g [[threadgroup_position_in_grid]],
                  uint t [[thread_index_in_threadgroup]]) {
  if (t != 0)
    return;
  if (g == 0)
    atomic_fetch_add_explicit(c, 1u, memory_order_relaxed);
  else
    atomic_store_explicit((device atomic_uint *)c, 5u, memory_order_relaxed);
  if (g == 2)
    *(device uint *)c = 7u;
}
""",
        "mixed",
    )
    e = _race(k, np.zeros(1, np.uint32), grid=3, block=1)
    assert e.kind == "data_race"
    assert "atomic write by threadgroup" in str(e)


def test_uninitialized_threadgroup_read_is_reported():
    k = _kernel(
        """kernel void uninit(device float *out [[buffer(0)]], uint t [[thread_index_in_threadgroup]]) {
  threadgroup float tile[64];
  if (t < 32)
    tile[t] = 1.0f;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  out[t] = tile[t];
}
""",
        "uninit",
    )
    e = _race(k, np.zeros(64, np.float32), grid=64, block=64)
    assert e.kind == "uninitialized_read"
    msg = str(e)
    assert (
        "uninitialized read of threadgroup memory 'tile' (256 bytes) at byte offset 128"
        in msg
    )
    assert "read by threadgroup (0,0,0), thread (32,0,0)" in msg
    assert "at uninit.metal:8:12" in msg
    assert "no thread of threadgroup (0,0,0) wrote it" in msg


def test_threadgroup_memory_is_fresh_in_every_threadgroup():
    # Threadgroup 1 reads what threadgroup 0 left in the (reused) storage: uninitialized.
    k = _kernel(
        """kernel void stale(device float *out [[buffer(0)]], uint g [[threadgroup_position_in_grid]],
                  uint t [[thread_index_in_threadgroup]]) {
  threadgroup float keep[1];
  if (g == 0 && t == 0)
    keep[0] = 3.0f;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  if (t == 0)
    out[g] = keep[0];
}
""",
        "stale",
    )
    e = _race(k, np.zeros(2, np.float32), grid=2, block=1)
    assert e.kind == "uninitialized_read"
    assert "threadgroup (1,0,0)" in str(e)


REDUCE = """kernel void reduce(device const float *in [[buffer(0)]], device float *out [[buffer(1)]],
                   uint t [[thread_index_in_threadgroup]], uint g [[threadgroup_position_in_grid]],
                   uint n [[threads_per_threadgroup]]) {
  threadgroup float tile[256];
  tile[t] = in[g * n + t];
  threadgroup_barrier(mem_flags::mem_threadgroup);
  for (uint s = n / 2; s > 0; s >>= 1) {
    if (t < s)
      tile[t] += tile[t + s];
    threadgroup_barrier(mem_flags::mem_threadgroup);
  }
  if (t == 0)
    out[g] = tile[0];
}
"""


def test_correct_reduction_with_barriers_is_silent():
    k = _kernel(REDUCE, "reduce")
    x = np.random.default_rng(1).random(1024).astype(np.float32)
    out = np.zeros(4, np.float32)
    k(x, out, grid=1024, block=256, race_check=True)
    np.testing.assert_allclose(out, x.reshape(4, 256).sum(axis=1), rtol=1e-5)


def test_reduction_missing_the_loop_barrier_races():
    k = _kernel(
        REDUCE.replace(
            "    threadgroup_barrier(mem_flags::mem_threadgroup);\n  }", "  }"
        ),
        "reduce",
    )
    x = np.ones(256, np.float32)
    e = _race(k, x, np.zeros(1, np.float32), grid=256, block=256)
    assert e.kind == "data_race"
    assert "read by threadgroup (0,0,0), thread (0,0,0)" in str(e)
    assert "at reduce.metal:11:18, and write by" in str(e)
    assert (
        "thread (1,0,0) of the threadgroup, thread_position_in_grid (1,0,0), at reduce.metal:11:15"
        in str(e)
    )


def test_race_check_from_the_environment(monkeypatch):
    k = _kernel(SHIFT.replace("BARRIER", ""), "shift")
    out = np.zeros(64, np.float32)
    k(out, grid=64, block=64)  # not checked: no error
    monkeypatch.setenv("ENIGMA_RACE_CHECK", "1")
    with pytest.raises(EnigmaError) as info:
        k(out, grid=64, block=64)
    assert info.value.kind == "data_race"


def test_race_checked_build_is_a_separate_cache_entry(tmp_path):
    k = runtime.compile_msl(HEADER + REDUCE, "reduce", cache_dir=str(tmp_path))
    kernels = tmp_path.glob("cpu-*/kernels/*.so")
    assert len(list(kernels)) == 1
    x = np.ones(256, np.float32)
    out = np.zeros(1, np.float32)
    k(x, out, grid=256, block=256, race_check=True)
    assert out[0] == 256
    assert len(list(tmp_path.glob("cpu-*/kernels/*.so"))) == 2
    k(x, out, grid=256, block=256)  # the plain build still serves plain launches
    assert out[0] == 256


def test_function_constants_with_race_check():
    k = _kernel(
        """constant bool sync [[function_constant(0)]];
kernel void fc(device float *out [[buffer(0)]], uint t [[thread_index_in_threadgroup]]) {
  threadgroup float tile[32];
  tile[t] = float(t);
  if (sync)
    threadgroup_barrier(mem_flags::mem_threadgroup);
  out[t] = tile[31 - t];
}
""",
        "fc",
    )
    out = np.zeros(32, np.float32)
    k(out, grid=32, block=32, function_constants={"sync": True}, race_check=True)
    np.testing.assert_array_equal(out, np.arange(31, -1, -1, dtype=np.float32))
    e = _race(k, out, grid=32, block=32, function_constants={"sync": False})
    assert e.kind == "data_race"


DSL_BLOCK = 64


def _dsl_block_sum(barrier_each_step: bool):
    """A threadgroup tree sum; without the barrier after each step, steps race."""

    @enigma.kernel
    def dsl_block_sum(X: enigma.f32, Out: enigma.f32, n: enigma.Scalar(enigma.u32)):
        tid = enigma.thread_position_in_threadgroup.x
        gid = enigma.thread_position_in_grid.x
        shared = enigma.threadgroup_alloc(enigma.f32, DSL_BLOCK)
        shared[tid] = 0.0
        with enigma.if_(gid < n):
            shared[tid] = X[gid]
        enigma.threadgroup_barrier("threadgroup")
        for s in enigma.range_constexpr(6):
            stride = DSL_BLOCK >> (s + 1)
            with enigma.if_(tid < stride):
                shared[tid] = shared[tid] + shared[tid + stride]
            if barrier_each_step:  # a trace-time choice
                enigma.threadgroup_barrier("threadgroup")
        with enigma.if_(tid == 0):
            Out[enigma.threadgroup_position_in_grid.x] = shared[0]

    return dsl_block_sum


dsl_block_sum = _dsl_block_sum(True)
dsl_block_sum_racy = _dsl_block_sum(False)


def test_dsl_kernel_with_race_check():
    n = 200
    x = np.random.default_rng(2).random(n).astype(np.float32)
    groups = -(-n // DSL_BLOCK)
    out = np.zeros(groups, np.float32)
    enigma.compile(dsl_block_sum)(
        x,
        out,
        n,
        grid=groups * DSL_BLOCK,
        block=DSL_BLOCK,
        device="cpu",
        race_check=True,
    )
    expect = [x[g * DSL_BLOCK : (g + 1) * DSL_BLOCK].sum() for g in range(groups)]
    np.testing.assert_allclose(out, expect, rtol=1e-5)

    racy = enigma.compile(dsl_block_sum_racy)
    with pytest.raises(EnigmaError) as info:
        racy(
            x,
            out,
            n,
            grid=groups * DSL_BLOCK,
            block=DSL_BLOCK,
            device="cpu",
            race_check=True,
        )
    assert info.value.kind == "data_race"
    msg = str(info.value)
    # Both MSL positions are followed by the Python line of the access.
    assert msg.count("test_race_check.py:") >= 2, msg
    assert "a trace-time choice" not in msg  # positions, not source text


@enigma.kernel
def dsl_last_group_wins(A: enigma.f32, Out: enigma.f32):
    with enigma.if_(enigma.thread_position_in_threadgroup.x == 0):
        Out[0] = A[enigma.threadgroup_position_in_grid.x]


def test_metal_runtime_execute_and_dispatch_with_race_check(monkeypatch):
    monkeypatch.setenv("ENIGMA_BACKEND", "cpu")
    compiled = enigma.compile(dsl_last_group_wins)
    rt = enigma.MetalRuntime()
    a = np.arange(4, dtype=np.float32)
    # Unchecked, the race goes unnoticed; the last threadgroup's value lands.
    out = rt.execute(compiled, [a], 4, grid=(256, 1, 1), threads=(64, 1, 1))
    assert np.frombuffer(out, np.float32)[0] in a
    with pytest.raises(EnigmaError) as info:
        rt.execute(
            compiled, [a], 4, grid=(256, 1, 1), threads=(64, 1, 1), race_check=True
        )
    assert info.value.kind == "data_race"
    assert "buffer 'Out'" in str(info.value)
    with rt.prepare(compiled, [a], 4) as prepared:
        prepared.dispatch(
            (64, 1, 1), (64, 1, 1), race_check=True
        )  # one threadgroup: fine
        with pytest.raises(EnigmaError) as info:
            prepared.dispatch((128, 1, 1), (64, 1, 1), race_check=True)
        assert info.value.kind == "data_race"


def test_simdgroup_matrix_stores_are_one_collective_access():
    # Every lane performs a simdgroup_store whole on the CPU; the checker counts it once per
    # SIMD-group. Two SIMD-groups storing to the same place still race.
    src = """kernel void mm(device const float *A [[buffer(0)]], device float *C [[buffer(1)]],
               uint sg [[simdgroup_index_in_threadgroup]], uint t [[thread_index_in_threadgroup]]) {
  threadgroup float tile[2][64];
  simdgroup_float8x8 a;
  simdgroup_load(a, A, 8);
  simdgroup_float8x8 c = a * a;
  simdgroup_store(c, tile[sg], 8);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  C[t] = tile[t / 64][t % 64];
  simdgroup_store(c, C + 64 + OFFSET, 8);
}
"""
    a = np.random.default_rng(3).random(64).astype(np.float32)
    c = np.zeros(192, np.float32)
    ok = _kernel(src.replace("OFFSET", "sg * 64"), "mm")
    ok(a, c, grid=64, block=64, race_check=True)
    product = (a.reshape(8, 8) @ a.reshape(8, 8)).ravel()
    np.testing.assert_allclose(c[:64], product, rtol=1e-5)
    np.testing.assert_allclose(c[128:], product, rtol=1e-5)
    bad = _kernel(src.replace("OFFSET", "0"), "mm")
    e = _race(bad, a, c, grid=64, block=64)
    assert e.kind == "data_race"
    assert "thread (0,0,0)" in str(e) and "thread (32,0,0)" in str(e)
    assert str(e).count("at mm.metal:12:3") == 2


def _dsl_async_round_trip(barrier_before_copy_back: bool):
    @enigma.kernel
    def dsl_async_round_trip(A: enigma.f32, B: enigma.f32):
        # Every SIMD-group copies the same tile (the async copies' duplicate writes are not a
        # race); the copy writes threadgroup memory inside the runtime's header, through a
        # pointer. Without the second barrier, the copy back reads what other SIMD-groups'
        # threads write.
        tile = enigma.threadgroup_alloc(enigma.f32, 128)
        lid = enigma.thread_position_in_threadgroup.x
        base = enigma.threadgroup_position_in_grid.x * 96
        ev = enigma.async_copy_1d_d2t(tile, 16, A, base, 96)
        enigma.async_copy_wait(ev)
        enigma.barrier()
        with enigma.for_range(lid, 96, enigma.threads_per_threadgroup.x) as i:
            tile[16 + i] = tile[16 + i] * 2.0
        if barrier_before_copy_back:  # a trace-time choice
            enigma.barrier()
        ev2 = enigma.async_copy_1d_t2d(B, base, tile, 16, 96)
        enigma.async_copy_wait(ev2)

    return dsl_async_round_trip


dsl_async_round_trip = _dsl_async_round_trip(True)
dsl_async_no_barrier = _dsl_async_round_trip(False)


def test_async_copies_are_watched():
    a = np.random.default_rng(4).random(192).astype(np.float32)
    b = np.zeros(192, np.float32)
    enigma.compile(dsl_async_round_trip)(
        a, b, grid=128, block=64, device="cpu", race_check=True
    )
    np.testing.assert_array_equal(b, 2 * a)
    with pytest.raises(EnigmaError) as info:
        enigma.compile(dsl_async_no_barrier)(
            a, b, grid=128, block=64, device="cpu", race_check=True
        )
    assert info.value.kind == "data_race"
    assert "threadgroup memory 'tg" in str(info.value)


def test_unchecked_launches_are_race_checked_in_place():
    k = _kernel(
        """kernel void last(device float *out [[buffer(0)]], uint g [[threadgroup_position_in_grid]]) {
  out[0] = float(g);
}
""",
        "last",
    )
    e = _race(k, np.zeros(1, np.float32), grid=2, block=1, checked=False)
    assert e.kind == "data_race"
    assert "buffer 'out'" in str(e)


def test_race_check_needs_the_plugin(tmp_path):
    import shutil

    if shutil.which("g++") is None:
        pytest.skip("no g++")
    k = runtime.compile_msl(
        HEADER + REDUCE, "reduce", cxx="g++", cache_dir=str(tmp_path)
    )
    x, out = np.ones(256, np.float32), np.zeros(1, np.float32)
    k(x, out, grid=256, block=256)  # guard pages only: fine
    with pytest.raises(EnigmaError) as info:
        k(x, out, grid=256, block=256, race_check=True)
    assert info.value.kind == "unsupported"
    assert "race checking needs the bounds-check pass plugin" in str(info.value)


def test_a_read_in_another_threadgroup_is_remembered():
    # Threadgroup 0's thread 0 reads buf[0]; so does threadgroup 1's thread 0, and then
    # threadgroup 1's thread 1 writes it after a mem_device barrier: ordered with its own
    # threadgroup's read, a race with threadgroup 0's.
    k = _kernel(
        """kernel void rw(device float *buf [[buffer(0)]], device float *out [[buffer(1)]],
               uint g [[threadgroup_position_in_grid]], uint t [[thread_index_in_threadgroup]]) {
  float v = 0.0f;
  if (t == 0)
    v = buf[0];
  threadgroup_barrier(mem_flags::mem_device);
  if (g == 1 && t == 1)
    buf[0] = 1.0f;
  out[g * 2 + t] = v;
}
""",
        "rw",
    )
    e = _race(k, np.zeros(1, np.float32), np.zeros(4, np.float32), grid=4, block=2)
    assert e.kind == "data_race"
    msg = str(e)
    assert "read by threadgroup (0,0,0), thread (0,0,0)" in msg
    assert "write by threadgroup (1,0,0), thread (1,0,0)" in msg


@enigma.kernel
def dsl_half_written(Out: enigma.f32):
    tid = enigma.thread_position_in_threadgroup.x
    shared = enigma.threadgroup_alloc(enigma.f32, 64)
    with enigma.if_(tid < 32):
        shared[tid] = 1.0
    enigma.threadgroup_barrier("threadgroup")
    # Threads 32.. read what nobody wrote, on the next line.
    Out[enigma.thread_position_in_grid.x] = shared[tid]


def test_dsl_uninitialized_read_names_the_python_line():
    out = np.zeros(64, np.float32)
    with pytest.raises(EnigmaError) as info:
        enigma.compile(dsl_half_written)(
            out, grid=64, block=64, device="cpu", race_check=True
        )
    assert info.value.kind == "uninitialized_read"
    msg = str(info.value)
    assert "read by threadgroup (0,0,0), thread (32,0,0)" in msg
    with open(__file__) as f:
        marker = next(n for n, text in enumerate(f, 1) if "what nobody wrote" in text)
    line = marker + 1
    assert re.search(
        rf"\.metal:\d+:\d+ \([^)]*test_race_check\.py:{line}:\d+\)", msg
    ), msg
