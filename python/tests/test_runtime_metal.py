"""CPU runtime: the Metal-compatibility header gives MSL's types and library functions
Metal's semantics (checked against numpy)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from enigma import runtime as rt

# The largest float below 1: Metal's fract() never returns 1.
_BELOW_ONE = np.float32(float.fromhex("0x1.fffffep-1"))

FLOAT_FUNCS = [
    # (MSL expression of x and y, numpy reference)
    ("sqrt(x)", lambda x, y: np.sqrt(x)),
    ("rsqrt(x)", lambda x, y: 1 / np.sqrt(x)),
    ("exp(y)", lambda x, y: np.exp(y)),
    ("exp2(y)", lambda x, y: np.exp2(y)),
    ("exp10(y)", lambda x, y: 10.0**y),
    ("log(x)", lambda x, y: np.log(x)),
    ("log2(x)", lambda x, y: np.log2(x)),
    ("log10(x)", lambda x, y: np.log10(x)),
    ("sin(y)", lambda x, y: np.sin(y)),
    ("cos(y)", lambda x, y: np.cos(y)),
    ("tan(y)", lambda x, y: np.tan(y)),
    ("tanh(y)", lambda x, y: np.tanh(y)),
    ("atan2(y, x)", lambda x, y: np.arctan2(y, x)),
    ("pow(x, y)", lambda x, y: x**y),
    ("fma(x, y, 0.5f)", lambda x, y: x * y + 0.5),
    ("floor(y)", lambda x, y: np.floor(y)),
    ("ceil(y)", lambda x, y: np.ceil(y)),
    ("trunc(y)", lambda x, y: np.trunc(y)),
    (
        "round(y)",
        lambda x, y: np.sign(y) * np.floor(np.abs(y) + 0.5),
    ),  # half away from 0
    ("rint(y)", lambda x, y: np.rint(y)),  # half to even
    ("fract(y)", lambda x, y: np.minimum(y - np.floor(y), _BELOW_ONE)),
    ("fmod(y, x)", lambda x, y: np.fmod(y, x)),
    ("copysign(x, y)", lambda x, y: np.copysign(x, y)),
    ("sign(y)", lambda x, y: np.sign(y)),
    ("clamp(y, -1.0f, 1.0f)", lambda x, y: np.clip(y, -1, 1)),
    ("saturate(y)", lambda x, y: np.clip(y, 0, 1)),
    ("mix(x, y, 0.25f)", lambda x, y: x + (y - x) * 0.25),
    ("step(0.0f, y)", lambda x, y: np.where(y < 0, 0.0, 1.0)),
    (
        "smoothstep(-1.0f, 1.0f, y)",
        lambda x, y: (t := np.clip((y + 1) / 2, 0, 1)) * t * (3 - 2 * t),
    ),
    ("abs(y)", lambda x, y: np.abs(y)),
    ("min(x, y)", lambda x, y: np.minimum(x, y)),
    ("max(x, y)", lambda x, y: np.maximum(x, y)),
    ("fmax3(x, y, 1.0f)", lambda x, y: np.maximum(np.maximum(x, y), 1.0)),
    (
        "median3(x, y, 1.0f)",
        lambda x, y: np.median(np.stack([x, y, np.ones_like(x)]), axis=0),
    ),
    ("sinpi(y)", lambda x, y: np.sin(np.pi * y.astype(np.float64))),
    ("float(half(y))", lambda x, y: y.astype(np.float16).astype(np.float32)),
    ("float(bfloat(y))", None),  # checked separately (numpy has no bfloat16)
]


def _float_kernel() -> str:
    body = "\n".join(
        f"  out[i * {len(FLOAT_FUNCS)} + {j}] = {expr};"
        for j, (expr, _) in enumerate(FLOAT_FUNCS)
    )
    return f"""
