"""Hand-written and generated Metal on the CPU runtime (issue 16): Metal's literal types,
<simd/simd.h> and cross-compiler style code, matrix types, function constants, template kernels
by host name. Each kernel is our own, written in the style of its kind, and checked against
numpy."""

from __future__ import annotations

import numpy as np
import pytest

from enigma import EnigmaError, runtime

LITERALS = r"""
#include <metal_stdlib>
using namespace metal;
#define SCALE 0.1
// 0.5 in a comment and "1.5" in a string stay as they are
kernel void literals(device const float* a [[buffer(0)]], device float* out [[buffer(1)]],
                     device half* h [[buffer(2)]], uint i [[thread_position_in_grid]]) {
  out[i] = a[i] * SCALE + fract(0.5) + abs(-1.0) + 1e-3 + 0x1p-2 + .25;   /* 0.5 */
  h[i] = 1.5h + half(a[i]);
}
"""


def test_unsuffixed_float_literals_are_float():
    k = runtime.compile_msl(LITERALS, "literals")
    n = 1000
    a = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    out = np.zeros(n, np.float32)
    h = np.zeros(n, np.float16)
    k.launch([a, out, h], grid=(n, 1, 1), block=(64, 1, 1))
    f = np.float32
    # Metal: float literals, a * 0.1f + 0.5f contracted to one fma, then float additions.
    first = (a.astype(np.float64) * np.float64(f(0.1)) + 0.5).astype(np.float32)
    expect = first + f(1.0) + f(1e-3) + f(0.25) + f(0.25)
    np.testing.assert_array_equal(out, expect)
    # Double-precision literals would give different roundings in many elements.
    as_double = (a.astype(np.float64) * 0.1 + 0.5 + 1.0 + 1e-3 + 0.25 + 0.25).astype(np.float32)
    assert (as_double != out).sum() > 100
    np.testing.assert_array_equal(h, (np.float16(1.5) + a.astype(np.float16)).astype(np.float16))


CROSS_COMPILED = r"""
#pragma clang diagnostic ignored "-Wmissing-prototypes"

#include <metal_stdlib>
#include <simd/simd.h>

using namespace metal;

struct Params
{
    float scale;
    uint count;
};

struct Buf
{
    float values[1];
};

constant uint3 gl_WorkGroupSize [[maybe_unused]] = uint3(64u, 1u, 1u);

static inline __attribute__((always_inline))
float shade(thread const float& x, constant Params& p)
{
    return fma(x, p.scale, 0.25);
}

kernel void main0(constant Params& _21 [[buffer(0)]], device Buf& _30 [[buffer(1)]], device Buf& _40 [[buffer(2)]], uint3 gl_GlobalInvocationID [[thread_position_in_grid]])
{
    uint idx = gl_GlobalInvocationID.x;
    if (idx < _21.count)
    {
        float param = _30.values[idx];
        simd_float4 v = simd_float4(param, 1.0, 2.0, 3.0);
        matrix_float2x2 m = matrix_float2x2(float2(1.0, 0.0), float2(0.0, 2.0));
        simd::float2 w = m * v.xy;
        _40.values[idx] = shade(param, _21) + w.y - 2.0 + dot(v, float4(0.0));
    }
}
"""


def test_cross_compiler_style_kernel_with_simd_header_and_matrices():
    k = runtime.compile_msl(CROSS_COMPILED, "main0")
    n = 100
    vals = np.random.default_rng(1).standard_normal(n).astype(np.float32)
    out = np.zeros(n, np.float32)
    params = np.array([(1.5, n)], dtype=[("scale", np.float32), ("count", np.uint32)])
    k.launch([params, vals, out], grid=(128, 1, 1), block=(64, 1, 1))
    # shade() is one fma; then + w.y (2, from the matrix product) - 2 + dot(v, 0) in float.
    expect = (vals.astype(np.float64) * 1.5 + 0.25).astype(np.float32) + np.float32(2.0)
    expect = expect - np.float32(2.0)
    np.testing.assert_array_equal(out, expect)


TEMPLATES = r"""
#include <metal_stdlib>
using namespace metal;

template <typename T, int K>
[[kernel]] void scale_t(device const T* in [[buffer(0)]], device T* out [[buffer(1)]],
                        constant T& s [[buffer(2)]], uint i [[thread_position_in_grid]]) {
  out[i] = in[i] * s + T(K);
}

template [[host_name("scale_f32")]] [[kernel]] decltype(scale_t<float, 2>) scale_t<float, 2>;
template [[host_name("scale_i32")]] [[kernel]] decltype(scale_t<int, 3>) scale_t<int, 3>;
"""


@pytest.mark.parametrize("name,dtype,s,k_add", [("scale_f32", np.float32, 1.5, 2),
                                                ("scale_i32", np.int32, -2, 3)])
def test_template_kernels_by_host_name(name, dtype, s, k_add):
    k = runtime.compile_msl(TEMPLATES, name)
    types = [a.type_name for a in k.args if a.kind != "builtin"]
    assert types == (["float"] * 3 if dtype is np.float32 else ["int"] * 3)
    a = np.arange(10).astype(dtype)
    out = np.zeros(10, dtype)
    k.launch([a, out, np.array([s], dtype)], grid=(10, 1, 1), block=(4, 1, 1))
    np.testing.assert_array_equal(out, a * dtype(s) + dtype(k_add))


def test_unknown_kernel_lists_host_names():
    with pytest.raises(EnigmaError, match=r"kernels found: scale_t, scale_f32, scale_i32"):
        runtime.compile_msl(TEMPLATES, "nope")


