"""Vectorization (issue 8): `enigma.compile(fn, vec_width=N)` against the scalar kernel.

Every kernel is compiled scalar and with vec_width 2 and 4, run on the CPU runtime, and the
results are compared bit for bit with the scalar kernel's and with numpy's, for many grid sizes
(0, 1, 3, 4, 5, 1023, 1024, 1025, ...), grids larger than the guarded n, unguarded grids of
exactly n (the checked CPU runtime reports out-of-bounds accesses, exactly with its default
bounds checks; sentinel padding also catches writes in the alignment slack that guard pages alone
would miss), offset accesses (packed vector accesses),
strided and gathered reads, 2-D kernels and layout-indexed Tensors. Kernels the pass refuses run
unchanged: same MSL as the scalar compile, coarsen 1, no implicit grid argument.
"""

import enigma
import numpy as np
import pytest

# Refused kernels warn with the reason (tested in test_vectorize_remarks.py); here the
# warnings are expected and checked through coarsen/MSL instead.
pytestmark = pytest.mark.filterwarnings("ignore:enigma.compile.*left scalar:RuntimeWarning")

WIDTHS = (2, 4)
SIZES = (0, 1, 3, 4, 5, 7, 8, 9, 63, 64, 65, 1023, 1024, 1025)
PAD = 8  # extra elements (filled with a sentinel) after every output buffer

_CACHE: dict = {}


def compiled(kernel, vec_width, *args):
    """enigma.compile(kernel, *args, vec_width=...), once per (kernel, width, args)."""
    key = (id(kernel), vec_width, tuple(repr(a) for a in args))
    ck = _CACHE.get(key)
    if ck is None:
        ck = enigma.compile(kernel, *args, vec_width=vec_width, emit_only=True)
        _CACHE[key] = ck
    return ck


def launch(kernel, vec_width, args, grid, block=64, compile_args=()):
    """Runs the kernel on copies of the array arguments; returns the arrays afterwards."""
    ck = compiled(kernel, vec_width, *compile_args)
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    ck(*copies, grid=grid, block=block, device="cpu")
    return [a for a in copies if isinstance(a, np.ndarray)]


def assert_same(a, b, what=""):
    """Bit-exact equality (NaNs included) of two arrays of the same dtype."""
    assert a.dtype == b.dtype and a.shape == b.shape, what
    if not np.array_equal(a.view(np.uint8), b.view(np.uint8)):
        bits = f"u{a.dtype.itemsize}"
        bad = np.flatnonzero(a.view(bits) != b.view(bits))[:8]
        raise AssertionError(
            f"{what}: arrays differ at {list(bad)}: {a[bad]} vs {b[bad]}"
        )


def check_widths(kernel, args, grid, expected=None, block=64, compile_args=()):
    """Scalar run vs vec_width 2 and 4: bit-exact, and equal to `expected` (a list of arrays
    or None per output) when given."""
    ref = launch(kernel, 0, args, grid, block, compile_args)
    if expected is not None:
        for i, (got, want) in enumerate(zip(ref, expected)):
            if want is not None:
                assert_same(got, want, f"scalar kernel, array #{i}")
    for w in WIDTHS:
        out = launch(kernel, w, args, grid, block, compile_args)
        for i, (got, want) in enumerate(zip(out, ref)):
            assert_same(got, want, f"vec_width={w} vs scalar, array #{i}, grid={grid}")
    return ref


def vector_types(msl: str) -> bool:
    return (
        any(
            f"{t}{n}" in msl
            for t in (
                "float",
                "half",
                "int",
                "uint",
                "bool",
                "short",
                "ushort",
                "char",
                "uchar",
                "long",
                "ulong",
            )
            for n in (2, 4)
        )
        or "packed_" in msl
    )


rng = np.random.default_rng(8)

# ---------------------------------------------------------------------------------------------
# Elementwise guarded add / mul / fma, several dtypes
# ---------------------------------------------------------------------------------------------

