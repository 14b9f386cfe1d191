// RUN: enigma-translate --to-msl %s | FileCheck %s
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// Every MLIR type the translation maps, as scalar parameters, buffers and values.
// CHECK-LABEL: kernel void enigma_kernel_types(constant uchar& s8 {{\[\[}}buffer(0)]],
// CHECK-NEXT: constant ushort& s16 {{\[\[}}buffer(1)]],
// CHECK-NEXT: constant uint& s32 {{\[\[}}buffer(2)]],
// CHECK-NEXT: constant ulong& s64 {{\[\[}}buffer(3)]],
// CHECK-NEXT: constant uint& sidx {{\[\[}}buffer(4)]],
// CHECK-NEXT: constant bool& sbool {{\[\[}}buffer(5)]],
// CHECK-NEXT: constant half& sf16 {{\[\[}}buffer(6)]],
// CHECK-NEXT: constant bfloat& sbf16 {{\[\[}}buffer(7)]],
// CHECK-NEXT: constant float& sf32 {{\[\[}}buffer(8)]],
// CHECK-NEXT: constant uchar2& v2 {{\[\[}}buffer(9)]],
// CHECK-NEXT: constant half3& v3 {{\[\[}}buffer(10)]],
// CHECK-NEXT: constant ulong4& v4 {{\[\[}}buffer(11)]],
// CHECK-NEXT: constant bfloat4& vb {{\[\[}}buffer(12)]],
// CHECK-NEXT: constant uint2& vi {{\[\[}}buffer(13)]],
// CHECK-NEXT: device const ushort* b16 {{\[\[}}buffer(14)]],
// CHECK-NEXT: device float4* bv {{\[\[}}buffer(15)]],
// CHECK-NEXT: constant bool* bb {{\[\[}}buffer(16)]]) {
// CHECK-NEXT: ushort x = b16[0u];
// CHECK-NEXT: float4 y = bv[0u];
// CHECK-NEXT: bool z = bb[0u];
// CHECK-NEXT: bool2 cmp = v2 == v2;
// CHECK-NEXT: bool2 cmp2 = vi < vi;
// CHECK-NEXT: float4 sel = z ? y : y;
// CHECK-NEXT: ulong4 sum = v4 + v4;
// CHECK-NEXT: ulong4 q = ulong4(long4(v4) / long4(v4));
// CHECK-NEXT: bv[0u] = sel;
// CHECK-NEXT: }
enigma.kernel @types(%i8: i8 {enigma.buffer_index = 0 : i32, enigma.scalar} loc("s8"),
                     %i16: i16 {enigma.buffer_index = 1 : i32, enigma.scalar} loc("s16"),
                     %i32: i32 {enigma.buffer_index = 2 : i32, enigma.scalar} loc("s32"),
                     %i64: i64 {enigma.buffer_index = 3 : i32, enigma.scalar} loc("s64"),
                     %idx: index {enigma.buffer_index = 4 : i32, enigma.scalar} loc("sidx"),
                     %i1: i1 {enigma.buffer_index = 5 : i32, enigma.scalar} loc("sbool"),
                     %f16: f16 {enigma.buffer_index = 6 : i32, enigma.scalar} loc("sf16"),
                     %bf16: bf16 {enigma.buffer_index = 7 : i32, enigma.scalar} loc("sbf16"),
                     %f32: f32 {enigma.buffer_index = 8 : i32, enigma.scalar} loc("sf32"),
                     %v2: vector<2xi8> {enigma.buffer_index = 9 : i32, enigma.scalar} loc("v2"),
                     %v3: vector<3xf16> {enigma.buffer_index = 10 : i32, enigma.scalar} loc("v3"),
                     %v4: vector<4xi64> {enigma.buffer_index = 11 : i32, enigma.scalar} loc("v4"),
                     %vb: vector<4xbf16> {enigma.buffer_index = 12 : i32, enigma.scalar} loc("vb"),
                     %vi: vector<2xindex> {enigma.buffer_index = 13 : i32, enigma.scalar} loc("vi"),
                     %b16: memref<?xi16, #enigma.address_space<device>> {enigma.buffer_index = 14 : i32} loc("b16"),
                     %bv: memref<?xvector<4xf32>, #enigma.address_space<device>> {enigma.buffer_index = 15 : i32} loc("bv"),
                     %bb: memref<?xi1, #enigma.address_space<constant>> {enigma.buffer_index = 16 : i32} loc("bb")) {
  %c0 = arith.constant 0 : index
  %x = memref.load %b16[%c0] : memref<?xi16, #enigma.address_space<device>> loc("x")
  %y = memref.load %bv[%c0] : memref<?xvector<4xf32>, #enigma.address_space<device>> loc("y")
  %z = memref.load %bb[%c0] : memref<?xi1, #enigma.address_space<constant>> loc("z")
  %cmp = arith.cmpi eq, %v2, %v2 : vector<2xi8> loc("cmp")
  %cmp2 = arith.cmpi ult, %vi, %vi : vector<2xindex> loc("cmp2")
  %sel = arith.select %z, %y, %y : vector<4xf32> loc("sel")
  %sum = arith.addi %v4, %v4 : vector<4xi64> loc("sum")
  %q = arith.divsi %v4, %v4 : vector<4xi64> loc("q")
  memref.store %sel, %bv[%c0] : memref<?xvector<4xf32>, #enigma.address_space<device>>
  enigma.return
}
