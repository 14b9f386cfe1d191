// RUN: enigma-translate --to-msl %s -split-input-file -verify-diagnostics

// One MSL library holds one declaration per function constant index.
enigma.kernel @a(%y: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  // expected-note @+1 {{first declared here}}
  %s = enigma.function_constant 0 : f32
  %c0 = arith.constant 0 : index
  memref.store %s, %y[%c0] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

enigma.kernel @b(%y: memref<?xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  // expected-error @+1 {{cannot translate to MSL: function constant 0 is declared differently by two kernels of the module (one MSL library has one declaration per index: type, 'unsigned' and name must agree)}}
  %s = enigma.function_constant 0 : i32
  %c0 = arith.constant 0 : index
  memref.store %s, %y[%c0] : memref<?xi32, #enigma.address_space<device>>
  enigma.return
}
