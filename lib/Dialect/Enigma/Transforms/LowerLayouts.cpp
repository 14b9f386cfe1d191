//===- LowerLayouts.cpp - enigma-lower-layouts ----------------------------===//
//
// Layouts are compile-time values: fold all algebra through the C core, then turn each
// coordinate-to-offset application into the cheapest index arithmetic the layout allows.
//
//===----------------------------------------------------------------------===//

#include "enigma/Dialect/Enigma/IR/LayoutCore.h"
#include "enigma/Dialect/Enigma/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

#include <map>

namespace mlir {
namespace enigma {
#define GEN_PASS_DEF_ENIGMALOWERLAYOUTS
#include "enigma/Dialect/Enigma/Transforms/Passes.h.inc"
} // namespace enigma
} // namespace mlir

using namespace mlir;
using namespace mlir::enigma;

namespace {

bool isLayoutValue(Value v) { return llvm::isa<LayoutType>(v.getType()); }

/// Emits offset arithmetic for one layout_apply.
class OffsetBuilder {
public:
  OffsetBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  /// Adds coordinate `c` split colexicographically over `leaves`.
  void addSplit(Value c, ArrayRef<layout::Leaf> leaves) {
    Value rem = c;
    for (size_t j = 0; j < leaves.size(); ++j) {
      // Nothing later contributes: the rest of the split is dead.
      bool restIsZero = llvm::all_of(leaves.drop_front(j),
                                     [](const layout::Leaf &l) { return l.stride == 0; });
      if (restIsZero)
        return;
      const layout::Leaf &leaf = leaves[j];
      if (leaf.shape == 1)
        continue; // its coordinate is always 0 and dividing by 1 is the identity
      bool last = j + 1 == leaves.size();
      if (leaf.stride != 0)
        addTerm(last ? rem : remainder(rem, leaf.shape), leaf.stride);
      bool laterContributes = llvm::any_of(
          leaves.drop_front(j + 1), [](const layout::Leaf &l) { return l.stride != 0; });
      if (!last && laterContributes)
        rem = quotient(rem, leaf.shape);
    }
  }

  void addTerm(Value x, int64_t stride) {
    if (stride == 0)
      return;
    Value term = stride == 1 ? x : arith::MulIOp::create(b, loc, x, constant(stride));
    sum = sum ? arith::AddIOp::create(b, loc, sum, term).getResult() : term;
  }

  Value result() { return sum ? sum : constant(0); }

  /// Makes the offset swizzle(offset + sum) (a swizzled layout): the swizzle reads the
  /// bits at yyy and XORs them, shifted by S, into the bits at zzz.
  void applySwizzle(EnigmaSwizzle sw, int64_t offset) {
    Value x = result();
    if (offset != 0)
      x = arith::AddIOp::create(b, loc, x, constant(offset));
    int64_t yyy = 0;
    enigmaSwizzleGetMasks(sw, &yyy, nullptr);
    if (yyy != 0) {
      // The masked value is non-negative, so a logical shift is exact.
      Value y = arith::AndIOp::create(b, loc, x, constant(yyy));
      Value moved = sw.shift >= 0
                        ? arith::ShRUIOp::create(b, loc, y, constant(sw.shift)).getResult()
                        : arith::ShLIOp::create(b, loc, y, constant(-sw.shift)).getResult();
      x = arith::XOrIOp::create(b, loc, x, moved);
    }
    sum = x;
  }

private:
  /// One constant op per value (the pipeline's CSE would merge them anyway; this keeps the
  /// pass's own output readable). A std::map: DenseMap reserves INT64_MAX/INT64_MIN as keys.
  Value constant(int64_t v) {
    Value &c = constants[v];
    if (!c)
      c = arith::ConstantIndexOp::create(b, loc, v);
    return c;
  }
  // Coordinates are non-negative, so unsigned division (and shifts/masks) are exact.
  Value remainder(Value v, int64_t n) {
    if (llvm::isPowerOf2_64(n))
      return arith::AndIOp::create(b, loc, v, constant(n - 1));
    return arith::RemUIOp::create(b, loc, v, constant(n));
  }
  Value quotient(Value v, int64_t n) {
    if (llvm::isPowerOf2_64(n))
      return arith::ShRUIOp::create(b, loc, v, constant(llvm::Log2_64(n)));
    return arith::DivUIOp::create(b, loc, v, constant(n));
  }

