"""Math on traced values: float math, float predicates, integer math and bit operations."""

from __future__ import annotations

from typing import Any

from . import dtypes as _dt
from .dtypes import DType
from ._tracer import (
    _np_scalar_to_literal,
    _with_elem,
    trace_type_error,
    Value,
    as_value,
    convert,
    current,
    unify,
    user_frame,
)

__all__ = [
    "abs",
    "abs_diff",
    "abs_diff_unary",
    "acos",
    "acosh",
    "add_sat",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "ceil",
    "clamp",
    "clz",
    "copysign",
    "cos",
    "cosh",
    "ctz",
    "exp",
    "exp2",
    "extract_bits",
    "fabs",
    "floor",
    "fma",
    "fmax",
    "fmin",
    "fmod",
    "fract",
    "iclamp",
    "imax",
    "imin",
    "insert_bits",
    "isfinite",
    "isinf",
    "isnan",
    "isnormal",
    "log",
    "log10",
    "log2",
    "mad_sat",
    "max",
    "min",
    "mix",
    "mul_hi",
    "popcount",
    "pow",
    "reverse_bits",
    "rotate",
    "round",
    "rsqrt",
    "saturate",
    "sign",
    "signbit",
    "sin",
    "sinh",
    "smoothstep",
    "sqrt",
    "step",
    "sub_sat",
    "tan",
    "tanh",
    "trunc",
]



# ---------------------------------------------------------------------------------------------
# Math
# ---------------------------------------------------------------------------------------------


def _float_arg(x: Any, what: str) -> Value:
    v = x if isinstance(x, Value) else as_value(x, _dt.f32 if not isinstance(x, Value) else None)
    if not v.dtype.is_float:
        v = convert(v, _with_elem(v.dtype, _dt.f32))
    return v


def _math1(op: str, x: Any, what: str) -> Value:
    v = _float_arg(x, what)
    d = current().emit(op, (v.id,), (v.dtype.mlir,), frame=user_frame(3))
    return Value(d["results"][0]["id"], v.dtype)


def _math2(op: str, a: Any, b: Any) -> Value:
    if not isinstance(a, Value) and not isinstance(b, Value):
        a = as_value(a, _dt.f32)
    x, y, dt = unify(a, b)
    if not dt.is_float:
        ft = _with_elem(dt, _dt.f32)
        x, y, dt = convert(x, ft), convert(y, ft), ft
    d = current().emit(op, (x.id, y.id), (dt.mlir,), frame=user_frame(3))
    return Value(d["results"][0]["id"], dt)


def exp(x: Any) -> Value:
    """e**x (integers are converted to f32 first, as are all float math functions)."""
    return _math1("math.exp", x, "exp")


def exp2(x: Any) -> Value:
    """2**x."""
    return _math1("math.exp2", x, "exp2")


def log(x: Any) -> Value:
    """Natural logarithm."""
    return _math1("math.log", x, "log")


def log2(x: Any) -> Value:
    """Base-2 logarithm."""
    return _math1("math.log2", x, "log2")


def log10(x: Any) -> Value:
    """Base-10 logarithm."""
    return _math1("math.log10", x, "log10")


def sqrt(x: Any) -> Value:
    """Square root."""
    return _math1("math.sqrt", x, "sqrt")


def rsqrt(x: Any) -> Value:
    """1 / sqrt(x)."""
    return _math1("math.rsqrt", x, "rsqrt")


def sin(x: Any) -> Value:
    """Sine."""
    return _math1("math.sin", x, "sin")


def cos(x: Any) -> Value:
    """Cosine."""
    return _math1("math.cos", x, "cos")


def tan(x: Any) -> Value:
    """Tangent."""
    return _math1("math.tan", x, "tan")


def tanh(x: Any) -> Value:
    """Hyperbolic tangent."""
    return _math1("math.tanh", x, "tanh")


def asin(x: Any) -> Value:
    """Arc sine."""
    return _math1("math.asin", x, "asin")


def acos(x: Any) -> Value:
    """Arc cosine."""
    return _math1("math.acos", x, "acos")


