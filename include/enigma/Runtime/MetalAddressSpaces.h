//===-- enigma/Runtime/MetalAddressSpaces.h - Real Metal address spaces -*- C++ -*-===//
//
// The CPU runtime compiles MSL in one of two modes (docs/cpu-runtime.md, "Compiling the MSL"):
//
// * erased (ENIGMA_CPU_ADDRESS_SPACES=0, g++, a -std= flag, and the default mode's fallback):
//   C++17; `device`, `thread` are nothing, `constant` is `const`, so address spaces are not types;
// * real (the default with clang and the bounds-check plugin; forced by
//   ENIGMA_CPU_ADDRESS_SPACES=1): the text is compiled as C++ for
//   OpenCL (clang -x clcpp -cl-std=clc++2021), whose address spaces are qualifiers of the type
//   system, so overloads by address space, member functions qualified by one, and the errors
//   Metal gives for mixing them work as in Metal. On x86-64 and AArch64 every OpenCL address
//   space is LLVM address space 0, so the generated code is the same as in the erased mode.
//
//     MSL          C++ for OpenCL
//     device       __attribute__((opencl_global_device))  (a subset of __global)
//     constant     __global const                          (program-scope `constant` arrays)
//     threadgroup  __local
//     thread       nothing (__generic in pointers and references, __private for objects)
//
// `constant` cannot be OpenCL's __constant: nothing converts to __generic from it, so a struct
// could not be copied out of constant memory (its implicit copy constructor takes a __generic
// reference). __global_device and __global both convert to __generic; a `device` pointer
// converts to a `constant` one implicitly (Metal refuses that), never the other way.
//
// This file is included first by metal_stdlib, and only does something in the real mode
// (__OPENCL_CPP_VERSION__ defined).
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_RUNTIME_METALADDRESSSPACES_H
#define ENIGMA_RUNTIME_METALADDRESSSPACES_H

#if defined(__OPENCL_CPP_VERSION__)
#define ENIGMA_CPU_REAL_ADDRESS_SPACES 1
#pragma OPENCL EXTENSION __cl_clang_function_pointers : enable
#pragma OPENCL EXTENSION __cl_clang_variadic_functions : enable
#pragma OPENCL EXTENSION __cl_clang_non_portable_kernel_param_types : enable
// Metal allows bit-fields (OpenCL does not, without this extension of clang's).
#pragma OPENCL EXTENSION __cl_clang_bitfields : enable

// OpenCL keywords that are ordinary identifiers in MSL (and in the C++ library headers).
#define half __metal_half
#define global __metal_global
#define local __metal_local
#define generic __metal_generic
#define read_only __metal_read_only
#define write_only __metal_write_only
#define read_write __metal_read_write
#define pipe __metal_pipe
#define vec_step __metal_vec_step
#define addrspace_cast __metal_addrspace_cast
// OpenCL 2.0's atomic types, which clang declares itself.
#define atomic_int __metal_atomic_int
#define atomic_uint __metal_atomic_uint
#define atomic_long __metal_atomic_long
#define atomic_ulong __metal_atomic_ulong
#define atomic_float __metal_atomic_float
#define atomic_double __metal_atomic_double
#define atomic_half __metal_atomic_half
#define atomic_flag __metal_atomic_flag
#define atomic_bool __metal_atomic_bool
#define atomic_intptr_t __metal_atomic_intptr_t
#define atomic_uintptr_t __metal_atomic_uintptr_t
#define atomic_size_t __metal_atomic_size_t
#define atomic_ptrdiff_t __metal_atomic_ptrdiff_t

// The address spaces (see above).
#define __metal_device __attribute__((opencl_global_device))
#define __metal_constant __global const
#define __metal_threadgroup __local

// thread_local is not C++ for OpenCL: a variable annotated so is a plain global that the
// bounds-check pass plugin (lib/Runtime/BoundsCheck, loaded into every real-mode compile)
// turns into a thread_local one before any optimization.
#define ENIGMA_CPU_THREAD_LOCAL __attribute__((annotate("enigma.thread_local")))

namespace metal {
namespace __enigma {
/// A kernel-scope threadgroup variable: its storage is a static (thread_local after the pass
/// plugin), which C++ for OpenCL puts in __global; the kernel sees it as __local.
template <class T>
inline __attribute__((always_inline)) __local T &__threadgroupVariable(__global T &x) {
  return *(__local T *)(__generic T *)&x;
}
} // namespace __enigma
} // namespace metal
#else
#define ENIGMA_CPU_THREAD_LOCAL thread_local
#endif

namespace metal {
namespace __enigma {
/// T without its address space (template arguments deduced from lvalues carry it in C++ for
/// OpenCL: `const A &a` given a `device float` deduces `__global_device float`).
template <class T> struct __noAS { using type = T; };
#if defined(__OPENCL_CPP_VERSION__)
template <class T> struct __noAS<__generic T> { using type = T; };
template <class T> struct __noAS<__private T> { using type = T; };
template <class T> struct __noAS<__global T> { using type = T; };
template <class T> struct __noAS<__local T> { using type = T; };
template <class T> struct __noAS<__constant T> { using type = T; };
template <class T> struct __noAS<__attribute__((opencl_global_device)) T> { using type = T; };
#endif
template <class T> using __noAS_t = typename __noAS<T>::type;
} // namespace __enigma
} // namespace metal

#if defined(__OPENCL_CPP_VERSION__)
/// The operands of every conditional expression (the source rewrite wraps them, SourceRewrite.c):
/// an lvalue becomes a __generic lvalue and a prvalue stays one, so `c ? devbuf[i] : float4(0.0)`
/// compiles as in Metal (C++ for OpenCL unifies a class lvalue and a prvalue only when the
/// lvalue's address space contains the prvalue's, which only __generic does).
template <class T>
constexpr inline __attribute__((always_inline)) __generic metal::__enigma::__noAS_t<T> &
__enigma_cond(T &x) {
  return x;
}
template <class T> constexpr inline __attribute__((always_inline)) T __enigma_cond(T &&x) {
  return static_cast<T &&>(x);
}
#endif

#endif // ENIGMA_RUNTIME_METALADDRESSSPACES_H
