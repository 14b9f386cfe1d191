; The EnigmaBoundsCheck pass plugin puts a call to __enigma_bounds_check(ptr, size, access,
; where) (access: 1 read, 2 write, 3 both; where: the source position, null without debug info) before every access that may touch a kernel buffer, and
; none before accesses that provably do not.
; REQUIRES: bounds-check-plugin
; RUN: opt -load-pass-plugin=%bounds_plugin -passes=enigma-bounds-check -S %s | FileCheck %s

; Source positions (used by @positions below) are module constants.
; CHECK-DAG: @[[POS1:enigma.access.position[.0-9]*]] = private unnamed_addr constant [16 x i8] c"vadd.metal:12:7\00"
; CHECK-DAG: @[[POS2:enigma.access.position[.0-9]*]] = private unnamed_addr constant [16 x i8] c"vadd.metal:14:3\00"
; CHECK-DAG: @[[POS3:enigma.access.position[.0-9]*]] = private unnamed_addr constant [22 x i8] c"metal_shift.metal:4:8\00"

@tg = internal thread_local global [64 x float] zeroinitializer
@__enigma_param_bounds = hidden global [3 x { i64, i64 }] zeroinitializer
@__enigma_param_write_bounds = hidden global [3 x { i64, i64 }] zeroinitializer
@table = internal constant [4 x i32] [i32 1, i32 2, i32 3, i32 4]

define void @__enigma_bounds_check(ptr %p, i64 %size, i32 %access, ptr %where) {
  %v = load i32, ptr %p
  ret void
}
; The check itself is never instrumented.
; CHECK-LABEL: define void @__enigma_bounds_check(
; CHECK-NEXT:    load i32, ptr %p
; CHECK-NEXT:    ret void

; CHECK-LABEL: define void @scalar(
; CHECK-SAME:    ptr %[[A:[^,)]*]], ptr %[[C:[^,)]*]], i64 %[[I:[^,)]*]])
define void @scalar(ptr %A, ptr %C, i64 %i) {
; CHECK:         %[[PA:[^,)]*]] = getelementptr inbounds float, ptr %[[A]], i64 %[[I]]
; CHECK-NEXT:    call void @__enigma_bounds_check(ptr %[[PA]], i64 4, i32 1, ptr null)
; CHECK-NEXT:    %[[V:[^,)]*]] = load float, ptr %[[PA]]
  %pa = getelementptr inbounds float, ptr %A, i64 %i
  %v = load float, ptr %pa
; CHECK:         %[[PC:[^,)]*]] = getelementptr inbounds float, ptr %[[C]], i64 %[[I]]
; CHECK-NEXT:    call void @__enigma_bounds_check(ptr %[[PC]], i64 4, i32 2, ptr null)
; CHECK-NEXT:    store float %[[V]], ptr %[[PC]]
  %pc = getelementptr inbounds float, ptr %C, i64 %i
  store float %v, ptr %pc
  ret void
}

; A vector access is one check of its whole size.
; CHECK-LABEL: define void @vector(
; CHECK:         call void @__enigma_bounds_check(ptr %{{.*}}, i64 16, i32 1, ptr null)
; CHECK-NEXT:    load <4 x float>
; CHECK:         call void @__enigma_bounds_check(ptr %{{.*}}, i64 12, i32 2, ptr null)
; CHECK-NEXT:    store <3 x float>
define void @vector(ptr %A, ptr %C) {
  %v = load <4 x float>, ptr %A, align 16
  %s = shufflevector <4 x float> %v, <4 x float> poison, <3 x i32> <i32 0, i32 1, i32 2>
  store <3 x float> %s, ptr %C, align 4
  ret void
}

; Stack slots, globals and thread_local (threadgroup) memory are never buffers.
; CHECK-LABEL: define float @not_buffers(
; CHECK-NOT:     @__enigma_bounds_check
; CHECK:         ret float
define float @not_buffers(i64 %i) {
  %slot = alloca [8 x float]
  %ps = getelementptr inbounds float, ptr %slot, i64 %i
  store float 1.0, ptr %ps
  %tgp = call ptr @llvm.threadlocal.address.p0(ptr @tg)
  %pt = getelementptr inbounds float, ptr %tgp, i64 %i
  store float 2.0, ptr %pt
  %pg = getelementptr inbounds i32, ptr @table, i64 %i
  %g = load i32, ptr %pg
  %gf = sitofp i32 %g to float
  %a = load float, ptr %ps
  %b = load float, ptr %pt
  %s1 = fadd float %a, %b
  %s2 = fadd float %s1, %gf
  ret float %s2
}

; The launcher's own argument is the threadgroup descriptor and the pointers in it (the
; argument array) are runtime memory; a pointer loaded from the argument array (a buffer
; without a marker) is checked.
; CHECK-LABEL: define void @enigma_cpu_run(
; CHECK-SAME:    ptr %[[G:[^,)]*]], i32
; CHECK-NEXT:    %[[ARGS:[^,)]*]] = load ptr, ptr %[[G]]
; CHECK-NEXT:    %[[BUF:[^,)]*]] = load ptr, ptr %[[ARGS]]
; CHECK-NEXT:    call void @__enigma_bounds_check(ptr %[[BUF]], i64 4, i32 2, ptr null)
; CHECK-NEXT:    store i32 0, ptr %[[BUF]]
define void @enigma_cpu_run(ptr %g, i32 %first, i32 %end) {
  %args = load ptr, ptr %g
  %buf = load ptr, ptr %args
  store i32 0, ptr %buf
  ret void
}

