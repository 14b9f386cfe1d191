"""SIMD-group and quad-group operations: reductions, prefix scans, shuffles, broadcasts."""

from __future__ import annotations

from typing import Any

from . import dtypes as _dt
from ._tracer import (
    Value,
    _np_scalar_to_literal,
    as_value,
    current,
    trace_type_error,
    user_frame,
)

__all__ = [
    "quad_and",
    "quad_broadcast",
    "quad_max",
    "quad_min",
    "quad_or",
    "quad_prefix_exclusive_sum",
    "quad_prefix_inclusive_sum",
    "quad_product",
    "quad_shuffle",
    "quad_shuffle_down",
    "quad_shuffle_up",
    "quad_shuffle_xor",
    "quad_sum",
    "quad_xor",
    "simd_and",
    "simd_broadcast",
    "simd_max",
    "simd_min",
    "simd_or",
    "simd_prefix_exclusive_product",
    "simd_prefix_exclusive_sum",
    "simd_prefix_inclusive_product",
    "simd_prefix_inclusive_sum",
    "simd_product",
    "simd_shuffle",
    "simd_shuffle_down",
    "simd_shuffle_rotate_down",
    "simd_shuffle_rotate_up",
    "simd_shuffle_up",
    "simd_shuffle_xor",
    "simd_sum",
    "simd_xor",
]



# ---------------------------------------------------------------------------------------------
# SIMD-group and quad-group operations
# ---------------------------------------------------------------------------------------------


def _lane_value(x: Any) -> Value:
    v = x if isinstance(x, Value) else as_value(x)
    if v.dtype.is_bool:
        raise trace_type_error("SIMD-group operations need an integer or float value, not bool")
    return v


def _reduce(group: str, kind: str, x: Any) -> Value:
    v = _lane_value(x)
    if v.dtype.is_float and kind in ("and", "or", "xor"):
        raise trace_type_error(f"{group}_{kind} needs an integer value, got {v.dtype.name}")
    attrs = {"kind": f"#enigma.reduce<{kind}>"}
    if v.dtype.is_unsigned and kind in ("min", "max"):
        attrs["is_unsigned"] = "unit"
    d = current().emit(
        f"enigma.{group}_reduce", (v.id,), (v.dtype.mlir,), attrs, frame=user_frame(3)
    )
    return Value(d["results"][0]["id"], v.dtype)


def simd_sum(x: Any) -> Value:
    """Sum of `x` over the active lanes of the SIMD-group."""
    return _reduce("simd", "sum", x)


def simd_product(x: Any) -> Value:
    """Product over the SIMD-group."""
    return _reduce("simd", "product", x)


def simd_min(x: Any) -> Value:
    """Minimum over the SIMD-group (unsigned dtypes compare unsigned)."""
    return _reduce("simd", "min", x)


def simd_max(x: Any) -> Value:
    """Maximum over the SIMD-group."""
    return _reduce("simd", "max", x)


def simd_and(x: Any) -> Value:
    """Bitwise and over the SIMD-group."""
    return _reduce("simd", "and", x)


def simd_or(x: Any) -> Value:
    """Bitwise or over the SIMD-group."""
    return _reduce("simd", "or", x)


def simd_xor(x: Any) -> Value:
    """Bitwise xor over the SIMD-group."""
    return _reduce("simd", "xor", x)


def quad_sum(x: Any) -> Value:
    """Sum over the quad-group (4 lanes)."""
    return _reduce("quad", "sum", x)


def quad_product(x: Any) -> Value:
    """Product over the quad-group."""
    return _reduce("quad", "product", x)


def quad_min(x: Any) -> Value:
    """Minimum over the quad-group."""
    return _reduce("quad", "min", x)


def quad_max(x: Any) -> Value:
    """Maximum over the quad-group."""
    return _reduce("quad", "max", x)


def quad_and(x: Any) -> Value:
    """Bitwise and over the quad-group."""
    return _reduce("quad", "and", x)


def quad_or(x: Any) -> Value:
    """Bitwise or over the quad-group."""
    return _reduce("quad", "or", x)


def quad_xor(x: Any) -> Value:
    """Bitwise xor over the quad-group."""
    return _reduce("quad", "xor", x)


def _scan(group: str, kind: str, x: Any) -> Value:
    v = _lane_value(x)
    d = current().emit(
        f"enigma.{group}_prefix",
        (v.id,),
        (v.dtype.mlir,),
        {"kind": f"#enigma.scan<{kind}>"},
        frame=user_frame(3),
    )
    return Value(d["results"][0]["id"], v.dtype)


def simd_prefix_inclusive_sum(x: Any) -> Value:
    """Inclusive prefix sum in lane order."""
    return _scan("simd", "inclusive_sum", x)


