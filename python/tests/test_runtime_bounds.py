"""CPU runtime: exact out-of-bounds detection (the EnigmaBoundsCheck pass plugin checks every
buffer access against the buffer's bytes), guard-only mode, and how the mode is chosen.

Guard pages alone miss the alignment slack after a buffer's end (A[7] of a 7-float buffer)
and the bytes just before its start (A[-1]): most buffers here are sized so that the faulting
access lands there, where only the exact check can see it."""

from __future__ import annotations

import functools
import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass

import enigma
import numpy as np
import pytest
from enigma import EnigmaError
from enigma import runtime as rt

TINY = """
#include <metal_stdlib>
using namespace metal;
kernel void tiny(device float* x [[buffer(0)]], uint i [[thread_position_in_grid]]) {
  x[i] += 1.0f;
}
"""

# Reads and writes displaced by `off` (no `if (i < n)`), with the pointer reaching the access
# in different ways.
SHIFTS = """
#include <metal_stdlib>
using namespace metal;
kernel void shift(device const float* A [[buffer(0)]], device float* C [[buffer(1)]],
                  constant int& off [[buffer(2)]], uint tid [[thread_position_in_grid]]) {
  C[tid] = A[int(tid) + off];
}

kernel void shift_write(device const float* A [[buffer(0)]], device float* C [[buffer(1)]],
                        constant int& off [[buffer(2)]], uint tid [[thread_position_in_grid]]) {
  C[int(tid) + off] = A[tid] + 100.0f;
}

kernel void shift_uchar(device const uchar* A [[buffer(0)]], device uchar* C [[buffer(1)]],
                        constant int& off [[buffer(2)]], uint tid [[thread_position_in_grid]]) {
  C[tid] = A[int(tid) + off];
}

kernel void shift_half(device const half* A [[buffer(0)]], device half* C [[buffer(1)]],
                       constant int& off [[buffer(2)]], uint tid [[thread_position_in_grid]]) {
  C[tid] = A[int(tid) + off];
}

kernel void shift_long(device const long* A [[buffer(0)]], device long* C [[buffer(1)]],
                       constant int& off [[buffer(2)]], uint tid [[thread_position_in_grid]]) {
  C[tid] = A[int(tid) + off];
}

// Odd threads read A, even threads B: one access, two possible buffers.
kernel void via_select(device const float* A [[buffer(0)]], device const float* B [[buffer(1)]],
                       device float* C [[buffer(2)]], constant int& off [[buffer(3)]],
                       uint tid [[thread_position_in_grid]]) {
  device const float* p = (tid & 1u) ? A : B;
  C[tid] = p[int(tid) + off];
}

// Functions that are not inlined: called with either buffer, or with A only.
__attribute__((noinline)) float load_either(device const float* p, int i) { return p[i]; }
__attribute__((noinline)) float load_a(device const float* p, int i) { return p[i]; }

kernel void via_helper(device const float* A [[buffer(0)]], device const float* B [[buffer(1)]],
                       device float* C [[buffer(2)]], constant int& off [[buffer(3)]],
                       uint tid [[thread_position_in_grid]]) {
  C[tid] = (tid & 1u) ? load_either(A, int(tid) + off) : load_either(B, int(tid) + off);
}

kernel void via_helper_one(device const float* A [[buffer(0)]], device const float* B [[buffer(1)]],
                           device float* C [[buffer(2)]], constant int& off [[buffer(3)]],
                           uint tid [[thread_position_in_grid]]) {
  C[tid] = load_a(A, int(tid) + off);
}

// The address goes through an integer.
kernel void via_integer(device const float* A [[buffer(0)]], device const float* B [[buffer(1)]],
                        device float* C [[buffer(2)]], constant int& off [[buffer(3)]],
                        uint tid [[thread_position_in_grid]]) {
  ulong address = (ulong)A + 4ul * (ulong)(long)(int(tid) + off);
  C[tid] = *(device const float*)address;
}

// A pointer stepped in a loop.
kernel void via_loop(device const float* A [[buffer(0)]], device const float* B [[buffer(1)]],
                     device float* C [[buffer(2)]], constant int& off [[buffer(3)]],
                     uint tid [[thread_position_in_grid]]) {
  device const float* p = A + off;
  for (uint j = 0; j < tid; ++j) ++p;
  C[tid] = *p;
}

// A buffer in the constant address space.
kernel void via_constant(constant float* A [[buffer(0)]], device const float* B [[buffer(1)]],
                         device float* C [[buffer(2)]], constant int& off [[buffer(3)]],
                         uint tid [[thread_position_in_grid]]) {
  C[tid] = A[int(tid) + off];
}

// Parameters declared out of [[buffer]] order, builtins first.
kernel void via_reordered(uint lid [[thread_index_in_threadgroup]], device float* C [[buffer(2)]],
                          constant int& off [[buffer(3)]], uint tid [[thread_position_in_grid]],
                          device const float* B [[buffer(1)]], device const float* A [[buffer(0)]]) {
  C[tid] = A[int(tid) + off] + float(lid) * 0.0f;
}

kernel void copy2d(device const float* A [[buffer(0)]], device float* C [[buffer(1)]],
                   constant uint& w [[buffer(2)]], uint2 gid [[thread_position_in_grid]]) {
  uint i = gid.y * w + gid.x;
  C[i] = A[i];
}

// The faulting read comes after a barrier (threads run as fibers).
kernel void tg_shift(device const float* A [[buffer(0)]], device float* C [[buffer(1)]],
                     uint lid [[thread_position_in_threadgroup]], uint bs [[threads_per_threadgroup]],
                     uint gid [[thread_position_in_grid]]) {
  threadgroup float tile[64];
  tile[lid] = A[gid];
  threadgroup_barrier(mem_flags::mem_threadgroup);
  C[gid] = tile[(lid + 1u) % bs] + A[gid + 1u];
}

kernel void axpy(device const float* X [[buffer(0)]], device float* Y [[buffer(1)]],
                 uint tid [[thread_position_in_grid]]) {
  Y[tid] = 2.0f * X[tid] + Y[tid];
}
"""

