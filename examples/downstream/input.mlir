// The input of examples/downstream/test.sh: an upstream gpu.module with an elementwise kernel
// (c = a + b with a bounds guard), as gpu-kernel-outlining would produce it.
//
// downstream-pipeline converts the kernels to enigma.kernels, numbers them and hands them to the
// downstream launcher (downstream-tag-kernels), removes the index computations the conversion
// left unused (canonicalize: enigma-vectorize refuses a kernel that still reads the
// threadgroup position), then thread-coarsens them by 4 with vector memory accesses
// (enigma-vectorize) and canonicalizes. The textual pipeline gives the same result.
//
// RUN: downstream-opt %s --downstream-pipeline | FileCheck %s
// RUN: downstream-opt %s --pass-pipeline='builtin.module(convert-gpu-to-enigma,gpu.module(downstream-tag-kernels,canonicalize,enigma-vectorize{vec-width=4},canonicalize))' | FileCheck %s

// CHECK: gpu.module @kernels
// CHECK-NOT: gpu.func
// CHECK: enigma.kernel @vadd(
// CHECK-SAME: enigma.implicit = "threads_per_grid.x"
// CHECK-SAME: attributes {downstream.kernel_id = 0 : i32, enigma.coarsen = 4 : i32}
// CHECK: %[[TID:.*]] = enigma.thread_position_in_grid x
// CHECK: %[[BASE:.*]] = arith.muli %[[TID]], %{{.*}} : index
// CHECK: scf.if
// CHECK: %[[A:.*]] = vector.load %arg0[%[[BASE]]] {{.*}} vector<4xf32>
// CHECK: %[[B:.*]] = vector.load %arg1[%[[BASE]]] {{.*}} vector<4xf32>
// CHECK: %[[C:.*]] = arith.addf %[[A]], %[[B]] : vector<4xf32>
// CHECK: vector.store %[[C]], %arg2[%[[BASE]]] {{.*}} vector<4xf32>
// CHECK: } else {
// CHECK: scf.for
// CHECK: arith.addf %{{.*}}, %{{.*}} : f32
// CHECK: enigma.return
// CHECK: enigma.kernel @scale(
// CHECK-SAME: attributes {downstream.kernel_id = 1 : i32, enigma.coarsen = 4 : i32}
// CHECK: vector.broadcast
// CHECK: arith.mulf %{{.*}}, %{{.*}} : vector<4xf32>
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @vadd(%A: memref<?xf32>, %B: memref<?xf32>, %C: memref<?xf32>, %n: index) kernel {
      %i = gpu.global_id x
      %ok = arith.cmpi ult, %i, %n : index
      scf.if %ok {
        %a = memref.load %A[%i] : memref<?xf32>
        %b = memref.load %B[%i] : memref<?xf32>
        %c = arith.addf %a, %b : f32
        memref.store %c, %C[%i] : memref<?xf32>
      }
      gpu.return
    }
    // upstream's block_id * block_dim + thread_id form of the same index.
    gpu.func @scale(%X: memref<?xf32>, %s: f32, %n: index) kernel {
      %b = gpu.block_id x
      %d = gpu.block_dim x
      %t = gpu.thread_id x
      %bd = arith.muli %b, %d : index
      %i = arith.addi %bd, %t : index
      %ok = arith.cmpi ult, %i, %n : index
      scf.if %ok {
        %x = memref.load %X[%i] : memref<?xf32>
        %y = arith.mulf %x, %s : f32
        memref.store %y, %X[%i] : memref<?xf32>
      }
      gpu.return
    }
  }
}
