// RUN: enigma-translate --to-msl %s | FileCheck %s
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// scf.for (iter_args as variables, parallel copy at the yield), scf.if with results, scf.while,
// nesting, signed and unsigned loop comparisons.
// CHECK-LABEL: kernel void enigma_kernel_control_flow(device float* data {{\[\[}}buffer(0)]],
// CHECK-NEXT: constant uint& n {{\[\[}}buffer(1)]],
// CHECK-NEXT: uint3 thread_position_in_grid {{\[\[}}thread_position_in_grid]]) {
// CHECK-NEXT: uint nn = uint(n);
// CHECK-NEXT: uint tid = thread_position_in_grid.x;
// CHECK-NEXT: float res = 0.0f;
// CHECK-NEXT: float res_1 = 1.0f;
// CHECK-NEXT: for (uint v0 = 0u; int(v0) < int(nn); v0 += 1u) {
// CHECK-NEXT: float inner = res;
// CHECK-NEXT: for (uint v1 = 0u; v1 < 4u; v1 += 1u) {
// CHECK-NEXT: float x = data[v1];
// CHECK-NEXT: bool v2 = x > inner;
// CHECK-NEXT: float m;
// CHECK-NEXT: if (v2) {
// CHECK-NEXT: m = x;
// CHECK-NEXT: } else {
// CHECK-NEXT: float v3 = -x;
// CHECK-NEXT: m = v3;
// CHECK-NEXT: }
// CHECK-NEXT: inner = m;
// CHECK-NEXT: }
// CHECK-NEXT: float res_next = res_1;
// CHECK-NEXT: float res_1_next = inner;
// CHECK-NEXT: res = res_next;
// CHECK-NEXT: res_1 = res_1_next;
// CHECK-NEXT: }
// CHECK-NEXT: float s = res + res_1;
// CHECK-NEXT: data[tid] = s;
// CHECK-NEXT: uint v4 = 0u;
// CHECK-NEXT: float v5 = 0.0f;
// CHECK-NEXT: uint v6;
// CHECK-NEXT: float v7;
// CHECK-NEXT: while (true) {
// CHECK-NEXT: bool v8 = v4 < nn;
// CHECK-NEXT: v6 = v4;
// CHECK-NEXT: v7 = v5;
// CHECK-NEXT: if (!v8) {
// CHECK-NEXT: break;
// CHECK-NEXT: }
// CHECK-NEXT: uint v9 = v6 + 1u;
// CHECK-NEXT: float v10 = data[v6];
// CHECK-NEXT: float v11 = v7 + v10;
// CHECK-NEXT: v4 = v9;
// CHECK-NEXT: v5 = v11;
// CHECK-NEXT: }
// CHECK-NEXT: data[v6] = v7;
// CHECK-NEXT: for (uint v12 = 0u; int(v12) < int(n); v12 += 1u) {
// CHECK-NEXT: uint v13 = uint(v12);
// CHECK-NEXT: bool v14 = v13 == tid;
// CHECK-NEXT: if (v14) {
// CHECK-NEXT: data[v13] = 1.0f;
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: for (uint v15 = 0u; v15 < nn; v15 += 4u) {
// CHECK-NEXT: data[v15] = 1.0f;
// CHECK-NEXT: }
// CHECK-NEXT: }
enigma.kernel @control_flow(%data: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32} loc("data"),
                            %n: i32 {enigma.buffer_index = 1 : i32, enigma.scalar} loc("n")) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %nn = arith.index_cast %n : i32 to index loc("nn")
  %tid = enigma.thread_position_in_grid x loc("tid")
  // Nested loops with results, a swap, an if with results inside.
  %res:2 = scf.for %i = %c0 to %nn step %c1 iter_args(%a = %zero, %b = %one) -> (f32, f32) {
    %inner = scf.for %j = %c0 to %c4 step %c1 iter_args(%acc = %a) -> (f32) {
      %x = memref.load %data[%j] : memref<?xf32, #enigma.address_space<device>> loc("x")
      %p = arith.cmpf ogt, %x, %acc : f32
      %m = scf.if %p -> (f32) {
        scf.yield %x : f32
      } else {
        %neg = arith.negf %x : f32
        scf.yield %neg : f32
      } loc("m")
      scf.yield %m : f32
    } loc("inner")
    scf.yield %b, %inner : f32, f32
  } loc("res")
  %s = arith.addf %res#0, %res#1 : f32 loc("s")
  memref.store %s, %data[%tid] : memref<?xf32, #enigma.address_space<device>>
  // A while loop: before args, after args, results.
  %w:2 = scf.while (%k = %c0, %acc = %zero) : (index, f32) -> (index, f32) {
    %cond = arith.cmpi ult, %k, %nn : index
    scf.condition(%cond) %k, %acc : index, f32
  } do {
  ^bb0(%k2: index, %acc2: f32):
    %next = arith.addi %k2, %c1 : index
    %v = memref.load %data[%k2] : memref<?xf32, #enigma.address_space<device>>
    %sum = arith.addf %acc2, %v : f32
    scf.yield %next, %sum : index, f32
  }
  memref.store %w#1, %data[%w#0] : memref<?xf32, #enigma.address_space<device>>
  // An if without else and without results; signed loop bounds; an i32 induction variable.
  %c0i = arith.constant 0 : i32
  %c1i = arith.constant 1 : i32
  scf.for %q = %c0i to %n step %c1i : i32 {
    %qi = arith.index_cast %q : i32 to index
    %p = arith.cmpi eq, %qi, %tid : index
    scf.if %p {
      memref.store %one, %data[%qi] : memref<?xf32, #enigma.address_space<device>>
    }
  }
  scf.for %u = %c0 to %nn step %c4 {
    memref.store %one, %data[%u] : memref<?xf32, #enigma.address_space<device>>
  } {unsignedCmp}
  enigma.return
}
