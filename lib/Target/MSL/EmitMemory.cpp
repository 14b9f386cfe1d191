//===- EmitMemory.cpp - memref and vector operations as MSL ---------------===//
//
// Every memref is addressed as base[offset + sum(index_d * stride_d)] with uint arithmetic.
// Offsets, strides and sizes are static (from the type) or SSA values the IR provides
// (memref.reinterpret_cast, memref.subview operands); a dynamic one the IR does not provide
// (e.g. the row stride of a kernel buffer of type memref<?x?xf32>) is an error at the access,
// never a guess. Vector memory accesses go through packed vector types (packed_float4, 4-byte
// aligned), because the alignment of a float4 (16 bytes) is not proven.
//
//===----------------------------------------------------------------------===//

#include "MSLImpl.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::enigma;
using namespace mlir::enigma::msl;

//===----------------------------------------------------------------------===//
// Index expressions
//===----------------------------------------------------------------------===//

IndexExpr IndexExpr::of(int64_t value) {
  std::string text;
  if (value >= 0)
    text = std::to_string(value) + "u";
  else
    text = "uint(" + std::to_string(value) + ")";
  return IndexExpr{value, text};
}

IndexExpr msl::addIndex(const IndexExpr &a, const IndexExpr &b) {
  if (a.constant && b.constant)
    return IndexExpr::of(*a.constant + *b.constant);
  if (a.isConstant(0))
    return b;
  if (b.isConstant(0))
    return a;
  return IndexExpr::of("(" + a.text + " + " + b.text + ")");
}

IndexExpr msl::mulIndex(const IndexExpr &a, const IndexExpr &b) {
  if (a.constant && b.constant)
    return IndexExpr::of(*a.constant * *b.constant);
  if (a.isConstant(0) || b.isConstant(0))
    return IndexExpr::of(0);
  if (a.isConstant(1))
    return b;
  if (b.isConstant(1))
    return a;
  return IndexExpr::of("(" + a.text + " * " + b.text + ")");
}

/// The index expression of an index-typed SSA value (folded when it is a constant).
static IndexExpr indexOf(KernelPrinter &p, Value value) {
  if (auto constant = value.getDefiningOp<arith::ConstantOp>())
    if (auto intAttr = llvm::dyn_cast<IntegerAttr>(constant.getValue()))
      if (intAttr.getValue().isSignedIntN(32))
        return IndexExpr::of(intAttr.getInt());
  return IndexExpr::of(p.expr(value));
}

static IndexExpr foldResult(KernelPrinter &p, OpFoldResult ofr) {
  if (auto attr = llvm::dyn_cast_if_present<Attribute>(ofr))
    return IndexExpr::of(llvm::cast<IntegerAttr>(attr).getInt());
  return indexOf(p, llvm::cast<Value>(ofr));
}

//===----------------------------------------------------------------------===//
// Views
//===----------------------------------------------------------------------===//

static AddressSpace spaceOf(MemRefType type) {
  return getAddressSpace(type).value_or(AddressSpace::Thread);
}

/// Offset/strides/sizes as far as the type states them.
static MemRefView viewFromType(MemRefType type, std::string base, Value root) {
  MemRefView view;
  view.base = std::move(base);
  view.space = spaceOf(type);
  view.root = root;
  llvm::SmallVector<int64_t> strides;
  int64_t offset = 0;
  bool haveStrides = succeeded(type.getStridesAndOffset(strides, offset));
  if (haveStrides && !ShapedType::isDynamic(offset))
    view.offset = IndexExpr::of(offset);
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (haveStrides && !ShapedType::isDynamic(strides[d]))
      view.strides.push_back(IndexExpr::of(strides[d]));
    else
      view.strides.push_back(std::nullopt);
    if (!type.isDynamicDim(d))
      view.sizes.push_back(IndexExpr::of(type.getDimSize(d)));
    else
      view.sizes.push_back(std::nullopt);
  }
  return view;
}

