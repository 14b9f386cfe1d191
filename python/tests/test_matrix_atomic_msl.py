"""Metal matrices, quad_broadcast and ordered atomics, run on the CPU runtime against numpy.

Kernels are written in the enigma dialect (MLIR text generated below), translated with
``enigma-translate --to-msl`` (the tool next to the C API library under test) and run with
``enigma.runtime``; a few are hand-written MSL exercising the matrix header directly.

A Metal ``floatCxR`` is ``vector<CxRxf32>``: C columns of R rows, column-major. A matrix
read from ``C*R`` consecutive floats ``d`` is, as a numpy (rows, columns) array,
``d.reshape(C, R).T``.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from enigma import runtime as rt

ROOT = Path(__file__).resolve().parents[2]


def _translate_tool() -> Path:
    candidates = []
    capi = os.environ.get("ENIGMA_CAPI_LIB")
    if capi:
        candidates.append(
            Path(capi).resolve().parent.parent / "bin" / "enigma-translate"
        )
    candidates.append(ROOT / "build" / "bin" / "enigma-translate")
    for path in candidates:
        if path.exists():
            return path
    pytest.skip("enigma-translate is not built (ENIGMA_ENABLE_MLIR=OFF)")


def to_msl(mlir: str) -> str:
    proc = subprocess.run(
        [str(_translate_tool()), "--to-msl"],
        check=False,
        input=mlir,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr + "\n" + mlir
    return proc.stdout


class KernelBuilder:
    """Builds one straight-line enigma.kernel reading `in` and writing `out` (1-D buffers)."""

    def __init__(self, elem: str = "f32") -> None:
        self.elem = elem
        self.lines: list[str] = []
        self.count = 0
        self.consts: dict[int, str] = {}
        self.in_pos = 0
        self.out_pos = 0

    def fresh(self) -> str:
        self.count += 1
        return f"%v{self.count}"

    def index(self, i: int) -> str:
        if i not in self.consts:
            name = f"%c{i}"
            self.lines.insert(0, f"  {name} = arith.constant {i} : index")
            self.consts[i] = name
        return self.consts[i]

    def buf(self, name: str) -> str:
        return f"memref<?x{self.elem}, #enigma.address_space<device>>"

    def emit(self, text: str) -> str:
        v = self.fresh()
        self.lines.append(f"  {v} = {text}")
        return v

    def load_scalars(self, n: int) -> list[str]:
        out = []
        for _ in range(n):
            out.append(
                self.emit(
                    f"memref.load %in[{self.index(self.in_pos)}] : {self.buf('in')}"
                )
            )
            self.in_pos += 1
        return out

    def load_matrix(self, c: int, r: int) -> tuple[str, int]:
        start = self.in_pos
        elems = self.load_scalars(c * r)
        v = self.emit(
            f"vector.from_elements {', '.join(elems)} : vector<{c}x{r}x{self.elem}>"
        )
        return v, start

    def load_vector(self, n: int) -> tuple[str, int]:
        start = self.in_pos
        elems = self.load_scalars(n)
        v = self.emit(
            f"vector.from_elements {', '.join(elems)} : vector<{n}x{self.elem}>"
        )
        return v, start

    def store_scalar(self, value: str) -> int:
        pos = self.out_pos
        self.lines.append(
            f"  memref.store {value}, %out[{self.index(pos)}] : {self.buf('out')}"
        )
        self.out_pos += 1
        return pos

    def store_matrix(self, value: str, c: int, r: int) -> int:
        start = self.out_pos
        for i in range(c):
            for j in range(r):
                e = self.emit(
                    f"vector.extract {value}[{i}, {j}] : {self.elem} from vector<{c}x{r}x{self.elem}>"
                )
                self.store_scalar(e)
        return start

    def store_vector(self, value: str, n: int) -> int:
        start = self.out_pos
        for i in range(n):
            e = self.emit(
                f"vector.extract {value}[{i}] : {self.elem} from vector<{n}x{self.elem}>"
            )
            self.store_scalar(e)
        return start

    def mlir(self, name: str = "k") -> str:
        body = "\n".join(self.lines)
        return (
            f"enigma.kernel @{name}("
            f"%in: {self.buf('in')} {{enigma.buffer_index = 0 : i32}},\n"
            f"    %out: {self.buf('out')} {{enigma.buffer_index = 1 : i32}}) {{\n"
            f"{body}\n  enigma.return\n}}\n"
        )


def run_single_thread(
    mlir: str, inputs: np.ndarray, n_out: int, name: str = "k"
) -> np.ndarray:
    msl = to_msl(mlir)
    kernel = rt.compile_msl(msl, f"enigma_kernel_{name}")
    out = np.zeros(n_out, inputs.dtype)
    kernel(inputs, out, grid=(1,), block=(1,))
    return out


def as_matrix(data: np.ndarray, start: int, c: int, r: int) -> np.ndarray:
    """The (rows, columns) numpy view of a Metal CxR matrix stored column-major at `start`."""
    return data[start : start + c * r].reshape(c, r).T


SHAPES = [2, 3, 4]


@pytest.mark.parametrize("elem,dtype", [("f32", np.float32), ("f16", np.float16)])
def test_matmul_all_shapes(elem: str, dtype: type) -> None:
    """matrix x matrix (27 shapes), matrix x vector and vector x matrix (9 each)."""
    b = KernelBuilder(elem)
    checks = []
    for k, r, c in itertools.product(SHAPES, SHAPES, SHAPES):
        a, a0 = b.load_matrix(k, r)
        m, m0 = b.load_matrix(c, k)
        p = b.emit(
            f"enigma.matmul {a}, {m} : vector<{k}x{r}x{elem}>, vector<{c}x{k}x{elem}>"
            f" -> vector<{c}x{r}x{elem}>"
        )
        o = b.store_matrix(p, c, r)
        checks.append(("mm", (a0, k, r), (m0, c, k), (o, c, r)))
    for c, r in itertools.product(SHAPES, SHAPES):
        a, a0 = b.load_matrix(c, r)
        x, x0 = b.load_vector(c)
        y = b.emit(
            f"enigma.matmul {a}, {x} : vector<{c}x{r}x{elem}>, vector<{c}x{elem}>"
            f" -> vector<{r}x{elem}>"
        )
        checks.append(("mv", (a0, c, r), (x0, c), (b.store_vector(y, r), r)))
        v, v0 = b.load_vector(r)
        z = b.emit(
            f"enigma.matmul {v}, {a} : vector<{r}x{elem}>, vector<{c}x{r}x{elem}>"
            f" -> vector<{c}x{elem}>"
        )
        checks.append(("vm", (v0, r), (a0, c, r), (b.store_vector(z, c), c)))
    rng = np.random.default_rng(1)
    # Small integers: every product is exact in half and float, so results compare exactly.
    data = rng.integers(-4, 5, b.in_pos).astype(dtype)
    out = run_single_thread(b.mlir(), data, b.out_pos)
    d = data.astype(np.float64)
    o = out.astype(np.float64)
    for kind, lhs, rhs, res in checks:
        if kind == "mm":
            expected = as_matrix(d, *lhs) @ as_matrix(d, *rhs)
            got = as_matrix(o, *res)
        elif kind == "mv":
            expected = as_matrix(d, *lhs) @ d[rhs[0] : rhs[0] + rhs[1]]
            got = o[res[0] : res[0] + res[1]]
        else:
            expected = d[lhs[0] : lhs[0] + lhs[1]] @ as_matrix(d, *rhs)
            got = o[res[0] : res[0] + res[1]]
        np.testing.assert_array_equal(got, expected, err_msg=f"{kind} {lhs} {rhs}")


def test_matmul_random_floats() -> None:
    b = KernelBuilder()
    a, a0 = b.load_matrix(4, 3)
    m, m0 = b.load_matrix(2, 4)
    p = b.emit(
        "enigma.matmul "
        + a
        + ", "
        + m
        + " : vector<4x3xf32>, vector<2x4xf32> -> vector<2x3xf32>"
    )
    o = b.store_matrix(p, 2, 3)
    data = np.random.default_rng(2).standard_normal(b.in_pos).astype(np.float32)
    out = run_single_thread(b.mlir(), data, b.out_pos)
    np.testing.assert_allclose(
        as_matrix(out, o, 2, 3),
        as_matrix(data, a0, 4, 3) @ as_matrix(data, m0, 2, 4),
        rtol=1e-5,
    )


@pytest.mark.parametrize("elem,dtype", [("f32", np.float32), ("f16", np.float16)])
def test_transpose_and_columns(elem: str, dtype: type) -> None:
    b = KernelBuilder(elem)
    checks = []
    for c, r in itertools.product(SHAPES, SHAPES):
        m, m0 = b.load_matrix(c, r)
        t = b.emit(
            f"vector.transpose {m}, [1, 0] : vector<{c}x{r}x{elem}> to vector<{r}x{c}x{elem}>"
        )
        o = b.store_matrix(t, r, c)
        # Column access: m[c-1] is the last column.
        col = b.emit(
            f"vector.extract {m}[{c - 1}] : vector<{r}x{elem}> from vector<{c}x{r}x{elem}>"
        )
        oc = b.store_vector(col, r)
        checks.append((m0, c, r, o, oc))
    data = np.arange(b.in_pos).astype(dtype)
    out = run_single_thread(b.mlir(), data, b.out_pos)
    for m0, c, r, o, oc in checks:
        mat = as_matrix(data, m0, c, r)
        np.testing.assert_array_equal(as_matrix(out, o, r, c), mat.T)
        np.testing.assert_array_equal(out[oc : oc + r], mat[:, c - 1])


@pytest.mark.parametrize("elem,dtype", [("f32", np.float32), ("f16", np.float16)])
def test_determinant(elem: str, dtype: type) -> None:
    b = KernelBuilder(elem)
    checks = []
    rng = np.random.default_rng(3)
    for n in SHAPES:
        for _ in range(3):
            m, m0 = b.load_matrix(n, n)
            checks.append(
                (
                    m0,
                    n,
                    b.store_scalar(
                        b.emit(f"enigma.determinant {m} : vector<{n}x{n}x{elem}>")
                    ),
                )
            )
    data = rng.integers(-3, 4, b.in_pos).astype(dtype)
    out = run_single_thread(b.mlir(), data, b.out_pos)
    for m0, n, o in checks:
        expected = np.linalg.det(as_matrix(data, m0, n, n).astype(np.float64))
        assert out[o] == pytest.approx(expected, abs=1e-3), (
            n,
            as_matrix(data, m0, n, n),
        )


def test_elementwise_matrix_arithmetic() -> None:
    """+ and - are Metal's; mulf/divf/negf/sqrt/fma are elementwise (never the matrix product);
    a splat constant and a scalar broadcast fill every element (not only the diagonal)."""
    b = KernelBuilder()
    x, x0 = b.load_matrix(3, 2)
    y, y0 = b.load_matrix(3, 2)
    (s,) = b.load_scalars(1)
    t = "vector<3x2xf32>"
    ops = {
        "add": b.emit(f"arith.addf {x}, {y} : {t}"),
        "sub": b.emit(f"arith.subf {x}, {y} : {t}"),
        "mul": b.emit(f"arith.mulf {x}, {y} : {t}"),
        "div": b.emit(f"arith.divf {x}, {y} : {t}"),
        "neg": b.emit(f"arith.negf {x} : {t}"),
        "max": b.emit(f"arith.maximumf {x}, {y} : {t}"),
        "sqrt": b.emit(f"math.sqrt {y} : {t}"),
        "fma": b.emit(f"vector.fma {x}, {y}, {x} : {t}"),
        "splat": b.emit(f"arith.constant dense<2.5> : {t}"),
        "bcast": b.emit(f"vector.broadcast {s} : f32 to {t}"),
    }
    outs = {k: b.store_matrix(v, 3, 2) for k, v in ops.items()}
    rng = np.random.default_rng(4)
    data = rng.uniform(0.5, 4.0, b.in_pos).astype(np.float32)
    out = run_single_thread(b.mlir(), data, b.out_pos)
    X, Y = as_matrix(data, x0, 3, 2), as_matrix(data, y0, 3, 2)
    expected = {
        "add": X + Y,
        "sub": X - Y,
        "mul": X * Y,
        "div": X / Y,
        "neg": -X,
        "max": np.maximum(X, Y),
        "sqrt": np.sqrt(Y),
        "fma": X * Y + X,
        "splat": np.full((2, 3), 2.5, np.float32),
        "bcast": np.full((2, 3), data[-1], np.float32),
    }
    for k, e in expected.items():
        np.testing.assert_allclose(
            as_matrix(out, outs[k], 3, 2), e, rtol=1e-6, err_msg=k
        )


def test_half_float_conversion_and_insert() -> None:
    mlir = """
