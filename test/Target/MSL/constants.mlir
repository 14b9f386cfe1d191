// RUN: enigma-translate --to-msl %s | FileCheck %s
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// Constants round-trip exactly: shortest decimal that reads back bit-exactly (up to 9
// significant digits), INFINITY/NAN, as_type for NaN payloads and denormals; integer literals
// never overflow their type.
// CHECK-LABEL: kernel void enigma_kernel_float_constants(device float* out {{\[\[}}buffer(0)]],
// CHECK-NEXT: device half* hout {{\[\[}}buffer(1)]],
// CHECK-NEXT: device bfloat* bout {{\[\[}}buffer(2)]]) {
// CHECK-NEXT: out[0u] = 0.0f;
// CHECK-NEXT: out[0u] = (-0.0f);
// CHECK-NEXT: out[0u] = 0.1f;
// CHECK-NEXT: out[0u] = 16777216.0f;
// CHECK-NEXT: out[0u] = 3.4028235e+38f;
// CHECK-NEXT: out[0u] = 1.1754944e-38f;
// CHECK-NEXT: out[0u] = as_type<float>(0x00000001u);
// CHECK-NEXT: out[0u] = INFINITY;
// CHECK-NEXT: out[0u] = (-INFINITY);
// CHECK-NEXT: out[0u] = NAN;
// CHECK-NEXT: out[0u] = as_type<float>(0x7fc00001u);
// CHECK-NEXT: out[0u] = as_type<float>(0xffc00000u);
// CHECK-NEXT: out[0u] = 1.0f;
// CHECK-NEXT: out[0u] = 123456.79f;
// CHECK-NEXT: out[0u] = 1e+10f;
// CHECK-NEXT: out[0u] = 0.33333334f;
// CHECK-NEXT: out[0u] = 1.01461843e+09f;
// CHECK-NEXT: hout[0u] = half(1.5f);
// CHECK-NEXT: hout[0u] = half(65504.0f);
// CHECK-NEXT: hout[0u] = as_type<half>(ushort(0x0001));
// CHECK-NEXT: hout[0u] = half(INFINITY);
// CHECK-NEXT: hout[0u] = as_type<half>(ushort(0x7e00));
// CHECK-NEXT: hout[0u] = half((-0.0f));
// CHECK-NEXT: hout[0u] = half(0.099975586f);
// CHECK-NEXT: bout[0u] = bfloat(0.100097656f);
// CHECK-NEXT: bout[0u] = bfloat((-INFINITY));
// CHECK-NEXT: bout[0u] = bfloat(3.0040553e+38f);
// CHECK-NEXT: }
enigma.kernel @float_constants(%out: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32} loc("out"),
                               %hout: memref<?xf16, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32} loc("hout"),
                               %bout: memref<?xbf16, #enigma.address_space<device>> {enigma.buffer_index = 2 : i32} loc("bout")) {
  %i = arith.constant 0 : index
  %f0 = arith.constant 0.0 : f32
  %f1 = arith.constant -0.0 : f32
  %f2 = arith.constant 0.1 : f32
  %f3 = arith.constant 16777217.0 : f32
  %f4 = arith.constant 3.40282347e+38 : f32
  %f5 = arith.constant 1.17549435e-38 : f32
  %f6 = arith.constant 1.0e-45 : f32
  %f7 = arith.constant 0x7F800000 : f32
  %f8 = arith.constant 0xFF800000 : f32
  %f9 = arith.constant 0x7FC00000 : f32
  %f10 = arith.constant 0x7FC00001 : f32
  %f11 = arith.constant 0xFFC00000 : f32
  %f12 = arith.constant 1.0 : f32
  %f13 = arith.constant 123456.789 : f32
  %f14 = arith.constant 1.0e10 : f32
  %f15 = arith.constant 0.333333343 : f32
  %f16 = arith.constant 0x4E71E765 : f32
  %h0 = arith.constant 1.5 : f16
  %h1 = arith.constant 65504.0 : f16
  %h2 = arith.constant 0x0001 : f16
  %h3 = arith.constant 0x7C00 : f16
  %h4 = arith.constant 0x7E00 : f16
  %h5 = arith.constant -0.0 : f16
  %h6 = arith.constant 0.1 : f16
  %b0 = arith.constant 0.1 : bf16
  %b1 = arith.constant 0xFF80 : bf16
  %b2 = arith.constant 3.0e38 : bf16
  memref.store %f0, %out[%i] : memref<?xf32, #enigma.address_space<device>>
  memref.store %f1, %out[%i] : memref<?xf32, #enigma.address_space<device>>
  memref.store %f2, %out[%i] : memref<?xf32, #enigma.address_space<device>>
  memref.store %f3, %out[%i] : memref<?xf32, #enigma.address_space<device>>
  memref.store %f4, %out[%i] : memref<?xf32, #enigma.address_space<device>>
  memref.store %f5, %out[%i] : memref<?xf32, #enigma.address_space<device>>
  memref.store %f6, %out[%i] : memref<?xf32, #enigma.address_space<device>>
  memref.store %f7, %out[%i] : memref<?xf32, #enigma.address_space<device>>
  memref.store %f8, %out[%i] : memref<?xf32, #enigma.address_space<device>>
  memref.store %f9, %out[%i] : memref<?xf32, #enigma.address_space<device>>
  memref.store %f10, %out[%i] : memref<?xf32, #enigma.address_space<device>>
  memref.store %f11, %out[%i] : memref<?xf32, #enigma.address_space<device>>
  memref.store %f12, %out[%i] : memref<?xf32, #enigma.address_space<device>>
  memref.store %f13, %out[%i] : memref<?xf32, #enigma.address_space<device>>
  memref.store %f14, %out[%i] : memref<?xf32, #enigma.address_space<device>>
  memref.store %f15, %out[%i] : memref<?xf32, #enigma.address_space<device>>
  memref.store %f16, %out[%i] : memref<?xf32, #enigma.address_space<device>>
  memref.store %h0, %hout[%i] : memref<?xf16, #enigma.address_space<device>>
  memref.store %h1, %hout[%i] : memref<?xf16, #enigma.address_space<device>>
  memref.store %h2, %hout[%i] : memref<?xf16, #enigma.address_space<device>>
  memref.store %h3, %hout[%i] : memref<?xf16, #enigma.address_space<device>>
  memref.store %h4, %hout[%i] : memref<?xf16, #enigma.address_space<device>>
  memref.store %h5, %hout[%i] : memref<?xf16, #enigma.address_space<device>>
  memref.store %h6, %hout[%i] : memref<?xf16, #enigma.address_space<device>>
  memref.store %b0, %bout[%i] : memref<?xbf16, #enigma.address_space<device>>
  memref.store %b1, %bout[%i] : memref<?xbf16, #enigma.address_space<device>>
  memref.store %b2, %bout[%i] : memref<?xbf16, #enigma.address_space<device>>
  enigma.return
}

