//===-- enigma/Runtime/MetalSimdgroupMatrix.h - simdgroup_matrix -*- C++ -*-===//
//
// simdgroup_matrix<T, Cols, Rows> (simdgroup_float8x8, simdgroup_half8x8,
// simdgroup_bfloat8x8) and simdgroup_load / simdgroup_store /
// simdgroup_multiply(_accumulate) (MSL spec 6.7).
//
// On the GPU the 32 lanes of a SIMD-group each hold 2 of the 64 elements. Here
// a matrix object holds the whole matrix, and one lane of the SIMD-group, its
// leader, computes it for all: Metal requires these functions to be called by
// all lanes of the SIMD-group with the same arguments, and the only way a
// matrix's elements leave it is simdgroup_store (thread_elements() is not
// provided), which would store identical values from every lane. So the
// leader performs every load, multiply and store, whole, and the other lanes
// skip them (their matrix objects are never read): no exchange, no fiber
// switch, and no 32x redundant arithmetic. The leader is the first lane of
// the SIMD-group to call one of them in the threadgroup (lane 0, unless lanes
// before it returned first): lanes that exited before the matrix work do not
// matter, and a leader that calls one performs all of them under Metal's rule.
// A kernel that calls them from divergent control flow, which Metal leaves
// undefined, gets the leader's results. The leader's loads and stores are the
// ones bounds-checked and race-checked.
//
// A kernel that names thread_elements() is compiled with ENIGMA_CPU_MATRIX_ELEMENTS
// (HostCompiler.c), where every lane's matrix object holds its own two elements
// as on the GPU (lane l: row (l / 4 & 4) + (l / 2) % 4, columns c and c + 1 with
// c = (l / 4 & 2) * 2 + (l % 2) * 2, Apple's layout), which thread_elements()
// returns as a vec<T, 2>: every lane loads whole matrices; the operands of a
// multiply or a store are first gathered from their owners (one SIMD-group
// exchange), so elements written through thread_elements() count; a product is
// computed once, by the first lane to resume, and copied by the others.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_RUNTIME_METALSIMDGROUPMATRIX_H
#define ENIGMA_RUNTIME_METALSIMDGROUPMATRIX_H

#pragma GCC system_header

#include "MetalSync.h"
#include "MetalTypes.h"