enigma.kernel @k(%in: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                 %out: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %a = memref.load %in[%c0] : memref<?xf32, #enigma.address_space<device>>
  %b = memref.load %in[%c1] : memref<?xf32, #enigma.address_space<device>>
  %m = vector.broadcast %a : f32 to vector<2x2xf32>
  %col = vector.from_elements %b, %a : vector<2xf32>
  %m1 = vector.insert %col, %m [1] : vector<2xf32> into vector<2x2xf32>
  %m2 = vector.insert %b, %m1 [0, 1] : f32 into vector<2x2xf32>
  %h = arith.truncf %m2 : vector<2x2xf32> to vector<2x2xf16>
  %hh = arith.addf %h, %h : vector<2x2xf16>
  %f = arith.extf %hh : vector<2x2xf16> to vector<2x2xf32>
  %e0 = vector.extract %f[0, 0] : f32 from vector<2x2xf32>
  %e1 = vector.extract %f[0, 1] : f32 from vector<2x2xf32>
  %e2 = vector.extract %f[1, 0] : f32 from vector<2x2xf32>
  %e3 = vector.extract %f[1, 1] : f32 from vector<2x2xf32>
  memref.store %e0, %out[%c0] : memref<?xf32, #enigma.address_space<device>>
  memref.store %e1, %out[%c1] : memref<?xf32, #enigma.address_space<device>>
  memref.store %e2, %out[%c2] : memref<?xf32, #enigma.address_space<device>>
  memref.store %e3, %out[%c3] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}
