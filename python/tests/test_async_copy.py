"""SIMD-group async copies (§34), run on the CPU runtime against numpy, and their errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import enigma
import numpy as np
import pytest
from enigma import EnigmaError

HERE = os.path.basename(__file__)
ROOT = Path(__file__).resolve().parents[2]
rng = np.random.default_rng(34)


def run(kernel, *args, grid, block=64, **kw):
    c = enigma.compile(kernel, emit_only=True, **kw)
    c(*args, grid=grid, block=block, device="cpu")
    return c


def compile_error(kernel, match, exc_type=TypeError):
    with pytest.raises(exc_type, match=match) as e:
        enigma.compile(kernel, emit_only=True)
    assert HERE in str(e.value), str(e.value)
    return str(e.value)


# ---------------------------------------------------------------------------------------------
# The reference's example, as written
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def tiled_load(A: enigma.f32, B: enigma.f32):
    tile = enigma.threadgroup_alloc("float", 64)
    c0 = enigma.metal_cast(0, "uint")
    cnt = enigma.metal_cast(64, "uint")

    ev = enigma.async_copy_1d_d2t(tile, c0, A, c0, cnt)
    enigma.async_copy_wait(ev)
    enigma.barrier()

    # 2D variant
    epr = enigma.metal_cast(8, "uint")
    ev2 = enigma.async_copy_2d_d2t(
        tile,
        c0,
        epr,
        A,
        c0,
        cnt,
        enigma.metal_cast(8, "uint"),
        enigma.metal_cast(8, "uint"),
    )
    enigma.async_copy_wait(ev2)


def test_reference_example_compiles_and_runs():
    c = run(
        tiled_load, rng.random(512, dtype=np.float32), np.zeros(4, np.float32), grid=64
    )
    src = c.metal_source
    for name in (
        "air.simdgroup_async_copy_1d.p3i8.p1i8",
        "air.simdgroup_async_copy_2d.p3i8.p1i8",
        "air.wait_simdgroup_events",
    ):
        assert src.count(f'__asm("{name}")') == 1, src
    assert src.index("struct _simdgroup_event_t;") < src.index("kernel void")


def test_no_declarations_without_async_copies():
    @enigma.kernel
    def plain(A: enigma.f32):
        A[enigma.thread_position_in_grid.x] = 1.0

    src = enigma.compile(plain, emit_only=True).metal_source
    assert "simdgroup_async_copy" not in src and "_simdgroup_event_t" not in src


# ---------------------------------------------------------------------------------------------
# 1-D copies
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def round_trip_1d(
    A: enigma.f32,
    B: enigma.f32,
    src_off: enigma.Scalar(enigma.u32),
    dst_off: enigma.Scalar(enigma.u32),
):
    """Each threadgroup copies 96 elements of A into its tile (at 16), doubles them through the
    tile, and copies them back to B at dst_off + its block."""
    tile = enigma.threadgroup_alloc(enigma.f32, 128)
    lid = enigma.thread_position_in_threadgroup.x
    gid = enigma.threadgroup_position_in_grid.x
    base = gid * 96
    ev = enigma.async_copy_1d_d2t(tile, 16, A, src_off + base, 96)
    enigma.async_copy_wait(ev)
    enigma.barrier()
    with enigma.for_range(lid, 96, enigma.threads_per_threadgroup.x) as i:
        tile[16 + i] = tile[16 + i] * 2.0
    enigma.barrier()
    ev2 = enigma.async_copy_1d_t2d(B, dst_off + base, tile, 16, 96)
    enigma.async_copy_wait(ev2)


@pytest.mark.parametrize("block", [32, 96, 128])
@pytest.mark.parametrize("src_off,dst_off", [(0, 0), (5, 11)])
def test_1d_both_directions(block, src_off, dst_off):
    groups = 3
    A = rng.random(400, dtype=np.float32)
    B = np.full(400, -1, np.float32)
    run(round_trip_1d, A, B, src_off, dst_off, grid=groups * block, block=block)
    expect = np.full(400, -1, np.float32)
    expect[dst_off : dst_off + groups * 96] = 2 * A[src_off : src_off + groups * 96]
    np.testing.assert_array_equal(B, expect)


@enigma.kernel
def one_lane_copies(A: enigma.i32, B: enigma.i32):
    """Only lane 3 of SIMD-group 1 issues the copy and waits; it then publishes the tile."""
    tile = enigma.threadgroup_alloc(enigma.i32, 32)
    lane = enigma.thread_index_in_simdgroup()
    sg = enigma.simdgroup_index_in_threadgroup()
    with enigma.if_((lane == 3) & (sg == 1)):
        ev = enigma.async_copy_1d_d2t(tile, 0, A, 7, 32)
        enigma.async_copy_wait(ev)
    enigma.barrier()
    lid = enigma.thread_position_in_threadgroup.x
    with enigma.if_(lid < 32):
        B[lid] = tile[lid]


def test_one_lane_issues_the_copy():
    A = np.arange(100, dtype=np.int32) * 3
    B = np.zeros(32, np.int32)
    run(one_lane_copies, A, B, grid=64, block=64)
    np.testing.assert_array_equal(B, A[7:39])


@enigma.kernel
def copy_then_modify_without_barrier(A: enigma.f32, B: enigma.f32):
    """One SIMD-group copies, waits and then updates the tile without a barrier: the copy
    happens once for the SIMD-group, so no lane's update is overwritten by a later copy."""
    tile = enigma.threadgroup_alloc(enigma.f32, 32)
    lane = enigma.thread_index_in_simdgroup()
    ev = enigma.async_copy_1d_d2t(tile, 0, A, 0, 32)
    enigma.async_copy_wait(ev)
    tile[lane] = tile[lane] + 1.0
    B[lane] = tile[lane]


