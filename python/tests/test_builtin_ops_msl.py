"""The Metal standard-library ops of the enigma dialect (EnigmaMathOps.td), end to end: MLIR
in the generic form the Python front end writes -> enigma-translate --to-msl -> CPU runtime,
checked against numpy / Python integers, edge cases included (saturation at the type limits,
sign extension of bit fields, rotations by >= the width, NaN and signed zeros, pack rounding
and clamping, exact unpack values).

Each test compiles one kernel that applies many ops to per-thread inputs read from buffers."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from enigma import runtime as rt

ROOT = Path(__file__).resolve().parents[2]
N = 256  # threads per kernel (a multiple of the threadgroup size)
BLOCK = 64
F32_BELOW_ONE = np.float32(np.nextafter(np.float32(1), np.float32(0)))


def _translate_tool() -> Path:
    candidates = []
    if os.environ.get("ENIGMA_CAPI_LIB"):
        candidates.append(Path(os.environ["ENIGMA_CAPI_LIB"]).parent.parent / "bin")
    candidates.append(ROOT / "build" / "bin")
    for directory in candidates:
        tool = directory / "enigma-translate"
        if tool.exists():
            return tool
    pytest.skip("enigma-translate is not built (ENIGMA_ENABLE_MLIR=OFF)")


_SPACE = "#enigma.address_space<device>"


class Kernel:
    """Builds an elementwise kernel: thread i reads lanes [i * L, (i + 1) * L) of each input
    buffer, computes, and writes its outputs the same way."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.args: list[str] = []
        self.body: list[str] = []
        self.buffers: list[
            tuple[str, str, int, bool]
        ] = []  # name, element, lanes, is_output
        self.consts: set[int] = set()

    def _offset(self, lanes: int) -> str:
        if lanes not in self.consts:
            self.consts.add(lanes)
            self.body.insert(0, f"  %c{lanes} = arith.constant {lanes} : index")
            self.body.insert(1, f"  %off{lanes} = arith.muli %tid, %c{lanes} : index")
        return f"%off{lanes}"

    @staticmethod
    def type_of(elem: str, lanes: int) -> str:
        return elem if lanes == 1 else f"vector<{lanes}x{elem}>"

    def _buffer(self, name: str, elem: str, lanes: int, output: bool) -> str:
        index = len(self.buffers)
        access = "write" if output else "read"
        self.args.append(
            f"%{name}: memref<?x{elem}, {_SPACE}> {{enigma.buffer_index = {index} : i32, "
            f'enigma.access = #enigma.access<{access}>}} loc("{name}")'
        )
        self.buffers.append((name, elem, lanes, output))
        return f"memref<?x{elem}, {_SPACE}>"

    def input(self, name: str, elem: str, lanes: int = 1) -> str:
        memref = self._buffer(name, elem, lanes, False)
        if lanes == 1:
            self.body.append(f"  %{name}_v = memref.load %{name}[%tid] : {memref}")
        else:
            off = self._offset(lanes)
            self.body.append(
                f"  %{name}_v = vector.load %{name}[{off}] : {memref}, vector<{lanes}x{elem}>"
            )
        return f"%{name}_v"

    def op(self, result: str, text: str) -> str:
        self.body.append(f"  %{result}_r = {text}")
        return f"%{result}_r"

    def output(self, name: str, value: str, elem: str, lanes: int = 1) -> None:
        memref = self._buffer(name, elem, lanes, True)
        if lanes == 1:
            self.body.append(f"  memref.store {value}, %{name}[%tid] : {memref}")
        else:
            off = self._offset(lanes)
            self.body.append(
                f"  vector.store {value}, %{name}[{off}] : {memref}, vector<{lanes}x{elem}>"
            )

    def mlir(self) -> str:
        args = ",\n    ".join(self.args)
        body = "\n".join(self.body)
        return (
            f"enigma.kernel @{self.name}({args}) {{\n"
            f'  %tid = enigma.thread_position_in_grid x loc("tid")\n'
            f"{body}\n  enigma.return\n}}\n"
        )

    def run(self, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Translates, compiles and runs the kernel over N threads; returns the outputs."""
        proc = subprocess.run(
            [str(_translate_tool()), "--to-msl"],
            input=self.mlir(),
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr + "\n" + self.mlir()
        kernel = rt.compile_msl(proc.stdout, f"enigma_kernel_{self.name}")
        args = []
        outputs = {}
        for name, _elem, lanes, output in self.buffers:
            if output:
                dtype = arrays[name]
                outputs[name] = np.zeros(N * lanes, dtype=dtype)
                args.append(outputs[name])
            else:
                array = np.ascontiguousarray(arrays[name]).reshape(-1)
                assert array.size == N * lanes, name
                args.append(array)
        kernel(*args, grid=N, block=BLOCK)
        return outputs


def _generic(
    name: str, operands: list[str], types: list[str], result: str, attrs: str = ""
) -> str:
    """An op in generic form, as the Python front end writes it."""
    attr = f" {{{attrs}}}" if attrs else ""
    return f'"enigma.{name}"({", ".join(operands)}){attr} : ({", ".join(types)}) -> {result}'


def _bits(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values).view(np.uint32)


def _same_floats(got: np.ndarray, want: np.ndarray) -> None:
    """Bitwise equal except that any NaN matches any NaN (signed zeros must match)."""
    got = np.asarray(got, dtype=np.float32)
    want = np.asarray(want, dtype=np.float32)
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan), (
        got[np.isnan(got) != nan],
        want[np.isnan(got) != nan],
    )
    bad = ~nan & (_bits(got) != _bits(want))
    assert not bad.any(), list(zip(got[bad][:8], want[bad][:8]))


def _float_inputs(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    special = np.array(
        [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            np.inf,
            -np.inf,
            np.nan,
            -np.nan,
            1e-30,
            -1e-30,
            1e-45,
            -1e-45,
            3.5,
            -3.5,
            1e20,
            -1e20,
            0.999999,
            -1e-8,
            2.0,
            1.5,
            -2.5,
            0.25,
        ],
        dtype=np.float32,
    )
    rest = (rng.standard_normal(N - special.size) * 4).astype(np.float32)
    return np.concatenate([special, rest]).astype(np.float32)


# --------------------------------------------------------------------------------------------
# Common float functions
# --------------------------------------------------------------------------------------------


def test_float_common() -> None:
    x = _float_inputs(1)
    rng = np.random.default_rng(2)
    y = (rng.standard_normal(N) * 4).astype(np.float32)
    y[:24] = x[::-1][:24]  # edges against specials
    y[30] = x[30]  # x == edge: step is 1
    t = rng.random(N, dtype=np.float32)
    k = Kernel("float_common")
    vx, vy, vt = k.input("x", "f32"), k.input("y", "f32"), k.input("t", "f32")
    f = "f32"
    k.output("fract", k.op("fr", _generic("fract", [vx], [f], f)), f)
    k.output("sign", k.op("sg", _generic("sign", [vx], [f], f)), f)
    k.output("sat", k.op("sa", _generic("saturate", [vx], [f], f)), f)
    k.output("step", k.op("st", _generic("step", [vy, vx], [f, f], f)), f)
    k.output("mix", k.op("mx", _generic("mix", [vx, vy, vt], [f, f, f], f)), f)
    sb = k.op("sb", _generic("signbit", [vx], [f], "i1"))
    k.output("signbit", k.op("sbi", f"arith.extui {sb} : i1 to i32"), "i32")
    out = k.run(
        {
            "x": x,
            "y": y,
            "t": t,
            "fract": np.float32,
            "sign": np.float32,
            "sat": np.float32,
            "step": np.float32,
            "mix": np.float32,
            "signbit": np.uint32,
        }
    )

    with np.errstate(invalid="ignore", over="ignore"):
        frac = np.minimum(x - np.floor(x), F32_BELOW_ONE).astype(np.float32)
    frac = np.where(np.isinf(x), np.copysign(np.float32(0), x), frac)
    frac = np.where(x == 0, x, frac)  # keeps -0
    frac = np.where(np.isnan(x), x, frac)
    _same_floats(out["fract"], frac)
    assert (out["fract"][~np.isnan(x)] < 1).all()
    assert np.isnan(out["fract"][8]) and np.isnan(out["fract"][9])  # fract(NaN) is NaN

    sign = np.where(x > 0, 1, np.where(x < 0, -1, np.where(np.isnan(x), 0, x))).astype(
        np.float32
    )
    _same_floats(out["sign"], sign)  # sign(+-0) = +-0, sign(NaN) = 0
    assert _bits(out["sign"])[1] == 0x80000000

    # saturate(NaN) = 0 (Metal's fmin/fmax semantics); the sign of saturate(-0) is unspecified.
    assert np.array_equal(out["sat"], np.where(np.isnan(x), 0, np.clip(x, 0, 1)))
    _same_floats(out["step"], np.where(x < y, 0, 1).astype(np.float32))
    assert out["step"][30] == 1.0
    finite = np.isfinite(x) & np.isfinite(y) & (np.abs(x) < 1e19) & (np.abs(y) < 1e19)
    with np.errstate(invalid="ignore"):
        want_mix = x.astype(np.float64) + (y.astype(np.float64) - x) * t
    np.testing.assert_allclose(
        out["mix"][finite], want_mix[finite], rtol=1e-6, atol=1e-6
    )
    assert np.array_equal(out["signbit"], np.signbit(x).astype(np.uint32))
    assert out["signbit"][9] == 1 and out["signbit"][8] == 0  # -NaN, +NaN


def test_float_vector_and_half() -> None:
    """Vector overloads (float4, half2) and smoothstep at and between its edges."""
    rng = np.random.default_rng(3)
    e0 = rng.uniform(-2, 0, N * 4).astype(np.float32)
    e1 = (e0 + rng.uniform(0.5, 3, N * 4)).astype(np.float32)
    x = rng.uniform(-3, 3, N * 4).astype(np.float32)
    x[0::7] = e0[0::7]  # exactly at edge0: 0
    x[3::11] = e1[3::11]  # exactly at edge1: 1
    h = rng.uniform(-8, 8, N * 2).astype(np.float16)
    h[:4] = [np.nan, -0.0, np.inf, -2.75]
    k = Kernel("float_vec")
    v4 = "vector<4xf32>"
    va, vb, vx = (
        k.input("e0", "f32", 4),
        k.input("e1", "f32", 4),
        k.input("x", "f32", 4),
    )
    vh = k.input("h", "f16", 2)
    h2 = "vector<2xf16>"
    k.output(
        "smooth",
        k.op("sm", _generic("smoothstep", [va, vb, vx], [v4] * 3, v4)),
        "f32",
        4,
    )
    k.output("mix", k.op("mx", _generic("mix", [va, vb, vx], [v4] * 3, v4)), "f32", 4)
    k.output("fract", k.op("fr", _generic("fract", [vh], [h2], h2)), "f16", 2)
    k.output("sign", k.op("sg", _generic("sign", [vh], [h2], h2)), "f16", 2)
    k.output("sat", k.op("sa", _generic("saturate", [vh], [h2], h2)), "f16", 2)
    sb = k.op("sb", _generic("signbit", [vx], [v4], "vector<4xi1>"))
    k.output(
        "signbit",
        k.op("sbi", f"arith.extui {sb} : vector<4xi1> to vector<4xi32>"),
        "i32",
        4,
    )
    out = k.run(
        {
            "e0": e0,
            "e1": e1,
            "x": x,
            "h": h,
            "smooth": np.float32,
            "mix": np.float32,
            "fract": np.float16,
            "sign": np.float16,
            "sat": np.float16,
            "signbit": np.uint32,
        }
    )

    t = np.clip((x.astype(np.float64) - e0) / (e1.astype(np.float64) - e0), 0, 1)
    np.testing.assert_allclose(out["smooth"], t * t * (3 - 2 * t), rtol=1e-5, atol=1e-6)
    assert (out["smooth"][x <= e0] == 0).all() and (out["smooth"][x >= e1] == 1).all()
    assert (x == e0).sum() > 100 and (x == e1).sum() > 50  # both edges exactly hit
    np.testing.assert_allclose(
        out["mix"], e0 + (e1.astype(np.float64) - e0) * x, rtol=1e-5, atol=1e-5
    )
    hf = h.astype(np.float32)
    with np.errstate(invalid="ignore"):
        want = np.minimum(hf - np.floor(hf), F32_BELOW_ONE)
    want = np.where(np.isinf(hf), 0, np.where(hf == 0, hf, want)).astype(np.float16)
    got = out["fract"]
    assert np.isnan(got[0]) and np.signbit(got[1]) and got[2] == 0
    assert np.array_equal(got[1:], want[1:])
    assert (got[~np.isnan(got)] < 1).all()  # rounded to half, still below 1
    assert np.array_equal(out["sign"][1:], np.sign(h[1:]))
    assert out["sign"][0] == 0 and np.signbit(out["sign"][1])
    assert np.array_equal(out["sat"][1:], np.clip(h[1:], 0, 1)) and out["sat"][0] == 0
    assert np.array_equal(out["signbit"], np.signbit(x).astype(np.uint32))


# --------------------------------------------------------------------------------------------
# Integer functions
# --------------------------------------------------------------------------------------------

_UNSIGNED = {8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}


def _signed(v: int, w: int) -> int:
    v &= (1 << w) - 1
    return v - (1 << w) if v >> (w - 1) else v


def _sat(v: int, w: int, signed: bool) -> int:
    lo, hi = (-(1 << (w - 1)), (1 << (w - 1)) - 1) if signed else (0, (1 << w) - 1)
    return min(max(v, lo), hi) & ((1 << w) - 1)


def _int_inputs(w: int, seed: int) -> tuple[list[int], list[int], list[int]]:
    """Operand triples: the type's limits against each other, then random values."""
    mask = (1 << w) - 1
    smax, smin = (1 << (w - 1)) - 1, 1 << (w - 1)
    limits = [0, 1, 2, mask, mask - 1, smax, smin, smin + 1, smax - 1]
    a, b, c = [], [], []
    for p in limits:
        for q in limits:
            a.append(p)
            b.append(q)
            c.append(limits[(p + q) % len(limits)])
    rng = np.random.default_rng(seed)
    while len(a) < N:
        a.append(int(rng.integers(0, mask, endpoint=True, dtype=np.uint64)))
        b.append(int(rng.integers(0, mask, endpoint=True, dtype=np.uint64)))
        c.append(int(rng.integers(0, mask, endpoint=True, dtype=np.uint64)))
    return a[:N], b[:N], c[:N]


def _reverse(v: int, w: int) -> int:
    return int(format(v, f"0{w}b")[::-1], 2)


@pytest.mark.parametrize("w", [8, 16, 32, 64])
def test_integer(w: int) -> None:
    a, b, c = _int_inputs(w, w)
    mask = (1 << w) - 1
    rng = np.random.default_rng(100 + w)
    # Bit fields inside the word (offset + bits <= w; beyond is undefined in Metal), the full
    # word, empty fields and 1-bit fields at the top (sign extension of a lone sign bit).
    offs, nbits = [], []
    for i in range(N):
        if i % 8 == 0:
            off, n = 0, w
        elif i % 8 == 1:
            off, n = int(rng.integers(0, w)), 0
        elif i % 8 == 2:
            off, n = w - 1, 1
        else:
            off = int(rng.integers(0, w))
            n = int(rng.integers(1, w - off + 1))
        offs.append(off)
        nbits.append(n)
    # Rotation amounts: in range, the width and beyond, all ones.
    rot = [b[i] if i % 3 else [w, w + 3, 2 * w + 1, mask, 0][i % 5] for i in range(N)]

    ty = f"i{w}"
    k = Kernel(f"int{w}")
    va, vb, vc = k.input("a", ty), k.input("b", ty), k.input("c", ty)
    vr, vo, vn = k.input("r", ty), k.input("off", "i32"), k.input("n", "i32")
    u = "is_unsigned"
    ops = {
        "add_s": ("add_sat", [va, vb], ""),
        "add_u": ("add_sat", [va, vb], u),
        "sub_s": ("sub_sat", [va, vb], ""),
        "sub_u": ("sub_sat", [va, vb], u),
        "mad_s": ("mad_sat", [va, vb, vc], ""),
        "mad_u": ("mad_sat", [va, vb, vc], u),
        "absd_s": ("abs_diff", [va, vb], ""),
        "absd_u": ("abs_diff", [va, vb], u),
        "rot": ("rotate", [va, vr], ""),
        "rev": ("reverse_bits", [va], ""),
    }
    for name, (op, operands, attrs) in ops.items():
        k.output(
            name,
            k.op(name, _generic(op, operands, [ty] * len(operands), ty, attrs)),
            ty,
        )
    k.output(
        "ext_s",
        k.op("ext_s", _generic("extract_bits", [va, vo, vn], [ty, "i32", "i32"], ty)),
        ty,
    )
    k.output(
        "ext_u",
        k.op(
            "ext_u", _generic("extract_bits", [va, vo, vn], [ty, "i32", "i32"], ty, u)
        ),
        ty,
    )
    k.output(
        "ins",
        k.op(
            "ins", _generic("insert_bits", [va, vb, vo, vn], [ty, ty, "i32", "i32"], ty)
        ),
        ty,
    )
    dt = _UNSIGNED[w]
    arrays = {
        "a": np.array(a, dtype=dt),
        "b": np.array(b, dtype=dt),
        "c": np.array(c, dtype=dt),
        "r": np.array(rot, dtype=dt),
        "off": np.array(offs, dtype=np.uint32),
        "n": np.array(nbits, dtype=np.uint32),
    }
    arrays.update({name: dt for name in [*ops, "ext_s", "ext_u", "ins"]})
    out = {name: [int(v) for v in values] for name, values in k.run(arrays).items()}

    S = lambda v: _signed(v, w)
    for i in range(N):
        x, y, z = a[i], b[i], c[i]
        want = {
            "add_s": _sat(S(x) + S(y), w, True),
            "add_u": _sat(x + y, w, False),
            "sub_s": _sat(S(x) - S(y), w, True),
            "sub_u": _sat(x - y, w, False),
            "mad_s": _sat(S(x) * S(y) + S(z), w, True),
            "mad_u": _sat(x * y + z, w, False),
            "absd_s": abs(S(x) - S(y)) & mask,
            "absd_u": abs(x - y),
            "rev": _reverse(x, w),
        }
        s = rot[i] % w
        want["rot"] = ((x << s) | (x >> (w - s))) & mask
        off, n = offs[i], nbits[i]
        field = (x >> off) & ((1 << n) - 1)
        want["ext_u"] = field
        want["ext_s"] = (_signed(field, n) & mask) if n else 0
        m = ((1 << n) - 1) << off
        want["ins"] = (x & ~m & mask) | ((y << off) & m)
        for name, value in want.items():
            assert out[name][i] == value, (
                name,
                w,
                x,
                y,
                z,
                rot[i],
                off,
                n,
                out[name][i],
                value,
            )


def test_integer_vectors() -> None:
    """Vector overloads: lane-wise, with per-kernel offset/bit counts for the bit fields."""
    a, b, _c = _int_inputs(32, 7)
    a4 = np.array((a * 4)[: N * 4], dtype=np.uint32)
    b4 = np.array((b[::-1] * 4)[: N * 4], dtype=np.uint32)
    k = Kernel("int_vec")
    v = "vector<4xi32>"
    va, vb = k.input("a", "i32", 4), k.input("b", "i32", 4)
    off = k.op("off", "arith.constant 4 : i32")
    nb = k.op("nb", "arith.constant 9 : i32")
    k.output("add", k.op("add", _generic("add_sat", [va, vb], [v, v], v)), "i32", 4)
    k.output("absd", k.op("absd", _generic("abs_diff", [va, vb], [v, v], v)), "i32", 4)
    k.output("rot", k.op("rot", _generic("rotate", [va, vb], [v, v], v)), "i32", 4)
    k.output(
        "ext",
        k.op("ext", _generic("extract_bits", [va, off, nb], [v, "i32", "i32"], v)),
        "i32",
        4,
    )
    k.output(
        "ins",
        k.op(
            "ins", _generic("insert_bits", [va, vb, off, nb], [v, v, "i32", "i32"], v)
        ),
        "i32",
        4,
    )
    out = k.run(
        {
            "a": a4,
            "b": b4,
            "add": np.uint32,
            "absd": np.uint32,
            "rot": np.uint32,
            "ext": np.uint32,
            "ins": np.uint32,
        }
    )
    for i in range(N * 4):
        x, y = int(a4[i]), int(b4[i])
        sx, sy = _signed(x, 32), _signed(y, 32)
        assert int(out["add"][i]) == _sat(sx + sy, 32, True)
        assert int(out["absd"][i]) == abs(sx - sy)
        s = y % 32
        assert int(out["rot"][i]) == ((x << s) | (x >> (32 - s))) & 0xFFFFFFFF
        assert int(out["ext"][i]) == _signed((x >> 4) & 0x1FF, 9) & 0xFFFFFFFF
        m = 0x1FF << 4
        assert int(out["ins"][i]) == (x & ~m & 0xFFFFFFFF) | ((y << 4) & m)


# --------------------------------------------------------------------------------------------
# Geometric functions
# --------------------------------------------------------------------------------------------


def test_geometry() -> None:
    rng = np.random.default_rng(5)
    p = rng.standard_normal((N, 3)).astype(np.float32)
    q = rng.standard_normal((N, 3)).astype(np.float32)
    r = rng.standard_normal((N, 3)).astype(np.float32)
    # refract wants unit vectors; eta > 1 at grazing angles gives total internal reflection.
    i_unit = (p / np.linalg.norm(p, axis=1, keepdims=True)).astype(np.float32)
    n_unit = (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)
    eta = rng.uniform(0.5, 2.0, N).astype(np.float32)
    p4 = rng.standard_normal((N, 4)).astype(np.float32)
    p2 = rng.standard_normal((N, 2)).astype(np.float32)
    k = Kernel("geometry")
    v3, v4, v2 = "vector<3xf32>", "vector<4xf32>", "vector<2xf32>"
    vp, vq, vr = k.input("p", "f32", 3), k.input("q", "f32", 3), k.input("r", "f32", 3)
    vi, vn, ve = k.input("i", "f32", 3), k.input("n", "f32", 3), k.input("eta", "f32")
    vp4, vp2 = k.input("p4", "f32", 4), k.input("p2", "f32", 2)
    k.output("dot", k.op("dot", _generic("dot", [vp, vq], [v3, v3], "f32")), "f32")
    k.output("dot4", k.op("dot4", _generic("dot", [vp4, vp4], [v4, v4], "f32")), "f32")
    k.output("len", k.op("len", _generic("length", [vp], [v3], "f32")), "f32")
    k.output("len2", k.op("len2", _generic("length", [vp2], [v2], "f32")), "f32")
    k.output(
        "dist", k.op("dist", _generic("distance", [vp, vq], [v3, v3], "f32")), "f32"
    )
    k.output("norm", k.op("norm", _generic("normalize", [vp], [v3], v3)), "f32", 3)
    k.output("norm4", k.op("norm4", _generic("normalize", [vp4], [v4], v4)), "f32", 4)
    k.output(
        "cross", k.op("cross", _generic("cross", [vp, vq], [v3, v3], v3)), "f32", 3
    )
    k.output(
        "refl", k.op("refl", _generic("reflect", [vi, vn], [v3, v3], v3)), "f32", 3
    )
    k.output(
        "refr",
        k.op("refr", _generic("refract", [vi, vn, ve], [v3, v3, "f32"], v3)),
        "f32",
        3,
    )
    k.output(
        "face",
        k.op("face", _generic("faceforward", [vp, vq, vr], [v3] * 3, v3)),
        "f32",
        3,
    )
    out = k.run(
        {
            "p": p,
            "q": q,
            "r": r,
            "i": i_unit,
            "n": n_unit,
            "eta": eta,
            "p4": p4,
            "p2": p2,
            **{
                name: np.float32
                for name in [
                    "dot",
                    "dot4",
                    "len",
                    "len2",
                    "dist",
                    "norm",
                    "norm4",
                    "cross",
                    "refl",
                    "refr",
                    "face",
                ]
            },
        }
    )
    P, Q, R = p.astype(np.float64), q.astype(np.float64), r.astype(np.float64)
    I, Nn = i_unit.astype(np.float64), n_unit.astype(np.float64)
    tol = {"rtol": 1e-5, "atol": 1e-5}
    dot = lambda u, v: (u * v).sum(axis=1)
    np.testing.assert_allclose(out["dot"], dot(P, Q), **tol)
    np.testing.assert_allclose(out["dot4"], dot(p4.astype(np.float64), p4), **tol)
    np.testing.assert_allclose(out["len"], np.linalg.norm(P, axis=1), **tol)
    np.testing.assert_allclose(
        out["len2"], np.linalg.norm(p2.astype(np.float64), axis=1), **tol
    )
    np.testing.assert_allclose(out["dist"], np.linalg.norm(P - Q, axis=1), **tol)
    np.testing.assert_allclose(
        out["norm"].reshape(N, 3), P / np.linalg.norm(P, axis=1)[:, None], **tol
    )
    P4 = p4.astype(np.float64)
    np.testing.assert_allclose(
        out["norm4"].reshape(N, 4), P4 / np.linalg.norm(P4, axis=1)[:, None], **tol
    )
    np.testing.assert_allclose(out["cross"].reshape(N, 3), np.cross(P, Q), **tol)
    d = dot(Nn, I)[:, None]
    np.testing.assert_allclose(out["refl"].reshape(N, 3), I - 2 * d * Nn, **tol)
    e = eta.astype(np.float64)[:, None]
    kk = 1 - e * e * (1 - d * d)
    want = np.where(kk < 0, 0.0, e * I - (e * d + np.sqrt(np.maximum(kk, 0))) * Nn)
    total_reflection = (kk < -1e-4)[:, 0]
    assert total_reflection.any() and (~total_reflection).any()
    np.testing.assert_allclose(out["refr"].reshape(N, 3), want, rtol=1e-4, atol=1e-4)
    assert (out["refr"].reshape(N, 3)[total_reflection] == 0).all()
    want_face = np.where((dot(R, Q) < 0)[:, None], P, -P)
    np.testing.assert_allclose(out["face"].reshape(N, 3), want_face, **tol)


# --------------------------------------------------------------------------------------------
# Pack and unpack
# --------------------------------------------------------------------------------------------


def _to_unorm(x: np.ndarray, scale: float) -> np.ndarray:
    x = np.where(np.isnan(x), np.float32(0), np.clip(x, 0, 1)).astype(np.float32)
    return np.rint((x * np.float32(scale)).astype(np.float32)).astype(np.int64)


def _to_snorm(x: np.ndarray, scale: float, bits: int) -> np.ndarray:
    x = np.where(np.isnan(x), np.float32(0), np.clip(x, -1, 1)).astype(np.float32)
    return np.rint((x * np.float32(scale)).astype(np.float32)).astype(np.int64) & (
        (1 << bits) - 1
    )


def _to_srgb8(x: np.ndarray) -> np.ndarray:
    c = np.where(np.isnan(x), 0.0, np.clip(x.astype(np.float64), 0, 1))
    c = np.where(c < 0.0031308, 12.92 * c, 1.055 * np.power(c, 1 / 2.4) - 0.055)
    return np.rint(c * 255).astype(np.int64)


def _from_srgb8(code: np.ndarray) -> np.ndarray:
    c = code.astype(np.float64) / 255
    return np.where(c <= 0.04045, c / 12.92, np.power((c + 0.055) / 1.055, 2.4)).astype(
        np.float32
    )


def _ties(scale: float, lo: int, hi: int) -> list[float]:
    """Inputs whose float32 product with `scale` is exactly k + 0.5 with k even (round to
    nearest even goes down, round half away from zero would go up)."""
    found = []
    for k in range(lo, hi, 2):
        x = np.float32((k + 0.5) / scale)
        for cand in (
            x,
            np.nextafter(x, np.float32(2)),
            np.nextafter(x, np.float32(-2)),
        ):
            if np.float32(cand * np.float32(scale)) == np.float32(k + 0.5):
                found.append(float(cand))
                break
    return found


def _pack_inputs(seed: int, lanes: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    special = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        -0.5,
        2.0,
        -2.0,
        np.inf,
        -np.inf,
        np.nan,
        1e-6,
        0.0031308,
        0.003,
        0.04045,
        0.999,
        1.0000001,
    ]
    special += (
        _ties(255, 0, 254)[:12] + _ties(127, 0, 126)[:8] + _ties(65535, 0, 60)[:6]
    )
    special += (
        _ties(1023, 0, 1022)[:6] + _ties(32767, 0, 60)[:6] + [0.5 / 3 * 3, 1.5 / 3]
    )
    values = np.array(special, dtype=np.float32)
    rest = rng.uniform(-1.25, 1.25, N * lanes - values.size).astype(np.float32)
    out = np.concatenate([values, -values[:40], rest])[: N * lanes]
    return (
        rng.permutation(out).astype(np.float32) if seed % 2 else out.astype(np.float32)
    )


def _words(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    words = rng.integers(0, 1 << 32, N, dtype=np.uint64).astype(np.uint32)
    # Every 8-bit code in every byte lane, and the 16/10/2-bit extremes.
    codes = np.arange(256, dtype=np.uint32)
    words[:64] = (
        codes[0::4] | (codes[1::4] << 8) | (codes[2::4] << 16) | (codes[3::4] << 24)
    )
    words[64:128] = np.roll(words[:64], 7)
    words[128:136] = [
        0,
        0xFFFFFFFF,
        0x7FFF8000,
        0x80007FFF,
        0x80018001,
        0x7F80817F,
        0xC00003FF,
        0x3FF00000,
    ]
    return words


PACK_FORMATS = [
    "snorm4x8",
    "unorm4x8",
    "snorm2x16",
    "unorm2x16",
    "srgb_unorm4x8",
    "unorm10a2",
]


def _lanes(fmt: str) -> int:
    return 2 if fmt.endswith("2x16") else 4


def test_pack_unpack() -> None:
    v4 = _pack_inputs(11, 4)
    v2 = _pack_inputs(12, 2)
    w = _words(13)
    k = Kernel("pack")
    in4, in2, inw = (
        k.input("v4", "f32", 4),
        k.input("v2", "f32", 2),
        k.input("w", "i32"),
    )
    arrays: dict[str, object] = {"v4": v4, "v2": v2, "w": w}
    for fmt in PACK_FORMATS:
        lanes = _lanes(fmt)
        vt = f"vector<{lanes}xf32>"
        attr = f"format = #enigma.pack_format<{fmt}>"
        value = in4 if lanes == 4 else in2
        k.output(
            f"p_{fmt}",
            k.op(f"p_{fmt}", _generic("pack", [value], [vt], "i32", attr)),
            "i32",
        )
        unpacked = k.op(f"u_{fmt}", _generic("unpack", [inw], ["i32"], vt, attr))
        k.output(f"u_{fmt}", unpacked, "f32", lanes)
        # pack(unpack(w)): exact for the unorm formats (every code is a fixed point).
        k.output(
            f"r_{fmt}",
            k.op(f"r_{fmt}", _generic("pack", [unpacked], [vt], "i32", attr)),
            "i32",
        )
        arrays.update(
            {f"p_{fmt}": np.uint32, f"u_{fmt}": np.float32, f"r_{fmt}": np.uint32}
        )
    out = k.run(arrays)

    x4 = v4.reshape(N, 4)
    x2 = v2.reshape(N, 2)
    wi = w.astype(np.int64)

    def assemble(codes: np.ndarray, shifts: list[int]) -> np.ndarray:
        word = np.zeros(N, dtype=np.int64)
        for lane, shift in enumerate(shifts):
            word |= codes[:, lane] << shift
        return word.astype(np.uint32)

    want_pack = {
        "unorm4x8": assemble(_to_unorm(x4, 255), [0, 8, 16, 24]),
        "snorm4x8": assemble(_to_snorm(x4, 127, 8), [0, 8, 16, 24]),
        "unorm2x16": assemble(_to_unorm(x2, 65535), [0, 16]),
        "snorm2x16": assemble(_to_snorm(x2, 32767, 16), [0, 16]),
        "srgb_unorm4x8": assemble(
            np.concatenate([_to_srgb8(x4[:, :3]), _to_unorm(x4[:, 3:], 255)], axis=1),
            [0, 8, 16, 24],
        ),
        "unorm10a2": assemble(
            np.concatenate(
                [_to_unorm(x4[:, :3], 1023), _to_unorm(x4[:, 3:], 3)], axis=1
            ),
            [0, 10, 20, 30],
        ),
    }
    for fmt, want in want_pack.items():
        got = out[f"p_{fmt}"]
        bad = np.nonzero(got != want)[0]
        assert bad.size == 0, (
            fmt,
            bad[:4],
            [hex(v) for v in got[bad[:4]]],
            [hex(v) for v in want[bad[:4]]],
        )
    # Spot checks of the rules: clamping, NaN -> 0, round half to even, snorm of -1 and -0.
    one = np.array([[0.5, 2.0, np.nan, -3.0]], dtype=np.float32)
    assert _to_unorm(one, 255).tolist() == [[128, 255, 0, 0]]
    assert _to_snorm(
        np.array([[-1.0, -0.0, 1.0]], dtype=np.float32), 127, 8
    ).tolist() == [[0x81, 0, 127]]

    def field(shift: int, bits: int) -> np.ndarray:
        return (wi >> shift) & ((1 << bits) - 1)

    def snorm(code: np.ndarray, bits: int) -> np.ndarray:
        signed = np.where(code >> (bits - 1), code - (1 << bits), code)
        scale = np.float32((1 << (bits - 1)) - 1)
        return np.maximum(signed.astype(np.float32) / scale, np.float32(-1))

    want_unpack = {
        "unorm4x8": np.stack(
            [field(s, 8).astype(np.float32) / np.float32(255) for s in (0, 8, 16, 24)],
            1,
        ),
        "snorm4x8": np.stack([snorm(field(s, 8), 8) for s in (0, 8, 16, 24)], 1),
        "unorm2x16": np.stack(
            [field(s, 16).astype(np.float32) / np.float32(65535) for s in (0, 16)], 1
        ),
        "snorm2x16": np.stack([snorm(field(s, 16), 16) for s in (0, 16)], 1),
        "srgb_unorm4x8": np.stack(
            [_from_srgb8(field(s, 8)) for s in (0, 8, 16)]
            + [field(24, 8).astype(np.float32) / np.float32(255)],
            1,
        ),
        "unorm10a2": np.stack(
            [field(s, 10).astype(np.float32) / np.float32(1023) for s in (0, 10, 20)]
            + [field(30, 2).astype(np.float32) / np.float32(3)],
            1,
        ),
    }
    for fmt, want in want_unpack.items():
        got = out[f"u_{fmt}"].reshape(N, _lanes(fmt))
        assert np.array_equal(got, want.astype(np.float32)), fmt
    # Exact values at the ends: 0, 1, -1 (both snorm codes -127 and -128 give -1).
    u8 = out["u_unorm4x8"].reshape(N, 4)
    s8 = out["u_snorm4x8"].reshape(N, 4)
    assert u8[0, 0] == 0.0 and u8[63, 3] == 1.0  # codes 0 and 255
    assert s8[32, 0] == -1.0 and s8[32, 1] == -1.0  # codes 128 (-128) and 129 (-127)
    assert s8[31, 3] == 1.0  # code 127
    for fmt in ["unorm4x8", "unorm2x16", "unorm10a2", "srgb_unorm4x8"]:
        assert np.array_equal(out[f"r_{fmt}"], w), fmt
