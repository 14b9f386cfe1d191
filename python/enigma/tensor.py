"""Tensors: device buffers viewed through a CuTe layout.

Host side (``@enigma.jit``), :class:`Tensor` describes a kernel buffer (name, ``[[buffer(N)]]``
slot, dtype, layout); :func:`zipped_divide` and friends transform its layout with the C layout
algebra (``enigma.Layout``). Inside a kernel a tensor parameter is a :class:`TensorValue`:
``gA[None, bid]`` slices CuTe-style (keeps the ``None`` modes, fixes the others) and ``t[i]`` /
``t[i, j]`` load through the layout.

The coordinate -> offset arithmetic is recorded as ``arith`` ops by :func:`record_crd2idx`, the
one seam where ``enigma`` layout ops will be recorded instead once the dialect has them (the
pipeline's ``enigma-lower-layouts`` then produces the same arithmetic).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

from . import dtypes as _dt
from . import layout as _layout
from ._tracer import Value, _np_scalar_to_literal, as_value, convert, current, to_index, \
    trace_type_error, user_frame
from .builtins import MemRef
from .dtypes import DType
from .errors import EnigmaError
from .layout import Layout

__all__ = ["Tensor", "TensorValue", "make_tensor", "zipped_divide", "logical_divide",
           "tiled_divide", "flat_divide", "composition", "coalesce", "record_crd2idx"]


class Tensor:
    """A device buffer with a layout: ``enigma.Tensor("A", 0, enigma.f32, enigma.Layout(1024))``.

    `layout` may be an :class:`enigma.Layout`, a shape (compact column-major layout) or CuTe
    text (``"(32,32):(32,1)"``). The buffer needs ``cosize(layout)`` elements.
    """

    def __init__(self, name: str, buffer_index: int, dtype: Union[DType, str],
                 layout: Union[Layout, Any, str]) -> None:
        if not isinstance(name, str) or not name.isidentifier():
            raise EnigmaError(f"Tensor name must be an identifier, got {name!r}")
        if not isinstance(buffer_index, int) or isinstance(buffer_index, bool) or \
                not 0 <= buffer_index <= 30:
            raise EnigmaError(f"Tensor '{name}': buffer_index must be an int in [0, 30], got "
                              f"{buffer_index!r}")
        self.name = name
        self.buffer_index = buffer_index
        self.dtype = _dt.dtype(dtype)
        if isinstance(layout, Layout):
            self.layout = layout
        elif isinstance(layout, str):
            self.layout = Layout.parse(layout)
        else:
            self.layout = Layout(layout)

    def __repr__(self) -> str:
        return (f"enigma.Tensor({self.name!r}, {self.buffer_index}, enigma.{self.dtype.name}, "
                f"{self.layout})")

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
        return _layout.cosize(self.layout)

    def with_layout(self, layout: Layout) -> "Tensor":
        return Tensor(self.name, self.buffer_index, self.dtype, layout)


def _tensor_op(name: str, fn: Any, x: Any, *args: Any) -> Any:
    if isinstance(x, Tensor):
        return x.with_layout(fn(x.layout, *args))
    if isinstance(x, TensorValue):
        return TensorValue(x.memref, fn(x.layout, *args), x.offset)
    return fn(x, *args)


def zipped_divide(x: Any, tiler: Any) -> Any:
    """``zipped_divide`` of a Tensor's (or a Layout's) layout: ``((tile), (rest))``; mode 1 of
    the result indexes the tiles (``gA[None, bid]``). Raises EnigmaError ("tiler exceeds
    tensor") when a tile is larger than the tensor."""
    return _tensor_op("zipped_divide", _layout.zipped_divide, x, tiler)


def logical_divide(x: Any, tiler: Any) -> Any:
    """``logical_divide`` on a Tensor or Layout."""
    return _tensor_op("logical_divide", _layout.logical_divide, x, tiler)


def tiled_divide(x: Any, tiler: Any) -> Any:
    """``tiled_divide`` on a Tensor or Layout."""
    return _tensor_op("tiled_divide", _layout.tiled_divide, x, tiler)


def flat_divide(x: Any, tiler: Any) -> Any:
    """``flat_divide`` on a Tensor or Layout."""
    return _tensor_op("flat_divide", _layout.flat_divide, x, tiler)


def composition(x: Any, tiler: Any) -> Any:
    """``composition`` on a Tensor or Layout."""
    return _tensor_op("composition", _layout.composition, x, tiler)


def coalesce(x: Any, profile: Any = None) -> Any:
    """``coalesce`` on a Tensor or Layout."""
    if profile is None:
        return _tensor_op("coalesce", _layout.coalesce, x)
    return _tensor_op("coalesce", _layout.coalesce, x, profile)


# ---------------------------------------------------------------------------------------------
# Inside kernels
# ---------------------------------------------------------------------------------------------

Offset = Union[int, Value]


def _add(a: Offset, b: Offset) -> Offset:
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    if isinstance(a, int) and a == 0:
        return b
    if isinstance(b, int) and b == 0:
        return a
    return a + b  # type: ignore[operator]


def _mul(a: Offset, b: int) -> Offset:
    if isinstance(a, int):
        return a * b
    if b == 1:
        return a
    if b == 0:
        return 0
    if b < 0 and a.dtype.is_unsigned:
        a = convert(a, _dt.i32 if a.dtype.bits <= 32 else _dt.i64)
    return a * b


def _coord_scalar(c: Any) -> Offset:
    c = _np_scalar_to_literal(c)
    if isinstance(c, Value):
        if c.dtype.is_float:
            raise trace_type_error(f"a tensor coordinate must be an integer, got {c.dtype.name}")
        return c
    if isinstance(c, bool) or not isinstance(c, int):
        raise trace_type_error(f"a tensor coordinate must be an integer, got {c!r}")
    return c


def _flat_size(shape: Any) -> int:
    if isinstance(shape, int):
        return shape
    n = 1
    for s in shape:
        n *= _flat_size(s)
    return n


def record_crd2idx(coord: Any, shape: Any, stride: Any) -> Offset:
    """The offset of `coord` in the layout `shape:stride`, as traced arithmetic (Python ints
    fold at trace time). A scalar coordinate into a tuple shape splits colexicographically, as
    in CuTe. This is the single place where layout ops will be recorded instead of ``arith``
    once the dialect has them."""
    if isinstance(coord, (tuple, list)):
        if not isinstance(shape, tuple) or len(shape) != len(coord):
            raise trace_type_error(f"coordinate {_fmt(coord)} does not match the layout shape "
                                   f"{shape}")
        off: Offset = 0
        for c, s, d in zip(coord, shape, stride):
            off = _add(off, record_crd2idx(c, s, d))
        return off
    c = _coord_scalar(coord)
    if isinstance(shape, int):
        if shape == 1:
            return 0
        return _mul(c, stride)
    off = 0
    n = len(shape)
    for i, (s, d) in enumerate(zip(shape, stride)):
        if i == n - 1:
            ci: Offset = c
        else:
            sz = _flat_size(s)
            if isinstance(c, int):
                ci, c = c % sz, c // sz
            elif sz == 1:
                ci = 0
            else:
                ci, c = c % sz, c // sz
        off = _add(off, record_crd2idx(ci, s, d))
    return off


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


def _slice(coord: Any, shape: Any, stride: Any, kept_shape: list, kept_stride: list) -> Offset:
    if coord is None:
        kept_shape.append(shape)
        kept_stride.append(stride)
        return 0
    if isinstance(coord, (tuple, list)) and _has_none(coord):
        if not isinstance(shape, tuple) or len(shape) != len(coord):
            raise trace_type_error(f"slice {_fmt(coord)} does not match the layout shape {shape}")
        off: Offset = 0
        for c, s, d in zip(coord, shape, stride):
            off = _add(off, _slice(c, s, d, kept_shape, kept_stride))
        return off
    return record_crd2idx(coord, shape, stride)


class TensorValue:
    """A tensor inside a kernel: a buffer, a layout and a (traced) base offset."""

    def __init__(self, memref: MemRef, layout: Layout, offset: Offset = 0) -> None:
        self.memref = memref
        self.layout = layout
        self.offset = offset

    @classmethod
    def from_tensor(cls, memref: MemRef, tensor: Tensor) -> "TensorValue":
        return cls(memref, tensor.layout)

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
        if isinstance(idx, tuple) and isinstance(shape, tuple) and len(idx) != rank:
            raise trace_type_error(f"tensor {self.memref.name} has rank {rank} (layout "
                                   f"{self.layout}) but was indexed with {len(idx)} coordinates")
        return idx

    def __getitem__(self, idx: Any) -> Any:
        idx = self._normalize(idx)
        shape, stride = self.layout.shape, self.layout.stride
        if _has_none(idx):
            kept_shape: list = []
            kept_stride: list = []
            off = _slice(idx, shape, stride, kept_shape, kept_stride)
            if len(kept_shape) == 1:
                sub = Layout(kept_shape[0], kept_stride[0])
            else:
                sub = Layout(tuple(kept_shape), tuple(kept_stride))
            return TensorValue(self.memref, sub, _add(self.offset, off))
        return self.memref[self._element(idx)]

    def __setitem__(self, idx: Any, value: Any) -> None:
        idx = self._normalize(idx)
        if _has_none(idx):
            raise trace_type_error("cannot assign to a tensor slice; index every mode")
        self.memref[self._element(idx)] = value

    def _element(self, idx: Any) -> Any:
        off = _add(self.offset, record_crd2idx(idx, self.layout.shape, self.layout.stride))
        return off

    def offset_of(self, idx: Any) -> Any:
        """The buffer offset of coordinate `idx` (traced)."""
        return self._element(self._normalize(idx))


def make_tensor(buffer: Any, layout: Union[Layout, Any, str]) -> TensorValue:
    """Inside a kernel: views a buffer parameter or threadgroup array through `layout`."""
    if isinstance(buffer, TensorValue):
        buffer = buffer.memref
    if not isinstance(buffer, MemRef):
        raise trace_type_error(f"make_tensor needs a kernel buffer or threadgroup array, got "
                               f"{type(buffer).__name__}")
    if isinstance(layout, str):
        lay = Layout.parse(layout)
    elif isinstance(layout, Layout):
        lay = layout
    else:
        lay = Layout(layout)
    return TensorValue(buffer, lay)


_ = (Optional, Sequence, as_value, current, to_index, user_frame)
