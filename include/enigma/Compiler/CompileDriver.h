//===- CompileDriver.h - Trace (or MLIR) -> MLIR -> MSL ---------*- C++ -*-===//
//
// The one compile entry point behind enigma.compile(): import a JSON trace, run the registered
// `enigma-pipeline`, translate to MSL. It is the C++ side of enigma-c/Compiler.h and is exactly
// `enigma-translate --import-trace | enigma-opt --enigma-pipeline | enigma-translate --to-msl`.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_COMPILER_COMPILEDRIVER_H
#define ENIGMA_COMPILER_COMPILEDRIVER_H

#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace mlir {
namespace enigma {

struct CompileOptions {
  /// `vec-width` of enigma-pipeline (0: no vectorization).
  unsigned vecWidth = 0;
  /// When non-empty, the trace, the IR after import and after every pass (numbered) and the MSL
  /// are written into this directory (created if needed).
  std::string dumpDir;
  /// compileMLIR: the name diagnostics give the MLIR text (a file path, say); "<mlir>" if empty.
  std::string sourceName;
};

/// One diagnostic, located at the user's Python source where the IR has a location.
struct CompileDiagnostic {
  std::string severity; ///< "error", "warning", "remark" or "note"
  std::string file;     ///< empty when the diagnostic has no file location
  unsigned line = 0;
  unsigned col = 0;
  std::string message;
};

struct CompileResult {
  bool succeeded = false;
  std::string mlir;     ///< the IR after the pipeline (empty if import failed)
  std::string msl;      ///< Metal Shading Language (empty on failure)
  std::string metadata; ///< JSON: {"pipeline": ..., "kernels": [{name, entry, coarsen, params}]}
  std::vector<CompileDiagnostic> diagnostics;

  /// The diagnostics as a JSON array of {severity, file, line, col, message}.
  std::string diagnosticsJSON() const;
  /// The diagnostics as compiler-style text, one per line: `file:line:col: error: message`.
  std::string diagnosticsText() const;
};

/// Compiles `trace`. Thread-safe: concurrent calls use distinct MLIR contexts.
CompileResult compileTrace(llvm::StringRef trace, const CompileOptions &options);

/// Compiles MLIR text: a module of enigma.kernels (run through enigma-pipeline), or upstream IR
/// (linalg on tensors or memrefs, scf.parallel, gpu.launch, gpu.module/gpu.func, host functions)
/// run through gpu-lower-to-enigma-pipeline; then every kernel is translated to MSL (host code
/// is not). Thread-safe; each call uses its own context.
CompileResult compileMLIR(llvm::StringRef text, const CompileOptions &options);

/// The pipeline elements compileMLIR runs on the module: enigma-pipeline for Enigma-only IR,
/// gpu-lower-to-enigma-pipeline otherwise.
std::string getMLIRModulePipeline(bool enigmaOnly, unsigned vecWidth);

/// The textual pass pipeline compileTrace runs for `vecWidth`.
std::string getPipelineString(unsigned vecWidth);

} // namespace enigma
} // namespace mlir

#endif // ENIGMA_COMPILER_COMPILEDRIVER_H
