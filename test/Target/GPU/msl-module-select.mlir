// --msl-module picks one gpu.binary (its MSL object) or gpu.module (its kernels); a name that
// is not there is an error.
// RUN: enigma-translate --to-msl --msl-module=second %s | FileCheck %s
// RUN: enigma-translate --to-msl --msl-module=b %s | FileCheck %s --check-prefix=MODULE
// RUN: not enigma-translate --to-msl --msl-module=nothere %s 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not enigma-translate --to-msl %s 2>&1 | FileCheck %s --check-prefix=MIXED

// CHECK: // the second object
// CHECK-NOT: enigma_kernel_b
// MODULE: kernel void enigma_kernel_b(
// MODULE-NOT: the second object
// MISSING: error: cannot translate to MSL: --msl-module=nothere names no gpu.module or gpu.binary of this module
// MIXED: error: cannot translate to MSL: the module has both enigma.kernels and a serialized MSL object; select one with --msl-module=<name>
module attributes {gpu.container_module} {
  gpu.binary @first [#gpu.object<#enigma.target, assembly = "// the first object\n">]
  gpu.binary @second [#gpu.object<#enigma.target, assembly = "// the second object\n">]
  gpu.module @b {
    enigma.kernel @b() attributes {gpu.kernel} {
      enigma.return
    }
  }
}
