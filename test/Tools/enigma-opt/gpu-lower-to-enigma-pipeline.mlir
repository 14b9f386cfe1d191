// One flag from upstream inputs (linalg on tensors and memrefs, scf.parallel, gpu.launch,
// gpu.func with workgroup memory and a barrier) to enigma.kernels in gpu.modules.
// RUN: enigma-opt %s --gpu-lower-to-enigma-pipeline | FileCheck %s
// With vectorization requested, kernels indexed by block and thread ids that are not the grid
// position are left scalar with a remark saying why (coarsened kernels: end-to-end.test); the
// linalg kernels (tiled into threadgroups by enigma-map-parallel-loops) are vectorized.
// RUN: enigma-opt %s --gpu-lower-to-enigma-pipeline=vec-width=4 2>&1 | FileCheck %s --check-prefix=VEC
// block-size: the threads per threadgroup of launches from parallel loops (default 256); 0 leaves
// the loops to upstream's mapping (one thread per threadgroup). The MSL pipeline passes it on.
// RUN: enigma-opt %s --gpu-lower-to-enigma-pipeline=block-size=64 | FileCheck %s --check-prefix=B64
// RUN: enigma-opt %s --gpu-lower-to-msl-pipeline=block-size=64 | FileCheck %s --check-prefix=B64
// RUN: enigma-opt %s --gpu-lower-to-enigma-pipeline=block-size=0 | FileCheck %s --check-prefix=B0
// RUN: enigma-opt %s --gpu-lower-to-enigma-pipeline | FileCheck %s --check-prefix=B256
// B64: gpu.launch_func @on_tensors_kernel::@on_tensors_kernel blocks in (%c4, %c1, %c1) threads in (%c64, %c1, %c1)
// B64: gpu.launch_func @on_memrefs_kernel::@on_memrefs_kernel blocks in (%c16, %c1, %c1) threads in (%c64, %c1, %c1)
// B0: gpu.launch_func @on_tensors_kernel::@on_tensors_kernel blocks in (%c256, %c1, %c1) threads in (%c1, %c1, %c1)
// B0: gpu.launch_func @on_memrefs_kernel::@on_memrefs_kernel blocks in (%c1024, %c1, %c1) threads in (%c1, %c1, %c1)
// B256: gpu.launch_func @on_memrefs_kernel::@on_memrefs_kernel blocks in (%c4, %c1, %c1) threads in (%c256, %c1, %c1)

// CHECK: module attributes {gpu.container_module}
// CHECK-NOT: gpu.func
// CHECK-NOT: linalg.
// CHECK-NOT: tensor.

// CHECK-LABEL: func.func @on_tensors
// CHECK-SAME: (%{{.*}}: memref<256xf32>, %{{.*}}: memref<256xf32>) -> memref<256xf32>
// CHECK: gpu.launch_func @on_tensors_kernel::@on_tensors_kernel
// CHECK: enigma.kernel @on_tensors_kernel
// CHECK: arith.mulf
// VEC-NOT: remark: kernel 'on_tensors_kernel'
// VEC-NOT: remark: kernel 'on_memrefs_kernel'
// VEC: remark: kernel 'launch_kernel' left scalar: it uses 'enigma.thread_position_in_threadgroup x'
// VEC: enigma.kernel @on_tensors_kernel({{.*}}enigma.coarsen = 4
// VEC: vector.load
// VEC: enigma.kernel @on_memrefs_kernel({{.*}}enigma.coarsen = 4
#id = affine_map<(d0) -> (d0)>
func.func @on_tensors(%a: tensor<256xf32>, %b: tensor<256xf32>) -> tensor<256xf32> {
  %e = tensor.empty() : tensor<256xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<256xf32>, tensor<256xf32>) outs(%e : tensor<256xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.mulf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<256xf32>
  return %r : tensor<256xf32>
}

// CHECK-LABEL: func.func @on_memrefs
// CHECK: gpu.launch_func @on_memrefs_kernel::@on_memrefs_kernel
// CHECK: enigma.kernel @on_memrefs_kernel
// CHECK: arith.addf
func.func @on_memrefs(%a: memref<1024xf32>, %b: memref<1024xf32>, %c: memref<1024xf32>) {
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : memref<1024xf32>, memref<1024xf32>) outs(%c : memref<1024xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return
}

// CHECK-LABEL: func.func @parallel_loop
// CHECK: gpu.launch_func @parallel_loop_kernel::@parallel_loop_kernel
// CHECK: enigma.kernel @parallel_loop_kernel
// CHECK: arith.subf
func.func @parallel_loop(%A: memref<?xf32>, %s: f32, %n: index) {
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

// CHECK-LABEL: func.func @launch
// CHECK: gpu.launch_func @launch_kernel::@launch_kernel
// CHECK: enigma.kernel @launch_kernel
// CHECK: enigma.thread_position_in_threadgroup x
// CHECK: enigma.threadgroup_barrier <device|threadgroup>
func.func @launch(%A: memref<?xf32>, %n: index) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %v = memref.load %A[%tx] : memref<?xf32>
    gpu.barrier
    memref.store %v, %A[%tx] : memref<?xf32>
    gpu.terminator
  }
  return
}

// CHECK: gpu.module @kernels
// CHECK: enigma.kernel @reverse_tile
// CHECK: enigma.threadgroup_alloc : memref<64xf32, #enigma.address_space<threadgroup>>
// CHECK: enigma.threadgroup_barrier <device|threadgroup>
gpu.module @kernels {
  gpu.func @reverse_tile(%A: memref<?xf32>) workgroup(%tile: memref<64xf32, #gpu.address_space<workgroup>>) kernel {
    %c63 = arith.constant 63 : index
    %b = gpu.block_id x
    %d = gpu.block_dim x
    %t = gpu.thread_id x
    %bd = arith.muli %b, %d : index
    %i = arith.addi %bd, %t : index
    %v = memref.load %A[%i] : memref<?xf32>
    memref.store %v, %tile[%t] : memref<64xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %r = arith.subi %c63, %t : index
    %w = memref.load %tile[%r] : memref<64xf32, #gpu.address_space<workgroup>>
    memref.store %w, %A[%i] : memref<?xf32>
    gpu.return
  }
}
