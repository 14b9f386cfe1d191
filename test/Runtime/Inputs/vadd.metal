#include <metal_stdlib>
using namespace metal;

kernel void enigma_kernel_vadd(device const float* A [[buffer(0)]], device const float* B [[buffer(1)]],
    device float* C [[buffer(2)]], constant uint& n [[buffer(3)]],
    uint3 thread_position_in_grid [[thread_position_in_grid]]) {
  uint v0 = thread_position_in_grid.x;
  if (v0 < n) { float v1 = A[v0]; float v2 = B[v0]; float v3 = v1 + v2; C[v0] = v3; }
}

kernel void enigma_kernel_vadd_unguarded(device const float* A [[buffer(0)]], device const float* B [[buffer(1)]],
    device float* C [[buffer(2)]], uint3 thread_position_in_grid [[thread_position_in_grid]]) {
  uint v0 = thread_position_in_grid.x;
  C[v0] = A[v0] + B[v0];
}
