//===-- enigma/Runtime/MetalTypeTraits.h - metal_type_traits, limits, array -*- C++ -*-===//
//
// The parts of Metal's standard library that are C++ library in Metal's own
// namespace, which kernels reach through `using namespace metal;`:
//
//  - <metal_type_traits>: enable_if, conditional, is_same, remove_cv... as in
//    C++17, and the traits Metal extends to its vectors: is_integral,
//    is_floating_point, is_arithmetic, is_signed and is_unsigned hold for a
//    vector when they hold for its element type; is_vector, vec_elements
//    (N for a vector, 0 for anything else), make_scalar (a vector's element
//    type, otherwise the type itself); make_signed / make_unsigned of an
//    integer vector is the vector of the converted element. half and bfloat
//    count as floating-point arithmetic scalars.
//  - <metal_limits>: numeric_limits<T>, C++'s members, for Metal's scalar
//    types including half and bfloat.
//  - <metal_array>: array<T, N> (an aggregate: `array<float, 4> a = {1, 2,
//    3, 4};`, size/max_size/empty, front/back, operator[], data, and begin/end
//    for range-for) and array_ref<T> (a read-only view of an array, a C array
//    or a pointer and a size).
//
// Metal's vectors are clang ext-vector types, ours are class templates
// (MetalTypes.h): is_class is false for them, as in Metal.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_RUNTIME_METALTYPETRAITS_H
#define ENIGMA_RUNTIME_METALTYPETRAITS_H

#pragma GCC system_header

#include "MetalTypes.h"

#include <limits>

