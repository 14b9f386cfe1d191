// RUN: enigma-opt %s --enigma-pipeline | FileCheck %s --check-prefix=SCALAR
// RUN: enigma-opt %s --enigma-pipeline=vec-width=4 | FileCheck %s --check-prefix=VEC4
// RUN: enigma-opt %s --enigma-pipeline=vec-width=2 | FileCheck %s --check-prefix=VEC2

// The registered pipeline folds layouts, lowers them, and vectorizes on request.
// SCALAR-LABEL: enigma.kernel @copy
// SCALAR-NOT: enigma.layout
// SCALAR-NOT: vector.
// SCALAR: memref.load
// VEC4: attributes {enigma.coarsen = 4 : i32}
// VEC4: vector.load {{.*}} vector<4xf32>
// VEC2: attributes {enigma.coarsen = 2 : i32}
// VEC2: vector.load {{.*}} {alignment = 8 : i64} {{.*}} vector<2xf32>
enigma.kernel @copy(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                    %C: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32},
                    %n: index {enigma.buffer_index = 2 : i32, enigma.scalar}) {
  %tid = enigma.thread_position_in_grid x
  %l = enigma.layout_constant #enigma.layout<(4,64):(1,4)>
  %off = enigma.layout_apply %l [%tid]
  %ok = arith.cmpi ult, %tid, %n : index
  scf.if %ok {
    %a = memref.load %A[%off] : memref<?xf32, #enigma.address_space<device>>
    memref.store %a, %C[%tid] : memref<?xf32, #enigma.address_space<device>>
  }
  enigma.return
}