MEMORY = """
#include <metal_stdlib>
using namespace metal;
struct S { float a, b, c, d, e, f; };

kernel void load4(device const float* A [[buffer(0)]], device float* out [[buffer(1)]],
                  constant uint& i [[buffer(2)]]) {
  packed_float4 v = *(device const packed_float4*)(A + i);
  out[0] = v.x; out[1] = v.y; out[2] = v.z; out[3] = v.w;
}

kernel void store4(device float* A [[buffer(0)]], constant uint& i [[buffer(1)]]) {
  *(device packed_float4*)(A + i) = packed_float4(1.0f, 2.0f, 3.0f, 4.0f);
}

kernel void copy_packed3(device const float* A [[buffer(0)]], device float* out [[buffer(1)]],
                         constant uint& i [[buffer(2)]]) {
  *(device packed_float3*)out = *(device const packed_float3*)(A + i);
}

kernel void copy_float3(device const float* A [[buffer(0)]], device float* out [[buffer(1)]],
                        constant uint& i [[buffer(2)]]) {
  *(device float3*)out = *(device const float3*)(A + i);
}

kernel void atomics(device atomic_uint* bins [[buffer(0)]], device const uint* keys [[buffer(1)]],
                    device uint* out [[buffer(2)]], device atomic_float* fbins [[buffer(3)]],
                    constant uint& op [[buffer(4)]], uint tid [[thread_position_in_grid]]) {
  uint k = keys[tid];
  if (op == 0u) {
    atomic_fetch_add_explicit(&bins[k], 1u, memory_order_relaxed);
  } else if (op == 1u) {
    uint expected = 0u;
    atomic_compare_exchange_weak_explicit(&bins[k], &expected, tid + 1u, memory_order_relaxed,
                                          memory_order_relaxed);
  } else if (op == 2u) {
    atomic_store_explicit(&bins[k], tid + 1u, memory_order_relaxed);
  } else if (op == 3u) {
    out[tid] = atomic_load_explicit(&bins[k], memory_order_relaxed);
  } else {
    atomic_fetch_add_explicit(&fbins[k], 0.5f, memory_order_relaxed);
  }
}

// Memory the check must leave alone: threadgroup arrays and atomics, a thread's own array,
// constant scalars; plus a constant-address-space buffer read in bounds.
kernel void locals(device const float* A [[buffer(0)]], device float* C [[buffer(1)]],
                   constant float& scale [[buffer(2)]], constant uint& k [[buffer(3)]],
                   constant float* coeffs [[buffer(4)]],
                   uint lid [[thread_position_in_threadgroup]], uint bs [[threads_per_threadgroup]],
                   uint gid [[thread_position_in_grid]]) {
  threadgroup float tile[64];
  threadgroup atomic_uint count;
  thread float mine[8];
  if (lid == 0u) atomic_store_explicit(&count, 0u, memory_order_relaxed);
  tile[lid] = A[gid] * scale;
  for (uint j = 0; j < 8u; ++j) mine[(j * 3u + lid) % 8u] = A[gid] + float((j * 3u + lid) % 8u);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  atomic_fetch_add_explicit(&count, 1u, memory_order_relaxed);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  C[gid] = tile[(lid + k) % bs] + mine[(lid + k) % 8u] * coeffs[lid % 3u] +
           float(atomic_load_explicit(&count, memory_order_relaxed));
}

kernel void mm8(device const float* A [[buffer(0)]], device float* C [[buffer(1)]],
                uint lane [[thread_index_in_simdgroup]]) {
  simdgroup_float8x8 m, r;
  simdgroup_load(m, A);
  simdgroup_multiply(r, m, m);
  simdgroup_store(r, C);
}

// An 8x8 tile of a 10x10 row-major matrix, copied from A to C at `origin`.
kernel void tile10(device const float* A [[buffer(0)]], device float* C [[buffer(1)]],
                   constant uint2& origin [[buffer(2)]], constant uint& transpose [[buffer(3)]],
                   uint lane [[thread_index_in_simdgroup]]) {
  simdgroup_float8x8 m;
  simdgroup_load(m, A, 10, ulong2(origin), transpose != 0u);
  simdgroup_store(m, C, 10, ulong2(origin), transpose != 0u);
}

// A buffer bound to a reference.
kernel void ref4(device float4& v [[buffer(0)]], device float* out [[buffer(1)]],
                 uint tid [[thread_position_in_grid]]) {
  out[tid] = v[tid];
}

kernel void copy_struct(device const S* in [[buffer(0)]], device S* out [[buffer(1)]],
                        constant uint& i [[buffer(2)]]) {
  out[0] = in[i];
}

kernel void copy_struct_at(device const float* A [[buffer(0)]], device S* out [[buffer(1)]],
                           constant uint& i [[buffer(2)]]) {
  out[0] = *(device const S*)(A + i);
}

// Loops the compiler turns into memset, wide copies and masked vector stores.
kernel void loops(device const float* in [[buffer(0)]], device float* out [[buffer(1)]],
                  constant uint& m [[buffer(2)]], constant uint& op [[buffer(3)]]) {
  if (op == 0u) {
    for (uint j = 0; j < m; ++j) out[j] = 0.0f;
  } else if (op == 1u) {
    for (uint j = 0; j < m; ++j) out[j] = in[j];
  } else {
    for (uint j = 0; j < m; ++j)
      if (in[j] > 0.0f) out[j] = 2.0f * in[j];
  }
}

// Masked vector loads.
kernel void masked_sum(device const int* A [[buffer(0)]], device const int* flag [[buffer(1)]],
                       device int* out [[buffer(2)]], constant uint& m [[buffer(3)]]) {
  int acc = 0;
  for (uint j = 0; j < m; ++j)
    if (flag[j] != 0) acc += A[j];
  out[0] = acc;
}
"""

SOURCES = (SHIFTS, MEMORY)

_REPORT = re.compile(
    r"kernel '(?P<kernel>\w+)': out-of-bounds (?P<access>read|write|atomic read-modify-write) "
    r"of buffer '(?P<buffer>\w+)' \(\[\[buffer\((?P<slot>\d+)\)\]\], (?P<nbytes>\d+) bytes = "
    r"(?P<count>\d+) elements? of (?P<type>\w+)(?: and (?P<rest>\d+) bytes)?\) at element index (?P<index>-?\d+) "
    r"\(byte offset (?P<offset>-?\d+)(?:, (?P<size>\d+) bytes)?\), "
    r"in threadgroup \((?P<group>\d+,\d+,\d+)\), thread \((?P<local>\d+,\d+,\d+)\) of the "
    r"threadgroup, thread_position_in_grid \((?P<grid>\d+,\d+,\d+)\)"
    r"(?:, at (?P<where>\S+))?"
)


@dataclass
class Report:
    """A parsed out-of-bounds message."""

    kernel: str
    access: str
    buffer: str
    slot: int
    nbytes: int
    count: int
    type: str
    index: int
    offset: int
    size: int | None  # None: one element
    group: str
    local: str
    grid: str
    message: str
    where: str | None = None  # the access's source position

    def assert_outside(self, element_size: int) -> None:
        """The reported access really touches bytes outside the buffer."""
        size = self.size if self.size is not None else element_size
        assert size > 0
        assert self.offset < 0 or self.offset + size > self.nbytes, self
        assert self.index == self.offset // element_size, self


def oob(kernel: rt.CpuKernel, *args: object, **launch: object) -> Report:
    """Launches `kernel`, which must fail with an out-of-bounds report."""
    with pytest.raises(EnigmaError) as exc:
        kernel(*args, **launch)
    msg = str(exc.value)
    assert exc.value.kind == "out_of_bounds", msg
    m = _REPORT.fullmatch(msg)
    assert m, msg
    g = m.groupdict()
    assert g["kernel"] == kernel.name, msg
    if kernel.bounds_check == "exact":
        # Exact checks name the access's line and column in the kernel's source.
        assert g["where"] and re.fullmatch(rf"{kernel.name}\.metal:\d+:\d+", g["where"]), msg
    ints = ("slot", "nbytes", "count", "index", "offset")
    return Report(
        **{
            k: int(v) if k in ints else v
            for k, v in g.items()
            if k not in ("size", "rest", "where")
        },
        where=g["where"],
        size=int(g["size"]) if g["size"] is not None else None,
        message=msg,
    )


def one(n: int) -> dict[str, tuple[int]]:
    """A single threadgroup of n threads: its threads run in order."""
    return {"grid": (n,), "block": (n,)}


@functools.cache
def default_mode() -> str:
    return rt.compile_msl(TINY, "tiny").bounds_check


@pytest.fixture(scope="module")
def exact_available() -> None:
    if default_mode() != "exact":
        pytest.skip(
            "exact bounds checking is not the default here (no plugin or other compiler)"
        )


@pytest.fixture(scope="module")
def exact(exact_available: None) -> Callable[[str], rt.CpuKernel]:
    """Compiles each kernel once per module, with exact checks."""
    kernels: dict[str, rt.CpuKernel] = {}

    def get(name: str) -> rt.CpuKernel:
        if name not in kernels:
            (source,) = [s for s in SOURCES if f"kernel void {name}(" in s]
            k = rt.compile_msl(source, name, bounds_check="exact")
            assert k.bounds_check == "exact"
            kernels[name] = k
        return kernels[name]

    return get


# ---------------------------------------------------------------------------------------------
# The repro: reads in the alignment slack and just before the start.


