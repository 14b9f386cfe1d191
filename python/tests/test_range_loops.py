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
    assert "for (uint c = 0u; c < " in c.metal_source  # the loop variable's name and dtype
    assert "acc = acc_1;" in c.metal_source  # the carried value is named after its variable


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
        with inner as (_z, a):
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
    exec("from enigma import *", ns)  # noqa: S102
    assert ns.get("range", range) is range
    assert enigma.range is not range


# ---------------------------------------------------------------------------------------------
# Locations: the trace (and so the MSL source map) points at the user's lines
# ---------------------------------------------------------------------------------------------


def _ops(ops):
    for op in ops:
        yield op
        for r in op.get("regions", []):
            yield from _ops(r.get("ops", []))


def test_trace_locations_are_the_users_lines():
    from enigma.kernel_trace import trace

    tr, _ = trace(row_sums)
    fors = [op for op in _ops(tr["ops"]) if op["op"] == "scf.for"]
    assert len(fors) == 1
    assert fors[0]["loc"]["file"] == str(HERE)
    assert fors[0]["loc"]["line"] == line_of(row_sums.fn, "for c in enigma.range(cols)")
    lines = {op["loc"]["line"] for op in _ops(fors[0]["regions"][0]["ops"])}
    assert line_of(row_sums.fn, "sq += x * x") in lines
    assert line_of(row_sums.fn, "x = A[r * cols + c]") in lines


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def compile_error(k, exc=TypeError):
    with pytest.raises(exc) as ei:
        enigma.compile(k, emit_only=True)
    return str(ei.value)


def assert_at(msg, fn, text):
    assert f"{HERE}:{line_of(fn, text)}:" in msg, msg


@enigma.kernel
def dtype_changes(A: enigma.f32):
    acc = 0.0
    for k in enigma.range(4):
        acc = enigma.metal_cast(acc, "int") + k
    A[0] = acc


def test_error_carried_dtype_changes():
    msg = compile_error(dtype_changes)
    assert "'acc'" in msg and "i32" in msg and "f32" in msg and "metal_cast" in msg
    assert_at(msg, dtype_changes.fn, "for k in enigma.range(4)")


@enigma.kernel
def list_grows(A: enigma.f32):
    vals = [A[0]]
    for k in enigma.range(4):
        vals = vals + [A[k]]
    A[1] = vals[0]


@enigma.kernel
def object_becomes_traced(A: enigma.f32):
    best = None
    for k in enigma.range(4):
        best = A[k]
    A[1] = best


@enigma.kernel
def traced_becomes_object(A: enigma.f32):
    best = A[0]
    for k in enigma.range(4):
        best = "x"  # noqa: F841
    A[1] = 0.0


def test_error_carried_structure_changes():
    msg = compile_error(list_grows)
    assert "'vals'" in msg and "list of length 1" in msg and "length 2" in msg
    assert_at(msg, list_grows.fn, "for k in enigma.range(4)")
    msg = compile_error(object_becomes_traced)
    assert "'best'" in msg and "Python NoneType before the loop" in msg
    assert_at(msg, object_becomes_traced.fn, "for k in enigma.range(4)")
    msg = compile_error(traced_becomes_object)
    assert "'best'" in msg and "Python str" in msg
    assert_at(msg, traced_becomes_object.fn, "for k in enigma.range(4)")


@enigma.kernel
def tuple_target(A: enigma.f32):
    for (a, b) in enigma.range(4):
        A[a] = 0.0


@enigma.kernel
def with_break(A: enigma.f32):
    for k in enigma.range(4):
        for j in enigma.range_constexpr(2):
            if j == 1:
                break  # fine: the Python loop's
        A[k] = 1.0
        break  # the enigma.range loop's


@enigma.kernel
def with_continue(A: enigma.f32):
    for k in enigma.range(4):
        continue  # here


@enigma.kernel
def with_return(A: enigma.f32):
    for k in enigma.range(4):
        return  # here


@enigma.kernel
def with_else(A: enigma.f32):
    for k in enigma.range(4):
        A[k] = 1.0
    else:  # noqa: PLW0120
        A[0] = 2.0


@enigma.kernel
def with_keywords(A: enigma.f32):
    for k in enigma.range(0, 4, step=2):
        A[k] = 1.0


@pytest.mark.parametrize("k,where,what", [
    (tuple_target, "for (a, b) in", "must be a single name"),
    (with_break, "break  # the enigma.range loop's", "`break`"),
    (with_continue, "continue  # here", "`continue`"),
    (with_return, "return  # here", "`return`"),
    (with_else, "for k in enigma.range(4)", "`else:`"),
    (with_keywords, "step=2", "1 to 3 positional arguments"),
])
def test_error_unsupported_forms(k, where, what):
    msg = compile_error(k)
    assert what in msg
    assert_at(msg, k.fn, where)


@enigma.kernel
def error_in_body(A: enigma.f32):
    for k in enigma.range(4):
        x = A[k]
        with enigma.if_("no"):
            A[k] = x


def test_errors_in_the_body_name_the_body_line():
    msg = compile_error(error_in_body)
    assert "enigma.if_ needs a traced condition" in msg
    assert_at(msg, error_in_body.fn, 'with enigma.if_("no")')


@enigma.kernel
def assigned_in_if_arm(A: enigma.f32, n: enigma.Scalar(enigma.i32)):
    acc = A[0]
    for k in enigma.range(n):
        with enigma.if_(k > 2):
            acc = acc + A[k]
    A[1] = acc