def atan(x: Any) -> Value:
    """Arc tangent."""
    return _math1("math.atan", x, "atan")


def sinh(x: Any) -> Value:
    """Hyperbolic sine."""
    return _math1("math.sinh", x, "sinh")


def cosh(x: Any) -> Value:
    """Hyperbolic cosine."""
    return _math1("math.cosh", x, "cosh")


def asinh(x: Any) -> Value:
    """Inverse hyperbolic sine."""
    return _math1("math.asinh", x, "asinh")


def acosh(x: Any) -> Value:
    """Inverse hyperbolic cosine."""
    return _math1("math.acosh", x, "acosh")


def atanh(x: Any) -> Value:
    """Inverse hyperbolic tangent."""
    return _math1("math.atanh", x, "atanh")


def floor(x: Any) -> Value:
    """Round toward -inf."""
    return _math1("math.floor", x, "floor")


def ceil(x: Any) -> Value:
    """Round toward +inf."""
    return _math1("math.ceil", x, "ceil")


def round(x: Any) -> Value:
    """Round half away from zero (Metal ``round``)."""
    return _math1("math.round", x, "round")


def trunc(x: Any) -> Value:
    """Round toward zero."""
    return _math1("math.trunc", x, "trunc")


def atan2(y: Any, x: Any) -> Value:
    """Arc tangent of y/x using the signs of both."""
    return _math2("math.atan2", y, x)


def pow(x: Any, y: Any) -> Value:
    """x**y for floats."""
    return _math2("math.powf", x, y)


def copysign(x: Any, y: Any) -> Value:
    """|x| with the sign of y."""
    return _math2("math.copysign", x, y)


def abs(x: Any) -> Value:
    """Absolute value (integers keep their dtype)."""
    v = x if isinstance(x, Value) else as_value(x)
    return v.__abs__()


def fabs(x: Any) -> Value:
    """Absolute value of a float (integers are converted to f32 first, as Metal's fabs)."""
    return _math1("math.absf", x, "fabs")


def fma(a: Any, b: Any, c: Any) -> Value:
    """a * b + c with one rounding (floats)."""
    vals = [v if isinstance(v, Value) else None for v in (a, b, c)]
    dt = None
    for v in vals:
        if v is not None:
            dt = v.dtype if dt is None else _dt.promote(dt, v.dtype)
    if dt is None or not dt.is_float:
        dt = _dt.f32
    xs = [convert(v if isinstance(v, Value) else as_value(v, dt), dt) for v in (a, b, c)]
    d = current().emit("math.fma", [x.id for x in xs], (dt.mlir,), frame=user_frame(2))
    return Value(d["results"][0]["id"], dt)


def min(a: Any, b: Any) -> Value:
    """Minimum (floats: Metal ``fmin``, returns the non-NaN operand)."""
    if not isinstance(a, Value) and not isinstance(b, Value):
        a = as_value(a)
    x, y, dt = unify(a, b)
    op = "arith.minnumf" if dt.is_float else "arith.minui" if dt.is_unsigned else "arith.minsi"
    d = current().emit(op, (x.id, y.id), (dt.mlir,), frame=user_frame(2))
    return Value(d["results"][0]["id"], dt)


def max(a: Any, b: Any) -> Value:
    """Maximum (floats: Metal ``fmax``)."""
    if not isinstance(a, Value) and not isinstance(b, Value):
        a = as_value(a)
    x, y, dt = unify(a, b)
    op = "arith.maxnumf" if dt.is_float else "arith.maxui" if dt.is_unsigned else "arith.maxsi"
    d = current().emit(op, (x.id, y.id), (dt.mlir,), frame=user_frame(2))
    return Value(d["results"][0]["id"], dt)


def clamp(x: Any, lo: Any, hi: Any) -> Value:
    """min(max(x, lo), hi)."""
    return min(max(x, lo), hi)