FailureOr<MemRefView> KernelPrinter::computeView(Value memref, Operation *user) {
  auto type = llvm::cast<MemRefType>(memref.getType());
  Operation *def = memref.getDefiningOp();
  if (!def || llvm::isa<ThreadgroupAllocOp, memref::AllocaOp>(def))
    return viewFromType(type, nameOf(memref), memref);

  return llvm::TypeSwitch<Operation *, FailureOr<MemRefView>>(def)
      .Case([&](memref::ReinterpretCastOp cast) -> FailureOr<MemRefView> {
        FailureOr<MemRefView> source = getView(cast.getSource(), user);
        if (failed(source))
          return failure();
        MemRefView view;
        view.base = source->base;
        view.space = source->space;
        view.root = source->root;
        // reinterpret_cast addresses from the source's base pointer, not its offset.
        view.offset = foldResult(*this, cast.getMixedOffsets()[0]);
        for (OpFoldResult size : cast.getMixedSizes())
          view.sizes.push_back(foldResult(*this, size));
        for (OpFoldResult stride : cast.getMixedStrides())
          view.strides.push_back(foldResult(*this, stride));
        return view;
      })
      .Case([&](memref::CastOp cast) -> FailureOr<MemRefView> {
        FailureOr<MemRefView> source = getView(cast.getSource(), user);
        if (failed(source))
          return failure();
        MemRefView fromType = viewFromType(type, source->base, source->root);
        MemRefView view = *source;
        // The cast may make static what the source type left dynamic.
        if (fromType.offset)
          view.offset = fromType.offset;
        for (unsigned d = 0; d < view.strides.size() && d < fromType.strides.size(); ++d) {
          if (fromType.strides[d])
            view.strides[d] = fromType.strides[d];
          if (fromType.sizes[d])
            view.sizes[d] = fromType.sizes[d];
        }
        return view;
      })
      .Case([&](memref::SubViewOp subview) -> FailureOr<MemRefView> {
        FailureOr<MemRefView> source = getView(subview.getSource(), user);
        if (failed(source))
          return failure();
        MemRefView view;
        view.base = source->base;
        view.space = source->space;
        view.root = source->root;
        if (!source->offset)
          return subview.emitError("cannot translate to MSL: the source offset of this "
                                   "subview is unknown");
        IndexExpr offset = *source->offset;
        llvm::SmallBitVector dropped = subview.getDroppedDims();
        auto offsets = subview.getMixedOffsets();
        auto sizes = subview.getMixedSizes();
        auto strides = subview.getMixedStrides();
        for (unsigned d = 0; d < offsets.size(); ++d) {
          IndexExpr off = foldResult(*this, offsets[d]);
          if (!off.isConstant(0)) {
            if (!source->strides[d])
              return subview.emitError("cannot translate to MSL: stride of dimension ")
                     << d << " of the subview source is unknown";
            offset = addIndex(offset, mulIndex(off, *source->strides[d]));
          }
          if (dropped.test(d))
            continue;
          if (source->strides[d])
            view.strides.push_back(mulIndex(*source->strides[d], foldResult(*this, strides[d])));
          else
            view.strides.push_back(std::nullopt);
          view.sizes.push_back(foldResult(*this, sizes[d]));
        }
        view.offset = offset;
        return view;
      })
      .Default([&](Operation *) -> FailureOr<MemRefView> {
        return user->emitError("cannot translate to MSL: memref defined by '")
               << def->getName() << "'";
      });
}

FailureOr<MemRefView> KernelPrinter::getView(Value memref, Operation *user) {
  auto it = views.find(memref);
  if (it != views.end())
    return it->second;
  FailureOr<MemRefView> view = computeView(memref, user);
  if (failed(view))
    return failure();
  views[memref] = *view;
  return view;
}

