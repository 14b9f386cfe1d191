//===- EnigmaOps.cpp - Verifiers of the enigma operations -----------------===//

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::enigma;

//===----------------------------------------------------------------------===//
// Threadgroup memory
//===----------------------------------------------------------------------===//

LogicalResult ThreadgroupAllocOp::verify() {
  MemRefType type = getMemref().getType();
  std::optional<AddressSpace> space = getAddressSpace(type);
  if (!space || *space != AddressSpace::Threadgroup)
    return emitOpError("must allocate in #enigma.address_space<threadgroup>, got memory space ")
           << (type.getMemorySpace() ? type.getMemorySpace() : Attribute());
  if (!type.getLayout().isIdentity())
    return emitOpError("threadgroup memory must have the identity layout");
  if (type.getRank() == 0)
    return emitOpError("threadgroup allocation must have rank >= 1");
  Type elem = type.getElementType();
  Type scalar = elem;
  if (auto vec = llvm::dyn_cast<VectorType>(elem))
    scalar = vec.getElementType();
  if (!scalar.isIntOrIndexOrFloat())
    return emitOpError("unsupported threadgroup element type ") << elem;
  if (llvm::is_contained(type.getShape(), 0))
    return emitOpError("threadgroup allocation must not be empty");
  std::optional<int64_t> bytes = getThreadgroupBytes(type);
  if (!bytes || *bytes > kMaxThreadgroupBytes)
    return emitOpError("allocates ")
           << (bytes ? std::to_string(*bytes) : std::string("more than 2^63"))
           << " bytes; Metal allows at most " << kMaxThreadgroupBytes
           << " bytes of threadgroup memory";
  return success();
}

std::optional<int64_t> mlir::enigma::getThreadgroupBytes(MemRefType type) {
  Type elem = type.getElementType();
  int64_t lanes = 1;
  if (auto vec = llvm::dyn_cast<VectorType>(elem)) {
    lanes = vec.getNumElements();
    elem = vec.getElementType();
  }
  // index is 32-bit in MSL (docs/msl-translation.md).
  int64_t bits = elem.isIndex() ? 32 : elem.getIntOrFloatBitWidth();
  int64_t bytes = std::max<int64_t>(1, bits / 8) * lanes;
  for (int64_t d : type.getShape())
    if (d < 0 || llvm::MulOverflow(bytes, d, bytes))
      return std::nullopt;
  return bytes;
}

//===----------------------------------------------------------------------===//
// Cross-lane operations
//===----------------------------------------------------------------------===//

static Type elementTypeOf(Type type) {
  if (auto vec = llvm::dyn_cast<VectorType>(type))
    return vec.getElementType();
  return type;
}

template <typename ReduceOpTy>
static LogicalResult verifyReduce(ReduceOpTy op) {
  Type elem = elementTypeOf(op.getValue().getType());
  bool isInt = llvm::isa<IntegerType>(elem);
  ReduceKind kind = op.getKind();
  if ((kind == ReduceKind::And || kind == ReduceKind::Or || kind == ReduceKind::Xor) && !isInt)
    return op.emitOpError("'") << stringifyReduceKind(kind)
                               << "' reduction needs an integer type, got " << elem;
  if (op.getIsUnsigned() && !isInt)
    return op.emitOpError("'unsigned' only applies to integer values, got ") << elem;
  return success();
}

LogicalResult SimdReduceOp::verify() { return verifyReduce(*this); }
LogicalResult QuadReduceOp::verify() { return verifyReduce(*this); }

//===----------------------------------------------------------------------===//
// Atomics
//===----------------------------------------------------------------------===//

static LogicalResult verifyAtomicAccess(Operation *op, MemRefType type, ValueRange indices,
                                        bool isUnsigned) {
  std::optional<AddressSpace> space = getAddressSpace(type);
  if (!space || (*space != AddressSpace::Device && *space != AddressSpace::Threadgroup))
    return op->emitOpError("atomics need a memref in the device or threadgroup address space");
  if (static_cast<int64_t>(indices.size()) != type.getRank())
    return op->emitOpError("expected ") << type.getRank() << " indices, got " << indices.size();
  if (isUnsigned && !type.getElementType().isInteger(32))
    return op->emitOpError("'unsigned' only applies to i32 atomics");
  return success();
}

static bool hasAcquire(MemoryOrder order) {
  return order == MemoryOrder::Acquire || order == MemoryOrder::AcqRel ||
         order == MemoryOrder::SeqCst;
}