def simd_prefix_exclusive_sum(x: Any) -> Value:
    """Exclusive prefix sum in lane order."""
    return _scan("simd", "exclusive_sum", x)


def simd_prefix_inclusive_product(x: Any) -> Value:
    """Inclusive prefix product."""
    return _scan("simd", "inclusive_product", x)


def simd_prefix_exclusive_product(x: Any) -> Value:
    """Exclusive prefix product."""
    return _scan("simd", "exclusive_product", x)


def quad_prefix_inclusive_sum(x: Any) -> Value:
    """Inclusive prefix sum over the quad-group."""
    return _scan("quad", "inclusive_sum", x)


def quad_prefix_exclusive_sum(x: Any) -> Value:
    """Exclusive prefix sum over the quad-group."""
    return _scan("quad", "exclusive_sum", x)


def _lane_arg(lane: Any, what: str, limit: int | None) -> Value:
    """The lane / delta / mask argument as an integer value. A literal lane or xor mask must
    address a lane of the group (0..limit-1): Metal leaves other values undefined."""
    lane = _np_scalar_to_literal(lane)
    if isinstance(lane, int) and not isinstance(lane, bool) and limit is not None:
        if not 0 <= lane < limit:
            raise trace_type_error(
                f"the lane of {what} must be in 0..{limit - 1} (the group has {limit} "
                f"lanes), got {lane}"
            )
    ln = lane if isinstance(lane, Value) else as_value(lane, _dt.u32)
    if not ln.dtype.is_int or ln.dtype.is_bool or ln.dtype.lanes:
        raise trace_type_error(f"the lane of {what} must be an integer scalar")
    return ln


def _shuffle(group: str, kind: str, x: Any, lane: Any) -> Value:
    v = _lane_value(x)
    size = 32 if group == "simd" else 4
    limit = size if kind in ("idx", "xor") else None
    name = f"{group}_shuffle" + ("" if kind == "idx" else f"_{kind}")
    ln = _lane_arg(lane, name, limit)
    d = current().emit(
        f"enigma.{group}_shuffle",
        (v.id, ln.id),
        (v.dtype.mlir,),
        {"kind": f"#enigma.shuffle<{kind}>"},
        frame=user_frame(3),
    )
    return Value(d["results"][0]["id"], v.dtype)


def simd_shuffle(x: Any, lane: Any) -> Value:
    """The value of `x` in lane `lane`."""
    return _shuffle("simd", "idx", x, lane)


def simd_shuffle_up(x: Any, delta: Any) -> Value:
    """The value `delta` lanes below (own value at the edge)."""
    return _shuffle("simd", "up", x, delta)


def simd_shuffle_down(x: Any, delta: Any) -> Value:
    """The value `delta` lanes above (own value at the edge)."""
    return _shuffle("simd", "down", x, delta)


def simd_shuffle_xor(x: Any, mask: Any) -> Value:
    """The value in lane ``self ^ mask``."""
    return _shuffle("simd", "xor", x, mask)


def simd_shuffle_rotate_up(x: Any, delta: Any) -> Value:
    """Rotating shuffle up."""
    return _shuffle("simd", "rotate_up", x, delta)


def simd_shuffle_rotate_down(x: Any, delta: Any) -> Value:
    """Rotating shuffle down."""
    return _shuffle("simd", "rotate_down", x, delta)


def quad_shuffle(x: Any, lane: Any) -> Value:
    """The value of `x` in quad lane `lane`."""
    return _shuffle("quad", "idx", x, lane)


def quad_shuffle_up(x: Any, delta: Any) -> Value:
    """Quad shuffle up."""
    return _shuffle("quad", "up", x, delta)


def quad_shuffle_down(x: Any, delta: Any) -> Value:
    """Quad shuffle down."""
    return _shuffle("quad", "down", x, delta)


def quad_shuffle_xor(x: Any, mask: Any) -> Value:
    """Quad shuffle xor."""
    return _shuffle("quad", "xor", x, mask)


def quad_broadcast(x: Any, lane: Any) -> Value:
    """Every lane of the quad-group receives quad lane `lane`'s value (Metal
    ``quad_broadcast``)."""
    v = _lane_value(x)
    ln = _lane_arg(lane, "quad_broadcast", 4)
    d = current().emit("enigma.quad_broadcast", (v.id, ln.id), (v.dtype.mlir,), frame=user_frame(2))
    return Value(d["results"][0]["id"], v.dtype)


def simd_broadcast(x: Any, lane: Any) -> Value:
    """Every lane receives lane `lane`'s value."""
    v = _lane_value(x)
    ln = _lane_arg(lane, "simd_broadcast", 32)
    d = current().emit("enigma.simd_broadcast", (v.id, ln.id), (v.dtype.mlir,), frame=user_frame(2))
    return Value(d["results"][0]["id"], v.dtype)


