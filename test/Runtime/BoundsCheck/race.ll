; Race-checking mode of the EnigmaBoundsCheck pass plugin: when the module defines
; __enigma_race_access (enigma/Runtime/MetalRaceCheck.h does under ENIGMA_CPU_RACE_CHECK), every
; access that may touch a buffer or a kernel-scope threadgroup variable also calls
; __enigma_race_access(ptr, size, flags, where, tgBase, tgName, tgSize) after its bounds check
; (flags: 1 read, 2 write, 4 atomic, 8 threadgroup memory), and enigma-race-barriers puts
; __enigma_race_barrier(mem_flags) before every metal::threadgroup_barrier call.
; REQUIRES: bounds-check-plugin
; RUN: opt -load-pass-plugin=%bounds_plugin -passes=enigma-race-barriers,enigma-bounds-check -S %s | FileCheck %s

; CHECK-DAG: @[[NAME:enigma.threadgroup.name[.0-9]*]] = private unnamed_addr constant [5 x i8] c"tile\00"

@_ZZ6reduceE4tile = internal thread_local global [64 x float] zeroinitializer
@_ZN5metal8__enigma7__groupE = thread_local global ptr null
@local = internal global i32 0

define void @__enigma_race_access(ptr %p, i64 %size, i32 %flags, ptr %where, ptr %base, ptr %name, i64 %tgsize) {
  ret void
}
define void @__enigma_race_barrier(i32 %flags) {
  ret void
}
declare void @_ZN5metal19threadgroup_barrierENS_9mem_flagsE(i32)

; CHECK-LABEL: define void @kernel(
; CHECK-SAME:    ptr %[[A:[^,)]*]], i64 %[[I:[^,)]*]])
define void @kernel(ptr %A, i64 %i) {
; A buffer read: bounds check, then the race hook (no threadgroup variable).
; CHECK:         %[[PA:[^ ]*]] = getelementptr inbounds float, ptr %[[A]], i64 %[[I]]
; CHECK-NEXT:    call void @__enigma_bounds_check(ptr %[[PA]], i64 4, i32 1, ptr null)
; CHECK-NEXT:    call void @__enigma_race_access(ptr %[[PA]], i64 4, i32 1, ptr null, ptr null, ptr null, i64 0)
; CHECK-NEXT:    load float, ptr %[[PA]]
  %pa = getelementptr inbounds float, ptr %A, i64 %i
  %v = load float, ptr %pa
; A threadgroup store: no bounds check; the hook gets the variable's address, name and size.
; CHECK:         %[[TL:[^ ]*]] = call ptr @llvm.threadlocal.address.p0(ptr @_ZZ6reduceE4tile)
; CHECK:         %[[PT:[^ ]*]] = getelementptr inbounds float, ptr %[[TL]], i64 %[[I]]
; CHECK-NEXT:    %[[BASE:[^ ]*]] = call ptr @llvm.threadlocal.address.p0(ptr @_ZZ6reduceE4tile)
; CHECK-NEXT:    call void @__enigma_race_access(ptr %[[PT]], i64 4, i32 10, ptr null, ptr %[[BASE]], ptr @[[NAME]], i64 256)
; CHECK-NEXT:    store float
  %tl = call ptr @llvm.threadlocal.address.p0(ptr @_ZZ6reduceE4tile)
  %pt = getelementptr inbounds float, ptr %tl, i64 %i
  store float %v, ptr %pt
; The barrier's mem_flags are passed on before it.
; CHECK:         call void @__enigma_race_barrier(i32 2)
; CHECK-NEXT:    call void @_ZN5metal19threadgroup_barrierENS_9mem_flagsE(i32 2)
  call void @_ZN5metal19threadgroup_barrierENS_9mem_flagsE(i32 2)
; An atomic on a buffer: read, write and atomic.
; CHECK:         call void @__enigma_race_access(ptr %[[A]], i64 4, i32 7, ptr null, ptr null, ptr null, i64 0)
; CHECK-NEXT:    atomicrmw add ptr %[[A]]
  %old = atomicrmw add ptr %A, i32 1 monotonic
; The header's thread_locals, globals and the stack are not watched.
; CHECK-NOT:     call void @__enigma_race_access
; CHECK:         ret void
  %g = call ptr @llvm.threadlocal.address.p0(ptr @_ZN5metal8__enigma7__groupE)
  store ptr null, ptr %g
  store i32 1, ptr @local
  %s = alloca i32
  store i32 2, ptr %s
  ret void
}

declare ptr @llvm.threadlocal.address.p0(ptr)
