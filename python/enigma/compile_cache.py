"""The compile cache: compiled kernels in memory and on disk (``ENIGMA_CACHE_DIR``), keyed by
the hash of (trace, options, compiler build), kept under ``ENIGMA_CACHE_MAX_MB``."""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import shutil
import threading
from pathlib import Path
from typing import Any

from . import _capi
from ._tracer import (
    format_source,
)
from .errors import EnigmaError

__all__ = [
    "clear_cache",
]


# ---------------------------------------------------------------------------------------------
# Compile cache
# ---------------------------------------------------------------------------------------------

_MEM_CACHE: dict[str, tuple[str, str, dict]] = {}
_cache_lock = threading.Lock()
_fingerprint: str | None = None


def _compiler_fingerprint() -> str:
    """Identifies the compiler build: version plus the native library's size and mtime."""
    global _fingerprint
    if _fingerprint is None:
        path = _capi.library_path()
        try:
            st = os.stat(path)
            stamp = f"{st.st_size}:{st.st_mtime_ns}"
        except OSError:
            stamp = "missing"
        version = _capi.library_version()
        _fingerprint = f"{version}:{path}:{stamp}"
    return _fingerprint


def cache_root() -> Path | None:
    """Enigma's cache directory ($ENIGMA_CACHE_DIR, else ~/.cache/enigma; None when the
    variable is set empty): the compile cache and the CPU runtime's kernels live below it."""
    d = os.environ.get("ENIGMA_CACHE_DIR")
    if d == "":
        return None
    if d is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = os.path.join(base, "enigma")
    return Path(d)


def _cache_dir() -> Path | None:
    root = cache_root()
    return None if root is None else root / "compile"


def clear_cache(memory: bool = True, disk: bool = False) -> None:
    """Empties the in-memory compile cache (and the disk cache under ENIGMA_CACHE_DIR)."""
    if memory:
        with _cache_lock:
            _MEM_CACHE.clear()
    if disk:
        d = _cache_dir()
        if d is not None and d.exists():
            shutil.rmtree(d, ignore_errors=True)


def _trace_key(trace_dict: dict, vec_width: int) -> str:
    """The cache key: a hash of the trace, the options and the compiler build. The trace is
    serialized with marshal (version 2: no object references, so the bytes depend only on the
    value) because it is several times faster than JSON on the cached path."""
    data = marshal.dumps(trace_dict, 2)
    h = hashlib.sha256(_compiler_fingerprint().encode())
    # Bump when the cached entry's format changes (3: params carry "implicit"; 4: kernels
    # carry a source map).
    h.update(b"\0entry-format-4\0%d\0" % vec_width)
    h.update(data)
    return h.hexdigest()


def _compile_cached(
    trace_dict: dict, vec_width: int, dump_dir: str | None
) -> tuple[str, str, dict, str]:
    """(mlir, msl, metadata, cache status) for a trace; raises EnigmaError on failure."""
    from . import compiler

    key = _trace_key(trace_dict, vec_width)
    if not dump_dir:
        hit = _MEM_CACHE.get(key)
        if hit is not None:
            return (*hit, "memory")
        cdir = _cache_dir()
        if cdir is not None:
            path = cdir / f"{key}.json"
            try:
                data = json.loads(path.read_text())
                entry = (data["mlir"], data["msl"], data["metadata"])
                with _cache_lock:
                    _MEM_CACHE[key] = entry
                try:
                    os.utime(path)  # recently used: pruning deletes the least recent first
                except OSError:
                    pass
                return (*entry, "disk")
            except (OSError, ValueError, KeyError):
                pass
    trace_text = json.dumps(trace_dict, separators=(",", ":"))
    out = compiler.compile_trace(trace_text, vec_width=vec_width, dump_dir=dump_dir)
    if not out.succeeded:
        raise _compile_error(out)
    # Remarks (e.g. why vectorization left a kernel scalar) travel with the cached result.
    out.metadata["remarks"] = _remarks(out.diagnostics)
    entry = (out.mlir, out.msl, out.metadata)
    with _cache_lock:
        _MEM_CACHE[key] = entry
    cdir = _cache_dir()
    if cdir is not None:
        try:
            cdir.mkdir(parents=True, exist_ok=True)
            tmp = cdir / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
            tmp.write_text(json.dumps({"mlir": out.mlir, "msl": out.msl, "metadata": out.metadata}))
            os.replace(tmp, cdir / f"{key}.json")
            _prune_disk_cache(cdir, keep=f"{key}.json")
        except OSError:
            pass  # the disk cache is an optimization only
    return (*entry, "miss")


def _cache_limit_bytes() -> int:
    """ENIGMA_CACHE_MAX_MB (default 1024; 0: no limit), the limit the CPU runtime's kernel
    cache uses too; each of the two caches keeps under it."""
    try:
        mb = float(os.environ.get("ENIGMA_CACHE_MAX_MB", "1024"))
    except ValueError:
        mb = 1024.0
    return int(max(mb, 0.0) * 1024 * 1024)


def _prune_disk_cache(cdir: Path, keep: str) -> None:
    """Deletes the least recently used entries (a hit touches its file) while the compile
    cache is over its limit, down to three quarters of it; never `keep`. Best effort."""
    limit = _cache_limit_bytes()
    if not limit:
        return
    entries = []
    total = 0
    with os.scandir(cdir) as it:
        for e in it:
            if e.name.endswith(".json"):
                try:
                    st = e.stat()
                except OSError:
                    continue
                entries.append((st.st_mtime_ns, st.st_size, e.name))
                total += st.st_size
    if total <= limit:
        return
    for _, size, name in sorted(entries):
        if total <= limit * 3 // 4:
            break
        if name == keep:
            continue
        try:
            os.unlink(cdir / name)
            total -= size
        except OSError:
            pass


def _remarks(diagnostics: Any) -> list[str]:
    """The compiler's remarks as `file:line: message` lines (e.g. why a kernel stayed scalar)."""
    return [
        (f"{d.file}:{d.line}: " if d.file else "") + d.message
        for d in diagnostics
        if d.severity == "remark"
    ]


def _compile_error(out: Any) -> EnigmaError:
    """An EnigmaError listing the compiler's diagnostics with the user's source lines."""
    parts = []
    for d in out.diagnostics:
        if d.severity not in ("error", "note", "warning"):
            continue
        where = f"{d.file}:{d.line}:{d.col}: " if d.file else ""
        text = f"{where}{d.severity}: {d.message}"
        src = format_source(d.file, d.line, d.col) if d.file else ""
        parts.append(text + ("\n" + src if src else ""))
    if not parts:
        parts.append("error: compilation failed without a diagnostic")
    err = EnigmaError("Enigma compilation failed:\n" + "\n".join(parts))
    err.diagnostics = out.diagnostics  # type: ignore[attr-defined]
    return err


