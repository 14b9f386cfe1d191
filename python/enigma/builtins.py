"""Kernel built-ins: thread/grid queries, memory, math, selection, casts, SIMD-group ops, atomics.

All of these are only valid while a kernel is being traced; each records one or a few ops.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import dtypes as _dt
from ._tracer import (
    INDEX,
    Value,
    as_value,
    bitcast,
    convert,
    current,
    to_index,
    trace_type_error,
    unify,
    user_frame,
)
from .dtypes import DType

__all__ = [
    "MemRef",
    "abs",
    "acos",
    "acosh",
    "as_type",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "atomic_add",
    "atomic_and",
    "atomic_compare_exchange",
    "atomic_exchange",
    "atomic_load",
    "atomic_max",
    "atomic_min",
    "atomic_or",
    "atomic_store",
    "atomic_sub",
    "atomic_xor",
    "barrier",
    "ceil",
    "clamp",
    "cmp_eq",
    "cmp_ge",
    "cmp_gt",
    "cmp_le",
    "cmp_lt",
    "cmp_ne",
    "copysign",
    "cos",
    "cosh",
    "exp",
    "exp2",
    "fabs",
    "floor",
    "fma",
    "grid_size",
    "isinf",
    "isnan",
    "log",
    "log2",
    "log10",
    "max",
    "metal_cast",
    "min",
    "num_threadgroups",
    "pow",
    "quad_and",
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
    "round",
    "rsqrt",
    "select",
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
    "simdgroup_barrier",
    "simdgroup_index_in_threadgroup",
    "simdgroups_per_threadgroup",
    "sin",
    "sinh",
    "sqrt",
    "tan",
    "tanh",
    "thread_id",
    "thread_index_in_simdgroup",
    "thread_index_in_threadgroup",
    "thread_position_in_grid",
    "thread_position_in_threadgroup",
    "threadgroup_alloc",
    "threadgroup_barrier",
    "threadgroup_id",
    "threadgroup_position_in_grid",
    "threadgroup_size",
    "threadgroups_per_grid",
    "threads_per_grid",
    "threads_per_simdgroup",
    "threads_per_threadgroup",
    "trunc",
    "where",
]

_DIMS = {"x": "x", "y": "y", "z": "z", 0: "x", 1: "y", 2: "z"}


# ---------------------------------------------------------------------------------------------
# Thread and grid queries
# ---------------------------------------------------------------------------------------------


def _query(op: str, dim: str | None) -> Value:
    t = current()
    f = user_frame(3)
    attrs = {"dim": f"#enigma<dim {dim}>"} if dim is not None else None
    d = t.emit(op, (), ("index",), attrs, frame=f)
    idx = Value(d["results"][0]["id"], INDEX)
    return convert(idx, _dt.u32)


class _Builtin3:
    """A Metal ``uint3`` builtin: ``.x``, ``.y``, ``.z`` or ``(dim)`` give a u32 value."""

    __slots__ = ("_op",)

    def __init__(self, op: str) -> None:
        self._op = op

    def __repr__(self) -> str:
        return f"enigma.{self._op.split('.', 1)[1]}"

    def _get(self, dim: Any) -> Value:
        d = _DIMS.get(dim)
        if d is None:
            raise trace_type_error(f"dim must be 0, 1, 2, 'x', 'y' or 'z', got {dim!r}")
        return _query(self._op, d)

    @property
    def x(self) -> Value:
        return self._get("x")

    @property
    def y(self) -> Value:
        return self._get("y")

    @property
    def z(self) -> Value:
        return self._get("z")

    def __call__(self, dim: int | str = 0) -> Value:
        return self._get(dim)


thread_position_in_grid = _Builtin3("enigma.thread_position_in_grid")
thread_position_in_threadgroup = _Builtin3("enigma.thread_position_in_threadgroup")
threadgroup_position_in_grid = _Builtin3("enigma.threadgroup_position_in_grid")
threads_per_threadgroup = _Builtin3("enigma.threads_per_threadgroup")
threadgroups_per_grid = _Builtin3("enigma.threadgroups_per_grid")
threads_per_grid = _Builtin3("enigma.threads_per_grid")


def thread_id(dim: int | str = 0) -> Value:
    """``thread_position_in_grid`` component `dim` (0/'x', 1/'y', 2/'z') as u32."""
    return thread_position_in_grid._get(dim)


def threadgroup_id(dim: int | str = 0) -> Value:
    """``threadgroup_position_in_grid`` component `dim` as u32."""
    return threadgroup_position_in_grid._get(dim)


def threadgroup_size(dim: int | str = 0) -> Value:
    """``threads_per_threadgroup`` component `dim` as u32."""
    return threads_per_threadgroup._get(dim)


def grid_size(dim: int | str = 0) -> Value:
    """``threads_per_grid`` component `dim` as u32."""
    return threads_per_grid._get(dim)


def num_threadgroups(dim: int | str = 0) -> Value:
    """``threadgroups_per_grid`` component `dim` as u32."""
    return threadgroups_per_grid._get(dim)


def thread_index_in_threadgroup() -> Value:
    """Metal's ``[[thread_index_in_threadgroup]]`` (u32)."""
    return _query("enigma.thread_index_in_threadgroup", None)


