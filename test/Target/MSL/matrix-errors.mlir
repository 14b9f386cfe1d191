// RUN: enigma-translate --to-msl %s -split-input-file -verify-diagnostics
// Matrix operations Metal does not have are errors, never a different operation.

enigma.kernel @int_matrix(%x: i32 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  // expected-error @+1 {{cannot translate to MSL: type 'vector<2x2xi32>' has no exact MSL equivalent}}
  %0 = vector.broadcast %x : i32 to vector<2x2xi32>
  enigma.return
}

// -----

enigma.kernel @compare_matrices(%x: f32 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  %m = vector.broadcast %x : f32 to vector<2x2xf32>
  // expected-error @+1 {{cannot translate to MSL: type 'vector<2x2xi1>' has no exact MSL equivalent}}
  %0 = arith.cmpf olt, %m, %m : vector<2x2xf32>
  enigma.return
}

// -----

enigma.kernel @simd_matrix(%x: f32 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  %m = vector.broadcast %x : f32 to vector<2x2xf32>
  %c0 = arith.constant 0 : i32
  // Matrices are not lane values (the op's operand type says so).
  // expected-error @+1 {{operand #0 must be signless integer or floating-point or vector of signless integer or floating-point values of ranks 1}}
  %0 = enigma.quad_broadcast %m, %c0 : vector<2x2xf32>, i32
  enigma.return
}

// -----

enigma.kernel @big_matrix(%x: f32 {enigma.buffer_index = 0 : i32, enigma.scalar}) {
  // expected-error @+1 {{cannot translate to MSL: type 'vector<8x2xf32>' has no exact MSL equivalent}}
  %m = vector.broadcast %x : f32 to vector<8x2xf32>
  enigma.return
}
