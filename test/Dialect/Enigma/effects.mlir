// RUN: enigma-opt %s -split-input-file -allow-unregistered-dialect -canonicalize -cse | FileCheck %s --check-prefix=CANON
// RUN: enigma-opt %s -split-input-file -allow-unregistered-dialect -loop-invariant-code-motion | FileCheck %s --check-prefix=LICM
// RUN: enigma-opt %s -split-input-file -allow-unregistered-dialect -control-flow-sink | FileCheck %s --check-prefix=SINK

// Queries are pure: unused ones disappear, duplicates merge. Barriers stay.
// CANON-LABEL: enigma.kernel @pure_queries
// CANON-NEXT: %[[T:.*]] = enigma.thread_position_in_grid x
// CANON-NEXT: enigma.threadgroup_barrier <threadgroup>
// CANON-NEXT: "test.use"(%[[T]], %[[T]])
enigma.kernel @pure_queries() {
  %unused = enigma.threads_per_grid x
  %0 = enigma.thread_position_in_grid x
  %1 = enigma.thread_position_in_grid x
  enigma.threadgroup_barrier <threadgroup>
  "test.use"(%0, %1) : (index, index) -> ()
  enigma.return
}

// -----

// A load is not merged with an identical load across a barrier (another thread may have
// written the memory in between).
// CANON-LABEL: enigma.kernel @barrier_orders_memory
// CANON: %[[A:.*]] = memref.load
// CANON-NEXT: enigma.threadgroup_barrier <threadgroup>
// CANON-NEXT: %[[B:.*]] = memref.load
// CANON-NEXT: "test.use"(%[[A]], %[[B]])
enigma.kernel @barrier_orders_memory() {
  %tg = enigma.threadgroup_alloc : memref<32xf32, #enigma.address_space<threadgroup>>
  %c0 = arith.constant 0 : index
  %a = memref.load %tg[%c0] : memref<32xf32, #enigma.address_space<threadgroup>>
  enigma.threadgroup_barrier <threadgroup>
  %b = memref.load %tg[%c0] : memref<32xf32, #enigma.address_space<threadgroup>>
  "test.use"(%a, %b) : (f32, f32) -> ()
  enigma.return
}

// -----

// Loop-invariant cross-lane ops stay in the loop: they are not speculatable (hoisting a
// zero-trip loop's simd_sum would run it on lanes that never entered the loop). A
// loop-invariant thread query is hoisted.
// LICM-LABEL: enigma.kernel @no_hoist
// LICM: enigma.thread_index_in_simdgroup
// LICM: scf.for
// LICM-NEXT: enigma.simd_reduce <sum>
// LICM-NEXT: enigma.simd_shuffle <xor>
// LICM-NEXT: "test.use"
enigma.kernel @no_hoist(%f: f32 {enigma.buffer_index = 0 : i32, enigma.scalar},
                        %n: index {enigma.buffer_index = 1 : i32, enigma.scalar}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c1_i32 = arith.constant 1 : i32
  scf.for %i = %c0 to %n step %c1 {
    %t = enigma.thread_index_in_simdgroup
    %s = enigma.simd_reduce <sum> %f : f32
    %x = enigma.simd_shuffle <xor> %f, %c1_i32 : f32, i32
    "test.use"(%t, %s, %x) : (index, f32, f32) -> ()
  }
  enigma.return
}

// -----

// Cross-lane ops are not sunk into a conditional: inside the branch fewer lanes would take
// part, which changes the result.
// The pure addf shows the pass is active: it is sunk.
// SINK-LABEL: enigma.kernel @no_sink
// SINK: enigma.simd_reduce <sum>
// SINK-NEXT: scf.if
// SINK-NEXT: arith.addf
enigma.kernel @no_sink(%f: f32 {enigma.buffer_index = 0 : i32, enigma.scalar},
                       %p: i1 {enigma.buffer_index = 1 : i32, enigma.scalar}) {
  %s = enigma.simd_reduce <sum> %f : f32
  %a = arith.addf %f, %f : f32
  scf.if %p {
    "test.use"(%s, %a) : (f32, f32) -> ()
  }
  enigma.return
}