/// C++'s rules ([atomics.types.operations]): a load cannot release, a store cannot acquire.
static LogicalResult verifyLoadOrder(Operation *op, MemoryOrder order, llvm::StringRef what) {
  if (order == MemoryOrder::Release || order == MemoryOrder::AcqRel)
    return op->emitOpError() << what << " cannot be '" << stringifyMemoryOrder(order)
                             << "' (a load does not release)";
  return success();
}

LogicalResult AtomicRMWOp::verify() {
  MemRefType type = getMemref().getType();
  if (failed(verifyAtomicAccess(*this, type, getIndices(), getIsUnsigned())))
    return failure();
  if (type.getElementType().isF32()) {
    AtomicKind kind = getKind();
    if (kind != AtomicKind::Add && kind != AtomicKind::Sub && kind != AtomicKind::Exchange)
      return emitOpError("'") << stringifyAtomicKind(kind)
                              << "' is not available on atomic_float (only add, sub, exchange)";
  }
  return success();
}

LogicalResult AtomicCmpXchgOp::verify() {
  if (failed(verifyAtomicAccess(*this, getMemref().getType(), getIndices(), getIsUnsigned())) ||
      failed(verifyLoadOrder(*this, getFailureOrder(), "failure_order")))
    return failure();
  // The failure order is no stronger than the success order (relaxed < acquire < seq_cst).
  MemoryOrder success = getOrder(), failure = getFailureOrder();
  if ((failure == MemoryOrder::Acquire && !hasAcquire(success)) ||
      (failure == MemoryOrder::SeqCst && success != MemoryOrder::SeqCst))
    return emitOpError("failure_order '")
           << stringifyMemoryOrder(failure) << "' is stronger than the success order '"
           << stringifyMemoryOrder(success) << "'";
  return mlir::success();
}
LogicalResult AtomicLoadOp::verify() {
  if (failed(verifyAtomicAccess(*this, getMemref().getType(), getIndices(), getIsUnsigned())))
    return failure();
  return verifyLoadOrder(*this, getOrder(), "the order of an atomic load");
}
LogicalResult AtomicStoreOp::verify() {
  if (failed(verifyAtomicAccess(*this, getMemref().getType(), getIndices(), getIsUnsigned())))
    return failure();
  if (getOrder() == MemoryOrder::Acquire || getOrder() == MemoryOrder::AcqRel)
    return emitOpError("the order of an atomic store cannot be '")
           << stringifyMemoryOrder(getOrder()) << "' (a store does not acquire)";
  return success();
}

//===----------------------------------------------------------------------===//
// SIMD-group matrices
//===----------------------------------------------------------------------===//

static LogicalResult verifyMatrixMemory(Operation *op, MemRefType memref, ValueRange indices,
                                        SimdgroupMatrixType matrix) {
  std::optional<AddressSpace> space = getAddressSpace(memref);
  if (!space || (*space != AddressSpace::Device && *space != AddressSpace::Threadgroup &&
                 *space != AddressSpace::Constant))
    return op->emitOpError("simdgroup matrices move to and from device, constant or "
                           "threadgroup memory");
  if (static_cast<int64_t>(indices.size()) != memref.getRank())
    return op->emitOpError("expected ") << memref.getRank() << " indices, got "
                                        << indices.size();
  if (memref.getElementType() != matrix.getElementType())
    return op->emitOpError("memref element type ")
           << memref.getElementType() << " does not match matrix element type "
           << matrix.getElementType();
  return success();
}

LogicalResult SimdgroupMatrixLoadOp::verify() {
  return verifyMatrixMemory(*this, llvm::cast<MemRefType>(getMemref().getType()), getIndices(),
                            getResult().getType());
}

LogicalResult SimdgroupMatrixStoreOp::verify() {
  if (auto space = getAddressSpace(llvm::cast<MemRefType>(getMemref().getType()));
      space && *space == AddressSpace::Constant)
    return emitOpError("cannot store to the constant address space");
  return verifyMatrixMemory(*this, llvm::cast<MemRefType>(getMemref().getType()), getIndices(),
                            getValue().getType());
}

LogicalResult SimdgroupMatrixMultiplyAccumulateOp::verify() {
  // Metal's simdgroup_multiply_accumulate takes four matrices of one type.
  if (getA().getType() != getB().getType() || getA().getType() != getC().getType())
    return emitOpError("operands a, b and c must have the same matrix type, got ")
           << getA().getType() << ", " << getB().getType() << " and " << getC().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Thread and grid queries
//===----------------------------------------------------------------------===//

/// `x`, `y` or `z` after a dimension query's name. (The enum attribute's own printer would
/// add a second space: `enigma.thread_position_in_grid  x`.)
static ParseResult parseDimKeyword(OpAsmParser &parser, DimAttr &dim) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (parser.parseKeyword(&keyword))
    return failure();
  std::optional<Dim> value = symbolizeDim(keyword);
  if (!value)
    return parser.emitError(loc, "expected 'x', 'y' or 'z', got '") << keyword << "'";
  dim = DimAttr::get(parser.getContext(), *value);
  return success();
}

