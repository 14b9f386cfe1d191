//===-- enigma/Runtime/MetalLaunch.h - Kernel launcher support --*- C++ -*-===//
//
// What the launcher the CPU runtime generates for each kernel uses: it walks
// the threads of a threadgroup computing Metal's builtin values, and converts
// the scheduler's untyped argument pointers into the kernel's parameter types
// (deduced from the kernel function itself, so the launcher never spells an
// MSL type).
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_RUNTIME_METALLAUNCH_H
#define ENIGMA_RUNTIME_METALLAUNCH_H

#pragma GCC system_header

#include "MetalSync.h"

namespace metal {
namespace __enigma {

template <size_t I, class... Ts> struct __nth;
template <class T, class... Ts> struct __nth<0, T, Ts...> { using type = T; };
template <size_t I, class T, class... Ts> struct __nth<I, T, Ts...> : __nth<I - 1, Ts...> {};

/// Type of parameter I of the kernel function type F.
template <class F, size_t I> struct __param;
template <class R, class... A, size_t I> struct __param<R (*)(A...), I> {
  using type = typename __nth<I, A...>::type;
};
// C++ for OpenCL matches no class template pattern `R (*)(A...)` (the function type works), but
// deduces a function template's.
template <class R, class... A, size_t I> struct __param<R(A...), I> {
  using type = typename __nth<I, A...>::type;
};
template <class R, class... A> struct __fnType { using type = R(A...); };
template <class R, class... A> __fnType<R, A...> __fnTypeOf(R (*)(A...));
template <class F, size_t I>
using __param_t = typename __param<typename decltype(__fnTypeOf((F) nullptr))::type, I>::type;

/// A `device T*` / `constant T*` buffer or a `constant T&` scalar from the
/// pointer the scheduler passes.
template <class P> inline P __bufferArg(void *p) {
  // C-style casts: C++ for OpenCL (real address spaces) allows no reinterpret_cast from the
  // generic address space to `device` or `constant`.
  if constexpr (std::is_pointer<P>::value)
    return (P)(p);
  else if constexpr (std::is_reference<P>::value)
    return *(std::remove_reference_t<P> *)(p);
  else
    return *(std::remove_cv_t<P> *)(p);
}

/// A builtin parameter (uint, ushort, uint2, ushort3 ...) from a uint3.
template <class P> inline P __builtinArg(uint3 v) {
  using Q = std::remove_cv_t<std::remove_reference_t<P>>;
  if constexpr (std::is_same<Q, uint3>::value) {
    return v; // the usual case, without instantiating the element loop (3 ms of a compile)
  } else if constexpr (__isVecV<Q>) {
    Q q;
    for (int i = 0; i < __vt<Q>::N; ++i)
      q[i] = (typename __vt<Q>::Elem)v[i];
    return q;
  } else {
    return (Q)v.x;
  }
}

/// Size and alignment of what parameter type P points or refers to.
template <class P> constexpr EnigmaCpuParamLayout __layoutOf(bool builtin) {
  if (builtin)
    return {0, 0};
  using Q = std::conditional_t<std::is_pointer<P>::value, std::remove_pointer_t<P>,
                               std::remove_reference_t<P>>;
  if constexpr (std::is_void<std::remove_cv_t<Q>>::value)
    return {1, 1};
  else
    return {(uint32_t)sizeof(Q), (uint32_t)alignof(Q)};
}

/// Walks threads [first, end) of the threadgroup in thread_index order and
/// answers the builtin attributes for the current one.
class __threadIter {
public:
  __threadIter(EnigmaCpuGroup *g, uint32_t first) : g(g), index(first) {
    __group = g;
    g->current = first;
    uint32_t sx = g->threadsPerThreadgroup[0], sy = g->threadsPerThreadgroup[1];
    lx = first % sx;
    ly = (first / sx) % sy;
    lz = first / (sx * sy);
  }
  /// Advances; false once past `end` or when the scheduler took over.
  bool next(uint32_t end) {
    if (g->stopSequential || ++index >= end)
      return false;
    if (++lx == g->threadsPerThreadgroup[0]) {
      lx = 0;
      if (++ly == g->threadsPerThreadgroup[1]) {
        ly = 0;
        ++lz;
      }
    }
    g->current = index;
    return true;
  }

