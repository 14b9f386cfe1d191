"""The decorators: ``@enigma.kernel`` (a :class:`KernelDef`) and ``@enigma.jit`` (a
:class:`JitFunction` whose kernel calls return launch handles with ``.launch(grid, block)``)."""

from __future__ import annotations

import functools
import inspect
import re
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from . import dtypes as _dt
from ._tracer import (
    frame_loc,
    located,
)
from .dtypes import DType
from .errors import EnigmaError
from .runtime import as_dims

__all__ = [
    "Constexpr",
    "JitFunction",
    "Kernel",
    "KernelDef",
    "KernelHandle",
    "Launch",
    "jit",
    "kernel",
]


class Constexpr:
    """Annotation of a compile-time parameter: its Python value is baked into the trace
    (``tile: enigma.Constexpr``); pass the value to ``enigma.compile`` / the launch."""


# ---------------------------------------------------------------------------------------------
# Decorators
# ---------------------------------------------------------------------------------------------


class KernelDef:
    """A kernel function (``@enigma.kernel``). Compile it with ``enigma.compile(kernel)``; inside
    an ``@enigma.jit`` function call it with tensors and ``.launch(grid=..., block=...)``."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        if not callable(fn):
            raise TypeError("@enigma.kernel decorates a function")
        self.fn = fn
        self.name = fn.__name__
        functools.update_wrapper(self, fn)  # type: ignore[arg-type]
        self._sig = inspect.signature(fn)
        code = fn.__code__
        self.def_loc = (code.co_filename, code.co_firstlineno, 1)
        self._annotations: dict[str, Any] | None = None
        self._static_specs: list[tuple[str, str, Any]] | None = None

    def __repr__(self) -> str:
        return f"<enigma.kernel {self.name}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Launch:
        jit_state = getattr(_jit_state, "launches", None)
        if jit_state is None:
            raise EnigmaError(
                located(
                    f"kernel '{self.name}' cannot be called directly; compile it with "
                    f"enigma.compile({self.name}) and call the CompiledKernel, or call it inside an "
                    "@enigma.jit function followed by .launch(grid=..., block=...)",
                    frame_loc(sys._getframe(1)),
                )
            )
        try:
            bound = self._sig.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(
                located(
                    f"kernel '{self.name}' takes {len(self._sig.parameters)} argument(s) "
                    f"({', '.join(self._sig.parameters)}): {exc}",
                    frame_loc(sys._getframe(1)),
                )
            ) from None
        return Launch(self, list(bound.arguments.values()), sys._getframe(1))

    def annotations(self) -> dict[str, Any]:
        if self._annotations is not None:
            return self._annotations
        raw = getattr(self.fn, "__annotations__", {}) or {}
        out = {}
        for name, ann in raw.items():
            if isinstance(ann, str):
                ann = _resolve_annotation(ann, self.fn, name)
            if isinstance(ann, type) and issubclass(ann, DType):
                ann = _dt.dtype(ann)  # the class form of a dtype: A: enigma.Float32
            out[name] = ann
        self._annotations = out
        return out


# Enigma's name for it; the reference calls it KernelDef.
Kernel = KernelDef


def _param_loc(fn: Callable[..., Any], param: str) -> tuple[str, int, int]:
    """file:line of parameter `param` in `fn`'s signature (the `def` line if not found)."""
    code = fn.__code__
    file, first = code.co_filename, code.co_firstlineno
    def_line = first
    try:
        lines, start = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return (file, first, 0)
    in_def = False
    pat = re.compile(r"\b" + re.escape(param) + r"\s*:")
    for i, text in enumerate(lines):
        stripped = text.lstrip()
        if not in_def and (stripped.startswith("def ") or stripped.startswith("async def ")):
            in_def, def_line = True, start + i
        if in_def:
            m = pat.search(text)
            if m:
                return (file, start + i, m.start() + 1)
            if text.rstrip().endswith(":") and ")" in text:
                break
    return (file, def_line, 0)


def _annotation_error(fn: Callable[..., Any], param: str, text: str, why: str) -> EnigmaError:
    names = sorted({d.name for d in _dt.ALL_DTYPES})
    msl = sorted({d.msl for d in _dt.ALL_DTYPES})
    return EnigmaError(
        located(
            f"kernel '{fn.__name__}': cannot resolve the annotation {text!r} of parameter "
            f"'{param}' ({why}); valid dtypes are {', '.join(names)} (or the Metal names "
            f"{', '.join(msl)}), enigma.Scalar(dtype), enigma.Tensor or enigma.Constexpr",
            _param_loc(fn, param),
        )
    )


