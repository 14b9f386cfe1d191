"""Element types of Enigma kernels.

MLIR integers are signless; signedness lives here, in the Python dtypes, and the tracer picks the
signed or unsigned MLIR operation (``divsi``/``divui``, ``cmpi slt``/``ult``, ``shrsi``/``shrui``,
``sitofp``/``uitofp``, ``extsi``/``extui`` ...) so the generated MSL is exact.

Promotion rules (documented in docs/python-api.md) are implemented by :func:`promote`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = [
    "BFloat16",
    "Bool",
    "DType",
    "Float16",
    "Float32",
    "Int8",
    "Int16",
    "Int32",
    "Int64",
    "UInt8",
    "UInt16",
    "UInt32",
    "UInt64",
    "Scalar",
    "b1",
    "bf16",
    "dtype",
    "f16",
    "from_msl",
    "f32",
    "i8",
    "i16",
    "i32",
    "i64",
    "promote",
    "u8",
    "u16",
    "u32",
    "u64",
    "vec",
]


class DType:
    """An element type: ``enigma.f32``, ``enigma.u32`` ...

    Calling a dtype inside a kernel makes a typed value: ``enigma.u32(0)`` is an unsigned
    constant, ``enigma.f32(x)`` converts ``x`` (like ``enigma.metal_cast``).
    """

    __slots__ = ("_elem", "bits", "kind", "lanes", "mlir", "msl", "name", "numpy")

    def __init__(
        self,
        name: str,
        mlir: str,
        msl: str,
        bits: int,
        kind: str,
        numpy: str,
        lanes: int = 0,
        elem: DType | None = None,
    ) -> None:
        self.name = name  # "f32"; vectors: "float4"
        self.mlir = mlir  # MLIR type ("i32" for both i32 and u32; "vector<4xf32>")
        self.msl = msl  # Metal spelling ("float", "float4")
        self.bits = bits  # bits of one element
        self.kind = kind  # "f" float, "i" signed, "u" unsigned, "b" bool (of the elements)
        self.numpy = numpy  # numpy dtype name (of the elements)
        self.lanes = lanes  # 0 for scalars, 2..4 for vectors
        self._elem = elem

    @property
    def elem(self) -> DType:
        """The element dtype (the dtype itself for scalars)."""
        return self._elem if self._elem is not None else self

    @property
    def is_vector(self) -> bool:
        return self.lanes > 0

    @property
    def is_float(self) -> bool:
        return self.kind == "f"

    @property
    def is_int(self) -> bool:
        """Integers, bool included."""
        return self.kind in "iub"

    @property
    def is_signed(self) -> bool:
        return self.kind == "i"

    @property
    def is_unsigned(self) -> bool:
        """Unsigned integers and bool (both compare and extend as unsigned)."""
        return self.kind in "ub"

    @property
    def is_bool(self) -> bool:
        return self.kind == "b"

    @property
    def itemsize(self) -> int:
        return max(1, self.bits // 8)

    def __repr__(self) -> str:
        return f"enigma.{self.name}"

    def __str__(self) -> str:
        return self.name

    def __reduce__(self) -> tuple[Any, ...]:
        if self.lanes:
            return (vec, (self.elem, self.lanes))
        return (dtype, (self.name,))

    def __call__(self, value: Any) -> Any:
        from . import _tracer

        return _tracer.typed(value, self)


class _ScalarDType(DType):
    """Base of the reference's class forms (``enigma.Float32`` ...): each class has exactly
    one instance, the shorthand (``enigma.f32``); calling the class with no arguments returns
    it, and the class itself works wherever a dtype does (``A: enigma.Float32``)."""

    __slots__ = ()
    _instance: DType | None = None

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if not args and not kwargs and cls._instance is not None:
            return cls._instance
        return super().__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            super().__init__(*args, **kwargs)
            type(self)._instance = self


class Float32(_ScalarDType):
    """``float``: 32-bit IEEE float (shorthand ``enigma.f32``)."""

    __slots__ = ()


class Float16(_ScalarDType):
    """``half``: 16-bit IEEE float (``enigma.f16``)."""

    __slots__ = ()


class BFloat16(_ScalarDType):
    """``bfloat``: brain float 16 (``enigma.bf16``)."""

    __slots__ = ()


class Int8(_ScalarDType):
    """``char`` (``enigma.i8``)."""

    __slots__ = ()


class UInt8(_ScalarDType):
    """``uchar`` (``enigma.u8``)."""

    __slots__ = ()


class Int16(_ScalarDType):
    """``short`` (``enigma.i16``)."""

    __slots__ = ()


class UInt16(_ScalarDType):
    """``ushort`` (``enigma.u16``)."""

    __slots__ = ()


class Int32(_ScalarDType):
    """``int`` (``enigma.i32``)."""

    __slots__ = ()


class UInt32(_ScalarDType):
    """``uint`` (``enigma.u32``)."""

    __slots__ = ()


class Int64(_ScalarDType):
    """``long`` (``enigma.i64``)."""

    __slots__ = ()


class UInt64(_ScalarDType):
    """``ulong`` (``enigma.u64``)."""

    __slots__ = ()


class Bool(_ScalarDType):
    """``bool`` (``enigma.b1``)."""

    __slots__ = ()


def _scalar_table() -> dict[str, tuple[str, str, str, int, str, str]]:
    """The rows of scalar_types.def (shared with the compiler's trace import), by name."""
    text = (Path(__file__).with_name("scalar_types.def")).read_text()
    rows = {}
    for m in re.finditer(r"^ENIGMA_SCALAR_TYPE\(([^)]*)\)", text, re.M):
        name, mlir, msl, bits, kind, numpy = (f.strip() for f in m.group(1).split(","))
        rows[name] = (name, mlir, msl, int(bits), kind, numpy)
    return rows


_ROWS = _scalar_table()
f32 = Float32(*_ROWS["f32"])
f16 = Float16(*_ROWS["f16"])
bf16 = BFloat16(*_ROWS["bf16"])
i8 = Int8(*_ROWS["i8"])
u8 = UInt8(*_ROWS["u8"])
i16 = Int16(*_ROWS["i16"])
u16 = UInt16(*_ROWS["u16"])
i32 = Int32(*_ROWS["i32"])
u32 = UInt32(*_ROWS["u32"])
i64 = Int64(*_ROWS["i64"])
u64 = UInt64(*_ROWS["u64"])
b1 = Bool(*_ROWS["b1"])

ALL_DTYPES = (f32, f16, bf16, i8, u8, i16, u16, i32, u32, i64, u64, b1)
assert [d.name for d in ALL_DTYPES] == list(_ROWS), "scalar_types.def and dtypes.py disagree"

_BY_NAME: dict[str, DType] = {}
for _d in ALL_DTYPES:
    _BY_NAME[_d.name] = _d
    _BY_NAME[_d.msl] = _d
_BY_NAME.update(
    {
        "float32": f32,
        "float16": f16,
        "bfloat16": bf16,
        "int8": i8,
        "uint8": u8,
        "int16": i16,
        "uint16": u16,
        "int32": i32,
        "uint32": u32,
        "int64": i64,
        "uint64": u64,
    }
)


_VEC_CACHE: dict[tuple[str, int], DType] = {}


def vec(elem: DType | str, lanes: int) -> DType:
    """The vector dtype of `lanes` (2, 3 or 4) elements of `elem`: ``vec(f32, 4)`` is Metal's
    ``float4`` (MLIR ``vector<4xf32>``); the reference API spells it ``"vec<4,float>"``."""
    e = dtype(elem)
    if e.lanes:
        raise TypeError(f"a vector element must be a scalar dtype, got {e.name}")
    if isinstance(lanes, bool) or not isinstance(lanes, int) or lanes not in (2, 3, 4):
        raise TypeError(f"a vector has 2, 3 or 4 lanes, got {lanes!r}")
    key = (e.name, lanes)
    v = _VEC_CACHE.get(key)
    if v is None:
        v = DType(
            f"{e.msl}{lanes}",
            f"vector<{lanes}x{e.mlir}>",
            f"{e.msl}{lanes}",
            e.bits,
            e.kind,
            e.numpy,
            lanes=lanes,
            elem=e,
        )
        _VEC_CACHE[key] = v
    return v


_VEC_NAME = re.compile(r"^\s*vec\s*<\s*([234])\s*,\s*(\w+)\s*>\s*$|^([a-z]+)([234])$")


def from_msl(name: str) -> DType | None:
    """The scalar dtype Metal spells `name` ("float", "uint", ...), or None. The one table from
    Metal spellings to dtypes (the launchers and hand-written kernels use it)."""
    d = _BY_NAME.get(name)
    return d if d is not None and d.msl == name else None


class Scalar:
    """Annotation of a by-value scalar parameter: ``n: enigma.Scalar(enigma.u32)``.

    A plain dtype annotation (``A: enigma.f32``) is a device buffer of that element type.
    """

    __slots__ = ("dtype",)

    def __init__(self, dt: DType | str) -> None:
        self.dtype = dtype(dt)

    def __repr__(self) -> str:
        return f"enigma.Scalar({self.dtype!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scalar) and other.dtype is self.dtype

    def __hash__(self) -> int:
        return hash(("Scalar", self.dtype.name))


def dtype(value: DType | str | Any) -> DType:
    """Return the :class:`DType` named by ``value``: a DType, a name such as ``"f32"`` or a Metal
    spelling such as ``"float"``, ``"uint"``, ``"bool"``, or a numpy dtype."""
    if isinstance(value, DType):
        return value
    if isinstance(value, type) and issubclass(value, _ScalarDType) and value._instance is not None:
        return value._instance  # the class form: enigma.Float32
    if isinstance(value, str):
        found = _BY_NAME.get(value)
        if found is None:
            m = _VEC_NAME.match(value)
            if m is not None:
                elem_name, lanes = (m.group(2), m.group(1)) if m.group(1) else (m.group(3), m.group(4))
                if elem_name in _BY_NAME:
                    return vec(_BY_NAME[elem_name], int(lanes))
        if found is None:
            raise TypeError(
                f"unknown dtype {value!r}; expected one of "
                + ", ".join(sorted({d.name for d in ALL_DTYPES} | {d.msl for d in ALL_DTYPES}))
            )
        return found
    name = getattr(value, "name", None)  # numpy dtypes and scalar types
    if name is None and isinstance(value, type):
        name = getattr(value, "__name__", None)
    if isinstance(name, str) and name in _BY_NAME:
        return _BY_NAME[name]
    raise TypeError(f"{value!r} is not an Enigma dtype")


_FLOAT_RANK = {"f16": 1, "bf16": 1, "f32": 2}


def promote(a: DType, b: DType) -> DType:
    """The common type of a binary operation on values of dtypes ``a`` and ``b``.

    - equal dtypes: that dtype;
    - float with float: the wider; f16 with bf16 gives f32;
    - float with integer or bool: the float (``f32 + u32 -> f32``, ``f16 + i32 -> f16``);
    - bool with integer: the integer;
    - integers of equal signedness: the wider;
    - signed with unsigned (C's rule): the unsigned type when it is at least as wide as the
      signed one (``i32 + u32 -> u32``), otherwise the signed type (``i64 + u32 -> i64``).
    """
    if a is b:
        return a
    if a.lanes or b.lanes:
        if a.lanes and b.lanes and a.lanes != b.lanes:
            raise TypeError(f"cannot combine vectors of different lengths: {a.name} and {b.name}")
        return vec(promote(a.elem, b.elem), a.lanes or b.lanes)
    if a.is_float and b.is_float:
        if a.bits != b.bits:
            return a if a.bits > b.bits else b
        return f32  # f16 with bf16
    if a.is_float:
        return a
    if b.is_float:
        return b
    if a.is_bool:
        return b
    if b.is_bool:
        return a
    if a.kind == b.kind:
        return a if a.bits >= b.bits else b
    signed, unsigned = (a, b) if a.is_signed else (b, a)
    return unsigned if unsigned.bits >= signed.bits else signed
