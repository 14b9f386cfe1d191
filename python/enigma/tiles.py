"""Masked memory access and tile helpers (§36 and §37 of the reference).

- ``load_if`` / ``store_if``: predicated loads (one ``arith.select``, straight-line) and stores
  (an ``scf.if`` around the store);
- ``register_tensor`` / :class:`RegisterTensor`: a small per-thread array kept as one traced
  value per element, indexed with Python ints (fully unrolled at trace time);
- ``gemm``: ``C += A @ B`` over tiles, on SIMD-group matrices (8x8x8) or scalar loops;
- ``copy``: a bulk copy loop, optionally unrolled for coalescing and masked per lane;
- ``pipeline`` / :class:`Pipeline`: a ring of threadgroup buffers rotated at trace time.

These are recipes written with the kernel language: they record the same ops a kernel would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import dtypes as _dt
from ._tracer import (
    Region,
    Value,
    _np_scalar_to_literal,
    as_value,
    binary,
    convert,
    current,
    to_index,
    trace_error,
    trace_type_error,
    user_frame,
)
from .control import for_range, if_
from .dtypes import DType
from .layout import Layout
from .memory import MemRef, threadgroup_alloc, threadgroup_barrier

__all__ = [
    "Pipeline",
    "RegisterTensor",
    "copy",
    "gemm",
    "load_if",
    "pipeline",
    "register_tensor",
    "store_if",
]


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _is_int(x: Any) -> bool:
    x = _np_scalar_to_literal(x)
    return isinstance(x, int) and not isinstance(x, bool)


def _emit_select(cond: Value, a: Value, b: Value) -> Value:
    """``cond ? a : b`` (both of one dtype)."""
    d = current().emit("arith.select", (cond.id, a.id, b.id), (a.dtype.mlir,), frame=user_frame(2))
    return Value(d["results"][0]["id"], a.dtype)


def _mask_value(mask: Any, what: str) -> Value:
    m = _np_scalar_to_literal(mask)
    if isinstance(m, bool):
        return as_value(m, _dt.b1)
    if isinstance(m, Value) and m.dtype is _dt.b1:
        return m
    got = m.dtype.name if isinstance(m, Value) else f"a Python {type(m).__name__}"
    raise trace_type_error(
        f"enigma.{what}: the mask must be a bool (enigma.cmp_*, a comparison or a Python bool), "
        f"got {got}"
    )


def _value_of(x: Any, dt: DType) -> Value:
    """`x` converted to `dt`; literals convert like ``metal_cast`` (0.0 into an int is 0)."""
    from .selection import metal_cast

    x = _np_scalar_to_literal(x)
    if isinstance(x, Value):
        return convert(x, dt)
    return metal_cast(x, dt)


def _memory_kind(buf: Any, what: str, name: str = "buffer") -> str:
    from .tensor import TensorValue

    if isinstance(buf, RegisterTensor):
        return "register"
    if isinstance(buf, TensorValue):
        return "tensor"
    if isinstance(buf, MemRef):
        return "memref"
    raise trace_type_error(
        f"enigma.{what}: {name} must be a kernel buffer, a threadgroup array, a tensor or a "
        f"register tensor, got {type(buf).__name__}"
    )


def _dtype_of(buf: Any) -> DType:
    return buf.dtype


# ---------------------------------------------------------------------------------------------
# register_tensor
# ---------------------------------------------------------------------------------------------


def _region_visible(region: Region, here: Region) -> bool:
    r: Region | None = here
    while r is not None:
        if r is region:
            return True
        r = r.parent
    return False


class RegisterTensor:
    """A small statically shaped per-thread array (``enigma.register_tensor``).

    Each element is one traced value held by the tracer: ``reg[0, 1] = v`` rebinds the element,
    ``reg[0, 1]`` reads it. Indices are Python ints (constant tuples, or an int for one
    dimension), so every access is resolved while tracing: no loop, no memory, no threadgroup
    allocation reach the kernel. An element assigned inside a ``for_range`` / ``if_`` /
    ``while_`` body cannot be read after that body (the value only exists inside it): carry it
    through the loop (``init=[...]``) or select with ``enigma.where``.
    """

    __slots__ = ("_slots", "_strides", "dtype", "shape")

    def __init__(self, shape: Any, dtype: Any = "float", fill: Any = 0) -> None:
        dims = (shape,) if _is_int(shape) else shape
        if not isinstance(dims, (tuple, list)) or not dims or not all(
            _is_int(s) and int(s) >= 1 for s in dims
        ):
            raise trace_type_error(
                f"enigma.register_tensor: shape must be a positive int or a tuple of positive "
                f"ints, got {shape!r}"
            )
        self.shape: tuple[int, ...] = tuple(int(s) for s in dims)
        try:
            self.dtype: DType = _dt.dtype(dtype)
        except TypeError as e:
            raise trace_type_error(f"enigma.register_tensor: {e}") from None
        strides = []
        n = 1
        for s in reversed(self.shape):
            strides.append(n)
            n *= s
        self._strides = tuple(reversed(strides))
        t = current()
        v = _value_of(fill, self.dtype)
        self._slots: list[tuple[Value, Region]] = [(v, t.region)] * n

    def __repr__(self) -> str:
        dims = "x".join(str(s) for s in self.shape)
        return f"<enigma register tensor {dims} {self.dtype.name}>"

    def __bool__(self) -> bool:
        raise trace_type_error("a register tensor cannot be used as a Python bool")

    def __len__(self) -> int:
        return self.shape[0]

    def __iter__(self) -> Any:
        raise trace_type_error(
            "a register tensor is not iterable; index it with constants (reg[i, j]) in a "
            "Python loop"
        )

    @property
    def size(self) -> int:
        """Number of elements."""
        return len(self._slots)

    def _flat(self, key: Any) -> int:
        idx = key if isinstance(key, tuple) else (key,)
        if len(idx) != len(self.shape):
            raise trace_type_error(
                f"this register tensor has shape {self.shape} ({len(self.shape)} dimension(s)) "
                f"but was indexed with {len(idx)} index(es)"
            )
        off = 0
        for k, s, st in zip(idx, self.shape, self._strides):
            k = _np_scalar_to_literal(k)
            if isinstance(k, Value):
                raise trace_type_error(
                    "a register tensor is indexed with Python ints (its elements are "
                    "resolved while tracing), got a traced value; unroll the loop with "
                    "range()/enigma.range_constexpr(), or use enigma.threadgroup_alloc for "
                    "an array indexed at run time"
                )
            if not _is_int(k):
                raise trace_type_error(
                    f"a register tensor index must be a Python int, got {k!r}"
                )
            if not 0 <= k < s:
                raise trace_type_error(
                    f"register tensor index {key!r} is out of range for shape {self.shape}"
                )
            off += int(k) * st
        return off

    def _get(self, i: int, key: Any) -> Value:
        v, region = self._slots[i]
        if not _region_visible(region, current().region):
            raise trace_type_error(
                f"register tensor element {key!r} was last assigned inside a "
                "for_range/if_/while_ body that has ended, so its value does not exist "
                "here; carry it through the loop (init=[...]), yield it from the if_, or "
                "assign with enigma.where"
            )
        return v

    def __getitem__(self, key: Any) -> Value:
        return self._get(self._flat(key), key)

    def __setitem__(self, key: Any, value: Any) -> None:
        i = self._flat(key)
        self._slots[i] = (_value_of(value, self.dtype), current().region)


def register_tensor(shape: Any, dtype: Any = "float", fill: Any = 0) -> RegisterTensor:
    """A per-thread array of static `shape` held in registers, every element `fill`
    (see :class:`RegisterTensor`)."""
    return RegisterTensor(shape, dtype, fill)


# ---------------------------------------------------------------------------------------------
# load_if / store_if
# ---------------------------------------------------------------------------------------------


def _safe_index(mask: Value, index: Any) -> Any:
    """`index` where `mask` holds, element 0 elsewhere: the load stays in bounds."""
    parts = index if isinstance(index, tuple) else (index,)
    zero = to_index(0)
    safe = [_emit_select(mask, to_index(p), zero) for p in parts]
    return tuple(safe) if isinstance(index, tuple) else safe[0]


def load_if(buf: Any, index: Any, mask: Any, default: Any = 0) -> Value:
    """``mask ? buf[index] : default`` as one ``select`` (no branch). The load reads element
    `index` where `mask` holds and element 0 where it does not, so a masked-off tail index
    past the end of the buffer is never read. `default` is converted to the element type."""
    kind = _memory_kind(buf, "load_if")
    m = _mask_value(mask, "load_if")
    dt = _dtype_of(buf)
    dflt = _value_of(default, dt)
    if kind == "register":
        val = buf[index]
    elif kind == "tensor":
        off = buf.offset_of(index)
        val = buf.memref[_safe_index(m, off)]
    else:
        if isinstance(index, tuple) and len(index) != len(buf.shape):
            buf._indices(index)  # the buffer's own rank error
        val = buf[_safe_index(m, index)]
    return _emit_select(m, val, dflt)


def store_if(buf: Any, index: Any, value: Any, mask: Any) -> None:
    """``if mask: buf[index] = value``: the store inside an ``scf.if``, so masked-off threads
    write nothing. On a register tensor it is ``reg[index] = where(mask, value, reg[index])``."""
    kind = _memory_kind(buf, "store_if")
    m = _mask_value(mask, "store_if")
    if kind == "register":
        old = buf[index]
        buf[index] = _emit_select(m, _value_of(value, buf.dtype), old)
        return
    with if_(m):
        buf[index] = value


# ---------------------------------------------------------------------------------------------
# gemm
# ---------------------------------------------------------------------------------------------


def _static_elems(x: Any) -> int | None:
    """The number of elements of a memory operand when known while tracing."""
    from .tensor import TensorValue

    if isinstance(x, TensorValue):
        return None
    n = 1
    for s in x.shape:
        if s is None:
            return None
        n *= s
    return n


def _is_2d(x: Any) -> bool:
    from .tensor import TensorValue

    if isinstance(x, TensorValue):
        return isinstance(x.shape, tuple) and len(x.shape) == 2
    return len(x.shape) == 2


def _check_tile(x: Any, name: str, rows: int, cols: int) -> None:
    """A memory tile holding a `rows` x `cols` matrix: 2-D arrays must have that shape, flat
    ones at least that many elements (when known)."""
    from .tensor import TensorValue

    if _is_2d(x):
        shape = x.shape
        if isinstance(x, TensorValue):
            shape = tuple(s if isinstance(s, int) else None for s in shape)
        if shape[0] is not None and shape[1] is not None and tuple(shape) != (rows, cols):
            raise trace_type_error(
                f"enigma.gemm: {name} has shape {tuple(x.shape)} but the tile is {rows}x{cols}"
            )
        return
    n = _static_elems(x)
    if n is not None and n < rows * cols:
        raise trace_type_error(
            f"enigma.gemm: {name} holds {n} elements but a {rows}x{cols} tile needs {rows * cols}"
        )


def _tile_get(x: Any, r: Any, c: Any, cols: int) -> Value:
    """Element (r, c) of a row-major tile with `cols` columns (2-D arrays index directly)."""
    if _is_2d(x):
        return x[r, c]
    return x[r * cols + c]


def _tile_set(x: Any, r: Any, c: Any, cols: int, v: Value) -> None:
    if _is_2d(x):
        x[r, c] = v
    else:
        x[r * cols + c] = v


def _row_stride(x: Any, rows: int, cols: int) -> int | None:
    """Elements per row when `x` stores a `rows` x `cols` tile row-major from its start (the
    addressing ``simdgroup_matrix_load`` needs), else None."""
    from .tensor import TensorValue

    if isinstance(x, TensorValue):
        lay = x.layout
        if not isinstance(lay, Layout):
            return None  # a swizzled (composed) layout has no strides: not a row-major tile
        shape, stride = lay.shape, lay.stride
        if shape == (rows, cols) and stride == (cols, 1):
            return cols
        if shape == rows * cols and stride == 1:
            return cols
        return None
    if len(x.shape) == 2:
        return x.shape[1] if x.shape[0] == rows and x.shape[1] == cols else None
    return cols if len(x.shape) == 1 else None


def gemm(
    A: Any,
    B: Any,
    C: Any,
    *,
    M: int,
    N: int,
    K: int,
    transpose_A: bool = False,
    transpose_B: bool = False,
    accum_dtype: Any = "float",
    use_simdgroup: bool | None = None,
) -> None:
    """``C += A @ B`` on tiles: A is M x K (stored K x M with ``transpose_A``), B is K x N
    (stored N x K with ``transpose_B``), C is M x N, all row-major (flat buffers, threadgroup
    arrays, tensors; 2-D arrays and rank-2 tensors are indexed ``[r, c]``). C may also be a
    register tensor of shape (M, N).

    M == N == K == 8 with `use_simdgroup` None/True takes the SIMD-group matrix path (A, B and
    C in memory, one float/half/bfloat element type equal to `accum_dtype`): barrier, load A,
    B and C, barrier, multiply-accumulate and store C in SIMD-group 0 alone, barrier. Otherwise the scalar path:
    products accumulated in `accum_dtype` in an ``scf.for`` over K, under a doubly nested
    ``scf.for`` over (m, n) for a memory C, or with the M x N cells carried by one loop for a
    register tensor C. ``use_simdgroup=True`` where the SIMD-group path does not apply raises
    :class:`EnigmaError`."""
    for name, v in (("M", M), ("N", N), ("K", K)):
        if not _is_int(v) or int(v) < 1:
            raise trace_type_error(f"enigma.gemm: {name} must be a positive Python int, got {v!r}")
    M, N, K = int(M), int(N), int(K)
    if use_simdgroup not in (None, True, False):
        raise trace_type_error(
            f"enigma.gemm: use_simdgroup must be None, True or False, got {use_simdgroup!r}"
        )
    try:
        acc = _dt.dtype(accum_dtype)
    except TypeError as e:
        raise trace_type_error(f"enigma.gemm: accum_dtype: {e}") from None
    if acc.lanes or acc.is_bool:
        raise trace_type_error(
            f"enigma.gemm: accum_dtype must be a scalar number type, got {acc.name}"
        )
    for name, x in (("A", A), ("B", B)):
        if _memory_kind(x, "gemm", name) == "register":
            raise trace_type_error(
                f"enigma.gemm: {name} must be a tile in memory (a buffer, threadgroup array or "
                "tensor), got a register tensor"
            )
    c_kind = _memory_kind(C, "gemm", "C")
    a_rows, a_cols = (K, M) if transpose_A else (M, K)
    b_rows, b_cols = (N, K) if transpose_B else (K, N)
    _check_tile(A, "A", a_rows, a_cols)
    _check_tile(B, "B", b_rows, b_cols)
    if c_kind == "register":
        if C.shape != (M, N):
            raise trace_type_error(
                f"enigma.gemm: the register tensor C has shape {C.shape}, expected ({M}, {N})"
            )
    else:
        _check_tile(C, "C", M, N)

    why_not = _simdgroup_obstacle(A, B, C, c_kind, M, N, K, acc, a_rows, a_cols, b_rows, b_cols)
    if use_simdgroup is True and why_not:
        raise trace_error(f"enigma.gemm: use_simdgroup=True but {why_not}")
    if use_simdgroup is not False and not why_not:
        _gemm_simdgroup(A, B, C, acc, transpose_A, transpose_B)
        return

    def a_at(m: Any, k: Any) -> Value:
        v = _tile_get(A, k, m, M) if transpose_A else _tile_get(A, m, k, K)
        return convert(v, acc)

    def b_at(k: Any, n: Any) -> Value:
        v = _tile_get(B, n, k, K) if transpose_B else _tile_get(B, k, n, N)
        return convert(v, acc)

    if c_kind == "register":
        inits = [convert(C[m, n], acc) for m in range(M) for n in range(N)]
        with for_range(0, K, init=inits) as (k, cells):
            a_vals = [a_at(m, k) for m in range(M)]
            b_vals = [b_at(k, n) for n in range(N)]
            for m in range(M):
                for n in range(N):
                    cells[m * N + n] = cells[m * N + n] + a_vals[m] * b_vals[n]
        for m in range(M):
            for n in range(N):
                C[m, n] = cells[m * N + n]
        return

    with for_range(0, M) as m, for_range(0, N) as n:
        with for_range(0, K, init=[convert(_tile_get(C, m, n, N), acc)]) as (k, cell):
            cell[0] = cell[0] + a_at(m, k) * b_at(k, n)
        _tile_set(C, m, n, N, convert(cell[0], C.dtype))


def _simdgroup_obstacle(
    A: Any, B: Any, C: Any, c_kind: str, M: int, N: int, K: int, acc: DType,
    a_rows: int, a_cols: int, b_rows: int, b_cols: int,
) -> str:
    """Why the SIMD-group matrix path does not apply ('' when it does)."""
    if (M, N, K) != (8, 8, 8):
        return f"the tile is {M}x{N}x{K}; SIMD-group matrices need M == N == K == 8"
    if c_kind == "register":
        return "C is a register tensor; the SIMD-group path stores C to memory"
    if acc not in (_dt.f32, _dt.f16, _dt.bf16):
        return f"accum_dtype is {acc.name}; SIMD-group matrices hold float, half or bfloat"
    for name, x in (("A", A), ("B", B), ("C", C)):
        if x.dtype is not acc:
            return (
                f"{name} holds {x.dtype.name} but accum_dtype is {acc.name}; SIMD-group matrices "
                "multiply one element type"
            )
    for name, x, r, c in (("A", A, a_rows, a_cols), ("B", B, b_rows, b_cols), ("C", C, 8, 8)):
        if _row_stride(x, r, c) is None:
            return f"{name} is not a row-major {r}x{c} tile from its first element"
    return ""


def _gemm_simdgroup(A: Any, B: Any, C: Any, elem: DType, ta: bool, tb: bool) -> None:
    from .matrix import (
        simdgroup_matrix_load,
        simdgroup_matrix_store,
        simdgroup_multiply_accumulate,
    )

    from .queries import simdgroup_index_in_threadgroup

    # SIMD-group 0 alone multiplies and stores: every SIMD-group storing the same values into
    # C would be a write-write race (reported by the race check) and repeated work. The
    # condition is uniform within a SIMD-group, as simdgroup matrix functions require.
    threadgroup_barrier()  # the tiles written by other threads are visible
    a = simdgroup_matrix_load(A, 8, elem, transpose=ta)
    b = simdgroup_matrix_load(B, 8, elem, transpose=tb)
    c = simdgroup_matrix_load(C, 8, elem)
    threadgroup_barrier()  # every SIMD-group has read C before it is written
    with if_(simdgroup_index_in_threadgroup() == 0):
        simdgroup_matrix_store(simdgroup_multiply_accumulate(a, b, c), C, 8)
    threadgroup_barrier()  # C is visible to every thread


# ---------------------------------------------------------------------------------------------
# copy
# ---------------------------------------------------------------------------------------------


def _plus(i: Any, off: Any) -> Any:
    o = _np_scalar_to_literal(off)
    if _is_int(o) and o == 0:
        return i
    if isinstance(i, int) and _is_int(o):
        return i + int(o)
    return binary("add", i, o)


def copy(
    src: Any,
    dst: Any,
    count: Any,
    *,
    src_offset: Any = 0,
    dst_offset: Any = 0,
    mask_fn: Callable[[Any], Any] | None = None,
    coalesced_width: int = 1,
) -> None:
    """``dst[dst_offset + i] = src[src_offset + i]`` for ``i`` in ``[0, count)``, in one
    ``scf.for``. ``coalesced_width=k`` copies k consecutive elements per iteration (k loads,
    then k stores); `count` must then be a Python int divisible by k. ``mask_fn(i)`` returns
    the bool gating element i (``load_if`` / ``store_if``). With a register tensor on either
    side the copy is unrolled while tracing (Python-int `count` and offsets)."""
    sk = _memory_kind(src, "copy", "src")
    dk = _memory_kind(dst, "copy", "dst")
    if mask_fn is not None and not callable(mask_fn):
        raise trace_type_error(f"enigma.copy: mask_fn must be callable, got {mask_fn!r}")
    w = _np_scalar_to_literal(coalesced_width)
    if not _is_int(w) or w < 1:
        raise trace_type_error(
            f"enigma.copy: coalesced_width must be a positive int, got {coalesced_width!r}"
        )
    cnt = _np_scalar_to_literal(count)
    if isinstance(cnt, Value):
        if cnt.dtype.is_float or cnt.dtype.is_bool or cnt.dtype.lanes:
            raise trace_type_error(f"enigma.copy: count must be an integer, got {cnt.dtype.name}")
    elif not _is_int(cnt) or cnt < 0:
        raise trace_type_error(f"enigma.copy: count must be a non-negative int, got {count!r}")
    if w > 1:
        if not _is_int(cnt):
            raise trace_error(
                f"enigma.copy: coalesced_width={w} needs a Python int count (divisible by {w})"
            )
        if cnt % w:
            raise trace_error(
                f"enigma.copy: count={cnt} is not a multiple of coalesced_width={w}"
            )

    if "register" in (sk, dk):
        checks = [("count", cnt)]
        checks += [("src_offset", src_offset)] if sk == "register" else []
        checks += [("dst_offset", dst_offset)] if dk == "register" else []
        for name, v in checks:
            if not _is_int(v):
                raise trace_type_error(
                    f"enigma.copy: with a register tensor the copy is unrolled while tracing, "
                    f"so {name} (of the register tensor) must be a Python int, got {v!r}"
                )
        for base in range(0, int(cnt), w):
            idxs = list(range(base, base + w))
            _copy_group(src, dst, idxs, [as_value(i, _dt.i32) for i in idxs], src_offset,
                        dst_offset, mask_fn)
        return

    if w == 1:
        with for_range(0, cnt) as i:
            _copy_group(src, dst, [i], [i], src_offset, dst_offset, mask_fn)
        return
    with for_range(0, int(cnt) // w) as g:
        base = g * w
        idxs = [base if j == 0 else base + j for j in range(w)]
        _copy_group(src, dst, idxs, idxs, src_offset, dst_offset, mask_fn)


def _copy_group(
    src: Any, dst: Any, idxs: list[Any], mask_args: list[Any], src_offset: Any,
    dst_offset: Any, mask_fn: Any,
) -> None:
    """One iteration of a copy: the loads of every lane, then their stores."""
    masks = [_mask_value(mask_fn(i), "copy (mask_fn)") for i in mask_args] if mask_fn else None
    vals = []
    for j, i in enumerate(idxs):
        s = _plus(i, src_offset)
        vals.append(load_if(src, s, masks[j], 0) if masks else src[s])
    for j, i in enumerate(idxs):
        d = _plus(i, dst_offset)
        if masks:
            store_if(dst, d, vals[j], masks[j])
        else:
            dst[d] = vals[j]


# ---------------------------------------------------------------------------------------------
# pipeline
# ---------------------------------------------------------------------------------------------


class Pipeline:
    """A ring of `stages` threadgroup buffers of `size` elements for software pipelining.

    ``stage(k)`` is the buffer k positions after the front: ``front()`` is ``stage(0)`` (the
    buffer being consumed), ``back()`` is ``stage(stages - 1)`` (the buffer being filled for the
    farthest iteration). ``rotate()`` moves the ring one position forward: the old
    ``stage(1)`` becomes the front and the old front becomes the back (to be refilled);
    ``swap()`` is the two-stage form. Rotation is a trace-time renaming of which buffer each
    name refers to: it emits no code, so it takes effect for the ops traced after it (unroll
    the loop with ``range()`` / ``enigma.range_constexpr``; a ``for_range`` body is traced
    once).
    """

    def __init__(self, dtype: Any, size: Any, stages: int = 2) -> None:
        s = _np_scalar_to_literal(stages)
        if not _is_int(s):
            raise trace_type_error(f"enigma.pipeline: stages must be a Python int, got {stages!r}")
        if s < 2:
            raise trace_error(f"enigma.pipeline: stages must be at least 2, got {s}")
        self.stages = int(s)
        self.size = size
        self.buffers: tuple[MemRef, ...] = tuple(
            threadgroup_alloc(dtype, size) for _ in range(self.stages)
        )
        self.dtype = self.buffers[0].dtype
        self._phase = 0

    def __repr__(self) -> str:
        return f"<enigma pipeline of {self.stages} x {self.size} {self.dtype.name}>"

    def __bool__(self) -> bool:
        raise trace_type_error("a pipeline cannot be used as a Python bool")

    def stage(self, k: int) -> MemRef:
        """The buffer `k` positions after the front (``0 <= k < stages``)."""
        k = _np_scalar_to_literal(k)
        if not _is_int(k):
            raise trace_type_error(f"Pipeline.stage: k must be a Python int, got {k!r}")
        if not 0 <= k < self.stages:
            raise trace_error(f"Pipeline.stage: k={k} is out of range for {self.stages} stages")
        return self.buffers[(self._phase + int(k)) % self.stages]

    def front(self) -> MemRef:
        """The buffer being consumed (``stage(0)``)."""
        return self.stage(0)

    def back(self) -> MemRef:
        """The buffer being produced (``stage(stages - 1)``)."""
        return self.stage(self.stages - 1)

    def rotate(self) -> None:
        """Moves the ring one position forward (trace time)."""
        self._phase = (self._phase + 1) % self.stages

    def advance(self) -> None:
        """:meth:`rotate` (the name the reference's source uses)."""
        self.rotate()

    def swap(self) -> None:
        """Exchanges front and back of a two-stage pipeline; any other stage count raises
        :class:`EnigmaError` (use :meth:`rotate`)."""
        if self.stages != 2:
            raise trace_error(
                f"Pipeline.swap() needs a two-stage pipeline, this one has {self.stages} "
                "stages; use rotate()"
            )
        self.rotate()


def pipeline(dtype: Any, size: Any, stages: int = 2) -> Pipeline:
    """`stages` threadgroup buffers of `dtype` x `size` rotated at trace time (see
    :class:`Pipeline`). ``stages < 2`` raises :class:`EnigmaError`."""
    return Pipeline(dtype, size, stages)