  static uint3 __u3(const uint32_t (&v)[3]) { return uint3(v[0], v[1], v[2]); }
  static uint3 __u1(uint32_t v) { return uint3(v, 0, 0); }
  static uint32_t __ceil(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

  uint3 thread_position_in_threadgroup() const { return uint3(lx, ly, lz); }
  uint3 threadgroup_position_in_grid() const { return __u3(g->threadgroupPositionInGrid); }
  uint3 thread_position_in_grid() const {
    return uint3(g->threadgroupPositionInGrid[0] * g->dispatchThreadsPerThreadgroup[0] + lx,
                 g->threadgroupPositionInGrid[1] * g->dispatchThreadsPerThreadgroup[1] + ly,
                 g->threadgroupPositionInGrid[2] * g->dispatchThreadsPerThreadgroup[2] + lz);
  }
  uint3 threads_per_threadgroup() const { return __u3(g->threadsPerThreadgroup); }
  uint3 dispatch_threads_per_threadgroup() const { return __u3(g->dispatchThreadsPerThreadgroup); }
  uint3 threadgroups_per_grid() const { return __u3(g->threadgroupsPerGrid); }
  uint3 threads_per_grid() const { return __u3(g->threadsPerGrid); }
  uint3 grid_size() const { return __u3(g->threadsPerGrid); }
  uint3 grid_origin() const { return uint3(0u); }
  uint3 thread_index_in_threadgroup() const { return __u1(index); }
  uint3 thread_index_in_simdgroup() const { return __u1(index % ENIGMA_CPU_SIMD_WIDTH); }
  uint3 simdgroup_index_in_threadgroup() const { return __u1(index / ENIGMA_CPU_SIMD_WIDTH); }
  uint3 threads_per_simdgroup() const { return __u1(ENIGMA_CPU_SIMD_WIDTH); }
  uint3 thread_execution_width() const { return __u1(ENIGMA_CPU_SIMD_WIDTH); }
  uint3 simdgroups_per_threadgroup() const {
    return __u1(__ceil(g->threadCount, ENIGMA_CPU_SIMD_WIDTH));
  }
  uint3 dispatch_simdgroups_per_threadgroup() const {
    return __u1(__ceil(__dispatchCount(), ENIGMA_CPU_SIMD_WIDTH));
  }
  uint3 thread_index_in_quadgroup() const { return __u1(index % 4u); }
  uint3 quadgroup_index_in_threadgroup() const { return __u1(index / 4u); }
  uint3 quadgroups_per_threadgroup() const { return __u1(__ceil(g->threadCount, 4u)); }
  uint3 dispatch_quadgroups_per_threadgroup() const { return __u1(__ceil(__dispatchCount(), 4u)); }

private:
  uint32_t __dispatchCount() const {
    return g->dispatchThreadsPerThreadgroup[0] * g->dispatchThreadsPerThreadgroup[1] *
           g->dispatchThreadsPerThreadgroup[2];
  }
  EnigmaCpuGroup *g;
  uint32_t index, lx, ly, lz;
};

/// One step of a SIMD-group of the kernel in its lane-loop form (EnigmaBoundsCheck.cpp's
/// LanesPass, Lanes.cpp): runs threads first..end-1 of the threadgroup (a loop over them,
/// vectorized where it can be) from `resume` (0: the kernel's start, k: right after
/// synchronization point k) until each reaches its next synchronization point or returns, with
/// the threads' live values in the SIMD-group's frames (32 shares of the frame size, laid out
/// value-major by the pass), and g->current the last thread run. An exchange
/// publishes the thread's value in its lane's slot of `pub`; the code after it gets `res` (where
/// the lanes published, the exchange complete) and `mask` as its result. Returns 0 when the
/// threads returned, else (k << 1) | 1 for a threadgroup barrier and k << 1 for a SIMD-group
/// exchange, or ~0u if the threads stopped at different points. resume = ~0u returns the frame
/// size. Defined by the pass only for kernels it proves converged at every synchronization
/// point (otherwise the weak reference is null and the scheduler runs fibers).
extern "C" __attribute__((weak, visibility("hidden"))) uint32_t
__enigma_lanes_step(EnigmaCpuGroup *g, uint32_t first, uint32_t end, uint32_t resume,
                    unsigned char *frames, unsigned char *pub, unsigned char *res, uint64_t mask);
static_assert(__builtin_offsetof(EnigmaCpuGroup, current) == 72,
              "Lanes.cpp stores EnigmaCpuGroup.current at offset 72");

/// The exchange area of one exchange (CpuABI.h): slots, shared flag, shared slots.
constexpr size_t __lanesSlotArea = ENIGMA_CPU_SIMD_SHARED_SLOTS +
                                    ENIGMA_CPU_SIMD_WIDTH * ENIGMA_CPU_SIMD_SLOT_BYTES;
constexpr size_t __lanesSlotStride = (__lanesSlotArea + 63) / 64 * 64;

/// Runs a whole threadgroup in passes that are the scheduler's: every SIMD-group that is not at a
/// barrier runs its lanes, in thread order, up to their next synchronization point; then the
/// exchanges complete (the lanes of a SIMD-group all reached the same one: the pass proved it);
/// when every SIMD-group waits at a barrier it completes. Returns 0 (nothing ran) when the
/// kernel has no lane-loop form or its frames would not fit, 1 once every thread returned.
ENIGMA_INLINE uint32_t __runLanes(EnigmaCpuGroup *g, EnigmaCpuLanesScratchFn scratch) {
  if (!__enigma_lanes_step)
    return 0;
  const uint32_t n = g->threadCount;
  const uint32_t nsg = (n + ENIGMA_CPU_SIMD_WIDTH - 1) / ENIGMA_CPU_SIMD_WIDTH;
  const size_t frame = __enigma_lanes_step(g, 0, 0, ~0u, nullptr, nullptr, nullptr, 0);
  // A SIMD-group's frames: 32 threads' shares (Lanes.cpp lays them out value-major).
  const size_t frames = (frame * nsg * ENIGMA_CPU_SIMD_WIDTH + 63) / 64 * 64,
               slots = (size_t)nsg * 2 * __lanesSlotStride;
  const size_t need = frames + slots + (size_t)nsg * 16;
  if (need > ((size_t)64 << 20))
    return 0;
  unsigned char *buf = scratch(g, need); // the worker's, 64-byte aligned
  if (!buf)
    return 0;
  __group = g; // (the step does not: Lanes.cpp)
  uint32_t *resume = (uint32_t *)(buf + frames + slots);
  uint32_t *status = resume + nsg; // 0 runs, 1 waits at a barrier, 2 returned
  uint32_t *parity = status + nsg;
  uint32_t *exitOf = parity + nsg;
  for (uint32_t s = 0; s < nsg; ++s)
    resume[s] = status[s] = parity[s] = 0;
  for (;;) {
    bool running = false;
    for (uint32_t s = 0; s < nsg; ++s) {
      if (status[s] != 0)
        continue;
      const uint32_t first = s * ENIGMA_CPU_SIMD_WIDTH;
      const uint32_t end = first + ENIGMA_CPU_SIMD_WIDTH < n ? first + ENIGMA_CPU_SIMD_WIDTH : n;
      const uint64_t mask = (1ull << (end - first)) - 1;
      unsigned char *pub = buf + frames + ((size_t)s * 2 + parity[s]) * __lanesSlotStride;
      unsigned char *res = buf + frames + ((size_t)s * 2 + (parity[s] ^ 1)) * __lanesSlotStride;
      const uint32_t e0 =
          __enigma_lanes_step(g, first, end, resume[s], buf + (size_t)first * frame, pub, res, mask);
      if (e0 == ~0u)
        __builtin_trap(); // lanes diverged: the pass proved they cannot
      exitOf[s] = e0;
    }
    for (uint32_t s = 0; s < nsg; ++s) {
      if (status[s] != 0)
        continue;
      const uint32_t e = exitOf[s];
      if (e == 0) {
        status[s] = 2;
      } else if (e & 1) {
        status[s] = 1;
        resume[s] = e >> 1;
      } else { // the exchange completes: its lanes read it, the next one goes to the other area
        unsigned char *pub = buf + frames + ((size_t)s * 2 + parity[s]) * __lanesSlotStride;
        *(uint32_t *)(pub + ENIGMA_CPU_SIMD_SHARED_FLAG) = 0;
        parity[s] ^= 1;
        resume[s] = e >> 1;
        running = true;
      }
    }
    if (running)
      continue;
    bool waiting = false, returned = false;
    for (uint32_t s = 0; s < nsg; ++s) {
      waiting |= status[s] == 1;
      returned |= status[s] == 2;
    }
    if (!waiting)
      return 1;
    if (returned)
      __builtin_trap(); // a divergent barrier: the pass proved there is none
    for (uint32_t s = 0; s < nsg; ++s)
      status[s] = 0;
  }
}

} // namespace __enigma
} // namespace metal

#define ENIGMA_CPU_EXPORT extern "C" __attribute__((visibility("default")))

/// The launcher's calls of the kernel: inlined into both enigma_cpu_run and the lane-loop
/// template enigma_cpu_lane_thread (two callers would otherwise keep a large kernel a call).
#if defined(__clang__) && __clang_major__ >= 17
#define ENIGMA_CPU_INLINE_CALL [[clang::always_inline]]
#else
#define ENIGMA_CPU_INLINE_CALL
#endif

/// Defines the launch's bounds tables and the functions the EnigmaBoundsCheck
/// pass plugin calls (see CpuABI.h); the launcher expands it once, with the
/// number of kernel parameters. The checks' slow paths are the scheduler's
/// (`check`, `paramFail`: compiling their loops into every kernel cost a
/// third of a small kernel's compile), called through the table: an address
/// in no guarded region (the stack, threadgroup memory, a null pointer for a
/// disabled vector lane) passes; one in a buffer's region passes only when
/// all `size` bytes are the buffer's.
#define ENIGMA_CPU_DEFINE_BOUNDS_CHECK(NUM_PARAMS)                                                 \
  extern "C" __attribute__((visibility("hidden"))) EnigmaCpuParamBounds                            \
      __enigma_param_bounds[NUM_PARAMS];                                                           \
  EnigmaCpuParamBounds __enigma_param_bounds[NUM_PARAMS];                                          \
  extern "C" __attribute__((visibility("hidden"))) EnigmaCpuParamBounds                            \
      __enigma_param_write_bounds[NUM_PARAMS];                                                     \
  EnigmaCpuParamBounds __enigma_param_write_bounds[NUM_PARAMS];                                    \
  ENIGMA_CPU_EXPORT EnigmaCpuBoundsTable enigma_cpu_bounds = {                                     \
      nullptr, 0, nullptr, __enigma_param_bounds, __enigma_param_write_bounds, nullptr,           \
      nullptr, nullptr};                                                                           \
  extern "C" __attribute__((visibility("hidden"), used, noinline, cold)) void __enigma_trap(       \
      uint32_t __kind, const char *__where) {                                                      \
    if (enigma_cpu_bounds.trap)                                                                    \
      enigma_cpu_bounds.trap(__kind, __where);                                                     \
  }                                                                                                \
  extern "C" __attribute__((visibility("hidden"), used, noinline)) void __enigma_bounds_check(    \
      const void *__p, uint64_t __size, uint32_t __access, const char *__where) {                  \
    if (enigma_cpu_bounds.count)                                                                   \
      enigma_cpu_bounds.check(&enigma_cpu_bounds, __p, __size, __access, __where);                 \
  }                                                                                                \
  extern "C" __attribute__((visibility("hidden"), used, noinline, cold)) void                      \
  __enigma_param_bounds_fail(const void *__p, uint64_t __size, uint32_t __access,                  \
                             uint32_t __param, const char *__where) {                              \
    if (enigma_cpu_bounds.paramFail)                                                               \
      enigma_cpu_bounds.paramFail(&enigma_cpu_bounds, __p, __size, __access, __param, __where);   \
  }

#ifdef ENIGMA_CPU_EXACT_BOUNDS
/// Marks the pointer the launcher passes for kernel parameter `index`, so the
/// pass knows which parameter an access goes through. The pass replaces every call with `p`; it has no
/// definition, so a kernel compiled without the pass fails to load.
extern "C" void *__enigma_param(void *p, uint32_t index) __attribute__((const, nothrow));
#define ENIGMA_CPU_PARAM(p, index) __enigma_param((p), (index))
#else
#define ENIGMA_CPU_PARAM(p, index) (p)
#endif

#endif // ENIGMA_RUNTIME_METALLAUNCH_H