DTYPES = {"f32": np.float32, "f16": np.float16, "i32": np.int32, "u32": np.uint32}


def _make_elementwise(dt):
    is_float = dt.is_float

    @enigma.kernel
    def ew(A: dt, B: dt, S: dt, P: dt, F: dt, n: enigma.Scalar(enigma.u32)):
        tid = enigma.thread_position_in_grid.x
        with enigma.if_(tid < n):
            a = A[tid]
            b = B[tid]
            S[tid] = a + b
            P[tid] = a * b
            if is_float:
                F[tid] = enigma.fma(a, b, a)
            else:
                F[tid] = a * b + a

    ew.__name__ = f"ew_{dt.name}"
    return ew


ELEMENTWISE = {name: _make_elementwise(getattr(enigma, name)) for name in DTYPES}


def _inputs(npdt, size):
    if np.dtype(npdt).kind == "f":
        return [(rng.random(size) * 4 - 2).astype(npdt) for _ in range(2)]
    info = np.iinfo(npdt)
    return [
        rng.integers(info.min, info.max, size, dtype=npdt, endpoint=True)
        for _ in range(2)
    ]


@pytest.mark.parametrize("name", list(DTYPES))
@pytest.mark.parametrize("n", SIZES)
def test_elementwise_guarded(name, n):
    npdt = DTYPES[name]
    size = n + PAD
    a, b = _inputs(npdt, size)
    sentinel = np.full(size, 77, npdt)
    with np.errstate(over="ignore"):
        s_ref, p_ref = a + b, a * b
        f_ref = a * b + a
        if np.dtype(npdt).kind == "f":
            f_ref = (a.astype(np.float64) * b + a).astype(npdt)
    exp = []
    for r in (s_ref, p_ref, f_ref):
        e = sentinel.copy()
        e[:n] = r[:n]
        exp.append(e)
    args = [a, b, sentinel, sentinel, sentinel, n]
    # Grids: exactly n, not multiples of 2 or 4, larger than n (the guard matters).
    for grid in sorted({max(n, 1), n + 1, n + 3, n + 5, n + 64}):
        out = check_widths(
            ELEMENTWISE[name], args, grid, [None, None, exp[0], exp[1], None]
        )
        f = out[4]
        assert_same(f[n:], sentinel[n:], "fma padding")
        if np.dtype(npdt).kind == "f":
            # fma rounds once; the float64 reference may round twice: within 1 ulp.
            np.testing.assert_array_max_ulp(f[:n], exp[2][:n], maxulp=1)
        else:
            assert_same(f, exp[2], "a * b + a")


@pytest.mark.parametrize("name", list(DTYPES))
def test_elementwise_msl_uses_aligned_vectors(name):
    dt = getattr(enigma, name)
    k = ELEMENTWISE[name]
    assert not vector_types(compiled(k, 0).metal_source)
    for w in WIDTHS:
        ck = compiled(k, w)
        assert ck.coarsen == w and ck.vec_width == w
        assert [n for _, n in ck.implicit_params] == ["enigma_grid_x"]
        msl = ck.metal_source
        assert (
            f"{dt.msl}{w}" in msl or f"uint{w}" in msl
        )  # ints are held unsigned in MSL
        assert "packed_" not in msl
        assert "enigma_grid_x" in msl


# ---------------------------------------------------------------------------------------------
# Unguarded kernels on a grid of exactly n: no out-of-bounds access
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def add_unguarded(A: enigma.f32, B: enigma.f32, C: enigma.f32):
    tid = enigma.thread_position_in_grid.x
    C[tid] = A[tid] + B[tid]