// CHECK-LABEL: kernel void enigma_kernel_int_constants(device uchar* o8 {{\[\[}}buffer(0)]],
// CHECK-NEXT: device ushort* o16 {{\[\[}}buffer(1)]],
// CHECK-NEXT: device uint* o32 {{\[\[}}buffer(2)]],
// CHECK-NEXT: device ulong* o64 {{\[\[}}buffer(3)]],
// CHECK-NEXT: device uint* oi {{\[\[}}buffer(4)]],
// CHECK-NEXT: device bool* ob {{\[\[}}buffer(5)]],
// CHECK-NEXT: device uint4* ov {{\[\[}}buffer(6)]]) {
// CHECK-NEXT: o8[0u] = uchar(0x80);
// CHECK-NEXT: o8[0u] = uchar(127);
// CHECK-NEXT: o8[0u] = uchar(-1);
// CHECK-NEXT: o16[0u] = ushort(0x8000);
// CHECK-NEXT: o16[0u] = ushort(-1);
// CHECK-NEXT: o32[0u] = 0x80000000u;
// CHECK-NEXT: o32[0u] = 2147483647u;
// CHECK-NEXT: o32[0u] = uint(-1);
// CHECK-NEXT: o32[0u] = uint(-1);
// CHECK-NEXT: o64[0u] = 0x8000000000000000ul;
// CHECK-NEXT: o64[0u] = 9223372036854775807ul;
// CHECK-NEXT: o64[0u] = ulong(-5l);
// CHECK-NEXT: oi[0u] = uint(-1);
// CHECK-NEXT: oi[0u] = uint(-1);
// CHECK-NEXT: oi[0u] = 0x80000000u;
// CHECK-NEXT: ob[0u] = true;
// CHECK-NEXT: ob[0u] = false;
// CHECK-NEXT: ov[0u] = uint4(7u);
// CHECK-NEXT: ov[0u] = uint4(1u, uint(-2), 3u, 2147483647u);
// CHECK-NEXT: }
enigma.kernel @int_constants(%o8: memref<?xi8, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32} loc("o8"),
                             %o16: memref<?xi16, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32} loc("o16"),
                             %o32: memref<?xi32, #enigma.address_space<device>> {enigma.buffer_index = 2 : i32} loc("o32"),
                             %o64: memref<?xi64, #enigma.address_space<device>> {enigma.buffer_index = 3 : i32} loc("o64"),
                             %oi: memref<?xindex, #enigma.address_space<device>> {enigma.buffer_index = 4 : i32} loc("oi"),
                             %ob: memref<?xi1, #enigma.address_space<device>> {enigma.buffer_index = 5 : i32} loc("ob"),
                             %ov: memref<?xvector<4xi32>, #enigma.address_space<device>> {enigma.buffer_index = 6 : i32} loc("ov")) {
  %i = arith.constant 0 : index
  %a0 = arith.constant -128 : i8
  %a1 = arith.constant 127 : i8
  %a2 = arith.constant -1 : i8
  %b0 = arith.constant -32768 : i16
  %b1 = arith.constant 65535 : i16
  %c0 = arith.constant -2147483648 : i32
  %c1 = arith.constant 2147483647 : i32
  %c2 = arith.constant -1 : i32
  %c3 = arith.constant 4294967295 : i32
  %d0 = arith.constant -9223372036854775808 : i64
  %d1 = arith.constant 9223372036854775807 : i64
  %d2 = arith.constant -5 : i64
  %e0 = arith.constant 4294967295 : index
  %e1 = arith.constant -1 : index
  %e2 = arith.constant -2147483648 : index
  %t = arith.constant true
  %f = arith.constant false
  %v0 = arith.constant dense<7> : vector<4xi32>
  %v1 = arith.constant dense<[1, -2, 3, 2147483647]> : vector<4xi32>
  memref.store %a0, %o8[%i] : memref<?xi8, #enigma.address_space<device>>
  memref.store %a1, %o8[%i] : memref<?xi8, #enigma.address_space<device>>
  memref.store %a2, %o8[%i] : memref<?xi8, #enigma.address_space<device>>
  memref.store %b0, %o16[%i] : memref<?xi16, #enigma.address_space<device>>
  memref.store %b1, %o16[%i] : memref<?xi16, #enigma.address_space<device>>
  memref.store %c0, %o32[%i] : memref<?xi32, #enigma.address_space<device>>
  memref.store %c1, %o32[%i] : memref<?xi32, #enigma.address_space<device>>
  memref.store %c2, %o32[%i] : memref<?xi32, #enigma.address_space<device>>
  memref.store %c3, %o32[%i] : memref<?xi32, #enigma.address_space<device>>
  memref.store %d0, %o64[%i] : memref<?xi64, #enigma.address_space<device>>
  memref.store %d1, %o64[%i] : memref<?xi64, #enigma.address_space<device>>
  memref.store %d2, %o64[%i] : memref<?xi64, #enigma.address_space<device>>
  memref.store %e0, %oi[%i] : memref<?xindex, #enigma.address_space<device>>
  memref.store %e1, %oi[%i] : memref<?xindex, #enigma.address_space<device>>
  memref.store %e2, %oi[%i] : memref<?xindex, #enigma.address_space<device>>
  memref.store %t, %ob[%i] : memref<?xi1, #enigma.address_space<device>>
  memref.store %f, %ob[%i] : memref<?xi1, #enigma.address_space<device>>
  memref.store %v0, %ov[%i] : memref<?xvector<4xi32>, #enigma.address_space<device>>
  memref.store %v1, %ov[%i] : memref<?xvector<4xi32>, #enigma.address_space<device>>
  enigma.return
}
