#include <metal_stdlib>
using namespace metal;

// Threadgroup sum in two stages: simd_sum inside each SIMD-group, then the
// per-SIMD-group partials through threadgroup memory and a barrier.
kernel void enigma_kernel_group_sum(device const float* in [[buffer(0)]], device float* out [[buffer(1)]],
    constant uint& n [[buffer(2)]],
    uint3 gid [[thread_position_in_grid]], uint3 tgid [[threadgroup_position_in_grid]],
    uint lane [[thread_index_in_simdgroup]], uint sg [[simdgroup_index_in_threadgroup]],
    uint sgs [[simdgroups_per_threadgroup]]) {
  threadgroup float partial[32];
  float v = gid.x < n ? in[gid.x] : 0.0f;
  float s = simd_sum(v);
  if (lane == 0) partial[sg] = s;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  if (sg == 0) {
    float t = lane < sgs ? partial[lane] : 0.0f;
    t = simd_sum(t);
    if (lane == 0) out[tgid.x] = t;
  }
}

// A barrier only some threads reach.
kernel void enigma_kernel_divergent(device float* out [[buffer(0)]],
    uint lid [[thread_index_in_threadgroup]]) {
  if (lid % 2 == 0) {
    threadgroup_barrier(mem_flags::mem_threadgroup);
  }
  out[lid] = float(lid);
}
