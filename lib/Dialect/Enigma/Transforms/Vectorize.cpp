//===- Vectorize.cpp - enigma-vectorize -----------------------------------===//
//
// Thread coarsening plus vector memory accesses, preserving the kernel's meaning for every grid
// and every bounds guard. The rewritten kernel is
//
//   t = thread_position_in_grid.x; base = t * W
//   if (base + W <= G && guard(base + W - 1))   // all W threads exist and take the guard
//     <widened body>                            // vector loads/stores, vector arithmetic
//   else
//     for lane in [0, W): if (base + lane < G) <original body at tid = base + lane>
//
// where G, the original x grid size, arrives in an implicit scalar argument (launchers divide
// the x grid by W and pass the undivided size).
//
// The pass works in two phases:
//
// - analysis (`analyzeKernel`) decides, building and erasing no IR, whether the kernel can be
//   vectorized and how: for every value of the body whether it is uniform over the W lanes, an
//   affine function `u + k * lane` of the lane (thread-linear when k == 1) or a general vector;
//   for every op how the fast path computes it (vector load/store, gather/scatter, vector
//   arithmetic, one scalar copy); and why a kernel is refused. That the guard at the last lane
//   decides it for all lanes is proven with upstream integer range analysis (no wrap-around
//   between consecutive lanes);
// - rewrite (`rewriteKernel`) runs only on a kernel the analysis accepted and builds the
//   vector IR once, following the analysis' plan.
//
//===----------------------------------------------------------------------===//

#include "enigma/Dialect/Enigma/Transforms/Passes.h"

#include "mlir/Analysis/DataFlow/ConstantPropagationAnalysis.h"
#include "mlir/Analysis/DataFlow/DeadCodeAnalysis.h"
#include "mlir/Analysis/DataFlow/IntegerRangeAnalysis.h"
#include "mlir/Analysis/DataFlowFramework.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/ADT/SmallVectorExtras.h"
#include "llvm/Support/MathExtras.h"

namespace mlir {
namespace enigma {
#define GEN_PASS_DEF_ENIGMAVECTORIZE
#include "enigma/Dialect/Enigma/Transforms/Passes.h.inc"
} // namespace enigma
} // namespace mlir

using namespace mlir;
using namespace mlir::enigma;

namespace {

//===----------------------------------------------------------------------===//
// Analysis: whether and how a kernel is vectorized. Builds no IR.
//===----------------------------------------------------------------------===//

/// How a value of the original body varies over the W lanes of a coarsened thread.
struct LaneValue {
  enum Kind { Uniform, Affine, Vector } kind = Uniform;
  /// Affine: the value at lane l is u + coef * l, u the value at lane 0. Thread-linear values
  /// (base + thread id) have coef 1.
  int64_t coef = 0;
  /// Integer Uniform/Affine values: u (the uniform value) is provably a multiple of W
  /// (alignment proofs).
  bool multipleOfWidth = false;
  /// Affine: from one lane to the next the value steps by coef modulo 2^bits (bits: 32 for
  /// index, as in MSL). The integer range analysis can then prove that it does not wrap around
  /// within a coarsened thread (`stepsWithoutWrap`). False after a remainder (which wraps at
  /// block boundaries) and after a widening cast of a value that may wrap.
  bool steps = true;
};

/// Why a kernel is left scalar.
struct Refusal {
  std::string reason;
  Operation *at = nullptr;
};

/// How the fast path computes an op of the original body.
enum class Widening {
  ThreadLinearTid, // thread_position_in_grid.x: base + lane
  GridSize,        // threads_per_grid.x: the implicit grid-size argument
  Uniform,         // one scalar copy, all operands uniform
  AffineAddSub,    // u = ua +/- uc
  AffineMul,       // u = ua * c
  AffineCast,      // u = cast(ua)
  BlockRemainder,  // (u + lane) % M, (u + lane) & (M - 1): u % M + lane
  BlockQuotient,   // (u + lane) / M, (u + lane) >> log2(M): u / M, uniform
  Elementwise,     // the op on vector<W x T> operands (uniform ones broadcast)
  UniformLoad,     // one scalar load
  VectorLoad,      // one vector.load of W contiguous elements
  GatherLoad,      // one scalar load per lane, assembled with vector.from_elements
  VectorStore,     // one vector.store of W contiguous elements
  ScatterStore,    // one scalar store per lane, in lane order
};

/// The analysis' decision for a kernel it accepts: everything the rewrite needs.
struct KernelPlan {
  /// The bounds guard (a result-less scf.if without else ending the body), or null.
  scf::IfOp guard;
  /// The ops before the guard (all of the body without a guard).
  SmallVector<Operation *> prefix;
  /// What the fast path widens, in order: the prefix, then the guard's body.
  SmallVector<Operation *> fastPath;
  /// The [[buffer(N)]] slot of the implicit grid-size argument.
  unsigned gridSlot = 0;
  llvm::DenseMap<Value, LaneValue> lanes;
  llvm::DenseMap<Operation *, Widening> widening;
  /// Vector loads/stores: the proven alignment in bytes, or 0.
  llvm::DenseMap<Operation *, int64_t> alignment;

