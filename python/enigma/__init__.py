"""Enigma: a Python kernel DSL for Apple GPUs built on an MLIR dialect.

See README.md and docs/ for the user guide.
"""

from __future__ import annotations

from .errors import EnigmaError, EnigmaRuntimeError, EnigmaTypeError

__all__ = [
    "EnigmaError",
    "EnigmaRuntimeError",
    "EnigmaTypeError",
    "MetalRuntime",
    "PreparedKernel",
    "arch",
    "benchmark",
    "testing",
]

# Each component registers its public names below (one import line per module).
from .layout import *  # noqa: F401,F403,E402
from .layout import __all__ as _layout_all  # noqa: E402

__all__ += _layout_all
from . import runtime  # noqa: F401,E402

# The DSL: dtypes, tracer built-ins, control flow, tensors, kernels and compile (issue 7).
# tensor's zipped_divide & co. accept Tensors and Layouts, so they are imported after layout's.
from .dtypes import *  # noqa: F401,F403,E402
from .dtypes import __all__ as _dtypes_all  # noqa: E402
from .queries import *  # noqa: F401,F403,E402
from .queries import __all__ as _queries_all  # noqa: E402
from .memory import *  # noqa: F401,F403,E402
from .memory import __all__ as _memory_all  # noqa: E402
from .selection import *  # noqa: F401,F403,E402
from .selection import __all__ as _selection_all  # noqa: E402
from .mathfn import *  # noqa: F401,F403,E402
from .mathfn import __all__ as _mathfn_all  # noqa: E402
from .simd import *  # noqa: F401,F403,E402
from .simd import __all__ as _simd_all  # noqa: E402
from . import arch  # noqa: F401,E402
from . import benchmark, testing  # noqa: F401,E402
from .metal_runtime import MetalRuntime, PreparedKernel  # noqa: F401,E402
from .vectors import *  # noqa: F401,F403,E402
from .vectors import __all__ as _vectors_all  # noqa: E402
from .matrix import *  # noqa: F401,F403,E402
from .matrix import __all__ as _matrix_all  # noqa: E402
from .control import *  # noqa: F401,F403,E402
from .control import __all__ as _control_all  # noqa: E402
from .tensor import *  # noqa: F401,F403,E402
from .tensor import __all__ as _tensor_all  # noqa: E402
from .kernels import *  # noqa: F401,F403,E402
from .kernels import __all__ as _kernels_all  # noqa: E402
from .kernel_trace import *  # noqa: F401,F403,E402
from .kernel_trace import __all__ as _kernel_trace_all  # noqa: E402
from .compile_cache import *  # noqa: F401,F403,E402
from .compile_cache import __all__ as _compile_cache_all  # noqa: E402
from .compiling import *  # noqa: F401,F403,E402
from .compiling import __all__ as _compiling_all  # noqa: E402
from .mlir_input import CompiledModule, compile_mlir  # noqa: F401,E402

__all__ += [n for n in _dtypes_all + _queries_all + _memory_all + _selection_all + _mathfn_all
            + _simd_all + _vectors_all + _matrix_all + _control_all + _tensor_all + _kernels_all
            + _kernel_trace_all + _compile_cache_all + _compiling_all + ["CompiledModule", "compile_mlir"]
            if n not in __all__]

# The reference's names for the objects kernels handle: a traced value, a kernel definition,
# a buffer or threadgroup array inside a kernel.
from ._tracer import Value as IRValue  # noqa: E402
from .memory import MemRef as TracingTensor  # noqa: E402

__all__ += ["IRValue", "TracingTensor"]

from .function_constants import function_constant  # noqa: E402

__all__ += ["function_constant"]

# SIMD-group async copies (§34).
from .async_copy import *  # noqa: F401,F403,E402
from .async_copy import __all__ as _async_copy_all  # noqa: E402

__all__ += _async_copy_all

# Tuple utilities (§32): the enigma.tuple module; product, repeat_like, select at the top level.
# (Importing the submodule binds the name `tuple` in this module: use builtins.tuple here.)
from .tuple import product, repeat_like, select  # noqa: F401,E402

__all__ += ["product", "repeat_like", "select"]

# Masked load/store, register tensors and tile helpers (§36-§37); quantization helpers (§38).
from .tiles import *  # noqa: F401,F403,E402
from .tiles import __all__ as _tiles_all  # noqa: E402
from .quant import *  # noqa: F401,F403,E402
from .quant import __all__ as _quant_all  # noqa: E402

__all__ += _tiles_all + _quant_all

# `for i in enigma.range(n):` in a kernel, a counted loop rewritten from the kernel's source
# (the reference's undocumented dynamic loop, compat §35). Not in __all__: `from enigma import *`
# must not shadow the builtin range (nor may this module use `range` below this line).
from .range_loops import range  # noqa: E402,A004,F401


from ._capi import library_version as _library_version  # noqa: E402

# The one version: the C library's (include/enigma-c/Version.h).
__version__ = _library_version()
