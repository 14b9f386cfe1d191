// RUN: enigma-translate --to-msl %s | FileCheck %s
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// Metal standard-library functions (EnigmaMathOps.td) print as calls of the functions their
// ODS definitions name. python/tests/test_builtin_ops_msl.py runs them on the CPU runtime.

// Float functions on f32, f16 and vectors: plain calls of Metal's overloads.
// CHECK-LABEL: kernel void enigma_kernel_float_ops(
// CHECK: {{^  }}float v0 = fract(x);
// CHECK-NEXT: float v1 = sign(x);
// CHECK-NEXT: float v2 = saturate(x);
// CHECK-NEXT: float v3 = step(0.5f, x);
// CHECK-NEXT: float4 v4 = mix(v, v, v);
// CHECK-NEXT: float4 v5 = smoothstep(v, v, v);
// CHECK-NEXT: half2 v6 = fract(h);
// CHECK-NEXT: bool v7 = signbit(x);
// CHECK-NEXT: bool4 v8 = signbit(v);
enigma.kernel @float_ops(%x: f32 {enigma.buffer_index = 0 : i32, enigma.scalar} loc("x"),
    %v: vector<4xf32> {enigma.buffer_index = 1 : i32, enigma.scalar} loc("v"),
    %h: vector<2xf16> {enigma.buffer_index = 2 : i32, enigma.scalar} loc("h"),
    %out: memref<8xf32, #enigma.address_space<device>> {enigma.buffer_index = 3 : i32} loc("out"),
    %outv: memref<8xvector<4xf32>, #enigma.address_space<device>> {enigma.buffer_index = 4 : i32} loc("outv"),
    %outh: memref<8xvector<2xf16>, #enigma.address_space<device>> {enigma.buffer_index = 5 : i32} loc("outh"),
    %outb: memref<8xi1, #enigma.address_space<device>> {enigma.buffer_index = 6 : i32} loc("outb"),
    %outbv: memref<8xvector<4xi1>, #enigma.address_space<device>> {enigma.buffer_index = 7 : i32} loc("outbv")) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %half = arith.constant 0.5 : f32
  %0 = enigma.fract %x : f32
  %1 = enigma.sign %x : f32
  %2 = enigma.saturate %x : f32
  %3 = enigma.step %half, %x : f32
  %4 = enigma.mix %v, %v, %v : vector<4xf32>
  %5 = enigma.smoothstep %v, %v, %v : vector<4xf32>
  %6 = enigma.fract %h : vector<2xf16>
  %7 = enigma.signbit %x : f32
  %8 = enigma.signbit %v : vector<4xf32>
  memref.store %0, %out[%c0] : memref<8xf32, #enigma.address_space<device>>
  memref.store %1, %out[%c1] : memref<8xf32, #enigma.address_space<device>>
  memref.store %2, %out[%c2] : memref<8xf32, #enigma.address_space<device>>
  memref.store %3, %out[%c3] : memref<8xf32, #enigma.address_space<device>>
  memref.store %4, %outv[%c0] : memref<8xvector<4xf32>, #enigma.address_space<device>>
  memref.store %5, %outv[%c1] : memref<8xvector<4xf32>, #enigma.address_space<device>>
  memref.store %6, %outh[%c0] : memref<8xvector<2xf16>, #enigma.address_space<device>>
  memref.store %7, %outb[%c0] : memref<8xi1, #enigma.address_space<device>>
  memref.store %8, %outbv[%c0] : memref<8xvector<4xi1>, #enigma.address_space<device>>
  enigma.return
}

