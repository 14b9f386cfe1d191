//===-- enigma/Runtime/MetalAsyncCopyIntrinsics.h - AIR async-copy symbols -*- C++ -*-===//
//
// The definitions of the AIR SIMD-group async-copy intrinsics that MSL declares with
// assembler labels (see MetalAsyncCopy.h for the semantics). The CPU runtime's generated
// launcher includes this header after the kernel's source, only when that source names one of
// the intrinsics ("air.simdgroup_async_copy_..." or "air.wait_simdgroup_events"), so kernels
// without async copies do not compile them.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_RUNTIME_METALASYNCCOPYINTRINSICS_H
#define ENIGMA_RUNTIME_METALASYNCCOPYINTRINSICS_H

#pragma GCC system_header

#include "MetalAsyncCopy.h"

namespace metal {
namespace __enigma {

// The intrinsics. Not inlined: the return address identifies the kernel's call site, so lanes
// at different copies (divergent branches) are different SIMD-group operations.

__attribute__((noinline, weak, used)) ENIGMA_CONVERGENT ::_simdgroup_event_t *
__air_async_copy_1d_d2t(ulong size, ulong, void *dst, const void *src, ulong count) __asm__(
    "air.simdgroup_async_copy_1d.p3i8.p1i8");
__attribute__((noinline, weak, used)) ENIGMA_CONVERGENT ::_simdgroup_event_t *
__air_async_copy_1d_d2t(ulong size, ulong, void *dst, const void *src, ulong count) {
  if (__asyncCopyLeader((uintptr_t)__builtin_return_address(0)) && count)
    __builtin_memmove(dst, src, size * count);
  return __asyncEventHandle();
}

__attribute__((noinline, weak, used)) ENIGMA_CONVERGENT ::_simdgroup_event_t *
__air_async_copy_1d_t2d(ulong size, ulong, void *dst, const void *src, ulong count) __asm__(
    "air.simdgroup_async_copy_1d.p1i8.p3i8");
__attribute__((noinline, weak, used)) ENIGMA_CONVERGENT ::_simdgroup_event_t *
__air_async_copy_1d_t2d(ulong size, ulong, void *dst, const void *src, ulong count) {
  if (__asyncCopyLeader((uintptr_t)__builtin_return_address(0)) && count)
    __builtin_memmove(dst, src, size * count);
  return __asyncEventHandle();
}

__attribute__((noinline, weak, used)) ENIGMA_CONVERGENT ::_simdgroup_event_t *
__air_async_copy_2d_d2t(ulong size, ulong, void *dst, ulong dstPerRow, ulong dstElemStride,
                        ulong2 dstTile, const void *src, ulong srcPerRow, ulong srcElemStride,
                        ulong2 srcTile, long2 offset,
                        int clampMode) __asm__("air.simdgroup_async_copy_2d.p3i8.p1i8");
__attribute__((noinline, weak, used)) ENIGMA_CONVERGENT ::_simdgroup_event_t *
__air_async_copy_2d_d2t(ulong size, ulong, void *dst, ulong dstPerRow, ulong dstElemStride,
                        ulong2 dstTile, const void *src, ulong srcPerRow, ulong srcElemStride,
                        ulong2 srcTile, long2 offset, int clampMode) {
  if (__asyncCopyLeader((uintptr_t)__builtin_return_address(0)))
    __asyncCopy2d(size, static_cast<unsigned char *>(dst), dstPerRow, dstElemStride, dstTile,
                  static_cast<const unsigned char *>(src), srcPerRow, srcElemStride, srcTile,
                  offset, clampMode, /*fill=*/true);
  return __asyncEventHandle();
}

__attribute__((noinline, weak, used)) ENIGMA_CONVERGENT ::_simdgroup_event_t *
__air_async_copy_2d_t2d(ulong size, ulong, void *dst, ulong dstPerRow, ulong dstElemStride,
                        ulong2 dstTile, const void *src, ulong srcPerRow, ulong srcElemStride,
                        ulong2 srcTile, long2 offset,
                        int clampMode) __asm__("air.simdgroup_async_copy_2d.p1i8.p3i8");
__attribute__((noinline, weak, used)) ENIGMA_CONVERGENT ::_simdgroup_event_t *
__air_async_copy_2d_t2d(ulong size, ulong, void *dst, ulong dstPerRow, ulong dstElemStride,
                        ulong2 dstTile, const void *src, ulong srcPerRow, ulong srcElemStride,
                        ulong2 srcTile, long2 offset, int clampMode) {
  if (__asyncCopyLeader((uintptr_t)__builtin_return_address(0)))
    __asyncCopy2d(size, static_cast<unsigned char *>(dst), dstPerRow, dstElemStride, dstTile,
                  static_cast<const unsigned char *>(src), srcPerRow, srcElemStride, srcTile,
                  offset, clampMode, /*fill=*/false);
  return __asyncEventHandle();
}

__attribute__((noinline, weak, used)) ENIGMA_CONVERGENT void
__air_wait_simdgroup_events(int count, ::_simdgroup_event_t **events) __asm__(
    "air.wait_simdgroup_events");
__attribute__((noinline, weak, used)) ENIGMA_CONVERGENT void
__air_wait_simdgroup_events(int count, ::_simdgroup_event_t **events) {
  (void)count;
  (void)events;
  EnigmaCpuGroup *g = __group;
  uint64_t mask = 0;
  g->simdExchange(g, nullptr, 0, (uintptr_t)__builtin_return_address(0), &mask);
  __asm__ __volatile__("" ::: "memory");
}

} // namespace __enigma
} // namespace metal

#endif // ENIGMA_RUNTIME_METALASYNCCOPYINTRINSICS_H
