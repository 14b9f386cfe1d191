// A guarded elementwise gpu kernel and its launch, for end-to-end.test.
module attributes {gpu.container_module} {
  func.func @host(%A: memref<?xf32>, %C: memref<?xf32>, %n: index, %blocks: index) {
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    gpu.launch_func @kernels::@copy blocks in (%blocks, %c1, %c1) threads in (%c8, %c1, %c1)
        args(%A : memref<?xf32>, %C : memref<?xf32>, %n : index)
    return
  }
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
        %w = arith.mulf %v, %v : f32
        memref.store %w, %C[%i] : memref<?xf32>
      }
      gpu.return
    }
  }
}
