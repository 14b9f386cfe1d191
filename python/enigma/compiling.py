"""``enigma.compile`` and :class:`CompiledKernel`.

``compile`` traces the kernel (``kernel_trace``), hands the trace to the C API (``compiler``,
through ``compile_cache``), which imports it, runs the registered ``enigma-pipeline`` and
translates to MSL, and wraps the result. On macOS it also builds a ``.metallib`` (``metal``)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import _capi
from . import dtypes as _dt
from .compile_cache import _compile_cached
from .errors import EnigmaError
from .kernel_trace import ParamInfo, format_trace, params_from_metadata, trace
from .kernels import JitFunction, Kernel

__all__ = [
    "CompiledKernel",
    "compile",
]


# ---------------------------------------------------------------------------------------------
# enigma.compile and CompiledKernel
# ---------------------------------------------------------------------------------------------


class CompiledKernel:
    """A compiled kernel: MSL (and on macOS a metallib) plus what is needed to launch it."""

    def __init__(
        self,
        kernel_name: str,
        metal_source: str | None = None,
        mlir_source: str | None = None,
        params: list[ParamInfo] | None = None,
        vec_width: int = 0,
        coarsen: int = 1,
        grid: tuple[int, int, int] | None = None,
        block: tuple[int, int, int] | None = None,
        trace_dict: dict | None = None,
        metadata: dict | None = None,
        metallib_path: str | None = None,
        metallib_bytes: bytes | None = None,
        cache_status: str = "external",
        work_dir: str | None = None,
        metal_path: str | None = None,
    ) -> None:
        """``enigma.compile`` builds these. A kernel written by hand in Metal can be wrapped
        too, as the reference's programs do: ``CompiledKernel(kernel_name=..., metal_source=...,
        metallib_path=..., metallib_bytes=...)``; its parameters are then read from the MSL
        signature (by the CPU runtime's parser) when it is first launched."""
        if not isinstance(kernel_name, str) or not kernel_name:
            raise EnigmaError(f"CompiledKernel: kernel_name must be a name, got {kernel_name!r}")
        if metal_source is None and metallib_path is None:
            raise EnigmaError(
                f"CompiledKernel {kernel_name}: give metal_source (and, for Metal, a metallib)"
            )
        self.kernel_name = kernel_name
        self.metal_source = metal_source
        self.mlir_source = mlir_source
        self._params = params
        self.vec_width = vec_width
        self.coarsen = coarsen
        self.grid = grid
        self.block = block
        self.trace = trace_dict
        self.metadata = metadata if metadata is not None else {}
        self.metallib_path = metallib_path
        self.metallib_bytes = metallib_bytes
        self.cache_status = cache_status
        # Where the artifacts went (the kept temporary directory when no work_dir was given) and
        # the kept .metal file; None when nothing was written.
        self.work_dir = work_dir
        self.metal_path = metal_path
        # Parameters the pipeline added, which the launcher fills in itself (vectorization's
        # `enigma_grid_x`): (slot, MSL name), and what each one carries ("threads_per_grid.x").
        kinfo = (self.metadata.get("kernels") or [{}])[0]
        implicit = [p for p in kinfo.get("params", []) if p.get("implicit")]
        self.implicit_params: list[tuple[int, str]] = [
            (int(p["buffer_index"]), str(p["name"])) for p in implicit
        ]
        self.implicit_kinds: dict[int, str] = {
            int(p["buffer_index"]): str(p["implicit"]) for p in implicit
        }
        self._cpu_kernel: Any = None
        self._lock = threading.Lock()

    @property
    def params(self) -> list[ParamInfo]:
        """The kernel's parameters in signature order (for a hand-written kernel, parsed from
        its MSL on first use)."""
        if self._params is None:
            self._params = _params_from_msl(self)
        return self._params

    @params.setter
    def params(self, value: list[ParamInfo]) -> None:
        self._params = value

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
        race_check: bool = False,
        threadgroup_memory: dict | None = None,
    ) -> None:
        """Launches the kernel. Buffers are numpy arrays (written in place), scalars Python or
        numpy numbers, in parameter order. `grid` (total threads) and `block` default to the
        ones the @jit function launched with. `device` is "cpu" (the CPU runtime, any OS) or
        "metal" (macOS); by default Metal when a metallib was built, else the CPU.
        `function_constants` gives the values of the kernel's ``enigma.function_constant``s,
        keyed by index or name (``{0: 2.5, 1: True}``). `race_check=True` (CPU only; or
        ``ENIGMA_RACE_CHECK=1`` for every launch) runs the race-checked build: a data race
        raises an EnigmaError of kind ``data_race``, a read of threadgroup memory nothing
        wrote one of kind ``uninitialized_read``, naming both accesses' positions
        (docs/cpu-runtime.md#race-checking). `threadgroup_memory` gives the bytes of a
        hand-written kernel's ``threadgroup T* p [[threadgroup(i)]]`` parameters
        (``{i: bytes}``, Metal's setThreadgroupMemoryLength:atIndex:)."""
        from . import launch as _launch

        _launch.launch(
            self, args, grid, block, device, function_constants, race_check, threadgroup_memory
        )


def _params_from_msl(ck: CompiledKernel) -> list[ParamInfo]:
    """The parameters of a hand-written kernel, from its MSL signature (the CPU runtime's
    parser): buffers and constant scalars of the scalar types Enigma knows."""
    from . import launch as _launch

    if ck.metal_source is None:
        raise EnigmaError(
            f"{ck.kernel_name}: a CompiledKernel without metal_source has no known parameters"
        )
    cpu = _launch._cpu_kernel(ck)
    out = []
    for p in cpu.args:
        if p.kind == "builtin":
            continue
        base = p.type_name.replace("atomic_", "")
        if base[-1:] in "234" and _dt.from_msl(base[:-1]) and p.kind == "buffer":
            base = base[:-1]  # a buffer of float4 & co.: filled from arrays of its elements
        dt = _dt.from_msl(base)
        if dt is None:
            raise EnigmaError(
                f"{ck.kernel_name}: parameter '{p.name}' has type {p.type_name}, which the "
                "Python launchers cannot fill (use enigma.runtime.compile_msl for raw launches)"
            )
        access = None
        if p.kind == "buffer":
            access = "read" if p.read_only else "read_write"
        out.append(ParamInfo(p.name, int(p.buffer_index), dt, p.kind, access))
    return out


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
    # The compiler's metadata describes the compiled kernel; the tracer's view (the user's
    # names and order, layouts) is checked against it.
    params = params_from_metadata(kinfo, infos)
    return CompiledKernel(
        kernel_name,
        msl,
        mlir,
        params,
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

