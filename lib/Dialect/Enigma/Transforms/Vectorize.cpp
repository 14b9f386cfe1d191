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
// the x grid by W and pass the undivided size). Widening tracks, for every value of the body,
// whether it is uniform over the W lanes, an affine function `u + k * lane` of the lane, or a
// general vector; contiguous (k == 1) accesses become vector loads/stores.
//
//===----------------------------------------------------------------------===//

#include "enigma/Dialect/Enigma/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SmallBitVector.h"
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

/// How a value of the original body varies over the W lanes of a coarsened thread.
struct LaneValue {
  enum Kind { Uniform, Affine, Vector } kind = Uniform;
  /// Uniform: the scalar. Affine: the lane-0 value u. Vector: a vector<W x T>.
  Value value;
  /// Affine: the value at lane l is u + coef * l.
  int64_t coef = 0;
  /// Affine/Uniform index values: u is known to be a multiple of W (alignment proofs).
  bool multipleOfWidth = false;
  /// Affine values of the form tid * c + d (1 <= c <= 64, 0 <= d <= 2^20) built without
  /// subtraction: increasing in the thread id and free of wrap-around for any real grid, so a
  /// comparison of it with a uniform value is decided by the last lane.
  bool increasing = false;
};

/// Why a kernel is left scalar.
struct Refusal {
  std::string reason;
  Operation *at = nullptr;
};

class Widener {
public:
  Widener(OpBuilder &b, unsigned width, Value base, Value grid, KernelOp kernel)
      : b(b), width(width), grid(grid), kernel(kernel) {
    tid = {LaneValue::Affine, base, 1, true, true};
  }

  /// Widens `op` (of the original body) at the builder's insertion point.
  LogicalResult widen(Operation *op) {
    Location loc = op->getLoc();
    if (auto q = dyn_cast<ThreadPositionInGridOp>(op); q && q.getDim() == Dim::X)
      return set(q.getResult(), tid), success();
    if (auto q = dyn_cast<ThreadsPerGridOp>(op); q && q.getDim() == Dim::X)
      return set(q.getResult(), uniform(grid)), success();
    if (op->getNumRegions() != 0)
      return refuse(op, "the body has nested regions the vectorizer does not widen");
    for (Type t : llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes()))
      if (isa<VectorType>(t))
        return refuse(op, "the body already uses vector types");

    if (auto load = dyn_cast<memref::LoadOp>(op))
      return widenLoad(load);
    if (auto store = dyn_cast<memref::StoreOp>(op))
      return widenStore(store);

    bool allUniform = llvm::all_of(op->getOperands(), [&](Value v) {
      return lookup(v).kind == LaneValue::Uniform;
    });
    if (allUniform && (isPure(op) || isa<ThreadPositionInGridOp, ThreadsPerGridOp>(op))) {
      Operation *clone = b.clone(*op, mapping);
      for (auto [oldV, newV] : llvm::zip_equal(op->getResults(), clone->getResults()))
        set(oldV, uniformOf(newV));
      return success();
    }
    if (succeeded(widenAffine(op)))
      return success();
    if (op->hasTrait<OpTrait::Elementwise>() && isPure(op) && op->getNumResults() == 1 &&
        (op->getDialect()->getNamespace() == "arith" ||
         op->getDialect()->getNamespace() == "math"))
      return widenElementwise(op, loc);
    return refuse(op, "'" + op->getName().getStringRef().str() +
                          "' has no lane-wise form the vectorizer knows");
  }

  /// Why widen() failed.
  Refusal refusal;

  LaneValue lookup(Value v) {
    auto it = lanes.find(v);
    if (it != lanes.end())
      return it->second;
    // Values defined outside the body (kernel arguments) are uniform.
    return uniform(v);
  }

