/*===- capi-translate.c - C API of the MSL translation --------------------===*\
|*                                                                            *|
|* Translates a module through libEnigmaCAPI.so exactly as a C client would:  *|
|* MSL text and metadata through callbacks on success; on failure, no text    *|
|* and the errors through the context's diagnostic handler.                   *|
\*===----------------------------------------------------------------------===*/

// REQUIRES: msl-capi-test
// RUN: enigma-msl-capi-test 2>&1 | FileCheck %s

#include "enigma-c/Dialects.h"
#include "enigma-c/Translation.h"
#include "mlir-c/Diagnostics.h"
#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#include <stdio.h>

static void printToStdout(MlirStringRef str, void *userData) {
  int *calls = (int *)userData;
  if (calls)
    ++*calls;
  fwrite(str.data, 1, str.length, stdout);
}

static MlirLogicalResult onDiagnostic(MlirDiagnostic diag, void *userData) {
  (void)userData;
  fprintf(stdout, "diagnostic: ");
  mlirDiagnosticPrint(diag, printToStdout, NULL);
  fprintf(stdout, "\n");
  return mlirLogicalResultSuccess();
}

static const char *kGood =
    "enigma.kernel @scale(%x: memref<?xf32, #enigma.address_space<device>>\n"
    "    {enigma.buffer_index = 0 : i32} loc(\"x\"),\n"
    "    %s: f32 {enigma.buffer_index = 1 : i32, enigma.scalar} loc(\"s\"))\n"
    "    attributes {enigma.coarsen = 4 : i32} {\n"
    "  %i = enigma.thread_position_in_grid x loc(\"i\")\n"
    "  %v = memref.load %x[%i] : memref<?xf32, #enigma.address_space<device>> loc(\"v\")\n"
    "  %w = arith.mulf %v, %s : f32 loc(\"w\"(\"scale.py\":7:9))\n"
    "  memref.store %w, %x[%i] : memref<?xf32, #enigma.address_space<device>> "
    "loc(\"scale.py\":8:5)\n"
    "  enigma.return\n"
    "}\n";

static const char *kBad =
    "enigma.kernel @bad(%x: memref<?xf64, #enigma.address_space<device>>\n"
    "    {enigma.buffer_index = 0 : i32}) {\n"
    "  %i = enigma.thread_position_in_grid x\n"
    "  %v = memref.load %x[%i] : memref<?xf64, #enigma.address_space<device>>\n"
    "  memref.store %v, %x[%i] : memref<?xf64, #enigma.address_space<device>>\n"
    "  enigma.return\n"
    "}\n";

int main(void) {
  MlirContext ctx = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  enigmaRegisterAllDialects(registry);
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  mlirContextLoadAllAvailableDialects(ctx);
  mlirContextAttachDiagnosticHandler(ctx, onDiagnostic, NULL, NULL);

  MlirModule good = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(kGood));
  if (mlirModuleIsNull(good)) {
    printf("parse failed\n");
    return 1;
  }
  // CHECK: #include <metal_stdlib>
  // CHECK: kernel void enigma_kernel_scale(device float* x {{\[\[}}buffer(0)]],
  // CHECK-NEXT: constant float& s {{\[\[}}buffer(1)]],
  // CHECK-NEXT: uint3 thread_position_in_grid {{\[\[}}thread_position_in_grid]]) {
  // CHECK: float w = v * s;
  // CHECK: x[i] = w;
  int calls = 0;
  MlirLogicalResult ok =
      enigmaTranslateModuleToMSL(mlirModuleGetOperation(good), printToStdout, &calls);
  // CHECK: translated: 1, callback called: 1
  printf("translated: %d, callback called: %d\n", (int)mlirLogicalResultIsSuccess(ok),
         calls > 0);

  // The metadata reports the coarsening, the derived access of each parameter and where the
  // MSL lines come from.
  // CHECK: {"kernels":[{"block_size":null,"coarsen":4,"entry":"enigma_kernel_scale","function_constants":[],"name":"scale","params":[
  // CHECK-SAME: {"access":"read_write","buffer_index":0,"element_type":"f32","implicit":"","is_atomic":false,"is_scalar":false,"is_unsigned":false,"msl_type":"device float*","name":"x"},
  // CHECK-SAME: {"access":"","buffer_index":1,"element_type":"f32","implicit":"","is_atomic":false,"is_scalar":true,"is_unsigned":false,"msl_type":"constant float&","name":"s"}],
  // The source map: from MSL line 9 on, the code comes from scale.py:7:9, and so on (ops with
  // only a name, like %v, have no position; the parser gives the others "-", the input).
  // CHECK-SAME: "source_map":{{\[}}[9,"scale.py",7,9],[10,"scale.py",8,5],[11,"-",9,3]]}]}
  calls = 0;
  ok = enigmaTranslateModuleToMSLWithMetadata(mlirModuleGetOperation(good), NULL,
                                              printToStdout, &calls);
  printf("\n");
  // CHECK: metadata: 1
  printf("metadata: %d\n", (int)mlirLogicalResultIsSuccess(ok));
  mlirModuleDestroy(good);

  // An untranslatable module: a diagnostic at the op, failure, and no text at all.
  MlirModule bad = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(kBad));
  if (mlirModuleIsNull(bad)) {
    printf("parse failed\n");
    return 1;
  }
  // CHECK: diagnostic: cannot translate to MSL: buffer argument #0 has element type 'f64' with no exact MSL equivalent
  // CHECK: failed: 1, callback called: 0
  calls = 0;
  MlirLogicalResult failed =
      enigmaTranslateModuleToMSL(mlirModuleGetOperation(bad), printToStdout, &calls);
  printf("failed: %d, callback called: %d\n", (int)mlirLogicalResultIsFailure(failed), calls);
  mlirModuleDestroy(bad);

  mlirContextDestroy(ctx);
  return 0;
}