def thread_index_in_simdgroup() -> Value:
    """Metal's ``[[thread_index_in_simdgroup]]`` (u32)."""
    return _query("enigma.thread_index_in_simdgroup", None)


def simdgroup_index_in_threadgroup() -> Value:
    """Metal's ``[[simdgroup_index_in_threadgroup]]`` (u32)."""
    return _query("enigma.simdgroup_index_in_threadgroup", None)


def threads_per_simdgroup() -> Value:
    """Metal's ``[[threads_per_simdgroup]]`` (u32)."""
    return _query("enigma.threads_per_simdgroup", None)


def simdgroups_per_threadgroup() -> Value:
    """Metal's ``[[simdgroups_per_threadgroup]]`` (u32)."""
    return _query("enigma.simdgroups_per_threadgroup", None)


# ---------------------------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------------------------


class MemRef:
    """A buffer parameter or a threadgroup array: ``A[i]`` loads, ``A[i] = v`` stores.

    Multi-dimensional arrays take one index per dimension (``tile[r, c]``). A stored value is
    converted to the element type like a numpy assignment.
    """

    def __init__(
        self,
        id_: int,
        dt: DType,
        mlir_type: str,
        shape: Sequence[int | None],
        name: str,
        param: dict | None = None,
    ) -> None:
        self.id = id_
        self.dtype = dt
        self.mlir_type = mlir_type
        self.shape = tuple(shape)
        self.name = name
        self.param = param
        self.read = False
        self.written = False
        self.atomic = False

    def __repr__(self) -> str:
        return f"<enigma buffer {self.name}: {self.mlir_type}>"

    def __bool__(self) -> bool:
        raise trace_type_error("a kernel buffer cannot be used as a Python bool")

    def _indices(self, idx: Any) -> list[int]:
        if not isinstance(idx, tuple):
            idx = (idx,)
        if len(idx) != len(self.shape):
            raise trace_type_error(
                f"{self.name} has {len(self.shape)} dimension(s) but was indexed with "
                f"{len(idx)} index(es)"
            )
        return [to_index(i).id for i in idx]

    def __getitem__(self, idx: Any) -> Value:
        t = current()
        ids = self._indices(idx)
        self.read = True
        d = t.emit("memref.load", [self.id, *ids], (self.dtype.mlir,), frame=user_frame(2))
        return Value(d["results"][0]["id"], self.dtype)

    def __setitem__(self, idx: Any, value: Any) -> None:
        t = current()
        ids = self._indices(idx)
        v = value if isinstance(value, Value) else as_value(value, self.dtype)
        v = convert(v, self.dtype)
        self.written = True
        t.emit("memref.store", [v.id, self.id, *ids], frame=user_frame(2))

    def load(self, offset: Any) -> Value:
        """``A[offset]``."""
        return self[offset]

    def store(self, offset: Any, value: Any) -> None:
        """``A[offset] = value``."""
        self[offset] = value

    def finalize_access(self) -> None:
        if self.param is None:
            return
        if self.atomic or (self.read and self.written):
            access = "read_write"
        elif self.written:
            access = "write"
        else:
            access = "read"
        self.param["access"] = access


