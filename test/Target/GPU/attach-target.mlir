// RUN: enigma-opt %s --enigma-attach-target | FileCheck %s
// RUN: enigma-opt %s --enigma-attach-target='module=k.* format=metallib flags=-O2' \
// RUN:   | FileCheck %s --check-prefix=REGEX
// RUN: not enigma-opt %s --enigma-attach-target='format=air' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BADFORMAT
// RUN: not enigma-opt %s --enigma-attach-target='module=(' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BADREGEX

// Appended after existing targets, and only once.
// CHECK: gpu.module @kernels [#enigma.target]
// CHECK: gpu.module @other [#enigma.target<format = "metallib">, #enigma.target]
// CHECK: gpu.module @again [#enigma.target]

// The regular expression matches whole names.
// REGEX: gpu.module @kernels [#enigma.target<format = "metallib", flags = "-O2">]
// REGEX: gpu.module @other [#enigma.target<format = "metallib">]
// REGEX: gpu.module @again [#enigma.target]

// BADFORMAT: error: enigma-attach-target: #enigma.target format must be "msl" or "metallib", got "air"
// BADREGEX: error: enigma-attach-target: invalid module regular expression '('

module attributes {gpu.container_module} {
  gpu.module @kernels {
  }
  gpu.module @other [#enigma.target<format = "metallib">] {
  }
  gpu.module @again [#enigma.target] {
  }
}
