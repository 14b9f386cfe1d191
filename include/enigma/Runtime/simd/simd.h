//===- simd/simd.h - Apple's simd types for MSL on the CPU ------*- C++ -*-===//
//
// Metal code (shader cross-compilers emit it in every file) includes <simd/simd.h> for the
// simd vector and matrix type names shared with the host: `simd_float4`, `vector_float4`,
// `matrix_float4x4`, `simd::float4`. Here they are the Metal types of <metal_stdlib>.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_RUNTIME_SIMD_SIMD_H
#define ENIGMA_RUNTIME_SIMD_SIMD_H

#include <metal_stdlib>

#define ENIGMA_SIMD_VECTORS(T, S)                                                                  \
  typedef metal::T##2 simd_##S##2;                                                                 \
  typedef metal::T##3 simd_##S##3;                                                                 \
  typedef metal::T##4 simd_##S##4;                                                                 \
  typedef metal::T##2 vector_##S##2;                                                               \
  typedef metal::T##3 vector_##S##3;                                                               \
  typedef metal::T##4 vector_##S##4;                                                               \
  namespace simd {                                                                                 \
  typedef metal::T##2 T##2;                                                                        \
  typedef metal::T##3 T##3;                                                                        \
  typedef metal::T##4 T##4;                                                                        \
  }

ENIGMA_SIMD_VECTORS(float, float)
ENIGMA_SIMD_VECTORS(half, half)
ENIGMA_SIMD_VECTORS(int, int)
ENIGMA_SIMD_VECTORS(uint, uint)
ENIGMA_SIMD_VECTORS(short, short)
ENIGMA_SIMD_VECTORS(ushort, ushort)
ENIGMA_SIMD_VECTORS(char, char)
ENIGMA_SIMD_VECTORS(uchar, uchar)
#undef ENIGMA_SIMD_VECTORS

typedef float simd_float1;
typedef float vector_float1;
typedef int simd_int1;
typedef unsigned int simd_uint1;

#define ENIGMA_SIMD_MATRIX(T, C, R)                                                                \
  typedef metal::T##C##x##R simd_##T##C##x##R;                                                     \
  typedef metal::T##C##x##R matrix_##T##C##x##R;                                                   \
  namespace simd {                                                                                 \
  typedef metal::T##C##x##R T##C##x##R;                                                            \
  }
#define ENIGMA_SIMD_MATRICES(T)                                                                    \
  ENIGMA_SIMD_MATRIX(T, 2, 2)                                                                      \
  ENIGMA_SIMD_MATRIX(T, 2, 3)                                                                      \
  ENIGMA_SIMD_MATRIX(T, 2, 4)                                                                      \
  ENIGMA_SIMD_MATRIX(T, 3, 2)                                                                      \
  ENIGMA_SIMD_MATRIX(T, 3, 3)                                                                      \
  ENIGMA_SIMD_MATRIX(T, 3, 4)                                                                      \
  ENIGMA_SIMD_MATRIX(T, 4, 2)                                                                      \
  ENIGMA_SIMD_MATRIX(T, 4, 3)                                                                      \
  ENIGMA_SIMD_MATRIX(T, 4, 4)
ENIGMA_SIMD_MATRICES(float)
// `half` may be a macro (real address spaces, MetalAddressSpaces.h) that the nested macro
// would expand before pasting.
#pragma push_macro("half")
#undef half
ENIGMA_SIMD_MATRICES(half)
#pragma pop_macro("half")
#undef ENIGMA_SIMD_MATRICES
#undef ENIGMA_SIMD_MATRIX

#endif // ENIGMA_RUNTIME_SIMD_SIMD_H