def _memref_type(shape: Sequence[int | None], dt: DType, space: str) -> str:
    dims = "x".join("?" if s is None else str(s) for s in shape)
    return f"memref<{dims}x{dt.mlir}, #enigma.address_space<{space}>>"


def threadgroup_alloc(
    dtype: DType | str, shape: int | Sequence[int], name: str | None = None
) -> MemRef:
    """Threadgroup memory shared by a threadgroup: ``tg = enigma.threadgroup_alloc(enigma.f32,
    256)``; index it like a buffer (``tg[i]``, or ``tg[r, c]`` for a 2-D shape)."""
    dt = _dt.dtype(dtype)
    dims = (shape,) if isinstance(shape, int) else tuple(shape)
    if not dims or any(not isinstance(s, int) or isinstance(s, bool) or s < 1 for s in dims):
        raise trace_type_error(
            f"threadgroup_alloc needs a static shape of positive ints, got {shape!r}"
        )
    t = current()
    mt = _memref_type(dims, dt, "threadgroup")
    d = t.emit("enigma.threadgroup_alloc", (), (mt,), frame=user_frame(2))
    if name:
        d["results"][0]["name"] = name
    return MemRef(d["results"][0]["id"], dt, mt, dims, name or "threadgroup array")


_FLAGS = ("none", "device", "threadgroup", "texture", "threadgroup_imageblock")


def _mem_flags(mem: str | Sequence[str]) -> str:
    parts = [mem] if isinstance(mem, str) else list(mem)
    flat: list[str] = []
    for p in parts:
        flat.extend(x.strip() for x in p.split("|"))
    for p in flat:
        if p not in _FLAGS:
            raise trace_type_error(
                f"unknown barrier memory flag {p!r}; expected one of {', '.join(_FLAGS)}"
            )
    flags = [p for p in flat if p != "none"]
    return "|".join(dict.fromkeys(flags)) if flags else "none"


def threadgroup_barrier(mem: str | Sequence[str] = "threadgroup") -> None:
    """Metal ``threadgroup_barrier(mem_flags)``; `mem` is ``"threadgroup"`` (default),
    ``"device"``, ``"none"``, ``"texture"`` or a list / ``"device|threadgroup"``."""
    current().emit(
        "enigma.threadgroup_barrier",
        (),
        (),
        {"flags": f"#enigma.mem_flags<{_mem_flags(mem)}>"},
        frame=user_frame(2),
    )


def barrier(mem: str | Sequence[str] = "threadgroup") -> None:
    """Same as :func:`threadgroup_barrier`."""
    current().emit(
        "enigma.threadgroup_barrier",
        (),
        (),
        {"flags": f"#enigma.mem_flags<{_mem_flags(mem)}>"},
        frame=user_frame(2),
    )


def simdgroup_barrier(mem: str | Sequence[str] = "none") -> None:
    """Metal ``simdgroup_barrier(mem_flags)``."""
    current().emit(
        "enigma.simdgroup_barrier",
        (),
        (),
        {"flags": f"#enigma.mem_flags<{_mem_flags(mem)}>"},
        frame=user_frame(2),
    )


# ---------------------------------------------------------------------------------------------
# Selection, comparison and casts
# ---------------------------------------------------------------------------------------------


