"""CPU runtime: what goes wrong is reported as an EnigmaError with a precise message, and
the process (and the kernel) stay usable afterwards."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
from enigma import EnigmaError
from enigma import runtime as rt

OOB = """
#include <metal_stdlib>
using namespace metal;

// No `if (i < n)`: threads past the end read A and B out of bounds.
kernel void unguarded_add(device const float* A [[buffer(0)]], device const float* B [[buffer(1)]],
                          device float* C [[buffer(2)]], uint i [[thread_position_in_grid]]) {
  C[i] = A[i] + B[i];
}

kernel void poke(device float* out [[buffer(0)]], constant int& index [[buffer(1)]],
                 uint i [[thread_position_in_grid]]) {
  out[index] = 1.0f;
}

kernel void peek_vec(device const float4* in [[buffer(0)]], device float4* out [[buffer(1)]],
                     constant uint& index [[buffer(2)]], uint i [[thread_position_in_grid]]) {
  out[0] = in[index];
}

kernel void write_const(device const float* in [[buffer(0)]], device float* out [[buffer(1)]],
                        uint i [[thread_position_in_grid]]) {
  out[i] = in[i];
  ((device float*)in)[i] = 0.0f;  // the parameter is const: Metal forbids this too
}
"""

BARRIERS = """
#include <metal_stdlib>
using namespace metal;

// Threads below `cut` return before the barrier the others wait at.
kernel void early_exit(device float* out [[buffer(0)]], constant uint& cut [[buffer(1)]],
                       uint lid [[thread_position_in_threadgroup]], uint gid [[thread_position_in_grid]]) {
  threadgroup float tg[64];
  if (lid < cut) return;
  tg[lid] = float(lid);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  out[gid] = tg[63 - lid] + 1.0f;
}

// Threads at or above `cut` leave; the ones below wait forever on a real GPU.
kernel void late_exit(device float* out [[buffer(0)]], constant uint& cut [[buffer(1)]],
                      uint lid [[thread_position_in_threadgroup]]) {
  if (lid >= cut) return;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  out[lid] = 1.0f;
}

// A barrier inside a loop whose trip count differs between threads.
kernel void uneven_loop(device float* out [[buffer(0)]], uint lid [[thread_position_in_threadgroup]]) {
  for (uint i = 0; i < 1 + lid % 2; ++i) threadgroup_barrier(mem_flags::mem_none);
  out[lid] = 1.0f;
}
"""

FAULTS = """
#include <metal_stdlib>
using namespace metal;

kernel void divide(device const int* a [[buffer(0)]], device const int* b [[buffer(1)]],
                   device int* out [[buffer(2)]], uint i [[thread_position_in_grid]]) {
  out[i] = a[i] / b[i];
}

