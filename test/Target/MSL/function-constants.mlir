// RUN: enigma-translate --to-msl %s | FileCheck %s
// The text runs on the CPU once each constant has a value (the CPU runtime specializes it).
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | sed -e 's/\[\[function_constant(0)\]\]/= 2.5f/' -e 's/\[\[function_constant(1)\]\]/= 3/' -e 's/\[\[function_constant(2)\]\]/= true/' -e 's/\[\[function_constant(7)\]\]/= 1u/' | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// Function constants are declared once per index at file scope, before every kernel (Metal
// rejects [[function_constant]] declarations inside a function), and read into locals.

// CHECK: using namespace metal;
// CHECK-EMPTY:
// CHECK-NEXT: constant float enigma_fc_0 {{\[\[}}function_constant(0)]];
// CHECK-NEXT: constant int enigma_fc_1 {{\[\[}}function_constant(1)]];
// CHECK-NEXT: constant bool enigma_fc_2 {{\[\[}}function_constant(2)]];
// CHECK-NEXT: constant uint tile {{\[\[}}function_constant(7)]];
// CHECK-EMPTY:
// CHECK-NEXT: kernel void enigma_kernel_scale(
// CHECK: float [[S:[a-z0-9_]+]] = enigma_fc_0;
// CHECK: uint [[N:[a-z0-9_]+]] = enigma_fc_1;
// CHECK: bool [[B:[a-z0-9_]+]] = enigma_fc_2;
// CHECK: if ([[B]]) {
// A local named like a constant is renamed, not allowed to shadow it.
// CHECK: uint tile_1 = tile;
// CHECK: kernel void enigma_kernel_second(
// CHECK: float {{[a-z0-9_]+}} = enigma_fc_0;
// CHECK-NOT: function_constant
enigma.kernel @scale(%x: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32},
                     %y: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32}) {
  %s = enigma.function_constant 0 : f32
  %n = enigma.function_constant 1 : i32
  %b = enigma.function_constant 2 : i1
  %i = enigma.thread_position_in_grid x
  %v = memref.load %x[%i] : memref<?xf32, #enigma.address_space<device>>
  %r = scf.if %b -> f32 {
    %m = arith.mulf %v, %s : f32
    scf.yield %m : f32
  } else {
    %nf = arith.sitofp %n : i32 to f32
    %a = arith.addf %v, %nf : f32
    scf.yield %a : f32
  }
  %t = enigma.function_constant 7 unsigned {name = "tile"} : i32 loc("tile")
  %tf = arith.uitofp %t : i32 to f32
  %out = arith.addf %r, %tf : f32
  memref.store %out, %y[%i] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

enigma.kernel @second(%y: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
  %s = enigma.function_constant 0 : f32
  %c0 = arith.constant 0 : index
  memref.store %s, %y[%c0] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}
