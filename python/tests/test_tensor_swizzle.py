"""Tensors with swizzled layouts (enigma.ComposedLayout, CuTe's Swizzle o offset o layout):
threadgroup tiles and device tensors written and read through a swizzle, slices (the fixed
coordinates move the swizzle's input, not the pointer), divides that keep the swizzle, and
errors -- kernels run on the CPU runtime against numpy and the Python layout's mapping."""

from __future__ import annotations

import enigma
import numpy as np
import pytest
from enigma.tensor import Tensor, tensor_zipped_divide

rng = np.random.default_rng(1729)


def _ops(trace, name):
    """The ops called `name` anywhere in a trace dict."""
    out = []

    def walk(x):
        if isinstance(x, dict):
            if x.get("op") == name:
                out.append(x)
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(trace["ops"])
    return out


def _swizzled(t, b, m, s, offset=0):
    """Sw<b,m,s> o offset o (t,t):(t,1) -- a row-major t x t tile, swizzled."""
    return enigma.ComposedLayout(enigma.Swizzle(b, m, s), offset, enigma.Layout((t, t), (t, 1)))


# ---------------------------------------------------------------------------------------------
# The bank-conflict-free transpose: a threadgroup tile written and read through one swizzle
# ---------------------------------------------------------------------------------------------


