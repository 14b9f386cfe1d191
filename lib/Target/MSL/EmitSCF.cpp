//===- EmitSCF.cpp - scf control flow as MSL ------------------------------===//
//
// scf.for, scf.if and scf.while print as C loops and branches. Values carried through them
// (iter_args, results) live in variables declared before the statement; each yield is a
// parallel copy into those variables.
//
//===----------------------------------------------------------------------===//

#include "MSLImpl.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::enigma;
using namespace mlir::enigma::msl;

/// Assigns `sources` to the variables of `dests` as one parallel copy: when a source reads a
/// variable that an earlier assignment of the same copy overwrites (a swap of iter_args), every
/// source is first saved in a temporary.
LogicalResult KernelPrinter::emitParallelCopy(Operation *op, ValueRange sources,
                                              ArrayRef<Value> dests) {
  llvm::SmallVector<std::pair<std::string, std::string>> copies; // (dest var, source expr)
  llvm::StringSet<> destNames;
  for (auto [source, dest] : llvm::zip(sources, dests)) {
    std::string destName = nameOf(dest);
    std::string sourceExpr = expr(source);
    if (destName == sourceExpr)
      continue;
    copies.push_back({destName, sourceExpr});
    destNames.insert(destName);
  }
  bool conflict = false;
  for (auto &copy : copies)
    if (destNames.contains(copy.second))
      conflict = true;
  if (!conflict) {
    for (auto &copy : copies)
      os << copy.first << " = " << copy.second << ";\n";
    return success();
  }
  unsigned idx = 0;
  llvm::SmallVector<std::string> temps;
  for (auto [source, dest] : llvm::zip(sources, dests)) {
    if (nameOf(dest) == expr(source))
      continue;
    FailureOr<std::string> type = typeName(dest.getType(), op);
    if (failed(type))
      return failure();
    auto next = plan.nextNames.find(dest);
    if (next == plan.nextNames.end())
      return op->emitError("cannot translate to MSL: internal error: no temporary for a "
                           "parallel copy");
    std::string temp = next->second;
    os << *type << " " << temp << " = " << copies[idx++].second << ";\n";
    temps.push_back(temp);
  }
  for (auto [copy, temp] : llvm::zip(copies, temps))
    os << copy.first << " = " << temp << ";\n";
  return success();
}

/// Whether a value is a constant known to be in [0, 2^31) (so signed and unsigned comparison
/// agree).
static bool isSmallNonNegativeConstant(Value value) {
  auto constant = value.getDefiningOp<arith::ConstantOp>();
  if (!constant)
    return false;
  auto intAttr = llvm::dyn_cast<IntegerAttr>(constant.getValue());
  return intAttr && intAttr.getValue().isNonNegative() && intAttr.getValue().isSignedIntN(32);
}

/// Declares the variable of each of `values`, initialized from `inits` when given.
static LogicalResult declareCarried(KernelPrinter &p, Operation *op, ValueRange values,
                                    std::optional<ValueRange> inits = std::nullopt) {
  for (auto [i, value] : llvm::enumerate(values)) {
    FailureOr<std::string> type = p.typeName(value.getType(), op);
    if (failed(type))
      return failure();
    p.ostream() << *type << " " << p.nameOf(value);
    if (inits)
      p.ostream() << " = " << p.expr((*inits)[i]);
    p.ostream() << ";\n";
  }
  return success();
}

/// Prints `block` one level deeper, then the parallel copy of `sources` into `dests` (what
/// the block's yield means).
static LogicalResult printNested(KernelPrinter &p, Block &block, Operation *yield,
                                 ValueRange sources, ArrayRef<Value> dests) {
  raw_indented_ostream::DelimitedScope scope(p.ostream());
  return failure(failed(p.emitBlock(block)) || failed(p.emitParallelCopy(yield, sources, dests)));
}

