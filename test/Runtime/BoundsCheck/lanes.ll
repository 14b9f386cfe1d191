; The lane-loop form (EnigmaBoundsCheck's enigma-lanes pass, Lanes.cpp): the launcher's
; enigma_cpu_lane_thread(group, t) becomes __enigma_lanes_step(group, first, end, resume, frames,
; pub, res, mask), a loop over threads first..end-1 entered at resume 0 (the start) or k (after
; synchronization point k), each thread returning at the next one ((k << 1) | 1 for a barrier,
; k << 1 for an exchange) or 0; values live across a synchronization point are in the thread's
; frame. Kernels whose exchanges may be reached by part of a
; SIMD-group keep the fibers (the step stays an undefined weak function).
; REQUIRES: bounds-check-plugin
; RUN: split-file %s %t
; RUN: opt -load-pass-plugin=%bounds_plugin -passes=enigma-lanes -S %t/converged.ll | FileCheck %s --check-prefix=CONV
; RUN: opt -load-pass-plugin=%bounds_plugin -passes=enigma-lanes -S %t/divergent.ll | FileCheck %s --check-prefix=DIV
; RUN: opt -load-pass-plugin=%bounds_plugin -passes=enigma-lanes -S %t/reduce.ll | FileCheck %s --check-prefix=RED

;--- converged.ll
@_ZN5metal8__enigma7__groupE = thread_local global ptr null

declare ptr @_ZN5metal8__enigma10__exchangeEPKvjPm(ptr, i32, ptr) convergent
declare void @_ZN5metal8__enigma9__barrierEv() convergent
declare extern_weak hidden i32 @__enigma_lanes_step(ptr, i32, i32, i32, ptr, ptr, ptr, i64)
declare ptr @__enigma_param(ptr, i32) memory(none) nounwind

; A loop of n (a parameter the kernel never writes: uniform) simd_sums, then a barrier.
; CONV-LABEL: define {{.*}}i32 @__enigma_lanes_step(
; CONV-SAME:    ptr %[[G:[^,]*]], i32 %[[FIRST:[^,]*]], i32 %[[END:[^,]*]], i32 %[[RESUME:[^,]*]], ptr %[[FRAMES:[^,]*]], ptr %[[PUB:[^,]*]], ptr %[[RES:[^,]*]], i64 %[[MASK:[^,)]*]])
; One loop over the lanes per entry point: the start (0), after the exchange (1), after the
; barrier (2); resume = ~0u (the default) asks for the frame size, 48 bytes (the two allocas, n,
; i and acc), and ~0u also says that the lanes stopped at different points.
; CONV:         switch i32 %[[RESUME]], label %[[RET:.*]] [
; CONV-NEXT:      i32 0, label %[[L0:.*]]
; CONV-NEXT:      i32 1, label %[[L1:.*]]
; CONV-NEXT:      i32 2, label %[[L2:.*]]
; CONV:       [[RET]]:
; CONV:         [ 48, %entry ]
; The start: the first lane (thread `first`) runs alone: its index into the descriptor, then up
; to the exchange: n (uniform) loaded, the lane's value into its slot of pub (32 bytes per
; lane), the mask, exit 1 << 1; or, with n = 0, straight to the barrier, exit (2 << 1) | 1.
; CONV:       [[L0]]:
; CONV-NEXT:    %[[CUR:.*]] = getelementptr inbounds nuw i8, ptr %[[G]], i64 72
; CONV-NEXT:    store i32 %[[FIRST]], ptr %[[CUR]]
; CONV:         call ptr @__enigma_param(
; CONV:         %[[N:.*]] = load i32, ptr
; CONV:         shl i32 %[[FIRST]], 5
; CONV:         getelementptr inbounds nuw i8, ptr %[[PUB]]
; CONV:         store i64 %[[MASK]], ptr
; CONV:         %[[E0:.*]] = phi i32 [ 2, %{{.*}} ], [ 5, %{{.*}} ]
; CONV-NEXT:    %[[T0:.*]] = add i32 %[[FIRST]], 1
; CONV-NEXT:    icmp ult i32 %[[T0]], %[[END]]
; Then the loop over the other lanes (unswitched on n = 0), each with its frame: n, uniform over
; the SIMD-group, is the first lane's, neither loaded again nor stored into their frames (only
; the first lane's frame is read).
; CONV:         %[[T:.*]] = phi i32
; CONV-NEXT:    store i32 %[[T]], ptr %[[CUR]]
; CONV:         getelementptr inbounds nuw i8, ptr %[[FRAMES]]
; CONV-NOT:     load i32
; CONV-NOT:     store i32 %[[N]]
; CONV:         shl i32 %[[T]], 5
; CONV:         icmp ult i32 %{{.*}}, %[[END]]
; After the exchange, the result is `res`; i + 1 and i + 1 < n (uniform) are computed and stored
; into the frame by the first lane only.
; CONV:       [[L1]]:
; CONV:         getelementptr inbounds nuw i8, ptr %[[RES]], i64 1024
; CONV:         %[[I1:.*]] = add i32 %{{.*}}, 1
; CONV:         store i32 %[[I1]], ptr
; CONV:         %[[MORE:.*]] = icmp ult i32 %[[I1]],
; CONV:         phi i32
; CONV:         br i1 %[[MORE]]
; CONV-NOT:     store i32 %[[I1]]
; After the barrier, the buffer pointer is recomputed from the descriptor (for the bounds
; checks), and the threads return (exit 0).
; CONV:       [[L2]]:
; CONV:         call ptr @__enigma_param(
; CONV:         call ptr @__enigma_param(
; The template is emptied.
; CONV-LABEL: define void @enigma_cpu_lane_thread(
; CONV-NEXT:    ret void
define void @enigma_cpu_lane_thread(ptr %g, i32 %t) {
entry:
  %v = alloca float, align 4
  %m = alloca i64, align 8
  %args = load ptr, ptr %g, align 8
  %a0 = load ptr, ptr %args, align 8
  %p0 = call ptr @__enigma_param(ptr %a0, i32 0)
  %a1p = getelementptr inbounds i8, ptr %args, i64 8
  %a1 = load ptr, ptr %a1p, align 8
  %p1 = call ptr @__enigma_param(ptr %a1, i32 1)
  %n = load i32, ptr %p1, align 4
  %x = uitofp i32 %t to float
  br label %loop

loop:
  %i = phi i32 [ 0, %entry ], [ %i1, %body ]
  %acc = phi float [ 0.0, %entry ], [ %acc1, %body ]
  %c = icmp ult i32 %i, %n
  br i1 %c, label %body, label %done

body:
  store float %x, ptr %v, align 4
  %s = call ptr @_ZN5metal8__enigma10__exchangeEPKvjPm(ptr %v, i32 4, ptr %m)
  %flagp = getelementptr inbounds nuw i8, ptr %s, i64 1024
  %flag = load i32, ptr %flagp, align 4
  %f = uitofp i32 %flag to float
  %acc1 = fadd float %acc, %f
  %i1 = add i32 %i, 1
  br label %loop

done:
  call void @_ZN5metal8__enigma9__barrierEv()
  %idx = zext i32 %t to i64
  %out = getelementptr inbounds float, ptr %p0, i64 %idx
  store float %acc, ptr %out, align 4
  ret void
}

;--- divergent.ll
declare ptr @_ZN5metal8__enigma10__exchangeEPKvjPm(ptr, i32, ptr) convergent
declare extern_weak hidden i32 @__enigma_lanes_step(ptr, i32, i32, i32, ptr, ptr, ptr, i64)

; An exchange only the lanes with t % 32 < 5 reach: fibers (the step stays undefined).
; DIV: declare extern_weak {{.*}}i32 @__enigma_lanes_step(
; DIV-LABEL: define void @enigma_cpu_lane_thread(
; DIV-NEXT:    ret void
define void @enigma_cpu_lane_thread(ptr %g, i32 %t) {
entry:
  %v = alloca float, align 4
  %m = alloca i64, align 8
  %lane = and i32 %t, 31
  %c = icmp ult i32 %lane, 5
  br i1 %c, label %ex, label %done

ex:
  %s = call ptr @_ZN5metal8__enigma10__exchangeEPKvjPm(ptr %v, i32 4, ptr %m)
  br label %done

done:
  ret void
}

;--- reduce.ll
declare ptr @_ZN5metal8__enigma10__exchangeEPKvjPm(ptr, i32, ptr) convergent
declare extern_weak hidden i32 @__enigma_lanes_step(ptr, i32, i32, i32, ptr, ptr, ptr, i64)
declare float @llvm.exp.f32(float)
declare ptr @__enigma_param(ptr, i32) memory(none) nounwind

; The header's reduction after an exchange (MetalSync.h, __reduce): the lane that finds the shared
; flag clear computes (here: lanes 0 and 1's values) into the shared slot and sets the flag, the
; others copy. The first lane runs alone and does that, and the exp of the (uniform) result; the
; other lanes neither test the flag nor compute the exp: they store the first lane's values.
; RED-LABEL: define {{.*}}i32 @__enigma_lanes_step(
; RED:       lanes1.pre:
; RED:         load i32, ptr
; RED:         icmp eq i32
; RED:         store i32 1, ptr
; RED:         %[[E:.*]] = call float @llvm.exp.f32(
; RED:         phi i32
; RED-NOT:     load i32
; RED-NOT:     call float @llvm.exp.f32(
; RED:         store float %[[E]], ptr
; RED-NOT:     load i32
; RED-NOT:     call float @llvm.exp.f32(
; RED:       }
define void @enigma_cpu_lane_thread(ptr %g, i32 %t) {
entry:
  %v = alloca float, align 4
  %m = alloca i64, align 8
  %x = uitofp i32 %t to float
  store float %x, ptr %v, align 4
  %s = call ptr @_ZN5metal8__enigma10__exchangeEPKvjPm(ptr %v, i32 4, ptr %m)
  %flagp = getelementptr inbounds nuw i8, ptr %s, i64 1024
  %flag = load i32, ptr %flagp, align 4
  %clear = icmp eq i32 %flag, 0
  br i1 %clear, label %compute, label %copy

compute:
  %a = load float, ptr %s, align 4
  %bp = getelementptr inbounds nuw i8, ptr %s, i64 32
  %b = load float, ptr %bp, align 4
  %sum = fadd float %a, %b
  %shared = getelementptr inbounds nuw i8, ptr %s, i64 1088
  store float %sum, ptr %shared, align 4
  store i32 1, ptr %flagp, align 4
  br label %join

copy:
  %sharedc = getelementptr inbounds nuw i8, ptr %s, i64 1088
  %c = load float, ptr %sharedc, align 4
  br label %join

join:
  %r = phi float [ %sum, %compute ], [ %c, %copy ]
  %e = call float @llvm.exp.f32(float %r)
  %args = load ptr, ptr %g, align 8
  %a0 = load ptr, ptr %args, align 8
  %p0 = call ptr @__enigma_param(ptr %a0, i32 0)
  %idx = zext i32 %t to i64
  %o = getelementptr inbounds float, ptr %p0, i64 %idx
  store float %e, ptr %o, align 4
  ret void
}
