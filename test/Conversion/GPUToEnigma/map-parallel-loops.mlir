// enigma-map-parallel-loops: outermost scf.parallel loops tiled into threadgroups of
// block-size threads and mapped (innermost dimension = x); loops it must leave alone keep
// their form for upstream's gpu-map-parallel-loops.
// RUN: enigma-opt %s --split-input-file --enigma-map-parallel-loops --cse | FileCheck %s
// RUN: enigma-opt %s --split-input-file --enigma-map-parallel-loops=block-size=64 --cse \
// RUN:   | FileCheck %s --check-prefix=B64
// RUN: not enigma-opt %s --enigma-map-parallel-loops=block-size=0 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD
// RUN: not enigma-opt %s --enigma-map-parallel-loops=block-size=2000 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD2

// BAD: error: enigma-map-parallel-loops: block-size must be in 1..1024, got 0
// BAD2: error: enigma-map-parallel-loops: block-size must be in 1..1024, got 2000

// CHECK-LABEL: func.func @one_d
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG: %[[N:.*]] = arith.constant 1000 : index
// CHECK: scf.parallel (%[[T:.*]]) = (%{{.*}}) to (%[[N]]) step (%[[C256]]) {
// CHECK:   scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%[[C256]]) step (%{{.*}}) {
// CHECK:     %[[G:.*]] = arith.addi %[[I]], %[[T]] : index
// CHECK:     scf.if
// CHECK:       memref.store %{{.*}}, %{{.*}}[%[[G]]]
// CHECK:   } {mapping = [#gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// B64-LABEL: func.func @one_d
// B64: arith.constant 64 : index
func.func @one_d(%a: memref<1000xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 1000 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %f, %a[%i] : memref<1000xf32>
    scf.reduce
  }
  return
}

// -----

// A constant trip count below the block size caps the tile: one threadgroup of 8 threads.
// CHECK-LABEL: func.func @short
// CHECK: %[[C8:.*]] = arith.constant 8 : index
// CHECK: scf.parallel ({{.*}}) = ({{.*}}) to ({{.*}}) step (%[[C8]])
// CHECK:   scf.parallel ({{.*}}) = ({{.*}}) to (%[[C8]])
func.func @short(%a: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %f, %a[%i] : memref<8xf32>
    scf.reduce
  }
  return
}

// -----

// Two dimensions: 32 threads along the innermost (contiguous) one, mapped to x; the rest of
// the block (256 / 32 = 8) along the outer one, mapped to y.
// CHECK-LABEL: func.func @two_d
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK: scf.parallel ({{.*}}) step (%[[C8]], %[[C32]])
// CHECK:   scf.parallel ({{.*}}) to (%[[C8]], %[[C32]])
// CHECK:   } {mapping = [#gpu.loop_dim_map<processor = thread_y, {{.*}}>, #gpu.loop_dim_map<processor = thread_x, {{.*}}>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_y, {{.*}}>, #gpu.loop_dim_map<processor = block_x, {{.*}}>]}
// B64-LABEL: func.func @two_d
// B64-DAG: %[[C2:.*]] = arith.constant 2 : index
// B64-DAG: %[[C32:.*]] = arith.constant 32 : index
// B64: scf.parallel ({{.*}}) step (%[[C2]], %[[C32]])
func.func @two_d(%a: memref<64x48xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c48 = arith.constant 48 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c48) step (%c1, %c1) {
    memref.store %f, %a[%i, %j] : memref<64x48xf32>
    scf.reduce
  }
  return
}

// -----

// Three dimensions: the outermost gets one thread per threadgroup and is mapped to z.
// CHECK-LABEL: func.func @three_d
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = thread_z, {{.*}}>, #gpu.loop_dim_map<processor = thread_y, {{.*}}>, #gpu.loop_dim_map<processor = thread_x, {{.*}}>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_z, {{.*}}>, #gpu.loop_dim_map<processor = block_y, {{.*}}>, #gpu.loop_dim_map<processor = block_x, {{.*}}>]}
func.func @three_d(%a: memref<4x16x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c4, %c16, %c64) step (%c1, %c1, %c1) {
    memref.store %f, %a[%i, %j, %k] : memref<4x16x64xf32>
    scf.reduce
  }
  return
}

// -----

// A dynamic trip count: full-size tiles, the edge guarded against the dynamic bound.
// CHECK-LABEL: func.func @dynamic
// CHECK-SAME: (%[[A:.*]]: memref<?xf32>, %[[N:.*]]: index)
// CHECK: %[[C256:.*]] = arith.constant 256 : index
// CHECK: scf.parallel ({{.*}}) to (%[[N]]) step (%[[C256]])
// CHECK:   arith.cmpi ult, %{{.*}}, %[[N]] : index
// CHECK:   scf.if
func.func @dynamic(%a: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %f, %a[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

// -----

// Left alone: a loop that is already mapped, one holding a nested parallel loop, one of four
// dimensions and one with a reduction.
// CHECK-LABEL: func.func @left_alone
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step (%{{.*}}) {
// CHECK-NEXT: memref.store
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = sequential
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step (%{{.*}}) {
// CHECK-NEXT: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step (%{{.*}}) {
// CHECK-NOT: mapping
// CHECK: scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) =
// CHECK-NOT: mapping
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step (%{{.*}}) init
// CHECK-NOT: mapping
// CHECK: return
func.func @left_alone(%a: memref<8xf32>, %b: memref<8x8xf32>, %c: memref<2x2x2x2xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %f, %a[%i] : memref<8xf32>
    scf.reduce
  } {mapping = [#gpu.loop_dim_map<processor = sequential, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    scf.parallel (%j) = (%c0) to (%c8) step (%c1) {
      memref.store %f, %b[%i, %j] : memref<8x8xf32>
      scf.reduce
    }
    scf.reduce
  }
  scf.parallel (%i, %j, %k, %l) = (%c0, %c0, %c0, %c0) to (%c2, %c2, %c2, %c2)
      step (%c1, %c1, %c1, %c1) {
    memref.store %f, %c[%i, %j, %k, %l] : memref<2x2x2x2xf32>
    scf.reduce
  }
  %sum = scf.parallel (%i) = (%c0) to (%c8) step (%c1) init (%f) -> f32 {
    %v = memref.load %a[%i] : memref<8xf32>
    scf.reduce(%v : f32) {
    ^bb0(%x: f32, %y: f32):
      %s = arith.addf %x, %y : f32
      scf.reduce.return %s : f32
    }
  }
  return %sum : f32
}
