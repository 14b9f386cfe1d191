//===- EnigmaMathOps.td - Metal standard-library functions -*- tablegen -*-===//
//
// The functions of Metal's standard library (MSL spec chapter 6) that upstream `arith`/`math`
// have no operation for: common float functions (fract, sign, saturate, step, mix,
// smoothstep), signbit, saturating and bit-field integer functions, geometric functions, and
// the 32-bit pack/unpack conversions.
//
// Each operation names its Metal function once, in ODS: the `metalBuiltin` field of
// Enigma_BuiltinOp becomes `static constexpr llvm::StringLiteral getMetalBuiltin()`, and the MSL
// translation (lib/Target/MSL/EmitBuiltins.cpp) prints every such op generically as a call of
// that function. pack/unpack pick the function from their format attribute and define a
// non-static `getMetalBuiltin()` instead.
//
// All are pure functions of their operands (Pure: speculatable, CSE-able, dead when unused).
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_MATH_OPS_TD
#define ENIGMA_MATH_OPS_TD

include "enigma/Dialect/Enigma/IR/EnigmaDialect.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

// A rank-1 fixed vector of `lanes` lanes of one of `elems` (Metal's T2/T3/T4).
class Enigma_MetalVectorOf<list<Type> elems, list<int> lanes, string summary>
    : Type<And<[FixedVectorOfRankAndType<[1], elems>.predicate,
                FixedVectorOfLength<lanes>.predicate]>,
           summary, "::mlir::VectorType">;

def Enigma_MetalFloat : AnyTypeOf<[F16, F32], "f16 or f32">;
def Enigma_MetalFloatVector
    : Enigma_MetalVectorOf<[F16, F32], [2, 3, 4], "vector of 2, 3 or 4 f16 or f32">;
def Enigma_MetalFloatValue : AnyTypeOf<[Enigma_MetalFloat, Enigma_MetalFloatVector],
    "f16 or f32, or a vector of 2, 3 or 4 of them">;
def Enigma_MetalBoolValue : AnyTypeOf<[I1, Enigma_MetalVectorOf<[I1], [2, 3, 4], "">],
    "i1, or a vector of 2, 3 or 4 i1">;
def Enigma_MetalIntValue
    : AnyTypeOf<[I8, I16, I32, I64,
                 Enigma_MetalVectorOf<[I8, I16, I32, I64], [2, 3, 4], "">],
                "signless i8, i16, i32 or i64, or a vector of 2, 3 or 4 of them">;
def Enigma_Cross3Vector
    : Enigma_MetalVectorOf<[F16, F32], [3], "vector of 3 f16 or f32">;
def Enigma_PackVector : Enigma_MetalVectorOf<[F32], [2, 4], "vector of 2 or 4 f32">;

//===----------------------------------------------------------------------===//
// Pack formats
//===----------------------------------------------------------------------===//

