"""The tracer: runs a kernel body once on symbolic values and records an SSA op list.

Every operation on a traced :class:`Value` appends one op (MLIR generic form: name, operands,
result types, attributes as MLIR text, nested regions) to the innermost open region, with the
user's Python file, line and column. ``docs/trace-format.md`` describes the JSON this produces.
"""

from __future__ import annotations

import linecache
import math
import os
import struct
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from . import dtypes as _dt
from .dtypes import DType
from .errors import EnigmaError

TRACE_FORMAT_VERSION = 1

_PKG_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep

# An internal dtype for MLIR `index` (thread queries, loop counters, memref indices). Users see
# u32/i32 values; index values are converted at the boundary.
INDEX = DType("index", "index", "uint", 64, "u", "uint64")

# arith.cmpi / arith.cmpf predicate numbers (their generic attribute form is an i64).
_CMPI = {
    "eq": 0,
    "ne": 1,
    "slt": 2,
    "sle": 3,
    "sgt": 4,
    "sge": 5,
    "ult": 6,
    "ule": 7,
    "ugt": 8,
    "uge": 9,
}
_CMPF = {"oeq": 1, "ogt": 2, "oge": 3, "olt": 4, "ole": 5, "one": 6, "ueq": 8, "une": 13}

_state = threading.local()


# ---------------------------------------------------------------------------------------------
# Source locations and user-facing errors
# ---------------------------------------------------------------------------------------------

_positions_cache: dict[Any, list[Any]] = {}
# (code object, instruction offset) -> the trace's loc dict; shared by every trace (never mutated)
_FRAME_LOCS: dict[tuple[Any, int], dict] = {}


def user_frame(depth: int = 1) -> Any:
    """The innermost frame outside the enigma package (the user's kernel code)."""
    f = sys._getframe(depth)
    while f is not None and f.f_code.co_filename.startswith(_PKG_DIR):
        f = f.f_back
    return f


def frame_loc(f: Any) -> tuple[str, int, int]:
    if f is None:
        return ("<unknown>", 0, 0)
    code = f.f_code
    positions = _positions_cache.get(code)
    if positions is None:
        positions = list(code.co_positions())
        _positions_cache[code] = positions
    line = f.f_lineno or 0
    col = 0
    idx = f.f_lasti // 2
    if 0 <= idx < len(positions):
        pos = positions[idx]
        if pos[0] == line and pos[2] is not None:
            col = pos[2] + 1
    return (code.co_filename, line, col)


def format_source(file: str, line: int, col: int = 0) -> str:
    """`    <source line>` plus a caret under column `col` (1-based) when known."""
    text = linecache.getline(file, line) if line > 0 else ""
    if not text:
        return ""
    stripped = text.rstrip("\n")
    out = "    " + stripped
    if col > 0:
        out += "\n    " + " " * (col - 1) + "^"
    return out


def located(message: str, loc: tuple[str, int, int] | None = None) -> str:
    """`file:line: message` followed by the source line."""
    if loc is None:
        loc = frame_loc(user_frame(2))
    file, line, col = loc
    head = f"{file}:{line}: {message}"
    src = format_source(file, line, col)
    return head + ("\n" + src if src else "")


def trace_type_error(message: str) -> TypeError:
    return TypeError(located(message, frame_loc(user_frame(2))))


def trace_error(message: str) -> EnigmaError:
    return EnigmaError(located(message, frame_loc(user_frame(2))))


# ---------------------------------------------------------------------------------------------
# The trace being built
# ---------------------------------------------------------------------------------------------


class Region:
    """One block: its ops and a cache of constants already materialized in it."""

    __slots__ = ("args", "consts", "kind", "ops", "parent")

    def __init__(
        self, parent: Region | None, args: list[dict] | None = None, kind: str | None = None
    ) -> None:
        self.ops: list[dict] = []
        self.consts: dict[tuple[str, str], Value] = {}
        self.parent = parent
        self.args = args
        self.kind = kind  # what the region is, for errors ("the body of enigma.for_range")

    def to_json(self) -> dict:
        d: dict[str, Any] = {"ops": self.ops}
        if self.args:
            d["args"] = self.args
        return d


