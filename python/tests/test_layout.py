"""Tests of enigma.Layout and the layout algebra functions (wrappers over the C core).

Expected values are CuTe's documented examples (CUTLASS media/docs/cpp/cute/
01_layout.md and 02_layout_algebra.md) and hand-checked cases.
"""

from __future__ import annotations

import pickle

import enigma
import pytest
from enigma import EnigmaError, Layout


def L(shape, stride=None) -> Layout:
    return Layout(shape, stride)


# --------------------------------------------------------------------------------------
# Construction, evaluation, text
# --------------------------------------------------------------------------------------


def test_compact_default_is_column_major_with_stride_zero_for_size_one() -> None:
    assert repr(L(((2, 4), 8))) == "((2,4),8):((1,2),8)"
    assert L((1, 8)).stride == (0, 1)
    assert L(8).stride == 1
    assert L((8,)).shape == (8,)  # a rank-1 tuple is not an integer
    assert repr(L((8,))) == "(8):(1)"


def test_shape_stride_round_trip() -> None:
    layout = L(((2, 4), 8), ((1, 2), 16))
    assert layout.shape == ((2, 4), 8)
    assert layout.stride == ((1, 2), 16)
    assert Layout.parse(repr(layout)) == layout
    assert Layout.parse("(_2,_4):(_4,_1)") == L((2, 4), (4, 1))
    assert pickle.loads(pickle.dumps(layout)) == layout


def test_evaluation_by_index_and_coordinate() -> None:
    layout = L(((2, 4), 8), ((1, 2), 16))
    assert layout(0) == 0
    assert layout((1, 3), 5) == 1 + 6 + 80
    assert layout(((1, 3), 5)) == 87
    assert layout(7, 5) == 87  # an integer coordinate of a tuple mode is split
    assert layout(63) == 119
    row_major = L((2, 3), (3, 1))
    assert [row_major(i) for i in range(6)] == [0, 3, 1, 4, 2, 5]
    assert row_major.values() == [0, 3, 1, 4, 2, 5]


def test_equality_hash_len_and_mode_selection() -> None:
    a = L((4, (2, 3)), (1, (4, 8)))
    assert a == L((4, (2, 3)), (1, (4, 8)))
    assert a != L((4, (2, 3)), (1, (4, 9)))
    assert len({a, L((4, (2, 3)), (1, (4, 8)))}) == 1
    assert len(a) == 2
    assert a[1] == L((2, 3), (4, 8))
    assert a[1, 0] == L(2, 4)
    assert L(8)[0] == L(8)
    assert list(a) == [L(4, 1), L((2, 3), (4, 8))]
    assert list(L(8)) == [L(8)]
    assert (a == 3) is False


def test_invalid_layouts_raise_with_the_core_message() -> None:
    with pytest.raises(EnigmaError, match=r"stride \(1\) is not congruent to shape \(2,3\)"):
        L((2, 3), (1,))
    with pytest.raises(EnigmaError, match="shape 0 is not positive"):
        L((2, 0))
    with pytest.raises(EnigmaError, match="empty tuple"):
        L(())
    with pytest.raises(EnigmaError, match="must be an integer or a tuple"):
        L("8")
    with pytest.raises(EnigmaError, match="parse error|expected"):
        Layout.parse("(2,4:(1,2)")
    with pytest.raises(EnigmaError, match="does not match the profile"):
        L((4, (2, 3)))(1, 2, 3)
    with pytest.raises(EnigmaError, match="negative"):
        L(4)(-1)


# --------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------


def test_size_cosize_rank_depth() -> None:
    layout = L(((2, 4), 8), ((1, 2), 16))
    assert enigma.size(layout) == 64
    assert enigma.size(layout, 0) == 8
    assert enigma.size(layout, [0, 1]) == 4
    assert enigma.size(((2, 4), 8)) == 64
    assert enigma.size(((2, 4), 8), mode=[0]) == 8
    assert enigma.cosize(layout) == 1 + 7 + 7 * 16
    assert enigma.cosize(L((4, 2), (2, -1))) == 8
    assert enigma.rank(layout) == 2
    assert enigma.rank(8) == 1
    assert enigma.rank(((2, 4), 8), 0) == 2
    assert enigma.depth(layout) == 2
    assert enigma.depth(8) == 0
    assert enigma.depth(L(8)) == 0


