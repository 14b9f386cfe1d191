// RUN: enigma-opt %s -split-input-file -allow-unregistered-dialect -verify-diagnostics -enigma-lower-layouts

func.func @composition_fails() {
  %a = enigma.layout_constant #enigma.layout<(3,4):(4,1)>
  %b = enigma.layout_constant #enigma.layout<4:2>
  // expected-error @+1 {{cannot evaluate layout operation: }}
  %c = enigma.layout_composition %a, %b
  "test.use"(%c) : (!enigma.layout) -> ()
  return
}

// -----

func.func @escapes(%i: index) {
  %l = enigma.layout_constant #enigma.layout<8:1>
  // expected-error @+1 {{a layout value cannot be used by 'test.use'}}
  "test.use"(%l) : (!enigma.layout) -> ()
  return
}

// -----

func.func @apply_dynamic(%l: !enigma.layout, %i: index) {
  // expected-error @+1 {{cannot lower layout_apply: its layout is not a static layout}}
  %o = enigma.layout_apply %l [%i]
  "test.use"(%o) : (index) -> ()
  return
}
