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
; RUN: opt -load-pass-plugin=%bounds_plugin -passes=enigma-lanes -S %t/index.ll | FileCheck %s --check-prefix=IDX

;--- converged.ll
@_ZN5metal8__enigma7__groupE = thread_local global ptr null

declare ptr @_ZN5metal8__enigma10__exchangeEPKvjPm(ptr, i32, ptr) convergent
declare void @_ZN5metal8__enigma9__barrierEv() convergent
declare extern_weak hidden i32 @__enigma_lanes_step(ptr, i32, i32, i32, ptr, ptr, ptr, i64)
declare ptr @__enigma_param(ptr, i32) memory(none) nounwind

; A loop of n (a parameter the kernel never writes: uniform) simd_sums, then a barrier.
; The SIMD-group's frames, exchange areas and the descriptor are distinct memory (noalias; the
; lanes no longer publish the descriptor in __group, the driver does).
; CONV-LABEL: define {{.*}}i32 @__enigma_lanes_step(
; CONV-SAME:    ptr noalias %[[G:[^,]*]], i32 %[[FIRST:[^,]*]], i32 %[[END:[^,]*]], i32 %[[RESUME:[^,]*]], ptr noalias %[[FRAMES:[^,]*]], ptr noalias %[[PUB:[^,]*]], ptr noalias %[[RES:[^,]*]], i64 %[[MASK:[^,)]*]])
; One loop over the lanes per entry point: the start (0), after the exchange (1), after the
; barrier (2); resume = ~0u (the default) asks for a thread's share of the frames, 16 bytes (n,
; i and acc; the exchanged value is a variable of the step, the exchange's mask is `mask`).
; CONV:         switch i32 %[[RESUME]], label %[[RET:.*]] [
; CONV-NEXT:      i32 0, label %[[L0:.*]]
; CONV-NEXT:      i32 1, label %[[L1:.*]]
; CONV-NEXT:      i32 2, label %[[L2:.*]]
; CONV:       [[RET]]:
; CONV:         [ 16, %entry ]
; The start: the first lane (thread `first`) runs alone: its index into the descriptor, then up
; to the exchange: the argument pointers are invariant loads, n is stored into lane 0's slot of
; its array (offset 0), i and acc into theirs (value-major: 32 lanes' slots of i at 128, of acc
; at 256); the lane's value goes straight into its slot of pub; exit 1 << 1; or, with n = 0,
; straight to the barrier, exit (2 << 1) | 1.
; CONV:       [[L0]]:
; CONV-NEXT:    %[[CUR:.*]] = getelementptr inbounds nuw i8, ptr %[[G]], i64 72
; CONV-NEXT:    store i32 %[[FIRST]], ptr %[[CUR]]
; CONV:         load ptr, ptr %[[G]], align 8, !invariant.load
; CONV:         call ptr @__enigma_param(
; CONV:         %[[N:.*]] = load i32, ptr
; CONV:         store i32 %[[N]], ptr %[[FRAMES]]
; CONV:         %[[X:.*]] = uitofp i32 %[[FIRST]] to float
; CONV-NEXT:    store float %[[X]], ptr %[[PUB]]
; CONV:         %[[E0:.*]] = phi i32 [ 2, %{{.*}} ], [ 5, %{{.*}} ]
; CONV-NEXT:    %[[T0:.*]] = add i32 %[[FIRST]], 1
; CONV-NEXT:    icmp ult i32 %[[T0]], %[[END]]
; Then the loop over the other lanes (unswitched on n = 0): n, uniform over the SIMD-group, is
; the first lane's, neither loaded again nor stored; lane t's slots are at (t - first) * size
; (consecutive: the loop vectorizes), its pub slot at (t - first) * 32. Its iterations are
; parallel (an access group), and EnigmaCpuGroup.current is stored once, after the loop.
; CONV:         %[[T:.*]] = phi i32
; CONV-NEXT:    %[[LANE:.*]] = sub nuw nsw i32 %[[T]], %[[FIRST]]
; CONV-NEXT:    %[[LANE64:.*]] = zext i32 %[[LANE]] to i64
; CONV-NEXT:    %[[OFF:.*]] = shl nuw nsw i64 %[[LANE64]], 2
; CONV-NEXT:    %[[SLOTS:.*]] = getelementptr inbounds nuw i8, ptr %[[FRAMES]], i64 %[[OFF]]
; CONV-NEXT:    %[[ACC:.*]] = getelementptr inbounds nuw i8, ptr %[[SLOTS]], i64 256
; CONV-NEXT:    store float 0.000000e+00, ptr %[[ACC]], align 4, !llvm.access.group ![[GROUP0:[0-9]+]]
; CONV-NOT:     load i32
; CONV-NOT:     store i32 %[[N]]
; CONV:         %[[PUBOFF:.*]] = shl nuw nsw i64 %[[LANE64]], 5
; CONV-NEXT:    %[[PUBSLOT:.*]] = getelementptr inbounds nuw i8, ptr %[[PUB]], i64 %[[PUBOFF]]
; CONV-NEXT:    store float %{{.*}}, ptr %[[PUBSLOT]], align 1, !llvm.access.group ![[GROUP0]]
; CONV:         br i1 %{{.*}}, label %{{.*}}, label %{{.*}}, !llvm.loop ![[LOOP0:[0-9]+]]
; CONV:         store i32 %{{.*}}, ptr %[[CUR]]
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
; The template is emptied.
; CONV-LABEL: define void @enigma_cpu_lane_thread(
; CONV-NEXT:    ret void
; The loops' metadata: their iterations' accesses are parallel.
; CONV-DAG:   ![[LOOP0]] = distinct !{![[LOOP0]], ![[PAR0:[0-9]+]]}
; CONV-DAG:   ![[PAR0]] = !{!"llvm.loop.parallel_accesses", ![[GROUP0]]}
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

;--- index.ll
declare ptr @_ZN5metal8__enigma10__exchangeEPKvjPm(ptr, i32, ptr) convergent
declare extern_weak hidden i32 @__enigma_lanes_step(ptr, i32, i32, i32, ptr, ptr, ptr, i64)
declare ptr @__enigma_param(ptr, i32) memory(none) nounwind

; for (j = 0; j < 64; ++j) { i = j * 32 + lane; s = simd_sum(x[i]); y[i] = s; }: the index i,
; computed before the exchange and used after it, is not kept in the frame: it is computed
; again after the exchange from j's slot and the lane (t - first), so the lane loop's accesses
; y[j * 32 + lane] are consecutive. Frames: j only (4 bytes, rounded up to 16).
; IDX-LABEL: define {{.*}}i32 @__enigma_lanes_step(
; IDX-SAME:    i32 %[[FIRST:[^,]*]], i32 %[[END:[^,]*]], i32 %[[RESUME:[^,]*]], ptr noalias %[[FRAMES:[^,]*]],
; IDX:         [ 16, %entry ]
; IDX:       lanes1.pre:
; IDX:         %[[J:.*]] = load i32, ptr %[[FRAMES]]
; IDX:         %[[J32:.*]] = shl i32 %[[J]], 5
; IDX:       lanes1:
; IDX:         %[[T:.*]] = phi i32
; IDX:         %[[LANE:.*]] = sub nuw nsw i32 %[[T]], %[[FIRST]]
; IDX:         %[[I:.*]] = or {{.*}}i32 %[[J32]], %[[LANE]]
; IDX:         %[[I64:.*]] = zext i32 %[[I]] to i64
; IDX:         getelementptr inbounds {{.*}}float, ptr %{{.*}}, i64 %[[I64]]
; IDX-NOT:     load i64
; IDX:       }
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
  %lane = and i32 %t, 31
  br label %loop

loop:
  %j = phi i32 [ 0, %entry ], [ %j1, %loop ]
  %j32 = shl i32 %j, 5
  %i = or disjoint i32 %j32, %lane
  %i64 = zext i32 %i to i64
  %xp = getelementptr inbounds float, ptr %p0, i64 %i64
  %x = load float, ptr %xp, align 4
  store float %x, ptr %v, align 4
  %s = call ptr @_ZN5metal8__enigma10__exchangeEPKvjPm(ptr %v, i32 4, ptr %m)
  %r = load float, ptr %s, align 4
  %yp = getelementptr inbounds float, ptr %p1, i64 %i64
  store float %r, ptr %yp, align 4
  %j1 = add i32 %j, 1
  %more = icmp ult i32 %j1, 64
  br i1 %more, label %loop, label %done

done:
  ret void
}
