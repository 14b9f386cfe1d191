"""``for i in enigma.range(...)``: the reference's dynamic loop, rewritten from the kernel's
source into an ``scf.for`` whose carried values are the variables its body reassigns. Kernels
run on the CPU runtime against numpy; errors name the user's line."""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import enigma
import numpy as np
import pytest

rng = np.random.default_rng(11)
ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT.parent / "shared" / "reference"
HERE = Path(__file__).resolve()


def run(kernel, *args, grid, block=32, **kw):
    c = enigma.compile(kernel, emit_only=True, **kw)
    c(*args, grid=grid, block=block, device="cpu")
    return c


def line_of(fn, text):
    """The file line of the first source line of `fn` containing `text`."""
    lines, start = inspect.getsourcelines(fn)
    for i, s in enumerate(lines):
        if text in s:
            return start + i
    raise AssertionError(text)


# ---------------------------------------------------------------------------------------------
# Carried values
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def row_sums(A: enigma.f32, S: enigma.f32, cols: enigma.Scalar(enigma.u32)):
    r = enigma.thread_position_in_grid.x
    acc = 0.0  # a Python float: carried as an f32
    sq = enigma.metal_cast(0.0, "float")
    for c in enigma.range(cols):
        x = A[r * cols + c]
        acc = acc + x
        sq += x * x
    S[r * 2] = acc
    S[r * 2 + 1] = sq


def test_accumulations_with_traced_bounds():
    rows, cols = 8, 37
    A = rng.random((rows, cols), dtype=np.float32)
    S = np.zeros(rows * 2, np.float32)
    c = run(row_sums, A, S, cols, grid=rows)
    np.testing.assert_allclose(S[0::2], A.sum(axis=1), rtol=1e-5)
    np.testing.assert_allclose(S[1::2], (A * A).sum(axis=1), rtol=1e-5)
    assert "for (" in c.metal_source


@enigma.kernel
def typed_carries(O: enigma.i32, F: enigma.f16, U: enigma.u32):
    i = enigma.thread_position_in_grid.x
    cnt = 0  # i32
    h = enigma.metal_cast(1.0, "half")
    u = enigma.metal_cast(3, "uint")
    v = enigma.make_float2(0.0, 1.0)
    flag = False
    for k in enigma.range(1, 9, 2):  # 1, 3, 5, 7
        cnt = cnt + k
        h = h * enigma.metal_cast(2.0, "half")
        u = u * 2 + i
        v = v + enigma.make_float2(k, 1.0)
        flag = flag | (k > 4)
    O[i * 4] = cnt
    O[i * 4 + 1] = enigma.where(0, 1, flag)
    O[i * 4 + 2] = enigma.metal_cast(v.x, "int")
    O[i * 4 + 3] = enigma.metal_cast(v.y, "int")
    F[i] = h
    U[i] = u


def test_carried_values_of_any_dtype():
    n = 4
    O = np.zeros(n * 4, np.int32)
    F = np.zeros(n, np.float16)
    U = np.zeros(n, np.uint32)
    run(typed_carries, O, F, U, grid=n)
    O = O.reshape(n, 4)
    assert (O[:, 0] == 16).all() and (O[:, 1] == 1).all()
    assert (O[:, 2] == 16).all() and (O[:, 3] == 5).all()
    assert (F == 16).all()
    for i in range(n):
        u = 3
        for _ in range(4):
            u = u * 2 + i
        assert U[i] == u


@enigma.kernel
def list_carries(A: enigma.f32, O: enigma.f32, n: enigma.Scalar(enigma.i32)):
    i = enigma.thread_position_in_grid.x
    sums = [enigma.metal_cast(0.0, "float") for _ in range(3)]
    alias = sums
    pair = (enigma.metal_cast(1.0, "float"), 0.0)
    static = [A, None]  # non-traced items are kept, not carried
    for j in enigma.range(n):
        x = static[0][i * 16 + j]
        for hh in enigma.range_constexpr(3):
            sums[hh] = sums[hh] + x * (hh + 1)
        pair = (pair[0] * 0.5, pair[1] + x)
    for hh in enigma.range_constexpr(3):
        O[i * 6 + hh] = alias[hh]  # the list object itself holds the final values
    O[i * 6 + 3] = pair[0]
    O[i * 6 + 4] = pair[1]
    O[i * 6 + 5] = enigma.metal_cast(len(sums), "float")


def test_list_and_tuple_carries():
    rows, n = 5, 11
    A = rng.random((rows, 16), dtype=np.float32)
    O = np.zeros(rows * 6, np.float32)
    run(list_carries, A, O, n, grid=rows)
    O = O.reshape(rows, 6)
    s = A[:, :n].sum(axis=1)
    np.testing.assert_allclose(O[:, 0], s, rtol=1e-5)
    np.testing.assert_allclose(O[:, 1], 2 * s, rtol=1e-5)
    np.testing.assert_allclose(O[:, 2], 3 * s, rtol=1e-5)
    np.testing.assert_allclose(O[:, 3], 0.5**n, rtol=1e-5)
    np.testing.assert_allclose(O[:, 4], s, rtol=1e-5)
    assert (O[:, 5] == 3).all()


