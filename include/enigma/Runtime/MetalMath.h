//===-- enigma/Runtime/MetalMath.h - MSL math library -----------*- C++ -*-===//
//
// The common, integer, relational, math and geometric functions of the Metal
// standard library (MSL spec chapter 6), with Metal's semantics: min/max on
// floats return the non-NaN operand (fmin/fmax), round() rounds half away from
// zero, fract() stays below 1, clz/ctz of 0 is the bit width, and so on.
//
// Scalar overloads are plain functions per type (like Metal's, so overload
// resolution behaves the same); vector overloads apply the scalar one to each
// element and accept swizzles. Single-precision functions call the host libm
// (correctly rounded or within 1 ulp, at least as accurate as Metal's precise
// variants); half and bfloat compute in float and round the result.
//
// Nothing here includes <math.h>: the compiler builtins keep the global
// namespace free of ::abs, ::sqrt... which would make MSL calls ambiguous
// after `using namespace metal`.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_RUNTIME_METALMATH_H
#define ENIGMA_RUNTIME_METALMATH_H

#pragma GCC system_header

#include "MetalTypes.h"

// The element loops of vector functions (2 to 4 iterations) unrolled even with
// -fno-unroll-loops (the CPU runtime's flag): a loop left in a kernel keeps the lane loops of
// kernels with SIMD-group functions (Lanes.cpp) from vectorizing.
#if defined(__clang__)
#define ENIGMA_UNROLL_VEC _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__)
#define ENIGMA_UNROLL_VEC _Pragma("GCC unroll 4")
#else
#define ENIGMA_UNROLL_VEC
#endif

#include <limits>

#define MAXFLOAT 0x1.fffffep+127f
#define HUGE_VALF __builtin_huge_valf()
#define INFINITY __builtin_inff()
#define NAN __builtin_nanf("")
#define M_E_F 2.71828182845904523536f
#define M_LOG2E_F 1.44269504088896340736f
#define M_LOG10E_F 0.434294481903251827651f
#define M_LN2_F 0.693147180559945309417f
#define M_LN10_F 2.30258509299404568402f
#define M_PI_F 3.14159265358979323846f
#define M_PI_2_F 1.57079632679489661923f
#define M_PI_4_F 0.785398163397448309616f
#define M_1_PI_F 0.318309886183790671538f
#define M_2_PI_F 0.636619772367581343076f
#define M_2_SQRTPI_F 1.12837916709551257390f
#define M_SQRT2_F 1.41421356237309504880f
#define M_SQRT1_2_F 0.707106781186547524401f
#define MAXHALF ((metal::half)65504.0f)
#define HUGE_VALH ((metal::half)__builtin_huge_valf())
#define M_E_H ((metal::half)M_E_F)
#define M_LOG2E_H ((metal::half)M_LOG2E_F)
#define M_LOG10E_H ((metal::half)M_LOG10E_F)
#define M_LN2_H ((metal::half)M_LN2_F)
#define M_LN10_H ((metal::half)M_LN10_F)
#define M_PI_H ((metal::half)M_PI_F)
#define M_PI_2_H ((metal::half)M_PI_2_F)
#define M_PI_4_H ((metal::half)M_PI_4_F)
#define M_1_PI_H ((metal::half)M_1_PI_F)
#define M_2_PI_H ((metal::half)M_2_PI_F)
#define M_2_SQRTPI_H ((metal::half)M_2_SQRTPI_F)
#define M_SQRT2_H ((metal::half)M_SQRT2_F)
#define M_SQRT1_2_H ((metal::half)M_SQRT1_2_F)
#define MAXBFLOAT (metal::bfloat(0x1.fep+127f))
#define HUGE_VALBF (metal::bfloat(__builtin_huge_valf()))
#define FLT_MAX MAXFLOAT
#define FLT_MIN 0x1p-126f
#define FLT_EPSILON 0x1p-23f
#define HALF_MAX MAXHALF
#define HALF_MIN ((metal::half)0x1p-14f)
#define HALF_EPSILON ((metal::half)0x1p-10f)
#define INT_MAX 2147483647
#define INT_MIN (-2147483647 - 1)
#define UINT_MAX 4294967295u
#define SHRT_MAX 32767
#define SHRT_MIN (-32768)
#define USHRT_MAX 65535
#define CHAR_BIT 8

