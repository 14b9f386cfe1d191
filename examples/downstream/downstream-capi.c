/*===-- downstream-capi.c - Enigma's C API from an installed Enigma -------===*/
/*
 * Links Enigma::EnigmaCAPI (libEnigmaCAPI.so), prints the library version, then compiles a
 * Metal kernel with the CPU runtime under exact bounds checking (which needs the bounds-check
 * plugin installed beside libEnigmaCAPI.so) and runs it. Exit status 0 when the kernel computed
 * the right result.
 */

#include "enigma-c/Runtime.h"
#include "enigma-c/Version.h"

#include <stdio.h>
#include <string.h>

static const char kSource[] =
    "#include <metal_stdlib>\n"
    "using namespace metal;\n"
    "kernel void vadd(device const float* a [[buffer(0)]], device const float* b [[buffer(1)]],\n"
    "                 device float* c [[buffer(2)]], constant uint& n [[buffer(3)]],\n"
    "                 uint i [[thread_position_in_grid]]) {\n"
    "  if (i < n) c[i] = a[i] + b[i];\n"
    "}\n";

int main(void) {
  printf("enigma %s\n", enigmaGetVersion());

  EnigmaRuntimeError error = {ENIGMA_RUNTIME_OK, NULL};
  EnigmaCpuCompileOptions options = {NULL, NULL, NULL, ENIGMA_CPU_BOUNDS_CHECK_EXACT};
  EnigmaCpuKernel kernel = NULL;
  if (enigmaRuntimeCpuKernelCreate(kSource, strlen(kSource), "vadd", &options, &kernel,
                                   &error) != ENIGMA_RUNTIME_OK) {
    fprintf(stderr, "downstream-capi: %s\n", error.message);
    enigmaRuntimeErrorDestroy(&error);
    return 1;
  }

  enum { N = 1000 };
  static float a[N], b[N], c[N];
  for (int i = 0; i < N; ++i) {
    a[i] = (float)i;
    b[i] = 0.5f * (float)i;
  }
  unsigned n = N;
  EnigmaCpuArg args[] = {{a, sizeof a}, {b, sizeof b}, {c, sizeof c}, {&n, sizeof n}};
  EnigmaCpuLaunchConfig config = {{1024, 1, 1}, {256, 1, 1}, 0, 0, 0};
  if (enigmaRuntimeCpuKernelLaunch(kernel, args, 4, &config, &error) != ENIGMA_RUNTIME_OK) {
    fprintf(stderr, "downstream-capi: %s\n", error.message);
    enigmaRuntimeErrorDestroy(&error);
    enigmaRuntimeCpuKernelDestroy(kernel);
    return 1;
  }
  int wrong = 0;
  for (int i = 0; i < N; ++i)
    wrong += c[i] != a[i] + b[i];
  printf("kernel %s: bounds check %s, %d of %d results wrong\n",
         enigmaRuntimeCpuKernelGetName(kernel),
         enigmaRuntimeCpuKernelGetBoundsCheck(kernel) == ENIGMA_CPU_BOUNDS_CHECK_EXACT ? "exact"
                                                                                       : "guard",
         wrong, N);
  enigmaRuntimeCpuKernelDestroy(kernel);
  return wrong != 0;
}