private:
  static LaneValue uniform(Value v) { return {LaneValue::Uniform, v, 0, false}; }
  /// Whether a uniform (scalar) value is provably a multiple of the width: constants, and
  /// products/sums built from such values.
  bool isMultipleOfWidth(Value v) {
    APInt c;
    if (matchPattern(v, m_ConstantInt(&c)))
      return c.getSExtValue() % width == 0;
    Operation *def = v.getDefiningOp();
    if (isa_and_nonnull<arith::MulIOp>(def))
      return isMultipleOfWidth(def->getOperand(0)) || isMultipleOfWidth(def->getOperand(1));
    if (isa_and_nonnull<arith::AddIOp, arith::SubIOp>(def))
      return isMultipleOfWidth(def->getOperand(0)) && isMultipleOfWidth(def->getOperand(1));
    return false;
  }
  LaneValue uniformOf(Value newV) {
    LaneValue lv = uniform(newV);
    lv.multipleOfWidth = newV.getType().isIntOrIndex() && isMultipleOfWidth(newV);
    return lv;
  }
  void set(Value oldV, LaneValue lv) {
    lanes[oldV] = lv;
    if (lv.kind == LaneValue::Uniform)
      mapping.map(oldV, lv.value);
  }
  LogicalResult refuse(Operation *op, const std::string &why) {
    refusal = {why, op};
    return failure();
  }

  Value constIndexLike(Type t, int64_t v) {
    if (t.isIndex())
      return arith::ConstantIndexOp::create(b, b.getUnknownLoc(), v);
    return arith::ConstantOp::create(b, b.getUnknownLoc(), b.getIntegerAttr(t, v));
  }
  static std::optional<int64_t> constantOf(const LaneValue &lv) {
    APInt c;
    if (lv.kind == LaneValue::Uniform && matchPattern(lv.value, m_ConstantInt(&c)))
      return c.getSExtValue();
    return std::nullopt;
  }

  /// Affine arithmetic on index-like values: u + k * lane stays affine under +, -, * constant,
  /// casts, and division/remainder by a multiple of W when u is a multiple of W.
  LogicalResult widenAffine(Operation *op) {
    if (op->getNumResults() != 1 || op->getNumOperands() == 0)
      return failure();
    Value result = op->getResult(0);
    Type type = result.getType();
    if (!type.isIntOrIndex())
      return failure();
    auto lv = [&](unsigned i) {
      LaneValue v = lookup(op->getOperand(i));
      if (v.kind == LaneValue::Uniform && !v.multipleOfWidth)
        v.multipleOfWidth = v.value.getType().isIntOrIndex() && isMultipleOfWidth(v.value);
      return v;
    };
    auto isAff = [&](const LaneValue &v) { return v.kind == LaneValue::Affine; };
    auto isUni = [&](const LaneValue &v) { return v.kind == LaneValue::Uniform; };
    Location loc = op->getLoc();

    if (isa<arith::AddIOp, arith::SubIOp>(op)) {
      LaneValue a = lv(0), c = lv(1);
      if (!(isAff(a) || isUni(a)) || !(isAff(c) || isUni(c)))
        return failure();
      bool sub = isa<arith::SubIOp>(op);
      Value u = sub ? arith::SubIOp::create(b, loc, a.value, c.value).getResult()
                    : arith::AddIOp::create(b, loc, a.value, c.value).getResult();
      int64_t k = sub ? a.coef - c.coef : a.coef + c.coef;
      bool mult = a.multipleOfWidth && c.multipleOfWidth;
      auto smallOffset = [&](const LaneValue &v) {
        std::optional<int64_t> d = constantOf(v);
        return d && *d >= 0 && *d <= (int64_t(1) << 20);
      };
      bool increasing =
          !sub && ((a.increasing && smallOffset(c)) || (c.increasing && smallOffset(a)));
      set(result, {k == 0 ? LaneValue::Uniform : LaneValue::Affine, u, k, mult, increasing});
      return success();
    }
    if (isa<arith::MulIOp>(op)) {
      LaneValue a = lv(0), c = lv(1);
      if (isAff(c))
        std::swap(a, c);
      std::optional<int64_t> k = constantOf(c);
      if (!isAff(a) || !k)
        return failure();
      Value u = arith::MulIOp::create(b, loc, a.value, c.value);
      set(result, {LaneValue::Affine, u, a.coef * *k, a.multipleOfWidth || (*k % width == 0),
                   a.increasing && *k >= 1 && *k <= 64});
      return success();
    }
    if (isa<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtUIOp, arith::ExtSIOp>(op)) {
      LaneValue a = lv(0);
      if (!isAff(a))
        return failure();
      Operation *cast = b.clone(*op);
      cast->setOperand(0, a.value);
      // index is 32-bit in MSL: casts to index or to >= 32 bits keep the value.
      bool keeps = type.isIndex() || type.getIntOrFloatBitWidth() >= 32;
      set(result, {LaneValue::Affine, cast->getResult(0), a.coef, a.multipleOfWidth,
                   a.increasing && keeps});
      return success();
    }
    // (u + l) % M and (u + l) / M for u a multiple of W and W dividing M: the lanes stay in one
    // block of M, so the remainder is affine and the quotient uniform.
    bool isRem = isa<arith::RemUIOp>(op), isDiv = isa<arith::DivUIOp>(op);
    bool isAnd = isa<arith::AndIOp>(op), isShr = isa<arith::ShRUIOp>(op);
    if (isRem || isDiv || isAnd || isShr) {
      LaneValue a = lv(0);
      std::optional<int64_t> m = constantOf(lv(1));
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
      Operation *clone = b.clone(*op);
      clone->setOperand(0, a.value);
      clone->setOperand(1, lookup(op->getOperand(1)).value);
      if (isRem || isAnd)
        set(result, {LaneValue::Affine, clone->getResult(0), 1, true});
      else
        set(result, uniform(clone->getResult(0)));
      return success();
    }
    return failure();
  }

  /// The vector<W x T> holding every lane's value.
  Value materialize(const LaneValue &lv, Type scalarType, Location loc) {
    auto vecType = VectorType::get({width}, scalarType);
    if (lv.kind == LaneValue::Vector)
      return lv.value;
    Value splat = vector::BroadcastOp::create(b, loc, vecType, lv.value);
    if (lv.kind == LaneValue::Uniform)
      return splat;
    SmallVector<Attribute> steps;
    for (unsigned l = 0; l < width; ++l)
      steps.push_back(b.getIntegerAttr(scalarType, lv.coef * l));
    Value step = arith::ConstantOp::create(b, loc, vecType, DenseElementsAttr::get(vecType, steps));
    return arith::AddIOp::create(b, loc, splat, step);
  }

  /// The scalar value of lane `l`.
  Value laneScalar(const LaneValue &lv, unsigned l, Location loc) {
    switch (lv.kind) {
    case LaneValue::Uniform:
      return lv.value;
    case LaneValue::Affine:
      if (lv.coef * l == 0)
        return lv.value;
      return arith::AddIOp::create(b, loc, lv.value,
                                   constIndexLike(lv.value.getType(), lv.coef * l));
    case LaneValue::Vector:
      return vector::ExtractOp::create(b, loc, lv.value, ArrayRef<int64_t>{l});
    }
    llvm_unreachable("lane kind");
  }

  LogicalResult widenElementwise(Operation *op, Location loc) {
    SmallVector<Value> operands;
    for (Value v : op->getOperands())
      operands.push_back(materialize(lookup(v), v.getType(), loc));
    Type resultType = VectorType::get({width}, op->getResult(0).getType());
    OperationState state(loc, op->getName(), operands, {resultType}, op->getAttrs());
    Operation *vec = b.create(state);
    set(op->getResult(0), {LaneValue::Vector, vec->getResult(0), 0, false});
    return success();
  }

  /// Where a buffer access can use a vector: all but the last index uniform, the last one
  /// contiguous over the lanes (u + lane).
  bool isContiguous(ValueRange indices, Type elemType) {
    // Metal has no packed bool vectors in memory, and index buffers have no fixed-width
    // element in MLIR: both are accessed lane by lane.
    if (indices.empty() || elemType.isInteger(1) || elemType.isIndex())
      return false;
    for (Value v : indices.drop_back())
      if (lookup(v).kind != LaneValue::Uniform)
        return false;
    LaneValue last = lookup(indices.back());
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
    if (!lookup(indices.back()).multipleOfWidth)
      return 0;
    return bytes;
  }

  SmallVector<Value> uniformIndices(ValueRange indices) {
    SmallVector<Value> out;
    for (Value v : indices)
      out.push_back(lookup(v).value);
    return out;
  }

  LogicalResult widenLoad(memref::LoadOp load) {
    Location loc = load.getLoc();
    Value memref = lookup(load.getMemref()).value;
    ValueRange indices = load.getIndices();
    Type elemType = load.getType();
    if (llvm::all_of(indices, [&](Value v) { return lookup(v).kind == LaneValue::Uniform; })) {
      auto clone = memref::LoadOp::create(b, loc, memref, uniformIndices(indices));
      set(load.getResult(), uniform(clone));
      return success();
    }
    auto vecType = VectorType::get({width}, elemType);
    if (isContiguous(indices, elemType)) {
      int64_t align = provenAlignment(load.getMemref(), indices);
      auto vload = vector::LoadOp::create(b, loc, vecType, memref, uniformIndices(indices));
      if (align)
        vload.setAlignment(align);
      set(load.getResult(), {LaneValue::Vector, vload, 0, false});
      return success();
    }
    // Gather: one scalar load per lane.
    SmallVector<Value> elems;
    for (unsigned l = 0; l < width; ++l) {
      SmallVector<Value> idx;
      for (Value v : indices)
        idx.push_back(laneScalar(lookup(v), l, loc));
      elems.push_back(memref::LoadOp::create(b, loc, memref, idx));
    }
    Value vec = vector::FromElementsOp::create(b, loc, vecType, elems);
    set(load.getResult(), {LaneValue::Vector, vec, 0, false});
    return success();
  }

  LogicalResult widenStore(memref::StoreOp store) {
    Location loc = store.getLoc();
    Value memref = lookup(store.getMemref()).value;
    ValueRange indices = store.getIndices();
    LaneValue value = lookup(store.getValueToStore());
    Type elemType = store.getValueToStore().getType();
    if (isContiguous(indices, elemType)) {
      Value vec = materialize(value, elemType, loc);
      int64_t align = provenAlignment(store.getMemref(), indices);
      auto vstore = vector::StoreOp::create(b, loc, vec, memref, uniformIndices(indices));
      if (align)
        vstore.setAlignment(align);
      return success();
    }
    // Scatter in lane order: the same order the coarsened threads' stores would happen in.
    for (unsigned l = 0; l < width; ++l) {
      SmallVector<Value> idx;
      for (Value v : indices)
        idx.push_back(laneScalar(lookup(v), l, loc));
      memref::StoreOp::create(b, loc, laneScalar(value, l, loc), memref, idx);
    }
    return success();
  }

  OpBuilder &b;
  unsigned width;
  Value grid;
  KernelOp kernel;
  LaneValue tid;
  llvm::DenseMap<Value, LaneValue> lanes;
  IRMapping mapping;
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

