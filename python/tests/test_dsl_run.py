"""The DSL surface, each feature in a kernel run on the CPU runtime against numpy."""

from __future__ import annotations

import enigma
import numpy as np
import pytest

rng = np.random.default_rng(7)


def run(kernel, *args, grid, block=64, **kw):
    c = enigma.compile(kernel, emit_only=True, **kw)
    c(*args, grid=grid, block=block, device="cpu")
    return c


# ---------------------------------------------------------------------------------------------
# The seed page's vector add
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def vadd(A: enigma.f32, B: enigma.f32, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        C[tid] = A[tid] + B[tid]


@pytest.mark.parametrize("n,block", [(1000, 128), (1, 32), (4096, 256)])
def test_vector_add(n, block):
    A = rng.random(n, dtype=np.float32)
    B = rng.random(n, dtype=np.float32)
    C = np.zeros(n, np.float32)
    # launch more threads than elements: the tid < n guard keeps the extra ones out
    run(vadd, A, B, C, n, grid=n + 37, block=block)
    np.testing.assert_array_equal(C, A + B)


def test_vector_add_vectorized():
    n = 1000
    A = rng.random(n, dtype=np.float32)
    B = rng.random(n, dtype=np.float32)
    C = np.zeros(n, np.float32)
    c = run(vadd, A, B, C, n, grid=n, block=128, vec_width=4)
    assert c.vec_width == 4
    np.testing.assert_array_equal(C, A + B)


# ---------------------------------------------------------------------------------------------
# Arithmetic, promotion, comparisons, selection
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def arith_f32(X: enigma.f32, Y: enigma.f32, O: enigma.f32):
    i = enigma.thread_position_in_grid.x
    x = X[i]
    y = Y[i]
    O[i * 8 + 0] = x + y * 2.0 - 1
    O[i * 8 + 1] = x / y
    O[i * 8 + 2] = x // y
    O[i * 8 + 3] = x % y
    O[i * 8 + 4] = -x + abs(y)
    O[i * 8 + 5] = x**2.0
    O[i * 8 + 6] = 3 - x
    O[i * 8 + 7] = 1.5 / x


def test_float_arithmetic():
    n = 64
    X = rng.uniform(0.5, 4, n).astype(np.float32)
    Y = rng.uniform(0.5, 4, n).astype(np.float32)
    O = np.zeros(n * 8, np.float32)
    run(arith_f32, X, Y, O, grid=n)
    O = O.reshape(n, 8)
    expect = np.stack(
        [
            X + Y * 2 - 1,
            X / Y,
            np.floor(X / Y),
            np.fmod(X, Y),
            -X + np.abs(Y),
            X**2,
            3 - X,
            1.5 / X,
        ],
        axis=1,
    )
    np.testing.assert_allclose(O, expect, rtol=1e-5, atol=1e-6)


@enigma.kernel
def arith_int(X: enigma.i32, Y: enigma.i32, U: enigma.u32, O: enigma.i32, P: enigma.u32):
    i = enigma.thread_position_in_grid.x
    x = X[i]
    y = Y[i]
    u = U[i]
    O[i * 8 + 0] = x // y  # C truncation for signed
    O[i * 8 + 1] = x % y
    O[i * 8 + 2] = x >> 2  # arithmetic shift
    O[i * 8 + 3] = (x & 0xFF) | (y << 3) ^ 5
    O[i * 8 + 4] = ~x
    O[i * 8 + 5] = -x * 3
    O[i * 8 + 6] = x**3
    O[i * 8 + 7] = enigma.min(x, y) + enigma.max(x, y)
    P[i * 4 + 0] = u >> 3  # logical shift
    P[i * 4 + 1] = u // 7
    P[i * 4 + 2] = u % 7
    P[i * 4 + 3] = enigma.min(u, 1000)


def test_integer_arithmetic_signed_and_unsigned():
    n = 64
    X = rng.integers(-1000, 1000, n).astype(np.int32)
    Y = rng.integers(1, 50, n).astype(np.int32) * rng.choice([-1, 1], n).astype(np.int32)
    U = rng.integers(0, 2**32 - 1, n, dtype=np.uint64).astype(np.uint32)
    O = np.zeros(n * 8, np.int32)
    P = np.zeros(n * 4, np.uint32)
    run(arith_int, X, Y, U, O, P, grid=n)
    O = O.reshape(n, 8)
    P = P.reshape(n, 4)
    trunc_div = (np.trunc(X / Y)).astype(np.int32)
    np.testing.assert_array_equal(O[:, 0], trunc_div)
    np.testing.assert_array_equal(O[:, 1], X - trunc_div * Y)
    np.testing.assert_array_equal(O[:, 2], X >> 2)
    np.testing.assert_array_equal(O[:, 3], (X & 0xFF) | ((Y << 3) ^ 5))
    np.testing.assert_array_equal(O[:, 4], ~X)
    np.testing.assert_array_equal(O[:, 5], -X * 3)
    np.testing.assert_array_equal(O[:, 6], X**3)
    np.testing.assert_array_equal(O[:, 7], np.minimum(X, Y) + np.maximum(X, Y))
    np.testing.assert_array_equal(P[:, 0], U >> 3)
    np.testing.assert_array_equal(P[:, 1], U // 7)
    np.testing.assert_array_equal(P[:, 2], U % 7)
    np.testing.assert_array_equal(P[:, 3], np.minimum(U, 1000))


@enigma.kernel
def promotion(
    F: enigma.f32,
    U: enigma.u32,
    I: enigma.i32,
    H: enigma.f16,
    O: enigma.f32,
    Q: enigma.u32,
    R: enigma.i64,
):
    i = enigma.thread_position_in_grid.x
    f = F[i]
    u = U[i]
    s = I[i]
    O[i * 4 + 0] = f + u  # f32 with u32 -> f32
    O[i * 4 + 1] = H[i] + f  # f16 with f32 -> f32
    O[i * 4 + 2] = u * 0.5  # float literal with an integer -> f32
    O[i * 4 + 3] = s / 4  # integer division (truncating, as Metal and the reference)
    Q[i] = u + s  # i32 with u32 -> u32 (C's rule)
    R[i] = enigma.metal_cast(s, enigma.i64) + u  # i64 with u32 -> i64


def test_promotion_rules():
    n = 32
    F = rng.random(n, dtype=np.float32)
    U = rng.integers(0, 100000, n).astype(np.uint32)
    Iv = rng.integers(-50000, 50000, n).astype(np.int32)
    H = rng.random(n).astype(np.float16)
    O = np.zeros(n * 4, np.float32)
    Q = np.zeros(n, np.uint32)
    R = np.zeros(n, np.int64)
    c = run(promotion, F, U, Iv, H, O, Q, R, grid=n)
    O = O.reshape(n, 4)
    np.testing.assert_allclose(O[:, 0], F + U.astype(np.float32), rtol=1e-6)
    np.testing.assert_allclose(O[:, 1], H.astype(np.float32) + F, rtol=1e-6)
    np.testing.assert_allclose(O[:, 2], U.astype(np.float32) * 0.5, rtol=1e-6)
    np.testing.assert_array_equal(O[:, 3], np.trunc(Iv / 4).astype(np.float32))
    np.testing.assert_array_equal(Q, (U.astype(np.int64) + Iv).astype(np.uint32))
    np.testing.assert_array_equal(R, Iv.astype(np.int64) + U)
    assert "arith.uitofp" in c.mlir_source and "arith.extf" in c.mlir_source


@enigma.kernel
def compare_select(X: enigma.f32, U: enigma.u32, I: enigma.i32, O: enigma.i32):
    i = enigma.thread_position_in_grid.x
    x = X[i]
    u = U[i]
    s = I[i]
    b0 = x < 0.5
    b1 = u >= 7
    b2 = s <= -3
    b3 = (x > 0.25) & (x != 0.75)
    b4 = enigma.cmp_eq(u % 2, 0) | enigma.cmp_ne(s, 0)
    b5 = enigma.cmp_lt(s, u)  # i32 vs u32 compares as u32
    O[i] = (
        enigma.where(0, 1, b0)
        + enigma.where(0, 2, b1)
        + enigma.where(0, 4, b2)
        + enigma.where(0, 8, b3)
        + enigma.where(0, 16, b4)
        + enigma.where(0, 32, b5)
        + enigma.where(0, 64, enigma.cmp_gt(x, 0.9))
        + enigma.where(0, 128, ~b0)
    )


def test_comparisons_and_where():
    n = 64
    X = rng.random(n, dtype=np.float32)
    U = rng.integers(0, 20, n).astype(np.uint32)
    Iv = rng.integers(-10, 10, n).astype(np.int32)
    O = np.zeros(n, np.int32)
    run(compare_select, X, U, Iv, O, grid=n)
    b5 = Iv.astype(np.uint32) < U
    expect = (
        (X < 0.5) * 1
        + (U >= 7) * 2
        + (Iv <= -3) * 4
        + ((X > 0.25) & (X != 0.75)) * 8
        + ((U % 2 == 0) | (Iv != 0)) * 16
        + b5 * 32
        + (X > 0.9) * 64
        + (~(X < 0.5)) * 128
    )
    np.testing.assert_array_equal(O, expect)


# ---------------------------------------------------------------------------------------------
# Math, casts, thread queries
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def math_fns(X: enigma.f32, O: enigma.f32):
    i = enigma.thread_position_in_grid.x
    x = X[i]
    vals = [
        enigma.exp(x),
        enigma.exp2(x),
        enigma.log(x),
        enigma.log2(x),
        enigma.sqrt(x),
        enigma.rsqrt(x),
        enigma.sin(x),
        enigma.cos(x),
        enigma.tanh(x),
        enigma.floor(x * 3),
        enigma.ceil(x * 3),
        enigma.fma(x, 2.0, 1.0),
        enigma.pow(x, 1.5),
        enigma.abs(-x),
        enigma.clamp(x, 0.5, 1.0),
        enigma.atan2(x, 2.0),
        enigma.tan(x),
        enigma.trunc(-x * 3),
    ]
    for k in enigma.range_constexpr(len(vals)):
        O[i * 18 + k] = vals[k]


def test_math_functions():
    n = 32
    X = rng.uniform(0.1, 2.0, n).astype(np.float32)
    O = np.zeros(n * 18, np.float32)
    run(math_fns, X, O, grid=n)
    expect = np.stack(
        [
            np.exp(X),
            np.exp2(X),
            np.log(X),
            np.log2(X),
            np.sqrt(X),
            1 / np.sqrt(X),
            np.sin(X),
            np.cos(X),
            np.tanh(X),
            np.floor(X * 3),
            np.ceil(X * 3),
            X * 2 + 1,
            X**1.5,
            X,
            np.clip(X, 0.5, 1.0),
            np.arctan2(X, 2.0),
            np.tan(X),
            np.trunc(-X * 3),
        ],
        axis=1,
    )
    np.testing.assert_allclose(O.reshape(n, 18), expect, rtol=2e-5, atol=2e-6)


@enigma.kernel
def casts(X: enigma.f32, I: enigma.i32, O: enigma.i32, U: enigma.u32, H: enigma.f16, B: enigma.u8):
    i = enigma.thread_position_in_grid.x
    x = X[i]
    O[i] = enigma.metal_cast(x, enigma.i32)  # truncation toward zero
    U[i] = enigma.as_type(x, enigma.u32)  # bit pattern
    H[i] = enigma.metal_cast(x, "half")
    B[i] = enigma.metal_cast(I[i], enigma.u8)  # wraps modulo 256
    O[i + 64] = enigma.i32(enigma.u16(70000 % 65536)) + enigma.metal_cast(x > 0, enigma.i32)


def test_metal_cast_and_as_type():
    n = 64
    X = rng.uniform(-100, 100, n).astype(np.float32)
    Iv = rng.integers(-1000, 1000, n).astype(np.int32)
    O = np.zeros(n * 2, np.int32)
    U = np.zeros(n, np.uint32)
    H = np.zeros(n, np.float16)
    B = np.zeros(n, np.uint8)
    run(casts, X, Iv, O, U, H, B, grid=n)
    np.testing.assert_array_equal(O[:n], np.trunc(X).astype(np.int32))
    np.testing.assert_array_equal(U, X.view(np.uint32))
    np.testing.assert_array_equal(H, X.astype(np.float16))
    np.testing.assert_array_equal(B, Iv.astype(np.uint8))
    np.testing.assert_array_equal(O[n:], 70000 % 65536 + (X > 0))


@enigma.kernel
def queries(O: enigma.u32):
    gx = enigma.thread_position_in_grid.x
    gy = enigma.thread_position_in_grid(1)
    w = enigma.threads_per_grid.x
    idx = gy * w + gx
    O[idx * 6 + 0] = enigma.thread_position_in_threadgroup.x
    O[idx * 6 + 1] = enigma.threadgroup_position_in_grid.y
    O[idx * 6 + 2] = enigma.threads_per_threadgroup("x")
    O[idx * 6 + 3] = enigma.threadgroups_per_grid(1)
    O[idx * 6 + 4] = enigma.thread_index_in_threadgroup()
    O[idx * 6 + 5] = enigma.thread_id(0) + enigma.threadgroup_id(1) * 1000


def test_thread_and_grid_queries():
    gx, gy, bx, by = 16, 4, 8, 2
    O = np.zeros(gx * gy * 6, np.uint32)
    enigma.compile(queries, emit_only=True)(O, grid=(gx, gy), block=(bx, by), device="cpu")
    O = O.reshape(gy, gx, 6)
    y, x = np.mgrid[0:gy, 0:gx]
    np.testing.assert_array_equal(O[..., 0], x % bx)
    np.testing.assert_array_equal(O[..., 1], y // by)
    np.testing.assert_array_equal(O[..., 2], bx)
    np.testing.assert_array_equal(O[..., 3], gy // by)
    np.testing.assert_array_equal(O[..., 4], (y % by) * bx + x % bx)
    np.testing.assert_array_equal(O[..., 5], x + (y // by) * 1000)


# ---------------------------------------------------------------------------------------------
# Control flow
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def row_sums(A: enigma.f32, S: enigma.f32, cols: enigma.Scalar(enigma.u32)):
    r = enigma.thread_position_in_grid.x
    loop = enigma.for_range(0, cols, init=0.0)
    with loop as (c, acc):
        enigma.yield_(acc + A[r * cols + c])
    S[r] = loop.result


def test_for_range_with_carried_value():
    rows, cols = 16, 37
    A = rng.random((rows, cols), dtype=np.float32)
    S = np.zeros(rows, np.float32)
    run(row_sums, A, S, cols, grid=rows)
    np.testing.assert_allclose(S, A.sum(axis=1), rtol=1e-5)


@enigma.kernel
def loops(O: enigma.i32):
    i = enigma.thread_position_in_grid.x
    with enigma.for_range(i, 20, step=3) as k:  # per-thread bounds, a step
        O[i * 32 + k] = k * 10
    with enigma.for_range(4) as k:  # for_range(hi)
        O[i * 32 + 24 + k] = k
    total = 0
    for k in enigma.range_constexpr(1, 4):  # unrolled at trace time
        total = total + i * k
    O[i * 32 + 31] = total
    lp = enigma.for_range(0, 3, init=(1, 0))
    with lp as (k, a, b):
        enigma.yield_(a * 2, b + a)
    a, b = lp.results
    O[i * 32 + 28] = a
    O[i * 32 + 29] = b


def test_for_range_forms():
    n = 4
    O = np.full(n * 32, -1, np.int32)
    run(loops, O, grid=n)
    O = O.reshape(n, 32)
    for i in range(n):
        for k in range(20):
            assert O[i, k] == (k * 10 if k >= i and (k - i) % 3 == 0 else -1)
        assert list(O[i, 24:28]) == [0, 1, 2, 3]
        assert O[i, 28] == 8 and O[i, 29] == 7
        assert O[i, 31] == i * 6


@enigma.kernel
def branches(X: enigma.f32, O: enigma.f32, P: enigma.i32):
    i = enigma.thread_position_in_grid.x
    x = X[i]
    br = enigma.if_(x > 0.5)
    with br as (then_, else_):
        with then_:
            enigma.yield_(x * 2, 1)
        with else_:
            enigma.yield_(-x, 0)
    y, flag = br.results
    O[i] = y
    P[i] = flag
    with enigma.if_(x < 0.25):
        P[i] = 7
    b2 = enigma.if_(x > 0.9)
    with b2 as (then_, else_):
        with then_:
            enigma.yield_(1.0)
        with else_:
            enigma.yield_(x)  # f32 vs literal 1.0 -> f32
    O[i + 64] = b2.result


def test_if_with_both_arms_and_values():
    n = 64
    X = rng.random(n, dtype=np.float32)
    O = np.zeros(n * 2, np.float32)
    P = np.zeros(n, np.int32)
    run(branches, X, O, P, grid=n)
    np.testing.assert_allclose(O[:n], np.where(X > 0.5, X * 2, -X), rtol=1e-6)
    np.testing.assert_array_equal(P, np.where(X < 0.25, 7, (X > 0.5).astype(np.int32)))
    np.testing.assert_array_equal(O[n:], np.where(X > 0.9, 1.0, X))


@enigma.kernel
def collatz(N: enigma.u32, Steps: enigma.u32):
    i = enigma.thread_position_in_grid.x
    w = enigma.while_(lambda v, s: v != 1, init=(N[i], enigma.u32(0)))
    with w as (v, s):
        nxt = enigma.where(v * 3 + 1, v // 2, v % 2 == 0)
        enigma.yield_(nxt, s + 1)
    Steps[i] = w.results[1]


def collatz_ref(v: int) -> int:
    s = 0
    while v != 1:
        v = v // 2 if v % 2 == 0 else 3 * v + 1
        s += 1
    return s


def test_while_with_carried_state():
    N = np.arange(1, 65, dtype=np.uint32)
    S = np.zeros_like(N)
    run(collatz, N, S, grid=len(N))
    np.testing.assert_array_equal(S, [collatz_ref(int(v)) for v in N])


@enigma.kernel
def spin(Flag: enigma.i32, Count: enigma.i32):
    i = enigma.thread_position_in_grid.x
    with enigma.while_(lambda: Flag[i] > 0):
        Flag[i] = Flag[i] - 1
        Count[i] = Count[i] + 1


def test_while_without_state_rereads_memory():
    F = np.array([0, 1, 5, 3], np.int32)
    C = np.zeros(4, np.int32)
    run(spin, F, C, grid=4)
    np.testing.assert_array_equal(C, [0, 1, 5, 3])
    np.testing.assert_array_equal(F, 0)


# ---------------------------------------------------------------------------------------------
# Threadgroup memory, barriers, SIMD-group ops, atomics
# ---------------------------------------------------------------------------------------------

BLOCK = 128


@enigma.kernel
def block_sum(X: enigma.f32, Out: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_threadgroup.x
    gid = enigma.thread_position_in_grid.x
    shared = enigma.threadgroup_alloc(enigma.f32, BLOCK)
    shared[tid] = 0.0
    with enigma.if_(gid < n):
        shared[tid] = X[gid]
    enigma.barrier()
    for s in enigma.range_constexpr(7):
        stride = BLOCK >> (s + 1)
        with enigma.if_(tid < stride):
            shared[tid] = shared[tid] + shared[tid + stride]
        enigma.threadgroup_barrier("threadgroup")
    with enigma.if_(tid == 0):
        Out[enigma.threadgroup_position_in_grid.x] = shared[0]


def test_threadgroup_reduction_with_barriers():
    n = 1000
    X = rng.random(n, dtype=np.float32)
    groups = -(-n // BLOCK)
    Out = np.zeros(groups, np.float32)
    c = run(block_sum, X, Out, n, grid=groups * BLOCK, block=BLOCK)
    expect = [X[g * BLOCK : (g + 1) * BLOCK].sum() for g in range(groups)]
    np.testing.assert_allclose(Out, expect, rtol=1e-5)
    assert "threadgroup_barrier" in c.metal_source


@enigma.kernel
def simd_ops(X: enigma.f32, I: enigma.u32, O: enigma.f32, P: enigma.u32):
    i = enigma.thread_position_in_grid.x
    x = X[i]
    u = I[i]
    O[i * 4 + 0] = enigma.simd_sum(x)
    O[i * 4 + 1] = enigma.simd_max(x)
    O[i * 4 + 2] = enigma.simd_prefix_exclusive_sum(x)
    O[i * 4 + 3] = enigma.simd_shuffle_down(x, 1)
    P[i * 3 + 0] = enigma.simd_min(u)
    P[i * 3 + 1] = enigma.simd_broadcast(u, 3)
    P[i * 3 + 2] = enigma.simd_or(u) + enigma.thread_index_in_simdgroup() * 0


def test_simd_group_operations():
    n = 64
    X = rng.random(n, dtype=np.float32)
    U = rng.integers(0, 1 << 20, n).astype(np.uint32)
    O = np.zeros(n * 4, np.float32)
    P = np.zeros(n * 3, np.uint32)
    run(simd_ops, X, U, O, P, grid=n, block=64)
    O = O.reshape(n, 4)
    P = P.reshape(n, 3)
    for g in range(n // 32):
        sl = slice(g * 32, (g + 1) * 32)
        xs, us = X[sl], U[sl]
        np.testing.assert_allclose(O[sl, 0], xs.sum(), rtol=1e-5)
        np.testing.assert_array_equal(O[sl, 1], xs.max())
        np.testing.assert_allclose(
            O[sl, 2], np.concatenate([[0], np.cumsum(xs)[:-1]]), rtol=1e-5, atol=1e-6
        )
        np.testing.assert_array_equal(O[sl, 3], np.concatenate([xs[1:], xs[-1:]]))
        np.testing.assert_array_equal(P[sl, 0], us.min())
        np.testing.assert_array_equal(P[sl, 1], us[3])
        np.testing.assert_array_equal(P[sl, 2], np.bitwise_or.reduce(us))


@enigma.kernel
def histogram(X: enigma.u32, H: enigma.u32, F: enigma.f32, M: enigma.i32):
    i = enigma.thread_position_in_grid.x
    v = X[i]
    enigma.atomic_add(H, v % 16, 1)
    enigma.atomic_add(F, 0, 0.5)
    enigma.atomic_max(M, 0, enigma.metal_cast(v, enigma.i32))
    enigma.atomic_min(M, 1, enigma.metal_cast(v, enigma.i32))


def test_atomics():
    n = 256
    X = rng.integers(0, 1000, n).astype(np.uint32)
    H = np.zeros(16, np.uint32)
    F = np.zeros(1, np.float32)
    M = np.array([-1, 1 << 30], np.int32)
    c = run(histogram, X, H, F, M, grid=n)
    np.testing.assert_array_equal(H, np.bincount(X % 16, minlength=16))
    assert F[0] == pytest.approx(n * 0.5)
    assert M[0] == X.max() and M[1] == X.min()
    assert all(p.access == "read_write" for p in c.params[1:])


@enigma.kernel
def atomics_more(B: enigma.i32, O: enigma.i32):
    i = enigma.thread_position_in_grid.x
    with enigma.if_(i == 0):
        old = enigma.atomic_exchange(B, 0, 5)
        O[0] = old
        found = enigma.atomic_compare_exchange(B, 0, 5, 9)
        O[1] = found
        O[2] = enigma.atomic_load(B, 0)
        enigma.atomic_store(B, 1, 42)
        enigma.atomic_sub(B, 2, 3)
        enigma.atomic_and(B, 3, 6)
        enigma.atomic_or(B, 4, 6)
        enigma.atomic_xor(B, 5, 6)


def test_atomic_exchange_compare_exchange_load_store():
    B = np.array([1, 0, 10, 3, 3, 3], np.int32)
    O = np.zeros(3, np.int32)
    run(atomics_more, B, O, grid=1, block=1)
    assert list(O) == [1, 5, 9]
    assert list(B) == [9, 42, 7, 3 & 6, 3 | 6, 3 ^ 6]


# ---------------------------------------------------------------------------------------------
# Typed constants and launch argument checks
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def typed_consts(O: enigma.u64, F: enigma.f16, n: enigma.Scalar(enigma.i64)):
    O[0] = enigma.u64(2**63 + 5)
    O[1] = enigma.u32(0xFFFFFFFF)
    O[2] = n * 2
    F[0] = enigma.f16(0.1)
    F[1] = float("inf")
    F[2] = enigma.bf16(1.5)


def test_typed_constants_are_exact():
    O = np.zeros(3, np.uint64)
    F = np.zeros(3, np.float16)
    run(typed_consts, O, F, -(2**40), grid=1, block=1)
    assert list(O) == [2**63 + 5, 0xFFFFFFFF, np.uint64(np.int64(-(2**41)))]
    assert F[0] == np.float16(0.1) and np.isinf(F[1]) and F[2] == 1.5


@enigma.kernel
def misc(X: enigma.f32, O: enigma.f32, C: enigma.i32):
    i = enigma.thread_position_in_grid.x
    x = X[i]
    O[i * 4 + 0] = enigma.f16(x).to(enigma.f32)  # through half precision
    O[i * 4 + 1] = enigma.where(0.0, 1.0, enigma.isnan(x))
    O[i * 4 + 2] = enigma.where(0.0, 1.0, enigma.isinf(x))
    O[i * 4 + 3] = enigma.where(6, 5, enigma.cmp_lt(1, 2))  # literals only
    w = enigma.while_(lambda v: v < 100, init=enigma.i32(1))  # one carried value
    with w as v:
        enigma.yield_(v * 3)
    C[i] = w.result


def test_conversions_nan_inf_single_while_state():
    X = np.array([1.1, np.nan, np.inf, -np.inf, 0.3], np.float32)
    O = np.zeros(len(X) * 4, np.float32)
    C = np.zeros(len(X), np.int32)
    run(misc, X, O, C, grid=len(X))
    O = O.reshape(-1, 4)
    np.testing.assert_array_equal(O[:, 0], X.astype(np.float16).astype(np.float32))
    np.testing.assert_array_equal(O[:, 1], np.isnan(X))
    np.testing.assert_array_equal(O[:, 2], np.isinf(X))
    np.testing.assert_array_equal(O[:, 3], 5)
    np.testing.assert_array_equal(C, 243)


@enigma.kernel
def more_math(X: enigma.f32, O: enigma.f32):
    i = enigma.thread_position_in_grid.x
    x = X[i]
    vals = [
        enigma.asin(x),
        enigma.acos(x),
        enigma.atan(x),
        enigma.sinh(x),
        enigma.cosh(x),
        enigma.asinh(x),
        enigma.acosh(x + 1.0),
        enigma.atanh(x * 0.5),
        enigma.round(x * 7),
        enigma.log10(x),
        enigma.copysign(2.0, x - 0.5),
        enigma.exp(enigma.i32(2)),
        enigma.fabs(x - 0.5),
        enigma.where(0.0, x, x > 0.5),
    ]
    for k in enigma.range_constexpr(len(vals)):
        O[i * 14 + k] = vals[k]


def test_more_math_functions():
    n = 32
    X = rng.uniform(0.05, 0.95, n).astype(np.float32)
    O = np.zeros(n * 14, np.float32)
    run(more_math, X, O, grid=n)
    expect = np.stack(
        [
            np.arcsin(X),
            np.arccos(X),
            np.arctan(X),
            np.sinh(X),
            np.cosh(X),
            np.arcsinh(X),
            np.arccosh(X + 1),
            np.arctanh(X * 0.5),
            np.sign(X * 7) * np.floor(np.abs(X * 7) + 0.5),
            np.log10(X),
            np.copysign(2.0, X - 0.5),
            np.full(n, np.exp(2.0)),
            np.abs(X - 0.5),
            np.where(X > 0.5, X, 0),
        ],
        axis=1,
    ).astype(np.float32)
    np.testing.assert_allclose(O.reshape(n, 14), expect, rtol=2e-5, atol=2e-6)


@enigma.kernel
def lanes(X: enigma.i32, F: enigma.f32, O: enigma.i32, P: enigma.f32, Q: enigma.u32):
    i = enigma.thread_position_in_grid.x
    x = X[i]
    f = F[i]
    O[i * 8 + 0] = enigma.simd_and(x)
    O[i * 8 + 1] = enigma.simd_xor(x)
    O[i * 8 + 2] = enigma.simd_shuffle(x, 5)
    O[i * 8 + 3] = enigma.simd_shuffle_up(x, 2)
    O[i * 8 + 4] = enigma.simd_shuffle_xor(x, 1)
    O[i * 8 + 5] = enigma.simd_shuffle_rotate_down(x, 3)
    O[i * 8 + 6] = enigma.quad_sum(x)
    O[i * 8 + 7] = enigma.quad_shuffle_down(x, 1)
    enigma.simdgroup_barrier()
    P[i * 4 + 0] = enigma.simd_prefix_inclusive_sum(f)
    P[i * 4 + 1] = enigma.quad_max(f)
    P[i * 4 + 2] = enigma.simd_min(f)
    P[i * 4 + 3] = enigma.quad_prefix_exclusive_sum(f)
    Q[i * 4 + 0] = enigma.thread_index_in_simdgroup()
    Q[i * 4 + 1] = enigma.simdgroup_index_in_threadgroup()
    Q[i * 4 + 2] = enigma.threads_per_simdgroup()
    Q[i * 4 + 3] = (
        enigma.simdgroups_per_threadgroup() * 1000
        + enigma.num_threadgroups(0) * 100
        + enigma.threadgroup_size("x")
        + enigma.threads_per_grid(0) * 10000
        + enigma.grid_size(0) * 100000  # the reference's alias of threadgroups_per_grid
    )


def test_more_simd_and_quad_operations():
    n, block = 64, 64
    X = rng.integers(0, 1 << 16, n).astype(np.int32)
    F = rng.random(n, dtype=np.float32)
    O = np.zeros(n * 8, np.int32)
    P = np.zeros(n * 4, np.float32)
    Q = np.zeros(n * 4, np.uint32)
    run(lanes, X, F, O, P, Q, grid=n, block=block)
    O, P, Q = O.reshape(n, 8), P.reshape(n, 4), Q.reshape(n, 4)
    for g in range(n // 32):
        s = slice(g * 32, (g + 1) * 32)
        x, f = X[s], F[s]
        lane = np.arange(32)
        np.testing.assert_array_equal(O[s, 0], np.bitwise_and.reduce(x))
        np.testing.assert_array_equal(O[s, 1], np.bitwise_xor.reduce(x))
        np.testing.assert_array_equal(O[s, 2], x[5])
        np.testing.assert_array_equal(O[s, 3], np.where(lane >= 2, x[lane - 2], x))
        np.testing.assert_array_equal(O[s, 4], x[lane ^ 1])
        np.testing.assert_array_equal(O[s, 5], x[(lane + 3) % 32])
        quads = x.reshape(8, 4)
        np.testing.assert_array_equal(O[s, 6], np.repeat(quads.sum(axis=1), 4))
        ql = lane % 4
        np.testing.assert_array_equal(O[s, 7], np.where(ql < 3, x[np.minimum(lane + 1, 31)], x))
        np.testing.assert_allclose(P[s, 0], np.cumsum(f), rtol=1e-5)
        np.testing.assert_array_equal(P[s, 1], np.repeat(f.reshape(8, 4).max(axis=1), 4))
        np.testing.assert_array_equal(P[s, 2], f.min())
        qf = f.reshape(8, 4)
        excl = np.concatenate([np.zeros((8, 1), np.float32), np.cumsum(qf, axis=1)[:, :-1]], 1)
        np.testing.assert_allclose(P[s, 3], excl.reshape(-1), rtol=1e-5, atol=1e-7)
        np.testing.assert_array_equal(Q[s, 0], lane)
        np.testing.assert_array_equal(Q[s, 1], g)
    np.testing.assert_array_equal(Q[:, 2], 32)
    np.testing.assert_array_equal(Q[:, 3], 2 * 1000 + 1 * 100 + 64 + 64 * 10000 + 1 * 100000)


@enigma.kernel
def tile2d(A: enigma.f32, O: enigma.f32):
    r = enigma.thread_position_in_threadgroup.y
    c = enigma.thread_position_in_threadgroup.x
    t = enigma.threadgroup_alloc(enigma.f32, (8, 9))  # padded 2-D threadgroup array
    t[r, c] = A[r * 8 + c]
    enigma.barrier(["device", "threadgroup"])
    O[r * 8 + c] = t[c, r]


def test_two_dimensional_threadgroup_array():
    A = rng.random(64, dtype=np.float32)
    O = np.zeros(64, np.float32)
    c = run(tile2d, A, O, grid=(8, 8), block=(8, 8))
    np.testing.assert_array_equal(O.reshape(8, 8), A.reshape(8, 8).T)
    assert "mem_flags::mem_device" in c.metal_source or "mem_device" in c.metal_source


# ---------------------------------------------------------------------------------------------
# Signed parameters: Metal's signed types in the signature, exact semantics in the body
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def signed_params(
    A8: enigma.i8,
    A16: enigma.i16,
    A32: enigma.i32,
    A64: enigma.i64,
    M: enigma.i32,
    O32: enigma.i32,
    O64: enigma.i64,
    d: enigma.Scalar(enigma.i32),
    s8: enigma.Scalar(enigma.i8),
    l: enigma.Scalar(enigma.i64),
):
    i = enigma.thread_position_in_grid.x
    a8 = A8[i]
    a16 = A16[i]
    a32 = A32[i]
    a64 = A64[i]
    A8[i] = a8 / s8  # divsi on i8 (truncating)
    A16[i] = a16 >> 3  # arithmetic shift
    A32[i] = a32 / d
    A64[i] = a64 >> 7
    O32[i * 4 + 0] = enigma.where(0, 1, a32 < d)  # signed comparisons
    O32[i * 4 + 1] = enigma.where(0, 1, a8 > s8)
    O32[i * 4 + 2] = enigma.metal_cast(a16, enigma.i32)  # sign extension
    O32[i * 4 + 3] = a32 % d
    O64[i * 3 + 0] = enigma.metal_cast(a32, enigma.i64)
    O64[i * 3 + 1] = enigma.metal_cast(a8, enigma.i64) + l
    O64[i * 3 + 2] = l / 7
    enigma.atomic_min(M, 0, a32)
    enigma.atomic_max(M, 1, a32)


def _trunc_div(a, b):
    """C's truncating integer division, in the arrays' (wide enough) dtype."""
    q = np.abs(a) // np.abs(b)
    return np.where((a < 0) != (b < 0), -q, q)


def test_signed_params_signature_and_semantics():
    n = 200
    A8 = rng.integers(-128, 128, n).astype(np.int8)
    A16 = rng.integers(-(2**15), 2**15, n).astype(np.int16)
    A32 = rng.integers(-(2**31), 2**31, n).astype(np.int32)
    A64 = rng.integers(-(2**63), 2**63, n, dtype=np.int64)
    A8[:3] = [-128, -1, 127]
    A16[:3] = [-(2**15), -1, 2**15 - 1]
    A32[:3] = [-(2**31), -1, 2**31 - 1]
    A64[:3] = [-(2**63), -1, 2**63 - 1]
    M = np.array([2**31 - 1, -(2**31)], np.int32)
    O32 = np.zeros(n * 4, np.int32)
    O64 = np.zeros(n * 3, np.int64)
    d, s8, l = -5, -3, -(2**40) - 3
    a8, a16, a32, a64 = A8.copy(), A16.copy(), A32.copy(), A64.copy()
    c = run(signed_params, A8, A16, A32, A64, M, O32, O64, d, s8, l, grid=n)

    msl = c.metal_source
    for decl in [
        "device char* A8 [[buffer(0)]]",
        "device short* A16 [[buffer(1)]]",
        "device int* A32 [[buffer(2)]]",
        "device long* A64 [[buffer(3)]]",
        "device atomic_int* M [[buffer(4)]]",
        "device int* O32 [[buffer(5)]]",
        "device long* O64 [[buffer(6)]]",
        "constant int& d [[buffer(7)]]",
        "constant char& s8 [[buffer(8)]]",
        "constant long& l [[buffer(9)]]",
    ]:
        assert decl in msl, (decl, msl)
    assert "uint" not in msl.split("{", 1)[0].replace("uint3 thread_position_in_grid", "")
    params = c.metadata["kernels"][0]["params"]
    assert [p["is_unsigned"] for p in params] == [False] * 10
    assert [p["msl_type"] for p in params][:4] == [
        "device char*",
        "device short*",
        "device int*",
        "device long*",
    ]

    np.testing.assert_array_equal(A8, _trunc_div(a8.astype(np.int64), s8).astype(np.int8))
    np.testing.assert_array_equal(A16, a16 >> 3)
    np.testing.assert_array_equal(A32, _trunc_div(a32.astype(np.int64), d).astype(np.int32))
    np.testing.assert_array_equal(A64, a64 >> 7)
    O32 = O32.reshape(n, 4)
    np.testing.assert_array_equal(O32[:, 0], (a32 < d).astype(np.int32))
    np.testing.assert_array_equal(O32[:, 1], (a8 > s8).astype(np.int32))
    np.testing.assert_array_equal(O32[:, 2], a16.astype(np.int32))
    np.testing.assert_array_equal(O32[:, 3], np.fmod(a32, np.int32(d)))
    O64 = O64.reshape(n, 3)
    np.testing.assert_array_equal(O64[:, 0], a32.astype(np.int64))
    np.testing.assert_array_equal(O64[:, 1], a8.astype(np.int64) + l)
    np.testing.assert_array_equal(O64[:, 2], -((-l) // 7))
    assert M[0] == a32.min() == -(2**31) and M[1] == a32.max() == 2**31 - 1


@enigma.kernel
def signed_vectorized(
    A8: enigma.i8, A16: enigma.i16, A32: enigma.i32, A64: enigma.i64, s: enigma.Scalar(enigma.i32)
):
    i = enigma.thread_position_in_grid.x
    A8[i] = A8[i] >> 1
    A16[i] = A16[i] >> 2
    A32[i] = A32[i] + s
    A64[i] = A64[i] >> 3


def test_signed_params_vectorized():
    # vec_width=4: whole-vector accesses of the signed buffers (same bits), the tail scalar
    n = 1003
    A8 = rng.integers(-128, 128, n).astype(np.int8)
    A16 = rng.integers(-(2**15), 2**15, n).astype(np.int16)
    A32 = rng.integers(-(2**31), 2**31, n).astype(np.int32)
    A64 = rng.integers(-(2**63), 2**63, n, dtype=np.int64)
    a8, a16, a32, a64 = A8.copy(), A16.copy(), A32.copy(), A64.copy()
    s = -123456
    c = run(signed_vectorized, A8, A16, A32, A64, s, grid=n, block=128, vec_width=4)
    assert c.vec_width == 4
    msl = c.metal_source
    assert "device char* A8" in msl and "device long* A64" in msl and "constant int& s" in msl
    assert "uint4" in msl and "ulong4" in msl  # the vector path is there
    np.testing.assert_array_equal(A8, a8 >> 1)
    np.testing.assert_array_equal(A16, a16 >> 2)
    np.testing.assert_array_equal(A32, (a32.astype(np.int64) + s).astype(np.int32))
    np.testing.assert_array_equal(A64, a64 >> 3)


@enigma.kernel
def signed_copy(A: enigma.i32, B: enigma.i32):
    i = enigma.thread_position_in_grid.x
    B[i] = A[i]


def test_signed_buffer_with_unsigned_array():
    # Unchanged by the signed signature: the DSL launcher wants exactly the annotated dtype
    # (int32 for i32), while the MSL-level runtime (enigma.runtime, which binds by the
    # signature) accepts any integer array of the element's size, reinterpreted.
    c = enigma.compile(signed_copy, emit_only=True)
    assert "device const int* A" in c.metal_source and "device int* B" in c.metal_source
    A = np.array([0, 1, 0xFFFFFFFF, 0x80000000], np.uint32)
    with pytest.raises(enigma.EnigmaError, match="expected a int32 array, got uint32"):
        c(A, np.zeros(4, np.int32), grid=4, block=4, device="cpu")
    with pytest.raises(enigma.EnigmaError, match="expected a int32 array, got uint32"):
        c(A.view(np.int32), np.zeros(4, np.uint32), grid=4, block=4, device="cpu")
    k = enigma.runtime.compile_msl(c.metal_source, c.kernel_name)
    assert [p.type_name for p in k.args] == ["int", "int"]
    B = np.zeros(4, np.uint32)
    k(A, B, grid=4, block=4)
    np.testing.assert_array_equal(B, A)
    B32 = np.zeros(4, np.int32)
    k(A, B32, grid=4, block=4)
    np.testing.assert_array_equal(B32, A.view(np.int32))
