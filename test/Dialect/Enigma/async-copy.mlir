// RUN: enigma-opt %s -split-input-file | FileCheck %s
// Round trip through the custom and the generic form.
// RUN: enigma-opt %s -split-input-file | enigma-opt -split-input-file | FileCheck %s
// RUN: enigma-opt %s -split-input-file -mlir-print-op-generic | enigma-opt -split-input-file | FileCheck %s
// Copies write memory and the wait synchronizes: nothing is merged, removed or moved across.
// RUN: enigma-opt %s -split-input-file -cse -canonicalize -loop-invariant-code-motion | FileCheck %s --check-prefix=OPT

// CHECK-LABEL: enigma.kernel @copies
// CHECK: %[[TG:.*]] = enigma.threadgroup_alloc
// CHECK: %[[E0:.*]] = enigma.async_copy_1d_d2t %[[TG]][%{{.*}}], %arg0[%{{.*}}], %{{.*}} : memref<64xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<device>>
// CHECK: %[[E1:.*]] = enigma.async_copy_2d_d2t %[[TG]][%{{.*}}] row_stride %{{.*}}, %arg0[%{{.*}}] row_stride %{{.*}}, tile %{{.*}} x %{{.*}} : memref<64xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<device>>
// CHECK: enigma.async_copy_wait %[[E0]], %[[E1]]
// CHECK: %[[E2:.*]] = enigma.async_copy_1d_t2d %arg1[%{{.*}}], %[[TG]][%{{.*}}], %{{.*}} : memref<?xf32, #enigma.address_space<device>>, memref<64xf32, #enigma.address_space<threadgroup>>
// CHECK: %[[E3:.*]] = enigma.async_copy_2d_t2d %arg1[%{{.*}}] row_stride %{{.*}}, %[[TG]][%{{.*}}] row_stride %{{.*}}, tile %{{.*}} x %{{.*}}
// CHECK: enigma.async_copy_wait %[[E2]]
// CHECK: enigma.async_copy_wait %[[E3]]
// OPT-LABEL: enigma.kernel @copies
// OPT-COUNT-2: enigma.async_copy_1d_d2t
// OPT: enigma.async_copy_2d_d2t
// OPT: enigma.async_copy_wait
// OPT: memref.load
// OPT: enigma.async_copy_1d_t2d
// OPT: enigma.async_copy_2d_t2d
// OPT: enigma.async_copy_wait
// OPT: enigma.async_copy_wait
enigma.kernel @copies(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                      %b: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32}) {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %tg = enigma.threadgroup_alloc : memref<64xf32, #enigma.address_space<threadgroup>>
  %e0 = enigma.async_copy_1d_d2t %tg[%c0], %a[%c0], %c64
      : memref<64xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<device>>
  // An identical copy is a second copy (it writes memory): not merged.
  %e0b = enigma.async_copy_1d_d2t %tg[%c0], %a[%c0], %c64
      : memref<64xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<device>>
  %e1 = enigma.async_copy_2d_d2t %tg[%c0] row_stride %c8, %a[%c0] row_stride %c64, tile %c8 x %c8
      : memref<64xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<device>>
  enigma.async_copy_wait %e0, %e1
  // The load stays after the wait.
  %v = memref.load %tg[%c8] : memref<64xf32, #enigma.address_space<threadgroup>>
  memref.store %v, %b[%c0] : memref<?xf32, #enigma.address_space<device>>
  %e2 = enigma.async_copy_1d_t2d %b[%c8], %tg[%c0], %c8
      : memref<?xf32, #enigma.address_space<device>>, memref<64xf32, #enigma.address_space<threadgroup>>
  %e3 = enigma.async_copy_2d_t2d %b[%c0] row_stride %c64, %tg[%c0] row_stride %c8, tile %c8 x %c8
      : memref<?xf32, #enigma.address_space<device>>, memref<64xf32, #enigma.address_space<threadgroup>>
  enigma.async_copy_wait %e2
  enigma.async_copy_wait %e3
  enigma.return
}

// -----

// A copy inside a loop is not hoisted (it is a SIMD-group operation that writes memory), and
// a copy whose event is never waited for is still a copy (not dead).
// CHECK-LABEL: enigma.kernel @in_loop
// OPT-LABEL: enigma.kernel @in_loop
// OPT: scf.for
// OPT-NEXT: enigma.async_copy_1d_d2t
// OPT-NEXT: enigma.async_copy_wait
// OPT: enigma.async_copy_1d_d2t
enigma.kernel @in_loop(%a: memref<?xf16, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                       %n: index {enigma.buffer_index = 1 : i32, enigma.scalar}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %tg = enigma.threadgroup_alloc : memref<32xf16, #enigma.address_space<threadgroup>>
  scf.for %i = %c0 to %n step %c1 {
    %e = enigma.async_copy_1d_d2t %tg[%c0], %a[%c0], %c32
        : memref<32xf16, #enigma.address_space<threadgroup>>, memref<?xf16, #enigma.address_space<device>>
    enigma.async_copy_wait %e
  }
  %unused = enigma.async_copy_1d_d2t %tg[%c0], %a[%c32], %c32
      : memref<32xf16, #enigma.address_space<threadgroup>>, memref<?xf16, #enigma.address_space<device>>
  enigma.return
}
