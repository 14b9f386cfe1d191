//===- downstream-opt.cpp - An mlir-opt built on an installed Enigma ------===//
//
// A downstream project's driver: Enigma's dialect and passes (from the installed libraries,
// found with find_package(Enigma)), the upstream dialects and passes its input uses, its own
// pass (downstream-tag-kernels) and a pipeline composing them:
//
//   downstream-pipeline = convert-gpu-to-enigma,
//                         gpu.module(downstream-tag-kernels, canonicalize,
//                                    enigma-vectorize{vec-width=4}, canonicalize)
//
//===----------------------------------------------------------------------===//

#include "TagKernels.h"

#include "enigma/Conversion/Passes.h"
#include "enigma/InitAll.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

/// Builds downstream-pipeline with the passes' C++ constructors (the textual form above works
/// too, e.g. with --pass-pipeline).
static void buildDownstreamPipeline(OpPassManager &pm) {
  // Runs on the top-level module: converts the kernel gpu.funcs of every gpu.module.
  pm.addPass(enigma::createConvertGpuToEnigma());
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(downstream::createTagKernelsPass());
  // The conversion leaves unused index computations (block_id * block_dim + thread_id becomes
  // thread_position_in_grid, the product stays): enigma-vectorize refuses kernels that still
  // read the threadgroup position, so they go first.
  kernels.addPass(createCanonicalizerPass());
  enigma::EnigmaVectorizeOptions vectorize;
  vectorize.vecWidth = 4;
  kernels.addPass(enigma::createEnigmaVectorize(vectorize));
  kernels.addPass(createCanonicalizerPass());
}

int main(int argc, char **argv) {
  // Enigma: enigma-pipeline and its passes, canonicalize/cse/..., and convert-gpu-to-enigma
  // with the other conversions into the dialect.
  enigma::registerAllPasses();
  enigma::registerEnigmaConversionPasses();
  // Upstream passes of the IR this tool reads.
  registerGPUPasses();
  registerSCFPasses();
  // This project's pass and pipeline.
  downstream::registerTagKernelsPass();
  PassPipelineRegistration<>(
      "downstream-pipeline",
      "convert-gpu-to-enigma, then in each gpu.module: downstream-tag-kernels, canonicalize, "
      "enigma-vectorize{vec-width=4}, canonicalize",
      buildDownstreamPipeline);

  DialectRegistry registry;
  enigma::registerAllDialects(registry); // enigma, arith, math, scf, memref, vector, func, ub
  registry.insert<gpu::GPUDialect>();
  return asMainReturnCode(MlirOptMain(argc, argv, "Downstream Enigma driver\n", registry));
}
