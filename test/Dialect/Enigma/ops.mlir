// RUN: enigma-opt %s -split-input-file -allow-unregistered-dialect | FileCheck %s
// Round trip: print, re-parse, print again and compare with the generic form too.
// RUN: enigma-opt %s -split-input-file -allow-unregistered-dialect | enigma-opt -split-input-file -allow-unregistered-dialect | FileCheck %s
// RUN: enigma-opt %s -split-input-file -allow-unregistered-dialect -mlir-print-op-generic | enigma-opt -split-input-file -allow-unregistered-dialect | FileCheck %s

// CHECK-LABEL: enigma.kernel @signature
// CHECK-SAME: (%[[A:.*]]: memref<?xf32, #enigma.address_space<device>> {enigma.access = #enigma.access<read>, enigma.buffer_index = 0 : i32},
// CHECK-SAME: %[[B:.*]]: memref<16x?xf16, #enigma.address_space<device>> {enigma.access = #enigma.access<write>, enigma.buffer_index = 1 : i32},
// CHECK-SAME: %[[C:.*]]: memref<4xi32, #enigma.address_space<constant>> {enigma.access = #enigma.access<read>, enigma.buffer_index = 2 : i32},
// CHECK-SAME: %[[D:.*]]: memref<?xbf16, #enigma.address_space<device>> {enigma.access = #enigma.access<read_write>, enigma.buffer_index = 3 : i32},
// CHECK-SAME: %[[N:.*]]: i32 {enigma.buffer_index = 4 : i32, enigma.scalar},
// CHECK-SAME: %[[X:.*]]: f32 {enigma.buffer_index = 5 : i32, enigma.scalar},
// CHECK-SAME: %[[V:.*]]: vector<4xf32> {enigma.buffer_index = 6 : i32, enigma.scalar})
// CHECK-SAME: attributes {enigma.coarsen = 4 : i32}
// CHECK: enigma.return
enigma.kernel @signature(
    %a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.access = #enigma.access<read>},
    %b: memref<16x?xf16, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32, enigma.access = #enigma.access<write>},
    %c: memref<4xi32, #enigma.address_space<constant>> {enigma.buffer_index = 2 : i32, enigma.access = #enigma.access<read>},
    %d: memref<?xbf16, #enigma.address_space<device>> {enigma.buffer_index = 3 : i32, enigma.access = #enigma.access<read_write>},
    %n: i32 {enigma.buffer_index = 4 : i32, enigma.scalar},
    %x: f32 {enigma.buffer_index = 5 : i32, enigma.scalar},
    %v: vector<4xf32> {enigma.buffer_index = 6 : i32, enigma.scalar}) attributes {enigma.coarsen = 4 : i32} {
  enigma.return
}

// -----

// A buffer indexed through a layout records it; a buffer of unknown size may hold any layout.
// CHECK-LABEL: enigma.kernel @with_layout
// CHECK-SAME: enigma.layout = #enigma.layout<(8,4):(1,8)>
// CHECK-SAME: enigma.layout = #enigma.layout<(16,16):(16,1)>
enigma.kernel @with_layout(%a: memref<32xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.layout = #enigma.layout<(8,4):(1,8)>},
                           %b: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32, enigma.layout = #enigma.layout<(16,16):(16,1)>}) {
  enigma.return
}

// -----

// CHECK-LABEL: enigma.kernel @no_args()
enigma.kernel @no_args() {
  enigma.return
}

// -----

