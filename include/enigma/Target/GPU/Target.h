//===- Target.h - Enigma as a target of upstream GPU pipelines ---*- C++ -*-===//
//
// What an MLIR tool registers to use Enigma the way it uses upstream's NVVM or ROCDL targets:
// the #enigma.target serialization (gpu-module-to-binary), the upstream dialects, interface
// models and passes that take linalg, tensor, scf.parallel and gpu code to gpu.modules, and the
// gpu-lower-to-enigma-pipeline / gpu-lower-to-msl-pipeline pipelines. docs/composing.md shows
// how they fit together.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_TARGET_GPU_TARGET_H
#define ENIGMA_TARGET_GPU_TARGET_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir {
class OpPassManager;
namespace enigma {

/// Attaches gpu::TargetAttrInterface to #enigma.target: gpu-module-to-binary then turns a
/// gpu.module of enigma.kernels into a #gpu.object holding its MSL (or, on macOS, a metallib),
/// with the kernels' metadata in the object's properties and kernel table.
void registerEnigmaTargetInterfaceExternalModels(DialectRegistry &registry);

/// The upstream dialects and external interface models (bufferization, value bounds, tiling) of
/// the IR other front ends hand to Enigma (affine, bufferization, cf, gpu, index, linalg,
/// tensor), plus Enigma's own dialects and the #enigma.target model.
void registerGPUCompositionDialects(DialectRegistry &registry);

/// Upstream's linalg, bufferization, SCF, affine, GPU and conversion passes, Enigma's passes and
/// conversions, and the two pipelines below.
void registerGPUCompositionPasses();

struct GpuLowerToEnigmaOptions : public PassPipelineOptions<GpuLowerToEnigmaOptions> {
  Option<unsigned> vecWidth{*this, "vec-width",
                            llvm::cl::desc("enigma-pipeline's vec-width in each gpu.module: 0 "
                                           "(off), 2 or 4; coarsened kernels' launches are "
                                           "updated"),
                            llvm::cl::init(0)};
  Option<unsigned> blockSize{*this, "block-size",
                             llvm::cl::desc("threads per threadgroup of the launches made from "
                                            "parallel loops (enigma-map-parallel-loops); 0: "
                                            "upstream's gpu-map-parallel-loops alone"),
                             llvm::cl::init(256)};
};

struct GpuLowerToMSLOptions : public PassPipelineOptions<GpuLowerToMSLOptions> {
  Option<unsigned> vecWidth{*this, "vec-width",
                            llvm::cl::desc("as gpu-lower-to-enigma-pipeline's vec-width"),
                            llvm::cl::init(0)};
  Option<unsigned> blockSize{*this, "block-size",
                             llvm::cl::desc("as gpu-lower-to-enigma-pipeline's block-size"),
                             llvm::cl::init(256)};
  Option<std::string> format{*this, "format",
                             llvm::cl::desc("#enigma.target object format: msl or metallib "
                                            "(macOS)"),
                             llvm::cl::init("msl")};
  Option<std::string> flags{*this, "flags",
                            llvm::cl::desc("extra xcrun metal arguments (format=metallib)"),
                            llvm::cl::init("")};
};

/// Bufferize tensors (identity layouts), lower linalg to parallel loops, tile and map them to
/// gpu launches of block-size threads (enigma-map-parallel-loops), outline kernels, lower affine, convert-gpu-to-enigma, then enigma-pipeline in each
/// gpu.module (and, with vec-width, vectorize and update the launches).
void buildGpuLowerToEnigmaPipeline(OpPassManager &pm, const GpuLowerToEnigmaOptions &options);

/// gpu-lower-to-enigma-pipeline, then enigma-attach-target and gpu-module-to-binary: every
/// gpu.module becomes a gpu.binary with an #enigma.target object.
void buildGpuLowerToMSLPipeline(OpPassManager &pm, const GpuLowerToMSLOptions &options);

/// Registers gpu-lower-to-enigma-pipeline and gpu-lower-to-msl-pipeline.
void registerGPUToMSLPipelines();

} // namespace enigma
} // namespace mlir

#endif // ENIGMA_TARGET_GPU_TARGET_H
