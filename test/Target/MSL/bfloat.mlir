// RUN: enigma-translate --to-msl %s | FileCheck %s
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// bfloat results are rounded explicitly: Metal computes bfloat in float and float does not
// convert implicitly to bfloat (exact for + - * /: float has over twice bfloat's precision).
// CHECK-LABEL: kernel void enigma_kernel_bf16_ops(constant bfloat& a {{\[\[}}buffer(0)]],
// CHECK-NEXT: constant bfloat& b {{\[\[}}buffer(1)]],
// CHECK-NEXT: constant bfloat4& v {{\[\[}}buffer(2)]],
// CHECK-NEXT: device bfloat* out {{\[\[}}buffer(3)]]) {
// CHECK-NEXT: bfloat s = bfloat(a + b);
// CHECK-NEXT: bfloat m = bfloat(s * a);
// CHECK-NEXT: bfloat e = bfloat(exp(m));
// CHECK-NEXT: bfloat n = bfloat(-e);
// CHECK-NEXT: bfloat q = bfloat(n / bfloat(1.5f));
// CHECK-NEXT: bfloat4 vs = bfloat4(v + v);
// CHECK-NEXT: bfloat x = bfloat(vs.y);
// CHECK-NEXT: bfloat r = bfloat(q + x);
// CHECK-NEXT: bfloat l = bfloat(out[0u]);
// CHECK-NEXT: bfloat t = bfloat(r + l);
// CHECK-NEXT: float f = float(t);
// CHECK-NEXT: bfloat back = bfloat(f);
// CHECK-NEXT: out[0u] = back;
// CHECK-NEXT: }
enigma.kernel @bf16_ops(%a: bf16 {enigma.buffer_index = 0 : i32, enigma.scalar} loc("a"),
                        %b: bf16 {enigma.buffer_index = 1 : i32, enigma.scalar} loc("b"),
                        %v: vector<4xbf16> {enigma.buffer_index = 2 : i32, enigma.scalar} loc("v"),
                        %out: memref<?xbf16, #enigma.address_space<device>> {enigma.buffer_index = 3 : i32} loc("out")) {
  %c0 = arith.constant 0 : index
  %s = arith.addf %a, %b : bf16 loc("s")
  %m = arith.mulf %s, %a : bf16 loc("m")
  %e = math.exp %m : bf16 loc("e")
  %n = arith.negf %e : bf16 loc("n")
  %k = arith.constant 1.5 : bf16
  %q = arith.divf %n, %k : bf16 loc("q")
  %vs = arith.addf %v, %v : vector<4xbf16> loc("vs")
  %x = vector.extract %vs[1] : bf16 from vector<4xbf16> loc("x")
  %r = arith.addf %q, %x : bf16 loc("r")
  %l = memref.load %out[%c0] : memref<?xbf16, #enigma.address_space<device>> loc("l")
  %t = arith.addf %r, %l : bf16 loc("t")
  %f = arith.extf %t : bf16 to f32 loc("f")
  %back = arith.truncf %f : f32 to bf16 loc("back")
  memref.store %back, %out[%c0] : memref<?xbf16, #enigma.address_space<device>>
  enigma.return
}