FUNCTION_CONSTANTS = r"""
#include <metal_stdlib>
using namespace metal;
constant float gain [[function_constant(0)]];
constant bool has_bias [[function_constant(1)]];
constant float bias = is_function_constant_defined(has_bias) && has_bias ? 0.5 : 0.0;
kernel void fck(device float* a [[buffer(0)]], uint i [[thread_position_in_grid]]) {
  if (is_function_constant_defined(gain)) a[i] = a[i] * gain + bias;
  else a[i] = -1.0;
}
"""


def test_hand_written_function_constants():
    k = runtime.compile_msl(FUNCTION_CONSTANTS, "fck")
    a = np.arange(4, dtype=np.float32)
    k.launch([a], grid=(4, 1, 1), block=(4, 1, 1), function_constants={0: 2.0, 1: True})
    np.testing.assert_array_equal(a, np.arange(4, dtype=np.float32) * 2 + 0.5)
    a = np.arange(4, dtype=np.float32)
    k.launch([a], grid=(4, 1, 1), block=(4, 1, 1), function_constants={})
    np.testing.assert_array_equal(a, -np.ones(4, np.float32))


THREADGROUP_ADDRESS_SPACE = r"""
#include <metal_stdlib>
using namespace metal;

struct Acc {
  float sum;
  void add(float x) threadgroup { sum += x; }
};

static float first(threadgroup const float (&a)[64]) { return a[0]; }
static void put(threadgroup float& slot, float v) { slot = v; }
static float thrice(threadgroup const float* p) { return 3.0 * p[0]; }

kernel void tgk(device const float* in [[buffer(0)]], device float* out [[buffer(1)]],
                device uint* count [[buffer(2)]],
                uint lid [[thread_index_in_threadgroup]], uint gid [[thread_position_in_grid]]) {
  threadgroup float tile[64];
  threadgroup atomic_uint hits;
  threadgroup Acc acc;
  if (lid == 0) { atomic_store_explicit(&hits, 0u, memory_order_relaxed); acc.sum = 0; }
  threadgroup float* row = tile;
  put(row[lid], in[gid]);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  atomic_fetch_add_explicit((threadgroup atomic_uint*)&hits, 1u, memory_order_relaxed);
  if (lid == 0) { for (uint i = 0; i < 64; ++i) acc.add(tile[i]); }
  threadgroup_barrier(mem_flags::mem_threadgroup);
  out[gid] = first(tile) + acc.sum + thrice(tile);
  if (lid == 0) count[gid / 64] = atomic_load_explicit(&hits, memory_order_relaxed);
}
"""


def test_threadgroup_pointers_references_casts_and_member_qualifiers():
    k = runtime.compile_msl(THREADGROUP_ADDRESS_SPACE, "tgk")
    a = np.arange(128, dtype=np.float32)
    out = np.zeros(128, np.float32)
    cnt = np.zeros(2, np.uint32)
    k.launch([a, out, cnt], grid=(128, 1, 1), block=(64, 1, 1))
    expect = np.concatenate([np.full(64, t[0] + t.sum() + 3 * t[0], np.float32)
                             for t in (a[:64], a[64:])])
    np.testing.assert_allclose(out, expect)
    np.testing.assert_array_equal(cnt, [64, 64])


MODF_VOLATILE = r"""
#include <metal_stdlib>
using namespace metal;
struct S { float a; uint b; };
static void store(volatile device S& dst, S v) { dst = v; }
kernel void mv(device const float4* in [[buffer(0)]], device float4* fr [[buffer(1)]],
               device float4* ip [[buffer(2)]], volatile device S* s [[buffer(3)]],
               uint i [[thread_position_in_grid]]) {
  float4 whole;
  fr[i] = modf(in[i], whole);
  ip[i] = whole;
  S v = {1.5f * i, i};
  store(s[i], v);
  S t = s[i];
  s[i].b = t.b + 1;
}
"""


def test_vector_modf_and_volatile_struct_references():
    k = runtime.compile_msl(MODF_VOLATILE, "mv")
    a = (np.random.default_rng(2).standard_normal(32) * 10).astype(np.float32)
    fr = np.zeros(32, np.float32)
    ip = np.zeros(32, np.float32)
    s = np.zeros(8, dtype=[("a", np.float32), ("b", np.uint32)])
    k.launch([a, fr, ip, s], grid=(8, 1, 1), block=(8, 1, 1))
    efr, eip = np.modf(a)
    np.testing.assert_array_equal(fr, efr)
    np.testing.assert_array_equal(ip, eip)
    np.testing.assert_array_equal(s["a"], np.arange(8, dtype=np.float32) * 1.5)
    np.testing.assert_array_equal(s["b"], np.arange(8) + 1)


def test_compile_failure_is_one_line_in_the_kernel_source():
    bad = (
        "#include <metal_stdlib>\nusing namespace metal;\n"
        "kernel void b2(device float* x [[buffer(0)]], uint i [[thread_position_in_grid]]) {\n"
        "  float4 v = float4(1);\n  x[i] = dot(v, 2);\n}\n"
    )
    with pytest.raises(EnigmaError) as err:
        runtime.compile_msl(bad, "b2")
    first, second = str(err.value).split("\n")[:2]
    assert first == "b2.metal:5:10: error: no matching function for call to 'dot'"
    assert second.startswith("(host compiler failed on kernel 'b2' (exit status 1)")
    log = second.rsplit("full output: ", 1)[1].rstrip(")")
    assert "candidate" in open(log).read()  # the full output is kept, not shown
