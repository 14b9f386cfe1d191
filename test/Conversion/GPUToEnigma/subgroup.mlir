// RUN: enigma-opt %s -allow-unregistered-dialect --convert-gpu-to-enigma | FileCheck %s

// gpu.shuffle (width 32, Metal's SIMD-group size) -> enigma.simd_shuffle; the validity flag
// is computed from the lane index when it is used.
// CHECK-LABEL: enigma.kernel @shuffles
// CHECK-SAME: %[[V:[^:]*]]: f32 {{.*}} %[[O:[^:]*]]: i32
// CHECK: %[[X:.*]] = enigma.simd_shuffle <xor> %[[V]], %[[O]] : f32, i32
// CHECK: %[[U:.*]] = enigma.simd_shuffle <up> %[[V]], %[[O]] : f32, i32
// CHECK: %[[L:.*]] = enigma.thread_index_in_simdgroup
// CHECK: %[[LI:.*]] = arith.index_castui %[[L]] : index to i32
// CHECK: %[[UV:.*]] = arith.cmpi uge, %[[LI]], %[[O]] : i32
// CHECK: %[[D:.*]] = enigma.simd_shuffle <down> %[[V]], %[[O]] : f32, i32
// CHECK: %[[SRC:.*]] = arith.addi %{{.*}}, %[[O]] : i32
// CHECK: %[[DV:.*]] = arith.cmpi ult, %[[SRC]], %{{.*}} : i32
// CHECK: %[[I:.*]] = enigma.simd_shuffle <idx> %[[V]], %[[O]] : f32, i32
// CHECK: "test.use"(%[[X]], %[[U]], %[[UV]], %[[D]], %[[DV]], %[[I]])
gpu.module @kernels {
  gpu.func @shuffles(%A: memref<32xf32>, %v: f32, %o: i32) kernel {
    %w = arith.constant 32 : i32
    %x, %xv = gpu.shuffle xor %v, %o, %w : f32
    %u, %uv = gpu.shuffle up %v, %o, %w : f32
    %d, %dv = gpu.shuffle down %v, %o, %w : f32
    %i, %iv = gpu.shuffle idx %v, %o, %w : f32
    "test.use"(%x, %u, %uv, %d, %dv, %i) : (f32, f32, i1, f32, i1, f32) -> ()
    gpu.return
  }

// gpu.subgroup_reduce -> simd_reduce over the subgroup, quad_reduce over clusters of 4.
// CHECK-LABEL: enigma.kernel @reductions
// CHECK: enigma.simd_reduce <sum> %{{.*}} : f32
// CHECK: enigma.simd_reduce <max> %{{.*}} : f32
// CHECK: enigma.simd_reduce <min> unsigned %{{.*}} : i32
// CHECK: enigma.simd_reduce <max> %{{.*}} : i32
// CHECK: enigma.simd_reduce <xor> %{{.*}} : i32
// CHECK: enigma.quad_reduce <product> %{{.*}} : f32
  gpu.func @reductions(%v: f32, %i: i32) kernel {
    %0 = gpu.subgroup_reduce add %v : (f32) -> f32
    %1 = gpu.subgroup_reduce maxnumf %v uniform : (f32) -> f32
    %2 = gpu.subgroup_reduce minui %i : (i32) -> i32
    %3 = gpu.subgroup_reduce maxsi %i : (i32) -> i32
    %4 = gpu.subgroup_reduce xor %i : (i32) -> i32
    %5 = gpu.subgroup_reduce mul %v cluster(size = 4) : (f32) -> f32
    "test.use"(%0, %1, %2, %3, %4, %5) : (f32, f32, i32, i32, i32, f32) -> ()
    gpu.return
  }
}