def where(cond: Any, a: Any, b: Any) -> Value:
    """``cond ? a : b`` (numpy argument order); `a` and `b` are promoted to a common dtype."""
    c = cond if isinstance(cond, Value) else as_value(cond, _dt.b1)
    if not c.dtype.is_bool:
        c = convert(c, _dt.b1)
    if not isinstance(a, Value) and not isinstance(b, Value):
        a = as_value(a)
    x, y, dt = unify(a, b)
    d = current().emit("arith.select", (c.id, x.id, y.id), (dt.mlir,), frame=user_frame(2))
    return Value(d["results"][0]["id"], dt)


select = where


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


def _cmp(kind: str, a: Any, b: Any) -> Value:
    from ._tracer import compare

    if not isinstance(a, Value) and not isinstance(b, Value):
        a = as_value(a)
    return compare(kind, a, b)


def metal_cast(x: Any, dtype: DType | str) -> Value:
    """Value conversion to `dtype` (``static_cast`` in MSL): f32 -> i32 truncates, etc."""
    dt = _dt.dtype(dtype)
    return convert(x if isinstance(x, Value) else as_value(x, dt), dt)


def as_type(x: Any, dtype: DType | str) -> Value:
    """Bit reinterpretation to `dtype` of the same size (Metal's ``as_type<T>``)."""
    dt = _dt.dtype(dtype)
    v = x if isinstance(x, Value) else as_value(x)
    return bitcast(v, dt)


# ---------------------------------------------------------------------------------------------
# Math
# ---------------------------------------------------------------------------------------------


def _float_arg(x: Any, what: str) -> Value:
    v = x if isinstance(x, Value) else as_value(x, _dt.f32 if not isinstance(x, Value) else None)
    if not v.dtype.is_float:
        v = convert(v, _dt.f32)
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
        x, y, dt = convert(x, _dt.f32), convert(y, _dt.f32), _dt.f32
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


fabs = abs


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
    d = current().emit(
        "arith.cmpf", (v.id, v.id), ("i1",), {"predicate": "14 : i64"}, frame=user_frame(2)
    )
    return Value(d["results"][0]["id"], _dt.b1)


def isinf(x: Any) -> Value:
    """True where x is +-inf."""
    v = _float_arg(x, "isinf")
    a = v.__abs__()
    return a == float("inf")


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


def _shuffle(group: str, kind: str, x: Any, lane: Any) -> Value:
    v = _lane_value(x)
    ln = lane if isinstance(lane, Value) else as_value(lane, _dt.u32)
    if not ln.dtype.is_int or ln.dtype.is_bool:
        raise trace_type_error(f"the lane of {group}_shuffle must be an integer")
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


def simd_broadcast(x: Any, lane: Any) -> Value:
    """Every lane receives lane `lane`'s value."""
    v = _lane_value(x)
    ln = lane if isinstance(lane, Value) else as_value(lane, _dt.u32)
    d = current().emit("enigma.simd_broadcast", (v.id, ln.id), (v.dtype.mlir,), frame=user_frame(2))
    return Value(d["results"][0]["id"], v.dtype)


# ---------------------------------------------------------------------------------------------
# Atomics
# ---------------------------------------------------------------------------------------------


def _atomic_target(buf: Any, what: str, index: Any = None) -> tuple[MemRef, list[int]]:
    """The memref an atomic works on and the index ids of `index` (through a tensor layout)."""
    from .tensor import TensorValue

    if isinstance(buf, TensorValue):
        index = buf.offset_of(index)
        buf = buf.memref
    if not isinstance(buf, MemRef):
        raise trace_type_error(
            f"{what} needs a kernel buffer or threadgroup array, got {type(buf).__name__}"
        )
    if buf.dtype not in (_dt.i32, _dt.u32, _dt.f32):
        raise trace_type_error(
            f"{what} needs a buffer of i32, u32 or f32 (Metal's atomic types), got {buf.dtype.name}"
        )
    buf.atomic = True
    return buf, buf._indices(index)


