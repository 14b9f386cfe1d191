"""CuTe layouts and their algebra, as thin wrappers over Enigma's C core.

Every operation here is one call into ``libEnigmaCAPI.so`` (``enigma-c/Layout.h``);
nothing of the algebra is re-implemented in Python. A :class:`Layout` owns a C handle
and decodes its shape and stride into Python tuples only when asked.

Integers are CuTe integers: shapes and strides nest arbitrarily (``((2, 4), 8)``), a
rank-1 tuple ``(8,)`` differs from ``8``, and the default strides are compact
column-major with size-1 modes getting stride 0, as in CuTe::

    >>> import enigma
    >>> L = enigma.Layout(((2, 4), 8))
    >>> L
    ((2,4),8):((1,2),8)
    >>> enigma.logical_divide(enigma.Layout((4, 2, 3), (2, 1, 8)), enigma.Layout(4, 2))
    ((2,2),(2,3)):((4,1),(2,8))

Errors from the core (a tile larger than the tensor it divides, a composition whose
divisibility conditions fail, ...) raise :class:`enigma.EnigmaError` with the core's
message. See ``docs/layout-algebra.md`` for the semantics, with pictures.
"""

from __future__ import annotations

import ctypes
import operator
import threading
from collections.abc import Iterator, Sequence
from typing import Any, Union

from ._capi import lib
from .errors import EnigmaError

__all__ = [
    "ComposedLayout",
    "Layout",
    "Swizzle",
    "blocked_product",
    "coalesce",
    "complement",
    "composition",
    "cosize",
    "crd2idx",
    "depth",
    "downcast",
    "flat_divide",
    "flat_product",
    "idx2crd",
    "left_inverse",
    "logical_divide",
    "logical_product",
    "make_composed_layout",
    "make_identity_layout",
    "make_layout",
    "make_layout_tv",
    "make_ordered_layout",
    "raked_product",
    "rank",
    "recast_layout",
    "right_inverse",
    "size",
    "tile_to_shape",
    "tiled_divide",
    "tiled_product",
    "tv_layout_svg",
    "upcast",
    "zipped_divide",
    "zipped_product",
]

#: An integer or an arbitrarily nested tuple of integers.
IntTuple = int | tuple[Any, ...]
#: What divides, products and composition accept as their second operand: a Layout, an
#: integer ``n`` (the tile ``n:1``), ``None`` (CuTe's ``_``: leave the mode alone) or a
#: tuple of tilers applied mode by mode.
Tiler = Union["Layout", int, None, tuple[Any, ...]]

_MESSAGE_CAPACITY = 512  # ENIGMA_LAYOUT_ERROR_MESSAGE_CAPACITY


class _Error(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("message", ctypes.c_char * _MESSAGE_CAPACITY)]


_P = ctypes.c_void_p
_PP = ctypes.POINTER(ctypes.c_void_p)
_I64 = ctypes.c_int64
_I64P = ctypes.POINTER(ctypes.c_int64)
_IP = ctypes.c_ssize_t  # intptr_t
_ERR = ctypes.POINTER(_Error)

# name: (restype, argtypes) of every entry point used below.
_SIGNATURES = {
    "enigmaIntTupleFromPreorder": (ctypes.c_int, [_I64P, _IP, _PP, _ERR]),
    "enigmaIntTupleToPreorder": (_IP, [_P, _I64P, _IP]),
    "enigmaIntTupleDestroy": (None, [_P]),
    "enigmaIntTupleSize": (ctypes.c_int, [_P, _I64P, _ERR]),
    "enigmaIntTupleGetRank": (_IP, [_P]),
    "enigmaIntTupleGetDepth": (_IP, [_P]),
    "enigmaIntTupleGetElement": (ctypes.c_int, [_P, _IP, _PP, _ERR]),
    "enigmaIntTupleIdx2Crd": (ctypes.c_int, [_P, _I64, _PP, _ERR]),
    "enigmaIntTupleCrd2Idx": (ctypes.c_int, [_P, _P, _I64P, _ERR]),
    "enigmaLayoutFromPreorder": (ctypes.c_int, [_I64P, _IP, _PP, _ERR]),
    "enigmaLayoutToPreorder": (_IP, [_P, _I64P, _IP]),
    "enigmaLayoutCreate": (ctypes.c_int, [_P, _P, _PP, _ERR]),
    "enigmaLayoutCreateCompact": (ctypes.c_int, [_P, _PP, _ERR]),
    "enigmaLayoutCreateOrdered": (ctypes.c_int, [_P, _P, _PP, _ERR]),
    "enigmaLayoutConcat": (ctypes.c_int, [_PP, _IP, _PP, _ERR]),
    "enigmaLayoutParse": (ctypes.c_int, [ctypes.c_char_p, _IP, _PP, _ERR]),
    "enigmaLayoutPrint": (_IP, [_P, ctypes.c_char_p, _IP]),
    "enigmaLayoutDestroy": (None, [_P]),
    "enigmaLayoutEqual": (ctypes.c_bool, [_P, _P]),
    "enigmaLayoutGetRank": (_IP, [_P]),
    "enigmaLayoutGetDepth": (_IP, [_P]),
    "enigmaLayoutSize": (ctypes.c_int, [_P, _I64P, _ERR]),
    "enigmaLayoutCosize": (ctypes.c_int, [_P, _I64P, _ERR]),
    "enigmaLayoutGetMode": (ctypes.c_int, [_P, ctypes.POINTER(ctypes.c_int32), _IP, _PP, _ERR]),
    "enigmaLayoutCrd2Idx": (ctypes.c_int, [_P, _P, _I64P, _ERR]),
    "enigmaLayoutEvaluate": (ctypes.c_int, [_P, _I64, _I64P, _ERR]),
    "enigmaLayoutEvaluateRange": (ctypes.c_int, [_P, _I64, _IP, _I64P, _ERR]),
    "enigmaLayoutCoalesce": (ctypes.c_int, [_P, _PP, _ERR]),
    "enigmaLayoutCoalesceByMode": (ctypes.c_int, [_P, _P, _PP, _ERR]),
    "enigmaLayoutCompose": (ctypes.c_int, [_P, _P, _PP, _ERR]),
    "enigmaLayoutComposeTiler": (ctypes.c_int, [_P, _P, _PP, _ERR]),
    "enigmaLayoutComplement": (ctypes.c_int, [_P, _P, _PP, _ERR]),
    "enigmaLayoutRightInverse": (ctypes.c_int, [_P, _PP, _ERR]),
    "enigmaLayoutLeftInverse": (ctypes.c_int, [_P, _PP, _ERR]),
    "enigmaLayoutLogicalDivide": (ctypes.c_int, [_P, _P, _PP, _ERR]),
    "enigmaLayoutZippedDivide": (ctypes.c_int, [_P, _P, _PP, _ERR]),
    "enigmaLayoutTiledDivide": (ctypes.c_int, [_P, _P, _PP, _ERR]),
    "enigmaLayoutFlatDivide": (ctypes.c_int, [_P, _P, _PP, _ERR]),
    "enigmaLayoutLogicalProduct": (ctypes.c_int, [_P, _P, _PP, _ERR]),
    "enigmaLayoutZippedProduct": (ctypes.c_int, [_P, _P, _PP, _ERR]),
    "enigmaLayoutTiledProduct": (ctypes.c_int, [_P, _P, _PP, _ERR]),
    "enigmaLayoutFlatProduct": (ctypes.c_int, [_P, _P, _PP, _ERR]),
    "enigmaLayoutBlockedProduct": (ctypes.c_int, [_P, _P, _PP, _ERR]),
    "enigmaLayoutRakedProduct": (ctypes.c_int, [_P, _P, _PP, _ERR]),
    "enigmaLayoutMakeTV": (ctypes.c_int, [_P, _P, _PP, _PP, _ERR]),
    "enigmaTilerBuild": (ctypes.c_int, [_I64P, _IP, _PP, _IP, _PP, _ERR]),
    "enigmaTilerCreateFromLayout": (ctypes.c_int, [_P, _PP, _ERR]),
    "enigmaTilerDestroy": (None, [_P]),
}


