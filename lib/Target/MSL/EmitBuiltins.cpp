//===- EmitBuiltins.cpp - Metal standard-library calls as MSL -------------===//
//
// The ops of EnigmaMathOps.td are calls of the Metal function their ODS definition names
// (`getMetalBuiltin()`), so they print generically: `T r = fn(operands...);`. No op is listed
// here: every op of the dialect that has `getMetalBuiltin()` is found through the generated op
// list, so a new builtin op in ODS translates without touching this file. The same list gives
// the Namer the function names to reserve (a variable called `length` would hide `length()`).
//
// Signedness: MLIR integers are signless and MSL holds them in unsigned types
// (TypeMapping.h). An op with an `is_unsigned` flag that is not set calls Metal's signed
// overload: its value operands (those of the first operand's type; not the `uint` offset/bit
// counts of extract_bits) are cast to the signed twin, and the result back to the unsigned
// type. The other integer ops (rotate, reverse_bits, insert_bits) act on bits and call the
// unsigned overload directly.
//
//===----------------------------------------------------------------------===//

#include "MSLImpl.h"

#include "llvm/ADT/STLForwardCompat.h"

#include <type_traits>
#include <utility>

using namespace mlir;
using namespace mlir::enigma;
using namespace mlir::enigma::msl;

namespace {
template <typename OpT, typename = void> struct HasMetalBuiltin : std::false_type {};
template <typename OpT>
struct HasMetalBuiltin<OpT, std::void_t<decltype(std::declval<OpT &>().getMetalBuiltin())>>
    : std::true_type {};

/// Ops whose Metal function is fixed (a static getMetalBuiltin()).
template <typename OpT, typename = void> struct HasStaticMetalBuiltin : std::false_type {};
template <typename OpT>
struct HasStaticMetalBuiltin<OpT, std::void_t<decltype(OpT::getMetalBuiltin())>> : std::true_type {
};

template <typename OpT, typename = void> struct HasSignedness : std::false_type {};
template <typename OpT>
struct HasSignedness<OpT, std::void_t<decltype(std::declval<OpT &>().getIsUnsigned())>>
    : std::true_type {};

template <typename OpT> bool matchBuiltin(Operation *op, std::optional<BuiltinCall> &found) {
  if constexpr (HasMetalBuiltin<OpT>::value) {
    if (auto builtin = llvm::dyn_cast<OpT>(op)) {
      BuiltinCall call;
      call.function = builtin.getMetalBuiltin();
      if constexpr (HasSignedness<OpT>::value)
        call.viaSigned = !builtin.getIsUnsigned();
      found = call;
      return true;
    }
  }
  return false;
}

template <typename... OpTs> std::optional<BuiltinCall> lookupBuiltin(Operation *op) {
  std::optional<BuiltinCall> found;
  (void)(matchBuiltin<OpTs>(op, found) || ...);
  return found;
}

template <typename... OpTs>
void collectStaticBuiltins(llvm::SmallVectorImpl<llvm::StringRef> &names) {
  auto add = [&](auto tag) {
    using OpT = typename decltype(tag)::type;
    if constexpr (HasStaticMetalBuiltin<OpT>::value)
      names.push_back(OpT::getMetalBuiltin());
  };
  (add(llvm::type_identity<OpTs>()), ...);
}

} // namespace

std::optional<BuiltinCall> msl::getBuiltinCall(Operation *op) {
  return lookupBuiltin<
#define GET_OP_LIST
#include "enigma/Dialect/Enigma/IR/EnigmaOps.cpp.inc"
      >(op);
}

llvm::SmallVector<llvm::StringRef> msl::getMetalBuiltinNames() {
  llvm::SmallVector<llvm::StringRef> names;
  collectStaticBuiltins<
#define GET_OP_LIST
#include "enigma/Dialect/Enigma/IR/EnigmaOps.cpp.inc"
      >(names);
  for (uint32_t value = 0; value <= getMaxEnumValForPackFormat(); ++value) {
    if (std::optional<PackFormat> format = symbolizePackFormat(value)) {
      names.push_back(PackOp::getMetalBuiltin(*format));
      names.push_back(UnpackOp::getMetalBuiltin(*format));
    }
  }
  return names;
}

LogicalResult msl::printBuiltinCall(KernelPrinter &p, Operation *op, const BuiltinCall &call) {
  Value result = op->getResult(0);
  FailureOr<std::string> resultType = p.typeName(result.getType(), op);
  if (failed(resultType))
    return failure();
  Type valueType = op->getOperand(0).getType();
  bool viaSigned = call.viaSigned && getElementTypeOrSelf(valueType).isInteger();
  std::string rhs = call.function.str() + "(";
  for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
    if (failed(p.typeName(operand.getType(), op)))
      return failure();
    std::string arg = p.expr(operand);
    if (viaSigned && operand.getType() == valueType) {
      FailureOr<std::string> asSignedArg = p.asSigned(operand, op);
      if (failed(asSignedArg))
        return failure();
      arg = *asSignedArg;
    }
    rhs += (i ? ", " : "") + arg;
  }
  rhs += ")";
  if (viaSigned)
    rhs = *resultType + "(" + rhs + ")";
  return p.declare(result, rhs, op);
}