class Tracer:
    """Records one kernel."""

    def __init__(self, kernel_name: str, loc: tuple[str, int, int]) -> None:
        self.kernel_name = kernel_name
        self.loc = loc
        self.next_id = 0
        self.root = Region(None)
        self.region = self.root
        self.params: list[dict] = []
        self.buffers: list[Any] = []
        self.constructs: list[Any] = []  # open control-flow constructs (for yield_)
        self.layout_params: dict[int, str] = {}
        self._loc_cache: dict[tuple[str, int, int], dict] = {}
        self._results: dict[int, dict] = {}
        # result id of an index -> integer cast -> its source (so names reach the query too)
        self.cast_src: dict[int, int] = {}
        self._pending_frame: Any = None
        self._pending_line = -1
        self._pending_ids: list[int] = []
        # value id -> (the region defining it, its loc dict): values defined in a nested region
        # (an if_ arm, a loop body) are not visible after it; using one there is reported at
        # the user's line instead of as an MLIR dominance error.
        self.defs: dict[int, tuple[Region, dict]] = {}

    # -- ids, locations and names --------------------------------------------------------------

    def new_id(self) -> int:
        i = self.next_id
        self.next_id += 1
        return i

    def loc_dict(self, loc: tuple[str, int, int]) -> dict:
        d = self._loc_cache.get(loc)
        if d is None:
            d = {"file": loc[0], "line": loc[1], "col": loc[2]}
            self._loc_cache[loc] = d
        return d

    def flush_names(self) -> None:
        """Names the values the last user line bound to Python variables (for readable MSL)."""
        f = self._pending_frame
        if f is None:
            return
        ids = self._pending_ids
        self._pending_frame = None
        self._pending_ids = []
        try:
            local_items = list(f.f_locals.items())
        except Exception:  # pragma: no cover - exotic frames
            return
        wanted = set(ids)
        for name, value in local_items:
            if isinstance(value, LazyValue):
                continue  # a module-level query (enigma.thread_position_in_grid): no result
            named = isinstance(value, Value) or getattr(type(value), "_named_result", False)
            if named and value.id in wanted and not name.startswith("_"):
                res = self._results.get(value.id)
                if res is not None and "name" not in res:
                    res["name"] = name
                    src = self._results.get(self.cast_src.get(value.id, -1))
                    if src is not None and "name" not in src:
                        src["name"] = name
            elif isinstance(value, tuple):
                for v in value:
                    if isinstance(v, Value) and not isinstance(v, LazyValue) and v.id in wanted:
                        res = self._results.get(v.id)
                        if res is not None and "name" not in res:
                            res["name"] = name

    def emit(
        self,
        op: str,
        operands: Sequence[int] = (),
        result_types: Sequence[str] = (),
        attrs: dict | None = None,
        regions: list | None = None,
        frame: Any = None,
        loc: tuple[str, int, int] | None = None,
    ) -> dict:
        """Appends an op to the current region and returns its dict (results have ids)."""
        if loc is None:
            if frame is None:
                frame = user_frame(2)
            key = (frame.f_code, frame.f_lasti)
            ld = _FRAME_LOCS.get(key)
            if ld is None:
                if len(_FRAME_LOCS) > 200_000:
                    _FRAME_LOCS.clear()
                fl = frame_loc(frame)
                ld = _FRAME_LOCS[key] = {"file": fl[0], "line": fl[1], "col": fl[2]}
        else:
            ld = self.loc_dict(loc)
        d: dict[str, Any] = {"op": op}
        if operands:
            defs = self.defs
            for oid in operands:
                dr = defs.get(oid)
                if dr is not None and dr[0] is not self.region and not self.visible(dr[0]):
                    raise TypeError(self.escape_message(dr, ld))
            d["operands"] = list(operands)
        if result_types:
            results = []
            ids = self._pending_ids
            line = ld["line"]
            if frame is not self._pending_frame or line != self._pending_line:
                self.flush_names()
                self._pending_frame = frame
                self._pending_line = line
                ids = self._pending_ids
            for t in result_types:
                rid = self.next_id
                self.next_id = rid + 1
                r = {"id": rid, "type": t}
                results.append(r)
                self._results[rid] = r
                self.defs[rid] = (self.region, ld)
                ids.append(rid)
            d["results"] = results
        if attrs:
            d["attrs"] = attrs
        if regions is not None:
            d["regions"] = regions
        d["loc"] = ld
        self.region.ops.append(d)
        return d

    def visible(self, region: Region) -> bool:
        """Whether values defined in `region` are visible in the current region."""
        r: Region | None = self.region
        while r is not None:
            if r is region:
                return True
            r = r.parent
        return False

    def escape_message(self, dr: tuple[Region, dict], use: dict) -> str:
        """The error for a value of a nested region used outside it (see `defs`)."""
        region, dl = dr
        what = region.kind or "a nested region"
        return located(
            f"a value computed inside {what} (line {dl['line']}) is used outside it: values "
            "do not flow out of enigma.if_ arms or loop bodies by assignment. Let the "
            "construct yield it (enigma.yield_ and .result / .results), carry it with init=, "
            "or compute it before the construct (enigma.where selects without branching)",
            (use["file"], use["line"], use["col"]),
        )

    def name_value(self, value: Value, name: str) -> None:
        res = self._results.get(value.id)
        if res is not None:
            res["name"] = name

    # -- regions -------------------------------------------------------------------------------

    def push_region(self, args: list[dict] | None = None, kind: str | None = None) -> Region:
        self.flush_names()
        parent = self.region
        r = Region(parent, args, kind)
        self.region = r
        if args:  # block arguments: located at the construct's op (the last one emitted)
            loc = parent.ops[-1]["loc"] if parent.ops else self.loc_dict(self.loc)
            for a in args:
                self.defs[a["id"]] = (r, loc)
        return r

    def pop_region(self, region: Region) -> None:
        self.flush_names()
        assert self.region is region
        self.region = region.parent  # type: ignore[assignment]

    def enter_region(self, region: Region) -> Region:
        """Re-enters an already built region (to append ops to it); returns the previous one."""
        prev = self.region
        self.region = region
        return prev

    def block_arg(self, type_: str, name: str | None = None) -> dict:
        d: dict[str, Any] = {"id": self.new_id(), "type": type_}
        if name:
            d["name"] = name
        return d

    # -- constants -----------------------------------------------------------------------------

    def constant(self, value: Any, dt: DType) -> Value:
        if dt.lanes:
            key = (dt.name, repr(value))
            r0: Region | None = self.region
            while r0 is not None:
                hit = r0.consts.get(key)
                if hit is not None:
                    return hit
                r0 = r0.parent
            scalar = self.constant(value, dt.elem)
            d = self.emit("vector.broadcast", (scalar.id,), (dt.mlir,), frame=user_frame(2))
            v = Value(d["results"][0]["id"], dt)
            self.region.consts[key] = v
            return v
        attr = constant_attr(value, dt)
        key = (dt.name, attr)
        r: Region | None = self.region
        while r is not None:
            v = r.consts.get(key)
            if v is not None:
                return v
            r = r.parent
        d = self.emit("arith.constant", (), (dt.mlir,), {"value": attr}, frame=user_frame(2))
        v = Value(d["results"][0]["id"], dt)
        self.region.consts[key] = v
        return v

    # -- result --------------------------------------------------------------------------------

    def finish(self) -> dict:
        self.flush_names()
        self.emit("enigma.return", loc=self.loc)
        for buf in self.buffers:
            buf.finalize_access()
        trace: dict[str, Any] = {
            "format": "enigma-trace",
            "version": TRACE_FORMAT_VERSION,
            "producer": "enigma-python",
            "kernel": self.kernel_name,
            "loc": self.loc_dict(self.loc),
            "params": self.params,
            "ops": self.root.ops,
        }
        return trace