def test_read_in_slack_after_end(exact: Callable[[str], rt.CpuKernel]) -> None:
    k = exact("shift")
    a = np.arange(1, 8, dtype=np.float32)
    c = np.full(7, -1, np.float32)
    with pytest.raises(EnigmaError) as exc:
        k(a, c, 1, **one(7))
    assert exc.value.kind == "out_of_bounds"
    assert str(exc.value) == (
        "kernel 'shift': out-of-bounds read of buffer 'A' ([[buffer(0)]], 28 bytes = 7 elements "
        "of float) at element index 7 (byte offset 28), in threadgroup (0,0,0), thread (6,0,0) of "
        "the threadgroup, thread_position_in_grid (6,0,0), at shift.metal:6:12"
    )
    np.testing.assert_array_equal(c, [2, 3, 4, 5, 6, 7, -1])  # threads 0..5 ran


def test_read_just_before_start(exact: Callable[[str], rt.CpuKernel]) -> None:
    k = exact("shift")
    a = np.arange(8, dtype=np.float32)
    c = np.full(8, -1, np.float32)
    r = oob(k, a, c, -1, **one(8))
    assert (r.access, r.buffer, r.slot, r.nbytes, r.count, r.type) == (
        "read",
        "A",
        0,
        32,
        8,
        "float",
    )
    assert (r.index, r.offset, r.size) == (-1, -4, None)
    assert (r.group, r.local, r.grid) == ("0,0,0", "0,0,0", "0,0,0")
    np.testing.assert_array_equal(c, -1)


def test_shift_sweep(exact: Callable[[str], rt.CpuKernel]) -> None:
    """Fails exactly when an index leaves [0, n), reporting the first such thread's index."""
    k = exact("shift")
    for n in range(1, 21):
        a = np.arange(1, n + 1, dtype=np.float32)
        for off in range(-3, 4):
            c = np.full(n, -1, np.float32)
            idx = np.arange(n) + off
            bad = np.flatnonzero((idx < 0) | (idx >= n))
            where = f"n={n} off={off}"
            if bad.size == 0:
                k(a, c, off, **one(n))
                np.testing.assert_array_equal(c, a[idx], err_msg=where)
                continue
            t = int(bad[0])
            r = oob(k, a, c, off, **one(n))
            assert (r.buffer, r.access, r.nbytes) == ("A", "read", 4 * n), where
            assert (r.index, r.offset, r.size) == (idx[t], 4 * idx[t], None), where
            assert r.local == r.grid == f"{t},0,0", where
            np.testing.assert_array_equal(c[:t], a[idx[:t]], err_msg=where)
            assert c[t] == -1, where


@pytest.mark.parametrize(
    ("name", "dtype"),
    [("shift_uchar", np.uint8), ("shift_half", np.float16), ("shift_long", np.int64)],
)
def test_other_element_sizes(
    exact: Callable[[str], rt.CpuKernel], name: str, dtype: type
) -> None:
    k = exact(name)
    size = np.dtype(dtype).itemsize
    n = 5  # 5, 10 and 40 bytes: never a multiple of 16
    a = np.arange(1, n + 1).astype(dtype)
    c = np.zeros(n, dtype)
    r = oob(k, a, c, 1, **one(n))
    assert (r.index, r.offset, r.size, r.nbytes, r.grid) == (
        n,
        n * size,
        None,
        n * size,
        "4,0,0",
    )
    r = oob(k, a, c, -1, **one(n))
    assert (r.index, r.offset, r.size, r.grid) == (-1, -size, None, "0,0,0")
    k(a, c, 0, **one(n))
    np.testing.assert_array_equal(c, a)


def test_write_into_slack(exact: Callable[[str], rt.CpuKernel]) -> None:
    k = exact("shift_write")
    a = np.arange(5, dtype=np.float32)
    c = np.full(5, -1, np.float32)
    r = oob(k, a, c, 1, **one(5))
    assert (r.access, r.buffer, r.slot, r.nbytes) == ("write", "C", 1, 20)
    assert (r.index, r.offset, r.size, r.local) == (5, 20, None, "4,0,0")
    # The caller's array shows what the in-bounds threads wrote.
    np.testing.assert_array_equal(c, [-1, 100, 101, 102, 103])
    c = np.full(5, -1, np.float32)
    r = oob(k, a, c, -1, **one(5))
    assert (r.access, r.buffer, r.index, r.offset, r.local) == (
        "write",
        "C",
        -1,
        -4,
        "0,0,0",
    )
    np.testing.assert_array_equal(c, -1)


# ---------------------------------------------------------------------------------------------
# Accesses wider than an element.


def test_vector_read_partly_outside(exact: Callable[[str], rt.CpuKernel]) -> None:
    k = exact("load4")
    a = np.arange(6, dtype=np.float32)
    out = np.zeros(4, np.float32)
    r = oob(k, a, out, 4, **one(1))
    assert (r.access, r.buffer, r.nbytes, r.type) == ("read", "A", 24, "float")
    assert (r.index, r.offset, r.size) == (4, 16, 16)
    assert "at element index 4 (byte offset 16, 16 bytes), in" in r.message
    np.testing.assert_array_equal(out, 0)
    k(a, out, 2, **one(1))  # bytes 8..24: all inside
    np.testing.assert_array_equal(out, [2, 3, 4, 5])


def test_vector_write_partly_outside(exact: Callable[[str], rt.CpuKernel]) -> None:
    k = exact("store4")
    a = np.arange(6, dtype=np.float32)
    r = oob(k, a, 4, **one(1))
    assert (r.access, r.buffer, r.index, r.offset, r.size) == ("write", "A", 4, 16, 16)
    np.testing.assert_array_equal(a, np.arange(6))  # nothing written
    k(a, 2, **one(1))
    np.testing.assert_array_equal(a, [0, 1, 1, 2, 3, 4])


@pytest.mark.parametrize("name", ["copy_packed3", "copy_float3"])
def test_three_element_vector_copy_partly_outside(
    exact: Callable[[str], rt.CpuKernel], name: str
) -> None:
    k = exact(name)
    out = np.zeros(4, np.float32)
    r = oob(k, np.arange(6, dtype=np.float32), out, 4, **one(1))  # bytes 16..28 of 24
    assert (r.access, r.buffer, r.index, r.offset, r.size) == ("read", "A", 4, 16, 12)
    assert "at element index 4 (byte offset 16, 12 bytes), in" in r.message
    np.testing.assert_array_equal(out, 0)
    k(np.arange(7, dtype=np.float32), out, 4, **one(1))  # bytes 16..28 of 28
    np.testing.assert_array_equal(out, [4, 5, 6, 0])


def test_reference_parameter(exact: Callable[[str], rt.CpuKernel]) -> None:
    k = exact("ref4")
    out = np.zeros(4, np.float32)
    k(np.arange(1, 5, dtype=np.float32), out, **one(4))
    np.testing.assert_array_equal(out, [1, 2, 3, 4])
    out[:] = 0
    r = oob(k, np.arange(1, 4, dtype=np.float32), out, **one(4))  # v.w is missing
    assert (r.access, r.buffer, r.nbytes, r.count, r.type) == (
        "read",
        "v",
        12,
        0,
        "float4",
    )
    assert (r.index, r.offset, r.size, r.grid) == (0, 12, 4, "3,0,0")
    np.testing.assert_array_equal(out, [1, 2, 3, 0])


def test_empty_buffers(exact: Callable[[str], rt.CpuKernel]) -> None:
    empty = np.zeros(0, np.float32)
    r = oob(exact("shift"), empty, np.zeros(1, np.float32), 0, **one(1))
    assert (r.access, r.buffer, r.nbytes, r.count, r.index, r.offset) == (
        "read",
        "A",
        0,
        0,
        0,
        0,
    )
    r = oob(exact("shift_write"), np.ones(1, np.float32), empty, 0, **one(1))
    assert (r.access, r.buffer, r.nbytes, r.index, r.offset) == ("write", "C", 0, 0, 0)


