"""The module path some of the reference DSL's programs import from
(``from enigma._tracing import Tensor``). New code should use the ``enigma.*`` names."""

from __future__ import annotations

from typing import Any

from . import dtypes as _dt
from ._tracer import Value as IRValue
from ._tracer import current_or_none, trace_type_error
from .errors import EnigmaError
from .memory import MemRef
from .selection import where as select
from .tensor import Tensor as _Tensor

__all__ = ["IRValue", "Tensor", "select"]


def Tensor(  # noqa: N802 - the reference's name for it
    name: str, buffer_index: int, metal_dtype: Any, layout: Any = None, base_offset: Any = 0
) -> Any:
    """``enigma.Tensor`` with the layout optional: without one, inside a kernel, the kernel's
    buffer parameter at `buffer_index` indexed by raw element offsets (``T[i]``), as the
    reference's programs use it (showcase_attention's ``Tensor(Q.name, Q.buffer_index,
    Q.metal_dtype)``)."""
    if layout is not None:
        return _Tensor(name, buffer_index, metal_dtype, layout, base_offset)
    t = current_or_none()
    if t is None:
        raise EnigmaError(
            f"Tensor '{name}': a tensor without a layout only exists inside a kernel (it is the "
            "kernel's buffer at buffer_index); give a layout"
        )
    try:
        dt = _dt.dtype(metal_dtype)
    except TypeError as e:
        raise trace_type_error(f"Tensor '{name}': {e}") from None
    for buf in t.buffers:
        if isinstance(buf, MemRef) and buf.param is not None and buf.param.get("index") == (
            buffer_index
        ):
            if buf.dtype is not dt:
                raise trace_type_error(
                    f"Tensor '{name}' has dtype {dt.name} but the kernel's "
                    f"[[buffer({buffer_index})]] ('{buf.name}') holds {buf.dtype.name}"
                )
            if base_offset not in (0, None):
                raise trace_type_error(
                    f"Tensor '{name}': base_offset needs a layout (raw buffers index from 0)"
                )
            return buf
    raise trace_type_error(
        f"Tensor '{name}' views [[buffer({buffer_index})]], but the kernel has no buffer "
        "parameter at that index"
    )
