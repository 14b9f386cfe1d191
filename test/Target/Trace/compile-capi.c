/*===- compile-capi.c - enigma-c/Compiler.h from C ------------------------===*\
|*                                                                            *|
|* Compiles traces through the C API as a C client would: results, metadata,  *|
|* diagnostics with Python locations, NULL handling, and concurrent compiles  *|
|* from several threads producing identical MSL.                              *|
\*===----------------------------------------------------------------------===*/

// RUN: %host_cc %s -I%enigma_src_root/include -L%enigma_lib_dir -lEnigmaCAPI -lpthread \
// RUN:   -Wl,-rpath,%enigma_lib_dir -o %t
// RUN: %t %S/Inputs/vadd.json %S/Inputs/verify-error.json 2>&1 | FileCheck %s

#include "enigma-c/Compiler.h"

#include "../Inputs/ReadFile.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *gTrace;
static size_t gLength;
static char *gExpectedMSL;

enum { kThreads = 4, kIterations = 20 };

static void *compileMany(void *arg) {
  long *mismatches = arg;
  for (int i = 0; i < kIterations; ++i) {
    EnigmaCompileOptions options;
    enigmaCompileOptionsInit(&options);
    options.vecWidth = (i % 2) ? 4 : 0;
    EnigmaCompileResult r = enigmaCompileTrace(gTrace, gLength, &options);
    if (!enigmaCompileResultSucceeded(r))
      ++*mismatches;
    else if (options.vecWidth == 0 && strcmp(enigmaCompileResultGetMSL(r), gExpectedMSL) != 0)
      ++*mismatches;
    enigmaCompileResultDestroy(r);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3)
    return 2;
  size_t length = 0;
  char *trace = readFile(argv[1], &length);
  if (!trace)
    return 2;

  // CHECK: succeeded: 1
  // CHECK-NEXT: msl: kernel void enigma_kernel_vadd(
  // CHECK-NEXT: mlir: enigma.kernel @vadd
  // CHECK-NEXT: metadata: {"kernels":[{"block_size":null,"coarsen":1,"entry":"enigma_kernel_vadd",
  // CHECK-SAME: "name":"vadd","params":[{
  // CHECK-SAME: "pipeline":"builtin.module(enigma-pipeline{vec-width=0})"
  // CHECK-NEXT: diagnostics: []
  EnigmaCompileResult r = enigmaCompileTrace(trace, length, NULL);
  printf("succeeded: %d\n", enigmaCompileResultSucceeded(r));
  const char *msl = enigmaCompileResultGetMSL(r);
  const char *entry = strstr(msl, "kernel void");
  printf("msl: %.*s\n", (int)(strchr(entry, '(') - entry + 1), entry);
  const char *mlir = strstr(enigmaCompileResultGetMLIR(r), "enigma.kernel");
  printf("mlir: %.*s\n", (int)(strchr(mlir, '(') - mlir), mlir);
  printf("metadata: %s\n", enigmaCompileResultGetMetadata(r));
  printf("diagnostics: %s\n", enigmaCompileResultGetDiagnostics(r));
  gExpectedMSL = strdup(msl);
  enigmaCompileResultDestroy(r);

  // A trace the verifier rejects: the diagnostic carries the Python location.
  // CHECK-NEXT: succeeded: 0
  // CHECK-NEXT: msl: ''
  // CHECK-NEXT: diagnostics: [{"col":5,"file":"bad.py","line":16,
  // CHECK-SAME: "message":"'arith.addf' op result #0 must be floating-point-like,
  // CHECK-SAME: but got 'i32'","severity":"error"}]
  // CHECK-NEXT: text: bad.py:16:5: error: 'arith.addf' op result #0 must be
  // CHECK-SAME: floating-point-like, but got 'i32'
  size_t badLength = 0;
  char *bad = readFile(argv[2], &badLength);
  r = enigmaCompileTrace(bad, badLength, NULL);
  printf("succeeded: %d\n", enigmaCompileResultSucceeded(r));
  printf("msl: '%s'\n", enigmaCompileResultGetMSL(r));
  printf("diagnostics: %s\n", enigmaCompileResultGetDiagnostics(r));
  printf("text: %s", enigmaCompileResultGetDiagnosticsText(r));
  enigmaCompileResultDestroy(r);
  free(bad);

  // NULL and empty input are diagnostics, NULL handles are ignored.
  // CHECK-NEXT: null trace: 0 malformed JSON at 1:1: unexpected end of input, expected a value
  // CHECK-NEXT: null result: 0 '' ''
  r = enigmaCompileTrace(NULL, 0, NULL);
  const char *diag = strstr(enigmaCompileResultGetDiagnosticsText(r), "malformed");
  printf("null trace: %d %.*s\n", enigmaCompileResultSucceeded(r), (int)strcspn(diag, "\n"), diag);
  enigmaCompileResultDestroy(r);
  printf("null result: %d '%s' '%s'\n", enigmaCompileResultSucceeded(NULL),
         enigmaCompileResultGetMSL(NULL), enigmaCompileResultGetDiagnostics(NULL));
  enigmaCompileResultDestroy(NULL);

  // The pipeline string, also into a buffer that is too small.
  // CHECK-NEXT: pipeline: builtin.module(enigma-pipeline{vec-width=8}) (44)
  // CHECK-NEXT: truncated: builtin.module (44)
  char buffer[64];
  size_t n = enigmaCompilerGetPipeline(8, buffer, sizeof(buffer));
  printf("pipeline: %s (%zu)\n", buffer, n);
  n = enigmaCompilerGetPipeline(8, buffer, 15);
  printf("truncated: %s (%zu)\n", buffer, n);

  // Concurrent compiles.
  // CHECK-NEXT: threads: 4 x 20 compiles, 0 mismatches
  gTrace = trace;
  gLength = length;
  pthread_t threads[kThreads];
  long mismatches[kThreads] = {0};
  for (int t = 0; t < kThreads; ++t)
    pthread_create(&threads[t], NULL, compileMany, &mismatches[t]);
  long total = 0;
  for (int t = 0; t < kThreads; ++t) {
    pthread_join(threads[t], NULL);
    total += mismatches[t];
  }
  printf("threads: %d x %d compiles, %ld mismatches\n", kThreads, kIterations, total);
  free(gExpectedMSL);
  free(trace);
  return 0;
}
