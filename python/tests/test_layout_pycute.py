"""Differential tests against CUTLASS's pycute (shipped in the nvidia-cutlass wheel).

pycute is only an oracle here; the library never imports it. Install it with
``pip install --no-deps nvidia-cutlass`` (pure Python, no CUDA needed for pycute).

pycute is a simplified port of CuTe and differs from the C++ library in documented
ways, which these tests account for rather than paper over:

* its compact strides give size-1 modes the running stride instead of 0, so inputs
  are always built with explicit strides;
* its composition follows older CuTe (a strict stride condition, floor division), so
  compositions are compared as functions and, coalesced, mode by mode; its left_inverse
  is right_inverse((A, complement(A))) where CuTe 4.2 builds a quasi-inverse, so the
  two are compared on A's image;
* beyond a layout's domain C++ CuTe (and Enigma) extend it along its last mode, even a
  trailing size-1 one (``coalesce_x``), while pycute coalesces first; compositions
  whose right operand reaches past the left one's size are therefore not compared;
* its composition does not check the shape divisibility condition and floors the
  remaining size instead, returning a layout of the wrong size where A o B has no
  layout; there the core must report the failed condition;
* its logical_divide complements against ``size(A)`` where C++ CuTe (and Enigma) use
  ``shape(A)``; the two agree when the tile divides the modes evenly, which is how
  the inputs are generated.
"""

from __future__ import annotations

import random
from typing import Any

import enigma
import pytest
from enigma import EnigmaError, Layout

pycute = pytest.importorskip("pycute")

SEED = 4242
CASES = 300


def to_pycute(layout: Layout) -> Any:
    return pycute.Layout(layout.shape, layout.stride)


def same(ours: Layout, theirs: Any) -> bool:
    return ours.shape == theirs.shape and ours.stride == theirs.stride


def function(layout: Any, n: int) -> list:
    return [layout(i) for i in range(n)]


def flat(t: Any) -> list:
    return [x for e in t for x in flat(e)] if isinstance(t, tuple) else [t]


def random_layout(rng: random.Random) -> Layout:
    def gen(d: int) -> tuple[Any, Any]:
        if d == 0 or rng.random() < 0.4:
            return rng.choice([1, 2, 3, 4, 8]), rng.choice([0, 1, 2, 4, 6, 16])
        modes = [gen(d - 1) for _ in range(rng.randint(2, 3))]
        return tuple(m[0] for m in modes), tuple(m[1] for m in modes)

    shape, stride = gen(2)
    return Layout(shape, stride)


def random_injective(rng: random.Random) -> tuple[Layout, int]:
    shape = [rng.choice([2, 4, 8]) for _ in range(rng.randint(1, 3))]
    order = list(range(len(shape)))
    rng.shuffle(order)
    stride = [0] * len(shape)
    current = 1
    for k in order:
        stride[k] = current
        current *= shape[k]
    keep = [i for i in range(len(shape)) if i == 0 or rng.random() > 0.3]
    if len(keep) == 1:
        return Layout(shape[keep[0]], stride[keep[0]]), current
    return Layout(tuple(shape[i] for i in keep), tuple(stride[i] for i in keep)), current


@pytest.fixture
def rng() -> random.Random:
    return random.Random(SEED)


def test_coalesce_matches_pycute_exactly(rng: random.Random) -> None:
    for _ in range(CASES):
        a = random_layout(rng)
        assert same(enigma.coalesce(a), pycute.coalesce(to_pycute(a))), a


def test_complement_matches_pycute_exactly(rng: random.Random) -> None:
    for _ in range(CASES):
        a, m = random_injective(rng)
        assert same(enigma.complement(a, m), pycute.complement(to_pycute(a), m)), (a, m)


