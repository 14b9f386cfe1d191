//===-- enigma/Runtime/MetalSync.h - Barriers, SIMD-group and quad ops -*- C++ -*-===//
//
// threadgroup_barrier, simdgroup_barrier and the SIMD-group / quad-group
// functions of MSL (spec 6.9). Every cross-lane function is one exchange
// through the scheduler (CpuABI.h): the lane publishes its value, its fiber
// blocks until every active lane of the SIMD-group arrived, then it reads the
// other lanes' values and computes its own result. "Active" follows Metal:
// lanes that returned, or that wait elsewhere (at a threadgroup barrier or at
// another call site), do not take part, and reductions only combine active
// lanes. Reading an inactive lane (shuffle from it) returns the caller's own
// value.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_RUNTIME_METALSYNC_H
#define ENIGMA_RUNTIME_METALSYNC_H

#pragma GCC system_header

#include "CpuABI.h"
#include "MetalAddressSpaces.h"
#include "MetalMath.h"

#if defined(__has_attribute)
#if __has_attribute(convergent)
// Keeps the compiler from merging cross-lane calls of different branches.
#define ENIGMA_CONVERGENT __attribute__((convergent))
#endif
#endif
#ifndef ENIGMA_CONVERGENT
#define ENIGMA_CONVERGENT
#endif
#define ENIGMA_INLINE inline __attribute__((always_inline))

