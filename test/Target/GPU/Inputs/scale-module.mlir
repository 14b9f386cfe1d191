// A host function launching an enigma.kernel in a gpu.module with #enigma.target (what
// convert-gpu-to-enigma and enigma-attach-target leave).
module attributes {gpu.container_module} {
  func.func @host(%a: memref<64xf32>, %s: f32) {
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    gpu.launch_func @kernels::@scale blocks in (%c1, %c1, %c1) threads in (%c64, %c1, %c1)
        args(%a : memref<64xf32>, %s : f32)
    return
  }
  gpu.module @kernels [#enigma.target] {
    enigma.kernel @scale(%a: memref<64xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                         %s: f32 {enigma.buffer_index = 1 : i32, enigma.scalar})
        attributes {gpu.kernel} {
      %i = enigma.thread_position_in_grid x
      %v = memref.load %a[%i] : memref<64xf32, #enigma.address_space<device>>
      %w = arith.mulf %v, %s : f32
      memref.store %w, %a[%i] : memref<64xf32, #enigma.address_space<device>>
      enigma.return
    }
  }
}
