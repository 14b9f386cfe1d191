//===- EnigmaTypes.td - Types of the enigma dialect --------*- tablegen -*-===//

#ifndef ENIGMA_TYPES_TD
#define ENIGMA_TYPES_TD

include "enigma/Dialect/Enigma/IR/EnigmaDialect.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

def Enigma_SimdgroupMatrixType : Enigma_Type<"SimdgroupMatrix", "simdgroup_matrix"> {
  let summary = "an 8x8 matrix distributed over the 32 lanes of a SIMD-group";
  let description = [{
    Metal's `simdgroup_float8x8` / `simdgroup_half8x8` / `simdgroup_bfloat8x8`: an 8x8 matrix
    whose elements are spread over the lanes of one SIMD-group. Values of this type only exist
    inside a kernel and are produced and consumed by the `enigma.simdgroup_matrix_*` operations.

    ```mlir
    !enigma.simdgroup_matrix<8x8xf32>
    ```
  }];
  let parameters = (ins "int64_t":$rows, "int64_t":$cols, "::mlir::Type":$elementType);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def Enigma_LayoutType : Enigma_Type<"Layout", "layout"> {
  let summary = "a CuTe layout value";
  let description = [{
    The type of the layout algebra ops' values. Layouts are compile-time values: they fold to
    `enigma.layout_constant` and are lowered away by `enigma-lower-layouts`; none reaches MSL.

    ```mlir
    !enigma.layout
    ```
  }];
}

#endif // ENIGMA_TYPES_TD
