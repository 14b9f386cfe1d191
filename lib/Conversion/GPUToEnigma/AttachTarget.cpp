//===- AttachTarget.cpp - enigma-attach-target ----------------------------===//
//
// Puts #enigma.target into the `targets` of gpu.modules so upstream gpu-module-to-binary
// serializes them to Metal (the role nvvm-attach-target plays for NVVM).
//
//===----------------------------------------------------------------------===//

#include "enigma/Conversion/Passes.h"

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "llvm/Support/Regex.h"

namespace mlir {
namespace enigma {
#define GEN_PASS_DEF_ENIGMAATTACHTARGET
#include "enigma/Conversion/Passes.h.inc"
} // namespace enigma
} // namespace mlir

using namespace mlir;
using namespace mlir::enigma;

namespace {
struct AttachTarget : public enigma::impl::EnigmaAttachTargetBase<AttachTarget> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto diagnose = [&]() { return module.emitError("enigma-attach-target: "); };
    auto target = TargetAttr::create(diagnose, &getContext(), format.getValue(), flags.getValue());
    if (!target)
      return signalPassFailure();
    std::string anchored = "^(" + moduleMatcher + ")$";
    llvm::Regex matcher(anchored);
    std::string regexError;
    if (!matcher.isValid(regexError)) {
      module.emitError("enigma-attach-target: invalid module regular expression '")
          << moduleMatcher << "': " << regexError;
      return signalPassFailure();
    }
    for (auto gpuModule : module.getOps<gpu::GPUModuleOp>()) {
      if (!matcher.match(gpuModule.getName()))
        continue;
      SmallVector<Attribute> targets;
      if (ArrayAttr existing = gpuModule.getTargetsAttr())
        targets.append(existing.begin(), existing.end());
      if (llvm::is_contained(targets, target))
        continue;
      targets.push_back(target);
      gpuModule.setTargetsAttr(ArrayAttr::get(&getContext(), targets));
    }
  }
};
} // namespace
