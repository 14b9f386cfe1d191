"""Kernel memory: buffers and threadgroup arrays (``MemRef``), barriers and atomics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import dtypes as _dt
from ._tracer import (
    Value,
    as_value,
    bitcast,
    convert,
    current,
    to_index,
    trace_type_error,
    user_frame,
)
from .dtypes import DType

__all__ = [
    "MemRef",
    "atomic_add",
    "atomic_and",
    "atomic_compare_exchange",
    "atomic_compare_exchange_weak",
    "atomic_exchange",
    "atomic_fetch_add",
    "atomic_fetch_and",
    "atomic_fetch_max",
    "atomic_fetch_min",
    "atomic_fetch_or",
    "atomic_fetch_sub",
    "atomic_fetch_xor",
    "atomic_load",
    "atomic_max",
    "atomic_min",
    "atomic_or",
    "atomic_store",
    "atomic_sub",
    "atomic_xor",
    "barrier",
    "simd_barrier",
    "simdgroup_barrier",
    "threadgroup_alloc",
    "threadgroup_barrier",
]


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
        d = t.emit(
            "memref.load", [self.id, *ids], (self.dtype.mlir,), frame=user_frame(2)
        )
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
    try:
        dt = _dt.dtype(dtype)
    except TypeError as e:
        raise trace_type_error(f"threadgroup_alloc: {e}") from None
    if isinstance(shape, int):
        dims: tuple = (shape,)
    elif isinstance(shape, (list, tuple)):
        dims = tuple(shape)
    else:
        dims = ()  # a float, a traced value...: reported below
    if not dims or any(
        not isinstance(s, int) or isinstance(s, bool) or s < 1 for s in dims
    ):
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
    """Normalizes memory flags: Enigma's ``"threadgroup"``, the reference's
    ``"mem_threadgroup"``, Metal's ``"mem_flags::mem_threadgroup"``, the reference's
    ``"mem_device_and_threadgroup"``, ``"device|threadgroup"`` or a list of these."""
    if isinstance(mem, str):
        parts = [mem]
    elif isinstance(mem, (list, tuple)):
        parts = list(mem)
    else:
        raise trace_type_error(
            f"barrier memory flags must be a string or a list, got {mem!r}"
        )
    flat: list[str] = []
    for p in parts:
        if not isinstance(p, str):
            raise trace_type_error(f"barrier memory flags must be strings, got {p!r}")
        for x in p.split("|"):
            x = x.strip()
            if x.startswith("mem_flags::"):
                x = x[len("mem_flags::") :]
            if x.startswith("mem_"):
                x = x[4:]
            flat.extend(x.split("_and_") if x == "device_and_threadgroup" else [x])
    for p in flat:
        if p not in _FLAGS:
            raise trace_type_error(
                f"unknown barrier memory flag {p!r}; expected one of "
                "mem_none, mem_device, mem_threadgroup, mem_device_and_threadgroup, mem_texture"
            )
    flags = [p for p in flat if p != "none"]
    return "|".join(dict.fromkeys(flags)) if flags else "none"


def _barrier(op: str, mem: Any) -> None:
    current().emit(
        op,
        (),
        (),
        {"flags": f"#enigma.mem_flags<{_mem_flags(mem)}>"},
        frame=user_frame(3),
    )


def threadgroup_barrier(mem: str | Sequence[str] = "threadgroup") -> None:
    """Metal ``threadgroup_barrier(mem_flags)``: every thread of the threadgroup waits here,
    and memory operations on the flagged memory before it are visible after it. `mem` is
    ``"threadgroup"`` (default), ``"device"``, ``"none"``, ``"texture"``, a ``mem_``-prefixed
    name, ``"device|threadgroup"`` or a list."""
    _barrier("enigma.threadgroup_barrier", mem)


def barrier(mem_flags: str | Sequence[str] = "mem_threadgroup") -> None:
    """``threadgroup_barrier``: `mem_flags` is ``"mem_none"``, ``"mem_device"``,
    ``"mem_threadgroup"`` (default), ``"mem_device_and_threadgroup"`` or ``"mem_texture"``
    (Enigma's spellings of :func:`threadgroup_barrier` work too)."""
    _barrier("enigma.threadgroup_barrier", mem_flags)


def simd_barrier(mem_flags: str | Sequence[str] = "mem_threadgroup") -> None:
    """Metal ``simdgroup_barrier(mem_flags)``: the threads of the SIMD-group wait for each
    other; same flags as :func:`barrier` (default ``"mem_threadgroup"``)."""
    _barrier("enigma.simdgroup_barrier", mem_flags)


def simdgroup_barrier(mem: str | Sequence[str] = "none") -> None:
    """Metal ``simdgroup_barrier(mem_flags)`` (default ``mem_none``)."""
    _barrier("enigma.simdgroup_barrier", mem)


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


_ORDERS = ("relaxed", "acquire", "release", "acq_rel", "seq_cst")
_ORDER_STRENGTH = {"relaxed": 0, "acquire": 1, "release": 1, "acq_rel": 2, "seq_cst": 3}


def _order(
    order: Any, what: str, allowed: tuple[str, ...] = _ORDERS, param: str = "order"
) -> str:
    o = order
    if isinstance(o, str):
        o = o.strip()
        if o.startswith("memory_order_"):
            o = o[len("memory_order_") :]
    if o not in _ORDERS:
        raise trace_type_error(
            f"{what}: unknown memory order {order!r}; expected one of "
            + ", ".join(repr(x) for x in _ORDERS)
        )
    if o not in allowed:
        raise trace_type_error(
            f"{what}: {param}={o!r} is not valid here (allowed: "
            + ", ".join(repr(x) for x in allowed)
            + ")"
        )
    return o


def _order_attrs(attrs: dict, order: str, name: str = "order") -> dict:
    if order != "relaxed":
        attrs[name] = f"#enigma.memory_order<{order}>"
    return attrs


def _atomic_rmw(
    kind: str,
    buf: Any,
    index: Any,
    value: Any,
    order: Any = "relaxed",
    what: str | None = None,
) -> Value:
    what = what or f"atomic_{kind}"
    o = _order(order, what)
    m, idx = _atomic_target(buf, what, index)
    if m.dtype.is_float and kind not in ("add", "sub", "exchange"):
        raise trace_type_error(
            f"{what} is not available for f32 (Metal's atomic_float supports add, sub and "
            "exchange)"
        )
    v = convert(
        value if isinstance(value, Value) else as_value(value, m.dtype), m.dtype
    )
    attrs: dict = {"kind": f"#enigma.atomic<{kind}>"}
    if m.dtype.is_unsigned:
        attrs["is_unsigned"] = "unit"
    _order_attrs(attrs, o)
    d = current().emit(
        "enigma.atomic_rmw",
        [v.id, m.id, *idx],
        (m.dtype.mlir,),
        attrs,
        frame=user_frame(3),
    )
    return Value(d["results"][0]["id"], m.dtype)


def atomic_add(buf: Any, index: Any, value: Any, order: Any = "relaxed") -> Value:
    """Atomically ``buf[index] += value``; returns the previous value."""
    return _atomic_rmw("add", buf, index, value, order)


def atomic_sub(buf: Any, index: Any, value: Any, order: Any = "relaxed") -> Value:
    """Atomically ``buf[index] -= value``; returns the previous value."""
    return _atomic_rmw("sub", buf, index, value, order)


def atomic_min(buf: Any, index: Any, value: Any, order: Any = "relaxed") -> Value:
    """Atomic minimum (integers; unsigned for u32 buffers); returns the previous value."""
    return _atomic_rmw("min", buf, index, value, order)


def atomic_max(buf: Any, index: Any, value: Any, order: Any = "relaxed") -> Value:
    """Atomic maximum; returns the previous value."""
    return _atomic_rmw("max", buf, index, value, order)


def atomic_and(buf: Any, index: Any, value: Any, order: Any = "relaxed") -> Value:
    """Atomic bitwise and; returns the previous value."""
    return _atomic_rmw("and", buf, index, value, order)


def atomic_or(buf: Any, index: Any, value: Any, order: Any = "relaxed") -> Value:
    """Atomic bitwise or; returns the previous value."""
    return _atomic_rmw("or", buf, index, value, order)


def atomic_xor(buf: Any, index: Any, value: Any, order: Any = "relaxed") -> Value:
    """Atomic bitwise xor; returns the previous value."""
    return _atomic_rmw("xor", buf, index, value, order)


def atomic_fetch_add(buf: Any, index: Any, value: Any, order: Any = "relaxed") -> Value:
    """Metal ``atomic_fetch_add_explicit``: adds `value` to ``buf[index]``, returns the old
    value. `order` is "relaxed" (default), "acquire", "release" or "acq_rel"."""
    return _atomic_rmw("add", buf, index, value, order, "atomic_fetch_add")


def atomic_fetch_sub(buf: Any, index: Any, value: Any, order: Any = "relaxed") -> Value:
    """Atomic subtract; returns the old value."""
    return _atomic_rmw("sub", buf, index, value, order, "atomic_fetch_sub")


def atomic_fetch_min(buf: Any, index: Any, value: Any, order: Any = "relaxed") -> Value:
    """Atomic minimum (integer buffers; unsigned for u32); returns the old value."""
    return _atomic_rmw("min", buf, index, value, order, "atomic_fetch_min")


def atomic_fetch_max(buf: Any, index: Any, value: Any, order: Any = "relaxed") -> Value:
    """Atomic maximum; returns the old value."""
    return _atomic_rmw("max", buf, index, value, order, "atomic_fetch_max")


def atomic_fetch_and(buf: Any, index: Any, value: Any, order: Any = "relaxed") -> Value:
    """Atomic bitwise and; returns the old value."""
    return _atomic_rmw("and", buf, index, value, order, "atomic_fetch_and")


def atomic_fetch_or(buf: Any, index: Any, value: Any, order: Any = "relaxed") -> Value:
    """Atomic bitwise or; returns the old value."""
    return _atomic_rmw("or", buf, index, value, order, "atomic_fetch_or")


def atomic_fetch_xor(buf: Any, index: Any, value: Any, order: Any = "relaxed") -> Value:
    """Atomic bitwise xor; returns the old value."""
    return _atomic_rmw("xor", buf, index, value, order, "atomic_fetch_xor")


def atomic_exchange(buf: Any, index: Any, value: Any, order: Any = "relaxed") -> Value:
    """Atomically stores `value` and returns the previous value."""
    return _atomic_rmw("exchange", buf, index, value, order, "atomic_exchange")


def _cmpxchg(
    what: str,
    buf: Any,
    index: Any,
    expected: Any,
    value: Any,
    success_order: Any,
    failure_order: Any,
) -> tuple[Value, Value]:
    so = _order(success_order, what, param="success_order")
    fo = _order(failure_order, what, ("relaxed", "acquire", "seq_cst"), "failure_order")
    if _ORDER_STRENGTH[fo] > _ORDER_STRENGTH[so] or (
        fo == "acquire" and so == "release"
    ):
        raise trace_type_error(
            f"{what}: failure_order={fo!r} may not be stronger than success_order={so!r}"
        )
    m, idx = _atomic_target(buf, what, index)
    e = convert(
        expected if isinstance(expected, Value) else as_value(expected, m.dtype),
        m.dtype,
    )
    v = convert(
        value if isinstance(value, Value) else as_value(value, m.dtype), m.dtype
    )
    attrs: dict = {"is_unsigned": "unit"} if m.dtype.is_unsigned else {}
    _order_attrs(attrs, so)
    _order_attrs(attrs, fo, "failure_order")
    d = current().emit(
        "enigma.atomic_cmpxchg",
        [e.id, v.id, m.id, *idx],
        (m.dtype.mlir,),
        attrs or None,
        frame=user_frame(3),
    )
    return Value(d["results"][0]["id"], m.dtype), e


def atomic_compare_exchange(
    buf: Any,
    index: Any,
    expected: Any,
    value: Any,
    success_order: Any = "relaxed",
    failure_order: Any = "relaxed",
) -> Value:
    """Stores `value` if ``buf[index] == expected``; returns the value found (a strong
    compare-exchange: the exchange happened exactly when the result equals `expected`)."""
    found, _ = _cmpxchg(
        "atomic_compare_exchange",
        buf,
        index,
        expected,
        value,
        success_order,
        failure_order,
    )
    return found


def atomic_compare_exchange_weak(
    buf: Any,
    index: Any,
    expected: Any,
    desired: Any,
    success_order: Any = "relaxed",
    failure_order: Any = "relaxed",
) -> Value:
    """Metal ``atomic_compare_exchange_weak_explicit``: stores `desired` if
    ``buf[index] == expected``; returns a bool, true when the exchange happened. Enigma never
    fails spuriously (a strong compare-exchange is a valid weak one), so a retry loop around
    it ends as soon as the value matches."""
    found, e = _cmpxchg(
        "atomic_compare_exchange_weak",
        buf,
        index,
        expected,
        desired,
        success_order,
        failure_order,
    )
    from ._tracer import compare

    if found.dtype.is_float:
        # atomic_float compares bits: compare the bit patterns, not the float values.
        return compare("eq", bitcast(found, _dt.u32), bitcast(e, _dt.u32))
    return compare("eq", found, e)


def atomic_load(buf: Any, index: Any, order: Any = "relaxed") -> Value:
    """Atomic load (`order`: "relaxed", "acquire")."""
    o = _order(order, "atomic_load", ("relaxed", "acquire", "seq_cst"))
    m, idx = _atomic_target(buf, "atomic_load", index)
    attrs: dict = {"is_unsigned": "unit"} if m.dtype.is_unsigned else {}
    _order_attrs(attrs, o)
    d = current().emit(
        "enigma.atomic_load",
        [m.id, *idx],
        (m.dtype.mlir,),
        attrs or None,
        frame=user_frame(2),
    )
    return Value(d["results"][0]["id"], m.dtype)


def atomic_store(buf: Any, index: Any, value: Any, order: Any = "relaxed") -> None:
    """Atomic store (`order`: "relaxed", "release")."""
    o = _order(order, "atomic_store", ("relaxed", "release", "seq_cst"))
    m, idx = _atomic_target(buf, "atomic_store", index)
    v = convert(
        value if isinstance(value, Value) else as_value(value, m.dtype), m.dtype
    )
    attrs: dict = {"is_unsigned": "unit"} if m.dtype.is_unsigned else {}
    _order_attrs(attrs, o)
    current().emit(
        "enigma.atomic_store",
        [v.id, m.id, *idx],
        (),
        attrs or None,
        frame=user_frame(2),
    )


def _atomic_method(fn: Any) -> Any:
    def method(self: MemRef, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)

    method.__name__ = fn.__name__
    method.__doc__ = f"``enigma.{fn.__name__}(buffer, ...)`` as a method of the buffer."
    return method


for _fn in (
    atomic_load,
    atomic_store,
    atomic_exchange,
    atomic_fetch_add,
    atomic_fetch_sub,
    atomic_fetch_min,
    atomic_fetch_max,
    atomic_fetch_and,
    atomic_fetch_or,
    atomic_fetch_xor,
    atomic_compare_exchange_weak,
    atomic_compare_exchange,
    atomic_add,
    atomic_sub,
    atomic_min,
    atomic_max,
    atomic_and,
    atomic_or,
    atomic_xor,
):
    setattr(MemRef, _fn.__name__, _atomic_method(_fn))
del _fn
