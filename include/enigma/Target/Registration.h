//===- Registration.h - Enigma's translations -------------------*- C++ -*-===//

#ifndef ENIGMA_TARGET_REGISTRATION_H
#define ENIGMA_TARGET_REGISTRATION_H

#include "enigma/Target/MSL/MSLEmitter.h"
#include "enigma/Target/Trace/TraceImport.h"

namespace mlir {
namespace enigma {

/// Registers every Enigma translation with mlir-translate's registry: --to-msl and
/// --import-trace.
inline void registerAllTranslations() {
  registerToMSLTranslation();
  registerImportTraceTranslation();
}

} // namespace enigma
} // namespace mlir

#endif // ENIGMA_TARGET_REGISTRATION_H
