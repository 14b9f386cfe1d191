"""The ``enigma`` command line (``python -m enigma``).

    enigma compile FILE.py::KERNEL [--vec-width N] [--out DIR] [--dump-mlir] [--dump-ir]
    enigma run-msl FILE.metal KERNEL [--grid X[,Y,Z]] [--block X[,Y,Z]] [--elements N]
                   [--race-check]
    enigma info
    enigma cache clear

Installed with pip, this is the ``enigma`` command (pyproject.toml's [project.scripts]); from a
source tree it is ``python -m enigma``. The two are the same program.

Errors are one line on stderr (``enigma: error: ...``) with exit status 1 (2 for usage errors,
as argparse does); a traced kernel's errors keep their file:line and source lines.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import os
import shutil
import sys
from pathlib import Path
from typing import Any

__all__ = ["main"]


class CliError(Exception):
    """A user-facing error: printed as one line, exit status 1."""


def _dims(text: str) -> tuple[int, int, int]:
    try:
        parts = [int(p) for p in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected X[,Y[,Z]] of integers, got {text!r}") from None
    if not 1 <= len(parts) <= 3 or any(p < 1 for p in parts):
        raise argparse.ArgumentTypeError(f"expected 1 to 3 positive integers, got {text!r}")
    return tuple(parts + [1] * (3 - len(parts)))  # type: ignore[return-value]


def _load_kernel(spec: str) -> Any:
    """The kernel (or jit function) `spec` = FILE.py::NAME names."""
    import enigma

    path, sep, name = spec.partition("::")
    if not sep or not name:
        raise CliError(f"expected FILE.py::KERNEL, got {spec!r}")
    file = Path(path)
    if not file.is_file():
        raise CliError(f"{path}: no such file")
    module_name = f"_enigma_cli_{file.stem}"
    loader_spec = importlib.util.spec_from_file_location(module_name, file)
    if loader_spec is None or loader_spec.loader is None:
        raise CliError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(loader_spec)
    sys.path.insert(0, str(file.resolve().parent))
    try:
        loader_spec.loader.exec_module(module)
    except SystemExit as exc:
        raise CliError(f"{path} exited while being imported (status {exc.code})") from None
    finally:
        sys.path.pop(0)
    fn = getattr(module, name, None)
    if fn is None:
        kernels = [k for k, v in vars(module).items()
                   if isinstance(v, (enigma.KernelDef, enigma.JitFunction))]
        raise CliError(
            f"{path} has no {name!r}" + (f"; its kernels: {', '.join(kernels)}" if kernels else "")
        )
    if not isinstance(fn, (enigma.KernelDef, enigma.JitFunction)):
        raise CliError(f"{spec} is not an @enigma.kernel or @enigma.jit function")
    return fn


def _cmd_compile(args: argparse.Namespace) -> int:
    import enigma

    fn = _load_kernel(args.kernel)
    if isinstance(fn, enigma.JitFunction):
        raise CliError(
            f"{args.kernel} is an @enigma.jit function: it needs its Tensor arguments; compile "
            "it from Python with enigma.compile(fn, *tensors)"
        )
    out = Path(args.out).resolve()
    compiled = enigma.compile(
        fn, vec_width=args.vec_width, dump_ir=args.dump_ir, dump_mlir=args.dump_mlir,
        keep_metal_source=True, work_dir=str(out),
        emit_only=None if sys.platform == "darwin" else True,
    )
    print(compiled.metal_path)
    if compiled.metallib_path:
        print(compiled.metallib_path)
    return 0


def _index_bytes(text: str) -> tuple[int, int]:
    """`I=BYTES` of --threadgroup-memory."""
    try:
        index, nbytes = (int(x) for x in text.split("="))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected I=BYTES, got {text!r}") from None
    return index, nbytes


def _cmd_run_msl(args: argparse.Namespace) -> int:
    import numpy as np

    from . import runtime

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"{args.file}: no such file")
    kernel = runtime.compile_msl(path.read_text(), args.kernel)
    print(f"{args.kernel}: compiled for the CPU runtime "
          f"(bounds checks: {kernel.bounds_check})")
    for p in kernel.params:
        where = (
            f"[[{p.builtin}]]" if p.kind == "builtin"
            else f"[[threadgroup({p.threadgroup_index})]]" if p.kind == "threadgroup"
            else f"[[buffer({p.buffer_index})]]"
        )
        print(f"  {p.kind:8} {p.type_name:12} {p.name} {where}")
    if args.grid is None:
        if args.race_check:
            raise CliError("--race-check needs --grid (it checks a launch)")
        return 0
    values: list[Any] = []
    for p in kernel.args:
        n = p.element_size if p.kind == "scalar" else args.elements * p.element_size
        values.append(np.zeros(max(n, 1), np.uint8))
    raw = [(v.ctypes.data, v.nbytes) for v in values]
    block = args.block or (min(args.grid[0], 256), 1, 1)
    extra: dict[str, Any] = {}
    if args.race_check:
        if "race_check" not in inspect.signature(kernel.launch_raw).parameters:
            raise CliError("--race-check: this version of the CPU runtime has no race checking")
        extra["race_check"] = True
    # Threadgroup memory sized at launch: as given, else one element per thread of the block.
    tg_memory = dict(args.threadgroup_memory or [])
    threads = block[0] * block[1] * block[2]
    for p in kernel.threadgroup_params:
        if p.threadgroup_index not in tg_memory:
            tg_memory[p.threadgroup_index] = -(-threads * max(p.element_size, 1) // 16) * 16
            print(f"  {p.name}: {tg_memory[p.threadgroup_index]} bytes of threadgroup memory "
                  f"(--threadgroup-memory {p.threadgroup_index}=BYTES to change)")
    if tg_memory:
        extra["threadgroup_memory"] = tg_memory
    kernel.launch_raw(raw, grid=args.grid, block=block, **extra)
    print(f"ran {args.grid} threads in threadgroups of {block} on zero-filled buffers of "
          f"{args.elements} elements: no fault")
    return 0


def _dir_size(d: Path) -> int:
    total = 0
    for root, _, files in os.walk(d):
        for f in files:
            try:
                total += (Path(root) / f).stat().st_size
            except OSError:
                pass
    return total


def _cache_root() -> Path | None:
    from .compile_cache import cache_root

    return cache_root()


def _cmd_info(args: argparse.Namespace) -> int:
    import enigma

    from . import testing

    print(f"enigma {enigma.__version__}")
    print(f"python {sys.version.split()[0]} on {sys.platform}")
    print(f"native library: {_library_path()}")
    metal = testing.is_metal_available()
    cpu_problem = testing._cpu_runtime_unavailable_reason()
    cpu = cpu_problem is None
    print(f"backends: metal {'yes' if metal else 'no'}, "
          f"cpu {'yes' if cpu else 'no' + (f' ({cpu_problem})' if cpu_problem else '')}")
    print(f"MetalRuntime() uses: {'metal' if metal else 'cpu'}"
          + (f" (ENIGMA_BACKEND={os.environ['ENIGMA_BACKEND']})"
             if os.environ.get("ENIGMA_BACKEND") else ""))
    for name in ("xcrun", os.environ.get("ENIGMA_CXX") or "clang++-22", "clang++", "g++"):
        found = shutil.which(name)
        print(f"compiler {name}: {found or 'not found'}")
    plugin = _bounds_plugin()
    print(f"bounds-check plugin: {plugin or 'not found (the CPU runtime uses guard pages only)'}")
    print(f"address spaces: {_address_space_mode(plugin)}")
    for tool in ("enigma-opt", "enigma-translate"):
        print(f"tool {tool}: {shutil.which(tool) or 'not on PATH'}")
    root = _cache_root()
    if root is None:
        print("cache: disabled (ENIGMA_CACHE_DIR is empty)")
    else:
        size = _dir_size(root) if root.exists() else 0
        print(f"cache: {root} ({size / (1 << 20):.1f} MiB)")
    return 0


def _address_space_mode(plugin) -> str:
    """How the CPU runtime will compile Metal's address spaces (docs/cpu-runtime.md): the same
    choice as HostCompiler.c's, for the default compiler and no `-std=` flag."""
    setting = os.environ.get("ENIGMA_CPU_ADDRESS_SPACES", "")
    cxx = os.environ.get("ENIGMA_CXX") or next(
        (n for n in ("clang++-22", "clang++", "g++", "c++") if shutil.which(n)), None)
    path = shutil.which(cxx) if cxx else None
    clang = path is not None and "clang" in os.path.basename(os.path.realpath(path))
    if setting in ("0", "off", "no", "false", "erased"):
        return f"erased (ENIGMA_CPU_ADDRESS_SPACES={setting})"
    if setting not in ("", "default", "auto", "1", "on", "yes", "true", "real"):
        return f"invalid ENIGMA_CPU_ADDRESS_SPACES={setting!r} (expected 1, 0 or default)"
    if not (plugin and clang):
        return "erased (real address spaces need clang and the bounds-check plugin)"
    if setting:
        return f"real, no erased fallback (ENIGMA_CPU_ADDRESS_SPACES={setting})"
    return "real (default), erased fallback for C++-for-OpenCL limitations"


