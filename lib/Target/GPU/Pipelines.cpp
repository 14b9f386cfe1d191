//===- Pipelines.cpp - Upstream GPU pipelines ending in Metal -------------===//
//
// What Enigma registers to compose with upstream MLIR: the dialects other front ends emit, the
// passes that take them to gpu.modules, and the two pipelines that end in enigma.kernels
// (gpu-lower-to-enigma-pipeline) or in gpu.binary ops holding MSL (gpu-lower-to-msl-pipeline),
// the Metal counterpart of upstream's gpu-lower-to-nvvm-pipeline.
//
//===----------------------------------------------------------------------===//

#include "enigma/Target/GPU/Target.h"

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
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FormatVariadic.h"

#include <mutex>

using namespace mlir;

void mlir::enigma::registerGPUCompositionDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
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
  // gpu-module-to-binary for #enigma.target.
  enigma::registerEnigmaTargetInterfaceExternalModels(registry);
}

/// The upstream passes the pipelines use, registered once per process (pipelines are parsed
/// from text, so their passes must be in the registry even when a client registered nothing).
static void registerPipelinePasses() {
  static std::once_flag once;
  std::call_once(once, [] {
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
    registerTransformsPasses();
    enigma::registerEnigmaConversionPasses();
    enigma::registerEnigmaPasses();
  });
}

void mlir::enigma::registerGPUCompositionPasses() {
  registerPipelinePasses();
  registerGPUToMSLPipelines();
}

static void addPipeline(OpPassManager &pm, StringRef pipeline, StringRef name) {
  registerPipelinePasses();
  std::string errors;
  llvm::raw_string_ostream os(errors);
  if (failed(parsePassPipeline(pipeline, pm, os)))
    llvm::report_fatal_error(llvm::Twine(name) + ": cannot build the pipeline: " + errors);
}

void mlir::enigma::buildGpuLowerToEnigmaPipeline(OpPassManager &pm,
                                                 const GpuLowerToEnigmaOptions &options) {
  // Upstream: tensors to buffers, linalg to parallel loops; Enigma tiles the parallel loops
  // into threadgroups of block-size threads (x = innermost dimension); upstream maps what is
  // left, makes gpu.launches, sinks constants and index computations into the launch bodies
  // (so kernels do not take them as arguments) and outlines the kernels.
  std::string mapLoops =
      options.blockSize == 0
          ? std::string()
          : llvm::formatv("enigma-map-parallel-loops{{block-size={0}},", options.blockSize.getValue())
                .str();
  addPipeline(pm,
              "one-shot-bufferize{bufferize-function-boundaries "
              "function-boundary-type-conversion=identity-layout-map},"
              "func.func(convert-linalg-to-parallel-loops," +
                  mapLoops +
                  "gpu-map-parallel-loops,convert-parallel-loops-to-gpu,lower-affine,canonicalize,"
                  "gpu-launch-sink-index-computations),"
                  "gpu-kernel-outlining,lower-affine,canonicalize,cse",
              "gpu-lower-to-enigma-pipeline");
  pm.addPass(createConvertGpuToEnigma());
  // Enigma's own pipeline in every gpu.module (its passes are op-agnostic).
  OpPassManager &device = pm.nest<gpu::GPUModuleOp>();
  buildPipeline(device, PipelineOptions());
  if (options.vecWidth != 0) {
    // Vectorization also coarsens launched kernels, then their launches are updated.
    EnigmaVectorizeOptions vectorize;
    vectorize.vecWidth = options.vecWidth;
    vectorize.coarsenLaunched = true;
    device.addPass(createEnigmaVectorize(vectorize));
    device.addPass(createCanonicalizerPass());
    device.addPass(createCSEPass());
    pm.addPass(createEnigmaUpdateGpuLaunches());
  }
}

void mlir::enigma::buildGpuLowerToMSLPipeline(OpPassManager &pm,
                                              const GpuLowerToMSLOptions &options) {
  GpuLowerToEnigmaOptions lower;
  lower.vecWidth = options.vecWidth;
  lower.blockSize = options.blockSize;
  buildGpuLowerToEnigmaPipeline(pm, lower);
  EnigmaAttachTargetOptions attach;
  attach.format = options.format;
  attach.flags = options.flags;
  pm.addPass(createEnigmaAttachTarget(attach));
  pm.addPass(createGpuModuleToBinaryPass());
}

void mlir::enigma::registerGPUToMSLPipelines() {
  static std::once_flag once;
  std::call_once(once, [] {
    PassPipelineRegistration<GpuLowerToEnigmaOptions>(
        "gpu-lower-to-enigma-pipeline",
        "Bufferize tensors (identity layouts), lower linalg to parallel loops, tile and map them "
        "to gpu launches of block-size threads, outline kernels, lower affine, convert-gpu-to-enigma, then Enigma's "
        "pipeline in each gpu.module (vec-width: vectorize and update the launches)",
        buildGpuLowerToEnigmaPipeline);
    PassPipelineRegistration<GpuLowerToMSLOptions>(
        "gpu-lower-to-msl-pipeline",
        "gpu-lower-to-enigma-pipeline, then enigma-attach-target and gpu-module-to-binary: "
        "every gpu.module becomes a gpu.binary whose #enigma.target object is MSL (or, "
        "format=metallib on macOS, a Metal library)",
        buildGpuLowerToMSLPipeline);
  });
}
