// Enigma's passes are op-agnostic: they nest under gpu.module and run on each enigma.kernel.
// RUN: enigma-opt %s --pass-pipeline='builtin.module(gpu.module(enigma-check-layout-divisions,enigma-lower-layouts))' \
// RUN:   | FileCheck %s --check-prefix=LOWER
// RUN: enigma-opt %s --pass-pipeline='builtin.module(gpu.module(enigma-pipeline{vec-width=4}))' \
// RUN:   | FileCheck %s --check-prefix=VEC4
// RUN: enigma-opt %s --pass-pipeline='builtin.module(gpu.module(enigma.kernel(enigma-lower-layouts,enigma-vectorize{vec-width=2})),enigma.kernel(enigma-lower-layouts))' \
// RUN:   | FileCheck %s --check-prefix=KERNEL
// The module-level spelling the C API builds keeps working on kernels in a gpu.module.
// RUN: enigma-opt %s --pass-pipeline='builtin.module(enigma-pipeline{vec-width=4})' \
// RUN:   | FileCheck %s --check-prefix=VEC4

// LOWER: gpu.module @kernels
// LOWER: enigma.kernel @copy
// LOWER-NOT: enigma.layout
// LOWER: memref.load
// LOWER: enigma.kernel @top
// The pass ran only under the gpu.module: the top-level kernel keeps its layout.
// LOWER: enigma.layout_apply

// VEC4: gpu.module @kernels
// VEC4: enigma.kernel @copy
// VEC4-SAME: attributes {enigma.coarsen = 4 : i32}
// VEC4: vector.load {{.*}} vector<4xf32>

// KERNEL: gpu.module @kernels
// KERNEL: enigma.kernel @copy
// KERNEL-SAME: attributes {enigma.coarsen = 2 : i32}
// KERNEL: vector.load {{.*}} vector<2xf32>
// KERNEL: enigma.kernel @top
// KERNEL-NOT: enigma.layout
// KERNEL-NOT: vector.
// KERNEL: enigma.return
module {
  gpu.module @kernels {
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
  }
  enigma.kernel @top(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                     %C: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32}) {
    %tid = enigma.thread_position_in_grid x
    %l = enigma.layout_constant #enigma.layout<(4,64):(1,4)>
    %off = enigma.layout_apply %l [%tid]
    %a = memref.load %A[%off] : memref<?xf32, #enigma.address_space<device>>
    memref.store %a, %C[%tid] : memref<?xf32, #enigma.address_space<device>>
    enigma.return
  }
}