namespace metal {

// C++17's traits where Metal's mean the same.
using std::add_const;
using std::add_const_t;
using std::bool_constant;
using std::conditional;
using std::conditional_t;
using std::conjunction;
using std::conjunction_v;
using std::decay;
using std::decay_t;
using std::disjunction;
using std::disjunction_v;
using std::enable_if;
using std::enable_if_t;
using std::false_type;
using std::integral_constant;
using std::is_base_of;
using std::is_base_of_v;
using std::is_const;
using std::is_const_v;
using std::is_convertible;
using std::is_convertible_v;
using std::is_enum;
using std::is_enum_v;
using std::is_pointer;
using std::is_pointer_v;
using std::is_reference;
using std::is_reference_v;
using std::is_void;
using std::is_void_v;
using std::negation;
using std::negation_v;
using std::remove_const;
using std::remove_const_t;
using std::remove_cv;
using std::remove_cv_t;
using std::remove_pointer;
using std::remove_pointer_t;
using std::remove_reference;
using std::remove_reference_t;
using std::remove_volatile;
using std::remove_volatile_t;
using std::true_type;
using std::underlying_type;
using std::underlying_type_t;

namespace __enigma {
/// The scalar a trait looks at: a vector's element type, otherwise the type (cv removed).
template <class T> struct __traitScalar { using type = T; };
template <class T, int N, bool P> struct __traitScalar<__vec<T, N, P>> { using type = T; };
template <class T, int L, unsigned C> struct __traitScalar<__swz<T, L, C>> { using type = T; };
/// T without cv-qualifiers and address space (real address spaces): the classification traits
/// look at the type itself.
template <class T> using __bare_t = std::remove_cv_t<__noAS_t<std::remove_cv_t<T>>>;
template <class T> using __traitScalar_t = typename __traitScalar<__bare_t<T>>::type;

/// Metal gives local variables no address-space qualifier (`thread` is implied); C++ for
/// OpenCL (real address spaces) makes them `__private`, which is_same ignores, so
/// `is_same_v<decltype(local), float>` holds in both modes as in Metal.
template <class T> struct __noPrivate { using type = T; };
#if defined(__OPENCL_CPP_VERSION__)
template <class T> struct __noPrivate<__private T> { using type = T; };
#endif
template <class T> using __noPrivate_t = typename __noPrivate<T>::type;

template <class T> constexpr bool __isHalfOrBfloat =
    std::is_same<T, half>::value || std::is_same<T, bfloat>::value;
template <class T> constexpr bool __floatingScalar =
    std::is_floating_point<T>::value || __isHalfOrBfloat<T>;
} // namespace __enigma

template <class U, class V>
struct is_same : std::is_same<__enigma::__noPrivate_t<U>, __enigma::__noPrivate_t<V>> {};
template <class U, class V> constexpr bool is_same_v = is_same<U, V>::value;

template <class T> struct is_vector : bool_constant<__enigma::__vtOf<T>::isVec> {};
template <class T> constexpr bool is_vector_v = is_vector<T>::value;

template <class T>
struct vec_elements
    : integral_constant<size_t, __enigma::__vtOf<T>::isVec ? (size_t)__enigma::__vtOf<T>::N : 0> {
};

template <class T> struct make_scalar { using type = __enigma::__traitScalar_t<T>; };
template <class T> using make_scalar_t = typename make_scalar<T>::type;

template <class T>
struct is_floating_point : bool_constant<__enigma::__floatingScalar<__enigma::__traitScalar_t<T>>> {
};
template <class T> constexpr bool is_floating_point_v = is_floating_point<T>::value;

template <class T>
struct is_integral : std::is_integral<__enigma::__traitScalar_t<T>> {};
template <class T> constexpr bool is_integral_v = is_integral<T>::value;

template <class T>
struct is_arithmetic : bool_constant<is_integral<T>::value || is_floating_point<T>::value> {};
template <class T> constexpr bool is_arithmetic_v = is_arithmetic<T>::value;

template <class T>
struct is_signed : bool_constant<std::is_signed<__enigma::__traitScalar_t<T>>::value ||
                                 __enigma::__isHalfOrBfloat<__enigma::__traitScalar_t<T>>> {};
template <class T> constexpr bool is_signed_v = is_signed<T>::value;

template <class T> struct is_unsigned : std::is_unsigned<__enigma::__traitScalar_t<T>> {};
template <class T> constexpr bool is_unsigned_v = is_unsigned<T>::value;

/// Scalars (arithmetic types, enums, pointers), not vectors.
template <class T>
struct is_scalar : bool_constant<!__enigma::__vtOf<T>::isVec &&
                                 (std::is_scalar<__enigma::__bare_t<T>>::value ||
                                  __enigma::__isHalfOrBfloat<__enigma::__bare_t<T>>)> {};
template <class T> constexpr bool is_scalar_v = is_scalar<T>::value;

template <class T>
struct is_class : bool_constant<std::is_class<__enigma::__bare_t<T>>::value &&
                                !__enigma::__vtOf<T>::isVec &&
                                !std::is_same<__enigma::__bare_t<T>, bfloat>::value> {};
template <class T> constexpr bool is_class_v = is_class<T>::value;

namespace __enigma {
template <class T, template <class> class F> struct __mapElem { using type = typename F<T>::type; };
template <class T, int N, bool P, template <class> class F> struct __mapElem<__vec<T, N, P>, F> {
  using type = __vec<typename F<T>::type, N, P>;
};
} // namespace __enigma

/// Integer scalars and vectors (a vector keeps its size and packing).
template <class T> struct make_signed {
  using type = typename __enigma::__mapElem<__enigma::__bare_t<T>, std::make_signed>::type;
};
template <class T> using make_signed_t = typename make_signed<T>::type;
template <class T> struct make_unsigned {
  using type = typename __enigma::__mapElem<__enigma::__bare_t<T>, std::make_unsigned>::type;
};
template <class T> using make_unsigned_t = typename make_unsigned<T>::type;

//===-- numeric_limits ----------------------------------------------------===//

template <class T> struct numeric_limits : std::numeric_limits<T> {};
template <class T> struct numeric_limits<const T> : numeric_limits<T> {};
template <class T> struct numeric_limits<volatile T> : numeric_limits<T> {};
template <class T> struct numeric_limits<const volatile T> : numeric_limits<T> {};

namespace __enigma {
/// numeric_limits of a 16-bit binary floating-point type T of `Digits` significand bits (the
/// implicit one included) and exponents [MinExp, MaxExp] in C++'s convention (2^(e-1) normal);
/// values are built from bit patterns by `Make::bits`.
template <class T, class Make, int Digits, int MinExp, int MaxExp, int Digits10, int MaxDigits10,
          int MinExp10, int MaxExp10>
struct __floatLimits {
  using Bits = uint16_t;
  static constexpr bool is_specialized = true;
  static constexpr bool is_signed = true;
  static constexpr bool is_integer = false;
  static constexpr bool is_exact = false;
  static constexpr bool has_infinity = true;
  static constexpr bool has_quiet_NaN = true;
  static constexpr bool has_signaling_NaN = true;
  static constexpr std::float_denorm_style has_denorm = std::denorm_present;
  static constexpr bool has_denorm_loss = false;
  static constexpr std::float_round_style round_style = std::round_to_nearest;
  static constexpr bool is_iec559 = true;
  static constexpr bool is_bounded = true;
  static constexpr bool is_modulo = false;
  static constexpr int digits = Digits;
  static constexpr int digits10 = Digits10;
  static constexpr int max_digits10 = MaxDigits10;
  static constexpr int radix = 2;
  static constexpr int min_exponent = MinExp;
  static constexpr int min_exponent10 = MinExp10;
  static constexpr int max_exponent = MaxExp;
  static constexpr int max_exponent10 = MaxExp10;
  static constexpr bool traps = false;
  static constexpr bool tinyness_before = false;

