"""Swizzles, swizzled (composed) layouts, recast_layout, tile_to_shape, make_identity_layout
and the Layout methods: oracle tests against pycute (CUTLASS's Python CuTe) where it has
the operation, brute force from the documented formulas, and algebraic properties.
python/tests/test_layout_cute_cpp.py checks the same operations against C++ CuTe.
"""

from __future__ import annotations

import pickle
import random
import re
from typing import Any

import enigma
import pytest
from enigma import ComposedLayout, EnigmaError, Layout, Swizzle

SEED = 2828
CASES = 300


def formula(b: int, m: int, s: int, x: int) -> int:
    """CuTe's Swizzle<B,M,S>, written out from its definition."""
    bits = (1 << b) - 1
    yyy = bits << (m + max(0, s))
    y = x & yyy
    return x ^ (y >> s if s >= 0 else y << -s)


def random_swizzle(
    rng: random.Random, max_total: int = 12, zero_shift: bool = True
) -> tuple[int, int, int]:
    """zero_shift=False for pycute, whose shiftr/shiftl recurse forever on a shift of 0."""
    while True:
        b = rng.randint(0, 4)
        m = rng.randint(0, 5)
        s = rng.choice([-1, 1]) * rng.randint(b, b + 3)
        if b + m + abs(s) <= max_total and (zero_shift or s != 0):
            return b, m, s


def random_layout(rng: random.Random) -> Layout:
    def gen(d: int) -> tuple[Any, Any]:
        if d == 0 or rng.random() < 0.45:
            return rng.choice([1, 2, 3, 4, 8]), rng.choice([0, 1, 2, 4, 6, 16, 64])
        modes = [gen(d - 1) for _ in range(rng.randint(2, 3))]
        return tuple(m[0] for m in modes), tuple(m[1] for m in modes)

    while True:
        shape, stride = gen(2)
        layout = Layout(shape, stride)
        if layout.size() <= 512:
            return layout


def flat(t: Any) -> list:
    return [x for e in t for x in flat(e)] if isinstance(t, tuple) else [t]


def random_coord(rng: random.Random, shape: Any) -> Any:
    if isinstance(shape, tuple):
        return tuple(random_coord(rng, s) for s in shape)
    return rng.randrange(shape)


# ------------------------------------------------------------------------------------
# Swizzle
# ------------------------------------------------------------------------------------


def test_swizzle_matches_formula_and_is_an_involution() -> None:
    rng = random.Random(SEED)
    for _ in range(CASES):
        b, m, s = random_swizzle(rng, 62)
        sw = Swizzle(b, m, s)
        for _ in range(20):
            x = rng.randrange(-(1 << 62), 1 << 62)
            assert sw(x) == formula(b, m, s, x), (b, m, s, x)
            assert sw(sw(x)) == x
        assert sw.yyy_mask == ((1 << b) - 1) << (m + max(0, s))
        assert sw.zzz_mask == ((1 << b) - 1) << (m - min(0, s))


def test_swizzle_permutes_its_domain() -> None:
    rng = random.Random(SEED + 1)
    for _ in range(50):
        sw = Swizzle(*random_swizzle(rng))
        n = sw.size()
        assert sorted(sw(x) for x in range(n)) == list(range(n))


def test_swizzle_matches_pycute() -> None:
    pycute = pytest.importorskip("pycute")
    rng = random.Random(SEED + 2)
    for _ in range(CASES):
        b, m, s = random_swizzle(rng, 40, zero_shift=False)
        theirs = pycute.Swizzle(b, m, s)
        ours = Swizzle(b, m, s)
        assert ours.size() == theirs.size()
        for _ in range(20):
            x = rng.randrange(0, 1 << 40)
            assert ours(x) == theirs(x)


def test_swizzle_value_semantics() -> None:
    sw = Swizzle(3, 4, 3)
    assert str(sw) == "Sw<3,4,3>"
    assert repr(sw) == "Swizzle(3, 4, 3)"
    assert sw == Swizzle(3, 4, 3) and sw != Swizzle(3, 4, 4)
    assert len({sw, Swizzle(3, 4, 3)}) == 1
    assert pickle.loads(pickle.dumps(sw)) == sw
    assert (sw.bits, sw.base, sw.shift) == (3, 4, 3)


@pytest.mark.parametrize("params", [(3, 4, 2), (-1, 0, 1), (1, -1, 1), (2, 60, 2), (1, 0, 70)])
def test_invalid_swizzles_are_rejected(params: tuple[int, int, int]) -> None:
    with pytest.raises(EnigmaError, match="invalid swizzle"):
        Swizzle(*params)


