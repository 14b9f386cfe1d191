// RUN: enigma-translate --to-msl %s | FileCheck %s
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// arith operations: integers are held unsigned (signed operations cast), narrow integers are
// promoted to uint before arithmetic, float operations without a Metal twin are exact
// expressions (scalarized per lane for vectors).
// CHECK-LABEL: kernel void enigma_kernel_int_ops(constant uint& a {{\[\[}}buffer(0)]],
// CHECK-NEXT: constant uint& b {{\[\[}}buffer(1)]],
// CHECK-NEXT: constant ushort& s {{\[\[}}buffer(2)]],
// CHECK-NEXT: constant ushort& t {{\[\[}}buffer(3)]],
// CHECK-NEXT: constant bool& p {{\[\[}}buffer(4)]],
// CHECK-NEXT: constant bool& q {{\[\[}}buffer(5)]],
// CHECK-NEXT: device uint* out {{\[\[}}buffer(6)]]) {
// CHECK-NEXT: uint v0 = a + b;
// CHECK-NEXT: uint v1 = a - b;
// CHECK-NEXT: uint v2 = a * b;
// CHECK-NEXT: uint v3 = a / b;
// CHECK-NEXT: uint v4 = uint(int(a) / int(b));
// CHECK-NEXT: uint v5 = a % b;
// CHECK-NEXT: uint v6 = uint(int(a) % int(b));
// CHECK-NEXT: uint v7 = a & b;
// CHECK-NEXT: uint v8 = a | b;
// CHECK-NEXT: uint v9 = a ^ b;
// CHECK-NEXT: uint v10 = a << b;
// CHECK-NEXT: uint v11 = a >> b;
// CHECK-NEXT: uint v12 = uint(int(a) >> int(b));
// CHECK-NEXT: uint v13 = min(a, b);
// CHECK-NEXT: uint v14 = uint(min(int(a), int(b)));
// CHECK-NEXT: uint v15 = max(a, b);
// CHECK-NEXT: uint v16 = uint(max(int(a), int(b)));
// CHECK-NEXT: uint v17 = a / b + (a % b != 0 ? 1 : 0);
// CHECK-NEXT: uint v18 = (int(a) / int(b) + (int(a) % int(b) != 0 && ((int(a) < 0) == (int(b) < 0)) ? 1 : 0));
// CHECK-NEXT: uint v19 = (int(a) / int(b) - (int(a) % int(b) != 0 && !((int(a) < 0) == (int(b) < 0)) ? 1 : 0));
// CHECK-NEXT: ushort v20 = uint(s) * uint(t);
// CHECK-NEXT: ushort v21 = ushort(short(s) / short(t));
// CHECK-NEXT: bool v22 = p != q;
// CHECK-NEXT: bool v23 = p && q;
// CHECK-NEXT: uint v24 = p ? a : b;
// CHECK-NEXT: bool v25 = int(a) < int(b);
// CHECK-NEXT: bool v26 = a < b;
// CHECK-NEXT: bool v27 = short(s) >= short(t);
// CHECK-NEXT: bool v28 = a == b;
// CHECK-NEXT: uint v29 = uint(short(s));
// CHECK-NEXT: uint v30 = uint(s);
// CHECK-NEXT: ushort v31 = ushort(a);
// CHECK-NEXT: bool v32 = (a & 1) != 0;
// CHECK-NEXT: uint v33 = uint((-int(p)));
// CHECK-NEXT: uint v34 = uint(p);
// CHECK-NEXT: uint v35 = uint(a);
// CHECK-NEXT: uint v36 = uint(a);
// CHECK-NEXT: ulong v37 = ulong(int(v35));
// CHECK-NEXT: ulong v38 = ulong(v35);
// CHECK-NEXT: ulong v39 = ulong(int(a));
// CHECK-NEXT: bool v40 = (-int(p)) <= (-int(q));
// CHECK-NEXT: uint v41 = a + b;
// CHECK-NEXT: bool v42 = v41 < a;
// CHECK-NEXT: uint v43 = a * b;
// CHECK-NEXT: uint v44 = uint(mulhi(int(a), int(b)));
// CHECK-NEXT: uint v45 = a * b;
// CHECK-NEXT: uint v46 = mulhi(a, b);
// CHECK-NEXT: out[0u] = v0;
// CHECK-NEXT: }
enigma.kernel @int_ops(%a: i32 {enigma.buffer_index = 0 : i32, enigma.scalar} loc("a"),
                       %b: i32 {enigma.buffer_index = 1 : i32, enigma.scalar} loc("b"),
                       %s: i16 {enigma.buffer_index = 2 : i32, enigma.scalar} loc("s"),
                       %t: i16 {enigma.buffer_index = 3 : i32, enigma.scalar} loc("t"),
                       %p: i1 {enigma.buffer_index = 4 : i32, enigma.scalar} loc("p"),
                       %q: i1 {enigma.buffer_index = 5 : i32, enigma.scalar} loc("q"),
                       %out: memref<64xi32, #enigma.address_space<device>> {enigma.buffer_index = 6 : i32} loc("out")) {
  %0 = arith.addi %a, %b : i32
  %1 = arith.subi %a, %b : i32
  %2 = arith.muli %a, %b : i32
  %3 = arith.divui %a, %b : i32
  %4 = arith.divsi %a, %b : i32
  %5 = arith.remui %a, %b : i32
  %6 = arith.remsi %a, %b : i32
  %7 = arith.andi %a, %b : i32
  %8 = arith.ori %a, %b : i32
  %9 = arith.xori %a, %b : i32
  %10 = arith.shli %a, %b : i32
  %11 = arith.shrui %a, %b : i32
  %12 = arith.shrsi %a, %b : i32
  %13 = arith.minui %a, %b : i32
  %14 = arith.minsi %a, %b : i32
  %15 = arith.maxui %a, %b : i32
  %16 = arith.maxsi %a, %b : i32
  %17 = arith.ceildivui %a, %b : i32
  %18 = arith.ceildivsi %a, %b : i32
  %19 = arith.floordivsi %a, %b : i32
  %20 = arith.muli %s, %t : i16
  %21 = arith.divsi %s, %t : i16
  %22 = arith.addi %p, %q : i1
  %23 = arith.andi %p, %q : i1
  %24 = arith.select %p, %a, %b : i32
  %25 = arith.cmpi slt, %a, %b : i32
  %26 = arith.cmpi ult, %a, %b : i32
  %27 = arith.cmpi sge, %s, %t : i16
  %28 = arith.cmpi eq, %a, %b : i32
  %29 = arith.extsi %s : i16 to i32
  %30 = arith.extui %s : i16 to i32
  %31 = arith.trunci %a : i32 to i16
  %32 = arith.trunci %a : i32 to i1
  %33 = arith.extsi %p : i1 to i32
  %34 = arith.extui %p : i1 to i32
  %35 = arith.index_cast %a : i32 to index
  %36 = arith.index_castui %a : i32 to index
  %37 = arith.index_cast %35 : index to i64
  %38 = arith.index_castui %35 : index to i64
  %39 = arith.extsi %a : i32 to i64
  %40 = arith.cmpi sle, %p, %q : i1
  %sum, %ov = arith.addui_extended %a, %b : i32, i1
  %lo, %hi = arith.mulsi_extended %a, %b : i32
  %lo2, %hi2 = arith.mului_extended %a, %b : i32
  %c0 = arith.constant 0 : index
  memref.store %0, %out[%c0] : memref<64xi32, #enigma.address_space<device>>
  enigma.return
}