/// A comparison `f(tid) < u` (or an equivalent form) with f increasing in the thread id: it
/// holds for all W lanes exactly when it holds for the last one.
bool isMonotoneGuard(Value cond, Widener &analysis) {
  // The same for every lane: decided by any of them.
  if (analysis.lookup(cond).kind == LaneValue::Uniform)
    return true;
  // A conjunction of such guards (e.g. x < W && y < H in a 2-D kernel): true for all lanes
  // exactly when every part is, i.e. when every part is true at the last lane.
  if (auto conj = cond.getDefiningOp<arith::AndIOp>())
    return conj.getType().isInteger(1) && isMonotoneGuard(conj.getLhs(), analysis) &&
           isMonotoneGuard(conj.getRhs(), analysis);
  auto cmp = cond.getDefiningOp<arith::CmpIOp>();
  if (!cmp)
    return false;
  LaneValue lhs = analysis.lookup(cmp.getLhs()), rhs = analysis.lookup(cmp.getRhs());
  using P = arith::CmpIPredicate;
  P pred = cmp.getPredicate();
  bool lhsUp = lhs.kind == LaneValue::Affine && lhs.increasing && lhs.coef > 0 &&
               rhs.kind == LaneValue::Uniform;
  bool rhsUp = rhs.kind == LaneValue::Affine && rhs.increasing && rhs.coef > 0 &&
               lhs.kind == LaneValue::Uniform;
  if (lhsUp)
    return pred == P::ult || pred == P::ule || pred == P::slt || pred == P::sle;
  if (rhsUp)
    return pred == P::ugt || pred == P::uge || pred == P::sgt || pred == P::sge;
  return false;
}

