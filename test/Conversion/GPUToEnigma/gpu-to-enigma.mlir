// RUN: enigma-opt %s -allow-unregistered-dialect --convert-gpu-to-enigma | FileCheck %s
// The pass also nests under a gpu.module.
// RUN: enigma-opt %s -allow-unregistered-dialect --pass-pipeline='builtin.module(gpu.module(convert-gpu-to-enigma))' | FileCheck %s

// The host keeps launching the kernel by name; its types stay the host's.
// CHECK-LABEL: func.func @host
// CHECK: gpu.launch_func @kernels::@scale
// CHECK-SAME: args(%{{.*}} : memref<?xf32>, %{{.*}} : f32, %{{.*}} : index)

// Buffers by position in the device address space, scalars by value; attributes kept.
// CHECK: gpu.module @kernels
// CHECK: enigma.kernel @scale(
// CHECK-SAME: %[[A:.*]]: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
// CHECK-SAME: %[[S:.*]]: f32 {enigma.buffer_index = 1 : i32, enigma.scalar},
// CHECK-SAME: %[[N:.*]]: index {enigma.buffer_index = 2 : i32, enigma.scalar})
// CHECK-SAME: attributes {gpu.kernel, known_block_size = array<i32: 64, 1, 1>}
// Attributions: workgroup -> threadgroup allocation, private -> thread alloca.
// CHECK: %[[TILE:.*]] = enigma.threadgroup_alloc : memref<64xf32, #enigma.address_space<threadgroup>>
// CHECK: memref.alloca() : memref<4xf32, #enigma.address_space<thread>>
// CHECK: %[[B:.*]] = enigma.threadgroup_position_in_grid x
// CHECK: %[[D:.*]] = enigma.threads_per_threadgroup x
// CHECK: %[[T:.*]] = enigma.thread_position_in_threadgroup x
// CHECK: %[[BD:.*]] = arith.muli %[[B]], %[[D]] : index
// CHECK: scf.if
// CHECK: memref.load %[[A]][%{{.*}}] : memref<?xf32, #enigma.address_space<device>>
// CHECK: memref.store %{{.*}}, %[[TILE]][%[[T]]] : memref<64xf32, #enigma.address_space<threadgroup>>
// CHECK: enigma.threadgroup_barrier <device|threadgroup>
// CHECK: arith.mulf %{{.*}}, %[[S]] : f32
// Ops producing memrefs are retyped.
// CHECK: memref.subview %[[A]][%[[BD]]] [64] [1] : memref<?xf32, #enigma.address_space<device>> to memref<64xf32, strided<[1], offset: ?>, #enigma.address_space<device>>
// CHECK: enigma.threads_per_threadgroup y
// CHECK: enigma.threadgroups_per_grid z
// CHECK: enigma.thread_position_in_grid y
// CHECK: enigma.thread_index_in_simdgroup
// CHECK: enigma.simdgroup_index_in_threadgroup
// CHECK: enigma.threads_per_simdgroup
// CHECK: enigma.return
// CHECK-NOT: gpu.func
module attributes {gpu.container_module} {
  func.func @host(%A: memref<?xf32>, %s: f32, %n: index) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @kernels::@scale blocks in (%n, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%A : memref<?xf32>, %s : f32, %n : index)
    return
  }
  gpu.module @kernels {
    gpu.func @scale(%A: memref<?xf32>, %s: f32, %n: index)
        workgroup(%tile: memref<64xf32, #gpu.address_space<workgroup>>)
        private(%p: memref<4xf32, #gpu.address_space<private>>)
        kernel attributes {known_block_size = array<i32: 64, 1, 1>} {
      %b = gpu.block_id x
      %d = gpu.block_dim x
      %t = gpu.thread_id x
      %bd = arith.muli %b, %d : index
      %i = arith.addi %bd, %t : index
      %ok = arith.cmpi ult, %i, %n : index
      scf.if %ok {
        %v = memref.load %A[%i] : memref<?xf32>
        memref.store %v, %tile[%t] : memref<64xf32, #gpu.address_space<workgroup>>
      }
      gpu.barrier
      %w = memref.load %tile[%t] : memref<64xf32, #gpu.address_space<workgroup>>
      %x = arith.mulf %w, %s : f32
      %sub = memref.subview %A[%bd] [64] [1] : memref<?xf32> to memref<64xf32, strided<[1], offset: ?>>
      memref.store %x, %sub[%t] : memref<64xf32, strided<[1], offset: ?>>
      %dy = gpu.block_dim y
      %gz = gpu.grid_dim z
      %g = gpu.global_id y
      %l = gpu.lane_id
      %sg = gpu.subgroup_id : index
      %ss = gpu.subgroup_size : index
      "test.use"(%dy, %gz, %g, %l, %sg, %ss) : (index, index, index, index, index, index) -> ()
      gpu.return
    }
  }
}