def current() -> Tracer:
    t = getattr(_state, "tracer", None)
    if t is None:
        raise EnigmaError(
            located(
                "this Enigma operation is only valid inside a kernel being traced "
                "(a function decorated with @enigma.kernel, compiled with enigma.compile)",
                frame_loc(user_frame(2)),
            )
        )
    return t


def current_or_none() -> Tracer | None:
    return getattr(_state, "tracer", None)


class tracing:
    """Context manager installing a tracer for the current thread."""

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer
        self.prev: Tracer | None = None

    def __enter__(self) -> Tracer:
        self.prev = getattr(_state, "tracer", None)
        _state.tracer = self.tracer
        return self.tracer

    def __exit__(self, *exc: object) -> None:
        _state.tracer = self.prev


# ---------------------------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------------------------


def _float_bits(value: float, dt: DType) -> int:
    if dt is _dt.f32:
        return struct.unpack("<I", struct.pack("<f", value))[0]
    if dt is _dt.f16:
        return struct.unpack("<H", struct.pack("<e", value))[0]
    # bf16: round the f32 bits to nearest even on the upper half.
    bits = struct.unpack("<I", struct.pack("<f", value))[0]
    if math.isnan(value):
        return 0x7FC0
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) & 0xFFFF


def constant_attr(value: Any, dt: DType) -> str:
    """MLIR attribute text of a constant. Floats are written as exact bit patterns."""
    if dt.is_float:
        v = float(value)
        try:
            bits = _float_bits(v, dt)
        except OverflowError:
            bits = _float_bits(math.copysign(math.inf, v), dt)
        width = 8 if dt is _dt.f32 else 4
        return f"0x{bits:0{width}X} : {dt.mlir}"
    if dt.is_bool:
        return "true" if value else "false"
    v = int(value)
    if dt is INDEX:
        return f"{v} : index"
    if v >= 1 << (dt.bits - 1):  # unsigned values above the signed range: two's complement
        v -= 1 << dt.bits
    return f"{v} : {dt.mlir}"


def literal_fits(value: Any, dt: DType) -> bool:
    if dt.is_float:
        return True
    if isinstance(value, float):
        return False
    v = int(value)
    if dt.is_bool:
        return v in (0, 1)
    if dt.is_unsigned:
        return 0 <= v < (1 << dt.bits)
    return -(1 << (dt.bits - 1)) <= v < (1 << (dt.bits - 1))


def default_literal_dtype(value: Any) -> DType:
    """The dtype a free Python literal gets where no other operand decides (bool, int, float)."""
    if isinstance(value, bool):
        return _dt.b1
    if isinstance(value, int):
        # The reference documents Python int literals as uint constants; negative literals
        # (which no uint holds) are int, and literals beyond 32 bits are 64-bit.
        if 0 <= value < (1 << 32):
            return _dt.u32
        if -(1 << 31) <= value < 0:
            return _dt.i32
        return _dt.u64 if 0 <= value < (1 << 64) else _dt.i64
    if isinstance(value, float):
        return _dt.f32
    raise trace_type_error(
        f"cannot use a Python {type(value).__name__} ({value!r}) as a "
        "kernel value; expected a traced value, bool, int or float"
    )