// CHECK-LABEL: enigma.kernel @queries
enigma.kernel @queries() {
  // CHECK: %{{.*}} = enigma.thread_position_in_grid x
  // CHECK: %{{.*}} = enigma.thread_position_in_threadgroup y
  // CHECK: %{{.*}} = enigma.threadgroup_position_in_grid z
  // CHECK: %{{.*}} = enigma.threads_per_threadgroup x
  // CHECK: %{{.*}} = enigma.threadgroups_per_grid y
  // CHECK: %{{.*}} = enigma.threads_per_grid z
  // CHECK: %{{.*}} = enigma.thread_index_in_threadgroup
  // CHECK: %{{.*}} = enigma.thread_index_in_simdgroup
  // CHECK: %{{.*}} = enigma.simdgroup_index_in_threadgroup
  // CHECK: %{{.*}} = enigma.threads_per_simdgroup
  // CHECK: %{{.*}} = enigma.simdgroups_per_threadgroup
  %0 = enigma.thread_position_in_grid x
  %1 = enigma.thread_position_in_threadgroup y
  %2 = enigma.threadgroup_position_in_grid z
  %3 = enigma.threads_per_threadgroup x
  %4 = enigma.threadgroups_per_grid y
  %5 = enigma.threads_per_grid z
  %6 = enigma.thread_index_in_threadgroup
  %7 = enigma.thread_index_in_simdgroup
  %8 = enigma.simdgroup_index_in_threadgroup
  %9 = enigma.threads_per_simdgroup
  %10 = enigma.simdgroups_per_threadgroup
  "test.use"(%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10) : (index, index, index, index, index, index, index, index, index, index, index) -> ()
  enigma.return
}

// -----

// Queries may be nested in control flow inside a kernel.
// CHECK-LABEL: enigma.kernel @nested_query
// CHECK: scf.if
// CHECK-NEXT: enigma.thread_index_in_threadgroup
enigma.kernel @nested_query(%p: i1 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  scf.if %p {
    %0 = enigma.thread_index_in_threadgroup
    "test.use"(%0) : (index) -> ()
  }
  enigma.return
}

// -----

// CHECK-LABEL: enigma.kernel @barriers
enigma.kernel @barriers() {
  // CHECK: enigma.threadgroup_barrier <threadgroup>
  enigma.threadgroup_barrier <threadgroup>
  // CHECK: enigma.threadgroup_barrier <device|threadgroup>
  enigma.threadgroup_barrier <device|threadgroup>
  // CHECK: enigma.threadgroup_barrier <none>
  enigma.threadgroup_barrier <none>
  // CHECK: enigma.threadgroup_barrier <texture|threadgroup_imageblock>
  enigma.threadgroup_barrier <texture|threadgroup_imageblock>
  // CHECK: enigma.simdgroup_barrier <none>
  enigma.simdgroup_barrier <none>
  // CHECK: enigma.simdgroup_barrier <device>
  enigma.simdgroup_barrier <device>
  enigma.return
}

// -----

