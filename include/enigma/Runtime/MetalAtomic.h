//===-- enigma/Runtime/MetalAtomic.h - MSL atomics --------------*- C++ -*-===//
//
// atomic_int, atomic_uint, atomic_bool, atomic_float, atomic_ulong (and
// metal::atomic<T>) with the *_explicit functions of MSL (spec 6.15). They
// are the host's real atomics: threadgroups run concurrently on several OS
// threads, so device-memory atomics must be atomic on the CPU too. An
// atomic<T> has exactly T's size and alignment, so a `device atomic_uint*`
// buffer is an array of uint. Float add/min/max and integer min/max loop on
// compare-and-swap.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_RUNTIME_METALATOMIC_H
#define ENIGMA_RUNTIME_METALATOMIC_H

#pragma GCC system_header

#include "MetalSync.h"

namespace metal {

enum memory_order {
  memory_order_relaxed = 0,
  memory_order_acquire = 2,
  memory_order_release = 3,
  memory_order_acq_rel = 4,
  memory_order_seq_cst = 5,
};
enum thread_scope {
  thread_scope_thread = 0,
  thread_scope_simdgroup = 1,
  thread_scope_threadgroup = 2,
  thread_scope_device = 3,
};

template <class T> struct atomic {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8 || sizeof(T) == 1,
                "Metal atomics are 32-bit (or ulong/bool)");
  T __value;
};
typedef atomic<int> atomic_int;
typedef atomic<uint> atomic_uint;
typedef atomic<bool> atomic_bool;
typedef atomic<float> atomic_float;
typedef atomic<ulong> atomic_ulong;
typedef atomic<long> atomic_long;

namespace __enigma {
constexpr int __order(memory_order o) {
  return o == memory_order_relaxed   ? __ATOMIC_RELAXED
         : o == memory_order_acquire ? __ATOMIC_ACQUIRE
         : o == memory_order_release ? __ATOMIC_RELEASE
         : o == memory_order_acq_rel ? __ATOMIC_ACQ_REL
                                     : __ATOMIC_SEQ_CST;
}
// Load orders may not be release; store orders may not be acquire.
constexpr int __loadOrder(memory_order o) {
  return o == memory_order_release   ? __ATOMIC_RELAXED
         : o == memory_order_acq_rel ? __ATOMIC_ACQUIRE
                                     : __order(o);
}
constexpr int __storeOrder(memory_order o) {
  return o == memory_order_acquire   ? __ATOMIC_RELAXED
         : o == memory_order_acq_rel ? __ATOMIC_RELEASE
                                     : __order(o);
}
template <class T> struct __bitsOf {
  using type = std::conditional_t<sizeof(T) == 8, uint64_t,
                                  std::conditional_t<sizeof(T) == 4, uint32_t, uint8_t>>;
};
template <class T> using __bits_t = typename __bitsOf<T>::type;
template <class T> struct __nd { using type = T; };
template <class T> using __arg = typename __nd<T>::type;

template <class T> inline volatile __bits_t<T> *__raw(volatile atomic<T> *a) {
  return reinterpret_cast<volatile __bits_t<T> *>(&a->__value);
}
/// Applies `f` atomically by compare-and-swap; returns the old value.
template <class T, class F> inline T __casLoop(volatile atomic<T> *a, F f, memory_order o) {
  volatile __bits_t<T> *p = __raw(a);
  __bits_t<T> old = __atomic_load_n(p, __ATOMIC_RELAXED);
  for (;;) {
    T oldV = __builtin_bit_cast(T, old);
    __bits_t<T> next = __builtin_bit_cast(__bits_t<T>, (T)f(oldV));
    if (__atomic_compare_exchange_n(p, &old, next, true, __order(o), __ATOMIC_RELAXED))
      return oldV;
  }
}
} // namespace __enigma

