// RUN: enigma-translate --to-msl %s | FileCheck %s
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// The module prologue appears once.
// CHECK: #include <metal_stdlib>
// CHECK-NEXT: using namespace metal;
// CHECK-NOT: #include

// Parameters in buffer-index order, access from the body, builtins in the fixed order.
// CHECK-LABEL: kernel void enigma_kernel_signature(device const float* in {{\[\[}}buffer(0)]],
// CHECK-NEXT: constant uint& n {{\[\[}}buffer(1)]],
// CHECK-NEXT: device float* out {{\[\[}}buffer(2)]],
// CHECK-NEXT: constant uint* lut {{\[\[}}buffer(3)]],
// CHECK-NEXT: constant half& h {{\[\[}}buffer(4)]],
// CHECK-NEXT: constant float4& v {{\[\[}}buffer(5)]],
// CHECK-NEXT: device const uchar* unused {{\[\[}}buffer(6)]],
// CHECK-NEXT: device bfloat* rw {{\[\[}}buffer(7)]],
// CHECK-NEXT: constant bool& b {{\[\[}}buffer(8)]],
// CHECK-NEXT: uint3 thread_position_in_grid {{\[\[}}thread_position_in_grid]],
// CHECK-NEXT: uint3 threadgroup_position_in_grid {{\[\[}}threadgroup_position_in_grid]],
// CHECK-NEXT: uint thread_index_in_simdgroup {{\[\[}}thread_index_in_simdgroup]]) {
// CHECK-NEXT: uint lane = thread_index_in_simdgroup;
// CHECK-NEXT: uint g = threadgroup_position_in_grid.y;
// CHECK-NEXT: uint t = thread_position_in_grid.x;
// CHECK-NEXT: float v0 = in[t];
// CHECK-NEXT: uint v1 = lut[0u];
// CHECK-NEXT: out[g] = v0;
// CHECK-NEXT: bfloat v2 = bfloat(rw[lane]);
// CHECK-NEXT: rw[n] = v2;
// CHECK-NEXT: }
enigma.kernel @signature(
    %out: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 2 : i32} loc("out"),
    %lut: memref<4xi32, #enigma.address_space<constant>> {enigma.buffer_index = 3 : i32, enigma.access = #enigma.access<read>} loc("lut"),
    %in: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32, enigma.access = #enigma.access<read_write>} loc("in"),
    %n: index {enigma.buffer_index = 1 : i32, enigma.scalar} loc("n"),
    %h: f16 {enigma.buffer_index = 4 : i32, enigma.scalar} loc("h"),
    %v: vector<4xf32> {enigma.buffer_index = 5 : i32, enigma.scalar} loc("v"),
    %unused: memref<?xi8, #enigma.address_space<device>> {enigma.buffer_index = 6 : i32} loc("unused"),
    %rw: memref<?xbf16, #enigma.address_space<device>> {enigma.buffer_index = 7 : i32} loc("rw"),
    %b: i1 {enigma.buffer_index = 8 : i32, enigma.scalar} loc("b"))
    attributes {enigma.coarsen = 4 : i32} {
  %lane = enigma.thread_index_in_simdgroup loc("lane")
  %g = enigma.threadgroup_position_in_grid y loc("g")
  %t = enigma.thread_position_in_grid x loc("t")
  %x = memref.load %in[%t] : memref<?xf32, #enigma.address_space<device>>
  %c0 = arith.constant 0 : index
  %l = memref.load %lut[%c0] : memref<4xi32, #enigma.address_space<constant>>
  memref.store %x, %out[%g] : memref<?xf32, #enigma.address_space<device>>
  %r = memref.load %rw[%lane] : memref<?xbf16, #enigma.address_space<device>>
  memref.store %r, %rw[%n] : memref<?xbf16, #enigma.address_space<device>>
  enigma.return
}

// Kernels come out in source order; a kernel without parameters has an empty list.
// CHECK-LABEL: kernel void enigma_kernel_second() {
// CHECK-NEXT: }
enigma.kernel @second() {
  enigma.return
}
// CHECK-LABEL: kernel void enigma_kernel_all_builtins(uint3 thread_position_in_grid {{\[\[}}thread_position_in_grid]],
// CHECK-NEXT: uint3 thread_position_in_threadgroup {{\[\[}}thread_position_in_threadgroup]],
// CHECK-NEXT: uint3 threadgroup_position_in_grid {{\[\[}}threadgroup_position_in_grid]],
// CHECK-NEXT: uint3 threads_per_threadgroup {{\[\[}}threads_per_threadgroup]],
// CHECK-NEXT: uint3 threadgroups_per_grid {{\[\[}}threadgroups_per_grid]],
// CHECK-NEXT: uint3 threads_per_grid {{\[\[}}threads_per_grid]],
// CHECK-NEXT: uint thread_index_in_threadgroup {{\[\[}}thread_index_in_threadgroup]],
// CHECK-NEXT: uint thread_index_in_simdgroup {{\[\[}}thread_index_in_simdgroup]],
// CHECK-NEXT: uint simdgroup_index_in_threadgroup {{\[\[}}simdgroup_index_in_threadgroup]],
// CHECK-NEXT: uint threads_per_simdgroup {{\[\[}}threads_per_simdgroup]],
// CHECK-NEXT: uint simdgroups_per_threadgroup {{\[\[}}simdgroups_per_threadgroup]]) {
// CHECK-NEXT: uint v0 = simdgroups_per_threadgroup;
// CHECK-NEXT: uint v1 = threads_per_simdgroup;
// CHECK-NEXT: uint v2 = simdgroup_index_in_threadgroup;
// CHECK-NEXT: uint v3 = thread_index_in_simdgroup;
// CHECK-NEXT: uint v4 = thread_index_in_threadgroup;
// CHECK-NEXT: uint v5 = threads_per_grid.z;
// CHECK-NEXT: uint v6 = threadgroups_per_grid.y;
// CHECK-NEXT: uint v7 = threads_per_threadgroup.x;
// CHECK-NEXT: uint v8 = threadgroup_position_in_grid.z;
// CHECK-NEXT: uint v9 = thread_position_in_threadgroup.y;
// CHECK-NEXT: uint v10 = thread_position_in_grid.x;
// CHECK-NEXT: }
enigma.kernel @all_builtins() {
  %0 = enigma.simdgroups_per_threadgroup
  %1 = enigma.threads_per_simdgroup
  %2 = enigma.simdgroup_index_in_threadgroup
  %3 = enigma.thread_index_in_simdgroup
  %4 = enigma.thread_index_in_threadgroup
  %5 = enigma.threads_per_grid z
  %6 = enigma.threadgroups_per_grid y
  %7 = enigma.threads_per_threadgroup x
  %8 = enigma.threadgroup_position_in_grid z
  %9 = enigma.thread_position_in_threadgroup y
  %10 = enigma.thread_position_in_grid x
  enigma.return
}