// Far more stack than a simulated GPU thread has.
kernel void deep(device float* out [[buffer(0)]], uint i [[thread_position_in_grid]]) {
  volatile float big[1 << 20];
  big[i] = 1.0f;
  big[(1 << 20) - 1] = 2.0f;
  out[i] = big[i] + big[(1 << 20) - 1];
}
"""


def _kind(exc: pytest.ExceptionInfo) -> str:
    return getattr(exc.value, "kind", "")


@pytest.fixture(scope="module")
def oob_source() -> str:
    return OOB


def test_out_of_bounds_read_names_kernel_buffer_and_index() -> None:
    k = rt.compile_msl(OOB, "unguarded_add")
    n = 1000  # 4000 bytes: a multiple of 16, so the first index past the end faults
    a = np.ones(n, np.float32)
    c = np.zeros(n + 24, np.float32)
    with pytest.raises(EnigmaError) as exc:
        k(a, a, c, grid=(n + 24,), block=(n + 24,))  # one threadgroup: in-order threads
    assert _kind(exc) == "out_of_bounds"
    msg = str(exc.value)
    assert "kernel 'unguarded_add'" in msg
    assert (
        "out-of-bounds read of buffer 'A' ([[buffer(0)]], 4000 bytes = 1000 elements of float)"
        in msg
    )
    assert "element index 1000 (byte offset 4000)" in msg
    assert "thread_position_in_grid (1000,0,0)" in msg
    # Threads before the faulting one ran; the kernel still works afterwards.
    np.testing.assert_array_equal(c[:n], 2.0)
    c2 = np.zeros(n, np.float32)
    k(a, a, c2, grid=(n,), block=(128,))
    np.testing.assert_array_equal(c2, 2.0)


@pytest.mark.parametrize(
    ("index", "element"),
    [
        (10, 10),
        (4096, 4096),
        (-5000, -5000),
        (2**31 - 1, 2**31 - 1),
        (-(2**31), -(2**31)),
    ],
)
def test_out_of_bounds_write_any_32_bit_index(index: int, element: int) -> None:
    k = rt.compile_msl(OOB, "poke")
    out = np.zeros(8, np.float32)  # 32 bytes
    with pytest.raises(EnigmaError) as exc:
        k(out, index, grid=(1,), block=(1,))
    assert _kind(exc) == "out_of_bounds"
    assert "out-of-bounds write of buffer 'out' ([[buffer(0)]], 32 bytes" in str(
        exc.value
    )
    assert f"element index {element} " in str(exc.value)
    np.testing.assert_array_equal(out, 0.0)


def test_out_of_bounds_vector_element() -> None:
    k = rt.compile_msl(OOB, "peek_vec")
    inp = np.zeros((4, 4), np.float32)
    out = np.zeros((1, 4), np.float32)
    with pytest.raises(
        EnigmaError, match=r"buffer 'in' .*elements of float4\) at element index 4 "
    ):
        k(inp, out, 4, grid=(1,), block=(1,))
    k(inp + 3, out, 3, grid=(1,), block=(1,))
    np.testing.assert_array_equal(out, 3.0)


def test_write_to_read_only_buffer() -> None:
    k = rt.compile_msl(OOB, "write_const")
    inp = np.arange(16, dtype=np.float32)
    out = np.zeros(16, np.float32)
    with pytest.raises(
        EnigmaError, match=r"write to read-only buffer 'in' .*element index 0 "
    ) as exc:
        k(inp, out, grid=(16,), block=(16,))
    assert _kind(exc) == "out_of_bounds"
    np.testing.assert_array_equal(inp, np.arange(16))  # the caller's array is untouched


def test_unchecked_launch_still_reports_wild_accesses() -> None:
    k = rt.compile_msl(OOB, "poke")
    out = np.zeros(8, np.float32)
    with pytest.raises(
        EnigmaError, match="outside every buffer of the launch.*unchecked"
    ) as exc:
        k(out, -(2**31), grid=(1,), block=(1,), checked=False)
    assert _kind(exc) == "kernel_fault"


def test_divergent_barrier_is_reported() -> None:
    k = rt.compile_msl(BARRIERS, "early_exit")
    out = np.zeros(64, np.float32)
    with pytest.raises(EnigmaError) as exc:
        k(out, 16, grid=(64,), block=(64,))
    assert _kind(exc) == "divergent_barrier"
    msg = str(exc.value)
    assert "kernel 'early_exit': threadgroup_barrier #1 of threadgroup (0,0,0)" in msg
    assert "48 of 64 threads wait at it, but 16 returned without reaching it" in msg
    assert "thread (0,0,0) of the threadgroup" in msg


def test_exited_threads_skip_barriers_on_request() -> None:
    k = rt.compile_msl(BARRIERS, "early_exit")
    out = np.zeros(128, np.float32)
    k(out, 16, grid=(128,), block=(64,), exited_threads_skip_barriers=True)
    lid = np.arange(128) % 64
    np.testing.assert_array_equal(out[lid < 16], 0.0)  # returned before writing
    # Threads 16..47 read a slot written by thread 63 - lid (>= 16, so still running);
    # 48..63 read slots of exited threads, which Metal leaves uninitialized.
    mid = (lid >= 16) & (lid < 48)
    np.testing.assert_array_equal(out[mid], 64.0 - lid[mid])


@pytest.mark.parametrize("name", ["late_exit", "uneven_loop"])
def test_other_divergent_barriers(name: str) -> None:
    k = rt.compile_msl(BARRIERS, name)
    out = np.zeros(64, np.float32)
    args = (out, 40) if name == "late_exit" else (out,)
    with pytest.raises(
        EnigmaError, match=f"kernel '{name}': threadgroup_barrier #"
    ) as exc:
        k(*args, grid=(64,), block=(64,))
    assert _kind(exc) == "divergent_barrier"


def _divide_kernel(mode: str) -> rt.CpuKernel:
    try:
        return rt.compile_msl(FAULTS, "divide", bounds_check=mode)
    except EnigmaError as exc:
        if exc.kind == "unsupported":
            pytest.skip(f"exact bounds checks are not available here: {exc}")
        raise


@pytest.mark.parametrize("mode", ["exact", "guard"])
def test_integer_division_by_zero(mode: str) -> None:
    k = _divide_kernel(mode)
    a = np.arange(8, dtype=np.int32)
    b = np.array([1, 2, 3, 0, 5, 6, 7, 8], np.int32)
    out = np.zeros(8, np.int32)
    with pytest.raises(EnigmaError) as exc:
        k(a, b, out, grid=(8,), block=(8,))
    assert _kind(exc) == "kernel_fault"
    msg = str(exc.value)
    if mode == "exact":
        # Checked before it happens: the cause is known and the position named.
        assert re.fullmatch(
            r"kernel 'divide': integer division by zero \(undefined in Metal\), in .*"
            r"thread_position_in_grid \(3,0,0\), at divide\.metal:\d+:\d+",
            msg,
        ), msg
    else:
        # The host's trap: x86-64 raises the same exception for INT_MIN / -1.
        assert re.search(
            r"integer division by zero or overflow \(INT_MIN / -1\) .*"
            r"thread_position_in_grid \(3,0,0\)$",
            msg,
        ), msg
    np.testing.assert_array_equal(out[:3], a[:3] // b[:3])


@pytest.mark.parametrize("mode", ["exact", "guard"])
def test_int_min_divided_by_minus_one_is_named(mode: str) -> None:
    # x86-64 traps INT_MIN / -1 with the same signal code as a zero divisor: the message
    # names both causes instead of claiming a division by zero (guard pages only), or
    # the exact cause (exact checks).
    k = _divide_kernel(mode)
    a = np.array([7, -(2**31)], np.int32)
    b = np.array([1, -1], np.int32)
    out = np.zeros(2, np.int32)
    what = (
        r"integer overflow in division \(INT_MIN / -1\)"
        if mode == "exact"
        else r"integer division by zero or overflow \(INT_MIN / -1\)"
    )
    with pytest.raises(
        EnigmaError,
        match=rf"kernel 'divide': {what} \(undefined in Metal\).*thread_position_in_grid \(1,0,0\)",
    ) as exc:
        k(a, b, out, grid=(2,), block=(2,))
    assert _kind(exc) == "kernel_fault"


def test_division_checks_cover_vectors_and_unsigned(exact_available_here: None) -> None:
    src = """