class _Swizzle(ctypes.Structure):
    _fields_ = [("bits", ctypes.c_int32), ("base", ctypes.c_int32), ("shift", ctypes.c_int32)]


# Entry points added after the first release of the core: bound when the library has them,
# so that an older libEnigmaCAPI.so still serves everything else.
_LATER_SIGNATURES = {
    "enigmaLayoutUpcast": (ctypes.c_int, [_P, _I64, _PP, _ERR]),
    "enigmaLayoutDowncast": (ctypes.c_int, [_P, _I64, _PP, _ERR]),
    "enigmaLayoutRecast": (ctypes.c_int, [_P, _I64, _I64, _PP, _ERR]),
    "enigmaLayoutTileToShape": (ctypes.c_int, [_P, _P, _P, _PP, _ERR]),
    "enigmaSwizzleVerify": (ctypes.c_int, [_Swizzle, _ERR]),
    "enigmaSwizzleApply": (ctypes.c_int, [_Swizzle, _I64, _I64P, _ERR]),
    "enigmaComposedLayoutCreate": (ctypes.c_int, [_Swizzle, _I64, _P, _PP, _ERR]),
    "enigmaComposedLayoutParse": (ctypes.c_int, [ctypes.c_char_p, _IP, _PP, _ERR]),
    "enigmaComposedLayoutPrint": (_IP, [_P, ctypes.c_char_p, _IP]),
    "enigmaComposedLayoutDestroy": (None, [_P]),
    "enigmaComposedLayoutEqual": (ctypes.c_bool, [_P, _P]),
    "enigmaComposedLayoutGetSwizzle": (_Swizzle, [_P]),
    "enigmaComposedLayoutGetOffset": (_I64, [_P]),
    "enigmaComposedLayoutGetLayout": (ctypes.c_int, [_P, _PP, _ERR]),
    "enigmaComposedLayoutSize": (ctypes.c_int, [_P, _I64P, _ERR]),
    "enigmaComposedLayoutCosize": (ctypes.c_int, [_P, _I64P, _ERR]),
    "enigmaComposedLayoutCrd2Idx": (ctypes.c_int, [_P, _P, _I64P, _ERR]),
    "enigmaComposedLayoutEvaluate": (ctypes.c_int, [_P, _I64, _I64P, _ERR]),
    "enigmaComposedLayoutEvaluateRange": (ctypes.c_int, [_P, _I64, _IP, _I64P, _ERR]),
}


def _missing(cdll: Any, name: str) -> Any:
    def fail(*args: Any) -> Any:
        raise EnigmaError(f"{cdll._name} has no {name}: rebuild libEnigmaCAPI.so")

    return fail


class _Api:
    """The bound entry points, created on first use so that importing enigma never
    requires the native library to be built."""

    def __init__(self) -> None:
        cdll = lib()
        for name, (restype, argtypes) in _SIGNATURES.items():
            fn = getattr(cdll, name, None)
            if fn is None:
                raise EnigmaError(
                    f"{cdll._name} has no {name}: rebuild libEnigmaCAPI.so with the layout core"
                )
            fn.restype = restype
            fn.argtypes = argtypes
            setattr(self, name[len("enigma") :], fn)
        for name, (restype, argtypes) in _LATER_SIGNATURES.items():
            fn = getattr(cdll, name, None)
            if fn is None:
                fn = _missing(cdll, name)
            else:
                fn.restype = restype
                fn.argtypes = argtypes
            setattr(self, name[len("enigma") :], fn)


_api: _Api | None = None
_local = threading.local()


def _c() -> Any:
    global _api
    if _api is None:
        _api = _Api()
    return _api


def _err() -> _Error:
    # One error buffer per thread: ctypes releases the GIL during calls.
    e = getattr(_local, "err", None)
    if e is None:
        e = _local.err = _Error()
    return e


def _raise(err: _Error) -> None:
    message = err.message.decode("utf-8", "replace")
    exc = EnigmaError(message)
    exc.status = err.status  # type: ignore[attr-defined]
    raise exc


# ---------------------------------------------------------------------------------
# Python values <-> the core's preorder transfer format
# ---------------------------------------------------------------------------------


def _as_int(x: Any, what: str) -> int:
    if isinstance(x, bool):
        raise EnigmaError(f"{what} must be an integer or a tuple, not {x!r}")
    try:
        v = operator.index(x)
    except TypeError:
        raise EnigmaError(f"{what} must be an integer or a tuple, not {x!r}") from None
    # The C core computes in int64_t: larger Python ints would silently wrap.
    if not -(1 << 63) <= v < (1 << 63):
        raise EnigmaError(f"{what}: {v} does not fit in a signed 64-bit integer")
    return v


def _tuple_tokens(t: Any, out: list, what: str) -> None:
    if isinstance(t, (tuple, list)):
        if not t:
            raise EnigmaError(f"{what} contains an empty tuple")
        out.append(len(t))
        out.append(0)
        for e in t:
            _tuple_tokens(e, out, what)
    else:
        out.append(0)
        out.append(_as_int(t, what))