def literals_dtype(*values: Any) -> DType:
    """The dtype several free Python literals share: f32 if any is a float, else bool if all
    are bools, else u32 (the reference's uint) unless one is negative (then i32), widened to
    64 bits when a value needs it."""
    vals = [v for v in values if is_literal(v)]
    if any(isinstance(v, float) for v in vals):
        return _dt.f32
    if vals and all(isinstance(v, bool) for v in vals):
        return _dt.b1
    ints = [int(v) for v in vals]
    if not ints:
        return _dt.u32
    lo, hi = min(ints), max(ints)
    if lo < 0:
        return _dt.i32 if lo >= -(1 << 31) and hi < (1 << 31) else _dt.i64
    return _dt.u32 if hi < (1 << 32) else _dt.u64


def is_literal(x: Any) -> bool:
    return isinstance(x, (bool, int, float)) and not isinstance(x, Value)


def _np_scalar_to_literal(x: Any) -> Any:
    """numpy scalars (np.float32(1), np.int64(3)) behave like Python literals."""
    if isinstance(x, (Value, int, float)):
        return x
    np = sys.modules.get("numpy")  # never import numpy just to find out it is not in use
    if np is None:
        return x
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    return x


# ---------------------------------------------------------------------------------------------
# Traced values
# ---------------------------------------------------------------------------------------------


class Value:
    """A traced scalar: the result of an op (or a parameter / region argument) of one dtype.

    Arithmetic, bitwise and comparison operators record ops. A Value cannot be used as a Python
    bool: use ``with enigma.if_(cond):`` or ``enigma.where(cond, a, b)``.
    """

    __slots__ = ("dtype", "id")
    __hash__ = None  # type: ignore[assignment]  # == builds a comparison, not a Python bool

    def __init__(self, id_: int, dt: DType) -> None:
        self.id = id_
        self.dtype = dt

    def __repr__(self) -> str:
        return f"<enigma traced {self.dtype.name} %{self.id}>"

    # Using a traced value as a Python value is the classic tracing mistake: say what to do.
    def __bool__(self) -> bool:
        raise trace_type_error(
            "a traced value cannot be used as a Python bool (if/while/and/or/not on kernel "
            "values run once at trace time); use `with enigma.if_(cond):`, "
            "`enigma.while_(...)` or `enigma.where(cond, a, b)`"
        )

    def __index__(self) -> int:
        raise trace_type_error(
            "a traced value cannot be used as a Python int (e.g. in range() or as a list "
            "index); use `enigma.for_range(lo, hi)` for loops over kernel values"
        )

    def __int__(self) -> int:
        return self.__index__()

    def __float__(self) -> float:
        raise trace_type_error(
            "a traced value cannot be converted to a Python float; "
            "use enigma.metal_cast(x, enigma.f32)"
        )

    def __iter__(self) -> Any:
        raise trace_type_error("a traced scalar is not iterable")

    def __len__(self) -> int:
        raise trace_type_error("a traced scalar has no len()")

    # arithmetic
    def __add__(self, o: Any) -> Value:
        if getattr(type(o), "_defers_binary", False):
            return NotImplemented
        return binary("add", self, o)

    def __radd__(self, o: Any) -> Value:
        return binary("add", o, self)

    def __sub__(self, o: Any) -> Value:
        if getattr(type(o), "_defers_binary", False):
            return NotImplemented
        return binary("sub", self, o)

    def __rsub__(self, o: Any) -> Value:
        return binary("sub", o, self)

    def __mul__(self, o: Any) -> Value:
        if getattr(type(o), "_defers_binary", False):
            return NotImplemented  # vector * matrix: the matrix's __rmul__ decides
        return binary("mul", self, o)

    def __matmul__(self, o: Any) -> Any:
        if getattr(type(o), "_defers_binary", False):
            return NotImplemented
        raise trace_type_error("@ needs a matrix operand (enigma.make_matrix)")

    def __rmul__(self, o: Any) -> Value:
        return binary("mul", o, self)

    def __truediv__(self, o: Any) -> Value:
        if getattr(type(o), "_defers_binary", False):
            return NotImplemented
        return binary("truediv", self, o)

    def __rtruediv__(self, o: Any) -> Value:
        return binary("truediv", o, self)

    def __floordiv__(self, o: Any) -> Value:
        if getattr(type(o), "_defers_binary", False):
            return NotImplemented
        return binary("floordiv", self, o)

    def __rfloordiv__(self, o: Any) -> Value:
        return binary("floordiv", o, self)

    def __mod__(self, o: Any) -> Value:
        if getattr(type(o), "_defers_binary", False):
            return NotImplemented
        return binary("mod", self, o)

    def __rmod__(self, o: Any) -> Value:
        return binary("mod", o, self)

    def __pow__(self, o: Any) -> Value:
        if getattr(type(o), "_defers_binary", False):
            return NotImplemented
        return binary("pow", self, o)

    def __rpow__(self, o: Any) -> Value:
        return binary("pow", o, self)

    def __and__(self, o: Any) -> Value:
        if getattr(type(o), "_defers_binary", False):
            return NotImplemented
        return binary("and", self, o)

    def __rand__(self, o: Any) -> Value:
        return binary("and", o, self)

    def __or__(self, o: Any) -> Value:
        if getattr(type(o), "_defers_binary", False):
            return NotImplemented
        return binary("or", self, o)

    def __ror__(self, o: Any) -> Value:
        return binary("or", o, self)

    def __xor__(self, o: Any) -> Value:
        if getattr(type(o), "_defers_binary", False):
            return NotImplemented
        return binary("xor", self, o)

    def __rxor__(self, o: Any) -> Value:
        return binary("xor", o, self)

    def __lshift__(self, o: Any) -> Value:
        if getattr(type(o), "_defers_binary", False):
            return NotImplemented
        return binary("shl", self, o)

    def __rlshift__(self, o: Any) -> Value:
        return binary("shl", o, self)

    def __rshift__(self, o: Any) -> Value:
        if getattr(type(o), "_defers_binary", False):
            return NotImplemented
        return binary("shr", self, o)

    def __rrshift__(self, o: Any) -> Value:
        return binary("shr", o, self)

    # comparisons
    def __lt__(self, o: Any) -> Value:  # type: ignore[override]
        return compare("lt", self, o)

    def __le__(self, o: Any) -> Value:  # type: ignore[override]
        return compare("le", self, o)

    def __gt__(self, o: Any) -> Value:  # type: ignore[override]
        return compare("gt", self, o)

    def __ge__(self, o: Any) -> Value:  # type: ignore[override]
        return compare("ge", self, o)

    def __eq__(self, o: object) -> Value:  # type: ignore[override]
        return compare("eq", self, o)

    def __ne__(self, o: object) -> Value:  # type: ignore[override]
        return compare("ne", self, o)

    # unary
    def __neg__(self) -> Value:
        t = current()
        if self.dtype.is_float:
            return unary_op("arith.negf", self)
        if self.dtype.is_bool:
            raise trace_type_error("cannot negate a bool; use ~x")
        return binary("sub", Value(t.constant(0, self.dtype).id, self.dtype), self)

    def __pos__(self) -> Value:
        return self

    def __invert__(self) -> Value:
        if self.dtype.is_float:
            raise trace_type_error(f"~ needs an integer or bool operand, got {self.dtype.name}")
        t = current()
        ones = t.constant(
            1 if self.dtype.is_bool else -1 if self.dtype.is_signed else (1 << self.dtype.bits) - 1,
            self.dtype,
        )
        return _emit_binary("arith.xori", self, ones, self.dtype)

    def __abs__(self) -> Value:
        if self.dtype.is_float:
            return unary_op("math.absf", self)
        if self.dtype.is_unsigned:
            return self
        return unary_op("math.absi", self)

    # convenience
    def to(self, dt: DType | str) -> Value:
        """Converts to another dtype (as ``enigma.metal_cast``)."""
        return convert(self, _dt.dtype(dt))

    # vector components: v.x, v.y, v.z, v.w, v[i]
    def lane(self, i: Any) -> Value:
        """Component `i` (a Python int) of a vector value (``enigma.vec_extract``)."""
        return vec_extract(self, i)

    @property
    def x(self) -> Value:
        return vec_extract(self, 0, "x")

    @property
    def y(self) -> Value:
        return vec_extract(self, 1, "y")

    @property
    def z(self) -> Value:
        return vec_extract(self, 2, "z")

    @property
    def w(self) -> Value:
        return vec_extract(self, 3, "w")

    def __getitem__(self, i: Any) -> Value:
        if not self.dtype.lanes:
            raise trace_type_error(f"a traced {self.dtype.name} scalar cannot be indexed")
        return vec_extract(self, i)


