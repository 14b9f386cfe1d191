"""CPU runtime: run Metal Shading Language kernels on the CPU.

Bindings of ``enigma-c/Runtime.h``. The exact MSL text is compiled by the host C++ compiler
against Enigma's Metal-compatibility header and run by a threadgroup scheduler with Metal's
barrier and SIMD-group semantics (see docs/cpu-runtime.md)::

    k = enigma.runtime.compile_msl(source, "vadd")
    k(a, b, c, np.uint32(n), grid=(n,), block=(256,))

Arguments follow ``[[buffer(i)]]`` order: numpy arrays for buffers (copied in, run, written
back in place unless the parameter is read-only) and Python or numpy scalars for
``constant T&`` parameters. ``grid`` counts threads (dispatchThreads semantics), shorter
tuples are padded with 1.
"""

from __future__ import annotations

import ctypes
import os
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import _capi
from .errors import EnigmaError
from .function_constants import FunctionConstant
from .function_constants import resolve as _resolve_constants

__all__ = [
    "CpuKernel",
    "KernelParam",
    "compile_msl",
    "header_version",
    "num_workers",
]

# EnigmaRuntimeStatus -> short name (EnigmaError.kind).
_STATUS_KINDS = {
    1: "invalid_argument",
    2: "unsupported",
    3: "compile",
    4: "system",
    5: "out_of_bounds",
    6: "divergent_barrier",
    7: "kernel_fault",
    8: "timeout",
    9: "data_race",
    10: "uninitialized_read",
}
_PARAM_KINDS = {0: "buffer", 1: "scalar", 2: "builtin", 3: "threadgroup"}
_FLAG_UNCHECKED = 1
_FLAG_EXITED_THREADS_SKIP_BARRIERS = 2
_FLAG_RACE_CHECK = 4
_UINT32_MAX = 0xFFFFFFFF


class _Error(ctypes.Structure):
    # The message stays a raw pointer so it can be handed back to the library to free.
    _fields_ = [("status", ctypes.c_int), ("message", ctypes.c_void_p)]


class _CompileOptions(ctypes.Structure):
    _fields_ = [
        ("cxx", ctypes.c_char_p),
        ("cxxFlags", ctypes.c_char_p),
        ("cacheDir", ctypes.c_char_p),
        ("boundsCheck", ctypes.c_int),
    ]


# EnigmaCpuAddressSpaces.
_ADDRESS_SPACE_NAMES = {0: "erased", 1: "real", 2: "erased-fallback"}

# EnigmaCpuBoundsCheck.
_BOUNDS_CHECK_MODES = {None: 0, "exact": 1, "guard": 2}
_BOUNDS_CHECK_NAMES = {1: "exact", 2: "guard"}


class _Param(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("typeName", ctypes.c_char_p),
        ("kind", ctypes.c_int),
        ("bufferIndex", ctypes.c_int32),
        ("argIndex", ctypes.c_int32),
        ("builtin", ctypes.c_int),
        ("builtinComponents", ctypes.c_uint32),
        ("readOnly", ctypes.c_bool),
        ("elementSize", ctypes.c_uint32),
        ("elementAlign", ctypes.c_uint32),
        ("threadgroupIndex", ctypes.c_int32),
    ]


class _Arg(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("size", ctypes.c_size_t)]


class _FunctionConstant(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("typeName", ctypes.c_char_p),
        ("index", ctypes.c_uint32),
        ("size", ctypes.c_uint32),
        ("required", ctypes.c_bool),
    ]


class _FunctionConstantValue(ctypes.Structure):
    _fields_ = [("index", ctypes.c_uint32), ("data", ctypes.c_void_p), ("size", ctypes.c_size_t)]