def _atomic_rmw(kind: str, buf: Any, index: Any, value: Any) -> Value:
    m, idx = _atomic_target(buf, f"atomic_{kind}", index)
    if m.dtype.is_float and kind not in ("add", "sub", "exchange"):
        raise trace_type_error(
            f"atomic_{kind} is not available for f32 (Metal's atomic_float "
            "supports add, sub and exchange)"
        )
    v = convert(value if isinstance(value, Value) else as_value(value, m.dtype), m.dtype)
    attrs = {"kind": f"#enigma.atomic<{kind}>"}
    if m.dtype.is_unsigned:
        attrs["is_unsigned"] = "unit"
    d = current().emit(
        "enigma.atomic_rmw", [v.id, m.id, *idx], (m.dtype.mlir,), attrs, frame=user_frame(3)
    )
    return Value(d["results"][0]["id"], m.dtype)


def atomic_add(buf: Any, index: Any, value: Any) -> Value:
    """Atomically ``buf[index] += value``; returns the previous value (relaxed order)."""
    return _atomic_rmw("add", buf, index, value)


def atomic_sub(buf: Any, index: Any, value: Any) -> Value:
    """Atomically ``buf[index] -= value``; returns the previous value."""
    return _atomic_rmw("sub", buf, index, value)


def atomic_min(buf: Any, index: Any, value: Any) -> Value:
    """Atomic minimum (integers; unsigned for u32 buffers)."""
    return _atomic_rmw("min", buf, index, value)


def atomic_max(buf: Any, index: Any, value: Any) -> Value:
    """Atomic maximum."""
    return _atomic_rmw("max", buf, index, value)


def atomic_and(buf: Any, index: Any, value: Any) -> Value:
    """Atomic bitwise and."""
    return _atomic_rmw("and", buf, index, value)


def atomic_or(buf: Any, index: Any, value: Any) -> Value:
    """Atomic bitwise or."""
    return _atomic_rmw("or", buf, index, value)


def atomic_xor(buf: Any, index: Any, value: Any) -> Value:
    """Atomic bitwise xor."""
    return _atomic_rmw("xor", buf, index, value)


def atomic_exchange(buf: Any, index: Any, value: Any) -> Value:
    """Atomically stores `value` and returns the previous value."""
    return _atomic_rmw("exchange", buf, index, value)


def atomic_compare_exchange(buf: Any, index: Any, expected: Any, value: Any) -> Value:
    """Stores `value` if ``buf[index] == expected``; returns the value found (strong)."""
    m, idx = _atomic_target(buf, "atomic_compare_exchange", index)
    e = convert(expected if isinstance(expected, Value) else as_value(expected, m.dtype), m.dtype)
    v = convert(value if isinstance(value, Value) else as_value(value, m.dtype), m.dtype)
    attrs = {"is_unsigned": "unit"} if m.dtype.is_unsigned else None
    d = current().emit(
        "enigma.atomic_cmpxchg",
        [e.id, v.id, m.id, *idx],
        (m.dtype.mlir,),
        attrs,
        frame=user_frame(2),
    )
    return Value(d["results"][0]["id"], m.dtype)


def atomic_load(buf: Any, index: Any) -> Value:
    """Atomic (relaxed) load."""
    m, idx = _atomic_target(buf, "atomic_load", index)
    attrs = {"is_unsigned": "unit"} if m.dtype.is_unsigned else None
    d = current().emit(
        "enigma.atomic_load", [m.id, *idx], (m.dtype.mlir,), attrs, frame=user_frame(2)
    )
    return Value(d["results"][0]["id"], m.dtype)


def atomic_store(buf: Any, index: Any, value: Any) -> None:
    """Atomic (relaxed) store."""
    m, idx = _atomic_target(buf, "atomic_store", index)
    v = convert(value if isinstance(value, Value) else as_value(value, m.dtype), m.dtype)
    attrs = {"is_unsigned": "unit"} if m.dtype.is_unsigned else None
    current().emit("enigma.atomic_store", [v.id, m.id, *idx], (), attrs, frame=user_frame(2))
