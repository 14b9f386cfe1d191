"""Property tests of the layout algebra against a brute-force functional oracle.

A layout is the function it computes: ``oracle(shape, stride, i)`` below evaluates it
from the shape/stride tuples alone (this file's own code, not the library's), and each
operation is checked against its definition on random layouts with a fixed seed.
"""

from __future__ import annotations

import math
import random
from typing import Any

import enigma
import pytest
from enigma import EnigmaError, Layout

SEED = 20261125
CASES = 400


def prod(t: Any) -> int:
    return math.prod(prod(x) for x in t) if isinstance(t, tuple) else t


def oracle(shape: Any, stride: Any, c: int) -> int:
    """layout(c) for an integer c: colexicographic split, the last mode unbounded."""
    if not isinstance(shape, tuple):
        return c * stride
    value = 0
    for k, (s, d) in enumerate(zip(shape, stride)):
        n = prod(s)
        value += oracle(s, d, c % n if k + 1 < len(shape) else c)
        c //= n
    return value


def oracle_crd(shape: Any, stride: Any, crd: Any) -> int:
    """layout(crd) for a hierarchical coordinate (an int at any level is split)."""
    if isinstance(crd, tuple):
        return sum(oracle_crd(s, d, c) for s, d, c in zip(shape, stride, crd))
    return oracle(shape, stride, crd)


def f(layout: Layout, i: int) -> int:
    return oracle(layout.shape, layout.stride, i)


def random_layout(rng: random.Random, depth: int = 2) -> Layout:
    def gen(d: int) -> Any:
        if d == 0 or rng.random() < 0.35:
            return (rng.choice([1, 2, 2, 3, 4, 4, 6, 8]), rng.choice([0, 1, 2, 3, 4, 8, 12, 16]))
        modes = [gen(d - 1) for _ in range(rng.randint(1, 3))]
        return tuple(m[0] for m in modes), tuple(m[1] for m in modes)

    while True:
        shape, stride = gen(depth)
        if prod(shape) <= 2048:
            return Layout(shape, stride)


def random_injective(rng: random.Random, drop: bool = True) -> tuple[Layout, int]:
    """A permutation of the modes of a compact layout, possibly with modes dropped (so
    it has holes); returns it and the size of the compact layout."""
    shape = [rng.choice([2, 2, 3, 4]) for _ in range(rng.randint(1, 4))]
    order = list(range(len(shape)))
    rng.shuffle(order)
    stride = [0] * len(shape)
    current = 1
    for k in order:
        stride[k] = current
        current *= shape[k]
    keep = [i for i in range(len(shape)) if not drop or i == 0 or rng.random() > 0.3]
    s = tuple(shape[i] for i in keep)
    d = tuple(stride[i] for i in keep)
    if len(s) == 1:
        return Layout(s[0], d[0]), current
    return Layout(s, d), current


def flat_shape(shape: Any) -> list[int]:
    return [x for s in shape for x in flat_shape(s)] if isinstance(shape, tuple) else [shape]


def random_reshape(rng: random.Random, a: Layout) -> Layout:
    """A compact layout over a's domain whose modes refine or merge a's modes in order,
    so that composition's divisibility conditions hold."""
    factors: list[int] = []
    for n in flat_shape(a.shape):
        p = 2
        while n > 1:
            if n % p == 0 and rng.random() < 0.7:
                n //= p
                factors.append(p)
            elif n % p == 0:
                factors.append(n)
                n = 1
            else:
                p += 1
    groups: list[int] = []
    for x in factors:
        if groups and rng.random() < 0.4:
            groups[-1] *= x
        else:
            groups.append(x)
    if not groups:
        return Layout(1)
    return Layout(tuple(groups)) if len(groups) > 1 else Layout(groups[0])


@pytest.fixture
def rng() -> random.Random:
    return random.Random(SEED)


def test_evaluation_matches_oracle(rng: random.Random) -> None:
    for _ in range(CASES):
        a = random_layout(rng, 3)
        assert a.values() == [f(a, i) for i in range(enigma.size(a))], a
        assert Layout.parse(repr(a)) == a


