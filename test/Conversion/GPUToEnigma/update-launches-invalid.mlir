// RUN: enigma-opt %s -verify-diagnostics --enigma-update-gpu-launches

// A launch that does not pass the coarsened kernel's arguments is an error at the launch.
module attributes {gpu.container_module} {
  func.func @host(%A: memref<?xf32, #enigma.address_space<device>>) {
    %c1 = arith.constant 1 : index
    // expected-error @below {{enigma-update-gpu-launches: kernel 'k' is coarsened by 4 and takes 3 arguments, but this launch passes 1}}
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%A : memref<?xf32, #enigma.address_space<device>>)
    return
  }
  gpu.module @kernels {
    enigma.kernel @k(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                     %n: index {enigma.buffer_index = 1 : i32, enigma.scalar},
                     %g: i32 {enigma.buffer_index = 2 : i32, enigma.scalar, enigma.implicit = "threads_per_grid.x"})
        attributes {enigma.coarsen = 4 : i32, gpu.kernel} {
      enigma.return
    }
  }
}
