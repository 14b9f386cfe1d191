"""`threadgroup T* p [[threadgroup(i)]]` kernel parameters on the CPU runtime: threadgroup
memory whose length each launch gives (Metal's setThreadgroupMemoryLength:atIndex:), one per
threadgroup, bounds-checked and race-checked like kernel-scope threadgroup arrays."""

from __future__ import annotations

import numpy as np
import pytest

import enigma
from enigma import runtime as rt
from enigma.compiler.compiler import CompiledKernel

rng = np.random.default_rng(11)

BLOCK_SUM = """
#include <metal_stdlib>
using namespace metal;

// Sums each threadgroup's elements through threadgroup memory sized at launch.
kernel void block_sum(device const float* in [[buffer(0)]], device float* out [[buffer(1)]],
                      constant uint& n [[buffer(2)]],
                      threadgroup float* scratch [[threadgroup(0)]],
                      uint gid [[thread_position_in_grid]], uint lid [[thread_position_in_threadgroup]],
                      uint tgid [[threadgroup_position_in_grid]], uint size [[threads_per_threadgroup]]) {
  scratch[lid] = gid < n ? in[gid] : 0.0f;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  for (uint s = size / 2; s > 0; s /= 2) {
    if (lid < s)
      scratch[lid] += scratch[lid + s];
    threadgroup_barrier(mem_flags::mem_threadgroup);
  }
  if (lid == 0)
    out[tgid] = scratch[0];
}
"""


def block_sum(block: int = 64, n: int = 1000):
    x = rng.standard_normal(n).astype(np.float32)
    groups = -(-n // block)
    out = np.zeros(groups, np.float32)
    return x, out, groups


def test_reduction_through_launch_sized_threadgroup_memory():
    k = rt.compile_msl(BLOCK_SUM, "block_sum")
    assert [p.name for p in k.args] == ["in", "out", "n"]
    (tg,) = k.threadgroup_params
    assert (tg.name, tg.kind, tg.type_name, tg.threadgroup_index) == ("scratch", "threadgroup", "float", 0)
    assert tg.buffer_index is None and tg.arg_index is None and tg.element_size == 4
    for block in (64, 256):
        x, out, groups = block_sum(block)
        k(x, out, x.size, grid=(groups * block,), block=(block,),
          threadgroup_memory={0: block * 4})
        want = np.pad(x, (0, groups * block - x.size)).reshape(groups, block).sum(axis=1)
        np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)
    # A sequence indexed by [[threadgroup(i)]] works too, and so does an unchecked launch.
    x, out, groups = block_sum(64)
    k(x, out, x.size, grid=(groups * 64,), block=(64,), threadgroup_memory=[256], checked=False)
    np.testing.assert_allclose(out, np.pad(x, (0, groups * 64 - x.size)).reshape(groups, 64).sum(1),
                               rtol=1e-5, atol=1e-5)


TWO_SPACES = """
#include <metal_stdlib>
using namespace metal;

// Histogram of values 0..15 per threadgroup with threadgroup atomics, plus a copy of the
// threadgroup's input reversed through a second threadgroup allocation.
kernel void hist_rev(device const uint* in [[buffer(0)]], device uint* hist [[buffer(1)]],
                     device uint* rev [[buffer(2)]],
                     threadgroup atomic_uint* bins [[threadgroup(2)]],
                     threadgroup uint* copy [[threadgroup(0)]],
                     uint gid [[thread_position_in_grid]], uint lid [[thread_position_in_threadgroup]],
                     uint tgid [[threadgroup_position_in_grid]], uint size [[threads_per_threadgroup]]) {
  if (lid < 16)
    atomic_store_explicit(&bins[lid], 0u, memory_order_relaxed);
  copy[lid] = in[gid];
  threadgroup_barrier(mem_flags::mem_threadgroup);
  atomic_fetch_add_explicit(&bins[in[gid] & 15u], 1u, memory_order_relaxed);
  rev[gid] = copy[size - 1 - lid];
  threadgroup_barrier(mem_flags::mem_threadgroup);
  if (lid < 16)
    hist[tgid * 16 + lid] = atomic_load_explicit(&bins[lid], memory_order_relaxed);
}
"""


def test_two_threadgroup_parameters_and_threadgroup_atomics():
    k = rt.compile_msl(TWO_SPACES, "hist_rev")
    assert {p.name: p.threadgroup_index for p in k.threadgroup_params} == {"bins": 2, "copy": 0}
    block, groups = 128, 24
    x = rng.integers(0, 1 << 20, groups * block).astype(np.uint32)
    hist = np.zeros(groups * 16, np.uint32)
    rev = np.zeros_like(x)
    k(x, hist, rev, grid=(groups * block,), block=(block,),
      threadgroup_memory={0: block * 4, 2: 64})
    want = np.stack([np.bincount(g & 15, minlength=16) for g in x.reshape(groups, block)])
    np.testing.assert_array_equal(hist.reshape(groups, 16), want)
    np.testing.assert_array_equal(rev.reshape(groups, block), x.reshape(groups, block)[:, ::-1])
    # Race-checked: barriers and atomics order everything.
    k(x, hist, rev, grid=(groups * block,), block=(block,),
      threadgroup_memory={0: block * 4, 2: 64}, race_check=True)


