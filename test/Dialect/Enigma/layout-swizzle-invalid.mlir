// RUN: enigma-opt %s -split-input-file -verify-diagnostics -allow-unregistered-dialect

// expected-error @+1 {{invalid layout 'Sw<3,4,2> o 0 o 8:1': invalid swizzle Sw<3,4,2>}}
func.func private @bad_swizzle() attributes {a = #enigma.layout<Sw<3,4,2> o 0 o 8:1>}

// -----

// expected-error @+1 {{expected 'o'}}
func.func private @missing_o() attributes {a = #enigma.layout<Sw<3,4,3> 8:1>}

// -----

// expected-error @+1 {{is too large}}
func.func private @too_large() attributes {a = #enigma.layout<Sw<1,0,1> o 9223372036854775807 o 2:1>}

// -----

// The cosize of a swizzled layout is 1 + its largest offset: Sw<1,0,1> o 1 o 2:1 reaches 3.
// expected-error @+1 {{has layout Sw<1,0,1> o 1 o 2:1 whose cosize 4 exceeds the buffer's 3 elements}}
enigma.kernel @too_small(%a: memref<3xf32, #enigma.address_space<device>>
    {enigma.buffer_index = 0 : i32, enigma.layout = #enigma.layout<Sw<1,0,1> o 1 o 2:1>}) {
  enigma.return
}