FailureOr<std::string> KernelPrinter::linearIndex(const MemRefView &view, ValueRange indices,
                                                  Operation *user, int64_t extra) {
  if (indices.size() != view.strides.size())
    return user->emitError("cannot translate to MSL: expected ")
           << view.strides.size() << " indices";
  if (!view.offset)
    return user->emitError("cannot translate to MSL: the offset of this memref is dynamic and "
                           "not provided by the IR");
  llvm::SmallVector<std::string> terms;
  int64_t constantSum = view.offset->constant.value_or(0) + extra;
  if (!view.offset->constant)
    terms.push_back(view.offset->text);
  for (auto [d, index] : llvm::enumerate(indices)) {
    IndexExpr idx = indexOf(*this, index);
    if (idx.isConstant(0))
      continue;
    if (!view.strides[d]) {
      InFlightDiagnostic diag = user->emitError("cannot translate to MSL: the stride of "
                                                "dimension ")
                                << d << " of this memref is dynamic and the IR does not "
                                << "provide it";
      diag << "; pass the sizes as scalar kernel arguments and build the view with "
              "memref.reinterpret_cast";
      return failure();
    }
    IndexExpr term = mulIndex(idx, *view.strides[d]);
    if (term.constant) {
      constantSum += *term.constant;
      continue;
    }
    // Top-level products need no parentheses inside a sum.
    std::string text = term.text;
    if (!idx.constant && !view.strides[d]->isConstant(1) && text.size() > 2 &&
        text.front() == '(' && text.back() == ')')
      text = text.substr(1, text.size() - 2);
    terms.push_back(text);
  }
  if (constantSum != 0 || terms.empty())
    terms.push_back(IndexExpr::of(constantSum).text);
  std::string out;
  for (auto [i, term] : llvm::enumerate(terms))
    out += (i ? " + " : "") + term;
  return out;
}

FailureOr<std::string> KernelPrinter::elementRef(Value memref, ValueRange indices,
                                                 Operation *user) {
  FailureOr<MemRefView> view = getView(memref, user);
  if (failed(view))
    return failure();
  FailureOr<std::string> linear = linearIndex(*view, indices, user);
  if (failed(linear))
    return failure();
  return view->base + "[" + *linear + "]";
}

static const char *spaceKeyword(AddressSpace space) {
  switch (space) {
  case AddressSpace::Device:
    return "device";
  case AddressSpace::Constant:
    return "constant";
  case AddressSpace::Threadgroup:
    return "threadgroup";
  case AddressSpace::Thread:
    return "thread";
  }
  return "thread";
}

namespace {
/// A contiguous 1-D vector access at memref[indices]: one lvalue of the vector (the element
/// itself for memrefs of vectors, or a packed vector through a pointer cast), or one lvalue per
/// lane (threadgroup and thread memory, see vectorAccess).
struct VectorAccess {
  std::string lvalue;
  bool viaPacked = false;
  llvm::SmallVector<std::string> lanes;
};
} // namespace

static FailureOr<VectorAccess> vectorAccess(KernelPrinter &p, Operation *op, Value memref,
                                            ValueRange indices, VectorType vecType, bool isStore,
                                            std::optional<uint64_t> alignment = std::nullopt) {
  auto memrefType = llvm::cast<MemRefType>(memref.getType());
  FailureOr<MemRefView> view = p.getView(memref, op);
  if (failed(view))
    return failure();
  FailureOr<std::string> linear = p.linearIndex(*view, indices, op);
  if (failed(linear))
    return failure();
  if (llvm::isa<VectorType>(memrefType.getElementType())) {
    if (memrefType.getElementType() != vecType)
      return emitUnsupported(op, "vector access must read whole vector elements");
    return VectorAccess{view->base + "[" + *linear + "]", false, {}};
  }
  if (vecType.getRank() != 1)
    return emitUnsupported(op, "only 1-D vectors");
  if (vecType.getElementType().isInteger(1))
    return emitUnsupported(op, "vector memory access of i1 elements");
  if (memrefType.getRank() > 0) {
    const std::optional<IndexExpr> &inner = view->strides.back();
    if (!inner || !inner->isConstant(1))
      return emitUnsupported(op, "the innermost dimension must have stride 1 (contiguous "
                                 "vector access)");
  }
  FailureOr<std::string> vecName = p.typeName(vecType, op);
  if (failed(vecName))
    return failure();
  // Threadgroup and thread arrays are accessed lane by lane: a pointer cast would need a
  // `threadgroup T*` type, which the CPU runtime cannot express (it maps `threadgroup` to a
  // static thread_local declaration), and the lanes are exactly the same accesses.
  if (view->space == AddressSpace::Threadgroup || view->space == AddressSpace::Thread) {
    VectorAccess access;
    for (int64_t lane = 0; lane < vecType.getNumElements(); ++lane) {
      FailureOr<std::string> laneIndex = p.linearIndex(*view, indices, op, lane);
      if (failed(laneIndex))
        return failure();
      access.lanes.push_back(view->base + "[" + *laneIndex + "]");
    }
    return access;
  }
  // The aligned vector type (float2, float4: aligned to their size) when the IR proves the
  // alignment (the `alignment` attribute of vector.load/store); otherwise the packed type.
  // Three-lane vectors always go through packed_T3: a T3 occupies four lanes of memory.
  int64_t lanes = vecType.getNumElements();
  uint64_t naturalAlign = lanes * ((vecType.getElementTypeBitWidth() + 7) / 8);
  bool aligned = lanes != 3 && alignment && *alignment % naturalAlign == 0;
  std::string pointee = (aligned ? "" : "packed_") + *vecName;
  std::string pointer =
      std::string(spaceKeyword(view->space)) + (isStore ? " " : " const ") + pointee + "*";
  if (view->space == AddressSpace::Constant)
    pointer = "constant " + pointee + "*";
  return VectorAccess{"*(" + pointer + ")(" + view->base + " + " + *linear + ")", !aligned, {}};
}