struct Vectorize : public enigma::impl::EnigmaVectorizeBase<Vectorize> {
  using Base::Base;

  void runOnOperation() override {
    // Metal's vector types have 2, 3 or 4 elements; 3 cannot tile a power-of-two grid evenly
    // aligned, and there is no 8-element type (half8/bfloat8 do not exist in Metal).
    if (width == 8) {
      getOperation()->emitError("enigma-vectorize: width 8 is not available: Metal has no "
                               "8-element vector types (use 2 or 4)");
      return signalPassFailure();
    }
    if (width != 2 && width != 4) {
      getOperation()->emitError("enigma-vectorize: width must be 2 or 4, got ")
          << static_cast<unsigned>(width);
      return signalPassFailure();
    }
    getOperation()->walk([&](KernelOp kernel) {
      if (failed(vectorizeKernel(kernel)))
        signalPassFailure();
    });
  }

  /// Leaves the kernel unchanged with a remark saying why.
  LogicalResult refuse(KernelOp kernel, const Refusal &r) {
    InFlightDiagnostic diag = kernel.emitRemark()
                              << "kernel '" << kernel.getSymName()
                              << "' left scalar: " << r.reason;
    if (r.at)
      diag.attachNote(r.at->getLoc()) << "here";
    return success();
  }

