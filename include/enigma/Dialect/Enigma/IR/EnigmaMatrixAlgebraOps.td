//===- EnigmaMatrixAlgebraOps.td - Metal matrix algebra ----*- tablegen -*-===//
//
// Metal's small matrices (float2x2 ... float4x4, half too) are upstream rank-2 vectors:
// `vector<CxRxT>` is Metal's `TCxR`, C columns of R rows, column-major: `m[i]` (MLIR
// `vector.extract %m[i]`) is column i, a `vector<RxT>`, and `m[i][j]` is row j of column i.
// Construction, column access, transpose and elementwise arithmetic are upstream vector and
// arith ops; the linear-algebra product and the determinant are the ops below.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_MATRIX_ALGEBRA_OPS_TD
#define ENIGMA_MATRIX_ALGEBRA_OPS_TD

include "enigma/Dialect/Enigma/IR/EnigmaDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// A Metal matrix (rank 2) or vector (rank 1) of half or float; shapes checked by the verifiers.
def Enigma_MatrixOrVector : VectorOfRankAndType<[1, 2], [F16, F32]>;
def Enigma_Matrix : VectorOfRankAndType<[2], [F16, F32]>;

def Enigma_MatmulOp : Enigma_Op<"matmul", [Pure]> {
  let summary = "Metal's linear-algebra product `a * b` of matrices and vectors";
  let description = [{
    The product Metal writes `a * b` when a matrix is involved (not the elementwise product,
    which is `arith.mulf`). With `vector<CxRxT>` the Metal matrix of C columns and R rows:

    - matrix x matrix: `vector<KxRxT>` x `vector<CxKxT>` -> `vector<CxRxT>`;
    - matrix x vector: `vector<KxRxT>` x `vector<KxT>` -> `vector<RxT>` (column vector);
    - vector x matrix: `vector<RxT>` x `vector<CxRxT>` -> `vector<CxT>` (row vector).

    C, R and K are 2, 3 or 4; T is f16 or f32, the same for both operands.

    ```mlir
    %p = enigma.matmul %a, %b : vector<3x2xf32>, vector<4x3xf32> -> vector<4x2xf32>
    %y = enigma.matmul %m, %x : vector<3x2xf32>, vector<3xf32> -> vector<2xf32>
    ```
  }];
  let arguments = (ins Enigma_MatrixOrVector:$lhs, Enigma_MatrixOrVector:$rhs);
  let results = (outs Enigma_MatrixOrVector:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Enigma_DeterminantOp : Enigma_Op<"determinant", [Pure,
    TypesMatchWith<"result is the matrix element type", "matrix", "result",
                   "::mlir::getElementTypeOrSelf($_self)">]> {
  let summary = "Metal determinant(m) of a square matrix";
  let description = [{
    ```mlir
    %d = enigma.determinant %m : vector<3x3xf32>
    ```
  }];
  let arguments = (ins Enigma_Matrix:$matrix);
  let results = (outs AnyTypeOf<[F16, F32]>:$result);
  let assemblyFormat = "$matrix attr-dict `:` type($matrix)";
  let hasVerifier = 1;
}

#endif // ENIGMA_MATRIX_ALGEBRA_OPS_TD