def _threadgroup_lengths(value: Mapping[int, int] | Sequence[int] | None) -> list[int]:
    """``threadgroup_memory`` as a list of lengths by [[threadgroup(i)]] index (0: none given);
    the runtime checks them against the kernel."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, (list, tuple)):
        items = list(enumerate(value))
    else:
        raise _invalid(
            "threadgroup_memory must be a dict {index: bytes} or a sequence of byte counts, "
            f"got {value!r}"
        )
    lengths: dict[int, int] = {}
    for index, nbytes in items:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= 30:
            raise _invalid(f"threadgroup_memory: index {index!r} is not in 0..30")
        if (
            isinstance(nbytes, bool)
            or not hasattr(nbytes, "__index__")
            or not 0 <= int(nbytes) <= _UINT32_MAX
        ):
            raise _invalid(
                f"threadgroup_memory[{index}] must be a byte count (int), got {nbytes!r}"
            )
        lengths[index] = int(nbytes)
    out = [0] * (max(lengths) + 1 if lengths else 0)
    for index, nbytes in lengths.items():
        out[index] = nbytes
    return out


class _LaunchConfig(ctypes.Structure):
    _fields_ = [
        ("grid", ctypes.c_uint32 * 3),
        ("block", ctypes.c_uint32 * 3),
        ("coarsen", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("timeoutMs", ctypes.c_uint32),
        ("threadgroupMemoryLengths", ctypes.POINTER(ctypes.c_uint32)),
        ("numThreadgroupMemoryLengths", ctypes.c_uint32),
    ]


_BOUND: ctypes.CDLL | None = None


def _lib() -> ctypes.CDLL:
    """The C API library with the runtime's prototypes declared (once)."""
    global _BOUND
    if _BOUND is not None:
        return _BOUND
    lib = _capi.lib()
    try:
        create = lib.enigmaRuntimeCpuKernelCreate
    except AttributeError as exc:
        raise EnigmaError(
            f"{_capi.library_path()} was built without the CPU runtime (lib/Runtime/CPU)",
            kind="unsupported",
        ) from exc
    err_p = ctypes.POINTER(_Error)
    create.argtypes = [
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_char_p,
        ctypes.POINTER(_CompileOptions),
        ctypes.POINTER(ctypes.c_void_p),
        err_p,
    ]
    create.restype = ctypes.c_int
    lib.enigmaRuntimeCpuKernelDestroy.argtypes = [ctypes.c_void_p]
    lib.enigmaRuntimeCpuKernelDestroy.restype = None
    for name in ("GetName", "GetLibraryPath"):
        fn = getattr(lib, "enigmaRuntimeCpuKernel" + name)
        fn.argtypes = [ctypes.c_void_p]
        fn.restype = ctypes.c_char_p
    lib.enigmaRuntimeCpuKernelWasCached.argtypes = [ctypes.c_void_p]
    lib.enigmaRuntimeCpuKernelWasCached.restype = ctypes.c_bool
    lib.enigmaRuntimeCpuKernelGetBoundsCheck.argtypes = [ctypes.c_void_p]
    lib.enigmaRuntimeCpuKernelGetBoundsCheck.restype = ctypes.c_int
    lib.enigmaRuntimeCpuKernelGetAddressSpaces.argtypes = [ctypes.c_void_p]
    lib.enigmaRuntimeCpuKernelGetAddressSpaces.restype = ctypes.c_int
    for name in ("GetNumParams", "GetNumArgs"):
        fn = getattr(lib, "enigmaRuntimeCpuKernel" + name)
        fn.argtypes = [ctypes.c_void_p]
        fn.restype = ctypes.c_size_t
    lib.enigmaRuntimeCpuKernelGetParam.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.POINTER(_Param),
        err_p,
    ]
    lib.enigmaRuntimeCpuKernelGetParam.restype = ctypes.c_int
    lib.enigmaRuntimeCpuKernelLaunch.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(_Arg),
        ctypes.c_size_t,
        ctypes.POINTER(_LaunchConfig),
        err_p,
    ]
    lib.enigmaRuntimeCpuKernelLaunch.restype = ctypes.c_int
    lib.enigmaRuntimeCpuKernelGetNumFunctionConstants.argtypes = [ctypes.c_void_p]
    lib.enigmaRuntimeCpuKernelGetNumFunctionConstants.restype = ctypes.c_size_t
    lib.enigmaRuntimeCpuKernelGetFunctionConstant.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.POINTER(_FunctionConstant),
        err_p,
    ]
    lib.enigmaRuntimeCpuKernelGetFunctionConstant.restype = ctypes.c_int
    lib.enigmaRuntimeCpuKernelLaunchWithConstants.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(_Arg),
        ctypes.c_size_t,
        ctypes.POINTER(_FunctionConstantValue),
        ctypes.c_size_t,
        ctypes.POINTER(_LaunchConfig),
        err_p,
    ]
    lib.enigmaRuntimeCpuKernelLaunchWithConstants.restype = ctypes.c_int
    lib.enigmaRuntimeErrorDestroy.argtypes = [err_p]
    lib.enigmaRuntimeErrorDestroy.restype = None
    lib.enigmaRuntimeGetHeaderVersion.argtypes = []
    lib.enigmaRuntimeGetHeaderVersion.restype = ctypes.c_char_p
    lib.enigmaRuntimeCpuGetNumWorkers.argtypes = []
    lib.enigmaRuntimeCpuGetNumWorkers.restype = ctypes.c_size_t
    _BOUND = lib
    return lib


