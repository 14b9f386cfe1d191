"""Masked load/store, register tensors and the tile helpers (§36-§37 of the reference): every
function in a kernel run on the CPU runtime against numpy (the documented snippets as written,
wrapped in kernels), masks switched off at tails, both gemm paths, coalesced and masked copies,
pipeline rotation, and every error (naming the user's line)."""

from __future__ import annotations

import re

import enigma
import numpy as np
import pytest
from enigma import EnigmaError

rng = np.random.default_rng(36)
HERE = __file__


def run(kernel, *args, grid, block=32, **kw):
    c = enigma.compile(kernel, emit_only=True, **kw)
    c(*args, grid=grid, block=block, device="cpu")
    return c


def fails(exc_type, kernel, match):
    """Compiling `kernel` raises `exc_type` whose message matches and names this file."""
    with pytest.raises(exc_type, match=match) as e:
        enigma.compile(kernel, emit_only=True)
    assert HERE in str(e.value), str(e.value)
    return str(e.value)


# ---------------------------------------------------------------------------------------------
# §36 load_if / store_if
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def doc_load_if(A: enigma.f32, Out: enigma.f32):
    tid = enigma.thread_position_in_grid
    ten  = enigma.metal_cast(10, "int")
    mask = enigma.cmp_lt(tid, ten)
    val  = enigma.load_if(A, tid, mask, default=0.0)
    Out[tid] = val


def test_load_if_documented_snippet_masks_the_tail():
    # A has exactly 10 elements: the 6 masked-off threads never read past it (the CPU runtime
    # checks every access exactly), and get the default.
    a = rng.random(10, dtype=np.float32) + 1
    out = np.full(16, 7, np.float32)
    c = run(doc_load_if, a, out, grid=16, block=16)
    np.testing.assert_array_equal(out, np.concatenate([a, np.zeros(6, np.float32)]))
    # one straight-line select, no branch
    assert "if (" not in c.metal_source
    assert c.metal_source.count("?") == 2  # the safe index and the value


@enigma.kernel
def plain_tail_read(A: enigma.f32, Out: enigma.f32):
    tid = enigma.thread_position_in_grid
    Out[tid] = A[tid]


def test_an_unmasked_tail_read_is_reported():
    # The bounds check the previous test relies on is on: the same read without load_if fails.
    with pytest.raises(EnigmaError, match="out of bounds|out-of-bounds"):
        run(plain_tail_read, np.zeros(10, np.float32), np.zeros(16, np.float32), grid=16,
            block=16)


@enigma.kernel
def doc_store_if(A: enigma.f32, B: enigma.f32):
    tid = enigma.thread_position_in_grid
    ten = enigma.metal_cast(10, "int")
    mask = enigma.cmp_lt(tid, ten)
    val = A[tid]
    enigma.store_if(B, tid, val, mask)


def test_store_if_documented_snippet_skips_the_tail():
    a = rng.random(16, dtype=np.float32)
    b = np.full(10, -1, np.float32)  # exactly 10: a tail write would be out of bounds
    c = run(doc_store_if, a, b, grid=16, block=16)
    np.testing.assert_array_equal(b, a[:10])
    assert "if (mask)" in c.metal_source