def _layout_tokens(shape: Any, stride: Any, out: list) -> bool:
    """Appends (rank, shape, stride) triples; False if the two are not congruent (the
    caller then lets the core build the layout and report the mismatch)."""
    if isinstance(shape, (tuple, list)):
        if not isinstance(stride, (tuple, list)) or len(stride) != len(shape) or not shape:
            return False
        out.extend((len(shape), 0, 0))
        for s, d in zip(shape, stride):
            if not _layout_tokens(s, d, out):
                return False
        return True
    if isinstance(stride, (tuple, list)):
        return False
    out.extend((0, _as_int(shape, "shape"), _as_int(stride, "stride")))
    return True


def _tokens_array(tokens: list) -> Any:
    return (ctypes.c_int64 * len(tokens))(*tokens)


class _TupleHandle:
    """A temporary EnigmaIntTuple for one call."""

    __slots__ = ("h",)

    def __init__(self, value: Any, what: str) -> None:
        tokens: list = []
        _tuple_tokens(value, tokens, what)
        h = ctypes.c_void_p()
        e = _err()
        if _c().IntTupleFromPreorder(_tokens_array(tokens), len(tokens), ctypes.byref(h), e):
            _raise(e)
        self.h = h

    def __enter__(self) -> ctypes.c_void_p:
        return self.h

    def __exit__(self, *exc: object) -> None:
        _c().IntTupleDestroy(self.h)


def _decode_tuple(tokens: Any, n: int) -> Any:
    pos = 0

    def walk() -> Any:
        nonlocal pos
        r, v = tokens[pos], tokens[pos + 1]
        pos += 2
        if r == 0:
            return v
        return tuple(walk() for _ in range(r))

    return walk()


def _tuple_from_handle(h: Any) -> Any:
    c = _c()
    n = c.IntTupleToPreorder(h, None, 0)
    buf = (ctypes.c_int64 * n)()
    c.IntTupleToPreorder(h, buf, n)
    c.IntTupleDestroy(h)
    return _decode_tuple(buf, n)


# Reused decode buffer (per thread); layouts rarely need more than this.
_DECODE_CAPACITY = 3 * 64


def _decode_layout(h: Any) -> tuple[Any, Any]:
    c = _c()
    buf = getattr(_local, "buf", None)
    if buf is None:
        buf = _local.buf = (ctypes.c_int64 * _DECODE_CAPACITY)()
    n = c.LayoutToPreorder(h, buf, _DECODE_CAPACITY)
    if n > _DECODE_CAPACITY:
        buf = (ctypes.c_int64 * n)()
        c.LayoutToPreorder(h, buf, n)
    tokens = buf[:n]
    if tokens[0] == 0:
        return tokens[1], tokens[2]
    # Iterative preorder walk: `stack` holds the enclosing tuples being filled.
    stack: list = []
    shapes: list = []
    strides: list = []
    remaining = tokens[0]
    i = 3
    while True:
        r = tokens[i]
        if r:
            stack.append((shapes, strides, remaining - 1))
            shapes, strides, remaining = [], [], r
            i += 3
            continue
        shapes.append(tokens[i + 1])
        strides.append(tokens[i + 2])
        i += 3
        remaining -= 1
        while remaining == 0:
            done = tuple(shapes), tuple(strides)
            if not stack:
                return done
            shapes, strides, remaining = stack.pop()
            shapes.append(done[0])
            strides.append(done[1])


# ---------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------


class Layout:
    """A CuTe layout ``shape:stride``: a function from coordinates to integers.

    ``Layout(shape)`` has compact column-major strides (mode 0 fastest, size-1 modes
    stride 0); ``Layout(shape, stride)`` takes congruent nested tuples. ``L(i)`` and
    ``L(coord)`` evaluate it, ``L[i]`` selects a mode, ``len(L)`` is its rank and
    ``repr(L)`` is CuTe notation (``Layout.parse`` reads it back).
    """

    __slots__ = ("__weakref__", "_h", "_ss", "_tiler")

    def __init__(self, shape: IntTuple, stride: IntTuple | None = None) -> None:
        self._h = None
        self._ss = None
        self._tiler = None
        c = _c()
        e = _err()
        h = ctypes.c_void_p()
        if stride is None:
            with _TupleHandle(shape, "shape") as s:
                if c.LayoutCreateCompact(s, ctypes.byref(h), e):
                    _raise(e)
        else:
            tokens: list = []
            if _layout_tokens(shape, stride, tokens):
                if c.LayoutFromPreorder(_tokens_array(tokens), len(tokens), ctypes.byref(h), e):
                    _raise(e)
            else:
                with _TupleHandle(shape, "shape") as s, _TupleHandle(stride, "stride") as d:
                    if c.LayoutCreate(s, d, ctypes.byref(h), e):
                        _raise(e)
        self._h = h.value

    @classmethod
    def _wrap(cls, handle: Any) -> Layout:
        self = object.__new__(cls)
        self._h = handle.value if isinstance(handle, ctypes.c_void_p) else handle
        self._ss = None
        self._tiler = None
        return self

    @classmethod
    def parse(cls, text: str) -> Layout:
        """Reads CuTe notation, e.g. ``"((2,4),8):((1,2),8)"`` (a bare shape is compact)."""
        data = text.encode()
        h = ctypes.c_void_p()
        e = _err()
        if _c().LayoutParse(data, len(data), ctypes.byref(h), e):
            _raise(e)
        return cls._wrap(h)

    def __del__(self) -> None:
        # At interpreter shutdown the module globals may already be gone (_api is
        # None); the process is exiting and the handles die with it.
        h = getattr(self, "_h", None)
        if h and _api is not None:
            if self._tiler:
                _api.TilerDestroy(self._tiler)
            _api.LayoutDestroy(h)

    def _shape_stride(self) -> tuple[Any, Any]:
        if self._ss is None:
            self._ss = _decode_layout(self._h)
        return self._ss

    @property
    def shape(self) -> IntTuple:
        """The shape as an int or nested tuple of ints."""
        return self._shape_stride()[0]

    @property
    def stride(self) -> IntTuple:
        """The stride, congruent to the shape."""
        return self._shape_stride()[1]

    def __call__(self, *coord: Any) -> int:
        """``L(i)`` for an integer index, ``L(c0, c1, ...)`` or ``L((c0, c1))`` for a
        coordinate (each level may be an int, split colexicographically)."""
        c = _c()
        e = _err()
        out = ctypes.c_int64()
        if len(coord) == 1 and not isinstance(coord[0], (tuple, list)):
            if c.LayoutEvaluate(self._h, _as_int(coord[0], "coordinate"), ctypes.byref(out), e):
                _raise(e)
            return out.value
        value = coord[0] if len(coord) == 1 else coord
        with _TupleHandle(value, "coordinate") as t:
            if c.LayoutCrd2Idx(self._h, t, ctypes.byref(out), e):
                _raise(e)
        return out.value

    def __getitem__(self, mode: int | Sequence[int]) -> Layout:
        """Mode selection: ``L[1]`` is ``layout<1>(L)``, ``L[1, 0]`` is ``layout<1,0>(L)``."""
        path = (mode,) if not isinstance(mode, (tuple, list)) else tuple(mode)
        return _select(self, path)

    def __len__(self) -> int:
        return _c().LayoutGetRank(self._h)

    def __iter__(self) -> Iterator[Layout]:
        """The top-level modes (an integral layout has one: itself)."""
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Layout):
            return NotImplemented
        return bool(_c().LayoutEqual(self._h, other._h))

    def __hash__(self) -> int:
        return hash(self._shape_stride())

    def __repr__(self) -> str:
        c = _c()
        buf = ctypes.create_string_buffer(256)
        n = c.LayoutPrint(self._h, buf, 256)
        if n >= 256:
            buf = ctypes.create_string_buffer(n + 1)
            c.LayoutPrint(self._h, buf, n + 1)
        return buf.value.decode()

    __str__ = __repr__

    def __reduce__(self) -> Any:
        return (Layout, self._shape_stride())

    def size(self, mode: None | int | Sequence[int] = None) -> int:
        """Number of coordinates (of mode ``mode``: an index or a path such as ``[1, 0]``)."""
        return size(self, mode)

    def cosize(self, mode: None | int | Sequence[int] = None) -> int:
        """1 + the largest offset the layout (or its mode) produces."""
        return cosize(self, mode)

    def rank(self, mode: None | int | Sequence[int] = None) -> int:
        """Number of top-level modes (1 for an integral shape)."""
        return rank(self, mode)

    def depth(self, mode: None | int | Sequence[int] = None) -> int:
        """Nesting depth of the shape (0 for an integral shape)."""
        return depth(self, mode)

    def values(self) -> list:
        """``[L(0), L(1), ..., L(size-1)]``."""
        n = size(self)
        out = (ctypes.c_int64 * max(n, 1))()
        e = _err()
        if _c().LayoutEvaluateRange(self._h, 0, n, out, e):
            _raise(e)
        return out[:n]

    def to_svg(self, path: str | None = None, **options: Any) -> str:
        """Draws the layout as a grid of its values (mode 0 down, the other modes across),
        like CuTe's ``print_latex``; writes the SVG to ``path`` if given."""
        from .layout_svg import layout_svg

        return layout_svg(self, path=path, **options)

    def _repr_svg_(self) -> str:
        return self.to_svg()

    def _tiler_handle(self) -> Any:
        if self._tiler is None:
            h = ctypes.c_void_p()
            e = _err()
            if _c().TilerCreateFromLayout(self._h, ctypes.byref(h), e):
                _raise(e)
            self._tiler = h.value
        return self._tiler