def test_swizzle_rejects_non_integers() -> None:
    with pytest.raises(EnigmaError, match="must be an integer"):
        Swizzle(3, 4, 3)(1.5)
    with pytest.raises(EnigmaError, match="must be an integer"):
        Swizzle(3, "4", 3)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------
# Composed layouts
# ------------------------------------------------------------------------------------


def random_composed(
    rng: random.Random, zero_shift: bool = True
) -> tuple[ComposedLayout, tuple[int, int, int], int]:
    params = random_swizzle(rng, zero_shift=zero_shift)
    offset = rng.choice([0, 0, 0, 1, 16, 96])
    return ComposedLayout(Swizzle(*params), offset, random_layout(rng)), params, offset


def test_composed_layouts_match_pycute() -> None:
    pycute = pytest.importorskip("pycute")
    rng = random.Random(SEED + 3)
    for _ in range(CASES):
        ours, params, offset = random_composed(rng, zero_shift=False)
        inner = ours.layout
        theirs = pycute.ComposedLayout(
            pycute.Swizzle(*params), offset, pycute.Layout(inner.shape, inner.stride)
        )
        n = ours.size()
        assert n == pycute.size(theirs)
        assert ours.values() == [theirs(i) for i in range(n)]
        for _ in range(5):
            c = random_coord(rng, inner.shape)
            assert ours(c) == theirs(c), (ours, c)
        if inner.rank() > 1:
            for i in range(inner.rank()):
                sub = ours[i]
                assert sub.values() == [theirs[i](j) for j in range(sub.size())]


def test_composed_layouts_brute_force() -> None:
    rng = random.Random(SEED + 4)
    for _ in range(CASES):
        ours, params, offset = random_composed(rng)
        inner = ours.layout
        expected = [formula(*params, offset + inner(i)) for i in range(inner.size())]
        assert ours.values() == expected
        assert [ours(i) for i in range(inner.size())] == expected
        assert ours.cosize() == max(expected) + 1
        assert ours.shape == inner.shape
        assert (ours.rank(), ours.depth(), len(ours)) == (inner.rank(), inner.depth(), len(inner))
        assert enigma.size(ours) == enigma.size(inner)
        assert enigma.cosize(ours) == ours.cosize()


def test_composed_cosize_of_a_large_layout_is_bounded() -> None:
    # More than 2**22 elements: the bound (every bit up to the swizzled ones set).
    big = enigma.composition(Swizzle(3, 4, 3), Layout((8, 1 << 20), (1, 8)))
    assert big.cosize() == 1 << 23
    assert big((7, (1 << 20) - 1)) < 1 << 23


def test_composed_text_round_trip_and_equality() -> None:
    c = ComposedLayout(Swizzle(3, 4, 3), 0, Layout((8, 64), (64, 1)))
    assert repr(c) == "Sw<3,4,3> o 0 o (8,64):(64,1)"
    assert ComposedLayout.parse(repr(c)) == c
    assert ComposedLayout.parse("Sw<_3,_4,_3> o _0 o (_8,_64):(_64,_1)") == c
    assert ComposedLayout.parse("Sw<3,4,3> o (8,64):(64,1)") == c
    assert ComposedLayout.parse("Sw<2,0,-2> o 5 o (4,4)") == ComposedLayout(
        Swizzle(2, 0, -2), 5, Layout((4, 4))
    )
    assert hash(c) == hash(ComposedLayout.parse(repr(c)))
    assert pickle.loads(pickle.dumps(c)) == c
    assert c.swizzle == Swizzle(3, 4, 3) and c.offset == 0 and c.layout == Layout((8, 64), (64, 1))
    assert c != ComposedLayout(Swizzle(3, 4, 3), 1, Layout((8, 64), (64, 1)))
    assert enigma.make_composed_layout(Swizzle(3, 4, 3), 0, Layout((8, 64), (64, 1))) == c
    assert enigma.composition(Swizzle(3, 4, 3), Layout((8, 64), (64, 1))) == c
    # The identity swizzle composes away, as in CuTe.
    assert enigma.composition(Swizzle(0, 4, 3), Layout(8)) == Layout(8)


@pytest.mark.parametrize(
    "text", ["Sw<3,4,3> (8,64):(64,1)", "Sw<3,4> o 8:1", "sw<1,0,1> o 8:1", "Sw<1,0,1> o 0 o"]
)
def test_composed_parse_errors(text: str) -> None:
    with pytest.raises(EnigmaError):
        ComposedLayout.parse(text)


