// RUN: not enigma-opt %s -enigma-vectorize=vec-width=3 2>&1 | FileCheck %s --check-prefix=WIDTH3
// RUN: not enigma-opt %s -enigma-vectorize=vec-width=8 2>&1 | FileCheck %s --check-prefix=WIDTH8
// RUN: not enigma-opt %s --enigma-pipeline=vec-width=5 2>&1 | FileCheck %s --check-prefix=WIDTH5
// WIDTH3: error: enigma-vectorize: vec-width must be 2 or 4, got 3
// WIDTH8: error: enigma-vectorize: vec-width 8 is not available: Metal has no 8-element vector types (use 2 or 4)
// WIDTH5: error: enigma-vectorize: vec-width must be 2 or 4, got 5

enigma.kernel @k(%A: memref<?xf16, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %tid = enigma.thread_position_in_grid x
  %a = memref.load %A[%tid] : memref<?xf16, #enigma.address_space<device>>
  memref.store %a, %A[%tid] : memref<?xf16, #enigma.address_space<device>>
  enigma.return
}
