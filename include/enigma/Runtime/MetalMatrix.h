//===-- enigma/Runtime/MetalMatrix.h - MSL matrix types ---------*- C++ -*-===//
//
// Metal's matrices floatCxR and halfCxR (C, R in 2..4): C columns, each a vector of R
// elements, column-major, as in MSL spec 2.3 ("Matrix Data Types"). Layout matches Metal:
// an array of C column vectors, so float3x3 has 3 float3 columns of 16 bytes each.
//
//   floatCxR(s)                  diagonal: s on the diagonal, 0 elsewhere
//   floatCxR(col0, ..., colC-1)  from C column vectors of R elements
//   floatCxR(s0, ..., sC*R-1)    from C*R scalars in column-major order
//   m[i]                         column i (a reference), m[i][j] row j of column i
//   + - (matrices of the same type), * by a scalar,
//   m * m (linear algebra: KxR * CxK -> CxR), m * v (column vector), v * m (row vector)
//   == !=, transpose(m), determinant(m) (square matrices)
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_RUNTIME_METALMATRIX_H
#define ENIGMA_RUNTIME_METALMATRIX_H

#pragma GCC system_header

#include "MetalTypes.h"

namespace metal {
namespace __enigma {

/// Whether every V is a vector (or swizzle) of R elements.
template <int R, class... V>
constexpr bool __areColumns = (... && (__isVecV<V> && __vtOf<V>::N == R));

template <class T, int C, int R> struct __mat {
  static_assert(C >= 2 && C <= 4 && R >= 2 && R <= 4,
                "Metal matrices have 2 to 4 columns and rows");
  using __elem = T;
  using __column = __vec<T, R, false>;
  __column __c[C];

  __mat() = default;

  /// Diagonal: float3x3(1.0f) is the identity.
  template <class S, __enableIf<__isScalarV<S>> = 0> explicit __mat(S s) {
    for (int c = 0; c < C; ++c)
      for (int r = 0; r < R; ++r)
        __c[c][r] = c == r ? static_cast<T>(s) : T(0);
  }

  /// From C column vectors of R elements.
  template <class... V, __enableIf<sizeof...(V) == C && __areColumns<R, V...>> = 0>
  __mat(const V &...columns) {
    int c = 0;
    ((__c[c++] = __column(columns)), ...);
  }

  /// From C*R scalars in column-major order.
  template <class... S, __enableIf<sizeof...(S) == C * R && (... && __isScalarV<S>)> = 0>
  __mat(S... scalars) {
    const T values[] = {static_cast<T>(scalars)...};
    for (int c = 0; c < C; ++c)
      for (int r = 0; r < R; ++r)
        __c[c][r] = values[c * R + r];
  }

  /// Element type conversion is explicit: float2x2(half2x2(...)).
  template <class U, __enableIf<!std::is_same<U, T>::value> = 0>
  explicit __mat(const __mat<U, C, R> &other) {
    for (int c = 0; c < C; ++c)
      __c[c] = __column(other.__c[c]);
  }

  __column &operator[](int i) { return __c[i]; }
  const __column &operator[](int i) const { return __c[i]; }

  __mat &operator+=(const __mat &o) { return *this = *this + o; }
  __mat &operator-=(const __mat &o) { return *this = *this - o; }
  template <class S, __enableIf<__isScalarV<S>> = 0> __mat &operator*=(S s) {
    return *this = *this * s;
  }
  /// m *= m2 (square right-hand side): the linear-algebra product.
  __mat &operator*=(const __mat<T, C, C> &o) { return *this = *this * o; }
};

template <class X> struct __isMat : std::false_type {};
template <class T, int C, int R> struct __isMat<__mat<T, C, R>> : std::true_type {};

template <class T, int C, int R>
inline __mat<T, C, R> operator+(const __mat<T, C, R> &a, const __mat<T, C, R> &b) {
  __mat<T, C, R> m;
  for (int c = 0; c < C; ++c)
    m.__c[c] = a.__c[c] + b.__c[c];
  return m;
}
template <class T, int C, int R>
inline __mat<T, C, R> operator-(const __mat<T, C, R> &a, const __mat<T, C, R> &b) {
  __mat<T, C, R> m;
  for (int c = 0; c < C; ++c)
    m.__c[c] = a.__c[c] - b.__c[c];
  return m;
}
template <class T, int C, int R> inline __mat<T, C, R> operator-(const __mat<T, C, R> &a) {
  __mat<T, C, R> m;
  for (int c = 0; c < C; ++c)
    m.__c[c] = -a.__c[c];
  return m;
}
template <class T, int C, int R> inline __mat<T, C, R> operator+(const __mat<T, C, R> &a) {
  return a;
}

template <class T, int C, int R, class S, __enableIf<__isScalarV<S>> = 0>
inline __mat<T, C, R> operator*(const __mat<T, C, R> &a, S s) {
  __mat<T, C, R> m;
  for (int c = 0; c < C; ++c)
    for (int r = 0; r < R; ++r)
      m.__c[c][r] = static_cast<T>(a.__c[c][r] * static_cast<T>(s));
  return m;
}
template <class T, int C, int R, class S, __enableIf<__isScalarV<S>> = 0>
inline __mat<T, C, R> operator*(S s, const __mat<T, C, R> &a) {
  __mat<T, C, R> m;
  for (int c = 0; c < C; ++c)
    for (int r = 0; r < R; ++r)
      m.__c[c][r] = static_cast<T>(static_cast<T>(s) * a.__c[c][r]);
  return m;
}

/// KxR * CxK -> CxR: column c of the product is a applied to column c of b.
template <class T, int K, int R, int C>
inline __mat<T, C, R> operator*(const __mat<T, K, R> &a, const __mat<T, C, K> &b) {
  __mat<T, C, R> m;
  for (int c = 0; c < C; ++c)
    for (int r = 0; r < R; ++r) {
      T sum = T(0);
      for (int k = 0; k < K; ++k)
        sum = static_cast<T>(sum + a.__c[k][r] * b.__c[c][k]);
      m.__c[c][r] = sum;
    }
  return m;
}

/// CxR * (vector of C) -> vector of R: the combination of the columns.
template <class T, int C, int R, class V,
          __enableIf<__isVecV<V> && __vtOf<V>::N == C &&
                     std::is_same<typename __vtOf<V>::Elem, T>::value> = 0>
inline __vec<T, R, false> operator*(const __mat<T, C, R> &a, const V &v) {
  __vec<T, R, false> out;
  for (int r = 0; r < R; ++r) {
    T sum = T(0);
    for (int c = 0; c < C; ++c)
      sum = static_cast<T>(sum + a.__c[c][r] * v[c]);
    out[r] = sum;
  }
  return out;
}

/// (vector of R) * CxR -> vector of C: element c is the dot product with column c.
template <class T, int C, int R, class V,
          __enableIf<__isVecV<V> && __vtOf<V>::N == R &&
                     std::is_same<typename __vtOf<V>::Elem, T>::value> = 0>
inline __vec<T, C, false> operator*(const V &v, const __mat<T, C, R> &a) {
  __vec<T, C, false> out;
  for (int c = 0; c < C; ++c) {
    T sum = T(0);
    for (int r = 0; r < R; ++r)
      sum = static_cast<T>(sum + v[r] * a.__c[c][r]);
    out[c] = sum;
  }
  return out;
}

template <class T, int C, int R>
inline bool operator==(const __mat<T, C, R> &a, const __mat<T, C, R> &b) {
  for (int c = 0; c < C; ++c)
    for (int r = 0; r < R; ++r)
      if (!(a.__c[c][r] == b.__c[c][r]))
        return false;
  return true;
}
template <class T, int C, int R>
inline bool operator!=(const __mat<T, C, R> &a, const __mat<T, C, R> &b) {
  return !(a == b);
}

template <class T> inline T __det2(T a, T b, T c, T d) { return a * d - b * c; }

} // namespace __enigma

template <class T, int C, int R>
inline __enigma::__mat<T, R, C> transpose(const __enigma::__mat<T, C, R> &m) {
  __enigma::__mat<T, R, C> t;
  for (int c = 0; c < C; ++c)
    for (int r = 0; r < R; ++r)
      t.__c[r][c] = m.__c[c][r];
  return t;
}

/// Computed in float (double for float matrices) and rounded once.
template <class T> inline T determinant(const __enigma::__mat<T, 2, 2> &m) {
  using W = std::conditional_t<std::is_same<T, float>::value, double, float>;
  return static_cast<T>(__enigma::__det2<W>(m[0][0], m[1][0], m[0][1], m[1][1]));
}
template <class T> inline T determinant(const __enigma::__mat<T, 3, 3> &m) {
  using W = std::conditional_t<std::is_same<T, float>::value, double, float>;
  W a[3][3];
  for (int c = 0; c < 3; ++c)
    for (int r = 0; r < 3; ++r)
      a[r][c] = static_cast<W>(m[c][r]);
  return static_cast<T>(a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
                        a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
                        a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]));
}
template <class T> inline T determinant(const __enigma::__mat<T, 4, 4> &m) {
  using W = std::conditional_t<std::is_same<T, float>::value, double, float>;
  W a[4][4];
  for (int c = 0; c < 4; ++c)
    for (int r = 0; r < 4; ++r)
      a[r][c] = static_cast<W>(m[c][r]);
  // Laplace expansion along the first row with 2x2 minors of the last two rows.
  W s0 = a[2][0] * a[3][1] - a[2][1] * a[3][0];
  W s1 = a[2][0] * a[3][2] - a[2][2] * a[3][0];
  W s2 = a[2][0] * a[3][3] - a[2][3] * a[3][0];
  W s3 = a[2][1] * a[3][2] - a[2][2] * a[3][1];
  W s4 = a[2][1] * a[3][3] - a[2][3] * a[3][1];
  W s5 = a[2][2] * a[3][3] - a[2][3] * a[3][2];
  W c0 = a[1][1] * s5 - a[1][2] * s4 + a[1][3] * s3;
  W c1 = a[1][0] * s5 - a[1][2] * s2 + a[1][3] * s1;
  W c2 = a[1][0] * s4 - a[1][1] * s2 + a[1][3] * s0;
  W c3 = a[1][0] * s3 - a[1][1] * s1 + a[1][2] * s0;
  return static_cast<T>(a[0][0] * c0 - a[0][1] * c1 + a[0][2] * c2 - a[0][3] * c3);
}

#define ENIGMA_MATRIX_TYPES(T)                                                                     \
  typedef __enigma::__mat<T, 2, 2> T##2x2;                                                         \
  typedef __enigma::__mat<T, 2, 3> T##2x3;                                                         \
  typedef __enigma::__mat<T, 2, 4> T##2x4;                                                         \
  typedef __enigma::__mat<T, 3, 2> T##3x2;                                                         \
  typedef __enigma::__mat<T, 3, 3> T##3x3;                                                         \
  typedef __enigma::__mat<T, 3, 4> T##3x4;                                                         \
  typedef __enigma::__mat<T, 4, 2> T##4x2;                                                         \
  typedef __enigma::__mat<T, 4, 3> T##4x3;                                                         \
  typedef __enigma::__mat<T, 4, 4> T##4x4;
ENIGMA_MATRIX_TYPES(float)
ENIGMA_MATRIX_TYPES(half)
#undef ENIGMA_MATRIX_TYPES

} // namespace metal

#endif // ENIGMA_RUNTIME_METALMATRIX_H