  LaneValue lookup(Value v) const {
    // Values defined outside the body (kernel arguments) are uniform.
    return lanes.lookup(v);
  }
};

/// Integer ranges as the fast path sees them. The fast path runs when `base + W <= G` holds;
/// that test is computed in 32 bits, so vectorized kernels need G <= 2^32 - W (a grid of at
/// most 2^32 - 1 - W threads along x), and every lane's x thread position is at most
/// 2^32 - 1 - W. Everything else is upstream's analysis with the ops' own ranges.
class LaneRangeAnalysis : public dataflow::IntegerRangeAnalysis {
public:
  LaneRangeAnalysis(DataFlowSolver &solver, unsigned width)
      : IntegerRangeAnalysis(solver), width(width) {}

  LogicalResult visitOperation(Operation *op,
                               ArrayRef<const dataflow::IntegerValueRangeLattice *> operands,
                               ArrayRef<dataflow::IntegerValueRangeLattice *> results) override {
    if (auto q = dyn_cast<ThreadPositionInGridOp>(op); q && q.getDim() == Dim::X) {
      unsigned bits = IndexType::kInternalStorageBitWidth;
      ConstantIntRanges lanes = ConstantIntRanges::fromUnsigned(
          APInt(bits, 0), APInt(bits, (uint64_t(1) << 32) - 1 - width));
      propagateIfChanged(results[0], results[0]->join(IntegerValueRange(lanes)));
      return success();
    }
    return IntegerRangeAnalysis::visitOperation(op, operands, results);
  }

private:
  unsigned width;
};

/// Whether a value whose range is `range` and that steps by `k` from one lane to the next
/// (modulo 2^bits) never wraps around between two lanes of a coarsened thread, as seen by a
/// `signed` or unsigned comparison. A wrap between consecutive lanes would put two values at
/// least 2^bits - k apart in the range. `index` is 64-bit in the analysis and 32-bit in MSL:
/// the 64-bit values must also stay in one 2^32 window, where both agree.
bool stepsWithoutWrap(const ConstantIntRanges &range, bool isSigned, bool isIndex, int64_t k) {
  unsigned analysed = range.umin().getBitWidth();
  unsigned bits = isIndex ? 32 : analysed;
  if (k <= 0 || (bits < 64 && uint64_t(k) >= (uint64_t(1) << bits)))
    return false;
  unsigned ext = analysed + 2;
  APInt lo = isSigned ? range.smin().sext(ext) : range.umin().zext(ext);
  APInt hi = isSigned ? range.smax().sext(ext) : range.umax().zext(ext);
  if (bits < analysed) {
    APInt offset = isSigned ? APInt::getOneBitSet(ext, bits - 1) : APInt(ext, 0);
    if ((lo + offset).ashr(bits) != (hi + offset).ashr(bits))
      return false;
  }
  return (hi - lo).ult(APInt::getOneBitSet(ext, bits) - APInt(ext, k));
}

/// Classifies the ops of a kernel's body, in order, into `plan`.
class LaneAnalysis {
public:
  LaneAnalysis(unsigned width, KernelOp kernel, DataFlowSolver &ranges, KernelPlan &plan)
      : width(width), kernel(kernel), ranges(ranges), plan(plan) {}

  /// Decides how the fast path computes `op`, or why it cannot.
  LogicalResult classify(Operation *op) {
    if (auto q = dyn_cast<ThreadPositionInGridOp>(op); q && q.getDim() == Dim::X)
      return define(op, Widening::ThreadLinearTid, {LaneValue::Affine, 1, true});
    if (auto q = dyn_cast<ThreadsPerGridOp>(op); q && q.getDim() == Dim::X)
      return define(op, Widening::GridSize, {});
    if (op->getNumRegions() != 0)
      return refuse(op, "the body has nested regions the vectorizer does not widen");
    for (Type t : llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes()))
      if (isa<VectorType>(t))
        return refuse(op, "the body already uses vector types");

    if (auto load = dyn_cast<memref::LoadOp>(op))
      return classifyLoad(load);
    if (auto store = dyn_cast<memref::StoreOp>(op))
      return classifyStore(store);

    if (allUniform(op->getOperands()) &&
        (isPure(op) || isa<ThreadPositionInGridOp, ThreadsPerGridOp>(op))) {
      plan.widening[op] = Widening::Uniform;
      for (Value result : op->getResults())
        plan.lanes[result] = {LaneValue::Uniform, 0,
                              result.getType().isIntOrIndex() && isMultipleOfWidth(result)};
      return success();
    }
    if (succeeded(classifyAffine(op)))
      return success();
    if (op->hasTrait<OpTrait::Elementwise>() && isPure(op) && op->getNumResults() == 1 &&
        (op->getDialect()->getNamespace() == "arith" ||
         op->getDialect()->getNamespace() == "math"))
      return define(op, Widening::Elementwise, {LaneValue::Vector});
    return refuse(op, "'" + op->getName().getStringRef().str() +
                          "' has no lane-wise form the vectorizer knows");
  }