class LazyValue(Value):
    """A value that materializes in the kernel being traced when used: the module-level
    queries such as ``enigma.thread_position_in_grid`` (their ``x`` component)."""

    __slots__ = ()

    def materialize(self) -> Value:  # pragma: no cover - abstract
        raise NotImplementedError

    @property  # type: ignore[override]
    def id(self) -> int:  # noqa: A003
        return self.materialize().id

    @property  # type: ignore[override]
    def dtype(self) -> DType:
        return self.materialize().dtype


def vec_extract(v: Any, lane: Any, what: str | None = None) -> Value:
    """Component `lane` of the vector `v`."""
    if not isinstance(v, Value) or not v.dtype.lanes:
        got = v.dtype.name if isinstance(v, Value) else type(v).__name__
        name = f".{what}" if what else "vec_extract"
        raise trace_type_error(f"{name} needs a vector value, got {got}")
    lane = _np_scalar_to_literal(lane)
    if isinstance(lane, bool) or not isinstance(lane, int):
        raise trace_type_error(f"a vector lane must be a Python int, got {_short_repr(lane)}")
    n = v.dtype.lanes
    if not 0 <= lane < n:
        raise trace_type_error(f"lane {lane} is out of range for {v.dtype.name} (0..{n - 1})")
    d = current().emit(
        "vector.extract",
        (v.id,),
        (v.dtype.elem.mlir,),
        {"static_position": f"array<i64: {lane}>"},
        frame=user_frame(3 if what else 2),
    )
    return Value(d["results"][0]["id"], v.dtype.elem)


