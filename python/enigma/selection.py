"""Comparisons, selection (``where``) and casts."""

from __future__ import annotations

import math
from typing import Any

from . import dtypes as _dt
from ._tracer import (
    Value,
    _np_scalar_to_literal,
    compare,
    is_literal,
    literals_dtype,
    trace_type_error,
    as_value,
    bitcast,
    convert,
    current,
    unify,
    user_frame,
)
from .dtypes import DType

__all__ = [
    "as_type",
    "cmp_eq",
    "cmp_ge",
    "cmp_gt",
    "cmp_le",
    "cmp_lt",
    "cmp_ne",
    "cmp_uge",
    "cmp_ugt",
    "cmp_ule",
    "cmp_ult",
    "metal_cast",
    "where",
]



# ---------------------------------------------------------------------------------------------
# Selection, comparison and casts
# ---------------------------------------------------------------------------------------------


def where(false_val: Any, true_val: Any, condition: Any) -> Value:
    """``condition ? true_val : false_val``, in the reference's argument order
    ``where(false_val, true_val, condition)`` (Metal's ``select(a, b, c)`` order).

    `condition` must be a bool (``cmp_*``, a comparison, a float predicate, or a Python bool);
    anything else is a TypeError naming it. The two values are promoted to a common dtype.
    A bool vector condition selects per lane between vectors (or scalars, which spread)."""
    c = _np_scalar_to_literal(condition)
    if isinstance(c, bool):
        c = as_value(c, _dt.b1)
    elif not isinstance(c, Value) or not c.dtype.is_bool:
        got = c.dtype.name if isinstance(c, Value) else f"a Python {type(c).__name__}"
        raise trace_type_error(
            "enigma.where(false_val, true_val, condition): the condition (the third argument) "
            f"must be a bool, got {got}; the reference's argument order puts the condition "
            "last, e.g. enigma.where(b, a, enigma.cmp_gt(a, b))"
        )
    a, b = _np_scalar_to_literal(true_val), _np_scalar_to_literal(false_val)
    if not isinstance(a, Value) and not isinstance(b, Value):
        if not (is_literal(a) and is_literal(b)):
            bad = a if not is_literal(a) else b
            raise trace_type_error(
                f"enigma.where: cannot select a Python {type(bad).__name__}; expected traced "
                "values or bool/int/float literals"
            )
        a = as_value(a, literals_dtype(a, b))
    x, y, dt = unify(a, b)
    if c.dtype.lanes and not dt.lanes:
        vt = _dt.vec(dt, c.dtype.lanes)
        x, y, dt = convert(x, vt), convert(y, vt), vt
    elif c.dtype.lanes and c.dtype.lanes != dt.lanes:
        raise trace_type_error(
            f"enigma.where: the condition has {c.dtype.lanes} lanes but the values are {dt.name}"
        )
    d = current().emit("arith.select", (c.id, x.id, y.id), (dt.mlir,), frame=user_frame(2))
    return Value(d["results"][0]["id"], dt)


def cmp_lt(a: Any, b: Any) -> Value:
    """``a < b`` as a b1 value."""
    return _cmp("lt", a, b)


def cmp_le(a: Any, b: Any) -> Value:
    """``a <= b``."""
    return _cmp("le", a, b)


def cmp_gt(a: Any, b: Any) -> Value:
    """``a > b``."""
    return _cmp("gt", a, b)


def cmp_ge(a: Any, b: Any) -> Value:
    """``a >= b``."""
    return _cmp("ge", a, b)


def cmp_eq(a: Any, b: Any) -> Value:
    """``a == b``."""
    return _cmp("eq", a, b)


def cmp_ne(a: Any, b: Any) -> Value:
    """``a != b``."""
    return _cmp("ne", a, b)


def cmp_ult(a: Any, b: Any) -> Value:
    """``a < b`` comparing the integers' bits as unsigned (signed values reinterpreted)."""
    return _cmp("lt", a, b, unsigned=True)


def cmp_ule(a: Any, b: Any) -> Value:
    """Unsigned ``a <= b`` (integers only)."""
    return _cmp("le", a, b, unsigned=True)


def cmp_ugt(a: Any, b: Any) -> Value:
    """Unsigned ``a > b`` (integers only)."""
    return _cmp("gt", a, b, unsigned=True)


def cmp_uge(a: Any, b: Any) -> Value:
    """Unsigned ``a >= b`` (integers only)."""
    return _cmp("ge", a, b, unsigned=True)


def _cmp(kind: str, a: Any, b: Any, unsigned: bool = False) -> Value:
    a, b = _np_scalar_to_literal(a), _np_scalar_to_literal(b)
    if not isinstance(a, Value) and not isinstance(b, Value):
        if is_literal(a) and is_literal(b):
            a = as_value(a, literals_dtype(a, b))
        else:
            a = as_value(a)
    return compare(kind, a, b, unsigned=unsigned)


def _literal_cast(x: Any, dt: DType) -> Any:
    """A Python literal converted as C's static_cast would (so metal_cast(3.14, "int") is 3
    and metal_cast(-1, "uint") is 4294967295)."""
    if dt.is_bool:
        return bool(x)
    if dt.is_float:
        return float(x)
    if isinstance(x, float):
        if math.isnan(x) or math.isinf(x):
            raise trace_type_error(f"metal_cast: {x!r} has no {dt.name} value")
        x = math.trunc(x)
        lo = -(1 << (dt.bits - 1)) if dt.is_signed else 0
        hi = (1 << (dt.bits - 1 if dt.is_signed else dt.bits)) - 1
        if not lo <= x <= hi:
            raise trace_type_error(f"metal_cast: {x} is outside the range of {dt.name}")
        return x
    x = int(x) & ((1 << dt.bits) - 1)  # integer -> integer wraps modulo 2**bits
    if dt.is_signed and x >= 1 << (dt.bits - 1):
        x -= 1 << dt.bits
    return x


def metal_cast(x: Any, dtype: DType | str) -> Value:
    """Value conversion to `dtype` (``static_cast`` in MSL): f32 -> i32 truncates, etc."""
    try:
        dt = _dt.dtype(dtype)
    except TypeError as e:
        raise trace_type_error(f"metal_cast: {e}") from None
    x = _np_scalar_to_literal(x)
    if isinstance(x, Value):
        return convert(x, dt)
    if is_literal(x):
        return as_value(_literal_cast(x, dt.elem), dt)
    return convert(as_value(x, dt), dt)


def as_type(x: Any, dtype: DType | str) -> Value:
    """Bit reinterpretation to `dtype` of the same size (Metal's ``as_type<T>``)."""
    try:
        dt = _dt.dtype(dtype)
    except TypeError as e:
        raise trace_type_error(f"as_type: {e}") from None
    v = x if isinstance(x, Value) else as_value(x)
    return bitcast(v, dt)


