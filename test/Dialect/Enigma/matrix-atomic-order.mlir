// RUN: enigma-opt %s -split-input-file | FileCheck %s
// Round trip: print, re-parse, print again and compare with the generic form too.
// RUN: enigma-opt %s -split-input-file | enigma-opt -split-input-file | FileCheck %s
// RUN: enigma-opt %s -split-input-file -mlir-print-op-generic | enigma-opt -split-input-file | FileCheck %s
// Metal matrices (rank-2 vectors) with enigma.matmul / enigma.determinant, quad_broadcast, and
// the memory orders of the atomics.

// CHECK-LABEL: func.func @matrices
// CHECK: enigma.matmul %{{.*}}, %{{.*}} : vector<3x2xf32>, vector<4x3xf32> -> vector<4x2xf32>
// CHECK: enigma.matmul %{{.*}}, %{{.*}} : vector<3x2xf32>, vector<3xf32> -> vector<2xf32>
// CHECK: enigma.matmul %{{.*}}, %{{.*}} : vector<2xf32>, vector<3x2xf32> -> vector<3xf32>
// CHECK: enigma.matmul %{{.*}}, %{{.*}} : vector<4x4xf16>, vector<4x4xf16> -> vector<4x4xf16>
// CHECK: enigma.determinant %{{.*}} : vector<3x3xf32>
// CHECK: enigma.determinant %{{.*}} : vector<2x2xf16>
func.func @matrices(%a: vector<3x2xf32>, %b: vector<4x3xf32>, %x: vector<3xf32>, %y: vector<2xf32>,
                    %h: vector<4x4xf16>, %s: vector<3x3xf32>, %h2: vector<2x2xf16>)
    -> (vector<4x2xf32>, vector<2xf32>, vector<3xf32>, vector<4x4xf16>, f32, f16) {
  %0 = enigma.matmul %a, %b : vector<3x2xf32>, vector<4x3xf32> -> vector<4x2xf32>
  %1 = enigma.matmul %a, %x : vector<3x2xf32>, vector<3xf32> -> vector<2xf32>
  %2 = enigma.matmul %y, %a : vector<2xf32>, vector<3x2xf32> -> vector<3xf32>
  %3 = enigma.matmul %h, %h : vector<4x4xf16>, vector<4x4xf16> -> vector<4x4xf16>
  %4 = enigma.determinant %s : vector<3x3xf32>
  %5 = enigma.determinant %h2 : vector<2x2xf16>
  return %0, %1, %2, %3, %4, %5 : vector<4x2xf32>, vector<2xf32>, vector<3xf32>, vector<4x4xf16>, f32, f16
}

// -----

// CHECK-LABEL: enigma.kernel @quad
// CHECK: enigma.quad_broadcast %{{.*}}, %{{.*}} : f32, i32
// CHECK: enigma.quad_broadcast %{{.*}}, %{{.*}} : vector<2xf16>, index
enigma.kernel @quad(%x: f32 {enigma.buffer_index = 0 : i32, enigma.scalar},
                    %v: vector<2xf16> {enigma.buffer_index = 1 : i32, enigma.scalar}) {
  %c2 = arith.constant 2 : i32
  %i = arith.constant 1 : index
  %0 = enigma.quad_broadcast %x, %c2 : f32, i32
  %1 = enigma.quad_broadcast %v, %i : vector<2xf16>, index
  enigma.return
}

// -----

