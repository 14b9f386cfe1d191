//===- TypeMapping.h - MLIR types and constants as MSL ----------*- C++ -*-===//
//
// The one place that decides how an MLIR type is spelled in MSL and how a constant is written
// so that it round-trips exactly. Rules (docs/msl-translation.md):
//   - signless integers of 8/16/32/64 bits are held in *unsigned* MSL types (uchar, ushort, uint,
//     ulong); signed operations cast their operands to the signed twin (char, short, int, long);
//   - i1 is bool; index is uint (32 bits, like Metal's builtins);
//   - f32/f16/bf16 are float/half/bfloat; vector<2|3|4 x T> is T2/T3/T4;
//   - vector<C x R x T> (C, R in 2..4, T f32 or f16) is the Metal matrix TCxR: C columns of
//     R rows, column-major (element [c][r] is m[c][r]);
//   - !enigma.simdgroup_matrix<8x8xT> is simdgroup_T8x8.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_LIB_TARGET_MSL_TYPEMAPPING_H
#define ENIGMA_LIB_TARGET_MSL_TYPEMAPPING_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/Types.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/APInt.h"

#include <optional>
#include <string>

namespace mlir::enigma::msl {

/// The MSL spelling of a value of `type` (unsigned integers, see above), or std::nullopt when
/// the type has no exact MSL equivalent.
std::optional<std::string> getValueTypeName(Type type);

/// The signed twin of an integer (or integer vector) type: int, short4, ... For index: int.
/// std::nullopt for non-integers and i1.
std::optional<std::string> getSignedTypeName(Type type);

/// Whether `type` is a Metal matrix: vector<CxRxT> with C, R in 2..4 and T f32 or f16.
bool isMatrixType(Type type);

/// Number of vector lanes (0 for scalars; all elements for matrices).
unsigned getNumLanes(Type type);

/// Bit width of an integer or index (index is 32 bits in MSL).
unsigned getIntegerWidth(Type type);

/// An exact MSL literal for an integer of `type` (i1, iN, index) with bits `value`, or
/// std::nullopt when the value does not fit (index constants beyond 32 bits).
std::optional<std::string> formatIntLiteral(const llvm::APInt &value, Type type);

/// An exact MSL expression for a float constant of `type` (f32, f16, bf16): shortest decimal
/// that round-trips, INFINITY, NAN or as_type for NaN payloads.
std::optional<std::string> formatFloatLiteral(const llvm::APFloat &value, Type type);

/// An exact MSL expression for an arith.constant value (scalar or vector), or std::nullopt.
std::optional<std::string> formatConstant(Attribute value, Type type);

/// The MLIR spelling of a type ("f32", "vector<4xf32>").
std::string printMLIRType(Type type);

} // namespace mlir::enigma::msl

#endif // ENIGMA_LIB_TARGET_MSL_TYPEMAPPING_H
