/*===- FunctionConstantsCAPITest.c - Function constants in the C runtime API -===*\
|*                                                                            *|
|* Metal function constants through enigma-c/Runtime.h: the declarations a    *|
|* kernel's source makes, launches specialized for two value sets, optional   *|
|* constants (is_function_constant_defined), and every error.                 *|
\*===----------------------------------------------------------------------===*/

// RUN: enigma-runtime-function-constants-test 2>&1 | FileCheck %s

#include "enigma-c/Runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *kSource =
    "#include <metal_stdlib>\n"
    "using namespace metal;\n"
    "constant float scale [[function_constant(0)]];\n"
    "constant bool use_bias [[function_constant(1)]];\n"
    "constant int repeat [[function_constant(2)]];\n"
    "constant int times = is_function_constant_defined(repeat) ? repeat : 1;\n"
    "constant float bias = use_bias ? 0.5f : 0.0f;\n"
    "kernel void affine(device const float* x [[buffer(0)]], device float* y [[buffer(1)]],\n"
    "                   uint i [[thread_position_in_grid]]) {\n"
    "  float v = x[i];\n"
    "  for (int r = 0; r < times; ++r)\n"
    "    v = v * scale + bias;\n"
    "  y[i] = v;\n"
    "}\n";

static const char *kStatus[] = {"OK",           "INVALID_ARGUMENT", "UNSUPPORTED",
                                "COMPILE",      "SYSTEM",           "OUT_OF_BOUNDS",
                                "DIVERGENT_BARRIER", "KERNEL_FAULT", "TIMEOUT"};

static void report(const char *what, EnigmaRuntimeStatus st, EnigmaRuntimeError *err) {
  printf("%s: [%s] %s\n", what, kStatus[st], err->message ? err->message : "(no message)");
  enigmaRuntimeErrorDestroy(err);
}

static EnigmaRuntimeStatus run(EnigmaCpuKernel k, const EnigmaCpuFunctionConstantValue *values,
                               size_t n, float *y, EnigmaRuntimeError *err) {
  float x[4] = {1, 2, 3, 4};
  memset(y, 0, 4 * sizeof(float));
  EnigmaCpuArg args[2] = {{x, sizeof(x)}, {y, 4 * sizeof(float)}};
  EnigmaCpuLaunchConfig cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.grid[0] = 4, cfg.grid[1] = cfg.grid[2] = 1;
  cfg.block[0] = 4, cfg.block[1] = cfg.block[2] = 1;
  return enigmaRuntimeCpuKernelLaunchWithConstants(k, args, 2, values, n, &cfg, err);
}