def test_copy_is_once_per_simdgroup():
    A = rng.random(32, dtype=np.float32)
    B = np.zeros(32, np.float32)
    run(copy_then_modify_without_barrier, A, B, grid=32, block=32)
    np.testing.assert_array_equal(B, A + 1)


# ---------------------------------------------------------------------------------------------
# 2-D copies
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def tile_transpose_2d(A: enigma.f32, B: enigma.f32, K: enigma.Scalar(enigma.u32)):
    """Threadgroup (bx, by) loads the 8x16 tile at rows 8*by, cols 16*bx of the row-major
    A (K columns) into a padded tile (row stride 20), and stores it back into B, shifted by 3
    columns, through a 2-D copy."""
    tile = enigma.threadgroup_alloc(enigma.f32, 8 * 20)
    bx = enigma.threadgroup_position_in_grid.x
    by = enigma.threadgroup_position_in_grid.y
    src = (by * 8) * K + bx * 16
    ev = enigma.async_copy_2d_d2t(tile, 2, 20, A, src, K, 16, 8)
    enigma.async_copy_wait(ev)
    enigma.barrier()
    lid = enigma.thread_position_in_threadgroup.x
    with enigma.for_range(0, 8) as r, enigma.if_(lid < 16):
        tile[2 + r * 20 + lid] = tile[2 + r * 20 + lid] + 100.0
    enigma.barrier()
    ev2 = enigma.async_copy_2d_t2d(B, src + 3, K + 0, tile, 2, 20, 16, 8)
    enigma.async_copy_wait(ev2)


def test_2d_both_directions_with_strides_and_offsets():
    M, K = 24, 51  # 3 x 3 tiles of 8 x 16 (columns up to 48; +3 stays inside a row)
    A = rng.random((M, K), dtype=np.float32)
    B = np.zeros((M, K), np.float32)
    run(tile_transpose_2d, A.ravel(), B.ravel(), K, grid=(3 * 32, 3), block=(32, 1))
    expect = np.zeros((M, K), np.float32)
    expect[:, 3:51] = A[:, 0:48] + 100.0
    np.testing.assert_array_equal(B, expect)


