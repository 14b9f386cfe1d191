// RUN: enigma-opt %s -split-input-file -verify-diagnostics -allow-unregistered-dialect

// expected-error @+1 {{must not return values (Metal kernels return void), got 1 result(s)}}
enigma.kernel @returns_value() -> i32 {
  enigma.return
}

// -----

// expected-error @+1 {{argument #0 needs an 'enigma.buffer_index' attribute}}
enigma.kernel @missing_slot(%a: memref<?xf32, #enigma.address_space<device>>) {
  enigma.return
}

// -----

// expected-error @+1 {{argument #0: 'enigma.buffer_index' must be an i32 integer attribute}}
enigma.kernel @slot_type(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i64}) {
  enigma.return
}

// -----

// expected-error @+1 {{buffer index 31 is outside Metal's range [0, 30]}}
enigma.kernel @slot_range(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 31 : i32}) {
  enigma.return
}

// -----

// expected-error @+1 {{arguments #0 and #1 share buffer index 2}}
enigma.kernel @slot_dup(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 2 : i32},
                        %b: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 2 : i32}) {
  enigma.return
}

// -----

// expected-error @+1 {{argument #0 has unknown attribute 'enigma.bogus'}}
enigma.kernel @unknown_attr(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.bogus}) {
  enigma.return
}

// -----

// expected-error @+1 {{argument #0: 'enigma.access' must be an #enigma.access attribute}}
enigma.kernel @access_type(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.access = "read"}) {
  enigma.return
}

// -----

// expected-error @+1 {{argument #0 is a buffer but is marked 'enigma.scalar'}}
enigma.kernel @buffer_scalar(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  enigma.return
}

// -----

// expected-error @+1 {{buffer argument #0 must be in the #enigma.address_space<device> or <constant> memory space}}
enigma.kernel @no_space(%a: memref<?xf32> {enigma.buffer_index = 0 : i32}) {
  enigma.return
}

// -----

// expected-error @+1 {{buffer argument #0 is in the 'threadgroup' address space; kernel buffers must be 'device' or 'constant'}}
enigma.kernel @threadgroup_arg(%a: memref<?xf32, #enigma.address_space<threadgroup>> {enigma.buffer_index = 0 : i32}) {
  enigma.return
}

// -----

// expected-error @+1 {{constant-space buffer argument #0 can only be read}}
enigma.kernel @constant_written(%a: memref<?xf32, #enigma.address_space<constant>> {enigma.buffer_index = 0 : i32, enigma.access = #enigma.access<write>}) {
  enigma.return
}

// -----

// expected-error @+1 {{argument #0 has type 'tensor<4xf32>'; expected a memref buffer or a scalar}}
enigma.kernel @tensor_arg(%a: tensor<4xf32> {enigma.buffer_index = 0 : i32}) {
  enigma.return
}

// -----

// expected-error @+1 {{argument #0 has type 'i7'; expected a memref buffer or a scalar}}
enigma.kernel @odd_int(%a: i7 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  enigma.return
}

// -----

// expected-error @+1 {{scalar argument #0 must be marked 'enigma.scalar'}}
enigma.kernel @unmarked_scalar(%n: i32 {enigma.buffer_index = 0 : i32}) {
  enigma.return
}

// -----

