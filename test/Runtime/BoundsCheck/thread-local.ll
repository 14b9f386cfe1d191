; Real address spaces (C++ for OpenCL, enigma/Runtime/MetalAddressSpaces.h): globals annotated
; "enigma.thread_local" become thread_local and leave llvm.global.annotations (other annotations
; stay); the OpenCL kernel clang makes of a dynamic initializer becomes a plain function again; a
; kernel-scope threadgroup variable declared `tile__tg` by the source rewrite is named `tile` by
; the race check.
; REQUIRES: bounds-check-plugin
; RUN: opt -load-pass-plugin=%bounds_plugin -passes=enigma-thread-local -S %s | FileCheck %s

; CHECK: @_ZN5metal8__enigma7__groupE = linkonce_odr hidden thread_local global ptr null
; CHECK: @_ZZ3devE8tile__tg = internal thread_local global [64 x float] zeroinitializer
; CHECK: @other = global i32 0
; CHECK: @llvm.global.annotations = appending global [1 x { ptr, ptr, ptr, i32, ptr }] [{ ptr, ptr, ptr, i32, ptr } { ptr @other,
; CHECK: define internal void @_GLOBAL__sub_I_k()

@_ZN5metal8__enigma7__groupE = linkonce_odr hidden global ptr null
@_ZZ3devE8tile__tg = internal global [64 x float] zeroinitializer
@other = global i32 0
@size = internal global i32 0
@.tl = private unnamed_addr constant [20 x i8] c"enigma.thread_local\00", section "llvm.metadata"
@.keep = private unnamed_addr constant [5 x i8] c"keep\00", section "llvm.metadata"
@.file = private unnamed_addr constant [8 x i8] c"k.metal\00", section "llvm.metadata"
@llvm.global.annotations = appending global [3 x { ptr, ptr, ptr, i32, ptr }] [
  { ptr, ptr, ptr, i32, ptr } { ptr @_ZN5metal8__enigma7__groupE, ptr @.tl, ptr @.file, i32 1, ptr null },
  { ptr, ptr, ptr, i32, ptr } { ptr @other, ptr @.keep, ptr @.file, i32 2, ptr null },
  { ptr, ptr, ptr, i32, ptr } { ptr @_ZZ3devE8tile__tg, ptr @.tl, ptr @.file, i32 3, ptr null }
], section "llvm.metadata"
@llvm.global_ctors = appending global [1 x { i32, ptr, ptr }] [{ i32, ptr, ptr } { i32 65535, ptr @_GLOBAL__sub_I_k, ptr null }]

define internal void @__cxx_global_var_init() {
  store i32 64, ptr @size
  ret void
}

define internal spir_kernel void @_GLOBAL__sub_I_k() {
  call void @__cxx_global_var_init()
  ret void
}

define float @dev(i32 %i) {
  %g = load ptr, ptr @_ZN5metal8__enigma7__groupE
  %p = getelementptr float, ptr @_ZZ3devE8tile__tg, i32 %i
  %v = load float, ptr %p
  ret float %v
}

!opencl.cxx.version = !{!0}
!0 = !{i32 1, i32 0}