/// The rvalue of a vector read through `access`.
static std::string vectorRead(const VectorAccess &access, const std::string &vecName) {
  if (!access.lanes.empty()) {
    std::string out = vecName + "(";
    for (auto [i, lane] : llvm::enumerate(access.lanes))
      out += (i ? ", " : "") + lane;
    return out + ")";
  }
  return access.viaPacked ? vecName + "(" + access.lvalue + ")" : access.lvalue;
}

/// Prints the statements writing `value` through `access`.
static void vectorWrite(KernelPrinter &p, const VectorAccess &access, const std::string &vecName,
                        const std::string &value) {
  if (!access.lanes.empty()) {
    for (auto [i, lane] : llvm::enumerate(access.lanes))
      p.indent() << lane << " = " << value << "." << kLaneNames[i] << ";\n";
    return;
  }
  p.indent() << access.lvalue << " = "
             << (access.viaPacked ? "packed_" + vecName + "(" + value + ")" : value) << ";\n";
}

//===----------------------------------------------------------------------===//
// memref
//===----------------------------------------------------------------------===//

LogicalResult KernelPrinter::emitMemRefOp(Operation *op) {
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](memref::LoadOp load) -> LogicalResult {
        FailureOr<std::string> ref = elementRef(load.getMemref(), load.getIndices(), op);
        if (failed(ref))
          return failure();
        return declare(load.getResult(), *ref, op);
      })
      .Case([&](memref::StoreOp store) -> LogicalResult {
        if (failed(typeName(store.getValueToStore().getType(), op)))
          return failure();
        FailureOr<std::string> ref = elementRef(store.getMemref(), store.getIndices(), op);
        if (failed(ref))
          return failure();
        indent() << *ref << " = " << expr(store.getValueToStore()) << ";\n";
        return success();
      })
      .Case([&](memref::AllocaOp alloca) -> LogicalResult {
        MemRefType type = alloca.getType();
        std::optional<AddressSpace> space = getAddressSpace(type);
        if (type.getMemorySpace() && (!space || *space != AddressSpace::Thread))
          return emitUnsupported(op, "memref.alloca must allocate in the thread address space");
        if (!type.hasStaticShape() || !type.getLayout().isIdentity())
          return emitUnsupported(op, "thread-local arrays need a static shape and the identity "
                                     "layout");
        FailureOr<std::string> elem = typeName(type.getElementType(), op);
        if (failed(elem))
          return failure();
        indent() << plan.rootElementType(alloca.getResult()) << " " << nameOf(alloca.getResult())
                 << "[" << std::max<int64_t>(1, type.getNumElements()) << "];\n";
        return success();
      })
      .Case([&](memref::DimOp dim) -> LogicalResult {
        std::optional<int64_t> index = dim.getConstantIndex();
        if (!index)
          return emitUnsupported(op, "the dimension must be a constant");
        FailureOr<MemRefView> view = getView(dim.getSource(), op);
        if (failed(view))
          return failure();
        if (*index < 0 || *index >= static_cast<int64_t>(view->sizes.size()))
          return emitUnsupported(op, "dimension out of range");
        const std::optional<IndexExpr> &size = view->sizes[*index];
        if (!size)
          return emitUnsupported(op, "the size is dynamic and the IR does not provide it (pass "
                                     "it as a scalar kernel argument)");
        return declare(dim.getResult(), size->text, op);
      })
      .Case<memref::ReinterpretCastOp, memref::CastOp, memref::SubViewOp>(
          [&](Operation *) -> LogicalResult {
            // Views print nothing: accesses through them compute their addresses.
            FailureOr<std::string> elem =
                typeName(llvm::cast<MemRefType>(op->getResult(0).getType()).getElementType(), op);
            return failure(failed(elem));
          })
      .Default([&](Operation *) { return emitUnsupported(op); });
}

