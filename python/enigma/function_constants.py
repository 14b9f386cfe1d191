"""Metal function constants: values fixed when a pipeline is created, not per launch argument.

Inside a kernel, ``enigma.function_constant(dtype, index)`` reads function constant `index`::

    @enigma.kernel
    def scale(x: enigma.f32, y: enigma.f32):
        s = enigma.function_constant("float", 0)
        i = enigma.thread_id()
        y[i] = x[i] * s

    k = enigma.compile(scale)
    k(x, y, grid=n, block=64, function_constants={0: 2.5})

The MSL declares each index once at file scope (``constant float enigma_fc_0
[[function_constant(0)]];``). On Metal the values go into ``MTLFunctionConstantValues`` when the
pipeline is created; the CPU runtime compiles the kernel once per set of values (see
docs/cpu-runtime.md). Values are keyed by index or by the constant's name.

This module has no import-time dependency on the tracer, so the runtime binding can use its
value checks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import EnigmaError

__all__ = ["FunctionConstant", "function_constant"]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# Enigma dtype name -> MSL spelling of the types Metal allows for (scalar) function constants.
_DTYPE_MSL = {
    "b1": "bool",
    "i8": "char",
    "u8": "uchar",
    "i16": "short",
    "u16": "ushort",
    "i32": "int",
    "u32": "uint",
    "i64": "long",
    "u64": "ulong",
    "f16": "half",
    "f32": "float",
}

# MSL (and C) type spelling -> (kind, bytes): 'b' bool, 'i' signed, 'u' unsigned, 'f' float.
_TYPES = {
    "bool": ("b", 1),
    "char": ("i", 1),
    "signed char": ("i", 1),
    "int8_t": ("i", 1),
    "uchar": ("u", 1),
    "unsigned char": ("u", 1),
    "uint8_t": ("u", 1),
    "short": ("i", 2),
    "int16_t": ("i", 2),
    "ushort": ("u", 2),
    "unsigned short": ("u", 2),
    "uint16_t": ("u", 2),
    "int": ("i", 4),
    "int32_t": ("i", 4),
    "uint": ("u", 4),
    "unsigned int": ("u", 4),
    "unsigned": ("u", 4),
    "uint32_t": ("u", 4),
    "long": ("i", 8),
    "int64_t": ("i", 8),
    "ulong": ("u", 8),
    "unsigned long": ("u", 8),
    "uint64_t": ("u", 8),
    "half": ("f", 2),
    "float": ("f", 4),
}


def function_constant(dtype: Any, index: int, name: str | None = None) -> Any:
    """The value of Metal function constant `index` (an int in [0, 65535]), of scalar type
    `dtype`: "float", "half", "int", "uint", "short", "ushort", "char", "uchar", "long",
    "ulong", "bool", or an Enigma dtype (``enigma.f32``, ``enigma.u16``, ``enigma.b1`` ...).

    `name` (optional) is the constant's MSL name (default ``enigma_fc_<index>``); launches may
    key its value by it. Every use of an index in one kernel must have the same dtype and name.
    Valid only while a kernel is being traced; the value is given at launch
    (``compiled(..., function_constants={index: value})``) or, on Metal, when the pipeline is
    created.
    """
    from . import dtypes as _dt
    from ._tracer import Value, current, frame_loc, located, user_frame
    from .errors import EnigmaTypeError

    t = current()
    frame = user_frame(2)

    def fail(message: str) -> EnigmaTypeError:
        return EnigmaTypeError(located(message, frame_loc(frame)))

    try:
        dt = _dt.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.name not in _DTYPE_MSL:
        raise fail(
            f"function_constant: dtype {dtype!r} is not a scalar type Metal allows for function "
            "constants (float, half, int, uint, short, ushort, char, uchar, long, ulong, bool)"
        )
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= 65535:
        raise fail(
            f"function_constant: index must be an int in [0, 65535], got {index!r}"
        )
    attrs = {"index": f"{index} : i32"}
    if dt.kind == "u":
        attrs["is_unsigned"] = "unit"
    if name is not None:
        if not isinstance(name, str) or not _IDENT.match(name):
            raise fail(f"function_constant: name must be an identifier, got {name!r}")
        attrs["name"] = '"' + name + '"'
    d = t.emit("enigma.function_constant", (), (dt.mlir,), attrs, frame=frame)
    return Value(d["results"][0]["id"], dt)


@dataclass(frozen=True)
class FunctionConstant:
    """A function constant a kernel declares."""

    #: The [[function_constant(index)]] index.
    index: int
    #: Its MSL name (``enigma_fc_0`` for DSL kernels that gave none).
    name: str
    #: Its MSL type: "float", "int", "bool", ...
    type_name: str
    #: False when the MSL tests ``is_function_constant_defined(name)``: it may be left out.
    required: bool = True

    @property
    def size(self) -> int:
        return _TYPES[self.type_name][1]


def from_metadata(kinfo: Mapping[str, Any]) -> tuple[FunctionConstant, ...]:
    """The function constants of a compiled kernel's metadata (``metadata["kernels"][i]``)."""
    return tuple(
        FunctionConstant(int(fc["index"]), str(fc["name"]), str(fc["msl_type"]), True)
        for fc in kinfo.get("function_constants") or []
    )