@pytest.mark.parametrize("n", [s for s in SIZES if s > 0] + [4099])
def test_unguarded_exact_grid(n):
    a, b = _inputs(np.float32, n)
    # Exact-size buffers: the checked runtime faults on accesses past the end (rounded to 16
    # bytes); an exception here would be a wrongly coarsened access.
    check_widths(add_unguarded, [a, b, np.zeros(n, np.float32)], n, [None, None, a + b])
    # Padded buffers: writes in the alignment slack would change the sentinel.
    ap, bp = _inputs(np.float32, n + PAD)
    c = np.full(n + PAD, -1.5, np.float32)
    want = c.copy()
    want[:n] = ap[:n] + bp[:n]
    check_widths(add_unguarded, [ap, bp, c], n, [None, None, want])


def test_zero_grid():
    a = np.ones(4, np.float32)
    check_widths(
        add_unguarded,
        [a, a, np.zeros(4, np.float32)],
        0,
        [None, None, np.zeros(4, np.float32)],
    )


# ---------------------------------------------------------------------------------------------
# Offsets (unaligned: packed vector accesses), strides, gathers
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def offsets(
    A: enigma.f32,
    C: enigma.f32,
    D: enigma.f32,
    n: enigma.Scalar(enigma.u32),
    k: enigma.Constexpr,
):
    """C[tid] = 2 A[tid + k] (offset loads), D[tid + k] = A[tid] + 1 (offset stores)."""
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        C[tid] = A[tid + k] * 2.0
        D[tid + k] = A[tid] + 1.0


@enigma.kernel
def read_offset_unguarded(A: enigma.f32, C: enigma.f32, k: enigma.Constexpr):
    tid = enigma.thread_position_in_grid.x
    C[tid] = A[tid + k]


@enigma.kernel
def read_runtime_offset(
    A: enigma.f32,
    C: enigma.f32,
    n: enigma.Scalar(enigma.u32),
    off: enigma.Scalar(enigma.u32),
):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        C[tid] = A[tid + off]


OFFSET_SIZES = (0, 1, 3, 4, 5, 17, 1023, 1024, 1025)


@pytest.mark.parametrize("k", range(6))
def test_offsets(k):
    for n in OFFSET_SIZES:
        a = _inputs(np.float32, n + k + PAD)[0]
        c = np.full(n + PAD, 9.0, np.float32)
        d = np.full(n + k + PAD, 8.0, np.float32)
        want_c, want_d = c.copy(), d.copy()
        want_c[:n] = a[k : k + n] * np.float32(2)
        want_d[k : k + n] = a[:n] + np.float32(1)
        for grid in sorted({max(n, 1), n + 3}):
            check_widths(
                offsets,
                [a, c, d, n],
                grid,
                [None, want_c, want_d],
                compile_args=(None, None, None, None, k),
            )


@pytest.mark.parametrize("k", [1, 4])
def test_offset_unguarded_exact_grid(k):
    """Unguarded on exactly n threads with A exactly n + k long: no out-of-bounds access."""
    for n in OFFSET_SIZES[1:]:
        a = _inputs(np.float32, n + k)[0]
        check_widths(
            read_offset_unguarded,
            [a, np.zeros(n, np.float32)],
            n,
            [None, a[k:]],
            compile_args=(None, None, k),
        )


@pytest.mark.parametrize("w", WIDTHS)
@pytest.mark.parametrize("k", range(6))
def test_offset_msl(w, k):
    """Offsets that are multiples of the width keep aligned accesses (`float4`); the others
    become packed ones (`packed_float4`); accesses at tid stay aligned."""
    msl = compiled(offsets, w, None, None, None, None, k).metal_source
    assert f"*(device float{w}*)(C + " in msl
    assert f"*(device const float{w}*)(A + " in msl  # A[tid]
    if k % w == 0:
        assert "packed_" not in msl
    else:
        assert f"*(device const packed_float{w}*)(A + " in msl
        assert f"*(device packed_float{w}*)(D + " in msl