def test_composition_matches_pycute_as_functions(rng: random.Random) -> None:
    compared = 0
    for _ in range(CASES):
        a = random_layout(rng)
        b, _ = random_injective(rng)
        if enigma.cosize(b) > enigma.size(a):
            continue  # outside A's domain the two extend A differently (see above)
        try:
            theirs = pycute.composition(to_pycute(a), to_pycute(b))
        except AssertionError:
            # pycute asserts the strict stride condition of older CuTe; CuTe 4.2 (and
            # the core) also accept a stride landing inside a mode as long as it
            # stays there. Either the core refuses too, or each of B's modes is
            # composed exactly.
            try:
                enigma.composition(a, b)
            except EnigmaError as e:
                assert "divisibility" in str(e)
                continue
            for s, d in zip(flat(b.shape), flat(b.stride)):
                leaf = enigma.composition(a, Layout(s, d))
                assert function(leaf, s) == [to_pycute(a)(j * d) for j in range(s)]
            continue
        n = enigma.size(b)
        if pycute.size(theirs) != n:
            # pycute floors the remaining size where it does not divide a mode and
            # silently returns a layout of the wrong size; there is no layout for
            # A o B there, and the core says so.
            with pytest.raises(EnigmaError, match="shape divisibility"):
                enigma.composition(a, b)
            continue
        ours = enigma.composition(a, b)
        assert function(ours, n) == function(theirs, n), (a, b, ours, theirs)
        # Same function and the same coalesced form, mode by mode of B.
        profile = tuple(1 for _ in range(enigma.rank(b))) if enigma.rank(b) > 1 else 1
        theirs_layout = Layout(theirs.shape, theirs.stride)
        assert enigma.coalesce(ours, profile) == enigma.coalesce(theirs_layout, profile)
        compared += 1
    assert compared > CASES // 10


def test_inverses_match_pycute(rng: random.Random) -> None:
    for _ in range(CASES):
        a, _ = random_injective(rng)
        ours = enigma.right_inverse(a)
        theirs = pycute.coalesce(pycute.right_inverse(to_pycute(a)))
        assert same(ours, theirs), ("right_inverse", a, ours, theirs)
        # CuTe 4.2's left_inverse is a quasi-inverse built differently from pycute's
        # right_inverse((A, complement(A))); both invert A on its image.
        ours = enigma.left_inverse(a)
        theirs = pycute.left_inverse(to_pycute(a))
        image = [a(i) for i in range(enigma.size(a))]
        assert [ours(x) for x in image] == [theirs(x) for x in image] == list(range(len(image)))


def test_divides_match_pycute(rng: random.Random) -> None:
    for _ in range(CASES):
        # Tiles that divide each mode evenly (see the module docstring).
        m = (rng.choice([4, 8, 16]), rng.choice([4, 8, 32]))
        a = Layout(m, rng.choice([(1, m[0]), (m[1], 1), (2, 2 * m[0])]))
        tile = (Layout(rng.choice([1, 2, 4]), rng.choice([1, 2])), Layout(rng.choice([2, 4]), 1))
        theirs_tile = tuple(to_pycute(t) for t in tile)
        for ours_fn, theirs_fn in (
            (enigma.logical_divide, pycute.logical_divide),
            (enigma.zipped_divide, pycute.zipped_divide),
            (enigma.tiled_divide, pycute.tiled_divide),
        ):
            try:
                ours = ours_fn(a, tile)
            except EnigmaError as e:
                assert "tiler exceeds tensor" in str(e)
                continue
            theirs = theirs_fn(to_pycute(a), theirs_tile)
            n = enigma.size(ours)
            assert function(ours, n) == function(theirs, n), (ours_fn.__name__, a, tile)
            assert enigma.rank(ours) == len(theirs)


def test_products_match_pycute(rng: random.Random) -> None:
    for _ in range(CASES):
        a, _ = random_injective(rng)
        b, _ = random_injective(rng)
        try:
            theirs = pycute.logical_product(to_pycute(a), to_pycute(b))
        except AssertionError:
            with pytest.raises(EnigmaError, match="divisibility"):
                enigma.logical_product(a, b)
            continue
        ours = enigma.logical_product(a, b)
        n = enigma.size(ours)
        assert function(ours, n) == function(theirs, n), (a, b)
        assert ours[0] == a
