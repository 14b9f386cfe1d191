"""The documented kernel language (the reference's §6-§27, §31, §33, §35): every name in a
kernel run on the CPU runtime against numpy, plus the errors the reference promises."""

from __future__ import annotations


import enigma
import numpy as np
import pytest

rng = np.random.default_rng(12)


def run(kernel, *args, grid, block=64, **kw):
    c = enigma.compile(kernel, emit_only=True, **kw)
    c(*args, grid=grid, block=block, device="cpu")
    return c


# ---------------------------------------------------------------------------------------------
# §6 thread and grid queries
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def bare_tid(A: enigma.f32, O: enigma.f32, U: enigma.u32):
    tid = enigma.thread_position_in_grid
    # index, arithmetic, comparison, cast and call, each with the bare query
    O[tid] = A[tid] * 2.0 + enigma.metal_cast(tid, "float") + enigma.sqrt(tid)
    U[tid] = enigma.where(tid * 10, tid + 1, enigma.cmp_lt(tid, 5))
    with enigma.if_(tid >= 60):
        U[tid] = enigma.thread_position_in_grid + 1000


def test_bare_thread_position_is_a_value():
    n = 64
    a = rng.random(n, dtype=np.float32)
    o = np.zeros(n, np.float32)
    u = np.zeros(n, np.uint32)
    c = run(bare_tid, a, o, u, grid=n, block=32)
    idx = np.arange(n, dtype=np.float32)
    np.testing.assert_allclose(o, a * 2 + idx + np.sqrt(idx), rtol=1e-6)
    want = np.where(np.arange(n) < 5, np.arange(n) + 1, np.arange(n) * 10).astype(np.uint32)
    want[60:] = np.arange(60, 64) + 1000
    np.testing.assert_array_equal(u, want)
    assert "uint tid = " in c.metal_source  # named after the user's variable
    assert repr(enigma.thread_position_in_grid) == "enigma.thread_position_in_grid"


@enigma.kernel
def queries_2d(O: enigma.u32):
    row = enigma.thread_position_in_grid_xyz("y")
    col = enigma.thread_position_in_grid_xyz()  # dim="x" by default
    i = (row * 8 + col) * 12
    O[i + 0] = enigma.thread_position_in_threadgroup()
    O[i + 1] = enigma.thread_position_in_threadgroup("y")
    O[i + 2] = enigma.threadgroup_position_in_grid()
    O[i + 3] = enigma.threadgroup_position_in_grid(dim="y")
    O[i + 4] = enigma.threads_per_threadgroup()
    O[i + 5] = enigma.threads_per_threadgroup("y")
    O[i + 6] = enigma.threads_per_grid()
    O[i + 7] = enigma.threads_per_grid("y")
    O[i + 8] = enigma.threadgroups_per_grid()
    O[i + 9] = enigma.grid_size("y")  # the reference's alias of threadgroups_per_grid
    O[i + 10] = enigma.thread_index_in_threadgroup()
    O[i + 11] = enigma.thread_position_in_grid_xyz("z") + enigma.thread_position_in_grid.y * 0


