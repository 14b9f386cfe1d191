//===- Dialects.cpp - C API of the enigma dialect -------------------------===//

#include "enigma-c/Dialects.h"

#include "enigma/InitAll.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"


MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Enigma, enigma, mlir::enigma::EnigmaDialect)

void enigmaRegisterAllDialects(MlirDialectRegistry registry) {
  mlir::enigma::registerAllDialects(*unwrap(registry));
}

void enigmaRegisterAllPasses(void) { mlir::enigma::registerAllPasses(); }
