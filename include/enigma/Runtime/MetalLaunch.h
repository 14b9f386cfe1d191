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

} // namespace __enigma
} // namespace metal

#define ENIGMA_CPU_EXPORT extern "C" __attribute__((visibility("default")))

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
