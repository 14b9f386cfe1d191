// RUN: enigma-translate --to-msl %s | FileCheck %s
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// math operations map to the Metal functions with the same semantics (scalars and vectors).
// CHECK-LABEL: kernel void enigma_kernel_math_float(constant float& x {{\[\[}}buffer(0)]],
// CHECK-NEXT: constant float& y {{\[\[}}buffer(1)]],
// CHECK-NEXT: constant float& z {{\[\[}}buffer(2)]],
// CHECK-NEXT: constant half4& v {{\[\[}}buffer(3)]]) {
// CHECK-NEXT: float sqrt_ = sqrt(x);
// CHECK-NEXT: float rsqrt_ = rsqrt(x);
// CHECK-NEXT: float exp_ = exp(x);
// CHECK-NEXT: float exp2_ = exp2(x);
// CHECK-NEXT: float log_ = log(x);
// CHECK-NEXT: float log2_ = log2(x);
// CHECK-NEXT: float log10_ = log10(x);
// CHECK-NEXT: float sin_ = sin(x);
// CHECK-NEXT: float cos_ = cos(x);
// CHECK-NEXT: float tan_ = tan(x);
// CHECK-NEXT: float asin_ = asin(x);
// CHECK-NEXT: float acos_ = acos(x);
// CHECK-NEXT: float atan_ = atan(x);
// CHECK-NEXT: float sinh_ = sinh(x);
// CHECK-NEXT: float cosh_ = cosh(x);
// CHECK-NEXT: float tanh_ = tanh(x);
// CHECK-NEXT: float asinh_ = asinh(x);
// CHECK-NEXT: float acosh_ = acosh(x);
// CHECK-NEXT: float atanh_ = atanh(x);
// CHECK-NEXT: float floor_ = floor(x);
// CHECK-NEXT: float ceil_ = ceil(x);
// CHECK-NEXT: float round_ = round(x);
// CHECK-NEXT: float roundeven_ = rint(x);
// CHECK-NEXT: float trunc_ = trunc(x);
// CHECK-NEXT: float absf_ = fabs(x);
// CHECK-NEXT: float v0 = atan2(x, y);
// CHECK-NEXT: float v1 = pow(x, y);
// CHECK-NEXT: float v2 = copysign(x, y);
// CHECK-NEXT: float v3 = fma(x, y, z);
// CHECK-NEXT: bool v4 = isnan(x);
// CHECK-NEXT: bool v5 = isinf(x);
// CHECK-NEXT: bool v6 = isfinite(x);
// CHECK-NEXT: bool v7 = isnormal(x);
// CHECK-NEXT: half4 v8 = exp(v);
// CHECK-NEXT: half4 v9 = fma(v, v, v);
// CHECK-NEXT: half4 v10 = sqrt(v);
// CHECK-NEXT: }
enigma.kernel @math_float(%x: f32 {enigma.buffer_index = 0 : i32, enigma.scalar} loc("x"),
                          %y: f32 {enigma.buffer_index = 1 : i32, enigma.scalar} loc("y"),
                          %z: f32 {enigma.buffer_index = 2 : i32, enigma.scalar} loc("z"),
                          %v: vector<4xf16> {enigma.buffer_index = 3 : i32, enigma.scalar} loc("v")) {
  %sqrt = math.sqrt %x : f32 loc("sqrt_")
  %rsqrt = math.rsqrt %x : f32 loc("rsqrt_")
  %exp = math.exp %x : f32 loc("exp_")
  %exp2 = math.exp2 %x : f32 loc("exp2_")
  %log = math.log %x : f32 loc("log_")
  %log2 = math.log2 %x : f32 loc("log2_")
  %log10 = math.log10 %x : f32 loc("log10_")
  %sin = math.sin %x : f32 loc("sin_")
  %cos = math.cos %x : f32 loc("cos_")
  %tan = math.tan %x : f32 loc("tan_")
  %asin = math.asin %x : f32 loc("asin_")
  %acos = math.acos %x : f32 loc("acos_")
  %atan = math.atan %x : f32 loc("atan_")
  %sinh = math.sinh %x : f32 loc("sinh_")
  %cosh = math.cosh %x : f32 loc("cosh_")
  %tanh = math.tanh %x : f32 loc("tanh_")
  %asinh = math.asinh %x : f32 loc("asinh_")
  %acosh = math.acosh %x : f32 loc("acosh_")
  %atanh = math.atanh %x : f32 loc("atanh_")
  %floor = math.floor %x : f32 loc("floor_")
  %ceil = math.ceil %x : f32 loc("ceil_")
  %round = math.round %x : f32 loc("round_")
  %roundeven = math.roundeven %x : f32 loc("roundeven_")
  %trunc = math.trunc %x : f32 loc("trunc_")
  %absf = math.absf %x : f32 loc("absf_")
  %atan2 = math.atan2 %x, %y : f32
  %pow = math.powf %x, %y : f32
  %copysign = math.copysign %x, %y : f32
  %fma = math.fma %x, %y, %z : f32
  %isnan = math.isnan %x : f32
  %isinf = math.isinf %x : f32
  %isfinite = math.isfinite %x : f32
  %isnormal = math.isnormal %x : f32
  %vexp = math.exp %v : vector<4xf16>
  %vfma = math.fma %v, %v, %v : vector<4xf16>
  %vsqrt = math.sqrt %v : vector<4xf16>
  enigma.return
}

// CHECK-LABEL: kernel void enigma_kernel_math_int(constant uint& a {{\[\[}}buffer(0)]],
// CHECK-NEXT: constant ushort& s {{\[\[}}buffer(1)]],
// CHECK-NEXT: constant uint2& w {{\[\[}}buffer(2)]]) {
// CHECK-NEXT: uint v0 = uint(abs(int(a)));
// CHECK-NEXT: ushort v1 = ushort(abs(short(s)));
// CHECK-NEXT: uint v2 = clz(a);
// CHECK-NEXT: uint v3 = ctz(a);
// CHECK-NEXT: uint v4 = popcount(a);
// CHECK-NEXT: uint2 v5 = popcount(w);
// CHECK-NEXT: uint2 v6 = uint2(abs(int2(w)));
// CHECK-NEXT: }
enigma.kernel @math_int(%a: i32 {enigma.buffer_index = 0 : i32, enigma.scalar} loc("a"),
                        %s: i16 {enigma.buffer_index = 1 : i32, enigma.scalar} loc("s"),
                        %w: vector<2xi32> {enigma.buffer_index = 2 : i32, enigma.scalar} loc("w")) {
  %0 = math.absi %a : i32
  %1 = math.absi %s : i16
  %2 = math.ctlz %a : i32
  %3 = math.cttz %a : i32
  %4 = math.ctpop %a : i32
  %5 = math.ctpop %w : vector<2xi32>
  %6 = math.absi %w : vector<2xi32>
  enigma.return
}