int main(void) {
  EnigmaRuntimeError err = {ENIGMA_RUNTIME_OK, NULL};
  EnigmaCpuKernel k = NULL;
  EnigmaRuntimeStatus st =
      enigmaRuntimeCpuKernelCreate(kSource, strlen(kSource), "affine", NULL, &k, &err);
  if (st != ENIGMA_RUNTIME_OK) {
    report("create", st, &err);
    return 1;
  }
  size_t n = enigmaRuntimeCpuKernelGetNumFunctionConstants(k);
  printf("%zu function constants\n", n);
  // CHECK: 3 function constants
  for (size_t i = 0; i < n; ++i) {
    EnigmaCpuFunctionConstant fc;
    if (enigmaRuntimeCpuKernelGetFunctionConstant(k, i, &fc, &err) != ENIGMA_RUNTIME_OK)
      return 1;
    printf("constant %s: index %u, %s, %u bytes, %s\n", fc.name, fc.index, fc.typeName, fc.size,
           fc.required ? "required" : "optional");
  }
  // CHECK-NEXT: constant scale: index 0, float, 4 bytes, required
  // CHECK-NEXT: constant use_bias: index 1, bool, 1 bytes, required
  // CHECK-NEXT: constant repeat: index 2, int, 4 bytes, optional
  EnigmaCpuFunctionConstant fc;
  report("get 3", enigmaRuntimeCpuKernelGetFunctionConstant(k, 3, &fc, &err), &err);
  // CHECK-NEXT: get 3: [INVALID_ARGUMENT] kernel 'affine' has 3 function constants; there is no function constant 3

  float y[4];
  float two = 2.0f, half = 0.5f;
  bool yes = true, no = false;
  int three = 3;
  EnigmaCpuFunctionConstantValue a[] = {{0, &two, 4}, {1, &no, 1}};
  st = run(k, a, 2, y, &err);
  printf("scale 2, no bias: [%s] %g %g %g %g\n", kStatus[st], y[0], y[1], y[2], y[3]);
  // CHECK-NEXT: scale 2, no bias: [OK] 2 4 6 8
  EnigmaCpuFunctionConstantValue b[] = {{2, &three, 4}, {1, &yes, 1}, {0, &half, 4}};
  st = run(k, b, 3, y, &err);
  printf("scale 0.5, bias, 3 times: [%s] %g %g %g %g\n", kStatus[st], y[0], y[1], y[2], y[3]);
  // x -> x/2 + 1/2, three times: (x + 7) / 8
  // CHECK-NEXT: scale 0.5, bias, 3 times: [OK] 1 1.125 1.25 1.375
  st = run(k, a, 2, y, &err);
  printf("first values again: [%s] %g %g %g %g\n", kStatus[st], y[0], y[1], y[2], y[3]);
  // CHECK-NEXT: first values again: [OK] 2 4 6 8

  report("missing", run(k, a, 1, y, &err), &err);
  // CHECK-NEXT: missing: [INVALID_ARGUMENT] kernel 'affine': function constant 'use_bias' ({{\[\[}}function_constant(1)]], bool) has no value; pass one at launch (only constants the kernel tests with is_function_constant_defined(use_bias) may be left undefined)
  report("none", run(k, NULL, 0, y, &err), &err);
  // CHECK-NEXT: none: [INVALID_ARGUMENT] kernel 'affine': function constant 'scale' ({{\[\[}}function_constant(0)]], float) has no value
  EnigmaCpuFunctionConstantValue unknown[] = {{0, &two, 4}, {1, &no, 1}, {7, &two, 4}};
  report("unknown", run(k, unknown, 3, y, &err), &err);
  // CHECK-NEXT: unknown: [INVALID_ARGUMENT] kernel 'affine' has no function constant with index 7 (its function constants: scale (0, float), use_bias (1, bool), repeat (2, int))
  EnigmaCpuFunctionConstantValue size[] = {{0, &two, 8}, {1, &no, 1}};
  report("size", run(k, size, 2, y, &err), &err);
  // CHECK-NEXT: size: [INVALID_ARGUMENT] kernel 'affine': the value of function constant 'scale' (index 0, float) must be 4 bytes, got 8
  unsigned char notBool = 2;
  EnigmaCpuFunctionConstantValue badBool[] = {{0, &two, 4}, {1, &notBool, 1}};
  report("bool", run(k, badBool, 2, y, &err), &err);
  // CHECK-NEXT: bool: [INVALID_ARGUMENT] kernel 'affine': the value of bool function constant 'use_bias' (index 1) must be the byte 0 or 1, got 2
  EnigmaCpuFunctionConstantValue twice[] = {{0, &two, 4}, {0, &two, 4}, {1, &no, 1}};
  report("twice", run(k, twice, 3, y, &err), &err);
  // CHECK-NEXT: twice: [INVALID_ARGUMENT] kernel 'affine': function constant 'scale' (index 0) is given twice
  enigmaRuntimeCpuKernelDestroy(k);

  // Declarations the runtime rejects.
  const char *bad[] = {
      "constant float4 v [[function_constant(0)]];\nkernel void f() {}\n",
      "constant int a [[function_constant(0)]];\nconstant int b [[function_constant(0)]];\n"
      "kernel void f() {}\n",
      "constant int a [[function_constant(70000)]];\nkernel void f() {}\n",
      "constant int a [[function_constant(0)]];\n"
      "kernel void f() { bool d = is_function_constant_defined(b); }\n",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
    st = enigmaRuntimeCpuKernelCreate(bad[i], strlen(bad[i]), "f", NULL, &k, &err);
    report("bad", st, &err);
  }
  // CHECK-NEXT: bad: [UNSUPPORTED] line 1: function constant 'v' has type 'float4'; the CPU runtime supports scalar function constants
  // CHECK-NEXT: bad: [UNSUPPORTED] line 2: function constant 'b' (index 0) is declared twice, or shares its index with 'a' (line 1)
  // CHECK-NEXT: bad: [UNSUPPORTED] line 1: function constant index '70000' is not an integer in [0, 65535]
  // CHECK-NEXT: bad: [UNSUPPORTED] line 2: is_function_constant_defined(b): 'b' is not a function constant of this source

  // A kernel without function constants refuses values.
  const char *plain = "kernel void g(device float* y [[buffer(0)]]) { y[0] = 1; }\n";
  st = enigmaRuntimeCpuKernelCreate(plain, strlen(plain), "g", NULL, &k, &err);
  if (st != ENIGMA_RUNTIME_OK) {
    report("create plain", st, &err);
    return 1;
  }
  float one = 0;
  EnigmaCpuArg arg = {&one, sizeof(one)};
  EnigmaCpuLaunchConfig cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.grid[0] = cfg.grid[1] = cfg.grid[2] = 1;
  cfg.block[0] = cfg.block[1] = cfg.block[2] = 1;
  report("plain", enigmaRuntimeCpuKernelLaunchWithConstants(k, &arg, 1, a, 1, &cfg, &err), &err);
  // CHECK-NEXT: plain: [INVALID_ARGUMENT] kernel 'g' has no function constant with index 0 (its function constants: none)
  st = enigmaRuntimeCpuKernelLaunchWithConstants(k, &arg, 1, NULL, 0, &cfg, &err);
  printf("plain without values: [%s] %g\n", kStatus[st], one);
  // CHECK-NEXT: plain without values: [OK] 1
  enigmaRuntimeCpuKernelDestroy(k);
  return 0;
}