  /// Whether `cond` (an i1 of the classified ops) holds for all W lanes exactly when it holds
  /// for the last one: uniform, a conjunction of such conditions (e.g. x < W && y < H in a 2-D
  /// kernel), or `f(tid) < u` (or an equivalent form) with f affine, increasing over the lanes
  /// and, by the integer range analysis, free of wrap-around between them.
  bool decidedByLastLane(Value cond) {
    if (plan.lookup(cond).kind == LaneValue::Uniform)
      return true;
    if (auto conj = cond.getDefiningOp<arith::AndIOp>())
      return conj.getType().isInteger(1) && decidedByLastLane(conj.getLhs()) &&
             decidedByLastLane(conj.getRhs());
    auto cmp = cond.getDefiningOp<arith::CmpIOp>();
    if (!cmp)
      return false;
    using P = arith::CmpIPredicate;
    P pred = cmp.getPredicate();
    auto increasing = [&](Value v, Value other) {
      LaneValue f = plan.lookup(v);
      return f.kind == LaneValue::Affine && f.coef > 0 && f.steps &&
             plan.lookup(other).kind == LaneValue::Uniform;
    };
    Value up;
    if (increasing(cmp.getLhs(), cmp.getRhs()) &&
        (pred == P::ult || pred == P::ule || pred == P::slt || pred == P::sle))
      up = cmp.getLhs();
    else if (increasing(cmp.getRhs(), cmp.getLhs()) &&
             (pred == P::ugt || pred == P::uge || pred == P::sgt || pred == P::sge))
      up = cmp.getRhs();
    else
      return false;
    bool isSigned = pred == P::slt || pred == P::sle || pred == P::sgt || pred == P::sge;
    return doesNotWrap(up, isSigned);
  }

  /// Why classify() failed.
  Refusal refusal;

private:
  LogicalResult define(Operation *op, Widening how, LaneValue lv) {
    plan.widening[op] = how;
    plan.lanes[op->getResult(0)] = lv;
    return success();
  }
  LogicalResult refuse(Operation *op, const std::string &why) {
    refusal = {why, op};
    return failure();
  }
  bool allUniform(ValueRange values) const {
    return llvm::all_of(
        values, [&](Value v) { return plan.lookup(v).kind == LaneValue::Uniform; });
  }
  std::optional<int64_t> constantOf(Value v) const {
    APInt c;
    if (plan.lookup(v).kind == LaneValue::Uniform && matchPattern(v, m_ConstantInt(&c)))
      return c.getSExtValue();
    return std::nullopt;
  }

  /// Whether a uniform integer value is provably a multiple of the width: constants, and
  /// products/sums of such values.
  bool isMultipleOfWidth(Value v) const {
    APInt c;
    if (matchPattern(v, m_ConstantInt(&c)))
      return c.getSExtValue() % width == 0;
    Operation *def = v.getDefiningOp();
    auto multiple = [&](unsigned i) { return plan.lookup(def->getOperand(i)).multipleOfWidth; };
    if (isa_and_nonnull<arith::MulIOp>(def))
      return multiple(0) || multiple(1);
    if (isa_and_nonnull<arith::AddIOp, arith::SubIOp>(def))
      return multiple(0) && multiple(1);
    return false;
  }

  /// The integer range of `v` over every lane the fast path runs.
  std::optional<ConstantIntRanges> rangeOf(Value v) const {
    auto *lattice = ranges.lookupState<dataflow::IntegerValueRangeLattice>(v);
    if (!lattice || lattice->getValue().isUninitialized())
      return std::nullopt;
    return lattice->getValue().getValue();
  }
  /// Whether affine `v` does not wrap around between the lanes of a coarsened thread.
  bool doesNotWrap(Value v, bool isSigned) const {
    std::optional<ConstantIntRanges> r = rangeOf(v);
    return r && stepsWithoutWrap(*r, isSigned, v.getType().isIndex(), plan.lookup(v).coef);
  }