def test_coalesce_preserves_the_function(rng: random.Random) -> None:
    for _ in range(CASES):
        a = random_layout(rng, 3)
        c = enigma.coalesce(a)
        assert enigma.size(c) == enigma.size(a) and enigma.depth(c) <= 1
        assert [f(c, i) for i in range(enigma.size(a))] == [f(a, i) for i in range(enigma.size(a))]
        if enigma.rank(a) == 2:
            by_mode = enigma.coalesce(a, (1, 1))
            assert enigma.rank(by_mode) == 2
            for i in range(enigma.size(a)):
                assert f(by_mode, i) == f(a, i)


def test_composition_is_function_composition(rng: random.Random) -> None:
    for _ in range(CASES):
        a = random_layout(rng)
        b = random_reshape(rng, a)
        r = enigma.composition(a, b)
        assert enigma.size(r) == enigma.size(b)
        assert [f(r, i) for i in range(enigma.size(b))] == [
            f(a, f(b, i)) for i in range(enigma.size(b))
        ]


def test_complement_completes_to_a_bijection(rng: random.Random) -> None:
    for _ in range(CASES):
        a, m = random_injective(rng)
        c = enigma.complement(a, m)
        image = sorted(
            f(a, i) + f(c, j) for j in range(enigma.size(c)) for i in range(enigma.size(a))
        )
        assert image == list(range(m)), (a, m, c)
        values = [f(c, j) for j in range(enigma.size(c))]
        assert values == sorted(set(values))  # ordered


def test_inverses_invert(rng: random.Random) -> None:
    for _ in range(CASES):
        a, _ = random_injective(rng)
        r = enigma.right_inverse(a)
        assert all(f(a, f(r, i)) == i for i in range(enigma.size(r)))
        left = enigma.left_inverse(a)
        assert all(f(left, f(a, i)) == i for i in range(enigma.size(a)))
        b = random_layout(rng)
        r = enigma.right_inverse(b)
        assert all(f(b, f(r, i)) == i for i in range(enigma.size(r)))


def distributed(a: Layout, shape: Any, stride: Any, c: int) -> int:
    """a o b with the composition distributed over b's modes, as CuTe computes it:
    the sum over b's leaves of a(leaf value). Equal to a(b(c)) wherever a adds up over
    b's modes (e.g. a tile that divides the layout evenly)."""
    if not isinstance(shape, tuple):
        return f(a, c * stride)
    value = 0
    for k, (s, d) in enumerate(zip(shape, stride)):
        n = prod(s)
        value += distributed(a, s, d, c % n if k + 1 < len(shape) else c)
        c //= n
    return value


def test_divide_equals_its_defining_composition(rng: random.Random) -> None:
    checked = exact = 0
    for _ in range(CASES):
        a = random_layout(rng)
        b, _ = random_injective(rng, drop=rng.random() < 0.5)
        try:
            d = enigma.logical_divide(a, b)
        except EnigmaError as e:
            assert "tiler exceeds tensor" in str(e) or "divisibility" in str(e)
            if "tiler exceeds tensor" in str(e):
                assert enigma.cosize(b) > enigma.size(a)
            continue
        # CuTe 4.2: logical_divide(A, B) = A o (B, complement(B, shape(coalesce(A))))
        c = enigma.complement(b, enigma.coalesce(a).shape)
        t = enigma.make_layout(b, c)
        assert enigma.size(d) == enigma.size(t)
        additive = all(
            distributed(a, t.shape, t.stride, i) == f(a, f(t, i)) for i in range(enigma.size(t))
        )
        for i in range(enigma.size(d)):
            assert f(d, i) == distributed(a, t.shape, t.stride, i)
            if additive:
                assert f(d, i) == f(a, f(t, i))
        assert enigma.zipped_divide(a, b) == d  # a layout tiler: nothing to regroup
        checked += 1
        exact += additive
    assert checked > CASES // 10 and exact > checked // 2