def _resolve_annotation(text: str, fn: Callable[..., Any], param: str = "?") -> Any:
    try:
        return _dt.dtype(text)
    except TypeError:
        pass
    try:
        value = eval(text, getattr(fn, "__globals__", {}))
    except Exception as exc:
        raise _annotation_error(fn, param, text, f"{type(exc).__name__}: {exc}") from None
    if isinstance(value, type) and issubclass(value, DType):
        return _dt.dtype(value)
    if isinstance(value, str):  # a quoted dtype name under `from __future__ import annotations`
        try:
            return _dt.dtype(value)
        except TypeError:
            raise _annotation_error(fn, param, value, "not a dtype name") from None
    return value


def kernel(fn: Callable[..., Any]) -> Kernel:
    """Decorator: marks `fn` as an Enigma kernel.

    Parameters annotated with a dtype (``A: enigma.f32``) are device buffers; with
    ``enigma.Scalar(dtype)`` by-value scalars; with ``enigma.Tensor`` (or unannotated, given a
    Tensor at compile/launch time) layout-carrying tensors; with ``enigma.Constexpr`` Python
    values baked in at trace time.
    """
    return Kernel(fn)


_jit_state = threading.local()

#: Metal's limit on the threads of one threadgroup (maxTotalThreadsPerThreadgroup).
MAX_THREADS_PER_THREADGROUP = 1024


class Launch:
    """``kernel(args...)`` inside a jit function; ``.launch(grid=..., block=...)`` records it."""

    def __init__(self, k: Kernel, args: list[Any], frame: Any) -> None:
        self.kernel = k
        self.args = args
        self.frame = frame

    def launch(self, grid: int | Sequence[int], block: int | Sequence[int] = 256) -> None:
        """Records the launch: `grid` is the total number of threads per dimension (Metal's
        dispatchThreads), `block` the threadgroup size."""
        launches = getattr(_jit_state, "launches", None)
        loc = frame_loc(sys._getframe(1))
        if launches is None:
            raise EnigmaError(
                located("Launch.launch() is only valid inside an @enigma.jit function", loc)
            )
        try:
            grid3, block3 = as_dims(grid, "grid", 1), as_dims(block, "block", 1)
        except EnigmaError as exc:
            raise EnigmaError(located(str(exc), loc)) from None
        threads = block3[0] * block3[1] * block3[2]
        if threads > MAX_THREADS_PER_THREADGROUP:
            raise EnigmaError(
                located(
                    f"kernel '{self.kernel.name}': block {block3} has {threads} threads; a "
                    f"threadgroup has at most {MAX_THREADS_PER_THREADGROUP} threads",
                    loc,
                )
            )
        launches.append((self, grid3, block3))


#: The reference's name of the handle ``kernel(args...)`` returns inside ``@enigma.jit``.
KernelHandle = Launch


class JitFunction:
    """A host-side function (``@enigma.jit``) that computes layouts with the layout algebra and
    launches one kernel: ``kernel(args...).launch(grid=..., block=...)``."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.name = fn.__name__
        functools.update_wrapper(self, fn)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"<enigma.jit {self.name}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise EnigmaError(
            f"@enigma.jit function '{self.name}' runs through enigma.compile({self.name}, *args)"
        )

    def run(self, *args: Any) -> tuple[Launch, tuple[int, int, int], tuple[int, int, int]]:
        prev = getattr(_jit_state, "launches", None)
        _jit_state.launches = []
        try:
            self.fn(*args)
            launches = _jit_state.launches
        finally:
            _jit_state.launches = prev
        if len(launches) != 1:
            raise EnigmaError(
                f"@enigma.jit function '{self.name}' must launch exactly one kernel "
                f"(kernel(...).launch(grid=..., block=...)); it launched "
                f"{len(launches)}"
            )
        return launches[0]


def jit(fn: Callable[..., Any]) -> JitFunction:
    """Decorator: a host function run by ``enigma.compile(fn, *args)``; see :class:`JitFunction`."""
    return JitFunction(fn)


