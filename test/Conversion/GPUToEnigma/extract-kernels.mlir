// RUN: enigma-opt %s -split-input-file -verify-diagnostics --convert-gpu-to-enigma --enigma-extract-kernels | FileCheck %s

// Kernels move to the top-level module; host code and gpu.modules go.
// CHECK: module {
// CHECK-NEXT: enigma.kernel @k(
// CHECK-NOT: gpu.kernel
// CHECK: enigma.return
// CHECK-NEXT: }
// CHECK-NEXT: }
module attributes {gpu.container_module} {
  func.func @host(%A: memref<?xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%A : memref<?xf32>)
    return
  }
  gpu.module @kernels {
    gpu.func @k(%A: memref<?xf32>) kernel {
      gpu.return
    }
  }
}

// -----

gpu.module @a {
  // expected-note @below {{the other one}}
  gpu.func @k() kernel {
    gpu.return
  }
}
gpu.module @b {
  // expected-error @below {{enigma-extract-kernels: two kernels are named 'k'}}
  gpu.func @k() kernel {
    gpu.return
  }
}