//===----------------------------------------------------------------------===//
// vector
//===----------------------------------------------------------------------===//

static bool isSimpleTransfer(VectorTransferOpInterface transfer) {
  if (transfer.getMask())
    return false;
  if (transfer.getVectorType().getRank() != 1)
    return false;
  if (!transfer.getPermutationMap().isMinorIdentity())
    return false;
  for (unsigned i = 0, e = transfer.getVectorType().getRank(); i < e; ++i)
    if (!transfer.isDimInBounds(i))
      return false;
  return true;
}

/// "[i]" (a column) or "[i][j]" (an element) for a position in a Metal matrix.
static FailureOr<std::string> matrixSubscripts(KernelPrinter &p, Operation *op, VectorType matrix,
                                               llvm::ArrayRef<OpFoldResult> position) {
  std::string out;
  for (auto [dim, pos] : llvm::enumerate(position)) {
    if (auto attr = llvm::dyn_cast_if_present<Attribute>(pos)) {
      int64_t index = llvm::cast<IntegerAttr>(attr).getInt();
      if (index < 0 || index >= matrix.getDimSize(dim))
        return emitUnsupported(op, "position out of range (poison)");
      out += "[" + std::to_string(index) + "]";
    } else {
      out += "[" + p.expr(llvm::cast<Value>(pos)) + "]";
    }
  }
  return out;
}

