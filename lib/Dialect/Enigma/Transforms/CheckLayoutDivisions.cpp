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
/// The static value of a layout operand: a constant, or the evaluation (through the C core) of
/// the layout ops that compute it. The check must not depend on canonicalize having run, and
/// must not change the IR. Null when some input is not static or fails to evaluate (the op
/// that fails is reported by enigma-lower-layouts).
Attribute staticValue(Value v, llvm::DenseMap<Value, Attribute> &memo) {
  if (auto it = memo.find(v); it != memo.end())
    return it->second;
  Attribute result;
  if (matchPattern(v, m_Constant(&result))) {
    memo[v] = result;
    return result;
  }
  Operation *def = v.getDefiningOp();
  if (!def || !isa<EnigmaDialect>(def->getDialect()))
    return memo[v] = Attribute();
  SmallVector<Attribute> operands;
  for (Value operand : def->getOperands()) {
    Attribute attr = staticValue(operand, memo);
    if (!attr)
      return memo[v] = Attribute();
    operands.push_back(attr);
  }
  SmallVector<Attribute> results;
  if (!evaluateLayoutOp(def, operands, results).ok() ||
      results.size() != def->getNumResults())
    return memo[v] = Attribute();
  for (auto [r, attr] : llvm::zip_equal(def->getResults(), results))
    memo[r] = attr;
  return memo[v];
}

struct CheckLayoutDivisions
    : public enigma::impl::EnigmaCheckLayoutDivisionsBase<CheckLayoutDivisions> {
  void runOnOperation() override {
    bool failed = false;
    llvm::DenseMap<Value, Attribute> memo;
    getOperation()->walk([&](Operation *op) {
      if (!isa<LayoutLogicalDivideOp, LayoutZippedDivideOp, LayoutTiledDivideOp,
               LayoutFlatDivideOp>(op))
        return;
      Attribute layoutAttr = staticValue(op->getOperand(0), memo);
      if (!layoutAttr) {
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