# ---------------------------------------------------------------------------------
# Swizzles and swizzled layouts
# ---------------------------------------------------------------------------------


class Swizzle:
    """CuTe's ``Swizzle<B, M, S>``: ``Swizzle(B, M, S)(x)`` XORs the ``B`` bits of ``x``
    starting at bit ``M`` with the ``B`` bits ``S`` above them (below for ``S < 0``)::

        yyy_mask = ((1 << B) - 1) << (M + max(0, S))
        zzz_mask = ((1 << B) - 1) << (M - min(0, S))
        swizzle(x) = x ^ shiftr(x & yyy_mask, S)      # shiftr by S < 0 shifts left

    It is its own inverse. ``composition(swz, layout)`` (or :class:`ComposedLayout`) makes a
    swizzled layout. Valid parameters: ``B >= 0``, ``M >= 0``, ``|S| >= B`` and
    ``B + M + |S| <= 62``.
    """

    __slots__ = ("_c", "base", "bits", "shift")

    def __init__(self, bits: int, base: int, shift: int) -> None:
        self.bits = _as_int(bits, "swizzle bits")
        self.base = _as_int(base, "swizzle base")
        self.shift = _as_int(shift, "swizzle shift")
        if not all(-(1 << 31) <= v < (1 << 31) for v in (self.bits, self.base, self.shift)):
            raise EnigmaError(f"invalid swizzle Sw<{self.bits},{self.base},{self.shift}>")
        self._c = _Swizzle(self.bits, self.base, self.shift)
        e = _err()
        if _c().SwizzleVerify(self._c, e):
            _raise(e)

    @property
    def yyy_mask(self) -> int:
        """The bits that are read (``S`` above the written ones)."""
        return ((1 << self.bits) - 1) << (self.base + max(0, self.shift))

    @property
    def zzz_mask(self) -> int:
        """The bits that are changed."""
        return ((1 << self.bits) - 1) << (self.base - min(0, self.shift))

    def __call__(self, offset: int) -> int:
        out = ctypes.c_int64()
        e = _err()
        if _c().SwizzleApply(self._c, _as_int(offset, "offset"), ctypes.byref(out), e):
            _raise(e)
        return out.value

    def size(self) -> int:
        """``2**(B + M + |S|)``: the swizzle maps ``[0, size)`` onto itself."""
        return 1 << (self.bits + self.base + abs(self.shift))

    def cosize(self) -> int:
        return self.size()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Swizzle):
            return NotImplemented
        return (self.bits, self.base, self.shift) == (other.bits, other.base, other.shift)

    def __hash__(self) -> int:
        return hash(("Swizzle", self.bits, self.base, self.shift))

    def __repr__(self) -> str:
        return f"Swizzle({self.bits}, {self.base}, {self.shift})"

    def __str__(self) -> str:
        return f"Sw<{self.bits},{self.base},{self.shift}>"

    def __reduce__(self) -> Any:
        return (Swizzle, (self.bits, self.base, self.shift))