def make_vec(*components: Any) -> Value:
    """A vector of 2, 3 or 4 components; literals take the traced components' dtype."""
    from .errors import EnigmaTypeError

    if len(components) == 1 and isinstance(components[0], (list, tuple)):
        components = tuple(components[0])
    if len(components) not in (2, 3, 4):
        raise EnigmaTypeError(
            located(f"make_vec needs 2, 3 or 4 components, got {len(components)}", None)
        )
    comps = [_np_scalar_to_literal(c) for c in components]
    dt: DType | None = None
    for i, c in enumerate(comps):
        if isinstance(c, Value):
            if c.dtype.lanes:
                raise EnigmaTypeError(
                    located(f"make_vec component #{i} is a vector ({c.dtype.name})", None)
                )
            if dt is None:
                dt = c.dtype
            elif c.dtype is not dt:
                raise EnigmaTypeError(
                    located(
                        f"make_vec components must have the same dtype: component #{i} is "
                        f"{c.dtype.name}, the first traced one is {dt.name}; convert with "
                        "enigma.metal_cast",
                        None,
                    )
                )
        elif not is_literal(c):
            raise EnigmaTypeError(
                located(f"make_vec component #{i} is a Python {type(c).__name__}", None)
            )
    if dt is None:
        dt = literals_dtype(*comps)
    vals = [c if isinstance(c, Value) else as_value(c, dt) for c in comps]
    vt = _dt.vec(dt, len(vals))
    d = current().emit("vector.from_elements", [v.id for v in vals], (vt.mlir,), frame=user_frame(2))
    return Value(d["results"][0]["id"], vt)


def unary_op(op: str, v: Value) -> Value:
    d = current().emit(op, (v.id,), (v.dtype.mlir,), frame=user_frame(2))
    return Value(d["results"][0]["id"], v.dtype)


def _emit_binary(op: str, a: Value, b: Value, result: DType, attrs: dict | None = None) -> Value:
    d = current().emit(op, (a.id, b.id), (result.mlir,), attrs, frame=user_frame(2))
    return Value(d["results"][0]["id"], result)


# ---------------------------------------------------------------------------------------------
# Conversions and promotion
# ---------------------------------------------------------------------------------------------


def as_value(x: Any, dt: DType | None = None) -> Value:
    """A traced value for `x`; Python literals become constants of `dt` (or their default)."""
    if isinstance(x, Value):
        return x
    x = _np_scalar_to_literal(x)
    if is_literal(x):
        target = dt if dt is not None else default_literal_dtype(x)
        if not literal_fits(x, target):
            raise trace_type_error(f"the literal {x!r} does not fit {target.name}")
        return current().constant(x, target)
    raise trace_type_error(
        f"cannot use a Python {type(x).__name__} ({_short_repr(x)}) as a kernel value; "
        "expected a traced value or a bool/int/float literal"
    )


def _short_repr(x: Any) -> str:
    r = repr(x)
    return r if len(r) < 60 else r[:57] + "..."


def convert(v: Value, dt: DType) -> Value:
    """Value conversion (C's static_cast): extensions, truncations, int<->float, ->bool."""
    s = v.dtype
    if s is dt:
        return v
    t = current()
    f = user_frame(2)
    if s.lanes or dt.lanes:
        if s.lanes and not dt.lanes:
            raise trace_type_error(f"cannot convert a vector ({s.name}) to a scalar {dt.name}")
        if not s.lanes:  # a scalar spreads over every lane
            e = convert(v, dt.elem)
            d = t.emit("vector.broadcast", (e.id,), (dt.mlir,), frame=f)
            return Value(d["results"][0]["id"], dt)
        if s.lanes != dt.lanes:
            raise trace_type_error(f"cannot convert {s.name} to {dt.name}: different lengths")

    def emit(op: str, src: Value, rt: DType, attrs: dict | None = None) -> Value:
        d = t.emit(op, (src.id,), (rt.mlir,), attrs, frame=f)
        return Value(d["results"][0]["id"], rt)

    if dt.is_bool:
        zero = t.constant(0, s)
        rt = dt
        if s.is_float:
            d = t.emit(
                "arith.cmpf",
                (v.id, zero.id),
                (rt.mlir,),
                {"predicate": f"{_CMPF['une']} : i64"},
                frame=f,
            )
        else:
            d = t.emit(
                "arith.cmpi",
                (v.id, zero.id),
                (rt.mlir,),
                {"predicate": f"{_CMPI['ne']} : i64"},
                frame=f,
            )
        return Value(d["results"][0]["id"], dt)
    if s is INDEX:
        if dt.is_float:
            return convert(emit("arith.index_castui", v, _dt.u64), dt)
        out = emit("arith.index_castui", v, dt)
        t.cast_src[out.id] = v.id
        return out
    if dt is INDEX:
        if s.is_float:
            raise trace_type_error(f"an index must be an integer, got {s.name}")
        return emit("arith.index_castui" if s.is_unsigned else "arith.index_cast", v, INDEX)
    if s.is_float and dt.is_float:
        if s.bits == dt.bits:  # f16 <-> bf16 through f32
            return emit("arith.truncf", emit("arith.extf", v, _with_elem(dt, _dt.f32)), dt)
        return emit("arith.extf" if dt.bits > s.bits else "arith.truncf", v, dt)
    if s.is_float:
        return emit("arith.fptosi" if dt.is_signed else "arith.fptoui", v, dt)
    if dt.is_float:
        return emit("arith.uitofp" if s.is_unsigned else "arith.sitofp", v, dt)
    # integer -> integer
    if s.bits == dt.bits:
        return Value(v.id, dt)  # same bits, other signedness: a reinterpretation
    if dt.bits > s.bits:
        return emit("arith.extui" if s.is_unsigned else "arith.extsi", v, dt)
    return emit("arith.trunci", v, dt)


