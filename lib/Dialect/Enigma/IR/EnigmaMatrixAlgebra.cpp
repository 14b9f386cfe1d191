//===- EnigmaMatrixAlgebra.cpp - Verifiers of the Metal matrix ops --------===//
//
// `vector<CxRxT>` is Metal's TCxR (C columns of R rows); the verifiers hold shapes to what
// Metal has: 2..4 columns and rows, half or float, and the shapes of Metal's `*` overloads.
//
//===----------------------------------------------------------------------===//

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace mlir::enigma;

static bool isMetalExtent(int64_t n) { return n >= 2 && n <= 4; }

/// Checks that `type` is a Metal matrix (rank 2) or vector (rank 1): fixed extents in 2..4.
static LogicalResult verifyMetalShape(Operation *op, VectorType type, llvm::StringRef what) {
  if (type.isScalable() || !llvm::all_of(type.getShape(), isMetalExtent))
    return op->emitOpError() << what << " " << type << " is not a Metal "
                             << (type.getRank() == 2 ? "matrix (2 to 4 columns and rows)"
                                                     : "vector (2 to 4 elements)");
  return success();
}

LogicalResult MatmulOp::verify() {
  auto lhs = llvm::cast<VectorType>(getLhs().getType());
  auto rhs = llvm::cast<VectorType>(getRhs().getType());
  auto result = llvm::cast<VectorType>(getResult().getType());
  if (failed(verifyMetalShape(*this, lhs, "lhs")) || failed(verifyMetalShape(*this, rhs, "rhs")))
    return failure();
  if (lhs.getElementType() != rhs.getElementType() ||
      lhs.getElementType() != result.getElementType())
    return emitOpError("operands and result must have the same element type, got ")
           << lhs.getElementType() << ", " << rhs.getElementType() << " and "
           << result.getElementType();
  if (lhs.getRank() == 1 && rhs.getRank() == 1)
    return emitOpError("needs a matrix operand (the product of two vectors is not a Metal "
                       "operator; use arith.mulf for the elementwise product)");
  // lhs is KxR (K columns of R rows) or a row vector of R; rhs is CxK or a column vector of K.
  int64_t inner = lhs.getDimSize(0);
  int64_t innerRhs = rhs.getRank() == 2 ? rhs.getDimSize(1) : rhs.getDimSize(0);
  if (lhs.getRank() == 1) {
    // vector<R> * vector<CxR>: the vector has as many elements as the matrix has rows.
    if (lhs.getDimSize(0) != rhs.getDimSize(1))
      return emitOpError("vector x matrix needs the vector's length (")
             << lhs.getDimSize(0) << ") to equal the matrix's number of rows (" << rhs.getDimSize(1)
             << ")";
  } else if (inner != innerRhs) {
    return emitOpError("the columns of lhs (")
           << inner << ") must equal the " << (rhs.getRank() == 2 ? "rows" : "length")
           << " of rhs (" << innerRhs << ")";
  }
  llvm::SmallVector<int64_t, 2> expected;
  if (lhs.getRank() == 2 && rhs.getRank() == 2)
    expected = {rhs.getDimSize(0), lhs.getDimSize(1)};
  else if (lhs.getRank() == 2)
    expected = {lhs.getDimSize(1)};
  else
    expected = {rhs.getDimSize(0)};
  VectorType expectedType = VectorType::get(expected, lhs.getElementType());
  if (result != expectedType)
    return emitOpError("result type ") << result << " should be " << expectedType;
  return success();
}

LogicalResult DeterminantOp::verify() {
  auto type = llvm::cast<VectorType>(getMatrix().getType());
  if (failed(verifyMetalShape(*this, type, "operand")))
    return failure();
  if (type.getDimSize(0) != type.getDimSize(1))
    return emitOpError("needs a square matrix, got ") << type;
  return success();
}
