//===- EnigmaDialect.h - The enigma dialect ---------------------*- C++ -*-===//
//
// Everything a client of the dialect needs: dialect, enums, attributes, types and ops.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_DIALECT_ENIGMA_IR_ENIGMADIALECT_H
#define ENIGMA_DIALECT_ENIGMA_IR_ENIGMADIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/InferIntRangeInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.h.inc"
#include "enigma/Dialect/Enigma/IR/EnigmaEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "enigma/Dialect/Enigma/IR/EnigmaAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "enigma/Dialect/Enigma/IR/EnigmaTypes.h.inc"

namespace mlir {
namespace enigma {

/// The resource cross-lane operations read: the values held by the other lanes of a SIMD-group
/// or quad-group. Barriers write it.
struct LaneResource : public SideEffects::Resource::Base<LaneResource> {
  llvm::StringRef getName() final { return "enigma.lanes"; }
};

/// Verifies that an operation is nested inside an `enigma.kernel`.
template <typename ConcreteType>
class InKernel : public OpTrait::TraitBase<ConcreteType, InKernel> {
public:
  static LogicalResult verifyTrait(Operation *op);
};

/// Returns the address space of a memref type, or std::nullopt when its memory space is not an
/// `#enigma.address_space`.
std::optional<AddressSpace> getAddressSpace(MemRefType type);

/// Metal's limit on the threadgroup memory of one kernel (Apple GPUs).
constexpr int64_t kMaxThreadgroupBytes = 32 * 1024;

/// The bytes a threadgroup allocation of `type` occupies in MSL, or std::nullopt on overflow or
/// a dynamic shape.
std::optional<int64_t> getThreadgroupBytes(MemRefType type);

/// Shared implementation of the InKernel trait.
LogicalResult verifyInKernel(Operation *op);

template <typename ConcreteType>
LogicalResult InKernel<ConcreteType>::verifyTrait(Operation *op) {
  return verifyInKernel(op);
}

} // namespace enigma
} // namespace mlir

#define GET_OP_CLASSES
#include "enigma/Dialect/Enigma/IR/EnigmaOps.h.inc"

#endif // ENIGMA_DIALECT_ENIGMA_IR_ENIGMADIALECT_H