def isnan(x: Any) -> Value:
    """True where x is NaN."""
    v = _float_arg(x, "isnan")
    # cmpf "uno" (unordered) of x with itself is true exactly for NaN.
    bt = _with_elem(v.dtype, _dt.b1)
    d = current().emit(
        "arith.cmpf", (v.id, v.id), (bt.mlir,), {"predicate": "14 : i64"}, frame=user_frame(2)
    )
    return Value(d["results"][0]["id"], bt)


def isinf(x: Any) -> Value:
    """True where x is +-inf."""
    v = _float_arg(x, "isinf")
    a = v.__abs__()
    return a == float("inf")




# ---------------------------------------------------------------------------------------------
# The reference's float math additions (§8-§11): Metal builtins without an upstream op are
# `enigma` ops; the rest are upstream arith/math ops.
# ---------------------------------------------------------------------------------------------


def _floats(args: tuple[Any, ...]) -> tuple[list[Value], DType]:
    """Brings float-math operands to one float dtype (integers become f32, vectors spread)."""
    dt: DType | None = None
    for a in args:
        a = _np_scalar_to_literal(a)
        if isinstance(a, Value):
            dt = a.dtype if dt is None else _promote(dt, a.dtype)
    if dt is None:
        dt = _dt.f32
    if not dt.is_float:
        dt = _with_elem(dt, _dt.f32)
    return [convert(a if isinstance(a, Value) else as_value(a, dt.elem), dt) for a in args], dt


def _promote(a: DType, b: DType) -> DType:
    try:
        return _dt.promote(a, b)
    except TypeError as e:
        raise trace_type_error(str(e)) from None


def _emit(op: str, args: list[Value], result: DType, attrs: dict | None = None) -> Value:
    d = current().emit(op, [a.id for a in args], (result.mlir,), attrs, frame=user_frame(3))
    return Value(d["results"][0]["id"], result)


def _fop(op: str, *args: Any) -> Value:
    vals, dt = _floats(args)
    return _emit(op, vals, dt)


def fract(x: Any) -> Value:
    """``x - floor(x)``, clamped below 1 (Metal ``fract``)."""
    return _fop("enigma.fract", x)


def sign(x: Any) -> Value:
    """-1.0, 0.0 (keeping the sign of zero) or 1.0; 0.0 for NaN (Metal ``sign``)."""
    return _fop("enigma.sign", x)


def saturate(x: Any) -> Value:
    """``clamp(x, 0, 1)`` (Metal ``saturate``)."""
    return _fop("enigma.saturate", x)


def fmin(a: Any, b: Any) -> Value:
    """Minimum of floats; with one NaN operand, the other one (Metal ``fmin``)."""
    return _fop("arith.minnumf", a, b)


def fmax(a: Any, b: Any) -> Value:
    """Maximum of floats; with one NaN operand, the other one (Metal ``fmax``)."""
    return _fop("arith.maxnumf", a, b)


def fmod(a: Any, b: Any) -> Value:
    """``a - b * trunc(a / b)``, the sign of `a` (Metal and C ``fmod``)."""
    return _fop("arith.remf", a, b)


def step(edge: Any, x: Any) -> Value:
    """0.0 where ``x < edge``, else 1.0 (Metal ``step``)."""
    return _fop("enigma.step", edge, x)


def mix(a: Any, b: Any, t: Any) -> Value:
    """``a + (b - a) * t`` (Metal ``mix``)."""
    return _fop("enigma.mix", a, b, t)


def smoothstep(e0: Any, e1: Any, x: Any) -> Value:
    """Hermite interpolation between 0 and 1 as `x` goes from `e0` to `e1` (Metal
    ``smoothstep``)."""
    return _fop("enigma.smoothstep", e0, e1, x)


def _predicate(op: str, x: Any) -> Value:
    vals, dt = _floats((x,))
    return _emit(op, vals, _with_elem(dt, _dt.b1))


def isfinite(x: Any) -> Value:
    """True where `x` is neither infinite nor NaN."""
    return _predicate("math.isfinite", x)


def isnormal(x: Any) -> Value:
    """True where `x` is a normal number (not zero, subnormal, infinite or NaN)."""
    return _predicate("math.isnormal", x)


