"""Error cases: messages, and the user's file and line in them."""

from __future__ import annotations

import inspect
import os

import enigma
import numpy as np
import pytest

THIS = os.path.abspath(__file__)


def line_of(fn, needle: str) -> int:
    """The absolute line number of the first line of `fn` containing `needle`."""
    lines, start = inspect.getsourcelines(fn)
    for i, text in enumerate(lines):
        if needle in text:
            return start + i
    raise AssertionError(f"{needle!r} not in {fn.__name__}")


def compile_error(kernel, exc=enigma.EnigmaError):
    with pytest.raises(exc) as info:
        enigma.compile(kernel, emit_only=True)
    return str(info.value)


def test_traced_value_as_python_bool_names_the_line():
    def body(A: enigma.f32, n: enigma.Scalar(enigma.u32)):
        tid = enigma.thread_position_in_grid.x
        if tid < n:
            A[tid] = 1.0

    msg = compile_error(enigma.kernel(body), TypeError)
    assert f"{THIS}:{line_of(body, 'if tid < n')}:" in msg
    assert "enigma.if_" in msg and "enigma.where" in msg
    assert "if tid < n:" in msg  # the source line is shown


def test_and_or_not_on_traced_values():
    def body(A: enigma.f32):
        x = A[0]
        A[1] = x > 0 and x < 1

    msg = compile_error(enigma.kernel(body), TypeError)
    assert f":{line_of(body, 'and x < 1')}:" in msg and "Python bool" in msg


def test_mixing_incompatible_python_values():
    def body(A: enigma.f32):
        A[0] = A[1] + "one"

    msg = compile_error(enigma.kernel(body), TypeError)
    line = line_of(body, '+ "one"')
    assert f":{line}:" in msg
    assert "cannot combine a traced f32 with a Python str" in msg

    def body2(A: enigma.f32):
        A[0] = A[1] * [2]

    msg = compile_error(enigma.kernel(body2), TypeError)
    assert "Python list" in msg


def test_literal_that_does_not_fit():
    def body(A: enigma.u32):
        A[0] = A[1] * -1

    msg = compile_error(enigma.kernel(body), TypeError)
    assert "the literal -1 does not fit u32" in msg and f":{line_of(body, '* -1')}:" in msg


def test_bitwise_on_floats():
    def body(A: enigma.f32):
        A[0] = A[1] & 1

    assert "needs integer or bool operands, got f32" in compile_error(
        enigma.kernel(body), TypeError
    )


def test_traced_value_in_python_range():
    def body(A: enigma.f32, n: enigma.Scalar(enigma.u32)):
        for i in range(n):
            A[i] = 0.0

    msg = compile_error(enigma.kernel(body), TypeError)
    assert "enigma.for_range" in msg and f":{line_of(body, 'range(n)')}:" in msg


def test_range_constexpr_rejects_traced_bounds():
    def body(A: enigma.f32, n: enigma.Scalar(enigma.u32)):
        for i in enigma.range_constexpr(n):
            A[i] = 0.0

    assert "range_constexpr bounds must be Python ints" in compile_error(
        enigma.kernel(body), TypeError
    )


def test_builtins_outside_a_kernel():
    with pytest.raises(enigma.EnigmaError, match="only valid inside a kernel"):
        enigma.thread_position_in_grid.x  # noqa: B018 - raises
    with pytest.raises(enigma.EnigmaError, match="only valid inside a kernel"):
        enigma.u32(3)


def test_yield_outside_a_construct():
    def body(A: enigma.f32):
        enigma.yield_(1)

    assert "only valid inside enigma.for_range" in compile_error(enigma.kernel(body), TypeError)


def test_loop_with_init_needs_a_yield():
    def body(A: enigma.f32):
        with enigma.for_range(0, 4, init=0.0) as (i, acc):
            A[i] = acc

    assert "must end its body with enigma.yield_" in compile_error(enigma.kernel(body), TypeError)


def test_yield_of_the_wrong_type():
    def body(A: enigma.f32, B: enigma.f16):
        loop = enigma.for_range(0, 4, init=0.0)
        with loop as (i, _acc):
            enigma.yield_(B[i])
        A[0] = loop.result

    msg = compile_error(enigma.kernel(body), TypeError)
    assert "yielded value #0 is f16 but the carried value is f32" in msg


def test_if_arms_must_agree():
    def body(A: enigma.f32):
        br = enigma.if_(A[0] > 0)
        with br as (then_, else_):
            with then_:
                enigma.yield_(1.0, 2.0)
            with else_:
                enigma.yield_(3.0)

    assert "yield different numbers of values" in compile_error(enigma.kernel(body), TypeError)

    def one_arm(A: enigma.f32):
        br = enigma.if_(A[0] > 0)
        with br as (then_, else_), then_:
            enigma.yield_(1.0)

    assert "need enigma.yield_ in both arms" in compile_error(enigma.kernel(one_arm), TypeError)


def test_results_before_the_block_ends():
    def body(A: enigma.f32):
        loop = enigma.for_range(0, 4, init=0.0)
        with loop as (_i, acc):
            A[0] = loop.result
            enigma.yield_(acc)

    assert "only available after its `with` block" in compile_error(enigma.kernel(body), TypeError)


