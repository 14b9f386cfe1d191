; Whole-kernel linkage (InternalizeKernelPass, at the start of clang's pipeline): the kernel and
; the user's functions, hidden and external, become internal, so the kernel is compiled only
; where the launcher inlines it; the runtime's exported enigma_cpu_* symbols, the launcher's
; __enigma_* functions, functions in llvm.used, default-visibility and linkonce_odr functions and
; declarations keep their linkage.
; REQUIRES: bounds-check-plugin
; RUN: opt -load-pass-plugin=%bounds_plugin -passes=enigma-internalize -S %s | FileCheck %s
; The plugin adds the pass at the start of clang's -O2 pipeline: the internal kernel, called
; once, is inlined and deleted (without the plugin it stays).
; RUN: opt -load-pass-plugin=%bounds_plugin -passes='default<O2>' -S %s \
; RUN:   | FileCheck %s --check-prefix=O2

@llvm.used = appending global [1 x ptr] [ptr @kept_used], section "llvm.metadata"

; CHECK: define internal void @_Z4vaddPfj(
; O2-NOT: @_Z4vaddPfj
define hidden void @_Z4vaddPfj(ptr %a, i32 %i) {
  %p = getelementptr inbounds float, ptr %a, i32 %i
  %v = load float, ptr %p
  %w = fadd float %v, 1.0
  store float %w, ptr %p
  ret void
}

; CHECK: define internal float @_Z6helperf(
define hidden float @_Z6helperf(float %x) {
  %y = fmul float %x, 2.0
  ret float %y
}

; CHECK: define void @enigma_cpu_run(
; O2: define void @enigma_cpu_run(
; O2-NOT: call
; O2: ret void
define void @enigma_cpu_run(ptr %a, i32 %i) {
  call void @_Z4vaddPfj(ptr %a, i32 %i)
  ret void
}

; CHECK: define hidden void @__enigma_bounds_check(
define hidden void @__enigma_bounds_check(ptr %p, i64 %size, i32 %access, ptr %where) {
  ret void
}

; CHECK: define hidden void @kept_used(
define hidden void @kept_used() {
  ret void
}

; CHECK: define void @exported(
define void @exported() {
  ret void
}

; CHECK: define linkonce_odr hidden void @_Z6inlinev(
define linkonce_odr hidden void @_Z6inlinev() {
  ret void
}

; CHECK: declare hidden void @_Z8externalv()
declare hidden void @_Z8externalv()