def test_composed_operations_act_on_the_inner_layout() -> None:
    sw = Swizzle(2, 1, 3)
    inner = Layout((8, 16), (16, 1))
    c = ComposedLayout(sw, 0, inner)
    for name, arg in [
        ("logical_divide", (2, 4)),
        ("zipped_divide", (2, 4)),
        ("tiled_divide", (2, 4)),
        ("flat_divide", (2, 4)),
        ("logical_product", Layout(2)),
        ("zipped_product", (Layout(2), Layout(2))),
        ("blocked_product", Layout((2, 2))),
        ("raked_product", Layout((2, 2))),
        ("composition", Layout((4, 4), (16, 1))),
    ]:
        fn = getattr(enigma, name)
        assert fn(c, arg) == ComposedLayout(sw, 0, fn(inner, arg)), name
    assert enigma.coalesce(c) == ComposedLayout(sw, 0, enigma.coalesce(inner))
    assert enigma.tile_to_shape(c, (16, 32)) == ComposedLayout(
        sw, 0, enigma.tile_to_shape(inner, (16, 32))
    )
    assert enigma.complement(c, 256) == enigma.complement(inner, 256)
    assert c[1] == ComposedLayout(sw, 0, inner[1])
    # The divided layout is still the same function on its domain.
    d = enigma.zipped_divide(c, (2, 4))
    assert sorted(d.values()) == sorted(c.values())


def test_composed_layout_errors() -> None:
    c = ComposedLayout(Swizzle(3, 4, 3), 0, Layout((8, 64), (64, 1)))
    with pytest.raises(EnigmaError, match="has no stride"):
        _ = c.stride
    with pytest.raises(EnigmaError, match="must be an enigma.Swizzle"):
        ComposedLayout(Layout(4), 0, Layout(4))  # type: ignore[arg-type]
    with pytest.raises(EnigmaError, match="must be an enigma.Layout"):
        ComposedLayout(Swizzle(1, 0, 1), 0, (4, 4))  # type: ignore[arg-type]
    with pytest.raises(EnigmaError, match="not a layout"):
        enigma.composition(Layout(8), c)
    with pytest.raises(EnigmaError, match="swizzle of a swizzled layout"):
        enigma.composition(Swizzle(1, 0, 1), c)
    with pytest.raises(EnigmaError, match="recast_layout of the swizzled layout"):
        enigma.recast_layout(32, 16, c)
    with pytest.raises(EnigmaError, match="must be an enigma.Layout"):
        enigma.right_inverse(c)
    with pytest.raises(EnigmaError, match="overflow"):
        ComposedLayout(Swizzle(1, 0, 1), (1 << 63) - 1, Layout(4))(3)


def test_swizzle_conflict_free_rows() -> None:
    # The classic use: Sw<3,4,3> over a row-major 8x64 tile of halves spreads each column
    # of 16-byte chunks over all 8 chunk positions of a 128-byte line.
    c = enigma.composition(Swizzle(3, 4, 3), Layout((8, 64), (64, 1)))
    for col in range(0, 64, 8):
        chunks = {(c((row, col)) % 128) // 16 for row in range(8)}
        assert len(chunks) == 8


# ------------------------------------------------------------------------------------
# recast_layout, upcast, downcast
# ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "new_bits, old_bits, layout, expected",
    [
        (32, 16, Layout((8, 8), (8, 1)), Layout((8, 4), (4, 1))),
        (8, 32, Layout((4, 4), (4, 1)), Layout((4, 16), (16, 1))),
        (16, 16, Layout((4, 4), (4, 1)), Layout((4, 4), (4, 1))),
        (24, 16, Layout((6, 6), (6, 1)), Layout((6, 4), (4, 1))),
        (64, 16, Layout((4, (2, 8)), (0, (1, 2))), Layout((4, (1, 4)), (0, (1, 1)))),
    ],
)
def test_recast_layout_examples(
    new_bits: int, old_bits: int, layout: Layout, expected: Layout
) -> None:
    assert enigma.recast_layout(new_bits, old_bits, layout) == expected


def random_vectorizable(rng: random.Random, n: int) -> Layout:
    """A compact layout (random mode order) whose stride-1 mode is a multiple of n."""
    shape = [rng.choice([1, 2, 4]) * rng.choice([1, 2]) for _ in range(rng.randint(1, 3))]
    order = list(range(len(shape)))
    rng.shuffle(order)
    shape[order.index(0)] = n * rng.choice([1, 2, 4])
    if len(shape) == 1:
        return Layout(shape[0])
    return enigma.make_ordered_layout(tuple(shape), tuple(order))


