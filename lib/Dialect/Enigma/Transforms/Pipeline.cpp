//===- Pipeline.cpp - enigma-pipeline -------------------------------------===//
//
// The one pipeline enigma.compile() runs (through the C API); `enigma-opt
// --enigma-pipeline=vec-width=N` reproduces it exactly.
//
//===----------------------------------------------------------------------===//

#include "enigma/Dialect/Enigma/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::enigma;

void mlir::enigma::buildPipeline(OpPassManager &pm, const PipelineOptions &options) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createEnigmaCheckLayoutDivisions());
  pm.addPass(createEnigmaLowerLayouts());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (options.vecWidth != 0) {
    EnigmaVectorizeOptions vectorize;
    vectorize.vecWidth = options.vecWidth;
    pm.addPass(createEnigmaVectorize(vectorize));
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }
}

void mlir::enigma::registerEnigmaPassesAndPipeline() {
  registerEnigmaPasses();
  PassPipelineRegistration<PipelineOptions>(
      "enigma-pipeline",
      "The Enigma compile pipeline: canonicalize, cse, check layout divisions, lower layouts, "
      "canonicalize, cse, and vectorize when vec-width is not 0",
      buildPipeline);
}
