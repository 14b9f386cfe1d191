"""enigma.MetalRuntime, PreparedKernel and framework arrays (the reference's §1, §5), run on the
CPU runtime here (no Metal off macOS), against numpy; and the reference's own example programs,
run unchanged from a temporary copy."""

from __future__ import annotations

import array
import os
import shutil
import subprocess
import sys
from pathlib import Path

import enigma
import numpy as np
import pytest

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
ROOT = Path(__file__).resolve().parents[2]
rng = np.random.default_rng(31)


@enigma.kernel
def vector_add(A: enigma.f32, B: enigma.f32, C: enigma.f32):
    tid = enigma.thread_position_in_grid
    C[tid] = A[tid] + B[tid]


@pytest.fixture(autouse=True)
def _no_forced_backend(monkeypatch):
    monkeypatch.delenv("ENIGMA_BACKEND", raising=False)


# ---------------------------------------------------------------------------------------------
# §1 and §5 as written
# ---------------------------------------------------------------------------------------------


def test_quick_start_as_written():
    compiled = enigma.compile(vector_add)
    runtime = enigma.MetalRuntime()
    N = 1024
    A = np.random.randn(N).astype(np.float32)
    B = np.random.randn(N).astype(np.float32)
    result_bytes = runtime.execute(
        compiled,
        inputs=[A, B],
        output_size=N * 4,
        grid=(N, 1, 1),
        threads=(min(N, 256), 1, 1),
    )
    C = np.frombuffer(result_bytes, dtype=np.float32)
    assert isinstance(result_bytes, bytes)
    np.testing.assert_array_equal(C, A + B)


def test_section_5_examples_as_written():
    compiled = enigma.compile(vector_add)
    N = 4096
    A = rng.standard_normal(N).astype(np.float32)
    B = rng.standard_normal(N).astype(np.float32)
    rt = enigma.MetalRuntime()
    out_bytes = rt.execute(compiled, [A, B], N * 4, grid=(N, 1, 1), threads=(256, 1, 1))
    result = np.frombuffer(out_bytes, dtype=np.float32)
    np.testing.assert_array_equal(result, A + B)

    pk = rt.prepare(compiled, [A, B], N * 4)
    pk.dispatch(grid=(N, 1, 1), threads=(256, 1, 1))
    result = np.frombuffer(pk.read_output(), dtype=np.float32)
    gpu_us = pk.dispatch_timed(grid=(N, 1, 1), threads=(256, 1, 1))
    pk.release()
    np.testing.assert_array_equal(result, A + B)
    assert isinstance(gpu_us, float) and gpu_us > 0


N_DIM = 64
K_DIM = 4


@enigma.kernel
def matmul(A: enigma.f32, B: enigma.f32, C: enigma.f32):
    row = enigma.thread_position_in_grid_xyz("y")
    col = enigma.thread_position_in_grid_xyz("x")
    n = enigma.metal_cast(N_DIM, "uint")
    k = enigma.metal_cast(K_DIM, "uint")
    base_a = row * k
    base_b = col

    a0, a1 = A[base_a], A[base_a + 1]
    a2, a3 = A[base_a + 2], A[base_a + 3]
    b0, b1 = B[base_b], B[base_b + n]
    b2, b3 = B[base_b + n * 2], B[base_b + n * 3]

    avec = enigma.make_float4(a0, a1, a2, a3)
    bvec = enigma.make_float4(b0, b1, b2, b3)
    C[row * n + col] = enigma.dot(avec, bvec)


def test_complete_matrix_multiply_example_as_written():
    M = 32
    compiled = enigma.compile(matmul)
    rt = enigma.MetalRuntime()
    A = np.random.randn(M, K_DIM).astype(np.float32)
    B = np.random.randn(K_DIM, N_DIM).astype(np.float32)
    out = np.frombuffer(
        rt.execute(compiled, [A.ravel(), B.ravel()], M * N_DIM * 4,
                   grid=(N_DIM, M, 1), threads=(16, 16, 1)),
        dtype=np.float32,
    ).reshape(M, N_DIM)
    np.testing.assert_allclose(out, A @ B, rtol=1e-4)


# ---------------------------------------------------------------------------------------------
# Backends
# ---------------------------------------------------------------------------------------------