template <class T>
inline void atomic_store_explicit(volatile atomic<T> *obj, __enigma::__arg<T> desired,
                                  memory_order o, thread_scope = thread_scope_device) {
  __atomic_store_n(__enigma::__raw(obj), __builtin_bit_cast(__enigma::__bits_t<T>, desired),
                   __enigma::__storeOrder(o));
}
template <class T>
inline T atomic_load_explicit(const volatile atomic<T> *obj, memory_order o,
                              thread_scope = thread_scope_device) {
  return __builtin_bit_cast(T,
                            __atomic_load_n(__enigma::__raw(const_cast<volatile atomic<T> *>(obj)),
                                            __enigma::__loadOrder(o)));
}
template <class T>
inline T atomic_exchange_explicit(volatile atomic<T> *obj, __enigma::__arg<T> desired,
                                  memory_order o, thread_scope = thread_scope_device) {
  return __builtin_bit_cast(T,
                            __atomic_exchange_n(__enigma::__raw(obj),
                                                __builtin_bit_cast(__enigma::__bits_t<T>, desired),
                                                __enigma::__order(o)));
}
/// Compares bit patterns, like the hardware; on failure *expected gets the
/// current value.
template <class T>
inline bool
atomic_compare_exchange_weak_explicit(volatile atomic<T> *obj, __enigma::__arg<T> *expected,
                                      __enigma::__arg<T> desired, memory_order success,
                                      memory_order failure, thread_scope = thread_scope_device) {
  __enigma::__bits_t<T> exp = __builtin_bit_cast(__enigma::__bits_t<T>, *expected);
  bool ok = __atomic_compare_exchange_n(__enigma::__raw(obj), &exp,
                                        __builtin_bit_cast(__enigma::__bits_t<T>, desired), false,
                                        __enigma::__order(success), __enigma::__loadOrder(failure));
  if (!ok)
    *expected = __builtin_bit_cast(T, exp);
  return ok;
}
template <class T>
inline bool atomic_compare_exchange_strong_explicit(volatile atomic<T> *obj,
                                                    __enigma::__arg<T> *expected,
                                                    __enigma::__arg<T> desired,
                                                    memory_order success, memory_order failure,
                                                    thread_scope s = thread_scope_device) {
  return atomic_compare_exchange_weak_explicit(obj, expected, desired, success, failure, s);
}

#define ENIGMA_ATOMIC_RMW(NAME, BUILTIN, EXPR)                                                     \
  template <class T>                                                                               \
  inline T atomic_##NAME##_explicit(volatile atomic<T> *obj, __enigma::__arg<T> arg,               \
                                    memory_order o, thread_scope = thread_scope_device) {          \
    if constexpr (std::is_integral<T>::value && !std::is_same<T, bool>::value)                     \
      return BUILTIN(&obj->__value, arg, __enigma::__order(o));                                    \
    else                                                                                           \
      return __enigma::__casLoop(                                                                  \
          obj, [arg](T old) { return EXPR; }, o);                                                  \
  }
ENIGMA_ATOMIC_RMW(fetch_add, __atomic_fetch_add, old + arg)
ENIGMA_ATOMIC_RMW(fetch_sub, __atomic_fetch_sub, old - arg)
ENIGMA_ATOMIC_RMW(fetch_and, __atomic_fetch_and, old &arg)
ENIGMA_ATOMIC_RMW(fetch_or, __atomic_fetch_or, old | arg)
ENIGMA_ATOMIC_RMW(fetch_xor, __atomic_fetch_xor, old ^ arg)
#undef ENIGMA_ATOMIC_RMW

template <class T>
inline T atomic_fetch_min_explicit(volatile atomic<T> *obj, __enigma::__arg<T> arg, memory_order o,
                                   thread_scope = thread_scope_device) {
  return __enigma::__casLoop(
      obj, [arg](T old) { return metal::min(old, arg); }, o);
}
template <class T>
inline T atomic_fetch_max_explicit(volatile atomic<T> *obj, __enigma::__arg<T> arg, memory_order o,
                                   thread_scope = thread_scope_device) {
  return __enigma::__casLoop(
      obj, [arg](T old) { return metal::max(old, arg); }, o);
}

inline void atomic_thread_fence(mem_flags, memory_order o, thread_scope = thread_scope_device) {
  __atomic_thread_fence(__enigma::__order(o));
}

} // namespace metal

#endif // ENIGMA_RUNTIME_METALATOMIC_H