def _describe(fc: FunctionConstant) -> str:
    return f"'{fc.name}' (index {fc.index}, {fc.type_name})"


def _value_bytes(kernel: str, fc: FunctionConstant, value: Any) -> bytes:
    """`value` as the bytes of `fc`'s type, or an invalid_argument EnigmaError."""
    import numpy as np

    where = f"kernel '{kernel}': function constant {_describe(fc)}"
    kind, size = _TYPES[fc.type_name]
    v = value.item() if isinstance(value, np.generic) else value
    if kind == "b":
        if not isinstance(v, bool):
            raise EnigmaError(
                f"{where} is a bool: pass True or False, got {value!r}",
                kind="invalid_argument",
            )
        return b"\x01" if v else b"\x00"
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise EnigmaError(
            f"{where}: pass a number, got {type(value).__name__} {value!r}",
            kind="invalid_argument",
        )
    if kind in "iu":
        if isinstance(v, float):
            if not v.is_integer():
                raise EnigmaError(
                    f"{where} is an integer: {value!r} is not one",
                    kind="invalid_argument",
                )
            v = int(v)
        bits = 8 * size
        lo, hi = (
            (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
            if kind == "i"
            else (0, (1 << bits) - 1)
        )
        if not lo <= v <= hi:
            raise EnigmaError(
                f"{where}: {value!r} does not fit in {fc.type_name}",
                kind="invalid_argument",
            )
        return int(v).to_bytes(size, "little", signed=kind == "i")
    f = float(v)
    with np.errstate(over="ignore"):
        r = np.float16(f) if size == 2 else np.float32(f)
    if math.isfinite(f) and not np.isfinite(r):
        raise EnigmaError(
            f"{where}: {value!r} does not fit in {fc.type_name}",
            kind="invalid_argument",
        )
    return r.tobytes()


def resolve(
    kernel: str, decls: Sequence[FunctionConstant], values: Mapping[Any, Any] | None
) -> list[tuple[FunctionConstant, Any, bytes]]:
    """Checks launch values (keyed by index or name) against the declarations: every key names
    a constant, each constant is given once, values fit their type, and every required constant
    has one. Returns (constant, value, bytes) by declaration order."""
    if values is None:
        values = {}
    if not isinstance(values, Mapping):
        raise EnigmaError(
            f"kernel '{kernel}': function_constants must be a dict mapping an index or a name "
            f"to a value, got {type(values).__name__}",
            kind="invalid_argument",
        )

    def listing() -> str:
        return ", ".join(_describe(fc) for fc in decls) or "none"

    by_index = {fc.index: fc for fc in decls}
    by_name = {fc.name: fc for fc in decls}
    given: dict[int, tuple[FunctionConstant, Any]] = {}
    for key, value in values.items():
        if isinstance(key, str):
            fc = by_name.get(key)
        elif isinstance(key, int) and not isinstance(key, bool):
            fc = by_index.get(key)
        else:
            raise EnigmaError(
                f"kernel '{kernel}': function constants are keyed by index (int) or name (str), "
                f"got {key!r}",
                kind="invalid_argument",
            )
        if fc is None:
            raise EnigmaError(
                f"kernel '{kernel}' has no function constant {key!r} (its function constants: "
                f"{listing()})",
                kind="invalid_argument",
            )
        if fc.index in given:
            raise EnigmaError(
                f"kernel '{kernel}': function constant {_describe(fc)} is given twice "
                "(by index and by name)",
                kind="invalid_argument",
            )
        given[fc.index] = (fc, value)
    out = []
    for fc in decls:
        if fc.index not in given:
            if fc.required:
                raise EnigmaError(
                    f"kernel '{kernel}': function constant {_describe(fc)} has no value; pass "
                    f"function_constants={{{fc.index}: ...}} (its function constants: "
                    f"{listing()})",
                    kind="invalid_argument",
                )
            continue
        value = given[fc.index][1]
        out.append((fc, value, _value_bytes(kernel, fc, value)))
    return out