@pytest.mark.parametrize("off", [0, 1, 2, 3, 4, 7])
def test_runtime_offset(off):
    for n in (0, 1, 5, 1024, 1025):
        a = _inputs(np.float32, n + off + PAD)[0]
        c = np.zeros(n + PAD, np.float32)
        want = c.copy()
        want[:n] = a[off : off + n]
        check_widths(read_runtime_offset, [a, c, n, off], n + 3, [None, want])
    # A runtime offset is never provably aligned.
    for w in WIDTHS:
        assert f"packed_float{w}" in compiled(read_runtime_offset, w).metal_source


@enigma.kernel
def strided(A: enigma.f32, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        C[tid] = A[2 * tid] - A[2 * tid + 1]


@enigma.kernel
def strided_store(A: enigma.f32, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        C[3 * tid + 1] = A[tid]


@enigma.kernel
def gather(A: enigma.f32, idx: enigma.u32, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        C[tid] = A[idx[tid]] + A[tid]


@pytest.mark.parametrize("n", SIZES)
def test_strided_and_gathered(n):
    a = _inputs(np.float32, 3 * n + PAD)[0]
    c = np.full(n + PAD, 5.0, np.float32)
    want = c.copy()
    want[:n] = a[0 : 2 * n : 2] - a[1 : 2 * n : 2]
    check_widths(strided, [a, c, n], n + 3, [None, want])

    c3 = np.full(3 * n + PAD, 5.0, np.float32)
    want = c3.copy()
    want[1 : 3 * n : 3] = a[:n]
    check_widths(strided_store, [a, c3, n], n + 1, [None, want])

    idx = rng.integers(0, len(a), n + PAD, dtype=np.uint32)
    want = c.copy()
    want[:n] = a[idx[:n]] + a[:n]
    check_widths(gather, [a, idx, c, n], max(n, 1), [None, None, want])


def test_strided_and_gathered_msl():
    for w in WIDTHS:
        msl = compiled(strided, w).metal_source
        assert (
            f"float{w}" in msl and "packed_" not in msl
        )  # per-lane loads, vector result
        assert f"*(device float{w}*)(C + " in msl
        assert f"device const float{w}*" not in msl  # no vector load of A
        msl = compiled(gather, w).metal_source
        assert (
            f"*(device const uint{w}*)(idx + " in msl
        )  # the index vector is contiguous
        assert f"*(device const float{w}*)(A + " in msl  # A[tid]


# ---------------------------------------------------------------------------------------------
# 2-D kernels, layout-indexed Tensors, threads_per_grid
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def two_d(
    A: enigma.f32,
    C: enigma.f32,
    w: enigma.Scalar(enigma.u32),
    stride: enigma.Scalar(enigma.u32),
):
    x = enigma.thread_position_in_grid.x
    y = enigma.thread_position_in_grid.y
    with enigma.if_(x < w):
        C[y * stride + x] = A[y * stride + x] * 3.0 + enigma.f32(y)


@pytest.mark.parametrize(
    "shape", [(1, 1), (3, 2), (4, 3), (5, 4), (13, 5), (64, 3), (67, 2)]
)
def test_two_d(shape):
    w, h = shape
    stride = w + 3  # rows longer than the width: the guard keeps x < w
    a = _inputs(np.float32, stride * h)[0]
    c = np.full(stride * h, 4.0, np.float32)
    want = c.copy().reshape(h, stride)
    want[:, :w] = (
        a.reshape(h, stride)[:, :w] * np.float32(3)
        + np.arange(h, dtype=np.float32)[:, None]
    )
    for gx in sorted({w, w + 2, stride}):
        check_widths(
            two_d,
            [a, c, w, stride],
            (gx, h, 1),
            [None, want.reshape(-1)],
            block=(8, 2, 1),
        )


TW, TH = 64, 6


def _tensors(layout):
    return (
        enigma.Tensor("A", 0, enigma.f32, layout),
        enigma.Tensor("C", 1, enigma.f32, layout),
    )


@enigma.kernel
def tensor_2d(A, C, w: enigma.Scalar(enigma.u32)):
    x = enigma.thread_position_in_grid.x
    y = enigma.thread_position_in_grid.y
    with enigma.if_(x < w):
        C[x, y] = A[x, y] + 1.0


@enigma.kernel
def tensor_flat(A, C, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        C[tid] = A[tid] * 0.5


@pytest.mark.parametrize("major", ["col", "row"])
def test_tensor_2d(major):
    # (x, y) -> x + 64 y (contiguous in x: vector accesses) or 6 x + y (strided in x).
    layout = enigma.Layout((TW, TH), (1, TW) if major == "col" else (TH, 1))
    cargs = (*_tensors(layout), None)
    a = _inputs(np.float32, TW * TH)[0]
    for w in (0, 1, 3, 5, 61, 64):
        c = np.full(TW * TH, 2.0, np.float32)
        want = c.copy()
        for x in range(w):
            for y in range(TH):
                o = x + TW * y if major == "col" else TH * x + y
                want[o] = a[o] + np.float32(1)
        check_widths(
            tensor_2d,
            [a, c, w],
            (TW, TH, 1),
            [None, want],
            block=(16, 2, 1),
            compile_args=cargs,
        )
    for vw in WIDTHS:
        msl = compiled(tensor_2d, vw, *cargs).metal_source
        assert (f"*(device const float{vw}*)(A + " in msl) == (major == "col")


def test_tensor_flat_layout():
    """A (64, 6):(1, 64) layout applied to a flat thread id stays contiguous and aligned."""
    cargs = (*_tensors(enigma.Layout((TW, TH), (1, TW))), None)
    a = _inputs(np.float32, TW * TH)[0]
    for n in (0, 1, 3, 4, 5, 63, 64, 65, 300, TW * TH):
        c = np.zeros(TW * TH, np.float32)
        want = c.copy()
        want[:n] = a[:n] * np.float32(0.5)
        check_widths(tensor_flat, [a, c, n], TW * TH, [None, want], compile_args=cargs)
    for vw in WIDTHS:
        msl = compiled(tensor_flat, vw, *cargs).metal_source
        assert f"*(device const float{vw}*)(A + " in msl and "packed_" not in msl


@enigma.kernel
def grid_sized(A: enigma.u32, C: enigma.u32):
    tid = enigma.thread_position_in_grid.x
    C[tid] = A[tid] * 2 + enigma.threads_per_grid.x


@enigma.kernel
def grid_guard(A: enigma.f32, C: enigma.f32):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid + 2 < enigma.threads_per_grid(0)):
        C[tid] = A[tid] + enigma.f32(enigma.threads_per_grid.x)


@pytest.mark.parametrize("n", [s for s in SIZES if s > 0])
def test_threads_per_grid(n):
    """threads_per_grid.x is the original grid, not the coarsened one."""
    a = rng.integers(0, 1000, n, dtype=np.uint32)
    check_widths(
        grid_sized, [a, np.zeros(n, np.uint32)], n, [None, a * 2 + np.uint32(n)]
    )
    af = _inputs(np.float32, n)[0]
    want = np.zeros(n, np.float32)
    want[: max(n - 2, 0)] = af[: max(n - 2, 0)] + np.float32(n)
    check_widths(grid_guard, [af, np.zeros(n, np.float32)], n, [None, want])
    for w in WIDTHS:
        assert compiled(grid_guard, w).coarsen == w


# ---------------------------------------------------------------------------------------------
# Other lane-wise operations: casts, selects, signed integer arithmetic, uniform loads
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def mixed(
    A: enigma.i32,
    S: enigma.f32,
    C: enigma.f32,
    D: enigma.i32,
    n: enigma.Scalar(enigma.u32),
):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        a = A[tid]
        C[tid] = enigma.where(enigma.f32(tid) + S[1], enigma.f32(a) * S[0], a < 0)
        D[tid] = a // 3 + (a >> 1) + a % 5 + enigma.i32(tid % 8)


@pytest.mark.parametrize("n", [0, 1, 5, 64, 1023, 1025])
def test_mixed_lane_ops(n):
    a = rng.integers(-1000, 1000, n + PAD, dtype=np.int32)
    s = np.array([1.5, -2.25], np.float32)
    tid = np.arange(n)
    c = np.zeros(n + PAD, np.float32)
    d = np.zeros(n + PAD, np.int32)
    wc, wd = c.copy(), d.copy()
    an = a[:n]
    wc[:n] = np.where(
        an < 0, an.astype(np.float32) * s[0], tid.astype(np.float32) + s[1]
    )
    q = np.trunc(an / 3).astype(np.int32)  # C-style division and remainder
    wd[:n] = q + (an >> 1) + (an - np.trunc(an / 5).astype(np.int32) * 5) + (tid % 8)
    check_widths(mixed, [a, s, c, d, n], n + 3, [None, None, wc, wd])


# ---------------------------------------------------------------------------------------------
# vec_width values
# ---------------------------------------------------------------------------------------------


def test_vec_width_zero_does_not_vectorize():
    ck = enigma.compile(add_unguarded, vec_width=0, emit_only=True)
    assert ck.coarsen == 1 and ck.vec_width == 0 and ck.implicit_params == []
    assert not vector_types(ck.metal_source) and "enigma_grid_x" not in ck.metal_source
    assert ck.metal_source == enigma.compile(add_unguarded, emit_only=True).metal_source


@pytest.mark.parametrize("bad", [1, 3, 5, 6, 16, -1, -4, "4", 4.0, None])
def test_invalid_vec_width(bad):
    with pytest.raises(enigma.EnigmaError):
        enigma.compile(add_unguarded, vec_width=bad, emit_only=True)


def test_vec_width_8():
    """Metal has no 8-element vectors: width 8 either leaves every kernel scalar (the pass's
    original contract) or is rejected with an EnigmaError saying so (the pass is being changed
    to reject it); it never produces a coarsened kernel."""
    try:
        ck = enigma.compile(add_unguarded, vec_width=8, emit_only=True)
    except enigma.EnigmaError as exc:
        assert "8" in str(exc)
        return
    assert ck.coarsen == 1 and ck.implicit_params == []
    assert ck.metal_source == compiled(add_unguarded, 0).metal_source
    a, b = _inputs(np.float32, 37)
    c = np.zeros(37, np.float32)
    ck(a, b, c, grid=37, block=8, device="cpu")
    assert_same(c, a + b)


# ---------------------------------------------------------------------------------------------
# Refusals: left scalar, and still correct
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def r_barrier(A: enigma.f32, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    enigma.threadgroup_barrier()
    with enigma.if_(tid < n):
        C[tid] = A[tid] + 1.0


@enigma.kernel
def r_simd(A: enigma.f32, C: enigma.f32):
    tid = enigma.thread_position_in_grid.x
    C[tid] = enigma.simd_sum(A[tid])


@enigma.kernel
def r_atomic(H: enigma.u32, A: enigma.u32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        enigma.atomic_add(H, A[tid] % 4, 1)


@enigma.kernel
def r_loop(A: enigma.f32, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        loop = enigma.for_range(0, 3, init=0.0)
        with loop as (i, acc):
            enigma.yield_(acc + A[tid * 3 + i])
        C[tid] = loop.result


@enigma.kernel
def r_nested_if(A: enigma.f32, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        a = A[tid]
        with enigma.if_(a > 0.5):
            C[tid] = a


@enigma.kernel
def r_threadgroup_memory(A: enigma.f32, C: enigma.f32):
    tid = enigma.thread_position_in_grid.x
    tg = enigma.threadgroup_alloc(enigma.f32, 64)
    tg[0] = A[tid]
    C[tid] = A[tid] * 2.0


@enigma.kernel
def r_local_id(C: enigma.u32):
    tid = enigma.thread_position_in_grid.x
    C[tid] = enigma.thread_position_in_threadgroup.x + tid * 1000


@enigma.kernel
def r_index_in_tg(C: enigma.u32):
    tid = enigma.thread_position_in_grid.x
    C[tid] = enigma.thread_index_in_threadgroup()


@enigma.kernel
def r_no_tid(C: enigma.u32):
    y = enigma.thread_position_in_grid.y
    C[y] = y + 1


@enigma.kernel
def r_side_effect_before_guard(
    A: enigma.f32, C: enigma.f32, n: enigma.Scalar(enigma.u32)
):
    tid = enigma.thread_position_in_grid.x
    C[tid] = 0.5
    with enigma.if_(tid < n):
        C[tid] = A[tid]


@enigma.kernel
def r_odd_guard(A: enigma.f32, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid != n):
        C[tid] = A[tid]


@enigma.kernel
def r_float_guard(A: enigma.f32, C: enigma.f32, lim: enigma.Scalar(enigma.f32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(enigma.f32(tid) < lim):
        C[tid] = A[tid]


N_R = 200  # not a multiple of the 64-thread block or of the widths
_A = (np.arange(N_R, dtype=np.float32) * 0.37) % 1.0
_Au = (np.arange(N_R, dtype=np.uint32) * 7) % 13


def _tail(a, n):
    out = np.zeros(len(a), a.dtype)
    out[:n] = a[:n]
    return out


# name -> (kernel, args, grid, block, expected outputs (None: compare with scalar only))
REFUSALS = {
    "barrier": (
        r_barrier,
        [_A, np.zeros(N_R, np.float32), 150],
        N_R,
        64,
        [None, _tail(_A + np.float32(1), 150)],
    ),
    "simd_sum": (r_simd, [_A, np.zeros(N_R, np.float32)], 192, 64, None),
    "atomic": (
        r_atomic,
        [np.zeros(4, np.uint32), _Au, 150],
        N_R,
        64,
        [np.bincount(_Au[:150] % 4, minlength=4).astype(np.uint32), None],
    ),
    "loop": (
        r_loop,
        [np.arange(3 * N_R, dtype=np.float32), np.zeros(N_R, np.float32), 150],
        N_R,
        64,
        [
            None,
            _tail(
                np.arange(3 * N_R, dtype=np.float32)
                .reshape(-1, 3)
                .sum(1, dtype=np.float32),
                150,
            ),
        ],
    ),
    "nested_if": (
        r_nested_if,
        [_A, np.zeros(N_R, np.float32), 150],
        N_R,
        64,
        [None, _tail(np.where(_A > 0.5, _A, 0).astype(np.float32), 150)],
    ),
    "threadgroup_memory": (
        r_threadgroup_memory,
        [_A, np.zeros(N_R, np.float32)],
        N_R,
        64,
        [None, _A * np.float32(2)],
    ),
    "thread_position_in_threadgroup": (
        r_local_id,
        [np.zeros(N_R, np.uint32)],
        N_R,
        64,
        [(np.arange(N_R) % 64 + np.arange(N_R) * 1000).astype(np.uint32)],
    ),
    "thread_index_in_threadgroup": (
        r_index_in_tg,
        [np.zeros(N_R, np.uint32)],
        N_R,
        64,
        [(np.arange(N_R) % 64).astype(np.uint32)],
    ),
    "no_tid": (
        r_no_tid,
        [np.zeros(8, np.uint32)],
        (1, 5, 1),
        (1, 1, 1),
        [np.array([1, 2, 3, 4, 5, 0, 0, 0], np.uint32)],
    ),
    "side_effect_before_guard": (
        r_side_effect_before_guard,
        [_A, np.zeros(N_R, np.float32), 150],
        N_R,
        64,
        [None, np.where(np.arange(N_R) < 150, _A, 0.5).astype(np.float32)],
    ),
    "odd_guard": (
        r_odd_guard,
        [_A, np.zeros(N_R, np.float32), 7],
        N_R,
        64,
        [None, np.where(np.arange(N_R) != 7, _A, 0).astype(np.float32)],
    ),
    "float_guard": (
        r_float_guard,
        [_A, np.zeros(N_R, np.float32), 150.0],
        N_R,
        64,
        [None, _tail(_A, 150)],
    ),
}


@pytest.mark.parametrize("name", list(REFUSALS))
def test_refused_kernels_stay_scalar_and_correct(name):
    kernel, args, grid, block, expected = REFUSALS[name]
    scalar_msl = compiled(kernel, 0).metal_source
    for w in WIDTHS:
        ck = compiled(kernel, w)
        assert ck.coarsen == 1, f"vec_width={w}: coarsen {ck.coarsen}"
        assert ck.implicit_params == []
        assert "enigma_grid_x" not in ck.metal_source
        assert not vector_types(ck.metal_source)
        assert ck.metal_source == scalar_msl
    check_widths(kernel, args, grid, expected, block=block)


# ---------------------------------------------------------------------------------------------
# Guards that can wrap around (unsigned subtraction, large offsets) are refused: left scalar
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def range_guard(A: enigma.f32, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    """The unsigned range check `lo <= tid < lo + n` written as `tid - lo < n` (lo = 1)."""
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid - 1 < n):
        C[tid] = A[tid]


@enigma.kernel
def range_guard_runtime(
    A: enigma.f32,
    C: enigma.f32,
    n: enigma.Scalar(enigma.u32),
    neg_lo: enigma.Scalar(enigma.u32),
):
    """The same with lo passed as its two's complement (tid + (2^32 - lo) < n)."""
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid + neg_lo < n):
        C[tid] = A[tid]


@pytest.mark.parametrize("w", WIDTHS)
@pytest.mark.parametrize("form", ["constant", "runtime"])
def test_wrapping_guard(w, form):
    n = 10
    a = np.arange(1, 33, dtype=np.float32)
    want = np.zeros(32, np.float32)
    want[1 : 1 + n] = a[1 : 1 + n]  # threads 1..n; thread 0 fails the guard
    kernel, extra = (
        (range_guard, [])
        if form == "constant"
        else (range_guard_runtime, [(1 << 32) - 1])
    )
    ref = launch(kernel, 0, [a, np.zeros(32, np.float32), n, *extra], 32)
    assert_same(ref[1], want, "scalar")
    out = launch(kernel, w, [a, np.zeros(32, np.float32), n, *extra], 32)
    assert_same(out[1], want, f"vec_width={w}")


# ---------------------------------------------------------------------------------------------
# bool (b1) buffers: accessed lane by lane in the vector path (no vector bool memory access)
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def bool_store(A: enigma.f32, M: enigma.b1, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        M[tid] = A[tid] > 0.5


@enigma.kernel
def bool_load(M: enigma.b1, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        C[tid] = enigma.where(-1.0, 1.0, M[tid])


@pytest.mark.parametrize("w", WIDTHS)
@pytest.mark.parametrize("which", ["store", "load"])
def test_bool_buffers(w, which):
    n = 37
    a = _inputs(np.float32, 40)[0]
    m = np.zeros(40, np.bool_)
    if which == "store":
        want = m.copy()
        want[:n] = a[:n] > 0.5
        check_widths(bool_store, [a, m, n], 40, [None, want])
    else:
        m[::3] = True
        c = np.zeros(40, np.float32)
        want = c.copy()
        want[:n] = np.where(m[:n], 1.0, -1.0)
        check_widths(bool_load, [m, c, n], 40, [None, want])
