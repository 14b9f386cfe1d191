// RUN: enigma-opt %s | enigma-opt | FileCheck %s

// enigma-opt loads the upstream dialects of IR that other MLIR front ends produce: linalg,
// tensor, bufferization, affine, cf, index and gpu (with func, arith, scf, memref, vector).

// CHECK-LABEL: func.func @tensors
// CHECK: tensor.empty
// CHECK: linalg.generic
// CHECK: linalg.yield
// CHECK: bufferization.to_buffer
#id = affine_map<(d0) -> (d0)>
func.func @tensors(%a: tensor<16xf32>, %b: tensor<16xf32>) -> memref<16xf32> {
  %e = tensor.empty() : tensor<16xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<16xf32>, tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %m = bufferization.to_buffer %r : tensor<16xf32> to memref<16xf32>
  return %m : memref<16xf32>
}

// CHECK-LABEL: func.func @affine_cf_index
// CHECK: affine.apply
// CHECK: index.add
// CHECK: cf.br
func.func @affine_cf_index(%i: index) -> index {
  %0 = affine.apply affine_map<(d0) -> (d0 * 4 + 1)>(%i)
  %1 = index.add %0, %i
  cf.br ^bb1(%1 : index)
^bb1(%r: index):
  return %r : index
}

// CHECK-LABEL: func.func @launch
// CHECK: gpu.launch blocks
// CHECK: gpu.thread_id x
// CHECK: gpu.barrier
func.func @launch(%A: memref<?xf32>, %n: index) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %t = gpu.thread_id x
    %v = memref.load %A[%t] : memref<?xf32>
    gpu.barrier
    memref.store %v, %A[%t] : memref<?xf32>
    gpu.terminator
  }
  return
}

// CHECK: gpu.module @kernels
// CHECK: gpu.func @scale
// CHECK-SAME: kernel
// CHECK: gpu.block_id x
// CHECK: gpu.block_dim x
// CHECK: gpu.return
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @scale(%A: memref<?xf32>, %s: f32) workgroup(%tile: memref<64xf32, #gpu.address_space<workgroup>>) kernel {
      %b = gpu.block_id x
      %d = gpu.block_dim x
      %t = gpu.thread_id x
      %bd = arith.muli %b, %d : index
      %i = arith.addi %bd, %t : index
      %v = memref.load %A[%i] : memref<?xf32>
      %w = arith.mulf %v, %s : f32
      memref.store %w, %A[%i] : memref<?xf32>
      gpu.return
    }
  }
}