# ---------------------------------------------------------------------------------------------
# Async copies feeding a threadgroup reduction; tensors and buffer names
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def block_sum(X: enigma.f32, S: enigma.f32):
    """Sums blocks of 256: SIMD-group s copies its 64 elements, then a tree reduction."""
    tile = enigma.threadgroup_alloc(enigma.f32, 256)
    lid = enigma.thread_position_in_threadgroup.x
    sg = enigma.simdgroup_index_in_threadgroup()
    gid = enigma.threadgroup_position_in_grid.x
    ev = enigma.async_copy_1d_d2t(tile, sg * 64, "X", gid * 256 + sg * 64, 64)
    enigma.async_copy_wait(ev)
    enigma.barrier()
    for stride in (128, 64, 32, 16, 8, 4, 2, 1):
        with enigma.if_(lid < stride):
            tile[lid] = tile[lid] + tile[lid + stride]
        enigma.barrier()
    with enigma.if_(lid == 0):
        S[gid] = tile[0]


def test_async_copies_feed_a_reduction():
    X = rng.integers(-50, 50, 256 * 5).astype(np.float32)  # exact sums
    S = np.zeros(5, np.float32)
    run(block_sum, X, S, grid=5 * 128, block=128)  # 4 SIMD-groups of 32 per block
    np.testing.assert_array_equal(S, X.reshape(5, 256).sum(axis=1))


@enigma.kernel
def legacy_and_tensor(A: enigma.f16, B: enigma.f16):
    tile = enigma.threadgroup_alloc(enigma.f16, 32)
    tok = enigma.async_copy_to_threadgroup(A, tile, 16, src_offset=4, dst_offset=8)
    enigma.async_copy_commit(tok)
    enigma.async_copy_wait([tok])
    tB = enigma.make_tensor(B, enigma.Layout(16))
    ev = enigma.async_copy_1d_t2d(tB[None], 2, tile, 8, 12)
    enigma.async_copy_wait(ev)


def test_legacy_aliases_and_tensors():
    A = rng.random(64).astype(np.float16)
    B = np.zeros(16, np.float16)
    run(legacy_and_tensor, A, B, grid=32, block=32)
    expect = np.zeros(16, np.float16)
    expect[2:14] = A[4:16]
    np.testing.assert_array_equal(B, expect)


def test_wait_without_events_is_a_no_op():
    @enigma.kernel
    def k(A: enigma.f32):
        enigma.async_copy_wait()
        A[0] = 1.0

    assert (
        "wait_simdgroup_events("
        not in enigma.compile(k, emit_only=True).metal_source.split("kernel void")[1]
    )


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def test_error_wrong_direction():
    @enigma.kernel
    def k(A: enigma.f32, B: enigma.f32):
        enigma.async_copy_1d_d2t(B, 0, A, 0, 4)

    compile_error(
        k,
        r"async_copy_1d_d2t copies device -> threadgroup: dst must be a "
        r"threadgroup array, got B \(device memory\)",
    )


def test_error_wrong_source_space():
    @enigma.kernel
    def k(A: enigma.f32):
        t = enigma.threadgroup_alloc(enigma.f32, 8)
        enigma.async_copy_2d_t2d(A, 0, 4, A, 0, 4, 4, 2)
        t[0] = 1.0

    compile_error(
        k,
        r"async_copy_2d_t2d copies threadgroup -> device: src must be a "
        r"threadgroup array",
    )


def test_error_dtype_mismatch():
    @enigma.kernel
    def k(A: enigma.f16):
        t = enigma.threadgroup_alloc(enigma.f32, 8)
        enigma.async_copy_1d_d2t(t, 0, A, 0, 8)

    compile_error(k, "holds f32 but src A holds f16; an async copy does not convert")


def test_error_multi_dimensional_array():
    @enigma.kernel
    def k(A: enigma.f32):
        t = enigma.threadgroup_alloc(enigma.f32, (8, 8))
        enigma.async_copy_1d_d2t(t, 0, A, 0, 8)

    compile_error(k, "has 2 dimensions; async copies take 1-D buffers")


def test_error_unknown_buffer_name():
    @enigma.kernel
    def k(A: enigma.f32):
        t = enigma.threadgroup_alloc(enigma.f32, 8)
        enigma.async_copy_1d_d2t(t, 0, "Q", 0, 8)

    compile_error(k, r"no kernel buffer named 'Q' \(src\); buffers: 'A'")


