"""``enigma.MetalRuntime``: the reference's way of running a compiled kernel, on every OS.

On macOS with a Metal device it dispatches on the GPU (``metal.py``); everywhere else (or with
``ENIGMA_BACKEND=cpu``) the same object runs the same MSL on Enigma's CPU runtime, with the same
signatures and results. ``runtime.backend`` says which.

Buffer convention (the reference's): ``inputs`` are the kernel's parameters in order, except the
output buffer(s): the last buffer parameter is the output, ``output_size`` bytes, zero-filled.
With ``output_shapes``/``output_dtypes`` the last ``len(output_shapes)`` buffer parameters are
outputs and ``execute`` returns arrays of the inputs' framework instead of bytes. Inputs are
copied (as into GPU buffers): a kernel writing an input buffer does not change the caller's
array.

``grid`` counts the threads launched (Metal's ``dispatchThreads``). A kernel compiled with
``vec_width=N`` does N elements per thread, so the reference launches ``n / N`` threads: Enigma
runs it over ``grid.x * N`` elements, whatever its vectorizer decided.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

from .arrays import as_numpy, framework_of, from_numpy, numpy_dtype
from .errors import EnigmaError, EnigmaRuntimeError
from .runtime import as_dims

__all__ = ["MetalRuntime", "PreparedKernel"]

_BACKENDS = ("cpu", "metal")


def _check_compiled(compiled: Any) -> Any:
    from .compiling import CompiledKernel

    if not isinstance(compiled, CompiledKernel):
        raise EnigmaError(
            f"expected a CompiledKernel (from enigma.compile), got {type(compiled).__name__}",
            kind="invalid_argument",
        )
    return compiled


def _elements_grid(ck: Any, grid: Any) -> tuple[int, int, int]:
    """The grid of the scalar kernel for a `grid` counting launched threads."""
    g = as_dims(grid, "grid", 0)
    if ck.vec_width:
        g = (g[0] * ck.vec_width, g[1], g[2])
    return g


def _bind(
    ck: Any, inputs: Any, outputs: list[tuple[Any, tuple[int, ...] | None]]
) -> tuple[list[Any], list[tuple[Any, tuple[int, ...] | None]]]:
    """The argument list (in parameter order) for `inputs` plus fresh zeroed output buffers.

    `outputs` holds one (numpy dtype or None, shape or None) per output, None meaning the
    parameter's own dtype; the output buffers are the last buffer parameters."""
    import numpy as np

    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence):
        raise EnigmaError(
            f"{ck.kernel_name}: inputs must be a list of arrays, got {type(inputs).__name__}",
            kind="invalid_argument",
        )
    params = ck.params
    buffers = [i for i, p in enumerate(params) if p.kind == "buffer"]
    nout = len(outputs)
    if len(buffers) < nout:
        raise EnigmaError(
            f"{ck.kernel_name} has {len(buffers)} buffer parameter(s), fewer than the "
            f"{nout} output(s) asked for",
            kind="invalid_argument",
        )
    out_slots = buffers[len(buffers) - nout :]
    in_slots = [i for i in range(len(params)) if i not in out_slots]
    if len(inputs) != len(in_slots):
        names = ", ".join(params[i].name for i in in_slots)
        outs = ", ".join(params[i].name for i in out_slots)
        raise EnigmaError(
            f"{ck.kernel_name} takes {len(in_slots)} input(s) ({names}) besides its output "
            f"buffer(s) ({outs}), got {len(inputs)}",
            kind="invalid_argument",
        )
    args: list[Any] = [None] * len(params)
    for slot, value in zip(in_slots, inputs):
        p = params[slot]
        where = f"{ck.kernel_name}: input #{in_slots.index(slot)} ('{p.name}')"
        if p.kind == "buffer":
            if isinstance(value, (list, tuple)):
                value = np.asarray(value, dtype=np.dtype(p.dtype.numpy))
            # a copy, as into a GPU buffer: the kernel's writes never reach the caller's array
            args[slot] = np.array(as_numpy(value, where), copy=True)
        else:
            args[slot] = value
    made: list[tuple[Any, tuple[int, ...] | None]] = []
    for slot, (dtype, shape) in zip(out_slots, outputs):
        p = params[slot]
        want = np.dtype(p.dtype.numpy)
        dt = want if dtype is None else dtype
        if dt.itemsize != want.itemsize:
            raise EnigmaError(
                f"{ck.kernel_name}: output '{p.name}' holds {p.dtype.name} "
                f"({want.itemsize} bytes per element); {dt} has {dt.itemsize}",
                kind="invalid_argument",
            )
        args[slot] = np.zeros(int(np.prod(shape)), dtype=want)
        made.append((args[slot], None if dtype is None else (dt, tuple(shape))))
    return args, made