LogicalResult KernelPrinter::emitVectorOp(Operation *op) {
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](vector::LoadOp load) -> LogicalResult {
        FailureOr<VectorAccess> access =
            vectorAccess(*this, op, load.getBase(), load.getIndices(), load.getVectorType(), false,
                         load.getAlignment());
        if (failed(access))
          return failure();
        FailureOr<std::string> t = typeName(load.getVectorType(), op);
        if (failed(t))
          return failure();
        return declare(load.getResult(), vectorRead(*access, *t), op);
      })
      .Case([&](vector::StoreOp store) -> LogicalResult {
        FailureOr<VectorAccess> access =
            vectorAccess(*this, op, store.getBase(), store.getIndices(), store.getVectorType(),
                         true, store.getAlignment());
        if (failed(access))
          return failure();
        FailureOr<std::string> t = typeName(store.getVectorType(), op);
        if (failed(t))
          return failure();
        vectorWrite(*this, *access, *t, expr(store.getValueToStore()));
        return success();
      })
      .Case([&](vector::TransferReadOp read) -> LogicalResult {
        if (!llvm::isa<MemRefType>(read.getBase().getType()))
          return emitUnsupported(op, "transfers from tensors");
        if (!isSimpleTransfer(read))
          return emitUnsupported(op, "only unmasked, in-bounds, 1-D minor-identity transfers "
                                     "(mark the transfer in_bounds = [true])");
        FailureOr<VectorAccess> access =
            vectorAccess(*this, op, read.getBase(), read.getIndices(), read.getVectorType(), false);
        FailureOr<std::string> t = typeName(read.getVectorType(), op);
        if (failed(access) || failed(t))
          return failure();
        return declare(read.getResult(), vectorRead(*access, *t), op);
      })
      .Case([&](vector::TransferWriteOp write) -> LogicalResult {
        if (!llvm::isa<MemRefType>(write.getBase().getType()))
          return emitUnsupported(op, "transfers to tensors");
        if (!isSimpleTransfer(write))
          return emitUnsupported(op, "only unmasked, in-bounds, 1-D minor-identity transfers "
                                     "(mark the transfer in_bounds = [true])");
        FailureOr<VectorAccess> access = vectorAccess(
            *this, op, write.getBase(), write.getIndices(), write.getVectorType(), true);
        FailureOr<std::string> t = typeName(write.getVectorType(), op);
        if (failed(access) || failed(t))
          return failure();
        vectorWrite(*this, *access, *t, expr(write.getVector()));
        return success();
      })
      .Case([&](vector::ExtractOp extract) -> LogicalResult {
        if (isMatrixType(extract.getSourceVectorType())) {
          FailureOr<std::string> subscripts = matrixSubscripts(
              *this, op, extract.getSourceVectorType(), extract.getMixedPosition());
          if (failed(subscripts) || failed(typeName(extract.getResult().getType(), op)))
            return failure();
          return declare(extract.getResult(), expr(extract.getSource()) + *subscripts, op);
        }
        if (extract.getSourceVectorType().getRank() != 1)
          return emitUnsupported(op, "only 1-D vectors and Metal matrices");
        if (failed(typeName(extract.getSourceVectorType(), op)))
          return failure();
        OpFoldResult pos = extract.getMixedPosition()[0];
        std::string component;
        if (auto attr = llvm::dyn_cast_if_present<Attribute>(pos)) {
          int64_t lane = llvm::cast<IntegerAttr>(attr).getInt();
          if (lane < 0 || lane >= extract.getSourceVectorType().getNumElements())
            return emitUnsupported(op, "position out of range (poison)");
          component = "." + std::string(kLaneNames[lane]);
        } else {
          component = "[" + expr(llvm::cast<Value>(pos)) + "]";
        }
        return declare(extract.getResult(), expr(extract.getSource()) + component, op);
      })
      .Case([&](vector::InsertOp insert) -> LogicalResult {
        if (isMatrixType(insert.getDestVectorType())) {
          // m[i] = column or m[i][j] = element, on a copy of the matrix.
          FailureOr<std::string> subscripts =
              matrixSubscripts(*this, op, insert.getDestVectorType(), insert.getMixedPosition());
          if (failed(subscripts) || failed(typeName(insert.getValueToStoreType(), op)) ||
              failed(declare(insert.getResult(), expr(insert.getDest()), op)))
            return failure();
          indent() << nameOf(insert.getResult()) << *subscripts << " = "
                   << expr(insert.getValueToStore()) << ";\n";
          return success();
        }
        if (insert.getDestVectorType().getRank() != 1 ||
            llvm::isa<VectorType>(insert.getValueToStoreType()))
          return emitUnsupported(op, "only scalars into 1-D vectors");
        OpFoldResult pos = insert.getMixedPosition()[0];
        std::string component;
        if (auto attr = llvm::dyn_cast_if_present<Attribute>(pos)) {
          int64_t lane = llvm::cast<IntegerAttr>(attr).getInt();
          if (lane < 0 || lane >= insert.getDestVectorType().getNumElements())
            return emitUnsupported(op, "position out of range (poison)");
          component = "." + std::string(kLaneNames[lane]);
        } else {
          component = "[" + expr(llvm::cast<Value>(pos)) + "]";
        }
        if (failed(declare(insert.getResult(), expr(insert.getDest()), op)))
          return failure();
        indent() << nameOf(insert.getResult()) << component << " = "
                 << expr(insert.getValueToStore()) << ";\n";
        return success();
      })
      .Case([&](vector::BroadcastOp broadcast) -> LogicalResult {
        Type source = broadcast.getSourceType();
        FailureOr<std::string> t = typeName(broadcast.getResultVectorType(), op);
        if (failed(t))
          return failure();
        if (source == broadcast.getResultVectorType())
          return declare(broadcast.getResult(), expr(broadcast.getSource()), op);
        if (isMatrixType(broadcast.getResultVectorType())) {
          // Column by column: a matrix constructor with one scalar builds a diagonal matrix.
          VectorType matrix = broadcast.getResultVectorType();
          VectorType columnType = VectorType::get({matrix.getDimSize(1)}, matrix.getElementType());
          std::string column;
          if (source == columnType) {
            column = expr(broadcast.getSource());
          } else if (!llvm::isa<VectorType>(source)) {
            FailureOr<std::string> c = typeName(columnType, op);
            if (failed(c))
              return failure();
            column = *c + "(" + expr(broadcast.getSource()) + ")";
          } else {
            return emitUnsupported(op, "only scalars and columns broadcast to a matrix");
          }
          std::string rhs = *t + "(";
          for (int64_t i = 0; i < matrix.getDimSize(0); ++i)
            rhs += (i ? ", " : "") + column;
          return declare(broadcast.getResult(), rhs + ")", op);
        }
        if (llvm::isa<VectorType>(source))
          return emitUnsupported(op, "only scalar sources");
        return declare(broadcast.getResult(), *t + "(" + expr(broadcast.getSource()) + ")", op);
      })
      .Case([&](vector::FromElementsOp fromElements) -> LogicalResult {
        FailureOr<std::string> t = typeName(fromElements.getType(), op);
        if (failed(t))
          return failure();
        std::string rhs = *t + "(";
        for (auto [i, element] : llvm::enumerate(fromElements.getElements()))
          rhs += (i ? ", " : "") + expr(element);
        return declare(fromElements.getResult(), rhs + ")", op);
      })
      .Case([&](vector::TransposeOp transpose) -> LogicalResult {
        // The only transpose of a rank-2 vector: Metal's transpose(m) (CxR -> RxC).
        if (!isMatrixType(transpose.getSourceVectorType()))
          return emitUnsupported(op, "only Metal matrices (vector<CxRxf32|f16>) transpose");
        if (failed(typeName(transpose.getResultVectorType(), op)))
          return failure();
        return declare(transpose.getResult(), "transpose(" + expr(transpose.getVector()) + ")", op);
      })
      .Case([&](vector::FMAOp) {
        return emitElementwise(
            op,
            [](llvm::ArrayRef<std::string> o) {
              return "fma(" + o[0] + ", " + o[1] + ", " + o[2] + ")";
            },
            false);
      })
      .Case([&](vector::ReductionOp reduction) -> LogicalResult {
        using K = vector::CombiningKind;
        K kind = reduction.getKind();
        Type elem = reduction.getSourceVectorType().getElementType();
        if (failed(typeName(reduction.getSourceVectorType(), op)) || elem.isInteger(1))
          return emitUnsupported(op, "reduction of this vector type");
        auto combine = [&](const std::string &a, const std::string &b) -> std::string {
          switch (kind) {
          case K::ADD:
            return "(" + a + " + " + b + ")";
          case K::MUL:
            return "(" + a + " * " + b + ")";
          case K::AND:
            return "(" + a + " & " + b + ")";
          case K::OR:
            return "(" + a + " | " + b + ")";
          case K::XOR:
            return "(" + a + " ^ " + b + ")";
          case K::MINUI:
            return "min(" + a + ", " + b + ")";
          case K::MAXUI:
            return "max(" + a + ", " + b + ")";
          case K::MINNUMF:
            return "fmin(" + a + ", " + b + ")";
          case K::MAXNUMF:
            return "fmax(" + a + ", " + b + ")";
          default:
            return "";
          }
        };
        if (combine("a", "b").empty())
          return emitUnsupported(op, "this combining kind");
        // Integers narrower than 32 bits: promote to uint so that no step overflows int.
        auto lane = [&](unsigned i) {
          std::string e = expr(reduction.getVector()) + "." + kLaneNames[i];
          unsigned width = getIntegerWidth(elem);
          return (width == 8 || width == 16) ? "uint(" + e + ")" : e;
        };
        // In lane order, starting from the accumulator: the sequential order MLIR specifies.
        std::string acc;
        unsigned lanes = reduction.getSourceVectorType().getNumElements();
        unsigned first = 0;
        if (reduction.getAcc()) {
          acc = expr(reduction.getAcc());
        } else {
          acc = lane(0);
          first = 1;
        }
        for (unsigned i = first; i < lanes; ++i)
          acc = combine(acc, lane(i));
        return declare(reduction.getDest(), acc, op);
      })
      .Default([&](Operation *) { return emitUnsupported(op); });
}