def test_queries_default_and_named_dims():
    o = np.zeros(8 * 8 * 12, np.uint32)
    run(queries_2d, o, grid=(8, 8, 1), block=(4, 2, 1))
    o = o.reshape(8, 8, 12)
    rows, cols = np.mgrid[0:8, 0:8]
    np.testing.assert_array_equal(o[..., 0], cols % 4)
    np.testing.assert_array_equal(o[..., 1], rows % 2)
    np.testing.assert_array_equal(o[..., 2], cols // 4)
    np.testing.assert_array_equal(o[..., 3], rows // 2)
    np.testing.assert_array_equal(o[..., 4], 4)
    np.testing.assert_array_equal(o[..., 5], 2)
    np.testing.assert_array_equal(o[..., 6], 8)
    np.testing.assert_array_equal(o[..., 7], 8)
    np.testing.assert_array_equal(o[..., 8], 2)
    np.testing.assert_array_equal(o[..., 9], 4)
    np.testing.assert_array_equal(o[..., 10], (rows % 2) * 4 + cols % 4)
    np.testing.assert_array_equal(o[..., 11], 0)


@enigma.kernel
def simd_queries(O: enigma.u32):
    t = enigma.thread_position_in_grid
    O[t * 4 + 0] = enigma.thread_index_in_simdgroup()
    O[t * 4 + 1] = enigma.simdgroup_index_in_threadgroup()
    O[t * 4 + 2] = enigma.threads_per_simdgroup()
    O[t * 4 + 3] = enigma.simdgroups_per_threadgroup()


def test_simd_queries():
    o = np.zeros(128 * 4, np.uint32)
    run(simd_queries, o, grid=128, block=64)
    o = o.reshape(128, 4)
    t = np.arange(128)
    np.testing.assert_array_equal(o[:, 0], t % 32)
    np.testing.assert_array_equal(o[:, 1], (t % 64) // 32)
    np.testing.assert_array_equal(o[:, 2], 32)
    np.testing.assert_array_equal(o[:, 3], 2)


@enigma.kernel
def arch_copy(A: enigma.f32, B: enigma.f32):
    tidx, _, _ = enigma.arch.thread_idx()
    bidx, _, _ = enigma.arch.block_idx()
    bdim, _, _ = enigma.arch.block_dim()
    gid = bidx * bdim + tidx
    B[gid] = A[gid]


def test_arch_namespace():
    a = rng.random(256, dtype=np.float32)
    b = np.zeros_like(a)
    run(arch_copy, a, b, grid=256, block=64)
    np.testing.assert_array_equal(a, b)


def test_invalid_dimension_is_an_enigma_error():
    @enigma.kernel
    def bad(O: enigma.u32):
        O[0] = enigma.thread_position_in_grid_xyz("w")

    with pytest.raises(enigma.EnigmaError, match="dim must be") as e:
        enigma.compile(bad)
    assert isinstance(e.value, TypeError)
    assert "test_language.py" in str(e.value)


def test_query_outside_a_kernel_is_an_enigma_error():
    with pytest.raises(enigma.EnigmaError, match="only valid inside a kernel"):
        enigma.thread_position_in_grid_xyz("x")
    with pytest.raises(enigma.EnigmaError, match="only valid inside a kernel"):
        enigma.thread_position_in_grid + 1


# ---------------------------------------------------------------------------------------------
# §7 operators
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def int_ops(I: enigma.i32, J: enigma.i32, U: enigma.u32, V: enigma.u32, O: enigma.i32,
            P: enigma.u32, F: enigma.f32, G: enigma.f32):
    t = enigma.thread_position_in_grid
    a, b = I[t], J[t]
    O[t * 5 + 0] = a / b
    O[t * 5 + 1] = a // b
    O[t * 5 + 2] = a % b
    O[t * 5 + 3] = -a
    O[t * 5 + 4] = a * 3 - b + 1
    P[t * 3 + 0] = U[t] / V[t]
    P[t * 3 + 1] = U[t] % V[t]
    P[t * 3 + 2] = t * 4 + 1  # int literals promote with the uint query
    F[t * 2 + 0] = G[t] // 0.75  # float floor division
    F[t * 2 + 1] = G[t] % 0.75  # float remainder (fmod)


def test_integer_division_and_remainder_truncate():
    n = 64
    i = rng.integers(-1000, 1000, n).astype(np.int32)
    j = rng.integers(1, 30, n).astype(np.int32) * rng.choice([-1, 1], n).astype(np.int32)
    u = rng.integers(0, 1 << 32, n, dtype=np.uint64).astype(np.uint32)
    v = rng.integers(1, 1000, n).astype(np.uint32)
    g = (rng.random(n, dtype=np.float32) - 0.5) * 10
    o = np.zeros(n * 5, np.int32)
    p = np.zeros(n * 3, np.uint32)
    f = np.zeros(n * 2, np.float32)
    run(int_ops, i, j, u, v, o, p, f, g, grid=n)
    o, p, f = o.reshape(n, 5), p.reshape(n, 3), f.reshape(n, 2)
    trunc = np.trunc(i / j).astype(np.int32)
    np.testing.assert_array_equal(o[:, 0], trunc)
    np.testing.assert_array_equal(o[:, 1], trunc)
    np.testing.assert_array_equal(o[:, 2], i - trunc * j)
    np.testing.assert_array_equal(o[:, 3], -i)
    np.testing.assert_array_equal(o[:, 4], i * 3 - j + 1)
    np.testing.assert_array_equal(p[:, 0], u // v)
    np.testing.assert_array_equal(p[:, 1], u % v)
    np.testing.assert_array_equal(p[:, 2], np.arange(n) * 4 + 1)
    np.testing.assert_array_equal(f[:, 0], np.floor(g / np.float32(0.75)))
    np.testing.assert_allclose(f[:, 1], np.fmod(g, np.float32(0.75)), atol=1e-6)


# ---------------------------------------------------------------------------------------------
# §14-§16 comparisons, where, casts
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def comparisons(I: enigma.i32, J: enigma.i32, U: enigma.u32, F: enigma.f32, O: enigma.u32):
    t = enigma.thread_position_in_grid
    a, b, u, f = I[t], J[t], U[t], F[t]
    cs = [
        enigma.cmp_eq(a, b), enigma.cmp_ne(a, b), enigma.cmp_lt(a, b), enigma.cmp_le(a, b),
        enigma.cmp_gt(a, b), enigma.cmp_ge(a, b),
        enigma.cmp_ult(a, b), enigma.cmp_ule(a, b), enigma.cmp_ugt(a, b), enigma.cmp_uge(a, b),
        enigma.cmp_lt(u, 7), enigma.cmp_gt(f, 0.25), enigma.cmp_le(f, 0.25),
    ]
    for k, c in enumerate(cs):
        O[t * 13 + k] = enigma.where(0, 1, c)


def test_signed_unsigned_and_float_comparisons():
    n = 64
    a = rng.integers(-5, 5, n).astype(np.int32)
    b = rng.integers(-5, 5, n).astype(np.int32)
    u = rng.integers(0, 14, n).astype(np.uint32)
    f = np.where(np.arange(n) % 7 == 0, np.nan, rng.random(n)).astype(np.float32)
    o = np.zeros(n * 13, np.uint32)
    run(comparisons, a, b, u, f, o, grid=n)
    o = o.reshape(n, 13).astype(bool)
    au, bu = a.view(np.uint32), b.view(np.uint32)
    want = [a == b, a != b, a < b, a <= b, a > b, a >= b, au < bu, au <= bu, au > bu, au >= bu,
            u < 7, f > 0.25, f <= 0.25]
    for k, w in enumerate(want):
        np.testing.assert_array_equal(o[:, k], w, err_msg=f"comparison #{k}")


@enigma.kernel
def elem_max(A: enigma.f32, B: enigma.f32, Out: enigma.f32):
    tid = enigma.thread_position_in_grid
    a, b = A[tid], B[tid]
    Out[tid] = enigma.where(b, a, enigma.cmp_gt(a, b))


def test_where_in_the_documented_order():
    a = rng.standard_normal(100).astype(np.float32)
    b = rng.standard_normal(100).astype(np.float32)
    o = np.zeros_like(a)
    run(elem_max, a, b, o, grid=100)
    np.testing.assert_array_equal(o, np.maximum(a, b))


def test_where_with_a_non_bool_condition_names_it():
    @enigma.kernel
    def numpy_order(A: enigma.f32, Out: enigma.f32):
        tid = enigma.thread_position_in_grid
        Out[tid] = enigma.where(A[tid] > 0, A[tid], 0.0)  # numpy's order: wrong here

    with pytest.raises(TypeError, match=r"condition \(the third argument\) must be a bool"):
        enigma.compile(numpy_order)


@enigma.kernel
def casts(F: enigma.f32, O: enigma.i32, U: enigma.u32, G: enigma.f32):
    t = enigma.thread_position_in_grid
    O[t * 3 + 0] = enigma.metal_cast(F[t], "int")
    O[t * 3 + 1] = enigma.metal_cast(3.14, "int")
    O[t * 3 + 2] = enigma.metal_cast(-2.9, enigma.i32)
    U[t * 3 + 0] = enigma.as_type(F[t], "uint")
    U[t * 3 + 1] = enigma.metal_cast(-1, "uint")
    U[t * 3 + 2] = enigma.metal_cast(enigma.metal_cast(7.9, "float"), "uint")
    G[t * 2 + 0] = enigma.metal_cast(t, "float")
    G[t * 2 + 1] = enigma.as_type(enigma.as_type(F[t], "uint"), "float")


def test_metal_cast_and_as_type():
    n = 32
    f = (rng.standard_normal(n) * 100).astype(np.float32)
    o = np.zeros(n * 3, np.int32)
    u = np.zeros(n * 3, np.uint32)
    g = np.zeros(n * 2, np.float32)
    run(casts, f, o, u, g, grid=n)
    o, u, g = o.reshape(n, 3), u.reshape(n, 3), g.reshape(n, 2)
    np.testing.assert_array_equal(o[:, 0], np.trunc(f).astype(np.int32))
    np.testing.assert_array_equal(o[:, 1], 3)
    np.testing.assert_array_equal(o[:, 2], -2)
    np.testing.assert_array_equal(u[:, 0], f.view(np.uint32))
    np.testing.assert_array_equal(u[:, 1], 0xFFFFFFFF)
    np.testing.assert_array_equal(u[:, 2], 7)
    np.testing.assert_array_equal(g[:, 0], np.arange(n, dtype=np.float32))
    np.testing.assert_array_equal(g[:, 1], f)


def test_as_type_needs_equal_sizes():
    @enigma.kernel
    def bad(A: enigma.f32, O: enigma.u32):
        O[0] = enigma.as_type(A[0], "ushort")

    with pytest.raises(TypeError, match="equal size"):
        enigma.compile(bad)


# ---------------------------------------------------------------------------------------------
# §17 vectors
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def vec_example(Ax: enigma.f32, Ay: enigma.f32, Az: enigma.f32, Out: enigma.f32):
    tid = enigma.thread_position_in_grid
    v = enigma.make_float3(Ax[tid], Ay[tid], Az[tid])
    w = v * 2.0 + enigma.make_vec(Ax[tid], Ax[tid], Ax[tid])
    Out[tid * 4 + 0] = v.x + v.y + v.z
    Out[tid * 4 + 1] = enigma.vec_extract(w, 1)
    Out[tid * 4 + 2] = w[2] - w.x
    q = enigma.make_float4(1, 2.5, Ax[tid], tid)
    Out[tid * 4 + 3] = q.w + q.x * q.y - q.z


def test_vector_construction_and_extraction():
    n = 32
    ax, ay, az = (rng.random(n, dtype=np.float32) for _ in range(3))
    o = np.zeros(n * 4, np.float32)
    run(vec_example, ax, ay, az, o, grid=n)
    o = o.reshape(n, 4)
    np.testing.assert_allclose(o[:, 0], ax + ay + az, rtol=1e-6)
    np.testing.assert_allclose(o[:, 1], ay * 2 + ax, rtol=1e-6)
    np.testing.assert_allclose(o[:, 2], (az * 2 + ax) - (ax * 2 + ax), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(o[:, 3], np.arange(n) + 2.5 - ax, rtol=1e-6)


@enigma.kernel
def int_vectors(A: enigma.i32, O: enigma.i32, B: enigma.u32):
    t = enigma.thread_position_in_grid
    v = enigma.make_vec(A[t], A[t] + 1, A[t] * 2, 5)
    m = enigma.where(v, -v, v < 0)  # per-lane select with a bool vector
    O[t * 2 + 0] = m.x + m.y + m.z + m.w
    O[t * 2 + 1] = (v / 2).z
    B[t] = enigma.where(0, 1, (v > 3).w)


def test_integer_vectors_and_lane_selects():
    n = 32
    a = rng.integers(-50, 50, n).astype(np.int32)
    o = np.zeros(n * 2, np.int32)
    b = np.zeros(n, np.uint32)
    run(int_vectors, a, o, b, grid=n)
    o = o.reshape(n, 2)
    np.testing.assert_array_equal(o[:, 0], np.abs(a) + np.abs(a + 1) + np.abs(a * 2) + 5)
    np.testing.assert_array_equal(o[:, 1], np.trunc(a * 2 / 2).astype(np.int32))
    np.testing.assert_array_equal(b, 1)


def test_vector_errors():
    @enigma.kernel
    def mixed(A: enigma.f32, I: enigma.i32, O: enigma.f32):
        O[0] = enigma.make_vec(A[0], I[0]).x

    with pytest.raises(enigma.EnigmaError, match="same dtype"):
        enigma.compile(mixed)

    @enigma.kernel
    def lane(A: enigma.f32, O: enigma.f32):
        O[0] = enigma.vec_extract(enigma.make_float2(A[0], A[1]), 2)

    with pytest.raises(TypeError, match="out of range"):
        enigma.compile(lane)

    @enigma.kernel
    def five(A: enigma.f32, O: enigma.f32):
        O[0] = enigma.make_vec(A[0], A[1], A[2], A[3], A[4]).x

    with pytest.raises(enigma.EnigmaError, match="2, 3 or 4"):
        enigma.compile(five)


# ---------------------------------------------------------------------------------------------
# §22 barriers, §23 threadgroup memory
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def reverse(A: enigma.f32, B: enigma.f32):
    tid = enigma.thread_position_in_grid
    local_id = enigma.thread_position_in_threadgroup()
    block_size = enigma.threads_per_threadgroup()

    shared = enigma.threadgroup_alloc("float", 256)
    shared[local_id] = A[tid]
    enigma.barrier()
    B[tid] = shared[block_size - local_id - 1]


def test_threadgroup_reverse():
    a = rng.random(512, dtype=np.float32)
    b = np.zeros_like(a)
    run(reverse, a, b, grid=512, block=256)
    np.testing.assert_array_equal(b, a.reshape(2, 256)[:, ::-1].reshape(-1))


@pytest.mark.parametrize(
    "flags,msl",
    [
        ("mem_none", "mem_flags::mem_none"),
        ("mem_device", "mem_flags::mem_device"),
        ("mem_threadgroup", "mem_flags::mem_threadgroup"),
        ("mem_device_and_threadgroup", "mem_flags::mem_device | mem_flags::mem_threadgroup"),
        ("mem_texture", "mem_flags::mem_texture"),
    ],
)
def test_barrier_mem_flags(flags, msl):
    @enigma.kernel
    def k(A: enigma.f32, B: enigma.f32):
        t = enigma.thread_position_in_grid
        s = enigma.threadgroup_alloc("float", 64)
        s[t] = A[t]
        enigma.barrier(mem_flags=flags)
        enigma.simd_barrier(flags)
        B[t] = s[63 - t]

    a = rng.random(64, dtype=np.float32)
    b = np.zeros_like(a)
    c = run(k, a, b, grid=64, block=64)
    np.testing.assert_array_equal(b, a[::-1])
    assert f"threadgroup_barrier({msl});" in c.metal_source
    assert f"simdgroup_barrier({msl});" in c.metal_source


def test_barrier_default_and_bad_flag():
    @enigma.kernel
    def k(A: enigma.f32):
        enigma.barrier()
        enigma.simd_barrier()

    src = enigma.compile(k).metal_source
    assert "threadgroup_barrier(mem_flags::mem_threadgroup);" in src
    assert "simdgroup_barrier(mem_flags::mem_threadgroup);" in src

    @enigma.kernel
    def bad(A: enigma.f32):
        enigma.barrier("mem_global")

    with pytest.raises(TypeError, match="unknown barrier memory flag 'global'"):
        enigma.compile(bad)


# ---------------------------------------------------------------------------------------------
# §35 control flow
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def loops(A: enigma.f32, Out: enigma.f32, C: enigma.u32):
    tid = enigma.thread_position_in_grid
    zero = enigma.metal_cast(0, "float")
    one = enigma.metal_cast(1.0, "float")
    with enigma.for_range(0, 8, init=[zero, one]) as (j, c):
        v = A[tid * 8 + enigma.metal_cast(j, "uint")]
        c[0] = c[0] + v
        c[1] = c[1] * (v + 1.0)
    Out[tid * 3 + 0] = c[0]
    Out[tid * 3 + 1] = c[1]
    lo = enigma.metal_cast(1, "int")
    hi = enigma.metal_cast(10, "int")
    step = enigma.metal_cast(3, "int")
    with enigma.for_range(lo, hi, step, init=[zero]) as (k, s):
        s[0] = s[0] + enigma.metal_cast(k, "float")
    Out[tid * 3 + 2] = s[0]
    with enigma.for_range(0, 4, dtype="uint", init=[enigma.metal_cast(0, "uint")]) as (i, n):
        n[0] = n[0] + i * i
    C[tid] = n[0]
    for h in enigma.range_constexpr(2):
        C[tid] = C[tid] + h * 100


def test_for_range_carry_lists_and_dtype():
    n = 16
    a = rng.random(n * 8, dtype=np.float32)
    out = np.zeros(n * 3, np.float32)
    c = np.zeros(n, np.uint32)
    run(loops, a, out, c, grid=n)
    out = out.reshape(n, 3)
    a8 = a.reshape(n, 8)
    np.testing.assert_allclose(out[:, 0], a8.sum(axis=1), rtol=1e-5)
    np.testing.assert_allclose(out[:, 1], (a8 + 1).prod(axis=1), rtol=1e-5)
    np.testing.assert_array_equal(out[:, 2], 1 + 4 + 7)
    np.testing.assert_array_equal(c, 0 + 1 + 4 + 9 + 100)


@enigma.kernel
def two_arm(A: enigma.f32, Out: enigma.f32):
    tid = enigma.thread_position_in_grid
    val = A[tid]
    cond = enigma.cmp_gt(val, enigma.metal_cast(0, "float"))
    with enigma.if_(cond) as (then_b, else_b):
        with then_b:
            Out[tid] = val
        with else_b:
            Out[tid] = enigma.metal_cast(0, "float")


def test_two_armed_if():
    a = rng.standard_normal(64).astype(np.float32)
    o = np.full_like(a, 7)
    run(two_arm, a, o, grid=64)
    np.testing.assert_array_equal(o, np.maximum(a, 0))


def test_carry_errors():
    @enigma.kernel
    def after(A: enigma.f32):
        with enigma.for_range(0, 4, init=[0.0]) as (i, c):
            c[0] = c[0] + 1.0
        c[0] = 2.0

    with pytest.raises(TypeError, match="only be assigned inside its loop"):
        enigma.compile(after)

    @enigma.kernel
    def index(A: enigma.f32):
        with enigma.for_range(0, 4, init=[0.0]) as (i, c):
            c[1] = 1.0

    with pytest.raises(TypeError, match="out of range"):
        enigma.compile(index)

    @enigma.kernel
    def dtype(A: enigma.f32):
        with enigma.for_range(0, 4, dtype="float") as i:
            A[i] = 0.0

    with pytest.raises(TypeError, match="integer type"):
        enigma.compile(dtype)


# ---------------------------------------------------------------------------------------------
# §24 atomics
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def atomic_counter(Input: enigma.i32, Counter: enigma.i32):
    tid = enigma.thread_position_in_grid
    val = Input[tid]
    enigma.atomic_fetch_add(Counter, 0, val)


def test_atomic_counter():
    x = rng.integers(-100, 100, 1000).astype(np.int32)
    c = np.zeros(1, np.int32)
    run(atomic_counter, x, c, grid=1000, block=100)
    assert c[0] == x.sum()


@enigma.kernel
def atomics_all(U: enigma.u32, I: enigma.i32, F: enigma.f32, Old: enigma.u32, Flags: enigma.u32):
    t = enigma.thread_position_in_grid
    v = t + 1
    enigma.atomic_fetch_add(U, 0, v, order="relaxed")
    U.atomic_fetch_sub(1, v)
    enigma.atomic_fetch_min(U, 2, v)
    enigma.atomic_fetch_max(U, 3, v, "relaxed")
    enigma.atomic_fetch_and(U, 4, ~(enigma.metal_cast(1, "uint") << (t % 32)))
    U.atomic_fetch_or(5, enigma.metal_cast(1, "uint") << (t % 32))
    enigma.atomic_fetch_xor(U, 6, v)
    Old[t] = enigma.atomic_exchange(U, 7, v)
    enigma.atomic_fetch_min(I, 0, enigma.metal_cast(t, "int") - 40)
    enigma.atomic_fetch_add(F, 0, 0.5)
    enigma.atomic_store(U, 8, 77, order="relaxed")
    Flags[t] = enigma.atomic_load(U, 9)


def test_atomic_free_functions_and_methods():
    n = 64
    u = np.array([0, 10**6, 0xFFFFFFFF, 0, 0xFFFFFFFF, 0, 0, 1000, 0, 42], np.uint32)
    i = np.zeros(1, np.int32)
    f = np.zeros(1, np.float32)
    old = np.zeros(n, np.uint32)
    flags = np.zeros(n, np.uint32)
    run(atomics_all, u, i, f, old, flags, grid=n, block=32)
    v = np.arange(1, n + 1, dtype=np.uint64)
    assert u[0] == v.sum()
    assert u[1] == 10**6 - v.sum()
    assert u[2] == 1 and u[3] == n
    assert u[4] == 0 and u[5] == 0xFFFFFFFF
    assert u[6] == np.bitwise_xor.reduce(v.astype(np.uint32))
    # exchange: the old values are a permutation of {1000} + all v but the last stored
    assert sorted(old.tolist() + [int(u[7])]) == sorted([1000] + v.tolist())
    assert i[0] == -40 and f[0] == n * 0.5
    assert u[8] == 77 and (flags == 42).all()


@enigma.kernel
def cas_increment(Counter: enigma.i32, Wins: enigma.u32, Bonus: enigma.u32):
    t = enigma.thread_position_in_grid
    # A lock-free increment: retry the weak compare-exchange until it succeeds.
    w = enigma.while_(
        lambda done: enigma.cmp_eq(done, 0), init=enigma.metal_cast(0, "uint")
    )
    with w as _done:
        cur = enigma.atomic_load(Counter, 0)
        ok = enigma.atomic_compare_exchange_weak(
            Counter, 0, cur, cur + 1, success_order="relaxed", failure_order="relaxed"
        )
        enigma.yield_(enigma.where(0, 1, ok))
    Wins[t] = w.result
    ok2 = Counter.atomic_compare_exchange_weak(1, 5, 6)
    with enigma.if_(ok2):
        enigma.atomic_fetch_add(Bonus, 0, 1000)


def test_compare_exchange_weak_returns_success():
    n = 128
    c = np.array([0, 5], np.int32)
    wins = np.zeros(n, np.uint32)
    bonus = np.zeros(1, np.uint32)
    run(cas_increment, c, wins, bonus, grid=n, block=64)
    assert c[0] == n  # every thread incremented exactly once
    assert c[1] == 6  # exactly one thread saw 5
    assert (wins == 1).all() and bonus[0] == 1000


def test_atomic_order_validation():
    @enigma.kernel
    def bad_order(U: enigma.u32):
        enigma.atomic_fetch_add(U, 0, 1, order="sequential")

    with pytest.raises(TypeError, match="unknown memory order 'sequential'"):
        enigma.compile(bad_order)

    @enigma.kernel
    def bad_load(U: enigma.u32):
        U[1] = enigma.atomic_load(U, 0, order="release")

    with pytest.raises(TypeError, match="order='release' is not valid here"):
        enigma.compile(bad_load)

    @enigma.kernel
    def bad_cas(U: enigma.u32):
        enigma.atomic_compare_exchange_weak(U, 0, 1, 2, success_order="relaxed",
                                            failure_order="acquire")

    with pytest.raises(TypeError, match="may not be stronger"):
        enigma.compile(bad_cas)

    @enigma.kernel
    def bad_type(U: enigma.i16):
        enigma.atomic_fetch_add(U, 0, 1)

    with pytest.raises(TypeError, match="i32, u32 or f32"):
        enigma.compile(bad_type)


@pytest.mark.parametrize("order", ["acquire", "release", "acq_rel"])
def test_atomic_orders_run(order):
    @enigma.kernel
    def k(U: enigma.u32):
        enigma.atomic_fetch_add(U, 0, 2, order=order)

    u = np.zeros(1, np.uint32)
    c = run(k, u, grid=256, block=64)
    assert u[0] == 512
    assert order in c.mlir_source


# ---------------------------------------------------------------------------------------------
# §25 simdgroup matrices
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def simd_gemm(A: enigma.f32, B: enigma.f32, C: enigma.f32):
    a_mat = enigma.simdgroup_matrix_load(A, 8)
    b_mat = enigma.simdgroup_matrix_load(B, 8)
    zero = enigma.metal_cast(0, "float")
    c_mat = enigma.make_filled_simdgroup_matrix(zero)
    result = enigma.simdgroup_multiply_accumulate(a_mat, b_mat, c_mat)
    enigma.simdgroup_matrix_store(result, C, 8)


def test_simdgroup_gemm_tile():
    a = rng.standard_normal(64).astype(np.float32)
    b = rng.standard_normal(64).astype(np.float32)
    c = np.zeros(64, np.float32)
    k = run(simd_gemm, a, b, c, grid=32, block=32)
    np.testing.assert_allclose(c.reshape(8, 8), a.reshape(8, 8) @ b.reshape(8, 8), rtol=1e-5,
                               atol=1e-5)
    assert "simdgroup_float8x8 a_mat" in k.metal_source


@enigma.kernel
def simd_gemm_strided(A: enigma.f16, B: enigma.f16, C: enigma.f16):
    # A 16x16 row-major matrix: the tile at (8, 8), B transposed, accumulate onto 1.5
    a = enigma.simdgroup_matrix_load(A, 16, "half", offset=8 * 16 + 8)
    b = enigma.simdgroup_matrix_load(B, 16, elem="half", transpose=True)
    acc = enigma.make_filled_simdgroup_matrix(1.5, "half")
    enigma.simdgroup_matrix_store(enigma.simdgroup_multiply_accumulate(a, b, acc), C, 16,
                                  offset=8)


def test_simdgroup_matrix_offsets_transpose_and_half():
    a = rng.random((16, 16)).astype(np.float16)
    b = rng.random((16, 16)).astype(np.float16)
    c = np.zeros((16, 16), np.float16)
    run(simd_gemm_strided, a.reshape(-1), b.reshape(-1), c.reshape(-1), grid=32, block=32)
    want = a[8:, 8:].astype(np.float32) @ b[:8, :8].T.astype(np.float32) + 1.5
    np.testing.assert_allclose(c[:8, 8:].astype(np.float32), want, rtol=2e-2, atol=2e-2)
    assert (c[:, :8] == 0).all() and (c[8:, :] == 0).all()


def test_simdgroup_matrix_errors():
    @enigma.kernel
    def size(A: enigma.f32):
        enigma.simdgroup_matrix_load(A, 8, rows=4)

    with pytest.raises(TypeError, match="8x8"):
        enigma.compile(size)

    @enigma.kernel
    def elem(A: enigma.f32):
        enigma.simdgroup_matrix_load(A, 8, "half")

    with pytest.raises(TypeError, match="holds f32 but elem is f16"):
        enigma.compile(elem)


# ---------------------------------------------------------------------------------------------
# §2 dtypes: class forms and shorthands
# ---------------------------------------------------------------------------------------------

_CLASS_FORMS = [
    ("Float32", "f32", "float"), ("Float16", "f16", "half"), ("BFloat16", "bf16", "bfloat"),
    ("Int8", "i8", "char"), ("UInt8", "u8", "uchar"), ("Int16", "i16", "short"),
    ("UInt16", "u16", "ushort"), ("Int32", "i32", "int"), ("UInt32", "u32", "uint"),
    ("Int64", "i64", "long"), ("UInt64", "u64", "ulong"), ("Bool", "b1", "bool"),
]


@pytest.mark.parametrize("cls,short,msl", _CLASS_FORMS)
def test_dtype_class_forms(cls, short, msl):
    c, s = getattr(enigma, cls), getattr(enigma, short)
    assert c() is s and isinstance(s, c) and s.msl == msl
    assert enigma.dtype(c) is s and enigma.dtype(msl) is s


@enigma.kernel
def class_forms(A: enigma.Float32, B: enigma.Int32, C: enigma.UInt8, D: enigma.Float16,
                O: enigma.Float32):
    t = enigma.thread_position_in_grid
    O[t] = A[t] + B[t] + C[t] + D[t]


def test_class_forms_as_annotations():
    n = 16
    a = rng.random(n, dtype=np.float32)
    b = rng.integers(-9, 9, n).astype(np.int32)
    c = rng.integers(0, 255, n).astype(np.uint8)
    d = rng.random(n).astype(np.float16)
    o = np.zeros(n, np.float32)
    k = run(class_forms, a, b, c, d, o, grid=n)
    np.testing.assert_allclose(o, a + b + c + d.astype(np.float32), rtol=1e-6)
    assert "device const uchar* C" in k.metal_source and "device const half* D" in k.metal_source


def test_reference_object_names():
    assert enigma.IRValue is enigma._tracer.Value
    assert isinstance(enigma.thread_position_in_grid, enigma.IRValue)
    assert isinstance(class_forms, enigma.KernelDef)


# ---------------------------------------------------------------------------------------------
# §35 while_: the condition's variables are loop state
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def while_state(A: enigma.f32, Out: enigma.f32, N: enigma.i32):
    tid = enigma.thread_position_in_grid
    i = enigma.metal_cast(0, "int")
    total = enigma.metal_cast(0.0, "float")
    n = N[tid]
    with enigma.while_(lambda: enigma.cmp_lt(i, n) & enigma.cmp_lt(total, 100.0)):
        total = total + A[tid] * enigma.metal_cast(i, "float")
        i = i + 1
    Out[tid * 2] = total
    Out[tid * 2 + 1] = enigma.metal_cast(i, "float")


def test_while_condition_variables_are_loop_state():
    n = 32
    a = rng.random(n, dtype=np.float32) * 4
    lim = rng.integers(0, 20, n).astype(np.int32)
    out = np.zeros(n * 2, np.float32)
    run(while_state, a, out, lim, grid=n)
    out = out.reshape(n, 2)
    for t in range(n):
        i, total = 0, np.float32(0)
        while i < lim[t] and total < 100:
            total = np.float32(total + a[t] * np.float32(i))
            i += 1
        assert out[t, 0] == total and out[t, 1] == i, t


def test_while_state_keeps_its_dtype():
    @enigma.kernel
    def k(A: enigma.f32):
        i = enigma.metal_cast(0, "int")
        with enigma.while_(lambda: enigma.cmp_lt(i, 4)):
            i = enigma.metal_cast(i, "float") + 1.0

    with pytest.raises(TypeError, match="loop state keeps its dtype"):
        enigma.compile(k)


@enigma.kernel
def big_unsigned_loop(N: enigma.u32, O: enigma.u32):
    with enigma.for_range(N[0], N[1], init=[enigma.metal_cast(0, "uint")]) as (i, c):
        c[0] = c[0] + (i - N[0] + 1)
    O[0] = c[0]


def test_for_range_over_unsigned_bounds_above_2_31():
    n = np.array([0x7FFFFFFF, 0x80000002], np.uint32)
    o = np.zeros(1, np.uint32)
    run(big_unsigned_loop, n, o, grid=1, block=1)
    assert o[0] == 1 + 2 + 3


@enigma.kernel
def literal_pairs(O: enigma.i32, F: enigma.f32):
    t = enigma.thread_position_in_grid
    O[t * 4 + 0] = enigma.where(0, 1, enigma.cmp_lt(-1, 2))
    O[t * 4 + 1] = enigma.where(2, -1, enigma.cmp_eq(t, 0))
    v = enigma.make_vec(1, -2)
    O[t * 4 + 2] = v.x + v.y
    O[t * 4 + 3] = enigma.where(7, -3, enigma.cmp_gt(2, -1))
    F[t] = enigma.fabs(-3) + enigma.abs(enigma.metal_cast(-2.5, "float"))


def test_literal_pairs_share_a_dtype():
    o = np.zeros(8, np.int32)
    f = np.zeros(2, np.float32)
    run(literal_pairs, o, f, grid=2, block=2)
    np.testing.assert_array_equal(o.reshape(2, 4), [[1, -1, -1, -3], [1, 2, -1, -3]])
    np.testing.assert_array_equal(f, 5.5)


def test_broadcast_lane_must_be_an_integer():
    @enigma.kernel
    def k(A: enigma.f32):
        A[0] = enigma.simd_broadcast(A[0], A[1])

    with pytest.raises(TypeError, match="lane of simd_broadcast must be an integer"):
        enigma.compile(k)