  // Field layout: 1 sign bit, E exponent bits, Digits - 1 fraction bits.
  static constexpr int __frac = Digits - 1;
  static constexpr Bits __expOne(int e) { return (Bits)((Bits)(e + MaxExp - 1) << __frac); }
  static constexpr T __bits(Bits b) { return Make::bits(b); }

  static constexpr T min() { return __bits(__expOne(MinExp - 1)); }
  static constexpr T max() {
    return __bits((Bits)(__expOne(MaxExp - 1) | (Bits)(((Bits)1 << __frac) - 1)));
  }
  static constexpr T lowest() {
    return __bits((Bits)(__expOne(MaxExp - 1) | (Bits)(((Bits)1 << __frac) - 1) |
                         (Bits)((Bits)1 << (sizeof(Bits) * 8 - 1))));
  }
  static constexpr T epsilon() { return __bits(__expOne(1 - Digits)); }
  static constexpr T round_error() { return __bits(__expOne(-1)); }
  static constexpr T infinity() { return __bits(__expOne(MaxExp)); }
  static constexpr T quiet_NaN() {
    return __bits((Bits)(__expOne(MaxExp) | (Bits)((Bits)1 << (__frac - 1))));
  }
  static constexpr T signaling_NaN() { return __bits((Bits)(__expOne(MaxExp) | (Bits)1)); }
  static constexpr T denorm_min() { return __bits((Bits)1); }
};

struct __halfFromBits {
  static constexpr half bits(uint16_t b) { return __builtin_bit_cast(half, b); }
};
struct __bfloatFromBits {
  static constexpr bfloat bits(uint16_t b) { return bfloat::__fromBits(b); }
};
} // namespace __enigma

// half: 11 significand bits, exponents -13..16.
template <>
struct numeric_limits<half>
    : __enigma::__floatLimits<half, __enigma::__halfFromBits, 11, -13, 16, 3, 5, -4, 4> {};

// bfloat: float's exponents, 8 significand bits.
template <>
struct numeric_limits<bfloat>
    : __enigma::__floatLimits<bfloat, __enigma::__bfloatFromBits, 8, -125, 128, 2, 4, -37, 38> {};

//===-- array, array_ref --------------------------------------------------===//

template <class T, size_t N> struct array {
  T __elems[N ? N : 1];

  constexpr size_t size() const { return N; }
  constexpr size_t max_size() const { return N; }
  constexpr bool empty() const { return N == 0; }
  T &front() { return __elems[0]; }
  constexpr const T &front() const { return __elems[0]; }
  T &back() { return __elems[N - (N != 0)]; }
  constexpr const T &back() const { return __elems[N - (N != 0)]; }
  T &operator[](size_t i) { return __elems[i]; }
  constexpr const T &operator[](size_t i) const { return __elems[i]; }
  T *data() { return __elems; }
  constexpr const T *data() const { return __elems; }
  // Not in Metal's array: range-for over one.
  T *begin() { return __elems; }
  T *end() { return __elems + N; }
  constexpr const T *begin() const { return __elems; }
  constexpr const T *end() const { return __elems + N; }
};

/// A read-only view of contiguous elements.
template <class T> struct array_ref {
  const T *__ptr = nullptr;
  size_t __size = 0;

  constexpr array_ref() = default;
  constexpr array_ref(const T &one) : __ptr(&one), __size(1) {}
  constexpr array_ref(const T *p, size_t n) : __ptr(p), __size(n) {}
  constexpr array_ref(const T *first, const T *last) : __ptr(first), __size((size_t)(last - first)) {}
  // The element type deduced and compared without address space: C++ for OpenCL (real address
  // spaces) gives a local array `__private` elements, which a `const T (&)[N]` does not deduce.
  template <class U, size_t N,
            std::enable_if_t<std::is_same<__enigma::__bare_t<U>, T>::value, int> = 0>
  constexpr array_ref(U (&a)[N]) : __ptr(a), __size(N) {}
  template <size_t N> constexpr array_ref(const array<T, N> &a) : __ptr(a.data()), __size(N) {}

  constexpr size_t size() const { return __size; }
  constexpr bool empty() const { return __size == 0; }
  constexpr const T &front() const { return __ptr[0]; }
  constexpr const T &back() const { return __ptr[__size - 1]; }
  constexpr const T &operator[](size_t i) const { return __ptr[i]; }
  constexpr const T *data() const { return __ptr; }
  constexpr const T *begin() const { return __ptr; }
  constexpr const T *end() const { return __ptr + __size; }
};

} // namespace metal

#endif // ENIGMA_RUNTIME_METALTYPETRAITS_H
