// RUN: enigma-opt %s -split-input-file -enigma-vectorize=vec-width=4 -verify-diagnostics | FileCheck %s
// Kernels the pass cannot vectorize safely are left unchanged with a remark saying why.

// CHECK-LABEL: enigma.kernel @barrier
// CHECK-NOT: enigma.coarsen
// CHECK-NOT: vector.
// expected-remark @+1 {{kernel 'barrier' left scalar: it synchronizes threads (barrier)}}
enigma.kernel @barrier(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %tid = enigma.thread_position_in_grid x
  // expected-note @+1 {{here}}
  enigma.threadgroup_barrier <device>
  %a = memref.load %A[%tid] : memref<?xf32, #enigma.address_space<device>>
  memref.store %a, %A[%tid] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

// CHECK-LABEL: enigma.kernel @cross_lane
// CHECK-NOT: enigma.coarsen
// expected-remark @+1 {{left scalar: it uses cross-lane operations ('enigma.simd_reduce')}}
enigma.kernel @cross_lane(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %tid = enigma.thread_position_in_grid x
  %a = memref.load %A[%tid] : memref<?xf32, #enigma.address_space<device>>
  // expected-note @+1 {{here}}
  %s = enigma.simd_reduce <sum> %a : f32
  memref.store %s, %A[%tid] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

// CHECK-LABEL: enigma.kernel @atomics
// CHECK-NOT: enigma.coarsen
// expected-remark @+1 {{left scalar: it uses atomics, whose order coarsening would change}}
enigma.kernel @atomics(%H: memref<?xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %tid = enigma.thread_position_in_grid x
  %one = arith.constant 1 : i32
  // expected-note @+1 {{here}}
  %old = enigma.atomic_rmw <add> %one, %H[%tid] : memref<?xi32, #enigma.address_space<device>>
  enigma.return
}

// -----

// A loop in the body is not widened (kept scalar, unchanged).
// CHECK-LABEL: enigma.kernel @loop
// CHECK-NOT: enigma.coarsen
// CHECK-NOT: enigma.implicit
// expected-remark @+1 {{left scalar: the body has nested regions the vectorizer does not widen}}
enigma.kernel @loop(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %tid = enigma.thread_position_in_grid x
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  // expected-note @+1 {{here}}
  scf.for %i = %c0 to %c8 step %c1 {
    %a = memref.load %A[%tid] : memref<?xf32, #enigma.address_space<device>>
    memref.store %a, %A[%i] : memref<?xf32, #enigma.address_space<device>>
  }
  enigma.return
}

// -----

// A guard that is not monotone in the thread id cannot pick the vector path for all lanes.
// CHECK-LABEL: enigma.kernel @odd_guard
// CHECK-NOT: enigma.coarsen
// expected-remark @+1 {{left scalar: the bounds guard is not a comparison increasing in the thread id (e.g. tid < n)}}
enigma.kernel @odd_guard(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                         %n: index {enigma.buffer_index = 1 : i32, enigma.scalar}) {
  %tid = enigma.thread_position_in_grid x
  %ok = arith.cmpi ne, %tid, %n : index
  // expected-note @+1 {{here}}
  scf.if %ok {
    %a = memref.load %A[%tid] : memref<?xf32, #enigma.address_space<device>>
    memref.store %a, %A[%tid] : memref<?xf32, #enigma.address_space<device>>
  }
  enigma.return
}

// -----

// CHECK-LABEL: enigma.kernel @threadgroup_index
// expected-remark @+1 {{left scalar: it uses 'enigma.thread_index_in_threadgroup', which coarsening changes}}
enigma.kernel @threadgroup_index(%A: memref<?xindex, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %tid = enigma.thread_position_in_grid x
  // expected-note @+1 {{here}}
  %l = enigma.thread_index_in_threadgroup
  memref.store %l, %A[%tid] : memref<?xindex, #enigma.address_space<device>>
  enigma.return
}

// -----

// CHECK-LABEL: enigma.kernel @no_tid
// expected-remark @+1 {{left scalar: it does not use thread_position_in_grid.x}}
enigma.kernel @no_tid(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  enigma.return
}

// -----

// `tid - 1 < n` wraps around at tid = 0 (thread 0 fails the guard, thread 1 passes): the last
// lane does not decide it for the others.
// CHECK-LABEL: enigma.kernel @wrapping_guard
// CHECK-NOT: enigma.coarsen
// expected-remark @+1 {{left scalar: the bounds guard is not a comparison increasing in the thread id (e.g. tid < n)}}
enigma.kernel @wrapping_guard(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                              %n: index {enigma.buffer_index = 1 : i32, enigma.scalar}) {
  %tid = enigma.thread_position_in_grid x
  %c1 = arith.constant 1 : index
  %lo = arith.subi %tid, %c1 : index
  %ok = arith.cmpi ult, %lo, %n : index
  // expected-note @+1 {{here}}
  scf.if %ok {
    %a = memref.load %A[%tid] : memref<?xf32, #enigma.address_space<device>>
    memref.store %a, %A[%tid] : memref<?xf32, #enigma.address_space<device>>
  }
  enigma.return
}

// -----

// A runtime offset may be large enough to wrap: refused too.
// CHECK-LABEL: enigma.kernel @runtime_offset_guard
// CHECK-NOT: enigma.coarsen
// expected-remark @+1 {{left scalar: the bounds guard is not a comparison increasing in the thread id}}
enigma.kernel @runtime_offset_guard(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                                    %n: index {enigma.buffer_index = 1 : i32, enigma.scalar},
                                    %off: index {enigma.buffer_index = 2 : i32, enigma.scalar}) {
  %tid = enigma.thread_position_in_grid x
  %i = arith.addi %tid, %off : index
  %ok = arith.cmpi ult, %i, %n : index
  // expected-note @+1 {{here}}
  scf.if %ok {
    %a = memref.load %A[%tid] : memref<?xf32, #enigma.address_space<device>>
    memref.store %a, %A[%tid] : memref<?xf32, #enigma.address_space<device>>
  }
  enigma.return
}
