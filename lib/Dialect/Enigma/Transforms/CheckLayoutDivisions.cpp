//===- CheckLayoutDivisions.cpp - enigma-check-layout-divisions -----------===//
//
// A division whose tiler exceeds the tensor is a user error CuTe leaves undefined; Enigma
// reports it at the op's location (the user's Python line, for traced kernels) and stops.
//
//===----------------------------------------------------------------------===//

#include "enigma/Dialect/Enigma/IR/LayoutCore.h"
#include "enigma/Dialect/Enigma/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"

namespace mlir {
namespace enigma {
#define GEN_PASS_DEF_ENIGMACHECKLAYOUTDIVISIONS
#include "enigma/Dialect/Enigma/Transforms/Passes.h.inc"
} // namespace enigma
} // namespace mlir

using namespace mlir;
using namespace mlir::enigma;

namespace {
struct CheckLayoutDivisions
    : public enigma::impl::EnigmaCheckLayoutDivisionsBase<CheckLayoutDivisions> {
  void runOnOperation() override {
    bool failed = false;
    getOperation().walk([&](Operation *op) {
      if (!isa<LayoutLogicalDivideOp, LayoutZippedDivideOp, LayoutTiledDivideOp,
               LayoutFlatDivideOp>(op))
        return;
      Attribute layoutAttr;
      if (!matchPattern(op->getOperand(0), m_Constant(&layoutAttr))) {
        op->emitError("cannot check this layout division: its layout operand is not a "
                      "static layout");
        failed = true;
        return;
      }
      SmallVector<Attribute, 1> results;
      layout::Status status = evaluateLayoutOp(op, {layoutAttr}, results);
      if (status.ok())
        return;
      op->emitError("invalid layout division: ") << status.message;
      failed = true;
    });
    if (failed)
      signalPassFailure();
  }
};
} // namespace