def _transpose_kernel(T, layout):
    n = enigma.cosize(layout)

    @enigma.kernel
    def transpose(A: enigma.f32, C: enigma.f32, Raw: enigma.f32):
        r = enigma.thread_position_in_threadgroup.y
        c = enigma.thread_position_in_threadgroup.x
        tg = enigma.threadgroup_alloc("float", (n,))
        tile = enigma.make_tensor(tg, layout)
        tile[r, c] = A[r * T + c]  # row r, column c, stored swizzled
        enigma.barrier()
        C[r * T + c] = tile[c, r]  # read back transposed through the same swizzle
        for i in range(n // (T * T)):  # the raw threadgroup contents, in physical order
            Raw[i * T * T + r * T + c] = tg[i * T * T + r * T + c]

    @enigma.jit
    def launch():
        transpose(None, None, None).launch(grid=(T, T), block=(T, T))

    return enigma.compile(launch, emit_only=True)


@pytest.mark.parametrize(
    "T,b,m,s",
    [(8, 3, 0, 3), (4, 2, 0, 2), (16, 4, 0, 4), (32, 5, 0, 5), (8, 2, 1, 3), (16, 3, 1, 3)],
)
def test_swizzled_threadgroup_transpose(T, b, m, s):
    layout = _swizzled(T, b, m, s)
    assert enigma.cosize(layout) == T * T  # a swizzle permutes the tile
    k = _transpose_kernel(T, layout)
    a = rng.standard_normal(T * T).astype(np.float32)
    c = np.zeros(T * T, np.float32)
    raw = np.full(T * T, np.nan, np.float32)
    k(a, c, raw)
    np.testing.assert_array_equal(c.reshape(T, T), a.reshape(T, T).T)
    # The physical order is the swizzled one: element (r, c) sits at layout((r, c)).
    expect = np.full(T * T, np.nan, np.float32)
    for r in range(T):
        for cc in range(T):
            expect[layout((r, cc))] = a[r * T + cc]
    np.testing.assert_array_equal(raw, expect)
    if b and (T * T) > (1 << (m + s)):
        assert not np.array_equal(raw, a)  # really permuted
    # One layout_apply on the whole swizzled layout per access, lowered to xor.
    applies = _ops(k.trace, "enigma.layout_apply")
    assert len(applies) == 2 and all(len(op["operands"]) == 3 for op in applies)
    assert not _ops(k.trace, "enigma.layout_mode")
    consts = [op["attrs"]["layout"] for op in _ops(k.trace, "enigma.layout_constant")]
    assert consts == [f"#enigma.layout<{layout}>"]
    assert "^" in k.metal_source


def test_swizzled_transpose_layout_from_text_and_composition():
    # CuTe text and composition(Swizzle, Layout) name the same layout as ComposedLayout(...)
    text = "Sw<3,0,3> o 0 o (8,8):(8,1)"
    layout = enigma.composition(enigma.Swizzle(3, 0, 3), enigma.Layout((8, 8), (8, 1)))
    assert str(layout) == text and enigma.ComposedLayout.parse(text) == layout

    @enigma.kernel
    def copy_through(A: enigma.f32, C: enigma.f32):
        r = enigma.thread_position_in_threadgroup.y
        c = enigma.thread_position_in_threadgroup.x
        tg = enigma.threadgroup_alloc("float", 64)
        tile = enigma.make_tensor(tg, text)  # text form
        tile[r, c] = A[r * 8 + c]
        enigma.barrier()
        C[r * 8 + c] = tg[r * 8 + c]

    @enigma.jit
    def launch():
        copy_through(None, None).launch(grid=(8, 8), block=(8, 8))

    k = enigma.compile(launch, emit_only=True)
    a = np.arange(64, dtype=np.float32)
    c = np.zeros(64, np.float32)
    k(a, c)
    expect = np.zeros(64, np.float32)
    expect[[layout((i // 8, i % 8)) for i in range(64)]] = a
    np.testing.assert_array_equal(c, expect)


# ---------------------------------------------------------------------------------------------
# Device tensors with swizzled layouts
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def scatter_2d(gA, Out: enigma.f32):
    r = enigma.thread_position_in_grid.y
    c = enigma.thread_position_in_grid.x
    gA[r, c] = Out[r * 16 + c] * 2.0 + 1.0


@enigma.jit
def scatter_launch(A, rows, cols):
    scatter_2d(A, None).launch(grid=(cols, rows), block=(cols, rows))


@pytest.mark.parametrize(
    "layout",
    [
        enigma.ComposedLayout(enigma.Swizzle(3, 0, 3), 0, enigma.Layout((8, 16), (16, 1))),
        enigma.ComposedLayout(enigma.Swizzle(2, 2, 3), 0, enigma.Layout((8, 16), (16, 1))),
        enigma.ComposedLayout(enigma.Swizzle(3, 1, 4), 5, enigma.Layout((8, 16), (1, 8))),
        enigma.ComposedLayout(enigma.Swizzle(2, 0, -2), 0, enigma.Layout((8, 16), (16, 1))),
    ],
    ids=str,
)
def test_device_tensor_with_swizzled_layout_stores_at_swizzled_positions(layout):
    A = Tensor("A", 0, "float", layout)
    assert A.cosize() == enigma.cosize(layout)
    k = enigma.compile(scatter_launch, A, 8, 16, emit_only=True)
    src = rng.standard_normal(8 * 16).astype(np.float32)
    out = np.full(A.cosize(), np.nan, np.float32)
    k(out, src)
    expect = np.full(A.cosize(), np.nan, np.float32)
    for r in range(8):
        for c in range(16):
            expect[layout((r, c))] = src[r * 16 + c] * 2 + 1
    np.testing.assert_array_equal(out, expect)


@enigma.kernel
def gather_1d(gA, Out: enigma.f32):
    i = enigma.thread_position_in_grid.x
    Out[i] = gA[i]  # one index over the whole swizzled layout


@enigma.jit
def gather_launch(A, n):
    gather_1d(A, None).launch(grid=n, block=n)


def test_device_tensor_swizzled_load_with_one_index_and_base_offset():
    layout = enigma.ComposedLayout(
        enigma.Swizzle(2, 1, 3), 3, enigma.Layout((4, (2, 8)), (2, (1, 8)))
    )
    A = Tensor("A", 0, "float", layout, base_offset=7)
    assert A.cosize() == 7 + enigma.cosize(layout)
    n = enigma.size(layout)
    k = enigma.compile(gather_launch, A, n, emit_only=True)
    a = rng.standard_normal(A.cosize()).astype(np.float32)
    out = np.zeros(n, np.float32)
    k(a, out)
    np.testing.assert_array_equal(out, a[[7 + layout(i) for i in range(n)]])
    applies = _ops(k.trace, "enigma.layout_apply")
    assert len(applies) == 1 and len(applies[0]["operands"]) == 2


@enigma.kernel
def int_coords(gA, Out: enigma.f32):
    Out[0] = gA[2, 3]
    Out[1] = gA[(5, 1)]
    Out[2] = gA[7]


@enigma.jit
def int_coords_launch(A):
    int_coords(A, None).launch(grid=1, block=1)


def test_python_int_coordinates_fold_host_side():
    layout = enigma.ComposedLayout(enigma.Swizzle(3, 0, 3), 0, enigma.Layout((8, 8), (8, 1)))
    A = Tensor("A", 0, "float", layout)
    k = enigma.compile(int_coords_launch, A, emit_only=True)
    assert not _ops(k.trace, "enigma.layout_apply")
    a = rng.standard_normal(64).astype(np.float32)
    out = np.zeros(3, np.float32)
    k(a, out)
    np.testing.assert_array_equal(out, a[[layout((2, 3)), layout((5, 1)), layout(7)]])


# ---------------------------------------------------------------------------------------------
# Slices: the fixed coordinates move the swizzle's input (the composed layout's offset)
# ---------------------------------------------------------------------------------------------


def test_host_slice_keeps_the_swizzle_and_folds_into_the_composed_offset():
    inner = enigma.Layout((8, 16), (16, 1))
    layout = enigma.ComposedLayout(enigma.Swizzle(3, 0, 3), 2, inner)
    A = Tensor("A", 0, "float", layout, base_offset=4)
    col = A[None, 5]
    assert isinstance(col.layout, enigma.ComposedLayout)
    assert col.layout == enigma.ComposedLayout(enigma.Swizzle(3, 0, 3), 2 + 5, inner[0])
    assert col.base_offset == 4  # not the pointer
    assert col.cosize() == A.cosize()  # still the whole buffer
    for r in range(8):
        assert col.layout(r) == layout((r, 5))
    row = A[3, None]
    assert row.layout.offset == 2 + 3 * 16
    for c in range(16):
        assert row.layout(c) == layout((3, c))


@enigma.kernel
def column_copy(gA, Out: enigma.f32, col: enigma.Constexpr):
    r = enigma.thread_position_in_grid.x
    static = gA[None, col]  # a static slice: the composed offset holds it
    j = enigma.metal_cast(r % 4, "uint") + 2
    traced = gA[None, j]  # a traced slice
    row = gA[j, None]
    Out[r * 4 + 0] = static[r]
    Out[r * 4 + 1] = traced[r]
    Out[r * 4 + 2] = row[r]
    Out[r * 4 + 3] = gA[None, None][(r, j)]


@enigma.jit
def column_launch(A, col):
    column_copy(A, None, col).launch(grid=8, block=8)


def test_in_kernel_slices_of_swizzled_tensors():
    layout = enigma.ComposedLayout(enigma.Swizzle(3, 0, 3), 1, enigma.Layout((8, 8), (8, 1)))
    A = Tensor("A", 0, "float", layout, base_offset=2)
    k = enigma.compile(column_launch, A, 5, emit_only=True)
    a = rng.standard_normal(A.cosize()).astype(np.float32)
    out = np.zeros(32, np.float32)
    k(a, out)
    got = out.reshape(8, 4)
    for r in range(8):
        j = r % 4 + 2
        assert got[r, 0] == a[2 + layout((r, 5))]
        assert got[r, 1] == a[2 + layout((r, j))]
        assert got[r, 2] == a[2 + layout((j, r))]
        assert got[r, 3] == a[2 + layout((r, j))]
    # The traced slices' share of the offset goes into the swizzle's input: their element
    # accesses apply the swizzled layout to (coordinate leaves..., offset).
    swizzled = {
        op["results"][0]["id"]: op["attrs"]["layout"]
        for op in _ops(k.trace, "enigma.layout_constant")
        if "Sw<" in op["attrs"]["layout"]
    }
    shapes = [swizzled[op["operands"][0]] for op in _ops(k.trace, "enigma.layout_apply")
              if op["operands"][0] in swizzled]
    assert "#enigma.layout<Sw<3,0,3> o 1 o (8,64):(8,1)>" in shapes


@enigma.kernel
def nested_slices(gA, Out: enigma.f32):
    t = enigma.thread_position_in_grid.x  # 0..7
    i = t // 4
    j = t % 4
    blk = gA[(None, None), (i, None)]  # traced fixed coordinate: (2,4,4):(4,1,8)
    sub = blk[None, j, None]  # again traced, then static below
    Out[t * 3 + 0] = sub[1, 2]
    Out[t * 3 + 1] = sub[0, None][1]
    Out[t * 3 + 2] = blk[None, 3, None][(1, 1)]


@enigma.jit
def nested_launch(A):
    nested_slices(A, None).launch(grid=8, block=8)


def test_nested_traced_and_static_slices_of_a_swizzled_tensor():
    inner = enigma.Layout(((2, 4), (2, 4)), ((4, 1), (32, 8)))
    layout = enigma.ComposedLayout(enigma.Swizzle(2, 1, 3), 0, inner)
    A = Tensor("A", 0, "float", layout)
    k = enigma.compile(nested_launch, A, emit_only=True)
    a = rng.standard_normal(A.cosize()).astype(np.float32)
    out = np.zeros(24, np.float32)
    k(a, out)
    for t in range(8):
        i, j = t // 4, t % 4
        assert out[t * 3 + 0] == a[layout(((1, j), (i, 2)))]
        assert out[t * 3 + 1] == a[layout(((0, j), (i, 1)))]
        assert out[t * 3 + 2] == a[layout(((1, 3), (i, 1)))]


@enigma.kernel
def view_rows(gA, gC):
    t = enigma.thread_position_in_grid.x
    gC[t, None].store(gA[t, None].load() * 2.0 - 1.0)


@enigma.jit
def rows_launch(A, C):
    view_rows(A, C).launch(grid=8, block=8)


def test_load_and_store_of_swizzled_views():
    layout = enigma.ComposedLayout(enigma.Swizzle(2, 1, 2), 0, enigma.Layout((8, 8), (8, 1)))
    A = Tensor("A", 0, "float", layout)
    C = Tensor("C", 1, "float", layout)
    k = enigma.compile(rows_launch, A, C, emit_only=True)
    a = rng.standard_normal(64).astype(np.float32)
    c = np.zeros(64, np.float32)
    k(a, c)
    np.testing.assert_allclose(c, a * 2 - 1, rtol=1e-6)  # same layout in and out
    # static slices: rows are runs of 2 contiguous elements under Sw<2,1,2>
    C2 = Tensor("C", 1, "float", enigma.Layout((8, 8), (8, 1)))
    B = Tensor("A", 0, "float", layout)
    k2 = enigma.compile(_static_row_launch, B, C2, emit_only=True)
    c2 = np.zeros(64, np.float32)
    k2(a, c2)
    for r in range(8):
        for cc in range(8):
            assert c2[r * 8 + cc] == a[layout((r, cc))]
    assert "float2" in k2.metal_source  # the contiguous pairs are vector loads


@enigma.kernel
def static_rows(gA, gC):
    for r in range(8):
        gC[r, None].store(gA[r, None].load())


@enigma.jit
def _static_row_launch(A, C):
    static_rows(A, C).launch(grid=1, block=1)


# ---------------------------------------------------------------------------------------------
# Divides keep the swizzle
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def tiled_copy(gA, gC):
    bid = enigma.threadgroup_position_in_grid.x
    tid = enigma.thread_position_in_threadgroup.x
    tA = gA[None, bid]  # tile bid of a zipped-divided swizzled tensor
    tC = gC[None, bid]
    tC[tid] = tA[tid] + 1.0


@enigma.jit
def tiled_launch(A, C, tile):
    gA = enigma.zipped_divide(A, (tile, tile))
    gC = tensor_zipped_divide(C, (tile, tile))
    tiled_copy(gA, gC).launch(grid=enigma.size(A), block=tile * tile)


def test_zipped_divide_of_a_swizzled_tensor_keeps_the_swizzle():
    layout = enigma.ComposedLayout(enigma.Swizzle(3, 0, 3), 0, enigma.Layout((16, 16), (16, 1)))
    A = Tensor("A", 0, "float", layout)
    gA = enigma.zipped_divide(A, (4, 4))
    assert isinstance(gA.layout, enigma.ComposedLayout)
    assert gA.layout.swizzle == layout.swizzle
    assert gA.layout.layout == enigma.zipped_divide(layout.layout, (4, 4))
    C = Tensor("C", 1, "float", enigma.Layout((16, 16), (16, 1)))
    k = enigma.compile(tiled_launch, A, C, 4, emit_only=True)
    divides = _ops(k.trace, "enigma.layout_zipped_divide")
    assert divides  # replayed on the swizzled layout value
    a = rng.standard_normal(256).astype(np.float32)
    c = np.zeros(256, np.float32)
    k(a, c)
    for r in range(16):
        for cc in range(16):
            assert c[r * 16 + cc] == a[layout((r, cc))] + 1


@enigma.kernel
def in_kernel_divide(A: enigma.f32, Out: enigma.f32):
    tid = enigma.thread_position_in_threadgroup.x
    t = enigma.make_tensor(A, SW16)
    tiles = enigma.zipped_divide(t, (4, 8))
    tile = tiles[None, tid // 32]
    Out[tid] = tile[tid % 32]
    tiles2 = tensor_zipped_divide(t, (8, 4))
    Out[256 + tid] = tiles2[tid % 32, tid // 32]


SW16 = enigma.ComposedLayout(enigma.Swizzle(2, 2, 3), 0, enigma.Layout((16, 16), (16, 1)))


@enigma.jit
def in_kernel_divide_launch():
    in_kernel_divide(None, None).launch(grid=256, block=256)


def test_in_kernel_divides_of_swizzled_tensors():
    k = enigma.compile(in_kernel_divide_launch, emit_only=True)
    a = rng.standard_normal(256).astype(np.float32)
    out = np.zeros(512, np.float32)
    k(a, out)
    d1 = enigma.zipped_divide(SW16, (4, 8))
    d2 = enigma.zipped_divide(SW16, (8, 4))
    assert isinstance(d1, enigma.ComposedLayout)
    for tid in range(256):
        assert out[tid] == a[d1((tid % 32, tid // 32))]
        assert out[256 + tid] == a[d2((tid % 32, tid // 32))]


@enigma.kernel
def tv_scale(gA, gC, tv_layout, tiler):
    tidx, _, _ = enigma.arch.thread_idx()
    bidx, _, _ = enigma.arch.block_idx()
    # a tile at a traced block (the swizzle's input moves), seen through a TV layout
    thrA = enigma.tensor_composition(gA[((None, None), bidx)], tv_layout, tiler)[(tidx, None)]
    thrC = enigma.tensor_composition(gC[((None, None), bidx)], tv_layout, tiler)[(tidx, None)]
    thrC.store(thrA.load() * 3.0)


@enigma.jit
def tv_scale_launch(mA, mC):
    thr = enigma.make_ordered_layout((4, 8), order=(1, 0))
    val = enigma.make_ordered_layout((2, 4), order=(1, 0))
    tiler, tv = enigma.make_layout_tv(thr, val)
    gA = tensor_zipped_divide(mA, tiler)
    gC = tensor_zipped_divide(mC, tiler)
    threads = enigma.size(tv, mode=[0])
    tv_scale(gA, gC, tv, tiler).launch(
        grid=(enigma.size(gA, mode=[1]) * threads, 1, 1), block=(threads, 1, 1)
    )


def test_tv_views_of_swizzled_tiles_at_a_traced_block():
    m, n = 32, 64
    layout = enigma.ComposedLayout(enigma.Swizzle(3, 2, 3), 0, enigma.Layout((m, n), (n, 1)))
    mA = Tensor("A", 0, "float", layout)
    mC = Tensor("C", 1, "float", enigma.Layout((m, n), (n, 1)))
    k = enigma.compile(tv_scale_launch, mA, mC, emit_only=True)
    a = rng.standard_normal(mA.cosize()).astype(np.float32)
    c = np.full(m * n, np.nan, np.float32)  # every element must be written
    k(a, c)
    src = np.array([[a[layout((r, cc))] for cc in range(n)] for r in range(m)], np.float32)
    np.testing.assert_array_equal(c.reshape(m, n), src * np.float32(3.0))


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


# Sw<1,0,-7> copies bit 0 up to bit 7: past the 8x16 tile, so its cosize exceeds the size.
REACHING = enigma.ComposedLayout(enigma.Swizzle(1, 0, -7), 0, enigma.Layout((8, 16), (16, 1)))


def test_device_buffer_smaller_than_the_swizzled_cosize():
    layout = REACHING
    assert enigma.cosize(layout) > 128
    A = Tensor("A", 0, "float", layout)
    assert A.cosize() == enigma.cosize(layout)
    k = enigma.compile(scatter_launch, A, 8, 16, emit_only=True)
    src = np.zeros(128, np.float32)
    with pytest.raises(enigma.EnigmaError, match=rf"needs at least {A.cosize()} elements"):
        k(np.zeros(128, np.float32), src)
    out = np.zeros(A.cosize(), np.float32)
    k(out, src)  # large enough


def test_threadgroup_array_smaller_than_the_swizzled_cosize():
    layout = REACHING

    @enigma.kernel
    def too_small(A: enigma.f32):
        tg = enigma.threadgroup_alloc("float", 128)
        tile = enigma.make_tensor(tg, layout)  # line checked below
        tile[0, 0] = A[0]

    @enigma.jit
    def launch():
        too_small(None).launch(grid=1, block=1)

    with pytest.raises(enigma.EnigmaError) as exc:
        enigma.compile(launch, emit_only=True)
    msg = str(exc.value)
    assert "test_tensor_swizzle.py" in msg and f"cosize {enigma.cosize(layout)}" in msg
    assert "has 128 elements" in msg


def test_bare_swizzle_and_wrong_coordinates_are_errors():
    with pytest.raises(enigma.EnigmaError, match="compose it with a layout"):
        Tensor("A", 0, "float", enigma.Swizzle(3, 0, 3))
    layout = _swizzled(8, 3, 0, 3)

    @enigma.kernel
    def bad(gA, Out: enigma.f32):
        i = enigma.thread_position_in_grid.x
        Out[i] = gA[(i, i), i]  # mode 0 is a single 8

    @enigma.jit
    def launch(A):
        bad(A, None).launch(grid=1, block=1)

    with pytest.raises(TypeError, match=r"does not match the layout shape") as exc:
        enigma.compile(launch, Tensor("A", 0, "float", layout), emit_only=True)
    assert "test_tensor_swizzle.py" in str(exc.value)
    with pytest.raises(enigma.EnigmaError, match="has no stride"):
        _ = Tensor("A", 0, "float", layout).stride


# ---------------------------------------------------------------------------------------------
# Swizzled views in the tile helpers and async copies
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def gemm_through_swizzled_tile(A: enigma.f32, B: enigma.f32, C: enigma.f32):
    t = enigma.thread_position_in_grid
    raw = enigma.threadgroup_alloc("float", 64)
    sw = enigma.make_tensor(raw, "Sw<2,1,2> o 0 o (8,8):(8,1)")
    with enigma.for_range(0, 2) as k:
        i = enigma.metal_cast(t, "int") * 2 + k
        sw[i // 8, i % 8] = A[enigma.metal_cast(i, "uint")]
    enigma.barrier()
    acc = enigma.register_tensor((8, 8), dtype="float", fill=0.0)
    with enigma.if_(enigma.cmp_eq(t, 0)):
        enigma.gemm(sw, B, acc, M=8, N=8, K=8, use_simdgroup=False)
        for r in range(8):
            for c in range(8):
                C[r * 8 + c] = acc[r, c]


def test_gemm_reads_a_swizzled_tile_through_its_layout():
    a = np.random.default_rng(3).random(64, dtype=np.float32)
    b = np.random.default_rng(4).random(64, dtype=np.float32)
    c = np.zeros(64, np.float32)
    k = enigma.compile(gemm_through_swizzled_tile, emit_only=True)
    k(a, b, c, grid=32, block=32)
    np.testing.assert_allclose(c.reshape(8, 8), a.reshape(8, 8) @ b.reshape(8, 8), rtol=1e-5)


def test_async_copy_refuses_a_swizzled_view():
    @enigma.kernel
    def k(A: enigma.f32):
        raw = enigma.threadgroup_alloc("float", 64)
        sw = enigma.make_tensor(raw, "Sw<2,1,2> o 0 o (8,8):(8,1)")
        ev = enigma.async_copy_1d_d2t(sw, 0, A, 0, 64)
        enigma.async_copy_wait(ev)

    with pytest.raises(TypeError, match="view through a swizzled layout"):
        enigma.compile(k)