def test_backend_is_the_cpu_off_macos_and_can_be_forced(monkeypatch, tmp_path):
    rt = enigma.MetalRuntime()
    assert rt.backend == ("metal" if enigma.testing.is_metal_available() else "cpu")
    monkeypatch.setenv("ENIGMA_BACKEND", "cpu")
    assert enigma.MetalRuntime().backend == "cpu"
    monkeypatch.setenv("ENIGMA_BACKEND", "gpu")
    with pytest.raises(enigma.EnigmaError, match="ENIGMA_BACKEND='gpu'"):
        enigma.MetalRuntime()
    if not enigma.testing.is_metal_available():
        monkeypatch.setenv("ENIGMA_BACKEND", "metal")
        with pytest.raises(RuntimeError, match="no Metal device is available"):
            enigma.MetalRuntime()
    monkeypatch.delenv("ENIGMA_BACKEND")
    with pytest.raises(RuntimeError, match="no runtime library"):
        enigma.MetalRuntime(dylib_path=tmp_path / "missing.dylib")
    lib = tmp_path / "custom.dylib"
    lib.write_bytes(b"")
    assert enigma.MetalRuntime(dylib_path=str(lib)).dylib_path == str(lib)


# ---------------------------------------------------------------------------------------------
# execute: buffers, scalars, errors
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def scaled_inplace(X: enigma.f32, s: enigma.Scalar(enigma.f32), Y: enigma.f32):
    t = enigma.thread_position_in_grid
    X[t] = X[t] * 2.0  # writes its input buffer
    Y[t] = X[t] * s


def test_execute_copies_inputs_and_takes_scalars():
    x = rng.random(64, dtype=np.float32)
    before = x.copy()
    rt = enigma.MetalRuntime()
    c = enigma.compile(scaled_inplace)
    y = np.frombuffer(rt.execute(c, [x, 3.0], 64 * 4, grid=(64, 1, 1), threads=(32, 1, 1)),
                      np.float32)
    np.testing.assert_array_equal(x, before)  # the kernel wrote a copy, as on a GPU
    np.testing.assert_allclose(y, before * 2 * 3, rtol=1e-6)


def test_execute_errors():
    rt = enigma.MetalRuntime()
    c = enigma.compile(vector_add)
    a = np.zeros(8, np.float32)
    with pytest.raises(enigma.EnigmaError, match=r"takes 2 input\(s\) \(A, B\) besides its "
                                                 r"output buffer\(s\) \(C\), got 1"):
        rt.execute(c, [a], 32, grid=(8, 1, 1), threads=(8, 1, 1))
    with pytest.raises(enigma.EnigmaError, match="not a whole number of f32 elements"):
        rt.execute(c, [a, a], 30, grid=(8, 1, 1), threads=(8, 1, 1))
    with pytest.raises(enigma.EnigmaError, match="non-negative number of bytes, got -4"):
        rt.execute(c, [a, a], -4, grid=(8, 1, 1), threads=(8, 1, 1))
    with pytest.raises(enigma.EnigmaError, match="expected a float32 array, got float64"):
        rt.execute(c, [a, np.zeros(8)], 32, grid=(8, 1, 1), threads=(8, 1, 1))
    with pytest.raises(enigma.EnigmaError, match="not contiguous"):
        rt.execute(c, [a, np.zeros(16, np.float32)[::2]], 32, grid=(8, 1, 1),
                   threads=(8, 1, 1))
    with pytest.raises(enigma.EnigmaError, match="expected a CompiledKernel"):
        rt.execute(vector_add, [a, a], 32, grid=(8, 1, 1), threads=(8, 1, 1))
    with pytest.raises(enigma.EnigmaError, match="pass output_size"):
        rt.execute(c, [a, a], grid=(8, 1, 1), threads=(8, 1, 1))
    with pytest.raises(enigma.EnigmaError, match="out-of-bounds write of buffer 'C'"):
        rt.execute(c, [a, a], 16, grid=(8, 1, 1), threads=(8, 1, 1))  # output too small


# ---------------------------------------------------------------------------------------------
# grid counts launched threads: vec_width kernels
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def saxpy(X: enigma.f32, Y: enigma.f32, Out: enigma.f32):
    t = enigma.thread_position_in_grid
    Out[t] = X[t] * 2.0 + Y[t]


@enigma.kernel
def tg_copy(X: enigma.f32, Out: enigma.f32):
    # threadgroup memory and a barrier: the vectorizer leaves this kernel scalar
    t = enigma.thread_position_in_grid
    lid = enigma.thread_position_in_threadgroup()
    s = enigma.threadgroup_alloc("float", 256)
    s[lid] = X[t]
    enigma.barrier()
    Out[t] = s[lid] + 1.0


