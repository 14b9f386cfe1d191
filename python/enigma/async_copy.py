"""SIMD-group asynchronous copies between device and threadgroup memory (§34 of the reference).

Metal's undocumented ``air.simdgroup_async_copy_*`` intrinsics (Apple GPU family 9: M3 and
later). A copy is issued by the SIMD-group: every active thread of the SIMD-group executes it
with the same operands and the copy happens once; ``async_copy_wait`` makes its data visible
to the SIMD-group (other SIMD-groups need ``enigma.barrier()`` as usual). The CPU runtime
implements the same semantics, so kernels using them run everywhere.
"""

from __future__ import annotations

from typing import Any

from ._tracer import (
    Value,
    _np_scalar_to_literal,
    current,
    to_index,
    trace_type_error,
    user_frame,
)
from .memory import MemRef

__all__ = [
    "AsyncCopyEvent",
    "async_copy_1d_d2t",
    "async_copy_1d_t2d",
    "async_copy_2d_d2t",
    "async_copy_2d_t2d",
    "async_copy_commit",
    "async_copy_to_threadgroup",
    "async_copy_wait",
]

_EVENT_TYPE = "!enigma.async_copy_event"


class AsyncCopyEvent:
    """The event of an async copy; pass it to :func:`async_copy_wait`."""

    __slots__ = ("id",)
    _named_result = True  # the tracer names it after the user's variable

    def __init__(self, id_: int) -> None:
        self.id = id_

    def __repr__(self) -> str:
        return f"<enigma async copy event %{self.id}>"

    def __bool__(self) -> bool:
        raise trace_type_error("an async copy event cannot be used as a Python bool")


def _space(m: MemRef) -> str:
    for space in ("threadgroup", "device", "constant", "thread"):
        if f"address_space<{space}>" in m.mlir_type:
            return space
    return "unknown"


def _operand(x: Any, role: str, what: str) -> tuple[MemRef, Any]:
    """The buffer and base element offset a copy operand denotes."""
    from .tensor import TensorValue

    if isinstance(x, str):
        for buf in current().buffers:
            if buf.name == x:
                return buf, 0
        names = ", ".join(repr(b.name) for b in current().buffers) or "none"
        raise trace_type_error(
            f"{what}: no kernel buffer named {x!r} ({role}); buffers: {names}"
        )
    if isinstance(x, TensorValue):
        if x.swizzled:
            # The copy moves raw elements from the view's start: through a swizzle that would
            # silently put them elsewhere than the view's own accesses expect.
            raise trace_type_error(
                f"{what}: {role} is a view through a swizzled layout; async copies move "
                "contiguous elements from a view's start: copy the underlying buffer or "
                "threadgroup array and index it through the swizzled tensor"
            )
        return x.memref, x.offset
    if isinstance(x, MemRef):
        return x, 0
    if type(x).__name__ == "RegisterTensor":
        raise trace_type_error(
            f"{what}: {role} is a register tensor, which lives in each thread's registers; "
            "async copies move data between device and threadgroup memory"
        )
    raise trace_type_error(
        f"{what}: {role} must be a kernel buffer, a threadgroup array, a tensor or a buffer "
        f"name, got {type(x).__name__}"
    )


def _count(x: Any, what: str, name: str, positive: bool = False) -> int:
    x = _np_scalar_to_literal(x)
    if isinstance(x, int) and not isinstance(x, bool):
        if x < 0 or (positive and x == 0):
            bound = "positive" if positive else "non-negative"
            raise trace_type_error(f"{what}: {name} must be {bound}, got {x}")
    elif not isinstance(x, Value):
        raise trace_type_error(
            f"{what}: {name} must be an integer, got {type(x).__name__}"
        )
    return to_index(x).id


def _offset(base: Any, x: Any, what: str, name: str) -> int:
    """The index id of `base + x` (`base`: a tensor's base offset, usually 0)."""
    idx = _count(x, what, name)
    if isinstance(base, int) and not isinstance(base, bool) and base == 0:
        return idx
    b = to_index(base)
    d = current().emit("arith.addi", [b.id, idx], ("index",), frame=user_frame(2))
    return d["results"][0]["id"]


def _copy(
    op: str,
    what: str,
    dst: Any,
    src: Any,
    d2t: bool,
    index_args: list[tuple[Any, str, bool]],
    dst_offset: Any,
    src_offset: Any,
) -> AsyncCopyEvent:
    dm, dbase = _operand(dst, "dst", what)
    sm, sbase = _operand(src, "src", what)
    want_dst, want_src = ("threadgroup", "device") if d2t else ("device", "threadgroup")
    for m, role, want in ((dm, "dst", want_dst), (sm, "src", want_src)):
        space = _space(m)
        if space != want:
            direction = "device -> threadgroup" if d2t else "threadgroup -> device"
            kind = "a threadgroup array" if want == "threadgroup" else "a kernel buffer"
            raise trace_type_error(
                f"{what} copies {direction}: {role} must be {kind}, got {m.name} ({space} memory)"
            )
        if len(m.shape) != 1:
            raise trace_type_error(
                f"{what}: {role} {m.name} has {len(m.shape)} dimensions; async copies take "
                "1-D buffers and threadgroup arrays (offsets and row strides are in elements)"
            )
    if dm.dtype is not sm.dtype:
        raise trace_type_error(
            f"{what}: dst {dm.name} holds {dm.dtype.name} but src {sm.name} holds "
            f"{sm.dtype.name}; an async copy does not convert"
        )
    doff = _offset(dbase, dst_offset, what, "dst_offset")
    soff = _offset(sbase, src_offset, what, "src_offset")
    rest = [_count(v, what, name, positive) for v, name, positive in index_args]
    dm.written = True
    sm.read = True
    t = current()
    if op.startswith("enigma.async_copy_1d"):
        operands = [dm.id, doff, sm.id, soff, rest[0]]
    else:
        dst_epr, src_epr, cols, rows = rest
        operands = [dm.id, doff, dst_epr, sm.id, soff, src_epr, cols, rows]
    d = t.emit(op, operands, (_EVENT_TYPE,), frame=user_frame(3))
    return AsyncCopyEvent(d["results"][0]["id"])