"""
    out = run_single_thread(mlir, np.array([1.5, 3.0], np.float32), 4)
    np.testing.assert_array_equal(out, [3.0, 6.0, 6.0, 3.0])


MATRIX_HEADER = """
#include <metal_stdlib>
using namespace metal;

// The header's constructors and operators as hand-written Metal uses them.
kernel void header(device const float* in [[buffer(0)]], device float* out [[buffer(1)]]) {
  float3x3 m(float3(in[0], in[1], in[2]), float3(in[3], in[4], in[5]), float3(in[6], in[7], in[8]));
  float3x3 id(1.0f);
  float3x3 p = m * id;                       // identity
  float3x3 s = m + m - m * 2.0f + 2.0f * m;  // 2m
  s += id;
  s -= id;
  s *= 0.5f;                                 // m
  float3x3 sq = m;
  sq *= m;                                   // m * m
  float3x2 cut = float3x2(m[0].xy, m[1].xy, m[2].xy);
  float2x3 ct = transpose(cut);
  uint k = 0;
  for (int c = 0; c < 3; ++c) for (int r = 0; r < 3; ++r) out[k++] = sq[c][r];
  for (int c = 0; c < 2; ++c) for (int r = 0; r < 3; ++r) out[k++] = ct[c][r];
  out[k++] = (p == m && s == m && !(s != m)) ? 1.0f : 0.0f;
  out[k++] = determinant(m);
  half2x2 h = half2x2(half(in[0]), half(in[1]), half(in[3]), half(in[4]));
  float2x2 hf = float2x2(h);
  out[k++] = determinant(hf);
  out[k++] = (float)determinant(h);
  float3 v = float3(1.0f, 2.0f, 3.0f);
  float3 mv = m * v;
  float3 vm = v * m;
  out[k++] = mv.x; out[k++] = mv.y; out[k++] = mv.z;
  out[k++] = vm.x; out[k++] = vm.y; out[k++] = vm.z;
}
"""


def test_matrix_header_hand_written() -> None:
    k = rt.compile_msl(MATRIX_HEADER, "header")
    data = np.array([2, -1, 0, 1, 3, 2, 0, 1, 1], np.float32)
    out = np.zeros(9 + 6 + 4 + 6, np.float32)
    k(data, out, grid=(1,), block=(1,))
    m = data.reshape(3, 3).T.astype(np.float64)
    np.testing.assert_array_equal(out[:9], (m @ m).T.reshape(-1))
    np.testing.assert_array_equal(
        out[9:15], m[:2, :].reshape(-1)
    )  # transpose(cut) columns
    assert out[15] == 1.0
    assert out[16] == pytest.approx(np.linalg.det(m))
    h = m[:2, :2]
    assert out[17] == pytest.approx(np.linalg.det(h))
    assert out[18] == pytest.approx(np.linalg.det(h))
    v = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(out[19:22], m @ v)
    np.testing.assert_array_equal(out[22:25], v @ m)


QUAD_BROADCAST = """
enigma.kernel @quad(%x: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                    %out: memref<?x4xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32},
                    %iout: memref<?x4xi32, #enigma.address_space<device>> {enigma.buffer_index = 2 : i32}) {
  %gid = enigma.thread_position_in_grid x
  %v = memref.load %x[%gid] : memref<?xf32, #enigma.address_space<device>>
  %iv = arith.fptosi %v : f32 to i32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %l0 = arith.constant 0 : i32
  %l1 = arith.constant 1 : i32
  %l2 = arith.constant 2 : i32
  %l3 = arith.constant 3 : i32
  %b0 = enigma.quad_broadcast %v, %l0 : f32, i32
  %b1 = enigma.quad_broadcast %v, %l1 : f32, i32
  %b2 = enigma.quad_broadcast %v, %l2 : f32, i32
  %b3 = enigma.quad_broadcast %v, %l3 : f32, i32
  memref.store %b0, %out[%gid, %c0] : memref<?x4xf32, #enigma.address_space<device>>
  memref.store %b1, %out[%gid, %c1] : memref<?x4xf32, #enigma.address_space<device>>
  memref.store %b2, %out[%gid, %c2] : memref<?x4xf32, #enigma.address_space<device>>
  memref.store %b3, %out[%gid, %c3] : memref<?x4xf32, #enigma.address_space<device>>
  %vec = vector.broadcast %iv : i32 to vector<4xi32>
  %vb = enigma.quad_broadcast %vec, %c2 : vector<4xi32>, index
  %e = vector.extract %vb[3] : i32 from vector<4xi32>
  memref.store %e, %iout[%gid, %c0] : memref<?x4xi32, #enigma.address_space<device>>
  enigma.return
}
"""


def test_quad_broadcast_per_quad() -> None:
    kernel = rt.compile_msl(to_msl(QUAD_BROADCAST), "enigma_kernel_quad")
    n = 64
    x = (np.arange(n) * 7 % 23).astype(np.float32)
    out = np.zeros((n, 4), np.float32)
    iout = np.zeros((n, 4), np.int32)
    kernel(x, out, iout, grid=(n,), block=(32,))
    quads = x.reshape(-1, 4)
    np.testing.assert_array_equal(out, np.repeat(quads, 4, axis=0))
    np.testing.assert_array_equal(
        iout[:, 0], np.repeat(quads[:, 2], 4).astype(np.int32)
    )


ORDERS = ["relaxed", "acquire", "release", "acq_rel", "seq_cst"]
LOAD_ORDERS = ["relaxed", "acquire", "seq_cst"]
STORE_ORDERS = ["relaxed", "release", "seq_cst"]


def _order(o: str) -> str:
    return f"{{order = #enigma.memory_order<{o}>}}"


def _atomic_kernel() -> str:
    dev = "#enigma.address_space<device>"
    tgs = "#enigma.address_space<threadgroup>"
    lines = [
        f"enigma.kernel @atomics(%cnt: memref<16xi32, {dev}> {{enigma.buffer_index = 0 : i32}},",
        f"    %fsum: memref<8xf32, {dev}> {{enigma.buffer_index = 1 : i32}},",
        f"    %seen: memref<?xi32, {dev}> {{enigma.buffer_index = 2 : i32}}) {{",
        "  %gid = enigma.thread_position_in_grid x",
        "  %lid = enigma.thread_index_in_threadgroup",
        "  %one = arith.constant 1 : i32",
        "  %onef = arith.constant 1.0 : f32",
        "  %gidi = arith.index_cast %gid : index to i32",
        f"  %tg = enigma.threadgroup_alloc : memref<8xi32, {tgs}>",
    ]
    for i in range(16):
        lines.append(f"  %k{i} = arith.constant {i} : index")
    # counters 0..4: add with each order (device); 5..9: cmpxchg increments with each order;
    # 10: max of gid (acq_rel, unsigned); fsum[0..4]: float add with each order.
    for i, o in enumerate(ORDERS):
        lines.append(
            f"  %a{i} = enigma.atomic_rmw <add> %one, %cnt[%k{i}] {_order(o)} : memref<16xi32, {dev}>"
        )
        lines.append(
            f"  %f{i} = enigma.atomic_rmw <add> %onef, %fsum[%k{i}] {_order(o)} : memref<8xf32, {dev}>"
        )
    lines.append(
        f"  %mx = enigma.atomic_rmw <max> unsigned %gidi, %cnt[%k10] {_order('acq_rel')} : memref<16xi32, {dev}>"
    )
    # Compare-exchange increments: loop until the exchange succeeds.
    for i, (o, fo) in enumerate(
        [
            ("relaxed", "relaxed"),
            ("acquire", "acquire"),
            ("release", "relaxed"),
            ("acq_rel", "acquire"),
            ("seq_cst", "seq_cst"),
        ]
    ):
        attrs = f"{{order = #enigma.memory_order<{o}>, failure_order = #enigma.memory_order<{fo}>}}"
        lines += [
            f"  %init{i} = enigma.atomic_load %cnt[%k{5 + i}] {_order(LOAD_ORDERS[i % 3])} : memref<16xi32, {dev}>",
            f"  %r{i} = scf.while (%cur = %init{i}) : (i32) -> i32 {{",
            "    %next = arith.addi %cur, %one : i32",
            f"    %found = enigma.atomic_cmpxchg %cur, %next, %cnt[%k{5 + i}] {attrs} : memref<16xi32, {dev}>",
            "    %retry = arith.cmpi ne, %found, %cur : i32",
            "    scf.condition(%retry) %found : i32",
            "  } do {",
            "  ^bb0(%again: i32):",
            "    scf.yield %again : i32",
            "  }",
        ]
    # Threadgroup atomics: each thread stores with a store order into its own slot of a
    # per-threadgroup array after a counter, then thread-local loads read them back.
    lines.append("  %c8 = arith.constant 8 : index")
    lines.append("  %slot = arith.remui %lid, %c8 : index")
    for i, o in enumerate(STORE_ORDERS):
        lines.append(
            f"  enigma.atomic_store %gidi, %tg[%slot] {_order(o)} : memref<8xi32, {tgs}>"
        )
    for i, o in enumerate(LOAD_ORDERS):
        lines.append(
            f"  %l{i} = enigma.atomic_load %tg[%slot] {_order(o)} : memref<8xi32, {tgs}>"
        )
    lines.append("  %sum01 = arith.addi %l0, %l1 : i32")
    lines.append("  %sum = arith.addi %sum01, %l2 : i32")
    lines.append(
        f"  %x = enigma.atomic_rmw <exchange> %sum, %seen[%gid] {_order('seq_cst')} : memref<?xi32, {dev}>"
    )
    lines.append("  enigma.return\n}")
    return "\n".join(lines) + "\n"


def test_atomics_with_each_order() -> None:
    msl = to_msl(_atomic_kernel())
    assert "atomic_thread_fence(" in msl and "memory_order_seq_cst" in msl
    kernel = rt.compile_msl(msl, "enigma_kernel_atomics")
    n = (
        8 * 96
    )  # threadgroups of 8 threads: every slot of `tg` has one writer per threadgroup
    cnt = np.zeros(16, np.int32)
    fsum = np.zeros(8, np.float32)
    seen = np.zeros(n, np.int32)
    kernel(cnt, fsum, seen, grid=(n,), block=(8,))
    np.testing.assert_array_equal(cnt[:5], n)  # rmw add, each order
    np.testing.assert_array_equal(
        cnt[5:10], n
    )  # compare-exchange increments, each order
    assert cnt[10] == n - 1  # unsigned max
    np.testing.assert_array_equal(fsum[:5], float(n))
    np.testing.assert_array_equal(seen, 3 * np.arange(n))


# Message passing across threadgroups (which run on different OS threads): a producer writes
# data, then publishes a flag with a release store; a consumer that observes the flag with an
# acquire load must see the data. Hand-written in the form the translation emits (relaxed
# atomics between seq_cst fences), no spinning.
MESSAGE_PASSING = """
enigma.kernel @mp(%data: memref<?xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                  %flag: memref<?xi32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32},
                  %seen: memref<?xi32, #enigma.address_space<device>> {enigma.buffer_index = 2 : i32}) {
  %gid = enigma.thread_position_in_grid x
  %tg = enigma.threadgroup_position_in_grid x
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %one = arith.constant 1 : i32
  %neg = arith.constant -1 : i32
  %pair = arith.divui %tg, %c2 : index
  %role = arith.remui %tg, %c2 : index
  %isProducer = arith.cmpi eq, %role, %c1 : index
  scf.if %isProducer {
    %v = arith.index_cast %gid : index to i32
    memref.store %v, %data[%gid] : memref<?xi32, #enigma.address_space<device>>
    enigma.atomic_store %one, %flag[%gid] {order = #enigma.memory_order<release>} : memref<?xi32, #enigma.address_space<device>>
  } else {
    %c32 = arith.constant 32 : index
    %peer = arith.addi %gid, %c32 : index
    %f = enigma.atomic_load %flag[%peer] {order = #enigma.memory_order<acquire>} : memref<?xi32, #enigma.address_space<device>>
    %ready = arith.cmpi eq, %f, %one : i32
    %r = scf.if %ready -> i32 {
      %d = memref.load %data[%peer] : memref<?xi32, #enigma.address_space<device>>
      scf.yield %d : i32
    } else {
      scf.yield %neg : i32
    }
    memref.store %r, %seen[%gid] : memref<?xi32, #enigma.address_space<device>>
  }
  enigma.return
}
"""


def test_release_acquire_message_passing() -> None:
    msl = to_msl(MESSAGE_PASSING)
    kernel = rt.compile_msl(msl, "enigma_kernel_mp")
    n = 32 * 64
    for _ in range(3):
        data = np.zeros(n, np.int32)
        flag = np.zeros(n, np.int32)
        seen = np.full(n, -2, np.int32)
        kernel(data, flag, seen, grid=(n,), block=(32,))
        consumers = (np.arange(n) // 32) % 2 == 0
        got = seen[consumers]
        peers = np.arange(n)[consumers] + 32
        # Either the flag was not yet set (-1), or the data is visible.
        assert np.all((got == -1) | (got == peers))