@pytest.mark.parametrize("kernel", [saxpy, tg_copy], ids=["coarsened", "left-scalar"])
def test_vec_width_kernels_launch_n_over_width_threads(kernel):
    n = 4096
    x = rng.random(n, dtype=np.float32)
    y = rng.random(n, dtype=np.float32)
    with pytest.warns(RuntimeWarning) if kernel is tg_copy else _nothing():
        c = enigma.compile(kernel, vec_width=4)
    inputs = [x, y] if kernel is saxpy else [x]
    out = np.frombuffer(enigma.MetalRuntime().execute(c, inputs, n * 4, grid=(n // 4, 1, 1),
                                                      threads=(256, 1, 1)), np.float32)
    want = x * 2 + y if kernel is saxpy else x + 1
    np.testing.assert_array_equal(out, want)
    # Enigma's own call keeps the scalar kernel's grid
    o2 = np.zeros(n, np.float32)
    c(*inputs, o2, grid=n, block=256)
    np.testing.assert_array_equal(o2, want)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# ---------------------------------------------------------------------------------------------
# PreparedKernel
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def accumulate(X: enigma.f32, Acc: enigma.f32):
    t = enigma.thread_position_in_grid
    Acc[t] = Acc[t] + X[t]


def test_prepared_buffers_persist_and_release():
    n = 256
    x = rng.random(n, dtype=np.float32)
    rt = enigma.MetalRuntime()
    pk = rt.prepare(enigma.compile(accumulate), [x], n * 4)
    assert isinstance(pk, enigma.PreparedKernel) and "ready" in repr(pk)
    for _ in range(3):
        pk.dispatch(grid=(n, 1, 1), threads=(64, 1, 1))
    t = pk.dispatch_timed((n, 1, 1), (64, 1, 1))
    np.testing.assert_allclose(np.frombuffer(pk.read_output(), np.float32), 4 * x, rtol=1e-6)
    assert t > 0
    pk.release()
    pk.release()  # a second release is a no-op
    for call in (lambda: pk.dispatch((n, 1, 1), (64, 1, 1)),
                 lambda: pk.dispatch_timed((n, 1, 1), (64, 1, 1)), pk.read_output):
        with pytest.raises(enigma.EnigmaError, match="was released"):
            call()
    with rt.prepare(enigma.compile(accumulate), [x], n * 4) as pk2:
        pk2.dispatch((n, 1, 1), (64, 1, 1))
        np.testing.assert_array_equal(np.frombuffer(pk2.read_output(), np.float32), x)
    with pytest.raises(enigma.EnigmaError, match="was released"):
        pk2.read_output()


# ---------------------------------------------------------------------------------------------
# Framework arrays: the output_shapes form, DLPack and the buffer protocol
# ---------------------------------------------------------------------------------------------


class DLPackOnly:
    """An array that exports only DLPack (numpy's own export underneath)."""

    def __init__(self, arr):
        self._arr = arr

    def __dlpack__(self, **kw):
        return self._arr.__dlpack__(**kw)

    def __dlpack_device__(self):
        return self._arr.__dlpack_device__()


@enigma.kernel
def two_outputs(A: enigma.f32, S: enigma.f32, P: enigma.i32):
    t = enigma.thread_position_in_grid
    S[t] = A[t] * 2.0
    P[t] = enigma.metal_cast(A[t] * 10.0, "int")


def test_output_shapes_form_returns_arrays():
    rt = enigma.MetalRuntime()
    n = 12
    a = rng.random(n, dtype=np.float32)
    c = enigma.compile(vector_add)
    out = rt.execute(c, inputs=[a, a], output_shapes=[(3, 4)], output_dtypes=[np.float32],
                     grid=(n, 1, 1), threads=(n, 1, 1))
    assert isinstance(out, np.ndarray) and out.shape == (3, 4)
    np.testing.assert_array_equal(out.ravel(), a + a)
    # dtype names of frameworks are understood by name; a dtype of another size is an error
    out = rt.execute(c, [a, a], output_shapes=[(n,)], output_dtypes=["torch.float32"],
                     grid=(n, 1, 1), threads=(n, 1, 1))
    np.testing.assert_array_equal(out, a + a)
    with pytest.raises(enigma.EnigmaError, match="4 bytes per element"):
        rt.execute(c, [a, a], output_shapes=[(n,)], output_dtypes=[np.float64],
                   grid=(n, 1, 1), threads=(n, 1, 1))
    # two outputs: the last two buffer parameters; a list comes back
    s, p = rt.execute(enigma.compile(two_outputs), [a], output_shapes=[(n,), (n,)],
                      output_dtypes=[np.float32, np.int32], grid=(n, 1, 1), threads=(n, 1, 1))
    np.testing.assert_array_equal(s, a * 2)
    np.testing.assert_array_equal(p, (a * 10).astype(np.int32))


def test_dlpack_and_buffer_protocol_arrays():
    n = 64
    a = rng.random(n, dtype=np.float32)
    b = rng.random(n, dtype=np.float32)
    rt = enigma.MetalRuntime()
    c = enigma.compile(vector_add)
    out = np.frombuffer(rt.execute(c, [DLPackOnly(a), array.array("f", b.tolist())], n * 4,
                                   grid=(n, 1, 1), threads=(n, 1, 1)), np.float32)
    np.testing.assert_array_equal(out, a + b)
    # compiled(...) writes in place through DLPack and the buffer protocol
    dst = np.zeros(n, np.float32)
    c(DLPackOnly(a), memoryview(b), DLPackOnly(dst), grid=n, block=n)
    np.testing.assert_array_equal(dst, a + b)
    dst2 = array.array("f", [0.0] * n)
    c(a, b, dst2, grid=n, block=n)
    np.testing.assert_array_equal(np.asarray(dst2, np.float32), a + b)
    # prepare takes them too
    with rt.prepare(c, [DLPackOnly(a), b], n * 4) as pk:
        pk.dispatch((n, 1, 1), (n, 1, 1))
        np.testing.assert_array_equal(np.frombuffer(pk.read_output(), np.float32), a + b)


def test_framework_array_errors():
    c = enigma.compile(vector_add)
    a = np.zeros(8, np.float32)
    with pytest.raises(enigma.EnigmaError, match="expected an array"):
        c(a, a, object(), grid=8, block=8)
    with pytest.raises(enigma.EnigmaError, match="read-only"):
        c(a, a, memoryview(bytes(32)).cast("f"), grid=8, block=8)
    with pytest.raises(enigma.EnigmaError, match="not contiguous"):
        c(a, a, DLPackOnly(np.zeros(16, np.float32)[::2]), grid=8, block=8)
    with pytest.raises(enigma.EnigmaError, match="expected a float32 array, got int32"):
        c(a, a, array.array("i", [0] * 8), grid=8, block=8)


def test_torch_tensors():
    torch = pytest.importorskip("torch")
    n = 64
    a, b = torch.rand(n), torch.rand(n)
    rt = enigma.MetalRuntime()
    c = enigma.compile(vector_add)
    out = rt.execute(c, inputs=[a, b], output_shapes=[(n,)], output_dtypes=[torch.float32],
                     grid=(n, 1, 1), threads=(n, 1, 1))
    assert isinstance(out, torch.Tensor)
    assert torch.equal(out, a + b)


def test_mlx_arrays():
    mx = pytest.importorskip("mlx.core")
    n = 64
    a = mx.random.normal((n,)).astype(mx.float32)
    b = mx.random.normal((n,)).astype(mx.float32)
    out = enigma.MetalRuntime().execute(enigma.compile(vector_add), inputs=[a, b],
                                        output_shapes=[(n,)], output_dtypes=[mx.float32],
                                        grid=(n, 1, 1), threads=(n, 1, 1))
    assert mx.max(mx.abs(out - (a + b))).item() < 1e-6


# ---------------------------------------------------------------------------------------------
# The reference repository's example programs, unchanged, from a temporary copy
# ---------------------------------------------------------------------------------------------


def _run_example(tmp_path: Path, name: str) -> subprocess.CompletedProcess:
    src = REFERENCE / "examples"
    if not src.is_dir():
        pytest.skip("the reference examples are not next to this checkout")
    dst = tmp_path / "examples"
    shutil.copytree(src, dst)
    for p in dst.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "python")
    return subprocess.run([sys.executable, str(dst / name)], cwd=dst, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("name,expect", [
    ("vector_add.py", "PASSED: vector_add(1024 elements)"),
    ("conv1d_laplacian.py", "PASSED: 1D Laplacian on 4096 samples"),
])
def test_reference_examples_run_unchanged(tmp_path, name, expect):
    proc = _run_example(tmp_path, name)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert expect in proc.stdout


def test_reference_heat_equation_reports_its_out_of_bounds_read(tmp_path):
    # The program reads mIn[(gy - 1) * W + gx] for gy = 0 in both arms of a select: the uint
    # index wraps to 2**32 - 512 + gx. Enigma reports it at the kernel's source line.
    proc = _run_example(tmp_path, "heat_equation.py")
    assert proc.returncode != 0
    err = proc.stderr
    assert "out-of-bounds read of buffer 'In'" in err
    assert f"element index {2**32 - 512}" in err
    assert "heat_equation.py:44" in err and "mIn[hgy * W + gx]" in err


# ---------------------------------------------------------------------------------------------
# Hand-written Metal wrapped in a CompiledKernel (the reference's benchmark programs)
# ---------------------------------------------------------------------------------------------

HANDWRITTEN = """
#include <metal_stdlib>
using namespace metal;
kernel void saxpy(device const float* X [[buffer(0)]], constant float& a [[buffer(1)]],
                  device const float* Y [[buffer(2)]], device float* Out [[buffer(3)]],
                  uint i [[thread_position_in_grid]]) {
  Out[i] = a * X[i] + Y[i];
}
struct P { float a; int b; };
kernel void with_struct(constant P& p [[buffer(0)]], device float* Out [[buffer(1)]],
                        uint i [[thread_position_in_grid]]) {
  Out[i] = p.a;
}
"""


def test_handwritten_compiled_kernel_from_the_reference_module_path():
    from enigma.compiler.compiler import CompiledKernel

    hw = CompiledKernel(kernel_name="saxpy", metallib_path=None, metallib_bytes=None,
                        metal_source=HANDWRITTEN)
    assert [(p.name, p.kind, p.dtype.name, p.access) for p in hw.params] == [
        ("X", "buffer", "f32", "read"), ("a", "scalar", "f32", None),
        ("Y", "buffer", "f32", "read"), ("Out", "buffer", "f32", "read_write")]
    n = 300
    x, y = rng.random(n, dtype=np.float32), rng.random(n, dtype=np.float32)
    rt = enigma.MetalRuntime()
    out = np.frombuffer(rt.execute(hw, [x, 3.0, y], n * 4, grid=(n, 1, 1), threads=(64, 1, 1)),
                        np.float32)
    np.testing.assert_allclose(out, 3 * x + y, rtol=1e-6)
    with rt.prepare(hw, [x, 0.5, y], n * 4) as pk:
        pk.dispatch((n, 1, 1), (64, 1, 1))
        np.testing.assert_allclose(np.frombuffer(pk.read_output(), np.float32), 0.5 * x + y,
                                   rtol=1e-6)
    bad = CompiledKernel(kernel_name="with_struct", metal_source=HANDWRITTEN)
    with pytest.raises(enigma.EnigmaError, match="parameter 'p' has type P"):
        rt.execute(bad, [], 16, grid=(4, 1, 1), threads=(4, 1, 1))
    with pytest.raises(enigma.EnigmaError, match="give metal_source"):
        CompiledKernel(kernel_name="k")


def test_handwritten_kernel_with_vector_buffers_and_the_tracing_module_path():
    from enigma._tracing import Tensor
    from enigma.compiler.compiler import CompiledKernel

    assert isinstance(Tensor("A", 0, "float", enigma.Layout((4,), (1,))), enigma.Tensor)
    with pytest.raises(enigma.EnigmaError, match="without a layout only exists inside a kernel"):
        Tensor("A", 0, "float")
    src = """
#include <metal_stdlib>
using namespace metal;
kernel void twice(device const float4* X [[buffer(0)]], device float4* Out [[buffer(1)]],
                  uint i [[thread_position_in_grid]]) {
  Out[i] = 2.0f * X[i];
}
"""
    hw = CompiledKernel(kernel_name="twice", metal_source=src)
    x = rng.random(64, dtype=np.float32)
    out = np.frombuffer(enigma.MetalRuntime().execute(hw, [x], 256, grid=(16, 1, 1),
                                                      threads=(16, 1, 1)), np.float32)
    np.testing.assert_array_equal(out, 2 * x)


@pytest.mark.parametrize("name,expect", [
    ("showcase_attention.py", ["naive kernel :  max |err|", "TV    kernel :  max |err|"]),
    ("qwen_megakernel.py", ["Throughput benchmark"]),
])
def test_reference_tiled_programs_run_unchanged(tmp_path, name, expect):
    # Both assert their results against numpy themselves (max error < 1e-3) before
    # benchmarking; a failed assertion exits non-zero.
    proc = _run_example(tmp_path, name)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    for text in expect:
        assert text in proc.stdout