  /// Affine arithmetic on index-like values: u + k * lane stays affine under +, -, * constant,
  /// casts, and division/remainder by a multiple of W when u is a multiple of W.
  LogicalResult classifyAffine(Operation *op) {
    if (op->getNumResults() != 1 || op->getNumOperands() == 0)
      return failure();
    Type type = op->getResult(0).getType();
    if (!type.isIntOrIndex())
      return failure();
    auto isAff = [](const LaneValue &v) { return v.kind == LaneValue::Affine; };
    auto isUni = [](const LaneValue &v) { return v.kind == LaneValue::Uniform; };
    auto lv = [&](unsigned i) { return plan.lookup(op->getOperand(i)); };

    if (isa<arith::AddIOp, arith::SubIOp>(op)) {
      LaneValue a = lv(0), c = lv(1);
      if (!(isAff(a) || isUni(a)) || !(isAff(c) || isUni(c)))
        return failure();
      int64_t k = isa<arith::SubIOp>(op) ? a.coef - c.coef : a.coef + c.coef;
      return define(op, Widening::AffineAddSub,
                    {k == 0 ? LaneValue::Uniform : LaneValue::Affine, k,
                     a.multipleOfWidth && c.multipleOfWidth, a.steps && c.steps});
    }
    if (isa<arith::MulIOp>(op)) {
      LaneValue a = lv(0);
      Value c = op->getOperand(1);
      if (!isAff(a)) {
        a = lv(1);
        c = op->getOperand(0);
      }
      std::optional<int64_t> k = constantOf(c);
      if (!isAff(a) || !k)
        return failure();
      return define(op, Widening::AffineMul,
                    {LaneValue::Affine, a.coef * *k, a.multipleOfWidth || (*k % width == 0),
                     a.steps});
    }
    if (isa<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtUIOp, arith::ExtSIOp>(op)) {
      LaneValue a = lv(0);
      if (!isAff(a))
        return failure();
      a.steps = a.steps && castKeepsSteps(op);
      return define(op, Widening::AffineCast, a);
    }
    // (u + l) % M and (u + l) / M for u a multiple of W and W dividing M: the lanes stay in one
    // block of M, so the remainder is affine and the quotient uniform.
    bool isRem = isa<arith::RemUIOp>(op), isDiv = isa<arith::DivUIOp>(op);
    bool isAnd = isa<arith::AndIOp>(op), isShr = isa<arith::ShRUIOp>(op);
    if (isRem || isDiv || isAnd || isShr) {
      LaneValue a = lv(0);
      std::optional<int64_t> m = constantOf(op->getOperand(1));
      if (!isAff(a) || a.coef != 1 || !a.multipleOfWidth || !m || *m <= 0)
        return failure();
      int64_t modulus = *m;
      if (isAnd) {
        if (!llvm::isPowerOf2_64(*m + 1))
          return failure();
        modulus = *m + 1;
      }
      if (isShr) {
        if (*m >= 63)
          return failure();
        modulus = int64_t(1) << *m;
      }
      if (modulus % width != 0)
        return failure();
      if (isRem || isAnd)
        return define(op, Widening::BlockRemainder, {LaneValue::Affine, 1, true, false});
      return define(op, Widening::BlockQuotient, {});
    }
    return failure();
  }

  /// Whether a cast of an affine value keeps it stepping by its coefficient modulo 2^bits:
  /// truncations do; a widening cast does when its operand does not wrap around between the
  /// lanes. A cast from index to a wider integer also needs the operand where the analysis'
  /// 64-bit index and MSL's 32-bit one extend to the same value: [0, 2^32) zero-extended,
  /// [0, 2^31) sign-extended.
  bool castKeepsSteps(Operation *op) const {
    Value from = op->getOperand(0);
    Type to = op->getResult(0).getType();
    auto widthOf = [](Type t) {
      return t.isIndex() ? IndexType::kInternalStorageBitWidth : t.getIntOrFloatBitWidth();
    };
    bool isSigned = isa<arith::IndexCastOp, arith::ExtSIOp>(op);
    if (from.getType().isIndex() && !to.isIndex() && to.getIntOrFloatBitWidth() > 32) {
      std::optional<ConstantIntRanges> r = rangeOf(from);
      if (!r || r->umax().uge(uint64_t(1) << (isSigned ? 31 : 32)))
        return false;
      return doesNotWrap(from, isSigned);
    }
    if (widthOf(to) <= widthOf(from.getType()))
      return true;
    return doesNotWrap(from, isSigned);
  }

  /// Where a buffer access can use a vector: all but the last index uniform, the last one
  /// thread-linear (u + lane).
  bool isContiguous(ValueRange indices, Type elemType) const {
    // Metal has no packed bool vectors in memory, and index buffers have no fixed-width
    // element in MLIR: both are accessed lane by lane.
    if (indices.empty() || elemType.isInteger(1) || elemType.isIndex())
      return false;
    if (!allUniform(indices.drop_back()))
      return false;
    LaneValue last = plan.lookup(indices.back());
    return last.kind == LaneValue::Affine && last.coef == 1;
  }

  /// Proven alignment (in bytes) of a contiguous W-element access, or 0.
  int64_t provenAlignment(Value memref, ValueRange indices) {
    auto type = cast<MemRefType>(memref.getType());
    // Only kernel buffers: Metal hands them over at least 16-byte aligned.
    auto arg = dyn_cast<BlockArgument>(memref);
    if (!arg || arg.getOwner()->getParentOp() != kernel.getOperation())
      return 0;
    if (!type.getLayout().isIdentity() || !type.getElementType().isIntOrFloat())
      return 0;
    int64_t bytes = width * type.getElementTypeBitWidth() / 8;
    if (bytes > 16 || !llvm::isPowerOf2_64(bytes))
      return 0;
    // Inner dimensions must keep rows multiples of W elements.
    for (int64_t d : type.getShape().drop_front())
      if (ShapedType::isDynamic(d) || d % width != 0)
        return 0;
    if (!plan.lookup(indices.back()).multipleOfWidth)
      return 0;
    return bytes;
  }