def test_upcast_then_downcast_round_trips() -> None:
    rng = random.Random(SEED + 5)
    for _ in range(CASES):
        n = rng.choice([2, 4, 8])
        layout = random_vectorizable(rng, n)
        up = enigma.upcast(layout, n)
        unit_modes = sum(1 for d in flat(up.stride) if d == 1)
        if unit_modes == 1:  # else downcast also widens the modes upcast made stride 1
            assert enigma.downcast(up, n) == layout
            assert enigma.recast_layout(16, 16 * n, up) == layout
        assert up.size() * n == layout.size()
        assert enigma.recast_layout(16 * n, 16, layout) == up
        # Element i of the wide view covers the narrow elements n*up(i) ... n*up(i) + n - 1,
        # the first of which is layout's value at the matching coordinate.
        narrow = set(layout.values())
        for v in up.values():
            assert all(n * v + k in narrow for k in range(n))


def test_recast_errors() -> None:
    with pytest.raises(EnigmaError, match="do not divide one another"):
        enigma.upcast(Layout((8, 4), (3, 1)), 2)
    with pytest.raises(EnigmaError, match="no stride-1 mode"):
        enigma.recast_layout(16, 32, Layout((4, 8), (8, 2)))
    with pytest.raises(EnigmaError, match="must be positive"):
        enigma.recast_layout(0, 16, Layout(4))
    with pytest.raises(EnigmaError, match="not positive"):
        enigma.upcast(Layout(4), 0)
    with pytest.raises(EnigmaError, match="must be an enigma.Layout"):
        enigma.recast_layout(32, 16, (8, 8))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------
# tile_to_shape
# ------------------------------------------------------------------------------------


def test_tile_to_shape_examples() -> None:
    block = Layout((2, 2), (1, 2))
    assert enigma.tile_to_shape(block, (4, 6)) == Layout(((2, 2), (2, 3)), ((1, 4), (2, 8)))
    assert enigma.tile_to_shape(block, (4, 6), order=(1, 0)) == Layout(
        ((2, 2), (2, 3)), ((1, 12), (2, 4))
    )
    assert enigma.tile_to_shape(Layout(4), (8, 2)) == Layout(((4, 2), (1, 2)), ((1, 4), (0, 8)))


def test_tile_to_shape_properties() -> None:
    rng = random.Random(SEED + 6)
    for _ in range(CASES):
        r = rng.randint(1, 3)
        block_shape = tuple(rng.choice([1, 2, 4]) for _ in range(rng.randint(1, r)))
        order = tuple(rng.sample(range(len(block_shape)), len(block_shape)))
        block = (
            enigma.make_ordered_layout(block_shape, order)
            if len(block_shape) > 1
            else Layout(block_shape[0])
        )
        reps = tuple(rng.choice([1, 2, 3]) for _ in range(r))
        padded = block_shape + (1,) * (r - len(block_shape))
        target = tuple(p * k for p, k in zip(padded, reps))
        rep_order = tuple(rng.sample(range(r), r))
        out = enigma.tile_to_shape(block, target, rep_order)
        for i in range(r):
            assert out.size(i) == target[i]
        # The tiling is a bijection onto [0, size) (the block is compact).
        assert sorted(out.values()) == list(range(out.size()))
        # And it is the blocked product by the ordered repetitions.
        pad = block
        if r > pad.rank():
            pad = enigma.make_layout(*(list(pad) + [Layout(1, 0)] * (r - pad.rank())))
        expected = enigma.blocked_product(pad, enigma.make_ordered_layout(reps, rep_order))
        assert out == expected


def test_tile_to_shape_errors() -> None:
    with pytest.raises(EnigmaError, match="does not divide mode 1"):
        enigma.tile_to_shape(Layout((2, 3)), (4, 8))
    with pytest.raises(EnigmaError, match="more modes than the target shape"):
        enigma.tile_to_shape(Layout((2, 2)), 8)
    with pytest.raises(EnigmaError, match="must be an enigma.Layout"):
        enigma.tile_to_shape((2, 2), (4, 4))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------
# make_identity_layout, make_layout_tv, complement's keyword, Layout methods
# ------------------------------------------------------------------------------------


def test_make_identity_layout() -> None:
    rng = random.Random(SEED + 7)
    for shape in [8, (4, 8), ((2, 3), 4), (1, 5)]:
        ident = enigma.make_identity_layout(shape)
        assert ident == Layout(shape)
        for _ in range(10):
            c = random_coord(rng, shape)
            assert ident(c) == enigma.crd2idx(c, shape)
            assert enigma.idx2crd(ident(c), shape) == c


