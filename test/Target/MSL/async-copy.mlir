// RUN: enigma-translate --to-msl %s | FileCheck %s
// The text compiles against the CPU runtime's Metal header (which defines the intrinsics).
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// The AIR intrinsics are declared once at file scope, before every kernel (their event struct
// needs linkage); copies are calls with &buffer[offset] pointers, waits pass the events.

// CHECK: using namespace metal;
// CHECK-EMPTY:
// CHECK-NEXT: // SIMD-group async copies
// CHECK: #ifndef ENIGMA_AIR_THREADGROUP
// CHECK-NEXT: #define ENIGMA_AIR_THREADGROUP threadgroup
// CHECK-NEXT: #endif
// CHECK-NEXT: struct _simdgroup_event_t;
// CHECK-NEXT: thread _simdgroup_event_t* __enigma_async_copy_1d_d2t(ulong, ulong, ENIGMA_AIR_THREADGROUP void*, const device void*, ulong)
// CHECK-NEXT: __asm("air.simdgroup_async_copy_1d.p3i8.p1i8");
// CHECK-NEXT: thread _simdgroup_event_t* __enigma_async_copy_1d_t2d(ulong, ulong, device void*, const ENIGMA_AIR_THREADGROUP void*, ulong)
// CHECK-NEXT: __asm("air.simdgroup_async_copy_1d.p1i8.p3i8");
// CHECK-NEXT: thread _simdgroup_event_t* __enigma_async_copy_2d_d2t(ulong, ulong, ENIGMA_AIR_THREADGROUP void*, ulong, ulong, ulong2, const device void*, ulong, ulong, ulong2, long2, int)
// CHECK-NEXT: __asm("air.simdgroup_async_copy_2d.p3i8.p1i8");
// CHECK-NEXT: thread _simdgroup_event_t* __enigma_async_copy_2d_t2d(ulong, ulong, device void*, ulong, ulong, ulong2, const ENIGMA_AIR_THREADGROUP void*, ulong, ulong, ulong2, long2, int)
// CHECK-NEXT: __asm("air.simdgroup_async_copy_2d.p1i8.p3i8");
// CHECK-NEXT: void __enigma_wait_simdgroup_events(int, thread _simdgroup_event_t**)
// CHECK-NEXT: __asm("air.wait_simdgroup_events");
// CHECK-EMPTY:
// The source of a device -> threadgroup copy is only read, the destination of the other
// direction is written.
// CHECK-NEXT: kernel void enigma_kernel_copies(device const float* [[A:v[0-9]+]] {{\[\[}}buffer(0)]],
// CHECK-NEXT: device float* [[B:v[0-9]+]] {{\[\[}}buffer(1)]],
// CHECK-NEXT: constant uint& [[OFF:v[0-9]+]] {{\[\[}}buffer(2)]]) {
// CHECK-NEXT: threadgroup float [[TG:tg[0-9]+]][64];
// CHECK-NEXT: thread _simdgroup_event_t* [[E0:v[0-9]+]] = __enigma_async_copy_1d_d2t(sizeof(float), alignof(float), &[[TG]][0u], &[[A]]{{\[}}[[OFF]]{{\]}}, ulong(64u));
// CHECK-NEXT: thread _simdgroup_event_t* [[E1:v[0-9]+]] = __enigma_async_copy_2d_d2t(sizeof(float), alignof(float), &[[TG]][8u], ulong(8u), 1, ulong2(ulong(8u), ulong(7u)), &[[A]][0u], ulong(64u), 1, ulong2(ulong(8u), ulong(7u)), long2(0), 0);
// CHECK-NEXT: {
// CHECK-NEXT: thread _simdgroup_event_t* __enigma_events[] = {[[E0]], [[E1]]};
// CHECK-NEXT: __enigma_wait_simdgroup_events(2, __enigma_events);
// CHECK-NEXT: }
// CHECK-NEXT: thread _simdgroup_event_t* [[E2:v[0-9]+]] = __enigma_async_copy_1d_t2d(sizeof(float), alignof(float), &[[B]][8u], &[[TG]][0u], ulong(8u));
// CHECK-NEXT: thread _simdgroup_event_t* [[E3:v[0-9]+]] = __enigma_async_copy_2d_t2d(sizeof(float), alignof(float), &[[B]]{{\[}}[[OFF]]{{\]}}, ulong(64u), 1, ulong2(ulong(8u), ulong(8u)), &[[TG]][0u], ulong(8u), 1, ulong2(ulong(8u), ulong(8u)), long2(0), 0);
// CHECK-NEXT: __enigma_wait_simdgroup_events(1, &[[E2]]);
// CHECK-NEXT: __enigma_wait_simdgroup_events(1, &[[E3]]);
// CHECK-NEXT: }
// A second kernel does not repeat the declarations.
// CHECK-NOT: struct _simdgroup_event_t
// CHECK: kernel void enigma_kernel_half_copy(
// CHECK: __enigma_async_copy_1d_d2t(sizeof(half), alignof(half), &{{tg[0-9]+}}[0u], &{{v[0-9]+}}[0u], ulong({{v[0-9]+}}));
// CHECK-NOT: struct _simdgroup_event_t
enigma.kernel @copies(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                      %b: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32},
                      %off: index {enigma.buffer_index = 2 : i32, enigma.scalar}) {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %c7 = arith.constant 7 : index
  %tg = enigma.threadgroup_alloc : memref<64xf32, #enigma.address_space<threadgroup>>
  %e0 = enigma.async_copy_1d_d2t %tg[%c0], %a[%off], %c64
      : memref<64xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<device>>
  %e1 = enigma.async_copy_2d_d2t %tg[%c8] row_stride %c8, %a[%c0] row_stride %c64, tile %c8 x %c7
      : memref<64xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<device>>
  enigma.async_copy_wait %e0, %e1
  %e2 = enigma.async_copy_1d_t2d %b[%c8], %tg[%c0], %c8
      : memref<?xf32, #enigma.address_space<device>>, memref<64xf32, #enigma.address_space<threadgroup>>
  %e3 = enigma.async_copy_2d_t2d %b[%off] row_stride %c64, %tg[%c0] row_stride %c8, tile %c8 x %c8
      : memref<?xf32, #enigma.address_space<device>>, memref<64xf32, #enigma.address_space<threadgroup>>
  enigma.async_copy_wait %e2
  enigma.async_copy_wait %e3
  enigma.return
}

enigma.kernel @half_copy(%a: memref<?xf16, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                         %n: index {enigma.buffer_index = 1 : i32, enigma.scalar}) {
  %c0 = arith.constant 0 : index
  %tg = enigma.threadgroup_alloc : memref<32xf16, #enigma.address_space<threadgroup>>
  %e = enigma.async_copy_1d_d2t %tg[%c0], %a[%c0], %n
      : memref<32xf16, #enigma.address_space<threadgroup>>, memref<?xf16, #enigma.address_space<device>>
  enigma.async_copy_wait %e
  enigma.return
}
