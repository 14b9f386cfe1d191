// RUN: enigma-translate --to-msl %s | FileCheck %s
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// memref accesses: linearized with static strides, or strides/sizes provided by the IR
// (memref.reinterpret_cast, memref.subview); thread-local arrays; memref.dim.
// CHECK-LABEL: kernel void enigma_kernel_memory(device float* flat {{\[\[}}buffer(0)]],
// CHECK-NEXT: device const float* m {{\[\[}}buffer(1)]],
// CHECK-NEXT: device const float* r {{\[\[}}buffer(2)]],
// CHECK-NEXT: constant uint& rows {{\[\[}}buffer(3)]],
// CHECK-NEXT: constant uint& cols {{\[\[}}buffer(4)]],
// CHECK-NEXT: device const float* s {{\[\[}}buffer(5)]],
// CHECK-NEXT: uint3 thread_position_in_grid {{\[\[}}thread_position_in_grid]]) {
// CHECK-NEXT: uint i = thread_position_in_grid.x;
// CHECK-NEXT: uint j = thread_position_in_grid.y;
// CHECK-NEXT: float a = m[i * 8u + j];
// CHECK-NEXT: float b = m[19u];
// CHECK-NEXT: float c = r[i * 8u + j];
// CHECK-NEXT: float d = s[i + j * 4u + 2u];
// CHECK-NEXT: uint nr = uint(rows);
// CHECK-NEXT: uint nc = uint(cols);
// CHECK-NEXT: float e = flat[i * nc + j];
// CHECK-NEXT: uint dim0 = nr;
// CHECK-NEXT: uint dim1 = 8u;
// CHECK-NEXT: float f = flat[((2u * nc) + j) + nc + i * 2u];
// CHECK-NEXT: float local[8];
// CHECK-NEXT: local[3u] = a;
// CHECK-NEXT: float g = local[i * 2u];
// CHECK-NEXT: float v0 = a + b;
// CHECK-NEXT: float v1 = c + d;
// CHECK-NEXT: float v2 = e + f;
// CHECK-NEXT: float v3 = v0 + v1;
// CHECK-NEXT: float v4 = v2 + v3;
// CHECK-NEXT: float v5 = v4 + g;
// CHECK-NEXT: flat[i] = v5;
// CHECK-NEXT: uint v6 = uint(dim0);
// CHECK-NEXT: uint v7 = uint(dim1);
// CHECK-NEXT: }
enigma.kernel @memory(%flat: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32} loc("flat"),
                      %m: memref<16x8xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32} loc("m"),
                      %r: memref<?x8xf32, #enigma.address_space<device>> {enigma.buffer_index = 2 : i32} loc("r"),
                      %rows: i32 {enigma.buffer_index = 3 : i32, enigma.scalar} loc("rows"),
                      %cols: i32 {enigma.buffer_index = 4 : i32, enigma.scalar} loc("cols"),
                      %s: memref<4x4xf32, strided<[1, 4], offset: 2>, #enigma.address_space<device>> {enigma.buffer_index = 5 : i32} loc("s")) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %i = enigma.thread_position_in_grid x loc("i")
  %j = enigma.thread_position_in_grid y loc("j")
  %a = memref.load %m[%i, %j] : memref<16x8xf32, #enigma.address_space<device>> loc("a")
  %b = memref.load %m[%c2, %c3] : memref<16x8xf32, #enigma.address_space<device>> loc("b")
  %c = memref.load %r[%i, %j] : memref<?x8xf32, #enigma.address_space<device>> loc("c")
  %d = memref.load %s[%i, %j] : memref<4x4xf32, strided<[1, 4], offset: 2>, #enigma.address_space<device>> loc("d")
  // A dynamic 2-D view of the flat buffer, sizes from scalar arguments.
  %nr = arith.index_cast %rows : i32 to index loc("nr")
  %nc = arith.index_cast %cols : i32 to index loc("nc")
  %view = memref.reinterpret_cast %flat to offset: [0], sizes: [%nr, %nc], strides: [%nc, 1]
      : memref<?xf32, #enigma.address_space<device>> to memref<?x?xf32, strided<[?, 1]>, #enigma.address_space<device>>
  %e = memref.load %view[%i, %j] : memref<?x?xf32, strided<[?, 1]>, #enigma.address_space<device>> loc("e")
  %dim0 = memref.dim %view, %c0 : memref<?x?xf32, strided<[?, 1]>, #enigma.address_space<device>> loc("dim0")
  %dim1 = memref.dim %m, %c1 : memref<16x8xf32, #enigma.address_space<device>> loc("dim1")
  // A subview: rows 2.., every other column.
  %sub = memref.subview %view[2, %j] [4, 4] [1, 2] : memref<?x?xf32, strided<[?, 1]>, #enigma.address_space<device>> to memref<4x4xf32, strided<[?, 2], offset: ?>, #enigma.address_space<device>>
  %f = memref.load %sub[%c1, %i] : memref<4x4xf32, strided<[?, 2], offset: ?>, #enigma.address_space<device>> loc("f")
  // Thread-local array.
  %local = memref.alloca() : memref<4x2xf32, #enigma.address_space<thread>> loc("local")
  memref.store %a, %local[%c1, %c1] : memref<4x2xf32, #enigma.address_space<thread>>
  %g = memref.load %local[%i, %c0] : memref<4x2xf32, #enigma.address_space<thread>> loc("g")
  %t1 = arith.addf %a, %b : f32
  %t2 = arith.addf %c, %d : f32
  %t3 = arith.addf %e, %f : f32
  %t4 = arith.addf %t1, %t2 : f32
  %t5 = arith.addf %t3, %t4 : f32
  %t6 = arith.addf %t5, %g : f32
  memref.store %t6, %flat[%i] : memref<?xf32, #enigma.address_space<device>>
  %x = arith.index_cast %dim0 : index to i32
  %y = arith.index_cast %dim1 : index to i32
  enigma.return
}