namespace metal {

namespace __enigma {
/// The threadgroup the calling fiber belongs to; set by enigma_cpu_run. All
/// fibers of a threadgroup run on one OS thread, so one thread_local serves.
inline ENIGMA_CPU_THREAD_LOCAL EnigmaCpuGroup *__group = nullptr;

ENIGMA_INLINE uint __lane() { return __group->current % ENIGMA_CPU_SIMD_WIDTH; }

/// Publishes `size` bytes and waits for the SIMD-group. Never inlined: its
/// return address identifies the call site, so lanes at different cross-lane
/// calls (divergent branches) are not merged into one operation.
__attribute__((noinline)) ENIGMA_CONVERGENT inline const unsigned char *
__exchange(const void *value, uint32_t size, uint64_t *mask) {
  EnigmaCpuGroup *g = __group;
  const unsigned char *slots =
      g->simdExchange(g, value, size, (uintptr_t)__builtin_return_address(0), mask);
  __asm__ __volatile__("" ::: "memory");
  return slots;
}

/// Waits for the threadgroup. Never inlined, like __exchange: the lane-loop transformation
/// (EnigmaBoundsCheck.cpp, LanesPass) finds the kernel's barriers by their calls of it.
__attribute__((noinline)) ENIGMA_CONVERGENT inline void __barrier() {
  EnigmaCpuGroup *g = __group;
  g->threadgroupBarrier(g);
}

template <class T> ENIGMA_INLINE T __slot(const unsigned char *slots, uint l) {
  T v;
  __builtin_memcpy((void *)&v, slots + l * ENIGMA_CPU_SIMD_SLOT_BYTES, sizeof(T));
  return v;
}

/// Swizzles are exchanged as the vectors they denote.
template <class X> struct __valueT { using type = X; };
template <class T, int L, unsigned C> struct __valueT<__swz<T, L, C>> {
  using type = __vec<T, L, false>;
};
template <class X> using __value = typename __valueT<X>::type;

/// The result of an exchange, seen from the calling lane within a group of W
/// lanes (W = 32 for SIMD-group functions, 4 for quad-group functions).
template <class T, uint W> struct __view {
  const unsigned char *slots;
  uint64_t mask; // active lanes of the whole SIMD-group
  uint lane;     // caller's lane in the SIMD-group
  uint base() const { return lane - lane % W; }
  uint pos() const { return lane % W; }
  bool active(uint l) const { return l < ENIGMA_CPU_SIMD_WIDTH && ((mask >> l) & 1u); }
  T at(uint l) const { return __slot<T>(slots, l); }
  /// Value of lane base()+p if it is active, else `self`.
  T from(uint p, T self) const { return active(base() + p) ? at(base() + p) : T(self); }
  uint64_t groupMask() const {
    return W == ENIGMA_CPU_SIMD_WIDTH ? mask : (mask >> base()) & ((1ull << W) - 1);
  }
  uint first() const {
    uint64_t m = groupMask();
    return m ? (uint)__builtin_ctzll(m) : 0;
  }
};

template <class T, uint W> ENIGMA_INLINE __view<T, W> __viewOf(const unsigned char *s, uint64_t m) {
  return __view<T, W>{s, m, __lane()};
}

/// The exchange's shared area (CpuABI.h): a flag the scheduler clears when it completes the
/// exchange, and one slot per lane for results every lane of the exchange would compute alike.
ENIGMA_INLINE uint32_t *__sharedFlag(const unsigned char *s) {
  return reinterpret_cast<uint32_t *>(const_cast<unsigned char *>(s) +
                                      ENIGMA_CPU_SIMD_SHARED_FLAG);
}
ENIGMA_INLINE unsigned char *__sharedSlots(const unsigned char *s) {
  return const_cast<unsigned char *>(s) + ENIGMA_CPU_SIMD_SHARED_SLOTS;
}

// Reductions over the active lanes of the caller's group (in lane order).
template <uint W, class T, class Op>
ENIGMA_INLINE T __reduceLanes(const unsigned char *s, uint64_t groupMask, uint base, Op op) {
  if (groupMask == (W >= 64 ? ~0ull : (1ull << W) - 1)) {
    // Every lane: the same order, without the mask walk (straight-line code once unrolled).
    T acc = __slot<T>(s, base);
#if defined(__clang__)
#pragma clang loop unroll(full)
#endif
    for (uint p = 1; p < W; ++p)
      acc = T(op(acc, __slot<T>(s, base + p)));
    return acc;
  }
  T acc = __slot<T>(s, base + (uint)__builtin_ctzll(groupMask));
  for (uint64_t m = groupMask & (groupMask - 1); m; m &= m - 1)
    acc = T(op(acc, __slot<T>(s, base + (uint)__builtin_ctzll(m))));
  return acc;
}
template <uint W, class X, class Op>
ENIGMA_INLINE __value<X> __reduce(const unsigned char *s, uint64_t m, Op op) {
  using T = __value<X>;
  auto v = __viewOf<T, W>(s, m);
  uint64_t gm = v.groupMask();
  if (!gm) // (the caller always takes part)
    return T{};
  if constexpr (W != ENIGMA_CPU_SIMD_WIDTH) {
    return __reduceLanes<W, T>(s, gm, v.base(), op);
  } else {
    // One result for the whole exchange: the first lane to resume computes it, in the same
    // lane order, and the others copy it.
    uint32_t *flag = __sharedFlag(s);
    if (*flag)
      return __slot<T>(__sharedSlots(s), 0);
    T r = __reduceLanes<W, T>(s, gm, 0, op);
    __builtin_memcpy((void *)__sharedSlots(s), (const void *)&r, sizeof(T));
    *flag = 1;
    return r;
  }
}
template <uint W, class X, class Op>
ENIGMA_INLINE __value<X> __scan(const unsigned char *s, uint64_t m, __value<X> identity,
                                bool inclusive, Op op) {
  using T = __value<X>;
  auto v = __viewOf<T, W>(s, m);
  if constexpr (W != ENIGMA_CPU_SIMD_WIDTH) {
    T acc = identity;
    uint end = inclusive ? v.pos() + 1 : v.pos();
    for (uint p = 0; p < end; ++p)
      if (v.active(v.base() + p))
        acc = T(op(acc, v.at(v.base() + p)));
    return acc;
  } else {
    // Every lane's prefix in one pass (the same operations in the same order as lane by lane),
    // by the first lane to resume; slot p of the shared area is lane p's result.
    uint32_t *flag = __sharedFlag(s);
    unsigned char *out = __sharedSlots(s);
    if (!*flag) {
      T acc = identity;
      for (uint p = 0; p < W; ++p) {
        bool on = v.active(p);
        if (on && inclusive)
          acc = T(op(acc, v.at(p)));
        __builtin_memcpy((void *)(out + p * ENIGMA_CPU_SIMD_SLOT_BYTES), (const void *)&acc,
                         sizeof(T));
        if (on && !inclusive)
          acc = T(op(acc, v.at(p)));
      }
      *flag = 1;
    }
    return __slot<T>(out, v.lane);
  }
}
struct __opSum {
  template <class A> A operator()(A a, A b) const { return A(a + b); }
};
struct __opProduct {
  template <class A> A operator()(A a, A b) const { return A(a * b); }
};
struct __opMin {
  template <class A> A operator()(A a, A b) const { return A(metal::min(a, b)); }
};
struct __opMax {
  template <class A> A operator()(A a, A b) const { return A(metal::max(a, b)); }
};
struct __opAnd {
  template <class A> A operator()(A a, A b) const { return A(a & b); }
};
struct __opOr {
  template <class A> A operator()(A a, A b) const { return A(a | b); }
};
struct __opXor {
  template <class A> A operator()(A a, A b) const { return A(a ^ b); }
};

template <class X> ENIGMA_INLINE void __checkSize() {
  static_assert(sizeof(__value<X>) <= ENIGMA_CPU_SIMD_SLOT_BYTES,
                "SIMD-group functions exchange at most 32 bytes per lane");
}
} // namespace __enigma

//===----------------------------------------------------------------------===//
// Barriers.
//===----------------------------------------------------------------------===//

enum class mem_flags : uint {
  mem_none = 0,
  mem_device = 1,
  mem_threadgroup = 2,
  mem_texture = 4,
  mem_threadgroup_imageblock = 8,
  mem_object_data = 16,
};
constexpr mem_flags operator|(mem_flags a, mem_flags b) { return (mem_flags)((uint)a | (uint)b); }
constexpr mem_flags operator&(mem_flags a, mem_flags b) { return (mem_flags)((uint)a & (uint)b); }

/// Every thread of the threadgroup must arrive before any continues. The
/// fibers of a threadgroup share one OS thread, so the switch itself orders
/// memory; the asm keeps the compiler from caching memory across it.
ENIGMA_INLINE void threadgroup_barrier(mem_flags = mem_flags::mem_none) {
  __enigma::__barrier();
  __asm__ __volatile__("" ::: "memory");
}
ENIGMA_INLINE void simdgroup_barrier(mem_flags = mem_flags::mem_none) {
  uint64_t m;
  __enigma::__exchange(nullptr, 0, &m);
}

//===----------------------------------------------------------------------===//
// Votes.
//===----------------------------------------------------------------------===//

class simd_vote {
public:
  typedef uint64_t vote_t;
  explicit constexpr simd_vote(vote_t v = 0) : __v(v) {}
  explicit constexpr operator vote_t() const { return __v; }
  /// All lanes of a full 32-lane SIMD-group voted true (activity ignored).
  bool all() const { return (__v & 0xffffffffull) == 0xffffffffull; }
  bool any() const { return (__v & 0xffffffffull) != 0; }

private:
  vote_t __v;
};
class quad_vote {
public:
  typedef ushort vote_t;
  explicit constexpr quad_vote(vote_t v = 0) : __v(v) {}
  explicit constexpr operator vote_t() const { return __v; }
  bool all() const { return (__v & 0xfu) == 0xfu; }
  bool any() const { return (__v & 0xfu) != 0; }

private:
  vote_t __v;
};

//===----------------------------------------------------------------------===//
// SIMD-group (W = 32) and quad-group (W = 4) functions, generated once for
// both widths.
//===----------------------------------------------------------------------===//

// One reduction over the active lanes of a group: P##_NAME(data) combines with OP.
#define ENIGMA_GROUP_REDUCE(P, W, NAME, OP)                                                       \
  template <class X> ENIGMA_INLINE __enigma::__value<X> P##_##NAME(X data) {                      \
    __enigma::__checkSize<X>();                                                                    \
    __enigma::__value<X> v = data;                                                                 \
    uint64_t m;                                                                                    \
    auto s = __enigma::__exchange(&v, sizeof(v), &m);                                              \
    return __enigma::__reduce<W, X>(s, m, __enigma::OP{});                                         \
  }