def signbit(x: Any) -> Value:
    """True where the sign bit of `x` is set (-0.0 and negative NaNs included)."""
    return _predicate("enigma.signbit", x)


# ---------------------------------------------------------------------------------------------
# Integer math (§12) and bit operations (§13). Signedness comes from the dtype: the reference
# documents imin/imax as signed, which is wrong for unsigned values; Enigma compares u32 values
# as unsigned (docs/compat.md).
# ---------------------------------------------------------------------------------------------


def _ints(what: str, args: tuple[Any, ...]) -> tuple[list[Value], DType]:
    dt: DType | None = None
    for a in args:
        a = _np_scalar_to_literal(a)
        if isinstance(a, Value):
            dt = a.dtype if dt is None else _promote(dt, a.dtype)
    if dt is None:
        lits = [_np_scalar_to_literal(a) for a in args]
        dt = _dt.i32 if any(isinstance(a, int) and a < 0 for a in lits) else _dt.u32
    if dt.is_float:
        raise trace_type_error(
            f"enigma.{what} needs integer operands, got {dt.name}"
            + (" (use the float functions: fmin, fmax, clamp, abs)" if what[0] == "i" else "")
        )
    if dt.is_bool:
        dt = _with_elem(dt, _dt.u32)
    return [convert(a if isinstance(a, Value) else as_value(a, dt.elem), dt) for a in args], dt


def _unsigned_attr(dt: DType) -> dict | None:
    return {"is_unsigned": "unit"} if dt.is_unsigned else None


def _iop(what: str, op: str, *args: Any, signed_variant: bool = False) -> Value:
    """An integer op on operands brought to one integer dtype; `signed_variant` ops carry
    ``is_unsigned`` for unsigned dtypes (Metal's unsigned overload)."""
    vals, dt = _ints(what, args)
    return _emit(op, vals, dt, _unsigned_attr(dt) if signed_variant else None)


def imin(a: Any, b: Any) -> Value:
    """Integer minimum (signed for signed dtypes, unsigned for unsigned ones)."""
    vals, dt = _ints("imin", (a, b))
    return _emit("arith.minui" if dt.is_unsigned else "arith.minsi", vals, dt)


def imax(a: Any, b: Any) -> Value:
    """Integer maximum."""
    vals, dt = _ints("imax", (a, b))
    return _emit("arith.maxui" if dt.is_unsigned else "arith.maxsi", vals, dt)


def iclamp(x: Any, lo: Any, hi: Any) -> Value:
    """``imin(imax(x, lo), hi)``."""
    vals, dt = _ints("iclamp", (x, lo, hi))
    return imin(imax(vals[0], vals[1]), vals[2])


def _unsigned_twin(dt: DType) -> DType:
    e = {8: _dt.u8, 16: _dt.u16, 32: _dt.u32, 64: _dt.u64}[dt.elem.bits]
    return _with_elem(dt, e)


def abs_diff(a: Any, b: Any) -> Value:
    """``|a - b|`` without overflow; the result is the unsigned type of the operands' width
    (Metal's ``absdiff``: abs_diff(i32 -2**31, i32 2**31-1) is u32 2**32-1)."""
    vals, dt = _ints("abs_diff", (a, b))
    return _emit("enigma.abs_diff", vals, _unsigned_twin(dt), _unsigned_attr(dt))


def abs_diff_unary(x: Any) -> Value:
    """Integer absolute value (``abs`` of an integer; unsigned values are returned as is)."""
    vals, dt = _ints("abs_diff_unary", (x,))
    if dt.is_unsigned:
        return vals[0]
    return _emit("math.absi", vals, dt)


def add_sat(a: Any, b: Any) -> Value:
    """``a + b`` clamped to the dtype's range (Metal ``addsat``)."""
    return _iop("add_sat", "enigma.add_sat", a, b, signed_variant=True)


def sub_sat(a: Any, b: Any) -> Value:
    """``a - b`` clamped to the dtype's range (Metal ``subsat``)."""
    return _iop("sub_sat", "enigma.sub_sat", a, b, signed_variant=True)