// The 32-bit formats of Metal's pack_float_to_<format> / unpack_<format>_to_float.
def Enigma_PackFormat : I32EnumAttr<"PackFormat", "Metal 32-bit pack format", [
    I32EnumAttrCase<"Snorm4x8", 0, "snorm4x8">,
    I32EnumAttrCase<"Unorm4x8", 1, "unorm4x8">,
    I32EnumAttrCase<"Snorm2x16", 2, "snorm2x16">,
    I32EnumAttrCase<"Unorm2x16", 3, "unorm2x16">,
    I32EnumAttrCase<"SrgbUnorm4x8", 4, "srgb_unorm4x8">,
    I32EnumAttrCase<"Unorm10a2", 5, "unorm10a2">]> {
  let cppNamespace = "::mlir::enigma";
  let genSpecializedAttr = 0;
}
def Enigma_PackFormatAttr : EnumAttr<Enigma_Dialect, Enigma_PackFormat, "pack_format"> {
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// Base classes: one per operand shape. `builtin` is the Metal function.
//===----------------------------------------------------------------------===//

class Enigma_BuiltinOp<string mnemonic, string builtin, list<Trait> traits = []>
    : Enigma_Op<mnemonic, !listconcat([Pure], traits)> {
  // The Metal standard-library function the op calls (MSL translation).
  string metalBuiltin = builtin;
  let extraClassDeclaration = [{
    /// The Metal standard-library function this operation is a call of.
    static constexpr ::llvm::StringLiteral getMetalBuiltin() { return "}] # builtin # [{"; }
  }];
}

// f(x) on floats, result of the operand's type.
class Enigma_FloatUnaryOp<string mnemonic, string builtin, string what>
    : Enigma_BuiltinOp<mnemonic, builtin, [SameOperandsAndResultType]> {
  let summary = "Metal " # builtin # ": " # what;
  let arguments = (ins Enigma_MetalFloatValue:$x);
  let results = (outs Enigma_MetalFloatValue:$result);
  let assemblyFormat = "$x attr-dict `:` type($result)";
}

// f(a, b, c) on floats, all operands and the result of one type; `names` are the operands.
class Enigma_FloatTernaryOp<string mnemonic, string builtin, string what, list<string> names>
    : Enigma_BuiltinOp<mnemonic, builtin, [SameOperandsAndResultType]> {
  let summary = "Metal " # builtin # ": " # what;
  let arguments = !dag(ins, !listsplat(Enigma_MetalFloatValue, 3), names);
  let results = (outs Enigma_MetalFloatValue:$result);
  let assemblyFormat = "$" # names[0] # " `,` $" # names[1] # " `,` $" # names[2] #
                       " attr-dict `:` type($result)";
}

// Integer f(a, b[, c]) with Metal's signed (default) or unsigned (`unsigned`) variant.
class Enigma_IntSignedOp<string mnemonic, string builtin, string what, int arity>
    : Enigma_BuiltinOp<mnemonic, builtin, [SameOperandsAndResultType]> {
  let summary = "Metal " # builtin # ": " # what;
  let results = (outs Enigma_MetalIntValue:$result);
  let arguments = !if(!eq(arity, 2),
      (ins UnitAttr:$is_unsigned, Enigma_MetalIntValue:$a, Enigma_MetalIntValue:$b),
      (ins UnitAttr:$is_unsigned, Enigma_MetalIntValue:$a, Enigma_MetalIntValue:$b,
           Enigma_MetalIntValue:$c));
  let assemblyFormat = !if(!eq(arity, 2),
      "(`unsigned` $is_unsigned^)? $a `,` $b attr-dict `:` type($result)",
      "(`unsigned` $is_unsigned^)? $a `,` $b `,` $c attr-dict `:` type($result)");
}

// Geometric functions: float vectors of 2-4 lanes.
class Enigma_GeometryOp<string mnemonic, string builtin, string what, list<Trait> traits>
    : Enigma_BuiltinOp<mnemonic, builtin, traits> {
  let summary = "Metal " # builtin # ": " # what;
}

def Enigma_ElementOfOperand0 : TypesMatchWith<
    "result is the element type of the first operand", "lhs", "result",
    "::llvm::cast<::mlir::VectorType>($_self).getElementType()">;

//===----------------------------------------------------------------------===//
// Common float functions
//===----------------------------------------------------------------------===//

def Enigma_FractOp : Enigma_FloatUnaryOp<"fract", "fract", "fractional part"> {
  let description = [{
    `x - floor(x)`, clamped below 1 (to `0x1.fffffep-1` for f32). Edge cases as in OpenCL C
    (the CPU runtime implements these): `fract(NaN)` is NaN, `fract(±inf)` and `fract(±0)` are
    ±0.

    ```mlir
    %f = enigma.fract %x : vector<4xf32>
    ```
  }];
}

def Enigma_SignOp : Enigma_FloatUnaryOp<"sign", "sign", "sign of a float"> {
  let description = [{
    1.0 for `x > 0`, -1.0 for `x < 0`, `x` itself for ±0 (the sign of zero is kept), and 0.0
    for NaN.

    ```mlir
    %s = enigma.sign %x : f32
    ```
  }];
}

def Enigma_SaturateOp : Enigma_FloatUnaryOp<"saturate", "saturate", "clamp to [0, 1]"> {
  let description = [{
    `clamp(x, 0.0, 1.0)` with Metal's `fmin`/`fmax` semantics: NaN gives 0.0.

    ```mlir
    %s = enigma.saturate %x : vector<3xf16>
    ```
  }];
}

def Enigma_StepOp : Enigma_BuiltinOp<"step", "step", [SameOperandsAndResultType]> {
  let summary = "Metal step: 0.0 below the edge, else 1.0";
  let description = [{
    `step(edge, x)` = 0.0 if `x < edge`, else 1.0 (lane-wise; `x == edge` gives 1.0). Operand
    order is Metal's: the edge first.

    ```mlir
    %s = enigma.step %edge, %x : f32
    ```
  }];
  let arguments = (ins Enigma_MetalFloatValue:$edge, Enigma_MetalFloatValue:$x);
  let results = (outs Enigma_MetalFloatValue:$result);
  let assemblyFormat = "$edge `,` $x attr-dict `:` type($result)";
}

def Enigma_MixOp : Enigma_FloatTernaryOp<"mix", "mix", "linear blend", ["a", "b", "t"]> {
  let description = [{
    `mix(a, b, t)` = `a + (b - a) * t`.

    ```mlir
    %m = enigma.mix %a, %b, %t : vector<4xf32>
    ```
  }];
}

def Enigma_SmoothstepOp : Enigma_FloatTernaryOp<"smoothstep", "smoothstep",
                                                "Hermite interpolation between two edges",
                                                ["edge0", "edge1", "x"]> {
  let description = [{
    `smoothstep(edge0, edge1, x)`: 0.0 for `x <= edge0`, 1.0 for `x >= edge1`, else `t * t *
    (3 - 2 * t)` with `t = (x - edge0) / (edge1 - edge0)`. Undefined (as in Metal) when
    `edge0 >= edge1`.

    ```mlir
    %s = enigma.smoothstep %e0, %e1, %x : f32
    ```
  }];
}

def Enigma_SignbitOp : Enigma_BuiltinOp<"signbit", "signbit", [
    TypesMatchWith<"result is i1 with the lanes of x", "x", "result",
                   [{[](::mlir::Type type) -> ::mlir::Type {
                     // ::mlir::getI1SameShape, which needs TypeUtilities.h.
                     auto i1 = ::mlir::IntegerType::get(type.getContext(), 1);
                     if (auto vector = ::llvm::dyn_cast<::mlir::VectorType>(type))
                       return vector.clone(i1);
                     return i1;
                   }($_self)}]>]> {
  let summary = "Metal signbit: whether the sign bit is set";
  let description = [{
    True for negative numbers, -0.0 and NaNs with the sign bit set. The result is `i1`, or a
    vector of `i1` with the operand's lanes (MSL `bool`/`boolN`).

    ```mlir
    %neg = enigma.signbit %x : vector<2xf32>
    ```
  }];
  let arguments = (ins Enigma_MetalFloatValue:$x);
  let results = (outs Enigma_MetalBoolValue:$result);
  let assemblyFormat = "$x attr-dict `:` type($x)";
}

//===----------------------------------------------------------------------===//
// Integer functions
//===----------------------------------------------------------------------===//

def Enigma_AddSatOp : Enigma_IntSignedOp<"add_sat", "addsat", "saturating addition", 2> {
  let description = [{
    `a + b` clamped to the range of the type, read as signed (Metal's signed `addsat`) or,
    with `unsigned`, as unsigned.

    ```mlir
    %s = enigma.add_sat %a, %b : i8
    %u = enigma.add_sat unsigned %a, %b : vector<4xi32>
    ```
  }];
}

def Enigma_SubSatOp : Enigma_IntSignedOp<"sub_sat", "subsat", "saturating subtraction", 2> {
  let description = [{
    `a - b` clamped to the range of the signed (default) or unsigned (`unsigned`) type.

    ```mlir
    %d = enigma.sub_sat unsigned %a, %b : i32
    ```
  }];
}

def Enigma_MadSatOp : Enigma_IntSignedOp<"mad_sat", "madsat",
                                         "saturating multiply-add", 3> {
  let description = [{
    `a * b + c` computed exactly, then clamped to the range of the signed (default) or
    unsigned (`unsigned`) type.

    ```mlir
    %r = enigma.mad_sat %a, %b, %c : i16
    ```
  }];
}

def Enigma_AbsDiffOp : Enigma_IntSignedOp<"abs_diff", "absdiff",
                                          "absolute difference", 2> {
  let description = [{
    `|a - b|` computed exactly with `a` and `b` read as signed (default) or unsigned
    (`unsigned`). The result always fits the type's unsigned range (Metal returns the unsigned
    type); it has the operands' signless type.

    ```mlir
    %d = enigma.abs_diff %a, %b : i32
    ```
  }];
}

def Enigma_RotateOp : Enigma_BuiltinOp<"rotate", "rotate", [SameOperandsAndResultType]> {
  let summary = "Metal rotate: rotate bits left";
  let description = [{
    Rotates each lane of `value` left by `amount` modulo the bit width (amounts read as
    unsigned, so amounts >= the width wrap).

    ```mlir
    %r = enigma.rotate %v, %n : i32
    ```
  }];
  let arguments = (ins Enigma_MetalIntValue:$value, Enigma_MetalIntValue:$amount);
  let results = (outs Enigma_MetalIntValue:$result);
  let assemblyFormat = "$value `,` $amount attr-dict `:` type($result)";
}

def Enigma_ReverseBitsOp : Enigma_BuiltinOp<"reverse_bits", "reverse_bits",
                                            [SameOperandsAndResultType]> {
  let summary = "Metal reverse_bits: bit reversal";
  let description = [{
    ```mlir
    %r = enigma.reverse_bits %x : vector<2xi16>
    ```
  }];
  let arguments = (ins Enigma_MetalIntValue:$x);
  let results = (outs Enigma_MetalIntValue:$result);
  let assemblyFormat = "$x attr-dict `:` type($result)";
}

def Enigma_ExtractBitsOp : Enigma_BuiltinOp<"extract_bits", "extract_bits",
                                            [AllTypesMatch<["x", "result"]>]> {
  let summary = "Metal extract_bits: read a bit field";
  let description = [{
    Bits `[offset, offset + bits)` of each lane of `x`, moved to the low bits. The field is
    sign-extended (Metal's signed variant) unless `unsigned` is given, in which case it is
    zero-extended. `bits == 0` gives 0; `offset + bits` beyond the width is undefined, as in
    Metal. `offset` and `bits` are `i32` (Metal `uint`), the same for every lane.

    ```mlir
    %f = enigma.extract_bits %x, %off, %n : i32
    %g = enigma.extract_bits unsigned %v, %off, %n : vector<4xi8>
    ```
  }];
  let arguments = (ins UnitAttr:$is_unsigned, Enigma_MetalIntValue:$x, I32:$offset, I32:$bits);
  let results = (outs Enigma_MetalIntValue:$result);
  let assemblyFormat =
      "(`unsigned` $is_unsigned^)? $x `,` $offset `,` $bits attr-dict `:` type($result)";
}

def Enigma_InsertBitsOp : Enigma_BuiltinOp<"insert_bits", "insert_bits",
                                           [AllTypesMatch<["base", "insert", "result"]>]> {
  let summary = "Metal insert_bits: write a bit field";
  let description = [{
    `base` with bits `[offset, offset + bits)` replaced by the low `bits` bits of `insert`.
    `offset` and `bits` are `i32` (Metal `uint`); `offset + bits` beyond the width is undefined.

    ```mlir
    %r = enigma.insert_bits %base, %ins, %off, %n : i32
    ```
  }];
  let arguments = (ins Enigma_MetalIntValue:$base, Enigma_MetalIntValue:$insert, I32:$offset,
                       I32:$bits);
  let results = (outs Enigma_MetalIntValue:$result);
  let assemblyFormat = "$base `,` $insert `,` $offset `,` $bits attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Geometric functions
//===----------------------------------------------------------------------===//

def Enigma_DotOp : Enigma_GeometryOp<"dot", "dot", "dot product",
    [AllTypesMatch<["lhs", "rhs"]>, Enigma_ElementOfOperand0]> {
  let description = [{
    ```mlir
    %d = enigma.dot %a, %b : vector<4xf32>
    ```
  }];
  let arguments = (ins Enigma_MetalFloatVector:$lhs, Enigma_MetalFloatVector:$rhs);
  let results = (outs Enigma_MetalFloat:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs)";
}

def Enigma_LengthOp : Enigma_GeometryOp<"length", "length", "Euclidean length",
    [TypesMatchWith<"result is the element type of the operand", "x", "result",
                    "::llvm::cast<::mlir::VectorType>($_self).getElementType()">]> {
  let description = [{
    `sqrt(dot(x, x))`.

    ```mlir
    %l = enigma.length %v : vector<3xf32>
    ```
  }];
  let arguments = (ins Enigma_MetalFloatVector:$x);
  let results = (outs Enigma_MetalFloat:$result);
  let assemblyFormat = "$x attr-dict `:` type($x)";
}

def Enigma_DistanceOp : Enigma_GeometryOp<"distance", "distance", "Euclidean distance",
    [AllTypesMatch<["lhs", "rhs"]>, Enigma_ElementOfOperand0]> {
  let description = [{
    `length(lhs - rhs)`.

    ```mlir
    %d = enigma.distance %p, %q : vector<2xf32>
    ```
  }];
  let arguments = (ins Enigma_MetalFloatVector:$lhs, Enigma_MetalFloatVector:$rhs);
  let results = (outs Enigma_MetalFloat:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs)";
}

def Enigma_NormalizeOp : Enigma_GeometryOp<"normalize", "normalize", "unit vector",
    [SameOperandsAndResultType]> {
  let description = [{
    `x / length(x)`.

    ```mlir
    %n = enigma.normalize %v : vector<3xf32>
    ```
  }];
  let arguments = (ins Enigma_MetalFloatVector:$x);
  let results = (outs Enigma_MetalFloatVector:$result);
  let assemblyFormat = "$x attr-dict `:` type($result)";
}

def Enigma_CrossOp : Enigma_GeometryOp<"cross", "cross", "cross product",
    [SameOperandsAndResultType]> {
  let description = [{
    Defined for 3-lane vectors only.

    ```mlir
    %c = enigma.cross %a, %b : vector<3xf32>
    ```
  }];
  let arguments = (ins Enigma_Cross3Vector:$lhs, Enigma_Cross3Vector:$rhs);
  let results = (outs Enigma_Cross3Vector:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Enigma_ReflectOp : Enigma_GeometryOp<"reflect", "reflect", "reflection direction",
    [SameOperandsAndResultType]> {
  let description = [{
    `reflect(i, n)` = `i - 2 * dot(n, i) * n`; `n` should be normalized.

    ```mlir
    %r = enigma.reflect %i, %n : vector<3xf32>
    ```
  }];
  let arguments = (ins Enigma_MetalFloatVector:$i, Enigma_MetalFloatVector:$n);
  let results = (outs Enigma_MetalFloatVector:$result);
  let assemblyFormat = "$i `,` $n attr-dict `:` type($result)";
}

def Enigma_RefractOp : Enigma_GeometryOp<"refract", "refract", "refraction direction",
    [AllTypesMatch<["i", "n", "result"]>,
     TypesMatchWith<"eta is the element type of i", "i", "eta",
                    "::llvm::cast<::mlir::VectorType>($_self).getElementType()">]> {
  let description = [{
    `refract(i, n, eta)` for incident `i`, normal `n` (both normalized) and the ratio of
    indices of refraction `eta`: with `k = 1 - eta^2 (1 - dot(n, i)^2)`, the zero vector if
    `k < 0`, else `eta * i - (eta * dot(n, i) + sqrt(k)) * n`.

    ```mlir
    %r = enigma.refract %i, %n, %eta : vector<3xf32>
    ```
  }];
  let arguments = (ins Enigma_MetalFloatVector:$i, Enigma_MetalFloatVector:$n,
                       Enigma_MetalFloat:$eta);
  let results = (outs Enigma_MetalFloatVector:$result);
  let assemblyFormat = "$i `,` $n `,` $eta attr-dict `:` type($i)";
}

def Enigma_FaceforwardOp : Enigma_GeometryOp<"faceforward", "faceforward",
    "orient a normal against an incident vector", [SameOperandsAndResultType]> {
  let description = [{
    `faceforward(n, i, nref)` = `n` if `dot(nref, i) < 0`, else `-n`.

    ```mlir
    %f = enigma.faceforward %n, %i, %nref : vector<3xf32>
    ```
  }];
  let arguments = (ins Enigma_MetalFloatVector:$n, Enigma_MetalFloatVector:$i,
                       Enigma_MetalFloatVector:$nref);
  let results = (outs Enigma_MetalFloatVector:$result);
  let assemblyFormat = "$n `,` $i `,` $nref attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Pack and unpack
//===----------------------------------------------------------------------===//

def Enigma_PackOp : Enigma_Op<"pack", [Pure]> {
  let summary = "Metal pack_float_to_<format>: floats to a 32-bit normalized word";
  let description = [{
    Converts each lane to a normalized integer (Metal's conversion rules: clamp to [0, 1]
    (unorm) or [-1, 1] (snorm), NaN to 0, scale by the largest code (255, 65535, 1023 and 3
    for the alpha of `unorm10a2`; 127 and 32767 for snorm), round to nearest even) and packs
    them, lane 0 in the least significant bits. `srgb_unorm4x8` first applies the sRGB
    transfer function to lanes 0-2 (alpha stays linear). The `4x8` formats and `unorm10a2`
    take 4 lanes, the `2x16` formats 2.

    ```mlir
    %w = enigma.pack <unorm4x8> %rgba : vector<4xf32>
    ```
    Generic form: `"enigma.pack"(%v) {format = #enigma.pack_format<unorm4x8>}
    : (vector<4xf32>) -> i32`.
  }];
  let arguments = (ins Enigma_PackFormatAttr:$format, Enigma_PackVector:$value);
  let results = (outs I32:$result);
  let assemblyFormat = "$format $value attr-dict `:` type($value)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The Metal function: pack_float_to_<format>.
    ::llvm::StringRef getMetalBuiltin() { return getMetalBuiltin(getFormat()); }
    static ::llvm::StringRef getMetalBuiltin(PackFormat format);
    /// The number of float lanes a format packs (2 or 4).
    static unsigned getFormatLanes(PackFormat format);
  }];
}

def Enigma_UnpackOp : Enigma_Op<"unpack", [Pure]> {
  let summary = "Metal unpack_<format>_to_float: a 32-bit normalized word to floats";
  let description = [{
    Splits the word into normalized integers (lane 0 from the least significant bits) and
    converts them exactly to float: unorm `c / (2^N - 1)`, snorm `max(c / (2^(N-1) - 1), -1)`.
    `srgb_unorm4x8` applies the inverse sRGB transfer function to lanes 0-2 (Metal's
    `unpack_unorm4x8_srgb_to_float`). The result has the format's lanes: 4 for the `4x8`
    formats and `unorm10a2`, 2 for the `2x16` formats.

    ```mlir
    %rgba = enigma.unpack <unorm10a2> %w : vector<4xf32>
    ```
    Generic form: `"enigma.unpack"(%w) {format = #enigma.pack_format<unorm10a2>}
    : (i32) -> vector<4xf32>`.
  }];
  let arguments = (ins Enigma_PackFormatAttr:$format, I32:$value);
  let results = (outs Enigma_PackVector:$result);
  let assemblyFormat = "$format $value attr-dict `:` type($result)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The Metal function: unpack_<format>_to_float (unpack_unorm4x8_srgb_to_float for sRGB).
    ::llvm::StringRef getMetalBuiltin() { return getMetalBuiltin(getFormat()); }
    static ::llvm::StringRef getMetalBuiltin(PackFormat format);
  }];
}

#endif // ENIGMA_MATH_OPS_TD
