// RUN: enigma-opt %s -split-input-file | FileCheck %s
// Round trip through the custom and the generic form.
// RUN: enigma-opt %s -split-input-file | enigma-opt -split-input-file | FileCheck %s
// RUN: enigma-opt %s -split-input-file -mlir-print-op-generic | enigma-opt -split-input-file | FileCheck %s
// The ops are Pure: CSE merges equal ones, DCE removes unused ones.
// RUN: enigma-opt %s -split-input-file -cse -canonicalize | FileCheck %s --check-prefix=CSE

// CHECK-LABEL: enigma.kernel @constants
// CHECK: enigma.function_constant 0 : f32
// CHECK: enigma.function_constant 1 : i32
// CHECK: enigma.function_constant 2 : i1
// CHECK: enigma.function_constant 3 unsigned : i32
// CHECK: enigma.function_constant 4 {name = "tile"} : i16
// CHECK: enigma.function_constant 5 : f16
// CHECK: enigma.function_constant 6 unsigned : i8
// CHECK: enigma.function_constant 65535 : i64
// CSE-LABEL: enigma.kernel @constants
// CSE-COUNT-1: enigma.function_constant 0 : f32
// CSE-NOT: enigma.function_constant 1
enigma.kernel @constants(%out: memref<?xf32, #enigma.address_space<device>>
                             {enigma.buffer_index = 0 : i32}) {
  %a = enigma.function_constant 0 : f32
  %b = enigma.function_constant 1 : i32
  %c = enigma.function_constant 2 : i1
  %d = enigma.function_constant 3 unsigned : i32
  %e = enigma.function_constant 4 {name = "tile"} : i16
  %f = enigma.function_constant 5 : f16
  %g = enigma.function_constant 6 unsigned : i8
  %h = enigma.function_constant 65535 : i64
  %a2 = enigma.function_constant 0 : f32
  %sum = arith.addf %a, %a2 : f32
  %i = arith.constant 0 : index
  memref.store %sum, %out[%i] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}
