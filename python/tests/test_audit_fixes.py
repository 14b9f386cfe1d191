"""Regression tests for audit findings: dump-directory hygiene (D3), the kept work_dir /
metal_path (D4), integer ** (D2) and trace-time errors naming the user's line (D7)."""

from __future__ import annotations

import os
from pathlib import Path

import enigma
import numpy as np
import pytest
from enigma import kernel_trace as ekernel


@enigma.kernel
def vadd(A: enigma.f32, B: enigma.f32, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        C[tid] = A[tid] + B[tid]


# --- D3: ENIGMA_DUMP_DIR shows one compile only ------------------------------------------------


def test_dump_dir_drops_stale_files_of_an_earlier_compile(monkeypatch, tmp_path):
    monkeypatch.setenv("ENIGMA_DUMP_DIR", str(tmp_path))
    d = tmp_path / "enigma_kernel_vadd"
    enigma.compile(vadd, vec_width=4, emit_only=True)
    first = sorted(p.name for p in d.iterdir())
    assert any("vectorize" in n for n in first), first
    (d / "notes.txt").write_text("mine")  # not a numbered dump file: left alone
    enigma.compile(vadd, vec_width=0, emit_only=True)
    names = sorted(p.name for p in d.iterdir() if p.name != "notes.txt")
    assert not any("vectorize" in n for n in names), names
    numbers = [int(n.split("-", 1)[0]) for n in names]
    assert numbers == list(range(len(names)))
    assert (d / "notes.txt").read_text() == "mine"


# --- D4: where keep_metal_source wrote -----------------------------------------------------------


def test_keep_metal_source_without_work_dir_reports_the_kept_paths():
    c = enigma.compile(vadd, keep_metal_source=True, emit_only=True)
    try:
        assert c.work_dir is not None and os.path.isdir(c.work_dir)
        assert c.metal_path == os.path.join(c.work_dir, "enigma_kernel_vadd.metal")
        assert Path(c.metal_path).read_text() == c.metal_source
    finally:
        import shutil

        shutil.rmtree(c.work_dir, ignore_errors=True)


def test_work_dir_and_metal_path_with_explicit_work_dir(tmp_path):
    c = enigma.compile(vadd, keep_metal_source=True, work_dir=tmp_path, emit_only=True)
    assert c.work_dir == str(tmp_path)
    assert c.metal_path == str(tmp_path / "enigma_kernel_vadd.metal")
    c = enigma.compile(vadd, work_dir=tmp_path / "w", emit_only=True)
    assert c.work_dir == str(tmp_path / "w") and c.metal_path is None


def test_nothing_kept_means_no_work_dir():
    c = enigma.compile(vadd, emit_only=True)
    assert c.work_dir is None and c.metal_path is None


# --- D9: vec_width is 0, 2 or 4 -----------------------------------------------------------------


def test_vec_width_8_is_rejected():
    with pytest.raises(enigma.EnigmaError, match="width 8 is not available"):
        enigma.compile(vadd, vec_width=8, emit_only=True)


# --- D2: integer ** with a traced exponent -------------------------------------------------------


@enigma.kernel
def ipow_i32(A: enigma.i32, B: enigma.i32, C: enigma.i32, n: enigma.Scalar(enigma.u32)):
    i = enigma.thread_position_in_grid.x
    with enigma.if_(i < n):
        C[i] = A[i] ** B[i]


@enigma.kernel
def ipow_u32(A: enigma.u32, B: enigma.u32, C: enigma.u32, D: enigma.u32, n: enigma.Scalar(enigma.u32)):
    i = enigma.thread_position_in_grid.x
    with enigma.if_(i < n):
        C[i] = A[i] ** B[i]
        D[i] = 3 ** B[i]  # literal base, traced exponent


def _run(kernel, *args, n):
    c = enigma.compile(kernel, emit_only=True)
    assert "ipowi" not in c.mlir_source
    c(*args, n, grid=n, block=64, device="cpu")
    return c


def test_int_pow_traced_exponent_i32_matches_numpy():
    rng = np.random.default_rng(1)
    n = 500
    A = rng.integers(-20, 20, n).astype(np.int32)
    B = rng.integers(0, 40, n).astype(np.int32)
    A[:4], B[:4] = [0, 0, 7, -3], [0, 5, 0, 31]
    C = np.zeros(n, np.int32)
    _run(ipow_i32, A, B, C, n=n)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(C, A**B)  # numpy wraps like the kernel


def test_int_pow_negative_exponent_follows_c():
    A = np.array([1, -1, -1, 2, -2, 0, 5, 1], np.int32)
    B = np.array([-3, -3, -4, -1, -2, -1, -7, -2147483648], np.int32)
    C = np.full(len(A), 99, np.int32)
    _run(ipow_i32, A, B, C, n=len(A))
    np.testing.assert_array_equal(C, [1, -1, 1, 0, 0, 0, 0, 1])


def test_int_pow_traced_exponent_u32_matches_numpy():
    rng = np.random.default_rng(2)
    n = 500
    A = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
    B = rng.integers(0, 70, n).astype(np.uint32)
    B[:3] = [0, 2**32 - 1, 2**31]
    C = np.zeros(n, np.uint32)
    D = np.zeros(n, np.uint32)
    _run(ipow_u32, A, B, C, D, n=n)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(C, A**B)
        np.testing.assert_array_equal(D, np.uint32(3) ** B)


# --- D7: trace-time errors name the user's file:line ---------------------------------------------


def _line_of(fn, text):
    import inspect

    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, l in enumerate(lines) if text in l)