// Integer functions: the signed variants view the unsigned MSL values as char/int/long and
// convert the result back; `unsigned` ones and the bit functions use the values as they are.
// CHECK-LABEL: kernel void enigma_kernel_int_ops(
// CHECK: {{^  }}uchar v0 = uchar(addsat(char(a), char(uchar(100))));
// CHECK-NEXT: uchar v1 = addsat(a, uchar(100));
// CHECK-NEXT: uint4 v2 = uint4(subsat(int4(b), int4(b)));
// CHECK-NEXT: ulong v3 = subsat(l, l);
// CHECK-NEXT: uchar v4 = uchar(madsat(char(a), char(a), char(uchar(100))));
// CHECK-NEXT: uint4 v5 = madsat(b, b, b);
// CHECK-NEXT: uint4 v6 = uint4(absdiff(int4(b), int4(b)));
// CHECK-NEXT: ulong v7 = absdiff(l, l);
// CHECK-NEXT: uchar v8 = rotate(a, uchar(100));
// CHECK-NEXT: ulong v9 = reverse_bits(l);
// CHECK-NEXT: uchar v10 = uchar(extract_bits(char(a), o, o));
// CHECK-NEXT: uint4 v11 = extract_bits(b, o, o);
// CHECK-NEXT: ulong v12 = insert_bits(l, l, o, o);
enigma.kernel @int_ops(%a: i8 {enigma.buffer_index = 0 : i32, enigma.scalar} loc("a"),
    %b: vector<4xi32> {enigma.buffer_index = 1 : i32, enigma.scalar} loc("b"),
    %l: i64 {enigma.buffer_index = 2 : i32, enigma.scalar} loc("l"),
    %o: i32 {enigma.buffer_index = 3 : i32, enigma.scalar} loc("o"),
    %out8: memref<8xi8, #enigma.address_space<device>> {enigma.buffer_index = 4 : i32} loc("out8"),
    %outv: memref<8xvector<4xi32>, #enigma.address_space<device>> {enigma.buffer_index = 5 : i32} loc("outv"),
    %out64: memref<8xi64, #enigma.address_space<device>> {enigma.buffer_index = 6 : i32} loc("out64")) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %k = arith.constant 100 : i8
  %0 = enigma.add_sat %a, %k : i8
  %1 = enigma.add_sat unsigned %a, %k : i8
  %2 = enigma.sub_sat %b, %b : vector<4xi32>
  %3 = enigma.sub_sat unsigned %l, %l : i64
  %4 = enigma.mad_sat %a, %a, %k : i8
  %5 = enigma.mad_sat unsigned %b, %b, %b : vector<4xi32>
  %6 = enigma.abs_diff %b, %b : vector<4xi32>
  %7 = enigma.abs_diff unsigned %l, %l : i64
  %8 = enigma.rotate %a, %k : i8
  %9 = enigma.reverse_bits %l : i64
  %10 = enigma.extract_bits %a, %o, %o : i8
  %11 = enigma.extract_bits unsigned %b, %o, %o : vector<4xi32>
  %12 = enigma.insert_bits %l, %l, %o, %o : i64
  memref.store %0, %out8[%c0] : memref<8xi8, #enigma.address_space<device>>
  memref.store %1, %out8[%c1] : memref<8xi8, #enigma.address_space<device>>
  memref.store %4, %out8[%c2] : memref<8xi8, #enigma.address_space<device>>
  memref.store %8, %out8[%c3] : memref<8xi8, #enigma.address_space<device>>
  memref.store %10, %out8[%c3] : memref<8xi8, #enigma.address_space<device>>
  memref.store %2, %outv[%c0] : memref<8xvector<4xi32>, #enigma.address_space<device>>
  memref.store %5, %outv[%c1] : memref<8xvector<4xi32>, #enigma.address_space<device>>
  memref.store %6, %outv[%c2] : memref<8xvector<4xi32>, #enigma.address_space<device>>
  memref.store %11, %outv[%c3] : memref<8xvector<4xi32>, #enigma.address_space<device>>
  memref.store %3, %out64[%c0] : memref<8xi64, #enigma.address_space<device>>
  memref.store %7, %out64[%c1] : memref<8xi64, #enigma.address_space<device>>
  memref.store %9, %out64[%c2] : memref<8xi64, #enigma.address_space<device>>
  memref.store %12, %out64[%c3] : memref<8xi64, #enigma.address_space<device>>
  enigma.return
}

