"""``enigma.arch``: CUDA-style spellings of Metal's thread and grid queries.

Each returns a 3-tuple whose first element is the x component (a u32 value) and whose y and z
are the Python int 0, as the reference documents; use the ``enigma.*`` queries with
``dim="y"``/``"z"`` for other dimensions.
"""

from __future__ import annotations

from ._tracer import Value
from .queries import (
    thread_position_in_threadgroup,
    threadgroup_position_in_grid,
    threadgroups_per_grid,
    threads_per_threadgroup,
)

__all__ = ["block_dim", "block_idx", "grid_dim", "thread_idx"]


def thread_idx() -> tuple[Value, int, int]:
    """``(thread_position_in_threadgroup.x, 0, 0)`` (CUDA's threadIdx)."""
    return (thread_position_in_threadgroup("x"), 0, 0)


def block_idx() -> tuple[Value, int, int]:
    """``(threadgroup_position_in_grid.x, 0, 0)`` (CUDA's blockIdx)."""
    return (threadgroup_position_in_grid("x"), 0, 0)


def block_dim() -> tuple[Value, int, int]:
    """``(threads_per_threadgroup.x, 0, 0)`` (CUDA's blockDim)."""
    return (threads_per_threadgroup("x"), 0, 0)


def grid_dim() -> tuple[Value, int, int]:
    """``(threadgroups_per_grid.x, 0, 0)`` (CUDA's gridDim; an Enigma addition)."""
    return (threadgroups_per_grid("x"), 0, 0)
