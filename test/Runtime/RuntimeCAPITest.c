/*===- RuntimeCAPITest.c - C API test of the CPU runtime ------------------===*\
|*                                                                            *|
|* Uses enigma-c/Runtime.h exactly as a C client would: compile an MSL kernel *|
|* from text, inspect its parameters, launch it, and get every kind of error  *|
|* back as a status and a message.                                            *|
\*===----------------------------------------------------------------------===*/

// RUN: enigma-runtime-capi-test 2>&1 | FileCheck %s --check-prefixes=CHECK,%bounds_mode
// (EXACT where the bounds-check plugin was built, GUARD where not.)

#include "enigma-c/Runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *kSource =
    "#include <metal_stdlib>\n"
    "using namespace metal;\n"
    "\n"
    "kernel void scale(device const float* x [[buffer(0)]],\n"
    "                  device float* y [[buffer(1)]],\n"
    "                  constant float& factor [[buffer(2)]],\n"
    "                  uint2 gid [[thread_position_in_grid]],\n"
    "                  uint lane [[thread_index_in_simdgroup]]) {\n"
    "  y[gid.x] = x[gid.x] * factor + simd_sum(1.0f) * 0.0f;\n"
    "}\n"
    "\n"
    "kernel void overrun(device float* y [[buffer(0)]], uint i [[thread_position_in_grid]]) {\n"
    "  y[i + 8] = 1.0f;\n"
    "}\n"
    "\n"
    "kernel void before(device const float* x [[buffer(0)]], device float* y [[buffer(1)]],\n"
    "                   uint i [[thread_position_in_grid]]) {\n"
    "  y[i] = x[int(i) - 1];\n"
    "}\n";

static const char *kStatus[] = {"OK",           "INVALID_ARGUMENT", "UNSUPPORTED",
                                "COMPILE",      "SYSTEM",           "OUT_OF_BOUNDS",
                                "DIVERGENT_BARRIER", "KERNEL_FAULT", "TIMEOUT"};

static void report(const char *what, EnigmaRuntimeStatus st, EnigmaRuntimeError *err) {
  printf("%s: [%s] %s\n", what, kStatus[st], err->message ? err->message : "(no message)");
  enigmaRuntimeErrorDestroy(err);
}