; The header reaches the descriptor through its thread_local metal::__enigma::__group; the
; descriptor's fields and what the scheduler's callbacks return (SIMD exchange slots) are
; runtime memory.
@_ZN5metal8__enigma7__groupE = linkonce_odr thread_local global ptr null
; CHECK-LABEL: define i32 @header_bookkeeping(
; CHECK-NOT:     @__enigma_bounds_check
; CHECK:         ret i32
define i32 @header_bookkeeping() {
  %slot = call ptr @llvm.threadlocal.address.p0(ptr @_ZN5metal8__enigma7__groupE)
  %g = load ptr, ptr %slot
  %cur = getelementptr inbounds i8, ptr %g, i64 72
  store i32 3, ptr %cur
  %fnp = getelementptr inbounds i8, ptr %g, i64 88
  %fn = load ptr, ptr %fnp
  %res = call ptr %fn(ptr %g)
  %v = load i32, ptr %res
  %slots = call ptr @_ZN5metal8__enigma10__exchangeEPKvjPm(ptr %g, i32 4, ptr null)
  %w = load i32, ptr %slots
  %sum = add i32 %v, %w
  ret i32 %sum
}
declare ptr @_ZN5metal8__enigma10__exchangeEPKvjPm(ptr, i32, ptr)

; CHECK-LABEL: define void @atomics(
; CHECK:         call void @__enigma_bounds_check(ptr %[[P:[^,)]*]], i64 4, i32 3, ptr null)
; CHECK-NEXT:    atomicrmw add ptr %[[P]]
; CHECK:         call void @__enigma_bounds_check(ptr %[[P]], i64 8, i32 3, ptr null)
; CHECK-NEXT:    cmpxchg ptr %[[P]]
define void @atomics(ptr %p) {
  %old = atomicrmw add ptr %p, i32 1 seq_cst
  %pair = cmpxchg ptr %p, i64 0, i64 1 seq_cst seq_cst
  ret void
}

; memcpy checks both ranges, memset its destination, with the (zero-extended) length.
; CHECK-LABEL: define void @mem(
; CHECK-SAME:    ptr %[[D:[^,)]*]], ptr %[[S:[^,)]*]], i32 %[[N:[^,)]*]])
; CHECK:         call void @__enigma_bounds_check(ptr %[[D]], i64 64, i32 2, ptr null)
; CHECK-NEXT:    call void @__enigma_bounds_check(ptr %[[S]], i64 64, i32 1, ptr null)
; CHECK-NEXT:    call void @llvm.memcpy
; CHECK:         %[[LEN:[^,)]*]] = zext i32 %[[N]] to i64
; CHECK:         call void @__enigma_bounds_check(ptr %[[D]], i64 %[[LEN]], i32 2, ptr null)
; CHECK-NEXT:    call void @llvm.memset
define void @mem(ptr %d, ptr %s, i32 %n) {
  call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 64, i1 false)
  call void @llvm.memset.p0.i32(ptr %d, i8 0, i32 %n, i1 false)
  ret void
}