def test_error_register_tensor():
    if not hasattr(enigma, "register_tensor"):
        pytest.skip("register_tensor is not available")

    @enigma.kernel
    def k(A: enigma.f32):
        r = enigma.register_tensor((2, 2))
        enigma.async_copy_1d_d2t(r, 0, A, 0, 4)

    compile_error(k, "register tensor, which lives in each thread's registers")


def test_error_bad_operand_type():
    @enigma.kernel
    def k(A: enigma.f32):
        t = enigma.threadgroup_alloc(enigma.f32, 8)
        enigma.async_copy_1d_d2t(t, 0, 3.5, 0, 8)

    compile_error(
        k,
        "src must be a kernel buffer, a threadgroup array, a tensor or a buffer "
        "name, got float",
    )


@pytest.mark.parametrize(
    "args,match",
    [
        ((0, 0, -1), "count must be non-negative, got -1"),
        ((0, 0, 1.5), "count must be an integer, got float"),
        ((-2, 0, 4), "dst_offset must be non-negative, got -2"),
    ],
)
def test_error_1d_counts(args, match):
    doff, soff, n = args

    @enigma.kernel
    def k(A: enigma.f32):
        t = enigma.threadgroup_alloc(enigma.f32, 8)
        enigma.async_copy_1d_d2t(t, doff, A, soff, n)

    compile_error(k, match)


def test_error_2d_zero_row_stride():
    @enigma.kernel
    def k(A: enigma.f32):
        t = enigma.threadgroup_alloc(enigma.f32, 64)
        enigma.async_copy_2d_d2t(t, 0, 0, A, 0, 8, 8, 8)

    compile_error(k, "dst_epr must be positive, got 0")


def test_error_2d_rows_overlap_reported_by_the_verifier_at_the_user_line():
    @enigma.kernel
    def k(A: enigma.f32):
        t = enigma.threadgroup_alloc(enigma.f32, 64)
        enigma.async_copy_2d_d2t(t, 0, 4, A, 0, 8, 8, 8)

    compile_error(
        k, r"the tile is 8 elements wide but the 'dst' row stride is 4", EnigmaError
    )


def test_error_copy_out_of_threadgroup_array():
    @enigma.kernel
    def k(A: enigma.f32):
        t = enigma.threadgroup_alloc(enigma.f32, 16)
        enigma.async_copy_1d_d2t(t, 8, A, 0, 16)

    compile_error(
        k, r"copies elements \[8, 24\) of 'dst', which has 16 elements", EnigmaError
    )


def test_error_wait_on_non_event():
    @enigma.kernel
    def k(A: enigma.f32):
        enigma.async_copy_wait(A[0])

    compile_error(k, "async_copy_wait takes the events async copies return, got Value")


def test_error_commit_non_event():
    @enigma.kernel
    def k(A: enigma.f32):
        enigma.async_copy_commit(3)

    compile_error(k, "async_copy_commit takes the event an async copy returns, got int")


def test_error_event_as_bool():
    @enigma.kernel
    def k(A: enigma.f32):
        t = enigma.threadgroup_alloc(enigma.f32, 8)
        ev = enigma.async_copy_1d_d2t(t, 0, A, 0, 8)
        if ev:
            pass

    compile_error(k, "an async copy event cannot be used as a Python bool")


def test_error_outside_kernel():
    with pytest.raises(EnigmaError, match="only valid inside a kernel"):
        enigma.async_copy_wait()


# ---------------------------------------------------------------------------------------------
# The reference's async_copy_gemm.py, from a temporary copy
# ---------------------------------------------------------------------------------------------


def test_reference_async_copy_gemm(tmp_path):
    example = ROOT.parent / "shared" / "reference" / "examples" / "async_copy_gemm.py"
    if not example.exists():
        pytest.skip("the reference examples are not available")
    if not hasattr(enigma, "register_tensor"):
        pytest.skip("register_tensor is not available")
    copy = tmp_path / "examples" / example.name
    copy.parent.mkdir()
    shutil.copy(example, copy)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "python") + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, str(copy)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All required AIR intrinsics present" in proc.stdout
    assert "pipeline verified end-to-end" in proc.stdout