#include <metal_stdlib>
using namespace metal;
kernel void vrem(device const int4* a [[buffer(0)]], device const int4* b [[buffer(1)]],
                 device int4* out [[buffer(2)]], uint i [[thread_position_in_grid]]) {
  out[i] = a[i] % b[i];
}
kernel void udiv(device const uint* a [[buffer(0)]], device uint* out [[buffer(1)]],
                 constant uint& d [[buffer(2)]], uint i [[thread_position_in_grid]]) {
  out[i] = a[i] / d + a[i] / 7u;  // the constant divisor needs no check
}
"""
    k = rt.compile_msl(src, "vrem", bounds_check="exact")
    b = np.ones(8, np.int32)
    out = np.zeros(8, np.int32)
    k(np.arange(8, dtype=np.int32), b + 2, out, grid=(2,), block=(2,))
    np.testing.assert_array_equal(out, np.arange(8) % 3)
    b[5] = 0
    with pytest.raises(EnigmaError, match=r"integer division by zero .*thread_position_in_grid \(1,0,0\), at vrem\.metal:6:"):
        k(np.arange(8, dtype=np.int32), b, out, grid=(2,), block=(2,))
    k = rt.compile_msl(src, "udiv", bounds_check="exact")
    out = np.zeros(4, np.uint32)
    k(np.full(4, 14, np.uint32), out, 2, grid=(4,), block=(4,))
    np.testing.assert_array_equal(out, [9, 9, 9, 9])
    with pytest.raises(EnigmaError, match=r"integer division by zero .* at udiv\.metal:10:"):
        k(np.full(4, 14, np.uint32), out, 0, grid=(4,), block=(4,))


@pytest.fixture
def exact_available_here() -> None:
    tiny = """