  /// A contiguous access becomes a vector access with its proven alignment; any other one is
  /// done lane by lane.
  Widening classifyAccess(Operation *op, Value memref, ValueRange indices, Type elemType,
                          Widening vector, Widening perLane) {
    if (!isContiguous(indices, elemType))
      return perLane;
    plan.alignment[op] = provenAlignment(memref, indices);
    return vector;
  }

  LogicalResult classifyLoad(memref::LoadOp load) {
    if (allUniform(load.getIndices()))
      return define(load, Widening::UniformLoad, {});
    return define(load,
                  classifyAccess(load, load.getMemref(), load.getIndices(), load.getType(),
                                 Widening::VectorLoad, Widening::GatherLoad),
                  {LaneValue::Vector});
  }

  LogicalResult classifyStore(memref::StoreOp store) {
    plan.widening[store] =
        classifyAccess(store, store.getMemref(), store.getIndices(),
                       store.getValueToStore().getType(), Widening::VectorStore,
                       Widening::ScatterStore);
    return success();
  }

  unsigned width;
  KernelOp kernel;
  DataFlowSolver &ranges;
  KernelPlan &plan;
};

/// Ops whose meaning changes when one thread does the work of several.
std::optional<std::string> unsafeReason(Operation *op) {
  if (isa<ThreadgroupBarrierOp, SimdgroupBarrierOp>(op))
    return std::string("it synchronizes threads (barrier)");
  if (isa<SimdReduceOp, QuadReduceOp, SimdScanOp, QuadScanOp, SimdShuffleOp, QuadShuffleOp,
          SimdBroadcastOp, SimdgroupMatrixFillOp, SimdgroupMatrixLoadOp, SimdgroupMatrixStoreOp,
          SimdgroupMatrixMultiplyAccumulateOp>(op))
    return std::string("it uses cross-lane operations ('") +
           op->getName().getStringRef().str() + "')";
  if (isa<AtomicRMWOp, AtomicCmpXchgOp, AtomicLoadOp, AtomicStoreOp>(op))
    return std::string("it uses atomics, whose order coarsening would change");
  if (isa<ThreadgroupAllocOp>(op))
    return std::string("it uses threadgroup memory");
  if (isa<ThreadPositionInThreadgroupOp, ThreadgroupPositionInGridOp, ThreadsPerThreadgroupOp,
          ThreadgroupsPerGridOp>(op)) {
    Dim dim = op->getAttrOfType<DimAttr>("dim").getValue();
    if (dim == Dim::X)
      return std::string("it uses '") + op->getName().getStringRef().str() +
             " x', which coarsening changes";
  }
  if (isa<ThreadIndexInThreadgroupOp, ThreadIndexInSimdgroupOp, SimdgroupIndexInThreadgroupOp,
          SimdgroupsPerThreadgroupOp>(op))
    return std::string("it uses '") + op->getName().getStringRef().str() +
           "', which coarsening changes";
  return std::nullopt;
}