@enigma.kernel
def load_if_kinds(A: enigma.i32, F: enigma.f32, O: enigma.i32, P: enigma.f32):
    tid = enigma.thread_position_in_grid
    even = enigma.cmp_eq(tid % 2, 0)
    # int buffer, float default: converted like metal_cast
    O[tid * 4 + 0] = enigma.load_if(A, tid, even, default=0.0)
    O[tid * 4 + 1] = enigma.load_if(A, tid, even, default=-5)
    O[tid * 4 + 2] = enigma.load_if(A, tid, even, default=enigma.metal_cast(tid, "int") * 100)
    O[tid * 4 + 3] = enigma.load_if(A, tid, True)  # a Python bool mask
    # threadgroup array (2-D, the reference programs' scratch pattern) and a tensor
    tg = enigma.threadgroup_alloc("float", (4, 8))
    lid = enigma.thread_position_in_threadgroup()
    tg[lid // 8, lid % 8] = F[tid]
    enigma.barrier()
    lane_ok = enigma.cmp_lt(lid, 16)
    P[tid * 3 + 0] = enigma.load_if(tg, (lid // 8, lid % 8), lane_ok, default=-1.0)
    t = enigma.make_tensor(F, enigma.make_layout((4, 8), (1, 4)))  # column-major 4x8
    P[tid * 3 + 1] = enigma.load_if(t, (lid % 4, lid // 4), lane_ok, default=-2.0)
    # a register tensor
    reg = enigma.register_tensor((2,), dtype="float", fill=3.0)
    reg[1] = F[tid]
    P[tid * 3 + 2] = enigma.load_if(reg, 1, even, default=-3.0)


def test_load_if_on_buffers_threadgroup_arrays_tensors_and_register_tensors():
    n = 32
    a = rng.integers(-1000, 1000, n).astype(np.int32)
    f = rng.random(n, dtype=np.float32)
    o = np.zeros(n * 4, np.int32)
    p = np.zeros(n * 3, np.float32)
    run(load_if_kinds, a, f, o, p, grid=n, block=32)
    o, p = o.reshape(n, 4), p.reshape(n, 3)
    idx = np.arange(n)
    even = idx % 2 == 0
    np.testing.assert_array_equal(o[:, 0], np.where(even, a, 0))
    np.testing.assert_array_equal(o[:, 1], np.where(even, a, -5))
    np.testing.assert_array_equal(o[:, 2], np.where(even, a, idx * 100))
    np.testing.assert_array_equal(o[:, 3], a)
    np.testing.assert_array_equal(p[:, 0], np.where(idx < 16, f, -1))
    # the column-major tensor at (lid % 4, lid // 4) is F[lid % 4 + 4 * (lid // 4)] = F[lid]
    np.testing.assert_array_equal(p[:, 1], np.where(idx < 16, f, -2))
    np.testing.assert_array_equal(p[:, 2], np.where(even, f, -3))


@enigma.kernel
def store_if_kinds(F: enigma.f32, P: enigma.f32):
    tid = enigma.thread_position_in_grid
    odd = enigma.cmp_eq(tid % 2, 1)
    tg = enigma.threadgroup_alloc("float", 32)
    tg[tid] = 0.0
    enigma.barrier()
    enigma.store_if(tg, tid, F[tid] + 1.0, odd)
    enigma.barrier()
    t = enigma.make_tensor(P, enigma.make_layout((32, 3), (3, 1)))
    t[tid, 0] = tg[tid]
    enigma.store_if(t, (tid, 1), 9, odd)  # an int literal into a float tensor
    reg = enigma.register_tensor((1, 2), fill=-1.0)
    enigma.store_if(reg, (0, 1), F[tid], odd)
    t[tid, 2] = reg[0, 1]


def test_store_if_on_threadgroup_arrays_tensors_and_register_tensors():
    f = rng.random(32, dtype=np.float32)
    p = np.full(32 * 3, 5, np.float32)
    run(store_if_kinds, f, p, grid=32, block=32)
    p = p.reshape(32, 3)
    odd = np.arange(32) % 2 == 1
    np.testing.assert_array_equal(p[:, 0], np.where(odd, f + 1, 0))
    np.testing.assert_array_equal(p[:, 1], np.where(odd, 9, 5))
    np.testing.assert_array_equal(p[:, 2], np.where(odd, f, -1))


def test_load_store_if_errors():
    @enigma.kernel
    def int_mask(A: enigma.f32):
        tid = enigma.thread_position_in_grid
        A[tid] = enigma.load_if(A, tid, tid, default=0.0)

    fails(TypeError, int_mask, r"load_if: the mask must be a bool .* got u32")

    @enigma.kernel
    def store_float_mask(A: enigma.f32):
        tid = enigma.thread_position_in_grid
        enigma.store_if(A, tid, 1.0, A[tid])

    fails(TypeError, store_float_mask, r"store_if: the mask must be a bool .* got f32")

    @enigma.kernel
    def not_a_buffer(A: enigma.f32):
        tid = enigma.thread_position_in_grid
        A[tid] = enigma.load_if([1.0, 2.0], tid, True)

    fails(TypeError, not_a_buffer, r"load_if: buffer must be a kernel buffer, .* got list")

    @enigma.kernel
    def wrong_rank(A: enigma.f32):
        tg = enigma.threadgroup_alloc("float", (4, 4))
        A[0] = enigma.load_if(tg, 1, True)

    fails(TypeError, wrong_rank, r"2 dimension\(s\) but was indexed with 1")


# ---------------------------------------------------------------------------------------------
# §36 register_tensor
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def doc_register_tensor(A: enigma.f32, Out: enigma.f32):
    tid = enigma.thread_position_in_grid
    reg = enigma.register_tensor((2, 2), dtype="float", fill=0.0)
    reg[0, 0] = A[tid]
    v = reg[0, 0]
    Out[tid * 3 + 0] = v
    Out[tid * 3 + 1] = reg[1, 1]
    reg[1, 0] = v * 2 + reg[0, 1]
    Out[tid * 3 + 2] = reg[1, 0]


def test_register_tensor_documented_snippet():
    a = rng.random(32, dtype=np.float32)
    out = np.full(96, -1, np.float32)
    c = run(doc_register_tensor, a, out, grid=32)
    out = out.reshape(32, 3)
    np.testing.assert_array_equal(out[:, 0], a)
    np.testing.assert_array_equal(out[:, 1], 0)
    np.testing.assert_array_equal(out[:, 2], a * 2)
    # unrolled at trace time: no loop, no threadgroup memory, no array
    src = c.metal_source
    assert "for (" not in src and "threadgroup" not in src and "[2]" not in src


@enigma.kernel
def register_accumulate(A: enigma.f32, Out: enigma.f32):
    tid = enigma.thread_position_in_grid
    acc = enigma.register_tensor(4, dtype=enigma.i32, fill=1)
    for h in enigma.range_constexpr(4):
        acc[h] = acc[h] + enigma.metal_cast(A[tid * 4 + h], "int") * (h + 1)
    with enigma.for_range(0, 3, init=[acc[0], acc[3]]) as (i, c):
        c[0] = c[0] + i
        c[1] = c[1] * 2
    acc[0] = c[0]
    acc[3] = c[1]
    for h in enigma.range_constexpr(4):
        Out[tid * 4 + h] = acc[h]


def test_register_tensor_in_unrolled_loops_and_carried_through_for_range():
    a = rng.integers(0, 10, 32 * 4).astype(np.float32)
    out = np.zeros(32 * 4, np.float32)
    run(register_accumulate, a, out, grid=32)
    want = 1 + a.reshape(32, 4).astype(np.int32) * np.arange(1, 5)
    want[:, 0] += 0 + 1 + 2
    want[:, 3] *= 8
    np.testing.assert_array_equal(out.reshape(32, 4), want)


def test_register_tensor_errors():
    @enigma.kernel
    def traced_index(A: enigma.f32):
        reg = enigma.register_tensor((4,))
        with enigma.for_range(0, 4) as i:
            reg[i] = A[i]

    fails(TypeError, traced_index, r"indexed with Python ints .* got a traced value")

    @enigma.kernel
    def out_of_range(A: enigma.f32):
        reg = enigma.register_tensor((2, 3))
        A[0] = reg[1, 3]

    fails(TypeError, out_of_range, r"index \(1, 3\) is out of range for shape \(2, 3\)")

    @enigma.kernel
    def rank(A: enigma.f32):
        reg = enigma.register_tensor((2, 3))
        A[0] = reg[1]

    fails(TypeError, rank, r"shape \(2, 3\) \(2 dimension\(s\)\) but was indexed with 1")

    @enigma.kernel
    def escapes(A: enigma.f32):
        tid = enigma.thread_position_in_grid
        reg = enigma.register_tensor((2,))
        with enigma.if_(tid > 3):
            reg[0] = A[tid]
        A[tid] = reg[0]

    fails(TypeError, escapes, r"element 0 was last assigned inside a for_range/if_/while_ body")

    @enigma.kernel
    def bad_shape(A: enigma.f32):
        enigma.register_tensor((2, 0))

    fails(TypeError, bad_shape, r"shape must be a positive int or a tuple of positive ints")

    @enigma.kernel
    def bad_dtype(A: enigma.f32):
        enigma.register_tensor((2,), dtype="quux")

    fails(TypeError, bad_dtype, r"register_tensor: .*quux")

    @enigma.kernel
    def iterate(A: enigma.f32):
        for v in enigma.register_tensor((2,)):
            A[0] = v

    fails(TypeError, iterate, r"not iterable")

    with pytest.raises(EnigmaError, match="only valid inside a kernel"):
        enigma.register_tensor((2, 2))


# ---------------------------------------------------------------------------------------------
# §37 gemm
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def matmul_tile(A: enigma.f32, B: enigma.f32, C: enigma.f32):
    # A, B come from threadgroup memory; C is a register tile
    reg_C = enigma.register_tensor((3, 4), dtype="float", fill=0.0)
    enigma.gemm(A, B, reg_C, M=3, N=4, K=2)
    # (not in the documented snippet) write the tile out
    for m in enigma.range_constexpr(3):
        for n in enigma.range_constexpr(4):
            C[m * 4 + n] = reg_C[m, n]


def test_gemm_documented_snippet_register_tile():
    a = rng.standard_normal((3, 2)).astype(np.float32)
    b = rng.standard_normal((2, 4)).astype(np.float32)
    c = np.zeros(12, np.float32)
    k = run(matmul_tile, a.ravel(), b.ravel(), c, grid=1, block=1)
    np.testing.assert_allclose(c.reshape(3, 4), a @ b, rtol=1e-5, atol=1e-6)
    assert "simdgroup" not in k.metal_source
    assert k.metal_source.count("for (") == 1  # the K loop carrying the 12 cells


def _gemm_memory_kernel(M, N, K, ta, tb, accum="float"):
    @enigma.kernel
    def gemm_mem(A: enigma.f32, B: enigma.f32, C: enigma.f32):
        ta_ = enigma.threadgroup_alloc("float", M * K)
        tb_ = enigma.threadgroup_alloc("float", K * N)
        tc_ = enigma.threadgroup_alloc("float", (M, N))  # 2-D C: indexed [m, n]
        enigma.copy(A, ta_, M * K)
        enigma.copy(B, tb_, K * N)
        for m in enigma.range_constexpr(M):
            for n in enigma.range_constexpr(N):
                tc_[m, n] = C[m * N + n]
        enigma.gemm(ta_, tb_, tc_, M=M, N=N, K=K, transpose_A=ta, transpose_B=tb,
                    accum_dtype=accum)
        for m in enigma.range_constexpr(M):
            for n in enigma.range_constexpr(N):
                C[m * N + n] = tc_[m, n]

    return gemm_mem


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_gemm_scalar_path_memory_tile_with_transposes(ta, tb):
    M, N, K = 3, 5, 4
    a = rng.standard_normal((M, K)).astype(np.float32)
    b = rng.standard_normal((K, N)).astype(np.float32)
    c0 = rng.standard_normal((M, N)).astype(np.float32)
    a_stored = a.T.copy() if ta else a
    b_stored = b.T.copy() if tb else b
    c = c0.ravel().copy()
    k = run(_gemm_memory_kernel(M, N, K, ta, tb), a_stored.ravel(), b_stored.ravel(), c,
            grid=1, block=1)
    np.testing.assert_allclose(c.reshape(M, N), c0 + a @ b, rtol=1e-5, atol=1e-5)
    # a doubly nested loop over (m, n) around the K loop (and the two copies)
    assert k.metal_source.count("for (") == 5
    assert "simdgroup" not in k.metal_source


@enigma.kernel
def gemm_int_accum(A: enigma.i8, B: enigma.i8, C: enigma.i32):
    reg = enigma.register_tensor((2, 3), dtype="int", fill=7)
    enigma.gemm(A, B, reg, M=2, N=3, K=5, accum_dtype="int", transpose_B=True)
    for m in enigma.range_constexpr(2):
        for n in enigma.range_constexpr(3):
            C[m * 3 + n] = reg[m, n]


def test_gemm_scalar_path_integer_accumulator():
    a = rng.integers(-128, 128, (2, 5)).astype(np.int8)
    bt = rng.integers(-128, 128, (3, 5)).astype(np.int8)
    c = np.zeros(6, np.int32)
    run(gemm_int_accum, a.ravel(), bt.ravel(), c, grid=1, block=1)
    want = 7 + a.astype(np.int32) @ bt.T.astype(np.int32)
    np.testing.assert_array_equal(c.reshape(2, 3), want)


def _gemm_simd_kernel(ta, tb, dt="float", use=None):
    @enigma.kernel
    def gemm_simd(A: enigma.f32, B: enigma.f32, C: enigma.f32):
        lid = enigma.thread_position_in_threadgroup()
        sa = enigma.threadgroup_alloc(dt, 64)
        sb = enigma.threadgroup_alloc(dt, 64)
        sc = enigma.threadgroup_alloc(dt, 64)
        with enigma.for_range(lid, 64, enigma.threads_per_threadgroup()) as i:
            sa[i] = A[i]
            sb[i] = B[i]
            sc[i] = C[i]
        enigma.gemm(sa, sb, sc, M=8, N=8, K=8, transpose_A=ta, transpose_B=tb, accum_dtype=dt,
                    use_simdgroup=use)
        with enigma.for_range(lid, 64, enigma.threads_per_threadgroup()) as i:
            C[i] = sc[i]

    return gemm_simd


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("block", [32, 64])
def test_gemm_simdgroup_path(ta, tb, block):
    # 64 threads: two SIMD-groups, only SIMD-group 0 computes and stores the 8x8 tile (no
    # write-write race); C += A @ B happens once; race-checked launches report nothing.
    a = rng.standard_normal((8, 8)).astype(np.float32)
    b = rng.standard_normal((8, 8)).astype(np.float32)
    c0 = rng.standard_normal((8, 8)).astype(np.float32)
    c = c0.ravel().copy()
    k = run(_gemm_simd_kernel(ta, tb), (a.T.copy() if ta else a).ravel(),
            (b.T.copy() if tb else b).ravel(), c, grid=block, block=block)
    np.testing.assert_allclose(c.reshape(8, 8), c0 + a @ b, rtol=1e-5, atol=1e-5)
    src = k.metal_source
    assert "simdgroup_multiply_accumulate" in src
    assert src.count("threadgroup_barrier") == 3
    c = c0.ravel().copy()
    k(
        (a.T.copy() if ta else a).ravel(), (b.T.copy() if tb else b).ravel(), c,
        grid=block, block=block, device="cpu", race_check=True,
    )
    np.testing.assert_allclose(c.reshape(8, 8), c0 + a @ b, rtol=1e-5, atol=1e-5)


def test_gemm_simdgroup_path_half_and_forced_scalar():
    a = rng.standard_normal((8, 8)).astype(np.float32)
    b = rng.standard_normal((8, 8)).astype(np.float32)
    c = np.zeros(64, np.float32)
    k = run(_gemm_simd_kernel(False, False, "half", True), a.ravel(), b.ravel(), c, grid=32)
    want = a.astype(np.float16).astype(np.float32) @ b.astype(np.float16).astype(np.float32)
    np.testing.assert_allclose(c.reshape(8, 8), want, rtol=2e-2, atol=5e-2)
    assert "simdgroup_half8x8" in k.metal_source
    c = np.ones(64, np.float32)
    k = run(_gemm_simd_kernel(False, True, "float", False), a.ravel(), b.ravel(), c, grid=1,
            block=1)
    np.testing.assert_allclose(c.reshape(8, 8), 1 + a @ b.T, rtol=1e-5, atol=1e-5)
    assert "simdgroup" not in k.metal_source


def test_gemm_8x8x8_with_a_register_tile_takes_the_scalar_path():
    @enigma.kernel
    def reg8(A: enigma.f32, B: enigma.f32, C: enigma.f32):
        acc = enigma.register_tensor((8, 8))
        enigma.gemm(A, B, acc, M=8, N=8, K=8)
        C[0] = acc[2, 5]

    a = rng.standard_normal((8, 8)).astype(np.float32)
    b = rng.standard_normal((8, 8)).astype(np.float32)
    c = np.zeros(1, np.float32)
    k = run(reg8, a.ravel(), b.ravel(), c, grid=1, block=1)
    np.testing.assert_allclose(c[0], (a @ b)[2, 5], rtol=1e-5)
    assert "simdgroup" not in k.metal_source


@enigma.kernel
def gemm_tensors(A: enigma.f32, B: enigma.f32, C: enigma.f32):
    ta = enigma.make_tensor(A, enigma.make_layout((3, 2), (1, 3)))  # column-major 3x2, [m, k]
    tb = enigma.make_tensor(B, enigma.make_layout(8))  # flat: row-major 2x4
    tc = enigma.make_tensor(C, enigma.make_layout((3, 4), (4, 1)))
    enigma.gemm(ta, tb, tc, M=3, N=4, K=2, accum_dtype=enigma.f16)


def test_gemm_scalar_path_through_tensor_layouts():
    a = rng.standard_normal((3, 2)).astype(np.float32)
    b = rng.standard_normal((2, 4)).astype(np.float32)
    c = np.ones(12, np.float32)
    run(gemm_tensors, a.T.ravel().copy(), b.ravel(), c, grid=1, block=1)
    h = np.float16
    want = (1 + (a.astype(h)[:, :, None] * b.astype(h)[None, :, :]).sum(1, dtype=h)).astype(h)
    np.testing.assert_allclose(c.reshape(3, 4), want.astype(np.float32), rtol=1e-2, atol=1e-2)


def test_gemm_errors():
    @enigma.kernel
    def forced_shape(A: enigma.f32, B: enigma.f32, C: enigma.f32):
        enigma.gemm(A, B, C, M=4, N=4, K=4, use_simdgroup=True)

    fails(EnigmaError, forced_shape, r"use_simdgroup=True but the tile is 4x4x4")

    @enigma.kernel
    def forced_register(A: enigma.f32, B: enigma.f32, C: enigma.f32):
        acc = enigma.register_tensor((8, 8))
        enigma.gemm(A, B, acc, M=8, N=8, K=8, use_simdgroup=True)

    fails(EnigmaError, forced_register, r"use_simdgroup=True but C is a register tensor")

    @enigma.kernel
    def forced_dtype(A: enigma.f32, B: enigma.f32, C: enigma.f32):
        enigma.gemm(A, B, C, M=8, N=8, K=8, accum_dtype="half", use_simdgroup=True)

    fails(EnigmaError, forced_dtype, r"A holds f32 but accum_dtype is f16")

    @enigma.kernel
    def forced_layout(A: enigma.f32, B: enigma.f32, C: enigma.f32):
        t = enigma.make_tensor(A, enigma.make_layout((8, 8), (1, 8)))
        enigma.gemm(t, B, C, M=8, N=8, K=8, use_simdgroup=True)

    fails(EnigmaError, forced_layout, r"A is not a row-major 8x8 tile")

    @enigma.kernel
    def reg_shape(A: enigma.f32, B: enigma.f32, C: enigma.f32):
        acc = enigma.register_tensor((4, 3))
        enigma.gemm(A, B, acc, M=3, N=4, K=2)

    fails(TypeError, reg_shape, r"register tensor C has shape \(4, 3\), expected \(3, 4\)")

    @enigma.kernel
    def reg_a(A: enigma.f32, B: enigma.f32, C: enigma.f32):
        enigma.gemm(enigma.register_tensor((2, 2)), B, C, M=2, N=2, K=2)

    fails(TypeError, reg_a, r"A must be a tile in memory")

    @enigma.kernel
    def small(A: enigma.f32, B: enigma.f32, C: enigma.f32):
        tg = enigma.threadgroup_alloc("float", 8)
        enigma.gemm(tg, B, C, M=4, N=4, K=4)

    fails(TypeError, small, r"A holds 8 elements but a 4x4 tile needs 16")

    @enigma.kernel
    def shape2d(A: enigma.f32, B: enigma.f32, C: enigma.f32):
        tg = enigma.threadgroup_alloc("float", (4, 2))
        enigma.gemm(A, tg, C, M=4, N=4, K=4)

    fails(TypeError, shape2d, r"B has shape \(4, 2\) but the tile is 4x4")

    @enigma.kernel
    def bad_m(A: enigma.f32, B: enigma.f32, C: enigma.f32):
        enigma.gemm(A, B, C, M=0, N=4, K=4)

    fails(TypeError, bad_m, r"gemm: M must be a positive Python int, got 0")

    @enigma.kernel
    def bad_accum(A: enigma.f32, B: enigma.f32, C: enigma.f32):
        enigma.gemm(A, B, C, M=2, N=4, K=4, accum_dtype="bool")

    fails(TypeError, bad_accum, r"accum_dtype must be a scalar number type, got b1")

    @enigma.kernel
    def bad_flag(A: enigma.f32, B: enigma.f32, C: enigma.f32):
        enigma.gemm(A, B, C, M=2, N=4, K=4, use_simdgroup="yes")

    fails(TypeError, bad_flag, r"use_simdgroup must be None, True or False")


# ---------------------------------------------------------------------------------------------
# §37 copy
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def doc_copy(A: enigma.f32, B: enigma.f32):
    # Plain copy, one element per iteration:
    enigma.copy(A, B, count=16)


@enigma.kernel
def doc_copy_coalesced(A: enigma.f32, B: enigma.f32):
    # Coalesced 4-wide copy, count must be a multiple of 4:
    enigma.copy(A, B, count=16, coalesced_width=4)


def test_copy_documented_snippets():
    a = rng.random(16, dtype=np.float32)
    b = np.zeros(16, np.float32)
    k = run(doc_copy, a, b, grid=1, block=1)
    np.testing.assert_array_equal(b, a)
    assert k.metal_source.count("for (") == 1
    b = np.zeros(16, np.float32)
    k = run(doc_copy_coalesced, a, b, grid=1, block=1)
    np.testing.assert_array_equal(b, a)
    src = k.metal_source
    assert src.count("for (") == 1
    body = src[src.index("for ("):]
    loads = [m.start() for m in re.finditer(r"= A\[", body)]
    stores = [m.start() for m in re.finditer(r"B\[[^\]]*\] =", body)]
    assert len(loads) == 4 and len(stores) == 4 and max(loads) < min(stores)


@enigma.kernel
def copy_masked(A: enigma.f32, B: enigma.f32, n: enigma.Scalar(enigma.u32),
                off: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid
    base = tid * 16
    enigma.copy(A, B, 16, src_offset=base + off, dst_offset=base,
                mask_fn=lambda i: enigma.cmp_lt(base + off + i, n), coalesced_width=4)


def test_copy_masked_tail_with_traced_offsets():
    # 4 threads copy 16 elements each from A[off:]; A has n elements, the tail lanes are masked
    # (no read past A, B keeps its values there).
    n, off = 50, 3
    a = rng.random(n, dtype=np.float32)
    b = np.full(64, -1, np.float32)
    k = run(copy_masked, a, b, np.uint32(n), np.uint32(off), grid=4, block=4)
    want = np.full(64, -1, np.float32)
    want[: n - off] = a[off:]
    np.testing.assert_array_equal(b, want)
    assert k.metal_source.count("if (") == 4


@enigma.kernel
def copy_threadgroup_and_register(A: enigma.f32, B: enigma.f32):
    tid = enigma.thread_position_in_grid
    tg = enigma.threadgroup_alloc("float", 8)
    enigma.copy(A, tg, 8, src_offset=tid * 8)
    reg = enigma.register_tensor((8,), fill=-1.0)
    enigma.copy(tg, reg, 6, src_offset=2, mask_fn=lambda i: enigma.cmp_ne(i, 3),
                coalesced_width=2)
    enigma.copy(reg, B, 8, dst_offset=tid * 8)


def test_copy_threadgroup_arrays_and_register_tensors():
    a = rng.random(8, dtype=np.float32)
    b = np.zeros(8, np.float32)
    k = run(copy_threadgroup_and_register, a, b, grid=1, block=1)
    want = np.full(8, -1, np.float32)
    want[:6] = a[2:]
    want[3] = -1
    np.testing.assert_array_equal(b, want)
    assert k.metal_source.count("for (") == 1  # only the copy into threadgroup memory


def test_copy_errors():
    @enigma.kernel
    def not_multiple(A: enigma.f32, B: enigma.f32):
        enigma.copy(A, B, count=10, coalesced_width=4)

    fails(EnigmaError, not_multiple, r"count=10 is not a multiple of coalesced_width=4")

    @enigma.kernel
    def traced_count(A: enigma.f32, B: enigma.f32, n: enigma.Scalar(enigma.u32)):
        enigma.copy(A, B, count=n, coalesced_width=2)

    fails(EnigmaError, traced_count, r"coalesced_width=2 needs a Python int count")

    @enigma.kernel
    def zero_width(A: enigma.f32, B: enigma.f32):
        enigma.copy(A, B, count=8, coalesced_width=0)

    fails(TypeError, zero_width, r"coalesced_width must be a positive int, got 0")

    @enigma.kernel
    def float_count(A: enigma.f32, B: enigma.f32):
        enigma.copy(A, B, count=A[0])

    fails(TypeError, float_count, r"count must be an integer, got f32")

    @enigma.kernel
    def bad_mask(A: enigma.f32, B: enigma.f32):
        enigma.copy(A, B, count=8, mask_fn=lambda i: i)

    fails(TypeError, bad_mask, r"copy \(mask_fn\): the mask must be a bool")

    @enigma.kernel
    def register_traced(A: enigma.f32, B: enigma.f32):
        reg = enigma.register_tensor((4,))
        enigma.copy(reg, A, 4, src_offset=enigma.thread_position_in_grid)

    fails(TypeError, register_traced, r"src_offset \(of the register tensor\) must be a Python int")

    @enigma.kernel
    def not_memory(A: enigma.f32, B: enigma.f32):
        enigma.copy(A, 3.0, 4)

    fails(TypeError, not_memory, r"copy: dst must be a kernel buffer")


# ---------------------------------------------------------------------------------------------
# §37 pipeline
# ---------------------------------------------------------------------------------------------


def test_pipeline_documented_snippet_and_rotation():
    seen = {}

    @enigma.kernel
    def pipe_doc(A: enigma.f32):
        pipe = enigma.pipeline("float", 8, stages=3)

        front = pipe.front()    # current consumer buffer
        mid   = pipe.stage(1)
        back  = pipe.back()     # current producer buffer

        with pytest.raises(EnigmaError, match=r"swap\(\) needs a two-stage pipeline"):
            pipe.swap()    # 2-stage only: rotates front <-> back
        pipe.rotate()  # N-stage: rotate all buffers by one position
        seen["before"] = (front, mid, back)
        seen["after"] = (pipe.front(), pipe.stage(1), pipe.back())
        seen["buffers"] = pipe.buffers
        A[0] = front[0] + mid[0] + back[0]

    k = enigma.compile(pipe_doc, emit_only=True)
    f, m, b = seen["before"]
    assert seen["buffers"] == (f, m, b)
    assert len({id(x) for x in (f, m, b)}) == 3
    assert seen["after"] == (m, b, f)  # old stage(1) is the front; the old front is the back
    assert k.metal_source.count("threadgroup float") == 3


@enigma.kernel
def double_buffered(A: enigma.f32, Out: enigma.f32):
    # Out[t * 8 + j] = 2 * A[t * 8 + j] for 4 tiles, loading tile t + 1 into the back buffer
    # while tile t is consumed from the front.
    lid = enigma.thread_position_in_threadgroup()
    pipe = enigma.pipeline("float", 8, stages=2)
    pipe.front()[lid] = A[lid]
    enigma.barrier()
    for t in range(4):
        if t + 1 < 4:
            pipe.back()[lid] = A[(t + 1) * 8 + lid]
        Out[t * 8 + lid] = pipe.front()[lid] * 2.0
        enigma.barrier()
        pipe.swap()


def test_pipeline_double_buffered_loop():
    a = rng.random(32, dtype=np.float32)
    out = np.zeros(32, np.float32)
    run(double_buffered, a, out, grid=8, block=8)
    np.testing.assert_array_equal(out, a * 2)


def test_pipeline_errors():
    @enigma.kernel
    def one_stage(A: enigma.f32):
        enigma.pipeline("float", 8, stages=1)

    fails(EnigmaError, one_stage, r"stages must be at least 2, got 1")

    @enigma.kernel
    def stage_range(A: enigma.f32):
        enigma.pipeline("float", 8).stage(2)

    fails(EnigmaError, stage_range, r"k=2 is out of range for 2 stages")

    @enigma.kernel
    def float_stages(A: enigma.f32):
        enigma.pipeline("float", 8, stages=2.0)

    fails(TypeError, float_stages, r"stages must be a Python int")

    @enigma.kernel
    def bad_size(A: enigma.f32):
        enigma.pipeline("float", 0)

    fails(TypeError, bad_size, r"threadgroup_alloc needs a static shape")