def test_make_layout_tv_reference_example() -> None:
    # The reference's example: 4x64 threads and 4x4 values per thread, both row-major.
    thr = enigma.make_ordered_layout((4, 64), order=(1, 0))
    val = enigma.make_ordered_layout((4, 4), order=(1, 0))
    assert thr == Layout((4, 64), (64, 1))
    tiler, tv = enigma.make_layout_tv(thr, val)
    assert tiler == (16, 256)
    assert tv.shape == ((64, 4), (4, 4))
    assert tv.size(0) == 256 and tv.size(1) == 16
    # Every (thread, value) owns one distinct element of the 16x256 tile; thread t's values
    # are the 4x4 block at rows 4*(t // 64), columns 4*(t % 64), in row-major value order.
    assert sorted(tv.values()) == list(range(16 * 256))
    for t in (0, 1, 63, 64, 255):
        for v in range(16):
            row, col = enigma.idx2crd(tv((t, v)), tiler)
            assert (row, col) == (4 * (t // 64) + v // 4, 4 * (t % 64) + v % 4)


def test_complement_cosize_keyword() -> None:
    L = Layout(4, 2)
    expected = Layout((2, 3), (1, 8))
    assert enigma.complement(L, 24) == expected
    assert enigma.complement(L, cosize=24) == expected
    assert enigma.complement(L, cotarget=24) == expected
    assert enigma.complement(L) == enigma.complement(L, L.cosize())
    with pytest.raises(EnigmaError, match="not both"):
        enigma.complement(L, 24, cotarget=24)


def test_layout_methods_match_free_functions() -> None:
    rng = random.Random(SEED + 8)
    for _ in range(100):
        L = random_layout(rng)
        assert L.size() == enigma.size(L)
        assert L.cosize() == enigma.cosize(L)
        assert L.rank() == enigma.rank(L) == len(L)
        assert L.depth() == enigma.depth(L)
        for i in range(L.rank()):
            assert L.size(i) == enigma.size(L, i) == enigma.size(L[i])
            assert L.size([i]) == L.size(i)
    L = enigma.Layout((4, 8), (1, 4))
    assert L((2, 3)) == 14
    assert (L.size(), L.size(mode=[1]), L.cosize(), L.rank(), L.depth()) == (32, 8, 32, 2, 1)
    assert (L.shape, L.stride) == ((4, 8), (1, 4))
    assert enigma.Layout((4, 8)).stride == (1, 4)


# ------------------------------------------------------------------------------------
# The IR: a swizzled layout's text is an #enigma.layout attribute; folding and lowering
# agree with the Python evaluation
# ------------------------------------------------------------------------------------


def _enigma_opt() -> str | None:
    from enigma import _capi

    tool = _capi.library_path().parent.parent / "bin" / "enigma-opt"
    return str(tool) if tool.exists() else None


def test_swizzled_layouts_fold_in_the_ir_like_in_python() -> None:
    import subprocess

    tool = _enigma_opt()
    if tool is None:
        pytest.skip("enigma-opt is not built next to libEnigmaCAPI.so")
    rng = random.Random(SEED + 9)
    funcs, expected = [], []
    for k in range(40):
        c, _, _ = random_composed(rng)
        flat_coord = [rng.randrange(n) for n in flat(c.shape)]
        consts = "\n".join(
            f"  %c{k}_{i} = arith.constant {v} : index" for i, v in enumerate(flat_coord)
        )
        args = ", ".join(f"%c{k}_{i}" for i in range(len(flat_coord)))
        funcs.append(
            f"func.func @f{k}() -> (index, index) {{\n{consts}\n"
            f"  %l = enigma.layout_constant #enigma.layout<{c}>\n"
            f"  %o = enigma.layout_apply %l [{args}]\n"
            f"  %s = enigma.layout_cosize %l\n"
            f"  return %o, %s : index, index\n}}"
        )
        # The same coordinate, as a (nested) Python coordinate of the inner layout.
        it = iter(flat_coord)

        def rebuild(shape: Any, it: Any = it) -> Any:
            if isinstance(shape, tuple):
                return tuple(rebuild(s, it) for s in shape)
            return next(it)

        expected.append((c(rebuild(c.shape)), c.cosize()))
    out = subprocess.run(
        [tool, "-canonicalize"],
        input="\n".join(funcs),
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    for k, (offset, cos) in enumerate(expected):
        body = out.stdout.split(f"func.func @f{k}()")[1].split("}")[0]
        values = dict(re.findall(r"(%\w+) = arith.constant (-?\d+) : index", body))
        returned = re.search(r"return (%\w+), (%\w+)", body)
        assert returned, body
        assert (int(values[returned[1]]), int(values[returned[2]])) == (offset, cos), (k, body)
