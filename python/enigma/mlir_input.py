"""MLIR from other front ends: :func:`compile_mlir` compiles MLIR text to MSL and returns one
runnable :class:`~enigma.CompiledKernel` per kernel.

The text is either a module of ``enigma.kernel`` operations (compiled with ``enigma-pipeline``)
or upstream IR: linalg on tensors or memrefs, ``scf.parallel``, ``gpu.launch`` or
``gpu.module``/``gpu.func`` kernels in host functions, compiled with
``gpu-lower-to-enigma-pipeline`` (docs/composing.md). Host code is not translated: the caller
launches each kernel with the grid its host code would use.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from .compile_cache import _compile_error, _remarks
from .compiling import CompiledKernel
from .errors import EnigmaError
from .kernel_trace import params_from_metadata

__all__ = ["CompiledModule", "compile_mlir"]

class CompiledModule:
    """The result of :func:`compile_mlir`: the MSL of every kernel, the IR after the pipeline,
    and one :class:`CompiledKernel` per kernel, by its MLIR symbol name (``module["name"]``), or
    ``"gpu_module::name"`` where kernels of several gpu.modules share a name."""

    def __init__(self, mlir: str, msl: str, metadata: dict, vec_width: int) -> None:
        self.mlir = mlir
        self.msl = msl
        self.metadata = metadata
        self.vec_width = vec_width
        self.kernels: dict[str, CompiledKernel] = {}
        infos = metadata.get("kernels", [])
        # A kernel is found by its MLIR name; where gpu.modules hold kernels of the same name
        # (upstream outlining names each after its function), by `module::name`.
        short = [str(k["name"]) for k in infos]
        for kinfo in infos:
            meta = {"pipeline": metadata.get("pipeline", ""), "kernels": [kinfo],
                    "remarks": metadata.get("remarks", [])}
            name = str(kinfo["name"])
            if short.count(name) > 1:
                name = f"{kinfo.get('module', '')}::{name}"
            self.kernels[name] = CompiledKernel(
                str(kinfo["entry"]),
                metal_source=msl,
                mlir_source=mlir,
                params=params_from_metadata(kinfo),
                vec_width=vec_width,
                coarsen=int(kinfo.get("coarsen") or 1),
                metadata=meta,
                cache_status="mlir",
            )

    @property
    def pipeline(self) -> str:
        """The pass pipeline that ran (``builtin.module(...)``)."""
        return str(self.metadata.get("pipeline", ""))

    @property
    def remarks(self) -> list[str]:
        """The compiler's remarks, e.g. why vectorization left a kernel scalar."""
        return list(self.metadata.get("remarks", []))

    def __getitem__(self, name: str) -> CompiledKernel:
        try:
            return self.kernels[name]
        except KeyError:
            raise EnigmaError(
                f"compile_mlir: no kernel named {name!r}; the module has "
                f"{sorted(self.kernels) or 'no kernels'}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.kernels)

    def __len__(self) -> int:
        return len(self.kernels)

    def __contains__(self, name: object) -> bool:
        return name in self.kernels

    def __repr__(self) -> str:
        return f"<CompiledModule kernels={list(self.kernels)} pipeline={self.pipeline!r}>"


def compile_mlir(
    source: str | os.PathLike,
    vec_width: int = 0,
    *,
    dump_dir: str | os.PathLike | None = None,
) -> CompiledModule:
    """Compiles MLIR: `source` is the text (``str``) or a file (``pathlib.Path`` or another
    path object; diagnostics then name it). `vec_width` 0, 2 or 4 vectorizes the kernels that
    can be (coarsened kernels are launched with the original thread count as `grid`; the
    launcher divides it). `dump_dir` receives the input and the IR after every pass. Errors
    raise :class:`EnigmaError` with the diagnostics located in the MLIR source."""
    from . import compiler

    if isinstance(source, os.PathLike):
        path = Path(source)
        try:
            text = path.read_text()
        except OSError as e:
            raise EnigmaError(f"compile_mlir: cannot read {str(path)!r}: {e.strerror or e}") from e
        name = str(path)
    elif isinstance(source, str):
        text, name = source, "<mlir>"
    else:
        raise EnigmaError(
            f"compile_mlir: source must be MLIR text (str) or a path, got {type(source).__name__}"
        )
    if not isinstance(vec_width, int) or isinstance(vec_width, bool) or vec_width not in (0, 2, 4):
        raise EnigmaError(f"compile_mlir: vec_width must be 0, 2 or 4, got {vec_width!r}")
    out = compiler.compile_mlir(
        text, vec_width=vec_width, dump_dir=str(dump_dir) if dump_dir else None, source_name=name
    )
    if not out.succeeded:
        raise _compile_error(out)
    out.metadata["remarks"] = _remarks(out.diagnostics)
    return CompiledModule(out.mlir, out.msl, out.metadata, vec_width)