def _raise(status: int, err: _Error) -> None:
    """Turns a failed call's status and message into an EnigmaError (freeing the message)."""
    lib = _lib()
    message = (
        ctypes.string_at(err.message).decode("utf-8", "replace") if err.message else ""
    )
    lib.enigmaRuntimeErrorDestroy(ctypes.byref(err))
    raise EnigmaError(
        message or f"CPU runtime error (status {status})",
        kind=_STATUS_KINDS.get(status, "unknown"),
    )


def _invalid(message: str) -> EnigmaError:
    """An error in the arguments the caller passed (kind ``invalid_argument``)."""
    return EnigmaError(message, kind="invalid_argument")


def header_version() -> str:
    """Version of the Metal-compatibility header and launcher ABI ("<abi>.<hash>")."""
    return _lib().enigmaRuntimeGetHeaderVersion().decode()


def num_workers() -> int:
    """Worker threads a launch uses (one per usable CPU unless ENIGMA_CPU_THREADS says)."""
    return int(_lib().enigmaRuntimeCpuGetNumWorkers())


@dataclass(frozen=True)
class KernelParam:
    """One parameter of a kernel, as parsed from the MSL declaration and laid out by the
    host compiler."""

    name: str
    #: Pointee / value type without qualifiers: "float", "atomic_uint", "uint3", "Params".
    type_name: str
    #: "buffer" (device/constant pointer or device reference), "scalar" (constant T&),
    #: "builtin" ([[thread_position_in_grid]] ...) or "threadgroup" (``threadgroup T*``
    #: [[threadgroup(i)]]: memory whose length the launch gives, not an argument).
    kind: str
    #: [[buffer(i)]] index; None for builtins and threadgroup memory.
    buffer_index: int | None
    #: Position among the launch arguments; None for builtins and threadgroup memory.
    arg_index: int | None
    #: Builtin attribute name ("thread_position_in_grid"); None otherwise.
    builtin: str | None
    builtin_components: int
    read_only: bool
    element_size: int
    element_align: int
    #: [[threadgroup(i)]] index of threadgroup memory; None otherwise.
    threadgroup_index: int | None = None


_BUILTIN_NAMES = [
    None,
    "thread_position_in_grid",
    "thread_position_in_threadgroup",
    "threadgroup_position_in_grid",
    "threads_per_threadgroup",
    "dispatch_threads_per_threadgroup",
    "threadgroups_per_grid",
    "threads_per_grid",
    "grid_size",
    "grid_origin",
    "thread_index_in_threadgroup",
    "thread_index_in_simdgroup",
    "simdgroup_index_in_threadgroup",
    "threads_per_simdgroup",
    "thread_execution_width",
    "simdgroups_per_threadgroup",
    "dispatch_simdgroups_per_threadgroup",
    "thread_index_in_quadgroup",
    "quadgroup_index_in_threadgroup",
    "quadgroups_per_threadgroup",
    "dispatch_quadgroups_per_threadgroup",
]

# MSL scalar type -> numpy dtype name. bfloat has no numpy dtype: any 2-byte dtype (its
# bits) is accepted.
_SCALAR_DTYPES = {
    "float": "float32",
    "half": "float16",
    "int": "int32",
    "uint": "uint32",
    "unsigned int": "uint32",
    "unsigned": "uint32",
    "short": "int16",
    "ushort": "uint16",
    "unsigned short": "uint16",
    "char": "int8",
    "signed char": "int8",
    "uchar": "uint8",
    "unsigned char": "uint8",
    "long": "int64",
    "ulong": "uint64",
    "unsigned long": "uint64",
    "bool": "bool",
    "int8_t": "int8",
    "uint8_t": "uint8",
    "int16_t": "int16",
    "uint16_t": "uint16",
    "int32_t": "int32",
    "uint32_t": "uint32",
    "int64_t": "int64",
    "uint64_t": "uint64",
    "size_t": "uint64",
    "bfloat": None,
}


