"""enigma.compile_mlir: MLIR from other front ends (linalg, scf.parallel, gpu.launch, gpu.func,
or enigma.kernel modules) compiled to MSL and run on the CPU runtime against numpy."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

import enigma
from enigma import compiler

ROOT = pathlib.Path(__file__).resolve().parents[2]
INPUTS = ROOT / "test" / "Conversion" / "GPUToEnigma" / "Inputs"


@pytest.fixture(scope="module")
def more():
    return enigma.compile_mlir(INPUTS / "more-kernels.mlir")


def test_module_lists_every_kernel(more):
    assert isinstance(more, enigma.CompiledModule)
    assert sorted(more) == ["axpy_kernel", "rotate_kernel", "row_sum_kernel", "transpose_kernel"]
    assert len(more) == 4 and "axpy_kernel" in more
    assert more.pipeline == "builtin.module(gpu-lower-to-enigma-pipeline{vec-width=0})"
    assert "kernel void enigma_kernel_axpy_kernel(" in more.msl
    assert "gpu.container_module" in more.mlir
    assert more["axpy_kernel"].kernel_name == "enigma_kernel_axpy_kernel"
    assert [p.name for p in more["axpy_kernel"].params] == ["v0", "v1", "v2"]


def test_linalg_reduction_on_tensors(more):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4, 8)).astype(np.float32)
    out = np.zeros(4, np.float32)
    # The parallel loop over rows is one threadgroup of 4 threads (enigma-map-parallel-loops);
    # the launch takes the kernel's known_block_size when block is left out.
    assert more["row_sum_kernel"].metadata["kernels"][0]["block_size"] == [4, 1, 1]
    more["row_sum_kernel"](a, out, grid=4)
    np.testing.assert_allclose(out, a.sum(axis=1), rtol=1e-5, atol=1e-5)


def test_launch_must_use_the_known_block_size(more):
    a = np.zeros((4, 8), np.float32)
    out = np.zeros(4, np.float32)
    with pytest.raises(enigma.EnigmaError, match=r"compiled for threadgroups of \(4, 1, 1\)") as e:
        more["row_sum_kernel"](a, out, grid=4, block=1)
    assert e.value.kind == "invalid_argument"
    more["row_sum_kernel"](a + 1, out, grid=4, block=(4, 1, 1))
    np.testing.assert_array_equal(out, np.full(4, 8, np.float32))


def test_scf_parallel_2d(more):
    a = np.arange(32, dtype=np.float32).reshape(4, 8)
    b = np.zeros((8, 4), np.float32)
    # x is the innermost (contiguous) loop dimension: threadgroups of 8 x 4 threads.
    assert more["transpose_kernel"].metadata["kernels"][0]["block_size"] == [8, 4, 1]
    more["transpose_kernel"](a, b, grid=(8, 4))
    np.testing.assert_array_equal(b, a.T)


def test_gpu_launch_elementwise(more):
    x = np.arange(64, dtype=np.float32)
    y = np.linspace(-1, 1, 64, dtype=np.float32)
    expect = 3.0 * x + y
    more["axpy_kernel"](x, y, 3.0, grid=64, block=16)
    np.testing.assert_allclose(y, expect, rtol=1e-6)


def test_gpu_launch_workgroup_memory_and_barrier(more):
    a = np.arange(12, dtype=np.float32)
    more["rotate_kernel"](a, grid=12, block=4)
    np.testing.assert_array_equal(a, np.roll(np.arange(12, dtype=np.float32).reshape(3, 4), -1, 1).ravel())


def test_kernels_of_the_same_name_in_several_gpu_modules():
    # Outlining names every kernel after its function: two linalg ops of one function give two
    # gpu.modules with a kernel `f_kernel` each, told apart as `module::name`.
    text = (ROOT / "examples" / "mlir_linalg.py").read_text()
    ns: dict = {}
    exec(compile(text, "mlir_linalg.py", "exec"), ns)
    m = enigma.compile_mlir(ns["MLIR"])
    assert sorted(m) == ["dense_relu_kernel::dense_relu_kernel",
                         "dense_relu_kernel_0::dense_relu_kernel"]
    assert [k["module"] for k in m.metadata["kernels"]] == ["dense_relu_kernel",
                                                            "dense_relu_kernel_0"]
    assert len({k.kernel_name for k in m.kernels.values()}) == 2  # distinct MSL entry points
    result = ns["run"]()
    assert result["max_error"] < 1e-5


def test_vectorized_gpu_launch_runs_with_the_original_grid():
    m = enigma.compile_mlir(INPUTS / "more-kernels.mlir", vec_width=4)
    k = m["axpy_kernel"]
    assert k.coarsen == 4 and "float4" in m.msl
    # The implicit original-thread-count parameter is not the caller's.
    assert [p.name for p in k.params] == ["v0", "v1", "v2"]
    x = np.arange(70, dtype=np.float32)  # not a multiple of 4: the tail is handled
    y = np.ones(70, np.float32)
    k(x, y, 0.5, grid=70, block=16)
    np.testing.assert_allclose(y, 0.5 * x + 1.0)
    assert any("row_sum_kernel" in r and "left scalar" in r for r in m.remarks)


def test_gpu_func_subgroup_reduction_and_linalg_memrefs():
    m = enigma.compile_mlir((INPUTS / "upstream-kernels.mlir").read_text())
    a = np.arange(32, dtype=np.float32)
    s = np.zeros(1, np.float32)
    m["subgroup_sum"](a, s, grid=32, block=32)
    assert s[0] == a.sum()
    x, y, out = np.arange(8, dtype=np.float32), np.full(8, 2, np.float32), np.zeros(8, np.float32)
    m["add_kernel"](x, y, out, grid=8)
    np.testing.assert_array_equal(out, x + y)


ENIGMA_IR = """
enigma.kernel @saxpy(%x: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                     %y: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32},
                     %a: f32 {enigma.buffer_index = 2 : i32, enigma.scalar}) {
  %i = enigma.thread_position_in_grid x
  %xv = memref.load %x[%i] : memref<?xf32, #enigma.address_space<device>>
  %yv = memref.load %y[%i] : memref<?xf32, #enigma.address_space<device>>
  %p = arith.mulf %a, %xv : f32
  %s = arith.addf %p, %yv : f32
  memref.store %s, %y[%i] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}
