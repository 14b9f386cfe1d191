// RUN: enigma-opt %s -split-input-file -enigma-vectorize=vec-width=4 -verify-diagnostics | FileCheck %s --check-prefix=W4
// RUN: enigma-opt %s -split-input-file -enigma-vectorize=vec-width=2 2>/dev/null | FileCheck %s --check-prefix=W2

// The bounds guard decides for all lanes only if its thread-id side cannot wrap around between
// two lanes; upstream integer range analysis proves that. Thread positions come from the
// enigma query ops' ranges (InferIntRangeInterface); in the fast path every lane exists and
// `base + W <= G` holds in 32 bits, so the x thread position is at most 2^32 - 1 - W.

// tid + 3 is at most 2^32 - 2 with W = 4, but reaches 2^32 (wraps to 0) with W = 2.
// W4-LABEL: enigma.kernel @small_offset
// W4-SAME: enigma.coarsen = 4
// W2-LABEL: enigma.kernel @small_offset
// W2-NOT: enigma.coarsen
enigma.kernel @small_offset(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                            %n: index {enigma.buffer_index = 1 : i32, enigma.scalar}) {
  %tid = enigma.thread_position_in_grid x
  %c3 = arith.constant 3 : index
  %i = arith.addi %tid, %c3 : index
  %ok = arith.cmpi ult, %i, %n : index
  scf.if %ok {
    %a = memref.load %A[%tid] : memref<?xf32, #enigma.address_space<device>>
    memref.store %a, %A[%tid] : memref<?xf32, #enigma.address_space<device>>
  }
  enigma.return
}

// -----

// A 32-bit unsigned guard and a 64-bit signed one on the zero-extended thread id.
// W4-LABEL: enigma.kernel @cast_guards
// W4-SAME: enigma.coarsen = 4
// W2-LABEL: enigma.kernel @cast_guards
// W2-SAME: enigma.coarsen = 2
enigma.kernel @cast_guards(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                           %n: i32 {enigma.buffer_index = 1 : i32, enigma.scalar},
                           %m: i64 {enigma.buffer_index = 2 : i32, enigma.scalar}) {
  %tid = enigma.thread_position_in_grid x
  %c1 = arith.constant 1 : index
  %i = arith.addi %tid, %c1 : index
  %i32 = arith.index_castui %i : index to i32
  %ok32 = arith.cmpi ult, %i32, %n : i32
  %i64 = arith.index_castui %tid : index to i64
  %ok64 = arith.cmpi slt, %i64, %m : i64
  %ok = arith.andi %ok32, %ok64 : i1
  scf.if %ok {
    %a = memref.load %A[%tid] : memref<?xf32, #enigma.address_space<device>>
    memref.store %a, %A[%tid] : memref<?xf32, #enigma.address_space<device>>
  }
  enigma.return
}

// -----

// 2 * tid wraps around once the grid has 2^31 threads (tids 2^31 - 1 and 2^31 of one
// coarsened thread give 2^32 - 2 and 0): refused, as is a signed 32-bit comparison of the
// thread id (int(tid) turns negative at 2^31).
// W4-LABEL: enigma.kernel @strided_guard
// W4-NOT: enigma.coarsen
// W2-LABEL: enigma.kernel @strided_guard
// W2-NOT: enigma.coarsen
// expected-remark @+1 {{kernel 'strided_guard' left scalar: the bounds guard is not a comparison increasing in the thread id}}
enigma.kernel @strided_guard(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                             %n: index {enigma.buffer_index = 1 : i32, enigma.scalar}) {
  %tid = enigma.thread_position_in_grid x
  %c2 = arith.constant 2 : index
  %i = arith.muli %tid, %c2 : index
  %ok = arith.cmpi ult, %i, %n : index
  // expected-note @+1 {{here}}
  scf.if %ok {
    %a = memref.load %A[%tid] : memref<?xf32, #enigma.address_space<device>>
    memref.store %a, %A[%tid] : memref<?xf32, #enigma.address_space<device>>
  }
  enigma.return
}

// -----

// W4-LABEL: enigma.kernel @signed_guard
// W4-NOT: enigma.coarsen
// W2-LABEL: enigma.kernel @signed_guard
// W2-NOT: enigma.coarsen
// expected-remark @+1 {{kernel 'signed_guard' left scalar: the bounds guard is not a comparison increasing in the thread id}}
enigma.kernel @signed_guard(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                            %n: i32 {enigma.buffer_index = 1 : i32, enigma.scalar}) {
  %tid = enigma.thread_position_in_grid x
  %t = arith.index_cast %tid : index to i32
  %ok = arith.cmpi slt, %t, %n : i32
  // expected-note @+1 {{here}}
  scf.if %ok {
    %a = memref.load %A[%tid] : memref<?xf32, #enigma.address_space<device>>
    memref.store %a, %A[%tid] : memref<?xf32, #enigma.address_space<device>>
  }
  enigma.return
}

// -----

// thread_position_in_threadgroup y is below known_block_size[1] = 4: tid + y is at most
// 2^32 - 2 with W = 4 (not with W = 2).
// W4-LABEL: enigma.kernel @known_block_size
// W4-SAME: enigma.coarsen = 4
// W2-LABEL: enigma.kernel @known_block_size
// W2-NOT: enigma.coarsen
enigma.kernel @known_block_size(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                                %n: index {enigma.buffer_index = 1 : i32, enigma.scalar})
    attributes {known_block_size = array<i32: 32, 4, 1>} {
  %tid = enigma.thread_position_in_grid x
  %y = enigma.thread_position_in_threadgroup y
  %i = arith.addi %tid, %y : index
  %ok = arith.cmpi ult, %i, %n : index
  scf.if %ok {
    %a = memref.load %A[%tid] : memref<?xf32, #enigma.address_space<device>>
    memref.store %a, %A[%tid] : memref<?xf32, #enigma.address_space<device>>
  }
  enigma.return
}

// -----

// Without it, y may be up to 2^32 - 2.
// W4-LABEL: enigma.kernel @unknown_block_size
// W4-NOT: enigma.coarsen
// W2-LABEL: enigma.kernel @unknown_block_size
// W2-NOT: enigma.coarsen
// expected-remark @+1 {{kernel 'unknown_block_size' left scalar: the bounds guard is not a comparison increasing in the thread id}}
enigma.kernel @unknown_block_size(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                                  %n: index {enigma.buffer_index = 1 : i32, enigma.scalar}) {
  %tid = enigma.thread_position_in_grid x
  %y = enigma.thread_position_in_threadgroup y
  %i = arith.addi %tid, %y : index
  %ok = arith.cmpi ult, %i, %n : index
  // expected-note @+1 {{here}}
  scf.if %ok {
    %a = memref.load %A[%tid] : memref<?xf32, #enigma.address_space<device>>
    memref.store %a, %A[%tid] : memref<?xf32, #enigma.address_space<device>>
  }
  enigma.return
}
