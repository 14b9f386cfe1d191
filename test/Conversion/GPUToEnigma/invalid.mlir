// RUN: enigma-opt %s -split-input-file -verify-diagnostics --convert-gpu-to-enigma

gpu.module @kernels {
  gpu.func @k(%A: memref<32xf32>, %v: f32) kernel {
    %o = arith.constant 1 : i32
    %w = arith.constant 32 : i32
    // expected-error @below {{convert-gpu-to-enigma: 'gpu.shuffle' has no Enigma equivalent}}
    %r, %ok = gpu.shuffle xor %v, %o, %w : f32
    gpu.return
  }
}

// -----

gpu.module @kernels {
  // expected-error @below {{convert-gpu-to-enigma: only kernel gpu.funcs convert to Enigma; 'helper' is not a kernel}}
  gpu.func @helper(%x: f32) {
    gpu.return
  }
}

// -----

gpu.module @kernels {
  // expected-error @below {{convert-gpu-to-enigma: the memory space of 'memref<32xf32, 7>' has no Metal address space}}
  gpu.func @k(%A: memref<32xf32, 7>) kernel {
    %c0 = arith.constant 0 : index
    // expected-error @below {{convert-gpu-to-enigma: the memory space of 'memref<32xf32, 7>' has no Metal address space (expected none, global, workgroup or private)}}
    %v = memref.load %A[%c0] : memref<32xf32, 7>
    gpu.return
  }
}