class ComposedLayout:
    """A swizzled layout, CuTe's ``ComposedLayout``: ``c -> swizzle(offset + layout(c))``.

    ``ComposedLayout(Swizzle(3, 4, 3), 0, Layout((8, 64), (64, 1)))`` prints as CuTe does,
    ``Sw<3,4,3> o 0 o (8,64):(64,1)``, and ``ComposedLayout.parse`` reads that text back.
    Its coordinates are the layout's: ``shape``, ``size``, ``rank``, ``depth``, mode
    selection (``L[i]`` keeps the swizzle and offset, as CuTe's ``get<i>``) and the
    divides, products, ``composition(L, tiler)`` and ``tile_to_shape`` all act on the
    inner layout. ``cosize`` is 1 + the largest offset it produces. It has no ``stride``.
    """

    __slots__ = ("__weakref__", "_h", "_inner")

    def __init__(self, swizzle: Swizzle, offset: int, layout: Layout) -> None:
        self._h = None
        if not isinstance(swizzle, Swizzle):
            raise EnigmaError(
                f"a composed layout's outer function must be an enigma.Swizzle, not "
                f"{type(swizzle).__name__}"
            )
        layout = _as_layout(layout, "layout")
        h = ctypes.c_void_p()
        e = _err()
        if _c().ComposedLayoutCreate(
            swizzle._c, _as_int(offset, "offset"), layout._h, ctypes.byref(h), e
        ):
            _raise(e)
        self._h = h.value
        self._inner = layout

    @classmethod
    def _wrap(cls, handle: Any) -> ComposedLayout:
        self = object.__new__(cls)
        self._h = handle.value if isinstance(handle, ctypes.c_void_p) else handle
        self._inner = None
        return self

    @classmethod
    def parse(cls, text: str) -> ComposedLayout:
        """Reads ``"Sw<3,4,3> o 0 o (8,64):(64,1)"`` (the ``offset o`` part is optional)."""
        data = text.encode()
        h = ctypes.c_void_p()
        e = _err()
        if _c().ComposedLayoutParse(data, len(data), ctypes.byref(h), e):
            _raise(e)
        return cls._wrap(h)

    def __del__(self) -> None:
        h = getattr(self, "_h", None)
        if h and _api is not None:
            _api.ComposedLayoutDestroy(h)

    @property
    def swizzle(self) -> Swizzle:
        """The outer swizzle."""
        sw = _c().ComposedLayoutGetSwizzle(self._h)
        return Swizzle(sw.bits, sw.base, sw.shift)

    @property
    def offset(self) -> int:
        """The offset added before the swizzle."""
        return _c().ComposedLayoutGetOffset(self._h)

    @property
    def layout(self) -> Layout:
        """The inner layout (coordinates to pre-swizzle offsets)."""
        if self._inner is None:
            h = ctypes.c_void_p()
            e = _err()
            if _c().ComposedLayoutGetLayout(self._h, ctypes.byref(h), e):
                _raise(e)
            self._inner = Layout._wrap(h)
        return self._inner

    @property
    def shape(self) -> IntTuple:
        """The inner layout's shape."""
        return self.layout.shape

    @property
    def stride(self) -> IntTuple:
        raise EnigmaError(
            f"{self} has no stride: a swizzled layout is not linear (use .layout.stride for "
            "the inner layout's)"
        )

    def __call__(self, *coord: Any) -> int:
        """``swizzle(offset + layout(coord))``; coordinates as for :class:`Layout`."""
        c = _c()
        e = _err()
        out = ctypes.c_int64()
        if len(coord) == 1 and not isinstance(coord[0], (tuple, list)):
            idx = _as_int(coord[0], "coordinate")
            if c.ComposedLayoutEvaluate(self._h, idx, ctypes.byref(out), e):
                _raise(e)
            return out.value
        value = coord[0] if len(coord) == 1 else coord
        with _TupleHandle(value, "coordinate") as t:
            if c.ComposedLayoutCrd2Idx(self._h, t, ctypes.byref(out), e):
                _raise(e)
        return out.value

    def __getitem__(self, mode: int | Sequence[int]) -> ComposedLayout:
        """Mode selection keeping the swizzle and offset (CuTe ``get<i>``)."""
        return self._with(self.layout[mode])

    def __len__(self) -> int:
        return len(self.layout)

    def __iter__(self) -> Iterator[ComposedLayout]:
        return (self[i] for i in range(len(self)))

    def _with(self, inner: Layout) -> ComposedLayout:
        return ComposedLayout(self.swizzle, self.offset, inner)

    def size(self, mode: None | int | Sequence[int] = None) -> int:
        return size(self, mode)

    def cosize(self, mode: None | int | Sequence[int] = None) -> int:
        return cosize(self, mode)

    def rank(self, mode: None | int | Sequence[int] = None) -> int:
        return rank(self, mode)

    def depth(self, mode: None | int | Sequence[int] = None) -> int:
        return depth(self, mode)

    def values(self) -> list:
        """``[L(0), L(1), ..., L(size-1)]``."""
        n = size(self)
        out = (ctypes.c_int64 * max(n, 1))()
        e = _err()
        if _c().ComposedLayoutEvaluateRange(self._h, 0, n, out, e):
            _raise(e)
        return out[:n]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ComposedLayout):
            return NotImplemented
        return bool(_c().ComposedLayoutEqual(self._h, other._h))

    def __hash__(self) -> int:
        return hash(repr(self))

    def __repr__(self) -> str:
        c = _c()
        buf = ctypes.create_string_buffer(256)
        n = c.ComposedLayoutPrint(self._h, buf, 256)
        if n >= 256:
            buf = ctypes.create_string_buffer(n + 1)
            c.ComposedLayoutPrint(self._h, buf, n + 1)
        return buf.value.decode()

    __str__ = __repr__

    def __reduce__(self) -> Any:
        return (ComposedLayout, (self.swizzle, self.offset, self.layout))

    def to_svg(self, path: str | None = None, **options: Any) -> str:
        """Draws the layout's values like :meth:`Layout.to_svg`."""
        from .layout_svg import layout_svg

        return layout_svg(self, path=path, **options)

    def _repr_svg_(self) -> str:
        return self.to_svg()


#: Anything that maps coordinates to offsets.
AnyLayout = Union[Layout, ComposedLayout]  # noqa: UP007 (a runtime alias, like Tiler)


def make_composed_layout(swizzle: Swizzle, offset: int, layout: Layout) -> ComposedLayout:
    """CuTe's ``make_composed_layout``: ``swizzle o offset o layout``."""
    return ComposedLayout(swizzle, offset, layout)


def _inner_op(fn: Any, layout: Any, *args: Any) -> Any:
    """Applies a right-acting operation (divide, product, composition with a tiler) to a
    composed layout's inner layout, as CuTe does."""
    if isinstance(layout, ComposedLayout):
        return layout._with(fn(layout.layout, *args))
    return fn(layout, *args)


def _as_layout(x: Any, what: str) -> Layout:
    if isinstance(x, Layout):
        return x
    raise EnigmaError(f"{what} must be an enigma.Layout, not {type(x).__name__}")


def _select(layout: Layout, path: Sequence[int]) -> Layout:
    if not path:
        return layout
    arr = (ctypes.c_int32 * len(path))(*[_as_int(p, "mode") for p in path])
    h = ctypes.c_void_p()
    e = _err()
    if _c().LayoutGetMode(layout._h, arr, len(path), ctypes.byref(h), e):
        _raise(e)
    return Layout._wrap(h)


def _mode_path(mode: Any) -> tuple[int, ...]:
    if mode is None:
        return ()
    if isinstance(mode, (tuple, list)):
        return tuple(mode)
    return (mode,)


