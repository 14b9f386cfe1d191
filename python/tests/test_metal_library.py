"""Metal's C++-library headers on the CPU runtime (issue 16): <metal_type_traits>,
<metal_limits> (numeric_limits) and <metal_array> (array, array_ref), reached through
`using namespace metal;`, in the erased mode, the real address-space mode and with g++. The
kernels are our own; values are checked against numpy."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from enigma import EnigmaError, runtime

HEADERS = [
    "metal_stdlib",
    "metal_array",
    "metal_atomic",
    "metal_common",
    "metal_compute",
    "metal_geometric",
    "metal_graphics",
    "metal_integer",
    "metal_limits",
    "metal_math",
    "metal_matrix",
    "metal_pack",
    "metal_quadgroup",
    "metal_relational",
    "metal_simdgroup",
    "metal_simdgroup_matrix",
    "metal_texture",
    "metal_type_traits",
    "metal_types",
]

MODES = [
    pytest.param({}, id="erased"),
    pytest.param({"ENIGMA_CPU_ADDRESS_SPACES": "1"}, id="real-spaces"),
    pytest.param({"ENIGMA_CXX": "g++"}, id="gxx"),
]


@pytest.fixture(params=MODES)
def mode(request, monkeypatch):
    env = request.param
    if env.get("ENIGMA_CXX") and shutil.which(env["ENIGMA_CXX"]) is None:
        pytest.skip("no g++")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


LIMITS = r"""
#include <metal_stdlib>
#include <metal_limits>
using namespace metal;

// Bits of numeric_limits<T> members, one row per type: max, min, lowest, epsilon, infinity,
// denorm_min, quiet_NaN, then digits, min_exponent, max_exponent, digits10, is_signed,
// is_integer, has_infinity.
template <typename T, typename Bits>
void row(device uint* out) {
  using L = numeric_limits<T>;
  T v[7] = {L::max(), L::min(), L::lowest(), L::epsilon(), L::infinity(), L::denorm_min(),
            L::quiet_NaN()};
  for (int i = 0; i < 7; ++i) out[i] = uint(as_type<Bits>(v[i]));
  out[7] = uint(L::digits);
  out[8] = uint(L::min_exponent);
  out[9] = uint(L::max_exponent);
  out[10] = uint(L::digits10);
  out[11] = L::is_signed ? 1u : 0u;
  out[12] = L::is_integer ? 1u : 0u;
  out[13] = L::has_infinity ? 1u : 0u;
}

kernel void limits(device uint* out [[buffer(0)]], device long* ints [[buffer(1)]],
                   uint i [[thread_position_in_grid]]) {
  if (i != 0) return;
  row<float, uint>(out);
  row<half, ushort>(out + 16);
  row<bfloat, ushort>(out + 32);
  ints[0] = numeric_limits<int>::max();
  ints[1] = numeric_limits<int>::min();
  ints[2] = numeric_limits<uint>::max();
  ints[3] = numeric_limits<short>::lowest();
  ints[4] = numeric_limits<uchar>::max();
  ints[5] = numeric_limits<char>::min();
  ints[6] = numeric_limits<const ushort>::max();
  ints[7] = numeric_limits<long>::max();
}
"""


def _float_bits(value, dtype, bits):
    return int(np.array([value], dtype=dtype).view(bits)[0])


def test_numeric_limits(mode):
    k = runtime.compile_msl(LIMITS, "limits")
    out = np.zeros(48, np.uint32)
    ints = np.zeros(8, np.int64)
    k(out, ints, grid=(1,), block=(1,))
    for base, dtype, bits in ((0, np.float32, np.uint32), (16, np.float16, np.uint16)):
        fi = np.finfo(dtype)
        want = [
            _float_bits(fi.max, dtype, bits),
            _float_bits(fi.tiny, dtype, bits),
            _float_bits(-fi.max, dtype, bits),
            _float_bits(fi.eps, dtype, bits),
            _float_bits(np.inf, dtype, bits),
            _float_bits(fi.smallest_subnormal, dtype, bits),
        ]
        assert list(out[base : base + 6]) == want, (dtype, out[base : base + 6])
        nan = np.array([out[base + 6]], bits).view(dtype)[0]
        assert np.isnan(nan)
        digits = fi.nmant + 1
        assert list(out[base + 7 : base + 14].astype(np.int32)) == [
            digits,
            fi.minexp + 1,
            fi.maxexp,
            fi.precision,
            1,
            0,
            1,
        ]
    # bfloat: float's upper 16 bits.
    bf = out[32:46]
    f32 = out[0:7]
    assert list(bf[:5]) == [0x7F7F, 0x0080, 0xFF7F, 0x3C00, 0x7F80]
    assert bf[5] == 0x0001 and (bf[6] & 0x7F80) == 0x7F80 and (bf[6] & 0x7F) != 0
    assert (f32[1] >> 16) == bf[1] and (f32[4] >> 16) == bf[4]
    assert list(bf[7:14].astype(np.int32)) == [8, -125, 128, 2, 1, 0, 1]
    i32, u32, i16, u8, i8 = (np.iinfo(t) for t in (np.int32, np.uint32, np.int16, np.uint8, np.int8))
    assert list(ints) == [i32.max, i32.min, u32.max, i16.min, u8.max, i8.min, 65535, 2**63 - 1]


TRAITS = r"""
#include <metal_stdlib>
#include <metal_type_traits>
using namespace metal;

