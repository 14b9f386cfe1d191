"""Short vectors (Metal ``float2``/``float3``/``float4``, ``int4`` ...): construction, lanes,
geometry and pack/unpack.

A vector value has a vector dtype (``enigma.vec(enigma.f32, 4)``, named ``float4``); arithmetic,
comparisons, ``where`` and the float math functions work on it lane by lane, and a scalar
operand spreads over every lane.
"""

from __future__ import annotations

from typing import Any

from . import dtypes as _dt
from ._tracer import (
    Value,
    _np_scalar_to_literal,
    as_value,
    convert,
    current,
    make_vec,
    trace_type_error,
    user_frame,
    vec_extract,
)
from .dtypes import DType

__all__ = [
    "cross",
    "distance",
    "dot",
    "faceforward",
    "length",
    "make_float2",
    "make_float3",
    "make_float4",
    "make_vec",
    "normalize",
    "pack_float_to_snorm2x16",
    "pack_float_to_snorm4x8",
    "pack_float_to_srgb_unorm4x8",
    "pack_float_to_unorm10a2",
    "pack_float_to_unorm2x16",
    "pack_float_to_unorm4x8",
    "reflect",
    "refract",
    "unpack_snorm2x16_to_float",
    "unpack_snorm4x8_to_float",
    "unpack_srgb_unorm4x8_to_float",
    "unpack_unorm10a2_to_float",
    "unpack_unorm2x16_to_float",
    "unpack_unorm4x8_to_float",
    "vec_extract",
]


def _float_components(cs: tuple[Any, ...]) -> list[Value]:
    """Components of a make_floatN: converted to f32 like a Metal float constructor."""
    out = []
    for c in cs:
        c = _np_scalar_to_literal(c)
        if isinstance(c, Value):
            if c.dtype.lanes:
                raise trace_type_error(f"a vector component must be a scalar, got {c.dtype.name}")
            out.append(convert(c, _dt.f32))
        else:
            out.append(as_value(float(c) if isinstance(c, (int, float)) else c, _dt.f32))
    return out


def make_float2(x: Any, y: Any) -> Value:
    """A ``float2``; components of other dtypes are converted to f32."""
    return make_vec(*_float_components((x, y)))


def make_float3(x: Any, y: Any, z: Any) -> Value:
    """A ``float3``."""
    return make_vec(*_float_components((x, y, z)))


def make_float4(x: Any, y: Any, z: Any, w: Any) -> Value:
    """A ``float4``."""
    return make_vec(*_float_components((x, y, z, w)))


# ---------------------------------------------------------------------------------------------
# Geometry
# ---------------------------------------------------------------------------------------------


def _fvec(v: Any, what: str, lanes: int | None = None) -> Value:
    v = _np_scalar_to_literal(v)
    if not isinstance(v, Value) or not v.dtype.lanes:
        got = v.dtype.name if isinstance(v, Value) else f"a Python {type(v).__name__}"
        raise trace_type_error(f"enigma.{what} needs float vectors, got {got}")
    if not v.dtype.is_float:
        v = convert(v, _dt.vec(_dt.f32, v.dtype.lanes))
    if lanes is not None and v.dtype.lanes != lanes:
        raise trace_type_error(f"enigma.{what} needs {lanes}-lane vectors, got {v.dtype.name}")
    return v


def _same(what: str, *vs: Any) -> tuple[list[Value], DType]:
    vals = [_fvec(v, what) for v in vs]
    dt = vals[0].dtype
    for v in vals[1:]:
        try:
            dt = _dt.promote(dt, v.dtype)
        except TypeError as e:
            raise trace_type_error(f"enigma.{what}: {e}") from None
    return [convert(v, dt) for v in vals], dt


def _emit(op: str, args: list[Value], result: DType, attrs: dict | None = None) -> Value:
    d = current().emit(op, [a.id for a in args], (result.mlir,), attrs, frame=user_frame(3))
    return Value(d["results"][0]["id"], result)


def dot(a: Any, b: Any) -> Value:
    """The dot product of two float vectors (a scalar)."""
    vals, dt = _same("dot", a, b)
    return _emit("enigma.dot", vals, dt.elem)


def length(v: Any) -> Value:
    """The Euclidean length of a float vector."""
    vals, dt = _same("length", v)
    return _emit("enigma.length", vals, dt.elem)


def distance(a: Any, b: Any) -> Value:
    """``length(a - b)``."""
    vals, dt = _same("distance", a, b)
    return _emit("enigma.distance", vals, dt.elem)


def normalize(v: Any) -> Value:
    """``v / length(v)``."""
    vals, dt = _same("normalize", v)
    return _emit("enigma.normalize", vals, dt)


def cross(a: Any, b: Any) -> Value:
    """The cross product of two 3-lane float vectors."""
    vals, dt = _same("cross", _fvec(a, "cross", 3), _fvec(b, "cross", 3))
    return _emit("enigma.cross", vals, dt)