static void printDimKeyword(OpAsmPrinter &printer, Operation *, DimAttr dim) {
  printer << stringifyDim(dim.getValue());
}

//===----------------------------------------------------------------------===//
// Integer ranges of the thread and grid queries (InferIntRangeInterface)
//===----------------------------------------------------------------------===//

/// Metal's sizes are 32-bit: at most 2^32 - 1 threads (or threadgroups) along a dimension.
static constexpr uint64_t kMaxCount = 0xFFFFFFFFu;

static ConstantIntRanges indexRange(uint64_t lo, uint64_t hi) {
  unsigned bits = IndexType::kInternalStorageBitWidth;
  return ConstantIntRanges::fromUnsigned(APInt(bits, lo), APInt(bits, hi));
}
/// A count: `known` when given, else any 32-bit count.
static ConstantIntRanges countRange(std::optional<uint64_t> known) {
  return known ? indexRange(*known, *known) : indexRange(1, kMaxCount);
}
/// A position below such a count.
static ConstantIntRanges positionRange(std::optional<uint64_t> known) {
  return indexRange(0, (known ? *known : kMaxCount) - 1);
}

/// The threadgroup size the enclosing kernel is always launched with.
static std::optional<std::array<uint64_t, 3>> knownBlockSize(Operation *op) {
  auto kernel = op->getParentOfType<KernelOp>();
  if (!kernel)
    return std::nullopt;
  return kernel.getKnownBlockSize();
}
static std::optional<uint64_t> knownBlockDim(Operation *op, Dim dim) {
  if (auto sizes = knownBlockSize(op))
    return (*sizes)[static_cast<unsigned>(dim)];
  return std::nullopt;
}
static std::optional<uint64_t> knownBlockThreads(Operation *op) {
  auto sizes = knownBlockSize(op);
  if (!sizes)
    return std::nullopt;
  uint64_t threads = 1;
  for (uint64_t s : *sizes)
    if (s > kMaxCount / threads)
      return std::nullopt;
    else
      threads *= s;
  return threads;
}

/// The integer range of a thread or grid query's result (the queries' inferResultRanges).
static ConstantIntRanges queryRange(Operation *op) {
  auto blockDim = [&] {
    return knownBlockDim(op, op->getAttrOfType<DimAttr>("dim").getValue());
  };
  if (isa<ThreadPositionInThreadgroupOp>(op))
    return positionRange(blockDim());
  if (isa<ThreadsPerThreadgroupOp>(op))
    return countRange(blockDim());
  // At most one SIMD-group per thread.
  if (isa<ThreadIndexInThreadgroupOp, SimdgroupIndexInThreadgroupOp>(op))
    return positionRange(knownBlockThreads(op));
  if (isa<SimdgroupsPerThreadgroupOp>(op))
    return indexRange(1, knownBlockThreads(op).value_or(kMaxCount));
  if (isa<ThreadsPerGridOp, ThreadgroupsPerGridOp, ThreadsPerSimdgroupOp>(op))
    return countRange(std::nullopt);
  // thread_position_in_grid, threadgroup_position_in_grid, thread_index_in_simdgroup.
  return positionRange(std::nullopt);
}

#define GET_OP_CLASSES
#include "enigma/Dialect/Enigma/IR/EnigmaOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Function constants
//===----------------------------------------------------------------------===//

LogicalResult FunctionConstantOp::verify() {
  int64_t index = getIndexAttr().getInt();
  if (index < 0 || index > kMaxIndex)
    return emitOpError("index ") << index << " is out of range: Metal function constant indices "
                                 << "are in [0, " << kMaxIndex << "]";
  Type type = getResult().getType();
  if (getIsUnsigned() && (!type.isInteger() || type.isInteger(1)))
    return emitOpError("'unsigned' applies to integer function constants wider than i1, not ")
           << type;
  if (std::optional<StringRef> name = getName()) {
    bool ok = !name->empty() && (llvm::isAlpha(name->front()) || name->front() == '_') &&
              llvm::all_of(*name, [](char c) { return llvm::isAlnum(c) || c == '_'; });
    if (!ok)
      return emitOpError("name '") << *name << "' is not an identifier";
  }
  return success();
}