def test_error_carried_value_from_a_nested_region():
    # acc = ... in an if_ arm is not conditional: the tracer reports the escaping value
    msg = compile_error(assigned_in_if_arm)
    assert "computed inside the body of enigma.if_" in msg
    assert f"(line {line_of(assigned_in_if_arm.fn, 'acc = acc + A[k]')})" in msg
    assert_at(msg, assigned_in_if_arm.fn, "for k in enigma.range(n)")


def _helper_with_range(A):
    for k in enigma.range(4):
        A[k] = 1.0


@enigma.kernel
def uses_helper(A: enigma.f32):
    _helper_with_range(A)


def test_error_enigma_range_in_a_helper_function():
    msg = compile_error(uses_helper)
    assert "enigma.range(...) works only as `for i in enigma.range(...):`" in msg
    assert "enigma.for_range" in msg
    assert_at(msg, _helper_with_range, "for k in enigma.range(4)")


def test_error_source_unavailable():
    ns = {"enigma": enigma}
    exec(textwrap.dedent("""
        @enigma.kernel
        def from_exec(A: enigma.f32):
            acc = 0.0
            for k in enigma.range(4):
                acc = acc + A[k]
            A[0] = acc
    """), ns)  # noqa: S102
    msg = compile_error(ns["from_exec"])
    assert "needs the function's source" in msg and "exec()" in msg
    assert "<string>:5:" in msg


def test_a_variable_first_assigned_in_the_body_stays_local_to_it():
    @enigma.kernel
    def local_only(A: enigma.f32):
        for k in enigma.range(4):
            fresh = A[k]
        A[0] = fresh

    with pytest.raises(NameError):
        enigma.compile(local_only, emit_only=True)


def test_closures_and_aliased_module():
    import enigma as en

    scale = 3.0

    @en.kernel
    def closure(A: enigma.f32, n: enigma.Scalar(enigma.u32)):
        acc = en.metal_cast(0.0, "float")
        for k in en.range(n):
            acc = acc + A[k] * scale
        A[0] = acc

    A = rng.random(8, dtype=np.float32)
    expect = A.sum() * 3.0
    run(closure, A, 8, grid=1, block=1)
    np.testing.assert_allclose(A[0], expect, rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# The reference's benchmark_sdpa.py, unchanged, from a temporary copy
# ---------------------------------------------------------------------------------------------

FAILING_XCRUN = "#!/bin/sh\necho 'xcrun: no Xcode on this machine (test stub)' >&2\nexit 1\n"
# Writes an empty file for `-o`: the program goes on past its hand-written Metal build to its
# own numpy check of the Enigma kernel (which runs on the CPU runtime here).
PLACEHOLDER_XCRUN = """#!/bin/sh
out=""
while [ $# -gt 0 ]; do
  if [ "$1" = "-o" ]; then out="$2"; fi
  shift
done
[ -n "$out" ] && : > "$out"
exit 0
"""


def _run_sdpa(tmp_path: Path, xcrun: str) -> subprocess.CompletedProcess:
    src = REFERENCE / "examples"
    if not (src / "benchmark_sdpa.py").is_file():
        pytest.skip("the reference examples are not next to this checkout")
    dst = tmp_path / "examples"
    shutil.copytree(src, dst)
    for p in dst.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "xcrun").write_text(xcrun)
    (bindir / "xcrun").chmod(0o755)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "python")
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run([sys.executable, str(dst / "benchmark_sdpa.py")], cwd=dst, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def test_reference_benchmark_sdpa_compiles_its_enigma_kernel(tmp_path):
    # Everything before the hand-written Metal build runs: the Enigma kernel (its KV loop is
    # `for kt_iter in enigma.range(kv_iters)` carrying the lists l, m, ox, oy) compiles and
    # its MSL is exported; then `xcrun metal` (macOS only) fails.
    proc = _run_sdpa(tmp_path, FAILING_XCRUN)
    out, err = proc.stdout, proc.stderr
    assert proc.returncode != 0
    assert "Compiling Enigma SDPA (gpt-oss layout)...\nCompiling gpt-oss SDPA...\n" in out, \
        out + err[-3000:]
    tb = err.strip().splitlines()
    assert tb[-1].startswith("subprocess.CalledProcessError: Command '['xcrun', '-sdk', "
                             "'macosx', 'metal'"), err[-3000:]
    frames = [ln for ln in tb if ln.lstrip().startswith("File ")]
    assert "benchmark_sdpa.py" in frames[-2] and "subprocess.py" in frames[-1]
    assert 'subprocess.run(["xcrun", "-sdk", "macosx", "metal"' in err
    msl = (tmp_path / "examples" / "metal" / "sdpa_enigma.metal").read_text()
    assert "kernel void" in msl
    assert msl.count("for (") == 1  # the enigma.range loop; range_constexpr loops unrolled


def test_reference_benchmark_sdpa_enigma_kernel_passes_its_own_check(tmp_path):
    # With an xcrun stub that only creates its output files, the program reaches its numpy
    # check of the Enigma kernel (run on the CPU runtime) and prints PASS; it stops at the
    # hand-written gpt-oss kernel, whose metallib is a placeholder without Metal source.
    proc = _run_sdpa(tmp_path, PLACEHOLDER_XCRUN)
    out, err = proc.stdout, proc.stderr
    m = [ln for ln in out.splitlines() if ln.strip().startswith("Enigma:")]
    assert m and m[0].rstrip().endswith("PASS"), out + err[-3000:]
    err_e = float(m[0].split("max|err|=")[1].split()[0])
    assert err_e < 1e-4
    assert proc.returncode != 0 and "gpt-oss:" not in out
    assert "runtime.execute(hw_compiled" in err