def async_copy_1d_d2t(
    dst: Any, dst_offset: Any, src: Any, src_offset: Any, count: Any
) -> Any:
    """Starts copying ``count`` elements from device ``src[src_offset:]`` to threadgroup
    ``dst[dst_offset:]``; returns the copy's event."""
    what = "async_copy_1d_d2t"
    return _copy(
        "enigma." + what,
        what,
        dst,
        src,
        True,
        [(count, "count", False)],
        dst_offset,
        src_offset,
    )


def async_copy_1d_t2d(
    dst: Any, dst_offset: Any, src: Any, src_offset: Any, count: Any
) -> Any:
    """Starts copying ``count`` elements from threadgroup ``src[src_offset:]`` to device
    ``dst[dst_offset:]``; returns the copy's event."""
    what = "async_copy_1d_t2d"
    return _copy(
        "enigma." + what,
        what,
        dst,
        src,
        False,
        [(count, "count", False)],
        dst_offset,
        src_offset,
    )


def _copy_2d(
    what: str,
    d2t: bool,
    dst: Any,
    dst_offset: Any,
    dst_epr: Any,
    src: Any,
    src_offset: Any,
    src_epr: Any,
    tile_cols: Any,
    tile_rows: Any,
) -> Any:
    return _copy(
        "enigma." + what,
        what,
        dst,
        src,
        d2t,
        [
            (dst_epr, "dst_epr", True),
            (src_epr, "src_epr", True),
            (tile_cols, "tile_cols", False),
            (tile_rows, "tile_rows", False),
        ],
        dst_offset,
        src_offset,
    )


def async_copy_2d_d2t(
    dst: Any,
    dst_offset: Any,
    dst_epr: Any,
    src: Any,
    src_offset: Any,
    src_epr: Any,
    tile_cols: Any,
    tile_rows: Any,
) -> Any:
    """Starts copying a ``tile_rows`` x ``tile_cols`` tile from device to threadgroup memory:
    ``dst[dst_offset + r * dst_epr + c] = src[src_offset + r * src_epr + c]``; returns the
    copy's event. ``*_epr`` are the row strides (elements per row)."""
    return _copy_2d(
        "async_copy_2d_d2t",
        True,
        dst,
        dst_offset,
        dst_epr,
        src,
        src_offset,
        src_epr,
        tile_cols,
        tile_rows,
    )


def async_copy_2d_t2d(
    dst: Any,
    dst_offset: Any,
    dst_epr: Any,
    src: Any,
    src_offset: Any,
    src_epr: Any,
    tile_cols: Any,
    tile_rows: Any,
) -> Any:
    """Starts copying a ``tile_rows`` x ``tile_cols`` tile from threadgroup to device memory
    (addressing as :func:`async_copy_2d_d2t`); returns the copy's event."""
    return _copy_2d(
        "async_copy_2d_t2d",
        False,
        dst,
        dst_offset,
        dst_epr,
        src,
        src_offset,
        src_epr,
        tile_cols,
        tile_rows,
    )


def async_copy_wait(*events: Any) -> None:
    """Waits until the copies of `events` (events, or lists/tuples of them) are complete; their
    data is then visible to the SIMD-group. With no events it does nothing."""
    flat: list[Any] = []
    for e in events:
        flat.extend(e if isinstance(e, (list, tuple)) else [e])
    for e in flat:
        if not isinstance(e, AsyncCopyEvent):
            raise trace_type_error(
                f"async_copy_wait takes the events async copies return, got {type(e).__name__}"
            )
    if not flat:
        current()  # still only valid inside a kernel
        return
    current().emit("enigma.async_copy_wait", [e.id for e in flat], frame=user_frame(2))


def async_copy_to_threadgroup(
    src: Any, dst: Any, count: Any, src_offset: Any = 0, dst_offset: Any = 0
) -> Any:
    """Legacy spelling of :func:`async_copy_1d_d2t` (note the argument order)."""
    what = "async_copy_to_threadgroup"
    return _copy(
        "enigma.async_copy_1d_d2t",
        what,
        dst,
        src,
        True,
        [(count, "count", False)],
        dst_offset,
        src_offset,
    )


def async_copy_commit(token: Any) -> None:
    """Legacy no-op: a copy is committed when it is issued."""
    if not isinstance(token, AsyncCopyEvent):
        raise trace_type_error(
            f"async_copy_commit takes the event an async copy returns, got {type(token).__name__}"
        )
