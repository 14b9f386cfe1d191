//===- EmitMemory.cpp - memref and vector operations as MSL ---------------===//
//
// Every memref is addressed as base[offset + sum(index_d * stride_d)] with uint arithmetic.
// Offsets, strides and sizes are static (from the type) or SSA values the IR provides
// (memref.reinterpret_cast, memref.subview operands); a dynamic one the IR does not provide
// (e.g. the row stride of a kernel buffer of type memref<?x?xf32>) is an error at the access,
// never a guess.
//
// A vector access of a memref of vectors reads or writes one element. A vector access of
// scalar elements depends on the memory: threadgroup and thread arrays are accessed lane by
// lane; device and constant memory through a pointer cast to the aligned vector type (float4,
// aligned to its size) when the `alignment` attribute of vector.load/store proves that
// alignment (transfers carry none), else to the packed type (packed_float4, aligned like its
// element). Three-lane vectors always use the packed type.
//
//===----------------------------------------------------------------------===//

#include "MSLImpl.h"

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
/// itself for memrefs of vectors, or an aligned or packed vector through a pointer cast,
/// `viaPacked` telling which), or one lvalue per lane (threadgroup and thread memory, see
/// vectorAccess).
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
      p.ostream() << lane << " = " << value << "." << kLaneNames[i] << ";\n";
    return;
  }
  p.ostream() << access.lvalue << " = "
             << (access.viaPacked ? "packed_" + vecName + "(" + value + ")" : value) << ";\n";
}

//===----------------------------------------------------------------------===//
// memref
//===----------------------------------------------------------------------===//

LogicalResult msl::printOperation(KernelPrinter &p, memref::LoadOp load) {
  FailureOr<std::string> ref = p.elementRef(load.getMemref(), load.getIndices(), load);
  if (failed(ref))
    return failure();
  return p.declare(load.getResult(), *ref, load);
}

LogicalResult msl::printOperation(KernelPrinter &p, memref::StoreOp store) {
  if (failed(p.typeName(store.getValueToStore().getType(), store)))
    return failure();
  FailureOr<std::string> ref = p.elementRef(store.getMemref(), store.getIndices(), store);
  if (failed(ref))
    return failure();
  p.ostream() << *ref << " = " << p.expr(store.getValueToStore()) << ";\n";
  return success();
}

LogicalResult msl::printOperation(KernelPrinter &p, memref::AllocaOp alloca) {
  MemRefType type = alloca.getType();
  std::optional<AddressSpace> space = getAddressSpace(type);
  if (type.getMemorySpace() && (!space || *space != AddressSpace::Thread))
    return emitUnsupported(alloca, "memref.alloca must allocate in the thread address space");
  if (!type.hasStaticShape() || !type.getLayout().isIdentity())
    return emitUnsupported(alloca, "thread-local arrays need a static shape and the identity "
                                   "layout");
  FailureOr<std::string> elem = p.typeName(type.getElementType(), alloca);
  if (failed(elem))
    return failure();
  p.ostream() << p.plan.rootElementType(alloca.getResult()) << " " << p.nameOf(alloca.getResult())
              << "[" << std::max<int64_t>(1, type.getNumElements()) << "];\n";
  return success();
}

LogicalResult msl::printOperation(KernelPrinter &p, memref::DimOp dim) {
  std::optional<int64_t> index = dim.getConstantIndex();
  if (!index)
    return emitUnsupported(dim, "the dimension must be a constant");
  FailureOr<MemRefView> view = p.getView(dim.getSource(), dim);
  if (failed(view))
    return failure();
  if (*index < 0 || *index >= static_cast<int64_t>(view->sizes.size()))
    return emitUnsupported(dim, "dimension out of range");
  const std::optional<IndexExpr> &size = view->sizes[*index];
  if (!size)
    return emitUnsupported(dim, "the size is dynamic and the IR does not provide it (pass it "
                                "as a scalar kernel argument)");
  return p.declare(dim.getResult(), size->text, dim);
}