  LogicalResult vectorizeKernel(KernelOp kernel) {
    if (kernel.getCoarsening() != 1)
      return success();
    // Kernels converted from gpu.funcs are launched by host gpu.launch_func ops, whose grid and
    // arguments coarsening would have to change too; that is not done yet.
    if (kernel->hasAttr("gpu.kernel") && !coarsenLaunched)
      return refuse(kernel, {"it is launched by gpu.launch_func (gpu.kernel), whose grid and "
                             "arguments coarsening does not update here (use coarsen-launched and "
                             "enigma-update-gpu-launches)",
                             nullptr});
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
        return refuse(kernel, found);
    }
    if (!usesTid)
      return refuse(kernel, {"it does not use thread_position_in_grid.x", nullptr});

    // Structure: a pure prefix, then either the rest of the body, or one result-less scf.if
    // without else (the bounds guard) as the last op.
    SmallVector<Operation *> body;
    for (Operation &op : entry.without_terminator())
      body.push_back(&op);
    scf::IfOp guard;
    if (!body.empty())
      if (auto ifOp = dyn_cast<scf::IfOp>(body.back());
          ifOp && ifOp.getNumResults() == 0 && ifOp.getElseRegion().empty()) {
        guard = ifOp;
        body.pop_back();
        for (Operation *op : body)
          if (!isPure(op))
            return refuse(kernel, {"the code before the bounds guard has side effects", op});
      }

    // The implicit argument: the original x grid size.
    // The lowest [[buffer(N)]] slot the kernel leaves free.
    llvm::SmallBitVector used(31);
    for (unsigned i = 0, e = kernel.getNumArguments(); i < e; ++i)
      used.set(kernel.getBufferIndex(i));
    int freeSlot = used.find_first_unset();
    unsigned slot = freeSlot < 0 ? 31 : static_cast<unsigned>(freeSlot);
    if (slot > 30)
      return refuse(kernel, {"no free [[buffer(N)]] slot for the grid size argument", nullptr});

