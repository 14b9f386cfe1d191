//===- EnigmaMatrixOps.td - SIMD-group matrix operations ---*- tablegen -*-===//

#ifndef ENIGMA_MATRIX_OPS_TD
#define ENIGMA_MATRIX_OPS_TD

include "enigma/Dialect/Enigma/IR/EnigmaDialect.td"
include "enigma/Dialect/Enigma/IR/EnigmaTypes.td"
include "enigma/Dialect/Enigma/IR/EnigmaSyncOps.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Enigma_SimdgroupMatrixFillOp : Enigma_Op<"simdgroup_matrix_fill", [Enigma_InKernel,
    Pure, TypesMatchWith<"value type matches matrix element type", "result", "value",
      "::llvm::cast<::mlir::enigma::SimdgroupMatrixType>($_self).getElementType()">]> {
  let summary = "a SIMD-group matrix with every element equal to `value`";
  let description = [{
    Metal's `make_filled_simdgroup_matrix<T, 8, 8>(value)`.

    ```mlir
    %c = enigma.simdgroup_matrix_fill %zero : !enigma.simdgroup_matrix<8x8xf32>
    ```
  }];
  let arguments = (ins AnyFloat:$value);
  let results = (outs Enigma_SimdgroupMatrixType:$result);
  let assemblyFormat = "$value attr-dict `:` type($result)";
}

def Enigma_SimdgroupMatrixLoadOp : Enigma_Op<"simdgroup_matrix_load", [Enigma_InKernel,
    MemoryEffects<[MemRead<Enigma_LaneResource>]>]> {
  let summary = "Metal simdgroup_load";
  let description = [{
    Loads an 8x8 matrix whose element (r, c) is at `memref[indices] + r * stride + c`
    (`c * stride + r` with `transpose`), i.e. Metal's
    `simdgroup_load(m, &memref[indices], stride, ulong2(0, 0), transpose)`. All lanes of the
    SIMD-group must execute it with the same operands.

    ```mlir
    %a = enigma.simdgroup_matrix_load %A[%off], %c16 : memref<?xf32, #enigma.address_space<device>>
        -> !enigma.simdgroup_matrix<8x8xf32>
    ```
  }];
  let arguments = (ins Arg<AnyMemRef, "", [MemRead]>:$memref, Variadic<Index>:$indices,
                       Index:$stride, UnitAttr:$transpose);
  let results = (outs Enigma_SimdgroupMatrixType:$result);
  let assemblyFormat = [{
    $memref `[` $indices `]` `,` $stride (`transpose` $transpose^)? attr-dict
    `:` type($memref) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Enigma_SimdgroupMatrixStoreOp : Enigma_Op<"simdgroup_matrix_store", [Enigma_InKernel,
    MemoryEffects<[MemRead<Enigma_LaneResource>]>]> {
  let summary = "Metal simdgroup_store";
  let description = [{
    Stores an 8x8 matrix; addressing as `enigma.simdgroup_matrix_load`.

    ```mlir
    enigma.simdgroup_matrix_store %c, %C[%off], %c16 : !enigma.simdgroup_matrix<8x8xf32>,
        memref<?xf32, #enigma.address_space<device>>
    ```
  }];
  let arguments = (ins Enigma_SimdgroupMatrixType:$value,
                       Arg<AnyMemRef, "", [MemWrite]>:$memref, Variadic<Index>:$indices,
                       Index:$stride, UnitAttr:$transpose);
  let assemblyFormat = [{
    $value `,` $memref `[` $indices `]` `,` $stride (`transpose` $transpose^)? attr-dict
    `:` type($value) `,` type($memref)
  }];
  let hasVerifier = 1;
}

def Enigma_SimdgroupMatrixMultiplyAccumulateOp
    : Enigma_Op<"simdgroup_matrix_multiply_accumulate", [Enigma_InKernel,
        MemoryEffects<[MemRead<Enigma_LaneResource>]>, AllTypesMatch<["c", "result"]>]> {
  let summary = "Metal simdgroup_multiply_accumulate: result = a * b + c";
  let description = [{
    ```mlir
    %d = enigma.simdgroup_matrix_multiply_accumulate %a, %b, %c
        : !enigma.simdgroup_matrix<8x8xf32>, !enigma.simdgroup_matrix<8x8xf32>,
          !enigma.simdgroup_matrix<8x8xf32>
    ```
  }];
  let arguments = (ins Enigma_SimdgroupMatrixType:$a, Enigma_SimdgroupMatrixType:$b,
                       Enigma_SimdgroupMatrixType:$c);
  let results = (outs Enigma_SimdgroupMatrixType:$result);
  let assemblyFormat = [{
    $a `,` $b `,` $c attr-dict `:` type($a) `,` type($b) `,` type($c)
  }];
  let hasVerifier = 1;
}

#endif // ENIGMA_MATRIX_OPS_TD