// expected-error @+1 {{scalar argument #0 cannot have an access mode}}
enigma.kernel @scalar_access(%n: i32 {enigma.buffer_index = 0 : i32, enigma.scalar, enigma.access = #enigma.access<read>}) {
  enigma.return
}

// -----

// expected-error @+1 {{argument #0: 'enigma.scalar' must be a unit attribute}}
enigma.kernel @scalar_not_unit(%n: i32 {enigma.buffer_index = 0 : i32, enigma.scalar = 1 : i32}) {
  enigma.return
}

// -----

// expected-error @+1 {{'enigma.coarsen' must be an integer in [1, 1024]}}
enigma.kernel @bad_coarsen() attributes {enigma.coarsen = 0 : i32} {
  enigma.return
}

// -----

// expected-error @+1 {{'enigma.coarsen' must be an integer in [1, 1024]}}
enigma.kernel @huge_coarsen() attributes {enigma.coarsen = 99999999999999 : i64} {
  enigma.return
}

// -----

// expected-error @+1 {{argument #0: 'enigma.implicit' must be "threads_per_grid.x"}}
enigma.kernel @bad_implicit(%g: i32 {enigma.buffer_index = 0 : i32, enigma.scalar, enigma.implicit = "threads_per_grid.w"}) {
  enigma.return
}

// -----

// expected-error @+1 {{implicit argument #0 must be an i32 scalar}}
enigma.kernel @implicit_type(%g: i64 {enigma.buffer_index = 0 : i32, enigma.scalar, enigma.implicit = "threads_per_grid.x"}) {
  enigma.return
}

// -----

// expected-error @+1 {{buffer argument #0 has layout (8,8):(1,8) whose cosize 64 exceeds the buffer's 32 elements}}
enigma.kernel @layout_too_big(%a: memref<32xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.layout = #enigma.layout<(8,8):(1,8)>}) {
  enigma.return
}

// -----

// expected-error @+1 {{argument #0: 'enigma.layout' must be an #enigma.layout attribute}}
enigma.kernel @layout_not_layout(%a: memref<32xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.layout = 3 : i32}) {
  enigma.return
}

// -----