def _unary(name: str, layout: Layout) -> Layout:
    layout = _as_layout(layout, "layout")
    h = ctypes.c_void_p()
    e = _err()
    if getattr(_c(), name)(layout._h, ctypes.byref(h), e):
        _raise(e)
    return Layout._wrap(h)


# Tilers made only of integers and None (e.g. (16, 8)) are immutable values: their C
# handles are kept and reused, so a divide by a shape is a single call into the core.
_SHAPE_TILERS: dict = {}
_SHAPE_TILER_LIMIT = 256


def _is_shape_tiler(t: Any) -> bool:
    if isinstance(t, tuple):
        return all(_is_shape_tiler(e) for e in t)
    return t is None or (isinstance(t, int) and not isinstance(t, bool))


class _TilerHandle:
    """The EnigmaTiler of a Python tiler for the duration of one call."""

    __slots__ = ("h", "owned")

    def __init__(self, tiler: Any) -> None:
        if isinstance(tiler, Layout):
            self.h, self.owned = tiler._tiler_handle(), False
            return
        cached = _SHAPE_TILERS.get(tiler) if _is_shape_tiler(tiler) else None
        if cached is not None:
            self.h, self.owned = cached, False
            return
        structure: list = []
        leaves: list = []
        _tiler_tokens(tiler, structure, leaves)
        h = ctypes.c_void_p()
        e = _err()
        leaf_array = (ctypes.c_void_p * max(len(leaves), 1))(*leaves)
        if _c().TilerBuild(
            _tokens_array(structure), len(structure), leaf_array, len(leaves), ctypes.byref(h), e
        ):
            _raise(e)
        self.h, self.owned = h.value, True
        if len(_SHAPE_TILERS) < _SHAPE_TILER_LIMIT and _is_shape_tiler(tiler):
            _SHAPE_TILERS[tiler] = self.h  # lives as long as the process
            self.owned = False

    def __enter__(self) -> Any:
        return self.h

    def __exit__(self, *exc: object) -> None:
        if self.owned:
            _c().TilerDestroy(self.h)


def _tiler_tokens(t: Any, structure: list, leaves: list) -> None:
    if isinstance(t, Layout):
        structure.append(0)
        leaves.append(t._h)
    elif t is None:
        structure.append(0)
        leaves.append(None)
    elif isinstance(t, (tuple, list)):
        if not t:
            raise EnigmaError("a tiler tuple needs at least one element")
        structure.append(len(t))
        for e in t:
            _tiler_tokens(e, structure, leaves)
    else:
        structure.append(-1)
        structure.append(_as_int(t, "tiler"))


def _with_tiler(name: str, layout: Layout, tiler: Tiler) -> Layout:
    """C operation `name` (a divide, product or composition with a tiler) of `layout` by
    `tiler`; on a composed layout it acts on the inner layout, as CuTe does."""
    if isinstance(layout, ComposedLayout):
        return layout._with(_with_tiler(name, layout.layout, tiler))
    layout = _as_layout(layout, "layout")
    h = ctypes.c_void_p()
    e = _err()
    with _TilerHandle(tiler) as t:
        if getattr(_c(), name)(layout._h, t, ctypes.byref(h), e):
            _raise(e)
    return Layout._wrap(h)


# ---------------------------------------------------------------------------------
# Module functions (CuTe's free functions)
# ---------------------------------------------------------------------------------


def size(x: AnyLayout | IntTuple, mode: None | int | Sequence[int] = None) -> int:
    """Number of elements of a layout or shape (of its mode ``mode``, a mode index or a
    path such as ``[1, 0]``)."""
    path = _mode_path(mode)
    out = ctypes.c_int64()
    e = _err()
    c = _c()
    if isinstance(x, ComposedLayout):
        x = x.layout
    if isinstance(x, Layout):
        sub = _select(x, path)  # keep the handle alive across the call
        if c.LayoutSize(sub._h, ctypes.byref(out), e):
            _raise(e)
        return out.value
    with _TupleHandle(_tuple_select(x, path), "shape") as t:
        if c.IntTupleSize(t, ctypes.byref(out), e):
            _raise(e)
    return out.value


def _tuple_select(t: IntTuple, path: Sequence[int]) -> IntTuple:
    """CuTe get<path...> on a Python IntTuple, done by the core."""
    if not path:
        return t
    c = _c()
    e = _err()
    with _TupleHandle(t, "tuple") as h:
        cur = ctypes.c_void_p(h.value)
        owned = False
        try:
            for p in path:
                nxt = ctypes.c_void_p()
                if c.IntTupleGetElement(cur, _as_int(p, "mode"), ctypes.byref(nxt), e):
                    _raise(e)
                if owned:
                    c.IntTupleDestroy(cur)
                cur, owned = nxt, True
            result = _tuple_from_handle(cur)
            owned = False
            return result
        finally:
            if owned:
                c.IntTupleDestroy(cur)


def cosize(layout: AnyLayout, mode: None | int | Sequence[int] = None) -> int:
    """1 + the largest index the layout (or its mode) produces."""
    out = ctypes.c_int64()
    e = _err()
    if isinstance(layout, ComposedLayout):
        path = _mode_path(mode)
        sub = layout[path] if path else layout
        if _c().ComposedLayoutCosize(sub._h, ctypes.byref(out), e):
            _raise(e)
        return out.value
    layout = _select(_as_layout(layout, "layout"), _mode_path(mode))
    if _c().LayoutCosize(layout._h, ctypes.byref(out), e):
        _raise(e)
    return out.value


def rank(x: AnyLayout | IntTuple, mode: None | int | Sequence[int] = None) -> int:
    """Number of top-level modes (1 for an integer)."""
    path = _mode_path(mode)
    if isinstance(x, ComposedLayout):
        x = x.layout
    if isinstance(x, Layout):
        sub = _select(x, path)
        return _c().LayoutGetRank(sub._h)
    with _TupleHandle(_tuple_select(x, path), "tuple") as t:
        return _c().IntTupleGetRank(t)


def depth(x: AnyLayout | IntTuple, mode: None | int | Sequence[int] = None) -> int:
    """Nesting depth (0 for an integer)."""
    path = _mode_path(mode)
    if isinstance(x, ComposedLayout):
        x = x.layout
    if isinstance(x, Layout):
        sub = _select(x, path)
        return _c().LayoutGetDepth(sub._h)
    with _TupleHandle(_tuple_select(x, path), "tuple") as t:
        return _c().IntTupleGetDepth(t)


