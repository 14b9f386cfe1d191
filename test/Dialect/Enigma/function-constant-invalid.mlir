// RUN: enigma-opt %s -split-input-file -verify-diagnostics

enigma.kernel @negative_index() {
  // expected-error @+1 {{'enigma.function_constant' op index -1 is out of range: Metal function constant indices are in [0, 65535]}}
  %0 = enigma.function_constant -1 : i32
  enigma.return
}

// -----

enigma.kernel @index_too_large() {
  // expected-error @+1 {{index 65536 is out of range}}
  %0 = enigma.function_constant 65536 : i32
  enigma.return
}

// -----

enigma.kernel @vector_type() {
  // expected-error @+1 {{result #0 must be 1-bit signless integer or 8-bit signless integer or 16-bit signless integer or 32-bit signless integer or 64-bit signless integer or 16-bit float or 32-bit float, but got 'vector<4xf32>'}}
  %0 = enigma.function_constant 0 : vector<4xf32>
  enigma.return
}

// -----

enigma.kernel @bfloat_type() {
  // expected-error @+1 {{result #0 must be}}
  %0 = enigma.function_constant 0 : bf16
  enigma.return
}

// -----

enigma.kernel @index_type() {
  // expected-error @+1 {{result #0 must be}}
  %0 = enigma.function_constant 0 : index
  enigma.return
}

// -----

enigma.kernel @unsigned_float() {
  // expected-error @+1 {{'unsigned' applies to integer function constants wider than i1, not 'f32'}}
  %0 = enigma.function_constant 0 unsigned : f32
  enigma.return
}

// -----

enigma.kernel @unsigned_bool() {
  // expected-error @+1 {{'unsigned' applies to integer function constants wider than i1, not 'i1'}}
  %0 = enigma.function_constant 0 unsigned : i1
  enigma.return
}

// -----

enigma.kernel @bad_name() {
  // expected-error @+1 {{name '2x' is not an identifier}}
  %0 = enigma.function_constant 0 {name = "2x"} : i32
  enigma.return
}

// -----

func.func @outside_kernel() {
  // expected-error @+1 {{'enigma.function_constant' op is only valid inside an 'enigma.kernel'}}
  %0 = enigma.function_constant 0 : i32
  return
}

// -----

enigma.kernel @type_mismatch() {
  // expected-note @+1 {{first declared here}}
  %0 = enigma.function_constant 0 : i32
  // expected-error @+1 {{function constant 0 is used with two different declarations in one kernel (type, 'unsigned' and name must agree)}}
  %1 = enigma.function_constant 0 : f32
  enigma.return
}

// -----

enigma.kernel @signedness_mismatch() {
  // expected-note @+1 {{first declared here}}
  %0 = enigma.function_constant 3 : i32
  // expected-error @+1 {{function constant 3 is used with two different declarations}}
  %1 = enigma.function_constant 3 unsigned : i32
  enigma.return
}

// -----

enigma.kernel @name_mismatch() {
  // expected-note @+1 {{first declared here}}
  %0 = enigma.function_constant 1 {name = "a"} : i32
  // expected-error @+1 {{function constant 1 is used with two different declarations}}
  %1 = enigma.function_constant 1 {name = "b"} : i32
  enigma.return
}