@enigma.kernel
def nested(A: enigma.f32, O: enigma.f32, rows: enigma.Scalar(enigma.u32)):
    b = enigma.thread_position_in_grid.x
    total = enigma.metal_cast(0.0, "float")
    best = enigma.metal_cast(-1.0, "float")
    for r in enigma.range(rows):
        row = enigma.metal_cast(0.0, "float")
        for c in enigma.range(r + 1):  # triangular: the inner bound uses the outer index
            row = row + A[b * 64 + r * 8 + c]
        total = total + row
        best = enigma.fmax(best, row)
    O[b * 2] = total
    O[b * 2 + 1] = best


def test_nested_loops():
    B, R = 3, 8
    A = rng.random((B, 8, 8), dtype=np.float32)
    O = np.zeros(B * 2, np.float32)
    run(nested, A, O, R, grid=B)
    tri = np.tril(A).sum(axis=2)
    np.testing.assert_allclose(O[0::2], tri.sum(axis=1), rtol=1e-5)
    np.testing.assert_allclose(O[1::2], tri.max(axis=1), rtol=1e-5)


@enigma.kernel
def mixed(A: enigma.f32, O: enigma.f32, n: enigma.Scalar(enigma.u32)):
    i = enigma.thread_position_in_grid.x
    acc = enigma.metal_cast(0.0, "float")
    with enigma.if_(i < 2):  # enigma.range inside an if_ body
        s = enigma.metal_cast(0.0, "float")
        for k in enigma.range(n):
            s = s + A[k]
        O[i * 3] = s
    with enigma.for_range(0, 2) as q:  # ... and inside a for_range body
        t = enigma.metal_cast(0.0, "float")
        for k in enigma.range(q, n):
            t = t + A[k]
        O[i * 3 + 1 + q] = t
    for k in enigma.range(n):  # a for_range inside enigma.range
        inner = enigma.for_range(0, 2, init=0.0)
        with inner as (z, a):
            enigma.yield_(a + A[k])
        acc = acc + inner.result
    O[12 + i] = acc


def test_mixing_with_if_and_for_range():
    n = 13
    A = rng.random(n, dtype=np.float32)
    O = np.full(16, -1, np.float32)
    run(mixed, A, O, n, grid=4, block=4)
    s = A.sum()
    for i in range(4):
        if i < 2:
            np.testing.assert_allclose(O[i * 3], s, rtol=1e-5)
        np.testing.assert_allclose(O[i * 3 + 1], s, rtol=1e-5)
        np.testing.assert_allclose(O[i * 3 + 2], A[1:].sum(), rtol=1e-5)
        np.testing.assert_allclose(O[12 + i], 2 * s, rtol=1e-5)


@enigma.kernel
def index_dtypes(O: enigma.u32, n: enigma.Scalar(enigma.u32)):
    i = enigma.thread_position_in_grid.x
    last_u = enigma.metal_cast(0, "uint")
    last_i = enigma.metal_cast(0, "int")
    for k in enigma.range(n):  # u32 bound: the index is a u32
        last_u = k
    for k in enigma.range(-3, 2):  # literal bounds: an i32 (negative start)
        last_i = last_i + k
    O[i * 2] = last_u
    O[i * 2 + 1] = enigma.metal_cast(last_i + 10, "uint")


def test_loop_index_dtype_follows_for_range():
    O = np.zeros(4, np.uint32)
    run(index_dtypes, O, 7, grid=2)
    assert list(O) == [6, 10 - 5, 6, 10 - 5]


def test_without_enigma_range_the_function_is_unchanged():
    from enigma.range_loops import kernel_function

    assert kernel_function(vadd_plain) is vadd_plain.fn
    assert kernel_function(row_sums) is not row_sums.fn
    assert kernel_function(row_sums) is kernel_function(row_sums)  # cached per KernelDef


@enigma.kernel
def vadd_plain(A: enigma.f32, B: enigma.f32):
    i = enigma.thread_position_in_grid.x
    for k in range(2):  # the builtin range: untouched
        B[i * 2 + k] = A[i]


def test_range_constexpr_and_builtin_range_stay_python_loops():
    A = rng.random(3, dtype=np.float32)
    B = np.zeros(6, np.float32)
    c = run(vadd_plain, A, B, grid=3)
    np.testing.assert_array_equal(B, np.repeat(A, 2))
    assert "for (" not in c.metal_source


def test_enigma_range_is_not_exported_by_import_star():
    ns: dict = {}
    exec("from enigma import *", ns)
    assert ns.get("range", range) is range
    assert enigma.range is not range
