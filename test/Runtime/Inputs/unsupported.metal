#include <metal_stdlib>
using namespace metal;

kernel void enigma_kernel_tgptr(device float* out [[buffer(0)]],
    uint lid [[thread_index_in_threadgroup]]) {
  threadgroup float tile[64];
  threadgroup float* row = tile + 8;
  row[lid] = 1.0f;
  out[lid] = tile[lid];
}