def _with_elem(dt: DType, elem: DType) -> DType:
    """`elem`, as a vector of `dt`'s length when `dt` is a vector."""
    return _dt.vec(elem, dt.lanes) if dt.lanes else elem


def bitcast(v: Value, dt: DType) -> Value:
    """Reinterprets the bits (Metal's as_type<T>)."""
    if v.dtype.bits != dt.bits or v.dtype.lanes != dt.lanes:
        raise trace_type_error(
            f"as_type needs types of equal size: {v.dtype.name} has "
            f"{v.dtype.bits * max(1, v.dtype.lanes)} bits, {dt.name} has "
            f"{dt.bits * max(1, dt.lanes)}"
        )
    if v.dtype.mlir == dt.mlir:
        return Value(v.id, dt)
    d = current().emit("arith.bitcast", (v.id,), (dt.mlir,), frame=user_frame(2))
    return Value(d["results"][0]["id"], dt)


def typed(value: Any, dt: DType) -> Value:
    """``enigma.u32(x)``: a constant of `dt` from a literal, or a conversion of a traced value."""
    if isinstance(value, Value):
        return convert(value, dt)
    value = _np_scalar_to_literal(value)
    if not is_literal(value):
        raise trace_type_error(
            f"{dt.name}() needs a traced value or a literal, got {type(value).__name__}"
        )
    if not literal_fits(value, dt):
        raise trace_type_error(f"the literal {value!r} does not fit {dt.name}")
    return current().constant(value, dt)


def unify(a: Any, b: Any) -> tuple[Value, Value, DType]:
    """Brings two operands to their common dtype (see dtypes.promote for the rules)."""
    a = _np_scalar_to_literal(a)
    b = _np_scalar_to_literal(b)
    av, bv = isinstance(a, Value), isinstance(b, Value)
    if av and bv:
        try:
            dt = _dt.promote(a.dtype, b.dtype)
        except TypeError as e:
            raise trace_type_error(str(e)) from None
        return convert(a, dt), convert(b, dt), dt
    if av or bv:
        val, lit = (a, b) if av else (b, a)
        if not is_literal(lit):
            raise trace_type_error(
                f"cannot combine a traced {val.dtype.name} with a Python "
                f"{type(lit).__name__} ({_short_repr(lit)}); expected a traced value or a "
                "bool/int/float literal"
            )
        dt = val.dtype
        if isinstance(lit, float) and not isinstance(lit, bool) and not dt.is_float:
            dt = _with_elem(dt, _dt.f32)  # a float literal with an integer value computes in f32
            val = convert(val, dt)
        elif not literal_fits(lit, dt):
            raise trace_type_error(f"the literal {lit!r} does not fit {dt.name}")
        litv = current().constant(lit, dt)
        return (val, litv, dt) if av else (litv, val, dt)
    raise trace_type_error("an Enigma operation needs at least one traced value")


_ARITH = {
    "add": ("arith.addf", "arith.addi", "arith.addi"),
    "sub": ("arith.subf", "arith.subi", "arith.subi"),
    "mul": ("arith.mulf", "arith.muli", "arith.muli"),
    "floordiv": (None, "arith.divsi", "arith.divui"),
    "mod": ("arith.remf", "arith.remsi", "arith.remui"),
    "and": (None, "arith.andi", "arith.andi"),
    "or": (None, "arith.ori", "arith.ori"),
    "xor": (None, "arith.xori", "arith.xori"),
    "shl": (None, "arith.shli", "arith.shli"),
    "shr": (None, "arith.shrsi", "arith.shrui"),
}
_SYMBOL = {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "truediv": "/",
    "floordiv": "//",
    "mod": "%",
    "pow": "**",
    "and": "&",
    "or": "|",
    "xor": "^",
    "shl": "<<",
    "shr": ">>",
}


def binary(kind: str, a: Any, b: Any) -> Value:
    """Records `a <kind> b` with promotion; see docs/python-api.md for the semantics."""
    if (
        kind == "pow"
        and isinstance(a, Value)
        and not a.dtype.is_float
        and isinstance(b, int)
        and not isinstance(b, bool)
        and 0 <= b <= 64
    ):
        result: Value = as_value(1, a.dtype) if b == 0 else a
        for _ in range(max(0, b - 1)):
            result = binary("mul", result, a)
        return result
    x, y, dt = unify(a, b)
    if dt.is_bool and kind in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow"):
        i32 = _with_elem(dt, _dt.i32)
        x, y, dt = convert(x, i32), convert(y, i32), i32
    if kind == "truediv":
        if dt.is_float:
            return _emit_binary("arith.divf", x, y, dt)
        kind = "floordiv"  # integer / integer is integer division, as in Metal (truncating)
    if kind == "pow" and dt.lanes:
        if dt.is_float:
            return _emit_binary("math.powf", x, y, dt)
        raise trace_type_error("** of integer vectors is not supported; use a loop")
    if kind == "pow":
        if dt.is_float:
            return _emit_binary("math.powf", x, y, dt)
        return _int_pow(x, y, dt)
    if kind == "floordiv" and dt.is_float:
        q = _emit_binary("arith.divf", x, y, dt)
        return unary_op("math.floor", q)
    ops = _ARITH[kind]
    op = ops[0] if dt.is_float else ops[2] if dt.is_unsigned else ops[1]
    if op is None:
        raise trace_type_error(
            f"operator {_SYMBOL[kind]} needs integer or bool operands, got {dt.name}"
        )
    return _emit_binary(op, x, y, dt)


