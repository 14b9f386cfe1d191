// An scf.parallel loop reaches an outlined gpu.module through the upstream passes.
// RUN: enigma-opt %s --gpu-map-parallel-loops --convert-parallel-loops-to-gpu \
// RUN:   --gpu-kernel-outlining --lower-affine --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @scale
// CHECK: gpu.launch_func @scale_kernel::@scale_kernel
// CHECK: gpu.module @scale_kernel
// CHECK: gpu.func @scale_kernel
// CHECK-SAME: kernel
// CHECK: arith.mulf
// CHECK: gpu.return
func.func @scale(%A: memref<?xf32>, %s: f32, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %A[%i] : memref<?xf32>
    %w = arith.mulf %v, %s : f32
    memref.store %w, %A[%i] : memref<?xf32>
    scf.reduce
  }
  return
}
