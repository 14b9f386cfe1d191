"""Arrays from frameworks: numpy arrays, and any object exporting DLPack (``__dlpack__``: torch
CPU tensors, numpy itself, JAX on the CPU) or the buffer protocol (mlx arrays, ``array.array``,
``bytearray``), viewed as numpy arrays without copying.

Kernels address buffers as flat, contiguous memory, so a non-contiguous array is an error
(asking for a contiguous copy) rather than a silent misread of strided memory.
"""

from __future__ import annotations

from typing import Any

from .errors import EnigmaError

__all__ = ["as_numpy", "framework_of", "from_numpy", "numpy_dtype"]


def as_numpy(value: Any, what: str, writable: bool = False) -> Any:
    """`value` as a C-contiguous numpy array sharing its memory.

    Raises EnigmaError naming `what` when `value` is not an array, is not contiguous, or (with
    `writable`) cannot be written through."""
    import numpy as np

    arr = None
    if isinstance(value, np.ndarray):
        arr = value
    elif hasattr(value, "__dlpack__"):
        try:
            arr = np.from_dlpack(value)
        except (BufferError, TypeError, ValueError, RuntimeError):
            arr = None  # e.g. a GPU tensor or a dtype numpy lacks: try the buffer protocol
    if arr is None:
        try:
            arr = np.asarray(memoryview(value))
        except TypeError:
            arr = None
    if arr is None and hasattr(value, "__array__"):
        arr = np.asarray(value)
    if arr is None:
        raise EnigmaError(
            f"{what}: expected an array (numpy, or an object with __dlpack__ or the buffer "
            f"protocol such as a torch CPU tensor or an mlx array), got {type(value).__name__}",
            kind="invalid_argument",
        )
    if not arr.flags.c_contiguous:
        raise EnigmaError(
            f"{what}: the array is not contiguous (strides {arr.strides} for shape "
            f"{arr.shape}); kernels read buffers as flat memory: pass a contiguous copy "
            "(numpy.ascontiguousarray, tensor.contiguous())",
            kind="invalid_argument",
        )
    if writable and not arr.flags.writeable:
        raise EnigmaError(
            f"{what}: the kernel writes this buffer but the array is read-only",
            kind="invalid_argument",
        )
    return arr


def framework_of(values: Any) -> str:
    """The framework of the first non-numpy array among `values`: "torch", "mlx", "jax" or
    "numpy"."""
    import numpy as np

    for v in values:
        if isinstance(v, np.ndarray) or isinstance(v, (int, float, bool)):
            continue
        root = type(v).__module__.split(".", 1)[0]
        if root in ("torch", "mlx", "jax", "jaxlib"):
            return "jax" if root == "jaxlib" else root
    return "numpy"


def numpy_dtype(dtype: Any, what: str) -> Any:
    """A numpy dtype for `dtype`: numpy dtypes and their names, Enigma dtypes, Metal spellings,
    and framework dtypes (``torch.float32``, ``mx.float32``, ``jnp.int32``) by name."""
    import numpy as np

    from . import dtypes as _dt

    if isinstance(dtype, _dt.DType) or (isinstance(dtype, type) and issubclass(dtype, _dt.DType)):
        return np.dtype(_dt.dtype(dtype).numpy)
    try:
        return np.dtype(dtype)
    except TypeError:
        pass
    name = str(dtype).rsplit(".", 1)[-1]  # "torch.float32", "mlx.core.float32"
    try:
        return np.dtype(_dt.dtype(name).numpy)
    except TypeError:
        pass
    try:
        return np.dtype(name)
    except TypeError:
        raise EnigmaError(
            f"{what}: {dtype!r} is not a dtype Enigma knows", kind="invalid_argument"
        ) from None


def from_numpy(arr: Any, framework: str) -> Any:
    """`arr` as an array of `framework` (a copy where the framework needs its own memory)."""
    if framework == "torch":
        import torch

        return torch.from_numpy(arr)
    if framework == "mlx":
        import mlx.core as mx

        return mx.array(arr)
    if framework == "jax":
        import jax.numpy as jnp

        return jnp.asarray(arr)
    return arr
