"""Running a CompiledKernel: argument checking, then the CPU runtime or Metal (macOS).

Arguments are checked against the kernel's parameters before anything runs, so a wrong count,
dtype or size is an EnigmaError naming the parameter, not a crash or a silent misread.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any

from . import _tracer
from .arrays import as_numpy
from .dtypes import from_msl
from .errors import EnigmaError
from .runtime import as_dims

__all__ = ["check_args", "launch"]



def _int_range(dt: Any) -> tuple[int, int]:
    """The values an integer or bool scalar of dtype `dt` holds (from its bits and kind)."""
    if dt.kind == "i":
        return -(1 << (dt.bits - 1)), (1 << (dt.bits - 1)) - 1
    return 0, (1 << dt.bits) - 1


def check_args(ck: Any, args: Sequence[Any]) -> list[Any]:
    """Validates `args` against the parameters of CompiledKernel `ck`; returns the values to
    pass (numpy arrays for buffers, Python numbers for scalars)."""
    import numpy as np

    params = ck.params
    if len(args) != len(params):
        names = ", ".join(p.name for p in params)
        raise EnigmaError(
            f"{ck.kernel_name} takes {len(params)} argument(s) ({names}), got {len(args)}"
        )
    out: list[Any] = []
    for i, (p, a) in enumerate(zip(params, args)):
        where = f"{ck.kernel_name}: argument #{i} ('{p.name}')"
        if p.kind == "buffer":
            if not isinstance(a, np.ndarray):
                # torch/mlx/... arrays through DLPack or the buffer protocol, without a copy
                a = as_numpy(a, f"{where} ({p.dtype.name} buffer)")
            if p.dtype.name == "bf16":
                ok = a.dtype.itemsize == 2 and a.dtype.kind in "uiV"
                want = "a 2-byte dtype holding bfloat16 bits (e.g. uint16)"
            else:
                ok = a.dtype == np.dtype(p.dtype.numpy)
                want = np.dtype(p.dtype.numpy).name
            if not ok:
                raise EnigmaError(
                    f"{where} is a {p.dtype.name} buffer: expected a {want} array, got {a.dtype}"
                )
            if p.min_size and a.size < p.min_size:
                raise EnigmaError(
                    f"{where} needs at least {p.min_size} elements (its layout "
                    f"{p.layout} spans that many), got {a.size}"
                )
            if p.access in ("write", "read_write") and not a.flags.writeable:
                raise EnigmaError(
                    f"{where}: the kernel writes this buffer but the array is read-only"
                )
            out.append(a)
        else:
            v = a.item() if isinstance(a, np.generic) else a
            if isinstance(v, np.ndarray) or not isinstance(v, (bool, int, float)):
                raise EnigmaError(
                    f"{where} is a {p.dtype.name} scalar: pass a number, got {type(a).__name__}"
                )
            if not p.dtype.is_float:
                if isinstance(v, float):
                    if not v.is_integer():
                        raise EnigmaError(
                            f"{where} is a {p.dtype.name} scalar: {v!r} is not an integer"
                        )
                    v = int(v)
                lo, hi = _int_range(p.dtype)
                if not lo <= int(v) <= hi:
                    raise EnigmaError(f"{where}: {v!r} does not fit {p.dtype.name}")
            out.append(v)
    return out


# Signed dtypes are declared signed (`int*` for i32) and unsigned ones unsigned; hand-written
# MLIR may declare any integer unsigned. Arrays and scalars are reinterpreted to the declared
# type (dtypes.from_msl): the same bits.
def _to_runtime_types(cpu: Any, ordered: list[Any]) -> list[Any]:
    """Reinterprets arguments as the element types the MSL declares (same size, same bits):
    arrays through numpy views (so writes land in the caller's array), scalars modulo 2^bits."""
    import numpy as np

    out = []
    for param, value in zip(cpu.args, ordered):
        name = param.type_name.replace("atomic_", "")
        d = from_msl(name)
        if d is None:
            out.append(value)
            continue
        # bfloat has no numpy dtype: its arrays hold the bits (uint16)
        dt = np.dtype("uint16" if d.name == "bf16" else d.numpy)
        if isinstance(value, np.ndarray):
            if (
                value.dtype != dt
                and value.dtype.itemsize == dt.itemsize
                and value.dtype.kind != "b"
                and dt.kind != "b"
            ):
                value = value.view(dt)
        elif dt.kind == "u" and isinstance(value, int) and value < 0:
            value &= (1 << (8 * dt.itemsize)) - 1
        out.append(value)
    return out


# The source position the CPU runtime's exact bounds checks append to a report.
_MSL_POSITION = re.compile(r", at (?P<file>[^\s,]+)\.metal:(?P<line>\d+)(?::\d+)?$")


def python_position(ck: Any, message: str) -> tuple[str, int, int] | None:
    """The kernel's Python source position of the MSL position a runtime error names
    (`..., at enigma_kernel_f.metal:14:16`), through the translation's source map; None when
    the message names none or the map has no entry for it."""
    m = _MSL_POSITION.search(message)
    if m is None or m["file"] != ck.kernel_name:
        return None
    return _python_line(ck, int(m["line"]))


def _python_line(ck: Any, msl_line: int) -> tuple[str, int, int] | None:
    """The Python source position of MSL line `msl_line` (the translation's source map)."""
    kinfo = (ck.metadata.get("kernels") or [{}])[0]
    best = None
    for entry in kinfo.get("source_map") or []:
        if int(entry[0]) > msl_line:
            break
        best = entry
    if best is None:
        return None
    return (str(best[1]), int(best[2]), int(best[3]))


# Every source position of a race-check report (it names two accesses).
_MSL_POSITIONS = re.compile(r"at (?P<file>[^\s,]+)\.metal:(?P<line>\d+)(?::\d+)?")


def with_python_positions(ck: Any, message: str) -> str:
    """A race-check report with the Python position of each MSL position it names appended
    (`at enigma_kernel_f.metal:14:16 (kernels.py:12:8)`)."""

    def sub(m: re.Match) -> str:
        if m["file"] != ck.kernel_name:
            return m[0]
        where = _python_line(ck, int(m["line"]))
        if where is None:
            return m[0]
        return f"{m[0]} ({where[0]}:{where[1]}:{where[2]})"

    return _MSL_POSITIONS.sub(sub, message)


def _cpu_kernel(ck: Any) -> Any:
    with ck._lock:
        if ck._cpu_kernel is None:
            from . import runtime

            cpu = runtime.compile_msl(ck.metal_source, ck.kernel_name)
            _cross_check(ck, cpu)
            ck._cpu_kernel = cpu
        return ck._cpu_kernel


def _cross_check(ck: Any, cpu: Any) -> None:
    """The CPU runtime reads the kernel's signature from the MSL (it runs foreign MSL too);
    where the compiler's metadata describes the kernel as well, both must agree on every
    parameter's buffer index, kind and element type."""
    from .kernel_trace import msl_param_dtype

    kinfo = (ck.metadata.get("kernels") or [{}])[0]
    described = {int(p["buffer_index"]): p for p in kinfo.get("params", [])}
    if not described:
        return
    parsed = {int(a.buffer_index): a for a in cpu.args if a.kind != "builtin"}
    for index, p in described.items():
        a = parsed.get(index)
        kind = "scalar" if p.get("is_scalar") else "buffer"
        if a is None or a.kind != kind or (
            msl_param_dtype(ck.kernel_name, str(p.get("msl_type", "")), str(p["name"])).msl
            != msl_param_dtype(ck.kernel_name, a.type_name, a.name).msl
        ):
            raise EnigmaError(
                f"internal error: {ck.kernel_name}: [[buffer({index})]] is "
                f"{p.get('msl_type')!r} in the compiler's metadata but "
                f"{(a.kind + ' ' + a.type_name) if a else 'missing'} in the MSL signature"
            )
    if len(parsed) != len(described):
        raise EnigmaError(
            f"internal error: {ck.kernel_name}: the MSL signature has {len(parsed)} buffer "
            f"parameter(s), the compiler's metadata {len(described)}"
        )


def launch(
    ck: Any,
    args: Sequence[Any],
    grid: int | Sequence[int] | None,
    block: int | Sequence[int] | None,
    device: str | None,
    function_constants: Any = None,
    race_check: bool = False,
    threadgroup_memory: Any = None,
) -> None:
    """Runs CompiledKernel `ck` over `grid` threads in threadgroups of `block`, with the
    values of its function constants (a dict keyed by index or name); `race_check` runs the
    CPU runtime's race-checked build (docs/cpu-runtime.md#race-checking);
    `threadgroup_memory` gives the bytes of [[threadgroup(i)]] parameters of hand-written
    MSL (``{i: bytes}``)."""
    from . import function_constants as _fc

    kinfo = (ck.metadata.get("kernels") or [{}])[0]
    constants = _fc.resolve(ck.kernel_name, _fc.from_metadata(kinfo), function_constants)
    values = check_args(ck, args)
    g = as_dims(grid, "grid", 0) if grid is not None else ck.grid
    if g is None:
        raise EnigmaError(
            f"{ck.kernel_name}: pass grid= (the total number of threads; only "
            "kernels launched from @enigma.jit have a default)"
        )
    known = kinfo.get("block_size")  # known_block_size: every launch must use it
    known = tuple(int(x) for x in known) if known else None
    if block is not None:
        b = as_dims(block, "block", 1)
    else:
        b = known or ck.block or (256, 1, 1)
    if known is not None and tuple(b) != known:
        raise EnigmaError(
            f"{ck.kernel_name}: launched with block {tuple(b)}, but the kernel was compiled for "
            f"threadgroups of {known} threads (its known_block_size); pass block={known} or "
            "leave block out",
            kind="invalid_argument",
        )
    if any(x < 1 for x in b) or b[0] * b[1] * b[2] > 1024:
        raise EnigmaError(
            f"{ck.kernel_name}: block {b} must have positive dimensions and at most 1024 threads"
        )
    if device is None:
        device = "metal" if ck.metallib_bytes is not None and sys.platform == "darwin" else "cpu"
    # Implicit parameters added by passes (vectorization's original x grid size), then every
    # argument in [[buffer(i)]] order, which is how the CPU runtime takes them.
    slots = [(p.buffer_index, v) for p, v in zip(ck.params, values)]
    for index, name in ck.implicit_params:
        kind = ck.implicit_kinds.get(index, "")
        axis = {"threads_per_grid.x": 0, "threads_per_grid.y": 1, "threads_per_grid.z": 2}.get(kind)
        if axis is None:
            raise EnigmaError(
                f"{ck.kernel_name}: implicit parameter '{name}' carries '{kind}', which this "
                "launcher does not know how to fill"
            )
        slots.append((index, g[axis]))
    ordered = [v for _, v in sorted(slots, key=lambda s: s[0])]
    if device == "cpu":
        cpu = _cpu_kernel(ck)
        ordered = _to_runtime_types(cpu, ordered)
        try:
            cpu.launch(
                ordered,
                grid=g,
                block=b,
                coarsen=max(1, ck.coarsen),
                function_constants={fc.index: v for fc, v, _ in constants},
                race_check=race_check,
                threadgroup_memory=threadgroup_memory,
            )
        except EnigmaError as exc:
            if exc.kind in ("data_race", "uninitialized_read"):
                raise EnigmaError(with_python_positions(ck, str(exc)), kind=exc.kind) from None
            where = python_position(ck, str(exc))
            if where is None:
                raise
            raise EnigmaError(_tracer.located(str(exc), where), kind=exc.kind) from None
    elif device == "metal":
        if sys.platform != "darwin":
            raise EnigmaError("device='metal' needs macOS; use device='cpu' (the CPU runtime)")
        if race_check:
            raise EnigmaError(
                "race_check runs on the CPU runtime; launch with device='cpu'",
                kind="unsupported",
            )
        if ck.metallib_bytes is None:
            raise EnigmaError(
                f"{ck.kernel_name} was compiled emit-only; compile with "
                "emit_only=False to run it on Metal"
            )
        from . import metal

        from .runtime import _threadgroup_lengths

        metal.dispatch(  # pragma: no cover - macOS only
            ck, slots, g, b, constants, _threadgroup_lengths(threadgroup_memory)
        )
    else:
        raise EnigmaError(f"unknown device {device!r}; expected 'cpu' or 'metal'")