def test_struct_copy(exact: Callable[[str], rt.CpuKernel]) -> None:
    s = np.dtype([(f, np.float32) for f in "abcdef"])
    src = np.zeros(2, s)
    src.view(np.float32)[:] = np.arange(12)
    k = exact("copy_struct")
    out = np.zeros(1, s)
    r = oob(k, src, out, 2, **one(1))
    assert (r.access, r.buffer, r.type, r.nbytes, r.index) == ("read", "in", "S", 48, 2)
    r.assert_outside(24)
    k(src, out, 1, **one(1))
    np.testing.assert_array_equal(out.view(np.float32), np.arange(6, 12))
    # From a float buffer: the struct straddles the end by 4 bytes (inside the slack).
    k = exact("copy_struct_at")
    floats = np.arange(7, dtype=np.float32)
    r = oob(k, floats, out, 2, **one(1))
    assert (r.access, r.buffer, r.nbytes) == ("read", "A", 28)
    r.assert_outside(4)
    assert r.offset >= 8 and r.offset + (r.size or 4) <= 32, r
    k(floats, out, 1, **one(1))
    np.testing.assert_array_equal(out.view(np.float32), np.arange(1, 7))


def test_loop_idioms(exact: Callable[[str], rt.CpuKernel]) -> None:
    """memset, wide copies and masked stores made from loops: checked with their real size."""
    k = exact("loops")
    for m in (7, 9, 16, 17):
        where = f"m={m}"
        inp = np.arange(1, m + 1, dtype=np.float32)
        out = np.full(m, -1, np.float32)
        k(inp, out, m, 0, **one(1))
        np.testing.assert_array_equal(out, 0, err_msg=where)
        r = oob(k, inp, np.full(m - 1, -1, np.float32), m, 0, **one(1))
        assert (r.access, r.buffer, r.nbytes) == ("write", "out", 4 * (m - 1)), where
        r.assert_outside(4)
        k(inp, out, m, 1, **one(1))
        np.testing.assert_array_equal(out, inp, err_msg=where)
        r = oob(k, inp[:-1].copy(), out, m, 1, **one(1))
        assert (r.access, r.buffer) == ("read", "in"), where
        r.assert_outside(4)
        r = oob(k, inp, np.zeros(m - 1, np.float32), m, 1, **one(1))
        assert (r.access, r.buffer) == ("write", "out"), where
        r.assert_outside(4)
        # Conditional stores: the lane past the end of `out` is disabled, then enabled.
        inp[-1] = -5
        out = np.full(m - 1, -1, np.float32)
        k(inp, out, m, 2, **one(1))
        np.testing.assert_array_equal(out, 2 * inp[:-1], err_msg=where)
        inp[-1] = 5
        r = oob(k, inp, out, m, 2, **one(1))
        assert (r.access, r.buffer, r.index, r.offset) == (
            "write",
            "out",
            m - 1,
            4 * (m - 1),
        ), where
        assert r.size in (None, 4), where


def test_masked_loads(exact: Callable[[str], rt.CpuKernel]) -> None:
    k = exact("masked_sum")
    for m in (7, 16, 17):
        a = np.arange(1, m, dtype=np.int32)  # m - 1 elements
        flag = np.ones(m, np.int32)
        flag[-1] = 0
        out = np.zeros(1, np.int32)
        k(a, flag, out, m, **one(1))
        assert out[0] == a.sum(), m
        flag[-1] = 1
        r = oob(k, a, flag, out, m, **one(1))
        assert (r.access, r.buffer, r.index, r.offset) == (
            "read",
            "A",
            m - 1,
            4 * (m - 1),
        ), m
        assert r.size in (None, 4), m


# ---------------------------------------------------------------------------------------------
# Atomics.


def _atomic_args(keys: np.ndarray, nbins: int, op: int) -> tuple:
    return (
        np.zeros(nbins, np.uint32),
        keys.astype(np.uint32),
        np.zeros(keys.size, np.uint32),
        np.zeros(nbins, np.float32),
        op,
    )


def test_atomic_out_of_bounds(exact: Callable[[str], rt.CpuKernel]) -> None:
    k = exact("atomics")
    args = _atomic_args(np.array([0, 1, 3, 1, 2, 0]), 3, 0)
    r = oob(k, *args, **one(6))
    assert (r.access, r.buffer, r.slot, r.nbytes, r.count, r.type) == (
        "atomic read-modify-write",
        "bins",
        0,
        12,
        3,
        "atomic_uint",
    )
    assert (r.index, r.offset, r.size, r.local) == (3, 12, None, "2,0,0")
    np.testing.assert_array_equal(args[0], [1, 1, 0])  # threads 0 and 1 counted


@pytest.mark.parametrize(
    ("op", "access"), [(1, "atomic read-modify-write"), (2, "write"), (3, "read")]
)
def test_other_atomic_accesses(
    exact: Callable[[str], rt.CpuKernel], op: int, access: str
) -> None:
    k = exact("atomics")
    r = oob(k, *_atomic_args(np.array([2, 3]), 3, op), **one(2))
    assert (r.access, r.buffer, r.index, r.offset, r.local) == (
        access,
        "bins",
        3,
        12,
        "1,0,0",
    )


def test_atomic_float_out_of_bounds(exact: Callable[[str], rt.CpuKernel]) -> None:
    k = exact("atomics")
    args = _atomic_args(np.array([0, 2, 3]), 3, 4)
    r = oob(k, *args, **one(3))
    # A compare-and-swap loop: its first access is a plain read.
    assert r.access in ("read", "atomic read-modify-write")
    assert (r.buffer, r.type, r.index, r.offset, r.local) == (
        "fbins",
        "atomic_float",
        3,
        12,
        "2,0,0",
    )
    np.testing.assert_array_equal(args[3], [0.5, 0, 0.5])


def test_atomic_histograms_in_bounds(exact: Callable[[str], rt.CpuKernel]) -> None:
    k = exact("atomics")
    keys = np.random.default_rng(0).integers(0, 7, 1000)
    args = _atomic_args(keys, 7, 0)  # 28 bytes of bins: the last ones border the slack
    k(*args, grid=(1000,), block=(64,))
    np.testing.assert_array_equal(args[0], np.bincount(keys, minlength=7))
    args = _atomic_args(keys, 7, 4)
    k(*args, grid=(1000,), block=(64,))
    np.testing.assert_array_equal(args[3], 0.5 * np.bincount(keys, minlength=7))
    args = _atomic_args(keys, 7, 3)
    args[0][:] = np.arange(7) * 10
    k(*args, grid=(1000,), block=(64,))
    np.testing.assert_array_equal(args[2], keys * 10)


# ---------------------------------------------------------------------------------------------
# No false positives.


def _locals_expected(
    a: np.ndarray, scale: float, kk: int, coeffs: np.ndarray, bs: int
) -> np.ndarray:
    gid = np.arange(a.size)
    lid = gid % bs
    tile = a[gid - lid + (lid + kk) % bs] * scale
    mine = a + (lid + kk) % 8
    return (tile + mine * coeffs[lid % 3] + bs).astype(np.float32)


def test_no_false_positives_on_local_memory(
    exact: Callable[[str], rt.CpuKernel],
) -> None:
    k = exact("locals")
    a = np.random.default_rng(1).random(63).astype(np.float32)  # 252 bytes
    c = np.zeros(63, np.float32)
    coeffs = np.array([1, 2, 3], np.float32)  # 12 bytes
    k(a, c, 2.0, 5, coeffs, grid=(63,), block=(21,))
    np.testing.assert_allclose(c, _locals_expected(a, 2.0, 5, coeffs, 21), rtol=1e-6)


