"""Adversarial review of the kernel language (reference §2-§27, §31, §33, §35): edge cases
that used to crash with raw compiler errors or compute silently wrong results."""

from __future__ import annotations

import enigma
import numpy as np
import pytest


def run(kernel, *args, grid, block=32, **kw):
    c = enigma.compile(kernel, emit_only=True, **kw)
    c(*args, grid=grid, block=block, device="cpu")
    return c


def compile_error(kernel, exc=TypeError):
    with pytest.raises(exc) as ei:
        enigma.compile(kernel, emit_only=True)
    msg = str(ei.value)
    assert "test_language_review.py:" in msg  # names the user's file and line
    assert "does not dominate" not in msg  # not the MLIR verifier
    return msg


# ---------------------------------------------------------------------------------------------
# §35: values of nested regions, loop carries and while_ state assigned in nested constructs
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def carry_in_if(A: enigma.f32, O: enigma.f32):
    tid = enigma.thread_position_in_grid
    zero = enigma.metal_cast(0, "float")
    with enigma.for_range(0, 8, init=[zero]) as (j, c):
        with enigma.if_(A[j] > 0):
            c[0] = c[0] + A[j]  # would not be conditional: an error at this line
    O[tid] = c[0]


def test_carry_assigned_in_if_arm_is_an_error_at_its_line():
    msg = compile_error(carry_in_if)
    assert "c[0] = c[0] + A[j]" in msg
    assert "enigma.where" in msg


@enigma.kernel
def carry_from_if_value(A: enigma.f32, O: enigma.f32):
    tid = enigma.thread_position_in_grid
    zero = enigma.metal_cast(0, "float")
    with enigma.for_range(0, 8, init=[zero]) as (j, c):
        with enigma.if_(A[j] > 0):
            v = c[0] + A[j]
        c[0] = v
    O[tid] = c[0]


def test_carry_assigned_a_value_of_an_if_arm_is_an_error():
    msg = compile_error(carry_from_if_value)
    assert "c[0] = v" in msg and "enigma.if_" in msg


@enigma.kernel
def carry_where(A: enigma.f32, O: enigma.f32):
    tid = enigma.thread_position_in_grid
    zero = enigma.metal_cast(0, "float")
    with enigma.for_range(0, 8, init=[zero]) as (j, c):
        x = A[j]
        c[0] = enigma.where(c[0], c[0] + x, x > 0)  # the suggested spelling works
    O[tid] = c[0]


def test_carry_conditional_update_with_where():
    a = np.array([1, -2, 3, -4, 5, 6, -7, 8], np.float32)
    o = np.zeros(1, np.float32)
    run(carry_where, a, o, grid=1)
    assert o[0] == a[a > 0].sum()


@enigma.kernel
def while_state_in_if(A: enigma.f32, O: enigma.f32):
    tid = enigma.thread_position_in_grid
    i = enigma.metal_cast(0, "int")
    n = enigma.metal_cast(8, "int")
    with enigma.while_(lambda: enigma.cmp_lt(i, n)):
        with enigma.if_(A[i] > 0):
            i = i + 2  # silently unconditional before: now an error naming `i`
    O[tid] = enigma.metal_cast(i, "float")


def test_while_state_assigned_in_if_is_an_error():
    msg = compile_error(while_state_in_if)
    assert "'i'" in msg and "with enigma.if_(A[i] > 0):" in msg


@enigma.kernel
def nested_while_shared_state(O: enigma.i32):
    i = enigma.metal_cast(0, "int")
    with enigma.while_(lambda: i < 4):
        j = enigma.metal_cast(0, "int")
        with enigma.while_(lambda: j < i):  # reads the outer loop's `i` too: legitimate
            j = j + 1
        O[i] = j
        i = i + 1


def test_nested_while_sharing_a_state_variable_still_works():
    o = np.zeros(4, np.int32)
    run(nested_while_shared_state, o, grid=1)
    np.testing.assert_array_equal(o, [0, 1, 2, 3])


@enigma.kernel
def if_value_escapes(A: enigma.f32, O: enigma.f32):
    tid = enigma.thread_position_in_grid
    with enigma.if_(tid > 0):
        v = A[tid]
    O[tid] = v


@enigma.kernel
def loop_index_escapes(A: enigma.f32, O: enigma.f32):
    tid = enigma.thread_position_in_grid
    with enigma.for_range(0, 4) as j:
        pass
    O[tid] = A[j]


def test_values_of_nested_regions_used_outside_are_python_errors():
    msg = compile_error(if_value_escapes)
    assert "O[tid] = v" in msg and "enigma.if_" in msg and "yield_" in msg
    msg = compile_error(loop_index_escapes)
    assert "O[tid] = A[j]" in msg and "enigma.for_range" in msg


@enigma.kernel
def negative_literal_bound(A: enigma.u32, O: enigma.u32):
    n = A[0]
    with enigma.for_range(-1, n) as i:  # was silently 0 iterations (start 0xFFFFFFFF)
        O[0] = O[0] + 1


@enigma.kernel
def negative_literal_bound_signed(A: enigma.u32, O: enigma.u32):
    n = A[0]
    with enigma.for_range(-1, n, dtype=enigma.i32) as i:
        O[0] = O[0] + enigma.u32(1) + i * 0


def test_for_range_literal_bound_must_fit_the_traced_bounds_dtype():
    msg = compile_error(negative_literal_bound)
    assert "-1 does not fit u32" in msg and "dtype=" in msg
    o = np.zeros(1, np.uint32)
    run(negative_literal_bound_signed, np.array([4], np.uint32), o, grid=1)
    assert o[0] == 5
