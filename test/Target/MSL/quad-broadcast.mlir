// RUN: enigma-translate --to-msl %s | FileCheck %s
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// enigma.quad_broadcast is Metal's quad_broadcast(value, ushort(lane)), like simd_broadcast.
// CHECK-LABEL: kernel void enigma_kernel_quad(
// CHECK: float b = quad_broadcast(x, ushort(2u));
// CHECK-NEXT: half2 hb = quad_broadcast(h, ushort(lane));
// CHECK-NEXT: uint ib = quad_broadcast(i, ushort(3u));
enigma.kernel @quad(%x: f32 {enigma.buffer_index = 0 : i32, enigma.scalar} loc("x"),
                    %h: vector<2xf16> {enigma.buffer_index = 1 : i32, enigma.scalar} loc("h"),
                    %i: i32 {enigma.buffer_index = 2 : i32, enigma.scalar} loc("i"),
                    %lane: i32 {enigma.buffer_index = 3 : i32, enigma.scalar} loc("lane")) {
  %c2 = arith.constant 2 : i32
  %c3 = arith.constant 3 : index
  %0 = enigma.quad_broadcast %x, %c2 : f32, i32 loc("b")
  %1 = enigma.quad_broadcast %h, %lane : vector<2xf16>, i32 loc("hb")
  %2 = enigma.quad_broadcast %i, %c3 : i32, index loc("ib")
  enigma.return
}
