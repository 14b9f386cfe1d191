// RUN: enigma-opt %s -split-input-file -verify-diagnostics -allow-unregistered-dialect

// expected-error @+1 {{invalid layout '(4,8):(1,4,2)'}}
func.func @mismatch() attributes {a = #enigma.layout<(4,8):(1,4,2)>}

// -----

// expected-error @+1 {{invalid layout '(0,8)'}}
func.func @zero_shape() attributes {a = #enigma.layout<(0,8)>}

// -----

// Indices beyond 64 bits: applying the layout would overflow (3 * INT64_MAX here).
// expected-error @+1 {{layout '(3,3):(9223372036854775807,9223372036854775807)' is too large: its size or largest index does not fit in 64 bits}}
func.func @huge_cosize() attributes {a = #enigma.layout<(3,3):(9223372036854775807,9223372036854775807)>}

// -----

// A size beyond 64 bits (the indices, all 0, would fit).
// expected-error @+1 {{layout '(4294967296,4294967296):(0,0)' is too large}}
func.func @huge_size() attributes {a = #enigma.layout<(4294967296,4294967296):(0,0)>}

// -----

// expected-error @+1 {{expected integer value}}
func.func @garbage() attributes {a = #enigma.layout<(4,x)>}

// -----

// expected-error @+1 {{invalid tiler '(4,8):(1,2,3)'}}
func.func @bad_tiler() attributes {a = #enigma.tiler<(4,8):(1,2,3)>}

// -----

func.func @apply_arity(%i: index) {
  %l = enigma.layout_constant #enigma.layout<((2,2),4):((1,2),4)>
  // expected-error @+1 {{expects 1, 2 (one per mode) or 3 (one per leaf) coordinates for layout ((2,2),4):((1,2),4), got 4}}
  %0 = enigma.layout_apply %l [%i, %i, %i, %i]
  return
}

// -----

func.func @mode_negative(%l: !enigma.layout) {
  // expected-error @+1 {{mode index -1 is out of range}}
  %0 = enigma.layout_mode %l [0, -1]
  return
}

// -----

func.func @mode_past_rank() {
  %l = enigma.layout_constant #enigma.layout<(4,8):(1,4)>
  // expected-error-re @+1 {{'enigma.layout_mode' op {{.*}}7{{.*}}}}
  %0 = enigma.layout_mode %l [7]
  return
}