LogicalResult msl::printView(KernelPrinter &p, Operation *op) {
  // Views print nothing: accesses through them compute their addresses.
  return p.typeName(llvm::cast<MemRefType>(op->getResult(0).getType()).getElementType(), op);
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

/// The vector access of a vector.load/store (with its alignment) or a simple transfer, and the
/// MSL vector type.
static FailureOr<std::pair<VectorAccess, std::string>>
getVectorAccess(KernelPrinter &p, Operation *op, Value base, ValueRange indices,
                VectorType vecType, bool isStore, std::optional<uint64_t> alignment) {
  FailureOr<VectorAccess> access =
      vectorAccess(p, op, base, indices, vecType, isStore, alignment);
  if (failed(access))
    return failure();
  FailureOr<std::string> t = p.typeName(vecType, op);
  if (failed(t))
    return failure();
  return std::make_pair(std::move(*access), std::move(*t));
}

/// The vector access of a vector.transfer_read/write, which must be a plain access.
static FailureOr<std::pair<VectorAccess, std::string>>
getTransferAccess(KernelPrinter &p, VectorTransferOpInterface transfer, bool isStore) {
  Operation *op = transfer;
  if (!llvm::isa<MemRefType>(transfer.getBase().getType()))
    return emitUnsupported(op, isStore ? "transfers to tensors" : "transfers from tensors");
  if (!isSimpleTransfer(transfer))
    return emitUnsupported(op, "only unmasked, in-bounds, 1-D minor-identity transfers (mark "
                               "the transfer in_bounds = [true])");
  return getVectorAccess(p, op, transfer.getBase(), transfer.getIndices(),
                         transfer.getVectorType(), isStore, std::nullopt);
}

LogicalResult msl::printOperation(KernelPrinter &p, vector::LoadOp load) {
  auto access = getVectorAccess(p, load, load.getBase(), load.getIndices(), load.getVectorType(),
                                false, load.getAlignment());
  if (failed(access))
    return failure();
  return p.declare(load.getResult(), vectorRead(access->first, access->second), load);
}

LogicalResult msl::printOperation(KernelPrinter &p, vector::StoreOp store) {
  auto access = getVectorAccess(p, store, store.getBase(), store.getIndices(),
                                store.getVectorType(), true, store.getAlignment());
  if (failed(access))
    return failure();
  vectorWrite(p, access->first, access->second, p.expr(store.getValueToStore()));
  return success();
}

LogicalResult msl::printOperation(KernelPrinter &p, vector::TransferReadOp read) {
  auto access = getTransferAccess(p, read, false);
  if (failed(access))
    return failure();
  return p.declare(read.getResult(), vectorRead(access->first, access->second), read);
}

LogicalResult msl::printOperation(KernelPrinter &p, vector::TransferWriteOp write) {
  auto access = getTransferAccess(p, write, true);
  if (failed(access))
    return failure();
  vectorWrite(p, access->first, access->second, p.expr(write.getVector()));
  return success();
}

/// ".x" for a constant lane, "[i]" for a dynamic one, of a 1-D vector of `lanes` lanes.
static FailureOr<std::string> laneComponent(KernelPrinter &p, Operation *op, OpFoldResult pos,
                                            int64_t lanes) {
  if (auto attr = llvm::dyn_cast_if_present<Attribute>(pos)) {
    int64_t lane = llvm::cast<IntegerAttr>(attr).getInt();
    if (lane < 0 || lane >= lanes)
      return emitUnsupported(op, "position out of range (poison)");
    return "." + std::string(kLaneNames[lane]);
  }
  return "[" + p.expr(llvm::cast<Value>(pos)) + "]";
}

LogicalResult msl::printOperation(KernelPrinter &p, vector::ExtractOp extract) {
  VectorType source = extract.getSourceVectorType();
  if (isMatrixType(source)) {
    FailureOr<std::string> subscripts =
        matrixSubscripts(p, extract, source, extract.getMixedPosition());
    if (failed(subscripts) || failed(p.typeName(extract.getResult().getType(), extract)))
      return failure();
    return p.declare(extract.getResult(), p.expr(extract.getSource()) + *subscripts, extract);
  }
  if (source.getRank() != 1)
    return emitUnsupported(extract, "only 1-D vectors and Metal matrices");
  if (failed(p.typeName(source, extract)))
    return failure();
  FailureOr<std::string> component =
      laneComponent(p, extract, extract.getMixedPosition()[0], source.getNumElements());
  if (failed(component))
    return failure();
  return p.declare(extract.getResult(), p.expr(extract.getSource()) + *component, extract);
}

LogicalResult msl::printOperation(KernelPrinter &p, vector::InsertOp insert) {
  VectorType dest = insert.getDestVectorType();
  // A copy of the vector or matrix, then v.x = element, m[i] = column or m[i][j] = element.
  FailureOr<std::string> subscripts = failure();
  if (isMatrixType(dest)) {
    subscripts = matrixSubscripts(p, insert, dest, insert.getMixedPosition());
    if (failed(subscripts) || failed(p.typeName(insert.getValueToStoreType(), insert)))
      return failure();
  } else {
    if (dest.getRank() != 1 || llvm::isa<VectorType>(insert.getValueToStoreType()))
      return emitUnsupported(insert, "only scalars into 1-D vectors");
    subscripts = laneComponent(p, insert, insert.getMixedPosition()[0], dest.getNumElements());
    if (failed(subscripts))
      return failure();
  }
  if (failed(p.declare(insert.getResult(), p.expr(insert.getDest()), insert)))
    return failure();
  p.ostream() << p.nameOf(insert.getResult()) << *subscripts << " = "
              << p.expr(insert.getValueToStore()) << ";\n";
  return success();
}

LogicalResult msl::printOperation(KernelPrinter &p, vector::BroadcastOp broadcast) {
  Type source = broadcast.getSourceType();
  VectorType result = broadcast.getResultVectorType();
  FailureOr<std::string> t = p.typeName(result, broadcast);
  if (failed(t))
    return failure();
  if (source == result)
    return p.declare(broadcast.getResult(), p.expr(broadcast.getSource()), broadcast);
  if (isMatrixType(result)) {
    // Column by column: a matrix constructor with one scalar builds a diagonal matrix.
    VectorType columnType = VectorType::get({result.getDimSize(1)}, result.getElementType());
    std::string column;
    if (source == columnType) {
      column = p.expr(broadcast.getSource());
    } else if (!llvm::isa<VectorType>(source)) {
      FailureOr<std::string> c = p.typeName(columnType, broadcast);
      if (failed(c))
        return failure();
      column = *c + "(" + p.expr(broadcast.getSource()) + ")";
    } else {
      return emitUnsupported(broadcast, "only scalars and columns broadcast to a matrix");
    }
    std::string rhs = *t + "(";
    for (int64_t i = 0; i < result.getDimSize(0); ++i)
      rhs += (i ? ", " : "") + column;
    return p.declare(broadcast.getResult(), rhs + ")", broadcast);
  }
  if (llvm::isa<VectorType>(source))
    return emitUnsupported(broadcast, "only scalar sources");
  return p.declare(broadcast.getResult(), *t + "(" + p.expr(broadcast.getSource()) + ")",
                   broadcast);
}

LogicalResult msl::printOperation(KernelPrinter &p, vector::FromElementsOp fromElements) {
  FailureOr<std::string> t = p.typeName(fromElements.getType(), fromElements);
  if (failed(t))
    return failure();
  std::string rhs = *t + "(";
  for (auto [i, element] : llvm::enumerate(fromElements.getElements()))
    rhs += (i ? ", " : "") + p.expr(element);
  return p.declare(fromElements.getResult(), rhs + ")", fromElements);
}

LogicalResult msl::printOperation(KernelPrinter &p, vector::TransposeOp transpose) {
  // The only transpose of a rank-2 vector: Metal's transpose(m) (CxR -> RxC).
  if (!isMatrixType(transpose.getSourceVectorType()))
    return emitUnsupported(transpose, "only Metal matrices (vector<CxRxf32|f16>) transpose");
  if (failed(p.typeName(transpose.getResultVectorType(), transpose)))
    return failure();
  return p.declare(transpose.getResult(), "transpose(" + p.expr(transpose.getVector()) + ")",
                   transpose);
}

LogicalResult msl::printOperation(KernelPrinter &p, vector::FMAOp fma) {
  return printCall(p, fma, "fma");
}

/// `a op b` for a combining kind, or "" when MSL has no exact form.
static std::string combine(vector::CombiningKind kind, const std::string &a,
                           const std::string &b) {
  using K = vector::CombiningKind;
  auto infix = [&](const char *op) { return "(" + a + " " + op + " " + b + ")"; };
  auto call = [&](const char *fn) { return fn + ("(" + a + ", " + b + ")"); };
  switch (kind) {
  case K::ADD:
    return infix("+");
  case K::MUL:
    return infix("*");
  case K::AND:
    return infix("&");
  case K::OR:
    return infix("|");
  case K::XOR:
    return infix("^");
  case K::MINUI:
    return call("min");
  case K::MAXUI:
    return call("max");
  case K::MINNUMF:
    return call("fmin");
  case K::MAXNUMF:
    return call("fmax");
  default:
    return "";
  }
}

LogicalResult msl::printOperation(KernelPrinter &p, vector::ReductionOp reduction) {
  vector::CombiningKind kind = reduction.getKind();
  Type elem = reduction.getSourceVectorType().getElementType();
  if (failed(p.typeName(reduction.getSourceVectorType(), reduction)) || elem.isInteger(1))
    return emitUnsupported(reduction, "reduction of this vector type");
  if (combine(kind, "a", "b").empty())
    return emitUnsupported(reduction, "this combining kind");
  // Integers narrower than 32 bits: promote to uint so that no step overflows int.
  auto lane = [&](unsigned i) {
    std::string e = p.expr(reduction.getVector()) + "." + kLaneNames[i];
    unsigned width = getIntegerWidth(elem);
    return (width == 8 || width == 16) ? "uint(" + e + ")" : e;
  };
  // In lane order, starting from the accumulator: the sequential order MLIR specifies.
  std::string acc;
  unsigned lanes = reduction.getSourceVectorType().getNumElements();
  unsigned first = 0;
  if (reduction.getAcc()) {
    acc = p.expr(reduction.getAcc());
  } else {
    acc = lane(0);
    first = 1;
  }
  for (unsigned i = first; i < lanes; ++i)
    acc = combine(kind, acc, lane(i));
  return p.declare(reduction.getDest(), acc, reduction);
}
