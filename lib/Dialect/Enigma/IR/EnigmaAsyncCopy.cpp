//===- EnigmaAsyncCopy.cpp - SIMD-group async copy verifiers --------------===//
//
// The copies check their direction (the address spaces of `dst` and `src`), that both memrefs
// are rank 1 with one element type, and, for the operands that are constants, what can be
// decided statically: counts and tile sizes are not negative, a tile's rows do not overlap
// (cols <= row stride) and a copy stays inside statically sized memrefs.
//
//===----------------------------------------------------------------------===//

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::enigma;

static llvm::StringRef spaceName(AddressSpace space) { return stringifyAddressSpace(space); }

/// The constant value of an index operand, if it has one.
static std::optional<int64_t> constantIndex(Value value) {
  llvm::APInt v;
  if (matchPattern(value, m_ConstantInt(&v)))
    return v.getSExtValue();
  return std::nullopt;
}

/// Checks one memref operand of a copy: rank 1, in `space`.
static LogicalResult verifyCopyMemRef(Operation *op, Value memref, llvm::StringRef role,
                                      AddressSpace space, llvm::StringRef direction) {
  auto type = llvm::cast<MemRefType>(memref.getType());
  if (type.getRank() != 1)
    return op->emitOpError() << "expects '" << role << "' to be a rank-1 memref, got " << type;
  std::optional<AddressSpace> actual = getAddressSpace(type);
  if (!actual || *actual != space)
    return op->emitOpError() << "copies " << direction << " memory: '" << role
                             << "' must be in #enigma.address_space<" << spaceName(space)
                             << ">, got " << type;
  return success();
}

/// Reports a constant operand that is negative.
static LogicalResult verifyNonNegative(Operation *op, Value value, llvm::StringRef what) {
  std::optional<int64_t> c = constantIndex(value);
  if (c && *c < 0)
    return op->emitOpError() << what << " must not be negative, got " << *c;
  return success();
}

/// Checks that elements [offset, offset + extent) fit a statically sized memref (when both are
/// constants).
static LogicalResult verifyExtent(Operation *op, Value memref, llvm::StringRef role,
                                  Value offset, std::optional<int64_t> extent) {
  auto type = llvm::cast<MemRefType>(memref.getType());
  std::optional<int64_t> off = constantIndex(offset);
  if (!extent || !off || *extent <= 0 || !type.hasStaticShape())
    return success();
  int64_t size = type.getNumElements();
  if (*off > size || *extent > size - *off)
    return op->emitOpError() << "copies elements [" << *off << ", " << *off + *extent
                             << ") of '" << role << "', which has " << size << " elements";
  return success();
}

template <typename CopyOp>
static LogicalResult verifyCommon(CopyOp op, llvm::StringRef direction) {
  if (failed(verifyCopyMemRef(op, op.getDst(), "dst", CopyOp::kDstSpace, direction)) ||
      failed(verifyCopyMemRef(op, op.getSrc(), "src", CopyOp::kSrcSpace, direction)))
    return failure();
  Type dstElem = op.getDst().getType().getElementType();
  Type srcElem = op.getSrc().getType().getElementType();
  if (dstElem != srcElem)
    return op.emitOpError() << "copies between different element types: 'dst' holds " << dstElem
                            << ", 'src' holds " << srcElem;
  if (failed(verifyNonNegative(op, op.getDstOffset(), "'dst' offset")) ||
      failed(verifyNonNegative(op, op.getSrcOffset(), "'src' offset")))
    return failure();
  return success();
}

template <typename CopyOp> static LogicalResult verify1d(CopyOp op, llvm::StringRef direction) {
  if (failed(verifyCommon(op, direction)) ||
      failed(verifyNonNegative(op, op.getCount(), "the element count")))
    return failure();
  std::optional<int64_t> count = constantIndex(op.getCount());
  if (failed(verifyExtent(op, op.getDst(), "dst", op.getDstOffset(), count)) ||
      failed(verifyExtent(op, op.getSrc(), "src", op.getSrcOffset(), count)))
    return failure();
  return success();
}

template <typename CopyOp> static LogicalResult verify2d(CopyOp op, llvm::StringRef direction) {
  if (failed(verifyCommon(op, direction)) ||
      failed(verifyNonNegative(op, op.getCols(), "the tile's column count")) ||
      failed(verifyNonNegative(op, op.getRows(), "the tile's row count")))
    return failure();
  std::optional<int64_t> cols = constantIndex(op.getCols());
  std::optional<int64_t> rows = constantIndex(op.getRows());
  // The rows of a tile must not overlap: Metal's elements_per_row is at least the tile width.
  for (auto [stride, role] : {std::pair{op.getDstRowStride(), "dst"},
                              std::pair{op.getSrcRowStride(), "src"}}) {
    std::optional<int64_t> s = constantIndex(stride);
    if (s && *s < 1)
      return op.emitOpError() << "'" << role << "' row stride must be positive, got " << *s;
    if (s && cols && *cols > *s)
      return op.emitOpError() << "the tile is " << *cols << " elements wide but the '" << role
                              << "' row stride is " << *s << " (rows would overlap)";
  }
  // Extent of the tile in each memref: (rows - 1) * stride + cols.
  auto extent = [&](Value stride) -> std::optional<int64_t> {
    std::optional<int64_t> s = constantIndex(stride);
    if (!s || !cols || !rows || *rows == 0 || *cols == 0)
      return std::nullopt;
    int64_t result;
    if (llvm::MulOverflow(*rows - 1, *s, result) || llvm::AddOverflow(result, *cols, result))
      return std::nullopt;
    return result;
  };
  if (failed(verifyExtent(op, op.getDst(), "dst", op.getDstOffset(),
                          extent(op.getDstRowStride()))) ||
      failed(verifyExtent(op, op.getSrc(), "src", op.getSrcOffset(),
                          extent(op.getSrcRowStride()))))
    return failure();
  return success();
}

LogicalResult AsyncCopy1dD2TOp::verify() { return verify1d(*this, "device -> threadgroup"); }
LogicalResult AsyncCopy1dT2DOp::verify() { return verify1d(*this, "threadgroup -> device"); }
LogicalResult AsyncCopy2dD2TOp::verify() { return verify2d(*this, "device -> threadgroup"); }
LogicalResult AsyncCopy2dT2DOp::verify() { return verify2d(*this, "threadgroup -> device"); }

LogicalResult AsyncCopyWaitOp::verify() {
  if (getEvents().empty())
    return emitOpError("needs at least one event to wait for");
  return success();
}
