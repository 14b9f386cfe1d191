// --to-msl on host modules as upstream GPU pipelines leave them: the kernels of gpu.modules are
// translated and host code is skipped (msl-module-select.mlir tests --msl-module).
// RUN: enigma-translate --to-msl %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK: kernel void enigma_kernel_first(
// CHECK: kernel void enigma_kernel_second(
module attributes {gpu.container_module} {
  func.func @host(%a: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @first::@first blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%a : memref<4xf32>)
    return
  }
  gpu.module @first {
    enigma.kernel @first(%a: memref<4xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) attributes {gpu.kernel} {
      %c0 = arith.constant 0 : index
      %one = arith.constant 1.0 : f32
      memref.store %one, %a[%c0] : memref<4xf32, #enigma.address_space<device>>
      enigma.return
    }
  }
  gpu.module @second {
    enigma.kernel @second(%a: memref<4xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) attributes {gpu.kernel} {
      %c0 = arith.constant 0 : index
      %two = arith.constant 2.0 : f32
      memref.store %two, %a[%c0] : memref<4xf32, #enigma.address_space<device>>
      enigma.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @second {
    // expected-error @below {{cannot translate to MSL: gpu.module 'second' holds 'gpu.func', not an enigma.kernel (run convert-gpu-to-enigma first, or enigma-opt --gpu-lower-to-msl-pipeline)}}
    gpu.func @k() kernel {
      gpu.return
    }
  }
}

// -----

// expected-error @below {{cannot translate to MSL: no enigma.kernel in the module's gpu.modules and no gpu.binary with an #enigma.target MSL object}}
module attributes {gpu.container_module} {
  gpu.module @second {
  }
}

// -----

// expected-error @below {{cannot translate to MSL: several gpu.binary objects are MSL ('a', 'second'); select one with --msl-module=<name>}}
module attributes {gpu.container_module} {
  gpu.binary @a [#gpu.object<#enigma.target, assembly = "// a">]
  gpu.binary @second [#gpu.object<#enigma.target, assembly = "// second\n">]
}

// -----

module attributes {gpu.container_module} {
  // expected-error @below {{cannot translate to MSL: the module has both enigma.kernels and a serialized MSL object; select one with --msl-module=<name>}}
  gpu.binary @second [#gpu.object<#enigma.target, assembly = "// second\n">]
  gpu.module @b {
    // expected-note @below {{a kernel to translate}}
    enigma.kernel @b() attributes {gpu.kernel} {
      enigma.return
    }
  }
}