  OpBuilder &b;
  Location loc;
  Value sum;
  std::map<int64_t, Value> constants;
};

struct LowerLayouts : public enigma::impl::EnigmaLowerLayoutsBase<LowerLayouts> {
  void runOnOperation() override {
    // Op-agnostic: runs on a builtin.module, a gpu.module or one enigma.kernel alike.
    Operation *root = getOperation();
    MLIRContext *ctx = &getContext();

    // 1. Fold every static layout computation (the folders call the C core).
    RewritePatternSet none(ctx);
    (void)applyPatternsGreedily(root, std::move(none));

    // 2. Whatever did not fold is an error: say why, with the core's message.
    bool hadError = false;
    root->walk([&](Operation *op) {
      if (isa<LayoutConstantOp, LayoutApplyOp>(op) || !llvm::any_of(op->getOperands(), isLayoutValue))
        return;
      // Report root causes only: an op fed by a layout op that did not fold gets its error there.
      if (llvm::any_of(op->getOperands(), [](Value v) {
            Operation *def = v.getDefiningOp();
            return isLayoutValue(v) && def && !isa<LayoutConstantOp>(def);
          }))
        return;
      if (op->getDialect() != ctx->getLoadedDialect<EnigmaDialect>()) {
        op->emitError("a layout value cannot be used by '")
            << op->getName() << "'; layouts must be lowered by enigma-lower-layouts";
        hadError = true;
        return;
      }
      SmallVector<Attribute> operands;
      for (Value v : op->getOperands()) {
        Attribute attr;
        operands.push_back(matchPattern(v, m_Constant(&attr)) ? attr : Attribute());
      }
      SmallVector<Attribute> results;
      layout::Status status = evaluateLayoutOp(op, operands, results);
      op->emitError("cannot evaluate layout operation: ")
          << (status.ok() ? std::string("unknown failure") : status.message);
      hadError = true;
    });
    if (hadError)
      return signalPassFailure();

    // 3. Lower coordinate application.
    SmallVector<LayoutApplyOp> applies;
    root->walk([&](LayoutApplyOp op) { applies.push_back(op); });
    for (LayoutApplyOp op : applies) {
      if (failed(lowerApply(op)))
        return signalPassFailure();
    }

    // 4. Erase the layout values nothing uses any more.
    SmallVector<Operation *> dead;
    root->walk([&](Operation *op) {
      if (op->getNumResults() && llvm::all_of(op->getResults(), isLayoutValue))
        dead.push_back(op);
    });
    for (Operation *op : llvm::reverse(dead)) {
      if (op->use_empty())
        op->erase();
      else {
        op->emitError("layout value is still used after lowering");
        hadError = true;
      }
    }
    if (hadError)
      signalPassFailure();
  }

  /// The leaves of coalesce(l) (or of coalesce(mode `mode` of l)).
  static LogicalResult coalescedLeaves(LayoutApplyOp op, const layout::Layout &l,
                                       std::optional<unsigned> mode,
                                       SmallVectorImpl<layout::Leaf> &leaves) {
    EnigmaLayoutError error{};
    layout::Layout part;
    if (mode) {
      int32_t path[1] = {static_cast<int32_t>(*mode)};
      EnigmaLayout raw = nullptr;
      EnigmaLayoutStatus code = enigmaLayoutGetMode(l.get(), path, 1, &raw, &error);
      part.reset(raw);
      if (code != ENIGMA_LAYOUT_OK)
        return op.emitError("cannot lower layout_apply: ")
               << layout::Status::from(code, error).message;
    }
    EnigmaLayout raw = nullptr;
    EnigmaLayoutStatus code = enigmaLayoutCoalesce(mode ? part.get() : l.get(), &raw, &error);
    layout::Layout coalesced(raw);
    unsigned rank = 0;
    if (code != ENIGMA_LAYOUT_OK || !layout::getLeaves(coalesced, leaves, rank))
      return op.emitError("cannot lower layout_apply: ")
             << layout::Status::from(code, error).message;
    return success();
  }

  LogicalResult lowerApply(LayoutApplyOp op) {
    Attribute attr;
    if (!matchPattern(op.getLayout(), m_Constant(&attr)))
      return op.emitError("cannot lower layout_apply: its layout is not a static layout");
    layout::AnyLayout any;
    layout::Status status = layout::parseAnyLayout(llvm::cast<LayoutAttr>(attr).getText(), any);
    const layout::Layout &l = any.layout;
    SmallVector<layout::Leaf> leaves;
    unsigned rank = 0;
    if (!status.ok() || !layout::getLeaves(l, leaves, rank))
      return op.emitError("cannot lower layout_apply: ") << status.message;

    OpBuilder b(op);
    OffsetBuilder offset(b, op.getLoc());
    ValueRange coords = op.getCoords();
    if (coords.size() == leaves.size()) {
      for (auto [c, leaf] : llvm::zip_equal(coords, leaves))
        offset.addTerm(c, leaf.stride);
    } else if (coords.size() == rank || coords.size() == 1) {
      // A coordinate split over several leaves: coalesce first (the same function, and the
      // same for coordinates past the extent, since merged leaves s0:d, s1:s0*d give
      // x % s0 * d + x / s0 * s0 * d = x * d), so only leaves that really differ cost a
      // division: (3,5):(1,3) applied to one index is the index itself.
      bool perMode = coords.size() == rank && rank > 1;
      for (unsigned mode = 0; mode < (perMode ? rank : 1); ++mode) {
        SmallVector<layout::Leaf> modeLeaves;
        if (failed(coalescedLeaves(op, l, perMode ? std::optional<unsigned>(mode) : std::nullopt,
                                   modeLeaves)))
          return failure();
        offset.addSplit(coords[mode], modeLeaves);
      }
    } else {
      return op.emitOpError("expects 1, ")
             << rank << " (one per mode) or " << leaves.size()
             << " (one per leaf) coordinates, got " << coords.size();
    }
    if (any.swizzled())
      offset.applySwizzle(*any.swizzle, any.offset);
    op.replaceAllUsesWith(offset.result());
    op.erase();
    return success();
  }
};
} // namespace
