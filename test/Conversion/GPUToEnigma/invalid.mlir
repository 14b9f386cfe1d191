// RUN: enigma-opt %s -split-input-file -verify-diagnostics --convert-gpu-to-enigma

gpu.module @kernels {
  gpu.func @k(%A: memref<32xf32>, %v: f32) kernel {
    // expected-error @below {{convert-gpu-to-enigma: 'gpu.all_reduce' has no Enigma equivalent}}
    %r = gpu.all_reduce add %v uniform {} : (f32) -> (f32)
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

// -----

gpu.module @kernels {
  gpu.func @k(%v: f32, %o: i32, %w: i32) kernel {
    // expected-error @below {{convert-gpu-to-enigma: gpu.shuffle converts only with a constant width of 32 (the Metal SIMD-group size)}}
    %r, %ok = gpu.shuffle down %v, %o, %w : f32
    gpu.return
  }
}

// -----

gpu.module @kernels {
  gpu.func @k(%v: f32) kernel {
    // expected-error @below {{convert-gpu-to-enigma: gpu.subgroup_reduce maximumf has no Metal SIMD-group equivalent}}
    %r = gpu.subgroup_reduce maximumf %v : (f32) -> f32
    gpu.return
  }
}

// -----

gpu.module @kernels {
  gpu.func @k(%v: f32) kernel {
    // expected-error @below {{convert-gpu-to-enigma: gpu.subgroup_reduce converts only over the whole subgroup or over clusters of 4 consecutive lanes (a Metal quad)}}
    %r = gpu.subgroup_reduce add %v cluster(size = 8) : (f32) -> f32
    gpu.return
  }
}

// -----

gpu.module @kernels {
  // expected-error @below {{convert-gpu-to-enigma: argument 0 of kernel 'k' has type 'vector<4xf32>', which is neither a buffer (ranked memref) nor a scalar (integer, index or float)}}
  gpu.func @k(%x: vector<4xf32>) kernel {
    gpu.return
  }
}

// -----

gpu.module @kernels {
  // expected-error @below {{convert-gpu-to-enigma: kernel 'k' has 2 blocks; Enigma kernels are structured (one block, control flow in scf)}}
  gpu.func @k(%A: memref<?xf32>) kernel {
    cf.br ^bb1
  ^bb1:
    gpu.return
  }
}
