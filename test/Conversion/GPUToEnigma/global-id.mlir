// RUN: enigma-opt %s -allow-unregistered-dialect --convert-gpu-to-enigma | FileCheck %s
// A converted kernel is not coarsened while host gpu.launch_func ops would keep its old grid.
// RUN: enigma-opt %s -allow-unregistered-dialect --convert-gpu-to-enigma --enigma-vectorize=vec-width=4 2>&1 \
// RUN:   | FileCheck %s --check-prefix=VEC

// block_id * block_dim + thread_id (either operand order) is the grid position.
// CHECK-LABEL: enigma.kernel @copy
// CHECK-DAG: %[[B:.*]] = enigma.threadgroup_position_in_grid x
// CHECK-DAG: %[[T:.*]] = enigma.thread_position_in_threadgroup x
// CHECK-DAG: %[[G:.*]] = enigma.thread_position_in_grid x
// CHECK: memref.load %{{.*}}[%[[G]]]
// CHECK-DAG: %[[D:.*]] = enigma.threads_per_threadgroup y
// CHECK-DAG: %[[GY:.*]] = enigma.thread_position_in_grid y
// CHECK: "test.use"(%[[GY]])
// Mixed dimensions are left alone.
// CHECK: %[[M:.*]] = arith.muli %[[B]], %[[D]]
// CHECK: arith.addi %[[M]], %[[T]]
// VEC: remark: kernel 'copy' left scalar: it is launched by gpu.launch_func (gpu.kernel)
// VEC: enigma.kernel @copy
// VEC-NOT: enigma.coarsen
gpu.module @kernels {
  gpu.func @copy(%A: memref<?xf32>, %C: memref<?xf32>, %n: index) kernel {
    %b = gpu.block_id x
    %d = gpu.block_dim x
    %t = gpu.thread_id x
    %bd = arith.muli %b, %d : index
    %i = arith.addi %bd, %t : index
    %ok = arith.cmpi ult, %i, %n : index
    scf.if %ok {
      %v = memref.load %A[%i] : memref<?xf32>
      memref.store %v, %C[%i] : memref<?xf32>
    }
    %by = gpu.block_id y
    %dy = gpu.block_dim y
    %ty = gpu.thread_id y
    %dby = arith.muli %dy, %by : index
    %iy = arith.addi %ty, %dby : index
    "test.use"(%iy) : (index) -> ()
    %mixed = arith.muli %b, %dy : index
    %j = arith.addi %mixed, %t : index
    "test.use"(%j) : (index) -> ()
    gpu.return
  }
}