def test_unresolvable_annotation_names_the_line_and_valid_dtypes():
    def bad(A: "floaty", n: enigma.Scalar(enigma.u32)):  # noqa: F821
        A[0] = 1.0

    k = enigma.kernel(bad)
    with pytest.raises(enigma.EnigmaError) as ei:
        enigma.compile(k, emit_only=True)
    msg = str(ei.value)
    assert f"{__file__}:{_line_of(bad, 'floaty')}:" in msg
    assert "'floaty'" in msg and "f32" in msg and "u32" in msg and "float" in msg


def test_wrong_argument_count_in_a_jit_kernel_call_names_the_jit_line():
    @enigma.jit
    def host(n):
        vadd(None, None, n).launch(grid=n, block=64)  # 3 of 4 arguments

    with pytest.raises((TypeError, enigma.EnigmaError)) as ei:
        enigma.compile(host, 128, emit_only=True)
    msg = str(ei.value)
    assert f"{__file__}:{_line_of(host.fn, '3 of 4')}:" in msg
    assert "vadd" in msg


def test_block_over_1024_threads_is_rejected_at_compile_time():
    @enigma.jit
    def host(n):
        vadd(None, None, None, n).launch(grid=n, block=2048)

    with pytest.raises(enigma.EnigmaError) as ei:
        enigma.compile(host, 4096, emit_only=True)
    msg = str(ei.value)
    assert f"{__file__}:{_line_of(host.fn, 'block=2048')}:" in msg
    assert "1024" in msg


def test_block_of_1024_threads_in_3d_is_accepted():
    @enigma.jit
    def host(n):
        vadd(None, None, None, n).launch(grid=n, block=(256, 2, 2))

    c = enigma.compile(host, 4096, emit_only=True)
    assert c.block == (256, 2, 2)


# --- D1: huge value ids are diagnostics, not a crash of the Python process ----------------------


@pytest.mark.parametrize("bad_id", [2**63 - 1, 2**63 - 2, 2**53])
def test_compile_trace_rejects_out_of_range_ids(bad_id):
    from enigma import compiler as ecompiler

    tr, _ = ekernel.trace(vadd)

    def walk(ops):
        for op in ops:
            yield op
            for r in op.get("regions", []):
                yield from walk(r.get("ops", []))

    add = next(op for op in walk(tr["ops"]) if op["op"] == "arith.addf")
    add["operands"][1] = bad_id
    out = ecompiler.compile_trace(tr)
    assert not out.succeeded
    msg = "\n".join(str(d) for d in out.diagnostics)
    assert f"is {bad_id}, outside the id range [0, 2^53)" in msg
    assert os.path.basename(__file__) in msg
