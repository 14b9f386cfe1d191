"""Thread and grid queries: Metal's position and size builtins, and the ``enigma.arch``
namespace. Valid only while a kernel is being traced."""

from __future__ import annotations

from typing import Any

from . import dtypes as _dt
from ._tracer import (
    INDEX,
    LazyValue,
    Value,
    convert,
    current,
    frame_loc,
    located,
    user_frame,
)
from .errors import EnigmaTypeError

__all__ = [
    "grid_size",
    "num_threadgroups",
    "simdgroup_index_in_threadgroup",
    "simdgroups_per_threadgroup",
    "thread_id",
    "thread_index_in_simdgroup",
    "thread_index_in_threadgroup",
    "thread_position_in_grid",
    "thread_position_in_grid_xyz",
    "thread_position_in_threadgroup",
    "threadgroup_id",
    "threadgroup_position_in_grid",
    "threadgroup_size",
    "threadgroups_per_grid",
    "threads_per_grid",
    "threads_per_simdgroup",
    "threads_per_threadgroup",
]

_DIMS = {"x": "x", "y": "y", "z": "z", 0: "x", 1: "y", 2: "z"}

# ---------------------------------------------------------------------------------------------
# Thread and grid queries
# ---------------------------------------------------------------------------------------------


def _query(op: str, dim: str | None) -> Value:
    t = current()
    f = user_frame(3)
    attrs = {"dim": f"#enigma<dim {dim}>"} if dim is not None else None
    d = t.emit(op, (), ("index",), attrs, frame=f)
    idx = Value(d["results"][0]["id"], INDEX)
    return convert(idx, _dt.u32)


def _dim(dim: Any) -> str:
    d = _DIMS.get(dim) if isinstance(dim, (str, int)) and not isinstance(dim, bool) else None
    if d is None:
        raise EnigmaTypeError(
            located(f"dim must be 'x', 'y', 'z', 0, 1 or 2, got {dim!r}", frame_loc(user_frame(3)))
        )
    return d


class _Builtin3(LazyValue):
    """A Metal ``uint3`` builtin. Used as a value it is its ``x`` component (a u32), as the
    reference documents for ``enigma.thread_position_in_grid``; ``.x``, ``.y``, ``.z`` or
    ``(dim)`` (``dim="x"`` by default) give one component."""

    __slots__ = ("_op",)

    def __init__(self, op: str) -> None:
        self._op = op

    def __repr__(self) -> str:
        return f"enigma.{self._op.split('.', 1)[1]}"

    def materialize(self) -> Value:
        t = current()
        key = ("query", self._op)
        r = t.region
        while r is not None:
            hit = r.consts.get(key)
            if hit is not None:
                return hit
            r = r.parent
        v = _query(self._op, "x")
        t.region.consts[key] = v
        f = user_frame(2)  # name it after the user's variable (tid = enigma.thread_position_...)
        if f is not None:
            for name, value in f.f_locals.items():
                if value is self and not name.startswith("_"):
                    t.name_value(v, name)
                    break
        return v

    def _get(self, dim: Any) -> Value:
        return _query(self._op, _dim(dim))

    @property
    def x(self) -> Value:
        return self._get("x")

    @property
    def y(self) -> Value:
        return self._get("y")

    @property
    def z(self) -> Value:
        return self._get("z")

    def __call__(self, dim: int | str = "x") -> Value:
        return self._get(dim)


thread_position_in_grid = _Builtin3("enigma.thread_position_in_grid")
thread_position_in_threadgroup = _Builtin3("enigma.thread_position_in_threadgroup")
threadgroup_position_in_grid = _Builtin3("enigma.threadgroup_position_in_grid")
threads_per_threadgroup = _Builtin3("enigma.threads_per_threadgroup")
threadgroups_per_grid = _Builtin3("enigma.threadgroups_per_grid")
threads_per_grid = _Builtin3("enigma.threads_per_grid")


def thread_position_in_grid_xyz(dim: int | str = "x") -> Value:
    """``thread_position_in_grid`` component `dim` ("x", "y", "z"; or 0, 1, 2) as u32."""
    return thread_position_in_grid._get(dim)


def thread_id(dim: int | str = 0) -> Value:
    """``thread_position_in_grid`` component `dim` (0/'x', 1/'y', 2/'z') as u32."""
    return thread_position_in_grid._get(dim)


def threadgroup_id(dim: int | str = 0) -> Value:
    """``threadgroup_position_in_grid`` component `dim` as u32."""
    return threadgroup_position_in_grid._get(dim)


def threadgroup_size(dim: int | str = 0) -> Value:
    """``threads_per_threadgroup`` component `dim` as u32."""
    return threads_per_threadgroup._get(dim)


def grid_size(dim: int | str = "x") -> Value:
    """The number of threadgroups in the grid along `dim`: the reference documents
    ``grid_size`` as an alias of ``threadgroups_per_grid`` (Metal has no ``grid_size``
    attribute). The threads of the grid are ``threads_per_grid``."""
    return threadgroups_per_grid._get(dim)


def num_threadgroups(dim: int | str = 0) -> Value:
    """``threadgroups_per_grid`` component `dim` as u32."""
    return threadgroups_per_grid._get(dim)


def thread_index_in_threadgroup() -> Value:
    """Metal's ``[[thread_index_in_threadgroup]]`` (u32)."""
    return _query("enigma.thread_index_in_threadgroup", None)


def thread_index_in_simdgroup() -> Value:
    """Metal's ``[[thread_index_in_simdgroup]]`` (u32)."""
    return _query("enigma.thread_index_in_simdgroup", None)


def simdgroup_index_in_threadgroup() -> Value:
    """Metal's ``[[simdgroup_index_in_threadgroup]]`` (u32)."""
    return _query("enigma.simdgroup_index_in_threadgroup", None)


def threads_per_simdgroup() -> Value:
    """Metal's ``[[threads_per_simdgroup]]`` (u32)."""
    return _query("enigma.threads_per_simdgroup", None)


def simdgroups_per_threadgroup() -> Value:
    """Metal's ``[[simdgroups_per_threadgroup]]`` (u32)."""
    return _query("enigma.simdgroups_per_threadgroup", None)


