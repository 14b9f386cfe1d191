//===-- enigma/Runtime/MetalTypes.h - MSL scalar and vector types -*- C++ -*-===//
//
// Metal's scalar types (half, bfloat, uint...), vectors (float4, uint2...) with
// Metal's constructors, swizzles and element-wise operators, and packed
// vectors, for compiling MSL text with a host C++17 compiler (clang or g++).
//
// Layout matches Metal so buffers are bit-compatible: vecN of T has size
// N * sizeof(T) and the same alignment, except 3-vectors which occupy (and are
// aligned like) 4 elements; packed_ vectors have the element's alignment and
// no padding.
//
// Swizzles (`v.xy`, `v.zyx`, `v.rgba` ...) are members of an anonymous union
// with the elements: each is an empty proxy whose `this` is the address of the
// vector's first element, so it reads and writes the elements it names. The
// proxies are shared by every vector of the same element type, which keeps
// the number of class instantiations (and so compile time) small.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_RUNTIME_METALTYPES_H
#define ENIGMA_RUNTIME_METALTYPES_H

#pragma GCC system_header

#include <stddef.h>
#include <stdint.h>
#include <type_traits>

#include "MetalAddressSpaces.h"

namespace metal {

typedef unsigned char uchar;
typedef unsigned short ushort;
typedef unsigned int uint;
typedef unsigned long ulong;
typedef _Float16 half;

//===----------------------------------------------------------------------===//
// bfloat: the upper 16 bits of an IEEE float. Arithmetic is done in float and
// rounded back to nearest-even, which is what a bfloat ALU produces for a
// single operation.
//===----------------------------------------------------------------------===//

struct bfloat {
  uint16_t __bits;

