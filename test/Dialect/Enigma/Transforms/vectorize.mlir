// RUN: enigma-opt %s -split-input-file -enigma-vectorize=vec-width=4 -canonicalize -cse | FileCheck %s
// RUN: enigma-opt %s -split-input-file -enigma-vectorize=vec-width=4 | FileCheck %s --check-prefix=RAW

// Elementwise with a bounds guard: vector fast path when all 4 coarsened threads exist and
// pass the guard, scalar tail otherwise. Contiguous accesses at a multiple of 4 from a kernel
// buffer are 16-byte aligned.
// CHECK-LABEL: enigma.kernel @vadd
// CHECK-SAME: %[[N:[^:]*]]: i32 {enigma.buffer_index = 3 : i32, enigma.scalar}
// CHECK-SAME: %[[G:[^:]*]]: i32 {enigma.buffer_index = 4 : i32, enigma.implicit = "threads_per_grid.x", enigma.scalar}
// CHECK-SAME: attributes {enigma.coarsen = 4 : i32}
// CHECK: %[[T:.*]] = enigma.thread_position_in_grid x
// CHECK: %[[BASE:.*]] = arith.muli %[[T]], %c4
// CHECK: scf.if
// CHECK: %[[A:.*]] = vector.load %{{.*}}[%[[BASE]]] {alignment = 16 : i64} : memref<?xf32, #enigma.address_space<device>>, vector<4xf32>
// CHECK: %[[B:.*]] = vector.load %{{.*}}[%[[BASE]]] {alignment = 16 : i64}
// CHECK: %[[S:.*]] = arith.addf %[[A]], %[[B]] : vector<4xf32>
// CHECK: vector.store %[[S]], %{{.*}}[%[[BASE]]] {alignment = 16 : i64}
// CHECK: } else {
// CHECK: scf.for %[[LANE:.*]] = %c0 to %c4 step %c1
// CHECK: %[[TID:.*]] = arith.addi %[[BASE]], %[[LANE]]
// CHECK: memref.load %{{.*}}[%[[TID]]]
// CHECK: arith.addf %{{.*}} : f32
// CHECK: memref.store
// The analysis builds no IR: without canonicalize, nothing but the fast-path condition (the
// guard cloned at the last lane) comes before the branch.
// RAW-LABEL: enigma.kernel @vadd
// RAW: arith.cmpi ule
// RAW-NOT: vector.
// RAW: arith.andi
// RAW-NEXT: scf.if
enigma.kernel @vadd(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.access = #enigma.access<read>},
                    %B: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32, enigma.access = #enigma.access<read>},
                    %C: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 2 : i32, enigma.access = #enigma.access<write>},
                    %n: i32 {enigma.buffer_index = 3 : i32, enigma.scalar}) {
  %tid = enigma.thread_position_in_grid x
  %ni = arith.index_castui %n : i32 to index
  %ok = arith.cmpi ult, %tid, %ni : index
  scf.if %ok {
    %a = memref.load %A[%tid] : memref<?xf32, #enigma.address_space<device>>
    %b = memref.load %B[%tid] : memref<?xf32, #enigma.address_space<device>>
    %c = arith.addf %a, %b : f32
    memref.store %c, %C[%tid] : memref<?xf32, #enigma.address_space<device>>
  }
  enigma.return
}

// -----

