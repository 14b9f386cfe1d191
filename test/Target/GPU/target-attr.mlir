// RUN: enigma-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// #enigma.target round-trips; defaults are not printed.
// CHECK-LABEL: gpu.module @a [#enigma.target]
gpu.module @a [#enigma.target] {
}
// CHECK-LABEL: gpu.module @b [#enigma.target<format = "metallib", flags = "-O2 -std=metal3.1">]
gpu.module @b [#enigma.target<format = "metallib", flags = "-O2 -std=metal3.1">] {
}
// CHECK-LABEL: gpu.module @c [#enigma.target<format = "metallib">]
gpu.module @c [#enigma.target<format = "metallib">] {
}

// -----

// expected-error @below {{#enigma.target format must be "msl" or "metallib", got "air"}}
gpu.module @bad [#enigma.target<format = "air">] {
}

// -----

// expected-error @below {{#enigma.target flags are `xcrun metal` arguments: they need format = "metallib"}}
gpu.module @bad [#enigma.target<flags = "-O2">] {
}
