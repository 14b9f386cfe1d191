"""Hierarchical integer tuples (CuTe's IntTuple) in plain Python: ``enigma.tuple``.

A shape, stride or coordinate is an int or a (nested) tuple of them. These helpers do host-side
arithmetic on them, with CuTe's semantics (``pycute`` is the oracle of the tests); nothing here
traces or needs the C layout core. ``enigma.product``, ``enigma.repeat_like`` and
``enigma.select`` are re-exported at the top level (``enigma.where`` is the conditional select
of kernel values).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .errors import EnigmaError

__all__ = [
    "ceil_div",
    "compact_col_major",
    "compact_order",
    "compact_row_major",
    "crd2idx",
    "depth",
    "elem_scale",
    "flatten",
    "gcd",
    "has_none",
    "idx2crd",
    "inner_product",
    "is_compatible",
    "is_congruent",
    "is_int",
    "is_tuple",
    "prefix_product",
    "product",
    "rank",
    "repeat_like",
    "select",
    "shape_div",
    "slice_",
    "tuple_max",
]

#: The names ``enigma`` itself exports (the rest stay under ``enigma.tuple``).
TOP_LEVEL = ["product", "repeat_like", "select"]


def is_int(x: Any) -> bool:
    """True for a Python int (not a bool)."""
    return isinstance(x, int) and not isinstance(x, bool)


def is_tuple(x: Any) -> bool:
    """True for a tuple (lists are not IntTuples)."""
    return isinstance(x, tuple)


def _check(x: Any, what: str) -> None:
    if is_tuple(x):
        for e in x:
            _check(e, what)
    elif not is_int(x):
        raise EnigmaError(f"{what} must be an int or a tuple of ints, got {x!r}")


def rank(x: Any) -> int:
    """Number of top-level modes (1 for an int)."""
    return len(x) if is_tuple(x) else 1


def depth(x: Any) -> int:
    """Nesting depth: 0 for an int, 1 for a flat tuple."""
    if is_tuple(x):
        return 1 + max((depth(e) for e in x), default=0)
    return 0


def flatten(x: Any) -> tuple:
    """The leaves, left to right: ``flatten(((2, 3), 4)) == (2, 3, 4)``."""
    if is_tuple(x):
        out: tuple = ()
        for e in x:
            out += flatten(e)
        return out
    return (x,)


def product(x: Any) -> int:
    """Product of every leaf of a (nested) tuple; an int is its own product."""
    _check(x, "product's argument")
    if is_tuple(x):
        out = 1
        for e in x:
            out *= product(e)
        return out
    return x


def inner_product(a: Any, b: Any) -> int:
    """Sum of the products of corresponding leaves of two congruent tuples."""
    if is_tuple(a):
        if not is_tuple(b) or len(a) != len(b):
            raise EnigmaError(
                f"inner_product needs congruent tuples, got {a!r} and {b!r}"
            )
        return sum(inner_product(x, y) for x, y in zip(a, b))
    if is_tuple(b):
        raise EnigmaError(f"inner_product needs congruent tuples, got {a!r} and {b!r}")
    return a * b


def tuple_max(x: Any) -> int:
    """Largest leaf."""
    return max(flatten(x))


def elem_scale(a: Any, b: Any) -> Any:
    """CuTe's elem_scale: ``a`` scaled mode by mode by ``b`` (an int ``a`` by ``size(b)``)."""
    if is_tuple(a):
        if not is_tuple(b) or len(a) != len(b):
            raise EnigmaError(
                f"elem_scale needs b congruent with a, got {a!r} and {b!r}"
            )
        return tuple(elem_scale(x, y) for x, y in zip(a, b))
    return a * product(b)


