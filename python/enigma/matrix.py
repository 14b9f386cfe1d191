"""Matrices: SIMD-group matrices (Metal ``simdgroup_float8x8``, §25 of the reference) and the
small matrix types (``float2x2`` ... ``float4x4``, §26).

A SIMD-group matrix is an 8x8 tile spread over the 32 threads of a SIMD-group; every thread of
the SIMD-group must execute its operations with the same operands. A small matrix
``floatCxR`` (C columns of R rows, column-major as in Metal) lives in one thread; in the IR it
is the vector type ``vector<CxRxf32>``, ``m[i]`` is column ``i``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import dtypes as _dt
from ._tracer import (
    Value,
    _np_scalar_to_literal,
    as_value,
    convert,
    current,
    to_index,
    trace_type_error,
    user_frame,
    vec_extract,
)
from .dtypes import DType
from .memory import MemRef

__all__ = [
    "Matrix",
    "SimdgroupMatrix",
    "determinant",
    "make_filled_simdgroup_matrix",
    "make_matrix",
    "matmul",
    "simdgroup_matrix_load",
    "simdgroup_matrix_store",
    "simdgroup_multiply_accumulate",
    "transpose",
]

_MATRIX_ELEMS = (_dt.f32, _dt.f16, _dt.bf16)


# ---------------------------------------------------------------------------------------------
# SIMD-group matrices
# ---------------------------------------------------------------------------------------------


class SimdgroupMatrix:
    """An 8x8 SIMD-group matrix value (``simdgroup_float8x8``, ``simdgroup_half8x8``, ...)."""

    __slots__ = ("cols", "elem", "id", "rows")
    _named_result = True  # the tracer names it after the user's variable

    def __init__(self, id_: int, elem: DType, rows: int = 8, cols: int = 8) -> None:
        self.id = id_
        self.elem = elem
        self.rows = rows
        self.cols = cols

    @property
    def mlir_type(self) -> str:
        return f"!enigma.simdgroup_matrix<{self.rows}x{self.cols}x{self.elem.mlir}>"

    @property
    def dtype(self) -> str:
        """The Metal type name (``"simdgroup_float8x8"``)."""
        return f"simdgroup_{self.elem.msl}{self.cols}x{self.rows}"

    def __repr__(self) -> str:
        return f"<enigma traced {self.dtype} %{self.id}>"

    def __bool__(self) -> bool:
        raise trace_type_error("a SIMD-group matrix cannot be used as a Python bool")


def _matrix_elem(elem: Any, what: str) -> DType:
    try:
        dt = _dt.dtype(elem)
    except TypeError as e:
        raise trace_type_error(f"{what}: {e}") from None
    if dt not in _MATRIX_ELEMS:
        raise trace_type_error(
            f"{what}: SIMD-group matrices hold float, half or bfloat, got {dt.name}"
        )
    return dt


def _check_8x8(rows: Any, cols: Any, what: str) -> None:
    if rows != 8 or cols != 8:
        raise trace_type_error(f"{what}: Metal's SIMD-group matrices are 8x8, got {rows}x{cols}")


def _matrix_buffer(buf: Any, what: str, offset: Any) -> tuple[MemRef, list[int]]:
    from .tensor import TensorValue

    if isinstance(buf, TensorValue):
        offset = buf.offset_of(0 if offset is None else offset)
        buf = buf.memref
    if not isinstance(buf, MemRef):
        raise trace_type_error(
            f"{what} needs a kernel buffer or threadgroup array, got {type(buf).__name__}"
        )
    if offset is None:
        offset = (0,) * len(buf.shape) if len(buf.shape) > 1 else 0
    return buf, buf._indices(offset)


def _stride(elements_per_row: Any, what: str) -> int:
    e = _np_scalar_to_literal(elements_per_row)
    if isinstance(e, int) and not isinstance(e, bool) and e < 1:
        raise trace_type_error(f"{what}: elements_per_row must be positive, got {e}")
    return to_index(e).id


def simdgroup_matrix_load(
    buf: Any,
    elements_per_row: Any,
    elem: Any = "float",
    rows: int = 8,
    cols: int = 8,
    *,
    offset: Any = None,
    transpose: bool = False,
) -> SimdgroupMatrix:
    """Loads an 8x8 matrix whose element (r, c) is ``buf[offset + r * elements_per_row + c]``
    (Metal ``simdgroup_load``). `offset` (default 0) and `transpose` are Enigma additions."""
    what = "simdgroup_matrix_load"
    dt = _matrix_elem(elem, what)
    _check_8x8(rows, cols, what)
    m, idx = _matrix_buffer(buf, what, offset)
    if m.dtype is not dt:
        raise trace_type_error(
            f"{what}: {m.name} holds {m.dtype.name} but elem is {dt.name}; pass "
            f"elem={m.dtype.msl!r}"
        )
    stride = _stride(elements_per_row, what)
    m.read = True
    mat = SimdgroupMatrix(-1, dt)
    d = current().emit(
        "enigma.simdgroup_matrix_load",
        [m.id, *idx, stride],
        (mat.mlir_type,),
        {"transpose": "unit"} if transpose else None,
        frame=user_frame(2),
    )
    mat.id = d["results"][0]["id"]
    return mat


def simdgroup_matrix_store(
    matrix: SimdgroupMatrix,
    buf: Any,
    elements_per_row: Any,
    *,
    offset: Any = None,
    transpose: bool = False,
) -> None:
    """Stores an 8x8 matrix: element (r, c) goes to ``buf[offset + r * elements_per_row + c]``
    (Metal ``simdgroup_store``)."""
    what = "simdgroup_matrix_store"
    if not isinstance(matrix, SimdgroupMatrix):
        raise trace_type_error(f"{what} needs a SIMD-group matrix, got {type(matrix).__name__}")
    m, idx = _matrix_buffer(buf, what, offset)
    if m.dtype is not matrix.elem:
        raise trace_type_error(
            f"{what}: {m.name} holds {m.dtype.name} but the matrix holds {matrix.elem.name}"
        )
    stride = _stride(elements_per_row, what)
    m.written = True
    current().emit(
        "enigma.simdgroup_matrix_store",
        [matrix.id, m.id, *idx, stride],
        (),
        {"transpose": "unit"} if transpose else None,
        frame=user_frame(2),
    )


def make_filled_simdgroup_matrix(
    value: Any, elem: Any = "float", rows: int = 8, cols: int = 8
) -> SimdgroupMatrix:
    """An 8x8 SIMD-group matrix with every element `value` (Metal
    ``make_filled_simdgroup_matrix``)."""
    what = "make_filled_simdgroup_matrix"
    dt = _matrix_elem(elem, what)
    _check_8x8(rows, cols, what)
    v = _np_scalar_to_literal(value)
    v = convert(v, dt) if isinstance(v, Value) else as_value(v, dt)
    mat = SimdgroupMatrix(-1, dt)
    d = current().emit(
        "enigma.simdgroup_matrix_fill", [v.id], (mat.mlir_type,), frame=user_frame(2)
    )
    mat.id = d["results"][0]["id"]
    return mat


def simdgroup_multiply_accumulate(
    a: SimdgroupMatrix, b: SimdgroupMatrix, c: SimdgroupMatrix
) -> SimdgroupMatrix:
    """``a * b + c`` on 8x8 SIMD-group matrices of one type (Metal
    ``simdgroup_multiply_accumulate``)."""
    for name, x in (("a", a), ("b", b), ("c", c)):
        if not isinstance(x, SimdgroupMatrix):
            raise trace_type_error(
                f"simdgroup_multiply_accumulate: {name} must be a SIMD-group matrix, got "
                f"{type(x).__name__}"
            )
    if not (a.elem is b.elem is c.elem):
        raise trace_type_error(
            "simdgroup_multiply_accumulate needs matrices of one type, got "
            f"{a.dtype}, {b.dtype} and {c.dtype}"
        )
    mat = SimdgroupMatrix(-1, a.elem)
    d = current().emit(
        "enigma.simdgroup_matrix_multiply_accumulate",
        [a.id, b.id, c.id],
        (mat.mlir_type,),
        frame=user_frame(2),
    )
    mat.id = d["results"][0]["id"]
    return mat


# ---------------------------------------------------------------------------------------------
# Small matrices (floatCxR)
# ---------------------------------------------------------------------------------------------


class Matrix:
    """A ``floatCxR`` / ``halfCxR`` value: `cols` columns of `rows` elements. ``m[i]`` is
    column `i` (a vector), ``m[i][j]`` an element; ``+``/``-`` are elementwise, ``*`` is the
    linear-algebra product (with a matrix or vector) or scales (with a scalar)."""

    __slots__ = ("cols", "elem", "id", "rows")
    _defers_binary = True  # vector * matrix reaches __rmul__
    _named_result = True  # the tracer names it after the user's variable

    def __init__(self, id_: int, elem: DType, cols: int, rows: int) -> None:
        self.id = id_
        self.elem = elem
        self.cols = cols
        self.rows = rows

    @property
    def mlir_type(self) -> str:
        return f"vector<{self.cols}x{self.rows}x{self.elem.mlir}>"

    @property
    def dtype(self) -> str:
        """The Metal type name, e.g. ``"float4x3"``."""
        return f"{self.elem.msl}{self.cols}x{self.rows}"

    def __repr__(self) -> str:
        return f"<enigma traced {self.dtype} %{self.id}>"

    def __bool__(self) -> bool:
        raise trace_type_error("a matrix cannot be used as a Python bool")

    def __getitem__(self, i: Any) -> Value:
        i = _np_scalar_to_literal(i)
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < self.cols:
            raise trace_type_error(
                f"a {self.dtype} column index must be a Python int in 0..{self.cols - 1}, "
                f"got {i!r}"
            )
        col = _dt.vec(self.elem, self.rows)
        d = current().emit(
            "vector.extract",
            (self.id,),
            (col.mlir,),
            {"static_position": f"array<i64: {i}>"},
            frame=user_frame(2),
        )
        return Value(d["results"][0]["id"], col)

    def _same(self, other: Any, op: str) -> Matrix:
        if not isinstance(other, Matrix) or other.dtype != self.dtype:
            got = other.dtype if isinstance(other, Matrix) else type(other).__name__
            raise trace_type_error(f"matrix {op} needs two {self.dtype} matrices, got {got}")
        return other

    def _elementwise(self, op: str, other: Matrix) -> Matrix:
        d = current().emit(op, (self.id, other.id), (self.mlir_type,), frame=user_frame(3))
        return Matrix(d["results"][0]["id"], self.elem, self.cols, self.rows)

    def __add__(self, other: Any) -> Matrix:
        return self._elementwise("arith.addf", self._same(other, "+"))

    def __sub__(self, other: Any) -> Matrix:
        return self._elementwise("arith.subf", self._same(other, "-"))

    def __neg__(self) -> Matrix:
        d = current().emit("arith.negf", (self.id,), (self.mlir_type,), frame=user_frame(2))
        return Matrix(d["results"][0]["id"], self.elem, self.cols, self.rows)

    def _scale(self, s: Any) -> Matrix:
        s = _np_scalar_to_literal(s)
        sv = convert(s, self.elem) if isinstance(s, Value) else as_value(s, self.elem)
        d = current().emit("vector.broadcast", (sv.id,), (self.mlir_type,), frame=user_frame(3))
        d2 = current().emit(
            "arith.mulf", (self.id, d["results"][0]["id"]), (self.mlir_type,), frame=user_frame(3)
        )
        return Matrix(d2["results"][0]["id"], self.elem, self.cols, self.rows)

    def __mul__(self, other: Any) -> Any:
        if isinstance(other, Matrix) or (isinstance(other, Value) and other.dtype.lanes):
            return matmul(self, other)
        return self._scale(other)

    def __rmul__(self, other: Any) -> Any:
        if isinstance(other, Value) and other.dtype.lanes:
            return matmul(other, self)
        return self._scale(other)

    def __matmul__(self, other: Any) -> Any:
        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> Any:
        return matmul(other, self)


def make_matrix(*columns: Any) -> Matrix:
    """A ``floatCxR`` matrix from its C columns (Metal's column constructor): each column is a
    vector of R lanes or a sequence of R scalars; 2 <= C, R <= 4. ``make_matrix(c0, c1)`` with
    ``float3`` columns is a ``float2x3``."""
    if len(columns) == 1 and isinstance(columns[0], (list, tuple)) and columns[0] and (
        isinstance(columns[0][0], (list, tuple, Value))
    ):
        columns = tuple(columns[0])
    if not 2 <= len(columns) <= 4:
        raise trace_type_error(f"make_matrix needs 2 to 4 columns, got {len(columns)}")
    cols: list[list[Any]] = []
    for k, c in enumerate(columns):
        if isinstance(c, Value) and c.dtype.lanes:
            cols.append([vec_extract(c, i) for i in range(c.dtype.lanes)])
        elif isinstance(c, Sequence) and not isinstance(c, str):
            cols.append(list(c))
        else:
            raise trace_type_error(
                f"make_matrix: column {k} must be a vector or a sequence of scalars, got "
                f"{type(c).__name__}"
            )
    rows = len(cols[0])
    if not 2 <= rows <= 4 or any(len(c) != rows for c in cols):
        raise trace_type_error(
            f"make_matrix: every column needs the same number (2 to 4) of rows, got "
            f"{[len(c) for c in cols]}"
        )
    flat = [x for c in cols for x in c]
    elem: DType | None = None
    for x in flat:
        x = _np_scalar_to_literal(x)
        if isinstance(x, Value):
            if x.dtype.lanes:
                raise trace_type_error("make_matrix: matrix elements must be scalars")
            elem = x.dtype if elem is None else _dt.promote(elem, x.dtype)
    if elem is None or not elem.is_float:
        elem = _dt.f32
    if elem not in (_dt.f32, _dt.f16):
        raise trace_type_error(f"make_matrix: Metal matrices hold float or half, got {elem.name}")
    vals = [
        convert(x, elem) if isinstance(x, Value) else as_value(_np_scalar_to_literal(x), elem)
        for x in flat
    ]
    m = Matrix(-1, elem, len(cols), rows)
    d = current().emit(
        "vector.from_elements", [v.id for v in vals], (m.mlir_type,), frame=user_frame(2)
    )
    m.id = d["results"][0]["id"]
    return m


def _check_result(got: str, want: Any, what: str) -> None:
    if want is None:
        return
    name = want if isinstance(want, str) else getattr(want, "name", str(want))
    if isinstance(want, DType):
        name = want.msl if not want.lanes else want.name
    if name != got:
        raise trace_type_error(f"{what}: the result is {got}, not {name}")


def matmul(a: Any, b: Any, result_dtype: Any = None) -> Any:
    """The linear-algebra product ``a * b`` (Metal's matrix ``*``): matrix x matrix
    (``floatKxR * floatCxK -> floatCxR``), matrix x vector (``floatKxR * floatK -> floatR``)
    or vector x matrix (``floatR * floatCxR -> floatC``). `result_dtype` (e.g. ``"float4x4"``)
    is checked against the result when given."""
    what = "enigma.matmul"
    if isinstance(a, Matrix) and isinstance(b, Matrix):
        if a.elem is not b.elem or a.cols != b.rows:
            raise trace_type_error(f"{what}: cannot multiply {a.dtype} by {b.dtype}")
        r = Matrix(-1, a.elem, b.cols, a.rows)
        rtype, rname = r.mlir_type, r.dtype
    elif isinstance(a, Matrix) and isinstance(b, Value) and b.dtype.lanes:
        if b.dtype.lanes != a.cols:
            raise trace_type_error(f"{what}: cannot multiply {a.dtype} by {b.dtype.name}")
        b = convert(b, _dt.vec(a.elem, b.dtype.lanes))
        rv = _dt.vec(a.elem, a.rows)
        rtype, rname, r = rv.mlir, rv.name, None
    elif isinstance(a, Value) and a.dtype.lanes and isinstance(b, Matrix):
        if a.dtype.lanes != b.rows:
            raise trace_type_error(f"{what}: cannot multiply {a.dtype.name} by {b.dtype}")
        a = convert(a, _dt.vec(b.elem, a.dtype.lanes))
        rv = _dt.vec(b.elem, b.cols)
        rtype, rname, r = rv.mlir, rv.name, None
    else:
        raise trace_type_error(
            f"{what} needs matrices (enigma.make_matrix) or a matrix and a vector, got "
            f"{type(a).__name__} and {type(b).__name__}"
        )
    _check_result(rname, result_dtype, what)
    d = current().emit("enigma.matmul", (a.id, b.id), (rtype,), frame=user_frame(2))
    rid = d["results"][0]["id"]
    if r is not None:
        r.id = rid
        return r
    return Value(rid, _dt.dtype(rname))


def transpose(m: Any, result_dtype: Any = None) -> Matrix:
    """The transpose of a matrix (``floatCxR -> floatRxC``)."""
    if not isinstance(m, Matrix):
        raise trace_type_error(f"enigma.transpose needs a matrix, got {type(m).__name__}")
    r = Matrix(-1, m.elem, m.rows, m.cols)
    _check_result(r.dtype, result_dtype, "enigma.transpose")
    d = current().emit(
        "vector.transpose",
        (m.id,),
        (r.mlir_type,),
        {"permutation": "array<i64: 1, 0>"},
        frame=user_frame(2),
    )
    r.id = d["results"][0]["id"]
    return r


def determinant(m: Any, scalar_dtype: Any = None) -> Value:
    """The determinant of a square matrix (a scalar of the element type)."""
    if not isinstance(m, Matrix):
        raise trace_type_error(f"enigma.determinant needs a matrix, got {type(m).__name__}")
    if m.cols != m.rows:
        raise trace_type_error(f"enigma.determinant needs a square matrix, got {m.dtype}")
    _check_result(m.elem.msl, scalar_dtype, "enigma.determinant")
    d = current().emit("enigma.determinant", (m.id,), (m.elem.mlir,), frame=user_frame(2))
    return Value(d["results"][0]["id"], m.elem)