static_assert(is_vector_v<float4> && is_vector_v<packed_half3> && !is_vector_v<float>, "");
static_assert(vec_elements<float4>::value == 4 && vec_elements<const uint2>::value == 2 &&
              vec_elements<float>::value == 0, "");
static_assert(is_same_v<make_scalar_t<int3>, int> && is_same_v<make_scalar_t<half>, half>, "");
static_assert(is_floating_point_v<half4> && is_floating_point_v<bfloat> &&
              is_floating_point_v<const float> && !is_floating_point_v<int2>, "");
static_assert(is_integral_v<ushort2> && !is_integral_v<float2> && is_arithmetic_v<half2>, "");
static_assert(is_signed_v<int4> && is_signed_v<half> && is_unsigned_v<uint3> &&
              !is_unsigned_v<float>, "");
static_assert(is_scalar_v<float> && is_scalar_v<half> && !is_scalar_v<float2>, "");
static_assert(!is_class_v<float4> && is_class_v<array<float, 2>>, "");
static_assert(is_same_v<make_unsigned_t<int4>, uint4> && is_same_v<make_signed_t<uchar>, signed char>,
              "");
static_assert(is_same_v<make_signed_t<ushort2>, short2>, "");
static_assert(is_same_v<remove_cv_t<const volatile int>, int> && conjunction_v<true_type> &&
              !disjunction_v<false_type>, "");

// The usual use: overloads and defaults chosen by traits.
template <typename T, enable_if_t<is_floating_point_v<T>, int> = 0>
T halve(T x) { return x * T(0.5); }
template <typename T, enable_if_t<is_integral_v<T>, int> = 0>
T halve(T x) { return x >> 1; }

template <typename T>
float lanes(T) { return float(vec_elements<T>::value == 0 ? 1 : vec_elements<T>::value); }

kernel void traits(device const float4* a [[buffer(0)]], device const int4* b [[buffer(1)]],
                   device float4* out [[buffer(2)]], uint i [[thread_position_in_grid]]) {
  float4 x = a[i];
  int4 y = b[i];
  conditional_t<is_signed_v<int>, float, int> scale = 2.0f;
  static_assert(is_same_v<decltype(scale), float>, "");
  out[i] = halve(x) + float4(halve(y)) * scale + lanes(x) + lanes(x.x);
}
"""


def test_type_traits(mode):
    k = runtime.compile_msl(TRAITS, "traits")
    n = 64
    rng = np.random.default_rng(1)
    a = rng.standard_normal((n, 4)).astype(np.float32)
    b = rng.integers(-1000, 1000, (n, 4)).astype(np.int32)
    out = np.zeros((n, 4), np.float32)
    k(a, b, out, grid=(n,), block=(32,))
    want = a * np.float32(0.5) + (b >> 1).astype(np.float32) * np.float32(2) + np.float32(5)
    np.testing.assert_array_equal(out, want)


ARRAYS = r"""
#include <metal_stdlib>
#include <metal_array>
using namespace metal;

constant array<float, 4> weights = {0.5f, 1.0f, 2.0f, 4.0f};

float dot4(array_ref<float> w, thread const float* x) {
  float s = 0;
  for (size_t j = 0; j < w.size(); ++j) s += w[j] * x[j];
  return s;
}

kernel void arrays(device const float* a [[buffer(0)]], device float* out [[buffer(1)]],
                   uint i [[thread_position_in_grid]]) {
  array<float, 4> x = {a[4 * i], a[4 * i + 1], a[4 * i + 2], a[4 * i + 3]};
  array<float, 4> w;
  for (size_t j = 0; j < w.size(); ++j) w[j] = weights[j];
  float r = 0;
  for (float v : x) r += v;                  // range-for
  r += dot4(w, x.data());                    // array_ref from an array
  float c[2] = {x.front(), x.back()};
  r += dot4(array_ref<float>(c), c);         // from a C array
  out[i] = r + (x.empty() ? 100.0f : 0.0f) + float(x.max_size());
}
"""


def test_array_and_array_ref(mode):
    k = runtime.compile_msl(ARRAYS, "arrays")
    n = 96
    a = np.random.default_rng(2).standard_normal(n * 4).astype(np.float32)
    out = np.zeros(n, np.float32)
    k(a, out, grid=(n,), block=(32,))
    x = a.reshape(n, 4).astype(np.float64)
    w = np.array([0.5, 1, 2, 4])
    want = x.sum(1) + x @ w + x[:, 0] ** 2 + x[:, 3] ** 2 + 4
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("header", HEADERS)
def test_metal_headers_include(header, tmp_path):
    src = (
        f"#include <{header}>\nusing namespace metal;\n"
        "kernel void k(device float* o [[buffer(0)]], uint i [[thread_position_in_grid]]) "
        "{ o[i] = numeric_limits<float>::epsilon() * float(i); }\n"
    )
    k = runtime.compile_msl(src, "k", cache_dir=tmp_path)
    o = np.zeros(8, np.float32)
    k(o, grid=(8,), block=(8,))
    np.testing.assert_array_equal(o, np.finfo(np.float32).eps * np.arange(8, dtype=np.float32))


def test_unknown_header_is_one_line(tmp_path):
    src = "#include <metal_no_such_header>\nkernel void k(device float* o [[buffer(0)]]) {}\n"
    with pytest.raises(EnigmaError) as exc:
        runtime.compile_msl(src, "k", cache_dir=tmp_path)
    first = str(exc.value).splitlines()[0]
    assert "metal_no_such_header" in first and "file not found" in first
