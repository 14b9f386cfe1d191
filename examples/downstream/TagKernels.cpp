//===- TagKernels.cpp - downstream-tag-kernels ----------------------------===//
//
// The downstream project's own pass, written against Enigma's installed C++ API (the
// enigma.kernel op class from MLIREnigma) and upstream MLIR.
//
// This project launches its kernels through its own launcher (a kernel table indexed by
// `downstream.kernel_id`, honouring `enigma.coarsen` like Enigma's launchers do), not through
// host gpu.launch_func ops. The pass runs on each gpu.module after convert-gpu-to-enigma and, for
// every enigma.kernel in it:
//   - sets `downstream.kernel_id = N : i32`, the kernel's position in the module;
//   - drops the `gpu.kernel` marker convert-gpu-to-enigma leaves (it says "launched by
//     gpu.launch_func, whose grid nobody updates"), so that enigma-vectorize may thread-coarsen
//     the kernel: the launcher divides the x grid by `enigma.coarsen` itself.
//
//===----------------------------------------------------------------------===//

#include "TagKernels.h"

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/Pass/Pass.h"

using namespace mlir;

namespace {
struct TagKernelsPass : public PassWrapper<TagKernelsPass, OperationPass<gpu::GPUModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TagKernelsPass)

  StringRef getArgument() const final { return "downstream-tag-kernels"; }
  StringRef getDescription() const final {
    return "Number the enigma.kernels of a gpu.module (downstream.kernel_id) and hand them to "
           "the downstream launcher (drop gpu.kernel, so enigma-vectorize may coarsen them)";
  }

  void runOnOperation() override {
    Builder builder(&getContext());
    int32_t id = 0;
    for (enigma::KernelOp kernel : getOperation().getOps<enigma::KernelOp>()) {
      kernel->setAttr("downstream.kernel_id", builder.getI32IntegerAttr(id++));
      kernel->removeAttr(gpu::GPUDialect::getKernelFuncAttrName());
    }
  }
};
} // namespace

std::unique_ptr<Pass> downstream::createTagKernelsPass() {
  return std::make_unique<TagKernelsPass>();
}

void downstream::registerTagKernelsPass() { PassRegistration<TagKernelsPass>(); }
