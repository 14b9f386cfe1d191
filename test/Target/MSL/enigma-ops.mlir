// RUN: enigma-translate --to-msl %s | FileCheck %s
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// enigma operations: builtins, barriers, threadgroup memory at kernel scope, SIMD-group and
// quad-group functions, atomics (atomic element types, strong compare-exchange), matrices.
// CHECK-LABEL: kernel void enigma_kernel_reduce(device const float* in {{\[\[}}buffer(0)]],
// CHECK-NEXT: device float* out {{\[\[}}buffer(1)]],
// CHECK-NEXT: constant uint& x {{\[\[}}buffer(2)]],
// CHECK-NEXT: constant half2& v {{\[\[}}buffer(3)]],
// CHECK-NEXT: uint3 thread_position_in_grid {{\[\[}}thread_position_in_grid]],
// CHECK-NEXT: uint thread_index_in_threadgroup {{\[\[}}thread_index_in_threadgroup]],
// CHECK-NEXT: uint thread_index_in_simdgroup {{\[\[}}thread_index_in_simdgroup]]) {
// CHECK-NEXT: threadgroup float tg0[256];
// CHECK-NEXT: uint tid = thread_index_in_threadgroup;
// CHECK-NEXT: uint gid = thread_position_in_grid.x;
// CHECK-NEXT: uint lane = thread_index_in_simdgroup;
// CHECK-NEXT: float val = in[gid];
// CHECK-NEXT: tg0[tid] = val;
// CHECK-NEXT: threadgroup_barrier(mem_flags::mem_threadgroup);
// CHECK-NEXT: threadgroup_barrier(mem_flags::mem_device | mem_flags::mem_threadgroup);
// CHECK-NEXT: threadgroup_barrier(mem_flags::mem_none);
// CHECK-NEXT: simdgroup_barrier(mem_flags::mem_texture | mem_flags::mem_threadgroup_imageblock);
// CHECK-NEXT: float v0 = tg0[tid];
// CHECK-NEXT: float v1 = simd_sum(v0);
// CHECK-NEXT: half2 v2 = simd_product(v);
// CHECK-NEXT: uint v3 = simd_min(x);
// CHECK-NEXT: uint v4 = uint(simd_min(int(x)));
// CHECK-NEXT: float v5 = quad_max(v0);
// CHECK-NEXT: uint v6 = quad_xor(x);
// CHECK-NEXT: float v7 = simd_prefix_exclusive_sum(v0);
// CHECK-NEXT: uint v8 = simd_prefix_inclusive_product(x);
// CHECK-NEXT: float v9 = quad_prefix_inclusive_sum(v0);
// CHECK-NEXT: float v10 = simd_shuffle(v0, ushort(lane));
// CHECK-NEXT: float v11 = simd_shuffle_up(v0, ushort(x));
// CHECK-NEXT: float v12 = simd_shuffle_down(v0, ushort(x));
// CHECK-NEXT: uint v13 = simd_shuffle_xor(x, ushort(x));
// CHECK-NEXT: float v14 = simd_shuffle_rotate_up(v0, ushort(x));
// CHECK-NEXT: half2 v15 = quad_shuffle_rotate_down(v, ushort(x));
// CHECK-NEXT: float v16 = simd_broadcast(v0, ushort(x));
// CHECK-NEXT: uint v17 = quad_max(x);
// CHECK-NEXT: float v18 = v1 + v5;
// CHECK-NEXT: out[gid] = v18;
// CHECK-NEXT: }
enigma.kernel @reduce(%in: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32} loc("in"),
                      %out: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32} loc("out"),
                      %x: i32 {enigma.buffer_index = 2 : i32, enigma.scalar} loc("x"),
                      %v: vector<2xf16> {enigma.buffer_index = 3 : i32, enigma.scalar} loc("v")) {
  %tg = enigma.threadgroup_alloc : memref<256xf32, #enigma.address_space<threadgroup>>
  %tid = enigma.thread_index_in_threadgroup loc("tid")
  %gid = enigma.thread_position_in_grid x loc("gid")
  %lane = enigma.thread_index_in_simdgroup loc("lane")
  %val = memref.load %in[%gid] : memref<?xf32, #enigma.address_space<device>> loc("val")
  memref.store %val, %tg[%tid] : memref<256xf32, #enigma.address_space<threadgroup>>
  enigma.threadgroup_barrier <threadgroup>
  enigma.threadgroup_barrier <device|threadgroup>
  enigma.threadgroup_barrier <none>
  enigma.simdgroup_barrier <texture|threadgroup_imageblock>
  %t = memref.load %tg[%tid] : memref<256xf32, #enigma.address_space<threadgroup>>
  %s0 = enigma.simd_reduce <sum> %t : f32
  %s1 = enigma.simd_reduce <product> %v : vector<2xf16>
  %s2 = enigma.simd_reduce <min> unsigned %x : i32
  %s3 = enigma.simd_reduce <min> %x : i32
  %s4 = enigma.quad_reduce <max> %t : f32
  %s5 = enigma.quad_reduce <xor> %x : i32
  %s6 = enigma.simd_prefix <exclusive_sum> %t : f32
  %s7 = enigma.simd_prefix <inclusive_product> %x : i32
  %s8 = enigma.quad_prefix <inclusive_sum> %t : f32
  %s9 = enigma.simd_shuffle <idx> %t, %lane : f32, index
  %s10 = enigma.simd_shuffle <up> %t, %x : f32, i32
  %s11 = enigma.simd_shuffle <down> %t, %x : f32, i32
  %s12 = enigma.simd_shuffle <xor> %x, %x : i32, i32
  %s13 = enigma.simd_shuffle <rotate_up> %t, %x : f32, i32
  %s14 = enigma.quad_shuffle <rotate_down> %v, %x : vector<2xf16>, i32
  %s15 = enigma.simd_broadcast %t, %x : f32, i32
  %s16 = enigma.quad_reduce <max> unsigned %x : i32
  %r = arith.addf %s0, %s4 : f32
  memref.store %r, %out[%gid] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// CHECK-LABEL: kernel void enigma_kernel_histogram(device atomic_uint* hist {{\[\[}}buffer(0)]],
// CHECK-NEXT: device atomic_float* sum {{\[\[}}buffer(1)]],
// CHECK-NEXT: device const uint* bins {{\[\[}}buffer(2)]],
// CHECK-NEXT: uint3 thread_position_in_grid {{\[\[}}thread_position_in_grid]]) {
// CHECK-NEXT: threadgroup atomic_int counts[16];
// CHECK-NEXT: uint i = thread_position_in_grid.x;
// CHECK-NEXT: uint b = bins[i];
// CHECK-NEXT: uint bi = uint(b);
// CHECK-NEXT: uint old = atomic_fetch_add_explicit(&hist[bi], 1u, memory_order_relaxed);
// CHECK-NEXT: uint v0 = atomic_fetch_max_explicit(&hist[bi], 1u, memory_order_relaxed);
// CHECK-NEXT: float v1 = atomic_fetch_add_explicit(&sum[i], 1.5f, memory_order_relaxed);
// CHECK-NEXT: uint found_expected = 1u;
// CHECK-NEXT: while (!atomic_compare_exchange_weak_explicit(&hist[bi], &found_expected, old, memory_order_relaxed, memory_order_relaxed) && found_expected == 1u) {
// CHECK-NEXT: }
// CHECK-NEXT: uint found = found_expected;
// CHECK-NEXT: float v2 = atomic_load_explicit(&sum[i], memory_order_relaxed);
// CHECK-NEXT: atomic_store_explicit(&hist[bi], v0, memory_order_relaxed);
// CHECK-NEXT: uint v3_expected = as_type<uint>(1.5f);
// CHECK-NEXT: while (!atomic_compare_exchange_weak_explicit((device atomic_uint*)&sum[i], &v3_expected, as_type<uint>(v2), memory_order_relaxed, memory_order_relaxed) && v3_expected == as_type<uint>(1.5f)) {
// CHECK-NEXT: }
// CHECK-NEXT: float v3 = as_type<float>(v3_expected);
// CHECK-NEXT: uint v4 = uint(atomic_fetch_sub_explicit(&counts[i * 4u + i], int(1u), memory_order_relaxed));
// CHECK-NEXT: uint v5 = uint(atomic_fetch_min_explicit(&counts[i * 4u + i], int(1u), memory_order_relaxed));
// CHECK-NEXT: uint v6 = uint(atomic_exchange_explicit(&counts[i * 4u + i], int(1u), memory_order_relaxed));
// CHECK-NEXT: }
enigma.kernel @histogram(%hist: memref<256xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32} loc("hist"),
                         %sum: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32} loc("sum"),
                         %bins: memref<?xi32, #enigma.address_space<device>> {enigma.buffer_index = 2 : i32} loc("bins")) {
  %i = enigma.thread_position_in_grid x loc("i")
  %one = arith.constant 1 : i32
  %f = arith.constant 1.5 : f32
  %b = memref.load %bins[%i] : memref<?xi32, #enigma.address_space<device>> loc("b")
  %bi = arith.index_castui %b : i32 to index loc("bi")
  %0 = enigma.atomic_rmw <add> unsigned %one, %hist[%bi] : memref<256xi32, #enigma.address_space<device>> loc("old")
  %1 = enigma.atomic_rmw <max> unsigned %one, %hist[%bi] : memref<256xi32, #enigma.address_space<device>>
  %2 = enigma.atomic_rmw <add> %f, %sum[%i] : memref<?xf32, #enigma.address_space<device>>
  %3 = enigma.atomic_cmpxchg unsigned %one, %0, %hist[%bi] : memref<256xi32, #enigma.address_space<device>> loc("found")
  %4 = enigma.atomic_load %sum[%i] : memref<?xf32, #enigma.address_space<device>>
  enigma.atomic_store unsigned %1, %hist[%bi] : memref<256xi32, #enigma.address_space<device>>
  %5 = enigma.atomic_cmpxchg %f, %4, %sum[%i] : memref<?xf32, #enigma.address_space<device>>
  %tg = enigma.threadgroup_alloc : memref<4x4xi32, #enigma.address_space<threadgroup>> loc("counts")
  %6 = enigma.atomic_rmw <sub> %one, %tg[%i, %i] : memref<4x4xi32, #enigma.address_space<threadgroup>>
  %7 = enigma.atomic_rmw <min> %one, %tg[%i, %i] : memref<4x4xi32, #enigma.address_space<threadgroup>>
  %8 = enigma.atomic_rmw <exchange> %one, %tg[%i, %i] : memref<4x4xi32, #enigma.address_space<threadgroup>>
  enigma.return
}