@pytest.mark.parametrize(
    "memory,match",
    [
        (None, r"threadgroup memory 'scratch' \(\[\[threadgroup\(0\)\]\]\) has no length; give the "
               r"launch one \(threadgroup_memory=\{0: bytes\}"),
        ({1: 256}, r"'scratch' \(\[\[threadgroup\(0\)\]\]\) has no length"),
        ({0: 0}, r"has no length"),
        ({0: 100}, r"is given 100 bytes; Metal requires a multiple of 16"),
        ({0: 32768 + 16}, r"gives 32784 bytes of threadgroup memory; Apple GPUs allow 32768"),
    ],
)
def test_launch_errors(memory, match):
    k = rt.compile_msl(BLOCK_SUM, "block_sum")
    x, out, groups = block_sum(64)
    with pytest.raises(enigma.EnigmaError, match=match) as e:
        k(x, out, x.size, grid=(groups * 64,), block=(64,), threadgroup_memory=memory)
    assert e.value.kind == "invalid_argument"


@pytest.mark.parametrize("memory", ["256", {0: "x"}, {-1: 16}, {31: 16}, 5])
def test_python_rejects_malformed_threadgroup_memory(memory):
    k = rt.compile_msl(BLOCK_SUM, "block_sum")
    x, out, groups = block_sum(64)
    with pytest.raises(enigma.EnigmaError, match="threadgroup_memory") as e:
        k(x, out, x.size, grid=(groups * 64,), block=(64,), threadgroup_memory=memory)
    assert e.value.kind == "invalid_argument"


OVERRUN = """
#include <metal_stdlib>
using namespace metal;
kernel void overrun(device float* out [[buffer(0)]], constant int& off [[buffer(1)]],
                    threadgroup float* t [[threadgroup(0)]],
                    uint lid [[thread_position_in_threadgroup]], uint gid [[thread_position_in_grid]]) {
  t[int(lid) + off] = 1.0f;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  out[gid] = t[lid];
}
"""


@pytest.mark.parametrize("off,index", [(1, 64), (-1, -1)])
def test_out_of_bounds_threadgroup_memory_is_reported(off, index):
    k = rt.compile_msl(OVERRUN, "overrun")
    if off < 0 and k.bounds_check != "exact":
        pytest.skip("guard pages alone see overruns past the end, not before the start")
    out = np.zeros(256, np.float32)
    with pytest.raises(enigma.EnigmaError) as e:
        k(out, off, grid=(256,), block=(64,), threadgroup_memory={0: 64 * 4})
    msg = str(e.value)
    assert e.value.kind == "out_of_bounds", msg
    assert "threadgroup memory 't' ([[threadgroup(0)]], 256 bytes of float given at launch)" in msg
    assert f"element index {index}" in msg
    if k.bounds_check == "exact":
        assert "overrun.metal:7" in msg, msg
    k(out, 0, grid=(256,), block=(64,), threadgroup_memory={0: 64 * 4})
    np.testing.assert_array_equal(out, np.ones(256, np.float32))


RACY = """
#include <metal_stdlib>
using namespace metal;
kernel void shift(device const float* in [[buffer(0)]], device float* out [[buffer(1)]],
                  threadgroup float* t [[threadgroup(0)]],
                  uint lid [[thread_position_in_threadgroup]], uint gid [[thread_position_in_grid]],
                  uint size [[threads_per_threadgroup]]) {
  t[lid] = in[gid];
#ifdef WITH_BARRIER
  threadgroup_barrier(mem_flags::mem_threadgroup);
#endif
  out[gid] = t[(lid + 1) % size];
}
"""

UNINIT = """
#include <metal_stdlib>
using namespace metal;
kernel void half_filled(device float* out [[buffer(0)]], threadgroup float* t [[threadgroup(0)]],
                        uint lid [[thread_position_in_threadgroup]], uint gid [[thread_position_in_grid]]) {
  if (lid < 16)
    t[lid] = float(lid);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  out[gid] = t[lid];
}
"""