def _element_type(type_name: str) -> tuple[str, int] | None:
    """(scalar MSL type, lanes) of a scalar, vector, packed vector or atomic type name, or
    None for types the binding does not know (structs...)."""
    t = type_name.replace(" ", "") if "<" in type_name else type_name
    for prefix in ("metal::",):
        t = t.removeprefix(prefix)
    if t.startswith("atomic<") and t.endswith(">"):
        t = t[len("atomic<") : -1].replace("metal::", "")
    elif t.startswith("atomic_"):
        t = t[len("atomic_") :]
    t = t.removeprefix("packed_")
    if t.startswith("vec<") and t.endswith(">") and "," in t:
        base, _, lanes = t[4:-1].partition(",")
        if base in _SCALAR_DTYPES and lanes.isdigit():
            return base, int(lanes)
        return None
    if t in _SCALAR_DTYPES:
        return t, 1
    if t[-1:] in "234" and t[:-1] in _SCALAR_DTYPES:
        return t[:-1], int(t[-1])
    return None


def as_dims(value: Any, what: str, minimum: int) -> tuple[int, int, int]:
    """`value` (an int or 1 to 3 ints) as a 3-D size padded with 1s; each entry in
    [minimum, 2^32 - 1]. Shared by every launcher, so grids and blocks mean the same everywhere."""
    if isinstance(value, (int,)) or hasattr(value, "__index__"):
        value = (value,)
    try:
        dims = [int(v.__index__()) if hasattr(v, "__index__") else v for v in value]
    except TypeError:
        raise _invalid(
            f"{what} must be a tuple of 1 to 3 integers, got {value!r}"
        ) from None
    if not 1 <= len(dims) <= 3 or not all(isinstance(d, int) for d in dims):
        raise _invalid(f"{what} must be a tuple of 1 to 3 integers, got {value!r}")
    for d in dims:
        if d < minimum or d > _UINT32_MAX:
            raise _invalid(
                f"{what} {tuple(dims)}: each dimension must be in [{minimum}, {_UINT32_MAX}]"
            )
    while len(dims) < 3:
        dims.append(1)
    return dims[0], dims[1], dims[2]


