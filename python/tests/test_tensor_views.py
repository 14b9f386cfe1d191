"""Tensor views (reference §29): load()/store() of whole views, fragments, base offsets,
traced and nested slicing, tensor_composition with TV layouts, identity tensors, enigma.size
on tensors, and the enigma.tuple utilities (§32) -- kernels run on the CPU runtime against
numpy."""

from __future__ import annotations

import enigma
import enigma.tuple as et
import numpy as np
import pytest
from enigma.tensor import Tensor, tensor_composition, tensor_zipped_divide

rng = np.random.default_rng(29)


# ---------------------------------------------------------------------------------------------
# load()/store() of views of 1..16 elements
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def affine_views(gA, gC):
    tid = enigma.thread_position_in_threadgroup.x
    v = gA[(None, tid)].load()  # scalar (1), vector (2-4) or Fragment (5+)
    gC[(None, tid)].store(v * 2.0 + 1.0)


@enigma.jit
def affine_launch(A, C, threads):
    affine_views(A, C).launch(grid=threads, block=threads)


def _view_layouts(n, threads):
    """(n values) x (threads) layouts: contiguous per thread, strided, and mixed."""
    out = [
        enigma.Layout((n, threads), (1, n)),  # each thread's values contiguous
        enigma.Layout((n, threads), (threads, 1)),  # values strided by `threads`
    ]
    if n % 2 == 0 and n > 2:
        # pairs of contiguous values, pairs 2*threads apart
        out.append(enigma.Layout(((2, n // 2), threads), ((1, 2 * threads), 2)))
    return out


@pytest.mark.parametrize("n", range(1, 17))
def test_load_store_views_of_1_to_16_elements(n):
    threads = 8
    for layout in _view_layouts(n, threads):
        A = Tensor("A", 0, "float", layout)
        C = Tensor("C", 1, "float", layout)
        k = enigma.compile(affine_launch, A, C, threads, emit_only=True)
        size = enigma.cosize(layout)
        a = rng.standard_normal(size).astype(np.float32)
        c = np.zeros(size, np.float32)
        k(a, c)
        np.testing.assert_allclose(c, a * 2 + 1, rtol=1e-6, err_msg=str(layout))


def test_load_result_kinds():
    seen = {}

    def loader(n):
        @enigma.kernel
        def one(gA, gC):
            seen[n] = gA[(None, 0)].load()
            gC[0] = 0.0

        return one

    for n in (1, 2, 3, 4, 5, 16):
        A = Tensor("A", 0, "float", enigma.Layout((n, 1), (1, n)))
        C = Tensor("C", 1, "float", enigma.Layout(1))
        enigma.compile(_launch_one(loader(n)), A, C, emit_only=True)
    assert isinstance(seen[1], enigma.IRValue) and seen[1].dtype is enigma.f32
    assert seen[2].dtype.name == "float2" and seen[3].dtype.name == "float3"
    assert seen[4].dtype.name == "float4"
    assert isinstance(seen[5], enigma.Fragment) and seen[5].size == 5
    assert isinstance(seen[16], enigma.Fragment) and len(seen[16]) == 16
    assert [p.dtype.lanes for p in seen[16].pieces] == [4, 4, 4, 4]


def _launch_one(k):
    @enigma.jit
    def launch(A, C):
        k(A, C).launch(grid=1, block=1)

    return launch


def test_contiguous_views_use_vector_accesses():
    layout = enigma.Layout((16, 4), (1, 16))
    A = Tensor("A", 0, "float", layout)
    C = Tensor("C", 1, "float", layout)
    k = enigma.compile(affine_launch, A, C, 4, emit_only=True)
    assert k.metal_source.count("packed_float4*)") == 8  # 4 loads + 4 stores


# ---------------------------------------------------------------------------------------------
# Fragments
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def fragment_ops(gA, gB, gC, Sums: enigma.f32):
    tid = enigma.thread_position_in_threadgroup.x
    a = gA[(None, tid)].load()  # 8 values
    b = gB[(None, tid)].load()
    s = enigma.metal_cast(tid, enigma.f32)
    r = (
        a * b - 2.0 * a
    ) / 4.0 + s * b  # fragment op fragment / literal / traced scalar
    r = -r + enigma.simd_sum(
        a * a
    )  # a fragment reduces within the thread, then the SIMD-group
    gC[(None, tid)].store(r.map(enigma.fabs))
    Sums[tid * 4 + 0] = a.reduce("max")
    Sums[tid * 4 + 1] = b.min()
    Sums[tid * 4 + 2] = a[3] + a[-1]
    Sums[tid * 4 + 3] = enigma.simd_max(b)


@enigma.jit
def fragment_launch(A, B, C, threads):
    fragment_ops(A, B, C, None).launch(grid=threads, block=threads)


def test_fragment_arithmetic_and_reductions():
    n, threads = 8, 32
    layout = enigma.Layout((n, threads), (1, n))
    A, B, C = (Tensor(x, i, "float", layout) for i, x in enumerate("ABC"))
    k = enigma.compile(fragment_launch, A, B, C, threads, emit_only=True)
    a = rng.standard_normal(n * threads).astype(np.float32)
    b = rng.standard_normal(n * threads).astype(np.float32)
    c = np.zeros(n * threads, np.float32)
    sums = np.zeros(threads * 4, np.float32)
    k(a, b, c, sums)
    A2, B2 = a.reshape(threads, n), b.reshape(threads, n)
    tid = np.arange(threads, dtype=np.float32)[:, None]
    total = np.sum(A2 * A2)  # one SIMD-group of 32 threads
    expect = np.abs(-((A2 * B2 - 2 * A2) / 4 + tid * B2) + total)
    np.testing.assert_allclose(c.reshape(threads, n), expect, rtol=1e-4, atol=1e-4)
    s = sums.reshape(threads, 4)
    np.testing.assert_array_equal(s[:, 0], A2.max(axis=1))
    np.testing.assert_array_equal(s[:, 1], B2.min(axis=1))
    np.testing.assert_allclose(s[:, 2], A2[:, 3] + A2[:, 7], rtol=1e-6)
    np.testing.assert_array_equal(s[:, 3], np.full(threads, B2.max()))


@enigma.kernel
def store_forms(gC):
    tid = enigma.thread_position_in_threadgroup.x
    v = gC[(None, tid)]
    with enigma.if_(enigma.cmp_eq(tid, 0)):
        v.store(7.0)  # one scalar to every element
    with enigma.if_(enigma.cmp_eq(tid, 1)):
        v.store([enigma.metal_cast(i * 10, enigma.f32) for i in range(6)])  # a list


@enigma.jit
def store_forms_launch(C):
    store_forms(C).launch(grid=2, block=2)


def test_store_scalar_broadcast_and_list():
    C = Tensor("C", 0, "float", enigma.Layout((6, 2), (2, 1)))
    k = enigma.compile(store_forms_launch, C, emit_only=True)
    c = np.zeros(12, np.float32)
    k(c)
    np.testing.assert_array_equal(c.reshape(6, 2)[:, 0], np.full(6, 7.0))
    np.testing.assert_array_equal(c.reshape(6, 2)[:, 1], np.arange(6) * 10.0)


def _compile_error(body, layout=None, match=""):
    layout = layout if layout is not None else enigma.Layout((8, 1), (1, 8))
    A = Tensor("A", 0, "float", layout)
    C = Tensor("C", 1, "float", layout)

    @enigma.kernel
    def k(gA, gC):
        body(gA, gC)

    with pytest.raises((TypeError, enigma.EnigmaError), match=match) as info:
        enigma.compile(_launch_one(k), A, C, emit_only=True)
    assert __file__ in str(info.value)  # the user's file and line
    return info


def test_store_of_the_wrong_size_is_an_error():
    _compile_error(
        lambda gA, gC: gC[(None, 0)].store([1.0, 2.0]),
        match="cannot store 2 values to a view of 8 elements",
    )
    _compile_error(
        lambda gA, gC: gC[(None, 0)].store(enigma.make_float4(1.0, 2.0, 3.0, 4.0)),
        match=r"cannot store a float4 \(4 lanes\) to a view of 8 elements",
    )


def test_fragments_of_different_sizes_are_an_error():
    def body(gA, gC):
        a = gA[(None, 0)].load()
        half = enigma.Fragment(a.pieces[:1], a.dtype)  # the first 4 elements
        gC[(None, 0)].store(a + half)

    _compile_error(body, match="fragments of 8 and 4 elements cannot be combined")


def test_loading_a_whole_large_tensor_is_an_error():
    _compile_error(
        lambda gA, gC: gA.load(),
        enigma.Layout((512,), (1,)),
        match="a view loads into registers, at most 256",
    )


def test_fragment_is_not_a_bool():
    def body(gA, gC):
        if gA[(None, 0)].load():
            pass

    _compile_error(body, match="fragment cannot be used as a Python bool")


# ---------------------------------------------------------------------------------------------
# base_offset, nested and traced slicing
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def row_copy(gX, gOut):
    row = enigma.threadgroup_position_in_grid.x
    tid = enigma.thread_position_in_threadgroup.x
    src = gX[((None, None), row)][(0, None)]  # the reference programs' nested form
    dst = gOut[((None, None), row)][(0, None)]
    dst[tid] = src[tid] + 0.5


@enigma.jit
def row_copy_launch(X, Out, rows, cols):
    gX = tensor_zipped_divide(X, (1, cols))
    gOut = tensor_zipped_divide(Out, (1, cols))
    row_copy(gX, gOut).launch(grid=rows * cols, block=cols)


def test_nested_traced_slices_with_base_offset():
    rows, cols, base = 4, 16, 5
    X = Tensor(
        "X", 0, "float", enigma.Layout((rows, cols), (cols, 1)), base_offset=base
    )
    Out = Tensor("Out", 1, "float", enigma.Layout((rows, cols), (cols, 1)))
    assert X.cosize() == base + rows * cols
    k = enigma.compile(row_copy_launch, X, Out, rows, cols, emit_only=True)
    assert k.params[0].min_size == base + rows * cols
    x = rng.standard_normal(base + rows * cols).astype(np.float32)
    out = np.zeros(rows * cols, np.float32)
    k(x, out)
    np.testing.assert_array_equal(out, x[base:] + np.float32(0.5))


def test_host_slices_fold_into_the_base_offset():
    T = Tensor("A", 0, "float", enigma.Layout((4, 8), (8, 1)), base_offset=3)
    row2 = T[2, None]
    assert row2.layout == enigma.Layout(8, 1) and row2.base_offset == 3 + 16
    assert row2.cosize() == 3 + 32  # the whole buffer is still needed
    col = T[(None, 5)]
    assert col.layout == enigma.Layout(4, 8) and col.base_offset == 8
    z = tensor_zipped_divide(
        enigma.Tensor("W", 1, "float", enigma.Layout((64,), (1,))), (64,)
    )
    w = z[(None,)]  # a trailing size-1 mode may be left out
    assert w.size() == 64 and w.base_offset == 0
    with pytest.raises(
        enigma.EnigmaError, match="indexing every mode outside a kernel"
    ):
        T[1, 2]
    with pytest.raises(TypeError, match="rank 2"):
        T[(None,)]  # mode 1 has 8 elements: it cannot be left out


def test_tensor_validation_of_base_offset():
    with pytest.raises(
        enigma.EnigmaError, match="base_offset must be a non-negative int"
    ):
        Tensor("A", 0, "float", enigma.Layout(8), base_offset=-1)
    with pytest.raises(enigma.EnigmaError, match="base_offset"):
        Tensor("A", 0, "float", enigma.Layout(8), base_offset=1.5)
    t = Tensor("A", 0, "float", enigma.Layout(8), base_offset=4)
    assert t.metal_dtype == "float" and t.element_type == "float"
    assert repr(t) == "enigma.Tensor('A', 0, enigma.f32, 8:1, base_offset=4)"


# A Tensor created inside the kernel (benchmark_sdpa's _tv_load_head): a traced base offset, a
# TV layout of 2 values per lane, a float2 load.
thr = enigma.make_ordered_layout((32,), order=(0,))
val = enigma.make_ordered_layout((2,), order=(0,))
tiler_d, tv_d = enigma.make_layout_tv(thr, val)
HEAD = 64


def _head(base, lane):
    t = Tensor("Q", 0, "float", enigma.Layout(HEAD, 1), base_offset=base)
    tiled = tensor_zipped_divide(t, tiler_d)
    tv = tensor_composition(tiled[(None,)], tv_d, tiler_d)
    return tv[(lane, None)].load()


@enigma.kernel
def head_dots(mQ, Out: enigma.f32):
    head = enigma.threadgroup_position_in_grid.x
    lane = enigma.thread_index_in_simdgroup()
    q = _head(head * HEAD, lane)
    Out[head * 32 + lane] = enigma.dot(q, q)


@enigma.jit
def head_dots_launch(mQ, heads):
    head_dots(mQ, None).launch(grid=heads * 32, block=32)


def test_tensor_created_inside_a_kernel_with_a_traced_base_offset():
    heads = 3
    Q = Tensor("Q", 0, "float", enigma.Layout(heads * HEAD, 1))
    k = enigma.compile(head_dots_launch, Q, heads, emit_only=True)
    q = rng.standard_normal(heads * HEAD).astype(np.float32)
    out = np.zeros(heads * 32, np.float32)
    k(q, out)
    pairs = q.reshape(heads, 32, 2)
    np.testing.assert_allclose(out.reshape(heads, 32), (pairs**2).sum(-1), rtol=1e-5)


def test_tensor_in_a_kernel_must_name_a_buffer_parameter():
    @enigma.kernel
    def k(mQ, Out: enigma.f32):
        Tensor("Z", 5, "float", enigma.Layout(4)).load()

    Q = Tensor("Q", 0, "float", enigma.Layout(64))

    @enigma.jit
    def launch(mQ):
        k(mQ, None).launch(grid=1, block=1)

    with pytest.raises(
        TypeError, match=r"views \[\[buffer\(5\)\]\], but the kernel has no"
    ):
        enigma.compile(launch, Q, emit_only=True)


# ---------------------------------------------------------------------------------------------
# tensor_composition with TV layouts
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def tv_scale(gA, gC, tv_layout, tiler):
    tidx, _, _ = enigma.arch.thread_idx()
    bidx, _, _ = enigma.arch.block_idx()
    thrA = tensor_composition(gA[((None, None), bidx)], tv_layout, tiler)[(tidx, None)]
    thrC = tensor_composition(gC[((None, None), bidx)], tv_layout, tiler)[(tidx, None)]
    thrC.store(thrA.load() * 3.0)


@enigma.jit
def tv_scale_launch(mA, mC, thr_shape, thr_order, val_shape, val_order):
    thr_layout = enigma.make_ordered_layout(thr_shape, order=thr_order)
    val_layout = enigma.make_ordered_layout(val_shape, order=val_order)
    tiler, tv = enigma.make_layout_tv(thr_layout, val_layout)
    gA = tensor_zipped_divide(mA, tiler)
    gC = tensor_zipped_divide(mC, tiler)
    threads = enigma.size(tv, mode=[0])
    tv_scale(gA, gC, tv, tiler).launch(
        grid=(enigma.size(gA, mode=[1]) * threads, 1, 1), block=(threads, 1, 1)
    )


@pytest.mark.parametrize(
    "m,n,row_major,thr,thr_order,vals,val_order",
    [
        (32, 64, True, (4, 8), (1, 0), (2, 4), (1, 0)),
        (32, 64, False, (4, 8), (0, 1), (4, 2), (0, 1)),
        (16, 32, True, (2, 16), (1, 0), (1, 2), (1, 0)),
        (64, 16, True, (8, 4), (0, 1), (2, 2), (0, 1)),
        (24, 48, True, (4, 4), (1, 0), (3, 3), (1, 0)),
    ],
)
def test_tensor_composition_with_tv_layouts(
    m, n, row_major, thr, thr_order, vals, val_order
):
    stride = (n, 1) if row_major else (1, m)
    mA = Tensor("A", 0, "float", enigma.Layout((m, n), stride))
    mC = Tensor("C", 1, "float", enigma.Layout((m, n), stride))
    k = enigma.compile(
        tv_scale_launch, mA, mC, thr, thr_order, vals, val_order, emit_only=True
    )
    a = rng.standard_normal(m * n).astype(np.float32)
    c = np.full(m * n, np.nan, np.float32)  # every element must be written
    k(a, c)
    np.testing.assert_array_equal(c, a * np.float32(3.0))


def test_tensor_composition_errors_name_the_line():
    mA = Tensor("A", 0, "float", enigma.Layout((16, 16), (16, 1)))
    tiler, tv = enigma.make_layout_tv(
        enigma.make_ordered_layout((4, 4), order=(1, 0)),
        enigma.make_ordered_layout((2, 2), order=(1, 0)),
    )
    g = tensor_zipped_divide(mA, tiler)
    with pytest.raises(
        enigma.EnigmaError, match=r"the tiler \(8, 8\) covers 64 elements but the"
    ):
        tensor_composition(g, tv, tiler)  # the whole divided tensor, not one tile
    tile = g[((None, None), 0)]
    small = tile[(None, 0)]
    with pytest.raises(
        enigma.EnigmaError, match="reaches tile element 63 but the tile has 8"
    ):
        tensor_composition(small, tv)
    with pytest.raises(enigma.EnigmaError, match="needs a TV layout"):
        tensor_composition(tile, (4, 4), tiler)
    with pytest.raises(enigma.EnigmaError, match="needs a tensor") as info:
        tensor_composition(enigma.Layout(8), tv, tiler)
    assert "test_tensor_views.py" in str(info.value)
    ok = tensor_composition(tile, tv, tiler)
    assert ok.layout == enigma.composition(tile.layout, tv) and ok.base_offset == 0


# ---------------------------------------------------------------------------------------------
# enigma.size, identity tensors
# ---------------------------------------------------------------------------------------------


def test_size_of_tensors_layouts_and_shapes():
    mA = Tensor("A", 0, "float", enigma.Layout((256, 512), (512, 1)))
    tiler, tv = enigma.make_layout_tv(
        enigma.make_ordered_layout((4, 64), order=(1, 0)),
        enigma.make_ordered_layout((4, 4), order=(1, 0)),
    )
    gA = tensor_zipped_divide(mA, tiler)
    assert enigma.size(gA, mode=[1]) == 32 and enigma.size(gA, mode=[0]) == 16 * 256
    assert enigma.size(gA) == gA.size() == 256 * 512
    assert gA.size(mode=[1]) == 32 and gA.size([0, 1]) == 256
    assert enigma.size(tv, mode=[0]) == 256 and enigma.size(tv, mode=[1]) == 16
    assert enigma.size((2, (3, 4))) == 24 and enigma.size((2, (3, 4)), mode=[1]) == 12


@enigma.kernel
def identity_coords(gC, cI, tv_layout, tiler):
    tidx, _, _ = enigma.arch.thread_idx()
    bidx, _, _ = enigma.arch.block_idx()
    blk = cI[((None, None), bidx)]
    mine = tensor_composition(blk, tv_layout, tiler)[(tidx, None)]
    out = tensor_composition(gC[((None, None), bidx)], tv_layout, tiler)[(tidx, None)]
    coords = mine.load()
    out.store([enigma.metal_cast(r * 100 + c, enigma.f32) for r, c in coords])


@enigma.jit
def identity_launch(mC, m, n):
    tiler, tv = enigma.make_layout_tv(
        enigma.make_ordered_layout((2, 4), order=(1, 0)),
        enigma.make_ordered_layout((2, 2), order=(1, 0)),
    )
    cI = tensor_zipped_divide(enigma.make_identity_tensor((m, n)), tiler)
    gC = tensor_zipped_divide(mC, tiler)
    threads = enigma.size(tv, mode=[0])
    identity_coords(gC, cI, tv, tiler).launch(
        grid=enigma.size(gC, mode=[1]) * threads, block=threads
    )


def test_identity_tensor_gives_each_element_its_coordinate():
    m, n = 8, 16
    mC = Tensor("C", 0, "float", enigma.Layout((m, n), (n, 1)))
    k = enigma.compile(identity_launch, mC, m, n, emit_only=True)
    c = np.zeros(m * n, np.float32)
    k(c)
    r, cc = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    np.testing.assert_array_equal(c.reshape(m, n), (r * 100 + cc).astype(np.float32))


def test_identity_tensor_on_the_host():
    ident = enigma.make_identity_tensor((4, (2, 3)))
    assert ident.size() == 24 and ident.shape == (4, (2, 3))
    z = tensor_zipped_divide(ident, (2, 3))
    tile = z[((None, None), 1)]
    assert tile[(1, 2)] == enigma.idx2crd(
        enigma.Layout((4, (2, 3)))(
            enigma.zipped_divide(enigma.Layout((4, (2, 3))), (2, 3))(((1, 2), 1))
        ),
        (4, (2, 3)),
    )
    assert ident[(3, (1, 2))] == (3, (1, 2))


# ---------------------------------------------------------------------------------------------
# enigma.tuple (§32)
# ---------------------------------------------------------------------------------------------

pycute = pytest.importorskip("pycute")

TUPLES = [3, (2, 3), (2, (3, 4)), ((2, 2), (4, (1, 3))), (1,), ((8,),)]


@pytest.mark.parametrize("t", TUPLES)
def test_tuple_utilities_match_pycute(t):
    assert et.product(t) == pycute.product(t)
    assert (
        et.flatten(t) == tuple(pycute.flatten(t))
        if isinstance(t, tuple)
        else et.flatten(t) == (t,)
    )
    assert et.prefix_product(t) == pycute.prefix_product(t)
    assert et.prefix_product(t, 5) == pycute.prefix_product(t, 5)
    assert et.tuple_max(t) == pycute.tuple_max(t)
    assert et.inner_product(t, t) == pycute.inner_product(t, t)
    assert et.elem_scale(t, t) == pycute.elem_scale(t, t)
    for i in range(et.product(t)):
        crd = et.idx2crd(i, t)
        assert crd == pycute.idx2crd(i, t)
        assert et.crd2idx(crd, t) == pycute.crd2idx(crd, t) == i
        assert et.crd2idx(i, t) == pycute.crd2idx(i, t)
    stride = et.compact_row_major(t)
    for i in range(et.product(t)):
        assert et.crd2idx(i, t, stride) == pycute.crd2idx(i, t, stride)


@pytest.mark.parametrize(
    "a,b",
    [
        ((4, 6), 8),
        ((4, 6), 2),
        (12, 4),
        (4, 12),
        ((8, 8), (2, 4)),
        ((2, 3, 4), (2, 1, 2)),
    ],
)
def test_shape_div_matches_pycute(a, b):
    assert et.shape_div(a, b) == pycute.shape_div(a, b)


def test_slice_and_has_none_match_pycute():
    for crd, t in [
        ((None, 0), (4, 8)),
        ((0, (None, 1)), (4, (2, 3))),
        (None, (4, 8)),
        (1, 4),
    ]:
        assert et.slice_(crd, t) == pycute.slice_(crd, t)
        assert et.has_none(crd) == pycute.has_none(crd)


def test_documented_tuple_utilities():
    assert et.product((2, (3, 4))) == 24 and et.product(7) == 7
    assert et.repeat_like((2, (3, 4)), 0) == (0, (0, 0))
    assert et.repeat_like(5, None) is None
    assert et.select((4, 8, 2), 1) == 8 and et.select((4, 8, 2), [2, 0]) == (2, 4)
    assert et.rank((2, (3, 4))) == 2 and et.rank(5) == 1
    assert et.depth(5) == 0 and et.depth((2, (3, 4))) == 2
    assert et.is_congruent((2, (3, 4)), (5, (6, 7))) and not et.is_congruent((2, 3), 6)
    assert et.is_compatible(6, (2, 3)) and et.is_compatible((2, 6), (2, (3, 2)))
    assert not et.is_compatible((2, 3), 6)
    assert et.compact_col_major((2, (3, 4))) == (1, (2, 6))
    assert et.compact_row_major((2, (3, 4))) == (12, (4, 1))
    assert et.compact_order((4, 64), (1, 0)) == (64, 1)
    assert enigma.make_ordered_layout((4, 64), order=(1, 0)).stride == et.compact_order(
        (4, 64), (1, 0)
    )
    assert et.ceil_div(7, 2) == 4 and et.gcd(12, 18) == 6


def test_tuple_utility_errors():
    with pytest.raises(enigma.EnigmaError, match="no mode 3"):
        et.select((4, 8), 3)
    with pytest.raises(enigma.EnigmaError, match="must be an int or a tuple of ints"):
        et.product((2, "x"))
    with pytest.raises(enigma.EnigmaError, match="neither divides"):
        et.shape_div(6, 4)
    with pytest.raises(enigma.EnigmaError, match="congruent"):
        et.inner_product((1, 2), (1, 2, 3))


@pytest.mark.skipif(not hasattr(enigma, "repeat_like"), reason="enigma/__init__ not yet updated")
def test_tuple_utilities_at_the_top_level():
    assert enigma.product((2, (3, 4))) == 24
    assert enigma.repeat_like((2, (3, 4)), 0) == (0, (0, 0))
    assert enigma.select((4, 8, 2), [2, 0]) == (2, 4)
    assert enigma.select is et.select and enigma.where is not enigma.select
    assert enigma.tuple is et


@enigma.kernel
def traced_left_of_fragment(gA, gC):
    tid = enigma.thread_position_in_threadgroup.x
    a = gA[(None, tid)].load()  # 8 values
    s = enigma.metal_cast(tid, enigma.f32) + 1.0
    gC[(None, tid)].store((s + a) * (s - a) / (s / (a + 3.0)))


@enigma.jit
def traced_left_launch(A, C, threads):
    traced_left_of_fragment(A, C).launch(grid=threads, block=threads)


def test_traced_value_on_the_left_of_a_fragment():
    n, threads = 8, 32
    layout = enigma.Layout((n, threads), (1, n))
    A, C = (Tensor(x, i, "float", layout) for i, x in enumerate("AC"))
    k = enigma.compile(traced_left_launch, A, C, threads, emit_only=True)
    a = rng.random(n * threads).astype(np.float32)
    c = np.zeros(n * threads, np.float32)
    k(a, c)
    s = np.arange(threads, dtype=np.float32)[:, None] + 1
    A2 = a.reshape(threads, n)
    np.testing.assert_allclose(c.reshape(threads, n), (s + A2) * (s - A2) / (s / (A2 + 3)),
                               rtol=1e-5)