namespace metal {

namespace __enigma {
/// Applies f to each element of the vector-likes/scalars args; the size and
/// element type come from the first vector-like among them.
template <class R, class F, class... Args> inline R __mapTo(F f, const Args &...args) {
  R r;
  for (int i = 0; i < __vt<R>::N; ++i)
    r[i] = f(__comp(__asVec(args), i)...);
  return r;
}
template <class... Args> struct __firstVec;
template <class A, class... Rest> struct __firstVec<A, Rest...> {
  using type = std::conditional_t<__isVecV<A>, __vec<typename __vtOf<A>::Elem, __vtOf<A>::N, false>,
                                  typename __firstVec<Rest...>::type>;
};
template <> struct __firstVec<> { using type = void; };
template <class... Args>
using __vecOf = typename __firstVec<std::remove_cv_t<std::remove_reference_t<Args>>...>::type;
template <class... Args> constexpr bool __anyVec = (false || ... || __isVecV<Args>);
template <class V> using __elemOf = typename __vtOf<V>::Elem;
template <class T>
constexpr bool __isFloatElem =
    std::is_same<T, float>::value || std::is_same<T, half>::value || std::is_same<T, bfloat>::value;
template <class T>
constexpr bool __isIntElem = std::is_integral<T>::value && !std::is_same<T, bool>::value;
} // namespace __enigma

// Defines a vector overload of NAME that maps the scalar one over elements.
#define ENIGMA_VECTORIZE(NAME)                                                                     \
  template <class... Args, class R = __enigma::__vecOf<Args...>,                                   \
            __enigma::__enableIf<__enigma::__anyVec<Args...>> = 0>                                 \
  inline R NAME(const Args &...args) {                                                             \
    return __enigma::__mapTo<R>([](auto... e) { return NAME(e...); }, args...);                    \
  }

//===----------------------------------------------------------------------===//
// Floating-point functions (float, half, bfloat).
//===----------------------------------------------------------------------===//

#define ENIGMA_FLOAT_UNARY(NAME, EXPR)                                                             \
  inline float NAME(float x) { return EXPR; }                                                      \
  inline half NAME(half x) { return (half)NAME((float)x); }                                        \
  inline bfloat NAME(bfloat x) { return bfloat(NAME((float)x)); }                                  \
  ENIGMA_VECTORIZE(NAME)
#define ENIGMA_FLOAT_BINARY(NAME, EXPR)                                                            \
  inline float NAME(float x, float y) { return EXPR; }                                             \
  inline half NAME(half x, half y) { return (half)NAME((float)x, (float)y); }                      \
  inline bfloat NAME(bfloat x, bfloat y) { return bfloat(NAME((float)x, (float)y)); }              \
  ENIGMA_VECTORIZE(NAME)
#define ENIGMA_FLOAT_TERNARY(NAME, EXPR)                                                           \
  inline float NAME(float x, float y, float z) { return EXPR; }                                    \
  inline half NAME(half x, half y, half z) { return (half)NAME((float)x, (float)y, (float)z); }    \
  inline bfloat NAME(bfloat x, bfloat y, bfloat z) {                                               \
    return bfloat(NAME((float)x, (float)y, (float)z));                                             \
  }                                                                                                \
  ENIGMA_VECTORIZE(NAME)

ENIGMA_FLOAT_UNARY(acos, __builtin_acosf(x))
ENIGMA_FLOAT_UNARY(acosh, __builtin_acoshf(x))
ENIGMA_FLOAT_UNARY(asin, __builtin_asinf(x))
ENIGMA_FLOAT_UNARY(asinh, __builtin_asinhf(x))
ENIGMA_FLOAT_UNARY(atan, __builtin_atanf(x))
ENIGMA_FLOAT_UNARY(atanh, __builtin_atanhf(x))
ENIGMA_FLOAT_UNARY(ceil, __builtin_ceilf(x))
ENIGMA_FLOAT_UNARY(cos, __builtin_cosf(x))
ENIGMA_FLOAT_UNARY(cosh, __builtin_coshf(x))
// The *pi functions reduce in double so large arguments stay exact enough.
ENIGMA_FLOAT_UNARY(cospi, (float)__builtin_cos(3.14159265358979323846 * (double)x))
ENIGMA_FLOAT_UNARY(exp, __builtin_expf(x))
ENIGMA_FLOAT_UNARY(exp2, __builtin_exp2f(x))
ENIGMA_FLOAT_UNARY(exp10, (float)__builtin_pow(10.0, (double)x))
ENIGMA_FLOAT_UNARY(fabs, __builtin_fabsf(x))
ENIGMA_FLOAT_UNARY(floor, __builtin_floorf(x))
// fract: always below 1. The MSL spec states only that clamp; the other edge cases are
// OpenCL C's: NaN stays NaN (fminf alone would make it 0x1.fffffep-1), fract(+-inf) = +-0,
// fract(-0) = -0.
ENIGMA_FLOAT_UNARY(fract, __builtin_isnan(x)   ? x
                          : __builtin_isinf(x) ? __builtin_copysignf(0.0f, x)
                          : x == 0.0f          ? x
                                      : __builtin_fminf(x - __builtin_floorf(x), 0x1.fffffep-1f))
ENIGMA_FLOAT_UNARY(log, __builtin_logf(x))
ENIGMA_FLOAT_UNARY(log2, __builtin_log2f(x))
ENIGMA_FLOAT_UNARY(log10, __builtin_log10f(x))
ENIGMA_FLOAT_UNARY(rint, __builtin_rintf(x))
ENIGMA_FLOAT_UNARY(round, __builtin_roundf(x))
ENIGMA_FLOAT_UNARY(rsqrt, 1.0f / __builtin_sqrtf(x))
ENIGMA_FLOAT_UNARY(saturate, __builtin_fminf(__builtin_fmaxf(x, 0.0f), 1.0f))
ENIGMA_FLOAT_UNARY(sign, x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : x == x ? x : 0.0f)
ENIGMA_FLOAT_UNARY(sin, __builtin_sinf(x))
ENIGMA_FLOAT_UNARY(sinh, __builtin_sinhf(x))
ENIGMA_FLOAT_UNARY(sinpi, (float)__builtin_sin(3.14159265358979323846 * (double)x))
ENIGMA_FLOAT_UNARY(sqrt, __builtin_sqrtf(x))
ENIGMA_FLOAT_UNARY(tan, __builtin_tanf(x))
ENIGMA_FLOAT_UNARY(tanh, __builtin_tanhf(x))
ENIGMA_FLOAT_UNARY(tanpi, (float)__builtin_tan(3.14159265358979323846 * (double)x))
ENIGMA_FLOAT_UNARY(trunc, __builtin_truncf(x))

ENIGMA_FLOAT_BINARY(atan2, __builtin_atan2f(x, y))
ENIGMA_FLOAT_BINARY(copysign, __builtin_copysignf(x, y))
ENIGMA_FLOAT_BINARY(divide, x / y)
ENIGMA_FLOAT_BINARY(fdim, __builtin_fdimf(x, y))
ENIGMA_FLOAT_BINARY(fmax, __builtin_fmaxf(x, y))
ENIGMA_FLOAT_BINARY(fmin, __builtin_fminf(x, y))
ENIGMA_FLOAT_BINARY(fmod, __builtin_fmodf(x, y))
ENIGMA_FLOAT_BINARY(nextafter, __builtin_nextafterf(x, y))
ENIGMA_FLOAT_BINARY(pow, __builtin_powf(x, y))
ENIGMA_FLOAT_BINARY(powr, __builtin_powf(x, y))
// step(edge, x)
ENIGMA_FLOAT_BINARY(step, y < x ? 0.0f : 1.0f)
#undef ENIGMA_FLOAT_BINARY

ENIGMA_FLOAT_TERNARY(fma, __builtin_fmaf(x, y, z))
ENIGMA_FLOAT_TERNARY(mad, __builtin_fmaf(x, y, z))
ENIGMA_FLOAT_TERNARY(fmax3, __builtin_fmaxf(x, __builtin_fmaxf(y, z)))
ENIGMA_FLOAT_TERNARY(fmin3, __builtin_fminf(x, __builtin_fminf(y, z)))
ENIGMA_FLOAT_TERNARY(fmedian3, __builtin_fmaxf(__builtin_fminf(x, y),
                                               __builtin_fminf(__builtin_fmaxf(x, y), z)))
ENIGMA_FLOAT_TERNARY(mix, x + (y - x) * z)
ENIGMA_FLOAT_TERNARY(smoothstep, ([](float e0, float e1, float v) {
                       float t = __builtin_fminf(__builtin_fmaxf((v - e0) / (e1 - e0), 0.0f), 1.0f);
                       return t * t * (3.0f - 2.0f * t);
                     })(x, y, z))
#undef ENIGMA_FLOAT_TERNARY
#undef ENIGMA_FLOAT_UNARY

inline float sincos(float x, float &cosval) {
  cosval = __builtin_cosf(x);
  return __builtin_sinf(x);
}
inline half sincos(half x, half &cosval) {
  float c;
  float s = sincos((float)x, c);
  cosval = (half)c;
  return (half)s;
}
template <class V, class R = __enigma::__vecOf<V>, __enigma::__enableIf<__enigma::__isVecV<V>> = 0>
inline R sincos(const V &x, R &cosval) {
  R r;
  ENIGMA_UNROLL_VEC
  for (int i = 0; i < __enigma::__vt<R>::N; ++i)
    r[i] = sincos(x[i], cosval[i]);
  return r;
}

inline float frexp(float x, int &e) { return __builtin_frexpf(x, &e); }
inline half frexp(half x, int &e) { return (half)__builtin_frexpf((float)x, &e); }
inline float ldexp(float x, int k) { return __builtin_ldexpf(x, k); }
inline half ldexp(half x, int k) { return (half)__builtin_ldexpf((float)x, k); }
inline int ilogb(float x) { return __builtin_ilogbf(x); }
inline int ilogb(half x) { return __builtin_ilogbf((float)x); }
inline float modf(float x, float &ip) { return __builtin_modff(x, &ip); }
inline half modf(half x, half &ip) {
  float i;
  float f = __builtin_modff((float)x, &i);
  ip = (half)i;
  return (half)f;
}
template <class V, class R = __enigma::__vecOf<V>, __enigma::__enableIf<__enigma::__isVecV<V>> = 0>
inline R modf(const V &x, R &ip) {
  R r;
  ENIGMA_UNROLL_VEC
  for (int i = 0; i < __enigma::__vt<R>::N; ++i)
    r[i] = modf(x[i], ip[i]);
  return r;
}
template <class V, class I, class R = __enigma::__vecOf<V>,
          __enigma::__enableIf<__enigma::__isVecV<V>> = 0>
inline R frexp(const V &x, I &e) {
  R r;
  ENIGMA_UNROLL_VEC
  for (int i = 0; i < __enigma::__vt<R>::N; ++i) {
    int ei;
    r[i] = frexp(x[i], ei);
    e[i] = ei;
  }
  return r;
}
template <class V, class I, class R = __enigma::__vecOf<V>,
          __enigma::__enableIf<__enigma::__isVecV<V>> = 0>
inline R ldexp(const V &x, const I &k) {
  R r;
  ENIGMA_UNROLL_VEC
  for (int i = 0; i < __enigma::__vt<R>::N; ++i)
    r[i] = ldexp(x[i], (int)__enigma::__comp(k, i));
  return r;
}

//===----------------------------------------------------------------------===//
// min / max / clamp / abs for every scalar type. On floats they are fmin/fmax
// (the non-NaN operand wins), as Metal specifies.
//===----------------------------------------------------------------------===//

#define ENIGMA_FLOAT_MINMAX(T)                                                                     \
  inline T min(T x, T y) { return fmin(x, y); }                                                    \
  inline T max(T x, T y) { return fmax(x, y); }                                                    \
  inline T min3(T x, T y, T z) { return fmin3(x, y, z); }                                          \
  inline T max3(T x, T y, T z) { return fmax3(x, y, z); }                                          \
  inline T median3(T x, T y, T z) { return fmedian3(x, y, z); }                                    \
  inline T clamp(T x, T lo, T hi) { return fmin(fmax(x, lo), hi); }                                \
  inline T abs(T x) { return fabs(x); }
ENIGMA_FLOAT_MINMAX(float)
ENIGMA_FLOAT_MINMAX(half)
ENIGMA_FLOAT_MINMAX(bfloat)
#undef ENIGMA_FLOAT_MINMAX

namespace __enigma {
template <class T> using __unsignedOf = std::make_unsigned_t<T>;
template <class T> constexpr int __bits = (int)sizeof(T) * 8;

template <class T> inline T __clz(T x) {
  using U = __unsignedOf<T>;
  U u = (U)x;
  if (u == 0)
    return (T)__bits<T>;
  if constexpr (sizeof(T) == 8)
    return (T)__builtin_clzll((unsigned long long)u);
  else
    return (T)(__builtin_clz((unsigned)u) - (32 - __bits<T>));
}
template <class T> inline T __ctz(T x) {
  using U = __unsignedOf<T>;
  U u = (U)x;
  if (u == 0)
    return (T)__bits<T>;
  if constexpr (sizeof(T) == 8)
    return (T)__builtin_ctzll((unsigned long long)u);
  else
    return (T)__builtin_ctz((unsigned)u);
}
template <class T> inline T __popcount(T x) {
  using U = __unsignedOf<T>;
  if constexpr (sizeof(T) == 8)
    return (T)__builtin_popcountll((unsigned long long)(U)x);
  else
    return (T)__builtin_popcount((unsigned)(U)x);
}
template <class T> inline T __reverseBits(T x) {
  using U = __unsignedOf<T>;
  U u = (U)x, r = 0;
  for (int i = 0; i < __bits<T>; ++i) {
    r = (U)((r << 1) | (u & 1u));
    u = (U)(u >> 1);
  }
  return (T)r;
}
template <class T> inline T __rotate(T v, T i) {
  using U = __unsignedOf<T>;
  int s = (int)((U)i % (U)__bits<T>);
  U u = (U)v;
  if (s == 0)
    return v;
  return (T)(U)((U)(u << s) | (U)(u >> (__bits<T> - s)));
}
template <class T> inline T __mulhi(T x, T y) {
  if constexpr (sizeof(T) == 8) {
    if constexpr (std::is_signed<T>::value)
      return (T)(((__int128)x * (__int128)y) >> 64);
    else
      return (T)(((unsigned __int128)x * (unsigned __int128)y) >> 64);
  } else {
    return (T)(((long long)x * (long long)y) >> __bits<T>);
  }
}
template <class T> inline T __sat(__int128 v) {
  constexpr __int128 lo = (__int128)std::numeric_limits<T>::min();
  constexpr __int128 hi = (__int128)std::numeric_limits<T>::max();
  return (T)(v < lo ? lo : v > hi ? hi : v);
}
/// madsat: a * b + c exactly, saturated. For 64-bit unsigned operands the product needs the
/// unsigned 128-bit type ((2^64 - 1)^2 + 2^64 - 1 < 2^128 but > 2^127).
template <class T> inline T __madsat(T a, T b, T c) {
  if constexpr (sizeof(T) == 8 && !std::is_signed<T>::value) {
    unsigned __int128 v = (unsigned __int128)a * b + c;
    return v > (unsigned __int128)std::numeric_limits<T>::max() ? std::numeric_limits<T>::max()
                                                                : (T)v;
  } else {
    return __sat<T>((__int128)a * (__int128)b + (__int128)c);
  }
}
template <class T> inline T __extractBits(T x, uint offset, uint bits) {
  using U = __unsignedOf<T>;
  if (bits == 0)
    return 0;
  U u = (U)((U)x >> offset);
  if (bits >= (uint)__bits<T>)
    return (T)u;
  U mask = (U)(((U)1 << bits) - 1);
  u &= mask;
  if (std::is_signed<T>::value && ((u >> (bits - 1)) & 1u))
    u |= (U)~mask;
  return (T)u;
}
template <class T> inline T __insertBits(T base, T ins, uint offset, uint bits) {
  using U = __unsignedOf<T>;
  if (bits == 0)
    return base;
  U mask = bits >= (uint)__bits<T> ? (U) ~(U)0 : (U)(((U)1 << bits) - 1);
  mask = (U)(mask << offset);
  return (T)(U)(((U)base & (U)~mask) | ((U)((U)ins << offset) & mask));
}
} // namespace __enigma

#define ENIGMA_INT_FUNCS(T)                                                                        \
  inline T min(T x, T y) { return y < x ? y : x; }                                                 \
  inline T max(T x, T y) { return x < y ? y : x; }                                                 \
  inline T min3(T x, T y, T z) { return min(x, min(y, z)); }                                       \
  inline T max3(T x, T y, T z) { return max(x, max(y, z)); }                                       \
  inline T median3(T x, T y, T z) { return max(min(x, y), min(max(x, y), z)); }                    \
  inline T clamp(T x, T lo, T hi) { return min(max(x, lo), hi); }                                  \
  inline T abs(T x) {                                                                              \
    if constexpr (std::is_signed<T>::value)                                                        \
      return (T)(x < 0 ? (T)(0 - (__enigma::__unsignedOf<T>)x) : x);                               \
    else                                                                                           \
      return x;                                                                                    \
  }                                                                                                \
  inline __enigma::__unsignedOf<T> absdiff(T x, T y) {                                             \
    using U = __enigma::__unsignedOf<T>;                                                           \
    return x > y ? (U)((U)x - (U)y) : (U)((U)y - (U)x);                                            \
  }                                                                                                \
  inline T addsat(T x, T y) { return __enigma::__sat<T>((__int128)x + (__int128)y); }              \
  inline T subsat(T x, T y) { return __enigma::__sat<T>((__int128)x - (__int128)y); }              \
  inline T madsat(T a, T b, T c) { return __enigma::__madsat(a, b, c); }                           \
  inline T hadd(T x, T y) { return (T)(((__int128)x + (__int128)y) >> 1); }                        \
  inline T rhadd(T x, T y) { return (T)(((__int128)x + (__int128)y + 1) >> 1); }                   \
  inline T clz(T x) { return __enigma::__clz(x); }                                                 \
  inline T ctz(T x) { return __enigma::__ctz(x); }                                                 \
  inline T popcount(T x) { return __enigma::__popcount(x); }                                       \
  inline T reverse_bits(T x) { return __enigma::__reverseBits(x); }                                \
  inline T rotate(T v, T i) { return __enigma::__rotate(v, i); }                                   \
  inline T mulhi(T x, T y) { return __enigma::__mulhi(x, y); }                                     \
  inline T madhi(T a, T b, T c) { return (T)(__enigma::__mulhi(a, b) + c); }                       \
  inline T extract_bits(T x, uint offset, uint bits) {                                             \
    return __enigma::__extractBits(x, offset, bits);                                               \
  }                                                                                                \
  inline T insert_bits(T base, T ins, uint offset, uint bits) {                                    \
    return __enigma::__insertBits(base, ins, offset, bits);                                        \
  }
ENIGMA_INT_FUNCS(char)
ENIGMA_INT_FUNCS(signed char)
ENIGMA_INT_FUNCS(uchar)
ENIGMA_INT_FUNCS(short)
ENIGMA_INT_FUNCS(ushort)
ENIGMA_INT_FUNCS(int)
ENIGMA_INT_FUNCS(uint)
ENIGMA_INT_FUNCS(long)
ENIGMA_INT_FUNCS(ulong)
ENIGMA_INT_FUNCS(long long)
ENIGMA_INT_FUNCS(unsigned long long)
#undef ENIGMA_INT_FUNCS

inline int mul24(int x, int y) {
  return (int)((long long)((x << 8) >> 8) * (long long)((y << 8) >> 8));
}
inline uint mul24(uint x, uint y) { return (x & 0xffffffu) * (y & 0xffffffu); }
inline int mad24(int x, int y, int z) { return (int)((uint)mul24(x, y) + (uint)z); }
inline uint mad24(uint x, uint y, uint z) { return mul24(x, y) + z; }

ENIGMA_VECTORIZE(min)
ENIGMA_VECTORIZE(max)
ENIGMA_VECTORIZE(min3)
ENIGMA_VECTORIZE(max3)
ENIGMA_VECTORIZE(median3)
ENIGMA_VECTORIZE(clamp)
ENIGMA_VECTORIZE(abs)
ENIGMA_VECTORIZE(absdiff)
ENIGMA_VECTORIZE(addsat)
ENIGMA_VECTORIZE(subsat)
ENIGMA_VECTORIZE(madsat)
ENIGMA_VECTORIZE(hadd)
ENIGMA_VECTORIZE(rhadd)
ENIGMA_VECTORIZE(clz)
ENIGMA_VECTORIZE(ctz)
ENIGMA_VECTORIZE(popcount)
ENIGMA_VECTORIZE(reverse_bits)
ENIGMA_VECTORIZE(rotate)
ENIGMA_VECTORIZE(mulhi)
ENIGMA_VECTORIZE(madhi)
ENIGMA_VECTORIZE(mul24)
ENIGMA_VECTORIZE(mad24)

template <class V, class R = __enigma::__vecOf<V>, __enigma::__enableIf<__enigma::__isVecV<V>> = 0>
inline R extract_bits(const V &x, uint offset, uint bits) {
  R r = x;
  ENIGMA_UNROLL_VEC
  for (int i = 0; i < __enigma::__vt<R>::N; ++i)
    r[i] = extract_bits(r[i], offset, bits);
  return r;
}
template <class V, class W, class R = __enigma::__vecOf<V>,
          __enigma::__enableIf<__enigma::__isVecV<V>> = 0>
inline R insert_bits(const V &base, const W &ins, uint offset, uint bits) {
  R r = base;
  ENIGMA_UNROLL_VEC
  for (int i = 0; i < __enigma::__vt<R>::N; ++i)
    r[i] = insert_bits(r[i], __enigma::__comp(__enigma::__asVec(ins), i), offset, bits);
  return r;
}

//===----------------------------------------------------------------------===//
// Relational functions.
//===----------------------------------------------------------------------===//

inline bool all(bool x) { return x; }
inline bool any(bool x) { return x; }
template <class V, __enigma::__enableIf<__enigma::__isVecV<V>> = 0> inline bool all(const V &v) {
  for (int i = 0; i < __enigma::__vtOf<V>::N; ++i)
    if (!v[i])
      return false;
  return true;
}
template <class V, __enigma::__enableIf<__enigma::__isVecV<V>> = 0> inline bool any(const V &v) {
  for (int i = 0; i < __enigma::__vtOf<V>::N; ++i)
    if (v[i])
      return true;
  return false;
}

#define ENIGMA_FLOAT_TEST(NAME, EXPR)                                                              \
  inline bool NAME(float x) { return EXPR; }                                                       \
  inline bool NAME(half x) { return NAME((float)x); }                                              \
  inline bool NAME(bfloat x) { return NAME((float)x); }                                            \
  template <class V, class R = typename __enigma::__unRes<V>::bools> inline R NAME(const V &v) {   \
    R r;                                                                                           \
    ENIGMA_UNROLL_VEC                                                                              \
    for (int i = 0; i < __enigma::__vt<R>::N; ++i)                                                 \
      r[i] = NAME(v[i]);                                                                           \
    return r;                                                                                      \
  }
ENIGMA_FLOAT_TEST(isnan, __builtin_isnan(x))
ENIGMA_FLOAT_TEST(isinf, __builtin_isinf(x))
ENIGMA_FLOAT_TEST(isfinite, __builtin_isfinite(x))
ENIGMA_FLOAT_TEST(isnormal, __builtin_isnormal(x))
ENIGMA_FLOAT_TEST(signbit, __builtin_signbit(x) != 0)
#undef ENIGMA_FLOAT_TEST

inline bool isordered(float x, float y) { return x == x && y == y; }
inline bool isunordered(float x, float y) { return !isordered(x, y); }
inline bool isordered(half x, half y) { return x == x && y == y; }
inline bool isunordered(half x, half y) { return !isordered(x, y); }
template <class A, class B, class R = typename __enigma::__binRes<A, B>::bools>
inline R isordered(const A &a, const B &b) {
  return __enigma::__mapTo<R>([](auto x, auto y) { return isordered(x, y); }, a, b);
}
template <class A, class B, class R = typename __enigma::__binRes<A, B>::bools>
inline R isunordered(const A &a, const B &b) {
  return __enigma::__mapTo<R>([](auto x, auto y) { return isunordered(x, y); }, a, b);
}

// MSL's not(x) needs no definition: `not` is C++'s alternative spelling of
// `!`, which vectors overload element-wise.

/// select(a, b, c): c ? b : a, per element for vectors.
template <class T, __enigma::__enableIf<!__enigma::__isVecV<T>> = 0>
inline T select(T a, T b, bool c) {
  return c ? b : a;
}
template <class A, class B, class C, class R = typename __enigma::__binRes<A, B>::type,
          __enigma::__enableIf<__enigma::__isVecV<A> || __enigma::__isVecV<B>> = 0>
inline R select(const A &a, const B &b, const C &c) {
  const auto &va = __enigma::__asVec(a);
  const auto &vb = __enigma::__asVec(b);
  const auto &vc = __enigma::__asVec(c);
  R r;
  ENIGMA_UNROLL_VEC
  for (int i = 0; i < __enigma::__vt<R>::N; ++i)
    r[i] = __enigma::__comp(vc, i) ? __enigma::__comp(vb, i) : __enigma::__comp(va, i);
  return r;
}
/// bitselect(a, b, c): bits of b where c is set, else of a.
template <class T, __enigma::__enableIf<std::is_integral<T>::value> = 0>
inline T bitselect(T a, T b, T c) {
  return (T)((a & ~c) | (b & c));
}

//===----------------------------------------------------------------------===//
// Geometric functions.
//===----------------------------------------------------------------------===//

template <class A, class B, class R = typename __enigma::__binRes<A, B>::type,
          __enigma::__enableIf<__enigma::__isVecV<A> && __enigma::__isVecV<B>> = 0>
inline typename R::__elem dot(const A &a, const B &b) {
  using T = typename R::__elem;
  const auto &va = __enigma::__asVec(a);
  const auto &vb = __enigma::__asVec(b);
  float acc = 0.0f;
  ENIGMA_UNROLL_VEC
  for (int i = 0; i < __enigma::__vt<R>::N; ++i)
    acc += (float)va[i] * (float)vb[i];
  return (T)acc;
}
template <class A, class B, class R = typename __enigma::__binRes<A, B>::type>
inline R cross(const A &a, const B &b) {
  static_assert(__enigma::__vt<R>::N == 3, "cross needs 3-component vectors");
  const auto &x = __enigma::__asVec(a);
  const auto &y = __enigma::__asVec(b);
  return R(x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]);
}
template <class V, class R = typename __enigma::__unRes<V>::type>
inline typename R::__elem length_squared(const V &v) {
  return dot(v, v);
}
template <class V, class R = typename __enigma::__unRes<V>::type>
inline typename R::__elem length(const V &v) {
  return sqrt(dot(v, v));
}
template <class A, class B, class R = typename __enigma::__binRes<A, B>::type>
inline typename R::__elem distance(const A &a, const B &b) {
  return length(R(a) - R(b));
}
template <class A, class B, class R = typename __enigma::__binRes<A, B>::type>
inline typename R::__elem distance_squared(const A &a, const B &b) {
  return length_squared(R(a) - R(b));
}
template <class V, class R = typename __enigma::__unRes<V>::type> inline R normalize(const V &v) {
  return R(v) * rsqrt(dot(v, v));
}
template <class V, class R = typename __enigma::__unRes<V>::type>
inline R faceforward(const V &n, const V &i, const V &nref) {
  return dot(nref, i) < 0 ? R(n) : R(-R(n));
}
template <class V, class R = typename __enigma::__unRes<V>::type>
inline R reflect(const V &i, const V &n) {
  return R(i) - 2 * dot(n, i) * R(n);
}
template <class V, class S, class R = typename __enigma::__unRes<V>::type>
inline R refract(const V &i, const V &n, S eta) {
  using T = typename R::__elem;
  T d = dot(n, i);
  T k = (T)(1 - eta * eta * (1 - d * d));
  if (k < 0)
    return R(0);
  return (T)eta * R(i) - (T)(eta * d + sqrt(k)) * R(n);
}

// metal::precise::f and metal::fast::f name the same functions: the host
// libm is at least as accurate as Metal's precise variants.
namespace precise {
using namespace ::metal;
}
namespace fast {
using namespace ::metal;
}

} // namespace metal

#endif // ENIGMA_RUNTIME_METALMATH_H