/// Decides whether `kernel` (not yet coarsened) can be vectorized by `width`: fills `plan` and
/// returns nothing when it can, returns why not otherwise. Creates, changes and erases no IR.
std::optional<Refusal> analyzeKernel(KernelOp kernel, unsigned width, bool coarsenLaunched,
                                     KernelPlan &plan) {
  // Kernels converted from gpu.funcs are launched by host gpu.launch_func ops, whose grid and
  // arguments coarsening would have to change too; that is not done yet.
  if (kernel->hasAttr("gpu.kernel") && !coarsenLaunched)
    return Refusal{"it is launched by gpu.launch_func (gpu.kernel), whose grid and arguments "
                   "coarsening does not update here (use coarsen-launched and "
                   "enigma-update-gpu-launches)"};
  Block &entry = kernel.getBody().front();

  bool usesTid = false;
  for (Operation &op : entry.without_terminator()) {
    Refusal found;
    op.walk([&](Operation *nested) {
      if (auto reason = unsafeReason(nested); reason && !found.at)
        found = {*reason, nested};
      if (auto q = dyn_cast<ThreadPositionInGridOp>(nested); q && q.getDim() == Dim::X)
        usesTid = true;
    });
    if (found.at)
      return found;
  }
  if (!usesTid)
    return Refusal{"it does not use thread_position_in_grid.x"};

  // Structure: a pure prefix, then either the rest of the body, or one result-less scf.if
  // without else (the bounds guard) as the last op.
  for (Operation &op : entry.without_terminator())
    plan.prefix.push_back(&op);
  if (!plan.prefix.empty())
    if (auto ifOp = dyn_cast<scf::IfOp>(plan.prefix.back());
        ifOp && ifOp.getNumResults() == 0 && ifOp.getElseRegion().empty()) {
      plan.guard = ifOp;
      plan.prefix.pop_back();
      for (Operation *op : plan.prefix)
        if (!isPure(op))
          return Refusal{"the code before the bounds guard has side effects", op};
    }

  // The implicit argument's slot: the lowest [[buffer(N)]] slot the kernel leaves free.
  llvm::SmallBitVector used(31);
  for (unsigned i = 0, e = kernel.getNumArguments(); i < e; ++i)
    used.set(kernel.getBufferIndex(i));
  int freeSlot = used.find_first_unset();
  if (freeSlot < 0)
    return Refusal{"no free [[buffer(N)]] slot for the grid size argument"};
  plan.gridSlot = static_cast<unsigned>(freeSlot);

  DataFlowSolver ranges;
  ranges.load<dataflow::DeadCodeAnalysis>();
  ranges.load<dataflow::SparseConstantPropagation>();
  ranges.load<LaneRangeAnalysis>(width);
  if (failed(ranges.initializeAndRun(kernel)))
    return Refusal{"integer range analysis failed"};

  LaneAnalysis lanes(width, kernel, ranges, plan);
  for (Operation *op : plan.prefix)
    if (failed(lanes.classify(op)))
      return lanes.refusal;
  if (plan.guard && !lanes.decidedByLastLane(plan.guard.getCondition()))
    return Refusal{"the bounds guard is not a comparison increasing in the thread id "
                   "(e.g. tid < n)",
                   plan.guard};
  plan.fastPath = plan.prefix;
  if (plan.guard)
    for (Operation &op : plan.guard.getThenRegion().front().without_terminator()) {
      if (failed(lanes.classify(&op)))
        return lanes.refusal;
      plan.fastPath.push_back(&op);
    }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Rewrite: builds the vectorized kernel the analysis planned, once.
//===----------------------------------------------------------------------===//

/// Builds the fast path: each op of `plan.fastPath` the way the plan says.
class FastPathBuilder {
public:
  FastPathBuilder(OpBuilder &b, const KernelPlan &plan, unsigned width, Value base, Value grid)
      : b(b), plan(plan), width(width), base(base), grid(grid) {}

  void build(Operation *op) {
    Location loc = op->getLoc();
    auto operand = [&](unsigned i) { return scalar(op->getOperand(i)); };
    switch (plan.widening.at(op)) {
    case Widening::ThreadLinearTid:
      return set(op->getResult(0), base);
    case Widening::GridSize:
      return set(op->getResult(0), grid);
    case Widening::Uniform: {
      Operation *clone = b.clone(*op, mapping);
      for (auto [oldV, newV] : llvm::zip_equal(op->getResults(), clone->getResults()))
        set(oldV, newV);
      return;
    }
    case Widening::AffineAddSub:
      if (isa<arith::SubIOp>(op))
        return set(op->getResult(0), arith::SubIOp::create(b, loc, operand(0), operand(1)));
      return set(op->getResult(0), arith::AddIOp::create(b, loc, operand(0), operand(1)));
    case Widening::AffineMul: {
      // The affine operand first.
      bool swap = plan.lookup(op->getOperand(1)).kind == LaneValue::Affine;
      return set(op->getResult(0),
                 arith::MulIOp::create(b, loc, operand(swap ? 1 : 0), operand(swap ? 0 : 1)));
    }
    case Widening::AffineCast:
    case Widening::BlockRemainder:
    case Widening::BlockQuotient: {
      Operation *clone = b.clone(*op);
      for (unsigned i = 0, e = op->getNumOperands(); i < e; ++i)
        clone->setOperand(i, operand(i));
      return set(op->getResult(0), clone->getResult(0));
    }
    case Widening::Elementwise: {
      SmallVector<Value> operands;
      for (Value v : op->getOperands())
        operands.push_back(materialize(v, loc));
      Type resultType = VectorType::get({width}, op->getResult(0).getType());
      OperationState state(loc, op->getName(), operands, {resultType}, op->getAttrs());
      return set(op->getResult(0), b.create(state)->getResult(0));
    }
    case Widening::UniformLoad: {
      auto load = cast<memref::LoadOp>(op);
      return set(load, memref::LoadOp::create(b, loc, scalar(load.getMemref()),
                                              scalars(load.getIndices())));
    }
    case Widening::VectorLoad: {
      auto load = cast<memref::LoadOp>(op);
      auto vload = vector::LoadOp::create(b, loc, vectorType(load.getType()),
                                          scalar(load.getMemref()), scalars(load.getIndices()));
      if (int64_t align = plan.alignment.lookup(op))
        vload.setAlignment(align);
      return set(load, vload);
    }
    case Widening::GatherLoad: {
      auto load = cast<memref::LoadOp>(op);
      SmallVector<Value> elems;
      for (unsigned l = 0; l < width; ++l)
        elems.push_back(memref::LoadOp::create(b, loc, scalar(load.getMemref()),
                                               laneScalars(load.getIndices(), l, loc)));
      return set(load,
                 vector::FromElementsOp::create(b, loc, vectorType(load.getType()), elems));
    }
    case Widening::VectorStore: {
      auto store = cast<memref::StoreOp>(op);
      Value vec = materialize(store.getValueToStore(), loc);
      auto vstore = vector::StoreOp::create(b, loc, vec, scalar(store.getMemref()),
                                            scalars(store.getIndices()));
      if (int64_t align = plan.alignment.lookup(op))
        vstore.setAlignment(align);
      return;
    }
    case Widening::ScatterStore: {
      // In lane order: the same order the coarsened threads' stores would happen in.
      auto store = cast<memref::StoreOp>(op);
      for (unsigned l = 0; l < width; ++l) {
        SmallVector<Value> idx = laneScalars(store.getIndices(), l, loc);
        memref::StoreOp::create(b, loc, laneScalar(store.getValueToStore(), l, loc),
                                scalar(store.getMemref()), idx);
      }
      return;
    }
    }
    llvm_unreachable("widening");
  }

private:
  VectorType vectorType(Type scalarType) const { return VectorType::get({width}, scalarType); }

  /// Records what the fast path computes for `oldV`: the uniform value, the lane-0 value of an
  /// affine one, or the vector of a general one.
  void set(Value oldV, Value newV) {
    built[oldV] = newV;
    if (plan.lookup(oldV).kind == LaneValue::Uniform)
      mapping.map(oldV, newV);
  }
  /// What the fast path computes for `oldV` (values from outside the body are themselves).
  Value scalar(Value oldV) const { return built.lookup(oldV) ? built.lookup(oldV) : oldV; }
  SmallVector<Value> scalars(ValueRange oldVs) const {
    return llvm::map_to_vector(oldVs, [&](Value v) { return scalar(v); });
  }

  Value constIndexLike(Type t, int64_t v) {
    if (t.isIndex())
      return arith::ConstantIndexOp::create(b, b.getUnknownLoc(), v);
    return arith::ConstantOp::create(b, b.getUnknownLoc(), b.getIntegerAttr(t, v));
  }

  /// The vector<W x T> holding every lane's value of `oldV`.
  Value materialize(Value oldV, Location loc) {
    LaneValue lv = plan.lookup(oldV);
    Value value = scalar(oldV);
    if (lv.kind == LaneValue::Vector)
      return value;
    Type scalarType = oldV.getType();
    VectorType vecType = vectorType(scalarType);
    Value splat = vector::BroadcastOp::create(b, loc, vecType, value);
    if (lv.kind == LaneValue::Uniform)
      return splat;
    SmallVector<Attribute> steps;
    for (unsigned l = 0; l < width; ++l)
      steps.push_back(b.getIntegerAttr(scalarType, lv.coef * l));
    Value step = arith::ConstantOp::create(b, loc, vecType, DenseElementsAttr::get(vecType, steps));
    return arith::AddIOp::create(b, loc, splat, step);
  }

  /// The scalar value of `oldV` at lane `l`.
  Value laneScalar(Value oldV, unsigned l, Location loc) {
    LaneValue lv = plan.lookup(oldV);
    Value value = scalar(oldV);
    switch (lv.kind) {
    case LaneValue::Uniform:
      return value;
    case LaneValue::Affine:
      if (lv.coef * l == 0)
        return value;
      return arith::AddIOp::create(b, loc, value, constIndexLike(value.getType(), lv.coef * l));
    case LaneValue::Vector:
      return vector::ExtractOp::create(b, loc, value, ArrayRef<int64_t>{l});
    }
    llvm_unreachable("lane kind");
  }
  SmallVector<Value> laneScalars(ValueRange oldVs, unsigned l, Location loc) {
    SmallVector<Value> out;
    for (Value v : oldVs)
      out.push_back(laneScalar(v, l, loc));
    return out;
  }

  OpBuilder &b;
  const KernelPlan &plan;
  unsigned width;
  Value base, grid;
  llvm::DenseMap<Value, Value> built;
  IRMapping mapping;
};

/// True for the x thread-position / grid-size queries `mapping` replaces.
bool isMappedQuery(Operation *op, IRMapping &mapping) {
  return isa<ThreadPositionInGridOp, ThreadsPerGridOp>(op) && mapping.contains(op->getResult(0));
}

/// Maps every x thread position (and x grid size) query in `ops` (and nested) to `tidValue`
/// (and `grid`).
void mapTid(ArrayRef<Operation *> ops, IRMapping &mapping, Value tidValue, Value grid) {
  for (Operation *op : ops)
    op->walk([&](Operation *nested) {
      if (auto q = dyn_cast<ThreadPositionInGridOp>(nested); q && q.getDim() == Dim::X)
        mapping.map(q.getResult(), tidValue);
      if (auto q = dyn_cast<ThreadsPerGridOp>(nested); q && q.getDim() == Dim::X)
        mapping.map(q.getResult(), grid);
    });
}

/// Rewrites `kernel` as `plan` says: the implicit grid-size argument, the fast-path condition,
/// the vector fast path and the scalar tail.
LogicalResult rewriteKernel(KernelOp kernel, KernelPlan &plan, unsigned width) {
  Block &entry = kernel.getBody().front();
  OpBuilder b(kernel.getContext());
  b.setInsertionPointToStart(&entry);
  Location loc = kernel.getLoc();
  NamedAttrList argAttrs;
  argAttrs.append(KernelOp::kBufferIndexAttr, b.getI32IntegerAttr(plan.gridSlot));
  argAttrs.append(KernelOp::kScalarAttr, b.getUnitAttr());
  argAttrs.append(KernelOp::kImplicitAttr, b.getStringAttr("threads_per_grid.x"));
  unsigned argIndex = kernel.getNumArguments();
  if (failed(kernel.insertArgument(argIndex, b.getI32Type(),
                                   argAttrs.getDictionary(kernel.getContext()),
                                   NameLoc::get(b.getStringAttr("enigma_grid_x"), loc))))
    return kernel.emitError("cannot add the grid size argument");
  Value gridArg = entry.getArgument(argIndex);

  // Prelude: t, G, base, and the fast-path condition.
  Value t = ThreadPositionInGridOp::create(b, loc, b.getIndexType(), Dim::X);
  Value grid = arith::IndexCastUIOp::create(b, loc, b.getIndexType(), gridArg);
  Value w = arith::ConstantIndexOp::create(b, loc, width);
  Value base = arith::MulIOp::create(b, loc, t, w);
  Value end = arith::AddIOp::create(b, loc, base, w);
  Value fast = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, end, grid);

  if (plan.guard) {
    // The guard at the last lane: the prefix cloned with tid = base + W - 1.
    IRMapping last;
    Value lastTid =
        arith::AddIOp::create(b, loc, base, arith::ConstantIndexOp::create(b, loc, width - 1));
    mapTid(plan.prefix, last, lastTid, grid);
    for (Operation *op : plan.prefix) {
      if (isMappedQuery(op, last))
        continue;
      // The last lane's copy is not the user's value: drop its source name.
      Operation *copy = b.clone(*op, last);
      if (auto named = dyn_cast<NameLoc>(copy->getLoc()))
        copy->setLoc(named.getChildLoc());
    }
    fast = arith::AndIOp::create(b, loc, fast, last.lookupOrDefault(plan.guard.getCondition()));
  }

  // The branch: vector fast path, scalar tail.
  auto ifOp = scf::IfOp::create(b, loc, fast, /*withElseRegion=*/true);
  {
    OpBuilder vb(ifOp.thenBlock()->getTerminator());
    FastPathBuilder widened(vb, plan, width, base, grid);
    for (Operation *op : plan.fastPath)
      widened.build(op);
  }
  {
    OpBuilder sb(ifOp.elseBlock()->getTerminator());
    Value c0 = arith::ConstantIndexOp::create(sb, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(sb, loc, 1);
    auto loop = scf::ForOp::create(sb, loc, c0, w, c1);
    OpBuilder lb(loop.getBody()->getTerminator());
    Value laneTid = arith::AddIOp::create(lb, loc, base, loop.getInductionVar());
    Value inGrid = arith::CmpIOp::create(lb, loc, arith::CmpIPredicate::ult, laneTid, grid);
    auto inner = scf::IfOp::create(lb, loc, inGrid, /*withElseRegion=*/false);
    OpBuilder ib(inner.thenBlock()->getTerminator());
    // The original body, after the branch: moved into the tail (cloned, then erased).
    SmallVector<Operation *> original;
    for (Operation &op : llvm::make_range(std::next(ifOp->getIterator()),
                                          entry.getTerminator()->getIterator()))
      original.push_back(&op);
    IRMapping scalar;
    mapTid(original, scalar, laneTid, grid);
    for (Operation *op : original)
      if (!isMappedQuery(op, scalar))
        ib.clone(*op, scalar);
    for (Operation *op : llvm::reverse(original))
      op->erase();
  }

  kernel->setAttr(KernelOp::kCoarsenAttr, b.getI32IntegerAttr(width));
  return success();
}

struct Vectorize : public enigma::impl::EnigmaVectorizeBase<Vectorize> {
  using Base::Base;

  void runOnOperation() override {
    // Metal's vector types have 2, 3 or 4 elements; 3 cannot tile a power-of-two grid evenly
    // aligned, and there is no 8-element type (half8/bfloat8 do not exist in Metal).
    if (vecWidth == 8) {
      getOperation()->emitError("enigma-vectorize: vec-width 8 is not available: Metal has no "
                               "8-element vector types (use 2 or 4)");
      return signalPassFailure();
    }
    if (vecWidth != 2 && vecWidth != 4) {
      getOperation()->emitError("enigma-vectorize: vec-width must be 2 or 4, got ")
          << static_cast<unsigned>(vecWidth);
      return signalPassFailure();
    }
    getOperation()->walk([&](KernelOp kernel) {
      if (kernel.getCoarsen() != 1)
        return;
      KernelPlan plan;
      if (std::optional<Refusal> r = analyzeKernel(kernel, vecWidth, coarsenLaunched, plan))
        return remarkLeftScalar(kernel, *r);
      if (failed(rewriteKernel(kernel, plan, vecWidth)))
        signalPassFailure();
    });
  }

  /// Says why the kernel is left unchanged.
  static void remarkLeftScalar(KernelOp kernel, const Refusal &r) {
    InFlightDiagnostic diag = kernel.emitRemark()
                              << "kernel '" << kernel.getSymName()
                              << "' left scalar: " << r.reason;
    if (r.at)
      diag.attachNote(r.at->getLoc()) << "here";
  }
};
} // namespace
