"""@enigma.jit, enigma.Tensor and CuTe-style tiling, run on the CPU runtime against numpy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import enigma
import numpy as np
import pytest

rng = np.random.default_rng(11)


@enigma.kernel
def tiled_add(gA, gB, gC):
    bid = enigma.threadgroup_position_in_grid.x
    tid = enigma.thread_position_in_threadgroup.x
    tA = gA[None, bid]  # the bid-th tile
    tB = gB[None, bid]
    tC = gC[None, bid]
    tC[tid] = tA[tid] + tB[tid]


@enigma.jit
def add_1d(A, B, C, tile):
    gA = enigma.zipped_divide(A, (tile,))
    gB = enigma.zipped_divide(B, (tile,))
    gC = enigma.zipped_divide(C, (tile,))
    tiles = enigma.size(gA.layout[1])
    tiled_add(gA, gB, gC).launch(grid=tiles * tile, block=tile)


def tensors(layout, dtype=enigma.f32):
    return [enigma.Tensor(name, i, dtype, layout) for i, name in enumerate("ABC")]


@pytest.mark.parametrize("n,tile", [(1024, 256), (512, 32), (96, 32), (64, 64), (4096, 128)])
def test_tiled_add_1d(n, tile):
    A, B, C = tensors(enigma.Layout((n,), (1,)))
    c = enigma.compile(add_1d, A, B, C, tile, emit_only=True)
    assert c.grid == (n, 1, 1) and c.block == (tile, 1, 1)
    # the kernel parameter carries the divided layout; the buffer needs the whole tensor
    assert c.params[0].layout == str(enigma.zipped_divide(enigma.Layout((n,), (1,)), (tile,)))
    assert c.params[0].min_size == n
    a = rng.random(n, dtype=np.float32)
    b = rng.random(n, dtype=np.float32)
    out = np.zeros(n, np.float32)
    c(a, b, out)  # grid and block default to the jit launch
    np.testing.assert_array_equal(out, a + b)


@enigma.kernel
def tiled_add_2d(gA, gB, gC):
    bx = enigma.threadgroup_position_in_grid.x
    by = enigma.threadgroup_position_in_grid.y
    tx = enigma.thread_position_in_threadgroup.x
    ty = enigma.thread_position_in_threadgroup.y
    tA = gA[None, (bx, by)]
    tB = gB[None, (bx, by)]
    tC = gC[None, (bx, by)]
    tC[tx, ty] = tA[tx, ty] + tB[tx, ty] * 2.0


@enigma.jit
def add_2d(A, B, C, tiler):
    gA = enigma.zipped_divide(A, tiler)
    gB = enigma.zipped_divide(B, tiler)
    gC = enigma.zipped_divide(C, tiler)
    rest = gA.layout.shape[1]
    tiled_add_2d(gA, gB, gC).launch(grid=(rest[0] * tiler[0], rest[1] * tiler[1]), block=tiler)


@pytest.mark.parametrize(
    "shape,tiler,order",
    [
        ((64, 32), (16, 8), "col"),
        ((32, 32), (8, 8), "row"),
        ((48, 16), (16, 16), "col"),
        ((16, 64), (4, 32), "row"),
    ],
)
def test_tiled_add_2d_over_shapes_and_tilers(shape, tiler, order):
    m, n = shape
    stride = (1, m) if order == "col" else (n, 1)
    A, B, C = tensors(enigma.Layout(shape, stride))
    c = enigma.compile(add_2d, A, B, C, tiler, emit_only=True)
    a = rng.random(m * n, dtype=np.float32)
    b = rng.random(m * n, dtype=np.float32)
    out = np.zeros(m * n, np.float32)
    c(a, b, out)
    np.testing.assert_array_equal(out, a + b * np.float32(2.0))


def test_tiler_exceeding_the_tensor_is_an_enigma_error():
    A, B, C = tensors(enigma.Layout((64,), (1,)))
    with pytest.raises(enigma.EnigmaError, match="tiler exceeds tensor"):
        enigma.compile(add_1d, A, B, C, 128, emit_only=True)


def test_jit_must_launch_one_kernel():
    @enigma.jit
    def nothing(A):
        enigma.zipped_divide(A, (16,))

    A, _, _ = tensors(enigma.Layout((64,), (1,)))
    with pytest.raises(enigma.EnigmaError, match="must launch exactly one kernel"):
        enigma.compile(nothing, A)


def test_jit_function_is_not_called_directly():
    with pytest.raises(enigma.EnigmaError, match="runs through enigma.compile"):
        add_1d(1, 2, 3, 4)


def test_buffer_smaller_than_the_layout_is_rejected():
    A, B, C = tensors(enigma.Layout((256,), (1,)))
    c = enigma.compile(add_1d, A, B, C, 64, emit_only=True)
    small = np.zeros(100, np.float32)
    with pytest.raises(enigma.EnigmaError, match=r"'A'.*needs at least 256 elements"):
        c(small, np.zeros(256, np.float32), np.zeros(256, np.float32))


@enigma.kernel
def transpose(gIn, gOut, tile: enigma.Constexpr):
    bx = enigma.threadgroup_position_in_grid.x
    by = enigma.threadgroup_position_in_grid.y
    tx = enigma.thread_position_in_threadgroup.x
    ty = enigma.thread_position_in_threadgroup.y
    smem = enigma.threadgroup_alloc(enigma.f32, tile * tile)
    s = enigma.make_tensor(smem, enigma.Layout((tile, tile), (1, tile)))
    s[tx, ty] = gIn[None, (bx, by)][tx, ty]
    enigma.barrier()
    gOut[None, (by, bx)][tx, ty] = s[ty, tx]


@enigma.jit
def transpose_launch(In, Out, tile):
    gIn = enigma.zipped_divide(In, (tile, tile))
    gOut = enigma.zipped_divide(Out, (tile, tile))
    m, n = In.layout.shape
    transpose(gIn, gOut, tile).launch(grid=(m, n), block=(tile, tile))


def test_transpose_through_threadgroup_tensor():
    m, n, tile = 32, 16, 8
    In = enigma.Tensor("In", 0, enigma.f32, enigma.Layout((m, n), (n, 1)))  # row-major m x n
    Out = enigma.Tensor("Out", 1, enigma.f32, enigma.Layout((n, m), (m, 1)))  # row-major n x m
    c = enigma.compile(transpose_launch, In, Out, tile, emit_only=True)
    a = rng.random((m, n), dtype=np.float32)
    out = np.zeros((n, m), np.float32)
    c(a, out)
    np.testing.assert_array_equal(out, a.T)


def test_tensor_validation():
    with pytest.raises(enigma.EnigmaError, match="buffer_index"):
        enigma.Tensor("A", 31, enigma.f32, enigma.Layout(8))
    with pytest.raises(enigma.EnigmaError, match="identifier"):
        enigma.Tensor("not a name", 0, enigma.f32, enigma.Layout(8))
    t = enigma.Tensor("A", 0, "float", "(4,8):(8,1)")
    assert t.dtype is enigma.f32 and t.cosize() == 32 and t.size() == 32
    assert repr(t) == "enigma.Tensor('A', 0, enigma.f32, (4,8):(8,1))"


def test_layout_functions_still_work_on_layouts():
    z = enigma.zipped_divide(enigma.Layout((64,), (1,)), (16,))
    assert isinstance(z, enigma.Layout)
    assert str(z) == "((16),(4)):((1),(16))"


def test_layout_ops_are_recorded_and_checked_by_the_compiler():
    import inspect
    import os

    from enigma import compiler
    from enigma import kernel_trace as driver

    A, B, C = tensors(enigma.Layout((1024,), (1,)))
    launch, _grid, _block = add_1d.run(A, B, C, 256)
    tr, _ = driver.trace(launch.kernel, launch.args)
    ops = {op["op"] for op in tr["ops"]}
    assert {
        "enigma.layout_constant",
        "enigma.layout_zipped_divide",
        "enigma.layout_mode",
        "enigma.layout_apply",
    } <= ops
    divide = next(op for op in tr["ops"] if op["op"] == "enigma.layout_zipped_divide")
    lines, start = inspect.getsourcelines(add_1d.fn)
    jit_line = start + next(i for i, t in enumerate(lines) if "zipped_divide(A" in t)
    assert divide["loc"]["file"] == os.path.abspath(__file__)
    assert divide["loc"]["line"] == jit_line
    assert divide["attrs"]["tiler"] == "#enigma.tiler<(256)>"
    # The compiler's enigma-check-layout-divisions pass rejects an exceeding tiler at that line.
    divide["attrs"]["tiler"] = "#enigma.tiler<(2048)>"
    out = compiler.compile_trace(tr)
    assert not out.succeeded
    err = out.errors[0]
    assert "tiler exceeds tensor" in err.message
    assert (err.file, err.line) == (os.path.abspath(__file__), jit_line)
    # Lowered away: no layout op reaches the MLIR after the pipeline.
    good = enigma.compile(add_1d, A, B, C, 256, emit_only=True)
    assert "enigma.layout" not in good.mlir_source


def test_tiler_error_names_the_jit_line():
    A, B, C = tensors(enigma.Layout((64,), (1,)))
    with pytest.raises(enigma.EnigmaError) as info:
        enigma.compile(add_1d, A, B, C, 128, emit_only=True)
    assert "tiler exceeds tensor" in str(info.value)
    assert "gA = enigma.zipped_divide(A, (tile,))" in str(info.value)


@enigma.kernel
def gather_rows(gA, Out: enigma.f32, row: enigma.Scalar(enigma.u32)):
    i = enigma.thread_position_in_grid.x
    Out[i] = gA[row, i]  # a 2-D coordinate through a row-major layout


def test_scalar_and_tensor_params_mixed():
    m, n = 8, 16
    A = enigma.Tensor("A", 0, enigma.f32, enigma.Layout((m, n), (n, 1)))
    # Annotated parameters (a buffer, a scalar) take no value at launch time: pass None.
    a = rng.random((m, n), dtype=np.float32)
    out = np.zeros(n, np.float32)
    k = enigma.compile(gather_rows_launch, A, n, emit_only=True)
    k(a, out, 5)
    np.testing.assert_array_equal(out, a[5])
    assert [(p.name, p.buffer_index, p.kind) for p in k.params] == [
        ("A", 0, "buffer"),
        ("Out", 1, "buffer"),
        ("row", 2, "scalar"),
    ]


@enigma.jit
def gather_rows_launch(A, n):
    gather_rows(A, None, None).launch(grid=n, block=n)


@enigma.kernel
def tile_histogram(gX, gH):
    bid = enigma.threadgroup_position_in_grid.x
    tid = enigma.thread_position_in_threadgroup.x
    v = gX[None, bid][tid]
    enigma.atomic_add(gH[None, bid], v % 4, 1)  # atomics through a tensor slice


@enigma.jit
def tile_histogram_launch(X, H):
    gX = enigma.zipped_divide(X, (32,))
    gH = enigma.zipped_divide(H, (4,))
    tile_histogram(gX, gH).launch(grid=enigma.size(X.layout), block=32)


def test_atomics_through_tensor_slices():
    tiles = 8
    X = enigma.Tensor("X", 0, enigma.u32, enigma.Layout((tiles * 32,), (1,)))
    H = enigma.Tensor("H", 1, enigma.u32, enigma.Layout((tiles * 4,), (1,)))
    c = enigma.compile(tile_histogram_launch, X, H, emit_only=True)
    x = rng.integers(0, 100, tiles * 32).astype(np.uint32)
    h = np.zeros(tiles * 4, np.uint32)
    c(x, h)
    expect = np.stack(
        [np.bincount(x[t * 32 : (t + 1) * 32] % 4, minlength=4) for t in range(tiles)]
    )
    np.testing.assert_array_equal(h.reshape(tiles, 4), expect)
    assert c.params[1].access == "read_write"


@enigma.kernel
def divides(gL, gT, gF, gC, Out: enigma.f32):
    bid = enigma.threadgroup_position_in_grid.x
    tid = enigma.thread_position_in_threadgroup.x
    i = bid * 8 + tid
    # logical_divide: ((8,8)):((1,8)), one nested coordinate (tid, bid)
    Out[i * 4 + 0] = gL[(tid, bid)]
    # tiled_divide: ((8),8):((1),8), CuTe slice of tile bid
    Out[i * 4 + 1] = gT[None, bid][tid]
    # flat_divide: (8,8):(1,8), two coordinates
    Out[i * 4 + 2] = gF[tid, bid]
    # coalesce of a divided layout: back to 64:1, one linear coordinate
    Out[i * 4 + 3] = gC[i]


@enigma.jit
def divides_launch(A, B, C, D):
    divides(
        enigma.logical_divide(A, (8,)),
        enigma.tiled_divide(B, (8,)),
        enigma.flat_divide(C, (8,)),
        enigma.coalesce(enigma.zipped_divide(D, (8,))),
        None,
    ).launch(grid=64, block=8)


def test_logical_tiled_flat_divide_and_coalesce_on_tensors():
    L = enigma.Layout((64,), (1,))
    A, B, C, D = (enigma.Tensor(n, i, enigma.f32, L) for i, n in enumerate("ABCD"))
    c = enigma.compile(divides_launch, A, B, C, D, emit_only=True)
    ops = {op["op"] for op in c.trace["ops"]}
    assert {
        "enigma.layout_logical_divide",
        "enigma.layout_tiled_divide",
        "enigma.layout_flat_divide",
        "enigma.layout_coalesce",
    } <= ops
    data = [rng.random(64, dtype=np.float32) for _ in range(4)]
    out = np.zeros(64 * 4, np.float32)
    c(*data, out)
    np.testing.assert_array_equal(out.reshape(64, 4), np.stack(data, axis=1))


# ---------------------------------------------------------------------------------------------
# The reference's TV-layout programs, run unchanged from a temporary copy
# ---------------------------------------------------------------------------------------------

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
ROOT = Path(__file__).resolve().parents[2]


def _example_copy(tmp_path: Path) -> Path:
    src = REFERENCE / "examples"
    if not src.is_dir():
        pytest.skip("the reference examples are not next to this checkout")
    dst = tmp_path / "examples"
    shutil.copytree(src, dst)
    for p in dst.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return dst


def _example_env(extra_path: str | None = None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "python")
    if extra_path:
        env["PATH"] = extra_path + os.pathsep + env.get("PATH", "")
    return env


def test_reference_vector_add_tv_runs_unchanged(tmp_path):
    dst = _example_copy(tmp_path)
    proc = subprocess.run([sys.executable, str(dst / "vector_add_tv.py")], cwd=dst,
                          env=_example_env(), capture_output=True, text=True, timeout=600,
                          check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert "PASSED: TV-layout element-wise add (256x512)" in proc.stdout
    assert "packed_float4" in proc.stdout  # the printed kernel loads 4 contiguous floats at once


def _run_until(cmd: list, cwd: Path, env: dict, marks: list[str], timeout: float) -> str:
    """Runs a program until its output has shown every line of `marks` (then stops it: the
    reference's benchmarks time thousands of launches after checking their results)."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    out: list[str] = []
    watchdog = threading.Timer(timeout, proc.kill)  # a silent hang ends too
    watchdog.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.append(line)
            if all(any(m in o for o in out) for m in marks):
                break
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait()
    return "".join(out)


def test_reference_benchmark_naive_vs_tv_results(tmp_path):
    # 4096x4096 floats: the three kernels' results are checked against numpy by the program;
    # its timing loop (3000 launches) is not run here.
    dst = _example_copy(tmp_path)
    marks = ["Naive:    correct", "float4:   correct", "TV:       correct"]
    out = _run_until([sys.executable, "-u", str(dst / "benchmark_naive_vs_tv.py")], dst,
                     _example_env(), marks, timeout=900)
    for m in marks:
        assert m in out, out[-4000:]


def test_reference_benchmark_rmsnorm_enigma_result(tmp_path):
    # The Enigma kernel (tensor_composition, a 16-element Fragment, simd_sum of it, load_if /
    # store_if) matches the program's numpy RMSNorm. The program then builds its hand-written
    # Metal kernel with xcrun: a stand-in xcrun lets it get that far off macOS.
    dst = _example_copy(tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    xcrun = bin_dir / "xcrun"
    xcrun.write_text('#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = "-o" ] && : > "$2"; shift; done\n')
    xcrun.chmod(0o755)
    out = _run_until([sys.executable, "-u", str(dst / "benchmark_rmsnorm.py")], dst,
                     _example_env(str(bin_dir)), ["Enigma:      max|err|"], timeout=900)
    line = next((x for x in out.splitlines() if "Enigma:      max|err|" in x), None)
    assert line is not None and line.rstrip().endswith("PASS"), out[-4000:]
    assert "TV     = (256,16):(16,1)" in out


def test_kernel_call_in_jit_returns_a_kernel_handle():
    handles = []

    @enigma.jit
    def launch(A, B, C, tile):
        h = tiled_add(*(enigma.zipped_divide(t, (tile,)) for t in (A, B, C)))
        handles.append(h)
        h.launch(grid=(enigma.size(A), 1, 1), block=(tile, 1, 1))

    A, B, C = tensors(enigma.Layout((512,), (1,)))
    c = enigma.compile(launch, A, B, C, 128, emit_only=True)
    assert isinstance(handles[0], enigma.KernelHandle) and enigma.KernelHandle is enigma.Launch
    assert (c.grid, c.block) == ((512, 1, 1), (128, 1, 1))


def test_compile_time_arguments_of_a_jit_kernel_are_python_values():
    # tv_layout and tiler reach the kernel as the Python objects (a Layout, a tuple).
    got = {}

    @enigma.kernel
    def k(gA, tv_layout, tiler):
        got["tv"], got["tiler"] = tv_layout, tiler
        gA[0, 0] = 1.0

    @enigma.jit
    def launch(A):
        tiler, tv = enigma.make_layout_tv(
            enigma.make_ordered_layout((4, 8), order=(1, 0)),
            enigma.make_ordered_layout((1, 4), order=(1, 0)),
        )
        k(A, tv, tiler).launch(grid=32, block=32)

    A = enigma.Tensor("A", 0, "float", enigma.Layout((8, 32), (32, 1)))
    enigma.compile(launch, A, emit_only=True)
    assert isinstance(got["tv"], enigma.Layout) and got["tiler"] == (4, 32)


def test_kernel_handle_launch_outside_jit_is_an_error():
    with pytest.raises(enigma.EnigmaError, match="cannot be called directly"):
        tiled_add(1, 2, 3)


# Reference §30's snippet as written. AMBIGUITY: it launches `add_tv` without defining it; the
# kernel below is the one of the reference's vector_add_tv.py.
@enigma.kernel
def add_tv(gA, gB, gC, tv_layout, tiler):
    tidx, _, _ = enigma.arch.thread_idx()
    bidx, _, _ = enigma.arch.block_idx()
    thr = [
        enigma.tensor_composition(g[((None, None), bidx)], tv_layout, tiler)[(tidx, None)]
        for g in (gA, gB, gC)
    ]
    thr[2].store(thr[0].load() + thr[1].load())


@enigma.jit
def launch(mA, mB, mC):
    thr_layout = enigma.make_ordered_layout((4, 64), order=(1, 0))
    val_layout = enigma.make_ordered_layout((4, 4), order=(1, 0))
    tiler_mn, tv_layout = enigma.make_layout_tv(thr_layout, val_layout)

    gA = enigma.tensor_zipped_divide(mA, tiler_mn)
    gB = enigma.tensor_zipped_divide(mB, tiler_mn)
    gC = enigma.tensor_zipped_divide(mC, tiler_mn)

    num_blocks = enigma.size(gA, mode=[1])
    threads = enigma.size(tv_layout, mode=[0])

    add_tv(gA, gB, gC, tv_layout, tiler_mn).launch(
        grid=(num_blocks * threads, 1, 1),
        block=(threads, 1, 1),
    )


def test_reference_section_30_snippet():
    M, N = 256, 512
    mA = enigma.Tensor("A", 0, "float", enigma.Layout((M, N), (N, 1)))
    mB = enigma.Tensor("B", 1, "float", enigma.Layout((M, N), (N, 1)))
    mC = enigma.Tensor("C", 2, "float", enigma.Layout((M, N), (N, 1)))
    compiled = enigma.compile(launch, mA, mB, mC)
    assert compiled.grid == (32 * 256, 1, 1) and compiled.block == (256, 1, 1)
    a = rng.standard_normal((M, N)).astype(np.float32)
    b = rng.standard_normal((M, N)).astype(np.float32)
    out = enigma.MetalRuntime().execute(
        compiled, inputs=[a.ravel(), b.ravel()], output_size=M * N * 4,
        grid=compiled.grid, threads=compiled.block,
    )
    np.testing.assert_array_equal(np.frombuffer(out, np.float32).reshape(M, N), a + b)
