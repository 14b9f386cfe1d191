//===- TraceImport.h - JSON trace -> enigma IR -----------------*- C++ -*-===//
//
// The trace is what the Python tracer records when it runs a kernel body on symbolic values:
// the kernel signature and a flat SSA op list with nested regions, every op carrying the user's
// Python source location. docs/trace-format.md specifies it. The importer is generic: ops are
// built by name from MLIR textual types and attributes, then the kernel is verified.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_TARGET_TRACE_TRACEIMPORT_H
#define ENIGMA_TARGET_TRACE_TRACEIMPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

namespace mlir {
class MLIRContext;
namespace enigma {

/// The trace format version this importer reads.
constexpr int64_t kTraceFormatVersion = 1;

/// Imports a JSON trace into a new module holding one `enigma.kernel`, and verifies it.
/// Every problem (malformed JSON, a wrong version, missing fields, unknown ops, bad value ids,
/// unparsable types or attributes, verifier failures) is emitted as a diagnostic on `ctx`, at
/// the Python source location of the offending op where the trace has one; the result is then
/// null. `bufferName` names the trace in diagnostics that have no op location (JSON syntax
/// errors). The dialects the trace uses must be registered with (or loaded in) `ctx`.
OwningOpRef<ModuleOp> importTrace(llvm::StringRef json, MLIRContext *ctx,
                                  llvm::StringRef bufferName = "<trace>");

/// Registers `--import-trace` with mlir-translate's registry (enigma-translate).
void registerImportTraceTranslation();

} // namespace enigma
} // namespace mlir

#endif // ENIGMA_TARGET_TRACE_TRACEIMPORT_H