// Geometric functions: vector operands, scalar results for dot/length/distance.
// CHECK-LABEL: kernel void enigma_kernel_geometry(
// CHECK: {{^  }}float v0 = dot(p, q);
// CHECK-NEXT: float v1 = length(p);
// CHECK-NEXT: float v2 = distance(p, q);
// CHECK-NEXT: float3 v3 = normalize(p);
// CHECK-NEXT: float3 v4 = cross(p, q);
// CHECK-NEXT: float3 v5 = reflect(p, q);
// CHECK-NEXT: float3 v6 = refract(p, q, eta);
// CHECK-NEXT: float3 v7 = faceforward(p, q, p);
enigma.kernel @geometry(%p: vector<3xf32> {enigma.buffer_index = 0 : i32, enigma.scalar} loc("p"),
    %q: vector<3xf32> {enigma.buffer_index = 1 : i32, enigma.scalar} loc("q"),
    %eta: f32 {enigma.buffer_index = 2 : i32, enigma.scalar} loc("eta"),
    %out: memref<8xf32, #enigma.address_space<device>> {enigma.buffer_index = 3 : i32} loc("out"),
    %outv: memref<8xvector<3xf32>, #enigma.address_space<device>> {enigma.buffer_index = 4 : i32} loc("outv")) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %0 = enigma.dot %p, %q : vector<3xf32>
  %1 = enigma.length %p : vector<3xf32>
  %2 = enigma.distance %p, %q : vector<3xf32>
  %3 = enigma.normalize %p : vector<3xf32>
  %4 = enigma.cross %p, %q : vector<3xf32>
  %5 = enigma.reflect %p, %q : vector<3xf32>
  %6 = enigma.refract %p, %q, %eta : vector<3xf32>
  %7 = enigma.faceforward %p, %q, %p : vector<3xf32>
  memref.store %0, %out[%c0] : memref<8xf32, #enigma.address_space<device>>
  memref.store %1, %out[%c1] : memref<8xf32, #enigma.address_space<device>>
  memref.store %2, %out[%c2] : memref<8xf32, #enigma.address_space<device>>
  memref.store %3, %outv[%c0] : memref<8xvector<3xf32>, #enigma.address_space<device>>
  memref.store %4, %outv[%c1] : memref<8xvector<3xf32>, #enigma.address_space<device>>
  memref.store %5, %outv[%c2] : memref<8xvector<3xf32>, #enigma.address_space<device>>
  memref.store %6, %outv[%c3] : memref<8xvector<3xf32>, #enigma.address_space<device>>
  memref.store %7, %outv[%c4] : memref<8xvector<3xf32>, #enigma.address_space<device>>
  enigma.return
}

