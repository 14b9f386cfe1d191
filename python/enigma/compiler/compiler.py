"""``enigma.compiler.compiler``: the module path the reference's programs import
``CompiledKernel`` from (``from enigma.compiler.compiler import CompiledKernel``)."""

from __future__ import annotations

from ..compiling import CompiledKernel, compile

__all__ = ["CompiledKernel", "compile"]