"""


@pytest.mark.parametrize("vec_width", [0, 2, 4])
def test_enigma_ir_runs_enigma_pipeline(vec_width):
    m = enigma.compile_mlir(ENIGMA_IR, vec_width=vec_width)
    assert m.pipeline == f"builtin.module(enigma-pipeline{{vec-width={vec_width}}})"
    x = np.arange(37, dtype=np.float32)
    y = np.ones(37, np.float32)
    m["saxpy"](x, y, 2.0, grid=37, block=8)
    np.testing.assert_allclose(y, 2 * x + 1)


def test_dump_dir(tmp_path):
    enigma.compile_mlir(ENIGMA_IR, dump_dir=tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names[0] == "01-input.mlir"
    assert any(n.endswith("-after-canonicalize.mlir") for n in names)
    assert any(n.endswith("enigma_kernel_saxpy.metal") for n in names)


def test_parse_error_names_the_file(tmp_path):
    bad = tmp_path / "bad.mlir"
    bad.write_text("func.func @f() {\n  %x = arith.addf %a, %a : f32\n  return\n}\n")
    with pytest.raises(enigma.EnigmaError) as err:
        enigma.compile_mlir(bad)
    assert f"{bad}:2:19: error: use of undeclared SSA value name" in str(err.value)


def test_unconvertible_gpu_op_is_an_error_at_it():
    text = (
        "gpu.module @m {\n"
        "  gpu.func @k(%v: f32) kernel {\n"
        "    %s = gpu.all_reduce add %v uniform {} : (f32) -> f32\n"
        "    gpu.return\n"
        "  }\n"
        "}\n"
    )
    with pytest.raises(enigma.EnigmaError, match=r"<mlir>:3:10: error: convert-gpu-to-enigma: "
                       r"'gpu.all_reduce' has no Enigma equivalent"):
        enigma.compile_mlir(text)


def test_host_code_without_kernels_is_explained():
    with pytest.raises(enigma.EnigmaError, match="this module has no GPU kernels"):
        enigma.compile_mlir("func.func @f() {\n  return\n}\n")


def test_bad_arguments():
    with pytest.raises(enigma.EnigmaError, match="vec_width must be 0, 2 or 4"):
        enigma.compile_mlir(ENIGMA_IR, vec_width=3)
    with pytest.raises(enigma.EnigmaError, match="source must be MLIR text"):
        enigma.compile_mlir(b"not text")  # type: ignore[arg-type]
    with pytest.raises(enigma.EnigmaError, match="cannot read"):
        enigma.compile_mlir(pathlib.Path("/nonexistent/x.mlir"))
    m = enigma.compile_mlir(ENIGMA_IR)
    with pytest.raises(enigma.EnigmaError, match=r"no kernel named 'nope'; the module has \['saxpy'\]"):
        m["nope"]


def test_low_level_binding():
    out = compiler.compile_mlir(ENIGMA_IR, vec_width=2, source_name="k.mlir")
    assert out.succeeded and out.errors == []
    assert out.metadata["kernels"][0]["coarsen"] == 2
    out = compiler.compile_mlir("gpu.module @m {", source_name="k.mlir")
    assert not out.succeeded
    assert out.errors[0].file == "k.mlir" and out.errors[0].line == 1


MINMAX_IR = """
enigma.kernel @clamp_ish(%x: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                         %o: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32}) {
  %i = enigma.thread_position_in_grid x
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.5 : f32
  %xv = memref.load %x[%i] : memref<?xf32, #enigma.address_space<device>>
  %r = arith.maximumf %xv, %zero : f32
  %c = arith.minimumf %two, %r : f32
  memref.store %c, %o[%i] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}
"""


def test_minimumf_maximumf_against_constants_match_numpy():
    # A constant operand drops its own isnan test from the MSL; NaN still propagates and
    # max(-0.0, 0.0) is +0.0, as np.maximum / np.minimum (arith's semantics).
    m = enigma.compile_mlir(MINMAX_IR)
    assert "isnan(0.0f)" not in m.msl and "isnan(2.5f)" not in m.msl
    x = np.array([-1.0, -0.0, 0.0, 1.0, 2.5, 3.0, np.nan, -np.inf, np.inf], np.float32)
    out = np.zeros_like(x)
    m["clamp_ish"](x, out, grid=x.size, block=x.size)
    want = np.minimum(np.float32(2.5), np.maximum(x, np.float32(0.0)))
    np.testing.assert_array_equal(out, want)
    assert not np.signbit(out[1])  # max(-0.0, +0.0) is +0.0