// CHECK-LABEL: enigma.kernel @threadgroup_memory
enigma.kernel @threadgroup_memory() {
  // CHECK: %[[TG:.*]] = enigma.threadgroup_alloc : memref<256xf32, #enigma.address_space<threadgroup>>
  // CHECK: %[[TG2:.*]] = enigma.threadgroup_alloc : memref<8x33xi32, #enigma.address_space<threadgroup>>
  // CHECK: %[[TG3:.*]] = enigma.threadgroup_alloc : memref<64xvector<4xf16>, #enigma.address_space<threadgroup>>
  %0 = enigma.threadgroup_alloc : memref<256xf32, #enigma.address_space<threadgroup>>
  %1 = enigma.threadgroup_alloc : memref<8x33xi32, #enigma.address_space<threadgroup>>
  %2 = enigma.threadgroup_alloc : memref<64xvector<4xf16>, #enigma.address_space<threadgroup>>
  "test.use"(%0, %1, %2) : (memref<256xf32, #enigma.address_space<threadgroup>>, memref<8x33xi32, #enigma.address_space<threadgroup>>, memref<64xvector<4xf16>, #enigma.address_space<threadgroup>>) -> ()
  enigma.return
}

// -----

// CHECK-LABEL: enigma.kernel @cross_lane
// CHECK-SAME: (%[[F:.*]]: f32 {{.*}}, %[[I:.*]]: i32 {{.*}}, %[[V:.*]]: vector<2xf16>
enigma.kernel @cross_lane(%f: f32 {enigma.buffer_index = 0 : i32, enigma.scalar},
                          %i: i32 {enigma.buffer_index = 1 : i32, enigma.scalar},
                          %v: vector<2xf16> {enigma.buffer_index = 2 : i32, enigma.scalar}) {
  // CHECK: enigma.simd_reduce <sum> %[[F]] : f32
  // CHECK: enigma.simd_reduce <product> %[[V]] : vector<2xf16>
  // CHECK: enigma.simd_reduce <min> unsigned %[[I]] : i32
  // CHECK: enigma.simd_reduce <xor> %[[I]] : i32
  // CHECK: enigma.quad_reduce <max> %[[F]] : f32
  // CHECK: enigma.quad_reduce <and> %[[I]] : i32
  // CHECK: enigma.simd_prefix <inclusive_sum> %[[F]] : f32
  // CHECK: enigma.simd_prefix <exclusive_product> %[[I]] : i32
  // CHECK: enigma.quad_prefix <exclusive_sum> %[[F]] : f32
  // CHECK: enigma.simd_shuffle <idx> %[[F]], %[[I]] : f32, i32
  // CHECK: enigma.simd_shuffle <up> %[[F]], %[[I]] : f32, i32
  // CHECK: enigma.simd_shuffle <down> %[[V]], %[[I]] : vector<2xf16>, i32
  // CHECK: enigma.simd_shuffle <xor> %[[I]], %[[I]] : i32, i32
  // CHECK: enigma.simd_shuffle <rotate_up> %[[F]], %[[I]] : f32, i32
  // CHECK: enigma.quad_shuffle <rotate_down> %[[F]], %[[I]] : f32, i32
  // CHECK: enigma.simd_broadcast %[[F]], %[[I]] : f32, i32
  %0 = enigma.simd_reduce <sum> %f : f32
  %1 = enigma.simd_reduce <product> %v : vector<2xf16>
  %2 = enigma.simd_reduce <min> unsigned %i : i32
  %3 = enigma.simd_reduce <xor> %i : i32
  %4 = enigma.quad_reduce <max> %f : f32
  %5 = enigma.quad_reduce <and> %i : i32
  %6 = enigma.simd_prefix <inclusive_sum> %f : f32
  %7 = enigma.simd_prefix <exclusive_product> %i : i32
  %8 = enigma.quad_prefix <exclusive_sum> %f : f32
  %9 = enigma.simd_shuffle <idx> %f, %i : f32, i32
  %10 = enigma.simd_shuffle <up> %f, %i : f32, i32
  %11 = enigma.simd_shuffle <down> %v, %i : vector<2xf16>, i32
  %12 = enigma.simd_shuffle <xor> %i, %i : i32, i32
  %13 = enigma.simd_shuffle <rotate_up> %f, %i : f32, i32
  %14 = enigma.quad_shuffle <rotate_down> %f, %i : f32, i32
  %15 = enigma.simd_broadcast %f, %i : f32, i32
  "test.use"(%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15) : (f32, vector<2xf16>, i32, i32, f32, i32, f32, i32, f32, f32, f32, vector<2xf16>, i32, f32, f32, f32) -> ()
  enigma.return
}

// -----

// CHECK-LABEL: enigma.kernel @atomics
// CHECK-SAME: (%[[H:[^:]*]]: memref<256xi32, {{.*}}>{{.*}}, %[[S:[^:]*]]: memref<?xf32, {{.*}}>
enigma.kernel @atomics(%hist: memref<256xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.access = #enigma.access<read_write>},
                       %sum: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32, enigma.access = #enigma.access<read_write>}) {
  %i = enigma.thread_position_in_grid x
  %one = arith.constant 1 : i32
  %f = arith.constant 1.5 : f32
  // CHECK: enigma.atomic_rmw <add> unsigned %{{.*}}, %[[H]][%{{.*}}] : memref<256xi32, #enigma.address_space<device>>
  // CHECK: enigma.atomic_rmw <max> %{{.*}}, %[[H]][%{{.*}}] : memref<256xi32, #enigma.address_space<device>>
  // CHECK: enigma.atomic_rmw <exchange> %{{.*}}, %[[S]][%{{.*}}] : memref<?xf32, #enigma.address_space<device>>
  // CHECK: enigma.atomic_cmpxchg unsigned %{{.*}}, %{{.*}}, %[[H]][%{{.*}}] : memref<256xi32, #enigma.address_space<device>>
  // CHECK: enigma.atomic_load %[[S]][%{{.*}}] : memref<?xf32, #enigma.address_space<device>>
  // CHECK: enigma.atomic_store unsigned %{{.*}}, %[[H]][%{{.*}}] : memref<256xi32, #enigma.address_space<device>>
  %0 = enigma.atomic_rmw <add> unsigned %one, %hist[%i] : memref<256xi32, #enigma.address_space<device>>
  %1 = enigma.atomic_rmw <max> %one, %hist[%i] : memref<256xi32, #enigma.address_space<device>>
  %2 = enigma.atomic_rmw <exchange> %f, %sum[%i] : memref<?xf32, #enigma.address_space<device>>
  %3 = enigma.atomic_cmpxchg unsigned %one, %0, %hist[%i] : memref<256xi32, #enigma.address_space<device>>
  %4 = enigma.atomic_load %sum[%i] : memref<?xf32, #enigma.address_space<device>>
  enigma.atomic_store unsigned %1, %hist[%i] : memref<256xi32, #enigma.address_space<device>>
  %tg = enigma.threadgroup_alloc : memref<4x4xi32, #enigma.address_space<threadgroup>>
  // CHECK: enigma.atomic_rmw <sub> %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : memref<4x4xi32, #enigma.address_space<threadgroup>>
  %5 = enigma.atomic_rmw <sub> %one, %tg[%i, %i] : memref<4x4xi32, #enigma.address_space<threadgroup>>
  "test.use"(%2, %3, %4, %5) : (f32, i32, f32, i32) -> ()
  enigma.return
}

// -----

// CHECK-LABEL: enigma.kernel @simdgroup_matrix
enigma.kernel @simdgroup_matrix(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.access = #enigma.access<read>},
                                %c: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32, enigma.access = #enigma.access<write>}) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  // CHECK: %[[ACC:.*]] = enigma.simdgroup_matrix_fill %{{.*}} : <8x8xf32>
  // CHECK: %[[M:.*]] = enigma.simdgroup_matrix_load %{{.*}}[%{{.*}}], %{{.*}} : memref<?xf32, #enigma.address_space<device>> -> <8x8xf32>
  // CHECK: %[[MT:.*]] = enigma.simdgroup_matrix_load %{{.*}}[%{{.*}}], %{{.*}} transpose : memref<?xf32, #enigma.address_space<device>> -> <8x8xf32>
  // CHECK: %[[D:.*]] = enigma.simdgroup_matrix_multiply_accumulate %[[M]], %[[MT]], %[[ACC]] : <8x8xf32>, <8x8xf32>, <8x8xf32>
  // CHECK: enigma.simdgroup_matrix_store %[[D]], %{{.*}}[%{{.*}}], %{{.*}} : <8x8xf32>, memref<?xf32, #enigma.address_space<device>>
  %acc = enigma.simdgroup_matrix_fill %zero : !enigma.simdgroup_matrix<8x8xf32>
  %m = enigma.simdgroup_matrix_load %a[%c0], %c16 : memref<?xf32, #enigma.address_space<device>> -> !enigma.simdgroup_matrix<8x8xf32>
  %mt = enigma.simdgroup_matrix_load %a[%c0], %c16 transpose : memref<?xf32, #enigma.address_space<device>> -> !enigma.simdgroup_matrix<8x8xf32>
  %d = enigma.simdgroup_matrix_multiply_accumulate %m, %mt, %acc : !enigma.simdgroup_matrix<8x8xf32>, !enigma.simdgroup_matrix<8x8xf32>, !enigma.simdgroup_matrix<8x8xf32>
  enigma.simdgroup_matrix_store %d, %c[%c0], %c16 : !enigma.simdgroup_matrix<8x8xf32>, memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

// The half and bfloat matrix types.
// CHECK-LABEL: enigma.kernel @matrix_types
// CHECK: enigma.simdgroup_matrix_fill %{{.*}} : <8x8xf16>
// CHECK: enigma.simdgroup_matrix_fill %{{.*}} : <8x8xbf16>
enigma.kernel @matrix_types() {
  %h = arith.constant 1.0 : f16
  %b = arith.constant 1.0 : bf16
  %0 = enigma.simdgroup_matrix_fill %h : !enigma.simdgroup_matrix<8x8xf16>
  %1 = enigma.simdgroup_matrix_fill %b : !enigma.simdgroup_matrix<8x8xbf16>
  "test.use"(%0, %1) : (!enigma.simdgroup_matrix<8x8xf16>, !enigma.simdgroup_matrix<8x8xbf16>) -> ()
  enigma.return
}

// -----

// Attributes standalone (as a user would write them in other ops' attribute dictionaries).
// CHECK-LABEL: func.func @attributes
// CHECK-SAME: a = #enigma.address_space<thread>
// CHECK-SAME: b = #enigma.access<read_write>
// CHECK-SAME: c = #enigma.mem_flags<device|threadgroup>
// CHECK-SAME: d = #enigma<dim y>
// CHECK-SAME: e = #enigma.reduce<min>
// CHECK-SAME: f = #enigma.scan<inclusive_product>
// CHECK-SAME: g = #enigma.shuffle<xor>
// CHECK-SAME: h = #enigma.atomic<exchange>
func.func @attributes() attributes {
    a = #enigma.address_space<thread>, b = #enigma.access<read_write>,
    c = #enigma.mem_flags<device|threadgroup>, d = #enigma<dim y>, e = #enigma.reduce<min>,
    f = #enigma.scan<inclusive_product>, g = #enigma.shuffle<xor>, h = #enigma.atomic<exchange>} {
  return
}

// -----

// A kernel can use every upstream dialect Enigma composes with, and memrefs in every space.
// CHECK-LABEL: enigma.kernel @upstream
// CHECK: scf.for
// CHECK: vector.load
// CHECK: math.exp
// CHECK: memref.alloca() : memref<4xf32, #enigma.address_space<thread>>
enigma.kernel @upstream(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %v = vector.load %a[%i] : memref<?xf32, #enigma.address_space<device>>, vector<4xf32>
    %e = math.exp %v : vector<4xf32>
    vector.store %e, %a[%i] : memref<?xf32, #enigma.address_space<device>>, vector<4xf32>
  }
  %p = memref.alloca() : memref<4xf32, #enigma.address_space<thread>>
  "test.use"(%p) : (memref<4xf32, #enigma.address_space<thread>>) -> ()
  enigma.return
}

// -----

// `enigma.signed` marks integer scalars and buffers whose integers are signed in the source
// (the MSL signature then declares them `device int*`, `constant char&`...).
// CHECK-LABEL: enigma.kernel @signed_args
// CHECK-SAME: %{{.*}}: memref<?xi8, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.signed},
// CHECK-SAME: %{{.*}}: memref<4xi16, #enigma.address_space<constant>> {enigma.buffer_index = 1 : i32, enigma.signed},
// CHECK-SAME: %{{.*}}: memref<?xi32, #enigma.address_space<device>> {enigma.access = #enigma.access<read_write>, enigma.buffer_index = 2 : i32, enigma.signed},
// CHECK-SAME: %{{.*}}: memref<?xi64, #enigma.address_space<device>> {enigma.buffer_index = 3 : i32, enigma.signed},
// CHECK-SAME: %{{.*}}: i32 {enigma.buffer_index = 4 : i32, enigma.scalar, enigma.signed},
// CHECK-SAME: %{{.*}}: i8 {enigma.buffer_index = 5 : i32, enigma.scalar, enigma.signed},
// CHECK-SAME: %{{.*}}: i32 {enigma.buffer_index = 6 : i32, enigma.scalar})
enigma.kernel @signed_args(
    %a: memref<?xi8, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.signed},
    %b: memref<4xi16, #enigma.address_space<constant>> {enigma.buffer_index = 1 : i32, enigma.signed},
    %c: memref<?xi32, #enigma.address_space<device>> {enigma.buffer_index = 2 : i32, enigma.access = #enigma.access<read_write>, enigma.signed},
    %d: memref<?xi64, #enigma.address_space<device>> {enigma.buffer_index = 3 : i32, enigma.signed},
    %n: i32 {enigma.buffer_index = 4 : i32, enigma.scalar, enigma.signed},
    %m: i8 {enigma.buffer_index = 5 : i32, enigma.scalar, enigma.signed},
    %u: i32 {enigma.buffer_index = 6 : i32, enigma.scalar}) {
  enigma.return
}
