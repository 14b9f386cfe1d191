"""Tracing a kernel into the JSON trace the compiler imports (``docs/trace-format.md``), the
parameter descriptions (:class:`ParamInfo`) and the trace's pretty-printer (``dump_ir``)."""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import dtypes as _dt
from ._tracer import (
    Tracer,
    Value,
    tracing,
)
from .dtypes import DType, Scalar
from .errors import EnigmaError
from .kernels import Constexpr, Kernel
from .memory import MemRef, _memref_type
from .range_loops import kernel_function
from .tensor import Tensor, TensorValue

__all__ = [
    "ParamInfo",
    "format_trace",
    "trace",
]


# ---------------------------------------------------------------------------------------------
# Tracing
# ---------------------------------------------------------------------------------------------


@dataclass
class ParamInfo:
    """A runtime parameter of a compiled kernel."""

    name: str
    buffer_index: int
    dtype: DType
    kind: str  # "buffer" or "scalar"
    access: str | None = None
    layout: str | None = None
    min_size: int = 0  # elements a buffer needs (the layout's cosize), 0 if unknown


_QUALIFIERS = {"device", "constant", "const", "threadgroup", "thread", "volatile"}


def msl_param_dtype(kernel: str, msl_type: str, name: str) -> DType:
    """The element dtype of an MSL parameter type (``device const float*`` -> f32;
    ``device atomic_uint*`` -> u32; ``device float4*`` -> float4)."""
    words = [w for w in msl_type.replace("*", " ").replace("&", " ").split() if w not in _QUALIFIERS]
    base = (words[-1] if words else "").replace("atomic_", "")
    dt = _dt.from_msl(base)
    if dt is None and base[-1:] in ("2", "3", "4") and _dt.from_msl(base[:-1]) is not None:
        dt = _dt.vec(_dt.from_msl(base[:-1]), int(base[-1]))  # a buffer of float4 & co.
    if dt is None:
        raise EnigmaError(
            f"{kernel}: parameter '{name}' has MSL type '{msl_type}', which the Python launchers "
            "cannot fill (use enigma.runtime.compile_msl for raw launches)"
        )
    return dt


def params_from_metadata(kinfo: dict, traced: Sequence[ParamInfo] | None = None) -> list[ParamInfo]:
    """The parameters a caller passes, from the compiler's kernel metadata: the one description
    of a compiled kernel (buffer index, scalar or buffer, MSL type, access as the compiler
    derived it from the kernel body). Implicit parameters (the launcher's) are left out.

    With `traced` (what the Python tracer knows: the user's names, argument order, layouts),
    each traced parameter is matched to the compiler's by buffer index and both must agree on
    kind and element type; the result follows the traced order and keeps the layout facts."""
    entry = str(kinfo.get("entry", "?"))
    compiled = {int(p["buffer_index"]): p for p in kinfo.get("params", []) if not p.get("implicit")}

    def describe(p: dict) -> tuple[DType, str, str | None]:
        scalar = bool(p.get("is_scalar"))
        dt = msl_param_dtype(entry, str(p.get("msl_type", "")), str(p["name"]))
        access = None if scalar else (p.get("access") or "read_write")
        return dt, "scalar" if scalar else "buffer", access

    if traced is None:
        out = []
        for index in sorted(compiled):
            p = compiled[index]
            dt, kind, access = describe(p)
            out.append(ParamInfo(str(p["name"]), index, dt, kind, access))
        return out
    if len(traced) != len(compiled):
        raise EnigmaError(
            f"internal error: {entry}: the tracer saw {len(traced)} parameter(s), the compiler "
            f"{len(compiled)}"
        )
    out = []
    for t in traced:
        p = compiled.get(t.buffer_index)
        if p is None:
            raise EnigmaError(
                f"internal error: {entry}: parameter '{t.name}' [[buffer({t.buffer_index})]] is "
                "not in the compiled kernel"
            )
        dt, kind, access = describe(p)
        if kind != t.kind or dt.msl != t.dtype.msl:
            raise EnigmaError(
                f"internal error: {entry}: parameter '{t.name}' [[buffer({t.buffer_index})]] "
                f"was traced as a {t.dtype.name} {t.kind} but compiled as {p.get('msl_type')}"
            )
        out.append(ParamInfo(t.name, t.buffer_index, t.dtype, kind, access, t.layout, t.min_size))
    return out


def _kernel_params(k: Kernel, args: Sequence[Any]) -> list[tuple[str, str, Any]]:
    """(name, kind, spec) per kernel parameter: kind is buffer, scalar, tensor or constexpr."""
    if not args and k._static_specs is not None:
        return k._static_specs
    anns = k.annotations()
    params = list(k._sig.parameters.values())
    if args and len(args) != len(params):
        raise EnigmaError(f"kernel '{k.name}' takes {len(params)} argument(s), got {len(args)}")
    out = []
    for i, p in enumerate(params):
        ann = anns.get(p.name, inspect.Parameter.empty)
        arg = args[i] if args else inspect.Parameter.empty
        if isinstance(arg, Tensor):
            out.append((p.name, "tensor", arg))
        elif isinstance(ann, Scalar):
            out.append((p.name, "scalar", ann.dtype))
        elif isinstance(ann, DType):
            out.append((p.name, "buffer", ann))
        elif ann is Tensor:
            raise EnigmaError(
                f"kernel '{k.name}': parameter '{p.name}' is a Tensor; pass an "
                "enigma.Tensor for it (in @enigma.jit or enigma.compile)"
            )
        elif ann is Constexpr or (
            arg is not inspect.Parameter.empty and ann is inspect.Parameter.empty
        ):
            if arg is inspect.Parameter.empty:
                raise EnigmaError(
                    f"kernel '{k.name}': compile-time parameter '{p.name}' needs a "
                    "value (pass it to enigma.compile or the launch)"
                )
            out.append((p.name, "constexpr", arg))
        elif ann in (float, int, bool):
            out.append((p.name, "buffer", {float: _dt.f32, int: _dt.i32, bool: _dt.b1}[ann]))
        elif ann is inspect.Parameter.empty:
            raise EnigmaError(
                f"kernel '{k.name}': parameter '{p.name}' needs an annotation: a dtype for a "
                "device buffer (A: enigma.f32), enigma.Scalar(dtype) for a scalar, or "
                "enigma.Tensor / enigma.Constexpr"
            )
        else:
            raise EnigmaError(
                f"kernel '{k.name}': unsupported annotation {ann!r} of parameter '{p.name}'"
            )
    if not args:
        k._static_specs = out
    return out


