//===-- enigma/Runtime/MetalAsyncCopy.h - SIMD-group async copies -*- C++ -*-===//
//
// Metal's undocumented SIMD-group asynchronous copies, as MSL binds them: functions declared
// with the AIR intrinsics' names as assembler labels,
//
//   thread _simdgroup_event_t* f(ulong, ulong, threadgroup void*, const device void*, ulong)
//       __asm("air.simdgroup_async_copy_1d.p3i8.p1i8");
//
// This header defines those symbols, so such declarations (whatever their C++ names) link to
// them. `threadgroup void*` cannot appear in the declarations here (the runtime maps
// `threadgroup` to `static thread_local`): ENIGMA_AIR_THREADGROUP, which Enigma's MSL uses in
// that position, is defined empty.
//
// Semantics, as on the GPU: a copy is performed once per SIMD-group. The calling lanes meet
// in one SIMD-group exchange at the call site (so every active lane's earlier writes are
// done, as in lockstep execution), then the lowest active lane copies, with its operands
// (Metal requires them to be the same on every lane), before it returns. A wait is an
// exchange too: when it returns, every lane that issued the copy has finished it, so the data
// is visible to the whole SIMD-group. This is right whether one lane or all lanes call it.
// The copy is synchronous here; a program that reads the destination before waiting (a race
// on the GPU) sees the copied data.
//
// 2-D copies: element (r, c) of the source tile (width x height elements, rows
// `elements_per_row` apart) goes to (r, c) of the destination tile. Where the destination
// tile is larger than the source tile, clamp mode 0 writes zeros and 1 repeats the edge
// element (device -> threadgroup only). The element stride (the argument after
// elements_per_row) must be 1 and the offset zero, as in every known use; anything else
// traps.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_RUNTIME_METALASYNCCOPY_H
#define ENIGMA_RUNTIME_METALASYNCCOPY_H

#pragma GCC system_header

#include "MetalSync.h"
#include "MetalTypes.h"

#if ENIGMA_CPU_REAL_ADDRESS_SPACES
#define ENIGMA_AIR_THREADGROUP __local
#else
#define ENIGMA_AIR_THREADGROUP
#endif

/// Opaque in MSL; here the event is the address of a static byte (never dereferenced).
struct _simdgroup_event_t;

namespace metal {
namespace __enigma {

inline char __asyncEvent;

/// Meets the other active lanes calling from the same site (identified by `site`, the return
/// address in the kernel) and returns whether the caller is the lowest active lane.
__attribute__((noinline)) inline bool __asyncCopyLeader(uintptr_t site) {
  EnigmaCpuGroup *g = __group;
  uint64_t mask = 0;
  g->simdExchange(g, nullptr, 0, site, &mask);
  __asm__ __volatile__("" ::: "memory");
  uint lane = __lane();
  uint64_t below = lane ? (mask & ((1ull << lane) - 1)) : 0;
  return below == 0;
}

inline ::_simdgroup_event_t *__asyncEventHandle() {
  return reinterpret_cast<::_simdgroup_event_t *>(&__asyncEvent);
}

inline void __asyncCopy2d(ulong size, unsigned char *dst, ulong dstPerRow, ulong dstElemStride,
                          ulong2 dstTile, const unsigned char *src, ulong srcPerRow,
                          ulong srcElemStride, ulong2 srcTile, long2 offset, int clampMode,
                          bool fill) {
  if (dstElemStride != 1 || srcElemStride != 1 || offset.x != 0 || offset.y != 0 ||
      (clampMode != 0 && clampMode != 1))
    __builtin_trap();
  for (ulong r = 0; r < dstTile.y; ++r) {
    for (ulong c = 0; c < dstTile.x; ++c) {
      unsigned char *to = dst + (r * dstPerRow + c) * size;
      bool inside = r < srcTile.y && c < srcTile.x;
      if (inside) {
        __builtin_memcpy(to, src + (r * srcPerRow + c) * size, size);
      } else if (fill) {
        if (clampMode == 0 || srcTile.x == 0 || srcTile.y == 0) {
          __builtin_memset(to, 0, size);
        } else {
          ulong rr = r < srcTile.y ? r : srcTile.y - 1;
          ulong cc = c < srcTile.x ? c : srcTile.x - 1;
          __builtin_memcpy(to, src + (rr * srcPerRow + cc) * size, size);
        }
      }
    }
  }
}

// The intrinsics themselves are defined in MetalAsyncCopyIntrinsics.h, which the CPU runtime's
// launcher includes only for kernels that use them: as `used` functions they would otherwise
// be compiled into every kernel (a quarter of a small kernel's optimization time).

} // namespace __enigma
} // namespace metal

#endif // ENIGMA_RUNTIME_METALASYNCCOPY_H