// CHECK-LABEL: kernel void enigma_kernel_float_ops(constant float& x {{\[\[}}buffer(0)]],
// CHECK-NEXT: constant float& y {{\[\[}}buffer(1)]],
// CHECK-NEXT: constant half& h {{\[\[}}buffer(2)]],
// CHECK-NEXT: constant uint& i {{\[\[}}buffer(3)]],
// CHECK-NEXT: constant float4& v {{\[\[}}buffer(4)]],
// CHECK-NEXT: constant float4& w {{\[\[}}buffer(5)]]) {
// CHECK-NEXT: float v0 = x + y;
// CHECK-NEXT: float v1 = x - y;
// CHECK-NEXT: float v2 = x * y;
// CHECK-NEXT: float v3 = x / y;
// CHECK-NEXT: float v4 = fmod(x, y);
// CHECK-NEXT: float v5 = -x;
// CHECK-NEXT: float v6 = fmin(x, y);
// CHECK-NEXT: float v7 = fmax(x, y);
// CHECK-NEXT: float v8 = (isnan(x) ? x : isnan(y) ? y : x < y ? x : y < x ? y : (signbit(x) ? x : y));
// CHECK-NEXT: float v9 = (isnan(x) ? x : isnan(y) ? y : x > y ? x : y > x ? y : (signbit(x) ? y : x));
// CHECK-NEXT: float v10 = float(h);
// CHECK-NEXT: half v11 = half(x);
// CHECK-NEXT: uint v12 = uint(int(x));
// CHECK-NEXT: uint v13 = uint(x);
// CHECK-NEXT: float v14 = float(int(i));
// CHECK-NEXT: float v15 = float(i);
// CHECK-NEXT: uint v16 = as_type<uint>(x);
// CHECK-NEXT: float v17 = as_type<float>(i);
// CHECK-NEXT: bool v18 = false;
// CHECK-NEXT: bool v19 = x == y;
// CHECK-NEXT: bool v20 = x > y;
// CHECK-NEXT: bool v21 = x >= y;
// CHECK-NEXT: bool v22 = x < y;
// CHECK-NEXT: bool v23 = x <= y;
// CHECK-NEXT: bool v24 = (x < y || x > y);
// CHECK-NEXT: bool v25 = (!isnan(x) && !isnan(y));
// CHECK-NEXT: bool v26 = !(x < y || x > y);
// CHECK-NEXT: bool v27 = !(x <= y);
// CHECK-NEXT: bool v28 = !(x < y);
// CHECK-NEXT: bool v29 = !(x >= y);
// CHECK-NEXT: bool v30 = !(x > y);
// CHECK-NEXT: bool v31 = x != y;
// CHECK-NEXT: bool v32 = (isnan(x) || isnan(y));
// CHECK-NEXT: bool v33 = true;
// CHECK-NEXT: float4 v34 = v + w;
// CHECK-NEXT: bool4 v35 = v < w;
// CHECK-NEXT: bool4 v36 = bool4(!(v.x < w.x), !(v.y < w.y), !(v.z < w.z), !(v.w < w.w));
// CHECK-NEXT: float4 v37 = float4(v35.x ? v.x : w.x, v35.y ? v.y : w.y, v35.z ? v.z : w.z, v35.w ? v.w : w.w);
// CHECK-NEXT: float4 v38 = float4((isnan(v.x) ? v.x : isnan(w.x) ? w.x : v.x > w.x ? v.x : w.x > v.x ? w.x : (signbit(v.x) ? w.x : v.x)), (isnan(v.y) ? v.y : isnan(w.y) ? w.y : v.y > w.y ? v.y : w.y > v.y ? w.y : (signbit(v.y) ? w.y : v.y)), (isnan(v.z) ? v.z : isnan(w.z) ? w.z : v.z > w.z ? v.z : w.z > v.z ? w.z : (signbit(v.z) ? w.z : v.z)), (isnan(v.w) ? v.w : isnan(w.w) ? w.w : v.w > w.w ? v.w : w.w > v.w ? w.w : (signbit(v.w) ? w.w : v.w)));
// CHECK-NEXT: uint4 v39 = uint4(int4(v));
// CHECK-NEXT: }
enigma.kernel @float_ops(%x: f32 {enigma.buffer_index = 0 : i32, enigma.scalar} loc("x"),
                         %y: f32 {enigma.buffer_index = 1 : i32, enigma.scalar} loc("y"),
                         %h: f16 {enigma.buffer_index = 2 : i32, enigma.scalar} loc("h"),
                         %i: i32 {enigma.buffer_index = 3 : i32, enigma.scalar} loc("i"),
                         %v: vector<4xf32> {enigma.buffer_index = 4 : i32, enigma.scalar} loc("v"),
                         %w: vector<4xf32> {enigma.buffer_index = 5 : i32, enigma.scalar} loc("w")) {
  %0 = arith.addf %x, %y : f32
  %1 = arith.subf %x, %y : f32
  %2 = arith.mulf %x, %y : f32
  %3 = arith.divf %x, %y : f32
  %4 = arith.remf %x, %y : f32
  %5 = arith.negf %x : f32
  %6 = arith.minnumf %x, %y : f32
  %7 = arith.maxnumf %x, %y : f32
  %8 = arith.minimumf %x, %y : f32
  %9 = arith.maximumf %x, %y : f32
  %10 = arith.extf %h : f16 to f32
  %11 = arith.truncf %x : f32 to f16
  %12 = arith.fptosi %x : f32 to i32
  %13 = arith.fptoui %x : f32 to i32
  %14 = arith.sitofp %i : i32 to f32
  %15 = arith.uitofp %i : i32 to f32
  %16 = arith.bitcast %x : f32 to i32
  %17 = arith.bitcast %i : i32 to f32
  %c0 = arith.cmpf false, %x, %y : f32
  %c1 = arith.cmpf oeq, %x, %y : f32
  %c2 = arith.cmpf ogt, %x, %y : f32
  %c3 = arith.cmpf oge, %x, %y : f32
  %c4 = arith.cmpf olt, %x, %y : f32
  %c5 = arith.cmpf ole, %x, %y : f32
  %c6 = arith.cmpf one, %x, %y : f32
  %c7 = arith.cmpf ord, %x, %y : f32
  %c8 = arith.cmpf ueq, %x, %y : f32
  %c9 = arith.cmpf ugt, %x, %y : f32
  %c10 = arith.cmpf uge, %x, %y : f32
  %c11 = arith.cmpf ult, %x, %y : f32
  %c12 = arith.cmpf ule, %x, %y : f32
  %c13 = arith.cmpf une, %x, %y : f32
  %c14 = arith.cmpf uno, %x, %y : f32
  %c15 = arith.cmpf true, %x, %y : f32
  %v0 = arith.addf %v, %w : vector<4xf32>
  %v1 = arith.cmpf olt, %v, %w : vector<4xf32>
  %v2 = arith.cmpf uge, %v, %w : vector<4xf32>
  %v3 = arith.select %v1, %v, %w : vector<4xi1>, vector<4xf32>
  %v4 = arith.maximumf %v, %w : vector<4xf32>
  %v5 = arith.fptosi %v : vector<4xf32> to vector<4xi32>
  enigma.return
}