def test_simdgroup_matrix_covering_the_buffer(
    exact: Callable[[str], rt.CpuKernel],
) -> None:
    k = exact("mm8")
    a = np.random.default_rng(2).random(64).astype(np.float32)
    c = np.zeros(64, np.float32)
    k(a, c, **one(32))
    m = a.reshape(8, 8).astype(np.float64)
    np.testing.assert_allclose(c.reshape(8, 8), m @ m, rtol=1e-5)


def test_simdgroup_load_past_the_end(exact: Callable[[str], rt.CpuKernel]) -> None:
    k = exact("mm8")
    c = np.zeros(64, np.float32)
    r = oob(k, np.ones(63, np.float32), c, **one(32))
    assert (r.access, r.buffer, r.nbytes, r.count) == ("read", "A", 252, 63)
    r.assert_outside(4)
    assert r.offset + (r.size or 4) <= 256, r  # a load of the 8x8 matrix
    np.testing.assert_array_equal(c, 0)
    # The position is the kernel's call of simdgroup_load, not the header code it inlines.
    assert "simdgroup_load(" in source_line(r.where), r.where


def source_line(where: str | None) -> str:
    """The source line `kernel.metal:line:col` names (the kernel's source in SOURCES)."""
    assert where, "no source position"
    name, line, _ = where.rsplit(":", 2)
    kernel = name.removesuffix(".metal")
    (source,) = [s for s in SOURCES if f"kernel void {kernel}(" in s]
    return source.splitlines()[int(line) - 1]


def test_simdgroup_tile_with_origin(exact: Callable[[str], rt.CpuKernel]) -> None:
    k = exact("tile10")
    a = np.arange(100, dtype=np.float32)
    for transpose in (0, 1):
        c = np.zeros(100, np.float32)
        k(a, c, (2, 2), transpose, **one(32))  # rows 2..9, columns 2..9: ends at a[99]
        want = np.zeros((10, 10), np.float32)
        want[2:, 2:] = a.reshape(10, 10)[2:, 2:]
        np.testing.assert_array_equal(c.reshape(10, 10), want)
        r = oob(k, a, c, (3, 2), transpose, **one(32))  # column 10 of row 9 is a[100]
        assert (r.access, r.buffer) == ("read", "A")
        r.assert_outside(4)
    r = oob(k, a, np.zeros(99, np.float32), (2, 2), 0, **one(32))  # c[99] is missing
    assert (r.access, r.buffer, r.nbytes) == ("write", "C", 396)
    r.assert_outside(4)


def test_same_array_for_two_parameters(exact: Callable[[str], rt.CpuKernel]) -> None:
    x = np.arange(7, dtype=np.float32)
    exact("axpy")(x, x, **one(7))  # one shared copy
    np.testing.assert_array_equal(x, 3 * np.arange(7))
    k = exact("shift_write")
    x = np.arange(7, dtype=np.float32)
    k(x, x, 0, **one(7))
    np.testing.assert_array_equal(x, np.arange(7) + 100)
    x = np.arange(7, dtype=np.float32)
    # C[tid + 1] = A[tid] + 100, thread after thread, through the one copy.
    r = oob(k, x, x, 1, **one(7))
    assert (r.access, r.buffer, r.slot, r.index, r.local) == (
        "write",
        "C",
        1,
        7,
        "6,0,0",
    )
    np.testing.assert_array_equal(x, [0, 100, 200, 300, 400, 500, 600])


# ---------------------------------------------------------------------------------------------
# How the pointer reaches the access, and which thread is named.

# Kernels taking (A, B, C, off); `even_b`: even threads read B, odd ones A.
PROVENANCE = [
    ("via_select", True),
    ("via_helper", True),
    ("via_helper_one", False),
    ("via_integer", False),
    ("via_loop", False),
    ("via_constant", False),
    ("via_reordered", False),
]


@pytest.mark.parametrize(("name", "even_b"), PROVENANCE)
def test_pointer_provenance(
    exact: Callable[[str], rt.CpuKernel], name: str, even_b: bool
) -> None:
    k = exact(name)
    n = 7
    a = np.arange(1, 8, dtype=np.float32)  # 7 elements
    b = np.arange(101, 110, dtype=np.float32)  # 9 elements
    for off in (-1, 0, 1, 2, 3):
        where = f"{name} off={off}"
        first = None
        want = np.full(n, -1, np.float32)
        for t in range(n):
            buf, arr = ("B", b) if even_b and t % 2 == 0 else ("A", a)
            i = t + off
            if not 0 <= i < arr.size:
                first = (t, buf, i, arr.size)
                break
            want[t] = arr[i]
        c = np.full(n, -1, np.float32)
        if first is None:
            k(a, b, c, off, **one(n))
        else:
            t, buf, i, size = first
            r = oob(k, a, b, c, off, **one(n))
            assert (r.access, r.buffer, r.nbytes) == ("read", buf, 4 * size), where
            assert (r.index, r.offset, r.size, r.grid) == (
                i,
                4 * i,
                None,
                f"{t},0,0",
            ), where
        np.testing.assert_array_equal(c, want, err_msg=where)


def test_report_names_the_thread_in_a_2d_grid(
    exact: Callable[[str], rt.CpuKernel],
) -> None:
    k = exact("copy2d")
    a = np.arange(31, dtype=np.float32)  # thread (7,3) alone reads a[31]
    c = np.zeros(32, np.float32)
    r = oob(k, a, c, 8, grid=(8, 4), block=(4, 2))
    assert (r.buffer, r.index, r.offset) == ("A", 31, 124)
    assert (r.group, r.local, r.grid) == ("1,1,0", "3,1,0", "7,3,0")
    # Threadgroup (1,1,0) ran in order up to the faulting thread (other groups may not have).
    ran = [20, 21, 22, 23, 28, 29, 30]
    np.testing.assert_array_equal(c[ran], a[ran])
    assert c[31] == 0


def test_fault_after_a_barrier(exact: Callable[[str], rt.CpuKernel]) -> None:
    k = exact("tg_shift")
    a = np.arange(1, 8, dtype=np.float32)
    c = np.full(7, -1, np.float32)
    r = oob(k, a, c, **one(7))
    assert (r.buffer, r.index, r.offset, r.local) == ("A", 7, 28, "6,0,0")
    t = np.arange(6)
    np.testing.assert_array_equal(c[:6], a[(t + 1) % 7] + a[t + 1])
    a = np.arange(1, 9, dtype=np.float32)  # 8 elements: thread 6 reads a[7]
    c = np.full(8, -1, np.float32)
    k(a, c, **one(7))
    t = np.arange(7)
    np.testing.assert_array_equal(c, np.append(a[(t + 1) % 7] + a[t + 1], -1))


# ---------------------------------------------------------------------------------------------
# Unchecked launches, relaunching, compile flags.