#include <metal_stdlib>
using namespace metal;
kernel void float_funcs(device const float* xs [[buffer(0)]], device const float* ys [[buffer(1)]],
                        device float* out [[buffer(2)]], uint i [[thread_position_in_grid]]) {{
  float x = xs[i], y = ys[i];
{body}
}}
"""


def _bfloat_round(v: np.ndarray) -> np.ndarray:
    bits = v.astype(np.float32).view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16 << 16
    return bits.astype(np.uint32).view(np.float32)


def test_float_functions_match_numpy() -> None:
    rng = np.random.default_rng(0)
    n = 200
    x = rng.uniform(0.1, 4.0, n).astype(np.float32)
    y = rng.uniform(-3.0, 3.0, n).astype(np.float32)
    y[:6] = [-2.5, -0.5, 0.5, 1.5, 2.5, 0.0]  # rounding ties
    out = np.zeros((n, len(FLOAT_FUNCS)), np.float32)
    k = rt.compile_msl(_float_kernel(), "float_funcs")
    k(x, y, out, grid=(n,), block=(64,))
    for j, (expr, ref) in enumerate(FLOAT_FUNCS):
        if ref is None:
            continue
        want = ref(x.astype(np.float64), y.astype(np.float64))
        np.testing.assert_allclose(out[:, j], want, rtol=2e-6, atol=2e-6, err_msg=expr)
    np.testing.assert_array_equal(out[:, -1], _bfloat_round(y))


NAN_SEMANTICS = """
#include <metal_stdlib>
using namespace metal;
kernel void nan_rules(device float* out [[buffer(0)]], device uint* bits [[buffer(1)]]) {
  float n = NAN;
  out[0] = min(n, 2.0f);     // Metal's min/max return the non-NaN operand
  out[1] = max(3.0f, n);
  out[2] = fmin(n, n);
  out[3] = sign(n);           // 0 for NaN
  out[4] = sign(-0.0f);       // -0.0
  out[5] = fract(-1e-9f);     // stays below 1
  bits[0] = isnan(n) + 2 * isinf(INFINITY) + 4 * isfinite(1.0f) + 8 * signbit(-0.0f);
  bits[1] = as_type<uint>(1.0f);
  bits[2] = as_type<uint>(half2(1.0h, -2.0h));
  bits[3] = uint(as_type<ushort>(half(65504.0f)));
}
"""


def test_nan_and_special_values() -> None:
    k = rt.compile_msl(NAN_SEMANTICS, "nan_rules")
    out = np.zeros(6, np.float32)
    bits = np.zeros(4, np.uint32)
    k(out, bits, grid=(1,), block=(1,))
    assert out[0] == 2.0 and out[1] == 3.0 and np.isnan(out[2]) and out[3] == 0.0
    assert out[4] == 0.0 and np.signbit(out[4])
    assert out[5] == _BELOW_ONE
    assert bits[0] == 15
    assert bits[1] == 0x3F800000
    assert bits[2] == (np.array([1.0, -2.0], np.float16).view(np.uint32)[0])
    assert bits[3] == 0x7BFF


INT_FUNCS = """
#include <metal_stdlib>
using namespace metal;
kernel void int_funcs(device const uint* us [[buffer(0)]], device const int* is [[buffer(1)]],
                      device uint* out [[buffer(2)]], uint i [[thread_position_in_grid]]) {
  uint u = us[i];
  int s = is[i];
  device uint* o = out + i * 14;
  o[0] = clz(u);
  o[1] = ctz(u);
  o[2] = popcount(u);
  o[3] = reverse_bits(u);
  o[4] = rotate(u, 5u);
  o[5] = mulhi(u, 0x9E3779B9u);
  o[6] = uint(abs(s));
  o[7] = absdiff(s, -7);
  o[8] = uint(addsat(s, 2000000000));
  o[9] = uint(subsat(s, 2000000000));
  o[10] = extract_bits(u, 4, 8);
  o[11] = uint(extract_bits(s, 3, 5));
  o[12] = insert_bits(u, 0xABu, 8, 8);
  o[13] = uint(clz(ushort(u)));
}
"""


def test_integer_functions_match_python() -> None:
    rng = np.random.default_rng(1)
    n = 64
    us = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
    us[:3] = [0, 1, 0x80000000]
    iss = rng.integers(-(2**31), 2**31, n, dtype=np.int64).astype(np.int32)
    iss[:3] = [0, -(2**31), 2**31 - 1]
    out = np.zeros((n, 14), np.uint32)
    k = rt.compile_msl(INT_FUNCS, "int_funcs")
    k(us, iss, out, grid=(n,), block=(32,))
    m32 = 0xFFFFFFFF

    def sat(v: int) -> int:
        return max(-(2**31), min(2**31 - 1, v)) & m32

    for i in range(n):
        u, s = int(us[i]), int(iss[i])
        field = (s >> 3) & 31
        want = [
            32 - u.bit_length(),
            (u & -u).bit_length() - 1 if u else 32,
            u.bit_count(),
            int(f"{u:032b}"[::-1], 2),
            ((u << 5) | (u >> 27)) & m32,
            (u * 0x9E3779B9) >> 32,
            abs(s) & m32,
            abs(s + 7) & m32,
            sat(s + 2000000000),
            sat(s - 2000000000),
            (u >> 4) & 0xFF,
            (field - 32 if field & 16 else field) & m32,
            (u & ~0xFF00 | 0xAB00) & m32,
            16 - (u & 0xFFFF).bit_length(),
        ]
        assert out[i].tolist() == want, (u, s, out[i].tolist(), want)


VECTORS = """
#include <metal_stdlib>
using namespace metal;