LogicalResult msl::printOperation(KernelPrinter &p, scf::ForOp forOp) {
  raw_indented_ostream &os = p.ostream();
  Type ivType = forOp.getInductionVar().getType();
  FailureOr<std::string> ivTypeName = p.typeName(ivType, forOp);
  if (failed(ivTypeName))
    return failure();
  if (getIntegerWidth(ivType) == 1)
    return emitUnsupported(forOp, "i1 induction variable");
  // iter_args live in variables declared before the loop; the loop results are the same
  // variables after it.
  if (failed(declareCarried(p, forOp, forOp.getRegionIterArgs(), forOp.getInitArgs())))
    return failure();
  std::string iv = p.nameOf(forOp.getInductionVar());
  std::string ub = p.expr(forOp.getUpperBound());
  // scf.for compares signed unless `unsignedCmp`; with both bounds small non-negative
  // constants the unsigned comparison is the same and reads better.
  std::string cond;
  bool unsignedCmp =
      forOp.getUnsignedCmp() || (isSmallNonNegativeConstant(forOp.getLowerBound()) &&
                                 isSmallNonNegativeConstant(forOp.getUpperBound()));
  if (unsignedCmp) {
    cond = iv + " < " + ub;
  } else {
    FailureOr<std::string> lhs = p.asSigned(forOp.getInductionVar(), forOp);
    FailureOr<std::string> rhs = p.asSigned(forOp.getUpperBound(), forOp);
    if (failed(lhs) || failed(rhs))
      return failure();
    cond = *lhs + " < " + *rhs;
  }
  os << "for (" << *ivTypeName << " " << iv << " = " << p.expr(forOp.getLowerBound()) << "; "
     << cond << "; " << iv << " += " << p.expr(forOp.getStep()) << ") {\n";
  auto yield = llvm::cast<scf::YieldOp>(forOp.getBody()->getTerminator());
  llvm::SmallVector<Value> dests(forOp.getRegionIterArgs());
  if (failed(printNested(p, *forOp.getBody(), yield, yield.getOperands(), dests)))
    return failure();
  os << "}\n";
  return success();
}

LogicalResult msl::printOperation(KernelPrinter &p, scf::IfOp ifOp) {
  raw_indented_ostream &os = p.ostream();
  if (failed(declareCarried(p, ifOp, ifOp.getResults())))
    return failure();
  llvm::SmallVector<Value> dests(ifOp.getResults());
  os << "if (" << p.expr(ifOp.getCondition()) << ") {\n";
  if (failed(printNested(p, ifOp.getThenRegion().front(), ifOp.thenYield(),
                         ifOp.thenYield().getOperands(), dests)))
    return failure();
  if (!ifOp.getElseRegion().empty()) {
    os << "} else {\n";
    if (failed(printNested(p, ifOp.getElseRegion().front(), ifOp.elseYield(),
                           ifOp.elseYield().getOperands(), dests)))
      return failure();
  }
  os << "}\n";
  return success();
}

LogicalResult msl::printOperation(KernelPrinter &p, scf::WhileOp whileOp) {
  raw_indented_ostream &os = p.ostream();
  // The "after" arguments and the results share variables.
  if (failed(declareCarried(p, whileOp, whileOp.getBeforeArguments(), whileOp.getInits())) ||
      failed(declareCarried(p, whileOp, whileOp.getResults())))
    return failure();
  os << "while (true) {\n";
  {
    raw_indented_ostream::DelimitedScope scope(os);
    scf::ConditionOp condition = whileOp.getConditionOp();
    llvm::SmallVector<Value> results(whileOp.getResults());
    if (failed(p.emitBlock(whileOp.getBefore().front())) ||
        failed(p.emitParallelCopy(condition, condition.getArgs(), results)))
      return failure();
    os << "if (!" << p.expr(condition.getCondition()) << ") {\n  break;\n}\n";
    auto yield = llvm::cast<scf::YieldOp>(whileOp.getAfter().front().getTerminator());
    llvm::SmallVector<Value> before(whileOp.getBeforeArguments());
    if (failed(p.emitBlock(whileOp.getAfter().front())) ||
        failed(p.emitParallelCopy(yield, yield.getOperands(), before)))
      return failure();
  }
  os << "}\n";
  return success();
}
