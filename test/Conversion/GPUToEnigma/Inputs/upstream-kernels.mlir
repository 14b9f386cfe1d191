// Upstream-style kernels for end-to-end.test (linalg on memrefs and tensors, scf.parallel,
// gpu.func with workgroup memory and a barrier, a subgroup reduction).
#id = affine_map<(d0) -> (d0)>
func.func @add(%a: memref<8xf32>, %b: memref<8xf32>, %c: memref<8xf32>) {
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : memref<8xf32>, memref<8xf32>) outs(%c : memref<8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return
}

func.func @mul(%a: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.mulf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

func.func @shift(%A: memref<?xf32>, %s: f32, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %A[%i] : memref<?xf32>
    %w = arith.subf %v, %s : f32
    memref.store %w, %A[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

gpu.module @kernels {
  gpu.func @reverse_tile(%A: memref<?xf32>) workgroup(%tile: memref<8xf32, #gpu.address_space<workgroup>>) kernel {
    %c7 = arith.constant 7 : index
    %b = gpu.block_id x
    %d = gpu.block_dim x
    %t = gpu.thread_id x
    %bd = arith.muli %b, %d : index
    %i = arith.addi %bd, %t : index
    %v = memref.load %A[%i] : memref<?xf32>
    memref.store %v, %tile[%t] : memref<8xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %r = arith.subi %c7, %t : index
    %w = memref.load %tile[%r] : memref<8xf32, #gpu.address_space<workgroup>>
    memref.store %w, %A[%i] : memref<?xf32>
    gpu.return
  }

  gpu.func @subgroup_sum(%A: memref<?xf32>, %S: memref<?xf32>) kernel {
    %c0 = arith.constant 0 : index
    %t = gpu.thread_id x
    %v = memref.load %A[%t] : memref<?xf32>
    %s = gpu.subgroup_reduce add %v : (f32) -> f32
    %lane = gpu.lane_id
    %first = arith.cmpi eq, %lane, %c0 : index
    scf.if %first {
      memref.store %s, %S[%c0] : memref<?xf32>
    }
    gpu.return
  }
}