struct Item {
  float3 position;   // 16-byte aligned, 16 bytes
  packed_float3 normal;  // 12 bytes, 4-byte aligned
  half2 uv;
};

kernel void vectors(device const float4* in [[buffer(0)]], device float4* out [[buffer(1)]],
                    device Item* items [[buffer(2)]], device uint* info [[buffer(3)]],
                    uint i [[thread_position_in_grid]]) {
  float4 v = in[i];
  float4 r = v.wzyx;              // swizzle read
  r.xy = v.zw * 2.0f;             // swizzle write
  r.z += dot(v.xyz, float3(1, 2, 3));
  float2 p = float2(v.x, 1.0f);
  float4 q = float4(p, v.zw) + float4(0.5f);  // component and splat constructors
  int4 c = int4(q);               // explicit conversion (truncates)
  bool4 gt = v > float4(0.0f);
  r.w = select(-1.0f, 1.0f, all(gt)) + float(any(!gt)) * 10.0f;
  out[i * 3] = r;
  out[i * 3 + 1] = float4(c);
  out[i * 3 + 2] = float4(cross(v.xyz, float3(0, 0, 1)), length(v));
  items[i].position = v.xyz;
  items[i].normal = packed_float3(v.yzw);
  items[i].uv = half2(v.xy);
  info[0] = sizeof(Item);
  info[1] = sizeof(float3) * 100 + alignof(float3);
  info[2] = sizeof(packed_float3) * 100 + alignof(packed_float3);
  info[3] = sizeof(half3) * 100 + sizeof(bool4) * 10 + sizeof(ulong2) / 8;
}
"""


def test_vectors_swizzles_and_layout() -> None:
    rng = np.random.default_rng(2)
    n = 16
    v = rng.uniform(-2, 2, (n, 4)).astype(np.float32)
    v[0] = [1, 2, 3, 4]
    out = np.zeros((n * 3, 4), np.float32)
    item = np.dtype(
        {
            "names": ["position", "normal", "uv"],
            "formats": [("<f4", 3), ("<f4", 3), ("<f2", 2)],
            "offsets": [0, 16, 28],
            "itemsize": 32,
        }
    )
    items = np.zeros(n, item)
    info = np.zeros(4, np.uint32)
    k = rt.compile_msl(VECTORS, "vectors")
    assert k.args[2].element_size == 32 and k.args[2].type_name == "Item"
    k(v, out, items.view(np.uint8), info, grid=(n,), block=(16,))
    assert info.tolist() == [32, 1616, 1204, 8 * 100 + 4 * 10 + 2]
    x, y, z, w = v.T.astype(np.float64)
    r = np.stack([z * 2, w * 2, y + x + 2 * y + 3 * z, np.zeros(n)], 1)
    allpos = (v > 0).all(1)
    r[:, 3] = np.where(allpos, 1.0, -1.0) + np.where(allpos, 0.0, 10.0)
    np.testing.assert_allclose(out[0::3], r, rtol=1e-6)
    q = np.stack([x + 0.5, np.full(n, 1.5), z + 0.5, w + 0.5], 1)
    np.testing.assert_array_equal(out[1::3], np.trunc(q.astype(np.float32)))
    crossed = np.cross(v[:, :3], [0, 0, 1])
    np.testing.assert_allclose(out[2::3, :3], crossed, rtol=1e-6)
    np.testing.assert_allclose(out[2::3, 3], np.linalg.norm(v, axis=1), rtol=1e-6)
    np.testing.assert_array_equal(items["position"], v[:, :3])
    np.testing.assert_array_equal(items["normal"], v[:, 1:])
    np.testing.assert_array_equal(items["uv"], v[:, :2].astype(np.float16))


HALF = """
#include <metal_stdlib>
using namespace metal;
kernel void half_math(device const half* a [[buffer(0)]], device const half4* b [[buffer(1)]],
                      device half* out [[buffer(2)]], device half4* out4 [[buffer(3)]],
                      constant half& scale [[buffer(4)]], uint i [[thread_position_in_grid]]) {
  out[i] = a[i] * scale + 1.0h;
  out4[i] = b[i] * half4(a[i]) + half4(0.25h);
}
"""


def test_half_precision() -> None:
    rng = np.random.default_rng(3)
    n = 32
    a = rng.uniform(-4, 4, n).astype(np.float16)
    b = rng.uniform(-4, 4, (n, 4)).astype(np.float16)
    out = np.zeros(n, np.float16)
    out4 = np.zeros((n, 4), np.float16)
    k = rt.compile_msl(HALF, "half_math")
    k(a, b, out, out4, np.float16(0.5), grid=(n,), block=(32,))
    np.testing.assert_allclose(out, a * np.float16(0.5) + np.float16(1), rtol=2e-3)
    np.testing.assert_allclose(
        out4, b * a[:, None] + np.float16(0.25), rtol=2e-3, atol=2e-3
    )


@pytest.mark.parametrize("cxx", ["clang++-22", "g++"])
def test_header_accepts_the_emitters_constructs(cxx: str, tmp_path) -> None:
    """Constructs the MSL emitter prints (casts, NaN/Inf spellings, as_type, vector
    conversions, atomics with compare-exchange loops) compile with both host compilers."""
    source = """
