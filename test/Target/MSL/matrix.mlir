// RUN: enigma-translate --to-msl %s | FileCheck %s
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// Metal matrices: vector<CxRxT> is TCxR (C columns of R rows, column-major). from_elements
// lists the elements column by column; extract/insert [i] is column i, [i, j] element j of
// column i; transpose is transpose(m); enigma.matmul is Metal's `*`, enigma.determinant is
// determinant(m). + and - are Metal's matrix operators; every other elementwise operation is
// built column by column (never `a * b`, which is the linear-algebra product), and a scalar
// broadcast or splat constant lists every element (a one-scalar matrix constructor is diagonal).
// CHECK-LABEL: kernel void enigma_kernel_matrices(device const float* in {{\[\[}}buffer(0)]],
// CHECK-NEXT: device float* out {{\[\[}}buffer(1)]],
// CHECK-NEXT: device half* hout {{\[\[}}buffer(2)]]) {
// CHECK-NEXT: float v0 = in[0u];
// CHECK-NEXT: float v1 = in[1u];
// CHECK-NEXT: float v2 = in[2u];
// CHECK-NEXT: float v3 = in[3u];
// CHECK-NEXT: float v4 = in[4u];
// CHECK-NEXT: float v5 = in[5u];
// CHECK-NEXT: float3x2 m = float3x2(v0, v1, v2, v3, v4, v5);
// CHECK-NEXT: float2x3 t = transpose(m);
// CHECK-NEXT: float2x2 p = m * t;
// CHECK-NEXT: float3 x = float3(v0, v1, v2);
// CHECK-NEXT: float2 y = m * x;
// CHECK-NEXT: float2 col = m[1];
// CHECK-NEXT: float3 w = col * m;
// CHECK-NEXT: float d = determinant(p);
// CHECK-NEXT: float e = p[1][0];
// CHECK-NEXT: float2x2 sum = p + p;
// CHECK-NEXT: float2x2 diff = sum - p;
// CHECK-NEXT: float2x2 had = float2x2(sum[0] * diff[0], sum[1] * diff[1]);
// CHECK-NEXT: float2x2 quot = float2x2(had[0] / sum[0], had[1] / sum[1]);
// CHECK-NEXT: float2x2 neg = float2x2(-quot[0], -quot[1]);
// CHECK-NEXT: float2x2 mn = float2x2(float2((isnan(neg[0][0]) ? neg[0][0] : isnan(p[0][0]) ? p[0][0] : neg[0][0] < p[0][0] ? neg[0][0] : p[0][0] < neg[0][0] ? p[0][0] : (signbit(neg[0][0]) ? neg[0][0] : p[0][0])), (isnan(neg[0][1]) ? neg[0][1] : isnan(p[0][1]) ? p[0][1] : neg[0][1] < p[0][1] ? neg[0][1] : p[0][1] < neg[0][1] ? p[0][1] : (signbit(neg[0][1]) ? neg[0][1] : p[0][1]))), float2((isnan(neg[1][0]) ? neg[1][0] : isnan(p[1][0]) ? p[1][0] : neg[1][0] < p[1][0] ? neg[1][0] : p[1][0] < neg[1][0] ? p[1][0] : (signbit(neg[1][0]) ? neg[1][0] : p[1][0])), (isnan(neg[1][1]) ? neg[1][1] : isnan(p[1][1]) ? p[1][1] : neg[1][1] < p[1][1] ? neg[1][1] : p[1][1] < neg[1][1] ? p[1][1] : (signbit(neg[1][1]) ? neg[1][1] : p[1][1]))));
// CHECK-NEXT: float2x2 sq = float2x2(sqrt(sum[0]), sqrt(sum[1]));
// CHECK-NEXT: float2x2 plus = mn + float2x2(1.0f, 1.0f, 1.0f, 1.0f);
// CHECK-NEXT: float2x2 splat = float2x2(float2(v0), float2(v0));
// CHECK-NEXT: float3x2 cols = float3x2(col, col, col);
// CHECK-NEXT: float2x2 ins = splat;
// CHECK-NEXT: ins[0][1] = v1;
// CHECK-NEXT: float2x2 ins2 = ins;
// CHECK-NEXT: ins2[1] = col;
// CHECK-NEXT: half2x2 h = half2x2(half2(p[0]), half2(p[1]));
// CHECK-NEXT: half2x2 hh = h * h;
// CHECK-NEXT: half hd = determinant(hh);
// CHECK-NEXT: float2x2 back = float2x2(float2(hh[0]), float2(hh[1]));
// CHECK-NEXT: float2x2 fma_ = float2x2(fma(back[0], float2x2(1.0f, 0.0f, 0.0f, 1.0f)[0], plus[0]), fma(back[1], float2x2(1.0f, 0.0f, 0.0f, 1.0f)[1], plus[1]));
// CHECK-NEXT: float v6 = fma_[0][1];
// CHECK-NEXT: out[0u] = v6;
// CHECK-NEXT: out[1u] = d;
// CHECK-NEXT: hout[0u] = hd;
// CHECK-NEXT: }
enigma.kernel @matrices(%in: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32} loc("in"),
                        %out: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32} loc("out"),
                        %hout: memref<?xf16, #enigma.address_space<device>> {enigma.buffer_index = 2 : i32} loc("hout")) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %a0 = memref.load %in[%c0] : memref<?xf32, #enigma.address_space<device>>
  %a1 = memref.load %in[%c1] : memref<?xf32, #enigma.address_space<device>>
  %a2 = memref.load %in[%c2] : memref<?xf32, #enigma.address_space<device>>
  %a3 = memref.load %in[%c3] : memref<?xf32, #enigma.address_space<device>>
  %a4 = memref.load %in[%c4] : memref<?xf32, #enigma.address_space<device>>
  %a5 = memref.load %in[%c5] : memref<?xf32, #enigma.address_space<device>>
  %m = vector.from_elements %a0, %a1, %a2, %a3, %a4, %a5 : vector<3x2xf32> loc("m")
  %t = vector.transpose %m, [1, 0] : vector<3x2xf32> to vector<2x3xf32> loc("t")
  %p = enigma.matmul %m, %t : vector<3x2xf32>, vector<2x3xf32> -> vector<2x2xf32> loc("p")
  %x = vector.from_elements %a0, %a1, %a2 : vector<3xf32> loc("x")
  %y = enigma.matmul %m, %x : vector<3x2xf32>, vector<3xf32> -> vector<2xf32> loc("y")
  %z = vector.extract %m[1] : vector<2xf32> from vector<3x2xf32> loc("col")
  %w = enigma.matmul %z, %m : vector<2xf32>, vector<3x2xf32> -> vector<3xf32> loc("w")
  %d = enigma.determinant %p : vector<2x2xf32> loc("d")
  %e = vector.extract %p[1, 0] : f32 from vector<2x2xf32> loc("e")
  %sum = arith.addf %p, %p : vector<2x2xf32> loc("sum")
  %diff = arith.subf %sum, %p : vector<2x2xf32> loc("diff")
  %had = arith.mulf %sum, %diff : vector<2x2xf32> loc("had")
  %quot = arith.divf %had, %sum : vector<2x2xf32> loc("quot")
  %neg = arith.negf %quot : vector<2x2xf32> loc("neg")
  %mn = arith.minimumf %neg, %p : vector<2x2xf32> loc("mn")
  %sq = math.sqrt %sum : vector<2x2xf32> loc("sq")
  %ones = arith.constant dense<1.0> : vector<2x2xf32>
  %id = arith.constant dense<[[1.0, 0.0], [0.0, 1.0]]> : vector<2x2xf32>
  %plus = arith.addf %mn, %ones : vector<2x2xf32> loc("plus")
  %splat = vector.broadcast %a0 : f32 to vector<2x2xf32> loc("splat")
  %cols = vector.broadcast %z : vector<2xf32> to vector<3x2xf32> loc("cols")
  %ins = vector.insert %a1, %splat [0, 1] : f32 into vector<2x2xf32> loc("ins")
  %ins2 = vector.insert %z, %ins [1] : vector<2xf32> into vector<2x2xf32> loc("ins2")
  %h = arith.truncf %p : vector<2x2xf32> to vector<2x2xf16> loc("h")
  %hh = enigma.matmul %h, %h : vector<2x2xf16>, vector<2x2xf16> -> vector<2x2xf16> loc("hh")
  %hd = enigma.determinant %hh : vector<2x2xf16> loc("hd")
  %back = arith.extf %hh : vector<2x2xf16> to vector<2x2xf32> loc("back")
  %fma = vector.fma %back, %id, %plus : vector<2x2xf32> loc("fma")
  %r = vector.extract %fma[0, 1] : f32 from vector<2x2xf32>
  memref.store %r, %out[%c0] : memref<?xf32, #enigma.address_space<device>>
  memref.store %d, %out[%c1] : memref<?xf32, #enigma.address_space<device>>
  memref.store %hd, %hout[%c0] : memref<?xf16, #enigma.address_space<device>>
  enigma.return
}
