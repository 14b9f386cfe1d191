// Composing with upstream: linalg on memrefs -> parallel loops -> gpu -> outlined kernels ->
// enigma.kernels, then Enigma's pipeline nested under the gpu.module.
// RUN: enigma-opt %s --convert-linalg-to-parallel-loops --gpu-map-parallel-loops \
// RUN:   --convert-parallel-loops-to-gpu --gpu-kernel-outlining --lower-affine --canonicalize \
// RUN:   --convert-gpu-to-enigma \
// RUN:   | enigma-opt --pass-pipeline='builtin.module(gpu.module(enigma-pipeline))' | FileCheck %s

// CHECK-LABEL: func.func @add
// CHECK: gpu.launch_func @add_kernel::@add_kernel
// CHECK: gpu.module @add_kernel
// CHECK: enigma.kernel @add_kernel(
// CHECK-SAME: index {enigma.buffer_index = 0 : i32, enigma.scalar}
// CHECK-SAME: memref<1024xf32, #enigma.address_space<device>> {enigma.buffer_index = 2 : i32}
// CHECK: enigma.threadgroup_position_in_grid x
// CHECK: memref.load {{.*}} : memref<1024xf32, #enigma.address_space<device>>
// CHECK: arith.addf
// CHECK: memref.store
// CHECK: enigma.return
// CHECK-NOT: gpu.func
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
