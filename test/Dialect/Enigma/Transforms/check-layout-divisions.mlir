// RUN: enigma-opt %s -split-input-file -allow-unregistered-dialect -verify-diagnostics -enigma-check-layout-divisions | FileCheck %s

// A valid division passes unchanged.
// CHECK-LABEL: func.func @valid
// CHECK: enigma.layout_zipped_divide %{{.*}} by #enigma.tiler<(4,2)>
func.func @valid() {
  %l = enigma.layout_constant #enigma.layout<(8,8):(1,8)>
  %z = enigma.layout_zipped_divide %l by #enigma.tiler<(4,2)>
  "test.use"(%z) : (!enigma.layout) -> ()
  return
}

// -----

func.func @exceeds_mode0() {
  %l = enigma.layout_constant #enigma.layout<(8,4):(1,8)>
  // expected-error @+1 {{tiler exceeds tensor in mode 0}}
  %z = enigma.layout_zipped_divide %l by #enigma.tiler<(16,4)>
  "test.use"(%z) : (!enigma.layout) -> ()
  return
}

// -----

func.func @exceeds_mode1_sizes() {
  %l = enigma.layout_constant #enigma.layout<(8,4):(1,8)>
  // expected-error-re @+1 {{tiler exceeds tensor in mode 1{{.*}}8{{.*}}4}}
  %z = enigma.layout_logical_divide %l by #enigma.tiler<(8,8)>
  "test.use"(%z) : (!enigma.layout) -> ()
  return
}

// -----

// Every failing division is reported, not only the first.
func.func @all_reported() {
  %l = enigma.layout_constant #enigma.layout<(8,4):(1,8)>
  // expected-error @+1 {{tiler exceeds tensor}}
  %a = enigma.layout_tiled_divide %l by #enigma.tiler<(16,4)>
  // expected-error @+1 {{tiler exceeds tensor}}
  %b = enigma.layout_flat_divide %l by #enigma.tiler<(8,16)>
  "test.use"(%a, %b) : (!enigma.layout, !enigma.layout) -> ()
  return
}

// -----

func.func @not_static(%l: !enigma.layout) {
  // expected-error @+1 {{cannot check this layout division: its layout operand is not a static layout}}
  %z = enigma.layout_zipped_divide %l by #enigma.tiler<(4,2)>
  "test.use"(%z) : (!enigma.layout) -> ()
  return
}
