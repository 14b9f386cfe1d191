#include <metal_stdlib>
using namespace metal;

// Reverses each threadgroup's elements through threadgroup memory sized at launch.
kernel void tg_reverse(device float* data [[buffer(0)]],
                       threadgroup float* tile [[threadgroup(0)]],
                       uint gid [[thread_position_in_grid]], uint lid [[thread_position_in_threadgroup]],
                       uint size [[threads_per_threadgroup]]) {
  tile[lid] = data[gid];
  threadgroup_barrier(mem_flags::mem_threadgroup);
  data[gid] = tile[size - 1 - lid];
}