/// A prefix scan over the active lanes below the caller (and the caller, when INCLUSIVE),
/// starting from IDENTITY.
#define ENIGMA_GROUP_SCAN(P, W, NAME, IDENTITY, INCLUSIVE, OP)                                    \
  template <class X> ENIGMA_INLINE __enigma::__value<X> P##_##NAME(X data) {                      \
    using T = __enigma::__value<X>;                                                                \
    __enigma::__checkSize<X>();                                                                    \
    T v = data;                                                                                    \
    uint64_t m;                                                                                    \
    auto s = __enigma::__exchange(&v, sizeof(v), &m);                                              \
    return __enigma::__scan<W, X>(s, m, T(IDENTITY), INCLUSIVE, __enigma::OP{});                   \
  }

#define ENIGMA_GROUP_FUNCS(P, W, VOTE)                                                             \
  ENIGMA_GROUP_REDUCE(P, W, sum, __opSum)                                                          \
  ENIGMA_GROUP_REDUCE(P, W, product, __opProduct)                                                  \
  ENIGMA_GROUP_REDUCE(P, W, min, __opMin)                                                          \
  ENIGMA_GROUP_REDUCE(P, W, max, __opMax)                                                          \
  ENIGMA_GROUP_REDUCE(P, W, and, __opAnd)                                                          \
  ENIGMA_GROUP_REDUCE(P, W, or, __opOr)                                                            \
  ENIGMA_GROUP_REDUCE(P, W, xor, __opXor)                                                          \
  ENIGMA_GROUP_SCAN(P, W, prefix_inclusive_sum, 0, true, __opSum)                                  \
  ENIGMA_GROUP_SCAN(P, W, prefix_exclusive_sum, 0, false, __opSum)                                 \
  ENIGMA_GROUP_SCAN(P, W, prefix_inclusive_product, 1, true, __opProduct)                          \
  ENIGMA_GROUP_SCAN(P, W, prefix_exclusive_product, 1, false, __opProduct)                         \
  /* Permutes: read lane `src(pos)` of the group, own value if invalid. */                         \
  template <class X> ENIGMA_INLINE __enigma::__value<X> P##_shuffle(X data, ushort lane) {         \
    using T = __enigma::__value<X>;                                                                \
    __enigma::__checkSize<X>();                                                                    \
    T v = data;                                                                                    \
    uint64_t m;                                                                                    \
    auto s = __enigma::__exchange(&v, sizeof(v), &m);                                              \
    auto w = __enigma::__viewOf<T, W>(s, m);                                                       \
    return lane < W ? w.from(lane, v) : T(v);                                                      \
  }                                                                                                \
  template <class X> ENIGMA_INLINE __enigma::__value<X> P##_broadcast(X data, ushort lane) {       \
    return P##_shuffle(data, lane);                                                                \
  }                                                                                                \
  template <class X> ENIGMA_INLINE __enigma::__value<X> P##_shuffle_xor(X data, ushort mask) {     \
    using T = __enigma::__value<X>;                                                                \
    __enigma::__checkSize<X>();                                                                    \
    T v = data;                                                                                    \
    uint64_t m;                                                                                    \
    auto s = __enigma::__exchange(&v, sizeof(v), &m);                                              \
    auto w = __enigma::__viewOf<T, W>(s, m);                                                       \
    uint src = w.pos() ^ mask;                                                                     \
    return src < W ? w.from(src, v) : T(v);                                                        \
  }                                                                                                \
  template <class X> ENIGMA_INLINE __enigma::__value<X> P##_shuffle_up(X data, ushort delta) {     \
    using T = __enigma::__value<X>;                                                                \
    __enigma::__checkSize<X>();                                                                    \
    T v = data;                                                                                    \
    uint64_t m;                                                                                    \
    auto s = __enigma::__exchange(&v, sizeof(v), &m);                                              \
    auto w = __enigma::__viewOf<T, W>(s, m);                                                       \
    return w.pos() >= delta ? w.from(w.pos() - delta, v) : T(v);                                   \
  }                                                                                                \
  template <class X> ENIGMA_INLINE __enigma::__value<X> P##_shuffle_down(X data, ushort delta) {   \
    using T = __enigma::__value<X>;                                                                \
    __enigma::__checkSize<X>();                                                                    \
    T v = data;                                                                                    \
    uint64_t m;                                                                                    \
    auto s = __enigma::__exchange(&v, sizeof(v), &m);                                              \
    auto w = __enigma::__viewOf<T, W>(s, m);                                                       \
    return w.pos() + delta < W ? w.from(w.pos() + delta, v) : T(v);                                \
  }                                                                                                \
  template <class X>                                                                               \
  ENIGMA_INLINE __enigma::__value<X> P##_shuffle_rotate_up(X data, ushort delta) {                 \
    using T = __enigma::__value<X>;                                                                \
    __enigma::__checkSize<X>();                                                                    \
    T v = data;                                                                                    \
    uint64_t m;                                                                                    \
    auto s = __enigma::__exchange(&v, sizeof(v), &m);                                              \
    auto w = __enigma::__viewOf<T, W>(s, m);                                                       \
    return w.from((w.pos() + W - delta % W) % W, v);                                               \
  }                                                                                                \
  template <class X>                                                                               \
  ENIGMA_INLINE __enigma::__value<X> P##_shuffle_rotate_down(X data, ushort delta) {               \
    using T = __enigma::__value<X>;                                                                \
    __enigma::__checkSize<X>();                                                                    \
    T v = data;                                                                                    \
    uint64_t m;                                                                                    \
    auto s = __enigma::__exchange(&v, sizeof(v), &m);                                              \
    auto w = __enigma::__viewOf<T, W>(s, m);                                                       \
    return w.from((w.pos() + delta) % W, v);                                                       \
  }                                                                                                \
  /* Shuffle-and-fill: the lanes shifted in come from `filling`, within */                         \
  /* vectors of `modulo` lanes. */                                                                 \
  template <class X, class Y>                                                                      \
  ENIGMA_INLINE __enigma::__value<X> P##_shuffle_and_fill_up(X data, Y filling, ushort delta,      \
                                                             ushort modulo = W) {                  \
    using T = __enigma::__value<X>;                                                                \
    static_assert(2 * sizeof(T) <= ENIGMA_CPU_SIMD_SLOT_BYTES,                                     \
                  "shuffle_and_fill exchanges two values per lane");                               \
    T pair[2] = {T(data), T(filling)};                                                             \
    uint64_t m;                                                                                    \
    auto s = __enigma::__exchange(pair, sizeof(pair), &m);                                         \
    auto w = __enigma::__viewOf<T, W>(s, m);                                                       \
    uint mod = modulo ? modulo : W;                                                                \
    uint vbase = w.pos() - w.pos() % mod, vpos = w.pos() % mod;                                    \
    uint src;                                                                                      \
    bool fill = vpos < delta;                                                                      \
    src = fill ? vbase + mod + vpos - delta : vbase + vpos - delta;                                \
    if (!w.active(w.base() + src))                                                                 \
      return pair[0];                                                                              \
    T got[2];                                                                                      \
    __builtin_memcpy((void *)got, s + (w.base() + src) * ENIGMA_CPU_SIMD_SLOT_BYTES, sizeof(got)); \
    return fill ? got[1] : got[0];                                                                 \
  }                                                                                                \
  template <class X, class Y>                                                                      \
  ENIGMA_INLINE __enigma::__value<X> P##_shuffle_and_fill_down(X data, Y filling, ushort delta,    \
                                                               ushort modulo = W) {                \
    using T = __enigma::__value<X>;                                                                \
    static_assert(2 * sizeof(T) <= ENIGMA_CPU_SIMD_SLOT_BYTES,                                     \
                  "shuffle_and_fill exchanges two values per lane");                               \
    T pair[2] = {T(data), T(filling)};                                                             \
    uint64_t m;                                                                                    \
    auto s = __enigma::__exchange(pair, sizeof(pair), &m);                                         \
    auto w = __enigma::__viewOf<T, W>(s, m);                                                       \
    uint mod = modulo ? modulo : W;                                                                \
    uint vbase = w.pos() - w.pos() % mod, vpos = w.pos() % mod;                                    \
    bool fill = vpos + delta >= mod;                                                               \
    uint src = fill ? vbase + vpos + delta - mod : vbase + vpos + delta;                           \
    if (!w.active(w.base() + src))                                                                 \
      return pair[0];                                                                              \
    T got[2];                                                                                      \
    __builtin_memcpy((void *)got, s + (w.base() + src) * ENIGMA_CPU_SIMD_SLOT_BYTES, sizeof(got)); \
    return fill ? got[1] : got[0];                                                                 \
  }                                                                                                \
  template <class X> ENIGMA_INLINE __enigma::__value<X> P##_broadcast_first(X data) {              \
    using T = __enigma::__value<X>;                                                                \
    __enigma::__checkSize<X>();                                                                    \
    T v = data;                                                                                    \
    uint64_t m;                                                                                    \
    auto s = __enigma::__exchange(&v, sizeof(v), &m);                                              \
    auto w = __enigma::__viewOf<T, W>(s, m);                                                       \
    return w.from(w.first(), v);                                                                   \
  }                                                                                                \
  ENIGMA_INLINE VOTE P##_ballot(bool expr) {                                                       \
    uint64_t m;                                                                                    \
    auto s = __enigma::__exchange(&expr, sizeof(expr), &m);                                        \
    auto w = __enigma::__viewOf<bool, W>(s, m);                                                    \
    uint64_t bits = 0;                                                                             \
    for (uint p = 0; p < W; ++p)                                                                   \
      if (w.active(w.base() + p) && w.at(w.base() + p))                                            \
        bits |= 1ull << p;                                                                         \
    return VOTE((typename VOTE::vote_t)bits);                                                      \
  }                                                                                                \
  ENIGMA_INLINE VOTE P##_active_threads_mask() {                                                   \
    uint64_t m;                                                                                    \
    auto s = __enigma::__exchange(nullptr, 0, &m);                                                 \
    auto w = __enigma::__viewOf<bool, W>(s, m);                                                    \
    return VOTE((typename VOTE::vote_t)w.groupMask());                                             \
  }                                                                                                \
  ENIGMA_INLINE bool P##_all(bool expr) {                                                          \
    uint64_t m;                                                                                    \
    auto s = __enigma::__exchange(&expr, sizeof(expr), &m);                                        \
    auto w = __enigma::__viewOf<bool, W>(s, m);                                                    \
    for (uint p = 0; p < W; ++p)                                                                   \
      if (w.active(w.base() + p) && !w.at(w.base() + p))                                           \
        return false;                                                                              \
    return true;                                                                                   \
  }                                                                                                \
  ENIGMA_INLINE bool P##_any(bool expr) {                                                          \
    uint64_t m;                                                                                    \
    auto s = __enigma::__exchange(&expr, sizeof(expr), &m);                                        \
    auto w = __enigma::__viewOf<bool, W>(s, m);                                                    \
    for (uint p = 0; p < W; ++p)                                                                   \
      if (w.active(w.base() + p) && w.at(w.base() + p))                                            \
        return true;                                                                               \
    return false;                                                                                  \
  }                                                                                                \
  ENIGMA_INLINE bool P##_is_first() {                                                              \
    uint64_t m;                                                                                    \
    auto s = __enigma::__exchange(nullptr, 0, &m);                                                 \
    auto w = __enigma::__viewOf<bool, W>(s, m);                                                    \
    return w.pos() == w.first();                                                                   \
  }                                                                                                \
  ENIGMA_INLINE bool P##_is_helper_thread() { return false; }

ENIGMA_GROUP_FUNCS(simd, ENIGMA_CPU_SIMD_WIDTH, simd_vote)
ENIGMA_GROUP_FUNCS(quad, 4u, quad_vote)
#undef ENIGMA_GROUP_FUNCS

} // namespace metal

#endif // ENIGMA_RUNTIME_METALSYNC_H
