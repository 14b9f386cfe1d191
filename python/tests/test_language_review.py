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


@enigma.kernel
def carry_dtype_mismatch(A: enigma.f32):
    with enigma.for_range(0, 4, init=[1.0, 2]) as (i, c):
        c[1] = c[1] * 2.5


def test_carry_dtype_error_names_the_carry():
    msg = compile_error(carry_dtype_mismatch)
    assert "the value assigned to c[1] is f32" in msg and "u32" in msg


@enigma.kernel
def if_vector_condition(A: enigma.i32):
    with enigma.if_(enigma.make_vec(A[0] > 0, A[1] > 0)):
        A[0] = 1


@enigma.kernel
def while_vector_condition(A: enigma.i32):
    v = enigma.make_vec(A[0], A[1])
    with enigma.while_(lambda: v < enigma.make_vec(A[2], A[3])):
        v = v + 1


def test_vector_conditions_are_python_errors():
    msg = compile_error(if_vector_condition)  # was an MLIR verifier error from scf.if
    assert "scalar condition" in msg and "bool2" in msg
    msg = compile_error(while_vector_condition)
    assert "scalar bool" in msg and "bool2" in msg


# ---------------------------------------------------------------------------------------------
# §20-§21: literal lanes outside the group; §23: threadgroup_alloc argument errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "text"),
    [
        (lambda x: enigma.quad_broadcast(x, 5), "quad_broadcast must be in 0..3"),
        (lambda x: enigma.simd_broadcast(x, 32), "simd_broadcast must be in 0..31"),
        (lambda x: enigma.simd_shuffle(x, 33), "simd_shuffle must be in 0..31"),
        (lambda x: enigma.simd_shuffle_xor(x, 40), "simd_shuffle_xor must be in 0..31"),
        (lambda x: enigma.quad_shuffle(x, np.int64(4)), "quad_shuffle must be in 0..3"),
        (lambda x: enigma.quad_shuffle_xor(x, 4), "quad_shuffle_xor must be in 0..3"),
        (lambda x: enigma.simd_shuffle(x, enigma.make_vec(1, 2)), "integer scalar"),
    ],
)
def test_literal_lanes_outside_the_group_are_errors(call, text):
    @enigma.kernel
    def k(A: enigma.f32):
        A[0] = call(A[0])

    with pytest.raises(TypeError, match=text) as ei:
        enigma.compile(k, emit_only=True)
    assert "test_language_review.py:" in str(ei.value)


@enigma.kernel
def shuffles_in_range(A: enigma.f32, O: enigma.f32):
    t = enigma.thread_position_in_grid
    x = A[t]
    O[t * 4 + 0] = enigma.simd_shuffle_down(x, 40)  # deltas past the group: own value
    O[t * 4 + 1] = enigma.simd_shuffle_xor(x, 31)
    O[t * 4 + 2] = enigma.quad_broadcast(x, 3)
    O[t * 4 + 3] = enigma.simd_shuffle_up(x, 32)


def test_shuffle_edges_in_range_still_work():
    a = np.arange(32, dtype=np.float32)
    o = np.zeros(128, np.float32)
    run(shuffles_in_range, a, o, grid=32, block=32)
    o = o.reshape(32, 4)
    np.testing.assert_array_equal(o[:, 0], a)
    np.testing.assert_array_equal(o[:, 1], a[np.arange(32) ^ 31])
    np.testing.assert_array_equal(o[:, 2], (np.arange(32) // 4) * 4 + 3)
    np.testing.assert_array_equal(o[:, 3], a)


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("floaty", 4), "threadgroup_alloc: unknown dtype 'floaty'"),
        (("float", 4.0), "static shape of positive ints, got 4.0"),
        (("float", (4, 0)), "static shape of positive ints"),
    ],
)
def test_threadgroup_alloc_argument_errors_name_the_line(args, text):
    @enigma.kernel
    def k(A: enigma.f32):
        enigma.threadgroup_alloc(*args)

    with pytest.raises(TypeError, match=text) as ei:
        enigma.compile(k, emit_only=True)
    assert "test_language_review.py:" in str(ei.value)


# ---------------------------------------------------------------------------------------------
# Lone literals (docs/python-api.md, Promotion rules): a negative literal first is fine
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def negative_literal_first(O: enigma.i32, P: enigma.u32):
    O[0] = enigma.cmp_lt(-1, 2)
    O[1] = enigma.where(2, -1, True)
    O[2] = enigma.make_vec(1, -2).y
    O[3] = enigma.cmp_lt(-1, 3000000000)  # i64
    P[0] = enigma.u32(5) ** 3


def test_negative_literal_first_is_signed():
    o = np.zeros(4, np.int32)
    p = np.zeros(1, np.uint32)
    run(negative_literal_first, o, p, grid=1)
    np.testing.assert_array_equal(o, [1, -1, -2, 1])
    assert p[0] == 125


@enigma.kernel
def int_vector_literal_pow(A: enigma.i32, O: enigma.i32):
    v = enigma.make_vec(A[0], A[1]) ** 3
    O[0] = v.x
    O[1] = v.y


def test_integer_vector_power_with_a_literal_exponent():
    o = np.zeros(2, np.int32)
    run(int_vector_literal_pow, np.array([-3, 1291], np.int32), o, grid=1)
    np.testing.assert_array_equal(o, np.array([-27, 1291**3], np.int64).astype(np.int32))