  static constexpr uint16_t __fromFloat(float f) {
    uint32_t u = __builtin_bit_cast(uint32_t, f);
    if ((u & 0x7fffffffu) > 0x7f800000u) // NaN: keep it quiet, keep the sign
      return (uint16_t)((u >> 16) | 0x0040u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
  }
  static constexpr bfloat __fromBits(uint16_t b) {
    bfloat r{};
    r.__bits = b;
    return r;
  }

  bfloat() = default;
  constexpr bfloat(float f) : __bits(__fromFloat(f)) {}
  constexpr bfloat(double d) : __bits(__fromFloat((float)d)) {}
  constexpr bfloat(half h) : __bits(__fromFloat((float)h)) {}
  template <class U, std::enable_if_t<std::is_integral<U>::value, int> = 0>
  constexpr bfloat(U v) : __bits(__fromFloat((float)v)) {}
  constexpr operator float() const { return __builtin_bit_cast(float, (uint32_t)__bits << 16); }
  bfloat operator-() const { return __fromBits(__bits ^ 0x8000u); }
  bfloat operator+() const { return *this; }
};

namespace __enigma {
// The type a bfloat combines with another operand into.
template <class U>
using __bfResult =
    std::conditional_t<std::is_floating_point<U>::value || std::is_same<U, half>::value,
                       std::conditional_t<std::is_same<U, half>::value, float, U>, bfloat>;
} // namespace __enigma

#define ENIGMA_BF_ARITH(OP)                                                                        \
  inline bfloat operator OP(bfloat a, bfloat b) { return bfloat((float)a OP(float) b); }           \
  template <class U,                                                                               \
            std::enable_if_t<std::is_arithmetic<U>::value || std::is_same<U, half>::value, int> =  \
                0>                                                                                 \
  inline __enigma::__bfResult<U> operator OP(bfloat a, U b) {                                      \
    return __enigma::__bfResult<U>((float)a OP(float) b);                                          \
  }                                                                                                \
  template <class U,                                                                               \
            std::enable_if_t<std::is_arithmetic<U>::value || std::is_same<U, half>::value, int> =  \
                0>                                                                                 \
  inline __enigma::__bfResult<U> operator OP(U a, bfloat b) {                                      \
    return __enigma::__bfResult<U>((float)a OP(float) b);                                          \
  }                                                                                                \
  inline bfloat &operator OP##=(bfloat &a, bfloat b) { return a = a OP b; }                        \
  template <class U,                                                                               \
            std::enable_if_t<std::is_arithmetic<U>::value || std::is_same<U, half>::value, int> =  \
                0>                                                                                 \
  inline bfloat &operator OP##=(bfloat &a, U b) {                                                  \
    return a = bfloat((float)a OP(float) b);                                                       \
  }
ENIGMA_BF_ARITH(+)
ENIGMA_BF_ARITH(-)
ENIGMA_BF_ARITH(*)
ENIGMA_BF_ARITH(/)
#undef ENIGMA_BF_ARITH

#define ENIGMA_BF_CMP(OP)                                                                          \
  inline bool operator OP(bfloat a, bfloat b) { return (float)a OP(float) b; }                     \
  template <class U,                                                                               \
            std::enable_if_t<std::is_arithmetic<U>::value || std::is_same<U, half>::value, int> =  \
                0>                                                                                 \
  inline bool operator OP(bfloat a, U b) {                                                         \
    return (float)a OP(float) b;                                                                   \
  }                                                                                                \
  template <class U,                                                                               \
            std::enable_if_t<std::is_arithmetic<U>::value || std::is_same<U, half>::value, int> =  \
                0>                                                                                 \
  inline bool operator OP(U a, bfloat b) {                                                         \
    return (float)a OP(float) b;                                                                   \
  }
ENIGMA_BF_CMP(==)
ENIGMA_BF_CMP(!=)
ENIGMA_BF_CMP(<)
ENIGMA_BF_CMP(<=)
ENIGMA_BF_CMP(>)
ENIGMA_BF_CMP(>=)
#undef ENIGMA_BF_CMP

// MSL literal suffixes: 1.0h is a half, 1.0bf a bfloat.
constexpr half operator""h(long double v) { return (half)v; }
constexpr half operator""h(unsigned long long v) { return (half)v; }
constexpr bfloat operator"" bf(long double v) { return bfloat((float)v); }
constexpr bfloat operator"" bf(unsigned long long v) { return bfloat((float)v); }

namespace __enigma {

/// The scalar types of MSL (and the host types literals have).
template <class T> struct __isScalar : std::false_type {};
#define ENIGMA_SCALAR(T)                                                                           \
  template <> struct __isScalar<T> : std::true_type {};
ENIGMA_SCALAR(bool)
ENIGMA_SCALAR(char)
ENIGMA_SCALAR(signed char)
ENIGMA_SCALAR(unsigned char)
ENIGMA_SCALAR(short)
ENIGMA_SCALAR(unsigned short)
ENIGMA_SCALAR(int)
ENIGMA_SCALAR(unsigned int)
ENIGMA_SCALAR(long)
ENIGMA_SCALAR(unsigned long)
ENIGMA_SCALAR(long long)
ENIGMA_SCALAR(unsigned long long)
ENIGMA_SCALAR(float)
ENIGMA_SCALAR(double)
ENIGMA_SCALAR(half)
ENIGMA_SCALAR(bfloat)
#undef ENIGMA_SCALAR
template <class T> constexpr bool __isScalarV = __isScalar<std::remove_cv_t<__noAS_t<T>>>::value;

template <class T, int N, bool Packed> struct __vec;
template <class T, int L, unsigned Code> struct __swz;

/// Vector traits: `isVec`, element type `Elem` and size `N` of vectors,
/// packed vectors and swizzle proxies.
template <class X> struct __vt {
  static constexpr bool isVec = false;
  static constexpr int N = 1;
  using Elem = X;
};
template <class T, int N_, bool P> struct __vt<__vec<T, N_, P>> {
  static constexpr bool isVec = true;
  static constexpr int N = N_;
  using Elem = T;
};
template <class T, int L, unsigned C> struct __vt<__swz<T, L, C>> {
  static constexpr bool isVec = true;
  static constexpr int N = L;
  using Elem = T;
};
#if ENIGMA_CPU_REAL_ADDRESS_SPACES
// Types deduced from lvalues carry their address space (MetalAddressSpaces.h).
#define ENIGMA_VT_AS(AS)                                                                           \
  template <class X> struct __vt<AS X> : __vt<std::remove_cv_t<X>> {};
ENIGMA_VT_AS(__generic)
ENIGMA_VT_AS(__private)
ENIGMA_VT_AS(__global)
ENIGMA_VT_AS(__local)
ENIGMA_VT_AS(__constant)
ENIGMA_VT_AS(__attribute__((opencl_global_device)))
#undef ENIGMA_VT_AS
#endif
template <class X> using __vtOf = __vt<std::remove_cv_t<__noAS_t<std::remove_reference_t<X>>>>;
template <class X> constexpr bool __isVecV = __vtOf<X>::isVec;

/// Number of vector components an initializer contributes (0: not allowed).
template <class X> constexpr int __components() {
  if constexpr (__isVecV<X>)
    return __vtOf<X>::N;
  else if constexpr (__isScalarV<std::remove_reference_t<X>>)
    return 1;
  else
    return 1000;
}

template <bool B> using __enableIf = std::enable_if_t<B, int>;

} // namespace __enigma

//===----------------------------------------------------------------------===//
// Swizzle proxies.
//===----------------------------------------------------------------------===//

namespace __enigma {

/// A swizzle of L components of a vector of T; component k of the swizzle is
/// element (Code >> 2k) & 3 of the vector.
template <class T, int L, unsigned Code> struct __swz {
  static constexpr int __idx(int k) { return (int)((Code >> (2 * k)) & 3u); }
  const T *__p() const { return reinterpret_cast<const T *>(this); }
  T *__p() { return reinterpret_cast<T *>(this); }

  operator __vec<T, L, false>() const {
    __vec<T, L, false> r;
    for (int k = 0; k < L; ++k)
      r.__e[k] = __p()[__idx(k)];
    return r;
  }
  __vec<T, L, false> __get() const { return *this; }
  T operator[](int k) const { return __p()[__idx(k)]; }

  __swz &operator=(const __vec<T, L, false> &v) {
    // Read everything first: `v.xy = v.yx` must swap.
    T tmp[L];
    for (int k = 0; k < L; ++k)
      tmp[k] = v.__e[k];
    for (int k = 0; k < L; ++k)
      __p()[__idx(k)] = tmp[k];
    return *this;
  }
  __swz &operator=(const __swz &o) { return *this = o.__get(); }
  template <class V, __enableIf<__isVecV<V> && __vtOf<V>::N == L> = 0>
  __swz &operator=(const V &v) {
    return *this = __vec<T, L, false>(v);
  }
  template <class U, __enableIf<__isScalarV<U>> = 0> __swz &operator=(U s) {
    return *this = __vec<T, L, false>(s);
  }
#define ENIGMA_SWZ_COMPOUND(OP)                                                                    \
  template <class B> __swz &operator OP##=(const B &b) {                                           \
    return *this = __vec<T, L, false>(__get() OP b);                                               \
  }
  ENIGMA_SWZ_COMPOUND(+)
  ENIGMA_SWZ_COMPOUND(-)
  ENIGMA_SWZ_COMPOUND(*)
  ENIGMA_SWZ_COMPOUND(/)
  ENIGMA_SWZ_COMPOUND(%)
  ENIGMA_SWZ_COMPOUND(&)
  ENIGMA_SWZ_COMPOUND(|)
  ENIGMA_SWZ_COMPOUND(^)
  ENIGMA_SWZ_COMPOUND(<<)
  ENIGMA_SWZ_COMPOUND(>>)
#undef ENIGMA_SWZ_COMPOUND
};

// X-macros enumerating components (xyzw / rgba name, index). One copy per
// nesting level: a macro is not re-expanded inside its own expansion.
#define ENIGMA_C1_2(F, ...) F(x, r, 0, __VA_ARGS__) F(y, g, 1, __VA_ARGS__)
#define ENIGMA_C1_3(F, ...) ENIGMA_C1_2(F, __VA_ARGS__) F(z, b, 2, __VA_ARGS__)
#define ENIGMA_C1_4(F, ...) ENIGMA_C1_3(F, __VA_ARGS__) F(w, a, 3, __VA_ARGS__)
#define ENIGMA_C2_2(F, ...) F(x, r, 0, __VA_ARGS__) F(y, g, 1, __VA_ARGS__)
#define ENIGMA_C2_3(F, ...) ENIGMA_C2_2(F, __VA_ARGS__) F(z, b, 2, __VA_ARGS__)
#define ENIGMA_C2_4(F, ...) ENIGMA_C2_3(F, __VA_ARGS__) F(w, a, 3, __VA_ARGS__)
#define ENIGMA_C3_2(F, ...) F(x, r, 0, __VA_ARGS__) F(y, g, 1, __VA_ARGS__)
#define ENIGMA_C3_3(F, ...) ENIGMA_C3_2(F, __VA_ARGS__) F(z, b, 2, __VA_ARGS__)
#define ENIGMA_C3_4(F, ...) ENIGMA_C3_3(F, __VA_ARGS__) F(w, a, 3, __VA_ARGS__)
#define ENIGMA_C4_2(F, ...) F(x, r, 0, __VA_ARGS__) F(y, g, 1, __VA_ARGS__)
#define ENIGMA_C4_3(F, ...) ENIGMA_C4_2(F, __VA_ARGS__) F(z, b, 2, __VA_ARGS__)
#define ENIGMA_C4_4(F, ...) ENIGMA_C4_3(F, __VA_ARGS__) F(w, a, 3, __VA_ARGS__)

// With clang, swizzles are properties (__declspec(property), -fdeclspec): `v.xy` is a
// float2 prvalue to read and a call of the setter to assign, so a swizzle passed to a function
// template deduces the vector type (`template <class T> T f(T); f(v.xy)` is f<float2>) and
// `auto w = v.xy;` is a float2. g++ has no properties: there they are proxy members of the
// union (__swz above), which a template deduces as the proxy type.
#if defined(__has_declspec_attribute)
#if __has_declspec_attribute(property)
#define ENIGMA_SWIZZLE_PROPERTIES 1
#endif
#endif
#if ENIGMA_SWIZZLE_PROPERTIES
#define ENIGMA_SWZ_MEMBER(L, CODE, NAME, NAME2)                                                    \
  __vec<T, L, false> __sg_##NAME() const { return __swzRead<T, L, CODE>(this->__e); }             \
  void __sp_##NAME(const __vec<T, L, false> &__v) { __swzWrite<T, L, CODE>(this->__e, __v); }     \
  __declspec(property(get = __sg_##NAME, put = __sp_##NAME)) __vec<T, L, false> NAME, NAME2;
#define ENIGMA_SWIZZLES_IN_UNION(n)
#define ENIGMA_SWIZZLES_BESIDE_UNION(n) ENIGMA_SWIZZLES2(n) ENIGMA_SWIZZLES3(n) ENIGMA_SWIZZLES4(n)
#else
#define ENIGMA_SWZ_MEMBER(L, CODE, NAME, NAME2) __swz<T, L, CODE> NAME, NAME2;
#define ENIGMA_SWIZZLES_IN_UNION(n) ENIGMA_SWIZZLES2(n) ENIGMA_SWIZZLES3(n) ENIGMA_SWIZZLES4(n)
#define ENIGMA_SWIZZLES_BESIDE_UNION(n)
#endif

/// The swizzle properties' accessors: component k of the swizzle is element (Code >> 2k) & 3.
template <class T, int L, unsigned Code> inline __vec<T, L, false> __swzRead(const T *e) {
  __vec<T, L, false> r;
  for (int k = 0; k < L; ++k)
    r.__e[k] = e[(Code >> (2 * k)) & 3u];
  return r;
}
template <class T, int L, unsigned Code>
inline void __swzWrite(T *e, const __vec<T, L, false> &v) {
  T tmp[L]; // read everything first: `v.xy = v.yx` must swap
  for (int k = 0; k < L; ++k)
    tmp[k] = v.__e[k];
  for (int k = 0; k < L; ++k)
    e[(Code >> (2 * k)) & 3u] = tmp[k];
}

#define ENIGMA_SWZ2_IN(a2, b2, i2, a1, b1, i1)                                                     \
  ENIGMA_SWZ_MEMBER(2, (i1) | ((i2) << 2), a1##a2, b1##b2)
#define ENIGMA_SWZ2_OUT(a1, b1, i1, n) ENIGMA_C2_##n(ENIGMA_SWZ2_IN, a1, b1, i1)
#define ENIGMA_SWIZZLES2(n) ENIGMA_C1_##n(ENIGMA_SWZ2_OUT, n)

#define ENIGMA_SWZ3_IN(a3, b3, i3, a1, b1, i1, a2, b2, i2)                                         \
  ENIGMA_SWZ_MEMBER(3, (i1) | ((i2) << 2) | ((i3) << 4), a1##a2##a3, b1##b2##b3)
#define ENIGMA_SWZ3_MID(a2, b2, i2, a1, b1, i1, n)                                                 \
  ENIGMA_C3_##n(ENIGMA_SWZ3_IN, a1, b1, i1, a2, b2, i2)
#define ENIGMA_SWZ3_OUT(a1, b1, i1, n) ENIGMA_C2_##n(ENIGMA_SWZ3_MID, a1, b1, i1, n)
#define ENIGMA_SWIZZLES3(n) ENIGMA_C1_##n(ENIGMA_SWZ3_OUT, n)

#define ENIGMA_SWZ4_IN(a4, b4, i4, a1, b1, i1, a2, b2, i2, a3, b3, i3)                             \
  ENIGMA_SWZ_MEMBER(4, (i1) | ((i2) << 2) | ((i3) << 4) | ((i4) << 6), a1##a2##a3##a4,             \
                    b1##b2##b3##b4)
#define ENIGMA_SWZ4_MID2(a3, b3, i3, a1, b1, i1, a2, b2, i2, n)                                    \
  ENIGMA_C4_##n(ENIGMA_SWZ4_IN, a1, b1, i1, a2, b2, i2, a3, b3, i3)
#define ENIGMA_SWZ4_MID1(a2, b2, i2, a1, b1, i1, n)                                                \
  ENIGMA_C3_##n(ENIGMA_SWZ4_MID2, a1, b1, i1, a2, b2, i2, n)
#define ENIGMA_SWZ4_OUT(a1, b1, i1, n) ENIGMA_C2_##n(ENIGMA_SWZ4_MID1, a1, b1, i1, n)
#define ENIGMA_SWIZZLES4(n) ENIGMA_C1_##n(ENIGMA_SWZ4_OUT, n)

/// Element storage, per size. `__e` has the padded length of the vector.
template <class T, int N, bool P> struct __vecStorage;

template <class T, bool P> struct alignas(P ? alignof(T) : 2 * sizeof(T)) __vecStorage<T, 2, P> {
  union {
    T __e[2];
    struct {
      T x, y;
    };
    struct {
      T r, g;
    };
    ENIGMA_SWIZZLES_IN_UNION(2)
  };
  ENIGMA_SWIZZLES_BESIDE_UNION(2)
};
template <class T> struct alignas(4 * sizeof(T)) __vecStorage<T, 3, false> {
  union {
    T __e[4];
    struct {
      T x, y, z;
    };
    struct {
      T r, g, b;
    };
    ENIGMA_SWIZZLES_IN_UNION(3)
  };
  ENIGMA_SWIZZLES_BESIDE_UNION(3)
};
template <class T> struct alignas(alignof(T)) __vecStorage<T, 3, true> {
  union {
    T __e[3];
    struct {
      T x, y, z;
    };
    struct {
      T r, g, b;
    };
    ENIGMA_SWIZZLES_IN_UNION(3)
  };
  ENIGMA_SWIZZLES_BESIDE_UNION(3)
};
template <class T, bool P> struct alignas(P ? alignof(T) : 4 * sizeof(T)) __vecStorage<T, 4, P> {
  union {
    T __e[4];
    struct {
      T x, y, z, w;
    };
    struct {
      T r, g, b, a;
    };
    ENIGMA_SWIZZLES_IN_UNION(4)
  };
  ENIGMA_SWIZZLES_BESIDE_UNION(4)
};

//===----------------------------------------------------------------------===//
// Vectors.
//===----------------------------------------------------------------------===//

/// Reads component i of a vector-like or returns a scalar unchanged.
template <class X> inline auto __comp(const X &x, int i) {
  if constexpr (__isVecV<X>)
    return x[i];
  else
    return x;
}

template <class T, int N, bool Packed> struct __vec : __vecStorage<T, N, Packed> {
  static_assert(N >= 2 && N <= 4, "Metal vectors have 2, 3 or 4 elements");
  using __elem = T;

  __vec() = default;
  __vec(const __vec &) = default;
  // The swizzle members have a non-trivial assignment, so the union's is
  // deleted: copy the elements. Copy construction stays trivial, which keeps
  // vectors in registers across calls.
  __vec &operator=(const __vec &o) {
    __builtin_memcpy((void *)this->__e, (const void *)o.__e, sizeof(T) * N);
    return *this;
  }

  /// Splat: float4(1.0f).
  template <class U, __enableIf<__isScalarV<U>> = 0> __vec(U s) {
    for (int i = 0; i < N; ++i)
      this->__e[i] = static_cast<T>(s);
  }

  /// Component-wise: float4(a, b, c, d), float4(v.xy, 0, 1), float3(v2, z)...
  template <class A0, class A1, class... As,
            __enableIf<(__components<A0>() + __components<A1>() + (0 + ... + __components<As>())) ==
                       N> = 0>
  __vec(const A0 &a0, const A1 &a1, const As &...as) {
    int k = 0;
    __fill(k, a0);
    __fill(k, a1);
    (__fill(k, as), ...);
  }

  /// Same element type: packed <-> aligned and swizzles convert implicitly.
  template <class V, __enableIf<__isVecV<V> && __vtOf<V>::N == N &&
                                std::is_same<typename __vtOf<V>::Elem, T>::value &&
                                !std::is_same<V, __vec>::value> = 0>
  __vec(const V &v) {
    for (int i = 0; i < N; ++i)
      this->__e[i] = v[i];
  }
  /// Element type conversion is explicit, as in Metal: float4(int4(...)).
  template <class V, __enableIf<__isVecV<V> && __vtOf<V>::N == N &&
                                !std::is_same<typename __vtOf<V>::Elem, T>::value> = 0>
  explicit __vec(const V &v) {
    for (int i = 0; i < N; ++i)
      this->__e[i] = static_cast<T>(v[i]);
  }

  T &operator[](int i) { return this->__e[i]; }
  const T &operator[](int i) const { return this->__e[i]; }

#define ENIGMA_VEC_COMPOUND(OP)                                                                    \
  template <class B> __vec &operator OP##=(const B &b) { return *this = __vec(*this OP b); }
  ENIGMA_VEC_COMPOUND(+)
  ENIGMA_VEC_COMPOUND(-)
  ENIGMA_VEC_COMPOUND(*)
  ENIGMA_VEC_COMPOUND(/)
  ENIGMA_VEC_COMPOUND(%)
  ENIGMA_VEC_COMPOUND(&)
  ENIGMA_VEC_COMPOUND(|)
  ENIGMA_VEC_COMPOUND(^)
  ENIGMA_VEC_COMPOUND(<<)
  ENIGMA_VEC_COMPOUND(>>)
#undef ENIGMA_VEC_COMPOUND

  __vec &operator++() {
    for (int i = 0; i < N; ++i)
      this->__e[i] = static_cast<T>(this->__e[i] + 1);
    return *this;
  }
  __vec &operator--() {
    for (int i = 0; i < N; ++i)
      this->__e[i] = static_cast<T>(this->__e[i] - 1);
    return *this;
  }
  __vec operator++(int) {
    __vec old = *this;
    ++*this;
    return old;
  }
  __vec operator--(int) {
    __vec old = *this;
    --*this;
    return old;
  }

private:
  template <class X> void __fill(int &k, const X &x) {
    if constexpr (__isVecV<X>) {
      for (int i = 0; i < __vtOf<X>::N; ++i)
        this->__e[k++] = static_cast<T>(x[i]);
    } else {
      this->__e[k++] = static_cast<T>(x);
    }
  }
};

/// Turns swizzles into vectors, leaves vectors and scalars alone.
template <class X> inline decltype(auto) __asVec(const X &x) {
  if constexpr (__isVecV<X> &&
                !std::is_same<X, __vec<typename __vt<X>::Elem, __vt<X>::N, false>>::value)
    return __vec<typename __vt<X>::Elem, __vt<X>::N, false>(x);
  else
    return (x);
}

/// Result of an element-wise operation on A and B (no `type` if none).
template <class A, class B, class = void> struct __binRes {};
template <class A, class B>
struct __binRes<
    A, B,
    std::enable_if_t<__isVecV<A> && __isVecV<B> && __vtOf<A>::N == __vtOf<B>::N &&
                     std::is_same<typename __vtOf<A>::Elem, typename __vtOf<B>::Elem>::value>> {
  using type = __vec<typename __vtOf<A>::Elem, __vtOf<A>::N, false>;
  using bools = __vec<bool, __vtOf<A>::N, false>;
};
template <class A, class B> struct __binRes<A, B, std::enable_if_t<__isVecV<A> && __isScalarV<B>>> {
  using type = __vec<typename __vtOf<A>::Elem, __vtOf<A>::N, false>;
  using bools = __vec<bool, __vtOf<A>::N, false>;
};
template <class A, class B> struct __binRes<A, B, std::enable_if_t<__isScalarV<A> && __isVecV<B>>> {
  using type = __vec<typename __vtOf<B>::Elem, __vtOf<B>::N, false>;
  using bools = __vec<bool, __vtOf<B>::N, false>;
};

template <class A, class = void> struct __unRes {};
template <class A> struct __unRes<A, std::enable_if_t<__isVecV<A>>> {
  using type = __vec<typename __vtOf<A>::Elem, __vtOf<A>::N, false>;
  using bools = __vec<bool, __vtOf<A>::N, false>;
};

/// Integer lanes wrap in their element type, as in Metal. C++ promotes char/short lanes to
/// int, where ushort(65535) * ushort(65535) or ushort(1) << 31 overflows (undefined
/// behaviour, trapped by -fsanitize=signed-integer-overflow), and int lanes overflow too:
/// + - * << on integer lanes are computed in the unsigned type of the promoted operands,
/// which is modular, and converted back to the element type (modular as well).
template <class X, class Y>
constexpr bool __wrapLanes = std::is_integral<X>::value && std::is_integral<Y>::value &&
                             !std::is_same<X, bool>::value && !std::is_same<Y, bool>::value;
template <class X, class Y>
using __wrapArith =
    std::make_unsigned_t<__noAS_t<std::common_type_t<decltype(+X()), decltype(+Y())>>>;
template <class X, class Y> using __wrapShift = std::make_unsigned_t<decltype(+X())>;

// The operators live beside the vector types so argument-dependent lookup
// finds them from any namespace. ENIGMA_VEC_WRAPOP computes integer lanes in the unsigned
// type WRAP<X, Y> (see above).
#define ENIGMA_VEC_BINOP(OP)                                                                       \
  template <class A, class B, class R = typename __enigma::__binRes<A, B>::type>                   \
  inline R operator OP(const A &a, const B &b) {                                                   \
    using T = typename R::__elem;                                                                  \
    const auto &va = __enigma::__asVec(a);                                                         \
    const auto &vb = __enigma::__asVec(b);                                                         \
    R r;                                                                                           \
    for (int i = 0; i < __enigma::__vt<R>::N; ++i)                                                 \
      r.__e[i] = static_cast<T>(__enigma::__comp(va, i) OP __enigma::__comp(vb, i));               \
    return r;                                                                                      \
  }
#define ENIGMA_VEC_WRAPOP(OP, WRAP)                                                                \
  template <class A, class B, class R = typename __enigma::__binRes<A, B>::type>                   \
  inline R operator OP(const A &a, const B &b) {                                                   \
    using T = typename R::__elem;                                                                  \
    const auto &va = __enigma::__asVec(a);                                                         \
    const auto &vb = __enigma::__asVec(b);                                                         \
    using X = __enigma::__noAS_t<decltype(__enigma::__comp(va, 0))>;                               \
    using Y = __enigma::__noAS_t<decltype(__enigma::__comp(vb, 0))>;                               \
    R r;                                                                                           \
    for (int i = 0; i < __enigma::__vt<R>::N; ++i) {                                               \
      if constexpr (__enigma::__wrapLanes<X, Y> && __enigma::__wrapLanes<T, T>) {                  \
        using U = __enigma::WRAP<X, Y>;                                                            \
        r.__e[i] = static_cast<T>(static_cast<U>(__enigma::__comp(va, i))                          \
                                      OP static_cast<U>(__enigma::__comp(vb, i)));                 \
      } else {                                                                                     \
        r.__e[i] = static_cast<T>(__enigma::__comp(va, i) OP __enigma::__comp(vb, i));             \
      }                                                                                            \
    }                                                                                              \
    return r;                                                                                      \
  }
ENIGMA_VEC_WRAPOP(+, __wrapArith)
ENIGMA_VEC_WRAPOP(-, __wrapArith)
ENIGMA_VEC_WRAPOP(*, __wrapArith)
ENIGMA_VEC_BINOP(/)
ENIGMA_VEC_BINOP(%)
ENIGMA_VEC_BINOP(&)
ENIGMA_VEC_BINOP(|)
ENIGMA_VEC_BINOP(^)
ENIGMA_VEC_WRAPOP(<<, __wrapShift)
ENIGMA_VEC_BINOP(>>)
#undef ENIGMA_VEC_WRAPOP
#undef ENIGMA_VEC_BINOP

#define ENIGMA_VEC_BOOLOP(OP)                                                                      \
  template <class A, class B, class R = typename __enigma::__binRes<A, B>::bools>                  \
  inline R operator OP(const A &a, const B &b) {                                                   \
    const auto &va = __enigma::__asVec(a);                                                         \
    const auto &vb = __enigma::__asVec(b);                                                         \
    R r;                                                                                           \
    for (int i = 0; i < __enigma::__vt<R>::N; ++i)                                                 \
      r.__e[i] = __enigma::__comp(va, i) OP __enigma::__comp(vb, i);                               \
    return r;                                                                                      \
  }
ENIGMA_VEC_BOOLOP(==)
ENIGMA_VEC_BOOLOP(!=)
ENIGMA_VEC_BOOLOP(<)
ENIGMA_VEC_BOOLOP(<=)
ENIGMA_VEC_BOOLOP(>)
ENIGMA_VEC_BOOLOP(>=)
ENIGMA_VEC_BOOLOP(&&)
ENIGMA_VEC_BOOLOP(||)
#undef ENIGMA_VEC_BOOLOP

#define ENIGMA_VEC_UNOP(OP, RES)                                                                   \
  template <class A, class R = typename __enigma::__unRes<A>::RES>                                 \
  inline R operator OP(const A &a) {                                                               \
    using T = typename R::__elem;                                                                  \
    const auto &va = __enigma::__asVec(a);                                                         \
    R r;                                                                                           \
    for (int i = 0; i < __enigma::__vt<R>::N; ++i)                                                 \
      r.__e[i] = static_cast<T>(OP va[i]);                                                         \
    return r;                                                                                      \
  }
ENIGMA_VEC_UNOP(-, type)
ENIGMA_VEC_UNOP(+, type)
ENIGMA_VEC_UNOP(~, type)
ENIGMA_VEC_UNOP(!, bools)
#undef ENIGMA_VEC_UNOP

} // namespace __enigma

template <class T, int N> using vec = __enigma::__vec<T, N, false>;

#define ENIGMA_VEC_TYPES(T)                                                                        \
  typedef __enigma::__vec<T, 2, false> T##2;                                                       \
  typedef __enigma::__vec<T, 3, false> T##3;                                                       \
  typedef __enigma::__vec<T, 4, false> T##4;                                                       \
  typedef __enigma::__vec<T, 2, true> packed_##T##2;                                               \
  typedef __enigma::__vec<T, 3, true> packed_##T##3;                                               \
  typedef __enigma::__vec<T, 4, true> packed_##T##4;
ENIGMA_VEC_TYPES(float)
ENIGMA_VEC_TYPES(half)
ENIGMA_VEC_TYPES(bfloat)
ENIGMA_VEC_TYPES(int)
ENIGMA_VEC_TYPES(uint)
ENIGMA_VEC_TYPES(short)
ENIGMA_VEC_TYPES(ushort)
ENIGMA_VEC_TYPES(char)
ENIGMA_VEC_TYPES(uchar)
ENIGMA_VEC_TYPES(long)
ENIGMA_VEC_TYPES(ulong)
ENIGMA_VEC_TYPES(bool)
#undef ENIGMA_VEC_TYPES

/// as_type<T>(x): reinterprets the bits of x (same size required).
template <class To, class From> inline To as_type(const From &from) {
  static_assert(sizeof(To) == sizeof(From),
                "as_type needs source and destination of the same size");
  To to;
  __builtin_memcpy((void *)&to, (const void *)&from, sizeof(To));
  return to;
}

} // namespace metal

#endif // ENIGMA_RUNTIME_METALTYPES_H