// An offset that is not a multiple of 4: contiguous but not provably aligned.
// CHECK-LABEL: enigma.kernel @offset
// CHECK: vector.load %{{.*}}[%{{.*}}] : memref<?xf32, #enigma.address_space<device>>, vector<4xf32>
// CHECK: vector.store %{{.*}}, %{{.*}}[%{{.*}}] {alignment = 16 : i64}
enigma.kernel @offset(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                      %C: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32}) {
  %tid = enigma.thread_position_in_grid x
  %c3 = arith.constant 3 : index
  %i = arith.addi %tid, %c3 : index
  %a = memref.load %A[%i] : memref<?xf32, #enigma.address_space<device>>
  memref.store %a, %C[%tid] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

// Strided and gathered accesses become per-lane loads; uniform values are broadcast.
// CHECK-LABEL: enigma.kernel @strided_gather
// CHECK: scf.if
// CHECK-COUNT-4: memref.load %{{.*}} : memref<?xf32, #enigma.address_space<device>>
// CHECK: vector.from_elements
// CHECK: vector.load %{{.*}} : memref<?xi32, #enigma.address_space<device>>, vector<4xi32>
// CHECK-COUNT-4: vector.extract
// CHECK: vector.from_elements
// CHECK: vector.broadcast %{{.*}} : f32 to vector<4xf32>
// CHECK: vector.store
// CHECK: } else {
enigma.kernel @strided_gather(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                              %Idx: memref<?xi32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32},
                              %C: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 2 : i32},
                              %s: f32 {enigma.buffer_index = 3 : i32, enigma.scalar}) {
  %tid = enigma.thread_position_in_grid x
  %c2 = arith.constant 2 : index
  %i2 = arith.muli %tid, %c2 : index
  %a = memref.load %A[%i2] : memref<?xf32, #enigma.address_space<device>>
  %j = memref.load %Idx[%tid] : memref<?xi32, #enigma.address_space<device>>
  %ji = arith.index_cast %j : i32 to index
  %g = memref.load %A[%ji] : memref<?xf32, #enigma.address_space<device>>
  %sum = arith.addf %a, %g : f32
  %scaled = arith.mulf %sum, %s : f32
  memref.store %scaled, %C[%tid] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

// A 2-D kernel over a (64, H):(1, 64) layout: the lowered offset x + y*64 is contiguous in x,
// and aligned because 64 is a multiple of 4.
// CHECK-LABEL: enigma.kernel @two_d
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<?xf32, #enigma.address_space<device>>, vector<4xf32>
// CHECK: math.exp %{{.*}} : vector<4xf32>
// CHECK: vector.store %{{.*}} {alignment = 16 : i64}
enigma.kernel @two_d(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                     %C: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32}) {
  %x = enigma.thread_position_in_grid x
  %y = enigma.thread_position_in_grid y
  %c64 = arith.constant 64 : index
  %row = arith.muli %y, %c64 : index
  %off = arith.addi %x, %row : index
  %a = memref.load %A[%off] : memref<?xf32, #enigma.address_space<device>>
  %e = math.exp %a : f32
  memref.store %e, %C[%off] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

// A flat thread index split by a (64,?) layout: remainder and quotient by 64 stay
// contiguous/uniform over 4 lanes starting at a multiple of 4.
// CHECK-LABEL: enigma.kernel @layout_split
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<?x64xf32, #enigma.address_space<device>>, vector<4xf32>
enigma.kernel @layout_split(%A: memref<?x64xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                            %C: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32}) {
  %tid = enigma.thread_position_in_grid x
  %c64 = arith.constant 64 : index
  %c6 = arith.constant 6 : index
  %c63 = arith.constant 63 : index
  %col = arith.shrui %tid, %c6 : index
  %row = arith.andi %tid, %c63 : index
  %a = memref.load %A[%col, %row] : memref<?x64xf32, #enigma.address_space<device>>
  memref.store %a, %C[%tid] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

// Bool buffers are accessed lane by lane (Metal has no vector bool memory access); a small
// constant offset in the guard keeps it monotone.
// CHECK-LABEL: enigma.kernel @bools
// CHECK: scf.if
// CHECK-COUNT-4: memref.load %{{.*}} : memref<?xi1, #enigma.address_space<device>>
// CHECK: vector.from_elements {{.*}} : vector<4xi1>
// CHECK: arith.select {{.*}} : vector<4xi1>, vector<4xf32>
// CHECK-COUNT-4: memref.store %{{.*}} : memref<?xi1, #enigma.address_space<device>>
// CHECK: } else {
enigma.kernel @bools(%M: memref<?xi1, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                     %A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32},
                     %n: index {enigma.buffer_index = 2 : i32, enigma.scalar}) {
  %tid = enigma.thread_position_in_grid x
  %c2 = arith.constant 2 : index
  %i = arith.addi %tid, %c2 : index
  %ok = arith.cmpi ult, %i, %n : index
  scf.if %ok {
    %m = memref.load %M[%tid] : memref<?xi1, #enigma.address_space<device>>
    %a = memref.load %A[%tid] : memref<?xf32, #enigma.address_space<device>>
    %z = arith.constant 0.0 : f32
    %s = arith.select %m, %a, %z : f32
    memref.store %s, %A[%tid] : memref<?xf32, #enigma.address_space<device>>
    %nm = arith.xori %m, %m : i1
    memref.store %nm, %M[%tid] : memref<?xi1, #enigma.address_space<device>>
  }
  enigma.return
}

// -----

// A 2-D guard `x < W && y < H` is a conjunction of a monotone and a uniform comparison: the
// last lane decides it. The grid argument takes the lowest free slot (1 here).
// CHECK-LABEL: enigma.kernel @guard_2d
// CHECK-SAME: %{{[^:]*}}: i32 {enigma.buffer_index = 1 : i32, enigma.implicit = "threads_per_grid.x", enigma.scalar}
// CHECK-SAME: attributes {enigma.coarsen = 4 : i32}
// CHECK: vector.load
enigma.kernel @guard_2d(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                        %w: index {enigma.buffer_index = 2 : i32, enigma.scalar},
                        %h: index {enigma.buffer_index = 5 : i32, enigma.scalar}) {
  %x = enigma.thread_position_in_grid x
  %y = enigma.thread_position_in_grid y
  %okx = arith.cmpi ult, %x, %w : index
  %oky = arith.cmpi ult, %y, %h : index
  %ok = arith.andi %okx, %oky : i1
  scf.if %ok {
    %row = arith.muli %y, %w : index
    %i = arith.addi %row, %x : index
    %a = memref.load %A[%i] : memref<?xf32, #enigma.address_space<device>>
    %b = arith.addf %a, %a : f32
    memref.store %b, %A[%i] : memref<?xf32, #enigma.address_space<device>>
  }
  enigma.return
}

// -----

// index buffers have no fixed-width element type: accessed lane by lane (the arithmetic is
// still vector arithmetic).
// CHECK-LABEL: enigma.kernel @index_buffer
// CHECK: scf.if
// CHECK-COUNT-4: memref.load %{{.*}} : memref<?xindex, #enigma.address_space<device>>
// CHECK: arith.addi {{.*}} : vector<4xindex>
// CHECK-COUNT-4: memref.store
// CHECK-NOT: vector.load
enigma.kernel @index_buffer(%A: memref<?xindex, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %tid = enigma.thread_position_in_grid x
  %a = memref.load %A[%tid] : memref<?xindex, #enigma.address_space<device>>
  %b = arith.addi %a, %tid : index
  memref.store %b, %A[%tid] : memref<?xindex, #enigma.address_space<device>>
  enigma.return
}