def test_unchecked_launches_of_exact_kernels(
    exact: Callable[[str], rt.CpuKernel],
) -> None:
    """checked=False passes the caller's arrays in place: the checks must let them through."""
    a = np.arange(1, 8, dtype=np.float32)
    c = np.zeros(7, np.float32)
    exact("shift")(a, c, 0, **one(7), checked=False)
    np.testing.assert_array_equal(c, a)
    x = np.arange(7, dtype=np.float32)
    exact("axpy")(x, x, **one(7), checked=False)
    np.testing.assert_array_equal(x, 3 * np.arange(7))
    keys = np.random.default_rng(3).integers(0, 7, 300)
    args = _atomic_args(keys, 7, 0)
    exact("atomics")(*args, grid=(300,), block=(32,), checked=False)
    np.testing.assert_array_equal(args[0], np.bincount(keys, minlength=7))
    a = np.random.default_rng(4).random(63).astype(np.float32)
    c = np.zeros(63, np.float32)
    coeffs = np.array([1, 2, 3], np.float32)
    exact("locals")(a, c, 2.0, 5, coeffs, grid=(63,), block=(21,), checked=False)
    np.testing.assert_allclose(c, _locals_expected(a, 2.0, 5, coeffs, 21), rtol=1e-6)
    m = np.random.default_rng(5).random(64).astype(np.float32)
    c = np.zeros(64, np.float32)
    exact("mm8")(m, c, **one(32), checked=False)
    np.testing.assert_allclose(
        c.reshape(8, 8), m.reshape(8, 8) @ m.reshape(8, 8), rtol=1e-5
    )
    b = np.arange(101, 110, dtype=np.float32)
    c = np.zeros(7, np.float32)
    exact("via_select")(
        np.arange(1, 8, dtype=np.float32), b, c, 1, **one(6), checked=False
    )
    np.testing.assert_array_equal(c[:6], [102, 3, 104, 5, 106, 7])


def test_kernel_works_after_an_error(exact: Callable[[str], rt.CpuKernel]) -> None:
    k = exact("shift")
    a = np.arange(1, 8, dtype=np.float32)
    c = np.zeros(7, np.float32)
    assert oob(k, a, c, 1, **one(7)).index == 7
    c[:] = 0
    k(a, c, 0, **one(7))
    np.testing.assert_array_equal(c, a)
    big = np.arange(40, dtype=np.float32)  # a larger launch, then a smaller one again:
    cb = np.zeros(39, np.float32)  # the bounds follow each launch's buffers
    k(big, cb, 1, grid=(39,), block=(13,))
    np.testing.assert_array_equal(cb, big[1:])
    small = np.arange(3, dtype=np.float32)
    r = oob(k, small, np.zeros(3, np.float32), 1, **one(3))
    assert (r.nbytes, r.index, r.grid) == (12, 3, "2,0,0")
    r = oob(k, small, np.zeros(3, np.float32), -2, **one(3))
    assert (r.index, r.offset, r.grid) == (-2, -8, "0,0,0")
    cs = np.zeros(3, np.float32)
    k(small, cs, 0, **one(3))
    np.testing.assert_array_equal(cs, small)


def test_concurrent_launches(exact: Callable[[str], rt.CpuKernel]) -> None:
    """Launches from several Python threads: each sees its own buffers' bounds."""
    kernels = [exact("via_select"), exact("via_helper_one")]
    problems: list[str] = []

    def work(seed: int) -> None:
        rng = np.random.default_rng(seed)
        for it in range(30):
            n, off = int(rng.integers(1, 40)), int(rng.integers(-1, 2))
            a, b = rng.random((2, n)).astype(np.float32)
            c = np.zeros(n, np.float32)
            try:
                kernels[it % 2](a, b, c, off, **one(n))
                if off != 0:
                    problems.append(f"missed: n={n} off={off}")
            except EnigmaError as e:
                if off == 0 or e.kind != "out_of_bounds":
                    problems.append(str(e))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert problems == []


@pytest.mark.parametrize("flags", ["-O0", "-O3 -ffast-math"])
def test_other_optimization_levels(exact_available: None, flags: str) -> None:
    k = rt.compile_msl(SHIFTS, "via_helper", cxx_flags=flags, bounds_check="exact")
    assert k.bounds_check == "exact"
    a = np.arange(1, 8, dtype=np.float32)
    b = np.arange(101, 110, dtype=np.float32)
    c = np.zeros(7, np.float32)
    k(a, b, c, 0, **one(7))
    np.testing.assert_array_equal(c, [101, 2, 103, 4, 105, 6, 107])
    r = oob(k, a, b, c, 2, **one(7))  # thread 5 reads a[7]
    assert (r.buffer, r.index, r.grid) == ("A", 7, "5,0,0")
    r = oob(k, a, b, c, -1, **one(7))
    assert (r.buffer, r.index, r.grid) == ("B", -1, "0,0,0")


# ---------------------------------------------------------------------------------------------
# Guard mode and how the mode is chosen: these run everywhere.


def test_guard_mode_misses_the_slack_but_not_far_accesses() -> None:
    k = rt.compile_msl(SHIFTS, "shift", bounds_check="guard")
    assert k.bounds_check == "guard"
    a = np.arange(1, 8, dtype=np.float32)
    c = np.full(7, -1, np.float32)
    k(a, c, 1, **one(7))  # the documented limitation: the slack reads as zero
    np.testing.assert_array_equal(c, [2, 3, 4, 5, 6, 7, 0])
    for off in (1000, -100000):  # past the end; well below the start's page
        r = oob(k, a, np.zeros(7, np.float32), off, **one(7))
        assert (r.buffer, r.access, r.index, r.offset, r.grid) == (
            "A",
            "read",
            off,
            4 * off,
            "0,0,0",
        )
    c[:] = -1
    k(a, c, 0, **one(7))
    np.testing.assert_array_equal(c, a)


def test_guard_builds_are_cached(tmp_path) -> None:
    cold = rt.compile_msl(SHIFTS, "shift", bounds_check="guard", cache_dir=tmp_path)
    warm = rt.compile_msl(SHIFTS, "shift", bounds_check="guard", cache_dir=tmp_path)
    assert (cold.was_cached, warm.was_cached) == (False, True)
    assert warm.library_path == cold.library_path
    assert cold.library_path.startswith(str(tmp_path))
    assert warm.bounds_check == "guard"


def test_exact_and_guard_builds_are_cached_separately(
    exact_available: None, tmp_path
) -> None:
    guard = rt.compile_msl(SHIFTS, "shift", bounds_check="guard", cache_dir=tmp_path)
    exact_k = rt.compile_msl(SHIFTS, "shift", bounds_check="exact", cache_dir=tmp_path)
    assert not exact_k.was_cached
    assert exact_k.library_path != guard.library_path
    again = {
        m: rt.compile_msl(SHIFTS, "shift", bounds_check=m, cache_dir=tmp_path)
        for m in ("exact", "guard")
    }
    assert again["exact"].was_cached and again["guard"].was_cached
    assert again["exact"].library_path == exact_k.library_path
    assert again["guard"].library_path == guard.library_path
    # The default (no argument, no variable) is the exact build.
    assert (
        rt.compile_msl(SHIFTS, "shift", cache_dir=tmp_path).library_path
        == exact_k.library_path
    )
    # Each cached library still behaves as its mode says.
    a = np.arange(1, 8, dtype=np.float32)
    assert (again["exact"].bounds_check, again["guard"].bounds_check) == (
        "exact",
        "guard",
    )
    assert oob(again["exact"], a, np.zeros(7, np.float32), 1, **one(7)).index == 7
    c = np.zeros(7, np.float32)
    again["guard"](a, c, 1, **one(7))
    assert c[6] == 0


def test_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENIGMA_CPU_BOUNDS_CHECK", "guard")
    assert rt.compile_msl(TINY, "tiny").bounds_check == "guard"
    monkeypatch.setenv("ENIGMA_CPU_BOUNDS_CHECK", "bogus")
    with pytest.raises(EnigmaError) as exc:
        rt.compile_msl(TINY, "tiny")
    assert exc.value.kind == "invalid_argument"
    assert (
        "ENIGMA_CPU_BOUNDS_CHECK is 'bogus'; expected 'exact', 'guard' or 'default'"
        in str(exc.value)
    )
    monkeypatch.setenv("ENIGMA_CPU_BOUNDS_CHECK", "default")
    default = rt.compile_msl(TINY, "tiny").bounds_check
    monkeypatch.delenv("ENIGMA_CPU_BOUNDS_CHECK")
    assert default == rt.compile_msl(TINY, "tiny").bounds_check
    monkeypatch.setenv("ENIGMA_CPU_BOUNDS_CHECK", "exact")
    if default == "exact":
        assert rt.compile_msl(TINY, "tiny").bounds_check == "exact"
        # An explicit argument wins over the variable.
        monkeypatch.setenv("ENIGMA_CPU_BOUNDS_CHECK", "guard")
        assert (
            rt.compile_msl(TINY, "tiny", bounds_check="exact").bounds_check == "exact"
        )
    else:
        with pytest.raises(EnigmaError) as exc:
            rt.compile_msl(TINY, "tiny")
        assert exc.value.kind == "unsupported"
        assert "exact bounds checking is not available" in str(exc.value)


