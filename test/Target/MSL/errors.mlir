// RUN: enigma-translate --to-msl %s -split-input-file -verify-diagnostics
// RUN: rm -f %t.msl
// RUN: not enigma-translate --to-msl %s -split-input-file -o %t.msl 2>/dev/null
// RUN: not test -s %t.msl

// Anything the translation cannot express exactly is an error at the op; there is no output.

enigma.kernel @f64_value(%x: f32 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  // expected-error @+1 {{cannot translate to MSL: type 'f64' has no exact MSL equivalent}}
  %0 = arith.extf %x : f32 to f64
  enigma.return
}

// -----

// expected-error @+1 {{buffer argument #0 has element type 'f64' with no exact MSL equivalent}}
enigma.kernel @f64_buffer(%x: memref<?xf64, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  enigma.return
}

// -----

enigma.kernel @wide_vector(%x: f32 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  // expected-error @+1 {{cannot translate to MSL: type 'vector<8xf32>' has no exact MSL equivalent}}
  %0 = vector.broadcast %x : f32 to vector<8xf32>
  enigma.return
}

// -----

enigma.kernel @odd_integer(%x: i32 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  // expected-error @+1 {{type 'i7' has no exact MSL equivalent}}
  %0 = arith.trunci %x : i32 to i7
  enigma.return
}

// -----

enigma.kernel @erf(%x: f32 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  // expected-error @+1 {{cannot translate 'math.erf' to MSL: Metal's standard library has no such function}}
  %0 = math.erf %x : f32
  enigma.return
}

// -----

enigma.kernel @dynamic_2d(%m: memref<?x?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c1 = arith.constant 1 : index
  // expected-error @+1 {{the stride of dimension 0 of this memref is dynamic and the IR does not provide it; pass the sizes as scalar kernel arguments and build the view with memref.reinterpret_cast}}
  %0 = memref.load %m[%c1, %c1] : memref<?x?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @dynamic_dim(%m: memref<?x4xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{cannot translate 'memref.dim' to MSL: the size is dynamic and the IR does not provide it}}
  %0 = memref.dim %m, %c0 : memref<?x4xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @atomic_and_plain(%h: memref<16xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1 : i32
  // expected-note @+1 {{atomic access here}}
  %0 = enigma.atomic_rmw <add> %one, %h[%c0] : memref<16xi32, #enigma.address_space<device>>
  // expected-error @+1 {{this memory is accessed atomically elsewhere, so it is declared with an atomic element type and every access to it must be atomic}}
  memref.store %one, %h[%c0] : memref<16xi32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @mixed_signedness(%h: memref<16xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1 : i32
  %0 = enigma.atomic_rmw <add> unsigned %one, %h[%c0] : memref<16xi32, #enigma.address_space<device>>
  // expected-error @+1 {{signed atomic min/max on memory that other atomics use as unsigned (atomic_uint)}}
  %1 = enigma.atomic_rmw <max> %one, %h[%c0] : memref<16xi32, #enigma.address_space<device>>
  enigma.return
}

// -----

// An `enigma.signed` buffer is atomic_int, unless an unsigned min/max needs atomic_uint: then a
// signed min/max on it is an error too.
enigma.kernel @signed_param_mixed_minmax(%h: memref<16xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.signed}) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1 : i32
  %0 = enigma.atomic_rmw <min> unsigned %one, %h[%c0] : memref<16xi32, #enigma.address_space<device>>
  // expected-error @+1 {{signed atomic min/max on memory that other atomics use as unsigned (atomic_uint)}}
  %1 = enigma.atomic_rmw <max> %one, %h[%c0] : memref<16xi32, #enigma.address_space<device>>
  enigma.return
}

// -----