def trace(k: Kernel, args: Sequence[Any] = ()) -> tuple[dict, list[ParamInfo]]:
    """Traces kernel `k` (with compile-time `args`, e.g. Tensors) into a trace dict."""
    specs = _kernel_params(k, args)
    t = Tracer(k.name, k.def_loc)
    infos: list[ParamInfo] = []
    used = {spec.buffer_index for _, kind, spec in specs if kind == "tensor"}
    next_index = 0
    call_args: list[Any] = []
    with tracing(t):
        for name, kind, spec in specs:
            if kind == "constexpr":
                call_args.append(spec)
                continue
            if kind == "tensor":
                tensor: Tensor = spec
                index = tensor.buffer_index
                dt = tensor.dtype
                pname = tensor.name
            else:
                while next_index in used:
                    next_index += 1
                index = next_index
                used.add(index)
                dt = spec
                pname = name
            pid = t.new_id()
            pd: dict[str, Any] = {
                "id": pid,
                "name": pname,
                "index": index,
                "kind": "scalar" if kind == "scalar" else "buffer",
                "dtype": dt.name,
                "loc": t.loc_dict(k.def_loc),
            }
            info = ParamInfo(pname, index, dt, pd["kind"])
            if kind == "scalar":
                call_args.append(Value(pid, dt))
            else:
                # The importer's default buffer type (docs/trace-format.md), so the trace omits it.
                mt = _memref_type((None,), dt, "device")
                mem = MemRef(pid, dt, mt, (None,), pname, pd)
                t.buffers.append(mem)
                if kind == "tensor":
                    pd["layout"] = str(tensor.layout)
                    info.layout = pd["layout"]
                    info.min_size = tensor.cosize()
                    call_args.append(TensorValue.from_tensor(mem, tensor, k.def_loc))
                else:
                    pd["access"] = "read"
                    call_args.append(mem)
            t.params.append(pd)
            infos.append(info)
        # `for i in enigma.range(...)` loops need the rewritten function (range_loops)
        kernel_function(k)(*call_args)
        result = t.finish()
    for info, pd in zip(infos, result["params"]):
        info.access = pd.get("access")
    return result, infos


# ---------------------------------------------------------------------------------------------
# Pretty-printing a trace (dump_ir)
# ---------------------------------------------------------------------------------------------


def format_trace(tr: dict) -> str:
    """The trace as readable text: one op per line, regions indented, Python locations."""
    lines = [f"trace v{tr.get('version')} kernel {tr.get('kernel')}"]
    names: dict[int, str] = {}

    def vname(i: int) -> str:
        return f"%{names[i]}" if i in names else f"%{i}"

    for p in tr.get("params", []):
        names[p["id"]] = f"{p['name']}"
        extra = f" access={p['access']}" if p.get("access") else ""
        extra += f" layout={p['layout']}" if p.get("layout") else ""
        lines.append(
            f"  param [[buffer({p['index']})]] %{p['name']}: {p['kind']} {p['dtype']}{extra}"
        )

    def emit_ops(ops: list[dict], depth: int) -> None:
        pad = "  " * depth
        for op in ops:
            res = op.get("results", [])
            for r in res:
                names[r["id"]] = f"{r['name']}.{r['id']}" if r.get("name") else str(r["id"])
            lhs = ", ".join(f"{vname(r['id'])}: {r['type']}" for r in res)
            operands = ", ".join(vname(i) for i in op.get("operands", []))
            attrs = op.get("attrs")
            attr_text = (
                (" {" + ", ".join(f"{k} = {v}" for k, v in attrs.items()) + "}") if attrs else ""
            )
            loc = op.get("loc", {})
            where = f"  # {os.path.basename(loc.get('file', '?'))}:{loc.get('line', 0)}"
            lines.append(
                f"{pad}{lhs + ' = ' if lhs else ''}{op['op']}({operands}){attr_text}{where}"
            )
            for ri, region in enumerate(op.get("regions", [])):
                args = region.get("args", [])
                for a in args:
                    names[a["id"]] = f"{a['name']}.{a['id']}" if a.get("name") else str(a["id"])
                arg_text = ", ".join(f"{vname(a['id'])}: {a['type']}" for a in args)
                lines.append(
                    f"{pad}  region #{ri}"
                    + (f" ({arg_text})" if args else "")
                    + (":" if region.get("ops") is not None else ": <empty>")
                )
                emit_ops(region.get("ops", []), depth + 2)

    emit_ops(tr.get("ops", []), 1)
    return "\n".join(lines)


