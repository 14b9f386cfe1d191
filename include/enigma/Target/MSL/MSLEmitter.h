//===- MSLEmitter.h - enigma kernels to Metal Shading Language --*- C++ -*-===//
//
// The MSL translation: every `enigma.kernel` of a module becomes one `kernel void
// enigma_kernel_<name>(...)` of a Metal Shading Language source. The translation is a mandatory
// prepare step (names, threadgroup hoisting, buffer access analysis) followed by a printer that
// never mutates IR. Anything that cannot be expressed exactly is an error at the offending op;
// output is written only when the whole module translated. docs/msl-translation.md describes
// every mapping rule.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_TARGET_MSL_MSLEMITTER_H
#define ENIGMA_TARGET_MSL_MSLEMITTER_H

#include "mlir/IR/Location.h"
#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace mlir::enigma {

/// One `[[buffer(i)]]` parameter of a translated kernel.
struct MSLParamInfo {
  std::string name;
  unsigned bufferIndex;
  bool isScalar;
  std::string mslType;     ///< e.g. "device const float*", "constant uint&"
  std::string elementType; ///< MLIR element type string: "f32", "i32", "vector<4xf32>"
  std::string access;      ///< "read", "write", "read_write" (derived from body), "" for scalars
  bool isAtomic;
  bool isUnsigned; ///< integer element declared with an unsigned MSL type (atomic_uint, uint...)
  std::string implicit; ///< what the launcher passes itself ("threads_per_grid.x"), or ""
};

/// Where the MSL from line `mslLine` on comes from: the file, line and column of the op that
/// printed it (the user's Python source, for traced kernels). Up to the next entry.
struct MSLSourcePosition {
  unsigned mslLine; ///< 1-based line of the whole MSL text
  std::string file;
  unsigned line;
  unsigned column;
};

/// A Metal function constant a kernel reads (declared at file scope of the MSL).
struct MSLFunctionConstantInfo {
  unsigned index;          ///< [[function_constant(index)]]
  std::string name;        ///< the MSL name: enigma_fc_<index> or the legalized given name
  std::string mslType;     ///< "float", "int", "uint", "bool", ...
  std::string elementType; ///< MLIR type string: "f32", "i32", "i1"
  bool isUnsigned;         ///< declared with an unsigned MSL integer type
};

/// What a launcher needs to know about one translated kernel.
struct MSLKernelInfo {
  std::string kernelName; ///< source symbol name
  std::string entryName;  ///< enigma_kernel_<name>
  unsigned coarsen;
  /// The threadgroup size every launch must use (the kernel's known_block_size), if any.
  std::optional<std::array<uint64_t, 3>> blockSize;
  std::vector<MSLParamInfo> params; ///< in buffer-index order
  /// The function constants the kernel reads, by increasing index.
  std::vector<MSLFunctionConstantInfo> functionConstants;
  /// The kernel body's source map, by increasing mslLine; an entry only where the position
  /// changes. Ops without a file location (unknown, or line 0) continue the previous entry.
  std::vector<MSLSourcePosition> sourceMap;
};

/// Options of translateToMSL.
struct MSLTranslateOptions {
  /// Non-empty: in a host module, translate only the gpu.module or gpu.binary of this name.
  std::string module;
};

/// Translates every enigma.kernel in `module` to MSL, appending to `os` only on success.
/// `module` is an `enigma.kernel`, a module (builtin or `gpu.module`) holding enigma.kernels, or
/// a host module as upstream GPU pipelines leave it: the kernels of its gpu.modules are
/// translated (host code is skipped), or, when only a `gpu.binary` with an `#enigma.target` MSL
/// object is left, that object's text is the output (`kernels` is then left empty).
/// Diagnostics go through the context's diagnostic engine at the offending op's location.
LogicalResult translateToMSL(Operation *module, llvm::raw_ostream &os,
                             std::vector<MSLKernelInfo> *kernels = nullptr,
                             const MSLTranslateOptions &options = {});

/// The source position `loc` stands for: its first file location with a line (through names,
/// call sites, callee first, and fusions), as the MSL source map and the compile driver's
/// diagnostics report it; nullopt for unknown locations and line 0 (a trace without positions).
std::optional<FileLineColLoc> findSourcePosition(Location loc);

/// Registers --to-msl with mlir-translate.
void registerToMSLTranslation();

/// The kernels' metadata as the one JSON format every client reads (C API, compiler, Python):
/// `[{"name", "entry", "coarsen", "params": [{"name", "buffer_index", "is_scalar", "msl_type",
/// "element_type", "access", "is_atomic", "is_unsigned", "implicit"}],
///   "source_map": [[msl_line, file, line, column], ...]}]`.
llvm::json::Array kernelsToJSON(llvm::ArrayRef<MSLKernelInfo> kernels);

} // namespace mlir::enigma

#endif // ENIGMA_TARGET_MSL_MSLEMITTER_H
