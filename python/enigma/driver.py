"""``@enigma.kernel``, ``@enigma.jit``, ``enigma.compile`` and :class:`CompiledKernel`.

``compile`` traces the kernel (``_tracer``), hands the trace to the C API (``compiler``), which
imports it, runs the registered ``enigma-pipeline`` and translates to MSL, and wraps the result.
On macOS it also builds a ``.metallib`` (``metal``). Results are cached in memory and on disk
(``ENIGMA_CACHE_DIR``) by the hash of (trace, options, compiler build).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import marshal
import os
import re
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import _capi
from . import dtypes as _dt
from ._tracer import (
    Tracer,
    Value,
    format_source,
    frame_loc,
    located,
    tracing,
)
from .memory import MemRef
from .dtypes import DType, Scalar
from .errors import EnigmaError
from .runtime import as_dims
from .tensor import Tensor, TensorValue

__all__ = [
    "CompiledKernel",
    "Constexpr",
    "JitFunction",
    "Kernel",
    "KernelDef",
    "ParamInfo",
    "clear_cache",
    "compile",
    "format_trace",
    "jit",
    "kernel",
    "trace",
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


# ---------------------------------------------------------------------------------------------
# Tracing
# ---------------------------------------------------------------------------------------------


@dataclass
class ParamInfo:
    """A runtime parameter of a compiled kernel."""

    name: str
    buffer_index: int
    dtype: DType
    kind: str  # "buffer" or "scalar"
    access: str | None = None
    layout: str | None = None
    min_size: int = 0  # elements a buffer needs (the layout's cosize), 0 if unknown


def _kernel_params(k: Kernel, args: Sequence[Any]) -> list[tuple[str, str, Any]]:
    """(name, kind, spec) per kernel parameter: kind is buffer, scalar, tensor or constexpr."""
    if not args and k._static_specs is not None:
        return k._static_specs
    anns = k.annotations()
    params = list(k._sig.parameters.values())
    if args and len(args) != len(params):
        raise EnigmaError(f"kernel '{k.name}' takes {len(params)} argument(s), got {len(args)}")
    out = []
    for i, p in enumerate(params):
        ann = anns.get(p.name, inspect.Parameter.empty)
        arg = args[i] if args else inspect.Parameter.empty
        if isinstance(arg, Tensor):
            out.append((p.name, "tensor", arg))
        elif isinstance(ann, Scalar):
            out.append((p.name, "scalar", ann.dtype))
        elif isinstance(ann, DType):
            out.append((p.name, "buffer", ann))
        elif ann is Tensor:
            raise EnigmaError(
                f"kernel '{k.name}': parameter '{p.name}' is a Tensor; pass an "
                "enigma.Tensor for it (in @enigma.jit or enigma.compile)"
            )
        elif ann is Constexpr or (
            arg is not inspect.Parameter.empty and ann is inspect.Parameter.empty
        ):
            if arg is inspect.Parameter.empty:
                raise EnigmaError(
                    f"kernel '{k.name}': compile-time parameter '{p.name}' needs a "
                    "value (pass it to enigma.compile or the launch)"
                )
            out.append((p.name, "constexpr", arg))
        elif ann in (float, int, bool):
            out.append((p.name, "buffer", {float: _dt.f32, int: _dt.i32, bool: _dt.b1}[ann]))
        elif ann is inspect.Parameter.empty:
            raise EnigmaError(
                f"kernel '{k.name}': parameter '{p.name}' needs an annotation: a dtype for a "
                "device buffer (A: enigma.f32), enigma.Scalar(dtype) for a scalar, or "
                "enigma.Tensor / enigma.Constexpr"
            )
        else:
            raise EnigmaError(
                f"kernel '{k.name}': unsupported annotation {ann!r} of parameter '{p.name}'"
            )
    if not args:
        k._static_specs = out
    return out


def trace(k: Kernel, args: Sequence[Any] = ()) -> tuple[dict, list[ParamInfo]]:
    """Traces kernel `k` (with compile-time `args`, e.g. Tensors) into a trace dict."""
    specs = _kernel_params(k, args)
    t = Tracer(k.name, k.def_loc)
    infos: list[ParamInfo] = []
    used = {spec.buffer_index for _, kind, spec in specs if kind == "tensor"}
    next_index = 0
    call_args: list[Any] = []
    with tracing(t):
        for name, kind, spec in specs:
            if kind == "constexpr":
                call_args.append(spec)
                continue
            if kind == "tensor":
                tensor: Tensor = spec
                index = tensor.buffer_index
                dt = tensor.dtype
                pname = tensor.name
            else:
                while next_index in used:
                    next_index += 1
                index = next_index
                used.add(index)
                dt = spec
                pname = name
            pid = t.new_id()
            pd: dict[str, Any] = {
                "id": pid,
                "name": pname,
                "index": index,
                "kind": "scalar" if kind == "scalar" else "buffer",
                "dtype": dt.name,
                "loc": t.loc_dict(k.def_loc),
            }
            info = ParamInfo(pname, index, dt, pd["kind"])
            if kind == "scalar":
                call_args.append(Value(pid, dt))
            else:
                mt = f"memref<?x{dt.mlir}, #enigma.address_space<device>>"
                mem = MemRef(pid, dt, mt, (None,), pname, pd)
                t.buffers.append(mem)
                if kind == "tensor":
                    pd["layout"] = str(tensor.layout)
                    info.layout = pd["layout"]
                    info.min_size = tensor.cosize()
                    call_args.append(TensorValue.from_tensor(mem, tensor, k.def_loc))
                else:
                    pd["access"] = "read"
                    call_args.append(mem)
            t.params.append(pd)
            infos.append(info)
        k.fn(*call_args)
        result = t.finish()
    for info, pd in zip(infos, result["params"]):
        info.access = pd.get("access")
    return result, infos


# ---------------------------------------------------------------------------------------------
# Pretty-printing a trace (dump_ir)
# ---------------------------------------------------------------------------------------------


def format_trace(tr: dict) -> str:
    """The trace as readable text: one op per line, regions indented, Python locations."""
    lines = [f"trace v{tr.get('version')} kernel {tr.get('kernel')}"]
    names: dict[int, str] = {}

    def vname(i: int) -> str:
        return f"%{names[i]}" if i in names else f"%{i}"

    for p in tr.get("params", []):
        names[p["id"]] = f"{p['name']}"
        extra = f" access={p['access']}" if p.get("access") else ""
        extra += f" layout={p['layout']}" if p.get("layout") else ""
        lines.append(
            f"  param [[buffer({p['index']})]] %{p['name']}: {p['kind']} {p['dtype']}{extra}"
        )

    def emit_ops(ops: list[dict], depth: int) -> None:
        pad = "  " * depth
        for op in ops:
            res = op.get("results", [])
            for r in res:
                names[r["id"]] = f"{r['name']}.{r['id']}" if r.get("name") else str(r["id"])
            lhs = ", ".join(f"{vname(r['id'])}: {r['type']}" for r in res)
            operands = ", ".join(vname(i) for i in op.get("operands", []))
            attrs = op.get("attrs")
            attr_text = (
                (" {" + ", ".join(f"{k} = {v}" for k, v in attrs.items()) + "}") if attrs else ""
            )
            loc = op.get("loc", {})
            where = f"  # {os.path.basename(loc.get('file', '?'))}:{loc.get('line', 0)}"
            lines.append(
                f"{pad}{lhs + ' = ' if lhs else ''}{op['op']}({operands}){attr_text}{where}"
            )
            for ri, region in enumerate(op.get("regions", [])):
                args = region.get("args", [])
                for a in args:
                    names[a["id"]] = f"{a['name']}.{a['id']}" if a.get("name") else str(a["id"])
                arg_text = ", ".join(f"{vname(a['id'])}: {a['type']}" for a in args)
                lines.append(
                    f"{pad}  region #{ri}"
                    + (f" ({arg_text})" if args else "")
                    + (":" if region.get("ops") is not None else ": <empty>")
                )
                emit_ops(region.get("ops", []), depth + 2)

    emit_ops(tr.get("ops", []), 1)
    return "\n".join(lines)


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
        try:
            lib = _capi.lib()
            lib.enigmaGetVersion.restype = __import__("ctypes").c_char_p
            version = lib.enigmaGetVersion().decode()
        except Exception:
            version = "unknown"
        _fingerprint = f"{version}:{path}:{stamp}"
    return _fingerprint


def _cache_dir() -> Path | None:
    d = os.environ.get("ENIGMA_CACHE_DIR")
    if d == "":
        return None
    if d is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = os.path.join(base, "enigma")
    return Path(d) / "compile"


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
    out.metadata["remarks"] = [
        (f"{d.file}:{d.line}: " if d.file else "") + d.message
        for d in out.diagnostics
        if d.severity == "remark"
    ]
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


# ---------------------------------------------------------------------------------------------
# enigma.compile and CompiledKernel
# ---------------------------------------------------------------------------------------------


class CompiledKernel:
    """A compiled kernel: MSL (and on macOS a metallib) plus what is needed to launch it."""

    def __init__(
        self,
        kernel_name: str,
        metal_source: str,
        mlir_source: str,
        params: list[ParamInfo],
        vec_width: int,
        coarsen: int,
        grid: tuple[int, int, int] | None,
        block: tuple[int, int, int] | None,
        trace_dict: dict,
        metadata: dict,
        metallib_path: str | None,
        metallib_bytes: bytes | None,
        cache_status: str,
        work_dir: str | None = None,
        metal_path: str | None = None,
    ) -> None:
        self.kernel_name = kernel_name
        self.metal_source = metal_source
        self.mlir_source = mlir_source
        self.params = params
        self.vec_width = vec_width
        self.coarsen = coarsen
        self.grid = grid
        self.block = block
        self.trace = trace_dict
        self.metadata = metadata
        self.metallib_path = metallib_path
        self.metallib_bytes = metallib_bytes
        self.cache_status = cache_status
        # Where the artifacts went (the kept temporary directory when no work_dir was given) and
        # the kept .metal file; None when nothing was written.
        self.work_dir = work_dir
        self.metal_path = metal_path
        # Parameters the pipeline added, which the launcher fills in itself (vectorization's
        # `enigma_grid_x`): (slot, MSL name), and what each one carries ("threads_per_grid.x").
        kinfo = (metadata.get("kernels") or [{}])[0]
        implicit = [p for p in kinfo.get("params", []) if p.get("implicit")]
        self.implicit_params: list[tuple[int, str]] = [
            (int(p["buffer_index"]), str(p["name"])) for p in implicit
        ]
        self.implicit_kinds: dict[int, str] = {
            int(p["buffer_index"]): str(p["implicit"]) for p in implicit
        }
        self._cpu_kernel: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"<CompiledKernel {self.kernel_name} params="
            f"{[p.name for p in self.params]} grid={self.grid} block={self.block}>"
        )

    @property
    def kernel_source(self) -> str:
        """The generated MSL (the reference's alias of :attr:`metal_source`)."""
        return self.metal_source

    @property
    def has_metallib(self) -> bool:
        """Whether a ``.metallib`` was built (macOS without emit-only mode)."""
        return self.metallib_path is not None

    def export_metal(self, path: str | os.PathLike | None = None) -> str:
        """Writes the MSL source to `path` (default ``"{kernel_name}.metal"`` in the current
        directory), creating missing parent directories; returns the resolved absolute path."""
        p = Path(f"{self.kernel_name}.metal" if path is None else path).expanduser()
        if p.exists() and p.is_dir():
            raise EnigmaError(f"export_metal: {str(p)!r} is a directory; give a file path")
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(self.metal_source)
        except OSError as e:
            raise EnigmaError(f"export_metal: cannot write {str(p)!r}: {e.strerror or e}") from e
        return str(p.resolve())

    def __call__(
        self,
        *args: Any,
        grid: int | Sequence[int] | None = None,
        block: int | Sequence[int] | None = None,
        device: str | None = None,
        function_constants: dict | None = None,
    ) -> None:
        """Launches the kernel. Buffers are numpy arrays (written in place), scalars Python or
        numpy numbers, in parameter order. `grid` (total threads) and `block` default to the
        ones the @jit function launched with. `device` is "cpu" (the CPU runtime, any OS) or
        "metal" (macOS); by default Metal when a metallib was built, else the CPU.
        `function_constants` gives the values of the kernel's ``enigma.function_constant``s,
        keyed by index or name (``{0: 2.5, 1: True}``)."""
        from . import launch as _launch

        _launch.launch(self, args, grid, block, device, function_constants)


def compile(
    fn: Kernel | JitFunction | Callable[..., Any],
    *jit_args: Any,
    vec_width: int = 0,
    dump_ir: bool = False,
    dump_mlir: bool = False,
    keep_metal_source: bool = False,
    work_dir: str | os.PathLike | None = None,
    emit_only: bool | None = None,
) -> CompiledKernel:
    """Compiles a kernel (or runs a jit function and compiles the kernel it launches).

    - `vec_width`: the pipeline's vectorization width (0: none; 2 or 4). A kernel the
      vectorizer cannot transform safely stays scalar with a RuntimeWarning saying why
      (also in ``metadata["remarks"]``);
    - `dump_ir` prints the trace (and, after compiling, the MSL), `dump_mlir` the MLIR after
      the pipeline;
    - `keep_metal_source` writes ``<kernel_name>.metal`` into `work_dir` (its path is
      ``CompiledKernel.metal_path``, the directory ``CompiledKernel.work_dir``);
    - `work_dir`: where artifacts go (default: a temporary directory, removed when nothing is
      kept in it);
    - `emit_only`: stop after MSL (default: True except on macOS, where xcrun builds a
      metallib; ``ENIGMA_EMIT_ONLY=1`` in the environment makes the default True everywhere).
    """
    if not isinstance(fn, (Kernel, JitFunction)):
        if callable(fn):
            fn = Kernel(fn)
        else:
            raise EnigmaError(
                f"enigma.compile needs an @enigma.kernel or @enigma.jit function, got {fn!r}"
            )
    if not isinstance(vec_width, int) or vec_width < 0:
        raise EnigmaError(f"vec_width must be a non-negative int, got {vec_width!r}")
    grid = block = None
    if isinstance(fn, JitFunction):
        launch, grid, block = fn.run(*jit_args)
        k = launch.kernel
        args = launch.args
    else:
        k = fn
        args = list(jit_args)
    trace_dict, infos = trace(k, args)
    if dump_ir:
        print(format_trace(trace_dict))
    dump_root = os.environ.get("ENIGMA_DUMP_DIR")
    dump_dir = os.path.join(dump_root, f"enigma_kernel_{k.name}") if dump_root else None
    mlir, msl, metadata, status = _compile_cached(trace_dict, vec_width, dump_dir)
    if dump_mlir:
        print(mlir)
    if dump_ir:  # the reference's dump_ir shows the generated Metal source too
        print(msl)
    kinfo = (metadata.get("kernels") or [{}])[0]
    kernel_name = kinfo.get("entry") or f"enigma_kernel_{k.name}"
    coarsen = int(kinfo.get("coarsen") or 1)
    if vec_width and coarsen == 1:
        why = "; ".join(metadata.get("remarks") or []) or "no reason was given"
        warnings.warn(
            f"enigma.compile({k.name}, vec_width={vec_width}): the kernel was left scalar: {why}",
            RuntimeWarning,
            stacklevel=2,
        )

    if emit_only is None:
        # ENIGMA_EMIT_ONLY=1 turns emit-only mode on for every call site (CI without Xcode).
        env = os.environ.get("ENIGMA_EMIT_ONLY", "").strip().lower()
        emit_only = sys.platform != "darwin" or env not in ("", "0", "false", "no", "off")
    metallib_path = metallib_bytes = None
    out_dir = metal_path = None
    if keep_metal_source or not emit_only:
        # A default work_dir is a temporary directory, removed again if nothing is kept in it
        # (and not created at all when nothing would be written).
        own_dir = work_dir is None
        wdir = Path(tempfile.mkdtemp(prefix="enigma-")) if own_dir else Path(work_dir)  # type: ignore[arg-type]
        wdir.mkdir(parents=True, exist_ok=True)
        kept = False
        try:
            if keep_metal_source:
                metal_file = wdir / f"{kernel_name}.metal"
                metal_file.write_text(msl)
                metal_path = str(metal_file)
                kept = True
            if not emit_only:
                from . import metal

                lib_path = metal.build_metallib(msl, kernel_name, wdir)
                metallib_path = str(lib_path.resolve())
                metallib_bytes = lib_path.read_bytes()
                kept = True
        finally:
            if own_dir and not kept:
                shutil.rmtree(wdir, ignore_errors=True)
        if kept or not own_dir:
            out_dir = str(wdir)
    elif work_dir is not None:
        Path(work_dir).mkdir(parents=True, exist_ok=True)
        out_dir = str(Path(work_dir))
    return CompiledKernel(
        kernel_name,
        msl,
        mlir,
        infos,
        vec_width,
        coarsen,
        grid,
        block,
        trace_dict,
        metadata,
        metallib_path,
        metallib_bytes,
        status,
        work_dir=out_dir,
        metal_path=metal_path,
    )


def _preload_native_library() -> None:
    """Loads libEnigmaCAPI.so (libMLIR included) at import: loading it is most of a first
    compile's cost, and every part of Enigma (layouts, compiler, CPU runtime) needs it."""
    try:
        _capi.lib()
    except EnigmaError:
        pass  # reported, with what to do, by the first call that needs the library


_preload_native_library()