// CHECK-LABEL: kernel void enigma_kernel_matmul(device const float* a {{\[\[}}buffer(0)]],
// CHECK-NEXT: device float* c {{\[\[}}buffer(1)]]) {
// CHECK-NEXT: threadgroup half h[64];
// CHECK-NEXT: simdgroup_float8x8 acc = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);
// CHECK-NEXT: simdgroup_float8x8 ma;
// CHECK-NEXT: simdgroup_load(ma, &a[0u], ulong(16u), ulong2(0, 0), false);
// CHECK-NEXT: simdgroup_float8x8 mb;
// CHECK-NEXT: simdgroup_load(mb, &a[8u], ulong(16u), ulong2(0, 0), true);
// CHECK-NEXT: simdgroup_float8x8 d;
// CHECK-NEXT: simdgroup_multiply_accumulate(d, ma, mb, acc);
// CHECK-NEXT: simdgroup_store(d, &c[0u], ulong(16u), ulong2(0, 0), false);
// CHECK-NEXT: simdgroup_half8x8 hm = make_filled_simdgroup_matrix<half, 8, 8>(half(1.0f));
// CHECK-NEXT: simdgroup_store(hm, &h[0u], ulong(8u), ulong2(0, 0), false);
// CHECK-NEXT: simdgroup_half8x8 hl;
// CHECK-NEXT: simdgroup_load(hl, &h[0u], ulong(8u), ulong2(0, 0), true);
// CHECK-NEXT: }
enigma.kernel @matmul(%a: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32} loc("a"),
                      %c: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32} loc("c")) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %acc = enigma.simdgroup_matrix_fill %zero : !enigma.simdgroup_matrix<8x8xf32> loc("acc")
  %m = enigma.simdgroup_matrix_load %a[%c0], %c16 : memref<?xf32, #enigma.address_space<device>> -> !enigma.simdgroup_matrix<8x8xf32> loc("ma")
  %mt = enigma.simdgroup_matrix_load %a[%c8], %c16 transpose : memref<?xf32, #enigma.address_space<device>> -> !enigma.simdgroup_matrix<8x8xf32> loc("mb")
  %d = enigma.simdgroup_matrix_multiply_accumulate %m, %mt, %acc : !enigma.simdgroup_matrix<8x8xf32>, !enigma.simdgroup_matrix<8x8xf32>, !enigma.simdgroup_matrix<8x8xf32> loc("d")
  enigma.simdgroup_matrix_store %d, %c[%c0], %c16 : !enigma.simdgroup_matrix<8x8xf32>, memref<?xf32, #enigma.address_space<device>>
  %h = enigma.threadgroup_alloc : memref<8x8xf16, #enigma.address_space<threadgroup>> loc("h")
  %hz = arith.constant 1.0 : f16
  %hm = enigma.simdgroup_matrix_fill %hz : !enigma.simdgroup_matrix<8x8xf16> loc("hm")
  enigma.simdgroup_matrix_store %hm, %h[%c0, %c0], %c8 : !enigma.simdgroup_matrix<8x8xf16>, memref<8x8xf16, #enigma.address_space<threadgroup>>
  %hl = enigma.simdgroup_matrix_load %h[%c0, %c0], %c8 transpose : memref<8x8xf16, #enigma.address_space<threadgroup>> -> !enigma.simdgroup_matrix<8x8xf16> loc("hl")
  enigma.return
}
