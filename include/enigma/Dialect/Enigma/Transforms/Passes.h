//===- Passes.h - Enigma passes and the compile pipeline --------*- C++ -*-===//

#ifndef ENIGMA_DIALECT_ENIGMA_TRANSFORMS_PASSES_H
#define ENIGMA_DIALECT_ENIGMA_TRANSFORMS_PASSES_H

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.h"

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir {
namespace enigma {

#define GEN_PASS_DECL
#include "enigma/Dialect/Enigma/Transforms/Passes.h.inc"

/// Options of `enigma-pipeline`, the one pipeline enigma.compile() runs.
struct PipelineOptions : public PassPipelineOptions<PipelineOptions> {
  Option<unsigned> vecWidth{*this, "vec-width",
                            llvm::cl::desc("Vectorize (thread-coarsen) by this width: 0 (off), "
                                           "2 or 4"),
                            llvm::cl::init(0)};
};

/// Adds the compile pipeline to `pm`: canonicalize, cse, enigma-check-layout-divisions,
/// enigma-lower-layouts, canonicalize, cse, then vectorization when vec-width != 0.
void buildPipeline(OpPassManager &pm, const PipelineOptions &options);

#define GEN_PASS_REGISTRATION
#include "enigma/Dialect/Enigma/Transforms/Passes.h.inc"

/// Registers the passes and `enigma-pipeline`.
void registerEnigmaPassesAndPipeline();

} // namespace enigma
} // namespace mlir

#endif // ENIGMA_DIALECT_ENIGMA_TRANSFORMS_PASSES_H