// Pack and unpack: the function follows the format (sRGB unpack is spelled
// unpack_unorm4x8_srgb_to_float).
// CHECK-LABEL: kernel void enigma_kernel_pack(
// CHECK: {{^  }}uint v0 = pack_float_to_snorm4x8(v4);
// CHECK-NEXT: uint v1 = pack_float_to_unorm4x8(v4);
// CHECK-NEXT: uint v2_1 = pack_float_to_snorm2x16(v2);
// CHECK-NEXT: uint v3 = pack_float_to_unorm2x16(v2);
// CHECK-NEXT: uint v4_1 = pack_float_to_srgb_unorm4x8(v4);
// CHECK-NEXT: uint v5 = pack_float_to_unorm10a2(v4);
// CHECK-NEXT: float4 v6 = unpack_snorm4x8_to_float(w);
// CHECK-NEXT: float4 v7 = unpack_unorm4x8_to_float(w);
// CHECK-NEXT: float2 v8 = unpack_snorm2x16_to_float(w);
// CHECK-NEXT: float2 v9 = unpack_unorm2x16_to_float(w);
// CHECK-NEXT: float4 v10 = unpack_unorm4x8_srgb_to_float(w);
// CHECK-NEXT: float4 v11 = unpack_unorm10a2_to_float(w);
enigma.kernel @pack(%v4: vector<4xf32> {enigma.buffer_index = 0 : i32, enigma.scalar} loc("v4"),
    %v2: vector<2xf32> {enigma.buffer_index = 1 : i32, enigma.scalar} loc("v2"),
    %w: i32 {enigma.buffer_index = 2 : i32, enigma.scalar} loc("w"),
    %out: memref<8xi32, #enigma.address_space<device>> {enigma.buffer_index = 3 : i32} loc("out"),
    %out4: memref<8xvector<4xf32>, #enigma.address_space<device>> {enigma.buffer_index = 4 : i32} loc("out4"),
    %out2: memref<8xvector<2xf32>, #enigma.address_space<device>> {enigma.buffer_index = 5 : i32} loc("out2")) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %0 = enigma.pack <snorm4x8> %v4 : vector<4xf32>
  %1 = enigma.pack <unorm4x8> %v4 : vector<4xf32>
  %2 = enigma.pack <snorm2x16> %v2 : vector<2xf32>
  %3 = enigma.pack <unorm2x16> %v2 : vector<2xf32>
  %4 = enigma.pack <srgb_unorm4x8> %v4 : vector<4xf32>
  %5 = enigma.pack <unorm10a2> %v4 : vector<4xf32>
  %6 = enigma.unpack <snorm4x8> %w : vector<4xf32>
  %7 = enigma.unpack <unorm4x8> %w : vector<4xf32>
  %8 = enigma.unpack <snorm2x16> %w : vector<2xf32>
  %9 = enigma.unpack <unorm2x16> %w : vector<2xf32>
  %10 = enigma.unpack <srgb_unorm4x8> %w : vector<4xf32>
  %11 = enigma.unpack <unorm10a2> %w : vector<4xf32>
  memref.store %0, %out[%c0] : memref<8xi32, #enigma.address_space<device>>
  memref.store %1, %out[%c1] : memref<8xi32, #enigma.address_space<device>>
  memref.store %2, %out[%c2] : memref<8xi32, #enigma.address_space<device>>
  memref.store %3, %out[%c3] : memref<8xi32, #enigma.address_space<device>>
  memref.store %4, %out[%c4] : memref<8xi32, #enigma.address_space<device>>
  memref.store %5, %out[%c5] : memref<8xi32, #enigma.address_space<device>>
  memref.store %6, %out4[%c0] : memref<8xvector<4xf32>, #enigma.address_space<device>>
  memref.store %7, %out4[%c1] : memref<8xvector<4xf32>, #enigma.address_space<device>>
  memref.store %10, %out4[%c2] : memref<8xvector<4xf32>, #enigma.address_space<device>>
  memref.store %11, %out4[%c3] : memref<8xvector<4xf32>, #enigma.address_space<device>>
  memref.store %8, %out2[%c0] : memref<8xvector<2xf32>, #enigma.address_space<device>>
  memref.store %9, %out2[%c1] : memref<8xvector<2xf32>, #enigma.address_space<device>>
  enigma.return
}
// Source names that are Metal function names do not hide the functions.
// CHECK-LABEL: kernel void enigma_kernel_names(
// CHECK: float length_ = length(p);
// CHECK-NEXT: float3 normalize_ = normalize(p);
// CHECK-NEXT: float dot_ = dot(normalize_, p);
// CHECK-NEXT: uint pack_float_to_unorm4x8_ = pack_float_to_unorm4x8(v);
enigma.kernel @names(%p: vector<3xf32> {enigma.buffer_index = 0 : i32, enigma.scalar} loc("p"),
    %v: vector<4xf32> {enigma.buffer_index = 1 : i32, enigma.scalar} loc("v"),
    %out: memref<4xf32, #enigma.address_space<device>> {enigma.buffer_index = 2 : i32} loc("out"),
    %outw: memref<4xi32, #enigma.address_space<device>> {enigma.buffer_index = 3 : i32} loc("outw")) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %0 = enigma.length %p : vector<3xf32> loc("length")
  %1 = enigma.normalize %p : vector<3xf32> loc("normalize")
  %2 = enigma.dot %1, %p : vector<3xf32> loc("dot")
  %3 = enigma.pack <unorm4x8> %v : vector<4xf32> loc("pack_float_to_unorm4x8")
  memref.store %0, %out[%c0] : memref<4xf32, #enigma.address_space<device>>
  memref.store %2, %out[%c1] : memref<4xf32, #enigma.address_space<device>>
  memref.store %3, %outw[%c0] : memref<4xi32, #enigma.address_space<device>>
  enigma.return
}