#include <metal_stdlib>
using namespace metal;
kernel void tiny(device float* x [[buffer(0)]], uint i [[thread_position_in_grid]]) { x[i] = 1; }
"""
    if rt.compile_msl(tiny, "tiny").bounds_check != "exact":
        pytest.skip("exact bounds checks are not available here")


def test_stack_overflow() -> None:
    k = rt.compile_msl(FAULTS, "deep")
    out = np.zeros(4, np.float32)
    with pytest.raises(
        EnigmaError, match="stack overflow.*ENIGMA_CPU_STACK_SIZE"
    ) as exc:
        k(out, grid=(4,), block=(4,))
    assert _kind(exc) == "kernel_fault"


def test_compile_error_carries_compiler_output() -> None:
    bad = "#include <metal_stdlib>\nusing namespace metal;\n\nkernel void broken(device float* x [[buffer(0)]], uint i [[thread_position_in_grid]]) {\n  x[i] = undefined_name;\n}\n"
    with pytest.raises(EnigmaError) as exc:
        rt.compile_msl(bad, "broken")
    assert _kind(exc) == "compile"
    msg = str(exc.value)
    assert "host compiler failed on kernel 'broken'" in msg
    assert re.search(r"broken\.metal:5:\d+: error: .*undefined_name", msg)


def test_kernel_not_found_lists_kernels() -> None:
    with pytest.raises(
        EnigmaError,
        match=r"kernel 'missing' not found .*kernels found: unguarded_add, poke, peek_vec, write_const",
    ) as exc:
        rt.compile_msl(OOB, "missing")
    assert _kind(exc) == "unsupported"
    helper = "inline float helper(float x) { return x; }\nkernel void k(device float* x [[buffer(0)]]) {}\n"
    with pytest.raises(EnigmaError, match="exists but is not declared `kernel void`"):
        rt.compile_msl(helper, "helper")


@pytest.mark.parametrize(
    ("source", "pattern"),
    [
        (
            "kernel void k(device float* x [[buffer(0)]], threadgroup float& s [[threadgroup(0)]]) {}\n",
            r"line 1: parameter 's' \[\[threadgroup\(n\)\]\] of kernel 'k' must be a pointer to "
            r"threadgroup memory",
        ),
        (
            "kernel void k(texture2d<float> t [[texture(0)]]) {}\n",
            r"attribute \[\[texture\]\], which the CPU runtime does not support",
        ),
        (
            "kernel void k(device float* x [[buffer(0)]], float4 pos [[thread_position_in_grid]]) {}\n",
            r"builtin parameter 'pos' .* has type 'float4'",
        ),
        (
            "kernel void k(device float* x [[buffer(0)]], uint2 l [[thread_index_in_simdgroup]]) {}\n",
            r"Metal allows uint or ushort",
        ),
        (
            "kernel void k(device float* x [[buffer(1)]], device float* y [[buffer(1)]]) {}\n",
            r"parameters 'x' and 'y' both use \[\[buffer\(1\)\]\]",
        ),
        (
            "kernel void k(uint n) {}\n",
            r"parameter 'n' of kernel 'k' is passed by value without a builtin attribute",
        ),
    ],
)
def test_unsupported_msl(source: str, pattern: str) -> None:
    with pytest.raises(EnigmaError, match=pattern) as exc:
        rt.compile_msl(source, "k")
    assert _kind(exc) == "unsupported"


@pytest.fixture(scope="module")
def poke() -> rt.CpuKernel:
    return rt.compile_msl(OOB, "poke")


def test_argument_errors(poke: rt.CpuKernel) -> None:
    out = np.zeros(8, np.float32)
    with pytest.raises(EnigmaError, match=r"takes 2 arguments \(out, index\), got 1"):
        poke(out, grid=(1,), block=(1,))
    with pytest.raises(
        EnigmaError, match=r"argument 0 \('out', float\*\): array of float64"
    ):
        poke(np.zeros(8), 0, grid=(1,), block=(1,))
    with pytest.raises(EnigmaError, match=r"'index'.*2147483648 does not fit in int32"):
        poke(out, 2**31, grid=(1,), block=(1,))
    with pytest.raises(EnigmaError, match=r"'index'.*1.5 is not an integer"):
        poke(out, 1.5, grid=(1,), block=(1,))
    with pytest.raises(EnigmaError, match="expected a numpy array, got list"):
        poke([0.0] * 8, 0, grid=(1,), block=(1,))
    ro = np.zeros(8, np.float32)
    ro.flags.writeable = False
    with pytest.raises(
        EnigmaError, match="writes this buffer but the array is read-only"
    ):
        poke(ro, 0, grid=(1,), block=(1,))


def test_launch_shape_errors(poke: rt.CpuKernel) -> None:
    out = np.zeros(8, np.float32)
    with pytest.raises(EnigmaError, match=r"1025 threads; Metal allows at most 1024"):
        poke(out, 0, grid=(1,), block=(1025,))
    with pytest.raises(
        EnigmaError, match=r"block \(0,\): each dimension must be in \[1,"
    ):
        poke(out, 0, grid=(1,), block=(0,))
    with pytest.raises(EnigmaError, match=r"grid must be a tuple of 1 to 3 integers"):
        poke(out, 0, grid=(1, 1, 1, 1), block=(1,))
    with pytest.raises(EnigmaError, match=r"grid \(-1,\)"):
        poke(out, 0, grid=(-1,), block=(1,))
    with pytest.raises(EnigmaError, match="coarsen must be a positive integer"):
        poke(out, 0, grid=(1,), block=(1,), coarsen=0)
    with pytest.raises(EnigmaError, match=r"must be exactly 4 bytes, got 2") as exc:
        poke.launch_raw(
            [(out.ctypes.data, out.nbytes), (out.ctypes.data, 2)], grid=1, block=1
        )
    assert _kind(exc) == "invalid_argument"
    poke(out, 3, grid=(1,), block=(1,))
    np.testing.assert_array_equal(out, [0, 0, 0, 1, 0, 0, 0, 0])


def test_missing_compiler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENIGMA_CXX", "/nonexistent/clang++")
    with pytest.raises(
        EnigmaError,
        match="host C\\+\\+ compiler '/nonexistent/clang\\+\\+' .* not found",
    ) as exc:
        rt.compile_msl(OOB, "poke")
    assert _kind(exc) == "system"


def test_bad_inputs_to_compile() -> None:
    with pytest.raises(EnigmaError, match="not a valid kernel name"):
        rt.compile_msl(OOB, "two words")
    with pytest.raises(EnigmaError, match="source must be a str"):
        rt.compile_msl(b"kernel void k() {}", "k")  # type: ignore[arg-type]
    with pytest.raises(EnigmaError, match="kernel 'k' not found"):
        rt.compile_msl("", "k")
    with pytest.raises(EnigmaError, match="unbalanced parentheses"):
        rt.compile_msl("kernel void k(device float* x [[buffer(0)]]", "k")


def test_scalar_conversion_errors(poke: rt.CpuKernel) -> None:
    out = np.zeros(8, np.float32)
    with pytest.raises(
        EnigmaError, match=r"'index'.*cannot convert 1180591620717411303424"
    ):
        poke(out, 2**70, grid=(1,), block=(1,))
    with pytest.raises(EnigmaError, match=r"'index'.*cannot convert 'three'"):
        poke(out, "three", grid=(1,), block=(1,))
    with pytest.raises(EnigmaError, match=r"'index'.*expected 1 value\(s\), got 2"):
        poke(out, [1, 2], grid=(1,), block=(1,))


def test_every_argument_error_has_a_kind(poke: rt.CpuKernel) -> None:
    """docs/cpu-runtime.md: every EnigmaError of the runtime says which failure it is."""
    out = np.zeros(8, np.float32)
    bad_calls = {
        "missing argument": lambda: poke(out, grid=(1,), block=(1,)),
        "wrong dtype": lambda: poke(np.zeros(8), 0, grid=(1,), block=(1,)),
        "not an array": lambda: poke([0.0] * 8, 0, grid=(1,), block=(1,)),
        "scalar out of range": lambda: poke(out, 2**31, grid=(1,), block=(1,)),
        "scalar not an integer": lambda: poke(out, 1.5, grid=(1,), block=(1,)),
        "scalar not a number": lambda: poke(out, "three", grid=(1,), block=(1,)),
        "scalar lanes": lambda: poke(out, [1, 2], grid=(1,), block=(1,)),
        "scalar bytes": lambda: poke(out, b"\0\0", grid=(1,), block=(1,)),
        "block=0": lambda: poke(out, 0, grid=(1,), block=0),
        "block (0,)": lambda: poke(out, 0, grid=(1,), block=(0,)),
        "grid of 4": lambda: poke(out, 0, grid=(1, 1, 1, 1), block=(1,)),
        "grid not ints": lambda: poke(out, 0, grid=("a",), block=(1,)),
        "grid not iterable": lambda: poke(out, 0, grid=1.5, block=(1,)),
        "negative grid": lambda: poke(out, 0, grid=(-1,), block=(1,)),
        "coarsen": lambda: poke(out, 0, grid=(1,), block=(1,), coarsen=0),
        "source not str": lambda: rt.compile_msl(b"", "k"),  # type: ignore[arg-type]
        "name not str": lambda: rt.compile_msl(OOB, 3),  # type: ignore[arg-type]
        "cxx_flags not str": lambda: rt.compile_msl(OOB, "poke", cxx_flags=3),  # type: ignore[arg-type]
        "cxx_flags not strs": lambda: rt.compile_msl(OOB, "poke", cxx_flags=["-O1", 2]),  # type: ignore[list-item]
        "cxx not str": lambda: rt.compile_msl(OOB, "poke", cxx=["clang++"]),  # type: ignore[arg-type]
    }
    for what, call in bad_calls.items():
        with pytest.raises(EnigmaError) as exc:
            call()
        assert exc.value.kind == "invalid_argument", (what, str(exc.value))
    # Errors from the C runtime keep theirs.
    with pytest.raises(EnigmaError) as exc:
        rt.compile_msl("", "k")
    assert exc.value.kind == "unsupported"
    assert EnigmaError("plain").kind is None


def test_compile_flags_as_a_sequence() -> None:
    """cxx_flags takes a str or a sequence of str (joined with spaces); a list crashed with
    AttributeError."""
    src = """