@pytest.mark.parametrize("value", ["bogus", "EXACT", "default", "", 1])
def test_bad_bounds_check_argument(value: object) -> None:
    with pytest.raises(
        EnigmaError, match="bounds_check must be 'exact', 'guard' or None"
    ) as exc:
        rt.compile_msl(TINY, "tiny", bounds_check=value)  # type: ignore[arg-type]
    assert exc.value.kind == "invalid_argument"


def test_unhashable_bounds_check_argument() -> None:
    with pytest.raises(EnigmaError) as exc:
        rt.compile_msl(TINY, "tiny", bounds_check=["exact"])  # type: ignore[arg-type]
    assert exc.value.kind == "invalid_argument"


def test_compiler_wrapper_is_not_the_plugins_clang(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("clang++-22") is None:
        pytest.skip("clang++-22 is not on PATH")
    script = tmp_path / "wrapped-clang++"
    script.write_text('#!/bin/sh\nexec clang++-22 "$@"\n')
    script.chmod(0o755)
    k = rt.compile_msl(SHIFTS, "shift", cxx=str(script), cache_dir=tmp_path)
    assert k.bounds_check == "guard"
    c = np.full(7, -1, np.float32)
    # A guard build: the slack reads 0.
    k(np.arange(1, 8, dtype=np.float32), c, 1, **one(7))
    np.testing.assert_array_equal(c, [2, 3, 4, 5, 6, 7, 0])
    with pytest.raises(EnigmaError) as exc:
        rt.compile_msl(
            SHIFTS, "shift", cxx=str(script), cache_dir=tmp_path, bounds_check="exact"
        )
    assert exc.value.kind == "unsupported"
    msg = str(exc.value)
    assert msg.startswith("kernel 'shift': exact bounds checking is not available: ")
    assert (
        f"the host compiler '{script}' is not the clang the bounds-check plugin was built for"
        in msg
    )
    monkeypatch.setenv("ENIGMA_CPU_BOUNDS_CHECK", "exact")
    with pytest.raises(
        EnigmaError, match="not the clang the bounds-check plugin was built for"
    ) as exc:
        rt.compile_msl(SHIFTS, "shift", cxx=str(script), cache_dir=tmp_path)
    assert exc.value.kind == "unsupported"
    monkeypatch.delenv("ENIGMA_CPU_BOUNDS_CHECK")
    monkeypatch.setenv("ENIGMA_CXX", str(script))
    assert rt.compile_msl(SHIFTS, "shift", cache_dir=tmp_path).bounds_check == "guard"


# ---------------------------------------------------------------------------------------------
# `constant T&` scalars are checked too, and buffers of padded 3-vectors refuse (n, 3) arrays.

SCALARS = """
#include <metal_stdlib>
using namespace metal;
struct P { float c[3]; };
kernel void scalar_struct(device float* out [[buffer(0)]], constant P& p [[buffer(1)]],
                          constant int& k [[buffer(2)]], uint tid [[thread_position_in_grid]]) {
  out[tid] = p.c[k];
}

kernel void float3s(device const float3* v [[buffer(0)]], device float* out [[buffer(1)]],
                    uint tid [[thread_position_in_grid]]) {
  out[tid] = v[tid].x + v[tid].y + v[tid].z;
}

kernel void vec4s(device const float4* v [[buffer(0)]], device float* out [[buffer(1)]],
                  uint tid [[thread_position_in_grid]]) {
  out[tid] = v[tid].w;
}
"""


@pytest.mark.parametrize(("k", "offset"), [(3, 12), (16, 64), (-1, -4)])
def test_constant_struct_read_outside(exact_available: None, k: int, offset: int) -> None:
    kern = rt.compile_msl(SCALARS, "scalar_struct", bounds_check="exact")
    p = np.array([1, 2, 3], np.float32).tobytes()
    out = np.zeros(1, np.float32)
    kern(out, p, 2, **one(1))
    assert out[0] == 3.0
    with pytest.raises(EnigmaError) as exc:
        kern(out, p, k, **one(1))
    assert exc.value.kind == "out_of_bounds"
    assert (
        "kernel 'scalar_struct': out-of-bounds read of constant 'p' ([[buffer(1)]], "
        f"constant P&, 12 bytes) at byte offset {offset} (4 bytes), in threadgroup (0,0,0)"
    ) in str(exc.value)
    # Unchecked launches check nothing (the read returns whatever lies there).
    kern(out, p, 3, **one(1), checked=False)


def test_three_vector_buffers_need_padded_arrays() -> None:
    kern = rt.compile_msl(SCALARS, "float3s")
    out = np.zeros(2, np.float32)
    with pytest.raises(EnigmaError, match=r"takes 16 bytes \(4 lanes, the last one padding\)") as exc:
        kern(np.ones((2, 3), np.float32), out, **one(2))
    assert exc.value.kind == "invalid_argument"
    assert "packed_float3" in str(exc.value)
    padded = np.ones((2, 4), np.float32)
    padded[:, 3] = 100.0  # the padding lane is not read
    kern(padded, out, **one(2))
    np.testing.assert_array_equal(out, [3.0, 3.0])


def test_partial_last_element_is_described(exact: Callable[[str], rt.CpuKernel]) -> None:
    kern = rt.compile_msl(SCALARS, "vec4s", bounds_check="exact")
    out = np.zeros(2, np.float32)
    with pytest.raises(EnigmaError) as exc:
        kern(np.ones(6, np.float32), out, **one(2))  # 1.5 float4s: v[1].w is missing
    assert (
        "buffer 'v' ([[buffer(0)]], 24 bytes = 1 element of float4 and 8 bytes) at element "
        "index 1 (byte offset 28, 4 bytes)"
    ) in str(exc.value)


# ---------------------------------------------------------------------------------------------
# DSL kernels: the report names the Python line of the access, through the translation's source
# map (the MSL line the check names -> the op that printed it -> its traced location).



@enigma.kernel
def dsl_shift(A: enigma.f32, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        C[tid] = A[tid + 1]  # the out-of-bounds read: A[n]


@enigma.kernel
def dsl_copy(A: enigma.f32, C: enigma.f32):
    tid = enigma.thread_position_in_grid.x
    C[tid] = A[tid]  # unguarded


def _line_of(fn: object, text: str) -> int:
    import inspect

    lines, first = inspect.getsourcelines(fn)
    (offset,) = [i for i, ln in enumerate(lines) if text in ln]
    return first + offset


def test_dsl_kernel_report_names_the_python_line(exact_available: None) -> None:
    k = enigma.compile(dsl_shift, emit_only=True)
    source_map = k.metadata["kernels"][0]["source_map"]
    assert [e[0] for e in source_map] == sorted(e[0] for e in source_map)
    assert all(e[1] == __file__ for e in source_map)
    a = np.arange(7, dtype=np.float32)
    c = np.zeros(7, np.float32)
    with pytest.raises(EnigmaError) as exc:
        k(a, c, 7, grid=7, block=7, device="cpu")
    assert exc.value.kind == "out_of_bounds"
    line = _line_of(dsl_shift, "C[tid] = A[tid + 1]")
    msg = str(exc.value)
    head, source, caret = msg.split("\n")
    assert head.startswith(
        f"{__file__}:{line}: kernel 'enigma_kernel_dsl_shift': out-of-bounds read of buffer 'A'"
    ), msg
    assert "at element index 7 (byte offset 28)" in head
    assert re.search(r", at enigma_kernel_dsl_shift\.metal:\d+:\d+$", head), head
    assert source.strip() == "C[tid] = A[tid + 1]  # the out-of-bounds read: A[n]"
    # The caret is under the load `A[tid + 1]`.
    assert source[caret.index("^") :].startswith("A[tid + 1]"), (source, caret)
    np.testing.assert_array_equal(c, [1, 2, 3, 4, 5, 6, 0])


@pytest.mark.parametrize("vec_width", [0, 4])
def test_dsl_kernel_report_vectorized(exact_available: None, vec_width: int) -> None:
    k = enigma.compile(dsl_copy, vec_width=vec_width, emit_only=True)
    a = np.arange(10, dtype=np.float32)
    c = np.zeros(12, np.float32)
    with pytest.raises(EnigmaError) as exc:
        k(a, c, grid=12, block=12, device="cpu")  # A has 10 elements
    msg = str(exc.value)
    assert exc.value.kind == "out_of_bounds", msg
    line = _line_of(dsl_copy, "C[tid] = A[tid]")
    assert msg.startswith(f"{__file__}:{line}: kernel "), msg
    assert "out-of-bounds read of buffer 'A' ([[buffer(0)]], 40 bytes = 10 elements of float)" in msg


# ---------------------------------------------------------------------------------------------
# Review findings: scalars reached through a select or at -O0 (the generic check), a checked
# launch whose first argument is a scalar, writes to constants, kernels named metal_*.

MORE_SCALARS = """
#include <metal_stdlib>
using namespace metal;
kernel void pick_scalar(device int* out [[buffer(0)]], constant int& a [[buffer(1)]],
                        constant int& b [[buffer(2)]], constant int& k [[buffer(3)]],
                        uint tid [[thread_position_in_grid]]) {
  constant int* p = (tid & 1u) ? &a : &b;
  out[tid] = p[k];
}

kernel void wild(constant ulong& addr [[buffer(0)]], device float* out [[buffer(1)]]) {
  out[0] = *(device const float*)addr;
}

kernel void poke_constant(constant int& a [[buffer(0)]], device int* out [[buffer(1)]]) {
  ((device int*)&a)[0] = 5;
  out[0] = a;
}

kernel void metal_shift(device const float* A [[buffer(0)]], device float* C [[buffer(1)]],
                        uint tid [[thread_position_in_grid]]) {
  C[tid] = A[tid + 1];
}
"""


@pytest.mark.parametrize("flags", ["", "-O0"])
@pytest.mark.parametrize(("k", "name", "offset"), [(-16, "b", -64), (1, "b", 4), (0, None, 0)])
def test_scalar_through_a_select(
    exact_available: None, flags: str, k: int, name: str | None, offset: int
) -> None:
    kern = rt.compile_msl(MORE_SCALARS, "pick_scalar", bounds_check="exact", cxx_flags=flags)
    out = np.zeros(2, np.int32)
    if name is None:
        kern(out, 11, 22, k, **one(2))
        np.testing.assert_array_equal(out, [22, 11])
        return
    with pytest.raises(EnigmaError) as exc:
        kern(out, 11, 22, k, **one(2))
    assert exc.value.kind == "out_of_bounds"
    assert (
        f"out-of-bounds read of constant '{name}' ([[buffer(2)]], constant int&, 4 bytes) at "
        f"byte offset {offset} (4 bytes), in threadgroup (0,0,0), thread (0,0,0)"
    ) in str(exc.value)


def test_checked_launch_with_a_scalar_first_is_not_called_unchecked() -> None:
    kern = rt.compile_msl(MORE_SCALARS, "wild")
    out = np.zeros(1, np.float32)
    with pytest.raises(EnigmaError) as exc:
        kern(np.uint64(16), out, **one(1))
    assert exc.value.kind == "kernel_fault"
    msg = str(exc.value)
    assert "invalid memory read at address 0x10, outside every buffer of the launch, in" in msg
    assert "unchecked" not in msg
    with pytest.raises(EnigmaError, match=r"\(the launch was unchecked: buffers were not guarded\)"):
        kern(np.uint64(16), out, **one(1), checked=False)


def test_write_to_a_constant_scalar() -> None:
    kern = rt.compile_msl(MORE_SCALARS, "poke_constant")
    out = np.zeros(1, np.int32)
    with pytest.raises(EnigmaError) as exc:
        kern(3, out, **one(1))
    assert exc.value.kind == "out_of_bounds"
    assert (
        "kernel 'poke_constant': write to constant 'a' ([[buffer(0)]], constant int&) at byte "
        "offset 0, in threadgroup (0,0,0)"
    ) in str(exc.value)


def test_kernel_named_like_the_header_keeps_its_position(exact_available: None) -> None:
    kern = rt.compile_msl(MORE_SCALARS, "metal_shift", bounds_check="exact")
    with pytest.raises(EnigmaError) as exc:
        kern(np.arange(5, dtype=np.float32), np.zeros(5, np.float32), **one(5))
    assert re.search(r", at metal_shift\.metal:\d+:\d+$", str(exc.value)), str(exc.value)


@enigma.kernel
def dsl_divide(A: enigma.i32, B: enigma.i32, C: enigma.i32):
    tid = enigma.thread_position_in_grid.x
    C[tid] = A[tid] // B[tid]  # B[2] is zero


def test_dsl_division_by_zero_names_the_python_line(exact_available: None) -> None:
    k = enigma.compile(dsl_divide, emit_only=True)
    a = np.arange(4, dtype=np.int32) + 10
    b = np.array([1, 2, 0, 4], np.int32)
    c = np.zeros(4, np.int32)
    with pytest.raises(EnigmaError) as exc:
        k(a, b, c, grid=4, block=4, device="cpu")
    assert exc.value.kind == "kernel_fault"
    line = _line_of(dsl_divide, "C[tid] = A[tid] // B[tid]")
    head = str(exc.value).split("\n")[0]
    assert head.startswith(
        f"{__file__}:{line}: kernel 'enigma_kernel_dsl_divide': integer division by zero "
        "(undefined in Metal)"
    ), head
    np.testing.assert_array_equal(c[:2], [10, 5])


WRITES = """
#include <metal_stdlib>
using namespace metal;
kernel void write_through_const(device const float* in [[buffer(0)]], device float* out [[buffer(1)]],
                                uint i [[thread_position_in_grid]]) {
  out[i] = in[i];
  ((device float*)in)[i] = 0.0f;
}
"""


def test_write_to_read_only_buffer_names_its_position(exact_available: None) -> None:
    k = rt.compile_msl(WRITES, "write_through_const", bounds_check="exact")
    inp = np.ones(4, np.float32)
    with pytest.raises(EnigmaError) as exc:
        k(inp, np.zeros(4, np.float32), **one(4))
    assert exc.value.kind == "out_of_bounds"
    assert re.fullmatch(
        r"kernel 'write_through_const': write to read-only buffer 'in' \(\[\[buffer\(0\)\]\], "
        r"declared const float\) at element index 0 \(byte offset 0\), in .*"
        r"thread_position_in_grid \(0,0,0\), at write_through_const\.metal:7:\d+",
        str(exc.value),
    ), str(exc.value)
    np.testing.assert_array_equal(inp, 1.0)
    # Passed for a writable parameter too, the copy is writable: no report (as on the GPU).
    x = np.ones(4, np.float32)
    k(x, x, **one(4))
    np.testing.assert_array_equal(x, 0.0)