def _bounds_plugin() -> str | None:
    """The exact-bounds-check plugin the CPU runtime would load (beside libEnigmaCAPI.so, or
    $ENIGMA_CPU_BOUNDS_PLUGIN), or None."""
    from . import _capi

    env = os.environ.get("ENIGMA_CPU_BOUNDS_PLUGIN")
    if env:
        return env if Path(env).is_file() else None
    plugin = _capi.library_path().resolve().parent / "EnigmaBoundsCheck.so"
    return str(plugin) if plugin.is_file() else None


def _library_path() -> str:
    from . import _capi

    try:
        return str(_capi.lib()._name)
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f"not loadable ({exc})"


def _cmd_cache_clear(args: argparse.Namespace) -> int:
    from . import compile_cache

    compile_cache.clear_cache(memory=True, disk=True)
    root = _cache_root()
    if root is not None and root.exists():
        shutil.rmtree(root, ignore_errors=True)
        print(f"removed {root}")
    else:
        print("nothing to remove")
    return 0


def _version() -> str:
    from . import _capi

    return _capi.library_version()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="enigma",
        description="Enigma: compile Python kernels to Metal Shading Language and run Metal on "
        "the CPU runtime.",
    )
    p.add_argument("--version", action="version", version=f"enigma {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    c = sub.add_parser("compile", help="compile a kernel to MSL (and a metallib on macOS)",
                       description="Compiles FILE.py::KERNEL (an @enigma.kernel) and writes "
                       "<kernel_name>.metal (and .metallib on macOS) into --out; prints the "
                       "paths written.")
    c.add_argument("kernel", metavar="FILE.py::KERNEL")
    c.add_argument("--vec-width", type=int, default=0, choices=(0, 2, 4),
                   help="vectorization width (default 0: scalar)")
    c.add_argument("--out", default=".", metavar="DIR",
                   help="output directory (created if missing; default: the current one)")
    c.add_argument("--dump-mlir", action="store_true", help="print the MLIR after the pipeline")
    c.add_argument("--dump-ir", action="store_true", help="print the trace and the MSL")
    c.set_defaults(run=_cmd_compile)
    r = sub.add_parser("run-msl", help="check hand-written Metal on the CPU runtime",
                       description="Compiles kernel KERNEL of FILE.metal for the CPU runtime "
                       "and prints its parameters; with --grid, runs it once on zero-filled "
                       "buffers (bounds-checked), reporting any fault.")
    r.add_argument("file", metavar="FILE.metal")
    r.add_argument("kernel", metavar="KERNEL")
    r.add_argument("--grid", type=_dims, metavar="X[,Y,Z]", help="threads to launch")
    r.add_argument("--block", type=_dims, metavar="X[,Y,Z]",
                   help="threads per threadgroup (default: min(X, 256))")
    r.add_argument("--elements", type=int, default=1 << 16, metavar="N",
                   help="elements per buffer for --grid (default 65536)")
    r.add_argument("--threadgroup-memory", type=_index_bytes, action="append", metavar="I=BYTES",
                   help="with --grid: bytes of [[threadgroup(I)]] memory (repeatable; default "
                   "one element per thread of the block)")
    r.add_argument("--race-check", action="store_true",
                   help="with --grid: run the race-checked build of the kernel (a data race or "
                   "a read of threadgroup memory nothing wrote is an error)")
    r.set_defaults(run=_cmd_run_msl)
    i = sub.add_parser("info", help="version, backends, compilers, cache",
                       description="Prints Enigma's version, which backends work here, the "
                       "compilers found, and the cache location and size.")
    i.set_defaults(run=_cmd_info)
    k = sub.add_parser("cache", help="manage the caches",
                       description="Manages the compile and CPU-kernel caches.")
    ks = k.add_subparsers(dest="action", metavar="ACTION")
    ks.required = True
    kc = ks.add_parser("clear", help="remove every cached compile and CPU kernel",
                       description="Removes the cache directory ($ENIGMA_CACHE_DIR, else "
                       "~/.cache/enigma).")
    kc.set_defaults(run=_cmd_cache_clear)
    return p


def main(argv: list[str] | None = None) -> int:
    from .errors import EnigmaError

    args = _parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (CliError, EnigmaError, TypeError) as exc:  # the tracer's TypeErrors name a line
        text = str(exc)
        first, _, rest = text.partition("\n")
        print(f"enigma: error: {first}", file=sys.stderr)
        if rest:
            print(rest, file=sys.stderr)
        return 1
    except OSError as exc:  # e.g. an --out directory that cannot be created
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"enigma: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("enigma: interrupted", file=sys.stderr)
        return 130