#include <metal_stdlib>
using namespace metal;
kernel void flagged(device int* out [[buffer(0)]], uint i [[thread_position_in_grid]]) {
  out[i] = VALUE + int(i);
}
"""
    out = np.zeros(4, np.int32)
    k = rt.compile_msl(src, "flagged", cxx_flags=["-O1", "-DVALUE=40"])
    k(out, grid=(4,), block=(4,))
    np.testing.assert_array_equal(out, [40, 41, 42, 43])
    k = rt.compile_msl(src, "flagged", cxx_flags=("-DVALUE=7",))
    k(out, grid=(4,), block=(4,))
    np.testing.assert_array_equal(out, [7, 8, 9, 10])
    k = rt.compile_msl(src, "flagged", cxx_flags="-O1 -DVALUE=1")
    k(out, grid=(4,), block=(4,))
    np.testing.assert_array_equal(out, [1, 2, 3, 4])
    with pytest.raises(EnigmaError, match="cxx_flags must be a str or a sequence of str"):
        rt.compile_msl(src, "flagged", cxx_flags=b"-O1")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Time limits: a launch that never ends is interrupted and reported instead of hanging.

HANGS = """
#include <metal_stdlib>
using namespace metal;

// Thread 0 waits for thread 1 of its threadgroup, which only runs after thread 0 returns
// (threads of a threadgroup switch only at barriers and SIMD-group functions).
kernel void wait_for_neighbour(device atomic_int* flag [[buffer(0)]], device int* out [[buffer(1)]],
                               uint tid [[thread_position_in_grid]]) {
  if (tid % 2 == 0) {
    while (atomic_load_explicit(&flag[tid / 2], memory_order_relaxed) == 0) {}
  } else {
    atomic_store_explicit(&flag[tid / 2], 1, memory_order_relaxed);
  }
  out[tid] = 1;
}

