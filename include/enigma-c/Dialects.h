/*===-- enigma-c/Dialects.h - C API of the enigma dialect --------*- C -*-===*\
|*                                                                            *|
|* Registration of the enigma dialect (and the upstream dialects Enigma IR    *|
|* uses) with an MLIR context, through MLIR's C API conventions.              *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef ENIGMA_C_DIALECTS_H
#define ENIGMA_C_DIALECTS_H

#include "enigma-c/Support.h"
#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

/// mlirGetDialectHandle__enigma__(): the handle of the enigma dialect alone.
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Enigma, enigma);

/// Inserts the enigma dialect and every upstream dialect Enigma IR uses (arith, math, scf,
/// memref, vector, func, ub) into `registry`, with their interfaces. The registry stays owned by
/// the caller.
ENIGMA_CAPI_EXPORTED void enigmaRegisterAllDialects(MlirDialectRegistry registry);

/// Registers Enigma's passes and pipelines and the upstream passes Enigma's tools expose, so
/// that mlirParsePassPipeline understands them. Idempotent and thread-safe.
ENIGMA_CAPI_EXPORTED void enigmaRegisterAllPasses(void);

#ifdef __cplusplus
}
#endif

#endif /* ENIGMA_C_DIALECTS_H */
