/*===- compile-mlir-capi.c - enigmaCompileMLIR from C ---------------------===*\
|*                                                                            *|
|* A C client compiles MLIR text through the C API: upstream IR (linalg,      *|
|* gpu.launch, scf.parallel) goes through gpu-lower-to-enigma-pipeline,       *|
|* Enigma IR through enigma-pipeline; diagnostics carry the given source name.*|
\*===----------------------------------------------------------------------===*/

// RUN: %host_cc %s -I%enigma_src_root/include -L%enigma_lib_dir -lEnigmaCAPI \
// RUN:   -Wl,-rpath,%enigma_lib_dir -o %t
// RUN: %t %enigma_src_root/test/Conversion/GPUToEnigma/Inputs/more-kernels.mlir 2>&1 | FileCheck %s

#include "enigma-c/Compiler.h"

#include "../Inputs/ReadFile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *kEnigmaIR =
    "enigma.kernel @twice(%a: memref<?xf32, #enigma.address_space<device>> "
    "{enigma.buffer_index = 0 : i32}) {\n"
    "  %i = enigma.thread_position_in_grid x\n"
    "  %v = memref.load %a[%i] : memref<?xf32, #enigma.address_space<device>>\n"
    "  %w = arith.addf %v, %v : f32\n"
    "  memref.store %w, %a[%i] : memref<?xf32, #enigma.address_space<device>>\n"
    "  enigma.return\n"
    "}\n";

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  size_t length = 0;
  char *text = readFile(argv[1], &length);
  if (!text)
    return 2;

  // Upstream IR with vec-width 4: every kernel is translated, host code is not.
  // CHECK: succeeded: 1
  // CHECK-NEXT: pipeline: "pipeline":"builtin.module(gpu-lower-to-enigma-pipeline{vec-width=4})"
  // CHECK-NEXT: kernel void enigma_kernel_row_sum_kernel(
  // CHECK-NEXT: kernel void enigma_kernel_transpose_kernel(
  // CHECK-NEXT: kernel void enigma_kernel_axpy_kernel(
  // CHECK-NEXT: kernel void enigma_kernel_rotate_kernel(
  // CHECK-NEXT: host code in MSL: 0
  // CHECK-NEXT: remark: more-kernels.mlir:6:8: remark: kernel 'row_sum_kernel' left scalar
  EnigmaCompileOptions options;
  enigmaCompileOptionsInit(&options);
  options.vecWidth = 4;
  options.sourceName = "more-kernels.mlir";
  EnigmaCompileResult r = enigmaCompileMLIR(text, length, &options);
  printf("succeeded: %d\n", enigmaCompileResultSucceeded(r));
  const char *meta = enigmaCompileResultGetMetadata(r);
  const char *pipeline = strstr(meta, "\"pipeline\"");
  printf("pipeline: %.*s\n", (int)(strchr(pipeline + 12, '"') - pipeline + 1), pipeline);
  const char *msl = enigmaCompileResultGetMSL(r);
  for (const char *k = strstr(msl, "kernel void"); k; k = strstr(k + 1, "kernel void"))
    printf("%.*s\n", (int)(strchr(k, '(') - k + 1), k);
  printf("host code in MSL: %d\n", strstr(msl, "launch") != NULL);
  const char *diags = enigmaCompileResultGetDiagnosticsText(r);
  printf("remark: %.*s\n", (int)(strchr(diags, '\n') - diags), diags);
  enigmaCompileResultDestroy(r);

  // Enigma IR (only enigma.kernels) runs enigma-pipeline.
  // CHECK-NEXT: succeeded: 1
  // CHECK-NEXT: {"kernels":[{"block_size":null,"coarsen":1,"entry":"enigma_kernel_twice"
  // CHECK-SAME: "pipeline":"builtin.module(enigma-pipeline{vec-width=0})"
  r = enigmaCompileMLIR(kEnigmaIR, strlen(kEnigmaIR), NULL);
  printf("succeeded: %d\n", enigmaCompileResultSucceeded(r));
  printf("%s\n", enigmaCompileResultGetMetadata(r));
  enigmaCompileResultDestroy(r);

  // Errors are located in the MLIR text; a gpu op without an Enigma equivalent is one.
  // CHECK-NEXT: succeeded: 0
  // CHECK-NEXT: <mlir>:1:14: error: expected non-function type
  const char *bad = "func.func @f( {";
  r = enigmaCompileMLIR(bad, strlen(bad), NULL);
  printf("succeeded: %d\n", enigmaCompileResultSucceeded(r));
  printf("%s", enigmaCompileResultGetDiagnosticsText(r));
  enigmaCompileResultDestroy(r);
  // CHECK-NEXT: succeeded: 0
  // CHECK-NEXT: k.mlir:3:10: error: convert-gpu-to-enigma: 'gpu.all_reduce' has no Enigma equivalent
  const char *unsupported =
      "gpu.module @m {\n"
      "  gpu.func @k(%v: f32) kernel {\n"
      "    %s = gpu.all_reduce add %v uniform {} : (f32) -> f32\n"
      "    gpu.return\n"
      "  }\n"
      "}\n";
  options.vecWidth = 0;
  options.sourceName = "k.mlir";
  r = enigmaCompileMLIR(unsupported, strlen(unsupported), &options);
  printf("succeeded: %d\n", enigmaCompileResultSucceeded(r));
  printf("%s", enigmaCompileResultGetDiagnosticsText(r));
  enigmaCompileResultDestroy(r);

  // NULL text is an empty module: nothing to translate, and no crash.
  // CHECK-NEXT: null text: 1
  r = enigmaCompileMLIR(NULL, 0, NULL);
  printf("null text: %d\n", enigmaCompileResultSucceeded(r));
  enigmaCompileResultDestroy(r);
  free(text);
  return 0;
}
