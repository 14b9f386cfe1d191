// RUN: enigma-opt %s -split-input-file -verify-diagnostics
// Every verifier error of enigma.matmul, enigma.determinant and the atomic memory orders.

func.func @matmul_two_vectors(%a: vector<3xf32>, %b: vector<3xf32>) {
  // expected-error @+1 {{needs a matrix operand}}
  %0 = enigma.matmul %a, %b : vector<3xf32>, vector<3xf32> -> vector<3xf32>
  return
}

// -----

func.func @matmul_element_types(%a: vector<2x2xf32>, %b: vector<2x2xf16>) {
  // expected-error @+1 {{operands and result must have the same element type, got 'f32', 'f16' and 'f32'}}
  %0 = enigma.matmul %a, %b : vector<2x2xf32>, vector<2x2xf16> -> vector<2x2xf32>
  return
}

// -----

func.func @matmul_inner(%a: vector<3x2xf32>, %b: vector<2x2xf32>) {
  // expected-error @+1 {{the columns of lhs (3) must equal the rows of rhs (2)}}
  %0 = enigma.matmul %a, %b : vector<3x2xf32>, vector<2x2xf32> -> vector<2x2xf32>
  return
}

// -----

func.func @matvec_length(%a: vector<3x2xf32>, %x: vector<2xf32>) {
  // expected-error @+1 {{the columns of lhs (3) must equal the length of rhs (2)}}
  %0 = enigma.matmul %a, %x : vector<3x2xf32>, vector<2xf32> -> vector<2xf32>
  return
}

// -----

func.func @vecmat_length(%x: vector<3xf32>, %a: vector<3x2xf32>) {
  // expected-error @+1 {{vector x matrix needs the vector's length (3) to equal the matrix's number of rows (2)}}
  %0 = enigma.matmul %x, %a : vector<3xf32>, vector<3x2xf32> -> vector<3xf32>
  return
}

// -----

func.func @matmul_result(%a: vector<3x2xf32>, %b: vector<4x3xf32>) {
  // expected-error @+1 {{result type 'vector<2x4xf32>' should be 'vector<4x2xf32>'}}
  %0 = enigma.matmul %a, %b : vector<3x2xf32>, vector<4x3xf32> -> vector<2x4xf32>
  return
}

// -----

func.func @matvec_result(%a: vector<3x2xf32>, %x: vector<3xf32>) {
  // expected-error @+1 {{result type 'vector<3xf32>' should be 'vector<2xf32>'}}
  %0 = enigma.matmul %a, %x : vector<3x2xf32>, vector<3xf32> -> vector<3xf32>
  return
}

// -----

func.func @matmul_too_big(%a: vector<5x2xf32>, %b: vector<2x5xf32>) {
  // expected-error @+1 {{lhs 'vector<5x2xf32>' is not a Metal matrix (2 to 4 columns and rows)}}
  %0 = enigma.matmul %a, %b : vector<5x2xf32>, vector<2x5xf32> -> vector<2x2xf32>
  return
}

// -----

func.func @matmul_vector_too_long(%a: vector<2x2xf32>, %x: vector<8xf32>) {
  // expected-error @+1 {{rhs 'vector<8xf32>' is not a Metal vector (2 to 4 elements)}}
  %0 = enigma.matmul %a, %x : vector<2x2xf32>, vector<8xf32> -> vector<2xf32>
  return
}

// -----

func.func @matmul_int(%a: vector<2x2xi32>, %b: vector<2x2xi32>) {
  // expected-error @+1 {{operand #0 must be vector of 16-bit float or 32-bit float values of ranks 1/2}}
  %0 = enigma.matmul %a, %b : vector<2x2xi32>, vector<2x2xi32> -> vector<2x2xi32>
  return
}

// -----

func.func @determinant_square(%a: vector<3x2xf32>) {
  // expected-error @+1 {{needs a square matrix, got 'vector<3x2xf32>'}}
  %0 = enigma.determinant %a : vector<3x2xf32>
  return
}