class CpuKernel:
    """A compiled MSL kernel, runnable on the CPU.

    Call it as ``kernel(*args, grid=(gx, gy, gz), block=(bx, by, bz))``; :meth:`launch_raw`
    is the pointer-level entry the DSL uses.
    """

    def __init__(self, handle: int) -> None:
        lib = _lib()
        self._handle = handle
        self._finalizer = weakref.finalize(
            self, lib.enigmaRuntimeCpuKernelDestroy, handle
        )
        self.name: str = lib.enigmaRuntimeCpuKernelGetName(handle).decode()
        self.library_path: str = lib.enigmaRuntimeCpuKernelGetLibraryPath(
            handle
        ).decode()
        #: True when the compiled kernel came from the disk cache.
        self.was_cached: bool = bool(lib.enigmaRuntimeCpuKernelWasCached(handle))
        #: How out-of-bounds buffer accesses are detected: ``"exact"`` (every access
        #: that may touch a buffer is checked) or ``"guard"`` (guard pages only: accesses in
        #: the alignment slack after a buffer's end or just before its start go unnoticed).
        self.bounds_check: str = _BOUNDS_CHECK_NAMES.get(
            lib.enigmaRuntimeCpuKernelGetBoundsCheck(handle), "guard"
        )
        #: How Metal's address spaces were compiled: ``"real"`` (types, as in Metal),
        #: ``"erased"`` (g++, ``-std=``, ``ENIGMA_CPU_ADDRESS_SPACES=0``) or ``"erased-fallback"``
        #: (the default mode's real compile hit a limitation of C++ for OpenCL;
        #: docs/cpu-runtime.md).
        self.address_spaces: str = _ADDRESS_SPACE_NAMES.get(
            lib.enigmaRuntimeCpuKernelGetAddressSpaces(handle), "erased"
        )
        params = []
        for i in range(lib.enigmaRuntimeCpuKernelGetNumParams(handle)):
            p = _Param()
            err = _Error()
            status = lib.enigmaRuntimeCpuKernelGetParam(
                handle, i, ctypes.byref(p), ctypes.byref(err)
            )
            if status:
                _raise(status, err)
            kind = _PARAM_KINDS[p.kind]
            params.append(
                KernelParam(
                    name=p.name.decode(),
                    type_name=p.typeName.decode(),
                    kind=kind,
                    buffer_index=p.bufferIndex if kind in ("buffer", "scalar") else None,
                    arg_index=p.argIndex if kind in ("buffer", "scalar") else None,
                    builtin=_BUILTIN_NAMES[p.builtin] if kind == "builtin" else None,
                    builtin_components=p.builtinComponents,
                    read_only=bool(p.readOnly),
                    element_size=p.elementSize,
                    element_align=p.elementAlign,
                    threadgroup_index=p.threadgroupIndex if kind == "threadgroup" else None,
                )
            )
        #: Every parameter in declaration order.
        self.params: tuple[KernelParam, ...] = tuple(params)
        constants = []
        for i in range(lib.enigmaRuntimeCpuKernelGetNumFunctionConstants(handle)):
            fc = _FunctionConstant()
            err = _Error()
            status = lib.enigmaRuntimeCpuKernelGetFunctionConstant(
                handle, i, ctypes.byref(fc), ctypes.byref(err)
            )
            if status:
                _raise(status, err)
            constants.append(
                FunctionConstant(
                    fc.index, fc.name.decode(), fc.typeName.decode(), bool(fc.required)
                )
            )
        #: The function constants the source declares (values are given at launch:
        #: ``function_constants={index or name: value}``).
        self.function_constants: tuple[FunctionConstant, ...] = tuple(constants)
        #: The launch arguments (buffers and scalars) in [[buffer(i)]] order.
        self.args: tuple[KernelParam, ...] = tuple(
            sorted(
                (p for p in params if p.kind in ("buffer", "scalar")), key=lambda p: p.arg_index
            )
        )
        #: The threadgroup memory parameters ([[threadgroup(i)]]), whose lengths every launch
        #: gives (``threadgroup_memory={i: bytes}``).
        self.threadgroup_params: tuple[KernelParam, ...] = tuple(
            p for p in params if p.kind == "threadgroup"
        )

    def __repr__(self) -> str:
        sig = ", ".join(f"{p.type_name} {p.name}" for p in self.args)
        return f"<CpuKernel {self.name}({sig})>"

    def __call__(
        self,
        *args: Any,
        grid: Sequence[int] | int,
        block: Sequence[int] | int,
        coarsen: int = 1,
        checked: bool = True,
        exited_threads_skip_barriers: bool = False,
        timeout: float | None = None,
        function_constants: Mapping[int | str, Any] | None = None,
        race_check: bool = False,
        threadgroup_memory: Mapping[int, int] | Sequence[int] | None = None,
    ) -> None:
        """Runs the kernel over ``grid`` threads in threadgroups of ``block`` and waits.

        ``coarsen``: x-grid divisor for kernels whose threads each do that many threads'
        work (the x grid launched is ceil(gx / coarsen)). ``checked=False`` passes buffers
        in place (no copies, no out-of-bounds guarantee). ``exited_threads_skip_barriers``
        selects Apple-silicon semantics, where returned threads no longer take part in
        barriers, instead of reporting such barriers as errors. ``timeout``: seconds after
        which the launch is interrupted and fails with kind ``timeout`` (default:
        $ENIGMA_CPU_TIMEOUT, else no limit). ``function_constants`` gives the values of the
        source's function constants by index or name (``{0: 2.5, "use_bias": True}``); the
        kernel is compiled once per set of values. ``race_check=True`` (or
        ``ENIGMA_RACE_CHECK=1`` for every launch) runs the race-checked build of the kernel:
        a data race fails with kind ``data_race``, a read of threadgroup memory nothing wrote
        with ``uninitialized_read`` (docs/cpu-runtime.md#race-checking).
        ``threadgroup_memory`` gives the bytes of each ``threadgroup T* p [[threadgroup(i)]]``
        parameter, ``{i: bytes}`` or a sequence indexed by i (Metal's
        ``setThreadgroupMemoryLength:atIndex:``): a positive multiple of 16, 32 KiB in all.
        """
        self.launch(
            args,
            grid=grid,
            block=block,
            coarsen=coarsen,
            checked=checked,
            exited_threads_skip_barriers=exited_threads_skip_barriers,
            timeout=timeout,
            function_constants=function_constants,
            race_check=race_check,
            threadgroup_memory=threadgroup_memory,
        )

    def launch(
        self,
        args: Sequence[Any],
        *,
        grid: Sequence[int] | int,
        block: Sequence[int] | int,
        coarsen: int = 1,
        checked: bool = True,
        exited_threads_skip_barriers: bool = False,
        timeout: float | None = None,
        function_constants: Mapping[int | str, Any] | None = None,
        race_check: bool = False,
        threadgroup_memory: Mapping[int, int] | Sequence[int] | None = None,
    ) -> None:
        """Same as calling the kernel, with the arguments as one sequence."""
        import numpy as np

        if len(args) != len(self.args):
            expected = ", ".join(p.name for p in self.args)
            raise _invalid(
                f"kernel '{self.name}' takes {len(self.args)} arguments ({expected}), "
                f"got {len(args)}"
            )
        # Checked before any argument is converted: a missing value is the first thing to fix.
        constants = self.resolve_function_constants(function_constants)
        raw: list[tuple[int, int]] = []
        keep: list[Any] = []  # owners of the memory raw points to
        write_back: list[tuple[Any, Any]] = []
        for param, value in zip(self.args, args):
            if param.kind == "scalar":
                data = self._scalar_bytes(param, value, np)
                keep.append(data)
                raw.append((ctypes.addressof(data), len(data)))
            else:
                arr, original = self._buffer_array(param, value, np)
                keep.append(arr)
                if original is not None:
                    write_back.append((original, arr))
                raw.append((arr.ctypes.data if arr.nbytes else 0, arr.nbytes))
        self.launch_raw(
            raw,
            grid=grid,
            block=block,
            coarsen=coarsen,
            checked=checked,
            exited_threads_skip_barriers=exited_threads_skip_barriers,
            timeout=timeout,
            function_constants=constants,
            race_check=race_check,
            threadgroup_memory=threadgroup_memory,
        )
        for original, arr in write_back:
            original[...] = arr.reshape(original.shape)

    def launch_raw(
        self,
        buffers: Sequence[tuple[int, int]],
        *,
        grid: Sequence[int] | int,
        block: Sequence[int] | int,
        coarsen: int = 1,
        checked: bool = True,
        exited_threads_skip_barriers: bool = False,
        timeout: float | None = None,
        function_constants: Mapping[int | str, Any] | Sequence[tuple[Any, Any, bytes]] | None = None,
        race_check: bool = False,
        threadgroup_memory: Mapping[int, int] | Sequence[int] | None = None,
    ) -> None:
        """Launches with (address, byte size) pairs in [[buffer(i)]] order: the bytes of
        a buffer, or exactly ``element_size`` bytes of a scalar. ``function_constants``: a
        mapping as for calling the kernel, or what :meth:`resolve_function_constants`
        returned."""
        g = as_dims(grid, "grid", 0)
        b = as_dims(block, "block", 1)
        if not isinstance(coarsen, int) or not 1 <= coarsen <= _UINT32_MAX:
            raise _invalid(f"coarsen must be a positive integer, got {coarsen!r}")
        timeout_ms = 0
        if timeout is not None:
            if (
                isinstance(timeout, bool)
                or not isinstance(timeout, (int, float))
                or not 0 < timeout <= _UINT32_MAX / 1000
            ):
                raise _invalid(
                    f"timeout must be a positive number of seconds (at most "
                    f"{_UINT32_MAX // 1000}) or None, got {timeout!r}"
                )
            timeout_ms = max(1, int(timeout * 1000))
        n = len(buffers)
        arr = (_Arg * max(n, 1))()
        for i, (address, size) in enumerate(buffers):
            arr[i].data = address or None
            arr[i].size = size
        cfg = _LaunchConfig()
        cfg.grid[:] = g
        cfg.block[:] = b
        cfg.coarsen = coarsen
        cfg.flags = (
            (0 if checked else _FLAG_UNCHECKED)
            | (_FLAG_EXITED_THREADS_SKIP_BARRIERS if exited_threads_skip_barriers else 0)
            | (_FLAG_RACE_CHECK if race_check else 0)
        )
        cfg.timeoutMs = timeout_ms
        lengths = _threadgroup_lengths(threadgroup_memory)
        tg = (ctypes.c_uint32 * max(len(lengths), 1))(*lengths)
        cfg.threadgroupMemoryLengths = ctypes.cast(tg, ctypes.POINTER(ctypes.c_uint32))
        cfg.numThreadgroupMemoryLengths = len(lengths)
        if function_constants is None or isinstance(function_constants, Mapping):
            function_constants = self.resolve_function_constants(function_constants)
        nfc = len(function_constants)
        values = (_FunctionConstantValue * max(nfc, 1))()
        data = [ctypes.create_string_buffer(b, len(b)) for _, _, b in function_constants]
        for i, ((fc, _, b), buf) in enumerate(zip(function_constants, data)):
            values[i].index = fc.index
            values[i].data = ctypes.addressof(buf)
            values[i].size = len(b)
        err = _Error()
        status = _lib().enigmaRuntimeCpuKernelLaunchWithConstants(
            self._handle, arr, n, values, nfc, ctypes.byref(cfg), ctypes.byref(err)
        )
        if status:
            _raise(status, err)

    def resolve_function_constants(
        self, values: Mapping[int | str, Any] | None
    ) -> list[tuple[FunctionConstant, Any, bytes]]:
        """Checks function constant values (keyed by index or name) against the source's
        declarations; raises EnigmaError (kind ``invalid_argument``) for an unknown key, a
        value of the wrong type or range, or a required constant without a value."""
        return _resolve_constants(self.name, self.function_constants, values)

    # -- argument conversion ---------------------------------------------------------

    def _scalar_bytes(self, param: KernelParam, value: Any, np: Any) -> ctypes.Array:
        """The bytes of a `constant T&` argument, exactly param.element_size long."""
        where = f"kernel '{self.name}', argument {param.arg_index} ('{param.name}', constant {param.type_name}&)"
        elem = _element_type(param.type_name)
        if isinstance(value, (bytes, bytearray, memoryview)):
            data = bytes(value)
        elif elem is not None and _SCALAR_DTYPES[elem[0]] is not None:
            dtype = np.dtype(_SCALAR_DTYPES[elem[0]])
            lanes = elem[1]
            try:
                src = np.asarray(value)
                if src.dtype.kind not in "biuf":
                    # Python ints beyond 64 bits, strings...: not a number numpy can hold.
                    raise TypeError(f"not a number ({src.dtype})")
            except Exception as exc:  # noqa: BLE001 - any conversion failure is the caller's
                raise _invalid(f"{where}: cannot convert {value!r}: {exc}") from None
            if src.size != lanes:
                raise _invalid(f"{where}: expected {lanes} value(s), got {src.size}")
            if (
                dtype.kind in "iub"
                and src.dtype.kind == "f"
                and not (np.all(np.isfinite(src)) and np.all(src == np.trunc(src)))
            ):
                raise _invalid(f"{where}: {value!r} is not an integer")
            if dtype.kind in "iu" and src.dtype.kind in "iuf":
                info = np.iinfo(dtype)
                if np.any(src < info.min) or np.any(src > info.max):
                    raise _invalid(f"{where}: {value!r} does not fit in {dtype}")
            vals = src.astype(dtype).reshape(-1)
            data = vals.tobytes()
            data += b"\0" * (
                param.element_size - len(data)
            )  # 3-vectors are padded to 4
        elif isinstance(value, (np.ndarray, np.generic)):
            data = np.ascontiguousarray(value).tobytes()
        else:
            raise _invalid(
                f"{where}: pass the {param.element_size} bytes of the value (bytes, or a numpy "
                f"scalar/array such as a structured array element), got {type(value).__name__}"
            )
        if len(data) != param.element_size:
            raise _invalid(
                f"{where}: the value is {len(data)} bytes, the kernel's type is "
                f"{param.element_size}"
            )
        return (ctypes.c_char * len(data)).from_buffer_copy(data)

    def _buffer_array(self, param: KernelParam, value: Any, np: Any) -> tuple[Any, Any]:
        """A C-contiguous array for a buffer argument and, when it is a copy the caller must
        get back, the caller's array."""
        where = f"kernel '{self.name}', argument {param.arg_index} ('{param.name}', {param.type_name}*)"
        if not isinstance(value, np.ndarray):
            raise _invalid(
                f"{where}: expected a numpy array, got {type(value).__name__}"
            )
        if not param.read_only and not value.flags.writeable:
            raise _invalid(
                f"{where}: the kernel writes this buffer but the array is read-only"
            )
        elem = _element_type(param.type_name)
        if elem is not None:
            want = _SCALAR_DTYPES[elem[0]]
            if want is None:
                ok = value.dtype.itemsize == 2
            else:
                want_dt = np.dtype(want)
                # Integers of the element's size are accepted whatever their signedness and
                # reinterpreted (two's complement): uint32 arrays fit `int*` buffers (Enigma's
                # i32 parameters) and int32 arrays `uint*` ones (MSL written for unsigned).
                ok = value.dtype == want_dt or (
                    want_dt.kind in "iu"
                    and value.dtype.kind in "iu"
                    and value.dtype.itemsize == want_dt.itemsize
                )
            if not ok:
                raise _invalid(
                    f"{where}: array of {value.dtype} for a buffer of {param.type_name} "
                    f"({want or 'bfloat: a 2-byte dtype'} elements expected)"
                )
            size = param.element_size
            lanes = elem[1]
            if lanes == 3 and size == 4 * value.dtype.itemsize and value.ndim and value.shape[-1] == 3:
                # Metal's 3-vectors take 4 lanes of memory: an (n, 3) array would be read with
                # every element shifted.
                raise _invalid(
                    f"{where}: array of shape {value.shape}: a {param.type_name} takes {size} "
                    f"bytes (4 lanes, the last one padding), so pass an array whose last "
                    f"dimension is 4, or declare the buffer packed_{elem[0]}3"
                )
        if value.flags.c_contiguous:
            return value, None
        return np.ascontiguousarray(value), (None if param.read_only else value)


