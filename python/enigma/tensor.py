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

A layout may be swizzled (:class:`enigma.ComposedLayout`): its accesses are one ``layout_apply``
of the whole layout (a swizzle is not additive over modes) and its slices move the fixed
coordinates into the composed layout's offset, before the swizzle (:func:`_slice_swizzled`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, Union

from . import dtypes as _dt
from . import layout as _layout
from . import simd as _simd
from . import tuple as _tuple
from ._tracer import (
    INDEX,
    Region,
    Value,
    _np_scalar_to_literal,
    as_value,
    binary,
    convert,
    current,
    current_or_none,
    frame_loc,
    is_literal,
    located,
    make_vec,
    to_index,
    trace_error,
    trace_type_error,
    user_frame,
    vec_extract,
)
from .dtypes import DType
from .errors import EnigmaError
from .layout import ComposedLayout, Layout
from .memory import MemRef

__all__ = [
    "Fragment",
    "IdentityTensor",
    "Tensor",
    "TensorValue",
    "coalesce",
    "composition",
    "flat_divide",
    "logical_divide",
    "make_identity_tensor",
    "make_tensor",
    "quad_and",
    "quad_max",
    "quad_min",
    "quad_or",
    "quad_product",
    "quad_sum",
    "quad_xor",
    "simd_and",
    "simd_max",
    "simd_min",
    "simd_or",
    "simd_product",
    "simd_sum",
    "simd_xor",
    "size",
    "tensor_composition",
    "tensor_zipped_divide",
    "tiled_divide",
    "zipped_divide",
]