// expected-error @+1 {{scalar argument #0 cannot have a layout}}
enigma.kernel @scalar_layout(%n: i32 {enigma.buffer_index = 0 : i32, enigma.scalar, enigma.layout = #enigma.layout<4:1>}) {
  enigma.return
}

// -----

// expected-error @+1 {{region with 1 blocks}}
enigma.kernel @no_body()

// -----

// expected-note @+1 {{see existing symbol definition here}}
enigma.kernel @dup() {
  enigma.return
}
// expected-error @+1 {{redefinition of symbol named 'dup'}}
enigma.kernel @dup() {
  enigma.return
}

// -----

func.func @return_outside() {
  // expected-error @+1 {{expects parent op 'enigma.kernel'}}
  enigma.return
}

// -----

func.func @query_outside() -> index {
  // expected-error @+1 {{'enigma.thread_position_in_grid' op is only valid inside an 'enigma.kernel'}}
  %0 = enigma.thread_position_in_grid x
  return %0 : index
}

// -----

func.func @scalar_query_outside() -> index {
  // expected-error @+1 {{'enigma.simdgroup_index_in_threadgroup' op is only valid inside an 'enigma.kernel'}}
  %0 = enigma.simdgroup_index_in_threadgroup
  return %0 : index
}

// -----

func.func @barrier_outside() {
  // expected-error @+1 {{'enigma.threadgroup_barrier' op is only valid inside an 'enigma.kernel'}}
  enigma.threadgroup_barrier <threadgroup>
  return
}

// -----

enigma.kernel @bad_dim() {
  // expected-error @+1 {{expected 'x', 'y' or 'z', got 'w'}}
  %0 = enigma.thread_position_in_grid w
  enigma.return
}

// -----

enigma.kernel @bad_flags() {
  // expected-error @+2 {{expected ::mlir::enigma::MemFlags to be one of: none, device, threadgroup, texture, threadgroup_imageblock}}
  // expected-error @+1 {{failed to parse Enigma_MemFlagsAttr parameter 'value' which is to be a `::mlir::enigma::MemFlags`}}
  enigma.threadgroup_barrier <global>
  enigma.return
}

// -----

enigma.kernel @alloc_device_space() {
  // expected-error @+1 {{must allocate in #enigma.address_space<threadgroup>, got memory space #enigma.address_space<device>}}
  %0 = enigma.threadgroup_alloc : memref<16xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @alloc_no_space() {
  // expected-error @+1 {{must allocate in #enigma.address_space<threadgroup>}}
  %0 = enigma.threadgroup_alloc : memref<16xf32>
  enigma.return
}

// -----

enigma.kernel @alloc_dynamic() {
  // expected-error @+1 {{statically shaped memref of any type values}}
  %0 = enigma.threadgroup_alloc : memref<?xf32, #enigma.address_space<threadgroup>>
  enigma.return
}

// -----

enigma.kernel @alloc_rank0() {
  // expected-error @+1 {{threadgroup allocation must have rank >= 1}}
  %0 = enigma.threadgroup_alloc : memref<f32, #enigma.address_space<threadgroup>>
  enigma.return
}

// -----

enigma.kernel @alloc_strided() {
  // expected-error @+1 {{threadgroup memory must have the identity layout}}
  %0 = enigma.threadgroup_alloc : memref<4x4xf32, strided<[1, 4]>, #enigma.address_space<threadgroup>>
  enigma.return
}

// -----

enigma.kernel @alloc_too_big() {
  // expected-error @+1 {{allocates 40000 bytes; Metal allows at most 32768 bytes of threadgroup memory}}
  %0 = enigma.threadgroup_alloc : memref<10000xf32, #enigma.address_space<threadgroup>>
  enigma.return
}

// -----

enigma.kernel @alloc_overflow() {
  // expected-error @+1 {{allocates more than 2^63 bytes; Metal allows at most 32768 bytes of threadgroup memory}}
  %0 = enigma.threadgroup_alloc : memref<4611686018427387904x4xf32, #enigma.address_space<threadgroup>>
  enigma.return
}

// -----

enigma.kernel @alloc_empty() {
  // expected-error @+1 {{threadgroup allocation must not be empty}}
  %0 = enigma.threadgroup_alloc : memref<0xf32, #enigma.address_space<threadgroup>>
  enigma.return
}

// -----

enigma.kernel @alloc_complex() {
  // expected-error @+1 {{unsupported threadgroup element type 'complex<f32>'}}
  %0 = enigma.threadgroup_alloc : memref<4xcomplex<f32>, #enigma.address_space<threadgroup>>
  enigma.return
}

// -----

// vector<index> elements count 4 bytes per index (MSL uint): 4 * 4 * 4 = 64 bytes, fine.
enigma.kernel @alloc_index_vector() {
  %0 = enigma.threadgroup_alloc : memref<4xvector<4xindex>, #enigma.address_space<threadgroup>>
  "test.use"(%0) : (memref<4xvector<4xindex>, #enigma.address_space<threadgroup>>) -> ()
  enigma.return
}

// -----

// The limit is per kernel: two allocations of 20 KB are too much together.
enigma.kernel @alloc_total() {
  %0 = enigma.threadgroup_alloc : memref<5000xf32, #enigma.address_space<threadgroup>>
  // expected-error @+1 {{brings the kernel's threadgroup memory over Metal's limit of 32768 bytes}}
  %1 = enigma.threadgroup_alloc : memref<5000xf32, #enigma.address_space<threadgroup>>
  "test.use"(%0, %1) : (memref<5000xf32, #enigma.address_space<threadgroup>>, memref<5000xf32, #enigma.address_space<threadgroup>>) -> ()
  enigma.return
}

// -----

func.func @alloc_outside() {
  // expected-error @+1 {{'enigma.threadgroup_alloc' op is only valid inside an 'enigma.kernel'}}
  %0 = enigma.threadgroup_alloc : memref<16xf32, #enigma.address_space<threadgroup>>
  return
}

// -----

enigma.kernel @reduce_and_float(%f: f32 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  // expected-error @+1 {{'and' reduction needs an integer type, got 'f32'}}
  %0 = enigma.simd_reduce <and> %f : f32
  enigma.return
}

// -----

enigma.kernel @reduce_unsigned_float(%f: f32 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  // expected-error @+1 {{'unsigned' only applies to integer values, got 'f32'}}
  %0 = enigma.quad_reduce <min> unsigned %f : f32
  enigma.return
}

// -----

enigma.kernel @shuffle_bad_value(%m: memref<4xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}, %i: i32 {enigma.buffer_index = 1 : i32, enigma.scalar}) {
  // expected-error @+1 {{must be signless integer or floating-point or vector}}
  %0 = enigma.simd_shuffle <up> %m, %i : memref<4xf32, #enigma.address_space<device>>, i32
  enigma.return
}

// -----

enigma.kernel @atomic_private(%v: i32 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  %p = memref.alloca() : memref<4xi32, #enigma.address_space<thread>>
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{atomics need a memref in the device or threadgroup address space}}
  %0 = enigma.atomic_rmw <add> %v, %p[%c0] : memref<4xi32, #enigma.address_space<thread>>
  enigma.return
}

// -----

enigma.kernel @atomic_indices(%b: memref<4x4xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}, %v: i32 {enigma.buffer_index = 1 : i32, enigma.scalar}) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{expected 2 indices, got 1}}
  %0 = enigma.atomic_rmw <add> %v, %b[%c0] : memref<4x4xi32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @atomic_float_max(%b: memref<4xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}, %v: f32 {enigma.buffer_index = 1 : i32, enigma.scalar}) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'max' is not available on atomic_float (only add, sub, exchange)}}
  %0 = enigma.atomic_rmw <max> %v, %b[%c0] : memref<4xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @atomic_unsigned_float(%b: memref<4xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}, %v: f32 {enigma.buffer_index = 1 : i32, enigma.scalar}) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'unsigned' only applies to i32 atomics}}
  %0 = enigma.atomic_rmw <add> unsigned %v, %b[%c0] : memref<4xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @atomic_i64(%b: memref<4xi64, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}, %v: i64 {enigma.buffer_index = 1 : i32, enigma.scalar}) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{memref of 32-bit signless integer or 32-bit float values}}
  %0 = enigma.atomic_rmw <add> %v, %b[%c0] : memref<4xi64, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @cmpxchg_space(%v: i32 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  %p = memref.alloca() : memref<4xi32>
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{atomics need a memref in the device or threadgroup address space}}
  %0 = enigma.atomic_cmpxchg %v, %v, %p[%c0] : memref<4xi32>
  enigma.return
}

