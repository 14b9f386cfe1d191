//===- Registration.h - Enigma's translations -------------------*- C++ -*-===//

#ifndef ENIGMA_TARGET_REGISTRATION_H
#define ENIGMA_TARGET_REGISTRATION_H

#if __has_include("enigma/Target/MSL/MSLEmitter.h")
#include "enigma/Target/MSL/MSLEmitter.h"
#define ENIGMA_HAVE_MSL 1
#endif
#if __has_include("enigma/Target/Trace/TraceImport.h")
#include "enigma/Target/Trace/TraceImport.h"
#define ENIGMA_HAVE_TRACE 1
#endif

namespace mlir {
namespace enigma {

/// Registers every Enigma translation with mlir-translate's registry.
inline void registerAllTranslations() {
#ifdef ENIGMA_HAVE_MSL
  registerToMSLTranslation();
#endif
#ifdef ENIGMA_HAVE_TRACE
  registerImportTraceTranslation();
#endif
}

} // namespace enigma
} // namespace mlir

#endif // ENIGMA_TARGET_REGISTRATION_H