// expected-error @+1 {{buffer argument #0 is declared #enigma.access<read> but the kernel writes it}}
enigma.kernel @writes_read_only(%x: memref<4xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.access = #enigma.access<read>}) {
  %c0 = arith.constant 0 : index
  %f = arith.constant 1.0 : f32
  memref.store %f, %x[%c0] : memref<4xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

// expected-error @+1 {{buffer argument #0 is declared #enigma.access<write> but the kernel reads it}}
enigma.kernel @reads_write_only(%x: memref<4xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.access = #enigma.access<write>}) {
  %c0 = arith.constant 0 : index
  %0 = memref.load %x[%c0] : memref<4xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

// expected-error @+1 {{constant-space buffer argument #0 is written}}
enigma.kernel @writes_constant(%x: memref<4xf32, #enigma.address_space<constant>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %f = arith.constant 1.0 : f32
  memref.store %f, %x[%c0] : memref<4xf32, #enigma.address_space<constant>>
  enigma.return
}

// -----

enigma.kernel @huge_index(%x: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  // expected-error @+1 {{the constant cannot be written exactly in MSL (index constants must fit in 32 bits)}}
  %c = arith.constant 8589934592 : index
  %0 = memref.load %x[%c] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @out_of_bounds_transfer(%x: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  // expected-error @+1 {{only unmasked, in-bounds, 1-D minor-identity transfers}}
  %0 = vector.transfer_read %x[%c0], %pad : memref<?xf32, #enigma.address_space<device>>, vector<4xf32>
  enigma.return
}

// -----

// expected-error @+1 {{only enigma.kernel operations may appear at module level, found 'func.func'}}
func.func @helper() {
  return
}

// -----

enigma.kernel @unsupported_op(%x: i32 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  // expected-error @+1 {{cannot translate 'scf.execute_region' to MSL}}
  %0 = scf.execute_region -> i32 {
    scf.yield %x : i32
  }
  enigma.return
}

// -----

enigma.kernel @lane_i64(%x: i64 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  // expected-error @+1 {{Metal's SIMD-group and quad-group functions take 16/32-bit integers, half and float}}
  %0 = enigma.simd_reduce <sum> %x : i64
  enigma.return
}

// -----

enigma.kernel @dynamic_alloca(%n: index {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  // expected-error @+1 {{thread-local arrays need a static shape and the identity layout}}
  %0 = memref.alloca(%n) : memref<?xf32, #enigma.address_space<thread>>
  enigma.return
}

// -----

enigma.kernel @rounding_mode(%x: f32 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  // expected-error @+1 {{MSL conversions round to nearest even only}}
  %0 = arith.truncf %x toward_zero : f32 to f16
  enigma.return
}

// -----

enigma.kernel @matrix_from_constant(%x: memref<?xf32, #enigma.address_space<constant>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  // expected-error @+1 {{simdgroup_load/simdgroup_store take device or threadgroup memory}}
  %0 = enigma.simdgroup_matrix_load %x[%c0], %c8 : memref<?xf32, #enigma.address_space<constant>> -> !enigma.simdgroup_matrix<8x8xf32>
  enigma.return
}

// -----

enigma.kernel @bool_division(%p: i1 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  // expected-error @+1 {{cannot translate 'arith.divui' to MSL: division or remainder of i1}}
  %0 = arith.divui %p, %p : i1
  enigma.return
}

// -----

enigma.kernel @memref_through_if(%p: i1 {enigma.buffer_index = 0 : i32, enigma.scalar},
                                 %x: memref<4xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32}) {
  // expected-error @+1 {{'scf.if' produces a memref}}
  %0 = scf.if %p -> memref<4xf32, #enigma.address_space<device>> {
    scf.yield %x : memref<4xf32, #enigma.address_space<device>>
  } else {
    scf.yield %x : memref<4xf32, #enigma.address_space<device>>
  }
  enigma.return
}

// -----

enigma.kernel @threadgroup_float_cmpxchg(%f: f32 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  %c0 = arith.constant 0 : index
  %tg = enigma.threadgroup_alloc : memref<4xf32, #enigma.address_space<threadgroup>>
  // expected-error @+1 {{f32 compare-exchange is only expressible on device memory}}
  %0 = enigma.atomic_cmpxchg %f, %f, %tg[%c0] : memref<4xf32, #enigma.address_space<threadgroup>>
  enigma.return
}
