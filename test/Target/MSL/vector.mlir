// RUN: enigma-translate --to-msl %s | FileCheck %s
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// vector operations: vector accesses to device memory (aligned types where the IR's alignment
// attribute proves it, packed types otherwise), lane-wise accesses to threadgroup and thread
// arrays, lanes, broadcast, from_elements, elementwise arith/math on vectors, reductions in
// lane order.
// CHECK-LABEL: kernel void enigma_kernel_vectors(device float* a {{\[\[}}buffer(0)]],
// CHECK-NEXT: device half* b {{\[\[}}buffer(1)]],
// CHECK-NEXT: device float* m {{\[\[}}buffer(2)]],
// CHECK-NEXT: constant float& s {{\[\[}}buffer(3)]],
// CHECK-NEXT: constant uint& k {{\[\[}}buffer(4)]],
// CHECK-NEXT: uint3 thread_position_in_grid {{\[\[}}thread_position_in_grid]]) {
// CHECK-NEXT: threadgroup float4 tile[64];
// CHECK-NEXT: threadgroup float stage[128];
// CHECK-NEXT: uint i = thread_position_in_grid.x;
// CHECK-NEXT: float4 v = float4(*(device const packed_float4*)(a + i));
// CHECK-NEXT: float4 t = float4(*(device const packed_float4*)(m + i + 64u));
// CHECK-NEXT: float e = v.z;
// CHECK-NEXT: float ed = v[k];
// CHECK-NEXT: float4 ins = t;
// CHECK-NEXT: ins.x = s;
// CHECK-NEXT: float4 bc = float4(s);
// CHECK-NEXT: float4 fe = float4(e, ed, s, s);
// CHECK-NEXT: float4 sum = ins + bc;
// CHECK-NEXT: float4 ex = exp(sum);
// CHECK-NEXT: float4 f = fma(ex, fe, v);
// CHECK-NEXT: float red = (((f.x + f.y) + f.z) + f.w);
// CHECK-NEXT: float red2 = fmax(fmax(fmax(fmax(s, f.x), f.y), f.z), f.w);
// CHECK-NEXT: *(device packed_float4*)(a + i) = packed_float4(f);
// CHECK-NEXT: *(device packed_float4*)(m + i) = packed_float4(f);
// CHECK-NEXT: half2 h = half2(*(device const packed_half2*)(b + i));
// CHECK-NEXT: half3 h3 = half3(*(device const packed_half3*)(b + i));
// CHECK-NEXT: half2 v0 = h + h;
// CHECK-NEXT: *(device packed_half2*)(b + i) = packed_half2(v0);
// CHECK-NEXT: tile[i] = f;
// CHECK-NEXT: float4 v1 = tile[0u];
// CHECK-NEXT: stage[i] = f.x;
// CHECK-NEXT: stage[i + 1u] = f.y;
// CHECK-NEXT: stage[i + 2u] = f.z;
// CHECK-NEXT: stage[i + 3u] = f.w;
// CHECK-NEXT: float4 tl = float4(stage[4u], stage[5u], stage[6u], stage[7u]);
// CHECK-NEXT: half priv[8];
// CHECK-NEXT: priv[4u] = h.x;
// CHECK-NEXT: priv[5u] = h.y;
// CHECK-NEXT: half2 pl = half2(priv[0u], priv[1u]);
// CHECK-NEXT: float4 al = *(device const float4*)(a + i);
// CHECK-NEXT: float4 al8 = float4(*(device const packed_float4*)(a + i));
// CHECK-NEXT: float2 a2 = *(device const float2*)(a + i);
// CHECK-NEXT: *(device float4*)(a + 4u) = al;
// CHECK-NEXT: a[0u] = red;
// CHECK-NEXT: a[4u] = red2;
// CHECK-NEXT: }
enigma.kernel @vectors(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32} loc("a"),
                       %b: memref<?xf16, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32} loc("b"),
                       %m: memref<8x16xf32, #enigma.address_space<device>> {enigma.buffer_index = 2 : i32} loc("m"),
                       %s: f32 {enigma.buffer_index = 3 : i32, enigma.scalar} loc("s"),
                       %k: index {enigma.buffer_index = 4 : i32, enigma.scalar} loc("k")) {
  %i = enigma.thread_position_in_grid x loc("i")
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %pad = arith.constant 0.0 : f32
  %hz = arith.constant 0.0 : f16
  %v = vector.load %a[%i] : memref<?xf32, #enigma.address_space<device>>, vector<4xf32> loc("v")
  %t = vector.transfer_read %m[%c4, %i], %pad {in_bounds = [true]} : memref<8x16xf32, #enigma.address_space<device>>, vector<4xf32> loc("t")
  %e = vector.extract %v[2] : f32 from vector<4xf32> loc("e")
  %ed = vector.extract %v[%k] : f32 from vector<4xf32> loc("ed")
  %ins = vector.insert %s, %t[0] : f32 into vector<4xf32> loc("ins")
  %bc = vector.broadcast %s : f32 to vector<4xf32> loc("bc")
  %fe = vector.from_elements %e, %ed, %s, %s : vector<4xf32> loc("fe")
  %sum = arith.addf %ins, %bc : vector<4xf32> loc("sum")
  %ex = math.exp %sum : vector<4xf32> loc("ex")
  %f = vector.fma %ex, %fe, %v : vector<4xf32> loc("f")
  %red = vector.reduction <add>, %f : vector<4xf32> into f32 loc("red")
  %red2 = vector.reduction <maxnumf>, %f, %s : vector<4xf32> into f32 loc("red2")
  vector.store %f, %a[%i] : memref<?xf32, #enigma.address_space<device>>, vector<4xf32>
  vector.transfer_write %f, %m[%c0, %i] {in_bounds = [true]} : vector<4xf32>, memref<8x16xf32, #enigma.address_space<device>>
  %h = vector.load %b[%i] : memref<?xf16, #enigma.address_space<device>>, vector<2xf16> loc("h")
  %h3 = vector.load %b[%i] : memref<?xf16, #enigma.address_space<device>>, vector<3xf16> loc("h3")
  %hs = arith.addf %h, %h : vector<2xf16>
  vector.store %hs, %b[%i] : memref<?xf16, #enigma.address_space<device>>, vector<2xf16>
  %tg = enigma.threadgroup_alloc : memref<64xvector<4xf32>, #enigma.address_space<threadgroup>> loc("tile")
  vector.store %f, %tg[%i] : memref<64xvector<4xf32>, #enigma.address_space<threadgroup>>, vector<4xf32>
  %back = vector.load %tg[%c0] : memref<64xvector<4xf32>, #enigma.address_space<threadgroup>>, vector<4xf32>
  %tgs = enigma.threadgroup_alloc : memref<128xf32, #enigma.address_space<threadgroup>> loc("stage")
  vector.store %f, %tgs[%i] : memref<128xf32, #enigma.address_space<threadgroup>>, vector<4xf32>
  %tl = vector.load %tgs[%c4] : memref<128xf32, #enigma.address_space<threadgroup>>, vector<4xf32> loc("tl")
  %priv = memref.alloca() : memref<8xf16, #enigma.address_space<thread>> loc("priv")
  vector.transfer_write %h, %priv[%c4] {in_bounds = [true]} : vector<2xf16>, memref<8xf16, #enigma.address_space<thread>>
  %pl = vector.transfer_read %priv[%c0], %hz {in_bounds = [true]} : memref<8xf16, #enigma.address_space<thread>>, vector<2xf16> loc("pl")
  // Alignment proven by the IR: the aligned vector types; not enough alignment: packed.
  %al = vector.load %a[%i] {alignment = 16 : i64} : memref<?xf32, #enigma.address_space<device>>, vector<4xf32> loc("al")
  %al8 = vector.load %a[%i] {alignment = 8 : i64} : memref<?xf32, #enigma.address_space<device>>, vector<4xf32> loc("al8")
  %a2 = vector.load %a[%i] {alignment = 8 : i64} : memref<?xf32, #enigma.address_space<device>>, vector<2xf32> loc("a2")
  vector.store %al, %a[%c4] {alignment = 16 : i64} : memref<?xf32, #enigma.address_space<device>>, vector<4xf32>
  memref.store %red, %a[%c0] : memref<?xf32, #enigma.address_space<device>>
  memref.store %red2, %a[%c4] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}