def test_idx2crd_and_crd2idx_are_colexicographic() -> None:
    assert enigma.idx2crd(63, ((2, 4), 8)) == ((1, 3), 7)
    assert enigma.idx2crd(5, (2, 3)) == (1, 2)
    assert enigma.crd2idx(((1, 3), 7), ((2, 4), 8)) == 63
    for i in range(24):
        assert enigma.crd2idx(enigma.idx2crd(i, (2, (3, 4))), (2, (3, 4))) == i


# --------------------------------------------------------------------------------------
# The algebra on CuTe's documented examples
# --------------------------------------------------------------------------------------


def test_coalesce() -> None:
    a = L((2, (1, 6)), (1, (6, 2)))
    assert enigma.coalesce(a) == L(12, 1)
    assert enigma.coalesce(a, (1, 1)) == L((2, 6), (1, 2))
    # Never reorders modes (sorting by stride would change the function).
    assert enigma.coalesce(L((2, 4), (4, 1))) == L((2, 4), (4, 1))
    assert enigma.coalesce(L((1, 1), (3, 4))) == L(1, 0)


def test_composition() -> None:
    assert enigma.composition(L((6, 2), (8, 2)), L((4, 3), (3, 1))) == L(((2, 2), 3), ((24, 2), 8))
    assert enigma.composition(L(20, 2), L((5, 4), (4, 1))) == L((5, 4), (8, 2))
    assert enigma.composition(L((10, 2), (16, 4)), L((5, 4), (1, 5))) == L(
        (5, (2, 2)), (16, (80, 4))
    )
    a = L((12, (4, 8)), (59, (13, 1)))
    assert enigma.composition(a, (L(3, 4), L(8, 2))) == L((3, (2, 4)), (236, (26, 1)))
    assert enigma.composition(a, (3, 8)) == L((3, (4, 2)), (59, (13, 1)))


def test_composition_divisibility_error_says_which() -> None:
    with pytest.raises(EnigmaError, match="stride divisibility condition failed"):
        enigma.composition(L((4, 6), (1, 5)), L(3, 3))
    # Every third element of a mode of 4 is fine while it stays in that mode.
    assert enigma.composition(L((4, 6), (1, 5)), L(2, 3)) == L(2, 3)
    with pytest.raises(EnigmaError, match="shape divisibility condition failed"):
        enigma.composition(L((4, 6), (1, 7)), L(6, 1))
    # A prefix of a mode is a valid composition.
    assert enigma.composition(L((6, 4), (1, 7)), L(4, 1)) == L(4, 1)


def test_complement() -> None:
    assert enigma.complement(L(4, 1), 24) == L(6, 4)
    assert enigma.complement(L(6, 4), 24) == L(4, 1)
    assert enigma.complement(L((4, 6), (1, 4)), 24) == L(1, 0)
    assert enigma.complement(L(4, 2), 24) == L((2, 3), (1, 8))
    assert enigma.complement(L((2, 4), (1, 6)), 24) == L(3, 2)
    assert enigma.complement(L((2, 2), (1, 6)), 24) == L((3, 2), (2, 12))
    assert enigma.complement(L((2, 2), (1, 6))) == L(3, 2)
    with pytest.raises(EnigmaError, match="not injective"):
        enigma.complement(L((2, 2), (1, 1)), 8)


def test_inverses() -> None:
    assert enigma.right_inverse(L((4, 2), (2, 1))) == L((2, 4), (4, 1))
    assert enigma.right_inverse(L(4, 2)) == L(1, 0)
    # CuTe 4.2's left_inverse is a quasi-inverse: (2,4):(0,1) maps 2*i back to i.
    assert enigma.left_inverse(L(4, 2)) == L((2, 4), (0, 1))
    assert enigma.left_inverse(L((4, 2), (2, 1))) == L((2, 4), (4, 1))