def ceil_div(a: int, b: int) -> int:
    """``ceil(a / b)`` for positive ints."""
    return -(-a // b)


def gcd(a: int, b: int) -> int:
    return math.gcd(a, b)


def shape_div(a: Any, b: Any) -> Any:
    """CuTe's shape division: ``a`` divided by ``b`` from the left mode on; at each leaf one
    of the two must divide the other (``shape_div((4, 6), 8) == (1, 3)``)."""
    if is_tuple(a):
        if is_tuple(b):
            if len(a) != len(b):
                raise EnigmaError(
                    f"shape_div of tuples of different ranks: {a!r} and {b!r}"
                )
            return tuple(shape_div(x, y) for x, y in zip(a, b))
        out = []
        for x in a:
            out.append(shape_div(x, b))
            b = shape_div(b, product(x))
        return tuple(out)
    if is_tuple(b):
        return shape_div(a, product(b))
    if b == 0 or a == 0 or (a % b != 0 and b % a != 0):
        raise EnigmaError(f"shape_div({a}, {b}): neither divides the other")
    return ceil_div(a, b)


def prefix_product(a: Any, init: Any = 1) -> Any:
    """Exclusive running product with ``a``'s structure: ``prefix_product((2, (3, 4))) ==
    (1, (2, 6))`` (the compact column-major strides of ``a``)."""
    if is_tuple(a):
        if is_tuple(init):
            if len(a) != len(init):
                raise EnigmaError(
                    f"prefix_product: {a!r} and init {init!r} differ in rank"
                )
            return tuple(prefix_product(x, i) for x, i in zip(a, init))
        out = []
        for x in a:
            out.append(prefix_product(x, init))
            init = init * product(x)
        return tuple(out)
    if is_tuple(init):
        raise EnigmaError(f"prefix_product of an int with a tuple init {init!r}")
    return init


def compact_col_major(shape: Any, current: int = 1) -> Any:
    """Compact column-major (mode 0 fastest) strides of ``shape``."""
    _check(shape, "shape")
    return prefix_product(shape, current)


def compact_row_major(shape: Any, current: int = 1) -> Any:
    """Compact row-major (last mode fastest) strides of ``shape``."""
    _check(shape, "shape")
    if not is_tuple(shape):
        return current
    out: list[Any] = [None] * len(shape)
    for i in reversed(range(len(shape))):
        out[i] = compact_row_major(shape[i], current)
        current *= product(shape[i])
    return tuple(out)


def compact_order(shape: Any, order: Any) -> Any:
    """Compact strides where the modes with smaller ``order`` are faster:
    ``compact_order((4, 64), (1, 0)) == (64, 1)``."""
    _check(shape, "shape")
    if not is_tuple(shape):
        return 1
    if not is_tuple(order) or len(order) != len(shape):
        raise EnigmaError(
            f"compact_order: order {order!r} does not match the shape {shape!r}"
        )
    if not all(is_int(o) for o in order):
        raise EnigmaError(
            f"compact_order: order must be a flat tuple of ints, got {order!r}"
        )
    flat_order = list(order)
    strides: list[Any] = [None] * len(shape)
    current = 1
    for i in sorted(range(len(shape)), key=lambda k: (flat_order[k], k)):
        strides[i] = prefix_product(shape[i], current)
        current *= product(shape[i])
    return tuple(strides)


def idx2crd(idx: Any, shape: Any, stride: Any = None) -> Any:
    """The coordinate of linear index ``idx`` in ``shape`` (column-major, or through
    ``stride``); a tuple ``idx`` is converted mode by mode."""
    if stride is None:
        stride = prefix_product(shape)
    if is_tuple(idx):
        if not is_tuple(shape) or len(idx) != len(shape):
            raise EnigmaError(
                f"idx2crd: index {idx!r} does not match the shape {shape!r}"
            )
        return tuple(idx2crd(i, s, d) for i, s, d in zip(idx, shape, stride))
    if is_tuple(shape):
        return tuple(idx2crd(idx, s, d) for s, d in zip(shape, stride))
    return (idx // stride) % shape


def crd2idx(crd: Any, shape: Any, stride: Any = None) -> int:
    """The offset of coordinate ``crd`` in ``shape`` through ``stride`` (compact
    column-major by default); an int coordinate of a tuple shape is split column-major."""
    if stride is None:
        stride = prefix_product(shape)
    if is_tuple(crd):
        if not is_tuple(shape) or len(crd) != len(shape):
            raise EnigmaError(
                f"crd2idx: coordinate {crd!r} does not match the shape {shape!r}"
            )
        return sum(crd2idx(c, s, d) for c, s, d in zip(crd, shape, stride))
    if crd is None:
        crd = 0
    if is_tuple(shape):
        out = 0
        for i in range(len(shape) - 1):
            n = product(shape[i])
            out += crd2idx(crd % n, shape[i], stride[i])
            crd //= n
        return out + crd2idx(crd, shape[-1], stride[-1])
    return crd * stride


def select(x: Any, mode: int | Sequence[int]) -> Any:
    """Mode ``mode`` of a tuple, or the tuple of the modes in the list ``mode``:
    ``select((4, 8, 2), [2, 0]) == (2, 4)``."""
    if not is_tuple(x):
        if mode in (0, [0], (0,)):
            return x if is_int(mode) else (x,)
        raise EnigmaError(f"select: {x!r} has one mode, asked for {mode!r}")
    try:
        if isinstance(mode, (list, tuple)):
            return tuple(x[m] for m in mode)
        return x[mode]
    except (IndexError, TypeError):
        raise EnigmaError(
            f"select: no mode {mode!r} in {x!r} (rank {len(x)})"
        ) from None


def repeat_like(ref: Any, val: Any) -> Any:
    """A tuple with the structure of ``ref`` whose every leaf is ``val``:
    ``repeat_like((2, (3, 4)), 0) == (0, (0, 0))``."""
    if is_tuple(ref):
        return tuple(repeat_like(r, val) for r in ref)
    return val


def is_congruent(a: Any, b: Any) -> bool:
    """Same hierarchical structure (profile), whatever the leaf values."""
    if is_tuple(a) and is_tuple(b):
        return len(a) == len(b) and all(is_congruent(x, y) for x, y in zip(a, b))
    return not is_tuple(a) and not is_tuple(b)


def is_compatible(a: Any, b: Any) -> bool:
    """CuTe's compatibility: every coordinate of shape ``a`` is a coordinate of shape ``b``
    (an int ``a`` is compatible with any ``b`` of that size)."""
    if is_tuple(a):
        return (
            is_tuple(b)
            and len(a) == len(b)
            and all(is_compatible(x, y) for x, y in zip(a, b))
        )
    return a == product(b)


def has_none(x: Any) -> bool:
    """True if ``x`` (a slice) contains None."""
    if is_tuple(x):
        return any(has_none(e) for e in x)
    return x is None


def slice_(crd: Any, x: Any) -> tuple:
    """The modes of ``x`` that ``crd`` keeps (None), as a flat tuple of the kept modes (CuTe's
    slice): ``slice_((None, 0), (4, 8)) == (4,)``."""
    if is_tuple(crd):
        if not is_tuple(x) or len(crd) != len(x):
            raise EnigmaError(f"slice_: {crd!r} does not match {x!r}")
        out: tuple = ()
        for c, e in zip(crd, x):
            out += slice_(c, e)
        return out
    if crd is None:
        return (x,)
    return ()
