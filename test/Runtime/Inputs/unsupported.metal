#include <metal_stdlib>
using namespace metal;

kernel void enigma_kernel_tgptr(device float* out [[buffer(0)]],
    threadgroup float* tile [[threadgroup(0)]],
    uint lid [[thread_index_in_threadgroup]]) {
  tile[lid] = 1.0f;
  out[lid] = tile[lid];
}
