// RUN: enigma-opt %s -split-input-file -verify-diagnostics

enigma.kernel @d2t_wrong_dst(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                             %b: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32}) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'enigma.async_copy_1d_d2t' op copies device -> threadgroup memory: 'dst' must be in #enigma.address_space<threadgroup>, got 'memref<?xf32, #enigma.address_space<device>>'}}
  %e = enigma.async_copy_1d_d2t %b[%c0], %a[%c0], %c0
      : memref<?xf32, #enigma.address_space<device>>, memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @d2t_wrong_src() {
  %c0 = arith.constant 0 : index
  %tg = enigma.threadgroup_alloc : memref<8xf32, #enigma.address_space<threadgroup>>
  %tg2 = enigma.threadgroup_alloc : memref<8xf32, #enigma.address_space<threadgroup>>
  // expected-error @+1 {{copies device -> threadgroup memory: 'src' must be in #enigma.address_space<device>, got 'memref<8xf32, #enigma.address_space<threadgroup>>'}}
  %e = enigma.async_copy_1d_d2t %tg[%c0], %tg2[%c0], %c0
      : memref<8xf32, #enigma.address_space<threadgroup>>, memref<8xf32, #enigma.address_space<threadgroup>>
  enigma.return
}

// -----

enigma.kernel @t2d_swapped(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %tg = enigma.threadgroup_alloc : memref<8xf32, #enigma.address_space<threadgroup>>
  // expected-error @+1 {{'enigma.async_copy_1d_t2d' op copies threadgroup -> device memory: 'dst' must be in #enigma.address_space<device>}}
  %e = enigma.async_copy_1d_t2d %tg[%c0], %a[%c0], %c0
      : memref<8xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @constant_src(%a: memref<?xf32, #enigma.address_space<constant>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %tg = enigma.threadgroup_alloc : memref<8xf32, #enigma.address_space<threadgroup>>
  // expected-error @+1 {{'src' must be in #enigma.address_space<device>, got 'memref<?xf32, #enigma.address_space<constant>>'}}
  %e = enigma.async_copy_1d_d2t %tg[%c0], %a[%c0], %c0
      : memref<8xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<constant>>
  enigma.return
}

// -----

enigma.kernel @t2d_2d_wrong_src(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c1 = arith.constant 1 : index
  // expected-error @+1 {{'enigma.async_copy_2d_t2d' op copies threadgroup -> device memory: 'src' must be in #enigma.address_space<threadgroup>}}
  %e = enigma.async_copy_2d_t2d %a[%c1] row_stride %c1, %a[%c1] row_stride %c1, tile %c1 x %c1
      : memref<?xf32, #enigma.address_space<device>>, memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @element_types(%a: memref<?xf16, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %tg = enigma.threadgroup_alloc : memref<8xf32, #enigma.address_space<threadgroup>>
  // expected-error @+1 {{copies between different element types: 'dst' holds 'f32', 'src' holds 'f16'}}
  %e = enigma.async_copy_1d_d2t %tg[%c0], %a[%c0], %c0
      : memref<8xf32, #enigma.address_space<threadgroup>>, memref<?xf16, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @rank(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %tg = enigma.threadgroup_alloc : memref<8x8xf32, #enigma.address_space<threadgroup>>
  // expected-error @+1 {{expects 'dst' to be a rank-1 memref, got 'memref<8x8xf32, #enigma.address_space<threadgroup>>'}}
  %e = enigma.async_copy_1d_d2t %tg[%c0], %a[%c0], %c0
      : memref<8x8xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @count_type(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  // expected-note @+1 {{prior use here}}
  %n = arith.constant 8 : i32
  %tg = enigma.threadgroup_alloc : memref<8xf32, #enigma.address_space<threadgroup>>
  // expected-error @+1 {{use of value '%n' expects different type than prior uses: 'index' vs 'i32'}}
  %e = enigma.async_copy_1d_d2t %tg[%c0], %a[%c0], %n
      : memref<8xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @negative_count(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %m = arith.constant -1 : index
  %tg = enigma.threadgroup_alloc : memref<8xf32, #enigma.address_space<threadgroup>>
  // expected-error @+1 {{the element count must not be negative, got -1}}
  %e = enigma.async_copy_1d_d2t %tg[%c0], %a[%c0], %m
      : memref<8xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @negative_offset(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %m = arith.constant -4 : index
  %tg = enigma.threadgroup_alloc : memref<8xf32, #enigma.address_space<threadgroup>>
  // expected-error @+1 {{'src' offset must not be negative, got -4}}
  %e = enigma.async_copy_1d_d2t %tg[%c0], %a[%m], %c0
      : memref<8xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @out_of_bounds_1d(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %tg = enigma.threadgroup_alloc : memref<8xf32, #enigma.address_space<threadgroup>>
  // expected-error @+1 {{copies elements [4, 12) of 'dst', which has 8 elements}}
  %e = enigma.async_copy_1d_d2t %tg[%c4], %a[%c4], %c8
      : memref<8xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @out_of_bounds_2d(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %tg = enigma.threadgroup_alloc : memref<60xf32, #enigma.address_space<threadgroup>>
  // A tile of 8 rows of 8, rows 8 apart, needs (8 - 1) * 8 + 8 = 64 elements.
  // expected-error @+1 {{'enigma.async_copy_2d_d2t' op copies elements [0, 64) of 'dst', which has 60 elements}}
  %e = enigma.async_copy_2d_d2t %tg[%c0] row_stride %c8, %a[%c0] row_stride %c64, tile %c8 x %c8
      : memref<60xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @rows_overlap(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %tg = enigma.threadgroup_alloc : memref<64xf32, #enigma.address_space<threadgroup>>
  // expected-error @+1 {{the tile is 8 elements wide but the 'dst' row stride is 4 (rows would overlap)}}
  %e = enigma.async_copy_2d_d2t %tg[%c0] row_stride %c4, %a[%c0] row_stride %c8, tile %c8 x %c8
      : memref<64xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @zero_stride(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %tg = enigma.threadgroup_alloc : memref<64xf32, #enigma.address_space<threadgroup>>
  // expected-error @+1 {{'enigma.async_copy_2d_t2d' op 'src' row stride must be positive, got 0}}
  %e = enigma.async_copy_2d_t2d %a[%c0] row_stride %c8, %tg[%c0] row_stride %c0, tile %c8 x %c8
      : memref<?xf32, #enigma.address_space<device>>, memref<64xf32, #enigma.address_space<threadgroup>>
  enigma.return
}

// -----

enigma.kernel @negative_tile(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %m = arith.constant -2 : index
  %tg = enigma.threadgroup_alloc : memref<64xf32, #enigma.address_space<threadgroup>>
  // expected-error @+1 {{the tile's row count must not be negative, got -2}}
  %e = enigma.async_copy_2d_d2t %tg[%c0] row_stride %c8, %a[%c0] row_stride %c8, tile %c8 x %m
      : memref<64xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @negative_cols(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %m = arith.constant -2 : index
  %tg = enigma.threadgroup_alloc : memref<64xf32, #enigma.address_space<threadgroup>>
  // expected-error @+1 {{the tile's column count must not be negative, got -2}}
  %e = enigma.async_copy_2d_d2t %tg[%c0] row_stride %c8, %a[%c0] row_stride %c8, tile %m x %c8
      : memref<64xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @wait_nothing() {
  // expected-error @+1 {{'enigma.async_copy_wait' op needs at least one event to wait for}}
  enigma.async_copy_wait
  enigma.return
}

// -----

enigma.kernel @wait_not_event(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'enigma.async_copy_wait' op operand #0 must be variadic of the completion event of a SIMD-group asynchronous copy, but got 'index'}}
  "enigma.async_copy_wait"(%c0) : (index) -> ()
  enigma.return
}

// -----

func.func @outside_kernel(%a: memref<?xf32, #enigma.address_space<device>>) {
  %c0 = arith.constant 0 : index
  %tg = memref.alloca() : memref<8xf32, #enigma.address_space<threadgroup>>
  // expected-error @+1 {{'enigma.async_copy_1d_d2t' op is only valid inside an 'enigma.kernel'}}
  %e = enigma.async_copy_1d_d2t %tg[%c0], %a[%c0], %c0
      : memref<8xf32, #enigma.address_space<threadgroup>>, memref<?xf32, #enigma.address_space<device>>
  return
}