#include <metal_stdlib>
using namespace metal;
kernel void enigma_kernel_emitted(constant float4& v [[buffer(0)]], constant float4& w [[buffer(1)]],
    device atomic_uint* hist [[buffer(2)]], device float* out [[buffer(3)]],
    device bfloat* bout [[buffer(4)]],
    uint3 thread_position_in_grid [[thread_position_in_grid]]) {
  bool4 v35 = v < w;
  bool4 v36 = bool4(!(v.x < w.x), !(v.y < w.y), !(v.z < w.z), !(v.w < w.w));
  float4 v37 = float4(v35.x ? v.x : w.x, v35.y ? v.y : w.y, v35.z ? v.z : w.z, v35.w ? v.w : w.w);
  uint4 v39 = uint4(int4(v));
  uint found_expected = 1u;
  while (!atomic_compare_exchange_weak_explicit(&hist[0u], &found_expected, 5u, memory_order_relaxed, memory_order_relaxed) && found_expected == 1u) {
  }
  out[0u] = as_type<float>(0x7fc00001u) + float(v39.x) + v37.y + float(v36.z);
  out[1u] = (-INFINITY);
  out[2u] = float(half(as_type<half>(ushort(0x7e00))));
  bout[0u] = bfloat(0.100097656f);
  ulong v38 = ulong(int(uint(-1)));
  out[3u] = float(v38 == 0xfffffffffffffffful);
}
"""
    k = rt.compile_msl(source, "enigma_kernel_emitted", cxx=cxx, cache_dir=tmp_path)
    hist = np.array([1], np.uint32)
    out = np.zeros(4, np.float32)
    bout = np.zeros(1, np.uint16)
    v = np.array([1, 5, 3, 7], np.float32)
    w = np.array([2, 4, 3, 8], np.float32)
    k(v, w, hist, out, bout, grid=(1,), block=(1,))
    assert hist[0] == 5
    assert np.isnan(out[0]) and out[1] == -np.inf and np.isnan(out[2]) and out[3] == 1.0
    assert bout[0] == 0x3DCD  # bfloat(0.100097656f)


WRAP_LANES = """
#include <metal_stdlib>
using namespace metal;

