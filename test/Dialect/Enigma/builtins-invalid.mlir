// RUN: enigma-opt %s -split-input-file -verify-diagnostics
// Every diagnostic of the Metal standard-library ops (EnigmaMathOps.td): type constraints,
// type relations and the lane counts of the pack formats.

// -----

func.func @fract_int(%x: i32) {
  // expected-error @+1 {{operand #0 must be f16 or f32, or a vector of 2, 3 or 4 of them, but got 'i32'}}
  %0 = enigma.fract %x : i32
  return
}

// -----

func.func @sign_f64(%x: f64) {
  // expected-error @+1 {{operand #0 must be f16 or f32, or a vector of 2, 3 or 4 of them, but got 'f64'}}
  %0 = enigma.sign %x : f64
  return
}

// -----

func.func @saturate_8_lanes(%x: vector<8xf32>) {
  // expected-error @+1 {{operand #0 must be f16 or f32, or a vector of 2, 3 or 4 of them, but got 'vector<8xf32>'}}
  %0 = enigma.saturate %x : vector<8xf32>
  return
}

// -----

func.func @fract_rank2(%x: vector<2x2xf32>) {
  // expected-error @+1 {{operand #0 must be f16 or f32, or a vector of 2, 3 or 4 of them, but got 'vector<2x2xf32>'}}
  %0 = enigma.fract %x : vector<2x2xf32>
  return
}

// -----

func.func @step_mixed(%x: f32, %y: f16) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = "enigma.step"(%x, %y) : (f32, f16) -> f32
  return
}

// -----

func.func @signbit_lanes(%x: vector<2xf32>) {
  // expected-error @+1 {{failed to verify that result is i1 with the lanes of x}}
  %0 = "enigma.signbit"(%x) : (vector<2xf32>) -> i1
  return
}

// -----

func.func @mix_result(%x: f32) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = "enigma.mix"(%x, %x, %x) : (f32, f32, f32) -> f16
  return
}

// -----

func.func @add_sat_float(%x: f32) {
  // expected-error @+1 {{operand #0 must be signless i8, i16, i32 or i64, or a vector of 2, 3 or 4 of them, but got 'f32'}}
  %0 = enigma.add_sat %x, %x : f32
  return
}

// -----

func.func @reverse_bits_i1(%x: i1) {
  // expected-error @+1 {{operand #0 must be signless i8, i16, i32 or i64, or a vector of 2, 3 or 4 of them, but got 'i1'}}
  %0 = enigma.reverse_bits %x : i1
  return
}

// -----

func.func @sub_sat_widths(%x: i8, %y: i16) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = "enigma.sub_sat"(%x, %y) : (i8, i16) -> i8
  return
}

// -----

func.func @extract_bits_offset_i64(%x: i32, %o: i64) {
  // expected-error @+1 {{operand #1 must be 32-bit signless integer, but got 'i64'}}
  %0 = "enigma.extract_bits"(%x, %o, %o) : (i32, i64, i64) -> i32
  return
}

// -----

func.func @extract_bits_result(%x: i32, %o: i32) {
  // expected-error @+1 {{failed to verify that all of {x, result} have same type}}
  %0 = "enigma.extract_bits"(%x, %o, %o) : (i32, i32, i32) -> i16
  return
}

// -----

func.func @insert_bits_mixed(%x: i32, %y: vector<2xi32>, %o: i32) {
  // expected-error @+1 {{failed to verify that all of {base, insert, result} have same type}}
  %0 = "enigma.insert_bits"(%x, %y, %o, %o) : (i32, vector<2xi32>, i32, i32) -> i32
  return
}

// -----

func.func @dot_scalar(%x: f32) {
  // expected-error @+1 {{operand #0 must be vector of 2, 3 or 4 f16 or f32, but got 'f32'}}
  %0 = "enigma.dot"(%x, %x) : (f32, f32) -> f32
  return
}

// -----

func.func @dot_vector_result(%x: vector<4xf32>) {
  // expected-error @+1 {{result #0 must be f16 or f32, but got 'vector<4xf32>'}}
  %0 = "enigma.dot"(%x, %x) : (vector<4xf32>, vector<4xf32>) -> vector<4xf32>
  return
}

// -----

func.func @length_result(%x: vector<4xf32>) {
  // expected-error @+1 {{failed to verify that result is the element type of the operand}}
  %0 = "enigma.length"(%x) : (vector<4xf32>) -> f16
  return
}

// -----

func.func @cross_4_lanes(%x: vector<4xf32>) {
  // expected-error @+1 {{operand #0 must be vector of 3 f16 or f32, but got 'vector<4xf32>'}}
  %0 = enigma.cross %x, %x : vector<4xf32>
  return
}

// -----

func.func @refract_eta(%x: vector<3xf32>, %e: f16) {
  // expected-error @+1 {{failed to verify that eta is the element type of i}}
  %0 = "enigma.refract"(%x, %x, %e) : (vector<3xf32>, vector<3xf32>, f16) -> vector<3xf32>
  return
}

// -----

func.func @pack_lanes(%x: vector<2xf32>) {
  // expected-error @+1 {{format unorm4x8 packs vector<4xf32>, got 'vector<2xf32>'}}
  %0 = enigma.pack <unorm4x8> %x : vector<2xf32>
  return
}

// -----

func.func @pack_f16(%x: vector<4xf16>) {
  // expected-error @+1 {{operand #0 must be vector of 2 or 4 f32, but got 'vector<4xf16>'}}
  %0 = enigma.pack <unorm4x8> %x : vector<4xf16>
  return
}

// -----

func.func @pack_i64(%x: vector<4xf32>) {
  // expected-error @+1 {{result #0 must be 32-bit signless integer, but got 'i64'}}
  %0 = "enigma.pack"(%x) {format = #enigma.pack_format<unorm4x8>} : (vector<4xf32>) -> i64
  return
}

// -----

func.func @unpack_lanes(%x: i32) {
  // expected-error @+1 {{format snorm2x16 unpacks to vector<2xf32>, got 'vector<4xf32>'}}
  %0 = enigma.unpack <snorm2x16> %x : vector<4xf32>
  return
}

// -----

func.func @unpack_unknown_format(%x: i32) {
  // expected-error @+2 {{expected ::mlir::enigma::PackFormat to be one of: snorm4x8, unorm4x8, snorm2x16, unorm2x16, srgb_unorm4x8, unorm10a2}}
  // expected-error @+1 {{failed to parse Enigma_PackFormatAttr parameter 'value'}}
  %0 = enigma.unpack <unorm565> %x : vector<4xf32>
  return
}

// -----

func.func @pack_no_format(%x: vector<4xf32>) {
  // expected-error @+1 {{requires attribute 'format'}}
  %0 = "enigma.pack"(%x) : (vector<4xf32>) -> i32
  return
}

// -----

func.func @faceforward_result(%x: vector<3xf32>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = "enigma.faceforward"(%x, %x, %x) : (vector<3xf32>, vector<3xf32>, vector<3xf32>) -> vector<3xf16>
  return
}
