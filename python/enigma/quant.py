"""Integer-quantization helpers (§38 of the reference): int8 dequantization and the packing of
four bytes into a ``uint`` and of two signed 4-bit values into a byte.

Metal has no 4-bit or 8-bit float storage; quantized weights live in integer buffers and are
unpacked and dequantized in the kernel. These helpers are the kernel language's own ops
(``sub``, ``metal_cast``, ``mul``, ``insert_bits``, ``extract_bits``).
"""

from __future__ import annotations

from typing import Any

from . import dtypes as _dt
from ._tracer import (
    Value,
    _np_scalar_to_literal,
    as_value,
    binary,
    convert,
    is_literal,
    trace_type_error,
)
from .dtypes import DType
from .mathfn import extract_bits, insert_bits

__all__ = [
    "dequantize_int8",
    "pack_int4x2",
    "pack_uint8x4",
    "unpack_int4x2",
    "unpack_uint8x4",
]


def _integer(x: Any, dt: DType, what: str, name: str, vectors: bool = False) -> Value:
    """`x` (a traced integer or an int literal) converted to `dt` (C's conversion: wraps)."""
    x = _np_scalar_to_literal(x)
    if isinstance(x, Value):
        if x.dtype.is_float or x.dtype.is_bool or (x.dtype.lanes and not vectors):
            raise trace_type_error(f"enigma.{what}: {name} must be an integer, got {x.dtype.name}")
        return convert(x, _dt.vec(dt, x.dtype.lanes) if x.dtype.lanes else dt)
    if isinstance(x, bool) or not isinstance(x, int):
        raise trace_type_error(f"enigma.{what}: {name} must be an integer, got {x!r}")
    from .selection import metal_cast

    return metal_cast(x, dt)


def dequantize_int8(x: Any, scale: Any, zero_point: Any = 0) -> Value:
    """``float(x - zero_point) * scale``: `x` and `zero_point` are integers (converted to
    ``int``), `scale` is converted to ``float``; the result is ``float`` (a float vector for an
    integer vector `x`). Emitted as ``sub``, ``metal_cast``, ``mul``."""
    what = "dequantize_int8"
    xv = _integer(x, _dt.i32, what, "x", vectors=True)
    zp = _integer(zero_point, _dt.i32, what, "zero_point")
    s = _np_scalar_to_literal(scale)
    if isinstance(s, Value):
        if s.dtype.lanes or s.dtype.is_bool:
            raise trace_type_error(
                f"enigma.{what}: scale must be a scalar number, got {s.dtype.name}"
            )
        s = convert(s, _dt.f32)
    elif is_literal(s) and not isinstance(s, bool):
        s = as_value(float(s), _dt.f32)
    else:
        raise trace_type_error(f"enigma.{what}: scale must be a float, got {scale!r}")
    diff = binary("sub", xv, zp)
    f = convert(diff, _dt.vec(_dt.f32, diff.dtype.lanes) if diff.dtype.lanes else _dt.f32)
    return binary("mul", f, s)


def pack_uint8x4(b0: Any, b1: Any, b2: Any, b3: Any) -> Value:
    """The low 8 bits of `b0`..`b3` packed into a ``uint``, `b0` in the lowest byte."""
    out = as_value(0, _dt.u32)
    for shift, (name, b) in zip((0, 8, 16, 24), (("b0", b0), ("b1", b1), ("b2", b2), ("b3", b3))):
        out = insert_bits(out, _integer(b, _dt.u32, "pack_uint8x4", name), shift, 8)
    return out


def unpack_uint8x4(packed: Any) -> tuple[Value, Value, Value, Value]:
    """The four bytes of a ``uint``, lowest first, each a ``uint`` in 0..255."""
    v = _integer(packed, _dt.u32, "unpack_uint8x4", "packed")
    b0, b1, b2, b3 = (extract_bits(v, shift, 8) for shift in (0, 8, 16, 24))
    return b0, b1, b2, b3


def pack_int4x2(lo: Any, hi: Any) -> Value:
    """Two signed 4-bit values (-8..7; the low 4 bits of each input, two's complement) packed
    into the low byte of a ``uint``: `lo` in bits 0-3, `hi` in bits 4-7."""
    out = as_value(0, _dt.u32)
    out = insert_bits(out, _integer(lo, _dt.u32, "pack_int4x2", "lo"), 0, 4)
    return insert_bits(out, _integer(hi, _dt.u32, "pack_int4x2", "hi"), 4, 4)


def unpack_int4x2(packed: Any) -> tuple[Value, Value]:
    """The two signed 4-bit values of a packed byte, sign-extended to ``int`` (-8..7):
    ``(bits 0-3, bits 4-7)``."""
    v = _integer(packed, _dt.i32, "unpack_int4x2", "packed")
    lo, hi = (extract_bits(v, shift, 4) for shift in (0, 4))
    return lo, hi