def test_divides() -> None:
    assert enigma.logical_divide(L((4, 2, 3), (2, 1, 8)), L(4, 2)) == L(
        ((2, 2), (2, 3)), ((4, 1), (2, 8))
    )
    a = L((9, (4, 8)), (59, (13, 1)))
    tiler = (L(3, 3), L((2, 4), (1, 8)))
    assert enigma.logical_divide(a, tiler) == L(
        ((3, 3), ((2, 4), (2, 2))), ((177, 59), ((13, 2), (26, 1)))
    )
    zd = enigma.zipped_divide(a, tiler)
    assert zd == L(((3, (2, 4)), (3, (2, 2))), ((177, (13, 2)), (59, (26, 1))))
    # layout<0>(zipped_divide(a, b)) == composition(a, b)
    assert zd[0] == enigma.composition(a, tiler)
    assert enigma.tiled_divide(a, tiler).shape == ((3, (2, 4)), 3, (2, 2))
    assert enigma.flat_divide(a, tiler).shape == (3, (2, 4), 3, (2, 2))
    assert enigma.zipped_divide(L((128, 64)), (16, 8)) == L(
        ((16, 8), (8, 8)), ((1, 128), (16, 1024))
    )
    assert enigma.logical_divide(L((8, 8)), (None, 4)) == L((8, (4, 2)), (1, (8, 32)))


def test_divide_tiler_exceeds_tensor_reports_mode_and_sizes() -> None:
    with pytest.raises(EnigmaError) as info:
        enigma.zipped_divide(L((128, 64)), (16, 128))
    message = str(info.value)
    assert "tiler exceeds tensor" in message
    assert "mode 1" in message and "128" in message and "size 64" in message
    assert info.value.status == 5  # ENIGMA_LAYOUT_ERROR_TILER_EXCEEDS_TENSOR
    with pytest.raises(EnigmaError, match=r"tiler exceeds tensor in mode \(1,1\)"):
        enigma.logical_divide(L((8, (4, 6)), (1, (8, 32))), (None, (2, 8)))


def test_products() -> None:
    assert enigma.logical_product(L((2, 2), (4, 1)), L(6, 1)) == L(
        ((2, 2), (2, 3)), ((4, 1), (2, 8))
    )
    block, tiler = L((2, 5), (5, 1)), L((3, 4), (1, 3))
    # CuTe 4.2 does not coalesce the modes (its docs show (6,(5,4)):(5,(1,30))).
    assert enigma.blocked_product(block, tiler) == L(((2, 3), (5, 4)), ((5, 10), (1, 30)))
    assert enigma.raked_product(block, tiler) == L(((3, 2), (4, 5)), ((10, 5), (30, 1)))
    assert enigma.zipped_product(block, (3, 4)) == L(((2, 5), (3, 4)), ((5, 1), (1, 5)))
    assert enigma.tiled_product(block, (3, 4)).shape == ((2, 5), 3, 4)
    assert enigma.flat_product(block, (3, 4)).shape == (2, 5, 3, 4)


def test_make_layout_variants() -> None:
    assert enigma.make_layout((2, 3)) == L((2, 3), (1, 2))
    assert enigma.make_layout((2, 3), stride=(3, 1)) == L((2, 3), (3, 1))
    assert enigma.make_layout(L(2, 3), L(4, 1)) == L((2, 4), (3, 1))
    assert enigma.make_layout(L(8)) == L((8,), (1,))
    assert enigma.make_ordered_layout((4, 32), (1, 0)) == L((4, 32), (32, 1))
    assert enigma.make_ordered_layout((2, 3, 4), (2, 0, 1)) == L((2, 3, 4), (12, 1, 3))
    with pytest.raises(EnigmaError, match="does not match the profile"):
        enigma.make_ordered_layout((2, 3), (0, 1, 2))


def test_make_layout_tv() -> None:
    tiler, tv = enigma.make_layout_tv(L((4, 32), (32, 1)), L((4, 4), (4, 1)))
    assert tiler == (16, 128)
    assert tv == L(((32, 4), (4, 4)), ((64, 4), (16, 1)))
    # Every (thread, value) owns a distinct element of the tile.
    assert sorted(tv.values()) == list(range(16 * 128))


def test_non_layout_arguments_are_rejected() -> None:
    with pytest.raises(EnigmaError, match="must be an enigma.Layout"):
        enigma.coalesce((2, 3))  # type: ignore[arg-type]
    with pytest.raises(EnigmaError, match="tiler tuple needs at least one element"):
        enigma.logical_divide(L(8), ())


@pytest.mark.parametrize(
    "call",
    [
        lambda: enigma.Layout((4, 8))(2**70),
        lambda: enigma.Layout((4, 8), (1, 2**64 + 4)),
        lambda: enigma.complement(enigma.Layout(4, 2), 2**64 + 24),
        lambda: enigma.Layout(2**63),
    ],
)
def test_ints_beyond_int64_are_errors_not_wrapped(call) -> None:
    with pytest.raises(enigma.EnigmaError, match="does not fit in a signed 64-bit integer"):
        call()
