//===- enigma-opt.cpp - Enigma's mlir-opt style driver --------------------===//
//
// Besides Enigma's own dialect and passes, enigma-opt loads the upstream dialects an MLIR user
// brings (linalg, tensor, bufferization, affine, cf, index, gpu) with the interface models and
// passes that take such IR to an outlined gpu.module (linalg -> parallel loops -> gpu launch ->
// kernel outlining), so Enigma composes with upstream pipelines in one tool.
//
//===----------------------------------------------------------------------===//

#include "enigma/Conversion/Passes.h"
#include "enigma/InitAll.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Affine/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/BufferViewFlowOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/ControlFlow/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/GPU/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/AllInterfaces.h"
#include "mlir/Dialect/MemRef/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/BufferViewFlowOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/IR/TensorInferTypeOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/TensorTilingInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/Passes.h"
#include "mlir/Dialect/Vector/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

/// The upstream dialects (and their external interface models) of IR that other front ends
/// hand to Enigma.
static void registerUpstreamDialects(DialectRegistry &registry) {
  registry.insert<affine::AffineDialect, bufferization::BufferizationDialect,
                  cf::ControlFlowDialect, gpu::GPUDialect, index::IndexDialect,
                  linalg::LinalgDialect, tensor::TensorDialect>();
  // Bufferization (one-shot-bufferize of tensors, functions and control flow).
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  arith::registerBufferDeallocationOpInterfaceExternalModels(registry);
  arith::registerBufferViewFlowOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(registry);
  cf::registerBufferizableOpInterfaceExternalModels(registry);
  gpu::registerBufferDeallocationOpInterfaceExternalModels(registry);
  memref::registerBufferViewFlowOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  vector::registerBufferizableOpInterfaceExternalModels(registry);
  // Linalg's bufferization, tiling, value-bounds, ... models; tensor's shape and tiling models.
  linalg::registerAllDialectInterfaceImplementations(registry);
  tensor::registerInferTypeOpInterfaceExternalModels(registry);
  tensor::registerTilingInterfaceExternalModels(registry);
  // Value bounds (used by loop and GPU mapping transformations).
  affine::registerValueBoundsOpInterfaceExternalModels(registry);
  arith::registerValueBoundsOpInterfaceExternalModels(registry);
  gpu::registerValueBoundsOpInterfaceExternalModels(registry);
  memref::registerValueBoundsOpInterfaceExternalModels(registry);
  scf::registerValueBoundsOpInterfaceExternalModels(registry);
  tensor::registerValueBoundsOpInterfaceExternalModels(registry);
}

/// The upstream passes that take linalg, tensor, affine and scf.parallel code to gpu kernels.
static void registerUpstreamPasses() {
  registerLinalgPasses();
  registerGPUPasses();
  registerSCFPasses();
  affine::registerAffinePasses();
  bufferization::registerBufferizationPasses();
  memref::registerMemRefPasses();
  tensor::registerTensorPasses();
  registerConvertParallelLoopToGpuPass();
  registerLowerAffinePass();
  registerSCFToControlFlowPass();
  registerLiftControlFlowToSCFPass();
}

namespace {
struct GpuLowerToEnigmaOptions : public PassPipelineOptions<GpuLowerToEnigmaOptions> {
  Option<unsigned> vecWidth{*this, "vec-width",
                            llvm::cl::desc("enigma-pipeline's vec-width in each gpu.module: 0 "
                                           "(off), 2 or 4"),
                            llvm::cl::init(0)};
};
} // namespace

/// linalg (on tensors or memrefs), scf.parallel, gpu.launch and gpu.func code to enigma.kernels
/// in gpu.modules, with Enigma's pipeline run on each gpu.module.
static void registerGpuLowerToEnigmaPipeline() {
  PassPipelineRegistration<GpuLowerToEnigmaOptions>(
      "gpu-lower-to-enigma-pipeline",
      "Bufferize tensors (identity layouts), lower linalg to parallel loops, map them to gpu "
      "launches, outline kernels, lower affine, convert-gpu-to-enigma, then enigma-pipeline in "
      "each gpu.module",
      [](OpPassManager &pm, const GpuLowerToEnigmaOptions &options) {
        std::string pipeline =
            "one-shot-bufferize{bufferize-function-boundaries "
            "function-boundary-type-conversion=identity-layout-map},"
            "func.func(convert-linalg-to-parallel-loops,gpu-map-parallel-loops,"
            "convert-parallel-loops-to-gpu),gpu-kernel-outlining,lower-affine,canonicalize,cse,"
            "convert-gpu-to-enigma,gpu.module(enigma-pipeline)";
        // Vectorization also coarsens launched kernels, then updates their launches.
        if (options.vecWidth != 0)
          pipeline += llvm::formatv(",gpu.module(enigma-vectorize{{width={0} "
                                    "coarsen-launched=true},canonicalize,cse),"
                                    "enigma-update-gpu-launches",
                                    static_cast<unsigned>(options.vecWidth))
                          .str();
        if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
          llvm::report_fatal_error("gpu-lower-to-enigma-pipeline: cannot build the pipeline");
      });
}

int main(int argc, char **argv) {
  enigma::registerAllPasses();
  enigma::registerEnigmaConversionPasses();
  registerUpstreamPasses();
  registerGpuLowerToEnigmaPipeline();
  DialectRegistry registry;
  enigma::registerAllDialects(registry);
  registerUpstreamDialects(registry);
  return asMainReturnCode(MlirOptMain(argc, argv, "Enigma optimizer driver\n", registry));
}