// -----

func.func @determinant_size(%a: vector<1x1xf32>) {
  // expected-error @+1 {{operand 'vector<1x1xf32>' is not a Metal matrix (2 to 4 columns and rows)}}
  %0 = enigma.determinant %a : vector<1x1xf32>
  return
}

// -----

func.func @determinant_vector(%a: vector<4xf32>) {
  // expected-error @+1 {{operand #0 must be vector of 16-bit float or 32-bit float values of ranks 2}}
  %0 = "enigma.determinant"(%a) : (vector<4xf32>) -> f32
  return
}

// -----

func.func @determinant_result(%a: vector<2x2xf32>) {
  // expected-error @+1 {{failed to verify that result is the matrix element type}}
  %0 = "enigma.determinant"(%a) : (vector<2x2xf32>) -> f16
  return
}

// -----

enigma.kernel @load_release(%buf: memref<4xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{the order of an atomic load cannot be 'release' (a load does not release)}}
  %0 = enigma.atomic_load %buf[%c0] {order = #enigma.memory_order<release>} : memref<4xi32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @load_acq_rel(%buf: memref<4xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{the order of an atomic load cannot be 'acq_rel' (a load does not release)}}
  %0 = enigma.atomic_load %buf[%c0] {order = #enigma.memory_order<acq_rel>} : memref<4xi32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @store_acquire(%buf: memref<4xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1 : i32
  // expected-error @+1 {{the order of an atomic store cannot be 'acquire' (a store does not acquire)}}
  enigma.atomic_store %one, %buf[%c0] {order = #enigma.memory_order<acquire>} : memref<4xi32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @store_acq_rel(%buf: memref<4xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1 : i32
  // expected-error @+1 {{the order of an atomic store cannot be 'acq_rel' (a store does not acquire)}}
  enigma.atomic_store %one, %buf[%c0] {order = #enigma.memory_order<acq_rel>} : memref<4xi32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @failure_release(%buf: memref<4xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1 : i32
  // expected-error @+1 {{failure_order cannot be 'release' (a load does not release)}}
  %0 = enigma.atomic_cmpxchg %one, %one, %buf[%c0] {order = #enigma.memory_order<seq_cst>, failure_order = #enigma.memory_order<release>} : memref<4xi32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @failure_acq_rel(%buf: memref<4xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1 : i32
  // expected-error @+1 {{failure_order cannot be 'acq_rel' (a load does not release)}}
  %0 = enigma.atomic_cmpxchg %one, %one, %buf[%c0] {order = #enigma.memory_order<acq_rel>, failure_order = #enigma.memory_order<acq_rel>} : memref<4xi32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @failure_stronger_acquire(%buf: memref<4xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1 : i32
  // expected-error @+1 {{failure_order 'acquire' is stronger than the success order 'release'}}
  %0 = enigma.atomic_cmpxchg %one, %one, %buf[%c0] {order = #enigma.memory_order<release>, failure_order = #enigma.memory_order<acquire>} : memref<4xi32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @failure_stronger_seq_cst(%buf: memref<4xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1 : i32
  // expected-error @+1 {{failure_order 'seq_cst' is stronger than the success order 'acq_rel'}}
  %0 = enigma.atomic_cmpxchg %one, %one, %buf[%c0] {order = #enigma.memory_order<acq_rel>, failure_order = #enigma.memory_order<seq_cst>} : memref<4xi32, #enigma.address_space<device>>
  enigma.return
}

// -----

enigma.kernel @bad_order(%buf: memref<4xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %c0 = arith.constant 0 : index
  // expected-error @+2 {{expected ::mlir::enigma::MemoryOrder to be one of: relaxed, acquire, release, acq_rel, seq_cst}}
  // expected-error @+1 {{failed to parse Enigma_MemoryOrderAttr parameter 'value'}}
  %0 = enigma.atomic_load %buf[%c0] {order = #enigma.memory_order<consume>} : memref<4xi32, #enigma.address_space<device>>
  enigma.return
}