// Every thread of every threadgroup on a fiber (after the barrier), then spinning.
kernel void spin_after_barrier(device atomic_int* flag [[buffer(0)]], device int* out [[buffer(1)]],
                               uint lid [[thread_position_in_threadgroup]], uint tid [[thread_position_in_grid]]) {
  threadgroup_barrier(mem_flags::mem_threadgroup);
  while (atomic_load_explicit(&flag[0], memory_order_relaxed) == 0) {}
  out[tid] = int(lid);
}
"""


@pytest.fixture(scope="module")
def hangs() -> dict[str, rt.CpuKernel]:
    return {name: rt.compile_msl(HANGS, name) for name in ("wait_for_neighbour", "spin_after_barrier")}


def test_timeout_interrupts_a_thread_waiting_for_its_neighbour(hangs) -> None:
    k = hangs["wait_for_neighbour"]
    flag = np.zeros(1, np.int32)
    out = np.zeros(2, np.int32)
    t0 = time.monotonic()
    with pytest.raises(EnigmaError) as exc:
        k(flag, out, grid=(2,), block=(2,), timeout=0.3)
    elapsed = time.monotonic() - t0
    assert exc.value.kind == "timeout"
    assert str(exc.value) == (
        "kernel 'wait_for_neighbour': the launch did not finish within its time limit of 0.3 s "
        "and was interrupted (an infinite loop, or a thread waiting for a value no other thread "
        "will set: threads of a threadgroup only switch at barriers and SIMD-group functions); "
        "still running: threadgroup (0,0,0), thread (0,0,0) of the threadgroup, "
        "thread_position_in_grid (0,0,0)"
    )
    assert 0.25 < elapsed < 5, elapsed
    # The runtime is fine afterwards: threadgroups of one thread each never wait.
    flag = np.zeros(1, np.int32)
    k(flag, out, grid=(2,), block=(1,), timeout=5)
    np.testing.assert_array_equal(out, [1, 1])


def test_timeout_in_fiber_mode_on_every_worker(hangs) -> None:
    k = hangs["spin_after_barrier"]
    flag = np.zeros(1, np.int32)
    out = np.zeros(256, np.int32)
    with pytest.raises(EnigmaError, match=r"time limit of 0\.2 s .* still running: threadgroup") as exc:
        k(flag, out, grid=(256,), block=(64,), timeout=0.2)
    assert exc.value.kind == "timeout"
    # Unblocked, the same kernel finishes (the flag is already set).
    flag[0] = 1
    k(flag, out, grid=(256,), block=(64,), timeout=10)
    np.testing.assert_array_equal(out, np.tile(np.arange(64), 4))


def test_timeout_from_the_environment(hangs, monkeypatch: pytest.MonkeyPatch) -> None:
    k = hangs["wait_for_neighbour"]
    monkeypatch.setenv("ENIGMA_CPU_TIMEOUT", "0.2")
    with pytest.raises(EnigmaError, match=r"time limit of 0\.2 s") as exc:
        k(np.zeros(1, np.int32), np.zeros(2, np.int32), grid=(2,), block=(2,))
    assert exc.value.kind == "timeout"
    # An explicit limit wins over the environment.
    with pytest.raises(EnigmaError, match=r"time limit of 0\.25 s"):
        k(np.zeros(1, np.int32), np.zeros(2, np.int32), grid=(2,), block=(2,), timeout=0.25)
    monkeypatch.setenv("ENIGMA_CPU_TIMEOUT", "soon")
    with pytest.raises(EnigmaError, match="ENIGMA_CPU_TIMEOUT is 'soon'; expected a number") as exc:
        k(np.zeros(1, np.int32), np.zeros(2, np.int32), grid=(2,), block=(1,))
    assert exc.value.kind == "invalid_argument"


@pytest.mark.parametrize("bad", [0, -1, "1", True, float("nan"), 5e6])
def test_bad_timeout_argument(hangs, bad: object) -> None:
    k = hangs["wait_for_neighbour"]
    with pytest.raises(EnigmaError, match="timeout must be a positive number of seconds") as exc:
        k(np.zeros(1, np.int32), np.zeros(2, np.int32), grid=(2,), block=(1,), timeout=bad)
    assert exc.value.kind == "invalid_argument"


def test_timeout_never_returns_a_partial_result_as_success() -> None:
    """A launch stopped by its time limit fails whether a worker was interrupted in kernel
    code or stopped between threadgroups (then no thread is named)."""
    src = """
#include <metal_stdlib>
using namespace metal;
kernel void busy(device float* out [[buffer(0)]], uint tid [[thread_position_in_grid]]) {
  float x = out[tid];
  for (int i = 0; i < 20000; ++i) x = x * 1.0000001f + 1e-7f;
  out[tid] = x;
}
"""
    k = rt.compile_msl(src, "busy")
    out = np.zeros(1 << 14, np.float32)
    for _ in range(20):
        with pytest.raises(EnigmaError, match=r"did not finish within its time limit of 0\.002 s") as exc:
            k(out, grid=(1 << 14,), block=(64,), timeout=0.002)
        assert exc.value.kind == "timeout"