namespace metal {

namespace __enigma {
/// Whether the calling lane performs the SIMD-group's matrix operations for all its lanes:
/// the first lane to get here in the threadgroup becomes the leader.
ENIGMA_INLINE bool __matrixLeader() {
  EnigmaCpuGroup *g = __group;
  uint32_t t = g->current;
  uint32_t lane = t % ENIGMA_CPU_SIMD_WIDTH;
  uint32_t &leader = g->matrixLeader[t / ENIGMA_CPU_SIMD_WIDTH];
  if (__builtin_expect(leader == ~0u, 0))
    leader = lane;
  return leader == lane;
}
} // namespace __enigma

#ifdef ENIGMA_CPU_MATRIX_ELEMENTS
namespace __enigma {
/// The two elements lane `l` holds on Apple GPUs: (r, c) and (r, c + 1).
ENIGMA_INLINE void __ownedElements(uint l, int &r, int &c) {
  uint q = l / 4;
  r = int((q & 4) + (l / 2) % 4);
  c = int((q & 2) * 2 + (l % 2) * 2);
}
} // namespace __enigma
#endif

template <class T, int Cols, int Rows> struct simdgroup_matrix {
  static_assert(Cols == 8 && Rows == 8, "Metal supports 8x8 SIMD-group matrices only");
  /// Row-major: __m[r][c] is row r, column c.
  alignas(2 * sizeof(T)) T __m[Rows][Cols];

#ifdef ENIGMA_CPU_MATRIX_ELEMENTS
  /// This lane's two elements (see the top of this file).
  vec<T, 2> &thread_elements() {
    int r, c;
    __enigma::__ownedElements(__enigma::__lane(), r, c);
    return *reinterpret_cast<vec<T, 2> *>(&__m[r][c]);
  }
  const vec<T, 2> &thread_elements() const {
    int r, c;
    __enigma::__ownedElements(__enigma::__lane(), r, c);
    return *reinterpret_cast<const vec<T, 2> *>(&__m[r][c]);
  }
#endif

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

#ifdef ENIGMA_CPU_MATRIX_ELEMENTS
namespace __enigma {
template <class T, int C, int R>
ENIGMA_INLINE void __getOwned(const simdgroup_matrix<T, C, R> &m, int r, int c, float *v) {
  v[0] = (float)m.__m[r][c];
  v[1] = (float)m.__m[r][c + 1];
}
template <class T, int C, int R>
ENIGMA_INLINE void __putOwned(simdgroup_matrix<T, C, R> &m, int r, int c, const float *v) {
  m.__m[r][c] = T(v[0]);
  m.__m[r][c + 1] = T(v[1]);
}
/// Publishes the elements the caller owns of up to three matrices (as float, exactly: half and
/// bfloat convert both ways without rounding) in one SIMD-group exchange; returns its slots.
template <class... M> ENIGMA_INLINE const unsigned char *__publishOwned(uint64_t *mask, M &...m) {
  static_assert(sizeof...(M) <= 3, "at most three matrices per exchange");
  float mine[2 * sizeof...(M)];
  int r, c, k = 0;
  __ownedElements(__lane(), r, c);
  (__getOwned(m, r, c, mine + 2 * k++), ...);
  return __exchange(mine, sizeof(mine), mask);
}
/// Makes the caller's copies whole: every element from its owner's published value (the copy's
/// own value for a lane that has exited).
template <class... M>
ENIGMA_INLINE void __fillFromOwners(const unsigned char *s, uint64_t mask, M &...m) {
  for (uint l = 0; l < ENIGMA_CPU_SIMD_WIDTH; ++l) {
    if (!((mask >> l) & 1u))
      continue;
    float v[2 * sizeof...(M)];
    __builtin_memcpy((void *)v, s + l * ENIGMA_CPU_SIMD_SLOT_BYTES, sizeof(v));
    int rr, cc, k = 0;
    __ownedElements(l, rr, cc);
    (__putOwned(m, rr, cc, v + 2 * k++), ...);
  }
}
} // namespace __enigma
#endif

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
#ifndef ENIGMA_CPU_MATRIX_ELEMENTS
  if (!__enigma::__matrixLeader())
    return;
#endif
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
#ifdef ENIGMA_CPU_MATRIX_ELEMENTS
  // The leader stores the elements gathered from their owners.
  simdgroup_matrix<T, Cols, Rows> whole = a;
  uint64_t mask;
  const unsigned char *s = __enigma::__publishOwned(&mask, whole);
  if (!__enigma::__matrixLeader())
    return;
  __enigma::__fillFromOwners(s, mask, whole);
  const simdgroup_matrix<T, Cols, Rows> &src = whole;
#else
  if (!__enigma::__matrixLeader())
    return;
  const simdgroup_matrix<T, Cols, Rows> &src = a;
#endif
  P *base = dst + matrix_origin.y * elements_per_row + matrix_origin.x;
  if (!transpose_matrix) {
    for (int r = 0; r < Rows; ++r)
      for (int c = 0; c < Cols; ++c)
        base[r * elements_per_row + c] = (P)src.__m[r][c];
  } else {
    for (int r = 0; r < Rows; ++r)
      for (int c = 0; c < Cols; ++c)
        base[c * elements_per_row + r] = (P)src.__m[r][c];
  }
}

namespace __enigma {
/// acc = a * b (+ acc), accumulating in float. Every element adds its K products in order
/// k = 0, 1, ... (one fused multiply-add each, as `acc += a * b` contracts), with the rows of acc
/// and b in host vectors: k outer, rows inner, so the M accumulations are independent chains.
/// 30x faster than a row at a time, which waited on each addition and kept acc in memory.
#ifdef __clang__
#define __ENIGMA_UNROLL_FULL _Pragma("clang loop unroll(full)")
#else
#define __ENIGMA_UNROLL_FULL
#endif
template <class TA, class TB, int K, int M, int N, class F> // F: float (in an address space)
inline void __mma(F (&acc)[M][N], const TA (&a)[M][K], const TB (&b)[K][N]) {
  typedef float __row __attribute__((vector_size(N * sizeof(float))));
  __row bk[K], ac[M];
  __ENIGMA_UNROLL_FULL
  for (int k = 0; k < K; ++k)
    __ENIGMA_UNROLL_FULL
    for (int c = 0; c < N; ++c)
      bk[k][c] = (float)b[k][c];
  __builtin_memcpy((void *)ac, (const void *)acc, sizeof(ac));
  __ENIGMA_UNROLL_FULL
  for (int k = 0; k < K; ++k)
    __ENIGMA_UNROLL_FULL
    for (int r = 0; r < M; ++r)
      ac[r] += (float)a[r][k] * bk[k];
  __builtin_memcpy((void *)acc, (const void *)ac, sizeof(ac));
}
} // namespace __enigma

/// d = a * b + c. d may be the same object as a, b or c.
template <class TD, class TA, class TB, class TC, int Cols, int Rows, int K>
inline void simdgroup_multiply_accumulate(simdgroup_matrix<TD, Cols, Rows> &d,
                                          const simdgroup_matrix<TA, K, Rows> &a_,
                                          const simdgroup_matrix<TB, Cols, K> &b_,
                                          const simdgroup_matrix<TC, Cols, Rows> &c_) {
#ifdef ENIGMA_CPU_MATRIX_ELEMENTS
  // The operands gathered from their owners; the first lane to resume computes the whole
  // result into the exchange's shared area, and every lane copies it.
  simdgroup_matrix<TA, K, Rows> a = a_;
  simdgroup_matrix<TB, Cols, K> b = b_;
  simdgroup_matrix<TC, Cols, Rows> c = c_;
  uint64_t mask;
  const unsigned char *s = __enigma::__publishOwned(&mask, a, b, c);
  uint32_t *flag = __enigma::__sharedFlag(s);
  float acc[Rows][Cols];
  if (!*flag) {
    __enigma::__fillFromOwners(s, mask, a, b, c);
    for (int r = 0; r < Rows; ++r)
      for (int col = 0; col < Cols; ++col)
        acc[r][col] = (float)c.__m[r][col];
    __enigma::__mma(acc, a.__m, b.__m);
    __builtin_memcpy((void *)__enigma::__sharedSlots(s), (const void *)acc, sizeof(acc));
    *flag = 1;
  } else {
    __builtin_memcpy((void *)acc, (const void *)__enigma::__sharedSlots(s), sizeof(acc));
  }
#else
  if (!__enigma::__matrixLeader())
    return;
  const simdgroup_matrix<TA, K, Rows> &a = a_;
  const simdgroup_matrix<TB, Cols, K> &b = b_;
  const simdgroup_matrix<TC, Cols, Rows> &c = c_;
  float acc[Rows][Cols];
  for (int r = 0; r < Rows; ++r)
    for (int col = 0; col < Cols; ++col)
      acc[r][col] = (float)c.__m[r][col];
  __enigma::__mma(acc, a.__m, b.__m);
#endif
  for (int r = 0; r < Rows; ++r)
    for (int col = 0; col < Cols; ++col)
      d.__m[r][col] = (TD)acc[r][col];
}

/// d = a * b.
template <class TD, class TA, class TB, int Cols, int Rows, int K>
inline void simdgroup_multiply(simdgroup_matrix<TD, Cols, Rows> &d,
                               const simdgroup_matrix<TA, K, Rows> &a_,
                               const simdgroup_matrix<TB, Cols, K> &b_) {
#ifdef ENIGMA_CPU_MATRIX_ELEMENTS
  // As simdgroup_multiply_accumulate.
  simdgroup_matrix<TA, K, Rows> a = a_;
  simdgroup_matrix<TB, Cols, K> b = b_;
  uint64_t mask;
  const unsigned char *s = __enigma::__publishOwned(&mask, a, b);
  uint32_t *flag = __enigma::__sharedFlag(s);
  float acc[Rows][Cols] = {};
  if (!*flag) {
    __enigma::__fillFromOwners(s, mask, a, b);
    __enigma::__mma(acc, a.__m, b.__m);
    __builtin_memcpy((void *)__enigma::__sharedSlots(s), (const void *)acc, sizeof(acc));
    *flag = 1;
  } else {
    __builtin_memcpy((void *)acc, (const void *)__enigma::__sharedSlots(s), sizeof(acc));
  }
#else
  if (!__enigma::__matrixLeader())
    return;
  const simdgroup_matrix<TA, K, Rows> &a = a_;
  const simdgroup_matrix<TB, Cols, K> &b = b_;
  float acc[Rows][Cols] = {};
  __enigma::__mma(acc, a.__m, b.__m);
#endif
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
