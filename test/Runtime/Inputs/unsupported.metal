#include <metal_stdlib>
using namespace metal;

kernel void enigma_kernel_tex(device float* out [[buffer(0)]],
    texture2d<float> img [[texture(0)]],
    uint lid [[thread_index_in_threadgroup]]) {
  out[lid] = 1.0f;
}