; A masked access checks each enabled lane's element; a disabled lane passes null.
; CHECK-LABEL: define <2 x float> @masked(
; CHECK-SAME:    ptr %[[P:[^,)]*]], <2 x i1> %[[M:[^,)]*]])
; CHECK:         %[[M0:.*]] = extractelement <2 x i1> %[[M]], i64 0
; CHECK-NEXT:    %[[S0:.*]] = select i1 %[[M0]], ptr %[[P]], ptr null
; CHECK:         %[[M1:.*]] = extractelement <2 x i1> %[[M]], i64 1
; CHECK-NEXT:    %[[P1:.*]] = getelementptr inbounds i8, ptr %[[P]], i64 4
; CHECK-NEXT:    %[[S1:.*]] = select i1 %[[M1]], ptr %[[P1]], ptr null
; CHECK:         call void @__enigma_bounds_check(ptr %[[S0]], i64 4, i32 1, ptr null)
; CHECK-NEXT:    call void @__enigma_bounds_check(ptr %[[S1]], i64 4, i32 1, ptr null)
; CHECK-NEXT:    call <2 x float> @llvm.masked.load
define <2 x float> @masked(ptr %p, <2 x i1> %m) {
  %v = call <2 x float> @llvm.masked.load.v2f32.p0(ptr align 4 %p, <2 x i1> %m, <2 x float> zeroinitializer)
  ret <2 x float> %v
}

; A scatter checks each enabled lane's own address; a constant mask needs no select, and
; a lane it disables no check.
; CHECK-LABEL: define void @scatter(
; CHECK-SAME:    <2 x ptr> %[[PS:[^,)]*]])
; CHECK-NEXT:    %[[Q0:.*]] = extractelement <2 x ptr> %[[PS]], i64 0
; CHECK-NEXT:    call void @__enigma_bounds_check(ptr %[[Q0]], i64 8, i32 2, ptr null)
; CHECK-NEXT:    call void @llvm.masked.scatter
define void @scatter(<2 x ptr> %ps) {
  call void @llvm.masked.scatter.v2f64.v2p0(<2 x double> zeroinitializer, <2 x ptr> align 8 %ps, <2 x i1> <i1 true, i1 false>)
  ret void
}

; An expanding load reads as many consecutive elements as lanes are enabled.
; CHECK-LABEL: define <4 x i32> @expand(
; CHECK:         %[[BITS:[^,)]*]] = bitcast <4 x i1> %{{.*}} to i4
; CHECK-NEXT:    %[[POP:[^,)]*]] = call i4 @llvm.ctpop.i4(i4 %[[BITS]])
; CHECK-NEXT:    %[[CNT:[^,)]*]] = zext i4 %[[POP]] to i64
; CHECK-NEXT:    %[[BYTES:[^,)]*]] = mul i64 %[[CNT]], 4
; CHECK-NEXT:    call void @__enigma_bounds_check(ptr %{{.*}}, i64 %[[BYTES]], i32 1, ptr null)
define <4 x i32> @expand(ptr %p, <4 x i1> %m) {
  %v = call <4 x i32> @llvm.masked.expandload.v4i32(ptr %p, <4 x i1> %m, <4 x i32> zeroinitializer)
  ret <4 x i32> %v
}