// The default order (relaxed) is not printed; the others print as #enigma.memory_order<...>.
// CHECK-LABEL: enigma.kernel @orders
// CHECK: enigma.atomic_rmw <add> %{{.*}}, %{{.*}}[%{{.*}}] : memref
// CHECK-NOT: order
// CHECK: enigma.atomic_rmw <add> %{{.*}}, %{{.*}}[%{{.*}}] {order = #enigma.memory_order<acquire>}
// CHECK: enigma.atomic_rmw <exchange> %{{.*}}, %{{.*}}[%{{.*}}] {order = #enigma.memory_order<release>}
// CHECK: enigma.atomic_rmw <max> unsigned %{{.*}}, %{{.*}}[%{{.*}}] {order = #enigma.memory_order<acq_rel>}
// CHECK: enigma.atomic_rmw <sub> %{{.*}}, %{{.*}}[%{{.*}}] {order = #enigma.memory_order<seq_cst>}
// CHECK: enigma.atomic_load %{{.*}}[%{{.*}}] {order = #enigma.memory_order<acquire>}
// CHECK: enigma.atomic_load %{{.*}}[%{{.*}}] {order = #enigma.memory_order<seq_cst>}
// CHECK: enigma.atomic_store %{{.*}}, %{{.*}}[%{{.*}}] {order = #enigma.memory_order<release>}
// CHECK: enigma.atomic_store %{{.*}}, %{{.*}}[%{{.*}}] {order = #enigma.memory_order<seq_cst>}
// CHECK: enigma.atomic_cmpxchg %{{.*}}, %{{.*}}, %{{.*}}[%{{.*}}] {failure_order = #enigma.memory_order<acquire>, order = #enigma.memory_order<acq_rel>}
// CHECK: enigma.atomic_cmpxchg %{{.*}}, %{{.*}}, %{{.*}}[%{{.*}}] {order = #enigma.memory_order<release>}
// CHECK: enigma.atomic_cmpxchg %{{.*}}, %{{.*}}, %{{.*}}[%{{.*}}] {failure_order = #enigma.memory_order<seq_cst>, order = #enigma.memory_order<seq_cst>}
enigma.kernel @orders(%buf: memref<16xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1 : i32
  %0 = enigma.atomic_rmw <add> %one, %buf[%c0] {order = #enigma.memory_order<relaxed>} : memref<16xi32, #enigma.address_space<device>>
  %1 = enigma.atomic_rmw <add> %one, %buf[%c0] {order = #enigma.memory_order<acquire>} : memref<16xi32, #enigma.address_space<device>>
  %2 = enigma.atomic_rmw <exchange> %one, %buf[%c0] {order = #enigma.memory_order<release>} : memref<16xi32, #enigma.address_space<device>>
  %3 = enigma.atomic_rmw <max> unsigned %one, %buf[%c0] {order = #enigma.memory_order<acq_rel>} : memref<16xi32, #enigma.address_space<device>>
  %4 = enigma.atomic_rmw <sub> %one, %buf[%c0] {order = #enigma.memory_order<seq_cst>} : memref<16xi32, #enigma.address_space<device>>
  %5 = enigma.atomic_load %buf[%c0] {order = #enigma.memory_order<acquire>} : memref<16xi32, #enigma.address_space<device>>
  %6 = enigma.atomic_load %buf[%c0] {order = #enigma.memory_order<seq_cst>} : memref<16xi32, #enigma.address_space<device>>
  enigma.atomic_store %one, %buf[%c0] {order = #enigma.memory_order<release>} : memref<16xi32, #enigma.address_space<device>>
  enigma.atomic_store %one, %buf[%c0] {order = #enigma.memory_order<seq_cst>} : memref<16xi32, #enigma.address_space<device>>
  %7 = enigma.atomic_cmpxchg %one, %5, %buf[%c0] {order = #enigma.memory_order<acq_rel>, failure_order = #enigma.memory_order<acquire>} : memref<16xi32, #enigma.address_space<device>>
  %8 = enigma.atomic_cmpxchg %one, %5, %buf[%c0] {order = #enigma.memory_order<release>, failure_order = #enigma.memory_order<relaxed>} : memref<16xi32, #enigma.address_space<device>>
  %9 = enigma.atomic_cmpxchg %one, %5, %buf[%c0] {order = #enigma.memory_order<seq_cst>, failure_order = #enigma.memory_order<seq_cst>} : memref<16xi32, #enigma.address_space<device>>
  enigma.return
}
