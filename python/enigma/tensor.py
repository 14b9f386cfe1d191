"""Tensors: device buffers viewed through a CuTe layout.

Host side (``@enigma.jit``), :class:`Tensor` describes a kernel buffer (name, ``[[buffer(N)]]``
slot, dtype, layout); :func:`zipped_divide` and friends transform its layout with the C layout
algebra (``enigma.Layout``). Inside a kernel a tensor parameter is a :class:`TensorValue`:
``gA[None, bid]`` slices CuTe-style (keeps the ``None`` modes, fixes the others) and ``t[i]`` /
``t[i, j]`` load through the layout.

Layouts are recorded in the trace as ``enigma`` layout ops: a Tensor parameter's layout is an
``enigma.layout_constant`` followed by the divides the jit function applied (at their jit source
lines, so ``enigma-check-layout-divisions`` runs on them), slices are ``enigma.layout_mode`` and
coordinates become offsets through ``enigma.layout_apply`` (:func:`record_layout_apply`, the one
place this happens), which ``enigma-lower-layouts`` lowers to index arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

from . import dtypes as _dt
from . import layout as _layout
from ._tracer import (
    INDEX,
    Region,
    Value,
    _np_scalar_to_literal,
    current,
    frame_loc,
    located,
    to_index,
    trace_type_error,
    user_frame,
)
from .memory import MemRef
from .dtypes import DType
from .errors import EnigmaError
from .layout import Layout

__all__ = [
    "Tensor",
    "TensorValue",
    "coalesce",
    "composition",
    "flat_divide",
    "logical_divide",
    "make_tensor",
    "tiled_divide",
    "zipped_divide",
]


class Tensor:
    """A device buffer with a layout: ``enigma.Tensor("A", 0, enigma.f32, enigma.Layout(1024))``.

    `layout` may be an :class:`enigma.Layout`, a shape (compact column-major layout) or CuTe
    text (``"(32,32):(32,1)"``). The buffer needs ``cosize(layout)`` elements.
    """

    def __init__(
        self, name: str, buffer_index: int, dtype: DType | str, layout: Layout | Any | str
    ) -> None:
        if not isinstance(name, str) or not name.isidentifier():
            raise EnigmaError(f"Tensor name must be an identifier, got {name!r}")
        if (
            not isinstance(buffer_index, int)
            or isinstance(buffer_index, bool)
            or not 0 <= buffer_index <= 30
        ):
            raise EnigmaError(
                f"Tensor '{name}': buffer_index must be an int in [0, 30], got {buffer_index!r}"
            )
        self.name = name
        self.buffer_index = buffer_index
        self.dtype = _dt.dtype(dtype)
        if isinstance(layout, Layout):
            self.layout = layout
        elif isinstance(layout, str):
            self.layout = Layout.parse(layout)
        else:
            self.layout = Layout(layout)
        # How this layout was derived in the jit function: (parent tensor, enigma op, operand,
        # source location), replayed as layout ops in the trace so the compiler's
        # enigma-check-layout-divisions / enigma-lower-layouts passes see them.
        self._origin: tuple[Tensor, str, Any, tuple[str, int, int]] | None = None
        # The buffer the tensor views: a divided tensor still needs its root's elements.
        self._root_cosize: int | None = None

    def __repr__(self) -> str:
        return (
            f"enigma.Tensor({self.name!r}, {self.buffer_index}, enigma.{self.dtype.name}, "
            f"{self.layout})"
        )

    @property
    def shape(self) -> Any:
        return self.layout.shape

    @property
    def stride(self) -> Any:
        return self.layout.stride

    def size(self) -> int:
        """Number of elements (the layout's size)."""
        return _layout.size(self.layout)

    def cosize(self) -> int:
        """Number of buffer elements the layout spans (what the buffer must hold)."""
        if self._root_cosize is not None:
            return self._root_cosize
        return _layout.cosize(self.layout)

    def derive(self, layout: Layout, op: str, operand: Any, loc: tuple[str, int, int]) -> Tensor:
        """A tensor on the same buffer with `layout`, computed from this one by layout op
        `op` (e.g. ``enigma.layout_zipped_divide``) with `operand` (tiler text or Layout)."""
        t = Tensor(self.name, self.buffer_index, self.dtype, layout)
        t._origin = (self, op, operand, loc)
        t._root_cosize = self.cosize()
        return t


def tiler_text(tiler: Any) -> str:
    """CuTe notation of a Python tiler: ints, None (``_``), Layouts and tuples of them."""
    if tiler is None:
        return "_"
    if isinstance(tiler, Layout):
        return str(tiler)
    if isinstance(tiler, bool):
        raise EnigmaError(f"invalid tiler {tiler!r}")
    if isinstance(tiler, int):
        return str(tiler)
    if isinstance(tiler, (tuple, list)):
        return "(" + ",".join(tiler_text(t) for t in tiler) + ")"
    raise EnigmaError(f"invalid tiler {tiler!r}: expected an int, None, a Layout or a tuple")


def _caller_loc() -> tuple[str, int, int]:
    return frame_loc(user_frame(3))


def _tensor_op(op: str, fn: Any, x: Any, operand: Any, *extra: Any) -> Any:
    """Applies layout function `fn` to a Tensor's layout (recording layout op `op`), to a
    TensorValue's layout inside a kernel, or to a Layout."""
    if not isinstance(x, (Tensor, TensorValue)):
        return fn(x, operand, *extra)  # plain layouts: enigma.layout's function, unchanged
    loc = _caller_loc()
    try:
        result = fn(x.layout, operand, *extra)
    except EnigmaError as exc:
        # Name the user's line; keep the layout core's status code.
        err = EnigmaError(located(str(exc), loc))
        err.__dict__.update(exc.__dict__)
        raise err from None
    if isinstance(x, Tensor):
        return x.derive(result, op, operand, loc)
    return x.derive(result, op, operand)


def zipped_divide(x: Any, tiler: Any) -> Any:
    """``zipped_divide`` of a Tensor's (or a Layout's) layout: ``((tile), (rest))``; mode 1 of
    the result indexes the tiles (``gA[None, bid]``). Raises EnigmaError ("tiler exceeds
    tensor") when a tile is larger than the tensor."""
    return _tensor_op("enigma.layout_zipped_divide", _layout.zipped_divide, x, tiler)


def logical_divide(x: Any, tiler: Any) -> Any:
    """``logical_divide`` on a Tensor or Layout."""
    return _tensor_op("enigma.layout_logical_divide", _layout.logical_divide, x, tiler)


def tiled_divide(x: Any, tiler: Any) -> Any:
    """``tiled_divide`` on a Tensor or Layout."""
    return _tensor_op("enigma.layout_tiled_divide", _layout.tiled_divide, x, tiler)


def flat_divide(x: Any, tiler: Any) -> Any:
    """``flat_divide`` on a Tensor or Layout."""
    return _tensor_op("enigma.layout_flat_divide", _layout.flat_divide, x, tiler)


def composition(x: Any, tiler: Any) -> Any:
    """``composition`` on a Tensor or Layout."""
    return _tensor_op("enigma.layout_composition", _layout.composition, x, tiler)


def coalesce(x: Any, profile: Any = None) -> Any:
    """``coalesce`` on a Tensor or Layout."""
    if profile is None:
        loc = _caller_loc()
        if isinstance(x, Tensor):
            return x.derive(_layout.coalesce(x.layout), "enigma.layout_coalesce", None, loc)
        if isinstance(x, TensorValue):
            return x.derive(_layout.coalesce(x.layout), "enigma.layout_coalesce", None)
        return _layout.coalesce(x)
    return _tensor_op("", _layout.coalesce, x, profile)


# ---------------------------------------------------------------------------------------------
# Inside kernels: layouts are recorded as `enigma` layout ops
# ---------------------------------------------------------------------------------------------

Offset = Union[int, Value]
_LAYOUT_TYPE = "!enigma.layout"


def _emit_layout(
    op: str,
    operands: Sequence[int],
    attrs: dict | None,
    loc: tuple[str, int, int] | None = None,
    result: str = _LAYOUT_TYPE,
) -> int:
    t = current()
    if loc is None:
        d = t.emit(op, operands, (result,), attrs, frame=user_frame(3))
    else:
        d = t.emit(op, operands, (result,), attrs, loc=loc)
    return d["results"][0]["id"]


def layout_constant(layout: Layout, loc: tuple[str, int, int] | None = None) -> int:
    """The trace value of a static layout (one ``enigma.layout_constant`` per block)."""
    t = current()
    key = ("layout", str(layout))
    r: Region | None = t.region
    while r is not None:
        hit = r.consts.get(key)
        if hit is not None:
            return hit.id
        r = r.parent
    lid = _emit_layout("enigma.layout_constant", (), {"layout": f"#enigma.layout<{layout}>"}, loc)
    t.region.consts[key] = Value(lid, INDEX)
    return lid


def record_tensor_layout(tensor: Tensor, loc: tuple[str, int, int]) -> int:
    """Replays how a jit Tensor's layout was derived (layout_constant of the root, then each
    divide/composition at its jit source line); returns the layout value."""
    if tensor._origin is None:
        return layout_constant(tensor.layout, loc)
    parent, op, operand, oloc = tensor._origin
    src = record_tensor_layout(parent, loc)
    return _apply_layout_op(src, op, operand, tensor.layout, oloc)


def _apply_layout_op(
    src: int, op: str, operand: Any, result: Layout, loc: tuple[str, int, int] | None
) -> int:
    if op == "enigma.layout_composition":
        if isinstance(operand, Layout):
            rhs = layout_constant(operand, loc)
            return _emit_layout(op, (src, rhs), None, loc)
        op = "enigma.layout_composition_tiler"  # no such op: fall back to the result below
    if op in (
        "enigma.layout_zipped_divide",
        "enigma.layout_logical_divide",
        "enigma.layout_tiled_divide",
        "enigma.layout_flat_divide",
    ):
        return _emit_layout(op, (src,), {"tiler": f"#enigma.tiler<{tiler_text(operand)}>"}, loc)
    if op == "enigma.layout_coalesce":
        return _emit_layout(op, (src,), None, loc)
    # Anything the dialect has no op for is recorded as its (static) result.
    return layout_constant(result, loc)


def _mode_value(lv: int, path: tuple[int, ...]) -> int:
    if not path:
        return lv
    return _emit_layout(
        "enigma.layout_mode", (lv,), {"path": "array<i64: " + ", ".join(str(p) for p in path) + ">"}
    )


def _shape_at(shape: Any, path: tuple[int, ...]) -> Any:
    for p in path:
        shape = shape[p]
    return shape


def _coord_scalar(c: Any) -> Offset:
    c = _np_scalar_to_literal(c)
    if isinstance(c, Value):
        if c.dtype.is_float:
            raise trace_type_error(f"a tensor coordinate must be an integer, got {c.dtype.name}")
        return c
    if isinstance(c, bool) or not isinstance(c, int):
        raise trace_type_error(f"a tensor coordinate must be an integer, got {c!r}")
    return c


def _add(a: Offset, b: Offset) -> Offset:
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    if isinstance(a, int) and a == 0:
        return b
    if isinstance(b, int) and b == 0:
        return a
    if isinstance(a, int):
        a, b = b, a
    return a + b  # type: ignore[operator]  # index arithmetic (arith.addi)


def record_layout_apply(lv: int, layout: Layout, coord: Any, path: tuple[int, ...] = ()) -> Offset:
    """The offset of `coord` in mode `path` of the layout value `lv` (Python `layout`).

    This is the one place coordinates become offsets: traced coordinates record
    ``enigma.layout_apply`` (lowered to index arithmetic by ``enigma-lower-layouts``); Python
    int coordinates are evaluated host-side by the same C layout core."""
    shape = _shape_at(layout.shape, path)
    if isinstance(coord, (tuple, list)):
        if not isinstance(shape, tuple) or len(shape) != len(coord):
            raise trace_type_error(
                f"coordinate {_fmt(coord)} does not match the layout shape {shape}"
            )
        off: Offset = 0
        for i, c in enumerate(coord):
            off = _add(off, record_layout_apply(lv, layout, c, path + (i,)))
        return off
    c = _coord_scalar(coord)
    if isinstance(c, int):
        sub = layout[path] if path else layout
        return sub(c)
    idx = to_index(c)
    sub_lv = _mode_value(lv, path)
    rid = _emit_layout("enigma.layout_apply", (sub_lv, idx.id), None, result="index")
    return Value(rid, INDEX)


def _fmt(coord: Any) -> str:
    if isinstance(coord, (tuple, list)):
        return "(" + ", ".join(_fmt(c) for c in coord) + ")"
    if coord is None:
        return "None"
    if isinstance(coord, Value):
        return f"<{coord.dtype.name} value>"
    return repr(coord)


def _has_none(coord: Any) -> bool:
    if coord is None:
        return True
    if isinstance(coord, (tuple, list)):
        return any(_has_none(c) for c in coord)
    return False


def _split_slice(coord: Any, shape: Any, path: tuple[int, ...], kept: list, fixed: list) -> None:
    """Sorts a slice into kept mode paths (None) and fixed (path, coordinate) parts."""
    if coord is None:
        kept.append(path)
        return
    if isinstance(coord, (tuple, list)) and _has_none(coord):
        if not isinstance(shape, tuple) or len(shape) != len(coord):
            raise trace_type_error(f"slice {_fmt(coord)} does not match the layout shape {shape}")
        for i, (c, s) in enumerate(zip(coord, shape)):
            _split_slice(c, s, path + (i,), kept, fixed)
        return
    fixed.append((path, coord))


class TensorValue:
    """A tensor inside a kernel: a buffer, a layout (Python value + trace value) and a base
    offset (an int or a traced index)."""

    def __init__(
        self, memref: MemRef, layout: Layout, offset: Offset = 0, layout_value: int | None = None
    ) -> None:
        self.memref = memref
        self.layout = layout
        self.offset = offset
        self.layout_value = layout_value if layout_value is not None else layout_constant(layout)

    @classmethod
    def from_tensor(cls, memref: MemRef, tensor: Tensor, loc: tuple[str, int, int]) -> TensorValue:
        return cls(memref, tensor.layout, 0, record_tensor_layout(tensor, loc))

    def derive(self, layout: Layout, op: str, operand: Any) -> TensorValue:
        lv = _apply_layout_op(self.layout_value, op, operand, layout, None)
        return TensorValue(self.memref, layout, self.offset, lv)

    def __repr__(self) -> str:
        return f"<enigma tensor {self.memref.name} {self.layout}>"

    def __bool__(self) -> bool:
        raise trace_type_error("a tensor cannot be used as a Python bool")

    @property
    def dtype(self) -> DType:
        return self.memref.dtype

    @property
    def shape(self) -> Any:
        return self.layout.shape

    @property
    def size(self) -> int:
        """Number of elements (a Python int)."""
        return _layout.size(self.layout)

    def __len__(self) -> int:
        shape = self.layout.shape
        return shape if isinstance(shape, int) else _flat_size(shape[0])

    def _normalize(self, idx: Any) -> Any:
        rank = len(self.layout)
        shape = self.layout.shape
        if isinstance(idx, tuple) and len(idx) == 1 and not isinstance(shape, tuple):
            return idx[0]
        if isinstance(idx, tuple) and rank == 1 and len(idx) > 1 and isinstance(shape, tuple):
            return (idx,)  # t[i, j] on a rank-1 layout ((M,N)) is the coordinate of its one mode
        if isinstance(idx, tuple) and isinstance(shape, tuple) and len(idx) != rank:
            raise trace_type_error(
                f"tensor {self.memref.name} has rank {rank} (layout "
                f"{self.layout}) but was indexed with {len(idx)} coordinates"
            )
        return idx

    def __getitem__(self, idx: Any) -> Any:
        idx = self._normalize(idx)
        if _has_none(idx):
            kept: list = []
            fixed: list = []
            _split_slice(idx, self.layout.shape, (), kept, fixed)
            off: Offset = self.offset
            for path, c in fixed:
                off = _add(off, record_layout_apply(self.layout_value, self.layout, c, path))
            if len(kept) == 1:
                sub = self.layout[kept[0]] if kept[0] else self.layout
                lv = _mode_value(self.layout_value, kept[0])
            else:
                subs = [self.layout[p] for p in kept]
                sub = Layout(tuple(s.shape for s in subs), tuple(s.stride for s in subs))
                lv = layout_constant(sub)
            return TensorValue(self.memref, sub, off, lv)
        return self.memref[self._element(idx)]

    def __setitem__(self, idx: Any, value: Any) -> None:
        idx = self._normalize(idx)
        if _has_none(idx):
            raise trace_type_error("cannot assign to a tensor slice; index every mode")
        self.memref[self._element(idx)] = value

    def _element(self, idx: Any) -> Offset:
        return _add(self.offset, record_layout_apply(self.layout_value, self.layout, idx))

    def offset_of(self, idx: Any) -> Offset:
        """The buffer offset of coordinate `idx` (traced)."""
        return self._element(self._normalize(idx))


def _flat_size(shape: Any) -> int:
    if isinstance(shape, int):
        return shape
    n = 1
    for s in shape:
        n *= _flat_size(s)
    return n


def make_tensor(buffer: Any, layout: Layout | Any | str) -> TensorValue:
    """Inside a kernel: views a buffer parameter or threadgroup array through `layout`."""
    if isinstance(buffer, TensorValue):
        buffer = buffer.memref
    if not isinstance(buffer, MemRef):
        raise trace_type_error(
            f"make_tensor needs a kernel buffer or threadgroup array, got {type(buffer).__name__}"
        )
    if isinstance(layout, str):
        lay = Layout.parse(layout)
    elif isinstance(layout, Layout):
        lay = layout
    else:
        lay = Layout(layout)
    if len(buffer.shape) != 1:
        raise trace_type_error(
            "make_tensor needs a one-dimensional buffer or threadgroup array "
            "(the layout does the indexing)"
        )
    return TensorValue(buffer, lay)
