"""Environment-gated test helpers (reference §39): host detection and skip decorators.

Tests written for Metal use these to run wherever a kernel can run and to skip, with a reason,
where it cannot::

    import unittest, enigma

    class TestKernel(unittest.TestCase):
        @enigma.testing.requires_metal
        def test_dispatch(self):
            ...   # runs on a Metal device, else on Enigma's CPU runtime

Detection: :func:`is_darwin`, :func:`is_apple_silicon`, :func:`is_metal_available` (the truth
about a Metal device, through PyObjC) and, an Enigma addition, :func:`is_cpu_runtime_available`
(Enigma's CPU runtime can compile kernels: its native library is loaded and a host C++ compiler
is found).

Decorators: :func:`requires_metal` (alias :data:`skip_if_no_metal`) and
:func:`requires_apple_silicon`. They decorate plain test functions, ``unittest.TestCase``
methods and whole test classes (every ``test*`` method, and ``setUpClass`` of a TestCase, is
gated), under unittest and pytest alike. The decision is made when the test runs, by raising
``unittest.SkipTest`` (which pytest reports as a skip), so a test module imports anywhere.

Deliberate deviation from the reference: ``requires_metal`` skips only where
``enigma.MetalRuntime`` cannot run a kernel at all. MetalRuntime runs kernels on the CPU runtime
where there is no Metal device, so tests written for Metal run on Linux too; they are skipped
only when neither a Metal device nor the CPU runtime is usable (``ENIGMA_BACKEND=metal`` or
``=cpu`` restricts it to that one backend, as it does for MetalRuntime).
"""

from __future__ import annotations

import functools
import inspect
import os
import platform
import sys
import unittest
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "is_apple_silicon",
    "is_cpu_runtime_available",
    "is_darwin",
    "is_metal_available",
    "requires_apple_silicon",
    "requires_metal",
    "skip_if_no_metal",
]

_T = TypeVar("_T")

# The host C++ compilers the CPU runtime tries, in its order (lib/Runtime/CPU/HostCompiler.c).
_CXX_CANDIDATES = ("clang++-22", "clang++", "g++", "c++")
# The PATH the CPU runtime searches when PATH is unset or empty.
_DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"


# ---------------------------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------------------------


def is_darwin() -> bool:
    """True if running on macOS (``sys.platform == "darwin"``)."""
    return sys.platform == "darwin"


def is_apple_silicon() -> bool:
    """True if running on arm64 macOS (an Apple Silicon Mac running a native arm64 Python).

    An x86_64 Python under Rosetta reports ``x86_64`` and so is not Apple Silicon here: it
    cannot load arm64-only native code.
    """
    return is_darwin() and platform.machine() == "arm64"


def _metal_unavailable_reason() -> str | None:
    """Why no Metal device can be opened, or None if one can. Never raises."""
    if not is_darwin():
        return f"Metal needs macOS (this host is {sys.platform})"
    try:
        import Metal  # PyObjC's bindings (pyobjc-framework-Metal)
    except Exception as exc:  # noqa: BLE001 - ImportError, or a broken PyObjC install
        return (
            "PyObjC's Metal bindings cannot be imported "
            f"(pip install pyobjc-framework-Metal): {exc}"
        )
    try:
        device = Metal.MTLCreateSystemDefaultDevice()
    except Exception as exc:  # noqa: BLE001 - whatever fails, there is no device
        return f"MTLCreateSystemDefaultDevice() failed: {exc}"
    if device is None:
        return "MTLCreateSystemDefaultDevice() returned no device"
    return None


@functools.cache
def _cached_metal_reason() -> str | None:
    return _metal_unavailable_reason()


def is_metal_available() -> bool:
    """True if a Metal device can be opened: macOS, PyObjC's ``Metal`` module importable and
    ``MTLCreateSystemDefaultDevice()`` returning a device.

    The answer is computed once per process and cached (``is_metal_available.cache_clear()``
    forgets it). Never raises: any failure means False.
    """
    return _cached_metal_reason() is None


is_metal_available.cache_clear = _cached_metal_reason.cache_clear  # type: ignore[attr-defined]


def _search_path(name: str) -> str | None:
    """The executable ``name`` as the CPU runtime finds it (a path if it contains ``/``, else
    the first executable ``<dir>/name`` in $PATH), or None."""
    if "/" in name:
        return name if os.access(name, os.X_OK) else None
    path = os.environ.get("PATH") or _DEFAULT_PATH
    for d in path.split(":"):
        cand = os.path.join(d or ".", name)
        if os.access(cand, os.X_OK) and not os.path.isdir(cand):
            return cand
    return None


def _cpu_runtime_unavailable_reason() -> str | None:
    """Why the CPU runtime cannot compile kernels, or None if it can. Never raises.

    Read at each call (like the CPU runtime reads $ENIGMA_CXX and $PATH at each compile).
    """
    try:
        from . import runtime

        runtime._lib()  # loads libEnigmaCAPI.so and checks it has the CPU runtime
    except Exception as exc:  # noqa: BLE001 - never raises: any failure means unavailable
        return f"Enigma's CPU runtime library cannot be used: {exc}"
    requested = os.environ.get("ENIGMA_CXX")
    if requested:
        if _search_path(requested) is None:
            return f"host C++ compiler {requested!r} (from ENIGMA_CXX) not found or not executable"
        return None
    if any(_search_path(c) is not None for c in _CXX_CANDIDATES):
        return None
    return (
        "no host C++ compiler found for the CPU runtime (tried "
        + ", ".join(_CXX_CANDIDATES)
        + " in PATH; install clang or set ENIGMA_CXX)"
    )


