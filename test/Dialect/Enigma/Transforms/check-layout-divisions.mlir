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

// -----

// The operand need not be folded yet: the check evaluates the chain itself, without changing
// the IR.
// CHECK-LABEL: func.func @unfolded_chain
// CHECK: enigma.layout_coalesce
// CHECK: enigma.layout_zipped_divide
func.func @unfolded_chain() {
  %l = enigma.layout_constant #enigma.layout<(4,8):(1,4)>
  %c = enigma.layout_coalesce %l
  %z = enigma.layout_zipped_divide %c by #enigma.tiler<4>
  "test.use"(%z) : (!enigma.layout) -> ()
  return
}

// -----

func.func @unfolded_exceeds() {
  %l = enigma.layout_constant #enigma.layout<(4,8):(1,4)>
  %c = enigma.layout_coalesce %l
  // expected-error @+1 {{tiler exceeds tensor in the layout: the tile 64:1 (size 64) spans 64 elements but 32:1 has size 32}}
  %z = enigma.layout_zipped_divide %c by #enigma.tiler<64>
  "test.use"(%z) : (!enigma.layout) -> ()
  return
}

// -----

// Divisions that fail for other reasons are reported too (here: a tiler of higher rank than
// the layout).
func.func @rank_mismatch() {
  %l = enigma.layout_constant #enigma.layout<8:1>
  // expected-error @+1 {{invalid layout division: }}
  %z = enigma.layout_logical_divide %l by #enigma.tiler<(2,2,2)>
  "test.use"(%z) : (!enigma.layout) -> ()
  return
}