    OpBuilder b(kernel.getContext());
    b.setInsertionPointToStart(&entry);
    Location loc = kernel.getLoc();
    Type i32 = b.getI32Type();
    NamedAttrList argAttrs;
    argAttrs.append(KernelOp::kBufferIndexAttr, b.getI32IntegerAttr(slot));
    argAttrs.append(KernelOp::kScalarAttr, b.getUnitAttr());
    argAttrs.append(KernelOp::kImplicitAttr, b.getStringAttr("threads_per_grid.x"));
    unsigned argIndex = kernel.getNumArguments();
    if (failed(kernel.insertArgument(argIndex, i32, argAttrs.getDictionary(kernel.getContext()),
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
    Operation *preludeEnd = fast.getDefiningOp();

    auto undo = [&](const Refusal &r) {
      // Erase everything built so far, newest first, and the argument.
      SmallVector<Operation *> built;
      for (Operation &op : entry) {
        built.push_back(&op);
        if (&op == lastBuilt)
          break;
      }
      for (Operation *op : llvm::reverse(built))
        op->erase();
      (void)kernel.eraseArgument(argIndex);
      return refuse(kernel, r);
    };

    // Analysis of the prefix for the guard, evaluated at the last lane.
    if (guard) {
      OpBuilder scratch(kernel.getContext());
      scratch.setInsertionPointAfter(preludeEnd);
      Widener analysis(scratch, width, base, grid, kernel);
      for (Operation *op : body)
        if (failed(analysis.widen(op))) {
          lastBuilt = &*std::prev(scratch.getInsertionPoint());
          return undo(analysis.refusal);
        }
      lastBuilt = &*std::prev(scratch.getInsertionPoint());
      if (!isMonotoneGuard(guard.getCondition(), analysis))
        return undo({"the bounds guard is not a comparison increasing in the thread id "
                     "(e.g. tid < n)",
                     guard});
      // The guard at the last lane: clone the prefix with tid = base + W - 1.
      IRMapping last;
      Value lastTid =
          arith::AddIOp::create(scratch, loc, base,
                                arith::ConstantIndexOp::create(scratch, loc, width - 1));
      mapTid(body, last, lastTid, grid);
      for (Operation *op : body) {
        if (isMappedQuery(op, last))
          continue;
        // The last lane's copy is not the user's value: drop its source name.
        Operation *copy = scratch.clone(*op, last);
        if (auto named = dyn_cast<NameLoc>(copy->getLoc()))
          copy->setLoc(named.getChildLoc());
      }
      Value lastCond = last.lookupOrDefault(guard.getCondition());
      fast = arith::AndIOp::create(scratch, loc, fast, lastCond);
      lastBuilt = fast.getDefiningOp();
    } else {
      lastBuilt = preludeEnd;
    }

    // The branch: vector fast path, scalar tail.
    b.setInsertionPointAfter(lastBuilt);
    auto ifOp = scf::IfOp::create(b, loc, fast, /*withElseRegion=*/true);
    lastBuilt = ifOp;
    {
      OpBuilder vb = OpBuilder::atBlockBegin(ifOp.thenBlock());
      vb.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      Widener widener(vb, width, base, grid, kernel);
      SmallVector<Operation *> all(body);
      if (guard)
        for (Operation &op : guard.getThenRegion().front().without_terminator())
          all.push_back(&op);
      for (Operation *op : all)
        if (failed(widener.widen(op)))
          return undo(widener.refusal);
    }
    {
      OpBuilder sb = OpBuilder::atBlockBegin(ifOp.elseBlock());
      sb.setInsertionPoint(ifOp.elseBlock()->getTerminator());
      Value c0 = arith::ConstantIndexOp::create(sb, loc, 0);
      Value c1 = arith::ConstantIndexOp::create(sb, loc, 1);
      auto loop = scf::ForOp::create(sb, loc, c0, w, c1);
      OpBuilder lb = OpBuilder::atBlockBegin(loop.getBody());
      lb.setInsertionPoint(loop.getBody()->getTerminator());
      Value lane = loop.getInductionVar();
      Value laneTid = arith::AddIOp::create(lb, loc, base, lane);
      Value inGrid = arith::CmpIOp::create(lb, loc, arith::CmpIPredicate::ult, laneTid, grid);
      auto inner = scf::IfOp::create(lb, loc, inGrid, /*withElseRegion=*/false);
      OpBuilder ib = OpBuilder::atBlockBegin(inner.thenBlock());
      ib.setInsertionPoint(inner.thenBlock()->getTerminator());
      IRMapping scalar;
      SmallVector<Operation *> original;
      for (Operation &op : entry.without_terminator())
        if (op.isBeforeInBlock(ifOp) == false && &op != ifOp.getOperation())
          original.push_back(&op);
      mapTid(original, scalar, laneTid, grid);
      for (Operation *op : original)
        if (!isMappedQuery(op, scalar))
          ib.clone(*op, scalar);
      // The originals are now dead copies: remove them.
      for (Operation *op : llvm::reverse(original))
        op->erase();
    }

    kernel->setAttr(KernelOp::kCoarsenAttr, b.getI32IntegerAttr(width));
    return success();
  }

  /// True for the x thread-position / grid-size queries `mapping` replaces.
  static bool isMappedQuery(Operation *op, IRMapping &mapping) {
    return isa<ThreadPositionInGridOp, ThreadsPerGridOp>(op) && mapping.contains(op->getResult(0));
  }

  /// Maps every x thread position (and x grid size) query in `ops` (and nested) to `tidValue`
  /// (and `grid`).
  static void mapTid(ArrayRef<Operation *> ops, IRMapping &mapping, Value tidValue, Value grid) {
    for (Operation *op : ops)
      op->walk([&](Operation *nested) {
        if (auto q = dyn_cast<ThreadPositionInGridOp>(nested); q && q.getDim() == Dim::X)
          mapping.map(q.getResult(), tidValue);
        if (auto q = dyn_cast<ThreadsPerGridOp>(nested); q && q.getDim() == Dim::X)
          mapping.map(q.getResult(), grid);
      });
  }

  Operation *lastBuilt = nullptr;
};
} // namespace