def _output_specs(ck: Any, output_size: Any, output_shapes: Any, output_dtypes: Any) -> list:
    """(numpy dtype or None, shape) per output, from the bytes form or the framework form."""
    import numpy as np

    if output_shapes is None:
        if output_dtypes is not None:
            raise EnigmaError(
                f"{ck.kernel_name}: output_dtypes needs output_shapes", kind="invalid_argument"
            )
        if output_size is None:
            raise EnigmaError(
                f"{ck.kernel_name}: pass output_size (bytes of the output buffer) or "
                "output_shapes/output_dtypes",
                kind="invalid_argument",
            )
        if isinstance(output_size, bool) or not isinstance(output_size, (int, np.integer)):
            raise EnigmaError(
                f"{ck.kernel_name}: output_size must be a number of bytes, got {output_size!r}",
                kind="invalid_argument",
            )
        buffers = [p for p in ck.params if p.kind == "buffer"]
        if not buffers:
            raise EnigmaError(
                f"{ck.kernel_name} has no buffer parameter to be its output",
                kind="invalid_argument",
            )
        item = np.dtype(buffers[-1].dtype.numpy).itemsize
        size = int(output_size)
        if size < 0:
            raise EnigmaError(
                f"{ck.kernel_name}: output_size must be a non-negative number of bytes, got "
                f"{size}",
                kind="invalid_argument",
            )
        if size % item:
            raise EnigmaError(
                f"{ck.kernel_name}: output_size {size} is not a whole number of "
                f"{buffers[-1].dtype.name} elements ({item} bytes each) of output "
                f"'{buffers[-1].name}'",
                kind="invalid_argument",
            )
        return [(None, (size // item,))]
    shapes = list(output_shapes)
    dtypes = list(output_dtypes) if output_dtypes is not None else [None] * len(shapes)
    if len(dtypes) != len(shapes) or not shapes:
        raise EnigmaError(
            f"{ck.kernel_name}: output_shapes and output_dtypes need one entry per output "
            f"(got {len(shapes)} and {len(dtypes)})",
            kind="invalid_argument",
        )
    specs = []
    for k, (shape, dtype) in enumerate(zip(shapes, dtypes)):
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        if any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 0
               for d in shape):
            raise EnigmaError(
                f"{ck.kernel_name}: output_shapes[{k}] must be a shape of non-negative ints, "
                f"got {shape!r}",
                kind="invalid_argument",
            )
        dt = numpy_dtype(dtype, f"output_dtypes[{k}]") if dtype is not None else None
        specs.append((dt, tuple(int(d) for d in shape)))
    # The framework form asks for arrays back even when no dtype is given.
    return [(dt if dt is not None else False, shape) for dt, shape in specs]


def _normalize_specs(ck: Any, specs: list) -> list:
    import numpy as np

    buffers = [p for p in ck.params if p.kind == "buffer"]
    out = []
    for k, (dt, shape) in enumerate(specs):
        if dt is False:
            p = buffers[len(buffers) - len(specs) + k] if len(buffers) >= len(specs) else None
            dt = np.dtype(p.dtype.numpy) if p is not None else None
        out.append((dt, shape))
    return out


class MetalRuntime:
    """Runs compiled kernels: on Metal on macOS, on the CPU runtime everywhere else.

    - `dylib_path`: the reference's custom Swift runtime library. Enigma dispatches through
      PyObjC's Metal bindings and has no Swift runtime; a given path must exist and is kept
      (``runtime.dylib_path``) but not loaded.
    - ``backend``: ``"metal"`` or ``"cpu"``; ``ENIGMA_BACKEND=cpu`` (or ``metal``) forces one.
    """

    def __init__(self, dylib_path: str | os.PathLike[str] | None = None) -> None:
        if dylib_path is not None:
            if not isinstance(dylib_path, (str, os.PathLike)):
                raise EnigmaError(
                    f"MetalRuntime: dylib_path must be a path, got {type(dylib_path).__name__}",
                    kind="invalid_argument",
                )
            if not os.path.exists(dylib_path):
                raise EnigmaRuntimeError(f"MetalRuntime: no runtime library at {dylib_path}")
        self.dylib_path = None if dylib_path is None else os.fspath(dylib_path)
        self.backend = self._choose_backend()

    @staticmethod
    def _choose_backend() -> str:
        forced = os.environ.get("ENIGMA_BACKEND", "").strip().lower()
        if forced and forced not in _BACKENDS:
            raise EnigmaError(
                f"ENIGMA_BACKEND={forced!r}: expected 'cpu' or 'metal'", kind="invalid_argument"
            )
        if forced == "cpu":
            return "cpu"
        from . import testing

        if forced == "metal" and not testing.is_metal_available():
            raise EnigmaRuntimeError(
                "ENIGMA_BACKEND=metal, but no Metal device is available (Metal needs macOS, a "
                "GPU and PyObjC's Metal bindings)"
            )
        if forced:
            return forced
        return "metal" if testing.is_metal_available() else "cpu"

    def __repr__(self) -> str:
        return f"<enigma.MetalRuntime backend={self.backend}>"

    # -- one-shot ----------------------------------------------------------------------------

    def execute(
        self,
        compiled: Any,
        inputs: Any,
        output_size: int | None = None,
        grid: Any = (1, 1, 1),
        threads: Any = (1, 1, 1),
        *,
        output_shapes: Any = None,
        output_dtypes: Any = None,
        function_constants: Any = None,
        race_check: bool = False,
    ) -> Any:
        """Runs `compiled` once: copies `inputs` into fresh buffers, allocates the zeroed output,
        dispatches `grid` threads in threadgroups of `threads`, and returns the output's bytes
        (or, with `output_shapes`/`output_dtypes`, the output arrays in the inputs'
        framework: one array, or a list for several outputs). `race_check=True` (CPU backend)
        runs the CPU runtime's race checker (docs/cpu-runtime.md#race-checking)."""
        pk = self.prepare(
            compiled,
            inputs,
            output_size,
            output_shapes=output_shapes,
            output_dtypes=output_dtypes,
            function_constants=function_constants,
        )
        try:
            pk.dispatch(grid, threads, race_check=race_check)
            if output_shapes is None:
                return pk.read_output()
            return pk.read_outputs()
        finally:
            pk.release()

    # -- repeated ----------------------------------------------------------------------------

    def prepare(
        self,
        compiled: Any,
        inputs: Any,
        output_size: int | None = None,
        *,
        output_shapes: Any = None,
        output_dtypes: Any = None,
        function_constants: Any = None,
    ) -> PreparedKernel:
        """Allocates the buffers of `compiled` once (inputs copied, output zeroed) for repeated
        dispatches; returns a :class:`PreparedKernel`."""
        ck = _check_compiled(compiled)
        specs = _normalize_specs(
            ck, _output_specs(ck, output_size, output_shapes, output_dtypes)
        )
        args, outputs = _bind(ck, inputs, specs)
        framework = framework_of(inputs)
        return PreparedKernel(self, ck, args, outputs, framework, function_constants)


class PreparedKernel:
    """A compiled kernel with its buffers allocated: ``dispatch``, ``dispatch_timed``,
    ``read_output``, ``release``. The buffers persist across dispatches (a kernel that writes
    an input sees its own writes next time, as on a GPU)."""

    def __init__(
        self,
        runtime: MetalRuntime,
        ck: Any,
        args: list[Any],
        outputs: list,
        framework: str,
        function_constants: Any,
    ) -> None:
        self.runtime = runtime
        self.compiled = ck
        self.backend = runtime.backend
        self._args = args
        self._outputs = outputs
        self._framework = framework
        self._constants = function_constants
        self._released = False
        if self.backend == "metal":  # pragma: no cover - macOS only
            from . import metal

            self._session = metal.Session(ck, args, function_constants)

    def __repr__(self) -> str:
        state = "released" if self._released else "ready"
        return f"<enigma.PreparedKernel {self.compiled.kernel_name} ({self.backend}, {state})>"

    def _check(self, what: str) -> None:
        if self._released:
            raise EnigmaError(
                f"PreparedKernel.{what}: {self.compiled.kernel_name} was released; prepare it "
                "again with runtime.prepare(...)",
                kind="invalid_argument",
            )

    def _run(self, grid: Any, threads: Any, race_check: bool = False) -> float:
        """Dispatches once; returns the time in microseconds (GPU timestamps on Metal, the
        launch's wall time on the CPU runtime)."""
        ck = self.compiled
        g = _elements_grid(ck, grid)
        if race_check and self.backend != "cpu":
            raise EnigmaError(
                "race_check runs on the CPU runtime (set ENIGMA_BACKEND=cpu)",
                kind="unsupported",
            )
        if self.backend == "metal":  # pragma: no cover - macOS only
            return self._session.dispatch(g, as_dims(threads, "threads", 1))
        from . import launch as _launch

        t0 = time.perf_counter()
        _launch.launch(ck, self._args, g, threads, "cpu", self._constants, race_check)
        return (time.perf_counter() - t0) * 1e6

    def dispatch(self, grid: Any, threads: Any, *, race_check: bool = False) -> None:
        """Runs the kernel over `grid` threads (x, y, z) in threadgroups of `threads`;
        blocking. `race_check=True` (CPU backend) runs the CPU runtime's race checker: a data
        race raises EnigmaError kind ``data_race``, an uninitialized threadgroup read
        ``uninitialized_read`` (docs/cpu-runtime.md#race-checking)."""
        self._check("dispatch")
        self._run(grid, threads, race_check)

    def dispatch_timed(self, grid: Any, threads: Any) -> float:
        """Runs the kernel like :meth:`dispatch` and returns its duration in microseconds: GPU
        timestamps on Metal, the launch's wall-clock time on the CPU runtime."""
        self._check("dispatch_timed")
        return self._run(grid, threads)

    def read_output(self) -> bytes:
        """The bytes of the output buffer (the last one, with several outputs)."""
        self._check("read_output")
        arr = self._output_array(len(self._outputs) - 1)
        return arr.tobytes()

    def read_outputs(self) -> Any:
        """The outputs as arrays of the inputs' framework, shaped as asked (the framework form
        of :meth:`MetalRuntime.execute`): one array, or a list for several outputs."""
        self._check("read_outputs")
        out = []
        for k, (arr, spec) in enumerate(self._outputs):
            a = self._output_array(k)
            if spec is not None:
                dt, shape = spec
                a = a.view(dt).reshape(shape)
            out.append(from_numpy(a.copy(), self._framework))
        return out[0] if len(out) == 1 else out

    def _output_array(self, k: int) -> Any:
        arr = self._outputs[k][0]
        if self.backend == "metal":  # pragma: no cover - macOS only
            return self._session.read(arr)
        return arr

    def release(self) -> None:
        """Frees the buffers; using the kernel afterwards is an error. Releasing twice is a
        no-op."""
        if self._released:
            return
        self._released = True
        if self.backend == "metal":  # pragma: no cover - macOS only
            self._session.release()
        self._args = []
        self._outputs = [(None, spec) for _, spec in self._outputs]

    def __enter__(self) -> PreparedKernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