def is_cpu_runtime_available() -> bool:
    """True if Enigma's CPU runtime can compile and run kernels on this host (Enigma addition).

    That is: the native library (libEnigmaCAPI.so) loads and was built with the CPU runtime,
    and a host C++ compiler is found the way the runtime looks for one ($ENIGMA_CXX, else
    clang++-22, clang++, g++ or c++ in $PATH). Evaluated at each call; never raises.
    """
    return _cpu_runtime_unavailable_reason() is None


def _backend_override() -> str | None:
    """``ENIGMA_BACKEND`` when it names a backend ("cpu" or "metal"), else None (automatic)."""
    value = os.environ.get("ENIGMA_BACKEND", "").strip().lower()
    return value if value in ("cpu", "metal") else None


def _metal_runtime_skip_reason() -> str | None:
    """Why ``enigma.MetalRuntime`` cannot run a kernel on this host, or None if it can."""
    backend = _backend_override()
    if backend != "cpu":
        metal = _cached_metal_reason()
        if metal is None:
            return None
        if backend == "metal":
            return f"requires Metal (ENIGMA_BACKEND=metal), but no Metal device: {metal}"
    cpu = _cpu_runtime_unavailable_reason()
    if cpu is None:
        return None
    if backend == "cpu":
        return f"requires Enigma's CPU runtime (ENIGMA_BACKEND=cpu), but {cpu}"
    return (
        "requires Metal or Enigma's CPU runtime to run kernels, and neither is available: "
        f"{metal}; {cpu}"
    )


def _apple_silicon_skip_reason() -> str | None:
    if is_apple_silicon():
        return None
    return (
        "requires Apple Silicon (arm64 macOS); this host is "
        f"{sys.platform}/{platform.machine() or 'unknown'}"
    )


# ---------------------------------------------------------------------------------------------
# Decorators
# ---------------------------------------------------------------------------------------------


def _gate_function(fn: Callable[..., Any], reason: Callable[[], str | None]) -> Callable[..., Any]:
    """``fn`` wrapped to raise unittest.SkipTest at call time when ``reason()`` gives one."""
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            why = reason()
            if why is not None:
                raise unittest.SkipTest(why)
            return await fn(*args, **kwargs)

        return async_wrapper

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        why = reason()
        if why is not None:
            raise unittest.SkipTest(why)
        return fn(*args, **kwargs)

    return wrapper


def _gate_class(cls: type, reason: Callable[[], str | None]) -> type:
    """Gates every ``test*`` method of ``cls`` (own and inherited; the base classes are not
    changed) and, for a TestCase, ``setUpClass``, so class fixtures do not run when skipped."""
    prefix = getattr(cls, "testMethodPrefix", "test")
    for name in dir(cls):
        if not name.startswith(prefix):
            continue
        raw = inspect.getattr_static(cls, name)
        if isinstance(raw, staticmethod):
            setattr(cls, name, staticmethod(_gate_function(raw.__func__, reason)))
        elif isinstance(raw, classmethod):
            setattr(cls, name, classmethod(_gate_function(raw.__func__, reason)))
        elif inspect.isfunction(raw):
            setattr(cls, name, _gate_function(raw, reason))
    if isinstance(cls, type) and issubclass(cls, unittest.TestCase):
        raw = inspect.getattr_static(cls, "setUpClass")
        if isinstance(raw, classmethod):
            cls.setUpClass = classmethod(_gate_function(raw.__func__, reason))
    return cls


def _make_gate(reason: Callable[[], str | None], decorator_name: str) -> Callable[[_T], _T]:
    def decorator(obj: _T) -> _T:
        if isinstance(obj, type):
            return _gate_class(obj, reason)  # type: ignore[return-value]
        if isinstance(obj, (staticmethod, classmethod)):
            return type(obj)(_gate_function(obj.__func__, reason))  # type: ignore[return-value]
        if not callable(obj):
            raise TypeError(
                f"enigma.testing.{decorator_name} decorates a test function, method or class, "
                f"got {type(obj).__name__} (use @{decorator_name}, without parentheses)"
            )
        return _gate_function(obj, reason)  # type: ignore[arg-type,return-value]

    decorator.__name__ = decorator.__qualname__ = decorator_name
    return decorator


_requires_metal = _make_gate(_metal_runtime_skip_reason, "requires_metal")
_requires_apple_silicon = _make_gate(_apple_silicon_skip_reason, "requires_apple_silicon")


def requires_metal(fn: _T) -> _T:
    """Skips the decorated test where ``enigma.MetalRuntime`` cannot run a kernel.

    MetalRuntime runs on a Metal device on macOS and on Enigma's CPU runtime elsewhere, so the
    test runs on either and is skipped only when neither a Metal device
    (:func:`is_metal_available`) nor the CPU runtime (:func:`is_cpu_runtime_available`) is
    usable. ``ENIGMA_BACKEND=metal`` (or ``cpu``) requires that backend, as it does for
    MetalRuntime. Deliberate deviation: the reference skips whenever Metal is unavailable.

    Decorates a test function, a ``unittest.TestCase`` method, or a whole class (each
    ``test*`` method and ``setUpClass``). The check is made when the test runs, by raising
    ``unittest.SkipTest`` with the reason; the test's name and docstring are kept.
    """
    return _requires_metal(fn)


def requires_apple_silicon(fn: _T) -> _T:
    """Skips the decorated test unless running on Apple Silicon (arm64 macOS, see
    :func:`is_apple_silicon`).

    Decorates functions, methods and classes like :func:`requires_metal`; the check is made
    when the test runs, by raising ``unittest.SkipTest`` with the reason.
    """
    return _requires_apple_silicon(fn)


#: Alias of :func:`requires_metal` (the same object).
skip_if_no_metal = requires_metal