// ub.poison may be any value: zero.
// CHECK-LABEL: kernel void enigma_kernel_poison(device float* o {{\[\[}}buffer(0)]]) {
// CHECK-NEXT: float p = float(0);
// CHECK-NEXT: uint4 v = uint4(0);
// CHECK-NEXT: o[0u] = p;
// CHECK-NEXT: }
enigma.kernel @poison(%o: memref<4xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32} loc("o")) {
  %c0 = arith.constant 0 : index
  %p = ub.poison : f32 loc("p")
  %v = ub.poison : vector<4xi32> loc("v")
  memref.store %p, %o[%c0] : memref<4xf32, #enigma.address_space<device>>
  enigma.return
}

// minimumf/maximumf against constants: a constant that is not NaN needs no isnan test, one
// that is not zero no signed-zero tie (a tie is then equal values); NaN constants keep both.
// CHECK-LABEL: kernel void enigma_kernel_minmax_constants(
// CHECK: float v0 = (isnan(x) ? x : x > 0.0f ? x : 0.0f > x ? 0.0f : (signbit(x) ? 0.0f : x));
// CHECK-NEXT: float v1 = (isnan(x) ? x : 2.5f < x ? 2.5f : x < 2.5f ? x : 2.5f);
// CHECK-NEXT: float v2 = (isnan(x) ? x : isnan(NAN) ? NAN : x > NAN ? x : NAN > x ? NAN : (signbit(x) ? NAN : x));
// CHECK-NEXT: float4 v3 = float4((isnan(v.x) ? v.x : v.x > float4(1.0f).x ? v.x : float4(1.0f).x > v.x ? float4(1.0f).x : v.x),
enigma.kernel @minmax_constants(%x: f32 {enigma.buffer_index = 0 : i32, enigma.scalar} loc("x"),
                                %v: vector<4xf32> {enigma.buffer_index = 1 : i32, enigma.scalar} loc("v"),
                                %o: memref<4xf32, #enigma.address_space<device>> {enigma.buffer_index = 2 : i32} loc("o"),
                                %ov: memref<4xvector<4xf32>, #enigma.address_space<device>> {enigma.buffer_index = 3 : i32} loc("ov")) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.5 : f32
  %nan = arith.constant 0x7FC00000 : f32
  %ones = arith.constant dense<1.0> : vector<4xf32>
  %0 = arith.maximumf %x, %zero : f32
  %1 = arith.minimumf %two, %x : f32
  %2 = arith.maximumf %x, %nan : f32
  %3 = arith.maximumf %v, %ones : vector<4xf32>
  memref.store %0, %o[%c0] : memref<4xf32, #enigma.address_space<device>>
  memref.store %1, %o[%c1] : memref<4xf32, #enigma.address_space<device>>
  memref.store %2, %o[%c2] : memref<4xf32, #enigma.address_space<device>>
  memref.store %3, %ov[%c0] : memref<4xvector<4xf32>, #enigma.address_space<device>>
  enigma.return
}
