//===-- enigma/Runtime/MetalSimdgroupMatrix.h - simdgroup_matrix -*- C++ -*-===//
//
// simdgroup_matrix<T, Cols, Rows> (simdgroup_float8x8, simdgroup_half8x8,
// simdgroup_bfloat8x8) and simdgroup_load / simdgroup_store /
// simdgroup_multiply(_accumulate) (MSL spec 6.7).
//
// On the GPU the 32 lanes of a SIMD-group each hold 2 of the 64 elements. Here
// every lane holds the whole matrix and performs the whole operation: Metal
// requires these functions to be called by all lanes of the SIMD-group with
// the same arguments, so every lane computes the same result and no exchange
// (no fiber switch) is needed. Stores write identical values once per lane.
// The price is 32x redundant arithmetic, which is what the CPU runtime's GEMM
// benchmark measures.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_RUNTIME_METALSIMDGROUPMATRIX_H
#define ENIGMA_RUNTIME_METALSIMDGROUPMATRIX_H

#pragma GCC system_header

#include "MetalTypes.h"

namespace metal {

template <class T, int Cols, int Rows> struct simdgroup_matrix {
  static_assert(Cols == 8 && Rows == 8, "Metal supports 8x8 SIMD-group matrices only");
  /// Row-major: __m[r][c] is row r, column c.
  T __m[Rows][Cols];

  simdgroup_matrix() = default;
  /// A diagonal matrix with `dval` on the diagonal.
  explicit simdgroup_matrix(T dval) {
    for (int r = 0; r < Rows; ++r)
      for (int c = 0; c < Cols; ++c)
        __m[r][c] = r == c ? dval : T(0);
  }
};
typedef simdgroup_matrix<float, 8, 8> simdgroup_float8x8;
typedef simdgroup_matrix<half, 8, 8> simdgroup_half8x8;
typedef simdgroup_matrix<bfloat, 8, 8> simdgroup_bfloat8x8;

template <class T, int Cols, int Rows>
inline simdgroup_matrix<T, Cols, Rows> make_filled_simdgroup_matrix(T value) {
  simdgroup_matrix<T, Cols, Rows> m;
  for (int r = 0; r < Rows; ++r)
    for (int c = 0; c < Cols; ++c)
      m.__m[r][c] = value;
  return m;
}

/// Element (r, c) comes from src[(origin.y + r) * elements_per_row +
/// origin.x + c], or from src[(origin.y + c) * elements_per_row + origin.x + r]
/// when transposed.
template <class T, int Cols, int Rows, class P>
inline void simdgroup_load(simdgroup_matrix<T, Cols, Rows> &d, const P *src,
                           ulong elements_per_row = Cols, ulong2 matrix_origin = ulong2(0),
                           bool transpose_matrix = false) {
  const P *base = src + matrix_origin.y * elements_per_row + matrix_origin.x;
  if (!transpose_matrix) {
    for (int r = 0; r < Rows; ++r)
      for (int c = 0; c < Cols; ++c)
        d.__m[r][c] = (T)base[r * elements_per_row + c];
  } else {
    for (int r = 0; r < Rows; ++r)
      for (int c = 0; c < Cols; ++c)
        d.__m[r][c] = (T)base[c * elements_per_row + r];
  }
}

template <class T, int Cols, int Rows, class P>
inline void simdgroup_store(const simdgroup_matrix<T, Cols, Rows> &a, P *dst,
                            ulong elements_per_row = Cols, ulong2 matrix_origin = ulong2(0),
                            bool transpose_matrix = false) {
  P *base = dst + matrix_origin.y * elements_per_row + matrix_origin.x;
  if (!transpose_matrix) {
    for (int r = 0; r < Rows; ++r)
      for (int c = 0; c < Cols; ++c)
        base[r * elements_per_row + c] = (P)a.__m[r][c];
  } else {
    for (int r = 0; r < Rows; ++r)
      for (int c = 0; c < Cols; ++c)
        base[c * elements_per_row + r] = (P)a.__m[r][c];
  }
}

namespace __enigma {
/// acc = a * b (+ acc), accumulating in float: the row loop over a's elements
/// times b's rows vectorizes on the host.
template <class TA, class TB, int K, int M, int N, class F> // F: float (in an address space)
inline void __mma(F (&acc)[M][N], const TA (&a)[M][K], const TB (&b)[K][N]) {
  for (int r = 0; r < M; ++r)
    for (int k = 0; k < K; ++k) {
      float av = (float)a[r][k];
      for (int c = 0; c < N; ++c)
        acc[r][c] += av * (float)b[k][c];
    }
}
} // namespace __enigma

/// d = a * b + c. d may be the same object as a, b or c.
template <class TD, class TA, class TB, class TC, int Cols, int Rows, int K>
inline void simdgroup_multiply_accumulate(simdgroup_matrix<TD, Cols, Rows> &d,
                                          const simdgroup_matrix<TA, K, Rows> &a,
                                          const simdgroup_matrix<TB, Cols, K> &b,
                                          const simdgroup_matrix<TC, Cols, Rows> &c) {
  float acc[Rows][Cols];
  for (int r = 0; r < Rows; ++r)
    for (int col = 0; col < Cols; ++col)
      acc[r][col] = (float)c.__m[r][col];
  __enigma::__mma(acc, a.__m, b.__m);
  for (int r = 0; r < Rows; ++r)
    for (int col = 0; col < Cols; ++col)
      d.__m[r][col] = (TD)acc[r][col];
}

/// d = a * b.
template <class TD, class TA, class TB, int Cols, int Rows, int K>
inline void simdgroup_multiply(simdgroup_matrix<TD, Cols, Rows> &d,
                               const simdgroup_matrix<TA, K, Rows> &a,
                               const simdgroup_matrix<TB, Cols, K> &b) {
  float acc[Rows][Cols] = {};
  __enigma::__mma(acc, a.__m, b.__m);
  for (int r = 0; r < Rows; ++r)
    for (int col = 0; col < Cols; ++col)
      d.__m[r][col] = (TD)acc[r][col];
}

template <class T, int Cols, int Rows, int K>
inline simdgroup_matrix<T, Cols, Rows> operator*(const simdgroup_matrix<T, K, Rows> &a,
                                                 const simdgroup_matrix<T, Cols, K> &b) {
  simdgroup_matrix<T, Cols, Rows> d;
  simdgroup_multiply(d, a, b);
  return d;
}

} // namespace metal

#endif // ENIGMA_RUNTIME_METALSIMDGROUPMATRIX_H