def test_by_mode_divides_regroup_logical_divide(rng: random.Random) -> None:
    for _ in range(CASES // 4):
        m0, m1 = rng.choice([4, 8, 12, 16]), rng.choice([4, 6, 8])
        a = enigma.make_ordered_layout((m0, m1, 3), tuple(rng.sample(range(3), 3)))
        t0, t1 = rng.choice([t for t in (1, 2, 4) if m0 % t == 0]), rng.choice([1, 2])
        tiler = (Layout(t0), Layout(t1))
        ld = enigma.logical_divide(a, tiler)
        zd = enigma.zipped_divide(a, tiler)
        td = enigma.tiled_divide(a, tiler)
        fd = enigma.flat_divide(a, tiler)
        r0, r1 = m0 // t0, m1 // t1
        for i0 in range(t0):
            for i1 in range(t1):
                for j0 in range(r0):
                    for j1 in range(r1):
                        for k in range(3):
                            v = oracle_crd(ld.shape, ld.stride, ((i0, j0), (i1, j1), k))
                            assert oracle_crd(zd.shape, zd.stride, ((i0, i1), (j0, j1, k))) == v
                            assert oracle_crd(td.shape, td.stride, ((i0, i1), j0, j1, k)) == v
                            assert oracle_crd(fd.shape, fd.stride, (i0, i1, j0, j1, k)) == v


def test_product_equals_its_defining_composition(rng: random.Random) -> None:
    for _ in range(CASES):
        a, _ = random_injective(rng)
        b, _ = random_injective(rng, drop=False)
        try:
            p = enigma.logical_product(a, b)
        except EnigmaError as e:
            assert "divisibility" in str(e)
            continue
        # (A, complement(A, size(A)*cosize(B)) o B)
        c = enigma.complement(a, enigma.size(a) * enigma.cosize(b))
        n = enigma.size(a)
        for i in range(enigma.size(p)):
            assert f(p, i) == f(a, i % n) + distributed(c, b.shape, b.stride, i // n)


def test_blocked_and_raked_products_regroup_the_logical_product(rng: random.Random) -> None:
    for _ in range(CASES // 4):
        a = enigma.make_ordered_layout(
            (rng.choice([2, 3]), rng.choice([2, 4])), tuple(rng.sample(range(2), 2))
        )
        b = enigma.make_ordered_layout(
            (rng.choice([2, 3]), rng.choice([1, 2])), tuple(rng.sample(range(2), 2))
        )
        lp = enigma.logical_product(a, b)
        bp = enigma.blocked_product(a, b)
        rp = enigma.raked_product(a, b)
        a0, a1 = a.shape
        b0, b1 = b.shape
        for i0 in range(a0):
            for i1 in range(a1):
                for j0 in range(b0):
                    for j1 in range(b1):
                        v = oracle_crd(lp.shape, lp.stride, (i0 + a0 * i1, j0 + b0 * j1))
                        assert oracle_crd(bp.shape, bp.stride, (i0 + a0 * j0, i1 + a1 * j1)) == v
                        assert oracle_crd(rp.shape, rp.stride, (j0 + b0 * i0, j1 + b1 * i1)) == v


def test_make_layout_tv_inverts_the_raked_product(rng: random.Random) -> None:
    for _ in range(CASES // 4):
        thr = enigma.make_ordered_layout(
            (rng.choice([1, 2, 4]), rng.choice([2, 4, 8])), tuple(rng.sample(range(2), 2))
        )
        val = enigma.make_ordered_layout(
            (rng.choice([1, 2]), rng.choice([1, 2, 4])), tuple(rng.sample(range(2), 2))
        )
        tiler, tv = enigma.make_layout_tv(thr, val)
        mn = enigma.raked_product(thr, val)
        n = enigma.size(thr) * enigma.size(val)
        assert prod(tiler) == n and enigma.size(tv) == n
        assert sorted(tv.values()) == list(range(n))  # a bijection onto the tile
        for i in range(n):
            assert f(mn, f(tv, i)) == i
