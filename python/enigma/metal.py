"""macOS only: building a ``.metallib`` with Apple's toolchain and dispatching it with Metal.

Everything here shells out to ``xcrun`` (Xcode command-line tools); it is isolated in this one
module so the rest of Enigma runs on any OS. Failures raise EnigmaRuntimeError (an EnigmaError and a RuntimeError) carrying xcrun's output.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from .errors import EnigmaRuntimeError

__all__ = ["Session", "build_metallib", "dispatch", "run_xcrun"]


def run_xcrun(args: list[str]) -> subprocess.CompletedProcess:
    """Runs ``xcrun -sdk macosx <args>``; raises EnigmaRuntimeError (with stderr) when it fails."""
    cmd = ["xcrun", "-sdk", "macosx", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise EnigmaRuntimeError(
            "cannot build a metallib: 'xcrun' was not found (install the Xcode "
            "command-line tools, or compile with emit_only=True)"
        ) from None
    except OSError as exc:
        raise EnigmaRuntimeError(f"cannot run xcrun: {exc}") from None
    if proc.returncode != 0:
        raise EnigmaRuntimeError(
            f"`{' '.join(cmd)}` failed with exit code {proc.returncode}:\n"
            f"{proc.stderr.strip() or proc.stdout.strip()}"
        )
    return proc


def build_metallib(msl: str, kernel_name: str, work_dir: Path) -> Path:
    """Compiles `msl` to ``<work_dir>/<kernel_name>.metallib`` (via a .air file)."""
    work_dir = Path(work_dir)
    src = work_dir / f"{kernel_name}.metal"
    air = work_dir / f"{kernel_name}.air"
    lib = work_dir / f"{kernel_name}.metallib"
    wrote_src = not src.exists()
    src.write_text(msl)
    try:
        run_xcrun(["metal", "-c", str(src), "-o", str(air)])
        run_xcrun(["metallib", str(air), "-o", str(lib)])
    finally:
        air.unlink(missing_ok=True)
        if wrote_src:
            src.unlink(missing_ok=True)
    return lib


# MSL type of a function constant -> MTLDataType name.
_MTL_DATA_TYPES = {
    "bool": "MTLDataTypeBool",
    "char": "MTLDataTypeChar",
    "uchar": "MTLDataTypeUChar",
    "short": "MTLDataTypeShort",
    "ushort": "MTLDataTypeUShort",
    "int": "MTLDataTypeInt",
    "uint": "MTLDataTypeUInt",
    "long": "MTLDataTypeLong",
    "ulong": "MTLDataTypeULong",
    "half": "MTLDataTypeHalf",
    "float": "MTLDataTypeFloat",
}


def _function(lib: Any, ck: Any, constants: list, metal: Any) -> Any:  # pragma: no cover
    """The kernel function of `lib`, specialized with `constants` ((FunctionConstant, value,
    bytes) triples from function_constants.resolve) when there are any."""
    if not constants:
        fn = lib.newFunctionWithName_(ck.kernel_name)
        if fn is None:
            raise EnigmaRuntimeError(f"{ck.metallib_path} has no function {ck.kernel_name}")
        return fn
    values = metal.MTLFunctionConstantValues.alloc().init()
    for fc, _, data in constants:
        values.setConstantValue_type_atIndex_(
            data, getattr(metal, _MTL_DATA_TYPES[fc.type_name]), fc.index
        )
    fn, err = lib.newFunctionWithName_constantValues_error_(ck.kernel_name, values, None)
    if fn is None:
        raise EnigmaRuntimeError(
            f"cannot specialize {ck.kernel_name} with its function constants: {err}"
        )
    return fn


class Session:  # pragma: no cover - macOS only
    """A kernel ready to run repeatedly on the default Metal device: its pipeline state and one
    shared-storage MTLBuffer per buffer argument, created once (``MetalRuntime.prepare``).

    `args` are the kernel's arguments in parameter order (numpy arrays for buffers, numbers for
    scalars); `constants` its function constant values (a dict by index or name)."""

    def __init__(self, ck: Any, args: list, constants: Any = None) -> None:
        try:
            import Foundation
            import Metal
        except ImportError:
            raise EnigmaRuntimeError(
                "Metal needs PyObjC's Metal bindings (pip install pyobjc-framework-Metal)"
            ) from None
        import numpy as np

        from . import function_constants as _fc

        self._metal = Metal
        self.ck = ck
        dev = Metal.MTLCreateSystemDefaultDevice()
        if dev is None:
            raise EnigmaRuntimeError("no Metal device is available")
        if ck.metallib_path is None:  # compiled emit-only: build the metallib now
            import tempfile

            lib_path = build_metallib(
                ck.metal_source, ck.kernel_name, Path(tempfile.mkdtemp(prefix="enigma-"))
            )
            ck.metallib_path = str(lib_path.resolve())
            ck.metallib_bytes = lib_path.read_bytes()
        url = Foundation.NSURL.fileURLWithPath_(str(ck.metallib_path))
        lib, err = dev.newLibraryWithURL_error_(url, None)
        if lib is None:
            raise EnigmaRuntimeError(f"cannot load {ck.metallib_path}: {err}")
        kinfo = (ck.metadata.get("kernels") or [{}])[0]
        resolved = _fc.resolve(ck.kernel_name, _fc.from_metadata(kinfo), constants)
        fn = _function(lib, ck, resolved, Metal)
        pso, err = dev.newComputePipelineStateWithFunction_error_(fn, None)
        if pso is None:
            raise EnigmaRuntimeError(
                f"cannot create the pipeline state of {ck.kernel_name}: {err}"
            )
        self.dev, self.pso, self.queue = dev, pso, dev.newCommandQueue()
        self.bindings: list = []  # (index, MTLBuffer or bytes, array or None)
        self.by_array: dict = {}
        for p, v in zip(ck.params, args):
            if isinstance(v, np.ndarray):
                arr = np.ascontiguousarray(v)
                buf = dev.newBufferWithBytes_length_options_(
                    arr.tobytes(), max(arr.nbytes, 1), Metal.MTLResourceStorageModeShared
                )
                self.bindings.append((p.buffer_index, buf, arr))
                self.by_array[id(v)] = (buf, v)
            else:
                data = np.array(v, dtype=p.dtype.numpy).tobytes()
                self.bindings.append((p.buffer_index, data, None))

    def dispatch(self, grid: tuple, block: tuple, implicit: dict | None = None) -> float:
        """Runs the kernel over `grid` scalar-kernel threads; returns the GPU time in
        microseconds (the command buffer's GPU timestamps)."""
        Metal = self._metal
        ck = self.ck
        cmd = self.queue.commandBuffer()
        enc = cmd.computeCommandEncoder()
        enc.setComputePipelineState_(self.pso)
        for index, buf, arr in self.bindings:
            if arr is None:
                enc.setBytes_length_atIndex_(buf, len(buf), index)
            else:
                enc.setBuffer_offset_atIndex_(buf, 0, index)
        import numpy as np

        for index, name in ck.implicit_params:
            axis = {"threads_per_grid.x": 0, "threads_per_grid.y": 1,
                    "threads_per_grid.z": 2}[ck.implicit_kinds.get(index, "")]
            data = np.array(grid[axis], dtype=np.uint32).tobytes()
            enc.setBytes_length_atIndex_(data, len(data), index)
        coarsen = max(1, ck.coarsen)
        enc.dispatchThreads_threadsPerThreadgroup_(
            Metal.MTLSizeMake(-(-grid[0] // coarsen), grid[1], grid[2]),
            Metal.MTLSizeMake(*block),
        )
        enc.endEncoding()
        cmd.commit()
        cmd.waitUntilCompleted()
        if cmd.error() is not None:
            raise EnigmaRuntimeError(
                f"Metal reported an error running {ck.kernel_name}: {cmd.error()}"
            )
        return (cmd.GPUEndTime() - cmd.GPUStartTime()) * 1e6

    def read(self, original: Any) -> Any:
        """The current contents of the buffer made from array `original`, as an array."""
        import numpy as np

        buf, _ = self.by_array[id(original)]
        view = buf.contents().as_buffer(original.nbytes)
        return np.frombuffer(view, dtype=original.dtype).reshape(original.shape).copy()

    def release(self) -> None:
        for _, buf, arr in self.bindings:
            if arr is not None:
                buf.setPurgeableState_(self._metal.MTLPurgeableStateEmpty)
        self.bindings = []
        self.by_array = {}


def dispatch(
    ck: Any,
    slots: list,
    grid: tuple,
    block: tuple,
    constants: list | None = None,
    threadgroup_memory: list[int] | None = None,
) -> None:  # pragma: no cover
    """Runs CompiledKernel `ck` on the default Metal device (PyObjC's Metal bindings), with
    dispatchThreads semantics; `slots` are (buffer index, value) pairs, `constants` the
    function constant values (given to MTLFunctionConstantValues), `threadgroup_memory` the
    lengths of [[threadgroup(i)]] memory by index (setThreadgroupMemoryLength:atIndex:).
    Buffers the kernel writes are copied back into the arrays."""
    try:
        import Foundation
        import Metal
    except ImportError:
        raise EnigmaRuntimeError(
            "device='metal' needs PyObjC's Metal bindings (pip install pyobjc-framework-Metal)"
        ) from None
    import numpy as np

    dev = Metal.MTLCreateSystemDefaultDevice()
    if dev is None:
        raise EnigmaRuntimeError("no Metal device is available")
    url = Foundation.NSURL.fileURLWithPath_(str(ck.metallib_path))
    lib, err = dev.newLibraryWithURL_error_(url, None)
    if lib is None:
        raise EnigmaRuntimeError(f"cannot load {ck.metallib_path}: {err}")
    fn = _function(lib, ck, constants or [], Metal)
    pso, err = dev.newComputePipelineStateWithFunction_error_(fn, None)
    if pso is None:
        raise EnigmaRuntimeError(f"cannot create the pipeline state of {ck.kernel_name}: {err}")
    queue = dev.newCommandQueue()
    cmd = queue.commandBuffer()
    enc = cmd.computeCommandEncoder()
    enc.setComputePipelineState_(pso)
    copies = []
    by_index = {p.buffer_index: p for p in ck.params}
    for index, v in slots:
        p = by_index.get(index)
        if isinstance(v, np.ndarray):
            arr = np.ascontiguousarray(v)
            buf = dev.newBufferWithBytes_length_options_(arr.tobytes(), max(arr.nbytes, 1), 0)
            enc.setBuffer_offset_atIndex_(buf, 0, index)
            if p is None or p.access != "read":
                copies.append((buf, v, arr))
        else:
            data = np.array(v, dtype=p.dtype.numpy if p else np.uint32).tobytes()
            enc.setBytes_length_atIndex_(data, len(data), index)
    for index, nbytes in enumerate(threadgroup_memory or []):
        if nbytes:
            enc.setThreadgroupMemoryLength_atIndex_(nbytes, index)
    coarsen = max(1, ck.coarsen)
    gx = -(-grid[0] // coarsen)
    enc.dispatchThreads_threadsPerThreadgroup_(
        Metal.MTLSizeMake(gx, grid[1], grid[2]), Metal.MTLSizeMake(*block)
    )
    enc.endEncoding()
    cmd.commit()
    cmd.waitUntilCompleted()
    if cmd.error() is not None:
        raise EnigmaRuntimeError(f"Metal reported an error running {ck.kernel_name}: {cmd.error()}")
    for buf, original, arr in copies:
        view = buf.contents().as_buffer(arr.nbytes)
        original[...] = np.frombuffer(view, dtype=arr.dtype).reshape(original.shape)
