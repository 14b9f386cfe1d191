//===- EnigmaFunctionConstantOps.td - Metal function constants -*- tablegen -*-===//

#ifndef ENIGMA_FUNCTION_CONSTANT_OPS_TD
#define ENIGMA_FUNCTION_CONSTANT_OPS_TD

include "enigma/Dialect/Enigma/IR/EnigmaDialect.td"
include "enigma/Dialect/Enigma/IR/EnigmaThreadOps.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Enigma_FunctionConstantOp : Enigma_Op<"function_constant", [Pure, Enigma_InKernel]> {
  let summary = "a Metal function constant (specialization constant)";
  let description = [{
    The value of Metal function constant `index`: a scalar fixed when the pipeline is created
    (`MTLFunctionConstantValues`), the same for every thread of every launch of that pipeline.
    The result is a scalar `i1` (bool), `i8`, `i16`, `i32`, `i64`, `f16` or `f32`; MLIR integers
    are signless, so `unsigned` says the constant is declared with the unsigned MSL type
    (`uchar`, `ushort`, `uint`, `ulong`). `name`, when given, is the constant's MSL name
    (legalized); otherwise it is `enigma_fc_<index>`.

    The MSL translation declares each index once at file scope, as Metal requires:
    `constant float enigma_fc_0 [[function_constant(0)]];`. Every function constant op of a
    kernel with the same index must have the same type, signedness and name (verified at the
    kernel).

    ```mlir
    %scale = enigma.function_constant 0 : f32
    %n = enigma.function_constant 1 unsigned {name = "n"} : i32
    ```
  }];
  let arguments = (ins I32Attr:$index, UnitAttr:$is_unsigned, OptionalAttr<StrAttr>:$name);
  let results = (outs AnyTypeOf<[I1, I8, I16, I32, I64, F16, F32]>:$result);
  let assemblyFormat = "$index (`unsigned` $is_unsigned^)? attr-dict `:` type($result)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Metal's limit on function constant indices.
    static constexpr int64_t kMaxIndex = 65535;
  }];
}

#endif // ENIGMA_FUNCTION_CONSTANT_OPS_TD