def coalesce(layout: Layout, profile: IntTuple | None = None) -> Layout:
    """Merges adjacent modes without changing the function on ``[0, size)``; with a
    ``profile`` such as ``(1, 1)`` it coalesces each mode separately (a composed layout's
    inner layout is coalesced)."""
    if isinstance(layout, ComposedLayout):
        return _inner_op(coalesce, layout, profile)
    if profile is None:
        return _unary("LayoutCoalesce", layout)
    layout = _as_layout(layout, "layout")
    h = ctypes.c_void_p()
    e = _err()
    with _TupleHandle(profile, "profile") as p:
        if _c().LayoutCoalesceByMode(layout._h, p, ctypes.byref(h), e):
            _raise(e)
    return Layout._wrap(h)


def composition(a: Layout, b: Tiler) -> Layout:
    """``a o b``: ``result(c) == a(b(c))`` with ``b``'s shape (each mode of ``b`` composed
    exactly, distributing over ``b``'s modes as CuTe does). ``b`` may be a tuple of tilers for
    by-mode composition, as in CuTe; modes of ``a`` past the tuple are dropped.

    ``composition(Swizzle(...), layout)`` is the swizzled layout
    ``ComposedLayout(swizzle, 0, layout)`` (``layout`` itself for a swizzle of 0 bits, as in
    CuTe); a composed ``a`` composes its inner layout."""
    if isinstance(a, Swizzle):
        if isinstance(b, ComposedLayout):
            raise EnigmaError(
                f"composition({a}, {b}): a swizzle of a swizzled layout is not supported"
            )
        b = _as_layout(b, "layout")
        # As in CuTe, the identity swizzle (no bits) composes away.
        return b if a.bits == 0 else ComposedLayout(a, 0, b)
    if isinstance(a, ComposedLayout):
        return _inner_op(composition, a, b)
    if isinstance(b, (ComposedLayout, Swizzle)):
        raise EnigmaError(
            f"composition({a}, {b}): a layout composed after a swizzle is not a layout"
        )
    a = _as_layout(a, "layout")
    if isinstance(b, Layout):
        h = ctypes.c_void_p()
        e = _err()
        if _c().LayoutCompose(a._h, b._h, ctypes.byref(h), e):
            _raise(e)
        return Layout._wrap(h)
    return _with_tiler("LayoutComposeTiler", a, b)


def complement(
    layout: AnyLayout, cosize: IntTuple | None = None, *, cotarget: IntTuple | None = None
) -> Layout:
    """The layout of the elements of ``cosize`` (a size, or CuTe's cotarget shape; default
    the layout's cosize) that ``layout`` does not reach, e.g.
    ``complement(Layout(4, 2), 24) == Layout((2, 3), (1, 8))``. ``cotarget=`` is the same
    argument under CuTe's name. A composed layout's complement is its inner layout's (with
    the composed cosize as default), as in CuTe."""
    if cosize is not None and cotarget is not None:
        raise EnigmaError("complement takes cosize or cotarget, not both")
    if cotarget is None:
        cotarget = cosize
    if isinstance(layout, ComposedLayout):
        if cotarget is None:
            cotarget = layout.cosize()
        layout = layout.layout
    h = ctypes.c_void_p()
    e = _err()
    if cotarget is None:
        if _c().LayoutComplement(layout._h, None, ctypes.byref(h), e):
            _raise(e)
    else:
        with _TupleHandle(cotarget, "cotarget") as t:
            if _c().LayoutComplement(layout._h, t, ctypes.byref(h), e):
                _raise(e)
    return Layout._wrap(h)


def right_inverse(layout: Layout) -> Layout:
    """The largest ``R`` with ``layout(R(i)) == i``."""
    return _unary("LayoutRightInverse", layout)


def left_inverse(layout: Layout) -> Layout:
    """For an injective layout, ``L`` with ``L(layout(i)) == i``."""
    return _unary("LayoutLeftInverse", layout)


def logical_divide(layout: Layout, tiler: Tiler) -> Layout:
    """Splits each tiled mode into (tile, rest)."""
    return _with_tiler("LayoutLogicalDivide", layout, tiler)


def zipped_divide(layout: Layout, tiler: Tiler) -> Layout:
    """``((tiles...), (rests..., other modes...))``."""
    return _with_tiler("LayoutZippedDivide", layout, tiler)


def tiled_divide(layout: Layout, tiler: Tiler) -> Layout:
    """``((tiles...), rests..., other modes...)``."""
    return _with_tiler("LayoutTiledDivide", layout, tiler)


def flat_divide(layout: Layout, tiler: Tiler) -> Layout:
    """``(tiles..., rests..., other modes...)``."""
    return _with_tiler("LayoutFlatDivide", layout, tiler)


def logical_product(layout: Layout, tiler: Tiler) -> Layout:
    """``(layout, complement(layout, size*cosize(tiler)) o tiler)``."""
    return _with_tiler("LayoutLogicalProduct", layout, tiler)


def zipped_product(layout: Layout, tiler: Tiler) -> Layout:
    """``((blocks...), (repeats..., other modes...))``."""
    return _with_tiler("LayoutZippedProduct", layout, tiler)


def tiled_product(layout: Layout, tiler: Tiler) -> Layout:
    """``((blocks...), repeats..., other modes...)``."""
    return _with_tiler("LayoutTiledProduct", layout, tiler)


def flat_product(layout: Layout, tiler: Tiler) -> Layout:
    """``(blocks..., repeats..., other modes...)``."""
    return _with_tiler("LayoutFlatProduct", layout, tiler)


def _binary(name: str, a: Layout, b: Layout) -> Layout:
    """C operation `name` of two layouts; on a composed `a` it acts on the inner layout."""
    if isinstance(a, ComposedLayout):
        return a._with(_binary(name, a.layout, b))
    a = _as_layout(a, "block")
    b = _as_layout(b, "tiler")
    h = ctypes.c_void_p()
    e = _err()
    if getattr(_c(), name)(a._h, b._h, ctypes.byref(h), e):
        _raise(e)
    return Layout._wrap(h)


def blocked_product(block: Layout, tiler: Layout) -> Layout:
    """``block`` repeated in contiguous blocks arranged by ``tiler``, mode by mode."""
    return _binary("LayoutBlockedProduct", block, tiler)


def raked_product(block: Layout, tiler: Layout) -> Layout:
    """Like :func:`blocked_product` with the copies interleaved (a cyclic distribution)."""
    return _binary("LayoutRakedProduct", block, tiler)