; A prefetch does not access memory.
; CHECK-LABEL: define void @prefetch(
; CHECK-NOT:     @__enigma_bounds_check
; CHECK:         ret void
define void @prefetch(ptr %p) {
  call void @llvm.prefetch.p0(ptr %p, i32 0, i32 3, i32 1)
  ret void
}

; An address derived from parameter k (the launcher's marker call) is checked inline against
; entry k of @__enigma_param_bounds; only a failing access calls out, to report it against k.
; The markers are gone afterwards.
declare ptr @__enigma_param(ptr, i32) memory(none) nounwind
; CHECK-NOT: declare ptr @__enigma_param(

; CHECK-LABEL: define float @marked(
; CHECK-SAME:    ptr %[[RAW:[^,)]*]], i64 %[[I:[^,)]*]])
; CHECK-NOT:     @__enigma_param(
; CHECK:         %[[P:.*]] = getelementptr inbounds float, ptr %[[RAW]], i64 %[[I]]
; CHECK-NEXT:    %[[LO:.*]] = load i64, ptr getelementptr inbounds (i8, ptr @__enigma_param_bounds, i64 32)
; CHECK-NEXT:    %[[LEN:.*]] = load i64, ptr getelementptr inbounds (i8, ptr @__enigma_param_bounds, i64 40)
; CHECK-NEXT:    %[[INT:.*]] = ptrtoint ptr %[[P]] to i64
; CHECK-NEXT:    %[[OFF:.*]] = sub i64 %[[INT]], %[[LO]]
; CHECK-NEXT:    %[[END:.*]] = add i64 %[[OFF]], 4
; CHECK-NEXT:    %[[C1:.*]] = icmp ugt i64 %[[OFF]], %[[LEN]]
; CHECK-NEXT:    %[[C2:.*]] = icmp ugt i64 %[[END]], %[[LEN]]
; CHECK-NEXT:    %[[BAD:.*]] = or i1 %[[C1]], %[[C2]]
; CHECK-NEXT:    br i1 %[[BAD]], label %[[SLOW:.*]], label %[[OK:.*]], !prof
; CHECK:       [[SLOW]]:
; CHECK-NEXT:    call void @__enigma_param_bounds_fail(ptr %[[P]], i64 4, i32 1, i32 2, ptr null)
; CHECK-NEXT:    br label %[[OK]]
; CHECK:       [[OK]]:
; CHECK-NEXT:    %[[V:.*]] = load float, ptr %[[P]]
; CHECK-NEXT:    ret float %[[V]]
define float @marked(ptr %raw, i64 %i) {
  %a = call ptr @__enigma_param(ptr %raw, i32 2)
  %p = getelementptr inbounds float, ptr %a, i64 %i
  %v = load float, ptr %p
  ret float %v
}

; A kernel that was not inlined: its argument is parameter 1 at its only call site. Stores
; check against the writable bytes (@__enigma_param_write_bounds: none for a write-protected
; argument).
; CHECK-LABEL: define internal void @kernel(
; CHECK:         load i64, ptr getelementptr inbounds (i8, ptr @__enigma_param_write_bounds, i64 16)
; CHECK:         call void @__enigma_param_bounds_fail(ptr %out, i64 4, i32 2, i32 1, ptr null)
; CHECK:         store i32 7, ptr %out
define internal void @kernel(ptr %out) {
  store i32 7, ptr %out
  ret void
}

; CHECK-LABEL: define void @launcher_like(
; CHECK-NEXT:    call void @kernel(ptr %raw)
define void @launcher_like(ptr %raw) {
  %b = call ptr @__enigma_param(ptr %raw, i32 1)
  call void @kernel(ptr %b)
  ret void
}

; With debug line tables, the check names the access's source position: the innermost
; position (through inlining) outside the runtime's own header and launcher, with the
; kernel's .metal file named without its scratch directory.
; CHECK-LABEL: define void @positions(
; CHECK:         call void @__enigma_bounds_check(ptr %p, i64 4, i32 2, ptr @[[POS1]])
; CHECK:         call void @__enigma_bounds_check(ptr %p, i64 4, i32 1, ptr @[[POS2]])
; CHECK:         call void @__enigma_bounds_check(ptr %p, i64 8, i32 1, ptr null)
define void @positions(ptr %p) !dbg !10 {
  store i32 1, ptr %p, !dbg !20
  %v = load i32, ptr %p, !dbg !21
  %w = load i64, ptr %p, !dbg !22
  ret void
}

!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!1}
!0 = distinct !DICompileUnit(language: DW_LANG_C_plus_plus_14, file: !2, emissionKind: LineTablesOnly)
!1 = !{i32 2, !"Debug Info Version", i32 3}
!2 = !DIFile(filename: "launch.cpp", directory: "/cache/tmp/x")
!3 = !DIFile(filename: "/cache/tmp/x/vadd.metal", directory: "/cache/tmp/x")
!4 = !DIFile(filename: "MetalSimdgroupMatrix.h", directory: "/cache/include-2.abc")
!10 = distinct !DISubprogram(name: "positions", scope: !2, file: !2, line: 1, spFlags: DISPFlagDefinition, unit: !0)
!11 = distinct !DISubprogram(name: "kernel", scope: !3, file: !3, line: 10, spFlags: DISPFlagDefinition, unit: !0)
!12 = distinct !DISubprogram(name: "helper", scope: !4, file: !4, line: 50, spFlags: DISPFlagDefinition, unit: !0)
; The kernel's store, inlined into the launcher.
!20 = !DILocation(line: 12, column: 7, scope: !11, inlinedAt: !30)
; A header function's load, inlined into the kernel, inlined into the launcher.
!21 = !DILocation(line: 55, column: 9, scope: !12, inlinedAt: !31)
; The launcher's own code: no position.
!22 = !DILocation(line: 3, column: 1, scope: !10)
!30 = distinct !DILocation(line: 3, column: 5, scope: !10)
!31 = distinct !DILocation(line: 14, column: 3, scope: !11, inlinedAt: !30)

; Scalable vectors (SVE): a plain access is checked with its vscale-dependent size; a masked
; one lane by lane in a loop over the lanes that exist at run time.
; CHECK-LABEL: define <vscale x 4 x float> @scalable(
; CHECK:         %[[VS:.*]] = call i64 @llvm.vscale.i64()
; CHECK-NEXT:    %[[SZ:.*]] = mul {{.*}}i64 %[[VS]], 16
; CHECK-NEXT:    call void @__enigma_bounds_check(ptr %p, i64 %[[SZ]], i32 1, ptr null)
; CHECK-NEXT:    load <vscale x 4 x float>, ptr %p
; CHECK:         %[[LANE:.*]] = phi i64
; CHECK:         %[[ON:.*]] = extractelement <vscale x 4 x i1> %m, i64 %[[LANE]]
; CHECK:         %[[OFF:.*]] = mul i64 %[[LANE]], 4
; CHECK-NEXT:    %[[Q:.*]] = getelementptr inbounds i8, ptr %p, i64 %[[OFF]]
; CHECK-NEXT:    %[[SEL:.*]] = select i1 %[[ON]], ptr %[[Q]], ptr null
; CHECK-NEXT:    call void @__enigma_bounds_check(ptr %[[SEL]], i64 4, i32 2, ptr null)
; CHECK:         call void @llvm.masked.store.nxv4f32.p0(
define <vscale x 4 x float> @scalable(ptr %p, <vscale x 4 x i1> %m) {
  %v = load <vscale x 4 x float>, ptr %p
  call void @llvm.masked.store.nxv4f32.p0(<vscale x 4 x float> %v, ptr align 4 %p, <vscale x 4 x i1> %m)
  ret <vscale x 4 x float> %v
}

; A kernel whose name starts like the header's files keeps its position.
; CHECK-LABEL: define void @metal_named(
; CHECK:         call void @__enigma_bounds_check(ptr %p, i64 4, i32 2, ptr @[[POS3]])
define void @metal_named(ptr %p) !dbg !40 {
  store i32 1, ptr %p, !dbg !41
  ret void
}
!5 = !DIFile(filename: "/cache/tmp/y/metal_shift.metal", directory: "/cache/tmp/y")
!40 = distinct !DISubprogram(name: "metal_shift", scope: !5, file: !5, line: 3, spFlags: DISPFlagDefinition, unit: !0)
!41 = !DILocation(line: 4, column: 8, scope: !40)

; Integer divisions the host traps on are checked first: a zero divisor (1), and for signed
; ones INT_MIN / -1 (2). Known non-zero divisors, constants other than -1 and non-negative
; dividends need no check.
; CHECK-LABEL: define i32 @divisions(
; CHECK-SAME:    i32 %[[A:[^,)]*]], i32 %[[B:[^,)]*]])
; CHECK:         %[[Z:.*]] = icmp eq i32 %[[B]], 0
; CHECK-NEXT:    br i1 %[[Z]], label %[[T1:.*]], label %[[N1:.*]], !prof
; CHECK:       [[T1]]:
; CHECK-NEXT:    call void @__enigma_trap(i32 1, ptr null)
; CHECK:       [[N1]]:
; CHECK-NEXT:    %[[M:.*]] = icmp eq i32 %[[A]], -2147483648
; CHECK-NEXT:    %[[MO:.*]] = icmp eq i32 %[[B]], -1
; CHECK-NEXT:    %[[OV:.*]] = and i1 %[[M]], %[[MO]]
; CHECK-NEXT:    br i1 %[[OV]], label %[[T2:.*]], label %[[N2:.*]], !prof
; CHECK:       [[T2]]:
; CHECK-NEXT:    call void @__enigma_trap(i32 2, ptr null)
; CHECK:       [[N2]]:
; CHECK-NEXT:    %[[Q:.*]] = sdiv i32 %[[A]], %[[B]]
; CHECK-NEXT:    %[[C:.*]] = udiv i32 %[[A]], 7
; CHECK-NEXT:    %[[D:.*]] = sdiv i32 %[[A]], -3
; CHECK-NEXT:    %[[POS:.*]] = and i32 %[[A]], 2147483647
; CHECK-NEXT:    %[[Z2:.*]] = icmp eq i32 %[[B]], 0
; CHECK-NEXT:    br i1 %[[Z2]]
; CHECK:         call void @__enigma_trap(i32 1, ptr null)
; CHECK-NOT:     call void @__enigma_trap(i32 2
; CHECK:         srem i32 %[[POS]], %[[B]]
define i32 @divisions(i32 %a, i32 %b) {
  %q = sdiv i32 %a, %b
  %c = udiv i32 %a, 7
  %d = sdiv i32 %a, -3
  %pos = and i32 %a, 2147483647
  %r = srem i32 %pos, %b
  %s1 = add i32 %q, %c
  %s2 = add i32 %s1, %d
  %s3 = add i32 %s2, %r
  ret i32 %s3
}