int main(void) {
  EnigmaRuntimeError err = {ENIGMA_RUNTIME_OK, NULL};
  printf("header %s\n", enigmaRuntimeGetHeaderVersion());
  // CHECK: header {{[1-9][0-9]*}}.{{[0-9a-f]+}}

  EnigmaCpuKernel k = NULL;
  EnigmaRuntimeStatus st =
      enigmaRuntimeCpuKernelCreate(kSource, strlen(kSource), "scale", NULL, &k, &err);
  if (st != ENIGMA_RUNTIME_OK) {
    report("create", st, &err);
    return 1;
  }
  printf("kernel %s: %zu params, %zu args\n", enigmaRuntimeCpuKernelGetName(k),
         enigmaRuntimeCpuKernelGetNumParams(k), enigmaRuntimeCpuKernelGetNumArgs(k));
  // CHECK: kernel scale: 5 params, 3 args
  for (size_t i = 0; i < enigmaRuntimeCpuKernelGetNumParams(k); ++i) {
    EnigmaCpuParam p;
    enigmaRuntimeCpuKernelGetParam(k, i, &p, NULL);
    printf("param %s %s kind=%d buffer=%d arg=%d builtin=%d comps=%u ro=%d "
           "size=%u\n",
           p.typeName, p.name, p.kind, p.bufferIndex, p.argIndex, p.builtin, p.builtinComponents,
           p.readOnly, p.elementSize);
  }
  // CHECK-NEXT: param float x kind=0 buffer=0 arg=0 builtin=0 comps=0 ro=1 size=4
  // CHECK-NEXT: param float y kind=0 buffer=1 arg=1 builtin=0 comps=0 ro=0 size=4
  // CHECK-NEXT: param float factor kind=1 buffer=2 arg=2 builtin=0 comps=0 ro=1 size=4
  // CHECK-NEXT: param uint2 gid kind=2 buffer=-1 arg=-1 builtin=1 comps=2 ro=0 size=0
  // CHECK-NEXT: param uint lane kind=2 buffer=-1 arg=-1 builtin=11 comps=1 ro=0 size=0
  st = enigmaRuntimeCpuKernelGetParam(k, 5, &(EnigmaCpuParam){0}, &err);
  report("param 5", st, &err);
  // CHECK: param 5: [INVALID_ARGUMENT] kernel 'scale' has 5 parameters; there is no parameter 5

  enum { N = 100 };
  float x[N], y[N];
  for (int i = 0; i < N; ++i) {
    x[i] = (float)i;
    y[i] = -1.0f;
  }
  float factor = 3.0f;
  EnigmaCpuArg args[3] = {{x, sizeof(x)}, {y, sizeof(y)}, {&factor, sizeof(factor)}};
  EnigmaCpuLaunchConfig cfg = {{N, 1, 1}, {48, 1, 1}, 0, ENIGMA_CPU_LAUNCH_DEFAULT, 0};
  st = enigmaRuntimeCpuKernelLaunch(k, args, 3, &cfg, &err);
  int wrong = 0;
  for (int i = 0; i < N; ++i)
    wrong += y[i] != 3.0f * (float)i;
  printf("launch: %s, %d wrong\n", kStatus[st], wrong);
  // CHECK: launch: OK, 0 wrong

  st = enigmaRuntimeCpuKernelLaunch(k, args, 2, &cfg, &err);
  report("two args", st, &err);
  // CHECK: two args: [INVALID_ARGUMENT] kernel 'scale' takes 3 arguments ({{.*}}), got 2
  double wide = 3.0;
  args[2] = (EnigmaCpuArg){&wide, sizeof(wide)};
  st = enigmaRuntimeCpuKernelLaunch(k, args, 3, &cfg, &err);
  report("double scalar", st, &err);
  // CHECK: double scalar: [INVALID_ARGUMENT] kernel 'scale': argument 2 ('factor', constant
  // CHECK-SAME: float&) must be exactly 4 bytes, got 8
  args[2] = (EnigmaCpuArg){&factor, sizeof(factor)};
  cfg.block[0] = 2048;
  st = enigmaRuntimeCpuKernelLaunch(k, args, 3, &cfg, &err);
  report("big block", st, &err);
  // CHECK: big block: [INVALID_ARGUMENT] kernel 'scale': threadgroup size (2048,1,1) has 2048
  // CHECK-SAME: threads; Metal allows at most 1024
  st = enigmaRuntimeCpuKernelLaunch(NULL, args, 3, &cfg, &err);
  report("null kernel", st, &err);
  // CHECK: null kernel: [INVALID_ARGUMENT] enigmaRuntimeCpuKernelLaunch: NULL kernel
  enigmaRuntimeCpuKernelDestroy(k);

  EnigmaCpuKernel o = NULL;
  st = enigmaRuntimeCpuKernelCreate(kSource, strlen(kSource), "overrun", NULL, &o, &err);
  if (st != ENIGMA_RUNTIME_OK) {
    report("create overrun", st, &err);
    return 1;
  }
  float small[8] = {0};
  EnigmaCpuArg oargs[1] = {{small, sizeof(small)}};
  EnigmaCpuLaunchConfig one = {{1, 1, 1}, {1, 1, 1}, 1, 0, 0};
  st = enigmaRuntimeCpuKernelLaunch(o, oargs, 1, &one, &err);
  report("overrun", st, &err);
  // CHECK: overrun: [OUT_OF_BOUNDS] kernel 'overrun': out-of-bounds write of buffer 'y'
  // CHECK-SAME: ({{.}}{{.}}buffer(0){{.}}{{.}}, 32 bytes = 8 elements of float) at element index 8
  // CHECK-SAME: (byte offset 32), in threadgroup (0,0,0), thread (0,0,0) of the threadgroup,
  // CHECK-SAME: thread_position_in_grid (0,0,0)
  enigmaRuntimeCpuKernelDestroy(o);

  // Reading x[-1], on the same page as x[0]: only exact checking sees it.
  st = enigmaRuntimeCpuKernelCreate(kSource, strlen(kSource), "before", NULL, &o, &err);
  if (st != ENIGMA_RUNTIME_OK) {
    report("create before", st, &err);
    return 1;
  }
  printf("bounds check: %s\n",
         enigmaRuntimeCpuKernelGetBoundsCheck(o) == ENIGMA_CPU_BOUNDS_CHECK_EXACT   ? "exact"
         : enigmaRuntimeCpuKernelGetBoundsCheck(o) == ENIGMA_CPU_BOUNDS_CHECK_GUARD ? "guard"
                                                                                    : "?");
  // EXACT: bounds check: exact
  // GUARD: bounds check: guard
  // Real address spaces wherever clang and the plugin are used (the default mode).
  printf("address spaces: %s\n",
         enigmaRuntimeCpuKernelGetAddressSpaces(o) == ENIGMA_CPU_ADDRESS_SPACES_REAL ? "real"
         : enigmaRuntimeCpuKernelGetAddressSpaces(o) == ENIGMA_CPU_ADDRESS_SPACES_ERASED
             ? "erased"
             : "?");
  // EXACT: address spaces: real
  // GUARD: address spaces: erased
  float bx[4] = {1, 2, 3, 4}, by[4] = {0};
  EnigmaCpuArg bargs[2] = {{bx, sizeof(bx)}, {by, sizeof(by)}};
  EnigmaCpuLaunchConfig four = {{4, 1, 1}, {4, 1, 1}, 1, 0, 0};
  st = enigmaRuntimeCpuKernelLaunch(o, bargs, 2, &four, &err);
  report("before", st, &err);
  // EXACT: before: [OUT_OF_BOUNDS] kernel 'before': out-of-bounds read of buffer 'x'
  // EXACT-SAME: 16 bytes = 4 elements of float) at element index -1 (byte offset -4), in
  // EXACT-SAME: thread_position_in_grid (0,0,0), at before.metal:18:10
  // GUARD: before: [OK] (no message)
  enigmaRuntimeCpuKernelDestroy(o);
  printf("kernel after destroy: %d\n", (int)enigmaRuntimeCpuKernelGetBoundsCheck(NULL));
  // CHECK: kernel after destroy: 0
  printf("address spaces of NULL: %d\n", (int)enigmaRuntimeCpuKernelGetAddressSpaces(NULL));
  // CHECK: address spaces of NULL: 0

  // Exact checking needs the clang the plugin was built for.
  EnigmaCpuCompileOptions exactSh = {"/bin/sh", NULL, NULL, ENIGMA_CPU_BOUNDS_CHECK_EXACT};
  st = enigmaRuntimeCpuKernelCreate(kSource, strlen(kSource), "scale", &exactSh, &o, &err);
  report("exact with sh", st, &err);
  // CHECK: exact with sh: [UNSUPPORTED] kernel 'scale': exact bounds checking is not available:
  EnigmaCpuCompileOptions badMode = {NULL, NULL, NULL, (EnigmaCpuBoundsCheck)7};
  st = enigmaRuntimeCpuKernelCreate(kSource, strlen(kSource), "scale", &badMode, &o, &err);
  report("bad mode", st, &err);
  // CHECK: bad mode: [INVALID_ARGUMENT] unknown bounds-check mode 7

  st = enigmaRuntimeCpuKernelCreate(kSource, strlen(kSource), "absent", NULL, &o, &err);
  report("absent", st, &err);
  // CHECK: absent: [UNSUPPORTED] kernel 'absent' not found in the MSL source (kernels found:
  // CHECK-SAME: scale, overrun, before)
  printf("handle after failure: %s\n", o ? "set" : "NULL");
  // CHECK: handle after failure: NULL

  const char *bad = "kernel void bad(device float* y [[buffer(0)]]) { y[0] = nope; }\n";
  st = enigmaRuntimeCpuKernelCreate(bad, strlen(bad), "bad", NULL, &o, &err);
  report("bad", st, &err);
  // The first error, located in the kernel's source, then where the full output went.
  // CHECK: bad: [COMPILE] bad.metal:1:{{[0-9]+}}: error: {{.*}}nope
  // CHECK-NEXT: (host compiler failed on kernel 'bad' (exit status 1): {{.*}}; full output: {{.*}}.log)

  EnigmaCpuCompileOptions opts = {"/nonexistent/c++", NULL, NULL, ENIGMA_CPU_BOUNDS_CHECK_DEFAULT};
  st = enigmaRuntimeCpuKernelCreate(kSource, strlen(kSource), "scale", &opts, &o, &err);
  report("no compiler", st, &err);
  // CHECK: no compiler: [SYSTEM] host C++ compiler '/nonexistent/c++' (from the options) not
  // CHECK-SAME: found or not executable

  st = enigmaRuntimeCpuKernelCreate(NULL, 0, "x", NULL, NULL, &err);
  report("null out", st, &err);
  // CHECK: null out: [INVALID_ARGUMENT] enigmaRuntimeCpuKernelCreate: NULL kernel out-parameter

  enigmaRuntimeCpuKernelDestroy(NULL);
  enigmaRuntimeErrorDestroy(NULL);
  printf("workers: %s\n", enigmaRuntimeCpuGetNumWorkers() >= 1 ? "yes" : "no");
  // CHECK: workers: yes
  return 0;
}
