"""Quantization helpers (§38 of the reference): dequantize_int8 and the byte / nibble packing
helpers in kernels run on the CPU runtime against numpy's integer math, and their errors."""

from __future__ import annotations

import enigma
import numpy as np
import pytest

rng = np.random.default_rng(38)
HERE = __file__


def run(kernel, *args, grid, block=32, **kw):
    c = enigma.compile(kernel, emit_only=True, **kw)
    c(*args, grid=grid, block=block, device="cpu")
    return c


def fails(kernel, match):
    with pytest.raises(TypeError, match=match) as e:
        enigma.compile(kernel, emit_only=True)
    assert HERE in str(e.value), str(e.value)


@enigma.kernel
def doc_dequantize(Out: enigma.f32):
    x          = enigma.metal_cast(64, "int")
    scale      = enigma.metal_cast(0.0625, "float")
    zero_point = enigma.metal_cast(0, "int")
    y_float    = enigma.dequantize_int8(x, scale, zero_point=zero_point)
    Out[0] = y_float


def test_dequantize_documented_snippet():
    out = np.zeros(1, np.float32)
    run(doc_dequantize, out, grid=1, block=1)
    assert out[0] == 4.0
    # recorded as sub / metal_cast / mul (the compiler then folds the constants)
    tr, _ = enigma.trace(doc_dequantize)
    ops = [op["op"] for op in tr["ops"] if op["op"] != "arith.constant"]
    assert ops[:3] == ["arith.subi", "arith.sitofp", "arith.mulf"], ops


@enigma.kernel
def dequantize_buffer(
    Q: enigma.i8, Out: enigma.f32, scale: enigma.Scalar(enigma.f32),
    zp: enigma.Scalar(enigma.i32),
):
    tid = enigma.thread_position_in_grid
    Out[tid * 3 + 0] = enigma.dequantize_int8(Q[tid], scale, zero_point=zp)
    Out[tid * 3 + 1] = enigma.dequantize_int8(Q[tid], 0.5)  # zero_point defaults to 0
    Out[tid * 3 + 2] = enigma.dequantize_int8(Q[tid], scale, -3)  # a Python int zero point


def test_dequantize_int8_against_numpy():
    q = rng.integers(-128, 128, 64).astype(np.int8)
    out = np.zeros(64 * 3, np.float32)
    scale, zp = np.float32(0.037), 11
    k = run(dequantize_buffer, q, out, scale, np.int32(zp), grid=64)
    out = out.reshape(64, 3)
    qi = q.astype(np.int32)
    np.testing.assert_array_equal(out[:, 0], (qi - zp).astype(np.float32) * scale)
    np.testing.assert_array_equal(out[:, 1], qi.astype(np.float32) * np.float32(0.5))
    np.testing.assert_array_equal(out[:, 2], (qi + 3).astype(np.float32) * scale)
    # sub, metal_cast, mul: no branch, no select
    assert "?" not in k.metal_source and "if (" not in k.metal_source


@enigma.kernel
def dequantize_vector(Q: enigma.i32, Out: enigma.f32):
    v = enigma.make_vec(Q[0], Q[1], Q[2], Q[3])
    y = enigma.dequantize_int8(v, 0.25, zero_point=2)
    for i in enigma.range_constexpr(4):
        Out[i] = y[i]


def test_dequantize_int8_of_an_integer_vector():
    q = np.array([-128, -1, 2, 127], np.int32)
    out = np.zeros(4, np.float32)
    run(dequantize_vector, q, out, grid=1, block=1)
    np.testing.assert_array_equal(out, (q - 2).astype(np.float32) * np.float32(0.25))


@enigma.kernel
def bytes_roundtrip(B: enigma.u8, P: enigma.u32, U: enigma.u32, S: enigma.i32):
    tid = enigma.thread_position_in_grid
    packed = enigma.pack_uint8x4(B[tid * 4], B[tid * 4 + 1], B[tid * 4 + 2], B[tid * 4 + 3])
    P[tid] = packed
    b0, b1, b2, b3 = enigma.unpack_uint8x4(packed + 0x01010101)
    U[tid * 4 + 0] = b0
    U[tid * 4 + 1] = b1
    U[tid * 4 + 2] = b2
    U[tid * 4 + 3] = b3
    # only the low 8 bits of each input are kept; literals and signed values work
    S[tid] = enigma.pack_uint8x4(0x1FF, -1, enigma.metal_cast(-2, "int"), 3)