def test_race_check_sees_launch_sized_threadgroup_memory():
    x = rng.standard_normal(128).astype(np.float32)
    out = np.zeros_like(x)
    racy = rt.compile_msl(RACY, "shift")
    with pytest.raises(enigma.EnigmaError) as e:
        racy(x, out, grid=(128,), block=(64,), threadgroup_memory={0: 256}, race_check=True)
    assert e.value.kind == "data_race", str(e.value)
    assert "'t'" in str(e.value) and "shift.metal:8" in str(e.value) and "shift.metal:12" in str(e.value)
    # Each threadgroup's memory is its own: with the barrier nothing races, although the
    # worker reuses the memory for the next threadgroup.
    fixed = rt.compile_msl("#define WITH_BARRIER 1\n" + RACY, "shift")
    fixed(x, out, grid=(128,), block=(64,), threadgroup_memory={0: 256}, race_check=True)
    np.testing.assert_array_equal(out.reshape(2, 64), np.roll(x.reshape(2, 64), -1, axis=1))
    half = rt.compile_msl(UNINIT, "half_filled")
    with pytest.raises(enigma.EnigmaError) as e:
        half(out, grid=(128,), block=(64,), threadgroup_memory={0: 256}, race_check=True)
    assert e.value.kind == "uninitialized_read", str(e.value)
    assert "'t'" in str(e.value)


@pytest.mark.parametrize(
    "decl,match",
    [
        ("threadgroup float& t [[threadgroup(0)]]", r"must be a pointer to threadgroup memory"),
        ("device float* t [[threadgroup(0)]]", r"must be a pointer to threadgroup memory"),
        ("threadgroup float* t [[threadgroup(31)]]", r"\[\[threadgroup\(n\)\]\] needs a literal index in 0..30"),
        ("threadgroup float* t [[threadgroup(0)]], threadgroup float* u [[threadgroup(0)]]",
         r"parameters 't' and 'u' both use \[\[threadgroup\(0\)\]\]"),
        ("threadgroup float* t", r"must be in the device or constant address space \(threadgroup "
                                 r"memory a launch sizes is a pointer with \[\[threadgroup\(n\)\]\]\)"),
    ],
)
def test_signature_errors(decl, match):
    src = f"""
#include <metal_stdlib>
using namespace metal;
kernel void k(device float* out [[buffer(0)]], {decl}, uint i [[thread_position_in_grid]]) {{
  out[i] = 0.0f;
}}
"""
    with pytest.raises(enigma.EnigmaError, match=match) as e:
        rt.compile_msl(src, "k")
    assert e.value.kind == "unsupported"


def test_compiled_kernel_of_hand_written_msl_takes_threadgroup_memory():
    ck = CompiledKernel(kernel_name="block_sum", metal_source=BLOCK_SUM)
    x, out, groups = block_sum(128)
    ck(x, out, x.size, grid=groups * 128, block=128, device="cpu",
       threadgroup_memory={0: 128 * 4})
    want = np.pad(x, (0, groups * 128 - x.size)).reshape(groups, 128).sum(axis=1)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)
    with pytest.raises(enigma.EnigmaError, match="threadgroup_memory"):
        ck(x, out, x.size, grid=groups * 128, block=128, device="cpu")


def test_cli_run_msl_gives_threadgroup_memory(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    (tmp_path / "k.metal").write_text(OVERRUN.replace("int(lid) + off", "lid"))
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", str(Path(__file__).resolve().parents[1]))

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "enigma", "run-msl", "k.metal", "overrun", *args],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)

    ok = cli("--grid", "128", "--block", "64")
    assert ok.returncode == 0, ok.stderr
    assert "threadgroup float        t [[threadgroup(0)]]" in ok.stdout
    assert "t: 256 bytes of threadgroup memory" in ok.stdout
    small = cli("--grid", "128", "--block", "64", "--threadgroup-memory", "0=128")
    assert small.returncode == 1
    assert "out-of-bounds write of threadgroup memory 't'" in small.stderr
    assert "at element index 32" in small.stderr


@pytest.mark.parametrize(
    "before",
    [
        "constexpr uint SG = 4;  // SIMD-groups per threadgroup (per query row)",
        "/* a comment (ending in a parenthesis) */",
        "#define ROWS (4)",
        "uint unused = (t);",
    ],
)
def test_kernel_scope_threadgroup_array_after_a_parenthesis(before):
    # What precedes a kernel-scope `threadgroup` declaration must not make it look like a
    # member-function qualifier (which would leave each thread its own copy, silently).
    src = f"""
#include <metal_stdlib>
using namespace metal;
kernel void k(device float* out [[buffer(0)]], uint t [[thread_index_in_threadgroup]]) {{
  {before}
  threadgroup float tmax[4];
  if (t < 4) tmax[t] = float(t);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  out[t] = tmax[(t + 1) % 4];
}}
"""
    k = rt.compile_msl(src, "k")
    out = np.zeros(64, np.float32)
    k(out, grid=(64,), block=(64,))
    np.testing.assert_array_equal(out, ((np.arange(64) + 1) % 4).astype(np.float32))