def reflect(incident: Any, normal: Any) -> Value:
    """``i - 2 * dot(n, i) * n`` (`normal` should be normalized)."""
    vals, dt = _same("reflect", incident, normal)
    return _emit("enigma.reflect", vals, dt)


def refract(incident: Any, normal: Any, eta: Any) -> Value:
    """The refraction vector for the ratio of indices of refraction `eta` (a scalar); the
    zero vector on total internal reflection."""
    vals, dt = _same("refract", incident, normal)
    e = _np_scalar_to_literal(eta)
    if isinstance(e, Value) and e.dtype.lanes:
        raise trace_type_error(f"enigma.refract: eta must be a scalar, got {e.dtype.name}")
    ev = convert(e, dt.elem) if isinstance(e, Value) else as_value(e, dt.elem)
    return _emit("enigma.refract", [*vals, ev], dt)


def faceforward(n: Any, i: Any, nref: Any) -> Value:
    """`n` if ``dot(nref, i) < 0``, else ``-n``."""
    vals, dt = _same("faceforward", n, i, nref)
    return _emit("enigma.faceforward", vals, dt)


# ---------------------------------------------------------------------------------------------
# Pack / unpack
# ---------------------------------------------------------------------------------------------

_FORMAT_LANES = {
    "snorm4x8": 4,
    "unorm4x8": 4,
    "snorm2x16": 2,
    "unorm2x16": 2,
    "srgb_unorm4x8": 4,
    "unorm10a2": 4,
}


def _pack(fmt: str, v: Any) -> Value:
    x = _fvec(v, f"pack_float_to_{fmt}", _FORMAT_LANES[fmt])
    x = convert(x, _dt.vec(_dt.f32, x.dtype.lanes))
    return _emit("enigma.pack", [x], _dt.u32, {"format": f"#enigma.pack_format<{fmt}>"})


def _unpack(fmt: str, x: Any) -> Value:
    x = _np_scalar_to_literal(x)
    if isinstance(x, Value):
        if x.dtype.lanes or not x.dtype.is_int or x.dtype.is_bool:
            raise trace_type_error(
                f"enigma.unpack_{fmt}_to_float needs a 32-bit integer, got {x.dtype.name}"
            )
        xv = convert(x, _dt.u32)
    else:
        xv = as_value(x, _dt.u32)
    out = _dt.vec(_dt.f32, _FORMAT_LANES[fmt])
    return _emit("enigma.unpack", [xv], out, {"format": f"#enigma.pack_format<{fmt}>"})


def pack_float_to_snorm4x8(v: Any) -> Value:
    """A float4 in [-1, 1] packed into four signed normalized bytes (a uint)."""
    return _pack("snorm4x8", v)


def pack_float_to_unorm4x8(v: Any) -> Value:
    """A float4 in [0, 1] packed into four unsigned normalized bytes."""
    return _pack("unorm4x8", v)


def pack_float_to_snorm2x16(v: Any) -> Value:
    """A float2 in [-1, 1] packed into two signed normalized 16-bit halves."""
    return _pack("snorm2x16", v)


def pack_float_to_unorm2x16(v: Any) -> Value:
    """A float2 in [0, 1] packed into two unsigned normalized 16-bit halves."""
    return _pack("unorm2x16", v)


def pack_float_to_srgb_unorm4x8(v: Any) -> Value:
    """A linear float4 packed as sRGB-encoded color (alpha linear) into four bytes."""
    return _pack("srgb_unorm4x8", v)


def pack_float_to_unorm10a2(v: Any) -> Value:
    """A float4 in [0, 1] packed into 10-10-10-2 unsigned normalized bits."""
    return _pack("unorm10a2", v)


def unpack_snorm4x8_to_float(x: Any) -> Value:
    """Four signed normalized bytes of a uint as a float4."""
    return _unpack("snorm4x8", x)


def unpack_unorm4x8_to_float(x: Any) -> Value:
    """Four unsigned normalized bytes of a uint as a float4."""
    return _unpack("unorm4x8", x)


def unpack_snorm2x16_to_float(x: Any) -> Value:
    """Two signed normalized 16-bit halves of a uint as a float2."""
    return _unpack("snorm2x16", x)


def unpack_unorm2x16_to_float(x: Any) -> Value:
    """Two unsigned normalized 16-bit halves of a uint as a float2."""
    return _unpack("unorm2x16", x)


def unpack_srgb_unorm4x8_to_float(x: Any) -> Value:
    """sRGB-encoded bytes of a uint as a linear float4 (alpha linear)."""
    return _unpack("srgb_unorm4x8", x)


def unpack_unorm10a2_to_float(x: Any) -> Value:
    """10-10-10-2 unsigned normalized bits of a uint as a float4."""
    return _unpack("unorm10a2", x)