def test_pack_unpack_uint8x4_against_numpy():
    b = rng.integers(0, 256, 32 * 4).astype(np.uint8)
    p = np.zeros(32, np.uint32)
    u = np.zeros(32 * 4, np.uint32)
    s = np.zeros(32, np.int32)
    run(bytes_roundtrip, b, p, u, s, grid=32)
    np.testing.assert_array_equal(p, b.view("<u4"))  # b0 is the lowest byte
    want = (b.view("<u4") + np.uint32(0x01010101)).view(np.uint8).astype(np.uint32)
    np.testing.assert_array_equal(u, want)
    np.testing.assert_array_equal(s.view(np.uint32), 0x03FEFFFF)


@enigma.kernel
def nibbles(Lo: enigma.i32, Hi: enigma.i32, P: enigma.u32, L: enigma.i32, H: enigma.i32,
            Q: enigma.u8):
    tid = enigma.thread_position_in_grid
    p = enigma.pack_int4x2(Lo[tid], Hi[tid])
    P[tid] = p
    lo, hi = enigma.unpack_int4x2(p)
    L[tid] = lo
    H[tid] = hi
    # unpacking the bytes of a uchar buffer (as quantized weights are stored)
    lo2, hi2 = enigma.unpack_int4x2(Q[tid])
    L[tid + 32] = lo2
    H[tid + 32] = hi2


def test_pack_unpack_int4x2_against_numpy():
    lo = rng.integers(-8, 8, 32).astype(np.int32)
    hi = rng.integers(-8, 8, 32).astype(np.int32)
    q = rng.integers(0, 256, 32).astype(np.uint8)
    p = np.zeros(32, np.uint32)
    lout = np.zeros(64, np.int32)
    hout = np.zeros(64, np.int32)
    run(nibbles, lo, hi, p, lout, hout, q, grid=32)
    np.testing.assert_array_equal(p, (lo & 0xF) | ((hi & 0xF) << 4))
    np.testing.assert_array_equal(lout[:32], lo)
    np.testing.assert_array_equal(hout[:32], hi)

    def sext4(v):
        return np.where(v >= 8, v - 16, v)

    np.testing.assert_array_equal(lout[32:], sext4(q.astype(np.int32) & 0xF))
    np.testing.assert_array_equal(hout[32:], sext4(q.astype(np.int32) >> 4))


def test_quant_errors():
    @enigma.kernel
    def float_x(A: enigma.f32):
        A[0] = enigma.dequantize_int8(A[0], 0.5)

    fails(float_x, r"dequantize_int8: x must be an integer, got f32")

    @enigma.kernel
    def float_zp(A: enigma.f32):
        A[0] = enigma.dequantize_int8(3, 0.5, zero_point=1.5)

    fails(float_zp, r"dequantize_int8: zero_point must be an integer, got 1.5")

    @enigma.kernel
    def bad_scale(A: enigma.f32):
        A[0] = enigma.dequantize_int8(3, "0.5")

    fails(bad_scale, r"dequantize_int8: scale must be a float, got '0.5'")

    @enigma.kernel
    def bool_scale(A: enigma.f32):
        A[0] = enigma.dequantize_int8(3, A[0] > 0)

    fails(bool_scale, r"dequantize_int8: scale must be a scalar number, got b1")

    @enigma.kernel
    def float_byte(A: enigma.f32, U: enigma.u32):
        U[0] = enigma.pack_uint8x4(1, 2, A[0], 4)

    fails(float_byte, r"pack_uint8x4: b2 must be an integer, got f32")

    @enigma.kernel
    def float_nibble(A: enigma.f32, U: enigma.u32):
        U[0] = enigma.pack_int4x2(1, 2.0)

    fails(float_nibble, r"pack_int4x2: hi must be an integer, got 2.0")

    @enigma.kernel
    def vector_packed(A: enigma.u32):
        A[0] = enigma.unpack_uint8x4(enigma.make_vec(A[0], A[1]))[0]

    fails(vector_packed, r"unpack_uint8x4: packed must be an integer, got uint2")