def _select(c: Value, a: Value, b: Value) -> Value:
    d = current().emit("arith.select", (c.id, a.id, b.id), (a.dtype.mlir,), frame=user_frame(2))
    return Value(d["results"][0]["id"], a.dtype)


def _int_pow(x: Value, e: Value, dt: DType) -> Value:
    """Integer ``x ** e`` (both of dtype `dt`), exact and wrapping like repeated multiplication:
    square-and-multiply over the exponent's bits in an ``scf.while`` (MSL has no integer pow).
    A negative exponent of a signed type follows C's integer semantics: ``x ** -n`` is 0
    unless ``|x| == 1`` (1 for x == 1; -1 or 1 for x == -1 by the parity of n)."""
    from .control import while_, yield_

    one = current().constant(1, dt)
    zero = current().constant(0, dt)
    k0 = e
    if dt.is_signed:
        neg = compare("lt", e, zero)
        k0 = _select(neg, zero, e)
    w = while_(lambda r, b, k: compare("ne", k, zero), init=(one, x, k0))
    with w as (r, b, k):
        odd = compare("ne", binary("and", k, one), zero)
        yield_(_select(odd, binary("mul", r, b), r), binary("mul", b, b), binary("shr", k, one))
    result = w.results[0]
    if dt.is_signed:
        minus_one = current().constant(-1, dt)
        odd_e = compare("ne", binary("and", e, one), zero)
        at_minus_one = _select(odd_e, minus_one, one)
        neg_result = _select(
            compare("eq", x, one), one, _select(compare("eq", x, minus_one), at_minus_one, zero)
        )
        result = _select(neg, neg_result, result)
    return result


def compare(kind: str, a: Any, b: Any, unsigned: bool = False) -> Value:
    """Records a comparison; the result is a b1 (bool) value (a bool vector for vectors).
    Integers compare by their dtype's signedness; ``unsigned=True`` compares their bits as
    unsigned (``enigma.cmp_ult`` & co.)."""
    x, y, dt = unify(a, b)
    if unsigned and dt.is_float:
        raise trace_type_error(
            f"unsigned comparisons need integer operands, got {dt.name} (use cmp_lt & co.)"
        )
    if dt.is_float:
        pred = {"lt": "olt", "le": "ole", "gt": "ogt", "ge": "oge", "eq": "oeq", "ne": "une"}[kind]
        d = current().emit(
            "arith.cmpf",
            (x.id, y.id),
            (_with_elem(dt, _dt.b1).mlir,),
            {"predicate": f"{_CMPF[pred]} : i64"},
            frame=user_frame(2),
        )
    else:
        if kind in ("eq", "ne"):
            pred = kind
        else:
            pred = ("u" if dt.is_unsigned or unsigned else "s") + kind
        d = current().emit(
            "arith.cmpi",
            (x.id, y.id),
            (_with_elem(dt, _dt.b1).mlir,),
            {"predicate": f"{_CMPI[pred]} : i64"},
            frame=user_frame(2),
        )
    return Value(d["results"][0]["id"], _with_elem(dt, _dt.b1))


def to_index(x: Any) -> Value:
    """An `index` value for memory addressing from an integer value or literal."""
    x = _np_scalar_to_literal(x)
    if isinstance(x, Value):
        if x.dtype is INDEX:
            return x
        if x.dtype.is_float or x.dtype.lanes:
            raise trace_type_error(f"an index must be an integer, got a {x.dtype.name} value")
        # One conversion per value and block: A[i], B[i], C[i] share it.
        t = current()
        key = ("index", str(x.id) + x.dtype.name)
        r: Region | None = t.region
        while r is not None:
            hit = r.consts.get(key)
            if hit is not None:
                return hit
            r = r.parent
        v = convert(convert(x, _dt.u32) if x.dtype.is_bool else x, INDEX)
        t.region.consts[key] = v
        return v
    if isinstance(x, bool) or not isinstance(x, int):
        raise trace_type_error(f"an index must be an integer, got {_short_repr(x)}")
    return current().constant(x, INDEX)


def index_to_user(v: Value, dt: DType = _dt.u32) -> Value:
    """Converts an `index` query result to the user-visible integer dtype."""
    return convert(v, dt)


def iter_values(xs: Iterable[Any]) -> list[Any]:
    return [x for x in xs]


def check_callable(fn: Any, what: str) -> Callable[..., Any]:
    if not callable(fn):
        raise trace_type_error(f"{what} must be callable")
    return fn