class Tensor:
    """A device buffer with a layout: ``enigma.Tensor("A", 0, "float", enigma.Layout(1024))``.

    `layout` may be an :class:`enigma.Layout`, a swizzled layout (:class:`enigma.ComposedLayout`,
    e.g. ``composition(Swizzle(3, 2, 3), Layout((8, 32), (32, 1)))``), a shape (compact
    column-major layout) or CuTe text (``"(32,32):(32,1)"``, ``"Sw<3,2,3> o 0 o (8,32):(32,1)"``).
    `base_offset` (an int, or inside a kernel a traced integer) is the buffer element where the
    layout's offset 0 lies. The buffer needs ``base_offset + cosize(layout)`` elements (a
    swizzled layout's cosize is 1 + the largest offset it produces).

    Host side (``@enigma.jit``), slicing (``t[None, 2]``), :func:`tensor_zipped_divide` and
    :func:`tensor_composition` derive tensors on the same buffer. Used inside a kernel (created
    there, or captured), a Tensor views the kernel's buffer parameter of its ``buffer_index``:
    ``t[coord]``, ``t.load()`` and ``t.store(v)`` work as on a kernel tensor parameter.
    """

    def __init__(
        self,
        name: str,
        buffer_index: int,
        dtype: DType | str,
        layout: Layout | ComposedLayout | Any | str,
        base_offset: Any = 0,
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
        self.layout = _as_layout_arg(layout)
        base_offset = _np_scalar_to_literal(base_offset)
        if isinstance(base_offset, Value):
            if base_offset.dtype.is_float or base_offset.dtype.lanes or base_offset.dtype.is_bool:
                raise EnigmaError(
                    f"Tensor '{name}': base_offset must be an integer, got a "
                    f"{base_offset.dtype.name} value"
                )
        elif isinstance(base_offset, bool) or not isinstance(base_offset, int) or base_offset < 0:
            raise EnigmaError(
                f"Tensor '{name}': base_offset must be a non-negative int (or a traced integer "
                f"inside a kernel), got {base_offset!r}"
            )
        self.base_offset: Offset = base_offset
        # How this layout was derived in the jit function: (parent tensor, enigma op, operand,
        # source location), replayed as layout ops in the trace so the compiler's
        # enigma-check-layout-divisions / enigma-lower-layouts passes see them.
        self._origin: tuple[Tensor, str, Any, tuple[str, int, int]] | None = None
        # The buffer the tensor views: a divided tensor still needs its root's elements.
        self._root_cosize: int | None = None

    def __repr__(self) -> str:
        extra = ""
        if not (isinstance(self.base_offset, int) and self.base_offset == 0):
            extra = f", base_offset={self.base_offset!r}"
        return (
            f"enigma.Tensor({self.name!r}, {self.buffer_index}, enigma.{self.dtype.name}, "
            f"{self.layout}{extra})"
        )

    @property
    def shape(self) -> Any:
        return self.layout.shape

    @property
    def stride(self) -> Any:
        return self.layout.stride

    @property
    def metal_dtype(self) -> str:
        """The element type's Metal name (``"float"``)."""
        return self.dtype.msl

    element_type = metal_dtype

    def size(self, mode: Any = None) -> int:
        """Number of elements (of mode `mode`, an index or a path such as ``[1]``)."""
        return _layout.size(self.layout, mode)

    def cosize(self) -> int:
        """Number of buffer elements the tensor spans (what the buffer must hold)."""
        if self._root_cosize is not None:
            return self._root_cosize
        base = self.base_offset if isinstance(self.base_offset, int) else 0
        return base + _layout.cosize(self.layout)

    def derive(
        self,
        layout: Layout,
        op: str,
        operand: Any,
        loc: tuple[str, int, int],
        base_offset: Offset | None = None,
    ) -> Tensor:
        """A tensor on the same buffer with `layout`, computed from this one by layout op
        `op` (e.g. ``enigma.layout_zipped_divide``) with `operand` (tiler text or Layout)."""
        t = Tensor(self.name, self.buffer_index, self.dtype, layout)
        t.base_offset = self.base_offset if base_offset is None else base_offset
        t._origin = (self, op, operand, loc)
        t._root_cosize = self.cosize()
        return t

    # Inside a kernel a Tensor views the kernel's buffer parameter of its buffer_index.
    def _bound(self) -> TensorValue:
        t = current_or_none()
        if t is None:
            raise EnigmaError(
                located(
                    f"Tensor '{self.name}': load/store/element access is only valid inside a "
                    "kernel being traced",
                    _caller_loc(),
                )
            )
        mem = None
        for buf in t.buffers:
            if (
                isinstance(buf, MemRef)
                and buf.param is not None
                and buf.param.get("index") == self.buffer_index
            ):
                mem = buf
                break
        if mem is None:
            raise trace_type_error(
                f"Tensor '{self.name}' views [[buffer({self.buffer_index})]], but the kernel has "
                "no buffer parameter at that index"
            )
        if mem.dtype is not self.dtype:
            raise trace_type_error(
                f"Tensor '{self.name}' has dtype {self.dtype.name} but the kernel's "
                f"[[buffer({self.buffer_index})]] ('{mem.name}') holds {mem.dtype.name}"
            )
        lv = record_tensor_layout(self, frame_loc(user_frame(2)))
        return TensorValue(mem, self.layout, self.base_offset, lv)

    def __getitem__(self, idx: Any) -> Any:
        if current_or_none() is not None:
            return self._bound()[idx]
        # Host side: a slice is a tensor on the same buffer, its fixed coordinates folded into
        # the base offset (a swizzled layout's: into the composed layout's offset, before the
        # swizzle, as CuTe). Coordinates are Python ints here.
        loc = _caller_loc()
        idx = _normalize_index(self.layout, idx, self.name)
        if not _has_none(idx):
            raise EnigmaError(
                located(
                    f"Tensor '{self.name}': indexing every mode outside a kernel has no element "
                    "to return; slice with None to keep modes (t[None, 2])",
                    loc,
                )
            )
        if isinstance(self.layout, ComposedLayout):
            sub, pre, _, _ = _slice_swizzled(self.layout, idx, None)
            assert isinstance(pre, int) and pre == 0  # int coordinates fold into the layout
            return self.derive(sub, "slice", None, loc)
        sub, off, _ = _slice_layout(self.layout, idx, None)
        base = _add(self.base_offset, off)
        return self.derive(sub, "slice", None, loc, base)

    def __setitem__(self, idx: Any, value: Any) -> None:
        self._bound()[idx] = value

    def load(self) -> Any:
        """Inside a kernel: :meth:`TensorValue.load`."""
        return self._bound().load()

    def store(self, value: Any) -> None:
        """Inside a kernel: :meth:`TensorValue.store`."""
        self._bound().store(value)


def _as_layout_arg(layout: Any) -> Layout | ComposedLayout:
    if isinstance(layout, (Layout, ComposedLayout)):
        return layout
    if isinstance(layout, str):
        if layout.lstrip().startswith("Sw<"):
            return ComposedLayout.parse(layout)
        return Layout.parse(layout)
    if isinstance(layout, _layout.Swizzle):
        raise EnigmaError(
            f"a tensor layout cannot be a bare {layout}: compose it with a layout, "
            f"enigma.composition({layout}, layout)"
        )
    return Layout(layout)


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
    if not isinstance(x, (Tensor, TensorValue, IdentityTensor)):
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
    if isinstance(x, IdentityTensor):
        return IdentityTensor(x.coord_shape, result, x.offset)
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


def tensor_zipped_divide(tensor: Any, tiler: Any) -> Any:
    """The reference's name of :func:`zipped_divide` on a tensor: ``((tile), (rest))``."""
    if not isinstance(tensor, (Tensor, TensorValue, IdentityTensor, Layout)):
        raise EnigmaError(
            located(
                f"tensor_zipped_divide needs a tensor, got {type(tensor).__name__}", _caller_loc()
            )
        )
    return _tensor_op("enigma.layout_zipped_divide", _layout.zipped_divide, tensor, tiler)


def tensor_composition(tensor: Any, tv_layout: Layout, tiler: Any = None) -> Any:
    """A tile viewed through a thread-value layout: ``(thread, value) -> element``.

    `tensor` is one tile (``gA[((None, None), bid)]``) whose elements are numbered
    column-major over `tiler` (the tile shape ``make_layout_tv`` returned); `tv_layout` maps
    (thread, value) to that number. The result is ``composition(tile, tv_layout)``: slice it
    with ``[(tid, None)]`` for one thread's values."""
    loc = _caller_loc()
    if not isinstance(tensor, (Tensor, TensorValue, IdentityTensor)):
        raise EnigmaError(
            located(f"tensor_composition needs a tensor, got {type(tensor).__name__}", loc)
        )
    if not isinstance(tv_layout, Layout):
        raise EnigmaError(
            located(
                "tensor_composition needs a TV layout (enigma.Layout, from make_layout_tv), got "
                f"{type(tv_layout).__name__}",
                loc,
            )
        )
    n = _layout.size(tensor.layout)
    if tiler is not None:
        tn = _layout.size(tiler) if isinstance(tiler, Layout) else _tuple.product(tiler)
        if tn != n:
            raise EnigmaError(
                located(
                    f"tensor_composition: the tiler {tiler} covers {tn} elements but the tensor "
                    f"has {n} (layout {tensor.layout}); pass one tile, e.g. "
                    "g[((None, None), block)]",
                    loc,
                )
            )
    reach = _layout.cosize(tv_layout)
    if reach > n:
        raise EnigmaError(
            located(
                f"tensor_composition: the TV layout {tv_layout} reaches tile element {reach - 1}"
                f" but the tile has {n} elements (layout {tensor.layout})",
                loc,
            )
        )
    return _tensor_op("enigma.layout_composition", _layout.composition, tensor, tv_layout)


def size(x: Any, mode: Any = None) -> int:
    """Number of elements of a tensor, layout or shape (of mode `mode`, e.g. ``[1]``)."""
    if isinstance(x, (Tensor, TensorValue, IdentityTensor)):
        return x.size(mode)
    return _layout.size(x, mode)


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


def record_layout_apply(
    lv: int,
    layout: Layout | ComposedLayout,
    coord: Any,
    path: tuple[int, ...] = (),
    pre: Offset = 0,
    pre_bound: int = 0,
) -> Offset:
    """The offset of `coord` in mode `path` of the layout value `lv` (Python `layout`).

    This is the one place coordinates become offsets: traced coordinates record
    ``enigma.layout_apply`` (lowered to index arithmetic by ``enigma-lower-layouts``); Python
    int coordinates are evaluated host-side by the same C layout core.

    A swizzled layout (:class:`ComposedLayout`) is not additive over its modes: the whole
    coordinate goes to one ``layout_apply`` on the whole layout (`path` must be empty), and
    `pre` is the traced part of the composed layout's offset (added before the swizzle, less
    than `pre_bound`; see :func:`_swizzled_apply`)."""
    if isinstance(layout, ComposedLayout):
        assert not path, "a swizzled layout is applied to whole coordinates"
        return _swizzled_apply(lv, layout, coord, pre, pre_bound)
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


def _leaf_coords(coord: Any, shape: Any) -> list[Offset]:
    """`coord` as one coordinate per leaf of `shape` (a coordinate spanning a nested mode is
    split colexicographically, the mode's last leaf unbounded, as CuTe's crd2idx)."""
    if isinstance(coord, (tuple, list)):
        if not isinstance(shape, tuple) or len(shape) != len(coord):
            raise trace_type_error(
                f"coordinate {_fmt(coord)} does not match the layout shape {shape}"
            )
        out: list[Offset] = []
        for c, s in zip(coord, shape):
            out.extend(_leaf_coords(c, s))
        return out
    c = _coord_scalar(coord)
    if isinstance(shape, int):
        return [c]
    parts = _layout.idx2crd(c, shape) if isinstance(c, int) else _split_index(c, shape, True)
    return _leaf_coords(parts, shape)


def _is_flat_coord(coord: Any) -> bool:
    return not isinstance(coord, (tuple, list))


def _swizzled_apply(
    lv: int, layout: ComposedLayout, coord: Any, pre: Offset, pre_bound: int = 0
) -> Offset:
    """``swizzle(offset + pre + L(coord))`` of a swizzled layout: one ``layout_apply`` on the
    whole layout with all the coordinates (1, one per mode, or one per leaf), which
    ``enigma-lower-layouts`` lowers through the swizzle (and/shift/xor).

    `pre` is the traced part of the composed layout's offset (a slice at a traced coordinate
    moves the swizzle's input, not the buffer pointer). It is applied as the coordinate of
    one more stride-1 mode: ``Sw o off o (L, n):(D, 1)`` at ``(coord, pre)`` is
    ``Sw(off + L(coord) + pre)`` (`n` = `pre_bound`, which `pre` stays below)."""
    shape = layout.shape
    if isinstance(pre, int) and not _is_traced(coord):
        if isinstance(coord, (tuple, list)):
            _leaf_coords(coord, shape)  # a coordinate of the wrong shape is the user's error
        c = tuple(coord) if isinstance(coord, list) else coord
        return layout(c)
    if isinstance(pre, int):
        assert pre == 0, "a static offset lives in the composed layout"
        rank = len(layout)
        if _is_flat_coord(coord):
            coords = [_coord_scalar(coord)]
        elif (
            isinstance(shape, tuple)
            and len(coord) == rank
            and all(_is_flat_coord(c) for c in coord)
        ):
            coords = [_coord_scalar(c) for c in coord]
        else:
            coords = _leaf_coords(coord, shape)
        apply_lv = lv
    else:
        coords = _leaf_coords(coord, shape) + [pre]
        inner = layout.layout
        bound = max(2, pre_bound)
        aug = ComposedLayout(
            layout.swizzle, layout.offset, Layout((inner.shape, bound), (inner.stride, 1))
        )
        apply_lv = layout_constant(aug)
    ids = tuple(to_index(c).id for c in coords)
    rid = _emit_layout("enigma.layout_apply", (apply_lv, *ids), None, result="index")
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


def _normalize_index(layout: Layout, idx: Any, name: str) -> Any:
    """The coordinate `idx` in the form the slicing code takes (see TensorValue.__getitem__)."""
    rank = len(layout)
    shape = layout.shape
    if isinstance(idx, list):
        idx = tuple(idx)
    if isinstance(idx, tuple) and len(idx) == 1 and not isinstance(shape, tuple):
        return idx[0]
    if isinstance(idx, tuple) and rank == 1 and len(idx) > 1 and isinstance(shape, tuple):
        return (idx,)  # t[i, j] on a rank-1 layout ((M,N)) is the coordinate of its one mode
    if isinstance(idx, tuple) and isinstance(shape, tuple) and len(idx) != rank:
        # A slice that leaves out trailing modes of size 1 (gW[(None,)] on ((N),(1))): their
        # only coordinate is 0.
        if (
            len(idx) < rank
            and _has_none(idx)
            and all(_flat_size(shape[i]) == 1 for i in range(len(idx), rank))
        ):
            return idx + (0,) * (rank - len(idx))
        raise trace_type_error(
            f"tensor {name} has rank {rank} (layout {layout}) but was indexed with "
            f"{len(idx)} coordinates"
        )
    return idx


def _is_traced(coord: Any) -> bool:
    if isinstance(coord, (tuple, list)):
        return any(_is_traced(c) for c in coord)
    return isinstance(coord, Value)


def _slice_layout(
    layout: Layout, idx: Any, lv: int | None
) -> tuple[Layout, Offset, int | None]:
    """CuTe slicing: the layout of the kept (None) modes, the offset of the fixed coordinates
    and the kept layout's trace value (None when `lv` is None and nothing was traced)."""
    kept: list = []
    fixed: list = []
    _split_slice(idx, layout.shape, (), kept, fixed)
    if lv is None and any(_is_traced(c) for _, c in fixed):
        lv = layout_constant(layout)
    off: Offset = 0
    for path, c in fixed:
        off = _add(off, record_layout_apply(lv if lv is not None else -1, layout, c, path))
    if len(kept) == 1:
        sub = layout[kept[0]] if kept[0] else layout
        sub_lv = _mode_value(lv, kept[0]) if lv is not None else None
    else:
        subs = [layout[p] for p in kept]
        sub = Layout(tuple(x.shape for x in subs), tuple(x.stride for x in subs))
        sub_lv = layout_constant(sub) if lv is not None else None
    return sub, off, sub_lv


def _slice_swizzled(
    layout: ComposedLayout, idx: Any, lv: int | None, pre: Offset = 0, pre_bound: int = 0
) -> tuple[ComposedLayout, Offset, int | None, int]:
    """CuTe slicing of a swizzled layout: the kept modes keep the swizzle and the fixed
    coordinates' offset (of the inner layout, which is additive) moves into the composed
    layout's offset -- the swizzle's input, not the buffer pointer. Returns the sliced layout
    (its offset holds the static part), the traced part of its offset (`pre` plus the traced
    coordinates' share, an int 0 when nothing is traced), the sliced layout's trace value (None
    when `lv` is None) and a bound of the traced part."""
    kept: list = []
    fixed: list = []
    _split_slice(idx, layout.shape, (), kept, fixed)
    inner = layout.layout
    inner_lv = layout_constant(inner) if any(_is_traced(c) for _, c in fixed) else -1
    static = 0
    for path, c in fixed:
        off = record_layout_apply(inner_lv, inner, c, path)
        if isinstance(off, int):
            static += off
        else:
            pre = _add(pre, off)
    if not isinstance(pre, int):
        pre_bound += _layout.cosize(inner)
    if len(kept) == 1:
        sub_inner = inner[kept[0]] if kept[0] else inner
    else:
        subs = [inner[p] for p in kept]
        sub_inner = Layout(tuple(x.shape for x in subs), tuple(x.stride for x in subs))
    sub = ComposedLayout(layout.swizzle, layout.offset + static, sub_inner)
    sub_lv = None
    if lv is not None:
        if static == 0 and len(kept) == 1:
            sub_lv = _mode_value(lv, kept[0])  # layout_mode keeps the swizzle and offset
        else:
            sub_lv = layout_constant(sub)
    return sub, pre, sub_lv, pre_bound


class TensorValue:
    """A tensor inside a kernel: a buffer, a layout (Python value + trace value) and a base
    offset (an int or a traced index).

    A swizzled tensor (a :class:`ComposedLayout`) sliced at a traced coordinate also has
    `pre`, the traced part of its composed layout's offset (added before the swizzle), less
    than `pre_bound`."""

    def __init__(
        self,
        memref: MemRef,
        layout: Layout | ComposedLayout,
        offset: Offset = 0,
        layout_value: int | None = None,
        pre: Offset = 0,
        pre_bound: int = 0,
    ) -> None:
        self.memref = memref
        self.layout = layout
        self.offset = offset
        self.layout_value = layout_value if layout_value is not None else layout_constant(layout)
        self.pre = pre
        self.pre_bound = pre_bound

    @classmethod
    def from_tensor(cls, memref: MemRef, tensor: Tensor, loc: tuple[str, int, int]) -> TensorValue:
        return cls(memref, tensor.layout, tensor.base_offset, record_tensor_layout(tensor, loc))

    @property
    def swizzled(self) -> bool:
        """Whether the layout is a swizzled (composed) layout."""
        return isinstance(self.layout, ComposedLayout)

    def derive(self, layout: Layout | ComposedLayout, op: str, operand: Any) -> TensorValue:
        lv = _apply_layout_op(self.layout_value, op, operand, layout, None)
        return TensorValue(self.memref, layout, self.offset, lv, self.pre, self.pre_bound)

    def __repr__(self) -> str:
        return f"<enigma tensor {self.memref.name} {self.layout}>"

    def __bool__(self) -> bool:
        raise trace_type_error("a tensor cannot be used as a Python bool")

    @property
    def dtype(self) -> DType:
        return self.memref.dtype

    @property
    def name(self) -> str:
        return self.memref.name

    @property
    def buffer_index(self) -> int | None:
        """The ``[[buffer(N)]]`` slot of the kernel buffer (None for threadgroup memory)."""
        return self.memref.param.get("index") if self.memref.param else None

    @property
    def metal_dtype(self) -> str:
        return self.memref.dtype.msl

    element_type = metal_dtype

    @property
    def base_offset(self) -> Offset:
        return self.offset

    @property
    def shape(self) -> Any:
        return self.layout.shape

    @property
    def stride(self) -> Any:
        return self.layout.stride

    def size(self, mode: Any = None) -> int:
        """Number of elements (of mode `mode`), a Python int."""
        return _layout.size(self.layout, mode)

    def __len__(self) -> int:
        shape = self.layout.shape
        return shape if isinstance(shape, int) else _flat_size(shape[0])

    def _normalize(self, idx: Any) -> Any:
        return _normalize_index(self.layout, idx, self.memref.name)

    def __getitem__(self, idx: Any) -> Any:
        idx = self._normalize(idx)
        if _has_none(idx):
            if isinstance(self.layout, ComposedLayout):
                sub, pre, lv, bound = _slice_swizzled(
                    self.layout, idx, self.layout_value, self.pre, self.pre_bound
                )
                return TensorValue(self.memref, sub, self.offset, lv, pre, bound)
            sub, off, lv = _slice_layout(self.layout, idx, self.layout_value)
            return TensorValue(self.memref, sub, _add(self.offset, off), lv)
        return self.memref[self._element(idx)]

    def __setitem__(self, idx: Any, value: Any) -> None:
        idx = self._normalize(idx)
        if _has_none(idx):
            raise trace_type_error("cannot assign to a tensor slice; index every mode")
        self.memref[self._element(idx)] = value

    def _element(self, idx: Any) -> Offset:
        return _add(
            self.offset,
            record_layout_apply(
                self.layout_value, self.layout, idx, pre=self.pre, pre_bound=self.pre_bound
            ),
        )

    def offset_of(self, idx: Any) -> Offset:
        """The buffer offset of coordinate `idx` (traced)."""
        return self._element(self._normalize(idx))

    # -- whole-view access -------------------------------------------------------------------

    def _pieces(self, what: str) -> list[tuple[Offset, int]]:
        """The view's elements as (offset, lanes) pieces in element order: contiguous runs cut
        into vector accesses of 4 (then 2, then 1) lanes. (A swizzled view sliced at a traced
        coordinate has traced offsets, one element each.)"""
        n = self.size()
        if n > MAX_FRAGMENT:
            raise trace_type_error(
                f"{what} of a view of {n} elements: a view loads into registers, at most "
                f"{MAX_FRAGMENT} elements (slice the tensor further, e.g. t[(tid, None)])"
            )
        if not isinstance(self.pre, int):
            return [
                (
                    record_layout_apply(
                        self.layout_value, self.layout, i, pre=self.pre, pre_bound=self.pre_bound
                    ),
                    1,
                )
                for i in range(n)
            ]
        offs = [self.layout(i) for i in range(n)]
        if self.dtype.is_bool:
            return [(o, 1) for o in offs]
        runs: list[list[int]] = []
        for o in offs:
            if runs and o == runs[-1][0] + runs[-1][1]:
                runs[-1][1] += 1
            else:
                runs.append([o, 1])
        pieces: list[tuple[int, int]] = []
        for start, count in runs:
            if n == 3 and count == 3:  # a 3-element view is one float3
                pieces.append((start, 3))
                continue
            while count:
                w = 4 if count >= 4 else 2 if count >= 2 else 1
                pieces.append((start, w))
                start += w
                count -= w
        return pieces

    def load(self) -> Any:
        """Loads every element of the view (contiguous runs as vector loads).

        Returns a scalar for a 1-element view, a vector (``float2``..``float4``) for 2-4
        elements and a :class:`Fragment` (elementwise arithmetic, reductions) beyond."""
        pieces = self._pieces("load()")
        t = current()
        vals: list[Value] = []
        for off, lanes in pieces:
            idx = to_index(_add(self.offset, off))
            if lanes == 1:
                vals.append(self.memref[idx])
                continue
            vt = _dt.vec(self.dtype, lanes)
            self.memref.read = True
            d = t.emit("vector.load", (self.memref.id, idx.id), (vt.mlir,), frame=user_frame(2))
            vals.append(Value(d["results"][0]["id"], vt))
        frag = Fragment(vals, self.dtype)
        n = frag.size
        if n == 1:
            return vals[0]
        if n <= 4:
            return vals[0] if len(vals) == 1 else make_vec(*frag.elements())
        return frag

    def store(self, value: Any) -> None:
        """Stores `value` to every element of the view: a Fragment or vector of the view's
        size, a list of that many values, or one scalar (written to every element)."""
        pieces = self._pieces("store()")
        n = self.size()
        frag = _as_fragment(value, self.dtype, n)
        parts = frag.split([lanes for _, lanes in pieces])
        t = current()
        for (off, lanes), v in zip(pieces, parts):
            idx = to_index(_add(self.offset, off))
            if lanes == 1:
                self.memref[idx] = v
                continue
            v = convert(v, _dt.vec(self.dtype, lanes))
            self.memref.written = True
            t.emit("vector.store", (v.id, self.memref.id, idx.id), frame=user_frame(2))


#: The largest view ``load()`` / ``store()`` unroll into registers.
MAX_FRAGMENT = 256


def _as_fragment(value: Any, dtype: DType, n: int) -> Fragment:
    """`value` as a Fragment of `n` elements (of `dtype` when given as Python literals)."""
    if isinstance(value, Fragment):
        if value.size != n:
            raise trace_type_error(
                f"cannot store a fragment of {value.size} elements to a view of {n} elements"
            )
        return value
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise trace_type_error(
                f"cannot store {len(value)} values to a view of {n} elements"
            )
        return Fragment([as_value(v, dtype) for v in value], dtype)
    v = as_value(value, dtype)
    if v.dtype.lanes:
        if v.dtype.lanes != n:
            raise trace_type_error(
                f"cannot store a {v.dtype.name} ({v.dtype.lanes} lanes) to a view of "
                f"{n} elements"
            )
        return Fragment([v], v.dtype.elem)
    return Fragment([v] * n, v.dtype)


class Fragment:
    """The elements of a tensor view loaded into registers (``t.load()`` of more than 4
    elements): elementwise arithmetic with fragments of the same size, scalars and literals;
    reductions (:meth:`reduce`, and ``enigma.simd_sum(frag)`` & co., which reduce within the
    thread first); ``t.store(frag)``.

    It is held as pieces, each a traced scalar or a 2-4 lane vector (the vector loads of
    contiguous runs), so arithmetic on fragments of the same shape stays vectorized.
    """

    _defers_binary = True  # traced_value * fragment reaches __rmul__

    def __init__(self, pieces: Sequence[Value], dtype: DType) -> None:
        self.pieces = list(pieces)
        self.dtype = dtype
        self.size = sum(p.dtype.lanes or 1 for p in self.pieces)

    def __repr__(self) -> str:
        return f"<enigma fragment of {self.size} {self.dtype.name}>"

    def __len__(self) -> int:
        return self.size

    def __bool__(self) -> bool:
        raise trace_type_error("a fragment cannot be used as a Python bool")

    def _lanes(self) -> list[int]:
        return [p.dtype.lanes or 1 for p in self.pieces]

    def elements(self) -> list[Value]:
        """The elements as traced scalars."""
        out: list[Value] = []
        for p in self.pieces:
            if p.dtype.lanes:
                out.extend(vec_extract(p, i) for i in range(p.dtype.lanes))
            else:
                out.append(p)
        return out

    def __iter__(self) -> Any:
        return iter(self.elements())

    def __getitem__(self, i: Any) -> Value:
        i = _np_scalar_to_literal(i)
        if isinstance(i, bool) or not isinstance(i, int):
            raise trace_type_error(f"a fragment element index must be a Python int, got {i!r}")
        if not -self.size <= i < self.size:
            raise trace_type_error(f"element {i} is out of range for a fragment of {self.size}")
        i %= self.size
        for p in self.pieces:
            lanes = p.dtype.lanes or 1
            if i < lanes:
                return vec_extract(p, i) if p.dtype.lanes else p
            i -= lanes
        raise AssertionError("unreachable")

    def split(self, lanes: Sequence[int]) -> list[Value]:
        """The elements regrouped into pieces of `lanes` lanes (scalars for 1)."""
        if self._lanes() == list(lanes):
            return list(self.pieces)
        elems = self.elements()
        out: list[Value] = []
        i = 0
        for w in lanes:
            out.append(elems[i] if w == 1 else make_vec(*elems[i : i + w]))
            i += w
        return out

    def map(self, fn: Any) -> Fragment:
        """``fn`` applied to every element (``frag.map(enigma.exp)``); `fn` must be
        elementwise (it is applied to whole vector pieces)."""
        vals = [fn(p) for p in self.pieces]
        return _fragment_of(vals)

    # arithmetic
    def _binary(self, kind: str, other: Any, reflected: bool = False) -> Fragment:
        if isinstance(other, Fragment):
            if other.size != self.size:
                raise trace_type_error(
                    f"fragments of {self.size} and {other.size} elements cannot be combined"
                )
            mine = self.pieces
            theirs = other.split(self._lanes())
        else:
            other = _np_scalar_to_literal(other)
            if isinstance(other, Value) and other.dtype.lanes:
                if other.dtype.lanes != self.size:
                    raise trace_type_error(
                        f"a {other.dtype.name} cannot be combined with a fragment of "
                        f"{self.size} elements"
                    )
                theirs = Fragment([other], other.dtype.elem).split(self._lanes())
            elif isinstance(other, Value) or is_literal(other):
                theirs = [other] * len(self.pieces)
            else:
                return NotImplemented  # type: ignore[return-value]
            mine = self.pieces
        vals = [
            binary(kind, b, a) if reflected else binary(kind, a, b) for a, b in zip(mine, theirs)
        ]
        return _fragment_of(vals)

    def __add__(self, o: Any) -> Fragment:
        return self._binary("add", o)

    def __radd__(self, o: Any) -> Fragment:
        return self._binary("add", o, True)

    def __sub__(self, o: Any) -> Fragment:
        return self._binary("sub", o)

    def __rsub__(self, o: Any) -> Fragment:
        return self._binary("sub", o, True)

    def __mul__(self, o: Any) -> Fragment:
        return self._binary("mul", o)

    def __rmul__(self, o: Any) -> Fragment:
        return self._binary("mul", o, True)

    def __truediv__(self, o: Any) -> Fragment:
        return self._binary("truediv", o)

    def __rtruediv__(self, o: Any) -> Fragment:
        return self._binary("truediv", o, True)

    def __floordiv__(self, o: Any) -> Fragment:
        return self._binary("floordiv", o)

    def __rfloordiv__(self, o: Any) -> Fragment:
        return self._binary("floordiv", o, True)

    def __mod__(self, o: Any) -> Fragment:
        return self._binary("mod", o)

    def __rmod__(self, o: Any) -> Fragment:
        return self._binary("mod", o, True)

    def __pow__(self, o: Any) -> Fragment:
        return self._binary("pow", o)

    def __and__(self, o: Any) -> Fragment:
        return self._binary("and", o)

    def __rand__(self, o: Any) -> Fragment:
        return self._binary("and", o, True)

    def __or__(self, o: Any) -> Fragment:
        return self._binary("or", o)

    def __ror__(self, o: Any) -> Fragment:
        return self._binary("or", o, True)

    def __xor__(self, o: Any) -> Fragment:
        return self._binary("xor", o)

    def __rxor__(self, o: Any) -> Fragment:
        return self._binary("xor", o, True)

    def __lshift__(self, o: Any) -> Fragment:
        return self._binary("shl", o)

    def __rshift__(self, o: Any) -> Fragment:
        return self._binary("shr", o)

    def __neg__(self) -> Fragment:
        return _fragment_of([-p for p in self.pieces])

    def __pos__(self) -> Fragment:
        return self

    # reductions within the thread
    def reduce(self, kind: str = "sum") -> Value:
        """The fragment's elements combined into one scalar: ``sum``, ``product``, ``min``,
        ``max``, ``and``, ``or`` or ``xor``. Pieces of equal width are combined as vectors
        first, then the lanes."""
        if kind not in _REDUCE_KINDS:
            raise trace_type_error(
                f"unknown fragment reduction {kind!r}; expected one of "
                + ", ".join(sorted(_REDUCE_KINDS))
            )
        if self.dtype.is_float and kind in ("and", "or", "xor"):
            raise trace_type_error(f"a {kind} reduction needs integers, got {self.dtype.name}")
        combine = _REDUCE_KINDS[kind]
        widths = set(self._lanes())
        if len(widths) == 1 and len(self.pieces) > 1:
            acc = self.pieces[0]
            for p in self.pieces[1:]:
                acc = combine(acc, p)
            lanes = [vec_extract(acc, i) for i in range(acc.dtype.lanes)] if acc.dtype.lanes else [acc]
        else:
            lanes = self.elements()
        out = lanes[0]
        for e in lanes[1:]:
            out = combine(out, e)
        return out

    def sum(self) -> Value:
        return self.reduce("sum")

    def max(self) -> Value:
        return self.reduce("max")

    def min(self) -> Value:
        return self.reduce("min")


def _fragment_of(vals: list[Any]) -> Fragment:
    if not all(isinstance(v, Value) for v in vals):
        raise trace_type_error("a fragment operation must give traced values")
    elem = vals[0].dtype.elem if vals[0].dtype.lanes else vals[0].dtype
    return Fragment(vals, elem)


def _combine(kind: str) -> Any:
    def f(a: Value, b: Value) -> Value:
        if kind in ("min", "max"):
            from . import mathfn

            return getattr(mathfn, kind)(a, b)
        return binary({"sum": "add", "product": "mul"}.get(kind, kind), a, b)

    return f


_REDUCE_KINDS = {k: _combine(k) for k in ("sum", "product", "min", "max", "and", "or", "xor")}


def _simd_reduction(name: str, kind: str) -> Any:
    base = getattr(_simd, name)

    @functools.wraps(base)
    def reduction(x: Any) -> Value:
        if isinstance(x, Fragment):
            x = x.reduce(kind)  # the thread's elements first, then across the lanes
        return base(x)

    return reduction


simd_sum = _simd_reduction("simd_sum", "sum")
simd_product = _simd_reduction("simd_product", "product")
simd_min = _simd_reduction("simd_min", "min")
simd_max = _simd_reduction("simd_max", "max")
simd_and = _simd_reduction("simd_and", "and")
simd_or = _simd_reduction("simd_or", "or")
simd_xor = _simd_reduction("simd_xor", "xor")
quad_sum = _simd_reduction("quad_sum", "sum")
quad_product = _simd_reduction("quad_product", "product")
quad_min = _simd_reduction("quad_min", "min")
quad_max = _simd_reduction("quad_max", "max")
quad_and = _simd_reduction("quad_and", "and")
quad_or = _simd_reduction("quad_or", "or")
quad_xor = _simd_reduction("quad_xor", "xor")


def _flat_size(shape: Any) -> int:
    if isinstance(shape, int):
        return shape
    n = 1
    for s in shape:
        n *= _flat_size(s)
    return n


class IdentityTensor:
    """``make_identity_tensor(shape)``: a tensor whose element at each coordinate is that
    coordinate (CuTe's counting tensor). Tile and slice it exactly like a data tensor to learn
    which coordinates of the original shape a thread's elements have (predication:
    ``enigma.cmp_lt(c[0], M)``). It has no buffer; ``t[coord]`` returns the coordinate (a
    tuple of ints or traced indices), ``t.load()`` the list of the view's coordinates."""

    def __init__(self, shape: Any, layout: Layout | None = None, offset: Offset = 0) -> None:
        self.coord_shape = shape
        self.layout = layout if layout is not None else Layout(shape)
        self.offset = offset

    def __repr__(self) -> str:
        return f"enigma.make_identity_tensor({self.coord_shape}) viewed as {self.layout}"

    @property
    def shape(self) -> Any:
        return self.layout.shape

    def size(self, mode: Any = None) -> int:
        return _layout.size(self.layout, mode)

    def __getitem__(self, idx: Any) -> Any:
        idx = _normalize_index(self.layout, idx, "identity tensor")
        if _has_none(idx):
            sub, off, _ = _slice_layout(self.layout, idx, None)
            return IdentityTensor(self.coord_shape, sub, _add(self.offset, off))
        lv = layout_constant(self.layout) if _is_traced(idx) else -1
        return self._coord(_add(self.offset, record_layout_apply(lv, self.layout, idx)))

    def _coord(self, index: Offset) -> Any:
        if isinstance(index, int):
            return _layout.idx2crd(index, self.coord_shape)
        return _split_index(index, self.coord_shape, True)

    def load(self) -> list:
        """The coordinates of every element of the view, in element order."""
        n = self.size()
        if n > MAX_FRAGMENT:
            raise trace_type_error(
                f"load() of an identity view of {n} elements: at most {MAX_FRAGMENT}"
            )
        return [self._coord(_add(self.offset, self.layout(i))) for i in range(n)]


def _split_index(index: Any, shape: Any, last: bool) -> Any:
    """CuTe's idx2crd on a traced index: mode i is (index / size of the modes before) mod
    its size, the last mode unbounded."""
    if isinstance(shape, int):
        return index if last else index % shape
    out = []
    rem = index
    for i, s in enumerate(shape):
        is_last = last and i == len(shape) - 1
        n = _flat_size(s)
        out.append(_split_index(rem if is_last else rem % n, s, True))
        if not is_last:
            rem = rem // n
    return tuple(out)


def make_identity_tensor(shape: Any) -> IdentityTensor:
    """An identity (coordinate) tensor over `shape`; see :class:`IdentityTensor`."""
    return IdentityTensor(shape)


def make_tensor(buffer: Any, layout: Layout | ComposedLayout | Any | str) -> TensorValue:
    """Inside a kernel: views a buffer parameter or threadgroup array through `layout` (a
    Layout, a swizzled ComposedLayout, a shape or CuTe text). A threadgroup array must hold
    the layout's cosize elements."""
    if isinstance(buffer, TensorValue):
        buffer = buffer.memref
    if not isinstance(buffer, MemRef):
        raise trace_type_error(
            f"make_tensor needs a kernel buffer or threadgroup array, got {type(buffer).__name__}"
        )
    try:
        lay = _as_layout_arg(layout)
    except EnigmaError as exc:
        raise trace_type_error(f"make_tensor: {exc}") from None
    if len(buffer.shape) != 1:
        raise trace_type_error(
            "make_tensor needs a one-dimensional buffer or threadgroup array "
            "(the layout does the indexing)"
        )
    n = buffer.shape[0]
    if isinstance(n, int) and _layout.cosize(lay) > n:
        raise trace_error(
            f"make_tensor: layout {lay} reaches element {_layout.cosize(lay) - 1} (cosize "
            f"{_layout.cosize(lay)}) but '{buffer.name}' has {n} elements"
        )
    return TensorValue(buffer, lay)