// -----

enigma.kernel @atomic_load_indices(%b: memref<4xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  // expected-error @+1 {{expected 1 indices, got 0}}
  %0 = enigma.atomic_load %b[] : memref<4xi32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @atomic_store_unsigned(%b: memref<4xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}, %v: f32 {enigma.buffer_index = 1 : i32, enigma.scalar}) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'unsigned' only applies to i32 atomics}}
  enigma.atomic_store unsigned %v, %b[%c0] : memref<4xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

// expected-error @+1 {{simdgroup matrices are 8x8 in Metal, got 4x4}}
func.func @matrix_shape(%m: !enigma.simdgroup_matrix<4x4xf32>)

// -----

// expected-error @+1 {{simdgroup matrix element type must be f32, f16 or bf16, got 'i32'}}
func.func @matrix_elem(%m: !enigma.simdgroup_matrix<8x8xi32>)

// -----

// expected-error @+1 {{expected a rows x cols shape, got 3 dimensions}}
func.func @matrix_rank(%m: !enigma.simdgroup_matrix<8x8x8xf32>)

// -----

enigma.kernel @matrix_load_elem(%a: memref<?xf16, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{memref element type 'f16' does not match matrix element type 'f32'}}
  %m = enigma.simdgroup_matrix_load %a[%c0], %c0 : memref<?xf16, #enigma.address_space<device>> -> !enigma.simdgroup_matrix<8x8xf32>
  enigma.return
}

// -----

enigma.kernel @matrix_load_space() {
  %c0 = arith.constant 0 : index
  %p = memref.alloca() : memref<64xf32, #enigma.address_space<thread>>
  // expected-error @+1 {{simdgroup matrices move to and from device, constant or threadgroup memory}}
  %m = enigma.simdgroup_matrix_load %p[%c0], %c0 : memref<64xf32, #enigma.address_space<thread>> -> !enigma.simdgroup_matrix<8x8xf32>
  enigma.return
}

// -----

