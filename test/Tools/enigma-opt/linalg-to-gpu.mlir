// The upstream steps from linalg to an outlined gpu.module run in enigma-opt.
// RUN: enigma-opt %s --convert-linalg-to-parallel-loops --gpu-map-parallel-loops \
// RUN:   --convert-parallel-loops-to-gpu --gpu-kernel-outlining --lower-affine --canonicalize \
// RUN:   | FileCheck %s
// Tensors bufferize first (linalg, tensor, func and bufferization interface models are loaded).
// RUN: enigma-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --convert-linalg-to-parallel-loops --gpu-map-parallel-loops \
// RUN:   --convert-parallel-loops-to-gpu --gpu-kernel-outlining --lower-affine --canonicalize \
// RUN:   | FileCheck %s --check-prefix=TENSOR

// CHECK: module attributes {gpu.container_module}
// CHECK-LABEL: func.func @add
// CHECK: gpu.launch_func @add_kernel::@add_kernel
// CHECK: gpu.module @add_kernel
// CHECK: gpu.func @add_kernel
// CHECK-SAME: kernel
// CHECK: gpu.block_id x
// CHECK: memref.load
// CHECK: arith.addf
// CHECK: memref.store
// CHECK: gpu.return
#id = affine_map<(d0) -> (d0)>
func.func @add(%a: memref<1024xf32>, %b: memref<1024xf32>, %c: memref<1024xf32>) {
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : memref<1024xf32>, memref<1024xf32>) outs(%c : memref<1024xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return
}

// TENSOR-LABEL: func.func @mul
// TENSOR-SAME: (%{{.*}}: memref<256xf32>, %{{.*}}: memref<256xf32>) -> memref<256xf32>
// TENSOR: gpu.launch_func @mul_kernel::@mul_kernel
// TENSOR: gpu.module @mul_kernel
// TENSOR: gpu.func @mul_kernel
// TENSOR-SAME: kernel
// TENSOR: arith.mulf
// TENSOR: gpu.return
func.func @mul(%a: tensor<256xf32>, %b: tensor<256xf32>) -> tensor<256xf32> {
  %e = tensor.empty() : tensor<256xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<256xf32>, tensor<256xf32>) outs(%e : tensor<256xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.mulf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<256xf32>
  return %r : tensor<256xf32>
}