def _iter_or_none(value: Any) -> list[Any]:
    """The items of an iterable, or [None] (not a str) when `value` is not iterable."""
    try:
        return list(value)
    except TypeError:
        return [None]


def compile_msl(
    source: str,
    kernel_name: str,
    *,
    cxx: str | None = None,
    cxx_flags: str | Sequence[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    bounds_check: str | None = None,
) -> CpuKernel:
    """Compiles kernel ``kernel_name`` of the MSL text ``source`` for the CPU.

    The text is compiled unchanged by the host C++ compiler (``cxx``, else $ENIGMA_CXX,
    else clang++-22 / clang++ / g++) with ``cxx_flags`` (else $ENIGMA_CPU_CXXFLAGS)
    appended, and cached under ``cache_dir`` (else $ENIGMA_CACHE_DIR, else
    ~/.cache/enigma). ``bounds_check`` is ``"exact"`` (every buffer access checked; an
    error if the compiler cannot do it), ``"guard"`` (guard pages only) or None
    ($ENIGMA_CPU_BOUNDS_CHECK, else exact when available); the kernel's
    ``bounds_check`` attribute says which one it got. Raises EnigmaError with the
    compiler's output when it fails, or saying what is missing or unsupported.
    """
    if not isinstance(source, str):
        raise _invalid(
            f"compile_msl: source must be a str, got {type(source).__name__}"
        )
    if not isinstance(kernel_name, str):
        raise _invalid(
            f"compile_msl: kernel_name must be a str, got {type(kernel_name).__name__}"
        )
    if bounds_check is not None and (
        not isinstance(bounds_check, str) or bounds_check not in _BOUNDS_CHECK_MODES
    ):
        raise _invalid(
            "compile_msl: bounds_check must be 'exact', 'guard' or None, got "
            f"{bounds_check!r}"
        )
    if cxx is not None and not isinstance(cxx, str):
        raise _invalid(f"compile_msl: cxx must be a str, got {type(cxx).__name__}")
    if cxx_flags is not None and not isinstance(cxx_flags, str):
        # A sequence of flags is joined with spaces (each flag one word, as in a command line).
        if isinstance(cxx_flags, (bytes, bytearray)) or not all(
            isinstance(f, str) for f in _iter_or_none(cxx_flags)
        ):
            raise _invalid(
                "compile_msl: cxx_flags must be a str or a sequence of str, got "
                f"{cxx_flags!r}"
            )
        cxx_flags = " ".join(cxx_flags)
    lib = _lib()
    src = source.encode("utf-8")
    opts = _CompileOptions(
        cxx.encode() if cxx else None,
        cxx_flags.encode() if cxx_flags is not None else None,
        os.fsencode(cache_dir) if cache_dir is not None else None,
        _BOUNDS_CHECK_MODES[bounds_check],
    )
    handle = ctypes.c_void_p()
    err = _Error()
    status = lib.enigmaRuntimeCpuKernelCreate(
        src,
        len(src),
        kernel_name.encode(),
        ctypes.byref(opts),
        ctypes.byref(handle),
        ctypes.byref(err),
    )
    if status:
        _raise(status, err)
    return CpuKernel(handle.value)
