// RUN: enigma-translate --to-msl %s | FileCheck %s
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// Source names come from NameLocs on ops and block arguments (also inside fused locations),
// legalized against C++/MSL reserved words and de-duplicated; values without one are v<N>.
// CHECK-LABEL: kernel void enigma_kernel_naming(device float* float_ {{\[\[}}buffer(0)]],
// CHECK-NEXT: constant float& kernel_ {{\[\[}}buffer(1)]],
// CHECK-NEXT: constant float& v0 {{\[\[}}buffer(2)]],
// CHECK-NEXT: uint3 thread_position_in_grid {{\[\[}}thread_position_in_grid]]) {
// CHECK-NEXT: uint tid = thread_position_in_grid.x;
// CHECK-NEXT: float x = kernel_ + v0;
// CHECK-NEXT: float x_1 = x + x;
// CHECK-NEXT: float x_2 = x_1 + x_1;
// CHECK-NEXT: float my_var = x_2 * x_2;
// CHECK-NEXT: float v2nd = my_var * my_var;
// CHECK-NEXT: float _secret = v2nd * v2nd;
// CHECK-NEXT: float v_Upper = _secret * _secret;
// CHECK-NEXT: float sqrt_ = v_Upper * v_Upper;
// CHECK-NEXT: float float4_ = sqrt_ * sqrt_;
// CHECK-NEXT: float thread_position_in_grid_ = float4_ * float4_;
// CHECK-NEXT: float v0_1 = thread_position_in_grid_ * thread_position_in_grid_;
// CHECK-NEXT: float v1 = v0_1 * v0_1;
// CHECK-NEXT: float x_1_1 = v1 * v1;
// CHECK-NEXT: float a_b_c = x_1_1 * x_1_1;
// CHECK-NEXT: float simd_sum_ = a_b_c * a_b_c;
// CHECK-NEXT: float v2 = simd_sum_ * simd_sum_;
// CHECK-NEXT: float_[tid] = v2;
// CHECK-NEXT: }
enigma.kernel @naming(%float: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32} loc("float"("k.py":1:1)),
                      %kernel: f32 {enigma.buffer_index = 1 : i32, enigma.scalar} loc("kernel"),
                      %noname: f32 {enigma.buffer_index = 2 : i32, enigma.scalar}) {
  %tid = enigma.thread_position_in_grid x loc("tid"("k.py":3:5))
  %a = arith.addf %kernel, %noname : f32 loc("x")
  %b = arith.addf %a, %a : f32 loc("x")
  %c = arith.addf %b, %b : f32 loc("x")
  %d = arith.mulf %c, %c : f32 loc(fused["k.py":7:1, "my var"("k.py":7:3)])
  %e = arith.mulf %d, %d : f32 loc("2nd")
  %f = arith.mulf %e, %e : f32 loc("__secret")
  %g = arith.mulf %f, %f : f32 loc("_Upper")
  %h = arith.mulf %g, %g : f32 loc("sqrt")
  %i = arith.mulf %h, %h : f32 loc("float4")
  %j = arith.mulf %i, %i : f32 loc("thread_position_in_grid")
  %k = arith.mulf %j, %j : f32 loc("v0")
  %l = arith.mulf %k, %k : f32
  %m = arith.mulf %l, %l : f32 loc("x_1")
  %n = arith.mulf %m, %m : f32 loc("a.b-c")
  %o = arith.mulf %n, %n : f32 loc("simd_sum")
  %p = arith.mulf %o, %o : f32 loc("")
  memref.store %p, %float[%tid] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// Entry points are legalized and unique too.
enigma.kernel @"my-kernel"() {
  enigma.return
}
// CHECK-LABEL: kernel void enigma_kernel_my_kernel() {
// CHECK-NEXT: }
enigma.kernel @my_kernel() {
  enigma.return
}
