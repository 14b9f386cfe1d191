//===- EnigmaSimdOps.td - SIMD-group and quad-group ops ----*- tablegen -*-===//

#ifndef ENIGMA_SIMD_OPS_TD
#define ENIGMA_SIMD_OPS_TD

include "enigma/Dialect/Enigma/IR/EnigmaDialect.td"
include "enigma/Dialect/Enigma/IR/EnigmaEnums.td"
include "enigma/Dialect/Enigma/IR/EnigmaSyncOps.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Enigma_LaneValue : AnyTypeOf<[AnySignlessInteger, AnyFloat,
    VectorOfRankAndType<[1], [AnySignlessInteger, AnyFloat]>]>;

// `group` is "simd" (32 lanes on Apple GPUs) or "quad" (4 lanes).
class Enigma_ReduceOp<string group>
    : Enigma_Op<group # "_reduce", [Enigma_InKernel,
        MemoryEffects<[MemRead<Enigma_LaneResource>]>, AllTypesMatch<["value", "result"]>]> {
  let summary = "reduction over the active lanes of a " # group # "-group";
  let description = [{
    Metal's `}] # group # [{_sum`, `_product`, `_min`, `_max`, `_and`, `_or`, `_xor`: every
    active lane receives the reduction of `value` over the active lanes of its group. `min` and
    `max` of integers compare as signed unless `unsigned` is given. Cross-lane: never
    speculated, hoisted or sunk.

    ```mlir
    %s = enigma.}] # group # [{_reduce <sum> %x : f32
    %m = enigma.}] # group # [{_reduce <max> unsigned %i : i32
    ```
  }];
  let arguments = (ins Enigma_ReduceKindAttr:$kind, UnitAttr:$is_unsigned,
                       Enigma_LaneValue:$value);
  let results = (outs Enigma_LaneValue:$result);
  let assemblyFormat =
      "$kind (`unsigned` $is_unsigned^)? $value attr-dict `:` type($value)";
  let hasVerifier = 1;
}

class Enigma_ScanOp<string group>
    : Enigma_Op<group # "_prefix", [Enigma_InKernel,
        MemoryEffects<[MemRead<Enigma_LaneResource>]>, AllTypesMatch<["value", "result"]>]> {
  let summary = "prefix scan over the lanes of a " # group # "-group";
  let description = [{
    Metal's `}] # group # [{_prefix_inclusive_sum`, `_exclusive_sum`, `_inclusive_product`,
    `_exclusive_product`, in lane order.

    ```mlir
    %p = enigma.}] # group # [{_prefix <exclusive_sum> %x : f32
    ```
  }];
  let arguments = (ins Enigma_ScanKindAttr:$kind, Enigma_LaneValue:$value);
  let results = (outs Enigma_LaneValue:$result);
  let assemblyFormat = "$kind $value attr-dict `:` type($value)";
}

class Enigma_ShuffleOp<string group>
    : Enigma_Op<group # "_shuffle", [Enigma_InKernel,
        MemoryEffects<[MemRead<Enigma_LaneResource>]>, AllTypesMatch<["value", "result"]>]> {
  let summary = "value exchange between lanes of a " # group # "-group";
  let description = [{
    Metal's `}] # group # [{_shuffle` (`idx`: read lane `lane`), `_shuffle_up` / `_down`
    (read the lane `lane` below / above, keeping the own value at the edge), `_shuffle_xor`
    (read lane `self ^ lane`) and `_shuffle_rotate_up` / `_down` (with wrap-around).

    ```mlir
    %y = enigma.}] # group # [{_shuffle <down> %x, %delta : f32, i32
    ```
  }];
  let arguments = (ins Enigma_ShuffleKindAttr:$kind, Enigma_LaneValue:$value,
                       AnySignlessIntegerOrIndex:$lane);
  let results = (outs Enigma_LaneValue:$result);
  let assemblyFormat =
      "$kind $value `,` $lane attr-dict `:` type($value) `,` type($lane)";
}

def Enigma_SimdReduceOp : Enigma_ReduceOp<"simd">;
def Enigma_QuadReduceOp : Enigma_ReduceOp<"quad">;
def Enigma_SimdScanOp : Enigma_ScanOp<"simd">;
def Enigma_QuadScanOp : Enigma_ScanOp<"quad">;
def Enigma_SimdShuffleOp : Enigma_ShuffleOp<"simd">;
def Enigma_QuadShuffleOp : Enigma_ShuffleOp<"quad">;

def Enigma_SimdBroadcastOp : Enigma_Op<"simd_broadcast", [Enigma_InKernel,
    MemoryEffects<[MemRead<Enigma_LaneResource>]>, AllTypesMatch<["value", "result"]>]> {
  let summary = "Metal simd_broadcast: every lane receives lane `lane`'s value";
  let description = [{
    ```mlir
    %y = enigma.simd_broadcast %x, %c0 : f32, i32
    ```
  }];
  let arguments = (ins Enigma_LaneValue:$value, AnySignlessIntegerOrIndex:$lane);
  let results = (outs Enigma_LaneValue:$result);
  let assemblyFormat = "$value `,` $lane attr-dict `:` type($value) `,` type($lane)";
}

def Enigma_QuadBroadcastOp : Enigma_Op<"quad_broadcast", [Enigma_InKernel,
    MemoryEffects<[MemRead<Enigma_LaneResource>]>, AllTypesMatch<["value", "result"]>]> {
  let summary = "Metal quad_broadcast: every lane of a quad receives quad lane `lane`'s value";
  let description = [{
    `lane` is the lane within the quad (0..3), the same for all lanes of the quad.

    ```mlir
    %y = enigma.quad_broadcast %x, %c2 : f32, i32
    ```
  }];
  let arguments = (ins Enigma_LaneValue:$value, AnySignlessIntegerOrIndex:$lane);
  let results = (outs Enigma_LaneValue:$result);
  let assemblyFormat = "$value `,` $lane attr-dict `:` type($value) `,` type($lane)";
}

#endif // ENIGMA_SIMD_OPS_TD
