//===-- enigma/Runtime/MetalPack.h - MSL pack/unpack functions --*- C++ -*-===//
//
// Metal's <metal_pack>: 32-bit normalized-integer formats to and from float vectors, with the
// conversion rules of the MSL specification (section "Conversion Rules for Normalized Integer
// Pixel Data Types" and the sRGB rules next to it):
//
//   float -> unorm N bits: NaN -> 0, clamp to [0, 1], times 2^N - 1, round to nearest even;
//   float -> snorm N bits: NaN -> 0, clamp to [-1, 1], times 2^(N-1) - 1, round to nearest
//                          even, stored in two's complement;
//   unorm -> float: c / (2^N - 1);  snorm -> float: max(c / (2^(N-1) - 1), -1.0);
//   linear -> sRGB (pack_float_to_srgb_unorm4x8, lanes x, y, z; w stays linear):
//     NaN -> 0; clamp to [0, 1]; c < 0.0031308 ? 12.92 * c : 1.055 * c^(1/2.4) - 0.055;
//   sRGB -> linear (unpack_unorm4x8_srgb_to_float):
//     c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055)^2.4.
//
// Lane 0 goes to the least significant bits. The divisions are correctly rounded and the sRGB
// transfer functions are evaluated in double, so the results are the exactly rounded values
// the specification's formulas define (Metal's GPUs may differ within the spec's tolerance).
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_RUNTIME_METALPACK_H
#define ENIGMA_RUNTIME_METALPACK_H

#pragma GCC system_header

#include "MetalTypes.h"

namespace metal {

namespace __enigma {
/// NaN -> 0, then clamp to [lo, hi].
inline float __packClamp(float x, float lo, float hi) {
  if (x != x)
    return 0.0f;
  return x < lo ? lo : x > hi ? hi : x;
}
/// A float in [0, 1] to an N-bit unorm code (`scale` = 2^N - 1); rint rounds to nearest even.
inline uint __toUnorm(float x, float scale) {
  return (uint)__builtin_rintf(__packClamp(x, 0.0f, 1.0f) * scale);
}
/// A float in [-1, 1] to an N-bit snorm code in the low N bits (`scale` = 2^(N-1) - 1).
inline uint __toSnorm(float x, float scale, uint mask) {
  return (uint)(int)__builtin_rintf(__packClamp(x, -1.0f, 1.0f) * scale) & mask;
}
inline float __fromUnorm(uint code, float scale) { return (float)code / scale; }
/// `code` holds an N-bit two's complement number in its low bits (`bits` = N).
inline float __fromSnorm(uint code, int bits, float scale) {
  int value = (int)(code << (32 - bits)) >> (32 - bits);
  float f = (float)value / scale;
  return f < -1.0f ? -1.0f : f;
}
/// A linear float to the 8-bit code of its sRGB encoding (computed in double, rounded once).
inline uint __toSrgbUnorm8(float x) {
  double c = __packClamp(x, 0.0f, 1.0f);
  c = c < 0.0031308 ? 12.92 * c : 1.055 * __builtin_pow(c, 1.0 / 2.4) - 0.055;
  return (uint)__builtin_rint(c * 255.0);
}
/// The linear value of an 8-bit sRGB code (computed in double, rounded once).
inline float __fromSrgbUnorm8(uint code) {
  double c = (double)code / 255.0;
  return (float)(c <= 0.04045 ? c / 12.92 : __builtin_pow((c + 0.055) / 1.055, 2.4));
}
} // namespace __enigma

inline uint pack_float_to_unorm4x8(float4 v) {
  uint r = 0;
  for (int i = 0; i < 4; ++i)
    r |= __enigma::__toUnorm(v[i], 255.0f) << (8 * i);
  return r;
}
inline uint pack_float_to_snorm4x8(float4 v) {
  uint r = 0;
  for (int i = 0; i < 4; ++i)
    r |= __enigma::__toSnorm(v[i], 127.0f, 0xffu) << (8 * i);
  return r;
}
inline uint pack_float_to_unorm2x16(float2 v) {
  return __enigma::__toUnorm(v[0], 65535.0f) | (__enigma::__toUnorm(v[1], 65535.0f) << 16);
}
inline uint pack_float_to_snorm2x16(float2 v) {
  return __enigma::__toSnorm(v[0], 32767.0f, 0xffffu) |
         (__enigma::__toSnorm(v[1], 32767.0f, 0xffffu) << 16);
}
inline uint pack_float_to_srgb_unorm4x8(float4 v) {
  uint r = 0;
  for (int i = 0; i < 3; ++i)
    r |= __enigma::__toSrgbUnorm8(v[i]) << (8 * i);
  return r | (__enigma::__toUnorm(v[3], 255.0f) << 24);
}
inline uint pack_float_to_unorm10a2(float4 v) {
  return __enigma::__toUnorm(v[0], 1023.0f) | (__enigma::__toUnorm(v[1], 1023.0f) << 10) |
         (__enigma::__toUnorm(v[2], 1023.0f) << 20) | (__enigma::__toUnorm(v[3], 3.0f) << 30);
}

inline float4 unpack_unorm4x8_to_float(uint x) {
  float4 r;
  for (int i = 0; i < 4; ++i)
    r[i] = __enigma::__fromUnorm((x >> (8 * i)) & 0xffu, 255.0f);
  return r;
}
inline float4 unpack_snorm4x8_to_float(uint x) {
  float4 r;
  for (int i = 0; i < 4; ++i)
    r[i] = __enigma::__fromSnorm((x >> (8 * i)) & 0xffu, 8, 127.0f);
  return r;
}
inline float2 unpack_unorm2x16_to_float(uint x) {
  return float2(__enigma::__fromUnorm(x & 0xffffu, 65535.0f),
                __enigma::__fromUnorm(x >> 16, 65535.0f));
}
inline float2 unpack_snorm2x16_to_float(uint x) {
  return float2(__enigma::__fromSnorm(x & 0xffffu, 16, 32767.0f),
                __enigma::__fromSnorm(x >> 16, 16, 32767.0f));
}
inline float4 unpack_unorm4x8_srgb_to_float(uint x) {
  float4 r;
  for (int i = 0; i < 3; ++i)
    r[i] = __enigma::__fromSrgbUnorm8((x >> (8 * i)) & 0xffu);
  r[3] = __enigma::__fromUnorm(x >> 24, 255.0f);
  return r;
}
inline float4 unpack_unorm10a2_to_float(uint x) {
  return float4(__enigma::__fromUnorm(x & 0x3ffu, 1023.0f),
                __enigma::__fromUnorm((x >> 10) & 0x3ffu, 1023.0f),
                __enigma::__fromUnorm((x >> 20) & 0x3ffu, 1023.0f),
                __enigma::__fromUnorm(x >> 30, 3.0f));
}

} // namespace metal

#endif // ENIGMA_RUNTIME_METALPACK_H