def mad_sat(a: Any, b: Any, c: Any) -> Value:
    """``a * b + c`` computed exactly, then clamped to the dtype's range (Metal ``madsat``)."""
    return _iop("mad_sat", "enigma.mad_sat", a, b, c, signed_variant=True)


def mul_hi(a: Any, b: Any) -> Value:
    """The high half of the full-width product ``a * b`` (Metal ``mulhi``)."""
    vals, dt = _ints("mul_hi", (a, b))
    if dt.lanes or dt.bits < 32:
        # Widen, multiply, shift: exact for every width below 64 bits.
        wide = _with_elem(dt, _dt.i64 if dt.is_signed else _dt.u64)
        if dt.bits >= 64:
            raise trace_type_error("mul_hi of 64-bit vectors is not supported")
        x, y = convert(vals[0], wide), convert(vals[1], wide)
        return convert((x * y) >> dt.bits, dt)
    op = "arith.mului_extended" if dt.is_unsigned else "arith.mulsi_extended"
    d = current().emit(
        op, [v.id for v in vals], (dt.mlir, dt.mlir), frame=user_frame(2)
    )
    return Value(d["results"][1]["id"], dt)


def rotate(a: Any, b: Any) -> Value:
    """`a` rotated left by ``b % bits`` bits (Metal ``rotate``)."""
    return _iop("rotate", "enigma.rotate", a, b)


def popcount(x: Any) -> Value:
    """The number of set bits."""
    return _iop("popcount", "math.ctpop", x)


def clz(x: Any) -> Value:
    """The number of leading zero bits (the bit width for 0)."""
    return _iop("clz", "math.ctlz", x)


def ctz(x: Any) -> Value:
    """The number of trailing zero bits (the bit width for 0)."""
    return _iop("ctz", "math.cttz", x)


def reverse_bits(x: Any) -> Value:
    """The bits of `x` in reverse order."""
    return _iop("reverse_bits", "enigma.reverse_bits", x)


def _bit_count(v: Any, what: str, name: str) -> Value:
    v = _np_scalar_to_literal(v)
    if isinstance(v, Value):
        if v.dtype.lanes or not v.dtype.is_int:
            raise trace_type_error(f"enigma.{what}: {name} must be an integer, got {v.dtype.name}")
        return convert(v, _dt.u32)
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise trace_type_error(f"enigma.{what}: {name} must be a non-negative int, got {v!r}")
    return as_value(v, _dt.u32)


def _check_bit_range(what: str, dt: DType, offset: Any, bits: Any) -> None:
    o, b = _np_scalar_to_literal(offset), _np_scalar_to_literal(bits)
    if isinstance(o, int) and isinstance(b, int) and o + b > dt.bits:
        raise trace_type_error(
            f"enigma.{what}: offset {o} + bits {b} exceeds the {dt.bits} bits of {dt.name}"
        )


def extract_bits(value: Any, offset: Any, bits: Any) -> Value:
    """`bits` bits of `value` starting at bit `offset`, right-justified; sign-extended for
    signed dtypes, zero-extended for unsigned ones (Metal ``extract_bits``)."""
    vals, dt = _ints("extract_bits", (value,))
    _check_bit_range("extract_bits", dt.elem, offset, bits)
    o = _bit_count(offset, "extract_bits", "offset")
    b = _bit_count(bits, "extract_bits", "bits")
    return _emit("enigma.extract_bits", [vals[0], o, b], dt, _unsigned_attr(dt))


def insert_bits(base: Any, insert: Any, offset: Any, bits: Any) -> Value:
    """`base` with bits ``[offset, offset + bits)`` replaced by the low `bits` bits of
    `insert` (Metal ``insert_bits``)."""
    vals, dt = _ints("insert_bits", (base, insert))
    _check_bit_range("insert_bits", dt.elem, offset, bits)
    o = _bit_count(offset, "insert_bits", "offset")
    b = _bit_count(bits, "insert_bits", "bits")
    return _emit("enigma.insert_bits", [vals[0], vals[1], o, b], dt)