def make_layout(*args: Any, stride: IntTuple | None = None) -> Layout:
    """``make_layout(shape, stride=None)`` builds a layout (compact column-major by
    default); ``make_layout(L0, L1, ...)`` concatenates layouts into modes."""
    if args and all(isinstance(a, Layout) for a in args):
        if stride is not None:
            raise EnigmaError("make_layout of layouts takes no stride")
        arr = (ctypes.c_void_p * len(args))(*[a._h for a in args])
        h = ctypes.c_void_p()
        e = _err()
        if _c().LayoutConcat(arr, len(args), ctypes.byref(h), e):
            _raise(e)
        return Layout._wrap(h)
    if len(args) == 2 and stride is None:
        return Layout(args[0], args[1])
    if len(args) != 1:
        raise EnigmaError("make_layout takes a shape (and a stride), or layouts")
    return Layout(args[0], stride)


def make_ordered_layout(shape: IntTuple, order: IntTuple) -> Layout:
    """Compact layout where modes with a smaller ``order`` are faster:
    ``make_ordered_layout((4, 32), (1, 0))`` is ``(4,32):(32,1)``."""
    h = ctypes.c_void_p()
    e = _err()
    with _TupleHandle(shape, "shape") as s, _TupleHandle(order, "order") as o:
        if _c().LayoutCreateOrdered(s, o, ctypes.byref(h), e):
            _raise(e)
    return Layout._wrap(h)


def make_identity_layout(shape: IntTuple) -> Layout:
    """The reference's identity layout of ``shape``: compact column-major, so it maps each
    coordinate of ``shape`` to its own colexicographic index (``idx2crd`` of that index
    gives the coordinate back). CuTe's ``make_identity_layout`` returns the coordinate
    itself (strides are basis vectors); Enigma's layouts are integer-valued, and
    ``make_identity_layout(s)(c) == crd2idx(c, s)``."""
    return Layout(shape)


def _cast(name: str, layout: Layout, *args: int) -> Layout:
    layout = _as_layout(layout, "layout")
    h = ctypes.c_void_p()
    e = _err()
    if getattr(_c(), name)(layout._h, *args, ctypes.byref(h), e):
        _raise(e)
    return Layout._wrap(h)


def upcast(layout: Layout, n: int) -> Layout:
    """CuTe ``upcast<n>``: the layout in units of ``n`` elements (strides divided by ``n``,
    the stride-1 mode ``n`` times shorter): ``upcast(Layout((8, 8), (8, 1)), 2)`` is
    ``(8,4):(4,1)``."""
    return _cast("LayoutUpcast", layout, _as_int(n, "n"))


def downcast(layout: Layout, n: int) -> Layout:
    """CuTe ``downcast<n>``: the layout in units of ``1/n`` element (stride-1 modes ``n``
    times longer, other strides times ``n``)."""
    return _cast("LayoutDowncast", layout, _as_int(n, "n"))


def recast_layout(new_bits: int, old_bits: int, layout: Layout) -> Layout:
    """CuTe ``recast_layout<OldType, NewType>``: the layout of the same memory in elements
    of ``new_bits`` bits instead of ``old_bits`` (``upcast`` by ``new/old`` in lowest terms,
    then ``downcast`` by the denominator)::

        recast_layout(32, 16, Layout((8, 8), (8, 1)))   # (8,4):(4,1)
        recast_layout(8, 32, Layout((4, 4), (4, 1)))    # (4,16):(16,1)
    """
    if isinstance(layout, ComposedLayout):
        raise EnigmaError(f"recast_layout of the swizzled layout {layout} is not supported")
    return _cast(
        "LayoutRecast", layout, _as_int(new_bits, "new_bits"), _as_int(old_bits, "old_bits")
    )


def tile_to_shape(block: AnyLayout, trg_shape: IntTuple, order: IntTuple | None = None) -> Any:
    """CuTe ``tile_to_shape``: repeats ``block`` (``blocked_product``) until it covers
    ``trg_shape``; mode ``i`` of the result is ``(block_i, repetitions_i)`` with the size of
    mode ``i`` of ``trg_shape``, which each block mode must divide. ``order`` orders the
    repetitions like :func:`make_ordered_layout` (default: column-major). A swizzled block
    gives a swizzled result::

        tile_to_shape(Layout((2, 2), (1, 2)), (4, 6))    # ((2,2),(2,3)):((1,4),(2,8))
    """
    if isinstance(block, ComposedLayout):
        return _inner_op(tile_to_shape, block, trg_shape, order)
    block = _as_layout(block, "block")
    h = ctypes.c_void_p()
    e = _err()
    c = _c()
    with _TupleHandle(trg_shape, "target shape") as t:
        if order is None:
            if c.LayoutTileToShape(block._h, t, None, ctypes.byref(h), e):
                _raise(e)
        else:
            with _TupleHandle(order, "order") as o:
                if c.LayoutTileToShape(block._h, t, o, ctypes.byref(h), e):
                    _raise(e)
    return Layout._wrap(h)


def make_layout_tv(thr_layout: Layout, val_layout: Layout) -> tuple[IntTuple, Layout]:
    """CuTe's ``make_layout_tv``: returns ``(tiler_mn, tv_layout)`` where ``tiler_mn``
    is the tile shape covered by the threads and values and ``tv_layout`` maps
    ``(thread id, value id)`` to the column-major index in that tile."""
    thr = _as_layout(thr_layout, "thread layout")
    val = _as_layout(val_layout, "value layout")
    tiler = ctypes.c_void_p()
    tv = ctypes.c_void_p()
    e = _err()
    if _c().LayoutMakeTV(thr._h, val._h, ctypes.byref(tiler), ctypes.byref(tv), e):
        _raise(e)
    return _tuple_from_handle(tiler), Layout._wrap(tv)


def idx2crd(index: int, shape: IntTuple) -> IntTuple:
    """The colexicographic coordinate of ``index`` in ``shape`` (mode 0 fastest)."""
    h = ctypes.c_void_p()
    e = _err()
    with _TupleHandle(shape, "shape") as s:
        if _c().IntTupleIdx2Crd(s, _as_int(index, "index"), ctypes.byref(h), e):
            _raise(e)
    return _tuple_from_handle(h)


def crd2idx(coord: IntTuple, shape: IntTuple) -> int:
    """The colexicographic index of ``coord`` in ``shape`` (inverse of :func:`idx2crd`)."""
    out = ctypes.c_int64()
    e = _err()
    with _TupleHandle(shape, "shape") as s, _TupleHandle(coord, "coordinate") as t:
        if _c().IntTupleCrd2Idx(s, t, ctypes.byref(out), e):
            _raise(e)
    return out.value


def tv_layout_svg(
    tv_layout: Layout, tile_shape: IntTuple, path: str | None = None, **options: Any
) -> str:
    """Draws a thread-value layout over its tile: each cell shows the thread and value
    that own it (``T3 V1``), colored by thread. Writes the SVG to ``path`` if given."""
    from .layout_svg import tv_svg

    return tv_svg(tv_layout, tile_shape, path=path, **options)
