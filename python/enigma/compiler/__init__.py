"""ctypes binding of ``enigma-c/Compiler.h``: one call compiles a trace (or MLIR text) to MLIR
and MSL.

:func:`compile_trace` is what :func:`enigma.compile` runs; it is also usable directly on a
trace (a dict or JSON text, see docs/trace-format.md). :func:`compile_mlir` compiles MLIR text
from another front end (what :func:`enigma.compile_mlir` runs).
"""

from __future__ import annotations

import ctypes
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from .. import _capi

__all__ = ["CompileOutput", "Diagnostic", "compile_mlir", "compile_trace", "pipeline_string"]


class _Options(ctypes.Structure):
    _fields_ = [
        ("vecWidth", ctypes.c_uint),
        ("dumpDir", ctypes.c_char_p),
        ("sourceName", ctypes.c_char_p),
    ]


_bound = False
_bind_lock = threading.Lock()


def _lib() -> ctypes.CDLL:
    global _bound
    lib = _capi.lib()
    if _bound:
        return lib
    with _bind_lock:
        if not _bound:
            lib.enigmaCompileOptionsInit.argtypes = [ctypes.POINTER(_Options)]
            lib.enigmaCompileOptionsInit.restype = None
            lib.enigmaCompileTrace.argtypes = [
                ctypes.c_char_p,
                ctypes.c_size_t,
                ctypes.POINTER(_Options),
            ]
            lib.enigmaCompileTrace.restype = ctypes.c_void_p
            lib.enigmaCompileMLIR.argtypes = lib.enigmaCompileTrace.argtypes
            lib.enigmaCompileMLIR.restype = ctypes.c_void_p
            lib.enigmaCompileResultSucceeded.argtypes = [ctypes.c_void_p]
            lib.enigmaCompileResultSucceeded.restype = ctypes.c_bool
            for getter in ("MLIR", "MSL", "Metadata", "Diagnostics", "DiagnosticsText"):
                fn = getattr(lib, f"enigmaCompileResultGet{getter}")
                fn.argtypes = [ctypes.c_void_p]
                fn.restype = ctypes.c_char_p
            lib.enigmaCompileResultDestroy.argtypes = [ctypes.c_void_p]
            lib.enigmaCompileResultDestroy.restype = None
            lib.enigmaCompilerGetPipeline.argtypes = [
                ctypes.c_uint,
                ctypes.c_char_p,
                ctypes.c_size_t,
            ]
            lib.enigmaCompilerGetPipeline.restype = ctypes.c_size_t
            _bound = True
    return lib


@dataclass(frozen=True)
class Diagnostic:
    """One compiler diagnostic; `file`/`line`/`col` point into the user's Python source."""

    severity: str
    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}: " if self.file else ""
        return f"{where}{self.severity}: {self.message}"


@dataclass
class CompileOutput:
    """What the C API returns for one trace."""

    succeeded: bool
    mlir: str
    msl: str
    metadata: dict[str, Any]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def _options(vec_width: int, dump_dir: str | None, source_name: str | None = None) -> _Options:
    opts = _Options()
    _lib().enigmaCompileOptionsInit(ctypes.byref(opts))
    opts.vecWidth = int(vec_width)
    opts.dumpDir = dump_dir.encode() if dump_dir else None
    opts.sourceName = source_name.encode() if source_name else None
    return opts


def _read_result(handle: int | None, what: str) -> CompileOutput:
    """The CompileOutput of a C API result handle, which it releases."""
    lib = _lib()
    if not handle:
        raise MemoryError(f"{what} returned NULL (out of memory)")
    try:
        ok = bool(lib.enigmaCompileResultSucceeded(handle))
        mlir = lib.enigmaCompileResultGetMLIR(handle).decode()
        msl = lib.enigmaCompileResultGetMSL(handle).decode()
        meta_text = lib.enigmaCompileResultGetMetadata(handle).decode()
        diags_text = lib.enigmaCompileResultGetDiagnostics(handle).decode()
    finally:
        lib.enigmaCompileResultDestroy(handle)
    metadata = json.loads(meta_text) if meta_text else {}
    diags = [
        Diagnostic(
            d.get("severity", "error"),
            d.get("file", ""),
            int(d.get("line", 0)),
            int(d.get("col", 0)),
            d.get("message", ""),
        )
        for d in (json.loads(diags_text) if diags_text else [])
    ]
    return CompileOutput(ok, mlir, msl, metadata, diags)


def compile_trace(
    trace: str | bytes | dict, vec_width: int = 0, dump_dir: str | None = None
) -> CompileOutput:
    """Compiles a trace (JSON text or a dict) with the registered ``enigma-pipeline``."""
    if isinstance(trace, dict):
        data = json.dumps(trace, separators=(",", ":")).encode()
    elif isinstance(trace, str):
        data = trace.encode()
    else:
        data = bytes(trace)
    opts = _options(vec_width, dump_dir)
    handle = _lib().enigmaCompileTrace(data, len(data), ctypes.byref(opts))
    return _read_result(handle, "enigmaCompileTrace")


def compile_mlir(
    text: str | bytes,
    vec_width: int = 0,
    dump_dir: str | None = None,
    source_name: str | None = None,
) -> CompileOutput:
    """Compiles MLIR text: a module of ``enigma.kernel``s (``enigma-pipeline``) or upstream IR
    (linalg, scf.parallel, gpu.launch, gpu.module kernels; ``gpu-lower-to-enigma-pipeline``).
    Diagnostics are located in the text, named `source_name` (default ``<mlir>``)."""
    data = text.encode() if isinstance(text, str) else bytes(text)
    opts = _options(vec_width, dump_dir, source_name)
    handle = _lib().enigmaCompileMLIR(data, len(data), ctypes.byref(opts))
    return _read_result(handle, "enigmaCompileMLIR")


def pipeline_string(vec_width: int = 0) -> str:
    """The textual pass pipeline the compiler runs (``builtin.module(enigma-pipeline{...})``)."""
    lib = _lib()
    buf = ctypes.create_string_buffer(512)
    n = lib.enigmaCompilerGetPipeline(int(vec_width), buf, len(buf))
    if n >= len(buf):
        buf = ctypes.create_string_buffer(n + 1)
        lib.enigmaCompilerGetPipeline(int(vec_width), buf, len(buf))
    return buf.value.decode()