def test_as_type_needs_equal_sizes():
    def body(A: enigma.f32, B: enigma.u16):
        B[0] = enigma.as_type(A[0], enigma.u16)

    assert "as_type needs types of equal size" in compile_error(enigma.kernel(body), TypeError)


def test_wrong_number_of_indices_and_float_index():
    def body(A: enigma.f32):
        t = enigma.threadgroup_alloc(enigma.f32, (4, 4))
        t[1] = 0.0

    assert "has 2 dimension(s) but was indexed with 1" in compile_error(
        enigma.kernel(body), TypeError
    )

    def body2(A: enigma.f32):
        A[A[0]] = 1.0

    assert "an index must be an integer, got a f32 value" in compile_error(
        enigma.kernel(body2), TypeError
    )


def test_unsupported_atomic():
    def body(A: enigma.f32):
        enigma.atomic_max(A, 0, 1.0)

    assert "atomic_max is not available for f32" in compile_error(enigma.kernel(body), TypeError)

    def body2(A: enigma.f16):
        enigma.atomic_add(A, 0, 1.0)

    assert "needs a buffer of i32, u32 or f32" in compile_error(enigma.kernel(body2), TypeError)


def test_compiler_errors_point_at_the_python_line():
    # Passes tracing but the dialect verifier rejects it: 40 KiB of threadgroup memory.
    def body(A: enigma.f32):
        big = enigma.threadgroup_alloc(enigma.f32, 10000)
        big[0] = A[0]
        A[1] = big[0]

    msg = compile_error(enigma.kernel(body))
    line = line_of(body, "threadgroup_alloc(enigma.f32, 10000)")
    assert f"{THIS}:{line}:" in msg
    assert "error:" in msg
    assert "big = enigma.threadgroup_alloc(enigma.f32, 10000)" in msg  # the source line
    assert "see current operation" not in msg


@enigma.kernel
def scale(A: enigma.f32, B: enigma.i32, n: enigma.Scalar(enigma.u32)):
    i = enigma.thread_position_in_grid.x
    with enigma.if_(i < n):
        B[i] = enigma.metal_cast(A[i] * 2, enigma.i32)


@pytest.fixture(scope="module")
def scale_compiled():
    return enigma.compile(scale, emit_only=True)


def test_launch_argument_errors(scale_compiled):
    c = scale_compiled
    a = np.ones(8, np.float32)
    b = np.zeros(8, np.int32)
    with pytest.raises(enigma.EnigmaError, match=r"takes 3 argument\(s\) \(A, B, n\), got 2"):
        c(a, b, grid=8)
    with pytest.raises(
        enigma.EnigmaError,
        match=r"'A'\) is a f32 buffer: expected a float32 "
        r"array, got float64",
    ):
        c(np.ones(8), b, 8, grid=8)
    with pytest.raises(
        enigma.EnigmaError, match=r"expected an array \(numpy, or an object with __dlpack__.*got list"
    ):
        c([1.0] * 8, b, 8, grid=8)
    with pytest.raises(enigma.EnigmaError, match=r"'B'\) is a i32 buffer: expected a int32"):
        c(a, np.zeros(8, np.uint32), 8, grid=8)
    with pytest.raises(enigma.EnigmaError, match="-1 does not fit u32"):
        c(a, b, -1, grid=8)
    with pytest.raises(enigma.EnigmaError, match="2.5 is not an integer"):
        c(a, b, 2.5, grid=8)
    with pytest.raises(enigma.EnigmaError, match="pass a number"):
        c(a, b, np.ones(2), grid=8)
    ro = np.zeros(8, np.int32)
    ro.flags.writeable = False
    with pytest.raises(enigma.EnigmaError, match="writes this buffer but the array is read-only"):
        c(a, ro, 8, grid=8)
    with pytest.raises(enigma.EnigmaError, match="pass grid="):
        c(a, b, 8)
    with pytest.raises(enigma.EnigmaError, match="unknown device"):
        c(a, b, 8, grid=8, device="gpu")
    with pytest.raises(enigma.EnigmaError, match="at most 1024 threads"):
        c(a, b, 8, grid=8, block=(64, 32))


def test_launch_then_runs(scale_compiled):
    a = np.arange(8, dtype=np.float32)
    b = np.zeros(8, np.int32)
    scale_compiled(a, b, np.uint32(6), grid=8, block=4, device="cpu")
    assert list(b) == [0, 2, 4, 6, 8, 10, 0, 0]


def test_metal_device_off_macos(scale_compiled, monkeypatch):
    import sys

    monkeypatch.setattr(sys, "platform", "linux")
    with pytest.raises(enigma.EnigmaError, match="needs macOS"):
        scale_compiled(np.ones(8, np.float32), np.zeros(8, np.int32), 8, grid=8, device="metal")


def test_unknown_dtype_name():
    with pytest.raises(TypeError, match="unknown dtype 'float64'"):
        enigma.Scalar("float64")