enigma.kernel @matrix_load_indices(%a: memref<8x8xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{expected 2 indices, got 1}}
  %m = enigma.simdgroup_matrix_load %a[%c0], %c0 : memref<8x8xf32, #enigma.address_space<device>> -> !enigma.simdgroup_matrix<8x8xf32>
  enigma.return
}

// -----

enigma.kernel @matrix_store_constant(%a: memref<?xf32, #enigma.address_space<constant>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0.0 : f32
  %m = enigma.simdgroup_matrix_fill %z : !enigma.simdgroup_matrix<8x8xf32>
  // expected-error @+1 {{cannot store to the constant address space}}
  enigma.simdgroup_matrix_store %m, %a[%c0], %c0 : !enigma.simdgroup_matrix<8x8xf32>, memref<?xf32, #enigma.address_space<constant>>
  enigma.return
}

// -----

enigma.kernel @mma_mixed() {
  %z = arith.constant 0.0 : f32
  %h = arith.constant 0.0 : f16
  %a = enigma.simdgroup_matrix_fill %z : !enigma.simdgroup_matrix<8x8xf32>
  %b = enigma.simdgroup_matrix_fill %h : !enigma.simdgroup_matrix<8x8xf16>
  // expected-error @+1 {{operands a, b and c must have the same matrix type}}
  %d = enigma.simdgroup_matrix_multiply_accumulate %a, %b, %a : !enigma.simdgroup_matrix<8x8xf32>, !enigma.simdgroup_matrix<8x8xf16>, !enigma.simdgroup_matrix<8x8xf32>
  enigma.return
}

// -----

enigma.kernel @fill_type() {
  // expected-note @+1 {{prior use here}}
  %h = arith.constant 0.0 : f16
  // expected-error @+1 {{use of value '%h' expects different type than prior uses: 'f32' vs 'f16'}}
  %a = enigma.simdgroup_matrix_fill %h : !enigma.simdgroup_matrix<8x8xf32>
  enigma.return
}

// -----

// expected-error @+1 {{argument #0: 'enigma.signed' must be a unit attribute}}
enigma.kernel @signed_not_unit(%n: i32 {enigma.buffer_index = 0 : i32, enigma.scalar, enigma.signed = true}) {
  enigma.return
}

// -----

// expected-error @+1 {{argument #0 of type 'memref<?xf32, #enigma.address_space<device>>' is marked 'enigma.signed', which only applies to i8/i16/i32/i64 scalars and buffers of them}}
enigma.kernel @signed_float_buffer(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.signed}) {
  enigma.return
}

// -----

// expected-error @+1 {{argument #1 of type 'f16' is marked 'enigma.signed'}}
enigma.kernel @signed_float_scalar(%a: memref<?xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.signed},
                                   %h: f16 {enigma.buffer_index = 1 : i32, enigma.scalar, enigma.signed}) {
  enigma.return
}

// -----

// expected-error @+1 {{argument #0 of type 'i1' is marked 'enigma.signed'}}
enigma.kernel @signed_bool(%b: i1 {enigma.buffer_index = 0 : i32, enigma.scalar, enigma.signed}) {
  enigma.return
}

// -----

// expected-error @+1 {{argument #0 of type 'index' is marked 'enigma.signed'}}
enigma.kernel @signed_index(%i: index {enigma.buffer_index = 0 : i32, enigma.scalar, enigma.signed}) {
  enigma.return
}

// -----

// expected-error @+1 {{argument #0 of type 'vector<4xi32>' is marked 'enigma.signed'}}
enigma.kernel @signed_vector_scalar(%v: vector<4xi32> {enigma.buffer_index = 0 : i32, enigma.scalar, enigma.signed}) {
  enigma.return
}

// -----

// expected-error @+1 {{argument #0 of type 'memref<?xvector<4xi32>, #enigma.address_space<device>>' is marked 'enigma.signed'}}
enigma.kernel @signed_vector_buffer(%a: memref<?xvector<4xi32>, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.signed}) {
  enigma.return
}
