"""Loading of Enigma's C API shared library (libEnigmaCAPI.so) through ctypes.

This is the one place the package finds the native library.  Search order:

1. ``$ENIGMA_CAPI_LIB`` - an explicit path to the shared library (an override);
2. ``libEnigmaCAPI.so`` inside this package - where ``pip install`` puts it (pyproject.toml,
   cmake/EnigmaPythonPackage.cmake), beside the bounds-check plugin the CPU runtime loads;
3. ``<repo>/build/lib/libEnigmaCAPI.so`` - the in-tree CMake build used by the README commands
   (running from the source tree with PYTHONPATH=python).

Bindings for each C header live in the module that uses them (``layout.py`` binds
``enigma-c/Layout.h``, ``runtime.py`` binds ``enigma-c/Runtime.h`` ...); they all share the single
library handle returned by :func:`lib`.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

from .errors import EnigmaError

_LIB: ctypes.CDLL | None = None
_PKG_DIR = Path(__file__).resolve().parent


def library_path() -> Path:
    """Return the path of the shared library that :func:`lib` loads (it need not exist)."""
    env = os.environ.get("ENIGMA_CAPI_LIB")
    if env:
        return Path(env)
    candidates = [
        _PKG_DIR / "libEnigmaCAPI.so",
        _PKG_DIR.parent.parent / "build" / "lib" / "libEnigmaCAPI.so",
    ]
    for c in candidates:
        if c.exists():
            return c
    return candidates[-1] if (_PKG_DIR.parent.parent / "CMakeLists.txt").exists() else candidates[0]


def lib() -> ctypes.CDLL:
    """Return the process-wide handle to libEnigmaCAPI.so, loading it on first use."""
    global _LIB
    if _LIB is None:
        path = library_path()
        if not path.exists():
            if os.environ.get("ENIGMA_CAPI_LIB"):
                hint = "ENIGMA_CAPI_LIB points at a file that does not exist"
            elif path.parent == _PKG_DIR:
                hint = "the installed package is incomplete; reinstall it (pip install)"
            else:
                hint = ("build it first (see README.md), install the package with pip, or "
                        "point ENIGMA_CAPI_LIB at libEnigmaCAPI.so")
            raise EnigmaError(f"Enigma's native library was not found at {path}: {hint}")
        try:
            _LIB = ctypes.CDLL(str(path))
        except OSError as exc:  # pragma: no cover - depends on a broken build
            raise EnigmaError(f"cannot load {path}: {exc}") from exc
    return _LIB


def library_version() -> str:
    """The library's version (include/enigma-c/Version.h, the project's one version string),
    or "unknown" when the library cannot be loaded."""
    try:
        handle = lib()
        handle.enigmaGetVersion.restype = ctypes.c_char_p
        return handle.enigmaGetVersion().decode()
    except Exception:  # noqa: BLE001 - a missing library is reported by the first real call
        return "unknown"