kernel void wrap_lanes(device const ushort2* a [[buffer(0)]], device const uchar4* b [[buffer(1)]],
                       device const int2* c [[buffer(2)]], device ushort2* oa [[buffer(3)]],
                       device uchar4* ob [[buffer(4)]], device int2* oc [[buffer(5)]],
                       uint i [[thread_position_in_grid]]) {
  ushort2 x = a[i];
  oa[6 * i + 0] = x * x;
  oa[6 * i + 1] = x * ushort(65535);
  oa[6 * i + 2] = ushort(65535) * x;
  oa[6 * i + 3] = x << ushort2(16, 17);
  ushort2 y = x;
  y *= x;
  oa[6 * i + 4] = y;
  ushort2 z = x;
  z <<= 20;
  z.yx *= ushort2(65535);
  oa[6 * i + 5] = z;
  uchar4 u = b[i];
  ob[2 * i + 0] = u << uchar4(24);
  ob[2 * i + 1] = u * u - uchar4(1) + u;
  int2 v = c[i];
  oc[3 * i + 0] = v + int2(2147483647);
  oc[3 * i + 1] = v * v;
  oc[3 * i + 2] = (v - int2(-2147483647 - 1)) << 31;
}
"""


def test_narrow_integer_lanes_wrap_without_signed_overflow() -> None:
    """Vector lanes narrower than int are promoted to int by C++: ushort2(65535) * 65535 and
    ushort << 16 would overflow int (undefined behaviour). Metal wraps in the element type;
    the header computes through unsigned, so a sanitizer that traps on signed overflow stays
    quiet and the results wrap."""
    flags = ["-fsanitize=signed-integer-overflow,shift-base"]
    if "g++" in os.path.basename(os.environ.get("ENIGMA_CXX", "")):
        flags.append("-fsanitize-undefined-trap-on-error")  # g++'s spelling
    else:
        flags.append("-fsanitize-trap=signed-integer-overflow,shift-base")
    k = rt.compile_msl(WRAP_LANES, "wrap_lanes", cxx_flags=" ".join(flags))
    n = 4
    a = np.array([[65535, 65535], [40000, 3], [1, 65534], [0, 255]], np.uint16)
    b = np.array([[255, 200, 1, 0]] * n, np.uint8)
    c = np.array([[2147483647, 1], [-5, 65536], [46341, -46341], [0, -1]], np.int32)
    oa = np.zeros((6 * n, 2), np.uint16)
    ob = np.zeros((2 * n, 4), np.uint8)
    oc = np.zeros((3 * n, 2), np.int32)
    k(a, b, c, oa, ob, oc, grid=(n,), block=(n,))
    x = a.astype(np.uint64)
    m16, m8, m32 = 0xFFFF, 0xFF, 0xFFFFFFFF
    want_a = np.zeros((n, 6, 2), np.uint64)
    want_a[:, 0] = (x * x) & m16
    want_a[:, 1] = (x * 65535) & m16
    want_a[:, 2] = (x * 65535) & m16
    want_a[:, 3] = (x << np.array([16, 17], np.uint64)) & m16
    want_a[:, 4] = (x * x) & m16
    want_a[:, 5] = (((x << 20) & m16) * 65535) & m16
    np.testing.assert_array_equal(oa.reshape(n, 6, 2), want_a.astype(np.uint16))
    u = b.astype(np.uint64)
    want_b = np.stack([(u << 24) & m8, (u * u - 1 + u) & m8], axis=1)
    np.testing.assert_array_equal(ob.reshape(n, 2, 4), want_b.astype(np.uint8))
    v = c.astype(np.int64)
    want_c = np.stack(
        [(v + 2147483647) & m32, (v * v) & m32, ((v + 2**31) << 31) & m32], axis=1
    )
    np.testing.assert_array_equal(
        oc.reshape(n, 3, 2), want_c.astype(np.uint32).view(np.int32)
    )
